//! The one error type of the library. The CLI turns it into a message with hints.

use std::path::PathBuf;

/// Everything that can go wrong inside the library.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("store error: {0}")]
    Sqlite(#[from] rusqlite::Error),

    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },

    #[error(
        "the store at {path} has schema version {found}, newer than this rein understands ({supported}); upgrade rein"
    )]
    SchemaTooNew {
        path: PathBuf,
        found: i64,
        supported: i64,
    },

    #[error("blob {0} is missing from the store")]
    BlobMissing(String),

    #[error("blob {id} is corrupt: {reason}")]
    BlobCorrupt { id: String, reason: String },

    #[error("no {kind} matches `{query}`")]
    NotFound { kind: &'static str, query: String },

    #[error("`{query}` is ambiguous: it matches {count} {kind}s")]
    Ambiguous {
        kind: &'static str,
        query: String,
        count: usize,
    },

    /// A reference that names a record of another work tree (or of none): every command acts
    /// only on the work tree it runs in.
    #[error("{kind} `{query}` was recorded {}", match .worktree {
        Some(root) => format!("in another work tree: {root}"),
        None => "outside any git work tree".to_owned(),
    })]
    OtherWorktree {
        kind: &'static str,
        query: String,
        /// The work tree the record belongs to; `None` for records made outside any work tree.
        worktree: Option<String>,
    },

    #[error("invalid config in {path}: {message}")]
    Config { path: PathBuf, message: String },

    #[error("{0}")]
    Invalid(String),
}

/// Result with the library's error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Wraps an I/O error with what was being done, so messages say which file failed.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }
}

/// Adds context to I/O results.
pub trait IoContext<T> {
    /// Attaches `what` (e.g. "reading /x/y") to an I/O error.
    fn context(self, what: impl FnOnce() -> String) -> Result<T>;
}

impl<T> IoContext<T> for std::io::Result<T> {
    fn context(self, what: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|e| Error::io(what(), e))
    }
}
