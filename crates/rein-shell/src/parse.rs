//! brush-parser glue and cheap pre-checks that keep pathological input away from the parser.

use brush_parser::ast;

/// Deepest nesting of `(`, `{`, `$(` and backticks accepted before parsing.
pub(crate) const MAX_NESTING: usize = 64;

/// Most command separators (`;`, `&`, `|`, newlines) accepted before parsing.
pub(crate) const MAX_SEPARATORS: usize = 2000;

/// Rejects input whose bracket nesting is deeper than [`MAX_NESTING`] without parsing it, so the
/// recursive parser and the analyzer never recurse deeply. Quotes are ignored on purpose: that
/// only over-counts, which errs towards asking.
pub(crate) fn precheck(src: &str) -> Result<(), String> {
    let mut depth = 0usize;
    let mut max = 0usize;
    let mut backticks = 0usize;
    let mut separators = 0usize;
    for b in src.bytes() {
        match b {
            // The parser costs tens of microseconds per command; thousands of chained commands
            // would take longer than the gate may. Over-counted inside quotes: errs to asking.
            b';' | b'&' | b'|' | b'\n' => separators += 1,
            b'(' | b'{' => {
                depth += 1;
                max = max.max(depth);
            }
            b')' | b'}' => depth = depth.saturating_sub(1),
            b'`' => backticks += 1,
            _ => {}
        }
    }
    if max > MAX_NESTING {
        return Err(format!(
            "the command nests brackets deeper than {MAX_NESTING} levels"
        ));
    }
    if separators > MAX_SEPARATORS {
        return Err(format!(
            "the command chains more than {MAX_SEPARATORS} commands"
        ));
    }
    if backticks > 4 * MAX_NESTING {
        return Err("the command has too many backtick substitutions".into());
    }
    Ok(())
}

/// Parses a bash program.
pub(crate) fn parse(src: &str) -> Result<ast::Program, String> {
    let opts = brush_parser::ParserOptions::default();
    let mut parser = brush_parser::Parser::new(std::io::Cursor::new(src.as_bytes()), &opts);
    parser.parse_program().map_err(|e| e.to_string())
}

/// Whether `src` parses (for tests and callers that want to know without analyzing). The parser
/// can panic on some inputs (an unwrap in brush-parser's tokenizer): that is "does not parse".
pub fn parses(src: &str) -> bool {
    precheck(src).is_ok() && std::panic::catch_unwind(|| parse(src).is_ok()).unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regression_parses_panicked_on_a_heredoc_inside_a_substitution() {
        // brush-parser 0.4.0 unwraps a None in its tokenizer on this input (found by the
        // rein-policy property test in CI).
        assert!(!parses("''\nEOF\n$'\\x72'$(<<EOF\n)\nEOF\n"));
    }
}
