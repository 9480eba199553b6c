//! Static word evaluation: quotes, ANSI-C strings, escapes, brace expansion, `~`, parameters,
//! command substitutions (analyzed for their effects, value unknown) and word splitting.
//!
//! Words arrive as raw source text delimited by brush-parser; this module scans them itself so
//! that it knows, character by character, what was quoted (for globbing and splitting) and can
//! render unknown parts as their source text (`$x`, `$(…)`), which keeps re-analysis honest.

use crate::walk::{Analyzer, Call, Flow, Var};

/// One evaluated shell word (a field after splitting).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Arg {
    /// The value; unknown parts are rendered as their source text.
    pub text: String,
    /// False when any part depends on a value not known before run time.
    pub known: bool,
    /// A glob pattern (quoted metacharacters backslash-escaped) when the word has unquoted
    /// `*`, `?` or `[`.
    pub pattern: Option<String>,
    /// Set when an unknown part is data fetched from the network (the URL).
    pub remote: Option<String>,
    /// Set when an unknown part is decoded data (`$(echo … | base64 -d)`).
    pub decoded: bool,
    /// The literal text before the first unknown part.
    pub known_prefix: String,
}

impl Arg {
    /// A fully known literal argument.
    pub fn lit(text: impl Into<String>) -> Arg {
        let text = text.into();
        Arg {
            known_prefix: text.clone(),
            text,
            known: true,
            ..Arg::default()
        }
    }

    /// An argument whose value is unknown, shown as `repr`.
    pub fn unknown(repr: impl Into<String>) -> Arg {
        Arg {
            text: repr.into(),
            known: false,
            ..Arg::default()
        }
    }
}

#[derive(Debug, Clone)]
enum Seg {
    Lit {
        text: String,
        quoted: bool,
    },
    Unknown {
        repr: String,
        remote: Option<String>,
        decoded: bool,
    },
}

#[derive(Debug, Default, Clone)]
struct Field {
    segs: Vec<Seg>,
    /// A quoted piece or literal text was seen: the field survives even if empty.
    solid: bool,
}

#[derive(Default)]
struct Builder {
    fields: Vec<Field>,
    cur: Field,
}

impl Builder {
    fn lit(&mut self, text: &str, quoted: bool) {
        self.cur.solid = true;
        if let Some(Seg::Lit { text: t, quoted: q }) = self.cur.segs.last_mut()
            && *q == quoted
        {
            t.push_str(text);
            return;
        }
        self.cur.segs.push(Seg::Lit {
            text: text.to_string(),
            quoted,
        });
    }

    fn unknown(&mut self, repr: String, remote: Option<String>, decoded: bool) {
        self.cur.segs.push(Seg::Unknown {
            repr,
            remote,
            decoded,
        });
    }

    fn end_field(&mut self) {
        let f = std::mem::take(&mut self.cur);
        if f.solid || !f.segs.is_empty() {
            self.fields.push(f);
        }
    }

    /// An unquoted known expansion: split on the characters of `ifs` (empty fields dropped).
    fn split(&mut self, text: &str, ifs: &str) {
        if ifs.is_empty() {
            self.lit(text, true);
            return;
        }
        let is_sep = |c: char| ifs.contains(c);
        if text.starts_with(is_sep) {
            self.end_field();
        }
        let mut first = true;
        let mut any = false;
        for w in text.split(is_sep).filter(|w| !w.is_empty()) {
            if !first {
                self.end_field();
            }
            first = false;
            any = true;
            self.lit(w, true);
        }
        if text.ends_with(is_sep) && any {
            self.end_field();
        }
    }

    fn finish(mut self) -> Vec<Field> {
        self.end_field();
        self.fields
    }
}

fn field_to_arg(f: Field) -> Arg {
    let mut arg = Arg {
        known: true,
        ..Arg::default()
    };
    let mut pattern = String::new();
    let mut has_glob = false;
    let mut prefix_done = false;
    for seg in f.segs {
        match seg {
            Seg::Lit { text, quoted } => {
                arg.text.push_str(&text);
                if !prefix_done {
                    arg.known_prefix.push_str(&text);
                }
                for c in text.chars() {
                    if matches!(c, '*' | '?' | '[' | ']' | '\\') {
                        if quoted || c == '\\' {
                            pattern.push('\\');
                        } else if c != ']' {
                            has_glob = true;
                        }
                    }
                    pattern.push(c);
                }
            }
            Seg::Unknown {
                repr,
                remote,
                decoded,
            } => {
                arg.known = false;
                prefix_done = true;
                arg.text.push_str(&repr);
                if arg.remote.is_none() {
                    arg.remote = remote;
                }
                arg.decoded |= decoded;
            }
        }
    }
    if has_glob && arg.known {
        arg.pattern = Some(pattern);
    }
    arg
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Unquoted,
    Double,
    Heredoc,
}

// ---- delimiter scanning (also used to split raw strings into words) ----

/// Index of the closing `'` for a quote opened before `i`.
fn squote_end(c: &[char], i: usize) -> Option<usize> {
    (i..c.len()).find(|&j| c.get(j) == Some(&'\''))
}

/// Index of the first unescaped `close` from `i` on (backslash escapes honored): the end of
/// an ANSI-C string or of a backtick substitution.
fn escaped_end(c: &[char], mut i: usize, close: char) -> Option<usize> {
    while let Some(&ch) = c.get(i) {
        match ch {
            '\\' => i += 2,
            ch if ch == close => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// Index of the closing `'` of an ANSI-C string.
fn ansi_end(c: &[char], i: usize) -> Option<usize> {
    escaped_end(c, i, '\'')
}

/// Index of the closing `"` for a string whose content starts at `i`.
fn dquote_end(c: &[char], mut i: usize) -> Option<usize> {
    while let Some(&ch) = c.get(i) {
        match ch {
            '\\' => i += 2,
            '"' => return Some(i),
            '`' => i = backtick_end(c, i + 1)? + 1,
            '$' if c.get(i + 1) == Some(&'(') => i = paren_end(c, i + 2)? + 1,
            '$' if c.get(i + 1) == Some(&'{') => i = brace_end(c, i + 2)? + 1,
            _ => i += 1,
        }
    }
    None
}

/// Index of the closing backtick for content starting at `i`.
fn backtick_end(c: &[char], i: usize) -> Option<usize> {
    escaped_end(c, i, '`')
}

/// Index of the `)` closing a `$(` or `(` whose content starts at `i`.
pub(crate) fn paren_end(c: &[char], mut i: usize) -> Option<usize> {
    let mut depth = 1usize;
    while let Some(&ch) = c.get(i) {
        match ch {
            '\\' => i += 1,
            '\'' => i = squote_end(c, i + 1)?,
            '"' => i = dquote_end(c, i + 1)?,
            '`' => i = backtick_end(c, i + 1)?,
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Index of the `}` closing a `${` whose content starts at `i`.
fn brace_end(c: &[char], mut i: usize) -> Option<usize> {
    let mut depth = 1usize;
    while let Some(&ch) = c.get(i) {
        match ch {
            '\\' => i += 1,
            '\'' => i = squote_end(c, i + 1)?,
            '"' => i = dquote_end(c, i + 1)?,
            '`' => i = backtick_end(c, i + 1)?,
            '$' if c.get(i + 1) == Some(&'(') => i = paren_end(c, i + 2)?,
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Skips one quoted or substituted construct starting at `i`, returning the index after it, or
/// `None` if `c[i]` starts none.
fn skip_construct(c: &[char], i: usize) -> Option<usize> {
    let end = match (c.get(i), c.get(i + 1)) {
        (Some('\\'), _) => Some(i + 1),
        (Some('\''), _) => squote_end(c, i + 1),
        (Some('"'), _) => dquote_end(c, i + 1),
        (Some('`'), _) => backtick_end(c, i + 1),
        (Some('$'), Some('\'')) => ansi_end(c, i + 2),
        (Some('$'), Some('(')) => paren_end(c, i + 2),
        (Some('$'), Some('{')) => brace_end(c, i + 2),
        _ => return None,
    };
    Some(end.map_or(c.len(), |e| e + 1))
}

/// Splits raw text into shell words on unquoted whitespace, keeping quotes (for `env -S`,
/// `git -c alias.x=…` values and similar re-parsed strings).
pub(crate) fn split_raw_words(s: &str) -> Vec<String> {
    let c: Vec<char> = s.chars().collect();
    let mut words = Vec::new();
    let mut start: Option<usize> = None;
    let mut i = 0;
    while i < c.len() {
        let ch = c.get(i).copied().unwrap_or(' ');
        if ch.is_whitespace() {
            if let Some(st) = start.take() {
                words.push(c.get(st..i).unwrap_or_default().iter().collect());
            }
            i += 1;
            continue;
        }
        if start.is_none() {
            start = Some(i);
        }
        i = skip_construct(&c, i).unwrap_or(i + 1).max(i + 1);
    }
    if let Some(st) = start {
        words.push(c.get(st..).unwrap_or_default().iter().collect());
    }
    words
}

// ---- brace expansion ----

const MAX_BRACE_RESULTS: usize = 256;

/// Bash brace expansion on raw text (before other expansions), bounded.
#[cfg(test)]
pub(crate) fn brace_expand(raw: &str) -> Vec<String> {
    brace_expand_checked(raw).0
}

/// Like [`brace_expand`]; the flag is set when the expansion was cut at its bound (bash would
/// go on, to millions of words: a denial of service the caller must not allow silently).
pub(crate) fn brace_expand_checked(raw: &str) -> (Vec<String>, bool) {
    let mut out = Vec::new();
    let mut cut = false;
    expand_into(raw, &mut out, 0, &mut cut);
    if out.is_empty() {
        out.push(raw.to_string());
    }
    (out, cut)
}

fn expand_into(raw: &str, out: &mut Vec<String>, depth: usize, cut: &mut bool) {
    if out.len() >= MAX_BRACE_RESULTS || depth > 8 {
        *cut = true;
        out.push(raw.to_string());
        return;
    }
    let c: Vec<char> = raw.chars().collect();
    let mut i = 0;
    while i < c.len() {
        if let Some(next) = skip_construct(&c, i) {
            i = next.max(i + 1);
            continue;
        }
        if c.get(i) == Some(&'{')
            && let Some((end, alts)) = brace_alternatives(&c, i)
        {
            let pre: String = c.get(..i).unwrap_or_default().iter().collect();
            let post: String = c.get(end + 1..).unwrap_or_default().iter().collect();
            for alt in alts {
                if out.len() >= MAX_BRACE_RESULTS {
                    *cut = true;
                    return;
                }
                expand_into(&format!("{pre}{alt}{post}"), out, depth + 1, cut);
            }
            return;
        }
        i += 1;
    }
    out.push(raw.to_string());
}

/// If a brace expression opens at `open`, its closing index and alternatives.
fn brace_alternatives(c: &[char], open: usize) -> Option<(usize, Vec<String>)> {
    let mut depth = 0usize;
    let mut i = open + 1;
    let mut commas = Vec::new();
    while i < c.len() {
        if let Some(next) = skip_construct(c, i) {
            i = next.max(i + 1);
            continue;
        }
        match c.get(i) {
            Some('{') => depth += 1,
            Some('}') if depth == 0 => break,
            Some('}') => depth -= 1,
            Some(',') if depth == 0 => commas.push(i),
            _ => {}
        }
        i += 1;
    }
    if i >= c.len() {
        return None;
    }
    let text = |a: usize, b: usize| -> String { c.get(a..b).unwrap_or_default().iter().collect() };
    if !commas.is_empty() {
        let mut alts = Vec::new();
        let mut start = open + 1;
        for &cm in &commas {
            alts.push(text(start, cm));
            start = cm + 1;
        }
        alts.push(text(start, i));
        return Some((i, alts));
    }
    let inner = text(open + 1, i);
    sequence(&inner).map(|alts| (i, alts))
}

/// `{1..5}`, `{a..e}`, `{1..10..2}`, bounded.
fn sequence(inner: &str) -> Option<Vec<String>> {
    let parts: Vec<&str> = inner.split("..").collect();
    if parts.len() != 2 && parts.len() != 3 {
        return None;
    }
    let (a, b) = (parts.first()?, parts.get(1)?);
    let step: i64 = match parts.get(2) {
        Some(s) => s.parse::<i64>().ok()?.checked_abs()?.max(1),
        None => 1,
    };
    if let (Ok(x), Ok(y)) = (a.parse::<i64>(), b.parse::<i64>()) {
        let count = (x.abs_diff(y) / step.unsigned_abs()) + 1;
        if count > MAX_BRACE_RESULTS as u64 {
            return None;
        }
        let mut v = Vec::new();
        let mut n = x;
        for _ in 0..count {
            v.push(n.to_string());
            n = if x <= y { n + step } else { n - step };
        }
        return Some(v);
    }
    let (mut ca, mut cb) = (a.chars(), b.chars());
    match (ca.next(), ca.next(), cb.next(), cb.next()) {
        (Some(x), None, Some(y), None) if x.is_ascii_alphabetic() && y.is_ascii_alphabetic() => {
            let (lo, hi) = (x.min(y) as u8, x.max(y) as u8);
            let mut v: Vec<String> = (lo..=hi)
                .step_by(usize::try_from(step).ok()?)
                .map(|b| (b as char).to_string())
                .collect();
            if x > y {
                v.reverse();
            }
            Some(v)
        }
        _ => None,
    }
}

// ---- ANSI-C and echo escapes ----

/// Decodes backslash escapes as in `$'…'` (and `echo -e`/`printf` when `echo_mode`).
pub(crate) fn decode_escapes(s: &str, echo_mode: bool) -> String {
    let c: Vec<char> = s.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while let Some(&ch) = c.get(i) {
        i += 1;
        if ch != '\\' {
            out.push(ch);
            continue;
        }
        let Some(&e) = c.get(i) else {
            out.push('\\');
            break;
        };
        i += 1;
        match e {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            'a' => out.push('\x07'),
            'b' => out.push('\x08'),
            'f' => out.push('\x0c'),
            'v' => out.push('\x0b'),
            'e' | 'E' => out.push('\x1b'),
            '\\' => out.push('\\'),
            '\'' => out.push('\''),
            '"' => out.push('"'),
            '?' => out.push('?'),
            'x' => {
                let (v, n) = read_radix(&c, i, 16, 2);
                if n == 0 {
                    out.push_str("\\x");
                } else {
                    out.push(char::from_u32(v).unwrap_or('\u{fffd}'));
                    i += n;
                }
            }
            'u' | 'U' => {
                let (v, n) = read_radix(&c, i, 16, if e == 'u' { 4 } else { 8 });
                if n == 0 {
                    out.push('\\');
                    out.push(e);
                } else {
                    out.push(char::from_u32(v).unwrap_or('\u{fffd}'));
                    i += n;
                }
            }
            '0'..='7' => {
                // `$'\101'` takes up to three digits; echo's `\0101` up to three after the 0.
                let start = if echo_mode && e == '0' { i } else { i - 1 };
                let (v, n) = read_radix(&c, start, 8, 3);
                out.push(char::from_u32(v).unwrap_or('\u{fffd}'));
                i = start + n;
            }
            'c' if echo_mode => break,
            other => {
                out.push('\\');
                out.push(other);
            }
        }
    }
    out
}

fn read_radix(c: &[char], i: usize, radix: u32, max: usize) -> (u32, usize) {
    let mut v: u32 = 0;
    let mut n = 0;
    while n < max {
        match c.get(i + n).and_then(|d| d.to_digit(radix)) {
            Some(d) => {
                v = v.saturating_mul(radix).saturating_add(d);
                n += 1;
            }
            None => break,
        }
    }
    (v, n)
}

fn is_name_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

impl Analyzer<'_> {
    /// Evaluates one raw word into fields (brace expansion, expansions, splitting).
    pub(crate) fn eval_word(&mut self, raw: &str, call: &Call) -> Vec<Arg> {
        let mut args = Vec::new();
        let (words, cut) = brace_expand_checked(raw);
        if cut {
            self.unresolved(
                crate::UnresolvedKind::Budget,
                format!(
                    "the brace expansion in `{}` is larger than {MAX_BRACE_RESULTS} words",
                    clip(raw)
                ),
            );
        }
        for w in words {
            let chars: Vec<char> = w.chars().collect();
            let mut b = Builder::default();
            self.scan(&chars, Mode::Unquoted, &mut b, call, true);
            args.extend(b.finish().into_iter().map(field_to_arg));
        }
        args
    }

    /// Evaluates a word without splitting (assignment values, redirect targets).
    pub(crate) fn eval_single(&mut self, raw: &str, call: &Call) -> Arg {
        let chars: Vec<char> = raw.chars().collect();
        let mut b = Builder::default();
        self.scan_nosplit(&chars, &mut b, call);
        let mut fields = b.finish();
        match fields.len() {
            0 => Arg::lit(""),
            1 => fields.pop().map(field_to_arg).unwrap_or_default(),
            _ => {
                let mut f = Field::default();
                for x in fields {
                    f.segs.extend(x.segs);
                }
                field_to_arg(f)
            }
        }
    }

    fn scan_nosplit(&mut self, chars: &[char], b: &mut Builder, call: &Call) {
        // Assignments and redirect targets are not split: scan as unquoted, then merge fields.
        let mut inner = Builder::default();
        self.scan(chars, Mode::Unquoted, &mut inner, call, true);
        for f in inner.finish() {
            b.cur.solid |= f.solid;
            b.cur.segs.extend(f.segs);
        }
    }

    /// Evaluates an unquoted heredoc body (parameters, substitutions, `\$` escapes).
    pub(crate) fn eval_heredoc(&mut self, body: &str, call: &Call) -> Arg {
        let chars: Vec<char> = body.chars().collect();
        let mut b = Builder::default();
        self.scan(&chars, Mode::Heredoc, &mut b, call, false);
        let mut f = Field::default();
        for x in b.finish() {
            f.segs.extend(x.segs);
        }
        field_to_arg(f)
    }

    /// Runs the substitutions inside text for their effects only (arithmetic, `[[ ]]` operands).
    pub(crate) fn scan_for_effects(&mut self, text: &str, call: &Call) {
        let chars: Vec<char> = text.chars().collect();
        let mut b = Builder::default();
        self.scan(&chars, Mode::Heredoc, &mut b, call, false);
    }

    fn scan(&mut self, c: &[char], mode: Mode, b: &mut Builder, call: &Call, word_start: bool) {
        let quoted = mode != Mode::Unquoted;
        let mut i = 0;
        let mut lit = String::new();
        macro_rules! flush {
            () => {
                if !lit.is_empty() {
                    b.lit(&lit, quoted);
                    lit.clear();
                }
            };
        }
        while let Some(&ch) = c.get(i) {
            if self.stopped() {
                return;
            }
            match ch {
                '\\' => {
                    let next = c.get(i + 1).copied();
                    match (mode, next) {
                        (_, Some('\n')) => {}
                        (Mode::Unquoted, Some(n)) => {
                            flush!();
                            b.lit(&n.to_string(), true);
                        }
                        (_, Some(n)) if matches!(n, '$' | '`' | '\\') => lit.push(n),
                        (Mode::Double, Some('"')) => lit.push('"'),
                        (_, Some(n)) => {
                            lit.push('\\');
                            lit.push(n);
                        }
                        (_, None) => lit.push('\\'),
                    }
                    i += 2;
                }
                '\'' if mode == Mode::Unquoted => {
                    flush!();
                    let end = squote_end(c, i + 1).unwrap_or(c.len());
                    let s: String = c.get(i + 1..end).unwrap_or_default().iter().collect();
                    b.lit(&s, true);
                    i = end + 1;
                }
                '"' if mode == Mode::Unquoted => {
                    flush!();
                    let end = dquote_end(c, i + 1).unwrap_or(c.len());
                    let inner = c.get(i + 1..end).unwrap_or_default();
                    b.lit("", true);
                    self.scan(inner, Mode::Double, b, call, false);
                    i = end + 1;
                }
                '`' => {
                    flush!();
                    let end = backtick_end(c, i + 1).unwrap_or(c.len());
                    let raw: String = c.get(i + 1..end).unwrap_or_default().iter().collect();
                    let inner = raw
                        .replace("\\`", "`")
                        .replace("\\$", "$")
                        .replace("\\\\", "\\");
                    let flow = self.substitute(&inner, call);
                    if let Some(v) = self.sub_value(&flow) {
                        self.push_known(b, &v, quoted, &format!("`{}`", clip(&raw)));
                    } else {
                        let (remote, decoded) = flow_taint(&flow);
                        b.unknown(format!("`{}`", clip(&raw)), remote, decoded);
                    }
                    i = end + 1;
                }
                '~' if i == 0 && word_start && mode == Mode::Unquoted => {
                    let mut j = 1;
                    while let Some(&d) = c.get(j) {
                        if d == '/' || !(is_name_char(d) || d == '-' || d == '.' || d == '+') {
                            break;
                        }
                        j += 1;
                    }
                    let user: String = c.get(1..j).unwrap_or_default().iter().collect();
                    if matches!(c.get(j), None | Some('/')) {
                        let home = match user.as_str() {
                            "" => Some(self.ctx.home.to_string_lossy().into_owned()),
                            "+" => Some(self.cwd.to_string_lossy().into_owned()),
                            "root" => Some("/root".to_string()),
                            u if u.chars().all(|x| is_name_char(x) || x == '-' || x == '.') => {
                                Some(format!("/home/{u}"))
                            }
                            _ => None,
                        };
                        if let Some(h) = home {
                            b.lit(&h, true);
                            i = j;
                            continue;
                        }
                    }
                    lit.push('~');
                    i += 1;
                }
                '$' => {
                    flush!();
                    i = self.dollar(c, i, mode, b, call);
                }
                _ => {
                    lit.push(ch);
                    i += 1;
                }
            }
        }
        flush!();
    }

    /// Handles a `$` at `c[i]`; returns the index after the construct.
    fn dollar(&mut self, c: &[char], i: usize, mode: Mode, b: &mut Builder, call: &Call) -> usize {
        let quoted = mode != Mode::Unquoted;
        match c.get(i + 1).copied() {
            Some('\'') if mode == Mode::Unquoted => {
                let end = ansi_end(c, i + 2).unwrap_or(c.len());
                let s: String = c.get(i + 2..end).unwrap_or_default().iter().collect();
                b.lit(&decode_escapes(&s, false), true);
                end + 1
            }
            Some('"') if mode == Mode::Unquoted => {
                let end = dquote_end(c, i + 2).unwrap_or(c.len());
                b.lit("", true);
                self.scan(
                    c.get(i + 2..end).unwrap_or_default(),
                    Mode::Double,
                    b,
                    call,
                    false,
                );
                end + 1
            }
            Some('(') if c.get(i + 2) == Some(&'(') => {
                // Arithmetic: value unknown, but substitutions inside still run.
                let end = paren_end(c, i + 2).unwrap_or(c.len());
                let inner: String = c.get(i + 3..end).unwrap_or_default().iter().collect();
                self.scan_for_effects(&inner, call);
                let end = if c.get(end + 1) == Some(&')') {
                    end + 1
                } else {
                    end
                };
                b.unknown(format!("$(({}))", clip(&inner)), None, false);
                end + 1
            }
            Some('(') => {
                let end = paren_end(c, i + 2).unwrap_or(c.len());
                let inner: String = c.get(i + 2..end).unwrap_or_default().iter().collect();
                let flow = self.substitute(&inner, call);
                if let Some(v) = self.sub_value(&flow) {
                    self.push_known(b, &v, quoted, &format!("$({})", clip(&inner)));
                } else {
                    let (remote, decoded) = flow_taint(&flow);
                    b.unknown(format!("$({})", clip(&inner)), remote, decoded);
                }
                end + 1
            }
            Some('{') => {
                let end = brace_end(c, i + 2).unwrap_or(c.len());
                let inner: String = c.get(i + 2..end).unwrap_or_default().iter().collect();
                self.param_expr(&inner, quoted, b, call);
                end + 1
            }
            Some(n) if is_name_start(n) => {
                let mut j = i + 1;
                while c.get(j).is_some_and(|&d| is_name_char(d)) {
                    j += 1;
                }
                let name: String = c.get(i + 1..j).unwrap_or_default().iter().collect();
                self.push_var(&name, &format!("${name}"), quoted, b);
                j
            }
            Some(n) if n.is_ascii_digit() || "@*#?$!-".contains(n) => {
                b.unknown(format!("${n}"), None, false);
                i + 2
            }
            _ => {
                b.lit("$", quoted);
                i + 1
            }
        }
    }

    /// The current `IFS`; `None` when it is not known.
    fn ifs(&self) -> Option<String> {
        match self.lookup("IFS") {
            Some(Var::Known(v)) => Some(v),
            Some(Var::Unknown { .. }) => None,
            None => Some(" \t\n".to_string()),
        }
    }

    /// Pushes a known value, split on `IFS` when unquoted.
    fn push_known(&mut self, b: &mut Builder, v: &str, quoted: bool, repr: &str) {
        if quoted {
            b.lit(v, true);
            return;
        }
        match self.ifs() {
            Some(ifs) => b.split(v, &ifs),
            None => b.unknown(repr.to_string(), None, false),
        }
    }

    /// The value of a command substitution whose output is known text (`$(echo rm)`), trailing
    /// newlines removed.
    fn sub_value(&self, flow: &Flow) -> Option<String> {
        match flow {
            Flow::Known {
                text,
                decoded: false,
            } if text.len() <= 4096 => Some(text.trim_end_matches('\n').to_string()),
            _ => None,
        }
    }

    fn push_var(&mut self, name: &str, repr: &str, quoted: bool, b: &mut Builder) {
        match self.lookup(name) {
            Some(Var::Known(v)) => self.push_known(b, &v, quoted, repr),
            Some(Var::Unknown { remote, decoded }) => b.unknown(repr.to_string(), remote, decoded),
            None => b.unknown(repr.to_string(), None, false),
        }
    }

    /// `${…}` forms: plain names, defaults; anything else is unknown.
    fn param_expr(&mut self, inner: &str, quoted: bool, b: &mut Builder, call: &Call) {
        let name_len = inner.chars().take_while(|&c| is_name_char(c)).count();
        let (name, rest) = inner.split_at(
            inner
                .char_indices()
                .nth(name_len)
                .map_or(inner.len(), |(i, _)| i),
        );
        let repr = format!("${{{}}}", clip(inner));
        if name.is_empty() || !name.starts_with(is_name_start) {
            b.unknown(repr, None, false);
            return;
        }
        if rest.is_empty() {
            self.push_var(name, &repr, quoted, b);
            return;
        }
        let op = ["-", ":-", "=", ":=", "+", ":+", "?", ":?"]
            .iter()
            .filter(|op| rest.starts_with(**op))
            .max_by_key(|op| op.len());
        if let Some(op) = op {
            let word = rest.get(op.len()..).unwrap_or("");
            let value = self.lookup(name);
            let set_nonempty = matches!(&value, Some(Var::Known(v)) if !v.is_empty());
            let is_set = value.is_some();
            let use_default = match *op {
                "-" | "=" => !is_set,
                ":-" | ":=" => !set_nonempty && !matches!(value, Some(Var::Unknown { .. })),
                _ => false,
            };
            if matches!(*op, "+" | ":+") {
                if set_nonempty {
                    let a = self.eval_single(word, call);
                    self.push_arg(b, &a, quoted);
                } else if value.is_none() {
                    b.unknown(repr, None, false);
                }
                return;
            }
            if use_default {
                let a = self.eval_single(word, call);
                self.push_arg(b, &a, quoted);
                return;
            }
            if matches!(value, Some(Var::Unknown { .. }) | None) {
                // Unknown value: the default still runs its substitutions when used.
                self.scan_for_effects(word, call);
            }
            self.push_var(name, &repr, quoted, b);
            return;
        }
        self.scan_for_effects(rest, call);
        b.unknown(repr, None, false);
    }

    fn push_arg(&mut self, b: &mut Builder, a: &Arg, quoted: bool) {
        if a.known {
            self.push_known(b, &a.text, quoted, &a.text);
        } else {
            b.unknown(a.text.clone(), a.remote.clone(), a.decoded);
        }
    }

    /// Runs a command substitution's body for effects; its output value is unknown.
    pub(crate) fn substitute(&mut self, inner: &str, call: &Call) -> Flow {
        let saved_env = self.env.clone();
        let saved_cwd = self.cwd.clone();
        let mut sub = call.nested("$(…)");
        sub.stdin = Flow::Terminal;
        let outer_mixed = std::mem::replace(&mut self.mixed_output, false);
        let mut flow = self.analyze_source(inner, &sub);
        if self.mixed_output && matches!(flow, Flow::Known { decoded: false, .. }) {
            // Part of the output is not known: so is the value.
            flow = Flow::Unknown;
        }
        self.mixed_output |= outer_mixed;
        self.env = saved_env;
        self.cwd = saved_cwd;
        flow
    }
}

/// What an unknown value derived from `flow` carries.
fn flow_taint(flow: &Flow) -> (Option<String>, bool) {
    match flow {
        Flow::Network(u) => (Some(u.clone()), false),
        Flow::Decoded => (None, true),
        Flow::Known { decoded, .. } => (None, *decoded),
        _ => (None, false),
    }
}

/// Shortens text for display.
pub(crate) fn clip(s: &str) -> String {
    if s.chars().count() <= 60 {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(57).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn braces() {
        assert_eq!(brace_expand("a{b,c}d"), vec!["abd", "acd"]);
        assert_eq!(brace_expand("{1..3}"), vec!["1", "2", "3"]);
        assert_eq!(brace_expand("x{}"), vec!["x{}"]);
        assert_eq!(brace_expand("'{a,b}'"), vec!["'{a,b}'"]);
        assert_eq!(brace_expand("${a,b}"), vec!["${a,b}"]);
        assert_eq!(brace_expand("{1..100000}").len(), 1);
    }

    #[test]
    fn escapes() {
        assert_eq!(decode_escapes("\\x72\\x6d", false), "rm");
        assert_eq!(decode_escapes("\\162\\155", false), "rm");
        assert_eq!(decode_escapes("\\u0072m\\n", false), "rm\n");
    }

    #[test]
    fn split_words() {
        assert_eq!(
            split_raw_words(" a 'b c' \"d $(e f)\" "),
            vec!["a", "'b c'", "\"d $(e f)\""]
        );
    }
}
