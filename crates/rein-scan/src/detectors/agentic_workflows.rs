//! Detector `agentic-workflows`: GitHub Agentic Workflows (`gh aw`), Markdown files in
//! `.github/workflows/` whose frontmatter says when an agent runs (`on:`), with which engine,
//! token permissions, tools (bash, edit, GitHub toolsets, web), network allowance and safe
//! outputs (writes a separate job performs for it). The body is the agent's prompt.
//!
//! The compiled `.lock.yml` is what GitHub runs; whether it matches its `.md` needs both files,
//! which a detector does not see together (see the `gh-aw.lock-mismatch` note in the report).

use crate::detectors::common;
use crate::detectors::gha::{self, Permissions, Trigger};
use crate::detectors::{Detector, Source};
use crate::doc::{Node, Pos, Value};
use crate::model::{Action, Credential, CredentialKind, Decision, Finding};

pub struct AgenticWorkflows;

impl Detector for AgenticWorkflows {
    fn id(&self) -> &'static str {
        "agentic-workflows"
    }

    fn check(&self, src: &Source<'_>, out: &mut Vec<Finding>) {
        let Some(root) = &src.doc.root else { return };
        if !gha::is_top_level_workflow(src.path) {
            return;
        }
        let Some(on) = root.entry("on") else { return };
        check_workflow(src, root, on.key_pos, &on.value, out);
    }
}

/// Keys of gh-aw's `on:` that configure the triggers instead of naming one.
const ON_OPTIONS: &[&str] = &[
    "reaction",
    "roles",
    "bots",
    "stop-after",
    "skip-if-match",
    "skip-if-no-match",
    "manual-approval",
    "status-comment",
    "github-token",
    "github-app",
    "steps",
    "needs",
    "skip-roles",
    "skip-bots",
    "cooldown",
    "skip-author-associations",
    "forks",
];

/// Safe outputs that change code, publish, or hand work to another agent or workflow.
const WRITE_OUTPUTS: &[(&str, Action, &str)] = &[
    (
        "create-pull-request",
        Action::WriteCode,
        "opens pull requests with the agent's changes",
    ),
    (
        "push-to-pull-request-branch",
        Action::WriteCode,
        "pushes the agent's changes to pull request branches",
    ),
    ("update-release", Action::Publish, "edits releases"),
    ("upload-asset", Action::Publish, "uploads assets"),
    (
        "dispatch-workflow",
        Action::ModifyWorkflows,
        "starts other workflows",
    ),
    (
        "create-agent-task",
        Action::WriteCode,
        "hands tasks to the Copilot coding agent",
    ),
    (
        "assign-to-agent",
        Action::WriteCode,
        "assigns issues to the Copilot coding agent",
    ),
];

/// The triggers of gh-aw's `on:`, which also takes shorthands (`on: daily`, `on: /deploy`,
/// `on: issue labeled bug`) and `slash_command:`.
fn triggers(on: &Node) -> Vec<Trigger> {
    match &on.value {
        Value::String(s) => {
            let first = s
                .split_whitespace()
                .next()
                .unwrap_or("")
                .to_ascii_lowercase();
            let name = if first.starts_with('/') {
                "slash_command"
            } else {
                match first.as_str() {
                    "daily" | "weekly" | "hourly" | "every" | "monthly" => "schedule",
                    "issue" | "issues" => "issues",
                    "pull_request" | "pr" => "pull_request",
                    "discussion" => "discussion",
                    "label-command" => "label_command",
                    _ => first.as_str(),
                }
            };
            vec![Trigger {
                name: name.to_owned(),
                pos: on.pos,
            }]
        }
        Value::Map(entries) => entries
            .iter()
            .filter(|e| !ON_OPTIONS.contains(&e.key.as_str()))
            .map(|e| Trigger {
                name: if e.key == "command" {
                    "slash_command".to_owned()
                } else {
                    e.key.clone()
                },
                pos: e.key_pos,
            })
            .collect(),
        Value::Seq(items) => items
            .iter()
            .filter_map(|n| {
                n.as_str().map(|s| Trigger {
                    name: s.to_owned(),
                    pos: n.pos,
                })
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn untrusted(name: &str) -> bool {
    gha::is_untrusted_trigger(name) || name == "slash_command"
}

fn engine_agent(id: &str) -> &'static str {
    match id {
        "claude" => "claude-code",
        "codex" => "codex",
        "gemini" => "gemini-cli",
        "copilot" => "copilot",
        "custom" => "custom",
        _ => "gh-aw-engine",
    }
}

fn check_workflow(src: &Source<'_>, root: &Node, on_pos: Pos, on: &Node, out: &mut Vec<Finding>) {
    let subject = src.path.to_owned();
    let triggers = triggers(on);
    let trigger_names = triggers
        .iter()
        .map(|t| t.name.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let bad: Vec<&Trigger> = triggers.iter().filter(|t| untrusted(&t.name)).collect();
    let engine_id = match root.get("engine").map(|n| &n.value) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Map(_)) => root
            .at(&["engine", "id"])
            .and_then(Node::as_str)
            .unwrap_or("copilot")
            .to_owned(),
        _ => "copilot".to_owned(),
    };
    let agent = engine_agent(&engine_id);
    let mut found: Vec<Finding> = Vec::new();
    let mut entry = common::finding(
        src,
        "gh-aw.workflow",
        src.verdict(),
        on_pos,
        &subject,
        format!(
            "Agentic workflow {} runs the {engine_id} engine on {trigger_names}",
            src.path
        ),
    );
    entry.agent = agent.to_owned();
    entry.reasons.push(src.entry.about.clone());
    entry.reasons.push("the compiled .lock.yml next to it is what GitHub runs: recompile (`gh aw compile`) and review both together".into());
    common::add_actions(&mut entry, &[Action::ReadCode]);
    entry.authority.trigger = Some(trigger_names.clone());
    entry.authority.trusted = Some(bad.is_empty());

    // Who may start it: gh-aw checks the actor's role unless told not to.
    let roles = root.entry("roles").or_else(|| on.entry("roles"));
    let all_roles = roles.is_some_and(|e| match &e.value.value {
        Value::String(s) => s == "all",
        Value::Seq(items) => items.iter().any(|n| n.as_str() == Some("all")),
        _ => false,
    });
    let all_bots = root
        .get("bots")
        .or_else(|| on.get("bots"))
        .is_some_and(|b| b.items().iter().any(|n| n.as_str() == Some("*")));

    // Permissions of the agent job.
    let perms = root
        .get("permissions")
        .map_or(Permissions::Default, Permissions::read);
    entry.authority.permissions = match &perms {
        Permissions::Default => vec!["gh-aw default (read)".to_owned()],
        p => p.describe(),
    };
    let writes: Vec<String> = perms
        .write_scopes()
        .into_iter()
        .filter(|s| s != "copilot-requests")
        .collect();

    // Tools.
    let tools = root.get("tools");
    let mut shell_open = false;
    if let Some(bash) = tools.and_then(|t| t.entry("bash")) {
        let unrestricted = match &bash.value.value {
            Value::Bool(b) => *b,
            Value::String(s) => s == "*" || s == ":*",
            Value::Seq(items) => items.iter().any(|n| matches!(n.as_str(), Some("*" | ":*"))),
            _ => false,
        };
        common::add_actions(&mut entry, &[Action::RunShell]);
        if unrestricted {
            shell_open = true;
            let mut f = common::finding(
                src,
                "gh-aw.unrestricted-bash",
                Decision::Approval,
                bash.key_pos,
                &subject,
                format!(
                    "Agentic workflow {} lets the agent run any shell command (`tools.bash`)",
                    src.path
                ),
            );
            f.agent = agent.to_owned();
            f.reasons
                .push("list the commands the task needs instead of all of them".into());
            common::add_actions(&mut f, &[Action::RunShell]);
            found.push(f);
            entry
                .reasons
                .push("the agent can run any shell command".into());
        } else {
            let list: Vec<&str> = bash.value.items().iter().filter_map(Node::as_str).collect();
            entry.reasons.push(if list.is_empty() {
                "the agent can run gh-aw's default safe shell commands".to_owned()
            } else {
                format!(
                    "the agent can run these shell commands: {}",
                    list.join(", ")
                )
            });
        }
    }
    if tools.and_then(|t| t.entry("edit")).is_some() {
        common::add_actions(&mut entry, &[Action::WriteCode]);
        entry
            .reasons
            .push("the agent can edit files in its checkout (`tools.edit`)".into());
    }
    for web in ["web-fetch", "web-search", "playwright"] {
        if tools.and_then(|t| t.entry(web)).is_some() {
            common::add_actions(&mut entry, &[Action::Network]);
            entry
                .reasons
                .push(format!("the agent can reach the web (`tools.{web}`)"));
        }
    }
    if let Some(gh) = tools.and_then(|t| t.get("github")) {
        let toolsets: Vec<&str> = gh
            .get("toolsets")
            .map(|t| t.items().iter().filter_map(Node::as_str).collect())
            .unwrap_or_default();
        entry.reasons.push(if toolsets.is_empty() {
            "the agent reads GitHub through the default toolsets".to_owned()
        } else {
            format!(
                "the agent reads GitHub through toolsets: {}",
                toolsets.join(", ")
            )
        });
        if gh.get("read-only").and_then(Node::as_bool) == Some(false) {
            entry
                .reasons
                .push("the GitHub tools are not read-only".into());
            common::add_actions(&mut entry, &[Action::WriteCode]);
        }
    }
    if let Some(servers) = root.get("mcp-servers") {
        let names: Vec<&str> = servers.entries().iter().map(|e| e.key.as_str()).collect();
        if !names.is_empty() {
            entry
                .reasons
                .push(format!("custom MCP servers: {}", names.join(", ")));
        }
    }
    if root.get("imports").is_some() {
        entry
            .reasons
            .push("it imports shared components: their tools and prompts are part of it".into());
    }

    // Safe outputs: writes done by a separate job, after the agent.
    let mut code_writes = false;
    if let Some(outputs) = root.get("safe-outputs") {
        let mut plain: Vec<&str> = Vec::new();
        for e in outputs.entries() {
            if let Some((_, action, what)) = WRITE_OUTPUTS.iter().find(|(k, _, _)| *k == e.key) {
                common::add_actions(&mut entry, &[*action]);
                entry.reasons.push(format!(
                    "safe output `{}` {what} (done by a separate job)",
                    e.key
                ));
                if *action == Action::WriteCode {
                    code_writes = true;
                }
            } else if !matches!(
                e.key.as_str(),
                "github-token"
                    | "github-app"
                    | "staged"
                    | "allowed-domains"
                    | "threat-detection"
                    | "env"
                    | "jobs"
                    | "missing-tool"
                    | "noop"
                    | "max-patch-size"
            ) {
                plain.push(e.key.as_str());
            }
        }
        if !plain.is_empty() {
            entry.reasons.push(format!(
                "safe outputs (issues, comments, labels; done by a separate job): {}",
                plain.join(", ")
            ));
        }
    }

    // Network.
    let mut network_open = false;
    let network = root.entry("network");
    let firewall_off = root.at(&["network", "firewall"]).and_then(Node::as_bool) == Some(false)
        || root.at(&["sandbox", "agent"]).and_then(Node::as_bool) == Some(false);
    let any_domain = root
        .at(&["network", "allowed"])
        .is_some_and(|a| a.items().iter().any(|n| n.as_str() == Some("*")));
    if any_domain || firewall_off {
        network_open = true;
    }
    match network.map(|e| &e.value.value) {
        None => entry
            .reasons
            .push("network: defaults (basic infrastructure only)".into()),
        Some(Value::String(s)) => entry.reasons.push(format!("network: {s}")),
        Some(Value::Map(m)) if m.is_empty() => entry.reasons.push("network: none".into()),
        Some(_) => {
            let allowed: Vec<&str> = root
                .at(&["network", "allowed"])
                .map(|a| a.items().iter().filter_map(Node::as_str).collect())
                .unwrap_or_default();
            if !allowed.is_empty() {
                entry
                    .reasons
                    .push(format!("network: {}", allowed.join(", ")));
                common::add_actions(&mut entry, &[Action::Network]);
            }
        }
    }

    // Credentials named in the frontmatter.
    let mut creds: Vec<Credential> = Vec::new();
    for (s, _) in root.strings() {
        for name in gha::secret_names(s) {
            let kind = if name.eq_ignore_ascii_case("GITHUB_TOKEN") {
                CredentialKind::Scoped
            } else {
                CredentialKind::Standing
            };
            if !creds.iter().any(|c| c.name == name) {
                creds.push(Credential {
                    source: format!("${{{{ secrets.{name} }}}}"),
                    name,
                    kind,
                    fingerprint: None,
                });
            }
        }
    }
    let standing = creds.iter().any(|c| c.kind == CredentialKind::Standing);
    if standing {
        common::add_actions(&mut entry, &[Action::Secrets]);
    }
    entry.authority.credentials = creds;

    let power = !writes.is_empty() || code_writes || network_open || standing || shell_open;
    let ungated = all_roles || all_bots;
    let trigger_decision = if bad.is_empty() {
        None
    } else if ungated && power {
        Some(Decision::Block)
    } else {
        Some(Decision::Approval)
    };

    for t in &bad {
        let mut f = common::finding(
            src,
            "gh-aw.untrusted-trigger",
            trigger_decision.unwrap_or(Decision::Approval),
            t.pos,
            format!("{}:on.{}", src.path, t.name),
            format!(
                "`{}` lets people outside the repository start agentic workflow {}",
                t.name, src.path
            ),
        );
        f.agent = agent.to_owned();
        f.reasons.push(if ungated {
            "the role check is off (`roles: all` or any bot): anyone who can fire it drives the agent".to_owned()
        } else {
            "gh-aw only starts it for actors with admin, maintainer or write roles (the default `roles:`); what the agent reads can still be theirs".to_owned()
        });
        f.authority.trigger = Some(t.name.clone());
        f.authority.trusted = Some(false);
        found.push(f);
    }
    if !bad.is_empty()
        && let Some(e) = roles.filter(|_| all_roles)
    {
        let mut f = common::finding(
            src,
            "gh-aw.roles-all",
            if power {
                Decision::Block
            } else {
                Decision::Approval
            },
            e.key_pos,
            &subject,
            format!(
                "`roles: all` lets anyone who can fire {} start agentic workflow {}",
                bad.iter()
                    .map(|t| t.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                src.path
            ),
        );
        f.agent = agent.to_owned();
        f.reasons.push("keep the default roles (admin, maintainer, write) unless the workflow can do nothing but comment".into());
        found.push(f);
    }
    if let Some(wpos) = perms.write_pos().filter(|_| !writes.is_empty()) {
        let mut f = common::finding(
            src,
            "gh-aw.write-permissions",
            if trigger_decision == Some(Decision::Block) {
                Decision::Block
            } else {
                Decision::Approval
            },
            wpos,
            &subject,
            format!(
                "The agent job of {} gets a token that can write ({})",
                src.path,
                writes.join(", ")
            ),
        );
        f.agent = agent.to_owned();
        f.reasons.push("gh-aw's design keeps the agent read-only and writes through safe outputs: declare those instead".into());
        f.authority.permissions = perms.describe();
        common::add_actions(&mut f, &[Action::WriteCode]);
        found.push(f);
        common::add_actions(&mut entry, &[Action::WriteCode]);
    }
    if network_open {
        let pos = root
            .at(&["network", "allowed"])
            .and_then(|a| {
                a.items()
                    .iter()
                    .find(|n| n.as_str() == Some("*"))
                    .map(|n| n.pos)
            })
            .or_else(|| {
                root.at(&["network"])
                    .and_then(|n| n.entry("firewall"))
                    .map(|e| e.key_pos)
            })
            .or_else(|| {
                root.get("sandbox")
                    .and_then(|n| n.entry("agent"))
                    .map(|e| e.key_pos)
            })
            .unwrap_or(on_pos);
        let mut f = common::finding(
            src,
            "gh-aw.network-open",
            if bad.is_empty() {
                Decision::Approval
            } else {
                Decision::Block
            },
            pos,
            &subject,
            format!(
                "The agent of {} can reach any host: nothing stops it sending what it read elsewhere",
                src.path
            ),
        );
        f.agent = agent.to_owned();
        f.reasons.push(if firewall_off {
            "the agent firewall is off".to_owned()
        } else {
            "`network.allowed` includes `*`".to_owned()
        });
        if !bad.is_empty() {
            f.reasons
                .push("outsiders can start it and put text in front of the agent".into());
        }
        common::add_actions(&mut f, &[Action::Network]);
        found.push(f);
        common::add_actions(&mut entry, &[Action::Network]);
    }
    if let Some(e) = root.entry("strict")
        && e.value.as_bool() == Some(false)
    {
        entry.reasons.push("`strict: false` turns off the compiler's security checks (write permissions, network, expressions)".into());
        entry.decision = entry.decision.max(Decision::Approval);
    }

    // Untrusted event text in the prompt (the body).
    if let Some((body, first_line)) = &src.doc.body {
        for (expr, r) in gha::untrusted_exprs(body) {
            let mut f = common::finding(
                src,
                "gh-aw.untrusted-input-in-prompt",
                Decision::Approval,
                gha::body_pos(body, *first_line, expr.off),
                &subject,
                format!(
                    "`{r}` is put into the prompt of agentic workflow {}: whoever writes it can instruct the agent",
                    src.path
                ),
            );
            f.agent = agent.to_owned();
            f.reasons.push("gh-aw sanitizes it, but its author still writes part of the agent's instructions: prefer the item's number and let the agent read it as data".into());
            f.authority.trusted = Some(false);
            found.push(f);
        }
    }

    let mut decision = entry.decision;
    if !writes.is_empty() || standing || code_writes {
        decision = decision.max(Decision::Approval);
    }
    if let Some(d) = trigger_decision {
        decision = decision.max(d);
    }
    for f in &found {
        decision = decision.max(f.decision);
    }
    entry.decision = decision;
    out.append(&mut found);
    out.push(entry);
}
