//! Agent dialects: one module per agent. Each parses its hook payloads into rein's event model,
//! renders answers in the agent's own format, and installs rein's hooks into the agent's settings.

pub mod claude_code;
