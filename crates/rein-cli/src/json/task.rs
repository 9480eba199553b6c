//! `rein task start|end|show|list --json`.

use serde::Serialize;

use super::{Schema, documents};

/// `rein task start|end|show --json`: the task (`show`: none when no task is active).
#[derive(Debug, Serialize)]
pub struct TaskDoc {
    pub schema: Schema,
    pub task: Option<Task>,
}

/// `rein task list --json`: newest first.
#[derive(Debug, Serialize)]
pub struct TaskList {
    pub schema: Schema,
    pub tasks: Vec<Task>,
}

documents!(TaskDoc, TaskList);

#[derive(Debug, Serialize)]
pub struct Task {
    pub id: i64,
    pub title: String,
    /// Globs relative to the work tree.
    pub scope: Vec<String>,
    pub worktree: String,
    pub human: Option<String>,
    pub started_at: String,
    pub expires_at: Option<String>,
    pub ended_at: Option<String>,
}
