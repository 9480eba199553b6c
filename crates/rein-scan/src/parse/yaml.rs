//! YAML through `saphyr-parser`'s event API (a state machine, so hostile nesting cannot
//! overflow the stack), building the tree with an explicit stack. Plain scalars are resolved
//! with the YAML 1.2 core schema; aliases are expanded by copying the anchored node, with the
//! expansion counted against [`MAX_NODES`] (no billion laughs). Only the first document is
//! read. Positions are saphyr's: a block scalar (`|`, `>`) starts at its first content line.

use std::collections::HashMap;

use saphyr_parser::{Event, Marker, Parser, ScalarStyle, Tag};

use crate::doc::{Entry, MAX_DEPTH, MAX_NODES, Node, ParseError, Pos, Value};

use super::{error, to_u32, too_deep, too_many_nodes};

/// Parses the first YAML document of `text`; `None` when there is none (an empty stream).
/// `line_offset` is added to every line (for frontmatter inside a larger file).
pub(super) fn parse(text: &str, line_offset: u32) -> Result<Option<Node>, ParseError> {
    parse_events(text, line_offset).map_err(|e| {
        // Flow collections nested on one line meet the scanner's own bound (255 levels) first:
        // it looks ahead for a possible key before handing out their events. Reading the text
        // only up to there hands them out, and finds where [`MAX_DEPTH`] was passed.
        if e.message == SCANNER_LIMIT {
            let prefix = text
                .get(..offset_of(text, e.pos, line_offset))
                .unwrap_or("");
            if let Err(deeper) = parse_events(prefix, line_offset)
                && deeper.message == too_deep(deeper.pos).message
            {
                return deeper;
            }
        }
        e
    })
}

/// saphyr's message when flow collections nest deeper than it allows.
const SCANNER_LIMIT: &str = "recursion limit exceeded";

/// The byte offset of a position in `text` (clamped to its end).
fn offset_of(text: &str, pos: Pos, line_offset: u32) -> usize {
    let line = pos.line.saturating_sub(line_offset).saturating_sub(1) as usize;
    let line_start = if line == 0 {
        0
    } else {
        text.match_indices('\n')
            .nth(line - 1)
            .map_or(text.len(), |(i, _)| i + 1)
    };
    let rest = text.get(line_start..).unwrap_or("");
    let column = pos.column.saturating_sub(1) as usize;
    line_start
        + rest
            .char_indices()
            .nth(column)
            .map_or(rest.len(), |(i, _)| i)
}

/// Reads the first document's events into a tree.
fn parse_events(text: &str, line_offset: u32) -> Result<Option<Node>, ParseError> {
    let mut b = Builder {
        line_offset,
        frames: Vec::new(),
        anchors: HashMap::new(),
        nodes: 0,
        anchored: 0,
        root: None,
    };
    // The scanner reports errors and empty nodes at the end of input one line past the last
    // one; every position is kept inside the text.
    let end = end_pos(text, line_offset);
    for event in Parser::new_from_str(text) {
        let (event, span) =
            event.map_err(|e| error(b.pos(e.marker()).min(end), e.info().to_owned()))?;
        let pos = b.pos(&span.start).min(end);
        match event {
            Event::Nothing | Event::StreamStart | Event::DocumentStart(_) => {}
            Event::DocumentEnd | Event::StreamEnd => break,
            Event::Scalar(text, style, anchor, tag) => {
                b.count(pos, 1)?;
                let value = resolve(&text, style, tag.as_deref());
                b.complete(Built {
                    node: Node { pos, value },
                    key: Some(text.into_owned()),
                    anchor,
                    count: 1,
                    depth: 0,
                })?;
            }
            Event::SequenceStart(anchor, _) => b.open(pos, anchor, Kind::Seq(Vec::new()))?,
            Event::MappingStart(anchor, _) => b.open(
                pos,
                anchor,
                Kind::Map {
                    entries: Vec::new(),
                    key: None,
                },
            )?,
            Event::SequenceEnd | Event::MappingEnd => b.close()?,
            Event::Alias(id) => b.alias(pos, id)?,
        }
    }
    Ok(b.root)
}

/// The position just past the last character of `text`.
fn end_pos(text: &str, line_offset: u32) -> Pos {
    let last_line = text.rsplit('\n').next().unwrap_or("");
    Pos {
        line: to_u32(text.matches('\n').count() + 1).saturating_add(line_offset),
        column: to_u32(last_line.chars().count() + 1),
    }
}

/// A finished node on its way into its parent.
struct Built {
    node: Node,
    /// A scalar's text as written, for when it is a key.
    key: Option<String>,
    anchor: usize,
    /// Nodes in the subtree, itself included.
    count: usize,
    /// Containers on the deepest path of the subtree, itself included.
    depth: usize,
}

struct Anchored {
    node: Node,
    count: usize,
    depth: usize,
}

enum Kind {
    Seq(Vec<Node>),
    Map {
        entries: Vec<Entry>,
        key: Option<(String, Pos)>,
    },
}

/// An open sequence or mapping.
struct Frame {
    pos: Pos,
    kind: Kind,
    anchor: usize,
    count: usize,
    child_depth: usize,
}

struct Builder {
    line_offset: u32,
    frames: Vec<Frame>,
    anchors: HashMap<usize, Anchored>,
    /// Nodes in the tree so far, aliases expanded.
    nodes: usize,
    /// Nodes copied to remember anchors.
    anchored: usize,
    root: Option<Node>,
}

impl Builder {
    fn pos(&self, marker: &Marker) -> Pos {
        Pos {
            line: to_u32(marker.line()).saturating_add(self.line_offset),
            column: to_u32(marker.col() + 1),
        }
    }

    fn count(&mut self, pos: Pos, n: usize) -> Result<(), ParseError> {
        self.nodes = self.nodes.saturating_add(n);
        if self.nodes > MAX_NODES {
            return Err(too_many_nodes(pos));
        }
        Ok(())
    }

    fn open(&mut self, pos: Pos, anchor: usize, kind: Kind) -> Result<(), ParseError> {
        if self.frames.len() >= MAX_DEPTH {
            return Err(too_deep(pos));
        }
        self.count(pos, 1)?;
        self.frames.push(Frame {
            pos,
            kind,
            anchor,
            count: 1,
            child_depth: 0,
        });
        Ok(())
    }

    fn close(&mut self) -> Result<(), ParseError> {
        let Some(frame) = self.frames.pop() else {
            return Ok(());
        };
        let value = match frame.kind {
            Kind::Seq(items) => Value::Seq(items),
            Kind::Map { mut entries, key } => {
                // A key without a value (the parser emits an empty scalar, so this is only
                // defensive).
                if let Some((key, key_pos)) = key {
                    entries.push(Entry {
                        key,
                        key_pos,
                        value: Node {
                            pos: key_pos,
                            value: Value::Null,
                        },
                    });
                }
                Value::Map(entries)
            }
        };
        self.complete(Built {
            node: Node {
                pos: frame.pos,
                value,
            },
            key: None,
            anchor: frame.anchor,
            count: frame.count,
            depth: frame.child_depth + 1,
        })
    }

    fn alias(&mut self, pos: Pos, id: usize) -> Result<(), ParseError> {
        let Some(anchored) = self.anchors.get(&id) else {
            return Err(error(pos, "alias to an unknown or unfinished anchor"));
        };
        let (count, depth) = (anchored.count, anchored.depth);
        if self.frames.len() + depth > MAX_DEPTH {
            return Err(too_deep(pos));
        }
        self.nodes = self.nodes.saturating_add(count);
        if self.nodes > MAX_NODES {
            return Err(error(
                pos,
                format!("aliases expand to more than {MAX_NODES} values"),
            ));
        }
        let mut node = anchored.node.clone();
        node.pos = pos;
        let key = match &node.value {
            Value::String(s) | Value::Number(s) => Some(s.clone()),
            _ => None,
        };
        self.complete(Built {
            node,
            key,
            anchor: 0,
            count,
            depth,
        })
    }

    /// Hands a finished node to its parent (or makes it the root).
    fn complete(&mut self, built: Built) -> Result<(), ParseError> {
        if built.anchor != 0 {
            self.anchored = self.anchored.saturating_add(built.count);
            if self.anchored > MAX_NODES {
                return Err(error(
                    built.node.pos,
                    format!("anchors hold more than {MAX_NODES} values"),
                ));
            }
            self.anchors.insert(
                built.anchor,
                Anchored {
                    node: built.node.clone(),
                    count: built.count,
                    depth: built.depth,
                },
            );
        }
        let Some(frame) = self.frames.last_mut() else {
            if self.root.is_none() {
                self.root = Some(built.node);
            }
            return Ok(());
        };
        match &mut frame.kind {
            Kind::Map {
                key: key @ None, ..
            } => {
                // A key is text in the tree, not a node: it leaves the count.
                self.nodes = self.nodes.saturating_sub(built.count);
                let text = built.key.unwrap_or_else(|| render(&built.node));
                *key = Some((text, built.node.pos));
                return Ok(());
            }
            Kind::Map { entries, key } => {
                if let Some((key, key_pos)) = key.take() {
                    entries.push(Entry {
                        key,
                        key_pos,
                        value: built.node,
                    });
                }
            }
            Kind::Seq(items) => items.push(built.node),
        }
        frame.count = frame.count.saturating_add(built.count);
        frame.child_depth = frame.child_depth.max(built.depth);
        Ok(())
    }
}

/// The value of a scalar: quoted and block scalars are strings; plain ones are resolved with
/// the core schema; an explicit core tag (`!!str`, `!!int`, ...) decides when present.
fn resolve(text: &str, style: ScalarStyle, tag: Option<&Tag>) -> Value {
    if let Some(tag) = tag {
        if tag.is_yaml_core_schema() {
            match tag.suffix.as_str() {
                "str" => return Value::String(text.to_owned()),
                "null" => return Value::Null,
                "bool" => {
                    if let Value::Bool(b) = resolve_plain(text) {
                        return Value::Bool(b);
                    }
                    return Value::String(text.to_owned());
                }
                "int" | "float" => return Value::Number(text.to_owned()),
                _ => {}
            }
        } else if tag.handle == "!" && tag.suffix.is_empty() {
            // The non-specific tag `!` makes a plain scalar a string.
            return Value::String(text.to_owned());
        }
    }
    match style {
        ScalarStyle::Plain => resolve_plain(text),
        _ => Value::String(text.to_owned()),
    }
}

/// The YAML 1.2 core schema's resolution of a plain scalar.
fn resolve_plain(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => Value::Null,
        "true" | "True" | "TRUE" => Value::Bool(true),
        "false" | "False" | "FALSE" => Value::Bool(false),
        _ if is_number(text) => Value::Number(text.to_owned()),
        _ => Value::String(text.to_owned()),
    }
}

fn is_number(text: &str) -> bool {
    let all = |s: &str, f: fn(&u8) -> bool| !s.is_empty() && s.as_bytes().iter().all(f);
    if let Some(octal) = text.strip_prefix("0o") {
        return all(octal, |b| (b'0'..=b'7').contains(b));
    }
    if let Some(hex) = text.strip_prefix("0x") {
        return all(hex, u8::is_ascii_hexdigit);
    }
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    if matches!(unsigned, ".inf" | ".Inf" | ".INF") || matches!(text, ".nan" | ".NaN" | ".NAN") {
        return true;
    }
    // [0-9]+ ( . [0-9]* )? | . [0-9]+ ; then an optional exponent.
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(i) => (&unsigned[..i], Some(&unsigned[i + 1..])),
        None => (unsigned, None),
    };
    let mantissa_ok = match mantissa.split_once('.') {
        None => all(mantissa, u8::is_ascii_digit),
        Some((int, frac)) => {
            let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
            digits(int) && digits(frac) && !(int.is_empty() && frac.is_empty())
        }
    };
    let exponent_ok =
        exponent.is_none_or(|e| all(e.strip_prefix(['-', '+']).unwrap_or(e), u8::is_ascii_digit));
    mantissa_ok && exponent_ok
}

/// A compound key written as text (`? [a, b]` becomes "[a, b]").
fn render(node: &Node) -> String {
    let mut out = String::new();
    render_into(node, &mut out);
    out
}

fn render_into(node: &Node, out: &mut String) {
    match &node.value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(s) | Value::String(s) => out.push_str(s),
        Value::Seq(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                render_into(item, out);
            }
            out.push(']');
        }
        Value::Map(entries) => {
            out.push('{');
            for (i, e) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&e.key);
                out.push_str(": ");
                render_into(&e.value, out);
            }
            out.push('}');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(line: u32, column: u32) -> Pos {
        Pos { line, column }
    }

    fn root(text: &str) -> Node {
        parse(text, 0).expect("parses").expect("has a document")
    }

    const WORKFLOW: &str = "\
name: CI
on:
  push:
    branches: [main]
  pull_request_target:
permissions:
  contents: write
  id-token: write
jobs:
  review:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - name: Claude
        uses: anthropics/claude-code-action@v1
        with:
          anthropic_api_key: ${{ secrets.ANTHROPIC_API_KEY }}
          allowed_tools: \"Bash(*)\"
          timeout: 30
          debug: true
          prompt: |
            Review this PR.
";

    #[test]
    fn workflow_positions() {
        let root = root(WORKFLOW);
        assert_eq!(root.pos, p(1, 1));
        let on = root.entry("on").expect("on");
        assert_eq!(on.key_pos, p(2, 1));
        assert_eq!(on.value.pos, p(3, 3));
        let prt = on.value.entry("pull_request_target").expect("prt");
        assert_eq!(prt.key_pos, p(5, 3));
        assert_eq!(prt.value.value, Value::Null);
        let branches = root.at(&["on", "push", "branches"]).expect("branches");
        assert_eq!(branches.pos, p(4, 15));
        assert_eq!(branches.items()[0].pos, p(4, 16));
        let contents = root.at(&["permissions"]).and_then(|n| n.entry("contents"));
        assert_eq!(
            contents.map(|e| (e.key_pos, e.value.pos)),
            Some((p(7, 3), p(7, 13)))
        );
        let steps = root.at(&["jobs", "review", "steps"]).expect("steps");
        assert_eq!(steps.items().len(), 2);
        assert_eq!(steps.items()[1].pos, p(14, 9));
        let with = steps.items()[1].get("with").expect("with");
        let key = with.entry("anthropic_api_key").expect("key");
        assert_eq!(key.key_pos, p(17, 11));
        assert_eq!(key.value.pos, p(17, 30));
        assert_eq!(key.value.as_str(), Some("${{ secrets.ANTHROPIC_API_KEY }}"));
        let tools = with.get("allowed_tools").expect("tools");
        assert_eq!((tools.pos, tools.as_str()), (p(18, 26), Some("Bash(*)")));
        assert_eq!(
            with.get("timeout").map(|n| &n.value),
            Some(&Value::Number("30".into()))
        );
        assert_eq!(
            with.get("debug").map(|n| &n.value),
            Some(&Value::Bool(true))
        );
        let prompt = with.get("prompt").expect("prompt");
        // A block scalar's position is that of its content, not of its `|` indicator.
        assert_eq!(
            (prompt.pos, prompt.as_str()),
            (p(22, 13), Some("Review this PR.\n"))
        );
    }

    #[test]
    fn core_schema_scalars() {
        let root = root(
            "a: ~\nb: null\nc: 'true'\nd: TRUE\ne: -1.5e3\nf: 0x1F\ng: .inf\nh: 1.2.3\ni: !!str 12\nj: on\nk: \"1\"\nl: 2024-01-01\nm:\n",
        );
        let v = |k: &str| root.get(k).map(|n| n.value.clone());
        assert_eq!(v("a"), Some(Value::Null));
        assert_eq!(v("b"), Some(Value::Null));
        assert_eq!(v("c"), Some(Value::String("true".into())));
        assert_eq!(v("d"), Some(Value::Bool(true)));
        assert_eq!(v("e"), Some(Value::Number("-1.5e3".into())));
        assert_eq!(v("f"), Some(Value::Number("0x1F".into())));
        assert_eq!(v("g"), Some(Value::Number(".inf".into())));
        assert_eq!(v("h"), Some(Value::String("1.2.3".into())));
        assert_eq!(v("i"), Some(Value::String("12".into())));
        assert_eq!(v("j"), Some(Value::String("on".into())));
        assert_eq!(v("k"), Some(Value::String("1".into())));
        assert_eq!(v("l"), Some(Value::String("2024-01-01".into())));
        assert_eq!(v("m"), Some(Value::Null));
        for (s, number) in [
            ("1.", true),
            (".5", true),
            (".", false),
            ("1e", false),
            ("+1", true),
            ("0o8", false),
        ] {
            assert_eq!(is_number(s), number, "{s}");
        }
    }

    #[test]
    fn aliases_are_expanded() {
        let root = root("base: &b\n  image: node\n  env: [A]\njob:\n  <<: *b\n  other: *b\n");
        let other = root.at(&["job", "other"]).expect("other");
        assert_eq!(other.pos, p(6, 10));
        assert_eq!(other.at(&["image"]).and_then(Node::as_str), Some("node"));
        // Inner nodes keep the position where they are written.
        assert_eq!(other.get("image").map(|n| n.pos), Some(p(2, 10)));
        assert!(root.at(&["job", "<<", "env"]).is_some());
    }

    #[test]
    fn alias_bomb_is_refused() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let prev = format!("*a{}", i - 1);
            let items = [prev.as_str(); 10].join(", ");
            text.push_str(&format!("a{i}: &a{i} [{items}]\n"));
        }
        let e = parse(&text, 0).expect_err("refused");
        assert!(e.message.contains("more than"), "{e:?}");
    }

    #[test]
    fn recursive_alias_is_an_error() {
        assert!(parse("a: &a [*a]\n", 0).is_err());
    }

    #[test]
    fn first_document_only() {
        let root = root("---\na: 1\n---\nb: [\n");
        assert!(root.get("a").is_some());
    }

    #[test]
    fn empty_stream_has_no_document() {
        assert_eq!(parse("", 0), Ok(None));
        assert_eq!(parse("# just a comment\n", 0), Ok(None));
    }

    #[test]
    fn complex_keys_are_rendered() {
        let root = root("? [a, b]\n: 1\n");
        assert_eq!(root.entries()[0].key, "[a, b]");
    }

    #[test]
    fn errors_have_positions() {
        let e = parse("a:\n  b: 1\n c: 2\n", 0).expect_err("bad indentation");
        assert_eq!(e.pos.line, 3, "{e:?}");
        let e = parse("a: \"open\nb: 2\n", 0).expect_err("unterminated");
        assert_eq!(e.pos, p(1, 4), "{e:?}");
        let e = parse("key: 'unterminated\n", 0).expect_err("unterminated");
        assert_eq!(e.pos, p(1, 6), "{e:?}");
        // Errors found at the end of input point just past the last line, shifted by the
        // offset.
        let e = parse("x: 1\n\nkey: [1, 2\n", 7).expect_err("unterminated flow");
        assert_eq!(e.pos, p(11, 1), "{e:?}");
    }

    #[test]
    fn depth_is_bounded() {
        let deep = "- ".repeat(MAX_DEPTH + 1) + "x\n";
        let e = parse(&deep, 0).expect_err("too deep");
        assert_eq!(
            e.pos,
            p(1, super::super::to_u32(MAX_DEPTH) * 2 + 1),
            "{e:?}"
        );
        let ok = "- ".repeat(MAX_DEPTH) + "x\n";
        assert!(parse(&ok, 0).is_ok());
        let e = parse(&"[".repeat(10_000), 0).expect_err("too deep");
        // Found by the scanner's own bound (255 flow levels), and placed at this one's.
        assert_eq!(e.pos, p(1, super::super::to_u32(MAX_DEPTH) + 1), "{e:?}");
        assert!(e.message.contains("nesting"), "{e:?}");
        // One bracket per line resolves each token at once: refused at this bound.
        let e = parse(&"[\n".repeat(10_000), 0).expect_err("too deep");
        assert_eq!(e.pos, p(super::super::to_u32(MAX_DEPTH) + 1, 1), "{e:?}");
    }
}
