//! Detector `bots`: the supply paths by which dependency bots and automerge change the code
//! without a human writing it: Dependabot's updates and registries, Renovate's automerge and
//! post-upgrade commands, and workflow steps that merge pull requests (`gh pr merge`, automerge
//! actions).

use crate::detectors::common;
use crate::detectors::gha::{self, Permissions};
use crate::detectors::{Detector, Source};
use crate::doc::{Node, Pos, Value};
use crate::model::{Action, Credential, CredentialKind, Decision, Finding};

pub struct Bots;

impl Detector for Bots {
    fn id(&self) -> &'static str {
        "bots"
    }

    fn check(&self, src: &Source<'_>, out: &mut Vec<Finding>) {
        let Some(root) = &src.doc.root else { return };
        match src.entry.id.as_str() {
            "bots.dependabot" => dependabot(src, root, out),
            "bots.renovate" => renovate(src, root, out),
            _ if src.path.starts_with(".github/workflows/") => workflow_merges(src, root, out),
            _ => {}
        }
    }
}

// ---- Dependabot -----------------------------------------------------------------------------

/// Keys of a Dependabot registry that hold a credential.
const REGISTRY_SECRETS: &[&str] = &["token", "password", "key"];

fn dependabot(src: &Source<'_>, root: &Node, out: &mut Vec<Finding>) {
    // Registries and the credentials they use.
    let mut registries: Vec<(String, Vec<Credential>)> = Vec::new();
    for r in root.get("registries").map_or(&[][..], Node::entries) {
        let mut creds = Vec::new();
        for e in r.value.entries() {
            let Some(value) = e.value.as_str() else {
                continue;
            };
            if !REGISTRY_SECRETS.contains(&e.key.as_str()) || value.trim().is_empty() {
                continue;
            }
            if value.contains("${{") {
                creds.push(Credential {
                    name: format!("{} {}", r.key, e.key),
                    source: value.trim().to_owned(),
                    kind: CredentialKind::Standing,
                    fingerprint: None,
                });
            } else {
                let cred = common::credential(&e.key, value);
                let mut f = common::finding(
                    src,
                    "bots.literal-secret",
                    Decision::Block,
                    e.value.pos,
                    format!("registry {}", r.key),
                    format!(
                        "Dependabot registry `{}` has a literal {} ({}): anyone who can read the repository has it",
                        r.key,
                        e.key,
                        cred.fingerprint.as_deref().unwrap_or("")
                    ),
                );
                f.reasons.push("store it as a Dependabot secret and write `${{secrets.NAME}}`; rotate the exposed value".into());
                f.authority.credentials.push(cred.clone());
                common::add_actions(&mut f, &[Action::Secrets]);
                out.push(f);
                creds.push(cred);
            }
        }
        registries.push((r.key.clone(), creds));
    }

    for u in root.get("updates").map_or(&[][..], Node::items) {
        let eco = u
            .get("package-ecosystem")
            .and_then(Node::as_str)
            .unwrap_or("unknown ecosystem");
        let pos = u.entry("package-ecosystem").map_or(u.pos, |e| e.key_pos);
        let dirs: Vec<&str> = match u
            .get("directory")
            .or_else(|| u.get("directories"))
            .map(|n| &n.value)
        {
            Some(Value::String(s)) => vec![s.as_str()],
            Some(Value::Seq(items)) => items.iter().filter_map(Node::as_str).collect(),
            _ => Vec::new(),
        };
        let interval = u
            .at(&["schedule", "interval"])
            .and_then(Node::as_str)
            .unwrap_or("unscheduled");
        let subject = format!("{eco} {}", dirs.join(", "));
        let mut entry = common::finding(
            src,
            "bots.dependabot",
            src.verdict(),
            pos,
            &subject,
            format!(
                "Dependabot opens {eco} update pull requests for {} ({interval})",
                if dirs.is_empty() {
                    "/".to_owned()
                } else {
                    dirs.join(", ")
                }
            ),
        );
        entry.reasons.push(src.entry.about.clone());
        entry.reasons.push("its pull requests change dependencies: a human or an automerge workflow decides whether they land".into());
        entry.authority.trigger = Some(format!("schedule: {interval}"));
        common::add_actions(&mut entry, &[Action::WriteCode]);
        match u.get("open-pull-requests-limit").map(|n| &n.value) {
            Some(Value::Number(n)) if n == "0" => entry
                .reasons
                .push("open-pull-requests-limit: 0 (security updates only)".into()),
            Some(Value::Number(n)) => entry.reasons.push(format!("open-pull-requests-limit: {n}")),
            _ => {}
        }
        // Registries this update may use.
        let used: Vec<&str> = match u.get("registries").map(|n| &n.value) {
            Some(Value::String(s)) if s == "*" => {
                registries.iter().map(|(n, _)| n.as_str()).collect()
            }
            Some(Value::Seq(items)) => items.iter().filter_map(Node::as_str).collect(),
            _ => Vec::new(),
        };
        for (name, creds) in &registries {
            if used.contains(&name.as_str()) {
                entry.authority.credentials.extend(creds.iter().cloned());
            }
        }
        if !entry.authority.credentials.is_empty() {
            common::add_actions(&mut entry, &[Action::Secrets]);
            entry
                .reasons
                .push(format!("uses private registries: {}", used.join(", ")));
        }
        if let Some(e) = u.entry("insecure-external-code-execution")
            && e.value.as_str() == Some("allow")
        {
            let mut f = common::finding(
                src,
                "bots.insecure-code-execution",
                Decision::Block,
                e.key_pos,
                &subject,
                format!(
                    "Dependabot runs code from the {eco} manifests it updates (`insecure-external-code-execution: allow`), with the registry credentials at hand"
                ),
            );
            f.reasons.push("a dependency's install-time code runs inside Dependabot's update job: remove it, or drop the private registries from this update".into());
            f.authority.credentials = entry.authority.credentials.clone();
            common::add_actions(&mut f, &[Action::RunShell, Action::Secrets]);
            entry.decision = entry.decision.max(Decision::Block);
            entry
                .reasons
                .push("it runs the manifests' code during updates".into());
            out.push(f);
        }
        out.push(entry);
    }
}

// ---- Renovate -------------------------------------------------------------------------------

/// Renovate objects that take their own `automerge`.
const UPDATE_TYPES: &[&str] = &[
    "major",
    "minor",
    "patch",
    "pin",
    "digest",
    "pinDigest",
    "rollback",
    "lockFileMaintenance",
    "vulnerabilityAlerts",
    "bumpVersion",
];

/// Patterns that allow any command.
const ANY_COMMAND: &[&str] = &[".*", "^.*$", ".+", "^.+$", "^.*", ".*$", "(.*)"];

fn renovate(src: &Source<'_>, root: &Node, out: &mut Vec<Finding>) {
    let mut found: Vec<Finding> = Vec::new();
    let root_ignore_tests = root.get("ignoreTests").and_then(Node::as_bool) == Some(true);
    let mut scopes: Vec<(String, &Node)> = vec![("the whole configuration".to_owned(), root)];
    for t in UPDATE_TYPES {
        if let Some(n) = root.get(t) {
            scopes.push((format!("`{t}` updates"), n));
        }
    }
    for (i, rule) in root
        .get("packageRules")
        .map_or(&[][..], Node::items)
        .iter()
        .enumerate()
    {
        scopes.push((
            format!("package rule {} ({})", i + 1, rule_label(rule)),
            rule,
        ));
        for t in UPDATE_TYPES {
            if let Some(n) = rule.get(t) {
                scopes.push((format!("`{t}` updates of package rule {}", i + 1), n));
            }
        }
    }
    for (label, scope) in &scopes {
        if let Some(e) = scope.entry("automerge")
            && e.value.as_bool() == Some(true)
        {
            let ignore_tests = scope
                .get("ignoreTests")
                .and_then(Node::as_bool)
                .unwrap_or(root_ignore_tests);
            let kind = scope
                .get("automergeType")
                .or_else(|| root.get("automergeType"))
                .and_then(Node::as_str)
                .unwrap_or("pr");
            let mut f = common::finding(
                src,
                "bots.renovate-automerge",
                if ignore_tests {
                    Decision::Block
                } else {
                    Decision::Approval
                },
                e.key_pos,
                label.clone(),
                format!(
                    "Renovate merges {label} without a human (`automerge: true`{})",
                    if ignore_tests {
                        ", `ignoreTests: true`"
                    } else {
                        ""
                    }
                ),
            );
            f.reasons.push(if ignore_tests {
                "with `ignoreTests` it merges even when checks fail or are missing: a malicious release lands as soon as it is published".to_owned()
            } else {
                "it waits for passing checks, but a compromised dependency that passes them lands with nobody reading it".to_owned()
            });
            if kind == "branch" {
                f.reasons.push(
                    "`automergeType: branch` pushes to the base branch without a pull request"
                        .into(),
                );
            }
            if root
                .get("dependencyDashboardApproval")
                .and_then(Node::as_bool)
                == Some(true)
            {
                f.reasons.push("`dependencyDashboardApproval` asks a human before each update is created (lowers the risk)".into());
            }
            if root
                .get("minimumReleaseAge")
                .or_else(|| scope.get("minimumReleaseAge"))
                .is_some()
            {
                f.reasons
                    .push("`minimumReleaseAge` delays new releases (lowers the risk)".into());
            }
            common::add_actions(&mut f, &[Action::WriteCode]);
            found.push(f);
        }
        if let Some(tasks) = scope.get("postUpgradeTasks")
            && let Some(e) = tasks.entry("commands")
        {
            let cmds: Vec<&str> = e.value.items().iter().filter_map(Node::as_str).collect();
            if !cmds.is_empty() {
                let mut f = common::finding(
                    src,
                    "bots.post-upgrade-commands",
                    Decision::Approval,
                    e.key_pos,
                    label.clone(),
                    format!(
                        "Renovate runs commands after each upgrade of {label}: {}",
                        gha::shorten(&cmds.join("; "))
                    ),
                );
                f.reasons.push("they run on the updated dependency's code, and their output is committed to the pull request".into());
                if let Some(mode) = tasks.get("executionMode").and_then(Node::as_str) {
                    f.reasons.push(format!("executionMode: {mode}"));
                }
                common::add_actions(&mut f, &[Action::RunShell, Action::WriteCode]);
                found.push(f);
            }
        }
    }
    for key in ["allowedPostUpgradeCommands", "allowedCommands"] {
        if let Some(e) = root.entry(key)
            && let Some(any) = e
                .value
                .items()
                .iter()
                .find(|n| n.as_str().is_some_and(|s| ANY_COMMAND.contains(&s.trim())))
        {
            let mut f = common::finding(
                src,
                "bots.any-post-upgrade-command",
                Decision::Block,
                any.pos,
                key,
                format!(
                    "`{key}` allows every command: any repository Renovate serves can run anything on the Renovate host"
                ),
            );
            f.reasons
                .push("list the exact commands (anchored patterns) the repositories need".into());
            common::add_actions(&mut f, &[Action::RunShell]);
            found.push(f);
        }
    }
    for (i, rule) in root
        .get("hostRules")
        .map_or(&[][..], Node::items)
        .iter()
        .enumerate()
    {
        for key in ["token", "password"] {
            let Some(e) = rule.entry(key) else { continue };
            let Some(value) = e.value.as_str() else {
                continue;
            };
            if value.trim().is_empty() || common::is_reference(value) {
                continue;
            }
            let cred = common::credential(key, value);
            let mut f = common::finding(
                src,
                "bots.literal-secret",
                Decision::Block,
                e.value.pos,
                format!("hostRules {}", i + 1),
                format!(
                    "Renovate host rule {} has a literal {key} ({}): anyone who can read the repository has it",
                    i + 1,
                    cred.fingerprint.as_deref().unwrap_or("")
                ),
            );
            f.reasons.push(
                "use `encrypted` values or the Renovate host's secrets; rotate the exposed value"
                    .into(),
            );
            f.authority.credentials.push(cred);
            common::add_actions(&mut f, &[Action::Secrets]);
            found.push(f);
        }
    }

    let extends: Vec<&str> = root
        .get("extends")
        .map(|n| n.items().iter().filter_map(Node::as_str).collect())
        .unwrap_or_default();
    let mut entry = common::finding(
        src,
        "bots.renovate",
        src.verdict(),
        root.pos,
        src.path,
        format!(
            "Renovate opens dependency update pull requests as configured in {}{}",
            src.path,
            if extends.is_empty() {
                String::new()
            } else {
                format!(" (extends {})", extends.join(", "))
            }
        ),
    );
    entry.reasons.push(src.entry.about.clone());
    if !extends.is_empty() {
        entry
            .reasons
            .push("presets it extends can add automerge or commands not visible here".into());
    }
    common::add_actions(&mut entry, &[Action::WriteCode]);
    for f in &found {
        entry.decision = entry.decision.max(f.decision);
        for a in &f.actions {
            common::add_actions(&mut entry, &[*a]);
        }
        entry.reasons.push(f.message.clone());
    }
    out.append(&mut found);
    out.push(entry);
}

fn rule_label(rule: &Node) -> String {
    for key in [
        "matchPackageNames",
        "matchPackagePatterns",
        "matchDepNames",
        "matchUpdateTypes",
        "matchManagers",
        "matchDatasources",
    ] {
        if let Some(n) = rule.get(key) {
            let items: Vec<&str> = match &n.value {
                Value::String(s) => vec![s.as_str()],
                _ => n.items().iter().filter_map(Node::as_str).collect(),
            };
            if !items.is_empty() {
                return format!("{key}: {}", gha::shorten(&items.join(", ")));
            }
        }
    }
    "every package".to_owned()
}

// ---- merges in workflows --------------------------------------------------------------------

/// Actions that merge or enable automerge on pull requests.
const MERGE_ACTIONS: &[&str] = &[
    "peter-evans/enable-pull-request-automerge",
    "pascalgn/automerge-action",
    "fastify/github-action-merge-dependabot",
    "ahmadnassri/action-dependabot-auto-merge",
    "reitermarkus/automerge",
    "plm9606/automerge_actions",
    "keisukeyamashita/auto-pull-request-merge",
    "desbo/merge-pr-action",
    "sudo-bot/action-pull-request-merge",
];

fn workflow_merges(src: &Source<'_>, root: &Node, out: &mut Vec<Finding>) {
    if !gha::is_top_level_workflow(src.path) || gha::is_gh_aw_lock(src.path, src.text) {
        return;
    }
    let triggers = gha::triggers(root);
    let untrusted: Vec<&str> = triggers
        .iter()
        .filter(|t| gha::is_untrusted_trigger(&t.name))
        .map(|t| t.name.as_str())
        .collect();
    let trigger_names = triggers
        .iter()
        .map(|t| t.name.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let runs_agent = gha::workflow_runs_agent(root);
    let jobs = gha::jobs(root);
    for job in &jobs {
        for (i, step) in job.steps().iter().enumerate() {
            let mut merges: Vec<(Pos, String, bool)> = Vec::new();
            if let Some(e) = step.entry("uses")
                && let Some(uses) = e.value.as_str()
            {
                let u = uses.to_ascii_lowercase();
                let path = u.split('@').next().unwrap_or(&u);
                if MERGE_ACTIONS.contains(&path) {
                    merges.push((e.value.pos, format!("uses {uses}"), true));
                }
            }
            if let Some(run_node) = step.get("run")
                && let Some(run) = run_node.as_str()
            {
                for cmd in gha::commands(run) {
                    let Some(p) = gha::program_index(&cmd.words) else {
                        continue;
                    };
                    if gha::program_name(&cmd.words[p].text) != "gh" {
                        continue;
                    }
                    let rest: Vec<&str> =
                        cmd.words[p + 1..].iter().map(|w| w.text.as_str()).collect();
                    let pr_merge = rest.first() == Some(&"pr") && rest.get(1) == Some(&"merge");
                    let api_merge =
                        rest.first() == Some(&"api") && rest.iter().any(|w| w.contains("/merge"));
                    if pr_merge || api_merge {
                        let w = &cmd.words[p];
                        let line = cmd.words[p..]
                            .iter()
                            .map(|w| w.text.as_str())
                            .collect::<Vec<_>>()
                            .join(" ");
                        merges.push((
                            gha::locate(src.text, run_node, run, w.off, w.len),
                            format!("runs `{}`", gha::shorten(&line)),
                            rest.contains(&"--auto"),
                        ));
                    }
                }
            }
            if let Some(script_node) = step.at(&["with", "script"])
                && let Some(script) = script_node.as_str()
            {
                for needle in ["pulls.merge(", "enablePullRequestAutoMerge"] {
                    if let Some(off) = script.find(needle) {
                        merges.push((
                            gha::locate(src.text, script_node, script, off, needle.len()),
                            format!("calls `{needle}`"),
                            needle.starts_with("enable"),
                        ));
                        break;
                    }
                }
            }
            for (pos, what, auto) in merges {
                let gate = gha::gate_for(&jobs, job, i);
                let exposed = !untrusted.is_empty() && gate.is_none();
                let decision = if runs_agent || exposed {
                    Decision::Block
                } else {
                    Decision::Approval
                };
                let mut f = common::finding(
                    src,
                    "bots.auto-merge",
                    decision,
                    pos,
                    format!("{}:{}", src.path, job.id),
                    format!(
                        "Step `{}` of job `{}` merges pull requests without a human review ({what})",
                        gha::step_label(step, i),
                        job.id
                    ),
                );
                f.reasons.push(if auto {
                    "automerge lands the change as soon as the required checks pass: nobody reads it".to_owned()
                } else {
                    "it merges at once, whatever the checks say, unless branch protection stops it".to_owned()
                });
                if runs_agent {
                    f.reasons.push("this workflow also runs an AI agent: what the agent writes can merge itself".into());
                }
                if exposed {
                    f.reasons.push(format!(
                        "outsiders can start this workflow ({}) and nothing checks who they are",
                        untrusted.join(", ")
                    ));
                } else if let Some(g) = &gate {
                    f.reasons.push(format!(
                        "the step {} (lowers the risk)",
                        g.how.trim_start_matches("is ")
                    ));
                }
                let perms = Permissions::of_job(root, job);
                f.authority.permissions = perms.describe();
                f.authority.trigger = Some(trigger_names.clone());
                f.authority.trusted = Some(untrusted.is_empty());
                common::add_actions(&mut f, &[Action::WriteCode]);
                out.push(f);
            }
        }
    }
}
