//! Schema and migrations. Each migration runs once, in order, inside a transaction; the version
//! lives in `PRAGMA user_version`, so a half-applied migration never counts as applied.

use std::path::Path;

use rusqlite::Connection;

use crate::error::{Error, Result};

/// Migrations, oldest first. Never edit a released one: append a new one.
const MIGRATIONS: &[&str] = &[
    // 1: the recorder.
    r#"
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Append-only, hash-chained log of every event. `data` is canonical JSON (already redacted).
CREATE TABLE audit (
    seq  INTEGER PRIMARY KEY,
    time INTEGER NOT NULL,
    kind TEXT NOT NULL,
    data TEXT NOT NULL,
    prev BLOB NOT NULL,
    hash BLOB NOT NULL
);

CREATE TABLE worktrees (
    id          INTEGER PRIMARY KEY,
    root        TEXT NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL,
    baseline_at INTEGER
);

CREATE TABLE sessions (
    id               INTEGER PRIMARY KEY,
    agent            TEXT NOT NULL,
    agent_session_id TEXT NOT NULL,
    worktree_id      INTEGER REFERENCES worktrees(id),
    cwd              TEXT NOT NULL,
    transcript_path  TEXT,
    human            TEXT,
    environment      TEXT NOT NULL,
    model            TEXT,
    permission_mode  TEXT,
    started_at       INTEGER NOT NULL,
    last_event_at    INTEGER NOT NULL,
    ended_at         INTEGER,
    end_reason       TEXT,
    UNIQUE (agent, agent_session_id)
);
CREATE INDEX sessions_worktree ON sessions (worktree_id, id);

CREATE TABLE turns (
    id         INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id),
    prompt_id  TEXT,
    prompt     TEXT,
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX turns_prompt ON turns (session_id, prompt_id) WHERE prompt_id IS NOT NULL;

CREATE TABLE subagents (
    session_id INTEGER NOT NULL REFERENCES sessions(id),
    agent_id   TEXT NOT NULL,
    agent_type TEXT,
    started_at INTEGER,
    stopped_at INTEGER,
    PRIMARY KEY (session_id, agent_id)
);

CREATE TABLE steps (
    id          INTEGER PRIMARY KEY,
    session_id  INTEGER NOT NULL REFERENCES sessions(id),
    turn_id     INTEGER REFERENCES turns(id),
    tool_use_id TEXT NOT NULL,
    agent_id    TEXT,
    tool        TEXT NOT NULL,
    input       TEXT NOT NULL,
    status      TEXT NOT NULL,
    error       TEXT,
    response    TEXT,
    started_at  INTEGER NOT NULL,
    ended_at    INTEGER,
    duration_ms INTEGER,
    capture     TEXT NOT NULL,
    UNIQUE (session_id, tool_use_id)
);
CREATE INDEX steps_turn ON steps (turn_id);

-- Every recorded state of every file: the baseline, then each change by a step or from outside.
CREATE TABLE file_versions (
    id          INTEGER PRIMARY KEY,
    worktree_id INTEGER NOT NULL REFERENCES worktrees(id),
    path        TEXT NOT NULL,
    old_path    TEXT,
    origin      TEXT NOT NULL,
    change      TEXT NOT NULL,
    step_id     INTEGER REFERENCES steps(id),
    session_id  INTEGER REFERENCES sessions(id),
    before_blob BLOB,
    after_blob  BLOB,
    before_mode INTEGER,
    after_mode  INTEGER,
    time        INTEGER NOT NULL
);
CREATE INDEX file_versions_path ON file_versions (worktree_id, path, id);
CREATE INDEX file_versions_old_path ON file_versions (worktree_id, old_path, id) WHERE old_path IS NOT NULL;
CREATE INDEX file_versions_step ON file_versions (step_id) WHERE step_id IS NOT NULL;

-- Content-addressed blobs (BLAKE3 of the raw content). Small ones inline (zstd), large ones as
-- files under blobs/; `stored` = 'inline' | 'file' | 'absent' (too large to keep: hash only).
CREATE TABLE blobs (
    id     BLOB PRIMARY KEY,
    size   INTEGER NOT NULL,
    stored TEXT NOT NULL,
    data   BLOB
) WITHOUT ROWID;

CREATE TABLE hook_failures (
    id      INTEGER PRIMARY KEY,
    time    INTEGER NOT NULL,
    agent   TEXT NOT NULL,
    event   TEXT NOT NULL,
    message TEXT NOT NULL
);
"#,
    // 2: walks look up the versions recorded since their cache by id.
    r#"
CREATE INDEX file_versions_worktree_id ON file_versions (worktree_id, id);
"#,
    // 3: the gate: one decision per PreToolUse, and declared tasks.
    r#"
CREATE TABLE decisions (
    id          INTEGER PRIMARY KEY,
    session_id  INTEGER REFERENCES sessions(id),
    step_id     INTEGER REFERENCES steps(id),
    tool_use_id TEXT,
    time        INTEGER NOT NULL,
    answer      TEXT NOT NULL,      -- allow | ask | deny: what policy (or the failure) decided
    mode        TEXT NOT NULL,      -- enforce | monitor
    enforced    INTEGER NOT NULL,   -- 1 when the answer was given to the agent
    reason      TEXT NOT NULL,
    rules       TEXT NOT NULL,      -- JSON array of the matched rule ids
    policy_hash TEXT,
    request     TEXT NOT NULL,      -- JSON: principal, tool, input (redacted), context
    detail      TEXT NOT NULL,      -- JSON: effects and rules with their files and lines
    error       TEXT                -- set when the gate failed closed
);
CREATE INDEX decisions_step ON decisions (step_id) WHERE step_id IS NOT NULL;
CREATE INDEX decisions_session ON decisions (session_id, id);

CREATE TABLE tasks (
    id         INTEGER PRIMARY KEY,
    worktree   TEXT NOT NULL,
    title      TEXT NOT NULL,
    scope      TEXT NOT NULL,       -- JSON array of globs relative to the work tree
    human      TEXT,
    started_at INTEGER NOT NULL,
    expires_at INTEGER,
    ended_at   INTEGER
);
CREATE INDEX tasks_worktree ON tasks (worktree, id);
"#,
    // 4: rewind, revert and undo. Each session, prompt and step remembers the last file version
    // recorded before it began (the point a rewind goes back to); every operation is logged with
    // the state of each file before and after it, so that it can be undone or recovered.
    r#"
ALTER TABLE sessions ADD COLUMN versions_before INTEGER;
ALTER TABLE turns ADD COLUMN versions_before INTEGER;
ALTER TABLE steps ADD COLUMN versions_before INTEGER;
ALTER TABLE file_versions ADD COLUMN op_id INTEGER REFERENCES ops(id);

CREATE TABLE ops (
    id          INTEGER PRIMARY KEY,
    worktree_id INTEGER NOT NULL REFERENCES worktrees(id),
    kind        TEXT NOT NULL,      -- rewind | revert | undo
    target      TEXT NOT NULL,      -- what was named: "p3", "12", "op 4"
    description TEXT NOT NULL,
    undoes      INTEGER REFERENCES ops(id),
    options     TEXT NOT NULL,      -- JSON: the flags it ran with
    human       TEXT,
    state       TEXT NOT NULL,      -- applying | done | rolled_back
    started_at  INTEGER NOT NULL,
    ended_at    INTEGER
);
CREATE INDEX ops_worktree ON ops (worktree_id, id);

-- Every file an operation touches, recorded (with its content kept) before anything is written.
CREATE TABLE op_files (
    op_id       INTEGER NOT NULL REFERENCES ops(id),
    seq         INTEGER NOT NULL,
    path        TEXT NOT NULL,
    before_blob BLOB,               -- NULL: the file was absent
    before_mode INTEGER,
    after_blob  BLOB,               -- NULL: the operation removes it
    after_mode  INTEGER,
    PRIMARY KEY (op_id, seq)
);
"#,
    // 5: concurrent agents in one work tree. A step in flight (PreToolUse recorded, no result
    // yet) claims the paths it may change, so that another hook's walk holds those changes for
    // it instead of recording them as external; the agent process that runs it lets a step whose
    // agent is gone be closed.
    r#"
ALTER TABLE steps ADD COLUMN claims TEXT;          -- JSON {"paths": [...]} or {"any": true}; NULL: claims nothing
ALTER TABLE steps ADD COLUMN agent_pid INTEGER;
ALTER TABLE steps ADD COLUMN agent_started INTEGER; -- the process's start time, against pid reuse
-- The process running the session's agent, as every hook of the session saw it; -1 once two
-- hooks disagreed (a wrapper between agent and hook), when no step trusts it.
ALTER TABLE sessions ADD COLUMN agent_pid INTEGER;
ALTER TABLE sessions ADD COLUMN agent_started INTEGER;
CREATE INDEX steps_pending ON steps (session_id) WHERE status = 'pending';
"#,
    // 6: every agent alike. What a step does, in the neutral model every agent's dialect
    // normalizes into (JSON of `rein_call::Action`, redacted); NULL for steps recorded before.
    r#"
ALTER TABLE steps ADD COLUMN action TEXT;
"#,
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

pub(crate) fn current_version(conn: &Connection) -> Result<i64> {
    Ok(conn.pragma_query_value(None, "user_version", |r| r.get(0))?)
}

/// Applies every pending migration. Refuses a database from a newer rein.
pub(crate) fn migrate(conn: &mut Connection, path: &Path) -> Result<()> {
    let found = current_version(conn)?;
    if found == SCHEMA_VERSION {
        return Ok(());
    }
    if found > SCHEMA_VERSION {
        return Err(Error::SchemaTooNew {
            path: path.to_owned(),
            found,
            supported: SCHEMA_VERSION,
        });
    }
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Exclusive)?;
    // Another process may have migrated while we waited for the lock.
    let found = current_version(&tx)?;
    for (i, sql) in MIGRATIONS
        .iter()
        .enumerate()
        .skip(usize::try_from(found).unwrap_or(0))
    {
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
    }
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrate_is_idempotent_and_sets_version() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("db");
        let mut conn = Connection::open(&path).expect("open");
        migrate(&mut conn, &path).expect("first");
        migrate(&mut conn, &path).expect("second");
        assert_eq!(current_version(&conn).expect("version"), SCHEMA_VERSION);
    }

    #[test]
    fn newer_schema_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("db");
        let mut conn = Connection::open(&path).expect("open");
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .expect("set");
        let err = migrate(&mut conn, &path).expect_err("must refuse");
        assert!(matches!(err, Error::SchemaTooNew { .. }), "{err}");
    }
}
