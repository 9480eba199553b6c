//! SARIF 2.1.0, as GitHub code scanning accepts it: one run, one rule per rule id used, one
//! result per finding, located relative to `%SRCROOT%` (home-directory findings keep their `~/`
//! path and no base), with a fingerprint that survives edits that move a finding.

use serde_json::{Value, json};

use super::json::confidence_str;
use super::{ScanMeta, actions_json, is_home_path, rule_help, rule_summary, stable_hash};
use crate::model::{Decision, Finding};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const INFORMATION_URI: &str = "https://example.invalid/rein";
const SRCROOT: &str = "%SRCROOT%";
/// The name of rein's partial fingerprint; bump the version if what it hashes ever changes.
pub(super) const FINGERPRINT: &str = "reinFindingHash/v1";

pub(super) fn render(findings: &[Finding], meta: &ScanMeta) -> Value {
    // Rule ids in order of first use, each with the strictest decision it was given.
    let mut rules: Vec<(&'static str, Decision)> = Vec::new();
    for f in findings {
        match rules.iter_mut().find(|(id, _)| *id == f.rule) {
            Some((_, d)) => *d = (*d).max(f.decision),
            None => rules.push((f.rule, f.decision)),
        }
    }
    let results: Vec<Value> = findings
        .iter()
        .map(|f| {
            let index = rules.iter().position(|(id, _)| *id == f.rule).unwrap_or(0);
            result(f, index)
        })
        .collect();
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "rein",
                    "informationUri": INFORMATION_URI,
                    "version": meta.tool_version,
                    "rules": rules.iter().map(|(id, d)| rule(id, *d)).collect::<Vec<_>>(),
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
            "properties": {
                "roots": meta.roots,
                "home": meta.home,
                "filesScanned": meta.files_scanned,
                "suppressed": meta.suppressed,
                "durationMs": meta.duration_ms,
            },
        }],
    })
}

fn rule(id: &str, strictest: Decision) -> Value {
    // A documented rule is described by its summary and its help (which says how to accept a
    // finding); any other by its bare id and how to accept a finding.
    let (short, full, help) = match (rule_summary(id), rule_help(id)) {
        (Some(summary), help) if !help.is_empty() => (
            summary.to_owned(),
            help.to_owned(),
            format!("{summary}\n\n{help}"),
        ),
        _ => {
            let short = format!("rein rule {id}");
            let help = format!(
                "{short}\n\nTo accept one finding, put `rein: ignore[{id}]` on its line or the line \
                 above, or record it in a baseline."
            );
            (short.clone(), short, help)
        }
    };
    let mut properties = json!({ "tags": ["security", "ai-agents"] });
    // GitHub ranks security alerts by this (7.0–8.9 is "high", 4.0–6.9 "medium"); entries that
    // are only inventory get none, so they do not show up as vulnerabilities.
    let severity = match strictest {
        Decision::Block => Some("8.0"),
        Decision::Approval => Some("5.0"),
        Decision::Allow => None,
    };
    if let (Some(s), Some(obj)) = (severity, properties.as_object_mut()) {
        obj.insert("security-severity".to_owned(), Value::from(s));
    }
    json!({
        "id": id,
        "shortDescription": { "text": short },
        "fullDescription": { "text": full },
        "help": { "text": help },
        "defaultConfiguration": { "level": level(strictest) },
        "properties": properties,
    })
}

fn result(f: &Finding, rule_index: usize) -> Value {
    let mut artifact = json!({ "uri": uri_reference(&f.path) });
    if !is_home_path(&f.path)
        && let Some(obj) = artifact.as_object_mut()
    {
        obj.insert("uriBaseId".to_owned(), Value::from(SRCROOT));
    }
    json!({
        "ruleId": f.rule,
        "ruleIndex": rule_index,
        "level": level(f.decision),
        "message": { "text": message(f) },
        "locations": [{
            "physicalLocation": {
                "artifactLocation": artifact,
                "region": {
                    "startLine": f.pos.line.max(1),
                    "startColumn": f.pos.column.max(1),
                },
            },
        }],
        "partialFingerprints": {
            FINGERPRINT: stable_hash(&[f.rule, &f.path, &f.subject]),
        },
        "properties": {
            "decision": f.decision.as_str(),
            "origin": f.origin.as_str(),
            "agent": f.agent,
            "subject": f.subject,
            "confidence": confidence_str(f.confidence),
            "actions": actions_json(&f.actions),
            "reasons": f.reasons,
        },
    })
}

fn level(d: Decision) -> &'static str {
    match d {
        Decision::Block => "error",
        Decision::Approval => "warning",
        Decision::Allow => "note",
    }
}

/// The finding's sentence, with the agent and subject it is about when it does not say so.
fn message(f: &Finding) -> String {
    let mut text = f.message.trim().to_owned();
    if text.is_empty() {
        text = format!("{} finding", f.rule);
    }
    if !f.subject.is_empty() && !text.contains(&f.subject) {
        text = format!("{text} ({}: {})", f.agent, f.subject);
    }
    text
}

/// `path` as a relative URI reference: every byte but unreserved characters and `/` is
/// percent-encoded, so spaces, `%`, `#`, `?` and a `:` that would read as a scheme survive.
pub(super) fn uri_reference(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        let c = char::from(b);
        if c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~' | '/') {
            out.push(c);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(
            uri_reference(".github/workflows/ci.yml"),
            ".github/workflows/ci.yml"
        );
        assert_eq!(uri_reference("~/.cursor/mcp.json"), "~/.cursor/mcp.json");
        assert_eq!(uri_reference("a b/c#d?.json"), "a%20b/c%23d%3F.json");
        assert_eq!(uri_reference("c:x"), "c%3Ax");
        assert_eq!(uri_reference("é"), "%C3%A9");
    }
}
