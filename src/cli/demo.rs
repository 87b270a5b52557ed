//! `abusedefs demo`: builds the example repository with a real history, then shows its
//! releases and the changes of the latest release and of the draft.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;

use crate::demo;
use crate::diagnostics::{self, Format};
use crate::diff::{self, Colour};

use super::snapshots::Snapshots;
use super::{RepoArgs, Status, build};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Where to build the demo site
    #[arg(long, default_value = "site", value_name = "DIR")]
    out: PathBuf,
    /// Keep the demo repository in DIR (a new or empty folder) instead of a temporary one
    #[arg(long, value_name = "DIR")]
    keep_repo: Option<PathBuf>,
    /// The date the revision cycle is computed for (default: SOURCE_DATE_EPOCH, else today)
    #[arg(long, value_name = "YYYY-MM-DD")]
    today: Option<String>,
}

pub fn run(args: Args, out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<Status> {
    let temp;
    let dir = match &args.keep_repo {
        Some(dir) => dir.clone(),
        None => {
            temp = tempfile::tempdir().context("creating a temporary folder")?;
            temp.path().join("demo")
        }
    };
    let commits = demo::build_repository(&dir)?;
    let repo = RepoArgs {
        repo: dir.clone(),
        registry: demo::REGISTRY.to_string(),
        rev: "HEAD".into(),
        // The example repository is built afresh each time: nothing to reuse.
        no_cache: true,
    };
    let mut snapshots = Snapshots::load(repo.locate()?)?;
    if snapshots.diagnostics.has_errors() {
        diagnostics::write(err, &snapshots.diagnostics, Format::Human)?;
        return Ok(Status::Invalid);
    }
    let history = snapshots
        .history
        .clone()
        .context("the demo is a git repository")?;
    writeln!(
        out,
        "Demo repository: {} commits, {} releases",
        commits,
        history.releases.len()
    )?;
    if args.keep_repo.is_some() {
        writeln!(out, "  in {}", dir.display())?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "{:<10} {:<12} {:<9} subject",
        "version", "published", "commit"
    )?;
    for r in &history.releases {
        writeln!(
            out,
            "{:<10} {:<12} {:<9} {}",
            r.version,
            r.published.to_string(),
            r.commit.short,
            r.commit.subject
        )?;
    }
    if history.draft.is_some() {
        writeln!(
            out,
            "{:<10} {:<12} {:<9} unreleased changes in the working tree",
            "draft", "-", "-"
        )?;
    }
    let n = history.releases.len();
    for (from, to) in [
        (
            n.checked_sub(2)
                .map(|i| history.releases[i].version.clone()),
            history.latest().map(|r| r.version.clone()),
        ),
        (
            history.latest().map(|r| r.version.clone()),
            history.draft.as_ref().map(|_| "worktree".to_string()),
        ),
    ] {
        let (Some(from), Some(to)) = (from, to) else {
            continue;
        };
        let (old, a) = snapshots.resolve(&from)?;
        let (new, b) = snapshots.resolve(&to)?;
        writeln!(out)?;
        diff::write_text(out, &diff::diff(&old, &new, a, b), Colour::Never)?;
    }
    writeln!(out)?;
    let build_args = build::Args {
        repo,
        out: args.out.clone(),
        no_draft: false,
        today: args.today.clone(),
        base_url: None,
        preview: false,
    };
    let Some(built) = build::build(&build_args, err)? else {
        return Ok(Status::Invalid);
    };
    build::report(out, err, &built, &args.out)?;
    writeln!(
        out,
        "\nOpen {} in a browser, or serve the folder, e.g.: python3 -m http.server --directory {} 8000",
        args.out.join("index.html").display(),
        args.out.display()
    )?;
    if let Some(dir) = &args.keep_repo {
        writeln!(
            out,
            "Try: abusedefs diff 2021.1 2026.1 --repo {} --format markdown",
            dir.display()
        )?;
    }
    Ok(Status::Success)
}
