//! `abusedefs build`: checks the registry and its history, then renders the site into the
//! output folder, reusing from the build cache the parts an earlier build wrote from the
//! same inputs. A failed build leaves the folder as it was.

use std::collections::BTreeMap;

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;

use crate::cache::Cache;
use crate::diagnostics::{self, Diagnostics, Format};
use crate::history::History;
use crate::output;
use crate::render::Renderer;
use crate::site;

use super::snapshots::Snapshots;
use super::{RepoArgs, RepoLocation, Status};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub repo: RepoArgs,
    /// The output folder
    #[arg(long, default_value = "site", value_name = "DIR")]
    pub out: PathBuf,
    /// Leave the draft (unreleased changes in the working tree) out of the site
    #[arg(long)]
    pub no_draft: bool,
    /// The date the revision cycle is computed for (default: SOURCE_DATE_EPOCH, else today)
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub today: Option<String>,
    /// The site's public address, for canonical links, citations, the feed and the sitemap
    /// (default: `base_url` in registry.yaml)
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// Show the working tree on the current pages (the live preview does)
    #[arg(skip)]
    pub preview: bool,
}

/// "Today": `--today`, else `SOURCE_DATE_EPOCH`, else the clock. Read here, once, and
/// passed down as a value.
pub fn resolve_today(arg: Option<&str>) -> Result<NaiveDate> {
    if let Some(text) = arg {
        return NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .with_context(|| format!("--today must be a date like 2026-01-31, not `{text}`"));
    }
    if let Ok(epoch) = std::env::var("SOURCE_DATE_EPOCH") {
        let seconds: i64 = epoch.trim().parse().with_context(|| {
            format!("SOURCE_DATE_EPOCH must be a number of seconds, not `{epoch}`")
        })?;
        return chrono::DateTime::from_timestamp(seconds, 0)
            .map(|d| d.date_naive())
            .context("SOURCE_DATE_EPOCH is out of range");
    }
    Ok(chrono::Utc::now().date_naive())
}

fn normalise_base_url(url: &str) -> Result<String> {
    let lower = url.to_ascii_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://"))
        || url.contains(char::is_whitespace)
    {
        bail!("--base-url must be an absolute http(s) URL, not `{url}`");
    }
    Ok(format!("{}/", url.trim_end_matches('/')))
}

/// What a successful build produced, for the command's report.
pub struct Built {
    pub pages: usize,
    pub written: output::Written,
    pub annual_overdue: bool,
}

/// A site rendered in memory, or the diagnostics that stopped it.
pub enum Rendered {
    Site(site::Site),
    Invalid(Diagnostics),
}

/// Everything a build needs, loaded and checked.
struct Prepared {
    history: History,
    options: site::Options,
    renderer: Renderer,
    annual_overdue: bool,
}

/// Loads and checks the registry and its history. Warnings (when the registry is
/// otherwise valid) are written to `err`.
fn prepare(
    args: &Args,
    location: RepoLocation,
    err: &mut dyn Write,
) -> Result<std::result::Result<Prepared, Diagnostics>> {
    let snapshots = Snapshots::load(location.clone())?;
    if snapshots.diagnostics.has_errors() {
        return Ok(Err(snapshots.diagnostics));
    }
    if !snapshots.diagnostics.is_empty() {
        diagnostics::write(err, &snapshots.diagnostics, Format::Human)?;
    }
    let today = resolve_today(args.today.as_deref())?;
    let history = match snapshots.history {
        Some(h) => h,
        None => History {
            draft: snapshots.worktree,
            ..History::default()
        },
    };
    let current = history
        .latest()
        .map(|r| &r.registry)
        .or(history.draft.as_ref())
        .context("there is nothing to publish")?;
    let base_url = match &args.base_url {
        Some(url) => Some(normalise_base_url(url)?),
        None => current.meta.base_url.clone(),
    };
    let releases: Vec<(String, NaiveDate)> = history
        .releases
        .iter()
        .map(|r| (r.version.clone(), r.published))
        .collect();
    let annual_overdue = !releases.is_empty()
        && site::cycle::report(&current.meta.cycle, &releases, today)
            .annual
            .overdue;
    let options = site::Options {
        today,
        base_url,
        include_draft: !args.no_draft,
        preview: args.preview,
    };
    let renderer = Renderer::new(Some(&location.root.join("templates")))?;
    Ok(Ok(Prepared {
        history,
        options,
        renderer,
        annual_overdue,
    }))
}

/// What an in-memory build leaves for the next one: the keys its reusable parts were
/// built from (see [`site::part_keys`]).
#[derive(Debug, Clone, Default)]
pub struct Previous {
    archive: Option<String>,
    histories: BTreeMap<String, String>,
}

/// An in-memory site that takes kept pages from the previous build's site.
struct Reusing<'p> {
    site: site::Site,
    previous: &'p site::Site,
}

impl site::Sink for Reusing<'_> {
    fn put(&mut self, files: Vec<(String, Vec<u8>)>) -> Result<()> {
        self.site.extend(files);
        Ok(())
    }

    fn keep(&mut self, path: &str) -> Result<()> {
        let bytes = self
            .previous
            .get(path)
            .with_context(|| format!("the previous build has no {path}"))?;
        self.site.insert(path.to_string(), bytes.clone());
        Ok(())
    }
}

/// Loads and checks the registry and its history, then renders every page in memory, for
/// the preview server: the parts of `previous` (the last build's site and what it was
/// built from) whose keys are unchanged are copied instead of rendered, as `build` reuses
/// the output folder. Warnings are written to `err`. Returns what the next build may
/// reuse.
pub fn render_reusing(
    args: &Args,
    err: &mut dyn Write,
    previous: Option<(&Previous, &site::Site)>,
) -> Result<(Rendered, Previous)> {
    let p = match prepare(args, args.repo.locate()?, err)? {
        Ok(p) => p,
        Err(diagnostics) => return Ok((Rendered::Invalid(diagnostics), Previous::default())),
    };
    let keys = site::part_keys(&p.history, &p.options, &p.renderer);
    let (nothing, empty) = (Previous::default(), site::Site::new());
    let (memo, old) = previous.unwrap_or((&nothing, &empty));
    let archive = memo.archive.as_ref() == Some(&keys.archive);
    let settled = keys.settled.is_some();
    let archived: Vec<&String> = old
        .keys()
        .filter(|path| archive && site::part_of(path, settled) == site::Part::Archive)
        .collect();
    let reuse = site::Reuse {
        archive,
        settled: false,
        pages: archived
            .iter()
            .filter(|path| path.ends_with(".html"))
            .map(|path| path.to_string())
            .collect(),
        histories: memo
            .histories
            .iter()
            .filter(|(path, _)| old.contains_key(*path))
            .map(|(path, key)| (path.clone(), key.clone()))
            .collect(),
    };
    let mut sink = Reusing {
        site: site::Site::new(),
        previous: old,
    };
    let built = site::build_into(&p.history, &p.options, &p.renderer, &mut sink, &reuse)?;
    let mut site = sink.site;
    for path in archived {
        site.insert(path.clone(), old[path].clone());
    }
    Ok((
        Rendered::Site(site),
        Previous {
            archive: Some(keys.archive),
            histories: built.histories,
        },
    ))
}

/// What the build cache knows of an output folder: for each reusable part of the site,
/// the key it was built with and the stamps of its files as written.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct Manifest {
    archive: Option<PartFiles>,
    settled: Option<PartFiles>,
    /// Each entry history page: the key it was built with, and its stamp.
    #[serde(default)]
    histories: BTreeMap<String, (String, output::Stamp)>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct PartFiles {
    key: String,
    files: BTreeMap<String, output::Stamp>,
}

impl PartFiles {
    /// Whether every file of the part is still as written.
    fn intact(&self, listing: &output::Listing) -> bool {
        self.files
            .iter()
            .all(|(path, stamp)| listing.stamp(path).as_ref() == Some(stamp))
    }
}

impl Manifest {
    /// The manifest of the output folder in the cache, keeping only the parts and pages
    /// whose files are all still as the last build wrote them (by the folder's listing).
    fn checked(cache: &Cache, name: &str, listing: &output::Listing) -> Manifest {
        let manifest: Manifest = cache.read(name).unwrap_or_default();
        Manifest {
            archive: manifest.archive.filter(|p| p.intact(listing)),
            settled: manifest.settled.filter(|p| p.intact(listing)),
            histories: manifest
                .histories
                .into_iter()
                .filter(|(path, (_, stamp))| listing.stamp(path).as_ref() == Some(stamp))
                .collect(),
        }
    }
}

/// Writes the files of a build into the output folder as they are rendered, noting the
/// stamps of the reusable parts' files for the next build.
struct WriterSink<'w> {
    writer: &'w mut output::Writer,
    settled: bool,
    archive: BTreeMap<String, output::Stamp>,
    settled_files: BTreeMap<String, output::Stamp>,
    /// Stamps of the pages written or kept, for the entry histories' keys.
    stamps: BTreeMap<String, output::Stamp>,
    /// History pages that may be kept, with their stamps (checked before the build).
    intact: BTreeMap<String, output::Stamp>,
}

impl site::Sink for WriterSink<'_> {
    fn put(&mut self, files: Vec<(String, Vec<u8>)>) -> Result<()> {
        for (path, stamp) in self.writer.put_all(files)? {
            match site::part_of(&path, self.settled) {
                site::Part::Archive => self.archive.insert(path, stamp),
                site::Part::Settled => self.settled_files.insert(path, stamp),
                site::Part::Live => self.stamps.insert(path, stamp),
            };
        }
        Ok(())
    }

    fn keep(&mut self, path: &str) -> Result<()> {
        let stamp = *self
            .intact
            .get(path)
            .with_context(|| format!("{path} is not a page the build cache checked"))?;
        self.writer.keep(path)?;
        self.stamps.insert(path.to_string(), stamp);
        Ok(())
    }
}

/// Renders the site into `args.out`, reusing from the build cache the parts of the site
/// that an earlier build wrote there from the same inputs. `Ok(None)`: the registry is
/// invalid, the diagnostics went to `err` and nothing was written.
pub fn build(args: &Args, err: &mut dyn Write) -> Result<Option<Built>> {
    // While the registry and its history load, another thread lists the output folder
    // and checks that the files the build cache knows there are untouched.
    let location = args.repo.locate()?;
    let cache = location.cache();
    let out_id = std::path::absolute(&args.out).unwrap_or_else(|_| args.out.clone());
    let manifest_name = format!("site-{}.json", crate::cache::key(&out_id));
    let listed = {
        let (cache, name, out) = (cache.clone(), manifest_name.clone(), args.out.clone());
        std::thread::spawn(move || {
            let listing = output::Listing::of(&out)?;
            let manifest = Manifest::checked(&cache, &name, &listing);
            anyhow::Ok((listing, manifest))
        })
    };
    let p = match prepare(args, location, err)? {
        Ok(p) => p,
        Err(diagnostics) => {
            diagnostics::write(err, &diagnostics, Format::Human)?;
            return Ok(None);
        }
    };
    let keys = site::part_keys(&p.history, &p.options, &p.renderer);
    let (listing, manifest) = listed
        .join()
        .map_err(|_| anyhow::anyhow!("listing {} failed", args.out.display()))??;
    let archive = manifest.archive.filter(|part| part.key == keys.archive);
    let settled = manifest
        .settled
        .filter(|part| Some(&part.key) == keys.settled.as_ref());
    let kept: Vec<&String> = archive
        .iter()
        .chain(&settled)
        .flat_map(|part| part.files.keys())
        .collect();
    let intact = manifest.histories;
    let reuse = site::Reuse {
        archive: archive.is_some(),
        settled: settled.is_some(),
        pages: kept
            .iter()
            .filter(|p| p.ends_with(".html"))
            .map(|p| p.to_string())
            .collect(),
        histories: intact
            .iter()
            .map(|(path, (key, _))| (path.clone(), key.clone()))
            .collect(),
    };
    crate::timings::mark("cache check");

    let mut writer = output::Writer::open_listed(&args.out, listing)?;
    let mut sink = WriterSink {
        writer: &mut writer,
        settled: keys.settled.is_some(),
        archive: BTreeMap::new(),
        settled_files: BTreeMap::new(),
        stamps: BTreeMap::new(),
        intact: intact
            .into_iter()
            .map(|(path, (_, stamp))| (path, stamp))
            .collect(),
    };
    let built = site::build_into(&p.history, &p.options, &p.renderer, &mut sink, &reuse)?;
    let (new_archive, new_settled, stamps) = (sink.archive, sink.settled_files, sink.stamps);
    let histories = built
        .histories
        .into_iter()
        .filter_map(|(path, key)| {
            let stamp = *stamps.get(&path)?;
            Some((path, (key, stamp)))
        })
        .collect();
    for path in &kept {
        writer.keep(path)?;
    }
    let written = writer.commit()?;
    crate::timings::mark("output");
    cache.write(
        &manifest_name,
        &Manifest {
            archive: Some(archive.unwrap_or(PartFiles {
                key: keys.archive.clone(),
                files: new_archive,
            })),
            settled: settled.or_else(|| {
                keys.settled.clone().map(|key| PartFiles {
                    key,
                    files: new_settled,
                })
            }),
            histories,
        },
    );
    let annual_overdue = p.annual_overdue;
    // A build is the last thing its process does: the snapshots (every release, parsed)
    // are left for the exit to reclaim rather than freed value by value.
    std::mem::forget(p);
    Ok(Some(Built {
        pages: built.pages,
        written,
        annual_overdue,
    }))
}

pub fn run(args: Args, out: &mut dyn Write, err: &mut dyn Write) -> Result<Status> {
    let Some(built) = build(&args, err)? else {
        writeln!(
            err,
            "the build failed: nothing was written to {}",
            args.out.display()
        )?;
        return Ok(Status::Invalid);
    };
    report(out, err, &built, &args.out)?;
    Ok(Status::Success)
}

pub fn report(out: &mut dyn Write, err: &mut dyn Write, built: &Built, dir: &Path) -> Result<()> {
    let w = &built.written;
    writeln!(
        out,
        "built {} pages into {} ({} files written, {} unchanged, {} removed)",
        built.pages,
        dir.display(),
        w.written,
        w.unchanged,
        w.removed
    )?;
    if built.annual_overdue {
        writeln!(
            err,
            "warning: the latest release is more than a year old: the annual update is overdue"
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn preview(repo: &Path) -> Args {
        Args {
            repo: RepoArgs {
                repo: repo.to_path_buf(),
                registry: crate::demo::REGISTRY.into(),
                rev: "HEAD".into(),
                no_cache: true,
            },
            out: PathBuf::from("unused-in-preview"),
            no_draft: false,
            today: Some("2026-12-04".into()),
            base_url: None,
            preview: true,
        }
    }

    fn site_of(rendered: Rendered) -> site::Site {
        match rendered {
            Rendered::Site(site) => site,
            Rendered::Invalid(d) => panic!("invalid: {d:?}"),
        }
    }

    #[test]
    fn a_preview_build_that_reuses_the_last_one_equals_a_fresh_one() {
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path().join("demo");
        crate::demo::build_repository(&repo).unwrap();
        let args = preview(&repo);
        let mut err = Vec::new();
        let (first, memo) = render_reusing(&args, &mut err, None).unwrap();
        let first = site_of(first);

        // An editor saves a change to one entry.
        let file = repo.join("definitions/terms/phishing.md");
        let text = std::fs::read_to_string(&file).unwrap();
        std::fs::write(
            &file,
            format!("{text}\nA paragraph added in the preview.\n"),
        )
        .unwrap();
        let (second, next) = render_reusing(&args, &mut err, Some((&memo, &first))).unwrap();
        let second = site_of(second);
        let fresh = site_of(render_reusing(&args, &mut err, None).unwrap().0);
        let differing: Vec<&String> = second
            .keys()
            .chain(fresh.keys())
            .filter(|p| second.get(*p) != fresh.get(*p))
            .collect();
        assert!(
            differing.is_empty(),
            "differs from a fresh build: {differing:?}"
        );
        assert_eq!(next.archive, memo.archive, "the archive's key is unchanged");
        assert_ne!(second, first, "the edit shows");
    }
}
