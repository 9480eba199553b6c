//! Property tests of rewind and undo: random sequences of agent steps and external edits
//! (creates, edits, deletes, renames, mode changes, symlinks; binary, CRLF and unterminated
//! content) are recorded by the real recorder on a real directory; then rewinding to any step
//! must reproduce the work tree exactly as it was just before that step, and undo must
//! reproduce it exactly as it was before the rewind.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use proptest::prelude::*;
use rein_core::Store;
use rein_core::capture::CaptureConfig;
use rein_core::event::{Event, EventKind, ToolCall};
use rein_core::query::{self, Target};
use rein_core::record::{self, Host};
use rein_core::restore::{Restorer, point_of};
use serde_json::json;

const PATHS: &[&str] = &["a.txt", "b.bin", "d/c.txt", "d/e/f.txt", "g"];
const CONTENTS: &[&[u8]] = &[
    b"one\ntwo\n",
    b"crlf\r\nline\r\n",
    b"no newline at the end",
    b"\x00\x9f\x92\x96binary",
    b"",
    b"one\ntwo\nthree\n",
];

#[derive(Debug, Clone)]
enum Change {
    Write(usize, usize),
    Delete(usize),
    Rename(usize, usize),
    Chmod(usize, bool),
    Symlink(usize, bool),
}

#[derive(Debug, Clone)]
enum Action {
    /// An agent step (a Bash call, captured by walking) making these changes.
    Step(Vec<Change>),
    /// A Write tool call on one path (captured by its declared path).
    WriteTool(usize, usize),
    /// Changes made from outside, between steps, then a prompt (whose walk records them: a
    /// Write step alone only looks at its own path, so an edit nobody has walked past yet has
    /// no known time, and a rewind treats it as after any point).
    External(Vec<Change>),
}

fn change() -> impl Strategy<Value = Change> {
    let p = 0..PATHS.len();
    prop_oneof![
        4 => (p.clone(), 0..CONTENTS.len()).prop_map(|(a, b)| Change::Write(a, b)),
        2 => p.clone().prop_map(Change::Delete),
        2 => (p.clone(), p.clone()).prop_map(|(a, b)| Change::Rename(a, b)),
        1 => (p.clone(), any::<bool>()).prop_map(|(a, b)| Change::Chmod(a, b)),
        1 => (p, any::<bool>()).prop_map(|(a, b)| Change::Symlink(a, b)),
    ]
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        5 => prop::collection::vec(change(), 1..4).prop_map(Action::Step),
        2 => (0..PATHS.len(), 0..CONTENTS.len()).prop_map(|(a, b)| Action::WriteTool(a, b)),
        2 => prop::collection::vec(change(), 1..3).prop_map(Action::External),
    ]
}

fn apply(root: &Path, c: &Change) {
    let abs = |i: usize| root.join(PATHS[i]);
    match *c {
        Change::Write(p, v) => {
            let path = abs(p);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            if std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink()) {
                std::fs::remove_file(&path).expect("unlink");
            }
            std::fs::write(&path, CONTENTS[v]).expect("write");
        }
        Change::Delete(p) => {
            let _ = std::fs::remove_file(abs(p));
        }
        Change::Rename(a, b) => {
            if a != b && std::fs::symlink_metadata(abs(a)).is_ok() {
                std::fs::create_dir_all(abs(b).parent().expect("parent")).expect("mkdir");
                std::fs::rename(abs(a), abs(b)).expect("rename");
            }
        }
        Change::Chmod(p, exec) => {
            let path = abs(p);
            if std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) {
                let mode = if exec { 0o755 } else { 0o644 };
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode))
                    .expect("chmod");
            }
        }
        Change::Symlink(p, outside) => {
            let path = abs(p);
            let _ = std::fs::remove_file(&path);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            let target = if outside { "../../outside/x" } else { "a.txt" };
            std::os::unix::fs::symlink(target, &path).expect("symlink");
        }
    }
}

type Tree = BTreeMap<String, (Vec<u8>, u32)>;

/// Every file and symlink under the root (except .git): path -> (content or link target, mode).
fn snapshot(root: &Path) -> Tree {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).expect("read_dir") {
            let p = e.expect("entry").path();
            let md = std::fs::symlink_metadata(&p).expect("md");
            let rel = p
                .strip_prefix(root)
                .expect("rel")
                .to_string_lossy()
                .into_owned();
            if rel == ".git" {
                continue;
            }
            if md.file_type().is_symlink() {
                let t = std::fs::read_link(&p).expect("link");
                out.insert(rel, (t.into_os_string().into_encoded_bytes(), 0o120000));
            } else if md.is_dir() {
                stack.push(p);
            } else {
                let data = std::fs::read(&p).expect("read");
                out.insert(rel, (data, md.permissions().mode() & 0o777));
            }
        }
    }
    out
}

struct Recorder<'a> {
    store: &'a mut Store,
    root: &'a Path,
    config: CaptureConfig,
    n: usize,
}

impl Recorder<'_> {
    fn event(&mut self, name: &str, kind: EventKind) {
        let human = |_: &Path| Some("prop@example.com".to_owned());
        let host = Host {
            environment: "local",
            config: &self.config,
            resolve_human: &human,
            agent: None,
            process_alive: &rein_core::record::liveness_unknown,
            shell_writes: &rein_core::record::writes_unknown,
            commit: None,
        };
        let event = Event {
            agent: "claude-code".into(),
            session_id: "prop-session".into(),
            cwd: self.root.display().to_string(),
            transcript_path: None,
            permission_mode: None,
            name: name.into(),
            kind,
            raw: json!({}),
        };
        let out = record::record(self.store, &host, event).expect("record");
        assert!(out.capture_warning.is_none(), "{:?}", out.capture_warning);
    }

    /// Runs one tool call: Pre, the effect, Post. Returns the step id.
    fn step(&mut self, tool: &str, input: serde_json::Value, effect: impl FnOnce()) -> i64 {
        self.n += 1;
        // What a Claude Code dialect makes of the two tools these properties use.
        let action = match (tool, input.get("file_path").and_then(|p| p.as_str())) {
            ("Write", Some(path)) => rein_call::Action::Write {
                path: path.to_owned(),
                content: None,
            },
            _ => rein_call::Action::Shell {
                command: input["command"].as_str().unwrap_or_default().to_owned(),
                shell: None,
            },
        };
        let call = ToolCall {
            tool_use_id: format!("toolu_{:04}", self.n),
            tool: tool.into(),
            action,
            input,
            prompt_id: None,
            agent_id: None,
        };
        self.event("PreToolUse", EventKind::ToolPre(call.clone()));
        effect();
        self.event(
            "PostToolUse",
            EventKind::ToolPost {
                call: call.clone(),
                response: json!({}),
                duration_ms: Some(1),
            },
        );
        self.store
            .conn()
            .query_row(
                "SELECT id FROM steps WHERE tool_use_id = ?1",
                [&call.tool_use_id],
                |r| r.get(0),
            )
            .expect("step id")
    }
}

fn run_case(actions: &[Action], pick: usize) -> Result<(), TestCaseError> {
    let tmp = tempfile::tempdir().expect("tempdir");
    let base = tmp.path().canonicalize().expect("canon");
    let root = base.join("repo");
    std::fs::create_dir_all(root.join(".git")).expect(".git");
    std::fs::write(root.join("a.txt"), "seed\n").expect("seed");
    std::fs::create_dir_all(root.join("d")).expect("d");
    std::fs::write(root.join("d/c.txt"), "seed c\n").expect("seed");
    let mut store = Store::open(&base.join("rein-home")).expect("store");
    let mut rec = Recorder {
        store: &mut store,
        root: &root,
        config: CaptureConfig::default(),
        n: 0,
    };
    rec.event(
        "SessionStart",
        EventKind::SessionStart {
            source: None,
            model: None,
        },
    );
    // (step id, the tree just before it)
    let mut points: Vec<(i64, Tree)> = Vec::new();
    for a in actions {
        match a {
            Action::External(changes) => {
                changes.iter().for_each(|c| apply(&root, c));
                rec.event(
                    "UserPromptSubmit",
                    EventKind::Prompt {
                        prompt_id: None,
                        prompt: "next".into(),
                    },
                );
            }
            Action::Step(changes) => {
                let before = snapshot(&root);
                let id = rec.step("Bash", json!({"command": "changes"}), || {
                    changes.iter().for_each(|c| apply(&root, c));
                });
                points.push((id, before));
            }
            Action::WriteTool(p, v) => {
                let path = root.join(PATHS[*p]);
                if std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink()) {
                    continue;
                }
                let before = snapshot(&root);
                let input = json!({"file_path": path.display().to_string(), "content": "x"});
                let id = rec.step("Write", input, || apply(&root, &Change::Write(*p, *v)));
                points.push((id, before));
            }
        }
    }
    rec.event("Stop", EventKind::Stop);
    if points.is_empty() {
        return Ok(());
    }
    let end = snapshot(&root);
    let (step, at_point) = &points[pick % points.len()];
    let point = point_of(store.conn(), Target::Step(*step)).expect("point");
    let mut r = Restorer::open_id(&mut store, point.worktree_id).expect("restorer");
    let plan = r.plan_rewind(point).expect("plan");
    prop_assert!(plan.refused().next().is_none(), "refused: {:?}", plan.files);
    // Only an edit from outside is protected: agent-only work rewinds without the flag.
    let agent_only = !actions.iter().any(|a| matches!(a, Action::External(_)));
    if agent_only {
        prop_assert!(
            plan.protected().next().is_none(),
            "protected: {:?}",
            plan.files
        );
    }
    let op = r.rewind_op(plan, "prop", !agent_only).expect("op");
    r.execute(op).expect("rewind");
    prop_assert_eq!(&snapshot(&root), at_point, "rewind to step {}", step);
    let plan = r.plan_undo(None).expect("undo plan");
    prop_assert!(plan.files.iter().all(|f| !f.changed_since()));
    let files = plan
        .files
        .into_iter()
        .map(|f| (f.path, f.seen, f.wanted))
        .collect();
    let op = r
        .undo_op(
            rein_core::restore::OpKind::Undo,
            "last".into(),
            "undo".into(),
            files,
        )
        .expect("undo op");
    r.execute(op).expect("undo");
    prop_assert_eq!(
        &snapshot(&root),
        &end,
        "undo of the rewind to step {}",
        step
    );
    drop(r);

    // Rewind again, let the agent work on from there, then rewind to an earlier point: the
    // operations' own versions must keep the history straight.
    let k = pick % points.len();
    let (step, _) = &points[k];
    let point = point_of(store.conn(), Target::Step(*step)).expect("point");
    let mut r = Restorer::open_id(&mut store, point.worktree_id).expect("restorer");
    let plan = r.plan_rewind(point).expect("plan");
    let op = r.rewind_op(plan, "again", true).expect("op");
    r.execute(op).expect("rewind again");
    drop(r);
    let mut rec = Recorder {
        store: &mut store,
        root: &root,
        config: CaptureConfig::default(),
        n: 10_000,
    };
    rec.step("Bash", json!({"command": "more"}), || {
        apply(&root, &Change::Write(0, 5));
    });
    let (step, at_point) = &points[k / 2];
    let point = point_of(store.conn(), Target::Step(*step)).expect("point");
    let mut r = Restorer::open_id(&mut store, point.worktree_id).expect("restorer");
    let plan = r.plan_rewind(point).expect("plan");
    // The operations recorded what they wrote: the disk matches the record everywhere.
    prop_assert!(
        plan.files.iter().all(|f| !f.unrecorded()),
        "disk and record disagree: {:?}",
        plan.files
    );
    let op = r.rewind_op(plan, "earlier", true).expect("op");
    r.execute(op).expect("rewind earlier");
    prop_assert_eq!(
        &snapshot(&root),
        at_point,
        "rewind to the earlier step {}",
        step
    );
    drop(r);
    let _ = query::worktree_id(store.conn(), &root).expect("wt");
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn rewind_reproduces_the_point_and_undo_reproduces_the_rewound_state(
        actions in prop::collection::vec(action(), 1..10),
        pick in any::<usize>(),
    ) {
        run_case(&actions, pick)?;
    }
}
