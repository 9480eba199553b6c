//! `rein log --json`, `rein show --json` and `rein blame --json`.

use serde::Serialize;
use serde_json::Value;

use super::{Schema, documents};

/// `rein log --json`: sessions newest first (`--all`: grouped by work tree).
#[derive(Debug, Serialize)]
pub struct Log {
    pub schema: Schema,
    pub sessions: Vec<Session>,
}

#[derive(Debug, Serialize)]
pub struct Session {
    /// `s<N>`, for `--session` and `diff`.
    pub session_ref: String,
    /// The agent's own session id.
    pub session_id: String,
    pub agent: String,
    pub cwd: String,
    /// `None` outside a git work tree.
    pub worktree: Option<String>,
    /// The delegating human.
    pub human: Option<String>,
    /// `local` or `ci`.
    pub environment: String,
    pub model: Option<String>,
    pub permission_mode: Option<String>,
    pub started_at: String,
    pub ended_at: Option<String>,
    pub turns: Vec<Turn>,
    pub external: Vec<ExternalChange>,
}

/// A prompt and its steps; the steps whose prompt was not seen form a turn of their own, with
/// no `prompt_ref`, no `prompt` and no `time`.
#[derive(Debug, Serialize)]
pub struct Turn {
    pub prompt_ref: Option<String>,
    /// Redacted; `None` if not recorded.
    pub prompt: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    pub steps: Vec<Step>,
}

#[derive(Debug, Serialize)]
pub struct Step {
    /// For `show` and `diff`.
    pub step: i64,
    /// The gate's decision on this call, if there was one.
    pub decision: Option<DecisionSummary>,
    pub tool_use_id: String,
    pub tool: String,
    pub summary: String,
    /// Set for a step inside a sub-agent.
    pub agent_id: Option<String>,
    /// `ok`, `failed`, `denied`, `pending` or `lost`.
    pub outcome: String,
    pub duration_ms: Option<i64>,
    pub time: String,
    pub files: Vec<FileChange>,
}

/// A decision in brief.
#[derive(Debug, Serialize)]
pub struct DecisionSummary {
    /// `allow`, `ask` or `deny`.
    pub answer: String,
    /// `enforce` or `monitor`.
    pub mode: String,
    /// False in monitor mode: the agent was not told.
    pub enforced: bool,
    /// The ids of the rules that matched, strictest first.
    pub rules: Vec<String>,
    pub reason: String,
}

/// A file a step changed.
#[derive(Debug, Serialize)]
pub struct FileChange {
    pub path: String,
    /// `added`, `modified`, `deleted` or `renamed`.
    pub change: String,
    /// Only for a rename.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_path: Option<String>,
}

/// A change made between steps by someone or something else.
#[derive(Debug, Serialize)]
pub struct ExternalChange {
    pub path: String,
    pub change: String,
    pub old_path: Option<String>,
    /// When rein noticed it.
    pub time: String,
}

/// `rein show <step> --json`.
#[derive(Debug, Serialize)]
pub struct Show {
    pub schema: Schema,
    pub step: i64,
    pub tool_use_id: String,
    pub tool: String,
    pub agent_id: Option<String>,
    /// The full tool input, redacted.
    pub input: Value,
    pub outcome: String,
    pub error: Option<String>,
    pub decision: Option<StepDecision>,
    /// Redacted, long strings cut.
    pub response: Option<Value>,
    pub duration_ms: Option<i64>,
    pub time: String,
    /// `ok`, `none` or `incomplete`.
    pub capture: String,
    pub session_ref: String,
    pub session_id: String,
    pub agent: String,
    pub prompt_ref: Option<String>,
    pub prompt: Option<String>,
    pub files: Vec<FileChange>,
    /// The unified diff, secrets redacted.
    pub diff: String,
}

/// A decision in full, as recorded.
#[derive(Debug, Serialize)]
pub struct StepDecision {
    pub answer: String,
    pub mode: String,
    pub enforced: bool,
    pub reason: String,
    pub rules: Vec<String>,
    pub policy_hash: Option<String>,
    pub time: String,
    /// As `policy check` prints them, when recorded.
    pub effects: Option<Value>,
    /// The rules that matched, as `policy check` prints them, when recorded.
    pub matched: Option<Value>,
    /// Why the gate failed closed.
    pub error: Option<String>,
}

/// `rein blame <file> --json`.
#[derive(Debug, Serialize)]
pub struct Blame {
    pub schema: Schema,
    pub path: String,
    pub lines: Vec<BlameLine>,
}

documents!(Log, Show, Blame);

#[derive(Debug, Serialize)]
pub struct BlameLine {
    /// From 1.
    pub line: usize,
    pub text: String,
    #[serde(flatten)]
    pub origin: LineOrigin,
}

/// Where a line came from: `"origin"`, then what it says about that origin.
#[derive(Debug, Serialize)]
#[serde(tag = "origin", rename_all = "snake_case")]
pub enum LineOrigin {
    /// Written by an agent's step.
    Agent {
        session_id: String,
        step: i64,
        tool: String,
        prompt: Option<String>,
        prompt_ref: Option<String>,
        agent: String,
        time: String,
    },
    /// Written by a rein operation (rewind, revert or undo).
    Op { op: i64, time: String },
    /// Changed between steps; `time` is when rein noticed, `None` if not recorded yet.
    External { time: Option<String> },
    /// Already there when rein first saw the file.
    Baseline { time: String },
}
