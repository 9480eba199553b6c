//! opencode's permissions (`permission` in `opencode.json`/`opencode.jsonc` and
//! `~/.config/opencode/opencode.json`, also per agent and per mode; `mcp` is the `mcp`
//! detector's): what runs without asking (`allow`), by tool and, for `bash`, by command pattern;
//! and literal provider keys.

use crate::detectors::claude_settings::{ShellGrant, by_origin, classify_shell, secret_finding};
use crate::detectors::common;
use crate::detectors::{Detector, Source};
use crate::doc::{Node, Pos, Value};
use crate::model::{Action, Decision, Finding};

pub struct OpencodeSettings;

impl Detector for OpencodeSettings {
    fn id(&self) -> &'static str {
        "opencode-settings"
    }

    fn check(&self, src: &Source<'_>, out: &mut Vec<Finding>) {
        let Some(root) = &src.doc.root else { return };
        let mut inv: Vec<String> = Vec::new();
        let mut inv_pos: Option<Pos> = None;
        if let Some(e) = root.entry("permission") {
            check_permission(
                src,
                "permission",
                e.key_pos,
                &e.value,
                &mut inv,
                &mut inv_pos,
                out,
            );
        }
        for section in ["agent", "mode"] {
            for agent in root.get(section).map(Node::entries).unwrap_or_default() {
                if let Some(e) = agent.value.entry("permission") {
                    let subject = format!("{section}.{}.permission", agent.key);
                    check_permission(
                        src,
                        &subject,
                        e.key_pos,
                        &e.value,
                        &mut inv,
                        &mut inv_pos,
                        out,
                    );
                }
            }
        }
        if let Some(pos) = inv_pos {
            let n = inv.len();
            let mut f = common::finding(
                src,
                "opencode.permissions",
                Decision::Allow,
                pos,
                "permission",
                format!(
                    "opencode settings pre-approve {n} scoped rule{}",
                    if n == 1 { "" } else { "s" }
                ),
            );
            f.reasons.push(src.entry.about.clone());
            f.authority.permissions = inv;
            out.push(f);
        }
        for provider in root.get("provider").map(Node::entries).unwrap_or_default() {
            let opts = provider.value.get("options");
            let keyed = opts.and_then(|o| o.entry("apiKey")).into_iter();
            let headers = opts
                .and_then(|o| o.get("headers"))
                .map(Node::entries)
                .unwrap_or_default();
            for e in keyed.chain(headers.iter()) {
                if let Some(value) = e.value.as_str()
                    && common::is_literal_secret(&e.key, value)
                {
                    out.push(secret_finding(
                        src,
                        "opencode.literal-secret",
                        &e.key,
                        value,
                        e.value.pos,
                        &format!("provider.{}.options.{}", provider.key, e.key),
                    ));
                }
            }
        }
    }
}

fn is_allow(n: &Node) -> bool {
    n.as_str() == Some("allow")
}

#[allow(clippy::too_many_arguments)]
fn flag(
    src: &Source<'_>,
    rule: &'static str,
    decision: Decision,
    pos: Pos,
    subject: String,
    message: String,
    why: String,
    actions: &[Action],
    out: &mut Vec<Finding>,
) {
    let mut f = common::finding(src, rule, decision, pos, subject, message);
    f.reasons.push(why);
    if decision != Decision::Allow {
        f.reasons.push(src.origin_reason());
    }
    common::add_actions(&mut f, actions);
    out.push(f);
}

fn check_permission(
    src: &Source<'_>,
    subject: &str,
    key_pos: Pos,
    perm: &Node,
    inv: &mut Vec<String>,
    inv_pos: &mut Option<Pos>,
    out: &mut Vec<Finding>,
) {
    let everything = |pos: Pos, written: &str, out: &mut Vec<Finding>| {
        let mut f = common::finding(
            src,
            "opencode.allow-everything",
            by_origin(src, Decision::Block, Decision::Approval),
            pos,
            subject.to_owned(),
            format!("opencode runs every tool, shell included, without asking (`{written}`)"),
        );
        f.reasons.push(src.origin_reason());
        f.authority.permissions.push(written.to_owned());
        common::add_actions(
            &mut f,
            &[Action::RunShell, Action::WriteCode, Action::Network],
        );
        out.push(f);
    };
    let entries = match &perm.value {
        Value::String(s) if s == "allow" => {
            everything(perm.pos, "\"permission\": \"allow\"", out);
            return;
        }
        Value::Map(entries) => entries,
        _ => return,
    };
    for e in entries {
        let tool = e.key.as_str();
        let label = format!("{subject}.{tool}");
        match (tool, &e.value.value) {
            ("*", _) if is_allow(&e.value) => everything(e.value.pos, "\"*\": \"allow\"", out),
            ("bash", Value::String(_)) if is_allow(&e.value) => flag(
                src,
                "opencode.unscoped-shell",
                by_origin(src, Decision::Block, Decision::Approval),
                e.value.pos,
                label,
                "opencode runs any shell command without asking (`\"bash\": \"allow\"`)".into(),
                "`bash: allow` without patterns allows every command".into(),
                &[Action::RunShell, Action::WriteCode, Action::Network],
                out,
            ),
            ("bash", Value::Map(patterns)) => {
                for p in patterns.iter().filter(|p| is_allow(&p.value)) {
                    let pattern = p.key.as_str();
                    let sub = format!("{label} {pattern}");
                    let grant = classify_shell(pattern, false);
                    let actions = grant.actions();
                    match grant {
                        ShellGrant::Any(why) => flag(
                            src,
                            "opencode.unscoped-shell",
                            by_origin(src, Decision::Block, Decision::Approval),
                            p.key_pos,
                            sub,
                            format!("opencode runs any shell command without asking (`\"{pattern}\": \"allow\"`)"),
                            why,
                            &[Action::RunShell, Action::WriteCode, Action::Network],
                            out,
                        ),
                        ShellGrant::Broad(why) | ShellGrant::Publish(why, _) => flag(
                            src,
                            "opencode.broad-permission",
                            Decision::Approval,
                            p.key_pos,
                            sub,
                            format!("opencode allows `{pattern}` without asking, which reaches well beyond one command"),
                            why,
                            &actions,
                            out,
                        ),
                        ShellGrant::Specific => {
                            inv_pos.get_or_insert(key_pos);
                            inv.push(format!("bash: {pattern}"));
                        }
                    }
                }
            }
            ("edit" | "write" | "patch", _) if is_allow(&e.value) || everything_allowed(&e.value) => flag(
                src,
                "opencode.broad-permission",
                Decision::Approval,
                e.value.pos,
                label,
                format!("opencode applies file edits without asking (`\"{tool}\": \"allow\"`)"),
                "edits include the agent's own configuration unless denied".into(),
                &[Action::WriteCode],
                out,
            ),
            ("webfetch", _) if is_allow(&e.value) || everything_allowed(&e.value) => flag(
                src,
                "opencode.broad-permission",
                Decision::Approval,
                e.value.pos,
                label,
                "opencode fetches any URL without asking (`\"webfetch\": \"allow\"`)".into(),
                "a fetch to an arbitrary host can carry workspace content away".into(),
                &[Action::Network],
                out,
            ),
            ("external_directory", _) if is_allow(&e.value) || everything_allowed(&e.value) => flag(
                src,
                "opencode.broad-permission",
                Decision::Approval,
                e.value.pos,
                label,
                "opencode works outside the project without asking (`\"external_directory\": \"allow\"`)".into(),
                "files outside the project include credentials and other repositories".into(),
                &[Action::ReadCode, Action::WriteCode, Action::Secrets],
                out,
            ),
            (_, Value::String(_)) if is_allow(&e.value) => {
                inv_pos.get_or_insert(key_pos);
                inv.push(format!("{tool}: allow"));
            }
            (_, Value::Map(patterns)) => {
                for p in patterns.iter().filter(|p| is_allow(&p.value)) {
                    inv_pos.get_or_insert(key_pos);
                    inv.push(format!("{tool}: {}", p.key));
                }
            }
            _ => {}
        }
    }
}

/// A pattern map that allows `*`.
fn everything_allowed(n: &Node) -> bool {
    n.get("*").is_some_and(is_allow)
}
