//! `rein scan` speed: a repository of 10,000 files with a few agent configs among them, and a
//! home directory laid out like a developer's (caches, projects, dotfiles, agent configs).
//!
//! Baseline, in the same run: `git status --porcelain` on the same repository (one stat per
//! file, like the scan's walk) and `find $HOME -type f` for the home directory.
//! Targets: repository ≤ 1 s; `--home` ≤ 2 s.
//!
//! Knobs: `REIN_BENCH_FILES` (10000), `REIN_BENCH_HOME_FILES` (50000), `REIN_BENCH_K` (10),
//! `REIN_BENCH_QUICK=1`.

mod common;

use std::path::Path;
use std::time::Duration;

use common::{Bench, Samples, die, git, ms, run_ok, spawn_timed, target};

fn main() {
    common::header(
        "scan_speed",
        "rein scan of a 10,000-file repository and of a home directory",
    );
    let files = common::knob("REIN_BENCH_FILES", 10_000, 2_000);
    let home_files = common::knob("REIN_BENCH_HOME_FILES", 50_000, 5_000);
    let k = common::knob("REIN_BENCH_K", 10, 3);
    let bench = Bench::new();
    common::make_tree(&bench.root, files);
    plant_repo_configs(&bench.root);
    run_ok(git(&bench.root).args(["add", "-A"]));
    run_ok(git(&bench.root).args(["commit", "-qm", "initial"]));
    let home = tempfile::tempdir().unwrap_or_else(|e| die(e));
    make_home(home.path(), home_files);
    println!("   setup: repository of {files} files, home of {home_files} files");

    let scan_repo = |b: &Bench| {
        let (t, out) = spawn_timed(b.rein().args(["scan", "--json", "--fail-on", "never"]), b"");
        check(&out, 5);
        t
    };
    let scan_home = |b: &Bench| {
        let (t, out) = spawn_timed(
            b.rein().env("HOME", home.path()).args([
                "scan",
                "--home",
                "--json",
                "--fail-on",
                "never",
            ]),
            b"",
        );
        check(&out, 8);
        t
    };
    let (mut rs, mut gs, mut hs, mut fs) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..k {
        rs.push(scan_repo(&bench));
        gs.push(spawn_timed(git(&bench.root).args(["status", "--porcelain"]), b"").0);
        hs.push(scan_home(&bench));
        fs.push(
            spawn_timed(
                std::process::Command::new("find")
                    .arg(home.path())
                    .args(["-type", "f"]),
                b"",
            )
            .0,
        );
    }
    let (rs, gs, hs, fs) = (
        Samples::new(rs),
        Samples::new(gs),
        Samples::new(hs),
        Samples::new(fs),
    );
    println!();
    println!(
        "{:<44} {:>9} {:>9} {:>9} {:>10}",
        format!("case ({k} runs each)"),
        "min ms",
        "median ms",
        "max ms",
        "/baseline"
    );
    let row = |name: &str, s: &Samples, base: Duration| {
        println!(
            "{:<44} {:>9.1} {:>9.1} {:>9.1} {:>9.2}x",
            name,
            ms(s.min()),
            ms(s.median()),
            ms(s.max()),
            ms(s.median()) / ms(base)
        );
    };
    row("baseline: git status --porcelain (repo)", &gs, gs.median());
    row("rein scan (repo)", &rs, gs.median());
    row("baseline: find $HOME -type f", &fs, fs.median());
    row("rein scan --home (repo + home)", &hs, fs.median());
    target(
        "scan_speed.repo_10000_files",
        &format!("{:.1} ms", ms(rs.median())),
        ms(rs.median()) / ms(gs.median()),
        rs.median() <= Duration::from_secs(1),
        &format!("≤ 1000 ms for {files} files"),
    );
    target(
        "scan_speed.home",
        &format!("{:.1} ms", ms(hs.median())),
        ms(hs.median()) / ms(fs.median()),
        hs.median() <= Duration::from_secs(2),
        &format!("≤ 2000 ms for a home of {home_files} files"),
    );
}

/// Dies unless the scan succeeded and found at least `min` findings.
fn check(out: &std::process::Output, min: usize) {
    if !out.status.success() {
        die(format!(
            "rein scan failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| die(e));
    let n = v["findings"].as_array().map_or(0, Vec::len);
    if n < min {
        die(format!(
            "rein scan found {n} findings, expected at least {min}"
        ));
    }
}

fn write(path: &Path, text: &str) {
    if let Some(d) = path.parent() {
        std::fs::create_dir_all(d).unwrap_or_else(|e| die(e));
    }
    std::fs::write(path, text).unwrap_or_else(|e| die(e));
}

const MCP: &str = r#"{ "mcpServers": { "gh": { "command": "npx", "args": ["-y", "@modelcontextprotocol/server-github"], "env": { "GITHUB_TOKEN": "${GITHUB_TOKEN}" } } } }"#;

fn plant_repo_configs(root: &Path) {
    write(&root.join(".mcp.json"), MCP);
    write(&root.join(".cursor/mcp.json"), MCP);
    write(
        &root.join(".vscode/mcp.json"),
        &MCP.replace("mcpServers", "servers"),
    );
    write(
        &root.join("AGENTS.md"),
        "# Agents\n\nRun the tests before you commit.\n",
    );
    write(
        &root.join(".github/workflows/ci.yml"),
        "on: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: cargo test\n",
    );
}

/// A developer's home: caches and projects (not agent locations), dotfiles, agent configs.
fn make_home(home: &Path, files: usize) {
    let per_dir = 200;
    for i in 0..files {
        let area = [
            ".cache/pip",
            ".cache/go-build",
            "projects/app/node_modules/pkg",
            "projects/lib/src",
            ".local/share/x",
        ][i % 5];
        write(
            &home.join(format!("{area}/d{:04}/f{i:06}.txt", i / per_dir)),
            "x\n",
        );
    }
    write(&home.join(".claude.json"), MCP);
    write(
        &home.join(".claude/settings.json"),
        r#"{ "permissions": { "allow": ["Bash(npm test:*)"] } }"#,
    );
    write(&home.join(".cursor/mcp.json"), MCP);
    write(
        &home.join(".codex/config.toml"),
        "[mcp_servers.gh]\ncommand = \"npx\"\nargs = [\"-y\", \"x\"]\n",
    );
    write(
        &home.join(".npmrc"),
        "//registry.npmjs.org/:_authToken=npm_BENCHbenchBENCHbenchBENCHbench0000\n",
    );
    write(
        &home.join(".config/gh/hosts.yml"),
        "github.com:\n    oauth_token: gho_BENCHbenchBENCHbench\n",
    );
    for i in 0..30 {
        write(
            &home.join(format!(".claude/projects/p{i}/transcript-{i}.jsonl")),
            "{}\n",
        );
    }
}
