//! Hook round trip for PreToolUse and PostToolUse of Write and Edit steps, from process start to
//! exit, against the cost of spawning `/bin/true` the same way (interleaved, same run).
//!
//! Targets: p50 ≤ 5 ms and p99 ≤ 15 ms for each of Pre and Post.
//!
//! A second, diagnostic pass (not a target) repeats the loop while the bench holds its own
//! connection to the store open. Each hook then is not the store's last connection when it
//! exits, so SQLite neither checkpoints the WAL nor deletes it (and recreates it on the next
//! hook): the difference between the passes is what that close-time work costs every hook.
//!
//! A third pass times one shell step (PreToolUse and PostToolUse, with a file appended in
//! between) in every agent's own payload format, through `rein hook <agent>`: each dialect is
//! held to the same targets, and compared with Claude Code's same step in the same run.
//!
//! Knobs: `REIN_BENCH_N` (steps per tool, default 300), `REIN_BENCH_DIALECT_N` (shell steps per
//! dialect, default 100), `REIN_BENCH_DIAG=0` (skip the diagnostic pass), `REIN_BENCH_QUICK=1`
//! (a smoke run).

mod common;

use std::process::Command;
use std::time::Duration;

use common::{Bench, Rng, Samples, join_lines, ms, source_file, spawn_timed, target};
use serde_json::{Value, json};

const P50_TARGET_MS: f64 = 5.0;
const P99_TARGET_MS: f64 = 15.0;

/// The timings of one pass.
#[derive(Default)]
struct Pass {
    baseline: Vec<Duration>,
    /// `rein --version`: what starting the rein binary alone costs (informative).
    version: Vec<Duration>,
    write_pre: Vec<Duration>,
    write_post: Vec<Duration>,
    edit_pre: Vec<Duration>,
    edit_post: Vec<Duration>,
}

/// The files the steps edit, kept across passes.
struct Files {
    rng: Rng,
    lib: Vec<String>,
    generated: Vec<String>,
}

fn main() {
    common::header(
        "hook_latency",
        "`rein hook claude-code` round trip for Write and Edit steps",
    );
    let n = common::knob("REIN_BENCH_N", 300, 30);
    let diag = std::env::var("REIN_BENCH_DIAG").map_or(true, |v| v != "0");
    let warmup = (n / 20).clamp(3, 20);

    let bench = Bench::new();
    let mut rng = Rng::new(1);
    let lib = source_file(&mut rng, 300);
    let generated = source_file(&mut rng, 200);
    bench.write("src/lib.rs", join_lines(&lib).as_bytes());
    bench.write("src/generated.rs", join_lines(&generated).as_bytes());
    bench.write("README.md", b"# bench\n\nA small crate.\n");
    bench.write(
        "Cargo.toml",
        b"[package]\nname = \"bench\"\nversion = \"0.1.0\"\n",
    );
    common::run_ok(common::git(&bench.root).args(["add", "-A"]));
    common::run_ok(common::git(&bench.root).args(["commit", "-qm", "initial"]));
    bench.start_session();
    let mut files = Files {
        rng,
        lib,
        generated,
    };

    println!(
        "   {n} Write steps and {n} Edit steps (+{warmup} warm-up each), one hook process per event"
    );
    let main_pass = run_pass(&bench, &mut files, n, warmup);
    let base = Samples::new(main_pass.baseline.clone());
    println!();
    print_table(&main_pass);

    let held = diag.then(|| {
        // Any open connection makes the hooks' connections not the last one.
        let db = rusqlite::Connection::open(bench.home.join("rein.db"))
            .unwrap_or_else(|e| common::die(e));
        let _: i64 = db
            .query_row("SELECT COUNT(*) FROM audit", [], |r| r.get(0))
            .unwrap_or_else(|e| common::die(e));
        let pass = run_pass(&bench, &mut files, n, warmup);
        drop(db);
        pass
    });
    if let Some(held) = &held {
        println!();
        println!(
            "diagnostic (not a target): the same {n}+{n} steps while another connection keeps \
             the store open, so no hook checkpoints and deletes the WAL when it exits"
        );
        print_table(held);
    }

    let dialect_n = common::knob("REIN_BENCH_DIALECT_N", 100, 10);
    println!();
    println!(
        "per dialect: {dialect_n} shell steps each (+{warmup} warm-up), one hook process per event, \
         the dialects interleaved"
    );
    let dialects = dialect_pass(&bench, dialect_n, warmup);
    let claude = dialects
        .iter()
        .find(|(d, _, _)| *d == "claude-code")
        .map(|(_, pre, post)| (Samples::new(pre.clone()), Samples::new(post.clone())))
        .unwrap_or_else(|| common::die("no claude-code row"));
    println!(
        "{:<12} {:>9} {:>9} {:>9} {:>9} {:>10} {:>10}",
        "dialect", "pre p50", "pre p99", "post p50", "post p99", "pre/claude", "post/claude"
    );
    for (agent, pre, post) in &dialects {
        let (pre, post) = (Samples::new(pre.clone()), Samples::new(post.clone()));
        println!(
            "{:<12} {:>9.2} {:>9.2} {:>9.2} {:>9.2} {:>9.2}x {:>9.2}x",
            agent,
            ms(pre.median()),
            ms(pre.pct(99.0)),
            ms(post.median()),
            ms(post.pct(99.0)),
            ms(pre.median()) / ms(claude.0.median()),
            ms(post.median()) / ms(claude.1.median()),
        );
    }

    println!();
    for (agent, pre, post) in &dialects {
        for (event, v) in [("pre", pre), ("post", post)] {
            let s = Samples::new(v.clone());
            let p50 = ms(s.median());
            target(
                &format!("hook_latency.dialect.{agent}.shell_{event}.p50"),
                &format!("{p50:.2} ms"),
                p50 / ms(base.median()),
                p50 <= P50_TARGET_MS,
                &format!(
                    "p50 ≤ {P50_TARGET_MS} ms; baseline p50 {:.2} ms",
                    ms(base.median())
                ),
            );
        }
    }
    for (name, v) in rows(&main_pass)
        .into_iter()
        .filter(|(name, _)| !name.contains("pooled"))
    {
        let key = name.to_lowercase().replace(' ', "_");
        let s = Samples::new(v);
        let p50 = ms(s.median());
        let p99 = ms(s.pct(99.0));
        target(
            &format!("hook_latency.{key}.p50"),
            &format!("{p50:.2} ms"),
            p50 / ms(base.median()),
            p50 <= P50_TARGET_MS,
            &format!(
                "p50 ≤ {P50_TARGET_MS} ms; baseline p50 {:.2} ms",
                ms(base.median())
            ),
        );
        target(
            &format!("hook_latency.{key}.p99"),
            &format!("{p99:.2} ms"),
            p99 / ms(base.pct(99.0)),
            p99 <= P99_TARGET_MS,
            &format!(
                "p99 ≤ {P99_TARGET_MS} ms; baseline p99 {:.2} ms",
                ms(base.pct(99.0))
            ),
        );
    }
}

/// The agents timed in the dialect pass, with the hook arguments each is run with.
const DIALECTS: &[&str] = &[
    "claude-code",
    "codex",
    "gemini-cli",
    "copilot",
    "opencode",
    "cursor",
];

/// One shell step's PreToolUse and PostToolUse payloads in `agent`'s format, with the hook
/// arguments for each.
fn shell_step(bench: &Bench, agent: &str, i: usize, command: &str) -> [(Vec<String>, Value); 2] {
    let cwd = bench.root.display().to_string();
    let session = format!("bench-{agent}");
    let id = format!("call_{agent}_{i}");
    let hook = |extra: &[&str]| {
        let mut v = vec!["hook".to_owned(), agent.to_owned()];
        v.extend(extra.iter().map(|s| (*s).to_owned()));
        v
    };
    match agent {
        "claude-code" | "codex" => {
            let mut pre = json!({"session_id": session, "cwd": cwd, "hook_event_name": "PreToolUse",
                "tool_name": "Bash", "tool_input": {"command": command}, "tool_use_id": id,
                "transcript_path": "/tmp/rein-bench/t.jsonl", "permission_mode": "default",
                "turn_id": "turn-1", "prompt_id": "prompt-1"});
            let mut post = pre.clone();
            post["hook_event_name"] = json!("PostToolUse");
            post["tool_response"] = json!({"stdout": "", "stderr": "", "interrupted": false});
            if agent == "codex" {
                pre["model"] = json!("gpt-5.5");
                post["model"] = json!("gpt-5.5");
            }
            [(hook(&[]), pre), (hook(&[]), post)]
        }
        "gemini-cli" => {
            let pre = json!({"session_id": session, "cwd": cwd, "hook_event_name": "BeforeTool",
                "tool_name": "run_shell_command", "tool_input": {"command": command}});
            let mut post = pre.clone();
            post["hook_event_name"] = json!("AfterTool");
            post["tool_response"] = json!({"llmContent": "", "returnDisplay": ""});
            [(hook(&[]), pre), (hook(&[]), post)]
        }
        "copilot" => {
            let pre = json!({"sessionId": session, "cwd": cwd, "timestamp": 1,
                "toolName": "bash", "toolArgs": {"command": command, "description": "bench"}});
            let mut post = pre.clone();
            post["toolResult"] = json!({"resultType": "success", "textResultForLlm": ""});
            [
                (hook(&["--event", "preToolUse"]), pre),
                (hook(&["--event", "postToolUse"]), post),
            ]
        }
        "opencode" => {
            let pre = json!({"hook": "tool.execute.before", "cwd": cwd,
                "input": {"tool": "bash", "sessionID": session, "callID": id},
                "output": {"args": {"command": command}}});
            let post = json!({"hook": "tool.execute.after", "cwd": cwd,
                "input": {"tool": "bash", "sessionID": session, "callID": id,
                          "args": {"command": command}},
                "output": {"title": command, "output": "", "metadata": {"exit": 0}}});
            [(hook(&[]), pre), (hook(&[]), post)]
        }
        _ => {
            let pre = json!({"conversation_id": session, "generation_id": "gen-1",
                "hook_event_name": "preToolUse", "session_id": session, "cursor_version": "1",
                "workspace_roots": [cwd], "tool_name": "Shell", "tool_input": {"command": command},
                "tool_use_id": id, "cwd": cwd});
            let mut post = pre.clone();
            post["hook_event_name"] = json!("postToolUse");
            post["tool_output"] = json!("");
            [(hook(&[]), pre), (hook(&[]), post)]
        }
    }
}

/// Pre and Post timings of `n` shell steps per dialect, the dialects interleaved step by step
/// so that the machine's noise falls on all of them alike.
fn dialect_pass(
    bench: &Bench,
    n: usize,
    warmup: usize,
) -> Vec<(&'static str, Vec<Duration>, Vec<Duration>)> {
    let mut out: Vec<(&str, Vec<Duration>, Vec<Duration>)> = DIALECTS
        .iter()
        .map(|d| (*d, Vec::new(), Vec::new()))
        .collect();
    for i in 0..warmup + n {
        for (agent, pre_t, post_t) in &mut out {
            let rel = format!("notes/{agent}.txt");
            let command = format!("echo step {i} >> {rel}");
            let [(pre_args, pre), (post_args, post)] = shell_step(bench, agent, i, &command);
            let pre_took = bench.hook_as(&as_strs(&pre_args), &pre);
            let path = bench.abs(&rel);
            let mut text = std::fs::read_to_string(&path).unwrap_or_default();
            text.push_str(&format!("step {i}\n"));
            bench.write(&rel, text.as_bytes());
            let post_took = bench.hook_as(&as_strs(&post_args), &post);
            if i >= warmup {
                pre_t.push(pre_took);
                post_t.push(post_took);
            }
        }
    }
    out
}

fn as_strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// `n` Write steps and `n` Edit steps, interleaved with baseline spawns.
fn run_pass(bench: &Bench, files: &mut Files, n: usize, warmup: usize) -> Pass {
    let true_bin = common::true_bin();
    let write_file = bench.abs("src/generated.rs");
    let mut pass = Pass::default();
    for i in 0..warmup + n {
        let keep = i >= warmup;

        // A Write step: the whole file again, with a few lines changed.
        let (step, id) = bench.tool_use_id();
        let original = join_lines(&files.generated);
        for k in 0..3 {
            let at = files.rng.below(files.generated.len());
            files.generated[at] = common::source_line(&mut files.rng, &format!("w{step}k{k}"));
        }
        let content = join_lines(&files.generated);
        let input = json!({"file_path": write_file.display().to_string(), "content": content});
        let pre_payload = bench.pre("Write", &input, &id);
        let pre = bench.hook(&pre_payload);
        bench.write("src/generated.rs", content.as_bytes());
        let post_payload = bench.post(
            "Write",
            &input,
            json!({
                "type": "update",
                "filePath": write_file.display().to_string(),
                "content": content,
                "structuredPatch": [],
                "originalFile": original,
                "userModified": false,
            }),
            &id,
        );
        let post = bench.hook(&post_payload);

        // An Edit step: three consecutive lines rewritten.
        let edit = common::edit_step(bench, "src/lib.rs", &mut files.lib, &mut files.rng, 3, true);

        // The baseline: spawning a process that does nothing, with the same payloads on stdin.
        let bytes = |p: &serde_json::Value| serde_json::to_vec(p).unwrap_or_default();
        let (b1, _) = spawn_timed(&mut Command::new(true_bin), &bytes(&pre_payload));
        let (b2, _) = spawn_timed(&mut Command::new(true_bin), &bytes(&post_payload));
        let (v, _) = spawn_timed(Command::new(&bench.bin).arg("--version"), b"");

        if keep {
            pass.write_pre.push(pre);
            pass.write_post.push(post);
            pass.edit_pre.push(edit.pre);
            pass.edit_post.push(edit.post);
            pass.baseline.push(b1);
            pass.baseline.push(b2);
            pass.version.push(v);
        }
    }
    pass
}

fn rows(p: &Pass) -> Vec<(&'static str, Vec<Duration>)> {
    let cat = |a: &[Duration], b: &[Duration]| a.iter().chain(b).copied().collect();
    vec![
        ("Write Pre", p.write_pre.clone()),
        ("Write Post", p.write_post.clone()),
        ("Write Pre+Post (pooled)", cat(&p.write_pre, &p.write_post)),
        ("Edit Pre", p.edit_pre.clone()),
        ("Edit Post", p.edit_post.clone()),
        ("Edit Pre+Post (pooled)", cat(&p.edit_pre, &p.edit_post)),
    ]
}

fn print_table(p: &Pass) {
    let base = Samples::new(p.baseline.clone());
    println!(
        "{:<26} {:>5} {:>8} {:>8} {:>8} {:>8} {:>8} {:>9} {:>9}",
        "case", "n", "min ms", "p50 ms", "p90 ms", "p99 ms", "max ms", "p50/base", "p99/base"
    );
    let line = |name: &str, s: &Samples| {
        println!(
            "{:<26} {:>5} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>8.2}x {:>8.2}x",
            name,
            s.len(),
            ms(s.min()),
            ms(s.median()),
            ms(s.pct(90.0)),
            ms(s.pct(99.0)),
            ms(s.max()),
            ms(s.median()) / ms(base.median()),
            ms(s.pct(99.0)) / ms(base.pct(99.0)),
        );
    };
    line("baseline: spawn /bin/true", &base);
    line(
        "for scale: rein --version",
        &Samples::new(p.version.clone()),
    );
    for (name, v) in rows(p) {
        line(name, &Samples::new(v));
    }
}
