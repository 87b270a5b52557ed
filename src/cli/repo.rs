//! `--repo` and `--registry`: where the repository and its registry folder are. The
//! repository root is found upward from `--repo`, as git does, so that commands work from
//! any folder inside it and diagnostics name paths from the root.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::cache::Cache;

/// The arguments every command that reads a registry takes.
#[derive(Debug, Clone, clap::Args)]
pub struct RepoArgs {
    /// The repository (or any folder inside it)
    #[arg(long, default_value = ".", value_name = "DIR")]
    pub repo: PathBuf,
    /// The registry folder, relative to the repository root
    #[arg(long, default_value = "definitions", value_name = "PATH")]
    pub registry: String,
    /// The branch or revision whose first-parent history defines the releases
    #[arg(long = "ref", default_value = "HEAD", value_name = "REV")]
    pub rev: String,
    /// Compute everything afresh, without reading or writing the build cache
    /// (`.abusedefs-cache/` at the repository root, safe to delete)
    #[arg(long)]
    pub no_cache: bool,
}

/// A resolved repository root and registry folder.
#[derive(Debug, Clone)]
pub struct RepoLocation {
    /// The working tree's root (the folder holding `.git`), or `--repo` itself when it is
    /// not inside a git repository.
    pub root: PathBuf,
    /// The registry folder relative to the root, `/`-separated, without trailing slash.
    pub registry: String,
    /// The revision whose first-parent history defines the releases.
    pub rev: String,
    /// Whether the build cache may be used.
    pub cache: bool,
}

impl RepoArgs {
    pub fn locate(&self) -> Result<RepoLocation> {
        let start = self.repo.canonicalize().with_context(|| {
            format!("cannot open the repository folder {}", self.repo.display())
        })?;
        let folder = self.registry.trim_matches('/').to_string();
        if folder.is_empty()
            || folder
                .split('/')
                .any(|part| part == ".." || part == "." || part.is_empty())
        {
            anyhow::bail!(
                "--registry must be a folder inside the repository, without `.` or `..`: {}",
                self.registry
            );
        }
        let root = discover_root(&start).unwrap_or_else(|| start.clone());
        // `--repo` may name a folder below the root that holds the registry (a registry kept
        // in a sub-folder of a larger repository); otherwise the registry is at the root.
        let base = if start.join(&folder).exists() || !root.join(&folder).exists() {
            start.as_path()
        } else {
            root.as_path()
        };
        let mut parts: Vec<String> = base
            .strip_prefix(&root)
            .unwrap_or(Path::new(""))
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        parts.push(folder);
        let registry = parts.join("/");
        Ok(RepoLocation {
            root,
            registry,
            rev: self.rev.clone(),
            cache: !self.no_cache,
        })
    }
}

impl RepoLocation {
    pub fn registry_dir(&self) -> PathBuf {
        self.root.join(&self.registry)
    }

    /// The build cache of this repository: off with `--no-cache`, outside git, and when
    /// the repository itself holds a cache folder (see [`RepoLocation::cache_committed`]).
    pub fn cache(&self) -> Cache {
        if self.cache && crate::history::is_repository(&self.root) && !self.cache_committed() {
            Cache::at(&self.root)
        } else {
            Cache::off()
        }
    }

    /// Whether `.abusedefs-cache/` is committed (or staged): the cache is trusted to say
    /// what the history holds, so one that came from a pull request is never read.
    pub fn cache_committed(&self) -> bool {
        self.cache && crate::history::tracks(&self.root, crate::cache::FOLDER)
    }
}

fn discover_root(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|dir| dir.join(".git").exists())
        .map(Path::to_path_buf)
}
