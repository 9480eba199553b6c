//! The agent-settings detectors' fixtures, checked beyond rule and line: a `NOT OK:` finding
//! must be approval or block and an `ENTRY:` finding allow; every finding names its subject,
//! says why, and never carries a planted secret.

use std::path::{Path, PathBuf};

use rein_scan::catalogue::Catalogue;
use rein_scan::detectors;
use rein_scan::model::Decision;
use rein_scan::scan::{Limits, Outcome, RootOptions, Scanner};

const DETECTORS: &[&str] = &[
    "claude-settings",
    "codex-settings",
    "gemini-settings",
    "cursor-settings",
    "vscode-settings",
    "aider",
    "opencode-settings",
];

/// Rule prefixes of this family.
const RULES: &[&str] = &[
    "claude.",
    "codex.",
    "gemini.",
    "cursor.",
    "vscode.",
    "aider.",
    "opencode.",
];

fn scan(case: &Path) -> Outcome {
    let catalogue = Catalogue::builtin().expect("catalogue");
    let dets = detectors::all();
    let scanner = Scanner {
        catalogue: &catalogue,
        detectors: &dets,
        baseline: None,
        limits: Limits::default(),
    };
    let mut out = Outcome::default();
    if case.join("repo").is_dir() {
        // Fixtures live inside rein's own repository: its git index must not decide their origin.
        let options = RootOptions {
            git_ceiling: Some(PathBuf::from(&case.join("repo"))),
            ..RootOptions::default()
        };
        scanner.scan_root_with(&case.join("repo"), &options, &mut (), &mut out);
    }
    if case.join("home").is_dir() || case.join("system").is_dir() {
        scanner.scan_home(&case.join("home"), &case.join("system"), &mut (), &mut out);
    }
    out
}

/// The marker on a finding's line: `Some(true)` for `NOT OK:` naming the rule, `Some(false)`
/// for `ENTRY:`.
fn marker(case: &Path, shown: &str, line: u32, rule: &str) -> Option<bool> {
    let (sub, rel) = if let Some(r) = shown.strip_prefix("~/") {
        ("home", r)
    } else if let Some(r) = shown.strip_prefix('/') {
        ("system", r)
    } else {
        ("repo", shown)
    };
    let file: PathBuf = case.join(sub).join(rel);
    let text = std::fs::read_to_string(file).ok()?;
    let l = text.lines().nth(line as usize - 1)?;
    let names = |m: &str| {
        l.find(m)
            .is_some_and(|at| l[at + m.len()..].split(',').any(|r| r.trim() == rule))
    };
    if names("NOT OK:") {
        Some(true)
    } else if names("ENTRY:") {
        Some(false)
    } else {
        None
    }
}

#[test]
fn settings_fixtures_have_the_annotated_decisions() {
    let catalogue = Catalogue::builtin().expect("catalogue");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut failures = Vec::new();
    let mut checked = 0;
    for entry in catalogue
        .entries
        .iter()
        .filter(|e| DETECTORS.contains(&e.detector.as_str()))
    {
        let case = dir.join(&entry.id).join("positive");
        let out = scan(&case);
        for f in out
            .findings
            .iter()
            .filter(|f| RULES.iter().any(|p| f.rule.starts_with(p)))
        {
            checked += 1;
            let want = marker(&case, &f.path, f.pos.line, f.rule);
            let ok = match want {
                Some(true) => f.decision != Decision::Allow,
                Some(false) => f.decision == Decision::Allow,
                None => true, // the fixtures test reports unannotated findings
            };
            if !ok {
                failures.push(format!(
                    "{}: {}:{} {} is {:?}",
                    entry.id, f.path, f.pos.line, f.rule, f.decision
                ));
            }
            if f.subject.is_empty() || f.message.is_empty() || f.reasons.is_empty() {
                failures.push(format!(
                    "{}: {} at {}:{} lacks a subject, message or reason",
                    entry.id, f.rule, f.path, f.pos.line
                ));
            }
            let text = format!("{f:?}");
            for planted in [
                "ghp_FIXTURE",
                "sk-FIXTURE",
                "sk-ant-FIXTURE",
                "sk-proj-FIXTURE",
                "sk-ant-api03-FIXTURE",
            ] {
                if text.contains(planted) {
                    failures.push(format!(
                        "{}: a secret reached {} at {}:{}",
                        entry.id, f.rule, f.path, f.pos.line
                    ));
                }
            }
        }
    }
    assert!(checked > 50, "only {checked} findings checked");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn literal_secrets_block_with_a_fingerprint() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    for id in [
        "claude-code.settings.project",
        "codex.settings.project",
        "aider.config.project",
        "opencode.settings.project",
    ] {
        let out = scan(&dir.join(id).join("positive"));
        let secrets: Vec<_> = out
            .findings
            .iter()
            .filter(|f| f.rule.ends_with(".literal-secret"))
            .collect();
        assert!(!secrets.is_empty(), "{id}: no literal secret found");
        for f in secrets {
            assert_eq!(f.decision, Decision::Block, "{id}: {}", f.message);
            assert!(
                f.authority.credentials.iter().all(|c| c
                    .fingerprint
                    .as_deref()
                    .is_some_and(|p| p.starts_with("blake3:"))),
                "{id}: {:?}",
                f.authority.credentials
            );
        }
    }
}
