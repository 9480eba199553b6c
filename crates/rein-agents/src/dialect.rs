//! What every agent dialect provides, and the registry of dialects (one line per agent).

use rein_call::Action;
use rein_core::event::Event;
use serde_json::Value;

use crate::PayloadError;

/// What the engine decided, for a dialect to render in its agent's format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// Say nothing: the agent goes on with its own permission flow (rein never answers "allow"
    /// on the user's behalf).
    Nothing,
    /// A human must approve, with this reason.
    Ask(String),
    /// The call must not run; the reason is what the model sees.
    Deny(String),
}

/// What a hook prints and how it exits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub stdout: String,
    pub exit_code: u8,
}

impl Rendered {
    /// Nothing on stdout, exit 0.
    pub fn quiet() -> Rendered {
        Rendered {
            stdout: String::new(),
            exit_code: 0,
        }
    }
}

/// What an agent's hook protocol can and cannot do, so the engine can compensate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    /// The agent can ask a human itself when a hook says "ask". Without it rein denies and says
    /// a human must approve.
    pub ask: bool,
    /// Tool events carry the model's tool-call id (else rein pairs a result with its call by
    /// order within the session).
    pub tool_call_ids: bool,
    /// The agent runs the call anyway when the hook crashes or times out: fail-closed must then
    /// come from rein answering deny itself, quickly.
    pub fails_open: bool,
    /// A hook left configured after rein is removed blocks every tool call (so uninstall must
    /// be complete, and `rein doctor` must find leftovers).
    pub leftover_blocks: bool,
}

/// One agent's dialect: its payloads, its tools, its answers.
pub trait Dialect: Sync {
    /// The agent's name: recorded with every session, and given to `rein hook`.
    fn name(&self) -> &'static str;

    /// Parses one hook payload. `event` is the event name when the hook command passes it as an
    /// argument (agents whose payloads do not name their event).
    fn parse(&self, payload: &[u8], event: Option<&str>) -> Result<Event, PayloadError>;

    /// Whether a payload that failed to parse may be a call about to run, in which case the gate
    /// must fail closed. Only a payload known to be some other event is not.
    fn may_be_gate(&self, payload: &[u8], event: Option<&str>) -> bool;

    /// What one of the agent's tool calls does.
    fn normalize(&self, tool: &str, input: &Value) -> Action;

    /// The answer to a call about to run, in the agent's format.
    fn render_gate(&self, answer: &Answer) -> Rendered;

    /// The answer after recording any other event.
    fn render_recorded(&self) -> Rendered {
        Rendered::quiet()
    }

    /// Largest payload accepted.
    fn max_payload_bytes(&self) -> usize {
        64 << 20
    }

    fn capabilities(&self) -> Capabilities;
}

/// Every dialect rein speaks. Adding an agent is one file and one line here.
pub fn all() -> &'static [&'static dyn Dialect] {
    &[
        &crate::claude_code::ClaudeCode,
        &crate::codex::Codex,
        &crate::gemini_cli::GeminiCli,
        &crate::copilot::Copilot,
        &crate::opencode::Opencode,
        &crate::cursor::Cursor,
    ]
}

/// The dialect of `name`, if rein speaks it.
pub fn dialect(name: &str) -> Option<&'static dyn Dialect> {
    all().iter().copied().find(|d| d.name() == name)
}
