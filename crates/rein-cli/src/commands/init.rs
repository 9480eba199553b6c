//! `rein init`: install rein's hooks into Claude Code's settings and take the baseline.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use rein_agents::claude_code::settings;

use crate::error::CommandError;
use crate::host;

/// Install rein's hooks into Claude Code, so every session in this repository is recorded.
///
/// By default the hooks go into `.claude/settings.local.json` (personal, not committed), with
/// the rein binary named by absolute path. rein merges with your own settings and hooks, keeps a
/// backup of the previous file under $REIN_HOME/backups, validates what it writes (Claude Code
/// silently ignores an invalid settings file), and is safe to run again.
///
/// It then records the baseline: the state of every file now, so later changes can be told
/// apart and blamed.
///
/// With `--agent codex` the hooks go into Codex's `hooks.json` (`$CODEX_HOME`, by default
/// `~/.codex`, for every repository; or `.codex/hooks.json` with `--scope project`), and rein
/// trusts them in Codex's `config.toml`: Codex skips a hook it has not trusted, silently.
///
/// Examples:
///   rein init                     # this repository, just for you
///   rein init --scope project     # commit .claude/settings.json for the team (rein on PATH)
///   rein init --scope user        # every repository, in ~/.claude/settings.json
///   rein init --agent codex       # Codex, in ~/.codex/hooks.json, trusted
///   rein init --uninstall         # remove rein's hooks, and nothing else
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The agent to install rein's hooks into.
    #[arg(long, default_value = "claude-code", value_parser = ["claude-code", "codex"])]
    agent: String,
    /// Which settings file to install into (default: local for Claude Code, user for Codex).
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
    /// `.claude/settings.local.json` in this repository (personal, uncommitted).
    Local,
    /// `.claude/settings.json` in this repository (committed, for the team).
    Project,
    /// `~/.claude/settings.json` (every repository).
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

pub fn run(args: Args) -> crate::Result<ExitCode> {
    if args.agent == rein_agents::codex::AGENT {
        return codex(&args);
    }
    let scope = args.scope.unwrap_or(Scope::Local);
    let cwd = host::current_dir()?;
    let root = rein_core::worktree::find_root(&cwd);
    let path = settings_path(scope, root.as_deref())?;
    let home = host::rein_home()?;
    let existing = match std::fs::read_to_string(&path) {
        Ok(t) => Some(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            return Err(CommandError::user(format!(
                "cannot read {}: {e}",
                path.display()
            )));
        }
    };
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
    let read = |p: &Path| -> crate::Result<Option<String>> {
        match std::fs::read_to_string(p) {
            Ok(t) => Ok(Some(t)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(CommandError::user(format!(
                "cannot read {}: {e}",
                p.display()
            ))),
        }
    };
    let hooks_text = read(&path)?;
    let config_text = read(&config_path)?;
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
    let exe = std::env::current_exe()
        .and_then(|p| p.canonicalize())
        .map_err(|e| CommandError::internal(format!("cannot locate the rein binary: {e}")))?;
    let exe = exe.to_str().ok_or_else(|| {
        CommandError::user(format!(
            "the rein binary's path is not UTF-8: {}",
            exe.display()
        ))
    })?;
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
