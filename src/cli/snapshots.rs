//! Resolving what the user names — a release version, a git revision or `worktree` — to
//! a loaded snapshot, over one history walk shared by the commands that need it.

use anyhow::{Result, bail};

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::diff::{Side, side};
use crate::history::{self, History};
use crate::load::{Loader, WorkTree};
use crate::model::Registry;

use super::RepoLocation;

/// The history of a repository (when it is one) and the working tree, loaded once.
pub struct Snapshots {
    pub location: RepoLocation,
    pub history: Option<History>,
    pub worktree: Option<Registry>,
    pub diagnostics: Diagnostics,
    /// The history's own diagnostics, kept apart so that the working tree can be reloaded.
    history_diagnostics: Diagnostics,
    loader: Loader,
}

impl Snapshots {
    /// Loads the working tree and, inside a git repository, the history of `rev`.
    pub fn load(location: RepoLocation) -> Result<Snapshots> {
        crate::timings::mark("start");
        let mut loader = Loader::new();
        let (history, history_diagnostics) = if history::is_repository(&location.root) {
            let walked = history::walk(
                &history::Options {
                    repo: &location.root,
                    registry: &location.registry,
                    rev: &location.rev,
                    cache: &location.cache(),
                },
                &mut loader,
            )?;
            (walked.history, walked.diagnostics)
        } else {
            (None, Diagnostics::new())
        };
        crate::timings::mark("history walk");
        let mut snapshots = Snapshots {
            location,
            history,
            worktree: None,
            diagnostics: Diagnostics::new(),
            history_diagnostics,
            loader,
        };
        if snapshots.location.cache_committed() {
            snapshots.history_diagnostics.push(
                Diagnostic::warning(
                    crate::cache::FOLDER,
                    "the build cache folder is committed to the repository: it is ignored, and every build computes everything",
                )
                .with_help(format!(
                    "remove it from git (`git rm -r --cached {}`); the tool keeps it out of git by itself",
                    crate::cache::FOLDER
                )),
            );
        }
        snapshots.reload_worktree()?;
        crate::timings::mark("working tree");
        Ok(snapshots)
    }

    /// (Re)loads the working tree — after `release` edited registry.yaml, for instance —
    /// and applies the history rules that involve it (a reused version, a date that goes
    /// back, `replaces`) without walking the history again.
    pub fn reload_worktree(&mut self) -> Result<()> {
        let source = if self.history.is_some() {
            WorkTree::with_content_ids(self.location.registry_dir(), history::blob_id)
        } else {
            WorkTree::new(self.location.registry_dir())
        };
        let loaded = self.loader.load(&source, &self.location.registry)?;
        let mut diagnostics = self.history_diagnostics.clone();
        diagnostics.extend(loaded.diagnostics);
        self.worktree = loaded.registry;
        if let Some(history) = &mut self.history {
            history.draft = None;
            if let Some(worktree) = &self.worktree {
                diagnostics.extend(history::attach_draft(
                    history,
                    worktree,
                    &self.location.registry,
                ));
            }
        }
        diagnostics.sort();
        self.diagnostics = diagnostics;
        Ok(())
    }

    /// The snapshot named `name`: `worktree`, a release version, or a git revision.
    pub fn resolve(&mut self, name: &str) -> Result<(Registry, Side)> {
        if name == "worktree" {
            let Some(registry) = &self.worktree else {
                bail!("the working tree's registry is invalid: run `abusedefs check`");
            };
            return Ok((registry.clone(), side("worktree", registry, None)));
        }
        if let Some(release) = self.history.as_ref().and_then(|h| h.release(name)) {
            return Ok((
                release.registry.clone(),
                side(name, &release.registry, Some(release.commit.id.clone())),
            ));
        }
        if self.history.is_none() {
            bail!(
                "`{name}` is not `worktree`, and {} is not a git repository",
                self.location.root.display()
            );
        }
        let (loaded, commit) = history::load_at(
            &self.location.root,
            &self.location.registry,
            name,
            &mut self.loader,
        )?;
        match loaded.registry {
            Some(registry) => Ok((registry.clone(), side(name, &registry, Some(commit.id)))),
            None => bail!(
                "the registry at `{name}` (commit {}) is invalid: {} error(s)",
                commit.short,
                loaded.diagnostics.error_count()
            ),
        }
    }

    /// The latest release's version, if any.
    pub fn latest_version(&self) -> Option<String> {
        self.history
            .as_ref()
            .and_then(|h| h.latest())
            .map(|r| r.version.clone())
    }
}
