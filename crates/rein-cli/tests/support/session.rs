//! What every agent's end-to-end session test reads back: the repository it sets up, the steps
//! of `rein log --json`, and each step's files.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// Runs git in `dir` (no system config) and fails the test if it fails.
pub fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .status()
        .expect("git");
    assert!(status.success(), "git {args:?}");
}

/// The steps of every turn of every session in a `rein log --json` document.
pub fn all_steps(log: &Value) -> Vec<Value> {
    let mut out = Vec::new();
    for s in log["sessions"].as_array().expect("sessions") {
        for t in s["turns"].as_array().expect("turns") {
            out.extend(t["steps"].as_array().expect("steps").iter().cloned());
        }
    }
    out
}

/// A step's files as sorted `(path, change)` pairs.
pub fn files(step: &Value) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = step["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| {
            (
                f["path"].as_str().expect("path").to_owned(),
                f["change"].as_str().expect("change").to_owned(),
            )
        })
        .collect();
    v.sort();
    v
}

/// Owned `(path, change)` pairs, to compare with [`files`].
pub fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}
