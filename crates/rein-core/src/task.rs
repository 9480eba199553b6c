//! Declared tasks: a title and the paths an agent may write while it is active. The gate asks
//! before any write outside an active task's scope.

use rusqlite::{OptionalExtension, params};

use crate::audit;
use crate::error::{Error, Result};
use crate::store::Store;
use crate::time::now_micros;

/// A task as stored.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TaskRow {
    pub id: i64,
    pub worktree: String,
    pub title: String,
    pub scope: Vec<String>,
    pub human: Option<String>,
    pub started_at: i64,
    pub expires_at: Option<i64>,
    pub ended_at: Option<i64>,
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<TaskRow> {
    let scope: String = r.get(3)?;
    Ok(TaskRow {
        id: r.get(0)?,
        worktree: r.get(1)?,
        title: r.get(2)?,
        scope: serde_json::from_str(&scope).unwrap_or_default(),
        human: r.get(4)?,
        started_at: r.get(5)?,
        expires_at: r.get(6)?,
        ended_at: r.get(7)?,
    })
}

const COLUMNS: &str = "id, worktree, title, scope, human, started_at, expires_at, ended_at";

/// The task active in a work tree now: started, not ended, not expired.
pub fn active(store: &Store, worktree: &str) -> Result<Option<TaskRow>> {
    let now = now_micros();
    Ok(store
        .conn()
        .query_row(
            &format!(
                "SELECT {COLUMNS} FROM tasks WHERE worktree = ?1 AND ended_at IS NULL
                 AND (expires_at IS NULL OR expires_at > ?2) ORDER BY id DESC LIMIT 1"
            ),
            params![worktree, now],
            row,
        )
        .optional()?)
}

/// Starts a task, ending any task still active in the work tree. Audited.
pub fn start(
    store: &mut Store,
    worktree: &str,
    title: &str,
    scope: &[String],
    human: Option<&str>,
    expires_at: Option<i64>,
) -> Result<TaskRow> {
    if title.trim().is_empty() {
        return Err(Error::Invalid("a task needs a title".into()));
    }
    let now = now_micros();
    let tx = store.write_tx()?;
    tx.execute(
        "UPDATE tasks SET ended_at = ?1 WHERE worktree = ?2 AND ended_at IS NULL",
        params![now, worktree],
    )?;
    tx.execute(
        "INSERT INTO tasks (worktree, title, scope, human, started_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            worktree,
            title,
            serde_json::Value::from(scope.to_vec()).to_string(),
            human,
            now,
            expires_at
        ],
    )?;
    let id = tx.last_insert_rowid();
    audit::append(
        &tx,
        now,
        "rein.task.start",
        &serde_json::json!({
            "task": id, "worktree": worktree, "title": title, "scope": scope,
            "human": human, "expires_at": expires_at,
        }),
    )?;
    tx.commit()?;
    store
        .conn()
        .query_row(
            &format!("SELECT {COLUMNS} FROM tasks WHERE id = ?1"),
            [id],
            row,
        )
        .map_err(Into::into)
}

/// Ends the active task of a work tree. Returns it, or `None` when none was active. Audited.
pub fn end(store: &mut Store, worktree: &str) -> Result<Option<TaskRow>> {
    let Some(mut task) = active(store, worktree)? else {
        return Ok(None);
    };
    let now = now_micros();
    let tx = store.write_tx()?;
    tx.execute(
        "UPDATE tasks SET ended_at = ?1 WHERE id = ?2",
        params![now, task.id],
    )?;
    audit::append(
        &tx,
        now,
        "rein.task.end",
        &serde_json::json!({ "task": task.id, "worktree": worktree }),
    )?;
    tx.commit()?;
    task.ended_at = Some(now);
    Ok(Some(task))
}

/// Every task of a work tree, newest first.
pub fn list(store: &Store, worktree: &str, limit: usize) -> Result<Vec<TaskRow>> {
    let mut stmt = store.conn().prepare(&format!(
        "SELECT {COLUMNS} FROM tasks WHERE worktree = ?1 ORDER BY id DESC LIMIT ?2"
    ))?;
    let rows = stmt
        .query_map(params![worktree, limit as i64], row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}
