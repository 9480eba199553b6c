//! Lexical path normalization and bounded glob expansion (the only filesystem access).

use std::path::{Component, Path, PathBuf};

/// Most directory entries read per glob component.
const MAX_ENTRIES: usize = 256;
/// Most paths one glob may expand to.
const MAX_RESULTS: usize = 64;

/// Joins `p` to `cwd` when relative and folds `.`/`..` without touching the filesystem (never
/// above `/`). The gate's policy uses the same function, so both sides agree on every path.
pub fn normalize(cwd: &Path, p: impl AsRef<Path>) -> PathBuf {
    let p = p.as_ref();
    let joined = if p.is_absolute() {
        p.to_path_buf()
    } else {
        cwd.join(p)
    };
    let mut out = PathBuf::from("/");
    for comp in joined.components() {
        match comp {
            Component::ParentDir => {
                out.pop();
            }
            Component::Normal(n) => out.push(n),
            Component::RootDir | Component::CurDir | Component::Prefix(_) => {}
        }
    }
    out
}

/// Outcome of a glob expansion.
pub(crate) enum Glob {
    /// Matching paths (absolute, normalized), sorted.
    Matches(Vec<PathBuf>),
    /// Nothing matched: bash keeps the word literally.
    NoMatch,
    /// Too many entries or results to enumerate.
    TooMany,
}

/// Expands a glob `pattern` (quoted metacharacters backslash-escaped) relative to `cwd`.
pub(crate) fn expand_glob(cwd: &Path, pattern: &str) -> Glob {
    let absolute = pattern.starts_with('/');
    let mut bases: Vec<(PathBuf, String)> = vec![(
        if absolute {
            PathBuf::from("/")
        } else {
            cwd.to_path_buf()
        },
        String::new(),
    )];
    let comps: Vec<&str> = pattern.split('/').filter(|c| !c.is_empty()).collect();
    for comp in comps {
        let mut next = Vec::new();
        if !has_meta(comp) {
            let lit = unescape(comp);
            for (dir, shown) in bases {
                next.push((dir.join(&lit), join_shown(&shown, &lit)));
            }
        } else {
            for (dir, shown) in bases {
                let Ok(rd) = std::fs::read_dir(&dir) else {
                    continue;
                };
                let mut names = Vec::new();
                for (n, entry) in rd.enumerate() {
                    if n >= MAX_ENTRIES {
                        return Glob::TooMany;
                    }
                    let Ok(entry) = entry else { continue };
                    let name = entry.file_name().to_string_lossy().into_owned();
                    if name.starts_with('.') && !comp.starts_with('.') {
                        continue;
                    }
                    if glob_match(comp, &name) {
                        names.push(name);
                    }
                }
                names.sort();
                for name in names {
                    next.push((dir.join(&name), join_shown(&shown, &name)));
                    if next.len() > MAX_RESULTS {
                        return Glob::TooMany;
                    }
                }
            }
        }
        bases = next;
        if bases.is_empty() {
            return Glob::NoMatch;
        }
    }
    let found: Vec<PathBuf> = bases
        .into_iter()
        .filter(|(p, _)| p.symlink_metadata().is_ok())
        .map(|(p, shown)| {
            if absolute {
                normalize(cwd, &p)
            } else {
                normalize(cwd, &shown)
            }
        })
        .collect();
    if found.is_empty() {
        Glob::NoMatch
    } else {
        Glob::Matches(found)
    }
}

fn join_shown(shown: &str, name: &str) -> String {
    if shown.is_empty() {
        name.to_string()
    } else {
        format!("{shown}/{name}")
    }
}

fn has_meta(s: &str) -> bool {
    let mut esc = false;
    for c in s.chars() {
        if esc {
            esc = false;
        } else if c == '\\' {
            esc = true;
        } else if matches!(c, '*' | '?' | '[') {
            return true;
        }
    }
    false
}

/// Removes pattern escapes.
pub(crate) fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut esc = false;
    for c in s.chars() {
        if c == '\\' && !esc {
            esc = true;
        } else {
            out.push(c);
            esc = false;
        }
    }
    out
}

/// Matches one path component against a glob (`*`, `?`, `[…]`, backslash escapes).
pub(crate) fn glob_match(pat: &str, name: &str) -> bool {
    let p: Vec<char> = pat.chars().collect();
    let n: Vec<char> = name.chars().collect();
    // Iterative matcher with single-star backtracking: linear-ish, no recursion.
    let (mut pi, mut ni) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    loop {
        if ni >= n.len() {
            while p.get(pi) == Some(&'*') {
                pi += 1;
            }
            return pi >= p.len();
        }
        let step = match p.get(pi) {
            Some('*') => {
                star = Some((pi + 1, ni));
                pi += 1;
                continue;
            }
            Some('?') => Some(pi + 1),
            Some('[') => match class_match(&p, pi, n.get(ni).copied().unwrap_or('\0')) {
                Some((true, end)) => Some(end),
                Some((false, _)) => None,
                None => (n.get(ni) == Some(&'[')).then_some(pi + 1),
            },
            Some('\\') => (p.get(pi + 1) == n.get(ni)).then_some(pi + 2),
            Some(c) => (Some(c) == n.get(ni)).then_some(pi + 1),
            None => None,
        };
        match step {
            Some(np) => {
                pi = np;
                ni += 1;
            }
            None => match star {
                Some((sp, sn)) => {
                    pi = sp;
                    ni = sn + 1;
                    star = Some((sp, sn + 1));
                }
                None => return false,
            },
        }
    }
}

/// Matches `c` against the bracket expression at `p[start]`; returns (matched, index after `]`),
/// or `None` if the bracket is not closed.
fn class_match(p: &[char], start: usize, c: char) -> Option<(bool, usize)> {
    let mut i = start + 1;
    let negate = matches!(p.get(i), Some('!') | Some('^'));
    if negate {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    loop {
        let ch = *p.get(i)?;
        if ch == ']' && !first {
            return Some((matched != negate, i + 1));
        }
        first = false;
        if p.get(i + 1) == Some(&'-') && p.get(i + 2).is_some_and(|&e| e != ']') {
            let hi = *p.get(i + 2)?;
            if ch <= c && c <= hi {
                matched = true;
            }
            i += 3;
        } else {
            if ch == c {
                matched = true;
            }
            i += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes() {
        let cwd = Path::new("/home/dev/project");
        assert_eq!(normalize(cwd, "../../.."), PathBuf::from("/"));
        assert_eq!(normalize(cwd, "../../../../x"), PathBuf::from("/x"));
        assert_eq!(
            normalize(cwd, "./a/./b/../c/"),
            PathBuf::from("/home/dev/project/a/c")
        );
        assert_eq!(normalize(cwd, "/"), PathBuf::from("/"));
    }

    #[test]
    fn matches() {
        assert!(glob_match("*.rs", "lib.rs"));
        assert!(!glob_match("*.rs", "lib.rsx"));
        assert!(glob_match("a?c", "abc"));
        assert!(glob_match("[a-c]x", "bx"));
        assert!(!glob_match("[!a-c]x", "bx"));
        assert!(glob_match("\\*", "*"));
        assert!(!glob_match("\\*", "a"));
        assert!(glob_match("*a*b*", "xxaxxbxx"));
    }
}
