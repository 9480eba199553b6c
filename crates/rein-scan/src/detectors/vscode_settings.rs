//! VS Code agent settings (`.vscode/settings.json`, `settings` in `*.code-workspace`, user
//! settings; `mcp.servers` is the `mcp` detector's): global tool auto-approval ("YOLO"), the
//! terminal auto-approve rules (and their older names), edits approved without asking, and URLs
//! fetched without asking.

use crate::detectors::claude_settings::{ShellGrant, by_origin, classify_shell};
use crate::detectors::common;
use crate::detectors::{Detector, Source};
use crate::doc::{Node, Pos, Value};
use crate::model::{Action, Decision, Finding};

pub struct VscodeSettings;

/// Terminal auto-approval maps, current name first.
const TERMINAL_KEYS: &[&str] = &[
    "chat.tools.terminal.autoApprove",
    "chat.agent.terminal.autoApprove",
    "chat.agent.terminal.allowList",
    "github.copilot.chat.agent.terminal.allowList",
];

impl Detector for VscodeSettings {
    fn id(&self) -> &'static str {
        "vscode-settings"
    }

    fn check(&self, src: &Source<'_>, out: &mut Vec<Finding>) {
        let Some(root) = &src.doc.root else { return };
        let settings = if src.path.ends_with(".code-workspace") {
            match root.get("settings") {
                Some(s) => s,
                None => return,
            }
        } else {
            root
        };
        let prefix = if src.path.ends_with(".code-workspace") {
            "settings."
        } else {
            ""
        };
        let mut inv = Inventory::default();
        for key in ["chat.tools.global.autoApprove", "chat.tools.autoApprove"] {
            if let Some(e) = settings.entry(key)
                && e.value.as_bool() == Some(true)
            {
                let mut f = common::finding(
                    src,
                    "vscode.auto-approve-all",
                    by_origin(src, Decision::Block, Decision::Approval),
                    e.key_pos,
                    format!("{prefix}{key}"),
                    format!(
                        "VS Code's agent runs every tool, terminal included, without asking (`{key}: true`)"
                    ),
                );
                f.reasons.push(src.origin_reason());
                f.reasons.push("no confirmation stands between a prompt injection and the terminal, files or MCP tools".into());
                f.authority.permissions.push(format!("{key}: true"));
                common::add_actions(
                    &mut f,
                    &[Action::RunShell, Action::WriteCode, Action::Network],
                );
                out.push(f);
            }
        }
        let terminal_on = settings
            .get("chat.tools.terminal.enableAutoApprove")
            .and_then(Node::as_bool)
            != Some(false);
        if terminal_on {
            for key in TERMINAL_KEYS {
                if let Some(map) = settings.entry(key) {
                    terminal(
                        src,
                        &format!("{prefix}{key}"),
                        map.key_pos,
                        &map.value,
                        &mut inv,
                        out,
                    );
                }
            }
        }
        if let Some(map) = settings.entry("chat.tools.edits.autoApprove") {
            edits(
                src,
                &format!("{prefix}chat.tools.edits.autoApprove"),
                map.key_pos,
                &map.value,
                &mut inv,
                out,
            );
        }
        if let Some(map) = settings.entry("chat.tools.urls.autoApprove") {
            urls(
                src,
                &format!("{prefix}chat.tools.urls.autoApprove"),
                map.key_pos,
                &map.value,
                &mut inv,
                out,
            );
        }
        if let Some(pos) = inv.pos {
            let n = inv.items.iter().filter(|p| !p.starts_with("deny")).count();
            let mut f = common::finding(
                src,
                "vscode.permissions",
                Decision::Allow,
                pos,
                "chat auto-approval",
                format!(
                    "VS Code settings pre-approve {n} scoped rule{}",
                    if n == 1 { "" } else { "s" }
                ),
            );
            f.reasons.push(src.entry.about.clone());
            f.authority.permissions = inv.items;
            out.push(f);
        }
    }
}

#[derive(Default)]
struct Inventory {
    pos: Option<Pos>,
    items: Vec<String>,
}

impl Inventory {
    fn add(&mut self, pos: Pos, item: String) {
        self.pos.get_or_insert(pos);
        self.items.push(item);
    }
}

/// Whether a rule's value approves: `true`, or `{ "approve": true, … }` (`approveRequest` for URLs).
fn approves(value: &Node) -> Option<bool> {
    match &value.value {
        Value::Bool(b) => Some(*b),
        Value::Map(_) => ["approve", "approveRequest"]
            .iter()
            .find_map(|k| value.get(k).and_then(Node::as_bool)),
        _ => None,
    }
}

/// Classifies a terminal rule key: a command prefix (`npm test`) or a `/regex/flags`.
fn terminal_rule(key: &str) -> ShellGrant {
    let k = key.trim();
    if let Some(body) = k
        .strip_prefix('/')
        .and_then(|rest| rest.rfind('/').map(|end| &rest[..end]))
    {
        let b = body.trim_start_matches('^');
        let anchored_end = b.ends_with('$') && !b.ends_with("\\$");
        let b = if anchored_end { &b[..b.len() - 1] } else { b };
        const MATCH_ALL: &[&str] = &[
            "",
            ".*",
            ".+",
            ".",
            ".*?",
            "(.*)",
            "(.+)",
            "[\\s\\S]*",
            "[\\s\\S]+",
            "\\S+",
            "\\S*",
            "\\w+",
            "\\w*",
        ];
        if MATCH_ALL.contains(&b) {
            return ShellGrant::Any(format!("`{k}` matches every command"));
        }
        let literal: String = b
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || " _-./:=".contains(*c))
            .collect();
        if literal.trim().is_empty() {
            return ShellGrant::Broad(format!(
                "`{k}` is a pattern whose reach cannot be bounded by reading it"
            ));
        }
        let rest = &b[literal.len()..];
        // `^git (status|log)\b`: each alternative in turn, the widest wins.
        if let Some(group) = rest.strip_prefix('(')
            && let Some(close) = group.find(')')
        {
            let after = &group[close + 1..];
            let exact = after.is_empty() && anchored_end;
            let alternatives = group[..close].trim_start_matches("?:").split('|');
            return alternatives
                .map(|alt| {
                    if alt
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || " _-./:=".contains(c))
                    {
                        classify_shell(&format!("{literal}{alt}"), !exact)
                    } else {
                        ShellGrant::Broad(format!(
                            "`{k}` is a pattern whose reach cannot be bounded by reading it"
                        ))
                    }
                })
                .max_by_key(rank)
                .unwrap_or(ShellGrant::Specific);
        }
        return classify_shell(literal.trim(), !(rest.is_empty() && anchored_end));
    }
    classify_shell(k, true)
}

fn rank(g: &ShellGrant) -> u8 {
    match g {
        ShellGrant::Specific => 0,
        ShellGrant::Broad(_) | ShellGrant::Publish(..) => 1,
        ShellGrant::Any(_) => 2,
    }
}

fn terminal(
    src: &Source<'_>,
    key: &str,
    key_pos: Pos,
    map: &Node,
    inv: &mut Inventory,
    out: &mut Vec<Finding>,
) {
    for e in map.entries() {
        match approves(&e.value) {
            Some(true) => {}
            Some(false) => {
                inv.items.push(format!("deny: {}", e.key));
                continue;
            }
            None => continue,
        }
        let rule = &e.key;
        let grant = terminal_rule(rule);
        let actions = grant.actions();
        match grant {
            ShellGrant::Any(why) => {
                let mut f = common::finding(
                    src,
                    "vscode.unscoped-terminal",
                    by_origin(src, Decision::Block, Decision::Approval),
                    e.key_pos,
                    format!("{key} {rule}"),
                    format!(
                        "VS Code's agent runs any terminal command without asking (`\"{rule}\": true`)"
                    ),
                );
                f.reasons.push(why);
                f.reasons.push(src.origin_reason());
                f.authority.permissions.push(format!("terminal: {rule}"));
                common::add_actions(
                    &mut f,
                    &[Action::RunShell, Action::WriteCode, Action::Network],
                );
                out.push(f);
            }
            ShellGrant::Broad(why) | ShellGrant::Publish(why, _) => {
                let mut f = common::finding(
                    src,
                    "vscode.broad-permission",
                    Decision::Approval,
                    e.key_pos,
                    format!("{key} {rule}"),
                    format!(
                        "VS Code's agent runs `{rule}` commands without asking, which reaches well beyond one command"
                    ),
                );
                f.reasons.push(why);
                f.authority.permissions.push(format!("terminal: {rule}"));
                common::add_actions(&mut f, &actions);
                out.push(f);
            }
            ShellGrant::Specific => inv.add(key_pos, format!("terminal: {rule}")),
        }
    }
}

fn everywhere(glob: &str) -> bool {
    let g = glob.trim().trim_start_matches("./");
    g.is_empty() || g.chars().all(|c| c == '*' || c == '/' || c == '.')
}

fn edits(
    src: &Source<'_>,
    key: &str,
    key_pos: Pos,
    map: &Node,
    inv: &mut Inventory,
    out: &mut Vec<Finding>,
) {
    for e in map.entries() {
        match approves(&e.value) {
            Some(true) => {}
            Some(false) => {
                inv.items.push(format!("deny edits: {}", e.key));
                continue;
            }
            None => continue,
        }
        let glob = &e.key;
        let g = glob.to_ascii_lowercase();
        if g.contains(".vscode")
            || g.contains(".code-workspace")
            || g.contains(".github/workflows")
            || g.contains(".git/")
        {
            let mut f = common::finding(
                src,
                "vscode.edits-agent-settings",
                by_origin(src, Decision::Block, Decision::Approval),
                e.key_pos,
                format!("{key} {glob}"),
                format!(
                    "VS Code's agent edits `{glob}` without asking: it can rewrite its own settings, tasks or CI workflows"
                ),
            );
            f.reasons.push(
                "an agent that edits its own settings can turn on auto-approval for everything"
                    .into(),
            );
            f.reasons.push(src.origin_reason());
            common::add_actions(
                &mut f,
                &[Action::WriteCode, Action::ModifyWorkflows, Action::RunShell],
            );
            out.push(f);
        } else if everywhere(glob) {
            let mut f = common::finding(
                src,
                "vscode.broad-permission",
                Decision::Approval,
                e.key_pos,
                format!("{key} {glob}"),
                format!("VS Code's agent edits any file matching `{glob}` without asking"),
            );
            f.reasons.push("edits land without review; only the built-in protections for settings files remain".into());
            common::add_actions(&mut f, &[Action::WriteCode]);
            out.push(f);
        } else {
            inv.add(key_pos, format!("edits: {glob}"));
        }
    }
}

fn urls(
    src: &Source<'_>,
    key: &str,
    key_pos: Pos,
    map: &Node,
    inv: &mut Inventory,
    out: &mut Vec<Finding>,
) {
    for e in map.entries() {
        if approves(&e.value) != Some(true) {
            continue;
        }
        let pattern = &e.key;
        let host = pattern.split("://").nth(1).unwrap_or(pattern);
        if host
            .trim_start_matches('*')
            .trim_start_matches('.')
            .is_empty()
            || host.starts_with("*/")
            || pattern == "*"
        {
            let mut f = common::finding(
                src,
                "vscode.broad-permission",
                Decision::Approval,
                e.key_pos,
                format!("{key} {pattern}"),
                format!("VS Code's agent fetches any URL matching `{pattern}` without asking"),
            );
            f.reasons
                .push("a fetch to an arbitrary host can carry workspace content away".into());
            common::add_actions(&mut f, &[Action::Network]);
            out.push(f);
        } else {
            inv.add(key_pos, format!("url: {pattern}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_rules() {
        assert!(matches!(terminal_rule("/.*/"), ShellGrant::Any(_)));
        assert!(matches!(terminal_rule("/^.*$/i"), ShellGrant::Any(_)));
        assert!(matches!(terminal_rule("*"), ShellGrant::Any(_)));
        assert!(matches!(terminal_rule("npm"), ShellGrant::Broad(_)));
        assert!(matches!(terminal_rule("/^npm\\b/"), ShellGrant::Broad(_)));
        assert_eq!(terminal_rule("npm test"), ShellGrant::Specific);
        assert_eq!(
            terminal_rule("/^git (status|log)\\b/"),
            ShellGrant::Specific
        );
        assert_eq!(terminal_rule("ls"), ShellGrant::Specific);
        assert!(matches!(terminal_rule("git push"), ShellGrant::Publish(..)));
    }
}
