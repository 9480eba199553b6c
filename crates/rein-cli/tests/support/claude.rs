//! Finding and running the real Claude Code CLI for end-to-end tests.
//!
//! The CLI runs offline against a mock Messages API (see `mock_model.rs`) with a cleared
//! environment, so a developer's own login, settings and hooks never leak into a test. Every run is
//! bounded in time, and every process it leaves behind is killed: shells started by the Bash tool
//! run in sessions of their own and can outlive `claude`.

#![allow(dead_code)]

use std::ffi::OsString;
use std::fs;
use std::io::{self, Read};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;

/// The Claude Code version the tests are written against; `.ci/install-claude-code.sh` installs it.
pub const CLAUDE_CODE_VERSION: &str = "2.1.197";

/// Names a `claude` binary to use instead of the one installed by `.ci/install-claude-code.sh`.
pub const CLAUDE_ENV: &str = "REIN_E2E_CLAUDE";

/// If set to `1`, a missing CLI fails the test instead of skipping it (for CI, once install works).
pub const REQUIRE_ENV: &str = "REIN_E2E_REQUIRE";

/// A run taking longer than this is killed; a scripted run normally takes a few seconds.
pub const RUN_TIMEOUT: Duration = Duration::from_secs(120);

/// Overrides [`RUN_TIMEOUT`], in whole seconds (for slow machines, or to test the timeout itself).
pub const TIMEOUT_ENV: &str = "REIN_E2E_TIMEOUT_SECS";

/// Marks the environment of every process of one run, so leftovers can be found after `claude`
/// exits, even once they have been re-parented and sit in sessions of their own.
pub const RUN_MARKER_ENV: &str = "REIN_E2E_RUN";

/// The `claude` binary for end-to-end tests, if there is one.
///
/// Only two places count: `$REIN_E2E_CLAUDE`, else `<repo>/.ci/cache/claude-code/node_modules/.bin/claude`
/// as installed by `.ci/install-claude-code.sh`. A `claude` on `PATH` is deliberately ignored: it is
/// likely a developer's own install, of another version, and the tests pin one.
pub fn claude_binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(CLAUDE_ENV).filter(|v| !v.is_empty()) {
        let path = PathBuf::from(path);
        if is_executable(&path) {
            return Some(path);
        }
        eprintln!(
            "warning: {CLAUDE_ENV}={} is not an executable file",
            path.display()
        );
        return None;
    }
    let installed = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../.ci/cache/claude-code/node_modules/.bin/claude");
    is_executable(&installed).then_some(installed)
}

/// [`claude_binary`], printing why the calling test is skipped when there is none.
///
/// A skip printed here is invisible (libtest hides a passing test's stderr), so it is only the
/// fallback: `build.rs` sets the `rein_e2e_missing` cfg when the CLI is not installed, and each
/// end-to-end test carries `#[cfg_attr(rein_e2e_missing, ignore = "…")]`, so `cargo test` lists
/// it as ignored with the reason. This runs only when that cfg is stale, or the test was run with
/// `--include-ignored`.
///
/// With `REIN_E2E_REQUIRE=1` a missing binary panics instead (and build.rs never marks the tests
/// ignored), so CI cannot pass by skipping.
pub fn claude_or_skip() -> Option<PathBuf> {
    let found = claude_binary();
    if found.is_none() {
        let why = format!(
            "Claude Code CLI not found: run `bash .ci/install-claude-code.sh` or set {CLAUDE_ENV}"
        );
        let required = std::env::var(REQUIRE_ENV).is_ok_and(|v| v == "1");
        assert!(!required, "{why} ({REQUIRE_ENV}=1)");
        eprintln!("skipping end-to-end test: {why}");
    }
    found
}

pub fn is_executable(path: &Path) -> bool {
    fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// What one `claude -p` run produced.
#[derive(Debug)]
pub struct ClaudeRun {
    pub status: ExitStatus,
    /// The stream-json output, one JSON object per line.
    pub stdout: String,
    pub stderr: String,
    /// From the `system`/`init` line, else from the final `result` line.
    pub session_id: Option<String>,
    /// `$CLAUDE_CONFIG_DIR/projects/<cwd, every non-alphanumeric char as "-">/<session_id>.jsonl`,
    /// if it exists.
    pub transcript: Option<PathBuf>,
    /// The stdout lines that parse as JSON.
    pub events: Vec<Value>,
    pub elapsed: Duration,
    /// The run hit [`run_timeout`] and was killed.
    pub timed_out: bool,
}

impl ClaudeRun {
    /// The final `{"type":"result",…}` event (it carries `is_error`, `result`, `permission_denials`).
    pub fn result(&self) -> Option<&Value> {
        self.events.iter().rev().find(|e| e["type"] == "result")
    }

    /// The lines of the transcript, parsed; empty if there is no transcript.
    pub fn transcript_entries(&self) -> Vec<Value> {
        let Some(path) = &self.transcript else {
            return Vec::new();
        };
        let text = fs::read_to_string(path).unwrap_or_default();
        text.lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }

    /// Everything worth seeing when a test fails.
    pub fn describe(&self) -> String {
        format!(
            "status: {:?}, timed out: {}, elapsed: {:?}, session: {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.status, self.timed_out, self.elapsed, self.session_id, self.stdout, self.stderr
        )
    }
}

/// Runs `claude -p <prompt>` in `workdir` against the model at `base_url` and waits for it.
///
/// The environment is cleared, then set to: `PATH` (the test's own), `HOME` (the parent of
/// `config_dir`), `CLAUDE_CONFIG_DIR`, a fresh short `TMPDIR`/`CLAUDE_CODE_TMPDIR` (removed
/// afterwards), the variables that keep the CLI offline and quiet, `IS_SANDBOX=1` (bypass mode
/// refuses to start as root without it), and finally `extra_env`, which may override any of them.
/// `resume` continues an earlier session (`--resume <id>`), which must live in the same
/// `config_dir` and `workdir`.
///
/// After `claude` exits, or is killed at [`run_timeout`], every process it started is killed.
/// A non-zero exit is not an error here: check `status`.
pub fn run_claude(
    bin: &Path,
    workdir: &Path,
    config_dir: &Path,
    base_url: &str,
    prompt: &str,
    extra_env: &[(&str, &str)],
    resume: Option<&str>,
) -> io::Result<ClaudeRun> {
    fs::create_dir_all(config_dir)?;
    // The CLI sees its working directory with symlinks resolved; so must the transcript path.
    let cwd = workdir.canonicalize()?;
    let home = config_dir.parent().unwrap_or(config_dir);
    let tmp = ShortTempDir::create()?;
    let marker = tmp.marker();

    let mut cmd = Command::new(bin);
    cmd.args([
        "-p",
        "--output-format",
        "stream-json",
        "--verbose",
        "--permission-mode",
        "bypassPermissions",
    ]);
    if let Some(session) = resume {
        cmd.args(["--resume", session]);
    }
    // `--` so that a prompt starting with "-" is not taken for an option.
    cmd.arg("--").arg(prompt);
    cmd.current_dir(&cwd)
        .env_clear()
        .env(
            "PATH",
            std::env::var_os("PATH").unwrap_or_else(|| OsString::from("/usr/bin:/bin")),
        )
        .env("HOME", home)
        .env("CLAUDE_CONFIG_DIR", config_dir)
        .env("TMPDIR", tmp.path())
        .env("CLAUDE_CODE_TMPDIR", tmp.path())
        .env("ANTHROPIC_BASE_URL", base_url)
        .env("ANTHROPIC_API_KEY", "sk-ant-e2e-mock-key")
        .env("DISABLE_TELEMETRY", "1")
        .env("DISABLE_ERROR_REPORTING", "1")
        .env("DISABLE_AUTOUPDATER", "1")
        .env("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1")
        .env("DISABLE_NON_ESSENTIAL_MODEL_CALLS", "1")
        .env("IS_SANDBOX", "1")
        .env("LANG", "C.UTF-8")
        .env(RUN_MARKER_ENV, &marker);
    if Path::new("/bin/bash").exists() {
        // The Bash tool picks its shell from SHELL.
        cmd.env("SHELL", "/bin/bash");
    }
    for (key, value) in extra_env {
        cmd.env(key, value);
    }
    // A process group of its own, so one signal reaches claude and the children that stay in it.
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

    // Pipes close once every holder is dead; a grace period bounds the wait regardless.
    let stdout = stdout
        .recv_timeout(Duration::from_secs(10))
        .unwrap_or_default();
    let mut stderr = stderr
        .recv_timeout(Duration::from_secs(10))
        .unwrap_or_default();
    if timed_out {
        stderr += &format!("\n[e2e harness: killed after {timeout:?}]\n");
    }

    let events: Vec<Value> = stdout
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let session_id = events
        .iter()
        .find(|e| e["type"] == "system" && e["subtype"] == "init")
        .or_else(|| events.iter().rev().find(|e| e["type"] == "result"))
        .and_then(|e| e["session_id"].as_str())
        .map(str::to_owned);
    let transcript = session_id
        .as_deref()
        .and_then(|id| find_transcript(config_dir, &cwd, id));
    Ok(ClaudeRun {
        status,
        stdout,
        stderr,
        session_id,
        transcript,
        events,
        elapsed,
        timed_out,
    })
}

/// [`RUN_TIMEOUT`], or `$REIN_E2E_TIMEOUT_SECS` if that is a number of seconds.
pub fn run_timeout() -> Duration {
    std::env::var(TIMEOUT_ENV)
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map_or(RUN_TIMEOUT, Duration::from_secs)
}

/// The directory name the CLI gives a project under `$CLAUDE_CONFIG_DIR/projects`.
pub fn project_dir_name(cwd: &Path) -> String {
    cwd.to_string_lossy()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

/// The transcript of `session_id`: at the documented place, else wherever it is under
/// `projects/` (the CLI shortens very long project names).
fn find_transcript(config_dir: &Path, cwd: &Path, session_id: &str) -> Option<PathBuf> {
    let file = format!("{session_id}.jsonl");
    let projects = config_dir.join("projects");
    let expected = projects.join(project_dir_name(cwd)).join(&file);
    if expected.is_file() {
        return Some(expected);
    }
    fs::read_dir(&projects)
        .ok()?
        .flatten()
        .map(|e| e.path().join(&file))
        .find(|p| p.is_file())
}

/// Reads a pipe to its end on a thread of its own, so neither pipe can fill up and stall the child.
pub fn collect(pipe: Option<impl Read + Send + 'static>) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    let Some(mut pipe) = pipe else {
        let _ = tx.send(String::new());
        return rx;
    };
    thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        let _ = tx.send(String::from_utf8_lossy(&bytes).into_owned());
    });
    rx
}

/// Waits for the child up to `timeout`, then kills its whole tree. Returns (status, timed out).
pub fn wait_bounded(
    child: &mut Child,
    marker: &str,
    timeout: Duration,
) -> (io::Result<ExitStatus>, bool) {
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return (Ok(status), false),
            Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(20)),
            Ok(None) => {
                kill_leftovers(child.id(), marker);
                let _ = child.kill();
                return (child.wait(), true);
            }
            Err(e) => {
                kill_leftovers(child.id(), marker);
                let _ = child.kill();
                let _ = child.wait();
                return (Err(e), false);
            }
        }
    }
}

/// Kills the process group of `claude` and every process whose environment carries this run's
/// marker, until none is left (or two seconds have passed).
pub fn kill_leftovers(pgid: u32, marker: &str) {
    send_sigkill(&[format!("-{pgid}")]);
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        let pids = marked_processes(marker);
        if pids.is_empty() || Instant::now() > deadline {
            return;
        }
        send_sigkill(&pids.iter().map(u32::to_string).collect::<Vec<_>>());
        thread::sleep(Duration::from_millis(20));
    }
}

/// SIGKILLs the given pids (or `-pgid`s) with kill(1): the workspace denies `unsafe`, which
/// `libc::kill` would need. Errors (e.g. already gone) do not matter.
fn send_sigkill(targets: &[String]) {
    if targets.is_empty() {
        return;
    }
    let _ = Command::new("kill")
        .arg("-KILL")
        .arg("--")
        .args(targets)
        .env_clear()
        .env(
            "PATH",
            std::env::var_os("PATH").unwrap_or_else(|| OsString::from("/usr/bin:/bin")),
        )
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// Live processes whose environment holds `REIN_E2E_RUN=<marker>` (zombies have no environment).
fn marked_processes(marker: &str) -> Vec<u32> {
    let needle = format!("{RUN_MARKER_ENV}={marker}");
    let me = std::process::id();
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()))
        .filter(|&pid| pid != me)
        .filter(|pid| {
            fs::read(format!("/proc/{pid}/environ"))
                .is_ok_and(|env| env.split(|&b| b == 0).any(|var| var == needle.as_bytes()))
        })
        .collect()
}

/// A fresh directory with a short path under /tmp, removed on drop.
///
/// Short because the CLI needs `$CLAUDE_CODE_TMPDIR/claude-<uid>` under 44 bytes, and falls back
/// to a shared `/tmp/claude-<uid>` otherwise.
pub struct ShortTempDir {
    path: PathBuf,
}

impl ShortTempDir {
    pub fn create() -> io::Result<ShortTempDir> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        for _ in 0..100 {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let nanos = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default();
            let mixed = (nanos as u64)
                ^ (u64::from(std::process::id()) << 32)
                ^ n.wrapping_mul(0x9e37_79b9_7f4a_7c15);
            let path = PathBuf::from(format!("/tmp/rc{:08x}", mixed & 0xffff_ffff));
            match fs::create_dir(&path) {
                Ok(()) => return Ok(ShortTempDir { path }),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(e),
            }
        }
        Err(io::Error::other(
            "could not create a short temporary directory under /tmp",
        ))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Unique per run, so it doubles as the run's process marker.
    pub fn marker(&self) -> String {
        self.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }
}

impl Drop for ShortTempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.path);
    }
}

/// An agent CLI for end-to-end tests: `$<env_var>` if set, else `.ci/cache/<rel>` (where
/// `.ci/install-agents.sh` puts it), if it is executable.
pub fn agent_binary(env_var: &str, rel: &str) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(env_var).filter(|v| !v.is_empty()) {
        let path = PathBuf::from(path);
        return is_executable(&path).then_some(path);
    }
    let installed = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../.ci/cache")
        .join(rel);
    is_executable(&installed).then_some(installed)
}

/// `found`, or a skip with the reason (a failure with `REIN_E2E_REQUIRE=1`).
pub fn found_or_skip(found: Option<PathBuf>, name: &str, env_var: &str) -> Option<PathBuf> {
    if found.is_none() {
        let why = format!("{name} not found: run `bash .ci/install-agents.sh` or set {env_var}");
        let required = std::env::var(REQUIRE_ENV).is_ok_and(|v| v == "1");
        assert!(!required, "{why} ({REQUIRE_ENV}=1)");
        eprintln!("skipping end-to-end test: {why}");
    }
    found
}
