//! Readers over the record: sessions, turns, steps, file versions, diffs and blame.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde_json::Value;

use crate::blob::{self, BlobId};
use crate::error::{Error, Result};
use crate::store::Store;
use crate::time::Micros;

#[derive(Debug, Clone)]
pub struct Session {
    pub id: i64,
    pub agent: String,
    pub agent_session_id: String,
    pub cwd: String,
    pub worktree: Option<String>,
    pub human: Option<String>,
    pub environment: String,
    pub model: Option<String>,
    pub permission_mode: Option<String>,
    pub started_at: Micros,
    pub last_event_at: Micros,
    pub ended_at: Option<Micros>,
}

#[derive(Debug, Clone)]
pub struct Turn {
    pub id: i64,
    pub session_id: i64,
    pub prompt_id: Option<String>,
    pub prompt: Option<String>,
    pub created_at: Micros,
}

#[derive(Debug, Clone)]
pub struct Step {
    pub id: i64,
    pub session_id: i64,
    pub turn_id: Option<i64>,
    pub tool_use_id: String,
    pub agent_id: Option<String>,
    pub tool: String,
    pub input: Value,
    pub status: String,
    pub error: Option<String>,
    pub response: Option<Value>,
    pub started_at: Micros,
    pub ended_at: Option<Micros>,
    pub duration_ms: Option<i64>,
    pub capture: String,
    /// What the step does; `None` for steps recorded before rein kept it.
    pub action: Option<rein_call::Action>,
}

impl Step {
    /// A one-line summary of the call, when rein knows what it does.
    pub fn summary(&self) -> Option<String> {
        self.action.as_ref().map(|a| a.summary(&self.input))
    }
}

#[derive(Debug, Clone)]
pub struct Version {
    pub id: i64,
    pub worktree_id: i64,
    pub path: String,
    pub old_path: Option<String>,
    pub origin: String,
    pub change: String,
    pub step_id: Option<i64>,
    pub session_id: Option<i64>,
    pub before: Option<BlobId>,
    pub after: Option<BlobId>,
    pub before_mode: Option<u32>,
    pub after_mode: Option<u32>,
    pub time: Micros,
}

const SESSION_COLS: &str =
    "s.id, s.agent, s.agent_session_id, s.cwd, w.root, s.human, s.environment,
    s.model, s.permission_mode, s.started_at, s.last_event_at, s.ended_at";

fn session_from(r: &Row<'_>) -> rusqlite::Result<Session> {
    Ok(Session {
        id: r.get(0)?,
        agent: r.get(1)?,
        agent_session_id: r.get(2)?,
        cwd: r.get(3)?,
        worktree: r.get(4)?,
        human: r.get(5)?,
        environment: r.get(6)?,
        model: r.get(7)?,
        permission_mode: r.get(8)?,
        started_at: r.get(9)?,
        last_event_at: r.get(10)?,
        ended_at: r.get(11)?,
    })
}

const STEP_COLS: &str =
    "id, session_id, turn_id, tool_use_id, agent_id, tool, input, status, error,
    response, started_at, ended_at, duration_ms, capture, action";

fn step_from(r: &Row<'_>) -> rusqlite::Result<Step> {
    let input: String = r.get(6)?;
    let response: Option<String> = r.get(9)?;
    Ok(Step {
        id: r.get(0)?,
        session_id: r.get(1)?,
        turn_id: r.get(2)?,
        tool_use_id: r.get(3)?,
        agent_id: r.get(4)?,
        tool: r.get(5)?,
        input: serde_json::from_str(&input).unwrap_or(Value::String(input)),
        status: r.get(7)?,
        error: r.get(8)?,
        response: response.map(|s| serde_json::from_str(&s).unwrap_or(Value::String(s))),
        started_at: r.get(10)?,
        ended_at: r.get(11)?,
        duration_ms: r.get(12)?,
        capture: r.get(13)?,
        action: r
            .get::<_, Option<String>>(14)?
            .and_then(|a| serde_json::from_str(&a).ok()),
    })
}

pub(crate) const VERSION_COLS: &str =
    "id, worktree_id, path, old_path, origin, change, step_id, session_id,
    before_blob, after_blob, before_mode, after_mode, time";

pub(crate) fn version_from(r: &Row<'_>) -> rusqlite::Result<Version> {
    let blob = |i| -> rusqlite::Result<Option<BlobId>> {
        Ok(r.get::<_, Option<Vec<u8>>>(i)?
            .as_deref()
            .and_then(BlobId::from_slice))
    };
    Ok(Version {
        id: r.get(0)?,
        worktree_id: r.get(1)?,
        path: r.get(2)?,
        old_path: r.get(3)?,
        origin: r.get(4)?,
        change: r.get(5)?,
        step_id: r.get(6)?,
        session_id: r.get(7)?,
        before: blob(8)?,
        after: blob(9)?,
        before_mode: r.get(10)?,
        after_mode: r.get(11)?,
        time: r.get(12)?,
    })
}

/// Sessions of `within`, newest first.
pub fn sessions(conn: &Connection, within: Within<'_>, limit: usize) -> Result<Vec<Session>> {
    let filter = match within {
        Within::Anywhere => "1",
        Within::Worktree(_) => "w.root = ?1",
        Within::NoWorktree => "s.worktree_id IS NULL",
    };
    let sql = format!(
        "SELECT {SESSION_COLS} FROM sessions s LEFT JOIN worktrees w ON w.id = s.worktree_id
         WHERE {filter} AND ?1 = ?1 ORDER BY s.id DESC LIMIT ?2"
    );
    let mut stmt = conn.prepare(&sql)?;
    let root = match within {
        Within::Worktree(p) => p.display().to_string(),
        _ => String::new(),
    };
    let rows = stmt.query_map(params![root, limit as i64], session_from)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn session(conn: &Connection, id: i64) -> Result<Session> {
    let sql = format!(
        "SELECT {SESSION_COLS} FROM sessions s LEFT JOIN worktrees w ON w.id = s.worktree_id WHERE s.id = ?1"
    );
    conn.query_row(&sql, [id], session_from)
        .optional()?
        .ok_or_else(|| not_found("session", &format!("s{id}")))
}

pub fn turns(conn: &Connection, session: i64) -> Result<Vec<Turn>> {
    let mut stmt = conn.prepare(
        "SELECT id, session_id, prompt_id, prompt, created_at FROM turns WHERE session_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([session], |r| {
        Ok(Turn {
            id: r.get(0)?,
            session_id: r.get(1)?,
            prompt_id: r.get(2)?,
            prompt: r.get(3)?,
            created_at: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn turn(conn: &Connection, id: i64) -> Result<Turn> {
    conn.query_row(
        "SELECT id, session_id, prompt_id, prompt, created_at FROM turns WHERE id = ?1",
        [id],
        |r| {
            Ok(Turn {
                id: r.get(0)?,
                session_id: r.get(1)?,
                prompt_id: r.get(2)?,
                prompt: r.get(3)?,
                created_at: r.get(4)?,
            })
        },
    )
    .optional()?
    .ok_or_else(|| not_found("prompt", &format!("p{id}")))
}

pub fn steps_of_session(conn: &Connection, session: i64) -> Result<Vec<Step>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {STEP_COLS} FROM steps WHERE session_id = ?1 ORDER BY id"
    ))?;
    let rows = stmt.query_map([session], step_from)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn step(conn: &Connection, id: i64) -> Result<Step> {
    conn.query_row(
        &format!("SELECT {STEP_COLS} FROM steps WHERE id = ?1"),
        [id],
        step_from,
    )
    .optional()?
    .ok_or_else(|| not_found("step", &id.to_string()))
}

/// File versions made by one step.
pub fn versions_of_step(conn: &Connection, step: i64) -> Result<Vec<Version>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {VERSION_COLS} FROM file_versions WHERE step_id = ?1 ORDER BY id"
    ))?;
    let rows = stmt.query_map([step], version_from)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// External changes noticed during a session.
pub fn external_versions_of_session(conn: &Connection, session: i64) -> Result<Vec<Version>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {VERSION_COLS} FROM file_versions WHERE session_id = ?1 AND origin = 'external' ORDER BY id"
    ))?;
    let rows = stmt.query_map([session], version_from)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// What a user-supplied reference names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Step(i64),
    Prompt(i64),
    Session(i64),
}

/// Where a reference may point: references are resolved within the work tree a command runs in,
/// so that a step number from another repository can never make it read or change this one.
#[derive(Debug, Clone, Copy)]
pub enum Within<'a> {
    /// Any record (`rein log --all`).
    Anywhere,
    /// Records of the work tree with this root.
    Worktree(&'a Path),
    /// Records made outside any git work tree.
    NoWorktree,
}

/// Resolves `17`/`step:17`/`toolu_…` (a step), `p5`/`prompt:5` (a prompt), `s3`/`session:3` or a
/// prefix of the agent's session id (a session), anywhere in the store.
pub fn resolve(conn: &Connection, query: &str) -> Result<Target> {
    resolve_in(conn, query, Within::Anywhere)
}

/// Resolves a reference like [`resolve`], but only to a record of `within`. A reference that
/// exists elsewhere is refused with [`Error::OtherWorktree`], which names where it belongs.
pub fn resolve_in(conn: &Connection, query: &str, within: Within<'_>) -> Result<Target> {
    let q = query.trim();
    let candidates = candidates(conn, q)?;
    let kind = candidates
        .first()
        .map_or_else(|| kind_of_query(q), |t| kind_name(*t));
    if candidates.is_empty() {
        return Err(not_found(kind, q));
    }
    let mut here = Vec::new();
    let mut elsewhere = None;
    for t in candidates {
        let root = target_worktree(conn, t)?;
        let matches = match within {
            Within::Anywhere => true,
            Within::Worktree(w) => root.as_deref() == Some(w.display().to_string().as_str()),
            Within::NoWorktree => root.is_none(),
        };
        if matches {
            here.push(t);
        } else if elsewhere.is_none() {
            elsewhere = Some(root);
        }
    }
    match (here.as_slice(), elsewhere) {
        ([t], _) => Ok(*t),
        ([], Some(worktree)) => Err(Error::OtherWorktree {
            kind,
            query: q.to_owned(),
            worktree,
        }),
        ([], None) => Err(not_found(kind, q)),
        (many, _) => Err(Error::Ambiguous {
            kind,
            query: q.into(),
            count: many.len(),
        }),
    }
}

/// What a reference names by its form, for messages when it names nothing.
fn kind_of_query(q: &str) -> &'static str {
    let num = |s: &str| s.parse::<i64>().is_ok();
    if num(q) || q.strip_prefix("step:").is_some_and(num) || q.starts_with("toolu_") {
        "step"
    } else if q
        .strip_prefix('p')
        .or_else(|| q.strip_prefix("prompt:"))
        .is_some_and(num)
    {
        "prompt"
    } else if q
        .strip_prefix('s')
        .or_else(|| q.strip_prefix("session:"))
        .is_some_and(num)
    {
        "session"
    } else {
        "step, prompt or session"
    }
}

/// Every record a reference could name, before scoping.
fn candidates(conn: &Connection, q: &str) -> Result<Vec<Target>> {
    let num = |s: &str| s.parse::<i64>().ok();
    let exists = |t: Target| -> Result<Vec<Target>> {
        let sql = match t {
            Target::Step(_) => "SELECT 1 FROM steps WHERE id = ?1",
            Target::Prompt(_) => "SELECT 1 FROM turns WHERE id = ?1",
            Target::Session(_) => "SELECT 1 FROM sessions WHERE id = ?1",
        };
        let (Target::Step(id) | Target::Prompt(id) | Target::Session(id)) = t;
        let found = conn.query_row(sql, [id], |_| Ok(())).optional()?;
        Ok(found.map(|_| t).into_iter().collect())
    };
    if let Some(n) = num(q).or_else(|| q.strip_prefix("step:").and_then(num)) {
        return exists(Target::Step(n));
    }
    if let Some(n) = q
        .strip_prefix("p")
        .or_else(|| q.strip_prefix("prompt:"))
        .and_then(num)
    {
        return exists(Target::Prompt(n));
    }
    if let Some(n) = q
        .strip_prefix("s")
        .or_else(|| q.strip_prefix("session:"))
        .and_then(num)
    {
        return exists(Target::Session(n));
    }
    if q.starts_with("toolu_") {
        let ids: Vec<i64> = conn
            .prepare("SELECT id FROM steps WHERE tool_use_id = ?1 LIMIT 100")?
            .query_map([q], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        return Ok(ids.into_iter().map(Target::Step).collect());
    }
    let prefix = q.strip_prefix("session:").unwrap_or(q);
    if prefix.len() >= 4 && !prefix.contains(['%', '_']) {
        let ids: Vec<i64> = conn
            .prepare("SELECT id FROM sessions WHERE agent_session_id LIKE ?1 || '%' LIMIT 100")?
            .query_map([prefix], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        return Ok(ids.into_iter().map(Target::Session).collect());
    }
    Ok(Vec::new())
}

/// The root of the work tree a step, prompt or session was recorded in; `None` for a session
/// outside any work tree.
pub fn target_worktree(conn: &Connection, target: Target) -> Result<Option<String>> {
    let (sql, id) = match target {
        Target::Session(id) => (
            "SELECT w.root FROM sessions s LEFT JOIN worktrees w ON w.id = s.worktree_id
              WHERE s.id = ?1",
            id,
        ),
        Target::Prompt(id) => (
            "SELECT w.root FROM turns t JOIN sessions s ON s.id = t.session_id
               LEFT JOIN worktrees w ON w.id = s.worktree_id WHERE t.id = ?1",
            id,
        ),
        Target::Step(id) => (
            "SELECT w.root FROM steps st JOIN sessions s ON s.id = st.session_id
               LEFT JOIN worktrees w ON w.id = s.worktree_id WHERE st.id = ?1",
            id,
        ),
    };
    Ok(conn
        .query_row(sql, [id], |r| r.get::<_, Option<String>>(0))
        .optional()?
        .flatten())
}

fn kind_name(t: Target) -> &'static str {
    match t {
        Target::Step(_) => "step",
        Target::Prompt(_) => "prompt",
        Target::Session(_) => "session",
    }
}

fn not_found(kind: &'static str, q: &str) -> Error {
    Error::NotFound {
        kind,
        query: q.to_owned(),
    }
}

/// One file's net change over a target.
#[derive(Debug, Clone)]
pub struct NetChange {
    pub path: String,
    pub old_path: Option<String>,
    pub before: Option<BlobId>,
    pub after: Option<BlobId>,
    pub before_mode: Option<u32>,
    pub after_mode: Option<u32>,
}

/// The agent's versions for a target (external changes excluded), oldest first.
pub fn versions_of_target(conn: &Connection, target: Target) -> Result<Vec<Version>> {
    let (sql, id) = match target {
        Target::Step(id) => ("f.step_id = ?1", id),
        Target::Prompt(id) => ("s.turn_id = ?1", id),
        Target::Session(id) => ("s.session_id = ?1", id),
    };
    let cols = VERSION_COLS
        .split(',')
        .map(|c| format!("f.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ");
    let mut stmt = conn.prepare(&format!(
        "SELECT {cols} FROM file_versions f JOIN steps s ON s.id = f.step_id
         WHERE f.origin = 'step' AND {sql} ORDER BY f.id"
    ))?;
    let rows = stmt.query_map([id], version_from)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

impl NetChange {
    fn of(v: &Version) -> NetChange {
        NetChange {
            path: v.path.clone(),
            old_path: v.old_path.clone(),
            before: v.before,
            after: v.after,
            before_mode: v.before_mode,
            after_mode: v.after_mode,
        }
    }
}

/// What the agent changed over a step, prompt or session: one net change per file, following
/// renames. Where someone else changed a file between two of the agent's steps, folding would
/// pass their edit off as the agent's, so that file's steps are listed one by one instead.
pub fn agent_changes(conn: &Connection, target: Target) -> Result<Vec<NetChange>> {
    let versions = versions_of_target(conn, target)?;
    if let Target::Step(_) = target {
        return Ok(versions.iter().map(NetChange::of).collect());
    }
    // Group each file's versions (a rename continues the group under the new path).
    let mut groups: BTreeMap<String, Vec<&Version>> = BTreeMap::new();
    for v in &versions {
        let mut group = v
            .old_path
            .as_ref()
            .and_then(|old| groups.remove(old))
            .or_else(|| groups.remove(&v.path))
            .unwrap_or_default();
        group.push(v);
        groups.insert(v.path.clone(), group);
    }
    let mut out = Vec::new();
    for group in groups.into_values() {
        let (Some(first), Some(last)) = (group.first(), group.last()) else {
            continue;
        };
        if external_between(conn, &group, first.id, last.id)? {
            out.extend(group.iter().map(|v| NetChange::of(v)));
            continue;
        }
        let origin_path = first.old_path.clone().unwrap_or_else(|| first.path.clone());
        let net = NetChange {
            path: last.path.clone(),
            old_path: (first.before.is_some() && origin_path != last.path).then_some(origin_path),
            before: first.before,
            after: last.after,
            before_mode: first.before_mode,
            after_mode: last.after_mode,
        };
        if net.before != net.after || net.before_mode != net.after_mode || net.old_path.is_some() {
            out.push(net);
        }
    }
    Ok(out)
}

/// Whether a version not made by the agent touched any path of `group` between two ids.
fn external_between(conn: &Connection, group: &[&Version], from: i64, to: i64) -> Result<bool> {
    let mut stmt = conn.prepare_cached(
        "SELECT 1 FROM file_versions WHERE worktree_id = ?1 AND origin != 'step'
           AND id > ?2 AND id < ?3 AND (path = ?4 OR old_path = ?4) LIMIT 1",
    )?;
    for v in group {
        for path in std::iter::once(&v.path).chain(v.old_path.as_ref()) {
            if stmt.exists(params![v.worktree_id, from, to, path])? {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

/// Reads a blob's content; `None` for an absent side or a blob kept by hash only.
pub fn content(store: &Store, id: Option<BlobId>) -> Result<Option<Vec<u8>>> {
    match id {
        None => Ok(None),
        Some(id) => blob::read(store.conn(), store.layout(), &id),
    }
}

/// Where a blamed line came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Baseline {
        time: Micros,
    },
    Step {
        step: i64,
        time: Micros,
    },
    /// Written by a rein operation (rewind, revert, undo).
    Op {
        op: i64,
        time: Micros,
    },
    /// Changed outside any step; `time` is when rein noticed, `None` if not yet recorded.
    External {
        time: Option<Micros>,
    },
}

/// Every recorded version of `path` in a work tree, following renames back, as one line of
/// history: oldest first, except that a run of versions that begins with a rename (the first
/// version, or the first after a deletion) is preceded by the history of the path it was
/// renamed from, up to that rename.
///
/// Versions before a deletion are included: the file as it is now does not descend from them,
/// unless a rein operation (rewind, undo) put one of their states back. [`blame`] decides
/// which versions matter. At most 64 paths are looked up, the last run's renames first, so
/// that a crafted cycle cannot loop forever.
pub fn file_history(conn: &Connection, worktree_id: i64, path: &str) -> Result<Vec<Version>> {
    let mut lookups = 64;
    history_before(conn, worktree_id, path, i64::MAX, &mut lookups)
}

/// The history of `path` from versions older than `before_id`; see [`file_history`].
fn history_before(
    conn: &Connection,
    worktree_id: i64,
    path: &str,
    before_id: i64,
    lookups: &mut usize,
) -> Result<Vec<Version>> {
    let Some(left) = lookups.checked_sub(1) else {
        return Ok(Vec::new());
    };
    *lookups = left;
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {VERSION_COLS} FROM file_versions
         WHERE worktree_id = ?1 AND path = ?2 AND id < ?3 ORDER BY id"
    ))?;
    let chunk: Vec<Version> = stmt
        .query_map(params![worktree_id, path, before_id], version_from)?
        .collect::<rusqlite::Result<_>>()?;
    drop(stmt);
    // Runs of versions, each ending with a deletion (but the last).
    let mut runs: Vec<Vec<Version>> = Vec::new();
    let mut run = Vec::new();
    for v in chunk {
        let deleted = v.change == "deleted";
        run.push(v);
        if deleted {
            runs.push(std::mem::take(&mut run));
        }
    }
    if !run.is_empty() {
        runs.push(run);
    }
    // The last run's rename comes first: it is what the file as it is now descends from.
    let mut sources: Vec<Vec<Version>> = Vec::with_capacity(runs.len());
    for run in runs.iter().rev() {
        let source = match run.first() {
            Some(v) if v.change == "renamed" => match &v.old_path {
                Some(old) => history_before(conn, worktree_id, old, v.id, lookups)?,
                None => Vec::new(),
            },
            _ => Vec::new(),
        };
        sources.push(source);
    }
    let mut out = Vec::new();
    for (run, source) in runs.into_iter().zip(sources.into_iter().rev()) {
        out.extend(source);
        out.extend(run);
    }
    Ok(out)
}

/// The id of a work tree, if rein knows it.
pub fn worktree_id(conn: &Connection, root: &Path) -> Result<Option<i64>> {
    Ok(conn
        .query_row(
            "SELECT id FROM worktrees WHERE root = ?1",
            [root.display().to_string()],
            |r| r.get(0),
        )
        .optional()?)
}

/// Blames `path` as it is now (`current`, `None` if it does not exist).
///
/// A version written by a rein operation (rewind, revert, undo) whose content is exactly that of
/// an earlier version of the file restores that version: its lines keep the origins they had
/// there (an agent step, the baseline), even if the file was deleted in between. Lines an
/// operation wrote that no earlier version held (a revert's merge) are blamed on the operation.
pub fn blame(
    store: &Store,
    worktree_id: i64,
    path: &str,
    current: Option<&[u8]>,
) -> Result<Vec<crate::blame::BlamedLine<Origin>>> {
    let history = file_history(store.conn(), worktree_id, path)?;
    let restore_of = restores(&history);
    // Versions the file as it is now cannot descend from are not even read.
    let first =
        crate::blame::reach_start(history.len(), |i| history[i].after.is_none(), &restore_of);
    let mut contents: Vec<(Origin, Option<Vec<u8>>)> =
        Vec::with_capacity(history.len() - first + 1);
    for v in &history[first..] {
        let origin = match v.origin.as_str() {
            "baseline" => Origin::Baseline { time: v.time },
            "step" => Origin::Step {
                step: v.step_id.unwrap_or_default(),
                time: v.time,
            },
            "op" => match op_of_version(store.conn(), v.id)? {
                Some(op) => Origin::Op { op, time: v.time },
                None => Origin::External { time: Some(v.time) },
            },
            _ => Origin::External { time: Some(v.time) },
        };
        let data = match v.after {
            Some(id) => blob::read(store.conn(), store.layout(), &id)?,
            None => None,
        };
        contents.push((origin, data));
    }
    // Renumbered from `first` (which no restore from there on reaches before).
    let restore_of: Vec<Option<usize>> = restore_of
        .get(first..)
        .unwrap_or_default()
        .iter()
        .map(|r| r.and_then(|j| j.checked_sub(first)))
        .collect();
    let last_matches = contents
        .last()
        .is_some_and(|(_, d)| d.as_deref() == current);
    if !last_matches {
        contents.push((Origin::External { time: None }, current.map(<[u8]>::to_vec)));
    }
    let versions: Vec<(Origin, Option<&[u8]>)> = contents
        .iter()
        .map(|(o, d)| (o.clone(), d.as_deref()))
        .collect();
    crate::blame::blame_with_restores(&versions, &restore_of)
        .map_err(|_| Error::Invalid(format!("{path} is a binary file")))
}

/// For each version of a history, the earlier version it restores: a version written by a rein
/// operation whose content (blob) an earlier, older version also had restores the latest such
/// version. Empty when there is none.
fn restores(history: &[Version]) -> Vec<Option<usize>> {
    if !history.iter().any(|v| v.origin == "op") {
        return Vec::new();
    }
    // Where each content appeared, in history order. A renamed-from history can precede
    // versions recorded before it, so a version only restores one with a smaller id.
    let mut seen: HashMap<BlobId, Vec<(i64, usize)>> = HashMap::new();
    let mut out = Vec::with_capacity(history.len());
    for (i, v) in history.iter().enumerate() {
        let Some(blob) = v.after else {
            out.push(None);
            continue;
        };
        let appearances = seen.entry(blob).or_default();
        let restored = if v.origin == "op" {
            appearances
                .iter()
                .rev()
                .find(|&&(id, _)| id < v.id)
                .map(|&(_, j)| j)
        } else {
            None
        };
        out.push(restored);
        appearances.push((v.id, i));
    }
    out
}

fn op_of_version(conn: &Connection, version: i64) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT op_id FROM file_versions WHERE id = ?1")?
        .query_row([version], |r| r.get(0))
        .optional()?
        .flatten())
}

/// When the newest event was recorded, if any.
pub fn last_event_time(conn: &Connection) -> Result<Option<Micros>> {
    Ok(conn
        .query_row("SELECT MAX(time) FROM audit", [], |r| r.get(0))
        .optional()?
        .flatten())
}

/// When the newest event of a work tree's sessions was recorded.
pub fn last_event_time_for(conn: &Connection, root: &Path) -> Result<Option<Micros>> {
    Ok(conn
        .query_row(
            "SELECT MAX(s.last_event_at) FROM sessions s JOIN worktrees w ON w.id = s.worktree_id
             WHERE w.root = ?1",
            [root.display().to_string()],
            |r| r.get(0),
        )
        .optional()?
        .flatten())
}

/// The last event of each agent, in the work tree at `root` (or anywhere), newest first.
pub fn last_event_by_agent(
    conn: &Connection,
    root: Option<&Path>,
) -> Result<Vec<(String, Micros)>> {
    let mut stmt = conn.prepare(
        "SELECT s.agent, MAX(s.last_event_at) AS t FROM sessions s
           LEFT JOIN worktrees w ON w.id = s.worktree_id
          WHERE (?1 IS NULL OR w.root = ?1) AND s.last_event_at IS NOT NULL
          GROUP BY s.agent ORDER BY t DESC",
    )?;
    let rows = stmt.query_map([root.map(|r| r.display().to_string())], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

/// Recent hook failures, newest first.
/// A hook failure logged for `rein doctor`.
#[derive(Debug, Clone)]
pub struct HookFailure {
    pub id: i64,
    pub time: Micros,
    pub agent: String,
    pub event: String,
    /// Already redacted when it was logged.
    pub message: String,
}

/// The meta key holding the id of the last hook failure `rein doctor --clear-failures` cleared.
const FAILURES_CLEARED: &str = "hook_failures_cleared_through";

/// Hook failures not cleared yet, newest first (at most `limit`), and how many there are in all.
pub fn hook_failures(conn: &Connection, limit: usize) -> Result<(Vec<HookFailure>, usize)> {
    let cleared = failures_cleared_through(conn)?;
    let mut stmt = conn.prepare(
        "SELECT id, time, agent, event, message FROM hook_failures WHERE id > ?1
          ORDER BY id DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![cleared, limit as i64], |r| {
        Ok(HookFailure {
            id: r.get(0)?,
            time: r.get(1)?,
            agent: r.get(2)?,
            event: r.get(3)?,
            message: r.get(4)?,
        })
    })?;
    let list = rows.collect::<rusqlite::Result<Vec<_>>>()?;
    let total: i64 = conn.query_row(
        "SELECT COUNT(*) FROM hook_failures WHERE id > ?1",
        [cleared],
        |r| r.get(0),
    )?;
    Ok((list, usize::try_from(total).unwrap_or(usize::MAX)))
}

fn failures_cleared_through(conn: &Connection) -> Result<i64> {
    Ok(conn
        .query_row(
            "SELECT value FROM meta WHERE key = ?1",
            [FAILURES_CLEARED],
            |r| r.get::<_, String>(0),
        )
        .optional()?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0))
}

/// Marks every hook failure logged so far as seen, so `rein doctor` stops warning about them
/// (they stay in the store). Returns how many were cleared.
pub fn clear_hook_failures(conn: &Connection) -> Result<usize> {
    let cleared = failures_cleared_through(conn)?;
    let newest: i64 =
        conn.query_row("SELECT COALESCE(MAX(id), 0) FROM hook_failures", [], |r| {
            r.get(0)
        })?;
    let count: i64 = conn.query_row(
        "SELECT COUNT(*) FROM hook_failures WHERE id > ?1",
        [cleared],
        |r| r.get(0),
    )?;
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        params![FAILURES_CLEARED, newest.max(cleared).to_string()],
    )?;
    Ok(usize::try_from(count).unwrap_or(0))
}

/// The gate's decision on a step, as recorded.
#[derive(Debug, Clone)]
pub struct DecisionRow {
    pub id: i64,
    pub time: Micros,
    pub answer: String,
    pub mode: String,
    pub enforced: bool,
    pub reason: String,
    pub rules: Vec<String>,
    pub policy_hash: Option<String>,
    pub detail: Value,
    pub error: Option<String>,
}

/// The latest decision recorded for a step (a retried PreToolUse is decided again).
pub fn decision_of_step(conn: &Connection, step: i64) -> Result<Option<DecisionRow>> {
    Ok(conn
        .prepare_cached(
            "SELECT id, time, answer, mode, enforced, reason, rules, policy_hash, detail, error
             FROM decisions WHERE step_id = ?1 ORDER BY id DESC LIMIT 1",
        )?
        .query_row([step], |r| {
            let rules: String = r.get(6)?;
            let detail: String = r.get(8)?;
            Ok(DecisionRow {
                id: r.get(0)?,
                time: r.get(1)?,
                answer: r.get(2)?,
                mode: r.get(3)?,
                enforced: r.get(4)?,
                reason: r.get(5)?,
                rules: serde_json::from_str(&rules).unwrap_or_default(),
                policy_hash: r.get(7)?,
                detail: serde_json::from_str(&detail).unwrap_or(Value::Null),
                error: r.get(9)?,
            })
        })
        .optional()?)
}

/// The delegating human recorded for an agent session, if the session is known.
pub fn session_human(conn: &Connection, agent: &str, session_id: &str) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT human FROM sessions WHERE agent = ?1 AND agent_session_id = ?2")?
        .query_row([agent, session_id], |r| r.get::<_, Option<String>>(0))
        .optional()?
        .flatten())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path()).expect("open");
        store
            .conn()
            .execute(
                "INSERT INTO worktrees (id, root, created_at) VALUES (1, '/w', 0)",
                [],
            )
            .expect("worktree");
        (dir, store)
    }

    /// Records a version of `path` (renamed from `old`) whose content is `after`.
    fn version(
        store: &Store,
        path: &str,
        old: Option<&str>,
        origin: &str,
        change: &str,
        after: Option<&str>,
    ) -> i64 {
        store
            .conn()
            .execute(
                "INSERT INTO file_versions (worktree_id, path, old_path, origin, change,
                     after_blob, after_mode, time)
                 VALUES (1, ?1, ?2, ?3, ?4, ?5, 420, 0)",
                params![
                    path,
                    old,
                    origin,
                    change,
                    after.map(|s| BlobId::of(s.as_bytes()).0.to_vec())
                ],
            )
            .expect("version");
        store.conn().last_insert_rowid()
    }

    fn ids(history: &[Version]) -> Vec<i64> {
        history.iter().map(|v| v.id).collect()
    }

    #[test]
    fn history_keeps_deleted_runs_and_follows_their_renames() {
        let (_d, s) = store();
        let base = version(&s, "README.md", None, "baseline", "baseline", Some("r0"));
        let mv = version(
            &s,
            "README.txt",
            Some("README.md"),
            "step",
            "renamed",
            Some("r0"),
        );
        let edit = version(&s, "README.txt", None, "step", "modified", Some("r1"));
        let del = version(&s, "README.txt", None, "op", "deleted", None);
        version(&s, "other.txt", None, "step", "added", Some("o"));
        let back = version(&s, "README.txt", None, "op", "added", Some("r1"));
        let history = file_history(s.conn(), 1, "README.txt").expect("history");
        assert_eq!(ids(&history), [base, mv, edit, del, back]);
        let restore_of = restores(&history);
        assert_eq!(restore_of, [None, None, None, None, Some(2)]);
        let deleted = |i: usize| history[i].after.is_none();
        assert_eq!(
            crate::blame::reach_start(history.len(), deleted, &restore_of),
            0
        );
    }

    #[test]
    fn without_ops_only_the_last_run_is_reached() {
        let (_d, s) = store();
        let first = version(&s, "a.txt", None, "step", "added", Some("a"));
        let del = version(&s, "a.txt", None, "step", "deleted", None);
        let again = version(&s, "a.txt", None, "step", "added", Some("a"));
        let history = file_history(s.conn(), 1, "a.txt").expect("history");
        assert_eq!(ids(&history), [first, del, again]);
        let restore_of = restores(&history);
        assert!(restore_of.is_empty(), "{restore_of:?}");
        let deleted = |i: usize| history[i].after.is_none();
        assert_eq!(
            crate::blame::reach_start(history.len(), deleted, &restore_of),
            2
        );
    }

    #[test]
    fn an_op_restores_the_latest_older_version_with_its_content() {
        let (_d, s) = store();
        // q.txt, changed by an op to what p.txt holds later, then renamed onto p.txt after
        // p.txt's own deletion: the history lists p.txt's first run before q.txt's versions.
        let q = version(&s, "q.txt", None, "step", "added", Some("q"));
        let q_op = version(&s, "q.txt", None, "op", "modified", Some("x"));
        let p = version(&s, "p.txt", None, "step", "added", Some("x"));
        let p_del = version(&s, "p.txt", None, "step", "deleted", None);
        let mv = version(&s, "p.txt", Some("q.txt"), "step", "renamed", Some("x"));
        let p_op = version(&s, "p.txt", None, "op", "modified", Some("q"));
        let p_op2 = version(&s, "p.txt", None, "op", "modified", Some("x"));
        let history = file_history(s.conn(), 1, "p.txt").expect("history");
        assert_eq!(ids(&history), [p, p_del, q, q_op, mv, p_op, p_op2]);
        // q_op's content is p's, but p was recorded after it: no restore. p_op restores q,
        // p_op2 the latest of p, q_op and mv.
        assert_eq!(
            restores(&history),
            [None, None, None, None, None, Some(2), Some(4)]
        );
    }
}
