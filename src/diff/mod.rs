//! The semantic diff of two registry snapshots: which entries were added, retired,
//! superseded (through `replaces`) or changed; for each change, the fields old → new, list
//! items added and removed, and word-level redlines of prose; and a classification of each
//! change as scope, substantive or editorial. Pure: two registries in, a diff out.

mod format;
pub mod redline;

use std::collections::BTreeSet;

use serde::Serialize;

pub use format::{Colour, write_markdown, write_text};
pub use redline::{Memo, Op, Segment};

use crate::model::{EntryRef, EntryType, Registry, TermKind};

/// How much a change matters, from least to most.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Class {
    /// Only whitespace, punctuation or letter case changed.
    Editorial,
    /// Words changed.
    Substantive,
    /// Kind, remit or the umbrella's forms changed: what counts as DNS abuse, or what is
    /// within the remit, is different.
    Scope,
}

impl Class {
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Editorial => "editorial",
            Class::Substantive => "substantive",
            Class::Scope => "scope",
        }
    }
}

/// What happened to an entry between the two snapshots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Added,
    Retired,
    /// Replaced by a new entry whose `replaces` names it (a rename or a merge).
    Superseded,
    Changed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Added => "added",
            Status::Retired => "retired",
            Status::Superseded => "superseded",
            Status::Changed => "changed",
        }
    }
}

/// One changed field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum FieldChange {
    /// A short value (a date, an enumeration, a name); `None` when absent.
    Value {
        field: String,
        old: Option<String>,
        new: Option<String>,
        class: Class,
    },
    /// A list: items added and removed (order is not significant).
    List {
        field: String,
        added: Vec<String>,
        removed: Vec<String>,
        class: Class,
    },
    /// Prose with a word-level redline.
    Text {
        field: String,
        old: Option<String>,
        new: Option<String>,
        redline: Vec<Segment>,
        class: Class,
    },
}

impl FieldChange {
    pub fn field(&self) -> &str {
        match self {
            FieldChange::Value { field, .. }
            | FieldChange::List { field, .. }
            | FieldChange::Text { field, .. } => field,
        }
    }

    pub fn class(&self) -> Class {
        match self {
            FieldChange::Value { class, .. }
            | FieldChange::List { class, .. }
            | FieldChange::Text { class, .. } => *class,
        }
    }
}

/// One entry's change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EntryChange {
    /// The id in the newer snapshot (or the retired id).
    pub id: String,
    #[serde(rename = "type")]
    pub entry_type: EntryType,
    pub title: String,
    pub status: Status,
    /// For a superseded entry: the id it had before.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_id: Option<String>,
    pub class: Class,
    pub fields: Vec<FieldChange>,
}

/// Counts for a one-line summary.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub added: usize,
    pub retired: usize,
    pub superseded: usize,
    pub changed: usize,
    pub scope: usize,
    pub substantive: usize,
    pub editorial: usize,
}

/// A snapshot as named in a diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Side {
    /// What the user named: a version, a revision or `worktree`.
    pub label: String,
    pub version: String,
    pub published: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
}

/// The semantic diff of two snapshots.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegistryDiff {
    pub from: Side,
    pub to: Side,
    /// True when no entry and no registry setting other than version and date changed:
    /// a "reviewed, no change" release.
    pub unchanged: bool,
    pub summary: Summary,
    /// Changes to `registry.yaml` settings (version and date excluded).
    pub registry: Vec<FieldChange>,
    pub entries: Vec<EntryChange>,
}

/// A field's value, as the diff sees it.
enum Value {
    Short(Option<String>),
    List(Vec<String>),
    Prose(Option<String>),
}

fn short(s: impl ToString) -> Value {
    Value::Short(Some(s.to_string()))
}

fn opt<T: ToString>(s: Option<T>) -> Value {
    Value::Short(s.map(|v| v.to_string()))
}

fn list<T: ToString>(items: &[T]) -> Value {
    Value::List(items.iter().map(|i| i.to_string()).collect())
}

fn prose(s: &str) -> Value {
    Value::Prose(Some(s.to_string()))
}

/// The compared fields of an entry, in display order.
fn fields(entry: EntryRef<'_>) -> Vec<(&'static str, Value)> {
    match entry {
        EntryRef::Term(t) => vec![
            ("term", short(&t.term)),
            ("title", short(&t.title)),
            ("kind", short(t.kind.as_str())),
            ("remit", opt(t.remit.map(|r| r.as_str()))),
            ("summary", prose(&t.summary)),
            ("distinction", Value::Prose(t.distinction.clone())),
            ("includes", list(&t.includes)),
            ("aliases", list(&t.aliases)),
            ("obligations", list(&t.obligations)),
            ("see_also", list(&t.see_also)),
            (
                "sources",
                Value::List(
                    t.sources
                        .iter()
                        .map(|s| format!("{} <{}>", s.title, s.url))
                        .collect(),
                ),
            ),
            ("adopted", opt(t.adopted)),
            ("note", Value::Prose(t.note.clone())),
            ("body", prose(&t.body)),
        ],
        EntryRef::Obligation(o) => vec![
            ("title", short(&o.title)),
            ("contract", short(&o.contract)),
            ("section", short(&o.section)),
            (
                "parties",
                Value::List(o.parties.iter().map(|p| p.as_str().to_string()).collect()),
            ),
            ("effective", short(o.effective)),
            ("source_url", short(&o.source_url)),
            ("wording", short(o.wording.as_str())),
            ("terms", list(&o.terms)),
            ("procedures", list(&o.procedures)),
            ("note", Value::Prose(o.note.clone())),
            ("body", prose(&o.body)),
        ],
        EntryRef::Procedure(p) => vec![
            ("title", short(&p.title)),
            ("owner", short(&p.owner)),
            ("url", opt(p.url.as_ref())),
            ("terms", list(&p.terms)),
            ("note", Value::Prose(p.note.clone())),
            ("body", prose(&p.body)),
        ],
    }
}

fn is_umbrella(entry: EntryRef<'_>) -> bool {
    matches!(entry, EntryRef::Term(t) if t.kind == TermKind::DnsAbuse)
}

/// Whether adding or removing this entry changes the scope of the definitions.
fn scope_entry(entry: EntryRef<'_>) -> bool {
    matches!(entry, EntryRef::Term(t) if t.kind.is_threat())
}

fn compare(
    old: Vec<(&'static str, Value)>,
    new: Vec<(&'static str, Value)>,
    scope_fields: &[&str],
    memo: &Memo,
) -> Vec<FieldChange> {
    let mut changes = Vec::new();
    for ((field, old), (_, new)) in old.into_iter().zip(new) {
        let scope = scope_fields.contains(&field);
        let class_of = |editorial: bool| {
            if scope {
                Class::Scope
            } else if editorial {
                Class::Editorial
            } else {
                Class::Substantive
            }
        };
        match (old, new) {
            (Value::Short(a), Value::Short(b)) if a != b => {
                let editorial =
                    matches!((&a, &b), (Some(x), Some(y)) if redline::is_editorial(x, y));
                changes.push(FieldChange::Value {
                    field: field.into(),
                    class: class_of(editorial),
                    old: a,
                    new: b,
                });
            }
            (Value::List(a), Value::List(b)) => {
                let (sa, sb): (BTreeSet<&String>, BTreeSet<&String>) =
                    (a.iter().collect(), b.iter().collect());
                let added: Vec<String> = b.iter().filter(|x| !sa.contains(x)).cloned().collect();
                let removed: Vec<String> = a.iter().filter(|x| !sb.contains(x)).cloned().collect();
                if !added.is_empty() || !removed.is_empty() {
                    changes.push(FieldChange::List {
                        field: field.into(),
                        class: class_of(false),
                        added,
                        removed,
                    });
                }
            }
            (Value::Prose(a), Value::Prose(b)) if a != b => {
                let (x, y) = (a.as_deref().unwrap_or(""), b.as_deref().unwrap_or(""));
                let compared = memo.compare(x, y);
                let editorial = a.is_some() && b.is_some() && compared.0;
                changes.push(FieldChange::Text {
                    field: field.into(),
                    class: class_of(editorial),
                    redline: compared.1.clone(),
                    old: a,
                    new: b,
                });
            }
            _ => {}
        }
    }
    changes
}

fn entry_change(
    old: Option<EntryRef<'_>>,
    new: Option<EntryRef<'_>>,
    status: Status,
    memo: &Memo,
) -> Option<EntryChange> {
    let shown = new.or(old)?;
    let (fields, class) = match (old, new) {
        (Some(a), Some(b)) if status == Status::Changed && a == b => return None,
        (Some(a), Some(b)) => {
            let scope_fields: &[&str] = if is_umbrella(a) || is_umbrella(b) {
                &["kind", "remit", "includes"]
            } else {
                &["kind", "remit"]
            };
            let fields = compare(fields(a), fields(b), scope_fields, memo);
            if fields.is_empty() && status == Status::Changed {
                return None;
            }
            let class = fields
                .iter()
                .map(FieldChange::class)
                .max()
                .unwrap_or(Class::Editorial);
            (fields, class)
        }
        // An added or retired term shows its working definition, as an insertion or a deletion.
        _ => {
            let fields = match shown {
                EntryRef::Term(t) => {
                    let (old, new) = if new.is_some() {
                        (None, Some(t.summary.clone()))
                    } else {
                        (Some(t.summary.clone()), None)
                    };
                    let redline = redline::redline(
                        old.as_deref().unwrap_or(""),
                        new.as_deref().unwrap_or(""),
                    );
                    vec![FieldChange::Text {
                        field: "summary".into(),
                        old,
                        new,
                        redline,
                        class: Class::Substantive,
                    }]
                }
                _ => Vec::new(),
            };
            (
                fields,
                if scope_entry(shown) {
                    Class::Scope
                } else {
                    Class::Substantive
                },
            )
        }
    };
    Some(EntryChange {
        id: shown.id().to_string(),
        entry_type: shown.entry_type(),
        title: shown.title().to_string(),
        status,
        previous_id: match (status, old) {
            (Status::Superseded, Some(o)) => Some(o.id().to_string()),
            _ => None,
        },
        class: if status == Status::Superseded {
            class.max(Class::Substantive)
        } else {
            class
        },
        fields,
    })
}

/// Compares two snapshots. `from` and `to` describe them for the output.
pub fn diff(old: &Registry, new: &Registry, from: Side, to: Side) -> RegistryDiff {
    diff_with(old, new, from, to, &Memo::default())
}

/// [`diff`], sharing the comparisons of texts in `memo` with other diffs.
pub fn diff_with(
    old: &Registry,
    new: &Registry,
    from: Side,
    to: Side,
    memo: &Memo,
) -> RegistryDiff {
    let mut entries = Vec::new();
    let mut superseded: BTreeSet<&str> = BTreeSet::new();
    for entry_type in EntryType::ALL {
        let olds: Vec<EntryRef> = old
            .entries()
            .filter(|e| e.entry_type() == entry_type)
            .collect();
        let news: Vec<EntryRef> = new
            .entries()
            .filter(|e| e.entry_type() == entry_type)
            .collect();
        for n in &news {
            let (predecessor, status) = predecessor(old, new, *n);
            if status == Status::Superseded {
                superseded.extend(predecessor.map(|r| r.id().as_str()));
            }
            entries.extend(entry_change(predecessor, Some(*n), status, memo));
        }
        for o in &olds {
            if new.entry(o.id().as_str()).is_none() && !superseded.contains(o.id().as_str()) {
                entries.extend(entry_change(Some(*o), None, Status::Retired, memo));
            }
        }
    }
    entries.sort_by(|a, b| (a.entry_type, &a.id).cmp(&(b.entry_type, &b.id)));

    let meta = |r: &Registry| {
        let m = &r.meta;
        vec![
            ("title", short(&m.title)),
            ("publisher", short(&m.publisher)),
            ("base_url", opt(m.base_url.as_ref())),
            ("remit", prose(&m.remit)),
            (
                "cycle",
                short(format!(
                    "every {} years from {}-{:02}, at most {} business days",
                    m.cycle.interval_years,
                    m.cycle.first_year,
                    m.cycle.month,
                    m.cycle.limit_business_days
                )),
            ),
            ("holidays", list(&m.cycle.holidays)),
        ]
    };
    let registry = compare(meta(old), meta(new), &[], memo);

    let mut summary = Summary::default();
    for e in &entries {
        match e.status {
            Status::Added => summary.added += 1,
            Status::Retired => summary.retired += 1,
            Status::Superseded => summary.superseded += 1,
            Status::Changed => summary.changed += 1,
        }
        match e.class {
            Class::Scope => summary.scope += 1,
            Class::Substantive => summary.substantive += 1,
            Class::Editorial => summary.editorial += 1,
        }
    }
    RegistryDiff {
        from,
        to,
        unchanged: entries.is_empty() && registry.is_empty(),
        summary,
        registry,
        entries,
    }
}

/// What entry `n` of `new` is compared with in `old`: the entry of the same id and type
/// (changed), else the one it `replaces` when `new` no longer has that (superseded), else
/// none (added).
fn predecessor<'r>(
    old: &'r Registry,
    new: &Registry,
    n: EntryRef<'_>,
) -> (Option<EntryRef<'r>>, Status) {
    if let Some(same) = old
        .entry(n.id().as_str())
        .filter(|o| o.entry_type() == n.entry_type())
    {
        return (Some(same), Status::Changed);
    }
    match n
        .replaces()
        .and_then(|r| old.entry(r.as_str()))
        .filter(|r| new.entry(r.id().as_str()).is_none())
    {
        Some(replaced) => (Some(replaced), Status::Superseded),
        None => (None, Status::Added),
    }
}

/// The change that [`diff`] of `old` → `new` lists for `id`, computed for that entry
/// alone (an entry's history page needs its own changes, not whole changelogs).
pub fn entry_diff(old: &Registry, new: &Registry, id: &str, memo: &Memo) -> Option<EntryChange> {
    if let Some(n) = new.entry(id) {
        let (predecessor, status) = predecessor(old, new, n);
        return entry_change(predecessor, Some(n), status, memo);
    }
    let o = old.entry(id)?;
    // Retired, unless an entry of the new snapshot supersedes it (as `diff` finds them:
    // entry types in order, so only a successor of the same or an earlier type counts).
    let superseded = new.entries().any(|n| {
        n.entry_type() <= o.entry_type()
            && n.replaces().is_some_and(|r| r.as_str() == id)
            && old
                .entry(n.id().as_str())
                .filter(|x| x.entry_type() == n.entry_type())
                .is_none()
    });
    if superseded {
        return None;
    }
    entry_change(Some(o), None, Status::Retired, memo)
}

/// The change between two versions of one entry (either may be absent), or `None` when
/// they are equal. A different id means the newer one supersedes the older.
pub fn compare_entries(
    old: Option<EntryRef<'_>>,
    new: Option<EntryRef<'_>>,
) -> Option<EntryChange> {
    let status = match (old, new) {
        (None, None) => return None,
        (None, Some(_)) => Status::Added,
        (Some(_), None) => Status::Retired,
        (Some(a), Some(b)) if a.id() != b.id() => Status::Superseded,
        _ => Status::Changed,
    };
    entry_change(old, new, status, &Memo::default())
}

/// A [`Side`] for a snapshot, labelled as the user named it.
pub fn side(label: impl Into<String>, registry: &Registry, commit: Option<String>) -> Side {
    Side {
        label: label.into(),
        version: registry.meta.version.clone(),
        published: registry.meta.published.to_string(),
        commit,
    }
}
