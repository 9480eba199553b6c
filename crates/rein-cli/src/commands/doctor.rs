//! `rein doctor`: is rein installed, firing, and healthy? Says exactly what to fix.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use rein_agents::claude_code::settings;

use super::init::{Scope, settings_path};
use crate::json::{self, CheckStatus, Schema};
use crate::{host, render};

/// Check that rein is installed, firing and healthy, and say what to fix.
///
/// Checks that rein's hooks are installed, valid and actually firing, and that the store is
/// healthy. Every problem comes with the command that fixes it.
///
/// Exit status: 0 when nothing failed (warnings allowed), 1 otherwise.
///
/// Examples:
///   rein doctor                    # every check, with the command that fixes each problem
///   rein doctor --failures         # the hook failures it warns about, and the spooled payloads
///   rein doctor --clear-failures   # once fixed: stop warning about them (they stay recorded)
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Print JSON (schema 1).
    #[arg(long)]
    json: bool,
    /// List the recent hook failures (not cleared yet) and the spooled payloads, then exit.
    #[arg(long, conflicts_with = "clear_failures")]
    failures: bool,
    /// Mark every hook failure so far as seen and move spooled payloads to spool/cleared.
    #[arg(long)]
    clear_failures: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Status {
    Ok,
    Warn,
    Fail,
}

struct Check {
    name: &'static str,
    status: Status,
    detail: String,
    fix: Option<String>,
}

fn check(
    name: &'static str,
    status: Status,
    detail: impl Into<String>,
    fix: Option<String>,
) -> Check {
    // Details quote config and policy errors, which may quote a secret.
    let detail: String = detail.into();
    Check {
        name,
        status,
        detail: rein_core::redact::redact_str(&detail).into_owned(),
        fix,
    }
}

pub fn run(args: Args) -> crate::Result<ExitCode> {
    if args.failures {
        return list_failures(args.json);
    }
    if args.clear_failures {
        return clear_failures(args.json);
    }
    let mut checks = Vec::new();
    let cwd = host::current_dir()?;
    let root = rein_core::worktree::find_root(&cwd);
    let home = host::rein_home()?;
    // `rein init` works only inside a work tree; elsewhere the user scope is what applies.
    let init_fix = if root.is_some() {
        "rein init".to_owned()
    } else {
        "rein init --scope user (every repository), or cd into a repository and run `rein init`"
            .to_owned()
    };

    // Hooks, in every scope that applies here.
    let mut installed_anywhere = false;
    for scope in [Scope::Local, Scope::Project, Scope::User] {
        let Ok(path) = settings_path(scope, root.as_deref()) else {
            continue;
        };
        hooks_check(scope, &path, &mut checks, &mut installed_anywhere);
    }
    // Codex: rein's hooks in its hooks.json, and their trust (without which Codex skips them).
    for scope in [Scope::User, Scope::Project] {
        if let Ok(path) = super::init::codex_hooks_path(scope, root.as_deref()) {
            codex_check(scope, &path, &mut checks, &mut installed_anywhere);
        }
    }
    // Gemini CLI: rein's hooks in its settings.json, and a command that still exists (a hook
    // left behind after rein is gone blocks every tool call there).
    for scope in [Scope::User, Scope::Project] {
        if let Ok(path) = super::init::gemini_settings_path(scope, root.as_deref()) {
            gemini_check(scope, &path, &mut checks, &mut installed_anywhere);
        }
    }
    // Copilot CLI: rein's hooks file, and any rein hook left in its other hook files.
    for scope in [Scope::User, Scope::Project] {
        if let Ok((_, places)) = super::init::copilot_places(scope, root.as_deref()) {
            copilot_check(scope, &places, &mut checks, &mut installed_anywhere);
        }
    }
    // Cursor: rein's hooks in its hooks.json, and a command that still exists.
    for scope in [Scope::User, Scope::Project] {
        if let Ok(path) = super::init::cursor_hooks_path(scope, root.as_deref()) {
            cursor_check(scope, &path, &mut checks, &mut installed_anywhere);
        }
    }
    // opencode: rein's plugin, current, and running a rein that exists.
    for scope in [Scope::User, Scope::Project] {
        if let Ok(dirs) = super::init::opencode_plugin_dirs(scope, root.as_deref()) {
            opencode_check(scope, &dirs, &mut checks, &mut installed_anywhere);
        }
    }
    if !installed_anywhere {
        checks.push(check(
            "hooks",
            Status::Fail,
            "rein's hooks are not installed for this directory",
            Some(init_fix.clone()),
        ));
    }

    // Store.
    let layout = rein_core::store::Layout::new(&home);
    if !layout.db().exists() {
        checks.push(check(
            "store",
            Status::Warn,
            format!("no store yet at {}", home.display()),
            Some(format!("{init_fix}; then start an agent session")),
        ));
    } else {
        match rein_core::Store::open(&home) {
            Err(e) => checks.push(check(
                "store",
                Status::Fail,
                format!("cannot open {}: {e}", layout.db().display()),
                Some(format!(
                    "`ls -la {home}` shows who owns it; if it is yours, `chmod -R u+rwX {home}`",
                    home = crate::here::shell_quote(&home.display().to_string())
                )),
            )),
            Ok(store) => store_checks(
                &store,
                root.as_deref(),
                installed_anywhere,
                &init_fix,
                &mut checks,
            )?,
        }
    }

    // Steps in flight: those whose agent process is gone are closed now, with what they
    // changed; the others are listed if they have been running for long.
    if layout.db().exists()
        && let Ok(store) = rein_core::Store::open(&home)
        && let Err(e) = in_flight_checks(&store, &mut checks)
    {
        checks.push(check(
            "in flight",
            Status::Warn,
            format!("could not check the steps in flight: {}", e.message),
            Some("`rein doctor` again; if it persists, check the store's permissions".into()),
        ));
    }

    // The gate: a policy or config that does not load denies every tool call.
    let config = rein_core::config::Config::load(&host::config_files(root.as_deref()));
    match config {
        Err(e) => checks.push(check(
            "gate",
            Status::Fail,
            format!("{e}; every tool call is denied until it loads"),
            Some("fix the file it names, then `rein doctor` again".into()),
        )),
        Ok(config) => match crate::gate::load(root.as_deref(), &config.gate.disable_rules) {
            Ok(policies) => checks.push(check(
                "gate",
                if config.gate.mode == rein_core::config::GateMode::Monitor {
                    Status::Warn
                } else {
                    Status::Ok
                },
                format!(
                    "{} mode, {} rules, on error: {}",
                    config.gate.mode.as_str(),
                    policies.rules().len(),
                    match config.gate.on_error {
                        rein_core::config::OnError::Deny => "deny",
                        rein_core::config::OnError::Ask => "ask",
                    }
                ),
                (config.gate.mode == rein_core::config::GateMode::Monitor).then(|| {
                    "monitor mode records decisions but never blocks; set [gate] mode = \"enforce\" in .rein/config.toml to enforce".to_owned()
                }),
            )),
            Err(e) => checks.push(check(
                "gate",
                Status::Fail,
                format!("{e}; every tool call is denied until it loads"),
                Some("rein policy lint".into()),
            )),
        },
    }

    // Spooled events: recorded to disk when the store could not take them.
    let spooled = spooled_files(&layout).len();
    if spooled > 0 {
        checks.push(check(
            "spool",
            Status::Warn,
            format!(
                "{spooled} event(s) were spooled to {} after hook failures",
                layout.spool_dir().display()
            ),
            Some(
                "`rein doctor --failures` lists them; once the cause is fixed, `rein doctor --clear-failures`".into(),
            ),
        ));
    }

    let worst = checks.iter().map(|c| c.status).max().unwrap_or(Status::Ok);
    if args.json {
        let items: Vec<json::DoctorCheck> = checks
            .iter()
            .map(|c| json::DoctorCheck {
                check: c.name,
                status: match c.status {
                    Status::Ok => CheckStatus::Ok,
                    Status::Warn => CheckStatus::Warn,
                    Status::Fail => CheckStatus::Fail,
                },
                detail: c.detail.clone(),
                fix: c.fix.clone(),
            })
            .collect();
        // The exit status is the verdict: a reader that stops early does not turn it into 0.
        render::unless_closed(render::print_json(&json::Doctor {
            schema: Schema,
            ok: worst != Status::Fail,
            store: home.display().to_string(),
            checks: items,
        }))?;
    } else {
        let mut out = String::new();
        for c in &checks {
            let tag = match c.status {
                Status::Ok => "ok  ",
                Status::Warn => "warn",
                Status::Fail => "FAIL",
            };
            out.push_str(&format!("[{tag}] {}: {}\n", c.name, c.detail));
            if let Some(fix) = &c.fix {
                out.push_str(&format!("       fix: {fix}\n"));
            }
        }
        out.push_str(match worst {
            Status::Ok => "\nAll good.\n",
            Status::Warn => "\nWorking, with warnings.\n",
            Status::Fail => "\nSomething needs fixing (see FAIL above).\n",
        });
        render::unless_closed(render::write_stdout(&out))?;
    }
    Ok(if worst == Status::Fail {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn hooks_check(scope: Scope, path: &Path, checks: &mut Vec<Check>, installed: &mut bool) {
    let scope_flag = match scope {
        Scope::Local => "",
        Scope::Project => " --scope project",
        Scope::User => " --scope user",
    };
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return,
        Err(e) => {
            checks.push(check(
                "hooks",
                Status::Fail,
                format!("cannot read {}: {e}", path.display()),
                None,
            ));
            return;
        }
    };
    let validation = settings::validate(&text);
    if !validation.is_valid() {
        checks.push(check(
            "settings",
            Status::Fail,
            format!(
                "{} is invalid, so Claude Code ignores the whole file (no hooks fire): {}",
                path.display(),
                validation.errors.join("; ")
            ),
            Some(format!(
                "fix the file by hand, then `rein init{scope_flag}`"
            )),
        ));
        return;
    }
    let hooks = settings::find_rein_hooks(&text).unwrap_or_default();
    if hooks.is_empty() {
        return;
    }
    *installed = true;
    let missing: Vec<&str> = settings::REIN_EVENTS
        .iter()
        .map(|(e, _)| *e)
        .filter(|e| !hooks.iter().any(|h| h.event == *e))
        .collect();
    if !missing.is_empty() {
        checks.push(check(
            "hooks",
            Status::Warn,
            format!(
                "{}: no rein hook for {}",
                path.display(),
                missing.join(", ")
            ),
            Some(format!("rein init{scope_flag}")),
        ));
    }
    // The command must name a binary that exists (the personal scopes use an absolute path).
    let command = &hooks[0].command;
    let program = command
        .split(" hook ")
        .next()
        .unwrap_or("")
        .trim()
        .trim_matches('\'');
    let runnable = if program.contains('/') {
        Path::new(program).is_file()
    } else {
        host::non_empty("PATH")
            .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(program).is_file()))
    };
    if runnable {
        checks.push(check(
            "hooks",
            Status::Ok,
            format!(
                "installed in {} ({} events) → {command}",
                path.display(),
                hooks.len()
            ),
            None,
        ));
    } else {
        checks.push(check(
            "hooks",
            Status::Fail,
            format!(
                "{} runs `{command}`, but `{program}` is not found",
                path.display()
            ),
            Some(format!(
                "rein init{scope_flag} (re-points the hooks at this binary)"
            )),
        ));
    }
}

/// rein's Gemini CLI hooks in `path`: installed, and runnable.
fn gemini_check(scope: Scope, path: &Path, checks: &mut Vec<Check>, installed: &mut bool) {
    let Ok(text) = std::fs::read_to_string(path) else {
        return;
    };
    let flag = if scope == Scope::Project {
        " --scope project"
    } else {
        ""
    };
    let hooks = match rein_agents::gemini_cli::settings::find_rein_hooks(&text) {
        Ok(h) if h.is_empty() => return,
        Ok(h) => h,
        Err(e) => {
            checks.push(check(
                "gemini-cli",
                Status::Fail,
                format!("cannot read {}: {e}", path.display()),
                Some("fix the file by hand".into()),
            ));
            return;
        }
    };
    *installed = true;
    let program = hook_program(&hooks[0].command);
    if runnable(&program) {
        checks.push(check(
            "gemini-cli",
            Status::Ok,
            format!("installed in {} ({} events)", path.display(), hooks.len()),
            None,
        ));
    } else {
        checks.push(check(
            "gemini-cli",
            Status::Fail,
            format!(
                "{} runs `{}`, which is not found: Gemini CLI blocks every tool call while this hook is there",
                path.display(),
                hooks[0].command
            ),
            Some(format!("rein init --agent gemini-cli{flag} (or --uninstall)")),
        ));
    }
}

/// rein's Copilot CLI hooks in the files of a scope: installed once, and runnable.
fn copilot_check(scope: Scope, places: &[PathBuf], checks: &mut Vec<Check>, installed: &mut bool) {
    let flag = if scope == Scope::Project {
        " --scope project"
    } else {
        ""
    };
    let mut holding = Vec::new();
    for path in places {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        match rein_agents::copilot::hooks::find_rein_hooks(&text) {
            Ok(h) if h.is_empty() => {}
            Ok(h) => holding.push((path, h)),
            Err(_) if !text.contains("hook copilot") => {}
            Err(e) => checks.push(check(
                "copilot",
                Status::Warn,
                format!("cannot read {}: {e}", path.display()),
                Some("fix the file by hand".into()),
            )),
        }
    }
    if holding.is_empty() {
        return;
    }
    *installed = true;
    for (path, hooks) in &holding {
        let program = hook_program(&hooks[0].command);
        if !runnable(&program) {
            checks.push(check(
                "copilot",
                Status::Fail,
                format!(
                    "{} runs `{}`, which is not found: Copilot CLI blocks every tool call while this hook is there",
                    path.display(),
                    hooks[0].command
                ),
                Some(format!("rein init --agent copilot{flag} (or --uninstall)")),
            ));
            return;
        }
    }
    if holding.len() > 1 {
        let files: Vec<String> = holding
            .iter()
            .map(|(p, _)| p.display().to_string())
            .collect();
        checks.push(check(
            "copilot",
            Status::Warn,
            format!(
                "rein's hooks are in {} files, so rein runs more than once per event: {}",
                files.len(),
                files.join(", ")
            ),
            Some(format!(
                "rein init --agent copilot{flag} --uninstall && rein init --agent copilot{flag}"
            )),
        ));
        return;
    }
    let (path, hooks) = &holding[0];
    checks.push(check(
        "copilot",
        Status::Ok,
        format!("installed in {} ({} events)", path.display(), hooks.len()),
        None,
    ));
}

/// rein's opencode plugin in the plugin directories of a scope.
fn opencode_check(scope: Scope, dirs: &[PathBuf], checks: &mut Vec<Check>, installed: &mut bool) {
    use rein_agents::opencode::{PLUGIN_FILE, plugin_program};
    let flag = if scope == Scope::Project {
        " --scope project"
    } else {
        ""
    };
    for dir in dirs {
        let path = dir.join(PLUGIN_FILE);
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let Some(program) = plugin_program(&text) else {
            continue;
        };
        *installed = true;
        if !runnable(&program) {
            checks.push(check(
                "opencode",
                Status::Fail,
                format!(
                    "{} runs `{program}`, which is not found: opencode blocks every tool call while this plugin is there",
                    path.display()
                ),
                Some(format!("rein init --agent opencode{flag} (or --uninstall)")),
            ));
        } else if text != rein_agents::opencode::plugin_source(&program, timeout_of(&text)) {
            checks.push(check(
                "opencode",
                Status::Warn,
                format!(
                    "{} is not the plugin this rein writes (edited, or from another version)",
                    path.display()
                ),
                Some(format!("rein init --agent opencode{flag}")),
            ));
        } else {
            checks.push(check(
                "opencode",
                Status::Ok,
                format!("plugin installed: {}", path.display()),
                None,
            ));
        }
    }
}

/// The timeout, in seconds, a plugin of rein's was written with (0 if it cannot be read).
fn timeout_of(plugin: &str) -> u32 {
    plugin
        .lines()
        .find_map(|l| l.strip_prefix("const TIMEOUT_MS = "))
        .and_then(|v| v.trim_end_matches(';').parse::<u32>().ok())
        .map_or(0, |ms| ms / 1000)
}

/// rein's Cursor hooks in `path`: installed, and runnable.
fn cursor_check(scope: Scope, path: &Path, checks: &mut Vec<Check>, installed: &mut bool) {
    let Ok(text) = std::fs::read_to_string(path) else {
        return;
    };
    let flag = if scope == Scope::Project {
        " --scope project"
    } else {
        ""
    };
    let hooks = match rein_agents::cursor::find_rein_hooks(&text) {
        Ok(h) if h.is_empty() => return,
        Ok(h) => h,
        Err(e) => {
            checks.push(check(
                "cursor",
                Status::Fail,
                format!("cannot read {}: {e}", path.display()),
                Some("fix the file by hand".into()),
            ));
            return;
        }
    };
    *installed = true;
    if runnable(&hook_program(&hooks[0].command)) {
        checks.push(check(
            "cursor",
            Status::Ok,
            format!("installed in {} ({} events)", path.display(), hooks.len()),
            None,
        ));
    } else {
        checks.push(check(
            "cursor",
            Status::Fail,
            format!(
                "{} runs `{}`, which is not found: Cursor blocks every tool call while this hook is there",
                path.display(),
                hooks[0].command
            ),
            Some(format!("rein init --agent cursor{flag} (or --uninstall)")),
        ));
    }
}

/// The program of a `… hook <agent> …` command, unquoted.
fn hook_program(command: &str) -> String {
    command
        .split(" hook ")
        .next()
        .unwrap_or("")
        .trim()
        .trim_matches('\'')
        .to_owned()
}

/// Whether a hook's program can be run: an existing file, or a name found on PATH.
fn runnable(program: &str) -> bool {
    if program.contains('/') {
        Path::new(program).is_file()
    } else {
        host::non_empty("PATH")
            .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(program).is_file()))
    }
}

/// rein's Codex hooks in `path`: installed, and trusted by the hash Codex checks.
fn codex_check(scope: Scope, path: &Path, checks: &mut Vec<Check>, installed: &mut bool) {
    let Ok(hooks) = std::fs::read_to_string(path) else {
        return;
    };
    let flag = if scope == Scope::Project {
        " --scope project"
    } else {
        ""
    };
    let config_path = super::init::codex_home().map(|h| h.join("config.toml"));
    let config = config_path
        .as_ref()
        .ok()
        .and_then(|p| std::fs::read_to_string(p).ok())
        .unwrap_or_default();
    let key = path.display().to_string();
    match rein_agents::codex::settings::check(&hooks, &config, &key) {
        Ok((events, _)) if events.is_empty() => {}
        Ok((events, untrusted)) => {
            *installed = true;
            if untrusted.is_empty() {
                checks.push(check(
                    "codex",
                    Status::Ok,
                    format!(
                        "installed in {} ({} events), trusted",
                        path.display(),
                        events.len()
                    ),
                    None,
                ));
            } else {
                checks.push(check(
                    "codex",
                    Status::Fail,
                    format!(
                        "{}: Codex skips rein's {} hook(s) silently: their trust entry is missing or stale (changed since trusted)",
                        path.display(),
                        untrusted.join(", ")
                    ),
                    Some(format!("rein init --agent codex{flag}")),
                ));
            }
        }
        Err(e) => checks.push(check(
            "codex",
            Status::Fail,
            format!("cannot read Codex's hook settings {}: {e}", path.display()),
            Some("fix the file by hand".into()),
        )),
    }
}

fn store_checks(
    store: &rein_core::Store,
    root: Option<&Path>,
    installed: bool,
    init_fix: &str,
    checks: &mut Vec<Check>,
) -> crate::Result<()> {
    let problems = store.integrity_check()?;
    if problems.is_empty() {
        checks.push(check(
            "store",
            Status::Ok,
            format!(
                "{} (schema {})",
                store.layout().db().display(),
                store.schema_version()?
            ),
            None,
        ));
    } else {
        checks.push(check(
            "store",
            Status::Fail,
            format!("SQLite reports damage: {}", problems.join("; ")),
            Some({
                let db = store.layout().db().display().to_string();
                format!(
                    "keep the damaged store for evidence and start a new one: `mv {q} {q}.damaged && rein init` (or restore {q} from a backup)",
                    q = crate::here::shell_quote(&db)
                )
            }),
        ));
    }
    let stuck = super::op::doctor_lines(store)?;
    if stuck.is_empty() {
        checks.push(check(
            "operations",
            Status::Ok,
            "no interrupted rewind, revert or undo",
            None,
        ));
    } else {
        for line in stuck {
            checks.push(check(
                "operations",
                Status::Fail,
                line,
                Some("run the `rein op recover` command it names; until then rewind, revert and undo refuse to start in that work tree".into()),
            ));
        }
    }
    let report = rein_core::audit::verify_store(store.conn())?;
    if report.is_ok() {
        checks.push(check(
            "audit",
            Status::Ok,
            format!("chain intact ({} records)", report.records),
            None,
        ));
    } else {
        checks.push(check(
            "audit",
            Status::Fail,
            format!("chain broken: {}", report.problems[0].message),
            Some("rein audit verify (lists every break)".into()),
        ));
    }
    let last = match root {
        Some(r) => rein_core::query::last_event_time_for(store.conn(), r)?,
        None => rein_core::query::last_event_time(store.conn())?,
    };
    match last {
        Some(t) if installed => checks.push(check(
            "events",
            Status::Ok,
            format!("hooks are firing: last event received {}", render::time(t)),
            None,
        )),
        // Events arrived once, but the hooks are gone: nothing new will be recorded.
        Some(t) => checks.push(check(
            "events",
            Status::Warn,
            format!(
                "last event received {}, but no rein hook is installed now, so new sessions are not recorded",
                render::time(t)
            ),
            Some(init_fix.to_owned()),
        )),
        None if installed => checks.push(check(
            "events",
            Status::Warn,
            "no event received here yet",
            Some("start a Claude Code session in this repository; if `rein doctor` still shows no event, run `claude --debug` and look for hook errors".into()),
        )),
        None => {}
    }
    // The other agents: each installed one is firing when its events arrive.
    let by_agent = rein_core::query::last_event_by_agent(store.conn(), root)?;
    let installed_agents: Vec<&'static str> = checks
        .iter()
        .filter(|c| OTHER_AGENTS.contains(&c.name) && c.status != Status::Fail)
        .map(|c| c.name)
        .collect();
    for agent in OTHER_AGENTS {
        let last = by_agent.iter().find(|(a, _)| a == agent).map(|(_, t)| *t);
        match last {
            Some(t) => checks.push(check(
                agent,
                Status::Ok,
                format!("firing: last event received {}", render::time(t)),
                None,
            )),
            None if installed_agents.contains(agent) => checks.push(check(
                agent,
                Status::Warn,
                "installed, but no event received here yet",
                Some(format!("start a {agent} session here; if none arrives, check that {agent} loads rein's hooks (`rein init --agent {agent}` says where they are)")),
            )),
            None => {}
        }
    }
    let (failures, total) = rein_core::query::hook_failures(store.conn(), 1)?;
    if let Some(f) = failures.first() {
        checks.push(check(
            "failures",
            Status::Warn,
            format!(
                "{total} hook failure(s) not cleared; newest at {} on {}: {}",
                render::time(f.time),
                f.event,
                f.message
            ),
            Some(
                "`rein doctor --failures` lists them; once the cause is fixed, `rein doctor --clear-failures`".into(),
            ),
        ));
    }
    Ok(())
}

/// The agents other than Claude Code whose hooks doctor checks, by their check names.
const OTHER_AGENTS: &[&str] = &["codex", "gemini-cli", "copilot", "opencode", "cursor"];

/// A step in flight longer than this is reported (a long build is fine; a forgotten one is not).
const LONG_IN_FLIGHT: i64 = 60 * 60 * 1_000_000;

fn in_flight_checks(store: &rein_core::Store, checks: &mut Vec<Check>) -> crate::Result<()> {
    let now = rein_core::time::now_micros();
    let engine = host::engine()?;
    for (root, count, oldest) in rein_core::inflight::worktrees_in_flight(store.conn())? {
        let root_path = Path::new(&root);
        if !root_path.is_dir() {
            continue;
        }
        let closed = engine
            .close_abandoned(root_path)
            .map_err(|e| crate::error::CommandError::internal(e.to_string()))?;
        if !closed.is_empty() {
            let ids: Vec<String> = closed.iter().map(|(id, _)| id.to_string()).collect();
            checks.push(check(
                "in flight",
                Status::Ok,
                format!(
                    "closed {} step(s) in {root} whose agent process is gone ({}); each was given the changes it claimed (`rein show` them)",
                    closed.len(),
                    ids.join(", ")
                ),
                None,
            ));
        }
        let left = count.saturating_sub(closed.len());
        if left > 0 && now - oldest > LONG_IN_FLIGHT {
            checks.push(check(
                "in flight",
                Status::Warn,
                format!(
                    "{left} step(s) in {root} have had no result for over an hour (oldest started {}); until their agent reports back or ends its turn, rein leaves the files they may change to them",
                    render::time(oldest)
                ),
                Some("end or restart the agent session; `rein doctor` closes the steps of an agent that is gone".into()),
            ));
        }
    }
    Ok(())
}

/// The payloads spooled after hook failures and not cleared yet (regular files only).
fn spooled_files(layout: &rein_core::store::Layout) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(layout.spool_dir())
        .map(|d| {
            d.filter_map(Result::ok)
                .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
                .map(|e| e.path())
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// Most failures `--failures` lists.
const FAILURES_LISTED: usize = 200;

/// `rein doctor --failures`: every hook failure not cleared yet, and the spooled payloads.
fn list_failures(as_json: bool) -> crate::Result<ExitCode> {
    let home = host::rein_home()?;
    let layout = rein_core::store::Layout::new(&home);
    let (failures, total) = if layout.db().exists() {
        let store = rein_core::Store::open(&home)?;
        rein_core::query::hook_failures(store.conn(), FAILURES_LISTED)?
    } else {
        (Vec::new(), 0)
    };
    let spooled = spooled_files(&layout);
    if as_json {
        render::print_json(&json::HookFailures {
            schema: Schema,
            total,
            failures: failures
                .iter()
                .map(|f| json::HookFailure {
                    id: f.id,
                    time: rein_core::time::format_rfc3339_precise(f.time),
                    agent: f.agent.clone(),
                    event: f.event.clone(),
                    message: rein_core::redact::redact_str(&f.message).into_owned(),
                })
                .collect(),
            spooled: spooled.iter().map(|p| p.display().to_string()).collect(),
        })?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = String::new();
    if failures.is_empty() {
        out.push_str("No hook failures to report.\n");
    } else {
        out.push_str(&format!(
            "{total} hook failure(s) not cleared{}:\n",
            if total > failures.len() {
                format!(" (newest {} shown)", failures.len())
            } else {
                String::new()
            }
        ));
        for f in &failures {
            out.push_str(&format!(
                "  {}  {} {}: {}\n",
                render::time(f.time),
                f.agent,
                f.event,
                rein_core::redact::redact_str(&f.message)
            ));
        }
    }
    if !spooled.is_empty() {
        out.push_str(&format!(
            "\n{} spooled payload(s) (redacted), for inspection:\n",
            spooled.len()
        ));
        for p in &spooled {
            out.push_str(&format!("  {}\n", p.display()));
        }
    }
    if !failures.is_empty() || !spooled.is_empty() {
        out.push_str("\nOnce the cause is fixed: rein doctor --clear-failures\n");
    }
    render::write_stdout(&out)?;
    Ok(ExitCode::SUCCESS)
}

/// `rein doctor --clear-failures`: stop warning about the failures so far. They stay in the
/// store, and spooled payloads move to `spool/cleared/` rather than being deleted.
fn clear_failures(as_json: bool) -> crate::Result<ExitCode> {
    let home = host::rein_home()?;
    let layout = rein_core::store::Layout::new(&home);
    let cleared = if layout.db().exists() {
        let store = rein_core::Store::open(&home)?;
        rein_core::query::clear_hook_failures(store.conn())?
    } else {
        0
    };
    let spooled = spooled_files(&layout);
    let kept = layout.spool_dir().join("cleared");
    if !spooled.is_empty() {
        rein_core::store::create_private_dir(&kept)?;
    }
    for p in &spooled {
        if let Some(name) = p.file_name() {
            std::fs::rename(p, kept.join(name))?;
        }
    }
    if as_json {
        render::print_json(&json::FailuresCleared {
            schema: Schema,
            cleared,
            spooled_moved: spooled.len(),
            spool_kept_in: kept.display().to_string(),
        })?;
    } else {
        render::write_stdout(&format!(
            "Cleared {cleared} hook failure(s){}.\n",
            if spooled.is_empty() {
                String::new()
            } else {
                format!(
                    "; moved {} spooled payload(s) to {}",
                    spooled.len(),
                    kept.display()
                )
            }
        ))?;
    }
    Ok(ExitCode::SUCCESS)
}
