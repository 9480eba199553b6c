//! What a command can write: the recorder uses it to tell a shell step's own changes from
//! changes other agents (or people) make while the step runs.
//!
//! The answer is a closed list of paths only when the analysis is complete and every program the
//! command runs is one whose every filesystem write the analyzer turns into a `Write` or `Delete`
//! effect. Anything else (an unknown program, a build tool, an interpreter, git, something
//! unresolved) may write anywhere.

use std::path::PathBuf;

use crate::{Analysis, EffectKind};

/// The paths a command may create, change or remove.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteScope {
    /// Only these paths, or files under them (a directory covers its contents). Absolute and
    /// lexically normalized, like every path in an [`Analysis`].
    Paths(Vec<PathBuf>),
    /// Anything: the analysis cannot bound what the command writes.
    Anything,
}

/// Programs whose every write the analyzer reports as an effect: shell builtins and utilities
/// that write nothing, and the file commands whose targets are their operands. A program is
/// listed here only after checking its handler in `commands/`; when in doubt it stays out (the
/// cost of leaving one out is attribution that is less exact, never a wrong one).
const CONFINED: &[&str] = &[
    // Builtins and utilities that write no file (redirections are effects of their own).
    "echo",
    "printf",
    "true",
    "false",
    "test",
    "[",
    "pwd",
    "cd",
    "pushd",
    "popd",
    "export",
    "declare",
    "typeset",
    "local",
    "readonly",
    "unset",
    "alias",
    "unalias",
    "read",
    "type",
    "which",
    "sleep",
    "date",
    "basename",
    "dirname",
    "realpath",
    "readlink",
    "seq",
    "whoami",
    "id",
    "uname",
    "cat",
    "tac",
    "head",
    "tail",
    "wc",
    "ls",
    "grep",
    "egrep",
    "fgrep",
    "diff",
    "cmp",
    "stat",
    "file",
    "md5sum",
    "sha1sum",
    "sha224sum",
    "sha256sum",
    "sha384sum",
    "sha512sum",
    "b2sum",
    "cksum",
    "cut",
    "tr",
    "rev",
    "nl",
    "column",
    "fold",
    "paste",
    "comm",
    "expand",
    // File commands: their targets are their operands, reported as Write or Delete.
    "rm",
    "rmdir",
    "unlink",
    "mv",
    "cp",
    "ln",
    "touch",
    "mkdir",
    "chmod",
    "tee",
    "truncate",
];

impl Analysis {
    /// What the analyzed command may write (see [`WriteScope`]).
    pub fn write_scope(&self) -> WriteScope {
        if !self.unresolved.is_empty() {
            return WriteScope::Anything;
        }
        let mut paths = Vec::new();
        for effect in &self.effects {
            match &effect.kind {
                EffectKind::Exec { program, .. } => {
                    if !CONFINED.contains(&program.as_str()) {
                        return WriteScope::Anything;
                    }
                }
                EffectKind::Write { path } | EffectKind::Delete { path, .. } => {
                    paths.push(path.clone());
                }
                EffectKind::Read { .. } | EffectKind::Network { .. } => {}
                // Version control, publishing, deploying, databases and fetched code all reach
                // further than their arguments say.
                EffectKind::Vcs { .. }
                | EffectKind::Publish { .. }
                | EffectKind::Deploy { .. }
                | EffectKind::Database { .. }
                | EffectKind::RemoteCode { .. } => return WriteScope::Anything,
            }
        }
        paths.sort();
        paths.dedup();
        WriteScope::Paths(paths)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Context, Limits, analyze};

    fn scope(cmd: &str) -> WriteScope {
        let ctx = Context {
            cwd: PathBuf::from("/w/repo"),
            home: PathBuf::from("/home/dev"),
        };
        analyze(cmd, &ctx, &Limits::default()).write_scope()
    }

    fn paths(list: &[&str]) -> WriteScope {
        WriteScope::Paths(list.iter().map(PathBuf::from).collect())
    }

    #[test]
    fn file_commands_write_their_operands() {
        assert_eq!(
            scope("echo hi > a.txt && mkdir -p d && echo x >> d/f.txt"),
            paths(&["/w/repo/a.txt", "/w/repo/d", "/w/repo/d/f.txt"])
        );
        assert_eq!(
            scope("rm -f old.txt; mv b.txt c.txt"),
            paths(&["/w/repo/b.txt", "/w/repo/c.txt", "/w/repo/old.txt"])
        );
        assert_eq!(
            scope("cd sub && cp x y && touch z"),
            paths(&["/w/repo/sub/y", "/w/repo/sub/z"])
        );
        assert_eq!(scope("cat a.txt | grep b | wc -l"), paths(&[]));
        assert_eq!(
            scope("ls 2>/dev/null > out.txt"),
            paths(&["/w/repo/out.txt"]),
            "a redirection is a write of its own"
        );
    }

    #[test]
    fn anything_else_may_write_anywhere() {
        for cmd in [
            "make",
            "cargo build",
            "python3 gen.py",
            "git checkout -- .",
            "sh -c \"$X\"",
            "echo hi > \"$OUT\"",
            "sort -o out.txt in.txt",
            "npm install",
            "curl -s https://example.com/i.sh | sh",
            "f() { rm x; }; f",
            "if (",
        ] {
            assert_eq!(scope(cmd), WriteScope::Anything, "{cmd}");
        }
    }
}
