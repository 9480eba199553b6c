//! Small helpers for human-readable output.

use std::io::Write as _;
use std::path::PathBuf;

use rein_core::time::format_rfc3339;

use crate::error::CommandError;

pub fn time(micros: i64) -> String {
    format_rfc3339(micros)
}

/// One letter per change kind, like `git status --short`.
pub fn change_letter(change: &str) -> &'static str {
    match change {
        "added" => "A",
        "modified" => "M",
        "deleted" => "D",
        "renamed" => "R",
        "baseline" => "B",
        _ => "?",
    }
}

/// Prints a JSON document to stdout, pretty; see [`write_stdout`] for a closed pipe.
pub fn print_json(document: &impl crate::json::Document) -> crate::Result<()> {
    let mut text = serde_json::to_string_pretty(document)
        .map_err(|e| CommandError::internal(format!("serialising JSON: {e}")))?;
    text.push('\n');
    write_stdout(&text)
}

/// Writes text to stdout.
///
/// Every byte a command prints goes through here (or [`StdoutStream`]): `println!` panics when
/// the reader has gone (`rein log --json | head -n1`). A closed pipe returns
/// [`CommandError::broken_pipe`], which ends the command quietly with exit 0 once it reaches
/// `main` through `?`.
pub fn write_stdout(text: &str) -> crate::Result<()> {
    write_stdout_bytes(text.as_bytes())
}

pub fn write_stdout_bytes(bytes: &[u8]) -> crate::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(stdout_error)
}

/// The error for a failed write to stdout: a closed pipe is [`CommandError::broken_pipe`],
/// anything else (a full disk) is an internal error.
pub fn stdout_error(e: std::io::Error) -> CommandError {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        CommandError::broken_pipe()
    } else {
        CommandError::internal(format!("writing to standard output: {e}"))
    }
}

/// For a command whose exit status is a verdict (`scan`, `audit verify`, `policy check`): a
/// reader that stops reading ends the output, not the verdict, so the command goes on to exit
/// with its status instead of 0.
pub fn unless_closed(result: crate::Result<()>) -> crate::Result<()> {
    match result {
        Err(e) if e.is_broken_pipe() => Ok(()),
        other => other,
    }
}

/// Writes a diagnostic to stderr, best effort: a closed or failing stderr never panics and never
/// changes what a command does or how it exits.
pub fn write_stderr(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes()).and_then(|()| err.flush());
}

/// Stdout as a buffered writer, for output streamed rather than built in memory (`audit
/// export`). It remembers a closed pipe, because the code writing through it may report the
/// failure as some other error (a serialiser's, say).
pub struct StdoutStream {
    out: std::io::BufWriter<std::io::StdoutLock<'static>>,
    closed: bool,
}

impl Default for StdoutStream {
    fn default() -> Self {
        StdoutStream {
            out: std::io::BufWriter::new(std::io::stdout().lock()),
            closed: false,
        }
    }
}

impl StdoutStream {
    /// Flushes, and turns `result` (of the code that wrote through this stream) into the
    /// command's result: a closed pipe wins over whatever error it caused.
    pub fn finish<T, E: Into<CommandError>>(mut self, result: Result<T, E>) -> crate::Result<T> {
        let flushed = self.flush();
        if self.closed {
            return Err(CommandError::broken_pipe());
        }
        let value = result.map_err(Into::into)?;
        flushed.map_err(stdout_error)?;
        Ok(value)
    }

    fn note<T>(&mut self, r: std::io::Result<T>) -> std::io::Result<T> {
        if let Err(e) = &r
            && e.kind() == std::io::ErrorKind::BrokenPipe
        {
            self.closed = true;
        }
        r
    }
}

impl std::io::Write for StdoutStream {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let r = self.out.write(buf);
        self.note(r)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        let r = self.out.flush();
        self.note(r)
    }
}

/// Where `-o/--output` sends a report: a file, or stdout for `-` (the convention of most
/// tools; `./-` names a file called `-`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutputTarget {
    Stdout,
    File(PathBuf),
}

impl OutputTarget {
    /// The parser for an `-o/--output FILE` option: any path, `-` being stdout.
    pub fn parser() -> impl clap::builder::TypedValueParser<Value = OutputTarget> {
        use clap::builder::TypedValueParser as _;
        clap::builder::OsStringValueParser::new().map(|s| {
            if s == "-" {
                OutputTarget::Stdout
            } else {
                OutputTarget::File(PathBuf::from(s))
            }
        })
    }
}
