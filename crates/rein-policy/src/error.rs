//! The policy crate's one error type.

use std::path::Path;

/// Why the policy could not be loaded or a decision could not be made. Every variant ends in a
/// deny (or the user's configured ask) at the gate, never an allow.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// A policy file is unreadable, does not parse, or does not fit rein's schema.
    #[error("policy {file}: {message}")]
    Load { file: String, message: String },
    /// Cedar could not evaluate a rule for this request (an error inside a rule's condition).
    #[error("rule `{rule}` failed to evaluate: {message}")]
    Evaluation { rule: String, message: String },
    /// rein built a request Cedar rejected: a bug in rein.
    #[error("internal error building the policy request: {0}")]
    Request(String),
    #[error("cases file {file}: {message}")]
    Cases { file: String, message: String },
}

impl PolicyError {
    pub(crate) fn io(path: &Path, e: std::io::Error) -> PolicyError {
        PolicyError::Load {
            file: path.display().to_string(),
            message: e.to_string(),
        }
    }

    /// A hint on how to fix it, shown under the error.
    pub fn hint(&self) -> Option<String> {
        match self {
            PolicyError::Load { .. } => Some(
                "fix or remove the file, then check with `rein policy lint`; rein denies every tool call until the policy loads".into(),
            ),
            PolicyError::Evaluation { .. } => Some(
                "a rule's condition raised an error; check it with `rein policy lint` (rein denies while a rule cannot be evaluated)".into(),
            ),
            PolicyError::Request(_) | PolicyError::Cases { .. } => None,
        }
    }
}
