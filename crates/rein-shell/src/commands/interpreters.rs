//! Interpreter one-liners (`python -c`, `node -e`, `perl -e`, `ruby -e`, `php -r`, awk programs):
//! calls with literal arguments become effects; dynamic arguments to dangerous calls are
//! unresolved. Running a script file (`python script.py`) is ordinary work: just `Exec`.

use super::lexer::{CallSite, Tok, calls, lex};
use super::network::url_host;
use crate::walk::{Analyzer, Call, Flow};
use crate::word::{Arg, clip};
use crate::{EffectKind, UnresolvedKind};

/// A language whose code the analyzer can read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lang {
    Shell,
    Python,
    Node,
    Perl,
    Ruby,
    Php,
    Awk,
}

/// The interpreter family of a program name.
fn lang_of(name: &str) -> Option<Lang> {
    let n = name.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
    match n {
        "python" | "pypy" | "python3" | "pypy3" => Some(Lang::Python),
        "node" | "nodejs" | "bun" | "deno" => Some(Lang::Node),
        "perl" => Some(Lang::Perl),
        "ruby" => Some(Lang::Ruby),
        "php" => Some(Lang::Php),
        "awk" | "gawk" | "mawk" | "nawk" => Some(Lang::Awk),
        _ => None,
    }
}

impl Analyzer<'_> {
    /// Interpreters; `None` when `name` is not one.
    pub(crate) fn interpreter(&mut self, name: &str, args: &[Arg], call: &Call) -> Option<Flow> {
        let lang = lang_of(name)?;
        let mut code: Vec<Arg> = Vec::new();
        let mut stdin = false;
        let mut in_place = false;
        let mut i = 0;
        // Short options taking a value (besides the code option itself).
        let (code_opts, value_opts): (&[char], &[char]) = match lang {
            Lang::Python => (&['c'], &['W', 'X', 'm']),
            Lang::Node => (&['e', 'p'], &['r']),
            Lang::Perl => (&['e', 'E'], &[]),
            Lang::Ruby => (&['e'], &['r', 'I', 'C']),
            Lang::Php => (&['r'], &['f', 'd', 'c']),
            Lang::Awk => (&[], &['f', 'v', 'F']),
            Lang::Shell => (&[], &[]),
        };
        let mut module: Option<(Arg, usize)> = None;
        let mut awk_files: Vec<Arg> = Vec::new();
        if matches!(name, "deno" | "bun") {
            return Some(self.deno_bun(name, args, call));
        }
        while let Some(a) = args.get(i) {
            let t = a.text.as_str();
            if !a.known || !t.starts_with('-') || t == "-" {
                break;
            }
            if t == "--" {
                i += 1;
                break;
            }
            if let Some(long) = t.strip_prefix("--") {
                let (lname, val) = long
                    .split_once('=')
                    .map_or((long, None), |(n, v)| (n, Some(v)));
                if lang == Lang::Node && matches!(lname, "eval" | "print") {
                    match val {
                        Some(v) => code.push(Arg::lit(v)),
                        None => {
                            code.extend(args.get(i + 1).cloned());
                            i += 1;
                        }
                    }
                } else if val.is_none() && matches!(lname, "require" | "import" | "loader") {
                    i += 1;
                }
                i += 1;
                continue;
            }
            let chars: Vec<char> = t.chars().skip(1).collect();
            let mut consumed_next = false;
            for (k, ch) in chars.iter().enumerate() {
                let attached: String = chars.get(k + 1..).unwrap_or_default().iter().collect();
                if lang == Lang::Perl && *ch == 'i' {
                    in_place = true;
                    break;
                }
                if lang == Lang::Perl && matches!(ch, 'M' | 'm' | 'I') {
                    break;
                }
                if code_opts.contains(ch) || value_opts.contains(ch) {
                    let value = if attached.is_empty() {
                        consumed_next = true;
                        args.get(i + 1).cloned()
                    } else {
                        Some(Arg::lit(attached))
                    };
                    if code_opts.contains(ch) {
                        code.extend(value);
                    } else if lang == Lang::Python && *ch == 'm' {
                        module = value.map(|v| (v, if consumed_next { i + 2 } else { i + 1 }));
                    } else if lang == Lang::Awk && *ch == 'f' {
                        awk_files.extend(value);
                    }
                    break;
                }
            }
            i += if consumed_next { 2 } else { 1 };
            if module.is_some() {
                break;
            }
        }
        if let Some((m, rest)) = module {
            return Some(self.python_module(&m, args.get(rest..).unwrap_or_default(), call));
        }
        if lang == Lang::Awk {
            for f in &awk_files {
                self.read(f, call);
            }
            if awk_files.is_empty() {
                code.extend(args.get(i).cloned());
                i += 1;
            }
        }
        let operands = args.get(i..).unwrap_or_default();
        if code.is_empty() {
            match operands.first() {
                Some(a) if a.known && a.text == "-" => stdin = true,
                None => stdin = lang != Lang::Awk,
                Some(script) => {
                    if !script.known {
                        self.dynamic_code(script, call, "script");
                        if script.remote.is_none() && !script.decoded {
                            self.unresolved(
                                UnresolvedKind::OpaqueCode,
                                format!(
                                    "`{name}` runs a script `{}` not known before run time",
                                    clip(&script.text)
                                ),
                            );
                        }
                    } else if lang == Lang::Python {
                        self.python_script(script, operands.get(1..).unwrap_or_default(), call);
                    }
                    return Some(Flow::Unknown);
                }
            }
        }
        if stdin {
            self.stdin_code(lang, name, call);
            return Some(Flow::Unknown);
        }
        for c in &code {
            if !c.known {
                self.dynamic_code(c, call, "code");
                if c.remote.is_none() && !c.decoded {
                    self.unresolved(
                        UnresolvedKind::OpaqueCode,
                        format!(
                            "`{name}` runs code `{}` not known before run time",
                            clip(&c.text)
                        ),
                    );
                }
                continue;
            }
            let nested = call.nested(&format!("{name} code"));
            self.run_code(lang, &c.text, &nested);
        }
        // Files after the code: perl/awk read them; `perl -i` rewrites them.
        if matches!(lang, Lang::Perl | Lang::Awk | Lang::Ruby) {
            for f in operands {
                if lang == Lang::Awk && f.text.contains('=') {
                    continue;
                }
                self.read(f, call);
                if in_place {
                    self.write(f, call);
                }
            }
        }
        Some(Flow::Unknown)
    }

    /// `deno eval CODE`, `deno run URL`, `bun -e CODE`, `bun run script`.
    fn deno_bun(&mut self, name: &str, args: &[Arg], call: &Call) -> Flow {
        let sub = args.first().map(|a| a.text.as_str()).unwrap_or("");
        let mut code = None;
        if name == "deno" && sub == "eval" {
            code = args
                .iter()
                .skip(1)
                .find(|a| !a.text.starts_with('-'))
                .cloned();
        } else if name == "bun"
            && let Some(p) = args.iter().position(|a| {
                a.text == "-e" || a.text == "--eval" || a.text == "-p" || a.text == "--print"
            })
        {
            code = args.get(p + 1).cloned();
        }
        if name == "deno"
            && sub == "run"
            && let Some(src) = args.iter().skip(1).find(|a| !a.text.starts_with('-'))
            && (src.text.starts_with("http://") || src.text.starts_with("https://"))
        {
            self.emit(
                EffectKind::RemoteCode {
                    source: src.text.clone(),
                },
                call,
            );
        }
        if let Some(c) = code {
            if c.known {
                self.run_code(Lang::Node, &c.text, &call.nested(&format!("{name} eval")));
            } else {
                self.dynamic_code(&c, call, "code");
                self.unresolved(
                    UnresolvedKind::OpaqueCode,
                    format!("`{name}` runs code not known before run time"),
                );
            }
        }
        Flow::Unknown
    }

    /// `python -m MODULE args`: tools run as modules are analyzed like the tool.
    fn python_module(&mut self, module: &Arg, rest: &[Arg], call: &Call) -> Flow {
        let base = module.text.split('.').next().unwrap_or(&module.text);
        if matches!(base, "twine" | "pip" | "poetry" | "uv" | "django") {
            let mut argv = vec![Arg::lit(if base == "django" {
                "django-admin"
            } else {
                base
            })];
            argv.extend(rest.iter().cloned());
            return self.exec(&argv, &call.wrap("python -m"));
        }
        Flow::Unknown
    }

    /// `python manage.py flush` and friends.
    fn python_script(&mut self, script: &Arg, rest: &[Arg], call: &Call) {
        if script.text.ends_with("manage.py")
            && let Some(cmd) = rest.iter().find(|a| !a.text.starts_with('-'))
        {
            let mut argv = vec![Arg::lit("django-admin")];
            argv.push(cmd.clone());
            self.exec(&argv, &call.wrap("manage.py"));
        }
    }

    /// Analyzes a program in `lang` (shell code recurses into the shell analyzer).
    pub(crate) fn run_code(&mut self, lang: Lang, code: &str, call: &Call) {
        if call.depth > self.limits.max_depth {
            self.budget("code nests deeper than the analysis depth limit");
            return;
        }
        if lang == Lang::Shell {
            self.analyze_source(code, call);
            return;
        }
        let home = self.ctx.home.to_string_lossy().into_owned();
        let code = resolve_home(code, &home);
        let toks = lex(&code, lang);
        let bare = matches!(lang, Lang::Perl | Lang::Ruby | Lang::Php);
        for t in &toks {
            if let Tok::Shell(s) = t {
                self.code_shell(s.as_deref(), "backticks", call);
            }
        }
        for site in calls(&toks, bare) {
            if self.stopped() {
                return;
            }
            match lang {
                Lang::Python => self.python_call(&site, call),
                Lang::Node => self.node_call(&site, call),
                Lang::Perl | Lang::Php | Lang::Ruby | Lang::Awk => {
                    self.script_call(lang, &site, call)
                }
                Lang::Shell => {}
            }
        }
    }

    /// A shell command string found in code; `None` when it is not a literal.
    fn code_shell(&mut self, s: Option<&str>, what: &str, call: &Call) {
        match s {
            Some(s) => {
                self.analyze_source(s, &call.nested(what));
            }
            None => self.unresolved(
                UnresolvedKind::OpaqueCode,
                format!("{what} run a shell command that is not a literal"),
            ),
        }
    }

    fn code_path(
        &mut self,
        value: Option<Option<String>>,
        call: &Call,
        make: fn(std::path::PathBuf) -> EffectKind,
        what: &str,
    ) {
        match value {
            Some(Some(p)) => {
                let a = Arg::lit(p);
                self.path_effect(&a, what, call, make);
            }
            Some(None) => self.unresolved(
                UnresolvedKind::DynamicArgument,
                format!("a {what} path in interpreter code is not a literal"),
            ),
            None => {}
        }
    }

    fn code_network(&mut self, value: Option<Option<String>>, upload: bool, call: &Call) {
        if let Some(Some(u)) = value
            && let Some(host) = url_host(&u)
        {
            self.emit(EffectKind::Network { host, upload }, call);
        }
    }

    fn python_call(&mut self, s: &CallSite, call: &Call) {
        let name = s.name.as_str();
        let method = s.method();
        let read = |path| EffectKind::Read { path };
        let write = |path| EffectKind::Write { path };
        let del = |path| EffectKind::Delete {
            path,
            recursive: false,
        };
        let del_r = |path| EffectKind::Delete {
            path,
            recursive: true,
        };
        let path_recv = s
            .receiver
            .as_ref()
            .filter(|(c, _)| c.ends_with("Path"))
            .map(|(_, p)| p.clone());
        if let Some(p) = path_recv {
            match method {
                "read_text" | "read_bytes" | "open" => self.code_path(Some(p), call, read, "read"),
                "write_text" | "write_bytes" | "touch" | "mkdir" | "chmod" => {
                    self.code_path(Some(p), call, write, "write")
                }
                "unlink" | "rmdir" => self.code_path(Some(p), call, del, "delete"),
                _ => {}
            }
            return;
        }
        match (name, method) {
            ("open" | "io.open" | "codecs.open", _) => {
                let mode = s
                    .lit(1)
                    .flatten()
                    .or_else(|| s.kw("mode"))
                    .unwrap_or_default();
                if mode.contains(['w', 'a', 'x', '+']) {
                    self.code_path(s.lit(0), call, write, "write");
                } else {
                    self.code_path(s.lit(0), call, read, "read");
                }
            }
            (_, "remove" | "unlink" | "rmdir" | "removedirs") if name.starts_with("os") => {
                self.code_path(s.lit(0), call, del, "delete")
            }
            (_, "rmtree") => self.code_path(s.lit(0), call, del_r, "delete"),
            (_, "copy" | "copyfile" | "copy2" | "copytree") if name.starts_with("shutil") => {
                self.code_path(s.lit(0), call, read, "read");
                self.code_path(s.lit(1), call, write, "write");
            }
            (_, "move" | "rename" | "replace")
                if name.starts_with("shutil") || name.starts_with("os") =>
            {
                self.code_path(s.lit(0), call, read, "read");
                self.code_path(s.lit(0), call, del, "delete");
                self.code_path(s.lit(1), call, write, "write");
            }
            (_, "chmod" | "chown") if name.starts_with("os") => {
                self.code_path(s.lit(0), call, write, "write")
            }
            (_, "system" | "popen")
            | (_, "getoutput" | "getstatusoutput" | "check_output" | "check_call" | "Popen") => {
                self.code_shell(s.lit(0).flatten().as_deref(), "interpreter calls", call);
            }
            (_, "run" | "call") if name.contains("subprocess") => {
                self.code_shell(s.lit(0).flatten().as_deref(), "interpreter calls", call);
            }
            (_, m)
                if name.starts_with("os.exec")
                    || name.starts_with("os.spawn")
                    || m.starts_with("execv") =>
            {
                self.unresolved(
                    UnresolvedKind::OpaqueCode,
                    format!("`{name}` replaces the interpreter with another program"),
                );
            }
            ("eval" | "exec", _) => match s.lit(0) {
                Some(Some(code)) => self.run_code(Lang::Python, &code, &call.nested("exec")),
                Some(None) => self.unresolved(
                    UnresolvedKind::OpaqueCode,
                    format!("`{name}` runs code that is not a literal"),
                ),
                None => {}
            },
            (_, "urlopen" | "urlretrieve" | "get" | "head" | "delete" | "request" | "stream")
                if is_http_client(name) =>
            {
                self.code_network(s.lit(0).or_else(|| s.lit(1)), false, call);
            }
            (_, "post" | "put" | "patch") if is_http_client(name) => {
                self.code_network(s.lit(0), true, call)
            }
            _ => {}
        }
    }

    fn node_call(&mut self, s: &CallSite, call: &Call) {
        let method = s.method();
        match method {
            "readFileSync" | "readFile" | "createReadStream" | "readdirSync" => {
                self.code_path(s.lit(0), call, |path| EffectKind::Read { path }, "read");
            }
            "writeFileSync" | "writeFile" | "appendFileSync" | "appendFile"
            | "createWriteStream" | "mkdirSync" | "chmodSync" => {
                self.code_path(s.lit(0), call, |path| EffectKind::Write { path }, "write");
            }
            "copyFileSync" | "copyFile" | "cpSync" => {
                self.code_path(s.lit(0), call, |path| EffectKind::Read { path }, "read");
                self.code_path(s.lit(1), call, |path| EffectKind::Write { path }, "write");
            }
            "rmSync" | "rm" | "rmdirSync" | "rmdir" | "unlinkSync" | "unlink" => {
                if s.flag("recursive") {
                    self.code_path(
                        s.lit(0),
                        call,
                        |path| EffectKind::Delete {
                            path,
                            recursive: true,
                        },
                        "delete",
                    );
                } else {
                    self.code_path(
                        s.lit(0),
                        call,
                        |path| EffectKind::Delete {
                            path,
                            recursive: false,
                        },
                        "delete",
                    );
                }
            }
            "execSync" | "exec" => {
                let lit = s.lit(0);
                if lit.as_ref().is_some_and(Option::is_some)
                    || method == "execSync"
                    || s.name.contains("child_process")
                {
                    self.code_shell(lit.flatten().as_deref(), "interpreter calls", call);
                }
            }
            "spawnSync" | "spawn" | "execFileSync" | "execFile" => {
                let prog = s.lit(0).flatten();
                let rest = s.lit(1).flatten().unwrap_or_default();
                match prog {
                    Some(p) => {
                        let line = format!("{p} {rest}");
                        self.code_shell(Some(&line), "interpreter calls", call);
                    }
                    None if method.ends_with("Sync") || s.name.contains("child_process") => {
                        self.code_shell(None, "interpreter calls", call);
                    }
                    None => {}
                }
            }
            "eval" | "Function" if !s.name.contains('.') => match s.lit(0) {
                Some(Some(code)) => self.run_code(Lang::Node, &code, &call.nested("eval")),
                Some(None) => self.unresolved(
                    UnresolvedKind::OpaqueCode,
                    "`eval` runs code that is not a literal".into(),
                ),
                None => {}
            },
            "fetch" | "get" | "request" | "post" => {
                let upload = method == "post"
                    || s.args
                        .iter()
                        .any(|a| a.iter().any(|t| matches!(t, Tok::Ident(i) if i == "body")));
                self.code_network(s.lit(0), upload, call);
            }
            _ => {}
        }
    }

    /// Perl, Ruby, PHP and awk calls (similar enough to share).
    fn script_call(&mut self, lang: Lang, s: &CallSite, call: &Call) {
        let name = s.name.as_str();
        let method = s.method();
        let all_lit = || -> Option<Option<String>> {
            let mut parts = Vec::new();
            for a in &s.args {
                parts.push(super::lexer::literal(a)?);
            }
            Some(Some(parts.join(" ")))
        };
        match (lang, name, method) {
            (
                _,
                "system" | "exec" | "shell_exec" | "passthru" | "popen" | "proc_open" | "spawn",
                _,
            )
            | (Lang::Ruby, _, "popen" | "capture2" | "capture2e" | "capture3" | "popen3") => {
                let cmd = if s.args.len() > 1 && lang != Lang::Php {
                    all_lit().flatten()
                } else {
                    s.lit(0).flatten()
                };
                if !s.args.is_empty() {
                    self.code_shell(cmd.as_deref(), "interpreter calls", call);
                }
            }
            (Lang::Perl | Lang::Php, "unlink", _)
            | (Lang::Ruby, _, "delete" | "unlink" | "rm" | "rm_f" | "remove_file") => {
                for n in 0..s.args.len().max(1) {
                    self.code_path(
                        s.lit(n),
                        call,
                        |path| EffectKind::Delete {
                            path,
                            recursive: false,
                        },
                        "delete",
                    );
                }
            }
            (
                _,
                _,
                "rmtree"
                | "remove_tree"
                | "rm_rf"
                | "rm_r"
                | "remove_dir"
                | "remove_entry"
                | "remove_entry_secure",
            ) => {
                self.code_path(
                    s.lit(0),
                    call,
                    |path| EffectKind::Delete {
                        path,
                        recursive: true,
                    },
                    "delete",
                );
            }
            (Lang::Perl, "open", _) => {
                let (mode, path) = match (s.lit(1).flatten(), s.args.len()) {
                    (Some(m), n) if n >= 3 => (m, s.lit(2)),
                    (Some(spec), _) => {
                        let t = spec.trim();
                        let path = t.trim_start_matches(['<', '>', '+', '|', ' ']).to_string();
                        (
                            t.chars()
                                .take_while(|c| "<>+|".contains(*c))
                                .collect::<String>(),
                            Some(Some(path)),
                        )
                    }
                    (None, _) => (String::new(), s.lit(1)),
                };
                if mode.contains('|') {
                    self.code_shell(path.flatten().as_deref(), "perl open", call);
                } else if mode.contains('>') || mode.contains('+') {
                    self.code_path(path, call, |path| EffectKind::Write { path }, "write");
                } else {
                    self.code_path(path, call, |path| EffectKind::Read { path }, "read");
                }
            }
            (Lang::Ruby, _, "read" | "readlines" | "foreach" | "binread")
                if name.starts_with("File") || name.starts_with("IO") =>
            {
                self.code_path(s.lit(0), call, |path| EffectKind::Read { path }, "read");
            }
            (Lang::Ruby, _, "write" | "binwrite")
                if name.starts_with("File") || name.starts_with("IO") =>
            {
                self.code_path(s.lit(0), call, |path| EffectKind::Write { path }, "write");
            }
            (Lang::Ruby, _, "open") if name.starts_with("File") => {
                let mode = s.lit(1).flatten().unwrap_or_default();
                if mode.contains(['w', 'a', '+']) {
                    self.code_path(s.lit(0), call, |path| EffectKind::Write { path }, "write");
                } else {
                    self.code_path(s.lit(0), call, |path| EffectKind::Read { path }, "read");
                }
            }
            (Lang::Php, "file_get_contents" | "fopen" | "readfile" | "file", _) => match s
                .lit(0)
                .flatten()
            {
                Some(u) if u.starts_with("http") => self.code_network(Some(Some(u)), false, call),
                v => self.code_path(Some(v), call, |path| EffectKind::Read { path }, "read"),
            },
            (Lang::Php, "file_put_contents", _) => {
                self.code_path(s.lit(0), call, |path| EffectKind::Write { path }, "write")
            }
            (Lang::Perl | Lang::Ruby | Lang::Php, "eval", _) => {
                match s.args.first().map(Vec::as_slice) {
                    Some([Tok::Str(Some(code))]) => self.run_code(lang, code, &call.nested("eval")),
                    Some([Tok::Punct('{'), ..]) | None => {}
                    Some(_) => self.unresolved(
                        UnresolvedKind::OpaqueCode,
                        "`eval` runs code that is not a literal".into(),
                    ),
                }
            }
            _ => {}
        }
    }
}

/// Expressions for the home directory in Python, JavaScript, Ruby, Perl and PHP.
const HOME_EXPRS: &[&str] = &[
    "pathlib.Path.home()",
    "Path.home()",
    "os.environ.get('HOME')",
    "os.environ.get(\"HOME\")",
    "os.environ['HOME']",
    "os.environ[\"HOME\"]",
    "os.getenv('HOME')",
    "os.getenv(\"HOME\")",
    "require('os').homedir()",
    "require(\"os\").homedir()",
    "require('node:os').homedir()",
    "os.homedir()",
    "process.env.HOME",
    "process.env['HOME']",
    "process.env[\"HOME\"]",
    "ENV.fetch('HOME')",
    "ENV.fetch(\"HOME\")",
    "ENV['HOME']",
    "ENV[\"HOME\"]",
    "Dir.home",
    "$ENV{HOME}",
    "$ENV{'HOME'}",
    "$ENV{\"HOME\"}",
    "getenv('HOME')",
    "getenv(\"HOME\")",
    "$_SERVER['HOME']",
];

/// Rewrites home-directory expressions into string literals of `home` (`os.path.expanduser('~/x')`
/// → `'/home/dev/x'`), and joins `os.path.join` of literals, so the call analysis sees paths.
fn resolve_home(code: &str, home: &str) -> String {
    if code.len() > 256 * 1024 {
        return code.to_string();
    }
    let lit = format!("'{home}'");
    let mut out = code.to_string();
    // Perl/Ruby/PHP interpolate the environment inside double-quoted strings.
    for e in ["\"$ENV{HOME}", "\"#{ENV['HOME']}", "\"#{Dir.home}"] {
        out = out.replace(e, &format!("\"{home}"));
    }
    for e in HOME_EXPRS {
        if out.contains(e) {
            out = out.replace(e, &lit);
        }
    }
    for f in ["expanduser(", "expand_path("] {
        out = replace_tilde_calls(&out, f, home);
    }
    join_literals(&out, "os.path.join(")
}

/// `f('~/x')` → `'/home/dev/x'` for a call `f(` whose only argument is a `~` literal.
fn replace_tilde_calls(code: &str, f: &str, home: &str) -> String {
    let mut out = String::new();
    let mut rest = code;
    let mut n = 0;
    while let Some(pos) = rest.find(f) {
        n += 1;
        if n > 256 {
            break;
        }
        let (before, after) = rest.split_at(pos);
        // Include any dotted prefix (`os.path.`) in what is replaced.
        let keep =
            before.trim_end_matches(|c: char| c.is_ascii_alphanumeric() || c == '.' || c == '_');
        let args = after.get(f.len()..).unwrap_or("");
        let mut chars = args.chars();
        let q = chars.next();
        if let Some(q @ ('\'' | '"')) = q
            && let Some(end) = args.get(1..).and_then(|a| a.find(q))
            && let Some(inner) = args.get(1..1 + end)
            && inner.starts_with('~')
            && !inner.starts_with("~~")
            && args.get(end + 2..).is_some_and(|r| r.starts_with(')'))
            && (inner.len() == 1 || inner.get(1..2) == Some("/"))
        {
            out.push_str(keep);
            out.push('\'');
            out.push_str(home);
            out.push_str(inner.get(1..).unwrap_or(""));
            out.push('\'');
            rest = args.get(end + 3..).unwrap_or("");
            continue;
        }
        out.push_str(before);
        out.push_str(f);
        rest = args;
    }
    out.push_str(rest);
    out
}

/// `os.path.join('a', 'b')` of literals → `'a/b'`.
fn join_literals(code: &str, f: &str) -> String {
    let mut out = String::new();
    let mut rest = code;
    let mut n = 0;
    while let Some(pos) = rest.find(f) {
        n += 1;
        if n > 256 {
            break;
        }
        let (before, after) = rest.split_at(pos);
        let args = after.get(f.len()..).unwrap_or("");
        let Some(close) = args.find(')') else {
            break;
        };
        let inner = args.get(..close).unwrap_or("");
        let parts: Vec<&str> = inner.split(',').map(str::trim).collect();
        let lits: Option<Vec<&str>> = parts
            .iter()
            .map(|p| {
                let q = p.chars().next()?;
                (matches!(q, '\'' | '"') && p.len() >= 2 && p.ends_with(q))
                    .then(|| p.get(1..p.len() - 1))
                    .flatten()
                    .filter(|s| !s.contains(['\'', '"', '\\']))
            })
            .collect();
        match lits {
            Some(l) if !l.is_empty() => {
                let mut joined = String::new();
                for part in l {
                    if part.starts_with('/') || joined.is_empty() {
                        joined = part.to_string();
                    } else {
                        if !joined.ends_with('/') {
                            joined.push('/');
                        }
                        joined.push_str(part);
                    }
                }
                out.push_str(before);
                out.push('\'');
                out.push_str(&joined);
                out.push('\'');
            }
            _ => {
                out.push_str(before);
                out.push_str(f);
                out.push_str(inner);
                out.push(')');
            }
        }
        rest = args.get(close + 1..).unwrap_or("");
    }
    out.push_str(rest);
    out
}

fn is_http_client(name: &str) -> bool {
    [
        "requests",
        "httpx",
        "urllib",
        "urlopen",
        "urlretrieve",
        "http",
        "session",
        "aiohttp",
    ]
    .iter()
    .any(|p| name.contains(p))
}
