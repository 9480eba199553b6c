//! Capturing a Bash step in a large work tree (100,000 files in 1,000 directories) where the step
//! changed one file, against `git status --porcelain` on the same tree in the same run.
//!
//! A Bash step declares no paths, so both of its hooks walk the tree: PreToolUse (to tell
//! outside changes apart) and PostToolUse (to find what the step changed). Each iteration runs
//! Pre, changes one file (the "command"), runs Post, then times `git status`. At the end the
//! bench checks, through `rein log --json`, that every step recorded exactly the one file it
//! changed.
//!
//! Target: capturing the step ≤ one `git status`. Reported both for Post alone (the walk that
//! captures the change) and for Pre+Post (the whole step).
//!
//! Knobs: `REIN_BENCH_FILES` (default 100000), `REIN_BENCH_K` (iterations, default 10),
//! `REIN_BENCH_QUICK=1` (10,000 files, 3 iterations).

mod common;

use std::time::{Duration, Instant};

use common::{Bench, Samples, die, git, ms, run_ok, spawn_timed, target};
use serde_json::json;

fn main() {
    common::header(
        "capture_walk",
        "Bash step capture in a large tree vs `git status`",
    );
    let files = common::knob("REIN_BENCH_FILES", 100_000, 10_000);
    let k = common::knob("REIN_BENCH_K", 10, 3);
    let bench = Bench::new();

    // The tree: ~1,000 directories two levels deep, `files` small files.
    let t = Instant::now();
    let paths = common::make_tree(&bench.root, files);
    // rein init writes .claude/settings.local.json: keep it out of both git's and rein's view.
    std::fs::write(bench.root.join(".git/info/exclude"), ".claude/\n").unwrap_or_else(|e| die(e));
    println!(
        "   setup: wrote {files} files in {:.1}s",
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    run_ok(git(&bench.root).args(["add", "-A"]));
    run_ok(git(&bench.root).args(["commit", "-qm", "initial"]));
    println!(
        "   setup: git add + commit in {:.1}s",
        t.elapsed().as_secs_f64()
    );
    // Settle git's racily-clean entries so every timed `git status` does the same work.
    std::thread::sleep(Duration::from_millis(1100));
    run_ok(git(&bench.root).args(["update-index", "-q", "--refresh"]));
    run_ok(git(&bench.root).args(["status", "--porcelain"]));

    let t = Instant::now();
    let out = bench.rein_ok(&["init", "--scope", "local"]);
    let baseline_line = out
        .lines()
        .find(|l| l.starts_with("Baseline"))
        .unwrap_or("");
    println!(
        "   setup: rein init (baseline walk) in {:.1}s: {baseline_line}",
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    bench.hook(&bench.session_start());
    println!(
        "   setup: SessionStart hook (walk, nothing changed) in {:.0} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
    bench.hook(&bench.prompt("Run the formatter over the data files."));

    let (mut pre, mut post, mut gst, mut expected) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    println!("   {k} Bash steps, each changing one file");
    for i in 0..k {
        let rel = &paths[(i * 7919 + 13) % files];
        let (_, id) = bench.tool_use_id();
        let input = json!({
            "command": format!("sed -i 's/end/end {i}/' {rel}"),
            "description": "Update a data file",
        });
        pre.push(bench.hook(&bench.pre("Bash", &input, &id)));
        let abs = bench.abs(rel);
        let mut body = std::fs::read_to_string(&abs).unwrap_or_else(|e| die(e));
        body.push_str(&format!("changed by step {i}\n"));
        std::fs::write(&abs, body).unwrap_or_else(|e| die(e));
        let response = json!({
            "stdout": "", "stderr": "", "interrupted": false, "isImage": false,
            "noOutputExpected": true,
        });
        post.push(bench.hook(&bench.post("Bash", &input, response, &id)));
        let (took, out) = spawn_timed(git(&bench.root).args(["status", "--porcelain"]), b"");
        if !out.status.success() {
            die("git status failed");
        }
        gst.push(took);
        expected.push((id, rel.clone()));
        println!(
            "     step {:>2}: Pre {:>8.1} ms  Post {:>8.1} ms  git status {:>8.1} ms",
            i + 1,
            ms(pre[i]),
            ms(post[i]),
            ms(took)
        );
    }
    verify(&bench, &expected);

    let (pre, post, gst) = (Samples::new(pre), Samples::new(post), Samples::new(gst));
    let step = pre.median() + post.median();
    println!();
    println!(
        "{:<34} {:>10} {:>10} {:>10} {:>12}",
        format!("case ({k} runs each)"),
        "min ms",
        "median ms",
        "max ms",
        "/git status"
    );
    let row = |name: &str, s: &Samples| {
        println!(
            "{:<34} {:>10.1} {:>10.1} {:>10.1} {:>11.2}x",
            name,
            ms(s.min()),
            ms(s.median()),
            ms(s.max()),
            ms(s.median()) / ms(gst.median())
        );
    };
    row("baseline: git status --porcelain", &gst);
    row("rein hook PreToolUse Bash", &pre);
    row("rein hook PostToolUse Bash", &post);
    println!(
        "{:<34} {:>10} {:>10.1} {:>10} {:>11.2}x",
        "Pre + Post (sum of medians)",
        "",
        ms(step),
        "",
        ms(step) / ms(gst.median())
    );
    println!("   tree: {files} files; the capture was verified (one modified file per step)");
    println!();
    let base = ms(gst.median());
    target(
        "capture_walk.post",
        &format!("{:.1} ms", ms(post.median())),
        ms(post.median()) / base,
        post.median() <= gst.median(),
        &format!("PostToolUse capture ≤ git status = {base:.1} ms"),
    );
    target(
        "capture_walk.pre_plus_post",
        &format!("{:.1} ms", ms(step)),
        ms(step) / base,
        step <= gst.median(),
        &format!("Pre + Post ≤ git status = {base:.1} ms"),
    );
}

/// Checks that each Bash step recorded exactly the file it changed, as modified.
fn verify(bench: &Bench, expected: &[(String, String)]) {
    let steps = bench.logged_steps();
    for (id, rel) in expected {
        let Some(st) = steps.get(id) else {
            die(format!("step {id} is not in `rein log --json`"));
        };
        let want = json!([{"path": rel, "change": "modified"}]);
        if st["files"] != want || st["outcome"] != "ok" {
            die(format!(
                "step {id} recorded {} (outcome {}), expected {want}",
                st["files"], st["outcome"]
            ));
        }
    }
}
