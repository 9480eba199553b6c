//! Silencing accepted findings: an inline `rein: ignore[rule-id]` comment on the finding's line
//! or the line above it (`#` in YAML and TOML, `//` in JSONC, `<!-- -->` in Markdown), or a
//! baseline file of accepted findings.

use serde::{Deserialize, Serialize};

use crate::model::Finding;

/// Whether the source text silences `rule` at `line` (1-based).
pub fn inline_ignored(text: &str, line: u32, rule: &str) -> bool {
    let idx = line.saturating_sub(1) as usize;
    let mut lines = text.lines();
    let above = idx.checked_sub(1).and_then(|i| text.lines().nth(i));
    let this = lines.nth(idx);
    [this, above]
        .into_iter()
        .flatten()
        .any(|l| silences(l, rule))
}

/// `rein: ignore[a, b]` naming `rule` (or a prefix of it ending at a dot: `mcp` silences
/// `mcp.unpinned-package`).
fn silences(line: &str, rule: &str) -> bool {
    let mut rest = line;
    while let Some(i) = rest.find("rein: ignore[") {
        let after = &rest[i + "rein: ignore[".len()..];
        let Some(end) = after.find(']') else {
            return false;
        };
        if after[..end].split(',').map(str::trim).any(|r| {
            !r.is_empty() && (r == rule || rule.strip_prefix(r).is_some_and(|t| t.starts_with('.')))
        }) {
            return true;
        }
        rest = &after[end..];
    }
    false
}

/// A baseline file: accepted findings, matched by rule, path and subject (not line, so that
/// edits elsewhere in the file do not bring them back).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Baseline {
    /// [`rein_schema::JSON_SCHEMA`].
    pub schema: u32,
    pub accepted: Vec<Accepted>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Accepted {
    pub rule: String,
    pub path: String,
    pub subject: String,
}

impl Baseline {
    pub fn of(findings: &[Finding]) -> Baseline {
        let mut accepted: Vec<Accepted> = findings
            .iter()
            .map(|f| Accepted {
                rule: f.rule.to_owned(),
                path: f.path.clone(),
                subject: f.subject.clone(),
            })
            .collect();
        accepted
            .sort_by(|a, b| (&a.path, &a.rule, &a.subject).cmp(&(&b.path, &b.rule, &b.subject)));
        accepted.dedup();
        Baseline {
            schema: rein_schema::JSON_SCHEMA,
            accepted,
        }
    }

    pub fn parse(text: &str) -> Result<Baseline, String> {
        let b: Baseline = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if b.schema != rein_schema::JSON_SCHEMA {
            return Err(format!(
                "baseline schema {} is not supported (expected {})",
                b.schema,
                rein_schema::JSON_SCHEMA
            ));
        }
        Ok(b)
    }

    pub fn accepts(&self, f: &Finding) -> bool {
        self.accepted
            .iter()
            .any(|a| a.rule == f.rule && a.path == f.path && a.subject == f.subject)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_comments_on_the_line_or_above() {
        let text =
            "a: 1\n# rein: ignore[mcp.unpinned-package]\nb: 2\nc: 3 # rein: ignore[gha, other]\n";
        assert!(inline_ignored(text, 3, "mcp.unpinned-package"));
        assert!(!inline_ignored(text, 3, "mcp.literal-secret"));
        assert!(inline_ignored(text, 4, "gha.untrusted-trigger"));
        assert!(!inline_ignored(text, 1, "mcp.unpinned-package"));
        assert!(!inline_ignored(text, 99, "x"));
        assert!(!silences("rein: ignore[ghax]", "gha.x"));
        assert!(!silences("rein: ignore[", "gha"));
    }
}
