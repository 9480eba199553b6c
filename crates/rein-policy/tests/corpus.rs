//! The guard corpus: the shared cases (copied verbatim from the project brief) and rein's own.
//! Every case must be decided as expected by the built-in policy.

use rein_policy::{CaseOutcome, Expect, Limits, Policies, PolicySource, parse_cases, run_cases};

fn run(file: &str, text: &str) -> Vec<CaseOutcome> {
    let policies = Policies::load(&PolicySource::builtin(), &[]).expect("built-in policy loads");
    let cases = parse_cases(file, text).expect("cases parse");
    run_cases(
        &policies,
        &cases,
        &Limits::default(),
        &rein_agents::claude_code::tools::normalize,
    )
}

fn report(outcomes: &[CaseOutcome]) -> String {
    let mut out = String::new();
    for o in outcomes.iter().filter(|o| !o.ok) {
        out.push_str(&format!(
            "  {} expected {:?}, got {:?}: {} | {}\n",
            o.id, o.expect, o.answer, o.input, o.reason
        ));
    }
    out
}

#[test]
fn shared_corpus_passes_completely() {
    let outcomes = run("guard-cases.toml", include_str!("corpus/guard-cases.toml"));
    assert!(outcomes.len() >= 50, "only {} cases", outcomes.len());
    let failures = report(&outcomes);
    assert!(failures.is_empty(), "mismatches:\n{failures}");
}

#[test]
fn rein_corpus_passes_completely() {
    let outcomes = run("rein-cases.toml", include_str!("corpus/rein-cases.toml"));
    assert!(outcomes.len() >= 150, "only {} cases", outcomes.len());
    let failures = report(&outcomes);
    let n = failures.lines().count();
    assert!(failures.is_empty(), "{n} mismatches:\n{failures}");
}

#[test]
fn corpora_never_allow_a_blocking_case() {
    // The worst failure, counted separately so it can never hide among false positives.
    for (file, text) in [
        ("guard-cases.toml", include_str!("corpus/guard-cases.toml")),
        ("rein-cases.toml", include_str!("corpus/rein-cases.toml")),
    ] {
        let wrong: Vec<_> = run(file, text)
            .into_iter()
            .filter(|o| o.expect != Expect::Allow && o.answer == rein_policy::Answer::Allow)
            .map(|o| o.id)
            .collect();
        assert!(wrong.is_empty(), "{file}: allowed {wrong:?}");
    }
}
