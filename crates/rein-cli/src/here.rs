//! Where a command acts: the work tree it runs in (or the one `--repo` names). Every reference
//! (`12`, `p3`, `s2`, an operation number) is resolved within it, so a number read in one
//! repository can never make a command read or change another.

use std::path::{Path, PathBuf};

use rein_core::query::{self, Target, Within};

use crate::error::CommandError;
use crate::host;

/// The `--repo` option shared by every command that takes a reference.
#[derive(Debug, Clone, clap::Args)]
pub struct RepoArg {
    /// Act on the work tree containing PATH instead of the current directory's.
    #[arg(long, value_name = "PATH")]
    pub repo: Option<PathBuf>,
}

/// The work tree a command acts on; `None` outside any git work tree.
#[derive(Debug, Clone)]
pub struct Here {
    pub root: Option<PathBuf>,
}

impl Here {
    /// The work tree of `--repo PATH` when given (it must be inside one), else of the current
    /// directory (which may be outside any).
    pub fn of(repo: &RepoArg) -> crate::Result<Here> {
        match &repo.repo {
            Some(path) => {
                let abs = if path.is_absolute() {
                    path.clone()
                } else {
                    host::current_dir()?.join(path)
                };
                let abs = std::fs::canonicalize(&abs)
                    .map_err(|e| CommandError::user(format!("--repo {}: {e}", path.display())))?;
                let root = rein_core::worktree::find_root(&abs).ok_or_else(|| {
                    CommandError::user(format!(
                        "--repo {}: not inside a git work tree",
                        path.display()
                    ))
                })?;
                Ok(Here { root: Some(root) })
            }
            None => Ok(Here {
                root: rein_core::worktree::find_root(&host::current_dir()?),
            }),
        }
    }

    /// The scope references resolve in.
    pub fn within(&self) -> Within<'_> {
        match &self.root {
            Some(r) => Within::Worktree(r),
            None => Within::NoWorktree,
        }
    }

    /// The work tree, for commands that change files: they refuse to run outside one.
    pub fn worktree(&self, command: &str) -> crate::Result<&Path> {
        self.root.as_deref().ok_or_else(|| {
            let cwd = host::current_dir()
                .map(|d| d.display().to_string())
                .unwrap_or_else(|_| "the current directory".into());
            CommandError::user(format!(
                "{cwd} is not inside a git work tree; `rein {command}` acts only on the work tree it runs in"
            ))
            .hint("cd into the repository, or pass --repo PATH")
        })
    }

    /// The recorded id of the work tree (commands that change files).
    pub fn worktree_id(&self, store: &rein_core::Store, command: &str) -> crate::Result<i64> {
        let root = self.worktree(command)?;
        query::worktree_id(store.conn(), root)?.ok_or_else(|| {
            CommandError::user(format!("rein has recorded nothing in {}", root.display()))
                .hint("run `rein init` here first; `rein log --all` lists every recorded work tree")
        })
    }

    /// Resolves a step, prompt or session reference within this work tree.
    pub fn target(&self, store: &rein_core::Store, reference: &str) -> crate::Result<Target> {
        query::resolve_in(store.conn(), reference, self.within()).map_err(|e| self.refusal(e))
    }

    /// Refuses an operation (by number) recorded in another work tree.
    pub fn check_op(&self, op: &rein_core::restore::OpRow) -> crate::Result<()> {
        let here = self.root.as_ref().map(|r| r.display().to_string());
        if here.as_deref() == Some(op.worktree.as_str()) {
            return Ok(());
        }
        Err(self.refusal(rein_core::Error::OtherWorktree {
            kind: "operation",
            query: op.id.to_string(),
            worktree: Some(op.worktree.clone()),
        }))
    }

    /// Turns a reference to another work tree into an error that says where to go.
    fn refusal(&self, e: rein_core::Error) -> CommandError {
        match &e {
            rein_core::Error::OtherWorktree {
                worktree: Some(root),
                ..
            } => CommandError::user(e.to_string()).hint(format!(
                "references are resolved in the work tree a command runs in: run it in {root}, or pass --repo {root}"
            )),
            rein_core::Error::OtherWorktree { worktree: None, .. } => {
                CommandError::user(e.to_string()).hint(
                    "references are resolved in the work tree a command runs in: run it outside any git work tree to read it",
                )
            }
            rein_core::Error::NotFound { .. } => {
                let place = match &self.root {
                    Some(r) => format!("in {}", r.display()),
                    None => "outside any work tree".to_owned(),
                };
                CommandError::user(format!("{e} {place}"))
                    .hint("`rein log` lists the sessions (s1), prompts (p1) and steps (1) recorded here; `rein log --all` lists every work tree's")
            }
            _ => e.into(),
        }
    }
}

/// Quotes a path for a command line rein prints as advice (single quotes unless it is plain).
pub fn shell_quote(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+,:@%=".contains(c));
    if plain {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}
