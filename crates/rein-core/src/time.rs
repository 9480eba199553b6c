//! Timestamps as integer microseconds since the Unix epoch (UTC): compact in SQLite, exact in the
//! audit chain, and easy to compare.

/// Microseconds since the Unix epoch.
pub type Micros = i64;

/// The current time in microseconds.
pub fn now_micros() -> Micros {
    let now = std::time::SystemTime::now();
    match now.duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_micros()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_micros()).unwrap_or(i64::MAX),
    }
}

/// Formats as RFC 3339 in UTC with second precision, e.g. `2026-11-22T10:04:05Z`.
pub fn format_rfc3339(micros: Micros) -> String {
    match jiff::Timestamp::from_microsecond(micros) {
        Ok(ts) => ts
            .round(jiff::Unit::Second)
            .map_or_else(|_| ts.to_string(), |t| t.to_string()),
        Err(_) => format!("@{micros}us"),
    }
}

/// Formats as RFC 3339 in UTC with microsecond precision, for JSON output.
pub fn format_rfc3339_precise(micros: Micros) -> String {
    match jiff::Timestamp::from_microsecond(micros) {
        Ok(ts) => ts.to_string(),
        Err(_) => format!("@{micros}us"),
    }
}
