//! Codex's tools in rein's neutral model. In hooks, Codex reports its shell (`exec_command`) as
//! `Bash` with `{command}`, its file editor as `apply_patch` with the patch text in `command`, and
//! MCP tools as `mcp__<server>__<tool>`.

use rein_call::{Action, PatchFile, PatchOp};
use serde_json::Value;

/// Most files one patch may name before it is judged invalid.
const MAX_PATCH_FILES: usize = 4096;

/// What a Codex tool call does.
pub fn normalize(tool: &str, input: &Value) -> Action {
    let command = input.get("command").and_then(Value::as_str);
    let invalid = |reason: String| Action::Invalid {
        name: tool.to_owned(),
        reason,
        writes: true,
    };
    if let Some(rest) = tool.strip_prefix("mcp__") {
        return match rest.split_once("__") {
            Some((server, name)) if !server.is_empty() && !name.is_empty() => Action::Mcp {
                server: server.to_owned(),
                tool: name.to_owned(),
            },
            _ => Action::Other {
                name: tool.to_owned(),
            },
        };
    }
    match tool {
        "Bash" => match command {
            Some(c) => Action::Shell {
                command: c.to_owned(),
                shell: None,
            },
            None => invalid("the Bash call has no `command` string".into()),
        },
        "apply_patch" => match command.map(patch_files) {
            Some(Ok(files)) => Action::Patch { files },
            Some(Err(reason)) => invalid(reason),
            None => invalid("the apply_patch call has no patch in `command`".into()),
        },
        _ => Action::Other {
            name: tool.to_owned(),
        },
    }
}

/// The files a Codex patch touches (`*** Add File:`, `*** Update File:` with an optional
/// `*** Move to:`, `*** Delete File:`). A patch that names no file, or too many, is refused.
pub fn patch_files(patch: &str) -> Result<Vec<PatchFile>, String> {
    let mut files: Vec<PatchFile> = Vec::new();
    for line in patch.lines() {
        let line = line.trim_end_matches('\r');
        let (op, path) = if let Some(p) = line.strip_prefix("*** Add File: ") {
            (PatchOp::Add, p)
        } else if let Some(p) = line.strip_prefix("*** Update File: ") {
            (PatchOp::Update, p)
        } else if let Some(p) = line.strip_prefix("*** Delete File: ") {
            (PatchOp::Delete, p)
        } else if let Some(to) = line.strip_prefix("*** Move to: ") {
            match files.last_mut() {
                Some(f) if f.op == PatchOp::Update && f.move_to.is_none() => {
                    f.move_to = Some(to.trim().to_owned());
                    continue;
                }
                _ => return Err("the patch moves a file it does not update".into()),
            }
        } else {
            continue;
        };
        if files.len() >= MAX_PATCH_FILES {
            return Err(format!("the patch names more than {MAX_PATCH_FILES} files"));
        }
        let path = path.trim();
        if path.is_empty() {
            return Err("the patch names a file with an empty path".into());
        }
        files.push(PatchFile {
            path: path.to_owned(),
            op,
            move_to: None,
        });
    }
    if files.is_empty() {
        return Err("the patch names no file".into());
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn patches_name_every_file_they_touch() {
        let patch = "*** Begin Patch\n*** Add File: b.txt\n+hello\n*** Update File: src/a.rs\n*** Move to: src/c.rs\n@@\n-x\n+y\n*** Delete File: old.txt\n*** End Patch\n";
        let files = patch_files(patch).expect("parses");
        assert_eq!(
            files,
            vec![
                PatchFile {
                    path: "b.txt".into(),
                    op: PatchOp::Add,
                    move_to: None
                },
                PatchFile {
                    path: "src/a.rs".into(),
                    op: PatchOp::Update,
                    move_to: Some("src/c.rs".into())
                },
                PatchFile {
                    path: "old.txt".into(),
                    op: PatchOp::Delete,
                    move_to: None
                },
            ]
        );
        assert!(patch_files("*** Begin Patch\n*** End Patch\n").is_err());
        assert!(patch_files("*** Move to: x\n").is_err());
    }

    #[test]
    fn codex_tools() {
        assert_eq!(normalize("Bash", &json!({"command": "ls"})).kind(), "shell");
        assert_eq!(
            normalize(
                "apply_patch",
                &json!({"command": "*** Begin Patch\n*** Add File: a\n+x\n*** End Patch"})
            )
            .kind(),
            "patch"
        );
        assert_eq!(
            normalize("apply_patch", &json!({"command": "nonsense"})).kind(),
            "invalid"
        );
        assert_eq!(normalize("Bash", &json!({})).kind(), "invalid");
        assert_eq!(normalize("mcp__fs__read", &json!({})).kind(), "mcp");
        assert_eq!(
            normalize("view_image", &json!({"path": "/x"})).kind(),
            "other"
        );
    }
}
