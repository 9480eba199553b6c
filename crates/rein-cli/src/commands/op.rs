//! `rein op`: the operation log (every rewind, revert and undo), and recovery of an operation
//! a crash interrupted.

use std::fmt::Write as _;
use std::process::ExitCode;

use rein_core::restore::{self, OpFile, OpRow};

use crate::error::CommandError;
use crate::json::{self, Operation, Schema, Status};
use crate::render;
use crate::restore_ui::{self, verb};

/// The operation log: every rewind, revert and undo, with what it changed.
///
/// Each operation records the state of every file before it wrote anything, so any of them can
/// be undone (`rein undo [OP]`). Operations are audit events too (`rein audit verify`).
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    Log(LogArgs),
    Show(ShowArgs),
    Recover(RecoverArgs),
}

pub fn run(command: Command) -> crate::Result<ExitCode> {
    match command {
        Command::Log(a) => log(a),
        Command::Show(a) => show(a),
        Command::Recover(a) => recover(a),
    }
}

/// List operations in this work tree, newest first, with the files each changed.
#[derive(Debug, clap::Args)]
pub struct LogArgs {
    /// Operations of every work tree.
    #[arg(long)]
    all: bool,
    /// At most this many operations.
    #[arg(short = 'n', long, default_value_t = 50)]
    limit: usize,
    /// Print JSON (schema 1, see docs/json.md).
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    repo: crate::here::RepoArg,
}

/// Show one operation and every file it changed.
#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    /// The operation's number, from `rein op log`.
    op: i64,
    /// Print JSON (schema 1, see docs/json.md).
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    repo: crate::here::RepoArg,
}

/// Finish an operation a crash interrupted: complete it, or with --undo put back what it had
/// written. `rein doctor` lists interrupted operations and says which is possible.
#[derive(Debug, clap::Args)]
pub struct RecoverArgs {
    /// The interrupted operation (default: the one in this work tree).
    op: Option<i64>,
    /// Reverse it instead of completing it.
    #[arg(long)]
    undo: bool,
    /// Print JSON (schema 1, see docs/json.md).
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    repo: crate::here::RepoArg,
}

fn log(args: LogArgs) -> crate::Result<ExitCode> {
    let here = crate::here::Here::of(&args.repo)?;
    if !args.all {
        here.worktree("op log")?;
    }
    let store = super::open_store()?;
    let worktree = if args.all {
        None
    } else {
        Some(here.worktree_id(&store, "op log")?)
    };
    let rows = restore::ops(store.conn(), worktree, args.limit)?;
    let mut entries = Vec::new();
    let mut out = String::new();
    for op in &rows {
        let files = restore::op_files(store.conn(), op.id)?;
        if args.json {
            entries.push(op_json(op, &files));
        } else {
            op_text(&mut out, op, &files, args.all);
        }
    }
    if args.json {
        render::print_json(&json::OpLog {
            schema: Schema,
            operations: entries,
        })?;
    } else {
        if rows.is_empty() {
            out.push_str(
                "no operations yet: `rein rewind`, `rein revert` and `rein undo` are logged here\n",
            );
        }
        render::write_stdout(&out)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn show(args: ShowArgs) -> crate::Result<ExitCode> {
    let here = crate::here::Here::of(&args.repo)?;
    here.worktree("op show")?;
    let store = super::open_store()?;
    let op = restore::op(store.conn(), args.op)?;
    here.check_op(&op)?;
    let files = restore::op_files(store.conn(), op.id)?;
    if args.json {
        render::print_json(&json::OpShow {
            operation: op_json(&op, &files),
            schema: Schema,
        })?;
    } else {
        let mut out = String::new();
        op_text(&mut out, &op, &files, true);
        render::write_stdout(&out)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn recover(args: RecoverArgs) -> crate::Result<ExitCode> {
    let here = crate::here::Here::of(&args.repo)?;
    here.worktree("op recover")?;
    let mut store = super::open_store()?;
    let op_id = match args.op {
        Some(id) => id,
        None => {
            let wt = here.worktree_id(&store, "op recover")?;
            let stuck = restore::interrupted(store.conn(), Some(wt))?;
            match stuck.first() {
                Some(i) => i.op.id,
                None => {
                    return Err(CommandError::user(
                        "no interrupted operation in this work tree; nothing to recover",
                    ));
                }
            }
        }
    };
    let row = restore::op(store.conn(), op_id)?;
    here.check_op(&row)?;
    let mut restorer = rein_core::restore::Restorer::open_id(&mut store, row.worktree_id)?;
    let done = restorer.recover(op_id, args.undo).map_err(|e| {
        CommandError::from(e).hint(
            "put those files back as they were before or after the operation (`rein op show` lists both), then run recover again",
        )
    })?;
    let what = if args.undo { "reversed" } else { "completed" };
    if args.json {
        render::print_json(&json::Recover {
            schema: Schema,
            operation: Operation::Recover,
            status: if args.undo {
                Status::RolledBack
            } else {
                Status::Done
            },
            op: op_id,
            files: done.files.iter().map(restore_ui::action_json).collect(),
        })?;
    } else {
        render::write_stdout(&format!(
            "{what} operation {op_id} ({}); every file is consistent again\n",
            row.description
        ))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn op_json(op: &OpRow, files: &[OpFile]) -> json::LoggedOp {
    json::LoggedOp {
        op: op.id,
        kind: op.kind.clone(),
        target: op.target.clone(),
        description: op.description.clone(),
        undoes: op.undoes,
        state: op.state.clone(),
        worktree: op.worktree.clone(),
        human: op.human.clone(),
        options: op.options.clone(),
        started_at: render::time(op.started_at),
        ended_at: op.ended_at.map(render::time),
        files: files
            .iter()
            .map(|f| restore_ui::file_action_json(&f.path, &f.before, &f.after))
            .collect(),
    }
}

fn op_text(out: &mut String, op: &OpRow, files: &[OpFile], show_root: bool) {
    let state = match op.state.as_str() {
        "done" => String::new(),
        "applying" => "  [interrupted: see `rein doctor`]".into(),
        other => format!("  [{}]", other.replace('_', " ")),
    };
    let _ = writeln!(
        out,
        "op {:<4} {}  {}{}{}",
        op.id,
        render::time(op.started_at),
        op.description,
        op.human
            .as_deref()
            .map(|h| format!("  by {h}"))
            .unwrap_or_default(),
        state
    );
    if show_root {
        let _ = writeln!(out, "        in {}", op.worktree);
    }
    for f in files {
        let _ = writeln!(out, "        {:<8} {}", verb(&f.before, &f.after), f.path);
    }
}

/// Interrupted operations, for `rein doctor`: one line each, saying what recovery can do.
pub fn doctor_lines(store: &rein_core::Store) -> crate::Result<Vec<String>> {
    let mut out = Vec::new();
    for i in restore::interrupted(store.conn(), None)? {
        let total = i.files.iter().filter(|(f, _)| f.before != f.after).count();
        let written = i.written();
        let diverged = i.diverged();
        // The commands name the work tree, so they work from wherever doctor was run.
        let repo = crate::here::shell_quote(&i.op.worktree);
        let advice = if diverged.is_empty() {
            format!(
                "`rein op recover {id} --repo {repo}` completes it{}",
                if written > 0 {
                    format!(
                        ", `rein op recover {} --undo --repo {repo}` puts the {written} written file{} back",
                        i.op.id,
                        if written == 1 { "" } else { "s" }
                    )
                } else {
                    String::new()
                },
                id = i.op.id
            )
        } else {
            format!(
                "it cannot be completed or undone until these files are put back as they were before or after it: {}",
                diverged.join(", ")
            )
        };
        out.push(format!(
            "operation {} ({}) in {} was interrupted after writing {written} of {total} files; {advice}",
            i.op.id, i.op.description, i.op.worktree
        ));
    }
    Ok(out)
}
