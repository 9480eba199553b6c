//! Line-level blame over the recorded versions of one file.
//!
//! rein records every version of a file that an agent step or an outside edit
//! produced. Blame answers "who wrote this line": it replays the versions
//! oldest first, like `git blame` over a linear history, and tags each line of
//! the last version with the origin of the version that introduced it.
//!
//! Sessions can hold thousands of versions of a large file, so each step does
//! as little as possible: the unchanged head and tail of the file are found
//! with a byte comparison and carried over as they are, only the changed
//! middle is split into lines, and the lines are interned to `u32` ids so that
//! the diff compares integers instead of bytes.

use std::collections::HashMap;
use std::fmt;
use std::time::{Duration, Instant};

use similar::{Algorithm, DiffTag};

use crate::diff::{is_binary, split_lines};

/// How long one version-to-version diff may search before similar falls back
/// to a coarser diff (which blames a few more lines on the newer version).
const STEP_BUDGET: Duration = Duration::from_millis(200);

/// How long the diffs of one blame may take in total. Past it, each remaining
/// step diffs coarsely at once, so even a long history of pathological
/// versions finishes in bounded time.
const TOTAL_BUDGET: Duration = Duration::from_secs(2);

/// One line of the blamed (last) version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlamedLine<O> {
    /// Line number, from 1.
    pub line: usize,
    /// The line as lossy UTF-8, without its `\n` and without a `\r` before it.
    /// Comparisons between versions still use the exact bytes.
    pub text: String,
    /// Origin of the version that introduced the line.
    pub origin: O,
}

/// Why a file cannot be blamed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlameError {
    /// The last version is binary (a NUL byte in its first 8000 bytes, as git
    /// decides), so it has no lines to blame.
    Binary,
}

impl fmt::Display for BlameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BlameError::Binary => f.write_str("cannot blame a binary file"),
        }
    }
}

impl std::error::Error for BlameError {}

/// Blames the lines of the last version. `versions` are the successive contents of one file, oldest first;
/// `None` means the file did not exist at that point (deleted). Each version carries an origin of type O
/// (rein uses an enum: baseline / agent step / external edit). Returns one entry per line of the last version
/// (empty vec if the last version is None or empty) with the origin of the version that introduced that line.
///
/// Lines are split on `\n` (a last line without one still counts) and
/// compared as exact bytes, so a CRLF to LF conversion or a newline added at
/// the end of the file re-attributes the line. Lines kept by the diff between
/// two successive versions keep their origin; inserted or rewritten lines take
/// the newer version's. A deletion forgets everything: a file created again
/// afterwards is blamed entirely on the version that re-created it.
///
/// Diffs use Myers, as [`crate::diff::unified_diff`] does, so blame and the
/// rendered diffs agree on which lines changed. Each diff has a time budget:
/// on pathological inputs every line still gets the origin of a version that
/// contains it, but a coarser diff may blame more lines on newer versions.
pub fn blame<O: Clone>(versions: &[(O, Option<&[u8]>)]) -> Result<Vec<BlamedLine<O>>, BlameError> {
    blame_with_restores(versions, &[])
}

/// Like [`blame`], where some versions restore an earlier state exactly (a rewind or an undo
/// puts back what an earlier version held). `restore_of[i] == Some(j)` says that version `i`
/// restores version `j`: instead of being diffed against version `i - 1`, version `i` takes
/// over the lines of version `j` with their origins, so restored lines keep the origin of
/// whoever wrote them, even across a deletion. Missing entries (`restore_of` may be shorter
/// than `versions`) are `None`.
///
/// A restore only holds if `j < i` and both versions exist with the same bytes; otherwise
/// version `i` is diffed as usual. Only the blame states of versions that a later restore
/// refers to are kept, so a history without restores costs what [`blame`] always did.
pub fn blame_with_restores<O: Clone>(
    versions: &[(O, Option<&[u8]>)],
    restore_of: &[Option<usize>],
) -> Result<Vec<BlamedLine<O>>, BlameError> {
    let Some(&(_, Some(last))) = versions.last() else {
        return Ok(Vec::new());
    };
    if is_binary(last) {
        return Err(BlameError::Binary);
    }
    let restores = valid_restores(versions, restore_of);
    let restore = |i: usize| restores.get(i).copied().flatten();
    // Nothing before `first` can reach the last version.
    let first = reach_start(versions.len(), |i| versions[i].1.is_none(), &restores);

    // How many restores (from `first` on) refer to each version: its blame state is kept
    // until the last of them has used it.
    let mut wanted: HashMap<usize, usize> = HashMap::new();
    for i in first..versions.len() {
        if let Some(j) = restore(i) {
            *wanted.entry(j).or_default() += 1;
        }
    }
    let mut snapshots: HashMap<usize, Snapshot<'_>> = HashMap::new();

    let mut state = BlameState::default();
    let budget_end = Instant::now().checked_add(TOTAL_BUDGET);
    for (index, (_, content)) in versions.iter().enumerate().skip(first) {
        let Some(content) = *content else {
            state.clear();
            continue;
        };
        let restored = restore(index).and_then(|j| {
            let left = wanted.get_mut(&j)?;
            *left = left.saturating_sub(1);
            if *left == 0 {
                wanted.remove(&j);
                snapshots.remove(&j)
            } else {
                snapshots.get(&j).cloned()
            }
        });
        match restored {
            Some(snapshot) => state.restore(content, snapshot),
            None => {
                let step_end = Instant::now().checked_add(STEP_BUDGET);
                let deadline = match (step_end, budget_end) {
                    (Some(step), Some(total)) => Some(step.min(total)),
                    (step, total) => step.or(total),
                };
                state.advance(content, index, deadline);
            }
        }
        if wanted.contains_key(&index) {
            snapshots.insert(index, state.snapshot());
        }
    }

    Ok(state
        .lines()
        .zip(&state.origins)
        .enumerate()
        .filter_map(|(at, (bytes, &origin))| {
            let (origin, _) = versions.get(origin)?;
            Some(BlamedLine {
                line: at + 1,
                text: line_text(bytes),
                origin: origin.clone(),
            })
        })
        .collect())
}

/// The restores of `restore_of` that hold: `i` restores `j` only if `j < i` and both versions
/// exist with the same bytes. Empty when there are none.
fn valid_restores<O>(
    versions: &[(O, Option<&[u8]>)],
    restore_of: &[Option<usize>],
) -> Vec<Option<usize>> {
    let holds = |(i, restore): (usize, &Option<usize>)| {
        let j = (*restore)?;
        let (_, Some(new)) = versions.get(i)? else {
            return None;
        };
        let (_, Some(old)) = versions.get(j)? else {
            return None;
        };
        (j < i && new == old).then_some(j)
    };
    let restores: Vec<Option<usize>> = restore_of.iter().enumerate().map(holds).collect();
    if restores.iter().all(Option::is_none) {
        return Vec::new();
    }
    restores
}

/// The first of `len` versions that the last one can depend on: the start of the last
/// version's run of existing versions (after the last deletion), moved back to the start of
/// the run of any version that a restore from there on refers to, and so on.
/// `deleted(i)` tells whether version `i` is a deletion; each `restore_of[i] = Some(j)` must
/// have `j < i` and neither version deleted. `len` when the last version is a deletion (or
/// there are none).
pub(crate) fn reach_start(
    len: usize,
    deleted: impl Fn(usize) -> bool,
    restore_of: &[Option<usize>],
) -> usize {
    let Some(last) = len.checked_sub(1) else {
        return 0;
    };
    if deleted(last) {
        return len;
    }
    if restore_of.iter().all(Option::is_none) {
        return (0..len).rev().find(|&i| deleted(i)).map_or(0, |d| d + 1);
    }
    // Start of the run of existing versions each version belongs to.
    let mut run_start = Vec::with_capacity(len);
    let mut start = 0;
    for i in 0..len {
        run_start.push(start);
        if deleted(i) {
            start = i + 1;
        }
    }
    let mut first = run_start[last];
    let mut i = len;
    while i > first {
        i -= 1;
        if let Some(Some(j)) = restore_of.get(i)
            && let Some(&start) = run_start.get(*j)
        {
            first = first.min(start);
        }
    }
    first
}

fn line_text(line: &[u8]) -> String {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    String::from_utf8_lossy(line).into_owned()
}

/// The lines of the current version and where each came from.
#[derive(Default)]
struct BlameState<'a> {
    /// Interned line contents (terminator included): equal ids, equal bytes.
    interner: HashMap<&'a [u8], u32>,
    /// The current version.
    bytes: &'a [u8],
    /// Offset of each line in `bytes`; a line runs to the next start or the end.
    starts: Vec<usize>,
    /// Interned id of each line.
    ids: Vec<u32>,
    /// Index (into the versions) of the version that introduced each line.
    origins: Vec<usize>,
}

/// The lines of one version and where each came from, kept for a later restore of it.
/// Line ids stay valid: the interner only grows.
#[derive(Clone)]
struct Snapshot<'a> {
    bytes: &'a [u8],
    starts: Vec<usize>,
    ids: Vec<u32>,
    origins: Vec<usize>,
}

impl<'a> BlameState<'a> {
    fn lines(&self) -> impl Iterator<Item = &'a [u8]> + '_ {
        let bytes = self.bytes;
        let ends = self.starts.iter().skip(1).copied().chain([bytes.len()]);
        self.starts
            .iter()
            .zip(ends)
            .map(move |(&start, end)| bytes.get(start..end).unwrap_or_default())
    }

    /// Forgets every line: the file was deleted.
    fn clear(&mut self) {
        self.bytes = &[];
        self.starts.clear();
        self.ids.clear();
        self.origins.clear();
    }

    /// A copy of the current lines and their origins, for a later restore.
    fn snapshot(&self) -> Snapshot<'a> {
        Snapshot {
            bytes: self.bytes,
            starts: self.starts.clone(),
            ids: self.ids.clone(),
            origins: self.origins.clone(),
        }
    }

    /// Moves to `new`, which has the same bytes as the version `snapshot` was taken of.
    fn restore(&mut self, new: &'a [u8], snapshot: Snapshot<'a>) {
        debug_assert_eq!(new, snapshot.bytes);
        self.bytes = new;
        self.starts = snapshot.starts;
        self.ids = snapshot.ids;
        self.origins = snapshot.origins;
    }

    /// Moves to the next version, `new`, introduced by version `version`.
    fn advance(&mut self, new: &'a [u8], version: usize, deadline: Option<Instant>) {
        if new == self.bytes {
            return;
        }
        let old = self.bytes;
        let (keep_head, keep_tail) = self.unchanged_lines(new);
        // Byte range of the changed middle: it starts where the kept head
        // lines end, and ends where the kept tail lines start in `new`.
        let mid_start = self.starts.get(keep_head).copied().unwrap_or(old.len());
        let mid_end = match self.starts.get(keep_tail) {
            Some(&start) => (start + new.len()).checked_sub(old.len()),
            None => Some(new.len()),
        };
        let (keep_head, keep_tail, middle, mid_start) =
            match mid_end.and_then(|end| new.get(mid_start..end)) {
                Some(middle) => (keep_head, keep_tail, middle, mid_start),
                // Unreachable by construction; re-diffing everything is always right.
                None => (0, self.starts.len(), new, 0),
            };

        let mut mid_ids = Vec::new();
        let mut mid_starts = Vec::new();
        let mut offset = mid_start;
        for line in split_lines(middle) {
            mid_starts.push(offset);
            offset += line.len();
            let next_id = u32::try_from(self.interner.len()).unwrap_or(u32::MAX);
            mid_ids.push(*self.interner.entry(line).or_insert(next_id));
        }

        let new_len = keep_head + mid_ids.len() + (self.starts.len() - keep_tail);
        let mut ids = Vec::with_capacity(new_len);
        ids.extend_from_slice(&self.ids[..keep_head]);
        ids.extend_from_slice(&mid_ids);
        ids.extend_from_slice(&self.ids[keep_tail..]);

        // The diff sees the whole files, not just the middle, so that it
        // aligns lines exactly as `diff::unified_diff` does (hunk sliding may
        // move a change across the kept head or tail). Similar trims the
        // common ends of the id lists again, which is cheap on integers.
        let ops =
            similar::capture_diff_slices_deadline(Algorithm::Myers, &self.ids, &ids, deadline);
        let mut origins = Vec::with_capacity(new_len);
        for op in &ops {
            let (tag, old_range, new_range) = op.as_tag_tuple();
            if tag == DiffTag::Equal {
                origins.extend_from_slice(self.origins.get(old_range).unwrap_or_default());
            } else {
                origins.resize(origins.len() + new_range.len(), version);
            }
        }
        // Guards the line/origin correspondence should the ops ever not tile
        // the new version exactly.
        origins.resize(new_len, version);

        let mut starts = Vec::with_capacity(new_len);
        starts.extend_from_slice(&self.starts[..keep_head]);
        starts.extend_from_slice(&mid_starts);
        // Kept tail lines sit at the same distance from the end in both versions.
        starts.extend(
            self.starts[keep_tail..]
                .iter()
                .map(|&start| start + new.len() - old.len()),
        );

        self.bytes = new;
        self.starts = starts;
        self.ids = ids;
        self.origins = origins;
    }

    /// Returns `(head, tail)`: lines `..head` and `tail..` of the current
    /// version reappear unchanged at the start and end of `new`, found by a
    /// byte comparison, which is much cheaper than splitting and hashing.
    /// The two never overlap (`head <= tail`).
    fn unchanged_lines(&self, new: &[u8]) -> (usize, usize) {
        let old = self.bytes;
        let prefix = common_prefix_len(old, new);
        let max_suffix = old.len().min(new.len()) - prefix;
        let suffix = common_suffix_len(old, new, max_suffix);

        // A head line is kept if it ends, newline included, inside the common
        // prefix. An unterminated last line is not: `new` goes on after it.
        let mut head = self
            .starts
            .get(1..)
            .unwrap_or_default()
            .partition_point(|&start| start <= prefix);
        if head + 1 == self.starts.len() && prefix == old.len() && old.ends_with(b"\n") {
            head += 1;
        }
        // A tail line is kept if the newline before it is inside the common
        // suffix too, so that it also starts a line in `new`.
        let tail_from = old.len() - suffix;
        let tail = self.starts.partition_point(|&start| start <= tail_from);
        (head, tail.max(head))
    }
}

/// Chunk sizes for finding where two buffers diverge: whole chunks are
/// compared with `memcmp`, then the mismatching chunk is searched with the
/// next smaller size. This is many times faster than a byte loop, and blame
/// runs it on every version.
const CHUNKS: [usize; 4] = [4096, 256, 16, 1];

/// Length of the common prefix of `a` and `b`.
fn common_prefix_len(a: &[u8], b: &[u8]) -> usize {
    let len = a.len().min(b.len());
    let mut n = 0;
    for chunk in CHUNKS {
        while n + chunk <= len && a[n..n + chunk] == b[n..n + chunk] {
            n += chunk;
        }
    }
    n
}

/// Length of the common suffix of `a` and `b`, at most `max`.
fn common_suffix_len(a: &[u8], b: &[u8], max: usize) -> usize {
    let max = max.min(a.len()).min(b.len());
    let mut n = 0;
    for chunk in CHUNKS {
        while n + chunk <= max
            && a[a.len() - n - chunk..a.len() - n] == b[b.len() - n - chunk..b.len() - n]
        {
            n += chunk;
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn blame_of(versions: &[Option<&str>]) -> Vec<(usize, String, usize)> {
        let versions: Vec<(usize, Option<&[u8]>)> = versions
            .iter()
            .enumerate()
            .map(|(i, v)| (i, v.map(str::as_bytes)))
            .collect();
        blame(&versions)
            .expect("text input")
            .into_iter()
            .map(|l| (l.line, l.text, l.origin))
            .collect()
    }

    fn expect(lines: &[(&str, usize)]) -> Vec<(usize, String, usize)> {
        lines
            .iter()
            .enumerate()
            .map(|(i, (text, origin))| (i + 1, (*text).to_owned(), *origin))
            .collect()
    }

    #[test]
    fn common_prefix_and_suffix_lengths() {
        let a: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
        for at in [0, 1, 15, 16, 17, 255, 256, 4095, 4096, 4097, 9_999] {
            let mut b = a.clone();
            b[at] ^= 0xff;
            assert_eq!(common_prefix_len(&a, &b), at);
            assert_eq!(common_suffix_len(&a, &b, usize::MAX), a.len() - at - 1);
            assert_eq!(common_suffix_len(&a, &b, 3), 3.min(a.len() - at - 1));
        }
        assert_eq!(common_prefix_len(&a, &a[..5000]), 5000);
        assert_eq!(common_suffix_len(&a, &a[5000..], usize::MAX), 5000);
        assert_eq!(common_prefix_len(b"", b"x"), 0);
        assert_eq!(common_suffix_len(b"x", b"", 1), 0);
    }

    #[test]
    fn first_version_owns_all_its_lines() {
        assert_eq!(blame_of(&[Some("a\nb\n")]), expect(&[("a", 0), ("b", 0)]));
    }

    #[test]
    fn kept_lines_keep_their_origin() {
        assert_eq!(
            blame_of(&[
                Some("a\nb\nc\n"),
                Some("a\nB\nc\n"),
                Some("top\na\nB\nc\nd"),
                Some("top\na\nB\nd"),
            ]),
            expect(&[("top", 2), ("a", 0), ("B", 1), ("d", 2)])
        );
    }

    #[test]
    fn origins_are_cloned_from_the_versions() {
        #[derive(Debug, Clone, PartialEq)]
        enum Origin {
            Baseline,
            Step(u32),
            External,
        }
        let versions: [(Origin, Option<&[u8]>); 3] = [
            (Origin::Baseline, Some(b"x\ny\n")),
            (Origin::Step(7), Some(b"x\nY\n")),
            (Origin::External, Some(b"x\nY\nz\n")),
        ];
        let origins: Vec<Origin> = blame(&versions)
            .expect("text")
            .into_iter()
            .map(|l| l.origin)
            .collect();
        assert_eq!(
            origins,
            vec![Origin::Baseline, Origin::Step(7), Origin::External]
        );
    }

    #[test]
    fn deletion_resets_and_recreation_owns_everything() {
        assert_eq!(
            blame_of(&[Some("a\nb\n"), None, Some("a\nb\n"), Some("a\nb\nc\n")]),
            expect(&[("a", 2), ("b", 2), ("c", 3)])
        );
        assert_eq!(blame_of(&[Some("a\n"), None]), expect(&[]));
    }

    #[test]
    fn empty_inputs_give_no_lines() {
        assert_eq!(blame_of(&[]), expect(&[]));
        assert_eq!(blame_of(&[Some("a\n"), Some("")]), expect(&[]));
        assert_eq!(
            blame_of(&[Some("a\n"), Some(""), Some("a\n")]),
            expect(&[("a", 2)])
        );
    }

    fn blame_restoring(
        versions: &[Option<&str>],
        restore_of: &[Option<usize>],
    ) -> Vec<(String, usize)> {
        let versions: Vec<(usize, Option<&[u8]>)> = versions
            .iter()
            .enumerate()
            .map(|(i, v)| (i, v.map(str::as_bytes)))
            .collect();
        blame_with_restores(&versions, restore_of)
            .expect("text input")
            .into_iter()
            .map(|l| (l.text, l.origin))
            .collect()
    }

    fn lines(expected: &[(&str, usize)]) -> Vec<(String, usize)> {
        expected
            .iter()
            .map(|(t, o)| ((*t).to_owned(), *o))
            .collect()
    }

    #[test]
    fn a_restore_takes_back_the_restored_versions_origins() {
        let a = "one\ntwo\nthree\n";
        let b = "one\nTWO\nthree\n";
        // C restores A: every line is A's again, not C's.
        assert_eq!(
            blame_restoring(&[Some(a), Some(b), Some(a)], &[None, None, Some(0)]),
            lines(&[("one", 0), ("two", 0), ("three", 0)])
        );
        // D restores B (an undo of the rewind): the edited line is B's again.
        assert_eq!(
            blame_restoring(
                &[Some(a), Some(b), Some(a), Some(b)],
                &[None, None, Some(0), Some(1)]
            ),
            lines(&[("one", 0), ("TWO", 1), ("three", 0)])
        );
        // Without the restores, the diffs blame the put-back lines on the restoring versions.
        assert_eq!(
            blame_restoring(&[Some(a), Some(b), Some(a), Some(b)], &[]),
            lines(&[("one", 0), ("TWO", 3), ("three", 0)])
        );
        // A restore of a restore: E redoes C, which restored A.
        assert_eq!(
            blame_restoring(
                &[Some(a), Some(b), Some(a), Some(b), Some(a)],
                &[None, None, Some(0), Some(1), Some(2)]
            ),
            lines(&[("one", 0), ("two", 0), ("three", 0)])
        );
    }

    #[test]
    fn a_restore_reaches_back_across_a_deletion() {
        let a = "x\ny\n";
        let b = "x\nY\n";
        assert_eq!(
            blame_restoring(
                &[Some(a), Some(b), None, Some(b)],
                &[None, None, None, Some(1)]
            ),
            lines(&[("x", 0), ("Y", 1)])
        );
        // Later edits diff against the restored state; a deletion before the restored run
        // still resets.
        assert_eq!(
            blame_restoring(
                &[
                    Some("old\n"),
                    None,
                    Some(a),
                    None,
                    Some(a),
                    Some("x\ny\nz\n")
                ],
                &[None, None, None, None, Some(2), None]
            ),
            lines(&[("x", 2), ("y", 2), ("z", 5)])
        );
        // Several deletions and restores: each restore picks up the state it names.
        assert_eq!(
            blame_restoring(
                &[Some(a), None, Some(b), None, Some(a), Some(b)],
                &[None, None, None, None, Some(0), Some(2)]
            ),
            lines(&[("x", 2), ("Y", 2)])
        );
    }

    #[test]
    fn restores_that_do_not_hold_are_diffed() {
        let versions = [Some("a\nb\n"), Some("a\nB\n"), Some("a\nb\nc\n"), None];
        let plain = blame_restoring(&versions[..3], &[]);
        assert_eq!(plain, lines(&[("a", 0), ("b", 2), ("c", 2)]));
        // Different bytes, itself, a later version, out of range: all ignored.
        for restore in [Some(0), Some(1), Some(2), Some(3), Some(99)] {
            assert_eq!(
                blame_restoring(&versions[..3], &[None, None, restore]),
                plain,
                "{restore:?}"
            );
        }
        // A deleted version cannot be restored, and a deletion restores nothing.
        assert_eq!(
            blame_restoring(&[Some("a\n"), None, Some("a\n")], &[None, None, Some(1)]),
            lines(&[("a", 2)])
        );
        assert_eq!(
            blame_restoring(&[Some("a\n"), None], &[None, Some(0)]),
            lines(&[])
        );
    }

    #[test]
    fn reach_start_follows_restores_back() {
        let deleted = |set: &'static [usize]| move |i: usize| set.contains(&i);
        assert_eq!(reach_start(0, deleted(&[]), &[]), 0);
        assert_eq!(reach_start(3, deleted(&[]), &[]), 0);
        assert_eq!(reach_start(4, deleted(&[1]), &[]), 2);
        assert_eq!(reach_start(4, deleted(&[3]), &[]), 4);
        assert_eq!(
            reach_start(4, deleted(&[1]), &[None, None, None, Some(0)]),
            0
        );
        // A restore before the run that reaches the end still counts if the run goes
        // back to it: 6 restores 4, whose run starts at 3; 4 restores 0.
        let restores = [None, None, None, None, Some(0), None, Some(4)];
        assert_eq!(reach_start(7, deleted(&[2, 5]), &restores), 0);
        // A restore in a run the end cannot reach is not followed.
        let restores = [None, None, None, Some(0), None, None];
        assert_eq!(reach_start(6, deleted(&[1, 4]), &restores), 5);
    }

    #[test]
    fn unchanged_versions_change_nothing() {
        assert_eq!(
            blame_of(&[Some("a\n"), Some("a\n"), Some("a\nb"), Some("a\nb")]),
            expect(&[("a", 0), ("b", 2)])
        );
    }

    #[test]
    fn line_endings_are_compared_exactly() {
        // CRLF -> LF on the first line only; the text shown drops both.
        assert_eq!(
            blame_of(&[Some("a\r\nb\r\n"), Some("a\nb\r\n")]),
            expect(&[("a", 1), ("b", 0)])
        );
        // Adding the final newline rewrites the last line.
        assert_eq!(
            blame_of(&[Some("a\nb"), Some("a\nb\n")]),
            expect(&[("a", 0), ("b", 1)])
        );
        // And appending after an unterminated line rewrites it too.
        assert_eq!(
            blame_of(&[Some("a\nb"), Some("a\nbc\n")]),
            expect(&[("a", 0), ("bc", 1)])
        );
        // A lone \r that is not before the \n stays in the text.
        assert_eq!(blame_of(&[Some("a\rb\n")]), expect(&[("a\rb", 0)]));
    }

    #[test]
    fn tail_lines_are_realigned_after_a_length_change() {
        assert_eq!(
            blame_of(&[
                Some("head\nmid\nt1\nt2\n"),
                Some("head\nmiddle grew\nt1\nt2\n"),
                Some("head\nm\nt1\nt2\n"),
            ]),
            expect(&[("head", 0), ("m", 2), ("t1", 0), ("t2", 0)])
        );
        // Joining two lines: the common byte suffix "b\n" is not a line of the
        // new version.
        assert_eq!(
            blame_of(&[Some("a\nb\n"), Some("ab\n")]),
            expect(&[("ab", 1)])
        );
    }

    #[test]
    fn repeated_lines_are_attributed_once_each() {
        assert_eq!(
            blame_of(&[Some("x\nx\n"), Some("x\nx\nx\n")]),
            expect(&[("x", 0), ("x", 0), ("x", 1)])
        );
    }

    #[test]
    fn non_utf8_text_is_lossy_but_compared_exactly() {
        let versions: [(u8, Option<&[u8]>); 2] =
            [(0, Some(b"\xff\n\xfe\n")), (1, Some(b"\xff\n\xfd\n"))];
        let lines = blame(&versions).expect("not binary");
        assert_eq!(
            lines,
            vec![
                BlamedLine {
                    line: 1,
                    text: "\u{fffd}".to_owned(),
                    origin: 0
                },
                BlamedLine {
                    line: 2,
                    text: "\u{fffd}".to_owned(),
                    origin: 1
                },
            ]
        );
    }

    #[test]
    fn binary_last_version_is_an_error() {
        let versions: [(u8, Option<&[u8]>); 2] = [(0, Some(b"text\n")), (1, Some(b"bin\0ary"))];
        assert_eq!(blame(&versions), Err(BlameError::Binary));
        assert_eq!(BlameError::Binary.to_string(), "cannot blame a binary file");
        // Earlier binary versions are just bytes.
        let versions: [(u8, Option<&[u8]>); 2] = [(0, Some(b"a\0\nb\n")), (1, Some(b"b\n"))];
        assert_eq!(
            blame(&versions),
            Ok(vec![BlamedLine {
                line: 1,
                text: "b".to_owned(),
                origin: 0
            }])
        );
        // Only the first 8000 bytes count, like git.
        let mut late = vec![b'x'; 8000];
        late.extend_from_slice(b"\0\n");
        let versions: [(u8, Option<&[u8]>); 1] = [(0, Some(&late))];
        assert_eq!(blame(&versions).map(|l| l.len()), Ok(1));
    }

    /// A small deterministic generator (xorshift64*), to avoid a dependency.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            let x = self.0.wrapping_mul(0x2545_f491_4f6c_dd1d);
            (x >> 33) as usize % n.max(1)
        }
    }

    /// `count` versions of a `lines`-line file of unique lines; each version
    /// rewrites, inserts and deletes one line. Returns the versions and, for
    /// the last one, the expected origin of each line: with unique lines and
    /// sparse edits the diff is unambiguous, so blame must find exactly these.
    fn edit_history(lines: usize, count: usize) -> (Vec<String>, Vec<usize>) {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut model: Vec<(String, usize)> = (0..lines)
            .map(|i| (format!("    let x{i} = compute({i});\n"), 0))
            .collect();
        let text = |model: &[(String, usize)]| model.iter().map(|(l, _)| l.as_str()).collect();
        let mut versions = vec![text(&model)];
        for v in 1..count {
            let at = rng.below(model.len());
            model[at] = (format!("    let x{at} = changed_in({v});\n"), v);
            let at = rng.below(model.len() + 1);
            model.insert(at, (format!("    inserted_in({v});\n"), v));
            let at = rng.below(model.len());
            model.remove(at);
            versions.push(text(&model));
        }
        (
            versions,
            model.into_iter().map(|(_, origin)| origin).collect(),
        )
    }

    fn blame_history(versions: &[String]) -> Vec<usize> {
        let versions: Vec<(usize, Option<&[u8]>)> = versions
            .iter()
            .enumerate()
            .map(|(i, v)| (i, Some(v.as_bytes())))
            .collect();
        blame(&versions)
            .expect("text")
            .into_iter()
            .map(|l| l.origin)
            .collect()
    }

    #[test]
    fn long_history_of_sparse_edits() {
        let (versions, expected) = edit_history(300, 200);
        assert_eq!(blame_history(&versions), expected);
    }

    /// Run with `cargo test --release -- --ignored --nocapture`.
    #[test]
    #[ignore = "timing: meaningful in release builds only"]
    fn perf_1000_versions_of_1000_lines() {
        let (versions, expected) = edit_history(1000, 1000);
        // Best of five, so that a busy machine does not fail the test.
        let mut best = Duration::MAX;
        for _ in 0..5 {
            let started = Instant::now();
            let origins = blame_history(&versions);
            best = best.min(started.elapsed());
            assert_eq!(origins, expected);
        }
        println!("blame of 1000 versions x 1000 lines: {best:?}");
        assert!(best < Duration::from_millis(100), "took {best:?}");
    }

    /// Straightforward blame: split every version, diff the whole line lists.
    fn reference_blame(versions: &[Option<Vec<u8>>]) -> Vec<(Vec<u8>, usize)> {
        reference_blame_with_restores(versions, &[])
    }

    /// Straightforward blame with restores: keep the state of every version, and copy it back
    /// for a restore that holds.
    fn reference_blame_with_restores(
        versions: &[Option<Vec<u8>>],
        restore_of: &[Option<usize>],
    ) -> Vec<(Vec<u8>, usize)> {
        let mut states: Vec<Vec<(&[u8], usize)>> = Vec::new();
        let mut current: Vec<(&[u8], usize)> = Vec::new();
        for (v, content) in versions.iter().enumerate() {
            if v > 0 {
                states.push(current.clone());
            }
            let Some(content) = content else {
                current.clear();
                continue;
            };
            let restored = restore_of
                .get(v)
                .copied()
                .flatten()
                .filter(|&j| j < v && versions[j].as_ref() == Some(content));
            if let Some(j) = restored {
                current = states[j].clone();
                continue;
            }
            let new_lines = split_lines(content);
            let old_lines: Vec<&[u8]> = current.iter().map(|(l, _)| *l).collect();
            let ops = similar::capture_diff_slices(Algorithm::Myers, &old_lines, &new_lines);
            let mut next = Vec::new();
            for op in ops {
                let (tag, old_range, new_range) = op.as_tag_tuple();
                if tag == DiffTag::Equal {
                    next.extend_from_slice(&current[old_range]);
                } else {
                    next.extend(new_lines[new_range].iter().map(|l| (*l, v)));
                }
            }
            current = next;
        }
        current.into_iter().map(|(l, v)| (l.to_vec(), v)).collect()
    }

    fn version_strategy() -> impl Strategy<Value = Option<Vec<u8>>> {
        proptest::option::weighted(
            0.9,
            proptest::collection::vec(proptest::sample::select(&b"ab\n\r\xff"[..]), 0..40),
        )
    }

    proptest! {
        #[test]
        fn blame_never_panics_and_covers_the_last_version(
            versions in proptest::collection::vec(
                proptest::option::of(proptest::collection::vec(any::<u8>(), 0..200)), 0..6),
        ) {
            let input: Vec<(usize, Option<&[u8]>)> =
                versions.iter().enumerate().map(|(i, v)| (i, v.as_deref())).collect();
            match (blame(&input), versions.last()) {
                (Err(BlameError::Binary), Some(Some(last))) => prop_assert!(is_binary(last)),
                (Ok(lines), last) => {
                    let last = last.cloned().flatten().unwrap_or_default();
                    let expected: Vec<String> = split_lines(&last).into_iter().map(line_text).collect();
                    let texts: Vec<String> = lines.iter().map(|l| l.text.clone()).collect();
                    prop_assert_eq!(texts, expected);
                    let numbers: Vec<usize> = lines.iter().map(|l| l.line).collect();
                    prop_assert_eq!(numbers, (1..=lines.len()).collect::<Vec<_>>());
                }
                (Err(e), last) => prop_assert!(false, "{:?} for {:?}", e, last),
            }
        }

        #[test]
        fn blame_with_restores_matches_the_straightforward_algorithm(
            pool in proptest::collection::vec(
                proptest::collection::vec(proptest::sample::select(&b"ab\n"[..]), 0..16), 1..4),
            picks in proptest::collection::vec(proptest::option::weighted(0.85, 0usize..4), 1..10),
            restore_of in proptest::collection::vec(proptest::option::of(0usize..10), 0..10),
        ) {
            let versions: Vec<Option<Vec<u8>>> =
                picks.iter().map(|p| p.map(|p| pool[p % pool.len()].clone())).collect();
            let input: Vec<(usize, Option<&[u8]>)> =
                versions.iter().enumerate().map(|(i, v)| (i, v.as_deref())).collect();
            let ours: Vec<(String, usize)> = blame_with_restores(&input, &restore_of)
                .expect("no NUL in the alphabet")
                .into_iter()
                .map(|l| (l.text, l.origin))
                .collect();
            let reference: Vec<(String, usize)> =
                reference_blame_with_restores(&versions, &restore_of)
                    .into_iter()
                    .map(|(l, v)| (line_text(&l), v))
                    .collect();
            prop_assert_eq!(ours, reference);
        }

        #[test]
        fn blame_matches_the_straightforward_algorithm(
            versions in proptest::collection::vec(version_strategy(), 1..8),
        ) {
            let input: Vec<(usize, Option<&[u8]>)> =
                versions.iter().enumerate().map(|(i, v)| (i, v.as_deref())).collect();
            let ours: Vec<(String, usize)> = blame(&input)
                .expect("no NUL in the alphabet")
                .into_iter()
                .map(|l| (l.text, l.origin))
                .collect();
            let reference: Vec<(String, usize)> = reference_blame(&versions)
                .into_iter()
                .map(|(l, v)| (line_text(&l), v))
                .collect();
            prop_assert_eq!(ours, reference);
        }
    }
}
