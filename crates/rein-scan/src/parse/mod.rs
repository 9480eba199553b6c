//! Parsers into [`crate::doc::Doc`]: JSONC, YAML, TOML and Markdown frontmatter, each bounded.

use crate::doc::{Doc, Format, ParseError, Pos};

/// Parses `text` as `format`.
pub fn parse(format: Format, text: &str) -> Result<Doc, ParseError> {
    match format {
        Format::Text => Ok(Doc {
            root: None,
            body: Some((text.to_owned(), 1)),
        }),
        _ => Err(ParseError {
            pos: Pos::START,
            message: format!("{format:?} parsing is not available yet"),
        }),
    }
}
