//! The recorder: turns one [`Event`] into sessions, turns, steps and file versions, captures the
//! files the event's tool changed, and appends the event to the audit chain — all in one
//! transaction, so a hook killed at any point leaves the store consistent.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Value, json};

use crate::audit;
use crate::blob::PreparedBlob;
use crate::capture::{self, CaptureConfig, ChangeKind, FileChange, StatCache, WorktreeLock};
use crate::error::Result;
use crate::event::{CaptureMode, Event, EventKind, ToolCall};
use crate::store::Store;
use crate::time::{Micros, now_micros};

/// Longest error or denial reason kept; longer ones are cut with a marker.
const MAX_AUDIT_STRING: usize = 64 << 10;
/// Payload strings longer than this are stored once as blobs and referenced by hash. Claude Code
/// repeats file contents in payloads (Write's `content`, Edit's `originalFile`), usually
/// byte-identical to a recorded version, so they cost nothing more; the chain still commits to
/// them through the hash.
const INLINE_PAYLOAD_STRING: usize = 4 << 10;
/// Longest string kept in a step's input or response.
const MAX_STEP_STRING: usize = 1 << 20;
/// How long a hook waits for another hook's capture of the same work tree.
const LOCK_WAIT: Duration = Duration::from_secs(10);

/// Facts about the host that the CLI resolves (the library never reads the environment).
pub struct Host<'a> {
    /// `ci` or `local`.
    pub environment: &'a str,
    pub config: &'a CaptureConfig,
    /// Resolves the delegating human for a new session (config, git user.email, `$USER`).
    /// Called only when a session is first seen, because it may spawn git.
    pub resolve_human: &'a dyn Fn(&Path) -> Option<String>,
}

/// What the recorder did with an event.
#[derive(Debug, Default)]
pub struct Outcome {
    pub audit_seq: i64,
    pub session: i64,
    pub step: Option<i64>,
    pub changes: usize,
    /// Set when capture could not run completely; the event itself was still recorded.
    pub capture_warning: Option<String>,
}

/// Who a batch of changes is attributed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Attribution {
    /// Made by this step (`first sight` of a file means the step created it).
    Step,
    /// Found between steps: external, or baseline on first sight.
    Between,
}

struct Captured {
    changes: Vec<FileChange>,
    blobs: Vec<PreparedBlob>,
    attribution: Attribution,
    cache: Option<StatCache>,
    baseline_walk: bool,
    lock: Option<WorktreeLock>,
    complete: bool,
}

/// A gate decision to record with its PreToolUse event. The library keeps it as JSON so that it
/// does not depend on the policy engine's types.
#[derive(Debug, Clone)]
pub struct DecisionRecord {
    /// `allow`, `ask` or `deny`.
    pub answer: String,
    /// `enforce` or `monitor`.
    pub mode: String,
    /// Whether the answer was given to the agent (false in monitor mode).
    pub enforced: bool,
    pub reason: String,
    pub rules: Vec<String>,
    pub policy_hash: Option<String>,
    /// Principal, tool, input and context.
    pub request: Value,
    /// Effects and matched rules with their files and lines.
    pub detail: Value,
    /// Set when the gate failed closed.
    pub error: Option<String>,
}

impl DecisionRecord {
    /// True when the agent was told not to run the call (deny, or ask where asking blocks).
    pub fn blocks(&self) -> bool {
        self.enforced && self.answer == "deny"
    }

    fn to_json(&self) -> Value {
        json!({
            "answer": self.answer,
            "mode": self.mode,
            "enforced": self.enforced,
            "reason": self.reason,
            "rules": self.rules,
            "policy_hash": self.policy_hash,
            "request": self.request,
            "detail": self.detail,
            "error": self.error,
        })
    }
}

/// Records one event.
pub fn record(store: &mut Store, host: &Host<'_>, event: Event) -> Result<Outcome> {
    record_with_decision(store, host, event, None)
}

/// Records one event, with the gate's decision when it is a PreToolUse. Event, step, decision
/// and audit record are written in one transaction: a decision is never recorded without its
/// audit entry, or the other way round.
pub fn record_with_decision(
    store: &mut Store,
    host: &Host<'_>,
    mut event: Event,
    decision: Option<&DecisionRecord>,
) -> Result<Outcome> {
    redact_event(&mut event);
    let mut payload_blobs = Vec::new();
    externalize_strings(&mut event.raw, store.layout(), &mut payload_blobs)?;
    if let EventKind::ToolPost { response, .. } = &mut event.kind {
        externalize_strings(response, store.layout(), &mut payload_blobs)?;
    }
    let now = now_micros();
    let cwd = PathBuf::from(&event.cwd);
    let root = if cwd.is_absolute() {
        crate::worktree::find_root(&cwd)
    } else {
        None
    };
    let worktree = match &root {
        Some(r) => Some(ensure_worktree(store.conn(), r, now)?),
        None => None,
    };

    let mut warning = None;
    // A blocked call changes nothing; its external-change walk can wait for the next event.
    let skip_capture = decision.is_some_and(DecisionRecord::blocks);
    let captured = match (&root, worktree) {
        (Some(root), Some((wt_id, baselined))) if !skip_capture => {
            match capture_for(store, host.config, &event, root, &cwd, wt_id, baselined) {
                Ok(c) => c,
                Err(e) => {
                    warning = Some(format!("capture failed: {e}"));
                    None
                }
            }
        }
        _ => None,
    };
    if let Some(c) = &captured
        && !c.complete
    {
        warning = Some("capture incomplete: the work tree walk hit its file or time limit".into());
    }

    let human = session_exists(store.conn(), &event)?
        .is_none()
        .then(|| (host.resolve_human)(root.as_deref().unwrap_or(&cwd)))
        .flatten();

    let tx = store.write_tx()?;
    for b in &payload_blobs {
        b.insert(&tx)?;
    }
    let session = upsert_session(
        &tx,
        &event,
        worktree.map(|w| w.0),
        human.as_deref(),
        host.environment,
        now,
    )?;
    let step = apply_kind(&tx, session, &event, now)?;
    let capture_status = match (&captured, &warning) {
        (_, Some(_)) => "incomplete",
        (Some(_), None) => "ok",
        (None, None) => "none",
    };
    if let (Some(step), EventKind::ToolPost { .. } | EventKind::ToolFailed { .. }) =
        (step, &event.kind)
    {
        tx.execute(
            "UPDATE steps SET capture = ?1 WHERE id = ?2",
            params![capture_status, step],
        )?;
    }

    if let Some(d) = decision {
        let tool_use_id = match &event.kind {
            EventKind::ToolPre(call) => Some(call.tool_use_id.as_str()),
            _ => None,
        };
        let mut request = d.request.clone();
        crate::redact::redact_json(&mut request);
        let mut detail = d.detail.clone();
        crate::redact::redact_json(&mut detail);
        tx.execute(
            "INSERT INTO decisions (session_id, step_id, tool_use_id, time, answer, mode, enforced,
                 reason, rules, policy_hash, request, detail, error)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            params![
                session,
                step,
                tool_use_id,
                now,
                d.answer,
                d.mode,
                d.enforced,
                crate::redact::redact_str(&d.reason),
                Value::from(d.rules.clone()).to_string(),
                d.policy_hash,
                request.to_string(),
                detail.to_string(),
                d.error
                    .as_deref()
                    .map(|e| crate::redact::redact_str(e).into_owned()),
            ],
        )?;
        if let (Some(step), true) = (step, d.blocks()) {
            tx.execute(
                "UPDATE steps SET status = 'denied', error = ?1, ended_at = ?2 WHERE id = ?3",
                params![crate::redact::redact_str(&d.reason), now, step],
            )?;
        }
    }

    let mut change_records = Vec::new();
    let mut baseline_files = 0usize;
    let mut baseline_digest = blake3::Hasher::new();
    if let (Some(c), Some((wt_id, _))) = (&captured, worktree) {
        for b in &c.blobs {
            b.insert(&tx)?;
        }
        for ch in &c.changes {
            let (origin, step_id) = match (c.attribution, ch.kind) {
                (Attribution::Step, _) => ("step", step),
                (Attribution::Between, ChangeKind::Baseline) => ("baseline", None),
                (Attribution::Between, _) => ("external", None),
            };
            tx.execute(
                "INSERT INTO file_versions (worktree_id, path, old_path, origin, change, step_id,
                     session_id, before_blob, after_blob, before_mode, after_mode, time)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                params![
                    wt_id,
                    ch.path,
                    ch.old_path,
                    origin,
                    ch.kind.as_str(),
                    step_id,
                    session,
                    ch.before.as_ref().map(|b| b.0.to_vec()),
                    ch.after.as_ref().map(|b| b.0.to_vec()),
                    ch.before_mode,
                    ch.after_mode,
                    now
                ],
            )?;
            if ch.kind == ChangeKind::Baseline {
                baseline_files += 1;
                baseline_digest.update(ch.path.as_bytes());
                baseline_digest.update(&[0]);
                baseline_digest.update(&ch.after.map_or([0; 32], |b| b.0));
            } else {
                change_records.push(json!({
                    "path": ch.path,
                    "old_path": ch.old_path,
                    "change": ch.kind.as_str(),
                    "origin": origin,
                    "before": ch.before.map(|b| b.to_hex()),
                    "after": ch.after.map(|b| b.to_hex()),
                }));
            }
        }
        if c.baseline_walk && c.complete {
            tx.execute(
                "UPDATE worktrees SET baseline_at = ?1 WHERE id = ?2 AND baseline_at IS NULL",
                params![now, wt_id],
            )?;
        }
    }

    // Remember where each session, prompt and step began in the work tree's history: a rewind
    // goes back to exactly that point (after the external changes found just before it).
    if let Some((wt_id, _)) = worktree {
        let mark = "(SELECT COALESCE(MAX(id), 0) FROM file_versions WHERE worktree_id = ?1)";
        tx.execute(
            &format!(
                "UPDATE sessions SET versions_before = {mark} WHERE id = ?2 AND versions_before IS NULL"
            ),
            params![wt_id, session],
        )?;
        match (&event.kind, step) {
            (EventKind::Prompt { .. }, _) => {
                tx.execute(
                    &format!(
                        "UPDATE turns SET versions_before = {mark}
                          WHERE id = (SELECT MAX(id) FROM turns WHERE session_id = ?2)
                            AND versions_before IS NULL"
                    ),
                    params![wt_id, session],
                )?;
            }
            (EventKind::ToolPre(_), Some(step)) => {
                tx.execute(
                    &format!(
                        "UPDATE steps SET versions_before = {mark}
                          WHERE id = ?2 AND versions_before IS NULL"
                    ),
                    params![wt_id, step],
                )?;
            }
            _ => {}
        }
    }

    let mut data = json!({
        "agent": event.agent,
        "event": event.name,
        "session": session,
        "payload": event.raw,
    });
    if let Some(step) = step {
        data["step"] = json!(step);
    }
    if let Some(root) = &root {
        data["worktree"] = json!(root.display().to_string());
    }
    if !change_records.is_empty() {
        data["changes"] = Value::Array(change_records);
    }
    if baseline_files > 0 {
        data["baseline"] = json!({
            "files": baseline_files,
            "digest": baseline_digest.finalize().to_hex().to_string(),
        });
    }
    if let Some(w) = &warning {
        data["capture_warning"] = json!(w);
    }
    if let Some(d) = decision {
        let mut value = d.to_json();
        crate::redact::redact_json(&mut value);
        data["decision"] = value;
    }
    let kind = format!("{}.{}", event.agent, event.name);
    let audit_seq = audit::append(&tx, now, &kind, &data)?;
    tx.commit()?;

    let mut changes = 0;
    if let (Some(c), Some((wt_id, _))) = (captured, worktree) {
        changes = c.changes.len();
        if let (Some(mut cache), Some(lock)) = (c.cache, &c.lock) {
            cache.last_version_id = max_version_id(store.conn(), wt_id)?;
            // The cache only accelerates; failing to save it costs time on the next walk.
            if let Err(e) = cache.save(&lock.cache_path()) {
                warning.get_or_insert(format!("could not save the stat cache: {e}"));
            }
        }
    }
    Ok(Outcome {
        audit_seq,
        session,
        step,
        changes,
        capture_warning: warning,
    })
}

/// Walks a work tree and records every file as baseline (or as external, if rein already knew it
/// and it changed). Used by `rein init` so that the first session does not pay for it.
pub fn baseline(store: &mut Store, config: &CaptureConfig, root: &Path) -> Result<(usize, bool)> {
    let now = now_micros();
    let (wt_id, baselined) = ensure_worktree(store.conn(), root, now)?;
    let Some(lock) = WorktreeLock::acquire(store.layout(), root, LOCK_WAIT)? else {
        return Err(crate::Error::Invalid(
            "another rein process is capturing this work tree; try again".into(),
        ));
    };
    let cached = StatCache::load(&lock.cache_path());
    let scan = capture::scan(
        store.conn(),
        store.layout(),
        wt_id,
        root,
        baselined,
        cached.as_ref(),
        config,
    )?;
    let tx = store.write_tx()?;
    for b in &scan.blobs {
        b.insert(&tx)?;
    }
    let mut digest = blake3::Hasher::new();
    for ch in &scan.changes {
        let origin = if ch.kind == ChangeKind::Baseline {
            "baseline"
        } else {
            "external"
        };
        tx.execute(
            "INSERT INTO file_versions (worktree_id, path, old_path, origin, change, before_blob,
                 after_blob, before_mode, after_mode, time)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                wt_id,
                ch.path,
                ch.old_path,
                origin,
                ch.kind.as_str(),
                ch.before.as_ref().map(|b| b.0.to_vec()),
                ch.after.as_ref().map(|b| b.0.to_vec()),
                ch.before_mode,
                ch.after_mode,
                now
            ],
        )?;
        digest.update(ch.path.as_bytes());
        digest.update(&[0]);
        digest.update(&ch.after.map_or([0; 32], |b| b.0));
    }
    if scan.complete {
        tx.execute(
            "UPDATE worktrees SET baseline_at = ?1 WHERE id = ?2 AND baseline_at IS NULL",
            params![now, wt_id],
        )?;
    }
    audit::append(
        &tx,
        now,
        "rein.baseline",
        &json!({
            "worktree": root.display().to_string(),
            "files_seen": scan.files_seen,
            "changes": scan.changes.len(),
            "digest": digest.finalize().to_hex().to_string(),
            "complete": scan.complete,
        }),
    )?;
    tx.commit()?;
    if let Some(mut cache) = scan.cache {
        cache.last_version_id = max_version_id(store.conn(), wt_id)?;
        cache.save(&lock.cache_path())?;
    }
    Ok((scan.files_seen, scan.complete))
}

#[allow(clippy::too_many_arguments)]
fn capture_for(
    store: &Store,
    config: &CaptureConfig,
    event: &Event,
    root: &Path,
    cwd: &Path,
    wt_id: i64,
    baselined: bool,
) -> Result<Option<Captured>> {
    let (mode, attribution) = match &event.kind {
        EventKind::SessionStart { .. } | EventKind::Prompt { .. } | EventKind::Stop => {
            (CaptureMode::Walk, Attribution::Between)
        }
        EventKind::ToolPre(call) => (call.capture_mode(), Attribution::Between),
        EventKind::ToolPost { call, .. } | EventKind::ToolFailed { call, .. } => {
            (call.capture_mode(), Attribution::Step)
        }
        _ => (CaptureMode::None, Attribution::Between),
    };
    if mode == CaptureMode::None {
        return Ok(None);
    }
    let Some(lock) = WorktreeLock::acquire(store.layout(), root, LOCK_WAIT)? else {
        return Err(crate::Error::Invalid(
            "timed out waiting for another hook's capture of this work tree".into(),
        ));
    };
    match mode {
        CaptureMode::None => Ok(None),
        CaptureMode::Walk => {
            let cached = StatCache::load(&lock.cache_path());
            let scan = capture::scan(
                store.conn(),
                store.layout(),
                wt_id,
                root,
                baselined,
                cached.as_ref(),
                config,
            )?;
            // A step's walk on a never-baselined tree must not claim every file as its own: the
            // first walk only establishes the baseline.
            let attribution = if baselined {
                attribution
            } else {
                Attribution::Between
            };
            Ok(Some(Captured {
                changes: scan.changes,
                blobs: scan.blobs,
                attribution,
                cache: scan.cache,
                baseline_walk: !baselined,
                complete: scan.complete,
                lock: Some(lock),
            }))
        }
        CaptureMode::Declared(paths) => {
            let mut changes = Vec::new();
            let mut blobs = Vec::new();
            for p in paths {
                let abs = if Path::new(&p).is_absolute() {
                    PathBuf::from(&p)
                } else {
                    cwd.join(&p)
                };
                let Some(rel) = crate::worktree::relative(root, &abs) else {
                    continue;
                };
                if !config.include_ignored && is_ignored(root, &rel) {
                    continue;
                }
                // Before a step, a file rein never saw is baseline (or external once the tree
                // is baselined); after it, a file rein had not seen was created by the step.
                let baselined_for_compare = match attribution {
                    Attribution::Step => true,
                    Attribution::Between => baselined,
                };
                if let Some((change, blob)) = capture::compare_path(
                    store.conn(),
                    store.layout(),
                    wt_id,
                    root,
                    &rel,
                    baselined_for_compare,
                    config.max_file_bytes,
                )? {
                    changes.push(change);
                    blobs.extend(blob);
                }
            }
            Ok(Some(Captured {
                changes,
                blobs,
                attribution,
                cache: None,
                baseline_walk: false,
                complete: true,
                lock: Some(lock),
            }))
        }
    }
}

/// Whether git's ignore rules exclude `rel` (checking each directory's `.gitignore` on the way).
fn is_ignored(root: &Path, rel: &str) -> bool {
    use ignore::gitignore::GitignoreBuilder;
    let mut builder = GitignoreBuilder::new(root);
    let _ = builder.add(root.join(".git").join("info").join("exclude"));
    let mut dir = root.to_path_buf();
    let _ = builder.add(dir.join(".gitignore"));
    let parts: Vec<&str> = rel.split('/').collect();
    for part in &parts[..parts.len().saturating_sub(1)] {
        dir.push(part);
        let _ = builder.add(dir.join(".gitignore"));
    }
    match builder.build() {
        Ok(gi) => gi
            .matched_path_or_any_parents(root.join(rel), false)
            .is_ignore(),
        Err(_) => false,
    }
}

fn ensure_worktree(conn: &Connection, root: &Path, now: Micros) -> Result<(i64, bool)> {
    let root_s = root.display().to_string();
    let row: Option<(i64, Option<i64>)> = conn
        .query_row(
            "SELECT id, baseline_at FROM worktrees WHERE root = ?1",
            [&root_s],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    if let Some((id, baseline)) = row {
        return Ok((id, baseline.is_some()));
    }
    conn.execute(
        "INSERT OR IGNORE INTO worktrees (root, created_at) VALUES (?1, ?2)",
        params![root_s, now],
    )?;
    let (id, baseline): (i64, Option<i64>) = conn.query_row(
        "SELECT id, baseline_at FROM worktrees WHERE root = ?1",
        [&root_s],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok((id, baseline.is_some()))
}

fn session_exists(conn: &Connection, event: &Event) -> Result<Option<i64>> {
    Ok(conn
        .query_row(
            "SELECT id FROM sessions WHERE agent = ?1 AND agent_session_id = ?2",
            params![event.agent, event.session_id],
            |r| r.get(0),
        )
        .optional()?)
}

fn upsert_session(
    tx: &Connection,
    event: &Event,
    worktree: Option<i64>,
    human: Option<&str>,
    environment: &str,
    now: Micros,
) -> Result<i64> {
    let model = match &event.kind {
        EventKind::SessionStart { model, .. } => model.clone(),
        _ => None,
    };
    tx.execute(
        "INSERT INTO sessions (agent, agent_session_id, worktree_id, cwd, transcript_path, human,
             environment, model, permission_mode, started_at, last_event_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)
         ON CONFLICT(agent, agent_session_id) DO UPDATE SET
             last_event_at = excluded.last_event_at,
             worktree_id = COALESCE(sessions.worktree_id, excluded.worktree_id),
             transcript_path = COALESCE(excluded.transcript_path, sessions.transcript_path),
             model = COALESCE(excluded.model, sessions.model),
             permission_mode = COALESCE(excluded.permission_mode, sessions.permission_mode)",
        params![
            event.agent,
            event.session_id,
            worktree,
            event.cwd,
            event.transcript_path,
            human,
            environment,
            model,
            event.permission_mode,
            now
        ],
    )?;
    Ok(tx.query_row(
        "SELECT id FROM sessions WHERE agent = ?1 AND agent_session_id = ?2",
        params![event.agent, event.session_id],
        |r| r.get(0),
    )?)
}

/// Applies the event to turns and steps; returns the step it concerns, if any.
fn apply_kind(tx: &Connection, session: i64, event: &Event, now: Micros) -> Result<Option<i64>> {
    match &event.kind {
        EventKind::Prompt { prompt_id, prompt } => {
            let prompt = truncate_str(prompt, MAX_STEP_STRING);
            match prompt_id {
                Some(pid) => tx.execute(
                    "INSERT INTO turns (session_id, prompt_id, prompt, created_at)
                     VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT(session_id, prompt_id) WHERE prompt_id IS NOT NULL
                     DO UPDATE SET prompt = excluded.prompt",
                    params![session, pid, prompt, now],
                )?,
                None => tx.execute(
                    "INSERT INTO turns (session_id, prompt, created_at) VALUES (?1, ?2, ?3)",
                    params![session, prompt, now],
                )?,
            };
            Ok(None)
        }
        EventKind::ToolPre(call) => Ok(Some(ensure_step(tx, session, call, now)?)),
        EventKind::ToolPost {
            call,
            response,
            duration_ms,
        } => {
            let step = ensure_step(tx, session, call, now)?;
            tx.execute(
                "UPDATE steps SET status = 'ok', response = ?1, ended_at = ?2,
                     duration_ms = COALESCE(?3, duration_ms) WHERE id = ?4",
                params![
                    response.to_string(),
                    now,
                    duration_ms.map(|d| d as i64),
                    step
                ],
            )?;
            Ok(Some(step))
        }
        EventKind::ToolFailed {
            call,
            error,
            interrupted,
            duration_ms,
        } => {
            let step = ensure_step(tx, session, call, now)?;
            let error = if *interrupted {
                format!("interrupted: {error}")
            } else {
                error.clone()
            };
            tx.execute(
                "UPDATE steps SET status = 'failed', error = ?1, ended_at = ?2,
                     duration_ms = COALESCE(?3, duration_ms) WHERE id = ?4",
                params![
                    truncate_str(&error, MAX_AUDIT_STRING),
                    now,
                    duration_ms.map(|d| d as i64),
                    step
                ],
            )?;
            Ok(Some(step))
        }
        EventKind::ToolDenied { call, reason } => {
            let step = ensure_step(tx, session, call, now)?;
            tx.execute(
                "UPDATE steps SET status = 'denied', error = ?1, ended_at = ?2 WHERE id = ?3",
                params![truncate_str(reason, MAX_AUDIT_STRING), now, step],
            )?;
            Ok(Some(step))
        }
        EventKind::Stop => {
            // Every tool of the turn has answered by now: a call still pending never ran.
            tx.execute(
                "UPDATE steps SET status = 'denied', ended_at = ?1,
                     error = 'no result was reported: blocked by a hook or a permission rule'
                 WHERE session_id = ?2 AND status = 'pending'",
                params![now, session],
            )?;
            Ok(None)
        }
        EventKind::SubagentStart {
            agent_id,
            agent_type,
        } => {
            tx.execute(
                "INSERT INTO subagents (session_id, agent_id, agent_type, started_at)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(session_id, agent_id) DO UPDATE SET started_at = excluded.started_at",
                params![session, agent_id, agent_type, now],
            )?;
            Ok(None)
        }
        EventKind::SubagentStop {
            agent_id,
            agent_type,
        } => {
            tx.execute(
                "INSERT INTO subagents (session_id, agent_id, agent_type, stopped_at)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(session_id, agent_id) DO UPDATE SET stopped_at = excluded.stopped_at",
                params![session, agent_id, agent_type, now],
            )?;
            Ok(None)
        }
        EventKind::SessionEnd { reason } => {
            tx.execute(
                "UPDATE sessions SET ended_at = ?1, end_reason = ?2 WHERE id = ?3",
                params![now, reason, session],
            )?;
            Ok(None)
        }
        EventKind::SessionStart { .. } | EventKind::PreCompact { .. } | EventKind::Other => {
            Ok(None)
        }
    }
}

/// Finds or creates the step of a tool call (a missed PreToolUse must not lose the step).
fn ensure_step(tx: &Connection, session: i64, call: &ToolCall, now: Micros) -> Result<i64> {
    if let Some(id) = tx
        .query_row(
            "SELECT id FROM steps WHERE session_id = ?1 AND tool_use_id = ?2",
            params![session, call.tool_use_id],
            |r| r.get(0),
        )
        .optional()?
    {
        return Ok(id);
    }
    let turn = find_turn(tx, session, call.prompt_id.as_deref(), now)?;
    let input = truncate_strings(call.input.clone(), MAX_STEP_STRING);
    tx.execute(
        "INSERT INTO steps (session_id, turn_id, tool_use_id, agent_id, tool, input, status,
             started_at, capture)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending', ?7, 'none')",
        params![
            session,
            turn,
            call.tool_use_id,
            call.agent_id,
            call.tool,
            input.to_string(),
            now
        ],
    )?;
    Ok(tx.last_insert_rowid())
}

fn find_turn(
    tx: &Connection,
    session: i64,
    prompt_id: Option<&str>,
    now: Micros,
) -> Result<Option<i64>> {
    if let Some(pid) = prompt_id {
        let found: Option<i64> = tx
            .query_row(
                "SELECT id FROM turns WHERE session_id = ?1 AND prompt_id = ?2",
                params![session, pid],
                |r| r.get(0),
            )
            .optional()?;
        if found.is_some() {
            return Ok(found);
        }
        // The prompt itself was not seen (hooks installed mid-session): keep the grouping.
        tx.execute(
            "INSERT INTO turns (session_id, prompt_id, created_at) VALUES (?1, ?2, ?3)",
            params![session, pid, now],
        )?;
        return Ok(Some(tx.last_insert_rowid()));
    }
    Ok(tx
        .query_row(
            "SELECT id FROM turns WHERE session_id = ?1 ORDER BY id DESC LIMIT 1",
            [session],
            |r| r.get(0),
        )
        .optional()?)
}

fn max_version_id(conn: &Connection, wt_id: i64) -> Result<i64> {
    Ok(conn.query_row(
        "SELECT COALESCE(MAX(id), 0) FROM file_versions WHERE worktree_id = ?1",
        [wt_id],
        |r| r.get(0),
    )?)
}

/// Redacts every secret in the event before anything is stored.
fn redact_event(event: &mut Event) {
    crate::redact::redact_json(&mut event.raw);
    match &mut event.kind {
        EventKind::Prompt { prompt, .. } => {
            if let std::borrow::Cow::Owned(p) = crate::redact::redact_str(prompt) {
                *prompt = p;
            }
        }
        EventKind::ToolPre(call) | EventKind::ToolDenied { call, .. } => {
            crate::redact::redact_json(&mut call.input);
            if let EventKind::ToolDenied { reason, .. } = &mut event.kind
                && let std::borrow::Cow::Owned(r) = crate::redact::redact_str(reason)
            {
                *reason = r;
            }
        }
        EventKind::ToolPost { call, response, .. } => {
            crate::redact::redact_json(&mut call.input);
            crate::redact::redact_json(response);
        }
        EventKind::ToolFailed { call, error, .. } => {
            crate::redact::redact_json(&mut call.input);
            if let std::borrow::Cow::Owned(e) = crate::redact::redact_str(error) {
                *error = e;
            }
        }
        _ => {}
    }
}

/// Replaces every string longer than [`INLINE_PAYLOAD_STRING`] with a reference to a blob
/// holding it: `[rein:blob <blake3> <n> bytes]`.
fn externalize_strings(
    value: &mut Value,
    layout: &crate::store::Layout,
    blobs: &mut Vec<PreparedBlob>,
) -> Result<()> {
    // serde_json's parser bounds nesting (128 levels), so recursion here is bounded too.
    match value {
        Value::String(s) if s.len() > INLINE_PAYLOAD_STRING => {
            let blob = PreparedBlob::prepare(layout, s.as_bytes())?;
            *s = format!("[rein:blob {} {} bytes]", blob.id, s.len());
            blobs.push(blob);
        }
        Value::Array(a) => {
            for v in a {
                externalize_strings(v, layout, blobs)?;
            }
        }
        Value::Object(o) => {
            for v in o.values_mut() {
                externalize_strings(v, layout, blobs)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Cuts every string longer than `max` bytes, keeping its length and hash so it stays evidence.
pub fn truncate_strings(mut value: Value, max: usize) -> Value {
    fn walk(v: &mut Value, max: usize, depth: usize) {
        if depth > 64 {
            *v = Value::String("[too deeply nested]".into());
            return;
        }
        match v {
            Value::String(s) if s.len() > max => *s = truncate_str(s, max),
            Value::Array(a) => a.iter_mut().for_each(|x| walk(x, max, depth + 1)),
            Value::Object(o) => o.values_mut().for_each(|x| walk(x, max, depth + 1)),
            _ => {}
        }
    }
    walk(&mut value, max, 0);
    value
}

fn truncate_str(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut cut = max;
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    format!(
        "{}…[truncated: {} bytes in all, blake3 {}]",
        &s[..cut],
        s.len(),
        &blake3::hash(s.as_bytes()).to_hex()[..16]
    )
}
