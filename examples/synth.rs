//! Writes a synthetic registry repository for benchmarks: N terms with ~400-word bodies,
//! obligations and procedures in proportion, C first-parent commits of which R are
//! releases, each release changing a few percent of the entries (word edits, renames,
//! retirements, additions). Deterministic: the same arguments give the same repository.
//!
//! cargo run --release --example synth -- --terms 1000 --releases 20 --commits 5000 DIR

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use chrono::{Duration, NaiveDate};

use abusedefs::history::builder::{CommitId, RepoBuilder};

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const WORDS: &[&str] = &[
    "registrar",
    "registry",
    "domain",
    "name",
    "abuse",
    "phishing",
    "malware",
    "botnet",
    "evidence",
    "action",
    "report",
    "contract",
    "obligation",
    "mitigation",
    "actionable",
    "promptly",
    "suspension",
    "referral",
    "resolution",
    "server",
    "content",
    "threat",
    "security",
    "harm",
    "delivery",
    "mechanism",
    "review",
    "policy",
    "community",
    "compliance",
    "complaint",
    "registrant",
    "hosting",
    "provider",
    "authority",
    "law",
    "jurisdiction",
    "within",
    "outside",
    "remit",
    "the",
    "of",
    "and",
    "to",
    "a",
    "in",
    "is",
    "that",
    "for",
    "on",
    "by",
    "with",
    "as",
    "may",
    "must",
    "when",
    "or",
    "not",
    "its",
    "this",
];

fn words(rng: &mut Rng, n: usize) -> Vec<String> {
    (0..n)
        .map(|_| WORDS[rng.below(WORDS.len())].to_string())
        .collect()
}

/// A body of ~400 words in paragraphs of ~60.
fn body(rng: &mut Rng) -> String {
    let mut out = String::new();
    for _ in 0..7 {
        let n = 55 + rng.below(10);
        let mut p = words(rng, n);
        p[0] = capitalise(&p[0]);
        out.push_str(&p.join(" "));
        out.push_str(".\n\n");
    }
    out
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

#[derive(Clone)]
struct Term {
    id: String,
    summary: String,
    body: String,
    replaces: Option<String>,
}

impl Term {
    fn render(&self) -> String {
        let replaces = self
            .replaces
            .as_ref()
            .map(|r| format!("replaces: {r}\n"))
            .unwrap_or_default();
        format!(
            "---\nid: {id}\nterm: {name}\nkind: related-term\nsummary: {summary}\ndistinction: It is a synthetic term, distinguished from DNS abuse for benchmarking.\nsee_also: [core-abuse]\n{replaces}---\n\n{body}",
            id = self.id,
            name = self.id.replace('-', " "),
            summary = self.summary,
            body = self.body
        )
    }
}

struct Args {
    terms: usize,
    releases: usize,
    commits: usize,
    dir: PathBuf,
}

fn parse_args() -> Result<Args> {
    let mut args = std::env::args().skip(1);
    let (mut terms, mut releases, mut commits, mut dir) = (1000, 20, 5000, None);
    while let Some(a) = args.next() {
        let mut number = |name: &str| -> Result<usize> {
            args.next()
                .with_context(|| format!("{name} needs a number"))?
                .parse()
                .with_context(|| format!("{name} needs a number"))
        };
        match a.as_str() {
            "--terms" => terms = number("--terms")?,
            "--releases" => releases = number("--releases")?,
            "--commits" => commits = number("--commits")?,
            other if !other.starts_with('-') => dir = Some(PathBuf::from(other)),
            other => bail!("unknown argument {other}"),
        }
    }
    let dir = dir.context("usage: synth [--terms N] [--releases R] [--commits C] DIR")?;
    if releases == 0 || commits < releases {
        bail!("need at least one release and as many commits as releases");
    }
    Ok(Args {
        terms,
        releases,
        commits,
        dir,
    })
}

const REGISTRY: &str = "schema: 1\ntitle: Synthetic Registry\npublisher: Benchmark\nversion: \"1\"\npublished: 2000-01-03\nbase_url: https://synthetic.example.org/\nremit: Synthetic remit statement.\ncycle:\n  interval_years: 2\n  month: 1\n  first_year: 2001\n  limit_business_days: 30\n";

fn main() -> Result<()> {
    let args = parse_args()?;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let builder = RepoBuilder::init(&args.dir)?;
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut terms: BTreeMap<String, Term> = BTreeMap::new();
    let core = "---\nid: core-abuse\nterm: core abuse\nkind: dns-abuse\nremit: within\nsummary: The synthetic umbrella definition.\nincludes: [core-phishing]\n---\n\nUmbrella.\n";
    files.insert(
        "definitions/terms/core-abuse.md".into(),
        core.as_bytes().to_vec(),
    );
    files.insert("definitions/terms/core-phishing.md".into(), b"---\nid: core-phishing\nterm: core phishing\nkind: abuse-type\nremit: within\nsummary: The synthetic form of abuse.\n---\n\nForm.\n".to_vec());
    for i in 0..args.terms {
        let t = Term {
            id: format!("term-{i:05}"),
            summary: capitalise(&words(&mut rng, 20).join(" ")) + ".",
            body: body(&mut rng),
            replaces: None,
        };
        files.insert(
            format!("definitions/terms/{}.md", t.id),
            t.render().into_bytes(),
        );
        terms.insert(t.id.clone(), t);
    }
    for i in 0..(args.terms / 10).max(1) {
        let text = format!(
            "---\nid: obligation-{i:04}\ntitle: Obligation {i}\ncontract: Synthetic Agreement\nsection: \"{i}.1\"\nparties: [registrars]\neffective: 2000-01-01\nsource_url: https://synthetic.example.org/contract\nwording: summary\nterms: [core-abuse]\n---\n\n{}",
            body(&mut rng)
        );
        files.insert(
            format!("definitions/obligations/obligation-{i:04}.md"),
            text.into_bytes(),
        );
    }
    for i in 0..(args.terms / 20).max(1) {
        let text = format!(
            "---\nid: procedure-{i:04}\ntitle: Procedure {i}\nowner: Synthetic Owner\nterms: [core-abuse]\n---\n\n{}",
            body(&mut rng)
        );
        files.insert(
            format!("definitions/procedures/procedure-{i:04}.md"),
            text.into_bytes(),
        );
    }
    files.insert(
        "definitions/registry.yaml".into(),
        REGISTRY.as_bytes().to_vec(),
    );

    let start = NaiveDate::from_ymd_opt(2000, 1, 3)
        .context("date")?
        .and_hms_opt(9, 0, 0)
        .context("time")?;
    let step = Duration::minutes((60 * 24 * 365 * 20 / args.commits.max(1)) as i64)
        .max(Duration::minutes(1));
    let mut head: Option<CommitId> = None;
    let initial: BTreeMap<String, Option<Vec<u8>>> = files
        .iter()
        .map(|(p, b)| (p.clone(), Some(b.clone())))
        .collect();
    head = Some(builder.commit_changes(head, &initial, "Initial registry (#1)", start)?);
    let per_release = args.commits / args.releases;
    let mut version = 1;
    let mut next_id = args.terms;
    let mut working_set: Vec<String> = Vec::new();
    // Ids in the latest release: only those can be renamed (`replaces` must name an id
    // that a release had).
    let mut released: std::collections::BTreeSet<String> = terms.keys().cloned().collect();
    for n in 1..args.commits {
        let when = start + step * n as i32;
        let mut changes: BTreeMap<String, Option<Vec<u8>>> = BTreeMap::new();
        let subject;
        if n % per_release == 0 && version < args.releases {
            version += 1;
            let yaml = String::from_utf8(files["definitions/registry.yaml"].clone())?;
            let yaml =
                abusedefs::load::yaml::set_value(&yaml, "version", &format!("\"{version}\""))?;
            let yaml =
                abusedefs::load::yaml::set_value(&yaml, "published", &when.date().to_string())?;
            changes.insert("definitions/registry.yaml".into(), Some(yaml.into_bytes()));
            subject = format!("Release {version} (#{})", n + 1);
            released = terms.keys().cloned().collect();
            // The next release's few percent of entries.
            let ids: Vec<String> = terms.keys().cloned().collect();
            working_set = (0..(args.terms * 3 / 100).max(1))
                .map(|_| ids[rng.below(ids.len())].clone())
                .collect();
        } else {
            let ids: Vec<String> = if working_set.is_empty() {
                terms.keys().cloned().collect()
            } else {
                working_set.clone()
            };
            let id = ids[rng.below(ids.len())].clone();
            let Some(term) = terms.get(&id).cloned() else {
                continue;
            };
            match rng.below(100) {
                0 if released.contains(&id) => {
                    // Rename: a new id that replaces the old one.
                    let new_id = format!("term-{next_id:05}");
                    next_id += 1;
                    let renamed = Term {
                        id: new_id.clone(),
                        replaces: Some(id.clone()),
                        ..term
                    };
                    terms.remove(&id);
                    changes.insert(format!("definitions/terms/{id}.md"), None);
                    changes.insert(
                        format!("definitions/terms/{new_id}.md"),
                        Some(renamed.render().into_bytes()),
                    );
                    working_set.retain(|w| *w != id);
                    working_set.push(new_id.clone());
                    terms.insert(new_id.clone(), renamed);
                    subject = format!("Rename {id} to {new_id} (#{})", n + 1);
                }
                1 => {
                    terms.remove(&id);
                    changes.insert(format!("definitions/terms/{id}.md"), None);
                    working_set.retain(|w| *w != id);
                    subject = format!("Retire {id} (#{})", n + 1);
                }
                2 => {
                    let t = Term {
                        id: format!("term-{next_id:05}"),
                        summary: capitalise(&words(&mut rng, 20).join(" ")) + ".",
                        body: body(&mut rng),
                        replaces: None,
                    };
                    next_id += 1;
                    changes.insert(
                        format!("definitions/terms/{}.md", t.id),
                        Some(t.render().into_bytes()),
                    );
                    subject = format!("Add {} (#{})", t.id, n + 1);
                    terms.insert(t.id.clone(), t);
                }
                _ => {
                    // A word edit in the body.
                    let mut t = term;
                    let mut w: Vec<String> = t.body.split(' ').map(str::to_string).collect();
                    let i = rng.below(w.len());
                    w[i] = WORDS[rng.below(WORDS.len())].to_string();
                    t.body = w.join(" ");
                    changes.insert(
                        format!("definitions/terms/{id}.md"),
                        Some(t.render().into_bytes()),
                    );
                    terms.insert(id.clone(), t);
                    subject = format!("Edit {id} (#{})", n + 1);
                }
            }
        }
        for (p, b) in &changes {
            match b {
                Some(b) => {
                    files.insert(p.clone(), b.clone());
                }
                None => {
                    files.remove(p);
                }
            }
        }
        head = Some(builder.commit_changes(head, &changes, &subject, when)?);
    }
    let head = head.context("no commit")?;
    builder.set_branch("main", head)?;
    builder.check_out(&files, head)?;
    println!(
        "{}: {} terms now, {version} releases, {} commits",
        args.dir.display(),
        terms.len() + 2,
        args.commits
    );
    Ok(())
}
