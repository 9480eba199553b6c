//! Detector `package-scripts`: npm lifecycle scripts in `package.json` (`preinstall`,
//! `install`, `postinstall`, `prepare`, `prepublish`, `prepublishOnly`). They run by themselves
//! whenever an agent, a developer or CI installs dependencies or publishes: code on the supply
//! path that nobody starts on purpose.

use crate::detectors::common;
use crate::detectors::gha;
use crate::detectors::{Detector, Source};
use crate::doc::Node;
use crate::model::{Action, Decision, Finding};

pub struct PackageScripts;

/// Lifecycle scripts and when npm runs them.
const LIFECYCLE: &[(&str, &str)] = &[
    (
        "preinstall",
        "before this package is installed (`npm install`, `npm ci`, and in every project that depends on it)",
    ),
    (
        "install",
        "when this package is installed (`npm install`, `npm ci`, and in every project that depends on it)",
    ),
    (
        "postinstall",
        "after this package is installed (`npm install`, `npm ci`, and in every project that depends on it)",
    ),
    (
        "prepare",
        "on every local `npm install`, before `npm publish` and `npm pack`, and when installed from git",
    ),
    (
        "prepublish",
        "before `npm publish` and on every local `npm install` (npm's legacy hook)",
    ),
    ("prepublishOnly", "before `npm publish`"),
];

impl Detector for PackageScripts {
    fn id(&self) -> &'static str {
        "package-scripts"
    }

    fn check(&self, src: &Source<'_>, out: &mut Vec<Finding>) {
        let Some(root) = src.doc.root.as_ref() else {
            return;
        };
        git_hooks(src, root, out);
        let Some(scripts) = root.get("scripts") else {
            return;
        };
        for e in scripts.entries() {
            let Some((name, when)) = LIFECYCLE.iter().find(|(n, _)| *n == e.key) else {
                continue;
            };
            let Some(script) = e.value.as_str() else {
                continue;
            };
            if script.trim().is_empty() {
                continue;
            }
            let remote = gha::remote_code(script);
            let mut f = common::finding(
                src,
                "package.lifecycle-script",
                if remote.is_some() {
                    Decision::Approval
                } else {
                    src.verdict()
                },
                e.key_pos,
                format!("{} scripts.{name}", src.path),
                format!(
                    "`{name}` in {} runs `{}` {when}",
                    src.path,
                    gha::shorten(script)
                ),
            );
            f.reasons.push(src.entry.about.clone());
            f.reasons.push(
                "an agent or CI job that installs dependencies runs it without asking".into(),
            );
            common::add_actions(&mut f, &[Action::RunShell]);
            if let Some((_, _, why)) = remote {
                f.reasons.push(format!(
                    "it {why}: what runs is decided elsewhere, at install time"
                ));
                common::add_actions(&mut f, &[Action::Network]);
            }
            f.authority.trigger = Some(format!("npm lifecycle: {name}"));
            out.push(f);
        }
    }
}

/// Git hooks declared in package.json: husky 4 (`husky.hooks`) and simple-git-hooks.
fn git_hooks(src: &Source<'_>, root: &Node, out: &mut Vec<Finding>) {
    let tables = [
        ("husky", root.at(&["husky", "hooks"])),
        ("simple-git-hooks", root.get("simple-git-hooks")),
    ];
    for (tool, table) in tables {
        let Some(table) = table else { continue };
        for e in table.entries() {
            let Some(cmd) = e.value.as_str() else {
                continue;
            };
            if !e.key.starts_with("pre")
                && !e.key.starts_with("post")
                && !e.key.starts_with("commit")
                && !e.key.ends_with("-msg")
            {
                continue;
            }
            let remote = gha::remote_code(cmd);
            let mut f = common::finding(
                src,
                "hooks.package-hook",
                if remote.is_some() {
                    Decision::Approval
                } else {
                    src.verdict()
                },
                e.key_pos,
                format!("{} {tool}.{}", src.path, e.key),
                format!(
                    "Git hook `{}` ({tool}, in {}) runs `{}`, including for an agent's git operations",
                    e.key,
                    src.path,
                    gha::shorten(cmd)
                ),
            );
            f.reasons.push(format!(
                "{tool} installs it when dependencies are installed; git runs it on `{}`",
                e.key
            ));
            common::add_actions(&mut f, &[Action::RunShell]);
            if let Some((_, _, why)) = remote {
                f.reasons.push(format!("it {why}"));
                common::add_actions(&mut f, &[Action::Network]);
            }
            f.authority.trigger = Some(format!("git {}", e.key));
            out.push(f);
        }
    }
}
