//! `rein hook <agent>`: the entry point agents call on every hook event.
//!
//! For a PreToolUse this is the gate: it decides allow, ask or deny and fails closed. Claude Code
//! runs a tool when a hook crashes, times out or exits with an unexpected code, so every failure
//! here (a malformed or oversized payload, a broken config or policy, a locked store, a panic, a
//! blown deadline) is answered with an explicit deny (or ask, if the user chose that).
//!
//! For every other event the hook only records: it never blocks the agent, logs failures for
//! `rein doctor`, spools the event so nothing is lost, prints one line on stderr and exits 0.

use std::io::{Read, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rein_agents::claude_code::{self, GateAnswer};
use rein_core::config::{Config, GateMode, OnError};
use rein_core::event::EventKind;
use rein_core::record::{self, DecisionRecord, Host};
use rein_policy::{Answer, Call, Principal, Task};
use serde_json::json;

use crate::{gate, host};

/// Reads one hook payload on stdin, records it, and answers in the agent's format.
///
/// Installed by `rein init`; you do not run this by hand. Claude Code runs
/// `rein hook claude-code` with the event's JSON payload on stdin. For PreToolUse events the
/// answer is the gate's decision; see `rein policy check` to try one by hand.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The agent whose hook payload arrives on stdin.
    #[arg(value_enum)]
    agent: Agent,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Agent {
    ClaudeCode,
}

/// A recording hook gives up well inside Claude Code's hook timeout (rein installs 60 s).
const DEADLINE: Duration = Duration::from_secs(20);
/// The gate answers deny by then, whatever it is waiting for.
const GATE_DEADLINE: Duration = Duration::from_secs(10);

pub fn run(args: Args) -> ExitCode {
    let Agent::ClaudeCode = args.agent;
    // Panics are caught and reported as one line; the default hook would print several.
    std::panic::set_hook(Box::new(|_| {}));
    let mut payload = Vec::new();
    let limit = claude_code::MAX_PAYLOAD_BYTES as u64 + 1;
    let read = std::io::stdin()
        .lock()
        .take(limit)
        .read_to_end(&mut payload);
    let payload = Arc::new(payload);

    if let Err(e) = read {
        let message = format!("cannot read the hook payload: {e}");
        if claude_code::may_be_pre_tool_use(&payload) {
            return fail_closed(&payload, OnError::Deny, &message);
        }
        fail(&payload, "unknown", &message);
        return ExitCode::SUCCESS;
    }
    let event = match claude_code::parse(&payload) {
        Ok(event) => event,
        Err(e) => {
            let message = format!("malformed hook payload: {e}");
            if claude_code::may_be_pre_tool_use(&payload) {
                return fail_closed(&payload, OnError::Deny, &message);
            }
            fail(&payload, "unknown", &message);
            return ExitCode::SUCCESS;
        }
    };
    if matches!(event.kind, EventKind::ToolPre(_)) {
        return gate_event(payload, event);
    }

    let watchdog_payload = payload.clone();
    std::thread::spawn(move || {
        std::thread::sleep(DEADLINE);
        fail(
            &watchdog_payload,
            "unknown",
            &format!("gave up after {}s", DEADLINE.as_secs()),
        );
        std::process::exit(0);
    });
    let name = event.name.clone();
    let outcome = std::panic::catch_unwind(move || record_event(event));
    match outcome {
        Ok(Ok(())) => {}
        Ok(Err(message)) => fail(&payload, &name, &message),
        Err(panic) => fail(
            &payload,
            &name,
            &format!("internal error: {}", panic_message(&panic)),
        ),
    }
    let _ = crate::render::write_stdout(claude_code::recorder_answer()); // closed stdout: fine
    ExitCode::SUCCESS
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".into())
}

fn record_event(event: rein_core::event::Event) -> Result<(), String> {
    let name = event.name.clone();
    let home = host::rein_home().map_err(|e| e.message)?;
    let root = rein_core::worktree::find_root(Path::new(&event.cwd));
    let (config, config_problem) = match Config::load(&host::config_files(root.as_deref())) {
        Ok(c) => (c, None),
        Err(e) => (Config::default(), Some(e.to_string())),
    };
    let mut store = rein_core::Store::open(&home).map_err(|e| e.to_string())?;
    let human_cfg = config.human.clone();
    let resolve = move |dir: &Path| host::resolve_human(human_cfg.as_deref(), dir);
    let host_ctx = Host {
        environment: host::environment(),
        config: &config.capture,
        resolve_human: &resolve,
        agent: host::agent_process(),
        process_alive: &host::process_alive,
        shell_writes: &crate::gate::shell_writes,
    };
    let outcome = record::record(&mut store, &host_ctx, event).map_err(|e| e.to_string())?;
    for problem in config_problem.into_iter().chain(outcome.capture_warning) {
        let _ = store.log_hook_failure(claude_code::AGENT, &name, &problem);
        crate::render::write_stderr(&format!("rein: {}\n", single_line(&problem)));
    }
    Ok(())
}

/// Test-only fault injection (debug builds): `REIN_TEST_FAULT=panic|hang`, and
/// `REIN_TEST_GATE_DEADLINE_MS` to shorten the gate's deadline.
fn injected_fault() -> Option<String> {
    if cfg!(debug_assertions) {
        host::non_empty("REIN_TEST_FAULT")
    } else {
        None
    }
}

fn gate_deadline() -> Duration {
    if cfg!(debug_assertions)
        && let Some(ms) = host::non_empty("REIN_TEST_GATE_DEADLINE_MS").and_then(|v| v.parse().ok())
    {
        return Duration::from_millis(ms);
    }
    GATE_DEADLINE
}

/// The gate: decide, record, answer. Exactly one answer is printed, by whichever finishes
/// first: the decision or the watchdog.
fn gate_event(payload: Arc<Vec<u8>>, event: rein_core::event::Event) -> ExitCode {
    let answered = Arc::new(AtomicBool::new(false));
    // Set once the config says `on_error = "ask"`; until then a failure denies.
    let ask_on_error = Arc::new(AtomicBool::new(false));
    {
        let answered = answered.clone();
        let ask_on_error = ask_on_error.clone();
        let payload = payload.clone();
        let deadline = gate_deadline();
        std::thread::spawn(move || {
            std::thread::sleep(deadline);
            if !answered.swap(true, Ordering::SeqCst) {
                let choice = on_error(&ask_on_error);
                let message = format!("the gate did not decide within {} ms", deadline.as_millis());
                let _ = fail_closed(&payload, choice, &message);
                std::process::exit(0);
            }
        });
    }
    let ask_for_gate = ask_on_error.clone();
    let outcome = std::panic::catch_unwind(move || decide_and_record(event, &ask_for_gate));
    if answered.swap(true, Ordering::SeqCst) {
        // The watchdog answered already and is exiting the process.
        std::thread::sleep(Duration::from_secs(5));
        return ExitCode::SUCCESS;
    }
    let choice = on_error(&ask_on_error);
    match outcome {
        Ok(Ok(answer)) => {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(answer.as_bytes());
            let _ = out.flush();
            ExitCode::SUCCESS
        }
        Ok(Err(GateFailure { message, hint })) => {
            let message = match hint {
                Some(h) => format!("{message}; {h}"),
                None => message,
            };
            fail_closed(&payload, choice, &message)
        }
        Err(panic) => fail_closed(
            &payload,
            choice,
            &format!("internal error: {}", panic_message(&panic)),
        ),
    }
}

fn on_error(ask_on_error: &AtomicBool) -> OnError {
    if ask_on_error.load(Ordering::SeqCst) {
        OnError::Ask
    } else {
        OnError::Deny
    }
}

struct GateFailure {
    message: String,
    hint: Option<String>,
}

impl GateFailure {
    fn new(message: impl Into<String>, hint: impl Into<Option<String>>) -> Self {
        GateFailure {
            message: message.into(),
            hint: hint.into(),
        }
    }
}

fn decide_and_record(
    event: rein_core::event::Event,
    ask_on_error: &AtomicBool,
) -> Result<String, GateFailure> {
    let fault = injected_fault();
    match fault.as_deref() {
        Some("panic") => panic!("injected fault"),
        Some("hang") => std::thread::sleep(Duration::from_secs(3600)),
        _ => {}
    }
    let EventKind::ToolPre(call) = &event.kind else {
        return Err(GateFailure::new("not a PreToolUse event", None));
    };
    let cwd = Path::new(&event.cwd);
    if !cwd.is_absolute() {
        return Err(GateFailure::new(
            format!("the payload's cwd {:?} is not an absolute path", event.cwd),
            None,
        ));
    }
    let root = rein_core::worktree::find_root(cwd);
    let config = Config::load(&host::config_files(root.as_deref())).map_err(|e| {
        GateFailure::new(
            e.to_string(),
            Some("fix the config file; rein denies tool calls until it loads".to_owned()),
        )
    })?;
    if config.gate.on_error == OnError::Ask {
        ask_on_error.store(true, Ordering::SeqCst);
    }
    let policies = gate::load_for_hook(root.as_deref(), &config.gate.disable_rules)
        .map_err(|e| GateFailure::new(e.to_string(), e.hint()))?;
    let place = gate::place(cwd, root.as_deref()).map_err(|e| GateFailure::new(e.message, None))?;

    let home = host::rein_home().map_err(|e| GateFailure::new(e.message, None))?;
    let mut store = rein_core::Store::open(&home).map_err(|e| {
        GateFailure::new(
            format!("cannot open rein's store: {e}"),
            Some(
                "check `rein doctor`; rein denies tool calls while it cannot record them"
                    .to_owned(),
            ),
        )
    })?;
    let worktree_key = place.worktree.display().to_string();
    let task = rein_core::task::active(&store, &worktree_key)
        .map_err(|e| GateFailure::new(format!("cannot read the active task: {e}"), None))?
        .map(|t| Task {
            title: t.title,
            scope: t.scope,
        });
    // The session's human was resolved when it started; resolving again may spawn git.
    let human = rein_core::query::session_human(store.conn(), &event.agent, &event.session_id)
        .ok()
        .flatten()
        .or_else(|| host::resolve_human(config.human.as_deref(), &place.worktree));
    let principal = Principal {
        human: human.clone().unwrap_or_else(|| "unknown".to_owned()),
        agent: event.agent.clone(),
        session: event.session_id.clone(),
    };
    let permission_mode = event.permission_mode.clone().unwrap_or_default();
    let environment = host::environment();
    let gate_call = Call {
        tool: &call.tool,
        input: &call.input,
        place: &place,
        principal: &principal,
        environment,
        permission_mode: &permission_mode,
        task: task.as_ref(),
    };
    let decision = rein_policy::decide(&policies, &gate_call, &rein_policy::Limits::default())
        .map_err(|e| GateFailure::new(e.to_string(), e.hint()))?;

    let mode = config.gate.mode;
    let enforced = mode == GateMode::Enforce;
    let record = DecisionRecord {
        answer: decision.answer.as_str().to_owned(),
        mode: mode.as_str().to_owned(),
        enforced,
        reason: decision.reason.clone(),
        rules: decision.rule_ids(),
        policy_hash: Some(decision.policy_hash.clone()),
        request: json!({
            "principal": { "human": principal.human, "agent": event.agent, "session": event.session_id },
            "tool": call.tool,
            // The full input is in the event's own record; the decision keeps what identifies it.
            "input": record::truncate_strings(call.input.clone(), 2048),
            "context": {
                "environment": environment,
                "permission_mode": permission_mode,
                "cwd": event.cwd,
                "worktree": worktree_key,
                "task": task.as_ref().map(|t| json!({ "title": t.title, "scope": t.scope })),
            },
        }),
        detail: json!({ "effects": decision.effects, "rules": decision.rules }),
        error: None,
        writes: match &decision.writes {
            rein_policy::WriteScope::Paths(paths) => Some(
                paths
                    .iter()
                    .map(|p| p.to_string_lossy().into_owned())
                    .collect(),
            ),
            rein_policy::WriteScope::Anything => None,
        },
    };
    // Resolved above already (it may spawn git): a new session records the same human.
    let resolve = move |_: &Path| human.clone();
    let host_ctx = Host {
        environment,
        config: &config.capture,
        resolve_human: &resolve,
        agent: host::agent_process(),
        process_alive: &host::process_alive,
        shell_writes: &crate::gate::shell_writes,
    };
    let outcome = record::record_with_decision(&mut store, &host_ctx, event, Some(&record))
        .map_err(|e| {
            GateFailure::new(
                format!("cannot record the decision: {e}"),
                Some(
                    "check `rein doctor`; rein denies tool calls while it cannot record them"
                        .to_owned(),
                ),
            )
        })?;
    if let Some(w) = outcome.capture_warning {
        let _ = store.log_hook_failure(claude_code::AGENT, "PreToolUse", &w);
    }
    if !enforced {
        return Ok(claude_code::gate_answer(GateAnswer::Defer, ""));
    }
    let answer = match decision.answer {
        Answer::Allow => GateAnswer::Defer,
        Answer::Ask => GateAnswer::Ask,
        Answer::Deny => GateAnswer::Deny,
    };
    Ok(claude_code::gate_answer(
        answer,
        &format!("rein: {}", decision.reason),
    ))
}

/// Answers deny (or ask) for a call the gate could not decide, logs the failure for
/// `rein doctor` and spools the payload.
fn fail_closed(payload: &[u8], choice: OnError, message: &str) -> ExitCode {
    let line = single_line(message);
    let (answer, verb) = match choice {
        OnError::Deny => (GateAnswer::Deny, "denied"),
        OnError::Ask => (GateAnswer::Ask, "needs approval"),
    };
    let reason = format!("rein could not decide this call, so it is {verb}: {line}");
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(claude_code::gate_answer(answer, &reason).as_bytes());
    let _ = out.flush();
    drop(out);
    fail(payload, "PreToolUse", message);
    ExitCode::SUCCESS
}

/// Logs a failure where `rein doctor` finds it and spools the (redacted) payload for recovery.
fn fail(payload: &[u8], event: &str, message: &str) {
    // Best effort: a closed stderr must not turn the gate's deny into a crash (which Claude
    // Code would treat as a reason to run the call).
    crate::render::write_stderr(&format!(
        "rein: {} (the event was kept; run `rein doctor`)\n",
        single_line(message)
    ));
    let Ok(home) = host::rein_home() else { return };
    let spool = rein_core::store::Layout::new(&home).spool_dir();
    if !payload.is_empty() && rein_core::store::create_private_dir(&spool).is_ok() {
        let text = String::from_utf8_lossy(payload);
        let redacted = rein_core::redact::redact_str(&text);
        let name = format!(
            "{}-{}.json",
            rein_core::time::now_micros(),
            std::process::id()
        );
        let _ = rein_core::store::write_atomic(&spool.join(name), redacted.as_bytes(), 0o600);
    }
    // The store itself may be what failed: a short timeout, and never block on it.
    if let Ok(store) = rein_core::Store::open_with_timeout(&home, Duration::from_millis(500)) {
        let _ = store.log_hook_failure(claude_code::AGENT, event, message);
    }
}

/// Collapses a message onto one line, secrets redacted: the hook prints one line per problem on stderr (TOML and
/// other errors span several), while `rein doctor` keeps the full text.
fn single_line(message: &str) -> String {
    let message = rein_core::redact::redact_str(message);
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}
