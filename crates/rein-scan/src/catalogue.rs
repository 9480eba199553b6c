//! The detection catalogue, kept as data (`catalogue.toml`): for each client and scope, which
//! files to read, in which format, which keys carry authority, which detector reads them, and
//! the default verdict for what is found there.

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;

use crate::doc::Format;
use crate::model::Decision;

/// Where a config lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// In a repository.
    Project,
    /// In the user's home directory (`--home`).
    User,
    /// In a system-managed location (`--home`).
    System,
}

/// One catalogue entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogueEntry {
    /// Unique id, e.g. `vscode.mcp`.
    pub id: String,
    /// The agent or client, e.g. `vscode`.
    pub client: String,
    pub scope: Scope,
    /// Globs relative to the root (project) or to the home directory (user); system entries
    /// are absolute.
    pub paths: Vec<String>,
    pub format: Format,
    /// Key paths that carry authority, dot-separated (`mcpServers`, `servers`,
    /// `projects.*.mcpServers`): what the detector reads.
    #[serde(default)]
    pub keys: Vec<String>,
    /// The detector that reads these files.
    pub detector: String,
    /// The verdict for an entry point found here when nothing makes it worse.
    pub verdict: Decision,
    /// The verdict instead of `verdict` when a project file is the user's own (personal by
    /// convention or ignored by git, and not committed), for entries whose `verdict` is there
    /// because a pull request can change the file. Defaults to `verdict`.
    #[serde(default)]
    pub local_verdict: Option<Decision>,
    /// Which of `paths` are personal by convention (`.claude/settings.local.json`,
    /// `CLAUDE.local.md`): each person's own file, not meant to be committed.
    #[serde(default)]
    pub personal: Vec<String>,
    /// One line for people: what this file is.
    pub about: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogueFile {
    #[serde(default)]
    entry: Vec<CatalogueEntry>,
}

/// The catalogue, with its globs compiled.
pub struct Catalogue {
    pub entries: Vec<CatalogueEntry>,
    project: GlobSet,
    project_index: Vec<usize>,
    user: GlobSet,
    user_index: Vec<usize>,
    personal: GlobSet,
}

/// The built-in catalogue, one file per family (`crates/rein-scan/catalogue/*.toml`).
pub const BUILTIN: &[(&str, &str)] = &[
    ("mcp.toml", include_str!("../catalogue/mcp.toml")),
    ("settings.toml", include_str!("../catalogue/settings.toml")),
    (
        "instructions.toml",
        include_str!("../catalogue/instructions.toml"),
    ),
    (
        "workflows.toml",
        include_str!("../catalogue/workflows.toml"),
    ),
    ("supply.toml", include_str!("../catalogue/supply.toml")),
    ("home.toml", include_str!("../catalogue/home.toml")),
];

impl Catalogue {
    /// The built-in catalogue. It is part of the binary and checked by tests, so a failure
    /// here is a bug; it is still reported as an error, never a panic.
    pub fn builtin() -> Result<Catalogue, String> {
        Self::parse(BUILTIN)
    }

    /// Parses catalogue files (name, text) into one catalogue. Entry ids must be unique.
    pub fn parse(files: &[(&str, &str)]) -> Result<Catalogue, String> {
        let mut all = Vec::new();
        for (name, text) in files {
            let file: CatalogueFile =
                toml::from_str(text).map_err(|e| format!("catalogue {name}: {e}"))?;
            all.extend(file.entry);
        }
        let mut ids: Vec<&str> = all.iter().map(|e| e.id.as_str()).collect();
        ids.sort_unstable();
        if let Some(w) = ids.windows(2).find(|w| w[0] == w[1]) {
            return Err(format!("catalogue entry `{}` is defined twice", w[0]));
        }
        let file = CatalogueFile { entry: all };
        let mut project = GlobSetBuilder::new();
        let mut user = GlobSetBuilder::new();
        let mut personal = GlobSetBuilder::new();
        let (mut project_index, mut user_index) = (Vec::new(), Vec::new());
        for (i, e) in file.entry.iter().enumerate() {
            for p in &e.paths {
                let glob = Glob::new(p).map_err(|err| format!("{}: {p}: {err}", e.id))?;
                match e.scope {
                    Scope::Project => {
                        project.add(glob);
                        project_index.push(i);
                    }
                    Scope::User | Scope::System => {
                        user.add(glob);
                        user_index.push(i);
                    }
                }
            }
            for p in &e.personal {
                if e.scope != Scope::Project || !e.paths.contains(p) {
                    return Err(format!(
                        "{}: personal path {p} must be one of the paths of a project entry",
                        e.id
                    ));
                }
                personal.add(Glob::new(p).map_err(|err| format!("{}: {p}: {err}", e.id))?);
            }
        }
        Ok(Catalogue {
            entries: file.entry,
            project: project.build().map_err(|e| e.to_string())?,
            project_index,
            user: user.build().map_err(|e| e.to_string())?,
            user_index,
            personal: personal.build().map_err(|e| e.to_string())?,
        })
    }

    /// The entries whose project globs match `rel` (a `/`-separated path under the root).
    pub fn match_project(&self, rel: &str) -> Vec<&CatalogueEntry> {
        self.matches(&self.project, &self.project_index, rel)
    }

    /// Whether a project path (`/`-separated, under the root) is personal by convention.
    pub fn is_personal(&self, rel: &str) -> bool {
        self.personal.is_match(rel)
    }

    /// The entries whose user or system globs match `path` (relative to home, or absolute).
    pub fn match_user(&self, path: &str) -> Vec<&CatalogueEntry> {
        self.matches(&self.user, &self.user_index, path)
    }

    /// The directories (or files) to look in for the user and system entries: each glob's
    /// literal prefix, up to its first wildcard. The home scan walks only these, never the whole
    /// home directory.
    pub fn user_walk_roots(&self) -> Vec<String> {
        let mut roots: Vec<String> = self
            .entries
            .iter()
            .filter(|e| e.scope != Scope::Project)
            .flat_map(|e| e.paths.iter())
            .map(|p| {
                let cut = p.find(['*', '?', '[', '{']).unwrap_or(p.len());
                let prefix = &p[..cut];
                if cut == p.len() {
                    prefix.to_owned()
                } else {
                    prefix
                        .rsplit_once('/')
                        .map_or(String::new(), |(d, _)| d.to_owned())
                }
            })
            .collect();
        // Never the whole home directory: every user glob must name a file or directory first.
        roots.retain(|r| !r.is_empty() && r != "/");
        roots.sort();
        roots.dedup();
        // A root inside another is walked by it.
        let mut out: Vec<String> = Vec::new();
        for r in roots {
            if !out
                .iter()
                .any(|o| !o.is_empty() && (r == *o || r.starts_with(&format!("{o}/"))))
            {
                out.push(r);
            }
        }
        out
    }

    fn matches(&self, set: &GlobSet, index: &[usize], path: &str) -> Vec<&CatalogueEntry> {
        let mut out: Vec<&CatalogueEntry> = set
            .matches(path)
            .into_iter()
            .filter_map(|g| index.get(g).and_then(|&i| self.entries.get(i)))
            .collect();
        out.dedup_by(|a, b| a.id == b.id);
        out
    }
}
