//! git: global options (`-C`, `-c key=value` with inline aliases and command-valued keys),
//! dashed helpers, and each subcommand's operation per [`crate::vcs_ops`].

use super::network::url_host;
use super::parse_opts;
use crate::walk::{Analyzer, Call, Flow};
use crate::word::{Arg, clip, split_raw_words};
use crate::{EffectKind, UnresolvedKind, vcs_ops};

/// Most alias expansions followed in one git command.
const MAX_ALIAS_DEPTH: usize = 8;

/// Config keys whose values are shell commands git runs.
const COMMAND_KEYS: &[&str] = &[
    "core.pager",
    "core.sshcommand",
    "core.fsmonitor",
    "core.editor",
    "sequence.editor",
    "diff.external",
    "gpg.program",
    "credential.helper",
    "core.askpass",
];

/// Config keys that matter for safety even when not commands.
fn sensitive_key(k: &str) -> bool {
    COMMAND_KEYS.contains(&k)
        || k == "core.hookspath"
        || k.starts_with("uploadpack.")
        || k.starts_with("protocol.")
        || k.starts_with("alias.")
        || k.starts_with("pager.")
        || (k.starts_with("filter.")
            && (k.ends_with(".clean") || k.ends_with(".smudge") || k.ends_with(".process")))
        || (k.starts_with("diff.") && k.ends_with(".textconv"))
}

impl Analyzer<'_> {
    fn vcs(&mut self, op: &str, target: Option<String>, call: &Call) {
        self.emit(
            EffectKind::Vcs {
                op: op.to_string(),
                target,
            },
            call,
        );
    }

    /// A config value git will run as a shell command.
    fn git_command_value(&mut self, key: &str, value: &Arg, call: &Call) {
        self.shell_string(value, &format!("git config {key}"), call);
    }

    pub(crate) fn git(&mut self, args: &[Arg], call: &Call) -> Flow {
        self.git_with_aliases(args, call, 0, &mut Vec::new())
    }

    fn git_with_aliases(
        &mut self,
        args: &[Arg],
        call: &Call,
        depth: usize,
        aliases: &mut Vec<(String, Arg)>,
    ) -> Flow {
        let mut i = 0;
        let saved_cwd = self.cwd.clone();
        while let Some(a) = args.get(i) {
            let t = a.text.as_str();
            if !a.known || !t.starts_with('-') {
                break;
            }
            match t {
                "-C" => {
                    if let Some(d) = args.get(i + 1)
                        && d.known
                    {
                        self.cwd = crate::paths::normalize(&self.cwd, &d.text);
                    }
                    i += 2;
                }
                "-c" => {
                    if let Some(kv) = args.get(i + 1) {
                        let kv = kv.clone();
                        self.git_config_pair(&kv, call, aliases);
                    }
                    i += 2;
                }
                "--config-env" | "--namespace" | "--git-dir" | "--work-tree" | "--exec-path"
                | "--super-prefix" | "--list-cmds"
                    if !t.contains('=') =>
                {
                    if t == "--exec-path" {
                        i += 1;
                    } else {
                        i += 2;
                    }
                }
                _ => {
                    if let Some(p) = t.strip_prefix("--exec-path=") {
                        self.unresolved(
                            UnresolvedKind::OpaqueCode,
                            format!("git runs its helpers from `{}`", clip(p)),
                        );
                    }
                    i += 1;
                }
            }
        }
        let rest = args.get(i..).unwrap_or_default();
        let out = match rest.split_first() {
            Some((sub, sargs)) if !sub.known => {
                self.unresolved(
                    UnresolvedKind::DynamicCommand,
                    format!(
                        "the git subcommand `{}` is not known before run time",
                        clip(&sub.text)
                    ),
                );
                let _ = sargs;
                Flow::Unknown
            }
            Some((sub, sargs)) => {
                let alias = aliases
                    .iter()
                    .rev()
                    .find(|(n, _)| *n == sub.text)
                    .map(|(_, v)| v.clone());
                match alias {
                    Some(value) if depth >= MAX_ALIAS_DEPTH => {
                        let _ = value;
                        self.budget("git aliases nest too deeply");
                        Flow::Unknown
                    }
                    Some(value) if value.text.starts_with('!') => {
                        let mut code = value.clone();
                        code.text = format!(
                            "{} {}",
                            value.text.trim_start_matches('!'),
                            super::texts(sargs).join(" ")
                        );
                        self.shell_string(&code, &format!("git alias {}", sub.text), call)
                    }
                    Some(value) => {
                        let mut argv = Vec::new();
                        for w in split_raw_words(&value.text) {
                            argv.extend(self.eval_word(&w, call));
                        }
                        argv.extend(sargs.iter().cloned());
                        self.git_with_aliases(
                            &argv,
                            &call.wrap(&format!("git alias {}", sub.text)),
                            depth + 1,
                            aliases,
                        )
                    }
                    None => self.git_sub(&sub.text, sargs, call),
                }
            }
            None => Flow::Unknown,
        };
        self.cwd = saved_cwd;
        out
    }

    /// `-c key=value`: aliases are remembered; dangerous keys are a config op, command keys run.
    fn git_config_pair(&mut self, kv: &Arg, call: &Call, aliases: &mut Vec<(String, Arg)>) {
        let Some((key, value)) = kv.text.split_once('=') else {
            return;
        };
        let key_l = key.to_lowercase();
        let mut v = kv.clone();
        v.text = value.to_string();
        if let Some(name) = key_l.strip_prefix("alias.") {
            aliases.push((name.to_string(), v.clone()));
            if value.starts_with('!') {
                self.vcs(vcs_ops::CONFIG, Some(key.to_string()), call);
            }
            return;
        }
        if sensitive_key(&key_l) {
            self.vcs(vcs_ops::CONFIG, Some(key.to_string()), call);
        }
        if COMMAND_KEYS.contains(&key_l.as_str())
            || key_l.starts_with("pager.")
            || (key_l.starts_with("filter.") && !key_l.ends_with(".required"))
            || key_l.ends_with(".textconv")
        {
            self.git_command_value(&key_l, &v, call);
        }
        if key_l == "core.hookspath" {
            self.unresolved(
                UnresolvedKind::OpaqueCode,
                format!("git runs hooks from `{}`", clip(value)),
            );
        }
    }

    fn git_sub(&mut self, sub: &str, args: &[Arg], call: &Call) -> Flow {
        let has = |names: &[&str]| {
            args.iter()
                .any(|a| a.known && names.contains(&a.text.as_str()))
        };
        let short_has = |c: char| {
            args.iter().any(|a| {
                a.known
                    && a.text.starts_with('-')
                    && !a.text.starts_with("--")
                    && a.text.contains(c)
            })
        };
        let operands: Vec<&Arg> = args.iter().filter(|a| !a.text.starts_with('-')).collect();
        let first = operands.first().map(|a| a.text.clone());
        match sub {
            "reset" => {
                let op = if has(&["--hard", "--merge", "--keep"]) {
                    vcs_ops::DISCARD
                } else {
                    vcs_ops::OTHER
                };
                self.vcs(op, first, call);
            }
            "checkout" => {
                let dashdash = args.iter().any(|a| a.text == "--");
                let discard = has(&["-f", "--force", "."]) || dashdash || has(&["-p", "--patch"]);
                let pathlike = operands.len() > 1
                    || operands.iter().any(|a| {
                        a.text == "." || a.text.contains('/') && !a.text.starts_with("origin/")
                    });
                let op = if discard || (pathlike && !has(&["-b", "-B"])) {
                    vcs_ops::DISCARD
                } else {
                    vcs_ops::OTHER
                };
                self.vcs(op, first, call);
            }
            "restore" => {
                let staged_only = has(&["--staged", "-S"]) && !has(&["--worktree", "-W"]);
                self.vcs(
                    if staged_only {
                        vcs_ops::OTHER
                    } else {
                        vcs_ops::DISCARD
                    },
                    first,
                    call,
                );
            }
            "switch" => {
                let op = if has(&["--discard-changes", "-f", "--force"]) {
                    vcs_ops::DISCARD
                } else {
                    vcs_ops::OTHER
                };
                self.vcs(op, first, call);
            }
            "stash" => {
                let op = match first.as_deref() {
                    Some("drop" | "clear") => vcs_ops::DISCARD,
                    _ => vcs_ops::OTHER,
                };
                self.vcs(op, first, call);
            }
            "clean" => {
                let dry = has(&["-n", "--dry-run"]) || short_has('n');
                let force = has(&["--force"]) || short_has('f');
                let op = if force && !dry {
                    vcs_ops::CLEAN
                } else {
                    vcs_ops::OTHER
                };
                self.vcs(op, None, call);
            }
            "push" => self.git_push(args, call),
            "rebase" | "filter-branch" | "filter-repo" | "replace" => {
                self.vcs(vcs_ops::REWRITE_HISTORY, first, call)
            }
            "commit" => {
                let op = if has(&["--amend"]) {
                    vcs_ops::REWRITE_HISTORY
                } else {
                    vcs_ops::OTHER
                };
                self.vcs(op, None, call);
            }
            "reflog" => {
                let op = if matches!(first.as_deref(), Some("expire" | "delete")) {
                    vcs_ops::REWRITE_HISTORY
                } else {
                    vcs_ops::OTHER
                };
                self.vcs(op, None, call);
            }
            "gc" => {
                let op = if args.iter().any(|a| a.text.starts_with("--prune")) {
                    vcs_ops::REWRITE_HISTORY
                } else {
                    vcs_ops::OTHER
                };
                self.vcs(op, None, call);
            }
            "prune" => self.vcs(vcs_ops::REWRITE_HISTORY, None, call),
            "update-ref" => {
                let op = if has(&["-d", "--delete"]) {
                    vcs_ops::REWRITE_HISTORY
                } else {
                    vcs_ops::OTHER
                };
                self.vcs(op, first, call);
            }
            "branch" => {
                let force_delete =
                    has(&["-D"]) || (has(&["-d", "--delete"]) && has(&["-f", "--force"]));
                let op = if force_delete {
                    vcs_ops::DELETE_REF
                } else {
                    vcs_ops::OTHER
                };
                self.vcs(op, first, call);
            }
            "tag" => {
                let op = if has(&["-d", "--delete"]) {
                    vcs_ops::DELETE_REF
                } else {
                    vcs_ops::OTHER
                };
                self.vcs(op, first, call);
            }
            "config" => {
                let reading = has(&[
                    "--get",
                    "--get-all",
                    "--get-regexp",
                    "--list",
                    "-l",
                    "--show-origin",
                    "get",
                    "list",
                ]) || (operands.len() == 1
                    && !has(&[
                        "--unset",
                        "--unset-all",
                        "--add",
                        "--replace-all",
                        "--remove-section",
                        "--rename-section",
                        "unset",
                        "set",
                    ]));
                if reading {
                    self.vcs(vcs_ops::OTHER, first, call);
                } else {
                    let key_pos = operands.iter().position(|a| a.text != "set");
                    let key = key_pos
                        .and_then(|p| operands.get(p))
                        .map(|a| a.text.to_lowercase());
                    self.vcs(vcs_ops::CONFIG, key.clone(), call);
                    if let (Some(k), Some(p)) = (key, key_pos)
                        && (COMMAND_KEYS.contains(&k.as_str())
                            || (k.starts_with("alias.")
                                && operands.get(p + 1).is_some_and(|v| v.text.starts_with('!'))))
                        && let Some(v) = operands.get(p + 1)
                    {
                        let mut v = (*v).clone();
                        v.text = v.text.trim_start_matches('!').to_string();
                        self.git_command_value(&k, &v, call);
                    }
                }
            }
            "clone" | "fetch" | "pull" | "ls-remote" | "remote" | "submodule" => {
                let o = parse_opts(
                    args,
                    "bjou",
                    &[
                        "--branch",
                        "--depth",
                        "--origin",
                        "--upload-pack",
                        "--reference",
                        "--config",
                        "--jobs",
                        "--filter",
                        "--separate-git-dir",
                        "--template",
                    ],
                    false,
                );
                if let Some(u) = o.operands.first()
                    && (u.text.contains("://") || u.text.contains('@') || u.text.contains(':'))
                    && let Some(h) = url_host(&u.text)
                {
                    self.emit(
                        EffectKind::Network {
                            host: h,
                            upload: false,
                        },
                        call,
                    );
                }
                if sub == "clone"
                    && let Some(d) = o.operands.get(1)
                {
                    let d = d.clone();
                    self.write(&d, call);
                }
                if let Some(up) = o.value(&["-u", "--upload-pack"]) {
                    let up = up.clone();
                    self.shell_string(&up, "git --upload-pack", call);
                }
                self.vcs(vcs_ops::OTHER, first, call);
            }
            "rm" => {
                let cached = has(&["--cached"]);
                let recursive = has(&["-r"]) || short_has('r');
                if !cached {
                    for f in operands.iter().filter(|a| a.text != "--") {
                        let f = (*f).clone();
                        self.delete(&f, recursive, call);
                    }
                }
                self.vcs(vcs_ops::OTHER, first, call);
            }
            "mv" => {
                if let Some((dst, srcs)) = operands.split_last() {
                    for s in srcs {
                        let s = (*s).clone();
                        self.delete(&s, false, call);
                    }
                    let d = (*dst).clone();
                    self.write(&d, call);
                }
                self.vcs(vcs_ops::OTHER, first, call);
            }
            "apply" | "am" => {
                self.vcs(vcs_ops::OTHER, first, call);
            }
            "checkout-index" => {
                let force = has(&["--force"]) || short_has('f');
                let op = if force && (has(&["--all"]) || short_has('a') || !operands.is_empty()) {
                    vcs_ops::DISCARD
                } else {
                    vcs_ops::OTHER
                };
                self.vcs(op, first, call);
            }
            "worktree" => {
                let force = has(&["--force"]) || short_has('f');
                if first.as_deref() == Some("remove") {
                    for d in operands.iter().skip(1) {
                        let d = (*d).clone();
                        self.delete(&d, true, call);
                    }
                }
                let op = if force && matches!(first.as_deref(), Some("remove")) {
                    vcs_ops::DISCARD
                } else {
                    vcs_ops::OTHER
                };
                self.vcs(op, first, call);
            }
            "show" | "cat-file" => {
                // `REV:PATH` reads a file's content from history.
                for a in &operands {
                    if let Some((_rev, path)) = a.text.split_once(':')
                        && !path.is_empty()
                        && !path.starts_with("//")
                    {
                        let mut f = (*a).clone();
                        f.text = path.to_string();
                        f.known_prefix = f
                            .known_prefix
                            .split_once(':')
                            .map_or(String::new(), |(_, p)| p.to_string());
                        f.pattern = None;
                        self.read(&f, call);
                    }
                }
                self.vcs(vcs_ops::OTHER, first, call);
            }
            "ls-files" => {
                self.vcs(vcs_ops::OTHER, first, call);
                let base = self.cwd.to_string_lossy().trim_end_matches('/').to_string();
                return Flow::Paths(format!("{base}/**"));
            }
            _ => self.vcs(vcs_ops::OTHER, first, call),
        }
        Flow::Unknown
    }

    fn git_push(&mut self, args: &[Arg], call: &Call) {
        let o = parse_opts(
            args,
            "o",
            &["--push-option", "--repo", "--receive-pack", "--exec"],
            false,
        );
        let force = o.has(&["-f", "--force", "--mirror", "--force-if-includes"])
            || o.flags
                .iter()
                .any(|(f, _)| f.starts_with("--force-with-lease"));
        let delete = o.has(&["-d", "--delete"]);
        let refspecs: Vec<&Arg> = o.operands.iter().skip(1).collect();
        let plus = refspecs.iter().any(|r| r.text.starts_with('+'));
        let colon_delete = refspecs
            .iter()
            .any(|r| r.text.starts_with(':') && r.text.len() > 1);
        let target = match (o.operands.first(), refspecs.first()) {
            (Some(r), Some(s)) => Some(format!("{} {}", r.text, s.text)),
            (Some(r), None) => Some(r.text.clone()),
            _ => None,
        };
        if let Some(r) = o.operands.first()
            && (r.text.contains("://") || r.text.contains('@'))
            && let Some(h) = url_host(&r.text)
        {
            self.emit(
                EffectKind::Network {
                    host: h,
                    upload: true,
                },
                call,
            );
        }
        if force || delete || plus || colon_delete {
            self.vcs(vcs_ops::FORCE_PUSH, target.clone(), call);
        } else {
            self.vcs(vcs_ops::PUSH, target.clone(), call);
        }
        if delete || colon_delete {
            self.vcs(vcs_ops::DELETE_REF, target.clone(), call);
        }
        if o.has(&["--prune"]) {
            self.vcs(vcs_ops::REWRITE_HISTORY, target, call);
        }
        if let Some(rp) = o.value(&["--receive-pack", "--exec"]) {
            let rp = rp.clone();
            self.shell_string(&rp, "git push --receive-pack", call);
        }
    }
}
