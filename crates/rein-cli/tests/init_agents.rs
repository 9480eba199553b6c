//! `rein init` for several agents: the default takes the agents this machine and repository show
//! signs of (else Claude Code), `--agent all` takes every one, and `--uninstall` removes them all.

mod common;

use common::TestEnv;

fn exists(env: &TestEnv, rel: &str) -> bool {
    env.home.join(rel).exists()
}

#[test]
fn without_signs_of_any_agent_init_installs_claude_code() {
    let env = TestEnv::new();
    let r = env.run(&["init"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(env.path(".claude/settings.local.json").exists());
    assert!(!exists(&env, ".codex/hooks.json"));
}

#[test]
fn init_installs_the_agents_it_finds_signs_of() {
    let env = TestEnv::new();
    std::fs::create_dir_all(env.home.join(".codex")).expect("mkdir");
    std::fs::create_dir_all(env.home.join(".gemini")).expect("mkdir");
    let r = env.run(&["init"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stdout
            .contains("Installing rein's hooks for: codex, gemini-cli"),
        "{}",
        r.stdout
    );
    assert!(exists(&env, ".codex/hooks.json"));
    assert!(exists(&env, ".gemini/settings.json"));
    assert!(
        !env.path(".claude/settings.local.json").exists(),
        "no sign of Claude Code"
    );
}

#[test]
fn all_installs_every_agent_doctor_sees_them_and_uninstall_removes_them() {
    let env = TestEnv::new();
    let r = env.run(&["init", "--agent", "all"]);
    assert_eq!(r.code, 0, "{r:?}");
    for rel in [
        ".codex/hooks.json",
        ".gemini/settings.json",
        ".copilot/hooks/rein.json",
        ".config/opencode/plugin/rein.js",
        ".cursor/hooks.json",
    ] {
        assert!(exists(&env, rel), "{rel}: {}", r.stdout);
    }
    assert!(env.path(".claude/settings.local.json").exists());
    let doctor = env.run(&["doctor"]).stdout;
    for agent in ["codex", "gemini-cli", "copilot", "opencode", "cursor"] {
        assert!(
            doctor.contains(&format!("[ok  ] {agent}")),
            "{agent}: {doctor}"
        );
    }
    let r = env.run(&["init", "--agent", "all", "--uninstall"]);
    assert_eq!(r.code, 0, "{r:?}");
    for rel in [
        ".codex/hooks.json",
        ".copilot/hooks/rein.json",
        ".config/opencode/plugin/rein.js",
        ".cursor/hooks.json",
    ] {
        assert!(!exists(&env, rel), "{rel} left: {}", r.stdout);
    }
    assert!(!env.path(".claude/settings.local.json").exists());
}

#[test]
fn a_scope_an_agent_does_not_have_skips_it() {
    let env = TestEnv::new();
    let r = env.run(&["init", "--agent", "all", "--scope", "local"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stdout.contains("skipped: codex has no local scope"),
        "{}",
        r.stdout
    );
    assert!(env.path(".claude/settings.local.json").exists());
    assert!(!exists(&env, ".codex/hooks.json"));
}
