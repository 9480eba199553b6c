//! Facts about paths that rules use, computed in Rust because Cedar has no path arithmetic.

use std::path::{Component, Path, PathBuf};

/// Directories whose contents belong to the system, not the user.
const SYSTEM_DIRS: &[&str] = &[
    "/etc",
    "/usr",
    "/bin",
    "/sbin",
    "/lib",
    "/lib32",
    "/lib64",
    "/libx32",
    "/boot",
    "/dev",
    "/sys",
    "/proc",
    "/var",
    "/opt",
    "/srv",
    "/root",
    "/snap",
    "/System",
    "/Library",
    "/Applications",
    "/private",
];

/// Where the call happens.
#[derive(Debug, Clone)]
pub struct Place {
    pub cwd: PathBuf,
    /// The work tree root; the cwd when the call is not inside a git work tree.
    pub worktree: PathBuf,
    pub home: PathBuf,
    /// Extra temporary directories ($TMPDIR), besides /tmp and /var/tmp.
    pub tmp_dirs: Vec<PathBuf>,
}

/// The attributes of a `Rein::File`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileFacts {
    pub path: String,
    pub name: String,
    pub rel: String,
    pub top: String,
    pub home_rel: String,
    pub in_worktree: bool,
    pub in_home: bool,
    pub in_tmp: bool,
    pub in_system: bool,
    pub is_root: bool,
    pub covers_home: bool,
    pub covers_worktree: bool,
    pub is_glob: bool,
}

pub use rein_shell::normalize;

fn relative(path: &Path, base: &Path) -> Option<String> {
    path.strip_prefix(base)
        .ok()
        .map(|r| r.to_string_lossy().into_owned())
}

/// The directory a glob pattern reaches into: the path up to its first component with a
/// wildcard. `rm -rf ~/*` empties the home directory just as `rm -rf ~` removes it.
fn glob_base(path: &Path) -> Option<PathBuf> {
    let mut base = PathBuf::from("/");
    for c in path.components() {
        if let Component::Normal(s) = c {
            if s.to_string_lossy().contains(['*', '?', '[']) {
                return Some(base);
            }
            base.push(s);
        }
    }
    None
}

impl FileFacts {
    pub fn of(path: &Path, place: &Place) -> FileFacts {
        let path = normalize(&place.cwd, path);
        // What a glob can reach is decided on its base directory.
        let reach = glob_base(&path);
        let worktree = normalize(Path::new("/"), &place.worktree);
        let home = normalize(Path::new("/"), &place.home);
        let text = path.to_string_lossy().into_owned();
        let rel = relative(&path, &worktree);
        let home_rel = relative(&path, &home).filter(|r| !r.is_empty());
        let in_tmp = ["/tmp", "/var/tmp", "/dev/shm"]
            .iter()
            .map(PathBuf::from)
            .chain(place.tmp_dirs.iter().map(|t| normalize(Path::new("/"), t)))
            .any(|t| path.starts_with(&t) && path != t);
        let in_system = !in_tmp
            && SYSTEM_DIRS.iter().any(|d| path.starts_with(d))
            && !path.starts_with(&worktree)
            && (!path.starts_with(&home) || home == Path::new("/"));
        FileFacts {
            name: path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            top: rel
                .as_deref()
                .and_then(|r| r.split('/').next())
                .unwrap_or("")
                .to_owned(),
            in_worktree: rel.is_some(),
            rel: rel.unwrap_or_default(),
            in_home: home_rel.is_some(),
            home_rel: home_rel.unwrap_or_default(),
            in_tmp,
            in_system,
            is_root: reach.as_deref().unwrap_or(&path) == Path::new("/"),
            covers_home: home.starts_with(reach.as_deref().unwrap_or(&path)),
            covers_worktree: worktree.starts_with(reach.as_deref().unwrap_or(&path)),
            is_glob: reach.is_some(),
            path: text,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place() -> Place {
        Place {
            cwd: "/home/dev/project/src".into(),
            worktree: "/home/dev/project".into(),
            home: "/home/dev".into(),
            tmp_dirs: vec![],
        }
    }

    #[test]
    fn relative_paths_join_the_cwd_and_fold_dotdot() {
        let f = FileFacts::of(Path::new("../.env"), &place());
        assert_eq!(f.path, "/home/dev/project/.env");
        assert_eq!(f.rel, ".env");
        assert_eq!(f.home_rel, "project/.env");
        assert!(f.in_worktree && f.in_home && !f.covers_home);
    }

    #[test]
    fn ancestors_cover_home_and_worktree() {
        let f = FileFacts::of(Path::new("../../.."), &place());
        assert_eq!(f.path, "/home");
        assert!(f.covers_home && f.covers_worktree && !f.in_worktree);
        let root = FileFacts::of(Path::new("/../.."), &place());
        assert!(root.is_root && root.covers_home);
    }

    #[test]
    fn a_glob_reaches_what_its_base_directory_holds() {
        let f = FileFacts::of(Path::new("/home/dev/*"), &place());
        assert!(f.is_glob && f.covers_home && !f.is_root);
        let r = FileFacts::of(Path::new("/**"), &place());
        assert!(r.is_root);
        let t = FileFacts::of(Path::new("/home/dev/project/target/*"), &place());
        assert!(!t.covers_worktree && t.top == "target");
    }

    #[test]
    fn system_and_tmp() {
        assert!(FileFacts::of(Path::new("/etc/passwd"), &place()).in_system);
        let t = FileFacts::of(Path::new("/tmp/build"), &place());
        assert!(t.in_tmp && !t.in_system);
        assert!(!FileFacts::of(Path::new("/tmp"), &place()).in_tmp);
    }
}
