//! The site model: which pages exist for a history, at which URLs, with which views; and
//! the exports (JSON, CSV, Atom, sitemap, calendar). Pages are rendered in parallel, batch
//! by batch, into a [`Sink`] (an output folder, or memory for the preview); the parts of
//! the site whose inputs an earlier build already rendered can be left out ([`Reuse`]).

pub mod cycle;
mod exports;
pub mod views;

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Result;
use chrono::NaiveDate;
use rayon::prelude::*;
use serde::Serialize;

use crate::diff;
use crate::history::{self, History};
use crate::model::{EntryRef, EntryType, Registry};
use crate::render::Renderer;
use views::{Link, Place, long_date};

/// What a build needs besides the history.
#[derive(Debug, Clone)]
pub struct Options {
    /// "Today", for the revision cycle and the annual-update check.
    pub today: NaiveDate,
    /// Absolute URL of the site root, ending in `/`; used for canonical links, citations,
    /// the feed and the sitemap only.
    pub base_url: Option<String>,
    /// Whether the draft (unreleased working tree) is published under `/draft/`.
    pub include_draft: bool,
    /// Preview mode (`serve`): the current pages show the working tree, marked as such,
    /// so that an editor sees an edit where it will appear once released.
    pub preview: bool,
}

/// The rendered site: output path → bytes.
pub type Site = BTreeMap<String, Vec<u8>>;

/// Where the files of a build go as they are rendered: a map in memory (the preview
/// server, tests) or an output folder (`output::Writer`), so that a large site is never
/// held in memory whole.
pub trait Sink {
    fn put(&mut self, files: Vec<(String, Vec<u8>)>) -> Result<()>;
    /// Keeps a page that an earlier build wrote from the same inputs (see [`Reuse`]).
    fn keep(&mut self, path: &str) -> Result<()>;
}

impl Sink for Site {
    fn put(&mut self, files: Vec<(String, Vec<u8>)>) -> Result<()> {
        self.extend(files);
        Ok(())
    }

    fn keep(&mut self, path: &str) -> Result<()> {
        anyhow::bail!("a site in memory has no earlier page {path} to keep")
    }
}

/// The parts of a site, by what their files depend on, for the build cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Part {
    /// The releases' own pages and files (`versions/<v>/…`, `compare/…`, the JSON of
    /// each release and changelog): they depend on the releases, not on the draft.
    Archive,
    /// The current pages and files when they show the latest release (not in preview),
    /// and the feed: the releases, the options, today's date and the draft's date.
    Settled,
    /// Everything that reads the draft or the commits since the latest release: the
    /// draft page, the entry histories (each reused on its own key, see
    /// [`Reuse::histories`]) and the sitemap.
    Live,
}

/// The part of the site that `path` belongs to.
pub fn part_of(path: &str, settled: bool) -> Part {
    let archive = path.starts_with("compare/")
        || path.starts_with("api/v1/versions/")
        || path.starts_with("api/v1/changes/")
        || path
            .strip_prefix("versions/")
            .is_some_and(|rest| rest.contains('/'));
    let live = path.starts_with("draft/") || path.starts_with("history/") || path == "sitemap.xml";
    if archive {
        Part::Archive
    } else if live || !settled {
        Part::Live
    } else {
        Part::Settled
    }
}

/// The cache keys of the parts of a build: equal keys, equal files. `settled` is `None`
/// when the current pages show the working tree (preview, or no release yet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartKeys {
    pub archive: String,
    pub settled: Option<String>,
}

/// Computes the keys of the cacheable parts from everything their files are made from.
pub fn part_keys(history: &History, options: &Options, renderer: &Renderer) -> PartKeys {
    let current_meta = current_snapshot(history, options).map(|r| format!("{:?}", r.meta));
    let releases: Vec<_> = history
        .releases
        .iter()
        .map(|r| (&r.version, r.published, &r.commit, &r.tree))
        .collect();
    let archive = crate::cache::key(&(
        "archive",
        renderer.fingerprint(),
        &options.base_url,
        options.include_draft,
        options.preview,
        history.draft.is_some(),
        &current_meta,
        &releases,
    ));
    let draft_date = history.draft.as_ref().map(|d| d.meta.published);
    let settled = settled_possible(history, options)
        .then(|| crate::cache::key(&("settled", &archive, options.today, draft_date)));
    PartKeys { archive, settled }
}

/// Whether the current pages show a release (and so do not depend on the draft).
fn settled_possible(history: &History, options: &Options) -> bool {
    !options.preview && history.latest().is_some()
}

/// Parts of the site that an earlier build wrote and that need not be rendered again.
#[derive(Debug, Clone, Default)]
pub struct Reuse {
    pub archive: bool,
    pub settled: bool,
    /// The pages (`.html`) of the reused parts, for the sitemap.
    pub pages: Vec<String>,
    /// Entry history pages already in the output folder, with the key each was built
    /// with: a page whose key is unchanged is kept.
    pub histories: BTreeMap<String, String>,
}

/// What a build produced, besides its files.
#[derive(Debug, Clone, Default)]
pub struct Built {
    pub pages: usize,
    /// The key of each entry history page (see [`Reuse::histories`]).
    pub histories: BTreeMap<String, String>,
}

/// The snapshot shown at the root: the latest release, or the draft in preview or when
/// there is no release.
fn current_snapshot<'h>(history: &'h History, options: &Options) -> Option<&'h Registry> {
    let draft = history.draft.as_ref();
    match (history.latest(), draft) {
        (_, Some(d)) if options.preview => Some(d),
        (Some(r), _) => Some(&r.registry),
        (None, d) => d,
    }
}

/// The parts of every page's layout.
#[derive(Debug, Clone, Serialize)]
pub struct Layout {
    /// Relative path from the page to the site root (`""`, `"../"`, …).
    pub root: String,
    pub title: String,
    pub site_title: String,
    pub publisher: String,
    pub section: &'static str,
    pub canonical: Option<String>,
    pub current_version: Option<String>,
    pub current_published: Option<String>,
    pub banner: Option<Banner>,
    pub draft_href: Option<String>,
    pub cite: Option<Cite>,
    pub jsonld: Option<String>,
    pub description: String,
    /// The stylesheet itself, for the one page (404) that cannot know where it is served.
    pub inline_css: Option<String>,
    /// Whether the page has the search box (all but the 404 page).
    pub search: bool,
}

/// A notice at the top of the page: an archived version, the draft, a retired entry.
#[derive(Debug, Clone, Serialize)]
pub struct Banner {
    pub kind: &'static str,
    pub text: String,
    pub link: Option<Link>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Cite {
    pub text: String,
    pub url: String,
}

#[derive(Serialize)]
struct Page<'a, T: Serialize> {
    page: &'a Layout,
    view: &'a T,
}

/// How many pages are prepared before they are rendered: enough to keep the cores busy,
/// few enough that their contexts do not dominate memory.
const RENDER_BATCH: usize = 512;

/// A page waiting to be rendered.
struct Job {
    path: String,
    template: &'static str,
    context: crate::render::PageContext,
}

fn depth_root(path: &str) -> String {
    "../".repeat(path.matches('/').count())
}

/// Every diff the site shows, computed once and in parallel: each release against the one
/// before (changelogs, their JSON and the entry histories reuse these), each older release
/// against the latest (compare pages), and the draft against the latest release.
pub struct Diffs {
    /// The comparisons of texts made for these diffs, reused by the entry histories.
    memo: diff::Memo,
    pub changes: BTreeMap<String, diff::RegistryDiff>,
    compare: BTreeMap<(String, String), diff::RegistryDiff>,
    draft: Option<diff::RegistryDiff>,
}

impl Diffs {
    /// `changes` and `compare`: whether to compute the releases' changelogs and the
    /// pairs of the compare pages (not when the parts that show them are reused from an
    /// earlier build).
    fn compute(history: &History, draft: Option<&Registry>, changes: bool, compare: bool) -> Diffs {
        let releases = &history.releases;
        let memo = diff::Memo::default();
        let changed = if changes { releases.len() } else { 0 };
        let changes = releases[..changed]
            .par_iter()
            .enumerate()
            .map(|(i, r)| {
                let empty = empty_like(&r.registry);
                let (previous, from) = match i.checked_sub(1).map(|j| &releases[j]) {
                    Some(p) => (
                        &p.registry,
                        diff::side(&p.version, &p.registry, Some(p.commit.id.clone())),
                    ),
                    None => (&empty, diff::side("nothing (first release)", &empty, None)),
                };
                let to = diff::side(&r.version, &r.registry, Some(r.commit.id.clone()));
                (
                    r.version.clone(),
                    diff::diff_with(previous, &r.registry, from, to, &memo),
                )
            })
            .collect();
        let pairs: Vec<(String, String)> = compare_pairs(history)
            .into_iter()
            .filter(|(a, b)| compare && !is_consecutive(history, a, b))
            .collect();
        let compare = pairs
            .into_par_iter()
            .filter_map(|(a, b)| {
                let (ra, rb) = (history.release(&a)?, history.release(&b)?);
                let d = diff::diff_with(
                    &ra.registry,
                    &rb.registry,
                    diff::side(&a, &ra.registry, Some(ra.commit.id.clone())),
                    diff::side(&b, &rb.registry, Some(rb.commit.id.clone())),
                    &memo,
                );
                Some(((a, b), d))
            })
            .collect();
        let draft = draft.map(|d| {
            let empty = empty_like(d);
            let (base, label) = match history.latest() {
                Some(r) => (&r.registry, r.version.clone()),
                None => (&empty, "nothing (no release yet)".to_string()),
            };
            diff::diff_with(
                base,
                d,
                diff::side(label, base, None),
                diff::side("draft", d, None),
                &memo,
            )
        });
        Diffs {
            memo,
            changes,
            compare,
            draft,
        }
    }

    /// The diff between releases `a` and `b` (consecutive or against the latest).
    fn pair(&self, history: &History, a: &str, b: &str) -> Option<&diff::RegistryDiff> {
        if is_consecutive(history, a, b) {
            self.changes.get(b)
        } else {
            self.compare.get(&(a.to_string(), b.to_string()))
        }
    }
}

fn is_consecutive(history: &History, a: &str, b: &str) -> bool {
    history
        .releases
        .windows(2)
        .any(|w| w[0].version == a && w[1].version == b)
}

/// The site's builder state for one build.
struct Builder<'a> {
    history: &'a History,
    options: &'a Options,
    /// The snapshot shown at the root: the latest release, or the draft when none.
    current: &'a Registry,
    draft: Option<&'a Registry>,
    /// Pages prepared and not yet rendered: they are rendered in batches, so that only
    /// one batch of prepared contexts and rendered pages is held at a time.
    jobs: Vec<Job>,
    md: crate::render::markdown::Cache,
    diffs: &'a Diffs,
    renderer: &'a Renderer,
    sink: &'a mut dyn Sink,
    /// Every page of the site, rendered or reused, for the sitemap.
    page_paths: Vec<String>,
    /// Paths already queued, to skip duplicates without scanning `jobs`.
    queued: std::collections::HashSet<String>,
    /// The key that an entry history's own key extends (the archive's).
    history_base: String,
    /// History pages in the output folder and their keys, from the build cache.
    kept_histories: &'a BTreeMap<String, String>,
    /// The key of each history page of this build.
    history_keys: BTreeMap<String, String>,
    /// The position of each release by version, for lookups that would otherwise scan
    /// the releases once per page (quadratic in the number of releases).
    release_index: std::collections::HashMap<&'a str, usize>,
    /// Each entry's versions, computed once (see `switcher`).
    switchers: std::collections::HashMap<(EntryType, String), std::rc::Rc<Vec<SwitchItem>>>,
}

/// Builds every page of the site for `history`, in memory.
pub fn build(history: &History, options: &Options, renderer: &Renderer) -> Result<Site> {
    let mut site = Site::new();
    build_into(history, options, renderer, &mut site, &Reuse::default())?;
    Ok(site)
}

/// Builds the site for `history` into `sink`, batch by batch, leaving out the parts that
/// `reuse` says an earlier build already wrote. Returns the number of pages.
pub fn build_into(
    history: &History,
    options: &Options,
    renderer: &Renderer,
    sink: &mut dyn Sink,
    reuse: &Reuse,
) -> Result<Built> {
    let draft = history.draft.as_ref().filter(|_| options.include_draft);
    let Some(current) = current_snapshot(history, options) else {
        anyhow::bail!("there is nothing to publish: no release and no valid working tree")
    };
    let settled = settled_possible(history, options);
    // The current pages are reused only when they show a release (see `Part::Settled`).
    let reuse_settled = reuse.settled && settled;
    let keys = part_keys(history, options, renderer);
    crate::timings::mark("site setup");
    // The releases' changelogs are needed by the archive (changelog pages and JSON) and
    // the feed; the pairs against the latest release only by the compare pages.
    let diffs = Diffs::compute(
        history,
        draft,
        !reuse.archive || !reuse_settled,
        !reuse.archive,
    );
    crate::timings::mark("diffs");
    let mut b = Builder {
        history,
        options,
        current,
        draft,
        jobs: Vec::new(),
        md: Default::default(),
        diffs: &diffs,
        renderer,
        sink,
        page_paths: reuse.pages.clone(),
        queued: Default::default(),
        switchers: Default::default(),
        release_index: history
            .releases
            .iter()
            .enumerate()
            .map(|(i, r)| (r.version.as_str(), i))
            .collect(),
        history_base: keys.archive,
        kept_histories: &reuse.histories,
        history_keys: BTreeMap::new(),
    };
    if !reuse_settled {
        b.home()?;
        crate::timings::mark("home");
        b.entry_pages()?;
        crate::timings::mark("entry_pages");
    }
    if !reuse.archive {
        b.release_pages()?;
        crate::timings::mark("release_pages");
        b.compare_pages()?;
        crate::timings::mark("compare_pages");
    }
    b.history_pages()?;
    crate::timings::mark("history_pages");
    b.draft_page()?;
    if !reuse_settled {
        b.versions_page()?;
        b.cycle_page()?;
        b.not_found()?;
    }
    b.flush()?;
    let mut files = Site::new();
    let sink = &mut *b.sink;
    let mut emit = |path, bytes| sink.put(vec![(path, bytes)]);
    if !reuse.archive {
        exports::releases(&mut emit, history, &diffs.changes)?;
    }
    if !reuse_settled {
        exports::current(
            &mut emit,
            history,
            current,
            &diffs.changes,
            options,
            renderer,
        )?;
        files.insert(
            "search-index.js".into(),
            exports::search_index(current).into_bytes(),
        );
        for (path, bytes) in Renderer::static_files() {
            files.insert(path.to_string(), bytes.to_vec());
        }
    }
    crate::timings::mark("exports");
    b.emit_all(files)?;
    b.page_paths.sort();
    if let Some(base) = &options.base_url {
        let pages = b.page_paths.iter().filter(|p| p.as_str() != "404.html");
        let sitemap = exports::sitemap(pages, base).into_bytes();
        b.emit_all(Site::from([("sitemap.xml".to_string(), sitemap)]))?;
    }
    crate::timings::mark("last pages, sitemap");
    Ok(Built {
        pages: b.page_paths.len(),
        histories: b.history_keys,
    })
}

impl<'a> Builder<'a> {
    fn layout(&self, path: &str, title: &str, section: &'static str) -> Layout {
        let latest = self.history.latest();
        let preview = (self.options.preview
            && self.draft.is_some()
            && !path.starts_with("versions/")
            && !path.starts_with("compare/"))
        .then(|| Banner {
            kind: "draft",
            text: "Preview of the working tree: these pages include changes that are not released."
                .into(),
            link: None,
        });
        Layout {
            root: depth_root(path),
            title: title.to_string(),
            site_title: self.current.meta.title.clone(),
            publisher: self.current.meta.publisher.clone(),
            section,
            canonical: self.absolute(path),
            current_version: latest.map(|r| r.version.clone()),
            current_published: latest.map(|r| long_date(r.published)),
            banner: preview,
            draft_href: self.draft.map(|_| "draft/index.html".to_string()),
            cite: None,
            jsonld: None,
            description: format!("{}: {}", self.current.meta.title, title),
            inline_css: None,
            search: true,
        }
    }

    /// The absolute URL of an output path, for canonical links and citations.
    fn absolute(&self, path: &str) -> Option<String> {
        let base = self.options.base_url.as_ref()?;
        Some(format!(
            "{base}{}",
            path.strip_suffix("index.html").unwrap_or(path)
        ))
    }

    fn add<T: Serialize>(
        &mut self,
        path: String,
        template: &'static str,
        layout: &Layout,
        view: &T,
    ) -> Result<()> {
        let context = crate::render::PageContext::new(&Page { page: layout, view })?;
        self.queued.insert(path.clone());
        self.jobs.push(Job {
            path,
            template,
            context,
        });
        if self.jobs.len() >= RENDER_BATCH {
            self.flush()?;
        }
        Ok(())
    }

    /// Renders the queued jobs, in parallel.
    fn flush(&mut self) -> Result<()> {
        let renderer = self.renderer;
        let rendered: Vec<(String, Result<String>)> = std::mem::take(&mut self.jobs)
            .into_par_iter()
            .map(|job| {
                let html = renderer.render_context(job.template, &job.context);
                (job.path, html)
            })
            .collect();
        let mut pages = Vec::with_capacity(rendered.len());
        for (path, html) in rendered {
            self.page_paths.push(path.clone());
            pages.push((path, html?.into_bytes()));
        }
        self.sink.put(pages)
    }

    /// Sends files that are not pages to the sink.
    fn emit_all(&mut self, files: Site) -> Result<()> {
        self.sink.put(files.into_iter().collect())
    }

    fn cite(&self, name: &str, version: &str, published: NaiveDate, stable_path: &str) -> Cite {
        let url = self.absolute(stable_path).unwrap_or_else(|| {
            stable_path
                .strip_suffix("index.html")
                .unwrap_or(stable_path)
                .to_string()
        });
        Cite {
            text: citation(&self.current.meta, name, version, published, &url),
            url,
        }
    }

    fn snapshot_banner(&self, version: &str, current_path: &str) -> Option<Banner> {
        let releases = &self.history.releases;
        let i = *self.release_index.get(version)?;
        let r = &releases[i];
        let link = Some(Link {
            href: current_path.to_string(),
            text: "See the current version".into(),
        });
        Some(match releases.get(i + 1) {
            Some(next) => Banner {
                kind: "archive",
                text: format!(
                    "You are reading version {}, published {}. It was superseded by version {} on {}.",
                    r.version,
                    long_date(r.published),
                    next.version,
                    long_date(next.published)
                ),
                link,
            },
            None => Banner {
                kind: "archive",
                text: format!(
                    "You are reading the archived copy of version {}, published {}. It is the current version.",
                    r.version,
                    long_date(r.published)
                ),
                link,
            },
        })
    }

    fn home(&mut self) -> Result<()> {
        let place = Place {
            prefix: String::new(),
            published: self.current.meta.published,
        };
        let view = views::snapshot(self.current, &place, &self.md);
        let mut layout = self.layout("index.html", &self.current.meta.title.clone(), "home");
        if self.history.latest().is_none() {
            layout.banner = Some(Banner {
                kind: "draft",
                text: "There is no release yet: this is a draft and not in force.".into(),
                link: None,
            });
        }
        layout.cite = Some(self.cite(
            &self.current.meta.title,
            &self.current.meta.version,
            self.current.meta.published,
            "",
        ));
        layout.jsonld = Some(exports::jsonld_set(
            self.current,
            self.options.base_url.as_deref(),
        ));
        self.add("index.html".into(), "home.html", &layout, &view)
    }

    /// Every id of `entry_type` that any release (or, with no release, the draft) had.
    fn ids(&self, entry_type: EntryType) -> BTreeSet<String> {
        let snapshots: Vec<&Registry> = self
            .history
            .releases
            .iter()
            .map(|r| &r.registry)
            .chain(std::iter::once(self.current))
            .collect();
        snapshots
            .iter()
            .flat_map(|r| {
                r.entries()
                    .filter(|e| e.entry_type() == entry_type)
                    .map(|e| e.id().to_string())
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    /// The versions of `id` for its switcher: one line per release, never a dead link.
    /// Computed once per entry, for its current page and all its archived pages.
    fn switcher(&mut self, entry_type: EntryType, id: &str) -> std::rc::Rc<Vec<SwitchItem>> {
        if let Some(items) = self.switchers.get(&(entry_type, id.to_string())) {
            return items.clone();
        }
        let folder = folder_of(entry_type);
        let mut items = Vec::new();
        let mut seen: Option<EntryRef> = None;
        for r in &self.history.releases {
            let here = r
                .registry
                .entry(id)
                .filter(|e| e.entry_type() == entry_type);
            let (href, note) = match (here, seen) {
                (Some(e), None) => (
                    Some(format!("versions/{}/{folder}/{id}/index.html", r.version)),
                    if e.replaces().is_some() {
                        format!(
                            "introduced, replacing {}",
                            e.replaces().map(|x| x.to_string()).unwrap_or_default()
                        )
                    } else {
                        "introduced".to_string()
                    },
                ),
                (Some(e), Some(prev)) => (
                    Some(format!("versions/{}/{folder}/{id}/index.html", r.version)),
                    if prev == e {
                        "unchanged".into()
                    } else {
                        "changed".into()
                    },
                ),
                (None, None) => (None, "not yet defined".into()),
                (None, Some(_)) => match r.registry.successor_of(id).map(|e| e.id().to_string()) {
                    Some(s) => (
                        Some(format!("versions/{}/{folder}/{s}/index.html", r.version)),
                        format!("renamed to {s}"),
                    ),
                    None => (None, "retired".into()),
                },
            };
            if here.is_some() {
                seen = here;
            }
            items.push(SwitchItem {
                version: r.version.clone(),
                published: long_date(r.published),
                href,
                note,
                present: here.is_some(),
            });
        }
        let items = std::rc::Rc::new(items);
        self.switchers
            .insert((entry_type, id.to_string()), items.clone());
        items
    }

    /// The archived page of release `index`: the releases just before and after it,
    /// rather than every release, so that a page's size does not grow with the history.
    fn neighbours(&mut self, entry_type: EntryType, id: &str, index: usize) -> Versions {
        let all = self.switcher(entry_type, id);
        let pick = |i: Option<usize>| i.and_then(|i| all.get(i)).cloned();
        Versions::Nearby(Box::new(Nearby {
            this: pick(Some(index)),
            before: pick(index.checked_sub(1)),
            after: pick(Some(index + 1)),
            count: all.iter().filter(|s| s.present).count(),
        }))
    }

    fn entry_pages(&mut self) -> Result<()> {
        // The current pages show the current snapshot: the latest release, or in preview
        // (or before any release) the working tree.
        let latest = self.current;
        let latest_references = references(latest);
        for entry_type in EntryType::ALL {
            let folder = folder_of(entry_type);
            for id in self.ids(entry_type) {
                let path = format!("{folder}/{id}/index.html");
                let place = Place {
                    prefix: String::new(),
                    published: latest.meta.published,
                };
                let switcher = Versions::All(self.switcher(entry_type, &id).to_vec());
                let (registry, retired): (&Registry, Option<Banner>) = match latest.entry(&id) {
                    Some(_) => (latest, None),
                    None => {
                        // Retired: show the last version that had it, with a notice.
                        let (release, successor_id) = self
                            .history
                            .releases
                            .iter()
                            .rev()
                            .find(|r| r.registry.entry(&id).is_some())
                            .map(|r| {
                                (
                                    r,
                                    self.history.releases.iter().find_map(|later| {
                                        later.registry.successor_of(&id).map(|e| e.id().to_string())
                                    }),
                                )
                            })
                            .ok_or_else(|| anyhow::anyhow!("no release has {id}"))?;
                        let next = self
                            .history
                            .releases
                            .iter()
                            .skip_while(|r| r.version != release.version)
                            .nth(1);
                        let text = match next {
                            Some(n) => format!(
                                "This entry was retired in version {}, published {}. Its last version ({}) is shown below for reference.",
                                n.version,
                                long_date(n.published),
                                release.version
                            ),
                            None => "This entry has been retired.".to_string(),
                        };
                        let link = successor_id.map(|s| Link {
                            href: format!("{folder}/{s}/index.html"),
                            text: format!("Its successor is {s}"),
                        });
                        (
                            &release.registry,
                            Some(Banner {
                                kind: "retired",
                                text,
                                link,
                            }),
                        )
                    }
                };
                let Some(entry) = registry.entry(&id) else {
                    continue;
                };
                // A retired entry shows the last release that had it.
                let older_references;
                let index = if std::ptr::eq(registry, latest) {
                    &latest_references
                } else {
                    older_references = references(registry);
                    &older_references
                };
                let view = EntryPage::new(
                    registry,
                    &place,
                    entry,
                    switcher,
                    index
                        .get(id.as_str())
                        .map(Vec::as_slice)
                        .unwrap_or_default(),
                    &self.md,
                );
                let mut layout = self.layout(&path, entry.title(), "definitions");
                if retired.is_some() {
                    layout.banner = retired;
                }
                layout.cite = Some(self.cite(
                    entry.title(),
                    &registry.meta.version,
                    registry.meta.published,
                    &path,
                ));
                layout.jsonld =
                    exports::jsonld_entry(registry, entry, self.options.base_url.as_deref(), &path);
                self.add(path, "entry.html", &layout, &view)?;
            }
        }
        Ok(())
    }

    fn release_pages(&mut self) -> Result<()> {
        // The history outlives the builder: iterate it without cloning every snapshot.
        let history = self.history;
        for (index, r) in history.releases.iter().enumerate() {
            let references = references(&r.registry);
            let prefix = format!("versions/{}/", r.version);
            let place = Place {
                prefix: prefix.clone(),
                published: r.published,
            };
            let home = format!("{prefix}index.html");
            let mut layout = self.layout(&home, &format!("Version {}", r.version), "versions");
            layout.banner = self.snapshot_banner(&r.version, "index.html");
            layout.cite = Some(self.cite(&r.registry.meta.title, &r.version, r.published, &home));
            let mut view = views::snapshot(&r.registry, &place, &self.md);
            view.version = r.version.clone();
            self.add(home, "home.html", &layout, &view)?;
            for entry in r.registry.entries() {
                let folder = folder_of(entry.entry_type());
                let id = entry.id().as_str();
                let path = format!("{prefix}{folder}/{id}/index.html");
                let switcher = self.neighbours(entry.entry_type(), id, index);
                let view = EntryPage::new(
                    &r.registry,
                    &place,
                    entry,
                    switcher,
                    references.get(id).map(Vec::as_slice).unwrap_or_default(),
                    &self.md,
                );
                let mut layout = self.layout(
                    &path,
                    &format!("{} (version {})", entry.title(), r.version),
                    "versions",
                );
                layout.banner =
                    self.snapshot_banner(&r.version, &format!("{folder}/{id}/index.html"));
                layout.cite = Some(self.cite(entry.title(), &r.version, r.published, &path));
                self.add(path, "entry.html", &layout, &view)?;
            }
            let Some(d) = self.diffs.changes.get(&r.version) else {
                continue;
            };
            let path = format!("{prefix}changes/index.html");
            let view = ChangesPage::new(
                d,
                &place,
                format!("Changes in version {}", r.version),
                &r.commit,
            );
            let layout = {
                let mut l = self.layout(
                    &path,
                    &format!("Changes in version {}", r.version),
                    "versions",
                );
                l.banner = self.snapshot_banner(&r.version, "index.html");
                l
            };
            self.add(path, "changes.html", &layout, &view)?;
        }
        Ok(())
    }

    fn compare_pages(&mut self) -> Result<()> {
        for (a, b) in compare_pairs(self.history) {
            let Some(rb) = self.history.release(&b) else {
                continue;
            };
            let Some(d) = self.diffs.pair(self.history, &a, &b) else {
                continue;
            };
            let path = format!("compare/{a}...{b}/index.html");
            let place = Place {
                prefix: format!("versions/{b}/"),
                published: rb.published,
            };
            let view = ChangesPage::new(
                d,
                &place,
                format!("Version {a} compared with version {b}"),
                &rb.commit,
            );
            let layout = self.layout(&path, &format!("Compare {a} with {b}"), "versions");
            self.add(path, "changes.html", &layout, &view)?;
        }
        Ok(())
    }

    /// What the changelog of release `version` (or, for `None`, the draft page) lists
    /// for entry `id`, computed for that entry alone.
    fn changelog_entry(&self, version: Option<&str>, id: &str) -> Option<diff::EntryChange> {
        let releases = &self.history.releases;
        let (old, new) = match version {
            Some(v) => {
                let i = *self.release_index.get(v)?;
                (
                    i.checked_sub(1).map(|j| &releases[j].registry),
                    &releases[i].registry,
                )
            }
            None => (self.history.latest().map(|r| &r.registry), self.draft?),
        };
        let empty;
        let old = match old {
            Some(old) => old,
            None => {
                empty = empty_like(new);
                &empty
            }
        };
        diff::entry_diff(old, new, id, &self.diffs.memo)
    }

    /// Which entries of the draft name a predecessor (`replaces`): they decide whether
    /// an entry missing from the draft counts as retired or superseded.
    fn draft_successions(&self) -> Vec<(String, String)> {
        self.history
            .draft
            .iter()
            .flat_map(|d| d.entries())
            .filter_map(|e| Some((e.id().to_string(), e.replaces()?.to_string())))
            .collect()
    }

    fn history_pages(&mut self) -> Result<()> {
        let successions = self.draft_successions();
        for entry_type in EntryType::ALL {
            for id in self.ids(entry_type) {
                let path = format!("history/{id}/index.html");
                if self.queued.contains(&path) {
                    continue;
                }
                let timeline = history::entry_history(self.history, entry_type, &id);
                // Everything the page shows beyond the releases (which the archive's key
                // covers): its timeline with the commits, and the draft's version of it.
                let draft_entries: Vec<String> = self
                    .history
                    .draft
                    .iter()
                    .flat_map(|d| {
                        std::iter::once(&timeline.id)
                            .chain(&timeline.previous_ids)
                            .map(move |x| format!("{:?}", d.entry(x)))
                    })
                    .collect();
                let key = crate::cache::key(&(
                    &self.history_base,
                    entry_type,
                    &id,
                    &timeline,
                    draft_entries,
                    &successions,
                ));
                self.history_keys.insert(path.clone(), key.clone());
                if self.kept_histories.get(&path) == Some(&key) {
                    self.queued.insert(path.clone());
                    self.page_paths.push(path.clone());
                    self.sink.keep(&path)?;
                    continue;
                }
                let folder = folder_of(entry_type);
                let mut steps = Vec::new();
                let mut previous: Option<(&Registry, String)> = None;
                for step in &timeline.steps {
                    let registry = match &step.version {
                        Some(v) => self
                            .release_index
                            .get(v.as_str())
                            .map(|&i| &self.history.releases[i].registry),
                        None => self.draft,
                    };
                    let Some(registry) = registry else { continue };
                    // The change the release's changelog lists for this entry; when it
                    // lists none (an entry back after a gap), the change since the step
                    // before.
                    let known = self.changelog_entry(step.version.as_deref(), &step.id);
                    let change = known.or_else(|| {
                        let old = previous.as_ref().and_then(|(r, pid)| r.entry(pid));
                        let new = registry
                            .entry(&step.id)
                            .filter(|_| step.event != history::Event::Retired);
                        diff::compare_entries(old, new)
                    });
                    steps.push(HistoryStep {
                        version: step.version.clone().unwrap_or_else(|| "draft".into()),
                        published: step
                            .published
                            .map(long_date)
                            .unwrap_or_else(|| "not released".into()),
                        event: match step.event {
                            history::Event::Added => "added",
                            history::Event::Changed => "changed",
                            history::Event::Renamed => "renamed",
                            history::Event::Retired => "retired",
                        },
                        id: step.id.clone(),
                        href: match (&step.version, step.event) {
                            (Some(v), e) if e != history::Event::Retired => {
                                Some(format!("versions/{v}/{folder}/{}/index.html", step.id))
                            }
                            (None, _) => Some("draft/index.html".into()),
                            _ => None,
                        },
                        class: change
                            .as_ref()
                            .map(|c| c.class.as_str())
                            .unwrap_or("editorial"),
                        fields: change
                            .map(|c| c.fields.iter().map(views::field).collect())
                            .unwrap_or_default(),
                    });
                    if step.event != history::Event::Retired {
                        previous = Some((registry, step.id.clone()));
                    }
                }
                let title = self
                    .history
                    .releases
                    .iter()
                    .rev()
                    .find_map(|r| r.registry.entry(&id).map(|e| e.title().to_string()))
                    .unwrap_or_else(|| id.clone());
                let view = HistoryPage {
                    id: id.clone(),
                    title: title.clone(),
                    current_href: format!("{folder}/{id}/index.html"),
                    previous_ids: timeline.previous_ids.clone(),
                    steps,
                    commits: timeline
                        .commits
                        .iter()
                        .map(|c| CommitView {
                            short: c.short.clone(),
                            date: c.date.to_string(),
                            subject: c.subject.clone(),
                            merge: c.merge,
                        })
                        .collect(),
                };
                let layout = self.layout(&path, &format!("History of {title}"), "definitions");
                self.add(path, "history.html", &layout, &view)?;
            }
        }
        Ok(())
    }

    fn draft_page(&mut self) -> Result<()> {
        let (Some(draft), Some(d)) = (self.draft, self.diffs.draft.as_ref()) else {
            return Ok(());
        };
        let place = Place {
            prefix: String::new(),
            published: draft.meta.published,
        };
        let path = "draft/index.html".to_string();
        let commit = history::Commit {
            id: String::new(),
            short: String::new(),
            date: draft.meta.published,
            subject: String::new(),
            merge: false,
        };
        let view = ChangesPage::new(d, &place, "Draft: unreleased changes".into(), &commit);
        let mut layout = self.layout(&path, "Draft: unreleased changes", "draft");
        layout.banner = Some(Banner { kind: "draft", text: "These changes are proposed and not in force. The current definitions are those of the latest release.".into(), link: Some(Link { href: "index.html".into(), text: "See the current definitions".into() }) });
        self.add(path, "changes.html", &layout, &view)
    }

    fn versions_page(&mut self) -> Result<()> {
        let latest = self.history.latest().map(|r| r.version.clone());
        let rows: Vec<VersionRow> = self
            .history
            .releases
            .iter()
            .rev()
            .map(|r| VersionRow {
                version: r.version.clone(),
                published: long_date(r.published),
                published_iso: r.published.to_string(),
                commit: r.commit.short.clone(),
                subject: r.commit.subject.clone(),
                href: format!("versions/{}/index.html", r.version),
                changes_href: format!("versions/{}/changes/index.html", r.version),
                compare_href: latest
                    .as_ref()
                    .filter(|l| **l != r.version)
                    .map(|l| format!("compare/{}...{l}/index.html", r.version)),
                json_href: format!("api/v1/versions/{}.json", r.version),
                current: latest.as_deref() == Some(r.version.as_str()),
            })
            .collect();
        let view = VersionsPage {
            rows,
            draft: self.draft.is_some(),
        };
        let layout = self.layout("versions/index.html", "All versions", "versions");
        self.add(
            "versions/index.html".into(),
            "versions.html",
            &layout,
            &view,
        )
    }

    fn cycle_page(&mut self) -> Result<()> {
        let releases: Vec<(String, NaiveDate)> = self
            .history
            .releases
            .iter()
            .map(|r| (r.version.clone(), r.published))
            .collect();
        let report = cycle::report(&self.current.meta.cycle, &releases, self.options.today);
        let view = CyclePage::new(&report, self.options.today, &self.current.meta.cycle);
        let layout = self.layout("cycle/index.html", "Revision cycle", "cycle");
        self.add("cycle/index.html".into(), "cycle.html", &layout, &view)?;
        let calendar = exports::calendar(
            &report,
            &self.current.meta.title,
            self.options.base_url.as_deref(),
        );
        self.emit_all(Site::from([(
            "cycle.ics".to_string(),
            calendar.into_bytes(),
        )]))
    }

    fn not_found(&mut self) -> Result<()> {
        let mut layout = self.layout("404.html", "Page not found", "home");
        // Served for any missing path, so relative links cannot work: use the site's
        // address when it is known.
        layout.root = self.options.base_url.clone().unwrap_or_else(|| "/".into());
        layout.canonical = None;
        layout.search = false;
        layout.inline_css = Renderer::static_files()
            .find(|(p, _)| *p == "style.css")
            .map(|(_, b)| String::from_utf8_lossy(b).into_owned());
        self.add("404.html".into(), "404.html", &layout, &())
    }
}

/// A diff as one self-contained HTML document (styles inline, no links), for
/// `abusedefs diff --format html`.
pub fn standalone_diff(d: &diff::RegistryDiff, renderer: &Renderer) -> Result<String> {
    #[derive(Serialize)]
    struct View {
        css: String,
        diff: views::DiffView,
    }
    let css = Renderer::static_files()
        .find(|(p, _)| *p == "style.css")
        .map(|(_, b)| String::from_utf8_lossy(b).into_owned())
        .unwrap_or_default();
    renderer.render(
        "redline.html",
        &View {
            css,
            diff: views::diff(d, |_, _| None),
        },
    )
}

/// The "Cite this" text, shared by the site and `abusedefs cite`.
pub fn citation(
    meta: &crate::model::RegistryMeta,
    name: &str,
    version: &str,
    published: NaiveDate,
    url: &str,
) -> String {
    format!(
        "{}. \"{}.\" In {}, version {}, published {}. {}",
        meta.publisher,
        name,
        meta.title,
        version,
        long_date(published),
        url
    )
}

/// The site path of an entry's page, current (`version: None`) or archived.
pub fn entry_path(entry_type: EntryType, id: &str, version: Option<&str>) -> String {
    let folder = folder_of(entry_type);
    match version {
        Some(v) => format!("versions/{v}/{folder}/{id}/"),
        None => format!("{folder}/{id}/"),
    }
}

/// The pairs of releases with a pre-rendered compare page: each consecutive pair and each
/// release against the latest — linear in the number of releases, where all pairs would be
/// quadratic; any other pair is one `abusedefs diff A B` away.
pub fn compare_pairs(history: &History) -> BTreeSet<(String, String)> {
    let versions: Vec<&str> = history
        .releases
        .iter()
        .map(|r| r.version.as_str())
        .collect();
    let mut pairs = BTreeSet::new();
    for w in versions.windows(2) {
        pairs.insert((w[0].to_string(), w[1].to_string()));
    }
    if let Some(latest) = versions.last() {
        for v in &versions[..versions.len() - 1] {
            pairs.insert((v.to_string(), latest.to_string()));
        }
    }
    pairs
}

fn folder_of(entry_type: EntryType) -> &'static str {
    match entry_type {
        EntryType::Term => "definitions",
        EntryType::Obligation => "obligations",
        EntryType::Procedure => "procedures",
    }
}

fn empty_like(registry: &Registry) -> Registry {
    Registry {
        meta: registry.meta.clone(),
        terms: BTreeMap::new(),
        obligations: BTreeMap::new(),
        procedures: BTreeMap::new(),
    }
}

#[derive(Debug, Clone, Serialize)]
struct SwitchItem {
    version: String,
    published: String,
    href: Option<String>,
    note: String,
    /// Whether the release has the entry itself (not only a successor, or nothing).
    #[serde(skip)]
    present: bool,
}

/// The versions an entry page links to: every release on the current page; on an
/// archived page, the release itself and the ones just before and after it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "lowercase")]
enum Versions {
    All(Vec<SwitchItem>),
    Nearby(Box<Nearby>),
}

#[derive(Debug, Clone, Serialize)]
struct Nearby {
    this: Option<SwitchItem>,
    before: Option<SwitchItem>,
    after: Option<SwitchItem>,
    /// How many releases have a version of the entry.
    count: usize,
}

/// A reference from one entry to another: where it comes from and how it is shown.
struct Reference<'r> {
    folder: &'static str,
    id: &'r str,
    text: String,
}

/// For each entry id, the entries of `registry` that refer to it (terms first, then
/// obligations, each once, in id order): built once per snapshot rather than by a scan
/// of the whole registry per page.
fn references(registry: &Registry) -> std::collections::HashMap<&str, Vec<Reference<'_>>> {
    let mut index: std::collections::HashMap<&str, Vec<Reference>> = Default::default();
    for t in registry.terms.values() {
        let targets: BTreeSet<&str> = t
            .obligations
            .iter()
            .chain(&t.see_also)
            .chain(&t.includes)
            .map(|x| x.as_str())
            .collect();
        for target in targets {
            index.entry(target).or_default().push(Reference {
                folder: "definitions",
                id: t.id.as_str(),
                text: t.title.clone(),
            });
        }
    }
    for o in registry.obligations.values() {
        let targets: BTreeSet<&str> = o
            .procedures
            .iter()
            .chain(&o.terms)
            .map(|x| x.as_str())
            .collect();
        for target in targets {
            index.entry(target).or_default().push(Reference {
                folder: "obligations",
                id: o.id.as_str(),
                text: format!("{} {}", o.contract, o.section),
            });
        }
    }
    index
}

#[derive(Debug, Clone, Serialize)]
struct EntryPage {
    kind: &'static str,
    term: Option<views::TermView>,
    obligation: Option<views::ObligationView>,
    procedure: Option<views::ProcedureView>,
    /// Terms whose `obligations` list this obligation, or procedures' terms.
    referenced_by: Vec<Link>,
    versions: Versions,
    history_href: String,
    version: String,
    published: String,
}

impl EntryPage {
    fn new(
        registry: &Registry,
        place: &Place,
        entry: EntryRef<'_>,
        versions: Versions,
        references: &[Reference],
        md: &crate::render::markdown::Cache,
    ) -> EntryPage {
        let id = entry.id().as_str();
        let referenced_by = references
            .iter()
            .map(|r| Link {
                href: place.entry(r.folder, r.id),
                text: r.text.clone(),
            })
            .collect();
        let (kind, term, obligation, procedure) = match entry {
            EntryRef::Term(t) => (
                "term",
                Some(views::term(registry, place, t, md)),
                None,
                None,
            ),
            EntryRef::Obligation(o) => (
                "obligation",
                None,
                Some(views::obligation(registry, place, o, md)),
                None,
            ),
            EntryRef::Procedure(p) => (
                "procedure",
                None,
                None,
                Some(views::procedure(registry, place, p, md)),
            ),
        };
        EntryPage {
            kind,
            term,
            obligation,
            procedure,
            referenced_by,
            versions,
            history_href: format!("history/{id}/index.html"),
            version: registry.meta.version.clone(),
            published: long_date(registry.meta.published),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
struct ChangesPage {
    heading: String,
    diff: views::DiffView,
    commit: Option<String>,
    commit_subject: Option<String>,
}

impl ChangesPage {
    fn new(
        d: &diff::RegistryDiff,
        place: &Place,
        heading: String,
        commit: &history::Commit,
    ) -> ChangesPage {
        // Retired entries have no page in the newer snapshot.
        let view = views::diff(d, |id, t| {
            let retired = d
                .entries
                .iter()
                .any(|e| e.id == id && e.status == diff::Status::Retired);
            (!retired).then(|| place.entry(folder_of(t), id))
        });
        ChangesPage {
            heading,
            diff: view,
            commit: (!commit.short.is_empty()).then(|| commit.short.clone()),
            commit_subject: (!commit.subject.is_empty()).then(|| commit.subject.clone()),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
struct HistoryStep {
    version: String,
    published: String,
    event: &'static str,
    id: String,
    href: Option<String>,
    class: &'static str,
    fields: Vec<views::FieldView>,
}

#[derive(Debug, Clone, Serialize)]
struct CommitView {
    short: String,
    date: String,
    subject: String,
    merge: bool,
}

#[derive(Debug, Clone, Serialize)]
struct HistoryPage {
    id: String,
    title: String,
    current_href: String,
    previous_ids: Vec<String>,
    steps: Vec<HistoryStep>,
    commits: Vec<CommitView>,
}

#[derive(Debug, Clone, Serialize)]
struct VersionRow {
    version: String,
    published: String,
    published_iso: String,
    commit: String,
    subject: String,
    href: String,
    changes_href: String,
    compare_href: Option<String>,
    json_href: String,
    current: bool,
}

#[derive(Debug, Clone, Serialize)]
struct VersionsPage {
    rows: Vec<VersionRow>,
    draft: bool,
}

#[derive(Debug, Clone, Serialize)]
struct WindowView {
    year: i32,
    opens: String,
    deadline: String,
    closed_by: Option<String>,
    closed_href: Option<String>,
    closed_on: Option<String>,
    business_days: Option<u32>,
    status: &'static str,
    status_label: &'static str,
}

#[derive(Debug, Clone, Serialize)]
struct CyclePage {
    today: String,
    interval_years: u32,
    month: String,
    limit: u32,
    holidays: Vec<String>,
    windows: Vec<WindowView>,
    next: WindowView,
    annual_latest: Option<String>,
    annual_published: Option<String>,
    annual_due: Option<String>,
    annual_overdue: bool,
}

impl CyclePage {
    fn new(report: &cycle::Report, today: NaiveDate, c: &crate::model::Cycle) -> CyclePage {
        let window = |w: &cycle::Window| {
            let (status, status_label) = match w.status {
                cycle::WindowStatus::OnTime => ("on-time", "On time"),
                cycle::WindowStatus::Late => ("late", "Late"),
                cycle::WindowStatus::Open => ("open", "Open now"),
                cycle::WindowStatus::Overdue => ("overdue", "Overdue: no release yet"),
                cycle::WindowStatus::Upcoming => ("upcoming", "Upcoming"),
            };
            WindowView {
                year: w.year,
                opens: long_date(w.opens),
                deadline: long_date(w.deadline),
                closed_href: w
                    .closed_by
                    .as_ref()
                    .map(|v| format!("versions/{v}/changes/index.html")),
                closed_by: w.closed_by.clone(),
                closed_on: w.closed_on.map(long_date),
                business_days: w.business_days,
                status,
                status_label,
            }
        };
        CyclePage {
            today: long_date(today),
            interval_years: c.interval_years,
            month: NaiveDate::from_ymd_opt(2000, c.month, 1)
                .map(|d| d.format("%B").to_string())
                .unwrap_or_default(),
            limit: c.limit_business_days,
            holidays: c.holidays.iter().map(|h| long_date(*h)).collect(),
            windows: report.windows.iter().rev().map(window).collect(),
            next: window(&report.next),
            annual_latest: report.annual.latest_version.clone(),
            annual_published: report.annual.latest_published.map(long_date),
            annual_due: report.annual.due.map(long_date),
            annual_overdue: report.annual.overdue,
        }
    }
}
