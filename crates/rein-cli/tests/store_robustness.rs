//! The store under stress: many hook processes at once, hook processes killed mid-run, and an
//! audit log tampered with after the fact.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Barrier;
use std::time::{Duration, Instant};

use common::{TestEnv, all_steps, event_in};
use serde_json::{Value, json};

/// A small deterministic PRNG (xorshift64*), so that every run draws the same "random" numbers.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

// ---------------------------------------------------------------------------------------------
// concurrency

const THREADS: usize = 8;
const HOOKS_PER_THREAD: usize = 25;

/// The payloads one thread sends, in order: a Notification (recorded, no capture), then Pre/Post
/// pairs of Write steps, each writing a file of its own.
fn thread_plan(env: &TestEnv, t: usize, repo: &Path) -> Vec<(Value, Option<(PathBuf, String)>)> {
    // Threads 0-3 each have a session of their own; threads 4 and 6 share one session in the
    // first repository, 5 and 7 one in the second.
    let session = if t < 4 {
        format!("sess-own-{t}")
    } else {
        format!("sess-shared-{}", t % 2)
    };
    let mut plan = vec![(
        event_in(
            repo,
            &env.home,
            &session,
            "Notification",
            json!({"message": "working", "notification_type": "idle_prompt"}),
        ),
        None,
    )];
    // Threads that share a session are its parallel sub-agents: one agent thread runs its tools
    // one at a time, so two threads of one session must be two sub-agents.
    let sub_agent = (t >= 2).then(|| json!(format!("agent-{t}")));
    for i in 0..(HOOKS_PER_THREAD - 1) / 2 {
        let file = repo.join(format!("t{t}/f{i}.txt"));
        let content = format!("thread {t} file {i}\n");
        let input = json!({"file_path": file, "content": content});
        let id = format!("toolu_t{t}_{i}");
        plan.push((
            event_in(
                repo,
                &env.home,
                &session,
                "PreToolUse",
                json!({"tool_name": "Write", "tool_input": input, "tool_use_id": id,
                       "agent_id": sub_agent}),
            ),
            None,
        ));
        plan.push((
            event_in(
                repo,
                &env.home,
                &session,
                "PostToolUse",
                json!({"tool_name": "Write", "tool_input": input, "tool_use_id": id,
                       "tool_response": {"type": "create"}, "duration_ms": 1,
                       "agent_id": sub_agent}),
            ),
            Some((file, content)),
        ));
    }
    assert_eq!(plan.len(), HOOKS_PER_THREAD);
    plan
}

#[test]
fn concurrent_hooks_in_two_repos_sharing_one_store_lose_nothing() {
    let env = TestEnv::new();
    let repo_b = env.add_repo("repo-b");
    let repos = [env.repo.clone(), repo_b.clone()];
    let plans: Vec<_> = (0..THREADS)
        .map(|t| thread_plan(&env, t, &repos[t % 2]))
        .collect();
    let barrier = Barrier::new(THREADS);
    let started = Instant::now();
    let failures: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = plans
            .iter()
            .enumerate()
            .map(|(t, plan)| {
                let env = &env;
                let barrier = &barrier;
                let repo = &repos[t % 2];
                scope.spawn(move || {
                    let mut failures = Vec::new();
                    barrier.wait();
                    for (payload, effect) in plan {
                        // A Post follows the tool's effect on disk.
                        if let Some((path, content)) = effect {
                            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
                            std::fs::write(path, content).expect("write");
                        }
                        let r = env.hook_in(repo, payload);
                        if r.code != 0 || !r.stdout.is_empty() || !r.stderr.is_empty() {
                            failures.push(format!(
                                "thread {t}: {} exited {} stdout {:?} stderr {:?}",
                                payload["hook_event_name"], r.code, r.stdout, r.stderr
                            ));
                        }
                    }
                    failures
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("thread"))
            .collect()
    });
    let elapsed = started.elapsed();
    assert_eq!(failures, Vec::<String>::new(), "hooks failed or printed");
    eprintln!(
        "{} hook processes on {THREADS} threads in {elapsed:?}",
        THREADS * HOOKS_PER_THREAD
    );

    // Every event is in the audit log, exactly once.
    let records = env.audit_records();
    assert_eq!(records.len(), THREADS * HOOKS_PER_THREAD);
    let count = |kind: &str| records.iter().filter(|r| r["kind"] == kind).count();
    assert_eq!(count("claude-code.Notification"), THREADS);
    assert_eq!(count("claude-code.PreToolUse"), THREADS * 12);
    assert_eq!(count("claude-code.PostToolUse"), THREADS * 12);
    let seqs: Vec<i64> = records
        .iter()
        .map(|r| r["seq"].as_i64().expect("seq"))
        .collect();
    assert_eq!(
        seqs,
        (1..=(THREADS * HOOKS_PER_THREAD) as i64).collect::<Vec<_>>()
    );

    // Every step is recorded, complete, with exactly its own file.
    let log = env.json(&["log", "--all", "--json", "-n", "1000"]);
    let sessions = log["sessions"].as_array().expect("sessions");
    assert_eq!(sessions.len(), 6);
    let steps = all_steps(&log);
    assert_eq!(steps.len(), THREADS * 12);
    for step in &steps {
        let id = step["tool_use_id"].as_str().expect("id");
        let (t, i) = id
            .strip_prefix("toolu_t")
            .and_then(|r| r.split_once('_'))
            .expect("toolu_t<T>_<I>");
        assert_eq!(step["outcome"], "ok", "{step}");
        assert_eq!(
            step["files"],
            json!([{"path": format!("t{t}/f{i}.txt"), "change": "added"}]),
            "{step}"
        );
    }
    for s in sessions {
        let n: usize = s["turns"]
            .as_array()
            .expect("turns")
            .iter()
            .map(|t| t["steps"].as_array().expect("steps").len())
            .sum();
        let id = s["session_id"].as_str().expect("session id");
        let expected = if id.starts_with("sess-shared-") {
            24
        } else {
            12
        };
        assert_eq!(n, expected, "{id}");
        let repo = if id == "sess-shared-0" || id == "sess-own-0" || id == "sess-own-2" {
            &repos[0]
        } else {
            &repos[1]
        };
        assert_eq!(s["worktree"], repo.to_str().expect("utf8"), "{id}");
    }

    let (stdout, stderr, code) = env.rein(&["audit", "verify"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stdout.starts_with("audit log intact: 200 records"),
        "{stdout}"
    );
    // And no failure was logged on the side.
    // (`rein doctor` fails here only because no hooks are installed.)
    let doctor: Value = serde_json::from_str(&env.run(&["doctor", "--json"]).stdout).expect("JSON");
    assert_eq!(
        doctor["checks"][0]["detail"],
        "rein's hooks are not installed for this directory"
    );
    assert!(
        !doctor["checks"]
            .as_array()
            .expect("checks")
            .iter()
            .any(|c| c["check"] == "failures" || c["check"] == "spool"),
        "{doctor:#}"
    );
}

/// Regression: on a new store, `PRAGMA journal_mode=WAL` failed at once with "database is
/// locked" (SQLite skips the busy handler when a read upgrades to a write) while another process
/// held the write lock, e.g. its own switch to WAL: concurrent first hooks lost events to the
/// spool. The hook must wait for the lock instead.
#[test]
fn regression_fresh_store_database_is_locked_during_wal_switch() {
    let env = TestEnv::new();
    std::fs::create_dir_all(&env.rein_home).expect("mkdir");
    // Another process has just created the database and holds its write lock.
    let conn = rusqlite::Connection::open(env.rein_home.join("rein.db")).expect("open");
    conn.execute_batch("BEGIN IMMEDIATE").expect("lock");
    let payload = env.event("sess-fresh", "Notification", json!({"message": "hi"}));
    let mut child = env.spawn_hook(&env.repo, &payload);
    std::thread::sleep(Duration::from_millis(300));
    let waited = child.try_wait().expect("try_wait").is_none();
    conn.execute_batch("ROLLBACK").expect("unlock");
    drop(conn);
    let out = child.wait_with_output().expect("wait");
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "",
        "the hook gave up instead of waiting"
    );
    assert!(out.status.success());
    assert!(waited, "the hook did not wait for the lock");
    let records = env.audit_records();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["kind"], "claude-code.Notification");
}

// ---------------------------------------------------------------------------------------------
// crashes

const CRASH_ITERATIONS: usize = 30;

/// Fills the repository with a few hundred files in nested directories.
fn populate(env: &TestEnv, files: usize) {
    for i in 0..files {
        let body = format!("file {i}\n").repeat(50);
        env.write(&format!("d{}/e{}/f{i}.txt", i % 7, i % 3), &body);
    }
}

#[test]
fn hooks_killed_mid_run_leave_a_consistent_store() {
    let env = TestEnv::new();
    populate(&env, 300);
    let (_, stderr, code) = env.rein(&["init"]);
    assert_eq!((code, stderr.as_str()), (0, ""), "rein init");
    let session = "sess-crash";
    env.hook_ok(&env.prompt(session, "prompt-1", "Churn"));

    // The Bash step's effect: rewrite a tenth of the files, add one, delete one.
    let churn = |it: usize| {
        for k in 0..30 {
            let i = (it * 30 + k) % 300;
            env.write(
                &format!("d{}/e{}/f{i}.txt", i % 7, i % 3),
                &format!("iteration {it} file {i}\n").repeat(60),
            );
        }
        env.write(&format!("new/n{it}.txt"), &format!("new {it}\n"));
        if it > 0 {
            env.remove(&format!("new/n{}.txt", it - 1));
        }
        let input = json!({"command": format!("./churn.sh {it}")});
        env.post(session, &format!("toolu_crash_{it}"), "Bash", input, 100)
    };

    // How long such a hook takes here and now, so that the kills fall all over its run, the
    // commit included: after 0-15 ms, or up to 1.5 times a normal run on a slow or busy machine.
    let mut runs: Vec<Duration> = (0..3)
        .map(|it| {
            let payload = churn(it);
            let started = Instant::now();
            let out = env
                .spawn_hook(&env.repo, &payload)
                .wait_with_output()
                .expect("wait");
            assert!(out.status.success() && out.stderr.is_empty(), "{out:?}");
            started.elapsed()
        })
        .collect();
    runs.sort();
    let max_delay_ms = (runs[1].as_millis() as u64 * 3 / 2).max(15);

    let mut rng = Rng(0x5eed_1234_abcd_0042);
    let mut landed = 0;
    let mut finished = 0;
    for it in 3..3 + CRASH_ITERATIONS {
        let payload = churn(it);
        let mut child = env.spawn_hook(&env.repo, &payload);
        std::thread::sleep(Duration::from_millis(rng.below(max_delay_ms + 1)));
        if child.try_wait().expect("try_wait").is_none() {
            child.kill().expect("kill");
        }
        let status = child.wait().expect("wait");
        use std::os::unix::process::ExitStatusExt;
        match status.signal() {
            Some(9) => landed += 1,
            None if status.success() => finished += 1,
            _ => panic!("iteration {it}: unexpected exit {status:?}"),
        }
    }
    eprintln!(
        "{landed} of {CRASH_ITERATIONS} hooks were killed mid-run, {finished} finished first \
         (a normal run took {:?}; kills after 0-{max_delay_ms} ms)",
        runs[1]
    );
    assert_eq!(landed + finished, CRASH_ITERATIONS);
    assert!(
        landed >= 5,
        "only {landed} kills landed mid-run: the hook is too fast for this test to mean much"
    );

    // The chain is intact and SQLite finds no damage.
    let (stdout, stderr, code) = env.rein(&["audit", "verify"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let doctor = env.run(&["doctor"]);
    assert!(
        doctor.stdout.contains("[ok  ] store: ") && doctor.stdout.contains("[ok  ] audit: "),
        "{}",
        doctor.stdout
    );
    let conn = rusqlite::Connection::open(env.rein_home.join("rein.db")).expect("open");
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity_check");
    assert_eq!(check, "ok");
    // Every committed Post has its step, and no step exists without its event.
    let posts: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM audit WHERE kind = 'claude-code.PostToolUse'",
            [],
            |r| r.get(0),
        )
        .expect("count");
    let steps: i64 = conn
        .query_row("SELECT COUNT(*) FROM steps", [], |r| r.get(0))
        .expect("count");
    assert_eq!(posts, steps);
    let committed = steps as usize - 3;
    assert!(
        committed >= finished,
        "{committed} committed, {finished} finished"
    );
    eprintln!(
        "{} killed hooks had committed their event before the kill",
        committed - finished
    );
    drop(conn);

    // A normal hook still works, and its step gets exactly what it changed since the last
    // committed capture.
    env.hook_ok(&env.stop(session));
    env.bash_step(session, "toolu_after", "echo done > final.txt", || {
        env.write("final.txt", "done\n")
    });
    let log = env.json(&["log", "--json"]);
    let after = all_steps(&log)
        .into_iter()
        .find(|s| s["tool_use_id"] == "toolu_after")
        .expect("the step after the crashes");
    assert_eq!(after["outcome"], "ok");
    assert_eq!(
        after["files"],
        json!([{"path": "final.txt", "change": "added"}])
    );
    let (stdout, stderr, code) = env.rein(&["audit", "verify"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
}

// ---------------------------------------------------------------------------------------------
// tampering

/// A store with a short session: baseline, SessionStart, prompt, a Write step, Stop (6 records).
fn recorded() -> TestEnv {
    let env = TestEnv::new();
    env.write("README.md", "# Demo\n");
    let (_, stderr, code) = env.rein(&["init"]);
    assert_eq!((code, stderr.as_str()), (0, ""), "rein init");
    env.hook_ok(&env.session_start("sess-t"));
    env.hook_ok(&env.prompt("sess-t", "prompt-1", "Write a file"));
    env.write_step("sess-t", "toolu_w", "a.txt", "a\n");
    env.hook_ok(&env.stop("sess-t"));
    env
}

fn export(env: &TestEnv) -> (PathBuf, Vec<String>) {
    let file = env.root.join("audit.jsonl");
    let (stdout, stderr, code) = env.rein(&["audit", "export", "-o", file.to_str().expect("utf8")]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, "");
    assert_eq!(
        env.filter(&stderr),
        "exported 6 records to [TMP]/audit.jsonl\n"
    );
    let text = std::fs::read_to_string(&file).expect("read export");
    let lines: Vec<String> = text.lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), 7, "6 records and a trailer");
    (file, lines)
}

/// Writes `lines` to a new file and runs `rein audit verify --file` on it.
fn verify_lines(env: &TestEnv, name: &str, lines: &[String]) -> String {
    let file = env.root.join(name);
    std::fs::write(&file, lines.join("\n") + "\n").expect("write");
    env.snap(&["audit", "verify", "--file", file.to_str().expect("utf8")])
}

#[test]
fn untouched_export_verifies() {
    let env = recorded();
    let (file, _) = export(&env);
    insta::assert_snapshot!(
        env.snap(&["audit", "verify", "--file", file.to_str().expect("utf8")]),
        @r"
        exit: 0
        --- stdout
        audit log intact: 6 records, head [HASH]
    "
    );
    let v = env.json(&["audit", "verify", "--json"]);
    assert_eq!(
        (v["ok"].clone(), v["records"].clone()),
        (json!(true), json!(6))
    );
}

#[test]
fn export_with_a_modified_record_fails_at_its_line() {
    let env = recorded();
    let (_, mut lines) = export(&env);
    let mut rec: Value = serde_json::from_str(&lines[2]).expect("json");
    assert_eq!(rec["seq"], 3);
    assert_eq!(rec["kind"], "claude-code.UserPromptSubmit");
    rec["data"]["payload"]["prompt"] = json!("Something else entirely");
    lines[2] = serde_json::to_string(&rec).expect("json");
    insta::assert_snapshot!(verify_lines(&env, "modified.jsonl", &lines), @r"
        exit: 1
        --- stdout
        audit log TAMPERED: 1 problem(s) in 6 records
          line 3: record 3 was modified: its content does not match its hash
    ");
    // A change of the time alone is caught as well.
    let (_, mut lines) = export(&env);
    let mut rec: Value = serde_json::from_str(&lines[4]).expect("json");
    rec["time_us"] = json!(rec["time_us"].as_i64().expect("time") - 1);
    lines[4] = serde_json::to_string(&rec).expect("json");
    insta::assert_snapshot!(verify_lines(&env, "retimed.jsonl", &lines), @r"
        exit: 1
        --- stdout
        audit log TAMPERED: 1 problem(s) in 6 records
          line 5: record 5 was modified: its content does not match its hash
    ");
}

#[test]
fn export_with_a_removed_record_fails() {
    let env = recorded();
    let (_, mut lines) = export(&env);
    lines.remove(3);
    insta::assert_snapshot!(verify_lines(&env, "removed.jsonl", &lines), @r"
        exit: 1
        --- stdout
        audit log TAMPERED: 2 problem(s) in 5 records
          line 4: record 4 is missing before record 5
          record 6: the trailer counts 6 records but the file holds 5
    ");
    // Removing the newest record (the trailer kept) is caught by the trailer.
    let (_, mut lines) = export(&env);
    lines.remove(5);
    insta::assert_snapshot!(verify_lines(&env, "removed-last.jsonl", &lines), @r"
        exit: 1
        --- stdout
        audit log TAMPERED: 1 problem(s) in 5 records
          record 5: the trailer counts 6 records but the file holds 5
    ");
    // Cutting the file short (the trailer lost) too.
    let (_, mut lines) = export(&env);
    lines.truncate(4);
    insta::assert_snapshot!(verify_lines(&env, "truncated.jsonl", &lines), @r"
        exit: 1
        --- stdout
        audit log TAMPERED: 1 problem(s) in 4 records
          record 4: the export has no trailer: it was cut short
    ");
}

#[test]
fn export_with_a_duplicated_record_fails() {
    let env = recorded();
    let (_, mut lines) = export(&env);
    let dup = lines[2].clone();
    lines.insert(3, dup);
    insta::assert_snapshot!(verify_lines(&env, "duplicated.jsonl", &lines), @r"
        exit: 1
        --- stdout
        audit log TAMPERED: 2 problem(s) in 7 records
          line 4: record 3 appears twice
          record 6: the trailer counts 6 records but the file holds 7
    ");
}

#[test]
fn export_with_two_records_swapped_fails() {
    let env = recorded();
    let (_, mut lines) = export(&env);
    lines.swap(2, 3);
    insta::assert_snapshot!(verify_lines(&env, "swapped.jsonl", &lines), @r"
        exit: 1
        --- stdout
        audit log TAMPERED: 3 problem(s) in 6 records
          line 3: record 3 is missing before record 4
          line 4: record 3 comes after record 4
          line 5: record 4 is missing before record 5
    ");
}

/// Runs SQL against the store behind rein's back.
fn tamper(env: &TestEnv, sql: &str) {
    let conn = rusqlite::Connection::open(env.rein_home.join("rein.db")).expect("open store");
    conn.execute_batch(sql).expect("tamper");
}

#[test]
fn store_with_an_updated_record_fails_verify() {
    let env = recorded();
    tamper(
        &env,
        "UPDATE audit SET data = replace(data, 'Write a file', 'Delete everything') WHERE seq = 3",
    );
    insta::assert_snapshot!(env.snap(&["audit", "verify"]), @r"
        exit: 1
        --- stdout
        audit log TAMPERED: 1 problem(s) in 6 records
          record 3: record 3 was modified: its content does not match its hash
    ");
    let doctor = env.run(&["doctor"]);
    assert_eq!(doctor.code, 1);
    assert!(
        doctor
            .stdout
            .contains("[FAIL] audit: chain broken: record 3 was modified"),
        "{}",
        doctor.stdout
    );
}

#[test]
fn store_with_a_record_rewritten_and_rehashed_fails_at_the_next_link() {
    let env = recorded();
    // A careful forger recomputes the record's own hash; the next record still names the old one.
    let conn = rusqlite::Connection::open(env.rein_home.join("rein.db")).expect("open");
    let (time, kind, data, prev): (i64, String, String, Vec<u8>) = conn
        .query_row(
            "SELECT time, kind, data, prev FROM audit WHERE seq = 3",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .expect("record 3");
    let data = data.replace("Write a file", "Delete everything");
    let prev: [u8; 32] = prev.try_into().expect("32 bytes");
    let hash = rein_core::audit::record_hash(&prev, 3, time, &kind, &data);
    conn.execute(
        "UPDATE audit SET data = ?1, hash = ?2 WHERE seq = 3",
        rusqlite::params![data, &hash[..]],
    )
    .expect("update");
    drop(conn);
    insta::assert_snapshot!(env.snap(&["audit", "verify"]), @r"
        exit: 1
        --- stdout
        audit log TAMPERED: 1 problem(s) in 6 records
          record 4: record 4 does not follow record 3: it was inserted or replaced
    ");
}

#[test]
fn store_with_a_deleted_record_fails_verify() {
    let env = recorded();
    tamper(&env, "DELETE FROM audit WHERE seq = 4");
    insta::assert_snapshot!(env.snap(&["audit", "verify"]), @r"
        exit: 1
        --- stdout
        audit log TAMPERED: 1 problem(s) in 5 records
          record 5: record 4 is missing before record 5
    ");
}

#[test]
fn store_with_the_newest_record_deleted_fails_verify() {
    let env = recorded();
    tamper(&env, "DELETE FROM audit WHERE seq = 6");
    insta::assert_snapshot!(env.snap(&["audit", "verify"]), @r"
        exit: 1
        --- stdout
        audit log TAMPERED: 1 problem(s) in 5 records
          record 5: the store's head says the newest record is 6 ([HASH]), but the log ends at record 5
    ");
}

#[test]
fn store_with_a_record_inserted_fails_verify() {
    let env = recorded();
    tamper(
        &env,
        "INSERT INTO audit (seq, time, kind, data, prev, hash)
         SELECT 7, time + 1, kind, data, prev, hash FROM audit WHERE seq = 6",
    );
    insta::assert_snapshot!(env.snap(&["audit", "verify"]), @r"
        exit: 1
        --- stdout
        audit log TAMPERED: 2 problem(s) in 7 records
          record 7: record 7 was modified: its content does not match its hash
          record 7: the chain is broken at record 7
    ");
}
