//! Entry ids: the stable, URL-safe names entries are linked by. The rules live here so that
//! the loader, `new` and the site agree on them.

use std::fmt;

use serde::Serialize;

/// Longest id accepted, in bytes (ids are ASCII).
pub const MAX_ID_LEN: usize = 64;

/// A validated id: lowercase `a-z0-9` words joined by single hyphens, at most 64 bytes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct EntryId(String);

/// Why a string is not a valid id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("the id is empty")]
    Empty,
    #[error("the id is {0} characters long; the limit is {MAX_ID_LEN}")]
    TooLong(usize),
    #[error(
        "the id `{0}` may only contain lowercase letters a-z, digits and single hyphens between words"
    )]
    BadCharacters(String),
}

impl EntryId {
    pub fn parse(s: &str) -> Result<EntryId, IdError> {
        if s.is_empty() {
            return Err(IdError::Empty);
        }
        if s.len() > MAX_ID_LEN {
            return Err(IdError::TooLong(s.chars().count()));
        }
        let words_ok = s.split('-').all(|word| {
            !word.is_empty()
                && word
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
        if !words_ok {
            return Err(IdError::BadCharacters(s.to_string()));
        }
        Ok(EntryId(s.to_string()))
    }

    /// A suggestion for an invalid id: lowercase, other characters turned into hyphens.
    pub fn suggest(s: &str) -> Option<EntryId> {
        let lowered: String = s
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect();
        let joined = lowered
            .split('-')
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join("-");
        let truncated: String = joined.chars().take(MAX_ID_LEN).collect();
        EntryId::parse(truncated.trim_end_matches('-')).ok()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EntryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for EntryId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for EntryId {
    fn borrow(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_hyphenated_lowercase_words() {
        assert!(EntryId::parse("dns-abuse").is_ok());
        assert!(EntryId::parse("ra-spec-11-3b").is_ok());
        assert!(EntryId::parse(&"a".repeat(64)).is_ok());
    }

    #[test]
    fn rejects_bad_ids() {
        assert_eq!(EntryId::parse(""), Err(IdError::Empty));
        assert!(matches!(
            EntryId::parse(&"a".repeat(65)),
            Err(IdError::TooLong(65))
        ));
        for bad in [
            "Phishing", "a--b", "-a", "a-", "a_b", "a b", "é", "../x", "a.b",
        ] {
            assert!(
                matches!(EntryId::parse(bad), Err(IdError::BadCharacters(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn suggests_a_valid_id() {
        assert_eq!(
            EntryId::suggest("Security Threat").unwrap().as_str(),
            "security-threat"
        );
        assert_eq!(EntryId::suggest("__").map(|i| i.0), None);
    }
}
