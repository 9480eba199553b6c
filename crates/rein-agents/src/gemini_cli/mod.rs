//! Gemini CLI: its hook payloads (`BeforeTool`/`AfterTool` carry no tool-call id), its tools,
//! its answers, and its settings.
//!
//! Gemini CLI ends a headless run when a hook answers "ask", so rein answers a call that needs
//! approval with a deny that says so. Its hooks fail closed on odd exits with output (a hook left
//! behind after rein is removed blocks every tool call), so uninstall must be complete.

pub mod settings;
pub mod tools;

use rein_call::Action;
use rein_core::event::{Event, EventKind, ToolCall, content_key};
use serde_json::{Value, json};

use crate::dialect::{Answer, Capabilities, Dialect, Rendered};
use crate::{MAX_PAYLOAD_BYTES, PayloadError};

/// The agent kind recorded for Gemini CLI.
pub const AGENT: &str = "gemini-cli";

/// Gemini CLI's dialect.
pub struct GeminiCli;

impl Dialect for GeminiCli {
    fn name(&self) -> &'static str {
        AGENT
    }

    fn parse(&self, payload: &[u8], _event: Option<&str>) -> Result<Event, PayloadError> {
        if payload.len() > MAX_PAYLOAD_BYTES {
            return Err(PayloadError::TooLarge(payload.len()));
        }
        let raw: Value =
            serde_json::from_slice(payload).map_err(|e| PayloadError::NotJson(e.to_string()))?;
        parse_value(raw)
    }

    fn may_be_gate(&self, payload: &[u8], _event: Option<&str>) -> bool {
        if payload.len() > MAX_PAYLOAD_BYTES {
            return true;
        }
        match serde_json::from_slice::<Value>(payload) {
            Ok(v) => !matches!(
                v.get("hook_event_name").and_then(Value::as_str),
                Some(name) if name != "BeforeTool"
            ),
            Err(_) => true,
        }
    }

    fn normalize(&self, tool: &str, input: &Value) -> Action {
        tools::normalize(tool, input)
    }

    fn render_gate(&self, answer: &Answer) -> Rendered {
        let stdout = match answer {
            Answer::Nothing => String::new(),
            // An "ask" ends a headless run without running anything, and no AfterAgent follows:
            // deny instead, saying that a person must approve.
            Answer::Ask(reason) => json!({
                "decision": "deny",
                "reason": format!("{reason} (rein denied it because Gemini CLI cannot ask from a hook in this mode: approve it by running it yourself, or change the policy)"),
            })
            .to_string(),
            Answer::Deny(reason) => json!({"decision": "deny", "reason": reason}).to_string(),
        };
        Rendered {
            stdout,
            exit_code: 0,
        }
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            ask: false,
            tool_call_ids: false,
            fails_open: true,
            leftover_blocks: true,
        }
    }
}

/// Parses one payload. Tool events get a content key for an id: `AfterTool` repeats the call's
/// name and input, so the recorder pairs it with its `BeforeTool`.
fn parse_value(raw: Value) -> Result<Event, PayloadError> {
    if !raw.is_object() {
        return Err(PayloadError::NotAnObject);
    }
    let s = |k: &str| raw.get(k).and_then(Value::as_str).map(str::to_owned);
    let need = |k: &'static str| s(k).ok_or(PayloadError::Missing(k));
    let name = need("hook_event_name")?;
    let session_id = need("session_id")?;
    let call = || -> Result<ToolCall, PayloadError> {
        let tool = need("tool_name")?;
        let input = raw.get("tool_input").cloned().unwrap_or(Value::Null);
        // An MCP tool (`mcp_<server>_<tool>`) names its server in `mcp_context`: the name alone
        // cannot be split, since server names may hold underscores.
        let mcp = raw.get("mcp_context").and_then(|c| {
            let server = c.get("server_name").or_else(|| c.get("server"))?.as_str()?;
            let name = c.get("tool_name").or_else(|| c.get("tool"))?.as_str()?;
            Some(Action::Mcp {
                server: server.to_owned(),
                tool: name.to_owned(),
            })
        });
        Ok(ToolCall {
            tool_use_id: content_key(&tool, &input),
            action: mcp.unwrap_or_else(|| tools::normalize(&tool, &input)),
            tool,
            input,
            prompt_id: None,
            agent_id: None,
        })
    };
    let kind = match name.as_str() {
        "SessionStart" => EventKind::SessionStart {
            source: s("source"),
            model: None,
        },
        "BeforeAgent" => EventKind::Prompt {
            prompt_id: None,
            prompt: s("prompt").unwrap_or_default(),
        },
        "BeforeTool" => EventKind::ToolPre(call()?),
        "AfterTool" => {
            let response = raw.get("tool_response").cloned().unwrap_or(Value::Null);
            match response.get("error").filter(|e| !e.is_null()) {
                Some(error) => EventKind::ToolFailed {
                    call: call()?,
                    error: error
                        .as_str()
                        .map_or_else(|| error.to_string(), str::to_owned),
                    interrupted: false,
                    duration_ms: None,
                },
                None => EventKind::ToolPost {
                    call: call()?,
                    response,
                    duration_ms: None,
                },
            }
        }
        // The agent's turn ended (a deny of AfterAgent would make it go on, which rein never asks).
        "AfterAgent" => EventKind::Stop,
        "SessionEnd" => EventKind::SessionEnd {
            reason: s("reason"),
        },
        "PreCompress" => EventKind::PreCompact {
            trigger: s("trigger"),
        },
        _ => EventKind::Other,
    };
    Ok(Event {
        agent: AGENT.to_owned(),
        session_id,
        cwd: s("cwd").unwrap_or_default(),
        transcript_path: s("transcript_path"),
        permission_mode: None,
        name,
        kind,
        raw,
    })
}
