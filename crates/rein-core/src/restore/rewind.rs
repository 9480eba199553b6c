//! Rewind: every file changed since a point goes back to its state just before it.

use std::collections::BTreeMap;

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::json;

use super::disk::{FileState, Seen};
use super::{NewOp, OpKind, Refusal, Restorer};
use crate::error::{Error, Result};
use crate::query::{Target, VERSION_COLS, Version, version_from};

/// A point in a work tree's history: every file version with a greater id came after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Point {
    pub worktree_id: i64,
    pub after_version: i64,
    /// "before step 12", "before prompt p3", "before session s2".
    pub description: String,
}

/// The point just before a step, prompt or session began.
pub fn point_of(conn: &Connection, target: Target) -> Result<Point> {
    let (what, sql_mark, sql_fallback, id) = match target {
        Target::Step(id) => (
            format!("step {id}"),
            "SELECT s.versions_before, se.worktree_id FROM steps s
               JOIN sessions se ON se.id = s.session_id WHERE s.id = ?1",
            "SELECT MIN(id) - 1 FROM file_versions WHERE step_id = ?1",
            id,
        ),
        Target::Prompt(id) => (
            format!("prompt p{id}"),
            "SELECT COALESCE(t.versions_before,
                    (SELECT MIN(versions_before) FROM steps WHERE turn_id = t.id)), se.worktree_id
               FROM turns t JOIN sessions se ON se.id = t.session_id WHERE t.id = ?1",
            "SELECT MIN(f.id) - 1 FROM file_versions f JOIN steps s ON s.id = f.step_id
              WHERE s.turn_id = ?1",
            id,
        ),
        Target::Session(id) => (
            format!("session s{id}"),
            "SELECT COALESCE(se.versions_before,
                    (SELECT MIN(versions_before) FROM steps WHERE session_id = se.id)), se.worktree_id
               FROM sessions se WHERE se.id = ?1",
            "SELECT MIN(id) - 1 FROM file_versions WHERE session_id = ?1 AND origin = 'step'",
            id,
        ),
    };
    let row: Option<(Option<i64>, Option<i64>)> = conn
        .query_row(sql_mark, [id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((mark, worktree)) = row else {
        return Err(Error::NotFound {
            kind: "step, prompt or session",
            query: what,
        });
    };
    let worktree_id = worktree.ok_or_else(|| {
        Error::Invalid(format!(
            "{what} ran outside a git work tree, so rein has no file history to go back to"
        ))
    })?;
    // Records made before rein remembered starting points: the first change of the target.
    let mark = match mark {
        Some(m) => m,
        None => conn
            .query_row(sql_fallback, [id], |r| r.get::<_, Option<i64>>(0))?
            .ok_or_else(|| {
                Error::Invalid(format!(
                    "{what} changed no file and has no recorded starting point; rewind to an earlier step"
                ))
            })?,
    };
    Ok(Point {
        worktree_id,
        after_version: mark,
        description: format!("before {what}"),
    })
}

/// One file a rewind touches, as the record has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanEntry {
    pub path: String,
    /// Its state at the point.
    pub wanted: FileState,
    /// The last state rein recorded. The disk must match it, or rein reports the difference
    /// instead of guessing.
    pub recorded: FileState,
    /// Changed from outside (not by an agent step, not by rein) after the point.
    pub external_after: bool,
}

/// Every file changed after version `after` in a work tree, with its state at that point.
/// Paths are in order; a rename contributes both of its names.
pub fn rewind_plan(conn: &Connection, worktree_id: i64, after: i64) -> Result<Vec<PlanEntry>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {VERSION_COLS} FROM file_versions WHERE worktree_id = ?1 AND id > ?2 ORDER BY id"
    ))?;
    let versions = stmt
        .query_map(params![worktree_id, after], version_from)?
        .collect::<rusqlite::Result<Vec<Version>>>()?;
    let mut plan: BTreeMap<String, PlanEntry> = BTreeMap::new();
    for v in &versions {
        if v.change == "baseline" {
            // First sight of a file that already existed: its state did not change here.
            continue;
        }
        let external = v.origin == "external";
        // The name a rename came from: it held `before` at the point, and is gone now.
        if let Some(old) = &v.old_path {
            let e = plan.entry(old.clone()).or_insert_with(|| PlanEntry {
                path: old.clone(),
                wanted: before_of(v),
                recorded: FileState::Absent,
                external_after: false,
            });
            e.recorded = FileState::Absent;
            e.external_after |= external;
        }
        let first_state = if v.old_path.is_some() {
            FileState::Absent
        } else {
            before_of(v)
        };
        let e = plan.entry(v.path.clone()).or_insert_with(|| PlanEntry {
            path: v.path.clone(),
            wanted: first_state,
            recorded: FileState::Absent,
            external_after: false,
        });
        e.recorded = FileState::from_parts(v.after, v.after_mode);
        e.external_after |= external;
    }
    // A file that ends as it started needs nothing.
    Ok(plan
        .into_values()
        .filter(|e| e.wanted != e.recorded)
        .collect())
}

fn before_of(v: &Version) -> FileState {
    FileState::from_parts(v.before, v.before_mode)
}

/// One file of a rewind, checked against the disk.
#[derive(Debug)]
pub struct RewindFile {
    pub entry: PlanEntry,
    pub seen: Seen,
    pub refusal: Option<Refusal>,
}

impl RewindFile {
    /// The disk differs from what rein last recorded (an edit it has not seen yet).
    pub fn unrecorded(&self) -> bool {
        self.seen.other.is_none() && self.seen.state != self.entry.recorded
    }
    /// Writing would destroy an edit made from outside after the point (recorded or not).
    pub fn protected(&self) -> bool {
        self.needs_write() && (self.entry.external_after || self.unrecorded())
    }
    pub fn needs_write(&self) -> bool {
        self.seen.other.is_some() || self.seen.state != self.entry.wanted
    }
}

/// What a rewind would do.
#[derive(Debug)]
pub struct RewindPlan {
    pub point: Point,
    pub files: Vec<RewindFile>,
}

impl RewindPlan {
    pub fn refused(&self) -> impl Iterator<Item = &RewindFile> {
        self.files
            .iter()
            .filter(|f| f.refusal.is_some() && f.needs_write())
    }
    pub fn protected(&self) -> impl Iterator<Item = &RewindFile> {
        self.files.iter().filter(|f| f.protected())
    }
}

impl Restorer<'_> {
    /// Plans a rewind of this work tree to `point`, checking every file against the disk.
    pub fn plan_rewind(&self, point: Point) -> Result<RewindPlan> {
        if point.worktree_id != self.worktree_id {
            return Err(Error::Invalid(format!(
                "that point belongs to another work tree than {}",
                self.root.display()
            )));
        }
        let entries = rewind_plan(self.store.conn(), self.worktree_id, point.after_version)?;
        let mut files = Vec::with_capacity(entries.len());
        for entry in entries {
            let (seen, refusal) = self.look_at(&entry.path, entry.wanted)?;
            files.push(RewindFile {
                entry,
                seen,
                refusal,
            });
        }
        Ok(RewindPlan { point, files })
    }

    /// The operation for a plan. Fails if any file is refused, or is protected and
    /// `include_external` was not given.
    pub fn rewind_op(
        &self,
        plan: RewindPlan,
        target: &str,
        include_external: bool,
    ) -> Result<NewOp> {
        if let Some(f) = plan.refused().next() {
            return Err(Error::Invalid(format!(
                "cannot rewind `{}`: {}",
                f.entry.path,
                f.refusal
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default()
            )));
        }
        if !include_external && plan.protected().next().is_some() {
            return Err(Error::Invalid(
                "files changed from outside would be overwritten".into(),
            ));
        }
        let description = format!("rewind to {}", plan.point.description);
        let files = plan
            .files
            .into_iter()
            .map(|f| (f.entry.path, f.seen, f.entry.wanted))
            .collect();
        let mut op = self.new_op(OpKind::Rewind, target.to_owned(), description, files)?;
        op.options = json!({ "include_external": include_external });
        Ok(op)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blob::BlobId;

    fn store() -> (tempfile::TempDir, crate::Store) {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = crate::Store::open(dir.path()).expect("open");
        store
            .conn()
            .execute(
                "INSERT INTO worktrees (id, root, created_at) VALUES (1, '/w', 0)",
                [],
            )
            .expect("worktree");
        (dir, store)
    }

    fn b(s: &str) -> BlobId {
        BlobId::of(s.as_bytes())
    }

    fn version(
        store: &crate::Store,
        path: &str,
        old: Option<&str>,
        origin: &str,
        change: &str,
        before: Option<&str>,
        after: Option<&str>,
    ) -> i64 {
        store
            .conn()
            .execute(
                "INSERT INTO file_versions (worktree_id, path, old_path, origin, change,
                     before_blob, after_blob, before_mode, after_mode, time)
                 VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, 420, 420, 0)",
                params![
                    path,
                    old,
                    origin,
                    change,
                    before.map(|s| b(s).0.to_vec()),
                    after.map(|s| b(s).0.to_vec())
                ],
            )
            .expect("version");
        store.conn().last_insert_rowid()
    }

    #[test]
    fn plan_restores_modified_removes_added_and_brings_back_deleted() {
        let (_d, s) = store();
        version(
            &s,
            "keep.txt",
            None,
            "baseline",
            "baseline",
            None,
            Some("k"),
        );
        let from = version(
            &s,
            "a.txt",
            None,
            "step",
            "modified",
            Some("a0"),
            Some("a1"),
        );
        version(
            &s,
            "a.txt",
            None,
            "step",
            "modified",
            Some("a1"),
            Some("a2"),
        );
        version(&s, "new.txt", None, "step", "added", None, Some("n"));
        version(&s, "gone.txt", None, "step", "deleted", Some("g"), None);
        version(
            &s,
            "mv-to.txt",
            Some("mv-from.txt"),
            "step",
            "renamed",
            Some("m"),
            Some("m"),
        );
        version(
            &s,
            "ext.txt",
            None,
            "external",
            "modified",
            Some("e0"),
            Some("e1"),
        );
        // Created and deleted again: nothing to do.
        version(&s, "tmp.txt", None, "step", "added", None, Some("t"));
        version(&s, "tmp.txt", None, "step", "deleted", Some("t"), None);
        let plan = rewind_plan(s.conn(), 1, from - 1).expect("plan");
        let by: BTreeMap<&str, &PlanEntry> = plan.iter().map(|e| (e.path.as_str(), e)).collect();
        assert_eq!(
            by.keys().copied().collect::<Vec<_>>(),
            [
                "a.txt",
                "ext.txt",
                "gone.txt",
                "mv-from.txt",
                "mv-to.txt",
                "new.txt"
            ]
        );
        let present = |s| FileState::Present {
            blob: b(s),
            mode: 420,
        };
        assert_eq!(by["a.txt"].wanted, present("a0"));
        assert_eq!(by["a.txt"].recorded, present("a2"));
        assert_eq!(by["new.txt"].wanted, FileState::Absent);
        assert_eq!(by["gone.txt"].wanted, present("g"));
        assert_eq!(by["gone.txt"].recorded, FileState::Absent);
        assert_eq!(by["mv-from.txt"].wanted, present("m"));
        assert_eq!(by["mv-to.txt"].wanted, FileState::Absent);
        assert!(by["ext.txt"].external_after && !by["a.txt"].external_after);
    }
}
