//! The consistency linter for staff documents (SSR2 Recommendation 10.3): finds uses of
//! defined terms and their aliases in Markdown, HTML or plain text, and checks them against
//! the registry — the first use of each term should link to it; links must not point to
//! unknown or retired entries, nor to an archived version beside a claim about the
//! current definition; and a term outside the remit must not be linked as DNS abuse.
//! Pure: a document and a registry in, findings (with optional fixes) out.

mod document;

use std::collections::{BTreeMap, BTreeSet};

use regex::Regex;

pub use document::{Document, Kind, Link};

use crate::diagnostics::Severity;
use crate::model::{EntryType, Registry, TermKind};

/// One problem in a document, with the byte range it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub severity: Severity,
    pub start: usize,
    pub end: usize,
    pub message: String,
    pub help: Option<String>,
    /// Markdown to put in place of `start..end` to fix it, when there is a safe fix.
    pub fix: Option<String>,
}

/// What the linter knows about the registry.
pub struct Linter {
    base_url: String,
    names: Vec<(String, Regex)>,
    current: BTreeMap<String, EntryType>,
    /// Ids of earlier releases that the current one no longer has, with their successor.
    retired: BTreeMap<String, Option<String>>,
    outside_remit: BTreeSet<String>,
    abuse: BTreeSet<String>,
    titles: BTreeMap<String, String>,
}

fn name_pattern(name: &str) -> Option<Regex> {
    let words: Vec<String> = name
        .split(|c: char| c.is_whitespace() || c == '-')
        .filter(|w| !w.is_empty())
        .map(regex::escape)
        .collect();
    if words.is_empty() {
        return None;
    }
    let last_is_word = name.chars().last().is_some_and(|c| c.is_alphanumeric());
    let plural = if last_is_word { "(?:s|es)?" } else { "" };
    let end = if last_is_word { r"\b" } else { "" };
    Regex::new(&format!(r"(?i)\b{}{plural}{end}", words.join(r"[\s\-]+"))).ok()
}

impl Linter {
    /// `current` is the registry documents should follow (the latest release); `earlier`
    /// are older releases, for retired ids and their successors.
    pub fn new(current: &Registry, earlier: &[&Registry], base_url: &str) -> Linter {
        let mut names = Vec::new();
        for t in current.terms.values() {
            for name in std::iter::once(&t.term).chain(&t.aliases) {
                if let Some(re) = name_pattern(name) {
                    names.push((t.id.to_string(), re));
                }
            }
        }
        let current_ids: BTreeMap<String, EntryType> = current
            .entries()
            .map(|e| (e.id().to_string(), e.entry_type()))
            .collect();
        let mut retired = BTreeMap::new();
        for r in earlier {
            for e in r.entries() {
                if !current_ids.contains_key(e.id().as_str()) {
                    let successor = current
                        .successor_of(e.id().as_str())
                        .map(|n| n.id().to_string());
                    retired.insert(e.id().to_string(), successor);
                }
            }
        }
        Linter {
            base_url: base_url.trim_end_matches('/').to_lowercase() + "/",
            names,
            current: current_ids,
            retired,
            outside_remit: current
                .terms
                .values()
                .filter(|t| {
                    t.kind == TermKind::OutsideRemit
                        || t.remit == Some(crate::model::Remit::Outside)
                })
                .map(|t| t.id.to_string())
                .collect(),
            abuse: current
                .terms
                .values()
                .filter(|t| matches!(t.kind, TermKind::DnsAbuse | TermKind::AbuseType))
                .map(|t| t.id.to_string())
                .collect(),
            titles: current
                .terms
                .values()
                .map(|t| (t.id.to_string(), t.title.clone()))
                .collect(),
        }
    }

    /// The registry entry a URL points to: (version if archived, id).
    fn target(&self, url: &str) -> Option<(Option<String>, String)> {
        let lower = url.to_lowercase();
        let rest = lower
            .strip_prefix(&self.base_url)
            .or_else(|| lower.strip_prefix(self.base_url.trim_end_matches('/')))?;
        let rest = rest
            .split(['#', '?'])
            .next()
            .unwrap_or("")
            .trim_start_matches('/');
        let parts: Vec<&str> = rest
            .split('/')
            .filter(|p| !p.is_empty() && *p != "index.html")
            .collect();
        match parts.as_slice() {
            [folder, id] if is_entry_folder(folder) => Some((None, id.to_string())),
            ["versions", v, folder, id] if is_entry_folder(folder) => {
                Some((Some(v.to_string()), id.to_string()))
            }
            _ => None,
        }
    }

    fn url(&self, id: &str) -> String {
        let entry_type = self.current.get(id).copied().unwrap_or(EntryType::Term);
        format!(
            "{}{}",
            self.base_url,
            crate::site::entry_path(entry_type, id, None)
        )
    }

    pub fn lint(&self, doc: &Document) -> Vec<Finding> {
        let mut findings = Vec::new();
        let mut linked: BTreeSet<String> = BTreeSet::new();
        for link in &doc.links {
            let Some((version, id)) = self.target(&link.url) else {
                continue;
            };
            let text = &doc.text[link.text.clone()];
            let (start, end) = (link.start, link.end);
            if !self.current.contains_key(&id) {
                match self.retired.get(&id) {
                    Some(successor) => findings.push(Finding {
                        severity: Severity::Error,
                        start,
                        end,
                        message: format!("link to the retired entry `{id}`"),
                        help: Some(match successor {
                            Some(s) => {
                                format!("it was superseded by `{s}`: link to {}", self.url(s))
                            }
                            None => {
                                "it is no longer defined: remove the link or choose a current term"
                                    .to_string()
                            }
                        }),
                        fix: None,
                    }),
                    None => {
                        let ids: Vec<&str> = self.current.keys().map(String::as_str).collect();
                        findings.push(Finding {
                            severity: Severity::Error,
                            start,
                            end,
                            message: format!("link to `{id}`, which the registry does not define"),
                            help: crate::load::yaml::did_you_mean(&id, &ids),
                            fix: None,
                        });
                    }
                }
                continue;
            }
            linked.insert(id.clone());
            if let Some(v) = &version {
                let line = doc.line_text(start).to_lowercase();
                if ["current", "today", "in force", " now ", "presently"]
                    .iter()
                    .any(|w| line.contains(w))
                {
                    findings.push(Finding {
                        severity: Severity::Warning,
                        start,
                        end,
                        message: format!("link to archived version {v} of `{id}` beside a claim about the current definition"),
                        help: Some(format!("link to the stable URL {} for the current definition", self.url(&id))),
                        fix: None,
                    });
                }
            }
            if self.abuse.contains(&id) {
                for (outside, re) in self
                    .names
                    .iter()
                    .filter(|(i, _)| self.outside_remit.contains(i))
                {
                    if re.is_match(text) {
                        findings.push(Finding {
                            severity: Severity::Error,
                            start,
                            end,
                            message: format!(
                                "`{}` is outside the remit, but is linked as DNS abuse (`{id}`)",
                                text.trim()
                            ),
                            help: Some(format!(
                                "the registry lists it as outside the remit: link to {} instead",
                                self.url(outside)
                            )),
                            fix: None,
                        });
                        break;
                    }
                }
            }
        }

        // First use of each term, longest names first where they overlap.
        let mut matches: Vec<(usize, usize, &str)> = Vec::new();
        for (id, re) in &self.names {
            for m in re.find_iter(&doc.masked) {
                matches.push((m.start(), m.end(), id));
            }
        }
        matches.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        let mut taken_until = 0;
        let mut first: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
        for (start, end, id) in matches {
            if start < taken_until {
                continue;
            }
            taken_until = end;
            first.entry(id).or_insert((start, end));
        }
        for (id, (start, end)) in first {
            if linked.contains(id) {
                continue;
            }
            let word = &doc.text[start..end];
            let in_link = doc
                .links
                .iter()
                .any(|l| l.text.start <= start && end <= l.text.end);
            // Inside a link to the registry that points elsewhere: that link is reported.
            if doc.links.iter().any(|l| {
                l.text.start <= start && end <= l.text.end && self.target(&l.url).is_some()
            }) {
                continue;
            }
            let fix = (doc.kind == Kind::Markdown && !in_link)
                .then(|| format!("[{word}]({})", self.url(id)));
            findings.push(Finding {
                severity: Severity::Error,
                start,
                end,
                message: format!("the first use of `{word}` does not link to the registry"),
                help: Some(format!(
                    "link it to the definition of {}: {}",
                    self.titles.get(id).map(String::as_str).unwrap_or(id),
                    self.url(id)
                )),
                fix,
            });
        }
        findings.sort_by_key(|f| (f.start, f.end));
        findings
    }
}

fn is_entry_folder(folder: &str) -> bool {
    matches!(folder, "definitions" | "obligations" | "procedures")
}

/// Applies the fixes of `findings` to `text`; returns the new text and how many applied.
pub fn apply_fixes(text: &str, findings: &[Finding]) -> (String, usize) {
    let mut out = text.to_string();
    let mut applied = 0;
    let mut fixes: Vec<&Finding> = findings.iter().filter(|f| f.fix.is_some()).collect();
    fixes.sort_by_key(|f| std::cmp::Reverse(f.start));
    let mut limit = usize::MAX;
    for f in fixes {
        if f.end <= limit {
            out.replace_range(f.start..f.end, f.fix.as_deref().unwrap_or_default());
            limit = f.start;
            applied += 1;
        }
    }
    (out, applied)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_case_plural_and_hyphen_variants() {
        let re = name_pattern("website content abuse").unwrap();
        assert!(re.is_match("Website-content abuses are"));
        assert!(re.is_match("WEBSITE CONTENT ABUSE"));
        assert!(!re.is_match("websitecontent abuse"));
        let re = name_pattern("botnet").unwrap();
        assert!(re.is_match("two botnets"));
        assert!(!re.is_match("botnetwork"));
    }
}
