//! `rein audit verify --json` (the export is rein-core's: `rein_core::audit::export`).

use serde::Serialize;

use super::{Schema, documents};

/// `rein audit verify --json`.
#[derive(Debug, Serialize)]
pub struct AuditVerify {
    pub schema: Schema,
    pub ok: bool,
    pub records: u64,
    pub first_seq: Option<i64>,
    pub last_seq: Option<i64>,
    pub head: Option<String>,
    pub problems: Vec<AuditProblem>,
}

documents!(AuditVerify);

#[derive(Debug, Serialize)]
pub struct AuditProblem {
    /// `modified`, `deleted`, `inserted`, `reordered`, `broken`, `truncated` or `unreadable`.
    pub kind: &'static str,
    pub seq: Option<i64>,
    /// For `--file`: the line of the export.
    pub line: Option<usize>,
    pub message: String,
}
