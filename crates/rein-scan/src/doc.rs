//! One tree for every config format rein scans (JSON/JSONC, YAML, TOML, Markdown frontmatter),
//! with the line and column of every key and value, so every finding points at its source.
//!
//! Parsers are bounded (size, depth, node count) and never panic: hostile input becomes a
//! [`ParseError`] with a location, which the scan reports as an "unparsed" finding.

use serde::Serialize;

/// A 1-based line and column (columns count characters, not bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
}

impl Pos {
    pub const START: Pos = Pos { line: 1, column: 1 };
}

/// A value and where it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub pos: Pos,
    pub value: Value,
}

/// A parsed value. Maps keep their order and their keys' positions; duplicate keys are kept
/// (the last one wins on lookup, as most readers do).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    /// Numbers, dates and times, as written.
    Number(String),
    String(String),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

/// One key of a map.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: String,
    pub key_pos: Pos,
    pub value: Node,
}

impl Node {
    /// The value under `key`, if this is a map that has it (the last duplicate wins).
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries
                .iter()
                .rev()
                .find(|e| e.key == key)
                .map(|e| &e.value),
            _ => None,
        }
    }

    /// The entry (key and value) under `key`.
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        match &self.value {
            Value::Map(entries) => entries.iter().rev().find(|e| e.key == key),
            _ => None,
        }
    }

    /// Follows a path of keys: `doc.at(&["mcpServers", "github", "env"])`.
    pub fn at(&self, path: &[&str]) -> Option<&Node> {
        path.iter().try_fold(self, |n, k| n.get(k))
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match &self.value {
            Value::Bool(b) => Some(*b),
            // YAML and env-style configs write booleans as strings too.
            Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
            Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
            _ => None,
        }
    }

    /// The entries of a map (empty for anything else).
    pub fn entries(&self) -> &[Entry] {
        match &self.value {
            Value::Map(entries) => entries,
            _ => &[],
        }
    }

    /// The items of a sequence (empty for anything else).
    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::Seq(items) => items,
            _ => &[],
        }
    }

    /// Every string in this subtree with its position (keys excluded), depth-first.
    pub fn strings(&self) -> Vec<(&str, Pos)> {
        let mut out = Vec::new();
        let mut stack = vec![self];
        while let Some(n) = stack.pop() {
            match &n.value {
                Value::String(s) => out.push((s.as_str(), n.pos)),
                Value::Seq(items) => stack.extend(items.iter().rev()),
                Value::Map(entries) => stack.extend(entries.iter().rev().map(|e| &e.value)),
                _ => {}
            }
        }
        out
    }
}

/// The formats rein parses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// JSON with comments and trailing commas (VS Code, Cursor and Zed allow both).
    Jsonc,
    Yaml,
    Toml,
    /// Markdown: the YAML frontmatter (if any) is parsed; the body is kept as text.
    Markdown,
    /// Plain text (instruction files without frontmatter rules, `.cursorrules`).
    Text,
}

/// Why a file could not be parsed, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParseError {
    pub pos: Pos,
    pub message: String,
}

/// A parsed file.
#[derive(Debug, Clone, PartialEq)]
pub struct Doc {
    /// The structured part: the whole file, or a Markdown file's frontmatter (`None` without
    /// one, and for plain text).
    pub root: Option<Node>,
    /// A Markdown or text file's body, and the line it starts on.
    pub body: Option<(String, u32)>,
}

/// Bounds on what the parsers accept.
pub const MAX_FILE_BYTES: usize = 4 << 20;
pub const MAX_DEPTH: usize = 128;
pub const MAX_NODES: usize = 1_000_000;
