//! `rein policy check|test|lint|rules --json`.

use serde::Serialize;
use serde_json::Value;

use super::{Schema, documents};

/// `rein policy check --json`.
#[derive(Debug, Serialize)]
pub struct PolicyCheck {
    pub schema: Schema,
    /// `allow`, `ask` or `deny`.
    pub decision: &'static str,
    pub reason: String,
    pub tool: String,
    pub input: Value,
    /// The project's mode: `enforce` or `monitor`.
    pub mode: &'static str,
    /// One per request, the tool itself first.
    pub effects: Vec<PolicyEffect>,
    /// Every rule that matched, strictest first.
    pub rules: Vec<MatchedRule>,
    /// BLAKE3 of every policy file, in layer order.
    pub policy_hash: String,
}

#[derive(Debug, Serialize)]
pub struct PolicyEffect {
    /// `tool`, `exec`, `read`, `write`, `delete`, `network`, …
    pub action: String,
    pub summary: String,
    /// For shell effects: the simple command it came from.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub command: String,
    /// For shell effects: the wrappers crossed, outermost first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub via: Vec<String>,
    pub answer: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct MatchedRule {
    pub id: String,
    /// `builtin`, `machine`, `user` or `project`.
    pub layer: &'static str,
    pub file: String,
    pub line: usize,
    /// What this rule alone asks for: `deny` or `ask`.
    pub answer: &'static str,
    pub reason: String,
    /// The effect it matched, in one line.
    pub on: String,
}

/// `rein policy test FILE --json`.
#[derive(Debug, Serialize)]
pub struct PolicyTest {
    pub schema: Schema,
    pub file: String,
    pub cases: usize,
    pub passed: usize,
    pub failed: usize,
    /// The mismatches, or every case with `--verbose`.
    pub results: Vec<CaseResult>,
}

#[derive(Debug, Serialize)]
pub struct CaseResult {
    pub id: String,
    pub tool: String,
    pub input: Value,
    /// `allow`, `ask`, `deny` or `block`.
    pub expect: &'static str,
    pub answer: &'static str,
    pub ok: bool,
    pub reason: String,
    pub rules: Vec<String>,
}

/// `rein policy lint --json`. When the policies do not load, only `errors` says why: there are
/// no `files`, `rules` or `policy_hash`.
#[derive(Debug, Serialize)]
pub struct PolicyLint {
    pub schema: Schema,
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub files: Option<Vec<PolicyFile>>,
    /// How many rules.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rules: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy_hash: Option<String>,
    /// Messages, with file and line.
    pub errors: Vec<String>,
    pub warnings: Vec<LintWarning>,
}

#[derive(Debug, Serialize)]
pub struct PolicyFile {
    pub layer: &'static str,
    pub file: String,
}

#[derive(Debug, Serialize)]
pub struct LintWarning {
    pub rule: String,
    /// `file:line`.
    pub at: String,
    pub message: String,
}

/// `rein policy rules --json`.
#[derive(Debug, Serialize)]
pub struct PolicyRules {
    pub schema: Schema,
    pub policy_hash: String,
    pub rules: Vec<PolicyRule>,
}

#[derive(Debug, Serialize)]
pub struct PolicyRule {
    pub id: String,
    pub layer: &'static str,
    pub file: String,
    pub line: usize,
    /// `permit` or `forbid`.
    pub effect: &'static str,
    /// The `@ask` text.
    pub ask: Option<String>,
    pub reason: Option<String>,
}

documents!(PolicyCheck, PolicyTest, PolicyLint, PolicyRules);
