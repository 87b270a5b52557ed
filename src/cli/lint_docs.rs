//! `abusedefs lint-docs FILE...`: checks staff documents for consistent use of the defined
//! terms, reporting `path:line:col` like `check`; `--fix` adds the missing links to
//! Markdown files in place and changes nothing else.

use std::fs;
use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, bail};

use crate::diagnostics::{self, Diagnostic, Diagnostics, Severity};
use crate::lint::{self, Document, Kind, Linter};
use crate::model::Registry;

use super::check::FormatArg;
use super::snapshots::Snapshots;
use super::{RepoArgs, Status};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Documents to check (Markdown, HTML or plain text)
    #[arg(required = true)]
    files: Vec<PathBuf>,
    #[command(flatten)]
    repo: RepoArgs,
    /// The registry site's address (default: `base_url` in registry.yaml)
    #[arg(long, value_name = "URL")]
    base_url: Option<String>,
    #[arg(long, value_enum, default_value_t = FormatArg::Human)]
    format: FormatArg,
    /// Add the missing links to Markdown files in place
    #[arg(long)]
    fix: bool,
}

pub fn run(args: Args, out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<Status> {
    let location = args.repo.locate()?;
    let snapshots = Snapshots::load(location)?;
    if snapshots.diagnostics.has_errors() {
        diagnostics::write(err, &snapshots.diagnostics, diagnostics::Format::Human)?;
        return Ok(Status::Invalid);
    }
    let releases: Vec<&Registry> = snapshots
        .history
        .iter()
        .flat_map(|h| h.releases.iter().map(|r| &r.registry))
        .collect();
    // Documents follow the latest release; with none yet, the working tree.
    let current = releases
        .last()
        .copied()
        .or(snapshots.worktree.as_ref())
        .context("there is no valid registry to check against")?;
    let base = match args
        .base_url
        .clone()
        .or_else(|| current.meta.base_url.clone())
    {
        Some(b) => b,
        None => bail!(
            "lint-docs needs the registry site's address to recognise links: set `base_url` in registry.yaml or pass --base-url"
        ),
    };
    let linter = Linter::new(current, &releases, &base);
    let mut report = Diagnostics::new();
    let mut fixed_total = 0;
    for path in &args.files {
        let shown = path.display().to_string();
        let text = match fs::read(path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(t) => t,
                Err(_) => {
                    report.push(Diagnostic::error(shown, "the document is not UTF-8 text"));
                    continue;
                }
            },
            Err(e) => {
                report.push(Diagnostic::error(
                    shown,
                    format!("cannot read the document: {e}"),
                ));
                continue;
            }
        };
        let kind = Kind::from_path(&shown);
        let doc = Document::parse(kind, text);
        let mut findings = linter.lint(&doc);
        if args.fix && kind == Kind::Markdown {
            let (fixed, applied) = lint::apply_fixes(&doc.text, &findings);
            if applied > 0 {
                fs::write(path, fixed).with_context(|| format!("writing {shown}"))?;
                fixed_total += applied;
                findings.retain(|f| f.fix.is_none());
            }
        }
        for f in findings {
            let (line, column) = doc.position(f.start);
            let mut d = match f.severity {
                Severity::Error => Diagnostic::error(shown.clone(), f.message),
                Severity::Warning => Diagnostic::warning(shown.clone(), f.message),
            }
            .at(line, column);
            d.help = f.help;
            report.push(d);
        }
    }
    if fixed_total > 0 {
        writeln!(
            err,
            "added {fixed_total} link{}",
            if fixed_total == 1 { "" } else { "s" }
        )?;
    }
    diagnostics::write(out, &report, args.format.into())?;
    Ok(if report.is_empty() {
        Status::Success
    } else {
        Status::Invalid
    })
}
