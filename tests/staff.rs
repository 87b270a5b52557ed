//! `cite`, `release` and `lint-docs` through the real binary on git repositories built in
//! temporary folders.

mod common;

use std::fs;

use common::*;

const BASE: &str = "https://defs.example.org/";

/// A repository with release 1.0 (content-abuse) and release 2.0 (renamed to
/// website-content-abuse), and `base_url` set.
fn two_releases() -> Git {
    let git = Git::with_base();
    git.edit(
        "definitions/registry.yaml",
        "remit:",
        &format!("base_url: {BASE}\nremit:"),
    );
    git.commit("Release 1.0", "2024-01-15");
    git.rename_content_abuse();
    git.set_release("2.0", "2024-06-01");
    git.commit("Release 2.0", "2024-06-01");
    git
}

#[test]
fn cite_gives_the_site_text_in_four_formats() {
    let git = two_releases();
    let text = stdout(&run(git.path(), &["cite", "phishing"]));
    assert_eq!(
        text,
        format!(
            "Test Publisher. \"phishing.\" In Test Registry, version 2.0, published 1 June 2024. {BASE}definitions/phishing/\n"
        )
    );
    let old = stdout(&run(
        git.path(),
        &["cite", "content-abuse", "--version", "1.0"],
    ));
    assert!(
        old.contains(&format!(
            "version 1.0, published 15 January 2024. {BASE}versions/1.0/definitions/content-abuse/"
        )),
        "{old}"
    );
    let md = stdout(&run(
        git.path(),
        &["cite", "mitigation", "--format", "markdown"],
    ));
    assert!(
        md.contains(&format!(
            "\"[Mitigation of DNS abuse]({BASE}obligations/mitigation/).\" In *Test Registry*"
        )),
        "{md}"
    );
    let html = stdout(&run(git.path(), &["cite", "phishing", "--format", "html"]));
    assert!(
        html.contains(&format!(
            "<a href=\"{BASE}definitions/phishing/\">phishing</a>"
        )) && html.contains("<cite>Test Registry</cite>"),
        "{html}"
    );
    let json: serde_json::Value =
        serde_json::from_slice(&run(git.path(), &["cite", "phishing", "--format", "json"]).stdout)
            .unwrap();
    assert_eq!(json["url"], format!("{BASE}definitions/phishing/"));
    assert_eq!(json["version"], "2.0");

    // The site says the same.
    let site = tempfile::tempdir().unwrap();
    run(
        git.path(),
        &[
            "build",
            "--out",
            site.path().to_str().unwrap(),
            "--today",
            "2024-07-01",
        ],
    );
    let page = fs::read_to_string(site.path().join("definitions/phishing/index.html")).unwrap();
    assert!(
        page.contains(&text.trim().replace('"', "&quot;")),
        "the page's Cite this matches"
    );
}

#[test]
fn cite_refuses_unknown_ids_versions_and_a_missing_base_url() {
    let git = two_releases();
    let unknown = run(git.path(), &["cite", "phishng"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(
        stderr(&unknown).contains("did you mean `phishing`?"),
        "{}",
        stderr(&unknown)
    );
    assert_eq!(
        run(git.path(), &["cite", "phishing", "--version", "9.9"])
            .status
            .code(),
        Some(1)
    );
    let bare = Git::with_base();
    bare.commit("Release 1.0", "2024-01-15");
    let no_base = run(bare.path(), &["cite", "phishing"]);
    assert_eq!(no_base.status.code(), Some(1));
    assert!(
        stderr(&no_base).contains("base_url"),
        "{}",
        stderr(&no_base)
    );
}

#[test]
fn release_updates_only_version_and_date_and_prints_the_changelog() {
    let git = two_releases();
    git.edit(
        "definitions/registry.yaml",
        "version: \"2.0\"",
        "version: \"2.0\"   # set by abusedefs release",
    );
    git.edit(
        "definitions/terms/phishing.md",
        "revealing credentials",
        "revealing passwords",
    );
    let before = fs::read_to_string(git.path().join("definitions/registry.yaml")).unwrap();
    let output = run(git.path(), &["release", "3.0", "--date", "2025-01-20"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let after = fs::read_to_string(git.path().join("definitions/registry.yaml")).unwrap();
    let expected = before
        .replace("version: \"2.0\"   # set", "version: \"3.0\"   # set")
        .replace("published: 2024-06-01", "published: 2025-01-20");
    assert_eq!(after, expected, "comments and layout are kept");
    let text = stdout(&output);
    assert!(text.contains("~ term phishing"), "{text}");
    assert!(text.contains("[-credentials-]{+passwords+}"), "{text}");
}

#[test]
fn release_refuses_a_used_version_an_early_date_and_an_invalid_registry() {
    let git = two_releases();
    let reused = run(git.path(), &["release", "1.0", "--date", "2025-01-01"]);
    assert_eq!(reused.status.code(), Some(1));
    assert!(
        stderr(&reused).contains("version 1.0 was already released"),
        "{}",
        stderr(&reused)
    );
    let early = run(git.path(), &["release", "3.0", "--date", "2024-06-01"]);
    assert_eq!(early.status.code(), Some(1));
    assert!(
        stderr(&early).contains("not after the latest release"),
        "{}",
        stderr(&early)
    );
    git.edit(
        "definitions/terms/malware.md",
        "remit: within",
        "remit: withn",
    );
    let invalid = run(git.path(), &["release", "3.0", "--date", "2025-01-01"]);
    assert_eq!(invalid.status.code(), Some(1));
    assert!(stdout(&invalid).is_empty());
    assert!(
        fs::read_to_string(git.path().join("definitions/registry.yaml"))
            .unwrap()
            .contains("version: \"2.0\""),
        "nothing changed"
    );
    assert_eq!(
        run(git.path(), &["release", "bad/version"]).status.code(),
        Some(1)
    );
}

const MEMO: &str = "# Memo

The [current definition](https://defs.example.org/versions/1.0/definitions/dns-abuse/) applies.
Registrars act on phishing and on Phishing attacks; malware is next.
A [content abuse](https://defs.example.org/definitions/content-abuse/) case and a
[website-content abuse](https://defs.example.org/definitions/dns-abuse/) claim, and
[unknown](https://defs.example.org/definitions/fast-flux/).
`malware` in code is not a use.
";

#[test]
fn lint_docs_reports_each_class_of_problem_with_positions() {
    let git = two_releases();
    git.write("memo.md", MEMO);
    let output = run(git.path(), &["lint-docs", "memo.md", "--format", "json"]);
    assert_eq!(output.status.code(), Some(1));
    let findings: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).unwrap();
    let at = |line: u32, col: u32, text: &str| {
        assert!(
            findings.iter().any(|f| f["file"] == "memo.md"
                && f["line"] == line
                && f["column"] == col
                && f["message"].as_str().unwrap().contains(text)),
            "{line}:{col} {text}: {findings:#?}"
        )
    };
    at(
        3,
        5,
        "link to archived version 1.0 of `dns-abuse` beside a claim about the current definition",
    );
    at(
        4,
        19,
        "the first use of `phishing` does not link to the registry",
    );
    at(4, 53, "the first use of `malware`");
    at(5, 3, "link to the retired entry `content-abuse`");
    at(
        6,
        1,
        "`website-content abuse` is outside the remit, but is linked as DNS abuse",
    );
    at(
        7,
        1,
        "link to `fast-flux`, which the registry does not define",
    );
    let retired = findings
        .iter()
        .find(|f| f["message"].as_str().unwrap().contains("retired"))
        .unwrap();
    assert!(
        retired["help"]
            .as_str()
            .unwrap()
            .contains("superseded by `website-content-abuse`")
    );
    assert_eq!(
        findings
            .iter()
            .filter(|f| f["message"].as_str().unwrap().contains("`malware`"))
            .count(),
        1,
        "only the first use, and not in code"
    );
}

#[test]
fn lint_docs_fix_adds_links_and_changes_nothing_else() {
    let git = two_releases();
    git.write("memo.md", MEMO);
    run(git.path(), &["lint-docs", "memo.md", "--fix"]);
    let fixed = fs::read_to_string(git.path().join("memo.md")).unwrap();
    let expected = MEMO
        .replacen(
            "on phishing and",
            &format!("on [phishing]({BASE}definitions/phishing/) and"),
            1,
        )
        .replacen(
            "; malware is",
            &format!("; [malware]({BASE}definitions/malware/) is"),
            1,
        );
    assert_eq!(fixed, expected);
    // A clean document passes.
    git.write(
        "clean.html",
        &format!("<p>See <a href=\"{BASE}definitions/phishing/\">phishing</a>.</p>"),
    );
    let clean = run(git.path(), &["lint-docs", "clean.html"]);
    assert_eq!(clean.status.code(), Some(0), "{}", stdout(&clean));
    git.write("plain.txt", "phishing without a link\n");
    let plain = run(
        git.path(),
        &["lint-docs", "plain.txt", "--format", "github"],
    );
    assert!(
        stdout(&plain)
            .starts_with("::error file=plain.txt,line=1,col=1::the first use of `phishing`"),
        "{}",
        stdout(&plain)
    );
}
