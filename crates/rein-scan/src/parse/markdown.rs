//! Markdown: a YAML frontmatter between a first `---` line and the next `---` line is parsed
//! (positions are those of the whole file); the rest is kept as the body.

use crate::doc::{Doc, Node, ParseError, Pos, Value};

use super::{to_u32, yaml};

pub(super) fn parse(text: &str) -> Result<Doc, ParseError> {
    let whole = || Doc {
        root: None,
        body: Some((text.to_owned(), 1)),
    };
    let mut lines = text.split_inclusive('\n');
    let Some(first) = lines.next() else {
        return Ok(whole());
    };
    if !is_fence(first) {
        return Ok(whole());
    }
    let yaml_start = first.len();
    let mut offset = yaml_start;
    for (n, line) in lines.enumerate() {
        if is_fence(line) {
            // Line 1 is the opening fence; this one is line n + 2.
            let closing_line = to_u32(n + 2);
            let yaml = text.get(yaml_start..offset).unwrap_or("");
            let root = yaml::parse(yaml, 1)?.unwrap_or(Node {
                pos: Pos { line: 2, column: 1 },
                value: Value::Map(Vec::new()),
            });
            let rest = text.get(offset + line.len()..).unwrap_or("");
            return Ok(Doc {
                root: Some(root),
                body: Some((rest.to_owned(), closing_line.saturating_add(1))),
            });
        }
        offset += line.len();
    }
    // No closing fence: a thematic break, not a frontmatter.
    Ok(whole())
}

/// Whether a line (with its line break) is a `---` fence (trailing spaces allowed).
fn is_fence(line: &str) -> bool {
    line.trim_end_matches(['\n', '\r', ' ', '\t']) == "---"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(line: u32, column: u32) -> Pos {
        Pos { line, column }
    }

    const AGENTS_MD: &str = "---\r\ndescription: Release helper\r\nallowed-tools: Bash(git push:*), Read\r\nglobs:\r\n  - \"src/**\"\r\n---\r\n# Release\r\n\r\nRun `git push`.\r\n";

    #[test]
    fn frontmatter_positions_are_file_positions() {
        let doc = parse(AGENTS_MD).expect("parses");
        let root = doc.root.expect("frontmatter");
        assert_eq!(root.pos, p(2, 1));
        let tools = root.entry("allowed-tools").expect("tools");
        assert_eq!((tools.key_pos, tools.value.pos), (p(3, 1), p(3, 16)));
        assert_eq!(tools.value.as_str(), Some("Bash(git push:*), Read"));
        let glob = &root.get("globs").expect("globs").items()[0];
        assert_eq!((glob.pos, glob.as_str()), (p(5, 5), Some("src/**")));
        assert_eq!(
            doc.body,
            Some(("# Release\r\n\r\nRun `git push`.\r\n".to_owned(), 7))
        );
    }

    #[test]
    fn without_frontmatter() {
        let doc = parse("# Title\n---\n").expect("parses");
        assert_eq!(doc.root, None);
        assert_eq!(doc.body, Some(("# Title\n---\n".to_owned(), 1)));
        // An opening fence without a closing one is a thematic break.
        let doc = parse("---\nnot: closed\n").expect("parses");
        assert_eq!(doc.root, None);
        assert_eq!(doc.body.map(|b| b.1), Some(1));
        assert_eq!(parse("").expect("parses").root, None);
    }

    #[test]
    fn empty_frontmatter() {
        let doc = parse("---\n---\nbody").expect("parses");
        assert_eq!(doc.root.map(|r| r.value), Some(Value::Map(Vec::new())));
        assert_eq!(doc.body, Some(("body".to_owned(), 3)));
        let doc = parse("---\nname: x\n---").expect("parses");
        assert_eq!(doc.body, Some((String::new(), 4)));
    }

    #[test]
    fn frontmatter_error_points_at_the_file_line() {
        let e = parse("---\nname: ok\ntools: [a, b\n---\nbody\n").expect_err("bad yaml");
        // Found at the end of the frontmatter: the closing fence's line.
        assert_eq!(e.pos, p(4, 1), "{e:?}");
        let e = parse("---\nname: ok\ntools: \"a, b\n---\nbody\n").expect_err("bad yaml");
        assert_eq!(e.pos, p(3, 8), "{e:?}");
        let e = parse("---\na:\n  b: 1\n c: 2\n---\n").expect_err("bad indentation");
        assert_eq!(e.pos.line, 4, "{e:?}");
    }
}
