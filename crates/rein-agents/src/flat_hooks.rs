//! Versioned hooks files whose events hold hook entries directly (`{"version":1,"hooks":
//! {"preToolUse":[{"command":…}]}}`), as Copilot CLI and Cursor read them; Copilot also accepts
//! Claude's matcher groups there, so finding and removing rein's hooks covers both shapes.
//! Everything here is pure: text in, text out.

use serde_json::{Map, Value};

use crate::hooks_file::{self, ReinHook, SettingsError, UninstallOutcome, is_rein_command_for};

/// Merges rein's `entries` (one per event) into `existing`: a rein hook for `agent` already under
/// an event is replaced in place, others are appended; every other key and hook is kept. Returns
/// the new text and whether anything changed.
pub fn install(
    existing: Option<&str>,
    agent: &str,
    entries: &[(&str, Value)],
) -> Result<(String, bool), SettingsError> {
    let mut root = match existing.filter(|t| !t.trim().is_empty()) {
        Some(text) => match parse_lenient(text)? {
            Value::Object(map) => map,
            _ => return Err(SettingsError::NotAnObject),
        },
        None => Map::new(),
    };
    let before = Value::Object(root.clone());
    root.entry("version").or_insert(Value::from(1));
    let hooks = root
        .entry("hooks")
        .or_insert_with(|| Value::Object(Map::new()));
    let Value::Object(hooks) = hooks else {
        return Err(SettingsError::InvalidShape(vec![
            "hooks: expected an object".to_owned(),
        ]));
    };
    for (event, entry) in entries {
        let list = hooks
            .entry((*event).to_owned())
            .or_insert_with(|| Value::Array(Vec::new()));
        let Value::Array(list) = list else {
            return Err(SettingsError::InvalidShape(vec![format!(
                "hooks.{event}: expected an array"
            )]));
        };
        let mut placed = false;
        list.retain_mut(|e| {
            if !is_rein_entry(e, agent) {
                return true;
            }
            if placed {
                return false;
            }
            *e = entry.clone();
            placed = true;
            true
        });
        if !placed {
            list.push(entry.clone());
        }
    }
    let after = Value::Object(root);
    if existing.is_some() && after == before {
        return Ok((existing.unwrap_or_default().to_owned(), false));
    }
    let mut text = serde_json::to_string_pretty(&after)
        .map_err(|e| SettingsError::InvalidShape(vec![e.to_string()]))?;
    text.push('\n');
    Ok((text, true))
}

/// A hook entry's command in either format (`bash` in Copilot's, `command` in Claude's).
fn entry_command(entry: &Value) -> Option<&str> {
    entry
        .get("bash")
        .or_else(|| entry.get("command"))
        .and_then(Value::as_str)
}

fn is_rein_entry(entry: &Value, agent: &str) -> bool {
    entry_command(entry).is_some_and(|c| is_rein_command_for(c, agent))
}

/// rein's hooks for `agent` in a hooks or settings text, in either format.
pub fn find_rein_hooks(text: &str, agent: &str) -> Result<Vec<ReinHook>, SettingsError> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    let Value::Object(root) = parse_lenient(text)? else {
        return Err(SettingsError::NotAnObject);
    };
    let mut found = Vec::new();
    let Some(Value::Object(hooks)) = root.get("hooks") else {
        return Ok(found);
    };
    for (event, entries) in hooks {
        for entry in entries.as_array().into_iter().flatten() {
            let matcher = entry.get("matcher").and_then(Value::as_str);
            // Claude format: a matcher group holding hooks; Copilot's: the hook itself.
            let inner: Vec<&Value> = match entry.get("hooks").and_then(Value::as_array) {
                Some(list) => list.iter().collect(),
                None => vec![entry],
            };
            for hook in inner.into_iter().filter(|h| is_rein_entry(h, agent)) {
                found.push(ReinHook {
                    event: event.clone(),
                    matcher: matcher.map(str::to_owned),
                    command: entry_command(hook).unwrap_or_default().to_owned(),
                });
            }
        }
    }
    Ok(found)
}

/// Removes rein's hooks for `agent` (either format) and nothing else. A file left with no hooks and
/// nothing but `version` is `left_empty`: it held only what rein put there.
pub fn uninstall(existing: &str, agent: &str) -> Result<UninstallOutcome, SettingsError> {
    let unchanged = |removed| UninstallOutcome {
        text: existing.to_owned(),
        changed: false,
        removed,
        left_empty: false,
    };
    if existing.trim().is_empty() {
        return Ok(unchanged(0));
    }
    let Value::Object(mut root) = parse_lenient(existing)? else {
        return Err(SettingsError::NotAnObject);
    };
    let mut removed = 0;
    let mut hooks_emptied = false;
    if let Some(Value::Object(hooks)) = root.get_mut("hooks") {
        hooks.retain(|_event, entries| {
            let Value::Array(entries) = entries else {
                return true;
            };
            let before = removed;
            entries.retain_mut(|entry| {
                if let Some(Value::Array(inner)) = entry.get_mut("hooks") {
                    let n = inner.len();
                    inner.retain(|h| !is_rein_entry(h, agent));
                    removed += n - inner.len();
                    return !(n > 0 && inner.is_empty());
                }
                if is_rein_entry(entry, agent) {
                    removed += 1;
                    return false;
                }
                true
            });
            removed == before || !entries.is_empty()
        });
        hooks_emptied = removed > 0 && hooks.is_empty();
    }
    if removed == 0 {
        return Ok(unchanged(0));
    }
    if hooks_emptied {
        root.retain(|key, _| key != "hooks");
    }
    let left_empty = root.keys().all(|k| k == "version");
    let mut text = serde_json::to_string_pretty(&Value::Object(root))
        .map_err(|e| SettingsError::InvalidShape(vec![e.to_string()]))?;
    text.push('\n');
    Ok(UninstallOutcome {
        text,
        changed: true,
        removed,
        left_empty,
    })
}

/// Parses a hooks or settings text; Copilot writes its `config.json` with `//` comments, so
/// comments are dropped first (a file rein rewrites loses them; one it only reads keeps them).
pub(crate) fn parse_lenient(text: &str) -> Result<Value, SettingsError> {
    match hooks_file::parse_json(text) {
        Ok(v) => Ok(v),
        Err(first) => hooks_file::parse_json(&strip_comments(text)).map_err(|_| first),
    }
}

/// `text` without `//` and `/* */` comments outside strings.
fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut in_string = false;
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            match c {
                '\\' => out.extend(chars.next()),
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match (c, chars.peek()) {
            ('"', _) => {
                in_string = true;
                out.push(c);
            }
            ('/', Some('/')) => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            ('/', Some('*')) => {
                chars.next();
                let mut last = ' ';
                for c in chars.by_ref() {
                    if last == '*' && c == '/' {
                        break;
                    }
                    last = c;
                }
                out.push(' ');
            }
            _ => out.push(c),
        }
    }
    out
}
