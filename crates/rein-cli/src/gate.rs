//! What `rein policy` and `rein doctor` share with the engine: the layered policy of a work tree,
//! found where this host keeps it.

use std::path::Path;

use rein_policy::{Policies, PolicyError, PolicySource};

use crate::host;

fn dirs() -> rein_engine::PolicyDirs {
    rein_engine::PolicyDirs {
        machine: Some(host::machine_policy_dir()),
        user: host::user_policy_dir(),
    }
}

/// Every policy file that applies in `root`, in layer order: built-in, machine, user, project.
pub fn sources(root: Option<&Path>) -> Result<Vec<PolicySource>, PolicyError> {
    rein_engine::policy_sources(&dirs(), root)
}

/// Loads and validates the policy that applies in `root`.
pub fn load(root: Option<&Path>, disabled: &[String]) -> Result<Policies, PolicyError> {
    rein_engine::load_policies(&dirs(), root, disabled)
}
