//! Rewind and revert at scale, against git doing the comparable job in the same run.
//!
//! 1. Rewind: a 100,000-file work tree where one Bash step changed 1,000 files. Each iteration
//!    times `rein rewind <step>` (1,000 files put back) and `rein undo` (1,000 files written
//!    again), checking the files on disk after each. Baseline: `git checkout -q -- .` restoring
//!    the same 1,000 files from the index, timed afterwards on the same tree.
//!    Target: a rewind touching 1,000 files ≤ 1 s.
//! 2. Revert: a session of 10,000 Write steps over 1,000 files (each file edited ten times, on
//!    different lines), recorded by rein's own recorder in process (20,000 hook processes would
//!    take minutes and measure nothing new). Each iteration times `rein revert <a middle step>`
//!    (a three-way merge that keeps the file's later edits) and `rein undo`, checking the file.
//!    Baseline: `git status --porcelain` on that tree.
//!    Target: a revert of one step ≤ 200 ms.
//!
//! Knobs: `REIN_BENCH_FILES` (default 100000), `REIN_BENCH_CHANGED` (1000), `REIN_BENCH_STEPS`
//! (10000), `REIN_BENCH_K` (iterations, 5), `REIN_BENCH_QUICK=1` (10,000 files, 1,000 steps).

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::{Bench, Samples, die, git, ms, run_ok, spawn_timed, target};
use serde_json::json;

fn main() {
    common::header("restore_ops", "rewind and revert at scale");
    let k = common::knob("REIN_BENCH_K", 5, 2);
    rewind(k);
    revert(k);
}

fn timed_ok(bench: &Bench, args: &[&str]) -> Duration {
    let (took, out) = spawn_timed(bench.rein().args(args), b"");
    if !out.status.success() {
        die(format!(
            "rein {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    took
}

fn row(name: &str, s: &Samples, base: Duration) {
    println!(
        "{:<40} {:>9.1} {:>9.1} {:>9.1} {:>10.2}x",
        name,
        ms(s.min()),
        ms(s.median()),
        ms(s.max()),
        ms(s.median()) / ms(base)
    );
}

fn table_header(k: usize) {
    println!();
    println!(
        "{:<40} {:>9} {:>9} {:>9} {:>11}",
        format!("case ({k} runs each)"),
        "min ms",
        "median ms",
        "max ms",
        "/baseline"
    );
}

fn rewind(k: usize) {
    let files = common::knob("REIN_BENCH_FILES", 100_000, 10_000);
    let changed = common::knob("REIN_BENCH_CHANGED", 1_000, 1_000).min(files);
    let bench = Bench::new();
    let t = Instant::now();
    let paths = common::make_tree(&bench.root, files);
    std::fs::write(bench.root.join(".git/info/exclude"), ".claude/\n").unwrap_or_else(|e| die(e));
    run_ok(git(&bench.root).args(["add", "-A"]));
    run_ok(git(&bench.root).args(["commit", "-qm", "initial"]));
    bench.rein_ok(&["init", "--scope", "local"]);
    bench.start_session();
    println!(
        "   rewind setup: {files} files, git commit, rein init in {:.1}s",
        t.elapsed().as_secs_f64()
    );

    // One Bash step changes `changed` files spread over the tree.
    let stride = files / changed;
    let touched: Vec<&String> = paths.iter().step_by(stride).take(changed).collect();
    let (_, id) = bench.tool_use_id();
    let input = json!({"command": "sed -i 's/end/END/' $(find . -name 'f*0.txt')"});
    bench.hook(&bench.pre("Bash", &input, &id));
    for rel in &touched {
        let abs = bench.abs(rel);
        let body = std::fs::read_to_string(&abs).unwrap_or_else(|e| die(e));
        std::fs::write(&abs, body.replace("end", "END")).unwrap_or_else(|e| die(e));
    }
    let response = json!({"stdout": "", "stderr": "", "interrupted": false});
    bench.hook(&bench.post("Bash", &input, response, &id));
    let step = bench.logged_steps()[&id]["step"].to_string();
    let check = |want: &str| {
        for rel in [touched[0], touched[changed / 2], touched[changed - 1]] {
            let body = std::fs::read_to_string(bench.abs(rel)).unwrap_or_else(|e| die(e));
            if !body.contains(want) {
                die(format!(
                    "{rel} does not contain {want:?} after the operation"
                ));
            }
        }
    };

    let (mut rw, mut un) = (Vec::new(), Vec::new());
    for i in 0..k {
        rw.push(timed_ok(&bench, &["rewind", &step]));
        check("\nend\n");
        un.push(timed_ok(&bench, &["undo"]));
        check("\nEND\n");
        println!(
            "     run {:>2}: rewind {:>8.1} ms  undo {:>8.1} ms",
            i + 1,
            ms(rw[i]),
            ms(un[i])
        );
    }
    // Baseline: git restoring the same files from its index.
    let mut gc = Vec::new();
    for _ in 0..k {
        let (took, out) = spawn_timed(git(&bench.root).args(["checkout", "-q", "--", "."]), b"");
        if !out.status.success() {
            die("git checkout failed");
        }
        gc.push(took);
        check("\nend\n");
        for rel in &touched {
            let abs = bench.abs(rel);
            let body = std::fs::read_to_string(&abs).unwrap_or_else(|e| die(e));
            std::fs::write(&abs, body.replace("end", "END")).unwrap_or_else(|e| die(e));
        }
    }
    let (rw, un, gc) = (Samples::new(rw), Samples::new(un), Samples::new(gc));
    table_header(k);
    let base = gc.median();
    row("baseline: git checkout -- . (same files)", &gc, base);
    row("rein rewind (1 step, all its files)", &rw, base);
    row("rein undo (the rewind)", &un, base);
    println!("   tree: {files} files; {changed} files rewound and undone per run, checked on disk");
    target(
        "restore_ops.rewind_1000_files",
        &format!("{:.1} ms", ms(rw.median())),
        ms(rw.median()) / ms(base),
        rw.median() <= Duration::from_secs(1),
        &format!("≤ 1000 ms touching {changed} files in a {files}-file tree"),
    );
    println!();
}

fn revert(k: usize) {
    let steps = common::knob("REIN_BENCH_STEPS", 10_000, 1_000);
    let nfiles = (steps / 10).max(1);
    let bench = Bench::new();
    let t = Instant::now();
    let mut rng = common::Rng::new(7);
    let mut contents: Vec<Vec<String>> = Vec::with_capacity(nfiles);
    for f in 0..nfiles {
        let lines = common::source_file(&mut rng, 40);
        bench.write(
            &format!("src/m{f:04}.rs"),
            common::join_lines(&lines).as_bytes(),
        );
        contents.push(lines);
    }
    std::fs::write(bench.root.join(".git/info/exclude"), ".claude/\n").unwrap_or_else(|e| die(e));
    bench.rein_ok(&["init", "--scope", "local"]);
    bench.start_session();

    // The recorder itself, in process: Pre, the edit, Post for each Write step.
    let mut store = rein_core::Store::open(&bench.home).unwrap_or_else(|e| die(e));
    let config = rein_core::capture::CaptureConfig::default();
    let human = |_: &Path| Some("bench@example.invalid".to_owned());
    let host = rein_core::record::Host {
        environment: "local",
        config: &config,
        resolve_human: &human,
        agent: None,
        process_alive: &rein_core::record::liveness_unknown,
        shell_writes: &rein_core::record::writes_unknown,
        commit: None,
    };
    let mut middle = None;
    for i in 0..steps {
        let f = i % nfiles;
        let line = (i / nfiles) * 4 % 40;
        let rel = format!("src/m{f:04}.rs");
        contents[f][line] = format!("    // edited by step {i}");
        let (_, id) = bench.tool_use_id();
        let abs = bench.abs(&rel).display().to_string();
        let call = rein_core::event::ToolCall {
            tool_use_id: id.clone(),
            tool: "Write".into(),
            action: rein_call::Action::Write {
                path: abs.clone(),
                content: None,
            },
            input: json!({"file_path": abs, "content": "…"}),
            prompt_id: None,
            agent_id: None,
        };
        let event = |name: &str, kind| rein_core::event::Event {
            agent: "claude-code".into(),
            session_id: bench.session.clone(),
            cwd: bench.root.display().to_string(),
            transcript_path: None,
            permission_mode: None,
            name: name.into(),
            kind,
            raw: json!({}),
        };
        let record = |store: &mut rein_core::Store, e| {
            rein_core::record::record(store, &host, e).unwrap_or_else(|e| die(e));
        };
        record(
            &mut store,
            event(
                "PreToolUse",
                rein_core::event::EventKind::ToolPre(call.clone()),
            ),
        );
        bench.write(&rel, common::join_lines(&contents[f]).as_bytes());
        record(
            &mut store,
            event(
                "PostToolUse",
                rein_core::event::EventKind::ToolPost {
                    call,
                    response: json!({}),
                    duration_ms: Some(1),
                },
            ),
        );
        if i == steps / 2 {
            middle = Some((id, rel, line, i));
        }
    }
    drop(store);
    let Some((id, rel, line, i)) = middle else {
        die("no middle step");
    };
    let step = bench.logged_steps()[&id]["step"].to_string();
    println!(
        "   revert setup: {steps} steps over {nfiles} files recorded in {:.1}s; reverting step {step} \
         ({rel}, line {}) whose file was edited {} more times after it",
        t.elapsed().as_secs_f64(),
        line + 1,
        (steps - 1 - i) / nfiles
    );
    let marker = format!("edited by step {i}\n");
    let check = |present: bool| {
        let body = std::fs::read_to_string(bench.abs(&rel)).unwrap_or_else(|e| die(e));
        let later = format!("edited by step {}\n", i + nfiles);
        if body.contains(&marker) != present || (i + nfiles < steps && !body.contains(&later)) {
            die(format!("{rel} is not as expected after the operation"));
        }
    };
    let (mut rv, mut un, mut gs) = (Vec::new(), Vec::new(), Vec::new());
    for n in 0..k {
        rv.push(timed_ok(&bench, &["revert", &step]));
        check(false);
        un.push(timed_ok(&bench, &["undo"]));
        check(true);
        let (took, out) = spawn_timed(git(&bench.root).args(["status", "--porcelain"]), b"");
        if !out.status.success() {
            die("git status failed");
        }
        gs.push(took);
        println!(
            "     run {:>2}: revert {:>8.1} ms  undo {:>8.1} ms  git status {:>8.1} ms",
            n + 1,
            ms(rv[n]),
            ms(un[n]),
            ms(took)
        );
    }
    let (rv, un, gs) = (Samples::new(rv), Samples::new(un), Samples::new(gs));
    table_header(k);
    let base = gs.median();
    row("baseline: git status --porcelain", &gs, base);
    row("rein revert (middle step, merged)", &rv, base);
    row("rein undo (the revert)", &un, base);
    target(
        "restore_ops.revert_in_10000_steps",
        &format!("{:.1} ms", ms(rv.median())),
        ms(rv.median()) / ms(base),
        rv.median() <= Duration::from_millis(200),
        &format!("≤ 200 ms in a session of {steps} steps"),
    );
}
