//! The hook payload Claude Code defined and other agents reuse (Codex's hooks, Copilot's
//! PascalCase format, Cursor's Claude-format sources): one JSON object per event on stdin, with
//! `hook_event_name`, `session_id`, `cwd`, and for tool events `tool_name`, `tool_input` and
//! `tool_use_id`; a PreToolUse is answered with `hookSpecificOutput.permissionDecision`.

use rein_call::Action;
use rein_core::event::{Event, EventKind, ToolCall};
use serde_json::Value;

use crate::{MAX_PAYLOAD_BYTES, PayloadError};

/// How one agent's payloads differ from Claude Code's.
pub(crate) struct Shape {
    /// The agent recorded for the events.
    pub agent: &'static str,
    /// The field that names the prompt a tool call belongs to (`prompt_id`, Codex's `turn_id`).
    pub prompt_key: &'static str,
    /// What a call of one of the agent's tools does.
    pub normalize: fn(&str, &Value) -> Action,
}

/// Parses one payload. Unknown events become [`EventKind::Other`]: recorded, never rejected.
pub(crate) fn parse(shape: &Shape, bytes: &[u8]) -> Result<Event, PayloadError> {
    if bytes.len() > MAX_PAYLOAD_BYTES {
        return Err(PayloadError::TooLarge(bytes.len()));
    }
    let raw: Value =
        serde_json::from_slice(bytes).map_err(|e| PayloadError::NotJson(e.to_string()))?;
    from_value(shape, raw)
}

/// Like [`parse`], from an already parsed value.
pub(crate) fn from_value(shape: &Shape, raw: Value) -> Result<Event, PayloadError> {
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
            action: (shape.normalize)(&tool, &input),
            tool,
            input,
            prompt_id: s(shape.prompt_key),
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
            prompt_id: s(shape.prompt_key),
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
        agent: shape.agent.to_owned(),
        session_id,
        cwd,
        transcript_path: s("transcript_path"),
        permission_mode: s("permission_mode"),
        name,
        kind,
        raw,
    })
}

/// Whether a payload that failed to parse may be a PreToolUse, in which case the gate must fail
/// closed. Only a payload that parses as JSON and names another event is known not to be one.
pub(crate) fn may_be_pre_tool_use(bytes: &[u8]) -> bool {
    if bytes.len() > MAX_PAYLOAD_BYTES {
        return true;
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(v) => !matches!(
            v.get("hook_event_name").and_then(Value::as_str),
            // Cursor's `preToolUse` reaches Claude-format hooks too.
            Some(name) if name != "PreToolUse" && name != "preToolUse"
        ),
        Err(_) => true,
    }
}

/// A PreToolUse answer: `ask` or `deny` with the reason the model sees.
pub(crate) fn pre_tool_use_answer(decision: &str, reason: &str) -> String {
    serde_json::json!({
        "hookSpecificOutput": {
            "hookEventName": "PreToolUse",
            "permissionDecision": decision,
            "permissionDecisionReason": reason,
        }
    })
    .to_string()
}
