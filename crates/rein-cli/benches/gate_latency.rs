//! The gate: PreToolUse decision round trip (process start to answer) with the built-in policy
//! plus 100 project rules; in-process analysis of a 10 KB command; and pathological inputs
//! through the whole hook. Every figure is set against a baseline measured in the same run.
//!
//! Targets:
//! - PreToolUse round trip: p50 ≤ 5 ms, p99 ≤ 15 ms (baseline: spawning /bin/true);
//! - analysis of a 10 KB command ≤ 10 ms (baseline: brush-parser parsing it alone);
//! - pathological inputs answered deny or ask within 100 ms, whole hook (baseline: /bin/true).
//!
//! Knobs: `REIN_BENCH_N` (decisions per kind, default 200), `REIN_BENCH_QUICK=1`.

mod common;

use std::fmt::Write as _;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{Bench, Samples, ms, spawn_timed, target};
use serde_json::{Value, json};

const P50_TARGET_MS: f64 = 5.0;
const P99_TARGET_MS: f64 = 15.0;
const ANALYSIS_TARGET_MS: f64 = 10.0;
const PATHOLOGICAL_TARGET_MS: f64 = 100.0;

fn main() {
    common::header(
        "gate_latency",
        "PreToolUse decisions with the built-in policy plus 100 project rules",
    );
    let n = common::knob("REIN_BENCH_N", 200, 20);
    let warmup = (n / 20).clamp(3, 20);
    let bench = Bench::new();
    bench.write("src/lib.rs", b"pub fn f() {}\n");
    bench.write("README.md", b"# bench\n");
    bench.write(".rein/policy/team.cedar", project_rules(100).as_bytes());
    common::run_ok(common::git(&bench.root).args(["add", "-A"]));
    common::run_ok(common::git(&bench.root).args(["commit", "-qm", "initial"]));
    let lint = bench.rein_ok(&["policy", "lint"]);
    println!("   {}", lint.trim());
    bench.start_session();

    let true_bin = common::true_bin();
    let calls: Vec<(&str, &str, Value, &str)> = vec![
        (
            "bash_ordinary",
            "Bash",
            json!({"command": "cargo test --workspace && git status --short"}),
            "",
        ),
        (
            "bash_denied",
            "Bash",
            json!({"command": "rm -rf ~"}),
            "deny",
        ),
        (
            "bash_pipeline",
            "Bash",
            json!({"command": "find . -name '*.rs' | xargs grep -n TODO | sort | head -20"}),
            "",
        ),
        (
            "read",
            "Read",
            json!({"file_path": bench.abs("src/lib.rs").display().to_string()}),
            "",
        ),
        (
            "read_secret",
            "Read",
            json!({"file_path": bench.abs(".env").display().to_string()}),
            "deny",
        ),
        (
            "write",
            "Write",
            json!({"file_path": bench.abs("src/new.rs").display().to_string(), "content": "pub fn g() {}\n"}),
            "",
        ),
    ];
    let mut baseline = Vec::new();
    let mut timings: Vec<Vec<Duration>> = vec![Vec::new(); calls.len()];
    for i in 0..warmup + n {
        let keep = i >= warmup;
        for (k, (_, tool, input, expect)) in calls.iter().enumerate() {
            let (took, _) = spawn_timed(&mut Command::new(true_bin), b"");
            if keep {
                baseline.push(took);
            }
            let (_, id) = bench.tool_use_id();
            let payload = bench.pre(tool, input, &id);
            let (took, answer) = hook(&bench, &payload);
            check(&answer, expect, tool);
            if keep {
                timings[k].push(took);
            }
        }
    }
    let base = Samples::new(baseline);
    println!(
        "\n   {:<16} {:>9} {:>9} {:>9}   ({} decisions each; baseline /bin/true p50 {:.2} ms, p99 {:.2} ms)",
        "call",
        "p50 ms",
        "p99 ms",
        "max ms",
        n,
        ms(base.median()),
        ms(base.pct(99.0))
    );
    let mut all = Vec::new();
    for ((name, ..), t) in calls.iter().zip(&timings) {
        all.extend(t.iter().copied());
        let s = Samples::new(t.clone());
        println!(
            "   {name:<16} {:>9.2} {:>9.2} {:>9.2}",
            ms(s.median()),
            ms(s.pct(99.0)),
            ms(s.max())
        );
    }
    let s = Samples::new(all);
    let (p50, p99) = (ms(s.median()), ms(s.pct(99.0)));
    println!();
    target(
        "gate_latency.pre_tool_use.p50",
        &format!("{p50:.2} ms"),
        p50 / ms(base.median()),
        p50 <= P50_TARGET_MS,
        &format!(
            "p50 ≤ {P50_TARGET_MS} ms; baseline p50 {:.2} ms",
            ms(base.median())
        ),
    );
    target(
        "gate_latency.pre_tool_use.p99",
        &format!("{p99:.2} ms"),
        p99 / ms(base.pct(99.0)),
        p99 <= P99_TARGET_MS,
        &format!(
            "p99 ≤ {P99_TARGET_MS} ms; baseline p99 {:.2} ms",
            ms(base.pct(99.0))
        ),
    );

    // In-process analysis of a 10 KB command against parsing it alone.
    let command = ten_kb_command();
    let ctx = rein_shell::Context {
        cwd: bench.root.clone(),
        home: std::env::temp_dir(),
    };
    let limits = rein_shell::Limits::default();
    let mut parse = Vec::new();
    let mut analysis = Vec::new();
    for i in 0..warmup + n {
        let t = Instant::now();
        let ok = rein_shell::parses(&command);
        let p = t.elapsed();
        let t = Instant::now();
        let a = rein_shell::analyze(&command, &ctx, &limits);
        let took = t.elapsed();
        if !ok || !a.unresolved.is_empty() {
            common::die(format!(
                "the 10 KB command did not analyze cleanly: {:?}",
                a.unresolved
            ));
        }
        if i >= warmup {
            parse.push(p);
            analysis.push(took);
        }
    }
    let (p, a) = (Samples::new(parse), Samples::new(analysis));
    println!(
        "\n   10 KB command ({} bytes, {} simple commands): analysis p50 {:.2} ms, p99 {:.2} ms; parse alone p50 {:.2} ms",
        command.len(),
        command.matches("&&").count() + command.matches('|').count() + 1,
        ms(a.median()),
        ms(a.pct(99.0)),
        ms(p.median())
    );
    target(
        "gate_latency.analysis_10kb.p99",
        &format!("{:.2} ms", ms(a.pct(99.0))),
        ms(a.median()) / ms(p.median()).max(1e-6),
        ms(a.pct(99.0)) <= ANALYSIS_TARGET_MS,
        &format!("≤ {ANALYSIS_TARGET_MS} ms; ratio is p50 against parsing alone"),
    );

    // Pathological inputs through the whole hook.
    println!();
    let reps = (n / 10).max(5);
    for (name, input) in pathological() {
        let mut times = Vec::new();
        let mut answers = std::collections::BTreeSet::new();
        for _ in 0..reps {
            let (_, id) = bench.tool_use_id();
            let payload = bench.pre("Bash", &json!({ "command": input }), &id);
            let (took, answer) = hook(&bench, &payload);
            if answer.is_empty() {
                common::die(format!("{name}: the gate allowed a pathological input"));
            }
            answers.insert(answer);
            times.push(took);
        }
        let s = Samples::new(times);
        let worst = ms(s.max());
        target(
            &format!("gate_latency.pathological.{name}"),
            &format!(
                "{worst:.1} ms max, answered {}",
                answers.into_iter().collect::<Vec<_>>().join("/")
            ),
            worst / ms(base.pct(99.0)),
            worst <= PATHOLOGICAL_TARGET_MS,
            &format!(
                "deny or ask ≤ {PATHOLOGICAL_TARGET_MS} ms, input {} bytes",
                input.len()
            ),
        );
    }
}

/// Runs the hook; returns its wall time and the permission decision ("" when it said nothing).
fn hook(bench: &Bench, payload: &Value) -> (Duration, String) {
    let bytes = serde_json::to_vec(payload).unwrap_or_else(|e| common::die(e));
    let (took, out) = spawn_timed(bench.rein().args(["hook", "claude-code"]), &bytes);
    if !out.status.success() {
        common::die(format!(
            "rein hook failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let decision = if stdout.trim().is_empty() {
        String::new()
    } else {
        let v: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| common::die(e));
        v["hookSpecificOutput"]["permissionDecision"]
            .as_str()
            .unwrap_or("?")
            .to_owned()
    };
    (took, decision)
}

fn check(answer: &str, expect: &str, tool: &str) {
    if answer != expect {
        common::die(format!("{tool}: expected {expect:?}, got {answer:?}"));
    }
}

/// 100 project rules of the kinds teams write: paths, hosts, programs, tools.
fn project_rules(n: usize) -> String {
    let mut out = String::new();
    for i in 0..n {
        let rule = match i % 5 {
            0 => format!(
                "@id(\"team.path-{i}\")\n@ask(\"generated area {i}\")\nforbid (principal, action == Rein::Action::\"write\", resource is Rein::File)\nwhen {{ resource.rel like \"generated/area{i}/*\" }};\n"
            ),
            1 => format!(
                "@id(\"team.host-{i}\")\n@reason(\"host {i} is off limits\")\nforbid (principal, action == Rein::Action::\"network\", resource is Rein::Host)\nwhen {{ resource.name like \"*.blocked{i}.example\" }};\n"
            ),
            2 => format!(
                "@id(\"team.program-{i}\")\n@ask(\"tool{i} needs a review\")\nforbid (principal, action == Rein::Action::\"exec\", resource is Rein::Program)\nwhen {{ resource.name == \"tool{i}\" && context.env == \"local\" }};\n"
            ),
            3 => format!(
                "@id(\"team.read-{i}\")\n@reason(\"vault {i}\")\nforbid (principal, action == Rein::Action::\"read\", resource is Rein::File)\nwhen {{ resource.path like \"*/vault{i}/*\" || resource.name == \"secret{i}.json\" }};\n"
            ),
            _ => format!(
                "@id(\"team.mcp-{i}\")\n@ask(\"server {i}\")\nforbid (principal, action == Rein::Action::\"tool\", resource is Rein::Tool)\nwhen {{ resource.server == \"server{i}\" }};\n"
            ),
        };
        out.push_str(&rule);
        out.push('\n');
    }
    out
}

fn ten_kb_command() -> String {
    let mut out = String::new();
    let mut i = 0;
    while out.len() < 10 * 1024 {
        let _ = write!(
            out,
            "git -C src status --short && grep -rn \"TODO {i}\" src/module{i} | sort -u | head -n 5 && "
        );
        i += 1;
    }
    out.push_str("echo done");
    out
}

fn pathological() -> Vec<(&'static str, String)> {
    let nested = format!("{}echo x{}", "$(".repeat(1000), ")".repeat(1000));
    let backticks = format!("echo {}", "`echo `".repeat(2000));
    let one_mb = format!("echo {}", "a".repeat(1 << 20));
    let chained = (0..5000)
        .map(|i| format!("echo {i}"))
        .collect::<Vec<_>>()
        .join(" && ");
    let bash_c = {
        let mut c = "rm -rf ~".to_owned();
        // Each level quadruples the quotes: 7 levels stay under the analyzer's size limit.
        for _ in 0..7 {
            c = format!("bash -c {}", shell_quote(&c));
        }
        c
    };
    let braces = format!("echo {}", "{a,b}".repeat(40));
    vec![
        ("nested_substitutions_1000", nested),
        ("backticks_2000", backticks),
        ("command_1mb", one_mb),
        ("chained_5000", chained),
        ("bash_c_nested_7", bash_c),
        ("brace_bomb", braces),
    ]
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}
