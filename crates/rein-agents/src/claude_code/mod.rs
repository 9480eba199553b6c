//! Claude Code: hook payloads (stdin JSON of every hook event) and settings files.

pub mod settings;
pub mod tools;

use rein_core::event::{Event, EventKind, ToolCall};
use serde_json::Value;

/// The agent kind recorded for Claude Code.
pub const AGENT: &str = "claude-code";

/// Largest payload accepted. Claude Code's payloads carry tool inputs and outputs, which can be
/// large (a Write of a big file), but never unbounded.
pub const MAX_PAYLOAD_BYTES: usize = 64 << 20;

/// Why a payload could not be parsed.
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
            PayloadError::TooLarge(n) => write!(
                f,
                "the hook payload is {n} bytes, over the {MAX_PAYLOAD_BYTES}-byte limit"
            ),
        }
    }
}

impl std::error::Error for PayloadError {}

/// Parses one hook payload. Unknown events become [`EventKind::Other`]: recorded, never rejected.
pub fn parse(bytes: &[u8]) -> Result<Event, PayloadError> {
    if bytes.len() > MAX_PAYLOAD_BYTES {
        return Err(PayloadError::TooLarge(bytes.len()));
    }
    let raw: Value =
        serde_json::from_slice(bytes).map_err(|e| PayloadError::NotJson(e.to_string()))?;
    from_value(raw)
}

/// Like [`parse`], from an already parsed value.
pub fn from_value(raw: Value) -> Result<Event, PayloadError> {
    if !raw.is_object() {
        return Err(PayloadError::NotAnObject);
    }
    let s = |k: &str| raw.get(k).and_then(Value::as_str).map(str::to_owned);
    let need = |k: &'static str| s(k).ok_or(PayloadError::Missing(k));
    let name = need("hook_event_name")?;
    let session_id = need("session_id")?;
    let cwd = s("cwd").unwrap_or_default();

    let call = || -> Result<ToolCall, PayloadError> {
        let tool_use_id = need("tool_use_id")?;
        let tool = need("tool_name")?;
        let input = raw.get("tool_input").cloned().unwrap_or(Value::Null);
        Ok(ToolCall {
            tool_use_id,
            action: tools::normalize(&tool, &input),
            tool,
            input,
            prompt_id: s("prompt_id"),
            agent_id: s("agent_id"),
        })
    };
    let duration = raw.get("duration_ms").and_then(Value::as_u64);
    let kind = match name.as_str() {
        "SessionStart" => EventKind::SessionStart {
            source: s("source"),
            model: s("model"),
        },
        "UserPromptSubmit" => EventKind::Prompt {
            prompt_id: s("prompt_id"),
            prompt: s("prompt").unwrap_or_default(),
        },
        "PreToolUse" => EventKind::ToolPre(call()?),
        "PostToolUse" => EventKind::ToolPost {
            call: call()?,
            response: raw.get("tool_response").cloned().unwrap_or(Value::Null),
            duration_ms: duration,
        },
        "PostToolUseFailure" => EventKind::ToolFailed {
            call: call()?,
            error: s("error").unwrap_or_default(),
            interrupted: raw
                .get("is_interrupt")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            duration_ms: duration,
        },
        "PermissionDenied" => EventKind::ToolDenied {
            call: call()?,
            reason: s("reason").unwrap_or_default(),
        },
        "Stop" => EventKind::Stop,
        "SubagentStart" => EventKind::SubagentStart {
            agent_id: need("agent_id")?,
            agent_type: s("agent_type"),
        },
        "SubagentStop" => EventKind::SubagentStop {
            agent_id: need("agent_id")?,
            agent_type: s("agent_type"),
        },
        "SessionEnd" => EventKind::SessionEnd {
            reason: s("reason"),
        },
        "PreCompact" => EventKind::PreCompact {
            trigger: s("trigger"),
        },
        _ => EventKind::Other,
    };
    Ok(Event {
        agent: AGENT.to_owned(),
        session_id,
        cwd,
        transcript_path: s("transcript_path"),
        permission_mode: s("permission_mode"),
        name,
        kind,
        raw,
    })
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
    let decision = match answer {
        GateAnswer::Defer => return String::new(),
        GateAnswer::Ask => "ask",
        GateAnswer::Deny => "deny",
    };
    serde_json::json!({
        "hookSpecificOutput": {
            "hookEventName": "PreToolUse",
            "permissionDecision": decision,
            "permissionDecisionReason": reason,
        }
    })
    .to_string()
}

/// Whether a payload that failed to parse may be a PreToolUse, in which case the gate must fail
/// closed. Only a payload that parses as JSON and names another event is known not to be one.
pub fn may_be_pre_tool_use(bytes: &[u8]) -> bool {
    if bytes.len() > MAX_PAYLOAD_BYTES {
        return true;
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(v) => !matches!(
            v.get("hook_event_name").and_then(Value::as_str),
            Some(name) if name != "PreToolUse"
        ),
        Err(_) => true,
    }
}
