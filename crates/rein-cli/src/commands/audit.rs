//! `rein audit`: verify and export the tamper-evident audit log.

use std::fmt::Write as _;
use std::io::BufReader;
use std::path::PathBuf;
use std::process::ExitCode;

use rein_core::audit::{self, ProblemKind};

use crate::error::CommandError;
use crate::json::{self, Schema};
use crate::render;

/// Verify or export the audit log: an append-only, hash-chained record of every event.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Check that no record was modified, deleted, inserted or reordered.
    ///
    /// Without --file, checks the store's own log (and its separately kept head, so a deleted
    /// newest record is caught too). With --file, checks an export offline.
    /// Exit status: 0 intact, 1 tampered (or an error), 2 usage error, 3 internal error.
    Verify {
        /// An export written by `rein audit export` (`-` reads standard input).
        #[arg(long)]
        file: Option<PathBuf>,
        /// Print JSON (schema 1).
        #[arg(long)]
        json: bool,
    },
    /// Write the whole log as JSON lines (one record per line, then a trailer).
    ///
    /// The export can be verified anywhere with `rein audit verify --file F`.
    Export {
        /// Write here instead of stdout (`-` is stdout).
        #[arg(short, long, value_name = "FILE", value_parser = render::OutputTarget::parser())]
        output: Option<render::OutputTarget>,
    },
}

pub fn run(cmd: Command) -> crate::Result<ExitCode> {
    match cmd {
        Command::Verify { file, json } => verify(file, json),
        Command::Export { output } => export(output.unwrap_or(render::OutputTarget::Stdout)),
    }
}

fn verify(file: Option<PathBuf>, as_json: bool) -> crate::Result<ExitCode> {
    let report = match &file {
        Some(path) if path.as_os_str() == "-" => {
            audit::verify_export(&mut std::io::stdin().lock())?
        }
        Some(path) => {
            let f = std::fs::File::open(path)
                .map_err(|e| CommandError::user(format!("cannot open {}: {e}", path.display())))?;
            audit::verify_export(&mut BufReader::new(f))?
        }
        None => {
            let store = super::open_store()?;
            audit::verify_store(store.conn())?
        }
    };
    // The exit status is the verdict: a reader that closes the pipe early does not change it.
    let printed = if as_json {
        render::print_json(&json::AuditVerify {
            schema: Schema,
            ok: report.is_ok(),
            records: report.records,
            first_seq: report.first_seq,
            last_seq: report.last_seq,
            head: report.head.clone(),
            problems: report
                .problems
                .iter()
                .map(|p| json::AuditProblem {
                    kind: problem_kind(p.kind),
                    seq: p.seq,
                    line: p.line,
                    message: p.message.clone(),
                })
                .collect(),
        })
    } else if report.is_ok() {
        render::write_stdout(&format!(
            "audit log intact: {} records{}\n",
            report.records,
            report
                .head
                .as_deref()
                .map(|h| format!(", head {}", &h[..16.min(h.len())]))
                .unwrap_or_default()
        ))
    } else {
        let mut out = format!(
            "audit log TAMPERED: {} problem(s) in {} records\n",
            report.problems.len(),
            report.records
        );
        for p in &report.problems {
            let at = match (p.line, p.seq) {
                (Some(l), _) => format!("line {l}"),
                (None, Some(s)) => format!("record {s}"),
                _ => "end".into(),
            };
            let _ = writeln!(out, "  {at}: {}", p.message);
        }
        render::write_stdout(&out)
    };
    render::unless_closed(printed)?;
    Ok(if report.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn problem_kind(k: ProblemKind) -> &'static str {
    match k {
        ProblemKind::Modified => "modified",
        ProblemKind::Deleted => "deleted",
        ProblemKind::Inserted => "inserted",
        ProblemKind::Reordered => "reordered",
        ProblemKind::Broken => "broken",
        ProblemKind::Truncated => "truncated",
        ProblemKind::Unreadable => "unreadable",
    }
}

fn export(output: render::OutputTarget) -> crate::Result<ExitCode> {
    let store = super::open_store()?;
    match output {
        render::OutputTarget::File(path) => {
            let mut buf = Vec::new();
            let count = audit::export(store.conn(), &mut buf)?;
            rein_core::store::write_atomic(&path, &buf, 0o600)?;
            render::write_stderr(&format!("exported {count} records to {}\n", path.display()));
        }
        render::OutputTarget::Stdout => {
            let mut out = render::StdoutStream::default();
            let result = audit::export(store.conn(), &mut out);
            out.finish(result)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
