//! MCP server declarations in every client's config: what each server runs or reaches, the
//! credentials it gets, whether its package is pinned, and whether its tools are auto-approved.

use crate::detectors::common::{self, Package};
use crate::detectors::{Detector, Source};
use crate::doc::{Node, Pos, Value};
use crate::model::{Action, Decision, Finding};

pub struct Mcp;

/// Tool names that change something: auto-approving any of them hands the agent write power.
const WRITE_WORDS: &[&str] = &[
    "write", "create", "delete", "remove", "update", "edit", "push", "merge", "exec", "run",
    "execute", "shell", "command", "commit", "move", "rename", "post", "send", "insert", "drop",
    "deploy", "publish", "patch", "put", "set",
];

impl Detector for Mcp {
    fn id(&self) -> &'static str {
        "mcp"
    }

    fn check(&self, src: &Source<'_>, out: &mut Vec<Finding>) {
        let Some(root) = &src.doc.root else { return };
        let inputs = vscode_inputs(root);
        for key in &src.entry.keys {
            let path: Vec<&str> = key.split('.').collect();
            for (scope, container) in find(root, &path, String::new()) {
                for (name, name_pos, server) in servers(container) {
                    let label = if scope.is_empty() {
                        name.clone()
                    } else {
                        format!("{name} ({scope})")
                    };
                    check_server(src, &label, name_pos, server, &inputs, out);
                }
            }
        }
    }
}

/// Follows a dot path with `*` wildcards; returns each match with the keys `*` took.
fn find<'a>(node: &'a Node, path: &[&str], scope: String) -> Vec<(String, &'a Node)> {
    let Some((first, rest)) = path.split_first() else {
        return vec![(scope, node)];
    };
    if *first == "*" {
        node.entries()
            .iter()
            .flat_map(|e| {
                let s = if scope.is_empty() {
                    e.key.clone()
                } else {
                    format!("{scope}/{}", e.key)
                };
                find(&e.value, rest, s)
            })
            .collect()
    } else {
        node.get(first)
            .map(|n| find(n, rest, scope))
            .unwrap_or_default()
    }
}

/// The servers of a container: a map of name → server, or a list of servers with `name`.
fn servers(container: &Node) -> Vec<(String, Pos, &Node)> {
    match &container.value {
        Value::Map(entries) => entries
            .iter()
            .map(|e| (e.key.clone(), e.key_pos, &e.value))
            .collect(),
        Value::Seq(items) => items
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let name = n
                    .get("name")
                    .and_then(Node::as_str)
                    .map_or_else(|| format!("#{}", i + 1), str::to_owned);
                (name, n.pos, n)
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// VS Code's `inputs`: id → whether it is prompted as a password.
fn vscode_inputs(root: &Node) -> Vec<(String, bool)> {
    root.get("inputs")
        .map(|i| {
            i.items()
                .iter()
                .filter_map(|n| {
                    let id = n.get("id")?.as_str()?.to_owned();
                    Some((
                        id,
                        n.get("password").and_then(Node::as_bool).unwrap_or(false),
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn check_server(
    src: &Source<'_>,
    name: &str,
    name_pos: Pos,
    server: &Node,
    inputs: &[(String, bool)],
    out: &mut Vec<Finding>,
) {
    if server.get("disabled").and_then(Node::as_bool) == Some(true)
        || server.get("enabled").and_then(Node::as_bool) == Some(false)
    {
        return;
    }
    // Continue's JSON nests the launch under `transport`.
    let server = server
        .get("transport")
        .filter(|t| !t.entries().is_empty())
        .unwrap_or(server);
    // The command: a string, an array (opencode), or an object (Zed: {path, args, env}).
    let cmd_node = server.get("command");
    let (command, mut args): (Option<Located>, Vec<Located>) = match cmd_node.map(|n| &n.value) {
        Some(Value::String(s)) => (
            Some((s.clone(), cmd_node.map_or(name_pos, |n| n.pos))),
            Vec::new(),
        ),
        Some(Value::Seq(items)) => {
            let mut strs = items
                .iter()
                .filter_map(|n| n.as_str().map(|s| (s.to_owned(), n.pos)));
            (strs.next(), strs.collect())
        }
        Some(Value::Map(_)) => {
            let c = cmd_node
                .and_then(|n| n.get("path"))
                .and_then(|n| n.as_str().map(|s| (s.to_owned(), n.pos)));
            let a = cmd_node
                .and_then(|n| n.get("args"))
                .map(|n| {
                    n.items()
                        .iter()
                        .filter_map(|x| x.as_str().map(|s| (s.to_owned(), x.pos)))
                        .collect()
                })
                .unwrap_or_default();
            (c, a)
        }
        _ => (None, Vec::new()),
    };
    if let Some(a) = server.get("args") {
        args.extend(
            a.items()
                .iter()
                .filter_map(|x| x.as_str().map(|s| (s.to_owned(), x.pos))),
        );
    }
    let url = ["url", "serverUrl", "httpUrl", "uri", "endpoint"]
        .iter()
        .find_map(|k| server.get(k))
        .and_then(|n| n.as_str().map(|s| (s.to_owned(), n.pos)));

    let mut entry = common::finding(
        src,
        "mcp.server",
        src.verdict(),
        name_pos,
        name,
        match (&command, &url) {
            (Some((c, _)), _) => format!(
                "MCP server `{name}` runs `{}` on this machine",
                std::iter::once(c.as_str())
                    .chain(args.iter().map(|(a, _)| a.as_str()))
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
            (None, Some((u, _))) => format!("MCP server `{name}` at {}", strip_query(u)),
            (None, None) => format!("MCP server `{name}` (no command or URL)"),
        },
    );
    // What the file is, unless it is the user's own copy: then its origin says it (added by the
    // scan), and "offered to everyone who opens the repository" would not be true.
    if !src.origin().is_local() {
        entry.reasons.push(src.entry.about.clone());
    }
    if command.is_some() {
        common::add_actions(&mut entry, &[Action::RunShell]);
        entry.reasons.push(
            "a local MCP server is a program the agent starts with your user's rights".into(),
        );
    }
    if url.is_some() {
        common::add_actions(&mut entry, &[Action::Network]);
    }
    let lname = format!("{name} {}", command.as_ref().map_or("", |c| c.0.as_str()))
        .to_ascii_lowercase()
        + &args
            .iter()
            .map(|(a, _)| a.to_ascii_lowercase())
            .collect::<Vec<_>>()
            .join(" ");
    if lname.contains("filesystem") || lname.contains("file-system") {
        common::add_actions(&mut entry, &[Action::ReadCode, Action::WriteCode]);
    }
    if lname.contains("github") || lname.contains("gitlab") || lname.contains("git") {
        common::add_actions(&mut entry, &[Action::ReadCode, Action::WriteCode]);
    }
    let mut worst = entry.decision;

    // A filesystem server given the whole disk or the home directory.
    if lname.contains("filesystem") {
        let broad = [
            "/",
            "~",
            "~/",
            "$HOME",
            "${HOME}",
            "${env:HOME}",
            "${userHome}",
            "C:\\",
        ];
        if let Some((a, apos)) = args.iter().find(|(a, _)| broad.contains(&a.as_str())) {
            let mut f = common::finding(
                src,
                "mcp.broad-filesystem",
                Decision::Approval,
                *apos,
                name,
                format!(
                    "MCP server `{name}` is given `{a}`: every file you can read or write, keys and other repositories included"
                ),
            );
            f.reasons
                .push("give a filesystem server only the directories the task needs".into());
            common::add_actions(
                &mut f,
                &[Action::ReadCode, Action::WriteCode, Action::Secrets],
            );
            worst = worst.max(f.decision);
            out.push(f);
        }
    }

    // A package fetched and run by a launcher must be pinned.
    if let Some((c, cpos)) = &command {
        let arg_strs: Vec<&str> = args.iter().map(|(a, _)| a.as_str()).collect();
        if let Some(pkg) = common::launched_package(c, &arg_strs) {
            match pkg {
                Package::Unpinned(p) => {
                    let pos = args
                        .iter()
                        .find(|(a, _)| a.contains(p.as_str()) || p.contains(a.as_str()))
                        .map_or(*cpos, |(_, p)| *p);
                    let mut f = common::finding(
                        src,
                        "mcp.unpinned-package",
                        Decision::Approval,
                        pos,
                        name,
                        format!(
                            "MCP server `{name}` runs `{p}` without a pinned version: whatever is published next runs on this machine"
                        ),
                    );
                    f.reasons.push(
                        "pin an exact version (`pkg@1.2.3`, `pkg==1.2.3`, an image digest)".into(),
                    );
                    common::add_actions(&mut f, &[Action::RunShell, Action::Network]);
                    worst = worst.max(f.decision);
                    entry.reasons.push(format!("unpinned package {p}"));
                    out.push(f);
                }
                Package::Pinned(p) => entry.reasons.push(format!("pinned package {p}")),
            }
        }
    }

    if let Some((u, upos)) = &url
        && u.starts_with("http://")
        && !is_local(u)
    {
        let mut f = common::finding(
            src,
            "mcp.insecure-url",
            Decision::Approval,
            *upos,
            name,
            format!(
                "MCP server `{name}` is reached over plain HTTP: its tools and any credentials cross the network unencrypted"
            ),
        );
        common::add_actions(&mut f, &[Action::Network]);
        worst = worst.max(f.decision);
        out.push(f);
    }

    // Environment and headers: literal secrets block; references are recorded.
    let env_maps = [
        server.get("env"),
        server.get("environment"),
        cmd_node.and_then(|n| n.get("env")),
        server.get("headers"),
        server.at(&["requestInit", "headers"]),
        server.get("http_headers"),
        server.get("env_http_headers"),
    ];
    for map in env_maps.into_iter().flatten() {
        for e in map.entries() {
            let Some(value) = e.value.as_str() else {
                continue;
            };
            if common::is_literal_secret(&e.key, value) {
                let cred = common::credential(&e.key, value);
                let fingerprint = cred.fingerprint.as_deref().unwrap_or("");
                // Exposed to others in a repository's or a machine-managed file; in the user's
                // own, a standing credential on disk.
                let shared = src.origin().is_shared();
                let mut f = common::finding(
                    src,
                    "mcp.literal-secret",
                    if shared {
                        Decision::Block
                    } else {
                        Decision::Approval
                    },
                    e.value.pos,
                    name,
                    if shared {
                        format!(
                            "MCP server `{name}` has a literal secret in `{}` ({fingerprint}): anyone who can read this file has it",
                            e.key
                        )
                    } else {
                        format!(
                            "MCP server `{name}` has a literal secret in `{}` ({fingerprint}) in your own configuration: every program running as you, agents included, can read it",
                            e.key
                        )
                    },
                );
                if shared {
                    f.reasons.push("pass it by reference (`${env:NAME}`, `${input:id}`) and rotate the exposed value".into());
                } else {
                    f.reasons.push(src.origin_reason());
                    f.reasons.push("not exposed to others, but a standing credential on disk: prefer a reference (`${env:NAME}`, `${input:id}`)".into());
                }
                f.authority.credentials.push(cred.clone());
                common::add_actions(&mut f, &[Action::Secrets]);
                worst = worst.max(f.decision);
                entry.authority.credentials.push(cred);
                out.push(f);
            } else if common::is_credential_name(&e.key)
                && common::is_reference(value)
                && !value.trim().is_empty()
            {
                let mut cred = common::credential(&e.key, value);
                if let Some(id) = value
                    .trim()
                    .strip_prefix("${input:")
                    .and_then(|r| r.strip_suffix('}'))
                {
                    let prompted = inputs.iter().find(|(i, _)| i == id);
                    cred.source = match prompted {
                        Some((_, true)) => format!("${{input:{id}}} (prompted, hidden)"),
                        Some((_, false)) => format!("${{input:{id}}} (prompted, shown on screen)"),
                        None => format!("${{input:{id}}} (no such input)"),
                    };
                }
                let mut f = common::finding(
                    src,
                    "mcp.credential-reference",
                    Decision::Allow,
                    e.key_pos,
                    name,
                    format!(
                        "MCP server `{name}` gets the credential `{}` from {}",
                        e.key, cred.source
                    ),
                );
                f.authority.credentials.push(cred.clone());
                common::add_actions(&mut f, &[Action::Secrets]);
                entry.authority.credentials.push(cred);
                common::add_actions(&mut entry, &[Action::Secrets]);
                out.push(f);
            }
        }
    }

    // Auto-approval: tools that run without asking.
    for key in [
        "autoApprove",
        "alwaysAllow",
        "trust",
        "auto_approve",
        "autoapprove",
    ] {
        let Some(e) = server.entry(key) else { continue };
        let (all, tools): (bool, Vec<String>) = match &e.value.value {
            Value::Bool(b) => (*b, Vec::new()),
            Value::String(s) => (s == "*" || s.eq_ignore_ascii_case("true"), Vec::new()),
            Value::Seq(items) => {
                let t: Vec<String> = items
                    .iter()
                    .filter_map(|n| n.as_str().map(str::to_owned))
                    .collect();
                (t.iter().any(|x| x == "*"), t)
            }
            _ => (false, Vec::new()),
        };
        if !all && tools.is_empty() {
            continue;
        }
        let writers: Vec<&String> = tools.iter().filter(|t| is_write_tool(t)).collect();
        let decision = if all || !writers.is_empty() {
            Decision::Block
        } else {
            Decision::Approval
        };
        let what = if all {
            "every tool".to_owned()
        } else {
            format!(
                "{} tool{} ({})",
                tools.len(),
                if tools.len() == 1 { "" } else { "s" },
                tools.join(", ")
            )
        };
        let mut f = common::finding(
            src,
            "mcp.auto-approve",
            decision,
            e.key_pos,
            name,
            format!("MCP server `{name}` runs {what} without asking (`{key}`)"),
        );
        if decision == Decision::Block {
            f.reasons.push(if all {
                "every tool of the server, including any that writes, runs without a human"
                    .to_owned()
            } else {
                format!(
                    "auto-approved tools that change things: {}",
                    writers
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            });
            common::add_actions(&mut f, &[Action::WriteCode]);
        }
        worst = worst.max(decision);
        entry.authority.permissions.push(format!("{key}: {what}"));
        out.push(f);
    }

    entry.decision = worst;
    out.push(entry);
}

/// A string and where it is.
type Located = (String, Pos);

fn is_write_tool(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.split(|c: char| !c.is_ascii_alphanumeric())
        .any(|w| WRITE_WORDS.contains(&w))
        || WRITE_WORDS.iter().any(|w| n.starts_with(w))
}

fn is_local(url: &str) -> bool {
    let rest = url.trim_start_matches("http://");
    let host = rest.split(['/', ':']).next().unwrap_or("");
    matches!(host, "localhost" | "127.0.0.1" | "[::1]" | "0.0.0.0") || host.ends_with(".localhost")
}

/// A URL without its query string, which may carry a key.
fn strip_query(url: &str) -> &str {
    url.split(['?', '#']).next().unwrap_or(url)
}
