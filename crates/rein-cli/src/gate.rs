//! What the hook and `rein policy` share: loading the layered policy for a work tree and
//! describing where a call happens.

use std::path::{Path, PathBuf};

use rein_policy::{Layer, Place, Policies, PolicyError, PolicySource};

use crate::host;

/// Every policy file that applies in `root`, in layer order: built-in, machine, user, project.
pub fn sources(root: Option<&Path>) -> Result<Vec<PolicySource>, PolicyError> {
    let mut sources = PolicySource::builtin();
    sources.extend(PolicySource::read_dir(
        &host::machine_policy_dir(),
        Layer::Machine,
    )?);
    if let Some(dir) = host::user_policy_dir() {
        sources.extend(PolicySource::read_dir(&dir, Layer::User)?);
    }
    if let Some(root) = root {
        sources.extend(PolicySource::read_dir(
            &project_policy_dir(root),
            Layer::Project,
        )?);
    }
    Ok(sources)
}

pub fn project_policy_dir(root: &Path) -> PathBuf {
    root.join(".rein").join("policy")
}

/// Loads and validates the policy that applies in `root`.
pub fn load(root: Option<&Path>, disabled: &[String]) -> Result<Policies, PolicyError> {
    Policies::load(&sources(root)?, disabled)
}

/// Like [`load`], skipping validation of a policy set already validated (the hook's hot path).
pub fn load_for_hook(root: Option<&Path>, disabled: &[String]) -> Result<Policies, PolicyError> {
    let cache = host::rein_home()
        .ok()
        .map(|h| h.join("cache").join("policy-validated"));
    Policies::load_cached(&sources(root)?, disabled, cache.as_deref())
}

/// Where a call happens: the work tree is the git root, else the working directory itself.
/// Without `$HOME` rein cannot tell what `~` means, so it refuses to decide.
pub fn place(cwd: &Path, root: Option<&Path>) -> Result<Place, crate::error::CommandError> {
    Ok(Place {
        cwd: cwd.to_path_buf(),
        worktree: root.unwrap_or(cwd).to_path_buf(),
        home: host::home()?,
        tmp_dirs: host::tmp_dirs(),
    })
}

/// What a shell command may write (for the recorder, when a step's PreToolUse was missed):
/// absolute paths, or `None` for anything.
pub fn shell_writes(call: &rein_core::event::ToolCall, cwd: &Path) -> Option<Vec<String>> {
    let home = host::home().ok()?;
    match rein_policy::writes_of(&call.tool, &call.input, cwd, &home) {
        rein_policy::WriteScope::Paths(paths) => Some(
            paths
                .iter()
                .map(|p| p.to_string_lossy().into_owned())
                .collect(),
        ),
        rein_policy::WriteScope::Anything => None,
    }
}
