//! The persistent stat cache of a work tree: path → (size, mtime, ctime, inode, mode) as of the
//! last walk. It is only an accelerator: a file whose stat is unchanged is not read again. The
//! store's recorded versions stay the truth, so a lost or corrupt cache costs time, never history.
//!
//! Format (little endian): magic, version, last file-version id, walk start (ns), entry count,
//! entries sorted by path, then a BLAKE3 of everything before it.

use std::path::Path;

use super::Stat;
use crate::error::Result;
use crate::store::replace_file;

const MAGIC: &[u8; 8] = b"REINSTAT";
const VERSION: u32 = 1;
/// Entries whose timestamps fall this close to the walk's start are "racy": a later write in the
/// same timestamp tick would leave their stat unchanged, so they are re-read next time (git's rule).
const RACY_NS: i64 = 20_000_000;

/// One cached entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CachedStat {
    pub stat: Stat,
    pub racy: bool,
}

/// The cache of one work tree.
#[derive(Debug, Default)]
pub struct StatCache {
    /// Highest `file_versions.id` of this work tree when the walk was taken; versions recorded
    /// after it (by declared-path steps) are re-checked on the next walk.
    pub last_version_id: i64,
    pub walk_started_ns: i64,
    /// Sorted by path bytes, so that a walk compares with it by merging.
    pub entries: Vec<(String, CachedStat)>,
}

impl StatCache {
    /// Builds a cache from a complete walk whose entries are sorted by path bytes.
    pub fn from_walk(
        entries: Vec<(String, Stat)>,
        walk_started_ns: i64,
        last_version_id: i64,
    ) -> Self {
        let racy_after = walk_started_ns.saturating_sub(RACY_NS);
        let entries = entries
            .into_iter()
            .map(|(p, s)| {
                let racy = s.mtime_ns >= racy_after || s.ctime_ns >= racy_after;
                (p, CachedStat { stat: s, racy })
            })
            .collect();
        StatCache {
            last_version_id,
            walk_started_ns,
            entries,
        }
    }

    /// Makes the next walk look at `paths` again whatever their stat says: their changes were
    /// held for a step in flight, not recorded. A path present is marked racy; a path gone gets
    /// a placeholder entry, so that the next walk sees it as removed since the cache.
    pub fn hold(&mut self, paths: &[String]) {
        for p in paths {
            match self
                .entries
                .binary_search_by(|(q, _)| q.as_bytes().cmp(p.as_bytes()))
            {
                Ok(i) => self.entries[i].1.racy = true,
                Err(i) => self.entries.insert(
                    i,
                    (
                        p.clone(),
                        CachedStat {
                            stat: Stat {
                                size: 0,
                                mtime_ns: 0,
                                ctime_ns: 0,
                                ino: 0,
                                mode: 0,
                            },
                            racy: true,
                        },
                    ),
                ),
            }
        }
    }

    /// Loads the cache; `None` if it is missing, from another version, or corrupt.
    pub fn load(path: &Path) -> Option<StatCache> {
        let data = std::fs::read(path).ok()?;
        decode(&data)
    }

    /// Saves the cache atomically. No fsync: a cache lost in a crash is caught by its checksum
    /// and only costs a slower walk.
    pub fn save(&self, path: &Path) -> Result<()> {
        replace_file(path, &self.encode(), 0o600, false)
    }

    fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(32 + self.entries.len() * 80);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&VERSION.to_le_bytes());
        out.extend_from_slice(&self.last_version_id.to_le_bytes());
        out.extend_from_slice(&self.walk_started_ns.to_le_bytes());
        out.extend_from_slice(&(self.entries.len() as u64).to_le_bytes());
        for (p, e) in &self.entries {
            out.extend_from_slice(&(p.len() as u32).to_le_bytes());
            out.extend_from_slice(p.as_bytes());
            out.extend_from_slice(&e.stat.size.to_le_bytes());
            out.extend_from_slice(&e.stat.mtime_ns.to_le_bytes());
            out.extend_from_slice(&e.stat.ctime_ns.to_le_bytes());
            out.extend_from_slice(&e.stat.ino.to_le_bytes());
            out.extend_from_slice(&e.stat.mode.to_le_bytes());
            out.push(u8::from(e.racy));
        }
        let sum = blake3::hash(&out);
        out.extend_from_slice(sum.as_bytes());
        out
    }
}

struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        let end = self.pos.checked_add(n)?;
        let s = self.data.get(self.pos..end)?;
        self.pos = end;
        Some(s)
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
    fn i64(&mut self) -> Option<i64> {
        Some(i64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
}

fn decode(data: &[u8]) -> Option<StatCache> {
    let body_len = data.len().checked_sub(32)?;
    let (body, sum) = data.split_at(body_len);
    if blake3::hash(body).as_bytes() != sum {
        return None;
    }
    let mut r = Reader { data: body, pos: 0 };
    if r.take(8)? != MAGIC || r.u32()? != VERSION {
        return None;
    }
    let last_version_id = r.i64()?;
    let walk_started_ns = r.i64()?;
    let count = usize::try_from(r.u64()?).ok()?;
    // Each entry is at least 41 bytes, which bounds the allocation by the file's size.
    let mut entries: Vec<(String, CachedStat)> = Vec::with_capacity(count.min(body.len() / 41));
    for _ in 0..count {
        let len = r.u32()? as usize;
        let path = std::str::from_utf8(r.take(len)?).ok()?.to_owned();
        let stat = Stat {
            size: r.u64()?,
            mtime_ns: r.i64()?,
            ctime_ns: r.i64()?,
            ino: r.u64()?,
            mode: r.u32()?,
        };
        let racy = r.take(1)?[0] != 0;
        // The merge in `scan` relies on the order; a file out of order is not ours.
        if entries
            .last()
            .is_some_and(|(prev, _)| prev.as_bytes() >= path.as_bytes())
        {
            return None;
        }
        entries.push((path, CachedStat { stat, racy }));
    }
    Some(StatCache {
        last_version_id,
        walk_started_ns,
        entries,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip_and_corruption() {
        let stat = Stat {
            size: 3,
            mtime_ns: 10,
            ctime_ns: 11,
            ino: 7,
            mode: 0o100644,
        };
        let cache = StatCache::from_walk(
            vec![("a/b".into(), stat), ("c".into(), stat)],
            1_000_000_000,
            42,
        );
        let bytes = cache.encode();
        let back = decode(&bytes).expect("decodes");
        assert_eq!(back.last_version_id, 42);
        assert_eq!(back.entries.len(), 2);
        assert_eq!(back.entries[0].0, "a/b");
        assert_eq!(back.entries[0].1.stat, stat);
        let mut bad = bytes.clone();
        bad[20] ^= 1;
        assert!(decode(&bad).is_none());
        assert!(decode(&bytes[..bytes.len() - 1]).is_none());
    }
}
