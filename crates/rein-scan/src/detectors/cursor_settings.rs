//! Cursor's readable agent settings: the CLI's permission rules (`.cursor/cli.json`,
//! `~/.cursor/cli-config.json`: `Shell(…)`, `Write(…)`, `WebFetch(…)`, `Mcp(…)`, and
//! `approvalMode`), the auto-run allowlists (`permissions.json`: `terminalAllowlist`,
//! `mcpAllowlist`), hooks (`hooks.json`) and the sandbox (`sandbox.json`). The editor's own
//! auto-run mode lives in its state database, which rein does not read.

use crate::detectors::claude_settings::{ShellGrant, by_origin, classify_shell, hooks};
use crate::detectors::common;
use crate::detectors::{Detector, Source};
use crate::doc::{Node, Pos};
use crate::model::{Action, Decision, Finding};

pub struct CursorSettings;

impl Detector for CursorSettings {
    fn id(&self) -> &'static str {
        "cursor-settings"
    }

    fn check(&self, src: &Source<'_>, out: &mut Vec<Finding>) {
        let Some(root) = &src.doc.root else { return };
        let file = src.path.rsplit('/').next().unwrap_or(src.path);
        match file {
            "cli.json" | "cli-config.json" => check_cli(src, root, out),
            "permissions.json" => check_allowlists(src, root, out),
            "hooks.json" => {
                hooks(src, root, "cursor.hook", None, out);
            }
            "sandbox.json" => check_sandbox(src, root, out),
            _ => {}
        }
    }
}

/// What one permission rule or allowlist entry grants.
enum Grant {
    Any(String),
    Broad(String, Action),
    Fine,
}

fn shell(pattern: &str) -> Grant {
    match classify_shell(pattern, true) {
        ShellGrant::Any(why) => Grant::Any(why),
        ShellGrant::Broad(why) => Grant::Broad(why, Action::RunShell),
        ShellGrant::Publish(why, act) => Grant::Broad(why, act),
        ShellGrant::Specific => Grant::Fine,
    }
}

fn mcp(spec: &str) -> Grant {
    let s = spec.replace(' ', "");
    let (server, tool) = s.split_once([':', ',']).unwrap_or((s.as_str(), "*"));
    if server.is_empty() || server == "*" {
        Grant::Broad(
            format!("`{spec}` allows every tool of every MCP server"),
            Action::RunShell,
        )
    } else if tool.is_empty() || tool == "*" {
        Grant::Broad(
            format!("`{spec}` allows every tool of the `{server}` MCP server"),
            Action::RunShell,
        )
    } else {
        Grant::Fine
    }
}

fn everywhere(p: &str) -> bool {
    let p = p
        .trim()
        .trim_start_matches("./")
        .trim_start_matches('/')
        .trim_start_matches("~/");
    p.is_empty() || p.chars().all(|c| c == '*' || c == '/')
}

fn cli_rule(rule: &str) -> Grant {
    let r = rule.trim();
    let (kind, arg) = match r.split_once('(') {
        Some((k, rest)) => (k.trim(), rest.strip_suffix(')').unwrap_or(rest).trim()),
        None => (r, ""),
    };
    match kind {
        "Shell" => shell(arg),
        "Write" if everywhere(arg) => Grant::Broad(
            format!("`{r}` writes any file, the agent's own settings included"),
            Action::WriteCode,
        ),
        "Write" => {
            let a = arg.to_ascii_lowercase();
            if a.contains(".cursor") || a.contains(".vscode") || a.contains(".git/") {
                Grant::Broad(
                    format!(
                        "`{r}` edits agent settings or git hooks, which lets the agent grant itself more"
                    ),
                    Action::WriteCode,
                )
            } else if a.contains(".github/workflows") {
                Grant::Broad(
                    format!("`{r}` edits CI workflows, which run with the repository's secrets"),
                    Action::ModifyWorkflows,
                )
            } else {
                Grant::Fine
            }
        }
        "WebFetch" if everywhere(arg) => {
            Grant::Broad(format!("`{r}` fetches from any domain"), Action::Network)
        }
        "Mcp" => mcp(arg),
        _ => Grant::Fine,
    }
}

/// Emits the findings for a list of rules; returns the rules left for the inventory.
fn judge(
    src: &Source<'_>,
    items: &[Node],
    subject: &str,
    classify: impl Fn(&str) -> Grant,
    out: &mut Vec<Finding>,
) -> Vec<String> {
    let mut fine = Vec::new();
    for item in items {
        let Some(rule) = item.as_str() else { continue };
        match classify(rule) {
            Grant::Any(why) => {
                let mut f = common::finding(
                    src,
                    "cursor.unscoped-shell",
                    by_origin(src, Decision::Block, Decision::Approval),
                    item.pos,
                    format!("{subject} {rule}"),
                    format!("Cursor runs any shell command without asking (`{rule}`)"),
                );
                f.reasons.push(why);
                f.reasons.push(src.origin_reason());
                f.authority.permissions.push(format!("allow: {rule}"));
                common::add_actions(
                    &mut f,
                    &[Action::RunShell, Action::WriteCode, Action::Network],
                );
                out.push(f);
            }
            Grant::Broad(why, action) => {
                let mut f = common::finding(
                    src,
                    "cursor.broad-permission",
                    Decision::Approval,
                    item.pos,
                    format!("{subject} {rule}"),
                    format!(
                        "Cursor allows `{rule}` without asking, which reaches well beyond one command or path"
                    ),
                );
                f.reasons.push(why);
                f.authority.permissions.push(format!("allow: {rule}"));
                common::add_actions(&mut f, &[action]);
                out.push(f);
            }
            Grant::Fine => fine.push(format!("allow: {rule}")),
        }
    }
    fine
}

fn inventory(
    src: &Source<'_>,
    pos: Pos,
    subject: &str,
    permissions: Vec<String>,
    out: &mut Vec<Finding>,
) {
    let n = permissions
        .iter()
        .filter(|p| p.starts_with("allow"))
        .count();
    let mut f = common::finding(
        src,
        "cursor.permissions",
        Decision::Allow,
        pos,
        subject,
        format!(
            "Cursor settings pre-approve {n} scoped rule{}",
            if n == 1 { "" } else { "s" }
        ),
    );
    f.reasons.push(src.entry.about.clone());
    f.authority.permissions = permissions;
    out.push(f);
}

fn check_cli(src: &Source<'_>, root: &Node, out: &mut Vec<Finding>) {
    if let Some(e) = root.entry("approvalMode")
        && let Some(mode) = e.value.as_str()
        && matches!(
            mode.to_ascii_lowercase().as_str(),
            "unrestricted" | "yolo" | "run-everything" | "auto"
        )
    {
        let mut f = common::finding(
            src,
            "cursor.run-everything",
            by_origin(src, Decision::Block, Decision::Approval),
            e.value.pos,
            "approvalMode",
            format!(
                "Cursor's agent runs every tool, shell included, without asking (`approvalMode: \"{mode}\"`)"
            ),
        );
        f.reasons.push(src.origin_reason());
        f.authority
            .permissions
            .push(format!("approvalMode: {mode}"));
        common::add_actions(
            &mut f,
            &[Action::RunShell, Action::WriteCode, Action::Network],
        );
        out.push(f);
    }
    let Some(perms) = root.get("permissions") else {
        return;
    };
    let Some(allow) = perms.entry("allow") else {
        return;
    };
    let mut fine = judge(src, allow.value.items(), "permissions.allow", cli_rule, out);
    if fine.is_empty() {
        return;
    }
    for item in perms.get("deny").map(Node::items).unwrap_or_default() {
        if let Some(rule) = item.as_str() {
            fine.push(format!("deny: {rule}"));
        }
    }
    inventory(src, allow.key_pos, "permissions", fine, out);
}

fn check_allowlists(src: &Source<'_>, root: &Node, out: &mut Vec<Finding>) {
    let mut fine = Vec::new();
    let mut pos = None;
    if let Some(e) = root.entry("terminalAllowlist") {
        let f = judge(src, e.value.items(), "terminalAllowlist", shell, out);
        if !f.is_empty() {
            pos.get_or_insert(e.key_pos);
        }
        fine.extend(
            f.into_iter()
                .map(|r| r.replacen("allow: ", "terminal: ", 1)),
        );
    }
    if let Some(e) = root.entry("mcpAllowlist") {
        let f = judge(src, e.value.items(), "mcpAllowlist", mcp, out);
        if !f.is_empty() {
            pos.get_or_insert(e.key_pos);
        }
        fine.extend(f.into_iter().map(|r| r.replacen("allow: ", "mcp: ", 1)));
    }
    let Some(pos) = pos else { return };
    for item in root
        .at(&["autoRun", "allow_instructions"])
        .map(Node::items)
        .unwrap_or_default()
    {
        if let Some(text) = item.as_str() {
            fine.push(format!("auto-run guidance: {text}"));
        }
    }
    inventory(src, pos, "permissions.json", fine, out);
}

fn check_sandbox(src: &Source<'_>, root: &Node, out: &mut Vec<Finding>) {
    if let Some(e) = root.entry("type")
        && e.value.as_str() == Some("insecure_none")
    {
        let mut f = common::finding(
            src,
            "cursor.sandbox-disabled",
            Decision::Approval,
            e.value.pos,
            "sandbox.type",
            "Cursor's sandbox is turned off: commands the agent runs are not confined to the workspace",
        );
        f.reasons.push(src.origin_reason());
        f.authority
            .permissions
            .push("sandbox: insecure_none".into());
        common::add_actions(
            &mut f,
            &[Action::RunShell, Action::WriteCode, Action::Network],
        );
        out.push(f);
    }
    if let Some(e) = root.get("networkPolicy").and_then(|n| n.entry("default"))
        && e.value.as_str() == Some("allow")
    {
        let mut f = common::finding(
            src,
            "cursor.sandbox-network",
            Decision::Approval,
            e.value.pos,
            "sandbox.networkPolicy.default",
            "Cursor's sandbox lets commands reach any host",
        );
        f.reasons.push(
            "a sandboxed command can download code or send the workspace away without asking"
                .into(),
        );
        f.authority
            .permissions
            .push("networkPolicy.default: allow".into());
        common::add_actions(&mut f, &[Action::Network]);
        out.push(f);
    }
    for item in root
        .get("additionalReadwritePaths")
        .map(Node::items)
        .unwrap_or_default()
    {
        let Some(path) = item.as_str() else { continue };
        let p = path.trim().trim_end_matches('/');
        if p.is_empty() || p == "/" || p == "~" || p == "$HOME" || p == "/Users" || p == "/home" {
            let mut f = common::finding(
                src,
                "cursor.broad-permission",
                Decision::Approval,
                item.pos,
                format!("sandbox.additionalReadwritePaths {path}"),
                format!("Cursor's sandbox lets commands write to `{path}`"),
            );
            f.reasons.push(
                "the whole file system or home directory holds credentials and other projects"
                    .into(),
            );
            f.authority.permissions.push(format!("readwrite: {path}"));
            common::add_actions(&mut f, &[Action::WriteCode, Action::Secrets]);
            out.push(f);
        }
    }
}
