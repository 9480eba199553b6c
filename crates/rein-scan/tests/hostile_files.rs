//! Whole scans over hostile files: random bytes (invalid UTF-8 included), deep nesting and
//! oversized files in every place the catalogue reads never panic, and every file that does
//! not parse becomes exactly one "unparsed" finding with a location inside the file.

use proptest::prelude::*;
use rein_scan::catalogue::Catalogue;
use rein_scan::detectors;
use rein_scan::model::FindingKind;
use rein_scan::scan::{Limits, Outcome, RootOptions, Scanner};

const PLACES: &[&str] = &[
    ".mcp.json",
    ".vscode/mcp.json",
    ".codex/config.toml",
    ".continue/config.yaml",
    ".github/workflows/agent.yml",
    ".github/workflows/triage.md",
    ".claude/settings.json",
    "AGENTS.md",
    "package.json",
    ".pre-commit-config.yaml",
    "renovate.json5",
];

fn scan(root: &std::path::Path) -> Outcome {
    let catalogue = Catalogue::builtin().expect("catalogue");
    let dets = detectors::all();
    let scanner = Scanner {
        catalogue: &catalogue,
        detectors: &dets,
        baseline: None,
        limits: Limits::default(),
    };
    let mut out = Outcome::default();
    let options = RootOptions {
        git_ceiling: Some(root.to_path_buf()),
        ..RootOptions::default()
    };
    scanner.scan_root_with(root, &options, &mut (), &mut out);
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn random_bytes_anywhere_never_panic(
        contents in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..600), PLACES.len()),
    ) {
        let dir = tempfile::tempdir().expect("tempdir");
        for (place, bytes) in PLACES.iter().zip(&contents) {
            let path = dir.path().join(place);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(&path, bytes).expect("write");
        }
        let out = scan(dir.path());
        for f in &out.findings {
            prop_assert!(f.pos.line >= 1 && f.pos.column >= 1);
            if f.kind == FindingKind::Unparsed {
                let text = String::from_utf8_lossy(&contents[PLACES.iter().position(|p| *p == f.path).expect("a planted file")]).into_owned();
                prop_assert!(f.pos.line as usize <= text.lines().count().max(1) + 1, "{f:?}");
            }
        }
        // At most one unparsed finding per file.
        let mut unparsed: Vec<&str> = out.findings.iter().filter(|f| f.kind == FindingKind::Unparsed).map(|f| f.path.as_str()).collect();
        let n = unparsed.len();
        unparsed.dedup();
        prop_assert_eq!(n, unparsed.len());
    }

    #[test]
    fn structured_garbage_never_panics(
        text in "[\\[\\]{}:,\"'#\\-\n a-z0-9=&*!|>]{0,2000}",
    ) {
        let dir = tempfile::tempdir().expect("tempdir");
        for place in PLACES {
            let path = dir.path().join(place);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(&path, &text).expect("write");
        }
        let _ = scan(dir.path());
    }
}

#[test]
fn deep_and_huge_files_are_unparsed_findings() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    std::fs::create_dir_all(root.join(".github/workflows")).expect("mkdir");
    std::fs::write(root.join(".mcp.json"), "[".repeat(200_000)).expect("deep json");
    std::fs::write(root.join(".github/workflows/a.yml"), "- ".repeat(100_000)).expect("deep yaml");
    std::fs::create_dir_all(root.join(".codex")).expect("mkdir");
    std::fs::write(
        root.join(".codex/config.toml"),
        "a = ".to_owned() + &"[".repeat(100_000),
    )
    .expect("deep toml");
    std::fs::write(
        root.join("AGENTS.md"),
        "x".repeat(rein_scan::doc::MAX_FILE_BYTES + 1),
    )
    .expect("huge");
    let out = scan(root);
    let mut unparsed: Vec<&str> = out
        .findings
        .iter()
        .filter(|f| f.kind == FindingKind::Unparsed)
        .map(|f| f.path.as_str())
        .collect();
    unparsed.sort_unstable();
    assert_eq!(
        unparsed,
        [
            ".codex/config.toml",
            ".github/workflows/a.yml",
            ".mcp.json",
            "AGENTS.md"
        ]
    );
}
