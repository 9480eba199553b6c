//! What a newcomer meets in the first ten minutes: doctor's fixes work where they are given,
//! hook failures can be inspected and cleared, uninstall leaves nothing of rein behind, and a
//! session whose human is unknown says so.

mod common;

use common::TestEnv;
use serde_json::json;

const SESSION: &str = "sess-first-touch";

fn installed() -> TestEnv {
    let env = TestEnv::new();
    env.write("README.md", "hello\n");
    let (_, stderr, code) = env.rein(&["init"]);
    assert_eq!((code, stderr.as_str()), (0, ""), "rein init");
    env
}

/// The `fix:` line printed under the first check named `name`.
fn fix_of(doctor: &str, name: &str) -> Option<String> {
    let mut lines = doctor.lines();
    while let Some(l) = lines.next() {
        if l.contains(&format!("] {name}:")) {
            return lines
                .next()
                .and_then(|f| f.trim().strip_prefix("fix: "))
                .map(str::to_owned);
        }
    }
    None
}

#[test]
fn regression_doctor_outside_a_work_tree_said_fix_rein_init_which_fails_there() {
    let mut env = TestEnv::without_repo();
    let plain = env.root.join("plain");
    std::fs::create_dir_all(&plain).expect("mkdir");
    env.cwd = plain;
    let doctor = env.run(&["doctor"]);
    assert_eq!(doctor.code, 1, "{doctor:?}");
    let fix = fix_of(&doctor.stdout, "hooks").expect("a fix for the hooks");
    assert!(fix.starts_with("rein init --scope user"), "{fix}");
    // `rein init` alone fails here, the fix given works.
    assert_eq!(env.run(&["init"]).code, 1);
    let init = env.run(&["init", "--scope", "user"]);
    assert_eq!(init.code, 0, "{init:?}");
    let doctor = env.run(&["doctor"]);
    assert!(
        !doctor.stdout.contains("[FAIL] hooks"),
        "the fix fixed it: {}",
        doctor.stdout
    );
}

#[test]
fn regression_doctor_said_hooks_were_firing_after_uninstall() {
    let env = installed();
    env.hook_ok(&env.session_start(SESSION));
    let doctor = env.run(&["doctor"]).stdout;
    assert!(doctor.contains("hooks are firing"), "{doctor}");
    assert_eq!(env.run(&["init", "--uninstall"]).code, 0);
    let doctor = env.run(&["doctor"]).stdout;
    assert!(!doctor.contains("hooks are firing"), "{doctor}");
    assert!(
        doctor.contains("no rein hook is installed now, so new sessions are not recorded"),
        "{doctor}"
    );
    assert_eq!(fix_of(&doctor, "events").as_deref(), Some("rein init"));
}

#[test]
fn hook_failures_can_be_listed_and_cleared() {
    let env = installed();
    // Two malformed PreToolUse payloads: denied, logged, spooled.
    for _ in 0..2 {
        let r = env.hook_raw(br#"{"hook_event_name":"PreToolUse","session_id":"x","cwd":"/tmp","tool_name":"Bash","tool_input":{}}"#);
        assert_eq!(r.code, 0);
    }
    let doctor = env.run(&["doctor"]).stdout;
    assert!(doctor.contains("2 hook failure(s) not cleared"), "{doctor}");
    let list = env.json(&["doctor", "--failures", "--json"]);
    assert_eq!(list["total"], 2);
    assert_eq!(list["failures"].as_array().map(Vec::len), Some(2));
    assert_eq!(list["failures"][0]["event"], "PreToolUse");
    assert_eq!(list["spooled"].as_array().map(Vec::len), Some(2));
    let text = env.run(&["doctor", "--failures"]);
    assert_eq!(text.code, 0);
    assert!(
        text.stdout.contains("2 hook failure(s) not cleared"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout.contains("rein doctor --clear-failures"),
        "{}",
        text.stdout
    );

    let cleared = env.json(&["doctor", "--clear-failures", "--json"]);
    assert_eq!(cleared["cleared"], 2);
    assert_eq!(cleared["spooled_moved"], 2);
    let doctor = env.run(&["doctor"]).stdout;
    assert!(!doctor.contains("failures:"), "{doctor}");
    assert!(!doctor.contains("spool:"), "{doctor}");
    // The payloads are kept, moved aside; the failures stay in the store.
    let kept = std::fs::read_dir(env.rein_home.join("spool/cleared"))
        .expect("cleared dir")
        .count();
    assert_eq!(kept, 2);
    let list = env.json(&["doctor", "--failures", "--json"]);
    assert_eq!(list["total"], 0);
    // A new failure is reported again.
    let r = env.hook_raw(b"not json at all");
    assert_eq!(r.code, 0);
    assert!(
        env.run(&["doctor"])
            .stdout
            .contains("1 hook failure(s) not cleared")
    );
}

#[test]
fn uninstall_keeps_the_users_own_settings_and_removes_only_rein() {
    let env = TestEnv::new();
    env.write(
        ".claude/settings.local.json",
        "{\n  \"permissions\": {\"allow\": [\"Bash(ls:*)\"]}\n}\n",
    );
    assert_eq!(env.run(&["init", "--no-baseline"]).code, 0);
    let r = env.run(&["init", "--uninstall"]);
    assert_eq!(r.code, 0, "{r:?}");
    let text = env.read(".claude/settings.local.json");
    let v: serde_json::Value = serde_json::from_str(&text).expect("json");
    assert_eq!(v, json!({"permissions": {"allow": ["Bash(ls:*)"]}}));
}

#[test]
fn uninstall_leaves_a_directory_that_holds_other_files() {
    let env = TestEnv::new();
    env.write(".claude/agents/reviewer.md", "---\nname: reviewer\n---\n");
    assert_eq!(env.run(&["init", "--no-baseline"]).code, 0);
    assert_eq!(env.run(&["init", "--uninstall"]).code, 0);
    assert!(!env.path(".claude/settings.local.json").exists());
    assert!(env.path(".claude/agents/reviewer.md").exists());
}

#[test]
fn a_session_whose_human_is_unknown_says_so() {
    let env = TestEnv::new();
    // No user.email anywhere, no $USER, no configured human.
    env.git(&["config", "--unset", "user.email"]);
    assert_eq!(env.run(&["init"]).code, 0);
    env.hook_ok(&env.session_start(SESSION));
    let log = env.run(&["log"]).stdout;
    let first = log.lines().next().expect("a line");
    assert!(first.ends_with(" · unknown human"), "{log}");
    let json = env.json(&["log", "--json"]);
    assert_eq!(json["sessions"][0]["human"], serde_json::Value::Null);
}
