//! The command line: clap definitions, one module per subcommand, and the conversion of
//! arguments into typed options. Only this module knows clap; every command writes to the
//! writers it is given and returns an exit status instead of exiting.

mod build;
mod check;
mod cite;
mod demo;
mod diff;
mod lint_docs;
mod new;
mod release;
mod repo;
mod serve;
mod snapshots;

use std::io::Write;

use clap::{Parser, Subcommand};

pub use repo::{RepoArgs, RepoLocation};

/// Exit status: 0 success, 1 invalid registry or input, 2 usage error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Success,
    Invalid,
    Usage,
}

impl Status {
    pub fn code(self) -> u8 {
        match self {
            Status::Success => 0,
            Status::Invalid => 1,
            Status::Usage => 2,
        }
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "abusedefs",
    version,
    about = "Publish a versioned registry of DNS-abuse definitions from a git repository"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build the static site: current definitions, archives, changelogs, exports
    Build(build::Args),
    /// Preview the site: serve it from memory, rebuild and reload on every change
    Serve(serve::Args),
    /// Check the registry and report every problem with file, line and column
    Check(check::Args),
    /// Write a new entry skeleton with every field explained
    New(new::Args),
    /// Print the citation of an entry: registry, entry, version, date and stable URL
    Cite(cite::Args),
    /// Show the semantic redline between two snapshots (default: latest release → working tree)
    Diff(diff::Args),
    /// Check documents for consistent use of the defined terms (links, retired entries, remit)
    LintDocs(lint_docs::Args),
    /// Prepare a release: check, then set `version` and `published` in registry.yaml
    Release(release::Args),
    /// Build an example repository with a real history and show its releases and changes
    Demo(demo::Args),
}

/// Runs a parsed command line. Errors that are not about user content (I/O, git) come
/// back as `Err` with their context attached.
pub fn run(cli: Cli, out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<Status> {
    match cli.command {
        Command::Build(args) => build::run(args, out, err),
        Command::Check(args) => check::run(args, out, err),
        Command::Serve(args) => serve::run(args, out, err),
        Command::New(args) => new::run(args, out, err),
        Command::Diff(args) => diff::run(args, out, err),
        Command::Cite(args) => cite::run(args, out, err),
        Command::Release(args) => release::run(args, out, err),
        Command::LintDocs(args) => lint_docs::run(args, out, err),
        Command::Demo(args) => demo::run(args, out, err),
    }
}
