//! Content-addressed blobs: BLAKE3 of the raw content names it, zstd compresses it. Small blobs
//! live inline in SQLite (fewer files, no per-file block overhead); large ones are files under
//! `blobs/`, written atomically. Both are idempotent, so concurrent writers of the same content
//! never conflict.

use std::fmt;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, params};

use crate::error::{Error, IoContext, Result};
use crate::store::{Layout, create_private_dir, write_atomic};

/// Compressed blobs larger than this go to a file instead of the database.
const INLINE_LIMIT: usize = 1 << 20;
/// zstd level: 3 is zstd's default, fast enough for the hook's hot path.
const ZSTD_LEVEL: i32 = 3;

/// A blob's identity: the BLAKE3 hash of its uncompressed content.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BlobId(pub [u8; 32]);

impl BlobId {
    /// Hashes content.
    pub fn of(data: &[u8]) -> BlobId {
        BlobId(*blake3::hash(data).as_bytes())
    }
    pub fn to_hex(&self) -> String {
        blake3::Hash::from_bytes(self.0).to_hex().to_string()
    }
    pub fn from_hex(s: &str) -> Option<BlobId> {
        blake3::Hash::from_hex(s)
            .ok()
            .map(|h| BlobId(*h.as_bytes()))
    }
    /// Reads a blob id from a SQLite BLOB column value.
    pub fn from_slice(b: &[u8]) -> Option<BlobId> {
        <[u8; 32]>::try_from(b).ok().map(BlobId)
    }
    /// The first 12 hex digits, for display.
    pub fn short(&self) -> String {
        self.to_hex()[..12].to_owned()
    }
}

impl fmt::Debug for BlobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BlobId({})", self.short())
    }
}

impl fmt::Display for BlobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

/// A blob hashed and compressed ahead of the write transaction, so the transaction (which holds
/// the store's write lock) stays short.
#[derive(Debug)]
pub struct PreparedBlob {
    pub id: BlobId,
    pub size: u64,
    body: Body,
}

#[derive(Debug)]
enum Body {
    Inline(Vec<u8>),
    /// Already written to its file.
    File,
    /// Too large to keep: only the hash is known.
    Absent,
}

impl PreparedBlob {
    /// Hashes and compresses `data`. Large blobs are written to their file right away (that is
    /// safe outside the transaction: the file name is the content's hash).
    pub fn prepare(layout: &Layout, data: &[u8]) -> Result<PreparedBlob> {
        Self::prepare_hashed(layout, BlobId::of(data), data)
    }

    /// Like [`PreparedBlob::prepare`] for content already hashed (`id` must be its hash).
    pub fn prepare_hashed(layout: &Layout, id: BlobId, data: &[u8]) -> Result<PreparedBlob> {
        let size = data.len() as u64;
        let compressed = zstd::bulk::compress(data, ZSTD_LEVEL)
            .map_err(|e| Error::io(format!("compressing blob {}", id.short()), e))?;
        let body = if compressed.len() <= INLINE_LIMIT {
            Body::Inline(compressed)
        } else {
            let path = blob_file(layout, &id);
            if !path.exists() {
                if let Some(dir) = path.parent() {
                    create_private_dir(dir)?;
                }
                write_atomic(&path, &compressed, 0o600)?;
            }
            Body::File
        };
        Ok(PreparedBlob { id, size, body })
    }

    /// A blob whose content is not kept (over the size limit): only its hash and size.
    pub fn absent(id: BlobId, size: u64) -> PreparedBlob {
        PreparedBlob {
            id,
            size,
            body: Body::Absent,
        }
    }

    /// Inserts the blob row unless the content is already stored.
    pub fn insert(&self, conn: &Connection) -> Result<()> {
        let (stored, data): (&str, Option<&[u8]>) = match &self.body {
            Body::Inline(d) => ("inline", Some(d)),
            Body::File => ("file", None),
            Body::Absent => ("absent", None),
        };
        if stored == "absent" {
            conn.execute(
                "INSERT OR IGNORE INTO blobs (id, size, stored, data) VALUES (?1, ?2, 'absent', NULL)",
                params![&self.id.0[..], self.size as i64],
            )?;
        } else {
            // Upgrade an 'absent' row if the content is now available.
            conn.execute(
                "INSERT INTO blobs (id, size, stored, data) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(id) DO UPDATE SET stored = excluded.stored, data = excluded.data
                 WHERE blobs.stored = 'absent'",
                params![&self.id.0[..], self.size as i64, stored, data],
            )?;
        }
        Ok(())
    }
}

fn blob_file(layout: &Layout, id: &BlobId) -> PathBuf {
    let hex = id.to_hex();
    layout.blob_dir().join(&hex[..2]).join(format!("{hex}.zst"))
}

/// True when the store already holds this blob's content.
pub fn has_content(conn: &Connection, id: &BlobId) -> Result<bool> {
    let stored: Option<String> = conn
        .query_row("SELECT stored FROM blobs WHERE id = ?1", [&id.0[..]], |r| {
            r.get(0)
        })
        .optional()?;
    Ok(matches!(stored.as_deref(), Some("inline" | "file")))
}

/// Reads a blob's content, verifying its hash. `Ok(None)` when only the hash was kept.
pub fn read(conn: &Connection, layout: &Layout, id: &BlobId) -> Result<Option<Vec<u8>>> {
    let row: Option<(String, Option<Vec<u8>>, i64)> = conn
        .prepare_cached("SELECT stored, data, size FROM blobs WHERE id = ?1")?
        .query_row([&id.0[..]], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    let Some((stored, data, size)) = row else {
        return Err(Error::BlobMissing(id.to_hex()));
    };
    let compressed = match stored.as_str() {
        "inline" => data.ok_or_else(|| corrupt(id, "inline blob without data"))?,
        "file" => {
            let path = blob_file(layout, id);
            std::fs::read(&path).context(|| format!("reading blob file {}", path.display()))?
        }
        "absent" => return Ok(None),
        other => return Err(corrupt(id, &format!("unknown storage kind {other:?}"))),
    };
    let capacity = usize::try_from(size).map_err(|_| corrupt(id, "negative size"))?;
    let content = decompress(&compressed, capacity)
        .map_err(|e| corrupt(id, &format!("cannot decompress: {e}")))?;
    if BlobId::of(&content) != *id {
        return Err(corrupt(id, "content does not match its hash"));
    }
    Ok(Some(content))
}

/// Decompresses with one context per thread: creating a zstd context per blob dominated reads of
/// long histories (blame).
fn decompress(data: &[u8], capacity: usize) -> std::io::Result<Vec<u8>> {
    thread_local! {
        static DECOMPRESSOR: std::cell::RefCell<Option<zstd::bulk::Decompressor<'static>>> =
            const { std::cell::RefCell::new(None) };
    }
    DECOMPRESSOR.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            *slot = Some(zstd::bulk::Decompressor::new()?);
        }
        match slot.as_mut() {
            Some(d) => d.decompress(data, capacity),
            None => zstd::bulk::decompress(data, capacity),
        }
    })
}

fn corrupt(id: &BlobId, reason: &str) -> Error {
    Error::BlobCorrupt {
        id: id.to_hex(),
        reason: reason.to_owned(),
    }
}

/// Reads a file whose size is at most `limit`; larger files yield `Ok(None)` with their size, so
/// callers can record the hash-only form without loading it whole.
pub fn read_bounded(path: &Path, limit: u64) -> std::io::Result<Result<Vec<u8>, u64>> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let len = file.metadata()?.len();
    if len > limit {
        return Ok(Err(len));
    }
    let mut buf = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    file.by_ref().take(limit + 1).read_to_end(&mut buf)?;
    if buf.len() as u64 > limit {
        return Ok(Err(buf.len() as u64));
    }
    Ok(Ok(buf))
}

/// Hashes a file by streaming it, for files too large to keep.
pub fn hash_file(path: &Path) -> std::io::Result<(BlobId, u64)> {
    let mut hasher = blake3::Hasher::new();
    let file = std::fs::File::open(path)?;
    let n = std::io::copy(&mut std::io::BufReader::new(file), &mut hasher)?;
    Ok((BlobId(*hasher.finalize().as_bytes()), n))
}

/// Stores a file's content by streaming it through the hasher and the compressor in one pass, so
/// a file of any size is kept without being loaded whole. The blob goes to its own file.
pub fn prepare_streaming(layout: &Layout, path: &Path) -> Result<PreparedBlob> {
    use std::io::{Read, Write};
    let dir = layout.blob_dir();
    create_private_dir(&dir)?;
    let tmp = dir.join(format!(
        ".stream-{}-{}.tmp",
        std::process::id(),
        crate::time::now_micros()
    ));
    let result = (|| -> std::io::Result<(BlobId, u64)> {
        let mut input = std::fs::File::open(path)?;
        let out = std::fs::File::create(&tmp)?;
        let mut encoder = zstd::stream::Encoder::new(out, ZSTD_LEVEL)?;
        let mut hasher = blake3::Hasher::new();
        let mut buf = vec![0u8; 1 << 20];
        let mut size = 0u64;
        loop {
            let n = input.read(&mut buf)?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            encoder.write_all(&buf[..n])?;
            size += n as u64;
        }
        encoder.finish()?.sync_all()?;
        Ok((BlobId(*hasher.finalize().as_bytes()), size))
    })();
    let (id, size) = match result {
        Ok(v) => v,
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(Error::io(format!("storing {}", path.display()), e));
        }
    };
    let dest = blob_file(layout, &id);
    if let Some(parent) = dest.parent() {
        create_private_dir(parent)?;
    }
    if dest.exists() {
        let _ = std::fs::remove_file(&tmp);
    } else {
        std::fs::rename(&tmp, &dest).context(|| format!("storing blob {}", id.short()))?;
    }
    Ok(PreparedBlob {
        id,
        size,
        body: Body::File,
    })
}

/// Writes a blob's content to `out`, streaming blobs kept as files, and verifies the hash at the
/// end: on `Err` the caller must discard what was written. `Ok(false)` when only the hash was
/// kept (nothing is written).
pub fn copy_to(
    conn: &Connection,
    layout: &Layout,
    id: &BlobId,
    out: &mut dyn std::io::Write,
) -> Result<bool> {
    let stored: Option<String> = conn
        .prepare_cached("SELECT stored FROM blobs WHERE id = ?1")?
        .query_row([&id.0[..]], |r| r.get(0))
        .optional()?;
    match stored.as_deref() {
        None => Err(Error::BlobMissing(id.to_hex())),
        Some("absent") => Ok(false),
        Some("file") => {
            let path = blob_file(layout, id);
            let file = std::fs::File::open(&path)
                .context(|| format!("reading blob {}", path.display()))?;
            let mut decoder = zstd::stream::Decoder::new(file)
                .map_err(|e| corrupt(id, &format!("cannot decompress: {e}")))?;
            let mut hashing = HashingWriter {
                inner: out,
                hasher: blake3::Hasher::new(),
            };
            std::io::copy(&mut decoder, &mut hashing)
                .map_err(|e| corrupt(id, &format!("cannot decompress: {e}")))?;
            if BlobId(*hashing.hasher.finalize().as_bytes()) != *id {
                return Err(corrupt(id, "content does not match its hash"));
            }
            Ok(true)
        }
        Some(_) => match read(conn, layout, id)? {
            Some(data) => {
                out.write_all(&data)
                    .map_err(|e| Error::io(format!("writing blob {}", id.short()), e))?;
                Ok(true)
            }
            None => Ok(false),
        },
    }
}

struct HashingWriter<'a> {
    inner: &'a mut dyn std::io::Write,
    hasher: blake3::Hasher,
}

impl std::io::Write for HashingWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn roundtrip_inline_and_file_blobs() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path()).expect("open");
        let small = b"hello\n".to_vec();
        // Incompressible data larger than the inline limit goes to a file.
        let mut big = Vec::with_capacity(INLINE_LIMIT + 4096);
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        while big.len() < INLINE_LIMIT + 4096 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            big.extend_from_slice(&x.to_le_bytes());
        }
        for data in [&small, &big] {
            let prepared = PreparedBlob::prepare(store.layout(), data).expect("prepare");
            prepared.insert(store.conn()).expect("insert");
            prepared.insert(store.conn()).expect("insert twice is fine");
            let back = read(store.conn(), store.layout(), &prepared.id).expect("read");
            assert_eq!(back.as_deref(), Some(&data[..]));
        }
        assert!(blob_file(store.layout(), &BlobId::of(&big)).exists());
    }

    #[test]
    fn streamed_blob_roundtrips_and_copies_out() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path()).expect("open");
        let src = dir.path().join("big.bin");
        let data: Vec<u8> = (0..3_000_000u32).map(|i| (i * 7 % 251) as u8).collect();
        std::fs::write(&src, &data).expect("write");
        let prepared = prepare_streaming(store.layout(), &src).expect("stream");
        assert_eq!(prepared.id, BlobId::of(&data));
        prepared.insert(store.conn()).expect("insert");
        let mut out = Vec::new();
        assert!(copy_to(store.conn(), store.layout(), &prepared.id, &mut out).expect("copy"));
        assert_eq!(out, data);
    }

    #[test]
    fn corrupt_inline_blob_is_detected() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path()).expect("open");
        let prepared = PreparedBlob::prepare(store.layout(), b"original").expect("prepare");
        prepared.insert(store.conn()).expect("insert");
        let other = zstd::bulk::compress(b"tampered", 3).expect("compress");
        store
            .conn()
            .execute(
                "UPDATE blobs SET data = ?1, size = 8 WHERE id = ?2",
                params![other, &prepared.id.0[..]],
            )
            .expect("update");
        let err = read(store.conn(), store.layout(), &prepared.id).expect_err("corrupt");
        assert!(matches!(err, Error::BlobCorrupt { .. }), "{err}");
    }

    #[test]
    fn absent_blob_reads_as_none_and_is_upgraded_later() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path()).expect("open");
        let data = b"content";
        PreparedBlob::absent(BlobId::of(data), 7)
            .insert(store.conn())
            .expect("absent");
        assert_eq!(
            read(store.conn(), store.layout(), &BlobId::of(data)).expect("read"),
            None
        );
        PreparedBlob::prepare(store.layout(), data)
            .expect("prepare")
            .insert(store.conn())
            .expect("upgrade");
        assert!(has_content(store.conn(), &BlobId::of(data)).expect("has"));
    }
}
