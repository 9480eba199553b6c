//! Output formats built from findings: versioned JSON, SARIF 2.1.0, CycloneDX 1.6, Markdown.
