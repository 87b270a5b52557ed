//! Schema 1: the on-disk shape of `registry.yaml` and of entry front matter, as serde
//! structs that keep each value's position. These are parse state only; `convert` turns
//! them into model types. A later schema gets a module of its own beside this one, and
//! this one stays so that old releases remain readable.

use serde::Deserialize;
use serde_saphyr::Spanned;

pub type S<T> = Spanned<T>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRegistry {
    pub schema: S<u32>,
    pub title: S<String>,
    pub publisher: S<String>,
    pub version: S<String>,
    pub published: S<String>,
    #[serde(default)]
    pub base_url: Option<S<String>>,
    pub remit: S<String>,
    pub cycle: S<RawCycle>,
}

pub const REGISTRY_FIELDS: &[&str] = &[
    "schema",
    "title",
    "publisher",
    "version",
    "published",
    "base_url",
    "remit",
    "cycle",
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCycle {
    pub interval_years: S<u32>,
    pub month: S<u32>,
    pub first_year: S<i32>,
    pub limit_business_days: S<u32>,
    #[serde(default)]
    pub holidays: Vec<S<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSource {
    pub title: S<String>,
    pub url: S<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTerm {
    pub id: S<String>,
    pub term: S<String>,
    #[serde(default)]
    pub title: Option<S<String>>,
    pub kind: S<String>,
    #[serde(default)]
    pub remit: Option<S<String>>,
    pub summary: S<String>,
    #[serde(default)]
    pub distinction: Option<S<String>>,
    #[serde(default)]
    pub includes: Vec<S<String>>,
    #[serde(default)]
    pub aliases: Vec<S<String>>,
    #[serde(default)]
    pub obligations: Vec<S<String>>,
    #[serde(default)]
    pub see_also: Vec<S<String>>,
    #[serde(default)]
    pub sources: Vec<S<RawSource>>,
    #[serde(default)]
    pub adopted: Option<S<String>>,
    #[serde(default)]
    pub replaces: Option<S<String>>,
    #[serde(default)]
    pub note: Option<S<String>>,
}

pub const TERM_FIELDS: &[&str] = &[
    "id",
    "term",
    "title",
    "kind",
    "remit",
    "summary",
    "distinction",
    "includes",
    "aliases",
    "obligations",
    "see_also",
    "sources",
    "adopted",
    "replaces",
    "note",
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawObligation {
    pub id: S<String>,
    pub title: S<String>,
    pub contract: S<String>,
    pub section: S<String>,
    pub parties: Vec<S<String>>,
    pub effective: S<String>,
    pub source_url: S<String>,
    pub wording: S<String>,
    #[serde(default)]
    pub terms: Vec<S<String>>,
    #[serde(default)]
    pub procedures: Vec<S<String>>,
    #[serde(default)]
    pub replaces: Option<S<String>>,
    #[serde(default)]
    pub note: Option<S<String>>,
}

pub const OBLIGATION_FIELDS: &[&str] = &[
    "id",
    "title",
    "contract",
    "section",
    "parties",
    "effective",
    "source_url",
    "wording",
    "terms",
    "procedures",
    "replaces",
    "note",
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawProcedure {
    pub id: S<String>,
    pub title: S<String>,
    pub owner: S<String>,
    #[serde(default)]
    pub url: Option<S<String>>,
    #[serde(default)]
    pub terms: Vec<S<String>>,
    #[serde(default)]
    pub replaces: Option<S<String>>,
    #[serde(default)]
    pub note: Option<S<String>>,
}

pub const PROCEDURE_FIELDS: &[&str] = &["id", "title", "owner", "url", "terms", "replaces", "note"];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::yaml::{Origin, parse};

    /// Each listed field must be one the struct accepts; a field added to a struct but not
    /// to its list would be reported as unknown, which the fixtures catch.
    fn accepts_each<T: for<'de> Deserialize<'de>>(fields: &[&str]) {
        for field in fields {
            let err = parse::<T>(&format!("{field}: x\n"), Origin { first_line: 1 })
                .err()
                .map(|e| e.message)
                .unwrap_or_default();
            assert!(!err.starts_with("unknown field"), "{field}: {err}");
        }
    }

    #[test]
    fn field_lists_match_the_structs() {
        accepts_each::<RawRegistry>(REGISTRY_FIELDS);
        accepts_each::<RawTerm>(TERM_FIELDS);
        accepts_each::<RawObligation>(OBLIGATION_FIELDS);
        accepts_each::<RawProcedure>(PROCEDURE_FIELDS);
    }
}
