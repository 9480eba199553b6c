//! `rein revert <step|prompt>`: undo one step or prompt, keep everything after it.

use std::fmt::Write as _;
use std::process::ExitCode;

use rein_core::merge::ConflictHunk;
use rein_core::query;
use rein_core::restore::{Conflict, RevertFile, RevertOutcome};

use crate::error::CommandError;
use crate::json::{self, Operation, Schema, Status};
use crate::render;
use crate::restore_ui::{self, state_json, verb};

/// Undo one step or one prompt, and keep the work done after it.
///
/// For each file the step changed, rein merges its change out of the file as it is now (a
/// three-way merge: the base is the content after the step, "ours" the current content,
/// "theirs" the content before the step). Later changes to other lines are kept.
///
/// If a later change touched the same lines, revert changes nothing and prints the conflicting
/// hunks; `--conflict-markers` writes git-style markers into those files instead (conflicts
/// that have no lines to mark, such as a file deleted since, are left as they are).
///
/// Like every operation, a revert is undone by `rein undo`.
///
/// Examples:
///   rein revert 12 --dry-run
///   rein revert p3
///   rein revert 12 --conflict-markers
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// A step (12) or a prompt (p3).
    target: String,
    /// Print the plan, file by file, and change nothing.
    #[arg(long, short = 'n')]
    dry_run: bool,
    /// On a conflict, write git-style conflict markers instead of refusing.
    #[arg(long)]
    conflict_markers: bool,
    /// Print JSON (schema 1, see docs/json.md).
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    repo: crate::here::RepoArg,
}

pub fn run(args: Args) -> crate::Result<ExitCode> {
    let here = crate::here::Here::of(&args.repo)?;
    here.worktree("revert")?;
    let mut store = super::open_store()?;
    let target = here.target(&store, &args.target)?;
    let worktree_id = worktree_of(&store, target)?;
    let restorer = restore_ui::open(&mut store, worktree_id)?;
    let root = restorer.root().display().to_string();
    let plan = restorer.plan_revert(target)?;
    let what = plan.what.clone();
    let conflicts: Vec<&RevertFile> = plan.conflicts().collect();
    let refused: Vec<&RevertFile> = plan.refused().collect();
    let blocked = !refused.is_empty() || (!conflicts.is_empty() && !args.conflict_markers);
    let conflict_json: Vec<json::Conflict> = conflicts
        .iter()
        .filter_map(|f| conflict_to_json(f))
        .collect();
    let mut conflict_text = String::new();
    for f in &conflicts {
        conflict_lines(&mut conflict_text, f);
    }
    let changes: Vec<&RevertFile> = plan
        .files
        .iter()
        .filter(|f| !matches!(f.outcome, RevertOutcome::Unchanged))
        .collect();

    if args.dry_run || blocked || changes.is_empty() {
        let status = if blocked {
            if refused.is_empty() {
                Status::Conflict
            } else {
                Status::Refused
            }
        } else if changes.is_empty() {
            Status::Unchanged
        } else {
            Status::Planned
        };
        if args.json {
            render::unless_closed(render::print_json(&json::Revert {
                schema: Schema,
                operation: Operation::Revert,
                status,
                op: None,
                target: args.target.clone(),
                reverts: what.clone(),
                worktree: root.clone(),
                files: changes.iter().map(|f| file_json(f)).collect(),
                conflicts: conflict_json,
            }))?;
        } else {
            let mut out = String::new();
            if changes.is_empty() {
                let _ = writeln!(
                    out,
                    "nothing to revert: {what} is already undone in every file"
                );
            } else {
                let _ = writeln!(out, "revert {what} in {root}:");
                for f in &changes {
                    let _ = writeln!(out, "  {:<8} {}", outcome_word(f), f.path);
                }
                out.push_str(&conflict_text);
                if args.dry_run && !blocked {
                    out.push_str("dry run: nothing was changed\n");
                }
            }
            render::unless_closed(render::write_stdout(&out))?;
        }
        if let Some(f) = refused.first() {
            let why = match &f.outcome {
                RevertOutcome::Refused(r) => r.to_string(),
                _ => String::new(),
            };
            return Err(CommandError::user(format!(
                "cannot revert `{}`: {why}; nothing was changed",
                f.path
            )));
        }
        if blocked {
            return Err(CommandError::user(format!(
                "reverting {what} conflicts with later changes in {} file{}; nothing was changed",
                conflicts.len(),
                if conflicts.len() == 1 { "" } else { "s" }
            ))
            .hint("resolve by hand, or run again with --conflict-markers to write git-style markers (undoable with `rein undo`)"));
        }
        return Ok(ExitCode::SUCCESS);
    }

    let had_conflicts = !conflicts.is_empty();
    drop(conflicts);
    drop(refused);
    drop(changes);
    let human = restore_ui::human(restorer.root());
    let mut restorer = restorer;
    let mut op = restorer.revert_op(plan, &args.target, args.conflict_markers)?;
    op.human = human;
    let done = restorer.execute(op)?;
    if args.json {
        render::unless_closed(render::print_json(&json::Revert {
            schema: Schema,
            operation: Operation::Revert,
            status: if conflict_json.is_empty() {
                Status::Done
            } else {
                Status::ConflictMarkers
            },
            op: Some(done.op),
            target: args.target.clone(),
            reverts: what.clone(),
            worktree: root.clone(),
            files: done.files.iter().map(restore_ui::action_json).collect(),
            conflicts: conflict_json,
        }))?;
    } else {
        let mut out = format!("reverted {what} in {root}\n");
        restore_ui::action_lines(&mut out, &done.files);
        out.push_str(&conflict_text);
        restore_ui::done_line(&mut out, &done);
        render::unless_closed(render::write_stdout(&out))?;
    }
    // Conflicts left marked are not a clean revert: exit 1, as git does.
    Ok(if !had_conflicts {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The work tree a step or prompt changed files in.
fn worktree_of(store: &rein_core::Store, target: query::Target) -> crate::Result<i64> {
    let session = match target {
        query::Target::Step(id) => query::step(store.conn(), id)?.session_id,
        query::Target::Prompt(id) => query::turn(store.conn(), id)?.session_id,
        query::Target::Session(_) => {
            return Err(
                CommandError::user("revert takes a step (12) or a prompt (p3)")
                    .hint("to undo a whole session, `rein rewind s<N>`"),
            );
        }
    };
    let s = query::session(store.conn(), session)?;
    let root = s.worktree.ok_or_else(|| {
        CommandError::user(
            "that session ran outside a git work tree; rein has no file history for it",
        )
    })?;
    query::worktree_id(store.conn(), std::path::Path::new(&root))?
        .ok_or_else(|| CommandError::internal(format!("work tree {root} is not in the store")))
}

fn outcome_word(f: &RevertFile) -> &'static str {
    match &f.outcome {
        RevertOutcome::Unchanged => "keep",
        RevertOutcome::Write(s) => {
            if Some(*s) == Some(f.theirs) {
                verb(&f.seen.state, s)
            } else {
                "merge"
            }
        }
        RevertOutcome::Conflict { .. } => "conflict",
        RevertOutcome::Refused(_) => "refused",
    }
}

fn file_json(f: &RevertFile) -> json::RevertFile {
    let after = match &f.outcome {
        RevertOutcome::Write(s) => state_json(s),
        RevertOutcome::Conflict {
            markers: Some(s), ..
        } => state_json(s),
        _ => state_json(&f.seen.state),
    };
    json::RevertFile {
        path: f.path.clone(),
        action: outcome_word(f),
        before: state_json(&f.seen.state),
        after,
        refusal: match &f.outcome {
            RevertOutcome::Refused(r) => Some(r.to_string()),
            _ => None,
        },
    }
}

fn hunk_json(h: &ConflictHunk) -> json::ConflictHunk {
    let side = |start: usize, lines: usize, text: &[u8]| json::HunkSide {
        start,
        lines,
        text: lossy(text),
    };
    json::ConflictHunk {
        current: side(h.ours_start, h.ours_len, &h.ours),
        after_step: side(h.base_start, h.base_len, &h.base),
        before_step: side(h.theirs_start, h.theirs_len, &h.theirs),
    }
}

fn lossy(b: &[u8]) -> String {
    rein_core::redact::redact_str(&String::from_utf8_lossy(b)).into_owned()
}

/// A file's conflict in JSON; `None` for a file without one.
fn conflict_to_json(f: &RevertFile) -> Option<json::Conflict> {
    match &f.outcome {
        RevertOutcome::Conflict {
            conflict: Conflict::Lines(hunks),
            ..
        } => Some(json::Conflict {
            path: f.path.clone(),
            reason: "both the step and a later change edited these lines".to_owned(),
            hunks: hunks.iter().map(hunk_json).collect(),
        }),
        RevertOutcome::Conflict {
            conflict: Conflict::Whole(why),
            ..
        } => Some(json::Conflict {
            path: f.path.clone(),
            reason: why.clone(),
            hunks: Vec::new(),
        }),
        _ => None,
    }
}

/// The conflicting hunks, for people: each side's lines, like a diff3 view.
fn conflict_lines(out: &mut String, f: &RevertFile) {
    match &f.outcome {
        RevertOutcome::Conflict {
            conflict: Conflict::Lines(hunks),
            ..
        } => {
            let _ = writeln!(out, "conflict in {}:", f.path);
            for h in hunks {
                let _ = writeln!(
                    out,
                    "  @@ current line {},{} | after the step {},{} | before the step {},{} @@",
                    h.ours_start,
                    h.ours_len,
                    h.base_start,
                    h.base_len,
                    h.theirs_start,
                    h.theirs_len
                );
                for (label, text) in [
                    ("current", &h.ours),
                    ("after  ", &h.base),
                    ("before ", &h.theirs),
                ] {
                    for line in lossy(text).lines() {
                        let _ = writeln!(out, "  {label} | {line}");
                    }
                }
            }
        }
        RevertOutcome::Conflict {
            conflict: Conflict::Whole(why),
            ..
        } => {
            let _ = writeln!(out, "conflict in {}: {why}", f.path);
        }
        _ => {}
    }
}
