//! `rein doctor --json`, with `--failures` and `--clear-failures`.

use serde::Serialize;

use super::{Schema, documents};

/// `rein doctor --json`.
#[derive(Debug, Serialize)]
pub struct Doctor {
    pub schema: Schema,
    /// No check failed (warnings allowed).
    pub ok: bool,
    /// The store's directory.
    pub store: String,
    pub checks: Vec<DoctorCheck>,
}

#[derive(Debug, Serialize)]
pub struct DoctorCheck {
    pub check: &'static str,
    pub status: CheckStatus,
    pub detail: String,
    pub fix: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    Ok,
    Warn,
    Fail,
}

/// `rein doctor --failures --json`.
#[derive(Debug, Serialize)]
pub struct HookFailures {
    pub schema: Schema,
    /// Hook failures not cleared yet.
    pub total: usize,
    /// The newest of them.
    pub failures: Vec<HookFailure>,
    /// The paths of the payloads spooled after a failure.
    pub spooled: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct HookFailure {
    pub id: i64,
    pub time: String,
    pub agent: String,
    pub event: String,
    /// Redacted.
    pub message: String,
}

/// `rein doctor --clear-failures --json`.
#[derive(Debug, Serialize)]
pub struct FailuresCleared {
    pub schema: Schema,
    pub cleared: usize,
    pub spooled_moved: usize,
    pub spool_kept_in: String,
}

documents!(Doctor, HookFailures, FailuresCleared);
