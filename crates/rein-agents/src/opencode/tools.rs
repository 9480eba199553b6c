//! opencode's tools in rein's neutral model: `bash`, `write`, `edit`, `multiedit`, `patch`,
//! `read`, `list`, `glob`, `grep`, `webfetch`, `websearch`, `task`, `todowrite`, `todoread`,
//! `skill`, and MCP tools (`<server>_<tool>`, which cannot be split: judged by their arguments).
//! Paths (`filePath`) may be relative to the session's directory.

use rein_call::{Action, TextEdit};
use serde_json::Value;

/// What an opencode tool call does.
pub fn normalize(tool: &str, input: &Value) -> Action {
    let s = |k: &str| input.get(k).and_then(Value::as_str).map(str::to_owned);
    let invalid = |field: &str, writes: bool| Action::Invalid {
        name: tool.to_owned(),
        reason: format!("the {tool} call has no `{field}` string"),
        writes,
    };
    let edit = |v: &Value| TextEdit {
        old: v
            .get("oldString")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        new: v
            .get("newString")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
    };
    match tool {
        "bash" => match s("command") {
            // A command run in another directory is analyzed there.
            Some(command) => Action::Shell {
                command: match s("workdir") {
                    Some(dir) => format!("cd '{}' && {command}", dir.replace('\'', r"'\''")),
                    None => command,
                },
                shell: None,
            },
            None => invalid("command", true),
        },
        "write" => match s("filePath") {
            Some(path) => Action::Write {
                path,
                content: s("content"),
            },
            None => invalid("filePath", true),
        },
        "edit" => match s("filePath") {
            Some(path) => Action::Edit {
                path,
                edits: vec![edit(input)],
            },
            None => invalid("filePath", true),
        },
        "multiedit" => match (s("filePath"), input.get("edits").and_then(Value::as_array)) {
            (Some(path), Some(edits)) => Action::Edit {
                path,
                edits: edits.iter().take(10_000).map(edit).collect(),
            },
            _ => invalid("filePath", true),
        },
        "read" => match s("filePath") {
            Some(path) => Action::Read { path },
            None => invalid("filePath", false),
        },
        "list" => Action::Search {
            path: s("path"),
            pattern: None,
            glob: None,
            reads_content: false,
        },
        "glob" => Action::Search {
            path: s("path"),
            pattern: s("pattern"),
            glob: None,
            reads_content: false,
        },
        "grep" => Action::Search {
            path: s("path"),
            pattern: s("pattern"),
            glob: s("include"),
            reads_content: true,
        },
        "webfetch" => match s("url") {
            Some(url) => Action::Fetch { url },
            None => invalid("url", false),
        },
        "websearch" => Action::WebSearch {
            query: s("query").unwrap_or_default(),
        },
        "task" => Action::Spawn {
            agent_type: s("subagent_type"),
            description: s("description"),
        },
        "todowrite" | "todoread" => Action::Internal {
            name: tool.to_owned(),
        },
        // `patch` and anything else: judged by its path- and URL-shaped arguments.
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
    fn opencode_tools() {
        assert_eq!(
            normalize("bash", &json!({"command": "ls", "workdir": "sub"})),
            Action::Shell {
                command: "cd 'sub' && ls".into(),
                shell: None
            }
        );
        assert_eq!(
            normalize("write", &json!({"filePath": "b.txt", "content": "x"})),
            Action::Write {
                path: "b.txt".into(),
                content: Some("x".into())
            }
        );
        assert_eq!(
            normalize(
                "multiedit",
                &json!({"filePath": "b.txt", "edits": [{"oldString": "a", "newString": "b"}]})
            )
            .kind(),
            "edit"
        );
        assert_eq!(
            normalize("read", &json!({"filePath": ".env"})).kind(),
            "read"
        );
        assert_eq!(normalize("write", &json!({})).kind(), "invalid");
        assert_eq!(
            normalize("task", &json!({"description": "d"})).kind(),
            "spawn"
        );
        assert_eq!(normalize("github_create_issue", &json!({})).kind(), "other");
    }
}
