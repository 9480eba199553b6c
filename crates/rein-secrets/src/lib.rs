//! Secret detection and redaction for everything rein stores, prints or scans.
//!
//! rein records what coding agents do: the commands they run, the files they
//! write, the output they read. Those routinely carry credentials, so every
//! string goes through [`redact_str`] (or [`redact_json`] for structured
//! events) before it reaches disk or a terminal.
//!
//! Design constraints, and why they shape the code:
//!
//! - **Hook budget.** Redaction runs inside a hook process that must finish in
//!   a few milliseconds, so there is no `regex`: building a regex set per
//!   process costs more than the whole budget. Instead, one forward pass over
//!   the bytes dispatches on a few trigger bytes (`-`, `=`, `:` and the first
//!   letters of known token prefixes), and every detector does either bounded
//!   work or work that is memoised so no byte is rescanned by the same
//!   detector. The total stays linear in the input.
//! - **The common case is clean text.** When nothing is found, [`redact_str`]
//!   returns `Cow::Borrowed` and nothing is allocated.
//! - **Keep the record readable.** Only the secret itself is replaced by
//!   `[REDACTED:<kind>]`; context such as `Bearer `, `API_KEY=`, or a URL's
//!   user name and host stays. A private key block is replaced whole, since
//!   every line of it is secret.
//! - **Specific beats generic.** When a value is both a secret-named
//!   assignment and a recognised token (`GITHUB_TOKEN=ghp_...`), the marker
//!   names the token kind, which tells a reader more.
//! - **Idempotent.** Redacting already-redacted text changes nothing, so text
//!   can safely pass through redaction more than once (hook, then store, then
//!   display). Markers never match a detector, and [`redact_str`] re-scans its
//!   own output until nothing more is found (in practice one extra pass).
//! - **Never panics.** All slicing happens at ASCII bytes or at the ends of
//!   the text, and span ends are additionally snapped to char boundaries.
//!
//! Named assignments (`NAME=value`, `name: value`) are heuristics. They favour
//! redacting too much over leaking, but skip values that are plainly not
//! secrets: references (`$FOO`, `${FOO}`, `{{ x }}`, `<your-key>`),
//! placeholders (`changeme`, `xxxx`, `***`, `null`, `true`), values of three
//! characters or fewer, numbers of fewer than eight digits (`max_tokens: 100`),
//! and, for unquoted values, code (`api_key = os.environ["X"]`,
//! `token: String,`, `self.token = token`). Names that describe a secret
//! rather than hold one (`token_count`, `session_id`, `password_hint`,
//! `private_key_path`) are not treated as secret names at all.

use std::borrow::Cow;
use std::ops::ControlFlow;

use serde_json::Value;

/// What kind of secret was found; used in the replacement marker.
///
/// Specific token kinds are preferred over the generic ones
/// ([`SecretKind::Password`], [`SecretKind::Secret`]) when detections overlap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretKind {
    /// A PEM/OpenSSH/PGP private key block, replaced whole.
    PrivateKey,
    /// Anthropic API key (`sk-ant-...`).
    AnthropicApiKey,
    /// OpenAI API key (`sk-...`, `sk-proj-...`).
    OpenAiApiKey,
    /// AWS access key id (`AKIA...`, `ASIA...`).
    AwsAccessKeyId,
    /// GitHub token (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`, `github_pat_`).
    GithubToken,
    /// GitLab token (`glpat-` and relatives).
    GitlabToken,
    /// Slack token (`xoxb-`, `xoxp-`, ... and `xapp-`).
    SlackToken,
    /// The secret path of a Slack incoming webhook URL.
    SlackWebhook,
    /// Google API key (`AIza...`).
    GoogleApiKey,
    /// Stripe secret/restricted key or webhook secret.
    StripeKey,
    /// npm access token (`npm_...`).
    NpmToken,
    /// PyPI upload token (`pypi-...`).
    PypiToken,
    /// Hugging Face token (`hf_...`).
    HuggingFaceToken,
    /// JSON Web Token (`eyJ...`).
    Jwt,
    /// `Bearer`/`token` credentials, e.g. in an `Authorization` header.
    BearerToken,
    /// `Basic` credentials in an `Authorization` header.
    BasicAuth,
    /// The password part of `scheme://user:password@host`.
    UrlPassword,
    /// The value of a password-named assignment (`DB_PASSWORD=...`).
    Password,
    /// The value of another secret-named assignment (`API_KEY=...`).
    Secret,
}

impl SecretKind {
    /// Kebab-case name used inside the `[REDACTED:<kind>]` marker.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::PrivateKey => "private-key",
            Self::AnthropicApiKey => "anthropic-api-key",
            Self::OpenAiApiKey => "openai-api-key",
            Self::AwsAccessKeyId => "aws-access-key-id",
            Self::GithubToken => "github-token",
            Self::GitlabToken => "gitlab-token",
            Self::SlackToken => "slack-token",
            Self::SlackWebhook => "slack-webhook",
            Self::GoogleApiKey => "google-api-key",
            Self::StripeKey => "stripe-key",
            Self::NpmToken => "npm-token",
            Self::PypiToken => "pypi-token",
            Self::HuggingFaceToken => "huggingface-token",
            Self::Jwt => "jwt",
            Self::BearerToken => "bearer-token",
            Self::BasicAuth => "basic-auth",
            Self::UrlPassword => "url-password",
            Self::Password => "password",
            Self::Secret => "secret",
        }
    }

    /// How specific the kind is; the highest rank names a merged span.
    fn rank(self) -> u8 {
        match self {
            Self::Password | Self::Secret => 1,
            Self::BearerToken | Self::BasicAuth | Self::UrlPassword => 2,
            _ => 3,
        }
    }
}

/// Start of every replacement marker. Values starting with it are never
/// treated as secrets, which keeps redaction idempotent.
const MARKER_OPEN: &str = "[REDACTED:";

/// Upper bound on re-scans of our own output. Each round replaces at least
/// one unredacted byte, and in practice the second scan finds nothing.
const MAX_ROUNDS: usize = 8;

/// Redacts every secret in `text`, replacing each with `[REDACTED:<kind>]`.
///
/// Returns `Cow::Borrowed` when nothing was found: that is the fast, common
/// path, and it allocates nothing. The output is a fixed point:
/// `redact_str(&redact_str(x)) == redact_str(x)`.
pub fn redact_str(text: &str) -> Cow<'_, str> {
    redact_counted(text).text
}

/// Redacts every string value inside a JSON value in place (recursively,
/// arrays and objects). Returns the number of redactions made: one per
/// marker inserted, and one for each whole value replaced by the key rule
/// below. A second call on the result returns 0 and changes nothing.
///
/// Object keys are left alone, but when a key itself names a secret
/// (`api_key`, `password`, `token`, `client_secret`, `authorization`, ... in
/// any case and with `-`/`_` variations) and its value is a non-empty string
/// that is not a reference or placeholder, the whole value is replaced: the
/// key already tells us the value is secret, whatever it looks like.
///
/// Walks the tree with an explicit stack so deeply nested input cannot
/// overflow the call stack.
pub fn redact_json(value: &mut Value) -> usize {
    let mut count = 0;
    let mut stack: Vec<&mut Value> = vec![value];
    while let Some(node) = stack.pop() {
        match node {
            Value::String(s) => count += redact_string_in_place(s, None),
            Value::Array(items) => stack.extend(items.iter_mut()),
            Value::Object(map) => {
                for (key, child) in map.iter_mut() {
                    match child {
                        Value::String(s) if json_key_names_secret(key) => {
                            count += redact_string_in_place(s, Some(key));
                        }
                        _ => stack.push(child),
                    }
                }
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }
    count
}

/// True when `text` contains anything [`redact_str`] would replace.
///
/// Runs the same scan but stops at the first hit and allocates nothing, so
/// callers can cheaply decide whether redaction (or a warning) is needed.
/// Always agrees with `matches!(redact_str(text), Cow::Owned(_))`.
pub fn contains_secret(text: &str) -> bool {
    let mut found = false;
    scan(text, &mut |_| {
        found = true;
        ControlFlow::Break(())
    });
    found
}

/// Redacts `text` and counts the replacements, re-scanning the output until
/// it is clean so that the result is a fixed point (see the module docs).
fn redact_counted(text: &str) -> Redacted<'_> {
    let spans = collect_spans(text);
    if spans.is_empty() {
        return Redacted {
            text: Cow::Borrowed(text),
            count: 0,
            best: None,
        };
    }
    let mut count = spans.len();
    let mut best = best_kind(&spans);
    let mut out = apply(text, &spans);
    for _ in 1..MAX_ROUNDS {
        let more = collect_spans(&out);
        if more.is_empty() {
            break;
        }
        count += more.len();
        best = best.max_by_rank(best_kind(&more));
        out = apply(&out, &more);
    }
    Redacted {
        text: Cow::Owned(out),
        count,
        best,
    }
}

/// Result of [`redact_counted`].
struct Redacted<'t> {
    text: Cow<'t, str>,
    /// Markers inserted, over all rounds.
    count: usize,
    /// Most specific kind found.
    best: Option<SecretKind>,
}

/// Redacts a JSON string in place and returns the number of redactions.
///
/// With `secret_key` (the string is the value of a secret-named key), the
/// whole value becomes one marker unless what is left after ordinary
/// redaction, markers aside, is a reference or placeholder. Deciding on the
/// redacted text rather than the original is what makes this idempotent: a
/// second pass sees either a bare marker or the same placeholder again.
fn redact_string_in_place(s: &mut String, secret_key: Option<&str>) -> usize {
    if s.is_empty() {
        return 0;
    }
    let Redacted { text, count, best } = redact_counted(s);
    if let Some(key) = secret_key
        && !is_single_marker(&text)
    {
        let rest = strip_markers(&text);
        let whole = if rest.trim().is_empty() {
            // Only markers (and blanks) are left: collapse them into one.
            count > 0
        } else {
            !is_reference_or_placeholder(&rest)
        };
        if whole {
            *s = marker(best.unwrap_or_else(|| json_key_kind(key)));
            return 1;
        }
    }
    if let Cow::Owned(new) = text {
        *s = new;
    }
    count
}

/// `[REDACTED:<kind>]` and nothing else.
fn is_single_marker(text: &str) -> bool {
    text.strip_prefix(MARKER_OPEN)
        .and_then(|rest| rest.strip_suffix(']'))
        .is_some_and(|kind| {
            !kind.is_empty() && kind.bytes().all(|c| c.is_ascii_lowercase() || c == b'-')
        })
}

/// `text` with every `[REDACTED:<kind>]` marker removed.
fn strip_markers(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find(MARKER_OPEN) {
        let after = &rest[pos + MARKER_OPEN.len()..];
        let kind_len = after
            .bytes()
            .take_while(|&c| c.is_ascii_lowercase() || c == b'-')
            .count();
        if kind_len > 0 && after.as_bytes().get(kind_len) == Some(&b']') {
            out.push_str(&rest[..pos]);
            rest = &after[kind_len + 1..];
        } else {
            out.push_str(&rest[..pos + MARKER_OPEN.len()]);
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// `Option<SecretKind>` helper: keep the more specific kind.
trait MaxByRank {
    fn max_by_rank(self, other: Self) -> Self;
}

impl MaxByRank for Option<SecretKind> {
    fn max_by_rank(self, other: Self) -> Self {
        match (self, other) {
            (Some(a), Some(b)) if b.rank() > a.rank() => Some(b),
            (None, b) => b,
            (a, _) => a,
        }
    }
}

fn marker(kind: SecretKind) -> String {
    let mut m = String::with_capacity(MARKER_OPEN.len() + kind.as_str().len() + 1);
    m.push_str(MARKER_OPEN);
    m.push_str(kind.as_str());
    m.push(']');
    m
}

/// The most specific kind among `spans` (the first one on ties).
fn best_kind(spans: &[Span]) -> Option<SecretKind> {
    spans
        .iter()
        .map(|s| s.kind)
        .fold(None, |best, k| best.max_by_rank(Some(k)))
}

/// A detected secret: byte range `start..end` of the scanned text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    start: usize,
    end: usize,
    kind: SecretKind,
}

/// All detections in `text`, sorted, snapped to char boundaries, and with
/// overlapping detections merged (the merged span takes the most specific
/// kind).
fn collect_spans(text: &str) -> Vec<Span> {
    let mut raw = Vec::new();
    scan(text, &mut |span| {
        raw.push(span);
        ControlFlow::Continue(())
    });
    if raw.len() < 2 {
        return raw;
    }
    raw.sort_unstable_by_key(|s| (s.start, s.end));
    let mut merged: Vec<Span> = Vec::with_capacity(raw.len());
    for span in raw {
        match merged.last_mut() {
            Some(last) if span.start < last.end => {
                last.end = last.end.max(span.end);
                if span.kind.rank() > last.kind.rank() {
                    last.kind = span.kind;
                }
            }
            _ => merged.push(span),
        }
    }
    merged
}

/// Builds the redacted string from sorted, non-overlapping spans.
fn apply(text: &str, spans: &[Span]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for span in spans {
        out.push_str(text.get(last..span.start).unwrap_or_default());
        out.push_str(MARKER_OPEN);
        out.push_str(span.kind.as_str());
        out.push(']');
        last = span.end;
    }
    out.push_str(text.get(last..).unwrap_or_default());
    out
}

/// Runs every detector over `text`, handing each non-empty span to `sink`
/// until it answers `Break`.
fn scan(text: &str, sink: &mut dyn FnMut(Span) -> ControlFlow<()>) {
    let mut scanner = Scanner {
        text,
        bytes: text.as_bytes(),
        sink,
        prefixed_until: [0; PREFIXED.len()],
        jwt_until: 0,
        assign_until: 0,
    };
    // Break only means the sink has seen enough.
    let _ = scanner.run();
}

/// One forward pass over the text.
///
/// The `*_until` fields are the memo that keeps the pass linear: a detector
/// that already examined a run of bytes (successfully or not) is not retried
/// at a later trigger inside that run, because the outcome there can only be
/// the same or a sub-span of what was already reported.
struct Scanner<'t, 's> {
    text: &'t str,
    bytes: &'t [u8],
    sink: &'s mut dyn FnMut(Span) -> ControlFlow<()>,
    /// Per entry of [`PREFIXED`]: end of the last body run it examined.
    prefixed_until: [usize; PREFIXED.len()],
    /// End of the last JWT candidate examined.
    jwt_until: usize,
    /// End of the last assignment value examined; separators inside it are
    /// ignored (they belong to a value that is already handled).
    assign_until: usize,
}

impl Scanner<'_, '_> {
    fn run(&mut self) -> ControlFlow<()> {
        let b = self.bytes;
        let mut i = 0;
        while i < b.len() {
            let c = b[i];
            match c {
                b'-' => {
                    if let Some(end) = private_key_end(self.text, i) {
                        self.emit(i, end, SecretKind::PrivateKey)?;
                        // Everything inside the block is already covered.
                        i = end;
                        continue;
                    }
                    if let Some((start, end)) = user_option_password(b, i) {
                        self.emit(start, end, SecretKind::BasicAuth)?;
                    }
                    if let Some((start, end)) = dash_p_password(b, i) {
                        self.emit(start, end, SecretKind::Password)?;
                    }
                }
                b'=' | b':' => {
                    if let Some((start, end, kind)) = self.assignment(i) {
                        self.emit(start, end, kind)?;
                    }
                    if c == b':'
                        && let Some((start, end)) = url_password(b, i)
                    {
                        self.emit(start, end, SecretKind::UrlPassword)?;
                    }
                }
                _ if is_token_start(c) && !preceded_by_alnum(b, i) => self.token_at(i)?,
                _ => {}
            }
            i += 1;
        }
        ControlFlow::Continue(())
    }

    fn emit(&mut self, start: usize, end: usize, kind: SecretKind) -> ControlFlow<()> {
        let start = floor_char_boundary(self.text, start);
        let end = ceil_char_boundary(self.text, end);
        if start < end {
            (self.sink)(Span { start, end, kind })
        } else {
            ControlFlow::Continue(())
        }
    }

    /// Prefixed tokens, JWTs, bare `Bearer` tokens and Slack webhooks, all
    /// starting at `i`, which is not preceded by an alphanumeric char.
    fn token_at(&mut self, i: usize) -> ControlFlow<()> {
        let b = self.bytes;
        let rest = &b[i..];
        let c = b[i];
        let (first, last) = RULES_BY_FIRST_BYTE[usize::from(c)];
        let (first, last) = (usize::from(first), usize::from(last));
        for (idx, rule) in PREFIXED.iter().enumerate().take(last).skip(first) {
            if !rest.starts_with(rule.prefix) {
                continue;
            }
            // The first matching prefix decides: `sk-ant-` is never retried
            // as a plain `sk-` key.
            if i < self.prefixed_until[idx] {
                return ControlFlow::Continue(());
            }
            let body = i + rule.prefix.len();
            let end = run_end(b, body, rule.charset);
            self.prefixed_until[idx] = end;
            let ok = match rule.shape {
                Shape::Exact(n) => {
                    end - body == n && !b.get(end).is_some_and(u8::is_ascii_alphanumeric)
                }
                shape => end - body >= rule.min && shape.accepts(&b[body..end]),
            };
            return if ok {
                self.emit(i, end, rule.kind)
            } else {
                ControlFlow::Continue(())
            };
        }
        match c {
            b'e' => self.jwt_at(i),
            b'b' | b'B' => self.bearer_at(i),
            b'h' => self.slack_webhook_at(i),
            _ => ControlFlow::Continue(()),
        }
    }

    /// `eyJ<b64url>.<b64url>.<b64url>`, each part at least 10 chars, plus any
    /// further parts (JWE has five).
    fn jwt_at(&mut self, i: usize) -> ControlFlow<()> {
        const MIN_PART: usize = 10;
        let b = self.bytes;
        if !b[i..].starts_with(b"eyJ") || i < self.jwt_until {
            return ControlFlow::Continue(());
        }
        let mut end = run_end(b, i, Charset::Base64Url);
        self.jwt_until = end;
        if end - i < MIN_PART {
            return ControlFlow::Continue(());
        }
        let mut parts = 1;
        while b.get(end) == Some(&b'.') {
            let part_end = run_end(b, end + 1, Charset::Base64Url);
            if part_end - (end + 1) < MIN_PART {
                break;
            }
            end = part_end;
            parts += 1;
        }
        if parts < 3 {
            return ControlFlow::Continue(());
        }
        self.jwt_until = end;
        self.emit(i, end, SecretKind::Jwt)
    }

    /// `Bearer <token>` anywhere, token at least 16 chars and not a plain
    /// word (prose says "bearer" too).
    fn bearer_at(&mut self, i: usize) -> ControlFlow<()> {
        let b = self.bytes;
        let Some(word) = b.get(i..i + 6) else {
            return ControlFlow::Continue(());
        };
        if !word.eq_ignore_ascii_case(b"bearer") {
            return ControlFlow::Continue(());
        }
        let gap = i + 6;
        let start = skip_hspace(b, gap);
        if start == gap {
            return ControlFlow::Continue(());
        }
        let end = run_end(b, start, Charset::Bearer);
        let token = &b[start..end];
        if token.len() >= 16 && bearer_looks_random(token) {
            self.emit(start, end, SecretKind::BearerToken)
        } else {
            ControlFlow::Continue(())
        }
    }

    /// `https://hooks.slack.com/services/<secret path>`; the path is redacted.
    fn slack_webhook_at(&mut self, i: usize) -> ControlFlow<()> {
        const HOST: &[u8] = b"https://hooks.slack.com/";
        let b = self.bytes;
        if !b[i..].starts_with(HOST) {
            return ControlFlow::Continue(());
        }
        let after_host = i + HOST.len();
        for section in [&b"services/"[..], b"workflows/", b"triggers/"] {
            if b[after_host..].starts_with(section) {
                let start = after_host + section.len();
                let end = run_end(b, start, Charset::UrlPath);
                if end - start >= 20 {
                    return self.emit(start, end, SecretKind::SlackWebhook);
                }
            }
        }
        ControlFlow::Continue(())
    }

    /// `NAME=value`, `name: value`, `"name": "value"`, `NAME := "value"` where
    /// NAME looks secret. `i` is the separator. Returns the value span.
    fn assignment(&mut self, i: usize) -> Option<(usize, usize, SecretKind)> {
        if i < self.assign_until {
            return None;
        }
        let b = self.bytes;
        let sep = b[i];
        let mut sep_len = 1;
        match (sep, b.get(i + 1)) {
            // Comparisons, arrows, `::` paths.
            (b'=', Some(b'=' | b'>' | b'~')) | (b':', Some(b':')) => return None,
            // Go's `:=`.
            (b':', Some(b'=')) => sep_len = 2,
            _ => {}
        }
        let walrus = sep_len == 2;

        // Walk back over optional blanks, an optional closing key quote, and
        // the name itself.
        let mut j = i;
        let mut ws_before = 0;
        while j > 0 && is_hspace(b[j - 1]) && ws_before < 16 {
            j -= 1;
            ws_before += 1;
        }
        let mut key_quote = None;
        if j > 0 && matches!(b[j - 1], b'"' | b'\'') {
            key_quote = Some(b[j - 1]);
            j -= 1;
            if j > 0 && b[j - 1] == b'\\' {
                j -= 1;
            }
        }
        let name_end = j;
        let mut k = j;
        while k > 0 && is_name_byte(b[k - 1]) {
            if name_end - k >= MAX_NAME {
                return None;
            }
            k -= 1;
        }
        // `...\nAPI_KEY=x` in serialized JSON: the escape is not the name.
        if k > 0 && k < name_end && b[k - 1] == b'\\' && matches!(b[k], b'n' | b't' | b'r') {
            k += 1;
        }
        let mut name_start = k;
        // `--api-key=...` flags and `.`-led paths: the name proper follows.
        while name_start < name_end && matches!(b[name_start], b'-' | b'.') {
            name_start += 1;
        }
        if name_start == name_end {
            return None;
        }
        let before = k.checked_sub(1).map(|p| b[p]);
        let mut enclosing = None;
        match key_quote {
            // A quoted key must be opened by the same quote.
            Some(q) if before != Some(q) => return None,
            Some(_) => {}
            None => match before {
                // `$NAME=` / `$name:` are uses, not assignments.
                Some(b'$') => return None,
                // `-H 'Authorization: token X'`, `"API_KEY=abc"`.
                Some(q @ (b'"' | b'\'')) => enclosing = Some(q),
                _ => {}
            },
        }
        // A reference right after the separator (`KEY=$KEY`, `key: <x>`)
        // needs no further look; checking it first keeps long runs of them
        // cheap.
        let peek = skip_hspace(b, i + sep_len);
        let peek = value_quote_at(b, peek).map_or(peek, |q| q.content_start);
        if b.get(peek..).is_some_and(starts_with_reference) {
            return None;
        }
        let name = &b[name_start..name_end];
        let class = classify_name(name)?;

        // Forward: blanks, optional opening quote, optional auth scheme.
        let after_sep = i + sep_len;
        let p = skip_hspace(b, after_sep);
        let ws_after = p - after_sep;
        let quote = value_quote_at(b, p);
        if sep == b':' && !walrus && key_quote.is_none() && ws_after == 0 && quote.is_none() {
            // `a:b` is a URL, a time, a path, a `key:value` label; YAML and
            // headers put a blank after the colon.
            return None;
        }
        let mode = if key_quote.is_some() {
            Mode::Json
        } else if sep == b'=' && ws_before == 0 && ws_after == 0 {
            Mode::Shell
        } else if sep == b'=' || walrus {
            Mode::Code
        } else {
            Mode::Line
        };
        let mut vs = quote.map_or(p, |q| q.content_start);
        let mut kind = class.kind;
        if class.auth
            && let Some((scheme_kind, after)) = skip_auth_scheme(b, vs)
        {
            vs = after;
            kind = scheme_kind;
        }
        // Cheap checks first: they need no scan to the end of the value.
        if vs >= b.len() || matches!(b[vs], b'\n' | b'\r') || starts_with_reference(&b[vs..]) {
            return None;
        }
        let ve = match quote {
            Some(q) => quoted_end(b, vs, q.quote, q.escaped),
            None => unquoted_end(b, vs, mode, enclosing),
        };
        self.assign_until = ve;
        if ve <= vs {
            return None;
        }
        let value = self.text.get(vs..ve)?;
        if is_trivial(value)
            || is_reference_or_placeholder(value)
            || equals_name(value, name)
            || (quote.is_none() && looks_like_code(value, mode))
            || (quote.is_none() && is_prose(value, mode, kind))
        {
            return None;
        }
        Some((vs, ve, kind))
    }
}

/// `restore session: prompt one`, `the key: keep it short`: after a generic keyword (not a
/// password, not an auth header), an unquoted value of several plain words is prose. Tokens and
/// keys never contain blanks; passwords and `Authorization: Bearer x` may, and stay redacted.
fn is_prose(value: &str, mode: Mode, kind: SecretKind) -> bool {
    matches!(mode, Mode::Line | Mode::Code)
        && kind == SecretKind::Secret
        && value.split_ascii_whitespace().count() >= 2
        && value.split_ascii_whitespace().all(|w| {
            w.len() <= 24
                && w.bytes()
                    .all(|c| c.is_ascii_alphabetic() || b",.;!?'-".contains(&c))
        })
}

/// How an unquoted assignment value ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// `NAME=value` with no blanks: shell or `.env`; ends at a blank or shell
    /// metacharacter (`export K=v cmd`, `K=v python app.py`, `?k=v&x=y`).
    Shell,
    /// `"name": value`: JSON-ish; ends at a blank, `,`, `}` or `]`.
    Json,
    /// `name = value` or `name := value`: INI or source code; to end of line.
    Code,
    /// `name: value`: YAML, HTTP headers; to end of line.
    Line,
}

/// Longest name considered; anything longer is not a variable name.
const MAX_NAME: usize = 128;

/// What a secret-looking name tells us.
struct NameClass {
    /// [`SecretKind::Password`] or [`SecretKind::Secret`].
    kind: SecretKind,
    /// Mentions `auth`: the value may start with a scheme (`Bearer x`).
    auth: bool,
}

/// Keywords whose values are passwords rather than generic secrets.
const PASSWORD_KEYWORDS: &[&[u8]] = &[b"password", b"passwd", b"passphrase", b"pass", b"pwd"];

/// Name endings (lowercase, separators removed, at most 16 bytes) for names that describe a
/// secret rather than hold one: `token_count`, `session_id`,
/// `private_key_path`, `password_hint`, `token_type`, ...
const DESCRIPTIVE_SUFFIXES: &[&[u8]] = &[
    b"id",
    b"ids",
    b"count",
    b"type",
    b"name",
    b"names",
    b"path",
    b"file",
    b"dir",
    b"url",
    b"uri",
    b"hint",
    b"len",
    b"length",
    b"size",
    b"limit",
    b"timeout",
    b"ttl",
    b"env",
    b"var",
    b"endpoint",
    b"helper",
    b"prefix",
    b"format",
    b"expiry",
    b"expires",
    b"expiresat",
    b"expiresin",
    b"expiration",
    b"createdat",
    b"updatedat",
    b"mode",
    b"provider",
    b"scope",
    b"scopes",
    b"version",
    b"enabled",
    b"required",
    b"method",
    b"error",
    b"errors",
    b"exception",
];

/// Decides whether `name` (ASCII name bytes, at most [`MAX_NAME`]) names a
/// secret: it contains one of KEY, SECRET, TOKEN, PASSWORD, PASSWD,
/// PASSPHRASE, PASS, PWD, CREDENTIAL, AUTH, AUTHORIZATION, PRIVATE, SESSION,
/// COOKIE (any case), ending at a word boundary so that `tokens` and
/// `API_KEY` count while `tokenizer`, `keyboard` and `author` do not.
fn classify_name(name: &[u8]) -> Option<NameClass> {
    if name.is_empty() || name.len() > MAX_NAME {
        return None;
    }
    // One pass, dispatching on the (case-folded) first letter of each
    // keyword: this runs for every `=` and `:` in the text, and most names
    // contain no keyword at all.
    let mut secret = false;
    let mut password = false;
    let mut auth = false;
    for pos in 0..name.len() {
        let candidates: &[&[u8]] = match name[pos].to_ascii_lowercase() {
            b'k' => &[b"key"],
            b's' => &[b"secret", b"session"],
            b't' => &[b"token"],
            b'p' => &[
                b"password",
                b"passwd",
                b"passphrase",
                b"pass",
                b"pwd",
                b"private",
            ],
            b'c' => &[b"credential", b"cookie"],
            b'a' => &[b"auth", b"authorization", b"authorisation"],
            _ => continue,
        };
        for &kw in candidates {
            let end = pos + kw.len();
            if !name
                .get(pos..end)
                .is_some_and(|w| w.eq_ignore_ascii_case(kw))
            {
                continue;
            }
            auth |= kw.starts_with(b"auth");
            if keyword_ends_word(name, end) && !(kw == b"key" && is_data_key(&name[..pos])) {
                secret = true;
                password |= PASSWORD_KEYWORDS.contains(&kw);
            }
        }
    }
    if !secret {
        return None;
    }
    // The shell's working-directory variables, printed by every `env`; and a
    // bare `key`, which is far more often a map key, an XML attribute or a
    // React prop than a credential.
    if [&b"pwd"[..], b"oldpwd", b"key", b"keys"]
        .iter()
        .any(|n| name.eq_ignore_ascii_case(n))
    {
        return None;
    }
    // Last alphanumeric bytes of the name, lowercased, last byte first.
    let mut tail = [0u8; 16];
    let mut tail_len = 0;
    for &c in name.iter().rev().filter(|c| c.is_ascii_alphanumeric()) {
        if tail_len == tail.len() {
            break;
        }
        tail[tail_len] = c.to_ascii_lowercase();
        tail_len += 1;
    }
    let tail = &tail[..tail_len];
    let describes = DESCRIPTIVE_SUFFIXES.iter().any(|suffix| {
        suffix.len() <= tail.len() && suffix.iter().rev().zip(tail).all(|(a, b)| a == b)
    });
    if describes {
        return None;
    }
    Some(NameClass {
        kind: if password {
            SecretKind::Password
        } else {
            SecretKind::Secret
        },
        auth,
    })
}

/// Qualifiers that make `key` a database or data-structure key
/// (`primary_key`, `sortKey`, `cache-key`), not a credential.
const DATA_KEY_QUALIFIERS: &[&[u8]] = &[
    b"primary",
    b"foreign",
    b"sort",
    b"partition",
    b"hash",
    b"range",
    b"unique",
    b"cache",
    b"lookup",
    b"group",
    b"composite",
    b"shard",
    b"routing",
    b"row",
    b"map",
    b"dict",
    b"hot",
    b"shortcut",
    b"idempotency",
    b"dedup",
];

/// Whether the part of a name before `key` is one of
/// [`DATA_KEY_QUALIFIERS`] (separators between them ignored).
fn is_data_key(before: &[u8]) -> bool {
    let mut end = before.len();
    while end > 0 && matches!(before[end - 1], b'_' | b'-' | b'.') {
        end -= 1;
    }
    let before = &before[..end];
    DATA_KEY_QUALIFIERS.iter().any(|q| {
        before.len() >= q.len() && before[before.len() - q.len()..].eq_ignore_ascii_case(q)
    })
}

/// True when a keyword ending at `end` in `name` ends a word: end of name,
/// a non-letter, a camelCase hump, or a plural `s` that itself ends a word.
fn keyword_ends_word(name: &[u8], end: usize) -> bool {
    let boundary = |at: usize| match name.get(at) {
        None => true,
        Some(&c) if !c.is_ascii_alphabetic() => true,
        Some(&c) => c.is_ascii_uppercase() && at > 0 && name[at - 1].is_ascii_lowercase(),
    };
    if boundary(end) {
        return true;
    }
    matches!(name.get(end), Some(b's' | b'S')) && boundary(end + 1)
}

/// `Authorization: Bearer x` style prefixes inside an auth-named value.
fn skip_auth_scheme(b: &[u8], at: usize) -> Option<(SecretKind, usize)> {
    const SCHEMES: &[(&[u8], SecretKind)] = &[
        (b"bearer", SecretKind::BearerToken),
        (b"basic", SecretKind::BasicAuth),
        (b"token", SecretKind::BearerToken),
    ];
    for &(word, kind) in SCHEMES {
        let end = at + word.len();
        if b.get(at..end).is_some_and(|w| w.eq_ignore_ascii_case(word))
            && b.get(end).is_some_and(|&c| is_hspace(c))
        {
            return Some((kind, skip_hspace(b, end)));
        }
    }
    None
}

#[derive(Debug, Clone, Copy)]
struct ValueQuote {
    quote: u8,
    /// `\"...\"`: a JSON document quoted inside another string.
    escaped: bool,
    content_start: usize,
}

/// An opening quote at `p`: `"`, `'`, `` ` ``, `\"`, or a Python string
/// prefix such as `f"` or `rb'`.
fn value_quote_at(b: &[u8], p: usize) -> Option<ValueQuote> {
    let is_q = |c: Option<&u8>| matches!(c, Some(b'"' | b'\'' | b'`'));
    let c = *b.get(p)?;
    if is_q(Some(&c)) {
        return Some(ValueQuote {
            quote: c,
            escaped: false,
            content_start: p + 1,
        });
    }
    if c == b'\\' && matches!(b.get(p + 1), Some(b'"' | b'\'')) {
        return Some(ValueQuote {
            quote: b[p + 1],
            escaped: true,
            content_start: p + 2,
        });
    }
    let is_prefix = |c: Option<&u8>| {
        matches!(
            c,
            Some(b'f' | b'F' | b'r' | b'R' | b'b' | b'B' | b'u' | b'U')
        )
    };
    if is_prefix(Some(&c)) {
        for len in 1..=2 {
            if (1..len).all(|d| is_prefix(b.get(p + d))) && is_q(b.get(p + len)) {
                return Some(ValueQuote {
                    quote: b[p + len],
                    escaped: false,
                    content_start: p + len + 1,
                });
            }
        }
    }
    None
}

/// End of a quoted value: the closing quote, or the end of the line when
/// the quote is never closed there.
fn quoted_end(b: &[u8], from: usize, quote: u8, escaped: bool) -> usize {
    let mut p = from;
    while p < b.len() {
        let c = b[p];
        if c == b'\n' || c == b'\r' {
            break;
        }
        if c == b'\\' {
            if escaped && b.get(p + 1) == Some(&quote) {
                return p;
            }
            if !escaped && quote != b'\'' {
                p += 2;
                continue;
            }
        }
        if c == quote && !escaped {
            return p;
        }
        p += 1;
    }
    trim_end(b, from, p.min(b.len()))
}

/// End of an unquoted value, by [`Mode`]. Always stops at a line end, at the
/// quote that encloses the whole assignment, and at a JSON-escaped line
/// break or quote (`\n`, `\"`) so serialized JSON does not run together.
fn unquoted_end(b: &[u8], from: usize, mode: Mode, enclosing: Option<u8>) -> usize {
    let mut p = from;
    while p < b.len() {
        let c = b[p];
        if c == b'\n' || c == b'\r' || Some(c) == enclosing {
            break;
        }
        if c == b'\\' && matches!(b.get(p + 1), Some(b'n' | b'r' | b't' | b'"' | b'\'')) {
            break;
        }
        let stop = match mode {
            Mode::Shell => {
                c.is_ascii_whitespace()
                    || matches!(
                        c,
                        b'"' | b'\'' | b'`' | b';' | b'&' | b'|' | b')' | b'<' | b'>'
                    )
            }
            Mode::Json => {
                c.is_ascii_whitespace() || matches!(c, b',' | b'}' | b']' | b')' | b'"' | b'\'')
            }
            Mode::Code | Mode::Line => false,
        };
        if stop {
            break;
        }
        p += 1;
    }
    trim_end(b, from, p)
}

fn trim_end(b: &[u8], from: usize, mut end: usize) -> usize {
    while end > from && b[end - 1].is_ascii_whitespace() {
        end -= 1;
    }
    end
}

/// Values that point at a secret instead of containing it, or are already
/// redacted: `$FOO`, `${FOO}`, `<your-key>`, `{{ x }}`, `{...}`, `[...]`,
/// `%(x)s`, and pointer/reference syntax (`&str`, `*ptr`). Checked on the
/// first bytes only, before the value's end is even looked for.
fn starts_with_reference(v: &[u8]) -> bool {
    match v.first() {
        Some(b'$' | b'<' | b'{' | b'[' | b'&' | b'*') => true,
        Some(b'%') => matches!(v.get(1), Some(b'(' | b'{')),
        _ => false,
    }
}

/// Placeholder values people write instead of a secret.
const PLACEHOLDERS: &[&str] = &[
    "changeme",
    "change-me",
    "change_me",
    "changeit",
    "example",
    "placeholder",
    "null",
    "nil",
    "none",
    "undefined",
    "true",
    "false",
    "string",
    "redacted",
    "required",
    "optional",
    "todo",
    "tbd",
];

/// References, placeholders, masked values and already-redacted values:
/// nothing here is a secret worth a marker.
fn is_reference_or_placeholder(value: &str) -> bool {
    let v = value.trim();
    let bytes = v.as_bytes();
    if bytes.is_empty() || starts_with_reference(bytes) {
        return true;
    }
    let mut chars = v.chars();
    if let Some(c0) = chars.next()
        && v.len() > c0.len_utf8()
        && chars.all(|c| c == c0)
    {
        return true; // `xxxx`, `****`, `....`
    }
    if PLACEHOLDERS.iter().any(|p| v.eq_ignore_ascii_case(p)) {
        return true;
    }
    // `your-api-key`, `YOUR_TOKEN_HERE`, `your key`
    if bytes.len() > 4
        && bytes[..4].eq_ignore_ascii_case(b"your")
        && matches!(bytes[4], b'-' | b'_' | b' ')
    {
        return true;
    }
    // Masked (`sk-****abcd`) or example (`AKIAXXXXXXXXXXXXXXXX`) values.
    contains(bytes, b"***") || contains_ignore_case(bytes, b"xxxxx")
}

/// Too short or too plain to be a secret: up to three chars, or a number
/// of fewer than eight digits (`max_tokens: 100`, `session: 3`).
fn is_trivial(value: &str) -> bool {
    value.chars().nth(3).is_none() || (value.len() < 8 && value.bytes().all(|c| c.is_ascii_digit()))
}

/// `api_key=api_key`, `self.token = token`: passing a variable along.
fn equals_name(value: &str, name: &[u8]) -> bool {
    let v = value.as_bytes();
    let last = name.rsplit(|&c| c == b'.').next().unwrap_or(name);
    v.eq_ignore_ascii_case(name) || v.eq_ignore_ascii_case(last)
}

/// Unquoted values that are source code rather than a literal secret:
/// calls, paths, type annotations, variable references.
fn looks_like_code(value: &str, mode: Mode) -> bool {
    let v = value.as_bytes();
    if contains(v, b"(") || contains(v, b"::") || contains(v, b"->") || contains(v, b" = ") {
        return true;
    }
    // `token: String,`  `key: K;`  `fn f(token: &str) {`
    if mode != Mode::Shell && matches!(v.last(), Some(b',' | b';' | b'{' | b'}' | b')' | b':')) {
        return true;
    }
    // `settings.SECRET_KEY`, `os.environ["X"]`, and in code, lone identifiers
    // like `access_token` or `apiKey`.
    let ident_start = |c: u8| c.is_ascii_alphabetic() || c == b'_';
    let ident_byte = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let mut p = 0;
    let mut segments = 0;
    loop {
        if !v.get(p).is_some_and(|&c| ident_start(c)) {
            return false;
        }
        while v.get(p).is_some_and(|&c| ident_byte(c)) {
            p += 1;
        }
        segments += 1;
        match v.get(p) {
            None => break,
            Some(b'.') => p += 1,
            Some(b'[') => return true,
            Some(_) => return false,
        }
    }
    if segments >= 2 {
        return true;
    }
    let code_mode = matches!(mode, Mode::Code | Mode::Json);
    let snake = contains(v, b"_");
    let camel =
        v.first().is_some_and(u8::is_ascii_lowercase) && v.iter().any(u8::is_ascii_uppercase);
    code_mode && (snake || camel)
}

/// The `scheme://user:password@host` password, for a `:` at `i`.
fn url_password(b: &[u8], i: usize) -> Option<(usize, usize)> {
    if b.get(i + 1..i + 3) != Some(&b"//"[..]) {
        return None;
    }
    let start = i + 3;
    let mut p = start;
    let mut at = None;
    while let Some(&c) = b.get(p) {
        if c.is_ascii_whitespace()
            || matches!(
                c,
                b'/' | b'?' | b'#' | b'"' | b'\'' | b'<' | b'>' | b'`' | b'\\'
            )
        {
            break;
        }
        if c == b'@' {
            at = Some(p);
        }
        p += 1;
    }
    let at = at?;
    let colon = start + b[start..at].iter().position(|&c| c == b':')?;
    let pw_start = colon + 1;
    let pw = std::str::from_utf8(&b[pw_start..at]).ok()?;
    if pw.is_empty() || is_reference_or_placeholder(pw) {
        return None;
    }
    Some((pw_start, at))
}

/// End of a `-----BEGIN ... PRIVATE KEY-----` block starting at `i`: after
/// the matching END line, or the end of the text when there is none (a
/// truncated key is still a key).
fn private_key_end(text: &str, i: usize) -> Option<usize> {
    const BEGIN: &[u8] = b"-----BEGIN ";
    const END: &str = "-----END ";
    const DASHES: &[u8] = b"-----";
    let b = text.as_bytes();
    if !b[i..].starts_with(BEGIN) {
        return None;
    }
    let label_start = i + BEGIN.len();
    let label_end = pem_label_end(b, label_start);
    if !b[label_end..].starts_with(DASHES) {
        return None;
    }
    let label = &b[label_start..label_end];
    if !(label.ends_with(b"PRIVATE KEY") || label.ends_with(b"PRIVATE KEY BLOCK")) {
        return None;
    }
    // A real block continues with a line break (possibly JSON-escaped) or
    // blanks. A header followed by a quote or bracket is code that mentions
    // it (`line.startswith("-----BEGIN RSA PRIVATE KEY-----")`), and taking
    // it for an unterminated key would swallow the rest of the file.
    match b.get(label_end + DASHES.len()) {
        None | Some(b'\\') => {}
        Some(c) if c.is_ascii_whitespace() => {}
        Some(_) => return None,
    }
    let mut from = label_end + DASHES.len();
    loop {
        let Some(found) = text.get(from..).and_then(|rest| rest.find(END)) else {
            return Some(b.len());
        };
        let end_label_start = from + found + END.len();
        let end_label_end = pem_label_end(b, end_label_start);
        if b[end_label_end..].starts_with(DASHES)
            && contains(&b[end_label_start..end_label_end], b"PRIVATE KEY")
        {
            return Some(end_label_end + DASHES.len());
        }
        from = end_label_start;
    }
}

/// The password in `-u user:password`, `--user user:password` or
/// `--user=user:password` (curl, wget and friends), for a `-` at `i`.
/// `-u 1000:1000` (docker's uid:gid) is left alone as a trivial value.
fn user_option_password(b: &[u8], i: usize) -> Option<(usize, usize)> {
    if i > 0 && !b[i - 1].is_ascii_whitespace() && !matches!(b[i - 1], b'\'' | b'"') {
        return None;
    }
    let rest = &b[i..];
    let after = if rest.starts_with(b"-u ") || rest.starts_with(b"-u\t") {
        i + 3
    } else if rest.starts_with(b"--user ") || rest.starts_with(b"--user=") {
        i + 7
    } else {
        return None;
    };
    let mut p = skip_hspace(b, after);
    let quote = match b.get(p) {
        Some(&q @ (b'"' | b'\'')) => {
            p += 1;
            Some(q)
        }
        _ => None,
    };
    let mut colon = None;
    while let Some(&c) = b.get(p) {
        let stop = match quote {
            Some(q) => c == q || c == b'\n' || c == b'\r',
            None => c.is_ascii_whitespace() || matches!(c, b'"' | b'\'' | b';' | b'&' | b'|'),
        };
        if stop {
            break;
        }
        if c == b':' && colon.is_none() {
            colon = Some(p);
        }
        p += 1;
    }
    let pw_start = colon? + 1;
    let pw = std::str::from_utf8(&b[pw_start..p]).ok()?;
    if pw.is_empty() || is_reference_or_placeholder(pw) || is_trivial(pw) {
        return None;
    }
    Some((pw_start, p))
}

/// `mysql -pSECRET` / `mariadb -p'SECRET'` (attached) and
/// `sshpass -p SECRET`, for a `-` at `i`. Other tools use `-p` for ports
/// and paths, so the command must appear earlier on the same line.
fn dash_p_password(b: &[u8], i: usize) -> Option<(usize, usize)> {
    const LOOKBACK: usize = 256;
    if b.get(i + 1) != Some(&b'p') || i == 0 || !is_hspace(b[i - 1]) {
        return None;
    }
    let floor = i.saturating_sub(LOOKBACK);
    let line_start = b[floor..i]
        .iter()
        .rposition(|&c| c == b'\n')
        .map_or(floor, |p| floor + p + 1);
    let line = &b[line_start..i];
    let mut start = i + 2;
    if contains_ignore_case(line, b"mysql") || contains_ignore_case(line, b"mariadb") {
        // `-p` alone prompts for the password.
    } else if contains(line, b"sshpass") && b.get(start).is_some_and(|&c| is_hspace(c)) {
        start = skip_hspace(b, start);
    } else {
        return None;
    }
    let (start, end) = match b.get(start) {
        Some(&q @ (b'"' | b'\'')) => {
            let content = start + 1;
            let len = b[content..]
                .iter()
                .position(|&c| c == q || c == b'\n')
                .unwrap_or(b.len() - content);
            (content, content + len)
        }
        _ => (
            start,
            run_end_until(b, start, |c| {
                c.is_ascii_whitespace() || matches!(c, b';' | b'&' | b'|')
            }),
        ),
    };
    let pw = std::str::from_utf8(&b[start..end]).ok()?;
    if pw.is_empty() || is_reference_or_placeholder(pw) {
        return None;
    }
    Some((start, end))
}

fn run_end_until(b: &[u8], from: usize, stop: impl Fn(u8) -> bool) -> usize {
    let mut p = from;
    while b.get(p).is_some_and(|&c| !stop(c)) {
        p += 1;
    }
    p
}

/// End of a PEM label (`RSA PRIVATE KEY`): uppercase, digits, spaces.
fn pem_label_end(b: &[u8], start: usize) -> usize {
    let mut p = start;
    while p - start < 64
        && b.get(p)
            .is_some_and(|&c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == b' ')
    {
        p += 1;
    }
    p
}

/// Which bytes may continue a token.
#[derive(Debug, Clone, Copy)]
enum Charset {
    /// `[A-Za-z0-9]`
    Alnum,
    /// `[A-Za-z0-9_]`
    AlnumUnderscore,
    /// `[A-Za-z0-9-]`
    AlnumDash,
    /// `[A-Za-z0-9_-]`
    Base64Url,
    /// `[A-Z0-9]`
    UpperAlnum,
    /// RFC 6750 `b64token`: `[A-Za-z0-9._~+/=-]`
    Bearer,
    /// `[A-Za-z0-9/_-]`
    UrlPath,
}

impl Charset {
    fn contains(self, c: u8) -> bool {
        match self {
            Self::Alnum => c.is_ascii_alphanumeric(),
            Self::AlnumUnderscore => c.is_ascii_alphanumeric() || c == b'_',
            Self::AlnumDash => c.is_ascii_alphanumeric() || c == b'-',
            Self::Base64Url => c.is_ascii_alphanumeric() || c == b'_' || c == b'-',
            Self::UpperAlnum => c.is_ascii_uppercase() || c.is_ascii_digit(),
            Self::Bearer => {
                c.is_ascii_alphanumeric()
                    || matches!(c, b'.' | b'_' | b'~' | b'+' | b'/' | b'=' | b'-')
            }
            Self::UrlPath => c.is_ascii_alphanumeric() || matches!(c, b'/' | b'_' | b'-'),
        }
    }
}

/// Extra acceptance test on a token body, so that identifiers and words
/// that happen to start with a prefix (`sk-learn-compatible-estimators`,
/// `hf_hub_download`) are not taken for keys.
#[derive(Debug, Clone, Copy)]
enum Shape {
    /// At least two of lowercase, uppercase, digit: random-looking.
    Mixed,
    /// OpenAI: a digit, or long and mixed-case.
    OpenAi,
    /// Contains a digit (Slack tokens are mostly digits and dashes).
    HasDigit,
    /// Exactly this many chars, not followed by an alphanumeric char.
    Exact(usize),
    /// Length alone decides.
    Any,
}

impl Shape {
    fn accepts(self, body: &[u8]) -> bool {
        let lower = body.iter().any(u8::is_ascii_lowercase);
        let upper = body.iter().any(u8::is_ascii_uppercase);
        let digit = body.iter().any(u8::is_ascii_digit);
        match self {
            Self::Mixed => usize::from(lower) + usize::from(upper) + usize::from(digit) >= 2,
            Self::OpenAi => digit || (body.len() >= 40 && lower && upper),
            Self::HasDigit => digit,
            Self::Exact(n) => body.len() == n,
            Self::Any => true,
        }
    }
}

/// A token recognised by its prefix.
struct Prefixed {
    prefix: &'static [u8],
    charset: Charset,
    /// Minimum body length (after the prefix).
    min: usize,
    shape: Shape,
    kind: SecretKind,
}

const fn rule(
    prefix: &'static [u8],
    charset: Charset,
    min: usize,
    shape: Shape,
    kind: SecretKind,
) -> Prefixed {
    Prefixed {
        prefix,
        charset,
        min,
        shape,
        kind,
    }
}

/// Prefixed token rules. Order matters where prefixes share a start: the
/// first rule whose prefix matches decides.
const PREFIXED: &[Prefixed] = &[
    rule(
        b"sk-ant-",
        Charset::Base64Url,
        20,
        Shape::Mixed,
        SecretKind::AnthropicApiKey,
    ),
    rule(
        b"sk-",
        Charset::Base64Url,
        20,
        Shape::OpenAi,
        SecretKind::OpenAiApiKey,
    ),
    rule(
        b"sk_live_",
        Charset::Alnum,
        16,
        Shape::Mixed,
        SecretKind::StripeKey,
    ),
    rule(
        b"sk_test_",
        Charset::Alnum,
        16,
        Shape::Mixed,
        SecretKind::StripeKey,
    ),
    rule(
        b"rk_live_",
        Charset::Alnum,
        16,
        Shape::Mixed,
        SecretKind::StripeKey,
    ),
    rule(
        b"rk_test_",
        Charset::Alnum,
        16,
        Shape::Mixed,
        SecretKind::StripeKey,
    ),
    rule(
        b"whsec_",
        Charset::Alnum,
        24,
        Shape::Mixed,
        SecretKind::StripeKey,
    ),
    rule(
        b"AKIA",
        Charset::UpperAlnum,
        16,
        Shape::Exact(16),
        SecretKind::AwsAccessKeyId,
    ),
    rule(
        b"ASIA",
        Charset::UpperAlnum,
        16,
        Shape::Exact(16),
        SecretKind::AwsAccessKeyId,
    ),
    rule(
        b"AIza",
        Charset::Base64Url,
        35,
        Shape::Any,
        SecretKind::GoogleApiKey,
    ),
    rule(
        b"ghp_",
        Charset::Alnum,
        30,
        Shape::Mixed,
        SecretKind::GithubToken,
    ),
    rule(
        b"gho_",
        Charset::Alnum,
        30,
        Shape::Mixed,
        SecretKind::GithubToken,
    ),
    rule(
        b"ghu_",
        Charset::Alnum,
        30,
        Shape::Mixed,
        SecretKind::GithubToken,
    ),
    rule(
        b"ghs_",
        Charset::Alnum,
        30,
        Shape::Mixed,
        SecretKind::GithubToken,
    ),
    rule(
        b"ghr_",
        Charset::Alnum,
        30,
        Shape::Mixed,
        SecretKind::GithubToken,
    ),
    rule(
        b"github_pat_",
        Charset::AlnumUnderscore,
        22,
        Shape::Mixed,
        SecretKind::GithubToken,
    ),
    rule(
        b"glpat-",
        Charset::Base64Url,
        20,
        Shape::Mixed,
        SecretKind::GitlabToken,
    ),
    rule(
        b"glptt-",
        Charset::Base64Url,
        20,
        Shape::Mixed,
        SecretKind::GitlabToken,
    ),
    rule(
        b"gldt-",
        Charset::Base64Url,
        20,
        Shape::Mixed,
        SecretKind::GitlabToken,
    ),
    rule(
        b"glrt-",
        Charset::Base64Url,
        20,
        Shape::Mixed,
        SecretKind::GitlabToken,
    ),
    rule(
        b"xoxb-",
        Charset::AlnumDash,
        10,
        Shape::HasDigit,
        SecretKind::SlackToken,
    ),
    rule(
        b"xoxp-",
        Charset::AlnumDash,
        10,
        Shape::HasDigit,
        SecretKind::SlackToken,
    ),
    rule(
        b"xoxa-",
        Charset::AlnumDash,
        10,
        Shape::HasDigit,
        SecretKind::SlackToken,
    ),
    rule(
        b"xoxr-",
        Charset::AlnumDash,
        10,
        Shape::HasDigit,
        SecretKind::SlackToken,
    ),
    rule(
        b"xoxs-",
        Charset::AlnumDash,
        10,
        Shape::HasDigit,
        SecretKind::SlackToken,
    ),
    rule(
        b"xoxe-",
        Charset::AlnumDash,
        10,
        Shape::HasDigit,
        SecretKind::SlackToken,
    ),
    rule(
        b"xapp-",
        Charset::AlnumDash,
        10,
        Shape::HasDigit,
        SecretKind::SlackToken,
    ),
    rule(
        b"npm_",
        Charset::Alnum,
        36,
        Shape::Mixed,
        SecretKind::NpmToken,
    ),
    rule(
        b"pypi-",
        Charset::Base64Url,
        50,
        Shape::Mixed,
        SecretKind::PypiToken,
    ),
    rule(
        b"hf_",
        Charset::Alnum,
        30,
        Shape::Mixed,
        SecretKind::HuggingFaceToken,
    ),
];

/// For each byte, the range of [`PREFIXED`] rules whose prefix starts with
/// it, so a trigger byte only tries its own few rules. Rules sharing a first
/// byte are contiguous in [`PREFIXED`] (checked by a test).
const RULES_BY_FIRST_BYTE: [(u8, u8); 256] = {
    let mut index = [(0u8, 0u8); 256];
    let mut i = 0;
    while i < PREFIXED.len() {
        let c = PREFIXED[i].prefix[0] as usize;
        if index[c].1 == 0 {
            index[c].0 = i as u8;
        }
        index[c].1 = i as u8 + 1;
        i += 1;
    }
    index
};

/// Bytes that can start a token: the first bytes of [`PREFIXED`], plus `e`
/// (JWT), `b`/`B` (Bearer) and `h` (Slack webhook). Kept as a `match` so the
/// hot loop rejects every other byte with one comparison chain.
fn is_token_start(c: u8) -> bool {
    matches!(
        c,
        b's' | b'r' | b'w' | b'A' | b'g' | b'x' | b'n' | b'p' | b'h' | b'e' | b'b' | b'B'
    )
}

/// A bare bearer token must look generated, not like an English word.
fn bearer_looks_random(token: &[u8]) -> bool {
    token.iter().any(u8::is_ascii_digit)
        || token.iter().skip(1).any(u8::is_ascii_uppercase)
        || token
            .iter()
            .any(|c| matches!(c, b'.' | b'~' | b'+' | b'/' | b'='))
}

fn run_end(b: &[u8], from: usize, charset: Charset) -> usize {
    let mut p = from;
    while b.get(p).is_some_and(|&c| charset.contains(c)) {
        p += 1;
    }
    p
}

fn is_hspace(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

fn skip_hspace(b: &[u8], from: usize) -> usize {
    let mut p = from;
    while b.get(p).is_some_and(|&c| is_hspace(c)) {
        p += 1;
    }
    p
}

fn is_name_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.')
}

/// Token boundary: `task-ant-...`, `risk-...`, `XAKIA...` are not tokens.
///
/// Only ASCII counts as alphanumeric here: scripts without spaces (`キーはsk-...`)
/// would otherwise hide every token. A JSON escape (`\n`, `\t`, `\r`) ends a
/// word, since serialized output is full of them.
fn preceded_by_alnum(b: &[u8], i: usize) -> bool {
    let Some(&prev) = i.checked_sub(1).and_then(|p| b.get(p)) else {
        return false;
    };
    prev.is_ascii_alphanumeric()
        && !(matches!(prev, b'n' | b't' | b'r') && i >= 2 && b[i - 2] == b'\\')
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_char_boundary(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i += 1;
    }
    i
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn contains_ignore_case(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle))
}

/// JSON object keys that mark their string value as secret. Compared as a
/// suffix of the key lowercased with separators removed, so `x-api-key`,
/// `OPENAI_API_KEY`, `clientSecret` and `refresh_token` all match while
/// `max_tokens`, `token_type` and `session_id` do not.
const JSON_SECRET_KEYS: &[&[u8]] = &[
    b"apikey",
    b"secretkey",
    b"privatekey",
    b"accesskey",
    b"signingkey",
    b"encryptionkey",
    b"password",
    b"passwd",
    b"passphrase",
    b"secret",
    b"token",
    b"authorization",
    b"auth",
    b"cookie",
    b"credential",
    b"credentials",
];

fn json_key_names_secret(key: &str) -> bool {
    let mut buf = [0u8; 64];
    let mut n = 0;
    // Keep the last 64 alphanumeric bytes: only the suffix matters.
    for c in key.bytes().filter(u8::is_ascii_alphanumeric) {
        if n == buf.len() {
            buf.copy_within(1.., 0);
            n -= 1;
        }
        buf[n] = c.to_ascii_lowercase();
        n += 1;
    }
    let norm = &buf[..n];
    JSON_SECRET_KEYS.iter().any(|k| norm.ends_with(k))
}

fn json_key_kind(key: &str) -> SecretKind {
    let lower = key.to_ascii_lowercase();
    if lower.contains("pass") || lower.contains("pwd") {
        SecretKind::Password
    } else {
        SecretKind::Secret
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    const ALL_KINDS: &[SecretKind] = &[
        SecretKind::PrivateKey,
        SecretKind::AnthropicApiKey,
        SecretKind::OpenAiApiKey,
        SecretKind::AwsAccessKeyId,
        SecretKind::GithubToken,
        SecretKind::GitlabToken,
        SecretKind::SlackToken,
        SecretKind::SlackWebhook,
        SecretKind::GoogleApiKey,
        SecretKind::StripeKey,
        SecretKind::NpmToken,
        SecretKind::PypiToken,
        SecretKind::HuggingFaceToken,
        SecretKind::Jwt,
        SecretKind::BearerToken,
        SecretKind::BasicAuth,
        SecretKind::UrlPassword,
        SecretKind::Password,
        SecretKind::Secret,
    ];

    // Test secrets are assembled at run time so that this file does not
    // itself trip secret scanners.
    fn cat(parts: &[&str]) -> String {
        parts.concat()
    }
    fn openai() -> String {
        cat(&["sk-proj-", "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z"])
    }
    fn anthropic() -> String {
        cat(&["sk-ant-", "api03-Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Jh1Gf0De-Cb_A"])
    }
    fn aws() -> String {
        cat(&["AKIA", "IOSFODNN7EXAMPLE"])
    }
    fn ghp() -> String {
        cat(&["ghp_", "abcdefghijklmnopqrstuvwxyz0123456789"])
    }
    fn jwt() -> String {
        cat(&[
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9",
            ".eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ",
            ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
        ])
    }

    /// Redacts and checks the invariants every output must satisfy.
    fn r(text: &str) -> String {
        let out = redact_str(text).into_owned();
        assert_eq!(redact_str(&out), out, "not idempotent for {text:?}");
        assert_eq!(
            contains_secret(text),
            matches!(redact_str(text), Cow::Owned(_))
        );
        out
    }

    fn assert_gone(text: &str, secret: &str, kind: SecretKind) {
        let out = r(text);
        assert!(!out.contains(secret), "secret survived in {out:?}");
        let m = marker(kind);
        assert!(out.contains(&m), "expected {m} in {out:?}");
        assert!(contains_secret(text));
    }

    fn assert_kept(text: &str) {
        let out = redact_str(text);
        assert!(
            matches!(out, Cow::Borrowed(_)),
            "unexpected redaction: {text:?} -> {out:?}"
        );
        assert!(!contains_secret(text), "contains_secret true for {text:?}");
    }

    // ---- API basics -------------------------------------------------------

    #[test]
    fn clean_text_is_borrowed() {
        let text = "cargo test --workspace\nall 42 tests passed";
        assert!(matches!(redact_str(text), Cow::Borrowed(s) if s == text));
        assert!(!contains_secret(text));
        assert!(matches!(redact_str(""), Cow::Borrowed("")));
    }

    #[test]
    fn kind_names_are_kebab_case_and_unique() {
        let mut seen = std::collections::HashSet::new();
        for kind in ALL_KINDS {
            let s = kind.as_str();
            assert!(
                s.bytes().all(|c| c.is_ascii_lowercase() || c == b'-'),
                "{s}"
            );
            assert!(seen.insert(s), "duplicate kind name {s}");
        }
        assert_eq!(SecretKind::AwsAccessKeyId.as_str(), "aws-access-key-id");
    }

    #[test]
    fn markers_are_never_detected() {
        for kind in ALL_KINDS {
            let m = marker(*kind);
            assert_kept(&m);
            for ctx in [
                format!("API_KEY={m}"),
                format!("password: {m}"),
                format!("\"token\": \"{m}\""),
                format!("Authorization: Bearer {m}"),
                format!("https://user:{m}@host/"),
                format!("{m}{m} {m}:{m}={m}"),
            ] {
                assert_kept(&ctx);
            }
        }
    }

    #[test]
    fn every_prefix_starts_with_a_trigger_byte() {
        for (idx, rule) in PREFIXED.iter().enumerate() {
            let c = rule.prefix[0];
            assert!(is_token_start(c), "{:?}", rule.prefix);
            let (first, last) = RULES_BY_FIRST_BYTE[usize::from(c)];
            assert!((usize::from(first)..usize::from(last)).contains(&idx));
            for other in &PREFIXED[usize::from(first)..usize::from(last)] {
                assert_eq!(
                    other.prefix[0], c,
                    "rules with first byte {c} are not contiguous"
                );
            }
        }
    }

    // ---- private keys -----------------------------------------------------

    #[test]
    fn private_key_block_is_replaced_whole() {
        let key = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7b9\nabc+/=\n-----END RSA PRIVATE KEY-----";
        let text = format!("before\n{key}\nafter");
        assert_eq!(r(&text), "before\n[REDACTED:private-key]\nafter");
    }

    #[test]
    fn private_key_variants() {
        for label in [
            "PRIVATE KEY",
            "OPENSSH PRIVATE KEY",
            "EC PRIVATE KEY",
            "DSA PRIVATE KEY",
            "ENCRYPTED PRIVATE KEY",
            "PGP PRIVATE KEY BLOCK",
        ] {
            let text = format!("x -----BEGIN {label}-----\nQUJD\nREVG\n-----END {label}----- y");
            assert_eq!(r(&text), "x [REDACTED:private-key] y", "{label}");
        }
    }

    #[test]
    fn unterminated_private_key_is_redacted_to_end() {
        let text = "key:\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\nmore";
        assert_eq!(r(text), "key:\n[REDACTED:private-key]");
    }

    #[test]
    fn private_key_in_json_escaped_text() {
        let text = r#"{"private_key": "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY-----\n", "x": 1}"#;
        let out = r(text);
        assert!(!out.contains("MIIEvQIBADANBg"), "{out}");
        assert!(out.contains("[REDACTED:private-key]"), "{out}");
        assert!(out.ends_with(r#", "x": 1}"#), "{out}");
    }

    #[test]
    fn code_mentioning_a_key_header_is_kept() {
        assert_kept("if line.startswith(\"-----BEGIN RSA PRIVATE KEY-----\"):\n    parse(rest)\n");
        assert_kept("const BEGIN: &str = \"-----BEGIN OPENSSH PRIVATE KEY-----\";\nfn f() {}");
    }

    #[test]
    fn public_keys_and_certificates_are_kept() {
        assert_kept("-----BEGIN PUBLIC KEY-----\nMIIBIjANBg\n-----END PUBLIC KEY-----");
        assert_kept("-----BEGIN CERTIFICATE-----\nMIIBIjANBg\n-----END CERTIFICATE-----");
    }

    // ---- prefixed tokens --------------------------------------------------

    #[test]
    fn anthropic_key() {
        let key = anthropic();
        assert_eq!(
            r(&format!("key {key} end")),
            "key [REDACTED:anthropic-api-key] end"
        );
    }

    #[test]
    fn openai_keys() {
        let key = openai();
        assert_eq!(r(&format!("({key})")), "([REDACTED:openai-api-key])");
        let legacy = cat(&["sk-", "T3BlbkFJabcdefghijklmnopqrstuvwxyz012345678"]);
        assert_gone(&format!("use {legacy}"), &legacy, SecretKind::OpenAiApiKey);
    }

    #[test]
    fn aws_access_key_ids() {
        let id = aws();
        assert_eq!(r(&format!("id={id};")), "id=[REDACTED:aws-access-key-id];");
        let sts = cat(&["ASIA", "Y34FZKBOKMUTVV7A"]);
        assert_eq!(r(&format!("\"{sts}\"")), "\"[REDACTED:aws-access-key-id]\"");
    }

    #[test]
    fn github_tokens() {
        for prefix in ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"] {
            let tok = cat(&[prefix, "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"]);
            assert_gone(&format!("t {tok}"), &tok, SecretKind::GithubToken);
        }
        let pat = cat(&[
            "github_pat_",
            "11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJ",
        ]);
        assert_eq!(r(&format!("{pat}\n")), "[REDACTED:github-token]\n");
    }

    #[test]
    fn brief_example_exact() {
        let text = format!("export GITHUB_TOKEN={}", ghp());
        assert_eq!(r(&text), "export GITHUB_TOKEN=[REDACTED:github-token]");
    }

    #[test]
    fn gitlab_token() {
        let tok = cat(&["glpat-", "xY7zAbCdEfGh12345678"]);
        assert_eq!(
            r(&format!("PRIVATE-TOKEN {tok}")),
            "PRIVATE-TOKEN [REDACTED:gitlab-token]"
        );
    }

    #[test]
    fn slack_tokens_and_webhooks() {
        for prefix in ["xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-"] {
            let tok = cat(&[prefix, "1234567890-0987654321-AbCdEfGhIjKl"]);
            assert_gone(&format!("slack {tok}"), &tok, SecretKind::SlackToken);
        }
        let path = "T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX";
        let url = format!("https://hooks.slack.com/services/{path}");
        assert_eq!(
            r(&format!("curl -X POST {url} -d @msg.json")),
            "curl -X POST https://hooks.slack.com/services/[REDACTED:slack-webhook] -d @msg.json"
        );
    }

    #[test]
    fn google_api_key() {
        let key = cat(&["AIza", "SyA1234567890abcdefghijklmnopqrstuv"]);
        assert_eq!(key.len(), 4 + 35);
        assert_eq!(
            r(&format!("?key={key}&q=1")),
            "?key=[REDACTED:google-api-key]&q=1"
        );
    }

    #[test]
    fn stripe_keys() {
        for prefix in ["sk_live_", "rk_live_", "sk_test_"] {
            let key = cat(&[prefix, "51H8abcDEF0123456789xyzXYZ"]);
            assert_eq!(
                r(&format!("stripe {key}.")),
                "stripe [REDACTED:stripe-key]."
            );
        }
    }

    #[test]
    fn npm_token() {
        let tok = cat(&["npm_", "aB3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hI6"]);
        assert_eq!(
            r(&format!("//registry.npmjs.org/:_authToken={tok}")),
            "//registry.npmjs.org/:_authToken=[REDACTED:npm-token]"
        );
    }

    #[test]
    fn pypi_token() {
        let tok = cat(&[
            "pypi-",
            "AgEIcHlwaS5vcmcCJDU1YjM4NzE0LWE2YjItNGE5Ny1iN2RlLTkzZTRjZjA1",
        ]);
        assert_gone(&format!("password = {tok}"), &tok, SecretKind::PypiToken);
    }

    #[test]
    fn huggingface_token() {
        let tok = cat(&["hf_", "AbCdEfGhIjKlMnOpQrStUvWxYz01234567"]);
        assert_eq!(
            r(&format!("login {tok}")),
            "login [REDACTED:huggingface-token]"
        );
    }

    #[test]
    fn jwt_token() {
        let t = jwt();
        assert_eq!(r(&format!("id_token: {t}")), "id_token: [REDACTED:jwt]");
        assert_eq!(r(&format!("see {t}.")), "see [REDACTED:jwt].");
    }

    // ---- authorization headers --------------------------------------------

    #[test]
    fn authorization_bearer_header() {
        let text = "Authorization: Bearer abc123DEF456ghi789";
        assert_eq!(r(text), "Authorization: Bearer [REDACTED:bearer-token]");
        let lower = "authorization: bearer abc123DEF456ghi789";
        assert_eq!(r(lower), "authorization: bearer [REDACTED:bearer-token]");
    }

    #[test]
    fn authorization_basic_header() {
        let text = "Authorization: Basic dXNlcjpwYXNzd29yZA==\r\nHost: x";
        assert_eq!(
            r(text),
            "Authorization: Basic [REDACTED:basic-auth]\r\nHost: x"
        );
    }

    #[test]
    fn curl_header_token() {
        let text = "curl -H 'Authorization: token abc123def456' https://api.github.com/user";
        assert_eq!(
            r(text),
            "curl -H 'Authorization: token [REDACTED:bearer-token]' https://api.github.com/user"
        );
        let text = format!("curl -H \"Authorization: Bearer {}\" x", jwt());
        assert_eq!(
            r(&text),
            "curl -H \"Authorization: Bearer [REDACTED:jwt]\" x"
        );
        let text = "curl -H 'X-Api-Key: abcdef123456' https://x";
        assert_eq!(r(text), "curl -H 'X-Api-Key: [REDACTED:secret]' https://x");
    }

    #[test]
    fn bare_bearer_token() {
        let text = "sent Bearer 0123456789abcdefXYZ to the server";
        assert_eq!(r(text), "sent Bearer [REDACTED:bearer-token] to the server");
        assert_kept("the bearer authentication scheme");
        assert_kept("Bearer short123");
    }

    #[test]
    fn json_authorization_text() {
        let text = r#"{"headers": {"Authorization": "Bearer abc123def456ghi"}}"#;
        assert_eq!(
            r(text),
            r#"{"headers": {"Authorization": "Bearer [REDACTED:bearer-token]"}}"#
        );
    }

    // ---- URL and command-line credentials ---------------------------------

    #[test]
    fn curl_user_option() {
        assert_eq!(
            r("curl -u admin:s3cretpw https://x"),
            "curl -u admin:[REDACTED:basic-auth] https://x"
        );
        assert_eq!(
            r("curl --user 'bob:pa ss word' x"),
            "curl --user 'bob:[REDACTED:basic-auth]' x"
        );
        assert_eq!(
            r("wget --user=bob:hunter22 x"),
            "wget --user=bob:[REDACTED:basic-auth] x"
        );
        assert_kept("docker run -u 1000:1000 img");
        assert_kept("git push -u origin main");
        assert_kept("curl -u \"$USER:$PASS\" x");
    }

    #[test]
    fn mysql_and_sshpass_passwords() {
        assert_eq!(
            r("mysql -h db -u root -pMyPassw0rd mydb"),
            "mysql -h db -u root -p[REDACTED:password] mydb"
        );
        assert_eq!(
            r("mysqldump -p'a b' x"),
            "mysqldump -p'[REDACTED:password]' x"
        );
        assert_eq!(
            r("sshpass -p s3cret ssh host"),
            "sshpass -p [REDACTED:password] ssh host"
        );
        assert_kept("mysql -u root -p mydb");
        assert_kept("mysql -p$MYSQL_PWD");
        assert_kept("mkdir -p build && docker run -p8080:80 img");
    }

    #[test]
    fn url_password() {
        let text = "postgres://admin:hunter2@db.example.com:5432/app";
        assert_eq!(
            r(text),
            "postgres://admin:[REDACTED:url-password]@db.example.com:5432/app"
        );
        let text = "git clone https://oauth2:s3cretTokenValue@gitlab.com/g/p.git";
        assert_eq!(
            r(text),
            "git clone https://oauth2:[REDACTED:url-password]@gitlab.com/g/p.git"
        );
    }

    #[test]
    fn url_without_password_is_kept() {
        assert_kept("https://user@example.com/path?a=b:c@d");
        assert_kept("ssh://git@github.com:22/x.git and http://[::1]:8080/");
        assert_kept("postgres://user:$PGPASSWORD@localhost/db");
        assert_kept("https://user:****@host/");
    }

    #[test]
    fn url_password_that_is_a_token_gets_token_kind() {
        let tok = cat(&["ghs_", "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"]);
        let text = format!("https://x-access-token:{tok}@github.com/o/r");
        assert_eq!(
            r(&text),
            "https://x-access-token:[REDACTED:github-token]@github.com/o/r"
        );
    }

    // ---- named assignments ------------------------------------------------

    #[test]
    fn shell_assignment_stops_at_whitespace() {
        assert_eq!(
            r("OPENAI_API_KEY=sk-xyz python app.py"),
            "OPENAI_API_KEY=[REDACTED:secret] python app.py"
        );
        assert_eq!(
            r("export DB_PASSWORD=hunter2 && run"),
            "export DB_PASSWORD=[REDACTED:password] && run"
        );
        assert_eq!(
            r("mytool --api-key=abcd1234 --verbose"),
            "mytool --api-key=[REDACTED:secret] --verbose"
        );
    }

    #[test]
    fn quoted_assignment_values() {
        assert_eq!(
            r("export API_KEY=\"abc def ghi\" ; ls"),
            "export API_KEY=\"[REDACTED:secret]\" ; ls"
        );
        assert_eq!(r("SECRET='s3cr3t!'"), "SECRET='[REDACTED:secret]'");
        assert_eq!(
            r("client = OpenAI(api_key=\"abc123def\")"),
            "client = OpenAI(api_key=\"[REDACTED:secret]\")"
        );
        assert_eq!(
            r("password := \"hunter22\""),
            "password := \"[REDACTED:password]\""
        );
    }

    #[test]
    fn dotenv_file() {
        let env = "# comment\nAPP_NAME=rein\nDATABASE_PASSWORD=correct-horse\nSTRIPE_SECRET=whatever123\nDEBUG=true\n";
        assert_eq!(
            r(env),
            "# comment\nAPP_NAME=rein\nDATABASE_PASSWORD=[REDACTED:password]\nSTRIPE_SECRET=[REDACTED:secret]\nDEBUG=true\n"
        );
    }

    #[test]
    fn yaml_and_headers_run_to_end_of_line() {
        let yaml = "db:\n  password: my secret phrase\n  user: bob\n";
        assert_eq!(
            r(yaml),
            "db:\n  password: [REDACTED:password]\n  user: bob\n"
        );
        assert_eq!(
            r("Cookie: sid=abc123; theme=dark"),
            "Cookie: [REDACTED:secret]"
        );
    }

    #[test]
    fn json_text_assignments() {
        assert_eq!(
            r(r#"{"api_key": "abc123def", "n": 2}"#),
            r#"{"api_key": "[REDACTED:secret]", "n": 2}"#
        );
        assert_eq!(
            r(r#"{\"password\": \"hunter22\"}"#),
            r#"{\"password\": \"[REDACTED:password]\"}"#
        );
        assert_eq!(
            r(r#"{"token": 123456789}"#),
            r#"{"token": [REDACTED:secret]}"#
        );
    }

    #[test]
    fn assignment_with_token_value_prefers_token_kind() {
        let key = anthropic();
        assert_eq!(
            r(&format!("ANTHROPIC_API_KEY={key}")),
            "ANTHROPIC_API_KEY=[REDACTED:anthropic-api-key]"
        );
        assert_eq!(
            r(&format!("api_key: \"{}\"", openai())),
            "api_key: \"[REDACTED:openai-api-key]\""
        );
        assert_eq!(
            r(&format!("aws_access_key_id = {}", aws())),
            "aws_access_key_id = [REDACTED:aws-access-key-id]"
        );
    }

    #[test]
    fn env_dump_in_json_escaped_string() {
        let text = r#"{"output": "HOME=/root\nAPI_TOKEN=abcdef123\nPWD=/work\n"}"#;
        assert_eq!(
            r(text),
            r#"{"output": "HOME=/root\nAPI_TOKEN=[REDACTED:secret]\nPWD=/work\n"}"#
        );
    }

    // ---- near misses ------------------------------------------------------

    #[test]
    fn prefixes_inside_words_are_not_tokens() {
        assert_kept("task-list-abcdefghijklmnopqrstuvwxyz0123456789");
        assert_kept("risk-assessment-0123456789abcdefghijklmnop");
        assert_kept("XAKIAIOSFODNN7EXAMPLE and AKIAIOSFODNN7EXAMPLEX");
        assert_kept("bigghp_abcdefghijklmnopqrstuvwxyz0123456789");
        assert_kept("sk-learn-compatible-estimators-are-nice");
        assert_kept("hf_hub_download and xoxb-no-digits-here");
        assert_kept("AKIA1234");
    }

    #[test]
    fn references_and_placeholders_are_kept() {
        for text in [
            "export API_KEY=$API_KEY",
            "KEY=${KEY}",
            "token: ${{ secrets.GITHUB_TOKEN }}",
            "api_key: \"{{ api_key }}\"",
            "OPENAI_API_KEY=<your-key-here>",
            "API_KEY=your-key-here",
            "password: changeme",
            "PASSWORD=xxxxxxxx",
            "secret: '***'",
            "token: null",
            "auth: none",
            "private: true",
            "PASSWORD=\"\"",
            "password_hint=",
            "password: ",
            "echo $API_KEY",
            "Authorization: Bearer $TOKEN",
        ] {
            assert_kept(text);
        }
    }

    #[test]
    fn regression_prose_after_session_or_key_was_redacted_as_a_secret() {
        for text in [
            "restore session: prompt one",
            "the key: keep it short",
            "Our secret: nobody reads the docs.",
        ] {
            assert_kept(text);
        }
        // Still secrets: a password of words, a bearer header, a one-word token.
        assert_ne!(
            redact_str("password: correct horse battery staple"),
            "password: correct horse battery staple"
        );
        assert_ne!(
            redact_str("session: 9f8e7d6c5b4a39281706f5e4d3c2b1a0"),
            "session: 9f8e7d6c5b4a39281706f5e4d3c2b1a0"
        );
    }

    #[test]
    fn descriptive_names_and_small_values_are_kept() {
        for text in [
            "token_count = 5",
            "max_tokens: 100",
            "max_tokens=4096",
            "primary_key: id",
            "session: 3",
            "session_id: 7f9c2ba4e88f827d",
            "private_key_path: ~/.ssh/id_rsa",
            "token_type: bearer",
            "author: Jane Doe",
            "tokenizer: bert-base-uncased",
            "keyboard: us-intl",
            "PWD=/home/user/project",
            "OLDPWD=/home/user",
            "credential.helper=osxkeychain",
            "<add key=\"ApiKey\" value=\"x\" />",
            "sort_key: created_at",
            "primaryKey: user_id",
            "KeyError: 'api_key'",
            "keys: [a, b, c]",
            "if token == expected_token:",
            "key => value",
            "a:b:c token:abc123def",
        ] {
            assert_kept(text);
        }
    }

    #[test]
    fn code_is_not_taken_for_secrets() {
        for text in [
            "    api_key: String,",
            "fn verify(token: &str) -> bool {",
            "pub token: Option<String>,",
            "api_key = os.environ[\"OPENAI_API_KEY\"]",
            "token = get_token()",
            "self.api_key = api_key",
            "const token = req.headers.authorization;",
            "password = settings.DB_PASSWORD",
            "headers = {\"Authorization\": f\"Bearer {token}\"}",
            "token = access_token",
            "let key = compute_key(&input);",
        ] {
            assert_kept(text);
        }
    }

    // ---- robustness -------------------------------------------------------

    #[test]
    fn multibyte_text_never_panics() {
        for text in [
            "sk-é",
            "sk-ant-日本語",
            "ghp_🎉🎉",
            "AKIAé",
            "AIza√",
            "eyJé.é.é",
            "Bearer ß",
            "API_KEY=日本語の秘密",
            "password: 🔑🔑🔑🔑",
            "\\nsk-",
            "\\",
            "\\\\n",
            "https://ü:ö@ä",
            "-----BEGIN PRIVATE KEY-----é",
            "é=é",
            "é:é",
            "\"é\": \"é\"",
            "=",
            ":",
            "-",
            "://",
            ":=",
            "\\",
            "'",
            "\"",
        ] {
            let out = r(text);
            assert!(!out.is_empty() || text.is_empty());
        }
        assert_eq!(
            r("API_KEY=日本語の秘密 next"),
            "API_KEY=[REDACTED:secret] next"
        );
        assert_eq!(r("password: 🔑é🔑é"), "password: [REDACTED:password]");
        assert_eq!(
            r("https://ü:pässwörd@host"),
            "https://ü:[REDACTED:url-password]@host"
        );
        let key = openai();
        // Non-ASCII letters do not glue onto a token: CJK text has no spaces.
        assert_eq!(
            r(&format!("キーは{key}です")),
            "キーは[REDACTED:openai-api-key]です"
        );
        assert_eq!(r(&format!("é{}", aws())), "é[REDACTED:aws-access-key-id]");
    }

    #[test]
    fn one_megabyte_with_secrets() {
        let secrets = [openai(), anthropic(), aws(), ghp(), jwt()];
        let filler = "Lorem ipsum dolor sit amet, task-list risk=low données €ü 日本 🎉 max_tokens: 100\n\
                      fn main() { let x = a == b; } // see https://example.com/a?b=c\n";
        let mut text = String::with_capacity(1 << 20);
        let mut n = 0;
        while text.len() < (1 << 20) {
            text.push_str(filler);
            if n % 997 == 0 {
                text.push_str(&format!("export API_KEY={}\n", secrets[n % secrets.len()]));
                text.push_str("postgres://u:hunter2pw@db/x\n");
            }
            n += 1;
        }
        let out = redact_str(&text);
        for s in &secrets {
            assert!(!out.contains(s.as_str()));
        }
        assert!(!out.contains("hunter2pw"));
        assert!(out.contains("max_tokens: 100"));
        assert_eq!(redact_str(&out), out);

        // Adversarial shapes stay linear (these would take seconds if not).
        let nested = "sk-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-".repeat(30_000);
        let _ = redact_str(&nested);
        let jwtish = "eyJaaaaaaaaaaaaa-".repeat(60_000);
        let _ = redact_str(&jwtish);
        let line = "password: $x ".repeat(80_000);
        let _ = redact_str(&line);
        let seps = format!("password: {}", "x: y z ".repeat(100_000));
        assert_eq!(redact_str(&seps), "password: [REDACTED:password] ");
        let begins = "-----BEGIN CERTIFICATE-----\n".repeat(30_000);
        assert_kept(&begins);
    }

    // ---- JSON -------------------------------------------------------------

    #[test]
    fn json_values_are_redacted_recursively() {
        let tok = ghp();
        let mut v = json!({
            "tool": "Bash",
            "input": {"command": format!("export GITHUB_TOKEN={tok}")},
            "list": ["ok", format!("Bearer {}", jwt()), 3, null, true],
            format!("key-{tok}"): "object keys are left alone",
        });
        let n = redact_json(&mut v);
        assert_eq!(n, 2);
        assert_eq!(
            v["input"]["command"],
            "export GITHUB_TOKEN=[REDACTED:github-token]"
        );
        assert_eq!(v["list"][1], "Bearer [REDACTED:jwt]");
        assert_eq!(v["list"][2], 3);
        assert!(
            v.as_object()
                .is_some_and(|m| m.contains_key(&format!("key-{tok}")))
        );
        assert_eq!(redact_json(&mut v), 0);
    }

    #[test]
    fn json_secret_keys_replace_whole_value() {
        let mut v = json!({
            "api_key": "abc",
            "Password": "hunter2",
            "CLIENT-SECRET": "some secret value",
            "x-api-key": "k",
            "authorization": format!("Bearer {}", jwt()),
            "private_key": "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n",
            "github_token": ghp(),
            "token": "",
            "refresh_token": "$REFRESH",
            "max_tokens": 100,
            "token_type": "bearer",
            "session_id": "abc-123",
            "secret": {"nested": "plain"},
        });
        let n = redact_json(&mut v);
        assert_eq!(n, 7);
        assert_eq!(v["api_key"], "[REDACTED:secret]");
        assert_eq!(v["Password"], "[REDACTED:password]");
        assert_eq!(v["CLIENT-SECRET"], "[REDACTED:secret]");
        assert_eq!(v["x-api-key"], "[REDACTED:secret]");
        assert_eq!(v["authorization"], "[REDACTED:jwt]");
        assert_eq!(v["private_key"], "[REDACTED:private-key]");
        assert_eq!(v["github_token"], "[REDACTED:github-token]");
        assert_eq!(v["token"], "");
        assert_eq!(v["refresh_token"], "$REFRESH");
        assert_eq!(v["max_tokens"], 100);
        assert_eq!(v["token_type"], "bearer");
        assert_eq!(v["session_id"], "abc-123");
        assert_eq!(v["secret"]["nested"], "plain");
        assert_eq!(redact_json(&mut v), 0);
    }

    #[test]
    fn json_deep_nesting_does_not_overflow() {
        let mut v = json!("API_KEY=abcdef123");
        for _ in 0..100_000 {
            v = Value::Array(vec![v]);
        }
        assert_eq!(redact_json(&mut v), 1);
        // Dismantle iteratively; serde_json's own Drop is recursive.
        let mut stack = vec![v];
        while let Some(node) = stack.pop() {
            if let Value::Array(items) = node {
                stack.extend(items);
            }
        }
    }

    // ---- properties -------------------------------------------------------

    fn fragment() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            "[a-zA-Z0-9_\\-]{0,40}",
            prop::sample::select(vec![
                "sk-",
                "sk-ant-",
                "AKIA",
                "ASIA",
                "AIza",
                "ghp_",
                "github_pat_",
                "glpat-",
                "xoxb-",
                "npm_",
                "pypi-",
                "hf_",
                "eyJ",
                "sk_live_",
                "whsec_",
                "https://hooks.slack.com/services/",
                "Bearer ",
                "bearer",
                "Authorization: ",
                "Basic ",
                "token ",
                "API_KEY",
                "password",
                "SECRET",
                "=",
                ":",
                ": ",
                " = ",
                ":=",
                "\"",
                "'",
                "`",
                "\\\"",
                "\\n",
                "\n",
                "\r\n",
                " ",
                "\t",
                "$",
                "${",
                "<",
                "{{",
                "[",
                "]",
                "(",
                ")",
                ",",
                ";",
                "&",
                "@",
                "://",
                "/",
                ".",
                "-",
                "_",
                "é",
                "日本",
                "🎉",
                "-----BEGIN RSA PRIVATE KEY-----",
                "-----END RSA PRIVATE KEY-----",
                "-----BEGIN ",
                "[REDACTED:secret]",
                "[REDACTED:",
                "0123456789",
                "ABCDEFGHIJKLMNOP",
                "abcdefghijklmnop",
                "xxxxx",
                "***",
                "export ",
                "--api-key=",
            ])
            .prop_map(str::to_owned),
        ]
    }

    fn text() -> impl Strategy<Value = String> {
        prop::collection::vec(fragment(), 0..24).prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn never_panics_and_is_idempotent(x in text()) {
            let once = redact_str(&x);
            let twice = redact_str(&once);
            prop_assert_eq!(&twice, &once);
            prop_assert_eq!(contains_secret(&x), matches!(once, Cow::Owned(_)));
            prop_assert!(!contains_secret(&once));
        }

        #[test]
        fn arbitrary_strings(x in any::<String>()) {
            let once = redact_str(&x);
            prop_assert_eq!(redact_str(&once), once.clone());
            prop_assert_eq!(contains_secret(&x), matches!(once, Cow::Owned(_)));
        }

        #[test]
        fn embedded_tokens_never_survive(
            before in text(),
            after in text(),
            body in "[A-Za-z0-9]{36}",
            which in 0usize..6,
        ) {
            let secret = match which {
                0 => format!("ghp_{body}"),
                1 => format!("sk-ant-api03-{body}"),
                2 => format!("sk-proj-{body}9"),
                3 => format!("npm_{body}"),
                4 => format!("hf_{body}"),
                _ => format!("xoxb-1234-{body}"),
            };
            prop_assume!(Shape::Mixed.accepts(body.as_bytes()));
            let x = format!("{before} {secret} {after}");
            let out = redact_str(&x);
            prop_assert!(!out.contains(&secret), "{} -> {}", x, out);
        }

        #[test]
        fn json_never_panics_and_is_idempotent(key in text(), val in text()) {
            let mut v = json!({ key.clone(): val.clone(), "nested": [val.clone(), { key: val }] });
            redact_json(&mut v);
            let snapshot = v.clone();
            prop_assert_eq!(redact_json(&mut v), 0);
            prop_assert_eq!(v, snapshot);
        }
    }
}
