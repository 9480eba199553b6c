//! One file per subcommand, dispatched from one enum.

mod audit;
mod blame;
mod completions;
mod diff;
mod doctor;
mod hook;
mod init;
mod log;
mod man;
mod op;
mod policy;
mod revert;
mod rewind;
mod scan;
mod show;
mod task;
mod undo;

use std::process::ExitCode;

use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum Command {
    Init(init::Args),
    Hook(hook::Args),
    Log(log::Args),
    Show(show::Args),
    Diff(diff::Args),
    Blame(blame::Args),
    Rewind(rewind::Args),
    Revert(revert::Args),
    Undo(undo::Args),
    #[command(subcommand)]
    Op(op::Command),
    Scan(scan::Args),
    Doctor(doctor::Args),
    #[command(subcommand)]
    Audit(audit::Command),
    #[command(subcommand)]
    Policy(policy::Command),
    #[command(subcommand)]
    Task(task::Command),
    Completions(completions::Args),
    Man(man::Args),
}

pub fn run(command: Command) -> crate::Result<ExitCode> {
    match command {
        Command::Init(a) => init::run(a),
        Command::Hook(a) => Ok(hook::run(a)),
        Command::Log(a) => log::run(a),
        Command::Show(a) => show::run(a),
        Command::Diff(a) => diff::run(a),
        Command::Blame(a) => blame::run(a),
        Command::Scan(a) => scan::run(a),
        Command::Doctor(a) => doctor::run(a),
        Command::Audit(c) => audit::run(c),
        Command::Policy(c) => policy::run(c),
        Command::Task(c) => task::run(c),
        Command::Rewind(a) => rewind::run(a),
        Command::Revert(a) => revert::run(a),
        Command::Undo(a) => undo::run(a),
        Command::Op(c) => op::run(c),
        Command::Completions(a) => completions::run(a),
        Command::Man(a) => man::run(a),
    }
}

/// Opens the store for reading commands, with a hint when there is none yet.
pub(crate) fn open_store() -> crate::Result<rein_core::Store> {
    let home = crate::host::rein_home()?;
    Ok(rein_core::Store::open_existing(&home)?)
}
