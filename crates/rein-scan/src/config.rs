//! A repository's scan configuration: `.rein/scan.toml` at the scan root, the paths the scan
//! leaves out, each group with the reason.
//!
//! ```toml
//! [[exclude]]
//! paths = ["tests/fixtures/**", "examples"]   # globs under the root; a directory covers its files
//! reason = "test fixtures: planted configurations nobody runs"
//! ```
//!
//! An exclusion hides findings, so it is never silent: the scan reports each `[[exclude]]` as a
//! `scan.excluded` finding at its line, with how many files it left out and which agent
//! configurations among them, and no comment or baseline silences that finding. A file that
//! cannot be used (bad syntax, an unknown key, a pattern that is not relative) excludes
//! nothing and is reported as `scan.config-invalid`.

use std::path::Path;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

use crate::doc::{Format, Node, ParseError, Pos};

/// Where the configuration lives, relative to the scan root.
pub const CONFIG_PATH: &str = ".rein/scan.toml";
/// The most patterns one configuration may hold.
const MAX_PATTERNS: usize = 1_000;
/// The longest `reason`, in characters.
const MAX_REASON_CHARS: usize = 300;

/// A parsed `.rein/scan.toml`.
#[derive(Debug, Clone)]
pub struct ScanConfig {
    pub excludes: Vec<Exclude>,
}

/// One `[[exclude]]`: globs and why they are left out.
#[derive(Debug, Clone)]
pub struct Exclude {
    /// Where its `paths` key is.
    pub pos: Pos,
    pub patterns: Vec<String>,
    pub reason: String,
    matcher: GlobSet,
}

impl Exclude {
    /// Whether it covers `rel` (a `/`-separated path under the root): the path itself or a
    /// directory above it matches one of the globs.
    pub fn covers(&self, rel: &str) -> bool {
        self.matcher.is_match(rel)
            || rel
                .match_indices('/')
                .any(|(i, _)| self.matcher.is_match(&rel[..i]))
    }
}

impl ScanConfig {
    /// The first `[[exclude]]` that covers `rel`, by index.
    pub fn excluded_by(&self, rel: &str) -> Option<usize> {
        self.excludes.iter().position(|e| e.covers(rel))
    }

    /// Parses the text of a configuration file. Anything not understood is an error (an unknown
    /// key may be a misspelt one that was meant to matter).
    pub fn parse(text: &str) -> Result<ScanConfig, ParseError> {
        let doc = crate::parse::parse(Format::Toml, text)?;
        let Some(root) = doc.root else {
            return Ok(ScanConfig {
                excludes: Vec::new(),
            });
        };
        let mut excludes = Vec::new();
        let mut patterns_seen = 0usize;
        for entry in root.entries() {
            if entry.key != "exclude" {
                return Err(error(
                    entry.key_pos,
                    format!("unknown key `{}` (expected `[[exclude]]`)", entry.key),
                ));
            }
            if entry.value.items().is_empty() {
                return Err(error(
                    entry.value.pos,
                    "`exclude` must be an array of tables: `[[exclude]]` with `paths` and `reason`",
                ));
            }
            for table in entry.value.items() {
                let exclude = parse_exclude(table)?;
                patterns_seen += exclude.patterns.len();
                if patterns_seen > MAX_PATTERNS {
                    return Err(error(
                        exclude.pos,
                        format!("more than {MAX_PATTERNS} patterns"),
                    ));
                }
                excludes.push(exclude);
            }
        }
        Ok(ScanConfig { excludes })
    }
}

/// The configuration at `root`: `Ok(None)` when there is none, the error (with where it is)
/// when it cannot be used.
pub fn load(root: &Path) -> Result<Option<ScanConfig>, ParseError> {
    let path = root.join(CONFIG_PATH);
    if std::fs::symlink_metadata(&path).is_err() {
        return Ok(None);
    }
    let text =
        crate::scan::read_text(&path).map_err(|(pos, message)| ParseError { pos, message })?;
    ScanConfig::parse(&text).map(Some)
}

fn parse_exclude(table: &Node) -> Result<Exclude, ParseError> {
    if table.entries().is_empty() {
        return Err(error(
            table.pos,
            "each `[[exclude]]` needs `paths` and `reason`",
        ));
    }
    let mut paths = None;
    let mut reason = None;
    for e in table.entries() {
        match e.key.as_str() {
            "paths" => paths = Some(e),
            "reason" => reason = Some(e),
            other => {
                return Err(error(
                    e.key_pos,
                    format!(
                        "unknown key `{other}` in `[[exclude]]` (expected `paths` and `reason`)"
                    ),
                ));
            }
        }
    }
    let Some(paths) = paths else {
        return Err(error(table.pos, "`[[exclude]]` without `paths`"));
    };
    let Some(reason_entry) = reason else {
        return Err(error(
            table.pos,
            "`[[exclude]]` without `reason`: say why these paths are left out",
        ));
    };
    // Shown in every report: one line of plain text.
    let reason = reason_entry
        .value
        .as_str()
        .map(str::trim)
        .filter(|r| {
            !r.is_empty() && r.chars().count() <= MAX_REASON_CHARS && !r.contains(char::is_control)
        })
        .ok_or_else(|| {
            error(
                reason_entry.value.pos,
                format!("`reason` must be one line of text, at most {MAX_REASON_CHARS} characters"),
            )
        })?;
    if paths.value.items().is_empty() {
        return Err(error(
            paths.value.pos,
            "`paths` must be a non-empty array of globs",
        ));
    }
    let mut patterns = Vec::new();
    let mut set = GlobSetBuilder::new();
    for item in paths.value.items() {
        let Some(pattern) = item.as_str() else {
            return Err(error(item.pos, "each path must be a string"));
        };
        let glob = pattern.trim().trim_end_matches('/');
        if glob.is_empty()
            || glob.starts_with('/')
            || glob.contains('\\')
            || glob.split('/').any(|c| c == ".." || c == ".")
        {
            return Err(error(
                item.pos,
                format!(
                    "`{pattern}` is not a relative path under the scan root (no leading `/`, `.` or `..`)"
                ),
            ));
        }
        let compiled = GlobBuilder::new(glob)
            .literal_separator(true)
            .build()
            .map_err(|e| error(item.pos, format!("`{pattern}`: {e}")))?;
        set.add(compiled);
        patterns.push(pattern.to_owned());
    }
    let matcher = set
        .build()
        .map_err(|e| error(paths.value.pos, e.to_string()))?;
    Ok(Exclude {
        pos: paths.key_pos,
        patterns,
        reason: reason.to_owned(),
        matcher,
    })
}

fn error(pos: Pos, message: impl Into<String>) -> ParseError {
    ParseError {
        pos,
        message: message.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_cover_files_and_directories() {
        let c = ScanConfig::parse(
            "[[exclude]]\npaths = [\"tests/fixtures/**\", \"examples\", \"docs/*.md\"]\nreason = \"planted\"\n",
        )
        .expect("parses");
        assert_eq!(c.excludes.len(), 1);
        assert_eq!(c.excludes[0].pos, Pos { line: 2, column: 1 });
        for covered in [
            "tests/fixtures/a/.mcp.json",
            "examples/scan-sample/.mcp.json",
            "examples",
            "docs/AGENTS.md",
        ] {
            assert_eq!(c.excluded_by(covered), Some(0), "{covered}");
        }
        for kept in [
            ".mcp.json",
            "tests/other/.mcp.json",
            "docs/sub/AGENTS.md",
            "examples2/x",
        ] {
            assert_eq!(c.excluded_by(kept), None, "{kept}");
        }
    }

    #[test]
    fn anything_not_understood_is_an_error_with_its_place() {
        for (text, line) in [
            ("exclude = [\"x\"]\n", 1),
            ("[[exclude]]\npaths = [\"x\"]\n", 1),
            ("[[exclude]]\nreason = \"r\"\n", 1),
            ("[[exclude]]\npaths = [\"x\"]\nreason = \"\"\n", 3),
            (
                "[[exclude]]\npaths = [\"x\"]\nreason = \"two\\nlines\"\n",
                3,
            ),
            ("[[exclude]]\npaths = []\nreason = \"r\"\n", 2),
            ("[[exclude]]\npaths = [\"/etc\"]\nreason = \"r\"\n", 2),
            ("[[exclude]]\npaths = [\"../x\"]\nreason = \"r\"\n", 2),
            ("[[exclude]]\npaths = [\"a/[\"]\nreason = \"r\"\n", 2),
            ("[[exclude]]\npath = [\"x\"]\nreason = \"r\"\n", 2),
            ("[[exclude]]\npaths = [\"x\"]\nreason = \"r\"\n[scan]\n", 4),
            ("[[exclude]\n", 1),
        ] {
            let e = ScanConfig::parse(text).expect_err(text);
            assert_eq!(e.pos.line, line, "{text}: {}", e.message);
        }
        assert!(ScanConfig::parse("").expect("empty").excludes.is_empty());
    }
}
