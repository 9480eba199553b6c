//! Rewind, revert and undo: putting files back, and the operation log that makes every such
//! change undoable (as jj's operation log does for rewrites).
//!
//! Every operation follows the same protocol, so a crash at any point can be completed or rolled
//! back:
//! 1. Under the work tree's capture lock (hooks wait), plan: what each file must become, and
//!    check the disk against what rein last recorded.
//! 2. In one transaction, log the operation as `applying` with every file's state before and
//!    after, keeping the content of every "before" in the store.
//! 3. Write each new file aside, flush the file system once, then rename into place (removals
//!    first). Each file changes atomically.
//! 4. In one transaction, mark the operation `done`, record the new file versions (origin `op`,
//!    so the recorder does not take them for external edits) and append the audit record.
//!
//! A failure in step 3 puts back what was already written; if even that fails, the operation
//! stays `applying` and [`Restorer::recover`] finishes or reverses it on the next run.

pub mod disk;
mod oplog;
mod revert;
mod rewind;

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::capture::WorktreeLock;
use crate::error::{Error, Result};
use crate::store::Store;

pub use disk::{FileState, safe_path};
pub use oplog::{
    FileProgress, Interrupted, OpFile, OpRow, UndoFile, UndoPlan, interrupted, op, op_files, ops,
};
pub use revert::{Conflict, RevertFile, RevertOutcome, RevertPlan};
pub use rewind::{PlanEntry, Point, RewindFile, RewindPlan, point_of, rewind_plan};

/// How long an operation waits for a hook that is capturing the same work tree.
const LOCK_WAIT: Duration = Duration::from_secs(10);

/// The kinds of operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpKind {
    Rewind,
    Revert,
    Undo,
}

impl OpKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OpKind::Rewind => "rewind",
            OpKind::Revert => "revert",
            OpKind::Undo => "undo",
        }
    }
}

/// Why a file blocks an operation whatever the flags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The recorded path is unsafe to write (traversal, `.git`, a symlinked directory).
    Unsafe(String),
    /// The content to write was recorded by hash only.
    NotStored,
    /// A directory or special file stands where a file must go.
    Occupied(&'static str),
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Unsafe(why) => f.write_str(why),
            Refusal::NotStored => {
                f.write_str("its content was recorded by hash only (larger than the capture limit)")
            }
            Refusal::Occupied(what) => write!(f, "{what} stands there now"),
        }
    }
}

/// One file an operation changes: the state on disk now (its content kept in the op log
/// before anything is written) and the state it writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileAction {
    pub path: String,
    pub before: FileState,
    pub after: FileState,
}

/// An operation ready to run.
#[derive(Debug)]
pub struct NewOp {
    pub kind: OpKind,
    pub target: String,
    pub description: String,
    pub undoes: Option<i64>,
    pub options: serde_json::Value,
    pub human: Option<String>,
    pub actions: Vec<FileAction>,
    /// Content the operation needs kept: every "before", and merged results.
    pub keep: Vec<crate::blob::PreparedBlob>,
}

/// What an operation did.
#[derive(Debug, Clone)]
pub struct OpDone {
    pub op: i64,
    pub audit_seq: i64,
    pub files: Vec<FileAction>,
}

/// Runs operations on one work tree, holding its capture lock so that no hook records a
/// half-written tree.
pub struct Restorer<'a> {
    pub(crate) store: &'a mut Store,
    pub(crate) root: PathBuf,
    pub(crate) worktree_id: i64,
    /// Test hook: abort the process after this many files of an operation are in place, to
    /// prove that an interrupted operation can be recovered. Set only by debug builds' tests.
    #[doc(hidden)]
    pub abort_after_writes: Option<usize>,
    _lock: WorktreeLock,
}

impl<'a> Restorer<'a> {
    /// Opens the work tree `root` (as recorded) for operations.
    pub fn open(store: &'a mut Store, root: &Path) -> Result<Restorer<'a>> {
        let worktree_id =
            crate::query::worktree_id(store.conn(), root)?.ok_or_else(|| Error::NotFound {
                kind: "recorded work tree",
                query: root.display().to_string(),
            })?;
        Self::open_id(store, worktree_id)
    }

    /// Opens a recorded work tree by id.
    pub fn open_id(store: &'a mut Store, worktree_id: i64) -> Result<Restorer<'a>> {
        let root: String = store.conn().query_row(
            "SELECT root FROM worktrees WHERE id = ?1",
            [worktree_id],
            |r| r.get(0),
        )?;
        let root = PathBuf::from(root);
        if !root.is_dir() {
            return Err(Error::Invalid(format!(
                "the work tree {} no longer exists",
                root.display()
            )));
        }
        let Some(lock) = WorktreeLock::acquire(store.layout(), &root, LOCK_WAIT)? else {
            return Err(Error::Invalid(format!(
                "timed out waiting for a hook that is recording {}; try again",
                root.display()
            )));
        };
        Ok(Restorer {
            store,
            root,
            worktree_id,
            abort_after_writes: None,
            _lock: lock,
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn worktree_id(&self) -> i64 {
        self.worktree_id
    }

    pub fn store(&self) -> &Store {
        self.store
    }
}
