//! opencode's real plugin calls (captured from `opencode-ai@1.18.33` by a probe plugin), as rein's
//! plugin hands them to `rein hook opencode` (`{hook, input, output}` plus `cwd`): tool calls,
//! results, prompts and session events parse, tool calls become the right neutral actions with
//! the model's call id, and answers are what rein's plugin obeys.

use std::path::{Path, PathBuf};

use rein_agents::Dialect;
use rein_agents::dialect::Answer;
use rein_agents::opencode::{Opencode, plugin_program, plugin_source};
use rein_call::Action;
use rein_core::event::EventKind;
use serde_json::Value;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/opencode")
}

/// A captured call as rein's plugin sends it.
fn as_sent(mut call: Value) -> Vec<u8> {
    call["cwd"] = Value::String("/home/dev/project".into());
    serde_json::to_vec(&call).expect("json")
}

fn fixture(name: &str) -> Vec<u8> {
    let text = std::fs::read_to_string(dir().join("hooks").join(name)).expect("fixture");
    as_sent(serde_json::from_str(&text).expect("json"))
}

#[test]
fn the_calls_rein_forwards_parse_in_a_whole_session() {
    let sequence =
        std::fs::read_to_string(dir().join("hook-calls.sequence.jsonl")).expect("sequence");
    let (mut pre, mut post, mut prompts, mut starts, mut stops) = (0, 0, 0, 0, 0);
    for line in sequence.lines().filter(|l| !l.trim().is_empty()) {
        let call: Value = serde_json::from_str(line).expect("json");
        // What rein's plugin forwards: tool calls, prompts and three session events.
        let forwarded = match call["hook"].as_str() {
            Some("tool.execute.before" | "tool.execute.after" | "chat.message") => true,
            Some("event") => matches!(
                call["input"]["type"].as_str(),
                Some("session.created" | "session.idle" | "session.deleted")
            ),
            _ => false,
        };
        if !forwarded {
            continue;
        }
        let event = Opencode.parse(&as_sent(call), None).expect("parses");
        assert_eq!(event.agent, "opencode");
        assert!(event.session_id.starts_with("ses_"));
        match event.kind {
            EventKind::ToolPre(call) => {
                assert!(call.tool_use_id.starts_with("call_"), "the model's id");
                pre += 1;
            }
            EventKind::ToolPost { .. } => post += 1,
            EventKind::Prompt { prompt, prompt_id } => {
                assert!(prompt.contains("do the task"));
                assert!(prompt_id.is_some());
                prompts += 1;
            }
            EventKind::SessionStart { .. } => starts += 1,
            EventKind::Stop => stops += 1,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!((prompts, starts), (1, 1));
    assert!(stops >= 1);
    assert!(
        pre > post,
        "a denied call and a failed edit get no result: {pre} / {post}"
    );
}

#[test]
fn tool_calls_become_neutral_actions() {
    let event = Opencode
        .parse(&fixture("tool.execute.before.write.json"), None)
        .expect("parses");
    let EventKind::ToolPre(call) = event.kind else {
        panic!("not a tool.execute.before");
    };
    assert_eq!(call.tool_use_id, "call_mock3_0");
    assert_eq!(
        call.action,
        Action::Write {
            path: "b.txt".into(),
            content: Some("hello\nworld\n".into())
        }
    );
    assert_eq!(event.cwd, "/home/dev/project");
    let post = Opencode
        .parse(&fixture("tool.execute.after.edit.json"), None)
        .expect("parses");
    let EventKind::ToolPost { call, response, .. } = post.kind else {
        panic!("not a tool.execute.after");
    };
    assert_eq!(call.action.kind(), "edit");
    assert!(
        response["metadata"].get("diff").is_none(),
        "the diff is not kept twice"
    );
    // The flat bridge shape is understood too.
    let bridge = std::fs::read(dir().join("bridge-payload.tool.execute.before.json")).expect("f");
    let event = Opencode.parse(&bridge, None).expect("parses");
    assert!(matches!(event.kind, EventKind::ToolPre(ref c) if c.action.kind() == "shell"));
    // A payload with no hook is an error, never a guess.
    assert!(Opencode.parse(br#"{"input": {}}"#, None).is_err());
}

#[test]
fn answers_are_what_reins_plugin_obeys_and_ask_becomes_a_deny() {
    let deny = Opencode.render_gate(&Answer::Deny("rein: no".into()));
    let v: Value = serde_json::from_str(&deny.stdout).expect("json");
    assert_eq!(
        (v["decision"].as_str(), v["reason"].as_str()),
        (Some("deny"), Some("rein: no"))
    );
    let ask = Opencode.render_gate(&Answer::Ask("rein: needs approval".into()));
    let v: Value = serde_json::from_str(&ask.stdout).expect("json");
    assert_eq!(v["decision"], "deny");
    assert!(
        v["reason"]
            .as_str()
            .is_some_and(|r| r.contains("cannot ask"))
    );
    assert_eq!(Opencode.render_gate(&Answer::Nothing).stdout, "");
    assert!(Opencode.may_be_gate(&fixture("tool.execute.before.bash.json"), None));
    assert!(!Opencode.may_be_gate(&fixture("tool.execute.after.bash.json"), None));
    assert!(Opencode.may_be_gate(b"{not json", None));
    // The plugin blocks unless rein's answer is empty or an allow (see rein-plugin.js).
    let plugin = plugin_source("rein", 10);
    assert!(plugin.contains("answer.decision !== \"allow\""));
    assert!(plugin.contains("run.error || run.status !== 0"));
    assert_eq!(plugin_program(&plugin).as_deref(), Some("rein"));
}
