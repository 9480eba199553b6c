//! Deciding a tool call: every request through Cedar, then the strictest answer wins.

use std::time::Instant;

use cedar_policy::{Authorizer, Decision as CedarDecision, Entities, Request};
use globset::{Glob, GlobSetBuilder};
use rein_shell::{Analysis, Limits};
use serde::Serialize;

use crate::error::PolicyError;
use crate::load::{Layer, Policies};
use crate::request::{self, Call, Item, Resource};

/// The gate's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    Allow,
    Ask,
    Deny,
}

impl Answer {
    pub fn as_str(self) -> &'static str {
        match self {
            Answer::Allow => "allow",
            Answer::Ask => "ask",
            Answer::Deny => "deny",
        }
    }
}

/// A rule that matched one of the call's requests.
#[derive(Debug, Clone, Serialize)]
pub struct MatchedRule {
    pub id: String,
    pub layer: Layer,
    pub file: String,
    pub line: usize,
    /// What this rule alone asks for: `deny` or `ask`.
    pub answer: Answer,
    pub reason: String,
    /// The effect it matched, in one line.
    pub on: String,
}

/// One effect (request) and what policy said about it.
#[derive(Debug, Clone, Serialize)]
pub struct EffectDecision {
    pub action: String,
    pub summary: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub command: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub via: Vec<String>,
    pub answer: Answer,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<String>,
}

/// A decision that explains itself.
#[derive(Debug, Clone, Serialize)]
pub struct Decision {
    pub answer: Answer,
    /// Why, in one sentence.
    pub reason: String,
    /// Every forbid that matched, strictest first.
    pub rules: Vec<MatchedRule>,
    pub effects: Vec<EffectDecision>,
    pub policy_hash: String,
    /// Time spent analysing and evaluating, in microseconds.
    pub elapsed_us: u64,
    /// What the call may write, for the recorder: a closed list of paths only for a shell
    /// command whose every write the analysis knows; anything for every other tool.
    #[serde(skip)]
    pub writes: rein_shell::WriteScope,
}

impl Decision {
    /// The ids of the rules that matched.
    pub fn rule_ids(&self) -> Vec<String> {
        self.rules.iter().map(|r| r.id.clone()).collect()
    }
}

/// Decides one tool call. An error means the call could not be decided; the gate then denies
/// (or asks, if the user chose that): it is never an allow.
pub fn decide(
    policies: &Policies,
    call: &Call<'_>,
    limits: &Limits,
) -> Result<Decision, PolicyError> {
    let started = Instant::now();
    let analysis = request::effects_of(call, limits);
    decide_analysis(policies, call, &analysis, started)
}

fn decide_analysis(
    policies: &Policies,
    call: &Call<'_>,
    analysis: &Analysis,
    started: Instant,
) -> Result<Decision, PolicyError> {
    let items = request::items(call, analysis);
    let scope = match call.task {
        Some(task) if !task.scope.is_empty() => {
            let mut b = GlobSetBuilder::new();
            for g in &task.scope {
                let glob = Glob::new(g).map_err(|e| {
                    PolicyError::Request(format!("task scope `{g}` is not a valid glob: {e}"))
                })?;
                b.add(glob);
            }
            Some(b.build().map_err(|e| PolicyError::Request(e.to_string()))?)
        }
        _ => None,
    };
    let authorizer = Authorizer::new();
    let mut rules: Vec<MatchedRule> = Vec::new();
    let mut effects = Vec::with_capacity(items.len());
    for item in &items {
        let in_scope = match (&scope, &item.resource) {
            (Some(set), Resource::File(f)) => f.in_worktree && set.is_match(&f.rel),
            (Some(_), _) => true,
            (None, _) => call.task.is_none(),
        };
        let built = request::build(call, item, in_scope).map_err(PolicyError::Request)?;
        let request = Request::new(
            built.principal,
            built.action,
            built.resource,
            built.context,
            None,
        )
        .map_err(|e| PolicyError::Request(e.to_string()))?;
        let entities = Entities::from_entities(built.entities, None)
            .map_err(|e| PolicyError::Request(e.to_string()))?;
        let response = authorizer.is_authorized(&request, &policies.set, &entities);
        if let Some(err) = response.diagnostics().errors().next() {
            return Err(PolicyError::Evaluation {
                rule: match err {
                    cedar_policy::AuthorizationError::PolicyEvaluationError(e) => {
                        e.policy_id().to_string()
                    }
                },
                message: err.to_string(),
            });
        }
        let (answer, ids) = match response.decision() {
            CedarDecision::Allow => (Answer::Allow, Vec::new()),
            CedarDecision::Deny => {
                let ids: Vec<String> = response
                    .diagnostics()
                    .reason()
                    .map(|id| id.to_string())
                    .collect();
                if ids.is_empty() {
                    // No permit matched at all: the user removed the base permit.
                    (Answer::Deny, vec!["(no permit)".to_owned()])
                } else {
                    let all_ask = ids
                        .iter()
                        .all(|id| policies.rule(id).is_some_and(|r| r.ask.is_some()));
                    (if all_ask { Answer::Ask } else { Answer::Deny }, ids)
                }
            }
        };
        for id in &ids {
            let info = policies.rule(id);
            let rule_answer = if info.is_some_and(|r| r.ask.is_some()) {
                Answer::Ask
            } else {
                Answer::Deny
            };
            rules.push(MatchedRule {
                id: id.clone(),
                layer: info.map_or(Layer::Builtin, |r| r.layer),
                file: info.map(|r| r.file.clone()).unwrap_or_default(),
                line: info.map_or(0, |r| r.line),
                answer: rule_answer,
                reason: info
                    .and_then(|r| r.reason.clone())
                    .unwrap_or_else(|| "no rule permits it".to_owned()),
                on: on_text(item),
            });
        }
        effects.push(EffectDecision {
            action: item.action.to_owned(),
            summary: item.summary.clone(),
            command: item.command.clone(),
            via: item.via.clone(),
            answer,
            rules: ids,
        });
    }
    let answer = effects
        .iter()
        .map(|e| e.answer)
        .max()
        .unwrap_or(Answer::Allow);
    rules.sort_by_key(|r| std::cmp::Reverse(r.answer));
    let reason = explain(answer, &rules, effects.len());
    let writes = match call.action {
        rein_call::Action::Shell { .. } => analysis.write_scope(),
        _ => rein_shell::WriteScope::Anything,
    };
    Ok(Decision {
        answer,
        reason,
        rules,
        effects,
        policy_hash: policies.hash().to_owned(),
        elapsed_us: started.elapsed().as_micros() as u64,
        writes,
    })
}

/// What a shell command may write, without deciding it (see [`Decision::writes`]): for a step
/// whose decision was not recorded.
pub fn shell_writes(
    command: &str,
    cwd: &std::path::Path,
    home: &std::path::Path,
) -> rein_shell::WriteScope {
    rein_shell::analyze(
        command,
        &rein_shell::Context {
            cwd: cwd.to_path_buf(),
            home: home.to_path_buf(),
        },
        &Limits::default(),
    )
    .write_scope()
}

fn on_text(item: &Item) -> String {
    if item.command.is_empty() || item.action == "exec" {
        item.summary.clone()
    } else {
        format!("{} (in `{}`)", item.summary, item.command)
    }
}

fn explain(answer: Answer, rules: &[MatchedRule], checked: usize) -> String {
    match rules.first() {
        Some(r) if answer != Answer::Allow => {
            let verdict = match answer {
                Answer::Deny => "Denied",
                _ => "Needs approval",
            };
            format!("{verdict}: {} ({}; rule {}).", r.reason, r.on, r.id)
        }
        _ => format!(
            "Allowed: no rule forbids any of the {checked} request{} this call makes.",
            if checked == 1 { "" } else { "s" }
        ),
    }
}
