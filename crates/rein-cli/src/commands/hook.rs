//! `rein hook <agent>`: the entry point agents call on every hook event.
//!
//! The recorder never breaks the agent: it answers quickly, never hangs (a watchdog bounds it),
//! catches panics, and on any failure logs it for `rein doctor`, spools the event so nothing is
//! lost, prints one line on stderr and exits 0.

use std::io::Read;
use std::process::ExitCode;
use std::time::Duration;

use rein_agents::claude_code;
use rein_core::record::{self, Host};

use crate::host;

/// Reads one hook payload on stdin, records it, and answers in the agent's format.
///
/// Installed by `rein init`; you do not run this by hand. Claude Code runs
/// `rein hook claude-code` with the event's JSON payload on stdin.
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

/// The hook gives up well inside Claude Code's hook timeout (rein installs 60 s).
const DEADLINE: Duration = Duration::from_secs(20);

pub fn run(args: Args) -> ExitCode {
    let Agent::ClaudeCode = args.agent;
    let mut payload = Vec::new();
    let limit = claude_code::MAX_PAYLOAD_BYTES as u64 + 1;
    let read = std::io::stdin()
        .lock()
        .take(limit)
        .read_to_end(&mut payload);
    let payload = std::sync::Arc::new(payload);

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

    if let Err(e) = read {
        fail(
            &payload,
            "unknown",
            &format!("cannot read the hook payload: {e}"),
        );
        return ExitCode::SUCCESS;
    }
    let outcome = std::panic::catch_unwind(|| handle(&payload));
    match outcome {
        Ok(Ok(())) => {}
        Ok(Err((event, message))) => fail(&payload, &event, &message),
        Err(panic) => {
            let msg = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "panic".into());
            fail(&payload, "unknown", &format!("internal error: {msg}"));
        }
    }
    print!("{}", claude_code::recorder_answer());
    ExitCode::SUCCESS
}

fn handle(payload: &[u8]) -> Result<(), (String, String)> {
    let event = claude_code::parse(payload).map_err(|e| ("unknown".to_owned(), e.to_string()))?;
    let name = event.name.clone();
    let err = |m: String| (name.clone(), m);
    let home = host::rein_home().map_err(|e| err(e.message))?;
    let root = rein_core::worktree::find_root(std::path::Path::new(&event.cwd));
    let (config, config_problem) =
        match rein_core::config::Config::load(&host::config_files(root.as_deref())) {
            Ok(c) => (c, None),
            Err(e) => (rein_core::config::Config::default(), Some(e.to_string())),
        };
    let mut store = rein_core::Store::open(&home).map_err(|e| err(e.to_string()))?;
    let human_cfg = config.human.clone();
    let resolve = move |dir: &std::path::Path| host::resolve_human(human_cfg.as_deref(), dir);
    let host_ctx = Host {
        environment: host::environment(),
        config: &config.capture,
        resolve_human: &resolve,
    };
    let outcome = record::record(&mut store, &host_ctx, event).map_err(|e| err(e.to_string()))?;
    for problem in config_problem.into_iter().chain(outcome.capture_warning) {
        let _ = store.log_hook_failure(claude_code::AGENT, &name, &problem);
        eprintln!("rein: {}", single_line(&problem));
    }
    Ok(())
}

/// Logs a failure where `rein doctor` finds it and spools the (redacted) payload for recovery.
fn fail(payload: &[u8], event: &str, message: &str) {
    eprintln!(
        "rein: {} (the event was kept; run `rein doctor`)",
        single_line(message)
    );
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
