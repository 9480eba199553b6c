//! What each rule id means, for people: `catalogue/rules.toml`, read once on first use.

use std::sync::OnceLock;

use serde::Deserialize;

/// The rule documentation as shipped.
pub(super) const RULES_TOML: &str = include_str!("../../catalogue/rules.toml");

/// One rule's documentation.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RuleDoc {
    pub id: String,
    /// One line, at most 90 characters: what the rule detects.
    pub summary: String,
    /// A few sentences: why it matters, how to fix it, how to accept a finding.
    pub help: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    #[serde(default)]
    rule: Vec<RuleDoc>,
}

/// Parses rule documentation.
pub(super) fn parse(text: &str) -> Result<Vec<RuleDoc>, String> {
    toml::from_str::<RulesFile>(text)
        .map(|f| f.rule)
        .map_err(|e| format!("rules.toml: {e}"))
}

/// Every documented rule, in file order. A file that does not parse documents nothing (the
/// reports fall back to the bare rule id); a unit test keeps the shipped file parseable.
pub(super) fn all() -> &'static [RuleDoc] {
    static RULES: OnceLock<Vec<RuleDoc>> = OnceLock::new();
    RULES.get_or_init(|| parse(RULES_TOML).unwrap_or_default())
}

/// The documentation of `id`, if there is any.
pub(super) fn get(id: &str) -> Option<&'static RuleDoc> {
    all().iter().find(|r| r.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_file_parses_with_unique_ids_and_short_summaries() {
        let rules = parse(RULES_TOML).expect("rules.toml parses");
        assert!(rules.len() >= 100, "{} rules", rules.len());
        assert_eq!(all().len(), rules.len());
        let mut ids: Vec<&str> = rules.iter().map(|r| r.id.as_str()).collect();
        ids.sort_unstable();
        let dupes: Vec<&[&str]> = ids.windows(2).filter(|w| w[0] == w[1]).collect();
        assert!(dupes.is_empty(), "rule ids documented twice: {dupes:?}");
        for r in &rules {
            let (id, summary, help) = (&r.id, r.summary.trim(), r.help.trim());
            assert!(
                !id.is_empty() && id.contains('.') && !id.contains(char::is_whitespace),
                "odd rule id `{id}`"
            );
            assert!(!summary.is_empty(), "{id}: empty summary");
            assert!(
                summary.chars().count() <= 90,
                "{id}: summary over 90 characters ({}): {summary}",
                summary.chars().count()
            );
            assert!(!summary.contains('\n') && !help.contains('\n'), "{id}");
            assert!(
                help.len() > summary.len(),
                "{id}: help shorter than summary"
            );
            assert!(
                help.contains(&format!("rein: ignore[{id}]")) && help.contains("baseline"),
                "{id}: help must say how to accept a finding"
            );
        }
    }

    #[test]
    fn unknown_ids_have_no_documentation() {
        assert!(get("no.such-rule").is_none());
        assert!(get("mcp.literal-secret").is_some());
        assert!(parse("[[rule]]\nid = \"a.b\"\n").is_err());
        assert!(parse("[[rule]]\nid = \"a.b\"\nsummary = \"s\"\nhelp = \"h\"\nx = 1\n").is_err());
    }
}
