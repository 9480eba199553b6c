//! `rein completions`: shell completion scripts, generated from the CLI definition.

use std::process::ExitCode;

use clap::CommandFactory;

use crate::render;

/// Print a shell completion script to stdout.
///
/// Install it where your shell looks for completions, for example:
///   bash  rein completions bash > ~/.local/share/bash-completion/completions/rein
///   zsh   rein completions zsh > ~/.zfunc/_rein   (with `fpath+=~/.zfunc` before `compinit`)
///   fish  rein completions fish > ~/.config/fish/completions/rein.fish
///   powershell: rein completions powershell | Out-String | Invoke-Expression  (in $PROFILE)
///   elvish: eval (rein completions elvish | slurp)  (in rc.elv)
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The shell to complete for.
    #[arg(value_enum)]
    shell: clap_complete::Shell,
}

pub fn run(args: Args) -> crate::Result<ExitCode> {
    render::write_stdout_bytes(&script(args.shell))?;
    Ok(ExitCode::SUCCESS)
}

/// The completion script for `shell`, for the binary named `rein`.
fn script(shell: clap_complete::Shell) -> Vec<u8> {
    let mut cmd = crate::Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "rein", &mut out);
    out
}
