//! Standing credentials on this machine (`--home`): presence only. rein never reads a value into
//! a finding, not even as a fingerprint: the location and the kind are enough to act on.

use crate::detectors::common;
use crate::detectors::{Detector, Source};
use crate::doc::Pos;
use crate::model::{Action, Credential, CredentialKind, Decision, Finding};

pub struct Credentials;

impl Detector for Credentials {
    fn id(&self) -> &'static str {
        "credentials"
    }

    fn check(&self, src: &Source<'_>, out: &mut Vec<Finding>) {
        let found: Vec<(String, Pos)> = match src.entry.id.as_str() {
            "home.gh-hosts" => yaml_tokens(src),
            "home.cargo-credentials" => toml_tokens(src),
            "home.docker-config" => docker_auths(src),
            id => ini_like(src.text, id),
        };
        for (what, pos) in found {
            let mut f = common::finding(
                src,
                "home.standing-credential",
                src.verdict(),
                pos,
                what.clone(),
                format!(
                    "{}: {what} is stored here in clear, valid until revoked, and readable by any agent running as you",
                    src.entry.about
                ),
            );
            f.reasons.push(
                "agents run with your user's rights: a standing credential on disk is theirs too"
                    .into(),
            );
            f.reasons
                .push("prefer a credential helper, a keychain, or short-lived tokens".into());
            f.authority.credentials.push(Credential {
                name: what,
                source: format!("file {}", src.path),
                kind: CredentialKind::Standing,
                fingerprint: None,
            });
            common::add_actions(&mut f, &[Action::Secrets]);
            out.push(f);
        }
    }
}

/// `~/.config/gh/hosts.yml`: `github.com: { oauth_token: … }`.
fn yaml_tokens(src: &Source<'_>) -> Vec<(String, Pos)> {
    let Some(root) = &src.doc.root else {
        return Vec::new();
    };
    root.entries()
        .iter()
        .filter_map(|host| {
            let e = host.value.entry("oauth_token")?;
            (!e.value.as_str().unwrap_or("").is_empty())
                .then(|| (format!("GitHub CLI token for {}", host.key), e.key_pos))
        })
        .collect()
}

/// `~/.cargo/credentials.toml`: `[registry] token`, `[registries.x] token`.
fn toml_tokens(src: &Source<'_>) -> Vec<(String, Pos)> {
    let Some(root) = &src.doc.root else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Some(e) = root.get("registry").and_then(|r| r.entry("token")) {
        out.push(("crates.io token".to_owned(), e.key_pos));
    }
    if let Some(regs) = root.get("registries") {
        for r in regs.entries() {
            if let Some(e) = r.value.entry("token") {
                out.push((format!("token for registry {}", r.key), e.key_pos));
            }
        }
    }
    out
}

/// `~/.docker/config.json`: `auths.<registry>.auth` (base64 user:password) in clear. Entries
/// kept by a credential helper (`credsStore`, `credHelpers`) have no `auth`.
fn docker_auths(src: &Source<'_>) -> Vec<(String, Pos)> {
    let Some(auths) = src.doc.root.as_ref().and_then(|r| r.get("auths")) else {
        return Vec::new();
    };
    auths
        .entries()
        .iter()
        .filter_map(|reg| {
            let e = reg
                .value
                .entry("auth")
                .or_else(|| reg.value.entry("identitytoken"))?;
            (!e.value.as_str().unwrap_or("").is_empty())
                .then(|| (format!("registry login for {}", reg.key), e.key_pos))
        })
        .collect()
}

/// `.npmrc`, `.pypirc`, `.aws/credentials`, `.netrc`: `key = value` lines (with `[section]`s).
fn ini_like(text: &str, entry: &str) -> Vec<(String, Pos)> {
    let file = match entry {
        "home.npmrc" => ".npmrc",
        "home.pypirc" => ".pypirc",
        "home.aws-credentials" => "credentials",
        "home.netrc" => ".netrc",
        _ => "",
    };
    let keys: &[&str] = match file {
        ".npmrc" => &["_authToken", "_auth", "_password"],
        ".pypirc" => &["password"],
        "credentials" => &["aws_secret_access_key", "aws_session_token"],
        ".netrc" => &["password"],
        _ => &[],
    };
    let mut out = Vec::new();
    let mut section = String::new();
    for (i, raw) in text.lines().enumerate().take(100_000) {
        let line = raw.trim();
        if line.starts_with('#') || line.starts_with(';') || line.is_empty() {
            continue;
        }
        if line.starts_with('[') && line.ends_with(']') {
            section = line[1..line.len() - 1].trim().to_owned();
            continue;
        }
        for key in keys {
            // `//registry.npmjs.org/:_authToken=…`, `password = …`, netrc's `password x`.
            let Some(at) = line.find(key) else { continue };
            let after = line[at + key.len()..].trim_start();
            let value = after
                .strip_prefix('=')
                .or_else(|| (file == ".netrc").then_some(after))
                .map(str::trim);
            if value.is_some_and(|v| !v.is_empty() && !common::is_reference(v)) {
                let scope = if file == ".npmrc" {
                    line[..at]
                        .trim_end_matches(':')
                        .trim_start_matches("//")
                        .to_owned()
                } else {
                    section.clone()
                };
                let what = match (file, scope.is_empty()) {
                    (_, true) => (*key).to_owned(),
                    (".npmrc", false) => format!("npm token for {scope}"),
                    ("credentials", false) => format!("AWS secret key (profile {scope})"),
                    (_, false) => format!("{key} for {scope}"),
                };
                let column = raw[..raw.find(key).unwrap_or(0)].chars().count() as u32 + 1;
                out.push((
                    what,
                    Pos {
                        line: i as u32 + 1,
                        column,
                    },
                ));
            }
        }
    }
    out
}

/// Well-known API-key variables: `--home` reports the ones set in its environment, by name.
pub const CREDENTIAL_VARIABLES: &[&str] = &[
    "ANTHROPIC_API_KEY",
    "CLAUDE_CODE_OAUTH_TOKEN",
    "OPENAI_API_KEY",
    "AZURE_OPENAI_API_KEY",
    "GEMINI_API_KEY",
    "GOOGLE_API_KEY",
    "MISTRAL_API_KEY",
    "GROQ_API_KEY",
    "OPENROUTER_API_KEY",
    "HF_TOKEN",
    "GITHUB_TOKEN",
    "GH_TOKEN",
    "GITLAB_TOKEN",
    "NPM_TOKEN",
    "CARGO_REGISTRY_TOKEN",
    "PYPI_TOKEN",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
];

/// Findings for the credential variables set in the scanning process's environment (names
/// only; the caller reads the environment, this library never does).
pub fn environment_findings(set: &[&str]) -> Vec<Finding> {
    set.iter()
        .filter(|v| CREDENTIAL_VARIABLES.contains(v))
        .map(|v| Finding {
            rule: "home.credential-variable",
            kind: crate::model::FindingKind::Entry,
            decision: Decision::Approval,
            confidence: crate::model::Confidence::High,
            path: "(environment)".into(),
            pos: Pos::START,
            origin: crate::model::Origin::Home,
            agent: "any".into(),
            subject: (*v).to_owned(),
            message: format!("${v} is set in this shell: every agent started from it can use it"),
            reasons: vec!["a standing credential in the environment is inherited by agents and the tools they run".into()],
            authority: crate::model::Authority {
                credentials: vec![Credential {
                    name: (*v).to_owned(),
                    source: "environment".into(),
                    kind: CredentialKind::Standing,
                    fingerprint: None,
                }],
                ..Default::default()
            },
            actions: vec![Action::Secrets],
            owners: Vec::new(),
        })
        .collect()
}
