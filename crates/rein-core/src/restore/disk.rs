//! Reading and writing work-tree files for an operation. Paths are validated before anything is
//! read or written, links are never followed, content is streamed, and each file is replaced
//! atomically (written aside, then renamed over).

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};

use rusqlite::Connection;

use crate::blob::{self, BlobId, PreparedBlob};
use crate::capture::significant_mode;
use crate::error::{Error, IoContext, Result};
use crate::store::Layout;

const S_IFMT: u32 = 0o170000;
const S_IFLNK: u32 = 0o120000;
const S_IFREG: u32 = 0o100000;

/// Files up to this size are held in memory while planning; larger ones are hashed and later
/// stored by streaming.
const IN_MEMORY_MAX: u64 = 8 << 20;

/// A file's state: absent, or its content and mode (file type and permission bits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileState {
    Absent,
    Present { blob: BlobId, mode: u32 },
}

impl FileState {
    /// From a recorded blob and mode (a missing mode means a plain file).
    pub fn from_parts(blob: Option<BlobId>, mode: Option<u32>) -> FileState {
        match blob {
            None => FileState::Absent,
            Some(blob) => FileState::Present {
                blob,
                mode: mode.unwrap_or(S_IFREG | 0o644),
            },
        }
    }
    pub fn blob(&self) -> Option<BlobId> {
        match self {
            FileState::Absent => None,
            FileState::Present { blob, .. } => Some(*blob),
        }
    }
    pub fn mode(&self) -> Option<u32> {
        match self {
            FileState::Absent => None,
            FileState::Present { mode, .. } => Some(*mode),
        }
    }
    pub fn is_symlink(&self) -> bool {
        matches!(self, FileState::Present { mode, .. } if mode & S_IFMT == S_IFLNK)
    }
}

/// Whether a mode is a symlink's.
pub fn mode_is_symlink(mode: u32) -> bool {
    mode & S_IFMT == S_IFLNK
}

/// Resolves a recorded path to the file rein may write. The path must be relative, stay inside
/// the work tree (no `..`, no absolute or empty components), never touch `.git`, and no
/// existing directory on the way may be a symlink: a crafted record or a planted link must
/// never make a restore read or write outside the tree.
pub fn safe_path(root: &Path, rel: &str) -> Result<PathBuf> {
    let refuse = |why: &str| Err(Error::Invalid(format!("refusing to write `{rel}`: {why}")));
    if rel.is_empty() {
        return refuse("the path is empty");
    }
    if rel.contains('\0') {
        return refuse("it contains a NUL byte");
    }
    let mut out = root.to_path_buf();
    let mut parts = Path::new(rel).components().peekable();
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

/// What stands at a path now.
#[derive(Debug)]
pub struct Seen {
    pub state: FileState,
    /// Something rein does not restore over: "a directory", "a special file".
    pub other: Option<&'static str>,
    data: Option<Vec<u8>>,
}

impl Seen {
    pub(crate) fn new(state: FileState, other: Option<&'static str>) -> Seen {
        Seen {
            state,
            other,
            data: None,
        }
    }

    /// The content, when it was small enough to hold in memory.
    pub fn data(&self) -> Option<&[u8]> {
        self.data.as_deref()
    }

    /// Keeps the content in the store (the op log needs it to undo), streaming large files.
    /// Fails if the file changed since it was looked at.
    pub fn keep(&self, layout: &Layout, abs: &Path) -> Result<Option<PreparedBlob>> {
        let FileState::Present { blob, .. } = self.state else {
            return Ok(None);
        };
        let prepared = match &self.data {
            Some(data) => PreparedBlob::prepare_hashed(layout, blob, data)?,
            None => blob::prepare_streaming(layout, abs)?,
        };
        if prepared.id != blob {
            return Err(Error::Invalid(format!(
                "{} changed while rein was reading it; run the command again",
                abs.display()
            )));
        }
        Ok(Some(prepared))
    }
}

/// Looks at a path without following a link at its end. The path must come from [`safe_path`].
pub fn look(abs: &Path) -> Result<Seen> {
    let absent = Seen {
        state: FileState::Absent,
        other: None,
        data: None,
    };
    let md = match std::fs::symlink_metadata(abs) {
        Ok(md) => md,
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
            ) =>
        {
            return Ok(absent);
        }
        Err(e) => return Err(Error::io(format!("reading {}", abs.display()), e)),
    };
    let mode = significant_mode(md.mode());
    let ft = md.file_type();
    let (blob, data) = if ft.is_symlink() {
        let target =
            std::fs::read_link(abs).context(|| format!("reading link {}", abs.display()))?;
        let data = target.into_os_string().into_encoded_bytes();
        (BlobId::of(&data), Some(data))
    } else if ft.is_file() {
        match blob::read_bounded(abs, IN_MEMORY_MAX)
            .context(|| format!("reading {}", abs.display()))?
        {
            Ok(data) => (BlobId::of(&data), Some(data)),
            Err(_) => (
                blob::hash_file(abs)
                    .context(|| format!("hashing {}", abs.display()))?
                    .0,
                None,
            ),
        }
    } else {
        let what = if ft.is_dir() {
            "a directory"
        } else {
            "a special file"
        };
        return Ok(Seen {
            other: Some(what),
            ..absent
        });
    };
    Ok(Seen {
        state: FileState::Present { blob, mode },
        other: None,
        data,
    })
}

/// A change made ready: the new content already written aside (or a removal).
#[derive(Debug)]
pub struct Staged {
    pub rel: String,
    abs: PathBuf,
    tmp: Option<PathBuf>,
}

impl Staged {
    pub fn is_removal(&self) -> bool {
        self.tmp.is_none()
    }
}

/// The name of the file an operation writes aside before renaming it into place; recovery
/// looks for it to clean up after a crash.
pub fn staging_name(op: i64, seq: i64, suffix: &str) -> String {
    format!(".rein-op-{op}-{seq}{suffix}.tmp")
}

/// Writes `want` aside, next to its destination when the directory exists (else at the root,
/// the same file system), so that [`commit`] is a rename. Nothing visible changes yet.
pub fn stage(
    conn: &Connection,
    layout: &Layout,
    root: &Path,
    rel: &str,
    want: FileState,
    tmp_name: &str,
) -> Result<Staged> {
    let abs = safe_path(root, rel)?;
    let FileState::Present { blob, mode } = want else {
        return Ok(Staged {
            rel: rel.to_owned(),
            abs,
            tmp: None,
        });
    };
    let dir = abs
        .parent()
        .filter(|p| std::fs::symlink_metadata(p).is_ok_and(|m| m.is_dir()))
        .unwrap_or(root);
    let tmp = dir.join(tmp_name);
    let _ = std::fs::remove_file(&tmp);
    let written = if mode_is_symlink(mode) {
        write_link(conn, layout, &blob, &tmp)
    } else {
        write_file(conn, layout, &blob, mode, &tmp)
    };
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    Ok(Staged {
        rel: rel.to_owned(),
        abs,
        tmp: Some(tmp),
    })
}

fn write_link(conn: &Connection, layout: &Layout, blob: &BlobId, tmp: &Path) -> Result<()> {
    use std::os::unix::ffi::OsStringExt;
    let target = blob::read(conn, layout, blob)?.ok_or_else(|| not_stored(blob))?;
    let target = std::ffi::OsString::from_vec(target);
    std::os::unix::fs::symlink(&target, tmp).context(|| format!("creating {}", tmp.display()))
}

fn write_file(
    conn: &Connection,
    layout: &Layout,
    blob: &BlobId,
    mode: u32,
    tmp: &Path,
) -> Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(tmp)
        .context(|| format!("creating {}", tmp.display()))?;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    if !blob::copy_to(conn, layout, blob, &mut out)? {
        return Err(not_stored(blob));
    }
    let file = out
        .into_inner()
        .map_err(|e| Error::io(format!("writing {}", tmp.display()), e.into_error()))?;
    (&file)
        .flush()
        .context(|| format!("writing {}", tmp.display()))?;
    // Only the permission bits: never setuid, setgid or sticky from a record.
    file.set_permissions(std::fs::Permissions::from_mode(mode & 0o777))
        .context(|| format!("setting the mode of {}", tmp.display()))
}

fn not_stored(blob: &BlobId) -> Error {
    Error::Invalid(format!(
        "the content {} was recorded by hash only (larger than the capture limit), so rein cannot write it",
        blob.short()
    ))
}

/// Puts a staged change in place: a rename, or a removal followed by pruning the directories it
/// left empty. Never removes a directory that still holds anything.
pub fn commit(root: &Path, staged: &Staged) -> Result<()> {
    // The path was checked when staged; check again in case a link appeared since.
    let abs = safe_path(root, &staged.rel)?;
    debug_assert_eq!(abs, staged.abs);
    match &staged.tmp {
        None => {
            match std::fs::symlink_metadata(&abs) {
                Ok(md) if md.is_dir() => {
                    return Err(Error::Invalid(format!(
                        "refusing to remove `{}`: it is a directory now",
                        staged.rel
                    )));
                }
                Ok(_) => {
                    std::fs::remove_file(&abs).context(|| format!("removing {}", abs.display()))?
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(Error::io(format!("removing {}", abs.display()), e)),
            }
            prune_empty_dirs(root, &abs);
            Ok(())
        }
        Some(tmp) => {
            if let Some(parent) = abs.parent() {
                std::fs::create_dir_all(parent)
                    .context(|| format!("creating {}", parent.display()))?;
            }
            if std::fs::symlink_metadata(&abs).is_ok_and(|m| m.is_dir()) {
                return Err(Error::Invalid(format!(
                    "refusing to replace `{}`: it is a directory now",
                    staged.rel
                )));
            }
            std::fs::rename(tmp, &abs).context(|| format!("replacing {}", abs.display()))
        }
    }
}

/// Drops a staged file that will not be committed.
pub fn discard(staged: &Staged) {
    if let Some(tmp) = &staged.tmp {
        let _ = std::fs::remove_file(tmp);
    }
}

/// Removes the directories above `abs` that are now empty, up to (never including) the root.
fn prune_empty_dirs(root: &Path, abs: &Path) {
    let mut dir = abs.parent();
    while let Some(d) = dir {
        if d == root || !d.starts_with(root) {
            break;
        }
        // remove_dir fails on a directory that still holds anything: exactly the check we want.
        if std::fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
}

/// Flushes everything written to the work tree's file system in one call, instead of one
/// fsync per file (a thousand fsyncs cost seconds).
pub fn sync(root: &Path) -> Result<()> {
    let dir = std::fs::File::open(root).context(|| format!("opening {}", root.display()))?;
    rustix::fs::syncfs(&dir).map_err(|e| Error::io(format!("syncing {}", root.display()), e.into()))
}

/// Removes a leftover staging file of an interrupted operation, wherever it was put.
pub fn remove_leftover(root: &Path, rel: &str, tmp_name: &str) {
    if let Ok(abs) = safe_path(root, rel)
        && let Some(parent) = abs.parent()
    {
        let _ = std::fs::remove_file(parent.join(tmp_name));
    }
    let _ = std::fs::remove_file(root.join(tmp_name));
}

#[cfg(test)]
mod tests {
    use super::*;

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
            "a\0b",
        ] {
            assert!(safe_path(root, bad).is_err(), "{bad:?}");
        }
        std::fs::create_dir(root.join("real")).expect("mkdir");
        std::os::unix::fs::symlink("/tmp", root.join("link")).expect("symlink");
        assert!(safe_path(root, "link/x").is_err());
        // The final component may itself be a link: it is replaced, never followed.
        assert!(safe_path(root, "link").is_ok());
        assert!(safe_path(root, "real/x").is_ok());
    }

    #[test]
    fn prune_stops_at_a_non_empty_dir_and_never_removes_the_root() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        std::fs::create_dir_all(root.join("a/b/c")).expect("mkdir");
        std::fs::write(root.join("a/keep"), "k").expect("write");
        prune_empty_dirs(root, &root.join("a/b/c/file"));
        assert!(!root.join("a/b").exists());
        assert!(root.join("a/keep").exists());
        prune_empty_dirs(root, &root.join("file"));
        assert!(root.exists());
    }
}
