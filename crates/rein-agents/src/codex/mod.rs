//! OpenAI Codex CLI: its hook payloads (Claude Code's shape, with `turn_id` for the prompt), its
//! tools (`Bash`, `apply_patch`, MCP tools), its answers, and its hook settings.
//!
//! Codex has no "ask": a hook answering ask counts as failed and the call runs. So rein answers
//! a call that needs approval with a deny that says so. Codex runs a call when its hook crashes,
//! times out or answers something it does not understand (fail-open), so rein's answer must be a
//! deny it understands, in time.

pub mod settings;
pub mod tools;

use rein_call::Action;
use rein_core::event::Event;
use serde_json::Value;

use crate::PayloadError;
use crate::dialect::{Answer, Capabilities, Dialect, Rendered};
use crate::hook_payload::{self, Shape};

/// The agent kind recorded for Codex.
pub const AGENT: &str = "codex";

const SHAPE: Shape = Shape {
    agent: AGENT,
    prompt_key: "turn_id",
    normalize: tools::normalize,
};

/// Codex's dialect.
pub struct Codex;

impl Dialect for Codex {
    fn name(&self) -> &'static str {
        AGENT
    }

    fn parse(&self, payload: &[u8], _event: Option<&str>) -> Result<Event, PayloadError> {
        hook_payload::parse(&SHAPE, payload)
    }

    fn may_be_gate(&self, payload: &[u8], _event: Option<&str>) -> bool {
        hook_payload::may_be_pre_tool_use(payload)
    }

    fn normalize(&self, tool: &str, input: &Value) -> Action {
        tools::normalize(tool, input)
    }

    fn render_gate(&self, answer: &Answer) -> Rendered {
        let stdout = match answer {
            Answer::Nothing => String::new(),
            // Codex cannot ask: an "ask" answer would count as a failed hook and the call would
            // run. Deny, saying that a person must approve it.
            Answer::Ask(reason) => hook_payload::pre_tool_use_answer(
                "deny",
                &format!(
                    "{reason} (Codex cannot ask for approval from a hook, so rein denied it: approve it by running it yourself, or change the policy)"
                ),
            ),
            Answer::Deny(reason) => hook_payload::pre_tool_use_answer("deny", reason),
        };
        Rendered {
            stdout,
            exit_code: 0,
        }
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            ask: false,
            tool_call_ids: true,
            fails_open: true,
            leftover_blocks: false,
        }
    }
}
