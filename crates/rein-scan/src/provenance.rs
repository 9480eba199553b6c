//! Who controls a scanned file: its [`Origin`] (repository, personal, ignored, home, system)
//! and the facts it was decided from, which the findings' reasons repeat.
//!
//! A file in a repository is the repository's (a pull request can change it) unless it is the
//! user's own: personal by convention (`.claude/settings.local.json`, `CLAUDE.local.md`, as the
//! catalogue marks them) or ignored by git, and in either case not tracked. A tracked file is
//! the repository's whatever its name says: a committed `settings.local.json` applies to everyone
//! who clones the repository.

use crate::git::GitStatus;
use crate::model::Origin;

/// Where a file comes from, and why rein says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Provenance {
    pub origin: Origin,
    /// The catalogue marks the path personal by convention.
    pub personal: bool,
    /// What git says about the file (nothing for home and system files).
    pub git: GitStatus,
}

impl Provenance {
    /// A file in a repository, from its name and what git says about it.
    pub fn project(personal: bool, git: GitStatus) -> Provenance {
        let origin = if git.tracked == Some(true) {
            Origin::Repository
        } else if personal {
            Origin::Personal
        } else if git.ignored {
            Origin::Ignored
        } else {
            Origin::Repository
        };
        Provenance {
            origin,
            personal,
            git,
        }
    }

    /// A file in the user's home directory, or a system-managed one.
    pub fn machine(origin: Origin) -> Provenance {
        Provenance {
            origin,
            personal: false,
            git: GitStatus::default(),
        }
    }

    /// Why the origin matters, for a finding's reasons (`path` is the file's path as shown).
    pub fn reason(&self, path: &str) -> String {
        let name = path.rsplit('/').next().unwrap_or(path);
        match self.origin {
            Origin::Repository if self.personal && self.git.tracked == Some(true) => format!(
                "set in a repository file: `{name}` is personal by convention, but this one is committed, so it applies to everyone who runs the agent here, and a pull request can change it"
            ),
            Origin::Repository => "set in a repository file: it applies to everyone who runs the agent here, and a pull request can change it".into(),
            Origin::Personal => {
                let base = format!(
                    "set in a personal file (`{name}` is each person's own and is not committed): it applies only to whoever keeps it here, and no pull request can change it"
                );
                match self.git.tracked {
                    Some(false) if !self.git.ignored => format!(
                        "{base}; git does not ignore it, so add it to .gitignore before a `git add` commits it for everyone"
                    ),
                    None => format!("{base} (no git index here says otherwise)"),
                    _ => base,
                }
            }
            Origin::Ignored => "set in a file git ignores and does not track: this machine's own configuration, which applies only here and which no pull request can change".into(),
            Origin::Home => "set in the user's own settings: it applies in every project".into(),
            Origin::System => {
                "set in machine-managed settings: it applies to every user of this machine".into()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracked_files_are_the_repositorys_whatever_their_name() {
        let git = |tracked, ignored| GitStatus { tracked, ignored };
        let origin = |personal, tracked, ignored| {
            Provenance::project(personal, git(tracked, ignored)).origin
        };
        assert_eq!(origin(true, Some(true), true), Origin::Repository);
        assert_eq!(origin(true, Some(false), true), Origin::Personal);
        assert_eq!(origin(true, Some(false), false), Origin::Personal);
        assert_eq!(origin(true, None, false), Origin::Personal);
        assert_eq!(origin(false, Some(false), true), Origin::Ignored);
        assert_eq!(origin(false, None, true), Origin::Ignored);
        assert_eq!(origin(false, Some(false), false), Origin::Repository);
        assert_eq!(origin(false, None, false), Origin::Repository);
        assert_eq!(origin(false, Some(true), true), Origin::Repository);

        let committed = Provenance::project(true, git(Some(true), false));
        assert!(
            committed
                .reason(".claude/settings.local.json")
                .contains("committed, so it applies to everyone")
        );
        let unignored = Provenance::project(true, git(Some(false), false));
        assert!(unignored.reason("x").contains("add it to .gitignore"));
        for p in [
            unignored,
            Provenance::project(false, git(Some(false), true)),
        ] {
            assert!(
                !p.reason("x").contains("a pull request can change it"),
                "{p:?}"
            );
        }
    }
}
