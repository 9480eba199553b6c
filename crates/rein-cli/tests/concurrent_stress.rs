//! Many agent sessions in one work tree at once, as whole hook processes, some killed with
//! SIGKILL, while a person edits files too. Afterwards every step whose PreToolUse hook answered
//! has exactly its own files, every edit of the person is external, blame of every file names the
//! writer of each line, nothing the agents did is lost, and the audit chain verifies.
//!
//! Seeds: `REIN_STRESS_SEEDS` (comma-separated), default `1,2,3`. A failure names its seed.

mod common;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Read;
use std::process::Child;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use common::{TestEnv, all_steps};
use serde_json::{Value, json};

const SESSIONS: usize = 16;
const STEPS_PER_SESSION: usize = 10;
/// One hook process in this many is killed.
const KILL_ONE_IN: u64 = 12;
const HUMAN_FILES: usize = 4;

/// xorshift64*: small, seedable, good enough to schedule a test.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Who wrote a line: a step (by tool_use_id), the person, or the baseline.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Writer {
    Step(String),
    Human,
    Baseline,
}

/// The truth: every file's lines and who wrote each.
#[derive(Default)]
struct Truth {
    files: BTreeMap<String, Vec<(String, Writer)>>,
}

impl Truth {
    fn write(&self, env: &TestEnv, rel: &str) {
        let lines = &self.files[rel];
        let text: String = lines.iter().map(|(l, _)| format!("{l}\n")).collect();
        env.write(rel, &text);
    }
}

/// How each step's hooks ended and what its tool changed.
#[derive(Debug, Default, Clone)]
struct StepRun {
    tool_use_id: String,
    /// The PreToolUse hook answered (it was not killed).
    pre_answered: bool,
    /// The tool ran (not denied).
    ran: bool,
    /// The PostToolUse hook answered.
    post_answered: bool,
    /// What the tool changed: (path, change), as `rein log` names changes.
    files: Vec<(String, String)>,
    /// Every path it touched (a rename's source too).
    touched: Vec<String>,
}

/// Runs one hook, killing it after a random delay when the dice say so. Returns whether it
/// completed (exit 0) and its stdout.
fn run_hook(env: &TestEnv, payload: &Value, kill: Option<Duration>) -> (bool, String) {
    let mut child: Child = env.spawn_hook(&env.repo, payload);
    if let Some(delay) = kill {
        std::thread::sleep(delay);
        let _ = child.kill();
        let status = child.wait().expect("wait");
        if status.success() {
            // It finished before the kill landed.
            let mut out = String::new();
            if let Some(mut o) = child.stdout.take() {
                let _ = o.read_to_string(&mut out);
            }
            return (true, out);
        }
        return (false, String::new());
    }
    let out = child.wait_with_output().expect("wait");
    assert!(
        out.status.success(),
        "hook failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (true, String::from_utf8_lossy(&out.stdout).into_owned())
}

fn denied(answer: &str) -> bool {
    serde_json::from_str::<Value>(answer)
        .is_ok_and(|v| v["hookSpecificOutput"]["permissionDecision"] == "deny")
}

struct Session<'a> {
    env: &'a TestEnv,
    id: String,
    index: usize,
    rng: Rng,
    truth: &'a Mutex<Truth>,
    counter: usize,
    runs: Vec<StepRun>,
    /// The source of the rename the current step makes, if it makes one.
    sources: Vec<String>,
}

impl Session<'_> {
    fn kill(&mut self) -> Option<Duration> {
        (self.rng.below(KILL_ONE_IN) == 0).then(|| Duration::from_millis(self.rng.below(25)))
    }

    fn event(&mut self, payload: Value, killable: bool) {
        let kill = if killable { self.kill() } else { None };
        run_hook(self.env, &payload, kill);
    }

    fn line(&mut self, tool_use_id: &str) -> String {
        self.counter += 1;
        format!("{tool_use_id} line {}", self.counter)
    }

    fn own_files(&self) -> Vec<String> {
        let prefix = format!("s{}/", self.index);
        let truth = self.truth.lock().expect("truth");
        truth
            .files
            .keys()
            .filter(|k| k.starts_with(&prefix))
            .cloned()
            .collect()
    }

    fn run(&mut self) {
        let env = self.env;
        let sid = self.id.clone();
        self.event(env.session_start(&sid), true);
        self.event(env.prompt(&sid, &format!("{sid}-p1"), "work"), true);
        for k in 0..STEPS_PER_SESSION {
            let tool_use_id = format!("toolu_{sid}_{k}");
            self.step(&tool_use_id);
        }
        self.event(env.stop(&sid), true);
        // SessionEnd closes whatever is left; it is not killed, so that every session ends.
        self.event(
            env.event(&sid, "SessionEnd", json!({"reason": "exit"})),
            false,
        );
    }

    /// One step: a Write, an Edit or a Bash command on this session's own files.
    fn step(&mut self, tool_use_id: &str) {
        let env = self.env;
        let sid = self.id.clone();
        let own = self.own_files();
        let fresh = format!("s{}/f{}.txt", self.index, self.counter + 1);
        let pick =
            |rng: &mut Rng, list: &[String]| list[rng.below(list.len() as u64) as usize].clone();
        let choice = if own.is_empty() { 0 } else { self.rng.below(6) };
        // The tool, its input, and what running it does to the files and to the truth.
        type Apply<'t> = Box<dyn FnOnce(&TestEnv, &mut Truth) -> Vec<(String, String)> + 't>;
        let (tool, input, apply): (&str, Value, Apply<'_>) = match choice {
            0 | 1 => {
                // Write a file: a new one, or over one of this session's own.
                let rel = if choice == 0 || own.is_empty() {
                    fresh
                } else {
                    pick(&mut self.rng, &own)
                };
                let lines: Vec<String> = (0..3).map(|_| self.line(tool_use_id)).collect();
                let content: String = lines.iter().map(|l| format!("{l}\n")).collect();
                let id = tool_use_id.to_owned();
                let input = json!({"file_path": env.abs(&rel), "content": content});
                (
                    "Write",
                    input,
                    Box::new(move |env, truth| {
                        let existed = truth.files.contains_key(&rel);
                        truth.files.insert(
                            rel.clone(),
                            lines
                                .into_iter()
                                .map(|l| (l, Writer::Step(id.clone())))
                                .collect(),
                        );
                        truth.write(env, &rel);
                        vec![(rel, if existed { "modified" } else { "added" }.to_owned())]
                    }),
                )
            }
            2 => {
                // Edit one line of one of its files.
                let rel = pick(&mut self.rng, &own);
                let (n, old) = {
                    let truth = self.truth.lock().expect("truth");
                    let lines = &truth.files[&rel];
                    let n = self.rng.below(lines.len() as u64) as usize;
                    (n, lines[n].0.clone())
                };
                let new = self.line(tool_use_id);
                let id = tool_use_id.to_owned();
                let input = json!({"file_path": env.abs(&rel), "old_string": old, "new_string": new, "replace_all": false});
                (
                    "Edit",
                    input,
                    Box::new(move |env, truth| {
                        if let Some(lines) = truth.files.get_mut(&rel) {
                            lines[n] = (new, Writer::Step(id));
                        }
                        truth.write(env, &rel);
                        vec![(rel, "modified".to_owned())]
                    }),
                )
            }
            3 => {
                // Append a line through the shell.
                let rel = pick(&mut self.rng, &own);
                let line = self.line(tool_use_id);
                let id = tool_use_id.to_owned();
                let input =
                    json!({"command": format!("echo '{line}' >> {rel}"), "description": "append"});
                (
                    "Bash",
                    input,
                    Box::new(move |env, truth| {
                        if let Some(lines) = truth.files.get_mut(&rel) {
                            lines.push((line, Writer::Step(id)));
                        }
                        truth.write(env, &rel);
                        vec![(rel, "modified".to_owned())]
                    }),
                )
            }
            4 => {
                // Rename one of its files through the shell.
                let rel = pick(&mut self.rng, &own);
                let to = format!("s{}/m{}.txt", self.index, self.counter + 1);
                self.counter += 1;
                let input = json!({"command": format!("mv {rel} {to}"), "description": "rename"});
                self.sources.push(rel.clone());
                (
                    "Bash",
                    input,
                    Box::new(move |env, truth| {
                        if let Some(lines) = truth.files.remove(&rel) {
                            truth.files.insert(to.clone(), lines);
                        }
                        std::fs::rename(env.path(&rel), env.path(&to)).expect("mv");
                        vec![(to, "renamed".to_owned())]
                    }),
                )
            }
            _ => {
                // Delete one of its files through the shell.
                let rel = pick(&mut self.rng, &own);
                let input = json!({"command": format!("rm -f {rel}"), "description": "delete"});
                (
                    "Bash",
                    input,
                    Box::new(move |env, truth| {
                        truth.files.remove(&rel);
                        env.remove(&rel);
                        vec![(rel, "deleted".to_owned())]
                    }),
                )
            }
        };
        let kill = self.kill();
        let (pre_answered, answer) =
            run_hook(env, &env.pre(&sid, tool_use_id, tool, input.clone()), kill);
        let mut run = StepRun {
            tool_use_id: tool_use_id.to_owned(),
            pre_answered,
            ..StepRun::default()
        };
        // A crashed hook lets the call proceed, as Claude Code does; a deny stops it.
        if pre_answered && denied(&answer) {
            self.sources.clear();
            self.runs.push(run);
            return;
        }
        {
            let mut truth = self.truth.lock().expect("truth");
            run.files = apply(env, &mut truth);
        }
        run.touched = run.files.iter().map(|(p, _)| p.clone()).collect();
        run.touched.append(&mut self.sources);
        run.ran = true;
        // The tool takes a moment; other sessions walk meanwhile.
        std::thread::sleep(Duration::from_millis(self.rng.below(8)));
        let kill = self.kill();
        run.post_answered = run_hook(env, &env.post(&sid, tool_use_id, tool, input, 5), kill).0;
        self.runs.push(run);
    }
}

/// The person: edits their own files now and then until told to stop.
fn human(env: &TestEnv, truth: &Mutex<Truth>, stop: &AtomicBool, seed: u64) {
    let mut rng = Rng::new(seed ^ 0xABCD);
    let mut n = 0;
    while !stop.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(3 + rng.below(20)));
        let rel = format!("human/h{}.txt", rng.below(HUMAN_FILES as u64));
        n += 1;
        let mut t = truth.lock().expect("truth");
        match (t.files.contains_key(&rel), rng.below(5)) {
            (true, 0) => {
                t.files.remove(&rel);
                env.remove(&rel);
            }
            (true, _) => {
                if let Some(lines) = t.files.get_mut(&rel) {
                    lines.push((format!("human line {n}"), Writer::Human));
                }
                t.write(env, &rel);
            }
            (false, _) => {
                t.files.insert(
                    rel.clone(),
                    vec![(format!("human line {n}"), Writer::Human)],
                );
                t.write(env, &rel);
            }
        }
    }
}

fn stress(seed: u64) -> Stats {
    let env = TestEnv::new();
    env.write(".gitignore", "/.claude/settings.local.json\n");
    let truth = Mutex::new(Truth::default());
    {
        let mut t = truth.lock().expect("truth");
        for i in 0..SESSIONS {
            std::fs::create_dir_all(env.path(&format!("s{i}"))).expect("mkdir");
        }
        std::fs::create_dir_all(env.path("human")).expect("mkdir");
        let base = vec![("base line".to_owned(), Writer::Baseline)];
        t.files.insert("human/h0.txt".into(), base);
        t.write(&env, "human/h0.txt");
    }
    let (_, stderr, code) = env.rein(&["init"]);
    assert_eq!((code, stderr.as_str()), (0, ""), "rein init");

    let stop = AtomicBool::new(false);
    let runs: Mutex<Vec<StepRun>> = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        scope.spawn(|| human(&env, &truth, &stop, seed));
        let mut handles = Vec::new();
        for i in 0..SESSIONS {
            let (env, truth, runs) = (&env, &truth, &runs);
            handles.push(scope.spawn(move || {
                let mut s = Session {
                    env,
                    id: format!("s{i}"),
                    index: i,
                    rng: Rng::new(seed * 1000 + i as u64),
                    truth,
                    counter: 0,
                    runs: Vec::new(),
                    sources: Vec::new(),
                };
                s.run();
                runs.lock().expect("runs").extend(s.runs);
            }));
        }
        for h in handles {
            h.join().expect("session thread");
        }
        stop.store(true, Ordering::SeqCst);
    });
    // A last session's start walks the tree: the person's last edits are recorded.
    let r = env.hook(&env.session_start("final"));
    assert_eq!(r.2, 0);

    check(
        &env,
        &truth.lock().expect("truth"),
        &runs.lock().expect("runs"),
        seed,
    )
}

fn check(env: &TestEnv, truth: &Truth, runs: &[StepRun], seed: u64) -> Stats {
    let log = env.json(&["log", "--all", "--json", "-n", "1000"]);
    let steps: HashMap<String, Value> = all_steps(&log)
        .into_iter()
        .map(|s| (s["tool_use_id"].as_str().unwrap_or_default().to_owned(), s))
        .collect();
    let by_number: HashMap<i64, String> = steps
        .values()
        .map(|s| {
            (
                s["step"].as_i64().unwrap_or(0),
                s["tool_use_id"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    // When a step's PostToolUse and the next step's PreToolUse are both lost and the next step
    // changes the same file, nobody saw the file between the two: which lines are whose cannot be
    // known, so neither step is held to exactness (rein gives the file to the later step).
    let mut entangled: HashMap<&str, &str> = HashMap::new();
    let session_of = |r: &StepRun| r.tool_use_id.split('_').nth(1).map(str::to_owned);
    for (i, a) in runs.iter().enumerate() {
        if !(a.pre_answered && a.ran && !a.post_answered) {
            continue;
        }
        let next = runs[i + 1..]
            .iter()
            .find(|b| session_of(b) == session_of(a));
        if let Some(b) = next
            && !b.pre_answered
            && b.touched.iter().any(|p| a.touched.contains(p))
        {
            entangled.insert(a.tool_use_id.as_str(), b.tool_use_id.as_str());
        }
    }
    let answered: HashSet<&str> = runs
        .iter()
        .filter(|r| r.pre_answered && !entangled.contains_key(r.tool_use_id.as_str()))
        .map(|r| r.tool_use_id.as_str())
        .collect();

    // 1. Every step whose PreToolUse answered has exactly its own files (whatever became of its
    //    PostToolUse: a step whose result never came is closed with them).
    let mut checked = 0;
    for run in runs
        .iter()
        .filter(|r| answered.contains(r.tool_use_id.as_str()))
    {
        let step = steps
            .get(&run.tool_use_id)
            .unwrap_or_else(|| panic!("seed {seed}: step {} not recorded", run.tool_use_id));
        let mut got: Vec<(String, String)> = step["files"]
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
        got.sort();
        let mut want = run.files.clone();
        want.sort();
        if got != want {
            let records: Vec<Value> = env
                .audit_records()
                .into_iter()
                .filter(|r| {
                    let t = r.to_string();
                    want.iter().chain(&got).any(|(p, _)| t.contains(p.as_str()))
                        || t.contains(&run.tool_use_id)
                })
                .map(|r| json!({"kind": r["kind"], "step": r["data"]["step"], "session": r["data"]["session"], "changes": r["data"]["changes"], "held": r["data"]["held"], "closed": r["data"]["closed"], "claims": r["data"]["claims"]}))
                .collect();
            panic!(
                "seed {seed}: files of {} ({}, step {}): got {got:?}, want {want:?}\n{:#}",
                run.tool_use_id,
                step["outcome"],
                step["step"],
                json!(records)
            );
        }
        assert_ne!(
            step["outcome"], "pending",
            "seed {seed}: {} never closed",
            run.tool_use_id
        );
        checked += 1;
    }
    assert!(
        checked > SESSIONS * STEPS_PER_SESSION / 2,
        "seed {seed}: only {checked} steps checked"
    );

    // 2. The person's edits are external, and no step has a file of the person. An agent's
    //    change is external only in a session with a step whose PreToolUse was killed.
    let unheard: HashSet<String> = runs
        .iter()
        .filter(|r| !r.pre_answered && r.ran)
        .filter_map(|r| r.tool_use_id.split('_').nth(1).map(|s| format!("{s}/")))
        .collect();
    for s in log["sessions"].as_array().expect("sessions") {
        for e in s["external"].as_array().expect("external") {
            let p = e["path"].as_str().expect("path");
            assert!(
                p.starts_with("human/") || unheard.iter().any(|dir| p.starts_with(dir.as_str())),
                "seed {seed}: an agent's change to {p} was recorded as external"
            );
        }
    }
    for (id, step) in &steps {
        for f in step["files"].as_array().expect("files") {
            let p = f["path"].as_str().expect("path");
            assert!(
                !p.starts_with("human/"),
                "seed {seed}: step {id} has the person's file {p}"
            );
        }
    }

    // 3. Blame of every file names the writer of each line. A line of a step whose PreToolUse was
    //    killed may be external (rein never heard of the step before it ran); nothing else may.
    for (rel, lines) in &truth.files {
        let blame = env.json(&["blame", rel, "--json"]);
        let got = blame["lines"].as_array().expect("lines");
        assert_eq!(got.len(), lines.len(), "seed {seed}: lines of {rel}");
        for (g, (text, writer)) in got.iter().zip(lines) {
            assert_eq!(
                g["text"].as_str(),
                Some(text.as_str()),
                "seed {seed}: {rel}"
            );
            let origin = g["origin"].as_str().unwrap_or_default();
            let named = g["step"]
                .as_i64()
                .and_then(|n| by_number.get(&n))
                .map(String::as_str);
            match writer {
                Writer::Baseline => assert_eq!(origin, "baseline", "seed {seed}: {rel}: {text}"),
                Writer::Human => assert_eq!(origin, "external", "seed {seed}: {rel}: {text}"),
                Writer::Step(id) if answered.contains(id.as_str()) => assert_eq!(
                    (origin, named),
                    ("agent", Some(id.as_str())),
                    "seed {seed}: {rel}: {text}\n{:#?}",
                    runs.iter()
                        .filter(|r| r.tool_use_id.split('_').nth(1) == id.split('_').nth(1))
                        .collect::<Vec<_>>()
                ),
                Writer::Step(id) => {
                    let partner = entangled.get(id.as_str()).copied();
                    let session = id.split('_').nth(1).unwrap_or_default();
                    assert!(
                        origin == "external"
                            || named == Some(id.as_str())
                            || (named.is_some() && named == partner),
                        "seed {seed}: {rel}: {text}: {origin} {named:?}\n{:#?}",
                        runs.iter()
                            .filter(|r| r.tool_use_id.split('_').nth(1) == Some(session))
                            .collect::<Vec<_>>()
                    )
                }
            }
        }
    }
    // 4. The audit chain verifies.
    let verify = env.json(&["audit", "verify", "--json"]);
    assert_eq!(verify["ok"], true, "seed {seed}: {verify:#}");

    // What this run exercised, so that a run that tested nothing shows.
    let records = env.audit_records();
    let count = |key: &str| {
        records
            .iter()
            .filter(|r| r["data"].get(key).is_some())
            .count()
    };
    let stats = Stats {
        steps: runs.len(),
        pre_killed: runs.iter().filter(|r| !r.pre_answered).count(),
        lost: steps.values().filter(|s| s["outcome"] == "lost").count(),
        holding_walks: count("held"),
        closing_events: count("closed"),
    };
    eprintln!("seed {seed}: {stats:?}");
    stats
}

/// What one stress run exercised.
#[derive(Debug, Default)]
struct Stats {
    steps: usize,
    pre_killed: usize,
    lost: usize,
    holding_walks: usize,
    closing_events: usize,
}

fn seeds() -> Vec<u64> {
    std::env::var("REIN_STRESS_SEEDS")
        .ok()
        .map(|v| v.split(',').filter_map(|s| s.trim().parse().ok()).collect())
        .filter(|v: &Vec<u64>| !v.is_empty())
        .unwrap_or_else(|| vec![1, 2, 3])
}

#[test]
fn sixteen_sessions_in_one_work_tree_with_killed_hooks_and_a_person_editing() {
    let mut all = Stats::default();
    for seed in seeds() {
        let s = stress(seed);
        all.steps += s.steps;
        all.pre_killed += s.pre_killed;
        all.lost += s.lost;
        all.holding_walks += s.holding_walks;
        all.closing_events += s.closing_events;
    }
    // The runs must have met what the test is about: walks that held changes for steps in
    // flight, killed hooks, and steps closed without a result.
    assert!(all.holding_walks > 0, "{all:?}");
    assert!(all.pre_killed > 0, "{all:?}");
    assert!(all.lost > 0, "{all:?}");
}
