//! `rein scan`: where AI agents enter software delivery, with what authority, and the verdict.

use std::fmt::Write as _;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use rein_scan::catalogue::Catalogue;
use rein_scan::model::{Decision, Finding, FindingKind};
use rein_scan::report::{self, ScanMeta};
use rein_scan::scan::{Limits, Outcome, Progress, Scanner};
use rein_scan::suppress::Baseline;

use crate::error::CommandError;
use crate::{host, render};

/// Find every place AI agents enter software delivery, the authority each has, and a verdict.
///
/// rein reads (never runs) MCP configs of every client, agent settings, instruction files,
/// GitHub workflows that run agents, bot and automerge configs, and package scripts and hooks.
/// Each entry point gets a verdict:
///   allow     known and bounded: listed for the inventory
///   approval  a human should approve it (an unpinned package, write power, a standing key…)
///   block     must not stay as it is (a literal secret, untrusted input driving an agent
///             with write power, auto-approved write tools…)
/// with the rule, the reasons, and the exact file:line:column.
///
/// Nothing is executed and nothing leaves this machine: no MCP server is started, no `npx`
/// runs, `${VAR}` and `${{ secrets.X }}` are recorded as references, and secret values are
/// never printed (a fingerprint stands in).
///
/// Silence an accepted finding with a comment on its line or the line above,
/// `# rein: ignore[rule-id]` (`//` in JSON), or with a baseline file (--write-baseline, then
/// --baseline).
///
/// A repository leaves paths out (test fixtures, samples) in `.rein/scan.toml` at the root
/// scanned: `[[exclude]]` with `paths = ["globs/**"]` and a `reason`. Each exclusion is
/// reported on every scan (rule scan.excluded: the files it left out, and why); no comment or
/// baseline silences it, and --no-config scans everything.
///
/// Exit status: 0 when no finding is at or above --fail-on (default: block); 1 when one is, or
/// on an error such as a missing path; 2 on a usage error; 3 on an internal error.
///
/// Examples:
///   rein scan                              # this repository
///   rein scan --home                       # plus this machine's agent configs and credentials
///   rein scan --format sarif -o rein.sarif # for GitHub code scanning
///   rein scan --format cyclonedx           # an Agent Action BOM (CycloneDX 1.6)
///   rein scan --fail-on approval           # exit 1 if anything needs approval
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Repositories or directories to scan (default: the current git work tree).
    paths: Vec<PathBuf>,
    /// Also scan this machine: agent configs in your home directory and system locations, and
    /// standing credentials (presence only).
    #[arg(long)]
    home: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Same as --format json.
    #[arg(long)]
    json: bool,
    /// Exit 1 when a finding is at or above this verdict.
    #[arg(long, value_enum, default_value_t = FailOn::Block)]
    fail_on: FailOn,
    /// Leave out the findings this baseline file accepts.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Write every current finding to FILE as a baseline (then scan with --baseline FILE).
    #[arg(long, value_name = "FILE")]
    write_baseline: Option<PathBuf>,
    /// Ignore the roots' `.rein/scan.toml`: exclude nothing.
    #[arg(long)]
    no_config: bool,
    /// Write the report to FILE instead of stdout (`-` is stdout).
    #[arg(long, short = 'o', value_name = "FILE", value_parser = render::OutputTarget::parser())]
    output: Option<render::OutputTarget>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Table,
    Json,
    Sarif,
    Cyclonedx,
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum FailOn {
    Approval,
    Block,
    Never,
}

/// A progress line on stderr, only when a person is watching.
struct Bar {
    shown: bool,
    started: Instant,
}

impl Progress for Bar {
    fn files_seen(&mut self, n: usize) {
        if self.started.elapsed().as_millis() > 300 {
            render::write_stderr(&format!("\rscanning… {n} files"));
            self.shown = true;
        }
    }
}

impl Bar {
    fn finish(&self) {
        if self.shown {
            render::write_stderr("\r\x1b[2K");
        }
    }
}

pub fn run(args: Args) -> crate::Result<ExitCode> {
    let started = Instant::now();
    let format = if args.json { Format::Json } else { args.format };
    let catalogue = Catalogue::builtin().map_err(|e| {
        CommandError::internal(format!("the built-in scan catalogue is broken: {e}"))
    })?;
    let detectors = rein_scan::detectors::all();
    let baseline = match &args.baseline {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                CommandError::user(format!("cannot read the baseline {}: {e}", path.display()))
            })?;
            Some(Baseline::parse(&text).map_err(|e| {
                CommandError::user(format!(
                    "{} is not a rein scan baseline: {e}",
                    path.display()
                ))
                .hint("write one with `rein scan --write-baseline FILE`")
            })?)
        }
        None => None,
    };
    let roots: Vec<PathBuf> = if args.paths.is_empty() {
        let cwd = host::current_dir()?;
        vec![rein_core::worktree::find_root(&cwd).unwrap_or(cwd)]
    } else {
        args.paths.clone()
    };
    for r in &roots {
        if !r.is_dir() {
            return Err(CommandError::user(format!(
                "{} is not a directory",
                r.display()
            )));
        }
    }
    let scanner = Scanner {
        catalogue: &catalogue,
        detectors: &detectors,
        baseline: baseline.as_ref(),
        limits: Limits::default(),
    };
    let mut bar = Bar {
        shown: false,
        started: Instant::now(),
    };
    let interactive = std::io::stderr().is_terminal();
    let mut quiet = ();
    let progress: &mut dyn Progress = if interactive { &mut bar } else { &mut quiet };
    let mut out = Outcome::default();
    for root in &roots {
        let first = out.findings.len();
        let options = rein_scan::scan::RootOptions {
            skip_config: args.no_config,
            ..Default::default()
        };
        scanner.scan_root_with(root, &options, progress, &mut out);
        // With several roots, a path relative to its root would be ambiguous: prefix the root
        // as the user gave it.
        if roots.len() > 1 {
            for f in &mut out.findings[first..] {
                f.path = format!(
                    "{}/{}",
                    root.display().to_string().trim_end_matches('/'),
                    f.path
                );
            }
        }
    }
    if args.home {
        let home = host::home()?;
        scanner.scan_home(&home, std::path::Path::new("/"), progress, &mut out);
        let set: Vec<&str> = rein_scan::detectors::credentials::CREDENTIAL_VARIABLES
            .iter()
            .copied()
            .filter(|v| std::env::var_os(v).is_some_and(|x| !x.is_empty()))
            .collect();
        for f in rein_scan::detectors::credentials::environment_findings(&set) {
            if baseline.as_ref().is_some_and(|b| b.accepts(&f)) {
                out.suppressed += 1;
            } else {
                out.findings.push(f);
            }
        }
    }
    if interactive {
        bar.finish();
    }
    // Worst first, then by place.
    out.findings.sort_by(|a, b| {
        b.decision
            .cmp(&a.decision)
            .then_with(|| a.path.cmp(&b.path))
            .then_with(|| a.pos.cmp(&b.pos))
            .then_with(|| a.rule.cmp(b.rule))
    });
    let mut warnings = String::new();
    for e in &out.errors {
        let _ = writeln!(warnings, "warning: {}", rein_core::redact::redact_str(e));
    }
    for t in &out.truncated {
        let _ = writeln!(
            warnings,
            "warning: the walk of {t} stopped at its file limit; the scan is incomplete"
        );
    }
    render::write_stderr(&warnings);

    if let Some(path) = &args.write_baseline {
        let text = serde_json::to_string_pretty(&Baseline::of(&out.findings))
            .map_err(|e| CommandError::internal(e.to_string()))?;
        std::fs::write(path, text + "\n")
            .map_err(|e| CommandError::user(format!("cannot write {}: {e}", path.display())))?;
        render::write_stderr(&format!(
            "wrote {} accepted finding{} to {}\n",
            out.findings.len(),
            if out.findings.len() == 1 { "" } else { "s" },
            path.display()
        ));
        return Ok(ExitCode::SUCCESS);
    }

    let meta = ScanMeta {
        tool_version: env!("CARGO_PKG_VERSION").to_owned(),
        roots: roots.iter().map(|r| r.display().to_string()).collect(),
        home: args.home,
        files_scanned: out.files_seen,
        duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        suppressed: out.suppressed,
    };
    let text = match format {
        Format::Table => table(&out, &meta),
        Format::Json => pretty(&report::json(&out.findings, &meta))?,
        Format::Sarif => pretty(&report::sarif(&out.findings, &meta))?,
        Format::Cyclonedx => {
            let now = jiff::Timestamp::now();
            let serial = serial_number(&out.findings, now.as_nanosecond());
            let ts = now.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
            pretty(&report::cyclonedx(&out.findings, &meta, &serial, &ts))?
        }
        Format::Markdown => report::markdown(&out.findings, &meta),
    };
    match &args.output {
        Some(render::OutputTarget::File(path)) => std::fs::write(path, &text)
            .map_err(|e| CommandError::user(format!("cannot write {}: {e}", path.display())))?,
        // The exit status is the verdict: a reader that closes the pipe early does not change it.
        Some(render::OutputTarget::Stdout) | None => {
            render::unless_closed(render::write_stdout(&text))?
        }
    }
    let threshold = match args.fail_on {
        FailOn::Approval => Some(Decision::Approval),
        FailOn::Block => Some(Decision::Block),
        FailOn::Never => None,
    };
    let failing = threshold.is_some_and(|t| out.findings.iter().any(|f| f.decision >= t));
    Ok(if failing {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// A report, pretty: the JSON report (a typed, versioned document of rein-scan's), SARIF or
/// CycloneDX.
fn pretty(v: &impl serde::Serialize) -> crate::Result<String> {
    serde_json::to_string_pretty(v)
        .map(|s| s + "\n")
        .map_err(|e| CommandError::internal(format!("serialising the report: {e}")))
}

/// A version-4-shaped UUID URN from the findings and the time (CycloneDX wants one per BOM).
fn serial_number(findings: &[Finding], nanos: i128) -> String {
    let mut h = blake3::Hasher::new();
    h.update(&nanos.to_le_bytes());
    h.update(&std::process::id().to_le_bytes());
    for f in findings {
        h.update(f.rule.as_bytes());
        h.update(f.path.as_bytes());
    }
    let b = h.finalize();
    let b = b.as_bytes();
    let hex: String = b[..16].iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "urn:uuid:{}-{}-4{}-{}{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[13..16],
        ["8", "9", "a", "b"][usize::from(b[8] & 3)],
        &hex[17..20],
        &hex[20..32]
    )
}

/// The default output: one line per finding, worst first, then a summary.
fn table(out: &Outcome, meta: &ScanMeta) -> String {
    let mut s = String::new();
    if out.findings.is_empty() {
        let _ = writeln!(
            s,
            "no agent entry points found ({} files in {})",
            meta.files_scanned,
            meta.roots.join(", ")
        );
    }
    let loc = |f: &Finding| format!("{}:{}:{}", f.path, f.pos.line, f.pos.column);
    let w_rule = out.findings.iter().map(|f| f.rule.len()).max().unwrap_or(0);
    let w_loc = out
        .findings
        .iter()
        .map(|f| loc(f).len())
        .max()
        .unwrap_or(0)
        .min(60);
    let w_agent = out
        .findings
        .iter()
        .map(|f| f.agent.len())
        .max()
        .unwrap_or(0);
    for f in &out.findings {
        let verdict = match (f.kind, f.decision) {
            (FindingKind::Unparsed, _) => "UNPARSED",
            (_, Decision::Block) => "BLOCK",
            (_, Decision::Approval) => "APPROVAL",
            (_, Decision::Allow) => "allow",
        };
        let _ = writeln!(
            s,
            "{verdict:<9} {:<w_rule$}  {:<w_loc$}  {:<w_agent$}  {}",
            f.rule,
            loc(f),
            f.agent,
            rein_core::redact::redact_str(&f.message)
        );
        if f.decision > Decision::Allow {
            for r in &f.reasons {
                let _ = writeln!(
                    s,
                    "{:9} {:w_rule$}  ↳ {}",
                    "",
                    "",
                    rein_core::redact::redact_str(r)
                );
            }
            if !f.owners.is_empty() {
                let _ = writeln!(
                    s,
                    "{:9} {:w_rule$}  ↳ owners: {}",
                    "",
                    "",
                    f.owners.join(" ")
                );
            }
        }
    }
    let count = |d: Decision| out.findings.iter().filter(|f| f.decision == d).count();
    if !out.findings.is_empty() {
        let _ = writeln!(
            s,
            "\n{} finding{}: {} block, {} approval, {} allow{} · {} file{} in {} ms",
            out.findings.len(),
            if out.findings.len() == 1 { "" } else { "s" },
            count(Decision::Block),
            count(Decision::Approval),
            count(Decision::Allow),
            if meta.suppressed > 0 {
                format!(" ({} suppressed)", meta.suppressed)
            } else {
                String::new()
            },
            meta.files_scanned,
            if meta.files_scanned == 1 { "" } else { "s" },
            meta.duration_ms
        );
    }
    s
}
