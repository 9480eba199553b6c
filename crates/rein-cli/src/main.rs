//! The `rein` binary. All terminal I/O lives here; the libraries never print.

mod commands;
mod error;
mod gate;
mod here;
mod host;
mod json;
mod render;
mod restore_ui;

use std::process::ExitCode;

use clap::Parser;

use crate::error::CommandError;

/// rein: version control, policy and audit for AI coding agents.
///
/// rein records every session of a coding agent — prompts, tool calls, commands and the files
/// they changed, shell side effects included — into a local store with a tamper-evident audit
/// log. Start with `rein init` in a git work tree, use Claude Code as usual, then read the
/// history with `rein log`, `rein show`, `rein diff` and `rein blame`. Undo an agent's work with
/// `rein rewind` (back to before a step, prompt or session), `rein revert` (one step, keeping
/// the later ones) and `rein undo`; every such operation is logged (`rein op log`).
///
/// The store lives in $REIN_HOME (default: $XDG_DATA_HOME/rein, i.e. ~/.local/share/rein).
#[derive(Debug, Parser)]
#[command(name = "rein", version = VERSION, max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: commands::Command,
}

/// `rein --version`: the package version and the commit it was built from (see build.rs), e.g.
/// `0.1.0 (fe44821 2026-12-06)`, `0.1.0 (fe44821-dirty 2026-12-06)` or `0.1.0 (unknown commit)`.
const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("REIN_BUILD_COMMIT"),
    ")"
);

fn main() -> ExitCode {
    // SIGPIPE stays ignored, as the Rust runtime sets it: a write to a closed pipe is an error
    // each writer handles (see `render::write_stdout`), never a signal that kills the process,
    // which would cut `rein hook` off in the middle of recording a step.
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help, version or a usage error; clap returns write errors (a closed pipe) rather
            // than panicking, and there is nothing more to say if the reader has gone.
            let _ = e.print();
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    ExitCode::SUCCESS
                }
                _ => ExitCode::from(2),
            };
        }
    };
    match commands::run(cli.command) {
        Ok(code) => code,
        Err(e) => e.report(),
    }
}

/// The result of a command.
pub(crate) type Result<T, E = CommandError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
