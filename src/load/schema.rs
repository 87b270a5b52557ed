//! Schema readers: one per `schema:` number ever accepted. Releases are immutable, so a
//! newer abusedefs keeps every reader and dispatches on the number in `registry.yaml`;
//! entries of a snapshot are read with the reader of that snapshot's schema.

use super::convert::{self, FileCheck, ParsedEntry};
use super::parse_fields;
use super::schema1;
use crate::model::{EntryType, RegistryMeta};

/// Reads one schema version's files into the model.
pub trait SchemaReader: Send + Sync {
    /// Parses and checks `registry.yaml`.
    fn registry(&self, check: &mut FileCheck, yaml: &str) -> Option<RegistryMeta>;
    /// Parses and checks one entry's front matter (`yaml`) and body.
    fn entry(
        &self,
        check: &mut FileCheck,
        entry_type: EntryType,
        yaml: &str,
        stem: &str,
        body: &str,
    ) -> Option<ParsedEntry>;
}

/// Schema 1, the first format.
pub struct Schema1;

impl SchemaReader for Schema1 {
    fn registry(&self, check: &mut FileCheck, yaml: &str) -> Option<RegistryMeta> {
        let raw = parse_fields::<schema1::RawRegistry>(check, yaml, schema1::REGISTRY_FIELDS)?;
        convert::registry_meta(check, raw)
    }

    fn entry(
        &self,
        check: &mut FileCheck,
        entry_type: EntryType,
        yaml: &str,
        stem: &str,
        body: &str,
    ) -> Option<ParsedEntry> {
        match entry_type {
            EntryType::Term => parse_fields::<schema1::RawTerm>(check, yaml, schema1::TERM_FIELDS)
                .and_then(|raw| convert::term(check, raw, stem, body)),
            EntryType::Obligation => {
                parse_fields::<schema1::RawObligation>(check, yaml, schema1::OBLIGATION_FIELDS)
                    .and_then(|raw| convert::obligation(check, raw, stem, body))
            }
            EntryType::Procedure => {
                parse_fields::<schema1::RawProcedure>(check, yaml, schema1::PROCEDURE_FIELDS)
                    .and_then(|raw| convert::procedure(check, raw, stem, body))
            }
        }
    }
}
