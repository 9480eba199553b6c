//! brush-parser glue and cheap pre-checks that keep pathological input away from the parser.

use brush_parser::ast;

/// Deepest nesting of `(`, `{`, `$(` and backticks accepted before parsing.
pub(crate) const MAX_NESTING: usize = 64;

/// Rejects input whose bracket nesting is deeper than [`MAX_NESTING`] without parsing it, so the
/// recursive parser and the analyzer never recurse deeply. Quotes are ignored on purpose: that
/// only over-counts, which errs towards asking.
pub(crate) fn precheck(src: &str) -> Result<(), String> {
    let mut depth = 0usize;
    let mut max = 0usize;
    let mut backticks = 0usize;
    for b in src.bytes() {
        match b {
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

/// Whether `src` parses (for tests and callers that want to know without analyzing).
pub fn parses(src: &str) -> bool {
    precheck(src).is_ok() && parse(src).is_ok()
}
