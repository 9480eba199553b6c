//! The operation log: running an operation, undoing one, and finishing one a crash interrupted.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde_json::{Value, json};

use super::disk::{self, FileState, Seen};
use super::{FileAction, NewOp, OpDone, OpKind, Refusal, Restorer};
use crate::blob::BlobId;
use crate::error::{Error, Result};
use crate::store::Layout;
use crate::time::{Micros, now_micros};

/// One logged operation.
#[derive(Debug, Clone)]
pub struct OpRow {
    pub id: i64,
    pub worktree_id: i64,
    pub worktree: String,
    pub kind: String,
    pub target: String,
    pub description: String,
    pub undoes: Option<i64>,
    pub options: Value,
    pub human: Option<String>,
    /// `applying` (interrupted, if no operation is running), `done` or `rolled_back`.
    pub state: String,
    pub started_at: Micros,
    pub ended_at: Option<Micros>,
}

/// One file of a logged operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpFile {
    pub seq: i64,
    pub path: String,
    pub before: FileState,
    pub after: FileState,
}

const OP_COLS: &str = "o.id, o.worktree_id, w.root, o.kind, o.target, o.description, o.undoes,
    o.options, o.human, o.state, o.started_at, o.ended_at";

fn op_from(r: &Row<'_>) -> rusqlite::Result<OpRow> {
    let options: String = r.get(7)?;
    Ok(OpRow {
        id: r.get(0)?,
        worktree_id: r.get(1)?,
        worktree: r.get(2)?,
        kind: r.get(3)?,
        target: r.get(4)?,
        description: r.get(5)?,
        undoes: r.get(6)?,
        options: serde_json::from_str(&options).unwrap_or(Value::Null),
        human: r.get(8)?,
        state: r.get(9)?,
        started_at: r.get(10)?,
        ended_at: r.get(11)?,
    })
}

/// Operations, newest first; only those of one work tree when given.
pub fn ops(conn: &Connection, worktree_id: Option<i64>, limit: usize) -> Result<Vec<OpRow>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {OP_COLS} FROM ops o JOIN worktrees w ON w.id = o.worktree_id
          WHERE ?1 IS NULL OR o.worktree_id = ?1 ORDER BY o.id DESC LIMIT ?2"
    ))?;
    let rows = stmt.query_map(
        params![worktree_id, i64::try_from(limit).unwrap_or(i64::MAX)],
        op_from,
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// One operation.
pub fn op(conn: &Connection, id: i64) -> Result<OpRow> {
    conn.query_row(
        &format!(
            "SELECT {OP_COLS} FROM ops o JOIN worktrees w ON w.id = o.worktree_id WHERE o.id = ?1"
        ),
        [id],
        op_from,
    )
    .optional()?
    .ok_or_else(|| Error::NotFound {
        kind: "operation",
        query: id.to_string(),
    })
}

/// The files of an operation, in the order it wrote them.
pub fn op_files(conn: &Connection, op: i64) -> Result<Vec<OpFile>> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, path, before_blob, before_mode, after_blob, after_mode FROM op_files
          WHERE op_id = ?1 ORDER BY seq",
    )?;
    let blob = |r: &Row<'_>, i| -> rusqlite::Result<Option<BlobId>> {
        Ok(r.get::<_, Option<Vec<u8>>>(i)?
            .as_deref()
            .and_then(BlobId::from_slice))
    };
    let rows = stmt.query_map([op], |r| {
        Ok(OpFile {
            seq: r.get(0)?,
            path: r.get(1)?,
            before: FileState::from_parts(blob(r, 2)?, r.get(3)?),
            after: FileState::from_parts(blob(r, 4)?, r.get(5)?),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Where a file of an interrupted operation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileProgress {
    /// Not written yet.
    Before,
    /// Written.
    After,
    /// Neither: something else changed it since.
    Neither,
}

/// An operation that did not finish, with each file's progress.
#[derive(Debug, Clone)]
pub struct Interrupted {
    pub op: OpRow,
    pub files: Vec<(OpFile, FileProgress)>,
}

impl Interrupted {
    pub fn written(&self) -> usize {
        self.files
            .iter()
            .filter(|(f, p)| *p == FileProgress::After && f.before != f.after)
            .count()
    }
    /// Paths that match neither side: recovery will not guess about them.
    pub fn diverged(&self) -> Vec<&str> {
        self.files
            .iter()
            .filter(|(_, p)| *p == FileProgress::Neither)
            .map(|(f, _)| f.path.as_str())
            .collect()
    }
}

/// Operations left `applying` by a crash (or running right now in another process), with where
/// each of their files stands on disk.
pub fn interrupted(conn: &Connection, worktree_id: Option<i64>) -> Result<Vec<Interrupted>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {OP_COLS} FROM ops o JOIN worktrees w ON w.id = o.worktree_id
          WHERE o.state = 'applying' AND (?1 IS NULL OR o.worktree_id = ?1) ORDER BY o.id"
    ))?;
    let rows = stmt
        .query_map(params![worktree_id], op_from)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut out = Vec::new();
    for op in rows {
        let root = Path::new(&op.worktree).to_path_buf();
        let mut files = Vec::new();
        for f in op_files(conn, op.id)? {
            let progress = match disk::safe_path(&root, &f.path).and_then(|abs| disk::look(&abs)) {
                Ok(seen) if seen.other.is_none() && seen.state == f.after => FileProgress::After,
                Ok(seen) if seen.other.is_none() && seen.state == f.before => FileProgress::Before,
                _ => FileProgress::Neither,
            };
            files.push((f, progress));
        }
        out.push(Interrupted { op, files });
    }
    Ok(out)
}

/// One file an undo puts back.
#[derive(Debug)]
pub struct UndoFile {
    pub path: String,
    /// What the undone operation wrote.
    pub expected: FileState,
    /// What was there before it: the undo writes this.
    pub wanted: FileState,
    pub seen: Seen,
    pub refusal: Option<Refusal>,
}

impl UndoFile {
    /// Changed since the undone operation wrote it: undoing would overwrite that change.
    pub fn changed_since(&self) -> bool {
        self.seen.other.is_some()
            || (self.seen.state != self.expected && self.seen.state != self.wanted)
    }
    pub fn needs_write(&self) -> bool {
        self.seen.other.is_some() || self.seen.state != self.wanted
    }
}

/// What `undo` would do.
#[derive(Debug)]
pub struct UndoPlan {
    pub op: OpRow,
    pub files: Vec<UndoFile>,
}

impl Restorer<'_> {
    /// The operation `undo` reverses by default: the newest finished one in this work tree.
    pub fn last_op(&self) -> Result<Option<OpRow>> {
        let id: Option<i64> = self
            .store
            .conn()
            .query_row(
                "SELECT id FROM ops WHERE worktree_id = ?1 AND state = 'done'
                  ORDER BY id DESC LIMIT 1",
                [self.worktree_id],
                |r| r.get(0),
            )
            .optional()?;
        id.map(|id| op(self.store.conn(), id)).transpose()
    }

    /// Plans undoing operation `id` (default: the last one).
    pub fn plan_undo(&self, id: Option<i64>) -> Result<UndoPlan> {
        let op = match id {
            Some(id) => op(self.store.conn(), id)?,
            None => self.last_op()?.ok_or_else(|| {
                Error::Invalid("there is no operation to undo in this work tree".into())
            })?,
        };
        if op.worktree_id != self.worktree_id {
            return Err(Error::Invalid(format!(
                "operation {} belongs to another work tree ({})",
                op.id, op.worktree
            )));
        }
        if op.state != "done" {
            return Err(Error::Invalid(format!(
                "operation {} is {}, not done: only a finished operation can be undone",
                op.id,
                op.state.replace('_', " ")
            )));
        }
        let mut files = Vec::new();
        for f in op_files(self.store.conn(), op.id)? {
            let (seen, refusal) = self.look_at(&f.path, f.before)?;
            files.push(UndoFile {
                path: f.path,
                expected: f.after,
                wanted: f.before,
                seen,
                refusal,
            });
        }
        Ok(UndoPlan { op, files })
    }

    /// Looks at a recorded path, and says whether `want` could be written there.
    pub(crate) fn look_at(&self, rel: &str, want: FileState) -> Result<(Seen, Option<Refusal>)> {
        let abs = match disk::safe_path(&self.root, rel) {
            Ok(abs) => abs,
            Err(e) => {
                // Never look through it: what stands there is unknown, so it always counts
                // as a file to change, and the refusal is reported.
                let seen = Seen::new(FileState::Absent, Some("a path rein will not follow"));
                return Ok((seen, Some(Refusal::Unsafe(e.to_string()))));
            }
        };
        let seen = disk::look(&abs)?;
        let refusal = if let Some(what) = seen.other {
            Some(Refusal::Occupied(what))
        } else if let Some(blob) = want.blob()
            && seen.state.blob() != Some(blob)
            && !crate::blob::has_content(self.store.conn(), &blob)?
        {
            Some(Refusal::NotStored)
        } else {
            None
        };
        Ok((seen, refusal))
    }

    /// An undo (or any operation built from planned files): see [`Restorer::new_op`].
    pub fn undo_op(
        &self,
        kind: OpKind,
        target: String,
        description: String,
        files: Vec<(String, Seen, FileState)>,
    ) -> Result<NewOp> {
        self.new_op(kind, target, description, files)
    }

    /// Turns planned files (path, what is there, what to write) into an operation, keeping the
    /// content of everything it will overwrite. Files already as wanted are left out.
    pub(crate) fn new_op(
        &self,
        kind: OpKind,
        target: String,
        description: String,
        files: Vec<(String, Seen, FileState)>,
    ) -> Result<NewOp> {
        let mut actions = Vec::new();
        let mut keep = Vec::new();
        for (path, seen, want) in files {
            if seen.other.is_none() && seen.state == want {
                continue;
            }
            let abs = disk::safe_path(&self.root, &path)?;
            keep.extend(seen.keep(self.store.layout(), &abs)?);
            actions.push(FileAction {
                path,
                before: seen.state,
                after: want,
            });
        }
        Ok(NewOp {
            kind,
            target,
            description,
            undoes: None,
            options: json!({}),
            human: None,
            actions,
            keep,
        })
    }

    /// Runs an operation (see the module documentation for the protocol).
    pub fn execute(&mut self, op: NewOp) -> Result<OpDone> {
        let now = now_micros();
        let root = self.root.display().to_string();
        let wt = self.worktree_id;
        let tx = self.store.write_tx()?;
        for b in &op.keep {
            b.insert(&tx)?;
        }
        // History must say what was on disk before the operation: a difference from the record
        // is an edit rein had not seen yet, from outside.
        for a in &op.actions {
            let recorded = recorded_state(&tx, wt, &a.path)?;
            if recorded != a.before {
                insert_version(&tx, wt, &a.path, "external", None, recorded, a.before, now)?;
            }
        }
        tx.execute(
            "INSERT INTO ops (worktree_id, kind, target, description, undoes, options, human,
                 state, started_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'applying', ?8)",
            params![
                wt,
                op.kind.as_str(),
                op.target,
                op.description,
                op.undoes,
                op.options.to_string(),
                op.human,
                now
            ],
        )?;
        let op_id = tx.last_insert_rowid();
        for (seq, a) in op.actions.iter().enumerate() {
            tx.execute(
                "INSERT INTO op_files (op_id, seq, path, before_blob, before_mode, after_blob,
                     after_mode) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    op_id,
                    seq as i64,
                    a.path,
                    a.before.blob().map(|b| b.0.to_vec()),
                    a.before.mode(),
                    a.after.blob().map(|b| b.0.to_vec()),
                    a.after.mode()
                ],
            )?;
        }
        crate::audit::append(
            &tx,
            now,
            "rein.op.begin",
            &json!({
                "op": op_id,
                "kind": op.kind.as_str(),
                "target": op.target,
                "worktree": root,
                "files": op.actions.len(),
            }),
        )?;
        tx.commit()?;

        let forward: Vec<(i64, &str, FileState)> = op
            .actions
            .iter()
            .enumerate()
            .map(|(i, a)| (i as i64, a.path.as_str(), a.after))
            .collect();
        match write_states(
            self.store.conn(),
            self.store.layout(),
            &self.root,
            op_id,
            &forward,
            "",
            self.abort_after_writes,
        ) {
            Ok(()) => {
                let audit_seq = self.finish(op_id, "done")?;
                Ok(OpDone {
                    op: op_id,
                    audit_seq,
                    files: op.actions,
                })
            }
            Err(failure) => {
                // Put back what was written, newest first.
                let back: Vec<(i64, &str, FileState)> = failure
                    .done
                    .iter()
                    .rev()
                    .map(|&i| (i as i64, op.actions[i].path.as_str(), op.actions[i].before))
                    .collect();
                match write_states(
                    self.store.conn(),
                    self.store.layout(),
                    &self.root,
                    op_id,
                    &back,
                    "r",
                    None,
                ) {
                    Ok(()) => {
                        self.finish(op_id, "rolled_back")?;
                        Err(failure.error)
                    }
                    Err(again) => Err(Error::Invalid(format!(
                        "{}; putting the files back failed too ({}): operation {op_id} is interrupted, \
                         see `rein doctor` and `rein op recover`",
                        failure.error, again.error
                    ))),
                }
            }
        }
    }

    /// Finishes an interrupted operation: completes it, or with `reverse` puts every file it
    /// already wrote back. Refuses, changing nothing, when a file matches neither side.
    pub fn recover(&mut self, op_id: i64, reverse: bool) -> Result<OpDone> {
        let found = interrupted(self.store.conn(), Some(self.worktree_id))?
            .into_iter()
            .find(|i| i.op.id == op_id)
            .ok_or_else(|| {
                Error::Invalid(format!(
                    "operation {op_id} is not an interrupted operation of this work tree"
                ))
            })?;
        let diverged = found.diverged();
        if !diverged.is_empty() {
            return Err(Error::Invalid(format!(
                "{} changed since operation {op_id} began, so rein cannot tell how far it got: {}",
                if diverged.len() == 1 {
                    "a file"
                } else {
                    "files"
                },
                diverged.join(", ")
            )));
        }
        for (f, _) in &found.files {
            disk::remove_leftover(&self.root, &f.path, &disk::staging_name(op_id, f.seq, ""));
            disk::remove_leftover(&self.root, &f.path, &disk::staging_name(op_id, f.seq, "r"));
        }
        let (from, suffix) = if reverse {
            (FileProgress::After, "u")
        } else {
            (FileProgress::Before, "c")
        };
        let todo: Vec<(i64, &str, FileState)> = found
            .files
            .iter()
            .filter(|(f, p)| *p == from && f.before != f.after)
            .map(|(f, _)| {
                (
                    f.seq,
                    f.path.as_str(),
                    if reverse { f.before } else { f.after },
                )
            })
            .collect();
        write_states(
            self.store.conn(),
            self.store.layout(),
            &self.root,
            op_id,
            &todo,
            suffix,
            None,
        )
        .map_err(|f| f.error)?;
        let state = if reverse { "rolled_back" } else { "done" };
        let audit_seq = self.finish(op_id, state)?;
        Ok(OpDone {
            op: op_id,
            audit_seq,
            files: found
                .files
                .into_iter()
                .map(|(f, _)| FileAction {
                    path: f.path,
                    before: if reverse { f.after } else { f.before },
                    after: if reverse { f.before } else { f.after },
                })
                .collect(),
        })
    }

    /// Closes an operation: its final state, the file versions that make the record match the
    /// disk again, and the audit record, in one transaction.
    fn finish(&mut self, op_id: i64, state: &str) -> Result<i64> {
        let now = now_micros();
        let wt = self.worktree_id;
        let root = self.root.display().to_string();
        let files = op_files(self.store.conn(), op_id)?;
        let row = op(self.store.conn(), op_id)?;
        let tx = self.store.write_tx()?;
        let mut records = Vec::new();
        for f in &files {
            let now_state = if state == "done" { f.after } else { f.before };
            let recorded = recorded_state(&tx, wt, &f.path)?;
            if recorded != now_state {
                insert_version(
                    &tx,
                    wt,
                    &f.path,
                    "op",
                    Some(op_id),
                    recorded,
                    now_state,
                    now,
                )?;
            }
            records.push(json!({
                "path": f.path,
                "before": f.before.blob().map(|b| b.to_hex()),
                "after": f.after.blob().map(|b| b.to_hex()),
                "before_mode": f.before.mode(),
                "after_mode": f.after.mode(),
            }));
        }
        tx.execute(
            "UPDATE ops SET state = ?1, ended_at = ?2 WHERE id = ?3",
            params![state, now, op_id],
        )?;
        let seq = crate::audit::append(
            &tx,
            now,
            &format!("rein.op.{state}"),
            &json!({
                "op": op_id,
                "kind": row.kind,
                "target": row.target,
                "description": row.description,
                "undoes": row.undoes,
                "human": row.human,
                "worktree": root,
                "files": records,
            }),
        )?;
        tx.commit()?;
        Ok(seq)
    }
}

/// The state rein last recorded for a path (absent if never seen).
fn recorded_state(conn: &Connection, wt: i64, path: &str) -> Result<FileState> {
    Ok(crate::capture::last_known(conn, wt, path)?
        .map_or(FileState::Absent, |k| FileState::from_parts(k.blob, k.mode)))
}

#[allow(clippy::too_many_arguments)]
fn insert_version(
    conn: &Connection,
    wt: i64,
    path: &str,
    origin: &str,
    op: Option<i64>,
    before: FileState,
    after: FileState,
    now: Micros,
) -> Result<()> {
    let change = match (before, after) {
        (FileState::Absent, _) => "added",
        (_, FileState::Absent) => "deleted",
        _ => "modified",
    };
    conn.execute(
        "INSERT INTO file_versions (worktree_id, path, origin, change, op_id, before_blob,
             after_blob, before_mode, after_mode, time)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            wt,
            path,
            origin,
            change,
            op,
            before.blob().map(|b| b.0.to_vec()),
            after.blob().map(|b| b.0.to_vec()),
            before.mode(),
            after.mode(),
            now
        ],
    )?;
    Ok(())
}

/// Why writing a set of files stopped: the error, and which of them were already changed.
struct WriteFailure {
    error: Error,
    done: Vec<usize>,
}

/// Writes each (seq, path, state): everything staged aside first (a failure there changes
/// nothing), one flush, then removals (deepest first) and renames.
fn write_states(
    conn: &Connection,
    layout: &Layout,
    root: &Path,
    op: i64,
    files: &[(i64, &str, FileState)],
    suffix: &str,
    abort_after: Option<usize>,
) -> Result<(), WriteFailure> {
    let nothing = |error| WriteFailure {
        error,
        done: Vec::new(),
    };
    let mut staged = Vec::with_capacity(files.len());
    for (seq, path, state) in files {
        match disk::stage(
            conn,
            layout,
            root,
            path,
            *state,
            &disk::staging_name(op, *seq, suffix),
        ) {
            Ok(s) => staged.push(s),
            Err(e) => {
                staged.iter().for_each(disk::discard);
                return Err(nothing(e));
            }
        }
    }
    if let Err(e) = disk::sync(root) {
        staged.iter().for_each(disk::discard);
        return Err(nothing(e));
    }
    // Removals first, deepest first, so a file can replace a directory it emptied; then
    // writes in path order, so parents are created before children.
    let mut order: Vec<usize> = (0..staged.len()).collect();
    order.sort_by(|&a, &b| {
        let (sa, sb) = (&staged[a], &staged[b]);
        match (sa.is_removal(), sb.is_removal()) {
            (true, false) => std::cmp::Ordering::Less,
            (false, true) => std::cmp::Ordering::Greater,
            (true, true) => sb
                .rel
                .matches('/')
                .count()
                .cmp(&sa.rel.matches('/').count()),
            (false, false) => sa.rel.cmp(&sb.rel),
        }
    });
    let mut done = Vec::new();
    for (n, &i) in order.iter().enumerate() {
        if let Err(error) = disk::commit(root, &staged[i]) {
            for &j in &order[n..] {
                disk::discard(&staged[j]);
            }
            return Err(WriteFailure { error, done });
        }
        done.push(i);
        if abort_after == Some(done.len()) {
            std::process::abort();
        }
    }
    disk::sync(root).map_err(|error| WriteFailure {
        error,
        done: done.clone(),
    })
}
