//! What rewind, revert, undo and op share: finding the work tree, refusing to start over an
//! interrupted operation, and describing file states for people and in JSON.

use std::fmt::Write as _;
use std::path::Path;

use rein_core::Store;
use rein_core::config::Config;
use rein_core::restore::{FileAction, FileState, OpDone, Restorer, interrupted};

use crate::error::CommandError;
use crate::{host, json};

/// Opens a recorded work tree for an operation, refusing while one is interrupted.
pub fn open<'a>(store: &'a mut Store, worktree_id: i64) -> crate::Result<Restorer<'a>> {
    let stuck = interrupted(store.conn(), Some(worktree_id))?;
    if let Some(i) = stuck.first() {
        return Err(CommandError::user(format!(
            "operation {} ({}) was interrupted; finish it before starting another",
            i.op.id, i.op.description
        ))
        .hint(format!(
            "`rein op recover {}` completes it, `rein op recover {} --undo` reverses it (`rein doctor` says which is possible)",
            i.op.id, i.op.id
        )));
    }
    #[allow(unused_mut)]
    let mut restorer = Restorer::open_id(store, worktree_id)?;
    // Debug builds only: tests interrupt an operation midway to prove it can be recovered.
    #[cfg(debug_assertions)]
    {
        restorer.abort_after_writes = host::non_empty("REIN_TEST_FAULT").and_then(|f| {
            f.strip_prefix("op-abort-after:")
                .and_then(|n| n.parse().ok())
        });
    }
    Ok(restorer)
}

/// Who runs the operation: the configured human, else git's user.email, else $USER.
pub fn human(root: &Path) -> Option<String> {
    let configured = Config::load(&host::config_files(Some(root)))
        .ok()
        .and_then(|c| c.human);
    host::resolve_human(configured.as_deref(), root)
}

/// One word for what happens to a file.
pub fn verb(before: &FileState, after: &FileState) -> &'static str {
    match (before, after) {
        (FileState::Absent, FileState::Absent) => "keep",
        (FileState::Absent, _) => "create",
        (_, FileState::Absent) => "delete",
        (a, b) if a.blob() == b.blob() => "chmod",
        _ => "restore",
    }
}

/// A file state in JSON: `None` (null) when absent.
pub fn state_json(s: &FileState) -> Option<json::FileState> {
    match s {
        FileState::Absent => None,
        FileState::Present { blob, mode } => Some(json::FileState {
            blob: blob.to_hex(),
            mode: format!("{mode:o}"),
            symlink: s.is_symlink(),
        }),
    }
}

/// What an operation did to a file, in JSON.
pub fn action_json(a: &FileAction) -> json::FileAction {
    file_action_json(&a.path, &a.before, &a.after)
}

/// A file's change from `before` to `after`, in JSON.
pub fn file_action_json(path: &str, before: &FileState, after: &FileState) -> json::FileAction {
    json::FileAction {
        path: path.to_owned(),
        action: verb(before, after),
        before: state_json(before),
        after: state_json(after),
    }
}

/// `  restore  src/a.rs` lines.
pub fn action_lines(out: &mut String, actions: &[FileAction]) {
    for a in actions {
        let _ = writeln!(out, "  {:<8} {}", verb(&a.before, &a.after), a.path);
    }
}

/// The closing line of a finished operation.
pub fn done_line(out: &mut String, done: &OpDone) {
    let n = done.files.len();
    let _ = writeln!(
        out,
        "operation {}: {n} file{} changed; `rein undo` reverses it",
        done.op,
        if n == 1 { "" } else { "s" }
    );
}
