//! Codex's hook settings: rein's hooks in a `hooks.json` (Claude Code's format), and the trust
//! entries in the user's `config.toml` without which Codex skips them silently.
//!
//! Codex runs a user or project hook only when its definition is trusted:
//! `[hooks.state."<hooks.json path>:<event_snake_case>:<group>:<handler>"] trusted_hash =
//! "sha256:<hex>"`, where the hash is the SHA-256 of the compact, key-sorted JSON of
//! `{"event_name", "matcher" (only for tool and session-start events, when set), "hooks":
//! [{"type":"command","command","timeout":<effective>,"async":false}]}`. A hook whose command or
//! timeout changes after it was trusted is skipped again, so rein writes both in one go, and
//! `rein doctor` recomputes the hashes.
//!
//! Everything here is pure: text in, text out. The caller reads and writes the files.

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::hooks_file::{self, SettingsError};

/// The events rein installs for Codex, with the matcher each gets.
pub const REIN_EVENTS: &[(&str, Option<&str>)] = &[
    ("PreToolUse", Some("*")),
    ("PostToolUse", Some("*")),
    ("UserPromptSubmit", None),
    ("Stop", None),
    ("SubagentStart", None),
    ("SubagentStop", None),
    ("SessionStart", None),
    ("SessionEnd", None),
    ("PreCompact", None),
];

/// Codex caps a SessionEnd hook's timeout at 3 seconds (and defaults it to 1).
const SESSION_END_TIMEOUT: u32 = 3;

/// Events whose matcher Codex uses (and hashes).
const MATCHED_EVENTS: &[&str] = &[
    "PreToolUse",
    "PermissionRequest",
    "PostToolUse",
    "SessionStart",
];

/// What installing did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installed {
    /// The new `hooks.json` text.
    pub hooks: String,
    /// The new `config.toml` text, with the trust entries.
    pub config: String,
    pub changed: bool,
}

/// One of rein's hooks in a `hooks.json`, where Codex looks it up for trust.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustEntry {
    /// `<hooks.json path>:<event_snake_case>:<group>:<handler>`.
    pub key: String,
    /// `sha256:<hex>`.
    pub hash: String,
}

/// `PreToolUse` → `pre_tool_use`.
pub fn snake_case(event: &str) -> String {
    let mut out = String::new();
    for (i, c) in event.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The timeout Codex runs (and hashes) a hook with.
fn effective_timeout(event: &str, configured: Option<u64>) -> u64 {
    let default = if matches!(event, "SessionEnd" | "Interrupt") {
        1
    } else {
        600
    };
    let t = configured.unwrap_or(default).max(1);
    if matches!(event, "SessionEnd" | "Interrupt") {
        t.min(u64::from(SESSION_END_TIMEOUT))
    } else {
        t
    }
}

/// The hash Codex trusts a hook handler by.
pub fn trust_hash(event: &str, matcher: Option<&str>, handler: &Value) -> String {
    let mut hook = Map::new();
    hook.insert("type".into(), json!("command"));
    hook.insert(
        "command".into(),
        handler.get("command").cloned().unwrap_or(Value::Null),
    );
    hook.insert(
        "timeout".into(),
        json!(effective_timeout(
            event,
            handler.get("timeout").and_then(Value::as_u64)
        )),
    );
    hook.insert("async".into(), json!(false));
    if let Some(status) = handler.get("statusMessage") {
        hook.insert("statusMessage".into(), status.clone());
    }
    let mut def = Map::new();
    def.insert("event_name".into(), json!(snake_case(event)));
    if let Some(m) = matcher.filter(|_| MATCHED_EVENTS.contains(&event)) {
        def.insert("matcher".into(), json!(m));
    }
    def.insert("hooks".into(), Value::Array(vec![Value::Object(hook)]));
    let canonical = sorted(&Value::Object(def)).to_string();
    let digest = Sha256::digest(canonical.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// The value with every object's keys in order (serde_json keeps insertion order here).
fn sorted(v: &Value) -> Value {
    match v {
        Value::Object(o) => {
            let mut keys: Vec<&String> = o.keys().collect();
            keys.sort();
            Value::Object(
                keys.into_iter()
                    .map(|k| (k.clone(), sorted(&o[k])))
                    .collect(),
            )
        }
        Value::Array(a) => Value::Array(a.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

/// The trust entries of rein's hooks in a `hooks.json` text at `path`.
pub fn rein_trust_entries(hooks_text: &str, path: &str) -> Result<Vec<TrustEntry>, SettingsError> {
    let root: Value = serde_json::from_str(hooks_text).map_err(|e| SettingsError::InvalidJson {
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    let mut out = Vec::new();
    let Some(Value::Object(hooks)) = root.get("hooks") else {
        return Ok(out);
    };
    for (event, groups) in hooks {
        let Value::Array(groups) = groups else {
            continue;
        };
        for (g, group) in groups.iter().enumerate() {
            let matcher = group.get("matcher").and_then(Value::as_str);
            let Some(Value::Array(handlers)) = group.get("hooks") else {
                continue;
            };
            for (h, handler) in handlers.iter().enumerate() {
                let is_rein = handler
                    .get("command")
                    .and_then(Value::as_str)
                    .is_some_and(|c| hooks_file::is_rein_command_for(c, super::AGENT));
                if is_rein {
                    out.push(TrustEntry {
                        key: format!("{path}:{}:{g}:{h}", snake_case(event)),
                        hash: trust_hash(event, matcher, handler),
                    });
                }
            }
        }
    }
    Ok(out)
}

/// Installs rein's hooks into a `hooks.json` text at `path` (`None`: no file yet) and trusts
/// them in the user's `config.toml` text (`None`: no file yet).
pub fn install(
    hooks_text: Option<&str>,
    config_text: Option<&str>,
    path: &str,
    command: &str,
    timeout_secs: u32,
) -> Result<Installed, SettingsError> {
    let existing = hooks_text.filter(|t| !t.trim().is_empty());
    let mut out =
        hooks_file::install_for(existing, command, timeout_secs, super::AGENT, REIN_EVENTS)?;
    // SessionEnd runs with at most 3 s: say so, so that the trusted hash is what Codex computes.
    let mut root: Value =
        serde_json::from_str(&out.text).map_err(|e| SettingsError::InvalidJson {
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
    if let Some(groups) = root
        .get_mut("hooks")
        .and_then(|h| h.get_mut("SessionEnd"))
        .and_then(Value::as_array_mut)
    {
        for group in groups {
            for handler in group
                .get_mut("hooks")
                .and_then(Value::as_array_mut)
                .into_iter()
                .flatten()
            {
                let rein = handler
                    .get("command")
                    .and_then(Value::as_str)
                    .is_some_and(|c| hooks_file::is_rein_command_for(c, super::AGENT));
                if rein && handler.get("timeout").and_then(Value::as_u64) != Some(3) {
                    handler["timeout"] = json!(SESSION_END_TIMEOUT);
                    out.changed = true;
                }
            }
        }
    }
    let hooks = if out.changed {
        let mut text = serde_json::to_string_pretty(&root).map_err(|e| {
            SettingsError::InvalidShape(vec![format!("cannot render hooks.json: {e}")])
        })?;
        text.push('\n');
        text
    } else {
        out.text
    };
    let entries = rein_trust_entries(&hooks, path)?;
    let (config, trusted_changed) = trust(config_text.unwrap_or(""), path, &entries)?;
    // Changed is what the files say: the SessionEnd timeout goes to 60 and back to 3 above.
    let hooks_changed = existing != Some(hooks.as_str());
    Ok(Installed {
        changed: hooks_changed || trusted_changed,
        hooks,
        config,
    })
}

/// Writes `entries` as the trust entries of `path` in a `config.toml` text, replacing any
/// earlier entries of rein's hooks in that file; everything else is kept as written.
pub fn trust(
    config_text: &str,
    path: &str,
    entries: &[TrustEntry],
) -> Result<(String, bool), SettingsError> {
    let mut doc: toml_edit::DocumentMut =
        config_text.parse().map_err(|e: toml_edit::TomlError| {
            SettingsError::InvalidShape(vec![format!("config.toml does not parse: {e}")])
        })?;
    let before = doc.to_string();
    let hooks = doc
        .entry("hooks")
        .or_insert_with(|| {
            let mut t = toml_edit::Table::new();
            t.set_implicit(true);
            toml_edit::Item::Table(t)
        })
        .as_table_mut()
        .ok_or_else(|| {
            SettingsError::InvalidShape(vec!["config.toml: `hooks` is not a table".into()])
        })?;
    let state = hooks
        .entry("state")
        .or_insert_with(|| {
            let mut t = toml_edit::Table::new();
            t.set_implicit(true);
            toml_edit::Item::Table(t)
        })
        .as_table_mut()
        .ok_or_else(|| {
            SettingsError::InvalidShape(vec!["config.toml: `hooks.state` is not a table".into()])
        })?;
    // Drop the entries of rein's hooks in this file that are no longer where they were.
    let prefix = format!("{path}:");
    let stale: Vec<String> = state
        .iter()
        .map(|(k, _)| k.to_owned())
        .filter(|k| k.starts_with(&prefix) && !entries.iter().any(|e| &e.key == k))
        .filter(|k| {
            state
                .get(k)
                .and_then(|i| i.get("rein"))
                .and_then(toml_edit::Item::as_bool)
                .unwrap_or(false)
        })
        .collect();
    for k in stale {
        state.remove(&k);
    }
    for e in entries {
        let mut t = toml_edit::Table::new();
        t.insert("trusted_hash", toml_edit::value(e.hash.as_str()));
        // Marks the entry as rein's own, so that uninstalling removes only what rein wrote.
        t.insert("rein", toml_edit::value(true));
        state.insert(&e.key, toml_edit::Item::Table(t));
    }
    let after = doc.to_string();
    let changed = after != before;
    Ok((after, changed))
}

/// Removes rein's hooks from a `hooks.json` text and their trust entries from `config.toml`.
/// Returns (hooks text, whether it is now empty, config text, hooks removed).
pub fn uninstall(
    hooks_text: &str,
    config_text: &str,
    path: &str,
) -> Result<(String, bool, String, usize), SettingsError> {
    let out = hooks_file::uninstall_for(hooks_text, super::AGENT)?;
    let (config, _) = trust(config_text, path, &[])?;
    Ok((out.text, out.left_empty, config, out.removed))
}

/// What `rein doctor` says about rein's Codex hooks in a `hooks.json` at `path`: the events
/// installed, and the hooks Codex will skip because their trust entry is missing or stale.
pub fn check(
    hooks_text: &str,
    config_text: &str,
    path: &str,
) -> Result<(Vec<String>, Vec<String>), SettingsError> {
    let entries = rein_trust_entries(hooks_text, path)?;
    let doc: toml_edit::DocumentMut = config_text.parse().map_err(|e: toml_edit::TomlError| {
        SettingsError::InvalidShape(vec![format!("config.toml does not parse: {e}")])
    })?;
    let state = doc.get("hooks").and_then(|h| h.get("state"));
    let mut installed = Vec::new();
    let mut untrusted = Vec::new();
    for e in &entries {
        let event = e.key.rsplit(':').nth(2).unwrap_or("").to_owned();
        installed.push(event.clone());
        let trusted = state
            .and_then(|s| s.get(&e.key))
            .and_then(|t| t.get("trusted_hash"))
            .and_then(toml_edit::Item::as_str);
        if trusted != Some(e.hash.as_str()) {
            untrusted.push(event);
        }
    }
    Ok((installed, untrusted))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_names_in_snake_case() {
        assert_eq!(snake_case("PreToolUse"), "pre_tool_use");
        assert_eq!(snake_case("Stop"), "stop");
        assert_eq!(snake_case("UserPromptSubmit"), "user_prompt_submit");
    }

    #[test]
    fn the_trust_hash_is_over_sorted_compact_json() {
        let handler = json!({"type": "command", "command": "rein hook codex", "timeout": 60});
        let h = trust_hash("PreToolUse", Some("*"), &handler);
        let canonical = r#"{"event_name":"pre_tool_use","hooks":[{"async":false,"command":"rein hook codex","timeout":60,"type":"command"}],"matcher":"*"}"#;
        let want: String = Sha256::digest(canonical.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(h, format!("sha256:{want}"));
        // The matcher counts only where Codex uses it; SessionEnd's timeout is capped at 3.
        let stop = trust_hash("Stop", Some("*"), &handler);
        let canonical = r#"{"event_name":"stop","hooks":[{"async":false,"command":"rein hook codex","timeout":60,"type":"command"}]}"#;
        let want: String = Sha256::digest(canonical.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(stop, format!("sha256:{want}"));
        assert!(trust_hash("SessionEnd", None, &handler).starts_with("sha256:"));
    }

    #[test]
    fn install_trusts_every_hook_and_uninstall_removes_only_reins() {
        let user_config = "model = \"gpt-5.5\"\n\n[hooks.state.\"/other/hooks.json:stop:0:0\"]\ntrusted_hash = \"sha256:abc\"\n";
        let path = "/home/dev/.codex/hooks.json";
        let out = install(
            None,
            Some(user_config),
            path,
            "/usr/bin/rein hook codex",
            60,
        )
        .expect("installs");
        assert!(out.changed);
        let (installed, untrusted) = check(&out.hooks, &out.config, path).expect("checks");
        assert_eq!(installed.len(), REIN_EVENTS.len());
        assert_eq!(untrusted, Vec::<String>::new());
        assert!(
            out.config.starts_with("model = \"gpt-5.5\""),
            "{}",
            out.config
        );
        assert!(out.config.contains("/other/hooks.json:stop:0:0"));
        // Again: nothing changes.
        let again = install(
            Some(&out.hooks),
            Some(&out.config),
            path,
            "/usr/bin/rein hook codex",
            60,
        )
        .expect("installs");
        assert!(!again.changed);
        // A changed command leaves the old trust stale until installed again.
        let edited = out.hooks.replace("/usr/bin/rein", "/opt/rein");
        let (_, untrusted) = check(&edited, &out.config, path).expect("checks");
        assert_eq!(untrusted.len(), REIN_EVENTS.len());
        let (hooks, empty, config, removed) =
            uninstall(&out.hooks, &out.config, path).expect("uninstalls");
        assert_eq!(removed, REIN_EVENTS.len());
        assert!(empty, "{hooks}");
        assert!(!config.contains(path), "{config}");
        assert!(config.contains("/other/hooks.json:stop:0:0"), "{config}");
    }
}
