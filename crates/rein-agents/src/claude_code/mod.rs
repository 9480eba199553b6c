//! Claude Code: hook payloads (stdin JSON of every hook event), its tools, its answers, and its
//! settings files.

pub mod settings;
pub mod tools;

use rein_call::Action;
use rein_core::event::Event;
use serde_json::Value;

use crate::dialect::{Answer, Capabilities, Dialect, Rendered};
use crate::hook_payload::{self, Shape};
pub use crate::{MAX_PAYLOAD_BYTES, PayloadError};

/// The agent kind recorded for Claude Code.
pub const AGENT: &str = "claude-code";

const SHAPE: Shape = Shape {
    agent: AGENT,
    prompt_key: "prompt_id",
    normalize: tools::normalize,
};

/// Parses one hook payload. Unknown events become `EventKind::Other`: recorded, never rejected.
pub fn parse(bytes: &[u8]) -> Result<Event, PayloadError> {
    hook_payload::parse(&SHAPE, bytes)
}

/// Like [`parse`], from an already parsed value.
pub fn from_value(raw: Value) -> Result<Event, PayloadError> {
    hook_payload::from_value(&SHAPE, raw)
}

/// Claude Code's dialect.
pub struct ClaudeCode;

impl Dialect for ClaudeCode {
    fn name(&self) -> &'static str {
        AGENT
    }

    fn parse(&self, payload: &[u8], _event: Option<&str>) -> Result<Event, PayloadError> {
        if payload.len() > MAX_PAYLOAD_BYTES {
            return Err(PayloadError::TooLarge(payload.len()));
        }
        let raw: Value =
            serde_json::from_slice(payload).map_err(|e| PayloadError::NotJson(e.to_string()))?;
        // Cursor runs the hooks of Claude Code's settings too, with its own payloads: the event
        // is Cursor's (its agent says so, and its dialect answers it).
        if crate::cursor::is_cursor_payload(&raw) {
            return crate::cursor::parse_value(raw);
        }
        from_value(raw)
    }

    fn may_be_gate(&self, payload: &[u8], _event: Option<&str>) -> bool {
        may_be_pre_tool_use(payload)
    }

    fn normalize(&self, tool: &str, input: &Value) -> Action {
        tools::normalize(tool, input)
    }

    fn render_gate(&self, answer: &Answer) -> Rendered {
        let stdout = match answer {
            Answer::Nothing => gate_answer(GateAnswer::Defer, ""),
            Answer::Ask(reason) => gate_answer(GateAnswer::Ask, reason),
            Answer::Deny(reason) => gate_answer(GateAnswer::Deny, reason),
        };
        Rendered {
            stdout,
            exit_code: 0,
        }
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            // In an interactive session; `claude -p` turns an ask into a refusal.
            ask: true,
            tool_call_ids: true,
            fails_open: true,
            leftover_blocks: false,
        }
    }
}

/// The recorder's answer: empty output and exit 0, which lets Claude Code go on with its own
/// permission flow. (Blocking is the gate's job.)
pub fn recorder_answer() -> &'static str {
    ""
}

/// What the gate tells Claude Code about a PreToolUse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GateAnswer {
    /// Say nothing: Claude Code goes on with its own permission flow. rein never answers
    /// `allow`, which would skip the user's own permission rules and prompts.
    Defer,
    /// Claude Code asks the user (in `-p` mode this acts as a deny).
    Ask,
    /// The call does not run; the reason becomes the tool result the model sees.
    Deny,
}

/// Renders the gate's answer as Claude Code's PreToolUse hook output.
pub fn gate_answer(answer: GateAnswer, reason: &str) -> String {
    match answer {
        GateAnswer::Defer => String::new(),
        GateAnswer::Ask => hook_payload::pre_tool_use_answer("ask", reason),
        GateAnswer::Deny => hook_payload::pre_tool_use_answer("deny", reason),
    }
}

/// Whether a payload that failed to parse may be a PreToolUse, in which case the gate must fail
/// closed. Only a payload that parses as JSON and names another event is known not to be one.
pub fn may_be_pre_tool_use(bytes: &[u8]) -> bool {
    hook_payload::may_be_pre_tool_use(bytes)
}
