//! JSON with comments (`//`, `/* */`) and trailing commas, as VS Code, Cursor and Zed read
//! their settings: a hand-written recursive-descent parser whose recursion is bounded by
//! [`MAX_DEPTH`], tracking the exact position of every key and value.

use crate::doc::{Entry, MAX_DEPTH, MAX_NODES, Node, ParseError, Pos, Value};

use super::{error, too_deep, too_many_nodes};

/// Parses a JSONC document; `None` when it holds no value (only whitespace and comments).
pub(super) fn parse(text: &str) -> Result<Option<Node>, ParseError> {
    let mut p = Parser {
        text,
        bytes: text.as_bytes(),
        i: 0,
        line: 1,
        column: 1,
        nodes: 0,
    };
    p.skip_trivia()?;
    if p.at_end() {
        return Ok(None);
    }
    let root = p.value(0)?;
    p.skip_trivia()?;
    if !p.at_end() {
        return Err(error(p.pos(), "unexpected content after the value"));
    }
    Ok(Some(root))
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    /// Byte offset of the next character.
    i: usize,
    line: u32,
    column: u32,
    nodes: usize,
}

impl Parser<'_> {
    fn pos(&self) -> Pos {
        Pos {
            line: self.line,
            column: self.column,
        }
    }

    fn at_end(&self) -> bool {
        self.i >= self.bytes.len()
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.i).copied()
    }

    fn peek_at(&self, ahead: usize) -> Option<u8> {
        self.bytes.get(self.i + ahead).copied()
    }

    /// The character at the cursor, for messages.
    fn peek_char(&self) -> Option<char> {
        self.text.get(self.i..).and_then(|s| s.chars().next())
    }

    /// Moves past one ASCII byte.
    fn bump_ascii(&mut self) {
        if self.peek() == Some(b'\n') {
            self.line += 1;
            self.column = 1;
        } else {
            self.column += 1;
        }
        self.i += 1;
    }

    /// Moves past one character.
    fn bump(&mut self) {
        match self.peek() {
            None => {}
            Some(b) if b < 0x80 => self.bump_ascii(),
            Some(_) => {
                self.i += self.peek_char().map_or(1, char::len_utf8);
                self.column += 1;
            }
        }
    }

    /// Skips whitespace and comments.
    fn skip_trivia(&mut self) -> Result<(), ParseError> {
        loop {
            match self.peek() {
                Some(b' ' | b'\t' | b'\n' | b'\r') => self.bump_ascii(),
                Some(b'/') if self.peek_at(1) == Some(b'/') => {
                    while !self.at_end() && self.peek() != Some(b'\n') {
                        self.bump();
                    }
                }
                Some(b'/') if self.peek_at(1) == Some(b'*') => {
                    let start = self.pos();
                    self.bump_ascii();
                    self.bump_ascii();
                    loop {
                        match self.peek() {
                            None => return Err(error(start, "unterminated comment")),
                            Some(b'*') if self.peek_at(1) == Some(b'/') => {
                                self.bump_ascii();
                                self.bump_ascii();
                                break;
                            }
                            Some(_) => self.bump(),
                        }
                    }
                }
                // Some editors write a non-breaking space or another Unicode space by mistake;
                // JSON does not allow them, and neither do we (they are reported as unexpected).
                _ => return Ok(()),
            }
        }
    }

    fn unexpected(&self) -> ParseError {
        match self.peek_char() {
            None => error(self.pos(), "unexpected end of input"),
            Some(c) => error(self.pos(), format!("unexpected character {c:?}")),
        }
    }

    fn count_node(&mut self, pos: Pos) -> Result<(), ParseError> {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return Err(too_many_nodes(pos));
        }
        Ok(())
    }

    /// Parses a value at the cursor (trivia already skipped); `depth` is the number of
    /// containers around it.
    fn value(&mut self, depth: usize) -> Result<Node, ParseError> {
        let pos = self.pos();
        let value = match self.peek() {
            Some(b'{') => {
                if depth >= MAX_DEPTH {
                    return Err(too_deep(pos));
                }
                self.count_node(pos)?;
                self.object(depth + 1)?
            }
            Some(b'[') => {
                if depth >= MAX_DEPTH {
                    return Err(too_deep(pos));
                }
                self.count_node(pos)?;
                self.array(depth + 1)?
            }
            // JSON5 (renovate.json5) also quotes strings with single quotes.
            Some(b'"' | b'\'') => {
                self.count_node(pos)?;
                Value::String(self.string()?)
            }
            Some(b'-' | b'0'..=b'9') => {
                self.count_node(pos)?;
                Value::Number(self.number()?)
            }
            Some(b't') if self.keyword("true") => {
                self.count_node(pos)?;
                Value::Bool(true)
            }
            Some(b'f') if self.keyword("false") => {
                self.count_node(pos)?;
                Value::Bool(false)
            }
            Some(b'n') if self.keyword("null") => {
                self.count_node(pos)?;
                Value::Null
            }
            _ => return Err(self.unexpected()),
        };
        Ok(Node { pos, value })
    }

    /// Consumes `word` if it is at the cursor and not followed by more of an identifier.
    fn keyword(&mut self, word: &str) -> bool {
        let end = self.i + word.len();
        let matches = self.bytes.get(self.i..end) == Some(word.as_bytes())
            && !self
                .bytes
                .get(end)
                .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b >= 0x80);
        if matches {
            for _ in 0..word.len() {
                self.bump_ascii();
            }
        }
        matches
    }

    fn object(&mut self, depth: usize) -> Result<Value, ParseError> {
        self.bump_ascii(); // {
        let mut entries = Vec::new();
        loop {
            self.skip_trivia()?;
            match self.peek() {
                Some(b'}') => {
                    self.bump_ascii();
                    return Ok(Value::Map(entries));
                }
                Some(b'"' | b'\'') => {}
                Some(b) if b.is_ascii_alphabetic() || b == b'_' || b == b'$' => {}
                _ => return Err(self.expected("a string key or '}'")),
            }
            let key_pos = self.pos();
            // JSON5 allows identifier keys: `{ automerge: true }`.
            let key = if matches!(self.peek(), Some(b'"' | b'\'')) {
                self.string()?
            } else {
                self.identifier()
            };
            self.skip_trivia()?;
            if self.peek() != Some(b':') {
                return Err(self.expected("':'"));
            }
            self.bump_ascii();
            self.skip_trivia()?;
            let value = self.value(depth)?;
            entries.push(Entry {
                key,
                key_pos,
                value,
            });
            self.skip_trivia()?;
            match self.peek() {
                Some(b',') => self.bump_ascii(),
                Some(b'}') => {}
                _ => return Err(self.expected("',' or '}'")),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Value, ParseError> {
        self.bump_ascii(); // [
        let mut items = Vec::new();
        loop {
            self.skip_trivia()?;
            if self.peek() == Some(b']') {
                self.bump_ascii();
                return Ok(Value::Seq(items));
            }
            items.push(self.value(depth)?);
            self.skip_trivia()?;
            match self.peek() {
                Some(b',') => self.bump_ascii(),
                Some(b']') => {}
                _ => return Err(self.expected("',' or ']'")),
            }
        }
    }

    fn expected(&self, what: &str) -> ParseError {
        match self.peek_char() {
            None => error(
                self.pos(),
                format!("expected {what}, found the end of input"),
            ),
            Some(c) => error(self.pos(), format!("expected {what}, found {c:?}")),
        }
    }

    /// An unquoted JSON5 key at the cursor.
    fn identifier(&mut self) -> String {
        let mut out = String::new();
        while let Some(b) = self.peek() {
            if !(b.is_ascii_alphanumeric() || b == b'_' || b == b'$') {
                break;
            }
            out.push(char::from(b));
            self.bump_ascii();
        }
        out
    }

    /// Parses a string literal at the cursor (on its opening quote, `"` or JSON5's `'`).
    fn string(&mut self) -> Result<String, ParseError> {
        let start = self.pos();
        let quote = self.peek().unwrap_or(b'"');
        self.bump_ascii(); // the quote
        let mut out = String::new();
        loop {
            // Copy the run of ordinary characters up to the next quote, backslash or newline.
            let run_end = self
                .bytes
                .get(self.i..)
                .unwrap_or_default()
                .iter()
                .position(|&b| b == quote || matches!(b, b'\\' | b'\n' | b'\r'))
                .map_or(self.bytes.len(), |n| self.i + n);
            if let Some(run) = self.text.get(self.i..run_end) {
                out.push_str(run);
                self.column += super::to_u32(run.chars().count());
            }
            self.i = run_end;
            match self.peek() {
                None | Some(b'\n' | b'\r') => return Err(error(start, "unterminated string")),
                Some(b) if b == quote => {
                    self.bump_ascii();
                    return Ok(out);
                }
                _ => self.escape(&mut out)?,
            }
        }
    }

    /// Decodes one escape sequence at the cursor (on its backslash).
    fn escape(&mut self, out: &mut String) -> Result<(), ParseError> {
        let pos = self.pos();
        self.bump_ascii(); // \
        let c = match self.peek() {
            Some(b'"') => '"',
            Some(b'\'') => '\'',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                self.bump_ascii();
                let unit = self.hex4(pos)?;
                let c = if (0xD800..0xDC00).contains(&unit) {
                    // A high surrogate: a low one should follow as another \u escape.
                    if self.peek() == Some(b'\\') && self.peek_at(1) == Some(b'u') {
                        let save = (self.i, self.line, self.column);
                        self.bump_ascii();
                        self.bump_ascii();
                        let low = self.hex4(pos)?;
                        if (0xDC00..0xE000).contains(&low) {
                            let code = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                            char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER)
                        } else {
                            // Not a low surrogate: leave it to be decoded on its own.
                            (self.i, self.line, self.column) = save;
                            char::REPLACEMENT_CHARACTER
                        }
                    } else {
                        char::REPLACEMENT_CHARACTER
                    }
                } else {
                    // Lone low surrogates have no char and become U+FFFD.
                    char::from_u32(unit).unwrap_or(char::REPLACEMENT_CHARACTER)
                };
                out.push(c);
                return Ok(());
            }
            None => return Err(error(pos, "unterminated string")),
            Some(_) => {
                let shown = self.peek_char().unwrap_or('?');
                return Err(error(pos, format!("invalid escape '\\{shown}'")));
            }
        };
        self.bump_ascii();
        out.push(c);
        Ok(())
    }

    /// Reads four hex digits of a `\u` escape that starts at `escape`.
    fn hex4(&mut self, escape: Pos) -> Result<u32, ParseError> {
        let mut unit = 0;
        for _ in 0..4 {
            let digit = self
                .peek()
                .and_then(|b| char::from(b).to_digit(16))
                .ok_or_else(|| error(escape, "invalid \\u escape: expected four hex digits"))?;
            unit = unit * 16 + digit;
            self.bump_ascii();
        }
        Ok(unit)
    }

    /// Parses a number at the cursor, keeping it as written.
    fn number(&mut self) -> Result<String, ParseError> {
        let start = self.i;
        let start_pos = self.pos();
        let invalid = |p: &Self| {
            let end = p
                .bytes
                .get(p.i..)
                .unwrap_or_default()
                .iter()
                .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'+')))
                .map_or(p.bytes.len(), |n| p.i + n);
            let written = p.text.get(start..end).unwrap_or("");
            error(start_pos, format!("invalid number {written:?}"))
        };
        if self.peek() == Some(b'-') {
            self.bump_ascii();
        }
        match self.peek() {
            Some(b'0') => self.bump_ascii(),
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(invalid(self)),
        }
        if self.peek() == Some(b'.') {
            self.bump_ascii();
            if !self.peek().is_some_and(|b| b.is_ascii_digit()) {
                return Err(invalid(self));
            }
            self.digits();
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.bump_ascii();
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.bump_ascii();
            }
            if !self.peek().is_some_and(|b| b.is_ascii_digit()) {
                return Err(invalid(self));
            }
            self.digits();
        }
        if self
            .peek()
            .is_some_and(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_'))
        {
            return Err(invalid(self));
        }
        Ok(self.text.get(start..self.i).unwrap_or("").to_owned())
    }

    fn digits(&mut self) {
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.bump_ascii();
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
        parse(text).expect("parses").expect("has a value")
    }

    fn err(text: &str) -> ParseError {
        parse(text).expect_err("fails")
    }

    const MCP_JSON: &str = r#"// .vscode/mcp.json
{
  /* servers VS Code starts */
  "servers": {
    "github": {
      "type": "stdio",
      "command": "npx",
      "args": ["-y", "@modelcontextprotocol/server-github",],  // trailing comma
      "env": { "GITHUB_TOKEN": "${input:token}", },
    },
  },
	"inputs": [{"id": "token", "password": true, "n": -1.5e3}],
}
"#;

    #[test]
    fn vscode_mcp_json_positions() {
        let root = root(MCP_JSON);
        assert_eq!(root.pos, p(2, 1));
        let servers = root.entry("servers").expect("servers");
        assert_eq!(servers.key_pos, p(4, 3));
        assert_eq!(servers.value.pos, p(4, 14));
        let github = root.at(&["servers", "github"]).expect("github");
        assert_eq!(github.pos, p(5, 15));
        let command = github.entry("command").expect("command");
        assert_eq!(command.key_pos, p(7, 7));
        assert_eq!(command.value.pos, p(7, 18));
        assert_eq!(command.value.as_str(), Some("npx"));
        let args = github.get("args").expect("args").items();
        assert_eq!(args.len(), 2);
        assert_eq!(args[1].pos, p(8, 22));
        assert_eq!(
            args[1].as_str(),
            Some("@modelcontextprotocol/server-github")
        );
        let token = github.at(&["env", "GITHUB_TOKEN"]).expect("token");
        assert_eq!(token.pos, p(9, 32));
        // A tab counts as one column.
        let inputs = root.entry("inputs").expect("inputs");
        assert_eq!(inputs.key_pos, p(12, 2));
        let input = &inputs.value.items()[0];
        assert_eq!(
            input.get("password").map(|n| &n.value),
            Some(&Value::Bool(true))
        );
        assert_eq!(
            input.get("n").map(|n| &n.value),
            Some(&Value::Number("-1.5e3".into()))
        );
    }

    #[test]
    fn strings_are_unescaped() {
        let root =
            root(r#"["a\"b\\c\/\n\t\u00e9", "\ud83d\ude00", "\ud800x", "\udc00", "\ud800\u0041"]"#);
        let strings: Vec<_> = root.items().iter().filter_map(Node::as_str).collect();
        assert_eq!(
            strings,
            [
                "a\"b\\c/\n\té",
                "\u{1F600}",
                "\u{FFFD}x",
                "\u{FFFD}",
                "\u{FFFD}A"
            ]
        );
    }

    #[test]
    fn columns_count_characters() {
        let root = root("{\"é€😀\": \"ü\", \"k\": 1}");
        let k = root.entry("k").expect("k");
        assert_eq!(k.key_pos, p(1, 14));
        assert_eq!(root.get("é€😀").map(|n| n.pos), Some(p(1, 9)));
    }

    #[test]
    fn empty_documents_have_no_root() {
        assert_eq!(parse("  // nothing\n/* here */\n"), Ok(None));
        assert_eq!(parse(""), Ok(None));
    }

    #[test]
    fn errors_have_positions() {
        let e = err("{\n  \"a\": \"unterminated\n}");
        assert_eq!(
            (e.pos, e.message.as_str()),
            (p(2, 8), "unterminated string")
        );
        assert_eq!(err("{\"a\" 1}").pos, p(1, 6));
        assert_eq!(err("[1,,2]").pos, p(1, 4));
        assert_eq!(err("{,}").pos, p(1, 2));
        assert_eq!(err("[1] x").pos, p(1, 5));
        assert_eq!(err("/* open").pos, p(1, 1));
        assert_eq!(err("[01]").pos, p(1, 2));
        assert_eq!(err("[1.]").pos, p(1, 2));
        assert_eq!(err("[tru]").pos, p(1, 2));
        assert_eq!(err("[truex]").pos, p(1, 2));
        assert_eq!(err("[\"\\x\"]").pos, p(1, 3));
        assert_eq!(err("[\"\\u12\"]").pos, p(1, 3));
        assert_eq!(err("{a b: 1}").pos, p(1, 4));
        let e = err("[");
        assert_eq!(
            (e.pos, e.message.as_str()),
            (p(1, 2), "unexpected end of input")
        );
    }

    #[test]
    fn depth_is_bounded() {
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(parse(&ok).is_ok());
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        let e = err(&deep);
        assert_eq!(e.pos, p(1, super::super::to_u32(MAX_DEPTH) + 1));
        let e = err(&"{\"a\":".repeat(100_000));
        assert!(e.message.contains("nesting"), "{e:?}");
    }

    #[test]
    fn json5_keys_and_single_quotes_are_read() {
        let r = root("{ automerge: true, 'extends': ['config:recommended'], $schema: 'x' }");
        assert_eq!(r.get("automerge").and_then(Node::as_bool), Some(true));
        assert_eq!(r.get("extends").map(|n| n.items().len()), Some(1));
        assert_eq!(r.get("$schema").and_then(Node::as_str), Some("x"));
        assert_eq!(
            root(r#"{"a": 'it\'s'}"#).get("a").and_then(Node::as_str),
            Some("it's")
        );
    }

    #[test]
    fn duplicate_keys_are_kept() {
        let root = root(r#"{"a": 1, "a": 2}"#);
        assert_eq!(root.entries().len(), 2);
        assert_eq!(
            root.get("a").map(|n| &n.value),
            Some(&Value::Number("2".into()))
        );
    }
}
