//! Gemini CLI's real hook payloads (captured from `@google/gemini-cli@0.61.0`): every one parses,
//! tool calls become the right neutral actions with a content key for an id (Gemini sends none),
//! a result carries the key of its call, and answers have the shape Gemini CLI obeys.

use std::path::{Path, PathBuf};

use rein_agents::Dialect;
use rein_agents::dialect::Answer;
use rein_agents::gemini_cli::GeminiCli;
use rein_call::Action;
use rein_core::event::{CONTENT_KEY_PREFIX, EventKind};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/gemini-cli")
}

fn fixture(name: &str) -> Vec<u8> {
    let path = dir().join("hooks").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn key_of(kind: &EventKind) -> Option<String> {
    match kind {
        EventKind::ToolPre(call)
        | EventKind::ToolPost { call, .. }
        | EventKind::ToolFailed { call, .. } => Some(call.tool_use_id.clone()),
        _ => None,
    }
}

#[test]
fn every_captured_payload_parses() {
    let mut n = 0;
    for entry in std::fs::read_dir(dir().join("hooks")).expect("fixtures") {
        let bytes = std::fs::read(entry.expect("entry").path()).expect("read");
        let event = GeminiCli.parse(&bytes, None).expect("parses");
        assert_eq!(event.agent, "gemini-cli");
        n += 1;
    }
    assert!(n >= 21, "{n} fixtures");
}

#[test]
fn in_a_whole_session_every_result_has_the_key_of_an_earlier_call() {
    let sequence =
        std::fs::read_to_string(dir().join("hook-events.sequence.jsonl")).expect("sequence");
    let mut pending: Vec<String> = Vec::new();
    let (mut calls, mut results) = (0, 0);
    for line in sequence.lines().filter(|l| !l.trim().is_empty()) {
        let event = GeminiCli.parse(line.as_bytes(), None).expect("parses");
        match &event.kind {
            EventKind::ToolPre(call) => {
                assert!(call.tool_use_id.starts_with(CONTENT_KEY_PREFIX));
                pending.push(call.tool_use_id.clone());
                calls += 1;
            }
            kind @ (EventKind::ToolPost { .. } | EventKind::ToolFailed { .. }) => {
                let key = key_of(kind).expect("a key");
                let at = pending
                    .iter()
                    .position(|k| *k == key)
                    .unwrap_or_else(|| panic!("a result without its call: {line}"));
                pending.remove(at);
                results += 1;
            }
            _ => {}
        }
    }
    assert_eq!(
        (calls, results),
        (6, 5),
        "one call was denied, so it has no result"
    );
    assert_eq!(pending.len(), 1);
}

#[test]
fn tool_calls_become_neutral_actions() {
    let pre = GeminiCli
        .parse(&fixture("BeforeTool.write_file.json"), None)
        .expect("parses");
    let EventKind::ToolPre(call) = pre.kind else {
        panic!("not a BeforeTool");
    };
    assert_eq!(
        call.action,
        Action::Write {
            path: "b.txt".into(),
            content: Some("hello\nworld\n".into())
        }
    );
    let post = GeminiCli
        .parse(&fixture("AfterTool.write_file.json"), None)
        .expect("parses");
    assert_eq!(
        key_of(&post.kind),
        Some(call.tool_use_id),
        "paired by content"
    );
    // A failing command still gets an AfterTool without an error: it ran.
    let failed = GeminiCli
        .parse(&fixture("AfterTool.run_shell_command.failed.json"), None)
        .expect("parses");
    assert!(matches!(failed.kind, EventKind::ToolPost { .. }));
    let prompt = GeminiCli
        .parse(&fixture("BeforeAgent.json"), None)
        .expect("parses");
    assert!(matches!(prompt.kind, EventKind::Prompt { .. }));
    let stop = GeminiCli
        .parse(&fixture("AfterAgent.stop_hook_active=false.json"), None)
        .expect("parses");
    assert!(matches!(stop.kind, EventKind::Stop));
    // PreCompress fires before every model call; it is not a gate.
    assert!(!GeminiCli.may_be_gate(&fixture("PreCompress.json"), None));
    assert!(GeminiCli.may_be_gate(&fixture("BeforeTool.read_file.json"), None));
    assert!(GeminiCli.may_be_gate(b"{not json", None));
}

#[test]
fn an_mcp_call_names_its_server_from_mcp_context() {
    let payload = serde_json::json!({
        "session_id": "s", "cwd": "/tmp", "hook_event_name": "BeforeTool",
        "tool_name": "mcp_my_server_list_items", "tool_input": {"q": 1},
        "mcp_context": {"server_name": "my_server", "tool_name": "list_items"}
    });
    let event = GeminiCli
        .parse(payload.to_string().as_bytes(), None)
        .expect("parses");
    let EventKind::ToolPre(call) = event.kind else {
        panic!("not a BeforeTool");
    };
    assert_eq!(
        call.action,
        Action::Mcp {
            server: "my_server".into(),
            tool: "list_items".into()
        }
    );
}

#[test]
fn answers_are_what_gemini_obeys_and_ask_becomes_a_deny() {
    let deny = GeminiCli.render_gate(&Answer::Deny("rein: no".into()));
    let v: serde_json::Value = serde_json::from_str(&deny.stdout).expect("json");
    assert_eq!(v["decision"], "deny");
    assert_eq!(v["reason"], "rein: no");
    assert_eq!(deny.exit_code, 0);
    // An "ask" ends a headless Gemini CLI run without a result: rein denies and says why.
    let ask = GeminiCli.render_gate(&Answer::Ask("rein: needs approval".into()));
    let v: serde_json::Value = serde_json::from_str(&ask.stdout).expect("json");
    assert_eq!(v["decision"], "deny");
    assert!(
        v["reason"]
            .as_str()
            .is_some_and(|r| r.contains("cannot ask")),
        "{v}"
    );
    assert_eq!(GeminiCli.render_gate(&Answer::Nothing).stdout, "");
    let caps = GeminiCli.capabilities();
    assert!(!caps.ask && !caps.tool_call_ids);
}
