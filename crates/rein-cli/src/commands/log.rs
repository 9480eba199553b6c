//! `rein log`: sessions, their prompts, and their steps.

use std::fmt::Write as _;
use std::process::ExitCode;

use rein_core::query::{self, Session, Step, Version};

use crate::json::{self, Schema};
use crate::render;

/// List recorded sessions, then their prompts, then their steps.
///
/// Each step shows its number, the tool, a short summary of its input, the outcome, and the files
/// it changed (A added, M modified, D deleted, R renamed). Changes made between steps by someone
/// else are listed as `external`.
///
/// Use the numbers with the other commands: `rein show 12` (a step), `rein diff p3` (a prompt),
/// `rein diff s2` (a session).
///
/// Only the sessions of the work tree you are in are listed (outside any work tree: the sessions
/// recorded outside one); `--all` lists every work tree's, grouped by work tree.
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// List the sessions of every work tree, grouped by work tree.
    #[arg(long)]
    all: bool,
    /// Only this session (s<N> or a prefix of the agent's session id).
    #[arg(long)]
    session: Option<String>,
    /// At most this many sessions, newest first.
    #[arg(short = 'n', long, default_value_t = 20)]
    limit: usize,
    /// Print JSON (schema 1, see docs/json.md).
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    repo: crate::here::RepoArg,
}

pub fn run(args: Args) -> crate::Result<ExitCode> {
    let here = crate::here::Here::of(&args.repo)?;
    let store = super::open_store()?;
    let mut sessions = match &args.session {
        Some(q) => {
            let target = if args.all {
                query::resolve(store.conn(), q)?
            } else {
                here.target(&store, q)?
            };
            match target {
                query::Target::Session(id) => vec![query::session(store.conn(), id)?],
                _ => {
                    return Err(crate::error::CommandError::user(format!(
                        "`{q}` is not a session"
                    ))
                    .hint("sessions are s<N> in `rein log`"));
                }
            }
        }
        None => {
            let within = if args.all {
                query::Within::Anywhere
            } else {
                here.within()
            };
            query::sessions(store.conn(), within, args.limit)?
        }
    };
    if args.all {
        // Grouped by work tree (newest tree activity first), newest session first in each.
        let mut newest: std::collections::HashMap<Option<String>, i64> = Default::default();
        for s in &sessions {
            let n = newest.entry(s.worktree.clone()).or_insert(s.id);
            *n = (*n).max(s.id);
        }
        sessions.sort_by_key(|s| {
            (
                std::cmp::Reverse(newest[&s.worktree]),
                std::cmp::Reverse(s.id),
            )
        });
    }
    let sessions: Vec<json::Session> = sessions
        .iter()
        .map(|s| session_json(&store, s))
        .collect::<crate::Result<_>>()?;
    if args.json {
        render::print_json(&json::Log {
            schema: Schema,
            sessions,
        })?;
    } else {
        let place = match (&here.root, args.all) {
            (_, true) => Place::All,
            (Some(root), false) => Place::Worktree(root.display().to_string()),
            (None, false) => Place::Outside,
        };
        render::write_stdout(&text(&sessions, &place))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Which sessions a text listing shows, for its headings and its empty message.
enum Place {
    All,
    Worktree(String),
    Outside,
}

/// The files a step changed, as JSON.
pub fn files_json(versions: &[Version]) -> Vec<json::FileChange> {
    versions
        .iter()
        .map(|v| json::FileChange {
            path: v.path.clone(),
            change: v.change.clone(),
            old_path: v.old_path.clone(),
        })
        .collect()
}

/// A decision in brief, for `rein log --json`.
pub(crate) fn decision_summary_json(d: &query::DecisionRow) -> json::DecisionSummary {
    json::DecisionSummary {
        answer: d.answer.clone(),
        mode: d.mode.clone(),
        enforced: d.enforced,
        rules: d.rules.clone(),
        reason: d.reason.clone(),
    }
}

/// The decision in a few words for the text log: `deny rein.secrets.dotenv`, or
/// `monitor: would deny …` when it was not enforced. Allow is not shown.
fn decision_text(d: &json::DecisionSummary) -> Option<String> {
    let answer = d.answer.as_str();
    if answer == "allow" {
        return None;
    }
    let first = d.rules.first().map_or("(error)", String::as_str);
    let more = if d.rules.len() > 1 {
        format!(" +{}", d.rules.len() - 1)
    } else {
        String::new()
    };
    Some(if d.enforced {
        format!("[{answer}: {first}{more}]")
    } else {
        format!("[monitor, would {answer}: {first}{more}]")
    })
}

fn outcome(step: &Step) -> &str {
    &step.status
}

fn session_json(store: &rein_core::Store, s: &Session) -> crate::Result<json::Session> {
    let conn = store.conn();
    let turns = query::turns(conn, s.id)?;
    let steps = query::steps_of_session(conn, s.id)?;
    let mut turn_values: Vec<json::Turn> = Vec::new();
    let step_json = |st: &Step| -> crate::Result<json::Step> {
        let versions = query::versions_of_step(conn, st.id)?;
        let decision = query::decision_of_step(conn, st.id)?;
        Ok(json::Step {
            step: st.id,
            decision: decision.as_ref().map(decision_summary_json),
            tool_use_id: st.tool_use_id.clone(),
            tool: st.tool.clone(),
            summary: st.summary().unwrap_or_else(|| {
                // Recorded before rein kept what a step does: ask the agent's dialect.
                rein_agents::normalize(&s.agent, &st.tool, &st.input).summary(&st.input)
            }),
            agent_id: st.agent_id.clone(),
            outcome: outcome(st).to_owned(),
            duration_ms: st.duration_ms,
            time: rein_core::time::format_rfc3339_precise(st.started_at),
            files: files_json(&versions),
        })
    };
    let orphans: Vec<&Step> = steps.iter().filter(|st| st.turn_id.is_none()).collect();
    if !orphans.is_empty() {
        turn_values.push(json::Turn {
            prompt_ref: None,
            prompt: None,
            time: None,
            steps: orphans
                .iter()
                .map(|st| step_json(st))
                .collect::<crate::Result<Vec<_>>>()?,
        });
    }
    for t in &turns {
        let ts: Vec<json::Step> = steps
            .iter()
            .filter(|st| st.turn_id == Some(t.id))
            .map(step_json)
            .collect::<crate::Result<_>>()?;
        turn_values.push(json::Turn {
            prompt_ref: Some(format!("p{}", t.id)),
            prompt: t.prompt.clone(),
            time: Some(rein_core::time::format_rfc3339_precise(t.created_at)),
            steps: ts,
        });
    }
    let external: Vec<json::ExternalChange> = query::external_versions_of_session(conn, s.id)?
        .iter()
        .map(|v| json::ExternalChange {
            path: v.path.clone(),
            change: v.change.clone(),
            old_path: v.old_path.clone(),
            time: rein_core::time::format_rfc3339_precise(v.time),
        })
        .collect();
    Ok(json::Session {
        session_ref: format!("s{}", s.id),
        session_id: s.agent_session_id.clone(),
        agent: s.agent.clone(),
        cwd: s.cwd.clone(),
        worktree: s.worktree.clone(),
        human: s.human.clone(),
        environment: s.environment.clone(),
        model: s.model.clone(),
        permission_mode: s.permission_mode.clone(),
        started_at: rein_core::time::format_rfc3339_precise(s.started_at),
        ended_at: s.ended_at.map(rein_core::time::format_rfc3339_precise),
        turns: turn_values,
        external,
    })
}

fn text(sessions: &[json::Session], place: &Place) -> String {
    let mut out = String::new();
    if let Place::Outside = place {
        out.push_str(
            "Not inside a git work tree: listing the sessions recorded outside any work tree.\n",
        );
        out.push_str("(`rein log --all` lists every work tree's sessions; `--repo PATH` one work tree's.)\n\n");
    }
    if sessions.is_empty() {
        match place {
            Place::Worktree(root) => {
                let _ = writeln!(out, "No sessions recorded in {root} yet. Run `rein init`, use your agent, then come back.");
                out.push_str("(`rein log --all` lists the sessions of every work tree.)\n");
            }
            Place::Outside => out.push_str("None recorded.\n"),
            Place::All => out.push_str("No sessions recorded yet. Run `rein init` in a git work tree, use your agent, then come back.\n"),
        }
        return out;
    }
    let mut group: Option<Option<String>> = None;
    for sess in sessions {
        if let Place::All = place {
            let tree = sess.worktree.clone();
            if group.as_ref() != Some(&tree) {
                let _ = writeln!(
                    out,
                    "== {} ==",
                    tree.as_deref().unwrap_or("outside any work tree")
                );
                group = Some(tree);
            }
        }
        // The delegating human, or say that it could not be determined.
        let human = sess.human.as_deref().unwrap_or("unknown human");
        let _ = writeln!(
            out,
            "session {} · {} {} · {} · {human}",
            sess.session_ref, sess.agent, sess.session_id, sess.started_at,
        );
        let _ = writeln!(out, "  in {}", sess.cwd);
        for turn in &sess.turns {
            let prompt = turn
                .prompt
                .as_deref()
                .map(|p| format!("\"{}\"", rein_core::event::one_line(p, 70)))
                .unwrap_or_else(|| "(prompt not recorded)".into());
            let r = turn.prompt_ref.as_deref().unwrap_or("-");
            let _ = writeln!(out, "  prompt {r} · {prompt}");
            for st in &turn.steps {
                let files: Vec<String> = st
                    .files
                    .iter()
                    .map(|f| format!("{} {}", render::change_letter(&f.change), f.path))
                    .collect();
                let sub = st.agent_id.as_ref().map_or("", |_| " (sub-agent)");
                let _ = writeln!(
                    out,
                    "    step {:<4} {:<8} {:<7} {}{}",
                    st.step, st.tool, st.outcome, st.summary, sub
                );
                if let Some(d) = st.decision.as_ref().and_then(decision_text) {
                    let _ = writeln!(out, "{:17}{}", "", d);
                }
                if !files.is_empty() {
                    let _ = writeln!(out, "{:17}{}", "", files.join(", "));
                }
            }
        }
        for e in &sess.external {
            let _ = writeln!(
                out,
                "  external · {} {} · noticed {}",
                render::change_letter(&e.change),
                e.path,
                e.time
            );
        }
        out.push('\n');
    }
    out
}
