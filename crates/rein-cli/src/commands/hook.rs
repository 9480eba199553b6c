//! `rein hook <agent>`: the entry point agents call on every hook event.
//!
//! This file only reads the payload, hands it to the agent's dialect and the engine, and prints
//! the answer: deciding and recording are the engine's (`rein-engine`). For a PreToolUse the
//! engine is the gate and fails closed: the agent runs a tool when a hook crashes, times out or
//! exits oddly, so every failure (a malformed or oversized payload, a broken config or policy, a
//! locked store, a panic, a blown deadline) is answered with an explicit deny (or ask, if the
//! user chose that). Every other event is only recorded: it never blocks the agent.

use std::io::{Read, Write};
use std::process::ExitCode;
use std::time::Duration;

use rein_agents::{Answer, Dialect};
use rein_core::config::OnError;
use rein_core::event::EventKind;
use rein_engine::{Engine, GateVerdict, Tell};

use crate::host;

/// Reads one hook payload on stdin, records it, and answers in the agent's format.
///
/// Installed by `rein init`; you do not run this by hand. The agent runs
/// `rein hook <agent>` with the event's JSON payload on stdin. For a call about to run the
/// answer is the gate's decision; see `rein policy check` to try one by hand.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The agent whose hook payload arrives on stdin.
    #[arg(value_parser = agent_names())]
    agent: String,
    /// The event's name, for agents whose payloads do not name it.
    #[arg(long)]
    event: Option<String>,
}

fn agent_names() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(rein_agents::dialect::all().iter().map(|d| d.name()))
}

pub fn run(args: Args) -> ExitCode {
    let Some(dialect) = rein_agents::dialect::dialect(&args.agent) else {
        // clap has checked the name already.
        return ExitCode::from(2);
    };
    let event_arg = args.event.as_deref();
    // Panics are caught by the engine and reported as one line; the default hook would print
    // several.
    std::panic::set_hook(Box::new(|_| {}));
    let mut payload = Vec::new();
    let limit = dialect.max_payload_bytes() as u64 + 1;
    let read = std::io::stdin()
        .lock()
        .take(limit)
        .read_to_end(&mut payload);
    let engine = match engine() {
        Ok(engine) => engine,
        Err(message) => {
            // Without a store there is nothing to record into; a call still gets its deny.
            note(&message);
            if dialect.may_be_gate(&payload, event_arg) {
                return answer(dialect, &rein_engine::undecided(OnError::Deny, &message));
            }
            return ExitCode::SUCCESS;
        }
    };
    let parsed = match read {
        Ok(_) => dialect
            .parse(&payload, event_arg)
            .map_err(|e| format!("malformed hook payload: {e}")),
        Err(e) => Err(format!("cannot read the hook payload: {e}")),
    };
    let event = match parsed {
        Ok(event) => event,
        Err(message) => {
            let pre = dialect.may_be_gate(&payload, event_arg);
            let name = if pre { "PreToolUse" } else { "unknown" };
            engine.log_failure(dialect.name(), name, &payload, &message);
            note(&message);
            if pre {
                return answer(dialect, &rein_engine::undecided(OnError::Deny, &message));
            }
            return ExitCode::SUCCESS;
        }
    };
    // A payload another agent sent through this agent's hook (Cursor runs Claude Code's hooks)
    // is answered in that agent's format; when rein's own hooks for that agent are installed
    // too, they record the event, and this hook only answers.
    let dialect = rein_agents::dialect::dialect(&event.agent).unwrap_or(dialect);
    if dialect.name() != args.agent && own_hooks_installed(&event) {
        if matches!(event.kind, EventKind::ToolPre(_)) {
            return answer(dialect, &engine.gate_unrecorded(&event));
        }
        return print(&dialect.render_recorded());
    }
    if matches!(event.kind, EventKind::ToolPre(_)) {
        let verdict = engine.gate(event);
        if let Some(failure) = &verdict.failure {
            note(failure);
        }
        return answer(dialect, &verdict);
    }
    let recorded = engine.record(event);
    for w in &recorded.warnings {
        crate::render::write_stderr(&format!("rein: {}\n", rein_engine::single_line(w)));
    }
    if let Some(failure) = &recorded.failure {
        note(failure);
    }
    print(&dialect.render_recorded())
}

/// Whether rein's hooks for the event's own agent are installed where that agent reads them
/// (for Cursor: `~/.cursor/hooks.json`, or `.cursor/hooks.json` in a workspace root).
fn own_hooks_installed(event: &rein_core::event::Event) -> bool {
    if event.agent != rein_agents::cursor::AGENT {
        return false;
    }
    let mut files = Vec::new();
    if let Ok(path) = super::init::cursor_hooks_path(super::init::Scope::User, None) {
        files.push(path);
    }
    let roots = event.raw.get("workspace_roots").and_then(|r| r.as_array());
    for root in roots
        .into_iter()
        .flatten()
        .take(16)
        .filter_map(|r| r.as_str())
    {
        files.push(
            std::path::Path::new(root)
                .join(".cursor")
                .join("hooks.json"),
        );
    }
    files.iter().any(|f| {
        std::fs::read_to_string(f)
            .is_ok_and(|t| rein_agents::cursor::find_rein_hooks(&t).is_ok_and(|h| !h.is_empty()))
    })
}

/// The engine for a hook: this host's setup, the agent process that ran the hook, and (debug
/// builds) a shorter gate deadline for tests.
fn engine() -> Result<Engine, String> {
    let mut setup = host::engine_setup().map_err(|e| e.message)?;
    setup.agent_process = host::agent_process();
    if cfg!(debug_assertions)
        && let Some(ms) = host::non_empty("REIN_TEST_GATE_DEADLINE_MS").and_then(|v| v.parse().ok())
    {
        setup.gate_deadline = Duration::from_millis(ms);
    }
    Ok(Engine::new(setup, host::HostProbe))
}

/// Prints the gate's verdict in the agent's format, and exits as it expects.
fn answer(dialect: &dyn Dialect, verdict: &GateVerdict) -> ExitCode {
    let answer = match &verdict.tell {
        Tell::Nothing => Answer::Nothing,
        Tell::Ask(reason) => Answer::Ask(reason.clone()),
        Tell::Deny(reason) => Answer::Deny(reason.clone()),
    };
    print(&dialect.render_gate(&answer))
}

fn print(rendered: &rein_agents::Rendered) -> ExitCode {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(rendered.stdout.as_bytes());
    let _ = out.flush();
    ExitCode::from(rendered.exit_code)
}

/// One line on stderr about a failure (best effort: a closed stderr must not turn the gate's
/// deny into a crash, which Claude Code would take as a reason to run the call).
fn note(message: &str) {
    crate::render::write_stderr(&format!(
        "rein: {} (the event was kept; run `rein doctor`)\n",
        rein_engine::single_line(message)
    ));
}
