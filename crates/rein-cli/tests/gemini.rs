//! Gemini CLI without the Gemini binary: `rein init --agent gemini-cli` (settings.json, timeouts
//! in milliseconds), `rein doctor` (a hook whose program is gone blocks every tool call), `rein
//! hook gemini-cli` on Gemini-shaped payloads (no tool-call ids: rein pairs results with calls),
//! and uninstall.

mod common;

use common::TestEnv;
use serde_json::{Value, json};

fn settings(env: &TestEnv) -> std::path::PathBuf {
    env.home.join(".gemini/settings.json")
}

fn hook(env: &TestEnv, payload: &Value) -> common::Run {
    env.run_with_stdin(
        &["hook", "gemini-cli"],
        &serde_json::to_vec(payload).expect("json"),
    )
}

fn tool(env: &TestEnv, event: &str, name: &str, input: Value) -> Value {
    let mut v = json!({
        "session_id": "gem-sess", "cwd": env.repo, "hook_event_name": event,
        "timestamp": "2026-12-06T12:05:36.804Z", "tool_name": name, "tool_input": input,
        "transcript_path": env.home.join(".gemini/tmp/repo/chats/s.jsonl"),
    });
    if event == "AfterTool" {
        v["tool_response"] = json!({"llmContent": "ok", "returnDisplay": "ok"});
    }
    v
}

fn steps(log: &Value) -> Vec<Value> {
    let mut out = Vec::new();
    for s in log["sessions"].as_array().expect("sessions") {
        for t in s["turns"].as_array().expect("turns") {
            out.extend(t["steps"].as_array().expect("steps").iter().cloned());
        }
    }
    out
}

#[test]
fn init_installs_hooks_doctor_catches_a_missing_program_and_uninstall_is_complete() {
    let env = TestEnv::new();
    std::fs::create_dir_all(env.home.join(".gemini")).expect("mkdir");
    let user = "{\n  \"security\": {\"auth\": {\"selectedType\": \"gemini-api-key\"}}\n}\n";
    std::fs::write(settings(&env), user).expect("settings");
    let r = env.run(&["init", "--agent", "gemini-cli"]);
    assert_eq!(r.code, 0, "{r:?}");
    let text = std::fs::read_to_string(settings(&env)).expect("settings");
    let v: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(
        v["hooks"]["BeforeTool"][0]["hooks"][0]["timeout"], 60000,
        "milliseconds"
    );
    assert!(text.contains("hook gemini-cli"), "{text}");
    assert_eq!(v["security"]["auth"]["selectedType"], "gemini-api-key");
    let doctor = env.run(&["doctor"]).stdout;
    assert!(
        doctor.contains("[ok  ] gemini-cli: installed in"),
        "{doctor}"
    );
    assert!(
        env.run(&["init", "--agent", "gemini-cli"])
            .stdout
            .contains("already installed")
    );

    // rein moved away while its hook stays: Gemini CLI would block every call. Doctor says so.
    let moved = text.replace(
        &common::rein_bin().display().to_string(),
        "/nonexistent/rein",
    );
    assert_ne!(moved, text);
    std::fs::write(settings(&env), &moved).expect("edit");
    let doctor = env.run(&["doctor"]);
    assert_eq!(doctor.code, 1, "{}", doctor.stdout);
    assert!(
        doctor.stdout.contains("blocks every tool call"),
        "{}",
        doctor.stdout
    );

    let r = env.run(&["init", "--agent", "gemini-cli", "--uninstall"]);
    assert_eq!(r.code, 0, "{r:?}");
    let back: Value =
        serde_json::from_str(&std::fs::read_to_string(settings(&env)).expect("settings"))
            .expect("json");
    assert_eq!(
        back,
        serde_json::from_str::<Value>(user).expect("json"),
        "only rein's hooks were removed"
    );
}

#[test]
fn gemini_has_no_personal_settings_file_per_repository() {
    let env = TestEnv::new();
    let r = env.run(&["init", "--agent", "gemini-cli", "--scope", "local"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("Gemini CLI has no personal settings file"),
        "{}",
        r.stderr
    );
}

#[test]
fn rein_hook_gemini_gates_and_pairs_results_without_ids() {
    let env = TestEnv::new();
    assert_eq!(env.run(&["init", "--agent", "gemini-cli"]).code, 0);
    let start = json!({"session_id": "gem-sess", "cwd": env.repo, "hook_event_name": "BeforeAgent", "prompt": "go"});
    assert_eq!(hook(&env, &start).code, 0);

    // The same call twice in flight, then both results: two steps, each completed once.
    let write = json!({"file_path": "a.txt", "content": "hello\n"});
    for _ in 0..2 {
        let r = hook(&env, &tool(&env, "BeforeTool", "write_file", write.clone()));
        assert_eq!((r.stdout.as_str(), r.code), ("", 0), "{r:?}");
    }
    env.write("a.txt", "hello\n");
    for _ in 0..2 {
        assert_eq!(
            hook(&env, &tool(&env, "AfterTool", "write_file", write.clone())).code,
            0
        );
    }
    let denied = hook(
        &env,
        &tool(
            &env,
            "BeforeTool",
            "run_shell_command",
            json!({"command": "cat .env"}),
        ),
    );
    let v: Value = serde_json::from_str(&denied.stdout).expect("a JSON answer");
    assert_eq!(v["decision"], "deny", "{v}");
    assert!(
        v["reason"]
            .as_str()
            .is_some_and(|r| r.contains("rein.secrets.dotenv")),
        "{v}"
    );
    // A call policy would ask about is denied, since Gemini CLI cannot ask from a hook.
    let asked = hook(
        &env,
        &tool(
            &env,
            "BeforeTool",
            "run_shell_command",
            json!({"command": "sudo ls"}),
        ),
    );
    let v: Value = serde_json::from_str(&asked.stdout).expect("a JSON answer");
    assert_eq!(v["decision"], "deny", "{v}");
    assert!(
        v["reason"]
            .as_str()
            .is_some_and(|r| r.contains("cannot ask")),
        "{v}"
    );

    let log = env.json(&["log", "--json"]);
    assert_eq!(log["sessions"][0]["agent"], "gemini-cli");
    let all = steps(&log);
    let writes: Vec<&Value> = all.iter().filter(|s| s["tool"] == "write_file").collect();
    assert_eq!(writes.len(), 2, "{log:#}");
    for s in &writes {
        assert_eq!(s["outcome"], "ok", "{s:#}");
    }
    let files: usize = writes
        .iter()
        .map(|s| s["files"].as_array().map_or(0, Vec::len))
        .sum();
    assert_eq!(files, 1, "the file was written once: {log:#}");
    // Doctor sees Gemini CLI's hooks firing.
    let doctor = env.run(&["doctor"]).stdout;
    assert!(
        doctor.contains("gemini-cli: firing: last event received"),
        "{doctor}"
    );
    // A malformed payload from Gemini CLI is denied.
    let bad = env.run_with_stdin(&["hook", "gemini-cli"], b"{not json");
    let v: Value = serde_json::from_str(&bad.stdout).expect("a JSON answer");
    assert_eq!(v["decision"], "deny");
}
