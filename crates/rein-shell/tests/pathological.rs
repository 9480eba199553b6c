//! Pathological inputs return quickly, never panic, and report what they could not finish.

mod common;
use std::time::{Duration, Instant};

use rein_shell::{Limits, UnresolvedKind, analyze};

fn timed(cmd: &str, limits: &Limits) -> (rein_shell::Analysis, Duration) {
    let t = Instant::now();
    let a = analyze(cmd, &common::ctx(), limits);
    (a, t.elapsed())
}

/// Debug builds are unoptimized and tests share two cores: a loose bound.
const LOOSE: Duration = Duration::from_secs(2);

#[test]
fn nested_substitutions_1000_deep() {
    let cmd = format!("{}echo{}", "echo $(".repeat(1000), ")".repeat(1000));
    let (a, el) = timed(&cmd, &Limits::default());
    assert!(el < LOOSE, "{el:?}");
    assert!(
        a.unresolved
            .iter()
            .any(|u| u.kind == UnresolvedKind::Budget)
    );
}

#[test]
fn nested_quoted_substitutions_and_backticks() {
    for cmd in [
        format!("{}x{}", "\"$(".repeat(500), ")\"".repeat(500)),
        format!("{}x{}", "(".repeat(5000), ")".repeat(5000)),
        format!("{}x;{}", "{ ".repeat(5000), "} ".repeat(5000)),
        format!("echo {}", "`".repeat(2000)),
        format!("{}x", "$((".repeat(3000)),
    ] {
        let (a, el) = timed(&cmd, &Limits::default());
        assert!(el < LOOSE, "{el:?}");
        assert!(!a.unresolved.is_empty());
    }
}

#[test]
fn nesting_within_depth_limit_is_analyzed() {
    let (a, _) = timed("echo $(echo $(echo $(rm -rf /)))", &Limits::default());
    assert!(common::has_delete(&a, "/", true));
    let (a, _) = timed("bash -c \"rm -rf /\"", &Limits::default());
    assert!(common::has_delete(&a, "/", true));
}

#[test]
fn one_megabyte_command() {
    let cmd = "a".repeat(1 << 20);
    let (a, el) = timed(&cmd, &Limits::default());
    assert!(el < Duration::from_millis(100), "{el:?}");
    assert!(
        a.unresolved
            .iter()
            .any(|u| u.kind == UnresolvedKind::TooLarge)
    );
    // Even with the size limit lifted, a 1 MB word finishes.
    let big = Limits {
        max_bytes: 4 << 20,
        deadline: Duration::from_secs(1),
        ..Limits::default()
    };
    let (_, el) = timed(&cmd, &big);
    assert!(el < LOOSE, "{el:?}");
}

#[test]
fn five_thousand_chained_commands() {
    for sep in [" && ", "; ", " | ", " || "] {
        let cmd = vec!["true"; 5000].join(sep);
        let (a, el) = timed(&cmd, &Limits::default());
        assert!(el < LOOSE, "{sep:?} {el:?}");
        // Either fully analyzed (only Exec) or stopped with a budget entry.
        assert!(
            a.unresolved.is_empty()
                || a.unresolved
                    .iter()
                    .any(|u| u.kind == UnresolvedKind::Budget)
        );
    }
}

#[test]
fn max_commands_is_enforced() {
    let limits = Limits {
        max_commands: 10,
        deadline: Duration::from_secs(5),
        ..Limits::default()
    };
    let cmd = vec!["true"; 50].join("; ");
    let (a, _) = timed(&cmd, &limits);
    assert!(
        a.unresolved
            .iter()
            .any(|u| u.kind == UnresolvedKind::Budget)
    );
}

#[test]
fn max_depth_is_enforced() {
    let limits = Limits {
        max_depth: 2,
        deadline: Duration::from_secs(5),
        ..Limits::default()
    };
    let (a, _) = timed("bash -c \"bash -c 'bash -c \\\"rm -rf /\\\"'\"", &limits);
    assert!(
        a.unresolved
            .iter()
            .any(|u| u.kind == UnresolvedKind::Budget)
    );
}

#[test]
fn deadline_is_enforced() {
    let limits = Limits {
        deadline: Duration::from_millis(1),
        max_commands: usize::MAX,
        ..Limits::default()
    };
    let cmd = vec!["echo $(echo a) $(echo b)"; 3000].join("; ");
    let (a, el) = timed(&cmd, &limits);
    assert!(el < Duration::from_millis(500), "{el:?}");
    assert!(
        a.unresolved
            .iter()
            .any(|u| u.kind == UnresolvedKind::Budget)
    );
}

#[test]
fn huge_brace_expansion_and_globs_are_bounded() {
    let (a, el) = timed(
        "echo {1..1000000} {a,b}{c,d}{e,f}{g,h}{i,j}{k,l}{m,n}{o,p}{q,r}{s,t}",
        &Limits::default(),
    );
    assert!(el < LOOSE);
    assert!(a.effects.len() < 5000);
    let (_, el) = timed("rm -rf /*/*/*/*", &Limits::default());
    assert!(el < LOOSE);
}

#[test]
fn wrapper_chains_are_bounded() {
    let cmd = format!("{}rm -rf /", "nohup ".repeat(20_000));
    let (a, el) = timed(&cmd, &Limits::default());
    assert!(el < LOOSE, "{el:?}");
    assert!(!a.unresolved.is_empty());
}

#[test]
fn git_alias_loops_are_bounded() {
    let (a, el) = timed("git -c alias.a=b -c alias.b=a a", &Limits::default());
    assert!(el < LOOSE);
    assert!(!a.unresolved.is_empty());
}

#[test]
fn ten_kilobyte_ordinary_command() {
    let cmd = vec!["git status --short src/lib.rs | grep -v foo"; 230].join(" && ");
    assert!(cmd.len() > 10_000);
    let (a, el) = timed(&cmd, &Limits::default());
    assert!(el < LOOSE, "{el:?}");
    assert!(a.unresolved.is_empty(), "{:?}", a.unresolved);
}
