//! The engine: the one pipeline every channel uses.
//!
//! A hook of any agent, the MCP gateway and `rein policy check` hand the engine an agent-neutral
//! event (a tool call in the neutral model of `rein-call`, or a session, prompt or stop event);
//! the engine decides, records the decision with its step and audit record in one transaction,
//! and returns a verdict that the caller renders in its own dialect:
//!
//! ```text
//! Event ──► decide (policy over the call's effects) ──► record (step, files, decision, audit)
//!                                                          │
//!                                                          ▼
//!                                                   GateVerdict / Recorded
//! ```
//!
//! It fails closed without ending the process: a deadline, a panic, an unloadable config or
//! policy, a locked or broken store all come back as a deny (or an ask, where the user chose
//! that), so a long-lived host (the gateway) survives them. It never prints, never reads the
//! process environment and never exits: the host resolves those facts into a [`Setup`] and a
//! [`Probe`].

mod failure;
mod gate;
mod policy;
mod record;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

pub use rein_core::inflight::AgentProcess;
pub use rein_policy::Answer;

pub use failure::spool_failure;
pub use policy::{PolicyDirs, load_policies, policy_sources, project_policy_dir};

/// Facts about the host, resolved once by the caller (the library never reads the environment).
#[derive(Debug, Clone)]
pub struct Setup {
    /// The store's directory (`$REIN_HOME`).
    pub rein_home: PathBuf,
    /// The user's home directory. Without it rein cannot tell what `~` means, and the gate
    /// refuses to decide.
    pub home: Option<PathBuf>,
    /// The user's config file (`~/.config/rein/config.toml`).
    pub user_config: Option<PathBuf>,
    /// Where layered policy files live.
    pub policy: PolicyDirs,
    /// Temporary directories besides /tmp and /var/tmp (`$TMPDIR`).
    pub tmp_dirs: Vec<PathBuf>,
    /// `ci` or `local`.
    pub environment: String,
    /// The process running the agent that sent the event, when the host can tell.
    pub agent_process: Option<AgentProcess>,
    /// The gate answers deny (or ask) by then, whatever it is waiting for.
    pub gate_deadline: Duration,
    /// A recording gives up by then (it never blocks the agent).
    pub record_deadline: Duration,
}

impl Setup {
    /// A setup with the default deadlines (10 s for the gate, 20 s for recording).
    pub fn new(rein_home: PathBuf, home: Option<PathBuf>) -> Setup {
        Setup {
            rein_home,
            home,
            user_config: None,
            policy: PolicyDirs::default(),
            tmp_dirs: Vec::new(),
            environment: "local".to_owned(),
            agent_process: None,
            gate_deadline: Duration::from_secs(10),
            record_deadline: Duration::from_secs(20),
        }
    }

    /// Config files in precedence order (later wins): the user's, then the project's.
    pub fn config_files(&self, root: Option<&Path>) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = self.user_config.iter().cloned().collect();
        if let Some(root) = root {
            files.push(rein_core::config::project_file(root));
        }
        files
    }
}

/// What the engine asks the host while it works: things that spawn processes or read the
/// system, kept out of the library.
pub trait Probe: Send + Sync + 'static {
    /// The delegating human: the configured one, else git's `user.email`, else `$USER`. Called
    /// only for a session rein has not seen, because it may spawn git.
    fn human(&self, configured: Option<&str>, dir: &Path) -> Option<String>;

    /// Whether a process is still the one that was seen: `Some(false)` only when it is certainly
    /// gone. `None` when the host cannot tell.
    fn process_alive(&self, process: AgentProcess) -> Option<bool> {
        let _ = process;
        None
    }

    /// Test-only fault injection: a fault to raise inside the next decision.
    fn fault(&self) -> Option<Fault> {
        None
    }
}

/// A fault injected by tests, to prove that every failure is a deny.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The decision panics.
    Panic,
    /// The decision never finishes (the deadline answers).
    Hang,
}

/// What the agent must be told about a tool call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tell {
    /// Nothing: the agent goes on with its own permission flow (rein never answers "allow" on
    /// the user's behalf).
    Nothing,
    /// Ask a human, with this reason.
    Ask(String),
    /// Do not run the call; the reason is what the model sees.
    Deny(String),
}

/// The gate's verdict on a tool call.
#[derive(Debug, Clone)]
pub struct GateVerdict {
    pub tell: Tell,
    /// What policy decided, when it could (`None` when the gate failed closed).
    pub answer: Option<Answer>,
    /// Why the gate could not decide (it then denied or asked), for one line on stderr; the
    /// failure is already logged for `rein doctor` and the event spooled.
    pub failure: Option<String>,
}

/// What recording an event did.
#[derive(Debug, Clone, Default)]
pub struct Recorded {
    /// Problems worth a line on stderr (a config that did not load, an incomplete capture);
    /// each is also logged for `rein doctor`.
    pub warnings: Vec<String>,
    /// Why the event could not be recorded; logged and spooled already.
    pub failure: Option<String>,
}

/// The engine. Cheap to clone; every call opens what it needs, so one engine serves any number
/// of calls, concurrently, in one process.
#[derive(Clone)]
pub struct Engine {
    setup: Arc<Setup>,
    probe: Arc<dyn Probe>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("setup", &self.setup)
            .finish()
    }
}

impl Engine {
    pub fn new(setup: Setup, probe: impl Probe) -> Engine {
        Engine {
            setup: Arc::new(setup),
            probe: Arc::new(probe),
        }
    }

    pub fn setup(&self) -> &Setup {
        &self.setup
    }

    /// The gate: decides a tool call about to run (a PreToolUse), records the decision with its
    /// step and audit record, and says what to tell the agent. Never panics, returns by the gate
    /// deadline, and answers deny (or ask, with `on_error = "ask"`) whenever it cannot decide.
    pub fn gate(&self, event: rein_core::event::Event) -> GateVerdict {
        gate::gate(self, event)
    }

    /// Records any event but a PreToolUse. Never blocks the agent: failures are logged for
    /// `rein doctor` and the event spooled.
    pub fn record(&self, event: rein_core::event::Event) -> Recorded {
        record::record(self, event)
    }

    /// Logs a failure where `rein doctor` finds it and spools the (redacted) payload, for events
    /// that never became an [`rein_core::event::Event`] (a payload that did not parse).
    pub fn log_failure(&self, agent: &str, event: &str, payload: &[u8], message: &str) {
        spool_failure(&self.setup.rein_home, agent, event, payload, message);
    }

    /// Closes the steps in flight in the work tree at `root` whose agent is gone (or that rein
    /// cannot watch and have run for hours), giving each what it claimed (`rein doctor`).
    /// Returns the closed steps with whether each was given changes.
    pub fn close_abandoned(&self, root: &Path) -> Result<Vec<(i64, bool)>, EngineError> {
        record::close_abandoned(self, root)
    }

    /// Decides a call without recording it (`rein policy check`).
    pub fn decide(&self, call: &Check<'_>) -> Result<Decided, EngineError> {
        gate::check(self, call)
    }

    /// The gate's verdict on a PreToolUse without recording anything, for a second hook of rein
    /// on the same event (Cursor runs Claude Code's hooks as well as its own, and the Cursor hook
    /// records). Fails closed like [`Engine::gate`]: an error or a panic is a deny.
    pub fn gate_unrecorded(&self, event: &rein_core::event::Event) -> GateVerdict {
        let rein_core::event::EventKind::ToolPre(call) = &event.kind else {
            return undecided(rein_core::config::OnError::Deny, "not a PreToolUse event");
        };
        let check = Check {
            call,
            cwd: Path::new(&event.cwd),
            agent: &event.agent,
            session: &event.session_id,
            permission_mode: event.permission_mode.as_deref().unwrap_or(""),
        };
        let decided =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.decide(&check)));
        match decided {
            Ok(Ok(d)) => {
                let enforced = d.mode == rein_core::config::GateMode::Enforce;
                let tell = match (enforced, d.decision.answer) {
                    (false, _) | (true, Answer::Allow) => Tell::Nothing,
                    (true, Answer::Ask) => Tell::Ask(format!("rein: {}", d.decision.reason)),
                    (true, Answer::Deny) => Tell::Deny(format!("rein: {}", d.decision.reason)),
                };
                GateVerdict {
                    tell,
                    answer: Some(d.decision.answer),
                    failure: None,
                }
            }
            Ok(Err(e)) => undecided(rein_core::config::OnError::Deny, &e.to_string()),
            Err(_) => undecided(rein_core::config::OnError::Deny, "the gate panicked"),
        }
    }
}

/// A call to decide without recording it.
#[derive(Debug, Clone)]
pub struct Check<'a> {
    pub call: &'a rein_core::event::ToolCall,
    pub cwd: &'a Path,
    pub agent: &'a str,
    pub session: &'a str,
    pub permission_mode: &'a str,
}

/// A decision made without recording, with the mode it would run in.
#[derive(Debug, Clone)]
pub struct Decided {
    pub decision: rein_policy::Decision,
    pub mode: rein_core::config::GateMode,
}

/// Why a call could not be decided, with what to do about it.
#[derive(Debug, Clone)]
pub struct EngineError {
    pub message: String,
    pub hint: Option<String>,
}

impl EngineError {
    fn new(message: impl Into<String>, hint: impl Into<Option<String>>) -> Self {
        EngineError {
            message: message.into(),
            hint: hint.into(),
        }
    }
}

impl std::fmt::Display for EngineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.hint {
            Some(h) => write!(f, "{}; {h}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for EngineError {}

/// The verdict for a call rein cannot decide (a payload that does not parse, no store): deny,
/// or ask with `on_error = "ask"`, with the reason the agent is told.
pub fn undecided(on_error: rein_core::config::OnError, message: &str) -> GateVerdict {
    gate::undecided(on_error, message)
}

/// Collapses a message onto one line, secrets redacted: hooks print one line per problem.
pub fn single_line(message: &str) -> String {
    let message = rein_core::redact::redact_str(message);
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A panic's message.
pub(crate) fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".into())
}

/// How long a caller waits past its deadline for a worker that has already committed.
const COMMITTED_GRACE: Duration = Duration::from_secs(5);

/// Runs `work` on its own thread with a deadline and catches its panics: `Err` with a message
/// when it panicked or did not finish in time. At the deadline, `late` says whether the worker's
/// result must still be waited for (it has committed, so its answer is the true one); otherwise a
/// worker past its deadline is left to finish on its own, and must not commit.
pub(crate) fn bounded<T: Send + 'static>(
    deadline: Duration,
    what: &str,
    work: impl FnOnce() -> T + Send + 'static,
    late: impl FnOnce() -> bool,
) -> Result<T, String> {
    let (tx, rx) = std::sync::mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name(format!("rein-{what}"))
        .spawn(move || {
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work));
            let _ = tx.send(outcome);
        });
    let outcome = match spawned {
        Ok(_) => match rx.recv_timeout(deadline) {
            Ok(outcome) => outcome,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) if late() => {
                match rx.recv_timeout(COMMITTED_GRACE) {
                    Ok(outcome) => outcome,
                    Err(_) => return Err(format!("the {what} stopped after recording")),
                }
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                return Err(format!(
                    "the {what} did not {} within {} ms",
                    if what == "gate" { "decide" } else { "finish" },
                    deadline.as_millis()
                ));
            }
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                return Err(format!("the {what} stopped without an answer"));
            }
        },
        Err(e) => return Err(format!("cannot start the {what}: {e}")),
    };
    outcome.map_err(|panic| format!("internal error: {}", panic_message(&panic)))
}
