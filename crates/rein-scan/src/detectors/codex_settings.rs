//! Codex settings (`.codex/config.toml`, `~/.codex/config.toml`; the `[mcp_servers]` tables are
//! the `mcp` detector's): the approval policy and sandbox mode (also in `[profiles.*]`), network
//! access from the sandbox, the environment commands inherit, the `notify` program, and where
//! model traffic and its key go.

use crate::detectors::claude_settings::{by_origin, command_finding, secret_finding};
use crate::detectors::common;
use crate::detectors::{Detector, Source};
use crate::doc::Node;
use crate::model::{Action, Decision, Finding};

pub struct CodexSettings;

impl Detector for CodexSettings {
    fn id(&self) -> &'static str {
        "codex-settings"
    }

    fn check(&self, src: &Source<'_>, out: &mut Vec<Finding>) {
        let Some(root) = &src.doc.root else { return };
        check_policy(src, root, "", out);
        for profile in root.get("profiles").map(Node::entries).unwrap_or_default() {
            check_policy(
                src,
                &profile.value,
                &format!("profiles.{}.", profile.key),
                out,
            );
        }
        check_notify(src, root, out);
        check_environment(src, root, out);
        check_providers(src, root, out);
    }
}

/// The keys a profile shares with the top level.
fn check_policy(src: &Source<'_>, table: &Node, prefix: &str, out: &mut Vec<Finding>) {
    let sandbox = table.get("sandbox_mode").and_then(Node::as_str);
    if let Some(e) = table.entry("approval_policy")
        && e.value.as_str() == Some("never")
    {
        let mut f = common::finding(
            src,
            "codex.approval-never",
            by_origin(src, Decision::Block, Decision::Approval),
            e.value.pos,
            format!("{prefix}approval_policy"),
            format!(
                "Codex never asks before running a command (`{prefix}approval_policy = \"never\"`)"
            ),
        );
        f.reasons.push(src.origin_reason());
        f.reasons.push(match sandbox {
            Some("danger-full-access") => "with `danger-full-access` nothing bounds what a command does".to_owned(),
            Some(mode) => format!("only the `{mode}` sandbox bounds what a command does"),
            None => "only the sandbox bounds what a command does; nothing asks when a command needs more".to_owned(),
        });
        f.authority
            .permissions
            .push("approval_policy: never".into());
        common::add_actions(&mut f, &[Action::RunShell]);
        out.push(f);
    }
    if let Some(e) = table.entry("sandbox_mode")
        && e.value.as_str() == Some("danger-full-access")
    {
        let mut f = common::finding(
            src,
            "codex.full-access",
            by_origin(src, Decision::Block, Decision::Approval),
            e.value.pos,
            format!("{prefix}sandbox_mode"),
            format!(
                "Codex runs commands without a sandbox (`{prefix}sandbox_mode = \"danger-full-access\"`)"
            ),
        );
        f.reasons.push(src.origin_reason());
        f.reasons
            .push("commands can write anywhere your user can and reach the network".into());
        f.authority
            .permissions
            .push("sandbox_mode: danger-full-access".into());
        common::add_actions(
            &mut f,
            &[Action::RunShell, Action::WriteCode, Action::Network],
        );
        out.push(f);
    }
    let Some(ws) = table.get("sandbox_workspace_write") else {
        return;
    };
    if let Some(e) = ws.entry("network_access")
        && e.value.as_bool() == Some(true)
    {
        let mut f = common::finding(
            src,
            "codex.sandbox-network",
            Decision::Approval,
            e.key_pos,
            format!("{prefix}sandbox_workspace_write.network_access"),
            "Codex's workspace sandbox lets commands reach the network",
        );
        f.reasons.push(
            "a sandboxed command can download code or send the workspace away without asking"
                .into(),
        );
        f.authority
            .permissions
            .push("sandbox_workspace_write.network_access: true".into());
        common::add_actions(&mut f, &[Action::Network]);
        out.push(f);
    }
    if let Some(e) = ws.entry("writable_roots") {
        let roots: Vec<&str> = e.value.items().iter().filter_map(Node::as_str).collect();
        if roots.is_empty() {
            return;
        }
        let wide: Vec<&str> = roots
            .iter()
            .copied()
            .filter(|r| is_root_or_home(r))
            .collect();
        let decision = if wide.is_empty() {
            Decision::Allow
        } else {
            Decision::Approval
        };
        let mut f = common::finding(
            src,
            "codex.writable-roots",
            decision,
            e.key_pos,
            format!("{prefix}sandbox_workspace_write.writable_roots"),
            format!("Codex's sandbox may also write to {}", roots.join(", ")),
        );
        f.reasons.push(if wide.is_empty() {
            "the sandbox otherwise writes only in the workspace and temporary directories"
                .to_owned()
        } else {
            format!(
                "{} opens the whole file system or home directory to writes",
                wide.join(", ")
            )
        });
        f.authority.permissions = roots
            .iter()
            .map(|r| format!("writable root: {r}"))
            .collect();
        common::add_actions(&mut f, &[Action::WriteCode]);
        out.push(f);
    }
}

fn check_notify(src: &Source<'_>, root: &Node, out: &mut Vec<Finding>) {
    let Some(node) = root.get("notify") else {
        return;
    };
    let parts: Vec<&str> = match node.as_str() {
        Some(s) => vec![s],
        None => node.items().iter().filter_map(Node::as_str).collect(),
    };
    if parts.is_empty() {
        return;
    }
    let cmd = parts.join(" ");
    out.push(command_finding(
        src,
        "codex.notify",
        by_origin(src, Decision::Approval, Decision::Allow),
        node.pos,
        "notify",
        &format!("Codex runs `{cmd}` by itself after every turn (`notify`)"),
        &cmd,
    ));
}

fn check_environment(src: &Source<'_>, root: &Node, out: &mut Vec<Finding>) {
    let Some(policy) = root.get("shell_environment_policy") else {
        return;
    };
    let inherit = policy.entry("inherit");
    let ignore = policy
        .entry("ignore_default_excludes")
        .filter(|e| e.value.as_bool() == Some(true));
    let inherits_all = inherit.is_none_or(|e| e.value.as_str() == Some("all"));
    let flagged = match (inherit, ignore) {
        (_, Some(e)) if inherits_all => Some((e.key_pos, true)),
        (Some(e), None) if inherits_all => Some((e.key_pos, false)),
        _ => None,
    };
    if let Some((pos, unfiltered)) = flagged {
        let mut f = common::finding(
            src,
            "codex.inherit-environment",
            Decision::Approval,
            pos,
            "shell_environment_policy",
            if unfiltered {
                "Codex hands your whole environment, KEY/SECRET/TOKEN variables included, to every command it runs"
            } else {
                "Codex hands your whole environment to every command it runs (`inherit = \"all\"`)"
            },
        );
        f.reasons.push(if unfiltered {
            "`ignore_default_excludes = true` turns off the filter that drops KEY, SECRET and TOKEN variables".to_owned()
        } else {
            "only names containing KEY, SECRET or TOKEN are dropped: passwords, database URLs and other credentials pass".to_owned()
        });
        f.reasons
            .push("prefer `inherit = \"core\"` with `include_only` for what commands need".into());
        common::add_actions(&mut f, &[Action::Secrets]);
        out.push(f);
    }
    for e in policy.get("set").map(Node::entries).unwrap_or_default() {
        if let Some(value) = e.value.as_str()
            && common::is_literal_secret(&e.key, value)
        {
            out.push(secret_finding(
                src,
                "codex.literal-secret",
                &e.key,
                value,
                e.value.pos,
                &format!("shell_environment_policy.set.{}", e.key),
            ));
        }
    }
}

fn check_providers(src: &Source<'_>, root: &Node, out: &mut Vec<Finding>) {
    let project = src.origin() == crate::model::Origin::Repository;
    if project {
        for key in ["openai_base_url", "chatgpt_base_url"] {
            if let Some(e) = root.entry(key)
                && let Some(url) = e.value.as_str()
            {
                out.push(endpoint(src, e.key_pos, key, url));
            }
        }
    }
    for provider in root
        .get("model_providers")
        .map(Node::entries)
        .unwrap_or_default()
    {
        let p = &provider.value;
        let name = &provider.key;
        if let Some(e) = p.entry("experimental_bearer_token")
            && let Some(value) = e.value.as_str()
            && !common::is_reference(value)
        {
            out.push(secret_finding(
                src,
                "codex.literal-secret",
                "experimental_bearer_token",
                value,
                e.value.pos,
                &format!("model_providers.{name}.experimental_bearer_token"),
            ));
        }
        for e in p.get("http_headers").map(Node::entries).unwrap_or_default() {
            if let Some(value) = e.value.as_str()
                && common::is_literal_secret(&e.key, value)
            {
                out.push(secret_finding(
                    src,
                    "codex.literal-secret",
                    &e.key,
                    value,
                    e.value.pos,
                    &format!("model_providers.{name}.http_headers.{}", e.key),
                ));
            }
        }
        if project
            && let Some(e) = p.entry("base_url")
            && let Some(url) = e.value.as_str()
            && (p.get("env_key").is_some()
                || p.get("requires_openai_auth").and_then(Node::as_bool) == Some(true))
        {
            out.push(endpoint(
                src,
                e.key_pos,
                &format!("model_providers.{name}.base_url"),
                url,
            ));
        }
    }
}

fn endpoint(src: &Source<'_>, pos: crate::doc::Pos, subject: &str, url: &str) -> Finding {
    let mut f = common::finding(
        src,
        "codex.provider-endpoint",
        Decision::Approval,
        pos,
        subject,
        format!(
            "Codex sends model traffic, with your key, to `{}` (`{subject}`)",
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

fn is_root_or_home(dir: &str) -> bool {
    let d = dir.trim().trim_end_matches('/');
    d.is_empty() || d == "~" || d == "$HOME" || d == "/" || d == "/home" || d == "/Users"
}
