//! Every command acts on the work tree it runs in. Two repositories share one store: a reference
//! (step, prompt, session, operation) recorded in one is refused in the other, naming its tree,
//! and nothing in either tree changes; `--repo` names the other tree explicitly.

mod common;

use std::path::{Path, PathBuf};

use common::{TestEnv, event_in};
use serde_json::{Value, json};

/// Two repositories with one store: `a` (the default repo) has a session of two steps, `b` has
/// a session of one step. Commands run in `b` unless a test moves `cwd`.
struct Two {
    env: TestEnv,
    a: PathBuf,
    b: PathBuf,
}

fn hook_in(env: &TestEnv, dir: &Path, payload: Value) {
    let r = env.hook_in(dir, &payload);
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (0, ""),
        "hook in {}",
        dir.display()
    );
}

/// A Write step in `dir`: Pre, the write, Post.
fn write_step(env: &TestEnv, dir: &Path, session: &str, id: &str, rel: &str, content: &str) {
    let input = json!({"file_path": dir.join(rel), "content": content});
    hook_in(
        env,
        dir,
        event_in(
            dir,
            &env.home,
            session,
            "PreToolUse",
            json!({"tool_name": "Write", "tool_input": input, "tool_use_id": id}),
        ),
    );
    std::fs::write(dir.join(rel), content).expect("write");
    hook_in(
        env,
        dir,
        event_in(
            dir,
            &env.home,
            session,
            "PostToolUse",
            json!({"tool_name": "Write", "tool_input": input, "tool_use_id": id,
                   "tool_response": {"type": "create"}}),
        ),
    );
}

fn session(env: &TestEnv, dir: &Path, session: &str, prompt: &str) {
    hook_in(
        env,
        dir,
        event_in(
            dir,
            &env.home,
            session,
            "SessionStart",
            json!({"source": "startup"}),
        ),
    );
    hook_in(
        env,
        dir,
        event_in(
            dir,
            &env.home,
            session,
            "UserPromptSubmit",
            json!({"prompt_id": format!("{session}-p"), "prompt": prompt}),
        ),
    );
}

fn two() -> Two {
    let mut env = TestEnv::new();
    let a = env.repo.clone();
    let b = env.add_repo("other");
    std::fs::write(a.join("keep.txt"), "a's file\n").expect("seed a");
    std::fs::write(b.join("mine.txt"), "b's file\n").expect("seed b");
    // s1, p1, steps 1 and 2 in a.
    session(&env, &a, "sess-a", "work in a");
    write_step(&env, &a, "sess-a", "toolu_a1", "a1.txt", "one\n");
    write_step(&env, &a, "sess-a", "toolu_a2", "a2.txt", "two\n");
    // s2, p2, step 3 in b.
    session(&env, &b, "sess-b", "work in b");
    write_step(&env, &b, "sess-b", "toolu_b1", "b1.txt", "bee\n");
    env.cwd = b.clone();
    Two { env, a, b }
}

/// Every file of a tree (but .git) with its content.
fn tree(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("read_dir") {
        let e = e.expect("entry");
        let name = e.file_name().to_string_lossy().into_owned();
        if name == ".git" || !e.file_type().expect("type").is_file() {
            continue;
        }
        out.push((name, std::fs::read_to_string(e.path()).expect("read")));
    }
    out.sort();
    out
}

/// Runs `args` in `b` and asserts the reference to `a` is refused, naming `a`, and that neither
/// tree changed.
fn refused_in_b(t: &Two, args: &[&str]) {
    let (a_before, b_before) = (tree(&t.a), tree(&t.b));
    let r = t.env.run(args);
    assert_eq!(r.code, 1, "rein {args:?} must be refused: {r:?}");
    let a = t.a.display().to_string();
    assert!(
        r.stderr.contains(&format!("in another work tree: {a}")),
        "rein {args:?} must name the other tree: {}",
        r.stderr
    );
    assert!(r.stderr.contains(&format!("--repo {a}")), "{}", r.stderr);
    assert_eq!(r.stdout, "", "rein {args:?} printed: {}", r.stdout);
    assert_eq!(
        (tree(&t.a), tree(&t.b)),
        (a_before, b_before),
        "rein {args:?}"
    );
}

#[test]
fn regression_revert_of_another_trees_step_deleted_a_file_there() {
    let t = two();
    // Step 2 wrote a2.txt in a; before the fix, `rein revert 2` run in b deleted it.
    refused_in_b(&t, &["revert", "2"]);
    assert!(t.a.join("a2.txt").exists());
    // Named explicitly, it acts on a.
    let r = t
        .env
        .run(&["revert", "2", "--repo", &t.a.display().to_string()]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(!t.a.join("a2.txt").exists());
    assert!(t.b.join("b1.txt").exists());
}

#[test]
fn every_reference_command_refuses_another_trees_records() {
    let t = two();
    for args in [
        &["show", "1"][..],
        &["show", "toolu_a1"],
        &["show", "1", "--json"],
        &["diff", "1"],
        &["diff", "p1"],
        &["diff", "s1"],
        &["diff", "sess-a"],
        &["rewind", "1"],
        &["rewind", "p1", "--dry-run"],
        &["rewind", "s1", "--include-external"],
        &["revert", "1"],
        &["revert", "p1"],
        &["log", "--session", "s1"],
        &["log", "--session", "sess-a", "--json"],
    ] {
        refused_in_b(&t, args);
    }
    // The same references work in b for b's own records.
    assert_eq!(t.env.run(&["show", "3"]).code, 0);
    assert_eq!(t.env.run(&["diff", "s2"]).code, 0);
}

#[test]
fn operations_are_resolved_in_their_own_tree() {
    let mut t = two();
    // An operation in a: rewind of a's step 2 (op 1).
    t.env.cwd = t.a.clone();
    let r = t.env.run(&["rewind", "2"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(!t.a.join("a2.txt").exists());
    t.env.cwd = t.b.clone();
    refused_in_b(&t, &["undo", "1"]);
    refused_in_b(&t, &["op", "show", "1"]);
    refused_in_b(&t, &["op", "recover", "1"]);
    // b has no operation of its own: undo says so, and a is untouched.
    let r = t.env.run(&["undo"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(!t.a.join("a2.txt").exists());
    // `op log` lists only this tree's operations; --all lists a's too.
    let log = t.env.json(&["op", "log", "--json"]);
    assert_eq!(log["operations"], json!([]));
    let all = t.env.json(&["op", "log", "--all", "--json"]);
    assert_eq!(all["operations"].as_array().map(Vec::len), Some(1));
    // Named explicitly, undo acts on a.
    let r = t
        .env
        .run(&["undo", "1", "--repo", &t.a.display().to_string()]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(t.a.join("a2.txt").exists());
}

#[test]
fn changing_commands_refuse_to_run_outside_a_work_tree() {
    let mut t = two();
    let outside = t.env.root.join("plain");
    std::fs::create_dir_all(&outside).expect("mkdir");
    t.env.cwd = outside;
    for args in [
        &["rewind", "1"][..],
        &["revert", "1"],
        &["undo"],
        &["undo", "1"],
        &["op", "log"],
        &["op", "show", "1"],
        &["op", "recover"],
    ] {
        let (a_before, b_before) = (tree(&t.a), tree(&t.b));
        let r = t.env.run(args);
        assert_eq!(r.code, 1, "rein {args:?}: {r:?}");
        assert!(
            r.stderr.contains("is not inside a git work tree"),
            "rein {args:?}: {}",
            r.stderr
        );
        assert!(r.stderr.contains("--repo PATH"), "{}", r.stderr);
        assert_eq!((tree(&t.a), tree(&t.b)), (a_before, b_before));
    }
}

#[test]
fn log_outside_a_work_tree_says_so_and_lists_trees_only_with_all() {
    let mut t = two();
    let outside = t.env.root.join("plain");
    std::fs::create_dir_all(&outside).expect("mkdir");
    t.env.cwd = outside;
    insta::assert_snapshot!(t.env.snap(&["log"]), @r"
    exit: 0
    --- stdout
    Not inside a git work tree: listing the sessions recorded outside any work tree.
    (`rein log --all` lists every work tree's sessions; `--repo PATH` one work tree's.)

    None recorded.
    ");
    let json = t.env.json(&["log", "--json"]);
    assert_eq!(json["sessions"], json!([]));
    let all = t.env.snap(&["log", "--all"]);
    let a = all.find("== [TMP]/repo ==").expect("a's heading");
    let b = all.find("== [TMP]/other ==").expect("b's heading");
    assert!(b < a, "the most recently active tree first: {all}");
    assert_eq!(all.matches("== ").count(), 2, "{all}");
    // In b, only b's session.
    t.env.cwd = t.b.clone();
    let here = t.env.json(&["log", "--json"]);
    let refs: Vec<&str> = here["sessions"]
        .as_array()
        .expect("sessions")
        .iter()
        .filter_map(|s| s["session_ref"].as_str())
        .collect();
    assert_eq!(refs, ["s2"]);
    // --repo reads a's from b.
    let there = t
        .env
        .json(&["log", "--json", "--repo", &t.a.display().to_string()]);
    assert_eq!(there["sessions"][0]["session_ref"], "s1");
}

#[test]
fn a_reference_unknown_everywhere_says_where_it_looked() {
    let t = two();
    insta::assert_snapshot!(t.env.snap(&["show", "99"]), @r"
    exit: 1
    --- stderr
    error: no step matches `99` in [TMP]/other
    hint: `rein log` lists the sessions (s1), prompts (p1) and steps (1) recorded here; `rein log --all` lists every work tree's
    ");
}
