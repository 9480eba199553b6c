//! Claude Code's settings files (`.claude/settings.json`, `.claude/settings.local.json`,
//! `~/.claude/settings.json`): rein's hooks in Claude Code's own hook format.

pub use crate::hooks_file::*;
