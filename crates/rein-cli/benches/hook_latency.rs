//! Hook round trip for PreToolUse and PostToolUse of Write and Edit steps, from process start to
//! exit, against the cost of spawning `/bin/true` the same way (interleaved, same run).
//!
//! Targets: p50 ≤ 5 ms and p99 ≤ 15 ms for each of Pre and Post.
//!
//! Knobs: `REIN_BENCH_N` (steps per tool, default 300), `REIN_BENCH_QUICK=1` (a smoke run).

mod common;

use std::process::Command;
use std::time::Duration;

use common::{Bench, Rng, Samples, join_lines, ms, source_file, spawn_timed, target};
use serde_json::json;

const P50_TARGET_MS: f64 = 5.0;
const P99_TARGET_MS: f64 = 15.0;

fn main() {
    common::header(
        "hook_latency",
        "`rein hook claude-code` round trip for Write and Edit steps",
    );
    let n = common::knob("REIN_BENCH_N", 300, 30);
    let warmup = (n / 20).clamp(3, 20);

    let bench = Bench::new();
    let mut rng = Rng::new(1);
    let mut lib = source_file(&mut rng, 300);
    let mut generated = source_file(&mut rng, 200);
    bench.write("src/lib.rs", join_lines(&lib).as_bytes());
    bench.write("src/generated.rs", join_lines(&generated).as_bytes());
    bench.write("README.md", b"# bench\n\nA small crate.\n");
    bench.write("Cargo.toml", b"[package]\nname = \"bench\"\nversion = \"0.1.0\"\n");
    common::run_ok(common::git(&bench.root).args(["add", "-A"]));
    common::run_ok(common::git(&bench.root).args(["commit", "-qm", "initial"]));
    bench.start_session();

    let true_bin = if std::path::Path::new("/bin/true").exists() {
        "/bin/true"
    } else {
        "true"
    };
    let mut baseline = Vec::new();
    let (mut write_pre, mut write_post, mut edit_pre, mut edit_post) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let write_file = bench.abs("src/generated.rs");

    println!("   {n} Write steps and {n} Edit steps (+{warmup} warm-up each), one hook process per event");
    for i in 0..warmup + n {
        let keep = i >= warmup;

        // A Write step: the whole file again, with a few lines changed.
        let (_, id) = bench.tool_use_id();
        let original = join_lines(&generated);
        for k in 0..3 {
            let at = rng.below(generated.len());
            generated[at] = common::source_line(&mut rng, &format!("w{i}k{k}"));
        }
        let content = join_lines(&generated);
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
        let edit = common::edit_step(&bench, "src/lib.rs", &mut lib, &mut rng, 3, true);

        // The baseline: spawning a process that does nothing, with the same payloads on stdin.
        let payload_bytes = |p: &serde_json::Value| serde_json::to_vec(p).unwrap_or_default();
        let (b1, _) = spawn_timed(&mut Command::new(true_bin), &payload_bytes(&pre_payload));
        let (b2, _) = spawn_timed(&mut Command::new(true_bin), &payload_bytes(&post_payload));

        if keep {
            write_pre.push(pre);
            write_post.push(post);
            edit_pre.push(edit.pre);
            edit_post.push(edit.post);
            baseline.push(b1);
            baseline.push(b2);
        }
    }

    let base = Samples::new(baseline);
    let all = |a: &[Duration], b: &[Duration]| Samples::new(a.iter().chain(b).copied().collect());
    let rows: Vec<(&str, Samples)> = vec![
        ("Write Pre", Samples::new(write_pre.clone())),
        ("Write Post", Samples::new(write_post.clone())),
        ("Write Pre+Post (pooled)", all(&write_pre, &write_post)),
        ("Edit Pre", Samples::new(edit_pre.clone())),
        ("Edit Post", Samples::new(edit_post.clone())),
        ("Edit Pre+Post (pooled)", all(&edit_pre, &edit_post)),
    ];

    println!();
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
    for (name, s) in &rows {
        line(name, s);
    }
    println!();

    for (name, s) in rows.iter().filter(|(name, _)| !name.contains("pooled")) {
        let key = name.to_lowercase().replace(' ', "_");
        let p50 = ms(s.median());
        let p99 = ms(s.pct(99.0));
        target(
            &format!("hook_latency.{key}.p50"),
            &format!("{p50:.2} ms"),
            p50 / ms(base.median()),
            p50 <= P50_TARGET_MS,
            &format!("p50 ≤ {P50_TARGET_MS} ms; baseline p50 {:.2} ms", ms(base.median())),
        );
        target(
            &format!("hook_latency.{key}.p99"),
            &format!("{p99:.2} ms"),
            p99 / ms(base.pct(99.0)),
            p99 <= P99_TARGET_MS,
            &format!("p99 ≤ {P99_TARGET_MS} ms; baseline p99 {:.2} ms", ms(base.pct(99.0))),
        );
    }
}
