//! Typed views: the small serialisable structs the templates receive. Ordering, grouping
//! and every link are decided here, in Rust; templates only lay them out. Links are
//! relative to the site root; templates prefix them with the page's `root`.

use chrono::NaiveDate;
use serde::Serialize;

use crate::diff::{Class, FieldChange, Op, RegistryDiff, Segment};
use crate::model::{Obligation, Procedure, Registry, Term, TermKind};
use crate::render::markdown;

/// A link: root-relative `href` and its text.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Link {
    pub href: String,
    pub text: String,
}

/// Where a snapshot's pages live: "" for the current pages, `versions/<v>/` for an archive.
#[derive(Debug, Clone)]
pub struct Place {
    pub prefix: String,
    /// The snapshot's publication date, for "pending" obligations.
    pub published: NaiveDate,
}

impl Place {
    pub fn entry(&self, folder: &str, id: &str) -> String {
        format!("{}{folder}/{id}/index.html", self.prefix)
    }
}

/// Long form of a date for people: "5 April 2024".
pub fn long_date(d: NaiveDate) -> String {
    d.format("%-d %B %Y").to_string()
}

pub fn kind_label(kind: TermKind) -> &'static str {
    match kind {
        TermKind::DnsAbuse => "DNS abuse (umbrella definition)",
        TermKind::AbuseType => "Form of DNS abuse",
        TermKind::RelatedTerm => "Related term",
        TermKind::OutsideRemit => "Outside the remit",
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct TermView {
    pub id: String,
    pub term: String,
    pub title: String,
    pub kind: &'static str,
    pub kind_label: &'static str,
    pub remit: Option<&'static str>,
    pub summary_html: String,
    pub summary_text: String,
    pub distinction_html: Option<String>,
    pub includes: Vec<Link>,
    pub aliases: Vec<String>,
    pub obligations: Vec<Link>,
    pub see_also: Vec<Link>,
    pub sources: Vec<Link>,
    pub adopted: Option<String>,
    pub replaces: Option<String>,
    pub note: Option<String>,
    pub body_html: String,
    pub href: String,
}

fn term_link(registry: &Registry, place: &Place, id: &str) -> Link {
    let text = registry
        .terms
        .get(id)
        .map(|t| t.title.clone())
        .unwrap_or_else(|| id.to_string());
    Link {
        href: place.entry("definitions", id),
        text,
    }
}

fn obligation_link(registry: &Registry, place: &Place, id: &str) -> Link {
    let text = registry
        .obligations
        .get(id)
        .map(|o| {
            format!(
                "{} {} — {}",
                short_contract(&o.contract),
                o.section,
                o.title
            )
        })
        .unwrap_or_else(|| id.to_string());
    Link {
        href: place.entry("obligations", id),
        text,
    }
}

fn procedure_link(registry: &Registry, place: &Place, id: &str) -> Link {
    let text = registry
        .procedures
        .get(id)
        .map(|p| p.title.clone())
        .unwrap_or_else(|| id.to_string());
    Link {
        href: place.entry("procedures", id),
        text,
    }
}

/// "Registrar Accreditation Agreement (2013, as amended 2024)" → "RAA" for link texts.
fn short_contract(contract: &str) -> String {
    let lower = contract.to_lowercase();
    if lower.starts_with("registrar accreditation agreement") {
        "RAA".into()
    } else if lower.contains("registry agreement") {
        "RA".into()
    } else {
        contract.to_string()
    }
}

pub fn term(registry: &Registry, place: &Place, t: &Term, md: &markdown::Cache) -> TermView {
    TermView {
        id: t.id.to_string(),
        term: t.term.clone(),
        title: t.title.clone(),
        kind: t.kind.as_str(),
        kind_label: kind_label(t.kind),
        remit: t.remit.map(|r| r.as_str()),
        summary_html: md.html(&t.summary),
        summary_text: markdown::to_text(&t.summary),
        distinction_html: t.distinction.as_deref().map(|d| md.html(d)),
        includes: t
            .includes
            .iter()
            .map(|i| term_link(registry, place, i.as_str()))
            .collect(),
        aliases: t.aliases.clone(),
        obligations: t
            .obligations
            .iter()
            .map(|o| obligation_link(registry, place, o.as_str()))
            .collect(),
        see_also: t
            .see_also
            .iter()
            .map(|s| term_link(registry, place, s.as_str()))
            .collect(),
        sources: t
            .sources
            .iter()
            .map(|s| Link {
                href: s.url.clone(),
                text: s.title.clone(),
            })
            .collect(),
        adopted: t.adopted.map(long_date),
        replaces: t.replaces.as_ref().map(|r| r.to_string()),
        note: t.note.clone(),
        body_html: md.html(&t.body),
        href: place.entry("definitions", t.id.as_str()),
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ObligationView {
    pub id: String,
    pub title: String,
    pub contract: String,
    pub section: String,
    pub parties: String,
    pub effective: String,
    pub effective_iso: String,
    /// Not yet in force at the snapshot's publication date.
    pub pending: bool,
    pub source_url: String,
    pub wording: &'static str,
    pub terms: Vec<Link>,
    pub procedures: Vec<Link>,
    pub note: Option<String>,
    pub body_html: String,
    pub href: String,
}

pub fn obligation(
    registry: &Registry,
    place: &Place,
    o: &Obligation,
    md: &markdown::Cache,
) -> ObligationView {
    ObligationView {
        id: o.id.to_string(),
        title: o.title.clone(),
        contract: o.contract.clone(),
        section: o.section.clone(),
        parties: o
            .parties
            .iter()
            .map(|p| p.as_str())
            .collect::<Vec<_>>()
            .join(" and "),
        effective: long_date(o.effective),
        effective_iso: o.effective.to_string(),
        pending: o.effective > place.published,
        source_url: o.source_url.clone(),
        wording: o.wording.as_str(),
        terms: o
            .terms
            .iter()
            .map(|t| term_link(registry, place, t.as_str()))
            .collect(),
        procedures: o
            .procedures
            .iter()
            .map(|p| procedure_link(registry, place, p.as_str()))
            .collect(),
        note: o.note.clone(),
        body_html: md.html(&o.body),
        href: place.entry("obligations", o.id.as_str()),
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ProcedureView {
    pub id: String,
    pub title: String,
    pub owner: String,
    pub url: Option<String>,
    pub terms: Vec<Link>,
    pub note: Option<String>,
    pub body_html: String,
    pub href: String,
}

pub fn procedure(
    registry: &Registry,
    place: &Place,
    p: &Procedure,
    md: &markdown::Cache,
) -> ProcedureView {
    ProcedureView {
        id: p.id.to_string(),
        title: p.title.clone(),
        owner: p.owner.clone(),
        url: p.url.clone(),
        terms: p
            .terms
            .iter()
            .map(|t| term_link(registry, place, t.as_str()))
            .collect(),
        note: p.note.clone(),
        body_html: md.html(&p.body),
        href: place.entry("procedures", p.id.as_str()),
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct RemitRow {
    pub link: Link,
    pub kind_label: &'static str,
    pub remit: &'static str,
}

/// Everything a snapshot's home page shows.
#[derive(Debug, Clone, Serialize)]
pub struct SnapshotView {
    pub title: String,
    pub publisher: String,
    pub version: String,
    pub published: String,
    pub remit_html: String,
    pub umbrella: Option<TermView>,
    pub forms: Vec<TermView>,
    pub remit_rows: Vec<RemitRow>,
    pub related: Vec<TermView>,
    pub outside: Vec<TermView>,
    pub obligations: Vec<ObligationView>,
    pub procedures: Vec<ProcedureView>,
}

pub fn snapshot(registry: &Registry, place: &Place, md: &markdown::Cache) -> SnapshotView {
    let umbrella = registry.umbrella();
    let mut forms: Vec<&Term> = umbrella
        .map(|u| {
            u.includes
                .iter()
                .filter_map(|i| registry.terms.get(i.as_str()))
                .collect()
        })
        .unwrap_or_default();
    // Forms not listed by the umbrella (or with no umbrella) still appear, after it.
    let unlisted: Vec<&Term> = registry
        .terms
        .values()
        .filter(|t| t.kind == TermKind::AbuseType && !forms.iter().any(|f| f.id == t.id))
        .collect();
    forms.extend(unlisted);
    let of_kind = |k: TermKind| registry.terms.values().filter(move |t| t.kind == k);
    let remit_rows = umbrella
        .into_iter()
        .chain(forms.iter().copied())
        .chain(of_kind(TermKind::OutsideRemit))
        .filter_map(|t| {
            t.remit.map(|r| RemitRow {
                link: term_link(registry, place, t.id.as_str()),
                kind_label: kind_label(t.kind),
                remit: r.as_str(),
            })
        })
        .collect();
    let mut obligations: Vec<&Obligation> = registry.obligations.values().collect();
    obligations.sort_by(|a, b| (&a.contract, &a.section).cmp(&(&b.contract, &b.section)));
    SnapshotView {
        title: registry.meta.title.clone(),
        publisher: registry.meta.publisher.clone(),
        version: registry.meta.version.clone(),
        published: long_date(registry.meta.published),
        remit_html: md.html(&registry.meta.remit),
        umbrella: umbrella.map(|u| term(registry, place, u, md)),
        forms: forms.iter().map(|t| term(registry, place, t, md)).collect(),
        remit_rows,
        related: of_kind(TermKind::RelatedTerm)
            .map(|t| term(registry, place, t, md))
            .collect(),
        outside: of_kind(TermKind::OutsideRemit)
            .map(|t| term(registry, place, t, md))
            .collect(),
        obligations: obligations
            .into_iter()
            .map(|o| obligation(registry, place, o, md))
            .collect(),
        procedures: registry
            .procedures
            .values()
            .map(|p| procedure(registry, place, p, md))
            .collect(),
    }
}

/// A redline as safe HTML: `<del>`/`<ins>` with hidden text for screen readers, so the
/// change is clear without colour and without sight.
pub fn redline_html(segments: &[Segment]) -> String {
    let mut out = String::new();
    for s in segments {
        // Markdown source wraps lines inside paragraphs; only blank lines separate them.
        let text = crate::render::escape_html(
            &s.text
                .replace("\n\n", "\u{1}")
                .replace('\n', " ")
                .replace('\u{1}', "\n\n"),
        );
        match s.op {
            Op::Equal => out.push_str(&text),
            Op::Delete => out.push_str(&format!("<del><span class=\"visually-hidden\">[deleted: </span>{text}<span class=\"visually-hidden\">]</span></del>")),
            Op::Insert => out.push_str(&format!("<ins><span class=\"visually-hidden\">[inserted: </span>{text}<span class=\"visually-hidden\">]</span></ins>")),
        }
    }
    out
}

#[derive(Debug, Clone, Serialize)]
pub struct FieldView {
    pub field: String,
    pub kind: &'static str,
    pub class: &'static str,
    pub scope: bool,
    pub old: Option<String>,
    pub new: Option<String>,
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub redline_html: Option<String>,
}

pub fn field(change: &FieldChange) -> FieldView {
    let base = |kind| FieldView {
        field: change.field().replace('_', " "),
        kind,
        class: change.class().as_str(),
        scope: change.class() == Class::Scope,
        old: None,
        new: None,
        added: Vec::new(),
        removed: Vec::new(),
        redline_html: None,
    };
    match change {
        FieldChange::Value { old, new, .. } => FieldView {
            old: old.clone(),
            new: new.clone(),
            ..base("value")
        },
        FieldChange::List { added, removed, .. } => FieldView {
            added: added.clone(),
            removed: removed.clone(),
            ..base("list")
        },
        FieldChange::Text { redline, .. } => FieldView {
            redline_html: Some(redline_html(redline)),
            ..base("text")
        },
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct DiffEntryView {
    pub id: String,
    pub entry_type: &'static str,
    pub title: String,
    pub status: &'static str,
    pub class: &'static str,
    pub previous_id: Option<String>,
    pub href: Option<String>,
    pub fields: Vec<FieldView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DiffView {
    pub from_label: String,
    pub to_label: String,
    pub unchanged: bool,
    pub counts: String,
    pub scope_changes: usize,
    pub registry: Vec<FieldView>,
    pub entries: Vec<DiffEntryView>,
}

/// `link` gives the page of an entry id in the newer snapshot, when there is one.
pub fn diff(
    d: &RegistryDiff,
    link: impl Fn(&str, crate::model::EntryType) -> Option<String>,
) -> DiffView {
    let s = &d.summary;
    let parts: Vec<String> = [
        (s.added, "added"),
        (s.retired, "retired"),
        (s.superseded, "superseded"),
        (s.changed, "changed"),
    ]
    .iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, w)| format!("{n} {w}"))
    .collect();
    DiffView {
        from_label: d.from.label.clone(),
        to_label: d.to.label.clone(),
        unchanged: d.unchanged,
        counts: parts.join(", "),
        scope_changes: s.scope,
        registry: d.registry.iter().map(field).collect(),
        entries: d
            .entries
            .iter()
            .map(|e| DiffEntryView {
                id: e.id.clone(),
                entry_type: e.entry_type.name(),
                title: e.title.clone(),
                status: e.status.as_str(),
                class: e.class.as_str(),
                previous_id: e.previous_id.clone(),
                href: link(&e.id, e.entry_type),
                fields: e.fields.iter().map(field).collect(),
            })
            .collect(),
    }
}
