//! Detectors: one file per detector behind [`Detector`], one registration line each in [`all`].
//! The catalogue (`catalogue.toml`) says which files each detector reads.

mod agentic_workflows;
mod aider;
mod bots;
mod claude_settings;
mod codex_settings;
pub mod common;
pub mod credentials;
mod cursor_settings;
mod gemini_settings;
mod gha;
mod git_hooks;
mod instructions;
mod mcp;
mod opencode_settings;
mod package_scripts;
mod vscode_settings;
mod workflow_agents;

use crate::catalogue::CatalogueEntry;
use crate::doc::Doc;
use crate::model::{Decision, Finding, Origin};
use crate::provenance::Provenance;

/// One file handed to a detector.
pub struct Source<'a> {
    /// Relative to the scanned root (`~/…` in the home scan).
    pub path: &'a str,
    /// The file's text (valid UTF-8; invalid files are reported as unparsed before this).
    pub text: &'a str,
    pub doc: &'a Doc,
    /// Why this file was read: its catalogue entry (client, scope, key paths, default verdict).
    pub entry: &'a CatalogueEntry,
    /// Who controls the file: a repository, its owner alone (personal or ignored), the home
    /// directory, the system.
    pub provenance: &'a Provenance,
}

impl Source<'_> {
    pub fn origin(&self) -> Origin {
        self.provenance.origin
    }

    /// The verdict for an entry point found here when nothing makes it worse: the catalogue
    /// entry's, or its `local_verdict` when the file is the user's own (personal or ignored).
    pub fn verdict(&self) -> Decision {
        match self.entry.local_verdict {
            Some(local) if self.origin().is_local() => local,
            _ => self.entry.verdict,
        }
    }

    /// Why the file's origin matters, for reasons.
    pub fn origin_reason(&self) -> String {
        self.provenance.reason(self.path)
    }
}

/// A detector: reads one kind of file and reports the agent entry points in it.
pub trait Detector: Sync {
    /// The id catalogue entries name it by.
    fn id(&self) -> &'static str;
    /// Appends findings for `src`. Must not panic, must not touch the file system or the
    /// network, and must never put a secret value in a finding.
    fn check(&self, src: &Source<'_>, out: &mut Vec<Finding>);
}

/// Every detector.
pub fn all() -> Vec<Box<dyn Detector>> {
    vec![
        Box::new(mcp::Mcp),
        Box::new(credentials::Credentials),
        Box::new(agentic_workflows::AgenticWorkflows),
        Box::new(aider::Aider),
        Box::new(bots::Bots),
        Box::new(claude_settings::ClaudeSettings),
        Box::new(codex_settings::CodexSettings),
        Box::new(cursor_settings::CursorSettings),
        Box::new(gemini_settings::GeminiSettings),
        Box::new(git_hooks::GitHooks),
        Box::new(instructions::Instructions),
        Box::new(opencode_settings::OpencodeSettings),
        Box::new(package_scripts::PackageScripts),
        Box::new(vscode_settings::VscodeSettings),
        Box::new(workflow_agents::WorkflowAgents),
    ]
}
