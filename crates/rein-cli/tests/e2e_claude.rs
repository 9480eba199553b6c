//! End to end with the real Claude Code CLI, driven by a scripted model on 127.0.0.1.
//!
//! Two sessions in a temp git repository with hooks installed by `rein init`: the agent writes
//! and edits files and uses Bash to create, modify and delete files; between the sessions a file
//! is edited from outside. Then `rein log --json` and `rein blame --json` must tell exactly who
//! did what.

mod support;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};
use support::claude::{ClaudeRun, claude_or_skip, run_claude};
use support::mock_model::{MockModel, Turn};

struct Env {
    _tmp: tempfile::TempDir,
    home: PathBuf,
    rein_home: PathBuf,
    repo: PathBuf,
    config_dir: PathBuf,
}

impl Env {
    fn new() -> Env {
        let tmp = tempfile::tempdir().expect("tempdir");
        let home = tmp.path().join("home");
        let rein_home = tmp.path().join("rein-home");
        let repo = tmp.path().join("repo");
        fs::create_dir_all(repo.join("src")).expect("mkdir");
        fs::create_dir_all(&home).expect("mkdir");
        let repo = repo.canonicalize().expect("canonical");
        git(&repo, &["init", "-q"]);
        fs::write(repo.join("base.txt"), "one\ntwo\nthree\n").expect("write");
        fs::write(repo.join("src/lib.txt"), "library\n").expect("write");
        fs::write(repo.join(".gitignore"), "ignored/\n").expect("write");
        let config_dir = home.join(".claude");
        Env {
            _tmp: tmp,
            home,
            rein_home,
            repo,
            config_dir,
        }
    }

    fn rein(&self, args: &[&str]) -> (String, String, i32) {
        support::rein::run(&self.repo, &self.home, &self.rein_home, args)
    }

    fn rein_json(&self, args: &[&str]) -> Value {
        support::rein::json(&self.repo, &self.home, &self.rein_home, args)
    }

    fn claude(&self, bin: &Path, model: &MockModel, prompt: &str) -> ClaudeRun {
        let rein_home = self.rein_home.display().to_string();
        let machine_policy = support::rein::machine_policy_dir(&self.rein_home)
            .display()
            .to_string();
        let run = run_claude(
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
        .expect("run claude");
        assert!(run.status.success(), "claude failed:\n{}", run.describe());
        run
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

/// The files of a step as sorted `(path, change)` pairs.
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

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

fn session<'a>(log: &'a Value, id: &str) -> &'a Value {
    log["sessions"]
        .as_array()
        .expect("sessions")
        .iter()
        .find(|s| s["session_id"] == id)
        .unwrap_or_else(|| panic!("session {id} not in log: {log:#}"))
}

#[test]
#[cfg_attr(
    rein_e2e_missing,
    ignore = "Claude Code CLI not installed: run `bash .ci/install-claude-code.sh`"
)]
fn two_sessions_and_an_external_edit_are_recorded_and_blamed() {
    let Some(claude) = claude_or_skip() else {
        return;
    };
    let env = Env::new();
    let (out, err, code) = env.rein(&["init"]);
    assert_eq!(code, 0, "rein init failed: {out}{err}");

    let one = vec![
        Turn::tool(
            "Write",
            json!({"file_path": abs(&env, "notes/plan.txt"), "content": "alpha\nbeta\n"}),
        ),
        Turn::tool(
            "Edit",
            json!({"file_path": abs(&env, "notes/plan.txt"), "old_string": "beta", "new_string": "gamma"}),
        ),
        Turn::tool(
            "Bash",
            json!({"command": "echo created > made.txt && mkdir -p deep/er && echo nested > deep/er/n.txt && echo extra >> base.txt && mkdir -p ignored && echo junk > ignored/x.txt", "description": "make files"}),
        ),
        Turn::tool(
            "Bash",
            json!({"command": "rm src/lib.txt", "description": "delete"}),
        ),
        Turn::text("Session one done."),
    ];
    let two = vec![
        // Claude Code refuses to Edit a file it has not Read in the session.
        Turn::tool("Read", json!({"file_path": abs(&env, "base.txt")})),
        Turn::tool(
            "Edit",
            json!({"file_path": abs(&env, "base.txt"), "old_string": "three", "new_string": "three!"}),
        ),
        Turn::tool(
            "Bash",
            json!({"command": "echo more >> made.txt", "description": "append"}),
        ),
        Turn::text("Session two done."),
    ];
    let model = MockModel::start(vec![
        ("session one".to_owned(), one),
        ("session two".to_owned(), two),
    ])
    .expect("mock model");

    let run1 = env.claude(&claude, &model, "session one: build the feature");
    // Between the sessions, a human edits a file.
    fs::write(
        env.repo.join("base.txt"),
        "one\nTWO by hand\nthree\nextra\n",
    )
    .expect("external edit");
    let run2 = env.claude(&claude, &model, "session two: polish");

    // What the agent did is on disk.
    assert_eq!(
        fs::read_to_string(env.repo.join("notes/plan.txt")).expect("plan"),
        "alpha\ngamma\n"
    );
    assert!(!env.repo.join("src/lib.txt").exists());

    let log = env.rein_json(&["log", "--json"]);
    assert_eq!(log["schema"], 1);
    let id1 = run1.session_id.as_deref().expect("session id 1");
    let id2 = run2.session_id.as_deref().expect("session id 2");
    assert_ne!(id1, id2);

    let s1 = session(&log, id1);
    assert_eq!(s1["agent"], "claude-code");
    assert_eq!(s1["cwd"], env.repo.display().to_string());
    let turns1 = s1["turns"].as_array().expect("turns");
    let turn1 = turns1
        .iter()
        .find(|t| {
            t["prompt"]
                .as_str()
                .is_some_and(|p| p.contains("session one"))
        })
        .unwrap_or_else(|| panic!("no turn with the prompt: {s1:#}"));
    let steps1 = turn1["steps"].as_array().expect("steps");
    let tools1: Vec<&str> = steps1
        .iter()
        .map(|s| s["tool"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(tools1, ["Write", "Edit", "Bash", "Bash"], "{s1:#}");
    assert!(steps1.iter().all(|s| s["outcome"] == "ok"), "{s1:#}");
    assert_eq!(files(&steps1[0]), pairs(&[("notes/plan.txt", "added")]));
    assert_eq!(files(&steps1[1]), pairs(&[("notes/plan.txt", "modified")]));
    // Shell side effects, nested directories included; the ignored directory is left out.
    assert_eq!(
        files(&steps1[2]),
        pairs(&[
            ("base.txt", "modified"),
            ("deep/er/n.txt", "added"),
            ("made.txt", "added")
        ])
    );
    assert_eq!(files(&steps1[3]), pairs(&[("src/lib.txt", "deleted")]));

    let s2 = session(&log, id2);
    let steps2: Vec<&Value> = s2["turns"]
        .as_array()
        .expect("turns")
        .iter()
        .flat_map(|t| t["steps"].as_array().into_iter().flatten())
        .collect();
    let tools2: Vec<&str> = steps2
        .iter()
        .map(|s| s["tool"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(tools2, ["Read", "Edit", "Bash"], "{s2:#}");
    // The external edit is nobody's step: it is recorded as external, not given to a step.
    assert_eq!(files(steps2[0]), pairs(&[]));
    assert_eq!(files(steps2[1]), pairs(&[("base.txt", "modified")]));
    assert_eq!(files(steps2[2]), pairs(&[("made.txt", "modified")]));
    let external: Vec<&str> = s2["external"]
        .as_array()
        .expect("external")
        .iter()
        .map(|e| e["path"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(external, ["base.txt"], "{s2:#}");

    // Blame: baseline, external, and the agent's lines with their step, prompt and session.
    let blame = env.rein_json(&["blame", "--json", "base.txt"]);
    let lines = blame["lines"].as_array().expect("lines");
    let texts: Vec<&str> = lines
        .iter()
        .map(|l| l["text"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(texts, ["one", "TWO by hand", "three!", "extra"]);
    assert_eq!(lines[0]["origin"], "baseline");
    assert_eq!(lines[0]["line"], 1);
    assert_eq!(lines[1]["origin"], "external");
    assert_eq!(lines[2]["origin"], "agent");
    assert_eq!(lines[2]["session_id"], id2);
    assert_eq!(lines[2]["tool"], "Edit");
    assert_eq!(lines[2]["agent"], "claude-code");
    assert_eq!(lines[2]["step"], steps2[1]["step"]);
    assert!(
        lines[2]["prompt"]
            .as_str()
            .is_some_and(|p| p.contains("session two"))
    );
    assert!(lines[2]["time"].is_string());
    assert_eq!(lines[3]["origin"], "agent");
    assert_eq!(lines[3]["session_id"], id1);
    assert_eq!(lines[3]["tool"], "Bash");
    assert_eq!(lines[3]["step"], steps1[2]["step"]);

    let blame = env.rein_json(&["blame", "--json", "notes/plan.txt"]);
    let lines = blame["lines"].as_array().expect("lines");
    assert_eq!(lines[0]["text"], "alpha");
    assert_eq!(lines[0]["tool"], "Write");
    assert_eq!(lines[1]["text"], "gamma");
    assert_eq!(lines[1]["tool"], "Edit");

    let (out, err, code) = env.rein(&["audit", "verify"]);
    assert_eq!(code, 0, "audit verify: {out}{err}");
    let doctor = env.rein_json(&["doctor", "--json"]);
    assert_eq!(doctor["ok"], true, "{doctor:#}");
}
