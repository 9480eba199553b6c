//! `rein policy`: try the gate on a hypothetical call, run a cases file, lint and list rules.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use rein_core::config::Config;
use rein_policy::{Answer, Decision, Expect, Policies, PolicyError};
use serde_json::{Value, json};

use crate::error::CommandError;
use crate::json::{self as doc, Schema};
use crate::{gate, host, render};

/// Inspect and test the gate's policy.
///
/// The gate decides every tool call an agent makes as allow, ask (a human decides) or deny. The
/// policy is Cedar: built-in rules ship inside rein; machine rules (/etc/rein/policy), user rules
/// (~/.config/rein/policy) and project rules (.rein/policy/*.cedar) add to them. A `forbid`
/// annotated `@ask("why")` asks; any other forbid denies.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    Check(CheckArgs),
    Test(TestArgs),
    Lint(LintArgs),
    Rules(RulesArgs),
}

pub fn run(command: Command) -> crate::Result<ExitCode> {
    match command {
        Command::Check(a) => check(a),
        Command::Test(a) => test(a),
        Command::Lint(a) => lint(a),
        Command::Rules(a) => rules(a),
    }
}

/// Decide a hypothetical tool call and explain the decision.
///
/// Prints the decision, the effects rein found, every rule that matched (with its file and
/// line), and why, in one sentence. Nothing runs.
///
/// Exit status:
///   default          0 once a decision is printed, whatever it is; 1 on an error (a broken
///                    config or policy file, bad input); 2 on a usage error; 3 on an internal
///                    error
///   --exit-code      the answer: 0 allow, 1 ask, 2 deny; 3 when rein could not decide (any
///                    error). A usage error (a mistyped option) exits 2 as well, so a script
///                    that treats every status but 0 as "no" fails closed; to tell them apart,
///                    a decision is always printed to stdout, a usage error never is.
///
/// Examples:
///   rein policy check --command 'rm -rf ~'
///   rein policy check --tool Read --path .env
///   rein policy check --tool Write --path .github/workflows/ci.yml
///   rein policy check --tool mcp__github__create_issue --input '{"title":"x"}'
///   rein policy check --exit-code --command 'git push -f' >/dev/null || echo "not allowed"
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct CheckArgs {
    /// The tool: Bash (the default with --command), Read, Write, Edit, Grep, WebFetch, mcp__…
    #[arg(long)]
    tool: Option<String>,
    /// The shell command of a Bash call.
    #[arg(long, short = 'c')]
    command: Option<String>,
    /// The file of a Read, Write, Edit or NotebookEdit call, or the path of a Grep.
    #[arg(long)]
    path: Option<String>,
    /// The URL of a WebFetch call.
    #[arg(long)]
    url: Option<String>,
    /// The whole tool input as JSON (overrides --command, --path and --url).
    #[arg(long)]
    input: Option<String>,
    /// Decide as if the call ran in this directory (default: the current one).
    #[arg(long)]
    cwd: Option<PathBuf>,
    /// Print JSON (schema 1).
    #[arg(long)]
    json: bool,
    /// Exit with the answer: 0 allow, 1 ask, 2 deny, 3 could not decide.
    #[arg(long)]
    exit_code: bool,
}

fn check(args: CheckArgs) -> crate::Result<ExitCode> {
    match (decide_and_print(&args), args.exit_code) {
        (Ok(answer), true) => Ok(ExitCode::from(match answer {
            Answer::Allow => 0,
            Answer::Ask => 1,
            Answer::Deny => 2,
        })),
        (Ok(_), false) => Ok(ExitCode::SUCCESS),
        // 1 and 2 are answers here: an error must not read as one.
        (Err(e), true) => Err(e.undecided()),
        (Err(e), false) => Err(e),
    }
}

/// Decides the call of `rein policy check`, prints the decision and returns the answer.
fn decide_and_print(args: &CheckArgs) -> crate::Result<Answer> {
    let cwd = match &args.cwd {
        Some(d) => std::path::absolute(d)
            .map_err(|e| CommandError::user(format!("bad --cwd {}: {e}", d.display())))?,
        None => host::current_dir()?,
    };
    let tool = match (&args.tool, &args.command, &args.path, &args.url) {
        (Some(t), ..) => t.clone(),
        (None, Some(_), _, _) => "Bash".to_owned(),
        (None, None, Some(_), _) => "Read".to_owned(),
        (None, None, None, Some(_)) => "WebFetch".to_owned(),
        (None, None, None, None) if args.input.is_none() => {
            return Err(CommandError::user("nothing to check")
                .hint("give a call: `rein policy check --command 'rm -rf ~'` or `--tool Read --path .env`"));
        }
        _ => {
            return Err(CommandError::user("--input needs --tool"));
        }
    };
    let input = match &args.input {
        Some(text) => serde_json::from_str::<Value>(text)
            .map_err(|e| CommandError::user(format!("--input is not JSON: {e}")))?,
        None => {
            let mut input = serde_json::Map::new();
            if let Some(c) = &args.command {
                input.insert("command".into(), json!(c));
            }
            if let Some(p) = &args.path {
                let key = match tool.as_str() {
                    "NotebookEdit" => "notebook_path",
                    "Grep" | "Glob" => "path",
                    _ => "file_path",
                };
                // Claude Code sends absolute paths; so does this.
                let abs = rein_policy::facts::normalize(&cwd, Path::new(p));
                input.insert(key.into(), json!(abs.display().to_string()));
            }
            if let Some(u) = &args.url {
                input.insert("url".into(), json!(u));
            }
            Value::Object(input)
        }
    };
    // The same engine call as the hooks', without recording.
    let call = rein_core::event::ToolCall {
        tool_use_id: "policy-check".into(),
        action: rein_agents::claude_code::tools::normalize(&tool, &input),
        tool: tool.clone(),
        input: input.clone(),
        prompt_id: None,
        agent_id: None,
    };
    let rein_engine::Decided { decision, mode } = host::engine()?
        .decide(&rein_engine::Check {
            call: &call,
            cwd: &cwd,
            agent: rein_agents::claude_code::AGENT,
            session: "policy-check",
            permission_mode: "default",
        })
        .map_err(|e| {
            let err = CommandError::user(e.message);
            match e.hint {
                Some(h) => err.hint(h),
                None => err,
            }
        })?;
    // With --exit-code the status is the answer: a reader that closes the pipe early must not
    // turn a deny into 0.
    let printed = if args.json {
        render::print_json(&check_json(&tool, &input, &decision, mode))
    } else {
        render::write_stdout(&render_decision(&tool, &input, &decision, mode))
    };
    render::unless_closed(printed)?;
    Ok(decision.answer)
}

/// `rein policy check --json`.
fn check_json(
    tool: &str,
    input: &Value,
    d: &Decision,
    mode: rein_core::config::GateMode,
) -> doc::PolicyCheck {
    doc::PolicyCheck {
        schema: Schema,
        decision: d.answer.as_str(),
        reason: d.reason.clone(),
        tool: tool.to_owned(),
        input: input.clone(),
        mode: mode.as_str(),
        effects: d
            .effects
            .iter()
            .map(|e| doc::PolicyEffect {
                action: e.action.clone(),
                summary: e.summary.clone(),
                command: e.command.clone(),
                via: e.via.clone(),
                answer: e.answer.as_str(),
                rules: e.rules.clone(),
            })
            .collect(),
        rules: d
            .rules
            .iter()
            .map(|r| doc::MatchedRule {
                id: r.id.clone(),
                layer: r.layer.as_str(),
                file: r.file.clone(),
                line: r.line,
                answer: r.answer.as_str(),
                reason: r.reason.clone(),
                on: r.on.clone(),
            })
            .collect(),
        policy_hash: d.policy_hash.clone(),
    }
}

fn expect_str(e: Expect) -> &'static str {
    match e {
        Expect::Allow => "allow",
        Expect::Ask => "ask",
        Expect::Deny => "deny",
        Expect::Block => "block",
    }
}

fn policy_error(e: PolicyError) -> CommandError {
    let hint = e.hint();
    let err = CommandError::user(e.to_string());
    match hint {
        Some(h) => err.hint(h),
        None => err,
    }
}

fn load_policies(root: Option<&Path>, config: &Config) -> crate::Result<Policies> {
    gate::load(root, &config.gate.disable_rules).map_err(policy_error)
}

fn render_decision(
    tool: &str,
    input: &Value,
    d: &Decision,
    mode: rein_core::config::GateMode,
) -> String {
    let mut out = String::new();
    let summary = rein_agents::claude_code::tools::normalize(tool, input).summary(input);
    let _ = writeln!(out, "{}  {tool}: {summary}", d.answer.as_str());
    let _ = writeln!(out, "why:  {}", d.reason);
    if mode == rein_core::config::GateMode::Monitor {
        let _ = writeln!(
            out,
            "mode: monitor (this project records decisions but never blocks)"
        );
    }
    let _ = writeln!(out, "\neffects:");
    for e in &d.effects {
        let _ = write!(out, "  {:<5}  {}", e.answer.as_str(), e.summary);
        if !e.via.is_empty() {
            let _ = write!(out, "  [via {}]", e.via.join(" > "));
        }
        if !e.command.is_empty() && e.action != "exec" {
            let _ = write!(out, "  ← {}", rein_core::event::one_line(&e.command, 80));
        }
        out.push('\n');
    }
    if d.rules.is_empty() {
        let _ = writeln!(out, "\nrules: none matched");
    } else {
        let _ = writeln!(out, "\nrules:");
        for r in &d.rules {
            let _ = writeln!(
                out,
                "  {:<5}  {}  {}:{}",
                r.answer.as_str(),
                r.id,
                r.file,
                r.line
            );
            let _ = writeln!(out, "         {} — on: {}", r.reason, r.on);
        }
    }
    let _ = writeln!(
        out,
        "\npolicy: {}",
        &d.policy_hash[..16.min(d.policy_hash.len())]
    );
    out
}

/// Run a cases file and report every mismatch.
///
/// The file uses the guard-corpus format: `[[case]]` tables with `id`, then `command` (a Bash
/// call) or `tool` with an `input` table, and `expect` = "allow", "ask", "deny" or "block"
/// (deny or ask). Every case is decided in a work tree at /home/dev/project with
/// HOME=/home/dev, against the policy that applies in the current directory.
///
/// Exits 1 when any case is decided otherwise.
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct TestArgs {
    /// The cases file (TOML).
    file: PathBuf,
    /// Print every case, not only mismatches.
    #[arg(long, short = 'v')]
    verbose: bool,
    /// Print JSON (schema 1).
    #[arg(long)]
    json: bool,
}

fn test(args: TestArgs) -> crate::Result<ExitCode> {
    let meta = std::fs::metadata(&args.file)
        .map_err(|e| CommandError::user(format!("cannot read {}: {e}", args.file.display())))?;
    if meta.len() > 16 << 20 {
        return Err(CommandError::user(format!(
            "{} is larger than 16 MiB",
            args.file.display()
        )));
    }
    let text = std::fs::read_to_string(&args.file)
        .map_err(|e| CommandError::user(format!("cannot read {}: {e}", args.file.display())))?;
    let label = args.file.display().to_string();
    let cases = rein_policy::parse_cases(&label, &text).map_err(policy_error)?;
    let cwd = host::current_dir()?;
    let root = rein_core::worktree::find_root(&cwd);
    let config = Config::load(&host::config_files(root.as_deref()))?;
    let policies = load_policies(root.as_deref(), &config)?;
    let outcomes = rein_policy::run_cases(
        &policies,
        &cases,
        &rein_policy::Limits::default(),
        &rein_agents::claude_code::tools::normalize,
    );
    let failed = outcomes.iter().filter(|o| !o.ok).count();
    if args.json {
        let shown = outcomes
            .iter()
            .filter(|o| args.verbose || !o.ok)
            .map(|o| doc::CaseResult {
                id: o.id.clone(),
                tool: o.tool.clone(),
                input: o.input.clone(),
                expect: expect_str(o.expect),
                answer: o.answer.as_str(),
                ok: o.ok,
                reason: o.reason.clone(),
                rules: o.rules.clone(),
            })
            .collect();
        render::unless_closed(render::print_json(&doc::PolicyTest {
            schema: Schema,
            file: label,
            cases: outcomes.len(),
            passed: outcomes.len() - failed,
            failed,
            results: shown,
        }))?;
    } else {
        let mut out = String::new();
        for o in &outcomes {
            if o.ok && !args.verbose {
                continue;
            }
            let expect = expect_str(o.expect);
            let mark = if o.ok { "ok  " } else { "FAIL" };
            let what = match o.input.get("command").and_then(Value::as_str) {
                Some(c) if o.tool == "Bash" => rein_core::event::one_line(c, 70),
                _ => format!(
                    "{} {}",
                    o.tool,
                    rein_agents::claude_code::tools::normalize(&o.tool, &o.input).summary(&o.input)
                ),
            };
            let _ = writeln!(
                out,
                "{mark} {}: expected {expect}, got {}  ({what})",
                o.id,
                o.answer.as_str()
            );
            if !o.ok {
                let _ = writeln!(out, "     {}", o.reason);
            }
        }
        let _ = writeln!(
            out,
            "{} cases: {} passed, {failed} failed",
            outcomes.len(),
            outcomes.len() - failed
        );
        render::unless_closed(render::write_stdout(&out))?;
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Validate every policy file against rein's Cedar schema.
///
/// Loads the built-in, machine, user and project layers that apply in the current directory.
/// Reports syntax and schema errors with their file and line, and warns about rules that can
/// never match. Exits 1 on any error or warning.
#[derive(Debug, clap::Args)]
pub struct LintArgs {
    /// Print JSON (schema 1).
    #[arg(long)]
    json: bool,
}

fn lint(args: LintArgs) -> crate::Result<ExitCode> {
    let cwd = host::current_dir()?;
    let root = rein_core::worktree::find_root(&cwd);
    let config = Config::load(&host::config_files(root.as_deref()))?;
    let loaded = gate::sources(root.as_deref())
        .and_then(|s| Policies::load(&s, &config.gate.disable_rules).map(|p| (s, p)));
    let (sources, policies) = match loaded {
        Ok(x) => x,
        Err(e) => {
            if args.json {
                render::unless_closed(render::print_json(&doc::PolicyLint {
                    schema: Schema,
                    ok: false,
                    files: None,
                    rules: None,
                    policy_hash: None,
                    errors: vec![e.to_string()],
                    warnings: Vec::new(),
                }))?;
                return Ok(ExitCode::from(1));
            }
            return Err(policy_error(e));
        }
    };
    let warnings: Vec<(String, String)> = policies.warnings().map_err(policy_error)?;
    let located: Vec<doc::LintWarning> = warnings
        .iter()
        .map(|(id, msg)| doc::LintWarning {
            rule: id.clone(),
            at: policies
                .rule(id)
                .map(|r| format!("{}:{}", r.file, r.line))
                .unwrap_or_default(),
            message: msg.clone(),
        })
        .collect();
    if args.json {
        render::unless_closed(render::print_json(&doc::PolicyLint {
            schema: Schema,
            ok: warnings.is_empty(),
            files: Some(
                sources
                    .iter()
                    .map(|s| doc::PolicyFile {
                        layer: s.layer.as_str(),
                        file: s.label.clone(),
                    })
                    .collect(),
            ),
            rules: Some(policies.rules().len()),
            policy_hash: Some(policies.hash().to_owned()),
            errors: Vec::new(),
            warnings: located,
        }))?;
    } else {
        let mut out = String::new();
        for w in &located {
            let _ = writeln!(out, "warning: {} ({}): {}", w.rule, w.at, w.message);
        }
        let by_layer = |l: rein_policy::Layer| sources.iter().filter(|s| s.layer == l).count();
        let _ = writeln!(
            out,
            "{} rules in {} files (built-in {}, machine {}, user {}, project {}): {}",
            policies.rules().len(),
            sources.len(),
            by_layer(rein_policy::Layer::Builtin),
            by_layer(rein_policy::Layer::Machine),
            by_layer(rein_policy::Layer::User),
            by_layer(rein_policy::Layer::Project),
            if warnings.is_empty() {
                "ok".to_owned()
            } else {
                format!("{} warnings", warnings.len())
            }
        );
        render::unless_closed(render::write_stdout(&out))?;
    }
    Ok(if warnings.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// List every rule that applies here: id, answer (deny or ask), layer, file and line.
#[derive(Debug, clap::Args)]
pub struct RulesArgs {
    /// Print JSON (schema 1).
    #[arg(long)]
    json: bool,
}

fn rules(args: RulesArgs) -> crate::Result<ExitCode> {
    let cwd = host::current_dir()?;
    let root = rein_core::worktree::find_root(&cwd);
    let config = Config::load(&host::config_files(root.as_deref()))?;
    let policies = load_policies(root.as_deref(), &config)?;
    if args.json {
        render::print_json(&doc::PolicyRules {
            schema: Schema,
            policy_hash: policies.hash().to_owned(),
            rules: policies
                .rules()
                .iter()
                .map(|r| doc::PolicyRule {
                    id: r.id.clone(),
                    layer: r.layer.as_str(),
                    file: r.file.clone(),
                    line: r.line,
                    effect: r.effect,
                    ask: r.ask.clone(),
                    reason: r.reason.clone(),
                })
                .collect(),
        })?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = String::new();
    for r in policies.rules() {
        let answer = match (r.effect, &r.ask) {
            ("permit", _) => "permit",
            (_, Some(_)) => "ask",
            _ => "deny",
        };
        let _ = writeln!(out, "{answer:<6}  {:<40}  {}:{}", r.id, r.file, r.line);
    }
    render::write_stdout(&out)?;
    Ok(ExitCode::SUCCESS)
}
