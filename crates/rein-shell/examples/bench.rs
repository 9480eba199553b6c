//! Times the analyzer on ordinary and pathological inputs (run with `--release`).
use std::time::{Duration, Instant};

use rein_shell::{Context, Limits, analyze};

fn main() {
    let ctx = Context {
        cwd: "/home/dev/project".into(),
        home: "/home/dev".into(),
    };
    let cases: Vec<(&str, String, Limits)> = vec![
        (
            "10 KB ordinary",
            vec!["git status --short src/lib.rs | grep -v foo"; 230].join(" && "),
            Limits::default(),
        ),
        (
            "1000-deep $( )",
            format!("{}echo{}", "echo $(".repeat(1000), ")".repeat(1000)),
            Limits::default(),
        ),
        (
            "1 MB (default max_bytes)",
            "a".repeat(1 << 20),
            Limits::default(),
        ),
        (
            "5000 x &&",
            vec!["true"; 5000].join(" && "),
            Limits::default(),
        ),
        (
            "5000 x ;",
            vec!["echo hi"; 5000].join("; "),
            Limits::default(),
        ),
        (
            "5000 x ; (deadline 1s, no cmd cap)",
            vec!["echo hi"; 5000].join("; "),
            Limits {
                deadline: Duration::from_secs(1),
                max_commands: usize::MAX,
                ..Limits::default()
            },
        ),
        (
            "1 MB (max_bytes 4 MB)",
            "a ".repeat(1 << 19),
            Limits {
                max_bytes: 4 << 20,
                ..Limits::default()
            },
        ),
    ];
    let s = vec!["echo hi"; 5000].join("; ");
    let t = Instant::now();
    let ok = rein_shell::parses(&s);
    println!("parse only 5000 x ; : {:?} {ok}", t.elapsed());
    for (name, cmd, limits) in cases {
        let mut best = Duration::MAX;
        let mut summary = String::new();
        for _ in 0..5 {
            let t = Instant::now();
            let a = analyze(&cmd, &ctx, &limits);
            best = best.min(t.elapsed());
            summary = format!(
                "{} effects, unresolved {:?}",
                a.effects.len(),
                a.unresolved.iter().map(|u| u.kind).collect::<Vec<_>>()
            );
        }
        println!("{name:40} {best:>12?}  {summary}");
    }
}
