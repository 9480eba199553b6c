//! The engine hosted in-process, as the MCP gateway will host it: thousands of decisions in one
//! process, with panics injected, the store locked and the policy corrupted along the way. The
//! host must survive every one of them, and every decision must be right: what policy says when
//! the engine can decide, a deny when it cannot.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use rein_core::event::{Event, EventKind, ToolCall};
use rein_engine::{Answer, Engine, Fault, Probe, Setup, Tell};
use serde_json::{Value, json};

/// The total number of decisions the host makes.
const DECISIONS: usize = 10_000;

/// A probe that panics inside every `PANIC_EVERY`th decision while `panics` is on.
struct TestProbe {
    calls: AtomicUsize,
    panics: Arc<AtomicBool>,
}

const PANIC_EVERY: usize = 7;

impl Probe for TestProbe {
    fn human(&self, _: Option<&str>, _: &Path) -> Option<String> {
        Some("dev@example.com".into())
    }
    fn fault(&self) -> Option<Fault> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst);
        (self.panics.load(Ordering::SeqCst) && n % PANIC_EVERY == PANIC_EVERY - 1)
            .then_some(Fault::Panic)
    }
}

struct Host {
    _tmp: tempfile::TempDir,
    repo: PathBuf,
    rein_home: PathBuf,
    engine: Engine,
    panics: Arc<AtomicBool>,
}

fn host() -> Host {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().canonicalize().expect("canonical");
    let repo = root.join("repo");
    let home = root.join("home");
    std::fs::create_dir_all(repo.join(".git")).expect("repo");
    std::fs::create_dir_all(&home).expect("home");
    std::fs::write(repo.join(".env"), "TOKEN=x\n").expect("env");
    let rein_home = root.join("rein-home");
    let mut setup = Setup::new(rein_home.clone(), Some(home));
    // A locked store must be answered quickly: the deadline is what the test waits for.
    setup.gate_deadline = Duration::from_millis(1500);
    let panics = Arc::new(AtomicBool::new(false));
    let engine = Engine::new(
        setup,
        TestProbe {
            calls: AtomicUsize::new(0),
            panics: panics.clone(),
        },
    );
    Host {
        _tmp: tmp,
        repo,
        rein_home,
        engine,
        panics,
    }
}

/// The calls the host sees, in turn, with what policy must answer.
fn case(repo: &Path, i: usize) -> (&'static str, Value, Answer) {
    match i % 4 {
        0 => ("Bash", json!({"command": "ls -la"}), Answer::Allow),
        1 => ("Bash", json!({"command": "rm -rf ~"}), Answer::Deny),
        2 => (
            "Read",
            json!({"file_path": repo.join(".env").display().to_string()}),
            Answer::Deny,
        ),
        _ => (
            "Write",
            json!({"file_path": repo.join("src/a.rs").display().to_string(), "content": "fn a() {}\n"}),
            Answer::Allow,
        ),
    }
}

fn pre(repo: &Path, i: usize) -> (Event, Answer) {
    let (tool, input, expect) = case(repo, i);
    let call = ToolCall {
        tool_use_id: format!("toolu_{i:06}"),
        action: rein_agents::claude_code::tools::normalize(tool, &input),
        tool: tool.to_owned(),
        input: input.clone(),
        prompt_id: None,
        agent_id: None,
    };
    let event = Event {
        agent: "claude-code".into(),
        session_id: "host-session".into(),
        cwd: repo.display().to_string(),
        transcript_path: None,
        permission_mode: Some("default".into()),
        name: "PreToolUse".into(),
        kind: EventKind::ToolPre(call),
        raw: json!({"hook_event_name": "PreToolUse", "tool_name": tool, "tool_input": input}),
    };
    (event, expect)
}

/// What the agent is told for a policy answer in enforce mode.
fn told(answer: Answer, tell: &Tell) -> bool {
    matches!(
        (answer, tell),
        (Answer::Allow, Tell::Nothing)
            | (Answer::Ask, Tell::Ask(_))
            | (Answer::Deny, Tell::Deny(_))
    )
}

#[test]
fn ten_thousand_decisions_in_one_process_survive_panics_a_locked_store_and_a_corrupt_policy() {
    // The injected panics are expected: keep them off the test's output (others still print).
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info.payload().downcast_ref::<&str>() != Some(&"injected fault") {
            default_hook(info);
        }
    }));
    let h = host();
    let started = Instant::now();
    let mut i = 0;
    let mut decided = 0;
    let mut failed_closed = 0;

    // Phase 1: panics injected into every 7th decision, on two threads at once.
    h.panics.store(true, Ordering::SeqCst);
    let phase1 = DECISIONS - 300;
    let results: Vec<(usize, Answer, rein_engine::GateVerdict)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..2)
            .map(|t| {
                let (engine, repo) = (h.engine.clone(), h.repo.clone());
                scope.spawn(move || {
                    (0..phase1)
                        .filter(|n| n % 2 == t)
                        .map(|n| {
                            let (event, expect) = pre(&repo, n);
                            (n, expect, engine.gate(event))
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("worker"))
            .collect()
    });
    for (n, expect, verdict) in &results {
        match &verdict.failure {
            Some(f) => {
                assert!(f.contains("injected fault"), "call {n}: {f}");
                assert!(
                    matches!(verdict.tell, Tell::Deny(_)),
                    "call {n}: a panic must deny"
                );
                failed_closed += 1;
            }
            None => {
                assert_eq!(verdict.answer, Some(*expect), "call {n}");
                assert!(told(*expect, &verdict.tell), "call {n}: {:?}", verdict.tell);
                decided += 1;
            }
        }
    }
    assert!(
        failed_closed >= phase1 / PANIC_EVERY - 2,
        "{failed_closed} panics caught"
    );
    i += phase1;
    h.panics.store(false, Ordering::SeqCst);

    // Phase 2: the store locked by another writer: every decision is a deny, by the deadline.
    {
        let db = rusqlite_lock(&h.rein_home);
        for _ in 0..5 {
            let (event, _) = pre(&h.repo, i);
            let verdict = h.engine.gate(event);
            assert!(
                matches!(verdict.tell, Tell::Deny(_)),
                "locked store: {:?}",
                verdict.tell
            );
            assert!(verdict.failure.is_some());
            failed_closed += 1;
            i += 1;
        }
        drop(db);
    }

    // Phase 3: a project policy that does not parse: every decision is a deny.
    let policy_dir = h.repo.join(".rein/policy");
    std::fs::create_dir_all(&policy_dir).expect("policy dir");
    std::fs::write(
        policy_dir.join("broken.cedar"),
        "forbid (principal, action, resource) when {",
    )
    .expect("broken policy");
    for _ in 0..95 {
        let (event, _) = pre(&h.repo, i);
        let verdict = h.engine.gate(event);
        assert!(
            matches!(verdict.tell, Tell::Deny(_)),
            "corrupt policy: {:?}",
            verdict.tell
        );
        assert!(
            verdict
                .failure
                .as_deref()
                .is_some_and(|f| f.contains("broken.cedar")),
            "{:?}",
            verdict.failure
        );
        failed_closed += 1;
        i += 1;
    }
    std::fs::remove_file(policy_dir.join("broken.cedar")).expect("remove");

    // Phase 4: all well again: the same host decides correctly to the end.
    while i < DECISIONS {
        let (event, expect) = pre(&h.repo, i);
        let verdict = h.engine.gate(event);
        assert_eq!(verdict.failure, None, "call {i}");
        assert_eq!(verdict.answer, Some(expect), "call {i}");
        assert!(told(expect, &verdict.tell), "call {i}");
        decided += 1;
        i += 1;
    }
    assert_eq!(decided + failed_closed, DECISIONS);

    // Every decision made was recorded with its step, and the audit chain is intact.
    let store = rein_core::Store::open_existing(&h.rein_home).expect("store");
    let steps: i64 = store
        .conn()
        .query_row("SELECT COUNT(*) FROM decisions", [], |r| r.get(0))
        .expect("count");
    assert_eq!(steps as usize, decided);
    let report = rein_core::audit::verify_store(store.conn()).expect("verify");
    assert!(report.is_ok(), "{:?}", report.problems);
    eprintln!(
        "{DECISIONS} decisions ({decided} decided, {failed_closed} failed closed) in {:?}",
        started.elapsed()
    );
}

/// Holds the store's write lock from another connection, as a stuck writer would.
fn rusqlite_lock(rein_home: &Path) -> LockedStore {
    let store = rein_core::Store::open(rein_home).expect("store");
    store
        .conn()
        .execute_batch("BEGIN EXCLUSIVE")
        .expect("exclusive lock");
    LockedStore(store)
}

struct LockedStore(rein_core::Store);

impl Drop for LockedStore {
    fn drop(&mut self) {
        let _ = self.0.conn().execute_batch("ROLLBACK");
    }
}
