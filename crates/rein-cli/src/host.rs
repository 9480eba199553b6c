//! Everything rein learns from the process environment, resolved in one place and passed to the
//! libraries explicitly.

use std::path::{Path, PathBuf};

use crate::error::CommandError;

/// The store's directory: `$REIN_HOME`, else `$XDG_DATA_HOME/rein`, else `~/.local/share/rein`.
pub fn rein_home() -> Result<PathBuf, CommandError> {
    if let Some(h) = non_empty("REIN_HOME") {
        return Ok(PathBuf::from(h));
    }
    if let Some(x) = non_empty("XDG_DATA_HOME") {
        return Ok(PathBuf::from(x).join("rein"));
    }
    Ok(home()?.join(".local").join("share").join("rein"))
}

/// The user's home directory.
pub fn home() -> Result<PathBuf, CommandError> {
    non_empty("HOME").map(PathBuf::from).ok_or_else(|| {
        CommandError::user("$HOME is not set")
            .hint("set REIN_HOME to choose where rein keeps its store")
    })
}

/// The user config file: `$XDG_CONFIG_HOME/rein/config.toml` or `~/.config/rein/config.toml`.
pub fn user_config_file() -> Option<PathBuf> {
    if let Some(x) = non_empty("XDG_CONFIG_HOME") {
        return Some(PathBuf::from(x).join("rein").join("config.toml"));
    }
    non_empty("HOME").map(|h| {
        PathBuf::from(h)
            .join(".config")
            .join("rein")
            .join("config.toml")
    })
}

/// Config files in precedence order (later wins).
pub fn config_files(root: Option<&Path>) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = user_config_file().into_iter().collect();
    if let Some(root) = root {
        files.push(rein_core::config::project_file(root));
    }
    files
}

/// `ci` when a CI system's usual variables are set, else `local`.
pub fn environment() -> &'static str {
    const CI_VARS: &[&str] = &[
        "CI",
        "GITHUB_ACTIONS",
        "GITLAB_CI",
        "BUILDKITE",
        "CIRCLECI",
        "JENKINS_URL",
        "TF_BUILD",
        "TEAMCITY_VERSION",
    ];
    if CI_VARS
        .iter()
        .any(|v| non_empty(v).is_some_and(|x| x != "false" && x != "0"))
    {
        "ci"
    } else {
        "local"
    }
}

/// The delegating human: configured, else git's `user.email`, else `$USER`.
pub fn resolve_human(configured: Option<&str>, dir: &Path) -> Option<String> {
    if let Some(h) = configured {
        return Some(h.to_owned());
    }
    let out = std::process::Command::new("git")
        .args(["config", "--get", "user.email"])
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output();
    if let Ok(out) = out
        && out.status.success()
    {
        let email = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        if !email.is_empty() {
            return Some(email);
        }
    }
    non_empty("USER")
}

pub fn non_empty(var: &str) -> Option<String> {
    std::env::var(var).ok().filter(|v| !v.is_empty())
}

/// The current directory, or a clear error.
pub fn current_dir() -> Result<PathBuf, CommandError> {
    std::env::current_dir()
        .map_err(|e| CommandError::user(format!("cannot read the current directory: {e}")))
}

/// The git work tree containing the current directory, or a clear error.
pub fn current_worktree() -> Result<PathBuf, CommandError> {
    let cwd = current_dir()?;
    rein_core::worktree::find_root(&cwd).ok_or_else(|| {
        CommandError::user(format!("{} is not inside a git work tree", cwd.display()))
            .hint("run `git init` first, or cd into a repository")
    })
}

/// The machine-wide policy directory: `$REIN_MACHINE_POLICY_DIR`, else `/etc/rein/policy`.
pub fn machine_policy_dir() -> PathBuf {
    non_empty("REIN_MACHINE_POLICY_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/etc/rein/policy"))
}

/// The user's policy directory: `$XDG_CONFIG_HOME/rein/policy` or `~/.config/rein/policy`.
pub fn user_policy_dir() -> Option<PathBuf> {
    user_config_file().and_then(|f| f.parent().map(|p| p.join("policy")))
}

/// Temporary directories besides /tmp and /var/tmp (`$TMPDIR`).
pub fn tmp_dirs() -> Vec<PathBuf> {
    non_empty("TMPDIR").map(PathBuf::from).into_iter().collect()
}

/// Shells and wrappers that run a hook command and wait for it: the agent is above them.
const HOOK_WRAPPERS: &[&str] = &[
    "sh", "bash", "dash", "zsh", "fish", "ksh", "mksh", "ash", "busybox", "timeout", "time",
    "nice", "nohup", "setsid", "stdbuf", "flock", "sudo", "doas",
];

/// The process running the agent that started this hook: the nearest ancestor that is not a
/// shell or wrapper, with its start time. `None` where the host cannot tell (not Linux).
pub fn agent_process() -> Option<rein_core::inflight::AgentProcess> {
    let mut pid = proc_stat(std::process::id())?.ppid;
    // Bounded: a few wrappers at most sit between an agent and its hook.
    for _ in 0..8 {
        let stat = proc_stat(pid)?;
        if !HOOK_WRAPPERS.contains(&stat.comm.as_str()) || stat.ppid <= 1 {
            return Some(rein_core::inflight::AgentProcess {
                pid,
                started: stat.started,
            });
        }
        pid = stat.ppid;
    }
    None
}

/// Whether the process is still the one that was seen: `Some(false)` only when it is certainly
/// gone (no such pid, or the pid now belongs to a process started at another time).
pub fn process_alive(p: rein_core::inflight::AgentProcess) -> Option<bool> {
    if !Path::new("/proc/self/stat").exists() {
        return None;
    }
    match proc_stat(p.pid) {
        Some(stat) => Some(stat.started == p.started && stat.state != 'Z'),
        None => Some(false),
    }
}

struct ProcStat {
    comm: String,
    state: char,
    ppid: u32,
    /// Clock ticks after boot.
    started: u64,
}

/// Reads `/proc/<pid>/stat` (Linux).
fn proc_stat(pid: u32) -> Option<ProcStat> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // `pid (comm) state ppid …`: comm may hold spaces and parentheses, so split at the last ')'.
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let comm = text.get(open + 1..close)?.to_owned();
    let fields: Vec<&str> = text.get(close + 1..)?.split_whitespace().collect();
    Some(ProcStat {
        comm,
        state: fields.first()?.chars().next()?,
        ppid: fields.get(1)?.parse().ok()?,
        started: fields.get(19)?.parse().ok()?,
    })
}

/// The engine's view of this host: where things are, and the probes that spawn processes or
/// read `/proc`.
pub fn engine_setup() -> Result<rein_engine::Setup, CommandError> {
    let mut setup = rein_engine::Setup::new(rein_home()?, non_empty("HOME").map(PathBuf::from));
    setup.user_config = user_config_file();
    setup.policy = rein_engine::PolicyDirs {
        machine: Some(machine_policy_dir()),
        user: user_policy_dir(),
    };
    setup.tmp_dirs = tmp_dirs();
    setup.environment = environment().to_owned();
    Ok(setup)
}

/// The engine, for commands that decide or record.
pub fn engine() -> Result<rein_engine::Engine, CommandError> {
    Ok(rein_engine::Engine::new(engine_setup()?, HostProbe))
}

/// What the engine asks this host: the delegating human (may spawn git), whether an agent
/// process is alive (`/proc`), and, in debug builds, the test faults of `REIN_TEST_FAULT`.
pub struct HostProbe;

impl rein_engine::Probe for HostProbe {
    fn human(&self, configured: Option<&str>, dir: &Path) -> Option<String> {
        resolve_human(configured, dir)
    }

    fn process_alive(&self, process: rein_core::inflight::AgentProcess) -> Option<bool> {
        process_alive(process)
    }

    fn fault(&self) -> Option<rein_engine::Fault> {
        if !cfg!(debug_assertions) {
            return None;
        }
        match non_empty("REIN_TEST_FAULT").as_deref() {
            Some("panic") => Some(rein_engine::Fault::Panic),
            Some("hang") => Some(rein_engine::Fault::Hang),
            _ => None,
        }
    }
}
