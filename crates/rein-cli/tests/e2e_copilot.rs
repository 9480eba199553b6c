//! End to end with the real GitHub Copilot CLI, driven by a scripted Chat Completions API on
//! 127.0.0.1 (Copilot's own model-provider mode: no GitHub account).
//!
//! `rein init --agent copilot` installs rein's hooks file. A headless session then writes a file,
//! edits it, runs a shell command that creates and deletes files, and tries to read `.env`.
//! Copilot's tool events carry no tool-call id and do not name their event: rein pairs each
//! result with its call. rein must record every step with its files, blame the lines, deny the `.env`
//! read (the secret never reaches the model), rewind the session, and uninstall completely.

mod support;

use std::fs;

use serde_json::{Value, json};
use support::copilot::{copilot_or_skip, run_copilot};
use support::mock_model::{MockModel, Turn};
use support::session::{all_steps, files, git, pairs};

const SECRET: &str = "sk-live-CopilotE2eSecretValue0123456789";

#[test]
#[cfg_attr(
    rein_e2e_copilot_missing,
    ignore = "Copilot CLI not installed: run `bash .ci/install-agents.sh`"
)]
fn a_copilot_session_is_recorded_gated_blamed_and_rewound() {
    let Some(copilot) = copilot_or_skip() else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().canonicalize().expect("canonical");
    let home = root.join("home");
    let rein_home = root.join("rein-home");
    let repo = root.join("repo");
    fs::create_dir_all(repo.join("src")).expect("mkdir");
    git(&repo, &["init", "-q"]);
    fs::write(repo.join("base.txt"), "one\ntwo\nthree\n").expect("write");
    fs::write(repo.join("src/lib.txt"), "library\n").expect("write");
    fs::write(repo.join(".env"), format!("API_TOKEN={SECRET}\n")).expect("write");

    let plan = repo.join("plan.txt");
    let script = vec![
        Turn::tool(
            "create",
            // Copilot's create needs an existing directory, its edit an absolute path.
            json!({"path": plan.display().to_string(), "file_text": "alpha\nbeta\n"}),
        ),
        Turn::tool(
            "edit",
            json!({"path": plan.display().to_string(), "old_str": "beta", "new_str": "gamma"}),
        ),
        Turn::tool(
            "bash",
            json!({"command": "mkdir -p d && echo x > d/f.txt && rm src/lib.txt", "description": "shell"}),
        ),
        Turn::tool(
            "bash",
            json!({"command": "cat .env", "description": "read"}),
        ),
        // The same command again: without tool-call ids, each call must be its own step.
        Turn::tool(
            "bash",
            json!({"command": "echo again >> base.txt", "description": "append"}),
        ),
        Turn::tool(
            "bash",
            json!({"command": "echo again >> base.txt", "description": "append"}),
        ),
        Turn::text("Copilot session done."),
    ];
    let model = MockModel::start(vec![("copilot session".to_owned(), script)]).expect("mock model");

    let (out, err, code) =
        support::rein::run(&repo, &home, &rein_home, &["init", "--agent", "copilot"]);
    assert_eq!(code, 0, "rein init --agent copilot: {out}{err}");
    let hooks_file = home.join(".copilot/hooks/rein.json");
    let installed = fs::read_to_string(&hooks_file).expect("rein.json");
    assert!(
        installed.contains("hook copilot --event preToolUse"),
        "{installed}"
    );
    // The user's own settings, which must survive uninstall.
    let user_settings = "{\"model\": \"gpt-4.1\"}\n";
    fs::write(home.join(".copilot/settings.json"), user_settings).expect("settings");

    let rein_home_s = rein_home.display().to_string();
    let policy = support::rein::machine_policy_dir(&rein_home)
        .display()
        .to_string();
    let run = run_copilot(
        &copilot,
        &repo,
        &home,
        &model.base_url(),
        "copilot session: build it",
        &[
            ("REIN_HOME", rein_home_s.as_str()),
            ("REIN_MACHINE_POLICY_DIR", policy.as_str()),
        ],
    )
    .expect("run copilot");
    assert!(run.status.success(), "copilot failed:\n{}", run.describe());
    assert_eq!(
        fs::read_to_string(repo.join("plan.txt")).unwrap_or_else(|e| panic!(
            "plan: {e}\n{}\nmodel: {:#?}\nunexpected: {:?}",
            run.describe(),
            model.log(),
            model.unexpected()
        )),
        "alpha\ngamma\n",
        "{}",
        run.describe()
    );
    assert!(!repo.join("src/lib.txt").exists());

    let log = support::rein::json(&repo, &home, &rein_home, &["log", "--json"]);
    let sessions = log["sessions"].as_array().expect("sessions");
    assert_eq!(sessions.len(), 1, "{log:#}");
    assert_eq!(sessions[0]["agent"], "copilot");
    let steps = all_steps(&log);
    let by = |tool: &str, needle: &str| -> Vec<Value> {
        steps
            .iter()
            .filter(|s| {
                s["tool"] == tool && s["summary"].as_str().is_some_and(|t| t.contains(needle))
            })
            .cloned()
            .collect()
    };
    let write = by("create", "plan.txt");
    assert_eq!(write.len(), 1, "{log:#}");
    assert_eq!(files(&write[0]), pairs(&[("plan.txt", "added")]));
    assert_eq!(write[0]["outcome"], "ok");
    let edit = by("edit", "plan.txt");
    assert_eq!(files(&edit[0]), pairs(&[("plan.txt", "modified")]));
    let shell = by("bash", "mkdir -p d");
    assert_eq!(
        files(&shell[0]),
        pairs(&[("d/f.txt", "added"), ("src/lib.txt", "deleted")])
    );
    let read = by("bash", "cat .env");
    assert_eq!(read[0]["decision"]["answer"], "deny", "{log:#}");
    assert_ne!(read[0]["outcome"], "ok", "{log:#}");
    let again = by("bash", "echo again");
    assert_eq!(again.len(), 2, "two calls, two steps: {log:#}");
    for s in &again {
        assert_eq!(s["outcome"], "ok", "{s:#}");
        assert_eq!(files(s), pairs(&[("base.txt", "modified")]));
    }
    assert_eq!(sessions[0]["external"], json!([]), "{log:#}");

    // The model was told why, and the secret never reached it.
    let bodies: Vec<String> = model.requests().iter().map(Value::to_string).collect();
    assert!(
        bodies.iter().any(|b| b.contains("rein.secrets.dotenv")),
        "no denial reached the model"
    );
    assert!(
        !bodies.iter().any(|b| b.contains(SECRET)),
        "the secret reached the model"
    );

    let blame = support::rein::json(&repo, &home, &rein_home, &["blame", "plan.txt", "--json"]);
    let lines = blame["lines"].as_array().expect("lines");
    assert_eq!(lines[0]["step"], write[0]["step"]);
    assert_eq!(lines[1]["step"], edit[0]["step"]);
    let verify = support::rein::json(&repo, &home, &rein_home, &["audit", "verify", "--json"]);
    assert_eq!(verify["ok"], true);
    let (out, err, code) = support::rein::run(&repo, &home, &rein_home, &["rewind", "s1"]);
    assert_eq!(code, 0, "rewind: {out}{err}");
    assert!(!repo.join("plan.txt").exists());
    assert_eq!(
        fs::read_to_string(repo.join("src/lib.txt")).expect("restored"),
        "library\n"
    );
    assert_eq!(
        fs::read_to_string(repo.join("base.txt")).expect("base"),
        "one\ntwo\nthree\n"
    );

    // Uninstalled, nothing of rein is left (a leftover hook would block every tool call).
    let (out, err, code) = support::rein::run(
        &repo,
        &home,
        &rein_home,
        &["init", "--agent", "copilot", "--uninstall"],
    );
    assert_eq!(code, 0, "uninstall: {out}{err}");
    assert!(!hooks_file.exists());
    assert_eq!(
        fs::read_to_string(home.join(".copilot/settings.json")).expect("settings"),
        user_settings
    );
}
