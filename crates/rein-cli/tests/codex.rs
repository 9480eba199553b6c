//! Codex without the Codex binary: `rein init --agent codex` (hooks.json and trust), `rein doctor`
//! (a stale trust entry means Codex skips the hooks, silently), `rein hook codex` on captured
//! payloads, and uninstall.

mod common;

use common::TestEnv;
use serde_json::{Value, json};

fn codex_home(env: &TestEnv) -> std::path::PathBuf {
    env.home.join(".codex")
}

fn hook(env: &TestEnv, payload: &Value) -> common::Run {
    env.run_with_stdin(
        &["hook", "codex"],
        &serde_json::to_vec(payload).expect("json"),
    )
}

fn pre(env: &TestEnv, id: &str, command: &str) -> Value {
    json!({
        "session_id": "codex-sess", "turn_id": "turn-1", "cwd": env.repo,
        "hook_event_name": "PreToolUse", "model": "gpt-5.5", "permission_mode": "bypassPermissions",
        "tool_name": "Bash", "tool_input": {"command": command}, "tool_use_id": id,
        "transcript_path": env.home.join(".codex/sessions/x.jsonl"),
    })
}

#[test]
fn init_installs_trusted_hooks_and_doctor_catches_a_stale_trust() {
    let env = TestEnv::new();
    std::fs::create_dir_all(codex_home(&env)).expect("mkdir");
    std::fs::write(
        codex_home(&env).join("config.toml"),
        "model = \"gpt-5.5\"\n",
    )
    .expect("config");
    let r = env.run(&["init", "--agent", "codex"]);
    assert_eq!(r.code, 0, "{r:?}");
    let hooks = std::fs::read_to_string(codex_home(&env).join("hooks.json")).expect("hooks.json");
    assert!(hooks.contains("hook codex"), "{hooks}");
    let doctor = env.run(&["doctor"]).stdout;
    assert!(doctor.contains("[ok  ] codex: installed in"), "{doctor}");
    assert!(doctor.contains("trusted"), "{doctor}");
    // Idempotent.
    let again = env.run(&["init", "--agent", "codex"]).stdout;
    assert!(again.contains("already installed"), "{again}");

    // Someone edits the command: Codex will skip the hooks; doctor says so, and how to fix it.
    std::fs::write(
        codex_home(&env).join("hooks.json"),
        hooks.replace("hook codex\"", "hook codex --event x\""),
    )
    .expect("edit");
    let doctor = env.run(&["doctor"]);
    assert_eq!(doctor.code, 1, "{}", doctor.stdout);
    assert!(
        doctor.stdout.contains("Codex skips rein's"),
        "{}",
        doctor.stdout
    );
    assert!(
        doctor.stdout.contains("fix: rein init --agent codex"),
        "{}",
        doctor.stdout
    );
    assert_eq!(env.run(&["init", "--agent", "codex"]).code, 0);
    assert!(env.run(&["doctor"]).stdout.contains("[ok  ] codex"));

    // Uninstall removes rein's hooks and trust, and keeps the user's config.
    let r = env.run(&["init", "--agent", "codex", "--uninstall"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(!codex_home(&env).join("hooks.json").exists());
    let config = std::fs::read_to_string(codex_home(&env).join("config.toml")).expect("config");
    assert_eq!(config.trim(), "model = \"gpt-5.5\"", "{config}");
}

#[test]
fn codex_has_no_personal_hook_file_per_repository() {
    let env = TestEnv::new();
    let r = env.run(&["init", "--agent", "codex", "--scope", "local"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("Codex has no personal hook file"),
        "{}",
        r.stderr
    );
}

#[test]
fn rein_hook_codex_gates_and_records() {
    let env = TestEnv::new();
    assert_eq!(env.run(&["init", "--agent", "codex"]).code, 0);
    let ok = hook(&env, &pre(&env, "call_1", "ls -la"));
    assert_eq!((ok.stdout.as_str(), ok.code), ("", 0), "{ok:?}");
    let denied = hook(&env, &pre(&env, "call_2", "cat .env"));
    let v: Value = serde_json::from_str(&denied.stdout).expect("a JSON answer");
    assert_eq!(v["hookSpecificOutput"]["permissionDecision"], "deny");
    assert!(
        v["hookSpecificOutput"]["permissionDecisionReason"]
            .as_str()
            .is_some_and(|r| r.contains("rein.secrets.dotenv")),
        "{v}"
    );
    // A call policy would ask about is denied, since Codex cannot ask.
    let asked = hook(&env, &pre(&env, "call_3", "sudo ls"));
    let v: Value = serde_json::from_str(&asked.stdout).expect("a JSON answer");
    assert_eq!(v["hookSpecificOutput"]["permissionDecision"], "deny");
    assert!(
        v["hookSpecificOutput"]["permissionDecisionReason"]
            .as_str()
            .is_some_and(|r| r.contains("Codex cannot ask")),
        "{v}"
    );
    let log = env.json(&["log", "--json"]);
    assert_eq!(log["sessions"][0]["agent"], "codex");
    // A malformed payload from Codex is denied, and the failure logged.
    let bad = env.run_with_stdin(&["hook", "codex"], b"{not json");
    let v: Value = serde_json::from_str(&bad.stdout).expect("a JSON answer");
    assert_eq!(v["hookSpecificOutput"]["permissionDecision"], "deny");
    // An unknown agent is a usage error.
    assert_eq!(
        env.run_with_stdin(&["hook", "no-such-agent"], b"{}").code,
        2
    );
}
