//! `abusedefs cite ID [--version V]`: the citation of an entry — registry title, entry
//! name, version, publication date and stable URL — the same text as the site's "Cite
//! this", in text, Markdown, HTML or JSON.

use std::io::Write;

use anyhow::{Context, bail};
use serde::Serialize;

use crate::site;

use super::snapshots::Snapshots;
use super::{RepoArgs, Status};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The id of a term, obligation or procedure
    id: String,
    /// A release version (default: the latest release); the URL then points to that version's archived page
    #[arg(long)]
    version: Option<String>,
    #[command(flatten)]
    repo: RepoArgs,
    /// The site's public address (default: `base_url` in registry.yaml)
    #[arg(long, value_name = "URL")]
    base_url: Option<String>,
    #[arg(long, value_enum, default_value_t = CiteFormat::Text)]
    format: CiteFormat,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum CiteFormat {
    Text,
    Markdown,
    Html,
    Json,
}

#[derive(Serialize)]
struct Citation {
    id: String,
    name: String,
    registry: String,
    publisher: String,
    version: String,
    published: String,
    url: String,
    text: String,
}

pub fn run(args: Args, out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<Status> {
    let location = args.repo.locate()?;
    let snapshots = Snapshots::load(location)?;
    if snapshots.diagnostics.has_errors() {
        crate::diagnostics::write(
            err,
            &snapshots.diagnostics,
            crate::diagnostics::Format::Human,
        )?;
        return Ok(Status::Invalid);
    }
    let history = snapshots
        .history
        .as_ref()
        .context("citations name a release, so the registry must be in a git repository")?;
    let latest = history
        .latest()
        .context("there is no release yet to cite: cut one with `abusedefs release`")?;
    let release = match &args.version {
        Some(v) => match history.release(v) {
            Some(r) => r,
            None => {
                let known: Vec<&str> = history
                    .releases
                    .iter()
                    .map(|r| r.version.as_str())
                    .collect();
                writeln!(
                    err,
                    "error: there is no release {v}; releases: {}",
                    known.join(", ")
                )?;
                return Ok(Status::Invalid);
            }
        },
        None => latest,
    };
    let Some(entry) = release.registry.entry(&args.id) else {
        let ids: Vec<&str> = release
            .registry
            .entries()
            .map(|e| e.id().as_str())
            .collect();
        writeln!(
            err,
            "error: release {} has no entry `{}`",
            release.version, args.id
        )?;
        if let Some(hint) = crate::load::yaml::did_you_mean(&args.id, &ids) {
            writeln!(err, "  help: {hint}")?;
        }
        return Ok(Status::Invalid);
    };
    let base = match args
        .base_url
        .clone()
        .or_else(|| latest.registry.meta.base_url.clone())
    {
        Some(b) => format!("{}/", b.trim_end_matches('/')),
        None => bail!(
            "a citation needs the site's address: set `base_url` in registry.yaml or pass --base-url"
        ),
    };
    // The latest release is cited at the stable URL; an older one at its archived page.
    let version = (release.version != latest.version).then_some(release.version.as_str());
    let url = format!(
        "{base}{}",
        site::entry_path(entry.entry_type(), entry.id().as_str(), version)
    );
    let text = site::citation(
        &latest.registry.meta,
        entry.title(),
        &release.version,
        release.published,
        &url,
    );
    let meta = &latest.registry.meta;
    let published = site::views::long_date(release.published);
    match args.format {
        CiteFormat::Text => writeln!(out, "{text}")?,
        CiteFormat::Markdown => writeln!(
            out,
            "{}. \"[{}]({url}).\" In *{}*, version {}, published {}.",
            crate::render::escape_markdown(&meta.publisher),
            crate::render::escape_markdown(entry.title()),
            crate::render::escape_markdown(&meta.title),
            release.version,
            published
        )?,
        CiteFormat::Html => writeln!(
            out,
            "{}. \"<a href=\"{}\">{}</a>.\" In <cite>{}</cite>, version {}, published <time datetime=\"{}\">{}</time>.",
            crate::render::escape_html(&meta.publisher),
            crate::render::escape_html(&url),
            crate::render::escape_html(entry.title()),
            crate::render::escape_html(&meta.title),
            crate::render::escape_html(&release.version),
            release.published,
            published
        )?,
        CiteFormat::Json => {
            let c = Citation {
                id: entry.id().to_string(),
                name: entry.title().to_string(),
                registry: meta.title.clone(),
                publisher: meta.publisher.clone(),
                version: release.version.clone(),
                published: release.published.to_string(),
                url,
                text,
            };
            serde_json::to_writer_pretty(&mut *out, &c)?;
            writeln!(out)?;
        }
    }
    Ok(Status::Success)
}
