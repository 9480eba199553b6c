//! The report formats of `rein scan`: JSON, SARIF, CycloneDX and Markdown, each pinned by a
//! snapshot; SARIF and CycloneDX are also validated against their official JSON schemas.
//!
//! The schemas are not in the repository: `.ci/install-schemas.sh` installs them into
//! `.ci/cache/schemas` (or set `REIN_SCHEMA_DIR`). Without them the schema tests skip themselves
//! with a message, unless `REIN_E2E_REQUIRE=1`, when they fail. Validation never touches the
//! network: the only references followed (CycloneDX's SPDX and JSF schemas) are read from there.

use std::path::{Path, PathBuf};

use rein_scan::detectors::common::fingerprint;
use rein_scan::doc::Pos;
use rein_scan::model::{
    Action, Authority, Confidence, Credential, CredentialKind, Decision, Finding, FindingKind,
    Origin,
};
use rein_scan::report::{self, ScanMeta};
use serde_json::{Value, json};

/// Where the schemas are, instead of `<workspace>/.ci/cache/schemas`.
const SCHEMA_DIR_ENV: &str = "REIN_SCHEMA_DIR";
/// If set to `1`, missing schemas fail the tests instead of skipping them (CI sets it).
const REQUIRE_ENV: &str = "REIN_E2E_REQUIRE";

const SARIF_SCHEMA: &str = "sarif-schema-2.1.0.json";
const CYCLONEDX_SCHEMA: &str = "bom-1.6.schema.json";
/// What `bom-1.6.schema.json` refers to, by the URI its references resolve to.
const CYCLONEDX_REFERENCED: &[(&str, &str)] = &[
    (
        "http://cyclonedx.org/schema/spdx.schema.json",
        "spdx.schema.json",
    ),
    (
        "http://cyclonedx.org/schema/jsf-0.82.schema.json",
        "jsf-0.82.schema.json",
    ),
];

/// A literal token as it might sit in a config file. The findings only ever hold its
/// fingerprint; no report may contain it, or any long piece of it.
const SECRET: &str = "ghp_R3inPlantedS3cretValue0123456789abcd";

const SERIAL: &str = "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79";
const TIMESTAMP: &str = "2026-01-02T03:04:05Z";

fn meta() -> ScanMeta {
    ScanMeta {
        tool_version: "0.1.0".to_owned(),
        roots: vec!["/home/alice/src/shop".to_owned()],
        home: true,
        files_scanned: 14,
        duration_ms: 37,
        suppressed: 2,
    }
}

fn entry(
    rule: &'static str,
    decision: Decision,
    path: &str,
    (line, column): (u32, u32),
    agent: &str,
    subject: &str,
    message: &str,
) -> Finding {
    Finding {
        rule,
        kind: FindingKind::Entry,
        decision,
        confidence: Confidence::High,
        path: path.to_owned(),
        pos: Pos { line, column },
        origin: if path.starts_with("~/") {
            Origin::Home
        } else {
            Origin::Repository
        },
        agent: agent.to_owned(),
        subject: subject.to_owned(),
        message: message.to_owned(),
        reasons: Vec::new(),
        authority: Authority::default(),
        actions: Vec::new(),
        owners: Vec::new(),
    }
}

/// Every decision, both kinds, every credential kind, a home-directory path, a path that needs
/// percent-encoding, a rule without help text, two findings on one entry point, and text with
/// `|`, backticks and HTML in it.
fn findings() -> Vec<Finding> {
    let mut literal = entry(
        "mcp.literal-secret",
        Decision::Block,
        ".mcp.json",
        (7, 34),
        "claude-code",
        "github",
        "MCP server `github` has a literal GITHUB_PERSONAL_ACCESS_TOKEN in its env.",
    );
    literal.reasons = vec![
        "a literal secret in a committed file is readable by everyone with the repository".into(),
        "rotate the token, then reference it: \"${GITHUB_PERSONAL_ACCESS_TOKEN}\"".into(),
    ];
    literal.authority.credentials = vec![Credential {
        name: "GITHUB_PERSONAL_ACCESS_TOKEN".into(),
        source: "literal".into(),
        kind: CredentialKind::Standing,
        fingerprint: Some(fingerprint(SECRET)),
    }];
    literal.actions = vec![Action::ReadCode, Action::WriteCode, Action::Network];
    literal.owners = vec!["@shop/platform".into()];

    let mut unpinned_same_server = entry(
        "mcp.unpinned-package",
        Decision::Approval,
        ".mcp.json",
        (4, 17),
        "claude-code",
        "github",
        "MCP server `github` runs `npx -y @modelcontextprotocol/server-github` without a version.",
    );
    unpinned_same_server.confidence = Confidence::Medium;
    unpinned_same_server.reasons =
        vec!["an unpinned package runs whatever version was published last".into()];
    unpinned_same_server.actions = vec![Action::Network];

    let mut workflow = entry(
        "gha.untrusted-trigger",
        Decision::Block,
        ".github/workflows/claude review.yml",
        (12, 7),
        "github-actions",
        "claude-review / review",
        "Job `review` runs an agent with write access on pull_request_target.",
    );
    workflow.reasons = vec![
        "anyone who can open a pull request controls the agent's input".into(),
        "the job can push code and edit workflows".into(),
    ];
    workflow.authority = Authority {
        credentials: vec![
            Credential {
                name: "ANTHROPIC_API_KEY".into(),
                source: "${{ secrets.ANTHROPIC_API_KEY }}".into(),
                kind: CredentialKind::Standing,
                fingerprint: None,
            },
            Credential {
                name: "GITHUB_TOKEN".into(),
                source: "${{ github.token }}".into(),
                kind: CredentialKind::Scoped,
                fingerprint: None,
            },
        ],
        permissions: vec!["contents: write".into(), "pull-requests: write".into()],
        trigger: Some("pull_request_target".into()),
        trusted: Some(false),
    };
    workflow.actions = vec![
        Action::WriteCode,
        Action::ModifyWorkflows,
        Action::RunShell,
        Action::Secrets,
    ];
    workflow.owners = vec!["@shop/ci".into(), "alice@example.com".into()];

    let mut home = entry(
        "mcp.unpinned-package",
        Decision::Approval,
        "~/.cursor/mcp.json",
        (3, 5),
        "cursor",
        "fetch|`web`",
        "Runs `uvx mcp-server-fetch` | no version <b>pinned</b>",
    );
    home.confidence = Confidence::Low;
    home.reasons = vec!["- what runs can change | without review".into()];
    home.authority.credentials = vec![Credential {
        name: "FETCH_API_KEY".into(),
        source: "${env:FETCH_API_KEY}".into(),
        kind: CredentialKind::Unknown,
        fingerprint: None,
    }];
    home.authority.trigger = Some("session".into());
    home.actions = vec![Action::Network];

    let mut allowed = entry(
        "mcp.server",
        Decision::Allow,
        ".mcp.json",
        (15, 5),
        "claude-code",
        "git",
        "MCP server `git` runs mcp-server-git==2025.1.14, pinned.",
    );
    allowed.actions = vec![Action::ReadCode];

    let unparsed = Finding {
        rule: "scan.unparsed",
        kind: FindingKind::Unparsed,
        decision: Decision::Approval,
        confidence: Confidence::High,
        path: ".vscode/mcp.json".into(),
        pos: Pos { line: 9, column: 3 },
        origin: Origin::Repository,
        agent: "vscode".into(),
        subject: "vscode-mcp".into(),
        message: "VS Code MCP servers could not be parsed, so its agent configuration is unknown: \
                  expected `,` or `}`"
            .into(),
        reasons: vec![
            "an unreadable agent configuration is a blind spot: review it by hand".into(),
        ],
        authority: Authority::default(),
        actions: Vec::new(),
        owners: Vec::new(),
    };

    vec![
        literal,
        unpinned_same_server,
        workflow,
        home,
        allowed,
        unparsed,
    ]
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).expect("a JSON value prints")
}

/// The JSON report as a value, to look into.
fn json_value(f: &[Finding], m: &ScanMeta) -> Value {
    serde_json::to_value(report::json(f, m)).expect("the report serialises")
}

// ---------------------------------------------------------------------------------------------
// Schemas

fn schema_dir() -> PathBuf {
    match std::env::var_os(SCHEMA_DIR_ENV).filter(|v| !v.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.ci/cache/schemas"),
    }
}

fn read_json(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// The schema directory if every file `names` is in it; else skips (returns `None`) with a
/// message, or fails when `REIN_E2E_REQUIRE=1`.
fn schemas_or_skip(names: &[&str]) -> Option<PathBuf> {
    let dir = schema_dir();
    let missing: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| !dir.join(n).is_file())
        .collect();
    if missing.is_empty() {
        return Some(dir);
    }
    let why = format!(
        "schema files {} not found in {}: run `bash .ci/install-schemas.sh` or set {SCHEMA_DIR_ENV}",
        missing.join(", "),
        dir.display()
    );
    let required = std::env::var(REQUIRE_ENV).is_ok_and(|v| v == "1");
    assert!(!required, "{why} ({REQUIRE_ENV}=1)");
    eprintln!("skipping schema validation: {why}");
    None
}

/// Resolves the CycloneDX schema's references from the schema directory, and refuses anything
/// else: validation must never reach for the network.
struct LocalSchemas {
    dir: PathBuf,
}

impl jsonschema::Retrieve for LocalSchemas {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let uri = uri.as_str();
        let name = CYCLONEDX_REFERENCED
            .iter()
            .find(|(u, _)| *u == uri.split('#').next().unwrap_or(uri))
            .map(|(_, name)| *name)
            .ok_or_else(|| format!("not fetching {uri}: schemas are only read from local files"))?;
        Ok(read_json(&self.dir.join(name))?)
    }
}

fn validator(dir: &Path, name: &str) -> jsonschema::Validator {
    let schema = read_json(&dir.join(name)).unwrap_or_else(|e| panic!("{e}"));
    jsonschema::options()
        .with_retriever(LocalSchemas {
            dir: dir.to_path_buf(),
        })
        .should_validate_formats(true)
        .build(&schema)
        .unwrap_or_else(|e| panic!("{name} does not compile: {e}"))
}

fn errors(validator: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    validator
        .iter_errors(doc)
        .map(|e| format!("at {}: {e}", e.instance_path()))
        .collect()
}

fn assert_valid(validator: &jsonschema::Validator, doc: &Value, what: &str) {
    let errors = errors(validator, doc);
    assert!(
        errors.is_empty(),
        "{what} does not validate:\n{}",
        errors.join("\n")
    );
}

fn sarif_validator() -> Option<jsonschema::Validator> {
    let dir = schemas_or_skip(&[SARIF_SCHEMA])?;
    Some(validator(&dir, SARIF_SCHEMA))
}

fn cyclonedx_validator() -> Option<jsonschema::Validator> {
    let mut names = vec![CYCLONEDX_SCHEMA];
    names.extend(CYCLONEDX_REFERENCED.iter().map(|(_, n)| *n));
    let dir = schemas_or_skip(&names)?;
    Some(validator(&dir, CYCLONEDX_SCHEMA))
}

// ---------------------------------------------------------------------------------------------
// Snapshots

#[test]
fn json_report() {
    let (f, m) = (findings(), meta());
    let doc = json_value(&f, &m);
    assert_eq!(doc["schema"], rein_schema::JSON_SCHEMA);
    assert_eq!(doc["summary"]["findings"], 6);
    let text = serde_json::to_string_pretty(&report::json(&f, &m)).expect("the report prints");
    assert_eq!(text, pretty(&doc));
    insta::assert_snapshot!("json", text);
}

#[test]
fn sarif_report() {
    let doc = report::sarif(&findings(), &meta());
    insta::assert_snapshot!("sarif", pretty(&doc));
}

#[test]
fn cyclonedx_report() {
    let doc = report::cyclonedx(&findings(), &meta(), SERIAL, TIMESTAMP);
    insta::assert_snapshot!("cyclonedx", pretty(&doc));
}

#[test]
fn markdown_report() {
    insta::assert_snapshot!("markdown", report::markdown(&findings(), &meta()));
}

// ---------------------------------------------------------------------------------------------
// Schema validation

#[test]
fn sarif_validates_against_the_sarif_2_1_0_schema() {
    let Some(v) = sarif_validator() else { return };
    assert_valid(&v, &report::sarif(&findings(), &meta()), "SARIF");
    assert_valid(&v, &report::sarif(&[], &ScanMeta::default()), "empty SARIF");
}

#[test]
fn cyclonedx_validates_against_the_cyclonedx_1_6_schema() {
    let Some(v) = cyclonedx_validator() else {
        return;
    };
    let doc = report::cyclonedx(&findings(), &meta(), SERIAL, TIMESTAMP);
    assert_valid(&v, &doc, "CycloneDX");
    let empty = report::cyclonedx(&[], &ScanMeta::default(), SERIAL, TIMESTAMP);
    assert_valid(&v, &empty, "empty CycloneDX");
}

/// The validators are not vacuous: they reject what the schemas forbid, including through the
/// CycloneDX schema's reference to the SPDX license list.
#[test]
fn schemas_reject_invalid_documents() {
    if let Some(v) = sarif_validator() {
        let mut doc = report::sarif(&findings(), &meta());
        doc["runs"][0]["results"][0]["level"] = json!("fatal");
        assert!(!errors(&v, &doc).is_empty(), "SARIF with level \"fatal\"");
    }
    if let Some(v) = cyclonedx_validator() {
        let mut doc = report::cyclonedx(&findings(), &meta(), SERIAL, TIMESTAMP);
        doc["components"][0]["licenses"] = json!([{ "license": { "id": "Not-A-License" } }]);
        assert!(!errors(&v, &doc).is_empty(), "unknown SPDX license id");
        doc["components"][0]["licenses"] = json!([{ "license": { "id": "Apache-2.0" } }]);
        assert_valid(&v, &doc, "CycloneDX with an SPDX license id");
        doc["serialNumber"] = json!("not-a-urn");
        assert!(!errors(&v, &doc).is_empty(), "bad serial number");
    }
}

// ---------------------------------------------------------------------------------------------
// Properties every format keeps

#[test]
fn no_report_holds_the_secret() {
    let fp = fingerprint(SECRET);
    let f = findings();
    let json = pretty(&json_value(&f, &meta()));
    let outputs = [
        ("json", json.clone()),
        ("sarif", pretty(&report::sarif(&f, &meta()))),
        (
            "cyclonedx",
            pretty(&report::cyclonedx(&f, &meta(), SERIAL, TIMESTAMP)),
        ),
        ("markdown", report::markdown(&f, &meta())),
    ];
    for (name, text) in &outputs {
        // Not the value, nor any 12-character piece of it.
        let chars: Vec<char> = SECRET.chars().collect();
        for piece in chars.windows(12) {
            let piece: String = piece.iter().collect();
            assert!(!text.contains(&piece), "{name} contains {piece:?}");
        }
    }
    // The JSON report carries the fingerprint in its place, with the source it came from.
    assert!(json.contains(&fp), "the JSON report lacks {fp}");
    let doc = json_value(&f, &meta());
    let cred = &doc["findings"][0]["authority"]["credentials"][0];
    assert_eq!(cred["fingerprint"], json!(fp));
    assert_eq!(cred["source"], "literal");
}

#[test]
fn sarif_fingerprints_survive_moves_and_tell_findings_apart() {
    let key = "reinFindingHash/v1";
    let f = findings();
    let before = report::sarif(&f, &meta());
    let mut moved = f.clone();
    for m in &mut moved {
        m.pos.line += 10;
        m.message.push_str(" (edited)");
    }
    let after = report::sarif(&moved, &meta());
    let prints = |doc: &Value| -> Vec<String> {
        doc["runs"][0]["results"]
            .as_array()
            .expect("an array")
            .iter()
            .map(|r| {
                r["partialFingerprints"][key]
                    .as_str()
                    .expect("a string")
                    .to_owned()
            })
            .collect()
    };
    assert_eq!(prints(&before), prints(&after));
    let mut distinct = prints(&before);
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), f.len());
}

#[test]
fn sarif_locations() {
    let doc = report::sarif(&findings(), &meta());
    let results = doc["runs"][0]["results"].as_array().expect("an array");
    let artifact = |i: usize| &results[i]["locations"][0]["physicalLocation"]["artifactLocation"];
    // Relative to the checkout, percent-encoded.
    assert_eq!(
        artifact(2),
        &json!({ "uri": ".github/workflows/claude%20review.yml", "uriBaseId": "%SRCROOT%" })
    );
    // In the home directory: no base.
    assert_eq!(artifact(3), &json!({ "uri": "~/.cursor/mcp.json" }));
    let levels: Vec<&str> = results
        .iter()
        .map(|r| r["level"].as_str().expect("a string"))
        .collect();
    assert_eq!(
        levels,
        ["error", "warning", "error", "warning", "note", "warning"]
    );
    // One rule per rule id, in order of first use, and results point at theirs.
    let rules = doc["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("an array");
    assert_eq!(rules.len(), 5);
    for r in results {
        let rule = &rules[r["ruleIndex"].as_u64().expect("an index") as usize];
        assert_eq!(rule["id"], r["ruleId"]);
    }
}

#[test]
fn cyclonedx_merges_findings_on_one_entry_point() {
    let doc = report::cyclonedx(&findings(), &meta(), SERIAL, TIMESTAMP);
    let components = doc["components"].as_array().expect("an array");
    assert_eq!(components.len(), 5);
    let github = &components[0];
    assert_eq!(github["name"], "github");
    assert_eq!(github["group"], "claude-code");
    let props: Vec<(String, String)> = github["properties"]
        .as_array()
        .expect("an array")
        .iter()
        .map(|p| {
            (
                p["name"].as_str().expect("a string").to_owned(),
                p["value"].as_str().expect("a string").to_owned(),
            )
        })
        .collect();
    let values = |name: &str| -> Vec<&str> {
        props
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    };
    assert_eq!(values("rein:decision"), ["block"]);
    assert_eq!(
        values("rein:rule"),
        ["mcp.literal-secret", "mcp.unpinned-package"]
    );
    assert_eq!(
        values("rein:credential"),
        ["GITHUB_PERSONAL_ACCESS_TOKEN from literal (standing)"]
    );
    assert_eq!(components[4]["type"], "file");
}

#[test]
fn empty_reports() {
    let m = ScanMeta::default();
    assert_eq!(json_value(&[], &m)["findings"], json!([]));
    assert_eq!(report::sarif(&[], &m)["runs"][0]["results"], json!([]));
    assert_eq!(
        report::cyclonedx(&[], &m, SERIAL, TIMESTAMP)["metadata"]["component"]["name"],
        "scan"
    );
    assert!(report::markdown(&[], &m).contains("No agent entry points found."));
}
