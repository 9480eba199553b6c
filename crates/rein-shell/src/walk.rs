//! The AST walk: lists, pipelines (with stdin data flow), compound commands, redirections,
//! heredocs, assignments, and the analyzer state shared by all command handlers.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::time::Instant;

use brush_parser::ast;

use crate::paths::{Glob, expand_glob, normalize, unescape};
use crate::word::{Arg, clip};
use crate::{Context, Effect, EffectKind, Limits, Unresolved, UnresolvedKind};

/// What flows on a pipe into the next stage's stdin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Flow {
    /// Inherited stdin (the terminal / the caller's input): nothing known.
    Terminal,
    /// Literal text (from `echo`, `printf`, heredocs, here-strings), possibly decoded.
    Known { text: String, decoded: bool },
    /// Output of a decoder whose input is not known.
    Decoded,
    /// Data fetched from the network (the URL or host).
    Network(String),
    /// The content of a file.
    File(PathBuf),
    /// File paths listed by `find ROOT [-name PAT]`, `git ls-files`: a glob like `ROOT/**/PAT`.
    Paths(String),
    /// Anything else.
    Unknown,
}

/// A variable's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Var {
    Known(String),
    Unknown {
        remote: Option<String>,
        decoded: bool,
    },
}

/// Where a command sits: nesting, wrappers crossed, the evaluated command line and its stdin.
#[derive(Debug, Clone)]
pub(crate) struct Call {
    pub via: Vec<String>,
    pub command: String,
    pub depth: usize,
    pub stdin: Flow,
}

impl Call {
    /// The same command seen through one more wrapper.
    pub fn wrap(&self, name: &str) -> Call {
        let mut c = self.clone();
        c.via.push(name.to_string());
        c
    }

    /// A nested program (`bash -c`, `eval`, `$(…)`): one level deeper.
    pub fn nested(&self, name: &str) -> Call {
        let mut c = self.wrap(name);
        c.depth += 1;
        c
    }
}

/// Analysis state for one call of [`crate::analyze`].
pub(crate) struct Analyzer<'a> {
    pub ctx: &'a Context,
    pub limits: &'a Limits,
    pub deadline: Instant,
    pub cwd: PathBuf,
    pub env: HashMap<String, Var>,
    effects: Vec<Effect>,
    seen: HashSet<String>,
    unresolved: Vec<Unresolved>,
    unresolved_seen: HashSet<String>,
    commands: usize,
    stopped: bool,
    /// `alias NAME=VALUE` definitions seen so far.
    pub aliases: HashMap<String, String>,
    /// Aliases being expanded (no recursion into the same alias).
    pub expanding: Vec<String>,
    /// Files written earlier in this command line, with what was written to them.
    pub files: HashMap<PathBuf, Flow>,
    /// Stdout redirection targets of the simple command being analyzed (path, append).
    stdout_targets: Vec<(PathBuf, bool)>,
    /// Process substitutions seen, for their `/dev/fd/N` names.
    procsubs: usize,
    /// Set when a list's output mixed known and unknown parts.
    pub mixed_output: bool,
}

/// Most files whose written content is tracked.
const MAX_FILES: usize = 256;
/// Longest written content kept for later analysis.
const MAX_CONTENT: usize = 64 * 1024;

/// Longest `Effect::command` kept.
const MAX_COMMAND_CHARS: usize = 200;

impl<'a> Analyzer<'a> {
    pub fn new(ctx: &'a Context, limits: &'a Limits, start: Instant) -> Self {
        let mut env = HashMap::new();
        env.insert(
            "HOME".into(),
            Var::Known(ctx.home.to_string_lossy().into_owned()),
        );
        env.insert("IFS".into(), Var::Known(" \t\n".into()));
        env.insert(
            "PWD".into(),
            Var::Known(ctx.cwd.to_string_lossy().into_owned()),
        );
        Analyzer {
            ctx,
            limits,
            deadline: start + limits.deadline,
            cwd: ctx.cwd.clone(),
            env,
            effects: Vec::new(),
            seen: HashSet::new(),
            unresolved: Vec::new(),
            unresolved_seen: HashSet::new(),
            commands: 0,
            stopped: false,
            aliases: HashMap::new(),
            expanding: Vec::new(),
            files: HashMap::new(),
            stdout_targets: Vec::new(),
            procsubs: 0,
            mixed_output: false,
        }
    }

    pub fn finish(self) -> crate::Analysis {
        crate::Analysis {
            effects: self.effects,
            unresolved: self.unresolved,
        }
    }

    /// True once a budget ran out; checks the deadline.
    pub fn stopped(&mut self) -> bool {
        if !self.stopped && Instant::now() >= self.deadline {
            self.budget("analysis ran out of its time budget");
        }
        self.stopped
    }

    /// Records a budget overrun and stops further analysis.
    pub fn budget(&mut self, reason: &str) {
        self.stopped = true;
        self.unresolved(UnresolvedKind::Budget, reason.to_string());
    }

    pub fn unresolved(&mut self, kind: UnresolvedKind, reason: String) {
        let key = format!("{kind:?}{reason}");
        if self.unresolved_seen.len() < 256 && self.unresolved_seen.insert(key) {
            self.unresolved.push(Unresolved { kind, reason });
        }
    }

    pub fn emit(&mut self, kind: EffectKind, call: &Call) {
        let effect = Effect {
            kind,
            command: call.command.clone(),
            via: call.via.clone(),
        };
        if self.effects.len() >= 4096 {
            return;
        }
        if self.seen.insert(format!("{effect:?}")) {
            self.effects.push(effect);
        }
    }

    pub fn lookup(&self, name: &str) -> Option<Var> {
        match name {
            "PWD" => Some(Var::Known(self.cwd.to_string_lossy().into_owned())),
            _ => self.env.get(name).cloned(),
        }
    }

    pub fn set_var(&mut self, name: &str, arg: &Arg) {
        let v = if arg.known {
            Var::Known(arg.text.clone())
        } else {
            Var::Unknown {
                remote: arg.remote.clone(),
                decoded: arg.decoded,
            }
        };
        self.env.insert(name.to_string(), v);
    }

    /// A path argument's absolute paths (glob-expanded); unknown parts add DynamicArgument.
    pub fn paths_of(&mut self, arg: &Arg, what: &str) -> Vec<PathBuf> {
        if !arg.known {
            self.unresolved(
                UnresolvedKind::DynamicArgument,
                format!(
                    "the {what} path `{}` is not known before run time",
                    clip(&arg.text)
                ),
            );
            if arg.known_prefix.is_empty() || arg.remote.is_some() {
                return Vec::new();
            }
            return vec![normalize(&self.cwd, &arg.text)];
        }
        if let Some(pat) = &arg.pattern {
            match expand_glob(&self.cwd, pat) {
                Glob::Matches(v) => return v,
                Glob::NoMatch => return vec![normalize(&self.cwd, unescape(pat))],
                Glob::TooMany => {
                    self.unresolved(
                        UnresolvedKind::DynamicArgument,
                        format!(
                            "the glob `{}` matches too many paths to list",
                            clip(&arg.text)
                        ),
                    );
                    return vec![normalize(&self.cwd, &arg.text)];
                }
            }
        }
        vec![normalize(&self.cwd, &arg.text)]
    }

    /// Emits `make(path)` for each path of `arg`, skipping the null devices.
    pub fn path_effect(
        &mut self,
        arg: &Arg,
        what: &str,
        call: &Call,
        make: impl Fn(PathBuf) -> EffectKind,
    ) {
        for p in self.paths_of(arg, what) {
            // Writing to `/dev/null` does nothing; deleting it is real.
            if what != "delete" && is_null_device(&p) {
                continue;
            }
            if what == "write" && !self.files.contains_key(&p) {
                self.record_file(p.clone(), Flow::Unknown);
            } else if what == "delete" {
                self.files.remove(&p);
            }
            self.emit(make(p), call);
        }
    }

    /// Records what a command wrote to a file (bounded).
    pub fn record_file(&mut self, p: PathBuf, content: Flow) {
        let content = match content {
            Flow::Known { text, .. } if text.len() > MAX_CONTENT => Flow::Unknown,
            Flow::Known { .. } | Flow::Network(_) | Flow::Decoded => content,
            _ => Flow::Unknown,
        };
        if self.files.len() < MAX_FILES || self.files.contains_key(&p) {
            self.files.insert(p, content);
        }
    }

    /// If `path` was written earlier in this command line, analyzes its content as code run by
    /// `who` and returns true.
    pub fn written_code(&mut self, path: &std::path::Path, who: &str, call: &Call) -> bool {
        let Some(flow) = self.files.get(path).cloned() else {
            return false;
        };
        let shown = clip(&path.to_string_lossy());
        match flow {
            Flow::Known { text, decoded } => {
                if decoded {
                    self.unresolved(
                        UnresolvedKind::DecodedToShell,
                        format!("`{who}` runs decoded data written to `{shown}`"),
                    );
                }
                let mut c = call.nested(who);
                c.stdin = Flow::Terminal;
                self.analyze_source(&text, &c);
            }
            Flow::Network(url) => self.emit(EffectKind::RemoteCode { source: url }, call),
            Flow::Decoded => self.unresolved(
                UnresolvedKind::DecodedToShell,
                format!("`{who}` runs decoded data written to `{shown}`"),
            ),
            _ => self.unresolved(
                UnresolvedKind::OpaqueCode,
                format!(
                    "`{who}` runs `{shown}`, written earlier in this command with unknown content"
                ),
            ),
        }
        true
    }

    pub fn read(&mut self, arg: &Arg, call: &Call) {
        self.path_effect(arg, "read", call, |path| EffectKind::Read { path });
    }

    pub fn write(&mut self, arg: &Arg, call: &Call) {
        self.path_effect(arg, "write", call, |path| EffectKind::Write { path });
    }

    pub fn delete(&mut self, arg: &Arg, recursive: bool, call: &Call) {
        self.path_effect(arg, "delete", call, |path| EffectKind::Delete {
            path,
            recursive,
        });
    }

    /// Counts one simple command against `max_commands`.
    pub fn count_command(&mut self) -> bool {
        self.commands += 1;
        if self.commands > self.limits.max_commands {
            self.budget("too many commands to analyze");
            return false;
        }
        !self.stopped()
    }

    /// Parses and walks a (nested) program. Returns the flow of its last pipeline's output.
    pub fn analyze_source(&mut self, src: &str, call: &Call) -> Flow {
        if self.stopped() {
            return Flow::Unknown;
        }
        if call.depth > self.limits.max_depth {
            self.budget("commands nest deeper than the analysis depth limit");
            return Flow::Unknown;
        }
        if src.len() > self.limits.max_bytes {
            self.unresolved(
                UnresolvedKind::TooLarge,
                "a nested command is over the size limit".into(),
            );
            return Flow::Unknown;
        }
        if let Err(reason) = crate::parse::precheck(src) {
            self.budget(&reason);
            return Flow::Unknown;
        }
        match crate::parse::parse(src) {
            Ok(program) => {
                let mut out = Flow::Terminal;
                for list in &program.complete_commands {
                    let next = self.walk_list(list, call);
                    out = self.combine(out, next);
                }
                out
            }
            Err(err) => {
                self.unresolved(
                    UnresolvedKind::ParseError,
                    format!("`{}` does not parse as bash: {err}", clip(src)),
                );
                // Best effort: analyze the lines that do parse on their own.
                for line in src.lines().take(256) {
                    if line.trim().is_empty() || line.len() == src.len() {
                        continue;
                    }
                    if let Ok(program) = crate::parse::parse(line) {
                        for list in &program.complete_commands {
                            self.walk_list(list, call);
                        }
                    }
                }
                Flow::Unknown
            }
        }
    }

    fn walk_list(&mut self, list: &ast::CompoundList, call: &Call) -> Flow {
        let mut out = Flow::Terminal;
        for ast::CompoundListItem(and_or, _sep) in &list.0 {
            if self.stopped() {
                return Flow::Unknown;
            }
            let next = self.walk_pipeline(&and_or.first, call);
            out = self.combine(out, next);
            for next in &and_or.additional {
                let (ast::AndOr::And(p) | ast::AndOr::Or(p)) = next;
                let next = self.walk_pipeline(p, call);
                out = self.combine(out, next);
            }
        }
        out
    }

    /// The output of two commands run one after the other: known texts concatenate; otherwise
    /// the later one is kept (as before) and the mix is noted.
    fn combine(&mut self, prev: Flow, next: Flow) -> Flow {
        match (prev, next) {
            (Flow::Terminal, n) => n,
            (
                Flow::Known {
                    text: a,
                    decoded: d1,
                },
                Flow::Known {
                    text: b,
                    decoded: d2,
                },
            ) if a.len() + b.len() <= MAX_CONTENT => Flow::Known {
                text: a + &b,
                decoded: d1 || d2,
            },
            (_, n) => {
                self.mixed_output = true;
                n
            }
        }
    }

    fn walk_pipeline(&mut self, p: &ast::Pipeline, call: &Call) -> Flow {
        let mut flow = call.stdin.clone();
        for (i, cmd) in p.seq.iter().enumerate() {
            if self.stopped() {
                return Flow::Unknown;
            }
            let mut stage = call.clone();
            if i > 0 {
                stage.stdin = flow;
            }
            flow = self.walk_command(cmd, &stage);
        }
        flow
    }

    fn walk_command(&mut self, cmd: &ast::Command, call: &Call) -> Flow {
        match cmd {
            ast::Command::Simple(sc) => self.simple(sc, call),
            ast::Command::Compound(cc, redirects) => {
                let mut call = call.clone();
                let outer = std::mem::take(&mut self.stdout_targets);
                if let Some(r) = redirects {
                    for redir in &r.0 {
                        if let Some(stdin) = self.redirect(redir, &call) {
                            call.stdin = stdin;
                        }
                    }
                }
                let targets = std::mem::replace(&mut self.stdout_targets, outer);
                let out = self.compound(cc, &call);
                self.store_output(targets, out)
            }
            ast::Command::Function(f) => {
                // Bodies are analyzed where defined; calls then run a command we already saw.
                let saved = self.env.clone();
                let mut c = call.wrap(&format!("function {}", clip(&f.fname.value)));
                c.stdin = Flow::Terminal;
                self.compound(&f.body.0, &c);
                self.env = saved;
                Flow::Unknown
            }
            ast::Command::ExtendedTest(t, _) => {
                self.extended_test(&t.expr, call);
                Flow::Unknown
            }
        }
    }

    fn extended_test(&mut self, e: &ast::ExtendedTestExpr, call: &Call) {
        use ast::ExtendedTestExpr as E;
        match e {
            E::And(a, b) | E::Or(a, b) => {
                self.extended_test(a, call);
                self.extended_test(b, call);
            }
            E::Not(a) | E::Parenthesized(a) => self.extended_test(a, call),
            E::UnaryTest(_, w) => {
                self.eval_single(&w.value, call);
            }
            E::BinaryTest(_, a, b) => {
                self.eval_single(&a.value, call);
                self.eval_single(&b.value, call);
            }
        }
    }

    fn compound(&mut self, cc: &ast::CompoundCommand, call: &Call) -> Flow {
        use ast::CompoundCommand as C;
        match cc {
            C::BraceGroup(g) => self.walk_list(&g.list, call),
            C::Subshell(s) => {
                let (env, cwd) = (self.env.clone(), self.cwd.clone());
                let out = self.walk_list(&s.list, call);
                self.env = env;
                self.cwd = cwd;
                out
            }
            C::Arithmetic(a) => {
                self.scan_for_effects(&a.expr.value, call);
                Flow::Unknown
            }
            C::ArithmeticForClause(f) => {
                for e in [&f.initializer, &f.condition, &f.updater]
                    .into_iter()
                    .flatten()
                {
                    self.scan_for_effects(&e.value, call);
                }
                self.walk_list(&f.body.list, call)
            }
            C::ForClause(f) => {
                let mut values: Vec<Arg> = Vec::new();
                let mut dynamic = f.values.is_none();
                for w in f.values.iter().flatten() {
                    for a in self.eval_word(&w.value, call) {
                        match &a.pattern {
                            Some(pat) => match expand_glob(&self.cwd, pat) {
                                Glob::Matches(ps) => {
                                    values.extend(ps.iter().map(|p| Arg::lit(p.to_string_lossy())));
                                }
                                Glob::NoMatch => values.push(Arg::lit(unescape(pat))),
                                Glob::TooMany => dynamic = true,
                            },
                            None if a.known => values.push(a),
                            None => dynamic = true,
                        }
                    }
                }
                if dynamic || values.is_empty() || values.len() > 16 {
                    self.set_var(
                        &f.variable_name,
                        &Arg::unknown(format!("${}", f.variable_name)),
                    );
                    self.walk_list(&f.body.list, call)
                } else {
                    let mut out = Flow::Unknown;
                    for v in values {
                        self.set_var(&f.variable_name, &v);
                        out = self.walk_list(&f.body.list, call);
                    }
                    out
                }
            }
            C::CaseClause(c) => {
                self.eval_single(&c.value.value, call);
                let mut out = Flow::Unknown;
                for item in &c.cases {
                    if let Some(body) = &item.cmd {
                        out = self.walk_list(body, call);
                    }
                }
                out
            }
            C::IfClause(i) => {
                self.walk_list(&i.condition, call);
                let mut out = self.walk_list(&i.then, call);
                for e in i.elses.iter().flatten() {
                    if let Some(c) = &e.condition {
                        self.walk_list(c, call);
                    }
                    out = self.walk_list(&e.body, call);
                }
                out
            }
            C::WhileClause(w) | C::UntilClause(w) => {
                self.walk_list(&w.0, call);
                self.walk_list(&w.1.list, call)
            }
            C::Coprocess(c) => self.walk_command(&c.body, call),
        }
    }

    /// Handles one redirection; returns the new stdin if it sets one.
    fn redirect(&mut self, r: &ast::IoRedirect, call: &Call) -> Option<Flow> {
        use ast::{IoFileRedirectKind as K, IoFileRedirectTarget as T, IoRedirect as R};
        match r {
            R::File(fd, kind, target) => match target {
                T::Filename(w) => {
                    let arg = self.eval_single(&w.value, call);
                    match kind {
                        K::Read => {
                            self.read(&arg, call);
                            if fd.unwrap_or(0) == 0 {
                                return Some(self.file_flow(&arg));
                            }
                        }
                        K::ReadAndWrite => {
                            self.read(&arg, call);
                            self.write(&arg, call);
                        }
                        K::Write | K::Append | K::Clobber => {
                            self.write(&arg, call);
                            if fd.unwrap_or(1) == 1 && arg.known {
                                let p = normalize(&self.cwd, &arg.text);
                                self.stdout_targets.push((p, matches!(kind, K::Append)));
                            }
                        }
                        K::DuplicateOutput | K::DuplicateInput => {
                            let t = arg.text.as_str();
                            if t != "-" && !t.chars().all(|c| c.is_ascii_digit()) {
                                self.write(&arg, call);
                            }
                        }
                    }
                    None
                }
                T::Fd(_) | T::Duplicate(_) => None,
                T::ProcessSubstitution(_, sub) => {
                    let (env, cwd) = (self.env.clone(), self.cwd.clone());
                    let mut c = call.nested("process substitution");
                    c.stdin = Flow::Unknown;
                    let out = self.walk_list(&sub.list, &c);
                    self.env = env;
                    self.cwd = cwd;
                    (matches!(kind, K::Read) && fd.unwrap_or(0) == 0).then_some(out)
                }
            },
            R::OutputAndError(w, append) => {
                let arg = self.eval_single(&w.value, call);
                self.write(&arg, call);
                if arg.known {
                    let p = normalize(&self.cwd, &arg.text);
                    self.stdout_targets.push((p, *append));
                }
                None
            }
            R::HereDocument(_, doc) => {
                let body = if doc.requires_expansion {
                    let arg = self.eval_heredoc(&doc.doc.value, call);
                    if let Some(url) = &arg.remote {
                        return Some(Flow::Network(url.clone()));
                    }
                    arg.text
                } else {
                    doc.doc.value.clone()
                };
                let body = if doc.remove_tabs {
                    body.lines()
                        .map(|l| l.trim_start_matches('\t'))
                        .collect::<Vec<_>>()
                        .join("\n")
                } else {
                    body
                };
                Some(Flow::Known {
                    text: body,
                    decoded: false,
                })
            }
            R::HereString(_, w) => {
                let arg = self.eval_single(&w.value, call);
                Some(match (&arg.remote, arg.known) {
                    (Some(url), _) => Flow::Network(url.clone()),
                    (None, true) => Flow::Known {
                        text: format!("{}\n", arg.text),
                        decoded: false,
                    },
                    (None, false) if arg.decoded => Flow::Decoded,
                    (None, false) => Flow::Unknown,
                })
            }
        }
    }

    /// The flow of reading a file argument.
    pub fn file_flow(&mut self, arg: &Arg) -> Flow {
        if let Some(url) = &arg.remote {
            return Flow::Network(url.clone());
        }
        if !arg.known {
            return Flow::Unknown;
        }
        let p = normalize(&self.cwd, &arg.text);
        if p == std::path::Path::new("/dev/stdin") {
            return Flow::Terminal;
        }
        Flow::File(p)
    }

    fn simple(&mut self, sc: &ast::SimpleCommand, call: &Call) -> Flow {
        if !self.count_command() {
            return Flow::Unknown;
        }
        let mut call = call.clone();
        let mut assignments: Vec<(String, Arg)> = Vec::new();
        let mut argv: Vec<Arg> = Vec::new();
        let mut redirects: Vec<&ast::IoRedirect> = Vec::new();

        let handle = |this: &mut Self,
                      item: &'_ ast::CommandPrefixOrSuffixItem,
                      argv: &mut Vec<Arg>,
                      assignments: &mut Vec<(String, Arg)>,
                      call: &Call| {
            use ast::CommandPrefixOrSuffixItem as I;
            match item {
                I::Word(w) => argv.extend(this.eval_word(&w.value, call)),
                I::AssignmentWord(a, w) => {
                    if argv.is_empty() {
                        let (name, value) = this.assignment(a, call);
                        assignments.push((name, value));
                    } else {
                        argv.extend(this.eval_word(&w.value, call));
                    }
                }
                I::ProcessSubstitution(kind, sub) => {
                    let a = this.procsub(kind, sub, call);
                    argv.push(a);
                }
                I::IoRedirect(_) => {}
            }
        };
        for item in sc.prefix.iter().flat_map(|p| p.0.iter()) {
            handle(self, item, &mut argv, &mut assignments, &call);
        }
        if let Some(w) = &sc.word_or_name {
            argv.extend(self.eval_word(&w.value, &call));
        }
        for item in sc.suffix.iter().flat_map(|s| s.0.iter()) {
            handle(self, item, &mut argv, &mut assignments, &call);
        }
        for item in sc
            .prefix
            .iter()
            .flat_map(|p| p.0.iter())
            .chain(sc.suffix.iter().flat_map(|s| s.0.iter()))
        {
            use ast::CommandPrefixOrSuffixItem as I;
            if let I::IoRedirect(r) = item {
                redirects.push(r);
            }
        }
        call.command = command_string(&argv);
        let outer = std::mem::take(&mut self.stdout_targets);
        for r in redirects {
            if let Some(stdin) = self.redirect(r, &call) {
                call.stdin = stdin;
            }
        }
        let targets = std::mem::replace(&mut self.stdout_targets, outer);
        if argv.is_empty() {
            // Plain assignments persist in the shell.
            for (name, value) in assignments {
                self.set_var(&name, &value);
            }
            return self.store_output(
                targets,
                Flow::Known {
                    text: String::new(),
                    decoded: false,
                },
            );
        }
        if let Some(out) = self.expand_alias(sc, &argv, &call) {
            return self.store_output(targets, out);
        }
        if assignments.is_empty() {
            let out = self.exec(&argv, &call);
            return self.store_output(targets, out);
        }
        // `FOO=1 cmd`: the assignments hold for this command only.
        let saved = self.env.clone();
        for (name, value) in assignments {
            self.set_var(&name, &value);
        }
        let out = self.exec(&argv, &call);
        self.env = saved;
        self.store_output(targets, out)
    }

    /// Stores a command's output in the files its stdout was redirected to; what remains on
    /// stdout is then unknown.
    fn store_output(&mut self, targets: Vec<(PathBuf, bool)>, out: Flow) -> Flow {
        if targets.is_empty() {
            return out;
        }
        for (p, append) in targets {
            if is_null_device(&p) {
                continue;
            }
            let content = match (append, self.files.get(&p), &out) {
                (false, _, o) => o.clone(),
                (
                    true,
                    Some(Flow::Known {
                        text: a,
                        decoded: d1,
                    }),
                    Flow::Known {
                        text: b,
                        decoded: d2,
                    },
                ) => Flow::Known {
                    text: format!("{a}{b}"),
                    decoded: *d1 || *d2,
                },
                (true, None, o) => o.clone(),
                (true, Some(prev), _) => match prev {
                    Flow::Network(_) | Flow::Decoded => prev.clone(),
                    _ => Flow::Unknown,
                },
            };
            self.record_file(p, content);
        }
        Flow::Unknown
    }

    /// Expands an alias defined earlier in this command line in command position.
    fn expand_alias(&mut self, sc: &ast::SimpleCommand, argv: &[Arg], call: &Call) -> Option<Flow> {
        let first = argv.first()?;
        if !first.known || self.aliases.is_empty() {
            return None;
        }
        // The raw command word: a quoted or escaped word is not alias-expanded.
        let raw = sc
            .prefix
            .iter()
            .flat_map(|p| p.0.iter())
            .find_map(|i| match i {
                ast::CommandPrefixOrSuffixItem::Word(w) => Some(w.value.clone()),
                _ => None,
            })
            .or_else(|| sc.word_or_name.as_ref().map(|w| w.value.clone()))?;
        if raw != first.text || self.expanding.contains(&raw) || self.expanding.len() >= 16 {
            return None;
        }
        let value = self.aliases.get(&raw)?.clone();
        let rest = argv.get(1..).unwrap_or_default();
        let src = if rest.is_empty() {
            value
        } else {
            format!("{value} {}", command_string(rest))
        };
        self.expanding.push(raw.clone());
        let mut c = call.wrap(&format!("alias {}", clip(&raw)));
        c.command = clip(&src);
        let out = self.analyze_source(&src, &c);
        self.expanding.pop();
        Some(out)
    }

    /// Runs a process substitution; the argument is a pipe whose content we track.
    fn procsub(
        &mut self,
        kind: &ast::ProcessSubstitutionKind,
        sub: &ast::SubshellCommand,
        call: &Call,
    ) -> Arg {
        let (env, cwd) = (self.env.clone(), self.cwd.clone());
        let mut c = call.nested("process substitution");
        c.stdin = Flow::Unknown;
        let out = self.walk_list(&sub.list, &c);
        self.env = env;
        self.cwd = cwd;
        let name = format!("/dev/fd/{}", 63 + self.procsubs);
        self.procsubs += 1;
        let mut a = Arg::unknown(name.clone());
        if matches!(kind, ast::ProcessSubstitutionKind::Read) {
            self.record_file(PathBuf::from(&name), out.clone());
            match out {
                Flow::Network(u) => a.remote = Some(u),
                Flow::Decoded => a.decoded = true,
                _ => {}
            }
        }
        a
    }

    fn assignment(&mut self, a: &ast::Assignment, call: &Call) -> (String, Arg) {
        let name = match &a.name {
            ast::AssignmentName::VariableName(n) | ast::AssignmentName::ArrayElementName(n, _) => {
                n.clone()
            }
        };
        let value = match &a.value {
            ast::AssignmentValue::Scalar(w) => self.eval_single(&w.value, call),
            ast::AssignmentValue::Array(items) => {
                for (_, w) in items {
                    self.eval_single(&w.value, call);
                }
                Arg::unknown(format!("${name}"))
            }
        };
        let value = if a.append {
            match self.lookup(&name) {
                Some(Var::Known(prev)) if value.known => Arg::lit(format!("{prev}{}", value.text)),
                _ => Arg::unknown(format!("${name}")),
            }
        } else {
            value
        };
        (name, value)
    }
}

/// `/dev/null` and friends: writing there does nothing.
pub(crate) fn is_null_device(p: &std::path::Path) -> bool {
    let s = p.to_string_lossy();
    matches!(
        s.as_ref(),
        "/dev/null" | "/dev/stdout" | "/dev/stderr" | "/dev/stdin" | "/dev/tty"
    ) || s.starts_with("/dev/fd/")
}

/// The argv joined for display, shell-quoted where needed, truncated.
pub(crate) fn command_string(argv: &[Arg]) -> String {
    let mut s = String::new();
    for (i, a) in argv.iter().enumerate() {
        if i > 0 {
            s.push(' ');
        }
        let t = &a.text;
        if a.known
            && (t.is_empty()
                || t.chars()
                    .any(|c| c.is_whitespace() || "'\"\\$`;&|<>(){}*?[]#~!".contains(c)))
        {
            s.push('\'');
            s.push_str(&t.replace('\'', "'\\''"));
            s.push('\'');
        } else {
            s.push_str(t);
        }
        if s.len() > MAX_COMMAND_CHARS {
            break;
        }
    }
    if s.chars().count() > MAX_COMMAND_CHARS {
        let mut t: String = s.chars().take(MAX_COMMAND_CHARS - 1).collect();
        t.push('…');
        t
    } else {
        s
    }
}
