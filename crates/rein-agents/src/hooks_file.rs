//! Reading and editing hook settings in Claude Code's format (Claude Code's
//! `.claude/settings*.json`, Codex's `hooks.json`, and the other agents that
//! adopted the format) to install, detect and uninstall rein's hooks.
//!
//! Everything here is pure: text in, text out. The caller reads and writes
//! files, keeps backups and writes atomically.
//!
//! Claude Code ignores a settings file *as a whole* when it is not valid JSON
//! or its `hooks` value has the wrong shape, so no hook fires at all. Hence
//! the rules this module follows:
//!
//! * it refuses to edit a file that is already invalid (it never "repairs" a
//!   user's file by overwriting it);
//! * it validates its own output before handing it back;
//! * it keeps every key, and every hook, that is not rein's, in the user's
//!   order.
//!
//! Key order is kept through `serde_json`'s `preserve_order` feature, which
//! this module requires: without it the output is still valid and
//! semantically identical, but keys come back sorted (and the exact-output
//! tests fail).
//!
//! The shape of the `hooks` value is:
//!
//! ```json
//! {
//!   "hooks": {
//!     "PreToolUse": [
//!       { "matcher": "*", "hooks": [ { "type": "command", "command": "rein hook claude-code", "timeout": 10 } ] }
//!     ],
//!     "Stop": [
//!       { "hooks": [ { "type": "command", "command": "rein hook claude-code", "timeout": 10 } ] }
//!     ]
//!   }
//! }
//! ```

use std::fmt;

use serde_json::{Map, Value};

/// Events rein installs, with the matcher each gets (`None` = no `matcher`
/// key, for events that are not about a tool).
pub const REIN_EVENTS: &[(&str, Option<&str>)] = &[
    ("PreToolUse", Some("*")),
    ("PostToolUse", Some("*")),
    ("PostToolUseFailure", Some("*")),
    ("UserPromptSubmit", None),
    ("Stop", None),
    ("SubagentStart", None),
    ("SubagentStop", None),
    ("SessionStart", None),
    ("SessionEnd", None),
    ("PreCompact", None),
    ("Notification", None),
];

/// Hook event names known to Claude Code 2.1.x. Other names only draw a
/// warning from [`validate`], since newer versions keep adding events.
const KNOWN_EVENTS: &[&str] = &[
    "PreToolUse",
    "PostToolUse",
    "PostToolUseFailure",
    "PostToolBatch",
    "PermissionRequest",
    "PermissionDenied",
    "Notification",
    "UserPromptSubmit",
    "UserPromptExpansion",
    "Stop",
    "StopFailure",
    "SubagentStart",
    "SubagentStop",
    "PreCompact",
    "PostCompact",
    "Elicitation",
    "ElicitationResult",
    "TeammateIdle",
    "TaskCreated",
    "TaskCompleted",
    "Setup",
    "InstructionsLoaded",
    "CwdChanged",
    "FileChanged",
    "ConfigChange",
    "WorktreeCreate",
    "WorktreeRemove",
    "SessionStart",
    "SessionEnd",
    "PreModelSwitch",
    "PostModelSwitch",
    "MessageDisplay",
    "DirectoryAdded",
];

/// Hook handler types known to Claude Code 2.1.x. Other types only draw a
/// warning from [`validate`].
const KNOWN_HOOK_TYPES: &[&str] = &["command", "prompt", "agent", "http", "mcp_tool"];

/// Why a settings text could not be read or edited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SettingsError {
    /// The text is not valid JSON (comments and trailing commas included).
    /// `line` and `column` are 1-based.
    InvalidJson {
        line: usize,
        column: usize,
        message: String,
    },
    /// The top-level JSON value is not an object.
    NotAnObject,
    /// The `hooks` value has a shape Claude Code rejects; the messages are
    /// [`Validation::errors`]. [`install`] also reports here a `command` that
    /// [`is_rein_command`] would not recognise, and its own output should it
    /// ever fail validation.
    InvalidShape(Vec<String>),
}

impl fmt::Display for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidJson {
                line,
                column,
                message,
            } => write!(
                f,
                "settings file is not valid JSON (line {line}, column {column}): {message}"
            ),
            Self::NotAnObject => f.write_str("settings file is not a JSON object at the top level"),
            Self::InvalidShape(errors) => write!(
                f,
                "settings file has an invalid hooks configuration: {}",
                errors.join("; ")
            ),
        }
    }
}

impl std::error::Error for SettingsError {}

/// Result of [`install`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstallOutcome {
    /// The new file text: pretty-printed with a 2-space indent and a trailing
    /// newline. When `changed` is false this is the input text, byte for byte.
    pub text: String,
    /// Whether anything was added or updated; the caller writes only if so.
    pub changed: bool,
    /// Events that had no rein hook and got one, in [`REIN_EVENTS`] order.
    pub added_events: Vec<String>,
    /// Events whose rein hook was rewritten in place (other command or
    /// timeout, or duplicate rein hooks removed), in [`REIN_EVENTS`] order.
    pub updated_events: Vec<String>,
}

/// Result of [`uninstall`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UninstallOutcome {
    /// The new file text: pretty-printed with a 2-space indent and a trailing
    /// newline. When `changed` is false this is the input text, byte for byte.
    pub text: String,
    /// Whether any rein hook was removed; the caller writes only if so.
    pub changed: bool,
    /// How many rein hook entries were removed.
    pub removed: usize,
    /// Whether nothing is left but an empty object: the file held only what rein put there, so
    /// the caller removes it instead of leaving `{}` behind.
    pub left_empty: bool,
}

/// A rein hook found in a settings file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReinHook {
    /// The hook event, e.g. `PreToolUse`.
    pub event: String,
    /// The `matcher` of the group holding the hook, if it has one.
    pub matcher: Option<String>,
    /// The hook's command, as written in the file.
    pub command: String,
}

/// Findings of [`validate`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validation {
    /// Problems that make Claude Code ignore the whole file. Each message
    /// starts with the JSON path, e.g.
    /// `hooks.PreToolUse[0].hooks[1].command: expected a string, found a number`.
    pub errors: Vec<String>,
    /// Things Claude Code accepts but that are probably not what was meant,
    /// such as an unknown event name.
    pub warnings: Vec<String>,
}

impl Validation {
    /// True when there are no errors (warnings are allowed).
    pub fn is_valid(&self) -> bool {
        self.errors.is_empty()
    }
}

/// True for a command that runs a binary named `rein` with the arguments
/// `hook claude-code`, possibly followed by more arguments.
///
/// The command is split into words the way a POSIX shell would (single and
/// double quotes, backslash escapes). The program may be bare `rein`, any
/// absolute or relative path whose last component is `rein` (`/` or `\`
/// separated), or `rein.exe`; leading `NAME=value` environment assignments
/// are skipped. So `"/opt/my tools/rein" hook claude-code` matches, while
/// `reindex hook claude-code`, `echo rein hook claude-code` and
/// `/usr/bin/rein-helper hook claude-code` do not.
pub fn is_rein_command(command: &str) -> bool {
    is_rein_command_for(command, "claude-code")
}

/// Like [`is_rein_command`], for the hook of `agent` (`rein hook <agent>`).
pub fn is_rein_command_for(command: &str, agent: &str) -> bool {
    let Some(words) = split_shell_words(command) else {
        return false;
    };
    let mut words = words.iter().skip_while(|w| is_env_assignment(w));
    let (Some(program), Some(sub), Some(agent_word)) = (words.next(), words.next(), words.next())
    else {
        return false;
    };
    let name = program.rsplit(['/', '\\']).next().unwrap_or(program);
    (name == "rein" || name.eq_ignore_ascii_case("rein.exe"))
        && sub == "hook"
        && agent_word == agent
}

/// Merges rein's hooks into `existing` settings text (`None`, empty or
/// whitespace-only = no file yet) and returns the new text.
///
/// For each event in [`REIN_EVENTS`] without a rein hook, a matcher group of
/// its own holding one `{"type": "command", "command": command, "timeout":
/// timeout_secs}` entry is appended after the user's groups. A rein hook that
/// is already there (in any group, even one of the user's) is updated in
/// place when its command or timeout differ, and further rein hooks for the
/// same event are removed, so rein never runs twice per event. Its matcher is
/// left as the user may have narrowed it. Every other key and hook is kept,
/// in order. Installing twice gives `changed == false` the second time.
///
/// # Errors
///
/// * [`SettingsError::InvalidJson`] / [`SettingsError::NotAnObject`] /
///   [`SettingsError::InvalidShape`] when `existing` is not a valid settings
///   file: it is never overwritten.
/// * [`SettingsError::InvalidShape`] when `command` is not recognised by
///   [`is_rein_command`] (installing it would not be idempotent), or when the
///   output fails [`validate`] (e.g. `timeout_secs == 0`).
pub fn install(
    existing: Option<&str>,
    command: &str,
    timeout_secs: u32,
) -> Result<InstallOutcome, SettingsError> {
    install_for(existing, command, timeout_secs, "claude-code", REIN_EVENTS)
}

/// Like [`install`], for the hook of `agent` on `events` (each with the matcher it gets).
pub fn install_for(
    existing: Option<&str>,
    command: &str,
    timeout_secs: u32,
    agent: &str,
    events: &[(&str, Option<&str>)],
) -> Result<InstallOutcome, SettingsError> {
    if !is_rein_command_for(command, agent) {
        return Err(SettingsError::InvalidShape(vec![format!(
            "command {command:?} is not recognised as a rein hook command \
             (expected `<path to>/rein hook {agent} [args]`)"
        )]));
    }
    let existing = existing.filter(|text| !text.trim().is_empty());
    let mut root = match existing {
        Some(text) => parse_settings(text)?,
        None => Map::new(),
    };

    let mut added_events = Vec::new();
    let mut updated_events = Vec::new();
    let hooks = root
        .entry("hooks")
        .or_insert_with(|| Value::Object(Map::new()))
        .as_object_mut()
        .ok_or_else(|| shape_error("hooks: expected an object"))?;
    for &(event, matcher) in events {
        let groups = hooks
            .entry(event)
            .or_insert_with(|| Value::Array(Vec::new()))
            .as_array_mut()
            .ok_or_else(|| shape_error(&format!("{}: expected an array", event_path(event))))?;
        match reconcile_event(groups, command, timeout_secs, agent) {
            Reconciled::Missing => {
                groups.push(rein_group(matcher, command, timeout_secs));
                added_events.push(event.to_owned());
            }
            Reconciled::Updated => updated_events.push(event.to_owned()),
            Reconciled::Unchanged => {}
        }
    }

    let changed = !added_events.is_empty() || !updated_events.is_empty();
    let text = match existing {
        Some(text) if !changed => text.to_owned(),
        _ => render_checked(root)?,
    };
    Ok(InstallOutcome {
        text,
        changed,
        added_events,
        updated_events,
    })
}

/// Removes rein's hook entries, under any event and in any matcher group,
/// from `existing` settings text and returns the new text.
///
/// Matcher groups left without hooks are removed, event arrays left empty are
/// removed, and a `hooks` object left empty is removed; groups, arrays and
/// objects that were already empty stay as they were, as does everything
/// else. An empty or whitespace-only text holds no hooks: `changed == false`.
///
/// # Errors
///
/// [`SettingsError::InvalidJson`] / [`SettingsError::NotAnObject`] /
/// [`SettingsError::InvalidShape`] when `existing` is not a valid settings
/// file: it is never overwritten.
pub fn uninstall(existing: &str) -> Result<UninstallOutcome, SettingsError> {
    uninstall_for(existing, "claude-code")
}

/// Like [`uninstall`], for the hooks of `agent`.
pub fn uninstall_for(existing: &str, agent: &str) -> Result<UninstallOutcome, SettingsError> {
    if existing.trim().is_empty() {
        return Ok(UninstallOutcome {
            text: existing.to_owned(),
            changed: false,
            removed: 0,
            left_empty: false,
        });
    }
    let mut root = parse_settings(existing)?;

    // `Map::retain` keeps the order of what stays, with or without
    // `preserve_order` (unlike `Map::remove`, which may swap entries).
    let mut removed = 0;
    let mut hooks_emptied = false;
    if let Some(Value::Object(hooks)) = root.get_mut("hooks") {
        hooks.retain(|_event, groups| {
            let Value::Array(groups) = groups else {
                return true;
            };
            let count = remove_rein_hooks(groups, false, agent);
            removed += count;
            count == 0 || !groups.is_empty()
        });
        hooks_emptied = removed > 0 && hooks.is_empty();
    }
    if hooks_emptied {
        root.retain(|key, _| key != "hooks");
    }

    if removed == 0 {
        return Ok(UninstallOutcome {
            text: existing.to_owned(),
            changed: false,
            removed,
            left_empty: false,
        });
    }
    let left_empty = root.is_empty();
    Ok(UninstallOutcome {
        text: render_checked(root)?,
        changed: true,
        removed,
        left_empty,
    })
}

/// Lists rein's hooks in a settings text, in file order: every `command`
/// hook, under any event and in any matcher group, whose command
/// [`is_rein_command`] recognises.
///
/// Shape problems are not errors here (see [`validate`] for those): parts of
/// `hooks` that do not have the expected shape are skipped. An empty or
/// whitespace-only text holds no hooks.
///
/// # Errors
///
/// [`SettingsError::InvalidJson`] or [`SettingsError::NotAnObject`].
pub fn find_rein_hooks(text: &str) -> Result<Vec<ReinHook>, SettingsError> {
    find_rein_hooks_for(text, "claude-code")
}

/// Like [`find_rein_hooks`], for the hooks of `agent`.
pub fn find_rein_hooks_for(text: &str, agent: &str) -> Result<Vec<ReinHook>, SettingsError> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    let Value::Object(root) = parse_json(text)? else {
        return Err(SettingsError::NotAnObject);
    };
    let mut found = Vec::new();
    let Some(Value::Object(hooks)) = root.get("hooks") else {
        return Ok(found);
    };
    for (event, groups) in hooks {
        let Value::Array(groups) = groups else {
            continue;
        };
        for group in groups {
            let matcher = group.get("matcher").and_then(Value::as_str);
            let Some(Value::Array(entries)) = group.get("hooks") else {
                continue;
            };
            for entry in entries.iter().filter(|entry| is_rein_hook(entry, agent)) {
                if let Some(command) = entry.get("command").and_then(Value::as_str) {
                    found.push(ReinHook {
                        event: event.clone(),
                        matcher: matcher.map(str::to_owned),
                        command: command.to_owned(),
                    });
                }
            }
        }
    }
    Ok(found)
}

/// Checks the parts of a settings text that would make Claude Code ignore
/// the whole file: valid JSON, an object at the top level, and a well-formed
/// `hooks` value if present (an object mapping event names to arrays of
/// matcher groups; each group an object with an optional string `matcher`
/// and a `hooks` array of objects, each with a string `type`; a `command`
/// hook needs a string `command`; `timeout`, if present, must be a positive
/// number).
///
/// Other top-level keys are not checked. Unknown event names and hook types
/// are warnings, not errors, since newer Claude Code versions add them; so is
/// `"disableAllHooks": true`, which silences every hook including rein's.
pub fn validate(text: &str) -> Validation {
    match parse_json(text) {
        Ok(value) => validate_value(&value),
        Err(SettingsError::InvalidJson {
            line,
            column,
            message,
        }) => Validation {
            errors: vec![format!(
                "invalid JSON at line {line}, column {column}: {message}"
            )],
            warnings: Vec::new(),
        },
        Err(other) => Validation {
            errors: vec![other.to_string()],
            warnings: Vec::new(),
        },
    }
}

/// What [`reconcile_event`] found and did for one event.
enum Reconciled {
    /// No rein hook: one must be added.
    Missing,
    /// A rein hook was rewritten, or duplicates were removed.
    Updated,
    /// The rein hook is already as wanted.
    Unchanged,
}

/// Brings the first rein hook among `groups` to the wanted command and
/// timeout, and removes any further rein hooks.
fn reconcile_event(
    groups: &mut Vec<Value>,
    command: &str,
    timeout_secs: u32,
    agent: &str,
) -> Reconciled {
    let first = groups
        .iter_mut()
        .filter_map(group_hooks_mut)
        .flat_map(|entries| entries.iter_mut())
        .find(|entry| is_rein_hook(entry, agent))
        .and_then(Value::as_object_mut);
    let Some(entry) = first else {
        return Reconciled::Missing;
    };

    let mut updated = false;
    if entry.get("command").and_then(Value::as_str) != Some(command) {
        entry.insert("command".to_owned(), Value::from(command));
        updated = true;
    }
    let wanted = f64::from(timeout_secs);
    if entry.get("timeout").and_then(Value::as_f64) != Some(wanted) {
        entry.insert("timeout".to_owned(), Value::from(timeout_secs));
        updated = true;
    }
    if remove_rein_hooks(groups, true, agent) > 0 {
        updated = true;
    }

    if updated {
        Reconciled::Updated
    } else {
        Reconciled::Unchanged
    }
}

/// Removes rein hooks from `groups` (all of them, or all but the first when
/// `keep_first`), then the groups this left without hooks. Returns how many
/// hooks were removed.
fn remove_rein_hooks(groups: &mut Vec<Value>, mut keep_first: bool, agent: &str) -> usize {
    let mut removed = 0;
    groups.retain_mut(|group| {
        let Some(entries) = group_hooks_mut(group) else {
            return true;
        };
        let before = entries.len();
        // Keeps non-rein hooks, and the first rein hook when `keep_first`.
        entries.retain(|entry| !is_rein_hook(entry, agent) || std::mem::take(&mut keep_first));
        let count = before - entries.len();
        removed += count;
        count == 0 || !entries.is_empty()
    });
    removed
}

/// The `hooks` array of a matcher group, if it has one.
fn group_hooks_mut(group: &mut Value) -> Option<&mut Vec<Value>> {
    group.get_mut("hooks")?.as_array_mut()
}

/// True for a hook entry of type `command` whose command is rein's hook for `agent`.
fn is_rein_hook(entry: &Value, agent: &str) -> bool {
    entry.get("type").and_then(Value::as_str) == Some("command")
        && entry
            .get("command")
            .and_then(Value::as_str)
            .is_some_and(|c| is_rein_command_for(c, agent))
}

/// A matcher group of its own holding rein's one hook entry.
fn rein_group(matcher: Option<&str>, command: &str, timeout_secs: u32) -> Value {
    let mut entry = Map::new();
    entry.insert("type".to_owned(), Value::from("command"));
    entry.insert("command".to_owned(), Value::from(command));
    entry.insert("timeout".to_owned(), Value::from(timeout_secs));

    let mut group = Map::new();
    if let Some(matcher) = matcher {
        group.insert("matcher".to_owned(), Value::from(matcher));
    }
    group.insert("hooks".to_owned(), Value::Array(vec![Value::Object(entry)]));
    Value::Object(group)
}

/// Parses a settings text that is about to be edited: it must be valid JSON,
/// an object, and pass [`validate_value`].
fn parse_settings(text: &str) -> Result<Map<String, Value>, SettingsError> {
    let value = parse_json(text)?;
    let validation = validate_value(&value);
    let Value::Object(root) = value else {
        return Err(SettingsError::NotAnObject);
    };
    if !validation.is_valid() {
        return Err(SettingsError::InvalidShape(validation.errors));
    }
    Ok(root)
}

/// Parses JSON, turning a syntax error into [`SettingsError::InvalidJson`].
pub(crate) fn parse_json(text: &str) -> Result<Value, SettingsError> {
    serde_json::from_str(text).map_err(|error| {
        let (line, column) = (error.line(), error.column());
        let full = error.to_string();
        let suffix = format!(" at line {line} column {column}");
        let message = full.strip_suffix(&suffix).unwrap_or(&full).to_owned();
        SettingsError::InvalidJson {
            line,
            column,
            message,
        }
    })
}

/// Pretty-prints `root` (2-space indent, trailing newline) and checks the
/// result with [`validate`] before handing it out.
fn render_checked(root: Map<String, Value>) -> Result<String, SettingsError> {
    let mut text = serde_json::to_string_pretty(&Value::Object(root))
        .map_err(|error| shape_error(&format!("could not serialise settings: {error}")))?;
    text.push('\n');
    let validation = validate(&text);
    if !validation.is_valid() {
        return Err(SettingsError::InvalidShape(validation.errors));
    }
    Ok(text)
}

fn shape_error(message: &str) -> SettingsError {
    SettingsError::InvalidShape(vec![message.to_owned()])
}

/// Validation of an already parsed settings value; see [`validate`].
fn validate_value(root: &Value) -> Validation {
    let mut v = Validation::default();
    let Value::Object(root) = root else {
        v.errors
            .push(format!("(root): expected an object, found {}", kind(root)));
        return v;
    };
    if root.get("disableAllHooks") == Some(&Value::Bool(true)) {
        v.warnings
            .push("disableAllHooks: true turns off every hook, rein's included".to_owned());
    }
    let Some(hooks) = root.get("hooks") else {
        return v;
    };
    let Value::Object(hooks) = hooks else {
        v.errors
            .push(format!("hooks: expected an object, found {}", kind(hooks)));
        return v;
    };
    for (event, groups) in hooks {
        let path = event_path(event);
        if !KNOWN_EVENTS.contains(&event.as_str()) {
            v.warnings.push(format!(
                "{path}: unknown hook event {event:?} (ignored by Claude Code versions that do not know it)"
            ));
        }
        let Value::Array(groups) = groups else {
            v.errors
                .push(format!("{path}: expected an array, found {}", kind(groups)));
            continue;
        };
        for (i, group) in groups.iter().enumerate() {
            validate_group(&mut v, &format!("{path}[{i}]"), group);
        }
    }
    v
}

/// Validates one matcher group at `path`.
fn validate_group(v: &mut Validation, path: &str, group: &Value) {
    let Value::Object(group) = group else {
        v.errors
            .push(format!("{path}: expected an object, found {}", kind(group)));
        return;
    };
    if let Some(matcher) = group.get("matcher")
        && !matcher.is_string()
    {
        v.errors.push(format!(
            "{path}.matcher: expected a string, found {}",
            kind(matcher)
        ));
    }
    match group.get("hooks") {
        None => v
            .errors
            .push(format!("{path}.hooks: missing (expected an array)")),
        Some(Value::Array(entries)) => {
            for (j, entry) in entries.iter().enumerate() {
                validate_hook(v, &format!("{path}.hooks[{j}]"), entry);
            }
        }
        Some(other) => v.errors.push(format!(
            "{path}.hooks: expected an array, found {}",
            kind(other)
        )),
    }
}

/// Validates one hook entry at `path`.
fn validate_hook(v: &mut Validation, path: &str, entry: &Value) {
    let Value::Object(entry) = entry else {
        v.errors
            .push(format!("{path}: expected an object, found {}", kind(entry)));
        return;
    };
    match entry.get("type") {
        None => v
            .errors
            .push(format!("{path}.type: missing (expected a string)")),
        Some(Value::String(kind_name)) => {
            if kind_name == "command" {
                match entry.get("command") {
                    None => v.errors.push(format!(
                        "{path}.command: missing (required when type is \"command\")"
                    )),
                    Some(Value::String(_)) => {}
                    Some(other) => v.errors.push(format!(
                        "{path}.command: expected a string, found {}",
                        kind(other)
                    )),
                }
            } else if !KNOWN_HOOK_TYPES.contains(&kind_name.as_str()) {
                v.warnings.push(format!(
                    "{path}.type: unknown hook type {kind_name:?} (ignored by Claude Code versions that do not know it)"
                ));
            }
        }
        Some(other) => v.errors.push(format!(
            "{path}.type: expected a string, found {}",
            kind(other)
        )),
    }
    if let Some(timeout) = entry.get("timeout") {
        match timeout.as_f64() {
            Some(seconds) if seconds > 0.0 => {}
            Some(_) => v.errors.push(format!(
                "{path}.timeout: expected a positive number, found {timeout}"
            )),
            None => v.errors.push(format!(
                "{path}.timeout: expected a positive number, found {}",
                kind(timeout)
            )),
        }
    }
}

/// The JSON path of an event's array: `hooks.Name`, or `hooks["odd name"]`
/// when the name is not a plain identifier.
fn event_path(event: &str) -> String {
    let plain = !event.is_empty() && event.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain {
        format!("hooks.{event}")
    } else {
        format!("hooks[{}]", Value::from(event))
    }
}

/// A JSON value's kind, for messages.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// True for a `NAME=value` shell environment assignment.
fn is_env_assignment(word: &str) -> bool {
    word.split_once('=').is_some_and(|(name, _)| {
        let mut chars = name.chars();
        chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// Splits a command line into words like a POSIX shell: whitespace separates
/// words; `'...'` is literal; `"..."` is literal except for `\"`, `\\`, `\$`
/// and `` \` ``; outside quotes a backslash escapes a following space, quote
/// or shell metacharacter and is otherwise kept (so Windows paths like
/// `C:\tools\rein.exe` survive). Returns `None` for an unterminated quote.
fn split_shell_words(line: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next()? {
                        '\'' => break,
                        other => word.push(other),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next()? {
                        '"' => break,
                        '\\' => match chars.peek() {
                            Some(&next @ ('"' | '\\' | '$' | '`')) => {
                                word.push(next);
                                chars.next();
                            }
                            Some('\n') => {
                                chars.next();
                            }
                            _ => word.push('\\'),
                        },
                        other => word.push(other),
                    }
                }
            }
            '\\' => {
                in_word = true;
                match chars.peek() {
                    Some('\n') => {
                        chars.next();
                    }
                    Some(&next)
                        if next.is_whitespace() || "'\"\\$`|&;<>()*?[]#~".contains(next) =>
                    {
                        word.push(next);
                        chars.next();
                    }
                    _ => word.push('\\'),
                }
            }
            other => {
                in_word = true;
                word.push(other);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Some(words)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const CMD: &str = "/usr/local/bin/rein hook claude-code";

    fn parse(text: &str) -> Value {
        serde_json::from_str(text).expect("test JSON parses")
    }

    fn install_ok(existing: Option<&str>, command: &str) -> InstallOutcome {
        install(existing, command, 10).expect("install succeeds")
    }

    fn rein_entry(command: &str) -> Value {
        json!({"type": "command", "command": command, "timeout": 10})
    }

    fn all_events() -> Vec<String> {
        REIN_EVENTS.iter().map(|(e, _)| (*e).to_owned()).collect()
    }

    #[test]
    fn key_order_is_preserved() {
        // Fails without serde_json's `preserve_order` feature, which this
        // module requires.
        let text = install_ok(Some(r#"{"zeta": 1, "alpha": 2}"#), CMD).text;
        let zeta = text.find("\"zeta\"").expect("zeta kept");
        let alpha = text.find("\"alpha\"").expect("alpha kept");
        assert!(zeta < alpha, "enable serde_json's preserve_order feature");
    }

    #[test]
    fn fresh_install_exact_output() {
        fn block(event: &str, matcher: Option<&str>) -> String {
            let matcher_line = matcher
                .map(|m| format!("        \"matcher\": \"{m}\",\n"))
                .unwrap_or_default();
            format!(
                "    \"{event}\": [\n      {{\n{matcher_line}        \"hooks\": [\n          {{\n            \"type\": \"command\",\n            \"command\": \"rein hook claude-code\",\n            \"timeout\": 5\n          }}\n        ]\n      }}\n    ]"
            )
        }
        let blocks: Vec<String> = REIN_EVENTS.iter().map(|(e, m)| block(e, *m)).collect();
        let expected = format!("{{\n  \"hooks\": {{\n{}\n  }}\n}}\n", blocks.join(",\n"));
        for existing in [None, Some(""), Some("  \n\t")] {
            let out = install(existing, "rein hook claude-code", 5).expect("install");
            assert!(out.changed);
            assert_eq!(out.added_events, all_events());
            assert!(out.updated_events.is_empty());
            assert_eq!(out.text, expected);
        }
    }

    #[test]
    fn fresh_install_exact_output_literal_head() {
        let out = install_ok(None, CMD);
        let head = r#"{
  "hooks": {
    "PreToolUse": [
      {
        "matcher": "*",
        "hooks": [
          {
            "type": "command",
            "command": "/usr/local/bin/rein hook claude-code",
            "timeout": 10
          }
        ]
      }
    ],
    "PostToolUse": [
"#;
        assert!(out.text.starts_with(head), "got:\n{}", out.text);
        let tail = r#"    "Notification": [
      {
        "hooks": [
          {
            "type": "command",
            "command": "/usr/local/bin/rein hook claude-code",
            "timeout": 10
          }
        ]
      }
    ]
  }
}
"#;
        assert!(out.text.ends_with(tail), "got:\n{}", out.text);
    }

    #[test]
    fn merge_keeps_user_hooks_and_keys_exact_output() {
        let existing = r#"{
    "model": "opus",
    "hooks": {
        "Stop": [{"hooks": [{"type": "command", "command": "say done"}]}],
        "PermissionRequest": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "check.sh", "timeout": 3}]}]
    },
    "permissions": {"allow": ["Bash(ls:*)"]}
}"#;
        let out = install_ok(Some(existing), CMD);
        assert!(out.changed);
        assert_eq!(out.added_events, all_events());
        let value = parse(&out.text);
        // Order: user keys first as they were, new events appended.
        let top: Vec<&String> = value.as_object().expect("object").keys().collect();
        assert_eq!(top, ["model", "hooks", "permissions"]);
        let events: Vec<&String> = value["hooks"].as_object().expect("hooks").keys().collect();
        let mut expected_events = vec!["Stop", "PermissionRequest"];
        expected_events.extend(REIN_EVENTS.iter().map(|(e, _)| *e).filter(|e| *e != "Stop"));
        assert_eq!(events, expected_events);
        // The user's Stop group stays first, rein's group is appended.
        assert_eq!(
            value["hooks"]["Stop"],
            json!([
                {"hooks": [{"type": "command", "command": "say done"}]},
                {"hooks": [rein_entry(CMD)]}
            ])
        );
        assert_eq!(
            value["hooks"]["PermissionRequest"],
            json!([{"matcher": "Bash", "hooks": [{"type": "command", "command": "check.sh", "timeout": 3}]}])
        );
        assert_eq!(value["permissions"], json!({"allow": ["Bash(ls:*)"]}));
        let stop_text = r#"    "Stop": [
      {
        "hooks": [
          {
            "type": "command",
            "command": "say done"
          }
        ]
      },
      {
        "hooks": [
          {
            "type": "command",
            "command": "/usr/local/bin/rein hook claude-code",
            "timeout": 10
          }
        ]
      }
    ],
    "PermissionRequest": ["#;
        assert!(
            out.text
                .starts_with("{\n  \"model\": \"opus\",\n  \"hooks\": {\n")
        );
        assert!(out.text.contains(stop_text), "got:\n{}", out.text);
        assert!(out.text.ends_with(
            "  \"permissions\": {\n    \"allow\": [\n      \"Bash(ls:*)\"\n    ]\n  }\n}\n"
        ));
    }

    #[test]
    fn install_is_idempotent() {
        let first = install_ok(Some(r#"{"a": [1, 2]}"#), CMD);
        let second = install_ok(Some(&first.text), CMD);
        assert!(!second.changed);
        assert!(second.added_events.is_empty());
        assert!(second.updated_events.is_empty());
        assert_eq!(second.text, first.text);
    }

    #[test]
    fn unchanged_install_returns_input_verbatim() {
        let compact =
            serde_json::to_string(&parse(&install_ok(None, CMD).text)).expect("serialise");
        let again = install_ok(Some(&compact), CMD);
        assert!(!again.changed);
        assert_eq!(again.text, compact);
    }

    #[test]
    fn update_after_binary_move_in_place() {
        let before = install_ok(Some(r#"{"x": true}"#), CMD).text;
        let moved = "\"/opt/my tools/rein\" hook claude-code";
        let out = install_ok(Some(&before), moved);
        assert!(out.changed);
        assert!(out.added_events.is_empty());
        assert_eq!(out.updated_events, all_events());
        let value = parse(&out.text);
        for (event, matcher) in REIN_EVENTS {
            let groups = value["hooks"][event].as_array().expect("array");
            assert_eq!(groups.len(), 1, "{event} not duplicated");
            assert_eq!(groups[0]["hooks"], json!([rein_entry(moved)]));
            assert_eq!(groups[0].get("matcher").and_then(Value::as_str), *matcher);
        }
        // Only the command strings differ.
        assert_eq!(
            out.text,
            before.replace(&format!("\"{CMD}\""), &Value::from(moved).to_string())
        );
        assert!(!install_ok(Some(&out.text), moved).changed);
    }

    #[test]
    fn update_timeout_and_rein_hook_in_user_group() {
        let existing = json!({"hooks": {"PreToolUse": [
            {"matcher": "Bash", "hooks": [
                {"type": "command", "command": "lint.sh"},
                {"type": "command", "command": "rein hook claude-code", "timeout": 30.0, "statusMessage": "rein"}
            ]}
        ]}})
        .to_string();
        let out = install(Some(&existing), "rein hook claude-code", 30).expect("install");
        // 30.0 == 30 seconds: not an update.
        assert!(!out.updated_events.contains(&"PreToolUse".to_owned()));
        assert!(!out.added_events.contains(&"PreToolUse".to_owned()));
        let out = install(Some(&existing), "rein hook claude-code", 12).expect("install");
        assert_eq!(out.updated_events, ["PreToolUse"]);
        assert_eq!(
            parse(&out.text)["hooks"]["PreToolUse"],
            json!([{"matcher": "Bash", "hooks": [
                {"type": "command", "command": "lint.sh"},
                {"type": "command", "command": "rein hook claude-code", "timeout": 12, "statusMessage": "rein"}
            ]}])
        );
    }

    #[test]
    fn install_removes_duplicate_rein_hooks() {
        let existing = json!({"hooks": {"Stop": [
            {"hooks": [rein_entry(CMD)]},
            {"hooks": [{"type": "command", "command": "say hi"}, rein_entry("rein hook claude-code")]},
            {"hooks": [rein_entry(CMD)]}
        ]}})
        .to_string();
        let out = install_ok(Some(&existing), CMD);
        assert_eq!(out.updated_events, ["Stop"]);
        assert_eq!(
            parse(&out.text)["hooks"]["Stop"],
            json!([
                {"hooks": [rein_entry(CMD)]},
                {"hooks": [{"type": "command", "command": "say hi"}]}
            ])
        );
    }

    #[test]
    fn install_rejects_zero_timeout_via_self_validation() {
        match install(None, CMD, 0) {
            Err(SettingsError::InvalidShape(errors)) => {
                assert!(errors.iter().any(|e| e.starts_with(
                    "hooks.PreToolUse[0].hooks[0].timeout: expected a positive number"
                )));
            }
            other => panic!("expected InvalidShape, got {other:?}"),
        }
    }

    #[test]
    fn install_rejects_unrecognised_command() {
        assert!(matches!(
            install(None, "echo hi", 10),
            Err(SettingsError::InvalidShape(_))
        ));
    }

    #[test]
    fn uninstall_restores_original_content() {
        let original = r#"{
  "env": {"FOO": "1"},
  "hooks": {
    "PreToolUse": [{"matcher": "Edit|Write", "hooks": [{"type": "command", "command": "fmt.sh", "timeout": 5}]}],
    "Notification": [{"hooks": [{"type": "command", "command": "notify-send hi"}]}]
  },
  "statusLine": {"type": "command", "command": "line.sh"}
}"#;
        let installed = install_ok(Some(original), CMD);
        let out = uninstall(&installed.text).expect("uninstall");
        assert!(out.changed);
        assert_eq!(out.removed, REIN_EVENTS.len());
        assert_eq!(parse(&out.text), parse(original));
        assert_eq!(
            out.text,
            format!(
                "{}\n",
                serde_json::to_string_pretty(&parse(original)).expect("serialise")
            )
        );
        assert!(find_rein_hooks(&out.text).expect("find").is_empty());
    }

    #[test]
    fn uninstall_fresh_install_leaves_empty_object() {
        let installed = install_ok(None, CMD);
        let out = uninstall(&installed.text).expect("uninstall");
        assert_eq!(out.text, "{}\n");
        let installed = install_ok(Some(r#"{"hooks": {}, "b": 1}"#), CMD);
        assert_eq!(
            uninstall(&installed.text).expect("uninstall").text,
            "{\n  \"b\": 1\n}\n"
        );
    }

    #[test]
    fn uninstall_only_rein_hook_from_user_group() {
        let existing = json!({"hooks": {
            "PostToolUse": [{"matcher": "*", "hooks": [
                {"type": "command", "command": "before.sh"},
                {"type": "command", "command": "'/home/me/bin/rein' hook claude-code --verbose"},
                {"type": "command", "command": "after.sh"}
            ]}],
            "PermissionRequest": [{"hooks": [rein_entry("rein hook claude-code")]}],
            "Stop": [{"hooks": []}]
        }})
        .to_string();
        let out = uninstall(&existing).expect("uninstall");
        assert_eq!(out.removed, 2);
        assert_eq!(
            parse(&out.text),
            json!({"hooks": {
                "PostToolUse": [{"matcher": "*", "hooks": [
                    {"type": "command", "command": "before.sh"},
                    {"type": "command", "command": "after.sh"}
                ]}],
                "Stop": [{"hooks": []}]
            }})
        );
    }

    #[test]
    fn uninstall_without_rein_is_unchanged() {
        let existing = "{ \"hooks\": {\"Stop\": []}, \"x\": 1.50 }";
        let out = uninstall(existing).expect("uninstall");
        assert!(!out.changed);
        assert_eq!(out.removed, 0);
        assert_eq!(out.text, existing);
        assert!(!uninstall("").expect("uninstall").changed);
    }

    #[test]
    fn refuses_invalid_json_with_position() {
        let text = "{\n  \"hooks\": {},\n  // comment\n}";
        let expected_position = |err: SettingsError| match err {
            SettingsError::InvalidJson { line, column, .. } => (line, column),
            other => panic!("expected InvalidJson, got {other:?}"),
        };
        assert_eq!(
            expected_position(install(Some(text), CMD, 10).expect_err("refused")),
            (3, 3)
        );
        assert_eq!(
            expected_position(uninstall(text).expect_err("refused")),
            (3, 3)
        );
        assert_eq!(
            expected_position(find_rein_hooks(text).expect_err("refused")),
            (3, 3)
        );

        let trailing_comma = "{\"a\": 1,}";
        let err = install(Some(trailing_comma), CMD, 10).expect_err("refused");
        assert_eq!(
            err.to_string(),
            "settings file is not valid JSON (line 1, column 9): trailing comma"
        );
        let v = validate(trailing_comma);
        assert_eq!(
            v.errors,
            ["invalid JSON at line 1, column 9: trailing comma"]
        );
    }

    #[test]
    fn refuses_non_object() {
        assert_eq!(
            install(Some("[]"), CMD, 10),
            Err(SettingsError::NotAnObject)
        );
        assert_eq!(
            uninstall("\"x\"").map(|o| o.changed),
            Err(SettingsError::NotAnObject)
        );
        assert_eq!(find_rein_hooks("null"), Err(SettingsError::NotAnObject));
        assert_eq!(
            validate("[1]").errors,
            ["(root): expected an object, found an array"]
        );
    }

    #[test]
    fn refuses_invalid_shape() {
        let text = json!({"hooks": {"PreToolUse": [{"matcher": "*", "hooks": [
            {"type": "command", "command": "ok"},
            {"type": "command", "command": 42}
        ]}]}})
        .to_string();
        let expected = vec![
            "hooks.PreToolUse[0].hooks[1].command: expected a string, found a number".to_owned(),
        ];
        assert_eq!(
            install(Some(&text), CMD, 10),
            Err(SettingsError::InvalidShape(expected.clone()))
        );
        assert_eq!(
            uninstall(&text).map(|o| o.changed),
            Err(SettingsError::InvalidShape(expected))
        );
    }

    #[test]
    fn validate_reports_each_error_with_path() {
        let cases: Vec<(Value, &str)> = vec![
            (
                json!({"hooks": []}),
                "hooks: expected an object, found an array",
            ),
            (
                json!({"hooks": null}),
                "hooks: expected an object, found null",
            ),
            (
                json!({"hooks": {"Stop": {}}}),
                "hooks.Stop: expected an array, found an object",
            ),
            (
                json!({"hooks": {"Stop": ["x"]}}),
                "hooks.Stop[0]: expected an object, found a string",
            ),
            (
                json!({"hooks": {"PreToolUse": [{"matcher": 1, "hooks": []}]}}),
                "hooks.PreToolUse[0].matcher: expected a string, found a number",
            ),
            (
                json!({"hooks": {"Stop": [{}]}}),
                "hooks.Stop[0].hooks: missing (expected an array)",
            ),
            (
                json!({"hooks": {"Stop": [{"hooks": {}}]}}),
                "hooks.Stop[0].hooks: expected an array, found an object",
            ),
            (
                json!({"hooks": {"Stop": [{"hooks": [[]]}]}}),
                "hooks.Stop[0].hooks[0]: expected an object, found an array",
            ),
            (
                json!({"hooks": {"Stop": [{"hooks": [{"command": "x"}]}]}}),
                "hooks.Stop[0].hooks[0].type: missing (expected a string)",
            ),
            (
                json!({"hooks": {"Stop": [{"hooks": [{"type": true}]}]}}),
                "hooks.Stop[0].hooks[0].type: expected a string, found a boolean",
            ),
            (
                json!({"hooks": {"Stop": [{"hooks": [{"type": "command"}]}]}}),
                "hooks.Stop[0].hooks[0].command: missing (required when type is \"command\")",
            ),
            (
                json!({"hooks": {"Stop": [{"hooks": [{"type": "command", "command": "x", "timeout": "5"}]}]}}),
                "hooks.Stop[0].hooks[0].timeout: expected a positive number, found a string",
            ),
            (
                json!({"hooks": {"Stop": [{"hooks": [{"type": "command", "command": "x", "timeout": -1}]}]}}),
                "hooks.Stop[0].hooks[0].timeout: expected a positive number, found -1",
            ),
            (
                json!({"hooks": {"Stop": [{"matcher": "", "hooks": [{"type": "command", "command": "x"}]}, {"hooks": [{"type": "command", "command": null}]}]}}),
                "hooks.Stop[1].hooks[0].command: expected a string, found null",
            ),
        ];
        for (value, expected) in cases {
            let v = validate(&value.to_string());
            assert_eq!(v.errors, [expected], "for {value}");
            assert!(!v.is_valid());
        }
    }

    #[test]
    fn validate_accepts_valid_files_and_warns() {
        let ok = json!({
            "unknownTopLevel": {"anything": [1, 2]},
            "hooks": {
                "PreToolUse": [{"matcher": "Edit|Write", "hooks": [
                    {"type": "command", "command": "x", "timeout": 1.5, "async": true},
                    {"type": "prompt", "prompt": "check $ARGUMENTS"}
                ]}],
                "SessionStart": [{"matcher": "startup|resume", "hooks": []}],
                "Stop": []
            }
        });
        let v = validate(&ok.to_string());
        assert!(v.is_valid(), "{v:?}");
        assert!(v.warnings.is_empty(), "{v:?}");
        assert!(validate("{}").is_valid());

        let v = validate(
            &json!({"disableAllHooks": true, "hooks": {
                "FutureEvent": [{"hooks": [{"type": "webhook"}]}],
                "odd name": []
            }})
            .to_string(),
        );
        assert!(v.is_valid(), "{v:?}");
        assert_eq!(v.warnings.len(), 4, "{v:?}");
        assert!(v.warnings[0].starts_with("disableAllHooks"));
        assert!(v.warnings[1].starts_with("hooks.FutureEvent: unknown hook event"));
        assert!(v.warnings[2].starts_with("hooks.FutureEvent[0].hooks[0].type: unknown hook type"));
        assert!(v.warnings[3].starts_with("hooks[\"odd name\"]: unknown hook event"));
    }

    #[test]
    fn find_rein_hooks_reports_events_matchers_commands() {
        let installed = install_ok(None, CMD).text;
        let found = find_rein_hooks(&installed).expect("find");
        assert_eq!(found.len(), REIN_EVENTS.len());
        assert_eq!(
            found[0],
            ReinHook {
                event: "PreToolUse".to_owned(),
                matcher: Some("*".to_owned()),
                command: CMD.to_owned(),
            }
        );
        assert_eq!(found[3].event, "UserPromptSubmit");
        assert_eq!(found[3].matcher, None);

        let mixed = json!({"hooks": {
            "PostToolUse": [{"matcher": "Bash", "hooks": [
                {"type": "command", "command": "other"},
                {"type": "command", "command": "rein.exe hook claude-code"},
                {"type": "prompt", "command": "rein hook claude-code"}
            ]}],
            "Weird": "not an array"
        }})
        .to_string();
        assert_eq!(
            find_rein_hooks(&mixed).expect("find"),
            [ReinHook {
                event: "PostToolUse".to_owned(),
                matcher: Some("Bash".to_owned()),
                command: "rein.exe hook claude-code".to_owned(),
            }]
        );
        assert!(find_rein_hooks("{}").expect("find").is_empty());
        assert!(find_rein_hooks(" ").expect("find").is_empty());
    }

    #[test]
    fn is_rein_command_positive() {
        for command in [
            "rein hook claude-code",
            "rein hook claude-code --verbose",
            "  rein\thook  claude-code  ",
            "/usr/local/bin/rein hook claude-code",
            "./target/debug/rein hook claude-code",
            "~/.cargo/bin/rein hook claude-code",
            "$HOME/.cargo/bin/rein hook claude-code",
            "\"$CLAUDE_PROJECT_DIR\"/bin/rein hook claude-code",
            "\"/opt/my tools/rein\" hook claude-code",
            "'/opt/my tools/rein' hook claude-code",
            "/opt/my\\ tools/rein hook claude-code",
            "\"rein\" \"hook\" 'claude-code'",
            "rein.exe hook claude-code",
            "\"C:\\Program Files\\rein\\rein.exe\" hook claude-code",
            "C:\\tools\\rein.exe hook claude-code",
            "REIN_LOG=debug rein hook claude-code",
        ] {
            assert!(is_rein_command(command), "{command}");
        }
    }

    #[test]
    fn is_rein_command_negative() {
        for command in [
            "",
            "rein",
            "rein hook",
            "rein hook codex",
            "rein hook claude-code-x",
            "rein claude-code hook",
            "rein --verbose hook claude-code",
            "reindex hook claude-code",
            "echo rein hook claude-code",
            "/usr/bin/rein-helper hook claude-code",
            "/usr/bin/rein/ hook claude-code",
            "/opt/rein/bin/other hook claude-code",
            "rein.sh hook claude-code",
            "\"/opt/my tools/rein hook claude-code",
            "'rein hook claude-code'",
            "\"/opt/my tools/rein\"x hook claude-code",
            "cd /tmp && rein hook claude-code",
        ] {
            assert!(!is_rein_command(command), "{command}");
        }
    }

    #[test]
    fn error_display() {
        assert_eq!(
            SettingsError::NotAnObject.to_string(),
            "settings file is not a JSON object at the top level"
        );
        assert_eq!(
            SettingsError::InvalidShape(vec!["a".into(), "b".into()]).to_string(),
            "settings file has an invalid hooks configuration: a; b"
        );
        let err: Box<dyn std::error::Error> = Box::new(SettingsError::NotAnObject);
        assert!(err.source().is_none());
    }
}
