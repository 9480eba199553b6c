//! The versioned JSON report (`"schema"`: [`rein_schema::JSON_SCHEMA`]), as its own types, built
//! field by field from the findings. Fields are only ever added within a schema version;
//! optional values are `null` rather than missing, except a credential's `fingerprint`, which is
//! there only for a literal value.

use rein_schema::Schema;
use serde::Serialize;

use super::{Counts, ScanMeta, action_str};
use crate::model::{Authority, Confidence, CredentialKind, Finding, FindingKind};

/// The report: what `rein scan --format json` prints.
#[derive(Debug, Clone, Serialize)]
pub struct JsonReport<'a> {
    schema: Schema,
    tool: Tool<'a>,
    roots: &'a [String],
    home: bool,
    summary: Summary,
    findings: Vec<JsonFinding<'a>>,
}

#[derive(Debug, Clone, Serialize)]
struct Tool<'a> {
    name: &'static str,
    version: &'a str,
}

#[derive(Debug, Clone, Serialize)]
struct Summary {
    files_scanned: usize,
    findings: usize,
    by_decision: ByDecision,
    suppressed: usize,
    duration_ms: u64,
}

#[derive(Debug, Clone, Serialize)]
struct ByDecision {
    allow: usize,
    approval: usize,
    block: usize,
}

#[derive(Debug, Clone, Serialize)]
struct JsonFinding<'a> {
    rule: &'a str,
    kind: &'static str,
    decision: &'static str,
    confidence: &'static str,
    path: &'a str,
    line: u32,
    column: u32,
    origin: &'static str,
    agent: &'a str,
    subject: &'a str,
    message: &'a str,
    reasons: &'a [String],
    authority: JsonAuthority<'a>,
    actions: Vec<&'static str>,
    owners: &'a [String],
}

#[derive(Debug, Clone, Serialize)]
struct JsonAuthority<'a> {
    credentials: Vec<JsonCredential<'a>>,
    permissions: &'a [String],
    trigger: Option<&'a str>,
    trusted: Option<bool>,
}

#[derive(Debug, Clone, Serialize)]
struct JsonCredential<'a> {
    name: &'a str,
    source: &'a str,
    kind: &'static str,
    /// Only for a literal value.
    #[serde(skip_serializing_if = "Option::is_none")]
    fingerprint: Option<&'a str>,
}

pub(super) fn render<'a>(findings: &'a [Finding], meta: &'a ScanMeta) -> JsonReport<'a> {
    let counts = Counts::of(findings);
    JsonReport {
        schema: Schema,
        tool: Tool {
            name: "rein",
            version: &meta.tool_version,
        },
        roots: &meta.roots,
        home: meta.home,
        summary: Summary {
            files_scanned: meta.files_scanned,
            findings: findings.len(),
            by_decision: ByDecision {
                allow: counts.allow,
                approval: counts.approval,
                block: counts.block,
            },
            suppressed: meta.suppressed,
            duration_ms: meta.duration_ms,
        },
        findings: findings.iter().map(finding).collect(),
    }
}

fn finding(f: &Finding) -> JsonFinding<'_> {
    JsonFinding {
        rule: f.rule,
        kind: kind_str(f.kind),
        decision: f.decision.as_str(),
        confidence: confidence_str(f.confidence),
        path: &f.path,
        line: f.pos.line,
        column: f.pos.column,
        origin: f.origin.as_str(),
        agent: &f.agent,
        subject: &f.subject,
        message: &f.message,
        reasons: &f.reasons,
        authority: authority(&f.authority),
        actions: f.actions.iter().map(|a| action_str(*a)).collect(),
        owners: &f.owners,
    }
}

fn authority(a: &Authority) -> JsonAuthority<'_> {
    JsonAuthority {
        credentials: a
            .credentials
            .iter()
            .map(|c| JsonCredential {
                name: &c.name,
                source: &c.source,
                kind: credential_kind_str(c.kind),
                fingerprint: c.fingerprint.as_deref(),
            })
            .collect(),
        permissions: &a.permissions,
        trigger: a.trigger.as_deref(),
        trusted: a.trusted,
    }
}

pub(super) fn kind_str(k: FindingKind) -> &'static str {
    match k {
        FindingKind::Entry => "entry",
        FindingKind::Unparsed => "unparsed",
    }
}

pub(super) fn confidence_str(c: Confidence) -> &'static str {
    match c {
        Confidence::Low => "low",
        Confidence::Medium => "medium",
        Confidence::High => "high",
    }
}

pub(super) fn credential_kind_str(k: CredentialKind) -> &'static str {
    match k {
        CredentialKind::Standing => "standing",
        CredentialKind::Scoped => "scoped",
        CredentialKind::Unknown => "unknown",
    }
}
