//! Running the `rein` binary under test in a cleared environment, as the end-to-end tests do.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// Where the gate looks for machine-wide policy during tests: never the host's /etc/rein.
pub fn machine_policy_dir(rein_home: &Path) -> std::path::PathBuf {
    rein_home.join("no-machine-policy")
}

/// Runs `rein ARGS` in `dir` with only PATH, HOME and REIN_HOME set; returns stdout, stderr and
/// the exit code.
pub fn run(dir: &Path, home: &Path, rein_home: &Path, args: &[&str]) -> (String, String, i32) {
    let out = Command::new(env!("CARGO_BIN_EXE_rein"))
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("REIN_HOME", rein_home)
        .env("REIN_MACHINE_POLICY_DIR", machine_policy_dir(rein_home))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("run rein");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

/// Runs a `--json` reader, asserting success, and parses its output.
pub fn json(dir: &Path, home: &Path, rein_home: &Path, args: &[&str]) -> Value {
    let (stdout, stderr, code) = run(dir, home, rein_home, args);
    assert_eq!(code, 0, "rein {args:?} failed: {stderr}");
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("rein {args:?}: {e}\n{stdout}"))
}
