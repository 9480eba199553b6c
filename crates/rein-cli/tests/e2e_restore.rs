//! End to end for rewind, undo and revert, with the real Claude Code CLI driven by a scripted model
//! on 127.0.0.1.
//!
//! One session of three prompts (the second and third continue the first with `--resume`) in a
//! temp git repository with hooks installed by `rein init`: the agent writes and edits files,
//! deletes and renames files through Bash, and creates one with a shell redirect; between the
//! second and third prompts the test edits, from outside, a file the agent created. Then
//! `rein rewind`, `rein undo` and `rein revert` must leave exactly the expected files on disk, and
//! `rein op log` must list what they did.

mod support;

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};
use support::claude::{ClaudeRun, claude_or_skip, run_claude};
use support::mock_model::{MockModel, Turn};

const NOTES: &str = "one\ntwo\nthree\nfour\nfive\nsix\nseven\neight\n";
const NOTES_P1: &str = "one\nTWO by the agent\nthree\nfour\nfive\nsix\nseven\neight\n";
const NOTES_P3: &str = "one\nTWO by the agent\nthree\nfour\nFIVE by the agent\nsix\nseven\neight\n";
const NOTES_REVERTED: &str = "one\ntwo\nthree\nfour\nFIVE by the agent\nsix\nseven\neight\n";

/// Every regular file and symlink under a directory, `.git` excepted: path -> (bytes, mode).
type Tree = BTreeMap<String, (Vec<u8>, u32)>;

struct Env {
    _tmp: tempfile::TempDir,
    home: PathBuf,
    rein_home: PathBuf,
    repo: PathBuf,
    config_dir: PathBuf,
}

impl Env {
    fn new() -> Env {
        let tmp = tempfile::tempdir().expect("tempdir");
        let home = tmp.path().join("home");
        let rein_home = tmp.path().join("rein-home");
        let repo = tmp.path().join("repo");
        fs::create_dir_all(&repo).expect("mkdir");
        fs::create_dir_all(&home).expect("mkdir");
        let repo = repo.canonicalize().expect("canonical");
        git(&repo, &["init", "-q"]);
        fs::write(repo.join("notes.txt"), NOTES).expect("write");
        fs::write(repo.join("old.txt"), "old file\n").expect("write");
        fs::write(repo.join("keep.txt"), "keep me\n").expect("write");
        let config_dir = home.join(".claude");
        Env {
            _tmp: tmp,
            home,
            rein_home,
            repo,
            config_dir,
        }
    }

    fn rein(&self, args: &[&str]) -> (String, String, i32) {
        support::rein::run(&self.repo, &self.home, &self.rein_home, args)
    }

    fn rein_json(&self, args: &[&str]) -> Value {
        support::rein::json(&self.repo, &self.home, &self.rein_home, args)
    }

    /// `rein ARGS`, which must succeed; returns its stdout.
    fn rein_ok(&self, args: &[&str]) -> String {
        let (out, err, code) = self.rein(args);
        assert_eq!(code, 0, "rein {args:?} failed:\n{out}\n{err}");
        out
    }

    /// One prompt: a new session, or `resume` continues one.
    fn claude(
        &self,
        bin: &Path,
        model: &MockModel,
        prompt: &str,
        resume: Option<&str>,
    ) -> ClaudeRun {
        let rein_home = self.rein_home.display().to_string();
        let machine_policy = support::rein::machine_policy_dir(&self.rein_home)
            .display()
            .to_string();
        let run = run_claude(
            bin,
            &self.repo,
            &self.config_dir,
            &model.base_url(),
            prompt,
            &[
                ("REIN_HOME", rein_home.as_str()),
                ("REIN_MACHINE_POLICY_DIR", machine_policy.as_str()),
            ],
            resume,
        )
        .expect("run claude");
        assert!(run.status.success(), "claude failed:\n{}", run.describe());
        assert!(!run.timed_out, "{}", run.describe());
        run
    }

    fn read(&self, rel: &str) -> String {
        fs::read_to_string(self.repo.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }

    fn exists(&self, rel: &str) -> bool {
        self.repo.join(rel).exists()
    }

    fn snapshot(&self) -> Tree {
        let mut out = Tree::new();
        let mut stack = vec![self.repo.clone()];
        while let Some(dir) = stack.pop() {
            for e in fs::read_dir(&dir).expect("read_dir") {
                let p = e.expect("entry").path();
                let rel = p
                    .strip_prefix(&self.repo)
                    .expect("rel")
                    .to_string_lossy()
                    .into_owned();
                if rel == ".git" {
                    continue;
                }
                let md = fs::symlink_metadata(&p).expect("metadata");
                if md.file_type().is_symlink() {
                    let target = fs::read_link(&p).expect("read_link");
                    out.insert(
                        rel,
                        (
                            target.to_string_lossy().into_owned().into_bytes(),
                            0o120_000,
                        ),
                    );
                } else if md.is_dir() {
                    stack.push(p);
                } else {
                    out.insert(
                        rel,
                        (fs::read(&p).expect("read"), md.permissions().mode() & 0o777),
                    );
                }
            }
        }
        out
    }
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .status()
        .expect("git");
    assert!(status.success(), "git {args:?}");
}

fn abs(env: &Env, rel: &str) -> String {
    env.repo.join(rel).display().to_string()
}

/// Asserts two trees are equal, naming the paths that differ.
#[track_caller]
fn assert_tree_eq(now: &Tree, expected: &Tree, what: &str) {
    if now == expected {
        return;
    }
    let mut diffs = Vec::new();
    for (path, value) in expected {
        match now.get(path) {
            None => diffs.push(format!("{path}: missing")),
            Some(v) if v != value => diffs.push(format!(
                "{path}: {:?} (mode {:o}), expected {:?} (mode {:o})",
                String::from_utf8_lossy(&v.0),
                v.1,
                String::from_utf8_lossy(&value.0),
                value.1
            )),
            Some(_) => {}
        }
    }
    for path in now.keys().filter(|p| !expected.contains_key(*p)) {
        diffs.push(format!("{path}: unexpected"));
    }
    panic!("{what}:\n  {}", diffs.join("\n  "));
}

/// `tree` with `path` set to `content` (mode 0644), or removed if `None`.
fn with(tree: &Tree, changes: &[(&str, Option<&str>)]) -> Tree {
    let mut out = tree.clone();
    for (path, content) in changes {
        match content {
            Some(c) => {
                let mode = out.get(*path).map_or(0o644, |v| v.1);
                out.insert((*path).to_owned(), (c.as_bytes().to_vec(), mode));
            }
            None => {
                out.remove(*path);
            }
        }
    }
    out
}

/// The files of a step as sorted `(path, change)` pairs.
fn files(step: &Value) -> Vec<(String, String)> {
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

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

/// The turn of the session whose prompt contains `needle`.
fn turn<'a>(session: &'a Value, needle: &str) -> &'a Value {
    let found: Vec<&Value> = session["turns"]
        .as_array()
        .expect("turns")
        .iter()
        .filter(|t| t["prompt"].as_str().is_some_and(|p| p.contains(needle)))
        .collect();
    assert_eq!(found.len(), 1, "one turn with {needle:?}: {session:#}");
    found[0]
}

fn steps(turn: &Value) -> Vec<&Value> {
    turn["steps"].as_array().expect("steps").iter().collect()
}

fn tools(steps: &[&Value]) -> Vec<String> {
    steps
        .iter()
        .map(|s| s["tool"].as_str().unwrap_or("").to_owned())
        .collect()
}

#[test]
#[cfg_attr(
    rein_e2e_missing,
    ignore = "Claude Code CLI not installed: run `bash .ci/install-claude-code.sh`"
)]
fn claude_code_session_rewind_undo_revert() {
    let Some(claude) = claude_or_skip() else {
        return;
    };
    let env = Env::new();
    env.rein_ok(&["init"]);

    // One script for the whole session: a resumed conversation keeps its first message, and the
    // turn to answer is the number of assistant messages so far, so each run ends at a text turn.
    let script = vec![
        // Prompt one.
        Turn::tool(
            "Write",
            json!({"file_path": abs(&env, "new.txt"), "content": "brand new\n"}),
        ),
        // Claude Code refuses to Edit a file it has not Read in the session.
        Turn::tool("Read", json!({"file_path": abs(&env, "notes.txt")})),
        Turn::tool(
            "Edit",
            json!({"file_path": abs(&env, "notes.txt"), "old_string": "two", "new_string": "TWO by the agent"}),
        ),
        Turn::text("Prompt one done."),
        // Prompt two.
        Turn::tool(
            "Bash",
            json!({"command": "rm old.txt && mv keep.txt kept.txt", "description": "delete and rename"}),
        ),
        Turn::tool(
            "Bash",
            json!({"command": "printf 'x\\n' > made-by-bash.txt", "description": "make a file"}),
        ),
        Turn::text("Prompt two done."),
        // Prompt three.
        Turn::tool("Read", json!({"file_path": abs(&env, "notes.txt")})),
        Turn::tool(
            "Edit",
            json!({"file_path": abs(&env, "notes.txt"), "old_string": "five", "new_string": "FIVE by the agent"}),
        ),
        Turn::text("Prompt three done."),
    ];
    let model = MockModel::start(vec![("restore demo".to_owned(), script)]).expect("mock model");

    let seed = env.snapshot();
    let run1 = env.claude(&claude, &model, "restore demo, prompt one", None);
    let id = run1.session_id.clone().expect("session id");
    let before_p2 = env.snapshot();
    assert_tree_eq(
        &before_p2,
        &with(
            &seed,
            &[
                ("new.txt", Some("brand new\n")),
                ("notes.txt", Some(NOTES_P1)),
            ],
        ),
        "after prompt one",
    );

    let run2 = env.claude(&claude, &model, "prompt two", Some(&id));
    assert_eq!(run2.session_id.as_deref(), Some(id.as_str()), "resumed");
    assert_tree_eq(
        &env.snapshot(),
        &with(
            &before_p2,
            &[
                ("old.txt", None),
                ("keep.txt", None),
                ("kept.txt", Some("keep me\n")),
                ("made-by-bash.txt", Some("x\n")),
            ],
        ),
        "after prompt two",
    );

    // From outside, between prompts two and three: an edit to a file the agent made in prompt two.
    fs::write(env.repo.join("made-by-bash.txt"), "x\nadded by hand\n").expect("external edit");

    let run3 = env.claude(&claude, &model, "prompt three", Some(&id));
    assert_eq!(run3.session_id.as_deref(), Some(id.as_str()), "resumed");
    assert_eq!(env.read("notes.txt"), NOTES_P3);
    assert!(
        model.unexpected().is_empty(),
        "mock model: {:?}",
        model.unexpected()
    );

    // What rein recorded: one session, three turns, and the steps with their files.
    let log = env.rein_json(&["log", "--json"]);
    let sessions = log["sessions"].as_array().expect("sessions");
    assert_eq!(sessions.len(), 1, "{log:#}");
    let session = &sessions[0];
    assert_eq!(session["session_id"], id.as_str(), "{log:#}");
    let (t1, t2, t3) = (
        turn(session, "prompt one"),
        turn(session, "prompt two"),
        turn(session, "prompt three"),
    );
    let (s1, s2, s3) = (steps(t1), steps(t2), steps(t3));
    assert_eq!(tools(&s1), ["Write", "Read", "Edit"], "{session:#}");
    assert_eq!(tools(&s2), ["Bash", "Bash"], "{session:#}");
    assert_eq!(tools(&s3), ["Read", "Edit"], "{session:#}");
    for s in s1.iter().chain(&s2).chain(&s3) {
        assert_eq!(s["outcome"], "ok", "the gate let everything run: {s:#}");
    }
    assert_eq!(files(s1[0]), pairs(&[("new.txt", "added")]));
    assert_eq!(files(s1[2]), pairs(&[("notes.txt", "modified")]));
    assert_eq!(
        files(s2[0]),
        pairs(&[("kept.txt", "renamed"), ("old.txt", "deleted")]),
        "{session:#}"
    );
    let renamed = s2[0]["files"]
        .as_array()
        .expect("files")
        .iter()
        .find(|f| f["path"] == "kept.txt")
        .expect("kept.txt");
    assert_eq!(renamed["old_path"], "keep.txt", "{session:#}");
    assert_eq!(files(s2[1]), pairs(&[("made-by-bash.txt", "added")]));
    assert_eq!(files(s3[1]), pairs(&[("notes.txt", "modified")]));
    let external: Vec<&str> = session["external"]
        .as_array()
        .expect("external")
        .iter()
        .map(|e| e["path"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(external, ["made-by-bash.txt"], "{session:#}");
    let p2 = t2["prompt_ref"].as_str().expect("prompt_ref").to_owned();
    let edit_p1 = s1[2]["step"].to_string();

    // a. Rewinding to before prompt two would overwrite the external edit: refused, nothing changed.
    let before_rewind = env.snapshot();
    let (out, err, code) = env.rein(&["rewind", &p2]);
    assert_eq!(code, 1, "rewind {p2} must refuse:\n{out}\n{err}");
    assert!(
        err.contains("made-by-bash.txt") && err.contains("--include-external"),
        "the refusal names the file and the way out:\n{out}\n{err}"
    );
    assert_tree_eq(
        &env.snapshot(),
        &before_rewind,
        "a refused rewind changes nothing",
    );
    let (out, err, code) = env.rein(&["rewind", &p2, "--json"]);
    assert_eq!(code, 1, "{out}\n{err}");
    let refused: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(refused["status"], "refused", "{refused:#}");
    let flagged: Vec<&str> = refused["files"]
        .as_array()
        .expect("files")
        .iter()
        .filter(|f| f["external"] == true)
        .map(|f| f["path"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(flagged, ["made-by-bash.txt"], "{refused:#}");
    assert_tree_eq(
        &env.snapshot(),
        &before_rewind,
        "a refused rewind changes nothing",
    );

    // With --include-external: the work tree is exactly as it was just before prompt two.
    env.rein_ok(&["rewind", &p2, "--include-external"]);
    let now = env.snapshot();
    assert_tree_eq(&now, &before_p2, "rewound to before prompt two");
    assert_eq!(env.read("notes.txt"), NOTES_P1);
    assert_eq!(env.read("old.txt"), "old file\n");
    assert_eq!(env.read("keep.txt"), "keep me\n");
    assert_eq!(env.read("new.txt"), "brand new\n");
    assert!(!env.exists("kept.txt") && !env.exists("made-by-bash.txt"));

    // b. Undo puts everything back, the external edit included.
    env.rein_ok(&["undo"]);
    assert_tree_eq(&env.snapshot(), &before_rewind, "undo of the rewind");
    assert_eq!(env.read("made-by-bash.txt"), "x\nadded by hand\n");

    // c. Reverting prompt one's Edit takes line 2 back and keeps prompt three's line 5.
    env.rein_ok(&["revert", &edit_p1]);
    assert_tree_eq(
        &env.snapshot(),
        &with(&before_rewind, &[("notes.txt", Some(NOTES_REVERTED))]),
        &format!("revert of step {edit_p1}"),
    );

    // d. The operation log: the three that changed something, newest first.
    let ops = env.rein_json(&["op", "log", "--json"]);
    let list = ops["operations"].as_array().expect("operations");
    let kinds: Vec<&str> = list
        .iter()
        .map(|o| o["kind"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(kinds, ["revert", "undo", "rewind"], "{ops:#}");
    assert!(list.iter().all(|o| o["state"] == "done"), "{ops:#}");
    assert_eq!(list[1]["undoes"], list[2]["op"], "{ops:#}");
    assert_eq!(list[2]["options"]["include_external"], true, "{ops:#}");

    env.rein_ok(&["audit", "verify"]);
    eprintln!(
        "claude runs took {:?}, {:?}, {:?}",
        run1.elapsed, run2.elapsed, run3.elapsed
    );
}
