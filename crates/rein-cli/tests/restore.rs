//! Rewind, revert, undo and the operation log, through the CLI, on a real work tree recorded by
//! the hook: every result is checked against the files on disk.

mod common;

use std::os::unix::fs::PermissionsExt;

use common::TestEnv;
use serde_json::Value;

const S: &str = "sess-restore-0001";

/// Every regular file and symlink under the repo (except .git): path -> (bytes, mode or link).
fn snapshot(env: &TestEnv) -> std::collections::BTreeMap<String, (Vec<u8>, u32)> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![env.repo.clone()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).expect("read_dir") {
            let e = e.expect("entry");
            let p = e.path();
            let md = std::fs::symlink_metadata(&p).expect("md");
            let rel = p
                .strip_prefix(&env.repo)
                .expect("rel")
                .to_string_lossy()
                .into_owned();
            if rel == ".git" {
                continue;
            }
            if md.file_type().is_symlink() {
                let t = std::fs::read_link(&p).expect("link");
                out.insert(
                    rel,
                    (t.to_string_lossy().into_owned().into_bytes(), 0o120000),
                );
            } else if md.is_dir() {
                stack.push(p);
            } else {
                out.insert(
                    rel,
                    (
                        std::fs::read(&p).expect("read"),
                        md.permissions().mode() & 0o777,
                    ),
                );
            }
        }
    }
    out
}

fn dirs(env: &TestEnv) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![env.repo.clone()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).expect("read_dir") {
            let p = e.expect("entry").path();
            if std::fs::symlink_metadata(&p).expect("md").is_dir() && !p.ends_with(".git") {
                out.push(
                    p.strip_prefix(&env.repo)
                        .expect("rel")
                        .to_string_lossy()
                        .into_owned(),
                );
                stack.push(p);
            }
        }
    }
    out.sort();
    out
}

fn installed() -> TestEnv {
    let env = TestEnv::new();
    env.write(".gitignore", "*.log\n");
    env.write("README.md", "# Demo\n");
    env.write("src/lib.rs", "one\ntwo\nthree\nfour\nfive\nsix\nseven\n");
    env.write("docs/old.md", "obsolete\n");
    env.write("crlf.txt", "a\r\nb\r\n");
    env.write("nonl.txt", "no newline at the end");
    std::fs::write(env.path("bin.dat"), [0u8, 159, 146, 150, 0, 1, 2]).expect("bin");
    env.write("run.sh", "#!/bin/sh\necho hi\n");
    let (_, stderr, code) = env.rein(&["init"]);
    assert_eq!((code, stderr.as_str()), (0, ""), "rein init");
    env.git(&["add", "-A"]);
    env.git(&["commit", "-qm", "seed"]);
    env
}

fn ok(env: &TestEnv, args: &[&str]) -> String {
    let r = env.run(args);
    assert_eq!(r.code, 0, "rein {args:?}\n{}\n{}", r.stdout, r.stderr);
    r.stdout
}

fn json_of(env: &TestEnv, args: &[&str]) -> (Value, i32) {
    let r = env.run(args);
    (
        serde_json::from_str(&r.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}\n{}", r.stdout, r.stderr)),
        r.code,
    )
}

/// Two prompts of agent work of every kind: edit, create, delete, rename, mode, binary, CRLF,
/// a file without a final newline, a symlink, and a new nested directory.
fn two_prompts(env: &TestEnv) {
    env.hook_ok(&env.session_start(S));
    env.hook_ok(&env.prompt(S, "p-1", "first"));
    env.edit_step(S, "t1", "src/lib.rs", "two\n", "TWO\n");
    env.write_step(S, "t2", "a.txt", "created in p1\n");
    env.hook_ok(&env.prompt(S, "p-2", "second"));
    env.bash_step(S, "t3", "several changes", || {
        std::fs::remove_file(env.path("docs/old.md")).expect("rm");
        std::fs::rename(env.path("README.md"), env.path("README.txt")).expect("mv");
        std::fs::set_permissions(env.path("run.sh"), std::fs::Permissions::from_mode(0o755))
            .expect("chmod");
        std::fs::write(env.path("bin.dat"), [0u8, 1, 2, 3, 255]).expect("bin");
        std::fs::write(env.path("crlf.txt"), "a\r\nB\r\n").expect("crlf");
        std::fs::write(env.path("nonl.txt"), "changed, still no newline").expect("nonl");
        std::fs::create_dir_all(env.path("new/deep")).expect("mkdir");
        std::fs::write(env.path("new/deep/file.txt"), "deep\n").expect("deep");
        std::os::unix::fs::symlink("a.txt", env.path("link")).expect("symlink");
    });
    env.edit_step(S, "t4", "src/lib.rs", "six\n", "SIX\n");
}

#[test]
fn rewind_to_a_prompt_then_undo_restores_every_kind_of_file() {
    let env = installed();
    env.hook_ok(&env.session_start(S));
    let start = snapshot(&env);
    env.hook_ok(&env.prompt(S, "p-1", "first"));
    env.edit_step(S, "t1", "src/lib.rs", "two\n", "TWO\n");
    env.write_step(S, "t2", "a.txt", "created in p1\n");
    let after_p1 = snapshot(&env);
    let dirs_after_p1 = dirs(&env);
    env.hook_ok(&env.prompt(S, "p-2", "second"));
    env.bash_step(S, "t3", "several changes", || {
        std::fs::remove_file(env.path("docs/old.md")).expect("rm");
        std::fs::rename(env.path("README.md"), env.path("README.txt")).expect("mv");
        std::fs::set_permissions(env.path("run.sh"), std::fs::Permissions::from_mode(0o755))
            .expect("chmod");
        std::fs::write(env.path("bin.dat"), [0u8, 1, 2, 3, 255]).expect("bin");
        std::fs::write(env.path("crlf.txt"), "a\r\nB\r\n").expect("crlf");
        std::fs::write(env.path("nonl.txt"), "changed, still no newline").expect("nonl");
        std::fs::create_dir_all(env.path("new/deep")).expect("mkdir");
        std::fs::write(env.path("new/deep/file.txt"), "deep\n").expect("deep");
        std::os::unix::fs::symlink("a.txt", env.path("link")).expect("symlink");
    });
    env.edit_step(S, "t4", "src/lib.rs", "six\n", "SIX\n");
    let before_rewind = snapshot(&env);
    let index_before = std::fs::read(env.path(".git/index")).expect("index");

    let dry = ok(&env, &["rewind", "p2", "--dry-run"]);
    assert!(
        dry.contains("create   README.md") && dry.contains("delete   link"),
        "{dry}"
    );
    assert_eq!(snapshot(&env), before_rewind, "a dry run changes nothing");

    let (out, code) = json_of(&env, &["rewind", "p2", "--json"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(out["status"], "done");
    assert_eq!(snapshot(&env), after_p1, "rewound to just before p2");
    assert_eq!(dirs(&env), dirs_after_p1, "emptied directories are removed");
    assert_eq!(
        std::fs::read(env.path(".git/index")).expect("index"),
        index_before,
        "the git index is untouched"
    );

    ok(&env, &["undo"]);
    assert_eq!(
        snapshot(&env),
        before_rewind,
        "undo brings back the state before the rewind"
    );
    ok(&env, &["undo"]);
    assert_eq!(
        snapshot(&env),
        after_p1,
        "undoing the undo redoes the rewind"
    );

    ok(&env, &["rewind", "s1"]);
    assert_eq!(
        snapshot(&env),
        start,
        "a session rewinds to before its first step"
    );

    let (log, _) = json_of(&env, &["op", "log", "--json"]);
    let kinds: Vec<&str> = log["operations"]
        .as_array()
        .expect("ops")
        .iter()
        .map(|o| o["kind"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(kinds, ["rewind", "undo", "undo", "rewind"]);
    // Operations are audit events, and the chain still verifies.
    let audit = env.audit_records();
    assert_eq!(
        audit.iter().filter(|r| r["kind"] == "rein.op.done").count(),
        4
    );
    ok(&env, &["audit", "verify"]);
}

#[test]
fn rewind_refuses_to_overwrite_an_external_edit_unless_asked() {
    let env = installed();
    two_prompts(&env);
    // A human edits a file the agent changed, after the point.
    env.append("src/lib.rs", "by hand\n");
    let before = snapshot(&env);
    let r = env.run(&["rewind", "p1"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("src/lib.rs") && r.stderr.contains("--include-external"),
        "{}",
        r.stderr
    );
    assert_eq!(snapshot(&env), before, "a refused rewind changes nothing");

    ok(&env, &["rewind", "p1", "--include-external"]);
    assert_eq!(
        env.read("src/lib.rs"),
        "one\ntwo\nthree\nfour\nfive\nsix\nseven\n"
    );
    ok(&env, &["undo"]);
    assert_eq!(
        snapshot(&env),
        before,
        "the external edit comes back with undo"
    );
}
