//! `rein rewind|revert|undo --json`, `rein op log|show|recover --json`.

use serde::Serialize;
use serde_json::Value;

use super::{Schema, documents};

/// Which operation a document is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    Rewind,
    Revert,
    Undo,
    Recover,
}

/// How an operation went (or would go).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Done,
    /// `--dry-run`: nothing was changed.
    Planned,
    /// Nothing to do.
    Unchanged,
    /// Nothing was changed: see each file's reasons.
    Refused,
    /// revert: nothing was changed.
    Conflict,
    /// revert `--conflict-markers`: written, with markers.
    ConflictMarkers,
    /// `op recover --undo`.
    RolledBack,
}

/// A file's state: `None` (null) when absent.
#[derive(Debug, Clone, Serialize)]
pub struct FileState {
    /// BLAKE3, hex.
    pub blob: String,
    /// Octal, with the file type: `100644`, `100755`, `120000` (a symlink, whose blob is the
    /// link target).
    pub mode: String,
    pub symlink: bool,
}

/// What an operation does, or did, to one file.
#[derive(Debug, Clone, Serialize)]
pub struct FileAction {
    pub path: String,
    /// `create`, `delete`, `restore`, `chmod` (or `keep`).
    pub action: &'static str,
    pub before: Option<FileState>,
    /// The state written; `None`: the file is removed.
    pub after: Option<FileState>,
}

/// `rein rewind --json`: `F` is [`RewindFile`] for a plan, [`FileAction`] once done.
#[derive(Debug, Serialize)]
pub struct Rewind<F> {
    pub schema: Schema,
    pub operation: Operation,
    pub status: Status,
    /// The operation's number in `rein op log`; `None` unless done.
    pub op: Option<i64>,
    /// As given.
    pub target: String,
    /// `before prompt p3`.
    pub point: String,
    pub worktree: String,
    pub files: Vec<F>,
}

/// A file of a rewind planned or refused.
#[derive(Debug, Serialize)]
pub struct RewindFile {
    pub path: String,
    pub action: &'static str,
    pub before: Option<FileState>,
    pub after: Option<FileState>,
    /// What rein last recorded for the file.
    pub recorded: Option<FileState>,
    /// Edited outside an agent after the point.
    pub external: bool,
    /// The disk differs from the record.
    pub unrecorded: bool,
    /// Why this file can never be written.
    pub refusal: Option<String>,
}

/// `rein revert --json`: `F` is [`RevertFile`] for a plan, [`FileAction`] once done.
#[derive(Debug, Serialize)]
pub struct Revert<F> {
    pub schema: Schema,
    pub operation: Operation,
    pub status: Status,
    pub op: Option<i64>,
    pub target: String,
    /// `step 12`, `prompt p3`.
    pub reverts: String,
    pub worktree: String,
    pub files: Vec<F>,
    pub conflicts: Vec<Conflict>,
}

/// A file of a revert planned or refused.
#[derive(Debug, Serialize)]
pub struct RevertFile {
    pub path: String,
    /// Also `merge` (a three-way result), `conflict` and `refused`.
    pub action: &'static str,
    pub before: Option<FileState>,
    pub after: Option<FileState>,
    pub refusal: Option<String>,
}

/// A file where the reverted step and a later change meet.
#[derive(Debug, Serialize)]
pub struct Conflict {
    pub path: String,
    pub reason: String,
    /// Empty when the conflict is the whole file's (deleted since, say).
    pub hunks: Vec<ConflictHunk>,
}

#[derive(Debug, Serialize)]
pub struct ConflictHunk {
    pub current: HunkSide,
    pub after_step: HunkSide,
    pub before_step: HunkSide,
}

#[derive(Debug, Serialize)]
pub struct HunkSide {
    /// From 1.
    pub start: usize,
    pub lines: usize,
    /// Redacted.
    pub text: String,
}

/// `rein undo --json`: `F` is [`UndoFile`] for a plan, [`FileAction`] once done.
#[derive(Debug, Serialize)]
pub struct Undo<F> {
    pub schema: Schema,
    pub operation: Operation,
    pub status: Status,
    pub op: Option<i64>,
    /// The operation undone.
    pub undoes: i64,
    pub worktree: String,
    pub files: Vec<F>,
}

/// A file of an undo planned or refused.
#[derive(Debug, Serialize)]
pub struct UndoFile {
    pub path: String,
    pub action: &'static str,
    pub before: Option<FileState>,
    pub after: Option<FileState>,
    /// Changed after the operation wrote it.
    pub changed_since: bool,
    pub refusal: Option<String>,
}

/// `rein op log --json`: newest first.
#[derive(Debug, Serialize)]
pub struct OpLog {
    pub schema: Schema,
    pub operations: Vec<LoggedOp>,
}

/// `rein op show <op> --json`: one operation, its `schema` last.
#[derive(Debug, Serialize)]
pub struct OpShow {
    #[serde(flatten)]
    pub operation: LoggedOp,
    pub schema: Schema,
}

/// `rein op recover --json`.
#[derive(Debug, Serialize)]
pub struct Recover {
    pub schema: Schema,
    pub operation: Operation,
    /// `done`, or `rolled_back` with `--undo`.
    pub status: Status,
    pub op: i64,
    pub files: Vec<FileAction>,
}

documents!(Rewind<F>, Revert<F>, Undo<F>, OpLog, OpShow, Recover);

/// An operation of the log.
#[derive(Debug, Serialize)]
pub struct LoggedOp {
    pub op: i64,
    /// `rewind`, `revert` or `undo`.
    pub kind: String,
    pub target: String,
    pub description: String,
    pub undoes: Option<i64>,
    /// `done`, `rolled_back` or `applying` (interrupted).
    pub state: String,
    pub worktree: String,
    pub human: Option<String>,
    pub options: Value,
    pub started_at: String,
    pub ended_at: Option<String>,
    pub files: Vec<FileAction>,
}
