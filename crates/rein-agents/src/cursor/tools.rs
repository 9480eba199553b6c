//! Cursor's tools in rein's neutral model, as its `preToolUse` hook names them (from Cursor's
//! hook executor; not captured from a running agent): `Shell`, `Read`, `Write`, `Delete`, `Grep`,
//! `List`, `Fetch`, `WriteShellStdin`, and MCP tools.

use rein_call::Action;
use serde_json::Value;

/// What a Cursor tool call does.
pub fn normalize(tool: &str, input: &Value) -> Action {
    let s = |k: &str| input.get(k).and_then(Value::as_str).map(str::to_owned);
    let invalid = |field: &str, writes: bool| Action::Invalid {
        name: tool.to_owned(),
        reason: format!("the {tool} call has no `{field}` string"),
        writes,
    };
    match tool {
        "Shell" => match s("command") {
            Some(command) => Action::Shell {
                command: match s("cwd") {
                    Some(dir) => format!("cd '{}' && {command}", dir.replace('\'', r"'\''")),
                    None => command,
                },
                shell: None,
            },
            None => invalid("command", true),
        },
        "Write" => match s("file_path") {
            Some(path) => Action::Write {
                path,
                content: s("content"),
            },
            None => invalid("file_path", true),
        },
        "Delete" => match s("file_path") {
            Some(path) => Action::Delete { path },
            None => invalid("file_path", true),
        },
        "Read" => match s("file_path") {
            Some(path) => Action::Read { path },
            None => invalid("file_path", false),
        },
        "Grep" => Action::Search {
            path: s("file_path"),
            pattern: s("pattern"),
            glob: s("glob"),
            reads_content: true,
        },
        "List" => Action::Search {
            path: s("file_path"),
            pattern: None,
            glob: None,
            reads_content: false,
        },
        "Fetch" => match s("url") {
            Some(url) => Action::Fetch { url },
            None => invalid("url", false),
        },
        // The characters typed into a running shell are not shown to hooks (only their count):
        // rein cannot read what it would allow.
        "WriteShellStdin" => Action::Invalid {
            name: tool.to_owned(),
            reason: "input typed into a running shell is not shown to hooks".to_owned(),
            writes: true,
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
    fn cursor_tools() {
        assert_eq!(
            normalize("Shell", &json!({"command": "ls"})),
            Action::Shell {
                command: "ls".into(),
                shell: None
            }
        );
        assert_eq!(
            normalize("Write", &json!({"file_path": "a", "content": "x"})).kind(),
            "write"
        );
        assert_eq!(
            normalize("Delete", &json!({"file_path": "a"})).kind(),
            "delete"
        );
        assert_eq!(normalize("Read", &json!({})).kind(), "invalid");
        assert_eq!(
            normalize(
                "WriteShellStdin",
                &json!({"shell_id": 1, "chars_length": 3})
            )
            .kind(),
            "invalid"
        );
        assert_eq!(
            normalize("Fetch", &json!({"url": "https://x"})).kind(),
            "fetch"
        );
    }
}
