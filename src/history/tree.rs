//! A git tree as a loader [`Source`]: the registry folder of one commit, listed with blob
//! ids so that the loader parses each distinct file once across all releases.

use std::collections::BTreeMap;

use anyhow::{Context, Result};

use crate::load::{FileKind, Source, SourceFile};

/// The registry folder of one commit.
pub struct GitTree<'r> {
    repo: &'r git2::Repository,
    files: Vec<SourceFile>,
    blobs: BTreeMap<String, git2::Oid>,
}

impl<'r> GitTree<'r> {
    /// Lists the tree `oid` (the registry folder) of `repo`.
    pub fn new(repo: &'r git2::Repository, oid: git2::Oid) -> Result<Self> {
        let tree = repo
            .find_tree(oid)
            .with_context(|| format!("reading tree {oid}"))?;
        let mut files = Vec::new();
        let mut blobs = BTreeMap::new();
        let mut failure = None;
        let odb = repo.odb().context("opening the object database")?;
        tree.walk(git2::TreeWalkMode::PreOrder, |dir, entry| {
            // A name that is not UTF-8 is kept (lossily) so that the loader reports it.
            let path = format!("{dir}{}", String::from_utf8_lossy(entry.name_bytes()));
            let kind = match entry.filemode() {
                0o040000 => FileKind::Dir,
                0o120000 => FileKind::Symlink,
                // The size from the object header: the content is read only if needed.
                0o100644 | 0o100755 => match odb.read_header(entry.id()) {
                    Ok((size, _)) => FileKind::File { size: size as u64 },
                    Err(e) => {
                        failure = Some(e);
                        return git2::TreeWalkResult::Abort;
                    }
                },
                _ => FileKind::Other,
            };
            if matches!(kind, FileKind::File { .. }) {
                blobs.insert(path.clone(), entry.id());
            }
            files.push(SourceFile {
                path,
                kind,
                content_id: Some(entry.id().to_string()),
            });
            git2::TreeWalkResult::Ok
        })
        .with_context(|| format!("walking tree {oid}"))?;
        if let Some(e) = failure {
            return Err(e).context("reading a blob");
        }
        files.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(GitTree { repo, files, blobs })
    }
}

impl Source for GitTree<'_> {
    fn exists(&self) -> bool {
        true
    }

    fn list(&self) -> Result<Vec<SourceFile>> {
        Ok(self.files.clone())
    }

    fn read(&self, path: &str, limit: u64) -> Result<Vec<u8>> {
        let oid = self
            .blobs
            .get(path)
            .with_context(|| format!("{path} is not a file in this tree"))?;
        let blob = self
            .repo
            .find_blob(*oid)
            .with_context(|| format!("reading {path}"))?;
        let content = blob.content();
        Ok(content[..content.len().min(limit as usize)].to_vec())
    }
}

/// The paths (relative to the registry folder) of files that differ between two versions
/// of the registry tree; either may be absent.
pub fn changed_paths(
    repo: &git2::Repository,
    old: Option<git2::Oid>,
    new: Option<git2::Oid>,
) -> Result<Vec<String>> {
    let old = old.map(|o| repo.find_tree(o)).transpose()?;
    let new = new.map(|o| repo.find_tree(o)).transpose()?;
    let diff = repo
        .diff_tree_to_tree(old.as_ref(), new.as_ref(), None)
        .context("comparing trees")?;
    let mut paths = Vec::with_capacity(diff.deltas().len());
    for delta in diff.deltas() {
        for file in [delta.old_file(), delta.new_file()] {
            if let Some(path) = file.path_bytes() {
                let path = String::from_utf8_lossy(path).into_owned();
                if !paths.contains(&path) {
                    paths.push(path);
                }
            }
        }
    }
    Ok(paths)
}
