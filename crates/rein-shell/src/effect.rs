//! The analyzer's output: what a command does, as effects that policy decides on.

use std::path::PathBuf;

use serde::Serialize;

/// Everything one command line was found to do.
///
/// `unresolved` non-empty means the analysis is incomplete: the caller must never answer allow.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Analysis {
    pub effects: Vec<Effect>,
    pub unresolved: Vec<Unresolved>,
}

/// One thing a command does, with where it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Effect {
    #[serde(flatten)]
    pub kind: EffectKind,
    /// The evaluated simple command this effect came from (argv joined with spaces, shell-quoted
    /// where needed), for explanations.
    pub command: String,
    /// Wrappers and nesting crossed to reach it, outermost first, e.g. `["sudo", "bash -c"]`.
    pub via: Vec<String>,
}

/// What a command does. Paths are absolute and lexically normalized (`.`/`..` folded, `~` and
/// `$HOME` expanded, relative paths joined to the working directory); they are not resolved
/// through symlinks (the analyzer never touches the filesystem except to expand globs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "effect", rename_all = "snake_case")]
pub enum EffectKind {
    /// A program runs. `program` is the command word's basename (`/usr/bin/rm` → `rm`).
    Exec { program: String, args: Vec<String> },
    /// A file's content is read.
    Read { path: PathBuf },
    /// A file is created, overwritten, appended to, or has its mode/owner changed.
    Write { path: PathBuf },
    /// A file or directory is removed (or truncated to nothing, e.g. `shred`, `> file` is Write).
    Delete { path: PathBuf, recursive: bool },
    /// A network connection to `host`. `upload` is true when local data is sent (`curl -d @f`,
    /// `scp local remote`, `nc host < f`).
    Network { host: String, upload: bool },
    /// A version-control operation. `op` is one of [`vcs_ops`].
    Vcs { op: String, target: Option<String> },
    /// Publishing a package or release (`npm publish`, `cargo publish`, `gh release create`, …).
    Publish {
        ecosystem: String,
        target: Option<String>,
    },
    /// Deploying or changing infrastructure (`terraform apply`, `kubectl apply`, `vercel --prod`, …).
    Deploy {
        tool: String,
        target: Option<String>,
        destructive: bool,
    },
    /// A database operation. `destructive` is true for DROP/TRUNCATE/FLUSHALL/DELETE without WHERE/…
    Database {
        engine: String,
        op: String,
        destructive: bool,
    },
    /// Code fetched from the network (or decoded from an opaque blob) is executed.
    RemoteCode { source: String },
}

/// The operations [`EffectKind::Vcs`] uses.
pub mod vcs_ops {
    /// `git reset --hard`, `git checkout -- .`/`git checkout -f`, `git restore` of the work tree,
    /// `git stash drop/clear`, `git switch --discard-changes`: uncommitted work is lost.
    pub const DISCARD: &str = "discard";
    /// `git clean -f`: untracked files are deleted.
    pub const CLEAN: &str = "clean";
    /// `git push --force`/`-f`/`--force-with-lease`/`+refspec`/`--mirror`/`--delete`/`:ref`.
    pub const FORCE_PUSH: &str = "force_push";
    /// An ordinary `git push`.
    pub const PUSH: &str = "push";
    /// `git rebase`, `git filter-branch`, `git filter-repo`, `git commit --amend`, `git reflog
    /// expire`, `git gc --prune=now`, `git update-ref -d`, `git replace`: history is rewritten.
    pub const REWRITE_HISTORY: &str = "rewrite_history";
    /// `git branch -D`, `git tag -d`, `git push --delete`.
    pub const DELETE_REF: &str = "delete_ref";
    /// `git config` writes (including `core.hooksPath`, `core.pager`, aliases), `git -c` of
    /// dangerous keys (`core.pager`, `core.hooksPath`, `core.sshCommand`, `alias.*` with `!`).
    pub const CONFIG: &str = "config";
    /// Anything else git does (status, diff, log, commit, add, fetch, pull, checkout of a branch…).
    pub const OTHER: &str = "other";
}

/// Why part of a command could not be resolved. Any of these makes the decision at least ask.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unresolved {
    pub kind: UnresolvedKind,
    /// One sentence for the user, e.g. "the command word `$x` is not known before run time".
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UnresolvedKind {
    /// The command word comes from an expansion whose value is not known.
    DynamicCommand,
    /// A path argument of a write/delete (or a read) depends on an unknown expansion.
    DynamicArgument,
    /// Decoded or fetched data is piped into a shell or interpreter.
    DecodedToShell,
    /// An interpreter runs code the analyzer cannot read (a script file, stdin, an opaque one-liner).
    OpaqueCode,
    /// The input does not parse as bash.
    ParseError,
    /// The input is over the size limit.
    TooLarge,
    /// Analysis ran out of its time or depth budget.
    Budget,
}
