//! Snapshot tests, reviewed like code: the Markdown redline posted on pull requests, the
//! terminal redline, and a rendered term page, for a fixed history (fixed dates, so fixed
//! commit ids).

mod common;

use common::*;

fn history() -> Git {
    let git = Git::with_base();
    git.commit("Release 1.0", "2024-01-15");
    git.edit(
        "definitions/terms/phishing.md",
        "revealing credentials using a domain name",
        "revealing credentials or payment data, using a domain name",
    );
    git.edit(
        "definitions/terms/security-threat.md",
        "kind: related-term",
        "kind: outside-remit\nremit: outside",
    );
    git.rename_content_abuse();
    git.set_release("2.0", "2024-06-01");
    git.commit("Release 2.0 (#2)", "2024-06-01");
    git
}

#[test]
fn markdown_redline_for_a_pull_request() {
    let git = history();
    insta::assert_snapshot!(stdout(&run(
        git.path(),
        &["diff", "1.0", "2.0", "--format", "markdown"]
    )));
}

#[test]
fn text_redline_without_colour() {
    let git = history();
    insta::assert_snapshot!(stdout(&run(git.path(), &["diff", "1.0", "2.0"])));
}

#[test]
fn rendered_term_page() {
    let git = history();
    let out = tempfile::tempdir().unwrap();
    run(
        git.path(),
        &[
            "build",
            "--out",
            out.path().to_str().unwrap(),
            "--today",
            "2024-07-01",
        ],
    );
    insta::assert_snapshot!(
        std::fs::read_to_string(out.path().join("definitions/phishing/index.html")).unwrap()
    );
}
