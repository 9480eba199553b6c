//! What git knows about a scanned file, read from the repository on disk without running git (a
//! repository's own config can make git run programs: `core.fsmonitor`, for one): whether its
//! index tracks the file, and whether its ignore rules (`.gitignore` files and
//! `.git/info/exclude`) match it. The user's global excludes are not read, so that a scan of the
//! same tree says the same on every machine.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hasher};
use std::io::Read;
use std::path::{Path, PathBuf};

use ignore::Match;
use ignore::gitignore::{Gitignore, GitignoreBuilder};

/// The largest index read: a repository of a million files has an index of about 100 MiB.
const MAX_INDEX_BYTES: u64 = 512 << 20;
/// The largest `.gitignore`, `info/exclude`, `.git` link, `commondir` or config file read.
const MAX_SMALL_FILE_BYTES: u64 = 1 << 20;
/// Directories walked up from a file to find its repository.
const MAX_DEPTH: usize = 256;

/// What git says about one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GitStatus {
    /// Whether the index tracks the file: `None` outside a git repository, or when the index
    /// cannot be read (a format rein does not read, such as a split index).
    pub tracked: Option<bool>,
    /// Whether the ignore rules match the file, or a directory above it. Always false outside a
    /// git repository.
    pub ignored: bool,
}

/// The git repositories met during a scan, each read once.
#[derive(Default)]
pub struct GitView {
    ceiling: Option<PathBuf>,
    /// Directory → the work tree that contains it (`None`: no repository).
    work_trees: HashMap<PathBuf, Option<PathBuf>>,
    repos: HashMap<PathBuf, Repo>,
}

struct Repo {
    /// Hashes of the paths the index tracks (sparse directories with their trailing `/`),
    /// sorted; `None` when the index cannot be read.
    tracked: Option<Vec<u64>>,
    exclude: Option<Gitignore>,
    /// Directory under the work tree (`""` for its root) → its `.gitignore`, read once.
    ignores: HashMap<String, Option<Gitignore>>,
}

impl GitView {
    /// A view that looks for repositories in a file's directory and the directories above it,
    /// up to `ceiling` (searched itself, its parents not; `None`: up to the file system root).
    pub fn new(ceiling: Option<PathBuf>) -> GitView {
        GitView {
            ceiling: ceiling.map(|c| c.canonicalize().unwrap_or(c)),
            ..GitView::default()
        }
    }

    /// What git says about the file at `path`.
    pub fn status(&mut self, path: &Path) -> GitStatus {
        // Walk up from the real directory (`rein scan .` from a subdirectory, `..`, symlinked
        // directories); the file itself stays as named, since git tracks a link, not its target.
        let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
            return GitStatus::default();
        };
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        let Ok(dir) = dir.canonicalize() else {
            return GitStatus::default();
        };
        let Some(work_tree) = self.work_tree(&dir) else {
            return GitStatus::default();
        };
        let Some(rel) = relative(&work_tree, &dir.join(name)) else {
            return GitStatus::default();
        };
        let repo = self
            .repos
            .entry(work_tree.clone())
            .or_insert_with(|| Repo::open(&work_tree));
        let tracked = repo.tracked.as_ref().map(|t| is_tracked(t, &rel));
        let ignored = tracked != Some(true) && repo.is_ignored(&work_tree, &rel);
        GitStatus { tracked, ignored }
    }

    /// The nearest directory at or above `dir` that holds `.git` (a directory, or a file for
    /// linked work trees and submodules), no higher than the ceiling.
    fn work_tree(&mut self, dir: &Path) -> Option<PathBuf> {
        let mut visited = Vec::new();
        let mut current = Some(dir);
        let mut found = None;
        while let Some(d) = current {
            if visited.len() > MAX_DEPTH {
                break;
            }
            if let Some(known) = self.work_trees.get(d) {
                found = known.clone();
                break;
            }
            visited.push(d.to_path_buf());
            if std::fs::symlink_metadata(d.join(".git")).is_ok() {
                found = Some(d.to_path_buf());
                break;
            }
            if self.ceiling.as_deref() == Some(d) {
                break;
            }
            current = d.parent();
        }
        for d in visited {
            self.work_trees.insert(d, found.clone());
        }
        found
    }
}

impl Repo {
    fn open(work_tree: &Path) -> Repo {
        let git_dir = git_dir(work_tree);
        let common_dir = git_dir.as_deref().map(common_dir);
        let tracked = git_dir.as_deref().and_then(|g| {
            let hash_len = common_dir.as_deref().map_or(20, hash_len);
            match std::fs::metadata(g.join("index")) {
                // A repository without an index tracks nothing yet.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Some(Vec::new()),
                Err(_) => None,
                Ok(_) => read_bounded(&g.join("index"), MAX_INDEX_BYTES)
                    .and_then(|bytes| parse_index(&bytes, hash_len)),
            }
        });
        let exclude = common_dir
            .as_deref()
            .and_then(|c| ignore_file(work_tree, &c.join("info").join("exclude")));
        Repo {
            tracked,
            exclude,
            ignores: HashMap::new(),
        }
    }

    /// Git's rules: a file is ignored when a directory above it is (a file in an ignored
    /// directory cannot be re-included), or when the nearest rule that matches it ignores it.
    /// Rules in a deeper `.gitignore` win over shallower ones, and all of them over
    /// `info/exclude`; within one file, the last matching pattern wins.
    fn is_ignored(&mut self, work_tree: &Path, rel: &str) -> bool {
        let parts: Vec<&str> = rel.split('/').collect();
        for end in 1..=parts.len() {
            let path = parts[..end].join("/");
            let is_dir = end < parts.len();
            match self.matched(work_tree, &parts[..end - 1], &path, is_dir) {
                Match::Ignore(_) => return true,
                Match::Whitelist(_) | Match::None => {}
            }
        }
        false
    }

    fn matched(&mut self, work_tree: &Path, dirs: &[&str], path: &str, is_dir: bool) -> Match<()> {
        let abs = work_tree.join(path);
        for depth in (0..=dirs.len()).rev() {
            let dir = dirs[..depth].join("/");
            let gitignore = self.ignores.entry(dir.clone()).or_insert_with(|| {
                let base = if dir.is_empty() {
                    work_tree.to_path_buf()
                } else {
                    work_tree.join(&dir)
                };
                ignore_file(&base, &base.join(".gitignore"))
            });
            if let Some(gi) = gitignore {
                match gi.matched(&abs, is_dir) {
                    Match::None => {}
                    Match::Ignore(_) => return Match::Ignore(()),
                    Match::Whitelist(_) => return Match::Whitelist(()),
                }
            }
        }
        match self.exclude.as_ref().map(|gi| gi.matched(&abs, is_dir)) {
            Some(Match::Ignore(_)) => Match::Ignore(()),
            Some(Match::Whitelist(_)) => Match::Whitelist(()),
            _ => Match::None,
        }
    }
}

/// The repository directory of a work tree: `.git` itself, or where a `.git` file
/// (`gitdir: …`) points.
fn git_dir(work_tree: &Path) -> Option<PathBuf> {
    let dot_git = work_tree.join(".git");
    let md = std::fs::symlink_metadata(&dot_git).ok()?;
    if md.is_dir() {
        return Some(dot_git);
    }
    let text = String::from_utf8(read_bounded(&dot_git, MAX_SMALL_FILE_BYTES)?).ok()?;
    let target = text.lines().next()?.strip_prefix("gitdir:")?.trim();
    (!target.is_empty()).then(|| work_tree.join(target))
}

/// Where a repository keeps what its linked work trees share (`info/exclude`, `config`).
fn common_dir(git_dir: &Path) -> PathBuf {
    read_bounded(&git_dir.join("commondir"), MAX_SMALL_FILE_BYTES)
        .and_then(|b| String::from_utf8(b).ok())
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .map_or_else(|| git_dir.to_path_buf(), |t| git_dir.join(t))
}

/// The length of an object name in this repository: 32 bytes with
/// `extensions.objectFormat = sha256`, else 20 (SHA-1).
fn hash_len(common_dir: &Path) -> usize {
    let Some(text) = read_bounded(&common_dir.join("config"), MAX_SMALL_FILE_BYTES)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
    else {
        return 20;
    };
    let mut section = String::new();
    for line in text.lines() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix('[') {
            section = rest
                .split([']', ' ', '"'])
                .next()
                .unwrap_or("")
                .to_ascii_lowercase();
        } else if section == "extensions"
            && let Some((key, value)) = line.split_once('=')
            && key.trim().eq_ignore_ascii_case("objectformat")
            && value.trim().eq_ignore_ascii_case("sha256")
        {
            return 32;
        }
    }
    20
}

/// A `.gitignore`-style file whose patterns are relative to `base`, read bounded; `None` when it
/// is missing or holds no pattern.
fn ignore_file(base: &Path, file: &Path) -> Option<Gitignore> {
    let bytes = read_bounded(file, MAX_SMALL_FILE_BYTES)?;
    let text = String::from_utf8_lossy(&bytes);
    let mut builder = GitignoreBuilder::new(base);
    for line in text.lines() {
        // A line that is not a valid pattern matches nothing, as in git.
        let _ = builder.add_line(Some(file.to_path_buf()), line);
    }
    builder.build().ok().filter(|gi| !gi.is_empty())
}

fn read_bounded(path: &Path, max: u64) -> Option<Vec<u8>> {
    let file = std::fs::File::open(path).ok()?;
    let mut bytes = Vec::new();
    file.take(max + 1).read_to_end(&mut bytes).ok()?;
    (bytes.len() as u64 <= max).then_some(bytes)
}

/// `work_tree/a/b` → `a/b`; `None` outside the work tree or for a path that is not UTF-8.
fn relative(work_tree: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(work_tree).ok()?;
    let parts: Option<Vec<&str>> = rel.components().map(|c| c.as_os_str().to_str()).collect();
    let parts = parts?;
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// Whether `rel` is in the index, or inside a directory a sparse index keeps as one entry.
fn is_tracked(tracked: &[u64], rel: &str) -> bool {
    let has = |p: &[u8]| tracked.binary_search(&path_hash(p)).is_ok();
    has(rel.as_bytes())
        || rel
            .match_indices('/')
            .any(|(i, _)| has(&rel.as_bytes()[..=i]))
}

/// A path's key in the tracked set. A collision could only make an untracked file look
/// tracked, which makes its findings stricter, never laxer.
fn path_hash(path: &[u8]) -> u64 {
    let mut h = DefaultHasher::new();
    h.write(path);
    h.finish()
}

/// The paths a git index (`DIRC`, versions 2 to 4) tracks, as [`path_hash`]es, sorted. `None`
/// when the bytes are not an index rein can read completely: a split index (its `link`
/// extension keeps most entries in another file) or anything malformed.
pub fn parse_index(b: &[u8], hash_len: usize) -> Option<Vec<u64>> {
    let be32 = |at: usize| -> Option<u32> {
        let bytes: [u8; 4] = b.get(at..at.checked_add(4)?)?.try_into().ok()?;
        Some(u32::from_be_bytes(bytes))
    };
    if b.get(..4)? != b"DIRC" {
        return None;
    }
    let version = be32(4)?;
    if !(2..=4).contains(&version) {
        return None;
    }
    let count = usize::try_from(be32(8)?).ok()?;
    // Ctime, mtime, dev, ino, mode, uid, gid and size (4 bytes each), then the object name.
    let fixed = 40 + hash_len;
    let mut out = Vec::with_capacity(count.min(b.len() / (fixed + 2)));
    let mut at = 12usize;
    let mut previous: Vec<u8> = Vec::new();
    for _ in 0..count {
        let flags_at = at.checked_add(fixed)?;
        let flags: [u8; 2] = b.get(flags_at..flags_at + 2)?.try_into().ok()?;
        let flags = u16::from_be_bytes(flags);
        let mut name_at = flags_at + 2;
        if flags & 0x4000 != 0 {
            if version < 3 {
                return None;
            }
            name_at += 2;
        }
        let name_len = usize::from(flags & 0x0fff);
        let length = if version == 4 {
            // The path is the previous one, minus a number of bytes, plus a suffix.
            let (strip, used) = varint(b.get(name_at..)?)?;
            let start = name_at + used;
            let nul = b.get(start..)?.iter().position(|&c| c == 0)?;
            let keep = previous.len().checked_sub(strip)?;
            previous.truncate(keep);
            previous.extend_from_slice(&b[start..start + nul]);
            out.push(path_hash(&previous));
            at = start + nul + 1;
            previous.len()
        } else {
            let nul = b.get(name_at..)?.iter().position(|&c| c == 0)?;
            out.push(path_hash(&b[name_at..name_at + nul]));
            // Padded with 1 to 8 NULs to a multiple of 8 bytes from the entry's start.
            at = at.checked_add((name_at - at + nul + 8) & !7)?;
            nul
        };
        if length == 0 || (name_len < 0x0fff && name_len != length) {
            return None;
        }
    }
    // The entries end before the checksum that closes the file.
    let end = b.len().checked_sub(hash_len)?;
    if at > end {
        return None;
    }
    while at.checked_add(8)? <= end {
        if b.get(at..at + 4)? == b"link" {
            return None;
        }
        let size = usize::try_from(be32(at + 4)?).ok()?;
        at = at.checked_add(8)?.checked_add(size)?;
    }
    out.sort_unstable();
    out.dedup();
    Some(out)
}

/// Git's variable-length integer of index version 4 (the offset encoding of packs), and the
/// number of bytes it takes.
fn varint(b: &[u8]) -> Option<(usize, usize)> {
    let mut used = 0usize;
    let mut byte = *b.first()?;
    let mut value = usize::from(byte & 0x7f);
    while byte & 0x80 != 0 {
        used += 1;
        if used > 9 {
            return None;
        }
        byte = *b.get(used)?;
        value = value
            .checked_add(1)?
            .checked_mul(128)?
            .checked_add(usize::from(byte & 0x7f))?;
    }
    Some((value, used + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An index entry as git writes it for `version` (with an all-zero stat and object name).
    fn entry(path: &str, version: u32, previous: &str, hash_len: usize) -> Vec<u8> {
        let mut e = vec![0u8; 40 + hash_len];
        e[24..28].copy_from_slice(&0o100644u32.to_be_bytes());
        let flags = u16::try_from(path.len().min(0x0fff)).expect("short");
        e.extend_from_slice(&flags.to_be_bytes());
        if version == 4 {
            let common = previous
                .bytes()
                .zip(path.bytes())
                .take_while(|(a, b)| a == b)
                .count();
            let strip = previous.len() - common;
            assert!(strip < 0x80, "one-byte varints in these tests");
            e.push(u8::try_from(strip).expect("small"));
            e.extend_from_slice(&path.as_bytes()[common..]);
            e.push(0);
        } else {
            e.extend_from_slice(path.as_bytes());
            let len = e.len();
            e.resize((len + 8) & !7, 0);
        }
        e
    }

    fn index(
        paths: &[&str],
        version: u32,
        hash_len: usize,
        extension: Option<&[u8; 4]>,
    ) -> Vec<u8> {
        let mut b = b"DIRC".to_vec();
        b.extend_from_slice(&version.to_be_bytes());
        b.extend_from_slice(&u32::try_from(paths.len()).expect("few").to_be_bytes());
        let mut previous = "";
        for p in paths {
            b.extend(entry(p, version, previous, hash_len));
            previous = p;
        }
        if let Some(sig) = extension {
            b.extend_from_slice(sig);
            b.extend_from_slice(&4u32.to_be_bytes());
            b.extend_from_slice(&[0; 4]);
        }
        b.extend(std::iter::repeat_n(0u8, hash_len));
        b
    }

    #[test]
    fn reads_every_index_version_and_object_format() {
        let paths = [
            ".claude/settings.json",
            ".claude/settings.local.json",
            "src/main.rs",
        ];
        for version in [2, 3, 4] {
            for hash_len in [20, 32] {
                let parsed = parse_index(&index(&paths, version, hash_len, None), hash_len)
                    .unwrap_or_else(|| panic!("version {version}, hash {hash_len}"));
                assert!(is_tracked(&parsed, ".claude/settings.local.json"));
                assert!(is_tracked(&parsed, "src/main.rs"));
                assert!(!is_tracked(&parsed, ".mcp.json"));
                assert!(!is_tracked(&parsed, ".claude"));
            }
        }
        // Extensions are skipped; a split index is refused, not half read.
        let with_tree = index(&paths, 2, 20, Some(b"TREE"));
        assert!(parse_index(&with_tree, 20).is_some());
        assert_eq!(parse_index(&index(&paths, 2, 20, Some(b"link")), 20), None);
        // A sparse directory covers what is under it.
        let sparse =
            parse_index(&index(&["docs/", "src/main.rs"], 2, 20, None), 20).expect("sparse");
        assert!(is_tracked(&sparse, "docs/CLAUDE.md"));
    }

    #[test]
    fn malformed_indexes_are_refused_without_panicking() {
        let good = index(&["a", "b/c"], 2, 20, None);
        assert_eq!(parse_index(&good, 32), None, "the wrong object format");
        for cut in 0..good.len() - 20 {
            assert_eq!(parse_index(&good[..cut], 20), None, "cut at {cut}");
        }
        let mut bad_version = good.clone();
        bad_version[7] = 9;
        assert_eq!(parse_index(&bad_version, 20), None);
        let mut huge_count = good.clone();
        huge_count[8..12].copy_from_slice(&u32::MAX.to_be_bytes());
        assert_eq!(parse_index(&huge_count, 20), None);
        assert_eq!(varint(&[0xff; 12]), None);
        assert_eq!(varint(&[0x80, 0x00]), Some((128, 2)));
    }
}
