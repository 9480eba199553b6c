//! The version of rein's JSON documents (docs/json.md).
//!
//! Every JSON document rein prints or writes carries `"schema": N` with this one number: the
//! CLI's `--json` output, `rein scan`'s report and baseline, and the audit export. Fields are
//! only ever added within a version; removing a field or changing its meaning bumps it, here and
//! nowhere else.

use serde::Serialize;

/// The schema version of every JSON document rein prints.
pub const JSON_SCHEMA: u32 = 1;

/// A document's `schema` field: it serialises as [`JSON_SCHEMA`] and nothing else, so no
/// document can carry another number.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Schema;

impl Serialize for Schema {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u32(JSON_SCHEMA)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_field_is_the_constant() {
        assert_eq!(
            serde_json::to_value(Schema).expect("serialises"),
            serde_json::json!(JSON_SCHEMA)
        );
    }
}
