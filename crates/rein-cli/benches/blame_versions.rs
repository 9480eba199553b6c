//! `rein blame` on a file with 1,000 recorded versions. The history is built by driving the hook
//! as Claude Code would: 1,000 Edit steps (PreToolUse, three lines of a ~300-line file rewritten,
//! PostToolUse). Blame is timed as a spawned `rein blame --json` (median of several runs) at a
//! few history sizes on the way, against the spawn of `rein --version` (process overhead), and
//! its output is checked line by line against the step that last wrote each line.
//!
//! Target: `rein blame` at 1,000 versions ≤ 100 ms.
//!
//! Knobs: `REIN_BENCH_VERSIONS` (default 1000), `REIN_BENCH_RUNS` (blame runs per point,
//! default 10), `REIN_BENCH_QUICK=1` (100 versions, 3 runs).

mod common;

use std::collections::HashMap;
use std::time::Duration;

use common::{Bench, Rng, Samples, die, join_lines, ms, source_file, spawn_timed, target};
use serde_json::Value;

const TARGET_MS: f64 = 100.0;
const FILE: &str = "src/parser.rs";
const UNTOUCHED: &str = "src/untouched.rs";

fn main() {
    common::header(
        "blame_versions",
        "`rein blame` on a file with a long recorded history",
    );
    let versions = common::knob("REIN_BENCH_VERSIONS", 1000, 100);
    let runs = common::knob("REIN_BENCH_RUNS", 10, 3);

    let bench = Bench::new();
    let mut rng = Rng::new(7);
    let mut lines = source_file(&mut rng, 300);
    bench.write(FILE, join_lines(&lines).as_bytes());
    bench.write(
        UNTOUCHED,
        join_lines(&source_file(&mut rng, 300)).as_bytes(),
    );
    bench.start_session();

    // Who last wrote each line: None for the baseline, else the step's tool_use_id.
    let mut writer: Vec<Option<String>> = vec![None; lines.len()];
    let mut checkpoints: Vec<usize> = [100, 250, 500]
        .into_iter()
        .filter(|&c| c < versions)
        .collect();
    checkpoints.push(versions);

    let mut points: Vec<(usize, Samples, Samples)> = Vec::new();
    let (mut pre, mut post) = (Vec::new(), Vec::new());
    let t = std::time::Instant::now();
    points.push((
        0,
        time_blame(&bench, UNTOUCHED, runs),
        time_version(&bench, runs),
    ));
    for i in 1..=versions {
        let step = common::edit_step(&bench, FILE, &mut lines, &mut rng, 3, true);
        for l in step.lines.clone() {
            writer[l] = Some(step.tool_use_id.clone());
        }
        pre.push(step.pre);
        post.push(step.post);
        if checkpoints.contains(&i) {
            points.push((
                i,
                time_blame(&bench, FILE, runs),
                time_version(&bench, runs),
            ));
        }
    }
    println!(
        "   built {versions} versions ({} hook runs) in {:.1}s",
        2 * versions,
        t.elapsed().as_secs_f64()
    );
    let (agent_lines, distinct_steps) = verify(&bench, &lines, &writer);

    println!();
    println!(
        "{:<28} {:>9} {:>9} {:>9} {:>15} {:>9}",
        "blame of", "min ms", "p50 ms", "max ms", "--version p50", "ratio"
    );
    for (v, blame, version) in &points {
        let name = if *v == 0 {
            format!("{UNTOUCHED} (1 version)")
        } else {
            format!("{FILE} ({} versions)", v + 1)
        };
        println!(
            "{:<28} {:>9.1} {:>9.1} {:>9.1} {:>12.1} ms {:>8.2}x",
            name,
            ms(blame.min()),
            ms(blame.median()),
            ms(blame.max()),
            ms(version.median()),
            ms(blame.median()) / ms(version.median())
        );
    }
    let tenth = (versions / 10).max(1);
    let med = |v: &[Duration]| ms(Samples::new(v.to_vec()).median());
    println!();
    println!(
        "   hook p50 while building: Edit Pre {:.2} ms → {:.2} ms, Post {:.2} ms → {:.2} ms (first vs last {tenth} steps)",
        med(&pre[..tenth]),
        med(&pre[pre.len() - tenth..]),
        med(&post[..tenth]),
        med(&post[post.len() - tenth..]),
    );
    println!(
        "   blame checked line by line: {} lines, {agent_lines} attributed to {distinct_steps} distinct steps, the rest to the baseline",
        lines.len()
    );
    println!();
    let (_, blame, version) = points.last().unwrap_or_else(|| die("no measurement"));
    let value = ms(blame.median());
    target(
        "blame_versions",
        &format!("{value:.1} ms at {} versions", versions + 1),
        value / ms(version.median()),
        value <= TARGET_MS,
        &format!(
            "≤ {TARGET_MS} ms; baseline `rein --version` {:.1} ms",
            ms(version.median())
        ),
    );
}

fn time_blame(bench: &Bench, file: &str, runs: usize) -> Samples {
    Samples::new(
        (0..runs)
            .map(|_| {
                let (took, out) = spawn_timed(bench.rein().args(["blame", "--json", file]), b"");
                if !out.status.success() {
                    die(format!(
                        "rein blame failed: {}",
                        String::from_utf8_lossy(&out.stderr)
                    ));
                }
                took
            })
            .collect(),
    )
}

fn time_version(bench: &Bench, runs: usize) -> Samples {
    Samples::new(
        (0..runs)
            .map(|_| spawn_timed(bench.rein().arg("--version"), b"").0)
            .collect(),
    )
}

/// Checks every line of `rein blame --json` against the step that last wrote it.
/// Returns (lines attributed to steps, distinct steps among them).
fn verify(bench: &Bench, lines: &[String], writer: &[Option<String>]) -> (usize, usize) {
    let out = bench.rein_ok(&["blame", "--json", FILE]);
    let blame: Value =
        serde_json::from_str(&out).unwrap_or_else(|e| die(format!("rein blame --json: {e}")));
    let got = blame["lines"]
        .as_array()
        .unwrap_or_else(|| die("rein blame --json has no lines"));
    if got.len() != lines.len() {
        die(format!(
            "blame has {} lines, the file {}",
            got.len(),
            lines.len()
        ));
    }
    let step_of: HashMap<String, i64> = bench
        .logged_steps()
        .into_iter()
        .filter_map(|(id, st)| st["step"].as_i64().map(|s| (id, s)))
        .collect();
    let mut agent = 0;
    let mut distinct = std::collections::HashSet::new();
    for (i, (entry, text)) in got.iter().zip(lines).enumerate() {
        let ok_text = entry["text"].as_str() == Some(text.as_str());
        let ok_origin = match &writer[i] {
            None => entry["origin"] == "baseline",
            Some(id) => {
                let want = step_of
                    .get(id)
                    .unwrap_or_else(|| die(format!("step {id} is not in `rein log --json`")));
                entry["origin"] == "agent" && entry["step"].as_i64() == Some(*want)
            }
        };
        if !(ok_text && ok_origin) {
            die(format!(
                "blame line {} is {entry}, expected text {text:?} from {:?}",
                i + 1,
                writer[i]
            ));
        }
        if let Some(s) = entry["step"].as_i64() {
            agent += 1;
            distinct.insert(s);
        }
    }
    (agent, distinct.len())
}
