//! The demo: a real git repository holding a history of the bundled registry, built from
//! the steps in `demo/history.yaml` (data, not code) with fixed dates, so that every
//! feature that needs history — releases, changelogs, renames, retirements, a merged
//! branch, the draft — can be seen on a realistic example.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result, bail};
use chrono::{NaiveDate, NaiveTime};
use serde::Deserialize;

use crate::embedded;
use crate::history::builder::{CommitId, Files, RepoBuilder};
use crate::load::yaml::{Origin, parse, set_value};

/// The registry folder inside the demo repository.
pub const REGISTRY: &str = "definitions";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Steps {
    steps: Vec<Step>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Step {
    subject: String,
    date: String,
    #[serde(default)]
    branch: Option<String>,
    #[serde(default)]
    merge: Option<String>,
    #[serde(default)]
    add: Vec<String>,
    #[serde(default)]
    put: BTreeMap<String, String>,
    #[serde(default)]
    remove: Vec<String>,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    published: Option<String>,
}

/// One line of work: main or a side branch, with its tip and its files.
#[derive(Debug, Clone, Default)]
struct Line {
    tip: Option<CommitId>,
    files: Files,
}

fn file(
    folder: &'static [(&'static str, &'static [u8])],
    path: &str,
    what: &str,
) -> Result<Vec<u8>> {
    embedded::get(folder, path)
        .map(<[u8]>::to_vec)
        .with_context(|| format!("the demo names {what} `{path}`, which is not embedded"))
}

fn apply(step: &Step, files: &mut Files) -> Result<()> {
    for path in &step.add {
        files.insert(
            format!("{REGISTRY}/{path}"),
            file(embedded::DEFINITIONS, path, "the bundled file")?,
        );
    }
    for (path, source) in &step.put {
        files.insert(
            format!("{REGISTRY}/{path}"),
            file(embedded::DEMO, &format!("files/{source}"), "the demo file")?,
        );
    }
    for path in &step.remove {
        if files.remove(&format!("{REGISTRY}/{path}")).is_none() {
            bail!(
                "the demo step \"{}\" removes `{path}`, which does not exist",
                step.subject
            );
        }
    }
    let registry_yaml = format!("{REGISTRY}/registry.yaml");
    for (key, value) in [
        ("version", step.version.as_ref().map(|v| format!("\"{v}\""))),
        ("published", step.published.clone()),
    ] {
        if let Some(value) = value {
            let current = files.get(&registry_yaml).with_context(|| {
                format!(
                    "the demo step \"{}\" sets `{key}` before registry.yaml exists",
                    step.subject
                )
            })?;
            let updated = set_value(std::str::from_utf8(current)?, key, &value)?.into_bytes();
            files.insert(registry_yaml.clone(), updated);
        }
    }
    Ok(())
}

/// Builds the demo repository in `dir` (which must not exist or be empty) and checks out
/// main. Returns the number of commits made.
pub fn build_repository(dir: &Path) -> Result<usize> {
    if dir.exists()
        && dir
            .read_dir()
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        bail!(
            "{} exists and is not empty: give a new folder for the demo repository",
            dir.display()
        );
    }
    let bytes = file(embedded::DEMO, "history.yaml", "its history")?;
    let text = std::str::from_utf8(&bytes)?;
    let steps: Steps = parse(text, Origin { first_line: 1 }).map_err(|e| {
        anyhow::anyhow!(
            "demo/history.yaml:{}:{}: {}",
            e.pos.line,
            e.pos.column,
            e.message
        )
    })?;
    let builder = RepoBuilder::init(dir)?;
    let mut main = Line::default();
    let mut branches: BTreeMap<String, Line> = BTreeMap::new();
    for (i, step) in steps.steps.iter().enumerate() {
        let date = NaiveDate::parse_from_str(&step.date, "%Y-%m-%d")
            .with_context(|| format!("demo step \"{}\": bad date", step.subject))?;
        // Fixed times, one minute apart, so that commits on the same day keep their order.
        let when = date.and_time(NaiveTime::from_hms_opt(10, 0, 0).unwrap_or_default())
            + chrono::Duration::minutes(i as i64);
        match (&step.branch, &step.merge) {
            (Some(name), None) => {
                let line = branches.entry(name.clone()).or_insert_with(|| main.clone());
                apply(step, &mut line.files)?;
                let id = builder.commit(&line.files, line.tip.as_slice(), &step.subject, when)?;
                line.tip = Some(id);
                builder.set_branch(name, id)?;
            }
            (None, Some(name)) => {
                let branch = branches.get(name).with_context(|| {
                    format!(
                        "demo step \"{}\" merges unknown branch {name}",
                        step.subject
                    )
                })?;
                let mut files = branch.files.clone();
                apply(step, &mut files)?;
                let parents: Vec<CommitId> = main.tip.into_iter().chain(branch.tip).collect();
                let id = builder.commit(&files, &parents, &step.subject, when)?;
                main = Line {
                    tip: Some(id),
                    files,
                };
            }
            (None, None) => {
                apply(step, &mut main.files)?;
                let id = builder.commit(&main.files, main.tip.as_slice(), &step.subject, when)?;
                main.tip = Some(id);
            }
            (Some(_), Some(_)) => bail!(
                "demo step \"{}\" has both `branch` and `merge`",
                step.subject
            ),
        }
    }
    let head = main.tip.context("the demo history has no steps")?;
    builder.set_branch("main", head)?;
    builder.check_out(&main.files, head)?;
    Ok(steps.steps.len())
}
