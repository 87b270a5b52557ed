//! `abusedefs demo`: the example repository has the history the README promises —
//! five or more releases from 2021 to 2026, a merged branch, a rename, a retirement, a
//! remit change, a "reviewed, no change" release and an unreleased draft.

mod common;

use common::*;

fn diff(repo: &std::path::Path, from: &str, to: &str) -> serde_json::Value {
    let output = run(repo, &["diff", from, to, "--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    serde_json::from_slice(&output.stdout).unwrap()
}

fn find<'a>(diff: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    diff["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == id)
        .unwrap_or_else(|| panic!("{id} not in {diff:#}"))
}

#[test]
fn the_demo_history_has_every_kind_of_change() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("demo");
    let output = run(dir.path(), &["demo", "--keep-repo", repo.to_str().unwrap()]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{text}{}", stderr(&output));
    for version in ["2021.1", "2023.1", "2024.1", "2025.1", "2026.1"] {
        assert!(
            text.contains(&format!("\n{version:<10} ")),
            "{version} missing: {text}"
        );
    }
    assert!(text.contains("draft"), "{text}");
    assert!(text.contains("reviewed, no change"), "{text}");

    let check = run(&repo, &["check"]);
    assert_eq!(check.status.code(), Some(0), "{}", stdout(&check));

    let first_cycle = diff(&repo, "2021.1", "2023.1");
    assert_eq!(find(&first_cycle, "abuse")["status"], "retired");
    assert_eq!(find(&first_cycle, "dns-abuse")["status"], "added");
    assert!(first_cycle["to"]["commit"].is_string());

    let amendments = diff(&repo, "2023.1", "2024.1");
    let spam = find(&amendments, "spam");
    assert_eq!(spam["class"], "scope");
    let remit = spam["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["field"] == "remit")
        .unwrap();
    assert_eq!(
        (remit["old"].as_str(), remit["new"].as_str()),
        (Some("outside"), Some("within"))
    );

    let second_cycle = diff(&repo, "2024.1", "2025.1");
    let renamed = find(&second_cycle, "website-content-abuse");
    assert_eq!(renamed["status"], "superseded");
    assert_eq!(renamed["previous_id"], "content-abuse");

    assert_eq!(diff(&repo, "2025.1", "2026.1")["unchanged"], true);
    assert_eq!(
        find(&diff(&repo, "2026.1", "worktree"), "phishing")["status"],
        "changed"
    );

    // The first cycle was merged from a branch: its release commit has two parents.
    let parents = std::process::Command::new("git")
        .args([
            "rev-list",
            "--parents",
            "-n",
            "1",
            first_cycle["to"]["commit"].as_str().unwrap(),
        ])
        .current_dir(&repo)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&parents.stdout)
            .split_whitespace()
            .count(),
        3
    );
}

#[test]
fn the_demo_refuses_a_folder_that_is_not_empty() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("keep.txt"), "mine").unwrap();
    let output = run(
        dir.path(),
        &["demo", "--keep-repo", dir.path().to_str().unwrap()],
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("is not empty"),
        "{}",
        stderr(&output)
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("keep.txt")).unwrap(),
        "mine"
    );
}
