//! Criterion benchmarks of the pipeline's stages on in-memory registries: loading (parse
//! and validate), the semantic diff, word redlines, and rendering a site. The whole-build
//! comparison with Hugo and the I/O floor is `scripts/bench.sh`.

use std::hint::black_box;

use abusedefs::diff;
use abusedefs::history::{Commit, History, Release};
use abusedefs::load::{Loader, MemorySource};
use abusedefs::model::Registry;
use abusedefs::render::Renderer;
use abusedefs::site;
use chrono::NaiveDate;
use criterion::{Criterion, criterion_group, criterion_main};

const META: &str = "schema: 1\ntitle: Bench\npublisher: Bench\nversion: \"1\"\npublished: 2024-01-01\nremit: r\ncycle: {interval_years: 2, month: 1, first_year: 2024, limit_business_days: 30}\n";
const WORDS: &[&str] = &[
    "registrar",
    "domain",
    "abuse",
    "phishing",
    "malware",
    "evidence",
    "action",
    "the",
    "of",
    "and",
    "must",
    "promptly",
];

fn body(seed: usize, words: usize) -> String {
    (0..words)
        .map(|i| WORDS[(i * 7 + seed * 13 + i / 5) % WORDS.len()])
        .collect::<Vec<_>>()
        .join(" ")
}

/// A registry of `n` related terms with ~400-word bodies; `edit` changes one word in
/// every `edit`-th body.
fn source(n: usize, edit: Option<usize>) -> MemorySource {
    let mut s = MemorySource::new();
    s.add("registry.yaml", META, None);
    for i in 0..n {
        let mut text = body(i, 400);
        if edit.is_some_and(|e| i % e == 0) {
            text = text.replacen("domain", "name", 1);
        }
        s.add(&format!("terms/t-{i}.md"), format!("---\nid: t-{i}\nterm: t {i}\nkind: related-term\nsummary: Summary {i}.\ndistinction: Distinction.\n---\n\n{text}\n"), None);
    }
    s
}

fn load(s: &MemorySource) -> Registry {
    Loader::new()
        .load(s, "definitions")
        .expect("loads")
        .registry
        .expect("valid")
}

fn benches(c: &mut Criterion) {
    let base = source(1000, None);
    c.bench_function("load 1000 terms", |b| b.iter(|| black_box(load(&base))));

    let old = load(&base);
    let new = load(&source(1000, Some(33)));
    c.bench_function("diff 1000 terms, 3% edited", |b| {
        b.iter(|| {
            black_box(diff::diff(
                &old,
                &new,
                diff::side("a", &old, None),
                diff::side("b", &new, None),
            ))
        })
    });

    let (a, bb) = (body(1, 400), body(2, 400));
    c.bench_function("redline 400 words rewritten", |b| {
        b.iter(|| black_box(diff::redline::redline(&a, &bb)))
    });

    let commit = |n: usize| Commit {
        id: format!("{n:040}"),
        short: format!("{n:07}"),
        date: NaiveDate::from_ymd_opt(2024, 1, 1).expect("date"),
        subject: "Release".into(),
        merge: false,
    };
    let small_a = load(&source(200, None));
    let mut small_b = load(&source(200, Some(20)));
    small_b.meta.version = "2".into();
    small_b.meta.published = NaiveDate::from_ymd_opt(2025, 1, 1).expect("date");
    let history = History {
        releases: vec![
            Release {
                version: "1".into(),
                published: small_a.meta.published,
                commit: commit(1),
                tree: "1".into(),
                registry: small_a,
            },
            Release {
                version: "2".into(),
                published: small_b.meta.published,
                commit: commit(2),
                tree: "2".into(),
                registry: small_b,
            },
        ],
        ..History::default()
    };
    let renderer = Renderer::new(None).expect("templates");
    let options = site::Options {
        today: NaiveDate::from_ymd_opt(2025, 6, 1).expect("date"),
        base_url: None,
        include_draft: false,
        preview: false,
    };
    c.bench_function("render site, 2 releases x 200 terms", |b| {
        b.iter(|| black_box(site::build(&history, &options, &renderer).expect("builds")))
    });
}

criterion_group! {
    name = pipeline;
    config = Criterion::default().sample_size(10);
    targets = benches
}
criterion_main!(pipeline);
