//! A git tree as a loader [`Source`]: the registry folder of one commit, listed with blob
//! ids so that the loader parses each distinct file once across all releases.

use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

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
        tree.walk(git2::TreeWalkMode::PreOrder, |dir, entry| {
            // A name that is not UTF-8 is kept (lossily) so that the loader reports it.
            let path = format!("{dir}{}", String::from_utf8_lossy(entry.name_bytes()));
            let kind = match entry.filemode() {
                0o040000 => FileKind::Dir,
                0o120000 => FileKind::Symlink,
                // The size is asked for only when the loader reads the blob: most blobs
                // it already knows by id from an earlier release, and reading a packed
                // object's header may cost as much as reading the object.
                0o100644 | 0o100755 => FileKind::File { size: None },
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

    fn size(&self, path: &str) -> Result<Option<u64>> {
        let oid = self
            .blobs
            .get(path)
            .with_context(|| format!("{path} is not a file in this tree"))?;
        let (size, _) = self
            .repo
            .odb()
            .and_then(|odb| odb.read_header(*oid))
            .with_context(|| format!("reading {path}"))?;
        Ok(Some(size as u64))
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

/// A git tree object's raw bytes, with its entries sorted by name.
struct Listing {
    raw: Vec<u8>,
    /// (name start, name end, file mode) of each entry; the id's 20 bytes follow the
    /// name's terminating NUL.
    items: Vec<(usize, usize, u32)>,
}

impl Listing {
    /// Parses the raw tree format: `<octal mode> <name>\0<20-byte id>`, repeated.
    fn parse(raw: Vec<u8>) -> Option<Listing> {
        let mut items = Vec::new();
        let mut at = 0;
        while at < raw.len() {
            let space = at + raw[at..].iter().position(|&b| b == b' ')?;
            let mode = u32::from_str_radix(std::str::from_utf8(&raw[at..space]).ok()?, 8).ok()?;
            let nul = space + 1 + raw[space + 1..].iter().position(|&b| b == 0)?;
            if nul + 21 > raw.len() {
                return None;
            }
            items.push((space + 1, nul, mode));
            at = nul + 21;
        }
        items.sort_by(|a, b| raw[a.0..a.1].cmp(&raw[b.0..b.1]));
        Some(Listing { raw, items })
    }

    fn name(&self, i: usize) -> &[u8] {
        let (start, end, _) = self.items[i];
        &self.raw[start..end]
    }

    fn id(&self, i: usize) -> &[u8] {
        let end = self.items[i].1;
        &self.raw[end + 1..end + 21]
    }

    fn is_tree(&self, i: usize) -> bool {
        self.items[i].2 == TREE_MODE
    }
}

const TREE_MODE: u32 = 0o040000;

/// Compares successive versions of the registry tree along a line of commits. Each tree
/// is read once, straight from the object database: the listings of the newer side are
/// kept for the next comparison, whose older side they are, and subtrees with the same
/// id are skipped without being read.
pub struct TreeDiffer<'r> {
    odb: git2::Odb<'r>,
    /// Listings of the trees seen in the last comparison, and of the current one.
    previous: HashMap<git2::Oid, Rc<Listing>>,
    current: HashMap<git2::Oid, Rc<Listing>>,
}

impl<'r> TreeDiffer<'r> {
    pub fn new(repo: &'r git2::Repository) -> Result<Self> {
        Ok(TreeDiffer {
            odb: repo.odb().context("opening the object database")?,
            previous: HashMap::new(),
            current: HashMap::new(),
        })
    }

    /// The paths (relative to the registry folder) of files that differ between two
    /// versions of the registry tree; either may be absent.
    pub fn changed_paths(
        &mut self,
        old: Option<git2::Oid>,
        new: Option<git2::Oid>,
    ) -> Result<Vec<String>> {
        let mut paths = Vec::new();
        self.compare(old, new, "", &mut paths)?;
        self.previous = std::mem::take(&mut self.current);
        Ok(paths)
    }

    fn list(&mut self, oid: git2::Oid) -> Result<Rc<Listing>> {
        if let Some(listing) = self.current.get(&oid) {
            return Ok(listing.clone());
        }
        let listing = match self.previous.remove(&oid) {
            Some(listing) => listing,
            None => {
                let object = self
                    .odb
                    .read(oid)
                    .with_context(|| format!("reading tree {oid}"))?;
                if object.kind() != git2::ObjectType::Tree {
                    anyhow::bail!("object {oid} is not a tree");
                }
                Rc::new(
                    Listing::parse(object.data().to_vec())
                        .with_context(|| format!("tree {oid} is malformed"))?,
                )
            }
        };
        self.current.insert(oid, listing.clone());
        Ok(listing)
    }

    fn compare(
        &mut self,
        old: Option<git2::Oid>,
        new: Option<git2::Oid>,
        prefix: &str,
        out: &mut Vec<String>,
    ) -> Result<()> {
        if old == new {
            return Ok(());
        }
        let a = old.map(|o| self.list(o)).transpose()?;
        let b = new.map(|o| self.list(o)).transpose()?;
        let (na, nb) = (
            a.as_ref().map_or(0, |l| l.items.len()),
            b.as_ref().map_or(0, |l| l.items.len()),
        );
        let (mut i, mut j) = (0, 0);
        while i < na || j < nb {
            let order = match (&a, &b) {
                (Some(x), Some(y)) if i < na && j < nb => x.name(i).cmp(y.name(j)),
                _ if i < na => std::cmp::Ordering::Less,
                _ => std::cmp::Ordering::Greater,
            };
            let left = (order != std::cmp::Ordering::Greater)
                .then(|| a.as_ref().map(|l| (l, i)))
                .flatten();
            let right = (order != std::cmp::Ordering::Less)
                .then(|| b.as_ref().map(|l| (l, j)))
                .flatten();
            i += usize::from(left.is_some());
            j += usize::from(right.is_some());
            if let (Some((l, x)), Some((r, y))) = (left, right)
                && l.id(x) == r.id(y)
                && l.items[x].2 == r.items[y].2
            {
                continue;
            }
            let Some((named, k)) = left.or(right) else {
                continue;
            };
            let path = format!("{prefix}{}", String::from_utf8_lossy(named.name(k)));
            let tree = |side: Option<(&Rc<Listing>, usize)>| {
                side.filter(|(l, k)| l.is_tree(*k))
                    .and_then(|(l, k)| git2::Oid::from_bytes(l.id(k)).ok())
            };
            let (lt, rt) = (tree(left), tree(right));
            if lt.is_some() || rt.is_some() {
                self.compare(lt, rt, &format!("{path}/"), out)?;
            }
            let file =
                |side: Option<(&Rc<Listing>, usize)>| side.is_some_and(|(l, k)| !l.is_tree(k));
            if file(left) || file(right) {
                out.push(path);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::builder::RepoBuilder;

    fn when(date: &str) -> chrono::NaiveDateTime {
        chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d")
            .unwrap()
            .and_hms_opt(12, 0, 0)
            .unwrap()
    }

    /// The paths libgit2's own tree diff reports, for comparison.
    fn libgit2_paths(repo: &git2::Repository, old: git2::Oid, new: git2::Oid) -> Vec<String> {
        let (old, new) = (repo.find_tree(old).unwrap(), repo.find_tree(new).unwrap());
        let diff = repo
            .diff_tree_to_tree(Some(&old), Some(&new), None)
            .unwrap();
        let mut paths: Vec<String> = diff
            .deltas()
            .flat_map(|d| [d.old_file().path(), d.new_file().path()])
            .flatten()
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        paths.sort();
        paths.dedup();
        paths
    }

    #[test]
    fn reports_the_same_paths_as_libgit2() {
        let dir = tempfile::tempdir().unwrap();
        let b = RepoBuilder::init(dir.path()).unwrap();
        let files = |pairs: &[(&str, &str)]| -> crate::history::builder::Files {
            pairs
                .iter()
                .map(|(p, c)| (p.to_string(), c.as_bytes().to_vec()))
                .collect()
        };
        let one = b
            .commit(
                &files(&[
                    ("a.md", "a"),
                    ("terms/x.md", "x"),
                    ("terms/y.md", "y"),
                    ("deep/er/z.md", "z"),
                    ("becomes-folder", "f"),
                ]),
                &[],
                "one",
                when("2024-01-01"),
            )
            .unwrap();
        let two = b
            .commit(
                &files(&[
                    ("a.md", "a"),
                    ("terms/x.md", "x2"),
                    ("terms/w.md", "w"),
                    ("deep/er/z.md", "z"),
                    ("becomes-folder/inside.md", "i"),
                    ("new/n.md", "n"),
                ]),
                &[one],
                "two",
                when("2024-01-02"),
            )
            .unwrap();
        let repo = git2::Repository::open(dir.path()).unwrap();
        let tree = |c: &crate::history::builder::CommitId| {
            repo.find_commit(c.oid()).unwrap().tree().unwrap().id()
        };
        let (t1, t2) = (tree(&one), tree(&two));
        let mut differ = TreeDiffer::new(&repo).unwrap();
        let mut ours = differ.changed_paths(Some(t1), Some(t2)).unwrap();
        ours.sort();
        assert_eq!(ours, libgit2_paths(&repo, t1, t2));
        let mut back = differ.changed_paths(Some(t2), Some(t1)).unwrap();
        back.sort();
        assert_eq!(back, libgit2_paths(&repo, t2, t1));
        let mut from_nothing = differ.changed_paths(None, Some(t1)).unwrap();
        from_nothing.sort();
        assert_eq!(
            from_nothing,
            [
                "a.md",
                "becomes-folder",
                "deep/er/z.md",
                "terms/x.md",
                "terms/y.md"
            ]
        );
    }
}
