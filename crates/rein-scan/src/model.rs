//! What a scan finds. These are internal types; the versioned JSON (`"schema": 1`), SARIF,
//! CycloneDX and Markdown outputs are built from them in [`crate::report`].

use serde::Serialize;

use crate::doc::Pos;

/// The verdict on one path by which an agent enters delivery.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    /// Known and bounded: report it for the inventory.
    Allow,
    /// A human should approve this path (or its configuration) before agents use it.
    Approval,
    /// Must not stay as it is: a literal secret, untrusted input driving an agent with write
    /// power, auto-approved write tools…
    Block,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allow => "allow",
            Decision::Approval => "approval",
            Decision::Block => "block",
        }
    }
}

/// Where the file a finding is in comes from, and so who can change it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// A file in a repository, committed (or not yet, but not ignored): it applies to everyone
    /// who works there, and a pull request can change it.
    Repository,
    /// A file in a repository that is personal by convention (`.claude/settings.local.json`,
    /// `CLAUDE.local.md`) and not committed: its owner's own configuration.
    Personal,
    /// A file in a repository that git ignores and does not track: this machine's own
    /// configuration.
    Ignored,
    /// The user's home directory or environment (`--home`).
    Home,
    /// A system-managed location (`--home`): every user of the machine.
    System,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Repository => "repository",
            Origin::Personal => "personal",
            Origin::Ignored => "ignored",
            Origin::Home => "home",
            Origin::System => "system",
        }
    }

    /// Whether the file is the user's own, kept in a repository but not part of it (personal or
    /// ignored): what a pull request cannot change.
    pub fn is_local(self) -> bool {
        matches!(self, Origin::Personal | Origin::Ignored)
    }

    /// Whether others read the same file: a repository's (everyone who clones it) or a
    /// system-managed one (every user of the machine).
    pub fn is_shared(self) -> bool {
        matches!(self, Origin::Repository | Origin::System)
    }
}

/// How sure the detector is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

/// What an agent on this path can do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    ReadCode,
    WriteCode,
    ModifyWorkflows,
    RunShell,
    Publish,
    Deploy,
    Network,
    Secrets,
}

/// Whether a credential stays valid until someone revokes it, or is scoped to one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CredentialKind {
    /// A PAT, an API key, a long-lived token.
    Standing,
    /// `GITHUB_TOKEN`, OIDC: valid for one job.
    Scoped,
    Unknown,
}

/// A credential an agent path uses. Never holds a secret value: only where it comes from, or a
/// fingerprint of a literal.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Credential {
    /// The name it goes by: `ANTHROPIC_API_KEY`, `GITHUB_TOKEN`, `Authorization` header…
    pub name: String,
    /// Where the value comes from: `${{ secrets.X }}`, `${env:X}`, `${input:x}`, `literal`,
    /// `file ~/.npmrc`…
    pub source: String,
    pub kind: CredentialKind,
    /// For a literal value: a redacted fingerprint (`sha256:1a2b3c4d…`, length), never the value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
}

/// How an agent path gets its power.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Authority {
    pub credentials: Vec<Credential>,
    /// Permissions as declared: `contents: write`, `danger-full-access`, `Bash(*)`…
    pub permissions: Vec<String>,
    /// What starts it: `pull_request_target`, `issue_comment`, `manual`, `session`…
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trigger: Option<String>,
    /// Whether whoever can fire the trigger is trusted (`None`: not applicable).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trusted: Option<bool>,
}

/// One finding: a path by which an agent enters delivery, or a file rein could not parse.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// Stable rule id, e.g. `mcp.unpinned-package`, `gha.agent-on-untrusted-trigger`.
    pub rule: &'static str,
    /// `entry` for an agent entry point, `unparsed` for a file that could not be read.
    pub kind: FindingKind,
    pub decision: Decision,
    pub confidence: Confidence,
    /// The file, relative to the scanned root (`~/…` for `--home`).
    pub path: String,
    pub pos: Pos,
    /// Where the file comes from: a repository's, personal, ignored, home, system.
    pub origin: Origin,
    /// The agent or client: `claude-code`, `cursor`, `vscode`, `codex`, `github-actions`…
    pub agent: String,
    /// A name for what was found: the MCP server, the workflow job, the setting.
    pub subject: String,
    /// One sentence: what is wrong, or what this entry is.
    pub message: String,
    /// Why the decision, one reason per line.
    pub reasons: Vec<String>,
    pub authority: Authority,
    pub actions: Vec<Action>,
    /// From CODEOWNERS, when a rule matches the file.
    pub owners: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FindingKind {
    Entry,
    Unparsed,
}
