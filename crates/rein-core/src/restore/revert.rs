//! Revert: undo one step or prompt and keep everything after it, by a three-way merge per file
//! (base: the content after the step; ours: the disk now; theirs: the content before the step).

use std::collections::{BTreeMap, HashMap};

use serde_json::json;

use super::disk::{FileState, Seen};
use super::{NewOp, OpKind, Refusal, Restorer};
use crate::blob::{self, BlobId, PreparedBlob};
use crate::error::{Error, Result};
use crate::merge::{self, ConflictHunk, Labels, Merged};
use crate::query::{self, Target};

/// Files larger than this are not merged line by line; only the trivial cases resolve.
const MERGE_MAX_BYTES: u64 = 64 << 20;

/// Why a file cannot be reverted cleanly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Conflict {
    /// Both the step and a later change edited the same lines.
    Lines(Vec<ConflictHunk>),
    /// No line merge is possible: one side deleted the file, or it is binary or too large.
    Whole(String),
}

/// What reverting does to one file.
#[derive(Debug)]
pub enum RevertOutcome {
    /// Already as it was before the step.
    Unchanged,
    /// Clean: write this.
    Write(FileState),
    Conflict {
        conflict: Conflict,
        /// The file with conflict markers, when the conflict has lines to mark.
        markers: Option<FileState>,
    },
    Refused(Refusal),
}

/// One file of a revert.
#[derive(Debug)]
pub struct RevertFile {
    pub path: String,
    /// After the step (the merge base).
    pub base: FileState,
    /// Before the step (what the revert brings back).
    pub theirs: FileState,
    pub seen: Seen,
    pub outcome: RevertOutcome,
}

/// What a revert would do.
#[derive(Debug)]
pub struct RevertPlan {
    pub target: Target,
    /// "step 12", "prompt p3".
    pub what: String,
    pub files: Vec<RevertFile>,
    /// Content of merged results and marker files, kept before writing.
    pub(crate) merged: Vec<PreparedBlob>,
}

impl RevertPlan {
    pub fn conflicts(&self) -> impl Iterator<Item = &RevertFile> {
        self.files
            .iter()
            .filter(|f| matches!(f.outcome, RevertOutcome::Conflict { .. }))
    }
    pub fn refused(&self) -> impl Iterator<Item = &RevertFile> {
        self.files
            .iter()
            .filter(|f| matches!(f.outcome, RevertOutcome::Refused(_)))
    }
}

impl Restorer<'_> {
    /// Plans reverting a step or a prompt: for each file it changed, its net change (first
    /// state before, last state after) is merged out of the current content.
    pub fn plan_revert(&self, target: Target) -> Result<RevertPlan> {
        let what = match target {
            Target::Step(id) => format!("step {id}"),
            Target::Prompt(id) => format!("prompt p{id}"),
            Target::Session(_) => {
                return Err(Error::Invalid(
                    "revert takes a step or a prompt; to undo a whole session, rewind to it".into(),
                ));
            }
        };
        let versions = query::versions_of_target(self.store.conn(), target)?;
        if let Some(v) = versions.iter().find(|v| v.worktree_id != self.worktree_id) {
            return Err(Error::Invalid(format!(
                "{what} changed files in another work tree (version {})",
                v.id
            )));
        }
        // path -> the target's changes to it: (version id, before, after), oldest first.
        let mut by_path: BTreeMap<String, Vec<(i64, FileState, FileState)>> = BTreeMap::new();
        for v in &versions {
            let before = FileState::from_parts(v.before, v.before_mode);
            let after = FileState::from_parts(v.after, v.after_mode);
            let mut touch = |path: &str, b, a| {
                by_path
                    .entry(path.to_owned())
                    .or_default()
                    .push((v.id, b, a));
            };
            match &v.old_path {
                Some(old) => {
                    touch(old, before, FileState::Absent);
                    touch(&v.path, FileState::Absent, after);
                }
                None => touch(&v.path, before, after),
            }
        }
        let ids: std::collections::HashSet<i64> = versions.iter().map(|v| v.id).collect();
        let labels_base = format!("after {what}");
        let labels_theirs = format!("before {what}");
        let labels = Labels {
            ours: "current",
            base: &labels_base,
            theirs: &labels_theirs,
        };
        let mut files = Vec::new();
        let mut merged = Vec::new();
        let mut pending = HashMap::new();
        for (path, changes) in by_path {
            let groups = self.runs(&path, &changes, &ids)?;
            let (Some(first), Some(last)) = (groups.first(), groups.last()) else {
                continue;
            };
            let (theirs, base) = (first.0, last.1);
            if groups.iter().all(|(b, a)| b == a) {
                continue;
            }
            let (seen, refusal) = self.look_at(&path, theirs)?;
            let outcome = match refusal {
                Some(r) => RevertOutcome::Refused(r),
                None => {
                    if let (Some(id), Some(data)) = (seen.state.blob(), seen.data()) {
                        pending.insert(id, data.to_vec());
                    }
                    // Undo the runs newest first, each merged into the result of the last.
                    let mut current = seen.state;
                    let mut outcome = None;
                    for &(before, after) in groups.iter().rev() {
                        if before == after {
                            continue;
                        }
                        match self.merge_file(
                            &current,
                            after,
                            before,
                            &labels,
                            &mut merged,
                            &mut pending,
                        )? {
                            RevertOutcome::Write(s) => current = s,
                            RevertOutcome::Unchanged => {}
                            other => {
                                outcome = Some(other);
                                break;
                            }
                        }
                    }
                    outcome.unwrap_or(if current == seen.state {
                        RevertOutcome::Unchanged
                    } else {
                        RevertOutcome::Write(current)
                    })
                }
            };
            files.push(RevertFile {
                path,
                base,
                theirs,
                seen,
                outcome,
            });
        }
        Ok(RevertPlan {
            target,
            what,
            files,
            merged,
        })
    }

    /// Splits a path's changes by the target into runs with no other change to the path in
    /// between, each as (state before the run, state after it). A change from outside (or by
    /// another step) between two of the target's changes is kept: each run is undone on its own.
    fn runs(
        &self,
        path: &str,
        changes: &[(i64, FileState, FileState)],
        ids: &std::collections::HashSet<i64>,
    ) -> Result<Vec<(FileState, FileState)>> {
        let (Some(first), Some(last)) = (changes.first(), changes.last()) else {
            return Ok(Vec::new());
        };
        let mut stmt = self.store.conn().prepare_cached(
            "SELECT id FROM file_versions WHERE worktree_id = ?1 AND (path = ?2 OR old_path = ?2)
               AND id > ?3 AND id < ?4 ORDER BY id",
        )?;
        let foreign: Vec<i64> = stmt
            .query_map(
                rusqlite::params![self.worktree_id, path, first.0, last.0],
                |r| r.get(0),
            )?
            .collect::<rusqlite::Result<Vec<i64>>>()?
            .into_iter()
            .filter(|id| !ids.contains(id))
            .collect();
        let mut runs: Vec<(FileState, FileState)> = Vec::new();
        let mut prev_id = None;
        for &(id, before, after) in changes {
            let split = prev_id.is_some_and(|p| foreign.iter().any(|&f| f > p && f < id));
            match runs.last_mut() {
                Some(run) if !split => run.1 = after,
                _ => runs.push((before, after)),
            }
            prev_id = Some(id);
        }
        Ok(runs)
    }

    fn merge_file(
        &self,
        ours: &FileState,
        base: FileState,
        theirs: FileState,
        labels: &Labels<'_>,
        keep: &mut Vec<PreparedBlob>,
        pending: &mut HashMap<BlobId, Vec<u8>>,
    ) -> Result<RevertOutcome> {
        let ours = *ours;
        if ours == theirs {
            return Ok(RevertOutcome::Unchanged);
        }
        if ours == base {
            return Ok(RevertOutcome::Write(theirs));
        }
        let whole = |why: &str| RevertOutcome::Conflict {
            conflict: Conflict::Whole(why.to_owned()),
            markers: None,
        };
        let (
            FileState::Present { blob: ob, mode: om },
            FileState::Present { blob: bb, mode: bm },
            FileState::Present { blob: tb, mode: tm },
        ) = (ours, base, theirs)
        else {
            return Ok(whole(match (ours, theirs) {
                (FileState::Absent, _) => "the file was deleted after the step",
                (_, FileState::Absent) => "the step created the file, and it was changed after",
                _ => "the step deleted the file, and it was created again after",
            }));
        };
        // Modes merge like content: a side that kept the base's mode yields to the other.
        let mode = if om == bm {
            tm
        } else if tm == bm || tm == om {
            om
        } else {
            return Ok(whole(
                "the file mode was changed both by the step and after it",
            ));
        };
        let content = if ob == bb {
            tb
        } else if tb == bb || tb == ob {
            ob
        } else {
            match self.merge_content(ob, bb, tb, labels, pending)? {
                Ok(data) => {
                    let p = PreparedBlob::prepare(self.store.layout(), &data)?;
                    let id = p.id;
                    keep.push(p);
                    pending.insert(id, data);
                    id
                }
                Err(conflict) => {
                    let markers = match &conflict {
                        (Conflict::Lines(_), Some(data)) => {
                            let p = PreparedBlob::prepare(self.store.layout(), data)?;
                            let id = p.id;
                            keep.push(p);
                            Some(FileState::Present { blob: id, mode: om })
                        }
                        _ => None,
                    };
                    return Ok(RevertOutcome::Conflict {
                        conflict: conflict.0,
                        markers,
                    });
                }
            }
        };
        Ok(RevertOutcome::Write(FileState::Present {
            blob: content,
            mode,
        }))
    }

    /// Merges three contents by lines: the merged bytes, or the conflict (and the marker file).
    #[allow(clippy::type_complexity)]
    fn merge_content(
        &self,
        ours: BlobId,
        base: BlobId,
        theirs: BlobId,
        labels: &Labels<'_>,
        pending: &HashMap<BlobId, Vec<u8>>,
    ) -> Result<Result<Vec<u8>, (Conflict, Option<Vec<u8>>)>> {
        let whole = |why: &str| Ok(Err((Conflict::Whole(why.to_owned()), None)));
        let mut data = Vec::with_capacity(3);
        for id in [ours, base, theirs] {
            // The disk's content, or a result merged earlier in this plan: not stored yet.
            if let Some(d) = pending.get(&id) {
                data.push(d.clone());
                continue;
            }
            if self
                .blob_size(&id)?
                .is_none_or(|size| size > MERGE_MAX_BYTES)
            {
                return whole("the file is too large to merge by lines, and both sides changed it");
            }
            match blob::read(self.store.conn(), self.store.layout(), &id)? {
                Some(d) => data.push(d),
                None => return whole("a version was recorded by hash only"),
            }
        }
        if !data.iter().all(|d| merge::is_mergeable_text(d)) {
            return whole("the file is binary, and both the step and a later change edited it");
        }
        Ok(match merge::merge3(&data[1], &data[0], &data[2], labels) {
            Merged::Clean(out) => Ok(out),
            Merged::Conflict {
                hunks,
                with_markers,
            } => Err((Conflict::Lines(hunks), Some(with_markers))),
        })
    }

    fn blob_size(&self, id: &BlobId) -> Result<Option<u64>> {
        use rusqlite::OptionalExtension;
        let size: Option<i64> = self
            .store
            .conn()
            .query_row("SELECT size FROM blobs WHERE id = ?1", [&id.0[..]], |r| {
                r.get(0)
            })
            .optional()?;
        Ok(size.and_then(|s| u64::try_from(s).ok()))
    }

    /// The operation for a revert plan. Conflicts refuse the whole revert unless
    /// `conflict_markers`, which writes marked files (conflicts without lines to mark are left
    /// as they are). Refused files always refuse it.
    pub fn revert_op(
        &self,
        plan: RevertPlan,
        target: &str,
        conflict_markers: bool,
    ) -> Result<NewOp> {
        if let Some(f) = plan.refused().next() {
            let why = match &f.outcome {
                RevertOutcome::Refused(r) => r.to_string(),
                _ => String::new(),
            };
            return Err(Error::Invalid(format!("cannot revert `{}`: {why}", f.path)));
        }
        if !conflict_markers && plan.conflicts().next().is_some() {
            return Err(Error::Invalid(format!(
                "reverting {} conflicts with later changes",
                plan.what
            )));
        }
        let description = format!("revert {}", plan.what);
        let files = plan
            .files
            .into_iter()
            .filter_map(|f| {
                let want = match f.outcome {
                    RevertOutcome::Write(s) => s,
                    RevertOutcome::Conflict {
                        markers: Some(s), ..
                    } => s,
                    _ => return None,
                };
                Some((f.path, f.seen, want))
            })
            .collect();
        let mut op = self.new_op(OpKind::Revert, target.to_owned(), description, files)?;
        op.keep.extend(plan.merged);
        op.options = json!({ "conflict_markers": conflict_markers });
        Ok(op)
    }
}
