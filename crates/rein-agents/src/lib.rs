//! Agent dialects: one module per agent. Each parses its hook payloads into rein's event model,
//! renders answers in the agent's own format, and installs rein's hooks into the agent's settings.

pub mod claude_code;

use rein_call::Action;
use serde_json::Value;

/// What a call of `agent`'s tool does, by that agent's dialect. A tool of an agent rein has no
/// dialect for is [`Action::Other`]: judged by its arguments.
pub fn normalize(agent: &str, tool: &str, input: &Value) -> Action {
    match agent {
        claude_code::AGENT => claude_code::tools::normalize(tool, input),
        _ => Action::Other {
            name: tool.to_owned(),
        },
    }
}
