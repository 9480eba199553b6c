//! Wrappers that run another command (`sudo`, `env`, `timeout`, `xargs`, `find -exec`, `npx`, …)
//! and shells that run code (`bash -c`, `eval`, `source`, a shell reading stdin).

use super::interpreters::Lang;
use super::{basename, join_known, parse_opts};
use crate::walk::{Analyzer, Call, Flow};
use crate::word::{Arg, clip, split_raw_words};
use crate::{EffectKind, UnresolvedKind};

pub(crate) const SHELLS: &[&str] = &[
    "sh", "bash", "zsh", "dash", "ksh", "fish", "ash", "mksh", "rbash", "csh", "tcsh", "busybox",
];

fn is_assignment(a: &Arg) -> bool {
    a.known
        && a.text.split_once('=').is_some_and(|(n, _)| {
            !n.is_empty()
                && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !n.starts_with(|c: char| c.is_ascii_digit())
        })
}

impl Analyzer<'_> {
    /// Runs `rest` as the wrapped command of `name`.
    fn wrapped(&mut self, name: &str, rest: &[Arg], call: &Call) -> Flow {
        let start = rest.iter().take_while(|a| is_assignment(a)).count();
        match rest.get(start..) {
            Some(r) if !r.is_empty() => self.exec(r, &call.wrap(name)),
            _ => Flow::Unknown,
        }
    }

    /// Wrappers; `None` when `name` is not one.
    pub(crate) fn wrapper(&mut self, name: &str, args: &[Arg], call: &Call) -> Option<Flow> {
        let flow = match name {
            "sudo" => {
                let o = parse_opts(
                    args,
                    "ugpChDrtTU",
                    &[
                        "--user",
                        "--group",
                        "--prompt",
                        "--close-from",
                        "--chdir",
                        "--role",
                        "--type",
                        "--host",
                        "--other-user",
                    ],
                    true,
                );
                let rest = args.get(o.rest..).unwrap_or_default();
                if o.has(&["-e", "--edit"]) {
                    for f in rest {
                        self.write(f, call);
                    }
                    return Some(Flow::Unknown);
                }
                if rest.iter().all(is_assignment) && o.has(&["-s", "-i", "--shell", "--login"]) {
                    self.stdin_code(Lang::Shell, "sudo -s", call);
                    return Some(Flow::Unknown);
                }
                self.wrapped("sudo", rest, call)
            }
            "sudoedit" => {
                for f in parse_opts(args, "ugpChDrtTU", &[], false).operands {
                    self.write(&f, call);
                }
                Flow::Unknown
            }
            "doas" => {
                let o = parse_opts(args, "uC", &[], true);
                let rest = args.get(o.rest..).unwrap_or_default();
                if rest.is_empty() && o.has(&["-s"]) {
                    self.stdin_code(Lang::Shell, "doas -s", call);
                    return Some(Flow::Unknown);
                }
                self.wrapped("doas", rest, call)
            }
            "env" => self.env_wrapper(args, call),
            "timeout" => {
                let o = parse_opts(args, "sk", &["--signal", "--kill-after"], true);
                self.wrapped("timeout", args.get(o.rest + 1..).unwrap_or_default(), call)
            }
            "nice" => {
                let o = parse_opts(args, "n", &["--adjustment"], true);
                self.wrapped("nice", args.get(o.rest..).unwrap_or_default(), call)
            }
            "ionice" => {
                let o = parse_opts(
                    args,
                    "cnpPu",
                    &["--class", "--classdata", "--pid", "--pgid", "--uid"],
                    true,
                );
                if o.has(&["-p", "-P", "-u", "--pid", "--pgid", "--uid"]) {
                    return Some(Flow::Unknown);
                }
                self.wrapped("ionice", args.get(o.rest..).unwrap_or_default(), call)
            }
            "nohup" | "setsid" | "unbuffer" | "dbus-launch" | "builtin" | "catchsegv"
            | "fakeroot" | "proxychains" | "proxychains4" | "tsocks" | "torsocks" | "firejail"
            | "caffeinate" => {
                let o = parse_opts(args, "", &[], true);
                self.wrapped(name, args.get(o.rest..).unwrap_or_default(), call)
            }
            "time" => {
                let o = parse_opts(args, "of", &["--output", "--format"], true);
                if let Some(f) = o.value(&["-o", "--output"]) {
                    let f = f.clone();
                    self.write(&f, call);
                }
                self.wrapped("time", args.get(o.rest..).unwrap_or_default(), call)
            }
            "command" => {
                let o = parse_opts(args, "", &[], true);
                if o.has(&["-v", "-V"]) {
                    return Some(Flow::Unknown);
                }
                self.wrapped("command", args.get(o.rest..).unwrap_or_default(), call)
            }
            "exec" => {
                let o = parse_opts(args, "a", &[], true);
                self.wrapped("exec", args.get(o.rest..).unwrap_or_default(), call)
            }
            "stdbuf" => {
                let o = parse_opts(args, "ioe", &["--input", "--output", "--error"], true);
                self.wrapped("stdbuf", args.get(o.rest..).unwrap_or_default(), call)
            }
            "chrt" | "taskset" => {
                let o = parse_opts(args, "", &[], true);
                if o.has(&["-p", "--pid"]) {
                    return Some(Flow::Unknown);
                }
                // The priority / CPU mask comes first.
                self.wrapped(name, args.get(o.rest + 1..).unwrap_or_default(), call)
            }
            "strace" | "ltrace" => {
                let o = parse_opts(args, "eoOpsSuUEPIabXAnDFlLx", &[], true);
                self.wrapped(name, args.get(o.rest..).unwrap_or_default(), call)
            }
            "xargs" => self.xargs(args, call),
            "find" => self.find(args, call),
            "parallel" => {
                let o = parse_opts(
                    args,
                    "jSdaIPk",
                    &["--jobs", "--sshlogin", "--delimiter", "--arg-file"],
                    true,
                );
                let rest = args.get(o.rest..).unwrap_or_default();
                let cmd: Vec<Arg> = rest
                    .iter()
                    .take_while(|a| !a.text.starts_with(":::"))
                    .cloned()
                    .collect();
                if cmd.is_empty() {
                    self.stdin_code(Lang::Shell, "parallel", call);
                    return Some(Flow::Unknown);
                }
                let mut cmd: Vec<Arg> = cmd
                    .into_iter()
                    .map(|a| {
                        if a.text.contains("{}") {
                            Arg::unknown(a.text)
                        } else {
                            a
                        }
                    })
                    .collect();
                if !cmd.iter().any(|a| !a.known) {
                    cmd.push(Arg::unknown("{}"));
                }
                self.exec(&cmd, &call.wrap("parallel"))
            }
            "watch" => {
                let o = parse_opts(args, "nqd", &["--interval"], true);
                let rest = args.get(o.rest..).unwrap_or_default();
                if o.has(&["-x", "--exec"]) {
                    self.wrapped("watch", rest, call)
                } else {
                    self.run_string("watch", rest, call)
                }
            }
            "flock" => {
                let o = parse_opts(
                    args,
                    "wEc",
                    &["--timeout", "--conflict-exit-code", "--command"],
                    true,
                );
                if let Some(c) = o.value(&["-c", "--command"]) {
                    let c = c.clone();
                    self.shell_string(&c, "flock -c", call);
                    return Some(Flow::Unknown);
                }
                let rest = args.get(o.rest + 1..).unwrap_or_default();
                if let (Some(flag), Some(code)) = (rest.first(), rest.get(1))
                    && matches!(flag.text.as_str(), "-c" | "--command")
                {
                    let code = code.clone();
                    self.shell_string(&code, "flock -c", call);
                    return Some(Flow::Unknown);
                }
                self.wrapped("flock", rest, call)
            }
            "script" => {
                let o = parse_opts(
                    args,
                    "cEIOBTtm",
                    &["--command", "--log-io", "--log-in", "--log-out", "--timing"],
                    false,
                );
                if let Some(c) = o.value(&["-c", "--command"]) {
                    let c = c.clone();
                    self.shell_string(&c, "script -c", call);
                }
                for f in &o.operands {
                    self.write(f, call);
                }
                Flow::Unknown
            }
            "su" | "runuser" => {
                let o = parse_opts(
                    args,
                    "cgGsu",
                    &[
                        "--command",
                        "--group",
                        "--shell",
                        "--user",
                        "--session-command",
                    ],
                    true,
                );
                if let Some(c) = o.value(&["-c", "--command", "--session-command"]) {
                    let c = c.clone();
                    self.shell_string(&c, &format!("{name} -c"), call);
                    return Some(Flow::Unknown);
                }
                if name == "runuser" && o.has(&["-u", "--user"]) {
                    return Some(self.wrapped(name, args.get(o.rest..).unwrap_or_default(), call));
                }
                self.stdin_code(Lang::Shell, name, call);
                Flow::Unknown
            }
            "npx" | "bunx" | "pnpx" => self.package_runner(name, args, call),
            "pnpm" | "yarn" | "npm" | "bun"
                if matches!(
                    args.first().map(|a| a.text.as_str()),
                    Some("dlx" | "exec" | "x")
                ) =>
            {
                let label = format!(
                    "{name} {}",
                    args.first().map(|a| a.text.as_str()).unwrap_or("")
                );
                self.package_runner(&label, args.get(1..).unwrap_or_default(), call)
            }
            "uv" | "poetry" | "pipenv" | "pdm" | "hatch" | "rye" | "bundle" | "conda" | "mamba"
            | "pixi"
                if matches!(args.first().map(|a| a.text.as_str()), Some("run" | "exec")) =>
            {
                let label = format!(
                    "{name} {}",
                    args.first().map(|a| a.text.as_str()).unwrap_or("")
                );
                let o = parse_opts(
                    args.get(1..).unwrap_or_default(),
                    "pn",
                    &[
                        "--with",
                        "--python",
                        "--directory",
                        "--project",
                        "--env-file",
                        "--extra",
                        "--group",
                        "--package",
                        "--index",
                        "--from",
                        "--name",
                        "--prefix",
                        "--env",
                        "-e",
                    ],
                    true,
                );
                self.wrapped(&label, args.get(1 + o.rest..).unwrap_or_default(), call)
            }
            "nix-shell" => {
                let o = parse_opts(
                    args,
                    "pIA",
                    &[
                        "--run",
                        "--command",
                        "--packages",
                        "--attr",
                        "--arg",
                        "--argstr",
                    ],
                    false,
                );
                if let Some(c) = o.value(&["--run", "--command"]) {
                    let c = c.clone();
                    self.shell_string(&c, "nix-shell --run", call);
                }
                Flow::Unknown
            }
            "nix"
                if matches!(
                    args.first().map(|a| a.text.as_str()),
                    Some("develop" | "shell")
                ) =>
            {
                let pos = args
                    .iter()
                    .position(|a| a.text == "-c" || a.text == "--command");
                match pos {
                    Some(p) => {
                        self.wrapped("nix develop", args.get(p + 1..).unwrap_or_default(), call)
                    }
                    None => Flow::Unknown,
                }
            }
            "docker" | "podman" if args.first().is_some_and(|a| a.text == "exec") => {
                let o = parse_opts(
                    args.get(1..).unwrap_or_default(),
                    "euw",
                    &[
                        "--env",
                        "--user",
                        "--workdir",
                        "--env-file",
                        "--detach-keys",
                    ],
                    true,
                );
                let label = format!("{name} exec");
                self.wrapped(&label, args.get(1 + o.rest + 1..).unwrap_or_default(), call)
            }
            _ => return None,
        };
        Some(flow)
    }

    /// `env [-i] [-u NAME] [-C DIR] [-S STRING] [NAME=VALUE]… [COMMAND]`.
    fn env_wrapper(&mut self, args: &[Arg], call: &Call) -> Flow {
        let mut i = 0;
        let saved = self.env.clone();
        let mut out = Flow::Unknown;
        while let Some(a) = args.get(i) {
            let t = a.text.as_str();
            if a.known && (t == "-u" || t == "--unset" || t == "-C" || t == "--chdir") {
                i += 2;
            } else if a.known
                && (t == "-S"
                    || t == "--split-string"
                    || t.starts_with("-S")
                    || t.starts_with("--split-string="))
            {
                let s = if t == "-S" || t == "--split-string" {
                    i += 1;
                    args.get(i).map(|a| a.text.clone()).unwrap_or_default()
                } else {
                    t.trim_start_matches("--split-string=")
                        .trim_start_matches("-S")
                        .to_string()
                };
                let mut argv = Vec::new();
                for w in split_raw_words(&s) {
                    argv.extend(self.eval_word(&w, call));
                }
                argv.extend(args.get(i + 1..).unwrap_or_default().iter().cloned());
                out = self.env_wrapper(&argv, call);
                self.env = saved;
                return out;
            } else if a.known && t.starts_with('-') && t != "-" {
                i += 1;
            } else if is_assignment(a) {
                if let Some((n, v)) = t.split_once('=') {
                    self.set_var(n, &Arg::lit(v));
                }
                i += 1;
            } else {
                if t == "-" {
                    i += 1;
                }
                out = self.wrapped("env", args.get(i..).unwrap_or_default(), call);
                break;
            }
        }
        self.env = saved;
        out
    }

    /// `npx [-y] [-p PKG] PROGRAM[@version] args…`.
    fn package_runner(&mut self, label: &str, args: &[Arg], call: &Call) -> Flow {
        let o = parse_opts(args, "pc", &["--package", "--call"], true);
        if let Some(c) = o.value(&["-c", "--call"]) {
            let c = c.clone();
            self.shell_string(&c, label, call);
            return Flow::Unknown;
        }
        let rest = args.get(o.rest..).unwrap_or_default();
        let Some((prog, tail)) = rest.split_first() else {
            return Flow::Unknown;
        };
        let mut name = prog.text.clone();
        // `@scope/pkg@1.2` → `pkg`; `cowsay@1` → `cowsay`.
        if let Some(idx) = name.get(1..).and_then(|s| s.find('@')) {
            name.truncate(idx + 1);
        }
        let name = basename(&name).to_string();
        let mut argv = vec![Arg {
            text: name,
            ..prog.clone()
        }];
        argv.extend(tail.iter().cloned());
        self.exec(&argv, &call.wrap(label))
    }

    /// `xargs [options] [command [initial-arguments]]`: the command gets arguments from stdin.
    fn xargs(&mut self, args: &[Arg], call: &Call) -> Flow {
        let o = parse_opts(
            args,
            "IdEsaLnP",
            &[
                "--delimiter",
                "--arg-file",
                "--max-args",
                "--max-procs",
                "--max-lines",
                "--max-chars",
                "--process-slot-var",
            ],
            true,
        );
        if let Some(f) = o.value(&["-a", "--arg-file"]) {
            let f = f.clone();
            self.read(&f, call);
        }
        let replace = o
            .value(&["-I"])
            .map(|a| a.text.clone())
            .or_else(|| o.has(&["-i", "--replace"]).then(|| "{}".to_string()));
        let mut cmd: Vec<Arg> = args.get(o.rest..).unwrap_or_default().to_vec();
        if cmd.is_empty() {
            cmd.push(Arg::lit("echo"));
        }
        // Known stdin (`echo a b | xargs rm`) gives known arguments.
        let inputs: Option<Vec<String>> = match &call.stdin {
            Flow::Known {
                text,
                decoded: false,
            } => {
                let words: Vec<String> = text.split_whitespace().map(str::to_string).collect();
                (words.len() <= 64).then_some(words)
            }
            _ => None,
        };
        // Paths listed by `find`/`git ls-files`: the arguments are those paths (a glob).
        let inputs = match (&call.stdin, inputs) {
            (Flow::Paths(g), None) => Some(vec![g.clone()]),
            (_, i) => i,
        };
        let mut call2 = call.clone();
        call2.stdin = Flow::Terminal;
        let stdin_arg = |item: Option<&String>| match item {
            Some(s) => Arg::lit(s.clone()),
            None => Arg::unknown("{stdin}"),
        };
        match (replace, inputs) {
            (Some(r), inputs) => {
                let items: Vec<Option<String>> = match inputs {
                    Some(v) if !v.is_empty() => v.into_iter().map(Some).collect(),
                    _ => vec![None],
                };
                let mut out = Flow::Unknown;
                for item in items {
                    let argv: Vec<Arg> = cmd
                        .iter()
                        .map(|a| {
                            if !a.text.contains(&r) {
                                return a.clone();
                            }
                            match &item {
                                Some(s) => Arg::lit(a.text.replace(&r, s)),
                                None => {
                                    let mut u = Arg::unknown(a.text.clone());
                                    u.known_prefix =
                                        a.text.split(&r).next().unwrap_or("").to_string();
                                    u
                                }
                            }
                        })
                        .collect();
                    out = self.exec(&argv, &call2.wrap("xargs"));
                }
                out
            }
            (None, Some(words)) => {
                cmd.extend(words.iter().map(|w| stdin_arg(Some(w))));
                self.exec(&cmd, &call2.wrap("xargs"))
            }
            (None, None) => {
                cmd.push(stdin_arg(None));
                self.exec(&cmd, &call2.wrap("xargs"))
            }
        }
    }

    /// `find ROOTS… EXPRESSION`: `-exec`/`-ok` run commands on found paths, `-delete` deletes.
    fn find(&mut self, args: &[Arg], call: &Call) -> Flow {
        let mut i = 0;
        while let Some(a) = args.get(i) {
            match a.text.as_str() {
                "-H" | "-L" | "-P" => i += 1,
                "-D" => i += 2,
                t if t.starts_with("-O") => i += 1,
                _ => break,
            }
        }
        let mut roots = Vec::new();
        while let Some(a) = args.get(i) {
            if a.known
                && (a.text.starts_with('-') || a.text == "(" || a.text == "!" || a.text == ",")
            {
                break;
            }
            roots.push(a.clone());
            i += 1;
        }
        if roots.is_empty() {
            roots.push(Arg::lit("."));
        }
        let mut name: Option<String> = None;
        let mut execs: Vec<(String, Vec<Arg>)> = Vec::new();
        let mut delete = false;
        const WITH_ARG: &[&str] = &[
            "-type",
            "-xtype",
            "-maxdepth",
            "-mindepth",
            "-mtime",
            "-newer",
            "-size",
            "-perm",
            "-user",
            "-group",
            "-regex",
            "-iregex",
            "-printf",
            "-mmin",
            "-atime",
            "-ctime",
            "-links",
            "-inum",
            "-samefile",
            "-uid",
            "-gid",
            "-used",
            "-amin",
            "-cmin",
            "-cnewer",
            "-anewer",
            "-context",
            "-files0-from",
            "-lname",
            "-ilname",
            "-path",
            "-ipath",
            "-wholename",
            "-iwholename",
            "-fstype",
            "-regextype",
            "-newermt",
        ];
        while let Some(a) = args.get(i) {
            let t = a.text.as_str();
            match t {
                "-name" | "-iname" => {
                    if name.is_none() {
                        name = args.get(i + 1).map(|a| a.text.clone());
                    }
                    i += 2;
                }
                "-exec" | "-execdir" | "-ok" | "-okdir" => {
                    let mut cmd = Vec::new();
                    i += 1;
                    while let Some(c) = args.get(i) {
                        i += 1;
                        if c.text == ";"
                            || (c.text == "+"
                                && cmd.last().is_some_and(|l: &Arg| l.text.contains("{}")))
                        {
                            break;
                        }
                        cmd.push(c.clone());
                    }
                    execs.push((format!("find {t}"), cmd));
                }
                "-delete" => {
                    delete = true;
                    i += 1;
                }
                "-fprint" | "-fprint0" | "-fls" | "-fprintf" => {
                    if let Some(f) = args.get(i + 1) {
                        let f = f.clone();
                        self.write(&f, call);
                    }
                    i += if t == "-fprintf" { 3 } else { 2 };
                }
                _ if WITH_ARG.contains(&t) => i += 2,
                _ => i += 1,
            }
        }
        let mut listed: Vec<String> = Vec::new();
        for root in &roots {
            let root_paths = self.paths_of(root, "search root");
            for rp in root_paths {
                let rs = rp.to_string_lossy();
                let base = if rs == "/" {
                    String::new()
                } else {
                    rs.to_string()
                };
                let found = match &name {
                    Some(n) => format!("{base}/**/{n}"),
                    None => format!("{base}/**"),
                };
                listed.push(found.clone());
                if delete {
                    let path = if name.is_some() {
                        found.clone().into()
                    } else {
                        rp.clone()
                    };
                    self.emit(
                        EffectKind::Delete {
                            path,
                            recursive: true,
                        },
                        call,
                    );
                }
                for (label, cmd) in &execs {
                    let argv: Vec<Arg> = cmd
                        .iter()
                        .map(|a| {
                            if a.text.contains("{}") {
                                Arg::lit(a.text.replace("{}", &found))
                            } else {
                                a.clone()
                            }
                        })
                        .collect();
                    self.exec(&argv, &call.wrap(label));
                }
            }
        }
        match listed.as_slice() {
            [one] if roots.iter().all(|r| r.known) && execs.is_empty() && !delete => {
                Flow::Paths(one.clone())
            }
            _ => Flow::Unknown,
        }
    }

    /// Shells, `eval`, `source`; `None` when `name` is none of them.
    pub(crate) fn shell_like(&mut self, name: &str, args: &[Arg], call: &Call) -> Option<Flow> {
        match name {
            "eval" => {
                self.run_string("eval", args, call);
                Some(Flow::Unknown)
            }
            "source" | "." => {
                match args.first() {
                    Some(f) if f.remote.is_some() || f.decoded => {
                        self.dynamic_code(f, call, "sourced file")
                    }
                    Some(f) if f.known && matches!(f.text.as_str(), "/dev/stdin" | "-") => {
                        self.stdin_code(Lang::Shell, name, call);
                    }
                    Some(f) => {
                        let f = f.clone();
                        if !self.script_file(&f, name, call) {
                            if f.known {
                                // Sourcing a project file (`. .venv/bin/activate`) is ordinary
                                // work, like running a script: it is read and executed.
                                self.read(&f, call);
                            } else {
                                self.unresolved(
                                    UnresolvedKind::OpaqueCode,
                                    format!(
                                        "`{name} {}` runs a script that is not known before run time",
                                        clip(&f.text)
                                    ),
                                );
                            }
                        }
                    }
                    None => {}
                }
                Some(Flow::Unknown)
            }
            _ if SHELLS.contains(&name) => Some(self.shell(name, args, call)),
            _ => None,
        }
    }

    fn shell(&mut self, name: &str, args: &[Arg], call: &Call) -> Flow {
        let args = if name == "busybox" {
            match args.first() {
                Some(a) if SHELLS.contains(&a.text.as_str()) => args.get(1..).unwrap_or_default(),
                _ => return Flow::Unknown,
            }
        } else {
            args
        };
        let (mut c_flag, mut s_flag) = (false, false);
        let mut i = 0;
        while let Some(a) = args.get(i) {
            let t = a.text.as_str();
            if !a.known {
                break;
            }
            if t == "--" || t == "-" {
                i += 1;
                break;
            }
            if t.starts_with("--") {
                i += if matches!(t, "--rcfile" | "--init-file") {
                    2
                } else {
                    1
                };
                continue;
            }
            if (t.starts_with('-') || t.starts_with('+')) && t.len() > 1 {
                let mut skip = 1;
                for ch in t.chars().skip(1) {
                    match ch {
                        'c' => c_flag = true,
                        's' => s_flag = true,
                        'o' | 'O' => skip += 1,
                        _ => {}
                    }
                }
                i += skip;
                continue;
            }
            break;
        }
        let operands = args.get(i..).unwrap_or_default();
        if c_flag {
            match operands.first() {
                Some(code) => {
                    let code = code.clone();
                    return self.shell_string(&code, &format!("{name} -c"), call);
                }
                None => return Flow::Unknown,
            }
        }
        match operands.first() {
            None => {
                self.stdin_code(Lang::Shell, name, call);
            }
            Some(_) if s_flag => {
                self.stdin_code(Lang::Shell, name, call);
            }
            Some(f) if f.remote.is_some() || f.decoded => self.dynamic_code(f, call, "script"),
            Some(f) if f.known && f.text == "/dev/stdin" => {
                self.stdin_code(Lang::Shell, name, call)
            }
            Some(f) if self.script_file(&f.clone(), name, call) => {}
            Some(f) if !f.known => self.unresolved(
                UnresolvedKind::OpaqueCode,
                format!(
                    "`{name}` runs a script `{}` that is not known before run time",
                    clip(&f.text)
                ),
            ),
            // Running a project script is ordinary work: it is read and executed.
            Some(f) => {
                let f = f.clone();
                self.read(&f, call);
            }
        }
        Flow::Unknown
    }

    /// A script file written (or a process substitution filled) earlier in this command line:
    /// its content is analyzed. Returns false when the file is not one of those.
    pub(crate) fn script_file(&mut self, f: &Arg, who: &str, call: &Call) -> bool {
        let path = if f.known {
            crate::paths::normalize(&self.cwd, &f.text)
        } else if f.text.starts_with("/dev/fd/") {
            std::path::PathBuf::from(&f.text)
        } else {
            return false;
        };
        self.written_code(&path, who, call)
    }

    /// Analyzes a code string given to a shell (`bash -c`, `su -c`, `flock -c`).
    pub(crate) fn shell_string(&mut self, code: &Arg, label: &str, call: &Call) -> Flow {
        if !code.known {
            self.dynamic_code(code, call, "code");
            if code.remote.is_none() && !code.decoded {
                self.unresolved(
                    UnresolvedKind::DynamicCommand,
                    format!(
                        "`{label}` runs `{}`, which is not known before run time",
                        clip(&code.text)
                    ),
                );
            }
            return Flow::Unknown;
        }
        let mut c = call.nested(label);
        c.stdin = Flow::Terminal;
        self.analyze_source(&code.text, &c)
    }

    /// Joins arguments and analyzes them as a command line (`eval`, `watch`, `ssh host cmd`).
    pub(crate) fn run_string(&mut self, label: &str, args: &[Arg], call: &Call) -> Flow {
        match join_known(args) {
            Ok(s) if s.trim().is_empty() => Flow::Unknown,
            Ok(s) => self.shell_string(&Arg::lit(s), label, call),
            Err(a) => self.shell_string(&a, label, call),
        }
    }

    /// A shell or interpreter reads its program from stdin.
    pub(crate) fn stdin_code(&mut self, lang: Lang, who: &str, call: &Call) {
        match &call.stdin {
            Flow::Network(url) => {
                let url = url.clone();
                self.emit(EffectKind::RemoteCode { source: url }, call);
            }
            Flow::Known { text, decoded } => {
                let (text, decoded) = (text.clone(), *decoded);
                if decoded {
                    self.unresolved(
                        UnresolvedKind::DecodedToShell,
                        format!("decoded data is piped into `{who}`"),
                    );
                }
                let mut c = call.nested(&format!("{who} (stdin)"));
                c.stdin = Flow::Terminal;
                self.run_code(lang, &text, &c);
            }
            Flow::Decoded => self.unresolved(
                UnresolvedKind::DecodedToShell,
                format!("decoded data is piped into `{who}`"),
            ),
            Flow::File(p) => {
                let p = p.clone();
                if self.written_code(&p, who, call) {
                    return;
                }
                let p = p.display().to_string();
                self.unresolved(
                    UnresolvedKind::OpaqueCode,
                    format!("`{who}` runs code from `{p}`"),
                );
            }
            Flow::Terminal | Flow::Unknown | Flow::Paths(_) => self.unresolved(
                UnresolvedKind::OpaqueCode,
                format!("`{who}` runs code read from stdin that the analyzer cannot see"),
            ),
        }
    }
}
