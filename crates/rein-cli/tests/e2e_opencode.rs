//! End to end with the real opencode, driven by a scripted Chat Completions API on 127.0.0.1 (an
//! OpenAI-compatible provider in its config).
//!
//! opencode has no command hooks: `rein init --agent opencode` installs rein's plugin, which hands
//! each call to `rein hook opencode` and throws when rein denies it. A headless session then
//! writes a file, edits it, runs a shell command that creates and deletes files, and tries to
//! read `.env`. rein must record every step with its files, blame the lines, deny the `.env`
//! read (the secret never reaches the model), rewind the session, and uninstall completely.

mod support;

use std::fs;

use serde_json::{Value, json};
use support::mock_model::{MockModel, Turn};
use support::opencode::{opencode_or_skip, run_opencode, write_config};
use support::session::{all_steps, files, git, pairs};

const SECRET: &str = "sk-live-OpencodeE2eSecretValue0123456789";

#[test]
#[cfg_attr(
    rein_e2e_opencode_missing,
    ignore = "opencode not installed: run `bash .ci/install-agents.sh`"
)]
fn an_opencode_session_is_recorded_gated_blamed_and_rewound() {
    let Some(opencode) = opencode_or_skip() else {
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

    let script = vec![
        Turn::tool(
            "write",
            json!({"filePath": "notes/plan.txt", "content": "alpha\nbeta\n"}),
        ),
        Turn::tool(
            "edit",
            json!({"filePath": "notes/plan.txt", "oldString": "beta", "newString": "gamma"}),
        ),
        Turn::tool(
            "bash",
            json!({"command": "mkdir -p d && echo x > d/f.txt && rm src/lib.txt", "description": "shell"}),
        ),
        Turn::tool(
            "bash",
            json!({"command": "cat .env", "description": "read"}),
        ),
        Turn::tool("read", json!({"filePath": ".env"})),
        Turn::text("opencode session done."),
    ];
    let model =
        MockModel::start(vec![("opencode session".to_owned(), script)]).expect("mock model");
    write_config(&home, &model.base_url()).expect("opencode config");

    let (out, err, code) =
        support::rein::run(&repo, &home, &rein_home, &["init", "--agent", "opencode"]);
    assert_eq!(code, 0, "rein init --agent opencode: {out}{err}");
    let plugin = home.join(".config/opencode/plugin/rein.js");
    let installed = fs::read_to_string(&plugin).expect("rein.js");
    assert!(
        installed.starts_with("// rein: opencode plugin"),
        "{installed}"
    );

    let rein_home_s = rein_home.display().to_string();
    let policy = support::rein::machine_policy_dir(&rein_home)
        .display()
        .to_string();
    let run = run_opencode(
        &opencode,
        &repo,
        &home,
        "opencode session: build it",
        &[
            ("REIN_HOME", rein_home_s.as_str()),
            ("REIN_MACHINE_POLICY_DIR", policy.as_str()),
        ],
    )
    .expect("run opencode");
    assert!(run.status.success(), "opencode failed:\n{}", run.describe());
    eprintln!("opencode ran in {:?}", run.elapsed);
    assert_eq!(
        fs::read_to_string(repo.join("notes/plan.txt")).unwrap_or_else(|e| panic!(
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
    assert_eq!(sessions[0]["agent"], "opencode");
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
    let write = by("write", "notes/plan.txt");
    assert_eq!(write.len(), 1, "{log:#}");
    assert_eq!(files(&write[0]), pairs(&[("notes/plan.txt", "added")]));
    assert_eq!(write[0]["outcome"], "ok");
    let edit = by("edit", "notes/plan.txt");
    assert_eq!(files(&edit[0]), pairs(&[("notes/plan.txt", "modified")]));
    let shell = by("bash", "mkdir -p d");
    assert_eq!(
        files(&shell[0]),
        pairs(&[("d/f.txt", "added"), ("src/lib.txt", "deleted")])
    );
    let read = by("bash", "cat .env");
    assert_eq!(read[0]["decision"]["answer"], "deny", "{log:#}");
    assert_ne!(read[0]["outcome"], "ok", "{log:#}");
    // The read tool's `.env` read is denied too.
    let read_tool = by("read", ".env");
    assert_eq!(read_tool[0]["decision"]["answer"], "deny", "{log:#}");
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

    let blame = support::rein::json(
        &repo,
        &home,
        &rein_home,
        &["blame", "notes/plan.txt", "--json"],
    );
    let lines = blame["lines"].as_array().expect("lines");
    assert_eq!(lines[0]["step"], write[0]["step"]);
    assert_eq!(lines[1]["step"], edit[0]["step"]);
    let verify = support::rein::json(&repo, &home, &rein_home, &["audit", "verify", "--json"]);
    assert_eq!(verify["ok"], true);
    let (out, err, code) = support::rein::run(&repo, &home, &rein_home, &["rewind", "s1"]);
    assert_eq!(code, 0, "rewind: {out}{err}");
    assert!(!repo.join("notes/plan.txt").exists());
    assert_eq!(
        fs::read_to_string(repo.join("src/lib.txt")).expect("restored"),
        "library\n"
    );
    assert_eq!(
        fs::read_to_string(repo.join("base.txt")).expect("base"),
        "one\ntwo\nthree\n"
    );

    // Uninstalled, nothing of rein is left (a plugin left behind would block every tool call).
    let (out, err, code) = support::rein::run(
        &repo,
        &home,
        &rein_home,
        &["init", "--agent", "opencode", "--uninstall"],
    );
    assert_eq!(code, 0, "uninstall: {out}{err}");
    assert!(!plugin.exists());
    assert!(home.join(".config/opencode/opencode.json").exists());
}
