//! GitHub Copilot CLI's tools in rein's neutral model. Its own hook format names them `bash`,
//! `create`, `edit`, `view`, `grep`, `glob`, `task`, …; its Claude-format hooks rename the main
//! ones (`Bash`, `Write`, `Edit`, `Read`) but keep Copilot's arguments (`path`, `file_text`,
//! `old_str`, `new_str`), so both go through here. Paths may be relative to the session's
//! directory.

use rein_call::{Action, TextEdit};
use serde_json::Value;

/// What a Copilot CLI tool call does.
pub fn normalize(tool: &str, input: &Value) -> Action {
    let s = |k: &str| input.get(k).and_then(Value::as_str).map(str::to_owned);
    let path = || s("path").or_else(|| s("file_path"));
    let invalid = |field: &str, writes: bool| Action::Invalid {
        name: tool.to_owned(),
        reason: format!("the {tool} call has no `{field}` string"),
        writes,
    };
    match tool {
        "bash" | "Bash" => match s("command") {
            Some(command) => Action::Shell {
                command,
                shell: None,
            },
            None => invalid("command", true),
        },
        // Input typed into a running shell session is a command like any other.
        "write_bash" => match s("input") {
            Some(command) => Action::Shell {
                command,
                shell: None,
            },
            None => invalid("input", true),
        },
        "create" | "Write" => match path() {
            Some(path) => Action::Write {
                path,
                content: s("file_text").or_else(|| s("content")),
            },
            None => invalid("path", true),
        },
        "edit" | "Edit" | "str_replace" => match path() {
            Some(path) => Action::Edit {
                path,
                edits: vec![TextEdit {
                    old: s("old_str").or_else(|| s("old_string")).unwrap_or_default(),
                    new: s("new_str").or_else(|| s("new_string")).unwrap_or_default(),
                }],
            },
            None => invalid("path", true),
        },
        "view" | "Read" => match path() {
            Some(path) => Action::Read { path },
            None => invalid("path", false),
        },
        "grep" | "Grep" => Action::Search {
            path: path(),
            pattern: s("pattern"),
            glob: s("glob"),
            reads_content: true,
        },
        "glob" | "Glob" => Action::Search {
            path: path(),
            pattern: s("pattern"),
            glob: None,
            reads_content: false,
        },
        "web_fetch" | "WebFetch" => match s("url") {
            Some(url) => Action::Fetch { url },
            None => invalid("url", false),
        },
        "task" | "Task" => Action::Spawn {
            agent_type: s("agent_type"),
            description: s("description").or_else(|| s("prompt")),
        },
        // Copilot's own bookkeeping: intent, todo list, the session's scratch database, shell
        // session output, its documentation.
        "report_intent"
        | "update_todo"
        | "sql"
        | "read_bash"
        | "stop_bash"
        | "list_bash"
        | "fetch_copilot_cli_documentation" => Action::Internal {
            name: tool.to_owned(),
        },
        _ => Action::Other {
            name: tool.to_owned(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn copilot_tools_in_both_formats() {
        assert_eq!(
            normalize("bash", &json!({"command": "ls"})),
            Action::Shell {
                command: "ls".into(),
                shell: None
            }
        );
        for (camel, pascal) in [("create", "Write"), ("edit", "Edit"), ("view", "Read")] {
            let input = json!({"path": "b.txt", "file_text": "x", "old_str": "a", "new_str": "b"});
            assert_eq!(normalize(camel, &input), normalize(pascal, &input));
        }
        assert_eq!(
            normalize("create", &json!({"path": "b.txt", "file_text": "hi\n"})),
            Action::Write {
                path: "b.txt".into(),
                content: Some("hi\n".into())
            }
        );
        assert_eq!(normalize("create", &json!({})).kind(), "invalid");
        assert_eq!(
            normalize("write_bash", &json!({"input": "rm -rf /\n"})).kind(),
            "shell"
        );
        assert_eq!(
            normalize("sql", &json!({"query": "select 1"})).kind(),
            "internal"
        );
        assert_eq!(normalize("mystery", &json!({})).kind(), "other");
    }
}
