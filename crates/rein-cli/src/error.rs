//! The CLI's one error type: a message, hints that say what to do, and an exit code.

use std::process::ExitCode;

/// Exit codes: 1 for a user error, 3 for an internal failure (clap exits 2 on usage errors).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    User,
    Internal,
    /// `rein policy check --exit-code` could not decide (exit 3), so that 1 and 2 keep meaning
    /// ask and deny.
    Undecided,
    /// The reader of standard output went away (`rein log | head -n1`): the command stops
    /// quietly and exits 0, as ripgrep does. Only the stdout writers in `render` produce it.
    BrokenPipe,
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

    /// Standard output was closed by its reader; see [`ErrorKind::BrokenPipe`].
    pub fn broken_pipe() -> Self {
        CommandError {
            kind: ErrorKind::BrokenPipe,
            message: "standard output was closed".into(),
            hints: Vec::new(),
        }
    }

    pub fn is_broken_pipe(&self) -> bool {
        self.kind == ErrorKind::BrokenPipe
    }

    /// The same error, marked as "could not decide" for `policy check --exit-code` (exit 3). A
    /// closed stdout stays what it is.
    pub fn undecided(mut self) -> Self {
        if !self.is_broken_pipe() {
            self.kind = ErrorKind::Undecided;
        }
        self
    }

    /// Prints the error and its hints to stderr and returns the exit code. Never panics, even
    /// when stderr is closed; a closed stdout exits 0 without a word.
    pub fn report(&self) -> ExitCode {
        if self.is_broken_pipe() {
            return ExitCode::SUCCESS;
        }
        // Errors may quote input (a config line, a policy file): never print a secret in clear.
        let mut text = format!("error: {}\n", rein_core::redact::redact_str(&self.message));
        for h in &self.hints {
            text.push_str(&format!("hint: {}\n", rein_core::redact::redact_str(h)));
        }
        crate::render::write_stderr(&text);
        ExitCode::from(match self.kind {
            ErrorKind::User => 1,
            ErrorKind::Internal | ErrorKind::Undecided => 3,
            ErrorKind::BrokenPipe => 0,
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
