//! A small lexer for interpreter one-liners (Python, JavaScript, Perl, Ruby, PHP, awk): enough to
//! find calls whose arguments are string literals, and to tell literals from interpolations.

use super::interpreters::Lang;

/// Most tokens lexed from one program.
const MAX_TOKENS: usize = 20_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Tok {
    /// An identifier segment (`os`, `rmtree`, `$fh`).
    Ident(String),
    /// A string literal; `None` when it interpolates values not known statically.
    Str(Option<String>),
    /// A shell command literal (Perl/Ruby backticks, `qx{}`, `%x{}`); `None` when interpolated.
    Shell(Option<String>),
    Punct(char),
    Num,
}

fn decode(s: &str) -> String {
    crate::word::decode_escapes(s, false)
}

/// Reads a quoted string body starting after the opening quote; returns (raw body, index after).
fn quoted(c: &[char], mut i: usize, close: char, open: Option<char>) -> (String, usize) {
    let mut s = String::new();
    let mut depth = 0usize;
    while let Some(&ch) = c.get(i) {
        if ch == '\\' {
            s.push(ch);
            if let Some(&n) = c.get(i + 1) {
                s.push(n);
            }
            i += 2;
            continue;
        }
        if Some(ch) == open {
            depth += 1;
        } else if ch == close {
            if depth == 0 {
                return (s, i + 1);
            }
            depth -= 1;
        }
        s.push(ch);
        i += 1;
    }
    (s, i)
}

fn closing(open: char) -> char {
    match open {
        '(' => ')',
        '[' => ']',
        '{' => '}',
        '<' => '>',
        o => o,
    }
}

/// Tokenizes `code` for `lang`.
pub(crate) fn lex(code: &str, lang: Lang) -> Vec<Tok> {
    let c: Vec<char> = code.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    let hash_comments = matches!(
        lang,
        Lang::Python | Lang::Perl | Lang::Ruby | Lang::Php | Lang::Awk
    );
    let slash_comments = matches!(lang, Lang::Node | Lang::Php);
    while let Some(&ch) = c.get(i) {
        if toks.len() >= MAX_TOKENS {
            break;
        }
        let next = c.get(i + 1).copied();
        if ch.is_whitespace() {
            i += 1;
            continue;
        }
        if (ch == '#' && hash_comments) || (ch == '/' && next == Some('/') && slash_comments) {
            while c.get(i).is_some_and(|&x| x != '\n') {
                i += 1;
            }
            continue;
        }
        if ch == '/' && next == Some('*') && slash_comments {
            i += 2;
            while i < c.len() && !(c.get(i) == Some(&'*') && c.get(i + 1) == Some(&'/')) {
                i += 1;
            }
            i += 2;
            continue;
        }
        // Python string prefixes: r, b, u, f and pairs.
        if lang == Lang::Python && ch.is_ascii_alphabetic() {
            let mut j = i;
            while c.get(j).is_some_and(|x| "rRbBuUfF".contains(*x)) && j - i < 2 {
                j += 1;
            }
            if j > i && matches!(c.get(j), Some('\'' | '"')) {
                let prefix: String = c
                    .get(i..j)
                    .unwrap_or_default()
                    .iter()
                    .collect::<String>()
                    .to_lowercase();
                let (tok, end) = python_string(&c, j, prefix.contains('r'), prefix.contains('f'));
                toks.push(tok);
                i = end;
                continue;
            }
        }
        match ch {
            '\'' | '"' => {
                if lang == Lang::Python {
                    let (tok, end) = python_string(&c, i, false, false);
                    toks.push(tok);
                    i = end;
                    continue;
                }
                let (body, end) = quoted(&c, i + 1, ch, None);
                let interpolates = ch == '"'
                    && match lang {
                        Lang::Perl => body.contains('$') || body.contains('@'),
                        Lang::Ruby => body.contains("#{"),
                        Lang::Php => body.contains('$'),
                        _ => false,
                    };
                let value = if interpolates {
                    None
                } else if ch == '\'' && matches!(lang, Lang::Perl | Lang::Ruby | Lang::Php) {
                    Some(body.replace("\\'", "'").replace("\\\\", "\\"))
                } else {
                    Some(decode(&body))
                };
                toks.push(Tok::Str(value));
                i = end;
            }
            '`' => {
                let (body, end) = quoted(&c, i + 1, '`', None);
                match lang {
                    Lang::Node => {
                        let v = (!body.contains("${")).then(|| decode(&body));
                        toks.push(Tok::Str(v));
                    }
                    Lang::Perl | Lang::Ruby | Lang::Php => {
                        let dynamic = body.contains('$') || body.contains("#{");
                        toks.push(Tok::Shell((!dynamic).then_some(body)));
                    }
                    _ => toks.push(Tok::Punct('`')),
                }
                i = end;
            }
            _ if ch.is_ascii_alphabetic()
                || ch == '_'
                || (ch == '$' && lang != Lang::Python)
                || (ch == '@' && lang == Lang::Perl) =>
            {
                let mut j = i + 1;
                while c
                    .get(j)
                    .is_some_and(|x| x.is_ascii_alphanumeric() || *x == '_')
                {
                    j += 1;
                }
                let word: String = c.get(i..j).unwrap_or_default().iter().collect();
                // Perl `q{}`/`qq{}`/`qx{}`, Ruby `%x{}` handled here and below.
                if lang == Lang::Perl
                    && matches!(word.as_str(), "q" | "qq" | "qx" | "qw")
                    && let Some(&open) = c.get(j)
                    && !open.is_alphanumeric()
                    && !open.is_whitespace()
                    && open != '='
                    && open != ','
                    && open != ';'
                {
                    let (body, end) = quoted(
                        &c,
                        j + 1,
                        closing(open),
                        (closing(open) != open).then_some(open),
                    );
                    let dynamic = word != "q" && (body.contains('$') || body.contains('@'));
                    toks.push(match word.as_str() {
                        "qx" => Tok::Shell((!dynamic).then_some(body)),
                        _ => Tok::Str((!dynamic).then_some(body)),
                    });
                    i = end;
                    continue;
                }
                toks.push(Tok::Ident(word));
                i = j;
            }
            '%' if lang == Lang::Ruby && matches!(next, Some('x' | 'q' | 'Q' | 'w')) => {
                let kind = next.unwrap_or('q');
                match c.get(i + 2) {
                    Some(&open) if !open.is_alphanumeric() && !open.is_whitespace() => {
                        let (body, end) = quoted(
                            &c,
                            i + 3,
                            closing(open),
                            (closing(open) != open).then_some(open),
                        );
                        let dynamic = kind != 'q' && body.contains("#{");
                        toks.push(if kind == 'x' {
                            Tok::Shell((!dynamic).then_some(body))
                        } else {
                            Tok::Str((!dynamic).then_some(body))
                        });
                        i = end;
                    }
                    _ => {
                        toks.push(Tok::Punct('%'));
                        i += 1;
                    }
                }
            }
            _ if ch.is_ascii_digit() => {
                while c
                    .get(i)
                    .is_some_and(|x| x.is_ascii_alphanumeric() || *x == '.' || *x == '_')
                {
                    i += 1;
                }
                toks.push(Tok::Num);
            }
            _ => {
                toks.push(Tok::Punct(ch));
                i += 1;
            }
        }
    }
    toks
}

/// A Python string literal starting at the quote `c[i]`.
fn python_string(c: &[char], i: usize, raw: bool, fstring: bool) -> (Tok, usize) {
    let q = c.get(i).copied().unwrap_or('"');
    let triple = c.get(i + 1) == Some(&q) && c.get(i + 2) == Some(&q);
    let mut j = if triple { i + 3 } else { i + 1 };
    let mut body = String::new();
    while let Some(&ch) = c.get(j) {
        if ch == '\\' {
            body.push(ch);
            if let Some(&n) = c.get(j + 1) {
                body.push(n);
            }
            j += 2;
            continue;
        }
        if ch == q && (!triple || (c.get(j + 1) == Some(&q) && c.get(j + 2) == Some(&q))) {
            j += if triple { 3 } else { 1 };
            break;
        }
        if ch == '\n' && !triple {
            break;
        }
        body.push(ch);
        j += 1;
    }
    let value = if fstring && body.contains('{') {
        None
    } else if raw {
        Some(body)
    } else {
        Some(decode(&body))
    };
    (Tok::Str(value), j)
}

/// One recognized call: dotted name, receiver literal (for `Path('x').unlink()`), arguments.
#[derive(Debug)]
pub(crate) struct CallSite {
    /// The dotted callee, e.g. `shutil.rmtree`, `fs.rmSync`, `system`.
    pub name: String,
    /// The first literal argument of a call this is a method on (`Path('/x').unlink()` → `/x`).
    pub receiver: Option<(String, Option<String>)>,
    /// The arguments, each as its tokens.
    pub args: Vec<Vec<Tok>>,
}

impl CallSite {
    /// The last segment of the callee.
    pub fn method(&self) -> &str {
        self.name.rsplit('.').next().unwrap_or(&self.name)
    }

    /// Argument `n` if it is one string literal; `Some(None)` if present but not literal.
    pub fn lit(&self, n: usize) -> Option<Option<String>> {
        self.args.get(n).map(|a| literal(a))
    }

    /// A keyword argument `name=…` given as a literal.
    pub fn kw(&self, name: &str) -> Option<String> {
        self.args.iter().find_map(|a| match a.as_slice() {
            [Tok::Ident(n), Tok::Punct('=' | ':'), Tok::Str(Some(v))] if n == name => {
                Some(v.clone())
            }
            _ => None,
        })
    }

    /// Whether `key: true` / `key=True` appears in the arguments.
    pub fn flag(&self, key: &str) -> bool {
        self.args.iter().any(|a| {
            a.windows(3).any(|w| {
                matches!(w, [Tok::Ident(k), Tok::Punct(':' | '='), Tok::Ident(v)] if k == key && (v == "true" || v == "True"))
            })
        })
    }
}

/// The value of an argument that is a single literal, a list/array of literals (joined with
/// spaces, as `subprocess.run(['rm', '-rf', '/'])` runs), or literals joined by `+`/`.`.
pub(crate) fn literal(toks: &[Tok]) -> Option<String> {
    match toks {
        [Tok::Str(v)] => v.clone(),
        [Tok::Punct('[' | '('), inner @ .., Tok::Punct(']' | ')')] => {
            let mut parts = Vec::new();
            for t in inner {
                match t {
                    Tok::Str(Some(s)) => parts.push(s.clone()),
                    Tok::Punct(',') => {}
                    _ => return None,
                }
            }
            Some(parts.join(" "))
        }
        _ => {
            let mut out = String::new();
            let mut expect_str = true;
            for t in toks {
                match (t, expect_str) {
                    (Tok::Str(Some(s)), true) => {
                        out.push_str(s);
                        expect_str = false;
                    }
                    (Tok::Punct('+' | '.'), false) => expect_str = true,
                    _ => return None,
                }
            }
            (!toks.is_empty() && !expect_str).then_some(out)
        }
    }
}

/// Finds calls `name(args…)` (and, when `bare_calls`, `name "literal"` without parentheses as
/// Perl and Ruby allow).
pub(crate) fn calls(toks: &[Tok], bare_calls: bool) -> Vec<CallSite> {
    let mut out = Vec::new();
    for k in 0..toks.len() {
        let Some(Tok::Ident(_)) = toks.get(k) else {
            continue;
        };
        let name = dotted_name(toks, k);
        let receiver = receiver(toks, k);
        match toks.get(k + 1) {
            Some(Tok::Punct('(')) => {
                let (args, _) = split_args(toks, k + 2, ')');
                out.push(CallSite {
                    name,
                    receiver,
                    args,
                });
            }
            Some(Tok::Str(_) | Tok::Shell(_) | Tok::Ident(_)) if bare_calls => {
                let mut end = k + 1;
                while toks
                    .get(end)
                    .is_some_and(|t| !matches!(t, Tok::Punct(';' | '}' | ')')) && !is_keyword(t))
                {
                    end += 1;
                }
                let mut args = Vec::new();
                let mut cur = Vec::new();
                for t in toks.get(k + 1..end).unwrap_or_default() {
                    if *t == Tok::Punct(',') {
                        args.push(std::mem::take(&mut cur));
                    } else {
                        cur.push(t.clone());
                    }
                }
                if !cur.is_empty() {
                    args.push(cur);
                }
                out.push(CallSite {
                    name,
                    receiver,
                    args,
                });
            }
            _ => {}
        }
        if out.len() > 4096 {
            break;
        }
    }
    out
}

fn is_keyword(t: &Tok) -> bool {
    matches!(t, Tok::Ident(w) if matches!(w.as_str(), "or" | "and" | "if" | "unless" | "die"))
}

/// Arguments from `start` to the matching `close`, split on top-level commas.
fn split_args(toks: &[Tok], start: usize, close: char) -> (Vec<Vec<Tok>>, usize) {
    let mut args = Vec::new();
    let mut cur = Vec::new();
    let mut depth = 0usize;
    let mut i = start;
    while let Some(t) = toks.get(i) {
        match t {
            Tok::Punct('(' | '[' | '{') => depth += 1,
            Tok::Punct(c) if *c == close && depth == 0 => break,
            Tok::Punct(')' | ']' | '}') => depth = depth.saturating_sub(1),
            Tok::Punct(',') if depth == 0 => {
                args.push(std::mem::take(&mut cur));
                i += 1;
                continue;
            }
            _ => {}
        }
        cur.push(t.clone());
        i += 1;
    }
    if !cur.is_empty() {
        args.push(cur);
    }
    (args, i)
}

/// `a.b.c` (also `a::b`, `a->b`) ending at identifier `k`.
fn dotted_name(toks: &[Tok], k: usize) -> String {
    let mut parts = Vec::new();
    if let Some(Tok::Ident(n)) = toks.get(k) {
        parts.push(n.clone());
    }
    let mut j = k;
    loop {
        let sep = match (
            j.checked_sub(1).and_then(|x| toks.get(x)),
            j.checked_sub(2).and_then(|x| toks.get(x)),
        ) {
            (Some(Tok::Punct('.')), _) => 1,
            (Some(Tok::Punct(':')), Some(Tok::Punct(':'))) => 2,
            (Some(Tok::Punct('>')), Some(Tok::Punct('-'))) => 2,
            _ => 0,
        };
        if sep == 0 {
            break;
        }
        match j.checked_sub(sep + 1).and_then(|x| toks.get(x)) {
            Some(Tok::Ident(n)) => {
                parts.push(n.clone());
                j -= sep + 1;
            }
            _ => break,
        }
    }
    parts.reverse();
    parts.join(".")
}

/// For `X(lit).method(`, the callee `X` and its first literal argument.
fn receiver(toks: &[Tok], k: usize) -> Option<(String, Option<String>)> {
    if k < 2
        || toks.get(k - 1) != Some(&Tok::Punct('.'))
        || toks.get(k - 2) != Some(&Tok::Punct(')'))
    {
        return None;
    }
    let mut depth = 0usize;
    let mut j = k - 2;
    loop {
        match toks.get(j) {
            Some(Tok::Punct(')')) => depth += 1,
            Some(Tok::Punct('(')) => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            None => return None,
            _ => {}
        }
        j = j.checked_sub(1)?;
    }
    let callee = dotted_name(toks, j.checked_sub(1)?);
    let (args, _) = split_args(toks, j + 1, ')');
    Some((callee, args.first().and_then(|a| literal(a))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_calls() {
        let t = lex("import shutil; shutil.rmtree('/home/dev')", Lang::Python);
        let c = calls(&t, false);
        assert!(
            c.iter()
                .any(|c| c.name == "shutil.rmtree" && c.lit(0) == Some(Some("/home/dev".into())))
        );
        let t = lex(
            "from pathlib import Path; Path('/x').unlink()",
            Lang::Python,
        );
        let c = calls(&t, false);
        assert!(
            c.iter().any(|c| c.method() == "unlink"
                && c.receiver == Some(("Path".into(), Some("/x".into()))))
        );
    }

    #[test]
    fn perl_interpolation() {
        let t = lex("system \"rm -rf $d\"; `ls`", Lang::Perl);
        assert!(t.contains(&Tok::Str(None)));
        assert!(t.contains(&Tok::Shell(Some("ls".into()))));
    }
}
