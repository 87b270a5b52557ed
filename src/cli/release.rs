//! `abusedefs release VERSION [--date D]`: prepares a release in the working tree. It
//! checks the registry and its history, refuses a version already used or a date not after
//! the latest release, rewrites only the `version` and `published` values of
//! `registry.yaml` (comments and layout kept), and prints the new release's changelog.
//! Committing and merging the change is the release, as for any other pull request.

use std::fs;
use std::io::Write;

use anyhow::{Context, Result};

use crate::diagnostics::{self, Format};
use crate::diff::{self, Colour};
use crate::load::yaml::set_value;
use crate::load::{REGISTRY_FILE, valid_version};

use super::build::resolve_today;
use super::snapshots::Snapshots;
use super::{RepoArgs, Status};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The new version, e.g. 2027.1
    version: String,
    /// The publication date (default: --today's rule: SOURCE_DATE_EPOCH, else today)
    #[arg(long, value_name = "YYYY-MM-DD")]
    date: Option<String>,
    #[command(flatten)]
    repo: RepoArgs,
}

pub fn run(args: Args, out: &mut dyn Write, err: &mut dyn Write) -> Result<Status> {
    if !valid_version(&args.version) {
        writeln!(err, "error: `{}` is not a valid version", args.version)?;
        writeln!(
            err,
            "  help: use letters, digits, `.`, `-` or `_`, starting with a letter or digit, e.g. 2027.1"
        )?;
        return Ok(Status::Invalid);
    }
    let date = resolve_today(args.date.as_deref())?;
    let location = args.repo.locate()?;
    let snapshots = Snapshots::load(location.clone())?;
    if snapshots.diagnostics.has_errors() {
        diagnostics::write(err, &snapshots.diagnostics, Format::Human)?;
        writeln!(err, "fix these first: a release must be valid")?;
        return Ok(Status::Invalid);
    }
    if let Some(history) = &snapshots.history {
        if let Some(used) = history.release(&args.version) {
            writeln!(
                err,
                "error: version {} was already released on {} at commit {} ({})",
                used.version, used.published, used.commit.short, used.commit.subject
            )?;
            writeln!(
                err,
                "  help: release versions are never reused; choose a new one"
            )?;
            return Ok(Status::Invalid);
        }
        if let Some(latest) = history.latest()
            && date <= latest.published
        {
            writeln!(
                err,
                "error: the date {date} is not after the latest release, {} of {}",
                latest.version, latest.published
            )?;
            writeln!(
                err,
                "  help: publication dates strictly increase; pass --date with a later date"
            )?;
            return Ok(Status::Invalid);
        }
    }
    let path = location.registry_dir().join(REGISTRY_FILE);
    let yaml = fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let updated = set_value(
        &set_value(&yaml, "version", &format!("\"{}\"", args.version))?,
        "published",
        &date.to_string(),
    )?;
    fs::write(&path, updated).with_context(|| format!("writing {}", path.display()))?;

    let mut after = snapshots;
    after.reload_worktree()?;
    if after.diagnostics.has_errors() {
        diagnostics::write(err, &after.diagnostics, Format::Human)?;
        fs::write(&path, yaml).with_context(|| format!("restoring {}", path.display()))?;
        writeln!(err, "registry.yaml was restored")?;
        return Ok(Status::Invalid);
    }
    writeln!(
        out,
        "{}/{REGISTRY_FILE}: version {}, published {date}",
        location.registry, args.version
    )?;
    if let Some(previous) = after.latest_version() {
        let (old, a) = after.resolve(&previous)?;
        let (new, b) = after.resolve("worktree")?;
        writeln!(out)?;
        diff::write_text(out, &diff::diff(&old, &new, a, b), Colour::Never)?;
    }
    writeln!(
        out,
        "\nCommit this change and merge it: the merge is the release."
    )?;
    Ok(Status::Success)
}
