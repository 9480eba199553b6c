//! `rein task`: declare what the agent is working on and which paths it may write.

use std::fmt::Write as _;
use std::process::ExitCode;

use rein_core::task::TaskRow;

use crate::error::CommandError;
use crate::json::{self, Schema};
use crate::{host, render};

/// Declare a task: a title and the paths the agent may write while it lasts.
///
/// While a task is active in a work tree, the gate asks before any write or delete outside its
/// scope. Scopes are globs relative to the work tree root (`src/parser/**`, `docs/*.md`). A task
/// ends with `rein task end`, when another task starts, or when it expires.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    Start(StartArgs),
    End(EndArgs),
    Show(ShowArgs),
    List(ListArgs),
}

pub fn run(command: Command) -> crate::Result<ExitCode> {
    match command {
        Command::Start(a) => start(a),
        Command::End(a) => end(a),
        Command::Show(a) => show(a),
        Command::List(a) => list(a),
    }
}

/// Start a task in the current work tree (ending the one before).
///
/// Example: rein task start "fix the parser" --scope 'src/parser/**' --scope 'tests/**' --expires 4h
#[derive(Debug, clap::Args)]
pub struct StartArgs {
    /// What the task is, in a few words.
    title: String,
    /// A glob, relative to the work tree root, that the task may write. Repeat for more.
    /// Without any, the task records intent but does not restrict writes.
    #[arg(long)]
    scope: Vec<String>,
    /// End the task automatically after this long: 90s, 30m, 4h, 2d.
    #[arg(long, value_parser = parse_duration)]
    expires: Option<i64>,
    /// Print JSON (schema 1).
    #[arg(long)]
    json: bool,
}

/// End the active task of the current work tree.
#[derive(Debug, clap::Args)]
pub struct EndArgs {
    /// Print JSON (schema 1).
    #[arg(long)]
    json: bool,
}

/// Show the active task of the current work tree.
#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    /// Print JSON (schema 1).
    #[arg(long)]
    json: bool,
}

/// List the tasks of the current work tree, newest first.
#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// At most this many.
    #[arg(short = 'n', long, default_value_t = 20)]
    limit: usize,
    /// Print JSON (schema 1).
    #[arg(long)]
    json: bool,
}

/// Parses `90s`, `30m`, `4h`, `2d` into microseconds.
fn parse_duration(text: &str) -> Result<i64, String> {
    let (digits, unit) = text.split_at(text.trim_end_matches(char::is_alphabetic).len());
    let n: i64 = digits
        .parse()
        .map_err(|_| format!("`{text}` is not a duration like 30m, 4h or 2d"))?;
    let secs = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(format!("`{text}`: use s, m, h or d")),
    };
    n.checked_mul(secs)
        .and_then(|s| s.checked_mul(1_000_000))
        .filter(|v| *v > 0)
        .ok_or_else(|| format!("`{text}` is out of range"))
}

fn task_json(t: &TaskRow) -> json::Task {
    json::Task {
        id: t.id,
        title: t.title.clone(),
        scope: t.scope.clone(),
        worktree: t.worktree.clone(),
        human: t.human.clone(),
        started_at: render::time(t.started_at),
        expires_at: t.expires_at.map(render::time),
        ended_at: t.ended_at.map(render::time),
    }
}

/// The document of `task start`, `end` and `show`.
fn task_doc(task: Option<&TaskRow>) -> json::TaskDoc {
    json::TaskDoc {
        schema: Schema,
        task: task.map(task_json),
    }
}

fn task_text(t: &TaskRow) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "task {}: {}", t.id, t.title);
    if t.scope.is_empty() {
        let _ = writeln!(out, "  scope: anything (no --scope given)");
    } else {
        let _ = writeln!(out, "  scope: {}", t.scope.join(", "));
    }
    let _ = writeln!(out, "  started: {}", render::time(t.started_at));
    if let Some(e) = t.expires_at {
        let _ = writeln!(out, "  expires: {}", render::time(e));
    }
    if let Some(e) = t.ended_at {
        let _ = writeln!(out, "  ended: {}", render::time(e));
    }
    out
}

fn start(args: StartArgs) -> crate::Result<ExitCode> {
    for g in &args.scope {
        globset::Glob::new(g)
            .map_err(|e| CommandError::user(format!("--scope `{g}` is not a valid glob: {e}")))?;
        if g.starts_with('/') || g.split('/').any(|c| c == "..") {
            return Err(CommandError::user(format!(
                "--scope `{g}` must be relative to the work tree root"
            )));
        }
    }
    let root = host::current_worktree()?;
    let config = rein_core::config::Config::load(&host::config_files(Some(&root)))?;
    let home = host::rein_home()?;
    let mut store = rein_core::Store::open(&home)?;
    let human = host::resolve_human(config.human.as_deref(), &root);
    let expires = args
        .expires
        .map(|d| rein_core::time::now_micros().saturating_add(d));
    let task = rein_core::task::start(
        &mut store,
        &root.display().to_string(),
        &args.title,
        &args.scope,
        human.as_deref(),
        expires,
    )?;
    if args.json {
        render::print_json(&task_doc(Some(&task)))?;
    } else {
        render::write_stdout(&format!("started {}", task_text(&task)))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn end(args: EndArgs) -> crate::Result<ExitCode> {
    let root = host::current_worktree()?;
    let home = host::rein_home()?;
    let mut store = rein_core::Store::open(&home)?;
    let ended = rein_core::task::end(&mut store, &root.display().to_string())?;
    match (ended, args.json) {
        (Some(t), true) => render::print_json(&task_doc(Some(&t)))?,
        (Some(t), false) => render::write_stdout(&format!("ended {}", task_text(&t)))?,
        (None, _) => {
            return Err(CommandError::user("no task is active in this work tree")
                .hint("start one with `rein task start \"title\" --scope 'src/**'`"));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn show(args: ShowArgs) -> crate::Result<ExitCode> {
    let root = host::current_worktree()?;
    let store = super::open_store()?;
    let task = rein_core::task::active(&store, &root.display().to_string())?;
    if args.json {
        render::print_json(&task_doc(task.as_ref()))?;
    } else {
        match task {
            Some(t) => render::write_stdout(&task_text(&t))?,
            None => render::write_stdout("no active task\n")?,
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn list(args: ListArgs) -> crate::Result<ExitCode> {
    let root = host::current_worktree()?;
    let store = super::open_store()?;
    let tasks = rein_core::task::list(&store, &root.display().to_string(), args.limit)?;
    if args.json {
        render::print_json(&json::TaskList {
            schema: Schema,
            tasks: tasks.iter().map(task_json).collect(),
        })?;
    } else {
        let mut out = String::new();
        for t in &tasks {
            out.push_str(&task_text(t));
        }
        if tasks.is_empty() {
            out.push_str("no tasks\n");
        }
        render::write_stdout(&out)?;
    }
    Ok(ExitCode::SUCCESS)
}
