//! Copilot CLI without the Copilot binary: `rein init --agent copilot` (rein's own hooks file),
//! `rein doctor` (a hook left behind blocks every tool call; rein's hooks in two files run it
//! twice), `rein hook copilot --event …` on Copilot-shaped payloads, and an uninstall that
//! removes every copy and nothing else.

mod common;

use common::TestEnv;
use serde_json::{Value, json};

fn hooks_file(env: &TestEnv) -> std::path::PathBuf {
    env.home.join(".copilot/hooks/rein.json")
}

fn hook(env: &TestEnv, event: &str, payload: &Value) -> common::Run {
    env.run_with_stdin(
        &["hook", "copilot", "--event", event],
        &serde_json::to_vec(payload).expect("json"),
    )
}

fn pre(env: &TestEnv, command: &str) -> Value {
    json!({"sessionId": "cp-sess", "timestamp": 1796558978806u64, "cwd": env.repo,
           "toolName": "bash", "toolArgs": {"command": command, "description": "x"}})
}

#[test]
fn init_doctor_and_an_uninstall_that_removes_every_copy() {
    let env = TestEnv::new();
    let r = env.run(&["init", "--agent", "copilot"]);
    assert_eq!(r.code, 0, "{r:?}");
    let text = std::fs::read_to_string(hooks_file(&env)).expect("rein.json");
    let v: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(v["version"], 1);
    assert!(
        v["hooks"]["preToolUse"][0]["bash"]
            .as_str()
            .is_some_and(|c| c.ends_with("hook copilot --event preToolUse")),
        "{text}"
    );
    let doctor = env.run(&["doctor"]).stdout;
    assert!(doctor.contains("[ok  ] copilot: installed in"), "{doctor}");
    assert!(
        doctor.contains("copilot: installed, but no event received here yet"),
        "{doctor}"
    );
    assert!(
        env.run(&["init", "--agent", "copilot"])
            .stdout
            .contains("already installed")
    );

    // An old rein hook in the user's settings (and the user's own hook there).
    let settings = env.home.join(".copilot/settings.json");
    let user_hook = json!({"type": "command", "bash": "my-own-check"});
    std::fs::write(
        &settings,
        json!({"model": "gpt-4.1", "hooks": {"preToolUse": [
            {"type": "command", "bash": "/gone/rein hook copilot --event preToolUse"},
            user_hook,
        ]}})
        .to_string(),
    )
    .expect("settings");
    let doctor = env.run(&["doctor"]);
    assert_eq!(doctor.code, 1, "{}", doctor.stdout);
    assert!(
        doctor.stdout.contains("Copilot CLI blocks every tool call"),
        "{}",
        doctor.stdout
    );

    let r = env.run(&["init", "--agent", "copilot", "--uninstall"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(!hooks_file(&env).exists());
    let back: Value =
        serde_json::from_str(&std::fs::read_to_string(&settings).expect("settings")).expect("json");
    assert_eq!(
        back,
        json!({"model": "gpt-4.1", "hooks": {"preToolUse": [user_hook]}})
    );
    assert!(
        !env.run(&["doctor"]).stdout.contains("copilot"),
        "nothing of rein is left for Copilot"
    );
}

#[test]
fn rein_hook_copilot_gates_in_json_and_pairs_results_without_ids() {
    let env = TestEnv::new();
    assert_eq!(env.run(&["init", "--agent", "copilot"]).code, 0);
    let prompt = json!({"sessionId": "cp-sess", "cwd": env.repo, "prompt": "go"});
    assert_eq!(hook(&env, "userPromptSubmitted", &prompt).code, 0);
    let ok = hook(&env, "preToolUse", &pre(&env, "echo hi > a.txt"));
    assert_eq!((ok.stdout.as_str(), ok.code), ("", 0), "{ok:?}");
    env.write("a.txt", "hi\n");
    let mut post = pre(&env, "echo hi > a.txt");
    post["toolResult"] = json!({"resultType": "success", "textResultForLlm": "ok"});
    assert_eq!(hook(&env, "postToolUse", &post).code, 0);

    let denied = hook(&env, "preToolUse", &pre(&env, "cat .env"));
    assert_eq!(denied.code, 0, "an exit 2 would hide the reason");
    let v: Value = serde_json::from_str(&denied.stdout).expect("a JSON answer");
    assert_eq!(v["permissionDecision"], "deny", "{v}");
    assert!(
        v["permissionDecisionReason"]
            .as_str()
            .is_some_and(|r| r.contains("rein.secrets.dotenv")),
        "{v}"
    );
    let asked = hook(&env, "preToolUse", &pre(&env, "sudo ls"));
    let v: Value = serde_json::from_str(&asked.stdout).expect("a JSON answer");
    assert_eq!(v["permissionDecision"], "ask", "{v}");

    let log = env.json(&["log", "--json"]);
    assert_eq!(log["sessions"][0]["agent"], "copilot");
    let steps: Vec<&Value> = log["sessions"][0]["turns"]
        .as_array()
        .expect("turns")
        .iter()
        .flat_map(|t| t["steps"].as_array().expect("steps"))
        .collect();
    let echo: Vec<&&Value> = steps
        .iter()
        .filter(|s| s["summary"].as_str().is_some_and(|t| t.contains("echo hi")))
        .collect();
    assert_eq!(echo.len(), 1, "{log:#}");
    assert_eq!(echo[0]["outcome"], "ok");
    assert_eq!(echo[0]["files"][0]["path"], "a.txt");
    // A payload without its event, from a hook command that lost `--event`, is denied.
    let bad = env.run_with_stdin(
        &["hook", "copilot"],
        &serde_json::to_vec(&pre(&env, "ls")).expect("json"),
    );
    let v: Value = serde_json::from_str(&bad.stdout).expect("a JSON answer");
    assert_eq!(v["permissionDecision"], "deny", "{v}");
}
