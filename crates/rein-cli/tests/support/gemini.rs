//! Finding and running the real Gemini CLI for end-to-end tests, offline against the mock Gemini
//! API (`mock_model.rs`), with its own home and a cleared environment.

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

/// The Gemini CLI version the tests are written against; `.ci/install-agents.sh` installs it.
pub const GEMINI_VERSION: &str = "0.61.0";

/// Names a `gemini` binary to use instead of the installed one.
pub const GEMINI_ENV: &str = "REIN_E2E_GEMINI";

/// The `gemini` binary: `${GEMINI_ENV}`, else the copy in `.ci/cache`.
pub fn gemini_binary() -> Option<PathBuf> {
    agent_binary(GEMINI_ENV, "gemini-cli/node_modules/.bin/gemini")
}

/// [`gemini_binary`], or a skip (a failure with `REIN_E2E_REQUIRE=1`).
pub fn gemini_or_skip() -> Option<PathBuf> {
    found_or_skip(gemini_binary(), "Gemini CLI", GEMINI_ENV)
}

/// Writes the user settings Gemini CLI needs to run headless against the mock: the API-key
/// auth type, no usage statistics, no auto-update.
pub fn write_settings(home: &Path) -> io::Result<()> {
    let dir = home.join(".gemini");
    fs::create_dir_all(&dir)?;
    fs::write(
        dir.join("settings.json"),
        r#"{
  "security": {"auth": {"selectedType": "gemini-api-key"}},
  "privacy": {"usageStatisticsEnabled": false},
  "general": {"disableAutoUpdate": true}
}
"#,
    )
}

/// What one `gemini -p` run produced.
#[derive(Debug)]
pub struct GeminiRun {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
    pub timed_out: bool,
}

impl GeminiRun {
    pub fn describe(&self) -> String {
        format!(
            "status: {:?}, timed out: {}, elapsed: {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.status, self.timed_out, self.elapsed, self.stdout, self.stderr
        )
    }
}

/// Runs `gemini -p <prompt>` in yolo mode in `workdir`, with `home` as its home (settings and
/// rein's hooks in `home/.gemini/settings.json`), bounded in time.
pub fn run_gemini(
    bin: &Path,
    workdir: &Path,
    home: &Path,
    base_url: &str,
    prompt: &str,
    extra_env: &[(&str, &str)],
) -> io::Result<GeminiRun> {
    let tmp = ShortTempDir::create()?;
    let marker = tmp.marker();
    let mut cmd = Command::new(bin);
    cmd.args([
        "-m",
        "gemini-2.5-flash",
        "--approval-mode",
        "yolo",
        "--output-format",
        "stream-json",
        "-p",
        prompt,
    ]);
    cmd.current_dir(workdir.canonicalize()?)
        .env_clear()
        .env(
            "PATH",
            std::env::var_os("PATH").unwrap_or_else(|| OsString::from("/usr/bin:/bin")),
        )
        .env("HOME", home)
        .env("GEMINI_CLI_HOME", home)
        .env("GEMINI_API_KEY", "mock-key")
        .env("GOOGLE_GEMINI_BASE_URL", base_url)
        .env("GEMINI_CLI_TRUST_WORKSPACE", "true")
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
    Ok(GeminiRun {
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
