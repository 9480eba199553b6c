//! Property tests: no input panics, every call returns within its deadline, and input that does
//! not parse always leaves something unresolved.

mod common;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use rein_shell::{Limits, analyze};

/// Slack for thread start-up and scheduling on a loaded two-core machine.
const SLACK: Duration = Duration::from_millis(250);

/// Whether brush-parser accepts `s`; its panics (an unwrap in its tokenizer on some inputs) are
/// "does not parse", as they are for the analyzer.
fn brush_parses(s: &str) -> bool {
    std::panic::catch_unwind(|| {
        let opts = brush_parser::ParserOptions::default();
        brush_parser::Parser::new(std::io::Cursor::new(s.as_bytes()), &opts)
            .parse_program()
            .is_ok()
    })
    .unwrap_or(false)
}

fn check(cmd: &str) -> Result<(), TestCaseError> {
    let limits = Limits::default();
    let t = Instant::now();
    let a = analyze(cmd, &common::ctx(), &limits);
    let el = t.elapsed();
    prop_assert!(el <= limits.deadline + SLACK, "took {el:?} for {cmd:?}");
    if !brush_parses(cmd) {
        prop_assert!(
            !a.unresolved.is_empty(),
            "unparsable {cmd:?} left nothing unresolved"
        );
    }
    Ok(())
}

/// Words built from the pieces that make shell words interesting.
fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z/._~-]{1,8}",
        Just("rm".to_string()),
        Just("-rf".to_string()),
        Just("/".to_string()),
        Just("~".to_string()),
        Just("$HOME".to_string()),
        Just("${X:-/}".to_string()),
        Just("*".to_string()),
        Just("{a,b}".to_string()),
        Just("$'\\x72m'".to_string()),
        "'[a-z $;|]{0,6}'",
        "\"[a-z $;|]{0,6}\"",
        Just("$(".to_string()),
        Just(")".to_string()),
        Just("`".to_string()),
        Just("\"".to_string()),
        Just("'".to_string()),
    ]
}

fn simple() -> impl Strategy<Value = String> {
    (
        prop_oneof![
            Just("rm"),
            Just("echo"),
            Just("bash -c"),
            Just("sudo"),
            Just("env"),
            Just("xargs"),
            Just("find ."),
            Just("git"),
            Just("python3 -c"),
            Just("curl"),
            Just("cat"),
            Just("eval"),
            Just("x=1"),
            Just("base64 -d")
        ],
        prop::collection::vec(word(), 0..5),
    )
        .prop_map(|(cmd, words)| format!("{cmd} {}", words.join(" ")))
}

fn program() -> impl Strategy<Value = String> {
    let leaf = simple();
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            (
                inner.clone(),
                prop_oneof![
                    Just(" | "),
                    Just(" && "),
                    Just(" || "),
                    Just("; "),
                    Just(" & "),
                    Just("\n")
                ],
                inner.clone()
            )
                .prop_map(|(a, op, b)| format!("{a}{op}{b}")),
            inner.clone().prop_map(|a| format!("echo \"$({a})\"")),
            inner.clone().prop_map(|a| format!("( {a} )")),
            inner.clone().prop_map(|a| format!("{{ {a}; }}")),
            inner.clone().prop_map(|a| format!("bash -c '{a}'")),
            inner.clone().prop_map(|a| format!("cat <<EOF\n{a}\nEOF")),
            inner.clone().prop_map(|a| format!("cat <<'EOF'\n{a}\nEOF")),
            inner.clone().prop_map(|a| format!("if {a}; then {a}; fi")),
            inner
                .clone()
                .prop_map(|a| format!("for f in a b; do {a}; done")),
            inner.clone().prop_map(|a| format!("{a} > out.txt")),
            inner.prop_map(|a| format!("f() {{ {a}; }}")),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_strings(s in any::<String>()) {
        check(&s)?;
    }

    #[test]
    fn shell_alphabet_strings(s in "[a-z $(){}'\"`|;&<>\\\\\n#=*?~!\\[\\]-]{0,120}") {
        check(&s)?;
    }

    #[test]
    fn structured_programs(s in program()) {
        check(&s)?;
    }
}
