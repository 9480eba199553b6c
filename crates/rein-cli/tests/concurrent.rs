//! Several agents in one work tree: a change made by a step in flight (PreToolUse recorded,
//! PostToolUse not yet) is never recorded as external by another session's walk; a step whose
//! PostToolUse never comes is closed and given what it changed; external edits between steps are
//! still external. The randomized stress test is in `concurrent_stress.rs`.

mod common;

use common::{TestEnv, all_steps};
use serde_json::{Value, json};

const A: &str = "sess-a";
const B: &str = "sess-b";

fn installed() -> TestEnv {
    let env = TestEnv::new();
    env.write(".gitignore", "/.claude/settings.local.json\n");
    env.write("README.md", "# Demo\n");
    env.write("h.txt", "human\n");
    let (_, stderr, code) = env.rein(&["init"]);
    assert_eq!((code, stderr.as_str()), (0, ""), "rein init");
    env
}

fn begin(env: &TestEnv, session: &str) {
    env.hook_ok(&env.session_start(session));
    env.hook_ok(&env.prompt(session, &format!("{session}-p1"), "go"));
}

fn step(log: &Value, tool_use_id: &str) -> Value {
    all_steps(log)
        .into_iter()
        .find(|s| s["tool_use_id"] == tool_use_id)
        .unwrap_or_else(|| panic!("no step {tool_use_id} in {log:#}"))
}

fn files(step: &Value) -> Vec<(String, String)> {
    step["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| {
            (
                f["path"].as_str().expect("path").to_owned(),
                f["change"].as_str().expect("change").to_owned(),
            )
        })
        .collect()
}

/// Every external change recorded, as (path, change).
fn externals(log: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for s in log["sessions"].as_array().expect("sessions") {
        for e in s["external"].as_array().expect("external") {
            out.push((
                e["path"].as_str().expect("path").to_owned(),
                e["change"].as_str().expect("change").to_owned(),
            ));
        }
    }
    out.sort();
    out
}

fn log(env: &TestEnv) -> Value {
    env.json(&["log", "--all", "--json"])
}

fn owned(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(p, c)| ((*p).to_owned(), (*c).to_owned()))
        .collect()
}

/// The audit record of the last event named `kind` (e.g. `claude-code.UserPromptSubmit`).
fn last_record(env: &TestEnv, kind: &str) -> Value {
    env.audit_records()
        .into_iter()
        .rev()
        .find(|r| r["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} record"))
}

#[test]
fn regression_a_write_in_flight_was_recorded_as_external_by_another_sessions_walk() {
    let env = installed();
    begin(&env, A);
    begin(&env, B);
    let input = json!({"file_path": env.abs("a.txt"), "content": "from a\n"});
    env.hook_ok(&env.pre(A, "toolu_a1", "Write", input.clone()));
    env.write("a.txt", "from a\n");
    // B's next prompt walks the tree while A's Write is in flight.
    env.hook_ok(&env.prompt(B, "sess-b-p2", "more"));
    env.hook_ok(&env.post(A, "toolu_a1", "Write", input, 3));
    let log = log(&env);
    assert_eq!(files(&step(&log, "toolu_a1")), owned(&[("a.txt", "added")]));
    assert_eq!(externals(&log), vec![], "nothing external happened");
    // B's walk says what it left to the step in flight.
    let record = last_record(&env, "claude-code.UserPromptSubmit");
    assert_eq!(
        record["data"]["held"]["paths"],
        json!(["a.txt"]),
        "{record:#}"
    );
    // Blame names the step, not "external".
    let blame = env.json(&["blame", "a.txt", "--json"]);
    assert_eq!(blame["lines"][0]["origin"], "agent", "{blame:#}");
    assert_eq!(env.json(&["audit", "verify", "--json"])["ok"], true);
}

#[test]
fn a_shell_step_in_flight_holds_only_the_paths_its_command_writes() {
    let env = installed();
    begin(&env, A);
    begin(&env, B);
    let cmd = "echo one > a.txt && rm README.md";
    let input = json!({"command": cmd, "description": "test"});
    env.hook_ok(&env.pre(A, "toolu_sh", "Bash", input.clone()));
    env.write("a.txt", "one\n");
    env.remove("README.md");
    env.write("h.txt", "human edit\n");
    env.hook_ok(&env.prompt(B, "sess-b-p2", "more"));
    env.hook_ok(&env.post(A, "toolu_sh", "Bash", input, 9));
    let log = log(&env);
    assert_eq!(
        files(&step(&log, "toolu_sh")),
        owned(&[("README.md", "deleted"), ("a.txt", "added")])
    );
    // The human's edit, made while the step ran, is external all the same: the command cannot
    // have written h.txt.
    assert_eq!(externals(&log), owned(&[("h.txt", "modified")]));
    let record = last_record(&env, "claude-code.UserPromptSubmit");
    assert_eq!(record["data"]["held"]["count"], 2, "{record:#}");
    assert_eq!(
        record["data"]["in_flight"],
        json!([step(&log, "toolu_sh")["step"]])
    );
}

#[test]
fn a_change_during_an_unbounded_command_goes_to_it_and_the_record_says_what_was_in_flight() {
    let env = installed();
    begin(&env, A);
    begin(&env, B);
    // rein cannot bound what `make` writes: while it runs, every change is held for it.
    let input = json!({"command": "make", "description": "build"});
    env.hook_ok(&env.pre(A, "toolu_make", "Bash", input.clone()));
    env.write("out.bin", "built\n");
    env.hook_ok(&env.prompt(B, "sess-b-p2", "more"));
    let record = last_record(&env, "claude-code.UserPromptSubmit");
    assert_eq!(record["data"]["held"]["paths"], json!(["out.bin"]));
    env.hook_ok(&env.post(A, "toolu_make", "Bash", input, 900));
    let log = log(&env);
    assert_eq!(
        files(&step(&log, "toolu_make")),
        owned(&[("out.bin", "added")])
    );
    assert_eq!(externals(&log), vec![]);
}

#[test]
fn an_edit_between_steps_is_still_external() {
    let env = installed();
    begin(&env, A);
    env.write_step(A, "toolu_w", "a.txt", "a\n");
    env.write("h.txt", "edited by hand\n");
    begin(&env, B);
    let log = log(&env);
    assert_eq!(files(&step(&log, "toolu_w")), owned(&[("a.txt", "added")]));
    assert_eq!(externals(&log), owned(&[("h.txt", "modified")]));
    let record = last_record(&env, "claude-code.UserPromptSubmit");
    assert!(record["data"].get("in_flight").is_none(), "{record:#}");
}

#[test]
fn a_step_whose_post_never_came_is_closed_at_stop_with_its_changes() {
    let env = installed();
    begin(&env, A);
    begin(&env, B);
    let input = json!({"file_path": env.abs("a.txt"), "content": "lost\n"});
    env.hook_ok(&env.pre(A, "toolu_lost", "Write", input));
    env.write("a.txt", "lost\n");
    // PostToolUse never arrives (its hook was killed). B walks meanwhile.
    env.hook_ok(&env.prompt(B, "sess-b-p2", "more"));
    assert_eq!(step(&log(&env), "toolu_lost")["outcome"], "pending");
    env.hook_ok(&env.stop(A));
    let log = log(&env);
    let s = step(&log, "toolu_lost");
    assert_eq!(s["outcome"], "lost", "{s:#}");
    assert_eq!(files(&s), owned(&[("a.txt", "added")]));
    assert_eq!(externals(&log), vec![]);
    let record = last_record(&env, "claude-code.Stop");
    assert_eq!(
        record["data"]["closed"],
        json!([{"step": s["step"], "outcome": "lost"}])
    );
    let shown = env.run(&["show", &s["step"].to_string()]).stdout;
    assert!(shown.contains("outcome: lost"), "{shown}");
    assert!(shown.contains("no result was reported"), "{shown}");
}

#[test]
fn a_sub_agents_step_is_closed_when_that_sub_agent_stops_and_not_before() {
    let env = installed();
    begin(&env, A);
    let sub = |mut v: Value, agent: &str| {
        v["agent_id"] = json!(agent);
        v["agent_type"] = json!("general-purpose");
        v
    };
    let in1 = json!({"file_path": env.abs("s1.txt"), "content": "1\n"});
    let in2 = json!({"file_path": env.abs("s2.txt"), "content": "2\n"});
    env.hook_ok(&sub(env.pre(A, "toolu_s1", "Write", in1), "agent-1"));
    env.write("s1.txt", "1\n");
    env.hook_ok(&sub(
        env.pre(A, "toolu_s2", "Write", in2.clone()),
        "agent-2",
    ));
    env.write("s2.txt", "2\n");
    // Sub-agent 1's Post is lost; sub-agent 2 is still working when sub-agent 1 stops.
    let stop1 = env.event(
        A,
        "SubagentStop",
        json!({"agent_id": "agent-1", "agent_type": "general-purpose", "stop_hook_active": false}),
    );
    env.hook_ok(&stop1);
    let l = log(&env);
    assert_eq!(step(&l, "toolu_s1")["outcome"], "lost");
    assert_eq!(files(&step(&l, "toolu_s1")), owned(&[("s1.txt", "added")]));
    assert_eq!(step(&l, "toolu_s2")["outcome"], "pending");
    assert_eq!(files(&step(&l, "toolu_s2")), vec![]);
    env.hook_ok(&sub(env.post(A, "toolu_s2", "Write", in2, 2), "agent-2"));
    let l = log(&env);
    assert_eq!(step(&l, "toolu_s2")["outcome"], "ok");
    assert_eq!(files(&step(&l, "toolu_s2")), owned(&[("s2.txt", "added")]));
    assert_eq!(externals(&l), vec![]);
}

#[test]
fn a_rewind_of_a_step_done_while_another_ran_restores_its_files() {
    let env = installed();
    begin(&env, A);
    begin(&env, B);
    let input = json!({"file_path": env.abs("a.txt"), "content": "v1\n"});
    env.hook_ok(&env.pre(A, "toolu_r", "Write", input.clone()));
    env.write("a.txt", "v1\n");
    env.hook_ok(&env.prompt(B, "sess-b-p2", "more"));
    env.hook_ok(&env.post(A, "toolu_r", "Write", input, 3));
    let id = step(&log(&env), "toolu_r")["step"].to_string();
    let r = env.run(&["rewind", &id]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(!env.path("a.txt").exists(), "the step's file is rewound");
}

/// Runs hook payloads from a separate, short-lived "agent" process (python3), which writes
/// `file` (as its tool would) right after the last payload, then exits without a PostToolUse:
/// the agent is gone.
fn agent_that_dies(env: &TestEnv, payloads: &[Value], file: &str, content: &str) {
    let dir = env.root.join("payloads");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let mut paths = Vec::new();
    for (i, p) in payloads.iter().enumerate() {
        let path = dir.join(format!("{i}.json"));
        std::fs::write(&path, p.to_string()).expect("payload");
        paths.push(path.display().to_string());
    }
    let script = r#"
import subprocess, sys
rein, target, content = sys.argv[1], sys.argv[2], sys.argv[3]
for payload in sys.argv[4:]:
    with open(payload, 'rb') as f:
        subprocess.run([rein, 'hook', 'claude-code'], stdin=f, check=True,
                       stdout=subprocess.DEVNULL)
with open(target, 'w') as f:
    f.write(content)
"#;
    let status = env
        .command("python3")
        .arg("-c")
        .arg(script)
        .arg(common::rein_bin())
        .arg(env.path(file))
        .arg(content)
        .args(&paths)
        .status()
        .expect("python3");
    assert!(status.success());
}

#[test]
fn a_step_whose_agent_died_is_closed_by_the_next_walk_with_its_changes() {
    let env = installed();
    let input = json!({"file_path": env.abs("a.txt"), "content": "by a\n"});
    agent_that_dies(
        &env,
        &[
            env.session_start(A),
            env.prompt(A, "sess-a-p1", "go"),
            env.pre(A, "toolu_dead", "Write", input),
        ],
        "a.txt",
        "by a\n",
    );
    assert_eq!(step(&log(&env), "toolu_dead")["outcome"], "pending");
    // Another session's walk finds the agent gone: the step is closed and given its file.
    begin(&env, B);
    let l = log(&env);
    let s = step(&l, "toolu_dead");
    assert_eq!(s["outcome"], "lost", "{s:#}");
    assert_eq!(files(&s), owned(&[("a.txt", "added")]));
    assert_eq!(externals(&l), vec![]);
}

#[test]
fn doctor_closes_the_steps_of_an_agent_that_is_gone() {
    let env = installed();
    let input = json!({"command": "echo x > b.txt", "description": "write"});
    agent_that_dies(
        &env,
        &[
            env.session_start(A),
            env.prompt(A, "sess-a-p1", "go"),
            env.pre(A, "toolu_gone", "Bash", input),
        ],
        "b.txt",
        "x\n",
    );
    let doctor = env.run(&["doctor"]).stdout;
    assert!(
        doctor.contains("closed 1 step(s)") && doctor.contains("whose agent process is gone"),
        "{doctor}"
    );
    let l = log(&env);
    let s = step(&l, "toolu_gone");
    assert_eq!(s["outcome"], "lost");
    assert_eq!(files(&s), owned(&[("b.txt", "added")]));
    let record = last_record(&env, "rein.steps.closed");
    assert_eq!(
        record["data"]["closed"],
        json!([{"step": s["step"], "outcome": "lost"}])
    );
    // Nothing left to close: a second doctor says nothing about it.
    assert!(!env.run(&["doctor"]).stdout.contains("in flight"));
}

#[test]
fn a_live_agent_keeps_its_step_in_flight() {
    let env = installed();
    begin(&env, A);
    let input = json!({"file_path": env.abs("c.txt"), "content": "c\n"});
    // The hooks run from this test process, which is alive: the step stays in flight.
    env.hook_ok(&env.pre(A, "toolu_alive", "Write", input.clone()));
    env.write("c.txt", "c\n");
    assert!(!env.run(&["doctor"]).stdout.contains("closed"));
    begin(&env, B);
    assert_eq!(step(&log(&env), "toolu_alive")["outcome"], "pending");
    env.hook_ok(&env.post(A, "toolu_alive", "Write", input, 3));
    assert_eq!(
        files(&step(&log(&env), "toolu_alive")),
        owned(&[("c.txt", "added")])
    );
}

#[test]
fn a_step_whose_post_was_lost_is_closed_by_the_threads_next_step() {
    let env = installed();
    begin(&env, A);
    begin(&env, B);
    let input = json!({"file_path": env.abs("d.txt"), "content": "d\n"});
    env.hook_ok(&env.pre(A, "toolu_first", "Write", input));
    env.write("d.txt", "d\n");
    env.hook_ok(&env.prompt(B, "sess-b-p2", "walk"));
    // A's next step starts: its previous one is over, and is given its file.
    env.write_step(A, "toolu_second", "e.txt", "e\n");
    let l = log(&env);
    assert_eq!(step(&l, "toolu_first")["outcome"], "lost");
    assert_eq!(
        files(&step(&l, "toolu_first")),
        owned(&[("d.txt", "added")])
    );
    assert_eq!(
        files(&step(&l, "toolu_second")),
        owned(&[("e.txt", "added")])
    );
    assert_eq!(externals(&l), vec![]);
}

#[test]
fn a_step_of_an_agent_rein_cannot_watch_is_closed_after_hours() {
    let env = installed();
    begin(&env, A);
    let input = json!({"file_path": env.abs("f.txt"), "content": "f\n"});
    env.hook_ok(&env.pre(A, "toolu_old", "Write", input));
    env.write("f.txt", "f\n");
    // Its agent could not be told (hooks disagreed on it), and it started seven hours ago.
    let db = rusqlite::Connection::open(env.rein_home.join("rein.db")).expect("store");
    db.execute(
        "UPDATE steps SET agent_pid = NULL, started_at = started_at - 7 * 3600 * 1000000
          WHERE tool_use_id = 'toolu_old'",
        [],
    )
    .expect("age the step");
    begin(&env, B);
    let l = log(&env);
    assert_eq!(step(&l, "toolu_old")["outcome"], "lost");
    assert_eq!(files(&step(&l, "toolu_old")), owned(&[("f.txt", "added")]));
}

#[test]
fn parallel_sub_agent_calls_are_not_closed_by_each_other() {
    let env = installed();
    begin(&env, A);
    let one = json!({"description": "one", "prompt": "do one", "subagent_type": "general-purpose"});
    let two = json!({"description": "two", "prompt": "do two", "subagent_type": "general-purpose"});
    env.hook_ok(&env.pre(A, "toolu_agent1", "Agent", one.clone()));
    env.hook_ok(&env.pre(A, "toolu_agent2", "Agent", two.clone()));
    // The first is still running: a tool that changes nothing by itself is never closed early.
    assert_eq!(step(&log(&env), "toolu_agent1")["outcome"], "pending");
    env.hook_ok(&env.post(A, "toolu_agent2", "Agent", two, 900));
    env.hook_ok(&env.post(A, "toolu_agent1", "Agent", one, 1000));
    let l = log(&env);
    for id in ["toolu_agent1", "toolu_agent2"] {
        assert_eq!(step(&l, id)["outcome"], "ok");
    }
    let shown = env
        .run(&["show", &step(&l, "toolu_agent1")["step"].to_string()])
        .stdout;
    assert!(!shown.contains("error:"), "{shown}");
}
