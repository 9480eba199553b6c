//! `rein audit`: verify and export the tamper-evident audit log.

use std::io::BufReader;
use std::path::PathBuf;
use std::process::ExitCode;

use rein_core::audit;
use serde_json::json;

use crate::error::CommandError;
use crate::render;

/// Verify or export the audit log: an append-only, hash-chained record of every event.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Check that no record was modified, deleted, inserted or reordered.
    ///
    /// Without --file, checks the store's own log (and its separately kept head, so a deleted
    /// newest record is caught too). With --file, checks an export offline.
    /// Exit status: 0 intact, 1 tampered.
    Verify {
        /// An export written by `rein audit export`.
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
        /// Write here instead of stdout.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
}

pub fn run(cmd: Command) -> crate::Result<ExitCode> {
    match cmd {
        Command::Verify { file, json } => verify(file, json),
        Command::Export { output } => export(output),
    }
}

fn verify(file: Option<PathBuf>, as_json: bool) -> crate::Result<ExitCode> {
    let report = match &file {
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
    if as_json {
        render::print_json(&json!({
            "schema": 1,
            "ok": report.is_ok(),
            "records": report.records,
            "first_seq": report.first_seq,
            "last_seq": report.last_seq,
            "head": report.head,
            "problems": report.problems,
        }))?;
    } else if report.is_ok() {
        println!(
            "audit log intact: {} records{}",
            report.records,
            report
                .head
                .as_deref()
                .map(|h| format!(", head {}", &h[..16]))
                .unwrap_or_default()
        );
    } else {
        println!(
            "audit log TAMPERED: {} problem(s) in {} records",
            report.problems.len(),
            report.records
        );
        for p in &report.problems {
            let at = match (p.line, p.seq) {
                (Some(l), _) => format!("line {l}"),
                (None, Some(s)) => format!("record {s}"),
                _ => "end".into(),
            };
            println!("  {at}: {}", p.message);
        }
    }
    Ok(if report.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn export(output: Option<PathBuf>) -> crate::Result<ExitCode> {
    let store = super::open_store()?;
    let count = match &output {
        Some(path) => {
            let mut buf = Vec::new();
            let n = audit::export(store.conn(), &mut buf)?;
            rein_core::store::write_atomic(path, &buf, 0o600)?;
            n
        }
        None => {
            let stdout = std::io::stdout();
            let mut lock = std::io::BufWriter::new(stdout.lock());
            let n = audit::export(store.conn(), &mut lock)?;
            std::io::Write::flush(&mut lock)?;
            n
        }
    };
    if let Some(path) = output {
        eprintln!("exported {count} records to {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}
