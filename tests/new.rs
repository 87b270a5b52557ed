//! `abusedefs new` through the real binary: skeletons that pass `check`, refused ids.

mod common;

use common::*;

#[test]
fn each_skeleton_is_valid_and_lands_in_its_folder() {
    let dir = base_registry();
    for (kind, id, folder) in [
        ("term", "fast-flux", "terms"),
        ("obligation", "ra-spec-6-5", "obligations"),
        ("procedure", "report-phishing", "procedures"),
    ] {
        let output = run(dir.path(), &["new", kind, id]);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        let text =
            std::fs::read_to_string(dir.path().join(format!("definitions/{folder}/{id}.md")))
                .unwrap();
        assert!(text.contains(&format!("id: {id}")));
        assert!(
            text.lines().filter(|l| l.starts_with('#')).count() >= 3,
            "fields are explained in comments"
        );
    }
    let (code, diagnostics) = check_json(dir.path());
    assert_eq!(code, 0, "{diagnostics:#?}");
}

#[test]
fn invalid_and_existing_ids_are_refused() {
    let dir = base_registry();
    let bad = run(dir.path(), &["new", "term", "Fast Flux"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        stderr(&bad).contains("try `abusedefs new term fast-flux`"),
        "{}",
        stderr(&bad)
    );
    let taken = run(dir.path(), &["new", "procedure", "phishing"]);
    assert_eq!(taken.status.code(), Some(1));
    assert!(
        stderr(&taken).contains("already used by definitions/terms/phishing.md"),
        "{}",
        stderr(&taken)
    );
    assert_eq!(
        run(dir.path(), &["new", "widget", "x"]).status.code(),
        Some(2)
    );
}
