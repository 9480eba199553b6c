//! Network commands: HTTP clients, raw sockets, ssh/scp/rsync, DNS tools, package installs.

use super::parse_opts;
use crate::walk::{Analyzer, Call, Flow};
use crate::word::{Arg, clip};
use crate::{EffectKind, UnresolvedKind};

/// The host of a URL (`https://user@host:443/x` → `host`) or of `host:path`/`user@host`.
pub(crate) fn url_host(s: &str) -> Option<String> {
    let rest = s.split_once("://").map_or(s, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next()?;
    let hostport = authority.rsplit('@').next()?;
    let host = if let Some(h) = hostport.strip_prefix('[') {
        h.split(']').next()?
    } else {
        hostport.split(':').next()?
    };
    (!host.is_empty()).then(|| host.to_lowercase())
}

/// `[user@]host:path` (scp/rsync remote syntax), not a local path with a colon after a slash.
fn remote_spec(s: &str) -> Option<String> {
    if s.contains("://") {
        return url_host(s);
    }
    let (host, _) = s.split_once(':')?;
    if host.is_empty() || host.contains('/') {
        return None;
    }
    url_host(host)
}

impl Analyzer<'_> {
    /// A file written with data fetched from `url`: running it later runs remote code.
    fn download(&mut self, f: &Arg, url: &str, call: &Call) {
        self.write(f, call);
        if f.known {
            let p = crate::paths::normalize(&self.cwd, &f.text);
            self.record_file(p, Flow::Network(url.to_string()));
        }
    }

    fn network(&mut self, host: &str, upload: bool, call: &Call) {
        self.emit(
            EffectKind::Network {
                host: host.to_string(),
                upload,
            },
            call,
        );
    }

    /// A host argument: known → Network; unknown → its substitutions already ran, and the host
    /// itself (possibly carrying data, as in DNS exfiltration) is dynamic.
    fn host_arg(&mut self, a: &Arg, upload: bool, call: &Call) {
        if a.known {
            if let Some(h) = url_host(&a.text) {
                self.network(&h, upload, call);
            }
        } else {
            self.unresolved(
                UnresolvedKind::DynamicArgument,
                format!("the host `{}` is not known before run time", clip(&a.text)),
            );
            let shown = a
                .text
                .rsplit(')')
                .next()
                .unwrap_or("")
                .trim_start_matches('.');
            let host = url_host(shown).unwrap_or_else(|| clip(&a.text));
            self.network(&host, true, call);
        }
    }

    /// Network commands; `None` when `name` is not one.
    pub(crate) fn network_command(
        &mut self,
        name: &str,
        args: &[Arg],
        call: &Call,
    ) -> Option<Flow> {
        let stdin_upload = matches!(call.stdin, Flow::File(_) | Flow::Known { .. });
        let flow = match name {
            "curl" => self.curl(args, call),
            "wget" => {
                let o = parse_opts(
                    args,
                    "OoaPeUtTwYQiBlAR",
                    &[
                        "--output-document",
                        "--output-file",
                        "--append-output",
                        "--directory-prefix",
                        "--post-data",
                        "--post-file",
                        "--header",
                        "--user-agent",
                        "--tries",
                        "--timeout",
                        "--wait",
                        "--user",
                        "--password",
                        "--body-file",
                        "--method",
                        "--body-data",
                        "--input-file",
                        "--execute",
                    ],
                    false,
                );
                let mut upload = o.has(&["--post-data", "--body-data"]);
                for f in o.values(&["--post-file", "--body-file"]) {
                    let f = f.clone();
                    self.read(&f, call);
                    upload = true;
                }
                for f in o.values(&["-i", "--input-file"]) {
                    let f = f.clone();
                    self.read(&f, call);
                }
                let out = o.value(&["-O", "--output-document"]).cloned();
                let mut flow = Flow::Unknown;
                for u in &o.operands {
                    self.host_arg(u, upload, call);
                    match &out {
                        Some(f) if f.text == "-" => flow = Flow::Network(u.text.clone()),
                        Some(_) => {}
                        None => {
                            let dir = o
                                .value(&["-P", "--directory-prefix"])
                                .map_or(".".to_string(), |d| d.text.clone());
                            let base = u
                                .text
                                .split(['?', '#'])
                                .next()
                                .unwrap_or("")
                                .rsplit('/')
                                .next()
                                .unwrap_or("");
                            let base = if base.is_empty()
                                || !u.text.contains("://")
                                || u.text.split("://").nth(1).is_some_and(|r| !r.contains('/'))
                            {
                                "index.html"
                            } else {
                                base
                            };
                            self.download(&Arg::lit(format!("{dir}/{base}")), &u.text, call);
                        }
                    }
                }
                if let Some(f) = out.filter(|f| f.text != "-") {
                    match o.operands.first() {
                        Some(u) => {
                            let u = u.text.clone();
                            self.download(&f, &u, call);
                        }
                        None => self.write(&f, call),
                    }
                }
                flow
            }
            "nc" | "ncat" | "netcat" | "telnet" | "socat" => {
                let o = parse_opts(
                    args,
                    "pswiqXxeIOWTc",
                    &["--exec", "--sh-exec", "--proxy", "--source", "--wait"],
                    false,
                );
                if name == "socat" {
                    for a in &o.operands {
                        let t = a.text.to_lowercase();
                        if let Some(rest) = t
                            .strip_prefix("exec:")
                            .or_else(|| t.strip_prefix("system:"))
                        {
                            let code = Arg::lit(
                                a.text
                                    .get(a.text.len() - rest.len()..)
                                    .unwrap_or(rest)
                                    .split(',')
                                    .next()
                                    .unwrap_or(""),
                            );
                            self.shell_string(&code, "socat", call);
                        } else if let Some(rest) = t.split_once(':').map(|(_, r)| r)
                            && (t.starts_with("tcp")
                                || t.starts_with("udp")
                                || t.starts_with("openssl")
                                || t.starts_with("ssl"))
                            && let Some(h) = rest.split(':').next().filter(|h| !h.is_empty())
                        {
                            self.network(h, true, call);
                        }
                    }
                    return Some(Flow::Unknown);
                }
                for c in o.values(&["-e", "-c", "--exec", "--sh-exec"]) {
                    let c = c.clone();
                    self.shell_string(&c, &format!("{name} -e"), call);
                }
                if let Some(h) = o.operands.first() {
                    let h = h.clone();
                    self.host_arg(&h, stdin_upload, call);
                    Flow::Network(h.text)
                } else {
                    Flow::Unknown
                }
            }
            "ssh" | "mosh" | "autossh" => {
                let o = parse_opts(args, "bcDEeFIiJLlmOopQRSWwB", &[], true);
                let ops = o.operands.clone();
                if let Some((host, cmd)) = ops.split_first() {
                    self.host_arg(host, stdin_upload, call);
                    if !cmd.is_empty() {
                        self.run_string(&format!("ssh {}", clip(&host.text)), cmd, call);
                    }
                    return Some(Flow::Network(host.text.clone()));
                }
                Flow::Unknown
            }
            "sftp" | "ftp" => {
                let o = parse_opts(args, "BbcDFiJloPRSs", &[], false);
                if let Some(h) = o.operands.first() {
                    let h = h.clone();
                    self.host_arg(&h, true, call);
                }
                Flow::Unknown
            }
            "scp" | "rsync" => self.copy_remote(name, args, call),
            "ping" | "ping6" | "traceroute" | "tracepath" | "mtr" | "dig" | "nslookup" | "host"
            | "whois" | "drill" => {
                let o = parse_opts(args, "cIiswWtlMpQSTFmNqbkxyfaPz", &[], false);
                for h in &o.operands {
                    let h = Arg {
                        text: h.text.trim_start_matches('@').to_string(),
                        ..h.clone()
                    };
                    if h.known
                        && (h.text.is_empty()
                            || matches!(
                                h.text.to_uppercase().as_str(),
                                "A" | "AAAA"
                                    | "MX"
                                    | "TXT"
                                    | "NS"
                                    | "ANY"
                                    | "CNAME"
                                    | "SOA"
                                    | "PTR"
                                    | "SRV"
                                    | "IN"
                            ))
                    {
                        continue;
                    }
                    self.host_arg(&h, false, call);
                }
                Flow::Unknown
            }
            "pip" | "pip3" | "uv" | "pipx" if args.iter().any(|a| a.text == "install") => {
                self.network("pypi.org", false, call);
                Flow::Unknown
            }
            "npm" | "pnpm" | "yarn" | "bun"
                if matches!(
                    args.first().map(|a| a.text.as_str()),
                    Some("install" | "i" | "add" | "ci")
                ) =>
            {
                self.network("registry.npmjs.org", false, call);
                Flow::Unknown
            }
            "cargo" if args.first().is_some_and(|a| a.text == "install") => {
                self.network("crates.io", false, call);
                Flow::Unknown
            }
            _ => return None,
        };
        Some(flow)
    }

    fn curl(&mut self, args: &[Arg], call: &Call) -> Flow {
        let o = parse_opts(
            args,
            "dFoTHuXAebcKmrxwEUyYzCQt",
            &[
                "--data",
                "--data-binary",
                "--data-raw",
                "--data-ascii",
                "--data-urlencode",
                "--form",
                "--form-string",
                "--output",
                "--upload-file",
                "--header",
                "--user",
                "--request",
                "--user-agent",
                "--referer",
                "--cookie",
                "--cookie-jar",
                "--config",
                "--max-time",
                "--connect-timeout",
                "--range",
                "--proxy",
                "--write-out",
                "--cert",
                "--key",
                "--cacert",
                "--proxy-user",
                "--retry",
                "--retry-delay",
                "--resolve",
                "--url",
                "--json",
                "--output-dir",
                "--telnet-option",
                "--quote",
                "--interface",
            ],
            false,
        );
        let mut upload = false;
        for v in o.values(&[
            "-d",
            "--data",
            "--data-binary",
            "--data-ascii",
            "--data-urlencode",
            "--json",
            "-F",
            "--form",
        ]) {
            upload = true;
            let t = v.text.as_str();
            let file = t
                .split_once("=@")
                .or_else(|| t.split_once("=<"))
                .map(|(_, f)| f)
                .or_else(|| t.strip_prefix('@'))
                .or_else(|| t.strip_prefix('<'));
            if let Some(f) = file.map(|f| f.split(';').next().unwrap_or(f))
                && f != "-"
            {
                let mut a = v.clone();
                a.text = f.to_string();
                a.known_prefix = a.text.clone();
                self.read(&a, call);
            }
        }
        for v in o.values(&["--data-raw", "--form-string"]) {
            let _ = v;
            upload = true;
        }
        for f in o.values(&["-T", "--upload-file"]) {
            upload = true;
            if f.text != "-" {
                let f = f.clone();
                self.read(&f, call);
            }
        }
        for f in o.values(&["-K", "--config"]) {
            let f = f.clone();
            self.read(&f, call);
        }
        let mut urls: Vec<Arg> = o.operands.clone();
        urls.extend(o.values(&["--url"]).into_iter().cloned());
        for u in &urls {
            self.host_arg(u, upload, call);
        }
        let mut to_stdout = true;
        let outs: Vec<Arg> = o.values(&["-o", "--output"]).into_iter().cloned().collect();
        for (k, f) in outs.iter().enumerate() {
            if f.text != "-" {
                to_stdout = false;
                match urls.get(k).or(urls.first()) {
                    Some(u) => {
                        let u = u.text.clone();
                        self.download(f, &u, call);
                    }
                    None => self.write(f, call),
                }
            }
        }
        if o.has(&["-O", "--remote-name", "--remote-name-all"]) {
            to_stdout = false;
            for u in &urls {
                let base = u
                    .text
                    .split(['?', '#'])
                    .next()
                    .unwrap_or("")
                    .rsplit('/')
                    .next()
                    .unwrap_or("");
                if !base.is_empty() {
                    self.download(&Arg::lit(base), &u.text, call);
                }
            }
        }
        match urls.first() {
            Some(u) if to_stdout => Flow::Network(u.text.clone()),
            _ => Flow::Unknown,
        }
    }

    /// scp and rsync: local sources are read, the destination written; remote sides are network.
    fn copy_remote(&mut self, name: &str, args: &[Arg], call: &Call) -> Flow {
        let o = if name == "scp" {
            parse_opts(args, "cFiJloPSD", &[], false)
        } else {
            parse_opts(
                args,
                "eBfT",
                &[
                    "--rsh",
                    "--exclude",
                    "--include",
                    "--exclude-from",
                    "--include-from",
                    "--files-from",
                    "--filter",
                    "--partial-dir",
                    "--temp-dir",
                    "--compare-dest",
                    "--link-dest",
                    "--backup-dir",
                    "--chmod",
                    "--chown",
                    "--rsync-path",
                    "--log-file",
                    "--password-file",
                    "--timeout",
                    "--bwlimit",
                    "--max-size",
                    "--min-size",
                ],
                false,
            )
        };
        let Some((dst, srcs)) = o.operands.split_last() else {
            return Flow::Unknown;
        };
        let dst_remote = remote_spec(&dst.text);
        for s in srcs {
            match remote_spec(&s.text) {
                Some(h) => self.network(&h, false, call),
                None => self.read(s, call),
            }
        }
        match dst_remote {
            Some(h) => {
                let upload = srcs.iter().any(|s| remote_spec(&s.text).is_none());
                self.network(&h, upload, call);
            }
            None => {
                self.write(dst, call);
                if name == "rsync"
                    && o.flags
                        .iter()
                        .any(|(f, _)| f.starts_with("--delete") || f == "--remove-source-files")
                {
                    if o.has(&["--remove-source-files"]) {
                        for s in srcs {
                            self.delete(s, false, call);
                        }
                    }
                    if o.flags.iter().any(|(f, _)| f.starts_with("--delete")) {
                        let dst = dst.clone();
                        self.delete(&dst, true, call);
                    }
                }
            }
        }
        Flow::Unknown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        assert_eq!(
            url_host("https://u@x.example:8443/a?b").as_deref(),
            Some("x.example")
        );
        assert_eq!(url_host("x.example").as_deref(), Some("x.example"));
        assert_eq!(remote_spec("me@host:/p").as_deref(), Some("host"));
        assert_eq!(remote_spec("./a:b"), None);
    }
}
