//! GitHub Copilot CLI: its two hook formats, its tools, its answers, and its hooks file.
//!
//! rein installs Copilot's own format (`{"version":1,"hooks":{"preToolUse":[…]}}`), whose
//! camelCase payloads do not name their event: the hook command passes it (`rein hook copilot
//! --event preToolUse`). Payloads of Copilot's Claude-format hooks (PascalCase events,
//! snake_case fields) are understood too. Neither carries a tool-call id, so a call gets a
//! content key and its result is paired with it. Copilot hides a hook's stderr when it exits 2,
//! so rein always answers in JSON; a hook that errors (rein removed, its hook left behind)
//! blocks every call, so uninstall must be complete.

pub mod hooks;
pub mod tools;

use rein_call::Action;
use rein_core::event::{Event, EventKind, ToolCall, content_key};
use serde_json::{Value, json};

use crate::dialect::{Answer, Capabilities, Dialect, Rendered};
use crate::{MAX_PAYLOAD_BYTES, PayloadError};

/// The agent kind recorded for Copilot CLI.
pub const AGENT: &str = "copilot";

/// Copilot CLI's dialect.
pub struct Copilot;

impl Dialect for Copilot {
    fn name(&self) -> &'static str {
        AGENT
    }

    fn parse(&self, payload: &[u8], event: Option<&str>) -> Result<Event, PayloadError> {
        if payload.len() > MAX_PAYLOAD_BYTES {
            return Err(PayloadError::TooLarge(payload.len()));
        }
        let raw: Value =
            serde_json::from_slice(payload).map_err(|e| PayloadError::NotJson(e.to_string()))?;
        parse_value(raw, event)
    }

    fn may_be_gate(&self, payload: &[u8], event: Option<&str>) -> bool {
        if let Some(event) = event {
            return matches!(event, "preToolUse" | "PreToolUse");
        }
        if payload.len() > MAX_PAYLOAD_BYTES {
            return true;
        }
        match serde_json::from_slice::<Value>(payload) {
            Ok(v) => match v.get("hook_event_name").and_then(Value::as_str) {
                Some(name) => name == "PreToolUse",
                // A camelCase payload without its event: a tool call is a possible gate.
                None => v.get("toolName").is_some() && v.get("toolResult").is_none(),
            },
            Err(_) => true,
        }
    }

    fn normalize(&self, tool: &str, input: &Value) -> Action {
        tools::normalize(tool, input)
    }

    fn render_gate(&self, answer: &Answer) -> Rendered {
        // Copilot's own format (what rein installs); the Claude format reads the same fields
        // inside `hookSpecificOutput`, so both are given.
        let answer_json = |decision: &str, reason: &str| {
            json!({
                "permissionDecision": decision,
                "permissionDecisionReason": reason,
                "hookSpecificOutput": {
                    "hookEventName": "PreToolUse",
                    "permissionDecision": decision,
                    "permissionDecisionReason": reason,
                },
            })
            .to_string()
        };
        let stdout = match answer {
            Answer::Nothing => String::new(),
            // Copilot asks in an interactive session; in `-p` it refuses the call and says it
            // could not ask, which is what rein wants.
            Answer::Ask(reason) => answer_json("ask", reason),
            Answer::Deny(reason) => answer_json("deny", reason),
        };
        Rendered {
            stdout,
            exit_code: 0,
        }
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            ask: true,
            tool_call_ids: false,
            fails_open: true,
            leftover_blocks: true,
        }
    }
}

/// The event of a payload: the Claude format names it; Copilot's own format is told by the hook
/// command. Both are mapped to Copilot's camelCase names.
fn event_name(raw: &Value, given: Option<&str>) -> Result<String, PayloadError> {
    let pascal = raw.get("hook_event_name").and_then(Value::as_str);
    let name = pascal
        .or(given)
        .ok_or(PayloadError::Missing("hook_event_name"))?;
    Ok(match name {
        "SessionStart" => "sessionStart",
        "SessionEnd" => "sessionEnd",
        "UserPromptSubmit" => "userPromptSubmitted",
        "PreToolUse" => "preToolUse",
        "PostToolUse" => "postToolUse",
        "PostToolUseFailure" => "postToolUseFailure",
        "Stop" => "agentStop",
        "SubagentStart" => "subagentStart",
        "SubagentStop" => "subagentStop",
        "PreCompact" => "preCompact",
        "PermissionRequest" => "permissionRequest",
        "Notification" => "notification",
        other => other,
    }
    .to_owned())
}

/// Parses one payload of either format.
fn parse_value(raw: Value, given: Option<&str>) -> Result<Event, PayloadError> {
    if !raw.is_object() {
        return Err(PayloadError::NotAnObject);
    }
    let name = event_name(&raw, given)?;
    // A field in camelCase (Copilot's format) or snake_case (the Claude format).
    let field = |camel: &str, snake: &str| raw.get(camel).or_else(|| raw.get(snake));
    let s = |camel: &str, snake: &str| {
        field(camel, snake)
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let session_id = s("sessionId", "session_id").ok_or(PayloadError::Missing("sessionId"))?;
    let call = || -> Result<ToolCall, PayloadError> {
        let tool = s("toolName", "tool_name").ok_or(PayloadError::Missing("toolName"))?;
        let input = match field("toolArgs", "tool_input") {
            // Copilot's documented format sends the arguments as a JSON string.
            Some(Value::String(text)) => {
                serde_json::from_str(text).unwrap_or(Value::String(text.clone()))
            }
            Some(v) => v.clone(),
            None => Value::Null,
        };
        Ok(ToolCall {
            tool_use_id: content_key(&tool, &input),
            action: tools::normalize(&tool, &input),
            tool,
            input,
            prompt_id: None,
            agent_id: None,
        })
    };
    let kind = match name.as_str() {
        "sessionStart" => EventKind::SessionStart {
            source: s("source", "source"),
            model: None,
        },
        "userPromptSubmitted" => EventKind::Prompt {
            prompt_id: None,
            prompt: s("prompt", "prompt").unwrap_or_default(),
        },
        "preToolUse" => EventKind::ToolPre(call()?),
        "postToolUse" => {
            let result = field("toolResult", "tool_result")
                .cloned()
                .unwrap_or(Value::Null);
            let kind = result
                .get("resultType")
                .or_else(|| result.get("result_type"))
                .and_then(Value::as_str);
            match kind {
                Some("failure" | "error") => EventKind::ToolFailed {
                    call: call()?,
                    error: result
                        .get("textResultForLlm")
                        .or_else(|| result.get("text_result_for_llm"))
                        .and_then(Value::as_str)
                        .unwrap_or("failed")
                        .to_owned(),
                    interrupted: false,
                    duration_ms: None,
                },
                Some("denied" | "rejected") => EventKind::ToolDenied {
                    call: call()?,
                    reason: "denied by Copilot CLI".to_owned(),
                },
                _ => EventKind::ToolPost {
                    call: call()?,
                    response: result,
                    duration_ms: None,
                },
            }
        }
        "postToolUseFailure" => EventKind::ToolFailed {
            call: call()?,
            error: field("error", "error").map_or_else(String::new, |e| {
                e.as_str().map_or_else(|| e.to_string(), str::to_owned)
            }),
            interrupted: false,
            duration_ms: None,
        },
        "agentStop" => EventKind::Stop,
        "sessionEnd" => EventKind::SessionEnd {
            reason: s("reason", "reason"),
        },
        "preCompact" => EventKind::PreCompact {
            trigger: s("trigger", "trigger"),
        },
        _ => EventKind::Other,
    };
    Ok(Event {
        agent: AGENT.to_owned(),
        session_id,
        cwd: s("cwd", "cwd").unwrap_or_default(),
        transcript_path: s("transcriptPath", "transcript_path"),
        permission_mode: None,
        name,
        kind,
        raw,
    })
}
