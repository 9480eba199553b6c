//! The scan itself: walk a repository (or the home directory's agent locations), leave out what
//! the repository's `.rein/scan.toml` excludes (and say so), pick the files the catalogue names,
//! tell whose each one is (the repository's, or the user's own), parse each once, run its
//! detectors, attach owners, apply suppressions.

use std::path::{Path, PathBuf};

use crate::catalogue::{Catalogue, CatalogueEntry, Scope};
use crate::codeowners::{self, CodeOwners};
use crate::config::{self, ScanConfig};
use crate::detectors::{Detector, Source};
use crate::doc::{self, Pos};
use crate::git::GitView;
use crate::model::{Authority, Confidence, Decision, Finding, FindingKind, Origin};
use crate::provenance::Provenance;
use crate::suppress::{self, Baseline};

/// Directories never walked: version control internals, dependencies and build output, which
/// are not this repository's own agent configuration and would dominate the walk.
pub const SKIPPED_DIRS: &[&str] = &[
    ".git",
    ".hg",
    ".svn",
    "node_modules",
    "target",
    ".venv",
    "venv",
    "__pycache__",
    ".tox",
    ".mypy_cache",
    ".pytest_cache",
    ".gradle",
    ".terraform",
];

/// Bounds of one scan.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Files looked at per root; past it the scan stops walking and says so.
    pub max_files: usize,
    /// Directory depth walked under the root.
    pub max_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_files: 1_000_000,
            max_depth: 64,
        }
    }
}

/// How one root is scanned, beyond the scanner's settings.
#[derive(Debug, Clone, Default)]
pub struct RootOptions {
    /// Leave the root's `.rein/scan.toml` unread: exclude nothing (`rein scan --no-config`).
    pub skip_config: bool,
    /// Look for the git repository of each file no higher than this directory (it is searched
    /// itself, its parents not), like `GIT_CEILING_DIRECTORIES`. `None`: up to `/`.
    pub git_ceiling: Option<PathBuf>,
}

/// What the scanner tells its caller while it works (for a progress bar).
pub trait Progress {
    /// Called every few hundred files with the number seen so far.
    fn files_seen(&mut self, n: usize);
}

impl Progress for () {
    fn files_seen(&mut self, _: usize) {}
}

/// The outcome of scanning one or more roots.
#[derive(Debug, Default)]
pub struct Outcome {
    pub findings: Vec<Finding>,
    pub files_seen: usize,
    pub files_read: usize,
    pub suppressed: usize,
    /// Files left out by the roots' `.rein/scan.toml` (each exclusion is also a `scan.excluded`
    /// finding).
    pub excluded: usize,
    /// Roots whose walk stopped at a limit.
    pub truncated: Vec<String>,
    /// Problems that are not findings (a root that cannot be read).
    pub errors: Vec<String>,
}

/// Runs the catalogue's detectors.
pub struct Scanner<'a> {
    pub catalogue: &'a Catalogue,
    pub detectors: &'a [Box<dyn Detector>],
    pub baseline: Option<&'a Baseline>,
    pub limits: Limits,
}

impl Scanner<'_> {
    /// Scans a repository (or any directory) with its `.rein/scan.toml`, if it has one. Paths in
    /// findings are relative to `root`.
    pub fn scan_root(&self, root: &Path, progress: &mut dyn Progress, out: &mut Outcome) {
        self.scan_root_with(root, &RootOptions::default(), progress, out);
    }

    /// [`Scanner::scan_root`], with options.
    pub fn scan_root_with(
        &self,
        root: &Path,
        options: &RootOptions,
        progress: &mut dyn Progress,
        out: &mut Outcome,
    ) {
        let owners = read_codeowners(root);
        let mut git = GitView::new(options.git_ceiling.clone());
        let config = if options.skip_config {
            None
        } else {
            self.load_config(root, &mut git, &owners, out)
        };
        let mut exclusions: Vec<Excluded> = config
            .as_ref()
            .map(|c| c.excludes.iter().map(|_| Excluded::default()).collect())
            .unwrap_or_default();
        let mut walker = ignore::WalkBuilder::new(root);
        walker
            .standard_filters(false)
            .hidden(false)
            .follow_links(false)
            .max_depth(Some(self.limits.max_depth))
            .filter_entry(|e| {
                !(e.file_type().is_some_and(|t| t.is_dir())
                    && SKIPPED_DIRS.iter().any(|d| e.file_name() == *d))
            });
        let mut seen = 0usize;
        let mut workflows = Vec::new();
        let mut scanned_workflows = Vec::new();
        for entry in walker.build() {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    out.errors.push(e.to_string());
                    continue;
                }
            };
            if !entry.file_type().is_some_and(|t| t.is_file()) {
                continue;
            }
            seen += 1;
            if seen.is_multiple_of(512) {
                progress.files_seen(out.files_seen + seen);
            }
            if seen > self.limits.max_files {
                out.truncated.push(root.display().to_string());
                break;
            }
            let Some(rel) = relative(root, entry.path()) else {
                continue;
            };
            let workflow = rel.starts_with(".github/workflows/");
            if workflow {
                workflows.push(rel.clone());
            }
            let entries = self.catalogue.match_project(&rel);
            if let Some(i) = config.as_ref().and_then(|c| c.excluded_by(&rel)) {
                out.excluded += 1;
                if let Some(x) = exclusions.get_mut(i) {
                    x.count(rel, !entries.is_empty());
                }
                continue;
            }
            if workflow {
                scanned_workflows.push(rel.clone());
            }
            if entries.is_empty() {
                continue;
            }
            out.files_read += 1;
            let provenance =
                Provenance::project(self.catalogue.is_personal(&rel), git.status(entry.path()));
            self.scan_file(&rel, entry.path(), &entries, Some(provenance), &owners, out);
        }
        out.files_seen += seen;
        progress.files_seen(out.files_seen);
        self.agentic_lock_pairs(root, &scanned_workflows, &workflows, &owners, out);
        if let Some(c) = &config {
            let origin =
                Provenance::project(false, git.status(&root.join(config::CONFIG_PATH))).origin;
            for (exclude, excluded) in c.excludes.iter().zip(&exclusions) {
                out.findings
                    .push(exclusion_finding(exclude, excluded, origin, &owners));
            }
        }
    }

    /// The root's `.rein/scan.toml`. One that cannot be used excludes nothing, and says so.
    fn load_config(
        &self,
        root: &Path,
        git: &mut GitView,
        owners: &CodeOwners,
        out: &mut Outcome,
    ) -> Option<ScanConfig> {
        match config::load(root) {
            Ok(c) => c,
            Err(e) => {
                let origin =
                    Provenance::project(false, git.status(&root.join(config::CONFIG_PATH))).origin;
                out.findings.push(Finding {
                    rule: "scan.config-invalid",
                    kind: FindingKind::Unparsed,
                    decision: Decision::Approval,
                    confidence: Confidence::High,
                    path: config::CONFIG_PATH.to_owned(),
                    pos: e.pos,
                    origin,
                    agent: "rein".into(),
                    subject: "scan configuration".into(),
                    message: format!(
                        "rein's scan configuration could not be used, so the scan excludes nothing: {}",
                        e.message
                    ),
                    reasons: vec![
                        "fix it where the message says; until then every file is scanned".into(),
                    ],
                    authority: Authority::default(),
                    actions: Vec::new(),
                    owners: owners.owners(config::CONFIG_PATH),
                });
                None
            }
        }
    }

    /// GitHub Agentic Workflows: the `.md` is what people review, the compiled `.lock.yml` is
    /// what runs. One without the other means the reviewed workflow is not the one that runs.
    fn agentic_lock_pairs(
        &self,
        root: &Path,
        scanned: &[String],
        workflows: &[String],
        owners: &CodeOwners,
        out: &mut Outcome,
    ) {
        // An excluded workflow still pairs with its counterpart; it is only not reported.
        let has = |p: &str| workflows.iter().any(|w| w == p);
        for w in scanned {
            let (other, message) = if let Some(stem) = w.strip_suffix(".lock.yml") {
                let md = format!("{stem}.md");
                (
                    md.clone(),
                    format!(
                        "{w} runs, but its source {md} is missing: nobody can review what this agentic workflow was compiled from"
                    ),
                )
            } else if let Some(stem) = w
                .strip_suffix(".md")
                .filter(|s| s.matches('/').count() == 2)
            {
                // Only agentic workflows: Markdown with frontmatter that has triggers.
                let Ok(text) = read_text(&root.join(w)) else {
                    continue;
                };
                let front = text
                    .strip_prefix("---")
                    .and_then(|t| t.split("\n---").next())
                    .unwrap_or("");
                if !front
                    .lines()
                    .any(|l| l.starts_with("on:") || l.starts_with("\"on\":"))
                {
                    continue;
                }
                let lock = format!("{stem}.lock.yml");
                (
                    lock.clone(),
                    format!(
                        "{w} is an agentic workflow without its compiled {lock}: it does not run as reviewed (compile it with `gh aw compile`)"
                    ),
                )
            } else {
                continue;
            };
            if has(&other) {
                continue;
            }
            let f = Finding {
                rule: "gh-aw.lock-mismatch",
                kind: FindingKind::Entry,
                decision: Decision::Approval,
                confidence: Confidence::High,
                path: w.clone(),
                pos: Pos::START,
                origin: Origin::Repository,
                agent: "gh-aw".into(),
                subject: w.clone(),
                message,
                reasons: vec![
                    "the compiled .lock.yml is what GitHub runs; review and compile them together"
                        .into(),
                ],
                authority: Authority::default(),
                actions: Vec::new(),
                owners: owners.owners(w),
            };
            let text = read_text(&root.join(w)).unwrap_or_default();
            if suppress::inline_ignored(&text, 1, f.rule)
                || self.baseline.is_some_and(|b| b.accepts(&f))
            {
                out.suppressed += 1;
            } else {
                out.findings.push(f);
            }
        }
    }

    /// Scans the agent locations of a home directory and the system-managed locations (the
    /// catalogue's absolute paths, looked up under `system_root`: `/` for real, a temporary
    /// directory in tests). Paths in findings are `~/…` or absolute.
    pub fn scan_home(
        &self,
        home: &Path,
        system_root: &Path,
        progress: &mut dyn Progress,
        out: &mut Outcome,
    ) {
        let owners = CodeOwners::default();
        let mut seen = 0usize;
        for glob_root in self.catalogue.user_walk_roots() {
            let (base, shown_root) = match glob_root.strip_prefix('/') {
                Some(abs) => (system_root.join(abs), PathBuf::from(&glob_root)),
                None => (home.join(&glob_root), PathBuf::from("~").join(&glob_root)),
            };
            let Ok(md) = std::fs::metadata(&base) else {
                continue;
            };
            let files: Vec<PathBuf> = if md.is_file() {
                vec![base.clone()]
            } else {
                let mut walker = ignore::WalkBuilder::new(&base);
                walker
                    .standard_filters(false)
                    .hidden(false)
                    // The user's own dotfiles are often links into a dotfiles repository.
                    .follow_links(true)
                    .max_depth(Some(6))
                    .filter_entry(|e| {
                        !(e.file_type().is_some_and(|t| t.is_dir())
                            && SKIPPED_DIRS.iter().any(|d| e.file_name() == *d))
                    });
                walker
                    .build()
                    .filter_map(Result::ok)
                    .filter(|e| e.file_type().is_some_and(|t| t.is_file()))
                    .take(20_000)
                    .map(ignore::DirEntry::into_path)
                    .collect()
            };
            for abs in files {
                seen += 1;
                if seen.is_multiple_of(256) {
                    progress.files_seen(out.files_seen + seen);
                }
                let Ok(under) = abs.strip_prefix(&base) else {
                    continue;
                };
                let shown = if under.as_os_str().is_empty() {
                    shown_root.clone()
                } else {
                    shown_root.join(under)
                };
                let Some(display) = shown.to_str().map(str::to_owned) else {
                    continue;
                };
                let key = display.strip_prefix("~/").unwrap_or(&display);
                let entries = self.catalogue.match_user(key);
                if entries.is_empty() {
                    continue;
                }
                out.files_read += 1;
                self.scan_file(&display, &abs, &entries, None, &owners, out);
            }
        }
        out.files_seen += seen;
        progress.files_seen(out.files_seen);
    }

    /// Reads, parses and checks one file against its catalogue entries. `project` is who
    /// controls a repository's file; home and system files take theirs from their entries.
    fn scan_file(
        &self,
        display: &str,
        abs: &Path,
        entries: &[&CatalogueEntry],
        project: Option<Provenance>,
        owners: &CodeOwners,
        out: &mut Outcome,
    ) {
        let provenance_of = |entry: &CatalogueEntry| {
            project.unwrap_or_else(|| {
                Provenance::machine(if entry.scope == Scope::System {
                    Origin::System
                } else {
                    Origin::Home
                })
            })
        };
        let mut found = Vec::new();
        let first = entries[0];
        match read_text(abs) {
            Err((pos, message)) => {
                found.push(unparsed(
                    display,
                    first,
                    provenance_of(first),
                    pos,
                    &message,
                ));
            }
            Ok(text) => {
                // Parse once per format, however many entries read the file.
                let mut parsed: Vec<(doc::Format, Result<doc::Doc, doc::ParseError>)> = Vec::new();
                for entry in entries {
                    if !parsed.iter().any(|(f, _)| *f == entry.format) {
                        parsed.push((entry.format, crate::parse::parse(entry.format, &text)));
                    }
                    let Some((_, result)) = parsed.iter().find(|(f, _)| *f == entry.format) else {
                        continue;
                    };
                    let provenance = provenance_of(entry);
                    match result {
                        Err(e) => {
                            if !found
                                .iter()
                                .any(|f: &Finding| f.kind == FindingKind::Unparsed)
                            {
                                found.push(unparsed(display, entry, provenance, e.pos, &e.message));
                            }
                        }
                        Ok(doc) => {
                            let src = Source {
                                path: display,
                                text: &text,
                                doc,
                                entry,
                                provenance: &provenance,
                            };
                            let before = found.len();
                            for d in self.detectors.iter().filter(|d| d.id() == entry.detector) {
                                d.check(&src, &mut found);
                            }
                            // Every finding in the user's own file says so, whichever
                            // detector made it.
                            if provenance.origin.is_local() {
                                let why = src.origin_reason();
                                for f in &mut found[before..] {
                                    if !f.reasons.contains(&why) {
                                        f.reasons.push(why.clone());
                                    }
                                }
                            }
                        }
                    }
                }
                let before = found.len();
                found.retain(|f| !suppress::inline_ignored(&text, f.pos.line, f.rule));
                out.suppressed += before - found.len();
            }
        }
        let owners_of = owners.owners(display);
        for mut f in found {
            if self.baseline.is_some_and(|b| b.accepts(&f)) {
                out.suppressed += 1;
                continue;
            }
            if f.owners.is_empty() {
                f.owners = owners_of.clone();
            }
            out.findings.push(f);
        }
    }
}

/// What one `[[exclude]]` left out of a walk.
#[derive(Debug, Default)]
struct Excluded {
    files: usize,
    /// How many of them the catalogue would have read.
    agent_files: usize,
    /// The first of those by name (the walk's order varies), at most [`EXCLUDED_SHOWN`].
    shown: Vec<String>,
}

/// How many agent configurations an exclusion finding names before "and N more".
const EXCLUDED_SHOWN: usize = 5;

impl Excluded {
    fn count(&mut self, rel: String, agent_file: bool) {
        self.files += 1;
        if agent_file {
            self.agent_files += 1;
            self.shown.push(rel);
            self.shown.sort_unstable();
            self.shown.truncate(EXCLUDED_SHOWN);
        }
    }
}

/// An exclusion, reported: where it is, what it left out, and why. It cannot be suppressed.
fn exclusion_finding(
    exclude: &config::Exclude,
    excluded: &Excluded,
    origin: Origin,
    owners: &CodeOwners,
) -> Finding {
    let patterns: Vec<String> = exclude.patterns.iter().map(|p| format!("`{p}`")).collect();
    let agent = excluded.agent_files;
    let message = if excluded.files == 0 {
        format!(
            "{} excludes {}, which matches no file ({})",
            config::CONFIG_PATH,
            patterns.join(", "),
            exclude.reason
        )
    } else {
        format!(
            "{} leaves {} file{} out of the scan ({} agent configuration{} among them) by {}: {}",
            config::CONFIG_PATH,
            excluded.files,
            if excluded.files == 1 { "" } else { "s" },
            agent,
            if agent == 1 { "" } else { "s" },
            patterns.join(", "),
            exclude.reason
        )
    };
    let mut reasons = Vec::new();
    if agent > 0 {
        let more = agent.saturating_sub(excluded.shown.len());
        let more = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        reasons.push(format!("not scanned: {}{more}", excluded.shown.join(", ")));
    }
    reasons.push(
        "an exclusion hides findings, so it is reported on every scan and no comment or baseline silences it; `rein scan --no-config` scans everything".into(),
    );
    if origin == Origin::Repository {
        reasons.push(
            "a pull request can change .rein/scan.toml: review it like code (CODEOWNERS)".into(),
        );
    }
    Finding {
        rule: "scan.excluded",
        kind: FindingKind::Entry,
        decision: Decision::Allow,
        confidence: Confidence::High,
        path: config::CONFIG_PATH.to_owned(),
        pos: exclude.pos,
        origin,
        agent: "rein".into(),
        subject: format!("exclude {}", exclude.patterns.join(", ")),
        message,
        reasons,
        authority: Authority {
            permissions: exclude
                .patterns
                .iter()
                .map(|p| format!("exclude: {p}"))
                .collect(),
            ..Authority::default()
        },
        actions: Vec::new(),
        owners: owners.owners(config::CONFIG_PATH),
    }
}

fn read_codeowners(root: &Path) -> CodeOwners {
    for loc in codeowners::LOCATIONS {
        if let Ok(text) = read_text(&root.join(loc)) {
            return CodeOwners::parse(&text);
        }
    }
    CodeOwners::default()
}

/// Reads a file as UTF-8 text, bounded. The error carries where the problem is.
pub fn read_text(path: &Path) -> Result<String, (Pos, String)> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| (Pos::START, format!("cannot read: {e}")))?;
    let mut bytes = Vec::new();
    file.take(doc::MAX_FILE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| (Pos::START, format!("cannot read: {e}")))?;
    if bytes.len() > doc::MAX_FILE_BYTES {
        return Err((
            Pos::START,
            format!("larger than {} MiB: not parsed", doc::MAX_FILE_BYTES >> 20),
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let text = String::from_utf8_lossy(valid);
        let line = text.matches('\n').count() as u32 + 1;
        let column = text.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u32 + 1;
        (Pos { line, column }, "invalid UTF-8".to_owned())
    })
}

fn unparsed(
    path: &str,
    entry: &CatalogueEntry,
    provenance: Provenance,
    pos: Pos,
    message: &str,
) -> Finding {
    let mut reasons =
        vec!["an unreadable agent configuration is a blind spot: review it by hand".into()];
    if provenance.origin.is_local() {
        reasons.push(provenance.reason(path));
    }
    Finding {
        rule: "scan.unparsed",
        kind: FindingKind::Unparsed,
        decision: Decision::Approval,
        confidence: Confidence::High,
        path: path.to_owned(),
        pos,
        origin: provenance.origin,
        agent: entry.client.clone(),
        subject: entry.id.clone(),
        message: format!(
            "{} could not be parsed, so its agent configuration is unknown: {message}",
            entry.about
        ),
        reasons,
        authority: Authority::default(),
        actions: Vec::new(),
        owners: Vec::new(),
    }
}

/// `root/a/b` → `a/b`, with `/` separators; `None` for a path that is not valid UTF-8.
fn relative(root: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(root).ok()?;
    let parts: Option<Vec<&str>> = rel.components().map(|c| c.as_os_str().to_str()).collect();
    Some(parts?.join("/"))
}
