//! The agent-neutral event model. Adapters turn each agent's hook payloads into these; the
//! recorder turns them into sessions, turns, steps and file versions.

use rein_call::{Action, Changes};
use serde_json::Value;

/// One hook event from an agent.
#[derive(Debug, Clone)]
pub struct Event {
    /// The agent kind, e.g. `claude-code`.
    pub agent: String,
    /// The agent's own session id.
    pub session_id: String,
    /// The agent's working directory when the event fired.
    pub cwd: String,
    pub transcript_path: Option<String>,
    /// The agent's permission mode, when it reports one.
    pub permission_mode: Option<String>,
    /// The agent's own name for the event, e.g. `PreToolUse`.
    pub name: String,
    pub kind: EventKind,
    /// The whole payload, already redacted; recorded in the audit chain.
    pub raw: Value,
}

/// What happened.
#[derive(Debug, Clone)]
pub enum EventKind {
    SessionStart {
        source: Option<String>,
        model: Option<String>,
    },
    Prompt {
        prompt_id: Option<String>,
        prompt: String,
    },
    ToolPre(ToolCall),
    ToolPost {
        call: ToolCall,
        response: Value,
        duration_ms: Option<u64>,
    },
    ToolFailed {
        call: ToolCall,
        error: String,
        interrupted: bool,
        duration_ms: Option<u64>,
    },
    ToolDenied {
        call: ToolCall,
        reason: String,
    },
    /// The main agent finished its turn.
    Stop,
    SubagentStart {
        agent_id: String,
        agent_type: Option<String>,
    },
    SubagentStop {
        agent_id: String,
        agent_type: Option<String>,
    },
    SessionEnd {
        reason: Option<String>,
    },
    PreCompact {
        trigger: Option<String>,
    },
    /// Anything else: recorded raw, never rejected.
    Other,
}

/// A tool call as the agent describes it, and what it does.
#[derive(Debug, Clone)]
pub struct ToolCall {
    pub tool_use_id: String,
    /// The agent's own name for the tool (`Bash`, `run_shell_command`, `mcp__github__…`).
    pub tool: String,
    /// The agent's own input. Already redacted.
    pub input: Value,
    /// What the call does, as the agent's dialect understood it.
    pub action: Action,
    pub prompt_id: Option<String>,
    /// Set when the call is made inside a sub-agent.
    pub agent_id: Option<String>,
}

/// How the recorder captures a tool's file changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaptureMode {
    /// The tool cannot change files.
    None,
    /// The tool changes exactly these paths (absolute or relative to the cwd).
    Declared(Vec<String>),
    /// Anything may change: walk the work tree.
    Walk,
}

impl ToolCall {
    /// How to capture this call's changes: from what it does, never from the tool's name. A call
    /// that does not declare its paths (a shell command, an MCP or unknown tool) is walked.
    pub fn capture_mode(&self) -> CaptureMode {
        match self.action.changes() {
            Changes::None => CaptureMode::None,
            Changes::Paths(paths) => CaptureMode::Declared(paths),
            Changes::Anything => CaptureMode::Walk,
        }
    }

    /// A one-line summary of the call for listings.
    pub fn summary(&self) -> String {
        self.action.summary(&self.input)
    }
}

pub use rein_call::one_line;

/// Marks a `tool_use_id` made by rein for an agent whose tool events carry none (Gemini CLI,
/// Copilot CLI): a key of the call's content. The recorder pairs a result with the oldest call of
/// that key still pending, and numbers the calls (`<key>#1`, `<key>#2`, …).
pub const CONTENT_KEY_PREFIX: &str = "rein-key:";

/// The content key of a call, for agents without tool-call ids: the same tool with the same input
/// gives the same key, before and after it runs.
pub fn content_key(tool: &str, input: &Value) -> String {
    let mut h = blake3::Hasher::new();
    h.update(tool.as_bytes());
    h.update(&[0]);
    h.update(input.to_string().as_bytes());
    format!("{CONTENT_KEY_PREFIX}{}", &h.finalize().to_hex()[..24])
}
