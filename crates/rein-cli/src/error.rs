//! The CLI's one error type: a message, hints that say what to do, and an exit code.

use std::process::ExitCode;

/// Exit codes: 1 for a user error, 3 for an internal failure (clap exits 2 on usage errors).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    User,
    Internal,
}

#[derive(Debug)]
pub struct CommandError {
    pub kind: ErrorKind,
    pub message: String,
    pub hints: Vec<String>,
}

impl CommandError {
    pub fn user(message: impl Into<String>) -> Self {
        CommandError {
            kind: ErrorKind::User,
            message: message.into(),
            hints: Vec::new(),
        }
    }
    pub fn internal(message: impl Into<String>) -> Self {
        CommandError {
            kind: ErrorKind::Internal,
            message: message.into(),
            hints: Vec::new(),
        }
    }
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self
    }

    /// Prints the error and its hints to stderr and returns the exit code.
    pub fn report(&self) -> ExitCode {
        // Errors may quote input (a config line, a policy file): never print a secret in clear.
        eprintln!("error: {}", rein_core::redact::redact_str(&self.message));
        for h in &self.hints {
            eprintln!("hint: {}", rein_core::redact::redact_str(h));
        }
        ExitCode::from(match self.kind {
            ErrorKind::User => 1,
            ErrorKind::Internal => 3,
        })
    }
}

impl From<rein_core::Error> for CommandError {
    fn from(e: rein_core::Error) -> Self {
        use rein_core::Error as E;
        match &e {
            E::NotFound { kind: "store", .. } => CommandError::user(e.to_string()).hint(
                "nothing has been recorded yet: run `rein init` in a git work tree, then use Claude Code",
            ),
            E::NotFound {
                kind: "operation", ..
            } => CommandError::user(e.to_string())
                .hint("`rein op log` lists the operations of this work tree"),
            E::NotFound { .. } => CommandError::user(e.to_string())
                .hint("`rein log` lists sessions (s1), prompts (p1) and steps (1)"),
            E::Ambiguous { .. } => {
                CommandError::user(e.to_string()).hint("give more characters, or use s<N> from `rein log`")
            }
            E::SchemaTooNew { .. } | E::Config { .. } | E::Invalid(_) => {
                CommandError::user(e.to_string())
            }
            E::Sqlite(_) => CommandError::internal(e.to_string())
                .hint("`rein doctor` checks the store's health"),
            _ => CommandError::internal(e.to_string()),
        }
    }
}

impl From<std::io::Error> for CommandError {
    fn from(e: std::io::Error) -> Self {
        CommandError::internal(e.to_string())
    }
}
