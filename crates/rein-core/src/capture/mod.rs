//! Change capture: what changed in a work tree, with content before and after.
//!
//! Tools that declare their paths (Write, Edit, …) need only those paths. For the shell and any
//! tool that does not declare its paths, capture walks the tree comparing stats with a persistent
//! cache, and reads only the files whose stat changed. The same walk before a step finds external
//! changes. Cost: one stat per file (like `git status`) plus work proportional to what changed.

pub mod cache;
pub mod walk;

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rusqlite::{Connection, OptionalExtension, params};

use crate::blob::{self, BlobId, PreparedBlob};
use crate::error::{IoContext, Result};
use crate::store::{Layout, create_private_dir};

pub use cache::StatCache;
pub use walk::{WalkLimits, Walked};

/// What change detection compares for one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stat {
    pub size: u64,
    pub mtime_ns: i64,
    pub ctime_ns: i64,
    pub ino: u64,
    pub mode: u32,
}

/// Mode bits that matter for history: the file type and the permission bits.
pub fn significant_mode(mode: u32) -> u32 {
    mode & 0o170777
}

/// How a file changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    /// First sight of a file that already existed.
    Baseline,
    Added,
    Modified,
    Deleted,
    Renamed,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Baseline => "baseline",
            ChangeKind::Added => "added",
            ChangeKind::Modified => "modified",
            ChangeKind::Deleted => "deleted",
            ChangeKind::Renamed => "renamed",
        }
    }
    pub fn parse(s: &str) -> Option<ChangeKind> {
        Some(match s {
            "baseline" => ChangeKind::Baseline,
            "added" => ChangeKind::Added,
            "modified" => ChangeKind::Modified,
            "deleted" => ChangeKind::Deleted,
            "renamed" => ChangeKind::Renamed,
            _ => return None,
        })
    }
}

/// One detected change, not yet attributed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    pub path: String,
    pub old_path: Option<String>,
    pub kind: ChangeKind,
    pub before: Option<BlobId>,
    pub after: Option<BlobId>,
    pub before_mode: Option<u32>,
    pub after_mode: Option<u32>,
}

/// Capture settings.
#[derive(Debug, Clone)]
pub struct CaptureConfig {
    /// Capture files that `.gitignore` excludes.
    pub include_ignored: bool,
    /// Files larger than this are recorded by hash only.
    pub max_file_bytes: u64,
    /// A walk gives up (and says so) past this many files.
    pub max_files: usize,
    /// A walk gives up (and says so) past this time.
    pub walk_budget: Duration,
}

impl Default for CaptureConfig {
    fn default() -> Self {
        CaptureConfig {
            include_ignored: false,
            max_file_bytes: 32 << 20,
            max_files: 2_000_000,
            walk_budget: Duration::from_secs(20),
        }
    }
}

/// The last recorded state of a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Known {
    /// `None` when the file was recorded as deleted (or renamed away).
    pub blob: Option<BlobId>,
    pub mode: Option<u32>,
}

/// Looks up the last recorded state of `path` in a work tree; `None` if never recorded.
pub fn last_known(conn: &Connection, worktree_id: i64, path: &str) -> Result<Option<Known>> {
    type Row = (String, String, Option<Vec<u8>>, Option<u32>);
    let row: Option<Row> = conn
        .query_row(
            "SELECT path, change, after_blob, after_mode FROM (
                 SELECT id, path, change, after_blob, after_mode FROM file_versions
                  WHERE worktree_id = ?1 AND path = ?2
                 UNION ALL
                 SELECT id, path, change, after_blob, after_mode FROM file_versions
                  WHERE worktree_id = ?1 AND old_path = ?2
             ) ORDER BY id DESC LIMIT 1",
            params![worktree_id, path],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    Ok(row.map(|(p, change, blob, mode)| {
        if p != path || change == "deleted" {
            Known {
                blob: None,
                mode: None,
            }
        } else {
            Known {
                blob: blob.as_deref().and_then(BlobId::from_slice),
                mode,
            }
        }
    }))
}

/// What a file holds right now: hashed, not yet compressed (most files a hook looks at turn out
/// unchanged, and compressing them would be wasted on the hot path).
#[derive(Debug)]
pub struct Observed {
    pub id: BlobId,
    pub size: u64,
    /// `None` when the file is over the size limit and only its hash is kept.
    pub data: Option<Vec<u8>>,
    pub mode: u32,
}

impl Observed {
    /// Compresses the content for storing.
    pub fn into_blob(self, layout: &Layout) -> Result<PreparedBlob> {
        match self.data {
            Some(data) => PreparedBlob::prepare_hashed(layout, self.id, &data),
            None => Ok(PreparedBlob::absent(self.id, self.size)),
        }
    }
}

/// Reads a file (or symlink target) without following links, and hashes it.
/// `Ok(None)` when the path does not exist or is not a regular file or symlink.
pub fn observe(abs: &Path, max_bytes: u64) -> Result<Option<Observed>> {
    let md = match std::fs::symlink_metadata(abs) {
        Ok(md) => md,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => return Ok(None),
        Err(e) => return Err(crate::Error::io(format!("reading {}", abs.display()), e)),
    };
    let mode = significant_mode(md.mode());
    let ft = md.file_type();
    let data = if ft.is_symlink() {
        let target =
            std::fs::read_link(abs).context(|| format!("reading link {}", abs.display()))?;
        target.into_os_string().into_encoded_bytes()
    } else if ft.is_file() {
        match blob::read_bounded(abs, max_bytes) {
            Ok(Ok(data)) => data,
            Ok(Err(_too_large)) => {
                let (id, size) =
                    blob::hash_file(abs).context(|| format!("hashing {}", abs.display()))?;
                return Ok(Some(Observed {
                    id,
                    size,
                    data: None,
                    mode,
                }));
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(crate::Error::io(format!("reading {}", abs.display()), e)),
        }
    } else {
        return Ok(None);
    };
    Ok(Some(Observed {
        id: BlobId::of(&data),
        size: data.len() as u64,
        data: Some(data),
        mode,
    }))
}

/// Compares what is on disk for `path` with what was last recorded.
/// Returns the change (if any) and the blob to store for it.
pub fn compare_path(
    conn: &Connection,
    layout: &Layout,
    worktree_id: i64,
    root: &Path,
    path: &str,
    baselined: bool,
    max_bytes: u64,
) -> Result<Option<(FileChange, Option<PreparedBlob>)>> {
    let known = last_known(conn, worktree_id, path)?;
    let now = observe(&root.join(path), max_bytes)?;
    match diff_known(path, known, now, baselined) {
        Some((change, obs)) => Ok(Some((
            change,
            obs.map(|o| o.into_blob(layout)).transpose()?,
        ))),
        None => Ok(None),
    }
}

fn diff_known(
    path: &str,
    known: Option<Known>,
    now: Option<Observed>,
    baselined: bool,
) -> Option<(FileChange, Option<Observed>)> {
    let (before, before_mode) = match known {
        Some(k) => (k.blob, k.mode),
        None => (None, None),
    };
    let change = |kind, after, after_mode| FileChange {
        path: path.to_owned(),
        old_path: None,
        kind,
        before,
        after,
        before_mode,
        after_mode,
    };
    match now {
        None => {
            // Gone now: a deletion only if we knew it as present.
            before.map(|_| (change(ChangeKind::Deleted, None, None), None))
        }
        Some(obs) => {
            let id = obs.id;
            let kind = match (known, before) {
                (None, _) if !baselined => ChangeKind::Baseline,
                (None, _) | (Some(_), None) => ChangeKind::Added,
                (Some(_), Some(b)) => {
                    if b == id && before_mode == Some(obs.mode) {
                        return None;
                    }
                    ChangeKind::Modified
                }
            };
            let mode = obs.mode;
            Some((change(kind, Some(id), Some(mode)), Some(obs)))
        }
    }
}

/// The outcome of a walk-based scan.
#[derive(Debug, Default)]
pub struct ScanOutcome {
    pub changes: Vec<FileChange>,
    pub blobs: Vec<PreparedBlob>,
    /// The new cache to save after the changes are committed (absent if the walk was partial).
    pub cache: Option<StatCache>,
    pub complete: bool,
    pub files_seen: usize,
    pub files_read: usize,
}

/// Walks the work tree and finds every change since the last recorded state.
#[allow(clippy::too_many_arguments)]
pub fn scan(
    conn: &Connection,
    layout: &Layout,
    worktree_id: i64,
    root: &Path,
    baselined: bool,
    cached: Option<&StatCache>,
    config: &CaptureConfig,
) -> Result<ScanOutcome> {
    let started = Instant::now();
    let walk_started_ns = crate::time::now_micros().saturating_mul(1000);
    let mut walked = walk::walk(
        root,
        config.include_ignored,
        &WalkLimits {
            max_files: config.max_files,
            deadline: Some(started + config.walk_budget),
        },
    );
    // Sorted, the walk and the cache (saved sorted) compare by one merge, without hash maps:
    // on a 100,000-file tree those cost more than the walk's own bookkeeping.
    walked
        .entries
        .sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let on_disk = |p: &str| {
        walked
            .entries
            .binary_search_by(|(q, _)| q.as_bytes().cmp(p.as_bytes()))
            .is_ok()
    };

    // Candidates: files whose stat differs from the cache (or is racy), files gone since the
    // cache, and files recorded by declared-path steps since the cache was taken.
    let mut candidates: Vec<&str> = Vec::new();
    let mut extra: Vec<String> = Vec::new();
    let cached_entries: &[(String, cache::CachedStat)] = cached.map_or(&[], |c| &c.entries);
    let (mut i, mut j) = (0, 0);
    while i < walked.entries.len() || j < cached_entries.len() {
        let order = match (walked.entries.get(i), cached_entries.get(j)) {
            (Some((w, _)), Some((c, _))) => w.as_bytes().cmp(c.as_bytes()),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, _) => std::cmp::Ordering::Greater,
        };
        match order {
            std::cmp::Ordering::Less => {
                candidates.push(&walked.entries[i].0);
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                // Gone since the cache; only trusted when the walk saw everything.
                if walked.complete {
                    extra.push(cached_entries[j].0.clone());
                }
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                let (path, stat) = &walked.entries[i];
                let c = &cached_entries[j].1;
                if c.racy || c.stat != *stat {
                    candidates.push(path);
                }
                i += 1;
                j += 1;
            }
        }
    }
    if walked.complete {
        let since = cached.map_or(0, |c| c.last_version_id);
        let mut stmt = conn.prepare_cached(
            "SELECT DISTINCT path FROM file_versions WHERE worktree_id = ?1 AND id > ?2",
        )?;
        let recent = stmt.query_map(params![worktree_id, since], |r| r.get::<_, String>(0))?;
        for p in recent {
            let p = p?;
            if !on_disk(&p) {
                extra.push(p);
            }
        }
    }
    extra.sort_unstable();
    extra.dedup();

    let fresh = !baselined && cached.is_none();
    let mut out = ScanOutcome {
        complete: walked.complete,
        files_seen: walked.entries.len(),
        ..Default::default()
    };
    for path in candidates
        .iter()
        .copied()
        .chain(extra.iter().map(String::as_str))
    {
        // On a fresh tree nothing is known: skip the per-file lookup.
        let known = if fresh {
            None
        } else {
            last_known(conn, worktree_id, path)?
        };
        let now = observe(&root.join(path), config.max_file_bytes)?;
        out.files_read += usize::from(now.is_some());
        if let Some((change, obs)) = diff_known(path, known, now, baselined) {
            out.changes.push(change);
            if let Some(obs) = obs {
                out.blobs.push(obs.into_blob(layout)?);
            }
        }
    }
    pair_renames(&mut out.changes);
    out.changes.sort_by(|a, b| a.path.cmp(&b.path));
    // An unchanged tree keeps its cache as it is: rewriting it is the costliest part of a walk.
    let unchanged = cached.is_some() && candidates.is_empty() && extra.is_empty();
    if walked.complete && !unchanged {
        out.cache = Some(StatCache::from_walk(walked.entries, walk_started_ns, 0));
    }
    Ok(out)
}

/// Turns a deletion and an addition of identical content into one rename.
pub fn pair_renames(changes: &mut Vec<FileChange>) {
    let mut deleted: HashMap<BlobId, Vec<usize>> = HashMap::new();
    for (i, c) in changes.iter().enumerate() {
        if let (ChangeKind::Deleted, Some(b)) = (c.kind, c.before) {
            deleted.entry(b).or_default().push(i);
        }
    }
    if deleted.is_empty() {
        return;
    }
    let mut consumed = HashSet::new();
    for i in 0..changes.len() {
        if changes[i].kind != ChangeKind::Added {
            continue;
        }
        let Some(after) = changes[i].after else {
            continue;
        };
        let Some(list) = deleted.get_mut(&after) else {
            continue;
        };
        let Some(j) = list.pop() else { continue };
        consumed.insert(j);
        let old = changes[j].clone();
        let c = &mut changes[i];
        c.kind = ChangeKind::Renamed;
        c.old_path = Some(old.path);
        c.before = old.before;
        c.before_mode = old.before_mode;
    }
    let mut i = 0;
    changes.retain(|_| {
        let keep = !consumed.contains(&i);
        i += 1;
        keep
    });
}

/// An exclusive lock on one work tree's capture state, so concurrent hooks walk and commit one at
/// a time. Released on drop.
#[derive(Debug)]
pub struct WorktreeLock {
    _file: File,
    pub dir: PathBuf,
}

impl WorktreeLock {
    /// Takes the lock, waiting at most `wait`. `Ok(None)` on timeout.
    pub fn acquire(layout: &Layout, root: &Path, wait: Duration) -> Result<Option<WorktreeLock>> {
        let dir = layout.worktree_dir().join(crate::worktree::key(root));
        create_private_dir(&dir)?;
        let path = dir.join("lock");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .context(|| format!("opening {}", path.display()))?;
        let deadline = Instant::now() + wait;
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(Some(WorktreeLock { _file: file, dir })),
                Err(std::fs::TryLockError::WouldBlock) => {
                    if Instant::now() >= deadline {
                        return Ok(None);
                    }
                    std::thread::sleep(Duration::from_millis(2));
                }
                Err(std::fs::TryLockError::Error(e)) => {
                    return Err(crate::Error::io(format!("locking {}", path.display()), e));
                }
            }
        }
    }

    pub fn cache_path(&self) -> PathBuf {
        self.dir.join("stat-cache")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(path: &str, kind: ChangeKind, before: Option<u8>, after: Option<u8>) -> FileChange {
        FileChange {
            path: path.into(),
            old_path: None,
            kind,
            before: before.map(|b| BlobId([b; 32])),
            after: after.map(|b| BlobId([b; 32])),
            before_mode: before.map(|_| 0o100644),
            after_mode: after.map(|_| 0o100644),
        }
    }

    /// Runs a scan and records its changes the way the recorder does, returning them.
    fn scan_and_record(
        store: &crate::Store,
        root: &Path,
        cache: &mut Option<StatCache>,
        baselined: bool,
    ) -> (Vec<(String, ChangeKind)>, bool) {
        let out = scan(
            store.conn(),
            store.layout(),
            1,
            root,
            baselined,
            cache.as_ref(),
            &CaptureConfig::default(),
        )
        .expect("scan");
        for b in &out.blobs {
            b.insert(store.conn()).expect("blob");
        }
        for c in &out.changes {
            store
                .conn()
                .execute(
                    "INSERT INTO file_versions (worktree_id, path, old_path, origin, change,
                         before_blob, after_blob, before_mode, after_mode, time)
                     VALUES (1, ?1, ?2, 'external', ?3, ?4, ?5, ?6, ?7, 0)",
                    params![
                        c.path,
                        c.old_path,
                        c.kind.as_str(),
                        c.before.map(|b| b.0.to_vec()),
                        c.after.map(|b| b.0.to_vec()),
                        c.before_mode,
                        c.after_mode
                    ],
                )
                .expect("insert");
        }
        let rewrote = out.cache.is_some();
        if let Some(mut c) = out.cache {
            c.last_version_id = store
                .conn()
                .query_row("SELECT COALESCE(MAX(id), 0) FROM file_versions", [], |r| {
                    r.get(0)
                })
                .expect("max");
            // Age the entries so nothing counts as racy: the test writes faster than a tick.
            for (_, e) in &mut c.entries {
                e.racy = false;
            }
            *cache = Some(c);
        }
        let changes = out
            .changes
            .iter()
            .map(|c| (c.path.clone(), c.kind))
            .collect();
        (changes, rewrote)
    }

    #[test]
    fn scan_finds_every_kind_of_change_and_keeps_an_unchanged_cache() {
        let home = tempfile::tempdir().expect("tempdir");
        let tree = tempfile::tempdir().expect("tempdir");
        let root = tree.path();
        let store = crate::Store::open(home.path()).expect("store");
        store
            .conn()
            .execute(
                "INSERT INTO worktrees (id, root, created_at) VALUES (1, 'x', 0)",
                [],
            )
            .expect("worktree");
        std::fs::create_dir_all(root.join("a/b")).expect("mkdir");
        std::fs::write(root.join("a/b/keep.txt"), "keep\n").expect("w");
        std::fs::write(root.join("edit.txt"), "one\n").expect("w");
        std::fs::write(root.join("gone.txt"), "bye\n").expect("w");
        std::fs::write(root.join("move.txt"), "moving\n").expect("w");
        std::fs::write(root.join(".gitignore"), "ignored/\n").expect("w");
        let mut cache = None;

        let (first, _) = scan_and_record(&store, root, &mut cache, false);
        assert_eq!(first.len(), 5, "{first:?}");
        assert!(first.iter().all(|(_, k)| *k == ChangeKind::Baseline));

        let (none, rewrote) = scan_and_record(&store, root, &mut cache, true);
        assert_eq!(none, vec![]);
        assert!(!rewrote, "an unchanged tree must keep its cache");

        std::fs::write(root.join("edit.txt"), "one\ntwo\n").expect("w");
        std::fs::remove_file(root.join("gone.txt")).expect("rm");
        std::fs::rename(root.join("move.txt"), root.join("a/moved.txt")).expect("mv");
        std::fs::create_dir_all(root.join("ignored")).expect("mkdir");
        std::fs::write(root.join("ignored/x.txt"), "x\n").expect("w");
        std::fs::write(root.join("a/b/new.txt"), "new\n").expect("w");
        let (changes, rewrote) = scan_and_record(&store, root, &mut cache, true);
        assert!(rewrote);
        assert_eq!(
            changes,
            vec![
                ("a/b/new.txt".to_owned(), ChangeKind::Added),
                ("a/moved.txt".to_owned(), ChangeKind::Renamed),
                ("edit.txt".to_owned(), ChangeKind::Modified),
                ("gone.txt".to_owned(), ChangeKind::Deleted),
            ]
        );
    }

    #[test]
    fn renames_pair_identical_content() {
        let mut changes = vec![
            change("a", ChangeKind::Deleted, Some(1), None),
            change("b", ChangeKind::Added, None, Some(1)),
            change("c", ChangeKind::Added, None, Some(2)),
        ];
        pair_renames(&mut changes);
        assert_eq!(changes.len(), 2);
        assert_eq!(changes[0].kind, ChangeKind::Renamed);
        assert_eq!(changes[0].old_path.as_deref(), Some("a"));
        assert_eq!(changes[0].path, "b");
        assert_eq!(changes[1].kind, ChangeKind::Added);
    }
}
