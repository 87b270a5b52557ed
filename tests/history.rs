//! Releases, history rules, per-entry history and `abusedefs diff`, on git repositories
//! built in temporary folders with the real `git` command and fixed dates.

mod common;

use common::*;

fn diff_json(git: &Git, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["diff"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "json"]);
    let output = run(git.path(), &all);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}{}",
        stdout(&output),
        stderr(&output)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// Walks the history of the registry `registry` in the repository at `repo`.
fn walk_at(
    repo: &std::path::Path,
    registry: &str,
    cache: &abusedefs::cache::Cache,
) -> abusedefs::history::Walked {
    let mut loader = abusedefs::load::Loader::new();
    abusedefs::history::walk(
        &abusedefs::history::Options {
            repo,
            registry,
            rev: "HEAD",
            cache,
        },
        &mut loader,
    )
    .unwrap()
}

fn entry<'a>(diff: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    diff["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == id)
        .unwrap_or_else(|| panic!("no entry {id} in {diff:#}"))
}

fn check_output(git: &Git) -> (i32, String) {
    let output = run(git.path(), &["check"]);
    (
        output.status.code().unwrap(),
        stdout(&output) + &stderr(&output),
    )
}

#[test]
fn a_release_merged_from_a_branch_is_the_merge_commit() {
    let git = Git::with_base();
    let first = git.commit("Initial definitions (#1)", "2024-01-15");
    git.edit(
        "definitions/terms/phishing.md",
        "deceiving people",
        "tricking people",
    );
    git.commit("Reword phishing (#2)", "2024-02-01");
    git.run(&["checkout", "-q", "-b", "cycle"]);
    git.set_release("2.0", "2024-06-01");
    git.commit("Bump to 2.0", "2024-05-30");
    git.run(&["checkout", "-q", "main"]);
    git.run_dated(
        &[
            "merge",
            "-q",
            "--no-ff",
            "cycle",
            "-m",
            "Merge pull request #3 from cycle",
        ],
        "2024-06-01T12:00:00Z",
    );
    let merge = git.run(&["rev-parse", "HEAD"]);

    let diff = diff_json(&git, &["1.0", "2.0"]);
    assert_eq!(diff["from"]["commit"], first.as_str());
    assert_eq!(diff["to"]["commit"], merge.as_str());
    assert_eq!(entry(&diff, "phishing")["status"], "changed");

    let (code, text) = check_output(&git);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("2 releases in the history"), "{text}");
}

#[test]
fn a_version_released_twice_is_an_error_naming_both_commits() {
    let git = Git::with_base();
    let first = git.commit("Release 1.0", "2024-01-15");
    git.set_release("2.0", "2024-06-01");
    git.commit("Release 2.0", "2024-06-01");
    git.set_release("1.0", "2024-09-01");
    let third = git.commit("Release 1.0 again", "2024-09-01");
    let (code, text) = check_output(&git);
    assert_eq!(code, 1);
    assert!(text.contains(&format!("version 1.0 is released twice: first at commit {} (Release 1.0), again at commit {} (Release 1.0 again)", &first[..7], &third[..7])), "{text}");
}

#[test]
fn publication_dates_must_strictly_increase() {
    let git = Git::with_base();
    git.commit("Release 1.0", "2024-01-15");
    git.set_release("2.0", "2024-01-15");
    let second = git.commit("Release 2.0", "2024-06-01");
    let (code, text) = check_output(&git);
    assert_eq!(code, 1);
    assert!(
        text.contains(&format!(
            "release 2.0 (commit {}) is published 2024-01-15, not after release 1.0",
            &second[..7]
        )),
        "{text}"
    );
}

#[test]
fn an_invalid_release_is_reported_with_its_version_commit_and_file() {
    let git = Git::with_base();
    git.edit(
        "definitions/terms/malware.md",
        "remit: within",
        "remit: withn",
    );
    let bad = git.commit("Release 1.0 with a typo", "2024-01-15");
    git.edit(
        "definitions/terms/malware.md",
        "remit: withn",
        "remit: within",
    );
    git.commit("Fix the typo", "2024-01-16");
    let (code, text) = check_output(&git);
    assert_eq!(code, 1, "the working tree is fine, but the release is not");
    assert!(text.contains(&format!("definitions/terms/malware.md:5:8: error: release 1.0 (commit {}, Release 1.0 with a typo): `remit` has an unknown value `withn`", &bad[..7])), "{text}");
}

#[test]
fn replaces_must_name_an_entry_of_an_earlier_release_that_is_gone() {
    let git = Git::with_base();
    git.commit("Release 1.0", "2024-01-15");
    git.write("definitions/terms/fast-flux.md", "---\nid: fast-flux\nterm: fast flux\nkind: related-term\nsummary: s\ndistinction: d\nreplaces: never-existed\n---\nb\n");
    let (code, text) = check_output(&git);
    assert_eq!(code, 1);
    assert!(
        text.contains("`fast-flux` replaces `never-existed`, which no earlier release had"),
        "{text}"
    );

    git.edit(
        "definitions/terms/fast-flux.md",
        "replaces: never-existed",
        "replaces: malware",
    );
    let (code, text) = check_output(&git);
    assert_eq!(code, 1);
    assert!(
        text.contains("`fast-flux` replaces `malware`, which is still present"),
        "{text}"
    );
}

#[test]
fn a_shallow_clone_is_refused_with_the_fix() {
    let git = Git::with_base();
    git.commit("Release 1.0", "2024-01-15");
    git.set_release("2.0", "2024-06-01");
    git.commit("Release 2.0", "2024-06-01");
    let clones = tempfile::tempdir().unwrap();
    let url = format!("file://{}", git.path().display());
    let status = std::process::Command::new("git")
        .args(["clone", "-q", "--depth", "1", &url, "shallow"])
        .current_dir(clones.path())
        .status()
        .unwrap();
    assert!(status.success());
    for args in [&["check"][..], &["diff"][..]] {
        let output = run(&clones.path().join("shallow"), args);
        let text = stdout(&output) + &stderr(&output);
        assert_eq!(output.status.code(), Some(1), "{text}");
        assert!(
            text.contains("shallow clone")
                && text.contains("git fetch --unshallow")
                && text.contains("fetch-depth: 0"),
            "{text}"
        );
    }
}

#[test]
fn a_repository_without_a_release_has_only_a_draft() {
    let git = Git::with_base();
    let (code, text) = check_output(&git);
    assert_eq!(code, 0, "no commit at all: {text}");
    git.remove("definitions/registry.yaml");
    git.commit("Entries before the first release", "2024-01-10");
    git.run(&["checkout", "-q", "--", "."]);
    let base = base_registry();
    std::fs::copy(
        base.path().join("definitions/registry.yaml"),
        git.path().join("definitions/registry.yaml"),
    )
    .unwrap();
    let (code, text) = check_output(&git);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("0 releases in the history"), "{text}");
}

#[test]
fn an_uncommitted_edit_shows_in_the_default_diff() {
    let git = Git::with_base();
    git.commit("Release 1.0", "2024-01-15");
    git.edit(
        "definitions/terms/malware.md",
        "installed without consent",
        "installed without informed consent",
    );
    let output = run(git.path(), &["diff"]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0));
    assert!(
        text.contains("~ term malware — malware [changed, substantive]"),
        "{text}"
    );
    assert!(
        text.contains("installed without {+informed +}consent"),
        "{text}"
    );
    assert!(!text.contains("\x1b["), "no colour when not on a terminal");
}

/// One release pair exercising every kind of change the diff distinguishes.
#[test]
fn the_diff_json_classifies_each_kind_of_change() {
    let git = Git::with_base();
    git.commit("Release 1.0", "2024-01-15");
    // Rename: content-abuse becomes website-content-abuse.
    git.rename_content_abuse();
    // Remit change: security-threat becomes an outside-remit threat.
    git.write("definitions/terms/security-threat.md", "---\nid: security-threat\nterm: security threat\nkind: outside-remit\nremit: outside\nsummary: A security threat is a use of domains that registries monitor.\n---\n\nSecurity threat body.\n");
    // Retired: the complaint procedure, and the reference to it.
    git.remove("definitions/procedures/complaint.md");
    git.edit(
        "definitions/obligations/mitigation.md",
        "procedures: [complaint]\n",
        "",
    );
    // Added: a new abuse type in the umbrella.
    git.write("definitions/terms/pharming.md", "---\nid: pharming\nterm: pharming\nkind: abuse-type\nremit: within\nsummary: Pharming is redirecting users by subverting resolution.\n---\n\nBody.\n");
    git.edit(
        "definitions/terms/dns-abuse.md",
        "includes: [phishing, malware]",
        "includes: [phishing, malware, pharming]",
    );
    // Words only.
    git.edit(
        "definitions/terms/phishing.md",
        "revealing credentials",
        "revealing passwords",
    );
    // Editorial only: case and punctuation.
    git.edit(
        "definitions/terms/malware.md",
        "Malware is software installed without consent and reached",
        "Malware is software installed without consent, and reached",
    );
    git.set_release("2.0", "2024-06-01");
    git.commit("Release 2.0", "2024-06-01");

    let diff = diff_json(&git, &["1.0", "2.0"]);
    let renamed = entry(&diff, "website-content-abuse");
    assert_eq!(renamed["status"], "superseded");
    assert_eq!(renamed["previous_id"], "content-abuse");
    assert_eq!(renamed["fields"][0]["field"], "term");

    let remit = entry(&diff, "security-threat");
    assert_eq!(remit["class"], "scope");
    let remit_field = remit["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["field"] == "remit")
        .unwrap();
    assert_eq!(remit_field["kind"], "value");
    assert_eq!(remit_field["old"], serde_json::Value::Null);
    assert_eq!(remit_field["new"], "outside");
    assert_eq!(remit_field["class"], "scope");

    assert_eq!(entry(&diff, "complaint")["status"], "retired");
    assert_eq!(entry(&diff, "pharming")["status"], "added");
    assert_eq!(entry(&diff, "pharming")["class"], "scope");
    let umbrella = entry(&diff, "dns-abuse");
    assert_eq!(umbrella["class"], "scope");
    assert_eq!(umbrella["fields"][0]["added"][0], "pharming");

    let words = entry(&diff, "phishing");
    assert_eq!(words["class"], "substantive");
    let redline = &words["fields"][0]["redline"];
    assert!(
        redline
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["op"] == "delete" && s["text"] == "credentials"),
        "{redline:#}"
    );
    assert!(
        redline
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["op"] == "insert" && s["text"] == "passwords"),
        "{redline:#}"
    );

    assert_eq!(entry(&diff, "malware")["class"], "editorial");
    assert_eq!(diff["summary"]["superseded"], 1);
    assert_eq!(diff["unchanged"], false);
    assert!(
        diff["entries"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["id"] != "content-abuse"),
        "a rename is one change, not a retirement and an addition"
    );
}

#[test]
fn a_release_without_content_changes_is_reviewed_no_change() {
    let git = Git::with_base();
    git.commit("Release 1.0", "2024-01-15");
    git.set_release("1.1", "2025-01-15");
    git.commit("Annual review: no change", "2025-01-15");
    let diff = diff_json(&git, &["1.0", "1.1"]);
    assert_eq!(diff["unchanged"], true);
    let text = stdout(&run(git.path(), &["diff", "1.0", "1.1"]));
    assert!(text.contains("reviewed, no change"), "{text}");
}

#[test]
fn diff_accepts_git_revisions_and_markdown() {
    let git = Git::with_base();
    git.commit("Release 1.0", "2024-01-15");
    git.edit(
        "definitions/terms/phishing.md",
        "deceiving people",
        "deceiving *people*",
    );
    git.commit("Emphasis (#2)", "2024-02-01");
    let output = run(
        git.path(),
        &["diff", "HEAD~1", "HEAD", "--format", "markdown"],
    );
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        text.starts_with("## Definitions redline: HEAD\\~1 → HEAD"),
        "{text}"
    );
    assert!(text.contains("### Term `phishing` — phishing"), "{text}");
    // Markup typed into an entry is escaped, and adding emphasis is an editorial change.
    assert!(
        text.contains("deceiving <ins>\\*</ins>people<ins>\\*</ins> into"),
        "{text}"
    );
    assert!(text.contains("*changed · editorial*"), "{text}");
    let bad = run(git.path(), &["diff", "no-such-rev"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        stderr(&bad).contains("neither a release version nor a git revision"),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn entry_history_follows_renames_and_lists_commits() {
    let git = Git::with_base();
    git.commit("Release 1.0", "2024-01-15");
    git.edit(
        "definitions/terms/content-abuse.md",
        "harm in what",
        "harm that lies in what",
    );
    git.commit("Reword content abuse (#2)", "2024-02-01");
    git.rename_content_abuse();
    git.set_release("2.0", "2024-06-01");
    git.commit("Rename content abuse (#3)", "2024-06-01");

    let walked = walk_at(git.path(), "definitions", &abusedefs::cache::Cache::off());
    assert!(!walked.diagnostics.has_errors());
    let history = walked.history.unwrap();
    let timeline = abusedefs::history::entry_history(
        &history,
        abusedefs::model::EntryType::Term,
        "website-content-abuse",
    );
    assert_eq!(timeline.previous_ids, vec!["content-abuse".to_string()]);
    let events: Vec<(Option<&str>, abusedefs::history::Event, &str)> = timeline
        .steps
        .iter()
        .map(|s| (s.version.as_deref(), s.event, s.id.as_str()))
        .collect();
    assert_eq!(
        events,
        vec![
            (
                Some("1.0"),
                abusedefs::history::Event::Added,
                "content-abuse"
            ),
            (
                Some("2.0"),
                abusedefs::history::Event::Renamed,
                "website-content-abuse"
            )
        ]
    );
    let subjects: Vec<&str> = timeline
        .commits
        .iter()
        .map(|c| c.subject.as_str())
        .collect();
    assert_eq!(
        subjects,
        vec![
            "Release 1.0",
            "Reword content abuse (#2)",
            "Rename content abuse (#3)"
        ]
    );
    assert_eq!(timeline.commits[1].date.to_string(), "2024-02-01");
}

#[test]
fn diff_html_is_one_self_contained_page_with_escaped_text() {
    let git = Git::with_base();
    git.commit("Release 1.0", "2024-01-15");
    git.edit(
        "definitions/terms/phishing.md",
        "deceiving people",
        "deceiving <script>alert(1)</script> people",
    );
    let output = run(git.path(), &["diff", "--format", "html"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let html = stdout(&output);
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    assert!(
        html.contains("<ins>") && html.contains("&lt;script&gt;"),
        "{html}"
    );
    assert!(
        !html.contains("<script>") && !html.contains("<link"),
        "no script, no external stylesheet"
    );
}

/// The history as a walk with `cache` finds it, printed for comparison.
fn walked(git: &Git, cache: &abusedefs::cache::Cache) -> String {
    let walked = walk_at(git.path(), "definitions", cache);
    format!("{:?}\n{:?}", walked.history, walked.diagnostics)
}

#[test]
fn a_walk_from_the_cache_finds_what_a_fresh_walk_finds() {
    let git = Git::with_base();
    let cache_dir = tempfile::tempdir().unwrap();
    let cache = abusedefs::cache::Cache::at(cache_dir.path());
    let off = abusedefs::cache::Cache::off();
    git.set_release("1.0", "2024-01-01");
    git.commit("First release", "2024-01-01");
    assert_eq!(walked(&git, &cache), walked(&git, &off));
    assert!(
        cache_dir
            .path()
            .join(".abusedefs-cache/walk.json")
            .is_file()
    );

    // Commits added since the cached walk: only they are walked, with the same result.
    git.edit(
        "definitions/terms/malware.md",
        "Malware",
        "Malicious software",
    );
    let reworded = git.commit("Reword malware", "2024-02-01");
    git.rename_content_abuse();
    git.set_release("2.0", "2024-06-01");
    git.commit("Rename content abuse", "2024-06-01");
    assert_eq!(walked(&git, &cache), walked(&git, &off));

    // The branch moved back, then forward on another line: the cache follows.
    git.run(&["reset", "-q", "--hard", &reworded]);
    assert_eq!(walked(&git, &cache), walked(&git, &off));
    git.set_release("1.1", "2024-03-01");
    git.commit("Another release on a rewritten line", "2024-03-01");
    assert_eq!(walked(&git, &cache), walked(&git, &off));

    // A corrupt cache is a miss, not an error.
    std::fs::write(cache_dir.path().join(".abusedefs-cache/walk.json"), "{").unwrap();
    assert_eq!(walked(&git, &cache), walked(&git, &off));
}

/// `entry_diff` gives, for each entry, exactly what the whole-snapshot diff lists for it.
fn assert_entry_diffs_match(old: &abusedefs::model::Registry, new: &abusedefs::model::Registry) {
    use abusedefs::diff;
    let whole = diff::diff(
        old,
        new,
        diff::side("old", old, None),
        diff::side("new", new, None),
    );
    let memo = diff::Memo::default();
    let ids: std::collections::BTreeSet<String> = old
        .entries()
        .chain(new.entries())
        .map(|e| e.id().to_string())
        .collect();
    for id in ids {
        let listed = whole.entries.iter().find(|e| e.id == id).cloned();
        assert_eq!(diff::entry_diff(old, new, &id, &memo), listed, "entry {id}");
    }
}

#[test]
fn one_entry_s_diff_is_what_the_changelog_lists_for_it() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("demo");
    abusedefs::demo::build_repository(&repo).unwrap();
    let history = walk_at(
        &repo,
        abusedefs::demo::REGISTRY,
        &abusedefs::cache::Cache::off(),
    )
    .history
    .unwrap();
    let snapshots: Vec<&abusedefs::model::Registry> =
        history.releases.iter().map(|r| &r.registry).collect();
    for pair in snapshots.windows(2) {
        assert_entry_diffs_match(pair[0], pair[1]);
    }
    // Every release against the latest, and backwards, for renames and retirements.
    let latest = snapshots[snapshots.len() - 1];
    for s in &snapshots {
        assert_entry_diffs_match(s, latest);
        assert_entry_diffs_match(latest, s);
    }

    // An entry retired in one release and named by `replaces` in a later one.
    let git = Git::with_base();
    git.commit("First", "2024-01-15");
    git.remove("definitions/terms/content-abuse.md");
    git.set_release("2.0", "2024-02-01");
    git.commit("Retire content abuse", "2024-02-01");
    git.write(
        "definitions/terms/website-content-abuse.md",
        "---\nid: website-content-abuse\nterm: website content abuse\nkind: outside-remit\nremit: outside\nsummary: Content abuse is harm in what a website publishes.\nreplaces: content-abuse\n---\n\nContent abuse body.\n",
    );
    git.set_release("3.0", "2024-03-01");
    git.commit("Bring it back under a new id", "2024-03-01");
    let walked = walk_at(git.path(), "definitions", &abusedefs::cache::Cache::off());
    assert!(!walked.diagnostics.has_errors(), "{:?}", walked.diagnostics);
    let releases = walked.history.unwrap().releases;
    assert_eq!(releases.len(), 3);
    for (a, b) in [(0, 1), (1, 2), (0, 2), (2, 0)] {
        assert_entry_diffs_match(&releases[a].registry, &releases[b].registry);
    }
}
