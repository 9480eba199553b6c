//! `rein init`: install rein's hooks into agents' settings and take the baseline.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use rein_agents::claude_code::settings;

use crate::error::CommandError;
use crate::host;

/// Install rein's hooks into your agents: every session recorded, every tool call gated.
///
/// Without `--agent`, rein installs into every agent this machine and repository show signs of
/// (their settings directory in your home or in this repository), or into Claude Code when there
/// is none. `--agent all` takes every agent rein supports.
///
/// Claude Code's hooks go into `.claude/settings.local.json` (personal, not committed), with the
/// rein binary named by absolute path; the other agents' into their user settings (every
/// repository). `--scope` chooses another file. rein merges with your own settings and hooks,
/// keeps a backup of the previous file under $REIN_HOME/backups, validates what it writes, and is
/// safe to run again.
///
/// It then records the baseline: the state of every file now, so later changes can be told
/// apart and blamed.
///
/// Codex runs a hook only if it is trusted, so rein also trusts its hooks in Codex's
/// `config.toml`. opencode has no command hooks: rein installs a small plugin instead.
///
/// Examples:
///   rein init                     # the agents found here, each in its default place
///   rein init --agent claude-code --scope project  # commit .claude/settings.json (rein on PATH)
///   rein init --agent claude-code --scope user     # every repository, ~/.claude/settings.json
///   rein init --agent codex       # Codex, in ~/.codex/hooks.json, trusted
///   rein init --agent gemini-cli  # Gemini CLI, in ~/.gemini/settings.json
///   rein init --agent copilot     # Copilot CLI, in ~/.copilot/hooks/rein.json
///   rein init --agent opencode    # opencode, a plugin in ~/.config/opencode/plugin/rein.js
///   rein init --agent cursor      # Cursor, in ~/.cursor/hooks.json
///   rein init --agent all         # every agent rein supports, each in its default place
///   rein init --agent all --uninstall  # remove rein's hooks everywhere, and nothing else
#[derive(Debug, Clone, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The agent to install rein's hooks into, or `all`. Default: every agent this machine
    /// and repository show signs of (their settings directories), else Claude Code.
    #[arg(long, value_parser = ["claude-code", "codex", "gemini-cli", "copilot", "opencode", "cursor", "all"])]
    agent: Option<String>,
    /// Which settings file to install into (default: local for Claude Code, user for the others).
    #[arg(long, value_enum)]
    scope: Option<Scope>,
    /// Remove rein's hooks from that settings file instead.
    #[arg(long)]
    uninstall: bool,
    /// Do not take the baseline now (the first session will).
    #[arg(long)]
    no_baseline: bool,
    /// Hook timeout written into the settings, in seconds.
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u32).range(1..=600))]
    timeout: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Scope {
    /// This repository, just for you (Claude Code's `.claude/settings.local.json`; only Claude
    /// Code has one).
    Local,
    /// This repository, committed for the team (`.claude/settings.json`, `.codex/hooks.json`, …).
    Project,
    /// Your user settings: every repository (`~/.claude/settings.json`, `~/.codex/hooks.json`, …).
    User,
}

/// The settings file of a scope.
pub fn settings_path(scope: Scope, root: Option<&Path>) -> crate::Result<PathBuf> {
    Ok(match scope {
        Scope::Local => worktree_or_err(root)?
            .join(".claude")
            .join("settings.local.json"),
        Scope::Project => worktree_or_err(root)?.join(".claude").join("settings.json"),
        Scope::User => host::home()?.join(".claude").join("settings.json"),
    })
}

fn worktree_or_err(root: Option<&Path>) -> crate::Result<&Path> {
    root.ok_or_else(|| {
        CommandError::user("not inside a git work tree")
            .hint("run `git init` first, or use `--scope user` to install for every repository")
    })
}

/// Every agent `rein init` installs into, in the order `--agent all` takes them.
const AGENTS: &[&str] = &[
    rein_agents::claude_code::AGENT,
    rein_agents::codex::AGENT,
    rein_agents::gemini_cli::AGENT,
    rein_agents::copilot::AGENT,
    rein_agents::opencode::AGENT,
    rein_agents::cursor::AGENT,
];

/// The agents this machine and repository show signs of: their settings directories, in the
/// home directory (the agent has run here) or in the repository (it is configured for it).
fn detected_agents(root: Option<&Path>) -> Vec<&'static str> {
    let home = host::home().ok();
    let at_home = |rel: &str| home.as_ref().is_some_and(|h| h.join(rel).exists());
    let env_dir = |var: &str| host::non_empty(var).is_some_and(|d| Path::new(&d).exists());
    let in_repo = |rel: &str| root.is_some_and(|r| r.join(rel).exists());
    let xdg_opencode =
        host::non_empty("XDG_CONFIG_HOME").is_some_and(|d| Path::new(&d).join("opencode").exists());
    let signs = [
        (
            rein_agents::claude_code::AGENT,
            at_home(".claude") || in_repo(".claude"),
        ),
        (
            rein_agents::codex::AGENT,
            env_dir("CODEX_HOME") || at_home(".codex") || in_repo(".codex"),
        ),
        (
            rein_agents::gemini_cli::AGENT,
            at_home(".gemini") || in_repo(".gemini"),
        ),
        (
            rein_agents::copilot::AGENT,
            env_dir("COPILOT_HOME")
                || at_home(".copilot")
                || in_repo(".github/copilot")
                || in_repo(".github/hooks"),
        ),
        (
            rein_agents::opencode::AGENT,
            xdg_opencode
                || at_home(".config/opencode")
                || in_repo(".opencode")
                || in_repo("opencode.json"),
        ),
        (
            rein_agents::cursor::AGENT,
            at_home(".cursor") || in_repo(".cursor"),
        ),
    ];
    let found: Vec<&str> = signs.iter().filter(|(_, s)| *s).map(|(a, _)| *a).collect();
    if found.is_empty() {
        vec![rein_agents::claude_code::AGENT]
    } else {
        found
    }
}

/// Whether an agent has settings of that scope (only Claude Code has a personal, uncommitted
/// file per repository).
fn has_scope(agent: &str, scope: Scope) -> bool {
    scope != Scope::Local || agent == rein_agents::claude_code::AGENT
}

pub fn run(args: Args) -> crate::Result<ExitCode> {
    let agents: Vec<&str> = match args.agent.as_deref() {
        Some("all") => AGENTS.to_vec(),
        Some(name) => vec![name],
        None => {
            let cwd = host::current_dir()?;
            detected_agents(rein_core::worktree::find_root(&cwd).as_deref())
        }
    };
    if let [agent] = agents.as_slice() {
        return install_for(agent, &args);
    }
    let listed = agents.join(", ");
    say(&format!(
        "{} rein's hooks for: {listed}",
        if args.uninstall {
            "Removing"
        } else {
            "Installing"
        }
    ))?;
    let mut failed = Vec::new();
    for (i, agent) in agents.iter().enumerate() {
        say("")?;
        say(&format!("{agent}:"))?;
        if let Some(scope) = args.scope
            && !has_scope(agent, scope)
        {
            say(&format!(
                "  skipped: {agent} has no {} scope",
                format!("{scope:?}").to_lowercase()
            ))?;
            continue;
        }
        let mut one = args.clone();
        one.agent = Some((*agent).to_owned());
        // One baseline is enough.
        one.no_baseline = args.no_baseline || i > 0;
        match install_for(agent, &one) {
            Ok(code) if code == ExitCode::SUCCESS => {}
            Ok(_) => failed.push(*agent),
            Err(e) => {
                e.report();
                failed.push(*agent);
            }
        }
    }
    if failed.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    Err(
        CommandError::user(format!("failed for: {}", failed.join(", ")))
            .hint("run `rein init --agent <name>` for each to see why, and `rein doctor`"),
    )
}

/// Installs (or removes) rein's hooks for one agent.
fn install_for(agent: &str, args: &Args) -> crate::Result<ExitCode> {
    match agent {
        rein_agents::codex::AGENT => codex(args),
        rein_agents::gemini_cli::AGENT => gemini(args),
        rein_agents::copilot::AGENT => copilot(args),
        rein_agents::opencode::AGENT => opencode(args),
        rein_agents::cursor::AGENT => cursor(args),
        _ => claude_code(args),
    }
}

/// `rein init` for Claude Code: rein's hooks in one of its settings files.
fn claude_code(args: &Args) -> crate::Result<ExitCode> {
    let scope = args.scope.unwrap_or(Scope::Local);
    let cwd = host::current_dir()?;
    let root = rein_core::worktree::find_root(&cwd);
    let path = settings_path(scope, root.as_deref())?;
    let home = host::rein_home()?;
    let existing = read_optional(&path)?;
    let refuse = |e: settings::SettingsError| {
        CommandError::user(format!(
            "{} is not a valid Claude Code settings file: {e}",
            path.display()
        ))
        .hint("fix it by hand first; rein never overwrites a file it cannot read")
    };

    if args.uninstall {
        let Some(text) = existing else {
            say(&format!(
                "Nothing to remove: {} does not exist.",
                path.display()
            ))?;
            return Ok(ExitCode::SUCCESS);
        };
        let out = settings::uninstall(&text).map_err(refuse)?;
        if !out.changed {
            say(&format!(
                "Nothing to remove: no rein hooks in {}.",
                path.display()
            ))?;
            return Ok(ExitCode::SUCCESS);
        }
        let backup = backup(&home, &path, &text)?;
        if out.left_empty {
            // Only rein's hooks were in it: remove the file rather than leave `{}` behind, and
            // its directory if that is now empty (never anything else in it).
            std::fs::remove_file(&path).map_err(|e| {
                CommandError::user(format!("cannot remove {}: {e}", path.display()))
            })?;
            if let Some(dir) = path.parent() {
                let _ = std::fs::remove_dir(dir);
            }
            say(&format!(
                "Removed {} rein hook(s) and {}, which held nothing else.",
                out.removed,
                path.display()
            ))?;
        } else {
            write_settings(&path, &out.text)?;
            say(&format!(
                "Removed {} rein hook(s) from {}.",
                out.removed,
                path.display()
            ))?;
        }
        say(&format!(
            "Backup of the previous file: {}",
            backup.display()
        ))?;
        return Ok(ExitCode::SUCCESS);
    }

    let command = hook_command(scope, rein_agents::claude_code::AGENT)?;
    let out = settings::install(existing.as_deref(), &command, args.timeout).map_err(refuse)?;
    if out.changed {
        if let Some(text) = &existing {
            let backup = backup(&home, &path, text)?;
            say(&format!(
                "Backup of the previous file: {}",
                backup.display()
            ))?;
        }
        write_settings(&path, &out.text)?;
        say(&format!("Installed rein's hooks into {}", path.display()))?;
        if !out.added_events.is_empty() {
            say(&format!("  added:   {}", out.added_events.join(", ")))?;
        }
        if !out.updated_events.is_empty() {
            say(&format!("  updated: {}", out.updated_events.join(", ")))?;
        }
    } else {
        say(&format!(
            "rein's hooks are already installed in {}",
            path.display()
        ))?;
    }
    say(&format!("  command: {command}"))?;

    if let Some(root) = &root
        && !args.no_baseline
        && scope != Scope::User
    {
        take_baseline(&home, root)?;
    }
    if scope == Scope::Local && !is_git_ignored(root.as_deref(), &path) {
        say(&format!(
            "note: {} is not ignored by git; add it to .gitignore so it stays personal",
            path.display()
        ))?;
    }
    say(&format!("Store: {}", home.display()))?;
    say("Next: use Claude Code here as usual, then `rein log`. `rein doctor` checks the setup.")?;
    Ok(ExitCode::SUCCESS)
}

/// Records the baseline: the state of every file now.
fn take_baseline(home: &Path, root: &Path) -> crate::Result<()> {
    let config = rein_core::config::Config::load(&host::config_files(Some(root)))?;
    let mut store = rein_core::Store::open(home)?;
    let started = std::time::Instant::now();
    let (files, complete) = rein_core::record::baseline(&mut store, &config.capture, root)?;
    say(&format!(
        "Baseline: {files} files in {} recorded in {:.1}s{}",
        root.display(),
        started.elapsed().as_secs_f64(),
        if complete {
            ""
        } else {
            " (incomplete: the tree is over rein's walk limits)"
        }
    ))
}

/// Codex's home: `$CODEX_HOME`, else `~/.codex`.
pub fn codex_home() -> crate::Result<PathBuf> {
    match host::non_empty("CODEX_HOME") {
        Some(h) => Ok(PathBuf::from(h)),
        None => Ok(host::home()?.join(".codex")),
    }
}

/// The Codex `hooks.json` of a scope.
pub fn codex_hooks_path(scope: Scope, root: Option<&Path>) -> crate::Result<PathBuf> {
    match scope {
        Scope::User => Ok(codex_home()?.join("hooks.json")),
        Scope::Project => Ok(worktree_or_err(root)?.join(".codex").join("hooks.json")),
        Scope::Local => Err(
            CommandError::user("Codex has no personal hook file per repository").hint(
                "use `--scope user` (the default for Codex: every repository) or `--scope project`",
            ),
        ),
    }
}

/// `rein init --agent codex`: rein's hooks in Codex's `hooks.json`, trusted in its
/// `config.toml`.
fn codex(args: &Args) -> crate::Result<ExitCode> {
    use rein_agents::codex::settings as codex_settings;
    let scope = args.scope.unwrap_or(Scope::User);
    let cwd = host::current_dir()?;
    let root = rein_core::worktree::find_root(&cwd);
    let path = codex_hooks_path(scope, root.as_deref())?;
    let config_path = codex_home()?.join("config.toml");
    let home = host::rein_home()?;
    let hooks_text = read_optional(&path)?;
    let config_text = read_optional(&config_path)?;
    let key = path.display().to_string();
    let refuse = |e: rein_agents::hooks_file::SettingsError| {
        CommandError::user(format!("cannot edit Codex's hook settings: {e}"))
            .hint("fix the file by hand first; rein never overwrites a file it cannot read")
    };
    if args.uninstall {
        let Some(text) = hooks_text else {
            say(&format!(
                "Nothing to remove: {} does not exist.",
                path.display()
            ))?;
            return Ok(ExitCode::SUCCESS);
        };
        let (hooks, empty, config, removed) =
            codex_settings::uninstall(&text, config_text.as_deref().unwrap_or(""), &key)
                .map_err(refuse)?;
        if removed == 0 {
            say(&format!(
                "Nothing to remove: no rein hooks in {}.",
                path.display()
            ))?;
            return Ok(ExitCode::SUCCESS);
        }
        backup(&home, &path, &text)?;
        if empty {
            std::fs::remove_file(&path)?;
        } else {
            rein_core::store::write_atomic(&path, hooks.as_bytes(), 0o644)?;
        }
        if let Some(old) = &config_text {
            backup(&home, &config_path, old)?;
            rein_core::store::write_atomic(&config_path, config.as_bytes(), 0o600)?;
        }
        say(&format!(
            "Removed {removed} rein hook(s) from {} and their trust from {}.",
            path.display(),
            config_path.display()
        ))?;
        return Ok(ExitCode::SUCCESS);
    }
    let command = hook_command(scope, rein_agents::codex::AGENT)?;
    let out = codex_settings::install(
        hooks_text.as_deref(),
        config_text.as_deref(),
        &key,
        &command,
        args.timeout,
    )
    .map_err(refuse)?;
    if out.changed {
        if let Some(text) = &hooks_text {
            backup(&home, &path, text)?;
        }
        if let Some(text) = &config_text {
            backup(&home, &config_path, text)?;
        }
        for p in [&path, &config_path] {
            if let Some(dir) = p.parent() {
                std::fs::create_dir_all(dir).map_err(|e| {
                    CommandError::user(format!("cannot create {}: {e}", dir.display()))
                })?;
            }
        }
        rein_core::store::write_atomic(&path, out.hooks.as_bytes(), 0o644)?;
        rein_core::store::write_atomic(&config_path, out.config.as_bytes(), 0o600)?;
        say(&format!("Installed rein's hooks into {}", path.display()))?;
        say(&format!("  trusted in {}", config_path.display()))?;
    } else {
        say(&format!(
            "rein's hooks are already installed in {}",
            path.display()
        ))?;
    }
    say(&format!("  command: {command}"))?;
    if scope == Scope::Project {
        say(
            "note: Codex loads a project's hooks only when the project is trusted ([projects.\"<path>\"] trust_level = \"trusted\" in its config.toml)",
        )?;
    }
    if let Some(root) = &root
        && !args.no_baseline
    {
        take_baseline(&home, root)?;
    }
    say(&format!("Store: {}", home.display()))?;
    say("Next: use Codex as usual, then `rein log`. `rein doctor` checks the setup.")?;
    Ok(ExitCode::SUCCESS)
}

/// Gemini CLI's settings file of a scope: `$GEMINI_CLI_HOME/.gemini` (default: the home
/// directory's) for every repository, or the repository's `.gemini/settings.json`.
pub fn gemini_settings_path(scope: Scope, root: Option<&Path>) -> crate::Result<PathBuf> {
    match scope {
        Scope::User => {
            let base = match host::non_empty("GEMINI_CLI_HOME") {
                Some(h) => PathBuf::from(h),
                None => host::home()?,
            };
            Ok(base.join(".gemini").join("settings.json"))
        }
        Scope::Project => Ok(worktree_or_err(root)?.join(".gemini").join("settings.json")),
        Scope::Local => Err(CommandError::user(
            "Gemini CLI has no personal settings file per repository",
        )
        .hint("use `--scope user` (the default for Gemini CLI: every repository) or `--scope project`")),
    }
}

/// `rein init --agent gemini-cli`: rein's hooks in Gemini CLI's `settings.json`.
fn gemini(args: &Args) -> crate::Result<ExitCode> {
    use rein_agents::gemini_cli::settings as gemini_settings;
    let scope = args.scope.unwrap_or(Scope::User);
    let cwd = host::current_dir()?;
    let root = rein_core::worktree::find_root(&cwd);
    let path = gemini_settings_path(scope, root.as_deref())?;
    let home = host::rein_home()?;
    let existing = read_optional(&path)?;
    let refuse = |e: settings::SettingsError| {
        CommandError::user(format!(
            "{} is not a settings file rein can edit: {e}",
            path.display()
        ))
        .hint("fix it by hand first; rein never overwrites a file it cannot read")
    };
    if args.uninstall {
        let Some(text) = existing else {
            say(&format!(
                "Nothing to remove: {} does not exist.",
                path.display()
            ))?;
            return Ok(ExitCode::SUCCESS);
        };
        let out = gemini_settings::uninstall(&text).map_err(refuse)?;
        if !out.changed {
            say(&format!(
                "Nothing to remove: no rein hooks in {}.",
                path.display()
            ))?;
            return Ok(ExitCode::SUCCESS);
        }
        backup(&home, &path, &text)?;
        if out.left_empty {
            std::fs::remove_file(&path)?;
        } else {
            write_settings(&path, &out.text)?;
        }
        // A hook left behind after rein is gone would block every tool call in Gemini CLI.
        say(&format!(
            "Removed {} rein hook(s) from {}.",
            out.removed,
            path.display()
        ))?;
        return Ok(ExitCode::SUCCESS);
    }
    let command = hook_command(scope, rein_agents::gemini_cli::AGENT)?;
    let out =
        gemini_settings::install(existing.as_deref(), &command, args.timeout).map_err(refuse)?;
    if out.changed {
        if let Some(text) = &existing {
            backup(&home, &path, text)?;
        }
        write_settings(&path, &out.text)?;
        say(&format!("Installed rein's hooks into {}", path.display()))?;
    } else {
        say(&format!(
            "rein's hooks are already installed in {}",
            path.display()
        ))?;
    }
    say(&format!("  command: {command}"))?;
    say(
        "note: Gemini CLI runs hooks only in a trusted folder; if rein is removed, remove its hooks first (`rein init --agent gemini-cli --uninstall`), or Gemini CLI blocks every tool call",
    )?;
    if let Some(root) = &root
        && !args.no_baseline
    {
        take_baseline(&home, root)?;
    }
    say(&format!("Store: {}", home.display()))?;
    say("Next: use Gemini CLI as usual, then `rein log`. `rein doctor` checks the setup.")?;
    Ok(ExitCode::SUCCESS)
}

/// Copilot CLI's home: `$COPILOT_HOME`, default `~/.copilot`.
fn copilot_home() -> crate::Result<PathBuf> {
    match host::non_empty("COPILOT_HOME") {
        Some(h) => Ok(PathBuf::from(h)),
        None => Ok(host::home()?.join(".copilot")),
    }
}

/// The file of rein's own Copilot hooks in a scope, and every file of that scope Copilot reads
/// hooks from (where a rein hook may be left behind).
pub fn copilot_places(scope: Scope, root: Option<&Path>) -> crate::Result<(PathBuf, Vec<PathBuf>)> {
    use rein_agents::copilot::hooks::REIN_FILE;
    let (hooks_dir, settings) = match scope {
        Scope::User => {
            let home = copilot_home()?;
            let settings = ["settings.json", "config.json", "settings.local.json"]
                .map(|name| home.join(name))
                .to_vec();
            (home.join("hooks"), settings)
        }
        Scope::Project => {
            let github = worktree_or_err(root)?.join(".github");
            (
                github.join("hooks"),
                vec![github.join("copilot").join("settings.json")],
            )
        }
        Scope::Local => {
            return Err(CommandError::user(
                "Copilot CLI has no personal hook file per repository",
            )
            .hint("use `--scope user` (the default for Copilot CLI: every repository) or `--scope project`"));
        }
    };
    let mut places = settings;
    if let Ok(entries) = std::fs::read_dir(&hooks_dir) {
        // Bounded: a hooks directory is a handful of files.
        let mut files: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .take(1000)
            .collect();
        files.sort();
        places.extend(files);
    }
    let own = hooks_dir.join(REIN_FILE);
    if !places.contains(&own) {
        places.push(own.clone());
    }
    Ok((own, places))
}

/// `rein init --agent copilot`: rein's own hooks file in Copilot's format; uninstall also
/// removes rein's hooks from every other file of the scope (a leftover blocks every call).
fn copilot(args: &Args) -> crate::Result<ExitCode> {
    use rein_agents::copilot::hooks as copilot_hooks;
    let scope = args.scope.unwrap_or(Scope::User);
    let cwd = host::current_dir()?;
    let root = rein_core::worktree::find_root(&cwd);
    let (own, places) = copilot_places(scope, root.as_deref())?;
    let home = host::rein_home()?;
    if args.uninstall {
        let mut removed = 0;
        for path in &places {
            let Some(text) = read_optional(path)? else {
                continue;
            };
            let out = match copilot_hooks::uninstall(&text) {
                Ok(out) => out,
                // A file rein cannot read is Copilot's business unless it may hold rein's hook.
                Err(_) if !text.contains("hook copilot") => continue,
                Err(e) => {
                    return Err(CommandError::user(format!(
                        "{} is not a file rein can edit: {e}",
                        path.display()
                    ))
                    .hint("fix it by hand first; rein never overwrites a file it cannot read"));
                }
            };
            if !out.changed {
                continue;
            }
            backup(&home, path, &text)?;
            if out.left_empty {
                std::fs::remove_file(path)?;
            } else {
                rein_core::store::write_atomic(path, out.text.as_bytes(), 0o644)?;
            }
            say(&format!(
                "Removed {} rein hook(s) from {}.",
                out.removed,
                path.display()
            ))?;
            removed += out.removed;
        }
        if removed == 0 {
            say(&format!(
                "Nothing to remove: no rein hooks for Copilot CLI in {}.",
                own.parent().unwrap_or(&own).display()
            ))?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let command = hook_command(scope, rein_agents::copilot::AGENT)?;
    let text = copilot_hooks::rein_file(&command, args.timeout);
    let existing = read_optional(&own)?;
    if existing.as_deref() == Some(text.as_str()) {
        say(&format!(
            "rein's hooks are already installed in {}",
            own.display()
        ))?;
    } else {
        if let Some(old) = &existing {
            backup(&home, &own, old)?;
        }
        if let Some(dir) = own.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| CommandError::user(format!("cannot create {}: {e}", dir.display())))?;
        }
        rein_core::store::write_atomic(&own, text.as_bytes(), 0o644)?;
        say(&format!("Installed rein's hooks into {}", own.display()))?;
    }
    say(&format!("  command: {command} --event <event>"))?;
    // rein's hooks elsewhere in the scope would run rein twice per event.
    for path in places.iter().filter(|p| **p != own) {
        if let Some(text) = read_optional(path)?
            && copilot_hooks::find_rein_hooks(&text).is_ok_and(|h| !h.is_empty())
        {
            say(&format!(
                "warning: {} also runs rein's hooks; remove them there (`rein init --agent copilot --uninstall` removes every copy, then install again)",
                path.display()
            ))?;
        }
    }
    if scope == Scope::Project {
        say(
            "note: Copilot CLI loads a repository's hooks only in a trusted folder, silently skipping them otherwise",
        )?;
    }
    say(
        "note: if rein is removed, remove its hooks first (`rein init --agent copilot --uninstall`), or Copilot CLI blocks every tool call",
    )?;
    if let Some(root) = &root
        && !args.no_baseline
    {
        take_baseline(&home, root)?;
    }
    say(&format!("Store: {}", home.display()))?;
    say("Next: use Copilot CLI as usual, then `rein log`. `rein doctor` checks the setup.")?;
    Ok(ExitCode::SUCCESS)
}

/// The rein a hook runs: `rein` from PATH for a file the team commits, else this binary.
fn hook_program(scope: Scope) -> crate::Result<String> {
    if scope == Scope::Project {
        return Ok("rein".to_owned());
    }
    let exe = std::env::current_exe()
        .and_then(|p| p.canonicalize())
        .map_err(|e| CommandError::internal(format!("cannot locate the rein binary: {e}")))?;
    exe.to_str().map(str::to_owned).ok_or_else(|| {
        CommandError::user(format!(
            "the rein binary's path is not UTF-8: {}",
            exe.display()
        ))
    })
}

/// opencode's plugin directories of a scope (`plugin/` is where rein installs; `plugins/` is
/// read too), under `$XDG_CONFIG_HOME/opencode` (default `~/.config/opencode`) or the
/// repository's `.opencode`.
pub fn opencode_plugin_dirs(scope: Scope, root: Option<&Path>) -> crate::Result<[PathBuf; 2]> {
    let base = match scope {
        Scope::User => match host::non_empty("XDG_CONFIG_HOME") {
            Some(dir) => PathBuf::from(dir),
            None => host::home()?.join(".config"),
        }
        .join("opencode"),
        Scope::Project => worktree_or_err(root)?.join(".opencode"),
        Scope::Local => {
            return Err(CommandError::user(
                "opencode has no personal plugin directory per repository",
            )
            .hint("use `--scope user` (the default for opencode: every repository) or `--scope project`"));
        }
    };
    Ok([base.join("plugin"), base.join("plugins")])
}

/// `rein init --agent opencode`: rein's plugin in opencode's plugin directory.
fn opencode(args: &Args) -> crate::Result<ExitCode> {
    use rein_agents::opencode::{PLUGIN_FILE, plugin_program, plugin_source};
    let scope = args.scope.unwrap_or(Scope::User);
    let cwd = host::current_dir()?;
    let root = rein_core::worktree::find_root(&cwd);
    let dirs = opencode_plugin_dirs(scope, root.as_deref())?;
    let path = dirs[0].join(PLUGIN_FILE);
    let home = host::rein_home()?;
    if args.uninstall {
        let mut removed = 0;
        for dir in &dirs {
            let p = dir.join(PLUGIN_FILE);
            let Some(text) = read_optional(&p)? else {
                continue;
            };
            if plugin_program(&text).is_none() {
                say(&format!("Kept {}: it is not rein's plugin.", p.display()))?;
                continue;
            }
            backup(&home, &p, &text)?;
            std::fs::remove_file(&p)?;
            say(&format!("Removed rein's plugin {}.", p.display()))?;
            removed += 1;
        }
        if removed == 0 {
            say(&format!(
                "Nothing to remove: no rein plugin in {}.",
                dirs[0].display()
            ))?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let program = hook_program(scope)?;
    let source = plugin_source(&program, args.timeout);
    let existing = read_optional(&path)?;
    if let Some(text) = &existing
        && plugin_program(text).is_none()
    {
        return Err(CommandError::user(format!(
            "{} exists and is not rein's plugin",
            path.display()
        ))
        .hint("move it away first; rein never overwrites a file it did not write"));
    }
    if existing.as_deref() == Some(source.as_str()) {
        say(&format!(
            "rein's plugin is already installed: {}",
            path.display()
        ))?;
    } else {
        if let Some(old) = &existing {
            backup(&home, &path, old)?;
        }
        std::fs::create_dir_all(&dirs[0])
            .map_err(|e| CommandError::user(format!("cannot create {}: {e}", dirs[0].display())))?;
        rein_core::store::write_atomic(&path, source.as_bytes(), 0o644)?;
        say(&format!("Installed rein's plugin: {}", path.display()))?;
    }
    say(&format!("  runs: {program} hook opencode"))?;
    say(
        "note: opencode skips a broken plugin silently and `opencode --pure` runs none; if rein is removed, remove its plugin first (`rein init --agent opencode --uninstall`), or opencode blocks every tool call",
    )?;
    if let Some(root) = &root
        && !args.no_baseline
    {
        take_baseline(&home, root)?;
    }
    say(&format!("Store: {}", home.display()))?;
    say("Next: use opencode as usual, then `rein log`. `rein doctor` checks the setup.")?;
    Ok(ExitCode::SUCCESS)
}

/// Cursor's `hooks.json` of a scope: `~/.cursor/hooks.json`, or the repository's
/// `.cursor/hooks.json`.
pub fn cursor_hooks_path(scope: Scope, root: Option<&Path>) -> crate::Result<PathBuf> {
    match scope {
        Scope::User => Ok(host::home()?.join(".cursor").join("hooks.json")),
        Scope::Project => Ok(worktree_or_err(root)?.join(".cursor").join("hooks.json")),
        Scope::Local => Err(CommandError::user(
            "Cursor has no personal hook file per repository",
        )
        .hint("use `--scope user` (the default for Cursor: every repository) or `--scope project`")),
    }
}

/// `rein init --agent cursor`: rein's hooks in Cursor's `hooks.json`, failing closed.
fn cursor(args: &Args) -> crate::Result<ExitCode> {
    let scope = args.scope.unwrap_or(Scope::User);
    let cwd = host::current_dir()?;
    let root = rein_core::worktree::find_root(&cwd);
    let path = cursor_hooks_path(scope, root.as_deref())?;
    let home = host::rein_home()?;
    let existing = read_optional(&path)?;
    let refuse = |e: settings::SettingsError| {
        CommandError::user(format!(
            "{} is not a hooks file rein can edit: {e}",
            path.display()
        ))
        .hint("fix it by hand first; rein never overwrites a file it cannot read")
    };
    if args.uninstall {
        let Some(text) = existing else {
            say(&format!(
                "Nothing to remove: {} does not exist.",
                path.display()
            ))?;
            return Ok(ExitCode::SUCCESS);
        };
        let out = rein_agents::cursor::uninstall(&text).map_err(refuse)?;
        if !out.changed {
            say(&format!(
                "Nothing to remove: no rein hooks in {}.",
                path.display()
            ))?;
            return Ok(ExitCode::SUCCESS);
        }
        backup(&home, &path, &text)?;
        if out.left_empty {
            std::fs::remove_file(&path)?;
        } else {
            rein_core::store::write_atomic(&path, out.text.as_bytes(), 0o644)?;
        }
        say(&format!(
            "Removed {} rein hook(s) from {}.",
            out.removed,
            path.display()
        ))?;
        return Ok(ExitCode::SUCCESS);
    }
    let command = hook_command(scope, rein_agents::cursor::AGENT)?;
    let (text, changed) = rein_agents::cursor::install(existing.as_deref(), &command, args.timeout)
        .map_err(refuse)?;
    if changed {
        if let Some(old) = &existing {
            backup(&home, &path, old)?;
        }
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| CommandError::user(format!("cannot create {}: {e}", dir.display())))?;
        }
        rein_core::store::write_atomic(&path, text.as_bytes(), 0o644)?;
        say(&format!("Installed rein's hooks into {}", path.display()))?;
    } else {
        say(&format!(
            "rein's hooks are already installed in {}",
            path.display()
        ))?;
    }
    say(&format!("  command: {command}"))?;
    say(
        "note: rein's Cursor hooks fail closed (a call is blocked when rein cannot answer); Cursor also runs rein's Claude Code hooks if you installed them, and rein records each event once",
    )?;
    if let Some(root) = &root
        && !args.no_baseline
    {
        take_baseline(&home, root)?;
    }
    say(&format!("Store: {}", home.display()))?;
    say("Next: use Cursor as usual, then `rein log`. `rein doctor` checks the setup.")?;
    Ok(ExitCode::SUCCESS)
}

/// A settings file's text, or `None` when it does not exist yet.
fn read_optional(path: &Path) -> crate::Result<Option<String>> {
    match std::fs::read_to_string(path) {
        Ok(t) => Ok(Some(t)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(CommandError::user(format!(
            "cannot read {}: {e}",
            path.display()
        ))),
    }
}

/// Prints one line of progress. Installing is the job and printing is not: a reader that has
/// gone (`rein init | head -1`) does not stop the install or the baseline.
fn say(line: &str) -> crate::Result<()> {
    crate::render::unless_closed(crate::render::write_stdout(&format!("{line}\n")))
}

/// The hook command: the absolute path of this binary for personal scopes, plain `rein` (found
/// through PATH) for the committed project file.
fn hook_command(scope: Scope, agent: &str) -> crate::Result<String> {
    if scope == Scope::Project {
        return Ok(format!("rein hook {agent}"));
    }
    let exe = hook_program(scope)?;
    let quoted = if exe
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-+".contains(c))
    {
        exe.to_owned()
    } else {
        format!("'{}'", exe.replace('\'', r"'\''"))
    };
    Ok(format!("{quoted} hook {agent}"))
}

/// Validates and writes atomically, then reads back and validates again: rein must never leave
/// an invalid settings file behind.
fn write_settings(path: &Path, text: &str) -> crate::Result<()> {
    let check = settings::validate(text);
    if !check.is_valid() {
        return Err(CommandError::internal(format!(
            "refusing to write an invalid settings file: {}",
            check.errors.join("; ")
        )));
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| CommandError::user(format!("cannot create {}: {e}", dir.display())))?;
    }
    let mode = std::fs::metadata(path)
        .map(|m| std::os::unix::fs::PermissionsExt::mode(&m.permissions()) & 0o777)
        .unwrap_or(0o644);
    rein_core::store::write_atomic(path, text.as_bytes(), mode)?;
    let back = std::fs::read_to_string(path)?;
    if back != text || !settings::validate(&back).is_valid() {
        return Err(CommandError::internal(format!(
            "{} did not read back as written",
            path.display()
        )));
    }
    Ok(())
}

fn backup(home: &Path, path: &Path, text: &str) -> crate::Result<PathBuf> {
    let dir = rein_core::store::Layout::new(home)
        .backup_dir()
        .join("claude-settings");
    rein_core::store::create_private_dir(&dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "settings.json".into());
    let key = rein_core::worktree::key(path);
    let ts = jiff::Timestamp::now()
        .strftime("%Y%m%dT%H%M%S%.6fZ")
        .to_string();
    let dest = dir.join(format!("{key}-{ts}-{name}"));
    rein_core::store::write_atomic(&dest, text.as_bytes(), 0o600)?;
    Ok(dest)
}

fn is_git_ignored(root: Option<&Path>, path: &Path) -> bool {
    let Some(root) = root else { return true };
    std::process::Command::new("git")
        .arg("check-ignore")
        .arg("-q")
        .arg(path)
        .current_dir(root)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(true)
}
