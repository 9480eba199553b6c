//! Detector `workflow-agents`: GitHub Actions jobs that run an AI agent (an agent action such as
//! `anthropics/claude-code-action`, or an agent CLI in a `run:` script), with the authority each
//! gets (credentials, token permissions), what starts it and whether outsiders can, what it can
//! do (write code, run shell, publish or deploy through later steps), and the settings that make
//! it dangerous; and the Copilot coding agent's `copilot-setup-steps.yml`.

use crate::detectors::common;
use crate::detectors::gha::{self, Gate, Job, Permissions, Trigger};
use crate::detectors::{Detector, Source};
use crate::doc::{Node, Pos, Value};
use crate::model::{Action, Confidence, Credential, CredentialKind, Decision, Finding};

pub struct WorkflowAgents;

impl Detector for WorkflowAgents {
    fn id(&self) -> &'static str {
        "workflow-agents"
    }

    fn check(&self, src: &Source<'_>, out: &mut Vec<Finding>) {
        let Some(root) = &src.doc.root else { return };
        if !gha::is_top_level_workflow(src.path) {
            return;
        }
        if src.entry.id == "copilot.setup-steps" {
            copilot_setup(src, root, out);
            return;
        }
        // Copilot's setup steps have their own entry; a compiled agentic workflow is reported
        // from its Markdown source.
        if gha::is_copilot_setup(src.path) || gha::is_gh_aw_lock(src.path, src.text) {
            return;
        }
        let mut w = Workflow {
            src,
            root,
            triggers: gha::triggers(root),
            jobs: gha::jobs(root),
            trigger_decision: None,
            shared: Vec::new(),
        };
        let jobs = w.jobs.clone();
        for job in &jobs {
            if let Some(uses) = job.uses() {
                if gha::reusable_runs_agent(uses) {
                    w.reusable(job, uses, out);
                }
                continue;
            }
            let agents: Vec<(usize, &Node, &'static str)> = job
                .steps()
                .iter()
                .enumerate()
                .filter_map(|(i, s)| gha::step_agent(s).map(|a| (i, s, a)))
                .collect();
            let several = agents.len() > 1;
            for (i, step, agent) in agents {
                w.agent_step(job, i, step, agent, several, out);
            }
        }
        w.finish(out);
    }
}

/// Claude Code Action checks the actor's write access only on issue and pull request events.
const CLAUDE_ACTION_CHECKED: &[&str] = &[
    "issue_comment",
    "issues",
    "pull_request_target",
    "pull_request_review",
    "pull_request_review_comment",
    "pull_request",
];

/// Triggers whose `github.event` text is written by someone with write access, or runs without
/// secrets (`pull_request` from a fork): an untrusted field there is a smaller problem.
const CONTAINED_TRIGGERS: &[&str] = &[
    "pull_request",
    "workflow_dispatch",
    "schedule",
    "workflow_call",
    "repository_dispatch",
    "merge_group",
    "release",
    "label",
    "milestone",
    "deployment",
    "deployment_status",
];

struct Workflow<'a, 's> {
    src: &'a Source<'s>,
    root: &'a Node,
    triggers: Vec<Trigger>,
    jobs: Vec<Job<'a>>,
    /// The worst decision an untrusted trigger gets, over the agent jobs it starts.
    trigger_decision: Option<Decision>,
    /// Findings several agent jobs can share (a permissions block, a publishing step): one
    /// each, with the worst decision.
    shared: Vec<Finding>,
}

/// What reading an agent step's configuration found.
#[derive(Default)]
struct AgentConfig<'n> {
    via: String,
    shell: Option<String>,
    /// Prompt-like values: (input name, node).
    prompts: Vec<(String, &'n Node)>,
    /// Finer findings about the agent's own settings.
    findings: Vec<Finding>,
    /// The action's own check on the actor, when not switched off.
    builtin_gate: Option<Gate>,
    /// The agent's workspace is read-only.
    read_only: bool,
    notes: Vec<String>,
}

impl<'a> Workflow<'a, '_> {
    fn untrusted(&self) -> Vec<Trigger> {
        self.triggers
            .iter()
            .filter(|t| gha::is_untrusted_trigger(&t.name))
            .cloned()
            .collect()
    }

    fn trigger_names(&self) -> String {
        if self.triggers.is_empty() {
            "no trigger".to_owned()
        } else {
            self.triggers
                .iter()
                .map(|t| t.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        }
    }

    fn finding(
        &self,
        rule: &'static str,
        decision: Decision,
        pos: Pos,
        agent: &str,
        subject: &str,
        message: String,
    ) -> Finding {
        let mut f = common::finding(self.src, rule, decision, pos, subject, message);
        f.agent = agent.to_owned();
        f
    }

    /// Adds a finding that several jobs may reach, keeping the worst decision.
    fn share(&mut self, f: Finding) -> Decision {
        if let Some(existing) = self
            .shared
            .iter_mut()
            .find(|s| s.rule == f.rule && s.pos == f.pos)
        {
            existing.decision = existing.decision.max(f.decision);
            for r in f.reasons {
                if !existing.reasons.contains(&r) {
                    existing.reasons.push(r);
                }
            }
            existing.decision
        } else {
            let d = f.decision;
            self.shared.push(f);
            d
        }
    }

    /// Credentials a step gets: its `with:` and `env:`, the job's and the workflow's `env:`.
    /// Literal secrets become findings.
    fn credentials(
        &self,
        job: &Job<'a>,
        step: Option<&'a Node>,
        agent: &str,
        subject: &str,
        found: &mut Vec<Finding>,
    ) -> Vec<Credential> {
        let mut creds: Vec<Credential> = Vec::new();
        let maps = [
            step.and_then(|s| s.get("with")),
            step.and_then(|s| s.get("env")),
            job.node.get("env"),
            job.node.get("secrets"),
            self.root.get("env"),
        ];
        for map in maps.into_iter().flatten() {
            for e in map.entries() {
                let Some(value) = e.value.as_str() else {
                    continue;
                };
                let Some(cred) = gha::credential_of(&e.key, value) else {
                    continue;
                };
                if cred.fingerprint.is_some() {
                    let mut f = self.finding(
                        "gha.literal-secret",
                        Decision::Block,
                        e.value.pos,
                        agent,
                        subject,
                        format!(
                            "`{}` holds a literal secret ({}) in the workflow: anyone who can read the repository has it",
                            e.key,
                            cred.fingerprint.as_deref().unwrap_or("")
                        ),
                    );
                    f.reasons.push("store it as an Actions secret and pass `${{ secrets.NAME }}`; rotate the exposed value".into());
                    f.authority.credentials.push(cred.clone());
                    common::add_actions(&mut f, &[Action::Secrets]);
                    found.push(f);
                }
                if !creds
                    .iter()
                    .any(|c| c.name == cred.name && c.source == cred.source)
                {
                    creds.push(cred);
                }
            }
        }
        creds
    }

    fn agent_step(
        &mut self,
        job: &Job<'a>,
        index: usize,
        step: &'a Node,
        agent: &'static str,
        several: bool,
        out: &mut Vec<Finding>,
    ) {
        let src = self.src;
        let label = gha::step_label(step, index);
        let subject = if several {
            format!("{}:{} ({label})", src.path, job.id)
        } else {
            format!("{}:{}", src.path, job.id)
        };
        let pos = step
            .entry("uses")
            .or_else(|| step.entry("run"))
            .map_or(step.pos, |e| e.key_pos);
        let perms = Permissions::of_job(self.root, job);
        let mut found: Vec<Finding> = Vec::new();
        let mut creds = self.credentials(job, Some(step), agent, &subject, &mut found);
        let uses = step.get("uses").and_then(Node::as_str);
        let with = step.get("with");
        let input = |k: &str| {
            with.and_then(|w| w.get(k))
                .and_then(|n| n.as_str().map(|s| (s, n)))
        };

        // The job token and what OIDC turns into.
        let mut app_token = false;
        if perms.oidc() {
            creds.push(Credential {
                name: "OIDC token".into(),
                source: "id-token: write".into(),
                kind: CredentialKind::Scoped,
                fingerprint: None,
            });
            if agent == "claude-code" && uses.is_some() && input("github_token").is_none() {
                app_token = true;
                creds.push(Credential {
                    name: "Claude GitHub App installation token".into(),
                    source: "exchanged for the job's OIDC token (no `github_token` input)".into(),
                    kind: CredentialKind::Scoped,
                    fingerprint: None,
                });
            }
        }
        let pat = creds
            .iter()
            .any(|c| c.kind == CredentialKind::Standing && is_github_token_name(&c.name));
        let standing = creds.iter().any(|c| c.kind == CredentialKind::Standing);
        let write_scopes = perms.write_scopes();
        let write_power = !write_scopes.is_empty() || pat || app_token;

        let mut cfg = match uses {
            Some(u) => self.action_config(agent, u, step, &subject, write_power),
            None => self.cli_config(agent, step, &subject),
        };
        found.append(&mut cfg.findings);

        // Who can start it.
        let untrusted = self.untrusted();
        let mut gate = gha::gate_for(&self.jobs, job, index);
        if gate.is_none() {
            gate = cfg.builtin_gate.clone();
        }
        let power = standing || write_power || perms.is_default();
        let trigger_decision = if untrusted.is_empty() {
            None
        } else if gate.is_none() && power {
            Some(Decision::Block)
        } else {
            Some(Decision::Approval)
        };
        if let Some(d) = trigger_decision {
            self.trigger_decision = Some(self.trigger_decision.map_or(d, |t| t.max(d)));
        }

        // Untrusted event text in the prompt.
        let contained = !self.triggers.is_empty()
            && self
                .triggers
                .iter()
                .all(|t| CONTAINED_TRIGGERS.contains(&t.name.as_str()));
        let mut prompts = cfg.prompts.clone();
        // Step `env:` values the prompt or script reads by name.
        let prompt_text: String = prompts
            .iter()
            .filter_map(|(_, n)| n.as_str())
            .collect::<Vec<_>>()
            .join("\n");
        if let Some(env) = step.get("env") {
            for e in env.entries() {
                if mentions_var(&prompt_text, &e.key) {
                    prompts.push((format!("env {}", e.key), &e.value));
                }
            }
        }
        for (key, node) in &prompts {
            let Some(value) = node.as_str() else { continue };
            for (expr, r) in gha::untrusted_exprs(value) {
                let vouched = gate
                    .as_ref()
                    .is_some_and(|g| g.vouches_for(&r, &self.triggers));
                let decision = if contained || vouched {
                    Decision::Approval
                } else {
                    Decision::Block
                };
                let mut f = self.finding(
                    "gha.untrusted-input-in-prompt",
                    decision,
                    gha::locate(src.text, node, value, expr.off, expr.len),
                    agent,
                    &subject,
                    format!("`{r}` reaches the agent's {} in job `{}`: whoever writes it can instruct the agent", key, job.id),
                );
                f.reasons.push(format!("`${{{{ {} }}}}` is expanded into the {key} before the agent starts; its author controls what the agent reads as instructions", expr.inner));
                if vouched {
                    f.reasons.push(format!(
                        "the author check ({}) vouches for who wrote it",
                        gate.as_ref().map_or("", |g| g.how.as_str())
                    ));
                } else if self.triggers.iter().any(|t| t.name == "workflow_call") {
                    f.reasons.push("this is a reusable workflow: its callers decide who can start it and whose text this is (review them)".into());
                } else if contained {
                    f.reasons.push(format!(
                        "on {} its author has write access or the run gets no secrets",
                        self.trigger_names()
                    ));
                } else {
                    f.reasons.push("pass the item's number and let the agent fetch the text as data, or pass it through `env:` and quote it as untrusted".into());
                }
                f.authority.trigger = Some(self.trigger_names());
                f.authority.trusted = Some(false);
                found.push(f);
            }
        }

        // What it can do.
        let mut entry = self.finding(
            "gha.agent-job",
            Decision::Allow,
            pos,
            agent,
            &subject,
            format!(
                "Job `{}` of {} runs {agent} ({}) on {}",
                job.id,
                src.path,
                cfg.via,
                self.trigger_names()
            ),
        );
        entry.reasons.push(src.entry.about.clone());
        common::add_actions(&mut entry, &[Action::ReadCode]);
        entry.authority.permissions = perms.describe();
        entry.authority.trigger = Some(self.trigger_names());
        entry.authority.trusted = Some(untrusted.is_empty());
        if perms.is_default() {
            entry.reasons.push("the job declares no `permissions:`: the repository default applies, which may be write-all".into());
        }
        if (perms.writes("contents") || app_token || pat) && !cfg.read_only {
            common::add_actions(&mut entry, &[Action::WriteCode]);
        }
        if perms.writes("actions") || perms.writes("workflows") || pat {
            common::add_actions(&mut entry, &[Action::ModifyWorkflows]);
        }
        if pat {
            entry.reasons.push("a standing GitHub token (not the job's GITHUB_TOKEN) reaches the agent: its scopes, possibly `workflow`, are not limited by `permissions:`".into());
        }
        if app_token {
            entry.reasons.push("without `github_token`, claude-code-action exchanges the OIDC token for the Claude GitHub App's token, which can push branches and comment whatever `permissions:` says".into());
        }
        if let Some(why) = &cfg.shell {
            common::add_actions(&mut entry, &[Action::RunShell]);
            entry.reasons.push(why.clone());
        }
        if standing {
            common::add_actions(&mut entry, &[Action::Secrets]);
            let names: Vec<String> = creds
                .iter()
                .filter(|c| c.kind == CredentialKind::Standing)
                .map(|c| format!("{} ({})", c.name, c.source))
                .collect();
            entry.reasons.push(format!(
                "standing credentials reach the agent: {}",
                names.join(", ")
            ));
        }
        entry.reasons.extend(cfg.notes.iter().cloned());
        if !write_scopes.is_empty() {
            entry.reasons.push(format!(
                "the job token can write: {}",
                write_scopes.join(", ")
            ));
            if !job.steps().iter().take(index).any(checkout_drops_token)
                && job.steps().iter().take(index).any(is_checkout)
            {
                entry.reasons.push("actions/checkout leaves that token in .git/config (`persist-credentials` is not false)".into());
            }
        }
        entry.authority.credentials = creds;

        // Write permissions, once per permissions block.
        if let Some(wpos) = perms.write_pos() {
            let mut f = self.finding(
                "gha.write-permissions",
                trigger_decision.unwrap_or(Decision::Approval),
                wpos,
                agent,
                &format!("{}:{}", src.path, if job.node.get("permissions").is_some() { job.id } else { "permissions" }),
                format!("The token of agent job `{}` can write ({}): what the agent is talked into, it can do to the repository", job.id, write_scopes.join(", ")),
            );
            f.reasons.push("grant the agent job read permissions and let a separate job, gated on review, write".into());
            f.authority.permissions = perms.describe();
            f.authority.trigger = Some(self.trigger_names());
            f.authority.trusted = Some(untrusted.is_empty());
            common::add_actions(&mut f, &[Action::WriteCode]);
            let d = self.share(f);
            entry.decision = entry.decision.max(d);
        }

        // Steps after the agent, and jobs that wait for it, that publish or deploy.
        let mut reach: Vec<(&Node, usize, &str)> = job
            .steps()
            .iter()
            .enumerate()
            .skip(index + 1)
            .map(|(i, s)| (s, i, job.id))
            .collect();
        let dependents = gha::dependents(&self.jobs, job.id);
        for d in &dependents {
            reach.extend(d.steps().iter().enumerate().map(|(i, s)| (s, i, d.id)));
        }
        for (s, i, jid) in reach {
            let what = gha::publish_step(s);
            if s.get("run")
                .and_then(Node::as_str)
                .is_some_and(|r| gha::commands(r).iter().any(is_git_push))
                && jid == job.id
            {
                common::add_actions(&mut entry, &[Action::WriteCode]);
                entry.reasons.push(format!(
                    "a later step (`{}`) pushes what the agent left in the workspace",
                    gha::step_label(s, i)
                ));
            }
            let Some((action, what)) = what else { continue };
            let spos = s
                .entry("uses")
                .or_else(|| s.entry("run"))
                .map_or(s.pos, |e| e.key_pos);
            let decision = if untrusted.is_empty() {
                Decision::Approval
            } else {
                Decision::Block
            };
            let mut f = self.finding(
                "gha.agent-publish",
                decision,
                spos,
                agent,
                &format!("{}:{}", src.path, jid),
                format!("Step `{}` of job `{jid}` {what} after the agent in job `{}` ran: what the agent changed can ship", gha::step_label(s, i), job.id),
            );
            f.reasons.push(if jid == job.id {
                "it runs in the agent's job, on the workspace the agent could modify".to_owned()
            } else {
                format!("job `{jid}` waits for the agent's job and can consume what it produced")
            });
            if !untrusted.is_empty() {
                f.reasons.push(format!(
                    "outsiders can start this workflow ({})",
                    untrusted
                        .iter()
                        .map(|t| t.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            f.authority.trigger = Some(self.trigger_names());
            f.authority.trusted = Some(untrusted.is_empty());
            common::add_actions(&mut f, &[action]);
            let d = self.share(f);
            entry.decision = entry.decision.max(d);
            common::add_actions(&mut entry, &[action]);
            entry.reasons.push(format!(
                "step `{}` of job `{jid}` {what}",
                gha::step_label(s, i)
            ));
        }
        for j in std::iter::once(job).chain(dependents.iter()) {
            if let Some(env) = gha::deploy_environment(j) {
                common::add_actions(&mut entry, &[Action::Deploy]);
                entry.reasons.push(format!("job `{}` deploys to environment `{env}` (its protection rules are not visible here)", j.id));
            }
        }

        // The decision.
        let mut decision = Decision::Allow;
        if standing || write_power {
            decision = Decision::Approval;
        }
        if let Some(d) = trigger_decision {
            decision = decision.max(d);
            let names = untrusted
                .iter()
                .map(|t| t.name.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            match (&gate, d) {
                (Some(g), _) => entry.reasons.push(format!("outsiders can fire {names}; the job {} (lowers the risk; content it reads may still be theirs)", g.how)),
                (None, Decision::Block) => entry.reasons.push(format!("outsiders can fire {names} and nothing checks who they are, while the agent holds standing secrets or write access")),
                (None, _) => entry.reasons.push(format!("outsiders can fire {names} and steer the agent")),
            }
        } else if perms.is_default() {
            decision = decision.max(Decision::Approval);
        }
        for f in &found {
            decision = decision.max(f.decision);
        }
        entry.decision = entry.decision.max(decision);
        out.append(&mut found);
        out.push(entry);
    }

    /// Reads an agent action's inputs.
    fn action_config(
        &self,
        agent: &'static str,
        uses: &str,
        step: &'a Node,
        subject: &str,
        write_power: bool,
    ) -> AgentConfig<'a> {
        let src = self.src;
        let mut cfg = AgentConfig {
            via: uses.to_owned(),
            ..AgentConfig::default()
        };
        let Some(with) = step.get("with") else {
            return cfg;
        };
        let get = |k: &str| with.get(k).and_then(|n| n.as_str().map(|s| (s, n)));
        let entry_of = |k: &str| with.entry(k);
        let flag = |cfg: &mut AgentConfig<'a>,
                    decision: Decision,
                    pos: Pos,
                    message: String,
                    reason: &str| {
            let mut f = self.finding(
                "gha.dangerous-agent-flag",
                decision,
                pos,
                agent,
                subject,
                message,
            );
            f.reasons.push(reason.to_owned());
            common::add_actions(&mut f, &[Action::RunShell]);
            cfg.findings.push(f);
        };
        let bypass = |cfg: &mut AgentConfig<'a>,
                      decision: Decision,
                      pos: Pos,
                      message: String,
                      reason: String| {
            let mut f = self.finding(
                "gha.author-check-bypass",
                decision,
                pos,
                agent,
                subject,
                message,
            );
            f.reasons.push(reason);
            f.authority.trusted = Some(false);
            cfg.findings.push(f);
        };
        let prompt_keys: &[&str] = match agent {
            "claude-code" => &[
                "prompt",
                "direct_prompt",
                "override_prompt",
                "custom_instructions",
                "system_prompt",
                "append_system_prompt",
                "claude_args",
            ],
            "codex" => &["prompt", "codex-args"],
            _ => &["prompt"],
        };
        for k in prompt_keys {
            if let Some(n) = with.get(k) {
                cfg.prompts.push(((*k).to_owned(), n));
            }
        }
        match agent {
            "claude-code" => {
                let untrusted = self.untrusted();
                if untrusted
                    .iter()
                    .all(|t| CLAUDE_ACTION_CHECKED.contains(&t.name.as_str()))
                {
                    cfg.builtin_gate = Some(Gate {
                        authors: gha::Authors::Sender,
                        how: "is claude-code-action, which only runs for actors with write access"
                            .into(),
                    });
                }
                if let Some((args, node)) = get("claude_args") {
                    for cmd in gha::commands(args) {
                        for fl in gha::agent_flags(agent, &cmd.words, 0) {
                            let w = &cmd.words[fl.word];
                            if fl.unattended {
                                flag(
                                    &mut cfg,
                                    Decision::Approval,
                                    gha::locate(src.text, node, args, w.off, w.len),
                                    format!(
                                        "`{}` in `claude_args` lets Claude run every tool, shell included, without asking",
                                        fl.flag
                                    ),
                                    "in CI nobody answers permission prompts: allow the tools the task needs instead",
                                );
                            }
                            if fl.shell {
                                cfg.shell =
                                    Some(format!("`claude_args` grants the shell (`{}`)", fl.flag));
                            }
                        }
                    }
                }
                if let Some((tools, _)) = get("allowed_tools")
                    && gha::grants_bash(tools)
                {
                    cfg.shell = Some(format!(
                        "`allowed_tools` grants the shell ({})",
                        gha::shorten(tools)
                    ));
                }
                if let Some((settings, node)) = get("settings")
                    && let Some(json) = parse_settings(settings)
                {
                    let allow = json
                        .pointer("/permissions/allow")
                        .and_then(|v| v.as_array())
                        .cloned()
                        .unwrap_or_default();
                    if allow
                        .iter()
                        .filter_map(|v| v.as_str())
                        .any(gha::grants_bash)
                    {
                        cfg.shell = Some("`settings` allows Bash".into());
                    }
                    if json
                        .pointer("/permissions/defaultMode")
                        .and_then(|v| v.as_str())
                        == Some("bypassPermissions")
                    {
                        let off = settings.find("bypassPermissions").unwrap_or(0);
                        flag(
                            &mut cfg,
                            Decision::Approval,
                            gha::locate(src.text, node, settings, off, "bypassPermissions".len()),
                            "`settings` sets `defaultMode: bypassPermissions`: Claude runs every tool, shell included, without asking".into(),
                            "in CI nobody answers permission prompts: allow the tools the task needs instead",
                        );
                        cfg.shell = Some("`settings` bypasses permissions".into());
                    }
                }
                if let Some(e) = entry_of("allowed_non_write_users")
                    && let Some(v) = e.value.as_str().map(str::trim).filter(|v| !v.is_empty())
                {
                    let all = v == "*";
                    if all {
                        cfg.builtin_gate = None;
                    }
                    let decision = if all || write_power {
                        Decision::Block
                    } else {
                        Decision::Approval
                    };
                    bypass(
                        &mut cfg,
                        decision,
                        e.key_pos,
                        format!(
                            "`allowed_non_write_users: {v}` lets {} without write access start the agent",
                            if all { "anyone" } else { "these users" }
                        ),
                        if decision == Decision::Block {
                            "the agent has write access or standing secrets: people without write access must not drive it".into()
                        } else {
                            "keep this for read-only jobs (labelling, triage) with nothing but the job token".into()
                        },
                    );
                }
                if let Some(e) = entry_of("allowed_bots")
                    && let Some(v) = e.value.as_str().map(str::trim).filter(|v| !v.is_empty())
                {
                    let all = v == "*";
                    bypass(
                        &mut cfg,
                        if all { Decision::Block } else { Decision::Approval },
                        e.key_pos,
                        format!("`allowed_bots: {v}` lets {} start the agent", if all { "any GitHub App or bot" } else { "these bots" }),
                        "bots act for whoever drives them: a bot that relays outsiders' text relays their instructions".into(),
                    );
                }
                for k in ["use_bedrock", "use_vertex", "use_foundry"] {
                    if with.get(k).and_then(Node::as_bool) == Some(true) {
                        cfg.notes.push(format!(
                            "`{k}`: model access goes through cloud credentials"
                        ));
                    }
                }
            }
            "codex" => {
                cfg.builtin_gate = Some(Gate {
                    authors: gha::Authors::Sender,
                    how: "is codex-action, which checks that the actor has write access".into(),
                });
                let sandbox = get("sandbox")
                    .map(|(s, _)| s.trim())
                    .filter(|s| !s.is_empty())
                    .unwrap_or("workspace-write");
                if let Some(e) = entry_of("sandbox")
                    && sandbox == "danger-full-access"
                {
                    flag(
                        &mut cfg,
                        Decision::Block,
                        e.value.pos,
                        "`sandbox: danger-full-access` runs Codex without a sandbox: its commands reach the whole runner and the network".into(),
                        "use `workspace-write` (the default) or `read-only`",
                    );
                }
                if let Some(e) = entry_of("permission-profile")
                    && e.value
                        .as_str()
                        .is_some_and(|p| p.contains("danger") || p.contains("full-access"))
                {
                    flag(
                        &mut cfg,
                        Decision::Block,
                        e.value.pos,
                        format!(
                            "`permission-profile: {}` runs Codex without a sandbox",
                            e.value.as_str().unwrap_or("")
                        ),
                        "use `:workspace` or `:read-only`",
                    );
                }
                if let Some(e) = entry_of("safety-strategy") {
                    match e.value.as_str().map(str::trim) {
                        Some("unsafe") => flag(
                            &mut cfg,
                            Decision::Block,
                            e.value.pos,
                            "`safety-strategy: unsafe` leaves Codex the runner's sudo: it can read the API key from memory and print or send it".into(),
                            "use `drop-sudo` (the default) or `unprivileged-user`",
                        ),
                        Some("read-only") => cfg.notes.push("`safety-strategy: read-only` keeps sudo: Codex could read `openai-api-key` from memory".into()),
                        _ => {}
                    }
                }
                if let Some((args, node)) = get("codex-args") {
                    for cmd in gha::commands(args) {
                        for fl in gha::agent_flags(agent, &cmd.words, 0) {
                            let w = &cmd.words[fl.word];
                            if fl.unattended {
                                flag(
                                    &mut cfg,
                                    Decision::Approval,
                                    gha::locate(src.text, node, args, w.off, w.len),
                                    format!(
                                        "`{}` in `codex-args` loosens Codex's sandbox or approvals",
                                        fl.flag
                                    ),
                                    "keep the action's sandbox settings",
                                );
                            }
                        }
                    }
                }
                cfg.read_only = sandbox == "read-only";
                cfg.shell = Some(format!(
                    "Codex runs shell commands in its sandbox (`{sandbox}`)"
                ));
                for (key, what) in [("allow-users", "users"), ("allow-bot-users", "bots")] {
                    if let Some(e) = entry_of(key)
                        && let Some(v) = e.value.as_str().map(str::trim).filter(|v| !v.is_empty())
                    {
                        let all = v == "*";
                        if all {
                            cfg.builtin_gate = None;
                        }
                        bypass(
                            &mut cfg,
                            if all { Decision::Block } else { Decision::Approval },
                            e.key_pos,
                            format!("`{key}: {v}` lets {} without write access start Codex", if all { "anyone".to_owned() } else { format!("these {what}") }),
                            "people without write access must not drive an agent that holds the API key".into(),
                        );
                    }
                }
                if let Some(e) = entry_of("allow-bots")
                    && e.value.as_bool() == Some(true)
                {
                    bypass(
                        &mut cfg,
                        Decision::Approval,
                        e.key_pos,
                        "`allow-bots: true` lets github-actions[bot] runs skip Codex's write-access check".into(),
                        "a run started by another workflow carries whatever that workflow read".into(),
                    );
                }
                if get("prompt-file").is_some() {
                    cfg.notes.push("the prompt comes from a file in the checkout: whoever can change that file writes the instructions".into());
                }
            }
            "gemini-cli" => {
                if let Some((settings, node)) = get("settings")
                    && let Some(json) = parse_settings(settings)
                {
                    let auto = ["/autoAccept", "/tools/autoAccept"]
                        .iter()
                        .any(|p| json.pointer(p).and_then(|v| v.as_bool()) == Some(true));
                    let yolo = json_strings(&json).iter().any(|(k, v)| {
                        k.to_ascii_lowercase().contains("approvalmode") && v == "yolo"
                    });
                    if auto || yolo {
                        let needle = if auto { "autoAccept" } else { "yolo" };
                        let off = settings.find(needle).unwrap_or(0);
                        flag(
                            &mut cfg,
                            Decision::Approval,
                            gha::locate(src.text, node, settings, off, needle.len()),
                            format!(
                                "`settings` sets `{needle}`: Gemini CLI runs tools without asking"
                            ),
                            "in CI nobody answers prompts: list the tools the task needs in `coreTools` instead",
                        );
                    }
                    let core: Vec<String> = ["/coreTools", "/tools/core", "/tools/allowed"]
                        .iter()
                        .filter_map(|p| json.pointer(p).and_then(|v| v.as_array()).cloned())
                        .flatten()
                        .filter_map(|v| v.as_str().map(str::to_owned))
                        .collect();
                    if let Some(t) = core
                        .iter()
                        .find(|t| t.starts_with("run_shell_command") || t.starts_with("ShellTool"))
                    {
                        cfg.shell = Some(format!("`settings` gives Gemini CLI the shell (`{t}`)"));
                    } else if yolo {
                        cfg.shell = Some(
                            "`settings` runs every tool, shell included, without asking".into(),
                        );
                    }
                }
                if with.get("gcp_workload_identity_provider").is_some() {
                    cfg.notes.push(
                        "Google Cloud credentials come from workload identity federation (OIDC)"
                            .into(),
                    );
                }
            }
            _ => {}
        }
        cfg
    }

    /// Reads the agent commands of a `run:` script.
    fn cli_config(&self, agent: &'static str, step: &'a Node, subject: &str) -> AgentConfig<'a> {
        let src = self.src;
        let mut cfg = AgentConfig::default();
        let Some(run_node) = step.get("run") else {
            return cfg;
        };
        let Some(run) = run_node.as_str() else {
            return cfg;
        };
        cfg.prompts.push(("run script".to_owned(), run_node));
        let mut vias: Vec<String> = Vec::new();
        for cmd in gha::commands(run) {
            let Some(cli) = gha::cli_agent(&cmd) else {
                continue;
            };
            let line = cmd.words[cli.program..]
                .iter()
                .map(|w| w.text.as_str())
                .collect::<Vec<_>>()
                .join(" ");
            vias.push(format!("`{}`", gha::shorten(&line)));
            if cli.agent == "codex" && cfg.shell.is_none() {
                cfg.shell = Some("Codex runs shell commands in its sandbox".into());
            }
            for fl in gha::agent_flags(cli.agent, &cmd.words[cli.program + 1..], cli.program + 1) {
                let w = &cmd.words[fl.word];
                if fl.unattended {
                    let mut f = self.finding(
                        "gha.dangerous-agent-flag",
                        Decision::Approval,
                        gha::locate(src.text, run_node, run, w.off, w.len),
                        agent,
                        subject,
                        format!("`{}` lets {} act without asking: every tool, shell included, runs unattended", fl.flag, cli.agent),
                    );
                    f.reasons.push("in CI nobody answers prompts: allow the tools the task needs instead of all of them".into());
                    common::add_actions(&mut f, &[Action::RunShell]);
                    cfg.findings.push(f);
                }
                if fl.shell {
                    cfg.shell = Some(format!(
                        "`{}` lets {} run shell commands",
                        fl.flag, cli.agent
                    ));
                }
            }
        }
        cfg.via = vias.join(", ");
        cfg
    }

    /// A job that calls a reusable workflow whose name says it runs an agent.
    fn reusable(&mut self, job: &Job<'a>, uses: &str, out: &mut Vec<Finding>) {
        let src = self.src;
        let subject = format!("{}:{}", src.path, job.id);
        let agent = guess_agent(uses);
        let mut found = Vec::new();
        let mut creds = self.credentials(job, None, agent, &subject, &mut found);
        let perms = Permissions::of_job(self.root, job);
        let untrusted = self.untrusted();
        let gate = gha::gate_for(&self.jobs, job, 0);
        let pos = job.node.entry("uses").map_or(job.key_pos, |e| e.key_pos);
        let mut entry = self.finding(
            "gha.agent-job",
            Decision::Approval,
            pos,
            agent,
            &subject,
            format!(
                "Job `{}` of {} calls {uses}, which by its name runs an agent, on {}",
                job.id,
                src.path,
                self.trigger_names()
            ),
        );
        entry.confidence = Confidence::Medium;
        entry
            .reasons
            .push("the called workflow is not read here: review what it runs".into());
        if let Some(e) = job.node.entry("secrets")
            && e.value.as_str() == Some("inherit")
        {
            creds.push(Credential {
                name: "every repository and organisation secret".into(),
                source: "secrets: inherit".into(),
                kind: CredentialKind::Standing,
                fingerprint: None,
            });
            let mut f = self.finding(
                "gha.secrets-inherit",
                Decision::Block,
                e.key_pos,
                agent,
                &subject,
                format!(
                    "Job `{}` hands every secret to {uses} (`secrets: inherit`), an agent workflow",
                    job.id
                ),
            );
            f.reasons.push("an agent that is talked into it can read and send any secret it holds: pass only the one it needs".into());
            common::add_actions(&mut f, &[Action::Secrets]);
            found.push(f);
        }
        if let Some(with) = job.node.get("with") {
            for e in with.entries() {
                let Some(value) = e.value.as_str() else {
                    continue;
                };
                for (expr, r) in gha::untrusted_exprs(value) {
                    let mut f = self.finding(
                        "gha.untrusted-input-in-prompt",
                        Decision::Block,
                        gha::locate(src.text, &e.value, value, expr.off, expr.len),
                        agent,
                        &subject,
                        format!("`{r}` is passed to the agent workflow {uses} as `{}`: whoever writes it can instruct the agent", e.key),
                    );
                    f.reasons.push(
                        "pass the item's number and let the agent fetch the text as data".into(),
                    );
                    found.push(f);
                }
            }
        }
        let standing = creds.iter().any(|c| c.kind == CredentialKind::Standing);
        if standing {
            common::add_actions(&mut entry, &[Action::Secrets]);
        }
        if let Some(g) = &gate {
            entry
                .reasons
                .push(format!("the job {} (lowers the risk)", g.how));
        }
        if perms.writes("contents") {
            common::add_actions(&mut entry, &[Action::WriteCode]);
        }
        entry.authority.credentials = creds;
        entry.authority.permissions = perms.describe();
        entry.authority.trigger = Some(self.trigger_names());
        entry.authority.trusted = Some(untrusted.is_empty());
        let power = standing || !perms.write_scopes().is_empty() || perms.is_default();
        if !untrusted.is_empty() {
            let d = if gate.is_none() && power {
                Decision::Block
            } else {
                Decision::Approval
            };
            self.trigger_decision = Some(self.trigger_decision.map_or(d, |t| t.max(d)));
            entry.decision = entry.decision.max(d);
        }
        for f in &found {
            entry.decision = entry.decision.max(f.decision);
        }
        out.append(&mut found);
        out.push(entry);
    }

    /// The findings shared between jobs, and one per untrusted trigger that starts an agent.
    fn finish(self, out: &mut Vec<Finding>) {
        if let Some(decision) = self.trigger_decision {
            for t in self.untrusted() {
                let mut f = common::finding(
                    self.src,
                    "gha.untrusted-trigger",
                    decision,
                    t.pos,
                    format!("{}:on.{}", self.src.path, t.name),
                    format!(
                        "`{}` lets people outside the repository start the agent jobs of {}",
                        t.name, self.src.path
                    ),
                );
                f.reasons.push(trigger_reason(&t.name).to_owned());
                if decision == Decision::Block {
                    f.reasons.push("an agent job it starts holds standing secrets or write access, and no author check stands in front of it".into());
                } else {
                    f.reasons.push("every agent job it starts checks its author or holds nothing to abuse; the text it reads is still theirs".into());
                }
                f.authority.trigger = Some(t.name.clone());
                f.authority.trusted = Some(false);
                out.push(f);
            }
        }
        out.extend(self.shared);
    }
}

fn trigger_reason(name: &str) -> &'static str {
    match name {
        "pull_request_target" => {
            "pull_request_target runs for pull requests from forks with the base repository's secrets and a token that can write"
        }
        "issue_comment" | "pull_request_review_comment" | "discussion_comment" => {
            "anyone who can comment fires it, with the repository's secrets"
        }
        "issues" => "anyone who can open an issue fires it, with the repository's secrets",
        "pull_request_review" => "anyone who can review a pull request fires it",
        "discussion" => "anyone who can open a discussion fires it",
        "workflow_run" => {
            "workflow_run follows runs that fork pull requests can start, with the repository's secrets"
        }
        _ => "people outside the repository can fire it",
    }
}

/// A credential name that reads like a GitHub token.
fn is_github_token_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.contains("github")
        || n == "gh_token"
        || n.contains("gh_pat")
        || n == "github-token"
        || n.ends_with("_pat")
        || n == "pat"
}

/// Whether a script mentions `$NAME`, `${NAME}` or `env.NAME`.
fn mentions_var(text: &str, name: &str) -> bool {
    let bounded = |pat: &str| {
        text.match_indices(pat).any(|(i, m)| {
            !text[i + m.len()..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
        })
    };
    bounded(&format!("${name}"))
        || text.contains(&format!("${{{name}}}"))
        || bounded(&format!("env.{name}"))
}

fn is_checkout(step: &Node) -> bool {
    step.get("uses")
        .and_then(Node::as_str)
        .is_some_and(|u| u.to_ascii_lowercase().starts_with("actions/checkout"))
}

fn checkout_drops_token(step: &Node) -> bool {
    is_checkout(step)
        && step
            .at(&["with", "persist-credentials"])
            .and_then(Node::as_bool)
            == Some(false)
}

fn is_git_push(cmd: &gha::Command) -> bool {
    gha::program_index(&cmd.words).is_some_and(|p| {
        gha::program_name(&cmd.words[p].text) == "git"
            && cmd
                .words
                .get(p + 1..)
                .unwrap_or(&[])
                .iter()
                .any(|w| w.text == "push")
    })
}

/// The agent a reusable workflow's name suggests.
fn guess_agent(uses: &str) -> &'static str {
    let u = uses.to_ascii_lowercase();
    [
        ("claude", "claude-code"),
        ("codex", "codex"),
        ("gemini", "gemini-cli"),
        ("copilot", "copilot"),
        ("aider", "aider"),
        ("opencode", "opencode"),
    ]
    .iter()
    .find(|(k, _)| u.contains(k))
    .map_or("unknown-agent", |(_, a)| a)
}

/// A `settings` input as JSON, with its `${{ }}` expressions read as `0` (valid in a string and
/// as a value).
fn parse_settings(settings: &str) -> Option<serde_json::Value> {
    let mut text = settings.trim().to_owned();
    for e in gha::expressions(settings.trim()).iter().rev() {
        text.replace_range(e.off..e.off + e.len, "0");
    }
    serde_json::from_str(&text).ok()
}

/// Every (key, string) pair of a JSON value, depth-first.
fn json_strings(v: &serde_json::Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack: Vec<(String, &serde_json::Value)> = vec![(String::new(), v)];
    while let Some((k, v)) = stack.pop() {
        match v {
            serde_json::Value::String(s) => out.push((k, s.clone())),
            serde_json::Value::Object(m) => stack.extend(m.iter().map(|(k, v)| (k.clone(), v))),
            serde_json::Value::Array(a) => stack.extend(a.iter().map(|v| (k.clone(), v))),
            _ => {}
        }
    }
    out
}

// ---- Copilot coding agent: copilot-setup-steps.yml ------------------------------------------

/// Owners whose actions ship with GitHub.
const FIRST_PARTY: &[&str] = &["actions/", "github/"];

fn copilot_setup(src: &Source<'_>, root: &Node, out: &mut Vec<Finding>) {
    let all = gha::jobs(root);
    let Some(job) = all.iter().find(|j| j.id == "copilot-setup-steps") else {
        return;
    };
    let subject = format!("{}:{}", src.path, job.id);
    let perms = Permissions::of_job(root, job);
    let mut found: Vec<Finding> = Vec::new();
    let mut creds: Vec<Credential> = Vec::new();
    let mut maps: Vec<&Node> = vec![];
    maps.extend(job.node.get("env"));
    maps.extend(root.get("env"));
    for s in job.steps() {
        maps.extend(s.get("with"));
        maps.extend(s.get("env"));
    }
    for map in maps {
        for e in map.entries() {
            let Some(value) = e.value.as_str() else {
                continue;
            };
            let Some(cred) = gha::credential_of(&e.key, value) else {
                continue;
            };
            if cred.fingerprint.is_some() {
                let mut f = common::finding(
                    src,
                    "gha.literal-secret",
                    Decision::Block,
                    e.value.pos,
                    &subject,
                    format!(
                        "`{}` holds a literal secret ({}) in Copilot's setup steps",
                        e.key,
                        cred.fingerprint.as_deref().unwrap_or("")
                    ),
                );
                f.reasons.push("store it as a secret of the `copilot` environment and rotate the exposed value".into());
                f.authority.credentials.push(cred.clone());
                common::add_actions(&mut f, &[Action::Secrets]);
                found.push(f);
            }
            if !creds
                .iter()
                .any(|c| c.name == cred.name && c.source == cred.source)
            {
                creds.push(cred);
            }
        }
    }
    let mut entry = common::finding(
        src,
        "copilot.setup-steps",
        src.verdict(),
        job.key_pos,
        &subject,
        format!(
            "{} prepares the Copilot coding agent's environment in {} step(s)",
            src.path,
            job.steps().len()
        ),
    );
    entry.reasons.push(src.entry.about.clone());
    entry
        .reasons
        .push("whatever these steps install, fetch or leave on disk is the agent's to use".into());
    common::add_actions(&mut entry, &[Action::ReadCode]);
    entry.authority.permissions = perms.describe();
    entry.authority.trigger = Some("copilot coding agent session".into());
    for (i, s) in job.steps().iter().enumerate() {
        if let Some(e) = s.entry("uses")
            && let Some(uses) = e.value.as_str()
            && gha::unpinned_action(uses)
            && !FIRST_PARTY
                .iter()
                .any(|p| uses.to_ascii_lowercase().starts_with(p))
            && !uses.starts_with("./")
        {
            let mut f = common::finding(
                src,
                "copilot.setup-remote-code",
                Decision::Approval,
                e.value.pos,
                &subject,
                format!(
                    "Setup step `{}` runs the third-party action {uses} at a mutable ref, before the Copilot agent starts",
                    gha::step_label(s, i)
                ),
            );
            f.reasons.push("pin it to a full commit SHA: whoever can move the tag decides what runs in the agent's environment".into());
            common::add_actions(&mut f, &[Action::RunShell, Action::Network]);
            found.push(f);
        }
        if let Some(run_node) = s.get("run")
            && let Some(run) = run_node.as_str()
            && let Some((off, len, why)) = gha::remote_code(run)
        {
            let mut f = common::finding(
                src,
                "copilot.setup-remote-code",
                Decision::Approval,
                gha::locate(src.text, run_node, run, off, len),
                &subject,
                format!(
                    "Setup step `{}` {why} in the Copilot agent's environment",
                    gha::step_label(s, i)
                ),
            );
            f.reasons.push(
                "code fetched at run time is not reviewed here: pin it by version and checksum"
                    .into(),
            );
            common::add_actions(&mut f, &[Action::RunShell, Action::Network]);
            found.push(f);
        }
    }
    let mut decision = entry.decision;
    let standing: Vec<String> = creds
        .iter()
        .filter(|c| c.kind == CredentialKind::Standing)
        .map(|c| format!("{} ({})", c.name, c.source))
        .collect();
    if !standing.is_empty() {
        decision = decision.max(Decision::Approval);
        common::add_actions(&mut entry, &[Action::Secrets]);
        entry.reasons.push(format!(
            "standing credentials are used while preparing the agent's environment: {}",
            standing.join(", ")
        ));
    }
    let writes = perms.write_scopes();
    if !writes.is_empty() {
        decision = decision.max(Decision::Approval);
        entry.reasons.push(format!(
            "the setup job's token can write: {}",
            writes.join(", ")
        ));
    }
    if let Some(r) = job.node.get("runs-on") {
        let labels: Vec<&str> = match &r.value {
            Value::String(s) => vec![s.as_str()],
            Value::Seq(items) => items.iter().filter_map(Node::as_str).collect(),
            _ => Vec::new(),
        };
        if labels.iter().any(|l| l.contains("self-hosted")) {
            decision = decision.max(Decision::Approval);
            entry.reasons.push("the agent runs on a self-hosted runner: what it does can outlive the session and reach the runner's network".into());
            common::add_actions(&mut entry, &[Action::Network]);
        }
    }
    for f in &found {
        decision = decision.max(f.decision);
    }
    entry.decision = decision;
    entry.authority.credentials = creds;
    out.append(&mut found);
    out.push(entry);
}
