//! What detectors share: telling references from literal values, fingerprints instead of
//! secrets, package pinning, and a finding builder.

use crate::detectors::Source;
use crate::doc::Pos;
use crate::model::{
    Action, Authority, Confidence, Credential, CredentialKind, Decision, Finding, FindingKind,
};

/// A value that points at a secret instead of holding it: `${VAR}`, `$VAR`, `${env:VAR}`,
/// `${input:x}`, `{env:VAR}` (opencode), `${{ secrets.X }}`, `{{ x }}`, or empty.
pub fn is_reference(value: &str) -> bool {
    let v = value.trim();
    if v.is_empty() {
        return true;
    }
    let inner = v
        .strip_prefix("Bearer ")
        .or_else(|| v.strip_prefix("bearer "))
        .or_else(|| v.strip_prefix("token "))
        .or_else(|| v.strip_prefix("Basic "))
        .unwrap_or(v)
        .trim();
    (inner.starts_with("${") && inner.ends_with('}'))
        || (inner.starts_with("{env:") && inner.ends_with('}'))
        || (inner.starts_with("{{") && inner.ends_with("}}"))
        || (inner.starts_with('$')
            && inner.len() > 1
            && inner[1..]
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'_'))
}

/// Where a referenced value comes from, for the authority record.
pub fn reference_source(value: &str) -> String {
    let v = value.trim();
    if let Some(start) = v.find("${{") {
        return v[start..].trim().to_owned();
    }
    if let Some(start) = v
        .find("${")
        .or_else(|| v.find("{env:"))
        .or_else(|| v.find('$'))
    {
        return v[start..].trim().to_owned();
    }
    v.to_owned()
}

/// Whether a literal value under `key` is a secret: a known token format anywhere, or a
/// secret-looking key name with a value that is not trivial.
pub fn is_literal_secret(key: &str, value: &str) -> bool {
    if is_reference(value) {
        return false;
    }
    rein_secrets::contains_secret(value)
        || rein_secrets::contains_secret(&format!("{key}={value}"))
        || rein_secrets::contains_secret(&format!("{key}: {value}"))
}

/// A fingerprint of a secret: enough to tell two apart or match a rotation, never the value.
pub fn fingerprint(value: &str) -> String {
    let hash = blake3::hash(value.as_bytes()).to_hex();
    format!("blake3:{}… ({} chars)", &hash[..8], value.chars().count())
}

/// Names that carry a credential (`GITHUB_TOKEN`, `api-key`, `Authorization`).
pub fn is_credential_name(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    [
        "token",
        "key",
        "secret",
        "password",
        "passwd",
        "auth",
        "credential",
        "pat",
        "cookie",
    ]
    .iter()
    .any(|w| k.contains(w))
        && !k.ends_with("_file")
        && !k.ends_with("_path")
        && !k.contains("keyboard")
}

/// How a credential name reads: CI's scoped `GITHUB_TOKEN` versus a standing key.
pub fn credential_kind(name: &str, source: &str) -> CredentialKind {
    // Only GitHub Actions' own token is scoped to a run; a variable merely named GITHUB_TOKEN
    // elsewhere (an MCP server's env) usually holds a personal access token.
    let _ = name;
    let s = source.to_ascii_lowercase();
    if s.contains("secrets.github_token")
        || s.contains("github.token")
        || s.contains("id-token")
        || s.contains("oidc")
    {
        CredentialKind::Scoped
    } else {
        CredentialKind::Standing
    }
}

/// A credential record for a key and value (fingerprinted when literal).
pub fn credential(key: &str, value: &str) -> Credential {
    if is_reference(value) {
        let source = reference_source(value);
        Credential {
            name: key.to_owned(),
            kind: credential_kind(key, &source),
            source,
            fingerprint: None,
        }
    } else {
        Credential {
            name: key.to_owned(),
            source: "literal".into(),
            kind: CredentialKind::Standing,
            fingerprint: Some(fingerprint(value)),
        }
    }
}

/// The verdict on a package a launcher (`npx`, `uvx`, `docker run`…) fetches and runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Package {
    /// A pinned version or digest.
    Pinned(String),
    /// No version, `@latest`, a range, or a mutable tag.
    Unpinned(String),
}

/// Launchers that download and run a package named in their arguments.
const LAUNCHERS: &[&str] = &[
    "npx", "bunx", "pnpx", "uvx", "pipx", "docker", "podman", "deno", "yarn", "pnpm", "bun",
];

/// Finds the package a command line fetches, if it runs one through a launcher.
pub fn launched_package(command: &str, args: &[&str]) -> Option<Package> {
    let prog = command.rsplit('/').next().unwrap_or(command);
    if !LAUNCHERS.contains(&prog) {
        return None;
    }
    let mut rest = args.iter().copied().peekable();
    // `pnpm dlx x`, `yarn dlx x`, `bun x`, `pipx run x`, `docker run … image`, `deno run x`.
    if matches!(
        prog,
        "pnpm" | "yarn" | "bun" | "pipx" | "deno" | "docker" | "podman"
    ) {
        match rest.next() {
            Some("dlx" | "x" | "run") => {}
            _ => return None,
        }
    }
    let docker = matches!(prog, "docker" | "podman");
    // Options with a value, for the launchers that take them.
    let valued: &[&str] = if docker {
        &[
            "-e",
            "--env",
            "-v",
            "--volume",
            "--name",
            "--network",
            "-p",
            "--publish",
            "--user",
            "-u",
            "-w",
            "--workdir",
            "--entrypoint",
            "--env-file",
            "--platform",
            "--mount",
        ]
    } else {
        &[
            "-p",
            "--package",
            "--from",
            "--with",
            "--python",
            "--index-url",
            "-c",
            "--call",
        ]
    };
    while let Some(a) = rest.next() {
        if a == "--" {
            continue;
        }
        if a.starts_with('-') {
            if valued.contains(&a) {
                rest.next();
            }
            continue;
        }
        let pkg = a.trim_start_matches("npm:").trim_start_matches("jsr:");
        return Some(if docker {
            docker_pin(pkg)
        } else if matches!(prog, "uvx" | "pipx") {
            python_pin(pkg)
        } else {
            npm_pin(pkg)
        });
    }
    None
}

fn npm_pin(spec: &str) -> Package {
    // `@scope/name@1.2.3`, `name@1.2.3`: the version is after the last `@` past the scope.
    let (name, version) = match spec.strip_prefix('@') {
        Some(rest) => match rest.split_once('@') {
            Some((n, v)) => (format!("@{n}"), Some(v)),
            None => (spec.to_owned(), None),
        },
        None => match spec.split_once('@') {
            Some((n, v)) => (n.to_owned(), Some(v)),
            None => (spec.to_owned(), None),
        },
    };
    match version {
        Some(v) if is_exact_version(v) => Package::Pinned(format!("{name}@{v}")),
        _ => Package::Unpinned(spec.to_owned()),
    }
}

fn python_pin(spec: &str) -> Package {
    match spec.split_once("==").or_else(|| spec.split_once('@')) {
        Some((_, v)) if is_exact_version(v.trim()) => Package::Pinned(spec.to_owned()),
        _ => Package::Unpinned(spec.to_owned()),
    }
}

fn docker_pin(image: &str) -> Package {
    if image.contains("@sha256:") {
        return Package::Pinned(image.to_owned());
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.split_once(':') {
        Some((_, tag)) if tag != "latest" && !tag.is_empty() => Package::Pinned(image.to_owned()),
        _ => Package::Unpinned(image.to_owned()),
    }
}

/// `1.2.3`, `1.2.3-beta.1`, `2025.1.2`: an exact version (no range, no tag).
fn is_exact_version(v: &str) -> bool {
    let v = v.strip_prefix('v').unwrap_or(v);
    v.split(['.', '-', '+'])
        .next()
        .is_some_and(|major| !major.is_empty() && major.bytes().all(|c| c.is_ascii_digit()))
        && v.contains('.')
        && !v.contains(['^', '~', '*', '>', '<', ' ', '|', 'x'])
}

/// Starts a finding at `pos` for this source, with the entry's client as the agent.
pub fn finding(
    src: &Source<'_>,
    rule: &'static str,
    decision: Decision,
    pos: Pos,
    subject: impl Into<String>,
    message: impl Into<String>,
) -> Finding {
    Finding {
        rule,
        kind: FindingKind::Entry,
        decision,
        confidence: Confidence::High,
        path: src.path.to_owned(),
        pos,
        origin: src.origin(),
        agent: src.entry.client.clone(),
        subject: subject.into(),
        message: message.into(),
        reasons: Vec::new(),
        authority: Authority::default(),
        actions: Vec::new(),
        owners: Vec::new(),
    }
}

/// Adds actions without duplicates, keeping them sorted.
pub fn add_actions(f: &mut Finding, actions: &[Action]) {
    for a in actions {
        if !f.actions.contains(a) {
            f.actions.push(*a);
        }
    }
    f.actions.sort();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_not_secrets() {
        for r in [
            "${GITHUB_TOKEN}",
            "${env:API_KEY}",
            "${input:token}",
            "$TOKEN",
            "{env:KEY}",
            "${{ secrets.PAT }}",
            "Bearer ${TOKEN}",
            "",
        ] {
            assert!(is_reference(r), "{r}");
            assert!(!is_literal_secret("GITHUB_TOKEN", r), "{r}");
        }
        assert!(is_literal_secret(
            "GITHUB_TOKEN",
            "ghp_0123456789abcdefghijABCDEFGHIJ012345"
        ));
        assert!(is_literal_secret(
            "API_KEY",
            "9f8e7d6c5b4a39281706f5e4d3c2b1a0"
        ));
        assert!(!is_literal_secret("LOG_LEVEL", "debug"));
        let fp = fingerprint("ghp_secret");
        assert!(fp.starts_with("blake3:") && !fp.contains("ghp_"));
    }

    #[test]
    fn package_pinning() {
        use Package::*;
        let p = |c: &str, a: &[&str]| launched_package(c, a);
        assert_eq!(
            p("npx", &["-y", "@modelcontextprotocol/server-github"]),
            Some(Unpinned("@modelcontextprotocol/server-github".into()))
        );
        assert_eq!(
            p("npx", &["-y", "@modelcontextprotocol/server-github@latest"]),
            Some(Unpinned(
                "@modelcontextprotocol/server-github@latest".into()
            ))
        );
        assert_eq!(
            p(
                "npx",
                &["-y", "@modelcontextprotocol/server-github@2025.4.8"]
            ),
            Some(Pinned(
                "@modelcontextprotocol/server-github@2025.4.8".into()
            ))
        );
        assert_eq!(
            p("npx", &["mcp-server@^1.2.0"]),
            Some(Unpinned("mcp-server@^1.2.0".into()))
        );
        assert_eq!(
            p("uvx", &["mcp-server-git==2025.1.14"]),
            Some(Pinned("mcp-server-git==2025.1.14".into()))
        );
        assert_eq!(
            p("uvx", &["mcp-server-fetch"]),
            Some(Unpinned("mcp-server-fetch".into()))
        );
        assert_eq!(
            p(
                "docker",
                &[
                    "run",
                    "-i",
                    "--rm",
                    "-e",
                    "TOKEN",
                    "ghcr.io/github/github-mcp-server"
                ]
            ),
            Some(Unpinned("ghcr.io/github/github-mcp-server".into()))
        );
        assert_eq!(
            p("docker", &["run", "-i", "ghcr.io/x/y@sha256:abcd"]),
            Some(Pinned("ghcr.io/x/y@sha256:abcd".into()))
        );
        assert_eq!(p("node", &["server.js"]), None);
        assert_eq!(p("pnpm", &["install"]), None);
    }
}
