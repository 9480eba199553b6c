//! A report for people, in GitHub-flavoured Markdown: a summary, then one section per decision
//! (block first) with a table, then the reasons behind each finding that needs action.
//!
//! Everything that comes from a scanned file (paths, names, messages) is escaped, so a hostile
//! configuration cannot break a table, inject HTML or links, or fake a heading when the report is
//! posted as a pull-request comment.

use std::fmt::Write as _;

use super::{Counts, DECISIONS_STRICTEST_FIRST, ScanMeta};
use crate::model::{Decision, Finding, Origin};

pub(super) fn render(findings: &[Finding], meta: &ScanMeta) -> String {
    let mut out = String::new();
    let counts = Counts::of(findings);

    out.push_str("# rein scan report\n\n");
    let roots: Vec<String> = meta.roots.iter().map(|r| code(r)).collect();
    let mut scanned = if roots.is_empty() {
        String::from("Scanned")
    } else {
        format!("Scanned {}", roots.join(", "))
    };
    if meta.home {
        scanned.push_str(if roots.is_empty() {
            " the home directory's agent locations"
        } else {
            " and the home directory's agent locations"
        });
    }
    let _ = writeln!(
        out,
        "{scanned}: {} {} read by rein {}.\n",
        meta.files_scanned,
        plural(meta.files_scanned, "file", "files"),
        escape(&meta.tool_version),
    );

    out.push_str("| Decision | Findings |\n| --- | ---: |\n");
    for d in DECISIONS_STRICTEST_FIRST {
        let _ = writeln!(out, "| {} | {} |", title(d), counts.get(d));
    }
    let _ = writeln!(out, "| **Total** | **{}** |", findings.len());
    if meta.suppressed > 0 {
        let _ = writeln!(
            out,
            "\n{} {} suppressed by `rein: ignore` comments or a baseline.",
            meta.suppressed,
            plural(meta.suppressed, "finding was", "findings were"),
        );
    }

    if findings.is_empty() {
        out.push_str("\nNo agent entry points found.\n");
        return out;
    }

    for d in DECISIONS_STRICTEST_FIRST {
        let these: Vec<&Finding> = findings.iter().filter(|f| f.decision == d).collect();
        if these.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n## {} ({})\n", title(d), these.len());
        out.push_str(match d {
            Decision::Block => "Must not stay as it is.\n\n",
            Decision::Approval => "A person should approve these before agents use them.\n\n",
            Decision::Allow => "Known and bounded: listed for the inventory.\n\n",
        });
        out.push_str("| Rule | Location | Agent | Subject | Message |\n");
        out.push_str("| --- | --- | --- | --- | --- |\n");
        for f in &these {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                code(f.rule),
                code(&location(f)),
                escape(&f.agent),
                escape(&f.subject),
                escape(&f.message),
            );
        }
        if d != Decision::Allow {
            for f in &these {
                details(&mut out, f);
            }
        }
    }
    out
}

/// The bullets under one block or approval finding: its reasons, credentials and owners.
fn details(out: &mut String, f: &Finding) {
    let _ = writeln!(
        out,
        "\n**{}** at {}{}\n",
        code(f.rule),
        code(&location(f)),
        if f.subject.is_empty() {
            String::new()
        } else {
            format!(" ({})", escape(&f.subject))
        },
    );
    let mut any = false;
    for r in &f.reasons {
        let _ = writeln!(out, "- {}", escape(r));
        any = true;
    }
    if let Some(t) = &f.authority.trigger {
        let trust = match f.authority.trusted {
            Some(true) => ", fired by trusted people only",
            Some(false) => ", which untrusted people can fire",
            None => "",
        };
        let _ = writeln!(out, "- Trigger: {}{trust}", code(t));
        any = true;
    }
    if !f.authority.permissions.is_empty() {
        let list: Vec<String> = f.authority.permissions.iter().map(|p| code(p)).collect();
        let _ = writeln!(out, "- Permissions: {}", list.join(", "));
        any = true;
    }
    if !f.authority.credentials.is_empty() {
        // By name and source only: never a value, nor a literal's fingerprint.
        let list: Vec<String> = f
            .authority
            .credentials
            .iter()
            .map(|c| format!("{} from {}", code(&c.name), code(&c.source)))
            .collect();
        let _ = writeln!(out, "- Credentials: {}", list.join(", "));
        any = true;
    }
    // A repository's file is the default; any other origin is worth a line.
    if f.origin != Origin::Repository {
        let _ = writeln!(out, "- Origin: {}", f.origin.as_str());
        any = true;
    }
    if !f.owners.is_empty() {
        let list: Vec<String> = f.owners.iter().map(|o| escape(o)).collect();
        let _ = writeln!(out, "- Owners: {}", list.join(", "));
        any = true;
    }
    if !any {
        out.push_str("- No further detail.\n");
    }
}

fn title(d: Decision) -> &'static str {
    match d {
        Decision::Block => "Block",
        Decision::Approval => "Approval",
        Decision::Allow => "Allow",
    }
}

fn plural(n: usize, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 { one } else { many }
}

fn location(f: &Finding) -> String {
    format!("{}:{}:{}", f.path, f.pos.line, f.pos.column)
}

/// Text safe in a table cell, a list item or a heading: line breaks become spaces, and Markdown
/// punctuation (`|` and backticks included) and `<`, `>`, `&` are backslash-escaped.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\n' | '\r' | '\t' => out.push(' '),
            '\\' | '`' | '|' | '*' | '_' | '[' | ']' | '<' | '>' | '&' | '#' | '~' | '!' | '$' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    // A leading `-`, `+` or `=` could start a list or an underline.
    if out.starts_with(['-', '+', '=']) {
        out.insert(0, '\\');
    }
    out
}

/// `s` as a code span when that is safe (no backtick, `|` or line break in it), else escaped
/// text: a backslash does not escape a backtick inside a code span, and GitHub splits table cells
/// on `|` even there.
fn code(s: &str) -> String {
    if s.is_empty() {
        return String::new();
    }
    if s.chars().any(|c| matches!(c, '`' | '|') || c.is_control()) {
        escape(s)
    } else if s.starts_with(' ') || s.ends_with(' ') {
        // A code span strips one space from each end when both are there; keep them visible.
        escape(s)
    } else {
        format!("`{s}`")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_cannot_break_out() {
        assert_eq!(escape("a|b"), "a\\|b");
        assert_eq!(escape("`x`"), "\\`x\\`");
        assert_eq!(escape("line\nbreak"), "line break");
        assert_eq!(escape("<img src=x>"), "\\<img src=x\\>");
        assert_eq!(escape("[a](b)"), "\\[a\\](b)");
        assert_eq!(escape("- item"), "\\- item");
        assert_eq!(escape("# h"), "\\# h");
        assert_eq!(code("a|b"), "a\\|b");
        assert_eq!(code("x`y"), "x\\`y");
        assert_eq!(code(".mcp.json:3:5"), "`.mcp.json:3:5`");
        assert_eq!(code(""), "");
    }
}
