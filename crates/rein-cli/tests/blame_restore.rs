//! `rein blame` across rein's own operations: lines a rewind or an undo puts back keep the origin
//! of the step (or baseline) that wrote them, even for a file deleted and brought back.

mod common;

use common::TestEnv;
use serde_json::Value;

const S: &str = "sess-blame-restore-1";

fn installed() -> TestEnv {
    let env = TestEnv::new();
    env.write("src/lib.rs", "one\ntwo\nthree\n");
    env.write("docs/old.md", "obsolete\nbut kept\n");
    env.write("README.md", "# Demo\nintro\n");
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

/// The step number of a tool_use_id and the reference of its prompt, from `rein log --json`.
fn step_of(env: &TestEnv, tool_use_id: &str) -> (i64, String) {
    let log = env.json(&["log", "--json"]);
    for s in log["sessions"].as_array().expect("sessions") {
        for t in s["turns"].as_array().expect("turns") {
            for st in t["steps"].as_array().expect("steps") {
                if st["tool_use_id"] == tool_use_id {
                    let step = st["step"].as_i64().expect("step number");
                    let blame_ref = t["prompt_ref"]
                        .as_str()
                        .map(str::to_owned)
                        .or_else(|| t["id"].as_i64().map(|id| format!("p{id}")))
                        .unwrap_or_else(|| panic!("no prompt reference in {t}"));
                    return (step, blame_ref);
                }
            }
        }
    }
    panic!("no step {tool_use_id}");
}

/// Each line of `rein blame FILE --json` as (text, who): `step N`, `baseline`, `op`, `external`.
fn blame(env: &TestEnv, file: &str) -> Vec<(String, String)> {
    let out = env.json(&["blame", file, "--json"]);
    out["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .map(|l| {
            let who = match l["origin"].as_str().expect("origin") {
                "agent" => format!("step {}", l["step"]),
                other => other.to_owned(),
            };
            (l["text"].as_str().expect("text").to_owned(), who)
        })
        .collect()
}

fn lines(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(t, w)| ((*t).to_owned(), (*w).to_owned()))
        .collect()
}

/// Prompt 1 adds lines to src/lib.rs and creates notes.txt; prompt 2 edits one of the added
/// lines, deletes notes.txt and docs/old.md, and renames README.md. Returns the steps of the two
/// edits of src/lib.rs, notes.txt's step, and prompt 2's reference.
fn two_prompts(env: &TestEnv) -> (String, String, String, String) {
    env.hook_ok(&env.session_start(S));
    env.hook_ok(&env.prompt(S, "p-1", "add lines"));
    env.edit_step(S, "t1", "src/lib.rs", "three\n", "three\nfour\nfive\n");
    env.write_step(S, "t2", "notes.txt", "note a\nnote b\n");
    env.hook_ok(&env.prompt(S, "p-2", "edit a line, clean up"));
    env.edit_step(S, "t3", "src/lib.rs", "four\n", "FOUR\n");
    env.bash_step(
        S,
        "t4",
        "rm notes.txt docs/old.md; mv README.md README.txt",
        || {
            env.remove("notes.txt");
            env.remove("docs/old.md");
            std::fs::rename(env.path("README.md"), env.path("README.txt")).expect("mv");
        },
    );
    env.edit_step(S, "t5", "README.txt", "intro\n", "intro\nmore\n");
    let (t1, _) = step_of(env, "t1");
    let (t2, _) = step_of(env, "t2");
    let (t3, p2) = step_of(env, "t3");
    (
        format!("step {t1}"),
        format!("step {t3}"),
        format!("step {t2}"),
        p2,
    )
}

#[test]
fn blame_survives_rewind_and_undo() {
    let env = installed();
    let (t1, t3, _, p2) = two_prompts(&env);
    let before = lines(&[
        ("one", "baseline"),
        ("two", "baseline"),
        ("three", "baseline"),
        ("FOUR", &t3),
        ("five", &t1),
    ]);
    assert_eq!(blame(&env, "src/lib.rs"), before);

    ok(&env, &["rewind", &p2]);
    assert_eq!(env.read("src/lib.rs"), "one\ntwo\nthree\nfour\nfive\n");
    let rewound = blame(&env, "src/lib.rs");
    assert_eq!(
        rewound,
        lines(&[
            ("one", "baseline"),
            ("two", "baseline"),
            ("three", "baseline"),
            ("four", &t1),
            ("five", &t1),
        ])
    );
    let json = ok(&env, &["blame", "src/lib.rs", "--json"]);
    assert!(!json.contains(r#""origin": "op""#), "{json}");
    assert!(!json.contains(r#""origin":"op""#), "{json}");

    // Undo the rewind: the edited line is prompt 2's again.
    ok(&env, &["undo"]);
    assert_eq!(blame(&env, "src/lib.rs"), before);
    // Undo the undo (the rewind again), and once more.
    ok(&env, &["undo"]);
    assert_eq!(blame(&env, "src/lib.rs"), rewound);
    ok(&env, &["undo"]);
    assert_eq!(blame(&env, "src/lib.rs"), before);

    // A later agent edit on top of restored lines is blamed on that edit only.
    ok(&env, &["rewind", &p2]);
    env.hook_ok(&env.prompt(S, "p-3", "again"));
    env.edit_step(S, "t6", "src/lib.rs", "five\n", "five\nsix\n");
    let (t6, _) = step_of(&env, "t6");
    assert_eq!(
        blame(&env, "src/lib.rs"),
        lines(&[
            ("one", "baseline"),
            ("two", "baseline"),
            ("three", "baseline"),
            ("four", &t1),
            ("five", &t1),
            ("six", &format!("step {t6}")),
        ])
    );
}

#[test]
fn files_deleted_by_a_step_and_brought_back_keep_their_origins() {
    let env = installed();
    let (_, _, t2, p2) = two_prompts(&env);
    let readme_txt = blame(&env, "README.txt");
    let (t5, _) = step_of(&env, "t5");
    assert_eq!(
        readme_txt,
        lines(&[
            ("# Demo", "baseline"),
            ("intro", "baseline"),
            ("more", &format!("step {t5}")),
        ])
    );

    ok(&env, &["rewind", &p2]);
    // Created by a step of prompt 1, deleted in prompt 2, brought back by the rewind.
    assert_eq!(
        blame(&env, "notes.txt"),
        lines(&[("note a", &t2), ("note b", &t2)])
    );
    // In the baseline, deleted by a step, brought back.
    assert_eq!(
        blame(&env, "docs/old.md"),
        lines(&[("obsolete", "baseline"), ("but kept", "baseline")])
    );
    // Renamed away, renamed back.
    assert_eq!(
        blame(&env, "README.md"),
        lines(&[("# Demo", "baseline"), ("intro", "baseline")])
    );
    assert!(!env.path("README.txt").exists());

    // Undo: the rename target, deleted by the rewind, comes back with its history through
    // the rename.
    ok(&env, &["undo"]);
    assert!(!env.path("notes.txt").exists());
    assert_eq!(blame(&env, "README.txt"), readme_txt);

    // And redo the rewind: brought back twice, still the original origins.
    ok(&env, &["undo"]);
    assert_eq!(
        blame(&env, "notes.txt"),
        lines(&[("note a", &t2), ("note b", &t2)])
    );
    assert_eq!(
        blame(&env, "docs/old.md"),
        lines(&[("obsolete", "baseline"), ("but kept", "baseline")])
    );
}

#[test]
fn lines_a_revert_merges_in_are_the_operations_and_the_rest_keep_their_origin() {
    let env = TestEnv::new();
    env.write("src/lib.rs", "one\ntwo\nthree\nfour\nfive\nsix\nseven\n");
    let (_, stderr, code) = env.rein(&["init"]);
    assert_eq!((code, stderr.as_str()), (0, ""), "rein init");
    env.hook_ok(&env.session_start(S));
    env.hook_ok(&env.prompt(S, "p-1", "first"));
    env.edit_step(S, "t1", "src/lib.rs", "two\n", "TWO\n");
    env.hook_ok(&env.prompt(S, "p-2", "second"));
    env.edit_step(S, "t2", "src/lib.rs", "six\n", "SIX\n");
    let (t1, _) = step_of(&env, "t1");
    let t2 = format!("step {}", step_of(&env, "t2").0);
    let before = lines(&[
        ("one", "baseline"),
        ("TWO", &format!("step {t1}")),
        ("three", "baseline"),
        ("four", "baseline"),
        ("five", "baseline"),
        ("SIX", &t2),
        ("seven", "baseline"),
    ]);
    assert_eq!(blame(&env, "src/lib.rs"), before);

    // Reverting t1 keeps t2: a merge no earlier version held, so it is diffed against the
    // version before it. The line it put back is the operation's; the others keep theirs.
    let out: Value = env.json(&["revert", &t1.to_string(), "--json"]);
    assert_eq!(out["status"], "done", "{out}");
    assert_eq!(
        env.read("src/lib.rs"),
        "one\ntwo\nthree\nfour\nfive\nSIX\nseven\n"
    );
    assert_eq!(
        blame(&env, "src/lib.rs"),
        lines(&[
            ("one", "baseline"),
            ("two", "op"),
            ("three", "baseline"),
            ("four", "baseline"),
            ("five", "baseline"),
            ("SIX", &t2),
            ("seven", "baseline"),
        ])
    );

    // Undoing the revert restores the state before it, origins included.
    ok(&env, &["undo"]);
    assert_eq!(blame(&env, "src/lib.rs"), before);
}
