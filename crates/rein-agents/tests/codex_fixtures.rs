//! Codex's real hook payloads (captured from `@openai/codex@0.171.0`): every one parses, tool
//! calls become the right neutral actions, and answers have the shape Codex obeys.

use rein_agents::Dialect;
use rein_agents::codex::Codex;
use rein_agents::dialect::Answer;
use rein_call::{Action, PatchOp};
use rein_core::event::EventKind;

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/codex/hooks")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_captured_payload_parses() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/codex/hooks");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).expect("fixtures") {
        let bytes = std::fs::read(entry.expect("entry").path()).expect("read");
        let event = Codex.parse(&bytes, None).expect("parses");
        assert_eq!(event.agent, "codex");
        n += 1;
    }
    assert!(n >= 14, "{n} fixtures");
    let sequence = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/codex/hook-events.sequence.jsonl"),
    )
    .expect("sequence");
    for line in sequence.lines().filter(|l| !l.trim().is_empty()) {
        Codex
            .parse(line.as_bytes(), None)
            .expect("sequence line parses");
    }
}

#[test]
fn tool_calls_become_neutral_actions() {
    let pre = Codex
        .parse(&fixture("PreToolUse.Bash.json"), None)
        .expect("parses");
    let EventKind::ToolPre(call) = pre.kind else {
        panic!("not a PreToolUse");
    };
    assert_eq!(call.tool, "Bash");
    assert_eq!(call.tool_use_id, "call_mockt0_0");
    assert_eq!(
        call.prompt_id.as_deref(),
        Some("01a24b38-5ca6-7443-87cd-1df286d04027"),
        "the turn is the prompt"
    );
    assert_eq!(
        call.action,
        Action::Shell {
            command: "echo hi > a.txt".into(),
            shell: None
        }
    );
    let patch = Codex
        .parse(&fixture("PreToolUse.apply_patch.json"), None)
        .expect("parses");
    let EventKind::ToolPre(call) = patch.kind else {
        panic!("not a PreToolUse");
    };
    let Action::Patch { files } = &call.action else {
        panic!("{:?}", call.action);
    };
    assert_eq!(files.len(), 1);
    assert_eq!(
        (files[0].path.as_str(), files[0].op),
        ("b.txt", PatchOp::Add)
    );
    let post = Codex
        .parse(&fixture("PostToolUse.apply_patch.json"), None)
        .expect("parses");
    assert!(matches!(post.kind, EventKind::ToolPost { .. }));
    let prompt = Codex
        .parse(&fixture("UserPromptSubmit.json"), None)
        .expect("parses");
    assert!(matches!(
        prompt.kind,
        EventKind::Prompt {
            prompt_id: Some(_),
            ..
        }
    ));
}

#[test]
fn answers_are_what_codex_obeys_and_ask_becomes_a_deny() {
    let deny = Codex.render_gate(&Answer::Deny("rein: no".into()));
    let v: serde_json::Value = serde_json::from_str(&deny.stdout).expect("json");
    assert_eq!(v["hookSpecificOutput"]["permissionDecision"], "deny");
    assert_eq!(deny.exit_code, 0);
    // Codex runs a call whose hook answers "ask": rein denies and says why.
    let ask = Codex.render_gate(&Answer::Ask("rein: needs approval".into()));
    let v: serde_json::Value = serde_json::from_str(&ask.stdout).expect("json");
    assert_eq!(v["hookSpecificOutput"]["permissionDecision"], "deny");
    assert!(
        v["hookSpecificOutput"]["permissionDecisionReason"]
            .as_str()
            .is_some_and(|r| r.contains("cannot ask")),
        "{v}"
    );
    assert_eq!(Codex.render_gate(&Answer::Nothing).stdout, "");
    assert!(!Codex.capabilities().ask);
}

#[test]
fn a_malformed_pre_tool_use_may_be_a_gate() {
    assert!(Codex.may_be_gate(b"{not json", None));
    assert!(!Codex.may_be_gate(br#"{"hook_event_name":"Stop"}"#, None));
}
