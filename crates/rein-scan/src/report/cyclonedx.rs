//! CycloneDX 1.6 JSON: an "Agent Action BOM". One component per agent entry point (agent,
//! subject, file), findings on the same entry point merged into it; what rein knows about its
//! authority goes in `rein:` properties. Credentials appear by name and source only.

use serde_json::{Value, json};

use super::json::{confidence_str, credential_kind_str, kind_str};
use super::{ScanMeta, action_str, stable_hash};
use crate::model::{Action, Finding, FindingKind};

const SCHEMA: &str = "http://cyclonedx.org/schema/bom-1.6.schema.json";
const ROOT_REF: &str = "scan";

pub(super) fn render(
    findings: &[Finding],
    meta: &ScanMeta,
    serial: &str,
    timestamp: &str,
) -> Value {
    let mut metadata_properties = Vec::new();
    for root in &meta.roots {
        metadata_properties.push(property("rein:root", root));
    }
    metadata_properties.push(property("rein:home", &meta.home.to_string()));
    metadata_properties.push(property(
        "rein:files_scanned",
        &meta.files_scanned.to_string(),
    ));
    metadata_properties.push(property("rein:findings", &findings.len().to_string()));
    metadata_properties.push(property("rein:suppressed", &meta.suppressed.to_string()));

    json!({
        "$schema": SCHEMA,
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": serial,
        "version": 1,
        "metadata": {
            "timestamp": timestamp,
            "tools": {
                "components": [{
                    "type": "application",
                    "name": "rein",
                    "version": meta.tool_version,
                }],
            },
            "component": {
                "type": "application",
                "bom-ref": ROOT_REF,
                "name": root_name(meta),
            },
            "properties": metadata_properties,
        },
        "components": entry_points(findings).iter().map(|e| component(e)).collect::<Vec<_>>(),
    })
}

/// The findings about one entry point, in the order given.
struct EntryPoint<'a> {
    agent: &'a str,
    subject: &'a str,
    path: &'a str,
    findings: Vec<&'a Finding>,
}

fn entry_points(findings: &[Finding]) -> Vec<EntryPoint<'_>> {
    let mut out: Vec<EntryPoint<'_>> = Vec::new();
    for f in findings {
        let same = |e: &&mut EntryPoint<'_>| {
            e.agent == f.agent && e.subject == f.subject && e.path == f.path
        };
        match out.iter_mut().find(same) {
            Some(e) => e.findings.push(f),
            None => out.push(EntryPoint {
                agent: &f.agent,
                subject: &f.subject,
                path: &f.path,
                findings: vec![f],
            }),
        }
    }
    out
}

fn component(e: &EntryPoint<'_>) -> Value {
    // Never empty: entry_points makes each with its first finding.
    let Some(first) = e.findings.first() else {
        return Value::Null;
    };
    let strictest = e
        .findings
        .iter()
        .map(|f| f.decision)
        .max()
        .unwrap_or(first.decision);
    let primary = e
        .findings
        .iter()
        .find(|f| f.decision == strictest)
        .unwrap_or(first);
    let unparsed = e.findings.iter().all(|f| f.kind == FindingKind::Unparsed);

    let mut props = vec![property("rein:decision", strictest.as_str())];
    for rule in distinct(e.findings.iter().map(|f| f.rule)) {
        props.push(property("rein:rule", rule));
    }
    props.push(property("rein:kind", kind_str(primary.kind)));
    props.push(property(
        "rein:confidence",
        confidence_str(primary.confidence),
    ));
    props.push(property("rein:path", e.path));
    props.push(property("rein:origin", primary.origin.as_str()));
    props.push(property("rein:line", &first.pos.line.to_string()));
    props.push(property("rein:column", &first.pos.column.to_string()));
    let mut actions: Vec<Action> = e
        .findings
        .iter()
        .flat_map(|f| f.actions.iter().copied())
        .collect();
    actions.sort();
    actions.dedup();
    if !actions.is_empty() {
        let list: Vec<&str> = actions.into_iter().map(action_str).collect();
        props.push(property("rein:actions", &list.join(",")));
    }
    if let Some(t) = e
        .findings
        .iter()
        .find_map(|f| f.authority.trigger.as_deref())
    {
        props.push(property("rein:trigger", t));
    }
    if let Some(t) = e.findings.iter().find_map(|f| f.authority.trusted) {
        props.push(property("rein:trusted", &t.to_string()));
    }
    for p in distinct(
        e.findings
            .iter()
            .flat_map(|f| f.authority.permissions.iter().map(String::as_str)),
    ) {
        props.push(property("rein:permission", p));
    }
    let credentials = distinct(e.findings.iter().flat_map(|f| {
        f.authority.credentials.iter().map(|c| {
            // Name, source and kind only: a literal's fingerprint stays in the JSON report.
            format!(
                "{} from {} ({})",
                c.name,
                c.source,
                credential_kind_str(c.kind)
            )
        })
    }));
    for c in &credentials {
        props.push(property("rein:credential", c));
    }
    for o in distinct(
        e.findings
            .iter()
            .flat_map(|f| f.owners.iter().map(String::as_str)),
    ) {
        props.push(property("rein:owner", o));
    }

    let occurrences: Vec<Value> = e
        .findings
        .iter()
        .map(|f| {
            json!({
                "location": f.path,
                "line": f.pos.line,
                "additionalContext": format!("{} ({}): {}", f.rule, f.decision.as_str(), f.message),
            })
        })
        .collect();

    let name = if e.subject.is_empty() {
        e.path
    } else {
        e.subject
    };
    let mut c = json!({
        "type": if unparsed { "file" } else { "application" },
        "bom-ref": format!("entry-{}", stable_hash(&[e.agent, e.subject, e.path])),
        "name": name,
        "description": primary.message,
        "evidence": { "occurrences": occurrences },
        "properties": props,
    });
    if !e.agent.is_empty()
        && let Some(obj) = c.as_object_mut()
    {
        obj.insert("group".to_owned(), Value::from(e.agent));
    }
    c
}

fn property(name: &str, value: &str) -> Value {
    json!({ "name": name, "value": value })
}

/// Values in order of first appearance, each once.
fn distinct<T: PartialEq>(items: impl Iterator<Item = T>) -> Vec<T> {
    let mut out: Vec<T> = Vec::new();
    for i in items {
        if !out.contains(&i) {
            out.push(i);
        }
    }
    out
}

/// What the BOM describes: the first root's last path segment, or `scan`.
fn root_name(meta: &ScanMeta) -> String {
    let base = meta
        .roots
        .first()
        .map(|r| r.trim_end_matches(['/', '\\']))
        .and_then(|r| r.rsplit(['/', '\\']).next())
        .unwrap_or("");
    match base {
        "" | "." | ".." | "~" => "scan".to_owned(),
        b => b.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(roots: &[&str]) -> ScanMeta {
        ScanMeta {
            roots: roots.iter().map(|r| (*r).to_owned()).collect(),
            ..ScanMeta::default()
        }
    }

    #[test]
    fn root_names() {
        assert_eq!(root_name(&meta(&["/work/proj/"])), "proj");
        assert_eq!(root_name(&meta(&["proj", "other"])), "proj");
        assert_eq!(root_name(&meta(&["."])), "scan");
        assert_eq!(root_name(&meta(&["/"])), "scan");
        assert_eq!(root_name(&meta(&[])), "scan");
    }
}
