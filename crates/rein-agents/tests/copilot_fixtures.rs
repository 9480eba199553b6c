//! Copilot CLI's real hook payloads (captured from `@github/copilot@1.0.102`) in both of its
//! formats: Copilot's own (camelCase payloads that do not name their event; the hook command
//! passes it) and the Claude format (PascalCase events, snake_case fields). Every one parses,
//! both formats give the same neutral actions, each result carries the key of its call, and
//! answers have the shape Copilot obeys.

use std::path::{Path, PathBuf};

use rein_agents::Dialect;
use rein_agents::copilot::Copilot;
use rein_agents::dialect::Answer;
use rein_call::Action;
use rein_core::event::{CONTENT_KEY_PREFIX, Event, EventKind};
use serde_json::Value;

fn dir(format: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/copilot")
        .join(format)
}

/// The event a fixture is about, from its file name (`preToolUse.bash.json` → `preToolUse`).
fn parse_fixture(format: &str, name: &str) -> Event {
    let bytes = std::fs::read(dir(format).join("hooks").join(name)).expect("fixture");
    let event = name.split('.').next().expect("event");
    Copilot.parse(&bytes, Some(event)).expect("parses")
}

fn call_of(kind: &EventKind) -> Option<&rein_core::event::ToolCall> {
    match kind {
        EventKind::ToolPre(call)
        | EventKind::ToolPost { call, .. }
        | EventKind::ToolFailed { call, .. }
        | EventKind::ToolDenied { call, .. } => Some(call),
        _ => None,
    }
}

#[test]
fn every_captured_payload_of_both_formats_parses() {
    for format in ["camel", "pascal"] {
        let mut n = 0;
        for entry in std::fs::read_dir(dir(format).join("hooks")).expect("fixtures") {
            let name = entry.expect("entry").file_name();
            let event = parse_fixture(format, &name.to_string_lossy());
            assert_eq!(event.agent, "copilot");
            n += 1;
        }
        assert!(n >= 21, "{format}: {n} fixtures");
    }
    // A camelCase payload without its event cannot be placed: an error, never a guess.
    let bytes = std::fs::read(dir("camel").join("hooks/preToolUse.bash.json")).expect("fixture");
    assert!(Copilot.parse(&bytes, None).is_err());
}

#[test]
fn in_a_whole_session_every_result_has_the_key_of_an_earlier_call() {
    for format in ["camel", "pascal"] {
        let sequence = std::fs::read_to_string(dir(format).join("hook-events.sequence.jsonl"))
            .expect("sequence");
        let mut pending: Vec<String> = Vec::new();
        let (mut calls, mut results) = (0, 0);
        for line in sequence.lines().filter(|l| !l.trim().is_empty()) {
            let v: Value = serde_json::from_str(line).expect("json");
            let event = Copilot
                .parse(line.as_bytes(), v["_event"].as_str())
                .expect("parses");
            match &event.kind {
                EventKind::ToolPre(call) => {
                    assert!(call.tool_use_id.starts_with(CONTENT_KEY_PREFIX));
                    pending.push(call.tool_use_id.clone());
                    calls += 1;
                }
                kind @ (EventKind::ToolPost { .. } | EventKind::ToolFailed { .. }) => {
                    let key = &call_of(kind).expect("a call").tool_use_id;
                    let at = pending
                        .iter()
                        .position(|k| k == key)
                        .unwrap_or_else(|| panic!("{format}: a result without its call: {line}"));
                    pending.remove(at);
                    results += 1;
                }
                _ => {}
            }
        }
        assert_eq!(
            (calls, results, pending.len()),
            (7, 6, 1),
            "{format}: one call was denied, so it has no result"
        );
    }
}

#[test]
fn both_formats_give_the_same_actions() {
    for (camel, pascal) in [
        ("preToolUse.bash.json", "PreToolUse.Bash.json"),
        ("preToolUse.create.json", "PreToolUse.Write.json"),
        ("preToolUse.edit.json", "PreToolUse.Edit.json"),
        ("preToolUse.view.json", "PreToolUse.Read.json"),
    ] {
        let a = parse_fixture("camel", camel);
        let b = parse_fixture("pascal", pascal);
        let (a, b) = (
            call_of(&a.kind).expect("call"),
            call_of(&b.kind).expect("call"),
        );
        assert_eq!(a.action, b.action, "{camel} / {pascal}");
    }
    let write = parse_fixture("camel", "preToolUse.create.json");
    assert_eq!(
        call_of(&write.kind).expect("call").action,
        Action::Write {
            path: "b.txt".into(),
            content: Some("hello\nworld\n".into())
        }
    );
    let failed = parse_fixture("camel", "postToolUseFailure.edit.failed.json");
    assert!(
        matches!(&failed.kind, EventKind::ToolFailed { error, .. } if error == "Path not absolute")
    );
    assert!(matches!(
        parse_fixture("camel", "agentStop.stop_hook_active=false.json").kind,
        EventKind::Stop
    ));
    assert!(matches!(
        parse_fixture("pascal", "Stop.stop_hook_active=false.json").kind,
        EventKind::Stop
    ));
    assert!(matches!(
        parse_fixture("camel", "userPromptSubmitted.json").kind,
        EventKind::Prompt { .. }
    ));
}

#[test]
fn tool_args_sent_as_a_json_string_are_read() {
    let payload = serde_json::json!({
        "sessionId": "s", "cwd": "/tmp", "toolName": "bash",
        "toolArgs": "{\"command\":\"cat .env\"}",
    });
    let event = Copilot
        .parse(payload.to_string().as_bytes(), Some("preToolUse"))
        .expect("parses");
    assert_eq!(
        call_of(&event.kind).expect("call").action,
        Action::Shell {
            command: "cat .env".into(),
            shell: None
        }
    );
}

#[test]
fn answers_are_json_in_both_formats_and_ask_is_asked() {
    let deny = Copilot.render_gate(&Answer::Deny("rein: no".into()));
    let v: Value = serde_json::from_str(&deny.stdout).expect("json");
    assert_eq!(v["permissionDecision"], "deny");
    assert_eq!(v["permissionDecisionReason"], "rein: no");
    assert_eq!(v["hookSpecificOutput"]["permissionDecision"], "deny");
    // Copilot hides the reason of an exit 2: rein answers in JSON, exit 0.
    assert_eq!(deny.exit_code, 0);
    let ask = Copilot.render_gate(&Answer::Ask("rein: needs approval".into()));
    let v: Value = serde_json::from_str(&ask.stdout).expect("json");
    assert_eq!(v["permissionDecision"], "ask");
    assert_eq!(Copilot.render_gate(&Answer::Nothing).stdout, "");
    assert!(Copilot.may_be_gate(b"{}", Some("preToolUse")));
    assert!(!Copilot.may_be_gate(b"{}", Some("postToolUse")));
    assert!(Copilot.may_be_gate(b"{not json", None));
    let caps = Copilot.capabilities();
    assert!(!caps.tool_call_ids && caps.leftover_blocks);
}
