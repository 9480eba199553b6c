//! Groundwork for rewind and revert (issue 4): where a write may go, and what every file must be
//! to bring the work tree back to a recorded point. Nothing here writes yet.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use rusqlite::{Connection, params};

use crate::blob::BlobId;
use crate::error::{Error, Result};
use crate::query::{VERSION_COLS, Version, version_from};

/// Resolves a recorded path to the file rein may write. The path must be relative, stay inside
/// the work tree (no `..`, no absolute or empty components), never touch `.git`, and no
/// existing directory on the way may be a symlink: a crafted record or a planted link must
/// never make a restore write outside the tree.
pub fn safe_path(root: &Path, rel: &str) -> Result<PathBuf> {
    let refuse = |why: &str| Err(Error::Invalid(format!("refusing to write `{rel}`: {why}")));
    if rel.is_empty() {
        return refuse("the path is empty");
    }
    let rel_path = Path::new(rel);
    let mut out = root.to_path_buf();
    let mut parts = rel_path.components().peekable();
    while let Some(c) = parts.next() {
        match c {
            Component::Normal(name) => {
                if name == ".git" {
                    return refuse("rein never writes inside .git");
                }
                out.push(name);
                // Every existing ancestor must be a real directory, not a link.
                if parts.peek().is_some() {
                    match std::fs::symlink_metadata(&out) {
                        Ok(md) if md.file_type().is_symlink() => {
                            return refuse("a directory on its way is a symlink");
                        }
                        Ok(md) if !md.is_dir() => return refuse("a parent is not a directory"),
                        Ok(_) => {}
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                        Err(e) => return Err(Error::io(format!("checking {}", out.display()), e)),
                    }
                }
            }
            Component::ParentDir => return refuse("it climbs out with `..`"),
            Component::CurDir => return refuse("it has a `.` component"),
            Component::RootDir | Component::Prefix(_) => return refuse("it is absolute"),
        }
    }
    Ok(out)
}

/// What a file must be after the rewind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wanted {
    /// The file did not exist at the point: remove it.
    Absent,
    /// Its content and mode at the point.
    Content { blob: BlobId, mode: Option<u32> },
}

/// One file a rewind touches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanEntry {
    pub path: String,
    pub wanted: Wanted,
    /// The last state rein recorded (None: absent). The disk must match it, or rein reports
    /// the difference instead of guessing.
    pub recorded_now: Option<BlobId>,
    /// Changed from outside (not by an agent step) after the point.
    pub external_after: bool,
}

/// Every file changed at or after version `from` in a work tree, with its state just before.
/// Paths are in order; a rename contributes both of its names.
pub fn rewind_plan(conn: &Connection, worktree_id: i64, from: i64) -> Result<Vec<PlanEntry>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {VERSION_COLS} FROM file_versions WHERE worktree_id = ?1 AND id >= ?2 ORDER BY id"
    ))?;
    let versions = stmt
        .query_map(params![worktree_id, from], version_from)?
        .collect::<rusqlite::Result<Vec<Version>>>()?;
    let mut plan: BTreeMap<String, PlanEntry> = BTreeMap::new();
    for v in &versions {
        if v.change == "baseline" {
            // First sight of a file that already existed: its state did not change here.
            continue;
        }
        let external = v.origin == "external";
        // The name a rename came from: it held `before` at the point, and is gone now.
        if let Some(old) = &v.old_path {
            let e = plan.entry(old.clone()).or_insert_with(|| PlanEntry {
                path: old.clone(),
                wanted: before_of(v),
                recorded_now: None,
                external_after: false,
            });
            e.recorded_now = None;
            e.external_after |= external;
        }
        let first_state = if v.old_path.is_some() {
            Wanted::Absent
        } else {
            before_of(v)
        };
        let e = plan.entry(v.path.clone()).or_insert_with(|| PlanEntry {
            path: v.path.clone(),
            wanted: first_state,
            recorded_now: None,
            external_after: false,
        });
        e.recorded_now = v.after;
        e.external_after |= external;
    }
    // A file that ends as it started needs nothing.
    Ok(plan
        .into_values()
        .filter(|e| match (&e.wanted, e.recorded_now) {
            (Wanted::Absent, None) => false,
            (Wanted::Content { blob, .. }, Some(now)) => *blob != now,
            _ => true,
        })
        .collect())
}

fn before_of(v: &Version) -> Wanted {
    match v.before {
        Some(blob) => Wanted::Content {
            blob,
            mode: v.before_mode,
        },
        None => Wanted::Absent,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, crate::Store) {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = crate::Store::open(dir.path()).expect("open");
        store
            .conn()
            .execute(
                "INSERT INTO worktrees (id, root, created_at) VALUES (1, '/w', 0)",
                [],
            )
            .expect("worktree");
        (dir, store)
    }

    fn b(s: &str) -> BlobId {
        BlobId::of(s.as_bytes())
    }

    fn version(
        store: &crate::Store,
        path: &str,
        old: Option<&str>,
        origin: &str,
        change: &str,
        before: Option<&str>,
        after: Option<&str>,
    ) -> i64 {
        store
            .conn()
            .execute(
                "INSERT INTO file_versions (worktree_id, path, old_path, origin, change,
                     before_blob, after_blob, before_mode, after_mode, time)
                 VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, 420, 420, 0)",
                params![
                    path,
                    old,
                    origin,
                    change,
                    before.map(|s| b(s).0.to_vec()),
                    after.map(|s| b(s).0.to_vec())
                ],
            )
            .expect("version");
        store.conn().last_insert_rowid()
    }

    #[test]
    fn plan_restores_modified_removes_added_and_brings_back_deleted() {
        let (_d, s) = store();
        version(
            &s,
            "keep.txt",
            None,
            "baseline",
            "baseline",
            None,
            Some("k"),
        );
        let from = version(
            &s,
            "a.txt",
            None,
            "step",
            "modified",
            Some("a0"),
            Some("a1"),
        );
        version(
            &s,
            "a.txt",
            None,
            "step",
            "modified",
            Some("a1"),
            Some("a2"),
        );
        version(&s, "new.txt", None, "step", "added", None, Some("n"));
        version(&s, "gone.txt", None, "step", "deleted", Some("g"), None);
        version(
            &s,
            "mv-to.txt",
            Some("mv-from.txt"),
            "step",
            "renamed",
            Some("m"),
            Some("m"),
        );
        version(
            &s,
            "ext.txt",
            None,
            "external",
            "modified",
            Some("e0"),
            Some("e1"),
        );
        // Created and deleted again: nothing to do.
        version(&s, "tmp.txt", None, "step", "added", None, Some("t"));
        version(&s, "tmp.txt", None, "step", "deleted", Some("t"), None);
        let plan = rewind_plan(s.conn(), 1, from).expect("plan");
        let by: BTreeMap<&str, &PlanEntry> = plan.iter().map(|e| (e.path.as_str(), e)).collect();
        assert_eq!(
            by.keys().copied().collect::<Vec<_>>(),
            [
                "a.txt",
                "ext.txt",
                "gone.txt",
                "mv-from.txt",
                "mv-to.txt",
                "new.txt"
            ]
        );
        assert_eq!(
            by["a.txt"].wanted,
            Wanted::Content {
                blob: b("a0"),
                mode: Some(420)
            }
        );
        assert_eq!(by["a.txt"].recorded_now, Some(b("a2")));
        assert_eq!(by["new.txt"].wanted, Wanted::Absent);
        assert_eq!(
            by["gone.txt"].wanted,
            Wanted::Content {
                blob: b("g"),
                mode: Some(420)
            }
        );
        assert_eq!(by["gone.txt"].recorded_now, None);
        assert_eq!(
            by["mv-from.txt"].wanted,
            Wanted::Content {
                blob: b("m"),
                mode: Some(420)
            }
        );
        assert_eq!(by["mv-to.txt"].wanted, Wanted::Absent);
        assert!(by["ext.txt"].external_after && !by["a.txt"].external_after);
    }

    #[test]
    fn safe_path_refuses_escapes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        assert!(safe_path(root, "src/lib.rs").is_ok());
        for bad in [
            "",
            "../x",
            "a/../../x",
            "/etc/passwd",
            ".git/config",
            "a/.git/hooks/x",
            "./a",
        ] {
            assert!(safe_path(root, bad).is_err(), "{bad}");
        }
        std::fs::create_dir(root.join("real")).expect("mkdir");
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink("/tmp", root.join("link")).expect("symlink");
            assert!(safe_path(root, "link/x").is_err());
            // The final component may itself be a link: it is replaced, never followed.
            assert!(safe_path(root, "link").is_ok());
        }
        assert!(safe_path(root, "real/x").is_ok());
    }
}
