//! The store: one SQLite database (WAL) for metadata and the audit chain, plus content-addressed,
//! zstd-compressed blobs. It lives under `REIN_HOME`, outside every work tree, and serves many
//! repositories and many concurrent hook processes.

mod schema;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use crate::error::{Error, IoContext, Result};

pub use schema::SCHEMA_VERSION;

/// How long a writer waits for another process's write lock before giving up. Hooks must answer
/// quickly, so this is short; a hook that times out spools its event instead of losing it.
pub const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Paths of the files that make up a store.
#[derive(Debug, Clone)]
pub struct Layout {
    pub home: PathBuf,
}

impl Layout {
    pub fn new(home: impl Into<PathBuf>) -> Self {
        Layout { home: home.into() }
    }
    pub fn db(&self) -> PathBuf {
        self.home.join("rein.db")
    }
    pub fn blob_dir(&self) -> PathBuf {
        self.home.join("blobs")
    }
    pub fn worktree_dir(&self) -> PathBuf {
        self.home.join("worktrees")
    }
    pub fn spool_dir(&self) -> PathBuf {
        self.home.join("spool")
    }
    pub fn backup_dir(&self) -> PathBuf {
        self.home.join("backups")
    }
}

/// An open store.
pub struct Store {
    pub(crate) conn: Connection,
    layout: Layout,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("home", &self.layout.home)
            .finish()
    }
}

impl Store {
    /// Opens the store at `home`, creating it (mode 0700) and migrating the schema as needed.
    pub fn open(home: &Path) -> Result<Store> {
        Self::open_with_timeout(home, DEFAULT_BUSY_TIMEOUT)
    }

    /// Like [`Store::open`] with an explicit busy timeout.
    pub fn open_with_timeout(home: &Path, busy: Duration) -> Result<Store> {
        let layout = Layout::new(home);
        create_private_dir(&layout.home)?;
        let conn = Connection::open_with_flags(
            layout.db(),
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(busy)?;
        // WAL lets readers run beside the one writer; NORMAL sync keeps the database consistent
        // across crashes of the process (only an OS crash can lose the newest transactions).
        // On a new database, still in rollback mode, this pragma is a read that upgrades to a
        // write: SQLite answers SQLITE_BUSY at once, without the busy handler, while another
        // process holds the write lock (e.g. its own switch to WAL). Retry up to the timeout.
        let deadline = std::time::Instant::now() + busy;
        loop {
            match conn.pragma_update(None, "journal_mode", "WAL") {
                Err(rusqlite::Error::SqliteFailure(e, _))
                    if e.code == rusqlite::ErrorCode::DatabaseBusy
                        && std::time::Instant::now() < deadline =>
                {
                    std::thread::sleep(Duration::from_millis(2));
                }
                other => break other?,
            }
        }
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        let mut store = Store { conn, layout };
        schema::migrate(&mut store.conn, &store.layout.db())?;
        Ok(store)
    }

    /// Opens an existing store read-only; fails if there is none. Readers use this so that a typo
    /// in `REIN_HOME` does not silently create an empty store.
    pub fn open_existing(home: &Path) -> Result<Store> {
        let layout = Layout::new(home);
        if !layout.db().exists() {
            return Err(Error::NotFound {
                kind: "store",
                query: layout.db().display().to_string(),
            });
        }
        Self::open(home)
    }

    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// The connection, for the readers in [`crate::query`].
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Starts a write transaction that takes the write lock at once, so that two hook processes
    /// never interleave their audit-chain appends.
    pub(crate) fn write_tx(&mut self) -> Result<rusqlite::Transaction<'_>> {
        Ok(self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?)
    }

    /// The schema version recorded in the database.
    pub fn schema_version(&self) -> Result<i64> {
        schema::current_version(&self.conn)
    }

    /// Runs SQLite's own consistency check. Returns the problems found (empty when healthy).
    pub fn integrity_check(&self) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare("PRAGMA quick_check")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        let mut problems = Vec::new();
        for row in rows {
            let row = row?;
            if row != "ok" {
                problems.push(row);
            }
        }
        Ok(problems)
    }

    /// Records a hook failure so that `rein doctor` can report it. The message is redacted: error
    /// texts can quote the input that caused them (a config line, a payload fragment).
    pub fn log_hook_failure(&self, agent: &str, event: &str, message: &str) -> Result<()> {
        let message = crate::redact::redact_str(message);
        self.conn.execute(
            "INSERT INTO hook_failures (time, agent, event, message) VALUES (?1, ?2, ?3, ?4)",
            rusqlite::params![crate::time::now_micros(), agent, event, message.as_ref()],
        )?;
        Ok(())
    }
}

/// Creates a directory (and parents) readable only by the owner: the store holds file contents.
pub fn create_private_dir(path: &Path) -> Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    if path.is_dir() {
        return Ok(());
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(path)
        .context(|| format!("creating {}", path.display()))
}

/// Writes a file atomically: a temporary file in the same directory, fsync, then rename.
pub fn write_atomic(path: &Path, data: &[u8], mode: u32) -> Result<()> {
    replace_file(path, data, mode, true)
}

/// Like [`write_atomic`]; without `durable` it skips the fsync, for files that are only caches
/// and verify themselves when read.
pub fn replace_file(path: &Path, data: &[u8], mode: u32, durable: bool) -> Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let dir = path
        .parent()
        .ok_or_else(|| Error::Invalid(format!("{} has no parent directory", path.display())))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(
        ".{name}.tmp-{}-{}",
        std::process::id(),
        crate::time::now_micros()
    ));
    let result = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&tmp)?;
        f.write_all(data)?;
        if durable {
            f.sync_all()?;
        }
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.context(|| format!("writing {}", path.display()))
}
