//! Output formats built from findings: versioned JSON, SARIF 2.1.0, CycloneDX 1.6, Markdown.
//!
//! Every function here is pure: it takes the findings (in the order the scan reports them) and
//! what the caller knows about the scan, and returns a document; printing is the CLI's job. The
//! documents are built field by field, never derived from the internal types, so that the
//! internal types can change without changing what rein prints.
//!
//! None of them ever holds a secret value: findings carry only where a credential comes from, or
//! a fingerprint of a literal one.

mod cyclonedx;
mod json;
mod markdown;
mod rules;
mod sarif;

use crate::model::{Action, Decision, Finding};

/// What the caller knows about the scan, beyond its findings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScanMeta {
    /// rein's version.
    pub tool_version: String,
    /// The roots scanned, as the user named them.
    pub roots: Vec<String>,
    /// Whether the home directory's agent locations were scanned too (paths under `~/`).
    pub home: bool,
    pub files_scanned: usize,
    pub duration_ms: u64,
    /// Findings left out by inline `rein: ignore[…]` comments or a baseline.
    pub suppressed: usize,
}

pub use json::JsonReport;

/// The versioned JSON report (`"schema"`: [`rein_schema::JSON_SCHEMA`]).
pub fn json<'a>(findings: &'a [Finding], meta: &'a ScanMeta) -> JsonReport<'a> {
    json::render(findings, meta)
}

/// A SARIF 2.1.0 log with one run, as GitHub code scanning accepts it.
pub fn sarif(findings: &[Finding], meta: &ScanMeta) -> serde_json::Value {
    sarif::render(findings, meta)
}

/// A CycloneDX 1.6 JSON BOM of the agent entry points found (an "Agent Action BOM").
///
/// `serial` is the BOM's `urn:uuid:…` serial number and `timestamp` its RFC 3339 creation time:
/// both come from the caller, so that the output is a function of its inputs.
pub fn cyclonedx(
    findings: &[Finding],
    meta: &ScanMeta,
    serial: &str,
    timestamp: &str,
) -> serde_json::Value {
    cyclonedx::render(findings, meta, serial, timestamp)
}

/// A report for people, in GitHub-flavoured Markdown.
pub fn markdown(findings: &[Finding], meta: &ScanMeta) -> String {
    markdown::render(findings, meta)
}

/// What a rule id means and how to act on it (its `help` in `catalogue/rules.toml`: why it
/// matters, how to fix it, how to accept a finding), on one line; `""` for a rule without
/// documentation.
pub fn rule_help(rule: &str) -> &'static str {
    rules::get(rule).map_or("", |r| r.help.as_str())
}

/// One line, at most 90 characters, on what a rule id detects (its `summary` in
/// `catalogue/rules.toml`); `None` for a rule without documentation.
pub fn rule_summary(rule: &str) -> Option<&'static str> {
    rules::get(rule).map(|r| r.summary.as_str())
}

/// Decisions from the strictest down: the order reports list them in.
const DECISIONS_STRICTEST_FIRST: [Decision; 3] =
    [Decision::Block, Decision::Approval, Decision::Allow];

/// How many findings have each decision.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Counts {
    allow: usize,
    approval: usize,
    block: usize,
}

impl Counts {
    fn of(findings: &[Finding]) -> Counts {
        let mut c = Counts::default();
        for f in findings {
            match f.decision {
                Decision::Allow => c.allow += 1,
                Decision::Approval => c.approval += 1,
                Decision::Block => c.block += 1,
            }
        }
        c
    }

    fn get(self, d: Decision) -> usize {
        match d {
            Decision::Allow => self.allow,
            Decision::Approval => self.approval,
            Decision::Block => self.block,
        }
    }
}

fn action_str(a: Action) -> &'static str {
    match a {
        Action::ReadCode => "read_code",
        Action::WriteCode => "write_code",
        Action::ModifyWorkflows => "modify_workflows",
        Action::RunShell => "run_shell",
        Action::Publish => "publish",
        Action::Deploy => "deploy",
        Action::Network => "network",
        Action::Secrets => "secrets",
    }
}

fn actions_json(actions: &[Action]) -> serde_json::Value {
    actions.iter().map(|a| action_str(*a)).collect()
}

/// A stable hex digest of `parts`, the same on every platform and in every release.
///
/// It uses a cryptographic hash (BLAKE3, truncated to 128 bits) because these digests identify
/// findings across runs (SARIF fingerprints, BOM references): with a weak hash, a crafted
/// configuration could be made to collide with a finding someone already dismissed. Each part is
/// length-prefixed, so `("ab", "c")` and `("a", "bc")` differ.
fn stable_hash(parts: &[&str]) -> String {
    let mut h = blake3::Hasher::new();
    for p in parts {
        h.update(&(p.len() as u64).to_le_bytes());
        h.update(p.as_bytes());
    }
    let hex = h.finalize().to_hex();
    hex.as_str().chars().take(32).collect()
}

/// Whether a finding's path is in the home directory (`~/…`) rather than under a scanned root.
fn is_home_path(path: &str) -> bool {
    path == "~" || path.starts_with("~/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_hash_is_stable_and_unambiguous() {
        let a = stable_hash(&["mcp.literal-secret", ".mcp.json", "github"]);
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(
            a,
            stable_hash(&["mcp.literal-secret", ".mcp.json", "github"])
        );
        assert_ne!(stable_hash(&["ab", "c"]), stable_hash(&["a", "bc"]));
        // Pinned: a change here would re-open every alert already triaged in code scanning.
        assert_eq!(stable_hash(&[]), "af1349b9f5f9a1a6a0404dea36dcc949");
    }

    #[test]
    fn documented_rules_have_one_line_of_help_and_a_summary() {
        for rule in [
            "scan.unparsed",
            "mcp.unpinned-package",
            "mcp.literal-secret",
            "gha.untrusted-trigger",
            "gh-aw.lock-mismatch",
        ] {
            let help = rule_help(rule);
            assert!(!help.is_empty() && !help.contains('\n'), "{rule}");
            let summary = rule_summary(rule).expect("a summary");
            assert!(
                !summary.is_empty() && summary.chars().count() <= 90,
                "{rule}"
            );
        }
        assert_eq!(rule_help("no.such-rule"), "");
        assert_eq!(rule_summary("no.such-rule"), None);
    }

    #[test]
    fn home_paths() {
        assert!(is_home_path("~/.cursor/mcp.json"));
        assert!(!is_home_path("~backup/x"));
        assert!(!is_home_path(".mcp.json"));
    }
}
