//! Line diffs of file contents, rendered the way `git diff` renders them.
//!
//! rein records file contents, not git objects, so this module reproduces
//! `git diff`'s output from two byte buffers: the same header lines (minus the
//! `index` line, which needs blob ids rein does not have), the same hunk
//! grouping and `@@` header conventions, git's default hunk heading ("funcname")
//! and git's path quoting. The result can be read by people used to git and
//! fed to `git apply`.
//!
//! Lines are compared as exact bytes including their terminator, as git does:
//! a CRLF to LF conversion or a newline added at the end of the file is a change.

use std::hash::Hash;
use std::ops::Range;
use std::time::{Duration, Instant};

use similar::{Algorithm, DiffOp, DiffTag};

/// How many leading bytes git inspects to decide that a file is binary
/// (`FIRST_FEW_BYTES` in git's `xdiff-interface.c`).
const BINARY_SNIFF_LEN: usize = 8000;

/// Upper bound on the time one diff may spend searching for a minimal edit
/// script. Past it, similar hands back a coarser but still correct diff, so a
/// pathological file cannot stall rein.
const DIFF_TIME_BUDGET: Duration = Duration::from_secs(1);

/// git cuts hunk headings to this many bytes (the size of xdiff's buffer).
const FUNC_LINE_MAX: usize = 80;

/// The mode git prints for added and deleted files. rein does not track modes,
/// but `git apply` rejects a `new file` / `deleted file` line without one.
const REGULAR_FILE_MODE: &str = "100644";

/// Splits into lines, each including its terminating b'\n' if present.
///
/// The last line is returned even without a terminator, and empty input has no
/// lines, so joining the result gives back `data` exactly.
pub fn split_lines(data: &[u8]) -> Vec<&[u8]> {
    let mut lines = Vec::new();
    let mut rest = data;
    while let Some(at) = find_newline(rest) {
        let (line, tail) = rest.split_at(at + 1);
        lines.push(line);
        rest = tail;
    }
    if !rest.is_empty() {
        lines.push(rest);
    }
    lines
}

/// Position of the first `\n`, eight bytes at a time: blame splits every
/// changed region of every version, and a byte loop dominated its profile.
fn find_newline(data: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    const NEWLINES: u64 = u64::from_ne_bytes([b'\n'; 8]);
    let mut words = data.chunks_exact(8);
    let mut offset = 0;
    for word in &mut words {
        let mut bytes = [0; 8];
        bytes.copy_from_slice(word);
        // Zero bytes of `x` are the newlines; the classic test below flags
        // them (the lowest flag is always exact).
        let x = u64::from_le_bytes(bytes) ^ NEWLINES;
        let found = x.wrapping_sub(ONES) & !x & HIGHS;
        if found != 0 {
            return Some(offset + (found.trailing_zeros() / 8) as usize);
        }
        offset += 8;
    }
    let tail = words.remainder();
    tail.iter().position(|&b| b == b'\n').map(|at| offset + at)
}

/// True if git would treat the data as binary (NUL in the first 8000 bytes).
///
/// This is git's own heuristic, so rein calls the same files binary as git does.
pub fn is_binary(data: &[u8]) -> bool {
    data[..data.len().min(BINARY_SNIFF_LEN)].contains(&0)
}

/// Renders a git-style unified diff for one file. `old`/`new` None = absent (added / deleted file).
/// Returns "" when old == new.
///
/// Paths are given without the `a/` and `b/` prefixes. The output matches
/// `git diff` without its `index` and `similarity index` lines:
///
/// - `diff --git a/OLD b/NEW`, then `new file mode 100644` for an added file,
///   `deleted file mode 100644` for a deleted one (an absent side takes the
///   other side's path), or `rename from` / `rename to` when both sides exist
///   under different paths;
/// - `Binary files a/OLD and b/NEW differ` when either side is binary;
/// - otherwise `--- a/OLD` (or `/dev/null`), `+++ b/NEW` (or `/dev/null`) and
///   the hunks with `context` lines of context. As in git, the `---`/`+++`
///   lines are left out when there is no hunk (a created empty file, a pure
///   rename).
///
/// "old == new" means nothing to show: both sides absent, or equal contents
/// under the same path. Equal contents under different paths still render the
/// rename header, as git does. Non-UTF-8 bytes are written lossily.
pub fn unified_diff(
    old_path: &str,
    new_path: &str,
    old: Option<&[u8]>,
    new: Option<&[u8]>,
    context: usize,
) -> String {
    let (a_path, b_path) = match (old, new) {
        (None, None) => return String::new(),
        (None, Some(_)) => (new_path, new_path),
        (Some(_), None) => (old_path, old_path),
        (Some(o), Some(n)) => {
            if o == n && old_path == new_path {
                return String::new();
            }
            (old_path, new_path)
        }
    };
    let a_name = quote_path("a/", a_path);
    let b_name = quote_path("b/", b_path);

    let mut out = format!("diff --git {a_name} {b_name}\n");
    match (old, new) {
        (None, _) => out.push_str(&format!("new file mode {REGULAR_FILE_MODE}\n")),
        (_, None) => out.push_str(&format!("deleted file mode {REGULAR_FILE_MODE}\n")),
        _ if a_path != b_path => {
            out.push_str(&format!("rename from {}\n", quote_path("", a_path)));
            out.push_str(&format!("rename to {}\n", quote_path("", b_path)));
        }
        _ => {}
    }

    let a_label = if old.is_some() {
        a_name
    } else {
        "/dev/null".to_owned()
    };
    let b_label = if new.is_some() {
        b_name
    } else {
        "/dev/null".to_owned()
    };
    let old = old.unwrap_or_default();
    let new = new.unwrap_or_default();

    if is_binary(old) || is_binary(new) {
        if old != new {
            out.push_str(&format!("Binary files {a_label} and {b_label} differ\n"));
        }
        return out;
    }

    let old_lines = split_lines(old);
    let new_lines = split_lines(new);
    let changes = line_changes(&old_lines, &new_lines);
    if changes.is_empty() {
        return out;
    }
    // git appends a tab to a label containing a space, so that tools reading
    // the patch can tell where the name ends.
    for (marker, label) in [("---", a_label), ("+++", b_label)] {
        let tab = if label.contains(' ') { "\t" } else { "" };
        out.push_str(&format!("{marker} {label}{tab}\n"));
    }

    let mut heading = HeadingSearch::default();
    for hunk in group_hunks(&changes, context, old_lines.len()) {
        write_hunk(&mut out, &old_lines, &new_lines, hunk, &mut heading);
    }
    out
}

/// Counts (added_lines, removed_lines), for summaries like `+3 -1`.
///
/// The counts are those of the `+` and `-` lines [`unified_diff`] prints for
/// the same contents; an absent side counts as empty. Binary contents have no
/// lines, so they count as `(0, 0)` (git's `--numstat` prints `-` there): use
/// [`is_binary`] to tell them apart from an unchanged file.
pub fn line_stats(old: Option<&[u8]>, new: Option<&[u8]>) -> (usize, usize) {
    let old = old.unwrap_or_default();
    let new = new.unwrap_or_default();
    if is_binary(old) || is_binary(new) {
        return (0, 0);
    }
    line_changes(&split_lines(old), &split_lines(new))
        .iter()
        .fold((0, 0), |(added, removed), change| {
            (added + change.new.len(), removed + change.old.len())
        })
}

/// One maximal run of changed lines: `old` lines are replaced by `new` lines.
/// Either range may be empty (pure insertion or deletion).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Change {
    old: Range<usize>,
    new: Range<usize>,
}

/// Diffs two line sequences with Myers, git's default algorithm, and returns
/// the changed runs in order. Adjacent operations are merged so each run is
/// maximal, which hunk grouping relies on.
fn line_changes<T: Hash + Eq>(old: &[T], new: &[T]) -> Vec<Change> {
    let deadline = Instant::now().checked_add(DIFF_TIME_BUDGET);
    let ops = similar::capture_diff_slices_deadline(Algorithm::Myers, old, new, deadline);
    changes_from_ops(&ops)
}

fn changes_from_ops(ops: &[DiffOp]) -> Vec<Change> {
    let mut changes: Vec<Change> = Vec::new();
    for op in ops {
        let (tag, old, new) = op.as_tag_tuple();
        if tag == DiffTag::Equal || (old.is_empty() && new.is_empty()) {
            continue;
        }
        match changes.last_mut() {
            Some(last) if last.old.end == old.start && last.new.end == new.start => {
                last.old.end = old.end;
                last.new.end = new.end;
            }
            _ => changes.push(Change { old, new }),
        }
    }
    changes
}

/// A hunk: a group of changes close enough to share context, with the line
/// ranges it covers on each side (context included).
struct Hunk<'c> {
    changes: &'c [Change],
    old: Range<usize>,
    new: Range<usize>,
}

/// Groups changes into hunks the way xdiff does: two changes share a hunk when
/// at most `2 * context` unchanged lines separate them, so their context would
/// touch or overlap.
fn group_hunks(changes: &[Change], context: usize, old_len: usize) -> Vec<Hunk<'_>> {
    let mut hunks = Vec::new();
    let mut rest = changes;
    while let Some(first) = rest.first() {
        let mut count = 1;
        while let Some(next) = rest.get(count) {
            let gap = next.old.start.saturating_sub(rest[count - 1].old.end);
            if gap > context.saturating_mul(2) {
                break;
            }
            count += 1;
        }
        let (group, tail) = rest.split_at(count);
        rest = tail;
        let last = &group[count - 1];
        // Unchanged lines are aligned one to one, so the context before the
        // first change and after the last one is the same size on both sides.
        let lead = context.min(first.old.start);
        let trail = context.min(old_len.saturating_sub(last.old.end));
        hunks.push(Hunk {
            changes: group,
            old: first.old.start.saturating_sub(lead)..last.old.end + trail,
            new: first.new.start.saturating_sub(lead)..last.new.end + trail,
        });
    }
    hunks
}

/// Finds git's default hunk heading: the nearest line above the hunk (in the
/// old file) that starts with a letter, `_` or `$` (xdiff's `def_ff`). Like
/// xdiff, each search stops where the previous hunk's search started and
/// otherwise keeps the previous hunk's heading.
#[derive(Default)]
struct HeadingSearch {
    /// Old-file line index where the previous search started, if any.
    searched_from: Option<usize>,
    heading: Option<String>,
}

impl HeadingSearch {
    fn heading_for(&mut self, old_lines: &[&[u8]], hunk_start: usize) -> Option<&str> {
        let stop = self.searched_from.map_or(0, |prev| prev + 1);
        let found = (stop..hunk_start)
            .rev()
            .find_map(|i| old_lines.get(i).and_then(|line| func_heading(line)));
        if found.is_some() {
            self.heading = found;
        }
        if hunk_start > 0 {
            self.searched_from = Some(hunk_start - 1);
        }
        self.heading.as_deref()
    }
}

/// xdiff's `def_ff`: a line starting with an ASCII letter, `_` or `$` is a
/// heading; it is cut to 80 bytes and stripped of trailing whitespace.
fn func_heading(line: &[u8]) -> Option<String> {
    let first = *line.first()?;
    if !(first.is_ascii_alphabetic() || first == b'_' || first == b'$') {
        return None;
    }
    let mut text = &line[..line.len().min(FUNC_LINE_MAX)];
    while let Some((&last, rest)) = text.split_last() {
        if !matches!(last, b' ' | b'\t' | b'\n' | b'\r') {
            break;
        }
        text = rest;
    }
    Some(String::from_utf8_lossy(text).into_owned())
}

fn write_hunk(
    out: &mut String,
    old_lines: &[&[u8]],
    new_lines: &[&[u8]],
    hunk: Hunk<'_>,
    heading: &mut HeadingSearch,
) {
    out.push_str(&format!(
        "@@ -{} +{} @@",
        hunk_range(&hunk.old),
        hunk_range(&hunk.new)
    ));
    if let Some(text) = heading.heading_for(old_lines, hunk.old.start) {
        out.push(' ');
        out.push_str(text);
    }
    out.push('\n');

    let mut cursor = hunk.old.start;
    for change in hunk.changes {
        write_lines(out, ' ', lines_in(old_lines, cursor..change.old.start));
        write_lines(out, '-', lines_in(old_lines, change.old.clone()));
        write_lines(out, '+', lines_in(new_lines, change.new.clone()));
        cursor = change.old.end;
    }
    write_lines(out, ' ', lines_in(old_lines, cursor..hunk.old.end));
}

/// Formats one side of a hunk header. git writes the 1-based first line and
/// the count, omits a count of 1, and for an empty range names the line
/// *before* it (so an empty file is `0,0`).
fn hunk_range(range: &Range<usize>) -> String {
    match range.len() {
        0 => format!("{},0", range.start),
        1 => format!("{}", range.start + 1),
        len => format!("{},{len}", range.start + 1),
    }
}

fn lines_in<'l>(lines: &'l [&'l [u8]], range: Range<usize>) -> &'l [&'l [u8]] {
    lines.get(range).unwrap_or_default()
}

fn write_lines(out: &mut String, prefix: char, lines: &[&[u8]]) {
    for line in lines {
        out.push(prefix);
        out.push_str(&String::from_utf8_lossy(line));
        if !line.ends_with(b"\n") {
            out.push_str("\n\\ No newline at end of file\n");
        }
    }
}

/// Quotes `prefix` + `path` like git's `quote_c_style` with the default
/// `core.quotePath=true`: a name containing a control character, `"`, `\` or
/// any non-ASCII byte is wrapped in double quotes with C escapes, and bytes
/// without a short escape become octal (`é` is `\303\251`).
fn quote_path(prefix: &str, path: &str) -> String {
    let needs_quoting = |b: u8| b < 0x20 || b == b'"' || b == b'\\' || b >= 0x7f;
    if !prefix.bytes().chain(path.bytes()).any(needs_quoting) {
        return format!("{prefix}{path}");
    }
    let mut quoted = String::from("\"");
    for b in prefix.bytes().chain(path.bytes()) {
        let escape = match b {
            0x07 => Some('a'),
            0x08 => Some('b'),
            b'\t' => Some('t'),
            b'\n' => Some('n'),
            0x0b => Some('v'),
            0x0c => Some('f'),
            b'\r' => Some('r'),
            b'"' => Some('"'),
            b'\\' => Some('\\'),
            _ => None,
        };
        match escape {
            Some(c) => {
                quoted.push('\\');
                quoted.push(c);
            }
            None if needs_quoting(b) => quoted.push_str(&format!("\\{b:03o}")),
            None => quoted.push(char::from(b)),
        }
    }
    quoted.push('"');
    quoted
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::path::{Path, PathBuf};
    use std::process::Command;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn split_lines_keeps_terminators_and_unterminated_tail() {
        assert_eq!(split_lines(b""), Vec::<&[u8]>::new());
        assert_eq!(split_lines(b"\n"), vec![&b"\n"[..]]);
        assert_eq!(split_lines(b"a"), vec![&b"a"[..]]);
        assert_eq!(
            split_lines(b"a\r\nb\n\nc"),
            vec![&b"a\r\n"[..], b"b\n", b"\n", b"c"]
        );
    }

    #[test]
    fn find_newline_in_every_position() {
        for len in 0..20 {
            for at in 0..len {
                let mut data = vec![b'x'; len];
                data[at] = b'\n';
                assert_eq!(find_newline(&data), Some(at), "{len} {at}");
                // Bytes that could fool a carry after the newline.
                data.iter_mut().skip(at + 1).for_each(|b| *b = 0x0b);
                assert_eq!(find_newline(&data), Some(at), "{len} {at}");
            }
            assert_eq!(find_newline(&vec![0x8a; len]), None);
        }
    }

    #[test]
    fn binary_means_nul_in_the_first_8000_bytes() {
        assert!(!is_binary(b""));
        assert!(!is_binary("héllo\r\n".as_bytes()));
        assert!(is_binary(b"a\0b"));
        let mut late_nul = vec![b'x'; 8000];
        late_nul.push(0);
        assert!(!is_binary(&late_nul));
        late_nul[7999] = 0;
        assert!(is_binary(&late_nul));
    }

    #[test]
    fn unchanged_or_absent_renders_nothing() {
        assert_eq!(unified_diff("f", "f", None, None, 3), "");
        assert_eq!(unified_diff("f", "g", None, None, 3), "");
        assert_eq!(unified_diff("f", "f", Some(b"a\n"), Some(b"a\n"), 3), "");
        assert_eq!(unified_diff("f", "f", Some(b"\0"), Some(b"\0"), 3), "");
        assert_eq!(line_stats(Some(b"a\n"), Some(b"a\n")), (0, 0));
        assert_eq!(line_stats(None, None), (0, 0));
    }

    #[test]
    fn modified_file() {
        let diff = unified_diff(
            "src/lib.rs",
            "src/lib.rs",
            Some(b"one\ntwo\nthree\n"),
            Some(b"one\n2\nthree\n"),
            3,
        );
        assert_eq!(
            diff,
            "diff --git a/src/lib.rs b/src/lib.rs\n\
             --- a/src/lib.rs\n\
             +++ b/src/lib.rs\n\
             @@ -1,3 +1,3 @@\n \
             one\n\
             -two\n\
             +2\n \
             three\n"
        );
        assert_eq!(
            line_stats(Some(b"one\ntwo\nthree\n"), Some(b"one\n2\nthree\n")),
            (1, 1)
        );
    }

    #[test]
    fn added_and_deleted_files() {
        assert_eq!(
            unified_diff("ignored", "new.txt", None, Some(b"a\nb"), 3),
            "diff --git a/new.txt b/new.txt\n\
             new file mode 100644\n\
             --- /dev/null\n\
             +++ b/new.txt\n\
             @@ -0,0 +1,2 @@\n\
             +a\n\
             +b\n\
             \\ No newline at end of file\n"
        );
        assert_eq!(
            unified_diff("old.txt", "ignored", Some(b"a\n"), None, 3),
            "diff --git a/old.txt b/old.txt\n\
             deleted file mode 100644\n\
             --- a/old.txt\n\
             +++ /dev/null\n\
             @@ -1 +0,0 @@\n\
             -a\n"
        );
        // git prints no ---/+++ lines when there is no hunk.
        assert_eq!(
            unified_diff("e", "e", None, Some(b""), 3),
            "diff --git a/e b/e\nnew file mode 100644\n"
        );
        assert_eq!(line_stats(None, Some(b"a\nb")), (2, 0));
        assert_eq!(line_stats(Some(b"a\n"), None), (0, 1));
    }

    #[test]
    fn renames() {
        assert_eq!(
            unified_diff("a.txt", "b.txt", Some(b"same\n"), Some(b"same\n"), 3),
            "diff --git a/a.txt b/b.txt\nrename from a.txt\nrename to b.txt\n"
        );
        assert_eq!(
            unified_diff("a.txt", "b.txt", Some(b"x\n"), Some(b"y\n"), 3),
            "diff --git a/a.txt b/b.txt\n\
             rename from a.txt\n\
             rename to b.txt\n\
             --- a/a.txt\n\
             +++ b/b.txt\n\
             @@ -1 +1 @@\n\
             -x\n\
             +y\n"
        );
    }

    #[test]
    fn binary_files() {
        assert_eq!(
            unified_diff("f", "f", Some(b"\0a"), Some(b"\0b"), 3),
            "diff --git a/f b/f\nBinary files a/f and b/f differ\n"
        );
        assert_eq!(
            unified_diff("f", "f", None, Some(b"\0"), 3),
            "diff --git a/f b/f\nnew file mode 100644\nBinary files /dev/null and b/f differ\n"
        );
        assert_eq!(
            unified_diff("f", "f", Some(b"text\n"), None, 3),
            "diff --git a/f b/f\ndeleted file mode 100644\n--- a/f\n+++ /dev/null\n@@ -1 +0,0 @@\n-text\n"
        );
        assert_eq!(
            unified_diff("f", "f", Some(b"\0"), None, 3),
            "diff --git a/f b/f\ndeleted file mode 100644\nBinary files a/f and /dev/null differ\n"
        );
        assert_eq!(line_stats(Some(b"a\n"), Some(b"\0")), (0, 0));
    }

    #[test]
    fn paths_are_quoted_like_git() {
        assert_eq!(quote_path("a/", "plain/path.rs"), "a/plain/path.rs");
        assert_eq!(quote_path("a/", "with space"), "a/with space");
        assert_eq!(quote_path("b/", "café"), "\"b/caf\\303\\251\"");
        assert_eq!(quote_path("", "t\tq\"b\\"), "\"t\\tq\\\"b\\\\\"");
        assert_eq!(quote_path("", "\u{1}\u{7f}"), "\"\\001\\177\"");
        let diff = unified_diff("x y", "x y", None, Some(b"a\n"), 3);
        assert_eq!(
            diff,
            "diff --git a/x y b/x y\nnew file mode 100644\n--- /dev/null\n+++ b/x y\t\n@@ -0,0 +1 @@\n+a\n"
        );
    }

    #[test]
    fn hunk_heading_is_the_nearest_identifier_line_above() {
        let old = b"fn main() {\n    a;\n    b;\n    c;\n    d;\n}\n";
        let new = b"fn main() {\n    a;\n    b;\n    c;\n    D;\n}\n";
        assert_eq!(
            unified_diff("m", "m", Some(old), Some(new), 1),
            "diff --git a/m b/m\n--- a/m\n+++ b/m\n\
             @@ -4,3 +4,3 @@ fn main() {\n     c;\n-    d;\n+    D;\n }\n"
        );
        assert_eq!(func_heading(b"  indented\n"), None);
        assert_eq!(func_heading(b"$x \t\r\n"), Some("$x".to_owned()));
        let long = [b'a'; 100];
        assert_eq!(func_heading(&long).map(|s| s.len()), Some(80));
    }

    #[test]
    fn context_zero_and_hunk_splitting() {
        let old = b"1\n2\n3\n4\n5\n6\n7\n8\n9\n";
        let new = b"1\nII\n3\n4\n5\n6\n7\nVIII\n9\n";
        assert_eq!(
            unified_diff("n", "n", Some(old), Some(new), 0),
            "diff --git a/n b/n\n--- a/n\n+++ b/n\n\
             @@ -2 +2 @@\n-2\n+II\n@@ -8 +8 @@\n-8\n+VIII\n"
        );
        // A gap of 5 lines exceeds 2 * 2 context lines: two hunks.
        assert_eq!(
            unified_diff("n", "n", Some(old), Some(new), 2),
            "diff --git a/n b/n\n--- a/n\n+++ b/n\n\
             @@ -1,4 +1,4 @@\n 1\n-2\n+II\n 3\n 4\n\
             @@ -6,4 +6,4 @@\n 6\n 7\n-8\n+VIII\n 9\n"
        );
        // With 3 lines of context they touch and merge into one hunk.
        assert_eq!(
            unified_diff("n", "n", Some(old), Some(new), 3),
            "diff --git a/n b/n\n--- a/n\n+++ b/n\n\
             @@ -1,9 +1,9 @@\n 1\n-2\n+II\n 3\n 4\n 5\n 6\n 7\n-8\n+VIII\n 9\n"
        );
    }

    #[test]
    fn pure_insertion_header_names_the_line_before() {
        assert_eq!(
            unified_diff("f", "f", Some(b"1\n2\n"), Some(b"1\nnew\n2\n"), 0),
            "diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1,0 +2 @@\n+new\n"
        );
        // The line before the insertion is searched for a heading, as in git.
        assert_eq!(
            unified_diff("f", "f", Some(b"a\nb\n"), Some(b"a\nnew\nb\n"), 0),
            "diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1,0 +2 @@ a\n+new\n"
        );
        assert_hunks_match_git(b"a\nb\n", b"a\nnew\nb\n", 0);
    }

    #[test]
    fn non_utf8_is_written_lossily() {
        assert_eq!(
            unified_diff("f", "f", Some(b"\xff\n"), Some(b"ok\n"), 3),
            "diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1 +1 @@\n-\u{fffd}\n+ok\n"
        );
    }

    // ---- comparisons against real git ----

    static NEXT_DIR: AtomicUsize = AtomicUsize::new(0);

    /// A scratch directory removed on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new() -> TempDir {
            let n = NEXT_DIR.fetch_add(1, Ordering::Relaxed);
            let dir =
                std::env::temp_dir().join(format!("rein-diff-test-{}-{n}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).expect("create temp dir");
            TempDir(dir)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// Runs git isolated from the user's and the system's configuration, which
    /// could change the algorithm, prefixes or colours.
    fn git(dir: &Path, args: &[&str]) -> String {
        let output = Command::new("git")
            .current_dir(dir)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("HOME", dir)
            .args([
                "-c",
                "core.autocrlf=false",
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@t",
            ])
            .args(args)
            .output()
            .expect("git must be installed to run these tests");
        String::from_utf8(output.stdout).expect("git output is UTF-8 in these tests")
    }

    fn from_first_hunk(diff: &str) -> &str {
        if diff.starts_with("@@") {
            return diff;
        }
        diff.find("\n@@").map_or("", |at| &diff[at + 1..])
    }

    /// Hunks of `git diff --no-index` for the same two files.
    fn git_hunks(old: &[u8], new: &[u8], context: usize) -> String {
        let dir = TempDir::new();
        std::fs::write(dir.0.join("old"), old).expect("write old");
        std::fs::write(dir.0.join("new"), new).expect("write new");
        let unified = format!("-U{context}");
        let diff = git(
            &dir.0,
            &[
                "diff",
                "--no-index",
                "--no-color",
                &unified,
                "--",
                "old",
                "new",
            ],
        );
        from_first_hunk(&diff).to_owned()
    }

    fn assert_hunks_match_git(old: &[u8], new: &[u8], context: usize) {
        let ours = unified_diff("old", "new", Some(old), Some(new), context);
        let theirs = git_hunks(old, new, context);
        assert!(!theirs.is_empty(), "git saw no difference");
        assert_eq!(from_first_hunk(&ours), theirs);
        let body = |prefix: char| {
            theirs
                .lines()
                .filter(|l| l.starts_with(prefix) && !l.starts_with("@@"))
                .count()
        };
        assert_eq!(line_stats(Some(old), Some(new)), (body('+'), body('-')));
    }

    fn numbered(range: Range<usize>) -> String {
        range.map(|i| format!("    line {i}\n")).collect()
    }

    #[test]
    fn hunks_match_git_for_unambiguous_cases() {
        let base = numbered(0..30);
        let cases: Vec<(String, String, usize)> = vec![
            // Append at the end, insert at the start.
            (base.clone(), format!("{base}    appended\n"), 3),
            (base.clone(), format!("    first\n{base}"), 3),
            // Delete in the middle.
            (
                base.clone(),
                format!("{}{}", numbered(0..12), numbered(15..30)),
                3,
            ),
            // Modify the middle; with a function line above for the heading.
            (
                format!("fn main() {{\n{base}}}\n"),
                format!(
                    "fn main() {{\n{}    changed\n{}}}\n",
                    numbered(0..14),
                    numbered(15..30)
                ),
                3,
            ),
            // Missing newline at the end of the old, the new, or both.
            ("a\nb\nc".into(), "a\nb\nc\n".into(), 3),
            ("a\nb\nc\n".into(), "a\nb\nc".into(), 3),
            ("a\nb\nc".into(), "a\nB\nc".into(), 3),
            // CRLF to LF is a change of every line.
            ("a\r\nb\r\n".into(), "a\nb\n".into(), 3),
            // From and to an empty file.
            (String::new(), "x\ny\n".into(), 3),
            ("x\ny\n".into(), String::new(), 3),
            // A large replaced block.
            (
                numbered(0..100),
                format!(
                    "{}{}{}",
                    numbered(0..20),
                    numbered(500..560),
                    numbered(80..100)
                ),
                3,
            ),
            // Several hunks, with and without merging of context.
            (
                numbered(0..40),
                format!(
                    "{}    x\n{}    y\n{}    z\n{}",
                    numbered(0..5),
                    numbered(6..12),
                    numbered(13..30),
                    numbered(31..40)
                ),
                3,
            ),
            (
                numbered(0..40),
                format!(
                    "{}    x\n{}    y\n{}",
                    numbered(0..5),
                    numbered(6..30),
                    numbered(31..40)
                ),
                0,
            ),
            (
                numbered(0..40),
                format!(
                    "{}    x\n{}    y\n{}",
                    numbered(0..5),
                    numbered(6..30),
                    numbered(31..40)
                ),
                10,
            ),
        ];
        for (old, new, context) in &cases {
            assert_hunks_match_git(old.as_bytes(), new.as_bytes(), *context);
        }
    }

    #[test]
    fn hunk_headings_match_git() {
        let old = "struct A;\n\nimpl A {\n    fn f() {\n        1;\n        2;\n        3;\n        4;\n    }\n}\n\nfn g() {\n    5;\n    6;\n    7;\n    8;\n    9;\n    10;\n}\n";
        let new = old.replace("2;", "two;").replace("9;", "nine;");
        assert_hunks_match_git(old.as_bytes(), new.as_bytes(), 1);
        assert_hunks_match_git(old.as_bytes(), new.as_bytes(), 3);
        // Two hunks with no new heading line between them: the second keeps
        // the first one's heading.
        let old = format!("fn f() {{\n{}}}\n", numbered(0..30));
        let new = old
            .replace("line 3\n", "line three\n")
            .replace("line 25\n", "line XXV\n");
        assert_hunks_match_git(old.as_bytes(), new.as_bytes(), 3);
    }

    #[test]
    fn headers_match_git_in_a_repository() {
        let dir = TempDir::new();
        let path = |name: &str| dir.0.join(name);
        git(&dir.0, &["init", "-q", "."]);
        std::fs::write(path("modified.txt"), "a\nb\nc\n").expect("write");
        std::fs::write(path("deleted.txt"), "gone\n").expect("write");
        std::fs::write(path("moved.txt"), numbered(0..20)).expect("write");
        std::fs::write(path("data.bin"), b"\0\x01").expect("write");
        git(&dir.0, &["add", "-A"]);
        git(&dir.0, &["commit", "-qm", "base"]);

        std::fs::write(path("modified.txt"), "a\nB\nc\n").expect("write");
        std::fs::remove_file(path("deleted.txt")).expect("remove");
        std::fs::rename(path("moved.txt"), path("now here é.txt")).expect("rename");
        std::fs::write(path("now here é.txt"), numbered(0..19)).expect("write");
        std::fs::write(path("data.bin"), b"\0\x02").expect("write");
        std::fs::write(path("added.txt"), "new\n").expect("write");
        git(&dir.0, &["add", "-A"]);
        let git_output = git(&dir.0, &["diff", "--cached", "-M", "--no-color"]);
        let expected: String = git_output
            .lines()
            .filter(|l| !l.starts_with("index ") && !l.starts_with("similarity index "))
            .map(|l| format!("{l}\n"))
            .collect();

        let moved_old = numbered(0..20);
        let moved_new = numbered(0..19);
        // git sorts by path.
        let ours = [
            unified_diff("added.txt", "added.txt", None, Some(b"new\n"), 3),
            unified_diff("data.bin", "data.bin", Some(b"\0\x01"), Some(b"\0\x02"), 3),
            unified_diff("deleted.txt", "deleted.txt", Some(b"gone\n"), None, 3),
            unified_diff(
                "modified.txt",
                "modified.txt",
                Some(b"a\nb\nc\n"),
                Some(b"a\nB\nc\n"),
                3,
            ),
            unified_diff(
                "moved.txt",
                "now here é.txt",
                Some(moved_old.as_bytes()),
                Some(moved_new.as_bytes()),
                3,
            ),
        ]
        .concat();
        assert_eq!(ours, expected);
    }

    proptest! {
        #[test]
        fn split_lines_matches_split_inclusive(data in proptest::collection::vec(any::<u8>(), 0..100)) {
            let expected: Vec<&[u8]> = data.split_inclusive(|&b| b == b'\n').collect();
            prop_assert_eq!(split_lines(&data), expected);
            prop_assert_eq!(split_lines(&data).concat(), data.clone());
        }

        #[test]
        fn stats_count_the_rendered_lines(
            old in proptest::option::of(proptest::collection::vec(
                proptest::sample::select(&b"ab\n\r\0\xff"[..]), 0..60)),
            new in proptest::option::of(proptest::collection::vec(
                proptest::sample::select(&b"ab\n\r\0\xff"[..]), 0..60)),
            context in 0usize..5,
        ) {
            let diff = unified_diff("p", "p", old.as_deref(), new.as_deref(), context);
            let body = diff.split_once("\n@@").map_or("", |(_, body)| body);
            let count = |prefix: char| body.lines().filter(|l| l.starts_with(prefix)).count();
            let (added, removed) = line_stats(old.as_deref(), new.as_deref());
            prop_assert_eq!((added, removed), (count('+'), count('-')));
            prop_assert_eq!(diff.is_empty(), old == new);
        }

        #[test]
        fn hunks_reconstruct_both_sides(
            old in proptest::collection::vec(proptest::sample::select(&b"abc\n"[..]), 0..80),
            new in proptest::collection::vec(proptest::sample::select(&b"abc\n"[..]), 0..80),
            context in 0usize..4,
        ) {
            // Apply the rendered hunks to the old lines and check we get the
            // new lines: this validates hunk ranges, context and grouping.
            let diff = unified_diff("p", "p", Some(&old), Some(&new), context);
            let old_text = String::from_utf8_lossy(&old).into_owned();
            let old_lines: Vec<&str> = old_text.split_inclusive('\n').collect();
            let mut rebuilt = String::new();
            let mut next_old = 0usize;
            let mut last: Option<char> = None;
            for line in diff.lines().skip_while(|l| !l.starts_with("@@")) {
                if let Some(header) = line.strip_prefix("@@ -") {
                    let old_range = header.split(' ').next().unwrap_or_default();
                    let mut parts = old_range.split(',');
                    let start: usize = parts.next().unwrap_or_default().parse().unwrap_or_default();
                    let len: usize = parts.next().map_or(1, |n| n.parse().unwrap_or_default());
                    let first = if len == 0 { start } else { start - 1 };
                    for l in &old_lines[next_old..first] {
                        rebuilt.push_str(l);
                    }
                    next_old = first;
                    continue;
                }
                if line.starts_with('\\') {
                    if last != Some('-') {
                        rebuilt.pop();
                    }
                    continue;
                }
                let (tag, text) = line.split_at(1);
                last = tag.chars().next();
                match tag {
                    " " => { rebuilt.push_str(text); rebuilt.push('\n'); next_old += 1; }
                    "+" => { rebuilt.push_str(text); rebuilt.push('\n'); }
                    "-" => { next_old += 1; }
                    _ => prop_assert!(false, "unexpected line {:?}", line),
                }
            }
            for l in &old_lines[next_old.min(old_lines.len())..] {
                rebuilt.push_str(l);
            }
            prop_assert_eq!(rebuilt, String::from_utf8_lossy(&new).into_owned());
        }
    }
}
