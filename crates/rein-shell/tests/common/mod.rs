//! Shared helpers for the integration tests.
#![allow(dead_code)]

use rein_shell::{Analysis, Context, EffectKind, Limits, UnresolvedKind, analyze};

pub fn ctx() -> Context {
    Context {
        cwd: "/home/dev/project".into(),
        home: "/home/dev".into(),
    }
}

pub fn run(cmd: &str) -> Analysis {
    // Generous deadline: debug builds are slow and tests run in parallel on few cores.
    let limits = Limits {
        deadline: std::time::Duration::from_secs(5),
        ..Limits::default()
    };
    analyze(cmd, &ctx(), &limits)
}

pub fn deletes(a: &Analysis) -> Vec<(String, bool)> {
    a.effects
        .iter()
        .filter_map(|e| match &e.kind {
            EffectKind::Delete { path, recursive } => {
                Some((path.display().to_string(), *recursive))
            }
            _ => None,
        })
        .collect()
}

pub fn has_delete(a: &Analysis, path: &str, recursive: bool) -> bool {
    deletes(a).iter().any(|(p, r)| p == path && *r == recursive)
}

pub fn reads(a: &Analysis) -> Vec<String> {
    a.effects
        .iter()
        .filter_map(|e| match &e.kind {
            EffectKind::Read { path } => Some(path.display().to_string()),
            _ => None,
        })
        .collect()
}

pub fn writes(a: &Analysis) -> Vec<String> {
    a.effects
        .iter()
        .filter_map(|e| match &e.kind {
            EffectKind::Write { path } => Some(path.display().to_string()),
            _ => None,
        })
        .collect()
}

pub fn vcs(a: &Analysis) -> Vec<String> {
    a.effects
        .iter()
        .filter_map(|e| match &e.kind {
            EffectKind::Vcs { op, .. } => Some(op.clone()),
            _ => None,
        })
        .collect()
}

pub fn execs(a: &Analysis) -> Vec<String> {
    a.effects
        .iter()
        .filter_map(|e| match &e.kind {
            EffectKind::Exec { program, .. } => Some(program.clone()),
            _ => None,
        })
        .collect()
}

pub fn hosts(a: &Analysis) -> Vec<(String, bool)> {
    a.effects
        .iter()
        .filter_map(|e| match &e.kind {
            EffectKind::Network { host, upload } => Some((host.clone(), *upload)),
            _ => None,
        })
        .collect()
}

pub fn remote_code(a: &Analysis) -> Vec<String> {
    a.effects
        .iter()
        .filter_map(|e| match &e.kind {
            EffectKind::RemoteCode { source } => Some(source.clone()),
            _ => None,
        })
        .collect()
}

pub fn has_unresolved(a: &Analysis, kind: UnresolvedKind) -> bool {
    a.unresolved.iter().any(|u| u.kind == kind)
}

/// Only Exec effects (and possibly harmless reads) and nothing unresolved.
pub fn only_exec(a: &Analysis) -> bool {
    a.unresolved.is_empty()
        && a.effects
            .iter()
            .all(|e| matches!(e.kind, EffectKind::Exec { .. }))
}
