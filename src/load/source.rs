//! Where a snapshot's files come from. The loader sees only this small trait; the working
//! tree implements it here and a git tree implements it in `history`, so that validation
//! never knows which one it got.

use std::fs;
use std::io::Read;
use std::path::PathBuf;

use anyhow::{Context, Result};
use walkdir::WalkDir;

/// Largest file the loader reads, in bytes. Larger files are reported, never read.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// What kind of object a listed path is. Symlinks are listed so that they can be refused;
/// they are never followed or read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    File {
        /// The size when the source knows it without reading the content (a git tree
        /// does not: the loader then checks the size of what it reads).
        size: Option<u64>,
    },
    Dir,
    Symlink,
    /// A socket, device, submodule or anything else that is not plain content.
    Other,
}

/// One object below the registry folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// Path relative to the registry folder, `/`-separated.
    pub path: String,
    pub kind: FileKind,
    /// A content hash when the source knows one (a git blob id): equal ids mean equal
    /// bytes, which lets the loader parse a file once however many snapshots share it.
    pub content_id: Option<String>,
}

/// A read-only view of one snapshot of a registry folder.
pub trait Source {
    /// Every object below the registry folder, in sorted path order. An error means the
    /// snapshot itself cannot be read (not that a file in it is bad).
    fn list(&self) -> Result<Vec<SourceFile>>;
    /// The bytes of a regular file listed by [`Source::list`], at most `limit` bytes.
    fn read(&self, path: &str, limit: u64) -> Result<Vec<u8>>;
    /// The size of a file listed without one, found without reading its content.
    fn size(&self, _path: &str) -> Result<Option<u64>> {
        Ok(None)
    }
    /// Whether the registry folder exists at all in this snapshot.
    fn exists(&self) -> bool;
}

/// Names a file by its bytes (`None` when it cannot).
pub type ContentId = fn(&[u8]) -> Option<String>;

/// The registry folder of a working tree on disk.
#[derive(Debug, Default)]
pub struct WorkTree {
    root: PathBuf,
    /// Names files by content (in a repository, git's blob id), so that the loader
    /// parses only the files that differ from a release it has already loaded.
    content_id: Option<ContentId>,
    /// The bytes read for the content ids: a file is parsed from the bytes it was named
    /// by, even if an editor saves it again meanwhile.
    read: std::sync::Mutex<std::collections::HashMap<String, Vec<u8>>>,
}

impl WorkTree {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        WorkTree {
            root: root.into(),
            ..WorkTree::default()
        }
    }

    /// A working tree whose files are named by `content_id` of their bytes.
    pub fn with_content_ids(root: impl Into<PathBuf>, content_id: ContentId) -> Self {
        WorkTree {
            root: root.into(),
            content_id: Some(content_id),
            ..WorkTree::default()
        }
    }

    /// Reads a regular file, never through a symlink.
    fn read_file(&self, path: &str, limit: u64) -> Result<Vec<u8>> {
        let full = self.root.join(path);
        // Checked again at read time: a file swapped for a symlink after listing is still
        // never followed.
        let meta =
            fs::symlink_metadata(&full).with_context(|| format!("reading {}", full.display()))?;
        if !meta.is_file() {
            anyhow::bail!("{} is not a regular file", full.display());
        }
        let mut bytes = Vec::new();
        fs::File::open(&full)
            .and_then(|f| f.take(limit).read_to_end(&mut bytes))
            .with_context(|| format!("reading {}", full.display()))?;
        Ok(bytes)
    }
}

impl Source for WorkTree {
    fn exists(&self) -> bool {
        fs::symlink_metadata(&self.root).is_ok_and(|m| m.is_dir())
    }

    fn list(&self) -> Result<Vec<SourceFile>> {
        let mut files = Vec::new();
        let walker = WalkDir::new(&self.root)
            .follow_links(false)
            .min_depth(1)
            .sort_by_file_name();
        for item in walker {
            let item = item.with_context(|| format!("reading {}", self.root.display()))?;
            let relative = item
                .path()
                .strip_prefix(&self.root)
                .with_context(|| format!("walking {}", self.root.display()))?;
            let path = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            let file_type = item.file_type();
            let kind = if file_type.is_symlink() {
                FileKind::Symlink
            } else if file_type.is_dir() {
                FileKind::Dir
            } else if file_type.is_file() {
                let meta = item
                    .metadata()
                    .with_context(|| format!("reading {}", item.path().display()))?;
                FileKind::File {
                    size: Some(meta.len()),
                }
            } else {
                FileKind::Other
            };
            files.push(SourceFile {
                path,
                kind,
                content_id: None,
            });
        }
        if let Some(content_id) = self.content_id {
            use rayon::prelude::*;
            let read: Vec<(usize, Vec<u8>)> = files
                .par_iter()
                .enumerate()
                .filter(|(_, f)| matches!(f.kind, FileKind::File { size: Some(size) } if size <= MAX_FILE_BYTES))
                .filter_map(|(i, f)| Some((i, self.read_file(&f.path, MAX_FILE_BYTES + 1).ok()?)))
                .collect();
            let mut kept = self
                .read
                .lock()
                .map_err(|_| anyhow::anyhow!("a read failed"))?;
            for (i, bytes) in read {
                files[i].content_id = content_id(&bytes);
                kept.insert(files[i].path.clone(), bytes);
            }
        }
        Ok(files)
    }

    fn read(&self, path: &str, limit: u64) -> Result<Vec<u8>> {
        if let Some(mut bytes) = self.read.lock().ok().and_then(|mut r| r.remove(path)) {
            bytes.truncate(limit as usize);
            return Ok(bytes);
        }
        self.read_file(path, limit)
    }
}

/// A snapshot held in memory: for tests, and for callers that assemble files themselves.
#[derive(Debug, Clone, Default)]
pub struct MemorySource {
    files: std::collections::BTreeMap<String, (Vec<u8>, Option<String>)>,
}

impl MemorySource {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a file; `content_id` lets the loader's cache recognise equal contents.
    pub fn add(&mut self, path: &str, bytes: impl Into<Vec<u8>>, content_id: Option<&str>) {
        self.files.insert(
            path.to_string(),
            (bytes.into(), content_id.map(str::to_string)),
        );
    }
}

impl Source for MemorySource {
    fn exists(&self) -> bool {
        true
    }

    fn list(&self) -> Result<Vec<SourceFile>> {
        let mut out: Vec<SourceFile> = Vec::new();
        let mut dirs = std::collections::BTreeSet::new();
        for path in self.files.keys() {
            if let Some((dir, _)) = path.rsplit_once('/') {
                dirs.insert(dir.to_string());
            }
        }
        out.extend(dirs.into_iter().map(|path| SourceFile {
            path,
            kind: FileKind::Dir,
            content_id: None,
        }));
        out.extend(self.files.iter().map(|(path, (bytes, id))| SourceFile {
            path: path.clone(),
            kind: FileKind::File {
                size: Some(bytes.len() as u64),
            },
            content_id: id.clone(),
        }));
        out.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(out)
    }

    fn read(&self, path: &str, limit: u64) -> Result<Vec<u8>> {
        let (bytes, _) = self
            .files
            .get(path)
            .with_context(|| format!("no file {path}"))?;
        Ok(bytes.iter().take(limit as usize).copied().collect())
    }
}
