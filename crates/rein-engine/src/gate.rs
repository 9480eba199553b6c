//! The gate: decide, record, verdict. Every failure is a deny (or an ask, if the user chose
//! that), never an allow.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rein_core::config::{Config, GateMode, OnError};
use rein_core::event::{Event, EventKind};
use rein_core::record::{self, DecisionRecord, Host};
use rein_policy::{Answer, Call, Principal, Task};
use serde_json::json;

use crate::{Check, Decided, Engine, EngineError, Fault, GateVerdict, Tell, bounded, policy};

/// Where a decision is, between its worker and the caller waiting for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Working,
    /// Recorded: its verdict is the true one, even if it arrives past the deadline.
    Committed,
    /// The caller answered without it (the deadline passed): it must not be recorded.
    Abandoned,
}

/// The gate: runs the decision on a worker with a deadline; a panic, an error or a blown
/// deadline becomes a deny (or an ask). A decision is recorded only if it is the one the agent is
/// told: once the deadline has answered, a late worker cannot commit.
pub(crate) fn gate(engine: &Engine, event: Event) -> GateVerdict {
    // Set as soon as the config says `on_error = "ask"`; until then a failure denies.
    let ask_on_error = Arc::new(AtomicBool::new(false));
    let phase = Arc::new(Mutex::new(Phase::Working));
    let payload = serde_json::to_vec(&event.raw).unwrap_or_default();
    let agent = event.agent.clone();
    let worker = {
        let engine = engine.clone();
        let ask_on_error = ask_on_error.clone();
        let phase = phase.clone();
        move || decide_and_record(&engine, event, &ask_on_error, &phase)
    };
    let late = || {
        let mut p = phase.lock().unwrap_or_else(PoisonError::into_inner);
        if *p == Phase::Committed {
            true
        } else {
            *p = Phase::Abandoned;
            false
        }
    };
    let outcome = bounded(engine.setup.gate_deadline, "gate", worker, late);
    let on_error = if ask_on_error.load(Ordering::SeqCst) {
        OnError::Ask
    } else {
        OnError::Deny
    };
    let message = match outcome {
        Ok(Ok(verdict)) => return verdict,
        Ok(Err(e)) => e.to_string(),
        Err(message) => message,
    };
    crate::spool_failure(
        &engine.setup.rein_home,
        &agent,
        "PreToolUse",
        &payload,
        &message,
    );
    undecided(on_error, &message)
}

/// The verdict for a call rein could not decide.
pub(crate) fn undecided(on_error: OnError, message: &str) -> GateVerdict {
    let line = crate::single_line(message);
    let tell = match on_error {
        OnError::Deny => Tell::Deny(format!(
            "rein could not decide this call, so it is denied: {line}"
        )),
        OnError::Ask => Tell::Ask(format!(
            "rein could not decide this call, so it needs approval: {line}"
        )),
    };
    GateVerdict {
        tell,
        answer: None,
        failure: Some(message.to_owned()),
    }
}

/// The test faults: a panic, or a hang the deadline must answer.
fn injected(engine: &Engine) {
    match engine.probe.fault() {
        Some(Fault::Panic) => panic!("injected fault"),
        Some(Fault::Hang) => std::thread::sleep(Duration::from_secs(3600)),
        None => {}
    }
}

/// Everything a decision needs about where it happens.
struct Context {
    config: Config,
    policies: rein_policy::Policies,
    place: rein_policy::Place,
}

fn context(engine: &Engine, cwd: &Path, ask_on_error: &AtomicBool) -> Result<Context, EngineError> {
    if !cwd.is_absolute() {
        return Err(EngineError::new(
            format!("the call's cwd {:?} is not an absolute path", cwd.display()),
            None,
        ));
    }
    let setup = &engine.setup;
    let root = rein_core::worktree::find_root(cwd);
    let config = Config::load(&setup.config_files(root.as_deref())).map_err(|e| {
        EngineError::new(
            e.to_string(),
            Some("fix the config file; rein denies tool calls until it loads".to_owned()),
        )
    })?;
    if config.gate.on_error == OnError::Ask {
        ask_on_error.store(true, Ordering::SeqCst);
    }
    let policies = policy::load_for_gate(setup, root.as_deref(), &config.gate.disable_rules)
        .map_err(|e| EngineError::new(e.to_string(), e.hint()))?;
    let place = policy::place(setup, cwd, root.as_deref())?;
    Ok(Context {
        config,
        policies,
        place,
    })
}

fn decide_and_record(
    engine: &Engine,
    event: Event,
    ask_on_error: &AtomicBool,
    phase: &Mutex<Phase>,
) -> Result<GateVerdict, EngineError> {
    injected(engine);
    let EventKind::ToolPre(call) = &event.kind else {
        return Err(EngineError::new("not a PreToolUse event", None));
    };
    let setup = &engine.setup;
    let cwd = Path::new(&event.cwd);
    let Context {
        config,
        policies,
        place,
        ..
    } = context(engine, cwd, ask_on_error)?;
    let store_hint = || {
        Some("check `rein doctor`; rein denies tool calls while it cannot record them".to_owned())
    };
    let mut store = rein_core::Store::open(&setup.rein_home)
        .map_err(|e| EngineError::new(format!("cannot open rein's store: {e}"), store_hint()))?;
    let worktree_key = place.worktree.display().to_string();
    let task = rein_core::task::active(&store, &worktree_key)
        .map_err(|e| EngineError::new(format!("cannot read the active task: {e}"), None))?
        .map(|t| Task {
            title: t.title,
            scope: t.scope,
        });
    // The session's human was resolved when it started; resolving again may spawn git.
    let human = rein_core::query::session_human(store.conn(), &event.agent, &event.session_id)
        .ok()
        .flatten()
        .or_else(|| engine.probe.human(config.human.as_deref(), &place.worktree));
    let principal = Principal {
        human: human.clone().unwrap_or_else(|| "unknown".to_owned()),
        agent: event.agent.clone(),
        session: event.session_id.clone(),
    };
    let permission_mode = event.permission_mode.clone().unwrap_or_default();
    let gate_call = Call {
        tool: &call.tool,
        input: &call.input,
        action: &call.action,
        place: &place,
        principal: &principal,
        environment: &setup.environment,
        permission_mode: &permission_mode,
        task: task.as_ref(),
    };
    let decision = rein_policy::decide(&policies, &gate_call, &rein_policy::Limits::default())
        .map_err(|e| EngineError::new(e.to_string(), e.hint()))?;

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
            "action": call.action.kind(),
            // The full input is in the event's own record; the decision keeps what identifies it.
            "input": record::truncate_strings(call.input.clone(), 2048),
            "context": {
                "environment": setup.environment,
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
    let home = setup.home.clone();
    let shell_writes =
        move |c: &rein_core::event::ToolCall, cwd: &Path| shell_writes(c, cwd, home.as_deref());
    let probe = engine.probe.clone();
    let alive = move |p| probe.process_alive(p);
    // Commit only while the caller still waits for this decision.
    let guard = |commit: &mut dyn FnMut() -> rein_core::Result<()>| -> rein_core::Result<()> {
        let mut p = phase.lock().unwrap_or_else(PoisonError::into_inner);
        if *p == Phase::Abandoned {
            return Err(rein_core::Error::Invalid(
                "the gate had answered before this decision could be recorded".into(),
            ));
        }
        commit()?;
        *p = Phase::Committed;
        Ok(())
    };
    let host = Host {
        environment: &setup.environment,
        config: &config.capture,
        resolve_human: &resolve,
        agent: setup.agent_process,
        process_alive: &alive,
        shell_writes: &shell_writes,
        commit: Some(&guard),
    };
    let agent = event.agent.clone();
    let outcome = record::record_with_decision(&mut store, &host, event, Some(&record))
        .map_err(|e| EngineError::new(format!("cannot record the decision: {e}"), store_hint()))?;
    if let Some(w) = outcome.capture_warning {
        let _ = store.log_hook_failure(&agent, "PreToolUse", &w);
    }
    let tell = match (enforced, decision.answer) {
        (false, _) | (true, Answer::Allow) => Tell::Nothing,
        (true, Answer::Ask) => Tell::Ask(format!("rein: {}", decision.reason)),
        (true, Answer::Deny) => Tell::Deny(format!("rein: {}", decision.reason)),
    };
    Ok(GateVerdict {
        tell,
        answer: Some(decision.answer),
        failure: None,
    })
}

/// What a shell command may write (for the recorder, when a step's PreToolUse was missed):
/// absolute paths, or `None` for anything.
pub(crate) fn shell_writes(
    call: &rein_core::event::ToolCall,
    cwd: &Path,
    home: Option<&Path>,
) -> Option<Vec<String>> {
    let rein_call::Action::Shell { command, .. } = &call.action else {
        return None;
    };
    match rein_policy::shell_writes(command, cwd, home?) {
        rein_policy::WriteScope::Paths(paths) => Some(
            paths
                .iter()
                .map(|p| p.to_string_lossy().into_owned())
                .collect(),
        ),
        rein_policy::WriteScope::Anything => None,
    }
}

/// Decides a call without recording it (`rein policy check`): same config, policy and place as
/// the gate.
pub(crate) fn check(engine: &Engine, check: &Check<'_>) -> Result<Decided, EngineError> {
    let unused = AtomicBool::new(false);
    let Context {
        config,
        policies,
        place,
        ..
    } = context(engine, check.cwd, &unused)?;
    let task = rein_core::Store::open_existing(&engine.setup.rein_home)
        .ok()
        .and_then(|store| {
            rein_core::task::active(&store, &place.worktree.display().to_string())
                .ok()
                .flatten()
        })
        .map(|t| Task {
            title: t.title,
            scope: t.scope,
        });
    let human = engine
        .probe
        .human(config.human.as_deref(), &place.worktree)
        .unwrap_or_else(|| "unknown".into());
    let principal = Principal {
        human,
        agent: check.agent.to_owned(),
        session: check.session.to_owned(),
    };
    let call = Call {
        tool: &check.call.tool,
        input: &check.call.input,
        action: &check.call.action,
        place: &place,
        principal: &principal,
        environment: &engine.setup.environment,
        permission_mode: check.permission_mode,
        task: task.as_ref(),
    };
    let decision = rein_policy::decide(&policies, &call, &rein_policy::Limits::default())
        .map_err(|e| EngineError::new(e.to_string(), e.hint()))?;
    Ok(Decided {
        decision,
        mode: config.gate.mode,
    })
}
