//! Cursor's hook payloads, written from the hook executor in `@cursor/sdk` 1.0.32 (NOT captured
//! from a running agent: no Cursor agent runs here; see the fixtures' README). Every one parses,
//! tool calls become the right neutral actions, a Cursor payload reaching Claude Code's hook is
//! Cursor's, and answers are what Cursor's validators accept.

use std::path::{Path, PathBuf};

use rein_agents::Dialect;
use rein_agents::claude_code::ClaudeCode;
use rein_agents::cursor::Cursor;
use rein_agents::dialect::Answer;
use rein_call::Action;
use rein_core::event::EventKind;
use serde_json::Value;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cursor/from-source")
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(dir().join(name)).expect("fixture")
}

#[test]
fn every_payload_parses_and_tool_calls_are_neutral_actions() {
    for name in [
        "preToolUse.Shell.json",
        "postToolUse.Shell.json",
        "postToolUseFailure.Shell.json",
        "beforeSubmitPrompt.json",
        "stop.json",
        "beforeShellExecution.json",
        "beforeReadFile.json",
        "beforeMCPExecution.json",
        "afterFileEdit.json",
        "afterShellExecution.json",
    ] {
        let event = Cursor.parse(&fixture(name), None).expect(name);
        assert_eq!(event.agent, "cursor");
        assert_eq!(event.session_id, "c0ffee00-0000-4000-8000-000000000001");
    }
    let pre = Cursor
        .parse(&fixture("preToolUse.Shell.json"), None)
        .expect("parses");
    let EventKind::ToolPre(call) = pre.kind else {
        panic!("not a preToolUse");
    };
    assert_eq!(call.tool_use_id, "tool_0001");
    assert_eq!(
        call.action,
        Action::Shell {
            command: "echo hi > a.txt".into(),
            shell: None
        }
    );
    let failed = Cursor
        .parse(&fixture("postToolUseFailure.Shell.json"), None)
        .expect("parses");
    assert!(
        matches!(failed.kind, EventKind::ToolFailed { ref error, .. } if error == "exit code 2")
    );
    let prompt = Cursor
        .parse(&fixture("beforeSubmitPrompt.json"), None)
        .expect("parses");
    assert!(matches!(prompt.kind, EventKind::Prompt { ref prompt, .. } if prompt == "do the task"));
}

#[test]
fn a_cursor_payload_reaching_claude_codes_hook_is_cursors() {
    // Cursor runs the hooks of Claude Code's settings with its own payloads.
    let event = ClaudeCode
        .parse(&fixture("preToolUse.Shell.json"), None)
        .expect("parses");
    assert_eq!(event.agent, "cursor");
    assert!(matches!(event.kind, EventKind::ToolPre(_)));
    // A malformed one may still be a gate: fail closed.
    assert!(ClaudeCode.may_be_gate(br#"{"hook_event_name": "preToolUse"}"#, None));
}

#[test]
fn answers_are_json_that_cursor_accepts() {
    let nothing = Cursor.render_gate(&Answer::Nothing);
    assert_eq!(
        nothing.stdout, "{}",
        "empty output blocks a fail-closed hook"
    );
    assert_eq!(Cursor.render_recorded().stdout, "{}");
    let deny = Cursor.render_gate(&Answer::Deny("rein: no".into()));
    let v: Value = serde_json::from_str(&deny.stdout).expect("json");
    assert_eq!(v["permission"], "deny");
    assert_eq!(v["agent_message"], "rein: no");
    // The shape of the documented deny answer, plus Claude's fields.
    let documented: Value =
        serde_json::from_slice(&fixture("response.preToolUse.deny.json")).expect("json");
    for key in documented.as_object().expect("object").keys() {
        assert!(v.get(key).is_some(), "missing {key}: {v}");
    }
    let ask = Cursor.render_gate(&Answer::Ask("rein: approve".into()));
    let v: Value = serde_json::from_str(&ask.stdout).expect("json");
    assert_eq!(v["permission"], "ask");
    assert!(Cursor.may_be_gate(b"{not json", None));
    assert!(!Cursor.may_be_gate(br#"{"hook_event_name": "stop"}"#, None));
}
