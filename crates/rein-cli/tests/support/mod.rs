//! Shared test support: the scripted model API and the real Claude Code CLI runner.
#![allow(dead_code)]

pub mod claude;
pub mod codex;
pub mod copilot;
pub mod gemini;
pub mod mock_model;
pub mod opencode;
pub mod rein;
pub mod session;
