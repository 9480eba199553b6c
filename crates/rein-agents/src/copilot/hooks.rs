//! Copilot CLI's hooks files. rein installs a file of its own in Copilot's format,
//! `$COPILOT_HOME/hooks/rein.json` (user) or `<repo>/.github/hooks/rein.json` (project):
//! `{"version":1,"hooks":{"preToolUse":[{"type":"command","bash":"… --event preToolUse",
//! "timeoutSec":30}], …}}`. Copilot also reads hooks from its settings files and in the Claude
//! format, so finding and removing rein's hooks covers both formats: a rein hook left behind
//! after rein is gone blocks every tool call in Copilot. Everything here is pure: text in, text
//! out.

use serde_json::{Map, json};

use crate::flat_hooks;
use crate::hooks_file::{ReinHook, SettingsError, UninstallOutcome};

/// The file rein owns in a hooks directory.
pub const REIN_FILE: &str = "rein.json";

/// The events rein installs, in Copilot's names (not `permissionRequest`: it fires for a call
/// the gate already judged; not `notification`, `errorOccurred`).
pub const REIN_EVENTS: &[&str] = &[
    "sessionStart",
    "userPromptSubmitted",
    "preToolUse",
    "postToolUse",
    "postToolUseFailure",
    "agentStop",
    "sessionEnd",
];

/// The whole of rein's hooks file: `command` (`… hook copilot`) with `--event <name>` for each
/// event, since Copilot's payloads do not name their event.
pub fn rein_file(command: &str, timeout_secs: u32) -> String {
    let mut hooks = Map::new();
    for event in REIN_EVENTS {
        hooks.insert(
            (*event).to_owned(),
            json!([{
                "type": "command",
                "bash": format!("{command} --event {event}"),
                "timeoutSec": timeout_secs,
            }]),
        );
    }
    let mut text =
        serde_json::to_string_pretty(&json!({"version": 1, "hooks": hooks})).unwrap_or_default();
    text.push('\n');
    text
}

/// rein's Copilot hooks in a hooks or settings text, in either format.
pub fn find_rein_hooks(text: &str) -> Result<Vec<ReinHook>, SettingsError> {
    flat_hooks::find_rein_hooks(text, super::AGENT)
}

/// Removes rein's Copilot hooks (either format) and nothing else. A file left with no hooks and
/// nothing but `version` is `left_empty`: it held only what rein put there.
pub fn uninstall(existing: &str) -> Result<UninstallOutcome, SettingsError> {
    flat_hooks::uninstall(existing, super::AGENT)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn reins_file_names_each_event_and_uninstalls_to_nothing() {
        let text = rein_file("/usr/bin/rein hook copilot", 30);
        let v: Value = serde_json::from_str(&text).expect("json");
        assert_eq!(v["version"], 1);
        assert_eq!(
            v["hooks"]["preToolUse"][0]["bash"],
            "/usr/bin/rein hook copilot --event preToolUse"
        );
        assert_eq!(v["hooks"]["preToolUse"][0]["timeoutSec"], 30);
        assert_eq!(
            find_rein_hooks(&text).expect("finds").len(),
            REIN_EVENTS.len()
        );
        let out = uninstall(&text).expect("uninstalls");
        assert_eq!(out.removed, REIN_EVENTS.len());
        assert!(out.left_empty);
    }

    #[test]
    fn leftovers_in_a_users_settings_are_found_and_removed_in_both_formats() {
        let settings = r#"{
  "model": "gpt-4.1",
  "hooks": {
    "preToolUse": [
      {"type": "command", "bash": "/old/rein hook copilot --event preToolUse"},
      {"type": "command", "bash": "my-own-check"}
    ],
    "PostToolUse": [
      {"matcher": "*", "hooks": [{"type": "command", "command": "rein hook copilot --event PostToolUse"}]}
    ]
  }
}"#;
        let found = find_rein_hooks(settings).expect("finds");
        assert_eq!(found.len(), 2, "{found:?}");
        let out = uninstall(settings).expect("uninstalls");
        assert_eq!(out.removed, 2);
        assert!(!out.left_empty);
        let v: Value = serde_json::from_str(&out.text).expect("json");
        assert_eq!(
            v,
            json!({"model": "gpt-4.1", "hooks": {"preToolUse": [{"type": "command", "bash": "my-own-check"}]}})
        );
        // Copilot's own config.json has comments.
        let config = "// User settings belong in settings.json.\n// This file is managed automatically.\n{\n  \"firstLaunchAt\": \"2026-12-06\", \"url\": \"https://x//y\" /* note */\n}\n";
        assert!(find_rein_hooks(config).expect("reads").is_empty());
        assert!(!uninstall(config).expect("reads").changed);
        // Another agent's rein hook is not Copilot's.
        assert!(
            find_rein_hooks(r#"{"hooks":{"preToolUse":[{"bash":"rein hook codex"}]}}"#)
                .expect("finds")
                .is_empty()
        );
    }
}
