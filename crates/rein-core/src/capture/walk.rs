//! A parallel, bounded walk of a work tree that stats every file (never reads contents), honoring
//! `.gitignore` unless told otherwise. This is the only O(repository) work capture does, and it is
//! the same work `git status` does.

use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

use ignore::{WalkBuilder, WalkState};

use super::Stat;

/// Limits that keep a walk bounded on enormous or hostile trees.
#[derive(Debug, Clone)]
pub struct WalkLimits {
    pub max_files: usize,
    pub deadline: Option<Instant>,
}

/// The result of a walk.
#[derive(Debug, Default)]
pub struct Walked {
    /// (relative path, stat) of every regular file and symlink, unsorted.
    pub entries: Vec<(String, Stat)>,
    /// False when a limit stopped the walk early; the entries are then partial.
    pub complete: bool,
    /// Entries skipped because their names are not UTF-8 or they could not be read.
    pub skipped: usize,
}

/// Walks `root`. With `include_ignored`, git's ignore rules are not applied (`.git` is always
/// skipped).
pub fn walk(root: &Path, include_ignored: bool, limits: &WalkLimits) -> Walked {
    let respect = !include_ignored;
    let mut builder = WalkBuilder::new(root);
    builder
        .hidden(false)
        .parents(false)
        .ignore(false)
        .git_ignore(respect)
        .git_exclude(respect)
        .git_global(respect)
        .require_git(false)
        .follow_links(false)
        .threads(2)
        .filter_entry(|e| e.file_name() != ".git");
    let shared = Mutex::new(Vec::<(String, Stat)>::new());
    let count = AtomicUsize::new(0);
    let skipped = AtomicUsize::new(0);
    let stopped = AtomicBool::new(false);
    let root_len = root.as_os_str().len();

    builder.build_parallel().run(|| {
        let mut local = Flush {
            buf: Vec::with_capacity(4096),
            shared: &shared,
        };
        let count = &count;
        let skipped = &skipped;
        let stopped = &stopped;
        Box::new(move |entry| {
            let Ok(entry) = entry else {
                skipped.fetch_add(1, Ordering::Relaxed);
                return WalkState::Continue;
            };
            let Some(ft) = entry.file_type() else {
                return WalkState::Continue;
            };
            if !(ft.is_file() || ft.is_symlink()) {
                return WalkState::Continue;
            }
            let n = count.fetch_add(1, Ordering::Relaxed);
            if n >= limits.max_files
                || (n.is_multiple_of(1024) && limits.deadline.is_some_and(|d| Instant::now() > d))
            {
                stopped.store(true, Ordering::Relaxed);
                return WalkState::Quit;
            }
            let path = entry.path();
            let Some(rel) = path
                .to_str()
                .and_then(|s| s.get(root_len..))
                .map(|s| s.trim_start_matches('/'))
            else {
                skipped.fetch_add(1, Ordering::Relaxed);
                return WalkState::Continue;
            };
            match entry.metadata() {
                Ok(md) => local.buf.push((rel.to_owned(), Stat::from_metadata(&md))),
                Err(_) => {
                    skipped.fetch_add(1, Ordering::Relaxed);
                }
            }
            WalkState::Continue
        })
    });

    Walked {
        entries: shared.into_inner().unwrap_or_else(|p| p.into_inner()),
        complete: !stopped.load(Ordering::Relaxed),
        skipped: skipped.load(Ordering::Relaxed),
    }
}

/// A per-thread buffer that hands its entries over when the thread's visitor is dropped, so the
/// shared vector's lock is taken once per thread, not once per file.
struct Flush<'a> {
    buf: Vec<(String, Stat)>,
    shared: &'a Mutex<Vec<(String, Stat)>>,
}

impl Drop for Flush<'_> {
    fn drop(&mut self) {
        let mut shared = self.shared.lock().unwrap_or_else(|p| p.into_inner());
        shared.append(&mut self.buf);
    }
}

impl Stat {
    /// Extracts what change detection compares.
    pub fn from_metadata(md: &std::fs::Metadata) -> Stat {
        Stat {
            size: md.size(),
            mtime_ns: md
                .mtime()
                .saturating_mul(1_000_000_000)
                .saturating_add(md.mtime_nsec()),
            ctime_ns: md
                .ctime()
                .saturating_mul(1_000_000_000)
                .saturating_add(md.ctime_nsec()),
            ino: md.ino(),
            mode: md.mode(),
        }
    }
}
