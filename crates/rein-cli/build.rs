//! Build-time facts for the `rein` binary and its tests.
//!
//! - `REIN_BUILD_COMMIT` names the commit the binary was built from, for `rein --version`:
//!   `fe44821 2026-12-06` (short hash, commit date), `fe44821-dirty 2026-12-06` when tracked
//!   files had uncommitted changes, or `unknown commit` without git or a `.git` (a crates
//!   tarball). Nothing else about the build machine, and no path, is embedded.
//! - The `rein_e2e_missing` cfg is set when the Claude Code CLI that the end-to-end tests drive
//!   is not installed, so `cargo test` lists those tests as ignored, with how to install it,
//!   instead of passing them silently. `REIN_E2E_REQUIRE=1` never sets it: the tests then run
//!   and fail on the missing CLI, so CI cannot pass by skipping.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Where this crate sits in rein's repository. A copy of the crate inside some other repository
/// (vendored) must not claim that repository's commit.
const PATH_IN_REPO: &str = "crates/rein-cli/";

fn main() {
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_default();
    // Listing what to watch replaces cargo's default of re-running on any change in the package.
    println!("cargo::rerun-if-changed=build.rs");
    let commit = git_commit(&manifest_dir)
        .or_else(|| cargo_vcs_info_commit(&manifest_dir))
        .unwrap_or_else(|| "unknown commit".to_owned());
    println!("cargo::rustc-env=REIN_BUILD_COMMIT={commit}");
    e2e_cfg(&manifest_dir);
}

/// Runs git in `dir`; its trimmed stdout if it succeeded.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        // Never take the index lock (`git status` refreshes the index otherwise): other git
        // commands may be running in this work tree.
        .arg("--no-optional-locks")
        .args(args)
        // Set when cargo runs inside a git hook; they would point git at another repository
        // or index.
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE")
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// `<short hash>[-dirty] <commit date>` from git, and the files to watch so that a new commit,
/// a checkout or `git add` re-runs this script (and nothing else does).
fn git_commit(manifest_dir: &Path) -> Option<String> {
    if git(manifest_dir, &["rev-parse", "--show-prefix"])? != PATH_IN_REPO {
        return None;
    }
    let hash = git(manifest_dir, &["rev-parse", "--short=7", "HEAD"])?;
    let date = git(manifest_dir, &["log", "-1", "--format=%cs", "HEAD"])?;
    // As of the last run of this script: a commit, checkout or `git add` runs it again.
    let dirty = git(
        manifest_dir,
        &["status", "--porcelain", "--untracked-files=no"],
    )
    .is_some_and(|s| !s.is_empty());
    watch_git(manifest_dir);
    Some(format!(
        "{hash}{} {date}",
        if dirty { "-dirty" } else { "" }
    ))
}

/// Watches HEAD, its reflog, the index and the branch HEAD points to (a loose ref or
/// packed-refs). In a linked work tree `.git` is a file: HEAD, its reflog and the index are in
/// the work tree's own git directory, refs in the common one; git says which is where.
fn watch_git(manifest_dir: &Path) {
    let absolute = |p: String| {
        let p = PathBuf::from(p);
        if p.is_absolute() {
            p
        } else {
            manifest_dir.join(p)
        }
    };
    let Some(git_dir) = git(manifest_dir, &["rev-parse", "--git-dir"]).map(absolute) else {
        return;
    };
    let common_dir = git(manifest_dir, &["rev-parse", "--git-common-dir"])
        .map(absolute)
        .unwrap_or_else(|| git_dir.clone());
    let mut watched = vec![
        git_dir.join("HEAD"),
        git_dir.join("logs/HEAD"),
        git_dir.join("index"),
        common_dir.join("packed-refs"),
    ];
    // Detached HEAD: HEAD itself changes on every commit.
    if let Some(branch) = git(manifest_dir, &["symbolic-ref", "-q", "HEAD"]) {
        let loose = common_dir.join(&branch);
        // A packed branch gets a loose ref file at its next commit: watch where it will appear.
        match loose.parent() {
            Some(dir) if !loose.exists() => watched.push(dir.to_owned()),
            _ => watched.push(loose),
        }
    }
    // A missing path would make cargo re-run this script on every build.
    for path in watched.iter().filter(|p| p.exists()) {
        println!("cargo::rerun-if-changed={}", path.display());
    }
}

/// The commit `cargo package` recorded in `.cargo_vcs_info.json` (a crates tarball), without
/// a date: the tarball does not say when it was committed.
fn cargo_vcs_info_commit(manifest_dir: &Path) -> Option<String> {
    let path = manifest_dir.join(".cargo_vcs_info.json");
    let text = std::fs::read_to_string(&path).ok()?;
    println!("cargo::rerun-if-changed={}", path.display());
    let after = &text[text.find("\"sha1\"")? + "\"sha1\"".len()..];
    let start = after.find('"')? + 1;
    let sha: String = after[start..]
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect();
    if sha.len() < 7 {
        return None;
    }
    let dirty = text.contains("\"dirty\": true") || text.contains("\"dirty\":true");
    Some(format!(
        "{}{}",
        &sha[..7],
        if dirty { "-dirty" } else { "" }
    ))
}

/// The agent CLIs the end-to-end tests drive: the cfg set when one is missing, the variable
/// that names another binary, and where `.ci/install-agents.sh` installs it in `.ci/cache`.
const E2E_AGENTS: &[(&str, &str, &str)] = &[
    (
        "rein_e2e_missing",
        "REIN_E2E_CLAUDE",
        "cache/claude-code/node_modules/.bin/claude",
    ),
    (
        "rein_e2e_codex_missing",
        "REIN_E2E_CODEX",
        "cache/codex/node_modules/.bin/codex",
    ),
    (
        "rein_e2e_gemini_missing",
        "REIN_E2E_GEMINI",
        "cache/gemini-cli/node_modules/.bin/gemini",
    ),
    (
        "rein_e2e_copilot_missing",
        "REIN_E2E_COPILOT",
        "cache/copilot/node_modules/.bin/copilot",
    ),
    (
        "rein_e2e_opencode_missing",
        "REIN_E2E_OPENCODE",
        "cache/opencode/node_modules/.bin/opencode",
    ),
];

/// Sets each agent's `*_missing` cfg unless its CLI is installed (or REIN_E2E_REQUIRE=1).
/// Mirrors `tests/support/*.rs`: `$REIN_E2E_<AGENT>`, else the copy in `.ci/cache`.
fn e2e_cfg(manifest_dir: &Path) {
    println!("cargo::rerun-if-env-changed=REIN_E2E_REQUIRE");
    let required = std::env::var("REIN_E2E_REQUIRE").is_ok_and(|v| v == "1");
    for (cfg, var, relative) in E2E_AGENTS {
        println!("cargo::rustc-check-cfg=cfg({cfg})");
        println!("cargo::rerun-if-env-changed={var}");
        let found = match std::env::var_os(var).filter(|v| !v.is_empty()) {
            Some(path) => {
                let path = PathBuf::from(path);
                if path.exists() {
                    println!("cargo::rerun-if-changed={}", path.display());
                }
                is_executable(&path)
            }
            None => {
                let ci = manifest_dir.join("../../.ci");
                let installed = ci.join(relative);
                // Watch the CLI, or the deepest directory of its path that exists (never above
                // `.ci`), so that installing it later is noticed.
                let mut watch = Some(installed.as_path());
                while let Some(p) = watch {
                    if p.exists() {
                        println!("cargo::rerun-if-changed={}", p.display());
                        break;
                    }
                    watch = p.parent().filter(|parent| parent.starts_with(&ci));
                }
                is_executable(&installed)
            }
        };
        if !found && !required {
            println!("cargo::rustc-cfg={cfg}");
        }
    }
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}
