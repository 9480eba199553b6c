//! Steps in flight, and who a change belongs to when several agents share a work tree.
//!
//! Between a step's PreToolUse and its PostToolUse the step's tool is running, and another
//! session's hook may walk the same tree and see what it has written so far. Such a change is not
//! external: the step in flight **claims** the paths it may change (a Write its file, a shell
//! command the paths its analysis found, anything else everything), and a walk that finds a change
//! a step in flight claims *holds* it: it records nothing and leaves it to be seen again (the stat
//! cache keeps it marked) until the claiming step completes and records it as its own.
//!
//! A step whose PostToolUse never comes (its hook was killed, the agent crashed) would hold its
//! paths forever, so it is **closed** when its agent thread ends (Stop, SubagentStop, a new
//! prompt, SessionEnd, a resumed session), when its agent process is found gone, or by `rein
//! doctor`; its claimed changes are then given to it, and its outcome says so.

use std::path::Path;

use rusqlite::{Connection, params};
use serde_json::{Value, json};

use crate::error::Result;
use crate::time::Micros;

/// What a step in flight may change in its work tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claims {
    /// Only these paths (relative to the work tree root) and what lies under them; `""` is the
    /// whole tree.
    Paths(Vec<String>),
    /// Anything: a tool that does not declare its paths, or a command rein cannot bound.
    Any,
}

/// How strongly a step claims a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Claim {
    None,
    /// Through [`Claims::Any`].
    General,
    /// Through a listed path: the step named it.
    Specific,
}

/// Most paths one step claims by name; past it the claim becomes [`Claims::Any`].
const MAX_CLAIMED_PATHS: usize = 4096;

impl Claims {
    /// Claims for `paths` (absolute, or relative to `cwd`) in the work tree at `root`. Paths
    /// outside the tree are dropped; a glob claims the directory it starts in; a symlink claims
    /// its target too (a write through it lands there).
    pub fn for_paths<'a>(
        root: &Path,
        cwd: &Path,
        paths: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        let mut out = Vec::new();
        for p in paths {
            let abs = if Path::new(p).is_absolute() {
                Path::new(p).to_path_buf()
            } else {
                cwd.join(p)
            };
            let Some(normal) = crate::worktree::normalize(&abs) else {
                continue;
            };
            if let Ok(target) = std::fs::canonicalize(&normal)
                && target != normal
                && let Some(rel) = tree_relative(root, &target)
            {
                out.push(rel);
            }
            if let Some(rel) = tree_relative(root, &normal) {
                out.push(rel);
            }
            if out.len() > MAX_CLAIMED_PATHS {
                return Claims::Any;
            }
        }
        out.sort();
        out.dedup();
        Claims::Paths(out)
    }

    /// How this claim covers the work-tree path `rel`.
    pub fn covers(&self, rel: &str) -> Claim {
        match self {
            Claims::Any => Claim::General,
            Claims::Paths(list) => {
                let hit = list.iter().any(|c| {
                    c.is_empty()
                        || rel == c
                        || (rel.len() > c.len()
                            && rel.starts_with(c.as_str())
                            && rel.as_bytes()[c.len()] == b'/')
                });
                if hit { Claim::Specific } else { Claim::None }
            }
        }
    }

    pub fn to_json(&self) -> Value {
        match self {
            Claims::Any => json!({"any": true}),
            Claims::Paths(p) => json!({ "paths": p }),
        }
    }

    /// Reads stored claims; anything unreadable claims everything (holding too much is safe,
    /// holding too little loses attribution).
    pub fn from_json(text: &str) -> Claims {
        match serde_json::from_str::<Value>(text) {
            Ok(v) => match v.get("paths").and_then(Value::as_array) {
                Some(list) if v.get("any").is_none() => {
                    let paths: Option<Vec<String>> =
                        list.iter().map(|p| p.as_str().map(str::to_owned)).collect();
                    paths.map_or(Claims::Any, Claims::Paths)
                }
                _ => Claims::Any,
            },
            Err(_) => Claims::Any,
        }
    }
}

/// A path relative to the work tree root, where a glob is cut back to the directory it starts in
/// (`src/*.rs` → `src`): the claim must cover whatever the glob matches at run time.
fn tree_relative(root: &Path, abs: &Path) -> Option<String> {
    let mut rel = if abs == root {
        String::new()
    } else {
        crate::worktree::relative(root, abs)?
    };
    if let Some(i) = rel.find(['*', '?', '[', '{']) {
        rel.truncate(rel[..i].rfind('/').unwrap_or(0));
    }
    Some(rel)
}

/// The process that runs an agent: its pid and its start time (so that a reused pid is not
/// mistaken for it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AgentProcess {
    pub pid: u32,
    pub started: u64,
}

/// A step in flight in some session of a work tree.
#[derive(Debug, Clone)]
pub struct InFlight {
    pub step: i64,
    pub session: i64,
    pub agent_id: Option<String>,
    pub claims: Claims,
    pub agent: Option<AgentProcess>,
    pub started_at: Micros,
}

/// Every step in flight in a work tree that claims something.
pub fn in_flight(conn: &Connection, worktree_id: i64) -> Result<Vec<InFlight>> {
    let mut stmt = conn.prepare_cached(
        "SELECT st.id, st.session_id, st.agent_id, st.claims, st.agent_pid, st.agent_started,
                st.started_at
           FROM steps st JOIN sessions s ON s.id = st.session_id
          WHERE st.status = 'pending' AND st.claims IS NOT NULL AND s.worktree_id = ?1
          ORDER BY st.id",
    )?;
    let rows = stmt.query_map([worktree_id], |r| {
        let pid: Option<i64> = r.get(4)?;
        let started: Option<i64> = r.get(5)?;
        let claims: String = r.get(3)?;
        Ok(InFlight {
            step: r.get(0)?,
            session: r.get(1)?,
            agent_id: r.get(2)?,
            claims: Claims::from_json(&claims),
            agent: match (pid, started) {
                (Some(pid), Some(started)) => Some(AgentProcess {
                    pid: u32::try_from(pid).unwrap_or(0),
                    started: u64::try_from(started).unwrap_or(0),
                }),
                _ => None,
            },
            started_at: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Work trees with steps in flight: root, how many, and when the oldest started.
pub fn worktrees_in_flight(conn: &Connection) -> Result<Vec<(String, usize, Micros)>> {
    let mut stmt = conn.prepare(
        "SELECT w.root, COUNT(*), MIN(st.started_at)
           FROM steps st JOIN sessions s ON s.id = st.session_id
           JOIN worktrees w ON w.id = s.worktree_id
          WHERE st.status = 'pending' AND st.claims IS NOT NULL
          GROUP BY w.root ORDER BY w.root",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            usize::try_from(r.get::<_, i64>(1)?).unwrap_or(0),
            r.get(2)?,
        ))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The steps an event ends without a result: every step still pending in the agent thread the
/// event closes. A step's PostToolUse always comes before its thread's Stop, so one still pending
/// then never reported back (it was blocked, or its hook was killed). Returns each step with
/// whether it claims anything (closing one that does takes a walk, to give it its changes).
pub fn closed_by(conn: &Connection, session: i64, end: ThreadEnd<'_>) -> Result<Vec<(i64, bool)>> {
    let (sql, agent, tool_use_id) = match end {
        ThreadEnd::MainTurn => (
            "SELECT id, claims IS NOT NULL FROM steps
              WHERE session_id = ?1 AND status = 'pending' AND (agent_id IS NULL
                 OR agent_id IN (SELECT agent_id FROM subagents
                                  WHERE session_id = ?1 AND stopped_at IS NOT NULL))
                AND ?2 = ?2 AND ?3 = ?3",
            "",
            "",
        ),
        ThreadEnd::Subagent(a) => (
            "SELECT id, claims IS NOT NULL FROM steps
              WHERE session_id = ?1 AND status = 'pending' AND agent_id = ?2 AND ?3 = ?3",
            a,
            "",
        ),
        ThreadEnd::Session => (
            "SELECT id, claims IS NOT NULL FROM steps
              WHERE session_id = ?1 AND status = 'pending' AND ?2 = ?2 AND ?3 = ?3",
            "",
            "",
        ),
        ThreadEnd::NextStep {
            agent_id,
            tool_use_id,
        } => (
            // A content key (agents without tool-call ids) stands for `<key>#<n>`.
            "SELECT id, claims IS NOT NULL FROM steps
              WHERE session_id = ?1 AND status = 'pending' AND agent_id IS ?2
                AND tool_use_id != ?3 AND substr(tool_use_id, 1, length(?3) + 1) != ?3 || '#'
                AND claims IS NOT NULL",
            agent_id.unwrap_or_default(),
            tool_use_id,
        ),
    };
    // `agent_id IS ?2` must compare with NULL for the main thread.
    let agent: Option<&str> = match end {
        ThreadEnd::NextStep { agent_id: None, .. } => None,
        _ => Some(agent),
    };
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(params![session, agent, tool_use_id], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Which agent thread an event ends.
#[derive(Debug, Clone, Copy)]
pub enum ThreadEnd<'a> {
    /// The main agent's turn (Stop, a new prompt): its steps, and those of sub-agents that stopped.
    MainTurn,
    /// One sub-agent (SubagentStop).
    Subagent(&'a str),
    /// The whole session (SessionEnd, a resumed session in a new process).
    Session,
    /// A new step of one agent thread (`agent_id`: `None` for the main agent): the thread's
    /// earlier steps that may change files are over. An agent runs those one at a time (Claude
    /// Code runs only read-only tools and sub-agents side by side; those claim nothing and are
    /// left alone, and a read-only shell command closed early is completed by its result).
    NextStep {
        agent_id: Option<&'a str>,
        tool_use_id: &'a str,
    },
}

/// Who a change seen by a walk belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    /// A step completing or closing with this event (`None`: the event's own step).
    Step(Option<i64>),
    /// A step still in flight claims it: record nothing yet.
    Held,
    /// Nobody in flight can account for it: external (or baseline on first sight).
    Nobody,
}

/// Decides who a change to `paths` belongs to. `own` are the steps this event completes or
/// closes (`None` stands for the event's own step), `others` the steps still in flight. A step
/// that named the path wins over one that claims everything; among equals, a completing step wins
/// over one still in flight, and the earliest step wins over later ones.
pub fn owner(paths: &[&str], own: &[(Option<i64>, &Claims)], others: &[&InFlight]) -> Owner {
    let strength = |c: &Claims| {
        paths
            .iter()
            .map(|p| c.covers(p))
            .max()
            .unwrap_or(Claim::None)
    };
    for level in [Claim::Specific, Claim::General] {
        if let Some((id, _)) = own.iter().find(|(_, c)| strength(c) == level) {
            return Owner::Step(*id);
        }
        if others.iter().any(|s| strength(&s.claims) == level) {
            return Owner::Held;
        }
    }
    Owner::Nobody
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(list: &[&str]) -> Claims {
        Claims::Paths(list.iter().map(|s| (*s).to_owned()).collect())
    }

    fn flying(step: i64, claims: Claims) -> InFlight {
        InFlight {
            step,
            session: 1,
            agent_id: None,
            claims,
            agent: None,
            started_at: 0,
        }
    }

    #[test]
    fn a_claim_covers_its_path_and_what_is_under_it() {
        let c = paths(&["a.txt", "src"]);
        assert_eq!(c.covers("a.txt"), Claim::Specific);
        assert_eq!(c.covers("src/x/y.rs"), Claim::Specific);
        assert_eq!(c.covers("src2/y.rs"), Claim::None);
        assert_eq!(c.covers("a.txt.bak"), Claim::None);
        assert_eq!(paths(&[""]).covers("any/thing"), Claim::Specific);
        assert_eq!(Claims::Any.covers("x"), Claim::General);
    }

    #[test]
    fn claims_round_trip_and_unreadable_claims_claim_everything() {
        for c in [paths(&["a", "b/c"]), paths(&[]), Claims::Any] {
            assert_eq!(Claims::from_json(&c.to_json().to_string()), c);
        }
        assert_eq!(Claims::from_json("{"), Claims::Any);
        assert_eq!(Claims::from_json(r#"{"paths":[1]}"#), Claims::Any);
        assert_eq!(Claims::from_json(r#"{"paths":[],"any":true}"#), Claims::Any);
    }

    #[test]
    fn claims_for_paths_stay_in_the_tree_and_cut_globs() {
        let root = Path::new("/w/repo");
        let c = Claims::for_paths(
            root,
            Path::new("/w/repo/sub"),
            [
                "x.txt",
                "/w/repo/src/*.rs",
                "/etc/passwd",
                "../top.txt",
                "/w/repo",
            ],
        );
        assert_eq!(c, paths(&["", "src", "sub/x.txt", "top.txt"]));
    }

    #[test]
    fn the_step_that_named_a_path_owns_it() {
        let write = paths(&["a.txt"]);
        let shell_any = Claims::Any;
        let other_write = flying(7, paths(&["a.txt"]));
        let other_any = flying(8, Claims::Any);
        // A completing step that named the path owns it.
        assert_eq!(
            owner(&["a.txt"], &[(None, &write)], &[&other_any]),
            Owner::Step(None)
        );
        // One that claims everything yields to an in-flight step that named it.
        assert_eq!(
            owner(&["a.txt"], &[(None, &shell_any)], &[&other_write]),
            Owner::Held
        );
        // ... but takes what nobody named.
        assert_eq!(
            owner(&["b.txt"], &[(None, &shell_any)], &[&other_write]),
            Owner::Step(None)
        );
        // A walk between steps holds what any step in flight claims, and nothing else.
        assert_eq!(owner(&["a.txt"], &[], &[&other_write]), Owner::Held);
        assert_eq!(owner(&["b.txt"], &[], &[&other_write]), Owner::Nobody);
        assert_eq!(owner(&["b.txt"], &[], &[&other_any]), Owner::Held);
        // A completing step with a narrow claim does not take another path.
        assert_eq!(owner(&["b.txt"], &[(None, &write)], &[]), Owner::Nobody);
        // A rename belongs to whoever claims either side.
        assert_eq!(
            owner(&["new.txt", "a.txt"], &[(Some(3), &write)], &[]),
            Owner::Step(Some(3))
        );
    }
}
