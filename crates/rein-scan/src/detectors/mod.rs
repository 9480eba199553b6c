//! Detectors: one file per detector behind [`Detector`], one registration line each in [`all`].
//! The catalogue (`catalogue.toml`) says which files each detector reads.

use crate::catalogue::CatalogueEntry;
use crate::doc::Doc;
use crate::model::Finding;

/// One file handed to a detector.
pub struct Source<'a> {
    /// Relative to the scanned root (`~/…` in the home scan).
    pub path: &'a str,
    /// The file's text (valid UTF-8; invalid files are reported as unparsed before this).
    pub text: &'a str,
    pub doc: &'a Doc,
    /// Why this file was read: its catalogue entry (client, scope, key paths, default verdict).
    pub entry: &'a CatalogueEntry,
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
        // One line per detector.
    ]
}
