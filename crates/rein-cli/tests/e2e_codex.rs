//! End to end with the real OpenAI Codex CLI, driven by a scripted Responses API on 127.0.0.1.
//!
//! `rein init --agent codex` installs rein's hooks into Codex's `hooks.json` and trusts them in
//! its `config.toml` (Codex skips an untrusted hook silently). A session then runs a shell command
//! that writes a file, adds a file with `apply_patch`, edits it with another patch, creates and
//! deletes files in one shell command, and tries to read `.env`. rein must record every step with
//! its files, blame the lines, deny the `.env` read (the secret never reaches the model), and
//! rewind the session's files.

mod support;

use std::fs;

use serde_json::{Value, json};
use support::codex::{codex_or_skip, run_codex, write_config};
use support::mock_model::{MockModel, Turn};
use support::session::{all_steps, files, git, pairs};

const SECRET: &str = "sk-live-CodexE2eSecretValue0123456789";

#[test]
#[cfg_attr(
    rein_e2e_codex_missing,
    ignore = "Codex CLI not installed: run `bash .ci/install-agents.sh`"
)]
fn a_codex_session_is_recorded_gated_blamed_and_rewound() {
    let Some(codex) = codex_or_skip() else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().canonicalize().expect("canonical");
    let home = root.join("home");
    let rein_home = root.join("rein-home");
    let repo = root.join("repo");
    let codex_home = home.join(".codex");
    fs::create_dir_all(repo.join("src")).expect("mkdir");
    git(&repo, &["init", "-q"]);
    fs::write(repo.join("base.txt"), "one\ntwo\nthree\n").expect("write");
    fs::write(repo.join("src/lib.txt"), "library\n").expect("write");
    fs::write(repo.join(".env"), format!("API_TOKEN={SECRET}\n")).expect("write");

    let script = vec![
        Turn::tool("exec_command", json!({"cmd": "echo hi > a.txt"})),
        Turn::tool(
            "apply_patch",
            json!({"patch": "*** Begin Patch\n*** Add File: notes/plan.txt\n+alpha\n+beta\n*** End Patch\n"}),
        ),
        Turn::tool(
            "apply_patch",
            json!({"patch": "*** Begin Patch\n*** Update File: notes/plan.txt\n@@\n alpha\n-beta\n+gamma\n*** End Patch\n"}),
        ),
        Turn::tool(
            "exec_command",
            json!({"cmd": "mkdir -p d && echo x > d/f.txt && rm src/lib.txt"}),
        ),
        Turn::tool("exec_command", json!({"cmd": "cat .env"})),
        Turn::text("Codex session done."),
    ];
    let model = MockModel::start(vec![("codex session".to_owned(), script)]).expect("mock model");
    write_config(&codex_home, &model.base_url()).expect("codex config");

    let (out, err, code) =
        support::rein::run(&repo, &home, &rein_home, &["init", "--agent", "codex"]);
    assert_eq!(code, 0, "rein init --agent codex: {out}{err}");
    assert!(out.contains("trusted in"), "{out}");
    // The hooks are in Codex's hooks.json and trusted in its config.toml.
    let hooks = fs::read_to_string(codex_home.join("hooks.json")).expect("hooks.json");
    assert!(hooks.contains("hook codex"), "{hooks}");
    let config = fs::read_to_string(codex_home.join("config.toml")).expect("config.toml");
    assert!(config.contains("trusted_hash"), "{config}");
    assert!(
        config.contains("model_provider = \"mock\""),
        "the user's config is kept: {config}"
    );

    let rein_home_s = rein_home.display().to_string();
    let policy = support::rein::machine_policy_dir(&rein_home)
        .display()
        .to_string();
    let run = run_codex(
        &codex,
        &repo,
        &home,
        &codex_home,
        "codex session: build it",
        &[
            ("REIN_HOME", rein_home_s.as_str()),
            ("REIN_MACHINE_POLICY_DIR", policy.as_str()),
        ],
    )
    .expect("run codex");
    assert!(run.status.success(), "codex failed:\n{}", run.describe());

    // What Codex did is on disk (the denied read changed nothing).
    assert_eq!(fs::read_to_string(repo.join("a.txt")).expect("a"), "hi\n");
    assert_eq!(
        fs::read_to_string(repo.join("notes/plan.txt")).expect("plan"),
        "alpha\ngamma\n"
    );
    assert!(!repo.join("src/lib.txt").exists());

    // Every step, with its files.
    let log = support::rein::json(&repo, &home, &rein_home, &["log", "--json"]);
    let sessions = log["sessions"].as_array().expect("sessions");
    assert_eq!(sessions.len(), 1, "{log:#}");
    assert_eq!(sessions[0]["agent"], "codex");
    let steps = all_steps(&log);
    let by_summary = |needle: &str| -> Value {
        steps
            .iter()
            .find(|s| s["summary"].as_str().is_some_and(|t| t.contains(needle)))
            .cloned()
            .unwrap_or_else(|| panic!("no step {needle:?} in {log:#}\n{}", run.describe()))
    };
    let echo = by_summary("echo hi > a.txt");
    assert_eq!(files(&echo), pairs(&[("a.txt", "added")]));
    assert_eq!(echo["tool"], "Bash");
    let add = &steps[1];
    assert_eq!(add["tool"], "apply_patch");
    assert_eq!(files(add), pairs(&[("notes/plan.txt", "added")]));
    let edit = &steps[2];
    assert_eq!(files(edit), pairs(&[("notes/plan.txt", "modified")]));
    let shell = by_summary("mkdir -p d");
    assert_eq!(
        files(&shell),
        pairs(&[("d/f.txt", "added"), ("src/lib.txt", "deleted")])
    );
    let read = by_summary("cat .env");
    assert_eq!(read["outcome"], "denied", "{read:#}");
    assert_eq!(read["decision"]["answer"], "deny");
    assert!(
        read["decision"]["rules"]
            .as_array()
            .is_some_and(|r| r.iter().any(|x| x == "rein.secrets.dotenv")),
        "{read:#}"
    );
    assert_eq!(sessions[0]["external"], json!([]), "{log:#}");

    // The model was told why, and the secret never reached it.
    let bodies: Vec<String> = model.requests().iter().map(Value::to_string).collect();
    assert!(
        bodies.iter().any(|b| b.contains("rein.secrets.dotenv")),
        "the model never heard of the denial"
    );
    assert!(
        !bodies.iter().any(|b| b.contains(SECRET)),
        "the secret reached the model"
    );

    // Blame names each line's step.
    let blame = support::rein::json(
        &repo,
        &home,
        &rein_home,
        &["blame", "notes/plan.txt", "--json"],
    );
    let lines = blame["lines"].as_array().expect("lines");
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["step"], add["step"]);
    assert_eq!(lines[1]["step"], edit["step"]);

    // The audit chain holds, and a rewind of the session restores every file.
    let verify = support::rein::json(&repo, &home, &rein_home, &["audit", "verify", "--json"]);
    assert_eq!(verify["ok"], true);
    let (out, err, code) = support::rein::run(&repo, &home, &rein_home, &["rewind", "s1"]);
    assert_eq!(code, 0, "rewind: {out}{err}");
    assert!(!repo.join("a.txt").exists());
    assert!(!repo.join("notes/plan.txt").exists());
    assert!(!repo.join("d/f.txt").exists());
    assert_eq!(
        fs::read_to_string(repo.join("src/lib.txt")).expect("restored"),
        "library\n"
    );

    // Uninstalled, nothing of rein is left in Codex's files but the user's own config.
    let (out, err, code) = support::rein::run(
        &repo,
        &home,
        &rein_home,
        &["init", "--agent", "codex", "--uninstall"],
    );
    assert_eq!(code, 0, "uninstall: {out}{err}");
    assert!(!codex_home.join("hooks.json").exists());
    let config = fs::read_to_string(codex_home.join("config.toml")).expect("config.toml");
    assert!(!config.contains("trusted_hash"), "{config}");
    assert!(config.contains("model_provider = \"mock\""), "{config}");
}
