//! Writing a site into its output folder: pages arrive as they are rendered and only
//! files whose bytes changed are written, each to a hidden temporary file next to its
//! target; when the whole site has been produced, the temporary files are renamed into
//! place and the files no longer produced are removed. A build that fails before that
//! removes its temporary files, so the folder keeps the previous site. The output folder
//! is never wiped, never written outside of, and symbolic links in it are never followed.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fs;
use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::time::UNIX_EPOCH;

use anyhow::{Context, Result, bail};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Marks a folder as an abusedefs site, so that a later build may update it; a non-empty
/// folder without it is refused rather than overwritten.
pub const MARKER: &str = ".abusedefs-site";

/// What a write did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Written {
    pub written: usize,
    pub unchanged: usize,
    pub removed: usize,
}

/// A file's size and modification time: enough to tell that a file this tool wrote has
/// not been touched since (as git's index does), without reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    pub size: u64,
    pub modified_ns: u128,
}

impl Stamp {
    fn of(meta: &fs::Metadata) -> Option<Stamp> {
        let modified = meta.modified().ok()?.duration_since(UNIX_EPOCH).ok()?;
        Some(Stamp {
            size: meta.len(),
            modified_ns: modified.as_nanos(),
        })
    }

    /// The stamp of the regular file at `path` (never through a symlink).
    pub fn read(path: &Path) -> Option<Stamp> {
        let meta = fs::symlink_metadata(path).ok()?;
        if !meta.is_file() {
            return None;
        }
        Stamp::of(&meta)
    }
}

/// Checks that `path` is a plain relative path inside the output folder.
fn safe_relative(path: &str) -> Result<PathBuf> {
    let p = Path::new(path);
    if path.is_empty()
        || path.contains('\\')
        || !p.components().all(|c| matches!(c, Component::Normal(_)))
    {
        bail!("refusing to write `{path}`: not a plain path inside the output folder");
    }
    Ok(p.to_path_buf())
}

/// Regular files below a folder (relative paths) with their stamps; symlinks are listed
/// separately so that they can be removed, never followed.
#[derive(Default)]
struct Found {
    files: Vec<(PathBuf, Option<Stamp>)>,
    links: Vec<PathBuf>,
}

/// Lists `root/relative` into `found`. One thread: the build lists the folder while it
/// loads the registry on the others.
fn scan(root: &Path, relative: &Path, found: &mut Found) -> Result<()> {
    let dir = root.join(relative);
    let mut subdirs = Vec::new();
    for entry in fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))? {
        let entry = entry.with_context(|| format!("reading {}", dir.display()))?;
        let kind = entry
            .file_type()
            .with_context(|| format!("reading {}", entry.path().display()))?;
        let path = relative.join(entry.file_name());
        if kind.is_symlink() {
            found.links.push(path);
        } else if kind.is_dir() {
            subdirs.push(path);
        } else if kind.is_file() {
            // The entry's own metadata (the link itself were it one; it is not).
            let stamp = entry.metadata().ok().and_then(|m| Stamp::of(&m));
            found.files.push((path, stamp));
        }
    }
    for sub in subdirs {
        scan(root, &sub, found)?;
    }
    Ok(())
}

/// What an output folder holds before a build: read only, so that it can be listed on
/// another thread while the registry is loaded.
#[derive(Debug, Default)]
pub struct Listing {
    exists: bool,
    /// Each regular file, with its stamp when its metadata could be read.
    files: HashMap<PathBuf, Option<Stamp>>,
    links: Vec<PathBuf>,
}

impl Listing {
    /// The stamp of the regular file at `path` (relative to the folder), if there is one.
    pub fn stamp(&self, path: &str) -> Option<Stamp> {
        self.files.get(Path::new(path)).copied().flatten()
    }

    /// Lists `out`, refusing a symlink, a file, or a non-empty folder that this tool did
    /// not make. Changes nothing.
    pub fn of(out: &Path) -> Result<Listing> {
        match fs::symlink_metadata(out) {
            Ok(meta) if meta.file_type().is_symlink() => bail!(
                "the output folder {} is a symbolic link: give a real folder",
                out.display()
            ),
            Ok(meta) if !meta.is_dir() => bail!("{} exists and is not a folder", out.display()),
            Ok(_) => {
                let empty = fs::read_dir(out)?.next().is_none();
                if !empty && !out.join(MARKER).is_file() {
                    bail!(
                        "{} is not empty and was not made by abusedefs: refusing to overwrite it (choose another --out, or empty it)",
                        out.display()
                    );
                }
                let mut found = Found::default();
                scan(out, Path::new(""), &mut found)?;
                Ok(Listing {
                    exists: true,
                    files: found.files.into_iter().collect(),
                    links: found.links,
                })
            }
            Err(_) => Ok(Listing::default()),
        }
    }
}

/// One file's part of an update: its path and stamp, and its temporary file if written.
type Outcome = (String, Stamp, Option<PathBuf>, PathBuf);

/// An update of an output folder in progress. Dropped without [`Writer::commit`], it
/// removes what it wrote and the folders it created.
pub struct Writer {
    out: PathBuf,
    /// Regular files found in the folder when the update began.
    old: HashMap<PathBuf, Option<Stamp>>,
    produced: HashSet<PathBuf>,
    /// Temporary files written, with their targets.
    pending: Vec<(PathBuf, PathBuf)>,
    /// Folders known to be real folders inside `out` (checked or created).
    dirs: HashSet<PathBuf>,
    created_dirs: Vec<PathBuf>,
    written: Written,
    committed: bool,
}

impl Writer {
    /// Begins updating `out`: creates it if missing, refuses a symlink, a file, or a
    /// non-empty folder that this tool did not make.
    pub fn open(out: &Path) -> Result<Writer> {
        Writer::open_listed(out, Listing::of(out)?)
    }

    /// [`Writer::open`] with the folder already listed (see [`Listing::of`]), so that the
    /// listing can be made while the site is being prepared.
    pub fn open_listed(out: &Path, listing: Listing) -> Result<Writer> {
        if !listing.exists {
            fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
        }
        let Listing {
            files: old, links, ..
        } = listing;
        for link in &links {
            fs::remove_file(out.join(link)).with_context(|| {
                format!("removing the symbolic link {}", out.join(link).display())
            })?;
        }
        let mut writer = Writer {
            out: out.to_path_buf(),
            old,
            produced: HashSet::new(),
            pending: Vec::new(),
            dirs: HashSet::from([out.to_path_buf()]),
            created_dirs: Vec::new(),
            written: Written::default(),
            committed: false,
        };
        writer.put_all(vec![(
            MARKER.to_string(),
            b"This folder is a site built by abusedefs; builds update it in place.\n".to_vec(),
        )])?;
        // The marker is bookkeeping, not part of the site's count.
        writer.written = Written::default();
        Ok(writer)
    }

    /// Adds files to the site: each is compared with the file already there and, when it
    /// differs, written to a temporary file. Returns the stamp each file will have.
    pub fn put_all(&mut self, files: Vec<(String, Vec<u8>)>) -> Result<Vec<(String, Stamp)>> {
        let mut plan = Vec::with_capacity(files.len());
        for (path, bytes) in files {
            let relative = safe_relative(&path)?;
            let target = self.out.join(&relative);
            let parent = target.parent().unwrap_or(&self.out).to_path_buf();
            if !self.dirs.contains(&parent) {
                self.real_dirs(&parent)?;
            }
            let existed = self.old.contains_key(&relative);
            self.produced.insert(relative);
            plan.push((path, target, existed, bytes));
        }
        let outcomes: Vec<Result<Outcome>> = plan
            .into_par_iter()
            .map(|(path, target, existed, bytes)| {
                let (stamp, temp) = write_if_changed(&target, existed, &bytes)?;
                Ok((path, stamp, temp, target))
            })
            .collect();
        let mut stamps = Vec::with_capacity(outcomes.len());
        let mut failure = None;
        for outcome in outcomes {
            // Every temporary file is recorded, even after a failure, so that it is removed.
            let (path, stamp, temp, target) = match outcome {
                Ok(done) => done,
                Err(e) => {
                    failure.get_or_insert(e);
                    continue;
                }
            };
            match temp {
                Some(temp) => {
                    self.written.written += 1;
                    self.pending.push((temp, target));
                }
                None => self.written.unchanged += 1,
            }
            stamps.push((path, stamp));
        }
        match failure {
            Some(e) => Err(e),
            None => Ok(stamps),
        }
    }

    /// Keeps a file that is already in the folder, unchanged (reused from the build
    /// cache, which checked its stamp).
    pub fn keep(&mut self, path: &str) -> Result<()> {
        let relative = safe_relative(path)?;
        if !self.old.contains_key(&relative) {
            bail!(
                "{path} was expected in {} but is missing",
                self.out.display()
            );
        }
        self.produced.insert(relative);
        self.written.unchanged += 1;
        Ok(())
    }

    /// Creates the folders from `out` down to `dir`, replacing any file or symlink in the
    /// way, so that nothing is ever written through a link to outside the output folder.
    fn real_dirs(&mut self, dir: &Path) -> Result<()> {
        let relative = dir
            .strip_prefix(&self.out)
            .unwrap_or(Path::new(""))
            .to_path_buf();
        let mut current = self.out.clone();
        for part in relative.components() {
            current.push(part);
            if self.dirs.contains(&current) {
                continue;
            }
            match fs::symlink_metadata(&current) {
                Ok(meta) if meta.is_dir() => {}
                found => {
                    if found.is_ok() {
                        fs::remove_file(&current)
                            .with_context(|| format!("removing {}", current.display()))?;
                    }
                    fs::create_dir(&current)
                        .with_context(|| format!("creating {}", current.display()))?;
                    self.created_dirs.push(current.clone());
                }
            }
            self.dirs.insert(current.clone());
        }
        Ok(())
    }

    /// Renames every temporary file into place and removes the files no longer produced.
    pub fn commit(mut self) -> Result<Written> {
        for (temp, target) in std::mem::take(&mut self.pending) {
            fs::rename(&temp, &target)
                .with_context(|| format!("renaming into {}", target.display()))?;
        }
        let mut stale: Vec<&PathBuf> = self
            .old
            .keys()
            .filter(|p| !self.produced.contains(*p))
            .collect();
        stale.sort();
        let mut parents = BTreeSet::new();
        for file in stale {
            let path = self.out.join(file);
            fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))?;
            self.written.removed += 1;
            parents.extend(path.parent().map(Path::to_path_buf));
        }
        // Folders left empty by the removals, deepest first.
        let mut parents: Vec<PathBuf> = parents.into_iter().collect();
        parents.sort_by_key(|d| std::cmp::Reverse(d.components().count()));
        for dir in parents {
            let mut dir = dir.as_path();
            while dir != self.out && dir.starts_with(&self.out) {
                if fs::remove_dir(dir).is_err() {
                    break; // not empty
                }
                dir = dir.parent().unwrap_or(&self.out);
            }
        }
        self.committed = true;
        Ok(self.written.clone())
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        if self.committed {
            return;
        }
        for (temp, _) in &self.pending {
            let _ = fs::remove_file(temp);
        }
        for dir in self.created_dirs.iter().rev() {
            let _ = fs::remove_dir(dir);
        }
    }
}

/// Compares `bytes` with the file at `target` and, when they differ, writes them to a
/// temporary file beside it. Returns the stamp the target will have, and the temporary
/// file if one was written.
fn write_if_changed(
    target: &Path,
    existed: bool,
    bytes: &[u8],
) -> Result<(Stamp, Option<PathBuf>)> {
    if existed
        && let Ok(meta) = fs::symlink_metadata(target)
        && meta.is_file()
        && meta.len() == bytes.len() as u64
        && fs::read(target).is_ok_and(|old| old == bytes)
        && let Some(stamp) = Stamp::of(&meta)
    {
        return Ok((stamp, None));
    }
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = target.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let mut file =
        fs::File::create(&temp).with_context(|| format!("writing {}", temp.display()))?;
    file.write_all(bytes)
        .with_context(|| format!("writing {}", temp.display()))?;
    let stamp = file
        .metadata()
        .ok()
        .and_then(|m| Stamp::of(&m))
        .with_context(|| format!("reading the time of {}", temp.display()))?;
    Ok((stamp, Some(temp)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::site::Site;

    /// Writes `site` into `out` in one update.
    fn write(out: &Path, site: &Site) -> Result<Written> {
        let mut writer = Writer::open(out)?;
        writer.put_all(site.clone().into_iter().collect())?;
        writer.commit()
    }

    fn site(pairs: &[(&str, &str)]) -> Site {
        pairs
            .iter()
            .map(|(p, b)| (p.to_string(), b.as_bytes().to_vec()))
            .collect()
    }

    #[test]
    fn writes_only_changes_and_removes_stale_files() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("site");
        let first = write(&out, &site(&[("index.html", "a"), ("x/index.html", "b")])).unwrap();
        assert_eq!(first.written, 2);
        let second = write(&out, &site(&[("index.html", "a"), ("y/index.html", "c")])).unwrap();
        assert_eq!(
            (second.written, second.unchanged, second.removed),
            (1, 1, 1)
        );
        assert!(!out.join("x").exists(), "the empty folder is removed");
    }

    #[test]
    fn refuses_paths_outside_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        for bad in ["../x", "/etc/x", "a/../../x", "", "a\\..\\x"] {
            assert!(
                write(&dir.path().join("s"), &site(&[(bad, "x")])).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn refuses_a_folder_it_did_not_make() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("precious.txt"), "keep").unwrap();
        assert!(write(dir.path(), &site(&[("index.html", "a")])).is_err());
        assert_eq!(
            fs::read_to_string(dir.path().join("precious.txt")).unwrap(),
            "keep"
        );
    }

    #[cfg(unix)]
    #[test]
    fn never_writes_through_a_symlink() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let out = dir.path().join("site");
        write(&out, &site(&[("index.html", "a")])).unwrap();
        std::os::unix::fs::symlink(outside.path(), out.join("definitions")).unwrap();
        write(
            &out,
            &site(&[("index.html", "a"), ("definitions/x/index.html", "b")]),
        )
        .unwrap();
        assert!(
            fs::read_dir(outside.path()).unwrap().next().is_none(),
            "nothing written outside"
        );
        assert_eq!(
            fs::read_to_string(out.join("definitions/x/index.html")).unwrap(),
            "b"
        );
    }
}
