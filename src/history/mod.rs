//! The registry's history in git — the only module that uses git2, read-only. It walks the
//! first-parent line of a branch once, finds the releases (the first commit at which
//! `registry.yaml`'s `version` takes a new value), loads each release's tree through the
//! same loader as the working tree, applies the history rules, and records which commits
//! touched each entry file.

pub mod builder;
mod entry;
mod tree;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use anyhow::{Context, Result};
use chrono::{DateTime, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::cache::{self, Cache};
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::load::{Loaded, Loader, REGISTRY_FILE};
use crate::model::{EntryType, Registry};

pub use entry::{EntryHistory, Event, Step, entry_history};
pub use tree::GitTree;

/// A commit, converted from git2 at the boundary.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Commit {
    pub id: String,
    pub short: String,
    /// The committer date, in the committer's time zone.
    pub date: NaiveDate,
    pub subject: String,
    /// More than one parent: a merged pull request.
    pub merge: bool,
}

/// A release: its version, date, the commit that made it, and its snapshot.
#[derive(Debug, Clone)]
pub struct Release {
    pub version: String,
    pub published: NaiveDate,
    pub commit: Commit,
    /// The id of the registry folder's git tree: the snapshot's content, for cache keys.
    pub tree: String,
    pub registry: Registry,
}

/// What the history walk found.
#[derive(Debug, Clone, Default)]
pub struct History {
    /// Releases, oldest first.
    pub releases: Vec<Release>,
    /// The working tree, when it differs from the latest release (or there is none).
    pub draft: Option<Registry>,
    /// First-parent commits that changed each entry file, oldest first, keyed by the
    /// file's path inside the registry folder (`terms/phishing.md`).
    pub commits_by_file: BTreeMap<String, Vec<Commit>>,
    /// Every first-parent commit, oldest first.
    pub commits: Vec<Commit>,
}

impl History {
    pub fn latest(&self) -> Option<&Release> {
        self.releases.last()
    }

    pub fn release(&self, version: &str) -> Option<&Release> {
        self.releases.iter().find(|r| r.version == version)
    }
}

/// Options of a history walk.
#[derive(Debug, Clone)]
pub struct Options<'a> {
    /// Any folder inside the repository.
    pub repo: &'a Path,
    /// The registry folder relative to the repository root.
    pub registry: &'a str,
    /// The revision whose first-parent history is built.
    pub rev: &'a str,
    /// Where the walk of earlier builds is kept, to walk only commits added since.
    pub cache: &'a Cache,
}

/// The history with the problems found in it. `history` is `None` when the repository
/// cannot be walked at all (a shallow clone).
#[derive(Debug)]
pub struct Walked {
    pub history: Option<History>,
    pub diagnostics: Diagnostics,
}

/// The id git gives a blob with these bytes: files of the working tree named this way
/// are recognised as the same content as in a release.
pub fn blob_id(bytes: &[u8]) -> Option<String> {
    git2::Oid::hash_object(git2::ObjectType::Blob, bytes)
        .ok()
        .map(|oid| oid.to_string())
}

/// Whether the repository at `dir` holds anything at `path` (a file, or a folder with
/// files) in its HEAD commit or its index: such content came through git, from whoever
/// wrote the commits, and is not the tool's own.
pub fn tracks(dir: &Path, path: &str) -> bool {
    let Ok(repo) = git2::Repository::discover(dir) else {
        return false;
    };
    let in_head = repo
        .head()
        .and_then(|h| h.peel_to_tree())
        .is_ok_and(|tree| tree.get_path(Path::new(path)).is_ok());
    let prefix = format!("{path}/");
    let in_index = repo.index().is_ok_and(|index| {
        index.iter().any(|e| {
            let name = String::from_utf8_lossy(&e.path);
            name == path || name.starts_with(&prefix)
        })
    });
    in_head || in_index
}

/// Whether `dir` is inside a git repository.
pub fn is_repository(dir: &Path) -> bool {
    git2::Repository::discover(dir).is_ok()
}

fn convert_commit(c: &git2::Commit) -> Commit {
    let id = c.id().to_string();
    let time = c.committer().when();
    let date = DateTime::from_timestamp(time.seconds() + i64::from(time.offset_minutes()) * 60, 0)
        .map(|d| d.date_naive())
        .unwrap_or_default();
    Commit {
        short: id[..7.min(id.len())].to_string(),
        id,
        date,
        subject: c
            .summary_bytes()
            .map(|s| String::from_utf8_lossy(s).into_owned())
            .unwrap_or_default(),
        merge: c.parent_count() > 1,
    }
}

/// Reads just the version of a `registry.yaml` blob, tolerating every other problem:
/// release detection must not depend on the rest of the file being valid.
fn version_of(bytes: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Probe {
        version: Option<String>,
    }
    let text = std::str::from_utf8(bytes).ok()?;
    let probe: Probe =
        crate::load::yaml::parse(text, crate::load::yaml::Origin { first_line: 1 }).ok()?;
    probe
        .version
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// Walks the first-parent history of `options.rev` and loads every release.
pub fn walk(options: &Options, loader: &mut Loader) -> Result<Walked> {
    // libgit2 re-hashes every object it reads (with collision-detecting SHA-1), which
    // dominated the walk of long histories; git itself does not verify on read either.
    git2::opts::strict_hash_verification(false);
    let repo = git2::Repository::discover(options.repo)
        .with_context(|| format!("{} is not inside a git repository", options.repo.display()))?;
    let mut diagnostics = Diagnostics::new();
    if repo.is_shallow() {
        diagnostics.push(
            Diagnostic::error("", "this is a shallow clone: the history is incomplete, so releases would be missing")
                .with_help("fetch the whole history with `git fetch --unshallow`; in GitHub Actions, set `fetch-depth: 0` on actions/checkout"),
        );
        return Ok(Walked {
            history: None,
            diagnostics,
        });
    }

    let head = repo
        .revparse_single(options.rev)
        .and_then(|o| o.peel_to_commit())
        .with_context(|| format!("cannot resolve the revision `{}`", options.rev));
    let mut history = History::default();
    let registry_path = options.registry.trim_end_matches('/');
    let records: Vec<CommitRecord> = match head {
        Ok(head) => first_parent_records(&repo, head, registry_path, options.cache)?,
        // An empty repository (no commit yet) has only a draft.
        Err(_) if repo.head().is_err() => Vec::new(),
        Err(e) => return Err(e),
    };

    crate::timings::mark("first-parent records");
    let mut version_cache: HashMap<git2::Oid, Option<String>> = HashMap::new();
    let mut previous_version: Option<String> = None;
    let mut seen_versions: BTreeMap<String, Commit> = BTreeMap::new();

    for record in records {
        let CommitRecord {
            commit,
            tree,
            registry_yaml,
            changed,
        } = record;
        for path in changed {
            if path != REGISTRY_FILE {
                history
                    .commits_by_file
                    .entry(path)
                    .or_default()
                    .push(commit.clone());
            }
        }
        let registry_tree = tree.as_deref().map(git2::Oid::from_str).transpose()?;
        let registry_yaml = registry_yaml
            .as_deref()
            .map(git2::Oid::from_str)
            .transpose()?;
        let version = registry_yaml.as_ref().and_then(|oid| {
            version_cache
                .entry(*oid)
                .or_insert_with(|| {
                    repo.find_blob(*oid)
                        .ok()
                        .and_then(|b| version_of(b.content()))
                })
                .clone()
        });
        history.commits.push(commit.clone());
        if version.is_none() || version == previous_version {
            continue;
        }
        previous_version = version.clone();
        let version = version.unwrap_or_default();

        if let Some(first) = seen_versions.get(&version) {
            diagnostics.push(
                Diagnostic::error(format!("{registry_path}/{REGISTRY_FILE}"), format!(
                    "version {version} is released twice: first at commit {} ({}), again at commit {} ({})",
                    first.short, first.subject, commit.short, commit.subject
                ))
                .with_help("a release version is never reused: give the later release a new version"),
            );
            continue;
        }
        seen_versions.insert(version.clone(), commit.clone());

        let source = GitTree::new(
            &repo,
            registry_tree.context("a versioned registry has a tree")?,
        )?;
        let loaded = loader.load(&source, registry_path)?;
        let Some(registry) = release_snapshot(loaded, &version, &commit, &mut diagnostics) else {
            continue;
        };
        if let Some(prev) = history.releases.last()
            && registry.meta.published <= prev.published
        {
            diagnostics.push(
                Diagnostic::error(format!("{registry_path}/{REGISTRY_FILE}"), format!(
                    "release {version} (commit {}) is published {}, not after release {} (commit {}) published {}",
                    commit.short, registry.meta.published, prev.version, prev.commit.short, prev.published
                ))
                .with_help("publication dates of releases must strictly increase"),
            );
        }
        history.releases.push(Release {
            version,
            published: registry.meta.published,
            commit,
            tree: registry_tree.map(|t| t.to_string()).unwrap_or_default(),
            registry,
        });
    }

    check_replaces(&history, registry_path, &mut diagnostics);
    diagnostics.sort();
    Ok(Walked {
        history: Some(history),
        diagnostics,
    })
}

/// Makes the working tree's registry the draft when it differs from the latest release
/// (or there is none), and applies the rules that involve it: a reused version, a date
/// not after the latest release, and `replaces`.
pub fn attach_draft(
    history: &mut History,
    worktree: &Registry,
    registry_path: &str,
) -> Diagnostics {
    let mut diagnostics = Diagnostics::new();
    if history.latest().is_some_and(|r| &r.registry == worktree) {
        return diagnostics;
    }
    check_draft(history, worktree, registry_path, &mut diagnostics);
    history.draft = Some(worktree.clone());
    check_replaces_of_draft(history, registry_path, &mut diagnostics);
    diagnostics
}

/// What the walk needs of one first-parent commit, as the build cache keeps it.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct CommitRecord {
    commit: Commit,
    /// The registry folder's tree id, if the commit has the folder.
    tree: Option<String>,
    /// The blob id of its `registry.yaml`.
    registry_yaml: Option<String>,
    /// Files of the registry folder changed since the previous first-parent commit.
    changed: Vec<String>,
}

/// The cached walk: the records of the first-parent line, oldest first.
#[derive(Serialize, Deserialize)]
struct CachedWalk {
    key: String,
    records: Vec<CommitRecord>,
}

/// The records of the first-parent line ending at `head`, oldest first. Commits already
/// walked by an earlier build come from the cache; only newer ones are read from git.
fn first_parent_records(
    repo: &git2::Repository,
    head: git2::Commit<'_>,
    registry_path: &str,
    cache: &Cache,
) -> Result<Vec<CommitRecord>> {
    let name = "walk.json";
    let key = cache::key(&(registry_path, "first-parent walk"));
    let mut known = cache
        .read::<CachedWalk>(name)
        .filter(|c| c.key == key)
        .map(|c| c.records)
        .unwrap_or_default();
    let positions: HashMap<&str, usize> = known
        .iter()
        .enumerate()
        .map(|(i, r)| (r.commit.id.as_str(), i))
        .collect();
    // Back from head until a commit the cache knows (or the root).
    let mut line = vec![head];
    let mut base = None;
    loop {
        let last = line.last().context("the line is never empty")?;
        if let Some(&at) = positions.get(last.id().to_string().as_str()) {
            base = Some(at);
            line.pop();
            break;
        }
        if last.parent_count() == 0 {
            break;
        }
        let parent = last
            .parent(0)
            .with_context(|| format!("reading the parent of commit {}", last.id()))?;
        line.push(parent);
    }
    line.reverse();
    let unchanged = line.is_empty() && base == Some(known.len().wrapping_sub(1));
    known.truncate(base.map_or(0, |at| at + 1));

    let mut differ = tree::TreeDiffer::new(repo)?;
    let mut previous_tree = known
        .last()
        .and_then(|r| r.tree.as_deref())
        .map(git2::Oid::from_str)
        .transpose()?;
    for c in &line {
        let commit = convert_commit(c);
        let root = c
            .tree()
            .with_context(|| format!("reading the tree of commit {}", commit.short))?;
        let registry_tree = root
            .get_path(Path::new(registry_path))
            .ok()
            .filter(|e| e.kind() == Some(git2::ObjectType::Tree))
            .map(|e| e.id());
        // A comparison of the two trees that skips unchanged subtrees, so each commit
        // costs what it changed.
        let changed = if registry_tree != previous_tree {
            differ.changed_paths(previous_tree, registry_tree)?
        } else {
            Vec::new()
        };
        let registry_yaml = match registry_tree {
            Some(oid) => repo.find_tree(oid)?.get_name(REGISTRY_FILE).map(|e| e.id()),
            None => None,
        };
        previous_tree = registry_tree;
        known.push(CommitRecord {
            commit,
            tree: registry_tree.map(|t| t.to_string()),
            registry_yaml: registry_yaml.map(|b| b.to_string()),
            changed,
        });
    }
    if !unchanged {
        cache.write(
            name,
            &CachedWalk {
                key,
                records: known.clone(),
            },
        );
    }
    Ok(known)
}

/// A release's registry, or its diagnostics re-labelled with the release and commit.
fn release_snapshot(
    loaded: Loaded,
    version: &str,
    commit: &Commit,
    diagnostics: &mut Diagnostics,
) -> Option<Registry> {
    for mut d in loaded.diagnostics.into_vec() {
        if d.severity == crate::diagnostics::Severity::Error {
            d.message = format!(
                "release {version} (commit {}, {}): {}",
                commit.short, commit.subject, d.message
            );
            d.help = Some(format!(
                "releases are immutable: fix the registry in a new commit and release it under a new version{}",
                d.help.map(|h| format!("; {h}")).unwrap_or_default()
            ));
            diagnostics.push(d);
        }
    }
    loaded.registry
}

/// The draft may not reuse a released version with different content, nor go back in time.
fn check_draft(
    history: &History,
    draft: &Registry,
    registry_path: &str,
    diagnostics: &mut Diagnostics,
) {
    let file = format!("{registry_path}/{REGISTRY_FILE}");
    let Some(latest) = history.latest() else {
        return;
    };
    if let Some(released) = history.release(&draft.meta.version)
        && released.version != latest.version
    {
        diagnostics.push(
            Diagnostic::error(
                file.clone(),
                format!(
                    "version {} was already released at commit {} ({})",
                    draft.meta.version, released.commit.short, released.commit.subject
                ),
            )
            .with_help("choose a new version for the next release"),
        );
    } else if draft.meta.version != latest.version && draft.meta.published <= latest.published {
        diagnostics.push(
            Diagnostic::error(
                file,
                format!(
                    "the new version {} is dated {}, not after the latest release {} ({})",
                    draft.meta.version, draft.meta.published, latest.version, latest.published
                ),
            )
            .with_help("set `published` to a date after the latest release"),
        );
    }
}

/// `replaces` must name an entry of an earlier release that the snapshot no longer has.
fn check_replaces(history: &History, registry_path: &str, diagnostics: &mut Diagnostics) {
    let snapshots = history
        .releases
        .iter()
        .map(|r| {
            (
                format!("release {} (commit {})", r.version, r.commit.short),
                &r.registry,
            )
        })
        .chain(
            history
                .draft
                .iter()
                .map(|d| ("the working tree".to_string(), d)),
        );
    replaces_rules(snapshots, registry_path, diagnostics, false);
}

fn check_replaces_of_draft(history: &History, registry_path: &str, diagnostics: &mut Diagnostics) {
    let snapshots = history
        .releases
        .iter()
        .map(|r| (String::new(), &r.registry))
        .chain(
            history
                .draft
                .iter()
                .map(|d| ("the working tree".to_string(), d)),
        );
    replaces_rules(snapshots, registry_path, diagnostics, true);
}

/// Applies the `replaces` rule to each snapshot against the ones before it; with
/// `last_only`, reports only for the last snapshot.
fn replaces_rules<'a>(
    snapshots: impl Iterator<Item = (String, &'a Registry)>,
    registry_path: &str,
    diagnostics: &mut Diagnostics,
    last_only: bool,
) {
    let snapshots: Vec<(String, &Registry)> = snapshots.collect();
    let count = snapshots.len();
    let mut earlier: Vec<&Registry> = Vec::new();
    for (index, (label, registry)) in snapshots.into_iter().enumerate() {
        if last_only && index + 1 < count {
            earlier.push(registry);
            continue;
        }
        for entry in registry.entries() {
            let Some(old) = entry.replaces() else {
                continue;
            };
            let file = format!(
                "{registry_path}/{}/{}.md",
                entry.entry_type().folder(),
                entry.id()
            );
            let problem = if registry.entry(old.as_str()).is_some() {
                Some(format!(
                    "in {label}: `{}` replaces `{old}`, which is still present",
                    entry.id()
                ))
            } else if !earlier.iter().any(|r| r.entry(old.as_str()).is_some()) {
                Some(format!(
                    "in {label}: `{}` replaces `{old}`, which no earlier release had",
                    entry.id()
                ))
            } else {
                None
            };
            if let Some(message) = problem {
                diagnostics.push(Diagnostic::error(file, message).with_help(
                    "`replaces` names an entry of an earlier release that this snapshot no longer has: remove the old file, or fix the id",
                ));
            }
        }
        earlier.push(registry);
    }
}

/// The path of an entry file inside the registry folder.
pub fn entry_path(entry_type: EntryType, id: &str) -> String {
    format!("{}/{id}.md", entry_type.folder())
}

/// Loads the registry at any revision (not only releases), for `diff REV`.
pub fn load_at(
    repo_dir: &Path,
    registry: &str,
    rev: &str,
    loader: &mut Loader,
) -> Result<(Loaded, Commit)> {
    let repo = git2::Repository::discover(repo_dir)?;
    let commit = repo
        .revparse_single(rev)
        .and_then(|o| o.peel_to_commit())
        .with_context(|| format!("`{rev}` is neither a release version nor a git revision"))?;
    let tree = commit.tree()?;
    let entry = tree
        .get_path(Path::new(registry))
        .with_context(|| format!("there is no `{registry}` folder at {rev}"))?;
    let source = GitTree::new(&repo, entry.id())?;
    Ok((loader.load(&source, registry)?, convert_commit(&commit)))
}
