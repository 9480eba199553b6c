//! CODEOWNERS: who owns a path (the last matching rule wins, as on GitHub).

use globset::{Glob, GlobMatcher};

/// A parsed CODEOWNERS file.
#[derive(Debug, Default)]
pub struct CodeOwners {
    rules: Vec<(GlobMatcher, Vec<String>)>,
}

/// Where GitHub looks, in order.
pub const LOCATIONS: &[&str] = &[".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"];

/// Most rules a CODEOWNERS file may have: GitHub's own limit is 3 MB; this bounds the work.
const MAX_RULES: usize = 10_000;

impl CodeOwners {
    pub fn parse(text: &str) -> CodeOwners {
        let mut rules = Vec::new();
        for line in text.lines().take(MAX_RULES) {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut parts = line.split_whitespace();
            let Some(pattern) = parts.next() else {
                continue;
            };
            let owners: Vec<String> = parts
                .take_while(|p| !p.starts_with('#'))
                .map(str::to_owned)
                .collect();
            if let Some(m) = to_glob(pattern) {
                rules.push((m, owners));
            }
        }
        CodeOwners { rules }
    }

    /// The owners of `rel` (a `/`-separated path under the root).
    pub fn owners(&self, rel: &str) -> Vec<String> {
        self.rules
            .iter()
            .rev()
            .find(|(m, _)| m.is_match(rel))
            .map(|(_, o)| o.clone())
            .unwrap_or_default()
    }
}

/// gitignore-style pattern → glob: `/x` is anchored, `x` matches at any depth, `dir/` covers
/// everything under it, and a pattern also covers everything under a matching directory.
fn to_glob(pattern: &str) -> Option<GlobMatcher> {
    let anchored = pattern.starts_with('/') || pattern.trim_end_matches('/').contains('/');
    let p = pattern.trim_start_matches('/');
    let p = p.strip_suffix('/').unwrap_or(p);
    if p.is_empty() {
        return None;
    }
    let base = if p == "*" {
        "**".to_owned()
    } else if anchored {
        p.to_owned()
    } else {
        format!("**/{p}")
    };
    let glob = format!("{{{base},{base}/**}}");
    Glob::new(&glob).ok().map(|g| g.compile_matcher())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_matching_rule_wins() {
        let co = CodeOwners::parse(
            "# comment\n* @org/all\n/.github/ @org/platform\n*.md @docs # trailing\n.github/workflows/agent.yml @sec\n",
        );
        assert_eq!(co.owners("src/main.rs"), ["@org/all"]);
        assert_eq!(co.owners(".github/dependabot.yml"), ["@org/platform"]);
        assert_eq!(co.owners("docs/AGENTS.md"), ["@docs"]);
        assert_eq!(co.owners(".github/workflows/agent.yml"), ["@sec"]);
        assert!(CodeOwners::parse("").owners("x").is_empty());
    }
}
