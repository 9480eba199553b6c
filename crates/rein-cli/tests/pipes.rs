//! rein in a pipeline whose reader goes away early (`rein log --json | head -n1`): every reader,
//! in every output format, must stop quietly, never panic (exit 101, "panicked at" on stderr),
//! and keep the exit status that is its verdict (`scan`, `audit verify`, `policy check
//! --exit-code`, `policy test`, `policy lint`).

mod common;

use std::io::Read;
use std::process::{Command, Stdio};

use common::TestEnv;
use serde_json::json;

/// How many times each reader runs into a pipe closed after its first byte: whether the close
/// lands before or after a write is a race, so one run proves little.
const RUNS_AFTER_FIRST_BYTE: usize = 20;

/// A repository with a recorded session (large enough that `show`, `diff`, `blame` and the
/// audit export overflow a pipe's 64 KiB buffer), an undone rewind, a task and a cases file.
fn recorded() -> TestEnv {
    let env = TestEnv::new();
    env.write("README.md", "# Demo\n");
    let (_, stderr, code) = env.rein(&["init"]);
    assert_eq!((code, stderr.as_str()), (0, ""), "rein init");
    let s = "sess-pipes";
    env.hook_ok(&env.session_start(s));
    env.hook_ok(&env.prompt(s, "p-1", "write a big file"));
    let big: String = (0..3000)
        .map(|i| format!("line {i} of a file big enough to fill a pipe\n"))
        .collect();
    env.write_step(s, "toolu_1", "big.txt", &big);
    env.bash_step(s, "toolu_2", "echo hi > a.txt", || {
        env.write("a.txt", "hi\n")
    });
    env.edit_step(s, "toolu_3", "big.txt", "line 7 of", "line seven of");
    env.hook_ok(&env.stop(s));
    let (_, stderr, code) = env.rein(&["rewind", "2"]);
    assert_eq!(code, 0, "rewind: {stderr}");
    let (_, stderr, code) = env.rein(&["undo"]);
    assert_eq!(code, 0, "undo: {stderr}");
    let (_, stderr, code) = env.rein(&["task", "start", "pipes", "--scope", "src/**"]);
    assert_eq!(code, 0, "task start: {stderr}");
    env.write(
        "cases.toml",
        "[[case]]\nid = \"wrong\"\ncommand = \"ls\"\nexpect = \"deny\"\n",
    );
    let (out, stderr, code) = env.rein(&["audit", "export"]);
    assert_eq!(code, 0, "audit export: {stderr}");
    std::fs::write(env.root.join("export.jsonl"), out).expect("write export");
    // Something for `scan` to find in every format.
    env.write(
        ".mcp.json",
        &json!({"mcpServers": {"x": {"command": "npx", "args": ["some-server"]}}}).to_string(),
    );
    env
}

/// Every reader, in every output format, and whether its exit status is a verdict that a
/// closed pipe must not change (the others may end with 0 instead).
fn readers(env: &TestEnv) -> Vec<(Vec<String>, bool)> {
    let export = env.root.join("export.jsonl").display().to_string();
    let cases: &[(&[&str], bool)] = &[
        (&["log"], false),
        (&["log", "--json"], false),
        (&["log", "--all", "--json"], false),
        (&["show", "1"], false),
        (&["show", "1", "--json"], false),
        (&["show", "3", "--json"], false),
        (&["diff", "p1"], false),
        (&["diff", "1", "--stat"], false),
        (&["blame", "big.txt"], false),
        (&["blame", "big.txt", "--json"], false),
        (&["doctor"], true),
        (&["doctor", "--json"], true),
        (&["doctor", "--failures"], false),
        (&["policy", "rules"], false),
        (&["policy", "rules", "--json"], false),
        (&["policy", "check", "--command", "rm -rf ~"], false),
        (
            &["policy", "check", "--command", "rm -rf ~", "--json"],
            false,
        ),
        (
            &["policy", "check", "--command", "rm -rf ~", "--exit-code"],
            true,
        ),
        (
            &[
                "policy",
                "check",
                "--tool",
                "Read",
                "--path",
                ".env",
                "--json",
                "--exit-code",
            ],
            true,
        ),
        (&["policy", "lint"], true),
        (&["policy", "lint", "--json"], true),
        (&["policy", "test", "cases.toml"], true),
        (&["policy", "test", "cases.toml", "--json"], true),
        (&["audit", "export"], false),
        (&["audit", "export", "-o", "-"], false),
        (&["audit", "verify"], true),
        (&["audit", "verify", "--json"], true),
        (&["audit", "verify", "--file", &export], true),
        (&["op", "log"], false),
        (&["op", "log", "--json"], false),
        (&["op", "show", "1"], false),
        (&["op", "show", "1", "--json"], false),
        (&["task", "show"], false),
        (&["task", "show", "--json"], false),
        (&["task", "list"], false),
        (&["task", "list", "--json"], false),
        (&["scan"], true),
        (&["scan", "--json"], true),
        (&["scan", "--format", "json"], true),
        (&["scan", "--format", "sarif"], true),
        (&["scan", "--format", "cyclonedx"], true),
        (&["scan", "--format", "markdown"], true),
        (&["scan", "--fail-on", "approval", "-o", "-"], true),
        (&["completions", "bash"], false),
        (&["completions", "zsh"], false),
        (&["completions", "fish"], false),
        (&["completions", "powershell"], false),
        (&["completions", "elvish"], false),
        (&["man"], false),
        (&["--help"], false),
        (&["--version"], false),
        (&["policy", "check", "--help"], false),
        (&["log", "-h"], false),
        // A usage error prints on stderr; stdout is closed all the same.
        (&["log", "--no-such-option"], true),
    ];
    cases
        .iter()
        .map(|(args, verdict)| (args.iter().map(|a| (*a).to_owned()).collect(), *verdict))
        .collect()
}

/// What a run in a closed pipe did.
struct Outcome {
    /// None: killed by a signal.
    code: Option<i32>,
    stderr: String,
}

fn rein(env: &TestEnv, args: &[String]) -> Command {
    let mut cmd = env.command(common::rein_bin());
    cmd.args(args).stdin(Stdio::null()).stderr(Stdio::piped());
    cmd
}

fn finish(child: std::process::Child) -> Outcome {
    let out = child.wait_with_output().expect("waiting for rein");
    Outcome {
        code: out.status.code(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs with stdout a pipe whose read end is already closed: the very first write fails.
fn run_into_closed_pipe(env: &TestEnv, args: &[String]) -> Outcome {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let child = rein(env, args)
        .stdout(writer)
        .spawn()
        .expect("spawning rein");
    finish(child)
}

/// Runs with stdout a pipe that is closed as soon as one byte has been read (`| head -c1`).
fn run_closed_after_first_byte(env: &TestEnv, args: &[String]) -> Outcome {
    let mut child = rein(env, args)
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawning rein");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut first = [0u8; 1];
    let _ = stdout.read(&mut first);
    drop(stdout);
    finish(child)
}

/// The exit code of a normal run, whose output is read to the end; it must print something
/// (but for a usage error), or a closed pipe would test nothing.
fn normal_code(env: &TestEnv, args: &[String]) -> i32 {
    let out = rein(env, args)
        .stdout(Stdio::piped())
        .output()
        .expect("running rein");
    let code = out.status.code().expect("exit code");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_ne!(
        code, 101,
        "rein {args:?} panicked with its output read: {stderr}"
    );
    assert!(
        !out.stdout.is_empty() || code == 2,
        "rein {args:?} printed nothing (exit {code}): {stderr}"
    );
    if std::env::var_os("REIN_TEST_SHOW_CODES").is_some() {
        eprintln!("{code} {} bytes  rein {}", out.stdout.len(), args.join(" "));
    }
    code
}

/// A closed pipe ends the command quietly: no panic, no signal, no error message, and the
/// normal exit status (or 0, for a reader whose status is not a verdict).
fn assert_quiet(args: &[String], verdict: bool, normal: i32, run: &Outcome, how: &str) {
    let what = format!("rein {} ({how})", args.join(" "));
    assert!(
        !run.stderr.contains("panicked"),
        "{what} panicked: {}",
        run.stderr
    );
    let code = run
        .code
        .unwrap_or_else(|| panic!("{what} was killed by a signal: {}", run.stderr));
    assert_ne!(code, 101, "{what} exited 101: {}", run.stderr);
    for noise in ["Broken pipe", "os error 32", "error: writing"] {
        assert!(
            !run.stderr.contains(noise),
            "{what} complained about the closed pipe: {}",
            run.stderr
        );
    }
    if verdict {
        assert_eq!(code, normal, "{what}: the exit status is a verdict, kept");
    } else {
        assert!(
            code == normal || code == 0,
            "{what} exited {code}, normally {normal}: {}",
            run.stderr
        );
    }
}

/// A refused rewind exits 1 ("nothing was changed") after printing why; a reader that went away
/// must not turn that into 0, or a script would take the refusal for success.
#[test]
fn regression_refused_rewind_into_closed_pipe_exited_0() {
    let env = recorded();
    // big.txt is edited by hand after step 1 wrote it: rewinding to before step 1 is refused.
    env.append("big.txt", "edited by hand\n");
    for args in [
        &["rewind", "1"][..],
        &["rewind", "1", "--json"],
        &["revert", "1"],
    ] {
        let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        let normal = normal_code(&env, &args);
        assert_eq!(normal, 1, "rein {args:?} is refused");
        for _ in 0..5 {
            assert_quiet(
                &args,
                true,
                normal,
                &run_into_closed_pipe(&env, &args),
                "closed pipe",
            );
            assert_quiet(
                &args,
                true,
                normal,
                &run_closed_after_first_byte(&env, &args),
                "closed after the first byte",
            );
        }
    }
}

/// The bug: `rein log --json | head -n1` exited 101 with "failed printing to stdout: Broken
/// pipe" about half the time (`println!` panics on a closed pipe).
#[test]
fn regression_log_json_into_closed_pipe_panicked() {
    let env = recorded();
    let args: Vec<String> = ["log", "--json"].iter().map(|a| (*a).to_owned()).collect();
    let run = run_into_closed_pipe(&env, &args);
    assert_quiet(&args, false, 0, &run, "stdout closed before the first byte");
    assert_eq!(run.code, Some(0));
    assert_eq!(run.stderr, "");
}

#[test]
fn every_reader_stops_quietly_when_stdout_is_closed_before_the_first_byte() {
    let env = recorded();
    for (args, verdict) in readers(&env) {
        let normal = normal_code(&env, &args);
        let run = run_into_closed_pipe(&env, &args);
        assert_quiet(
            &args,
            verdict,
            normal,
            &run,
            "stdout closed before the first byte",
        );
    }
}

#[test]
fn every_reader_stops_quietly_when_stdout_is_closed_after_the_first_byte() {
    let env = recorded();
    for (args, verdict) in readers(&env) {
        let normal = normal_code(&env, &args);
        for _ in 0..RUNS_AFTER_FIRST_BYTE {
            let run = run_closed_after_first_byte(&env, &args);
            assert_quiet(
                &args,
                verdict,
                normal,
                &run,
                "stdout closed after the first byte",
            );
        }
    }
}

/// `error.rs` printed with `eprintln!`, which panics when stderr is closed (`2>&-` or a log
/// collector gone): the error's exit status was lost to a 101.
#[test]
fn regression_error_into_closed_stderr_panicked() {
    let env = recorded();
    for args in [
        &["show", "999"][..],
        &["policy", "check", "--exit-code"],
        &["log", "--no-such-option"],
    ] {
        let normal = env.run(args).code;
        let (reader, writer) = std::io::pipe().expect("pipe");
        drop(reader);
        let out = env
            .command(common::rein_bin())
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(writer)
            .status()
            .expect("running rein");
        assert_eq!(out.code(), Some(normal), "rein {args:?} with stderr closed");
        assert_ne!(normal, 101);
    }
}

/// SIGPIPE stays ignored: if Claude Code stops reading the hook's stdout, `rein hook` still
/// records the event and exits 0, instead of being killed by the signal mid-record.
#[test]
fn hook_records_when_its_stdout_is_closed() {
    let env = recorded();
    let s = "sess-closed";
    for payload in [
        env.session_start(s),
        env.prompt(s, "p-2", "closed stdout"),
        env.pre(s, "toolu_9", "Bash", json!({"command": "rm -rf ~"})),
        env.post(s, "toolu_8", "Bash", json!({"command": "true"}), 1),
    ] {
        let (reader, writer) = std::io::pipe().expect("pipe");
        drop(reader);
        let mut child = env
            .command(common::rein_bin())
            .args(["hook", "claude-code"])
            .stdin(Stdio::piped())
            .stdout(writer)
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawning rein hook");
        {
            use std::io::Write;
            let mut stdin = child.stdin.take().expect("stdin");
            stdin
                .write_all(&serde_json::to_vec(&payload).expect("payload"))
                .expect("writing the payload");
        }
        let out = child.wait_with_output().expect("waiting for rein hook");
        assert_eq!(
            out.status.code(),
            Some(0),
            "hook for {} with stdout closed: {}",
            payload["hook_event_name"],
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let log = env.json(&["log", "--all", "--json"]);
    let prompts: Vec<&str> = log["sessions"]
        .as_array()
        .expect("sessions")
        .iter()
        .flat_map(|s| s["turns"].as_array().into_iter().flatten())
        .filter_map(|t| t["prompt"].as_str())
        .collect();
    assert!(prompts.contains(&"closed stdout"), "{log:#}");
    let denied = common::all_steps(&log)
        .into_iter()
        .find(|s| s["tool_use_id"] == "toolu_9")
        .expect("the denied step is recorded");
    assert_eq!(denied["outcome"], "denied", "{denied:#}");
}
