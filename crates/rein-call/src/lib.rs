//! The neutral tool-call model.
//!
//! Every agent names its tools its own way: Claude Code's `Bash` is Codex's `exec_command`,
//! Gemini CLI's `run_shell_command` and Copilot's `bash`. Each dialect (in `rein-agents`) turns
//! its native tool name and input into an [`Action`]: what the call does. Capture, summaries,
//! effects and policy requests all come from the action, never from an agent's tool names, so
//! every agent is recorded and gated alike and a new agent is one dialect file.
//!
//! The native tool name and the raw input stay with the call (they are evidence, and policy rules
//! may name a tool); the action says how rein understood it.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What a tool call does. Paths are as the agent gave them: absolute, or relative to the call's
/// working directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Action {
    /// A shell command line, run by `shell` (`bash` when the agent does not say).
    Shell {
        command: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        shell: Option<String>,
    },
    /// A file's content is read.
    Read { path: String },
    /// A file is written whole. `content` is what the agent writes, when it says (not stored: the
    /// recorded input and the file's version hold it).
    Write {
        path: String,
        #[serde(skip)]
        content: Option<String>,
    },
    /// A file is edited in place: each edit replaces an old text with a new one (not stored).
    Edit {
        path: String,
        #[serde(skip)]
        edits: Vec<TextEdit>,
    },
    /// A file is removed.
    Delete { path: String },
    /// A patch over several files (Codex's `apply_patch`): each added, updated, deleted or moved.
    Patch { files: Vec<PatchFile> },
    /// A search over paths (a glob, a grep). `reads_content` is false for a search that only
    /// lists names.
    Search {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        path: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pattern: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        glob: Option<String>,
        #[serde(default)]
        reads_content: bool,
    },
    /// A URL is fetched.
    Fetch { url: String },
    /// A query is sent to the agent's web search.
    WebSearch { query: String },
    /// A tool of an MCP server is called (its arguments are the call's input).
    Mcp { server: String, tool: String },
    /// A sub-agent is started; what it does is recorded as its own steps.
    Spawn {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        agent_type: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        description: Option<String>,
    },
    /// The agent's own bookkeeping, with no effect outside it: a todo list, a plan, a question to
    /// the user, reading a background shell's output.
    Internal { name: String },
    /// Anything else (the call's input holds its arguments). rein judges it by its path- and
    /// URL-shaped arguments and a shell command it carries, and walks the tree for its changes.
    Other { name: String },
    /// A known tool whose input lacks what it needs (a shell call without a command): it cannot be
    /// understood, so it is never allowed without asking. `writes`: whether the tool can change
    /// files at all (then its changes are looked for everywhere).
    Invalid {
        name: String,
        reason: String,
        #[serde(default)]
        writes: bool,
    },
}

/// One file of a patch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatchFile {
    pub path: String,
    pub op: PatchOp,
    /// Where an update moves the file to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub move_to: Option<String>,
}

/// What a patch does to one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PatchOp {
    Add,
    Update,
    Delete,
}

/// One replacement of an edit.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TextEdit {
    pub old: String,
    pub new: String,
}

/// What a call may change on disk, for the recorder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Changes {
    /// Nothing.
    None,
    /// Exactly these paths.
    Paths(Vec<String>),
    /// Anything: look at the whole tree.
    Anything,
}

impl Action {
    /// The action's kind, as stored and shown: `shell`, `read`, `write`, …
    pub fn kind(&self) -> &'static str {
        match self {
            Action::Shell { .. } => "shell",
            Action::Read { .. } => "read",
            Action::Write { .. } => "write",
            Action::Edit { .. } => "edit",
            Action::Delete { .. } => "delete",
            Action::Patch { .. } => "patch",
            Action::Search { .. } => "search",
            Action::Fetch { .. } => "fetch",
            Action::WebSearch { .. } => "web_search",
            Action::Mcp { .. } => "mcp",
            Action::Spawn { .. } => "spawn",
            Action::Internal { .. } => "internal",
            Action::Other { .. } => "other",
            Action::Invalid { .. } => "invalid",
        }
    }

    /// What the call may change on disk. A tool that does not declare its paths may change
    /// anything; a sub-agent's changes are its own steps'.
    pub fn changes(&self) -> Changes {
        match self {
            Action::Write { path, .. } | Action::Edit { path, .. } | Action::Delete { path } => {
                Changes::Paths(vec![path.clone()])
            }
            Action::Patch { files } => Changes::Paths(
                files
                    .iter()
                    .flat_map(|f| std::iter::once(f.path.clone()).chain(f.move_to.clone()))
                    .collect(),
            ),
            Action::Read { .. }
            | Action::Search { .. }
            | Action::Fetch { .. }
            | Action::WebSearch { .. }
            | Action::Spawn { .. }
            | Action::Internal { .. }
            | Action::Invalid { writes: false, .. } => Changes::None,
            Action::Shell { .. }
            | Action::Mcp { .. }
            | Action::Other { .. }
            | Action::Invalid { writes: true, .. } => Changes::Anything,
        }
    }

    /// A one-line summary for listings: the command, the path, the pattern, the URL, or the
    /// compact input.
    pub fn summary(&self, input: &Value) -> String {
        let text = match self {
            Action::Shell { command, .. } => Some(command.clone()),
            Action::Read { path }
            | Action::Write { path, .. }
            | Action::Edit { path, .. }
            | Action::Delete { path } => Some(path.clone()),
            Action::Search {
                pattern,
                glob,
                path,
                ..
            } => pattern
                .clone()
                .or_else(|| glob.clone())
                .or_else(|| path.clone()),
            Action::Patch { files } => Some(
                files
                    .iter()
                    .map(|f| f.path.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            Action::Fetch { url } => Some(url.clone()),
            Action::WebSearch { query } => Some(query.clone()),
            Action::Spawn { description, .. } => description.clone(),
            Action::Mcp { .. }
            | Action::Internal { .. }
            | Action::Other { .. }
            | Action::Invalid { .. } => None,
        };
        let text = text.unwrap_or_else(|| serde_json::to_string(input).unwrap_or_default());
        one_line(&text, 80)
    }
}

impl Action {
    /// Applies `f` to every string the action holds (paths, commands, URLs, contents), e.g. to
    /// redact secrets before it is stored.
    pub fn map_strings(&mut self, f: &mut dyn FnMut(&mut String)) {
        let opt = |o: &mut Option<String>, f: &mut dyn FnMut(&mut String)| {
            if let Some(s) = o {
                f(s);
            }
        };
        match self {
            Action::Shell { command, shell } => {
                f(command);
                opt(shell, f);
            }
            Action::Read { path } | Action::Delete { path } => f(path),
            Action::Patch { files } => {
                for file in files {
                    f(&mut file.path);
                    opt(&mut file.move_to, f);
                }
            }
            Action::Write { path, content } => {
                f(path);
                opt(content, f);
            }
            Action::Edit { path, edits } => {
                f(path);
                for e in edits {
                    f(&mut e.old);
                    f(&mut e.new);
                }
            }
            Action::Search {
                path,
                pattern,
                glob,
                ..
            } => {
                opt(path, f);
                opt(pattern, f);
                opt(glob, f);
            }
            Action::Fetch { url } => f(url),
            Action::WebSearch { query } => f(query),
            Action::Mcp { server, tool } => {
                f(server);
                f(tool);
            }
            Action::Spawn {
                agent_type,
                description,
            } => {
                opt(agent_type, f);
                opt(description, f);
            }
            Action::Internal { name } | Action::Other { name } => f(name),
            Action::Invalid { name, reason, .. } => {
                f(name);
                f(reason);
            }
        }
    }
}

/// Collapses whitespace and truncates to `max` characters with an ellipsis.
pub fn one_line(text: &str, max: usize) -> String {
    let mut out = String::new();
    let mut count = 0;
    let mut last_space = false;
    for ch in text.chars() {
        let ch = if ch.is_whitespace() { ' ' } else { ch };
        if ch == ' ' && last_space {
            continue;
        }
        last_space = ch == ' ';
        if count == max {
            out.pop();
            out.push('…');
            return out;
        }
        out.push(ch);
        count += 1;
    }
    out.trim().to_owned()
}

/// Most strings looked at in one input, and deepest nesting followed.
const MAX_STRINGS: usize = 256;
const MAX_DEPTH: usize = 16;

/// The string arguments of an unknown tool that look like paths (`/…`, `~/…`, `./…`, `../…`)
/// or URLs (`scheme://…`), for judging a tool rein does not know: (paths, urls). Bounded in
/// strings and depth.
pub fn shaped_arguments(input: &Value) -> (Vec<String>, Vec<String>) {
    fn walk(v: &Value, depth: usize, seen: &mut usize, out: &mut (Vec<String>, Vec<String>)) {
        if depth > MAX_DEPTH || *seen >= MAX_STRINGS {
            return;
        }
        match v {
            Value::String(s) => {
                *seen += 1;
                let t = s.trim();
                if t.contains('\n') || t.is_empty() {
                    return;
                }
                if let Some((scheme, _)) = t.split_once("://")
                    && !scheme.is_empty()
                    && scheme
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
                {
                    out.1.push(t.to_owned());
                } else if t.starts_with('/')
                    || t.starts_with("~/")
                    || t == "~"
                    || t.starts_with("./")
                    || t.starts_with("../")
                {
                    out.0.push(t.to_owned());
                }
            }
            Value::Array(a) => {
                for x in a {
                    walk(x, depth + 1, seen, out);
                }
            }
            Value::Object(o) => {
                for x in o.values() {
                    walk(x, depth + 1, seen, out);
                }
            }
            _ => {}
        }
    }
    let mut out = (Vec::new(), Vec::new());
    let mut seen = 0;
    walk(input, 0, &mut seen, &mut out);
    out
}

/// The shell command an unknown tool carries in a `command` or `cmd` argument, if any: it is
/// analyzed like a shell call's, never skipped.
pub fn carried_command(input: &Value) -> Option<&str> {
    ["command", "cmd"]
        .iter()
        .find_map(|k| input.get(*k).and_then(Value::as_str))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn actions_round_trip_without_contents() {
        let a = Action::Write {
            path: "a.txt".into(),
            content: Some("secret body".into()),
        };
        let stored = serde_json::to_string(&a).expect("json");
        assert_eq!(stored, r#"{"kind":"write","path":"a.txt"}"#);
        let back: Action = serde_json::from_str(&stored).expect("parse");
        assert_eq!(
            back,
            Action::Write {
                path: "a.txt".into(),
                content: None
            }
        );
        let s = Action::Shell {
            command: "ls".into(),
            shell: None,
        };
        assert_eq!(
            serde_json::to_string(&s).expect("json"),
            r#"{"kind":"shell","command":"ls"}"#
        );
    }

    #[test]
    fn what_a_call_may_change() {
        assert_eq!(
            Action::Edit {
                path: "a".into(),
                edits: vec![]
            }
            .changes(),
            Changes::Paths(vec!["a".into()])
        );
        assert_eq!(Action::Read { path: "a".into() }.changes(), Changes::None);
        assert_eq!(
            Action::Other { name: "x".into() }.changes(),
            Changes::Anything
        );
        assert_eq!(
            Action::Mcp {
                server: "s".into(),
                tool: "t".into()
            }
            .changes(),
            Changes::Anything
        );
    }

    #[test]
    fn summaries_fall_back_to_the_compact_input() {
        let input = json!({"a": 1});
        assert_eq!(
            Action::Other { name: "x".into() }.summary(&input),
            r#"{"a":1}"#
        );
        let long = "x ".repeat(100);
        let s = Action::Shell {
            command: long,
            shell: None,
        }
        .summary(&input);
        assert_eq!(s.chars().count(), 80);
        assert!(s.ends_with('…'));
    }

    #[test]
    fn shaped_arguments_find_paths_and_urls_only() {
        let input = json!({
            "target": "/etc/passwd",
            "nested": {"list": ["~/.ssh/id_rsa", "https://evil.example/x", "plain words"]},
            "n": 3,
            "multi": "/a\n/b",
        });
        let (paths, urls) = shaped_arguments(&input);
        assert_eq!(paths, vec!["/etc/passwd", "~/.ssh/id_rsa"]);
        assert_eq!(urls, vec!["https://evil.example/x"]);
        // Bounded: a deep or wide input stops early instead of recursing without end.
        let mut deep = json!("/x");
        for _ in 0..1000 {
            deep = json!([deep]);
        }
        assert_eq!(shaped_arguments(&deep), (vec![], vec![]));
    }
}
