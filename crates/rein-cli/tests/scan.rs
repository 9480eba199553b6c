//! `rein scan` through the CLI, hermetic: a sample repository and a fake home directory, every
//! output format, exit codes, suppression and baselines.

mod common;

use common::TestEnv;
use serde_json::Value;

const TOKEN: &str = "ghp_FIXTURE0123456789abcdefghijABCDEFGHIJ";

/// The rendered run with the scan's duration (the only volatile part of the table) replaced.
fn stable(env: &TestEnv, r: &common::Run) -> String {
    env.render(r)
        .lines()
        .map(|l| match l.rsplit_once(" in ") {
            Some((head, tail))
                if tail.ends_with(" ms")
                    && tail[..tail.len() - 3].bytes().all(|c| c.is_ascii_digit()) =>
            {
                format!("{head} in [N] ms")
            }
            _ => l.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// A repository with an MCP config of each kind of problem, and a broken one.
fn sample(env: &TestEnv) {
    env.write(
        ".mcp.json",
        &format!(
            r#"{{
  "mcpServers": {{
    "github": {{
      "command": "npx",
      "args": ["-y", "@modelcontextprotocol/server-github"],
      "env": {{ "GITHUB_PERSONAL_ACCESS_TOKEN": "{TOKEN}" }}
    }},
    "docs": {{ "url": "https://docs.example.com/mcp", "headers": {{ "Authorization": "Bearer ${{DOCS_TOKEN}}" }} }}
  }}
}}
"#
        ),
    );
    env.write(".cursor/mcp.json", "{ \"mcpServers\": { \"x\": ");
    env.write(
        ".github/CODEOWNERS",
        "* @acme/platform\n.mcp.json @acme/security\n",
    );
    env.write("src/main.rs", "fn main() {}\n");
}

#[test]
fn scan_table_json_and_exit_codes() {
    let env = TestEnv::new();
    sample(&env);
    let r = env.run(&["scan"]);
    assert!(
        !r.stdout.contains(TOKEN) && !r.stderr.contains(TOKEN),
        "the secret never appears"
    );
    insta::assert_snapshot!(stable(&env, &r), @r"
        exit: 1
        --- stdout
        BLOCK     mcp.server                .mcp.json:3:5          claude-code  MCP server `github` runs `npx -y @modelcontextprotocol/server-github` on this machine
                                            ↳ Claude Code project MCP servers (.mcp.json): offered to everyone who opens the repository
                                            ↳ a local MCP server is a program the agent starts with your user's rights
                                            ↳ unpinned package @modelcontextprotocol/server-github
                                            ↳ owners: @acme/security
        BLOCK     mcp.literal-secret        .mcp.json:6:48         claude-code  MCP server `github` has a literal secret in `GITHUB_PERSONAL_ACCESS_TOKEN` (blake3:0d923235… (41 chars)): anyone who can read this file has it
                                            ↳ pass it by reference (`${env:NAME}`, `${input:id}`) and rotate the exposed value
                                            ↳ owners: @acme/security
        UNPARSED  scan.unparsed             .cursor/mcp.json:1:24  cursor       Cursor project MCP servers (.cursor/mcp.json) could not be parsed, so its agent configuration is unknown: unexpected end of input
                                            ↳ an unreadable agent configuration is a blind spot: review it by hand
                                            ↳ owners: @acme/platform
        APPROVAL  mcp.unpinned-package      .mcp.json:5:22         claude-code  MCP server `github` runs `@modelcontextprotocol/server-github` without a pinned version: whatever is published next runs on this machine
                                            ↳ pin an exact version (`pkg@1.2.3`, `pkg==1.2.3`, an image digest)
                                            ↳ owners: @acme/security
        APPROVAL  mcp.server                .mcp.json:8:5          claude-code  MCP server `docs` at https://docs.example.com/mcp
                                            ↳ Claude Code project MCP servers (.mcp.json): offered to everyone who opens the repository
                                            ↳ owners: @acme/security
        allow     mcp.credential-reference  .mcp.json:8:67         claude-code  MCP server `docs` gets the credential `Authorization` from ${DOCS_TOKEN}

        6 findings: 2 block, 3 approval, 1 allow · 4 files in [N] ms
    ");

    let r = env.run(&["scan", "--json"]);
    assert_eq!(r.code, 1, "a block finding fails the default threshold");
    let j: Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(j["schema"], 1);
    let findings = j["findings"].as_array().expect("findings");
    let secret = findings
        .iter()
        .find(|f| f["rule"] == "mcp.literal-secret")
        .expect("secret finding");
    assert_eq!(
        (secret["path"].as_str(), secret["line"].as_u64()),
        (Some(".mcp.json"), Some(6))
    );
    assert_eq!(secret["owners"], serde_json::json!(["@acme/security"]));
    let unparsed = findings
        .iter()
        .find(|f| f["kind"] == "unparsed")
        .expect("unparsed");
    assert_eq!(unparsed["path"], ".cursor/mcp.json");

    assert_eq!(env.run(&["scan", "--fail-on", "never"]).code, 0);
    let r = env.run(&["scan", "--fail-on", "approval", "--format", "markdown"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout.contains("# ") && !r.stdout.contains(TOKEN),
        "{}",
        r.stdout
    );
    for format in ["sarif", "cyclonedx"] {
        let r = env.run(&["scan", "--format", format, "--fail-on", "never"]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let v: Value = serde_json::from_str(&r.stdout).expect(format);
        assert!(v.is_object() && !r.stdout.contains(TOKEN));
    }
}

#[test]
fn inline_ignore_and_baseline_silence_accepted_findings() {
    let env = TestEnv::new();
    sample(&env);
    let all = env.run(&["scan", "--json", "--fail-on", "never"]);
    let n = serde_json::from_str::<Value>(&all.stdout).expect("json")["findings"]
        .as_array()
        .map_or(0, Vec::len);
    assert!(n >= 4, "{}", all.stdout);

    let baseline = env.root.join("baseline.json");
    let b = baseline.to_string_lossy().into_owned();
    let r = env.run(&["scan", "--write-baseline", &b]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = env.run(&["scan", "--baseline", &b]);
    assert_eq!(r.code, 0, "everything accepted: {}", r.stdout);
    assert!(
        r.stdout.contains("no agent entry points found"),
        "{}",
        r.stdout
    );

    // An inline comment silences one rule on its line.
    let text = std::fs::read_to_string(env.path(".mcp.json")).expect("read").replace(
        r#""args": ["-y", "@modelcontextprotocol/server-github"],"#,
        r#""args": ["-y", "@modelcontextprotocol/server-github"], // rein: ignore[mcp.unpinned-package]"#,
    );
    env.write(".mcp.json", &text);
    let j: Value = serde_json::from_str(&env.run(&["scan", "--json", "--fail-on", "never"]).stdout)
        .expect("json");
    assert!(
        j["findings"]
            .as_array()
            .expect("f")
            .iter()
            .all(|f| f["rule"] != "mcp.unpinned-package")
    );
    assert_eq!(j["summary"]["suppressed"], 1);

    let r = env.run(&["scan", "--baseline", "/nonexistent/b.json"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("cannot read the baseline"),
        "{}",
        r.stderr
    );
}

#[test]
fn home_scan_reports_configs_and_credentials_by_presence_only() {
    let env = TestEnv::new();
    env.write("README.md", "# nothing agentic here\n");
    let home = &env.home;
    std::fs::create_dir_all(home.join(".cursor")).expect("dir");
    std::fs::write(
        home.join(".cursor/mcp.json"),
        r#"{ "mcpServers": { "fs": { "command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem@2026.8.31", "/"] } } }"#,
    )
    .expect("cursor");
    std::fs::write(
        home.join(".npmrc"),
        format!("//registry.npmjs.org/:_authToken={TOKEN}\n"),
    )
    .expect("npmrc");
    let r = env.run_with_stdin_env(
        &["scan", "--home", "--fail-on", "never"],
        b"",
        &[("ANTHROPIC_API_KEY", "sk-ant-api03-FIXTUREfixtureFIXTURE")],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        !r.stdout.contains(TOKEN) && !r.stdout.contains("sk-ant-api03"),
        "{}",
        r.stdout
    );
    insta::assert_snapshot!(stable(&env, &r), @r"
        exit: 0
        --- stdout
        APPROVAL  home.credential-variable  (environment):1:1         any     $ANTHROPIC_API_KEY is set in this shell: every agent started from it can use it
                                            ↳ a standing credential in the environment is inherited by agents and the tools they run
        APPROVAL  mcp.server                ~/.cursor/mcp.json:1:19   cursor  MCP server `fs` runs `npx -y @modelcontextprotocol/server-filesystem@2026.8.31 /` on this machine
                                            ↳ Cursor user MCP servers (~/.cursor/mcp.json)
                                            ↳ a local MCP server is a program the agent starts with your user's rights
                                            ↳ pinned package @modelcontextprotocol/server-filesystem@2026.8.31
        APPROVAL  mcp.broad-filesystem      ~/.cursor/mcp.json:1:113  cursor  MCP server `fs` is given `/`: every file you can read or write, keys and other repositories included
                                            ↳ give a filesystem server only the directories the task needs
        APPROVAL  home.standing-credential  ~/.npmrc:1:23             npm     npm registry login (~/.npmrc): npm token for registry.npmjs.org/ is stored here in clear, valid until revoked, and readable by any agent running as you
                                            ↳ agents run with your user's rights: a standing credential on disk is theirs too
                                            ↳ prefer a credential helper, a keychain, or short-lived tokens

        4 findings: 0 block, 4 approval, 0 allow · 3 files in [N] ms
    ");
}

#[test]
fn hostile_files_are_findings_not_crashes() {
    let env = TestEnv::new();
    std::fs::write(env.path(".mcp.json"), [0xffu8, 0xfe, b'{']).expect("invalid utf-8");
    env.write(".vscode/mcp.json", &"[".repeat(100_000));
    env.write(
        ".codex/config.toml",
        "[mcp_servers.x]\ncommand = \"npx\"\ncommand = \"again\"\n",
    );
    let r = env.run(&["scan", "--json", "--fail-on", "never"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let j: Value = serde_json::from_str(&r.stdout).expect("json");
    let unparsed: Vec<&str> = j["findings"]
        .as_array()
        .expect("f")
        .iter()
        .filter(|f| f["kind"] == "unparsed")
        .filter_map(|f| f["path"].as_str())
        .collect();
    assert_eq!(unparsed.len(), 3, "{unparsed:?}");
}

#[test]
fn scan_help_explains_the_verdicts() {
    let env = TestEnv::new();
    let r = env.run(&["scan", "--help"]);
    assert_eq!(r.code, 0);
    for word in [
        "allow",
        "approval",
        "block",
        "--home",
        "sarif",
        "cyclonedx",
        "rein: ignore[",
    ] {
        assert!(r.stdout.contains(word), "{word}: {}", r.stdout);
    }
}

/// The README's scan example is what rein prints on `examples/scan-sample`: the same findings,
/// in the same order, with the same verdicts, rules, locations and agents.
#[test]
fn readme_scan_example_is_true() {
    let workspace = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let readme = std::fs::read_to_string(workspace.join("README.md")).expect("README");
    let block: Vec<&str> = readme
        .lines()
        .skip_while(|l| !l.starts_with("$ rein scan examples/scan-sample"))
        .skip(1)
        .take_while(|l| !l.starts_with("```"))
        .collect();
    assert!(
        !block.is_empty(),
        "the README shows a scan of examples/scan-sample"
    );
    let env = TestEnv::new();
    let sample = workspace.join("examples/scan-sample");
    let r = env.run(&["scan", &sample.to_string_lossy()]);
    assert_eq!(r.code, 1, "the sample has block findings: {}", r.stderr);
    let head = |l: &str| l.split_whitespace().take(4).collect::<Vec<_>>().join(" ");
    let shown: Vec<String> = block
        .iter()
        .filter(|l| !l.starts_with(|c: char| c.is_ascii_digit()))
        .map(|l| head(l))
        .collect();
    let printed: Vec<String> = r
        .stdout
        .lines()
        .filter(|l| {
            l.starts_with("BLOCK")
                || l.starts_with("APPROVAL")
                || l.starts_with("allow")
                || l.starts_with("UNPARSED")
        })
        .map(head)
        .collect();
    assert_eq!(shown, printed);
    let summary = |t: &str| {
        t.lines()
            .find(|l| l.contains(" findings: "))
            .map(|l| l.split(" in ").next().unwrap_or("").to_owned())
    };
    assert_eq!(summary(&block.join("\n")), summary(&r.stdout));
}

#[test]
fn several_roots_prefix_their_paths() {
    let env = TestEnv::new();
    let a = env.root.join("a");
    let b = env.root.join("b");
    for d in [&a, &b] {
        std::fs::create_dir_all(d).expect("dir");
        std::fs::write(
            d.join(".mcp.json"),
            r#"{"mcpServers": {"x": {"url": "https://x.example/mcp"}}}"#,
        )
        .expect("mcp");
    }
    let r = env.run(&["scan", "--json", &a.to_string_lossy(), &b.to_string_lossy()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let j: Value = serde_json::from_str(&r.stdout).expect("json");
    let mut paths: Vec<String> = j["findings"]
        .as_array()
        .expect("f")
        .iter()
        .filter_map(|f| f["path"].as_str().map(|p| env.filter(p)))
        .collect();
    paths.sort();
    assert_eq!(paths, ["[TMP]/a/.mcp.json", "[TMP]/b/.mcp.json"]);
}
