//! The scan itself: walk a repository (or the home directory's agent locations), pick the files
//! the catalogue names, parse each once, run its detectors, attach owners, apply suppressions.

use std::path::{Path, PathBuf};

use crate::catalogue::{Catalogue, CatalogueEntry};
use crate::codeowners::{self, CodeOwners};
use crate::detectors::{Detector, Source};
use crate::doc::{self, Pos};
use crate::model::{Authority, Confidence, Decision, Finding, FindingKind};
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
    /// Scans a repository (or any directory). Paths in findings are relative to `root`.
    pub fn scan_root(&self, root: &Path, progress: &mut dyn Progress, out: &mut Outcome) {
        let owners = read_codeowners(root);
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
            if rel.starts_with(".github/workflows/") {
                workflows.push(rel.clone());
            }
            let entries = self.catalogue.match_project(&rel);
            if entries.is_empty() {
                continue;
            }
            out.files_read += 1;
            self.scan_file(&rel, entry.path(), &entries, &owners, out);
        }
        out.files_seen += seen;
        progress.files_seen(out.files_seen);
        self.agentic_lock_pairs(root, &workflows, &owners, out);
    }

    /// GitHub Agentic Workflows: the `.md` is what people review, the compiled `.lock.yml` is
    /// what runs. One without the other means the reviewed workflow is not the one that runs.
    fn agentic_lock_pairs(
        &self,
        root: &Path,
        workflows: &[String],
        owners: &CodeOwners,
        out: &mut Outcome,
    ) {
        let has = |p: &str| workflows.iter().any(|w| w == p);
        for w in workflows {
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
                self.scan_file(&display, &abs, &entries, &owners, out);
            }
        }
        out.files_seen += seen;
        progress.files_seen(out.files_seen);
    }

    /// Reads, parses and checks one file against its catalogue entries.
    fn scan_file(
        &self,
        display: &str,
        abs: &Path,
        entries: &[&CatalogueEntry],
        owners: &CodeOwners,
        out: &mut Outcome,
    ) {
        let mut found = Vec::new();
        let first = entries[0];
        match read_text(abs) {
            Err((pos, message)) => found.push(unparsed(display, first, pos, &message)),
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
                    match result {
                        Err(e) => {
                            if !found
                                .iter()
                                .any(|f: &Finding| f.kind == FindingKind::Unparsed)
                            {
                                found.push(unparsed(display, entry, e.pos, &e.message));
                            }
                        }
                        Ok(doc) => {
                            let src = Source {
                                path: display,
                                text: &text,
                                doc,
                                entry,
                            };
                            for d in self.detectors.iter().filter(|d| d.id() == entry.detector) {
                                d.check(&src, &mut found);
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

fn unparsed(path: &str, entry: &CatalogueEntry, pos: Pos, message: &str) -> Finding {
    Finding {
        rule: "scan.unparsed",
        kind: FindingKind::Unparsed,
        decision: Decision::Approval,
        confidence: Confidence::High,
        path: path.to_owned(),
        pos,
        agent: entry.client.clone(),
        subject: entry.id.clone(),
        message: format!(
            "{} could not be parsed, so its agent configuration is unknown: {message}",
            entry.about
        ),
        reasons: vec![
            "an unreadable agent configuration is a blind spot: review it by hand".into(),
        ],
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
