//! From a tool call to Cedar requests: one per effect, plus one for the tool itself.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use cedar_policy::{Context, Entity, EntityId, EntityTypeName, EntityUid, RestrictedExpression};
use rein_call::Action;
use rein_shell::{Analysis, Effect, EffectKind, Limits, Unresolved, UnresolvedKind};
use serde_json::Value;

use crate::facts::{FileFacts, Place};

/// The principal: an agent session inside its delegating human.
#[derive(Debug, Clone)]
pub struct Principal {
    pub human: String,
    pub agent: String,
    pub session: String,
}

/// A declared task: a title and the paths (globs relative to the work tree) it may write.
#[derive(Debug, Clone)]
pub struct Task {
    pub title: String,
    pub scope: Vec<String>,
}

/// One tool call to decide.
#[derive(Debug, Clone)]
pub struct Call<'a> {
    /// The agent's own tool name: `Bash`, `run_shell_command`, `mcp__github__create_issue`, …
    /// (rules may name it; what the call does comes from `action`).
    pub tool: &'a str,
    /// The agent's own input (an unknown tool is judged by its arguments).
    pub input: &'a Value,
    /// What the call does, in the neutral model.
    pub action: &'a Action,
    pub place: &'a Place,
    pub principal: &'a Principal,
    /// `ci` or `local`.
    pub environment: &'a str,
    pub permission_mode: &'a str,
    pub task: Option<&'a Task>,
}

/// What one request is about, for explanations and for building the Cedar request.
#[derive(Debug, Clone)]
pub(crate) struct Item {
    pub action: &'static str,
    pub resource: Resource,
    pub recursive: bool,
    pub upload: bool,
    pub destructive: bool,
    pub op: String,
    pub target: String,
    pub via: Vec<String>,
    pub command: String,
    /// One line: `delete /home/dev (recursive)`.
    pub summary: String,
}

#[derive(Debug, Clone)]
pub(crate) enum Resource {
    File(Box<FileFacts>),
    Program { name: String, args: Vec<String> },
    Host(String),
    Repo(String),
    Package(String),
    Target { tool: String, name: String },
    Database(String),
    Source(String),
    Command(String),
    Tool { name: String, server: String },
}

/// The effects a tool call has, before policy: from what it does, never from the agent's name
/// for the tool.
pub(crate) fn effects_of(call: &Call<'_>, limits: &Limits) -> Analysis {
    let place = call.place;
    let one = |kind: EffectKind| Analysis {
        effects: vec![plain(kind)],
        unresolved: Vec::new(),
    };
    let path = |p: &str| crate::facts::normalize(&place.cwd, Path::new(p));
    let shell = |command: &str| {
        rein_shell::analyze(
            command,
            &rein_shell::Context {
                cwd: place.cwd.clone(),
                home: place.home.clone(),
            },
            limits,
        )
    };
    match call.action {
        Action::Shell { command, .. } => shell(command),
        Action::Read { path: p } => one(EffectKind::Read { path: path(p) }),
        Action::Write { path: p, .. } | Action::Edit { path: p, .. } => {
            one(EffectKind::Write { path: path(p) })
        }
        Action::Delete { path: p } => one(EffectKind::Delete {
            path: path(p),
            recursive: false,
        }),
        Action::Patch { files } => Analysis {
            effects: files
                .iter()
                .flat_map(|f| {
                    let here = match f.op {
                        rein_call::PatchOp::Delete => EffectKind::Delete {
                            path: path(&f.path),
                            recursive: false,
                        },
                        _ if f.move_to.is_some() => EffectKind::Delete {
                            path: path(&f.path),
                            recursive: false,
                        },
                        _ => EffectKind::Write {
                            path: path(&f.path),
                        },
                    };
                    let moved = f
                        .move_to
                        .as_deref()
                        .map(|to| EffectKind::Write { path: path(to) });
                    std::iter::once(here).chain(moved).map(plain)
                })
                .collect(),
            unresolved: Vec::new(),
        },
        Action::Search {
            path: base,
            glob,
            reads_content: true,
            ..
        } => {
            let base = base
                .as_deref()
                .map(path)
                .unwrap_or_else(|| place.cwd.clone());
            // A glob filter narrows what is read; a secret name in it is what matters.
            let targets: Vec<PathBuf> = match glob {
                Some(g) => expand_braces(g)
                    .into_iter()
                    .map(|g| base.join("**").join(g.trim_start_matches("**/")))
                    .collect(),
                None => vec![base],
            };
            Analysis {
                effects: targets
                    .into_iter()
                    .map(|path| plain(EffectKind::Read { path }))
                    .collect(),
                unresolved: Vec::new(),
            }
        }
        Action::Fetch { url } => one(EffectKind::Network {
            host: host_of(url),
            upload: false,
        }),
        Action::Search { .. }
        | Action::WebSearch { .. }
        | Action::Mcp { .. }
        | Action::Spawn { .. }
        | Action::Internal { .. } => Analysis::default(),
        Action::Other { .. } => unknown_tool(call, &path, &shell),
        Action::Invalid { reason, .. } => Analysis {
            effects: Vec::new(),
            unresolved: vec![Unresolved {
                kind: UnresolvedKind::ParseError,
                reason: reason.clone(),
            }],
        },
    }
}

/// An effect with no command or wrapper behind it.
fn plain(kind: EffectKind) -> Effect {
    Effect {
        kind,
        command: String::new(),
        via: Vec::new(),
    }
}

/// A tool rein does not know is judged by what its arguments name: every path-shaped argument
/// may be read and written, every URL is a connection, and a shell command it carries is
/// analyzed like any other.
fn unknown_tool(
    call: &Call<'_>,
    path: &dyn Fn(&str) -> PathBuf,
    shell: &dyn Fn(&str) -> Analysis,
) -> Analysis {
    let (paths, urls) = rein_call::shaped_arguments(call.input);
    let mut out = match rein_call::carried_command(call.input) {
        Some(command) => shell(command),
        None => Analysis::default(),
    };
    for p in paths {
        let p = if let Some(rest) = p.strip_prefix("~/") {
            call.place.home.join(rest)
        } else if p == "~" {
            call.place.home.clone()
        } else {
            path(&p)
        };
        out.effects
            .push(plain(EffectKind::Read { path: p.clone() }));
        out.effects.push(plain(EffectKind::Write { path: p }));
    }
    for u in urls {
        out.effects.push(plain(EffectKind::Network {
            host: host_of(&u),
            upload: true,
        }));
    }
    out
}

/// Expands `{a,b}` alternatives in a glob (nested and repeated, bounded), as ripgrep does.
fn expand_braces(glob: &str) -> Vec<String> {
    const MAX: usize = 64;
    let mut out = vec![glob.to_owned()];
    for _ in 0..8 {
        let mut next = Vec::new();
        let mut changed = false;
        for g in &out {
            let Some(open) = g.find('{') else {
                next.push(g.clone());
                continue;
            };
            let Some(close) = g[open..].find('}').map(|c| open + c) else {
                next.push(g.clone());
                continue;
            };
            changed = true;
            for alt in g[open + 1..close].split(',') {
                if next.len() < MAX {
                    next.push(format!("{}{}{}", &g[..open], alt, &g[close + 1..]));
                }
            }
        }
        out = next;
        if !changed {
            break;
        }
    }
    out
}

pub(crate) fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if host.starts_with('[') {
        host.split_inclusive(']').next().unwrap_or(host)
    } else {
        host.split(':').next().unwrap_or(host)
    };
    host.to_ascii_lowercase()
}

/// Most requests evaluated for one call.
const MAX_REQUESTS: usize = 256;

/// Turns the analysis into request items, the tool itself first.
pub(crate) fn items(call: &Call<'_>, analysis: &Analysis) -> Vec<Item> {
    let mut out = Vec::with_capacity(analysis.effects.len() + analysis.unresolved.len() + 1);
    let server = match call.action {
        Action::Mcp { server, .. } => server.as_str(),
        _ => "",
    };
    out.push(Item {
        action: "tool",
        resource: Resource::Tool {
            name: call.tool.to_owned(),
            server: server.to_owned(),
        },
        recursive: false,
        upload: false,
        destructive: false,
        op: String::new(),
        target: String::new(),
        via: Vec::new(),
        command: String::new(),
        summary: format!("call the {} tool", call.tool),
    });
    let mut seen = HashSet::new();
    // Cedar answers each request in tens of microseconds; thousands of chained commands must
    // not cost seconds. What matters most is checked first, and past the cap the call asks.
    let mut ordered: Vec<&Effect> = analysis.effects.iter().collect();
    ordered.sort_by_key(|e| matches!(e.kind, EffectKind::Exec { .. }));
    let mut skipped = 0usize;
    for effect in ordered {
        if out.len() > MAX_REQUESTS {
            skipped += 1;
            continue;
        }
        let item = effect_item(call, effect);
        if seen.insert((
            item.action,
            item.summary.clone(),
            item.command.clone(),
            item.via.clone(),
        )) {
            out.push(item);
        }
    }
    if skipped > 0 {
        out.push(Item {
            action: "unresolved",
            resource: Resource::Command("too many effects".into()),
            recursive: false,
            upload: false,
            destructive: false,
            op: "budget".into(),
            target: String::new(),
            via: Vec::new(),
            command: String::new(),
            summary: format!(
                "unresolved: the command has {} more effects than rein checks ({MAX_REQUESTS})",
                skipped
            ),
        });
    }
    for u in &analysis.unresolved {
        out.push(Item {
            action: "unresolved",
            resource: Resource::Command(u.reason.clone()),
            recursive: false,
            upload: false,
            destructive: false,
            op: unresolved_kind(u.kind).to_owned(),
            target: String::new(),
            via: Vec::new(),
            command: String::new(),
            summary: format!("unresolved: {}", u.reason),
        });
    }
    out
}

pub(crate) fn unresolved_kind(kind: UnresolvedKind) -> &'static str {
    match kind {
        UnresolvedKind::DynamicCommand => "dynamic_command",
        UnresolvedKind::DynamicArgument => "dynamic_argument",
        UnresolvedKind::DecodedToShell => "decoded_to_shell",
        UnresolvedKind::OpaqueCode => "opaque_code",
        UnresolvedKind::ParseError => "parse_error",
        UnresolvedKind::TooLarge => "too_large",
        UnresolvedKind::Budget => "budget",
    }
}

fn effect_item(call: &Call<'_>, effect: &Effect) -> Item {
    let file = |p: &PathBuf| Resource::File(Box::new(FileFacts::of(p, call.place)));
    let mut item = Item {
        action: "exec",
        resource: Resource::Command(String::new()),
        recursive: false,
        upload: false,
        destructive: false,
        op: String::new(),
        target: String::new(),
        via: effect.via.clone(),
        command: effect.command.clone(),
        summary: String::new(),
    };
    match &effect.kind {
        EffectKind::Exec { program, args } => {
            item.resource = Resource::Program {
                name: program.clone(),
                args: args.clone(),
            };
            item.summary = format!("run {program}");
        }
        EffectKind::Read { path } => {
            item.action = "read";
            item.resource = file(path);
            item.summary = format!("read {}", path.display());
        }
        EffectKind::Write { path } => {
            item.action = "write";
            item.resource = file(path);
            item.summary = format!("write {}", path.display());
        }
        EffectKind::Delete { path, recursive } => {
            item.action = "delete";
            item.resource = file(path);
            item.recursive = *recursive;
            item.summary = if *recursive {
                format!("delete {} (recursive)", path.display())
            } else {
                format!("delete {}", path.display())
            };
        }
        EffectKind::Network { host, upload } => {
            item.action = "network";
            item.resource = Resource::Host(host.clone());
            item.upload = *upload;
            item.summary = if *upload {
                format!("send data to {host}")
            } else {
                format!("connect to {host}")
            };
        }
        EffectKind::Vcs { op, target } => {
            item.action = "vcs";
            item.resource = Resource::Repo(call.place.worktree.display().to_string());
            item.op = op.clone();
            item.target = target.clone().unwrap_or_default();
            item.summary = match target {
                Some(t) => format!("git {op} {t}"),
                None => format!("git {op}"),
            };
        }
        EffectKind::Publish { ecosystem, target } => {
            item.action = "publish";
            item.resource = Resource::Package(ecosystem.clone());
            item.target = target.clone().unwrap_or_default();
            item.summary = format!("publish to {ecosystem}");
        }
        EffectKind::Deploy {
            tool,
            target,
            destructive,
        } => {
            item.action = "deploy";
            item.resource = Resource::Target {
                tool: tool.clone(),
                name: target.clone().unwrap_or_default(),
            };
            item.destructive = *destructive;
            item.target = target.clone().unwrap_or_default();
            item.summary = if *destructive {
                format!("destroy infrastructure with {tool}")
            } else {
                format!("deploy with {tool}")
            };
        }
        EffectKind::Database {
            engine,
            op,
            destructive,
        } => {
            item.action = "database";
            item.resource = Resource::Database(engine.clone());
            item.op = op.clone();
            item.destructive = *destructive;
            item.summary = format!("{engine} {op}");
        }
        EffectKind::RemoteCode { source } => {
            item.action = "remote_code";
            item.resource = Resource::Source(source.clone());
            item.summary = format!("run code from {source}");
        }
    }
    item
}

fn uid(ty: &str, id: &str) -> Result<EntityUid, String> {
    let name = ty.parse::<EntityTypeName>().map_err(|e| e.to_string())?;
    Ok(EntityUid::from_type_name_and_id(name, EntityId::new(id)))
}

fn s(v: &str) -> RestrictedExpression {
    RestrictedExpression::new_string(v.to_owned())
}

fn b(v: bool) -> RestrictedExpression {
    RestrictedExpression::new_bool(v)
}

/// The Cedar request parts for one item: principal, action, resource uids, the entities, the
/// context.
pub(crate) struct Built {
    pub principal: EntityUid,
    pub action: EntityUid,
    pub resource: EntityUid,
    pub entities: Vec<Entity>,
    pub context: Context,
}

pub(crate) fn build(call: &Call<'_>, item: &Item, in_task_scope: bool) -> Result<Built, String> {
    let p = call.principal;
    let human = uid("Rein::Human", &p.human)?;
    let principal = uid("Rein::Session", &format!("{}:{}", p.agent, p.session))?;
    let session = Entity::new(
        principal.clone(),
        [
            ("agent".to_owned(), s(&p.agent)),
            ("session".to_owned(), s(&p.session)),
            ("human".to_owned(), s(&p.human)),
        ]
        .into_iter()
        .collect(),
        [human.clone()].into_iter().collect(),
    )
    .map_err(|e| e.to_string())?;
    let human_entity = Entity::new_no_attrs(human, HashSet::new());

    let (ty, id, attrs): (&str, String, Vec<(&str, RestrictedExpression)>) = match &item.resource {
        Resource::File(f) => (
            "Rein::File",
            f.path.clone(),
            vec![
                ("path", s(&f.path)),
                ("name", s(&f.name)),
                ("rel", s(&f.rel)),
                ("top", s(&f.top)),
                ("home_rel", s(&f.home_rel)),
                ("in_worktree", b(f.in_worktree)),
                ("in_home", b(f.in_home)),
                ("in_tmp", b(f.in_tmp)),
                ("in_system", b(f.in_system)),
                ("is_root", b(f.is_root)),
                ("covers_home", b(f.covers_home)),
                ("covers_worktree", b(f.covers_worktree)),
                ("is_glob", b(f.is_glob)),
            ],
        ),
        Resource::Program { name, args } => (
            "Rein::Program",
            name.clone(),
            vec![
                ("name", s(name)),
                (
                    "args",
                    RestrictedExpression::new_set(args.iter().map(|a| s(a))),
                ),
                ("argv", s(&item.command)),
            ],
        ),
        Resource::Host(h) => ("Rein::Host", h.clone(), vec![("name", s(h))]),
        Resource::Repo(r) => ("Rein::Repo", r.clone(), vec![("path", s(r))]),
        Resource::Package(e) => ("Rein::Package", e.clone(), vec![("ecosystem", s(e))]),
        Resource::Target { tool, name } => (
            "Rein::Target",
            format!("{tool}:{name}"),
            vec![("tool", s(tool)), ("name", s(name))],
        ),
        Resource::Database(e) => ("Rein::Database", e.clone(), vec![("engine", s(e))]),
        Resource::Source(u) => ("Rein::Source", u.clone(), vec![("url", s(u))]),
        Resource::Command(t) => ("Rein::Command", t.clone(), vec![("text", s(t))]),
        Resource::Tool { name, server } => (
            "Rein::Tool",
            name.clone(),
            vec![("name", s(name)), ("server", s(server))],
        ),
    };
    let resource = uid(ty, &id)?;
    let resource_entity = Entity::new(
        resource.clone(),
        attrs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
        HashSet::new(),
    )
    .map_err(|e| e.to_string())?;

    let task_title = call.task.map(|t| t.title.as_str()).unwrap_or("");
    let context = Context::from_pairs([
        ("tool".to_owned(), s(call.tool)),
        ("env".to_owned(), s(call.environment)),
        ("permission_mode".to_owned(), s(call.permission_mode)),
        ("cwd".to_owned(), s(&call.place.cwd.to_string_lossy())),
        ("task".to_owned(), s(task_title)),
        ("task_active".to_owned(), b(call.task.is_some())),
        ("in_task_scope".to_owned(), b(in_task_scope)),
        ("recursive".to_owned(), b(item.recursive)),
        ("upload".to_owned(), b(item.upload)),
        ("destructive".to_owned(), b(item.destructive)),
        ("op".to_owned(), s(&item.op)),
        ("target".to_owned(), s(&item.target)),
        (
            "via".to_owned(),
            RestrictedExpression::new_set(item.via.iter().map(|v| s(v))),
        ),
        ("command".to_owned(), s(&item.command)),
    ])
    .map_err(|e| e.to_string())?;
    Ok(Built {
        principal,
        action: uid("Rein::Action", item.action)?,
        resource,
        entities: vec![session, human_entity, resource_entity],
        context,
    })
}
