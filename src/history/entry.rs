//! One entry's timeline: the releases in which it was added, changed, renamed or retired,
//! and the first-parent commits that touched its file, following renames through
//! `replaces` so that an entry's history includes the one it superseded.

use serde::Serialize;

use super::{Commit, History};
use crate::model::{EntryRef, EntryType, Registry};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Event {
    Added,
    Changed,
    /// Now under a new id (through `replaces`).
    Renamed,
    Retired,
}

/// A release (or the draft, `version: None`) in which the entry changed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Step {
    pub version: Option<String>,
    pub published: Option<chrono::NaiveDate>,
    pub commit: Option<String>,
    pub event: Event,
    /// The id the entry had in this snapshot.
    pub id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct EntryHistory {
    pub id: String,
    /// Earlier ids of the entry, most recent first.
    pub previous_ids: Vec<String>,
    pub steps: Vec<Step>,
    /// First-parent commits that touched the entry's file under any of its ids, oldest first.
    pub commits: Vec<Commit>,
}

/// The ids an entry has had: `id`, then whatever it replaced, and so on.
fn lineage(history: &History, id: &str) -> Vec<String> {
    let snapshots: Vec<&Registry> = history
        .releases
        .iter()
        .map(|r| &r.registry)
        .chain(history.draft.iter())
        .collect();
    let mut ids = vec![id.to_string()];
    loop {
        let current = ids.last().cloned().unwrap_or_default();
        let older = snapshots
            .iter()
            .rev()
            .filter_map(|r| r.entry(&current))
            .find_map(|e| e.replaces().map(|r| r.to_string()));
        match older {
            Some(o) if !ids.contains(&o) => ids.push(o),
            _ => return ids,
        }
    }
}

fn find<'r>(registry: &'r Registry, ids: &[String]) -> Option<EntryRef<'r>> {
    ids.iter().find_map(|id| registry.entry(id))
}

/// The timeline of entry `id` of type `entry_type`.
pub fn entry_history(history: &History, entry_type: EntryType, id: &str) -> EntryHistory {
    let ids = lineage(history, id);
    let snapshots = history
        .releases
        .iter()
        .map(|r| {
            (
                Some(r.version.clone()),
                Some(r.published),
                Some(r.commit.id.clone()),
                &r.registry,
            )
        })
        .chain(history.draft.iter().map(|d| (None, None, None, d)));
    let mut steps = Vec::new();
    let mut previous: Option<EntryRef> = None;
    for (version, published, commit, registry) in snapshots {
        let current = find(registry, &ids);
        let event = match (previous, current) {
            (None, Some(_)) => Some(Event::Added),
            (Some(p), Some(c)) if p.id() != c.id() => Some(Event::Renamed),
            (Some(p), Some(c)) if p != c => Some(Event::Changed),
            (Some(_), None) => Some(Event::Retired),
            _ => None,
        };
        if let Some(event) = event {
            let shown = current
                .or(previous)
                .map(|e| e.id().to_string())
                .unwrap_or_default();
            steps.push(Step {
                version,
                published,
                commit,
                event,
                id: shown,
            });
        }
        previous = current;
    }
    let lists: Vec<&Vec<Commit>> = ids
        .iter()
        .filter_map(|name| {
            history
                .commits_by_file
                .get(&super::entry_path(entry_type, name))
        })
        .collect();
    // Each list is already in history order; the files of a renamed entry are merged in
    // one pass over the history.
    let commits: Vec<Commit> = match lists.as_slice() {
        [] => Vec::new(),
        [one] => one.to_vec(),
        many => {
            let wanted: std::collections::HashSet<&str> = many
                .iter()
                .flat_map(|l| l.iter().map(|c| c.id.as_str()))
                .collect();
            history
                .commits
                .iter()
                .filter(|c| wanted.contains(c.id.as_str()))
                .cloned()
                .collect()
        }
    };
    EntryHistory {
        id: id.to_string(),
        previous_ids: ids[1..].to_vec(),
        steps,
        commits,
    }
}
