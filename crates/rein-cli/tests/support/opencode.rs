//! Finding and running the real opencode CLI for end-to-end tests, offline against the mock Chat
//! Completions API (`mock_model.rs`) as an OpenAI-compatible provider, with its own XDG
//! directories and a cleared environment.

#![allow(dead_code)]

use std::ffi::OsString;
use std::fs;
use std::io;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use super::claude::{
    RUN_MARKER_ENV, ShortTempDir, agent_binary, collect, found_or_skip, kill_leftovers,
    run_timeout, wait_bounded,
};

/// The opencode version the tests are written against; `.ci/install-agents.sh` installs it.
pub const OPENCODE_VERSION: &str = "1.18.33";

/// Names an `opencode` binary to use instead of the installed one.
pub const OPENCODE_ENV: &str = "REIN_E2E_OPENCODE";

fn install_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.ci/cache/opencode")
}

/// The `opencode` binary: `${OPENCODE_ENV}`, else the copy in `.ci/cache`.
pub fn opencode_binary() -> Option<PathBuf> {
    agent_binary(OPENCODE_ENV, "opencode/node_modules/.bin/opencode")
}

/// [`opencode_binary`], or a skip (a failure with `REIN_E2E_REQUIRE=1`).
pub fn opencode_or_skip() -> Option<PathBuf> {
    found_or_skip(opencode_binary(), "opencode", OPENCODE_ENV)
}

/// What one `opencode run` produced.
#[derive(Debug)]
pub struct OpencodeRun {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
    pub timed_out: bool,
}

impl OpencodeRun {
    pub fn describe(&self) -> String {
        format!(
            "status: {:?}, timed out: {}, elapsed: {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.status, self.timed_out, self.elapsed, self.stdout, self.stderr
        )
    }
}

/// Writes opencode's config in `home/.config/opencode`: the mock as an OpenAI-compatible
/// provider, no sharing, no auto-update.
pub fn write_config(home: &Path, base_url: &str) -> io::Result<()> {
    let dir = home.join(".config/opencode");
    fs::create_dir_all(&dir)?;
    let config = serde_json::json!({
        "provider": {"mock": {"npm": "@ai-sdk/openai-compatible", "name": "Mock",
            "options": {"baseURL": format!("{base_url}/v1"), "apiKey": "mock-key"},
            "models": {"mock-model": {"name": "Mock model", "tool_call": true}}}},
        "model": "mock/mock-model", "small_model": "mock/mock-model",
        "autoupdate": false, "share": "disabled",
    });
    fs::write(dir.join("opencode.json"), config.to_string())?;
    // opencode installs its plugin package into the config directory before it loads a plugin
    // (from the npm registry, ~20 s): give it the copy `.ci/install-agents.sh` prepared.
    let seed = install_dir().join("config-seed");
    if seed.join("node_modules").is_dir() {
        for name in ["package.json", "package-lock.json"] {
            if seed.join(name).is_file() {
                fs::copy(seed.join(name), dir.join(name))?;
            }
        }
        std::os::unix::fs::symlink(seed.join("node_modules"), dir.join("node_modules"))?;
    }
    Ok(())
}

/// Runs `opencode run --auto <prompt>` in `workdir`, with its XDG directories under `home`
/// (rein's plugin in `home/.config/opencode/plugin/rein.js`), bounded in time.
pub fn run_opencode(
    bin: &Path,
    workdir: &Path,
    home: &Path,
    prompt: &str,
    extra_env: &[(&str, &str)],
) -> io::Result<OpencodeRun> {
    let tmp = ShortTempDir::create()?;
    let marker = tmp.marker();
    let mut cmd = Command::new(bin);
    cmd.args([
        "run",
        "--format",
        "json",
        "--auto",
        "-m",
        "mock/mock-model",
        prompt,
    ]);
    cmd.current_dir(workdir.canonicalize()?)
        .env_clear()
        .env(
            "PATH",
            std::env::var_os("PATH").unwrap_or_else(|| OsString::from("/usr/bin:/bin")),
        )
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env("XDG_STATE_HOME", home.join(".local/state"))
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env("OPENCODE_DISABLE_MODELS_FETCH", "true")
        .env("OPENCODE_DISABLE_AUTOUPDATE", "true")
        .env("OPENCODE_DISABLE_LSP_DOWNLOAD", "true")
        .env("OPENCODE_DISABLE_SHARE", "true")
        .env("OPENCODE_DISABLE_DEFAULT_PLUGINS", "true")
        .env("OPENCODE_DISABLE_CLAUDE_CODE", "true")
        .env("TMPDIR", tmp.path())
        .env("LANG", "C.UTF-8")
        .env(RUN_MARKER_ENV, &marker);
    for (key, value) in extra_env {
        cmd.env(key, value);
    }
    cmd.process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = cmd.spawn()?;
    let stdout = collect(child.stdout.take());
    let stderr = collect(child.stderr.take());
    let (status, timed_out) = wait_bounded(&mut child, &marker, run_timeout());
    let elapsed = started.elapsed();
    kill_leftovers(child.id(), &marker);
    let status = status?;
    Ok(OpencodeRun {
        status,
        stdout: stdout
            .recv_timeout(Duration::from_secs(10))
            .unwrap_or_default(),
        stderr: stderr
            .recv_timeout(Duration::from_secs(10))
            .unwrap_or_default(),
        elapsed,
        timed_out,
    })
}
