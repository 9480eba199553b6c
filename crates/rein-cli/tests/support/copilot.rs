//! Finding and running the real GitHub Copilot CLI for end-to-end tests, offline against the mock
//! Chat Completions API (`mock_model.rs`) through its own model provider, with its own home and a
//! cleared environment. No GitHub account or token is involved.

#![allow(dead_code)]

use std::ffi::OsString;
use std::io;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use super::claude::{
    RUN_MARKER_ENV, ShortTempDir, agent_binary, collect, found_or_skip, kill_leftovers,
    run_timeout, wait_bounded,
};

/// The Copilot CLI version the tests are written against; `.ci/install-agents.sh` installs it.
pub const COPILOT_VERSION: &str = "1.0.102";

/// Names a `copilot` binary to use instead of the installed one.
pub const COPILOT_ENV: &str = "REIN_E2E_COPILOT";

fn install_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.ci/cache/copilot")
}

/// The `copilot` binary: `${COPILOT_ENV}`, else the copy in `.ci/cache`.
pub fn copilot_binary() -> Option<PathBuf> {
    agent_binary(COPILOT_ENV, "copilot/node_modules/.bin/copilot")
}

/// [`copilot_binary`], or a skip (a failure with `REIN_E2E_REQUIRE=1`).
pub fn copilot_or_skip() -> Option<PathBuf> {
    found_or_skip(copilot_binary(), "Copilot CLI", COPILOT_ENV)
}

/// What one `copilot -p` run produced.
#[derive(Debug)]
pub struct CopilotRun {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
    pub timed_out: bool,
}

impl CopilotRun {
    pub fn describe(&self) -> String {
        format!(
            "status: {:?}, timed out: {}, elapsed: {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.status, self.timed_out, self.elapsed, self.stdout, self.stderr
        )
    }
}

/// Runs `copilot -p <prompt> --allow-all-tools` in `workdir`, with `home/.copilot` as its home
/// (rein's hooks in `home/.copilot/hooks/rein.json`), bounded in time. Its unpacked program is
/// cached next to the installed package, so runs after the first start quickly.
pub fn run_copilot(
    bin: &Path,
    workdir: &Path,
    home: &Path,
    base_url: &str,
    prompt: &str,
    extra_env: &[(&str, &str)],
) -> io::Result<CopilotRun> {
    let tmp = ShortTempDir::create()?;
    let marker = tmp.marker();
    let cache = install_dir().join("xdg-cache");
    std::fs::create_dir_all(&cache)?;
    let mut cmd = Command::new(bin);
    cmd.args([
        "-p",
        prompt,
        "--allow-all-tools",
        "--output-format",
        "json",
        "--no-auto-update",
        "--disable-client-telemetry",
    ]);
    cmd.current_dir(workdir.canonicalize()?)
        .env_clear()
        .env(
            "PATH",
            std::env::var_os("PATH").unwrap_or_else(|| OsString::from("/usr/bin:/bin")),
        )
        .env("HOME", home)
        .env("COPILOT_HOME", home.join(".copilot"))
        .env("COPILOT_OFFLINE", "true")
        .env("COPILOT_PROVIDER_BASE_URL", format!("{base_url}/v1"))
        .env("COPILOT_PROVIDER_TYPE", "openai")
        .env("COPILOT_PROVIDER_API_KEY", "mock-key")
        .env("COPILOT_MODEL", "gpt-4.1")
        .env("COPILOT_AUTO_UPDATE", "false")
        .env("XDG_CACHE_HOME", &cache)
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
    Ok(CopilotRun {
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
