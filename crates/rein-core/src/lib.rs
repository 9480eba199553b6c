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
pub mod redact;
pub mod restore;
pub mod schema;
pub mod store;
pub mod task;
pub mod time;
pub mod worktree;

pub use error::{Error, Result};
pub use schema::JSON_SCHEMA;
pub use store::Store;
