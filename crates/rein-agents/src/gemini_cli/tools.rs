//! Gemini CLI's tools in rein's neutral model (yolo mode offers `run_shell_command`,
//! `write_file`, `replace`, `read_file`, `read_many_files`, `list_directory`, `glob`,
//! `search_file_content`/`grep_search`, `web_fetch`, `google_web_search`, `write_todos`,
//! `save_memory` and MCP tools). Paths may be relative to the session's directory.

use rein_call::{Action, TextEdit};
use serde_json::Value;

/// What a Gemini CLI tool call does.
pub fn normalize(tool: &str, input: &Value) -> Action {
    let s = |k: &str| input.get(k).and_then(Value::as_str).map(str::to_owned);
    let invalid = |field: &str, writes: bool| Action::Invalid {
        name: tool.to_owned(),
        reason: format!("the {tool} call has no `{field}` string"),
        writes,
    };
    match tool {
        "run_shell_command" => match s("command") {
            // A command run in another directory is analyzed there.
            Some(command) => Action::Shell {
                command: match s("dir_path").or_else(|| s("directory")) {
                    Some(dir) => format!("cd {} && {command}", quote(&dir)),
                    None => command,
                },
                shell: None,
            },
            None => invalid("command", true),
        },
        "write_file" => match s("file_path") {
            Some(path) => Action::Write {
                path,
                content: s("content"),
            },
            None => invalid("file_path", true),
        },
        "replace" => match s("file_path") {
            Some(path) => Action::Edit {
                path,
                edits: vec![TextEdit {
                    old: s("old_string").unwrap_or_default(),
                    new: s("new_string").unwrap_or_default(),
                }],
            },
            None => invalid("file_path", true),
        },
        "read_file" => match s("file_path").or_else(|| s("absolute_path")) {
            Some(path) => Action::Read { path },
            None => invalid("file_path", false),
        },
        "list_directory" => Action::Search {
            path: s("dir_path").or_else(|| s("path")),
            pattern: None,
            glob: None,
            reads_content: false,
        },
        "glob" => Action::Search {
            path: s("dir_path").or_else(|| s("path")),
            pattern: s("pattern"),
            glob: None,
            reads_content: false,
        },
        "search_file_content" | "grep_search" => Action::Search {
            path: s("dir_path").or_else(|| s("path")),
            pattern: s("pattern"),
            glob: s("include"),
            reads_content: true,
        },
        "web_fetch" => match first_url(input) {
            Some(url) => Action::Fetch { url },
            None => Action::Other {
                name: tool.to_owned(),
            },
        },
        "google_web_search" => Action::WebSearch {
            query: s("query").unwrap_or_default(),
        },
        "write_todos" => Action::Internal {
            name: tool.to_owned(),
        },
        _ => Action::Other {
            name: tool.to_owned(),
        },
    }
}

/// The first URL in a `web_fetch` prompt (Gemini passes the URLs inside the prompt text).
fn first_url(input: &Value) -> Option<String> {
    let text = input.get("prompt").and_then(Value::as_str)?;
    text.split_whitespace()
        .find(|w| w.starts_with("https://") || w.starts_with("http://"))
        .map(|w| w.trim_end_matches(['.', ',', ')', ';']).to_owned())
}

/// Single-quotes a directory for the analyzed command.
fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn gemini_tools() {
        assert_eq!(
            normalize(
                "run_shell_command",
                &json!({"command": "ls", "dir_path": "sub"})
            ),
            Action::Shell {
                command: "cd 'sub' && ls".into(),
                shell: None
            }
        );
        assert_eq!(
            normalize("write_file", &json!({"file_path": "b.txt"})).kind(),
            "write"
        );
        assert_eq!(
            normalize("replace", &json!({"file_path": "b.txt"})).kind(),
            "edit"
        );
        assert_eq!(
            normalize("read_file", &json!({"file_path": ".env"})).kind(),
            "read"
        );
        assert_eq!(
            normalize(
                "web_fetch",
                &json!({"prompt": "summarize https://example.com/a."})
            ),
            Action::Fetch {
                url: "https://example.com/a".into()
            }
        );
        assert_eq!(normalize("write_file", &json!({})).kind(), "invalid");
        assert_eq!(
            normalize("save_memory", &json!({"fact": "x"})).kind(),
            "other"
        );
    }
}
