//! Measures the word-level redline of a 20,000-word body against a rewritten one: the
//! worst case an editor can produce. Run with `cargo run --release --example redline_20k`.

use std::time::Instant;

use abusedefs::diff::redline::redline;

fn words(seed: u64, n: usize) -> String {
    let vocabulary = [
        "registrar",
        "registry",
        "domain",
        "abuse",
        "phishing",
        "malware",
        "evidence",
        "action",
        "report",
        "name",
        "the",
        "of",
        "and",
        "must",
        "promptly",
    ];
    let mut x = seed;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            vocabulary[(x % vocabulary.len() as u64) as usize]
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn main() {
    let old = words(1, 20_000);
    let new = words(2, 20_000);
    for (label, a, b) in [
        ("rewritten", &old, &new),
        (
            "one word changed",
            &old,
            &old.replacen("abuse", "misuse", 1),
        ),
    ] {
        let start = Instant::now();
        let segments = redline(a, b);
        println!(
            "20,000 words, {label}: {} segments in {:.3} s",
            segments.len(),
            start.elapsed().as_secs_f64()
        );
    }
}
