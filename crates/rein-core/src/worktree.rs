//! Work trees: finding the root of the git work tree that contains a path, and naming it.

use std::path::{Component, Path, PathBuf};

/// Walks up from `start` to the nearest directory containing `.git` (a directory, or a file for
/// linked work trees and submodules). `None` outside any git work tree.
pub fn find_root(start: &Path) -> Option<PathBuf> {
    let mut dir = Some(start);
    // Bounded by the path's depth.
    while let Some(d) = dir {
        if d.join(".git").exists() {
            return Some(d.to_path_buf());
        }
        dir = d.parent();
    }
    None
}

/// A stable short name for a work tree root, used for its directory in the store.
pub fn key(root: &Path) -> String {
    let hash = blake3::hash(root.as_os_str().as_encoded_bytes());
    hash.to_hex()[..16].to_owned()
}

/// Makes `path` relative to `root` without touching the file system (the file may not exist).
/// Returns `None` if the path is outside the root, or is not valid UTF-8, or escapes with `..`.
pub fn relative(root: &Path, path: &Path) -> Option<String> {
    let path = if path.is_absolute() {
        path.to_path_buf()
    } else {
        root.join(path)
    };
    let normalized = normalize(&path)?;
    let rel = normalized.strip_prefix(root).ok()?;
    if rel.as_os_str().is_empty() {
        return None;
    }
    let s = rel.to_str()?;
    if s.split('/').any(|c| c == ".git") {
        return None;
    }
    Some(s.to_owned())
}

/// Resolves `.` and `..` lexically. `None` if `..` would climb above the root of the path.
pub fn normalize(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths() {
        let root = Path::new("/w/repo");
        assert_eq!(
            relative(root, Path::new("/w/repo/a/b.txt")).as_deref(),
            Some("a/b.txt")
        );
        assert_eq!(
            relative(root, Path::new("a/./b.txt")).as_deref(),
            Some("a/b.txt")
        );
        assert_eq!(
            relative(root, Path::new("/w/repo/a/../c")).as_deref(),
            Some("c")
        );
        assert_eq!(relative(root, Path::new("/w/repo/../other/x")), None);
        assert_eq!(relative(root, Path::new("/etc/passwd")), None);
        assert_eq!(relative(root, Path::new("/w/repo")), None);
        assert_eq!(relative(root, Path::new("/w/repo/.git/config")), None);
    }

    #[test]
    fn find_root_walks_up() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join(".git")).expect("git");
        std::fs::create_dir_all(dir.path().join("a/b")).expect("dirs");
        assert_eq!(
            find_root(&dir.path().join("a/b")).as_deref(),
            Some(dir.path())
        );
    }
}
