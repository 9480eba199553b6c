//! The layered policy that applies in a work tree: built-in, machine, user, project.

use std::path::{Path, PathBuf};

use rein_policy::{Layer, Place, Policies, PolicyError, PolicySource};

use crate::{EngineError, Setup};

/// Where layered policy files live.
#[derive(Debug, Clone, Default)]
pub struct PolicyDirs {
    /// Administrators' rules (`/etc/rein/policy`), which nobody can switch off.
    pub machine: Option<PathBuf>,
    /// The user's own (`~/.config/rein/policy`).
    pub user: Option<PathBuf>,
}

/// A project's policy directory: `.rein/policy`.
pub fn project_policy_dir(root: &Path) -> PathBuf {
    root.join(".rein").join("policy")
}

/// Every policy file that applies in `root`, in layer order: built-in, machine, user, project.
pub fn policy_sources(
    dirs: &PolicyDirs,
    root: Option<&Path>,
) -> Result<Vec<PolicySource>, PolicyError> {
    let mut sources = PolicySource::builtin();
    if let Some(dir) = &dirs.machine {
        sources.extend(PolicySource::read_dir(dir, Layer::Machine)?);
    }
    if let Some(dir) = &dirs.user {
        sources.extend(PolicySource::read_dir(dir, Layer::User)?);
    }
    if let Some(root) = root {
        sources.extend(PolicySource::read_dir(
            &project_policy_dir(root),
            Layer::Project,
        )?);
    }
    Ok(sources)
}

/// Loads and validates the policy that applies in `root`.
pub fn load_policies(
    dirs: &PolicyDirs,
    root: Option<&Path>,
    disabled: &[String],
) -> Result<Policies, PolicyError> {
    Policies::load(&policy_sources(dirs, root)?, disabled)
}

/// Like [`load_policies`], skipping validation of a policy set already validated (the gate's
/// hot path): the set's hash is remembered under the store.
pub(crate) fn load_for_gate(
    setup: &Setup,
    root: Option<&Path>,
    disabled: &[String],
) -> Result<Policies, PolicyError> {
    let cache = setup.rein_home.join("cache").join("policy-validated");
    Policies::load_cached(
        &policy_sources(&setup.policy, root)?,
        disabled,
        Some(&cache),
    )
}

/// Where a call happens: the work tree is the git root, else the working directory itself.
/// Without a home directory rein cannot tell what `~` means, so it refuses to decide.
pub(crate) fn place(setup: &Setup, cwd: &Path, root: Option<&Path>) -> Result<Place, EngineError> {
    let home = setup.home.clone().ok_or_else(|| {
        EngineError::new(
            "$HOME is not set, so rein cannot tell what `~` means",
            Some("set HOME".to_owned()),
        )
    })?;
    Ok(Place {
        cwd: cwd.to_path_buf(),
        worktree: root.unwrap_or(cwd).to_path_buf(),
        home,
        tmp_dirs: setup.tmp_dirs.clone(),
    })
}
