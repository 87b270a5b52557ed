//! Writing a rendered site: only files whose bytes changed are written, each through a
//! temporary file renamed into place; files no longer produced are removed; nothing is
//! written until every page has been rendered. The output folder is never wiped, never
//! left half-written, and never written outside of.

use std::collections::BTreeSet;
use std::fs;
use std::io::Write;
use std::path::{Component, Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::site::Site;

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

/// Existing regular files below `root` (relative paths); symlinks are listed separately
/// so that they can be removed, never followed.
fn existing(root: &Path) -> Result<(BTreeSet<PathBuf>, Vec<PathBuf>)> {
    let mut files = BTreeSet::new();
    let mut links = Vec::new();
    for entry in walkdir::WalkDir::new(root).follow_links(false).min_depth(1) {
        let entry = entry.with_context(|| format!("reading {}", root.display()))?;
        let relative = entry
            .path()
            .strip_prefix(root)
            .unwrap_or(entry.path())
            .to_path_buf();
        if entry.file_type().is_symlink() {
            links.push(relative);
        } else if entry.file_type().is_file() {
            files.insert(relative);
        }
    }
    Ok((files, links))
}

/// Writes `site` into `out`.
pub fn write(out: &Path, site: &Site) -> Result<Written> {
    let mut plan = Vec::with_capacity(site.len());
    for (path, bytes) in site {
        plan.push((safe_relative(path)?, bytes));
    }
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
        }
        Err(_) => fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?,
    }
    let (old, links) = existing(out)?;
    for link in &links {
        fs::remove_file(out.join(link))
            .with_context(|| format!("removing the symbolic link {}", out.join(link).display()))?;
    }
    let mut result = Written::default();
    let mut produced = BTreeSet::new();
    produced.insert(PathBuf::from(MARKER));
    write_if_changed(
        out,
        Path::new(MARKER),
        b"This folder is a site built by abusedefs; builds update it in place.\n",
    )?;
    for (relative, bytes) in &plan {
        produced.insert(relative.clone());
        if write_if_changed(out, relative, bytes)? {
            result.written += 1;
        } else {
            result.unchanged += 1;
        }
    }
    for stale in old.difference(&produced) {
        fs::remove_file(out.join(stale))
            .with_context(|| format!("removing {}", out.join(stale).display()))?;
        result.removed += 1;
    }
    remove_empty_dirs(out)?;
    Ok(result)
}

/// Writes `bytes` to `out/relative` through a temporary file and a rename, unless the file
/// already holds them. Returns whether it wrote.
fn write_if_changed(out: &Path, relative: &Path, bytes: &[u8]) -> Result<bool> {
    let target = out.join(relative);
    if let Ok(meta) = fs::symlink_metadata(&target)
        && meta.is_file()
        && meta.len() == bytes.len() as u64
        && fs::read(&target).is_ok_and(|old| old == bytes)
    {
        return Ok(false);
    }
    let parent = target.parent().unwrap_or(out);
    ensure_real_dirs(out, parent)?;
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = parent.join(format!(".{name}.{}.tmp", std::process::id()));
    let mut file =
        fs::File::create(&temp).with_context(|| format!("writing {}", temp.display()))?;
    file.write_all(bytes)
        .with_context(|| format!("writing {}", temp.display()))?;
    drop(file);
    fs::rename(&temp, &target).with_context(|| format!("renaming into {}", target.display()))?;
    Ok(true)
}

/// Creates the folders from `out` down to `dir`, replacing any file or symlink in the way,
/// so that nothing is ever written through a link to outside the output folder.
fn ensure_real_dirs(out: &Path, dir: &Path) -> Result<()> {
    let relative = dir.strip_prefix(out).unwrap_or(Path::new(""));
    let mut current = out.to_path_buf();
    for part in relative.components() {
        current.push(part);
        match fs::symlink_metadata(&current) {
            Ok(meta) if meta.is_dir() => continue,
            Ok(_) => fs::remove_file(&current)
                .with_context(|| format!("removing {}", current.display()))?,
            Err(_) => {}
        }
        fs::create_dir(&current).with_context(|| format!("creating {}", current.display()))?;
    }
    Ok(())
}

fn remove_empty_dirs(root: &Path) -> Result<()> {
    let mut dirs: Vec<PathBuf> = walkdir::WalkDir::new(root)
        .follow_links(false)
        .min_depth(1)
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_dir())
        .map(|e| e.into_path())
        .collect();
    dirs.sort_by_key(|d| std::cmp::Reverse(d.components().count()));
    for dir in dirs {
        if fs::read_dir(&dir)
            .map(|mut d| d.next().is_none())
            .unwrap_or(false)
        {
            fs::remove_dir(&dir).with_context(|| format!("removing {}", dir.display()))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
