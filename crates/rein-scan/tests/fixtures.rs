//! One positive and one negative fixture for every catalogue entry, zizmor-style: each fixture
//! is a small tree (`repo/` for project entries, `home/` and `system/` for machine entries) whose
//! files carry their expectations inline. A line containing `NOT OK: rule-a, rule-b` expects
//! those findings (approval or block) on that line; `ENTRY: rule` expects an inventory finding
//! (allow); `NOT OK(next): rule` on a comment line expects it on the next line. The scan of `positive/` must produce exactly the annotated findings, and the scan of
//! `negative/` none at all.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use rein_scan::catalogue::Catalogue;
use rein_scan::detectors;
use rein_scan::scan::{Limits, Outcome, RootOptions, Scanner};

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

type Expect = BTreeSet<(String, u32, String)>;

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The annotations of a fixture tree, with paths as the scan displays them.
fn expected(case: &Path) -> Expect {
    let mut out = Expect::new();
    for (sub, shown) in [("repo", ""), ("home", "~/"), ("system", "/")] {
        let base = case.join(sub);
        for file in files_under(&base) {
            let rel = file
                .strip_prefix(&base)
                .expect("under base")
                .to_string_lossy()
                .into_owned();
            let Ok(text) = std::fs::read_to_string(&file) else {
                continue;
            };
            for (i, line) in text.lines().enumerate() {
                // `NOT OK(next): rule` on a comment line annotates the line below it, for formats
                // where a comment cannot share the line (`.npmrc`, `.netrc`, INI values).
                for (marker, offset) in [
                    ("NOT OK:", 1),
                    ("ENTRY:", 1),
                    ("NOT OK(next):", 2),
                    ("ENTRY(next):", 2),
                ] {
                    if let Some(at) = line.find(marker) {
                        let rules = &line[at + marker.len()..];
                        let rules = rules.split("-->").next().unwrap_or(rules);
                        for r in rules.split(',') {
                            let r = r.trim().trim_end_matches(['*', '/']).trim();
                            if !r.is_empty() {
                                out.insert((
                                    format!("{shown}{rel}"),
                                    i as u32 + offset,
                                    r.to_owned(),
                                ));
                            }
                        }
                    }
                }
            }
        }
    }
    out
}

fn scan(case: &Path) -> Outcome {
    let catalogue = Catalogue::builtin().expect("catalogue");
    let dets = detectors::all();
    let scanner = Scanner {
        catalogue: &catalogue,
        detectors: &dets,
        baseline: None,
        limits: Limits::default(),
    };
    let mut out = Outcome::default();
    if case.join("repo").is_dir() {
        // Fixtures live inside rein's own repository: its git index must not decide their origin.
        let options = RootOptions {
            git_ceiling: Some(PathBuf::from(&case.join("repo"))),
            ..RootOptions::default()
        };
        scanner.scan_root_with(&case.join("repo"), &options, &mut (), &mut out);
    }
    if case.join("home").is_dir() || case.join("system").is_dir() {
        scanner.scan_home(&case.join("home"), &case.join("system"), &mut (), &mut out);
    }
    out
}

fn actual(out: &Outcome) -> Expect {
    out.findings
        .iter()
        .map(|f| (f.path.clone(), f.pos.line, f.rule.to_owned()))
        .collect()
}

#[test]
fn every_catalogue_entry_has_a_positive_and_a_negative_fixture() {
    let catalogue = Catalogue::builtin().expect("catalogue");
    let mut missing = Vec::new();
    for e in &catalogue.entries {
        for kind in ["positive", "negative"] {
            if !fixtures_dir().join(&e.id).join(kind).is_dir() {
                missing.push(format!("{}/{kind}", e.id));
            }
        }
    }
    assert!(missing.is_empty(), "fixtures missing: {missing:#?}");
}

#[test]
fn fixtures_find_exactly_what_they_annotate() {
    let mut failures = Vec::new();
    let mut cases = 0;
    let Ok(rd) = std::fs::read_dir(fixtures_dir()) else {
        panic!("no fixtures directory");
    };
    let mut dirs: Vec<PathBuf> = rd
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for dir in dirs {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let pos = dir.join("positive");
        if pos.is_dir() {
            cases += 1;
            let out = scan(&pos);
            let want = expected(&pos);
            let got = actual(&out);
            if want.is_empty() {
                failures.push(format!("{name}/positive: annotates nothing"));
            }
            if got != want {
                failures.push(format!(
                    "{name}/positive:\n  missing: {:?}\n  unexpected: {:?}",
                    want.difference(&got).collect::<Vec<_>>(),
                    got.difference(&want).collect::<Vec<_>>()
                ));
            }
            // Whatever a fixture plants, no output may hold the literal value.
            for f in &out.findings {
                let text = format!("{f:?}");
                assert!(
                    !text.contains("ghp_FIXTURE"),
                    "{name}: a secret reached a finding: {text}"
                );
            }
        }
        let neg = dir.join("negative");
        if neg.is_dir() {
            let out = scan(&neg);
            if !out.findings.is_empty() {
                failures.push(format!("{name}/negative: found {:?}", actual(&out)));
            }
        }
    }
    assert!(cases > 0);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_rule_the_fixtures_produce_is_documented() {
    let Ok(rd) = std::fs::read_dir(fixtures_dir()) else {
        panic!("no fixtures directory");
    };
    let mut rules = BTreeSet::new();
    for dir in rd.flatten().map(|e| e.path()) {
        let pos = dir.join("positive");
        if pos.is_dir() {
            rules.extend(scan(&pos).findings.iter().map(|f| f.rule));
        }
    }
    assert!(rules.len() > 50, "only {} rules produced", rules.len());
    let undocumented: Vec<&str> = rules
        .iter()
        .copied()
        .filter(|r| rein_scan::report::rule_summary(r).is_none())
        .collect();
    assert!(
        undocumented.is_empty(),
        "rules without an entry in catalogue/rules.toml: {undocumented:?}"
    );
}
