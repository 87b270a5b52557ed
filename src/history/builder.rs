//! Writing commits, for `abusedefs demo`: a repository built from in-memory folder states
//! with fixed dates. The only code that writes to a repository; everything else in
//! `history` only reads.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use chrono::NaiveDateTime;

/// A folder state: path (with `/`) → bytes.
pub type Files = BTreeMap<String, Vec<u8>>;

/// A commit id, opaque outside this module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommitId(git2::Oid);

#[cfg(test)]
impl CommitId {
    /// The git object id, for the history module's tests.
    pub(crate) fn oid(self) -> git2::Oid {
        self.0
    }
}

pub struct RepoBuilder {
    repo: git2::Repository,
    dir: PathBuf,
}

impl RepoBuilder {
    /// Creates a new repository in `dir`, which must be empty or missing.
    pub fn init(dir: &Path) -> Result<Self> {
        let mut options = git2::RepositoryInitOptions::new();
        options.initial_head("main");
        let repo = git2::Repository::init_opts(dir, &options)
            .with_context(|| format!("creating a repository in {}", dir.display()))?;
        Ok(RepoBuilder {
            repo,
            dir: dir.to_path_buf(),
        })
    }

    /// Commits `files` as the whole tree, with `parents`, at `when` (UTC), without moving
    /// any branch.
    pub fn commit(
        &self,
        files: &Files,
        parents: &[CommitId],
        subject: &str,
        when: NaiveDateTime,
    ) -> Result<CommitId> {
        let tree_id = self.write_tree(files, "")?;
        self.commit_tree(tree_id, parents, subject, when)
    }

    /// Makes a commit of `tree_id` with fixed identity and date; moves no branch.
    fn commit_tree(
        &self,
        tree_id: git2::Oid,
        parents: &[CommitId],
        subject: &str,
        when: NaiveDateTime,
    ) -> Result<CommitId> {
        let tree = self.repo.find_tree(tree_id)?;
        let time = git2::Time::new(when.and_utc().timestamp(), 0);
        let author = git2::Signature::new(
            "Definitions Working Group",
            "wg@abusedefs.example.org",
            &time,
        )?;
        let parents: Vec<git2::Commit> = parents
            .iter()
            .map(|p| self.repo.find_commit(p.0))
            .collect::<Result<_, _>>()?;
        let parent_refs: Vec<&git2::Commit> = parents.iter().collect();
        let oid = self
            .repo
            .commit(None, &author, &author, subject, &tree, &parent_refs)?;
        Ok(CommitId(oid))
    }

    fn write_tree(&self, files: &Files, prefix: &str) -> Result<git2::Oid> {
        let mut builder = self.repo.treebuilder(None)?;
        let mut subdirs: BTreeMap<&str, ()> = BTreeMap::new();
        for (path, bytes) in files.range(prefix.to_string()..) {
            let Some(rest) = path.strip_prefix(prefix) else {
                break;
            };
            match rest.split_once('/') {
                Some((dir, _)) => {
                    subdirs.insert(dir, ());
                }
                None => {
                    let blob = self.repo.blob(bytes)?;
                    builder.insert(rest, blob, 0o100644)?;
                }
            }
        }
        for dir in subdirs.keys() {
            let oid = self.write_tree(files, &format!("{prefix}{dir}/"))?;
            builder.insert(*dir, oid, 0o040000)?;
        }
        Ok(builder.write()?)
    }

    /// Points `branch` at `commit`.
    pub fn set_branch(&self, branch: &str, commit: CommitId) -> Result<()> {
        let commit = self.repo.find_commit(commit.0)?;
        self.repo.branch(branch, &commit, true)?;
        Ok(())
    }

    /// Writes `files` into the working tree and the index, as a checkout of HEAD would.
    pub fn check_out(&self, files: &Files, head: CommitId) -> Result<()> {
        for (path, bytes) in files {
            let full = self.dir.join(path);
            if let Some(parent) = full.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&full, bytes).with_context(|| format!("writing {}", full.display()))?;
        }
        let tree = self.repo.find_commit(head.0)?.tree()?;
        let mut index = self.repo.index()?;
        index.read_tree(&tree)?;
        index.write()?;
        Ok(())
    }
}

impl RepoBuilder {
    /// Commits `changes` (path → new bytes, or `None` to delete) on top of `parent`'s tree,
    /// rewriting only the trees on the changed paths: cheap for long synthetic histories.
    pub fn commit_changes(
        &self,
        parent: Option<CommitId>,
        changes: &BTreeMap<String, Option<Vec<u8>>>,
        subject: &str,
        when: NaiveDateTime,
    ) -> Result<CommitId> {
        let base = match parent {
            Some(p) => Some(self.repo.find_commit(p.0)?.tree()?.id()),
            None => None,
        };
        let tree_id = self.update_tree(base, changes, "")?;
        self.commit_tree(tree_id, parent.as_slice(), subject, when)
    }

    fn update_tree(
        &self,
        base: Option<git2::Oid>,
        changes: &BTreeMap<String, Option<Vec<u8>>>,
        prefix: &str,
    ) -> Result<git2::Oid> {
        let base_tree = match base {
            Some(oid) => Some(self.repo.find_tree(oid)?),
            None => None,
        };
        let mut builder = self.repo.treebuilder(base_tree.as_ref())?;
        let mut subdirs: BTreeMap<String, ()> = BTreeMap::new();
        for (path, bytes) in changes.range(prefix.to_string()..) {
            let Some(rest) = path.strip_prefix(prefix) else {
                break;
            };
            match rest.split_once('/') {
                Some((dir, _)) => {
                    subdirs.insert(dir.to_string(), ());
                }
                None => match bytes {
                    Some(bytes) => {
                        let blob = self.repo.blob(bytes)?;
                        builder.insert(rest, blob, 0o100644)?;
                    }
                    None => {
                        if builder.get(rest)?.is_some() {
                            builder.remove(rest)?;
                        }
                    }
                },
            }
        }
        for dir in subdirs.keys() {
            let existing = builder
                .get(dir.as_str())?
                .filter(|e| e.kind() == Some(git2::ObjectType::Tree))
                .map(|e| e.id());
            let oid = self.update_tree(existing, changes, &format!("{prefix}{dir}/"))?;
            builder.insert(dir.as_str(), oid, 0o040000)?;
        }
        Ok(builder.write()?)
    }
}
