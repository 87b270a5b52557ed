//! `abusedefs build`: checks the registry and its history, renders every page in memory,
//! then writes only what changed into the output folder. A failed build writes nothing.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;

use crate::diagnostics::{self, Diagnostics, Format};
use crate::history::History;
use crate::output;
use crate::render::Renderer;
use crate::site;

use super::snapshots::Snapshots;
use super::{RepoArgs, Status};

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
    Site {
        site: site::Site,
        annual_overdue: bool,
    },
    Invalid(Diagnostics),
}

/// Loads and checks the registry and its history, then renders every page in memory.
/// Warnings (when the registry is otherwise valid) are written to `err`.
pub fn render(args: &Args, err: &mut dyn Write) -> Result<Rendered> {
    let location = args.repo.locate()?;
    let snapshots = Snapshots::load(location.clone())?;
    if snapshots.diagnostics.has_errors() {
        return Ok(Rendered::Invalid(snapshots.diagnostics));
    }
    if !snapshots.diagnostics.is_empty() {
        diagnostics::write(err, &snapshots.diagnostics, Format::Human)?;
    }
    let today = resolve_today(args.today.as_deref())?;
    let history = match snapshots.history.clone() {
        Some(h) => h,
        None => History {
            draft: snapshots.worktree.clone(),
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
    let options = site::Options {
        today,
        base_url,
        include_draft: !args.no_draft,
        preview: args.preview,
    };
    let renderer = Renderer::new(Some(&location.root.join("templates")))?;
    let site = site::build(&history, &options, &renderer)?;
    let releases: Vec<(String, NaiveDate)> = history
        .releases
        .iter()
        .map(|r| (r.version.clone(), r.published))
        .collect();
    let annual_overdue = !releases.is_empty()
        && site::cycle::report(&current.meta.cycle, &releases, today)
            .annual
            .overdue;
    Ok(Rendered::Site {
        site,
        annual_overdue,
    })
}

/// Renders, then writes the site to `args.out`. `Ok(None)`: the registry is invalid, the
/// diagnostics went to `err` and nothing was written.
pub fn build(args: &Args, err: &mut dyn Write) -> Result<Option<Built>> {
    match render(args, err)? {
        Rendered::Invalid(diagnostics) => {
            diagnostics::write(err, &diagnostics, Format::Human)?;
            Ok(None)
        }
        Rendered::Site {
            site,
            annual_overdue,
        } => {
            let pages = site.keys().filter(|p| p.ends_with(".html")).count();
            let written = output::write(&args.out, &site)?;
            crate::timings::mark("output");
            Ok(Some(Built {
                pages,
                written,
                annual_overdue,
            }))
        }
    }
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
