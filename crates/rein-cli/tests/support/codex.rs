//! Finding and running the real OpenAI Codex CLI for end-to-end tests, offline against the mock
//! Responses API (`mock_model.rs`), with its own `CODEX_HOME` and a cleared environment.

#![allow(dead_code)]

use std::ffi::OsString;
use std::fs;
use std::io;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::claude::{
    RUN_MARKER_ENV, ShortTempDir, agent_binary, collect, found_or_skip, kill_leftovers,
    run_timeout, wait_bounded,
};

/// The Codex version the tests are written against; `.ci/install-agents.sh` installs it.
pub const CODEX_VERSION: &str = "0.171.0";

/// Names a `codex` binary to use instead of the installed one.
pub const CODEX_ENV: &str = "REIN_E2E_CODEX";

/// The `codex` binary: `${CODEX_ENV}`, else the copy in `.ci/cache`.
pub fn codex_binary() -> Option<PathBuf> {
    agent_binary(CODEX_ENV, "codex/node_modules/.bin/codex")
}

/// [`codex_binary`], or a skip (a failure with `REIN_E2E_REQUIRE=1`).
pub fn codex_or_skip() -> Option<PathBuf> {
    found_or_skip(codex_binary(), "Codex", CODEX_ENV)
}

/// Writes `$CODEX_HOME/config.toml` pointing Codex at the mock model, with nothing else: no
/// update checks, no analytics, a model of its bundled catalog (which offers `apply_patch`).
pub fn write_config(codex_home: &Path, base_url: &str) -> io::Result<()> {
    fs::create_dir_all(codex_home)?;
    let config = format!(
        r#"model = "gpt-5.5"
model_provider = "mock"
check_for_update_on_startup = false

[model_providers.mock]
name = "Mock"
base_url = "{base_url}/v1"
wire_api = "responses"
env_key = "MOCK_API_KEY"
request_max_retries = 0
stream_max_retries = 0

[analytics]
enabled = false
"#
    );
    fs::write(codex_home.join("config.toml"), config)
}

/// What one `codex exec` run produced.
#[derive(Debug)]
pub struct CodexRun {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
    /// The JSONL events of `--json`.
    pub events: Vec<Value>,
    pub elapsed: Duration,
    pub timed_out: bool,
}

impl CodexRun {
    /// The id of the session (Codex's `thread.started` event).
    pub fn session_id(&self) -> Option<String> {
        self.events
            .iter()
            .find(|e| e["type"] == "thread.started")
            .and_then(|e| e["thread_id"].as_str())
            .map(str::to_owned)
    }

    pub fn describe(&self) -> String {
        format!(
            "status: {:?}, timed out: {}, elapsed: {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.status, self.timed_out, self.elapsed, self.stdout, self.stderr
        )
    }
}

/// Runs `codex exec --json <prompt>` in `workdir` with `codex_home` (already holding the config
/// and, if wanted, rein's hooks), bounded in time; every process it leaves behind is killed.
pub fn run_codex(
    bin: &Path,
    workdir: &Path,
    home: &Path,
    codex_home: &Path,
    prompt: &str,
    extra_env: &[(&str, &str)],
) -> io::Result<CodexRun> {
    let tmp = ShortTempDir::create()?;
    let marker = tmp.marker();
    let mut cmd = Command::new(bin);
    cmd.args([
        "exec",
        "--json",
        "--skip-git-repo-check",
        "-s",
        "workspace-write",
        "--",
        prompt,
    ]);
    cmd.current_dir(workdir.canonicalize()?)
        .env_clear()
        .env(
            "PATH",
            std::env::var_os("PATH").unwrap_or_else(|| OsString::from("/usr/bin:/bin")),
        )
        .env("HOME", home)
        .env("CODEX_HOME", codex_home)
        .env("MOCK_API_KEY", "mock-key")
        .env("TMPDIR", tmp.path())
        .env("LANG", "C.UTF-8")
        .env("SHELL", "/bin/bash")
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
    let timeout = run_timeout();
    let (status, timed_out) = wait_bounded(&mut child, &marker, timeout);
    let elapsed = started.elapsed();
    kill_leftovers(child.id(), &marker);
    let status = status?;
    let stdout = stdout
        .recv_timeout(Duration::from_secs(10))
        .unwrap_or_default();
    let stderr = stderr
        .recv_timeout(Duration::from_secs(10))
        .unwrap_or_default();
    let events = stdout
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    Ok(CodexRun {
        status,
        stdout,
        stderr,
        events,
        elapsed,
        timed_out,
    })
}
