//! End to end for the gate, with the real Claude Code CLI driven by a scripted model on 127.0.0.1.
//!
//! The CLI runs in `bypassPermissions` mode, so nothing but rein's PreToolUse hook can stop a call.
//! In enforce mode (the default) a destructive command and two reads of a secret must be denied,
//! with the reason reaching the model, while ordinary work proceeds; in monitor mode the same kind
//! of calls must be decided and recorded but never blocked.
//!
//! The destructive command is `rm -rf "$HOME"`, where `$HOME` is the test's temporary home (the
//! harness clears the environment and sets it, and the Bash tool inherits it). A canary file in
//! that home shows the command never ran; had it run, it would only have removed a temp dir.
//! The canary alone does not prove that rein stopped it: Claude Code 2.1.197 has a check of its
//! own ("Dangerous rm operation detected"), which blocks this command even in bypass mode when no
//! hook denies it first. What proves rein's part is the tool result: it must be rein's reason.

mod support;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};
use support::claude::{ClaudeRun, claude_or_skip, run_claude};
use support::mock_model::{MockModel, Turn, tool_use_id};

/// A fake secret: looks like a key, is not one.
const SECRET: &str = "sk-test-not-a-real-key-1234567890";
const DOTENV: &str = "API_KEY=sk-test-not-a-real-key-1234567890\n";

const RULE_HOME: &str = "rein.fs.delete-root-or-home";
const RULE_DOTENV: &str = "rein.secrets.dotenv";

struct Env {
    _tmp: tempfile::TempDir,
    home: PathBuf,
    rein_home: PathBuf,
    repo: PathBuf,
    config_dir: PathBuf,
}

impl Env {
    /// A temp git repository with a `.env` holding [`SECRET`], a temp HOME with a canary outside
    /// the repository, and `rein init` done. `project_config` is written to `.rein/config.toml`
    /// first, if given.
    fn new(project_config: Option<&str>) -> Env {
        let tmp = tempfile::tempdir().expect("tempdir");
        let home = tmp.path().join("home");
        let rein_home = tmp.path().join("rein-home");
        let repo = tmp.path().join("repo");
        fs::create_dir_all(repo.join("src")).expect("mkdir");
        fs::create_dir_all(home.join("canary")).expect("mkdir");
        let home = home.canonicalize().expect("canonical");
        let repo = repo.canonicalize().expect("canonical");
        git(&repo, &["init", "-q"]);
        fs::write(repo.join("README.md"), "# demo\n").expect("write");
        fs::write(repo.join("src/lib.txt"), "library\n").expect("write");
        fs::write(repo.join(".env"), DOTENV).expect("write");
        fs::write(repo.join(".gitignore"), ".env\n").expect("write");
        fs::write(home.join("canary/keep.txt"), "still here\n").expect("write");
        if let Some(config) = project_config {
            fs::create_dir_all(repo.join(".rein")).expect("mkdir");
            fs::write(repo.join(".rein/config.toml"), config).expect("write");
        }
        let config_dir = home.join(".claude");
        let env = Env {
            _tmp: tmp,
            home,
            rein_home,
            repo,
            config_dir,
        };
        let (out, err, code) = env.rein(&["init"]);
        assert_eq!(code, 0, "rein init failed: {out}{err}");
        env
    }

    fn rein(&self, args: &[&str]) -> (String, String, i32) {
        support::rein::run(&self.repo, &self.home, &self.rein_home, args)
    }

    fn rein_json(&self, args: &[&str]) -> Value {
        support::rein::json(&self.repo, &self.home, &self.rein_home, args)
    }

    /// Runs one session. The exit status is left to the caller, so that what is on disk can be
    /// checked first: a failed gate can make the run itself fail.
    fn claude(&self, bin: &Path, model: &MockModel, prompt: &str) -> ClaudeRun {
        // `run_claude` gives the CLI (and so its Bash tool) HOME = the parent of the config dir.
        assert_eq!(self.config_dir.parent(), Some(self.home.as_path()));
        let rein_home = self.rein_home.display().to_string();
        let machine_policy = support::rein::machine_policy_dir(&self.rein_home)
            .display()
            .to_string();
        run_claude(
            bin,
            &self.repo,
            &self.config_dir,
            &model.base_url(),
            prompt,
            &[
                ("REIN_HOME", rein_home.as_str()),
                ("REIN_MACHINE_POLICY_DIR", machine_policy.as_str()),
            ],
            None,
        )
        .expect("run claude")
    }

    fn canary(&self) -> PathBuf {
        self.home.join("canary/keep.txt")
    }
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .status()
        .expect("git");
    assert!(status.success(), "git {args:?}");
}

fn abs(env: &Env, rel: &str) -> String {
    env.repo.join(rel).display().to_string()
}

/// Every step of the session, in order, across its turns.
fn session_steps(log: &Value, id: &str) -> Vec<Value> {
    let session = log["sessions"]
        .as_array()
        .expect("sessions")
        .iter()
        .find(|s| s["session_id"] == id)
        .unwrap_or_else(|| panic!("session {id} not in log: {log:#}"));
    assert_eq!(session["agent"], "claude-code");
    session["turns"]
        .as_array()
        .expect("turns")
        .iter()
        .flat_map(|t| t["steps"].as_array().into_iter().flatten())
        .cloned()
        .collect()
}

/// The step with this tool-use id.
fn step<'a>(steps: &'a [Value], tool_use_id: &str) -> &'a Value {
    steps
        .iter()
        .find(|s| s["tool_use_id"] == tool_use_id)
        .unwrap_or_else(|| panic!("no step for {tool_use_id}: {steps:#?}"))
}

fn rules(decision: &Value) -> Vec<&str> {
    decision["rules"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect()
}

/// The text of a message or tool-result `content`: a string, or the text blocks of a list.
fn content_text(content: &Value) -> String {
    match content {
        Value::String(s) => s.clone(),
        Value::Array(blocks) => blocks
            .iter()
            .filter_map(|b| b["text"].as_str())
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

/// The text of the `tool_result` for `tool_use_id` in the CLI's transcript, if there is one.
fn transcript_result(entries: &[Value], tool_use_id: &str) -> Option<String> {
    entries
        .iter()
        .flat_map(|e| e["message"]["content"].as_array().into_iter().flatten())
        .find(|b| b["type"] == "tool_result" && b["tool_use_id"] == tool_use_id)
        .map(|b| content_text(&b["content"]))
}

/// Asserts that the call was denied by rein for `rule`: the model got the reason, the transcript
/// holds it, and rein recorded an enforced deny.
fn assert_denied(
    model: &MockModel,
    entries: &[Value],
    steps: &[Value],
    id: &str,
    rule: &str,
    what: &str,
) {
    let result = model
        .tool_result(id)
        .unwrap_or_else(|| panic!("{what}: no tool_result reached the model"));
    assert!(
        result.text.contains("rein")
            && result.text.contains("Denied")
            && result.text.contains(rule),
        "{what}: the model did not get rein's denial for {rule}: {result:?}"
    );
    assert!(result.is_error, "{what}: {result:?}");
    let in_transcript = transcript_result(entries, id)
        .unwrap_or_else(|| panic!("{what}: no tool_result for {id} in the transcript"));
    assert!(
        in_transcript.contains("rein") && in_transcript.contains(rule),
        "{what}: the transcript lacks rein's reason for {rule}: {in_transcript:?}"
    );

    let st = step(steps, id);
    assert_eq!(st["outcome"], "denied", "{what}: {st:#}");
    let d = &st["decision"];
    assert_eq!(d["answer"], "deny", "{what}: {st:#}");
    assert_eq!(d["mode"], "enforce", "{what}: {st:#}");
    assert_eq!(d["enforced"], true, "{what}: {st:#}");
    assert!(rules(d).contains(&rule), "{what}: {st:#}");
    assert!(
        d["reason"].as_str().is_some_and(|r| r.contains(rule)),
        "{what}: {st:#}"
    );
}

/// Asserts that the call ran: a result without rein in it, and a step with outcome ok whose
/// decision, if any, is allow.
fn assert_allowed(model: &MockModel, steps: &[Value], id: &str, what: &str) {
    let result = model
        .tool_result(id)
        .unwrap_or_else(|| panic!("{what}: no tool_result reached the model"));
    assert!(
        !result.text.contains("rein:"),
        "{what}: rein interfered: {result:?}"
    );
    let st = step(steps, id);
    assert_eq!(st["outcome"], "ok", "{what}: {st:#}");
    let d = &st["decision"];
    assert!(
        d.is_null() || d["answer"] == "allow",
        "{what}: unexpected decision: {st:#}"
    );
}

#[test]
#[cfg_attr(
    rein_e2e_missing,
    ignore = "Claude Code CLI not installed: run `bash .ci/install-claude-code.sh`"
)]
fn gate_denies_destructive_and_secret_calls_and_lets_ordinary_work_proceed() {
    let Some(claude) = claude_or_skip() else {
        return;
    };
    let env = Env::new(None);

    let turns = vec![
        Turn::tool(
            "Bash",
            json!({"command": "echo hello > ok.txt", "description": "ordinary"}),
        ),
        Turn::tool(
            "Bash",
            json!({"command": "rm -rf \"$HOME\"", "description": "clean up everything"}),
        ),
        Turn::tool("Read", json!({"file_path": abs(&env, ".env")})),
        Turn::tool(
            "Bash",
            json!({"command": "cat .env", "description": "show the settings"}),
        ),
        Turn::tool(
            "Write",
            json!({"file_path": abs(&env, "src/new.txt"), "content": "new work\n"}),
        ),
        Turn::text("All done."),
    ];
    let ids: Vec<String> = (0..5).map(|turn| tool_use_id(0, turn, 0)).collect();
    let model = MockModel::start(vec![("gate session".to_owned(), turns)]).expect("mock model");

    let run = env.claude(&claude, &model, "gate session: tidy up the project");

    // What ran, and what never did, is on disk. The canary first: if it is gone, `rm -rf "$HOME"`
    // ran, which explains everything else that fails. (That rein, not Claude Code's own rm check,
    // stopped it is asserted below, from the tool result.)
    assert!(
        env.canary().is_file(),
        "`rm -rf \"$HOME\"` ran: rein did not deny it\n{}",
        run.describe()
    );
    assert!(run.status.success(), "claude failed:\n{}", run.describe());
    assert!(!run.timed_out, "{}", run.describe());
    assert_eq!(
        fs::read_to_string(env.repo.join("ok.txt")).expect("ok.txt"),
        "hello\n"
    );
    assert_eq!(
        fs::read_to_string(env.repo.join("src/new.txt")).expect("src/new.txt"),
        "new work\n"
    );
    assert_eq!(
        fs::read_to_string(env.repo.join(".env")).expect(".env"),
        DOTENV
    );
    assert!(
        model.unexpected().is_empty(),
        "mock model: {:?}",
        model.unexpected()
    );

    // The secret never reached the model, in any request.
    for result in model.tool_results() {
        assert!(
            !result.text.contains(SECRET),
            "the secret reached the model: {result:?}"
        );
    }
    for request in model.requests() {
        let text = request.to_string();
        if let Some(at) = text.find(SECRET) {
            let from = text[..at]
                .char_indices()
                .rev()
                .nth(300)
                .map_or(0, |(i, _)| i);
            panic!(
                "the secret reached the model: …{}…",
                &text[from..at + SECRET.len()]
            );
        }
    }

    // Claude Code itself counts exactly the three calls rein denied.
    let result = run.result().expect("result event");
    let denials: Vec<&str> = result["permission_denials"]
        .as_array()
        .expect("permission_denials")
        .iter()
        .filter_map(|d| d["tool_use_id"].as_str())
        .collect();
    assert_eq!(denials, [&ids[1], &ids[2], &ids[3]], "{result:#}");

    let session_id = run.session_id.as_deref().expect("session id");
    let entries = run.transcript_entries();
    assert!(
        !entries.is_empty(),
        "no transcript for {session_id} under {}",
        env.config_dir.display()
    );

    let log = env.rein_json(&["log", "--json"]);
    assert_eq!(log["schema"], 1);
    let steps = session_steps(&log, session_id);
    let tools: Vec<&str> = steps
        .iter()
        .map(|s| s["tool"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        tools,
        ["Bash", "Bash", "Read", "Bash", "Write"],
        "{steps:#?}"
    );

    // The Read-tool denial first: it does not depend on the shell analyzer.
    assert_denied(&model, &entries, &steps, &ids[2], RULE_DOTENV, "Read .env");
    assert_denied(
        &model,
        &entries,
        &steps,
        &ids[1],
        RULE_HOME,
        "rm -rf \"$HOME\"",
    );
    assert_denied(&model, &entries, &steps, &ids[3], RULE_DOTENV, "cat .env");
    assert_allowed(&model, &steps, &ids[0], "echo hello > ok.txt");
    assert_allowed(&model, &steps, &ids[4], "Write src/new.txt");

    // The allowed steps recorded their files; the denied ones none.
    let files = |st: &Value| -> Vec<String> {
        st["files"]
            .as_array()
            .expect("files")
            .iter()
            .map(|f| format!("{} {}", f["path"].as_str().unwrap_or(""), f["change"]))
            .collect()
    };
    assert_eq!(files(step(&steps, &ids[0])), ["ok.txt \"added\""]);
    assert_eq!(files(step(&steps, &ids[4])), ["src/new.txt \"added\""]);
    for id in &ids[1..4] {
        assert!(files(step(&steps, id)).is_empty(), "{steps:#?}");
    }

    // `rein show` has the full decision.
    let read_step = step(&steps, &ids[2])["step"].to_string();
    let shown = env.rein_json(&["show", &read_step, "--json"]);
    assert_eq!(shown["outcome"], "denied", "{shown:#}");
    assert_eq!(shown["decision"]["answer"], "deny", "{shown:#}");
    assert_eq!(shown["decision"]["enforced"], true, "{shown:#}");
    assert!(
        rules(&shown["decision"]).contains(&RULE_DOTENV),
        "{shown:#}"
    );

    let (out, err, code) = env.rein(&["audit", "verify"]);
    assert_eq!(code, 0, "audit verify: {out}{err}");
    eprintln!("gate session took {:?}", run.elapsed);
}

#[test]
#[cfg_attr(
    rein_e2e_missing,
    ignore = "Claude Code CLI not installed: run `bash .ci/install-claude-code.sh`"
)]
fn monitor_mode_records_the_same_decisions_without_blocking() {
    let Some(claude) = claude_or_skip() else {
        return;
    };
    let env = Env::new(Some("[gate]\nmode = \"monitor\"\n"));

    let turns = vec![
        Turn::tool("Read", json!({"file_path": abs(&env, ".env")})),
        Turn::tool(
            "Bash",
            json!({"command": "cat .env > copy.txt", "description": "copy the settings"}),
        ),
        Turn::tool(
            "Bash",
            json!({"command": "echo plain > plain.txt", "description": "ordinary"}),
        ),
        Turn::text("All done."),
    ];
    let ids: Vec<String> = (0..3).map(|turn| tool_use_id(0, turn, 0)).collect();
    let model = MockModel::start(vec![("monitor session".to_owned(), turns)]).expect("mock model");

    let run = env.claude(&claude, &model, "monitor session: look at the settings");
    assert!(run.status.success(), "claude failed:\n{}", run.describe());
    assert!(!run.timed_out, "{}", run.describe());
    assert!(
        model.unexpected().is_empty(),
        "mock model: {:?}",
        model.unexpected()
    );

    // Everything ran: monitor mode never blocks, and prints nothing the agent would see.
    assert_eq!(
        fs::read_to_string(env.repo.join("copy.txt")).expect("copy.txt"),
        DOTENV
    );
    assert_eq!(
        fs::read_to_string(env.repo.join("plain.txt")).expect("plain.txt"),
        "plain\n"
    );
    let read = model.tool_result(&ids[0]).expect("Read result");
    assert!(
        read.text.contains(SECRET) && !read.text.contains("rein:"),
        "monitor mode blocked the Read: {read:?}"
    );
    for id in &ids {
        let result = model.tool_result(id).expect("result");
        assert!(!result.text.contains("rein:"), "{result:?}");
    }

    let session_id = run.session_id.as_deref().expect("session id");
    let log = env.rein_json(&["log", "--json"]);
    let steps = session_steps(&log, session_id);
    let tools: Vec<&str> = steps
        .iter()
        .map(|s| s["tool"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(tools, ["Read", "Bash", "Bash"], "{steps:#?}");

    for (id, what) in [(&ids[0], "Read .env"), (&ids[1], "cat .env > copy.txt")] {
        let st = step(&steps, id);
        let d = &st["decision"];
        assert_eq!(d["answer"], "deny", "{what}: {st:#}");
        assert_eq!(d["mode"], "monitor", "{what}: {st:#}");
        assert_eq!(d["enforced"], false, "{what}: {st:#}");
        assert!(rules(d).contains(&RULE_DOTENV), "{what}: {st:#}");
        assert_ne!(st["outcome"], "denied", "{what}: {st:#}");
        assert_eq!(st["outcome"], "ok", "{what}: {st:#}");
    }
    let plain = step(&steps, &ids[2]);
    assert_eq!(plain["outcome"], "ok", "{plain:#}");
    assert!(
        plain["decision"].is_null() || plain["decision"]["answer"] == "allow",
        "{plain:#}"
    );

    let (out, err, code) = env.rein(&["audit", "verify"]);
    assert_eq!(code, 0, "audit verify: {out}{err}");
    eprintln!("monitor session took {:?}", run.elapsed);
}
