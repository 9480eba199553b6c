//! `rein show <step>`: everything about one step.

use std::fmt::Write as _;
use std::process::ExitCode;

use rein_core::query::{self, Target};

use crate::error::CommandError;
use crate::json::{self, Schema};
use crate::render;

/// Show one step: its prompt, tool input, outcome, decision and diff.
///
/// Everything about the step: the prompt it served, its full tool input, its outcome, the gate's
/// decision, and the unified diff of the files it changed.
///
/// STEP is a step number from `rein log` (e.g. `12`) or a tool_use_id (`toolu_…`).
/// Secrets in inputs and outputs were redacted before they were stored.
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The step: its number from `rein log`, or its tool_use_id.
    step: String,
    /// Print JSON (schema 1, see docs/json.md).
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    repo: crate::here::RepoArg,
}

pub fn run(args: Args) -> crate::Result<ExitCode> {
    let here = crate::here::Here::of(&args.repo)?;
    let store = super::open_store()?;
    let id = match here.target(&store, &args.step)? {
        Target::Step(id) => id,
        _ => {
            return Err(
                CommandError::user(format!("`{}` is not a step", args.step)).hint(format!(
                    "`rein diff {}` shows the changes of a prompt or session",
                    args.step
                )),
            );
        }
    };
    let step = query::step(store.conn(), id)?;
    let session = query::session(store.conn(), step.session_id)?;
    let turn = match step.turn_id {
        Some(t) => Some(query::turn(store.conn(), t)?),
        None => None,
    };
    let versions = query::versions_of_step(store.conn(), id)?;
    let decision = query::decision_of_step(store.conn(), id)?;
    let mut diff = String::new();
    for v in &versions {
        diff.push_str(&super::diff::render_change(
            &store,
            v.old_path.as_deref().unwrap_or(&v.path),
            &v.path,
            v.before,
            v.after,
        )?);
    }
    if args.json {
        render::print_json(&json::Show {
            schema: Schema,
            step: step.id,
            tool_use_id: step.tool_use_id.clone(),
            tool: step.tool.clone(),
            agent_id: step.agent_id.clone(),
            input: step.input.clone(),
            outcome: step.status.clone(),
            error: step.error.clone(),
            decision: decision.as_ref().map(|d| json::StepDecision {
                answer: d.answer.clone(),
                mode: d.mode.clone(),
                enforced: d.enforced,
                reason: d.reason.clone(),
                rules: d.rules.clone(),
                policy_hash: d.policy_hash.clone(),
                time: rein_core::time::format_rfc3339_precise(d.time),
                effects: d.detail.get("effects").cloned(),
                matched: d.detail.get("rules").cloned(),
                error: d.error.clone(),
            }),
            response: step.response.clone(),
            duration_ms: step.duration_ms,
            time: rein_core::time::format_rfc3339_precise(step.started_at),
            capture: step.capture.clone(),
            session_ref: format!("s{}", session.id),
            session_id: session.agent_session_id.clone(),
            agent: session.agent.clone(),
            prompt_ref: turn.as_ref().map(|t| format!("p{}", t.id)),
            prompt: turn.as_ref().and_then(|t| t.prompt.clone()),
            files: super::log::files_json(&versions),
            diff,
        })?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "step {} · {} · {}",
        step.id,
        step.tool,
        render::time(step.started_at)
    );
    let _ = writeln!(
        out,
        "session s{} ({} {}){}",
        session.id,
        session.agent,
        session.agent_session_id,
        step.agent_id
            .as_deref()
            .map(|a| format!(" · sub-agent {a}"))
            .unwrap_or_default()
    );
    match &turn {
        Some(t) => {
            let _ = writeln!(
                out,
                "prompt p{}: {}",
                t.id,
                t.prompt.as_deref().unwrap_or("(not recorded)")
            );
        }
        None => out.push_str("prompt: (not recorded)\n"),
    }
    let duration = step
        .duration_ms
        .map(|d| format!(" in {d} ms"))
        .unwrap_or_default();
    let _ = writeln!(out, "outcome: {}{duration}", step.status);
    if let Some(e) = &step.error {
        let _ = writeln!(out, "error: {e}");
    }
    if let Some(d) = &decision {
        let enforced = if d.enforced {
            ""
        } else {
            " (monitor mode: not enforced)"
        };
        let _ = writeln!(out, "decision: {}{enforced}", d.answer);
        let _ = writeln!(out, "  why: {}", d.reason);
        for r in d
            .detail
            .get("rules")
            .and_then(serde_json::Value::as_array)
            .into_iter()
            .flatten()
        {
            let _ = writeln!(
                out,
                "  rule {} ({}:{})",
                r["id"].as_str().unwrap_or(""),
                r["file"].as_str().unwrap_or(""),
                r["line"].as_u64().unwrap_or(0)
            );
        }
        if let Some(e) = &d.error {
            let _ = writeln!(out, "  gate error: {e}");
        }
        if let Some(h) = &d.policy_hash {
            let _ = writeln!(out, "  policy: {}", &h[..16.min(h.len())]);
        }
    }
    if step.capture == "incomplete" {
        out.push_str("warning: file capture was incomplete for this step (see `rein doctor`)\n");
    }
    out.push_str("\ninput:\n");
    let input = serde_json::to_string_pretty(&step.input).unwrap_or_default();
    for line in input.lines() {
        let _ = writeln!(out, "  {line}");
    }
    if versions.is_empty() {
        out.push_str("\nfiles: none changed\n");
    } else {
        out.push_str("\nfiles:\n");
        for v in &versions {
            let from = v
                .old_path
                .as_deref()
                .map(|o| format!("{o} -> "))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "  {} {from}{}",
                render::change_letter(&v.change),
                v.path
            );
        }
        out.push('\n');
        out.push_str(&diff);
    }
    render::write_stdout(&out)?;
    Ok(ExitCode::SUCCESS)
}
