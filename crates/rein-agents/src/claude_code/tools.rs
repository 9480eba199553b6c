//! Claude Code's tools, normalized into rein's neutral model: the only place that knows what
//! `Bash`, `Write`, `Edit`, `Glob` or `Agent` mean.

use rein_call::{Action, TextEdit};
use serde_json::Value;

/// Claude Code's own bookkeeping tools: no effect outside the agent.
const INTERNAL: &[&str] = &[
    "TodoWrite",
    "TodoRead",
    "TaskCreate",
    "TaskUpdate",
    "TaskList",
    "TaskGet",
    "TaskOutput",
    "ExitPlanMode",
    "EnterPlanMode",
    "BashOutput",
    "KillShell",
    "KillBash",
    "ListMcpResourcesTool",
    "SlashCommand",
    "Skill",
    "AskUserQuestion",
    "SendMessage",
];

/// What a Claude Code tool call does. A known tool whose input lacks what it needs (a `Write`
/// without a `file_path`) is [`Action::Invalid`]: never allowed without asking.
pub fn normalize(tool: &str, input: &Value) -> Action {
    let s = |k: &str| input.get(k).and_then(Value::as_str).map(str::to_owned);
    let other = || Action::Other {
        name: tool.to_owned(),
    };
    let invalid = |field: &str| Action::Invalid {
        name: tool.to_owned(),
        reason: format!("the {tool} call has no `{field}` string"),
        writes: !matches!(tool, "Read" | "NotebookRead" | "WebFetch"),
    };
    if let Some(rest) = tool.strip_prefix("mcp__") {
        return match rest.split_once("__") {
            Some((server, name)) if !server.is_empty() && !name.is_empty() => Action::Mcp {
                server: server.to_owned(),
                tool: name.to_owned(),
            },
            _ => other(),
        };
    }
    match tool {
        "Bash" => match s("command") {
            Some(command) => Action::Shell {
                command,
                shell: None,
            },
            None => invalid("command"),
        },
        "Read" | "NotebookRead" => match s("file_path").or_else(|| s("notebook_path")) {
            Some(path) => Action::Read { path },
            None => invalid("file_path"),
        },
        "Write" => match s("file_path") {
            Some(path) => Action::Write {
                path,
                content: s("content"),
            },
            None => invalid("file_path"),
        },
        "Edit" => match s("file_path") {
            Some(path) => Action::Edit {
                path,
                edits: vec![TextEdit {
                    old: s("old_string").unwrap_or_default(),
                    new: s("new_string").unwrap_or_default(),
                }],
            },
            None => invalid("file_path"),
        },
        "MultiEdit" => match s("file_path") {
            Some(path) => Action::Edit {
                path,
                edits: input
                    .get("edits")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .map(|e| TextEdit {
                        old: e
                            .get("old_string")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_owned(),
                        new: e
                            .get("new_string")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_owned(),
                    })
                    .collect(),
            },
            None => invalid("file_path"),
        },
        "NotebookEdit" => match s("notebook_path") {
            Some(path) => Action::Edit {
                path,
                edits: vec![TextEdit {
                    old: String::new(),
                    new: s("new_source").unwrap_or_default(),
                }],
            },
            None => invalid("notebook_path"),
        },
        "Grep" => Action::Search {
            path: s("path"),
            pattern: s("pattern"),
            glob: s("glob"),
            reads_content: true,
        },
        "Glob" | "LS" => Action::Search {
            path: s("path"),
            pattern: s("pattern"),
            glob: None,
            reads_content: false,
        },
        "WebFetch" => match s("url") {
            Some(url) => Action::Fetch { url },
            None => invalid("url"),
        },
        "WebSearch" => Action::WebSearch {
            query: s("query").unwrap_or_default(),
        },
        "Agent" | "Task" => Action::Spawn {
            agent_type: s("subagent_type"),
            description: s("description").or_else(|| s("prompt")),
        },
        "ReadMcpResourceTool" => Action::Internal {
            name: tool.to_owned(),
        },
        t if INTERNAL.contains(&t) => Action::Internal { name: t.to_owned() },
        _ => other(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_kind_of_claude_code_tool() {
        assert_eq!(normalize("Bash", &json!({"command": "ls"})).kind(), "shell");
        assert_eq!(
            normalize("mcp__github__create_issue", &json!({})),
            Action::Mcp {
                server: "github".into(),
                tool: "create_issue".into()
            }
        );
        assert_eq!(normalize("mcp__bad", &json!({})).kind(), "other");
        assert_eq!(normalize("Write", &json!({})).kind(), "invalid");
        assert_eq!(
            normalize(
                "MultiEdit",
                &json!({"file_path": "/a", "edits": [{"old_string": "x", "new_string": "y"}]})
            ),
            Action::Edit {
                path: "/a".into(),
                edits: vec![TextEdit {
                    old: "x".into(),
                    new: "y".into()
                }]
            }
        );
        assert_eq!(normalize("TodoWrite", &json!({})).kind(), "internal");
        assert_eq!(
            normalize("Agent", &json!({"description": "d"})).kind(),
            "spawn"
        );
        assert_eq!(normalize("SomethingNew", &json!({})).kind(), "other");
    }
}
