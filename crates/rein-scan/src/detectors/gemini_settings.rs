//! Gemini CLI settings (`.gemini/settings.json`, `~/.gemini/settings.json`, system settings;
//! `mcpServers` is the `mcp` detector's), in both layouts: the flat one (`coreTools`,
//! `excludeTools`, `allowedTools`, `autoAccept`, `sandbox`) and the nested one (`tools.core`,
//! `tools.exclude`, `tools.allowed`, `tools.autoAccept`, `tools.sandbox`,
//! `general.defaultApprovalMode`). `tools.allowed` is what runs without asking; `tools.core` only
//! limits which tools exist, so it is recorded, not flagged.

use crate::detectors::claude_settings::{
    ShellGrant, by_origin, classify_shell, command_finding, hooks,
};
use crate::detectors::common;
use crate::detectors::{Detector, Source};
use crate::doc::{Entry, Node, Pos};
use crate::model::{Action, Decision, Finding};

pub struct GeminiSettings;

impl Detector for GeminiSettings {
    fn id(&self) -> &'static str {
        "gemini-settings"
    }

    fn check(&self, src: &Source<'_>, out: &mut Vec<Finding>) {
        let Some(root) = &src.doc.root else { return };
        let sandbox = sandbox_note(root);
        check_mode(src, root, &sandbox, out);
        check_tools(src, root, &sandbox, out);
        for (path, key) in [
            (&["tools", "discoveryCommand"][..], "tools.discoveryCommand"),
            (&["tools", "callCommand"][..], "tools.callCommand"),
            (&["toolDiscoveryCommand"][..], "toolDiscoveryCommand"),
            (&["toolCallCommand"][..], "toolCallCommand"),
        ] {
            if let Some(node) = root.at(path)
                && let Some(cmd) = node.as_str()
                && !cmd.trim().is_empty()
            {
                out.push(command_finding(
                    src,
                    "gemini.tool-command",
                    by_origin(src, Decision::Approval, Decision::Allow),
                    node.pos,
                    key,
                    &format!(
                        "Gemini CLI runs `{cmd}` by itself to discover or call tools (`{key}`)"
                    ),
                    cmd,
                ));
            }
        }
        hooks(src, root, "gemini.hook", None, out);
    }
}

/// The entry under a nested key or its flat legacy name.
fn setting<'a>(root: &'a Node, nested: &[&str], flat: &str) -> Option<(&'a Entry, String)> {
    let (last, parents) = nested.split_last()?;
    let parent = root.at(parents);
    parent
        .and_then(|p| p.entry(last))
        .map(|e| (e, nested.join(".")))
        .or_else(|| root.entry(flat).map(|e| (e, flat.to_owned())))
}

/// What sandbox commands run in, as a reason.
fn sandbox_note(root: &Node) -> String {
    let node = root
        .at(&["tools", "sandbox"])
        .or_else(|| root.get("sandbox"));
    match node.map(|n| (n.as_bool(), n.as_str())) {
        Some((Some(true), _)) => "commands run in a sandbox (`sandbox: true`)".into(),
        Some((_, Some(s))) if !s.is_empty() && s != "false" => {
            format!("commands run in the `{s}` sandbox")
        }
        Some(_) => "the sandbox is turned off: commands run directly on this machine".into(),
        None => "no sandbox is configured: commands run directly on this machine".into(),
    }
}

fn check_mode(src: &Source<'_>, root: &Node, sandbox: &str, out: &mut Vec<Finding>) {
    let mode = [
        &["general", "defaultApprovalMode"][..],
        &["tools", "approvalMode"][..],
        &["defaultApprovalMode"][..],
        &["approvalMode"][..],
    ]
    .into_iter()
    .find_map(|p| {
        root.at(p)
            .and_then(|n| n.as_str().map(|s| (s, n.pos, p.join("."))))
    });
    if let Some((value, pos, key)) = mode {
        match value.to_ascii_lowercase().as_str() {
            "yolo" => {
                let mut f = common::finding(
                    src,
                    "gemini.yolo",
                    by_origin(src, Decision::Block, Decision::Approval),
                    pos,
                    key.clone(),
                    format!(
                        "Gemini CLI is set to run every tool, shell included, without asking (`{key}: \"yolo\"`)"
                    ),
                );
                f.reasons.push(src.origin_reason());
                f.reasons.push(sandbox.to_owned());
                f.reasons.push("recent Gemini CLI versions accept YOLO only on the command line; the setting still states that intent".into());
                f.authority.permissions.push(format!("{key}: yolo"));
                common::add_actions(
                    &mut f,
                    &[Action::RunShell, Action::WriteCode, Action::Network],
                );
                out.push(f);
            }
            "auto_edit" | "autoedit" => {
                let mut f = common::finding(
                    src,
                    "gemini.auto-edit",
                    by_origin(src, Decision::Approval, Decision::Allow),
                    pos,
                    key.clone(),
                    format!(
                        "Gemini CLI applies file edits without asking (`{key}: \"auto_edit\"`)"
                    ),
                );
                f.reasons.push(src.origin_reason());
                f.authority.permissions.push(format!("{key}: auto_edit"));
                common::add_actions(&mut f, &[Action::WriteCode]);
                out.push(f);
            }
            _ => {}
        }
    }
    if let Some((e, key)) = setting(root, &["tools", "autoAccept"], "autoAccept")
        && e.value.as_bool() == Some(true)
    {
        let mut f = common::finding(
            src,
            "gemini.auto-accept",
            by_origin(src, Decision::Approval, Decision::Allow),
            e.key_pos,
            key.clone(),
            format!("Gemini CLI runs the tool calls it deems safe without asking (`{key}: true`)"),
        );
        f.reasons.push(src.origin_reason());
        f.reasons
            .push("the CLI, not a person, decides which calls are safe".into());
        f.authority.permissions.push(format!("{key}: true"));
        out.push(f);
    }
}

fn check_tools(src: &Source<'_>, root: &Node, sandbox: &str, out: &mut Vec<Finding>) {
    let mut inventory: Vec<String> = Vec::new();
    let mut inventory_pos: Option<Pos> = None;
    if let Some((e, key)) = setting(root, &["tools", "allowed"], "allowedTools") {
        for item in e.value.items() {
            let Some(tool) = item.as_str() else { continue };
            let (name, arg) = match tool.split_once('(') {
                Some((n, rest)) => (n.trim(), Some(rest.trim_end_matches(')').trim())),
                None => (tool.trim(), None),
            };
            let grant = match name {
                "run_shell_command" | "ShellTool" => match arg {
                    None => ShellGrant::Any(format!(
                        "`{tool}` without a command allows every shell command"
                    )),
                    Some(a) => classify_shell(a, true),
                },
                "write_file" | "replace" | "edit" | "smart_edit" | "WriteFileTool" | "EditTool" => {
                    ShellGrant::Broad(format!(
                        "`{tool}` writes files without asking, the agent's own settings included"
                    ))
                }
                "web_fetch" | "WebFetchTool" => {
                    ShellGrant::Broad(format!("`{tool}` fetches any URL without asking"))
                }
                _ => ShellGrant::Specific,
            };
            let shell_actions = grant.actions();
            match grant {
                ShellGrant::Any(why) => {
                    let mut f = common::finding(
                        src,
                        "gemini.unscoped-shell",
                        by_origin(src, Decision::Block, Decision::Approval),
                        item.pos,
                        format!("{key} {tool}"),
                        format!(
                            "Gemini CLI runs any shell command without asking (`{tool}` in `{key}`)"
                        ),
                    );
                    f.reasons.push(why);
                    f.reasons.push(src.origin_reason());
                    f.reasons.push(sandbox.to_owned());
                    f.authority.permissions.push(format!("allowed: {tool}"));
                    common::add_actions(
                        &mut f,
                        &[Action::RunShell, Action::WriteCode, Action::Network],
                    );
                    out.push(f);
                }
                ShellGrant::Broad(why) | ShellGrant::Publish(why, _) => {
                    let mut f = common::finding(
                        src,
                        "gemini.broad-permission",
                        Decision::Approval,
                        item.pos,
                        format!("{key} {tool}"),
                        format!(
                            "Gemini CLI allows `{tool}` without asking, which reaches well beyond one command"
                        ),
                    );
                    f.reasons.push(why);
                    f.authority.permissions.push(format!("allowed: {tool}"));
                    common::add_actions(
                        &mut f,
                        &match name {
                            "web_fetch" | "WebFetchTool" => vec![Action::Network],
                            "run_shell_command" | "ShellTool" => shell_actions,
                            _ => vec![Action::WriteCode],
                        },
                    );
                    out.push(f);
                }
                ShellGrant::Specific => {
                    inventory_pos.get_or_insert(e.key_pos);
                    inventory.push(format!("allowed: {tool}"));
                }
            }
        }
    }
    if let Some((e, _)) = setting(root, &["tools", "core"], "coreTools") {
        for item in e.value.items() {
            if let Some(tool) = item.as_str() {
                inventory_pos.get_or_insert(e.key_pos);
                inventory.push(format!("core: {tool}"));
            }
        }
    }
    let Some(pos) = inventory_pos else { return };
    if let Some((e, _)) = setting(root, &["tools", "exclude"], "excludeTools") {
        for item in e.value.items() {
            if let Some(tool) = item.as_str() {
                inventory.push(format!("exclude: {tool}"));
            }
        }
    }
    let allowed = inventory
        .iter()
        .filter(|p| p.starts_with("allowed:"))
        .count();
    let mut f = common::finding(
        src,
        "gemini.tools",
        Decision::Allow,
        pos,
        "tools",
        format!("Gemini CLI settings list the tools it may use ({allowed} pre-approved)"),
    );
    f.reasons.push(src.entry.about.clone());
    if inventory
        .iter()
        .any(|p| p.starts_with("core: run_shell_command") || p == "core: ShellTool")
    {
        f.reasons.push(
            "the shell is available; each command still asks unless it is in `tools.allowed`"
                .into(),
        );
        common::add_actions(&mut f, &[Action::RunShell]);
    }
    f.authority.permissions = inventory;
    out.push(f);
}
