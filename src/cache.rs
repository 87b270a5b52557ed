//! The build cache: results that a later build may reuse instead of recomputing — the
//! first-parent walk of the history, and which files of the output folder belong to an
//! unchanged part of the site — kept in `.abusedefs-cache/` at the repository root. Every
//! entry is keyed by what it was computed from (git object ids, template contents, the
//! options, and the binary's own build id); a key that does not match is a miss. The
//! folder is safe to delete at any time, and never changes what a build produces.

use std::fs;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::de::DeserializeOwned;

/// The cache folder's name, at the repository root.
pub const FOLDER: &str = ".abusedefs-cache";

/// Identifies the binary and everything it was built from (see `build.rs`).
pub const BUILD_ID: &str = crate::embedded::BUILD_ID;

/// Where cached results are read and written; `None` when caching is off.
#[derive(Debug, Clone, Default)]
pub struct Cache {
    dir: Option<PathBuf>,
}

impl Cache {
    /// The cache of the repository whose root is `root`.
    pub fn at(root: &Path) -> Cache {
        Cache {
            dir: Some(root.join(FOLDER)),
        }
    }

    /// No cache: every build computes everything.
    pub fn off() -> Cache {
        Cache { dir: None }
    }

    /// A cached value, if there is one that parses; a corrupt entry is a miss.
    pub fn read<T: DeserializeOwned>(&self, name: &str) -> Option<T> {
        let dir = self.dir.as_ref()?;
        if !fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir()) {
            return None;
        }
        let path = dir.join(name);
        // The cache is ours; a symlink there is not, and is never followed.
        if !fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) {
            return None;
        }
        serde_json::from_slice(&fs::read(path).ok()?).ok()
    }

    /// Stores a value. Failing to (a read-only checkout) only means a slower next build,
    /// so errors are ignored.
    pub fn write<T: Serialize>(&self, name: &str, value: &T) {
        let Some(dir) = &self.dir else { return };
        let _ = Self::try_write(dir, name, value);
    }

    fn try_write<T: Serialize>(dir: &Path, name: &str, value: &T) -> std::io::Result<()> {
        if fs::symlink_metadata(dir).is_ok_and(|m| !m.is_dir()) {
            return Ok(());
        }
        if !dir.is_dir() {
            fs::create_dir_all(dir)?;
            // Ignored by git, and by backup tools that honour CACHEDIR.TAG.
            fs::write(
                dir.join(".gitignore"),
                "# Created by abusedefs: safe to delete.\n*\n",
            )?;
            fs::write(
                dir.join("CACHEDIR.TAG"),
                "Signature: 8a477f597d28d172789f06886806bc55\n# The build cache of abusedefs: safe to delete.\n",
            )?;
        }
        let bytes = serde_json::to_vec(value).map_err(std::io::Error::other)?;
        let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
        fs::write(&temp, bytes)?;
        fs::rename(&temp, dir.join(name))
    }
}

/// A 128-bit key (as hex) of everything `parts` hashes, and of the binary's build id.
pub fn key<T: Hash + ?Sized>(parts: &T) -> String {
    let half = |salt: u8| {
        let mut hasher = std::hash::DefaultHasher::new();
        salt.hash(&mut hasher);
        BUILD_ID.hash(&mut hasher);
        parts.hash(&mut hasher);
        hasher.finish()
    };
    format!("{:016x}{:016x}", half(1), half(2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_and_a_corrupt_entry_is_a_miss() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::at(dir.path());
        cache.write("x.json", &vec![1, 2, 3]);
        assert_eq!(cache.read::<Vec<u32>>("x.json"), Some(vec![1, 2, 3]));
        assert!(dir.path().join(FOLDER).join(".gitignore").is_file());
        fs::write(dir.path().join(FOLDER).join("x.json"), "{not json").unwrap();
        assert_eq!(cache.read::<Vec<u32>>("x.json"), None);
        assert_eq!(Cache::off().read::<Vec<u32>>("x.json"), None);
    }

    #[test]
    fn keys_differ_with_their_parts() {
        assert_eq!(key("a"), key("a"));
        assert_ne!(key("a"), key("b"));
        assert_eq!(key("a").len(), 32);
    }
}
