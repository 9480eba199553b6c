//! TOML through the `toml` crate's spanned document tree (`toml::de::DeTable`), converted into
//! a [`Node`] tree with positions. The `toml` parser recurses on arrays and inline tables, so a
//! cheap scan bounds the nesting first; maps keep the source order of their keys.

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::doc::{Entry, MAX_DEPTH, MAX_NODES, Node, ParseError, Pos, Value};

use super::{LineIndex, error, too_deep, too_many_nodes};

/// Parses a TOML document into its root table.
pub(super) fn parse(text: &str) -> Result<Node, ParseError> {
    let index = LineIndex::new(text);
    check_depth(text, &index)?;
    let table = DeTable::parse(text).map_err(|e| {
        let pos = e.span().map_or(Pos::START, |span| index.pos(span.start));
        error(pos, e.message().trim_end().to_owned())
    })?;
    let mut converter = Converter {
        text,
        index: &index,
        nodes: 0,
    };
    converter.count(Pos::START)?;
    let value = converter.table(table.get_ref(), 1)?;
    Ok(Node {
        pos: Pos::START,
        value,
    })
}

struct Converter<'a> {
    text: &'a str,
    index: &'a LineIndex<'a>,
    nodes: usize,
}

impl Converter<'_> {
    fn count(&mut self, pos: Pos) -> Result<(), ParseError> {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return Err(too_many_nodes(pos));
        }
        Ok(())
    }

    /// The source text of a span (numbers and dates are kept as written).
    fn written(&self, span: std::ops::Range<usize>) -> Option<String> {
        self.text.get(span).map(|s| s.trim().to_owned())
    }

    /// Converts a table whose own depth is `depth` (the root table is 1).
    fn table(&mut self, table: &DeTable<'_>, depth: usize) -> Result<Value, ParseError> {
        let mut items: Vec<_> = table.iter().collect();
        // The map is sorted by key; the source order is the order of the keys' spans.
        items.sort_by_key(|(key, _)| key.span().start);
        let mut entries = Vec::with_capacity(items.len());
        for (key, value) in items {
            let key_pos = self.index.pos(key.span().start);
            let value = self.value(value, key_pos, depth)?;
            entries.push(Entry {
                key: key.get_ref().to_string(),
                key_pos,
                value,
            });
        }
        Ok(Value::Map(entries))
    }

    /// Converts a value inside a container of depth `parent_depth`. Tables made implicitly
    /// (by a dotted key or a header) have no span of their own and take `fallback`.
    fn value(
        &mut self,
        value: &Spanned<DeValue<'_>>,
        fallback: Pos,
        parent_depth: usize,
    ) -> Result<Node, ParseError> {
        let span = value.span();
        let pos = if span.is_empty() {
            fallback
        } else {
            self.index.pos(span.start)
        };
        self.count(pos)?;
        let value = match value.get_ref() {
            DeValue::String(s) => Value::String(s.to_string()),
            DeValue::Integer(i) => {
                Value::Number(self.written(span).unwrap_or_else(|| i.as_str().to_owned()))
            }
            DeValue::Float(f) => {
                Value::Number(self.written(span).unwrap_or_else(|| f.as_str().to_owned()))
            }
            DeValue::Boolean(b) => Value::Bool(*b),
            DeValue::Datetime(d) => {
                Value::Number(self.written(span).unwrap_or_else(|| d.to_string()))
            }
            DeValue::Array(items) => {
                let depth = parent_depth + 1;
                if depth > MAX_DEPTH {
                    return Err(too_deep(pos));
                }
                let mut nodes = Vec::with_capacity(items.len());
                for item in items.iter() {
                    nodes.push(self.value(item, pos, depth)?);
                }
                Value::Seq(nodes)
            }
            DeValue::Table(table) => {
                let depth = parent_depth + 1;
                if depth > MAX_DEPTH {
                    return Err(too_deep(pos));
                }
                self.table(table, depth)?
            }
        };
        Ok(Node { pos, value })
    }
}

/// Refuses nesting deeper than [`MAX_DEPTH`] before the recursive parser sees it: counts the
/// open arrays and inline tables, the dotted keys and the table headers' keys, skipping strings
/// and comments. (The conversion checks the exact depth again.)
fn check_depth(text: &str, index: &LineIndex<'_>) -> Result<(), ParseError> {
    let b = text.as_bytes();
    let check = |depth: usize, at: usize| {
        if depth > MAX_DEPTH {
            Err(too_deep(index.pos(at)))
        } else {
            Ok(())
        }
    };
    // Open value brackets, each with the dotted-key depth to restore when it closes.
    let mut stack: Vec<(u8, usize)> = Vec::new();
    // Depth of the table the current line belongs to (the root is 1).
    let mut base = 1;
    // Tables added by the dotted keys around the current position.
    let mut extra = 0;
    // Dots of the key being read.
    let mut key_dots = 0;
    let mut in_key = true;
    let mut line_start = true;
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        match c {
            b'\n' => {
                if stack.is_empty() {
                    line_start = true;
                    in_key = true;
                    extra = 0;
                    key_dots = 0;
                }
                i += 1;
                continue;
            }
            b' ' | b'\t' | b'\r' => {
                i += 1;
                continue;
            }
            b'#' => {
                i = b[i..]
                    .iter()
                    .position(|&c| c == b'\n')
                    .map_or(b.len(), |n| i + n);
                continue;
            }
            b'"' | b'\'' => {
                i = skip_string(b, i);
                line_start = false;
                continue;
            }
            b'[' if line_start && stack.is_empty() => {
                // A table header: `[a.b]` is at depth 3, `[[a.b]]` at 4 (the array and its
                // table).
                let start = i;
                let array = b.get(i + 1) == Some(&b'[');
                i += 1 + usize::from(array);
                let mut dots = 0;
                while let Some(&c) = b.get(i) {
                    match c {
                        b']' | b'\n' => break,
                        b'"' | b'\'' => i = skip_string(b, i),
                        b'.' => {
                            dots += 1;
                            i += 1;
                        }
                        _ => i += 1,
                    }
                }
                base = 2 + dots + usize::from(array);
                check(base, start)?;
                line_start = false;
                in_key = false;
                continue;
            }
            _ => {}
        }
        line_start = false;
        match c {
            b'.' if in_key => {
                key_dots += 1;
                check(base + extra + key_dots + stack.len(), i)?;
            }
            b'=' if in_key => {
                extra += key_dots;
                key_dots = 0;
                in_key = false;
            }
            b'[' | b'{' => {
                stack.push((c, extra));
                check(base + extra + stack.len(), i)?;
                in_key = c == b'{';
                key_dots = 0;
            }
            b']' | b'}' => {
                if let Some((_, saved)) = stack.pop() {
                    extra = saved;
                }
                in_key = false;
                key_dots = 0;
            }
            b',' => {
                if let Some(&(b'{', saved)) = stack.last() {
                    extra = saved;
                    in_key = true;
                    key_dots = 0;
                }
            }
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

/// The index just past the string that starts at `i` (on its quote), following TOML's rules:
/// basic strings have escapes, single-line strings end at a newline, multi-line ones at their
/// closing triple quote (or the end of the text).
fn skip_string(b: &[u8], i: usize) -> usize {
    let quote = b[i];
    let triple = b.get(i..i + 3) == Some(&[quote, quote, quote][..]);
    let mut j = i + if triple { 3 } else { 1 };
    while let Some(&c) = b.get(j) {
        if c == b'\\' && quote == b'"' {
            j += 2;
            continue;
        }
        if c == b'\n' && !triple {
            return j;
        }
        if c == quote {
            if !triple {
                return j + 1;
            }
            if b.get(j..j + 3) == Some(&[quote, quote, quote][..]) {
                // Up to two more quotes belong to the content before the closing three.
                let mut end = j + 3;
                let mut extra = 0;
                while extra < 2 && b.get(end) == Some(&quote) {
                    end += 1;
                    extra += 1;
                }
                return end;
            }
        }
        j += 1;
    }
    b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(line: u32, column: u32) -> Pos {
        Pos { line, column }
    }

    const CODEX: &str = r#"# ~/.codex/config.toml
model = "o4-mini"
approval_policy = "never"
sandbox_mode = "danger-full-access"

[mcp_servers.github]
command = "npx"
args = ["-y", "@modelcontextprotocol/server-github"]
env = { GITHUB_TOKEN = "ghp_x", "é" = 1 }
startup_timeout_ms = 20_000

[mcp_servers.other]
url = 'https://example.invalid/mcp'
tools.allowed = [ "a" ]
when = 1979-05-27 07:32:00Z
"#;

    #[test]
    fn codex_config_positions() {
        let root = parse(CODEX).expect("parses");
        assert_eq!(root.pos, p(1, 1));
        let keys: Vec<_> = root.entries().iter().map(|e| e.key.as_str()).collect();
        assert_eq!(
            keys,
            ["model", "approval_policy", "sandbox_mode", "mcp_servers"]
        );
        let sandbox = root.entry("sandbox_mode").expect("sandbox");
        assert_eq!((sandbox.key_pos, sandbox.value.pos), (p(4, 1), p(4, 16)));
        let servers = root.entry("mcp_servers").expect("servers");
        assert_eq!(servers.key_pos, p(6, 2));
        let github = servers.value.entry("github").expect("github");
        assert_eq!(github.key_pos, p(6, 14));
        // A table opened by a header starts at its `[`.
        assert_eq!(github.value.pos, p(6, 1));
        let names: Vec<_> = servers
            .value
            .entries()
            .iter()
            .map(|e| e.key.as_str())
            .collect();
        assert_eq!(names, ["github", "other"]);
        let command = github.value.entry("command").expect("command");
        assert_eq!((command.key_pos, command.value.pos), (p(7, 1), p(7, 11)));
        assert_eq!(command.value.as_str(), Some("npx"));
        let args = github.value.get("args").expect("args");
        assert_eq!(args.pos, p(8, 8));
        assert_eq!(args.items()[1].pos, p(8, 15));
        let env = github.value.entry("env").expect("env");
        assert_eq!(env.value.pos, p(9, 7));
        let token = env.value.entry("GITHUB_TOKEN").expect("token");
        assert_eq!((token.key_pos, token.value.pos), (p(9, 9), p(9, 24)));
        let e_acute = env.value.entry("é").expect("é");
        assert_eq!((e_acute.key_pos, e_acute.value.pos), (p(9, 33), p(9, 39)));
        assert_eq!(
            github.value.get("startup_timeout_ms").map(|n| &n.value),
            Some(&Value::Number("20_000".into()))
        );
        let other = servers.value.get("other").expect("other");
        let allowed = other.at(&["tools", "allowed"]).expect("allowed");
        assert_eq!(allowed.pos, p(14, 17));
        assert_eq!(other.entry("tools").map(|e| e.key_pos), Some(p(14, 1)));
        assert_eq!(
            other.get("when").map(|n| &n.value),
            Some(&Value::Number("1979-05-27 07:32:00Z".into()))
        );
    }

    #[test]
    fn array_of_tables() {
        let root = parse("[[hooks]]\nrun = 'a'\n\n[[hooks]]\nrun = 'b'\n").expect("parses");
        let hooks = root.get("hooks").expect("hooks").items();
        assert_eq!(hooks.len(), 2);
        assert_eq!(hooks[1].get("run").map(|n| n.pos), Some(p(5, 7)));
    }

    #[test]
    fn errors_have_positions() {
        let e = parse("[a]\nx = 1\nx = 2\n").expect_err("duplicate key");
        assert_eq!(e.pos, p(3, 1), "{e:?}");
        let e = parse("a = \"open\nb = 1\n").expect_err("unterminated");
        assert_eq!(e.pos.line, 1, "{e:?}");
        let e = parse("a = 1\nb = \n").expect_err("missing value");
        assert_eq!(e.pos.line, 2, "{e:?}");
    }

    #[test]
    fn depth_is_bounded() {
        let deep = format!("a = {}", "[".repeat(10_000));
        assert!(parse(&deep).expect_err("deep").message.contains("nesting"));
        let deep = format!("a = {}1{}", "{b = ".repeat(10_000), "}".repeat(10_000));
        assert!(parse(&deep).expect_err("deep").message.contains("nesting"));
        let deep = format!("{} = 1", vec!["k"; 10_000].join("."));
        assert!(parse(&deep).expect_err("deep").message.contains("nesting"));
        let deep = format!("[{}]", vec!["k"; 10_000].join("."));
        assert!(parse(&deep).expect_err("deep").message.contains("nesting"));
        // The root table and 128 arrays are one level too many: refused at the last bracket
        // (the `toml` crate has its own, lower limit of 80 levels).
        let deep = format!("a = {}", "[".repeat(10_000));
        let at = super::super::to_u32(MAX_DEPTH) + 4;
        assert_eq!(parse(&deep).expect_err("deep").pos, p(1, at));
        let ok = format!("a = {}{}", "[".repeat(50), "]".repeat(50));
        assert!(parse(&ok).is_ok());
        // Brackets in strings and comments do not count.
        let strings = format!(
            "a = \"{0}\"\nb = '{0}'\nc = \"\"\"{0}\"\"\"\n# {0}\nd = [1.5, 2.5]\n",
            "[".repeat(500)
        );
        assert!(parse(&strings).is_ok());
    }
}
