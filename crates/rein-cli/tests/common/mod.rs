//! A hermetic environment for running the `rein` binary in tests: a temporary HOME, REIN_HOME and
//! git repository, a cleared process environment, hook payload builders, and a filter that makes
//! output stable enough to snapshot.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{Value, json};
use tempfile::TempDir;

/// The binary under test.
pub fn rein_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_rein"))
}

/// What one run printed and how it exited.
#[derive(Debug, Clone)]
pub struct Run {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

impl Run {
    pub fn tuple(self) -> (String, String, i32) {
        (self.stdout, self.stderr, self.code)
    }
}

/// A temporary HOME, REIN_HOME and git repository.
pub struct TestEnv {
    _tmp: TempDir,
    /// The temporary directory everything lives in (canonical).
    pub root: PathBuf,
    pub home: PathBuf,
    pub rein_home: PathBuf,
    /// The git work tree the commands run in.
    pub repo: PathBuf,
    /// The directory commands run in (the repo unless changed).
    pub cwd: PathBuf,
}

impl Default for TestEnv {
    fn default() -> Self {
        Self::new()
    }
}

impl TestEnv {
    /// An environment with an initialised git repository at `repo`.
    pub fn new() -> Self {
        let env = Self::without_repo();
        env.init_repo(&env.repo);
        env
    }

    /// An environment whose `repo` directory exists but is not a git repository.
    pub fn without_repo() -> Self {
        let tmp = tempfile::Builder::new()
            .prefix("rein-test-")
            .tempdir()
            .expect("tempdir");
        let root = tmp.path().canonicalize().expect("canonical tempdir");
        let home = root.join("home");
        let rein_home = root.join("rein-home");
        let repo = root.join("repo");
        std::fs::create_dir_all(&home).expect("home");
        std::fs::create_dir_all(&repo).expect("repo");
        TestEnv {
            _tmp: tmp,
            root,
            home,
            rein_home,
            cwd: repo.clone(),
            repo,
        }
    }

    /// Initialises a git repository (quietly, with a fixed identity and branch).
    pub fn init_repo(&self, dir: &Path) {
        std::fs::create_dir_all(dir).expect("repo dir");
        self.git_in(dir, &["-c", "init.defaultBranch=main", "init", "-q"]);
        self.git_in(dir, &["config", "user.email", "dev@example.com"]);
        self.git_in(dir, &["config", "user.name", "Dev"]);
    }

    /// A command with a cleared environment: only HOME, REIN_HOME, PATH and git's identity.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut cmd = Command::new(program);
        cmd.env_clear()
            .env("HOME", &self.home)
            .env("REIN_HOME", &self.rein_home)
            .env("REIN_MACHINE_POLICY_DIR", self.root.join("machine-policy"))
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "Dev")
            .env("GIT_AUTHOR_EMAIL", "dev@example.com")
            .env("GIT_COMMITTER_NAME", "Dev")
            .env("GIT_COMMITTER_EMAIL", "dev@example.com")
            .current_dir(&self.cwd);
        cmd
    }

    pub fn git_in(&self, dir: &Path, args: &[&str]) -> String {
        let out = self
            .command("git")
            .args(args)
            .current_dir(dir)
            .stdin(Stdio::null())
            .output()
            .expect("running git");
        assert!(
            out.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn git(&self, args: &[&str]) -> String {
        self.git_in(&self.repo, args)
    }

    /// Runs `rein` with `args` in the current directory; returns (stdout, stderr, exit code).
    pub fn rein(&self, args: &[&str]) -> (String, String, i32) {
        self.run(args).tuple()
    }

    /// Runs `rein` with `args`.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with_stdin(args, &[])
    }

    pub fn run_with_stdin(&self, args: &[&str], stdin: &[u8]) -> Run {
        self.run_with_stdin_env(args, stdin, &[])
    }

    /// Like [`TestEnv::run_with_stdin`], with extra environment variables.
    pub fn run_with_stdin_env(&self, args: &[&str], stdin: &[u8], vars: &[(&str, &str)]) -> Run {
        let mut child = self
            .command(rein_bin())
            .args(args)
            .envs(vars.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawning rein");
        {
            let mut input = child.stdin.take().expect("stdin");
            // A hook that exits early closes its stdin; that is its business.
            let _ = input.write_all(stdin);
        }
        let out = child.wait_with_output().expect("waiting for rein");
        Run {
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            code: out.status.code().unwrap_or(-1),
        }
    }

    /// Runs `rein hook claude-code` with `payload` on stdin; returns (stdout, stderr, code).
    pub fn hook(&self, payload: &Value) -> (String, String, i32) {
        self.hook_raw(&serde_json::to_vec(payload).expect("serialise payload"))
            .tuple()
    }

    /// Runs the hook with raw bytes on stdin.
    pub fn hook_raw(&self, payload: &[u8]) -> Run {
        self.run_with_stdin(&["hook", "claude-code"], payload)
    }

    /// Starts `rein hook claude-code` in `dir` with `payload` already written to its stdin (which
    /// is then closed); the caller waits for it or kills it.
    pub fn spawn_hook(&self, dir: &Path, payload: &Value) -> std::process::Child {
        let mut child = self
            .command(rein_bin())
            .args(["hook", "claude-code"])
            .current_dir(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawning rein hook");
        let mut stdin = child.stdin.take().expect("stdin");
        stdin
            .write_all(&serde_json::to_vec(payload).expect("serialise payload"))
            .expect("writing the payload");
        drop(stdin);
        child
    }

    /// Runs the hook in `dir` (a repository other than the default one) and returns its output.
    pub fn hook_in(&self, dir: &Path, payload: &Value) -> Run {
        let out = self
            .spawn_hook(dir, payload)
            .wait_with_output()
            .expect("waiting for rein hook");
        Run {
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            code: out.status.code().unwrap_or(-1),
        }
    }

    /// Creates and initialises another git repository next to the default one.
    pub fn add_repo(&self, name: &str) -> PathBuf {
        let dir = self.root.join(name);
        self.init_repo(&dir);
        dir
    }

    /// Runs the hook and asserts that it succeeded silently, as a healthy hook must.
    pub fn hook_ok(&self, payload: &Value) {
        let (stdout, stderr, code) = self.hook(payload);
        assert_eq!(
            (stdout.as_str(), stderr.as_str(), code),
            ("", "", 0),
            "hook failed for {payload}"
        );
    }

    /// A stable, snapshot-ready rendering of a run: exit code, stdout, stderr, filtered.
    pub fn snap(&self, args: &[&str]) -> String {
        let r = self.run(args);
        self.render(&r)
    }

    pub fn render(&self, r: &Run) -> String {
        let mut s = format!("exit: {}\n", r.code);
        if !r.stdout.is_empty() {
            s.push_str("--- stdout\n");
            s.push_str(&self.filter(&r.stdout));
        }
        if !r.stderr.is_empty() {
            s.push_str("--- stderr\n");
            s.push_str(&self.filter(&r.stderr));
        }
        s
    }

    /// Replaces the volatile parts of output: paths, timestamps, hashes, durations.
    pub fn filter(&self, text: &str) -> String {
        let bin = rein_bin();
        let bin_canon = bin.canonicalize().unwrap_or_else(|_| bin.clone());
        let text = text
            .replace(&*bin_canon.to_string_lossy(), "[REIN]")
            .replace(&*bin.to_string_lossy(), "[REIN]")
            .replace(&*self.root.to_string_lossy(), "[TMP]");
        filter_volatile(&text)
    }

    // ---- files in the repository ----

    pub fn path(&self, rel: &str) -> PathBuf {
        self.repo.join(rel)
    }

    pub fn abs(&self, rel: &str) -> String {
        self.path(rel).to_string_lossy().into_owned()
    }

    pub fn write(&self, rel: &str, content: &str) {
        let p = self.path(rel);
        if let Some(dir) = p.parent() {
            std::fs::create_dir_all(dir).expect("create dirs");
        }
        std::fs::write(&p, content).expect("write file");
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).expect("read file")
    }

    pub fn remove(&self, rel: &str) {
        std::fs::remove_file(self.path(rel)).expect("remove file");
    }

    pub fn append(&self, rel: &str, content: &str) {
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(self.path(rel))
            .expect("open for append");
        f.write_all(content.as_bytes()).expect("append");
    }

    // ---- hook payloads, as Claude Code sends them ----

    /// A payload of `event` in `session`, with the repository as cwd; `extra` is merged in.
    pub fn event(&self, session: &str, event: &str, extra: Value) -> Value {
        event_in(&self.repo, &self.home, session, event, extra)
    }

    pub fn session_start(&self, session: &str) -> Value {
        self.event(
            session,
            "SessionStart",
            json!({"source": "startup", "model": "claude-test-1"}),
        )
    }

    pub fn prompt(&self, session: &str, prompt_id: &str, prompt: &str) -> Value {
        self.event(
            session,
            "UserPromptSubmit",
            json!({"prompt_id": prompt_id, "prompt": prompt}),
        )
    }

    pub fn pre(&self, session: &str, id: &str, tool: &str, input: Value) -> Value {
        self.event(
            session,
            "PreToolUse",
            json!({"tool_name": tool, "tool_input": input, "tool_use_id": id}),
        )
    }

    pub fn post(&self, session: &str, id: &str, tool: &str, input: Value, ms: u64) -> Value {
        self.event(
            session,
            "PostToolUse",
            json!({
                "tool_name": tool, "tool_input": input, "tool_use_id": id,
                "tool_response": {"stdout": "", "stderr": "", "interrupted": false},
                "duration_ms": ms,
            }),
        )
    }

    pub fn failure(&self, session: &str, id: &str, tool: &str, input: Value, error: &str) -> Value {
        self.event(
            session,
            "PostToolUseFailure",
            json!({
                "tool_name": tool, "tool_input": input, "tool_use_id": id,
                "error": error, "is_interrupt": false, "duration_ms": 7,
            }),
        )
    }

    pub fn stop(&self, session: &str) -> Value {
        self.event(
            session,
            "Stop",
            json!({"stop_hook_active": false, "last_assistant_message": "Done."}),
        )
    }

    /// Runs a Bash step: Pre, then `effect` (the command's effect on the files), then Post.
    pub fn bash_step(&self, session: &str, id: &str, command: &str, effect: impl FnOnce()) {
        let input = json!({"command": command, "description": "test step"});
        self.hook_ok(&self.pre(session, id, "Bash", input.clone()));
        effect();
        self.hook_ok(&self.post(session, id, "Bash", input, 42));
    }

    /// Runs a Write step that writes `content` to `rel`.
    pub fn write_step(&self, session: &str, id: &str, rel: &str, content: &str) {
        let input = json!({"file_path": self.abs(rel), "content": content});
        self.hook_ok(&self.pre(session, id, "Write", input.clone()));
        self.write(rel, content);
        self.hook_ok(&self.post(session, id, "Write", input, 3));
    }

    /// Runs an Edit step that replaces `old` with `new` in `rel`.
    pub fn edit_step(&self, session: &str, id: &str, rel: &str, old: &str, new: &str) {
        let input = json!({
            "file_path": self.abs(rel), "old_string": old, "new_string": new, "replace_all": false,
        });
        self.hook_ok(&self.pre(session, id, "Edit", input.clone()));
        let text = self.read(rel);
        assert!(text.contains(old), "{rel} does not contain {old:?}");
        self.write(rel, &text.replacen(old, new, 1));
        self.hook_ok(&self.post(session, id, "Edit", input, 5));
    }

    /// `rein <args> --json`, parsed.
    pub fn json(&self, args: &[&str]) -> Value {
        let r = self.run(args);
        assert_eq!(r.code, 0, "rein {args:?} failed: {}", r.stderr);
        serde_json::from_str(&r.stdout)
            .unwrap_or_else(|e| panic!("rein {args:?} printed invalid JSON ({e}): {}", r.stdout))
    }

    /// Every audit record, as exported (the trailer excluded).
    pub fn audit_records(&self) -> Vec<Value> {
        let r = self.run(&["audit", "export"]);
        assert_eq!(r.code, 0, "audit export failed: {}", r.stderr);
        let mut lines: Vec<Value> = r
            .stdout
            .lines()
            .map(|l| serde_json::from_str(l).expect("export line is JSON"))
            .collect();
        let trailer = lines.pop().expect("trailer");
        assert_eq!(trailer["end"], true, "last line is the trailer: {trailer}");
        assert_eq!(trailer["records"], lines.len());
        lines
    }
}

/// A hook payload of `event` in `session` with `cwd` as the working directory.
pub fn event_in(cwd: &Path, home: &Path, session: &str, event: &str, extra: Value) -> Value {
    let mut v = json!({
        "session_id": session,
        "transcript_path": home.join(".claude/projects/test").join(format!("{session}.jsonl")),
        "cwd": cwd,
        "permission_mode": "default",
        "hook_event_name": event,
    });
    if let (Some(obj), Value::Object(extra)) = (v.as_object_mut(), extra) {
        obj.extend(extra);
    }
    v
}

/// Replaces timestamps, long hex hashes and measured durations with placeholders.
///
/// - `2026-11-22T10:04:05Z`, `2026-11-22T10:04:05.123456Z` and `20261122T100405.123456Z` → `[TIME]`
/// - a run of 12 or more hex digits standing alone (not part of a longer word) → `[HASH]`
/// - `0.1s`-style durations (digits, a dot, digits, `s`) → `[DUR]`
pub fn filter_volatile(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    while i < b.len() {
        let at_boundary = i == 0 || !word(b[i - 1]);
        if at_boundary {
            if let Some(n) = match_timestamp(&b[i..]) {
                out.push_str("[TIME]");
                i += n;
                continue;
            }
            if let Some(n) = match_duration(&b[i..]) {
                out.push_str("[DUR]");
                i += n;
                continue;
            }
            let hex = b[i..].iter().take_while(|c| c.is_ascii_hexdigit()).count();
            if hex >= 12 && !b.get(i + hex).is_some_and(|&c| word(c)) {
                out.push_str("[HASH]");
                i += hex;
                continue;
            }
        }
        // Copy one whole UTF-8 character.
        let ch = text[i..].chars().next().expect("char");
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

fn digits(b: &[u8], n: usize) -> bool {
    b.len() >= n && b[..n].iter().all(u8::is_ascii_digit)
}

fn match_timestamp(b: &[u8]) -> Option<usize> {
    // Extended form: YYYY-MM-DDTHH:MM:SS[.frac]Z
    let extended = digits(b, 4)
        && b.get(4) == Some(&b'-')
        && digits(&b[5..], 2)
        && b.get(7) == Some(&b'-')
        && digits(&b[8..], 2)
        && b.get(10) == Some(&b'T')
        && digits(&b[11..], 2)
        && b.get(13) == Some(&b':')
        && digits(&b[14..], 2)
        && b.get(16) == Some(&b':')
        && digits(&b[17..], 2);
    // Basic form: YYYYMMDDTHHMMSS[.frac]Z
    let basic = digits(b, 8) && b.get(8) == Some(&b'T') && digits(&b[9..], 6);
    let mut n = if extended {
        19
    } else if basic {
        15
    } else {
        return None;
    };
    if b.get(n) == Some(&b'.') {
        n += 1 + b[n + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
    }
    (b.get(n) == Some(&b'Z')).then_some(n + 1)
}

fn match_duration(b: &[u8]) -> Option<usize> {
    let int = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if int == 0 || b.get(int) != Some(&b'.') {
        return None;
    }
    let frac = b[int + 1..]
        .iter()
        .take_while(|c| c.is_ascii_digit())
        .count();
    let end = int + 1 + frac;
    let unit_ok = b.get(end) == Some(&b's')
        && !b
            .get(end + 1)
            .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_');
    (frac > 0 && unit_ok).then_some(end + 1)
}

/// All steps of all sessions, flattened, from `rein log --all --json`.
pub fn all_steps(log: &Value) -> Vec<Value> {
    let mut steps = Vec::new();
    for s in log["sessions"].as_array().expect("sessions") {
        for t in s["turns"].as_array().expect("turns") {
            steps.extend(t["steps"].as_array().expect("steps").iter().cloned());
        }
    }
    steps
}
