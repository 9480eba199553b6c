//! File commands: deleters, writers, copiers, readers, archivers, decoders, disk tools.

use super::parse_opts;
use crate::walk::{Analyzer, Call, Flow};
use crate::word::Arg;

/// grep's long options that take a value (egrep and fgrep are grep -E and grep -F).
const GREP_LONG_WITH_VALUE: &[&str] = &[
    "--regexp",
    "--file",
    "--max-count",
    "--context",
    "--after-context",
    "--before-context",
    "--include",
    "--exclude",
    "--exclude-dir",
    "--exclude-from",
    "--label",
    "--devices",
    "--directories",
    "--binary-files",
    "--color",
    "--colour",
];

/// Readers: (name, short options taking a value, long options taking a value, first operand is
/// a program/pattern/filter rather than a file).
const READERS: &[(&str, &str, &[&str], bool)] = &[
    ("cat", "", &[], false),
    ("tac", "s", &["--separator"], false),
    ("less", "bhjkoOpPtTxyz", &[], false),
    ("more", "n", &[], false),
    ("head", "nc", &["--lines", "--bytes"], false),
    (
        "tail",
        "ncs",
        &[
            "--lines",
            "--bytes",
            "--pid",
            "--sleep-interval",
            "--max-unchanged-stats",
        ],
        false,
    ),
    ("nl", "bdfhilnsvw", &[], false),
    ("od", "AjNStw", &[], false),
    ("xxd", "cglos", &[], false),
    ("hexdump", "ensf", &[], false),
    (
        "strings",
        "ntTe",
        &["--bytes", "--radix", "--encoding"],
        false,
    ),
    ("base64", "w", &["--wrap"], false),
    ("base32", "w", &["--wrap"], false),
    (
        "sort",
        "kotSTy",
        &[
            "--key",
            "--output",
            "--field-separator",
            "--buffer-size",
            "--temporary-directory",
            "--parallel",
        ],
        false,
    ),
    (
        "uniq",
        "fsw",
        &["--skip-fields", "--skip-chars", "--check-chars"],
        false,
    ),
    (
        "cut",
        "bcdf",
        &[
            "--bytes",
            "--characters",
            "--delimiter",
            "--fields",
            "--output-delimiter",
        ],
        false,
    ),
    ("wc", "", &[], false),
    (
        "diff",
        "CUIxXFSL",
        &[
            "--label",
            "--ignore-matching-lines",
            "--exclude",
            "--exclude-from",
            "--context",
            "--unified",
        ],
        false,
    ),
    ("cmp", "inI", &["--ignore-initial", "--bytes"], false),
    (
        "file",
        "mfFeP",
        &["--magic-file", "--files-from", "--separator"],
        false,
    ),
    ("stat", "cf", &["--format", "--printf"], false),
    ("md5sum", "", &[], false),
    ("sha1sum", "", &[], false),
    ("sha224sum", "", &[], false),
    ("sha256sum", "", &[], false),
    ("sha384sum", "", &[], false),
    ("sha512sum", "", &[], false),
    ("b2sum", "l", &[], false),
    ("cksum", "a", &[], false),
    ("shasum", "a", &["--algorithm"], false),
    ("vim", "cSuUTirwWos", &["--cmd"], false),
    ("vi", "cSuUTirwWos", &["--cmd"], false),
    ("nvim", "cSuUirwWos", &["--cmd"], false),
    ("view", "c", &[], false),
    ("nano", "YoQTr", &[], false),
    ("emacs", "l", &[], false),
    (
        "code",
        "",
        &["--user-data-dir", "--extensions-dir", "--profile"],
        false,
    ),
    (
        "bat",
        "lmHrp",
        &["--language", "--theme", "--style", "--line-range"],
        false,
    ),
    (
        "iconv",
        "ft",
        &["--from-code", "--to-code", "--output"],
        false,
    ),
    ("column", "cstoRNOHW", &[], false),
    ("fold", "w", &["--width"], false),
    ("paste", "d", &["--delimiters"], false),
    ("comm", "", &["--output-delimiter"], false),
    ("join", "aejotv12", &[], false),
    ("expand", "t", &[], false),
    ("tr", "", &[], false),
    ("rev", "", &[], false),
    (
        "jq",
        "f",
        &[
            "--arg",
            "--argjson",
            "--slurpfile",
            "--rawfile",
            "--indent",
            "--from-file",
            "--tab",
        ],
        true,
    ),
    (
        "yq",
        "fIop",
        &[
            "--arg",
            "--indent",
            "--output-format",
            "--input-format",
            "--front-matter",
        ],
        true,
    ),
    ("grep", "efmABCdD", GREP_LONG_WITH_VALUE, true),
    ("egrep", "efmABCdD", GREP_LONG_WITH_VALUE, true),
    ("fgrep", "efmABCdD", GREP_LONG_WITH_VALUE, true),
    ("zgrep", "efmABC", &["--regexp", "--file"], true),
    (
        "rg",
        "efgtTmABCMjE",
        &[
            "--regexp",
            "--file",
            "--glob",
            "--iglob",
            "--type",
            "--type-not",
            "--max-count",
            "--after-context",
            "--before-context",
            "--context",
            "--max-columns",
            "--threads",
            "--encoding",
            "--replace",
            "--max-depth",
            "--sort",
            "--sortr",
            "--type-add",
            "--pre",
            "--max-filesize",
            "--colors",
            "--color",
        ],
        true,
    ),
    ("ag", "GgAB", &[], true),
    (
        "sed",
        "eflsE",
        &["--expression", "--file", "--line-length"],
        true,
    ),
    ("gunzip", "S", &["--suffix"], false),
    ("zcat", "", &[], false),
    ("bzcat", "", &[], false),
    ("xzcat", "", &[], false),
    ("uudecode", "o", &["--output-file"], false),
];

impl Analyzer<'_> {
    /// File commands; `None` when `name` is not one.
    pub(crate) fn file_command(&mut self, name: &str, args: &[Arg], call: &Call) -> Option<Flow> {
        let flow = match name {
            "rm" => {
                let o = parse_opts(args, "", &[], false);
                let recursive = o.has(&["-r", "-R", "--recursive"]);
                for f in &o.operands {
                    self.delete(f, recursive, call);
                }
                Flow::Unknown
            }
            "rmdir" | "unlink" => {
                for f in parse_opts(args, "", &[], false).operands {
                    self.delete(&f, false, call);
                }
                Flow::Unknown
            }
            "shred" => {
                let o = parse_opts(
                    args,
                    "ns",
                    &["--iterations", "--size", "--random-source", "--remove"],
                    false,
                );
                for f in &o.operands {
                    let dev = f.text.starts_with("/dev/");
                    self.delete(f, dev, call);
                }
                Flow::Unknown
            }
            "truncate" | "touch" | "mkdir" | "fallocate" | "mkfifo" | "mknod" => {
                let o = parse_opts(
                    args,
                    "srdtmlo",
                    &[
                        "--size",
                        "--reference",
                        "--date",
                        "--mode",
                        "--length",
                        "--offset",
                    ],
                    false,
                );
                for f in &o.operands {
                    self.write(f, call);
                }
                Flow::Unknown
            }
            "chmod" | "chown" | "chgrp" | "chattr" | "setfacl" => {
                let o = parse_opts(args, "", &["--reference", "--from"], false);
                let skip = usize::from(!o.flags.iter().any(|(f, _)| f == "--reference"));
                // chmod's mode may look like an option (`-x`): count it back as the first operand.
                let mode_as_flag = name == "chmod" && o.operands.len() == 1;
                for f in o.operands.iter().skip(if mode_as_flag { 0 } else { skip }) {
                    self.write(f, call);
                }
                Flow::Unknown
            }
            "mv" | "cp" | "ln" | "install" | "rsync_local" => {
                let o = parse_opts(
                    args,
                    "tSmogb",
                    &[
                        "--target-directory",
                        "--suffix",
                        "--mode",
                        "--owner",
                        "--group",
                        "--backup",
                    ],
                    false,
                );
                if name == "install" && o.has(&["-d", "--directory"]) {
                    for f in &o.operands {
                        self.write(f, call);
                    }
                    return Some(Flow::Unknown);
                }
                let (srcs, dst): (Vec<Arg>, Option<Arg>) =
                    match o.value(&["-t", "--target-directory"]) {
                        Some(t) => (o.operands.clone(), Some(t.clone())),
                        None => match o.operands.split_last() {
                            Some((d, s)) if !s.is_empty() => (s.to_vec(), Some(d.clone())),
                            Some((d, _)) if name == "ln" => (vec![d.clone()], Some(Arg::lit("."))),
                            _ => (o.operands.clone(), None),
                        },
                    };
                for s in &srcs {
                    if name != "ln" {
                        self.read(s, call);
                    }
                    if name == "mv" {
                        let recursive = self.paths_of(s, "move").iter().any(|p| p.is_dir());
                        self.delete(s, recursive, call);
                    }
                }
                if let Some(d) = dst {
                    self.write(&d, call);
                }
                Flow::Unknown
            }
            "dd" => {
                for a in args {
                    if let Some(v) = a.text.strip_prefix("if=") {
                        let mut f = a.clone();
                        f.text = v.to_string();
                        f.known_prefix = f.known_prefix.trim_start_matches("if=").to_string();
                        self.read(&f, call);
                    } else if let Some(v) = a.text.strip_prefix("of=") {
                        let mut f = a.clone();
                        f.text = v.to_string();
                        f.known_prefix = f.known_prefix.trim_start_matches("of=").to_string();
                        if v.starts_with("/dev/")
                            && !crate::walk::is_null_device(std::path::Path::new(v))
                        {
                            self.delete(&f, true, call);
                        }
                        self.write(&f, call);
                    }
                }
                Flow::Unknown
            }
            "tar" | "bsdtar" => self.tar(args, call),
            "mkfs" | "mke2fs" | "mkswap" | "wipefs" | "sgdisk" | "sfdisk" | "blkdiscard"
            | "fdisk" | "gdisk" | "parted" | "mkdosfs" | "mkntfs" | "zpool" | "pvcreate" => {
                // Formatting or repartitioning a device destroys what is on it.
                let listing = args.iter().any(|a| {
                    matches!(
                        a.text.as_str(),
                        "-l" | "--list" | "print" | "-p" | "--print"
                    )
                });
                for f in args
                    .iter()
                    .filter(|a| a.text.starts_with("/dev/") && !listing)
                {
                    self.delete(f, true, call);
                    self.write(f, call);
                }
                Flow::Unknown
            }
            n if n.starts_with("mkfs.") => {
                for f in args.iter().filter(|a| a.text.starts_with("/dev/")) {
                    self.delete(f, true, call);
                    self.write(f, call);
                }
                Flow::Unknown
            }
            "yq" if args.iter().any(|a| {
                a.known
                    && (a.text == "--inplace"
                        || (a.text.starts_with('-')
                            && !a.text.starts_with("--")
                            && a.text.contains('i')))
            }) =>
            {
                let o = parse_opts(
                    args,
                    "Iop",
                    &[
                        "--arg",
                        "--indent",
                        "--output-format",
                        "--input-format",
                        "--front-matter",
                    ],
                    false,
                );
                let from_file = o.has(&["--from-file"]);
                for f in o.operands.iter().skip(usize::from(!from_file)) {
                    self.read(f, call);
                    self.write(f, call);
                }
                Flow::Unknown
            }
            "prettier" | "eslint" | "biome" | "black" | "ruff" | "rustfmt" | "gofmt"
                if args
                    .iter()
                    .any(|a| matches!(a.text.as_str(), "--write" | "-w" | "--fix" | "--apply"))
                    || matches!(name, "black" | "rustfmt") =>
            {
                for f in args.iter().filter(|a| {
                    !a.text.starts_with('-') && !matches!(a.text.as_str(), "format" | "check")
                }) {
                    self.write(f, call);
                }
                Flow::Unknown
            }
            "unzip" => {
                let o = parse_opts(args, "dxP", &[], false);
                if let Some(z) = o.operands.first() {
                    self.read(z, call);
                }
                if !o.has(&["-l", "-t", "-p", "-Z"]) {
                    let dst = o.value(&["-d"]).cloned().unwrap_or_else(|| Arg::lit("."));
                    self.write(&dst, call);
                }
                Flow::Unknown
            }
            "zip" | "7z" | "7za" => {
                let o = parse_opts(args, "", &[], false);
                let ops = if name == "zip" {
                    o.operands.as_slice()
                } else {
                    o.operands.get(1..).unwrap_or_default()
                };
                if let Some((archive, files)) = ops.split_first() {
                    self.write(archive, call);
                    for f in files {
                        self.read(f, call);
                    }
                }
                Flow::Unknown
            }
            n if n.starts_with("mkfs")
                || matches!(
                    n,
                    "wipefs"
                        | "fdisk"
                        | "sfdisk"
                        | "parted"
                        | "gdisk"
                        | "sgdisk"
                        | "blkdiscard"
                        | "mkswap"
                ) =>
            {
                let o = parse_opts(args, "tLbcCNOs", &[], false);
                for f in o
                    .operands
                    .iter()
                    .filter(|f| f.text.starts_with('/') || !f.known)
                {
                    self.delete(f, true, call);
                }
                Flow::Unknown
            }
            "sed"
                if args.iter().any(|a| {
                    a.known
                        && (a.text.starts_with("-i")
                            || a.text.starts_with("--in-place")
                            || (a.text.starts_with('-')
                                && !a.text.starts_with("--")
                                && a.text.contains('i')
                                && !a.text.contains('e')))
                }) =>
            {
                let o = parse_opts(
                    args,
                    "eflsE",
                    &["--expression", "--file", "--line-length"],
                    false,
                );
                let scripted = o.has(&["-e", "--expression", "-f", "--file"]);
                for f in o.operands.iter().skip(usize::from(!scripted)) {
                    self.read(f, call);
                    self.write(f, call);
                }
                Flow::Unknown
            }
            _ => return self.reader(name, args, call),
        };
        Some(flow)
    }

    fn reader(&mut self, name: &str, args: &[Arg], call: &Call) -> Option<Flow> {
        let &(_, short, long, program_first) = READERS.iter().find(|(n, ..)| *n == name)?;
        let o = parse_opts(args, short, long, false);
        let explicit = o.has(&[
            "-e",
            "--regexp",
            "-f",
            "--file",
            "--expression",
            "--from-file",
        ]);
        let pattern_files = matches!(
            name,
            "grep" | "egrep" | "fgrep" | "zgrep" | "rg" | "sed" | "jq" | "yq"
        );
        for f in o
            .values(&["-f", "--file", "--from-file"])
            .into_iter()
            .filter(|_| pattern_files)
        {
            if f.text != "-" {
                let f = f.clone();
                self.read(&f, call);
            }
        }
        let files: Vec<Arg> = o
            .operands
            .iter()
            .skip(usize::from(program_first && !explicit))
            .cloned()
            .collect();
        if let Some(out) = o
            .value(&["-o", "--output"])
            .filter(|_| name == "sort")
            .cloned()
        {
            self.write(&out, call);
        }
        if name == "uniq" && files.len() == 2 {
            if let Some(f) = files.first() {
                self.read(f, call);
            }
            if let Some(f) = files.get(1) {
                self.write(f, call);
            }
            return Some(Flow::Unknown);
        }
        for f in &files {
            if f.text != "-" {
                self.read(f, call);
            }
        }
        let decode = o.has(&["-d", "--decode", "-D"]);
        Some(match name {
            "base64" | "base32" if decode => match (&call.stdin, files.is_empty(), name) {
                (Flow::Known { text, .. }, true, "base64") => match base64_decode(text) {
                    Some(t) => Flow::Known {
                        text: t,
                        decoded: true,
                    },
                    None => Flow::Decoded,
                },
                _ => Flow::Decoded,
            },
            "xxd" if o.has(&["-r", "-revert"]) => Flow::Decoded,
            "rev" => match (&call.stdin, files.is_empty()) {
                (Flow::Known { text, .. }, true) => Flow::Known {
                    text: text
                        .lines()
                        .map(|l| l.chars().rev().collect::<String>())
                        .collect::<Vec<_>>()
                        .join("\n")
                        + "\n",
                    decoded: true,
                },
                _ => Flow::Decoded,
            },
            "tr" | "gunzip" | "zcat" | "bzcat" | "xzcat" | "uudecode" => Flow::Decoded,
            "cat" => match files.as_slice() {
                [] => call.stdin.clone(),
                [f] if f.text == "-" => call.stdin.clone(),
                [f] => self.file_flow(f),
                _ => Flow::Unknown,
            },
            // Filters keep the network taint of what they pass on.
            _ if files.is_empty() => match &call.stdin {
                Flow::Network(u) => Flow::Network(u.clone()),
                Flow::Decoded | Flow::Known { decoded: true, .. } => Flow::Decoded,
                _ => Flow::Unknown,
            },
            _ => Flow::Unknown,
        })
    }

    /// `tar` in its bundled (`tar xzf a.tgz`), short and long option forms.
    fn tar(&mut self, args: &[Arg], call: &Call) -> Flow {
        let mut args: Vec<Arg> = args.to_vec();
        // Old-style bundled first argument: `tar xzf file` == `tar -x -z -f file`.
        if let Some(first) = args.first_mut()
            && first.known
            && !first.text.starts_with('-')
            && first.text.chars().all(|c| c.is_ascii_alphabetic())
        {
            first.text = format!("-{}", first.text);
        }
        let o = parse_opts(
            &args,
            "fCTXgKNV",
            &[
                "--file",
                "--directory",
                "--files-from",
                "--exclude-from",
                "--exclude",
                "--transform",
                "--use-compress-program",
            ],
            false,
        );
        let archive = o.value(&["-f", "--file"]).cloned();
        if o.has(&["-x", "--extract", "--get"]) {
            if let Some(a) = &archive
                && a.text != "-"
            {
                self.read(a, call);
            }
            let dst = o
                .value(&["-C", "--directory"])
                .cloned()
                .unwrap_or_else(|| Arg::lit("."));
            self.write(&dst, call);
        } else if o.has(&["-c", "--create", "-r", "--append", "-u", "--update"]) {
            if let Some(a) = &archive
                && a.text != "-"
            {
                self.write(a, call);
            }
            let dir = o.value(&["-C", "--directory"]).cloned();
            let saved = self.cwd.clone();
            if let Some(d) = dir.filter(|d| d.known) {
                self.cwd = crate::paths::normalize(&self.cwd, &d.text);
            }
            for f in &o.operands {
                self.read(f, call);
            }
            self.cwd = saved;
        } else if let Some(a) = &archive
            && a.text != "-"
        {
            self.read(a, call);
        }
        Flow::Unknown
    }
}

/// Standard and URL-safe base64, padding optional, whitespace ignored.
pub(crate) fn base64_decode(s: &str) -> Option<String> {
    let mut bits: u32 = 0;
    let mut nbits = 0u32;
    let mut out = Vec::new();
    for c in s.chars() {
        let v = match c {
            'A'..='Z' => c as u32 - 'A' as u32,
            'a'..='z' => c as u32 - 'a' as u32 + 26,
            '0'..='9' => c as u32 - '0' as u32 + 52,
            '+' | '-' => 62,
            '/' | '_' => 63,
            '=' => break,
            c if c.is_whitespace() => continue,
            _ => return None,
        };
        bits = (bits << 6) | v;
        nbits += 6;
        if nbits >= 8 {
            nbits -= 8;
            out.push(((bits >> nbits) & 0xff) as u8);
        }
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn b64() {
        assert_eq!(base64_decode("cm0gLXJmIC8=").as_deref(), Some("rm -rf /"));
        assert_eq!(base64_decode("aGVsbG8").as_deref(), Some("hello"));
        assert_eq!(base64_decode("!!"), None);
    }
}
