//! opencode without the opencode binary: `rein init --agent opencode` (rein's plugin), `rein
//! doctor` (an edited plugin, or one whose rein is gone), `rein hook opencode` on the calls the
//! plugin forwards, and uninstall.

mod common;

use common::TestEnv;
use serde_json::{Value, json};

fn plugin(env: &TestEnv) -> std::path::PathBuf {
    env.home.join(".config/opencode/plugin/rein.js")
}

fn hook(env: &TestEnv, payload: &Value) -> common::Run {
    env.run_with_stdin(
        &["hook", "opencode"],
        &serde_json::to_vec(payload).expect("json"),
    )
}

fn before(env: &TestEnv, id: &str, command: &str) -> Value {
    json!({"hook": "tool.execute.before", "cwd": env.repo,
           "input": {"tool": "bash", "sessionID": "ses_1", "callID": id},
           "output": {"args": {"command": command, "description": "x"}}})
}

#[test]
fn init_doctor_and_uninstall_of_reins_plugin() {
    let env = TestEnv::new();
    let r = env.run(&["init", "--agent", "opencode"]);
    assert_eq!(r.code, 0, "{r:?}");
    let text = std::fs::read_to_string(plugin(&env)).expect("rein.js");
    assert!(text.starts_with("// rein: opencode plugin"), "{text}");
    assert!(
        text.contains(&format!(
            "const REIN = {};",
            json!(
                common::rein_bin()
                    .canonicalize()
                    .expect("bin")
                    .display()
                    .to_string()
            )
        )),
        "{text}"
    );
    let doctor = env.run(&["doctor"]).stdout;
    assert!(
        doctor.contains("[ok  ] opencode: plugin installed"),
        "{doctor}"
    );
    assert!(
        env.run(&["init", "--agent", "opencode"])
            .stdout
            .contains("already installed")
    );

    // Edited: doctor says so. Its rein gone: every tool call would be blocked.
    std::fs::write(plugin(&env), text.replace("session.idle", "session.x")).expect("edit");
    let doctor = env.run(&["doctor"]);
    assert!(
        doctor.stdout.contains("is not the plugin this rein writes"),
        "{}",
        doctor.stdout
    );
    let gone = text.replace(
        &common::rein_bin()
            .canonicalize()
            .expect("bin")
            .display()
            .to_string(),
        "/nonexistent/rein",
    );
    std::fs::write(plugin(&env), gone).expect("edit");
    let doctor = env.run(&["doctor"]);
    assert_eq!(doctor.code, 1, "{}", doctor.stdout);
    assert!(
        doctor.stdout.contains("opencode blocks every tool call"),
        "{}",
        doctor.stdout
    );

    let r = env.run(&["init", "--agent", "opencode", "--uninstall"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(!plugin(&env).exists());
}

#[test]
fn a_plugin_that_is_not_reins_is_never_overwritten_or_removed() {
    let env = TestEnv::new();
    std::fs::create_dir_all(plugin(&env).parent().expect("dir")).expect("mkdir");
    std::fs::write(plugin(&env), "export const Mine = async () => ({});\n").expect("write");
    let r = env.run(&["init", "--agent", "opencode"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains("is not rein's plugin"), "{}", r.stderr);
    let r = env.run(&["init", "--agent", "opencode", "--uninstall"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(
        std::fs::read_to_string(plugin(&env)).expect("kept"),
        "export const Mine = async () => ({});\n"
    );
}

#[test]
fn rein_hook_opencode_gates_and_records() {
    let env = TestEnv::new();
    let start = json!({"hook": "event", "cwd": env.repo, "input": {"type": "session.created",
        "properties": {"sessionID": "ses_1", "info": {"id": "ses_1", "directory": env.repo}}}});
    assert_eq!(hook(&env, &start).code, 0);
    let ok = hook(&env, &before(&env, "call_1", "echo hi > a.txt"));
    assert_eq!((ok.stdout.as_str(), ok.code), ("", 0), "{ok:?}");
    env.write("a.txt", "hi\n");
    let after = json!({"hook": "tool.execute.after", "cwd": env.repo,
        "input": {"tool": "bash", "sessionID": "ses_1", "callID": "call_1",
                  "args": {"command": "echo hi > a.txt"}},
        "output": {"title": "echo", "output": "", "metadata": {"exit": 0}}});
    assert_eq!(hook(&env, &after).code, 0);
    let denied = hook(&env, &before(&env, "call_2", "cat .env"));
    let v: Value = serde_json::from_str(&denied.stdout).expect("a JSON answer");
    assert_eq!(v["decision"], "deny", "{v}");
    let asked = hook(&env, &before(&env, "call_3", "sudo ls"));
    let v: Value = serde_json::from_str(&asked.stdout).expect("a JSON answer");
    assert_eq!(v["decision"], "deny", "opencode cannot ask: {v}");
    assert!(
        v["reason"]
            .as_str()
            .is_some_and(|r| r.contains("cannot ask"))
    );

    let log = env.json(&["log", "--json"]);
    assert_eq!(log["sessions"][0]["agent"], "opencode");
    let step = &log["sessions"][0]["turns"][0]["steps"][0];
    assert_eq!(step["outcome"], "ok", "{log:#}");
    assert_eq!(step["files"][0]["path"], "a.txt", "{log:#}");
    // The plugin blocks unless the answer is empty or an allow: a malformed payload is denied.
    let bad = env.run_with_stdin(&["hook", "opencode"], b"{not json");
    let v: Value = serde_json::from_str(&bad.stdout).expect("a JSON answer");
    assert_eq!(v["decision"], "deny");
}
