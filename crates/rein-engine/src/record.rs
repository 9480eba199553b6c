//! Recording every event but a PreToolUse. It never blocks the agent: a failure is logged for
//! `rein doctor`, the event spooled, and the agent goes on.

use std::path::Path;

use rein_core::config::Config;
use rein_core::event::Event;
use rein_core::record::{self, Host};

use crate::{Engine, Recorded, bounded};

pub(crate) fn record(engine: &Engine, event: Event) -> Recorded {
    let payload = serde_json::to_vec(&event.raw).unwrap_or_default();
    let (agent, name) = (event.agent.clone(), event.name.clone());
    let worker = {
        let engine = engine.clone();
        move || record_event(&engine, event)
    };
    // A recording that finishes late is still true: nothing was answered from it.
    let message = match bounded(engine.setup.record_deadline, "recording", worker, || false) {
        Ok(Ok(warnings)) => {
            return Recorded {
                warnings,
                failure: None,
            };
        }
        Ok(Err(message)) | Err(message) => message,
    };
    crate::spool_failure(&engine.setup.rein_home, &agent, &name, &payload, &message);
    Recorded {
        warnings: Vec::new(),
        failure: Some(message),
    }
}

fn record_event(engine: &Engine, event: Event) -> Result<Vec<String>, String> {
    let setup = &engine.setup;
    let (agent, name) = (event.agent.clone(), event.name.clone());
    let root = rein_core::worktree::find_root(Path::new(&event.cwd));
    // A config that does not load must not lose the event: record it with the defaults, and say so.
    let (config, config_problem) = match Config::load(&setup.config_files(root.as_deref())) {
        Ok(c) => (c, None),
        Err(e) => (Config::default(), Some(e.to_string())),
    };
    let mut store = rein_core::Store::open(&setup.rein_home).map_err(|e| e.to_string())?;
    let probe = engine.probe.clone();
    let configured = config.human.clone();
    let resolve = move |dir: &Path| probe.human(configured.as_deref(), dir);
    let home = setup.home.clone();
    let shell_writes = move |c: &rein_core::event::ToolCall, cwd: &Path| {
        crate::gate::shell_writes(c, cwd, home.as_deref())
    };
    let probe = engine.probe.clone();
    let alive = move |p| probe.process_alive(p);
    let host = Host {
        environment: &setup.environment,
        config: &config.capture,
        resolve_human: &resolve,
        agent: setup.agent_process,
        process_alive: &alive,
        shell_writes: &shell_writes,
        commit: None,
    };
    let outcome = record::record(&mut store, &host, event).map_err(|e| e.to_string())?;
    let warnings: Vec<String> = config_problem
        .into_iter()
        .chain(outcome.capture_warning)
        .collect();
    for problem in &warnings {
        let _ = store.log_hook_failure(&agent, &name, problem);
    }
    Ok(warnings)
}

pub(crate) fn close_abandoned(
    engine: &Engine,
    root: &Path,
) -> Result<Vec<(i64, bool)>, crate::EngineError> {
    let setup = &engine.setup;
    let config = Config::load(&setup.config_files(Some(root))).unwrap_or_default();
    let mut store = rein_core::Store::open(&setup.rein_home)
        .map_err(|e| crate::EngineError::new(e.to_string(), None))?;
    // No session starts here: no human to resolve.
    let no_human = |_: &Path| None;
    let home = setup.home.clone();
    let shell_writes = move |c: &rein_core::event::ToolCall, cwd: &Path| {
        crate::gate::shell_writes(c, cwd, home.as_deref())
    };
    let probe = engine.probe.clone();
    let alive = move |p| probe.process_alive(p);
    let host = Host {
        environment: &setup.environment,
        config: &config.capture,
        resolve_human: &no_human,
        agent: None,
        process_alive: &alive,
        shell_writes: &shell_writes,
        commit: None,
    };
    record::close_abandoned_steps(&mut store, &host, root)
        .map_err(|e| crate::EngineError::new(e.to_string(), None))
}
