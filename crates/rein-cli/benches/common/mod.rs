//! Shared helpers for rein's benchmarks: temporary repositories and stores, Claude Code hook
//! payloads, timed process spawns, statistics and the summary lines.
//!
//! Every bench drives the real `rein` binary (built by cargo in the bench profile) as Claude Code
//! would: one process per hook event, the payload on stdin.

// Each bench binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::cell::Cell;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// Stops the bench with a message: a benchmark that measured something broken is worthless.
pub fn die(msg: impl std::fmt::Display) -> ! {
    eprintln!("bench error: {msg}");
    std::process::exit(1);
}

/// The rein binary cargo built for this bench.
pub fn rein_bin() -> PathBuf {
    let path = PathBuf::from(env!("CARGO_BIN_EXE_rein"));
    if !path.is_file() {
        die(format!(
            "the rein binary is missing at {} — run the bench with `cargo bench -p rein-cli --bench NAME`, \
             which builds it",
            path.display()
        ));
    }
    path
}

/// `REIN_BENCH_QUICK=1`: a smoke run of a few seconds, for development. Its figures mean little.
pub fn quick() -> bool {
    std::env::var("REIN_BENCH_QUICK").is_ok_and(|v| !v.is_empty() && v != "0")
}

/// A size knob: `$name` if set, else the quick or the full default.
pub fn knob(name: &str, full: usize, quick_default: usize) -> usize {
    match std::env::var(name) {
        Ok(v) if !v.is_empty() => v
            .parse()
            .unwrap_or_else(|_| die(format!("{name}={v} is not a number"))),
        _ if quick() => quick_default,
        _ => full,
    }
}

/// Prints the bench's header: what runs, and how it was scaled.
pub fn header(name: &str, what: &str) {
    println!("== {name}: {what}");
    println!("   rein: {}", rein_bin().display());
    if quick() {
        println!("   REIN_BENCH_QUICK is set: a smoke run, the figures are not meaningful");
    }
}

// ---------------------------------------------------------------------------------------------
// Processes

/// Spawns `cmd` with `input` on stdin and waits for it; the time covers spawn to exit, stdin
/// written and stdout/stderr drained (what a hook costs the agent that runs it).
pub fn spawn_timed(cmd: &mut Command, input: &[u8]) -> (Duration, Output) {
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let start = Instant::now();
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| die(format!("cannot spawn {cmd:?}: {e}")));
    if let Some(mut stdin) = child.stdin.take() {
        match stdin.write_all(input) {
            Ok(()) => {}
            // A baseline like /bin/true exits without reading.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
            Err(e) => die(format!("writing to {cmd:?}: {e}")),
        }
    }
    let out = child
        .wait_with_output()
        .unwrap_or_else(|e| die(format!("waiting for {cmd:?}: {e}")));
    (start.elapsed(), out)
}

/// Runs a command to completion and returns its output; dies if it fails.
pub fn run_ok(cmd: &mut Command) -> Output {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| die(format!("cannot run {cmd:?}: {e}")));
    if !out.status.success() {
        die(format!(
            "{cmd:?} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    out
}

/// `git` with a fixed identity and no user or system configuration in the way.
pub fn git(dir: &Path) -> Command {
    let mut cmd = Command::new("git");
    cmd.current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .args([
            "-c",
            "user.name=rein bench",
            "-c",
            "user.email=bench@example.invalid",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ]);
    cmd
}

// ---------------------------------------------------------------------------------------------
// A repository, a store, and one Claude Code session driving rein's hook

/// A temporary git work tree, a temporary `REIN_HOME`, and one agent session.
pub struct Bench {
    pub bin: PathBuf,
    /// Keeps the temporary directories alive.
    _dirs: Vec<tempfile::TempDir>,
    /// The store (`REIN_HOME`).
    pub home: PathBuf,
    /// `XDG_CONFIG_HOME`, empty, so no user config changes what is measured.
    pub config: PathBuf,
    /// The git work tree's root (canonical).
    pub root: PathBuf,
    pub session: String,
    pub prompt_id: String,
    next_id: Cell<u64>,
}

fn tempdir(prefix: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(prefix)
        .tempdir()
        .unwrap_or_else(|e| die(format!("cannot create a temporary directory: {e}")))
}

impl Bench {
    /// An empty git repository (`git init`) and an empty store.
    pub fn new() -> Bench {
        let repo = tempdir("rein-bench-repo-");
        let home = tempdir("rein-bench-home-");
        let config = tempdir("rein-bench-config-");
        let root = repo
            .path()
            .canonicalize()
            .unwrap_or_else(|e| die(format!("canonicalize: {e}")));
        run_ok(git(&root).args(["init", "-q"]));
        run_ok(git(&root).args(["config", "user.email", "bench@example.invalid"]));
        Bench {
            bin: rein_bin(),
            home: home.path().to_path_buf(),
            config: config.path().to_path_buf(),
            root,
            session: "0b7e5a1c-4d2f-4c1e-9a55-5e1c0bench00".into(),
            prompt_id: "6a0c2b4e-1f3d-4e5a-8b7c-9d0e1f2a3b4c".into(),
            next_id: Cell::new(0),
            _dirs: vec![repo, home, config],
        }
    }

    /// `rein` with this bench's store and config, run in the work tree.
    pub fn rein(&self) -> Command {
        let mut cmd = Command::new(&self.bin);
        cmd.current_dir(&self.root)
            .env("REIN_HOME", &self.home)
            .env("XDG_CONFIG_HOME", &self.config);
        cmd
    }

    /// Runs a rein command and returns its stdout; dies if it fails.
    pub fn rein_ok(&self, args: &[&str]) -> String {
        let out = run_ok(self.rein().args(args));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs `rein hook claude-code` with `payload` on stdin; returns its wall time. Dies if the
    /// hook failed or complained (a warning means the capture was not what is being measured).
    pub fn hook(&self, payload: &Value) -> Duration {
        let bytes = serde_json::to_vec(payload).unwrap_or_else(|e| die(e));
        let (took, out) = spawn_timed(self.rein().args(["hook", "claude-code"]), &bytes);
        if !out.status.success() || !out.stderr.is_empty() {
            die(format!(
                "rein hook failed on {} ({}): {}",
                payload["hook_event_name"],
                out.status,
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        took
    }

    /// Runs `rein <args>` (a `hook` command of any agent) with `payload` on stdin; returns its
    /// wall time. Dies if it failed or complained.
    pub fn hook_as(&self, args: &[&str], payload: &Value) -> Duration {
        let bytes = serde_json::to_vec(payload).unwrap_or_else(|e| die(e));
        let (took, out) = spawn_timed(self.rein().args(args), &bytes);
        if !out.status.success() || !out.stderr.is_empty() {
            die(format!(
                "rein {args:?} failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        took
    }

    pub fn abs(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    pub fn write(&self, rel: &str, content: &[u8]) {
        let path = self.abs(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).unwrap_or_else(|e| die(e));
        }
        std::fs::write(&path, content).unwrap_or_else(|e| die(format!("{}: {e}", path.display())));
    }

    /// A new tool_use_id, with `n` readable in it.
    pub fn tool_use_id(&self) -> (u64, String) {
        let n = self.next_id.get() + 1;
        self.next_id.set(n);
        (n, format!("toolu_bench{n:012}"))
    }

    /// The fields every payload of this session carries.
    pub fn payload(&self, event: &str) -> Value {
        json!({
            "session_id": self.session,
            "transcript_path": format!("/tmp/rein-bench/{}.jsonl", self.session),
            "cwd": self.root.display().to_string(),
            "prompt_id": self.prompt_id,
            "permission_mode": "acceptEdits",
            "hook_event_name": event,
        })
    }

    pub fn session_start(&self) -> Value {
        let mut p = self.payload("SessionStart");
        p["source"] = json!("startup");
        p
    }

    pub fn prompt(&self, text: &str) -> Value {
        let mut p = self.payload("UserPromptSubmit");
        p["prompt"] = json!(text);
        p
    }

    pub fn pre(&self, tool: &str, input: &Value, id: &str) -> Value {
        let mut p = self.payload("PreToolUse");
        p["tool_name"] = json!(tool);
        p["tool_input"] = input.clone();
        p["tool_use_id"] = json!(id);
        p
    }

    pub fn post(&self, tool: &str, input: &Value, response: Value, id: &str) -> Value {
        let mut p = self.pre(tool, input, id);
        p["hook_event_name"] = json!("PostToolUse");
        p["tool_response"] = response;
        p["duration_ms"] = json!(3);
        p
    }

    /// Starts the session: SessionStart (which takes the baseline on a new tree) and a prompt.
    pub fn start_session(&self) {
        self.hook(&self.session_start());
        self.hook(&self.prompt("Refactor the parser and keep the tests green."));
    }

    /// Every step of `rein log --json` (this work tree's sessions), by tool_use_id.
    pub fn logged_steps(&self) -> std::collections::HashMap<String, Value> {
        let out = self.rein_ok(&["log", "--json"]);
        let log: Value =
            serde_json::from_str(&out).unwrap_or_else(|e| die(format!("rein log --json: {e}")));
        let mut steps = std::collections::HashMap::new();
        for s in log["sessions"].as_array().into_iter().flatten() {
            for t in s["turns"].as_array().into_iter().flatten() {
                for st in t["steps"].as_array().into_iter().flatten() {
                    if let Some(id) = st["tool_use_id"].as_str() {
                        steps.insert(id.to_owned(), st.clone());
                    }
                }
            }
        }
        steps
    }

    /// Total size of the files under `REIN_HOME`, by top-level entry.
    pub fn store_sizes(&self) -> Vec<(String, u64)> {
        let mut out = Vec::new();
        let entries = std::fs::read_dir(&self.home).unwrap_or_else(|e| die(e));
        for e in entries {
            let e = e.unwrap_or_else(|e| die(e));
            out.push((e.file_name().to_string_lossy().into_owned(), du(&e.path())));
        }
        out.sort();
        out
    }
}

/// `REIN_BENCH_KEEP=1` keeps the repository, store and config directories for inspection.
impl Drop for Bench {
    fn drop(&mut self) {
        if std::env::var("REIN_BENCH_KEEP").is_ok_and(|v| !v.is_empty() && v != "0") {
            for dir in std::mem::take(&mut self._dirs) {
                println!("   kept {}", dir.keep().display());
            }
        }
    }
}

/// Sum of the sizes of the regular files under `path`.
pub fn du(path: &Path) -> u64 {
    let Ok(md) = std::fs::symlink_metadata(path) else {
        return 0;
    };
    if md.is_dir() {
        std::fs::read_dir(path)
            .map(|rd| rd.flatten().map(|e| du(&e.path())).sum())
            .unwrap_or(0)
    } else if md.is_file() {
        md.len()
    } else {
        0
    }
}

/// Writes `files` small files in about `files / 100` directories two levels deep (like a large
/// source tree) under `root`, and returns their relative paths in order.
pub fn make_tree(root: &Path, files: usize) -> Vec<String> {
    let dirs = (files / 100).max(1);
    let top = ((dirs as f64).sqrt().ceil() as usize).max(1);
    let mut paths = Vec::with_capacity(files);
    let mut made = std::collections::HashSet::new();
    for i in 0..files {
        let d = i % dirs;
        let rel = format!("d{:03}/s{:03}/f{:05}.txt", d / top, d % top, i);
        let abs = root.join(&rel);
        if let Some(dir) = abs.parent()
            && made.insert(dir.to_path_buf())
        {
            std::fs::create_dir_all(dir).unwrap_or_else(|e| die(e));
        }
        let body = format!("file {i}\nsome content of line two for {rel}\nend\n");
        std::fs::write(&abs, body).unwrap_or_else(|e| die(e));
        paths.push(rel);
    }
    paths
}

// ---------------------------------------------------------------------------------------------
// Realistic file contents and agent edits

/// A small deterministic PRNG (xorshift64*), so every run edits the same way.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub fn pick<'a>(&mut self, words: &[&'a str]) -> &'a str {
        words[self.below(words.len())]
    }
}

const WORDS: &[&str] = &[
    "item", "count", "buffer", "offset", "state", "token", "entry", "value", "cursor", "parser",
    "config", "result", "index", "span", "node", "scope", "input", "output", "limit", "header",
];

/// One line of Rust-like source. `tag` makes it unique in the file (blame checks rely on it).
pub fn source_line(rng: &mut Rng, tag: &str) -> String {
    let a = rng.pick(WORDS);
    let b = rng.pick(WORDS);
    let c = rng.pick(WORDS);
    let n = rng.below(1000);
    match rng.below(8) {
        0 => format!("    let {a}_{tag} = {b}.{c}();"),
        1 => format!("    if {a}.len() > {n} {{ return Err(Error::{b}_{tag}); }}"),
        2 => format!("    // {a} {b}: keep the {c} in sync ({tag})"),
        3 => format!("    {a}.{b}_{tag}({c}, {n})?;"),
        4 => format!("    for {a} in {b}.iter().filter(|x| x.{c} != {n}) {{ /* {tag} */ }}"),
        5 => format!("    self.{a}_{tag} = {b}.saturating_add({n});"),
        6 => format!("    debug_assert!({a}.{b}() <= {c}_{tag});"),
        _ => format!("    let {a}: u64 = {b}_{tag}.get({c}).copied().unwrap_or({n});"),
    }
}

/// A source-like text file of `lines` unique lines.
pub fn source_file(rng: &mut Rng, lines: usize) -> Vec<String> {
    (0..lines)
        .map(|i| source_line(rng, &format!("l{i}")))
        .collect()
}

/// A source-like file of at least `bytes` bytes.
pub fn source_file_of_size(rng: &mut Rng, bytes: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut size = 0;
    while size < bytes {
        let line = source_line(rng, &format!("l{}", lines.len()));
        size += line.len() + 1;
        lines.push(line);
    }
    lines
}

pub fn join_lines(lines: &[String]) -> String {
    let mut s = lines.join("\n");
    s.push('\n');
    s
}

/// One agent Edit of a file: `block` consecutive lines starting at a random place are rewritten.
pub struct Edit {
    pub start: usize,
    pub old: Vec<String>,
    pub new: Vec<String>,
    pub original: String,
}

impl Edit {
    /// Picks and applies an edit to `lines` (in memory).
    pub fn make(rng: &mut Rng, lines: &mut [String], block: usize, iteration: usize) -> Edit {
        let original = join_lines(lines);
        let start = rng.below(lines.len() - block + 1);
        let old = lines[start..start + block].to_vec();
        let new: Vec<String> = (0..block)
            .map(|k| source_line(rng, &format!("e{iteration}k{k}")))
            .collect();
        lines[start..start + block].clone_from_slice(&new);
        Edit {
            start,
            old,
            new,
            original,
        }
    }

    pub fn input(&self, file: &Path) -> Value {
        json!({
            "file_path": file.display().to_string(),
            "old_string": self.old.join("\n"),
            "new_string": self.new.join("\n"),
            "replace_all": false,
        })
    }

    /// What Claude Code sends back for an Edit: the strings, the whole original file and a patch.
    pub fn response(&self, file: &Path, with_original: bool) -> Value {
        let mut patch_lines: Vec<String> = self.old.iter().map(|l| format!("-{l}")).collect();
        patch_lines.extend(self.new.iter().map(|l| format!("+{l}")));
        json!({
            "filePath": file.display().to_string(),
            "oldString": self.old.join("\n"),
            "newString": self.new.join("\n"),
            "originalFile": if with_original { json!(self.original) } else { Value::Null },
            "structuredPatch": [{
                "oldStart": self.start + 1,
                "oldLines": self.old.len(),
                "newStart": self.start + 1,
                "newLines": self.new.len(),
                "lines": patch_lines,
            }],
            "userModified": false,
            "replaceAll": false,
        })
    }
}

/// What one driven Edit step did and cost.
pub struct EditStep {
    pub pre: Duration,
    pub post: Duration,
    pub tool_use_id: String,
    /// The rewritten lines (0-based, end excluded).
    pub lines: std::ops::Range<usize>,
}

/// Drives one Edit step through the hook: PreToolUse, the edit on disk, PostToolUse.
pub fn edit_step(
    bench: &Bench,
    rel: &str,
    lines: &mut [String],
    rng: &mut Rng,
    block: usize,
    with_original: bool,
) -> EditStep {
    let (n, id) = bench.tool_use_id();
    let file = bench.abs(rel);
    let edit = Edit::make(rng, lines, block, n as usize);
    let input = edit.input(&file);
    let pre = bench.hook(&bench.pre("Edit", &input, &id));
    bench.write(rel, join_lines(lines).as_bytes());
    let post = bench.hook(&bench.post("Edit", &input, edit.response(&file, with_original), &id));
    EditStep {
        pre,
        post,
        tool_use_id: id,
        lines: edit.start..edit.start + block,
    }
}

// ---------------------------------------------------------------------------------------------
// Statistics and reporting

/// Sorted samples with nearest-rank percentiles.
pub struct Samples(Vec<Duration>);

impl Samples {
    pub fn new(mut v: Vec<Duration>) -> Samples {
        if v.is_empty() {
            die("no samples");
        }
        v.sort_unstable();
        Samples(v)
    }
    /// Nearest-rank percentile, `p` in 0..=100.
    pub fn pct(&self, p: f64) -> Duration {
        let n = self.0.len();
        let rank = ((p / 100.0) * n as f64).ceil() as usize;
        self.0[rank.clamp(1, n) - 1]
    }
    pub fn median(&self) -> Duration {
        self.pct(50.0)
    }
    pub fn min(&self) -> Duration {
        self.0[0]
    }
    pub fn max(&self) -> Duration {
        self.0[self.0.len() - 1]
    }
    pub fn mean(&self) -> Duration {
        self.0.iter().sum::<Duration>() / self.0.len() as u32
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

pub fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// The baseline process every hook bench spawns the same way as `rein`.
pub fn true_bin() -> &'static str {
    if Path::new("/bin/true").exists() {
        "/bin/true"
    } else {
        "true"
    }
}

/// Prints the one summary line of a target.
pub fn target(name: &str, value: &str, ratio: f64, pass: bool, goal: &str) {
    println!(
        "TARGET {name}: {value} ({ratio:.2}x of baseline) — {} (target {goal})",
        if pass { "PASS" } else { "MISS" }
    );
}
