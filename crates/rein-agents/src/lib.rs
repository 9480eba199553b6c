//! Agent dialects: one module per agent. Each parses its hook payloads into rein's event model,
//! normalizes its tools into the neutral model, renders answers in the agent's own format, and
//! installs rein's hooks into the agent's settings. [`dialect::all`] lists them.

pub mod claude_code;
pub mod codex;
pub mod copilot;
pub mod cursor;
pub mod dialect;
pub mod flat_hooks;
pub mod gemini_cli;
pub(crate) mod hook_payload;
pub mod hooks_file;
pub mod opencode;

pub use dialect::{Answer, Capabilities, Dialect, Rendered};

use rein_call::Action;
use serde_json::Value;

/// Largest hook payload accepted from any agent. Payloads carry tool inputs and outputs, which
/// can be large (a Write of a big file), but never unbounded.
pub const MAX_PAYLOAD_BYTES: usize = 64 << 20;

/// Why a hook payload could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PayloadError {
    NotJson(String),
    NotAnObject,
    Missing(&'static str),
    TooLarge(usize),
}

impl std::fmt::Display for PayloadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PayloadError::NotJson(e) => write!(f, "the hook payload is not valid JSON ({e})"),
            PayloadError::NotAnObject => f.write_str("the hook payload is not a JSON object"),
            PayloadError::Missing(field) => {
                write!(f, "the hook payload has no string field `{field}`")
            }
            PayloadError::TooLarge(size) => write!(
                f,
                "the hook payload is {size} bytes, over the {MAX_PAYLOAD_BYTES}-byte limit"
            ),
        }
    }
}

impl std::error::Error for PayloadError {}

/// What a call of `agent`'s tool does, by that agent's dialect. A tool of an agent rein has no
/// dialect for is [`Action::Other`]: judged by its arguments.
pub fn normalize(agent: &str, tool: &str, input: &Value) -> Action {
    match dialect::dialect(agent) {
        Some(d) => d.normalize(tool, input),
        None => Action::Other {
            name: tool.to_owned(),
        },
    }
}
