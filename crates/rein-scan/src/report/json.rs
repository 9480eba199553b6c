//! The versioned JSON report (`"schema": 1`). Fields are only ever added within a schema version;
//! optional values are `null` rather than missing, except a credential's `fingerprint`, which is
//! there only for a literal value.

use serde_json::{Value, json};

use super::{Counts, ScanMeta, actions_json};
use crate::model::{Authority, Confidence, CredentialKind, Finding, FindingKind};

pub(super) fn render(findings: &[Finding], meta: &ScanMeta) -> Value {
    let counts = Counts::of(findings);
    json!({
        "schema": 1,
        "tool": { "name": "rein", "version": meta.tool_version },
        "roots": meta.roots,
        "home": meta.home,
        "summary": {
            "files_scanned": meta.files_scanned,
            "findings": findings.len(),
            "by_decision": {
                "allow": counts.allow,
                "approval": counts.approval,
                "block": counts.block,
            },
            "suppressed": meta.suppressed,
            "duration_ms": meta.duration_ms,
        },
        "findings": findings.iter().map(finding).collect::<Vec<_>>(),
    })
}

fn finding(f: &Finding) -> Value {
    json!({
        "rule": f.rule,
        "kind": kind_str(f.kind),
        "decision": f.decision.as_str(),
        "confidence": confidence_str(f.confidence),
        "path": f.path,
        "line": f.pos.line,
        "column": f.pos.column,
        "origin": f.origin.as_str(),
        "agent": f.agent,
        "subject": f.subject,
        "message": f.message,
        "reasons": f.reasons,
        "authority": authority(&f.authority),
        "actions": actions_json(&f.actions),
        "owners": f.owners,
    })
}

fn authority(a: &Authority) -> Value {
    let credentials: Vec<Value> = a
        .credentials
        .iter()
        .map(|c| {
            let mut v = json!({
                "name": c.name,
                "source": c.source,
                "kind": credential_kind_str(c.kind),
            });
            if let (Some(fp), Some(obj)) = (&c.fingerprint, v.as_object_mut()) {
                obj.insert("fingerprint".to_owned(), Value::from(fp.as_str()));
            }
            v
        })
        .collect();
    json!({
        "credentials": credentials,
        "permissions": a.permissions,
        "trigger": a.trigger,
        "trusted": a.trusted,
    })
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
