//! Byte-exact three-way line merge (diff3).
//!
//! `rein revert` undoes one agent step while keeping later work by merging with
//! `base` = the file after the step, `ours` = the file on disk now and `theirs` = the file
//! before the step. Lines are split after each `\n` and keep their terminators, so CRLF
//! endings and a final line without a newline survive untouched: every byte of the result
//! comes verbatim from one of the three inputs (plus conflict markers).

use std::ops::Range;
use std::time::{Duration, Instant};

use similar::{Algorithm, DiffOp};

/// Above this many lines (base + ours + theirs) we refuse to diff and report one conflict
/// spanning everything, so memory and time stay bounded.
const MAX_LINES: usize = 2_000_000;

/// Wall-clock budget for each line diff; past it `similar` falls back to a coarser but still
/// correct diff instead of hanging on pathological input.
const DIFF_DEADLINE: Duration = Duration::from_secs(5);

/// How far [`is_mergeable_text`] looks for a NUL byte (the same window git uses).
const BINARY_SNIFF_LEN: usize = 8000;

/// Names written after the conflict markers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Labels<'a> {
    /// Written after `<<<<<<<`.
    pub ours: &'a str,
    /// Written after `|||||||`.
    pub base: &'a str,
    /// Written after `>>>>>>>`.
    pub theirs: &'a str,
}

/// One region both sides changed differently.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConflictHunk {
    /// 1-based first line of the region in ours (for an empty region: the line it precedes).
    pub ours_start: usize,
    /// Number of lines of the region in ours.
    pub ours_len: usize,
    /// 1-based first line of the region in base (for an empty region: the line it precedes).
    pub base_start: usize,
    /// Number of lines of the region in base.
    pub base_len: usize,
    /// 1-based first line of the region in theirs (for an empty region: the line it precedes).
    pub theirs_start: usize,
    /// Number of lines of the region in theirs.
    pub theirs_len: usize,
    /// The raw bytes of the region's lines in ours.
    pub ours: Vec<u8>,
    /// The raw bytes of the region's lines in base.
    pub base: Vec<u8>,
    /// The raw bytes of the region's lines in theirs.
    pub theirs: Vec<u8>,
}

/// Outcome of [`merge3`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Merged {
    /// No conflict: the merged bytes.
    Clean(Vec<u8>),
    /// Conflicts: the hunks, and the file with git-style markers written in.
    Conflict {
        /// The conflicting regions, in file order.
        hunks: Vec<ConflictHunk>,
        /// The merged file with a diff3-style marker block in place of each hunk.
        with_markers: Vec<u8>,
    },
}

/// Whether content can be merged by lines: false if a NUL byte occurs in the first 8000
/// bytes. Valid UTF-8 is not required; any bytes are treated as lines split on `b'\n'`.
pub fn is_mergeable_text(data: &[u8]) -> bool {
    !data.iter().take(BINARY_SNIFF_LEN).any(|&b| b == 0)
}

/// Three-way merges `ours` and `theirs`, both derived from `base`, line by line.
///
/// A region changed by one side takes that side's lines. Regions changed by both sides that
/// overlap in base (share a base line, insert at the same point, or one inserts strictly
/// inside the other's range) are combined; if both sides produce the same text it is taken,
/// otherwise it is a conflict. Regions that merely touch, and an insertion at either edge of
/// the other side's range, merge cleanly. Inputs totalling more than 2,000,000 lines are not
/// diffed: the result is one conflict hunk spanning all three files.
pub fn merge3(base: &[u8], ours: &[u8], theirs: &[u8], labels: &Labels<'_>) -> Merged {
    if ours == theirs || base == theirs {
        return Merged::Clean(ours.to_vec());
    }
    if base == ours {
        return Merged::Clean(theirs.to_vec());
    }

    let total = line_count(base)
        .saturating_add(line_count(ours))
        .saturating_add(line_count(theirs));
    if total > MAX_LINES {
        return too_large(base, ours, theirs, labels);
    }

    let base_lines = split_lines(base);
    let ours_lines = split_lines(ours);
    let theirs_lines = split_lines(theirs);
    let ours_regions = diff_regions(&base_lines, &ours_lines);
    let theirs_regions = diff_regions(&base_lines, &theirs_lines);

    let mut out = Vec::with_capacity(ours.len().max(theirs.len()));
    let mut hunks = Vec::new();
    // Base lines before `base_pos` have been written (or replaced) already.
    let mut base_pos = 0;
    // Last (base end, side end) pair of each side's processed regions: outside regions a side
    // equals base, so this maps any later base line to that side's line number.
    let mut ours_anchor = (0, 0);
    let mut theirs_anchor = (0, 0);
    let (mut oi, mut ti) = (0, 0);

    loop {
        let (o_from, t_from) = (oi, ti);
        // Start the group at the earliest region; on equal starts an insertion sorts first, so
        // it lands before the other side's replaced lines.
        let mut group = match (ours_regions.get(oi), theirs_regions.get(ti)) {
            (None, None) => break,
            (Some(o), Some(t)) if o.key() <= t.key() => {
                oi += 1;
                Group::new(o)
            }
            (Some(o), None) => {
                oi += 1;
                Group::new(o)
            }
            (_, Some(t)) => {
                ti += 1;
                Group::new(t)
            }
        };
        // Absorb regions until nothing more interacts. The closure does not depend on which
        // side is checked first: an empty group (insertions at one point) never widens, and a
        // non-empty one only gains interactions as it widens.
        loop {
            if let Some(o) = ours_regions.get(oi).filter(|o| group.interacts(o)) {
                group.absorb(o);
                oi += 1;
            } else if let Some(t) = theirs_regions.get(ti).filter(|t| group.interacts(t)) {
                group.absorb(t);
                ti += 1;
            } else {
                break;
            }
        }

        extend_lines(&mut out, &base_lines[base_pos..group.base.start]);
        base_pos = group.base.end;
        let ours_span = side_span(&group.base, &ours_regions[o_from..oi], &mut ours_anchor);
        let theirs_span = side_span(&group.base, &theirs_regions[t_from..ti], &mut theirs_anchor);
        let ours_part = &ours_lines[ours_span.clone()];
        let theirs_part = &theirs_lines[theirs_span.clone()];

        if oi == o_from || ti == t_from || ours_part == theirs_part {
            // One side left the group alone (so the other side's text wins), or both sides
            // agree. Line sequences compare equal exactly when their bytes do.
            let take = if oi == o_from { theirs_part } else { ours_part };
            extend_lines(&mut out, take);
            continue;
        }

        let hunk = ConflictHunk {
            ours_start: ours_span.start + 1,
            ours_len: ours_span.len(),
            base_start: group.base.start + 1,
            base_len: group.base.len(),
            theirs_start: theirs_span.start + 1,
            theirs_len: theirs_span.len(),
            ours: ours_part.concat(),
            base: base_lines[group.base.clone()].concat(),
            theirs: theirs_part.concat(),
        };
        write_markers(&mut out, &hunk, labels);
        hunks.push(hunk);
    }
    extend_lines(&mut out, &base_lines[base_pos..]);

    if hunks.is_empty() {
        Merged::Clean(out)
    } else {
        Merged::Conflict {
            hunks,
            with_markers: out,
        }
    }
}

/// A changed region of one side: `base` lines were replaced by that side's `new` lines.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Region {
    base: Range<usize>,
    new: Range<usize>,
    /// The replacement is non-empty and its last line has no `\n`; only possible at the end of
    /// the side's file. Anything placed after it would be glued onto that line.
    open_end: bool,
}

impl Region {
    /// Sort key: by start, and an insertion (empty range) before a replacement at the same
    /// start, which is what "insertion at p goes before base line p" needs.
    fn key(&self) -> (usize, usize) {
        (self.base.start, self.base.end)
    }
}

/// A combined region: the union of base ranges of the regions absorbed so far.
struct Group {
    base: Range<usize>,
    /// Whether a region ending at `base.end` ends its side's file without a newline.
    open_end: bool,
}

impl Group {
    fn new(r: &Region) -> Self {
        Self {
            base: r.base.clone(),
            open_end: r.open_end,
        }
    }

    /// Whether `r` must be resolved together with this group.
    fn interacts(&self, r: &Region) -> bool {
        let (g, c) = (&self.base, &r.base);
        match (g.is_empty(), c.is_empty()) {
            // Share at least one base line.
            (false, false) => c.start < g.end && g.start < c.end,
            // Two insertions at the same point: their order would be arbitrary.
            (true, true) => c.start == g.start,
            // An insertion strictly inside the group splits lines the other side rewrote. One
            // at the group's end is fine unless the group's text ends without a newline, in
            // which case appending would glue two lines together.
            (false, true) => {
                (g.start < c.start && c.start < g.end) || (c.start == g.end && self.open_end)
            }
            (true, false) => {
                (c.start < g.start && g.start < c.end) || (g.start == c.end && r.open_end)
            }
        }
    }

    fn absorb(&mut self, r: &Region) {
        self.base.start = self.base.start.min(r.base.start);
        if r.base.end > self.base.end {
            self.base.end = r.base.end;
            self.open_end = r.open_end;
        } else if r.base.end == self.base.end {
            self.open_end |= r.open_end;
        }
    }
}

/// The line range in one side covering base lines `group`, given that side's regions inside
/// the group; advances `anchor` past them.
fn side_span(
    group: &Range<usize>,
    regions: &[Region],
    anchor: &mut (usize, usize),
) -> Range<usize> {
    let start = anchor.1 + (group.start - anchor.0);
    if let Some(last) = regions.last() {
        *anchor = (last.base.end, last.new.end);
    }
    let end = anchor.1 + (group.end - anchor.0);
    start..end
}

/// The changed regions of `side` relative to `base`, in base order, each separated from the
/// next by at least one unchanged line.
fn diff_regions(base: &[&[u8]], side: &[&[u8]]) -> Vec<Region> {
    // Trim the common prefix and suffix ourselves so changes can never be slid into lines
    // both files share at their ends, whatever the diff algorithm's tie-breaking does.
    let prefix = base.iter().zip(side).take_while(|(b, s)| b == s).count();
    let suffix = base[prefix..]
        .iter()
        .rev()
        .zip(side[prefix..].iter().rev())
        .take_while(|(b, s)| b == s)
        .count();
    let base_range = prefix..base.len() - suffix;
    let side_range = prefix..side.len() - suffix;
    if base_range.is_empty() && side_range.is_empty() {
        return Vec::new();
    }

    let deadline = Instant::now().checked_add(DIFF_DEADLINE);
    let ops = similar::capture_diff_deadline(
        Algorithm::Myers,
        base,
        base_range,
        side,
        side_range,
        deadline,
    );

    let mut regions: Vec<Region> = Vec::new();
    // Whether the last pushed region may still grow: adjacent non-equal ops are one region.
    let mut open = false;
    for op in &ops {
        if let DiffOp::Equal { len, .. } = *op {
            if len > 0 {
                open = false;
            }
            continue;
        }
        let (old, new) = (op.old_range(), op.new_range());
        match regions.last_mut().filter(|_| open) {
            Some(last) => {
                last.base.end = old.end;
                last.new.end = new.end;
            }
            None => regions.push(Region {
                base: old,
                new,
                open_end: false,
            }),
        }
        open = true;
    }
    for r in &mut regions {
        r.open_end = side[r.new.clone()]
            .last()
            .is_some_and(|line| line.last() != Some(&b'\n'));
    }
    regions
}

/// Splits after each `\n`; a trailing line without one is kept as the last line.
fn split_lines(data: &[u8]) -> Vec<&[u8]> {
    data.split_inclusive(|&b| b == b'\n').collect()
}

/// Number of lines [`split_lines`] would return, without allocating.
fn line_count(data: &[u8]) -> usize {
    let newlines = data.iter().filter(|&&b| b == b'\n').count();
    newlines + usize::from(data.last().is_some_and(|&b| b != b'\n'))
}

fn extend_lines(out: &mut Vec<u8>, lines: &[&[u8]]) {
    for line in lines {
        out.extend_from_slice(line);
    }
}

/// The "too large to merge" answer: one hunk covering all three files.
fn too_large(base: &[u8], ours: &[u8], theirs: &[u8], labels: &Labels<'_>) -> Merged {
    let hunk = ConflictHunk {
        ours_start: 1,
        ours_len: line_count(ours),
        base_start: 1,
        base_len: line_count(base),
        theirs_start: 1,
        theirs_len: line_count(theirs),
        ours: ours.to_vec(),
        base: base.to_vec(),
        theirs: theirs.to_vec(),
    };
    let mut with_markers = Vec::new();
    write_markers(&mut with_markers, &hunk, labels);
    Merged::Conflict {
        hunks: vec![hunk],
        with_markers,
    }
}

/// Writes a diff3-style marker block for `hunk`.
fn write_markers(out: &mut Vec<u8>, hunk: &ConflictHunk, labels: &Labels<'_>) {
    marker_line(out, b"<<<<<<<", labels.ours);
    section(out, &hunk.ours);
    marker_line(out, b"|||||||", labels.base);
    section(out, &hunk.base);
    marker_line(out, b"=======", "");
    section(out, &hunk.theirs);
    marker_line(out, b">>>>>>>", labels.theirs);
}

fn marker_line(out: &mut Vec<u8>, marker: &[u8], label: &str) {
    out.extend_from_slice(marker);
    if !label.is_empty() {
        out.push(b' ');
        out.extend_from_slice(label.as_bytes());
    }
    out.push(b'\n');
}

/// Writes a side's lines; a missing final newline is added so the next marker starts a line.
fn section(out: &mut Vec<u8>, text: &[u8]) {
    out.extend_from_slice(text);
    if text.last().is_some_and(|&b| b != b'\n') {
        out.push(b'\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const LABELS: Labels<'static> = Labels {
        ours: "current",
        base: "after step 12",
        theirs: "before step 12",
    };

    fn merge(base: &str, ours: &str, theirs: &str) -> Merged {
        merge3(base.as_bytes(), ours.as_bytes(), theirs.as_bytes(), &LABELS)
    }

    fn clean(s: &str) -> Merged {
        Merged::Clean(s.as_bytes().to_vec())
    }

    fn conflict(m: Merged) -> (Vec<ConflictHunk>, String) {
        match m {
            Merged::Conflict {
                hunks,
                with_markers,
            } => (
                hunks,
                String::from_utf8(with_markers).expect("test inputs are UTF-8"),
            ),
            Merged::Clean(c) => {
                panic!("expected a conflict, got {:?}", String::from_utf8_lossy(&c))
            }
        }
    }

    #[test]
    fn revert_middle_step_keeps_later_change() {
        let before = "A\nB\nC\nD\nE\nF\nG\nH\nI\nJ\n";
        let after = "A\nB\nC2\nD\nE\nF\nG\nH\nI\nJ\n";
        let now = "A\nB\nC2\nD\nE\nF\nG\nH2\nI\nJ\n";
        assert_eq!(
            merge(after, now, before),
            clean("A\nB\nC\nD\nE\nF\nG\nH2\nI\nJ\n")
        );
    }

    #[test]
    fn same_line_changed_again_conflicts_with_exact_markers() {
        let before = "A\nB\nC\nD\nE\n";
        let after = "A\nB\nC2\nD\nE\n";
        let now = "A\nB\nC3\nC4\nD\nE\n";
        let (hunks, text) = conflict(merge(after, now, before));
        assert_eq!(
            hunks,
            vec![ConflictHunk {
                ours_start: 3,
                ours_len: 2,
                base_start: 3,
                base_len: 1,
                theirs_start: 3,
                theirs_len: 1,
                ours: b"C3\nC4\n".to_vec(),
                base: b"C2\n".to_vec(),
                theirs: b"C\n".to_vec(),
            }]
        );
        assert_eq!(
            text,
            "A\nB\n\
             <<<<<<< current\nC3\nC4\n\
             ||||||| after step 12\nC2\n\
             =======\nC\n\
             >>>>>>> before step 12\n\
             D\nE\n"
        );
    }

    #[test]
    fn hunk_line_numbers_follow_earlier_size_changes() {
        // Ours grew by two lines and theirs shrank by one before the conflict.
        let base = "a\nb\nc\nd\ne\n";
        let ours = "a\nx\ny\nb\nc\nd1\ne\n";
        let theirs = "b\nc\nd2\ne\n";
        let (hunks, _) = conflict(merge(base, ours, theirs));
        assert_eq!(hunks.len(), 1);
        let h = &hunks[0];
        assert_eq!((h.ours_start, h.ours_len), (6, 1));
        assert_eq!((h.base_start, h.base_len), (4, 1));
        assert_eq!((h.theirs_start, h.theirs_len), (3, 1));
    }

    #[test]
    fn crlf_is_preserved() {
        let base = "one\r\ntwo\r\nthree\r\nfour\r\nfive\r\n";
        let ours = "one\r\nTWO\r\nthree\r\nfour\r\nfive\r\n";
        let theirs = "one\r\ntwo\r\nthree\r\nfour\r\nFIVE\r\n";
        assert_eq!(
            merge(base, ours, theirs),
            clean("one\r\nTWO\r\nthree\r\nfour\r\nFIVE\r\n")
        );
    }

    #[test]
    fn missing_final_newline_is_preserved() {
        let base = "a\nb\nc\nd";
        assert_eq!(merge(base, "A\nb\nc\nd", "a\nb\nc\nD"), clean("A\nb\nc\nD"));
        assert_eq!(
            merge(base, "A\nb\nc\nd", "a\nb\nc\nd\n"),
            clean("A\nb\nc\nd\n")
        );
        assert_eq!(merge("a\nb\nc\n", "A\nb\nc\n", "a\nb\nc"), clean("A\nb\nc"));
    }

    #[test]
    fn markers_start_lines_when_a_side_lacks_final_newline() {
        let (hunks, text) = conflict(merge("a\nb", "a\nB", "a\nC"));
        assert_eq!(hunks.len(), 1);
        assert_eq!(
            text,
            "a\n<<<<<<< current\nB\n||||||| after step 12\nb\n=======\nC\n>>>>>>> before step 12\n"
        );
    }

    #[test]
    fn appending_after_a_line_without_newline_conflicts() {
        // Appending theirs' line after ours' unterminated last line would glue them together.
        let (hunks, _) = conflict(merge("a\nb\n", "a\nB", "a\nb\nc\n"));
        assert_eq!(hunks.len(), 1);
    }

    #[test]
    fn insertions_at_the_same_point_conflict() {
        let (hunks, text) = conflict(merge("a\nb\n", "a\nx\nb\n", "a\ny\nb\n"));
        assert_eq!(
            hunks,
            vec![ConflictHunk {
                ours_start: 2,
                ours_len: 1,
                base_start: 2,
                base_len: 0,
                theirs_start: 2,
                theirs_len: 1,
                ours: b"x\n".to_vec(),
                base: Vec::new(),
                theirs: b"y\n".to_vec(),
            }]
        );
        assert_eq!(
            text,
            "a\n<<<<<<< current\nx\n||||||| after step 12\n=======\ny\n>>>>>>> before step 12\nb\n"
        );
    }

    #[test]
    fn insertion_strictly_inside_other_change_conflicts() {
        let base = "a\nb\nc\nd\n";
        let (hunks, _) = conflict(merge(base, "a\nb\nx\nc\nd\n", "a\nB\nC\nd\n"));
        assert_eq!(hunks.len(), 1);
        assert_eq!((hunks[0].base_start, hunks[0].base_len), (2, 2));
    }

    #[test]
    fn touching_regions_merge_cleanly() {
        let base = "a\nb\nc\nd\n";
        assert_eq!(
            merge(base, "a\nB\nc\nd\n", "a\nb\nC\nd\n"),
            clean("a\nB\nC\nd\n")
        );
        // Deletion next to a replacement.
        assert_eq!(merge(base, "a\nc\nd\n", "a\nb\nC\nd\n"), clean("a\nC\nd\n"));
    }

    #[test]
    fn insertion_at_edge_of_other_change_is_placed_deterministically() {
        let base = "a\nb\nc\n";
        // Insertion before the line the other side replaced.
        assert_eq!(
            merge(base, "a\nx\nb\nc\n", "a\nB\nc\n"),
            clean("a\nx\nB\nc\n")
        );
        assert_eq!(
            merge(base, "a\nB\nc\n", "a\nx\nb\nc\n"),
            clean("a\nx\nB\nc\n")
        );
        // Insertion after it.
        assert_eq!(
            merge(base, "a\nb\nx\nc\n", "a\nB\nc\n"),
            clean("a\nB\nx\nc\n")
        );
        assert_eq!(
            merge(base, "a\nB\nc\n", "a\nb\nx\nc\n"),
            clean("a\nB\nx\nc\n")
        );
    }

    #[test]
    fn identical_changes_are_clean() {
        let base = "a\nb\nc\nd\n";
        assert_eq!(
            merge(base, "a\nX\nc\nD\n", "a\nX\nc\nd\n"),
            clean("a\nX\nc\nD\n")
        );
        assert_eq!(
            merge(base, "a\nb\nc\nd\ne\n", "a\nb\nc\nd\ne\n"),
            clean("a\nb\nc\nd\ne\n")
        );
    }

    #[test]
    fn empty_inputs() {
        assert_eq!(merge("", "", ""), clean(""));
        assert_eq!(merge("", "a\n", ""), clean("a\n"));
        assert_eq!(merge("", "", "a\n"), clean("a\n"));
        assert_eq!(merge("a\n", "", ""), clean(""));
        assert_eq!(merge("a\nb\n", "", "a\nb\n"), clean(""));
        assert_eq!(merge("a\nb\n", "a\nb\n", ""), clean(""));

        let (hunks, text) = conflict(merge("", "a\n", "b\n"));
        assert_eq!((hunks[0].base_start, hunks[0].base_len), (1, 0));
        assert_eq!(
            text,
            "<<<<<<< current\na\n||||||| after step 12\n=======\nb\n>>>>>>> before step 12\n"
        );

        // Ours deleted everything while theirs edited a line.
        let (hunks, _) = conflict(merge("a\nb\n", "", "a\nB\n"));
        assert_eq!(
            (hunks[0].ours_start, hunks[0].ours_len, hunks[0].base_len),
            (1, 0, 2)
        );
        let (hunks, _) = conflict(merge("a\nb\n", "a\nB\n", ""));
        assert_eq!((hunks[0].theirs_start, hunks[0].theirs_len), (1, 0));
    }

    #[test]
    fn several_hunks_and_clean_regions_interleave() {
        let base = "1\n2\n3\n4\n5\n6\n7\n";
        let ours = "1\n2o\n3\n4o\n5\n6\n7\n";
        let theirs = "1\n2t\n3\n4\n5\n6t\n7\n";
        let (hunks, text) = conflict(merge(base, ours, theirs));
        assert_eq!(hunks.len(), 1);
        assert_eq!(
            text,
            "1\n<<<<<<< current\n2o\n||||||| after step 12\n2\n=======\n2t\n>>>>>>> before step 12\n\
             3\n4o\n5\n6t\n7\n"
        );
    }

    #[test]
    fn empty_labels_write_bare_markers() {
        let labels = Labels {
            ours: "",
            base: "",
            theirs: "",
        };
        let m = merge3(b"a\n", b"b\n", b"c\n", &labels);
        let (_, text) = conflict(m);
        assert_eq!(text, "<<<<<<<\nb\n|||||||\na\n=======\nc\n>>>>>>>\n");
    }

    #[test]
    fn too_large_input_is_one_hunk() {
        let big = "x\n".repeat(MAX_LINES / 2 + 1);
        let ours = format!("{big}o\n");
        let theirs = format!("{big}t\n");
        let (hunks, _) = conflict(merge(&big, &ours, &theirs));
        assert_eq!(hunks.len(), 1);
        assert_eq!(hunks[0].base_len, MAX_LINES / 2 + 1);
        assert_eq!(hunks[0].ours_len, MAX_LINES / 2 + 2);
        assert_eq!(hunks[0].ours, ours.as_bytes());
    }

    #[test]
    fn binary_detection() {
        assert!(is_mergeable_text(b""));
        assert!(is_mergeable_text(b"plain\r\ntext\xff\xfe"));
        assert!(!is_mergeable_text(b"a\0b"));
        let mut late_nul = vec![b'a'; BINARY_SNIFF_LEN];
        late_nul.push(0);
        assert!(is_mergeable_text(&late_nul));
        late_nul[BINARY_SNIFF_LEN - 1] = 0;
        assert!(!is_mergeable_text(&late_nul));
    }

    // Lines that all end in a newline, so any sequence of them is a well-formed file.
    const LINES: [&str; 4] = ["a\n", "b\n", "c\r\n", "e\n"];

    fn lines(max: usize) -> impl Strategy<Value = Vec<&'static str>> {
        prop::collection::vec(prop::sample::select(&LINES[..]), 0..max)
    }

    /// A small file from the line alphabet, sometimes ending in "d" without a newline.
    fn file() -> impl Strategy<Value = Vec<u8>> {
        (lines(8), any::<bool>()).prop_map(|(ls, open)| {
            let mut s = ls.concat();
            if open {
                s.push('d');
            }
            s.into_bytes()
        })
    }

    /// Bytes drawn mostly from line-structure characters, plus NUL and non-UTF-8.
    fn raw() -> impl Strategy<Value = Vec<u8>> {
        prop::collection::vec(
            prop::sample::select(&[b'a', b'b', b'\n', b'\r', 0, 0xff][..]),
            0..40,
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn one_sided_change_wins(b in file(), o in file()) {
            prop_assert_eq!(merge3(&b, &o, &b, &LABELS), Merged::Clean(o.clone()));
            prop_assert_eq!(merge3(&b, &b, &o, &LABELS), Merged::Clean(o));
        }

        #[test]
        fn disjoint_changes_both_apply(
            head in lines(5),
            sep in lines(3),
            tail in lines(5),
            open in any::<bool>(),
            x in lines(4),
            y in lines(4),
            cut in (0usize..6, 0usize..6, 0usize..6, 0usize..6),
        ) {
            // base = head ++ SEP ++ sep ++ tail; ours rewrites a slice of head, theirs a slice of
            // tail. SEP is a line neither change contains: with an alphabet line there instead,
            // inserting copies of it makes the edit ambiguous (inserting "a" before "a" equals
            // inserting it after), and any diff may legitimately slide the change next to the
            // other side's.
            let (i1, j1) = ordered(cut.0 % (head.len() + 1), cut.1 % (head.len() + 1));
            let (i2, j2) = ordered(cut.2 % (tail.len() + 1), cut.3 % (tail.len() + 1));
            let end = if open { "d" } else { "" };
            let middle = format!("SEP\n{}", sep.concat());
            let base = format!("{}{middle}{}{end}", head.concat(), tail.concat());
            let ours = format!(
                "{}{}{}{middle}{}{end}",
                head[..i1].concat(), x.concat(), head[j1..].concat(), tail.concat()
            );
            let theirs = format!(
                "{}{middle}{}{}{}{end}",
                head.concat(), tail[..i2].concat(), y.concat(), tail[j2..].concat()
            );
            let expected = format!(
                "{}{}{}{middle}{}{}{}{end}",
                head[..i1].concat(), x.concat(), head[j1..].concat(),
                tail[..i2].concat(), y.concat(), tail[j2..].concat()
            );
            prop_assert_eq!(merge(&base, &ours, &theirs), clean(&expected));
        }

        #[test]
        fn symmetric(b in file(), o in file(), t in file()) {
            match (merge3(&b, &o, &t, &LABELS), merge3(&b, &t, &o, &LABELS)) {
                (Merged::Clean(m1), Merged::Clean(m2)) => prop_assert_eq!(m1, m2),
                (Merged::Conflict { .. }, Merged::Conflict { .. }) => {}
                (m1, m2) => prop_assert!(false, "asymmetric: {:?} vs {:?}", m1, m2),
            }
        }

        #[test]
        fn hunks_are_slices_of_the_inputs(b in file(), o in file(), t in file()) {
            // Whatever the outcome, hunks must describe real slices of the inputs.
            if let Merged::Conflict { hunks, .. } = merge3(&b, &o, &t, &LABELS) {
                for h in hunks {
                    prop_assert_eq!(slice_lines(&o, h.ours_start, h.ours_len), h.ours);
                    prop_assert_eq!(slice_lines(&b, h.base_start, h.base_len), h.base);
                    prop_assert_eq!(slice_lines(&t, h.theirs_start, h.theirs_len), h.theirs);
                }
            }
        }

        #[test]
        fn never_panics(b in raw(), o in raw(), t in raw()) {
            let _ = merge3(&b, &o, &t, &LABELS);
            let _ = is_mergeable_text(&b);
        }
    }

    fn ordered(a: usize, b: usize) -> (usize, usize) {
        (a.min(b), a.max(b))
    }

    fn slice_lines(data: &[u8], start: usize, len: usize) -> Vec<u8> {
        split_lines(data)[start - 1..start - 1 + len].concat()
    }
}
