//! Shell command analysis for the gate.
//!
//! [`analyze`] parses a command line with a real bash parser (brush-parser), evaluates words
//! (quotes, ANSI-C strings, escapes, braces, `~`, `$HOME`, variables assigned earlier in the same
//! command), unwraps wrappers (`sudo`, `env`, `timeout`, `xargs`, `find -exec`, …), recurses into
//! `bash -c`, `eval`, heredocs, here-strings, process and command substitutions and interpreter
//! one-liners, and returns the [`Effect`]s the command would have.
//!
//! The analyzer never executes anything and never panics on any input. It is bounded in input
//! size, nesting depth and time; whatever it cannot resolve is reported in
//! [`Analysis::unresolved`], and the caller must then never answer allow.

mod commands;
mod effect;
mod parse;
mod paths;
mod scope;
mod walk;
mod word;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::{Duration, Instant};

pub use parse::parses;
pub use paths::normalize;
pub use scope::WriteScope;

pub use effect::{Analysis, Effect, EffectKind, Unresolved, UnresolvedKind, vcs_ops};

/// Where the command runs.
#[derive(Debug, Clone)]
pub struct Context {
    /// The working directory; relative paths are joined to it.
    pub cwd: PathBuf,
    /// The user's home directory, for `~` and `$HOME`.
    pub home: PathBuf,
}

/// Bounds on the analysis. Exceeding any of them yields an [`UnresolvedKind::TooLarge`] or
/// [`UnresolvedKind::Budget`] entry, never a silent allow.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Longest command accepted, in bytes.
    pub max_bytes: usize,
    /// Deepest nesting of `bash -c`, `eval`, substitutions and interpreters.
    pub max_depth: usize,
    /// Most simple commands analyzed in one call, nested ones included.
    pub max_commands: usize,
    /// Wall-clock budget for one call.
    pub deadline: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 256 * 1024,
            max_depth: 12,
            max_commands: 4096,
            // Unoptimized builds (the test suite) run the analyzer about ten times slower; a
            // tight deadline there would turn ordinary commands into asks on a loaded machine.
            deadline: Duration::from_millis(if cfg!(debug_assertions) { 1000 } else { 50 }),
        }
    }
}

/// Stack for the analysis thread: the parser and the walk recurse, and a stack overflow cannot be
/// caught, so give them far more room than the pre-checked nesting bound needs.
const STACK_BYTES: usize = 64 * 1024 * 1024;

/// Extra wall-clock time allowed past the deadline before the caller stops waiting.
const SLACK: Duration = Duration::from_millis(20);

/// Analyzes one command line.
///
/// Never panics and returns within `limits.deadline` (plus a few milliseconds): the analysis runs
/// on its own thread with a large stack, and whatever does not finish in time is reported as
/// [`UnresolvedKind::Budget`].
pub fn analyze(command: &str, ctx: &Context, limits: &Limits) -> Analysis {
    let start = Instant::now();
    if command.len() > limits.max_bytes {
        return single(
            UnresolvedKind::TooLarge,
            format!(
                "the command is {} bytes, over the {}-byte limit",
                command.len(),
                limits.max_bytes
            ),
        );
    }
    let (tx, rx) = mpsc::channel();
    let (cmd, ctx2, lim) = (command.to_string(), ctx.clone(), limits.clone());
    let spawned = std::thread::Builder::new()
        .name("rein-shell".into())
        .stack_size(STACK_BYTES)
        .spawn(move || {
            let _ = tx.send(run(&cmd, &ctx2, &lim, start));
        });
    match spawned {
        Ok(_) => {
            let wait = limits.deadline.saturating_sub(start.elapsed()) + SLACK;
            match rx.recv_timeout(wait) {
                Ok(a) => a,
                Err(mpsc::RecvTimeoutError::Timeout) => single(
                    UnresolvedKind::Budget,
                    "analysis ran out of its time budget".into(),
                ),
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    single(UnresolvedKind::Budget, "analysis failed internally".into())
                }
            }
        }
        // No thread available: analyze inline (still bounded by the pre-checks).
        Err(_) => run(command, ctx, limits, start),
    }
}

fn single(kind: UnresolvedKind, reason: String) -> Analysis {
    Analysis {
        effects: Vec::new(),
        unresolved: vec![Unresolved { kind, reason }],
    }
}

/// The analysis proper, with a panic turned into an unresolved entry.
fn run(command: &str, ctx: &Context, limits: &Limits, start: Instant) -> Analysis {
    let result = catch_unwind(AssertUnwindSafe(|| {
        let mut a = walk::Analyzer::new(ctx, limits, start);
        let call = walk::Call {
            via: Vec::new(),
            command: String::new(),
            depth: 0,
            stdin: walk::Flow::Terminal,
        };
        a.analyze_source(command, &call);
        a.finish()
    }));
    result.unwrap_or_else(|_| single(UnresolvedKind::Budget, "analysis failed internally".into()))
}
