//! `rein undo [OP]`: reverse the last operation (a rewind, a revert or an undo).

use std::fmt::Write as _;
use std::process::ExitCode;

use rein_core::restore::{OpKind, UndoFile};
use serde_json::json;

use crate::error::CommandError;
use crate::json::{self as doc, Operation, Schema, Status};
use crate::render;
use crate::restore_ui::{self, state_json, verb};

/// Reverse the last rewind, revert or undo in this work tree.
///
/// Every file the operation wrote goes back to what it held just before. Undoing an undo
/// redoes the operation. `rein op log` lists the operations; give one's number to undo that one
/// instead of the last.
///
/// If a file was changed again after the operation wrote it, undo changes nothing and lists
/// it; `--include-external` overwrites those changes too (and is itself undoable).
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The operation to undo (default: the last one in this work tree).
    op: Option<i64>,
    /// Print the plan and change nothing.
    #[arg(long, short = 'n')]
    dry_run: bool,
    /// Also overwrite files changed since the operation.
    #[arg(long)]
    include_external: bool,
    /// Print JSON (schema 1, see docs/json.md).
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    repo: crate::here::RepoArg,
}

pub fn run(args: Args) -> crate::Result<ExitCode> {
    let here = crate::here::Here::of(&args.repo)?;
    here.worktree("undo")?;
    let mut store = super::open_store()?;
    let worktree_id = match args.op {
        Some(id) => {
            let op = rein_core::restore::op(store.conn(), id)?;
            here.check_op(&op)?;
            op.worktree_id
        }
        None => here.worktree_id(&store, "undo")?,
    };
    let restorer = restore_ui::open(&mut store, worktree_id)?;
    let root = restorer.root().display().to_string();
    let plan = restorer.plan_undo(args.op)?;
    let undone = plan.op.clone();
    let todo: Vec<&UndoFile> = plan.files.iter().filter(|f| f.needs_write()).collect();
    let changed: Vec<&UndoFile> = todo.iter().copied().filter(|f| f.changed_since()).collect();
    let refused: Vec<&UndoFile> = todo
        .iter()
        .copied()
        .filter(|f| f.refusal.is_some())
        .collect();
    let blocked = !refused.is_empty() || (!changed.is_empty() && !args.include_external);

    if args.dry_run || blocked {
        if args.json {
            render::unless_closed(render::print_json(&doc::Undo {
                schema: Schema,
                operation: Operation::Undo,
                status: if blocked {
                    Status::Refused
                } else {
                    Status::Planned
                },
                op: None,
                undoes: undone.id,
                worktree: root.clone(),
                files: todo.iter().map(|f| file_json(f)).collect(),
            }))?;
        } else {
            let mut out = format!("undo operation {} ({}):\n", undone.id, undone.description);
            for f in &todo {
                let _ = writeln!(
                    out,
                    "  {:<8} {}{}",
                    verb(&f.seen.state, &f.wanted),
                    f.path,
                    if f.changed_since() {
                        "  (changed since the operation)"
                    } else {
                        ""
                    }
                );
            }
            if args.dry_run && !blocked {
                out.push_str("dry run: nothing was changed\n");
            }
            render::unless_closed(render::write_stdout(&out))?;
        }
        if let Some(f) = refused.first() {
            return Err(CommandError::user(format!(
                "cannot undo `{}`: {}; nothing was changed",
                f.path,
                f.refusal
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default()
            )));
        }
        if blocked {
            let list: Vec<&str> = changed.iter().map(|f| f.path.as_str()).collect();
            return Err(CommandError::user(format!(
                "these files changed after operation {}; undoing would overwrite that; nothing was changed:\n  {}",
                undone.id,
                list.join("\n  ")
            ))
            .hint("`--include-external` overwrites them too, and `rein undo` again would bring them back"));
        }
        return Ok(ExitCode::SUCCESS);
    }

    let human = restore_ui::human(restorer.root());
    let mut restorer = restorer;
    let files = plan
        .files
        .into_iter()
        .map(|f| (f.path, f.seen, f.wanted))
        .collect();
    let mut op = restorer.undo_op(
        OpKind::Undo,
        undone.id.to_string(),
        format!("undo operation {} ({})", undone.id, undone.description),
        files,
    )?;
    op.undoes = Some(undone.id);
    op.human = human;
    op.options = json!({ "include_external": args.include_external });
    let done = restorer.execute(op)?;
    if args.json {
        render::unless_closed(render::print_json(&doc::Undo {
            schema: Schema,
            operation: Operation::Undo,
            status: Status::Done,
            op: Some(done.op),
            undoes: undone.id,
            worktree: root.clone(),
            files: done.files.iter().map(restore_ui::action_json).collect(),
        }))?;
    } else {
        let mut out = format!("undid operation {} ({})\n", undone.id, undone.description);
        restore_ui::action_lines(&mut out, &done.files);
        restore_ui::done_line(&mut out, &done);
        render::unless_closed(render::write_stdout(&out))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn file_json(f: &UndoFile) -> doc::UndoFile {
    doc::UndoFile {
        path: f.path.clone(),
        action: verb(&f.seen.state, &f.wanted),
        before: state_json(&f.seen.state),
        after: state_json(&f.wanted),
        changed_since: f.changed_since(),
        refusal: f.refusal.as_ref().map(ToString::to_string),
    }
}
