//! The conventions people expect of a command-line tool, hermetic: `-o -` is standard output,
//! `--version` names the commit, shell completions and manual pages come from the CLI
//! definition.

mod common;

use std::io::Write;
use std::process::Stdio;

use common::TestEnv;
use serde_json::{Value, json};

/// A repository with rein installed, one recorded step, and something for `scan` to find.
fn recorded() -> TestEnv {
    let env = TestEnv::new();
    env.write("README.md", "# Demo\n");
    let (_, stderr, code) = env.rein(&["init"]);
    assert_eq!((code, stderr.as_str()), (0, ""), "rein init");
    let s = "sess-conventions";
    env.hook_ok(&env.session_start(s));
    env.hook_ok(&env.prompt(s, "p-1", "write a file"));
    env.write_step(s, "toolu_1", "a.txt", "a\n");
    env.hook_ok(&env.stop(s));
    env.write(
        ".mcp.json",
        &json!({"mcpServers": {"x": {"command": "npx", "args": ["some-server"]}}}).to_string(),
    );
    env
}

/// `value` without its `duration_ms` keys, the one part of a scan report that varies by run.
fn without_durations(mut value: Value) -> Value {
    fn strip(v: &mut Value) {
        match v {
            Value::Object(map) => {
                map.remove("duration_ms");
                map.values_mut().for_each(strip);
            }
            Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(&mut value);
    value
}

#[test]
fn dash_output_is_standard_output() {
    let env = recorded();
    // `rein audit export -o -` is `rein audit export`, byte for byte.
    let plain = env.run(&["audit", "export"]);
    let dash = env.run(&["audit", "export", "-o", "-"]);
    assert_eq!((dash.code, dash.stderr.as_str()), (0, ""));
    assert!(plain.stdout.contains("\"end\":true"), "{}", plain.stdout);
    assert_eq!(dash.stdout, plain.stdout);
    let long = env.run(&["audit", "export", "--output", "-"]);
    assert_eq!(long.stdout, plain.stdout);

    // `rein scan -o -`, in every format that is not volatile, prints the report.
    let plain = env.run(&["scan", "--format", "json", "--fail-on", "never"]);
    let dash = env.run(&["scan", "--format", "json", "--fail-on", "never", "-o", "-"]);
    assert_eq!((dash.code, dash.stderr.as_str()), (0, ""));
    let parse = |s: &str| without_durations(serde_json::from_str(s).expect("scan JSON"));
    assert_eq!(parse(&dash.stdout), parse(&plain.stdout));
    assert!(
        dash.stdout.contains("mcp.unpinned-package"),
        "{}",
        dash.stdout
    );
    let sarif = env.run(&["scan", "--format", "sarif", "--fail-on", "never", "-o", "-"]);
    assert_eq!(sarif.code, 0, "{}", sarif.stderr);
    assert_eq!(
        serde_json::from_str::<Value>(&sarif.stdout).expect("SARIF")["version"],
        "2.1.0"
    );
    // Its exit status is still the verdict.
    assert_eq!(
        env.run(&["scan", "--fail-on", "approval", "-o", "-"]).code,
        1
    );

    // Nothing named `-` was written; `./-` is how to name such a file.
    assert!(!env.path("-").exists(), "a file named - was written");
    let file = env.run(&["audit", "export", "-o", "./-"]);
    assert_eq!(file.code, 0, "{}", file.stderr);
    assert_eq!(file.stdout, "");
    assert_eq!(env.read("-"), plain_export(&env));
}

fn plain_export(env: &TestEnv) -> String {
    env.run(&["audit", "export"]).stdout
}

/// And `-` as an input file is standard input: `rein audit export | rein audit verify --file -`.
#[test]
fn audit_verify_reads_an_export_from_standard_input() {
    let env = recorded();
    let export = plain_export(&env);
    let verify = |bytes: &[u8]| {
        let mut child = env
            .command(common::rein_bin())
            .args(["audit", "verify", "--file", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawning rein");
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(bytes).expect("writing the export");
        drop(stdin);
        let out = child.wait_with_output().expect("waiting for rein");
        (
            out.status.code(),
            env.filter(&String::from_utf8_lossy(&out.stdout)),
        )
    };
    let (code, out) = verify(export.as_bytes());
    assert_eq!(code, Some(0), "{out}");
    assert!(out.starts_with("audit log intact:"), "{out}");
    let tampered = export.replacen("write a file", "write another file", 1);
    assert_ne!(tampered, export, "the prompt is in the export");
    let (code, out) = verify(tampered.as_bytes());
    assert_eq!(code, Some(1), "{out}");
    assert!(out.starts_with("audit log TAMPERED"), "{out}");
}

/// `rein 0.1.0 (fe44821 2026-12-06)`, `(fe44821-dirty 2026-12-06)` or `(unknown commit)`.
#[test]
fn version_names_the_commit_it_was_built_from() {
    let env = TestEnv::new();
    let (out, stderr, code) = env.rein(&["--version"]);
    assert_eq!((code, stderr.as_str()), (0, ""));
    let line = out.trim_end();
    let rest = line
        .strip_prefix(&format!("rein {} (", env!("CARGO_PKG_VERSION")))
        .and_then(|r| r.strip_suffix(')'))
        .unwrap_or_else(|| panic!("unexpected version line: {line}"));
    if rest != "unknown commit" {
        let (commit, date) = rest.split_once(' ').expect("commit and date");
        let hash = commit.strip_suffix("-dirty").unwrap_or(commit);
        assert!(
            hash.len() >= 7 && hash.bytes().all(|c| c.is_ascii_hexdigit()),
            "{line}"
        );
        let d = date.as_bytes();
        assert!(
            d.len() == 10
                && d[4] == b'-'
                && d[7] == b'-'
                && date.bytes().filter(u8::is_ascii_digit).count() == 8,
            "{line}"
        );
    }
    assert_eq!(env.rein(&["-V"]).0, out);
}

/// The lines of a completion script that name these subcommands, as a snapshot-ready summary.
fn completion_summary(env: &TestEnv, shell: &str) -> String {
    let r = env.run(&["completions", shell]);
    assert_eq!((r.code, r.stderr.as_str()), (0, ""), "completions {shell}");
    let first = r
        .stdout
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    let mentioned: Vec<&str> = [
        "log",
        "show",
        "diff",
        "blame",
        "rewind",
        "scan",
        "policy",
        "audit",
        "completions",
        "man",
    ]
    .into_iter()
    .filter(|sub| {
        r.stdout
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .any(|word| word == *sub)
    })
    .collect();
    // A subcommand's own options are completed too.
    let knows_policy_check_exit_code = r.stdout.contains("exit-code");
    format!(
        "{shell}: first line `{first}`; mentions {}; policy check --exit-code: {knows_policy_check_exit_code}",
        mentioned.join(" ")
    )
}

#[test]
fn completions_for_every_shell() {
    let env = TestEnv::new();
    let summary: Vec<String> = ["bash", "zsh", "fish", "powershell", "elvish"]
        .iter()
        .map(|shell| completion_summary(&env, shell))
        .collect();
    insta::assert_snapshot!(summary.join("\n"), @r"
        bash: first line `_rein() {`; mentions log show diff blame rewind scan policy audit completions man; policy check --exit-code: true
        zsh: first line `#compdef rein`; mentions log show diff blame rewind scan policy audit completions man; policy check --exit-code: true
        fish: first line `# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.`; mentions log show diff blame rewind scan policy audit completions man; policy check --exit-code: true
        powershell: first line `using namespace System.Management.Automation`; mentions log show diff blame rewind scan policy audit completions man; policy check --exit-code: true
        elvish: first line `use builtin;`; mentions log show diff blame rewind scan policy audit completions man; policy check --exit-code: true
    ");
    let (_, stderr, code) = env.rein(&["completions", "tcsh"]);
    assert_eq!(code, 2, "{stderr}");
}

#[test]
fn man_page_renders() {
    let env = TestEnv::new();
    let r = env.run(&["man"]);
    assert_eq!((r.code, r.stderr.as_str()), (0, ""));
    // The title, the sections, the name line and the pages it refers to, one line each.
    let lines: Vec<&str> = r.stdout.lines().collect();
    let mut outline: Vec<String> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if line.starts_with(".TH") || line.starts_with(".SH") {
            outline.push(line.trim_end().to_owned());
        }
        if *line == ".SH NAME" {
            outline.push(format!("  {}", lines.get(i + 1).unwrap_or(&"")));
        }
    }
    let pages: Vec<&str> = lines
        .iter()
        .filter(|l| l.starts_with("rein\\-") && l.ends_with("(1)"))
        .copied()
        .collect();
    outline.push(format!("refers to: {}", pages.join(" ")));
    // The version names the commit: the one volatile part.
    let version = env.rein(&["--version"]).0;
    let version = version.trim_end().trim_start_matches("rein ");
    insta::assert_snapshot!(outline.join("\n").replace(version, "[VERSION]"), @r#"
        .TH rein 1  "rein [VERSION]"
        .SH NAME
          rein \- rein: version control, policy and audit for AI coding agents
        .SH SYNOPSIS
        .SH DESCRIPTION
        .SH OPTIONS
        .SH SUBCOMMANDS
        .SH VERSION
        refers to: rein\-init(1) rein\-hook(1) rein\-log(1) rein\-show(1) rein\-diff(1) rein\-blame(1) rein\-rewind(1) rein\-revert(1) rein\-undo(1) rein\-op(1) rein\-scan(1) rein\-doctor(1) rein\-audit(1) rein\-policy(1) rein\-task(1) rein\-completions(1) rein\-man(1)
    "#);

    // One page per command, for `man rein-log`.
    let dir = env.root.join("man1");
    let r = env.run(&["man", "--dir", &dir.display().to_string()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mut pages: Vec<String> = std::fs::read_dir(&dir)
        .expect("man dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    pages.sort();
    for page in [
        "rein.1",
        "rein-log.1",
        "rein-policy-check.1",
        "rein-audit-export.1",
    ] {
        assert!(pages.iter().any(|p| p == page), "{page} not in {pages:?}");
    }
    assert_eq!(
        env.filter(&r.stderr),
        format!("wrote {} manual pages to [TMP]/man1\n", pages.len())
    );
    let log_page = std::fs::read_to_string(dir.join("rein-log.1")).expect("rein-log.1");
    let version = env.rein(&["--version"]).0;
    assert!(
        log_page.contains(&format!(".TH rein-log 1  \"{}\"", version.trim_end())),
        "{log_page}"
    );
    assert!(log_page.contains("\\-\\-json"), "{log_page}");
}
