//! Detector `git-hooks`: code that runs on the git operations an agent performs (commit, push,
//! checkout): husky hooks (`.husky/*`), pre-commit (`.pre-commit-config.yaml`: remote hook
//! repositories fetched and run on every commit, local hooks' commands) and lefthook.

use crate::detectors::common;
use crate::detectors::gha;
use crate::detectors::{Detector, Source};
use crate::doc::{Node, Pos, Value};
use crate::model::{Action, Decision, Finding};

pub struct GitHooks;

impl Detector for GitHooks {
    fn id(&self) -> &'static str {
        "git-hooks"
    }

    fn check(&self, src: &Source<'_>, out: &mut Vec<Finding>) {
        match src.entry.id.as_str() {
            "hooks.husky" => husky(src, out),
            "hooks.pre-commit" => {
                if let Some(root) = &src.doc.root {
                    pre_commit(src, root, out);
                }
            }
            "hooks.lefthook" => {
                if let Some(root) = &src.doc.root {
                    lefthook(src, root, out);
                }
            }
            _ => {}
        }
    }
}

/// The hooks git runs.
const GIT_HOOKS: &[&str] = &[
    "applypatch-msg",
    "pre-applypatch",
    "post-applypatch",
    "pre-commit",
    "pre-merge-commit",
    "prepare-commit-msg",
    "commit-msg",
    "post-commit",
    "pre-rebase",
    "post-checkout",
    "post-merge",
    "pre-push",
    "pre-receive",
    "update",
    "post-receive",
    "post-update",
    "push-to-checkout",
    "pre-auto-gc",
    "post-rewrite",
    "sendemail-validate",
    "fsmonitor-watchman",
    "post-index-change",
];

/// When git runs a hook, for messages.
fn when(hook: &str) -> String {
    match hook {
        "pre-commit" | "pre-merge-commit" | "post-commit" => "on every commit".into(),
        "prepare-commit-msg" | "commit-msg" => "on every commit message".into(),
        "pre-push" => "on every push".into(),
        "post-checkout" => "after every checkout".into(),
        "post-merge" => "after every merge and pull".into(),
        "post-rewrite" | "pre-rebase" => "on every rebase".into(),
        other => format!("on `{other}`"),
    }
}

// ---- husky ----------------------------------------------------------------------------------

fn husky(src: &Source<'_>, out: &mut Vec<Finding>) {
    let Some(name) = src.path.strip_prefix(".husky/") else {
        return;
    };
    // `.husky/_/` holds husky's own generated stubs.
    if name.contains('/') || !GIT_HOOKS.contains(&name) {
        return;
    }
    let (body, first_line) = match &src.doc.body {
        Some((b, l)) => (b.as_str(), *l),
        None => (src.text, 1),
    };
    let mut commands: Vec<(usize, &str)> = Vec::new();
    let mut offset = 0usize;
    for line in body.split_inclusive('\n') {
        let t = line.trim();
        let indent = line.len() - line.trim_start().len();
        let boilerplate =
            t.is_empty() || t.starts_with('#') || (t.contains("husky.sh") && t.starts_with('.'));
        if !boilerplate {
            commands.push((offset + indent, strip_comment(t)));
        }
        offset += line.len();
    }
    let Some(&(first_off, _)) = commands.first() else {
        return;
    };
    let remote = gha::remote_code(body);
    let pos = gha::body_pos(body, first_line, remote.as_ref().map_or(first_off, |r| r.0));
    let shown: Vec<&str> = commands.iter().map(|(_, c)| *c).collect();
    let mut f = common::finding(
        src,
        "hooks.husky",
        if remote.is_some() {
            Decision::Approval
        } else {
            src.verdict()
        },
        pos,
        src.path,
        format!(
            "Git hook `{name}` (husky) runs `{}` {}, including for commits and pushes an agent makes",
            gha::shorten(&shown.join("; ")),
            when(name)
        ),
    );
    f.reasons.push(src.entry.about.clone());
    common::add_actions(&mut f, &[Action::RunShell]);
    if let Some((_, _, why)) = remote {
        f.reasons.push(format!(
            "it {why}: what runs is decided elsewhere, each time"
        ));
        common::add_actions(&mut f, &[Action::Network]);
    }
    f.authority.trigger = Some(format!("git {name}"));
    out.push(f);
}

/// A shell line without its trailing comment (a `#` after whitespace, outside quotes).
fn strip_comment(line: &str) -> &str {
    let mut quote: Option<char> = None;
    let mut prev = ' ';
    for (i, c) in line.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '\'' || c == '"' => quote = Some(c),
            None if c == '#' && prev.is_whitespace() => return line[..i].trim_end(),
            None => {}
        }
        prev = c;
    }
    line
}

// ---- pre-commit -----------------------------------------------------------------------------

fn hook_ids(repo: &Node) -> Vec<&str> {
    repo.get("hooks")
        .map(|h| {
            h.items()
                .iter()
                .filter_map(|n| n.get("id").and_then(Node::as_str))
                .collect()
        })
        .unwrap_or_default()
}

fn pre_commit(src: &Source<'_>, root: &Node, out: &mut Vec<Finding>) {
    let default_stages: Vec<&str> = root
        .get("default_install_hook_types")
        .map(|n| n.items().iter().filter_map(Node::as_str).collect())
        .unwrap_or_default();
    let stage = if default_stages.is_empty() {
        "pre-commit".to_owned()
    } else {
        default_stages.join(", ")
    };
    for repo in root.get("repos").map_or(&[][..], Node::items) {
        let Some(url_entry) = repo.entry("repo") else {
            continue;
        };
        let url = url_entry.value.as_str().unwrap_or("");
        match url {
            "meta" => {}
            "local" => {
                for hook in repo.get("hooks").map_or(&[][..], Node::items) {
                    let id = hook.get("id").and_then(Node::as_str).unwrap_or("?");
                    let Some(e) = hook.entry("entry") else {
                        continue;
                    };
                    let cmd = e.value.as_str().unwrap_or("");
                    let language = hook
                        .get("language")
                        .and_then(Node::as_str)
                        .unwrap_or("system");
                    let remote = gha::remote_code(cmd);
                    let mut f = common::finding(
                        src,
                        "precommit.local-hook",
                        if remote.is_some() {
                            Decision::Approval
                        } else {
                            src.verdict()
                        },
                        e.key_pos,
                        format!("local hook {id}"),
                        format!(
                            "pre-commit hook `{id}` runs `{}` ({language}) on git {stage}, including for an agent's commits",
                            gha::shorten(cmd)
                        ),
                    );
                    f.reasons.push(src.entry.about.clone());
                    if let Some((_, _, why)) = remote {
                        f.reasons.push(format!("it {why}"));
                        common::add_actions(&mut f, &[Action::Network]);
                    }
                    common::add_actions(&mut f, &[Action::RunShell]);
                    f.authority.trigger = Some(format!("git {stage}"));
                    out.push(f);
                }
            }
            _ => {
                let ids = hook_ids(repo).join(", ");
                let rev = repo.entry("rev");
                let rev_str = rev.and_then(|e| {
                    e.value
                        .as_str()
                        .map(str::to_owned)
                        .or_else(|| match &e.value.value {
                            Value::Number(n) => Some(n.clone()),
                            _ => None,
                        })
                });
                let pinned = rev_str.as_deref().is_some_and(gha::is_full_sha);
                let (rule, decision, pos, message) = if pinned {
                    (
                        "precommit.remote-hook",
                        src.verdict(),
                        url_entry.key_pos,
                        format!(
                            "pre-commit runs hooks {ids} from {url} at a pinned commit on git {stage}"
                        ),
                    )
                } else {
                    (
                        "precommit.unpinned-hook",
                        Decision::Approval,
                        rev.map_or(url_entry.key_pos, |e| e.value.pos),
                        format!(
                            "pre-commit fetches and runs hooks {ids} from {url} at `{}`, a ref that can move, on git {stage}",
                            rev_str.as_deref().unwrap_or("no rev")
                        ),
                    )
                };
                let mut f = common::finding(src, rule, decision, pos, url, message);
                f.reasons.push(src.entry.about.clone());
                if !pinned {
                    f.reasons.push("whoever controls that repository's tags decides what runs on every commit, an agent's included: pin `rev` to a full commit SHA (`pre-commit autoupdate --freeze`)".into());
                }
                common::add_actions(&mut f, &[Action::RunShell, Action::Network]);
                f.authority.trigger = Some(format!("git {stage}"));
                out.push(f);
            }
        }
    }
}

// ---- lefthook -------------------------------------------------------------------------------

/// The commands of a lefthook hook: `commands.<name>.run`, `jobs[].run`, `scripts.<file>`.
fn lefthook_runs(hook: &Node) -> Vec<(String, &Node)> {
    let mut out = Vec::new();
    for e in hook.get("commands").map_or(&[][..], Node::entries) {
        if let Some(run) = e.value.get("run") {
            out.push((e.key.clone(), run));
        }
    }
    for (i, job) in hook
        .get("jobs")
        .map_or(&[][..], Node::items)
        .iter()
        .enumerate()
    {
        let name = job
            .get("name")
            .and_then(Node::as_str)
            .map_or_else(|| format!("job {}", i + 1), str::to_owned);
        if let Some(run) = job.get("run") {
            out.push((name, run));
        } else if let Some(group) = job.get("group") {
            out.extend(lefthook_runs(group));
        }
    }
    out
}

fn lefthook(src: &Source<'_>, root: &Node, out: &mut Vec<Finding>) {
    for e in root.entries() {
        if !GIT_HOOKS.contains(&e.key.as_str()) {
            continue;
        }
        let runs = lefthook_runs(&e.value);
        let scripts: Vec<&str> = e.value.get("scripts").map_or(Vec::new(), |s| {
            s.entries().iter().map(|x| x.key.as_str()).collect()
        });
        if runs.is_empty() && scripts.is_empty() {
            continue;
        }
        let mut remote: Option<(Pos, String)> = None;
        for (_, node) in &runs {
            if let Some(cmd) = node.as_str()
                && let Some((off, len, why)) = gha::remote_code(cmd)
            {
                remote = Some((gha::locate(src.text, node, cmd, off, len), why));
                break;
            }
        }
        let mut what: Vec<String> = runs
            .iter()
            .map(|(n, r)| format!("{n}: `{}`", gha::shorten(r.as_str().unwrap_or(""))))
            .collect();
        what.extend(scripts.iter().map(|s| format!("script {s}")));
        let mut f = common::finding(
            src,
            "hooks.lefthook",
            if remote.is_some() {
                Decision::Approval
            } else {
                src.verdict()
            },
            remote.as_ref().map_or(e.key_pos, |r| r.0),
            format!("{} {}", src.path, e.key),
            format!(
                "lefthook runs {} {}, including for an agent's git operations",
                what.join(", "),
                when(&e.key)
            ),
        );
        f.reasons.push(src.entry.about.clone());
        common::add_actions(&mut f, &[Action::RunShell]);
        if let Some((_, why)) = remote {
            f.reasons.push(format!("it {why}"));
            common::add_actions(&mut f, &[Action::Network]);
        }
        f.authority.trigger = Some(format!("git {}", e.key));
        out.push(f);
    }
    // Configuration fetched from other repositories.
    let mut remotes: Vec<&Node> = root
        .get("remotes")
        .map_or(Vec::new(), |r| r.items().iter().collect());
    remotes.extend(root.get("remote"));
    for r in remotes {
        let Some(url) = r.get("git_url").and_then(Node::as_str) else {
            continue;
        };
        let reference = r.entry("ref");
        let pinned = reference
            .and_then(|e| e.value.as_str())
            .is_some_and(gha::is_full_sha);
        if pinned {
            continue;
        }
        let pos = reference.map_or_else(
            || r.entry("git_url").map_or(r.pos, |e| e.key_pos),
            |e| e.value.pos,
        );
        let mut f = common::finding(
            src,
            "hooks.lefthook-unpinned-remote",
            Decision::Approval,
            pos,
            url,
            format!(
                "lefthook loads hook configuration from {url} at `{}`, a ref that can move",
                reference
                    .and_then(|e| e.value.as_str())
                    .unwrap_or("its default branch")
            ),
        );
        f.reasons.push("whoever controls that repository decides what runs on this repository's git operations: pin `ref` to a full commit SHA".into());
        common::add_actions(&mut f, &[Action::RunShell, Action::Network]);
        out.push(f);
    }
}
