//! `rein blame <file>`: where each line of a file came from.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::process::ExitCode;

use rein_core::query::{self, Origin};

use crate::error::CommandError;
use crate::json::{self, LineOrigin, Schema};
use crate::{host, render};

/// Show where each line of a file came from.
///
/// For each line of the file as it is now: the agent step that wrote it — with its session,
/// prompt, tool and time — or `external` (changed between steps by someone or something else),
/// or `baseline` (already there when rein first saw the file).
///
/// Example:
///   rein blame src/main.rs
///   rein blame --json src/main.rs | jq '.lines[] | select(.origin == "agent")'
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The file, relative to the current directory.
    file: std::path::PathBuf,
    /// Print JSON (schema 1, see docs/json.md).
    #[arg(long)]
    json: bool,
}

/// Largest file blamed: rein keeps larger files by hash only, so there is nothing to compare.
const MAX_BLAME_BYTES: u64 = 64 << 20;

struct StepInfo {
    session_id: String,
    agent: String,
    tool: String,
    prompt: Option<String>,
    prompt_ref: Option<String>,
}

pub fn run(args: Args) -> crate::Result<ExitCode> {
    let root = host::current_worktree()?;
    let cwd = host::current_dir()?;
    let abs = cwd.join(&args.file);
    let rel = rein_core::worktree::relative(&root, &abs).ok_or_else(|| {
        CommandError::user(format!(
            "{} is not a file inside {}",
            args.file.display(),
            root.display()
        ))
    })?;
    let current = match std::fs::symlink_metadata(&abs) {
        Ok(md) if md.is_file() && md.len() > MAX_BLAME_BYTES => {
            return Err(CommandError::user(format!(
                "{rel} is {} bytes, over the {MAX_BLAME_BYTES}-byte limit for blame",
                md.len()
            )));
        }
        Ok(md) if md.is_file() => Some(std::fs::read(&abs)?),
        Ok(_) => return Err(CommandError::user(format!("{rel} is not a regular file"))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(CommandError::user(format!("{rel} does not exist")));
        }
        Err(e) => return Err(e.into()),
    };
    let store = super::open_store()?;
    let Some(wt) = query::worktree_id(store.conn(), &root)? else {
        return Err(
            CommandError::user(format!("rein has recorded nothing in {}", root.display()))
                .hint("run `rein init` here first"),
        );
    };
    let lines = query::blame(&store, wt, &rel, current.as_deref())?;
    let mut steps: HashMap<i64, StepInfo> = HashMap::new();
    for l in &lines {
        if let Origin::Step { step, .. } = l.origin
            && !steps.contains_key(&step)
        {
            let st = query::step(store.conn(), step)?;
            let sess = query::session(store.conn(), st.session_id)?;
            let turn = match st.turn_id {
                Some(t) => Some(query::turn(store.conn(), t)?),
                None => None,
            };
            steps.insert(
                step,
                StepInfo {
                    session_id: sess.agent_session_id,
                    agent: sess.agent,
                    tool: st.tool,
                    prompt: turn.as_ref().and_then(|t| t.prompt.clone()),
                    prompt_ref: turn.map(|t| format!("p{}", t.id)),
                },
            );
        }
    }
    if args.json {
        let precise = rein_core::time::format_rfc3339_precise;
        let entries: Vec<json::BlameLine> = lines
            .iter()
            .map(|l| json::BlameLine {
                line: l.line,
                text: l.text.clone(),
                origin: match &l.origin {
                    Origin::Step { step, time } => {
                        let i = &steps[step];
                        LineOrigin::Agent {
                            session_id: i.session_id.clone(),
                            step: *step,
                            tool: i.tool.clone(),
                            prompt: i.prompt.clone(),
                            prompt_ref: i.prompt_ref.clone(),
                            agent: i.agent.clone(),
                            time: precise(*time),
                        }
                    }
                    Origin::Op { op, time } => LineOrigin::Op {
                        op: *op,
                        time: precise(*time),
                    },
                    Origin::External { time } => LineOrigin::External {
                        time: time.map(precise),
                    },
                    Origin::Baseline { time } => LineOrigin::Baseline {
                        time: precise(*time),
                    },
                },
            })
            .collect();
        render::print_json(&json::Blame {
            schema: Schema,
            path: rel,
            lines: entries,
        })?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = String::new();
    let width = lines.len().to_string().len();
    for l in &lines {
        let who = match &l.origin {
            Origin::Step { step, time } => {
                let i = &steps[step];
                format!(
                    "step {:<5} {:<4} {:<6} {}",
                    step,
                    i.prompt_ref.as_deref().unwrap_or("-"),
                    i.tool,
                    render::time(*time)
                )
            }
            Origin::Op { op, time } => {
                format!("{:<23}{}", format!("rein op {op}"), render::time(*time))
            }
            Origin::External { time: Some(t) } => format!("{:<23}{}", "external", render::time(*t)),
            Origin::External { time: None } => format!("{:<43}", "external (not yet recorded)"),
            Origin::Baseline { time } => format!("{:<23}{}", "baseline", render::time(*time)),
        };
        let text = rein_core::redact::redact_str(&l.text);
        let _ = writeln!(out, "{who:<43} {:>width$}| {text}", l.line);
    }
    render::write_stdout(&out)?;
    Ok(ExitCode::SUCCESS)
}
