//! Small helpers for human-readable output.

use rein_core::time::format_rfc3339;

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

/// Prints JSON to stdout.
pub fn print_json(value: &serde_json::Value) -> crate::Result<()> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| crate::error::CommandError::internal(format!("serialising JSON: {e}")))?;
    println!("{text}");
    Ok(())
}

/// Writes bytes to stdout, treating a closed pipe (`rein log | head`) as success.
pub fn write_stdout(text: &str) -> crate::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(e.into()),
    }
}
