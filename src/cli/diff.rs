//! `abusedefs diff [FROM [TO]]`: the semantic redline between two snapshots, each named
//! by a release version, a git revision or `worktree`. By default, the latest release
//! against the working tree: what a pull request proposes.

use std::io::{IsTerminal, Write};

use anyhow::bail;

use crate::diagnostics::{self, Format};
use crate::diff::{self, Colour};

use super::snapshots::Snapshots;
use super::{RepoArgs, Status};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The older snapshot: a release version, a git revision or `worktree` (default: the latest release)
    from: Option<String>,
    /// The newer snapshot (default: `worktree`)
    to: Option<String>,
    #[command(flatten)]
    repo: RepoArgs,
    /// Output: `text` (terminal), `markdown` (pull-request comment), `json`, or `html` (one self-contained page)
    #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
    format: DiffFormat,
    /// Colour in text output: `auto` (only on a terminal, never with NO_COLOR), `always`, `never`
    #[arg(long, value_enum, default_value_t = ColourArg::Auto)]
    color: ColourArg,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum DiffFormat {
    Text,
    Markdown,
    Json,
    Html,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum ColourArg {
    Auto,
    Always,
    Never,
}

fn colour(arg: ColourArg) -> Colour {
    match arg {
        ColourArg::Always => Colour::Always,
        ColourArg::Never => Colour::Never,
        ColourArg::Auto => {
            let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
            if !no_color && std::io::stdout().is_terminal() {
                Colour::Always
            } else {
                Colour::Never
            }
        }
    }
}

pub fn run(args: Args, out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<Status> {
    let location = args.repo.locate()?;
    let mut snapshots = Snapshots::load(location)?;
    if snapshots.diagnostics.has_errors() {
        diagnostics::write(err, &snapshots.diagnostics, Format::Human)?;
        return Ok(Status::Invalid);
    }
    let from_name = match args.from {
        Some(f) => f,
        None => match snapshots.latest_version() {
            Some(v) => v,
            None => bail!(
                "there is no release yet to compare with: name two snapshots, e.g. `abusedefs diff HEAD~1 worktree`"
            ),
        },
    };
    let to_name = args.to.unwrap_or_else(|| "worktree".to_string());
    let (old, from) = snapshots.resolve(&from_name)?;
    let (new, to) = snapshots.resolve(&to_name)?;
    let result = diff::diff(&old, &new, from, to);
    match args.format {
        DiffFormat::Text => diff::write_text(out, &result, colour(args.color))?,
        DiffFormat::Markdown => diff::write_markdown(out, &result)?,
        DiffFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &result)?;
            writeln!(out)?;
        }
        DiffFormat::Html => {
            let renderer = crate::render::Renderer::new(None)?;
            out.write_all(crate::site::standalone_diff(&result, &renderer)?.as_bytes())?;
        }
    }
    Ok(Status::Success)
}
