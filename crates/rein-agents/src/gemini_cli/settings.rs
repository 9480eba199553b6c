//! Gemini CLI's settings (`~/.gemini/settings.json`, or `<repo>/.gemini/settings.json`): rein's
//! hooks in the same format as Claude Code's, under Gemini's event names, with timeouts in
//! milliseconds. Everything here is pure: text in, text out.

use crate::hooks_file::{self, InstallOutcome, SettingsError, UninstallOutcome};

/// The events rein installs for Gemini CLI, with the matcher each gets. (Not `PreCompress`: it
/// fires before every model call; not the model events: they carry whole requests.)
pub const REIN_EVENTS: &[(&str, Option<&str>)] = &[
    ("BeforeTool", Some("*")),
    ("AfterTool", Some("*")),
    ("BeforeAgent", None),
    ("AfterAgent", None),
    ("SessionStart", None),
    ("SessionEnd", None),
];

/// Installs rein's hooks; `timeout_secs` is written in milliseconds, as Gemini CLI reads it.
pub fn install(
    existing: Option<&str>,
    command: &str,
    timeout_secs: u32,
) -> Result<InstallOutcome, SettingsError> {
    hooks_file::install_for(
        existing,
        command,
        timeout_secs.saturating_mul(1000),
        super::AGENT,
        REIN_EVENTS,
    )
}

/// Removes rein's hooks, and nothing else.
pub fn uninstall(existing: &str) -> Result<UninstallOutcome, SettingsError> {
    hooks_file::uninstall_for(existing, super::AGENT)
}

/// rein's hooks in a settings text.
pub fn find_rein_hooks(text: &str) -> Result<Vec<hooks_file::ReinHook>, SettingsError> {
    hooks_file::find_rein_hooks_for(text, super::AGENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn installs_with_millisecond_timeouts_and_uninstalls_completely() {
        let user = "{\n  \"security\": {\"auth\": {\"selectedType\": \"gemini-api-key\"}}\n}\n";
        let out = install(Some(user), "/usr/bin/rein hook gemini-cli", 60).expect("installs");
        assert!(out.changed);
        let v: serde_json::Value = serde_json::from_str(&out.text).expect("json");
        assert_eq!(v["hooks"]["BeforeTool"][0]["hooks"][0]["timeout"], 60000);
        assert_eq!(v["hooks"]["BeforeTool"][0]["matcher"], "*");
        assert_eq!(
            find_rein_hooks(&out.text).expect("finds").len(),
            REIN_EVENTS.len()
        );
        let back = uninstall(&out.text).expect("uninstalls");
        assert_eq!(back.removed, REIN_EVENTS.len());
        let v: serde_json::Value = serde_json::from_str(&back.text).expect("json");
        assert_eq!(
            v,
            serde_json::json!({"security": {"auth": {"selectedType": "gemini-api-key"}}})
        );
    }
}
