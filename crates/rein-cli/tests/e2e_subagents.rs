//! End to end with the real Claude Code CLI: two sub-agents run in parallel in one session and
//! write different files at the same time. While one sub-agent's shell command is still running
//! (its file already written), the other's hooks walk the tree; the file must stay the first
//! sub-agent's step's, never "external".

mod support;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};
use support::claude::{claude_or_skip, run_claude};
use support::mock_model::{MockModel, Turn};

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .status()
        .expect("git");
    assert!(status.success(), "git {args:?}");
}

fn files(step: &Value) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = step["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| {
            (
                f["path"].as_str().expect("path").to_owned(),
                f["change"].as_str().expect("change").to_owned(),
            )
        })
        .collect();
    v.sort();
    v
}

fn all_steps(log: &Value) -> Vec<Value> {
    let mut out = Vec::new();
    for s in log["sessions"].as_array().expect("sessions") {
        for t in s["turns"].as_array().expect("turns") {
            out.extend(t["steps"].as_array().expect("steps").iter().cloned());
        }
    }
    out
}

/// The step whose summary (its command or path) contains `needle`.
fn step_with(log: &Value, needle: &str) -> Value {
    all_steps(log)
        .into_iter()
        .find(|s| s["summary"].as_str().is_some_and(|t| t.contains(needle)))
        .unwrap_or_else(|| panic!("no step with {needle:?} in {log:#}"))
}

#[test]
#[cfg_attr(
    rein_e2e_missing,
    ignore = "Claude Code CLI not installed: run `bash .ci/install-claude-code.sh`"
)]
fn parallel_sub_agents_writing_at_once_keep_their_own_files() {
    let Some(claude) = claude_or_skip() else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    let home = tmp.path().join("home");
    let rein_home = tmp.path().join("rein-home");
    let repo: PathBuf = tmp.path().join("repo");
    fs::create_dir_all(&repo).expect("mkdir");
    fs::create_dir_all(&home).expect("mkdir");
    let repo = repo.canonicalize().expect("canonical");
    git(&repo, &["init", "-q"]);
    fs::write(repo.join("README.md"), "# Demo\n").expect("write");
    let (out, err, code) = support::rein::run(&repo, &home, &rein_home, &["init"]);
    assert_eq!(code, 0, "rein init: {out}{err}");

    let abs = |rel: &str| repo.join(rel).display().to_string();
    // The main agent starts both sub-agents in one message: Claude Code runs them side by side.
    let main = vec![
        Turn::tools(vec![
            (
                "Agent",
                json!({"description": "first", "prompt": "SUBAGENT-ONE: write one.txt", "subagent_type": "general-purpose"}),
            ),
            (
                "Agent",
                json!({"description": "second", "prompt": "SUBAGENT-TWO: write two.txt", "subagent_type": "general-purpose"}),
            ),
        ]),
        Turn::text("Both done."),
    ];
    // One writes its file at once and keeps its command running for a while ...
    let one = vec![
        Turn::tool(
            "Bash",
            json!({"command": "echo one > one.txt && sleep 4", "description": "write one"}),
        ),
        Turn::text("one done"),
    ];
    // ... while the other's steps walk the tree in the meantime.
    let two = vec![
        Turn::tool(
            "Bash",
            json!({"command": "sleep 1 && echo two > two.txt", "description": "write two"}),
        ),
        Turn::tool(
            "Bash",
            json!({"command": "ls -la > listing.txt", "description": "list"}),
        ),
        Turn::tool(
            "Write",
            json!({"file_path": abs("three.txt"), "content": "three\n"}),
        ),
        Turn::text("two done"),
    ];
    let model = MockModel::start(vec![
        ("SUBAGENT-ONE".to_owned(), one),
        ("SUBAGENT-TWO".to_owned(), two),
        ("run both".to_owned(), main),
    ])
    .expect("mock model");
    let rein_home_s = rein_home.display().to_string();
    let policy = support::rein::machine_policy_dir(&rein_home)
        .display()
        .to_string();
    let run = run_claude(
        &claude,
        &repo,
        &home.join(".claude"),
        &model.base_url(),
        "run both sub-agents",
        &[
            ("REIN_HOME", rein_home_s.as_str()),
            ("REIN_MACHINE_POLICY_DIR", policy.as_str()),
        ],
        None,
    )
    .expect("run claude");
    assert!(run.status.success(), "claude failed:\n{}", run.describe());
    for f in ["one.txt", "two.txt", "three.txt", "listing.txt"] {
        assert!(
            repo.join(f).exists(),
            "{f} was not written:\n{}",
            run.describe()
        );
    }

    let log = support::rein::json(&repo, &home, &rein_home, &["log", "--json"]);
    let one_step = step_with(&log, "echo one > one.txt");
    let two_step = step_with(&log, "echo two > two.txt");
    let list_step = step_with(&log, "ls -la > listing.txt");
    let write_step = step_with(&log, "three.txt");
    // Each step has exactly its own file, and each belongs to its sub-agent.
    let pair = |p: &str, c: &str| vec![(p.to_owned(), c.to_owned())];
    assert_eq!(files(&one_step), pair("one.txt", "added"), "{log:#}");
    assert_eq!(files(&two_step), pair("two.txt", "added"), "{log:#}");
    assert_eq!(files(&list_step), pair("listing.txt", "added"), "{log:#}");
    assert_eq!(files(&write_step), pair("three.txt", "added"), "{log:#}");
    assert!(one_step["agent_id"].is_string());
    assert!(two_step["agent_id"].is_string());
    assert_ne!(one_step["agent_id"], two_step["agent_id"]);
    assert_eq!(two_step["agent_id"], write_step["agent_id"]);
    // Nothing was external.
    let session = &log["sessions"][0];
    assert_eq!(session["external"], json!([]), "{log:#}");

    // The sub-agents did overlap: some walk found one.txt while its step was in flight, and held
    // it instead of recording it.
    let export = support::rein::run(&repo, &home, &rein_home, &["audit", "export"]).0;
    let held_one = export.lines().any(|l| {
        serde_json::from_str::<Value>(l).is_ok_and(|r| {
            r["data"]["held"]["paths"]
                .as_array()
                .is_some_and(|p| p.iter().any(|x| x == "one.txt"))
        })
    });
    assert!(
        held_one,
        "no walk ran while one.txt's step was in flight; the sub-agents did not overlap"
    );

    // Every hook of the session (main agent and both sub-agents) saw the same agent process, so
    // rein can tell when it is gone and close its steps then.
    let db = rusqlite::Connection::open(rein_home.join("rein.db")).expect("store");
    let (pid, started): (Option<i64>, Option<i64>) = db
        .query_row("SELECT agent_pid, agent_started FROM sessions", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .expect("session row");
    assert!(
        pid.is_some_and(|p| p > 1) && started.is_some(),
        "agent process not recognised: {pid:?} {started:?}"
    );
    let trusted: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM steps WHERE agent_pid = ?1",
            [pid],
            |r| r.get(0),
        )
        .expect("steps");
    assert!(trusted >= 4, "steps that know their agent: {trusted}");

    // Blame names the sub-agent's step, and a rewind of it removes its file.
    let blame = support::rein::json(&repo, &home, &rein_home, &["blame", "one.txt", "--json"]);
    assert_eq!(blame["lines"][0]["origin"], "agent", "{blame:#}");
    assert_eq!(blame["lines"][0]["step"], one_step["step"]);
    let verify = support::rein::json(&repo, &home, &rein_home, &["audit", "verify", "--json"]);
    assert_eq!(verify["ok"], true);
    let step = one_step["step"].to_string();
    let (out, err, code) = support::rein::run(&repo, &home, &rein_home, &["revert", &step]);
    assert_eq!(code, 0, "revert: {out}{err}");
    assert!(!repo.join("one.txt").exists());
    assert!(repo.join("two.txt").exists());
}
