//! Parses every recorded Claude Code hook payload in `tests/fixtures/claude-code/` (captured from
//! a real Claude Code run) and checks the event model rein builds from each one.

use std::path::{Path, PathBuf};

use rein_agents::claude_code::{self, MAX_PAYLOAD_BYTES, PayloadError};
use rein_core::event::{CaptureMode, Event, EventKind, ToolCall};
use serde_json::{Value, json};

const MAIN_SESSION: &str = "74580608-b22d-4238-a861-d4d652cf7813";
const PROMPT_ID: &str = "a50002e3-09ad-4ce5-8675-c3cb54ba050d";
const SUBAGENT: &str = "ae3efbd9b10335d86";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/claude-code")
}

fn read(rel: &str) -> Vec<u8> {
    let path = fixtures().join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

fn parse_hook(name: &str) -> Event {
    let bytes = read(&format!("hooks/{name}.json"));
    claude_code::parse(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The fields every event of the main recorded session shares.
fn assert_main_session(e: &Event, name: &str) {
    assert_eq!(e.agent, "claude-code");
    assert_eq!(e.name, name);
    assert_eq!(e.session_id, MAIN_SESSION);
    assert_eq!(e.cwd, "/home/dev/project");
    assert_eq!(
        e.transcript_path.as_deref(),
        Some(
            "/home/dev/.claude/projects/-home-dev-project/74580608-b22d-4238-a861-d4d652cf7813.jsonl"
        )
    );
    assert_eq!(e.raw["hook_event_name"], name, "raw payload kept whole");
}

fn tool_pre(e: &Event) -> &ToolCall {
    match &e.kind {
        EventKind::ToolPre(call) => call,
        other => panic!("expected ToolPre, got {other:?}"),
    }
}

fn tool_post(e: &Event) -> (&ToolCall, &Value, Option<u64>) {
    match &e.kind {
        EventKind::ToolPost {
            call,
            response,
            duration_ms,
        } => (call, response, *duration_ms),
        other => panic!("expected ToolPost, got {other:?}"),
    }
}

#[test]
fn fixture_files_are_all_present() {
    let mut hooks: Vec<String> = std::fs::read_dir(fixtures().join("hooks"))
        .expect("hooks dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    hooks.sort();
    assert_eq!(hooks.len(), 33, "{hooks:?}");
    assert!(fixtures().join("hook-events.sequence.jsonl").is_file());
    assert!(fixtures().join("transcripts/session.jsonl").is_file());
}

#[test]
fn every_hook_fixture_parses() {
    for entry in std::fs::read_dir(fixtures().join("hooks")).expect("hooks dir") {
        let path = entry.expect("entry").path();
        let bytes = std::fs::read(&path).expect("read");
        let event = claude_code::parse(&bytes)
            .unwrap_or_else(|e| panic!("{} does not parse: {e}", path.display()));
        // The file name starts with the event name.
        let stem = path.file_name().expect("name").to_string_lossy();
        let expected = stem.split('.').next().expect("event name");
        assert_eq!(event.name, expected, "{}", path.display());
        assert!(!event.session_id.is_empty());
    }
}

#[test]
fn pre_tool_use_bash() {
    let e = parse_hook("PreToolUse.Bash");
    assert_main_session(&e, "PreToolUse");
    assert_eq!(e.permission_mode.as_deref(), Some("bypassPermissions"));
    let call = tool_pre(&e);
    assert_eq!(call.tool, "Bash");
    assert_eq!(call.tool_use_id, "toolu_124606654a8d40ddb8291751");
    assert_eq!(call.input["command"], "echo hi > a.txt");
    assert_eq!(call.prompt_id.as_deref(), Some(PROMPT_ID));
    assert_eq!(call.agent_id, None);
    assert_eq!(call.capture_mode(), CaptureMode::Walk);
    assert_eq!(call.summary(), "echo hi > a.txt");
}

#[test]
fn pre_tool_use_write_edit_read() {
    let w = parse_hook("PreToolUse.Write");
    assert_main_session(&w, "PreToolUse");
    let call = tool_pre(&w);
    assert_eq!(call.tool, "Write");
    assert_eq!(call.tool_use_id, "toolu_4b04087018014ccbae2e9708");
    assert_eq!(call.input["content"], "hello\nworld\n");
    assert_eq!(
        call.capture_mode(),
        CaptureMode::Declared(vec!["/home/dev/project/b.txt".into()])
    );

    let ed = parse_hook("PreToolUse.Edit");
    let call = tool_pre(&ed);
    assert_eq!(call.tool, "Edit");
    assert_eq!(call.tool_use_id, "toolu_42be442b485f4825ad7036e6");
    assert_eq!(call.input["old_string"], "world");
    assert_eq!(call.input["new_string"], "there");
    assert_eq!(
        call.capture_mode(),
        CaptureMode::Declared(vec!["/home/dev/project/b.txt".into()])
    );

    let r = parse_hook("PreToolUse.Read");
    let call = tool_pre(&r);
    assert_eq!(call.tool, "Read");
    assert_eq!(call.tool_use_id, "toolu_5ef34cffe6a5414fa9fb9981");
    assert_eq!(call.input["file_path"], "/home/dev/project/a.txt");
    assert_eq!(call.capture_mode(), CaptureMode::None);
}

#[test]
fn pre_tool_use_agent_and_tasks() {
    let a = parse_hook("PreToolUse.Agent");
    let call = tool_pre(&a);
    assert_eq!(call.tool, "Agent");
    assert_eq!(call.tool_use_id, "toolu_01fa02031d724d80b39d0138");
    assert_eq!(call.input["subagent_type"], "general-purpose");
    assert_eq!(call.agent_id, None, "the Agent call itself is the parent's");
    assert_eq!(call.capture_mode(), CaptureMode::None);
    assert_eq!(call.summary(), "write c.txt");

    let t = parse_hook("PreToolUse.TaskCreate");
    let call = tool_pre(&t);
    assert_eq!(call.tool, "TaskCreate");
    assert_eq!(call.tool_use_id, "toolu_c867b2fa67e34710901b96b0");
    assert_eq!(call.input["subject"], "Demo task");
    assert_eq!(call.capture_mode(), CaptureMode::None);

    let u = parse_hook("PreToolUse.TaskUpdate");
    let call = tool_pre(&u);
    assert_eq!(call.tool, "TaskUpdate");
    assert_eq!(call.tool_use_id, "toolu_9061b27843cd47ec98ca332c");
    assert_eq!(call.input["status"], "completed");
    assert_eq!(call.capture_mode(), CaptureMode::None);
}

#[test]
fn post_tool_use_carries_response_and_duration() {
    let cases: &[(&str, &str, &str, u64)] = &[
        (
            "PostToolUse.Bash",
            "Bash",
            "toolu_124606654a8d40ddb8291751",
            231,
        ),
        (
            "PostToolUse.Write",
            "Write",
            "toolu_4b04087018014ccbae2e9708",
            4,
        ),
        (
            "PostToolUse.Edit",
            "Edit",
            "toolu_42be442b485f4825ad7036e6",
            4,
        ),
        (
            "PostToolUse.Read",
            "Read",
            "toolu_5ef34cffe6a5414fa9fb9981",
            2,
        ),
        (
            "PostToolUse.Agent",
            "Agent",
            "toolu_01fa02031d724d80b39d0138",
            651,
        ),
        (
            "PostToolUse.TaskCreate",
            "TaskCreate",
            "toolu_c867b2fa67e34710901b96b0",
            104,
        ),
        (
            "PostToolUse.TaskUpdate",
            "TaskUpdate",
            "toolu_9061b27843cd47ec98ca332c",
            97,
        ),
    ];
    for (file, tool, id, ms) in cases {
        let e = parse_hook(file);
        assert_main_session(&e, "PostToolUse");
        let (call, response, duration) = tool_post(&e);
        assert_eq!(call.tool, *tool, "{file}");
        assert_eq!(call.tool_use_id, *id, "{file}");
        assert_eq!(call.prompt_id.as_deref(), Some(PROMPT_ID), "{file}");
        assert_eq!(duration, Some(*ms), "{file}");
        assert!(response.is_object(), "{file}: {response}");
    }
    let e = parse_hook("PostToolUse.Bash");
    let (_, response, _) = tool_post(&e);
    assert_eq!(response["interrupted"], false);
    assert_eq!(response["stdout"], "");
    let e = parse_hook("PostToolUse.Edit");
    let (_, response, _) = tool_post(&e);
    assert_eq!(response["originalFile"], "hello\nworld\n");
    let e = parse_hook("PostToolUse.Agent");
    let (_, response, _) = tool_post(&e);
    assert_eq!(response["agentId"], SUBAGENT);
    let e = parse_hook("PostToolUse.Write");
    let (call, response, _) = tool_post(&e);
    assert_eq!(response["type"], "create");
    assert_eq!(
        call.capture_mode(),
        CaptureMode::Declared(vec!["/home/dev/project/b.txt".into()])
    );
}

#[test]
fn post_tool_use_failure_carries_error() {
    let e = parse_hook("PostToolUseFailure.Bash");
    assert_main_session(&e, "PostToolUseFailure");
    match &e.kind {
        EventKind::ToolFailed {
            call,
            error,
            interrupted,
            duration_ms,
        } => {
            assert_eq!(call.tool, "Bash");
            assert_eq!(call.tool_use_id, "toolu_1dd4556eb3624e45b2f4e889");
            assert_eq!(call.input["command"], "ls /nonexistent-dir-xyz");
            assert_eq!(
                error,
                "Exit code 2\nls: cannot access '/nonexistent-dir-xyz': No such file or directory"
            );
            assert!(!interrupted);
            assert_eq!(*duration_ms, Some(11));
        }
        other => panic!("expected ToolFailed, got {other:?}"),
    }
}

#[test]
fn permission_denied_carries_reason() {
    let e = parse_hook("PermissionDenied.Bash");
    assert_eq!(e.name, "PermissionDenied");
    assert_eq!(e.session_id, "74d2a9d3-2808-4e9e-b527-2184ef91e10a");
    assert_eq!(e.cwd, "/home/dev/project-auto");
    assert_eq!(e.permission_mode.as_deref(), Some("auto"));
    match &e.kind {
        EventKind::ToolDenied { call, reason } => {
            assert_eq!(call.tool, "Bash");
            assert_eq!(call.tool_use_id, "toolu_5e7cf57546f14bf3a091a1e9");
            assert_eq!(
                call.prompt_id.as_deref(),
                Some("daf5fe48-2b8e-4cd1-bcce-d0e88f960a02")
            );
            assert_eq!(
                reason,
                "[Git Push to Default Branch] force push blocked by mock"
            );
        }
        other => panic!("expected ToolDenied, got {other:?}"),
    }
}

#[test]
fn session_start_source_and_model() {
    for (file, source, model) in [
        ("SessionStart.startup", "startup", None),
        ("SessionStart.resume", "resume", None),
        ("SessionStart.compact", "compact", Some("claude-opus-4-8")),
    ] {
        let e = parse_hook(file);
        assert_main_session(&e, "SessionStart");
        match &e.kind {
            EventKind::SessionStart {
                source: s,
                model: m,
            } => {
                assert_eq!(s.as_deref(), Some(source), "{file}");
                assert_eq!(m.as_deref(), model, "{file}");
            }
            other => panic!("{file}: expected SessionStart, got {other:?}"),
        }
        assert_eq!(e.permission_mode, None, "{file}");
    }
}

#[test]
fn user_prompt_submit() {
    let e = parse_hook("UserPromptSubmit");
    assert_main_session(&e, "UserPromptSubmit");
    match &e.kind {
        EventKind::Prompt { prompt_id, prompt } => {
            assert_eq!(prompt_id.as_deref(), Some(PROMPT_ID));
            assert_eq!(prompt, "do the task");
        }
        other => panic!("expected Prompt, got {other:?}"),
    }
}

#[test]
fn subagent_start_and_stop_carry_agent_id() {
    let e = parse_hook("SubagentStart");
    assert_main_session(&e, "SubagentStart");
    match &e.kind {
        EventKind::SubagentStart {
            agent_id,
            agent_type,
        } => {
            assert_eq!(agent_id, SUBAGENT);
            assert_eq!(agent_type.as_deref(), Some("general-purpose"));
        }
        other => panic!("expected SubagentStart, got {other:?}"),
    }
    let e = parse_hook("SubagentStop");
    assert_main_session(&e, "SubagentStop");
    match &e.kind {
        EventKind::SubagentStop {
            agent_id,
            agent_type,
        } => {
            assert_eq!(agent_id, SUBAGENT);
            assert_eq!(agent_type.as_deref(), Some("general-purpose"));
        }
        other => panic!("expected SubagentStop, got {other:?}"),
    }
}

#[test]
fn stop_session_end_and_pre_compact() {
    for file in ["Stop.stop_hook_active=false", "Stop.stop_hook_active=true"] {
        let e = parse_hook(file);
        assert_eq!(e.name, "Stop");
        assert!(matches!(e.kind, EventKind::Stop), "{file}: {:?}", e.kind);
    }
    let e = parse_hook("SessionEnd");
    assert_main_session(&e, "SessionEnd");
    match &e.kind {
        EventKind::SessionEnd { reason } => assert_eq!(reason.as_deref(), Some("other")),
        other => panic!("expected SessionEnd, got {other:?}"),
    }
    let e = parse_hook("PreCompact");
    assert_main_session(&e, "PreCompact");
    match &e.kind {
        EventKind::PreCompact { trigger } => assert_eq!(trigger.as_deref(), Some("manual")),
        other => panic!("expected PreCompact, got {other:?}"),
    }
}

#[test]
fn unknown_events_are_other_and_not_rejected() {
    for file in [
        "PostToolBatch",
        "MessageDisplay",
        "InstructionsLoaded",
        "TaskCreated",
        "TaskCompleted",
        "PostCompact",
        "StopFailure",
    ] {
        let e = parse_hook(file);
        assert_eq!(e.name, file);
        assert!(matches!(e.kind, EventKind::Other), "{file}: {:?}", e.kind);
        // The payload is kept whole, for the audit log.
        let original: Value =
            serde_json::from_slice(&read(&format!("hooks/{file}.json"))).expect("fixture is JSON");
        assert_eq!(e.raw, original, "{file}");
    }
    // A PostToolBatch carries tool calls but is not itself a tool call.
    let e = parse_hook("PostToolBatch");
    assert_eq!(
        e.raw["tool_calls"][0]["tool_use_id"],
        "toolu_124606654a8d40ddb8291751"
    );
}

#[test]
fn every_line_of_the_recorded_sequence_parses() {
    let text = String::from_utf8(read("hook-events.sequence.jsonl")).expect("utf8");
    let mut events = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let e = claude_code::parse(line.as_bytes())
            .unwrap_or_else(|err| panic!("line {}: {err}", i + 1));
        events.push(e);
    }
    assert_eq!(events.len(), 78);

    let count = |pred: &dyn Fn(&EventKind) -> bool| events.iter().filter(|e| pred(&e.kind)).count();
    assert_eq!(
        count(&|k| matches!(k, EventKind::SessionStart { .. })),
        6,
        "SessionStart"
    );
    assert_eq!(count(&|k| matches!(k, EventKind::Prompt { .. })), 4);
    assert_eq!(count(&|k| matches!(k, EventKind::ToolPre(_))), 15);
    assert_eq!(count(&|k| matches!(k, EventKind::ToolPost { .. })), 11);
    assert_eq!(count(&|k| matches!(k, EventKind::ToolFailed { .. })), 2);
    assert_eq!(count(&|k| matches!(k, EventKind::ToolDenied { .. })), 1);
    assert_eq!(count(&|k| matches!(k, EventKind::Stop)), 4);
    assert_eq!(count(&|k| matches!(k, EventKind::SubagentStart { .. })), 1);
    assert_eq!(count(&|k| matches!(k, EventKind::SubagentStop { .. })), 2);
    assert_eq!(count(&|k| matches!(k, EventKind::SessionEnd { .. })), 5);
    assert_eq!(count(&|k| matches!(k, EventKind::PreCompact { .. })), 1);
    assert_eq!(count(&|k| matches!(k, EventKind::Other)), 26);

    let sessions: std::collections::BTreeSet<&str> =
        events.iter().map(|e| e.session_id.as_str()).collect();
    assert_eq!(sessions.len(), 4);

    // Every tool call's Post or Failure matches an earlier Pre with the same tool_use_id, and the
    // Pre without any answer is the one a PreToolUse hook denied (line 19).
    let mut pending: Vec<(String, String)> = Vec::new();
    for e in &events {
        match &e.kind {
            EventKind::ToolPre(c) => pending.push((c.tool_use_id.clone(), c.tool.clone())),
            EventKind::ToolPost { call: c, .. }
            | EventKind::ToolFailed { call: c, .. }
            | EventKind::ToolDenied { call: c, .. } => {
                let at = pending
                    .iter()
                    .position(|(id, _)| *id == c.tool_use_id)
                    .unwrap_or_else(|| panic!("{} answered without a Pre", c.tool_use_id));
                assert_eq!(pending.remove(at).1, c.tool);
            }
            _ => {}
        }
    }
    assert_eq!(
        pending,
        vec![(
            "toolu_6c854d8b96be440a8f2231ef".to_owned(),
            "Bash".to_owned()
        )]
    );
}

#[test]
fn tool_calls_inside_a_subagent_carry_its_agent_id() {
    let text = String::from_utf8(read("hook-events.sequence.jsonl")).expect("utf8");
    let events: Vec<Event> = text
        .lines()
        .map(|l| claude_code::parse(l.as_bytes()).expect("parses"))
        .collect();
    // Lines 31-32: the sub-agent's Bash call, between SubagentStart (30) and SubagentStop (34).
    assert!(matches!(events[29].kind, EventKind::SubagentStart { .. }));
    let pre = tool_pre(&events[30]);
    assert_eq!(pre.tool, "Bash");
    assert_eq!(pre.agent_id.as_deref(), Some(SUBAGENT));
    assert_eq!(pre.input["command"], "echo 'from subagent' > c.txt");
    let (post, _, duration) = tool_post(&events[31]);
    assert_eq!(post.tool_use_id, pre.tool_use_id);
    assert_eq!(post.agent_id.as_deref(), Some(SUBAGENT));
    assert_eq!(duration, Some(10));
    // The sub-agent's calls belong to the parent's session.
    assert_eq!(events[30].session_id, MAIN_SESSION);
    assert!(matches!(events[33].kind, EventKind::SubagentStop { .. }));

    // Only those two tool events carry an agent_id.
    let with_agent = events
        .iter()
        .filter(|e| match &e.kind {
            EventKind::ToolPre(c)
            | EventKind::ToolPost { call: c, .. }
            | EventKind::ToolFailed { call: c, .. }
            | EventKind::ToolDenied { call: c, .. } => c.agent_id.is_some(),
            _ => false,
        })
        .count();
    assert_eq!(with_agent, 2);
}

#[test]
fn transcript_lines_are_not_hook_payloads() {
    let text = String::from_utf8(read("transcripts/session.jsonl")).expect("utf8");
    let mut n = 0;
    for line in text.lines() {
        let v: Value = serde_json::from_str(line).expect("transcript line is JSON");
        assert_eq!(v["sessionId"], MAIN_SESSION);
        assert_eq!(
            claude_code::parse(line.as_bytes()).map(|e| e.name),
            Err(PayloadError::Missing("hook_event_name"))
        );
        n += 1;
    }
    assert_eq!(n, 26);
}

fn parse_err(bytes: &[u8]) -> PayloadError {
    match claude_code::parse(bytes) {
        Ok(e) => panic!("expected an error, parsed {e:?}"),
        Err(e) => e,
    }
}

fn parse_value_err(v: Value) -> PayloadError {
    parse_err(&serde_json::to_vec(&v).expect("serialise"))
}

#[test]
fn malformed_payloads_are_rejected_with_the_right_error() {
    assert!(matches!(parse_err(b"not json"), PayloadError::NotJson(_)));
    assert!(matches!(parse_err(b""), PayloadError::NotJson(_)));
    assert!(matches!(
        parse_err(b"{\"session_id\": \"s\""),
        PayloadError::NotJson(_)
    ));
    assert!(matches!(parse_err(b"\xff\xfe{}"), PayloadError::NotJson(_)));
    for not_object in [
        "[]",
        "[{\"session_id\":\"s\"}]",
        "\"text\"",
        "42",
        "null",
        "true",
    ] {
        assert_eq!(
            parse_err(not_object.as_bytes()),
            PayloadError::NotAnObject,
            "{not_object}"
        );
    }
    assert_eq!(
        parse_value_err(json!({"session_id": "s"})),
        PayloadError::Missing("hook_event_name")
    );
    assert_eq!(
        parse_value_err(json!({"hook_event_name": "Stop"})),
        PayloadError::Missing("session_id")
    );
    assert_eq!(
        parse_value_err(json!({"hook_event_name": "Stop", "session_id": 7})),
        PayloadError::Missing("session_id"),
        "a non-string session_id counts as missing"
    );
    assert_eq!(
        parse_value_err(json!({"hook_event_name": null, "session_id": "s"})),
        PayloadError::Missing("hook_event_name")
    );
    let pre = json!({
        "session_id": "s", "hook_event_name": "PreToolUse", "cwd": "/x",
        "tool_name": "Bash", "tool_input": {"command": "ls"}
    });
    assert_eq!(
        parse_value_err(pre.clone()),
        PayloadError::Missing("tool_use_id")
    );
    for name in ["PostToolUse", "PostToolUseFailure", "PermissionDenied"] {
        let mut p = pre.clone();
        p["hook_event_name"] = json!(name);
        assert_eq!(
            parse_value_err(p),
            PayloadError::Missing("tool_use_id"),
            "{name}"
        );
    }
    let mut no_tool = pre.clone();
    no_tool["tool_use_id"] = json!("toolu_1");
    no_tool.as_object_mut().expect("object").remove("tool_name");
    assert_eq!(parse_value_err(no_tool), PayloadError::Missing("tool_name"));
    assert_eq!(
        parse_value_err(json!({"session_id": "s", "hook_event_name": "SubagentStart"})),
        PayloadError::Missing("agent_id")
    );
    // The error message names the field, for `rein doctor`.
    assert_eq!(
        PayloadError::Missing("tool_use_id").to_string(),
        "the hook payload has no string field `tool_use_id`"
    );
}

#[test]
fn oversized_payload_is_rejected_before_parsing() {
    let mut big = Vec::with_capacity(MAX_PAYLOAD_BYTES + 1);
    big.extend_from_slice(br#"{"session_id":"s","hook_event_name":"Stop","pad":""#);
    big.resize(MAX_PAYLOAD_BYTES - 2, b'x');
    big.extend_from_slice(b"\"}");
    assert_eq!(big.len(), MAX_PAYLOAD_BYTES);
    // Exactly at the limit: accepted.
    let e = claude_code::parse(&big).expect("a payload at the limit parses");
    assert!(matches!(e.kind, EventKind::Stop));
    // One byte over: refused, whatever it holds.
    big.insert(big.len() - 2, b'x');
    assert_eq!(
        parse_err(&big),
        PayloadError::TooLarge(MAX_PAYLOAD_BYTES + 1)
    );
}

#[test]
fn minimal_payloads_parse_with_defaults() {
    let e = claude_code::parse(br#"{"session_id":"s","hook_event_name":"UserPromptSubmit"}"#)
        .expect("parses");
    assert_eq!(e.cwd, "");
    assert_eq!(e.transcript_path, None);
    match e.kind {
        EventKind::Prompt { prompt_id, prompt } => {
            assert_eq!(prompt_id, None);
            assert_eq!(prompt, "");
        }
        other => panic!("expected Prompt, got {other:?}"),
    }
    let e = claude_code::parse(
        br#"{"session_id":"s","hook_event_name":"PostToolUse","tool_use_id":"t","tool_name":"mcp__x__y"}"#,
    )
    .expect("parses");
    let (call, response, duration) = tool_post(&e);
    assert_eq!(call.input, Value::Null);
    assert_eq!(*response, Value::Null);
    assert_eq!(duration, None);
    let e = claude_code::parse(br#"{"session_id":"s","hook_event_name":"SomethingNew","x":1}"#)
        .expect("a future event is recorded, not rejected");
    assert!(matches!(e.kind, EventKind::Other));
}

fn call(tool: &str, input: Value) -> ToolCall {
    ToolCall {
        tool_use_id: "toolu_x".into(),
        tool: tool.into(),
        action: rein_agents::claude_code::tools::normalize(tool, &input),
        input,
        prompt_id: None,
        agent_id: None,
    }
}

#[test]
fn capture_mode_by_tool() {
    let file = json!({"file_path": "src/a.rs", "content": "x"});
    assert_eq!(
        call("Write", file.clone()).capture_mode(),
        CaptureMode::Declared(vec!["src/a.rs".into()])
    );
    assert_eq!(
        call(
            "Edit",
            json!({"file_path": "/abs/b.rs", "old_string": "a", "new_string": "b"})
        )
        .capture_mode(),
        CaptureMode::Declared(vec!["/abs/b.rs".into()])
    );
    assert_eq!(
        call("MultiEdit", file.clone()).capture_mode(),
        CaptureMode::Declared(vec!["src/a.rs".into()])
    );
    assert_eq!(
        call("NotebookEdit", json!({"notebook_path": "n.ipynb"})).capture_mode(),
        CaptureMode::Declared(vec!["n.ipynb".into()])
    );
    // A writing tool that does not say where it writes is walked.
    assert_eq!(call("Write", json!({})).capture_mode(), CaptureMode::Walk);
    for tool in [
        "Bash",
        "mcp__x__y",
        "mcp__github__create_file",
        "SomeNewTool",
        "",
    ] {
        assert_eq!(
            call(tool, json!({"command": "ls"})).capture_mode(),
            CaptureMode::Walk,
            "{tool}"
        );
    }
    for tool in [
        "Read",
        "Grep",
        "Glob",
        "LS",
        "WebFetch",
        "WebSearch",
        "TodoWrite",
        "Agent",
        "Task",
        "TaskCreate",
        "TaskUpdate",
    ] {
        assert_eq!(
            call(tool, file.clone()).capture_mode(),
            CaptureMode::None,
            "{tool}"
        );
    }
}
