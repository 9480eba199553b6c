//! Properties of the bounded parsers: hostile input never panics, overflows the stack or
//! exceeds the bounds; valid JSON round-trips with exact positions.

use std::time::{Duration, Instant};

use proptest::prelude::*;
use rein_scan::doc::{
    Doc, Format, MAX_DEPTH, MAX_FILE_BYTES, MAX_NODES, Node, ParseError, Pos, Value,
};
use rein_scan::parse::parse;

const FORMATS: [Format; 5] = [
    Format::Jsonc,
    Format::Yaml,
    Format::Toml,
    Format::Markdown,
    Format::Text,
];

/// Upper bounds on the lines and columns a position in `text` can have.
fn extent(text: &str) -> (u32, u32) {
    let breaks = text.bytes().filter(|&b| b == b'\n' || b == b'\r').count();
    let widest = text
        .split('\n')
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(0);
    (breaks as u32 + 1, widest as u32 + 1)
}

fn pos_in(pos: Pos, (lines, columns): (u32, u32)) -> bool {
    (1..=lines).contains(&pos.line) && (1..=columns).contains(&pos.column)
}

/// Checks a parse result against the bounds: positions inside the text, depth and node count
/// within the limits, and no panic caught by the last line of defence.
fn check(
    format: Format,
    text: &str,
    result: &Result<Doc, ParseError>,
) -> Result<(), TestCaseError> {
    let extent = extent(text);
    match result {
        Err(e) => {
            prop_assert!(
                !e.message.starts_with("internal error"),
                "{format:?} panicked: {e:?}"
            );
            prop_assert!(
                pos_in(e.pos, extent),
                "{format:?} error out of the text: {e:?}"
            );
        }
        Ok(doc) => {
            if let Some(root) = &doc.root {
                let mut nodes = 0;
                let mut stack = vec![(root, 0usize)];
                while let Some((node, depth)) = stack.pop() {
                    nodes += 1;
                    prop_assert!(
                        pos_in(node.pos, extent),
                        "{format:?}: {node:?} out of the text"
                    );
                    match &node.value {
                        Value::Seq(items) => {
                            prop_assert!(depth < MAX_DEPTH);
                            stack.extend(items.iter().map(|n| (n, depth + 1)));
                        }
                        Value::Map(entries) => {
                            prop_assert!(depth < MAX_DEPTH);
                            for e in entries {
                                prop_assert!(pos_in(e.key_pos, extent), "{format:?}: key {e:?}");
                                stack.push((&e.value, depth + 1));
                            }
                        }
                        _ => {}
                    }
                }
                prop_assert!(nodes <= MAX_NODES);
            }
            if let Some((body, line)) = &doc.body {
                prop_assert!(*line >= 1 && *line <= extent.0 + 1);
                prop_assert!(text.ends_with(body.as_str()));
            }
        }
    }
    Ok(())
}

/// Text made of a format's significant tokens, to reach deeper than random characters do.
fn tokens(alphabet: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(alphabet), 0..80).prop_map(|t| t.concat())
}

const JSON_TOKENS: &[&str] = &[
    "{", "}", "[", "]", ":", ",", "\"", "\"a\"", "\\", "\\u", "d83d", "\\ud800", "1", "-", ".",
    "e", "0", "true", "null", "f", "//", "/*", "*/", "\n", " ", "\t", "é", "😀", "\r",
];
const YAML_TOKENS: &[&str] = &[
    "- ",
    "a: ",
    "? ",
    ": ",
    "\n",
    "  ",
    "\t",
    "&a ",
    "*a",
    "&b ",
    "*b",
    "!!str ",
    "!t ",
    "[",
    "]",
    "{",
    "}",
    ",",
    "'",
    "\"",
    "|",
    ">-",
    "#",
    "---\n",
    "...\n",
    "%YAML 1.2\n",
    "~",
    "<<: ",
    "x",
    "1.5",
    "é",
    "\\",
    "\r\n",
    "@",
    "`",
];
const TOML_TOKENS: &[&str] = &[
    "[",
    "]",
    "[[",
    "]]",
    "{",
    "}",
    "=",
    " = ",
    ".",
    ",",
    "a",
    "\"k\"",
    "'l'",
    "\"\"\"",
    "'''",
    "\n",
    " ",
    "#",
    "1",
    "1979-05-27",
    "T07:32:00Z",
    "true",
    "inf",
    "nan",
    "0x1f",
    "_",
    "+",
    "-",
    "\\",
    "é",
    "\r\n",
];
const MARKDOWN_TOKENS: &[&str] = &[
    "---\n", "---", "\n", "a: 1\n", "b: [x\n", "- y\n", "# T\n", "text ", "\r\n", "  ", "&a ",
    "*a", "---  \n",
];

fn any_text(alphabet: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), tokens(alphabet)]
}

/// A JSON value; `strings` generates its strings.
fn json_value(strings: BoxedStrategy<String>) -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<u64>().prop_map(serde_json::Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(serde_json::Value::from),
        strings.clone().prop_map(serde_json::Value::String),
    ];
    leaf.prop_recursive(6, 64, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(serde_json::Value::Array),
            prop::collection::vec((strings.clone(), inner), 0..8)
                .prop_map(|entries| serde_json::Value::Object(entries.into_iter().collect())),
        ]
    })
}

/// The JSON value a parsed tree stands for.
fn to_json(node: &Node) -> serde_json::Value {
    match &node.value {
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => serde_json::Value::Bool(*b),
        // serde_json's own float parsing is not exact without its `float_roundtrip` feature.
        Value::Number(n) => match (n.parse::<i64>(), n.parse::<u64>(), n.parse::<f64>()) {
            (Ok(i), _, _) => serde_json::Value::from(i),
            (_, Ok(u), _) => serde_json::Value::from(u),
            (_, _, Ok(f)) => serde_json::Value::from(f),
            _ => serde_json::Value::Null,
        },
        Value::String(s) => serde_json::Value::String(s.clone()),
        Value::Seq(items) => serde_json::Value::Array(items.iter().map(to_json).collect()),
        Value::Map(entries) => serde_json::Value::Object(
            entries
                .iter()
                .map(|e| (e.key.clone(), to_json(&e.value)))
                .collect(),
        ),
    }
}

/// The character at a position of `text`.
fn char_at(text: &str, pos: Pos) -> Option<char> {
    text.split('\n')
        .nth(pos.line as usize - 1)?
        .chars()
        .nth(pos.column as usize - 1)
}

/// Every node's position points at the character that starts it, every key's at its quote.
fn check_json_positions(text: &str, node: &Node) -> Result<(), TestCaseError> {
    let c = char_at(text, node.pos);
    match &node.value {
        Value::Null => prop_assert_eq!(c, Some('n')),
        Value::Bool(true) => prop_assert_eq!(c, Some('t')),
        Value::Bool(false) => prop_assert_eq!(c, Some('f')),
        Value::Number(n) => prop_assert_eq!(c, n.chars().next()),
        Value::String(_) => prop_assert_eq!(c, Some('"')),
        Value::Seq(items) => {
            prop_assert_eq!(c, Some('['));
            for item in items {
                check_json_positions(text, item)?;
            }
        }
        Value::Map(entries) => {
            prop_assert_eq!(c, Some('{'));
            for e in entries {
                prop_assert_eq!(char_at(text, e.key_pos), Some('"'));
                check_json_positions(text, &e.value)?;
            }
        }
    }
    Ok(())
}

/// Strings YAML takes as they are inside double quotes (YAML refuses some non-printable
/// characters that JSON writes raw).
fn printable() -> BoxedStrategy<String> {
    "[ -~é€😀\t]{0,12}".boxed()
}

fn nested(depth: usize, open: &str, leaf: &str, close: &str) -> String {
    let mut s = open.repeat(depth);
    s.push_str(leaf);
    s.push_str(&close.repeat(depth));
    s
}

fn assert_refused(format: Format, text: &str) -> Result<ParseError, TestCaseError> {
    let result = parse(format, text);
    check(format, text, &result)?;
    match result {
        Err(e) => Ok(e),
        Ok(_) => Err(TestCaseError::fail(format!("{format:?} accepted it"))),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn jsonc_never_panics(text in any_text(JSON_TOKENS)) {
        check(Format::Jsonc, &text, &parse(Format::Jsonc, &text))?;
    }

    #[test]
    fn yaml_never_panics(text in any_text(YAML_TOKENS)) {
        check(Format::Yaml, &text, &parse(Format::Yaml, &text))?;
    }

    #[test]
    fn toml_never_panics(text in any_text(TOML_TOKENS)) {
        check(Format::Toml, &text, &parse(Format::Toml, &text))?;
    }

    #[test]
    fn markdown_never_panics(text in any_text(MARKDOWN_TOKENS)) {
        check(Format::Markdown, &text, &parse(Format::Markdown, &text))?;
    }

    #[test]
    fn text_is_kept_whole(text in any::<String>()) {
        let doc = parse(Format::Text, &text);
        check(Format::Text, &text, &doc)?;
        let body = doc.ok().and_then(|d| d.body).map(|b| b.0);
        prop_assert_eq!(body.as_deref(), Some(text.strip_prefix('\u{feff}').unwrap_or(&text)));
    }

    #[test]
    fn deep_json_is_refused(
        depth in (MAX_DEPTH + 1)..10_000usize,
        objects in any::<bool>(),
        comments in any::<bool>(),
    ) {
        let open = match (objects, comments) {
            (false, false) => "[",
            (false, true) => "[/**/",
            (true, false) => "{\"a\":",
            (true, true) => "{\"a\"://\n",
        };
        let text = nested(depth, open, "1", if objects { "}" } else { "]" });
        let e = assert_refused(Format::Jsonc, &text)?;
        prop_assert!(e.message.contains("nesting"), "{e:?}");
    }

    #[test]
    fn deep_yaml_is_refused(depth in (MAX_DEPTH + 1)..10_000usize, style in 0..4u8) {
        let text = match style {
            0 => "- ".repeat(depth) + "x\n",
            1 => nested(depth, "[", "x", "]"),
            2 => nested(depth, "{a: ", "x", "}"),
            // Block mappings, one level of indentation per line.
            _ => (0..depth.min(400)).map(|i| format!("{}k:\n", " ".repeat(i))).collect(),
        };
        let e = assert_refused(Format::Yaml, &text)?;
        prop_assert!(e.message.contains("nesting") || e.message.contains("recursion"), "{e:?}");
    }

    #[test]
    fn deep_toml_is_refused(depth in (MAX_DEPTH + 1)..10_000usize, style in 0..4u8) {
        let text = match style {
            0 => format!("a = {}", nested(depth, "{b = ", "1", "}")),
            1 => format!("a = {}", nested(depth, "[", "1", "]")),
            2 => format!("{} = 1\n", vec!["k"; depth].join(".")),
            _ => format!("[{}]\n", vec!["k"; depth].join(".")),
        };
        let e = assert_refused(Format::Toml, &text)?;
        prop_assert!(e.message.contains("nesting") || e.message.contains("recursion"), "{e:?}");
    }

    #[test]
    fn deep_frontmatter_is_refused(depth in (MAX_DEPTH + 1)..10_000usize) {
        let text = format!("---\n{}\n---\nbody\n", nested(depth, "[", "x", "]"));
        let e = assert_refused(Format::Markdown, &text)?;
        prop_assert_eq!(e.pos.line, 2);
    }

    #[test]
    fn huge_files_are_refused(format in prop::sample::select(FORMATS.to_vec()), filler in "[ a\n{\\[]") {
        let text = filler.repeat(MAX_FILE_BYTES + 1);
        let e = parse(format, &text).err();
        prop_assert_eq!(e.as_ref().map(|e| e.pos), Some(Pos::START));
        prop_assert!(e.is_some_and(|e| e.message.contains("too large")));
    }

    #[test]
    fn json_round_trips(value in json_value(any::<String>().boxed()), pretty in any::<bool>()) {
        let text = if pretty {
            serde_json::to_string_pretty(&value)
        } else {
            serde_json::to_string(&value)
        }
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let doc = parse(Format::Jsonc, &text);
        check(Format::Jsonc, &text, &doc)?;
        let root = doc.map_err(|e| TestCaseError::fail(format!("{e:?}")))?.root;
        let root = root.ok_or_else(|| TestCaseError::fail("no root"))?;
        prop_assert_eq!(to_json(&root), value);
        check_json_positions(&text, &root)?;
    }

    #[test]
    fn json_is_yaml_and_frontmatter(value in json_value(printable()), pretty in any::<bool>()) {
        // JSON is YAML 1.2: the YAML parser reads the same tree, and as a Markdown frontmatter
        // the same tree one line down.
        let text = if pretty {
            serde_json::to_string_pretty(&value)
        } else {
            serde_json::to_string(&value)
        }
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let yaml = parse(Format::Yaml, &text);
        check(Format::Yaml, &text, &yaml)?;
        let yaml = yaml.map_err(|e| TestCaseError::fail(format!("{e:?}\n{text}")))?.root;
        let yaml = yaml.ok_or_else(|| TestCaseError::fail("no root"))?;
        prop_assert_eq!(to_json(&yaml), value);

        let markdown = format!("---\n{text}\n---\n# Body\n");
        let doc = parse(Format::Markdown, &markdown);
        check(Format::Markdown, &markdown, &doc)?;
        let doc = doc.map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        let front = doc.root.ok_or_else(|| TestCaseError::fail("no frontmatter"))?;
        prop_assert_eq!(front.pos, Pos { line: yaml.pos.line + 1, column: yaml.pos.column });
        let lines = text.split('\n').count() as u32;
        prop_assert_eq!(doc.body, Some(("# Body\n".to_owned(), lines + 3)));
    }
}

#[test]
fn too_many_nodes_are_refused() {
    let items = vec!["0"; MAX_NODES + 1].join(",");
    for (format, text) in [
        (Format::Jsonc, format!("[{items}]")),
        (Format::Yaml, format!("[{items}]")),
        (Format::Toml, format!("a = [{items}]")),
    ] {
        let e = parse(format, &text).expect_err("too many nodes");
        assert!(e.message.contains("more than"), "{format:?}: {e:?}");
    }
}

#[test]
fn classic_billion_laughs_is_refused() {
    let text = r#"
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"#;
    let started = Instant::now();
    let e = parse(Format::Yaml, text).expect_err("bomb");
    assert!(e.message.contains("more than"), "{e:?}");
    assert!(started.elapsed() < Duration::from_secs(10));
}

// Each alias bomb expands to about a million nodes before it is refused (~0.2 s): fewer cases.
proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn alias_bombs_are_refused_quickly(fan_out in 2..12usize, extra_levels in 0..20usize) {
        // Enough levels for the expansion to pass MAX_NODES.
        let mut levels = 1;
        while fan_out.pow(levels) <= MAX_NODES {
            levels += 1;
        }
        let levels = levels as usize + extra_levels;
        let mut text = format!("l0: &l0 [{}]\n", vec!["lol"; fan_out].join(", "));
        for i in 1..=levels {
            let items = vec![format!("*l{}", i - 1); fan_out].join(", ");
            text.push_str(&format!("l{i}: &l{i} [{items}]\n"));
        }
        let started = Instant::now();
        let e = assert_refused(Format::Yaml, &text)?;
        prop_assert!(e.message.contains("more than"), "{e:?}");
        prop_assert!(started.elapsed() < Duration::from_secs(10));
    }
}

/// CI found `? ` (an empty key at the end of input) placed on a line past the last one: the YAML
/// scanner reports empty nodes there. Every end-of-input shape keeps its positions in the text.
#[test]
fn regression_yaml_empty_key_at_end_of_input_was_placed_past_the_text() {
    for text in [
        "? ", "?", "? a", "? a\n", "a:", "a: ", "- ", "-", ": ", "&a ", "&a", "!!str ", "- ? ",
        "a:\n  ", "[", "{a: ", "? \n", "a:\n? ",
    ] {
        check(Format::Yaml, text, &parse(Format::Yaml, text))
            .unwrap_or_else(|e| panic!("{text:?}: {e}"));
    }
}
