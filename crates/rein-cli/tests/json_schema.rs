//! Every JSON document rein prints carries the one schema version (`JSON_SCHEMA` in
//! `crates/rein-cli/src/json.rs`, documented in docs/json.md): each `--json` reader and writer is
//! run on a small recorded session, and each document must parse and say `"schema": 1`.

mod common;

use common::TestEnv;
use serde_json::{Value, json};

/// The schema version every document must carry (`rein_cli::json::JSON_SCHEMA`).
const SCHEMA: u64 = 1;

const S: &str = "sess-json-0001";

/// Runs `rein args`, expects exit status `code`, and returns its stdout as one JSON document
/// that carries the schema version.
fn doc(env: &TestEnv, args: &[&str], code: i32) -> Value {
    let r = env.run(args);
    assert_eq!(
        r.code, code,
        "rein {args:?}: stdout {} stderr {}",
        r.stdout, r.stderr
    );
    let v: Value = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("rein {args:?} printed invalid JSON ({e}): {}", r.stdout));
    assert!(v.is_object(), "rein {args:?}: not an object: {v}");
    assert_eq!(v["schema"], SCHEMA, "rein {args:?}: {v:#}");
    v
}

/// A work tree with rein installed and one session of two prompts: a Write, two Edits, an
/// external edit between them, a Bash step, and a Read the gate denied.
fn recorded() -> TestEnv {
    let env = TestEnv::new();
    env.write("a.txt", "one\ntwo\nthree\n");
    env.write("b.txt", "bee\n");
    env.write(".env", "TOKEN=x\n");
    let (_, stderr, code) = env.rein(&["init"]);
    assert_eq!((code, stderr.as_str()), (0, ""), "rein init");
    env.hook_ok(&env.session_start(S));
    env.hook_ok(&env.prompt(S, "prompt-1", "add things"));
    env.write_step(S, "toolu_w1", "new.txt", "fresh\n");
    env.edit_step(S, "toolu_e2", "a.txt", "one", "ONE");
    env.append("b.txt", "by hand\n");
    env.hook_ok(&env.prompt(S, "prompt-2", "more"));
    env.edit_step(S, "toolu_e3", "a.txt", "three", "THREE");
    env.bash_step(S, "toolu_b4", "echo c > c.txt && rm b.txt", || {
        env.write("c.txt", "c\n");
        env.remove("b.txt");
    });
    // The gate denies reading .env: the hook answers with a deny, which is not an error here.
    let read = json!({"file_path": env.abs(".env")});
    let (_, _, code) = env.hook(&env.pre(S, "toolu_r5", "Read", read));
    assert_eq!(code, 0);
    env.hook_ok(&env.stop(S));
    env
}

#[test]
fn the_documentation_names_the_same_version() {
    let doc = include_str!("../../../docs/json.md");
    assert_eq!(
        doc.lines().next(),
        Some(format!("# rein's JSON output (schema {SCHEMA})").as_str())
    );
}

#[test]
fn every_json_document_carries_the_schema_version() {
    let env = recorded();

    // Readers of the history.
    let log = doc(&env, &["log", "--json"], 0);
    assert_eq!(log["sessions"][0]["session_id"], S);
    doc(&env, &["log", "--all", "--json"], 0);
    doc(&env, &["log", "--session", "s1", "--json"], 0);
    let show = doc(&env, &["show", "1", "--json"], 0);
    assert_eq!(show["tool"], "Write");
    let denied = doc(&env, &["show", "toolu_r5", "--json"], 0);
    assert_eq!(denied["decision"]["answer"], "deny", "{denied:#}");
    let blame = doc(&env, &["blame", "a.txt", "--json"], 0);
    assert_eq!(blame["lines"][0]["origin"], "agent", "{blame:#}");

    // Tasks.
    let started = doc(
        &env,
        &["task", "start", "tidy", "--scope", "src/**", "--json"],
        0,
    );
    assert_eq!(started["task"]["title"], "tidy");
    doc(&env, &["task", "show", "--json"], 0);
    doc(&env, &["task", "list", "--json"], 0);
    doc(&env, &["task", "end", "--json"], 0);
    let none = doc(&env, &["task", "show", "--json"], 0);
    assert_eq!(none["task"], Value::Null);

    // Policy.
    let check = doc(
        &env,
        &[
            "policy", "check", "--tool", "Read", "--path", ".env", "--json",
        ],
        0,
    );
    assert_eq!(check["decision"], "deny");
    doc(&env, &["policy", "rules", "--json"], 0);
    doc(&env, &["policy", "lint", "--json"], 0);
    env.write(
        "cases.toml",
        "[[case]]\nid = \"push\"\ncommand = \"git push --force\"\nexpect = \"deny\"\n\n\
         [[case]]\nid = \"wrong\"\ncommand = \"ls\"\nexpect = \"deny\"\n",
    );
    let cases = doc(&env, &["policy", "test", "cases.toml", "--json"], 1);
    assert_eq!(cases["failed"], 1);
    doc(
        &env,
        &["policy", "test", "cases.toml", "--verbose", "--json"],
        1,
    );

    // Health and audit.
    let doctor = env.run(&["doctor", "--json"]).code;
    doc(&env, &["doctor", "--json"], doctor);
    doc(&env, &["doctor", "--failures", "--json"], 0);
    doc(&env, &["doctor", "--clear-failures", "--json"], 0);
    let verify = doc(&env, &["audit", "verify", "--json"], 0);
    assert_eq!(verify["ok"], true);
    let export = env.run(&["audit", "export"]);
    assert_eq!(export.code, 0, "{}", export.stderr);
    for line in export.stdout.lines() {
        let v: Value = serde_json::from_str(line).expect("an export line is JSON");
        assert_eq!(v["schema"], SCHEMA, "{line}");
    }

    // Operations: plans, then done, then the log of them.
    let plan = doc(&env, &["rewind", "p2", "--dry-run", "--json"], 0);
    assert_eq!(plan["status"], "planned", "{plan:#}");
    let plan = doc(&env, &["revert", "1", "--dry-run", "--json"], 0);
    assert_eq!(plan["status"], "planned", "{plan:#}");
    let done = doc(&env, &["rewind", "p2", "--json"], 0);
    assert_eq!(done["status"], "done", "{done:#}");
    let nothing = doc(&env, &["rewind", "p2", "--json"], 0);
    assert_eq!(nothing["status"], "unchanged", "{nothing:#}");
    doc(&env, &["undo", "--dry-run", "--json"], 0);
    let undone = doc(&env, &["undo", "--json"], 0);
    assert_eq!(undone["status"], "done", "{undone:#}");
    let reverted = doc(&env, &["revert", "1", "--json"], 0);
    assert_eq!(reverted["status"], "done", "{reverted:#}");
    let ops = doc(&env, &["op", "log", "--json"], 0);
    assert_eq!(ops["operations"].as_array().map(Vec::len), Some(3));
    doc(&env, &["op", "log", "--all", "--json"], 0);
    let one = doc(&env, &["op", "show", "1", "--json"], 0);
    assert_eq!(one["op"], 1);

    // Refused: a file the last operation deleted is back, written by hand, and a file edited
    // by hand after the point.
    env.write("new.txt", "by hand\n");
    let refused = doc(&env, &["undo", "--json"], 1);
    assert_eq!(refused["status"], "refused", "{refused:#}");
    env.append("a.txt", "by hand again\n");
    let refused = doc(&env, &["rewind", "p1", "--json"], 1);
    assert_eq!(refused["status"], "refused", "{refused:#}");

    // An operation interrupted midway, then recovered.
    let r = env.run_with_stdin_env(
        &["rewind", "p1", "--include-external"],
        b"",
        &[("REIN_TEST_FAULT", "op-abort-after:1")],
    );
    assert_ne!(r.code, 0, "the fault aborts the process");
    let recovered = doc(&env, &["op", "recover", "--json"], 0);
    assert_eq!(recovered["operation"], "recover", "{recovered:#}");

    // The scanner's report.
    doc(&env, &["scan", "--json", "--fail-on", "never"], 0);
    doc(
        &env,
        &["scan", "--format", "json", "--fail-on", "never", "."],
        0,
    );
    let r = env.run(&["scan", "--write-baseline", "baseline.json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let baseline: Value =
        serde_json::from_str(&env.read("baseline.json")).expect("the baseline is JSON");
    assert_eq!(baseline["schema"], SCHEMA, "{baseline:#}");
}

#[test]
fn a_revert_that_conflicts_prints_its_conflicts() {
    let env = recorded();
    // A later change to the line step 2 wrote.
    env.edit_step(S, "toolu_e6", "a.txt", "ONE", "uno");
    let conflict = doc(&env, &["revert", "2", "--json"], 1);
    assert_eq!(conflict["status"], "conflict", "{conflict:#}");
    assert_eq!(conflict["conflicts"][0]["path"], "a.txt", "{conflict:#}");
    let marked = doc(&env, &["revert", "2", "--conflict-markers", "--json"], 1);
    assert_eq!(marked["status"], "conflict_markers", "{marked:#}");
}

#[test]
fn a_policy_that_does_not_load_is_a_lint_document_too() {
    let env = TestEnv::new();
    env.write(".rein/policy/broken.cedar", "forbid (principal,\n");
    let lint = doc(&env, &["policy", "lint", "--json"], 1);
    assert_eq!(lint["ok"], false, "{lint:#}");
    env.write(
        ".rein/policy/broken.cedar",
        "@id(\"dead\")\nforbid (principal, action == Rein::Action::\"read\", resource is Rein::Host);\n",
    );
    let lint = doc(&env, &["policy", "lint", "--json"], 1);
    assert_eq!(lint["warnings"][0]["rule"], "dead", "{lint:#}");
}

#[test]
fn steps_without_a_prompt_and_a_rename() {
    let env = recorded();
    // A second session whose step comes before any prompt, and renames a file.
    let s2 = "sess-json-0002";
    env.hook_ok(&env.session_start(s2));
    env.bash_step(s2, "toolu_mv", "mv new.txt moved.txt", || {
        std::fs::rename(env.path("new.txt"), env.path("moved.txt")).expect("rename");
    });
    let log = doc(&env, &["log", "--session", "s2", "--json"], 0);
    let turn = &log["sessions"][0]["turns"][0];
    assert_eq!(turn["prompt_ref"], Value::Null, "{log:#}");
    assert!(turn.get("time").is_none(), "no prompt, no time: {log:#}");
    let files = &turn["steps"][0]["files"];
    assert_eq!(files[0]["change"], "renamed", "{log:#}");
    assert_eq!(files[0]["old_path"], "new.txt", "{log:#}");
    let show = doc(&env, &["show", "toolu_mv", "--json"], 0);
    assert_eq!(show["prompt_ref"], Value::Null, "{show:#}");
    assert_eq!(show["files"], *files, "{show:#}");
    // A file not renamed has no old_path at all.
    let first = doc(&env, &["show", "1", "--json"], 0);
    assert!(first["files"][0].get("old_path").is_none(), "{first:#}");
}
