//! Command knowledge: what each program does with its arguments, stdin and stdout.
//!
//! [`Analyzer::exec`] emits the `Exec` effect for every simple command that runs and dispatches on
//! the program's basename to the family modules.

mod database;
mod files;
mod git;
mod interpreters;
mod lexer;
mod network;
mod publish_deploy;
mod wrappers;

use crate::walk::{Analyzer, Call, Flow};
use crate::word::{Arg, clip};
use crate::{EffectKind, UnresolvedKind};

/// Most wrappers crossed before giving up (`nohup nohup nohup …`).
const MAX_WRAPPERS: usize = 64;

/// Parsed command-line options.
#[derive(Debug, Default)]
pub(crate) struct Opts {
    /// `-x` / `--long` with their values, in order.
    pub flags: Vec<(String, Option<Arg>)>,
    /// Non-option arguments.
    pub operands: Vec<Arg>,
    /// With `stop_at_operand`, the index in `args` of the first operand.
    pub rest: usize,
}

impl Opts {
    pub fn has(&self, names: &[&str]) -> bool {
        self.flags.iter().any(|(f, _)| names.contains(&f.as_str()))
    }

    pub fn value(&self, names: &[&str]) -> Option<&Arg> {
        self.values(names).into_iter().next()
    }

    pub fn values(&self, names: &[&str]) -> Vec<&Arg> {
        self.flags
            .iter()
            .filter(|(f, _)| names.contains(&f.as_str()))
            .filter_map(|(_, v)| v.as_ref())
            .collect()
    }
}

/// Parses getopt-style options. `short_arg` lists short options taking a value, `long_arg` long
/// ones (`--name`, also accepted as `--name=value`). With `stop_at_operand` (wrappers), parsing
/// stops at the first operand; otherwise options may follow operands (GNU permutation).
pub(crate) fn parse_opts(
    args: &[Arg],
    short_arg: &str,
    long_arg: &[&str],
    stop_at_operand: bool,
) -> Opts {
    let mut o = Opts {
        rest: args.len(),
        ..Opts::default()
    };
    let mut i = 0;
    while let Some(a) = args.get(i) {
        let t = a.text.as_str();
        if !a.known || t == "-" || !t.starts_with('-') {
            if stop_at_operand {
                o.rest = i;
                o.operands
                    .extend(args.get(i..).unwrap_or_default().iter().cloned());
                return o;
            }
            o.operands.push(a.clone());
            i += 1;
            continue;
        }
        if t == "--" {
            o.rest = i + 1;
            o.operands
                .extend(args.get(i + 1..).unwrap_or_default().iter().cloned());
            return o;
        }
        if let Some(long) = t.strip_prefix("--") {
            if let Some((name, value)) = long.split_once('=') {
                o.flags.push((format!("--{name}"), Some(Arg::lit(value))));
            } else if long_arg.contains(&t) {
                o.flags.push((t.to_string(), args.get(i + 1).cloned()));
                i += 1;
            } else {
                o.flags.push((t.to_string(), None));
            }
            i += 1;
            continue;
        }
        let chars: Vec<char> = t.chars().skip(1).collect();
        for (k, c) in chars.iter().enumerate() {
            if short_arg.contains(*c) {
                let attached: String = chars.get(k + 1..).unwrap_or_default().iter().collect();
                if attached.is_empty() {
                    o.flags.push((format!("-{c}"), args.get(i + 1).cloned()));
                    i += 1;
                } else {
                    o.flags.push((format!("-{c}"), Some(Arg::lit(attached))));
                }
                break;
            }
            o.flags.push((format!("-{c}"), None));
        }
        i += 1;
    }
    o
}

/// The basename of a program path (`/usr/bin/rm` → `rm`).
pub(crate) fn basename(s: &str) -> &str {
    s.rsplit('/').next().unwrap_or(s)
}

pub(crate) fn texts(args: &[Arg]) -> Vec<String> {
    args.iter().map(|a| a.text.clone()).collect()
}

/// Joins arguments into one string (for `eval`, `watch`, `ssh`, `su -c`); `None` if any is
/// unknown, with the first unknown argument.
pub(crate) fn join_known(args: &[Arg]) -> Result<String, Arg> {
    let mut parts = Vec::new();
    for a in args {
        if !a.known {
            return Err(a.clone());
        }
        parts.push(a.text.as_str());
    }
    Ok(parts.join(" "))
}

impl Analyzer<'_> {
    /// Runs one evaluated command: emits `Exec`, then what the program does.
    pub(crate) fn exec(&mut self, argv: &[Arg], call: &Call) -> Flow {
        let Some((first, args)) = argv.split_first() else {
            return Flow::Unknown;
        };
        if self.stopped() {
            return Flow::Unknown;
        }
        if call.via.len() > MAX_WRAPPERS {
            self.budget("too many nested wrappers to analyze");
            return Flow::Unknown;
        }
        if !first.known {
            self.dynamic_code(first, call, "command word");
            self.unresolved(
                UnresolvedKind::DynamicCommand,
                format!(
                    "the command word `{}` is not known before run time",
                    clip(&first.text)
                ),
            );
            return Flow::Unknown;
        }
        let name = basename(&first.text).to_string();
        if name.is_empty() {
            return Flow::Unknown;
        }
        self.emit(
            EffectKind::Exec {
                program: name.clone(),
                args: texts(args).into_iter().map(|t| clip_arg(&t)).collect(),
            },
            call,
        );
        // `./x`, `/tmp/x.sh`: a script written earlier in this command line.
        if first.text.contains('/') {
            let p = crate::paths::normalize(&self.cwd, &first.text);
            if self.written_code(&p, &name, call) {
                return Flow::Unknown;
            }
        }
        self.dispatch(&name, args, call)
    }

    /// Code (a command word, a `-c` string) that comes from the network or a decoder.
    pub(crate) fn dynamic_code(&mut self, arg: &Arg, call: &Call, what: &str) {
        if let Some(url) = &arg.remote {
            self.emit(
                EffectKind::RemoteCode {
                    source: url.clone(),
                },
                call,
            );
        }
        if arg.decoded {
            self.unresolved(
                UnresolvedKind::DecodedToShell,
                format!(
                    "the {what} `{}` is decoded data that runs as code",
                    clip(&arg.text)
                ),
            );
        }
    }

    fn dispatch(&mut self, name: &str, args: &[Arg], call: &Call) -> Flow {
        if let Some(flow) = self.wrapper(name, args, call) {
            return flow;
        }
        if let Some(flow) = self.shell_like(name, args, call) {
            return flow;
        }
        if let Some(flow) = self.interpreter(name, args, call) {
            return flow;
        }
        if let Some(sub) = name.strip_prefix("git-") {
            let mut v = vec![Arg::lit(sub)];
            v.extend(args.iter().cloned());
            return self.git(&v, call);
        }
        if name == "git" {
            return self.git(args, call);
        }
        if let Some(flow) = self.builtin(name, args, call) {
            return flow;
        }
        if let Some(flow) = self.file_command(name, args, call) {
            return flow;
        }
        if let Some(flow) = self.network_command(name, args, call) {
            return flow;
        }
        if let Some(flow) = self.database_command(name, args, call) {
            return flow;
        }
        if let Some(flow) = self.publish_deploy(name, args, call) {
            return flow;
        }
        Flow::Unknown
    }

    /// Shell builtins that change analysis state or produce known output.
    fn builtin(&mut self, name: &str, args: &[Arg], call: &Call) -> Option<Flow> {
        match name {
            "echo" => {
                let mut interpret = false;
                let mut newline = true;
                let mut i = 0;
                while let Some(a) = args.get(i) {
                    let t = a.text.as_str();
                    if a.known
                        && t.len() > 1
                        && t.starts_with('-')
                        && t.chars().skip(1).all(|c| "neE".contains(c))
                    {
                        interpret |= t.contains('e');
                        newline &= !t.contains('n');
                        i += 1;
                    } else {
                        break;
                    }
                }
                let rest = args.get(i..).unwrap_or_default();
                Some(known_output(rest, |s| {
                    let s = if interpret {
                        crate::word::decode_escapes(&s, true)
                    } else {
                        s
                    };
                    if newline { format!("{s}\n") } else { s }
                }))
            }
            "printf" => {
                let rest = match args.first() {
                    Some(a) if a.text == "--" => args.get(1..).unwrap_or_default(),
                    _ => args,
                };
                if rest.first().is_some_and(|a| a.text == "-v") {
                    return Some(Flow::Unknown);
                }
                Some(match rest.split_first() {
                    Some((fmt, vals)) if fmt.known && vals.iter().all(|v| v.known) => Flow::Known {
                        text: printf(&fmt.text, vals),
                        decoded: false,
                    },
                    Some((fmt, vals)) => {
                        let remote = std::iter::once(fmt)
                            .chain(vals)
                            .find_map(|a| a.remote.clone());
                        remote.map_or(Flow::Unknown, Flow::Network)
                    }
                    None => Flow::Unknown,
                })
            }
            "cd" | "pushd" => {
                match args
                    .iter()
                    .find(|a| !a.text.starts_with('-') || a.text == "-")
                {
                    Some(a) if a.known && a.text != "-" => {
                        self.cwd = crate::paths::normalize(&self.cwd, &a.text)
                    }
                    Some(_) => {}
                    None => self.cwd = self.ctx.home.clone(),
                }
                Some(Flow::Unknown)
            }
            "export" | "declare" | "typeset" | "local" | "readonly" => {
                for a in args {
                    if let Some((n, v)) = a.text.split_once('=')
                        && !n.is_empty()
                        && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    {
                        let mut val = a.clone();
                        val.text = v.to_string();
                        self.set_var(n, &val);
                    }
                }
                Some(Flow::Unknown)
            }
            "read" | "mapfile" | "readarray" => {
                for a in args.iter().filter(|a| !a.text.starts_with('-')) {
                    self.set_var(&a.text, &Arg::unknown(format!("${}", a.text)));
                }
                Some(Flow::Unknown)
            }
            "unset" => {
                for a in args {
                    self.env.remove(&a.text);
                }
                Some(Flow::Unknown)
            }
            "tee" => {
                let o = parse_opts(args, "", &[], false);
                let append = o.has(&["-a", "--append"]);
                for f in &o.operands {
                    self.write(f, call);
                    if f.known && !append {
                        let p = crate::paths::normalize(&self.cwd, &f.text);
                        self.record_file(p, call.stdin.clone());
                    }
                }
                Some(call.stdin.clone())
            }
            "crontab" => {
                let o = parse_opts(args, "u", &[], false);
                if o.has(&["-l", "-r", "-e"]) {
                    return Some(Flow::Unknown);
                }
                match o.operands.first() {
                    Some(f) if f.text != "-" => {
                        let f = f.clone();
                        self.read(&f, call);
                    }
                    // The installed crontab's commands run later: analyze them as code.
                    _ => {
                        if let Flow::Known { text, .. } = &call.stdin {
                            let text = text.clone();
                            let c = call.nested("crontab");
                            for line in text.lines().take(256) {
                                let line = line.trim();
                                if line.is_empty() || line.starts_with('#') {
                                    continue;
                                }
                                let skip = if line.starts_with('@') { 1 } else { 5 };
                                let cmd: Vec<&str> = line.splitn(skip + 1, ' ').collect();
                                if let Some(code) = cmd.get(skip)
                                    && cmd.len() == skip + 1
                                {
                                    self.analyze_source(code, &c);
                                }
                            }
                        }
                    }
                }
                Some(Flow::Unknown)
            }
            "alias" => {
                for a in args {
                    if let Some((n, v)) = a.text.split_once('=')
                        && a.known
                        && !n.is_empty()
                        && !n.contains(['/', '$', '`', '=', ' '])
                        && self.aliases.len() < 256
                    {
                        self.aliases.insert(n.to_string(), v.to_string());
                    }
                }
                Some(Flow::Unknown)
            }
            "unalias" => {
                for a in args {
                    if a.text == "-a" {
                        self.aliases.clear();
                    }
                    self.aliases.remove(&a.text);
                }
                Some(Flow::Unknown)
            }
            _ => None,
        }
    }
}

/// Output of `echo`-like commands: known when all arguments are.
fn known_output(args: &[Arg], f: impl Fn(String) -> String) -> Flow {
    match join_known(args) {
        Ok(s) => Flow::Known {
            text: f(s),
            decoded: false,
        },
        Err(a) => match a.remote {
            Some(u) => Flow::Network(u),
            None if a.decoded => Flow::Decoded,
            None => Flow::Unknown,
        },
    }
}

/// A small `printf`: `%s`/`%b`/`%d` take arguments in turn, escapes are decoded.
fn printf(fmt: &str, vals: &[Arg]) -> String {
    let mut out = String::new();
    let mut vals = vals.iter();
    let c: Vec<char> = fmt.chars().collect();
    let mut i = 0;
    let mut lit = String::new();
    while let Some(&ch) = c.get(i) {
        if ch == '%' {
            match c.get(i + 1) {
                Some('%') => {
                    lit.push('%');
                    i += 2;
                    continue;
                }
                Some(_) => {
                    out.push_str(&crate::word::decode_escapes(&lit, true));
                    lit.clear();
                    let mut j = i + 1;
                    while c.get(j).is_some_and(|d| "-+ #0123456789.".contains(*d)) {
                        j += 1;
                    }
                    let v = vals.next().map(|a| a.text.clone()).unwrap_or_default();
                    if c.get(j) == Some(&'b') {
                        out.push_str(&crate::word::decode_escapes(&v, true));
                    } else {
                        out.push_str(&v);
                    }
                    i = j + 1;
                    continue;
                }
                None => {}
            }
        }
        lit.push(ch);
        i += 1;
    }
    out.push_str(&crate::word::decode_escapes(&lit, true));
    out
}

fn clip_arg(s: &str) -> String {
    if s.chars().count() > 200 {
        let mut t: String = s.chars().take(199).collect();
        t.push('…');
        t
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opts_combined_and_long() {
        let args: Vec<Arg> = ["-rf", "--", "/"].iter().map(|s| Arg::lit(*s)).collect();
        let o = parse_opts(&args, "", &[], false);
        assert!(o.has(&["-r"]) && o.has(&["-f"]));
        assert_eq!(o.operands.len(), 1);
        let args: Vec<Arg> = ["-qO-", "--output=x", "u"]
            .iter()
            .map(|s| Arg::lit(*s))
            .collect();
        let o = parse_opts(&args, "O", &[], false);
        assert_eq!(o.value(&["-O"]).map(|a| a.text.as_str()), Some("-"));
        assert_eq!(o.value(&["--output"]).map(|a| a.text.as_str()), Some("x"));
    }

    #[test]
    fn printf_formats() {
        assert_eq!(printf("a%sb\\n", &[Arg::lit("X")]), "aXb\n");
    }
}
