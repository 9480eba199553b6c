//! rein's library: the agent-neutral event model, the store, the audit chain, change capture and
//! the readers built on them (log, show, diff, blame).
//!
//! This crate never prints, never reads the process environment or `$HOME`, and never exits the
//! process: the CLI resolves all of that and passes it in (jj's library/CLI split).

pub mod audit;
pub mod blame;
pub mod blob;
pub mod capture;
pub mod config;
pub mod diff;
pub mod error;
pub mod event;
pub mod inflight;
pub mod merge;
pub mod query;
pub mod record;
/// Secret redaction: the `rein-secrets` crate, where scan and the content guard find it too.
pub use rein_secrets as redact;
pub mod restore;
/// The version of rein's JSON documents: the `rein-schema` crate, which rein-scan uses too.
pub use rein_schema as schema;
pub mod store;
pub mod task;
pub mod time;
pub mod worktree;

pub use error::{Error, Result};
pub use schema::JSON_SCHEMA;
pub use store::Store;
