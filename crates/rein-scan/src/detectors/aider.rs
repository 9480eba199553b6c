//! Aider's configuration (`.aider.conf.yml` in a repository or the home directory): answering
//! yes to every confirmation, commands it runs after each edit, commits it makes by itself,
//! where model traffic goes, and literal API keys.

use crate::detectors::claude_settings::{by_origin, command_finding, secret_finding};
use crate::detectors::common;
use crate::detectors::{Detector, Source};
use crate::doc::{Node, Pos};
use crate::model::{Action, Decision, Finding};

pub struct Aider;

/// Options that hold a key directly.
const KEY_OPTIONS: &[&str] = &["openai-api-key", "anthropic-api-key", "api-key", "set-env"];

impl Detector for Aider {
    fn id(&self) -> &'static str {
        "aider"
    }

    fn check(&self, src: &Source<'_>, out: &mut Vec<Finding>) {
        let Some(root) = &src.doc.root else { return };
        if let Some(e) = root.entry("yes-always")
            && e.value.as_bool() == Some(true)
        {
            let mut f = common::finding(
                src,
                "aider.yes-always",
                by_origin(src, Decision::Block, Decision::Approval),
                e.key_pos,
                "yes-always",
                "Aider answers yes to every confirmation: file additions, edits, commands and URLs go ahead without a human",
            );
            f.reasons.push(src.origin_reason());
            f.authority.permissions.push("yes-always: true".into());
            common::add_actions(
                &mut f,
                &[Action::WriteCode, Action::RunShell, Action::Network],
            );
            out.push(f);
        }
        check_commands(src, root, out);
        check_commits(src, root, out);
        check_keys(src, root, out);
    }
}

fn is_true(root: &Node, key: &str) -> Option<bool> {
    root.get(key).and_then(Node::as_bool)
}

/// `lint-cmd` (run after every edit unless `auto-lint: false`) and `test-cmd` (with
/// `auto-test: true`).
fn check_commands(src: &Source<'_>, root: &Node, out: &mut Vec<Finding>) {
    for (key, switch, default) in [
        ("lint-cmd", "auto-lint", true),
        ("test-cmd", "auto-test", false),
    ] {
        if !is_true(root, switch).unwrap_or(default) {
            continue;
        }
        let Some(node) = root.get(key) else { continue };
        let commands: Vec<(&str, Pos)> = match node.as_str() {
            Some(s) => vec![(s, node.pos)],
            None => node
                .items()
                .iter()
                .filter_map(|n| n.as_str().map(|s| (s, n.pos)))
                .collect(),
        };
        for (cmd, pos) in commands {
            if cmd.trim().is_empty() {
                continue;
            }
            out.push(command_finding(
                src,
                "aider.auto-command",
                by_origin(src, Decision::Approval, Decision::Allow),
                pos,
                key,
                &format!("Aider runs `{cmd}` by itself after every edit (`{key}` with `{switch}`)"),
                cmd,
            ));
        }
    }
}

fn check_commits(src: &Source<'_>, root: &Node, out: &mut Vec<Finding>) {
    for (key, what) in [
        ("auto-commits", "commits every change it makes"),
        (
            "dirty-commits",
            "commits uncommitted work it finds before editing",
        ),
    ] {
        if let Some(e) = root.entry(key)
            && e.value.as_bool() == Some(true)
        {
            let mut f = common::finding(
                src,
                "aider.auto-commits",
                Decision::Allow,
                e.key_pos,
                key,
                format!("Aider {what} (`{key}: true`)"),
            );
            f.reasons
                .push("commits stay local until someone pushes them".into());
            f.authority.permissions.push(format!("{key}: true"));
            common::add_actions(&mut f, &[Action::WriteCode]);
            out.push(f);
        }
    }
}

fn check_keys(src: &Source<'_>, root: &Node, out: &mut Vec<Finding>) {
    for key in KEY_OPTIONS {
        let Some(node) = root.get(key) else { continue };
        let values: Vec<(&str, Pos)> = match node.as_str() {
            Some(s) => vec![(s, node.pos)],
            None => node
                .items()
                .iter()
                .filter_map(|n| n.as_str().map(|s| (s, n.pos)))
                .collect(),
        };
        for (value, pos) in values {
            // `api-key: provider=KEY`, `set-env: NAME=VALUE`; the plain options hold the key.
            let (name, secret) = match value.split_once('=') {
                Some((n, v)) if matches!(*key, "api-key" | "set-env") => (n.trim(), v.trim()),
                _ => (*key, value.trim()),
            };
            let name_for_check = if *key == "api-key" {
                format!("{name}_api_key")
            } else {
                name.to_owned()
            };
            if common::is_literal_secret(&name_for_check, secret)
                || (*key != "set-env" && !common::is_reference(secret) && secret.len() >= 16)
            {
                out.push(secret_finding(
                    src,
                    "aider.literal-secret",
                    name,
                    secret,
                    pos,
                    &if name == *key {
                        (*key).to_owned()
                    } else {
                        format!("{key} {name}")
                    },
                ));
            } else if *key == "set-env"
                && is_endpoint(name)
                && src.origin() == crate::model::Origin::Repository
            {
                out.push(endpoint(src, pos, name, secret));
            }
        }
    }
    if src.origin() == crate::model::Origin::Repository {
        for key in ["openai-api-base", "anthropic-api-base"] {
            if let Some(e) = root.entry(key)
                && let Some(url) = e.value.as_str()
            {
                out.push(endpoint(src, e.key_pos, key, url));
            }
        }
    }
}

fn is_endpoint(name: &str) -> bool {
    let n = name.to_ascii_uppercase();
    n.ends_with("_API_BASE") || n.ends_with("_BASE_URL") || n.ends_with("_PROXY")
}

fn endpoint(src: &Source<'_>, pos: Pos, subject: &str, url: &str) -> Finding {
    let mut f = common::finding(
        src,
        "aider.api-endpoint",
        Decision::Approval,
        pos,
        subject,
        format!(
            "Aider sends model traffic, with your key, to `{}` (`{subject}`)",
            rein_secrets::redact_str(url)
        ),
    );
    f.reasons.push(src.origin_reason());
    f.reasons.push(
        "whoever runs that endpoint sees every prompt, file and key sent to the model".into(),
    );
    common::add_actions(&mut f, &[Action::Network, Action::Secrets]);
    f
}
