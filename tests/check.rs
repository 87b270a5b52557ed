//! `abusedefs check` through the real binary: one fixture folder per invalid-input case,
//! hostile inputs built on the fly, the three output formats and the exit codes.

mod common;

use std::fs;

use common::*;

/// (case folder, file, line, column, part of the message). Line and column 0: none.
const CASES: &[(&str, &str, u32, u32, &str)] = &[
    (
        "yaml-syntax",
        "definitions/terms/phishing.md",
        4,
        5,
        "illegal placement of ':' indicator",
    ),
    (
        "unknown-field",
        "definitions/terms/malware.md",
        5,
        1,
        "unknown field `remmit`",
    ),
    (
        "wrong-type",
        "definitions/terms/malware.md",
        7,
        11,
        "`see_also`: expected sequence",
    ),
    (
        "bad-date",
        "definitions/obligations/mitigation.md",
        7,
        12,
        "`effective` is not a valid date: `2024-13-45`",
    ),
    (
        "missing-field",
        "definitions/terms/malware.md",
        5,
        1,
        "missing required field `summary`",
    ),
    (
        "bad-id",
        "definitions/terms/Malware_Type.md",
        2,
        5,
        "may only contain lowercase letters",
    ),
    (
        "id-differs-from-file",
        "definitions/terms/malware.md",
        2,
        5,
        "the id `malwares` differs from the file name `malware.md`",
    ),
    (
        "duplicate-id",
        "definitions/terms/phishing.md",
        2,
        5,
        "the id `phishing` is already used by `definitions/procedures/phishing.md`",
    ),
    (
        "duplicate-alias",
        "definitions/terms/security-threat.md",
        7,
        11,
        "`Phishing Attack` is already the term or an alias of `phishing`",
    ),
    (
        "dangling-reference",
        "definitions/terms/phishing.md",
        7,
        12,
        "`see_also` refers to `malwre`, which does not exist",
    ),
    (
        "dangling-reference",
        "definitions/terms/phishing.md",
        8,
        15,
        "`obligations` refers to `no-such-clause`",
    ),
    (
        "remit-rules",
        "definitions/terms/content-abuse.md",
        5,
        8,
        "an `outside-remit` term cannot have `remit: within`",
    ),
    (
        "remit-rules",
        "definitions/terms/malware.md",
        4,
        7,
        "needs `remit: within` or `remit: outside`",
    ),
    (
        "related-term-without-distinction",
        "definitions/terms/security-threat.md",
        4,
        7,
        "a `related-term` needs a `distinction`",
    ),
    (
        "unknown-kind",
        "definitions/terms/security-threat.md",
        4,
        7,
        "`kind` has an unknown value `related`",
    ),
    (
        "includes-non-abuse-type",
        "definitions/terms/dns-abuse.md",
        7,
        31,
        "the forms of DNS abuse must be `abuse-type`",
    ),
    (
        "empty-file",
        "definitions/terms/empty.md",
        0,
        0,
        "the file is empty",
    ),
    (
        "no-front-matter",
        "definitions/terms/plain.md",
        1,
        1,
        "does not start with `---` front matter",
    ),
    (
        "unclosed-front-matter",
        "definitions/terms/open.md",
        1,
        1,
        "not closed by a `---` line",
    ),
    (
        "not-utf8",
        "definitions/terms/latin1.md",
        3,
        10,
        "not valid UTF-8",
    ),
    (
        "unexpected-file",
        "definitions/terms/notes.txt",
        0,
        0,
        "unexpected file",
    ),
    (
        "unexpected-file",
        "definitions/drafts",
        0,
        0,
        "unexpected folder",
    ),
    (
        "unsafe-url",
        "definitions/procedures/complaint.md",
        5,
        6,
        "`url` is not an allowed link: `javascript:alert(1)`",
    ),
    (
        "unsupported-schema",
        "definitions/registry.yaml",
        1,
        9,
        "schema 9 is not supported",
    ),
    (
        "bad-registry-fields",
        "definitions/registry.yaml",
        4,
        10,
        "`version` `1.0/../x` is not a valid version",
    ),
    (
        "bad-registry-fields",
        "definitions/registry.yaml",
        5,
        12,
        "`published` is not a valid date",
    ),
    (
        "bad-registry-fields",
        "definitions/registry.yaml",
        9,
        10,
        "`cycle.month` must be a month number",
    ),
    (
        "missing-registry-yaml",
        "definitions/registry.yaml",
        0,
        0,
        "`registry.yaml` is missing",
    ),
    (
        "three-files",
        "definitions/terms/malware.md",
        7,
        10,
        "`adopted` is not a valid date: `yesterday`",
    ),
    (
        "three-files",
        "definitions/obligations/mitigation.md",
        6,
        11,
        "`parties` has an unknown value `registrar`",
    ),
    (
        "three-files",
        "definitions/procedures/complaint.md",
        4,
        1,
        "unknown field `ownr`",
    ),
];

#[test]
fn every_invalid_case_is_reported_with_file_line_and_message() {
    for (case, file, line, column, message) in CASES {
        let dir = registry_with_case(case);
        let (code, diagnostics) = check_json(dir.path());
        assert_eq!(code, 1, "{case}: exit status");
        let found = diagnostics.iter().any(|d| {
            d["severity"] == "error"
                && d["file"] == *file
                && d["line"] == *line
                && d["column"] == *column
                && d["message"].as_str().unwrap().contains(message)
        });
        assert!(
            found,
            "{case}: expected {file}:{line}:{column}: {message}\ngot {diagnostics:#?}"
        );
    }
}

#[test]
fn every_case_folder_is_covered_by_the_table() {
    for entry in fs::read_dir(fixtures().join("invalid")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        assert!(
            CASES.iter().any(|(case, ..)| *case == name),
            "no expectation for fixture {name}"
        );
    }
}

#[test]
fn suggestions_accompany_typos() {
    let dir = registry_with_case("unknown-field");
    let (_, diagnostics) = check_json(dir.path());
    let helps: Vec<&str> = diagnostics
        .iter()
        .filter_map(|d| d["help"].as_str())
        .collect();
    assert!(helps.contains(&"did you mean `remit`?"), "{helps:?}");
    assert!(helps.contains(&"did you mean `summary`?"), "{helps:?}");
}

#[test]
fn three_broken_files_are_reported_in_one_human_run() {
    let dir = registry_with_case("three-files");
    let output = run(dir.path(), &["check"]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text.contains("definitions/terms/malware.md:7:10: error: `adopted` is not a valid date"),
        "{text}"
    );
    assert!(
        text.contains("definitions/obligations/mitigation.md:6:11: error:"),
        "{text}"
    );
    assert!(
        text.contains("definitions/procedures/complaint.md:4:1: error: unknown field `ownr`"),
        "{text}"
    );
    assert!(text.contains("  help: did you mean `owner`?"), "{text}");
    assert!(text.ends_with("3 errors, 0 warnings\n"), "{text}");
}

#[test]
fn the_base_fixture_and_the_bundled_registry_are_valid() {
    let dir = base_registry();
    let output = run(dir.path(), &["check"]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    let bundled = run(std::path::Path::new(env!("CARGO_MANIFEST_DIR")), &["check"]);
    assert_eq!(bundled.status.code(), Some(0), "{}", stdout(&bundled));
    assert!(stdout(&bundled).contains("no problems found"));
}

#[test]
fn github_format_emits_workflow_annotations() {
    let dir = registry_with_case("three-files");
    let output = run(dir.path(), &["check", "--format", "github"]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text.lines()
            .all(|l| l.starts_with("::error file=") || l.starts_with("::warning")),
        "{text}"
    );
    assert!(
        text.contains("::error file=definitions/terms/malware.md,line=7,col=10::"),
        "{text}"
    );
}

#[test]
fn check_works_from_a_subfolder_and_names_paths_from_the_root() {
    let dir = registry_with_case("bad-date");
    fs::create_dir(dir.path().join(".git")).unwrap();
    let output = run(&dir.path().join("definitions/terms"), &["check"]);
    assert!(
        stdout(&output).contains("definitions/obligations/mitigation.md:7:12"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn usage_errors_exit_with_2() {
    let dir = base_registry();
    assert_eq!(
        run(dir.path(), &["check", "--format", "yaml"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(run(dir.path(), &["no-such-command"]).status.code(), Some(2));
}

// Hostile inputs: each must be an error naming the file, never a panic or a hang.

fn assert_rejected(dir: &std::path::Path, file: &str) -> Vec<serde_json::Value> {
    let (code, diagnostics) = check_json(dir);
    assert_eq!(code, 1);
    assert!(
        diagnostics
            .iter()
            .any(|d| d["file"] == file && d["severity"] == "error"),
        "{file}: {diagnostics:#?}"
    );
    diagnostics
}

#[test]
fn an_alias_bomb_is_refused() {
    let dir = base_registry();
    let mut yaml = String::from(
        "---\nid: bomb\nterm: bomb\nkind: related-term\nsummary: x\ndistinction: y\nsources: &a0 [{title: t, url: https://x.org}]\n",
    );
    for i in 1..=12 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        yaml.push_str(&format!("note{i}: &a{i} [{refs}]\n"));
    }
    yaml.push_str("---\n");
    write(dir.path(), "definitions/terms/bomb.md", yaml);
    let diagnostics = assert_rejected(dir.path(), "definitions/terms/bomb.md");
    assert!(diagnostics.iter().any(|d| {
        d["message"]
            .as_str()
            .unwrap()
            .contains("too large, too deeply nested or expands too many aliases")
    }));
}

#[test]
fn deep_nesting_is_refused() {
    let dir = base_registry();
    let yaml = format!("---\nid: deep\nterm: {}\n---\n", "[".repeat(50_000));
    write(dir.path(), "definitions/terms/deep.md", yaml);
    assert_rejected(dir.path(), "definitions/terms/deep.md");
}

#[test]
fn a_5_mb_entry_is_refused_unread() {
    let dir = base_registry();
    let mut text = String::from(
        "---\nid: big\nterm: big\nkind: related-term\nsummary: x\ndistinction: y\n---\n",
    );
    text.push_str(&"word ".repeat(1_000_000));
    write(dir.path(), "definitions/terms/big.md", text);
    let diagnostics = assert_rejected(dir.path(), "definitions/terms/big.md");
    assert!(diagnostics.iter().any(|d| {
        d["message"]
            .as_str()
            .unwrap()
            .contains("the limit is 1048576 bytes")
    }));
}

#[test]
fn random_binary_bytes_are_refused() {
    let dir = base_registry();
    // A fixed pseudo-random sequence (xorshift), so the test is repeatable.
    let mut x: u32 = 2463534242;
    let bytes: Vec<u8> = (0..4096)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x & 0xff) as u8
        })
        .collect();
    write(dir.path(), "definitions/terms/noise.md", &bytes);
    write(dir.path(), "definitions/registry.yaml", &bytes);
    assert_rejected(dir.path(), "definitions/terms/noise.md");
    assert_rejected(dir.path(), "definitions/registry.yaml");
}

#[test]
fn front_matter_that_is_not_a_mapping_is_refused() {
    let dir = base_registry();
    write(
        dir.path(),
        "definitions/terms/list.md",
        "---\n- a\n- b\n---\n",
    );
    write(
        dir.path(),
        "definitions/terms/scalar.md",
        "---\njust text\n---\n",
    );
    write(dir.path(), "definitions/terms/blank.md", "---\n---\nbody\n");
    for f in ["list", "scalar", "blank"] {
        assert_rejected(dir.path(), &format!("definitions/terms/{f}.md"));
    }
}

#[cfg(unix)]
#[test]
fn a_symlink_is_refused_and_its_target_never_read() {
    let dir = base_registry();
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("secret.md");
    fs::write(
        &secret,
        "---\nid: leak\nterm: TOP-SECRET-MARKER\n---\nTOP-SECRET-MARKER\n",
    )
    .unwrap();
    std::os::unix::fs::symlink(&secret, dir.path().join("definitions/terms/leak.md")).unwrap();
    std::os::unix::fs::symlink(
        outside.path(),
        dir.path().join("definitions/procedures/linked-dir"),
    )
    .unwrap();
    for format in ["human", "json", "github"] {
        let output = run(dir.path(), &["check", "--format", format]);
        assert_eq!(output.status.code(), Some(1));
        let all = format!("{}{}", stdout(&output), stderr(&output));
        assert!(!all.contains("TOP-SECRET-MARKER"), "{all}");
        assert!(all.contains("definitions/terms/leak.md"), "{all}");
        assert!(all.contains("symbolic links are not allowed"), "{all}");
        assert!(all.contains("definitions/procedures/linked-dir"), "{all}");
    }
}

#[cfg(unix)]
#[test]
fn a_symlinked_registry_folder_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let real = base_registry();
    std::os::unix::fs::symlink(
        real.path().join("definitions"),
        dir.path().join("definitions"),
    )
    .unwrap();
    let (code, diagnostics) = check_json(dir.path());
    assert_eq!(code, 1);
    assert!(
        diagnostics[0]["message"]
            .as_str()
            .unwrap()
            .contains("no registry folder"),
        "{diagnostics:#?}"
    );
}
