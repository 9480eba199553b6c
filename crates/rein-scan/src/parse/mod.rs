//! Parsers into [`crate::doc::Doc`]: JSONC, YAML, TOML and Markdown frontmatter, each bounded.
//!
//! Every parser returns positions as 1-based lines and 1-based character columns (a tab is one
//! column; a leading byte-order mark is skipped and not counted). Inputs larger than
//! [`MAX_FILE_BYTES`], nesting deeper than [`MAX_DEPTH`] containers (the outermost map or
//! sequence is depth 1) and more than [`MAX_NODES`] values are refused with a [`ParseError`];
//! no input makes a parser panic or overflow the stack.
//!
//! An empty JSONC or YAML file (nothing but whitespace and comments) has `root: None`; an empty
//! TOML file is an empty table.

mod jsonc;
mod markdown;
mod toml;
mod yaml;

use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::doc::{Doc, Format, MAX_DEPTH, MAX_FILE_BYTES, MAX_NODES, ParseError, Pos};

/// Parses `text` as `format`.
pub fn parse(format: Format, text: &str) -> Result<Doc, ParseError> {
    if text.len() > MAX_FILE_BYTES {
        return Err(ParseError {
            pos: Pos::START,
            message: format!(
                "file too large ({} bytes; the limit is {MAX_FILE_BYTES})",
                text.len()
            ),
        });
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // The parsers are written not to panic; this is the last line of defence for the
    // third-party ones.
    match catch_unwind(AssertUnwindSafe(|| parse_unchecked(format, text))) {
        Ok(result) => result,
        Err(_) => Err(ParseError {
            pos: Pos::START,
            message: format!("internal error while parsing {format:?}"),
        }),
    }
}

fn parse_unchecked(format: Format, text: &str) -> Result<Doc, ParseError> {
    match format {
        Format::Jsonc => Ok(Doc {
            root: jsonc::parse(text)?,
            body: None,
        }),
        Format::Yaml => Ok(Doc {
            root: yaml::parse(text, 0)?,
            body: None,
        }),
        Format::Toml => Ok(Doc {
            root: Some(toml::parse(text)?),
            body: None,
        }),
        Format::Markdown => markdown::parse(text),
        Format::Text => Ok(Doc {
            root: None,
            body: Some((text.to_owned(), 1)),
        }),
    }
}

pub(crate) fn error(pos: Pos, message: impl Into<String>) -> ParseError {
    ParseError {
        pos,
        message: message.into(),
    }
}

pub(crate) fn too_deep(pos: Pos) -> ParseError {
    error(pos, format!("nesting deeper than {MAX_DEPTH} levels"))
}

pub(crate) fn too_many_nodes(pos: Pos) -> ParseError {
    error(pos, format!("more than {MAX_NODES} values"))
}

/// Converts a count to a position component, saturating (inputs are bounded well below).
pub(crate) fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Maps byte offsets of a text to positions.
pub(crate) struct LineIndex<'a> {
    bytes: &'a [u8],
    /// Byte offset of the start of each line.
    starts: Vec<usize>,
    ascii: bool,
    /// The last position computed (byte offset, line index, column), to make mostly-forward
    /// lookups on long non-ASCII lines linear.
    last: std::cell::Cell<(usize, usize, usize)>,
}

impl<'a> LineIndex<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        starts.extend(
            bytes
                .iter()
                .enumerate()
                .filter(|&(_, &b)| b == b'\n')
                .map(|(i, _)| i + 1),
        );
        LineIndex {
            bytes,
            starts,
            ascii: text.is_ascii(),
            last: std::cell::Cell::new((0, 0, 1)),
        }
    }

    /// The position of the character at byte `offset` (clamped to the text).
    pub(crate) fn pos(&self, offset: usize) -> Pos {
        let offset = offset.min(self.bytes.len());
        let line = self.starts.partition_point(|&s| s <= offset).max(1) - 1;
        let start = self.starts.get(line).copied().unwrap_or(0);
        let column = if self.ascii {
            offset - start + 1
        } else {
            let (last_offset, last_line, last_column) = self.last.get();
            let (from, base) = if last_line == line && last_offset <= offset {
                (last_offset, last_column)
            } else {
                (start, 1)
            };
            let column = base + count_chars(self.bytes.get(from..offset).unwrap_or(&[]));
            self.last.set((offset, line, column));
            column
        };
        Pos {
            line: to_u32(line + 1),
            column: to_u32(column),
        }
    }
}

/// Counts the characters in a byte range of UTF-8 text (by counting non-continuation bytes,
/// so the range need not fall on character boundaries).
fn count_chars(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b & 0xC0 != 0x80).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_index_counts_characters() {
        let text = "ab\n\té€x\ny";
        let index = LineIndex::new(text);
        assert_eq!(index.pos(0), Pos { line: 1, column: 1 });
        assert_eq!(index.pos(3), Pos { line: 2, column: 1 });
        let x = text.find('x').unwrap_or_default();
        assert_eq!(index.pos(x), Pos { line: 2, column: 4 });
        assert_eq!(index.pos(text.len() - 1), Pos { line: 3, column: 1 });
        // Backwards after forwards still works.
        assert_eq!(index.pos(4), Pos { line: 2, column: 2 });
    }

    #[test]
    fn too_large_is_refused_for_every_format() {
        let text = " ".repeat(MAX_FILE_BYTES + 1);
        for format in [
            Format::Jsonc,
            Format::Yaml,
            Format::Toml,
            Format::Markdown,
            Format::Text,
        ] {
            let err = parse(format, &text).err();
            assert_eq!(err.map(|e| e.pos), Some(Pos::START), "{format:?}");
        }
    }

    #[test]
    fn bom_is_skipped() {
        let doc = parse(Format::Jsonc, "\u{feff}{\"a\": 1}");
        let root = doc.ok().and_then(|d| d.root);
        assert_eq!(root.map(|r| r.pos), Some(Pos::START));
        let doc = parse(Format::Text, "\u{feff}hello");
        assert_eq!(doc.ok().and_then(|d| d.body), Some(("hello".to_owned(), 1)));
    }
}
