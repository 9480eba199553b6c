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

use rein_agents::claude_code::{self, GateAnswer};
use rein_core::config::OnError;
use rein_core::event::EventKind;
use rein_engine::{Engine, GateVerdict, Tell};

use crate::host;

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

pub fn run(args: Args) -> ExitCode {
    let Agent::ClaudeCode = args.agent;
    // Panics are caught by the engine and reported as one line; the default hook would print
    // several.
    std::panic::set_hook(Box::new(|_| {}));
    let mut payload = Vec::new();
    let limit = claude_code::MAX_PAYLOAD_BYTES as u64 + 1;
    let read = std::io::stdin()
        .lock()
        .take(limit)
        .read_to_end(&mut payload);
    let engine = match engine() {
        Ok(engine) => engine,
        Err(message) => {
            // Without a store there is nothing to record into; a call still gets its deny.
            note(&message);
            if claude_code::may_be_pre_tool_use(&payload) {
                answer(&rein_engine::undecided(OnError::Deny, &message));
            }
            return ExitCode::SUCCESS;
        }
    };
    let parsed = match read {
        Ok(_) => claude_code::parse(&payload).map_err(|e| format!("malformed hook payload: {e}")),
        Err(e) => Err(format!("cannot read the hook payload: {e}")),
    };
    let event = match parsed {
        Ok(event) => event,
        Err(message) => {
            let pre = claude_code::may_be_pre_tool_use(&payload);
            let name = if pre { "PreToolUse" } else { "unknown" };
            engine.log_failure(claude_code::AGENT, name, &payload, &message);
            note(&message);
            if pre {
                answer(&rein_engine::undecided(OnError::Deny, &message));
            }
            return ExitCode::SUCCESS;
        }
    };
    if matches!(event.kind, EventKind::ToolPre(_)) {
        let verdict = engine.gate(event);
        answer(&verdict);
        if let Some(failure) = &verdict.failure {
            note(failure);
        }
        return ExitCode::SUCCESS;
    }
    let recorded = engine.record(event);
    for w in &recorded.warnings {
        crate::render::write_stderr(&format!("rein: {}\n", rein_engine::single_line(w)));
    }
    if let Some(failure) = &recorded.failure {
        note(failure);
    }
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(claude_code::recorder_answer().as_bytes());
    let _ = out.flush();
    ExitCode::SUCCESS
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

/// Prints the gate's verdict as Claude Code's PreToolUse answer.
fn answer(verdict: &GateVerdict) {
    let text = match &verdict.tell {
        Tell::Nothing => claude_code::gate_answer(GateAnswer::Defer, ""),
        Tell::Ask(reason) => claude_code::gate_answer(GateAnswer::Ask, reason),
        Tell::Deny(reason) => claude_code::gate_answer(GateAnswer::Deny, reason),
    };
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// One line on stderr about a failure (best effort: a closed stderr must not turn the gate's
/// deny into a crash, which Claude Code would take as a reason to run the call).
fn note(message: &str) {
    crate::render::write_stderr(&format!(
        "rein: {} (the event was kept; run `rein doctor`)\n",
        rein_engine::single_line(message)
    ));
}
