//! rein's discovery: find every place AI agents enter software delivery in repositories and on
//! this machine, map the authority each one has, and give each a verdict (allow, approval,
//! block) with its exact source location.
//!
//! It parses, never executes: no MCP server is started, no `npx` runs, no network is touched,
//! `${VAR}`, `${{ secrets.X }}` and `${input:x}` are recorded as references, and secret values
//! are never printed (only a fingerprint). Malformed files become "unparsed" findings. Like the
//! rest of rein's libraries it does no terminal I/O: the CLI renders the report.

pub mod catalogue;
pub mod codeowners;
pub mod config;
pub mod detectors;
pub mod doc;
pub mod git;
pub mod model;
pub mod parse;
pub mod provenance;
pub mod report;
pub mod scan;
pub mod suppress;
