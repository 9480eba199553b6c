//! Cursor, from its documented payloads (no Cursor agent runs here): `rein init --agent cursor`,
//! `rein doctor`, `rein hook cursor`, and the case Cursor creates by also running the hooks in
//! Claude Code's settings: one event reaching both `rein hook cursor` and `rein hook claude-code`
//! is recorded once.

mod common;

use common::TestEnv;
use serde_json::{Value, json};

fn payload(env: &TestEnv, event: &str, extra: Value) -> Value {
    let mut v = json!({
        "conversation_id": "conv-1", "generation_id": "gen-1", "model": "m",
        "hook_event_name": event, "session_id": "conv-1", "cursor_version": "1.0.0",
        "workspace_roots": [env.repo], "user_email": "dev@example.invalid", "transcript_path": null,
    });
    for (k, val) in extra.as_object().expect("object") {
        v[k] = val.clone();
    }
    v
}

fn hook(env: &TestEnv, agent: &str, payload: &Value) -> common::Run {
    env.run_with_stdin(
        &["hook", agent],
        &serde_json::to_vec(payload).expect("json"),
    )
}

/// Sends one Cursor session (a prompt, a shell call that writes a file, its result) through
/// `agents` (each event to every one of them, as Cursor runs every configured hook).
fn session(env: &TestEnv, agents: &[&str]) -> Vec<common::Run> {
    let mut answers = Vec::new();
    let prompt = payload(env, "beforeSubmitPrompt", json!({"prompt": "go"}));
    let call = json!({"tool_name": "Shell", "tool_input": {"command": "echo hi > a.txt"},
                      "tool_use_id": "tool_1", "cwd": env.repo});
    let pre = payload(env, "preToolUse", call.clone());
    let mut post = payload(env, "postToolUse", call);
    post["tool_output"] = json!("");
    for a in agents {
        answers.push(hook(env, a, &prompt));
    }
    for a in agents {
        answers.push(hook(env, a, &pre));
    }
    env.write("a.txt", "hi\n");
    for a in agents {
        answers.push(hook(env, a, &post));
    }
    answers
}

fn prompts_and_steps(env: &TestEnv) -> (usize, usize, Value) {
    let log = env.json(&["log", "--json"]);
    let turns = log["sessions"][0]["turns"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let steps = turns
        .iter()
        .map(|t| t["steps"].as_array().map_or(0, Vec::len))
        .sum();
    (turns.len(), steps, log)
}

#[test]
fn init_doctor_and_uninstall() {
    let env = TestEnv::new();
    let path = env.home.join(".cursor/hooks.json");
    std::fs::create_dir_all(path.parent().expect("dir")).expect("mkdir");
    std::fs::write(
        &path,
        r#"{"version": 1, "hooks": {"stop": [{"command": "./mine.sh"}]}}"#,
    )
    .expect("write");
    let r = env.run(&["init", "--agent", "cursor"]);
    assert_eq!(r.code, 0, "{r:?}");
    let v: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
    assert_eq!(v["hooks"]["preToolUse"][0]["failClosed"], true);
    assert_eq!(v["hooks"]["stop"][0]["command"], "./mine.sh");
    let doctor = env.run(&["doctor"]).stdout;
    assert!(doctor.contains("[ok  ] cursor: installed in"), "{doctor}");
    let r = env.run(&["init", "--agent", "cursor", "--uninstall"]);
    assert_eq!(r.code, 0, "{r:?}");
    let v: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
    assert_eq!(
        v,
        json!({"version": 1, "hooks": {"stop": [{"command": "./mine.sh"}]}})
    );
}

#[test]
fn rein_hook_cursor_answers_in_json_and_records() {
    let env = TestEnv::new();
    assert_eq!(env.run(&["init", "--agent", "cursor"]).code, 0);
    let answers = session(&env, &["cursor"]);
    for a in &answers {
        assert_eq!(
            (a.stdout.as_str(), a.code),
            ("{}", 0),
            "a fail-closed hook must answer: {a:?}"
        );
    }
    let (prompts, steps, log) = prompts_and_steps(&env);
    assert_eq!((prompts, steps), (1, 1), "{log:#}");
    assert_eq!(log["sessions"][0]["agent"], "cursor");
    assert_eq!(
        log["sessions"][0]["turns"][0]["steps"][0]["files"][0]["path"],
        "a.txt"
    );
    let denied = hook(
        &env,
        "cursor",
        &payload(
            &env,
            "preToolUse",
            json!({"tool_name": "Read", "tool_input": {"file_path": ".env"}, "tool_use_id": "tool_2"}),
        ),
    );
    let v: Value = serde_json::from_str(&denied.stdout).expect("json");
    assert_eq!(v["permission"], "deny", "{v}");
}

#[test]
fn regression_a_cursor_event_through_reins_claude_code_hook_was_recorded_twice() {
    let env = TestEnv::new();
    assert_eq!(env.run(&["init", "--agent", "cursor"]).code, 0);
    // Cursor runs rein's Claude Code hook too, with the same payloads.
    let answers = session(&env, &["cursor", "claude-code"]);
    for a in &answers {
        assert_eq!(a.code, 0, "{a:?}");
        assert_eq!(a.stdout, "{}", "answered in Cursor's format: {a:?}");
    }
    let (prompts, steps, log) = prompts_and_steps(&env);
    assert_eq!((prompts, steps), (1, 1), "each event once: {log:#}");
    // The second hook still gates.
    let env_pre = payload(
        &env,
        "preToolUse",
        json!({"tool_name": "Shell", "tool_input": {"command": "cat .env"}, "tool_use_id": "tool_9"}),
    );
    let v: Value = serde_json::from_str(&hook(&env, "claude-code", &env_pre).stdout).expect("json");
    assert_eq!(v["permission"], "deny", "{v}");
}

#[test]
fn without_reins_cursor_hooks_claude_codes_hook_records_cursor_sessions() {
    let env = TestEnv::new();
    session(&env, &["claude-code"]);
    let (prompts, steps, log) = prompts_and_steps(&env);
    assert_eq!((prompts, steps), (1, 1), "{log:#}");
    assert_eq!(log["sessions"][0]["agent"], "cursor");
}
