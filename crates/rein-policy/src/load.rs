//! Loading the layered policy: the built-in packs, then a machine directory, the user's
//! directory and the project's `.rein/policy/`. Every rule gets an id and a source location, and
//! every file is validated against rein's schema, so a broken file is an error, never skipped.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use cedar_policy::{Policy, PolicyId, PolicySet, Schema, ValidationMode, Validator};

use crate::error::PolicyError;

/// Largest policy file read.
const MAX_FILE_BYTES: u64 = 1 << 20;
/// Most policy files read from one directory.
const MAX_FILES_PER_DIR: usize = 1000;

/// rein's Cedar schema.
pub const SCHEMA_TEXT: &str = include_str!("schema.cedarschema");

/// The built-in packs, in evaluation order.
pub const BUILTIN: &[(&str, &str)] = &[
    ("base.cedar", include_str!("builtin/base.cedar")),
    ("filesystem.cedar", include_str!("builtin/filesystem.cedar")),
    ("secrets.cedar", include_str!("builtin/secrets.cedar")),
    ("tamper.cedar", include_str!("builtin/tamper.cedar")),
    ("ci.cedar", include_str!("builtin/ci.cedar")),
    ("delivery.cedar", include_str!("builtin/delivery.cedar")),
    ("unresolved.cedar", include_str!("builtin/unresolved.cedar")),
];

/// Which layer a policy file belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Layer {
    Builtin,
    Machine,
    User,
    Project,
}

impl Layer {
    pub fn as_str(self) -> &'static str {
        match self {
            Layer::Builtin => "builtin",
            Layer::Machine => "machine",
            Layer::User => "user",
            Layer::Project => "project",
        }
    }
}

/// One policy file's text and where it came from.
#[derive(Debug, Clone)]
pub struct PolicySource {
    pub layer: Layer,
    /// How the file is shown: `builtin:secrets.cedar` or its path.
    pub label: String,
    pub text: String,
}

impl PolicySource {
    /// The built-in packs.
    pub fn builtin() -> Vec<PolicySource> {
        BUILTIN
            .iter()
            .map(|(name, text)| PolicySource {
                layer: Layer::Builtin,
                label: format!("builtin:{name}"),
                text: (*text).to_owned(),
            })
            .collect()
    }

    /// Every `*.cedar` file in `dir`, sorted by name. A missing directory is empty; an unreadable
    /// one, or an unreadable or oversized file, is an error.
    pub fn read_dir(dir: &Path, layer: Layer) -> Result<Vec<PolicySource>, PolicyError> {
        let entries = match std::fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(PolicyError::io(dir, e)),
        };
        let mut paths: Vec<PathBuf> = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| PolicyError::io(dir, e))?;
            let path = entry.path();
            if path.extension().is_some_and(|x| x == "cedar") {
                paths.push(path);
                if paths.len() > MAX_FILES_PER_DIR {
                    return Err(PolicyError::Load {
                        file: dir.display().to_string(),
                        message: format!("more than {MAX_FILES_PER_DIR} policy files"),
                    });
                }
            }
        }
        paths.sort();
        paths
            .into_iter()
            .map(|path| {
                let meta = std::fs::metadata(&path).map_err(|e| PolicyError::io(&path, e))?;
                if meta.len() > MAX_FILE_BYTES {
                    return Err(PolicyError::Load {
                        file: path.display().to_string(),
                        message: format!("larger than {MAX_FILE_BYTES} bytes"),
                    });
                }
                let bytes = std::fs::read(&path).map_err(|e| PolicyError::io(&path, e))?;
                let text = String::from_utf8(bytes).map_err(|_| PolicyError::Load {
                    file: path.display().to_string(),
                    message: "not valid UTF-8".into(),
                })?;
                Ok(PolicySource {
                    layer,
                    label: path.display().to_string(),
                    text,
                })
            })
            .collect()
    }
}

/// Where a rule is written, and what it says about itself.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RuleInfo {
    pub id: String,
    pub layer: Layer,
    pub file: String,
    pub line: usize,
    /// `forbid` or `permit`.
    pub effect: &'static str,
    /// The `@ask("…")` annotation: a forbid that asks instead of denying.
    pub ask: Option<String>,
    /// The `@reason("…")` annotation, else the `@ask` text.
    pub reason: Option<String>,
}

/// The loaded, validated policy set.
#[derive(Debug)]
pub struct Policies {
    pub(crate) set: PolicySet,
    pub(crate) rules: Vec<RuleInfo>,
    hash: String,
}

impl Policies {
    /// Parses, ids and validates every source. `disabled` lists built-in, user or project rule
    /// ids to leave out (machine rules cannot be disabled). Any error in any file fails the load.
    pub fn load(sources: &[PolicySource], disabled: &[String]) -> Result<Policies, PolicyError> {
        Self::load_cached(sources, disabled, None)
    }

    /// Like [`Policies::load`], remembering in `validated_dir` the hashes of policy sets that
    /// passed validation, so that the gate does not validate an unchanged set on every call.
    /// Skipping validation never weakens the gate: a rule that fails to evaluate is a deny.
    pub fn load_cached(
        sources: &[PolicySource],
        disabled: &[String],
        validated_dir: Option<&Path>,
    ) -> Result<Policies, PolicyError> {
        let mut set = PolicySet::new();
        let mut rules = Vec::new();
        let mut hasher = blake3::Hasher::new();
        hasher.update(b"rein-policy-v1\0");
        hasher.update(SCHEMA_TEXT.as_bytes());
        hasher.update(env!("CARGO_PKG_VERSION").as_bytes());
        for id in disabled {
            hasher.update(b"\0disable\0");
            hasher.update(id.as_bytes());
        }
        for source in sources {
            hasher.update(source.layer.as_str().as_bytes());
            hasher.update(&[0]);
            hasher.update(source.label.as_bytes());
            hasher.update(&[0]);
            hasher.update(&(source.text.len() as u64).to_le_bytes());
            hasher.update(source.text.as_bytes());
            for (policy, line) in parse_file(source)? {
                // `Policy::annotation` parses its key with the full Cedar parser on every call;
                // one pass over the annotations is much cheaper on the gate's hot path.
                let (mut id, mut ask, mut reason) = (None, None, None);
                for (k, v) in policy.annotations() {
                    match k {
                        "id" => id = Some(v.to_owned()),
                        "ask" => ask = Some(v.to_owned()),
                        "reason" => reason = Some(v.to_owned()),
                        _ => {}
                    }
                }
                let id = id.unwrap_or_else(|| format!("{}:{}", source.label, line));
                if disabled.contains(&id) && source.layer != Layer::Machine {
                    continue;
                }
                let effect = match policy.effect() {
                    cedar_policy::Effect::Forbid => "forbid",
                    cedar_policy::Effect::Permit => "permit",
                };
                if ask.is_some() && effect == "permit" {
                    return Err(PolicyError::Load {
                        file: format!("{}:{line}", source.label),
                        message: format!("rule `{id}`: @ask only makes sense on a forbid"),
                    });
                }
                let reason = reason.or_else(|| ask.clone());
                let policy = policy.new_id(PolicyId::new(&id));
                set.add(policy).map_err(|e| PolicyError::Load {
                    file: format!("{}:{line}", source.label),
                    message: format!("rule `{id}`: {e}"),
                })?;
                rules.push(RuleInfo {
                    id,
                    layer: source.layer,
                    file: source.label.clone(),
                    line,
                    effect,
                    ask,
                    reason,
                });
            }
        }
        let hash = hasher.finalize().to_hex().to_string();
        let marker = validated_dir.map(|d| d.join(&hash));
        if marker.as_deref().is_some_and(Path::exists) {
            return Ok(Policies { set, rules, hash });
        }
        let validation = Validator::new(schema()?).validate(&set, ValidationMode::Strict);
        if let Some(err) = validation.validation_errors().next() {
            let id = err.policy_id().to_string();
            let at = rules
                .iter()
                .find(|r| r.id == id)
                .map(|r| format!("{}:{}", r.file, r.line))
                .unwrap_or(id.clone());
            return Err(PolicyError::Load {
                file: at,
                message: format!("rule `{id}` does not fit rein's schema: {err}"),
            });
        }
        if let (Some(dir), Some(marker)) = (validated_dir, &marker) {
            // Best effort: without the marker the next load validates again.
            if std::fs::create_dir_all(dir).is_ok() {
                let _ = std::fs::write(marker, b"");
            }
        }
        Ok(Policies { set, rules, hash })
    }

    /// The policy set's hash: BLAKE3 over every file's layer, label and text, in order.
    pub fn hash(&self) -> &str {
        &self.hash
    }

    pub fn rules(&self) -> &[RuleInfo] {
        &self.rules
    }

    pub fn rule(&self, id: &str) -> Option<&RuleInfo> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// Validation warnings, such as rules that can never match, as (rule id, message).
    pub fn warnings(&self) -> Result<Vec<(String, String)>, PolicyError> {
        let validation = Validator::new(schema()?).validate(&self.set, ValidationMode::Strict);
        Ok(validation
            .validation_warnings()
            .map(|w| (w.policy_id().to_string(), w.to_string()))
            .collect())
    }
}

pub(crate) fn schema() -> Result<Schema, PolicyError> {
    Schema::from_cedarschema_str(SCHEMA_TEXT)
        .map(|(schema, _warnings)| schema)
        .map_err(|e| PolicyError::Load {
            file: "builtin:schema.cedarschema".into(),
            message: e.to_string(),
        })
}

/// Parses one file into its policies, each with the line its statement starts on.
fn parse_file(source: &PolicySource) -> Result<Vec<(Policy, usize)>, PolicyError> {
    let set = PolicySet::from_str(&source.text).map_err(|e| {
        let line = e
            .iter()
            .next()
            .and_then(|d| miette_line(d, &source.text))
            .map(|l| format!(":{l}"))
            .unwrap_or_default();
        PolicyError::Load {
            file: format!("{}{line}", source.label),
            message: e.to_string(),
        }
    })?;
    if set.templates().next().is_some() {
        return Err(PolicyError::Load {
            file: source.label.clone(),
            message: "policy templates (?principal, ?resource) are not supported".into(),
        });
    }
    // Cedar names the policies of one text policy0, policy1, … in source order.
    let mut numbered: Vec<(usize, Policy)> = set
        .policies()
        .map(|p| {
            let n = p
                .id()
                .to_string()
                .strip_prefix("policy")
                .and_then(|n| n.parse::<usize>().ok())
                .unwrap_or(usize::MAX);
            (n, p.clone())
        })
        .collect();
    numbered.sort_by_key(|(n, _)| *n);
    let lines = statement_lines(&source.text);
    Ok(numbered
        .into_iter()
        .enumerate()
        .map(|(i, (_, p))| (p, lines.get(i).copied().unwrap_or(0)))
        .collect())
}

fn miette_line(diag: &dyn miette::Diagnostic, text: &str) -> Option<usize> {
    let offset = diag.labels()?.next()?.offset();
    Some(text.get(..offset)?.matches('\n').count() + 1)
}

/// The 1-based line on which each top-level statement (its annotations included) starts.
/// A small scanner that knows comments and strings, enough to find `permit`/`forbid`/`@`.
pub(crate) fn statement_lines(text: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut lines = Vec::new();
    let mut line = 1usize;
    let mut depth = 0i32;
    let mut pending: Option<usize> = None;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'\n' => line += 1,
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    if bytes[i] == b'\\' {
                        i += 1;
                    } else if bytes[i] == b'\n' {
                        line += 1;
                    }
                    i += 1;
                }
            }
            b'(' | b'{' | b'[' => depth += 1,
            b')' | b'}' | b']' => depth -= 1,
            b'@' if depth == 0 => {
                pending.get_or_insert(line);
            }
            b';' if depth == 0 => {}
            b'p' | b'f' if depth == 0 => {
                let word_start = i == 0 || !is_ident(bytes[i - 1]);
                let rest = &bytes[i..];
                let keyword = [b"permit".as_slice(), b"forbid".as_slice()]
                    .into_iter()
                    .find(|k| {
                        rest.starts_with(k) && !rest.get(k.len()).is_some_and(|c| is_ident(*c))
                    });
                if word_start && let Some(k) = keyword {
                    lines.push(pending.take().unwrap_or(line));
                    i += k.len();
                    continue;
                }
            }
            _ => {}
        }
        i += 1;
    }
    lines
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}
