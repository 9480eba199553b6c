//! `catalogue/rules.toml` documents exactly the rules the scanner can emit: every id in it is a
//! string literal in the scanner's code, and every rule-like literal in that code is documented.
//! (That every rule the fixtures produce is documented is checked in `fixtures.rs`.)

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use rein_scan::catalogue::Catalogue;
use rein_scan::report;

const RULES_TOML: &str = include_str!("../catalogue/rules.toml");

/// The ids in `rules.toml`, in file order.
fn documented() -> Vec<String> {
    let doc: toml::Table = toml::from_str(RULES_TOML).expect("rules.toml parses");
    doc.get("rule")
        .and_then(toml::Value::as_array)
        .expect("[[rule]] entries")
        .iter()
        .map(|r| {
            r.get("id")
                .and_then(toml::Value::as_str)
                .expect("every rule has an id")
                .to_owned()
        })
        .collect()
}

/// The non-test code of every `.rs` file under `src/`: each file up to its `#[cfg(test)]`
/// module (by convention the last thing in a file).
fn sources() -> Vec<(PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("src/ is readable").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let text = std::fs::read_to_string(&p).expect("a source file");
                let code = text.split("#[cfg(test)]").next().unwrap_or("").to_owned();
                out.push((p, code));
            }
        }
    }
    out.sort();
    assert!(out.len() > 10, "found only {} source files", out.len());
    out
}

/// String literals that look like rule ids: `family.kebab-name`.
fn rule_like_literals(code: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut parts = code.split('"');
    // Between the 2k-th and (2k+1)-th quote is a literal (escaped quotes and `'"'` only shift
    // what is looked at, and rule ids never need them).
    parts.next();
    while let Some(lit) = parts.next() {
        let ok = lit.split_once('.').is_some_and(|(family, name)| {
            let word = |s: &str, dot: bool| {
                s.starts_with(|c: char| c.is_ascii_lowercase())
                    && s.chars().all(|c| {
                        c.is_ascii_lowercase()
                            || c.is_ascii_digit()
                            || c == '-'
                            || (dot && c == '.')
                    })
            };
            word(family, false) && word(name, false)
        });
        if ok {
            out.push(lit);
        }
        parts.next();
    }
    out
}

#[test]
fn every_documented_rule_is_one_the_code_can_emit() {
    let sources = sources();
    let stale: Vec<String> = documented()
        .into_iter()
        .filter(|id| {
            let literal = format!("\"{id}\"");
            !sources.iter().any(|(_, code)| code.contains(&literal))
        })
        .collect();
    assert!(
        stale.is_empty(),
        "rules.toml documents rules no code emits (not a string literal outside tests under src/): {stale:?}"
    );
}

#[test]
fn documented_ids_are_unique() {
    let ids = documented();
    let mut seen = BTreeSet::new();
    let dupes: Vec<&String> = ids.iter().filter(|id| !seen.insert(id.as_str())).collect();
    assert!(dupes.is_empty(), "documented twice: {dupes:?}");
    assert!(ids.len() >= 100, "only {} rules documented", ids.len());
}

#[test]
fn summaries_fit_on_a_line_and_help_says_how_to_accept() {
    for id in documented() {
        let summary = report::rule_summary(&id).expect("a summary");
        assert!(
            summary.chars().count() <= 90 && !summary.contains('\n'),
            "{id}: {summary}"
        );
        let help = report::rule_help(&id);
        assert!(
            help.contains(&format!("rein: ignore[{id}]")),
            "{id}: {help}"
        );
    }
}

#[test]
fn every_rule_like_literal_in_the_code_is_documented() {
    let ids: BTreeSet<String> = documented().into_iter().collect();
    let families: BTreeSet<&str> = ids.iter().filter_map(|id| id.split('.').next()).collect();
    // Catalogue entry ids share the families' names (`home.npmrc`) and are not rules.
    let catalogue = Catalogue::builtin().expect("catalogue");
    let entries: BTreeSet<&str> = catalogue.entries.iter().map(|e| e.id.as_str()).collect();
    // File names are not rules either (`hooks.json`, `mcp.toml`).
    const EXTENSIONS: &[&str] = &["json", "jsonc", "toml", "yml", "yaml", "md", "sh"];
    let mut missing = BTreeSet::new();
    for (path, code) in sources() {
        for lit in rule_like_literals(&code) {
            let (family, name) = lit.split_once('.').unwrap_or((lit, ""));
            if families.contains(family)
                && !ids.contains(lit)
                && !entries.contains(lit)
                && !EXTENSIONS.contains(&name)
            {
                missing.insert(format!("{lit} ({})", path.display()));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "rule ids in the code without an entry in catalogue/rules.toml: {missing:#?}"
    );
}
