//! Hermetic end-to-end tests of the `rein` binary: every command run in a cleared environment
//! with a temporary HOME, REIN_HOME and git repository, its output snapshotted after the volatile
//! parts (temporary paths, timestamps, hashes, durations) are replaced.

mod common;

use common::{TestEnv, all_steps, filter_volatile};
use serde_json::{Value, json};

const SESSION: &str = "sess-0001-aaaa";

/// Files present before rein is installed.
fn seed(env: &TestEnv) {
    env.write(
        ".gitignore",
        "/.claude/settings.local.json\nbuild/\n*.log\n",
    );
    env.write("README.md", "# Demo\n\nA demo project.\n");
    env.write(
        "src/lib.rs",
        "pub fn a() {}\npub fn b() {}\npub fn c() {}\n",
    );
    env.write("docs/old.md", "obsolete\n");
}

/// A repository with files and rein installed (hooks + baseline).
fn installed() -> TestEnv {
    let env = TestEnv::new();
    seed(&env);
    let (_, stderr, code) = env.rein(&["init"]);
    assert_eq!((code, stderr.as_str()), (0, ""), "rein init");
    env
}

/// `rein log --json` of every session.
fn log_json(env: &TestEnv) -> Value {
    env.json(&["log", "--all", "--json"])
}

fn files_of(step: &Value) -> Vec<(String, String)> {
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

fn step_by_tool_use_id(log: &Value, id: &str) -> Value {
    all_steps(log)
        .into_iter()
        .find(|s| s["tool_use_id"] == id)
        .unwrap_or_else(|| panic!("no step {id} in {log:#}"))
}

#[test]
fn filter_volatile_replaces_what_changes_between_runs() {
    assert_eq!(
        filter_volatile(
            "at 2026-11-22T10:04:05Z and 2026-11-22T10:04:05.123456Z, file abc-20261122T100405.123456Z-x"
        ),
        "at [TIME] and [TIME], file abc-[TIME]-x"
    );
    assert_eq!(
        filter_volatile("head 0123456789abcdef, id toolu_0123456789abcdef, 1234 lines"),
        "head [HASH], id toolu_0123456789abcdef, 1234 lines"
    );
    assert_eq!(
        filter_volatile("recorded in 0.0s; version 1.2.3; 10.5ms; 2.5 s"),
        "recorded in [DUR]; version 1.2.3; 10.5ms; 2.5 s"
    );
}

// ---------------------------------------------------------------------------------------------
// help and init

#[test]
fn help() {
    let env = TestEnv::new();
    insta::assert_snapshot!(env.snap(&["--help"]), @r"
        exit: 0
        --- stdout
        rein: version control, policy and audit for AI coding agents.

        rein records every session of a coding agent — prompts, tool calls, commands and the files they
        changed, shell side effects included — into a local store with a tamper-evident audit log. Start
        with `rein init` in a git work tree, use Claude Code as usual, then read the history with `rein
        log`, `rein show`, `rein diff` and `rein blame`. Undo an agent's work with `rein rewind` (back to
        before a step, prompt or session), `rein revert` (one step, keeping the later ones) and `rein undo`;
        every such operation is logged (`rein op log`).

        The store lives in $REIN_HOME (default: $XDG_DATA_HOME/rein, i.e. ~/.local/share/rein).

        Usage: rein <COMMAND>

        Commands:
          init         Install rein's hooks into your agents: every session recorded, every tool call gated.
          hook         Reads one hook payload on stdin, records it, and answers in the agent's format
          log          List recorded sessions, then their prompts, then their steps.
          show         Show one step: its prompt, tool input, outcome, decision and diff.
          diff         Show the unified diff of a step, a prompt or a whole session.
          blame        Show where each line of a file came from.
          rewind       Bring the work tree back to how it was just before a step, prompt or session.
          revert       Undo one step or one prompt, and keep the work done after it.
          undo         Reverse the last rewind, revert or undo in this work tree.
          op           The operation log: every rewind, revert and undo, with what it changed
          scan         Find every place AI agents enter software delivery, the authority each has, and a
                       verdict.
          doctor       Check that rein is installed, firing and healthy, and say what to fix.
          audit        Verify or export the audit log: an append-only, hash-chained record of every event
          policy       Inspect and test the gate's policy
          task         Declare a task: a title and the paths the agent may write while it lasts
          completions  Print a shell completion script to stdout.
          man          Print rein's manual page (roff) to stdout, or write one page per command to a
                       directory.
          help         Print this message or the help of the given subcommand(s)

        Options:
          -h, --help
                  Print help (see a summary with '-h')

          -V, --version
                  Print version
    ");
}

#[test]
fn unknown_subcommand_is_a_usage_error() {
    let env = TestEnv::new();
    let (stdout, stderr, code) = env.rein(&["frobnicate"]);
    assert_eq!(code, 2);
    assert_eq!(stdout, "");
    assert!(
        stderr.contains("unrecognized subcommand 'frobnicate'"),
        "{stderr}"
    );
}

#[test]
fn init_fresh_then_again_then_uninstall() {
    let env = TestEnv::new();
    seed(&env);
    insta::assert_snapshot!(env.snap(&["init"]), @r"
        exit: 0
        --- stdout
        Installed rein's hooks into [TMP]/repo/.claude/settings.local.json
          added:   PreToolUse, PostToolUse, PostToolUseFailure, UserPromptSubmit, Stop, SubagentStart, SubagentStop, SessionStart, SessionEnd, PreCompact, Notification
          command: [REIN] hook claude-code
        Baseline: 4 files in [TMP]/repo recorded in [DUR]
        Store: [TMP]/rein-home
        Next: use Claude Code here as usual, then `rein log`. `rein doctor` checks the setup.
    ");
    insta::assert_snapshot!(env.snap(&["init"]), @r"
        exit: 0
        --- stdout
        rein's hooks are already installed in [TMP]/repo/.claude/settings.local.json
          command: [REIN] hook claude-code
        Baseline: 4 files in [TMP]/repo recorded in [DUR]
        Store: [TMP]/rein-home
        Next: use Claude Code here as usual, then `rein log`. `rein doctor` checks the setup.
    ");
    insta::assert_snapshot!(env.snap(&["init", "--uninstall"]), @r"
        exit: 0
        --- stdout
        Removed 11 rein hook(s) and [TMP]/repo/.claude/settings.local.json, which held nothing else.
        Backup of the previous file: [TMP]/rein-home/backups/claude-settings/[HASH]-[TIME]-settings.local.json
    ");
    insta::assert_snapshot!(env.snap(&["init", "--uninstall"]), @r"
        exit: 0
        --- stdout
        Nothing to remove: [TMP]/repo/.claude/settings.local.json does not exist.
    ");
    // rein created the file and its directory: nothing of either is left, not even `{}`.
    assert!(!env.path(".claude").exists());
}

#[test]
fn init_writes_valid_settings_with_the_absolute_binary_path() {
    let env = TestEnv::new();
    let (_, _, code) = env.rein(&["init", "--no-baseline"]);
    assert_eq!(code, 0);
    let text = env.read(".claude/settings.local.json");
    let settings: Value = serde_json::from_str(&text).expect("settings are JSON");
    let bin = common::rein_bin().canonicalize().expect("binary path");
    let expected = format!("{} hook claude-code", bin.display());
    assert!(bin.is_absolute());
    let hooks = settings["hooks"].as_object().expect("hooks object");
    let mut events: Vec<&str> = hooks.keys().map(String::as_str).collect();
    events.sort_unstable();
    assert_eq!(
        events,
        [
            "Notification",
            "PostToolUse",
            "PostToolUseFailure",
            "PreCompact",
            "PreToolUse",
            "SessionEnd",
            "SessionStart",
            "Stop",
            "SubagentStart",
            "SubagentStop",
            "UserPromptSubmit"
        ]
    );
    for (event, groups) in hooks {
        let groups = groups.as_array().expect("groups");
        assert_eq!(groups.len(), 1, "{event}");
        let hook = &groups[0]["hooks"][0];
        assert_eq!(hook["type"], "command", "{event}");
        assert_eq!(hook["command"], expected.as_str(), "{event}");
        assert_eq!(hook["timeout"], 60, "{event}");
    }
    assert_eq!(settings["hooks"]["PreToolUse"][0]["matcher"], "*");
    // The file is byte-identical after a second run.
    env.rein(&["init", "--no-baseline"]);
    assert_eq!(env.read(".claude/settings.local.json"), text);
}

#[test]
fn init_keeps_the_users_own_settings_and_hooks() {
    let env = TestEnv::new();
    let mine = json!({
        "model": "opus",
        "hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "my-guard"}]}]}
    });
    env.write(
        ".claude/settings.local.json",
        &serde_json::to_string_pretty(&mine).expect("json"),
    );
    let (stdout, _, code) = env.rein(&["init", "--no-baseline"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("Backup of the previous file: "), "{stdout}");
    let settings: Value =
        serde_json::from_str(&env.read(".claude/settings.local.json")).expect("JSON");
    assert_eq!(settings["model"], "opus");
    let pre = settings["hooks"]["PreToolUse"].as_array().expect("array");
    assert_eq!(pre.len(), 2);
    assert_eq!(pre[0]["hooks"][0]["command"], "my-guard");
    // Uninstalling gives the user's file back.
    let (_, _, code) = env.rein(&["init", "--uninstall"]);
    assert_eq!(code, 0);
    let back: Value = serde_json::from_str(&env.read(".claude/settings.local.json")).expect("JSON");
    assert_eq!(back, mine);
}

#[test]
fn init_project_scope_writes_the_plain_command() {
    let env = TestEnv::new();
    insta::assert_snapshot!(env.snap(&["init", "--scope", "project", "--no-baseline"]), @r"
        exit: 0
        --- stdout
        Installed rein's hooks into [TMP]/repo/.claude/settings.json
          added:   PreToolUse, PostToolUse, PostToolUseFailure, UserPromptSubmit, Stop, SubagentStart, SubagentStop, SessionStart, SessionEnd, PreCompact, Notification
          command: rein hook claude-code
        Store: [TMP]/rein-home
        Next: use Claude Code here as usual, then `rein log`. `rein doctor` checks the setup.
    ");
    let text = env.read(".claude/settings.json");
    let settings: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(
        settings["hooks"]["Stop"][0]["hooks"][0]["command"],
        "rein hook claude-code"
    );
    assert!(!env.path(".claude/settings.local.json").exists());
}

#[test]
fn init_outside_a_git_repo_fails_with_a_hint() {
    let env = TestEnv::without_repo();
    insta::assert_snapshot!(env.snap(&["init"]), @r"
        exit: 1
        --- stderr
        error: not inside a git work tree
        hint: run `git init` first, or use `--scope user` to install for every repository
    ");
    assert!(!env.path(".claude").exists());
    assert!(!env.rein_home.join("rein.db").exists());
}

#[test]
fn init_refuses_an_invalid_settings_file_and_leaves_it_untouched() {
    let env = TestEnv::new();
    let broken = "{\n  \"hooks\": {\"PreToolUse\": [ \n";
    env.write(".claude/settings.local.json", broken);
    insta::assert_snapshot!(env.snap(&["init"]), @r"
        exit: 1
        --- stderr
        error: [TMP]/repo/.claude/settings.local.json is not a valid Claude Code settings file: settings file is not valid JSON (line 3, column 0): EOF while parsing a list
        hint: fix it by hand first; rein never overwrites a file it cannot read
    ");
    assert_eq!(env.read(".claude/settings.local.json"), broken);
    // Valid JSON of the wrong shape is refused too.
    let wrong = "{\"hooks\": {\"PreToolUse\": {\"not\": \"an array\"}}}\n";
    env.write(".claude/settings.local.json", wrong);
    let (stdout, stderr, code) = env.rein(&["init"]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(
        stderr.contains("is not a valid Claude Code settings file"),
        "{stderr}"
    );
    assert_eq!(env.read(".claude/settings.local.json"), wrong);
    // And so is uninstalling from it.
    let (_, _, code) = env.rein(&["init", "--uninstall"]);
    assert_eq!(code, 1);
    assert_eq!(env.read(".claude/settings.local.json"), wrong);
}

// ---------------------------------------------------------------------------------------------
// reading commands on an empty store

#[test]
fn log_without_a_store_fails_with_a_hint() {
    let env = TestEnv::new();
    insta::assert_snapshot!(env.snap(&["log"]), @r"
        exit: 1
        --- stderr
        error: no store matches `[TMP]/rein-home/rein.db`
        hint: nothing has been recorded yet: run `rein init` in a git work tree, then use Claude Code
    ");
    // A reader never creates the store.
    assert!(!env.rein_home.exists());
    let (_, _, code) = env.rein(&["audit", "verify"]);
    assert_eq!(code, 1);
    assert!(!env.rein_home.exists());
}

#[test]
fn log_on_an_empty_store() {
    let env = TestEnv::new();
    env.rein(&["init"]);
    insta::assert_snapshot!(env.snap(&["log"]), @r"
        exit: 0
        --- stdout
        No sessions recorded in [TMP]/repo yet. Run `rein init`, use your agent, then come back.
        (`rein log --all` lists the sessions of every work tree.)
    ");
    assert_eq!(
        env.json(&["log", "--json"]),
        json!({"schema": 1, "sessions": []})
    );
    insta::assert_snapshot!(env.snap(&["show", "1"]), @r"
        exit: 1
        --- stderr
        error: no step matches `1` in [TMP]/repo
        hint: `rein log` lists the sessions (s1), prompts (p1) and steps (1) recorded here; `rein log --all` lists every work tree's
    ");
}

// ---------------------------------------------------------------------------------------------
// a scripted session

/// SessionStart, a prompt, a Bash step that adds, modifies and deletes files in nested
/// directories, a Write, an external edit, an Edit, then Stop.
fn scripted_session() -> TestEnv {
    let env = installed();
    env.hook_ok(&env.session_start(SESSION));
    env.hook_ok(&env.prompt(SESSION, "prompt-1", "Add a parser module"));
    env.bash_step(
        SESSION,
        "toolu_bash_1",
        "mkdir -p src/parser/nested && echo 'pub mod deep;' > src/parser/mod.rs && \
         echo 'pub fn deep() {}' > src/parser/nested/deep.rs && \
         echo '// parser' >> src/lib.rs && rm docs/old.md",
        || {
            env.write("src/parser/mod.rs", "pub mod deep;\n");
            env.write("src/parser/nested/deep.rs", "pub fn deep() {}\n");
            env.append("src/lib.rs", "// parser\n");
            env.remove("docs/old.md");
        },
    );
    env.write_step(
        SESSION,
        "toolu_write_2",
        "src/parser/api.rs",
        "pub fn parse(s: &str) -> usize {\n    s.len()\n}\n",
    );
    // Someone edits a file between steps.
    env.append("src/lib.rs", "// human note\n");
    env.edit_step(
        SESSION,
        "toolu_edit_3",
        "src/lib.rs",
        "pub fn b() {}",
        "pub fn b() -> u32 {\n    2\n}",
    );
    env.hook_ok(&env.stop(SESSION));
    env
}

#[test]
fn scripted_session_log() {
    let env = scripted_session();
    insta::assert_snapshot!(env.snap(&["log"]), @r#"
        exit: 0
        --- stdout
        session s1 · claude-code sess-0001-aaaa · [TIME] · dev@example.com
          in [TMP]/repo
          prompt p1 · "Add a parser module"
            step 1    Bash     ok      mkdir -p src/parser/nested && echo 'pub mod deep;' > src/parser/mod.rs && echo …
                         D docs/old.md, M src/lib.rs, A src/parser/mod.rs, A src/parser/nested/deep.rs
            step 2    Write    ok      [TMP]/repo/src/parser/api.rs
                         A src/parser/api.rs
            step 3    Edit     ok      [TMP]/repo/src/lib.rs
                         M src/lib.rs
          external · M src/lib.rs · noticed [TIME]
    "#);
}

#[test]
fn scripted_session_log_json() {
    let env = scripted_session();
    let log = env.json(&["log", "--json"]);
    assert_eq!(log["schema"], 1);
    let sessions = log["sessions"].as_array().expect("sessions");
    assert_eq!(sessions.len(), 1);
    let s = &sessions[0];
    assert_eq!(s["session_ref"], "s1");
    assert_eq!(s["session_id"], SESSION);
    assert_eq!(s["agent"], "claude-code");
    assert_eq!(s["model"], "claude-test-1");
    assert_eq!(s["human"], "dev@example.com");
    assert_eq!(s["environment"], "local");
    assert_eq!(s["worktree"], env.repo.to_str().expect("utf8"));
    let turns = s["turns"].as_array().expect("turns");
    assert_eq!(turns.len(), 1);
    assert_eq!(turns[0]["prompt_ref"], "p1");
    assert_eq!(turns[0]["prompt"], "Add a parser module");
    let steps = turns[0]["steps"].as_array().expect("steps");
    #[allow(clippy::type_complexity)]
    let summary: Vec<(i64, &str, &str, Vec<(String, String)>)> = steps
        .iter()
        .map(|st| {
            (
                st["step"].as_i64().expect("step"),
                st["tool"].as_str().expect("tool"),
                st["outcome"].as_str().expect("outcome"),
                files_of(st),
            )
        })
        .collect();
    let f = |p: &str, c: &str| (p.to_owned(), c.to_owned());
    assert_eq!(
        summary,
        vec![
            (
                1,
                "Bash",
                "ok",
                vec![
                    f("docs/old.md", "deleted"),
                    f("src/lib.rs", "modified"),
                    f("src/parser/mod.rs", "added"),
                    f("src/parser/nested/deep.rs", "added"),
                ]
            ),
            (2, "Write", "ok", vec![f("src/parser/api.rs", "added")]),
            (3, "Edit", "ok", vec![f("src/lib.rs", "modified")]),
        ]
    );
    assert_eq!(steps[0]["duration_ms"], 42);
    assert_eq!(steps[0]["tool_use_id"], "toolu_bash_1");
    assert_eq!(steps[0]["agent_id"], Value::Null);
    // The human's edit is external, and is nobody's step.
    let external = s["external"].as_array().expect("external");
    assert_eq!(external.len(), 1, "{external:#?}");
    assert_eq!(external[0]["path"], "src/lib.rs");
    assert_eq!(external[0]["change"], "modified");
}

#[test]
fn scripted_session_show_step() {
    let env = scripted_session();
    insta::assert_snapshot!(env.snap(&["show", "2"]), @r#"
        exit: 0
        --- stdout
        step 2 · Write · [TIME]
        session s1 (claude-code sess-0001-aaaa)
        prompt p1: Add a parser module
        outcome: ok in 3 ms
        decision: allow
          why: Allowed: no rule forbids any of the 2 requests this call makes.
          policy: [HASH]

        input:
          {
            "file_path": "[TMP]/repo/src/parser/api.rs",
            "content": "pub fn parse(s: &str) -> usize {\n    s.len()\n}\n"
          }

        files:
          A src/parser/api.rs

        diff --git a/src/parser/api.rs b/src/parser/api.rs
        new file mode 100644
        --- /dev/null
        +++ b/src/parser/api.rs
        @@ -0,0 +1,3 @@
        +pub fn parse(s: &str) -> usize {
        +    s.len()
        +}
    "#);
    insta::assert_snapshot!(env.snap(&["show", "toolu_bash_1"]), @r#"
        exit: 0
        --- stdout
        step 1 · Bash · [TIME]
        session s1 (claude-code sess-0001-aaaa)
        prompt p1: Add a parser module
        outcome: ok in 42 ms
        decision: allow
          why: Allowed: no rule forbids any of the 11 requests this call makes.
          policy: [HASH]

        input:
          {
            "command": "mkdir -p src/parser/nested && echo 'pub mod deep;' > src/parser/mod.rs && echo 'pub fn deep() {}' > src/parser/nested/deep.rs && echo '// parser' >> src/lib.rs && rm docs/old.md",
            "description": "test step"
          }

        files:
          D docs/old.md
          M src/lib.rs
          A src/parser/mod.rs
          A src/parser/nested/deep.rs

        diff --git a/docs/old.md b/docs/old.md
        deleted file mode 100644
        --- a/docs/old.md
        +++ /dev/null
        @@ -1 +0,0 @@
        -obsolete
        diff --git a/src/lib.rs b/src/lib.rs
        --- a/src/lib.rs
        +++ b/src/lib.rs
        @@ -1,3 +1,4 @@
         pub fn a() {}
         pub fn b() {}
         pub fn c() {}
        +// parser
        diff --git a/src/parser/mod.rs b/src/parser/mod.rs
        new file mode 100644
        --- /dev/null
        +++ b/src/parser/mod.rs
        @@ -0,0 +1 @@
        +pub mod deep;
        diff --git a/src/parser/nested/deep.rs b/src/parser/nested/deep.rs
        new file mode 100644
        --- /dev/null
        +++ b/src/parser/nested/deep.rs
        @@ -0,0 +1 @@
        +pub fn deep() {}
    "#);
    insta::assert_snapshot!(env.snap(&["show", "2", "--json"]), @r#"
        exit: 0
        --- stdout
        {
          "schema": 1,
          "step": 2,
          "tool_use_id": "toolu_write_2",
          "tool": "Write",
          "agent_id": null,
          "input": {
            "file_path": "[TMP]/repo/src/parser/api.rs",
            "content": "pub fn parse(s: &str) -> usize {\n    s.len()\n}\n"
          },
          "outcome": "ok",
          "error": null,
          "decision": {
            "answer": "allow",
            "mode": "enforce",
            "enforced": true,
            "reason": "Allowed: no rule forbids any of the 2 requests this call makes.",
            "rules": [],
            "policy_hash": "[HASH]",
            "time": "[TIME]",
            "effects": [
              {
                "action": "tool",
                "summary": "call the Write tool",
                "answer": "allow"
              },
              {
                "action": "write",
                "summary": "write [TMP]/repo/src/parser/api.rs",
                "answer": "allow"
              }
            ],
            "matched": [],
            "error": null
          },
          "response": {
            "stdout": "",
            "stderr": "",
            "interrupted": false
          },
          "duration_ms": 3,
          "time": "[TIME]",
          "capture": "ok",
          "session_ref": "s1",
          "session_id": "sess-0001-aaaa",
          "agent": "claude-code",
          "prompt_ref": "p1",
          "prompt": "Add a parser module",
          "files": [
            {
              "path": "src/parser/api.rs",
              "change": "added"
            }
          ],
          "diff": "diff --git a/src/parser/api.rs b/src/parser/api.rs\nnew file mode 100644\n--- /dev/null\n+++ b/src/parser/api.rs\n@@ -0,0 +1,3 @@\n+pub fn parse(s: &str) -> usize {\n+    s.len()\n+}\n"
        }
    "#);
    let show = env.json(&["show", "2", "--json"]);
    assert_eq!(show["schema"], 1);
    assert_eq!(show["step"], 2);
    assert_eq!(show["tool"], "Write");
    assert_eq!(show["tool_use_id"], "toolu_write_2");
    assert_eq!(show["outcome"], "ok");
    assert_eq!(show["session_ref"], "s1");
    assert_eq!(show["session_id"], SESSION);
    assert_eq!(show["prompt_ref"], "p1");
    assert_eq!(show["prompt"], "Add a parser module");
    assert_eq!(show["duration_ms"], 3);
    assert_eq!(show["capture"], "ok");
    assert_eq!(show["input"]["file_path"], env.abs("src/parser/api.rs"));
    assert_eq!(
        show["files"],
        json!([{"path": "src/parser/api.rs", "change": "added"}])
    );
    let diff = show["diff"].as_str().expect("diff");
    assert!(diff.contains("+pub fn parse(s: &str) -> usize {"), "{diff}");
    // Prompts and sessions are not steps.
    insta::assert_snapshot!(env.snap(&["show", "p1"]), @r"
        exit: 1
        --- stderr
        error: `p1` is not a step
        hint: `rein diff p1` shows the changes of a prompt or session
    ");
    let (_, stderr, code) = env.rein(&["show", "99"]);
    assert_eq!(code, 1);
    assert!(stderr.starts_with("error: "), "{stderr}");
}

#[test]
fn scripted_session_diff() {
    let env = scripted_session();
    insta::assert_snapshot!(env.snap(&["diff", "p1"]), @r"
        exit: 0
        --- stdout
        diff --git a/docs/old.md b/docs/old.md
        deleted file mode 100644
        --- a/docs/old.md
        +++ /dev/null
        @@ -1 +0,0 @@
        -obsolete
        diff --git a/src/lib.rs b/src/lib.rs
        --- a/src/lib.rs
        +++ b/src/lib.rs
        @@ -1,3 +1,4 @@
         pub fn a() {}
         pub fn b() {}
         pub fn c() {}
        +// parser
        diff --git a/src/lib.rs b/src/lib.rs
        --- a/src/lib.rs
        +++ b/src/lib.rs
        @@ -1,5 +1,7 @@
         pub fn a() {}
        -pub fn b() {}
        +pub fn b() -> u32 {
        +    2
        +}
         pub fn c() {}
         // parser
         // human note
        diff --git a/src/parser/api.rs b/src/parser/api.rs
        new file mode 100644
        --- /dev/null
        +++ b/src/parser/api.rs
        @@ -0,0 +1,3 @@
        +pub fn parse(s: &str) -> usize {
        +    s.len()
        +}
        diff --git a/src/parser/mod.rs b/src/parser/mod.rs
        new file mode 100644
        --- /dev/null
        +++ b/src/parser/mod.rs
        @@ -0,0 +1 @@
        +pub mod deep;
        diff --git a/src/parser/nested/deep.rs b/src/parser/nested/deep.rs
        new file mode 100644
        --- /dev/null
        +++ b/src/parser/nested/deep.rs
        @@ -0,0 +1 @@
        +pub fn deep() {}
    ");
    insta::assert_snapshot!(env.snap(&["diff", "s1", "--stat"]), @r"
        exit: 0
        --- stdout
        docs/old.md | +0 -1
        src/lib.rs | +1 -0
        src/lib.rs | +3 -1
        src/parser/api.rs | +3 -0
        src/parser/mod.rs | +1 -0
        src/parser/nested/deep.rs | +1 -0
    ");
    insta::assert_snapshot!(env.snap(&["diff", "3"]), @r"
        exit: 0
        --- stdout
        diff --git a/src/lib.rs b/src/lib.rs
        --- a/src/lib.rs
        +++ b/src/lib.rs
        @@ -1,5 +1,7 @@
         pub fn a() {}
        -pub fn b() {}
        +pub fn b() -> u32 {
        +    2
        +}
         pub fn c() {}
         // parser
         // human note
    ");
}

/// A prompt's or session's diff folded each file from before the first step that touched it to
/// after the last one, so an external edit made between two of those steps showed up as the
/// agent's (`rein diff --help` says external edits are left out).
#[test]
fn regression_diff_of_a_prompt_included_external_edits_between_its_steps() {
    let env = scripted_session();
    for target in ["p1", "s1"] {
        let (stdout, _, code) = env.rein(&["diff", target]);
        assert_eq!(code, 0);
        assert!(stdout.contains("+// parser"), "{stdout}");
        assert!(
            !stdout.contains("+// human note"),
            "rein diff {target} shows the human's edit as the agent's:\n{stdout}"
        );
    }
}

#[test]
fn scripted_session_blame() {
    let env = scripted_session();
    insta::assert_snapshot!(env.snap(&["blame", "src/lib.rs"]), @r"
        exit: 0
        --- stdout
        baseline               [TIME] 1| pub fn a() {}
        step 3     p1   Edit   [TIME] 2| pub fn b() -> u32 {
        step 3     p1   Edit   [TIME] 3|     2
        step 3     p1   Edit   [TIME] 4| }
        baseline               [TIME] 5| pub fn c() {}
        step 1     p1   Bash   [TIME] 6| // parser
        external               [TIME] 7| // human note
    ");
    let blame = env.json(&["blame", "src/lib.rs", "--json"]);
    assert_eq!(blame["path"], "src/lib.rs");
    let lines = blame["lines"].as_array().expect("lines");
    let origins: Vec<(&str, &str)> = lines
        .iter()
        .map(|l| {
            (
                l["text"].as_str().expect("text"),
                l["origin"].as_str().expect("origin"),
            )
        })
        .collect();
    assert_eq!(
        origins,
        [
            ("pub fn a() {}", "baseline"),
            ("pub fn b() -> u32 {", "agent"),
            ("    2", "agent"),
            ("}", "agent"),
            ("pub fn c() {}", "baseline"),
            ("// parser", "agent"),
            ("// human note", "external"),
        ]
    );
    let line = |n: usize| &lines[n - 1];
    assert_eq!(line(1)["line"], 1);
    for (n, step, tool) in [(2, 3, "Edit"), (6, 1, "Bash")] {
        let l = line(n);
        assert_eq!(l["session_id"], SESSION, "line {n}");
        assert_eq!(l["step"], step, "line {n}");
        assert_eq!(l["tool"], tool, "line {n}");
        assert_eq!(l["prompt"], "Add a parser module", "line {n}");
        assert_eq!(l["prompt_ref"], "p1", "line {n}");
        assert_eq!(l["agent"], "claude-code", "line {n}");
        assert!(
            l["time"].as_str().is_some_and(|t| t.ends_with('Z')),
            "line {n}: {l}"
        );
    }
    for n in [1, 5, 7] {
        assert_eq!(line(n).get("session_id"), None, "line {n}");
        assert_eq!(line(n).get("step"), None, "line {n}");
        assert!(line(n)["time"].is_string(), "line {n}");
    }
    // A file made wholly by one step.
    let blame = env.json(&["blame", "src/parser/nested/deep.rs", "--json"]);
    assert_eq!(blame["lines"][0]["origin"], "agent");
    assert_eq!(blame["lines"][0]["step"], 1);
}

#[test]
fn scripted_session_blame_from_a_subdirectory_and_errors() {
    let mut env = scripted_session();
    env.cwd = env.repo.join("src/parser");
    let blame = env.json(&["blame", "api.rs", "--json"]);
    assert_eq!(blame["path"], "src/parser/api.rs");
    assert_eq!(blame["lines"][0]["step"], 2);
    insta::assert_snapshot!(env.snap(&["blame", "missing.rs"]), @r"
        exit: 1
        --- stderr
        error: src/parser/missing.rs does not exist
    ");
    insta::assert_snapshot!(env.snap(&["blame", "../../../outside.txt"]), @r"
        exit: 1
        --- stderr
        error: ../../../outside.txt is not a file inside [TMP]/repo
    ");
}

#[test]
fn scripted_session_doctor_and_audit() {
    let env = scripted_session();
    insta::assert_snapshot!(env.snap(&["doctor"]), @r"
        exit: 0
        --- stdout
        [ok  ] hooks: installed in [TMP]/repo/.claude/settings.local.json (11 events) → [REIN] hook claude-code
        [ok  ] store: [TMP]/rein-home/rein.db (schema 6)
        [ok  ] operations: no interrupted rewind, revert or undo
        [ok  ] audit: chain intact (10 records)
        [ok  ] events: hooks are firing: last event received [TIME]
        [ok  ] gate: enforce mode, 44 rules, on error: deny

        All good.
    ");
    insta::assert_snapshot!(env.snap(&["audit", "verify"]), @r"
        exit: 0
        --- stdout
        audit log intact: 10 records, head [HASH]
    ");
    // baseline + SessionStart + prompt + 3 × (Pre, Post) + Stop
    let records = env.audit_records();
    let kinds: Vec<&str> = records
        .iter()
        .map(|r| r["kind"].as_str().expect("kind"))
        .collect();
    assert_eq!(
        kinds,
        [
            "rein.baseline",
            "claude-code.SessionStart",
            "claude-code.UserPromptSubmit",
            "claude-code.PreToolUse",
            "claude-code.PostToolUse",
            "claude-code.PreToolUse",
            "claude-code.PostToolUse",
            "claude-code.PreToolUse",
            "claude-code.PostToolUse",
            "claude-code.Stop",
        ]
    );
    // The Edit's Pre noticed the human's edit; its Post recorded the step's own change.
    assert_eq!(
        records[7]["data"]["changes"],
        json!([{"path": "src/lib.rs", "old_path": null, "change": "modified", "origin": "external",
                "before": records[4]["data"]["changes"][1]["after"], "after": records[7]["data"]["changes"][0]["after"]}])
    );
    assert_eq!(records[8]["data"]["changes"][0]["origin"], "step");
    assert_eq!(records[8]["data"]["step"], 3);
    let v = env.json(&["audit", "verify", "--json"]);
    assert_eq!(v["ok"], true);
    assert_eq!(v["records"], 10);
    assert_eq!(v["problems"], json!([]));
}

// ---------------------------------------------------------------------------------------------
// outcomes, sub-agents, ignore rules, attribution

#[test]
fn step_with_pre_but_no_post_is_denied_at_stop() {
    let env = installed();
    env.hook_ok(&env.session_start(SESSION));
    env.hook_ok(&env.prompt(SESSION, "prompt-1", "Push it"));
    // rein allows the push; Claude Code's own permission rule then denies it.
    let input = json!({"command": "git push origin main"});
    env.hook_ok(&env.pre(SESSION, "toolu_push", "Bash", input));
    let log = log_json(&env);
    assert_eq!(
        step_by_tool_use_id(&log, "toolu_push")["outcome"],
        "pending"
    );
    env.hook_ok(&env.stop(SESSION));
    let log = log_json(&env);
    let step = step_by_tool_use_id(&log, "toolu_push");
    assert_eq!(step["outcome"], "denied");
    assert_eq!(files_of(&step), []);
    insta::assert_snapshot!(env.snap(&["show", "1"]), @r#"
        exit: 0
        --- stdout
        step 1 · Bash · [TIME]
        session s1 (claude-code sess-0001-aaaa)
        prompt p1: Push it
        outcome: denied
        error: no result was reported: blocked by a hook or a permission rule, or its hook was killed
        decision: allow
          why: Allowed: no rule forbids any of the 3 requests this call makes.
          policy: [HASH]

        input:
          {
            "command": "git push origin main"
          }

        files: none changed
    "#);
}

#[test]
fn post_tool_use_failure_is_failed_and_keeps_its_changes() {
    let env = installed();
    env.hook_ok(&env.session_start(SESSION));
    env.hook_ok(&env.prompt(SESSION, "prompt-1", "Build it"));
    let input = json!({"command": "make > build.txt; exit 2"});
    env.hook_ok(&env.pre(SESSION, "toolu_make", "Bash", input.clone()));
    env.write("build.txt", "partial output\n");
    env.hook_ok(&env.failure(
        SESSION,
        "toolu_make",
        "Bash",
        input,
        "Exit code 2\nmake: *** No targets.  Stop.",
    ));
    env.hook_ok(&env.stop(SESSION));
    let log = log_json(&env);
    let step = step_by_tool_use_id(&log, "toolu_make");
    assert_eq!(step["outcome"], "failed");
    assert_eq!(step["duration_ms"], 7);
    assert_eq!(
        files_of(&step),
        [("build.txt".to_owned(), "added".to_owned())]
    );
    insta::assert_snapshot!(env.snap(&["show", "1"]), @r#"
        exit: 0
        --- stdout
        step 1 · Bash · [TIME]
        session s1 (claude-code sess-0001-aaaa)
        prompt p1: Build it
        outcome: failed in 7 ms
        error: Exit code 2
        make: *** No targets.  Stop.
        decision: allow
          why: Allowed: no rule forbids any of the 4 requests this call makes.
          policy: [HASH]

        input:
          {
            "command": "make > build.txt; exit 2"
          }

        files:
          A build.txt

        diff --git a/build.txt b/build.txt
        new file mode 100644
        --- /dev/null
        +++ b/build.txt
        @@ -0,0 +1 @@
        +partial output
    "#);
}

#[test]
fn subagent_tool_call_belongs_to_the_parent_session() {
    let env = installed();
    env.hook_ok(&env.session_start(SESSION));
    env.hook_ok(&env.prompt(SESSION, "prompt-1", "Delegate"));
    let agent_input = json!({"description": "write c.txt", "prompt": "create c.txt", "subagent_type": "general-purpose"});
    env.hook_ok(&env.pre(SESSION, "toolu_agent", "Agent", agent_input.clone()));
    env.hook_ok(&env.event(
        SESSION,
        "SubagentStart",
        json!({"agent_id": "agent-7", "agent_type": "general-purpose"}),
    ));
    let sub = |mut v: Value| {
        v["agent_id"] = json!("agent-7");
        v["agent_type"] = json!("general-purpose");
        v
    };
    let input = json!({"command": "echo sub > c.txt"});
    env.hook_ok(&sub(env.pre(SESSION, "toolu_sub", "Bash", input.clone())));
    env.write("c.txt", "sub\n");
    env.hook_ok(&sub(env.post(SESSION, "toolu_sub", "Bash", input, 10)));
    env.hook_ok(&env.event(
        SESSION,
        "SubagentStop",
        json!({"agent_id": "agent-7", "agent_type": "general-purpose"}),
    ));
    env.hook_ok(&env.post(SESSION, "toolu_agent", "Agent", agent_input, 650));
    env.hook_ok(&env.stop(SESSION));

    let log = log_json(&env);
    let sessions = log["sessions"].as_array().expect("sessions");
    assert_eq!(sessions.len(), 1, "the sub-agent is no session of its own");
    assert_eq!(sessions[0]["session_id"], SESSION);
    let sub_step = step_by_tool_use_id(&log, "toolu_sub");
    assert_eq!(sub_step["agent_id"], "agent-7");
    assert_eq!(
        files_of(&sub_step),
        [("c.txt".to_owned(), "added".to_owned())]
    );
    let agent_step = step_by_tool_use_id(&log, "toolu_agent");
    assert_eq!(agent_step["agent_id"], Value::Null);
    assert_eq!(agent_step["outcome"], "ok");
    assert_eq!(files_of(&agent_step), []);
    insta::assert_snapshot!(env.snap(&["log"]), @r#"
        exit: 0
        --- stdout
        session s1 · claude-code sess-0001-aaaa · [TIME] · dev@example.com
          in [TMP]/repo
          prompt p1 · "Delegate"
            step 1    Agent    ok      write c.txt
            step 2    Bash     ok      echo sub > c.txt (sub-agent)
                         A c.txt
    "#);
    let blame = env.json(&["blame", "c.txt", "--json"]);
    assert_eq!(blame["lines"][0]["session_id"], SESSION);
    assert_eq!(blame["lines"][0]["step"], sub_step["step"]);
}

/// A Bash step creates a tracked file, an ignored directory's file and an ignored log; a Write
/// step writes another ignored log.
fn ignored_files_session(env: &TestEnv) -> Value {
    env.hook_ok(&env.session_start(SESSION));
    env.hook_ok(&env.prompt(SESSION, "prompt-1", "Build"));
    env.bash_step(SESSION, "toolu_build", "cargo build", || {
        env.write("src/generated.rs", "// generated\n");
        env.write("build/out/app.bin", "binary\n");
        env.write("logs/debug.log", "debug\n");
    });
    env.write_step(SESSION, "toolu_log", "notes.log", "a note\n");
    env.hook_ok(&env.stop(SESSION));
    log_json(env)
}

#[test]
fn gitignored_files_are_not_captured() {
    let env = installed();
    let log = ignored_files_session(&env);
    assert_eq!(
        files_of(&step_by_tool_use_id(&log, "toolu_build")),
        [("src/generated.rs".to_owned(), "added".to_owned())]
    );
    assert_eq!(files_of(&step_by_tool_use_id(&log, "toolu_log")), []);
    assert_eq!(log["sessions"][0]["external"], json!([]));
}

#[test]
fn gitignored_files_are_captured_with_include_ignored() {
    let env = TestEnv::new();
    seed(&env);
    env.write(".rein/config.toml", "[capture]\ninclude_ignored = true\n");
    let (_, stderr, code) = env.rein(&["init"]);
    assert_eq!((code, stderr.as_str()), (0, ""));
    let log = ignored_files_session(&env);
    let a = |p: &str| (p.to_owned(), "added".to_owned());
    assert_eq!(
        files_of(&step_by_tool_use_id(&log, "toolu_build")),
        [
            a("build/out/app.bin"),
            a("logs/debug.log"),
            a("src/generated.rs")
        ]
    );
    assert_eq!(
        files_of(&step_by_tool_use_id(&log, "toolu_log")),
        [a("notes.log")]
    );
}

#[test]
fn change_between_steps_is_external_and_not_attributed_to_the_next_step() {
    let env = installed();
    env.hook_ok(&env.session_start(SESSION));
    env.hook_ok(&env.prompt(SESSION, "prompt-1", "Two steps"));
    env.bash_step(SESSION, "toolu_one", "touch one.txt", || {
        env.write("one.txt", "1\n")
    });
    // Between the steps: a human edits a file and adds another.
    env.append("README.md", "Edited by hand.\n");
    env.write("notes/todo.txt", "by hand\n");
    env.bash_step(SESSION, "toolu_two", "touch two.txt", || {
        env.write("two.txt", "2\n")
    });
    // And again, before a Write step (whose capture is only its own path).
    env.write("scratch.txt", "by hand\n");
    env.write_step(SESSION, "toolu_three", "three.txt", "3\n");
    env.hook_ok(&env.stop(SESSION));

    let log = log_json(&env);
    let a = |p: &str| (p.to_owned(), "added".to_owned());
    assert_eq!(
        files_of(&step_by_tool_use_id(&log, "toolu_one")),
        [a("one.txt")]
    );
    assert_eq!(
        files_of(&step_by_tool_use_id(&log, "toolu_two")),
        [a("two.txt")]
    );
    assert_eq!(
        files_of(&step_by_tool_use_id(&log, "toolu_three")),
        [a("three.txt")]
    );
    let external: Vec<(String, String)> = log["sessions"][0]["external"]
        .as_array()
        .expect("external")
        .iter()
        .map(|e| {
            (
                e["path"].as_str().expect("path").to_owned(),
                e["change"].as_str().expect("change").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        external,
        [
            ("README.md".to_owned(), "modified".to_owned()),
            a("notes/todo.txt"),
            a("scratch.txt"),
        ]
    );
    let blame = env.json(&["blame", "README.md", "--json"]);
    let origins: Vec<&str> = blame["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .map(|l| l["origin"].as_str().expect("origin"))
        .collect();
    assert_eq!(origins, ["baseline", "baseline", "baseline", "external"]);
}

#[test]
fn same_size_edit_right_after_a_step_is_noticed() {
    // The edit lands within milliseconds of the step's walk, with the same size: only the
    // content tells it apart (the stat cache must treat such fresh entries as racy).
    let env = installed();
    env.hook_ok(&env.session_start(SESSION));
    env.bash_step(SESSION, "toolu_a", "echo aaaa > same.txt", || {
        env.write("same.txt", "aaaa\n")
    });
    env.write("same.txt", "bbbb\n");
    env.bash_step(SESSION, "toolu_b", "touch other.txt", || {
        env.write("other.txt", "\n")
    });
    let log = log_json(&env);
    assert_eq!(
        files_of(&step_by_tool_use_id(&log, "toolu_b")),
        [("other.txt".to_owned(), "added".to_owned())]
    );
    assert_eq!(
        log["sessions"][0]["external"][0]["path"], "same.txt",
        "{log:#}"
    );
    let blame = env.json(&["blame", "same.txt", "--json"]);
    assert_eq!(blame["lines"][0]["origin"], "external");
    assert_eq!(blame["lines"][0]["text"], "bbbb");
}

// ---------------------------------------------------------------------------------------------
// failures and secrets

#[test]
fn malformed_payload_is_denied_with_one_stderr_line_and_doctor_reports_it() {
    let env = installed();
    let r = env.hook_raw(b"{ this is not json");
    assert_eq!(r.code, 0);
    // It may have been a PreToolUse: the gate fails closed.
    let answer: Value = serde_json::from_str(&r.stdout).expect("a JSON answer");
    assert_eq!(answer["hookSpecificOutput"]["permissionDecision"], "deny");
    assert_eq!(r.stderr.lines().count(), 1, "{:?}", r.stderr);
    insta::assert_snapshot!(env.render(&r), @r#"
        exit: 0
        --- stdout
        {"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"deny","permissionDecisionReason":"rein could not decide this call, so it is denied: malformed hook payload: the hook payload is not valid JSON (key must be a string at line 1 column 3)"}}--- stderr
        rein: malformed hook payload: the hook payload is not valid JSON (key must be a string at line 1 column 3) (the event was kept; run `rein doctor`)
    "#);
    // Valid JSON without the fields rein needs is a failure too.
    let r = env.hook_raw(br#"{"hook_event_name": "PreToolUse", "session_id": "s", "cwd": "/"}"#);
    assert_eq!((r.code, r.stderr.lines().count()), (0, 1), "{:?}", r.stderr);
    insta::assert_snapshot!(env.snap(&["doctor"]), @r"
        exit: 0
        --- stdout
        [ok  ] hooks: installed in [TMP]/repo/.claude/settings.local.json (11 events) → [REIN] hook claude-code
        [ok  ] store: [TMP]/rein-home/rein.db (schema 6)
        [ok  ] operations: no interrupted rewind, revert or undo
        [ok  ] audit: chain intact (1 records)
        [warn] events: no event received here yet
               fix: start a Claude Code session in this repository; if `rein doctor` still shows no event, run `claude --debug` and look for hook errors
        [warn] failures: 2 hook failure(s) not cleared; newest at [TIME] on PreToolUse: malformed hook payload: the hook payload has no string field `tool_use_id`
               fix: `rein doctor --failures` lists them; once the cause is fixed, `rein doctor --clear-failures`
        [ok  ] gate: enforce mode, 44 rules, on error: deny
        [warn] spool: 2 event(s) were spooled to [TMP]/rein-home/spool after hook failures
               fix: `rein doctor --failures` lists them; once the cause is fixed, `rein doctor --clear-failures`

        Working, with warnings.
    ");
    // The payloads were spooled for inspection.
    let spooled = std::fs::read_dir(env.rein_home.join("spool"))
        .expect("spool dir")
        .count();
    assert_eq!(spooled, 2);
    // Nothing was recorded as an event.
    assert_eq!(env.audit_records().len(), 1, "only the baseline");
}

/// Regression: an invalid `.rein/config.toml` made every hook print a multi-line TOML error on
/// stderr (the hook's contract is one line per problem; `rein doctor` keeps the full text).
#[test]
fn regression_invalid_config_printed_a_multiline_toml_error_from_the_hook() {
    let env = installed();
    env.write(".rein/config.toml", "[capture]\ninclude_ignored = maybe\n");
    let (stdout, stderr, code) = env.hook(&env.stop(SESSION));
    assert_eq!((code, stdout.as_str()), (0, ""));
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert_eq!(
        env.filter(&stderr),
        "rein: invalid config in [TMP]/repo/.rein/config.toml: TOML parse error at line 2, \
         column 19 | 2 | include_ignored = maybe | ^^^^^ string values must be quoted, expected \
         literal string\n"
    );
    // The event was recorded all the same, with the default configuration.
    let records = env.audit_records();
    assert_eq!(records.last().expect("record")["kind"], "claude-code.Stop");
    let doctor = env.run(&["doctor"]);
    assert!(
        doctor
            .stdout
            .contains("1 hook failure(s) not cleared; newest at "),
        "{}",
        doctor.stdout
    );
    assert!(
        doctor.stdout.contains("on Stop: invalid config in "),
        "{}",
        doctor.stdout
    );
}

/// TOML errors quote the offending line; a secret pasted into a broken config reached stderr
/// and the store's failure log in clear.
#[test]
fn regression_config_error_quoted_a_secret_in_clear() {
    let env = installed();
    let secret = "ghp_0123456789abcdefghijklmnopqrstuvwxyzAB";
    env.write(
        ".rein/config.toml",
        &format!("[identity]\nhuman = {secret}\n"),
    );
    let (_, stderr, code) = env.hook(&env.stop(SESSION));
    assert_eq!(code, 0);
    assert!(stderr.contains("invalid config"), "{stderr}");
    assert!(!stderr.contains(secret), "{stderr}");
    let doctor = env.run(&["doctor"]);
    assert!(
        doctor.stdout.contains("invalid config"),
        "{}",
        doctor.stdout
    );
    assert!(!doctor.stdout.contains(secret), "{}", doctor.stdout);
}

#[test]
fn empty_payload_is_denied_with_one_stderr_line() {
    let env = installed();
    let r = env.hook_raw(b"");
    assert_eq!(r.code, 0);
    assert!(
        r.stdout.contains(r#""permissionDecision":"deny""#),
        "{}",
        r.stdout
    );
    assert_eq!(r.stderr.lines().count(), 1, "{:?}", r.stderr);
    let doctor = env.json(&["doctor", "--json"]);
    let failures: Vec<&Value> = doctor["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .filter(|c| c["check"] == "failures")
        .collect();
    assert_eq!(failures.len(), 1, "{doctor:#}");
}

#[test]
fn secret_in_a_bash_command_is_not_stored_in_clear() {
    let env = installed();
    let secret = format!("ghp_{}", "aB3dE5gH7jK9mN1pQ3sT5vX7zA9cE1gI2kM4");
    assert_eq!(secret.len(), 40);
    let command = format!("export GITHUB_TOKEN={secret} && gh api user > user.json");
    env.hook_ok(&env.session_start(SESSION));
    env.hook_ok(&env.prompt(SESSION, "prompt-1", "Check my GitHub user"));
    env.bash_step(SESSION, "toolu_gh", &command, || {
        env.write("user.json", "{\"login\": \"dev\"}\n")
    });
    env.hook_ok(&env.stop(SESSION));
    let log = log_json(&env);
    let step = step_by_tool_use_id(&log, "toolu_gh");
    assert_eq!(step["outcome"], "ok");
    assert!(
        step["summary"]
            .as_str()
            .is_some_and(|s| s.starts_with("export GITHUB_TOKEN=")),
        "{step}"
    );
    // Not in any file of the store: the database, its WAL, blobs, caches.
    let mut files = 0;
    let mut stack = vec![env.rein_home.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read_dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            files += 1;
            let bytes = std::fs::read(&path).expect("read");
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "the secret is stored in clear in {}",
                path.display()
            );
        }
    }
    assert!(files >= 1);
    // Nor in any output.
    for args in [
        &["show", "1"][..],
        &["show", "1", "--json"],
        &["log", "--json"],
        &["audit", "export"],
    ] {
        let (stdout, _, code) = env.rein(args);
        assert_eq!(code, 0);
        assert!(!stdout.contains(&secret), "rein {args:?} prints the secret");
    }
}

/// Claude Code repeats file contents in payloads (Write's `content`); stored inline they
/// multiplied the store's size. Long payload strings are now blobs referenced by hash, and the
/// reference to a written file's content is the very blob of its recorded version.
#[test]
fn regression_long_payload_strings_were_stored_inline_in_every_copy() {
    let env = TestEnv::new();
    env.hook_ok(&env.session_start("s"));
    let content: String = (0..400)
        .map(|i| format!("line {i} of a long file\n"))
        .collect();
    env.write_step("s", "toolu_big", "big.txt", &content);
    let blob = rein_core::blob::BlobId::of(content.as_bytes()).to_hex();
    let reference = format!("[rein:blob {blob} {} bytes]", content.len());
    let post = env
        .audit_records()
        .into_iter()
        .find(|r| r["kind"] == "claude-code.PostToolUse")
        .expect("the PostToolUse record");
    assert_eq!(
        post["data"]["payload"]["tool_input"]["content"],
        reference.as_str()
    );
    assert_eq!(post["data"]["changes"][0]["after"], blob.as_str());
    // The step's own input keeps the full text for `rein show`.
    let shown = env.json(&["show", "1", "--json"]);
    assert_eq!(shown["input"]["content"], content.as_str());
}
