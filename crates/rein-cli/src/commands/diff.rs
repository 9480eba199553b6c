//! `rein diff <step|prompt|session>`: the unified diff of what the agent changed.

use std::process::ExitCode;

use rein_core::blob::BlobId;
use rein_core::query;

use crate::render;

/// Show the unified diff of a step, a prompt or a whole session.
///
/// TARGET is a step (`12`), a prompt (`p3`) or a session (`s2`, or a prefix of the agent's
/// session id). For a prompt or session, each file's diff goes from its content before the first
/// step that touched it to its content after the last one. External edits are not the agent's
/// and are left out (see `rein log`): where someone else changed a file between two of the
/// agent's steps, that file's diffs are shown step by step instead.
///
/// Secrets are redacted in the printed diff.
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// A step (12), prompt (p3) or session (s2).
    target: String,
    /// Only list the files with their added/removed line counts.
    #[arg(long)]
    stat: bool,
    /// Lines of context around each change.
    #[arg(short = 'U', long, default_value_t = 3)]
    context: usize,
    #[command(flatten)]
    repo: crate::here::RepoArg,
}

pub fn run(args: Args) -> crate::Result<ExitCode> {
    let here = crate::here::Here::of(&args.repo)?;
    let store = super::open_store()?;
    let target = here.target(&store, &args.target)?;
    let changes = query::agent_changes(store.conn(), target)?;
    let mut out = String::new();
    for c in &changes {
        let old = c.old_path.as_deref().unwrap_or(&c.path);
        if args.stat {
            let before = query::content(&store, c.before)?;
            let after = query::content(&store, c.after)?;
            let (add, del) = rein_core::diff::line_stats(before.as_deref(), after.as_deref());
            let name = if old == c.path {
                c.path.clone()
            } else {
                format!("{old} => {}", c.path)
            };
            out.push_str(&format!("{name} | +{add} -{del}\n"));
        } else {
            out.push_str(&render_change_ctx(
                &store,
                old,
                &c.path,
                c.before,
                c.after,
                args.context,
            )?);
        }
    }
    if changes.is_empty() {
        render::write_stderr(&format!("no file changes recorded for {}\n", args.target));
    }
    render::write_stdout(&out)?;
    Ok(ExitCode::SUCCESS)
}

/// One file's diff with 3 lines of context, secrets redacted.
pub fn render_change(
    store: &rein_core::Store,
    old_path: &str,
    new_path: &str,
    before: Option<BlobId>,
    after: Option<BlobId>,
) -> crate::Result<String> {
    render_change_ctx(store, old_path, new_path, before, after, 3)
}

fn render_change_ctx(
    store: &rein_core::Store,
    old_path: &str,
    new_path: &str,
    before: Option<BlobId>,
    after: Option<BlobId>,
    context: usize,
) -> crate::Result<String> {
    let old = query::content(store, before)?;
    let new = query::content(store, after)?;
    // A side kept by hash only (over the size limit) cannot be shown; say so instead.
    let missing = |id: Option<BlobId>, data: &Option<Vec<u8>>| id.is_some() && data.is_none();
    if missing(before, &old) || missing(after, &new) {
        return Ok(format!(
            "diff --git a/{old_path} b/{new_path}\n(content not kept: the file is over the size limit)\n"
        ));
    }
    let text =
        rein_core::diff::unified_diff(old_path, new_path, old.as_deref(), new.as_deref(), context);
    Ok(rein_core::redact::redact_str(&text).into_owned())
}
