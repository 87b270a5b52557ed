//! `abusedefs build` through the real binary on the demo history: every URL pattern of
//! the specification, links and fragments that resolve, reproducible and atomic builds,
//! and a hostile registry whose content stays inert.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use common::*;

const TODAY: &str = "2026-12-04";

/// Builds the demo repository in a temporary folder; returns (temp dir, repo path).
fn demo_repo() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    let out = dir.path().join("unused-site");
    let output = run(
        dir.path(),
        &[
            "demo",
            "--keep-repo",
            repo.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--today",
            TODAY,
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    (dir, repo)
}

fn build(repo: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["build", "--out", out.to_str().unwrap(), "--today", TODAY];
    args.extend_from_slice(extra);
    run(repo, &args)
}

#[test]
fn every_url_pattern_exists_for_the_demo_history() {
    let (dir, repo) = demo_repo();
    let out = dir.path().join("site");
    let output = build(&repo, &out, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    for path in [
        "index.html",
        "definitions/dns-abuse/index.html",
        "definitions/content-abuse/index.html",
        "obligations/raa-3-18-2/index.html",
        "procedures/compliance-complaint/index.html",
        "versions/index.html",
        "versions/2021.1/index.html",
        "versions/2021.1/definitions/security-threat/index.html",
        "versions/2024.1/obligations/ra-spec-6-4/index.html",
        "versions/2024.1/changes/index.html",
        "compare/2024.1...2025.1/index.html",
        "compare/2021.1...2026.1/index.html",
        "history/phishing/index.html",
        "draft/index.html",
        "cycle/index.html",
        "cycle.ics",
        "api/v1/registry.json",
        "api/v1/versions.json",
        "api/v1/versions/2023.1.json",
        "api/v1/changes/2024.1.json",
        "api/v1/terms.csv",
        "api/v1/schema/diff.schema.json",
        "feed.xml",
        "sitemap.xml",
        "robots.txt",
        "404.html",
        "style.css",
    ] {
        assert!(out.join(path).is_file(), "{path} is missing");
    }
    let cycle = fs::read_to_string(out.join("cycle/index.html")).unwrap();
    assert!(
        cycle.contains("2023") && cycle.contains("On time") && cycle.contains("2027"),
        "{cycle}"
    );
    let ics = fs::read_to_string(out.join("cycle.ics")).unwrap();
    assert!(
        ics.starts_with("BEGIN:VCALENDAR\r\n") && ics.contains("DTSTART;VALUE=DATE:20270101"),
        "{ics}"
    );
}

/// Every `href`/`src` that points inside the site resolves to a file, and every
/// `#fragment` to an element id in it.
#[test]
fn every_internal_link_and_fragment_resolves() {
    let (dir, repo) = demo_repo();
    let out = dir.path().join("site");
    assert_eq!(build(&repo, &out, &[]).status.code(), Some(0));
    let files = tree(&out);
    let ids: BTreeMap<&String, BTreeSet<String>> = files
        .iter()
        .filter(|(p, _)| p.ends_with(".html"))
        .map(|(p, b)| {
            let text = String::from_utf8_lossy(b);
            (
                p,
                text.split(" id=\"")
                    .skip(1)
                    .filter_map(|s| s.split('"').next())
                    .map(str::to_string)
                    .collect(),
            )
        })
        .collect();
    let mut checked = 0;
    let mut broken = Vec::new();
    for (page, bytes) in files
        .iter()
        .filter(|(p, _)| p.ends_with(".html") && p.as_str() != "404.html")
    {
        let text = String::from_utf8_lossy(bytes);
        for attr in ["href=\"", "src=\""] {
            for link in text.split(attr).skip(1).filter_map(|s| s.split('"').next()) {
                if link.contains("://") || link.starts_with("mailto:") {
                    continue;
                }
                let (target, fragment) = link.split_once('#').unwrap_or((link, ""));
                let resolved = if target.is_empty() {
                    page.clone()
                } else {
                    let mut parts: Vec<&str> = page.split('/').collect();
                    parts.pop();
                    for part in target.split('/') {
                        match part {
                            ".." => {
                                parts.pop();
                            }
                            "." | "" => {}
                            p => parts.push(p),
                        }
                    }
                    parts.join("/")
                };
                checked += 1;
                if !files.contains_key(&resolved) {
                    broken.push(format!("{page}: {link}"));
                } else if !fragment.is_empty()
                    && !ids.get(&resolved).is_some_and(|set| set.contains(fragment))
                {
                    broken.push(format!("{page}: {link} (no #{fragment})"));
                }
            }
        }
    }
    assert!(checked > 1000, "only {checked} links checked");
    assert!(
        broken.is_empty(),
        "{} broken links, e.g. {:#?}",
        broken.len(),
        &broken[..broken.len().min(20)]
    );
}

#[test]
fn two_builds_with_the_same_today_are_byte_identical_and_a_rebuild_writes_nothing() {
    let (dir, repo) = demo_repo();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    assert_eq!(build(&repo, &a, &[]).status.code(), Some(0));
    assert_eq!(build(&repo, &b, &[]).status.code(), Some(0));
    assert_eq!(tree(&a), tree(&b));
    let again = build(&repo, &a, &[]);
    assert!(
        stdout(&again).contains("(0 files written,"),
        "{}",
        stdout(&again)
    );
}

#[test]
fn a_failed_build_leaves_the_previous_site_intact() {
    let (dir, repo) = demo_repo();
    let out = dir.path().join("site");
    assert_eq!(build(&repo, &out, &[]).status.code(), Some(0));
    let before = tree(&out);
    fs::write(
        repo.join("definitions/terms/phishing.md"),
        "---\nid: phishing\nterm: [unclosed\n---\n",
    )
    .unwrap();
    let failed = build(&repo, &out, &[]);
    assert_eq!(failed.status.code(), Some(1));
    assert!(
        stderr(&failed).contains("definitions/terms/phishing.md:3:7"),
        "{}",
        stderr(&failed)
    );
    assert!(
        stderr(&failed).contains("nothing was written"),
        "{}",
        stderr(&failed)
    );
    assert_eq!(tree(&out), before);
}

#[test]
fn no_draft_leaves_the_draft_out() {
    let (dir, repo) = demo_repo();
    let out = dir.path().join("site");
    assert_eq!(build(&repo, &out, &["--no-draft"]).status.code(), Some(0));
    assert!(!out.join("draft/index.html").exists());
    let home = fs::read_to_string(out.join("index.html")).unwrap();
    assert!(
        !home.contains("draft/index.html"),
        "no link to a missing draft"
    );
}

#[test]
fn a_folder_not_made_by_abusedefs_is_never_overwritten() {
    let (dir, repo) = demo_repo();
    let out = dir.path().join("mine");
    fs::create_dir(&out).unwrap();
    fs::write(out.join("notes.txt"), "keep").unwrap();
    let output = build(&repo, &out, &[]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("refusing to overwrite"),
        "{}",
        stderr(&output)
    );
    assert_eq!(fs::read_to_string(out.join("notes.txt")).unwrap(), "keep");
}

#[test]
fn a_registry_template_overrides_the_built_in_one() {
    let (dir, repo) = demo_repo();
    write(
        &repo,
        "templates/site/404.html",
        "{% extends \"base.html\" %}{% block content %}<h1>Lost? Custom page</h1>{% endblock content %}",
    );
    let out = dir.path().join("site");
    assert_eq!(build(&repo, &out, &[]).status.code(), Some(0));
    assert!(
        fs::read_to_string(out.join("404.html"))
            .unwrap()
            .contains("Lost? Custom page")
    );
}

/// The attributes of a tag's inside (`a href="x" title='y'`), quotes respected.
fn attributes(tag: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut chars = tag.chars().peekable();
    while chars.peek().is_some_and(|c| !c.is_whitespace()) {
        chars.next();
    }
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace() || *c == '/') {
            chars.next();
        }
        let name: String =
            std::iter::from_fn(|| chars.next_if(|c| !c.is_whitespace() && *c != '=' && *c != '/'))
                .collect();
        if name.is_empty() {
            return out;
        }
        let mut value = String::new();
        if chars.next_if_eq(&'=').is_some() {
            match chars.next_if(|c| *c == '"' || *c == '\'') {
                Some(quote) => {
                    value = std::iter::from_fn(|| chars.next_if(|c| *c != quote)).collect()
                }
                None => {
                    value = std::iter::from_fn(|| chars.next_if(|c| !c.is_whitespace())).collect()
                }
            }
            chars.next();
        }
        out.push((name, value));
    }
}

#[test]
fn a_hostile_registry_builds_to_an_inert_site() {
    let git = Git::with_base();
    git.write(
        "definitions/terms/phishing.md",
        r#"---
id: phishing
term: "<script>alert('term')</script>"
title: "<img src=x onerror=alert('title')>"
kind: abuse-type
remit: within
summary: "Phishing <script>alert('summary')</script> <a href=\"javascript:alert(1)\">x</a> [md](javascript:alert(2)) ![i](data:text/html;base64,PHNjcmlwdD4=)"
aliases: ["</script><script>alert('alias')</script>"]
sources:
  - title: "<b onmouseover=alert('src')>source</b>"
    url: https://example.org/?q="><script>alert('url')</script>
---

<script>alert('body')</script>
<svg><script>alert('svg')</script><circle onload="alert('svg2')"/></svg>
<iframe src="https://evil.example"></iframe><object data="x.swf"></object>
<p style="background:url(javascript:alert(3))" onclick="alert('p')">click</p>
<a href="data:text/html,<script>alert(4)</script>">data</a> <a href="JAVASCRIPT:alert(5)">js</a>
<form action="https://evil.example"><input name=x></form>
"#,
    );
    git.commit("Hostile release", "2024-01-15");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("site");
    let output = build(git.path(), &out, &[]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}{}",
        stdout(&output),
        stderr(&output)
    );
    let mut checked = 0;
    for (path, bytes) in tree(&out) {
        if !path.ends_with(".html") {
            continue;
        }
        checked += 1;
        let html = String::from_utf8_lossy(&bytes).to_lowercase();
        let scripts = html.matches("<script").count();
        let json_ld = html
            .matches("<script type=\"application/ld+json\">")
            .count();
        let ours = html.matches("search-index.js\" defer></script>").count()
            + html.matches("/search.js\" defer></script>").count()
            + html.matches("\"search.js\" defer></script>").count();
        assert_eq!(
            scripts,
            json_ld + ours,
            "{path}: only JSON-LD and the site's own search scripts"
        );
        // Escaped text (`&lt;img onerror=…`) is inert; look inside real tags only.
        for tag in html.split('<').skip(1).filter_map(|t| t.split('>').next()) {
            let name = tag.split_whitespace().next().unwrap_or("");
            // The 404 page carries the site's own stylesheet inline; nothing else may.
            let allowed_style = path == "404.html" && name == "style";
            // The site's own search box.
            if tag == "form role=\"search\"" || tag.starts_with("input id=\"search-input\"") {
                continue;
            }
            assert!(
                allowed_style
                    || ![
                        "iframe", "object", "embed", "svg", "math", "form", "input", "img",
                        "style", "base"
                    ]
                    .contains(&name),
                "{path}: <{tag}>"
            );
            for (attr, value) in attributes(tag) {
                assert!(
                    !attr.starts_with("on") && attr != "style",
                    "{path}: {attr} in <{tag}>"
                );
                if ["href", "src", "action", "formaction", "xlink:href"].contains(&attr.as_str()) {
                    let v = value.trim();
                    assert!(
                        !v.starts_with("javascript:")
                            && !v.starts_with("data:")
                            && !v.starts_with("vbscript:"),
                        "{path}: <{tag}>"
                    );
                }
            }
        }
        // The JSON-LD cannot be closed early by content.
        for block in html.split("<script type=\"application/ld+json\">").skip(1) {
            let json = block.split("</script>").next().unwrap_or("");
            assert!(!json.contains('<'), "{path}: JSON-LD holds a raw `<`");
        }
    }
    assert!(checked >= 10);
    let index = fs::read_to_string(out.join("search-index.js")).unwrap();
    assert!(!index.contains('<'), "the search index holds no raw markup");
}

#[test]
fn the_attribute_reader_finds_live_handlers_and_ignores_escaped_text() {
    let live = attributes(r#"img src=x onerror=alert(1)"#);
    assert!(live.iter().any(|(a, _)| a == "onerror"));
    let quoted = attributes(r#"meta content="&lt;img onerror=x&gt;" name='d'"#);
    assert_eq!(
        quoted,
        vec![
            ("content".to_string(), "&lt;img onerror=x&gt;".to_string()),
            ("name".to_string(), "d".to_string())
        ]
    );
}

#[cfg(unix)]
#[test]
fn symlinked_templates_are_never_followed() {
    let (dir, repo) = demo_repo();
    let outside = tempfile::tempdir().unwrap();
    write(outside.path(), "site/404.html", "LEAKED-TEMPLATE");
    std::os::unix::fs::symlink(outside.path(), repo.join("templates")).unwrap();
    let out = dir.path().join("site");
    assert_eq!(build(&repo, &out, &[]).status.code(), Some(0));
    assert!(
        !fs::read_to_string(out.join("404.html"))
            .unwrap()
            .contains("LEAKED-TEMPLATE")
    );
    fs::remove_file(repo.join("templates")).unwrap();
    fs::create_dir_all(repo.join("templates/site")).unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("site/404.html"),
        repo.join("templates/site/404.html"),
    )
    .unwrap();
    assert_eq!(build(&repo, &out, &[]).status.code(), Some(0));
    assert!(
        !fs::read_to_string(out.join("404.html"))
            .unwrap()
            .contains("LEAKED-TEMPLATE")
    );
}

#[test]
fn an_obligation_not_yet_in_force_is_marked_pending() {
    let git = Git::with_base();
    git.edit(
        "definitions/obligations/mitigation.md",
        "effective: 2024-04-05",
        "effective: 2030-01-01",
    );
    git.commit("Release 1.0", "2024-01-15");
    let out = tempfile::tempdir().unwrap();
    assert_eq!(build(git.path(), out.path(), &[]).status.code(), Some(0));
    let home = fs::read_to_string(out.path().join("index.html")).unwrap();
    assert!(home.contains("pending: not yet in force"), "{home}");
    let page = fs::read_to_string(out.path().join("obligations/mitigation/index.html")).unwrap();
    assert!(
        page.contains("pending: not yet in force at this version"),
        "{page}"
    );
    // At a release published after the effective date (2024-04-05), it is not marked.
    let git = Git::with_base();
    git.set_release("1.0", "2024-06-01");
    git.commit("Release 1.0", "2024-06-01");
    let out = tempfile::tempdir().unwrap();
    build(git.path(), out.path(), &[]);
    assert!(
        !fs::read_to_string(out.path().join("index.html"))
            .unwrap()
            .contains("pending")
    );
}
