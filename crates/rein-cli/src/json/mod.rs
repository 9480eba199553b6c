//! Every JSON document rein prints, as its own types (docs/json.md).
//!
//! These are output types, kept apart from the store's and the libraries' types (which can then
//! change without changing what rein prints): each command builds one of the [`Document`]s here,
//! field by field, and `render::print_json` prints it. Fields serialise in the order they are
//! declared. Every document starts (`op show`: ends) with its `schema` field, a [`Schema`], which
//! always says [`rein_core::JSON_SCHEMA`]: the one place the version lives. Only parts that are
//! open-ended by nature stay `serde_json::Value`: a tool's input and response, a decision's
//! recorded detail, an operation's options.

mod audit;
mod doctor;
mod history;
mod ops;
mod policy;
mod task;

pub use audit::*;
pub use doctor::*;
pub use history::*;
pub use ops::*;
pub use policy::*;
pub use rein_core::schema::Schema;
pub use task::*;

/// A whole JSON document, as a command prints it: only these go to `render::print_json`.
pub trait Document: serde::Serialize {}

/// Marks the top-level types of a module as documents.
macro_rules! documents {
    ($($t:ident $(<$($g:ident),+>)?),* $(,)?) => {
        $(impl$(<$($g: serde::Serialize),+>)? crate::json::Document for $t$(<$($g),+>)? {})*
    };
}
use documents;

#[cfg(test)]
mod tests {
    use super::*;
    use rein_core::JSON_SCHEMA;

    /// docs/json.md is titled with the version the documents carry.
    #[test]
    fn the_documentation_names_the_schema_version() {
        let doc = include_str!("../../../../docs/json.md");
        let title = doc.lines().next().unwrap_or_default();
        assert_eq!(
            title,
            format!("# rein's JSON output (schema {JSON_SCHEMA})"),
            "docs/json.md's title must name JSON_SCHEMA"
        );
        assert!(
            doc.contains(&format!("\"schema\": {JSON_SCHEMA}")),
            "docs/json.md's examples must carry JSON_SCHEMA"
        );
    }

    /// Every `--json` flag's help that names a schema names this one.
    #[test]
    fn the_help_names_the_schema_version() {
        fn walk(cmd: &clap::Command, path: &str, checked: &mut usize) {
            for arg in cmd.get_arguments().filter(|a| a.get_id() == "json") {
                let help = arg.get_help().map(ToString::to_string).unwrap_or_default();
                if help.contains("schema") {
                    assert!(
                        help.contains(&format!("(schema {JSON_SCHEMA}")),
                        "{path} --json: {help}"
                    );
                    *checked += 1;
                }
            }
            for sub in cmd.get_subcommands() {
                walk(sub, &format!("{path} {}", sub.get_name()), checked);
            }
        }
        let mut checked = 0;
        walk(
            &<crate::Cli as clap::CommandFactory>::command(),
            "rein",
            &mut checked,
        );
        assert!(checked >= 19, "only {checked} --json flags name a schema");
    }

    #[test]
    fn a_document_starts_with_its_schema() {
        let text = serde_json::to_string(&TaskList {
            schema: Schema,
            tasks: Vec::new(),
        })
        .expect("serialises");
        assert_eq!(text, format!("{{\"schema\":{JSON_SCHEMA},\"tasks\":[]}}"));
    }
}
