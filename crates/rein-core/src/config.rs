//! rein's configuration: a user file and a project file (`.rein/config.toml`), the project's
//! values winning. The CLI finds the files; this module parses and merges them. An invalid file
//! is an error, never silently skipped.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::capture::CaptureConfig;
use crate::error::{Error, Result};

/// Settings as written in a file; every field optional so that files merge.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    #[serde(default)]
    capture: CaptureSection,
    #[serde(default)]
    identity: IdentitySection,
    #[serde(default)]
    gate: GateSection,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct GateSection {
    mode: Option<GateMode>,
    on_error: Option<OnError>,
    disable_rules: Option<Vec<String>>,
}

/// How the gate's decisions reach the agent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GateMode {
    /// Deny and ask reach the agent (the default).
    #[default]
    Enforce,
    /// Decide and record, never block.
    Monitor,
}

impl GateMode {
    pub fn as_str(self) -> &'static str {
        match self {
            GateMode::Enforce => "enforce",
            GateMode::Monitor => "monitor",
        }
    }
}

/// What the gate answers when it cannot decide (a broken policy, a locked store, a panic, a
/// timeout). Never allow.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OnError {
    #[default]
    Deny,
    Ask,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaptureSection {
    include_ignored: Option<bool>,
    max_file_bytes: Option<u64>,
    max_files: Option<usize>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct IdentitySection {
    human: Option<String>,
}

/// Effective configuration.
#[derive(Debug, Clone, Default)]
pub struct Config {
    pub capture: CaptureConfig,
    /// The delegating human, if configured (else git's user.email, else `$USER`).
    pub human: Option<String>,
    pub gate: GateConfig,
}

/// The gate's settings.
#[derive(Debug, Clone, Default)]
pub struct GateConfig {
    pub mode: GateMode,
    pub on_error: OnError,
    /// Rule ids to leave out (built-in, user or project rules; machine rules always apply).
    pub disable_rules: Vec<String>,
}

/// Largest config file read; anything bigger is refused as hostile or mistaken.
const MAX_CONFIG_BYTES: u64 = 1 << 20;

impl Config {
    /// Loads and merges the given files in order (later wins). Missing files are skipped.
    pub fn load(files: &[PathBuf]) -> Result<Config> {
        let mut config = Config::default();
        for path in files {
            if let Some(file) = read_file(path)? {
                // A repository's own config must not switch off protections for whoever clones
                // it: rules are disabled only from the user's config.
                let in_project = path
                    .parent()
                    .and_then(Path::file_name)
                    .is_some_and(|n| n == ".rein");
                if in_project && file.gate.disable_rules.is_some() {
                    return Err(Error::Config {
                        path: path.clone(),
                        message: "`[gate] disable_rules` is only honoured in your user config \
                                  (~/.config/rein/config.toml), never in a project's"
                            .into(),
                    });
                }
                config.apply(file);
            }
        }
        Ok(config)
    }

    fn apply(&mut self, f: FileConfig) {
        if let Some(v) = f.capture.include_ignored {
            self.capture.include_ignored = v;
        }
        if let Some(v) = f.capture.max_file_bytes {
            self.capture.max_file_bytes = v;
        }
        if let Some(v) = f.capture.max_files {
            self.capture.max_files = v;
        }
        if let Some(v) = f.identity.human {
            self.human = Some(v);
        }
        if let Some(v) = f.gate.mode {
            self.gate.mode = v;
        }
        if let Some(v) = f.gate.on_error {
            self.gate.on_error = v;
        }
        if let Some(v) = f.gate.disable_rules {
            self.gate.disable_rules.extend(v);
        }
    }
}

fn read_file(path: &Path) -> Result<Option<FileConfig>> {
    let config_err = |message: String| Error::Config {
        path: path.to_owned(),
        message,
    };
    let md = match std::fs::metadata(path) {
        Ok(md) => md,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(config_err(e.to_string())),
    };
    if md.len() > MAX_CONFIG_BYTES {
        return Err(config_err(format!("larger than {MAX_CONFIG_BYTES} bytes")));
    }
    let text = std::fs::read_to_string(path).map_err(|e| config_err(e.to_string()))?;
    toml::from_str(&text)
        .map(Some)
        .map_err(|e| config_err(e.to_string()))
}

/// The project config file of a work tree.
pub fn project_file(root: &Path) -> PathBuf {
    root.join(".rein").join("config.toml")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_files_win_and_unknown_keys_fail() {
        let dir = tempfile::tempdir().expect("tempdir");
        let a = dir.path().join("a.toml");
        let b = dir.path().join("b.toml");
        std::fs::write(
            &a,
            "[capture]\ninclude_ignored = true\nmax_file_bytes = 10\n",
        )
        .expect("w");
        std::fs::write(
            &b,
            "[capture]\nmax_file_bytes = 20\n[identity]\nhuman = \"h@x\"\n",
        )
        .expect("w");
        let c = Config::load(&[a.clone(), b, dir.path().join("missing.toml")]).expect("load");
        assert!(c.capture.include_ignored);
        assert_eq!(c.capture.max_file_bytes, 20);
        assert_eq!(c.human.as_deref(), Some("h@x"));
        std::fs::write(&a, "[capture]\ninclude_ignored = true\nbogus = 1\n").expect("w");
        let err = Config::load(&[a]).expect_err("unknown key");
        assert!(err.to_string().contains("bogus"), "{err}");
    }
}
