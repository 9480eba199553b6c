//! Cursor (its CLI and agents run by its SDK): hook payloads, tools, answers and `hooks.json`.
//!
//! Written from Cursor's hook executor (`@cursor/sdk` 1.0.32) and its documentation: no Cursor
//! agent runs here, so nothing below was captured from a running agent. rein's hooks set
//! `failClosed` (a timeout, crash or empty answer then blocks the call), so rein always answers
//! with JSON, `{}` when it has nothing to say.
//!
//! Cursor also runs the hooks in Claude Code's settings files, with Cursor's payloads. A payload
//! that reaches `rein hook claude-code` from Cursor is Cursor's ([`is_cursor_payload`]); when
//! rein's own Cursor hooks are installed too, that second hook must not record the event again.

pub mod tools;

use rein_call::Action;
use rein_core::event::{Event, EventKind, ToolCall};
use serde_json::{Value, json};

use crate::dialect::{Answer, Capabilities, Dialect, Rendered};
use crate::hooks_file::{ReinHook, SettingsError, UninstallOutcome};
use crate::{MAX_PAYLOAD_BYTES, PayloadError, flat_hooks};

/// The agent kind recorded for Cursor.
pub const AGENT: &str = "cursor";

/// The events rein installs, in Cursor's names.
pub const REIN_EVENTS: &[&str] = &[
    "sessionStart",
    "beforeSubmitPrompt",
    "preToolUse",
    "postToolUse",
    "postToolUseFailure",
    "stop",
    "sessionEnd",
];

/// Whether a payload comes from Cursor (its executor adds `cursor_version` to every payload).
pub fn is_cursor_payload(raw: &Value) -> bool {
    raw.get("cursor_version").is_some()
}

/// Cursor's dialect.
pub struct Cursor;

impl Dialect for Cursor {
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
                Some(name) if !is_permission_event(name)
            ),
            Err(_) => true,
        }
    }

    fn normalize(&self, tool: &str, input: &Value) -> Action {
        tools::normalize(tool, input)
    }

    fn render_gate(&self, answer: &Answer) -> Rendered {
        // Cursor's fields, and Claude's (which Cursor maps when a Claude-format hook answers).
        let decided = |permission: &str, reason: &str| {
            json!({
                "permission": permission,
                "user_message": reason,
                "agent_message": reason,
                "hookSpecificOutput": {
                    "hookEventName": "PreToolUse",
                    "permissionDecision": permission,
                    "permissionDecisionReason": reason,
                },
            })
            .to_string()
        };
        let stdout = match answer {
            // `{}`: no decision (Cursor's own approval flow goes on); empty output would block.
            Answer::Nothing => "{}".to_owned(),
            Answer::Ask(reason) => decided("ask", reason),
            Answer::Deny(reason) => decided("deny", reason),
        };
        Rendered {
            stdout,
            exit_code: 0,
        }
    }

    fn render_recorded(&self) -> Rendered {
        Rendered {
            stdout: "{}".to_owned(),
            exit_code: 0,
        }
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            ask: true,
            tool_call_ids: true,
            // Only with `failClosed`, which rein sets; a Claude-format hook in Cursor fails open.
            fails_open: false,
            leftover_blocks: true,
        }
    }
}

/// Events whose answer is a permission (`allow`, `ask`, `deny`).
fn is_permission_event(name: &str) -> bool {
    matches!(
        name,
        "preToolUse"
            | "beforeShellExecution"
            | "beforeMCPExecution"
            | "beforeReadFile"
            | "beforeTabFileRead"
            | "subagentStart"
            | "PreToolUse"
    )
}

/// Parses one Cursor payload (also when it reached `rein hook claude-code`).
pub fn parse_value(raw: Value) -> Result<Event, PayloadError> {
    if !raw.is_object() {
        return Err(PayloadError::NotAnObject);
    }
    let s = |k: &str| raw.get(k).and_then(Value::as_str).map(str::to_owned);
    let name = s("hook_event_name").ok_or(PayloadError::Missing("hook_event_name"))?;
    let session_id = s("session_id")
        .or_else(|| s("conversation_id"))
        .ok_or(PayloadError::Missing("session_id"))?;
    let call = || -> Result<ToolCall, PayloadError> {
        let tool = s("tool_name").ok_or(PayloadError::Missing("tool_name"))?;
        let tool_use_id = s("tool_use_id").ok_or(PayloadError::Missing("tool_use_id"))?;
        let input = match raw.get("tool_input") {
            // MCP inputs come as a JSON string.
            Some(Value::String(text)) => {
                serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.clone()))
            }
            Some(v) => v.clone(),
            None => Value::Null,
        };
        Ok(ToolCall {
            tool_use_id,
            action: tools::normalize(&tool, &input),
            tool,
            input,
            prompt_id: s("generation_id"),
            agent_id: None,
        })
    };
    let duration = raw.get("duration").and_then(Value::as_u64);
    // Claude's event names too: Cursor maps its events onto Claude-format hooks' names in config,
    // and a payload may carry either.
    let kind = match name.as_str() {
        "sessionStart" | "SessionStart" => EventKind::SessionStart {
            source: s("source"),
            model: s("model"),
        },
        "beforeSubmitPrompt" | "UserPromptSubmit" => EventKind::Prompt {
            prompt_id: s("generation_id"),
            prompt: s("prompt").unwrap_or_default(),
        },
        "preToolUse" | "PreToolUse" => EventKind::ToolPre(call()?),
        "postToolUse" | "PostToolUse" => EventKind::ToolPost {
            call: call()?,
            response: raw.get("tool_output").cloned().unwrap_or(Value::Null),
            duration_ms: duration,
        },
        "postToolUseFailure" | "PostToolUseFailure" => EventKind::ToolFailed {
            call: call()?,
            error: s("error_message").unwrap_or_default(),
            interrupted: raw
                .get("is_interrupt")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            duration_ms: duration,
        },
        "stop" | "Stop" => EventKind::Stop,
        "sessionEnd" | "SessionEnd" => EventKind::SessionEnd {
            reason: s("reason"),
        },
        "preCompact" | "PreCompact" => EventKind::PreCompact {
            trigger: s("trigger"),
        },
        _ => EventKind::Other,
    };
    let cwd = s("cwd")
        .or_else(|| {
            raw.get("workspace_roots")
                .and_then(Value::as_array)
                .and_then(|r| r.first())
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .unwrap_or_default();
    Ok(Event {
        agent: AGENT.to_owned(),
        session_id,
        cwd,
        transcript_path: s("transcript_path"),
        permission_mode: None,
        name,
        kind,
        raw,
    })
}

/// The hook entry rein installs under each event.
fn rein_entry(command: &str, timeout_secs: u32) -> Value {
    json!({"command": command, "timeout": timeout_secs, "failClosed": true})
}

/// Merges rein's hooks into a `hooks.json` text (`None`: no file yet).
pub fn install(
    existing: Option<&str>,
    command: &str,
    timeout_secs: u32,
) -> Result<(String, bool), SettingsError> {
    let entries: Vec<(&str, Value)> = REIN_EVENTS
        .iter()
        .map(|e| (*e, rein_entry(command, timeout_secs)))
        .collect();
    flat_hooks::install(existing, AGENT, &entries)
}

/// rein's Cursor hooks in a `hooks.json` text.
pub fn find_rein_hooks(text: &str) -> Result<Vec<ReinHook>, SettingsError> {
    flat_hooks::find_rein_hooks(text, AGENT)
}

/// Removes rein's Cursor hooks, and nothing else.
pub fn uninstall(existing: &str) -> Result<UninstallOutcome, SettingsError> {
    flat_hooks::uninstall(existing, AGENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn install_merges_and_is_idempotent_and_uninstall_keeps_the_users_hooks() {
        let user = r#"{"version": 1, "hooks": {"preToolUse": [{"command": "./audit.sh"}]}}"#;
        let (text, changed) = install(Some(user), "/usr/bin/rein hook cursor", 30).expect("ok");
        assert!(changed);
        let v: Value = serde_json::from_str(&text).expect("json");
        assert_eq!(v["hooks"]["preToolUse"][0]["command"], "./audit.sh");
        assert_eq!(v["hooks"]["preToolUse"][1]["failClosed"], true);
        assert_eq!(v["hooks"]["preToolUse"][1]["timeout"], 30);
        assert_eq!(
            find_rein_hooks(&text).expect("finds").len(),
            REIN_EVENTS.len()
        );
        let (again, changed) = install(Some(&text), "/usr/bin/rein hook cursor", 30).expect("ok");
        assert!(!changed);
        assert_eq!(again, text);
        let (moved, changed) = install(Some(&text), "/opt/rein hook cursor", 30).expect("ok");
        assert!(changed);
        assert_eq!(
            find_rein_hooks(&moved).expect("finds").len(),
            REIN_EVENTS.len()
        );
        let out = uninstall(&moved).expect("ok");
        assert_eq!(out.removed, REIN_EVENTS.len());
        let v: Value = serde_json::from_str(&out.text).expect("json");
        assert_eq!(v, serde_json::from_str::<Value>(user).expect("json"));
    }
}
