//! opencode: it has no command hooks, only in-process plugins, so rein installs a small plugin
//! (`rein-plugin.js`) that hands each `tool.execute.before`/`after`, each prompt and a few session
//! events to `rein hook opencode` as `{hook, input, output, cwd}` (opencode's own objects), and
//! throws when rein denies a call or cannot answer. Tool calls carry the model's id (`callID`).
//!
//! opencode cannot ask from a plugin, so rein denies a call that needs approval and says so. It
//! skips a broken plugin silently, and a plugin left behind after rein is gone blocks every call,
//! so `rein doctor` checks the plugin.

pub mod tools;

use rein_call::Action;
use rein_core::event::{Event, EventKind, ToolCall};
use serde_json::{Value, json};

use crate::dialect::{Answer, Capabilities, Dialect, Rendered};
use crate::{MAX_PAYLOAD_BYTES, PayloadError};

/// The agent kind recorded for opencode.
pub const AGENT: &str = "opencode";

/// The first line of rein's plugin: how rein knows the file is its own.
pub const PLUGIN_MARKER: &str = "// rein: opencode plugin";

/// The plugin's file name in opencode's plugin directory.
pub const PLUGIN_FILE: &str = "rein.js";

const PLUGIN_TEMPLATE: &str = include_str!("rein-plugin.js");

/// rein's plugin, running `program` (an absolute path, or `rein` from PATH) with a timeout after
/// which the call is blocked.
pub fn plugin_source(program: &str, timeout_secs: u32) -> String {
    PLUGIN_TEMPLATE
        .replace("__REIN_PROGRAM__", &json!(program).to_string())
        .replace(
            "__REIN_TIMEOUT_MS__",
            &(u64::from(timeout_secs) * 1000).to_string(),
        )
}

/// The program a plugin of rein's runs, if `text` is one.
pub fn plugin_program(text: &str) -> Option<String> {
    if !text.starts_with(PLUGIN_MARKER) {
        return None;
    }
    let line = text.lines().find(|l| l.starts_with("const REIN = "))?;
    let literal = line.strip_prefix("const REIN = ")?.strip_suffix(';')?;
    serde_json::from_str(literal).ok()
}

/// opencode's dialect.
pub struct Opencode;

impl Dialect for Opencode {
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
            Ok(v) => !matches!(hook_name(&v), Some(name) if name != "tool.execute.before"),
            Err(_) => true,
        }
    }

    fn normalize(&self, tool: &str, input: &Value) -> Action {
        tools::normalize(tool, input)
    }

    fn render_gate(&self, answer: &Answer) -> Rendered {
        let stdout = match answer {
            Answer::Nothing => String::new(),
            Answer::Ask(reason) => json!({
                "decision": "deny",
                "reason": format!("{reason} (rein denied it because opencode cannot ask from a plugin: approve it by running it yourself, or change the policy)"),
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
            tool_call_ids: true,
            // A broken plugin is skipped silently (rein's own plugin blocks when rein fails).
            fails_open: true,
            leftover_blocks: true,
        }
    }
}

/// The hook a payload is about: rein's plugin sends `hook`; a flat bridge payload
/// `hook_event_name`.
fn hook_name(v: &Value) -> Option<&str> {
    v.get("hook")
        .or_else(|| v.get("hook_event_name"))
        .and_then(Value::as_str)
}

/// Parses one payload: `{hook, input, output, cwd}` as rein's plugin sends it, or a flat
/// `{hook_event_name, tool, sessionID, callID, args, cwd}`.
fn parse_value(raw: Value) -> Result<Event, PayloadError> {
    if !raw.is_object() {
        return Err(PayloadError::NotAnObject);
    }
    let hook = hook_name(&raw)
        .ok_or(PayloadError::Missing("hook"))?
        .to_owned();
    let input = raw.get("input").unwrap_or(&raw);
    let output = raw.get("output").unwrap_or(&Value::Null);
    let str_at = |v: &Value, path: &[&str]| -> Option<String> {
        let mut at = v;
        for key in path {
            at = at.get(key)?;
        }
        at.as_str().map(str::to_owned)
    };
    let call = || -> Result<ToolCall, PayloadError> {
        let tool = str_at(input, &["tool"]).ok_or(PayloadError::Missing("tool"))?;
        let tool_use_id = str_at(input, &["callID"]).ok_or(PayloadError::Missing("callID"))?;
        // Before the call its arguments are the output (a plugin may change them); after, the
        // input carries them.
        let args = output
            .get("args")
            .or_else(|| input.get("args"))
            .cloned()
            .unwrap_or(Value::Null);
        Ok(ToolCall {
            tool_use_id,
            action: tools::normalize(&tool, &args),
            tool,
            input: args,
            prompt_id: None,
            agent_id: None,
        })
    };
    let (name, session_id, kind) = match hook.as_str() {
        "tool.execute.before" => (
            hook.clone(),
            str_at(input, &["sessionID"]),
            EventKind::ToolPre(call()?),
        ),
        "tool.execute.after" => {
            let mut response = output.clone();
            // The whole diff of a write or edit is what rein walks anyway.
            if let Some(meta) = response.get_mut("metadata").and_then(Value::as_object_mut) {
                meta.remove("diff");
                meta.remove("filediff");
            }
            (
                hook.clone(),
                str_at(input, &["sessionID"]),
                EventKind::ToolPost {
                    call: call()?,
                    response,
                    duration_ms: None,
                },
            )
        }
        "chat.message" => {
            let prompt = output
                .get("parts")
                .and_then(Value::as_array)
                .map(|parts| {
                    parts
                        .iter()
                        .filter(|p| p.get("type").and_then(Value::as_str) == Some("text"))
                        .filter_map(|p| p.get("text").and_then(Value::as_str))
                        .collect::<Vec<_>>()
                        .join("\n")
                })
                .unwrap_or_default();
            (
                hook.clone(),
                str_at(input, &["sessionID"]),
                EventKind::Prompt {
                    prompt_id: str_at(output, &["message", "id"]),
                    prompt,
                },
            )
        }
        "event" => {
            let kind = str_at(input, &["type"]).unwrap_or_default();
            let session = str_at(input, &["properties", "sessionID"])
                .or_else(|| str_at(input, &["properties", "info", "id"]));
            let event = match kind.as_str() {
                "session.created" => EventKind::SessionStart {
                    source: Some("startup".to_owned()),
                    model: None,
                },
                "session.idle" => EventKind::Stop,
                "session.deleted" => EventKind::SessionEnd {
                    reason: Some("deleted".to_owned()),
                },
                _ => EventKind::Other,
            };
            (kind, session, event)
        }
        _ => (
            hook.clone(),
            str_at(input, &["sessionID"]),
            EventKind::Other,
        ),
    };
    let session_id = session_id.ok_or(PayloadError::Missing("sessionID"))?;
    let cwd = str_at(&raw, &["cwd"])
        .or_else(|| str_at(input, &["properties", "info", "directory"]))
        .unwrap_or_default();
    Ok(Event {
        agent: AGENT.to_owned(),
        session_id,
        cwd,
        transcript_path: None,
        permission_mode: None,
        name,
        kind,
        raw,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plugin_names_its_program_and_is_known_by_its_marker() {
        let src = plugin_source("/opt/my tools/rein", 60);
        assert!(src.starts_with(PLUGIN_MARKER));
        assert!(
            src.contains("const REIN = \"/opt/my tools/rein\";"),
            "{src}"
        );
        assert!(src.contains("const TIMEOUT_MS = 60000;"));
        assert!(!src.contains("__REIN_"));
        assert_eq!(plugin_program(&src).as_deref(), Some("/opt/my tools/rein"));
        assert_eq!(plugin_program("export const X = 1;\n"), None);
    }
}
