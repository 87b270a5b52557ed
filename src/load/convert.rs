//! Per-file validation: turns schema structs into model values, checking every field on
//! its own (ids, dates, enumerations, URLs, required text) and recording the positions of
//! references so that snapshot-wide checks can point at them later.

use chrono::NaiveDate;
use serde_saphyr::Spanned;

use super::schema1::{RawCycle, RawObligation, RawProcedure, RawRegistry, RawSource, RawTerm};
use super::yaml::{Origin, Pos, closest};
use crate::diagnostics::Diagnostic;
use crate::model::{
    Cycle, Entry, EntryId, EntryType, Obligation, Party, Procedure, Registry, RegistryMeta, Remit,
    SourceRef, Term, TermKind, Wording,
};

/// A reference from one entry to another, kept with its position for the snapshot checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub field: &'static str,
    pub target: EntryId,
    pub target_type: EntryType,
    pub pos: Pos,
}

/// One entry file after per-file validation.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedEntry {
    pub entry: Entry,
    pub id_pos: Pos,
    pub references: Vec<Reference>,
    /// The term and its aliases, with positions, for the duplicate-name check.
    pub names: Vec<(String, Pos)>,
}

/// Collects the diagnostics of one file while its fields are converted.
pub struct FileCheck<'a> {
    pub file: &'a str,
    pub origin: Origin,
    pub diagnostics: Vec<Diagnostic>,
}

impl<'a> FileCheck<'a> {
    pub fn new(file: &'a str, origin: Origin) -> Self {
        FileCheck {
            file,
            origin,
            diagnostics: Vec::new(),
        }
    }

    pub fn error(&mut self, pos: Pos, message: impl Into<String>, help: Option<String>) {
        let mut d = Diagnostic::error(self.file, message).at(pos.line, pos.column);
        d.help = help;
        self.diagnostics.push(d);
    }

    pub fn warning(&mut self, pos: Pos, message: impl Into<String>, help: Option<String>) {
        let mut d = Diagnostic::warning(self.file, message).at(pos.line, pos.column);
        d.help = help;
        self.diagnostics.push(d);
    }

    fn pos<T>(&self, s: &Spanned<T>) -> Pos {
        self.origin.of(s)
    }

    /// Required text: present and not blank.
    fn text(&mut self, field: &str, s: &Spanned<String>) -> String {
        let value = s.value.trim();
        if value.is_empty() {
            self.error(
                self.pos(s),
                format!("`{field}` is empty"),
                Some(format!(
                    "write the {field}, or remove the field if it is optional"
                )),
            );
        }
        value.to_string()
    }

    fn opt_text(&mut self, field: &str, s: &Option<Spanned<String>>) -> Option<String> {
        s.as_ref().map(|s| self.text(field, s))
    }

    fn date(&mut self, field: &str, s: &Spanned<String>) -> Option<NaiveDate> {
        match NaiveDate::parse_from_str(s.value.trim(), "%Y-%m-%d") {
            Ok(d) if s.value.trim().len() == 10 => Some(d),
            _ => {
                self.error(
                    self.pos(s),
                    format!("`{field}` is not a valid date: `{}`", s.value),
                    Some("write the date as YYYY-MM-DD, e.g. 2024-04-05".into()),
                );
                None
            }
        }
    }

    fn id(&mut self, field: &str, s: &Spanned<String>) -> Option<EntryId> {
        match EntryId::parse(&s.value) {
            Ok(id) => Some(id),
            Err(e) => {
                let help = EntryId::suggest(&s.value).map(|id| format!("try `{id}`"));
                self.error(self.pos(s), format!("`{field}`: {e}"), help);
                None
            }
        }
    }

    fn refs(
        &mut self,
        field: &'static str,
        list: &[Spanned<String>],
        target_type: EntryType,
        refs: &mut Vec<Reference>,
    ) -> Vec<EntryId> {
        let mut ids: Vec<EntryId> = Vec::new();
        for item in list {
            let Some(id) = self.id(field, item) else {
                continue;
            };
            if ids.contains(&id) {
                self.error(
                    self.pos(item),
                    format!("`{field}` lists `{id}` twice"),
                    Some("remove the repeated item".into()),
                );
                continue;
            }
            refs.push(Reference {
                field,
                target: id.clone(),
                target_type,
                pos: self.pos(item),
            });
            ids.push(id);
        }
        ids
    }

    /// One of a fixed set of words, with a did-you-mean.
    fn choice<T>(
        &mut self,
        field: &str,
        s: &Spanned<String>,
        allowed: &[&str],
        parse: impl Fn(&str) -> Option<T>,
    ) -> Option<T> {
        let value = s.value.trim();
        let parsed = parse(value);
        if parsed.is_none() {
            let help = closest(value, allowed)
                .map(|c| format!("did you mean `{c}`?"))
                .unwrap_or_else(|| format!("use one of: {}", allowed.join(", ")));
            self.error(
                self.pos(s),
                format!("`{field}` has an unknown value `{value}`"),
                Some(help),
            );
        }
        parsed
    }

    /// A URL that will be rendered as a link: only http, https (and mailto where allowed).
    fn url(&mut self, field: &str, s: &Spanned<String>, allow_mailto: bool) -> String {
        let value = s.value.trim();
        let lower = value.to_ascii_lowercase();
        let ok = (lower.starts_with("https://") || lower.starts_with("http://"))
            && value.len() > 8
            && !value.contains(char::is_whitespace)
            || allow_mailto && lower.starts_with("mailto:") && value.len() > 7;
        if !ok {
            let allowed = if allow_mailto {
                "http, https or mailto"
            } else {
                "http or https"
            };
            self.error(
                self.pos(s),
                format!("`{field}` is not an allowed link: `{value}`"),
                Some(format!("links must be absolute {allowed} URLs")),
            );
        }
        value.to_string()
    }

    /// The `id` field must be valid and equal the file's stem.
    fn entry_id(&mut self, s: &Spanned<String>, stem: &str) -> Option<EntryId> {
        let id = self.id("id", s)?;
        if id.as_str() != stem {
            self.error(
                self.pos(s),
                format!("the id `{id}` differs from the file name `{stem}.md`"),
                Some(format!("rename the file to `{id}.md` or set `id: {stem}`; ids are the stable URLs, so never reuse one for a different meaning")),
            );
            return None;
        }
        Some(id)
    }

    fn sources(&mut self, list: &[Spanned<RawSource>]) -> Vec<SourceRef> {
        list.iter()
            .map(|s| SourceRef {
                title: self.text("sources.title", &s.value.title),
                url: self.url("sources.url", &s.value.url, false),
            })
            .collect()
    }

    fn finish<T>(&self, value: T) -> Option<T> {
        if self
            .diagnostics
            .iter()
            .any(|d| d.severity == crate::diagnostics::Severity::Error)
        {
            None
        } else {
            Some(value)
        }
    }
}

const KINDS: &[&str] = &["dns-abuse", "abuse-type", "related-term", "outside-remit"];
const REMITS: &[&str] = &["within", "outside"];
const PARTIES: &[&str] = &["registries", "registrars"];
const WORDINGS: &[&str] = &["excerpt", "summary"];

pub fn term(check: &mut FileCheck, raw: RawTerm, stem: &str, body: &str) -> Option<ParsedEntry> {
    let id = check.entry_id(&raw.id, stem);
    let id_pos = check.pos(&raw.id);
    let term_name = check.text("term", &raw.term);
    let title = check
        .opt_text("title", &raw.title)
        .unwrap_or_else(|| term_name.clone());
    let kind = check.choice("kind", &raw.kind, KINDS, TermKind::parse);
    let remit = raw
        .remit
        .as_ref()
        .and_then(|r| check.choice("remit", r, REMITS, Remit::parse));
    let summary = check.text("summary", &raw.summary);
    let distinction = check.opt_text("distinction", &raw.distinction);
    let mut references = Vec::new();
    let includes = check.refs("includes", &raw.includes, EntryType::Term, &mut references);
    let obligations = check.refs(
        "obligations",
        &raw.obligations,
        EntryType::Obligation,
        &mut references,
    );
    let see_also = check.refs("see_also", &raw.see_also, EntryType::Term, &mut references);
    let sources = check.sources(&raw.sources);
    let adopted = raw.adopted.as_ref().and_then(|d| check.date("adopted", d));
    let replaces = raw.replaces.as_ref().and_then(|r| check.id("replaces", r));
    let note = check.opt_text("note", &raw.note);

    let mut names = vec![(term_name.clone(), check.pos(&raw.term))];
    for alias in &raw.aliases {
        let text = check.text("aliases", alias);
        let pos = check.pos(alias);
        if names.iter().any(|(n, _)| n.eq_ignore_ascii_case(&text)) {
            check.error(
                pos,
                format!("the alias `{text}` repeats the term or another alias"),
                Some("remove the repeated alias".into()),
            );
        }
        names.push((text, pos));
    }

    if let Some(kind) = kind {
        let kind_pos = check.pos(&raw.kind);
        match (kind, remit) {
            (k, None) if k.is_threat() => check.error(kind_pos, format!("a term of kind `{}` needs `remit: within` or `remit: outside`", k.as_str()), Some("say whether the threat is within the remit to act on".into())),
            (TermKind::OutsideRemit, Some(Remit::Within)) => check.error(raw.remit.as_ref().map(|r| check.pos(r)).unwrap_or(kind_pos), "an `outside-remit` term cannot have `remit: within`", Some("use `kind: abuse-type` for a form of DNS abuse within the remit, or `remit: outside`".into())),
            (TermKind::DnsAbuse | TermKind::AbuseType, Some(Remit::Outside)) => check.error(raw.remit.as_ref().map(|r| check.pos(r)).unwrap_or(kind_pos), format!("a term of kind `{}` cannot be outside the remit", kind.as_str()), Some("use `kind: outside-remit` for a threat outside the remit".into())),
            _ => {}
        }
        if kind == TermKind::RelatedTerm && distinction.is_none() {
            check.error(
                kind_pos,
                "a `related-term` needs a `distinction`: how it differs from DNS abuse",
                Some("add `distinction: <one or two sentences>`".into()),
            );
        }
        if kind == TermKind::DnsAbuse && includes.is_empty() && check.diagnostics.is_empty() {
            check.error(
                kind_pos,
                "the `dns-abuse` definition needs `includes`: the ids of its forms",
                Some("add `includes: [malware, phishing, ...]`".into()),
            );
        }
        if kind != TermKind::DnsAbuse && !raw.includes.is_empty() {
            check.error(
                check.pos(&raw.includes[0]),
                "only the `dns-abuse` definition may have `includes`",
                Some("use `see_also` to point at related terms".into()),
            );
        }
    }
    if body.trim().is_empty() {
        check.warning(
            id_pos,
            "the entry has no body text",
            Some("explain the definition below the front matter".into()),
        );
    }

    let term = Term {
        id: id?,
        term: term_name,
        title,
        kind: kind?,
        remit,
        summary,
        distinction,
        includes,
        aliases: names.iter().skip(1).map(|(n, _)| n.clone()).collect(),
        obligations,
        see_also,
        sources,
        adopted,
        replaces,
        note,
        body: body.into(),
    };
    check.finish(ParsedEntry {
        entry: Entry::Term(term),
        id_pos,
        references,
        names,
    })
}

pub fn obligation(
    check: &mut FileCheck,
    raw: RawObligation,
    stem: &str,
    body: &str,
) -> Option<ParsedEntry> {
    let id = check.entry_id(&raw.id, stem);
    let id_pos = check.pos(&raw.id);
    let title = check.text("title", &raw.title);
    let contract = check.text("contract", &raw.contract);
    let section = check.text("section", &raw.section);
    let mut parties = Vec::new();
    for p in &raw.parties {
        if let Some(party) = check.choice("parties", p, PARTIES, Party::parse) {
            if parties.contains(&party) {
                check.error(
                    check.pos(p),
                    format!("`parties` lists `{}` twice", party.as_str()),
                    None,
                );
            }
            parties.push(party);
        }
    }
    if raw.parties.is_empty() {
        check.error(
            id_pos,
            "`parties` is empty",
            Some("list `registries`, `registrars` or both".into()),
        );
    }
    parties.sort();
    parties.dedup();
    let effective = check.date("effective", &raw.effective);
    let source_url = check.url("source_url", &raw.source_url, false);
    let wording = check.choice("wording", &raw.wording, WORDINGS, Wording::parse);
    let mut references = Vec::new();
    let terms = check.refs("terms", &raw.terms, EntryType::Term, &mut references);
    let procedures = check.refs(
        "procedures",
        &raw.procedures,
        EntryType::Procedure,
        &mut references,
    );
    let replaces = raw.replaces.as_ref().and_then(|r| check.id("replaces", r));
    let note = check.opt_text("note", &raw.note);
    if body.trim().is_empty() {
        check.error(id_pos, "the obligation has no body: it must carry the excerpt or summary", Some("write the excerpt (or a faithful summary, with `wording: summary`) below the front matter".into()));
    }
    let obligation = Obligation {
        id: id?,
        title,
        contract,
        section,
        parties,
        effective: effective?,
        source_url,
        wording: wording?,
        terms,
        procedures,
        replaces,
        note,
        body: body.into(),
    };
    check.finish(ParsedEntry {
        entry: Entry::Obligation(obligation),
        id_pos,
        references,
        names: Vec::new(),
    })
}

pub fn procedure(
    check: &mut FileCheck,
    raw: RawProcedure,
    stem: &str,
    body: &str,
) -> Option<ParsedEntry> {
    let id = check.entry_id(&raw.id, stem);
    let id_pos = check.pos(&raw.id);
    let title = check.text("title", &raw.title);
    let owner = check.text("owner", &raw.owner);
    let url = raw.url.as_ref().map(|u| check.url("url", u, true));
    let mut references = Vec::new();
    let terms = check.refs("terms", &raw.terms, EntryType::Term, &mut references);
    let replaces = raw.replaces.as_ref().and_then(|r| check.id("replaces", r));
    let note = check.opt_text("note", &raw.note);
    if body.trim().is_empty() {
        check.warning(
            id_pos,
            "the procedure has no body text",
            Some("describe the steps below the front matter".into()),
        );
    }
    let procedure = Procedure {
        id: id?,
        title,
        owner,
        url,
        terms,
        replaces,
        note,
        body: body.into(),
    };
    check.finish(ParsedEntry {
        entry: Entry::Procedure(procedure),
        id_pos,
        references,
        names: Vec::new(),
    })
}

/// Characters allowed in a version: it becomes a URL segment (`/versions/<version>/`).
pub fn valid_version(v: &str) -> bool {
    !v.is_empty()
        && v.len() <= 32
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'_')
        && v.as_bytes()[0].is_ascii_alphanumeric()
}

pub fn registry_meta(check: &mut FileCheck, raw: RawRegistry) -> Option<RegistryMeta> {
    let title = check.text("title", &raw.title);
    let publisher = check.text("publisher", &raw.publisher);
    let version = raw.version.value.trim().to_string();
    if !valid_version(&version) {
        check.error(check.pos(&raw.version), format!("`version` `{version}` is not a valid version"), Some("use letters, digits, `.`, `-` or `_`, starting with a letter or digit, e.g. `2026.1` (quote it: version: \"2026.1\")".into()));
    }
    let published = check.date("published", &raw.published);
    let base_url = raw.base_url.as_ref().map(|u| {
        check
            .url("base_url", u, false)
            .trim_end_matches('/')
            .to_string()
            + "/"
    });
    let remit = check.text("remit", &raw.remit);
    let cycle = cycle(check, &raw.cycle);
    check.finish(RegistryMeta {
        schema: raw.schema.value,
        title,
        publisher,
        version,
        published: published?,
        base_url,
        remit,
        cycle: cycle?,
    })
}

fn cycle(check: &mut FileCheck, raw: &Spanned<RawCycle>) -> Option<Cycle> {
    let c = &raw.value;
    if c.interval_years.value == 0 || c.interval_years.value > 10 {
        check.error(
            check.pos(&c.interval_years),
            "`cycle.interval_years` must be between 1 and 10",
            None,
        );
    }
    if !(1..=12).contains(&c.month.value) {
        check.error(
            check.pos(&c.month),
            "`cycle.month` must be a month number from 1 to 12",
            Some("January is 1".into()),
        );
    }
    if !(1900..=9999).contains(&c.first_year.value) {
        check.error(
            check.pos(&c.first_year),
            "`cycle.first_year` must be a four-digit year",
            None,
        );
    }
    if c.limit_business_days.value == 0 || c.limit_business_days.value > 366 {
        check.error(
            check.pos(&c.limit_business_days),
            "`cycle.limit_business_days` must be between 1 and 366",
            None,
        );
    }
    let mut holidays: Vec<NaiveDate> = c
        .holidays
        .iter()
        .filter_map(|h| check.date("cycle.holidays", h))
        .collect();
    holidays.sort();
    holidays.dedup();
    Some(Cycle {
        interval_years: c.interval_years.value,
        month: c.month.value,
        first_year: c.first_year.value,
        limit_business_days: c.limit_business_days.value,
        holidays,
    })
}

/// Assembles a registry from validated parts.
pub fn assemble(meta: RegistryMeta, entries: Vec<Entry>) -> Registry {
    let mut registry = Registry {
        meta,
        terms: Default::default(),
        obligations: Default::default(),
        procedures: Default::default(),
    };
    for entry in entries {
        match entry {
            Entry::Term(t) => {
                registry.terms.insert(t.id.clone(), t);
            }
            Entry::Obligation(o) => {
                registry.obligations.insert(o.id.clone(), o);
            }
            Entry::Procedure(p) => {
                registry.procedures.insert(p.id.clone(), p);
            }
        }
    }
    registry
}
