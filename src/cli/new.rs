//! `abusedefs new term|obligation|procedure ID`: writes an entry skeleton, with every field
//! explained in comments, into the right folder. It refuses invalid and existing ids.

use std::fs;
use std::io::Write;

use anyhow::Context;

use crate::model::{EntryId, EntryType};

use super::{RepoArgs, Status};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// term, obligation or procedure
    #[arg(value_parser = ["term", "obligation", "procedure"])]
    entry_type: String,
    /// The new id: lowercase words joined by hyphens (it becomes the stable URL)
    id: String,
    #[command(flatten)]
    repo: RepoArgs,
}

/// The skeleton of each entry type; `__ID__` and `__NAME__` are filled in.
fn skeleton(entry_type: EntryType) -> &'static str {
    match entry_type {
        EntryType::Term => include_str!("../../templates/new/term.md"),
        EntryType::Obligation => include_str!("../../templates/new/obligation.md"),
        EntryType::Procedure => include_str!("../../templates/new/procedure.md"),
    }
}

/// "security-threat" → "Security threat".
fn display_name(id: &EntryId) -> String {
    let spaced = id.as_str().replace('-', " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => spaced,
    }
}

pub fn run(args: Args, out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<Status> {
    let Some(entry_type) = EntryType::from_name(&args.entry_type) else {
        return Ok(Status::Usage);
    };
    let id = match EntryId::parse(&args.id) {
        Ok(id) => id,
        Err(e) => {
            writeln!(err, "error: {e}")?;
            if let Some(s) = EntryId::suggest(&args.id) {
                writeln!(err, "  help: try `abusedefs new {} {s}`", entry_type.name())?;
            }
            return Ok(Status::Invalid);
        }
    };
    let location = args.repo.locate()?;
    let registry_dir = location.registry_dir();
    for other in EntryType::ALL {
        let existing = registry_dir.join(other.folder()).join(format!("{id}.md"));
        if fs::symlink_metadata(&existing).is_ok() {
            writeln!(
                err,
                "error: the id `{id}` is already used by {}/{}/{id}.md",
                location.registry,
                other.folder()
            )?;
            writeln!(
                err,
                "  help: ids are never reused for a different meaning; choose another id, or edit the existing entry"
            )?;
            return Ok(Status::Invalid);
        }
    }
    let folder = registry_dir.join(entry_type.folder());
    fs::create_dir_all(&folder).with_context(|| format!("creating {}", folder.display()))?;
    let path = folder.join(format!("{id}.md"));
    let text = skeleton(entry_type)
        .replace("__ID__", id.as_str())
        .replace("__NAME__", &display_name(&id));
    // create_new: never overwrite, even if the file appeared since the check above.
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .with_context(|| format!("creating {}", path.display()))?;
    file.write_all(text.as_bytes())
        .with_context(|| format!("writing {}", path.display()))?;
    writeln!(
        out,
        "created {}/{}/{id}.md\nedit it, then run `abusedefs check`",
        location.registry,
        entry_type.folder()
    )?;
    Ok(Status::Success)
}
