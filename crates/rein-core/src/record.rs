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
use crate::inflight::{self, AgentProcess, Claims, InFlight, Owner, ThreadEnd};
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
    /// The process running the agent that sent the event (this hook's nearest ancestor that is
    /// not a shell), when the host can tell.
    pub agent: Option<AgentProcess>,
    /// Whether a process is still running: `Some(false)` only when it is certainly gone (a step
    /// in flight whose agent is gone is closed); `None` when the host cannot tell.
    pub process_alive: &'a dyn Fn(AgentProcess) -> Option<bool>,
    /// What a shell command may write, when its analysis bounds it (absolute paths; `None`:
    /// anything). Used for a step whose PreToolUse was missed, so that its claims are as narrow
    /// as its gate decision's would have been.
    pub shell_writes: &'a dyn Fn(&ToolCall, &Path) -> Option<Vec<String>>,
    /// Runs the commit of an event's transaction, or refuses it (an error, and nothing is
    /// written): a host that has already answered the agent because its deadline passed must not
    /// record a decision it did not give. `None`: commit.
    pub commit: Option<&'a CommitGuard<'a>>,
}

/// See [`Host::commit`]: given the commit, runs it or refuses.
pub type CommitGuard<'a> = dyn Fn(&mut dyn FnMut() -> Result<()>) -> Result<()> + 'a;

/// A `shell_writes` for hosts without a shell analyzer: anything.
pub fn writes_unknown(_: &ToolCall, _: &Path) -> Option<Vec<String>> {
    None
}

/// A `process_alive` for hosts that cannot tell.
pub fn liveness_unknown(_: AgentProcess) -> Option<bool> {
    None
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

/// Whether an event's capture is about a step that has just run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Attribution {
    /// After a step (`first sight` of a file means the step created it).
    Step,
    /// Between steps: what nobody in flight can account for is external (baseline on first
    /// sight).
    Between,
}

/// Who a recorded change is attributed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    /// The event's own step.
    ThisStep,
    /// A step closed by this event without a result (its session).
    Closed {
        step: i64,
        session: i64,
    },
    External,
    Baseline,
}

struct Captured {
    changes: Vec<(FileChange, Origin)>,
    blobs: Vec<PreparedBlob>,
    cache: Option<StatCache>,
    baseline_walk: bool,
    lock: Option<WorktreeLock>,
    complete: bool,
    /// Paths whose changes a step still in flight claims: nothing recorded for them yet.
    held: Vec<String>,
    /// The steps in flight (besides those this event completes or closes) when the walk ran.
    in_flight: Vec<i64>,
    /// Steps this event closes without a result: those of the agent thread it ends, and any
    /// whose agent process is gone.
    closing: Vec<i64>,
}

/// A step in flight whose agent process rein cannot watch is taken for abandoned after this
/// long (six hours, in microseconds).
const ABANDONED_AFTER: i64 = 6 * 60 * 60 * 1_000_000;

/// Most held paths named in one audit record (the count is always exact).
const MAX_AUDIT_HELD: usize = 100;

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
    /// What the call may write, when the analysis bounds it: absolute paths (a directory covers
    /// its contents). `None`: anything. Only consulted for tools that do not declare their paths.
    pub writes: Option<Vec<String>>,
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
    let known_session = session_exists(store.conn(), &event)?;

    let mut warning = None;
    // A blocked call changes nothing; its external-change walk can wait for the next event.
    let skip_capture = decision.is_some_and(DecisionRecord::blocks);
    let captured = match (&root, worktree) {
        (Some(root), Some((wt_id, baselined))) if !skip_capture => {
            let at = CaptureAt {
                root,
                cwd: &cwd,
                wt_id,
                baselined,
                session: known_session,
            };
            match capture_for(store, host, &event, &at) {
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

    let human = known_session
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
        host.agent,
        now,
    )?;
    let claims = match (&event.kind, &root) {
        (EventKind::ToolPre(call), Some(root)) => step_claims(call, decision, root, &cwd),
        _ => None,
    };
    let step = apply_kind(&tx, session, &event, now, claims.as_ref(), host.agent)?;
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

    // Steps closed by this event (with whether they were given changes).
    let closing: Vec<i64> = match (&captured, thread_end(&event.kind)) {
        (Some(c), _) => c.closing.clone(),
        // No capture was needed (outside a work tree); a failed capture closes nothing, so that
        // the steps keep their claims until a walk can give them their changes.
        // A blocked call skipped its capture: the thread's steps wait for the next event.
        (None, Some(end)) if warning.is_none() && !skip_capture => {
            inflight::closed_by(&tx, session, end)?
                .into_iter()
                .map(|(id, _)| id)
                .collect()
        }
        (None, _) => Vec::new(),
    };
    let inserted = insert_captured(
        &tx,
        captured.as_ref().zip(worktree.map(|w| w.0)),
        Some(session),
        step,
        &closing,
        now,
    )?;
    let Inserted {
        change_records,
        baseline_files,
        baseline_digest,
        closed,
    } = inserted;

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
    if let Some(c) = &claims {
        data["claims"] = c.to_json();
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
    attribution_evidence(&mut data, captured.as_ref(), &closed);
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
    {
        let mut tx = Some(tx);
        let mut commit = || match tx.take() {
            Some(t) => Ok(t.commit()?),
            None => Ok(()),
        };
        match host.commit {
            Some(guard) => guard(&mut commit)?,
            None => commit()?,
        }
    }

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

/// What [`insert_captured`] wrote.
struct Inserted {
    /// The changes (but baseline ones), for the audit record.
    change_records: Vec<Value>,
    baseline_files: usize,
    baseline_digest: blake3::Hasher,
    /// The closed steps, with whether they were given changes.
    closed: Vec<(i64, bool)>,
}

/// Writes a capture's blobs and file versions, and closes `closing` (the steps an event or
/// `rein doctor` ends without a result): one that was given changes ran, but its result never
/// came; one that changed nothing was most likely blocked by a hook or a permission rule.
fn insert_captured(
    tx: &Connection,
    captured: Option<(&Captured, i64)>,
    session: Option<i64>,
    step: Option<i64>,
    closing: &[i64],
    now: Micros,
) -> Result<Inserted> {
    let mut out = Inserted {
        change_records: Vec::new(),
        baseline_files: 0,
        baseline_digest: blake3::Hasher::new(),
        closed: closing.iter().map(|id| (*id, false)).collect(),
    };
    out.closed.sort_unstable();
    out.closed.dedup();
    if let Some((c, wt_id)) = captured {
        for b in &c.blobs {
            b.insert(tx)?;
        }
        for (ch, origin) in &c.changes {
            let (origin_name, step_id, version_session) = match origin {
                Origin::ThisStep => ("step", step, session),
                Origin::Closed {
                    step: id,
                    session: s,
                } => {
                    if let Some(entry) = out.closed.iter_mut().find(|(c, _)| c == id) {
                        entry.1 = true;
                    }
                    ("step", Some(*id), Some(*s))
                }
                Origin::External => ("external", None, session),
                Origin::Baseline => ("baseline", None, session),
            };
            tx.execute(
                "INSERT INTO file_versions (worktree_id, path, old_path, origin, change, step_id,
                     session_id, before_blob, after_blob, before_mode, after_mode, time)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                params![
                    wt_id,
                    ch.path,
                    ch.old_path,
                    origin_name,
                    ch.kind.as_str(),
                    step_id,
                    version_session,
                    ch.before.as_ref().map(|b| b.0.to_vec()),
                    ch.after.as_ref().map(|b| b.0.to_vec()),
                    ch.before_mode,
                    ch.after_mode,
                    now
                ],
            )?;
            if ch.kind == ChangeKind::Baseline {
                out.baseline_files += 1;
                out.baseline_digest.update(ch.path.as_bytes());
                out.baseline_digest.update(&[0]);
                out.baseline_digest
                    .update(&ch.after.map_or([0; 32], |b| b.0));
            } else {
                let mut record = json!({
                    "path": ch.path,
                    "old_path": ch.old_path,
                    "change": ch.kind.as_str(),
                    "origin": origin_name,
                    "before": ch.before.map(|b| b.to_hex()),
                    "after": ch.after.map(|b| b.to_hex()),
                });
                if let Origin::Closed { step: id, .. } = origin {
                    record["step"] = json!(id);
                }
                out.change_records.push(record);
            }
        }
        if c.baseline_walk && c.complete {
            tx.execute(
                "UPDATE worktrees SET baseline_at = ?1 WHERE id = ?2 AND baseline_at IS NULL",
                params![now, wt_id],
            )?;
        }
    }
    for (id, ran) in &out.closed {
        let (status, error) = if *ran {
            (
                "lost",
                "no result was reported (its hook was killed or timed out, or the agent stopped); the changes it claimed were given to it when it was closed",
            )
        } else {
            (
                "denied",
                "no result was reported: blocked by a hook or a permission rule, or its hook was killed",
            )
        };
        tx.execute(
            "UPDATE steps SET status = ?1, error = ?2, ended_at = ?3
              WHERE id = ?4 AND status = 'pending'",
            params![status, error, now, id],
        )?;
    }
    Ok(out)
}

/// Adds to an audit record what attribution rests on: what was left to steps in flight, which
/// steps were in flight while anything was recorded as external, and which steps were closed.
fn attribution_evidence(data: &mut Value, captured: Option<&Captured>, closed: &[(i64, bool)]) {
    if let Some(c) = captured {
        if !c.held.is_empty() {
            data["held"] = json!({
                "count": c.held.len(),
                "paths": c.held.iter().take(MAX_AUDIT_HELD).collect::<Vec<_>>(),
            });
        }
        if !c.in_flight.is_empty() && c.changes.iter().any(|(_, o)| matches!(o, Origin::External)) {
            data["in_flight"] = json!(c.in_flight);
        }
    }
    if !closed.is_empty() {
        data["closed"] = Value::Array(
            closed
                .iter()
                .map(|(id, ran)| json!({"step": id, "outcome": if *ran { "lost" } else { "denied" }}))
                .collect(),
        );
    }
}

/// Closes the steps in flight in a work tree whose agent process is gone (they will never report
/// back), or that rein cannot watch and have run for hours, giving each the changes it claimed;
/// `rein doctor` runs it. Returns the closed steps with
/// whether each was given changes. Nothing is written when there is nothing to close.
pub fn close_abandoned_steps(
    store: &mut Store,
    host: &Host<'_>,
    root: &Path,
) -> Result<Vec<(i64, bool)>> {
    let now = now_micros();
    let Some(wt_id) = crate::query::worktree_id(store.conn(), root)? else {
        return Ok(Vec::new());
    };
    let baselined: bool = store.conn().query_row(
        "SELECT baseline_at IS NOT NULL FROM worktrees WHERE id = ?1",
        [wt_id],
        |r| r.get(0),
    )?;
    let at = CaptureAt {
        root,
        cwd: root,
        wt_id,
        baselined,
        session: None,
    };
    let Some(captured) = capture(store, host, &at, Plan::abandoned())? else {
        return Ok(Vec::new());
    };
    if captured.closing.is_empty() {
        return Ok(Vec::new());
    }
    let tx = store.write_tx()?;
    let inserted = insert_captured(
        &tx,
        Some((&captured, wt_id)),
        None,
        None,
        &captured.closing,
        now,
    )?;
    let mut data = json!({
        "worktree": root.display().to_string(),
        "reason": "its agent process is gone, or it had no result for hours from an agent rein cannot watch",
    });
    if !inserted.change_records.is_empty() {
        data["changes"] = Value::Array(inserted.change_records.clone());
    }
    attribution_evidence(&mut data, Some(&captured), &inserted.closed);
    audit::append(&tx, now, "rein.steps.closed", &data)?;
    tx.commit()?;
    if let (Some(mut cache), Some(lock)) = (captured.cache, &captured.lock) {
        cache.last_version_id = max_version_id(store.conn(), wt_id)?;
        let _ = cache.save(&lock.cache_path());
    }
    Ok(inserted.closed)
}

/// The agent thread an event ends, if any (see [`inflight::closed_by`]).
fn thread_end(kind: &EventKind) -> Option<ThreadEnd<'_>> {
    match kind {
        EventKind::Stop | EventKind::Prompt { .. } => Some(ThreadEnd::MainTurn),
        EventKind::SubagentStop { agent_id, .. } => Some(ThreadEnd::Subagent(agent_id)),
        EventKind::SessionEnd { .. } => Some(ThreadEnd::Session),
        // A resumed session runs in a new process: the old one's steps are over.
        EventKind::SessionStart { source, .. } if source.as_deref() == Some("resume") => {
            Some(ThreadEnd::Session)
        }
        // A thread runs its tools one at a time: once a step starts or reports back, the
        // thread's earlier steps are over (a missed PreToolUse makes the PostToolUse the first
        // sign of it).
        EventKind::ToolPre(call)
        | EventKind::ToolPost { call, .. }
        | EventKind::ToolFailed { call, .. } => Some(ThreadEnd::NextStep {
            agent_id: call.agent_id.as_deref(),
            tool_use_id: &call.tool_use_id,
        }),
        _ => None,
    }
}

/// What a step about to run may change (see [`inflight`]): a tool that declares its paths claims
/// them, a shell command the paths its analysis bounds it to, anything else everything. `None`
/// for a tool that changes nothing.
fn step_claims(
    call: &ToolCall,
    decision: Option<&DecisionRecord>,
    root: &Path,
    cwd: &Path,
) -> Option<Claims> {
    match call.capture_mode() {
        CaptureMode::None => None,
        CaptureMode::Declared(paths) => Some(Claims::for_paths(
            root,
            cwd,
            paths.iter().map(String::as_str),
        )),
        CaptureMode::Walk => Some(match decision.and_then(|d| d.writes.as_ref()) {
            Some(paths) => Claims::for_paths(root, cwd, paths.iter().map(String::as_str)),
            None => Claims::Any,
        }),
    }
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

/// Where an event's capture runs.
struct CaptureAt<'a> {
    root: &'a Path,
    cwd: &'a Path,
    wt_id: i64,
    baselined: bool,
    /// The event's session, if rein has seen it before.
    session: Option<i64>,
}

/// What a capture looks at, and whom it may give changes to.
struct Plan<'a> {
    mode: CaptureMode,
    attribution: Attribution,
    /// The step the event completes (a PostToolUse or a failure).
    completing: Option<&'a ToolCall>,
    /// The agent thread the event ends: its pending steps close.
    ends: Option<ThreadEnd<'a>>,
}

impl<'a> Plan<'a> {
    fn of(event: &'a Event) -> Plan<'a> {
        let (mode, attribution, completing) = match &event.kind {
            EventKind::SessionStart { .. } | EventKind::Prompt { .. } | EventKind::Stop => {
                (CaptureMode::Walk, Attribution::Between, None)
            }
            EventKind::ToolPre(call) => (call.capture_mode(), Attribution::Between, None),
            EventKind::ToolPost { call, .. } | EventKind::ToolFailed { call, .. } => {
                (call.capture_mode(), Attribution::Step, Some(call))
            }
            _ => (CaptureMode::None, Attribution::Between, None),
        };
        Plan {
            mode,
            attribution,
            completing,
            ends: thread_end(&event.kind),
        }
    }

    /// `rein doctor`'s walk: it closes only steps whose agent is gone.
    fn abandoned() -> Plan<'static> {
        Plan {
            mode: CaptureMode::Walk,
            attribution: Attribution::Between,
            completing: None,
            ends: None,
        }
    }
}

fn capture_for(
    store: &Store,
    host: &Host<'_>,
    event: &Event,
    at: &CaptureAt<'_>,
) -> Result<Option<Captured>> {
    capture(store, host, at, Plan::of(event))
}

fn capture(
    store: &Store,
    host: &Host<'_>,
    at: &CaptureAt<'_>,
    plan: Plan<'_>,
) -> Result<Option<Captured>> {
    let config = host.config;
    let (mut mode, attribution) = (plan.mode, plan.attribution);
    let closing_of = |conn: &rusqlite::Connection| -> Result<Vec<(i64, bool)>> {
        match (plan.ends, at.session) {
            (Some(end), Some(session)) => inflight::closed_by(conn, session, end),
            _ => Ok(Vec::new()),
        }
    };
    // Steps this event closes are given what they changed, which takes a walk.
    if closing_of(store.conn())?.iter().any(|(_, claims)| *claims) {
        mode = CaptureMode::Walk;
    }
    if mode == CaptureMode::None {
        return Ok(None);
    }
    let Some(lock) = WorktreeLock::acquire(store.layout(), at.root, LOCK_WAIT)? else {
        return Err(crate::Error::Invalid(
            "timed out waiting for another hook's capture of this work tree".into(),
        ));
    };
    // Under the lock, what is in flight cannot change: every hook records its step (and its
    // claims) while holding it.
    let conn = store.conn();
    let mut closing: Vec<i64> = closing_of(conn)?.into_iter().map(|(id, _)| id).collect();
    let flying = inflight::in_flight(conn, at.wt_id)?;
    let own_step = match plan.completing {
        Some(call) => Some(completing_claims(conn, host, at, call)?),
        None => None,
    };
    let own_id = own_step.as_ref().and_then(|(id, _)| *id);
    // A step whose agent process is gone will never report back: close it now. So is one whose
    // agent rein cannot watch after a long time, so that it cannot hold its paths forever.
    let now = crate::time::now_micros();
    let mut closed_dead = Vec::new();
    for f in &flying {
        let gone = match f.agent {
            Some(a) => (host.process_alive)(a) == Some(false),
            None => now.saturating_sub(f.started_at) > ABANDONED_AFTER,
        };
        if gone && Some(f.step) != own_id && !closing.contains(&f.step) {
            closed_dead.push(f.step);
        }
    }
    closing.extend(&closed_dead);
    let mut own: Vec<(Option<i64>, &Claims)> = Vec::new();
    // On a tree never walked before, the first walk only establishes the baseline.
    let first_walk = mode == CaptureMode::Walk && !at.baselined;
    if let (Some((_, claims)), false) = (&own_step, first_walk) {
        own.push((None, claims));
    }
    let mut sessions_of = std::collections::HashMap::new();
    for f in &flying {
        if closing.contains(&f.step) {
            own.push((Some(f.step), &f.claims));
            sessions_of.insert(f.step, f.session);
        }
    }
    let others: Vec<&InFlight> = flying
        .iter()
        .filter(|f| Some(f.step) != own_id && !closing.contains(&f.step))
        .collect();

    let (changes, blobs, cache, complete) = match mode {
        CaptureMode::None => return Ok(None),
        CaptureMode::Walk => {
            let cached = StatCache::load(&lock.cache_path());
            let scan = capture::scan(
                conn,
                store.layout(),
                at.wt_id,
                at.root,
                at.baselined,
                cached.as_ref(),
                config,
            )?;
            (scan.changes, scan.blobs, scan.cache, scan.complete)
        }
        CaptureMode::Declared(paths) => {
            let mut changes = Vec::new();
            let mut blobs = Vec::new();
            for p in paths {
                let abs = if Path::new(&p).is_absolute() {
                    PathBuf::from(&p)
                } else {
                    at.cwd.join(&p)
                };
                let Some(rel) = crate::worktree::relative(at.root, &abs) else {
                    continue;
                };
                if !config.include_ignored && is_ignored(at.root, &rel) {
                    continue;
                }
                // Before a step, a file rein never saw is baseline (or external once the tree
                // is baselined); after it, a file rein had not seen was created by the step.
                let baselined_for_compare = match attribution {
                    Attribution::Step => true,
                    Attribution::Between => at.baselined,
                };
                if let Some((change, blob)) = capture::compare_path(
                    conn,
                    store.layout(),
                    at.wt_id,
                    at.root,
                    &rel,
                    baselined_for_compare,
                    config.max_file_bytes,
                )? {
                    changes.push(change);
                    blobs.extend(blob);
                }
            }
            (changes, blobs, None, true)
        }
    };

    let mut attributed = Vec::with_capacity(changes.len());
    let mut held = Vec::new();
    for ch in changes {
        let paths: Vec<&str> = std::iter::once(ch.path.as_str())
            .chain(ch.old_path.as_deref())
            .collect();
        let owner = inflight::owner(&paths, &own, &others);
        // First sight of a file is its baseline, unless a step in flight may be writing it.
        if ch.kind == ChangeKind::Baseline && owner != Owner::Held {
            attributed.push((ch, Origin::Baseline));
            continue;
        }
        match owner {
            Owner::Step(None) => attributed.push((ch, Origin::ThisStep)),
            Owner::Step(Some(step)) => {
                let session = sessions_of.get(&step).copied().unwrap_or_default();
                attributed.push((ch, Origin::Closed { step, session }));
            }
            Owner::Held => {
                held.push(ch.path.clone());
                held.extend(ch.old_path.clone());
            }
            Owner::Nobody => attributed.push((ch, Origin::External)),
        }
    }
    // A held change is recorded later, with the content it has then: store no blob for it now.
    let blobs = if held.is_empty() {
        blobs
    } else {
        let wanted: std::collections::HashSet<_> =
            attributed.iter().filter_map(|(c, _)| c.after).collect();
        blobs
            .into_iter()
            .filter(|b| wanted.contains(&b.id))
            .collect()
    };
    let mut cache = cache;
    if let Some(cache) = &mut cache {
        // The next walk must look at held paths again, whatever their stat says.
        cache.hold(&held);
    }
    Ok(Some(Captured {
        changes: attributed,
        blobs,
        cache,
        baseline_walk: first_walk,
        lock: Some(lock),
        complete,
        held,
        in_flight: others.iter().map(|f| f.step).collect(),
        closing,
    }))
}

/// The step a PostToolUse (or failure) completes, and what it claims: as recorded when it
/// started, or (its PreToolUse missed) what its tool says it may change.
fn completing_claims(
    conn: &rusqlite::Connection,
    host: &Host<'_>,
    at: &CaptureAt<'_>,
    call: &ToolCall,
) -> Result<(Option<i64>, Claims)> {
    let row: Option<(i64, Option<String>)> = match at.session {
        Some(session) => match find_step(conn, session, call, false)? {
            Some(id) => Some(conn.query_row(
                "SELECT id, claims FROM steps WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?),
            None => None,
        },
        None => None,
    };
    let claims = match row.as_ref().and_then(|(_, c)| c.as_deref()) {
        Some(text) => Claims::from_json(text),
        None => match call.capture_mode() {
            CaptureMode::Walk => match (host.shell_writes)(call, at.cwd) {
                Some(paths) => Claims::for_paths(at.root, at.cwd, paths.iter().map(String::as_str)),
                None => Claims::Any,
            },
            _ => step_claims(call, None, at.root, at.cwd).unwrap_or(Claims::Any),
        },
    };
    Ok((row.map(|(id, _)| id), claims))
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
    agent: Option<AgentProcess>,
    now: Micros,
) -> Result<i64> {
    let model = match &event.kind {
        EventKind::SessionStart { model, .. } => model.clone(),
        _ => None,
    };
    // A resumed session runs in a new process; otherwise every hook must see the same agent.
    let resumed = matches!(&event.kind, EventKind::SessionStart { source, .. } if source.as_deref() == Some("resume"));
    tx.execute(
        "INSERT INTO sessions (agent, agent_session_id, worktree_id, cwd, transcript_path, human,
             environment, model, permission_mode, started_at, last_event_at, agent_pid,
             agent_started)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?12, ?13)
         ON CONFLICT(agent, agent_session_id) DO UPDATE SET
             last_event_at = excluded.last_event_at,
             worktree_id = COALESCE(sessions.worktree_id, excluded.worktree_id),
             transcript_path = COALESCE(excluded.transcript_path, sessions.transcript_path),
             model = COALESCE(excluded.model, sessions.model),
             permission_mode = COALESCE(excluded.permission_mode, sessions.permission_mode),
             agent_pid = CASE
                 WHEN excluded.agent_pid IS NULL THEN sessions.agent_pid
                 WHEN ?11 OR sessions.agent_pid IS NULL THEN excluded.agent_pid
                 WHEN sessions.agent_pid = excluded.agent_pid
                      AND sessions.agent_started = excluded.agent_started THEN sessions.agent_pid
                 ELSE -1 END,
             agent_started = CASE
                 WHEN excluded.agent_pid IS NULL THEN sessions.agent_started
                 WHEN ?11 OR sessions.agent_pid IS NULL THEN excluded.agent_started
                 ELSE sessions.agent_started END",
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
            now,
            resumed,
            agent.map(|a| i64::from(a.pid)),
            agent.and_then(|a| i64::try_from(a.started).ok()),
        ],
    )?;
    Ok(tx.query_row(
        "SELECT id FROM sessions WHERE agent = ?1 AND agent_session_id = ?2",
        params![event.agent, event.session_id],
        |r| r.get(0),
    )?)
}

/// Applies the event to turns and steps; returns the step it concerns, if any.
fn apply_kind(
    tx: &Connection,
    session: i64,
    event: &Event,
    now: Micros,
    claims: Option<&Claims>,
    agent: Option<AgentProcess>,
) -> Result<Option<i64>> {
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
        EventKind::ToolPre(call) => {
            let step = ensure_step(tx, session, call, now, true)?;
            // What it may change while it runs, and who runs it (see `inflight`).
            // The agent process is trusted only if every hook of the session saw the same one
            // (a wrapper process between agent and hook is gone after each hook).
            tx.execute(
                "UPDATE steps SET claims = ?1,
                     agent_pid = (SELECT agent_pid FROM sessions
                                   WHERE id = ?2 AND agent_pid = ?3 AND agent_started = ?4),
                     agent_started = ?4
                  WHERE id = ?5 AND status = 'pending'",
                params![
                    claims.map(|c| c.to_json().to_string()),
                    session,
                    agent.map(|a| i64::from(a.pid)),
                    agent.and_then(|a| i64::try_from(a.started).ok()),
                    step
                ],
            )?;
            Ok(Some(step))
        }
        EventKind::ToolPost {
            call,
            response,
            duration_ms,
        } => {
            let step = ensure_step(tx, session, call, now, false)?;
            tx.execute(
                // `error = NULL`: a step closed early (its thread seemed to move on) and then
                // completed keeps no closing note.
                "UPDATE steps SET status = 'ok', response = ?1, ended_at = ?2, error = NULL,
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
            let step = ensure_step(tx, session, call, now, false)?;
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
            let step = ensure_step(tx, session, call, now, false)?;
            tx.execute(
                "UPDATE steps SET status = 'denied', error = ?1, ended_at = ?2 WHERE id = ?3",
                params![truncate_str(reason, MAX_AUDIT_STRING), now, step],
            )?;
            Ok(Some(step))
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
        // Steps a Stop (or a new prompt, …) leaves pending are closed by the recorder, which
        // gives them what they changed first (see `inflight`).
        EventKind::Stop
        | EventKind::SessionStart { .. }
        | EventKind::PreCompact { .. }
        | EventKind::Other => Ok(None),
    }
}

/// Finds or creates the step of a tool call (a missed PreToolUse must not lose the step).
/// The step a tool event is about, if rein has it: by the agent's tool-call id, or (for a content
/// key, see [`crate::event::content_key`]) the oldest step of that key still pending, unless the
/// event starts a call, which is always a new step.
fn find_step(
    conn: &Connection,
    session: i64,
    call: &ToolCall,
    starts: bool,
) -> Result<Option<i64>> {
    if !call
        .tool_use_id
        .starts_with(crate::event::CONTENT_KEY_PREFIX)
    {
        return Ok(conn
            .query_row(
                "SELECT id FROM steps WHERE session_id = ?1 AND tool_use_id = ?2",
                params![session, call.tool_use_id],
                |r| r.get(0),
            )
            .optional()?);
    }
    if starts {
        return Ok(None);
    }
    Ok(conn
        .query_row(
            // `<key>#n` is the range [`<key>#`, `<key>$`) (`$` follows `#`), so the session's
            // (session_id, tool_use_id) index finds the key's steps.
            // A step closed early for want of a result (its thread seemed to move on) is taken
            // only when no step of the key is pending: its result came late.
            "SELECT id FROM steps WHERE session_id = ?1
                AND tool_use_id >= ?2 || '#' AND tool_use_id < ?2 || '$'
                AND (status = 'pending' OR (status IN ('lost', 'denied')
                     AND error LIKE 'no result was reported%'))
              ORDER BY status != 'pending', id LIMIT 1",
            params![session, call.tool_use_id],
            |r| r.get(0),
        )
        .optional()?)
}

/// The id a new step gets: the agent's, or its content key numbered (`<key>#<n>`).
fn new_step_id(conn: &Connection, session: i64, call: &ToolCall) -> Result<String> {
    if !call
        .tool_use_id
        .starts_with(crate::event::CONTENT_KEY_PREFIX)
    {
        return Ok(call.tool_use_id.clone());
    }
    let n: i64 = conn.query_row(
        "SELECT COUNT(*) FROM steps WHERE session_id = ?1
            AND tool_use_id >= ?2 || '#' AND tool_use_id < ?2 || '$'",
        params![session, call.tool_use_id],
        |r| r.get(0),
    )?;
    Ok(format!("{}#{}", call.tool_use_id, n + 1))
}

fn ensure_step(
    tx: &Connection,
    session: i64,
    call: &ToolCall,
    now: Micros,
    starts: bool,
) -> Result<i64> {
    if let Some(id) = find_step(tx, session, call, starts)? {
        return Ok(id);
    }
    let tool_use_id = new_step_id(tx, session, call)?;
    let turn = find_turn(tx, session, call.prompt_id.as_deref(), now)?;
    let input = truncate_strings(call.input.clone(), MAX_STEP_STRING);
    let action = truncate_strings(
        serde_json::to_value(&call.action).unwrap_or(Value::Null),
        MAX_STEP_STRING,
    );
    tx.execute(
        "INSERT INTO steps (session_id, turn_id, tool_use_id, agent_id, tool, input, status,
             started_at, capture, action)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending', ?7, 'none', ?8)",
        params![
            session,
            turn,
            tool_use_id,
            call.agent_id,
            call.tool,
            input.to_string(),
            now,
            action.to_string()
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
            redact_action(&mut call.action);
            if let EventKind::ToolDenied { reason, .. } = &mut event.kind
                && let std::borrow::Cow::Owned(r) = crate::redact::redact_str(reason)
            {
                *reason = r;
            }
        }
        EventKind::ToolPost { call, response, .. } => {
            crate::redact::redact_json(&mut call.input);
            redact_action(&mut call.action);
            crate::redact::redact_json(response);
        }
        EventKind::ToolFailed { call, error, .. } => {
            crate::redact::redact_json(&mut call.input);
            redact_action(&mut call.action);
            if let std::borrow::Cow::Owned(e) = crate::redact::redact_str(error) {
                *error = e;
            }
        }
        _ => {}
    }
}

fn redact_action(action: &mut rein_call::Action) {
    action.map_strings(&mut |s| {
        if let std::borrow::Cow::Owned(r) = crate::redact::redact_str(s) {
            *s = r;
        }
    });
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
