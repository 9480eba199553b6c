//! `rein rewind <step|prompt|session>`: put every file changed since that point back.

use std::fmt::Write as _;
use std::process::ExitCode;

use rein_core::restore::{RewindFile, point_of};

use crate::error::CommandError;
use crate::json::{self, Operation, Schema, Status};
use crate::render;
use crate::restore_ui::{self, state_json, verb};

/// Bring the work tree back to how it was just before a step, prompt or session.
///
/// Every file changed since that point, by any agent or by rein, goes back to its content and
/// mode just before it: files created since are deleted, files deleted since come back, renames
/// are undone. Every other file is left alone, and so are .git and the git index.
///
/// Nothing is lost: rein keeps the current content of every file it touches, and `rein undo`
/// puts it all back. `rein op log` lists what each operation changed.
///
/// Edits made from outside an agent (by you, or by a tool rein did not see) are protected:
/// if a file to rewind was edited from outside after the point, or differs on disk from what
/// rein last recorded, rewind changes nothing and lists those files. `--include-external`
/// rewinds them too (still undoable).
///
/// TARGET is a step (`12`), a prompt (`p3`) or a session (`s2`), as `rein log` shows them.
///
/// Examples:
///   rein rewind p3 --dry-run     # what would change, file by file
///   rein rewind p3               # back to just before prompt 3
///   rein undo                    # changed your mind
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// A step (12), prompt (p3) or session (s2).
    target: String,
    /// Print the plan, file by file, and change nothing.
    #[arg(long, short = 'n')]
    dry_run: bool,
    /// Also rewind files edited from outside after the point.
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
    here.worktree("rewind")?;
    let mut store = super::open_store()?;
    let target = here.target(&store, &args.target)?;
    let point = point_of(store.conn(), target)?;
    let restorer = restore_ui::open(&mut store, point.worktree_id)?;
    let root = restorer.root().display().to_string();
    let plan = restorer.plan_rewind(point)?;
    let description = plan.point.description.clone();
    let todo: Vec<&RewindFile> = plan.files.iter().filter(|f| f.needs_write()).collect();
    let refused: Vec<&RewindFile> = plan.refused().collect();
    let protected: Vec<&RewindFile> = plan.protected().collect();
    let blocked = !refused.is_empty() || (!protected.is_empty() && !args.include_external);
    let status = if blocked {
        Status::Refused
    } else if args.dry_run {
        Status::Planned
    } else {
        Status::Done
    };

    if args.dry_run || blocked || todo.is_empty() {
        if args.json {
            render::unless_closed(render::print_json(&json::Rewind {
                schema: Schema,
                operation: Operation::Rewind,
                status: if todo.is_empty() && !blocked {
                    Status::Unchanged
                } else {
                    status
                },
                op: None,
                target: args.target.clone(),
                point: description.clone(),
                worktree: root.clone(),
                files: todo.iter().map(|f| file_json(f)).collect(),
            }))?;
        } else {
            let mut out = String::new();
            if todo.is_empty() {
                let _ = writeln!(
                    out,
                    "nothing to rewind: every file is as it was {description}"
                );
            } else {
                let _ = writeln!(
                    out,
                    "rewind {root} to {description}: {} file{}",
                    todo.len(),
                    if todo.len() == 1 { "" } else { "s" }
                );
                for f in &todo {
                    let _ = writeln!(
                        out,
                        "  {:<8} {}{}",
                        verb(&f.seen.state, &f.entry.wanted),
                        f.entry.path,
                        note(f)
                    );
                }
                if args.dry_run && !blocked {
                    out.push_str("dry run: nothing was changed\n");
                }
            }
            render::unless_closed(render::write_stdout(&out))?;
        }
        if !refused.is_empty() {
            let list: Vec<String> = refused
                .iter()
                .map(|f| {
                    format!(
                        "{}: {}",
                        f.entry.path,
                        f.refusal
                            .as_ref()
                            .map(ToString::to_string)
                            .unwrap_or_default()
                    )
                })
                .collect();
            return Err(CommandError::user(format!(
                "cannot rewind {} file{}; nothing was changed:\n  {}",
                list.len(),
                if list.len() == 1 { "" } else { "s" },
                list.join("\n  ")
            ))
            .hint("paths are checked before every write: a record that points outside the work tree, into .git or through a symlink is never followed"));
        }
        if blocked {
            let list: Vec<String> = protected
                .iter()
                .map(|f| format!("{}{}", f.entry.path, note(f)))
                .collect();
            return Err(CommandError::user(format!(
                "rewinding would overwrite changes made outside an agent; nothing was changed:\n  {}",
                list.join("\n  ")
            ))
            .hint("`rein log` lists external edits; `--include-external` rewinds these files too, and `rein undo` would still bring them back"));
        }
        return Ok(ExitCode::SUCCESS);
    }

    let human = restore_ui::human(restorer.root());
    let mut restorer = restorer;
    let mut op = restorer.rewind_op(plan, &args.target, args.include_external)?;
    op.human = human;
    let done = restorer.execute(op)?;
    if args.json {
        render::unless_closed(render::print_json(&json::Rewind {
            schema: Schema,
            operation: Operation::Rewind,
            status: Status::Done,
            op: Some(done.op),
            target: args.target.clone(),
            point: description.clone(),
            worktree: root.clone(),
            files: done.files.iter().map(restore_ui::action_json).collect(),
        }))?;
    } else {
        let mut out = format!("rewound {root} to {description}\n");
        restore_ui::action_lines(&mut out, &done.files);
        restore_ui::done_line(&mut out, &done);
        render::unless_closed(render::write_stdout(&out))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Why a file is protected, if it is.
fn note(f: &RewindFile) -> String {
    if f.entry.external_after && f.needs_write() {
        "  (edited outside an agent after that point)".into()
    } else if f.unrecorded() && f.needs_write() {
        format!(
            "  (on disk {} differs from what rein last recorded: {})",
            describe(&f.seen.state),
            describe(&f.entry.recorded)
        )
    } else {
        String::new()
    }
}

fn describe(s: &rein_core::restore::FileState) -> String {
    match s {
        rein_core::restore::FileState::Absent => "absent".into(),
        rein_core::restore::FileState::Present { blob, mode } => {
            format!("{} {mode:o}", blob.short())
        }
    }
}

fn file_json(f: &RewindFile) -> json::RewindFile {
    json::RewindFile {
        path: f.entry.path.clone(),
        action: verb(&f.seen.state, &f.entry.wanted),
        before: state_json(&f.seen.state),
        after: state_json(&f.entry.wanted),
        recorded: state_json(&f.entry.recorded),
        external: f.entry.external_after,
        unrecorded: f.unrecorded(),
        refusal: f.refusal.as_ref().map(ToString::to_string),
    }
}
