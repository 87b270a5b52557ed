//! `abusedefs check`: load the registry and print every diagnostic in the chosen format.

use std::io::Write;

use super::snapshots::Snapshots;
use crate::diagnostics::{self, Format};

use super::{RepoArgs, Status};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    repo: RepoArgs,
    /// Output format: `human` (path:line:col), `github` (workflow annotations) or `json`
    #[arg(long, value_enum, default_value_t = FormatArg::Human)]
    format: FormatArg,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum FormatArg {
    Human,
    Github,
    Json,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Format {
        match f {
            FormatArg::Human => Format::Human,
            FormatArg::Github => Format::Github,
            FormatArg::Json => Format::Json,
        }
    }
}

pub fn run(args: Args, out: &mut dyn Write, _err: &mut dyn Write) -> anyhow::Result<Status> {
    let location = args.repo.locate()?;
    let registry_name = location.registry.clone();
    let loaded = Snapshots::load(location)?;
    let format = Format::from(args.format);
    diagnostics::write(out, &loaded.diagnostics, format)?;
    if format == Format::Human
        && loaded.diagnostics.is_empty()
        && let Some(registry) = &loaded.worktree
    {
        {
            writeln!(
                out,
                "{}: {} terms, {} obligations, {} procedures; {}no problems found",
                registry_name,
                registry.terms.len(),
                registry.obligations.len(),
                registry.procedures.len(),
                match loaded.history.as_ref().map(|h| h.releases.len()) {
                    Some(n) => format!(
                        "{n} release{} in the history; ",
                        if n == 1 { "" } else { "s" }
                    ),
                    None => String::new(),
                }
            )?;
        }
    }
    Ok(if loaded.diagnostics.has_errors() {
        Status::Invalid
    } else {
        Status::Success
    })
}
