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

type Tree = std::collections::BTreeMap<String, (Vec<u8>, u32)>;

/// Two prompts of agent work of every kind: edit, create, delete, rename, mode, binary, CRLF,
/// a file without a final newline, a symlink, and a new nested directory. Returns the tree at
/// the session's start, and the tree and its directories after the first prompt.
fn two_prompts(env: &TestEnv) -> (Tree, Tree, Vec<String>) {
    env.hook_ok(&env.session_start(S));
    let start = snapshot(env);
    env.hook_ok(&env.prompt(S, "p-1", "first"));
    env.edit_step(S, "t1", "src/lib.rs", "two\n", "TWO\n");
    env.write_step(S, "t2", "a.txt", "created in p1\n");
    let after_p1 = (snapshot(env), dirs(env));
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
    (start, after_p1.0, after_p1.1)
}

#[test]
fn rewind_to_a_prompt_then_undo_restores_every_kind_of_file() {
    let env = installed();
    let (start, after_p1, dirs_after_p1) = two_prompts(&env);
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

/// The step number of a tool_use_id, from `rein log --json`.
fn step_of(env: &TestEnv, tool_use_id: &str) -> String {
    let log = env.json(&["log", "--json"]);
    common::all_steps(&log)
        .into_iter()
        .find(|s| s["tool_use_id"] == tool_use_id)
        .map(|s| s["step"].to_string())
        .unwrap_or_else(|| panic!("no step {tool_use_id}"))
}

#[test]
fn revert_of_a_middle_step_keeps_the_later_steps() {
    let env = installed();
    two_prompts(&env);
    let before = snapshot(&env);
    let t1 = step_of(&env, "t1");
    ok(&env, &["revert", &t1]);
    // Line 2 (t1) is back; line 6 (t4, later) is kept; nothing else changed.
    assert_eq!(
        env.read("src/lib.rs"),
        "one\ntwo\nthree\nfour\nfive\nSIX\nseven\n"
    );
    let mut expected = before.clone();
    expected.insert(
        "src/lib.rs".into(),
        (b"one\ntwo\nthree\nfour\nfive\nSIX\nseven\n".to_vec(), 0o644),
    );
    assert_eq!(snapshot(&env), expected);

    // A Bash step of many kinds of change, reverted in the middle of the session.
    let t3 = step_of(&env, "t3");
    ok(&env, &["revert", &t3]);
    let now = snapshot(&env);
    assert_eq!(now["README.md"].0, b"# Demo\n");
    assert!(!now.contains_key("README.txt") && !now.contains_key("link"));
    assert_eq!(now["docs/old.md"].0, b"obsolete\n");
    assert_eq!(now["run.sh"].1, 0o644, "the mode change is reverted");
    assert_eq!(now["bin.dat"].0, [0u8, 159, 146, 150, 0, 1, 2]);
    assert_eq!(now["crlf.txt"].0, b"a\r\nb\r\n");
    assert_eq!(now["nonl.txt"].0, b"no newline at the end");
    assert!(
        !env.path("new").exists(),
        "the directories it created are gone"
    );
    assert_eq!(now["a.txt"].0, b"created in p1\n", "p1's new file stays");

    ok(&env, &["undo"]);
    assert_eq!(snapshot(&env), expected, "undo reverses the last revert");
    // An older operation can be undone by number while its files are as it left them.
    ok(&env, &["undo", "1"]);
    assert_eq!(snapshot(&env), before);
}

#[test]
fn regression_revert_of_a_prompt_lost_an_external_edit_between_its_steps() {
    let env = installed();
    env.hook_ok(&env.session_start(S));
    env.hook_ok(&env.prompt(S, "p-1", "first"));
    env.edit_step(S, "t1", "src/lib.rs", "two\n", "TWO\n");
    // A human edits the same file between two steps of the prompt (recorded at the next step).
    let text = env.read("src/lib.rs").replace("four\n", "FOUR by hand\n");
    env.write("src/lib.rs", &text);
    env.edit_step(S, "t2", "src/lib.rs", "six\n", "SIX\n");
    // And once more after the prompt, not yet recorded by anything.
    let text = env
        .read("src/lib.rs")
        .replace("seven\n", "seven, unrecorded\n");
    env.write("src/lib.rs", &text);
    let p = env.json(&["log", "--json"])["sessions"][0]["turns"][0]["prompt_ref"]
        .as_str()
        .expect("prompt ref")
        .to_owned();
    ok(&env, &["revert", &p]);
    assert_eq!(
        env.read("src/lib.rs"),
        "one\ntwo\nthree\nFOUR by hand\nfive\nsix\nseven, unrecorded\n",
        "both agent edits are undone, both human edits kept"
    );
    ok(&env, &["undo"]);
    assert_eq!(
        env.read("src/lib.rs"),
        "one\nTWO\nthree\nFOUR by hand\nfive\nSIX\nseven, unrecorded\n"
    );
}

#[test]
fn revert_conflict_changes_nothing_and_reports_the_hunks() {
    let env = installed();
    env.hook_ok(&env.session_start(S));
    env.hook_ok(&env.prompt(S, "p-1", "first"));
    env.edit_step(S, "t1", "src/lib.rs", "two\n", "TWO\n");
    env.edit_step(S, "t2", "src/lib.rs", "TWO\nthree\n", "TWO!\nTHREE\n");
    let before = snapshot(&env);
    let t1 = step_of(&env, "t1");
    let r = env.run(&["revert", &t1]);
    assert_eq!(t1, "1");
    insta::assert_snapshot!(env.render(&r), @r"
        exit: 1
        --- stdout
        revert step 1 in [TMP]/repo:
          conflict src/lib.rs
        conflict in src/lib.rs:
          @@ current line 2,2 | after the step 2,2 | before the step 2,2 @@
          current | TWO!
          current | THREE
          after   | TWO
          after   | three
          before  | two
          before  | three
        --- stderr
        error: reverting step 1 conflicts with later changes in 1 file; nothing was changed
        hint: resolve by hand, or run again with --conflict-markers to write git-style markers (undoable with `rein undo`)
    ");
    assert_eq!(
        snapshot(&env),
        before,
        "a conflicting revert changes nothing"
    );

    let (j, code) = json_of(&env, &["revert", &t1, "--json"]);
    assert_eq!(code, 1);
    assert_eq!(j["status"], "conflict");
    assert_eq!(j["conflicts"][0]["hunks"][0]["current"]["start"], 2);

    let r = env.run(&["revert", &t1, "--conflict-markers"]);
    assert_eq!(r.code, 1, "conflicts remain: {}", r.stderr);
    assert_eq!(
        env.read("src/lib.rs"),
        format!(
            "one\n<<<<<<< current\nTWO!\nTHREE\n||||||| after step {t1}\nTWO\nthree\n=======\ntwo\nthree\n>>>>>>> before step {t1}\nfour\nfive\nsix\nseven\n"
        )
    );
    ok(&env, &["undo"]);
    assert_eq!(snapshot(&env), before, "undo removes the markers");
}

#[test]
fn rewind_refuses_a_crafted_record_that_climbs_out_of_the_work_tree() {
    let env = installed();
    two_prompts(&env);
    let outside = env.root.join("escape.txt");
    std::fs::write(&outside, "outside\n").expect("outside");
    // Tamper with the store: a version after the point names a path outside the tree.
    let db = rusqlite::Connection::open(env.rein_home.join("rein.db")).expect("db");
    for bad in ["../escape.txt", ".git/config", "/etc/hostname"] {
        db.execute(
            "UPDATE file_versions SET path = ?1 WHERE id = (SELECT MAX(id) FROM file_versions WHERE origin = 'step')",
            [bad],
        )
        .expect("tamper");
        let before = snapshot(&env);
        let git_config = std::fs::read(env.path(".git/config")).expect("git config");
        let r = env.run(&["rewind", "p1"]);
        assert_eq!(r.code, 1, "{bad}: {}", r.stderr);
        assert!(
            r.stderr.contains("cannot rewind") && r.stderr.contains(bad),
            "{}",
            r.stderr
        );
        assert_eq!(snapshot(&env), before, "{bad}: nothing changed");
        assert_eq!(std::fs::read(&outside).expect("outside"), b"outside\n");
        assert_eq!(
            std::fs::read(env.path(".git/config")).expect("git config"),
            git_config
        );
    }
}

#[test]
fn rewind_never_follows_a_symlinked_directory_out_of_the_tree() {
    let env = installed();
    env.hook_ok(&env.session_start(S));
    env.hook_ok(&env.prompt(S, "p-1", "first"));
    env.write_step(S, "t1", "sub/x.txt", "agent\n");
    // Someone replaces the directory with a link to a directory outside the tree.
    let outside = env.root.join("outside");
    std::fs::create_dir_all(&outside).expect("outside");
    std::fs::write(outside.join("x.txt"), "precious\n").expect("precious");
    std::fs::remove_dir_all(env.path("sub")).expect("rm sub");
    std::os::unix::fs::symlink(&outside, env.path("sub")).expect("symlink");
    for flags in [&[][..], &["--include-external"][..]] {
        let mut args = vec!["rewind", "p1"];
        args.extend_from_slice(flags);
        let r = env.run(&args);
        assert_eq!(r.code, 1, "{}", r.stdout);
        assert!(r.stderr.contains("symlink"), "{}", r.stderr);
        assert_eq!(
            std::fs::read(outside.join("x.txt")).expect("outside"),
            b"precious\n"
        );
    }
}

#[test]
fn an_interrupted_rewind_is_completed_or_undone_on_the_next_run() {
    for reverse in [false, true] {
        let env = installed();
        two_prompts(&env);
        let before = snapshot(&env);
        let r = env.run_with_stdin_env(
            &["rewind", "p2"],
            b"",
            &[("REIN_TEST_FAULT", "op-abort-after:3")],
        );
        assert_ne!(r.code, 0, "the fault aborts the process");
        let partial = snapshot(&env);
        assert_ne!(partial, before, "some files were written");

        let doctor = env.run(&["doctor"]);
        assert!(
            doctor.stdout.contains("was interrupted after writing 3 of"),
            "{}",
            doctor.stdout
        );
        assert!(
            doctor.stdout.contains("rein op recover"),
            "{}",
            doctor.stdout
        );
        let again = env.run(&["rewind", "p1"]);
        assert_eq!(again.code, 1);
        assert!(again.stderr.contains("interrupted"), "{}", again.stderr);

        if reverse {
            ok(&env, &["op", "recover", "--undo"]);
            assert_eq!(
                snapshot(&env),
                before,
                "recover --undo puts everything back"
            );
        } else {
            ok(&env, &["op", "recover"]);
            // The same result as an uninterrupted rewind: compare with one on a fresh copy.
            let fresh = installed();
            two_prompts(&fresh);
            ok(&fresh, &["rewind", "p2"]);
            assert_eq!(
                snapshot(&env),
                snapshot(&fresh),
                "recover completes the rewind"
            );
            ok(&env, &["undo"]);
            assert_eq!(snapshot(&env), before, "a recovered operation is undoable");
        }
        let doctor = env.run(&["doctor"]);
        assert!(
            doctor.stdout.contains("no interrupted rewind"),
            "{}",
            doctor.stdout
        );
        // No staging file is left behind.
        assert!(snapshot(&env).keys().all(|p| !p.contains(".rein-op-")));
    }
}

#[test]
fn large_files_are_restored_by_streaming() {
    let env = installed();
    // 9 MiB of incompressible bytes: above what rein holds in memory, stored as a blob file.
    let mut data = Vec::with_capacity(9 << 20);
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    while data.len() < 9 << 20 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        data.extend_from_slice(&x.to_le_bytes());
    }
    std::fs::write(env.path("big.bin"), &data).expect("big");
    env.hook_ok(&env.session_start(S));
    env.hook_ok(&env.prompt(S, "p-1", "first"));
    env.bash_step(S, "t1", "truncate big.bin", || {
        std::fs::write(env.path("big.bin"), b"small now").expect("small");
    });
    ok(&env, &["rewind", "p1"]);
    assert!(
        std::fs::read(env.path("big.bin")).expect("big") == data,
        "restored byte for byte"
    );
    ok(&env, &["undo"]);
    assert_eq!(
        std::fs::read(env.path("big.bin")).expect("big"),
        b"small now"
    );
}

#[test]
fn a_file_recorded_by_hash_only_is_refused_not_guessed() {
    let env = TestEnv::new();
    env.write(".rein/config.toml", "[capture]\nmax_file_bytes = 100\n");
    env.write("big.txt", &"x".repeat(500));
    assert_eq!(env.run(&["init"]).code, 0);
    env.hook_ok(&env.session_start(S));
    env.hook_ok(&env.prompt(S, "p-1", "first"));
    env.bash_step(S, "t1", "rm big.txt", || env.remove("big.txt"));
    let r = env.run(&["rewind", "p1"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("big.txt") && r.stderr.contains("hash only"),
        "{}",
        r.stderr
    );
    assert!(!env.path("big.txt").exists());
}

#[test]
fn operations_output_snapshots() {
    let env = installed();
    two_prompts(&env);
    insta::assert_snapshot!(env.snap(&["rewind", "p2", "--dry-run"]), @r"
        exit: 0
        --- stdout
        rewind [TMP]/repo to before prompt p2: 10 files
          create   README.md
          delete   README.txt
          restore  bin.dat
          restore  crlf.txt
          create   docs/old.md
          delete   link
          delete   new/deep/file.txt
          restore  nonl.txt
          chmod    run.sh
          restore  src/lib.rs
        dry run: nothing was changed
    ");
    insta::assert_snapshot!(env.snap(&["rewind", "p2"]), @r"
        exit: 0
        --- stdout
        rewound [TMP]/repo to before prompt p2
          create   README.md
          delete   README.txt
          restore  bin.dat
          restore  crlf.txt
          create   docs/old.md
          delete   link
          delete   new/deep/file.txt
          restore  nonl.txt
          chmod    run.sh
          restore  src/lib.rs
        operation 1: 10 files changed; `rein undo` reverses it
    ");
    insta::assert_snapshot!(env.snap(&["undo", "--dry-run"]), @r"
        exit: 0
        --- stdout
        undo operation 1 (rewind to before prompt p2):
          delete   README.md
          create   README.txt
          restore  bin.dat
          restore  crlf.txt
          delete   docs/old.md
          create   link
          create   new/deep/file.txt
          restore  nonl.txt
          chmod    run.sh
          restore  src/lib.rs
        dry run: nothing was changed
    ");
    insta::assert_snapshot!(env.snap(&["undo"]), @r"
        exit: 0
        --- stdout
        undid operation 1 (rewind to before prompt p2)
          delete   README.md
          create   README.txt
          restore  bin.dat
          restore  crlf.txt
          delete   docs/old.md
          create   link
          create   new/deep/file.txt
          restore  nonl.txt
          chmod    run.sh
          restore  src/lib.rs
        operation 2: 10 files changed; `rein undo` reverses it
    ");
    insta::assert_snapshot!(env.snap(&["op", "log"]), @r"
        exit: 0
        --- stdout
        op 2    [TIME]  undo operation 1 (rewind to before prompt p2)  by dev@example.com
                delete   README.md
                create   README.txt
                restore  bin.dat
                restore  crlf.txt
                delete   docs/old.md
                create   link
                create   new/deep/file.txt
                restore  nonl.txt
                chmod    run.sh
                restore  src/lib.rs
        op 1    [TIME]  rewind to before prompt p2  by dev@example.com
                create   README.md
                delete   README.txt
                restore  bin.dat
                restore  crlf.txt
                create   docs/old.md
                delete   link
                delete   new/deep/file.txt
                restore  nonl.txt
                chmod    run.sh
                restore  src/lib.rs
    ");
    insta::assert_snapshot!(env.snap(&["undo", "99"]), @r"
        exit: 1
        --- stderr
        error: no operation matches `99`
        hint: `rein op log` lists the operations of this work tree
    ");
    insta::assert_snapshot!(env.snap(&["rewind", "s1", "--dry-run", "--json"]), @r#"
        exit: 0
        --- stdout
        {
          "schema": 1,
          "operation": "rewind",
          "status": "planned",
          "op": null,
          "target": "s1",
          "point": "before session s1",
          "worktree": "[TMP]/repo",
          "files": [
            {
              "path": "README.md",
              "action": "create",
              "before": null,
              "after": {
                "blob": "[HASH]",
                "mode": "100644",
                "symlink": false
              },
              "recorded": null,
              "external": false,
              "unrecorded": false,
              "refusal": null
            },
            {
              "path": "README.txt",
              "action": "delete",
              "before": {
                "blob": "[HASH]",
                "mode": "100644",
                "symlink": false
              },
              "after": null,
              "recorded": {
                "blob": "[HASH]",
                "mode": "100644",
                "symlink": false
              },
              "external": false,
              "unrecorded": false,
              "refusal": null
            },
            {
              "path": "a.txt",
              "action": "delete",
              "before": {
                "blob": "[HASH]",
                "mode": "100644",
                "symlink": false
              },
              "after": null,
              "recorded": {
                "blob": "[HASH]",
                "mode": "100644",
                "symlink": false
              },
              "external": false,
              "unrecorded": false,
              "refusal": null
            },
            {
              "path": "bin.dat",
              "action": "restore",
              "before": {
                "blob": "[HASH]",
                "mode": "100644",
                "symlink": false
              },
              "after": {
                "blob": "[HASH]",
                "mode": "100644",
                "symlink": false
              },
              "recorded": {
                "blob": "[HASH]",
                "mode": "100644",
                "symlink": false
              },
              "external": false,
              "unrecorded": false,
              "refusal": null
            },
            {
              "path": "crlf.txt",
              "action": "restore",
              "before": {
                "blob": "[HASH]",
                "mode": "100644",
                "symlink": false
              },
              "after": {
                "blob": "[HASH]",
                "mode": "100644",
                "symlink": false
              },
              "recorded": {
                "blob": "[HASH]",
                "mode": "100644",
                "symlink": false
              },
              "external": false,
              "unrecorded": false,
              "refusal": null
            },
            {
              "path": "docs/old.md",
              "action": "create",
              "before": null,
              "after": {
                "blob": "[HASH]",
                "mode": "100644",
                "symlink": false
              },
              "recorded": null,
              "external": false,
              "unrecorded": false,
              "refusal": null
            },
            {
              "path": "link",
              "action": "delete",
              "before": {
                "blob": "[HASH]",
                "mode": "120777",
                "symlink": true
              },
              "after": null,
              "recorded": {
                "blob": "[HASH]",
                "mode": "120777",
                "symlink": true
              },
              "external": false,
              "unrecorded": false,
              "refusal": null
            },
            {
              "path": "new/deep/file.txt",
              "action": "delete",
              "before": {
                "blob": "[HASH]",
                "mode": "100644",
                "symlink": false
              },
              "after": null,
              "recorded": {
                "blob": "[HASH]",
                "mode": "100644",
                "symlink": false
              },
              "external": false,
              "unrecorded": false,
              "refusal": null
            },
            {
              "path": "nonl.txt",
              "action": "restore",
              "before": {
                "blob": "[HASH]",
                "mode": "100644",
                "symlink": false
              },
              "after": {
                "blob": "[HASH]",
                "mode": "100644",
                "symlink": false
              },
              "recorded": {
                "blob": "[HASH]",
                "mode": "100644",
                "symlink": false
              },
              "external": false,
              "unrecorded": false,
              "refusal": null
            },
            {
              "path": "run.sh",
              "action": "chmod",
              "before": {
                "blob": "[HASH]",
                "mode": "100755",
                "symlink": false
              },
              "after": {
                "blob": "[HASH]",
                "mode": "100644",
                "symlink": false
              },
              "recorded": {
                "blob": "[HASH]",
                "mode": "100755",
                "symlink": false
              },
              "external": false,
              "unrecorded": false,
              "refusal": null
            },
            {
              "path": "src/lib.rs",
              "action": "restore",
              "before": {
                "blob": "[HASH]",
                "mode": "100644",
                "symlink": false
              },
              "after": {
                "blob": "[HASH]",
                "mode": "100644",
                "symlink": false
              },
              "recorded": {
                "blob": "[HASH]",
                "mode": "100644",
                "symlink": false
              },
              "external": false,
              "unrecorded": false,
              "refusal": null
            }
          ]
        }
    "#);
    insta::assert_snapshot!(env.snap(&["op", "show", "1", "--json"]), @r#"
        exit: 0
        --- stdout
        {
          "op": 1,
          "kind": "rewind",
          "target": "p2",
          "description": "rewind to before prompt p2",
          "undoes": null,
          "state": "done",
          "worktree": "[TMP]/repo",
          "human": "dev@example.com",
          "options": {
            "include_external": false
          },
          "started_at": "[TIME]",
          "ended_at": "[TIME]",
          "files": [
            {
              "path": "README.md",
              "action": "create",
              "before": null,
              "after": {
                "blob": "[HASH]",
                "mode": "100644",
                "symlink": false
              }
            },
            {
              "path": "README.txt",
              "action": "delete",
              "before": {
                "blob": "[HASH]",
                "mode": "100644",
                "symlink": false
              },
              "after": null
            },
            {
              "path": "bin.dat",
              "action": "restore",
              "before": {
                "blob": "[HASH]",
                "mode": "100644",
                "symlink": false
              },
              "after": {
                "blob": "[HASH]",
                "mode": "100644",
                "symlink": false
              }
            },
            {
              "path": "crlf.txt",
              "action": "restore",
              "before": {
                "blob": "[HASH]",
                "mode": "100644",
                "symlink": false
              },
              "after": {
                "blob": "[HASH]",
                "mode": "100644",
                "symlink": false
              }
            },
            {
              "path": "docs/old.md",
              "action": "create",
              "before": null,
              "after": {
                "blob": "[HASH]",
                "mode": "100644",
                "symlink": false
              }
            },
            {
              "path": "link",
              "action": "delete",
              "before": {
                "blob": "[HASH]",
                "mode": "120777",
                "symlink": true
              },
              "after": null
            },
            {
              "path": "new/deep/file.txt",
              "action": "delete",
              "before": {
                "blob": "[HASH]",
                "mode": "100644",
                "symlink": false
              },
              "after": null
            },
            {
              "path": "nonl.txt",
              "action": "restore",
              "before": {
                "blob": "[HASH]",
                "mode": "100644",
                "symlink": false
              },
              "after": {
                "blob": "[HASH]",
                "mode": "100644",
                "symlink": false
              }
            },
            {
              "path": "run.sh",
              "action": "chmod",
              "before": {
                "blob": "[HASH]",
                "mode": "100755",
                "symlink": false
              },
              "after": {
                "blob": "[HASH]",
                "mode": "100644",
                "symlink": false
              }
            },
            {
              "path": "src/lib.rs",
              "action": "restore",
              "before": {
                "blob": "[HASH]",
                "mode": "100644",
                "symlink": false
              },
              "after": {
                "blob": "[HASH]",
                "mode": "100644",
                "symlink": false
              }
            }
          ],
          "schema": 1
        }
    "#);
}
