//! The agent-neutral event model. Adapters turn each agent's hook payloads into these; the
//! recorder turns them into sessions, turns, steps and file versions.

use serde_json::Value;

/// One hook event from an agent.
#[derive(Debug, Clone)]
pub struct Event {
    /// The agent kind, e.g. `claude-code`.
    pub agent: String,
    /// The agent's own session id.
    pub session_id: String,
    /// The agent's working directory when the event fired.
    pub cwd: String,
    pub transcript_path: Option<String>,
    /// The agent's permission mode, when it reports one.
    pub permission_mode: Option<String>,
    /// The agent's own name for the event, e.g. `PreToolUse`.
    pub name: String,
    pub kind: EventKind,
    /// The whole payload, already redacted; recorded in the audit chain.
    pub raw: Value,
}

/// What happened.
#[derive(Debug, Clone)]
pub enum EventKind {
    SessionStart {
        source: Option<String>,
        model: Option<String>,
    },
    Prompt {
        prompt_id: Option<String>,
        prompt: String,
    },
    ToolPre(ToolCall),
    ToolPost {
        call: ToolCall,
        response: Value,
        duration_ms: Option<u64>,
    },
    ToolFailed {
        call: ToolCall,
        error: String,
        interrupted: bool,
        duration_ms: Option<u64>,
    },
    ToolDenied {
        call: ToolCall,
        reason: String,
    },
    /// The main agent finished its turn.
    Stop,
    SubagentStart {
        agent_id: String,
        agent_type: Option<String>,
    },
    SubagentStop {
        agent_id: String,
        agent_type: Option<String>,
    },
    SessionEnd {
        reason: Option<String>,
    },
    PreCompact {
        trigger: Option<String>,
    },
    /// Anything else: recorded raw, never rejected.
    Other,
}

/// A tool call as the agent describes it.
#[derive(Debug, Clone)]
pub struct ToolCall {
    pub tool_use_id: String,
    pub tool: String,
    /// Already redacted.
    pub input: Value,
    pub prompt_id: Option<String>,
    /// Set when the call is made inside a sub-agent.
    pub agent_id: Option<String>,
}

/// How the recorder captures a tool's file changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaptureMode {
    /// The tool cannot change files.
    None,
    /// The tool changes exactly these paths (absolute or relative to the cwd).
    Declared(Vec<String>),
    /// Anything may change: walk the work tree.
    Walk,
}

impl ToolCall {
    /// Decides how to capture this tool. Unknown tools, MCP tools included, are walked: a tool
    /// that does not declare its paths may change anything.
    pub fn capture_mode(&self) -> CaptureMode {
        match self.tool.as_str() {
            "Write" | "Edit" | "MultiEdit" | "NotebookEdit" => {
                let path = ["file_path", "notebook_path"]
                    .iter()
                    .find_map(|k| self.input.get(*k).and_then(Value::as_str));
                match path {
                    Some(p) => CaptureMode::Declared(vec![p.to_owned()]),
                    None => CaptureMode::Walk,
                }
            }
            // Read-only tools, and tools whose own effects are captured through their sub-steps.
            "Read"
            | "Glob"
            | "Grep"
            | "LS"
            | "WebFetch"
            | "WebSearch"
            | "TodoWrite"
            | "TodoRead"
            | "Task"
            | "Agent"
            | "TaskCreate"
            | "TaskUpdate"
            | "TaskList"
            | "TaskGet"
            | "TaskOutput"
            | "ExitPlanMode"
            | "NotebookRead"
            | "BashOutput"
            | "KillShell"
            | "KillBash"
            | "ListMcpResourcesTool"
            | "ReadMcpResourceTool"
            | "SlashCommand"
            | "Skill"
            | "AskUserQuestion"
            | "SendMessage" => CaptureMode::None,
            _ => CaptureMode::Walk,
        }
    }

    /// A one-line summary of the input for listings.
    pub fn summary(&self) -> String {
        summarize_input(&self.tool, &self.input)
    }
}

/// A one-line summary of a tool input: the command, the path, the pattern, or compact JSON.
pub fn summarize_input(tool: &str, input: &Value) -> String {
    let pick = |keys: &[&str]| {
        keys.iter()
            .find_map(|k| input.get(*k).and_then(Value::as_str).map(str::to_owned))
    };
    let text = match tool {
        "Bash" => pick(&["command"]),
        "Write" | "Edit" | "MultiEdit" | "Read" | "NotebookEdit" => {
            pick(&["file_path", "notebook_path"])
        }
        "Glob" | "Grep" => pick(&["pattern"]),
        "WebFetch" => pick(&["url"]),
        "WebSearch" => pick(&["query"]),
        "Agent" | "Task" => pick(&["description", "prompt"]),
        _ => None,
    }
    .unwrap_or_else(|| serde_json::to_string(input).unwrap_or_default());
    one_line(&text, 80)
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
