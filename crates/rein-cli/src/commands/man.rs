//! `rein man`: manual pages in roff, generated from the CLI definition.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::CommandFactory;

use crate::error::CommandError;
use crate::render;

/// Print rein's manual page (roff) to stdout, or write one page per command to a directory.
///
/// Without --dir, prints rein(1), which lists every command:
///   rein man | man -l -
/// With --dir, writes rein.1 and a page per subcommand (rein-log.1, rein-policy-check.1, …):
///   rein man --dir ~/.local/share/man/man1 && man rein-log
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Write rein.1 and one page per subcommand into this directory (created if missing).
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
}

pub fn run(args: Args) -> crate::Result<ExitCode> {
    // `rein help` is `--help`, not a page of its own.
    let cmd = crate::Cli::command().disable_help_subcommand(true);
    match args.dir {
        None => {
            let mut page = Vec::new();
            clap_mangen::Man::new(cmd)
                .source(format!("rein {}", crate::VERSION))
                .render(&mut page)
                .map_err(|e| CommandError::internal(format!("rendering the manual page: {e}")))?;
            render::write_stdout_bytes(&page)?;
        }
        Some(dir) => {
            let cannot = |e: std::io::Error| {
                CommandError::user(format!(
                    "cannot write manual pages to {}: {e}",
                    dir.display()
                ))
            };
            std::fs::create_dir_all(&dir).map_err(cannot)?;
            let mut cmd = cmd;
            // Gives subcommands their page names (rein-log, rein-policy-check).
            cmd.build();
            let mut written = 0;
            write_pages(cmd, &dir, &mut written).map_err(cannot)?;
            render::write_stderr(&format!(
                "wrote {written} manual pages to {}\n",
                dir.display()
            ));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes the page of `cmd` and of each of its visible subcommands, as `clap_mangen::generate_to`
/// does, counting them.
fn write_pages(cmd: clap::Command, dir: &Path, written: &mut usize) -> std::io::Result<()> {
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        write_pages(sub.clone(), dir, written)?;
    }
    // Subcommands have no version of their own: every page says which rein it documents.
    clap_mangen::Man::new(cmd)
        .source(format!("rein {}", crate::VERSION))
        .generate_to(dir)?;
    *written += 1;
    Ok(())
}
