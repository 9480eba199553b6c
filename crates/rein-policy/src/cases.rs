//! Cases files in the guard-corpus format: what the policy must decide for given calls.
//!
//! ```toml
//! [[case]]
//! id = "rm-root"
//! command = "rm -rf /"          # a Bash call, or:
//! # tool = "Read"
//! # input = { file_path = "/home/dev/project/.env" }
//! expect = "deny"               # deny | ask | block (deny or ask) | allow
//! why = "optional"
//! ```
//!
//! Every case runs in a git work tree at /home/dev/project (the cwd) with HOME=/home/dev.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::decide::{Answer, decide};
use crate::error::PolicyError;
use crate::facts::Place;
use crate::load::Policies;
use crate::request::{Call, Principal};

/// Largest cases file accepted.
const MAX_CASES_BYTES: usize = 16 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Expect {
    Allow,
    Ask,
    Deny,
    /// Deny or ask; allow is wrong.
    Block,
}

impl Expect {
    pub fn accepts(self, answer: Answer) -> bool {
        match self {
            Expect::Allow => answer == Answer::Allow,
            Expect::Ask => answer == Answer::Ask,
            Expect::Deny => answer == Answer::Deny,
            Expect::Block => answer != Answer::Allow,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    pub id: String,
    #[serde(default)]
    pub command: Option<String>,
    #[serde(default)]
    pub tool: Option<String>,
    #[serde(default)]
    pub input: Option<toml::Value>,
    pub expect: Expect,
    #[serde(default)]
    pub why: Option<String>,
    #[serde(default)]
    pub source: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CasesFile {
    #[serde(default)]
    case: Vec<Case>,
}

/// The result of one case.
#[derive(Debug, Clone, Serialize)]
pub struct CaseOutcome {
    pub id: String,
    pub tool: String,
    pub input: Value,
    pub expect: Expect,
    /// A call that could not be decided counts as deny, as the gate would answer.
    pub answer: Answer,
    pub ok: bool,
    pub reason: String,
    pub rules: Vec<String>,
}

/// Parses a cases file. `label` names it in errors.
pub fn parse_cases(label: &str, text: &str) -> Result<Vec<Case>, PolicyError> {
    if text.len() > MAX_CASES_BYTES {
        return Err(PolicyError::Cases {
            file: label.into(),
            message: format!("larger than {MAX_CASES_BYTES} bytes"),
        });
    }
    let file: CasesFile = toml::from_str(text).map_err(|e| PolicyError::Cases {
        file: label.into(),
        message: e.to_string(),
    })?;
    let mut seen = std::collections::HashSet::new();
    for case in &file.case {
        if !seen.insert(case.id.as_str()) {
            return Err(PolicyError::Cases {
                file: label.into(),
                message: format!("case id `{}` appears twice", case.id),
            });
        }
        match (&case.command, &case.tool, &case.input) {
            (Some(_), None | Some(_), None) => {}
            (None, Some(_), Some(_)) => {}
            _ => {
                return Err(PolicyError::Cases {
                    file: label.into(),
                    message: format!(
                        "case `{}` needs `command` (a Bash call) or `tool` with `input`",
                        case.id
                    ),
                });
            }
        }
    }
    Ok(file.case)
}

/// The place every case runs in.
pub fn corpus_place() -> Place {
    Place {
        cwd: "/home/dev/project".into(),
        worktree: "/home/dev/project".into(),
        home: "/home/dev".into(),
        tmp_dirs: Vec::new(),
    }
}

/// Runs every case. An undecidable case counts as deny (what the gate would answer).
/// `normalize` is the agent dialect that turns a case's tool name and input into what the call
/// does (the corpus speaks Claude Code's tool names).
pub fn run_cases(
    policies: &Policies,
    cases: &[Case],
    limits: &crate::Limits,
    normalize: &dyn Fn(&str, &Value) -> rein_call::Action,
) -> Vec<CaseOutcome> {
    let place = corpus_place();
    let principal = Principal {
        human: "dev@example.com".into(),
        agent: "claude-code".into(),
        session: "corpus".into(),
    };
    cases
        .iter()
        .map(|case| {
            let (tool, input) = match (&case.command, &case.tool, &case.input) {
                (Some(cmd), tool, None) => (
                    tool.clone().unwrap_or_else(|| "Bash".into()),
                    serde_json::json!({ "command": cmd }),
                ),
                (_, Some(tool), Some(input)) => (
                    tool.clone(),
                    serde_json::to_value(input).unwrap_or(Value::Null),
                ),
                _ => ("Bash".into(), Value::Null),
            };
            let action = normalize(&tool, &input);
            let call = Call {
                tool: &tool,
                input: &input,
                action: &action,
                place: &place,
                principal: &principal,
                environment: "local",
                permission_mode: "default",
                task: None,
            };
            let (answer, reason, rules) = match decide(policies, &call, limits) {
                Ok(d) => {
                    let ids = d.rule_ids();
                    (d.answer, d.reason, ids)
                }
                Err(e) => (Answer::Deny, format!("undecidable: {e}"), Vec::new()),
            };
            CaseOutcome {
                id: case.id.clone(),
                tool,
                input,
                expect: case.expect,
                ok: case.expect.accepts(answer),
                answer,
                reason,
                rules,
            }
        })
        .collect()
}
