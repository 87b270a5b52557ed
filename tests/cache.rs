//! The build cache (`.abusedefs-cache/`): a build that reuses parts of an earlier one
//! writes exactly the site that a build without the cache writes into an empty folder,
//! whatever changed in between — the working tree, new commits, a release, the date, the
//! templates, the options, or the output folder itself.

mod common;

use std::fs;
use std::path::Path;

use common::*;

/// Runs `abusedefs build` with phase timings on, so that the test can see which parts
/// of the site were rendered.
fn build(repo: &Path, out: &Path, extra: &[&str]) -> (String, String) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_abusedefs"))
        .args(["build", "--out", out.to_str().unwrap()])
        .args(extra)
        .current_dir(repo)
        .env("ABUSEDEFS_TIMINGS", "1")
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .unwrap();
    let (out_text, err_text) = (stdout(&output), stderr(&output));
    assert_eq!(output.status.code(), Some(0), "{out_text}{err_text}");
    (out_text, err_text)
}

/// Builds into `site` with the cache, and into a fresh folder without it, and asserts
/// that the two sites are byte-identical. Returns the cached build's timings.
fn check_same(git: &Git, site: &Path, extra: &[&str], step: &str) -> String {
    let (_, timings) = build(git.path(), site, extra);
    let clean = tempfile::tempdir().unwrap();
    let mut no_cache = vec!["--no-cache"];
    no_cache.extend_from_slice(extra);
    build(git.path(), &clean.path().join("site"), &no_cache);
    let (cached, fresh) = (tree(site), tree(&clean.path().join("site")));
    let differing: Vec<&String> = cached
        .keys()
        .chain(fresh.keys())
        .filter(|p| cached.get(*p) != fresh.get(*p))
        .collect();
    assert!(
        differing.is_empty(),
        "after {step}: the cached build differs from a clean build in {differing:?}"
    );
    timings
}

fn rendered(timings: &str, phase: &str) -> bool {
    timings
        .lines()
        .any(|l| l.starts_with(&format!("timing: {phase} ")))
}

#[test]
fn a_cached_rebuild_is_byte_identical_to_a_clean_build() {
    let git = Git::with_base();
    let today = ["--today", "2025-03-01"];
    git.commit("First draft", "2023-12-01");
    git.set_release("1.0", "2024-01-15");
    git.commit("Release 1.0", "2024-01-15");
    git.edit(
        "definitions/terms/malware.md",
        "Malware body.",
        "Malware body, reworded.",
    );
    git.set_release("2.0", "2024-06-01");
    git.commit("Release 2.0", "2024-06-01");
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");

    let first = check_same(&git, &site, &today, "the first build");
    assert!(rendered(&first, "release_pages"), "{first}");
    assert!(git.path().join(".abusedefs-cache/walk.json").is_file());
    assert_eq!(
        git.run(&["status", "--porcelain"]),
        "",
        "the cache is ignored by git"
    );

    let again = check_same(&git, &site, &today, "a build with nothing changed");
    assert!(
        !rendered(&again, "release_pages") && !rendered(&again, "entry_pages"),
        "nothing changed, so the archive and the current pages are reused: {again}"
    );

    // An edit in the working tree makes a draft, which every page links to; a further
    // edit of the draft changes only the draft's pages.
    git.edit(
        "definitions/terms/phishing.md",
        "Phishing body.",
        "Phishing body, edited.",
    );
    check_same(&git, &site, &today, "an edit in the working tree");
    git.edit(
        "definitions/terms/malware.md",
        "reworded.",
        "reworded again.",
    );
    let edited = check_same(&git, &site, &today, "a further edit of the draft");
    assert!(
        !rendered(&edited, "release_pages") && !rendered(&edited, "entry_pages"),
        "{edited}"
    );

    // The edit committed, without a release; then released; then a new draft entry.
    git.commit("Edit phishing", "2024-07-01");
    check_same(&git, &site, &today, "a commit without a release");
    git.set_release("3.0", "2024-09-01");
    git.commit("Release 3.0", "2024-09-01");
    let released = check_same(&git, &site, &today, "a new release");
    assert!(rendered(&released, "release_pages"), "{released}");
    git.rename_content_abuse();
    check_same(&git, &site, &today, "a renamed entry in the draft");

    // Other dates and options.
    check_same(&git, &site, &["--today", "2026-12-04"], "another date");
    check_same(
        &git,
        &site,
        &["--today", "2026-12-04", "--no-draft"],
        "--no-draft",
    );
    check_same(
        &git,
        &site,
        &[
            "--today",
            "2026-12-04",
            "--base-url",
            "https://defs.example.org/x",
        ],
        "a base URL",
    );

    // A registry template that overrides a built-in one.
    let builtin = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/site/entry.html");
    let template = fs::read_to_string(builtin).unwrap();
    git.write(
        "templates/site/entry.html",
        &template.replace("Versions of this entry", "Every version of this entry"),
    );
    let overridden = check_same(&git, &site, &today, "a template override");
    assert!(rendered(&overridden, "release_pages"), "{overridden}");

    // The output folder changed behind the cache's back: a file removed, one rewritten
    // with the same size, one added. The cache notices; the site is restored.
    let archived = site.join("versions/1.0/definitions/malware/index.html");
    fs::remove_file(&archived).unwrap();
    let current = site.join("definitions/malware/index.html");
    let text = fs::read_to_string(&current).unwrap();
    fs::write(&current, text.replacen("Malware", "MALWARE", 1)).unwrap();
    fs::write(site.join("versions/1.0/stray.html"), "not ours").unwrap();
    check_same(&git, &site, &today, "changes to the output folder");
    assert!(archived.is_file());

    // A damaged or deleted cache is only a slower build.
    let cache = git.path().join(".abusedefs-cache");
    for entry in fs::read_dir(&cache).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            fs::write(&path, "{\"damaged\":").unwrap();
        }
    }
    check_same(&git, &site, &today, "a damaged cache");
    fs::remove_dir_all(&cache).unwrap();
    check_same(&git, &site, &today, "a deleted cache");
}

#[test]
fn a_cache_that_comes_through_git_is_never_read() {
    let git = Git::with_base();
    git.commit("Release 1.0", "2024-01-15");
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    build(git.path(), &site, &["--today", "2025-03-01"]);
    // A pull request that commits a cache claiming a history of its own.
    let walk = git.path().join(".abusedefs-cache/walk.json");
    let text = fs::read_to_string(&walk).unwrap();
    fs::write(&walk, text.replace("Release 1.0", "A forged subject")).unwrap();
    git.run(&["add", "-f", ".abusedefs-cache/walk.json"]);
    git.commit("Commit a cache", "2024-02-01");
    let (_, err) = build(git.path(), &site, &["--today", "2025-03-01"]);
    assert!(
        err.contains("the build cache folder is committed to the repository"),
        "{err}"
    );
    let history = fs::read_to_string(site.join("history/malware/index.html")).unwrap();
    assert!(!history.contains("A forged subject"));
    check_same(&git, &site, &["--today", "2025-03-01"], "a committed cache");
}
