//! Helpers shared by the integration tests: the real binary, fixture registries copied
//! into temporary folders, and git histories built with fixed dates.
#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Runs the real `abusedefs` binary with `args` in `dir`.
pub fn run(dir: &Path, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_abusedefs"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .expect("the binary runs")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from).min_depth(1) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            fs::create_dir_all(&target).unwrap();
        } else {
            fs::create_dir_all(target.parent().unwrap()).unwrap();
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A temporary repository holding the base fixture registry with `case` laid over it: the
/// case's files replace or add to the base's, and paths listed in its `delete` file go.
pub fn registry_with_case(case: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixtures().join("base"), dir.path());
    let case_dir = fixtures().join("invalid").join(case);
    copy_tree(&case_dir, dir.path());
    let delete = dir.path().join("delete");
    if delete.exists() {
        for line in fs::read_to_string(&delete).unwrap().lines() {
            fs::remove_file(dir.path().join(line)).unwrap();
        }
        fs::remove_file(delete).unwrap();
    }
    dir
}

/// A temporary repository holding a copy of the base fixture registry.
pub fn base_registry() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixtures().join("base"), dir.path());
    dir
}

pub fn write(dir: &Path, path: &str, text: impl AsRef<[u8]>) {
    let full = dir.join(path);
    fs::create_dir_all(full.parent().unwrap()).unwrap();
    fs::write(full, text).unwrap();
}

/// The diagnostics of `check --format json` in `dir`, with the exit code.
pub fn check_json(dir: &Path) -> (i32, Vec<serde_json::Value>) {
    let output = run(dir, &["check", "--format", "json"]);
    assert!(!stderr(&output).contains("panicked"), "{}", stderr(&output));
    let value: serde_json::Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("check --format json is JSON ({e}): {}", stdout(&output)));
    (
        output.status.code().unwrap(),
        value.as_array().unwrap().clone(),
    )
}

/// A git repository driven through the real `git` command, with fixed identities and
/// dates so that every run builds the same history.
pub struct Git {
    pub dir: tempfile::TempDir,
}

impl Git {
    /// A new repository holding the base fixture registry (not yet committed).
    pub fn with_base() -> Git {
        let git = Git {
            dir: base_registry(),
        };
        git.run(&["init", "-q", "-b", "main"]);
        git
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn run(&self, args: &[&str]) -> String {
        self.run_dated(args, "2024-01-01T12:00:00Z")
    }

    pub fn run_dated(&self, args: &[&str], date: &str) -> String {
        let output = std::process::Command::new("git")
            .args([
                "-c",
                "user.name=Test Editor",
                "-c",
                "user.email=editor@example.org",
                "-c",
                "commit.gpgsign=false",
            ])
            .args(args)
            .current_dir(self.path())
            .env("GIT_AUTHOR_DATE", date)
            .env("GIT_COMMITTER_DATE", date)
            .env_remove("GIT_DIR")
            .output()
            .expect("git runs");
        assert!(
            output.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).trim().to_string()
    }

    /// Commits everything in the working tree on `date` (YYYY-MM-DD); returns the commit id.
    pub fn commit(&self, subject: &str, date: &str) -> String {
        self.run(&["add", "-A"]);
        self.run_dated(
            &["commit", "-q", "--allow-empty", "-m", subject],
            &format!("{date}T12:00:00Z"),
        );
        self.run(&["rev-parse", "HEAD"])
    }

    /// Sets `version` and `published` in registry.yaml.
    pub fn set_release(&self, version: &str, published: &str) {
        let path = self.path().join("definitions/registry.yaml");
        let text = fs::read_to_string(&path).unwrap();
        let text: Vec<String> = text
            .lines()
            .map(|l| {
                if l.starts_with("version:") {
                    format!("version: \"{version}\"")
                } else if l.starts_with("published:") {
                    format!("published: {published}")
                } else {
                    l.to_string()
                }
            })
            .collect();
        fs::write(path, text.join("\n") + "\n").unwrap();
    }

    pub fn write(&self, path: &str, text: &str) {
        write(self.path(), path, text);
    }

    pub fn remove(&self, path: &str) {
        fs::remove_file(self.path().join(path)).unwrap();
    }

    /// Renames the base fixture's `content-abuse` to `website-content-abuse`, whose
    /// `replaces` names the old id.
    pub fn rename_content_abuse(&self) {
        self.remove("definitions/terms/content-abuse.md");
        self.write(
            "definitions/terms/website-content-abuse.md",
            "---\nid: website-content-abuse\nterm: website content abuse\nkind: outside-remit\nremit: outside\nsummary: Content abuse is harm in what a website publishes.\nreplaces: content-abuse\n---\n\nContent abuse body.\n",
        );
    }

    /// Replaces `from` with `to` in the file at `path`.
    pub fn edit(&self, path: &str, from: &str, to: &str) {
        let full = self.path().join(path);
        let text = fs::read_to_string(&full).unwrap();
        assert!(text.contains(from), "{path} does not contain {from:?}");
        fs::write(full, text.replacen(from, to, 1)).unwrap();
    }
}

/// Every file below `root`, with its bytes.
pub fn tree(root: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let path = e.path().strip_prefix(root).unwrap().to_string_lossy();
            (path.into_owned(), fs::read(e.path()).unwrap())
        })
        .collect()
}
