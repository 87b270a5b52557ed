//! The content model: a registry snapshot and its entries as plain, owned data. No I/O and
//! no parsing lives here; the loader builds these values and every later stage reads them.

mod id;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

pub use id::{EntryId, IdError};

/// One snapshot of a registry: `registry.yaml` plus every entry, keyed by id.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Registry {
    pub meta: RegistryMeta,
    pub terms: BTreeMap<EntryId, Term>,
    pub obligations: BTreeMap<EntryId, Obligation>,
    pub procedures: BTreeMap<EntryId, Procedure>,
}

impl Registry {
    /// Every entry of the snapshot as a uniform reference, in a stable order (terms, then
    /// obligations, then procedures; each by id).
    pub fn entries(&self) -> impl Iterator<Item = EntryRef<'_>> {
        self.terms
            .values()
            .map(EntryRef::Term)
            .chain(self.obligations.values().map(EntryRef::Obligation))
            .chain(self.procedures.values().map(EntryRef::Procedure))
    }

    pub fn entry(&self, id: &str) -> Option<EntryRef<'_>> {
        if let Some(t) = self.terms.get(id) {
            return Some(EntryRef::Term(t));
        }
        if let Some(o) = self.obligations.get(id) {
            return Some(EntryRef::Obligation(o));
        }
        self.procedures.get(id).map(EntryRef::Procedure)
    }

    /// The entry whose `replaces` names `id`: its successor after a rename or merge.
    pub fn successor_of(&self, id: &str) -> Option<EntryRef<'_>> {
        self.entries()
            .find(|e| e.replaces().is_some_and(|r| r.as_str() == id))
    }

    /// The umbrella definition (`kind: dns-abuse`), if the snapshot has one.
    pub fn umbrella(&self) -> Option<&Term> {
        self.terms.values().find(|t| t.kind == TermKind::DnsAbuse)
    }
}

/// The contents of `registry.yaml`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegistryMeta {
    pub schema: u32,
    pub title: String,
    pub publisher: String,
    /// The release this snapshot belongs to (or would, for a draft).
    pub version: String,
    pub published: NaiveDate,
    pub base_url: Option<String>,
    /// Markdown: what the publisher considers within and outside its remit, and why.
    pub remit: String,
    pub cycle: Cycle,
}

/// Settings of the revision cycle (SSR2 Recommendation 10.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cycle {
    /// Years between revision windows (2 for "every other January").
    pub interval_years: u32,
    /// Month (1–12) in which a revision window opens.
    pub month: u32,
    /// Year of the first revision window.
    pub first_year: i32,
    /// Longest a revision may take, in business days.
    pub limit_business_days: u32,
    /// Non-business days besides Saturdays and Sundays, sorted.
    pub holidays: Vec<NaiveDate>,
}

/// Which of the three entry types an entry is; also its folder and URL segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EntryType {
    Term,
    Obligation,
    Procedure,
}

impl EntryType {
    pub const ALL: [EntryType; 3] = [EntryType::Term, EntryType::Obligation, EntryType::Procedure];

    /// The folder of the registry that holds entries of this type.
    pub fn folder(self) -> &'static str {
        match self {
            EntryType::Term => "terms",
            EntryType::Obligation => "obligations",
            EntryType::Procedure => "procedures",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            EntryType::Term => "term",
            EntryType::Obligation => "obligation",
            EntryType::Procedure => "procedure",
        }
    }

    pub fn from_name(name: &str) -> Option<EntryType> {
        EntryType::ALL.into_iter().find(|t| t.name() == name)
    }
}

/// What a term is, in the structure SSR2 Recommendation 10.1 asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TermKind {
    /// The umbrella definition of DNS abuse.
    DnsAbuse,
    /// One form of DNS abuse, included by the umbrella.
    AbuseType,
    /// Similar terminology, with how it is distinguished from DNS abuse.
    RelatedTerm,
    /// A threat the publisher considers outside its remit.
    OutsideRemit,
}

impl TermKind {
    pub const ALL: [TermKind; 4] = [
        TermKind::DnsAbuse,
        TermKind::AbuseType,
        TermKind::RelatedTerm,
        TermKind::OutsideRemit,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TermKind::DnsAbuse => "dns-abuse",
            TermKind::AbuseType => "abuse-type",
            TermKind::RelatedTerm => "related-term",
            TermKind::OutsideRemit => "outside-remit",
        }
    }

    pub fn parse(s: &str) -> Option<TermKind> {
        TermKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Kinds that describe a threat, and so must say whether it is within the remit.
    pub fn is_threat(self) -> bool {
        matches!(
            self,
            TermKind::DnsAbuse | TermKind::AbuseType | TermKind::OutsideRemit
        )
    }
}

/// Whether the publisher acts on a threat through its contracts and compliance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Remit {
    Within,
    Outside,
}

impl Remit {
    pub fn as_str(self) -> &'static str {
        match self {
            Remit::Within => "within",
            Remit::Outside => "outside",
        }
    }

    pub fn parse(s: &str) -> Option<Remit> {
        match s {
            "within" => Some(Remit::Within),
            "outside" => Some(Remit::Outside),
            _ => None,
        }
    }
}

/// A contracted party type an obligation binds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Party {
    Registries,
    Registrars,
}

impl Party {
    pub fn as_str(self) -> &'static str {
        match self {
            Party::Registries => "registries",
            Party::Registrars => "registrars",
        }
    }

    pub fn parse(s: &str) -> Option<Party> {
        match s {
            "registries" => Some(Party::Registries),
            "registrars" => Some(Party::Registrars),
            _ => None,
        }
    }
}

/// Whether an obligation's body quotes the contract or summarises it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Wording {
    Excerpt,
    Summary,
}

impl Wording {
    pub fn as_str(self) -> &'static str {
        match self {
            Wording::Excerpt => "excerpt",
            Wording::Summary => "summary",
        }
    }

    pub fn parse(s: &str) -> Option<Wording> {
        match s {
            "excerpt" => Some(Wording::Excerpt),
            "summary" => Some(Wording::Summary),
            _ => None,
        }
    }
}

/// A cited document.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct SourceRef {
    pub title: String,
    pub url: String,
}

/// A definition: the umbrella, a form of abuse, a related term or an out-of-remit threat.
/// Long text shared, not copied, between the snapshots that hold it unchanged.
pub type Text = std::sync::Arc<str>;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Term {
    pub id: EntryId,
    /// The word or phrase as used in running text, e.g. "phishing".
    pub term: String,
    /// A heading for the entry; defaults to the term.
    pub title: String,
    pub kind: TermKind,
    pub remit: Option<Remit>,
    /// The one-sentence working definition.
    pub summary: String,
    /// For related terms: how the term differs from DNS abuse.
    pub distinction: Option<String>,
    /// For the umbrella: ids of its forms.
    pub includes: Vec<EntryId>,
    pub aliases: Vec<String>,
    pub obligations: Vec<EntryId>,
    pub see_also: Vec<EntryId>,
    pub sources: Vec<SourceRef>,
    pub adopted: Option<NaiveDate>,
    /// An entry of an earlier release that this one supersedes (a rename or a merge).
    pub replaces: Option<EntryId>,
    /// Editorial note, e.g. on what could not be verified.
    pub note: Option<String>,
    /// Markdown source of the body.
    pub body: Text,
}

/// An excerpt or faithful summary of one abuse-related contract obligation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Obligation {
    pub id: EntryId,
    pub title: String,
    pub contract: String,
    pub section: String,
    pub parties: Vec<Party>,
    pub effective: NaiveDate,
    pub source_url: String,
    pub wording: Wording,
    pub terms: Vec<EntryId>,
    pub procedures: Vec<EntryId>,
    pub replaces: Option<EntryId>,
    pub note: Option<String>,
    pub body: Text,
}

/// A procedure or protocol for responding to abuse.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Procedure {
    pub id: EntryId,
    pub title: String,
    pub owner: String,
    pub url: Option<String>,
    pub terms: Vec<EntryId>,
    pub replaces: Option<EntryId>,
    pub note: Option<String>,
    pub body: Text,
}

/// A borrowed view of any entry, for code that treats the three types alike.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum EntryRef<'a> {
    Term(&'a Term),
    Obligation(&'a Obligation),
    Procedure(&'a Procedure),
}

impl<'a> EntryRef<'a> {
    pub fn id(&self) -> &'a EntryId {
        match self {
            EntryRef::Term(t) => &t.id,
            EntryRef::Obligation(o) => &o.id,
            EntryRef::Procedure(p) => &p.id,
        }
    }

    pub fn entry_type(&self) -> EntryType {
        match self {
            EntryRef::Term(_) => EntryType::Term,
            EntryRef::Obligation(_) => EntryType::Obligation,
            EntryRef::Procedure(_) => EntryType::Procedure,
        }
    }

    pub fn title(&self) -> &'a str {
        match self {
            EntryRef::Term(t) => &t.title,
            EntryRef::Obligation(o) => &o.title,
            EntryRef::Procedure(p) => &p.title,
        }
    }

    pub fn replaces(&self) -> Option<&'a EntryId> {
        match self {
            EntryRef::Term(t) => t.replaces.as_ref(),
            EntryRef::Obligation(o) => o.replaces.as_ref(),
            EntryRef::Procedure(p) => p.replaces.as_ref(),
        }
    }
}

/// An owned entry of any type, as the loader produces it.
#[derive(Debug, Clone, PartialEq)]
pub enum Entry {
    Term(Term),
    Obligation(Obligation),
    Procedure(Procedure),
}

impl Entry {
    pub fn as_ref(&self) -> EntryRef<'_> {
        match self {
            Entry::Term(t) => EntryRef::Term(t),
            Entry::Obligation(o) => EntryRef::Obligation(o),
            Entry::Procedure(p) => EntryRef::Procedure(p),
        }
    }
}
