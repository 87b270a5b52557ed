//! Resolving what the user names — a release version, a git revision or `worktree` — to
//! a loaded snapshot, over one history walk shared by the commands that need it.

use anyhow::{Result, bail};

use crate::diagnostics::Diagnostics;
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
    loader: Loader,
}

impl Snapshots {
    /// Loads the working tree and, inside a git repository, the history of `rev`.
    pub fn load(location: RepoLocation) -> Result<Snapshots> {
        let mut loader = Loader::new();
        let mut diagnostics = Diagnostics::new();
        let worktree_source = WorkTree::new(location.registry_dir());
        let worktree = loader.load(&worktree_source, &location.registry)?;
        let history = if history::is_repository(&location.root) {
            let walked = history::walk(
                &history::Options {
                    repo: &location.root,
                    registry: &location.registry,
                    rev: &location.rev,
                },
                &mut loader,
            )?;
            diagnostics.extend(walked.diagnostics);
            walked.history
        } else {
            None
        };
        diagnostics.extend(worktree.diagnostics);
        let mut snapshots = Snapshots {
            location,
            history,
            worktree: worktree.registry,
            diagnostics,
            loader,
        };
        snapshots.check_worktree_against_history();
        snapshots.diagnostics.sort();
        Ok(snapshots)
    }

    /// The history rules that involve the working tree (a reused version, a date that
    /// goes back, `replaces`), applied through the same code as for releases.
    fn check_worktree_against_history(&mut self) {
        let (Some(history), Some(worktree)) = (&mut self.history, &self.worktree) else {
            return;
        };
        self.diagnostics.extend(history::attach_draft(
            history,
            worktree,
            &self.location.registry,
        ));
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
