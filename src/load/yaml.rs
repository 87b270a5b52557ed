//! The YAML boundary: parsing front matter and `registry.yaml` into typed structs with
//! serde-saphyr under tight resource limits, and turning its errors into positions and
//! messages an editor can act on.

use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_saphyr::{Budget, Options, Spanned};

/// A 1-based position in the file (not in the YAML fragment).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
}

/// Maps positions inside a YAML fragment to positions in its file.
#[derive(Debug, Clone, Copy)]
pub struct Origin {
    /// File line on which the fragment's first line sits.
    pub first_line: u32,
}

impl Origin {
    pub fn pos(&self, location: &serde_saphyr::Location) -> Pos {
        if location.line() == 0 {
            return Pos::default();
        }
        let line = u32::try_from(location.line()).unwrap_or(u32::MAX);
        Pos {
            line: line.saturating_add(self.first_line - 1),
            column: u32::try_from(location.column()).unwrap_or(u32::MAX),
        }
    }

    pub fn of<T>(&self, spanned: &Spanned<T>) -> Pos {
        self.pos(&spanned.referenced)
    }
}

/// A YAML problem: where, what and, when we can tell, what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    pub pos: Pos,
    pub message: String,
    pub help: Option<String>,
}

/// Options for untrusted front matter: no duplicate keys, and budgets far below what a
/// real entry needs, so that an alias bomb or a deeply nested document fails fast with
/// bounded memory.
fn options() -> Options {
    let mut budget = Budget::default();
    budget.max_events = 200_000;
    budget.max_aliases = 256;
    budget.max_anchors = 256;
    budget.max_depth = 32;
    budget.max_nodes = 20_000;
    budget.max_documents = 1;
    budget.max_total_scalar_bytes = 4 * 1024 * 1024;
    budget.max_recorded_anchor_bytes = 1024 * 1024;
    budget.max_recorded_anchor_events = 20_000;
    let mut options = serde_saphyr::options! {
        budget: Some(budget),
        with_snippet: false,
    };
    options.alias_limits.max_total_replayed_events = 20_000;
    options.alias_limits.max_replay_stack_depth = 16;
    options
}

/// Deserializes `yaml` into `T`, converting any error into a [`YamlError`].
pub fn parse<T: for<'de> Deserialize<'de>>(yaml: &str, origin: Origin) -> Result<T, YamlError> {
    serde_saphyr::from_str_with_options(yaml, options()).map_err(|e| convert(&e, origin))
}

/// The top-level keys of a mapping with their positions, values skipped. Used to report
/// every unknown field at once rather than serde's first.
pub fn keys(yaml: &str, origin: Origin) -> Result<Vec<(String, Pos)>, YamlError> {
    let list: KeyList = parse(yaml, origin)?;
    Ok(list
        .0
        .into_iter()
        .map(|k| {
            let pos = origin.of(&k);
            (k.value, pos)
        })
        .collect())
}

struct KeyList(Vec<Spanned<String>>);

impl<'de> Deserialize<'de> for KeyList {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = KeyList;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a mapping of fields")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<KeyList, A::Error> {
                let mut keys = Vec::new();
                while let Some(key) = map.next_key::<Spanned<String>>()? {
                    map.next_value::<IgnoredAny>()?;
                    keys.push(key);
                }
                Ok(KeyList(keys))
            }
        }
        deserializer.deserialize_map(KeyVisitor)
    }
}

fn convert(error: &serde_saphyr::Error, origin: Origin) -> YamlError {
    let pos = error.location().map(|l| origin.pos(&l)).unwrap_or_default();
    let raw = error.to_string();
    // serde-saphyr appends the position in words; we print it as path:line:col instead.
    let message = match raw.find(" at line ") {
        Some(i) => raw[..i].to_string(),
        None => raw,
    };
    if message.starts_with("budget breached") || message.contains("limit exceeded") {
        return YamlError {
            pos,
            message: format!("the YAML is too large, too deeply nested or expands too many aliases ({message})"),
            help: Some("front matter is a flat list of fields: remove anchors (&), aliases (*) and deep nesting".into()),
        };
    }
    if let Some(rest) = message.strip_prefix("missing field ") {
        return YamlError {
            pos,
            message: format!("missing required field {rest}"),
            help: Some(format!(
                "add {rest} to the front matter; `abusedefs new` writes a complete skeleton"
            )),
        };
    }
    if message.starts_with("unknown field") {
        let help = unknown_field_help(&message);
        let short = message
            .split(", expected")
            .next()
            .unwrap_or(&message)
            .to_string();
        return YamlError {
            pos,
            message: short,
            help,
        };
    }
    let help = if message.contains("duplicate mapping key") {
        Some("each field may appear only once: remove one of them".to_string())
    } else if message.contains("null into string") {
        Some("give the field a value, or remove it if it is optional".to_string())
    } else if message.contains("expected sequence") {
        Some("this field is a list: write `[a, b]` or one `- item` per line".to_string())
    } else {
        None
    };
    let message = message
        .replace(", set DuplicateKeyPolicy in Options if acceptable", "")
        .replace("; use Option<String>", "");
    YamlError { pos, message, help }
}

/// For serde's "unknown field `x`, expected one of a, b": a did-you-mean, or the list.
fn unknown_field_help(message: &str) -> Option<String> {
    let name = message.split('`').nth(1)?;
    let expected = message
        .split("expected one of ")
        .nth(1)
        .or_else(|| message.split("expected ").nth(1))?;
    let fields: Vec<&str> = expected
        .split(", ")
        .map(|f| f.trim_matches(|c| c == '`' || c == ' '))
        .filter(|f| !f.is_empty())
        .collect();
    Some(
        did_you_mean(name, &fields)
            .unwrap_or_else(|| format!("known fields: {}", fields.join(", "))),
    )
}

/// "did you mean `x`?" when one candidate is close to `name`.
pub fn did_you_mean(name: &str, candidates: &[&str]) -> Option<String> {
    closest(name, candidates).map(|c| format!("did you mean `{c}`?"))
}

/// The candidate closest to `name`, if it is close enough to be a likely typo.
pub fn closest<'a>(name: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let lowered = name.to_lowercase();
    candidates
        .iter()
        .map(|c| (strsim::damerau_levenshtein(&lowered, c), *c))
        .filter(|(distance, c)| {
            *distance <= (c.len() / 3).max(1)
                || lowered.replace(['_', ' '], "-") == *c
                || (lowered.len() >= 3 && (c.starts_with(&lowered) || lowered.starts_with(c)))
        })
        .min()
        .map(|(_, c)| c)
}

// Editing, for `release` and the demo: the only writes to registry.yaml.

/// Replaces the value of the top-level `key:` line, keeping its indentation, any trailing
/// comment and every other line byte for byte.
pub fn set_value(yaml: &str, key: &str, value: &str) -> anyhow::Result<String> {
    let prefix = format!("{key}:");
    let mut found = false;
    let mut out = String::with_capacity(yaml.len() + 16);
    for line in yaml.split_inclusive('\n') {
        if !found && line.starts_with(&prefix) {
            found = true;
            let rest = &line[prefix.len()..];
            let body = rest.trim_end_matches(['\n', '\r']);
            let ending = &rest[body.len()..];
            let value_start = body.len() - body.trim_start().len();
            let old = &body[value_start..];
            let old_len = match old.chars().next() {
                Some(q @ ('"' | '\'')) => old[1..].find(q).map(|i| i + 2).unwrap_or(old.len()),
                _ => old.find(" #").unwrap_or(old.len()),
            };
            let comment = old[old_len..].trim_end();
            out.push_str(&prefix);
            out.push(' ');
            out.push_str(value);
            if !comment.is_empty() {
                if !comment.starts_with(' ') {
                    out.push(' ');
                }
                out.push_str(comment);
            }
            out.push_str(ending);
        } else {
            out.push_str(line);
        }
    }
    if !found {
        anyhow::bail!("registry.yaml has no top-level `{key}:` line");
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORIGIN: Origin = Origin { first_line: 2 };

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Sample {
        id: Spanned<String>,
        remit: Option<String>,
    }

    #[test]
    fn positions_are_shifted_to_the_file() {
        let s: Sample = parse("id: a\n", ORIGIN).unwrap();
        assert_eq!(ORIGIN.of(&s.id), Pos { line: 2, column: 5 });
    }

    #[test]
    fn unknown_field_gets_a_suggestion() {
        let e = parse::<Sample>("id: a\nremmit: within\n", ORIGIN).unwrap_err();
        assert_eq!(e.message, "unknown field `remmit`");
        assert_eq!(e.help.as_deref(), Some("did you mean `remit`?"));
        assert_eq!(e.pos, Pos { line: 3, column: 1 });
    }

    #[test]
    fn missing_field_is_named() {
        let e = parse::<Sample>("remit: within\n", ORIGIN).unwrap_err();
        assert_eq!(e.message, "missing required field `id`");
    }

    #[test]
    fn alias_bomb_is_refused() {
        let mut yaml = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for (prev, name) in ["a", "b", "c", "d", "e", "f", "g", "h"]
            .iter()
            .zip(["b", "c", "d", "e", "f", "g", "h", "i"])
        {
            let refs = vec![format!("*{prev}"); 10].join(", ");
            yaml.push_str(&format!("{name}: &{name} [{refs}]\n"));
        }
        let e = keys(&yaml, ORIGIN).unwrap_err();
        assert!(e.message.contains("too large"), "{}", e.message);
    }

    #[test]
    fn deep_nesting_is_refused() {
        let yaml = format!("id: {}", "[".repeat(10_000));
        assert!(keys(&yaml, ORIGIN).is_err());
    }

    #[test]
    fn keys_lists_every_key_in_order() {
        let k = keys("b: 1\na: [x]\n", ORIGIN).unwrap();
        assert_eq!(k[0].0, "b");
        assert_eq!(k[1], ("a".to_string(), Pos { line: 3, column: 1 }));
    }

    #[test]
    fn closest_finds_typos_only() {
        assert_eq!(closest("remmit", &["remit", "kind"]), Some("remit"));
        assert_eq!(closest("see-also", &["see_also"]), Some("see_also"));
        assert_eq!(closest("colour", &["remit", "kind"]), None);
        assert_eq!(
            closest("related", &["dns-abuse", "related-term"]),
            Some("related-term")
        );
    }

    #[test]
    fn only_the_value_changes() {
        let yaml = "# settings\nschema: 1\nversion: \"2026.1\"   # bumped by release\npublished: 2026-01-27\nremit: |\n  version: not this one\n";
        let v = set_value(yaml, "version", "\"2027.1\"").unwrap();
        assert_eq!(
            v,
            "# settings\nschema: 1\nversion: \"2027.1\"   # bumped by release\npublished: 2026-01-27\nremit: |\n  version: not this one\n"
        );
        let p = set_value(&v, "published", "2027-01-29").unwrap();
        assert!(p.contains("\npublished: 2027-01-29\n"));
        assert!(set_value("title: x\n", "version", "1").is_err());
    }

    #[test]
    fn unquoted_values_and_crlf_are_kept_in_shape() {
        let yaml = "version: 1.0 # c\r\npublished: 2024-01-01\r\n";
        assert_eq!(
            set_value(yaml, "version", "\"2.0\"").unwrap(),
            "version: \"2.0\" # c\r\npublished: 2024-01-01\r\n"
        );
    }
}
