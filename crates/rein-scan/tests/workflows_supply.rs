//! The workflow and supply-path fixtures, checked more closely than `fixtures.rs` does: each
//! annotated finding must also have the decision its annotation implies (`NOT OK:` approval or
//! block, `ENTRY:` allow), and some findings must carry the authority and actions that make
//! their decision. `REIN_DEBUG=1` prints every finding.

use std::path::{Path, PathBuf};

use rein_scan::catalogue::Catalogue;
use rein_scan::detectors;
use rein_scan::model::{Action, Decision, Finding};
use rein_scan::scan::{Limits, Outcome, RootOptions, Scanner};

const CASES: &[&str] = &[
    "gha.workflows",
    "copilot.setup-steps",
    "gh-aw.workflows",
    "bots.dependabot",
    "bots.renovate",
    "bots.workflow-automerge",
    "package.scripts",
    "hooks.husky",
    "hooks.pre-commit",
    "hooks.lefthook",
];

fn case_dir(case: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(case)
}

fn scan(dir: &Path) -> Outcome {
    let catalogue = Catalogue::builtin().expect("catalogue");
    let dets = detectors::all();
    let scanner = Scanner {
        catalogue: &catalogue,
        detectors: &dets,
        baseline: None,
        limits: Limits::default(),
    };
    let mut out = Outcome::default();
    // Fixtures live inside rein's own repository: its git index must not decide their origin.
    let options = RootOptions {
        git_ceiling: Some(PathBuf::from(&dir.join("repo"))),
        ..RootOptions::default()
    };
    scanner.scan_root_with(&dir.join("repo"), &options, &mut (), &mut out);
    out
}

fn line_of(dir: &Path, f: &Finding) -> String {
    std::fs::read_to_string(dir.join("repo").join(&f.path))
        .ok()
        .and_then(|t| t.lines().nth(f.pos.line as usize - 1).map(str::to_owned))
        .unwrap_or_default()
}

fn positive(case: &str) -> Vec<Finding> {
    let dir = case_dir(case).join("positive");
    let out = scan(&dir);
    if std::env::var_os("REIN_DEBUG").is_some() {
        for f in &out.findings {
            eprintln!(
                "{case}: {}:{}:{} {} {:?} [{}] {:?}\n    {}\n    reasons: {:?}\n    authority: {:?}",
                f.path,
                f.pos.line,
                f.pos.column,
                f.rule,
                f.decision,
                f.agent,
                f.actions,
                f.message,
                f.reasons,
                f.authority
            );
        }
    }
    out.findings
}

#[test]
fn annotated_decisions_hold() {
    let mut failures = Vec::new();
    for case in CASES {
        let dir = case_dir(case).join("positive");
        if !dir.is_dir() {
            continue;
        }
        for f in positive(case) {
            let line = line_of(&dir, &f);
            let want_allow = line.contains("ENTRY:")
                && line
                    .split("ENTRY:")
                    .nth(1)
                    .is_some_and(|r| r.contains(f.rule));
            let want_flag = line.contains("NOT OK:")
                && line
                    .split("NOT OK:")
                    .nth(1)
                    .is_some_and(|r| r.contains(f.rule));
            let ok = (want_allow && f.decision == Decision::Allow)
                || (want_flag && f.decision != Decision::Allow);
            if !ok {
                failures.push(format!(
                    "{case}: {}:{} {} is {:?}: {line}",
                    f.path, f.pos.line, f.rule, f.decision
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn find<'a>(fs: &'a [Finding], path: &str, rule: &str, line: u32) -> &'a Finding {
    fs.iter()
        .find(|f| f.path.ends_with(path) && f.rule == rule && f.pos.line == line)
        .unwrap_or_else(|| panic!("no {rule} at {path}:{line}"))
}

#[test]
fn workflow_agents_carry_their_authority() {
    let fs = positive("gha.workflows");
    // Untrusted trigger, no author check, write token and an API key: block.
    let triage = find(&fs, "gemini-triage.yml", "gha.agent-job", 12);
    assert_eq!(triage.decision, Decision::Block);
    assert_eq!(triage.agent, "gemini-cli");
    assert_eq!(triage.authority.trusted, Some(false));
    assert!(
        triage
            .authority
            .credentials
            .iter()
            .any(|c| c.source.contains("secrets.GEMINI_API_KEY"))
    );
    assert!(triage.actions.contains(&Action::RunShell));
    // claude-code-action checks the actor: approval, with the App token via OIDC.
    let claude = find(&fs, "claude.yml", "gha.agent-job", 20);
    assert_eq!(claude.decision, Decision::Approval);
    assert!(claude.actions.contains(&Action::WriteCode));
    assert!(
        claude
            .authority
            .permissions
            .iter()
            .any(|p| p == "contents: write")
    );
    let trigger = find(&fs, "claude.yml", "gha.untrusted-trigger", 5);
    assert_eq!(trigger.decision, Decision::Approval);
    // The publishing step after Codex.
    let fix = find(&fs, "codex-fix.yml", "gha.agent-job", 14);
    assert!(fix.actions.contains(&Action::Publish) && fix.actions.contains(&Action::WriteCode));
    assert_eq!(
        find(&fs, "codex-fix.yml", "gha.agent-publish", 18).decision,
        Decision::Approval
    );
    // pull_request_target, PR title in the command line.
    assert_eq!(
        find(&fs, "pr-review.yml", "gha.untrusted-input-in-prompt", 10).decision,
        Decision::Block
    );
    assert_eq!(
        find(&fs, "pr-review.yml", "gha.untrusted-trigger", 4).decision,
        Decision::Block
    );
    // The owner's own comment: approval.
    assert_eq!(
        find(&fs, "gated.yml", "gha.untrusted-input-in-prompt", 16).decision,
        Decision::Approval
    );
    // Codex without its safeguards.
    assert_eq!(
        find(&fs, "codex-action.yml", "gha.agent-job", 11).decision,
        Decision::Block
    );
    // Read-only, scheduled, OIDC only.
    let literal = find(&fs, "literal.yml", "gha.literal-secret", 11);
    assert_eq!(literal.decision, Decision::Block);
    for f in &fs {
        assert!(
            !format!("{f:?}").contains("sk-ant-api03"),
            "a secret reached a finding: {f:?}"
        );
    }
    let report = find(&fs, "bedrock-report.yml", "gha.agent-job", 17);
    assert_eq!(report.decision, Decision::Allow);
    assert!(!report.actions.contains(&Action::WriteCode));
}

#[test]
fn agentic_workflows_and_supply_paths_carry_their_authority() {
    let fs = positive("gh-aw.workflows");
    let fixer = find(&fs, "fixer.md", "gh-aw.workflow", 2);
    assert_eq!(fixer.decision, Decision::Block);
    assert_eq!(fixer.agent, "claude-code");
    for a in [Action::WriteCode, Action::RunShell, Action::Network] {
        assert!(fixer.actions.contains(&a), "{a:?}");
    }
    assert_eq!(
        find(&fs, "issue-triage.md", "gh-aw.workflow", 2).decision,
        Decision::Approval
    );
    assert_eq!(
        find(&fs, "weekly-report.md", "gh-aw.workflow", 2)
            .authority
            .trusted,
        Some(true)
    );

    let fs = positive("bots.dependabot");
    let npm = find(&fs, "dependabot.yml", "bots.dependabot", 13);
    assert!(
        npm.authority
            .credentials
            .iter()
            .any(|c| c.source == "${{secrets.NPM_GITHUB_TOKEN}}")
    );
    assert_eq!(
        find(&fs, "dependabot.yml", "bots.dependabot", 19).decision,
        Decision::Block
    );

    let fs = positive("bots.workflow-automerge");
    assert_eq!(
        find(&fs, "agent-merge.yml", "bots.auto-merge", 15).decision,
        Decision::Block
    );
    assert_eq!(
        find(&fs, "dependabot-automerge.yml", "bots.auto-merge", 12).decision,
        Decision::Approval
    );
    assert_eq!(
        find(&fs, "merge-on-comment.yml", "bots.auto-merge", 10).decision,
        Decision::Block
    );

    let fs = positive("bots.renovate");
    assert_eq!(
        find(&fs, "renovate.json", "bots.renovate-automerge", 3).decision,
        Decision::Approval
    );
    assert_eq!(
        find(&fs, "renovate.json", "bots.renovate-automerge", 7).decision,
        Decision::Block
    );
}
