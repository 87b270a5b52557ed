//! Machine-readable exports (SSR2 Recommendations 12.3 and 13.2): the registry and each
//! release as JSON, each changelog's diff as JSON, the current terms as CSV, an Atom feed
//! of releases, a sitemap, robots.txt, an iCalendar file of revision windows, and the
//! JSON-LD embedded in pages.

use serde::Serialize;
use serde_json::json;

use super::Options;
use super::cycle::Report;
use crate::diff;
use crate::history::History;
use crate::model::{EntryRef, Registry};
use crate::render::Renderer;

fn to_json<T: Serialize>(value: &T) -> anyhow::Result<Vec<u8>> {
    let mut bytes = serde_json::to_vec_pretty(value)?;
    bytes.push(b'\n');
    Ok(bytes)
}

#[derive(Serialize)]
struct Snapshot<'a> {
    version: &'a str,
    published: String,
    commit: Option<&'a str>,
    registry: &'a Registry,
}

#[derive(Serialize)]
struct VersionItem<'a> {
    version: &'a str,
    published: String,
    commit: &'a str,
    subject: &'a str,
    current: bool,
    url: String,
    changes_url: String,
    json_url: String,
    changes_json_url: String,
}

#[derive(Serialize)]
struct FeedEntry {
    id: String,
    title: String,
    updated: String,
    href: String,
    summary: String,
}

#[derive(Serialize)]
struct Feed {
    id: String,
    title: String,
    updated: String,
    self_href: String,
    home_href: String,
    publisher: String,
    entries: Vec<FeedEntry>,
}

/// The files of the releases themselves: each release's snapshot and changelog as JSON,
/// each given to `emit` as soon as it is made (a long history's JSON is large).
pub fn releases(
    emit: &mut dyn FnMut(String, Vec<u8>) -> anyhow::Result<()>,
    history: &History,
    changes: &std::collections::BTreeMap<String, diff::RegistryDiff>,
) -> anyhow::Result<()> {
    for r in history.releases.iter() {
        let json = to_json(&Snapshot {
            version: &r.version,
            published: r.published.to_string(),
            commit: Some(&r.commit.id),
            registry: &r.registry,
        })?;
        emit(format!("api/v1/versions/{}.json", r.version), json)?;
        if let Some(d) = changes.get(&r.version) {
            emit(format!("api/v1/changes/{}.json", r.version), to_json(d)?)?;
        }
    }
    Ok(())
}

/// The current exports: the registry as JSON, the list of versions, the feed, the CSV
/// of terms and robots.txt.
pub fn current(
    emit: &mut dyn FnMut(String, Vec<u8>) -> anyhow::Result<()>,
    history: &History,
    current: &Registry,
    changes: &std::collections::BTreeMap<String, diff::RegistryDiff>,
    options: &Options,
    renderer: &Renderer,
) -> anyhow::Result<()> {
    let latest = history.latest();
    emit(
        "api/v1/registry.json".into(),
        to_json(&Snapshot {
            version: &current.meta.version,
            published: current.meta.published.to_string(),
            commit: latest.map(|r| r.commit.id.as_str()),
            registry: current,
        })?,
    )?;
    let versions: Vec<VersionItem> = history
        .releases
        .iter()
        .map(|r| VersionItem {
            version: &r.version,
            published: r.published.to_string(),
            commit: &r.commit.id,
            subject: &r.commit.subject,
            current: latest.is_some_and(|l| l.version == r.version),
            url: format!("versions/{}/", r.version),
            changes_url: format!("versions/{}/changes/", r.version),
            json_url: format!("api/v1/versions/{}.json", r.version),
            changes_json_url: format!("api/v1/changes/{}.json", r.version),
        })
        .collect();
    emit(
        "api/v1/versions.json".into(),
        to_json(&json!({ "versions": versions }))?,
    )?;

    let mut feed_entries = Vec::new();
    for r in history.releases.iter() {
        let Some(d) = changes.get(&r.version) else {
            continue;
        };
        let summary = if d.unchanged {
            "Reviewed, no change.".to_string()
        } else {
            let s = &d.summary;
            format!(
                "{} entries changed: {} added, {} retired, {} superseded, {} changed.",
                d.entries.len(),
                s.added,
                s.retired,
                s.superseded,
                s.changed
            )
        };
        feed_entries.push(FeedEntry {
            id: options
                .base_url
                .as_ref()
                .map(|b| format!("{b}versions/{}/", r.version))
                .unwrap_or_else(|| format!("urn:abusedefs:release:{}", r.version)),
            title: format!("Version {} published", r.version),
            updated: format!("{}T00:00:00Z", r.published),
            href: format!("versions/{}/changes/index.html", r.version),
            summary,
        });
    }
    if let (Some(draft), true) = (&history.draft, options.include_draft) {
        feed_entries.push(FeedEntry {
            id: options
                .base_url
                .as_ref()
                .map(|b| format!("{b}draft/"))
                .unwrap_or_else(|| "urn:abusedefs:draft".into()),
            title: "Draft: unreleased changes proposed".into(),
            updated: format!(
                "{}T00:00:00Z",
                draft
                    .meta
                    .published
                    .max(latest.map(|l| l.published).unwrap_or(draft.meta.published))
            ),
            href: "draft/index.html".into(),
            summary: "Changes proposed but not yet in force.".into(),
        });
    }
    feed_entries.reverse();
    let feed = Feed {
        id: options
            .base_url
            .clone()
            .unwrap_or_else(|| "urn:abusedefs:feed".into()),
        title: format!("{}: releases and changes", current.meta.title),
        updated: feed_entries
            .first()
            .map(|e| e.updated.clone())
            .unwrap_or_else(|| format!("{}T00:00:00Z", current.meta.published)),
        self_href: options
            .base_url
            .as_ref()
            .map(|b| format!("{b}feed.xml"))
            .unwrap_or_else(|| "feed.xml".into()),
        home_href: options
            .base_url
            .clone()
            .unwrap_or_else(|| "index.html".into()),
        publisher: current.meta.publisher.clone(),
        entries: feed_entries,
    };
    emit(
        "feed.xml".into(),
        renderer.render("feed.xml", &feed)?.into_bytes(),
    )?;
    emit(
        "api/v1/terms.csv".into(),
        terms_csv(current, options.base_url.as_deref()).into_bytes(),
    )?;
    let mut robots = String::from("User-agent: *\nAllow: /\n");
    if let Some(base) = &options.base_url {
        robots.push_str(&format!("Sitemap: {base}sitemap.xml\n"));
    }
    emit("robots.txt".into(), robots.into_bytes())
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The current terms, one row each (RFC 4180).
pub fn terms_csv(registry: &Registry, base_url: Option<&str>) -> String {
    let mut out = String::from("id,term,title,kind,remit,summary,distinction,aliases,url\r\n");
    for t in registry.terms.values() {
        let url = format!("{}definitions/{}/", base_url.unwrap_or(""), t.id);
        let row = [
            t.id.to_string(),
            t.term.clone(),
            t.title.clone(),
            t.kind.as_str().to_string(),
            t.remit.map(|r| r.as_str().to_string()).unwrap_or_default(),
            t.summary.clone(),
            t.distinction.clone().unwrap_or_default(),
            t.aliases.join("; "),
            url,
        ];
        out.push_str(
            &row.iter()
                .map(|f| csv_field(f))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push_str("\r\n");
    }
    out
}

/// A sitemap of `paths` (HTML pages), when the site's address is known.
pub fn sitemap<'a>(paths: impl Iterator<Item = &'a String>, base_url: &str) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for path in paths {
        let url = format!(
            "{base_url}{}",
            path.strip_suffix("index.html").unwrap_or(path)
        );
        out.push_str(&format!(
            "  <url><loc>{}</loc></url>\n",
            crate::render::escape_html(&url)
        ));
    }
    out.push_str("</urlset>\n");
    out
}

/// JSON for a `<script type="application/ld+json">`: `<` is escaped so that no value can
/// close the script element.
fn script_json(value: &serde_json::Value) -> String {
    value
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

pub fn jsonld_set(registry: &Registry, base_url: Option<&str>) -> String {
    let base = base_url.unwrap_or("");
    let terms: Vec<serde_json::Value> = registry
        .terms
        .values()
        .map(|t| json!({ "@type": "DefinedTerm", "name": t.term, "termCode": t.id.as_str(), "description": crate::render::markdown::to_text(&t.summary), "url": format!("{base}definitions/{}/", t.id) }))
        .collect();
    script_json(&json!({
        "@context": "https://schema.org",
        "@type": "DefinedTermSet",
        "name": registry.meta.title,
        "version": registry.meta.version,
        "datePublished": registry.meta.published.to_string(),
        "publisher": { "@type": "Organization", "name": registry.meta.publisher },
        "url": base,
        "hasDefinedTerm": terms,
    }))
}

pub fn jsonld_entry(
    registry: &Registry,
    entry: EntryRef<'_>,
    base_url: Option<&str>,
    path: &str,
) -> Option<String> {
    let EntryRef::Term(t) = entry else {
        return None;
    };
    let base = base_url.unwrap_or("");
    Some(script_json(&json!({
        "@context": "https://schema.org",
        "@type": "DefinedTerm",
        "name": t.term,
        "alternateName": t.aliases,
        "termCode": t.id.as_str(),
        "description": crate::render::markdown::to_text(&t.summary),
        "url": format!("{base}{}", path.strip_suffix("index.html").unwrap_or(path)),
        "inDefinedTermSet": { "@type": "DefinedTermSet", "name": registry.meta.title, "version": registry.meta.version, "url": base },
    })))
}

/// The search index, as a script that sets `window.ABUSEDEFS_SEARCH`: loaded with a
/// `<script src>`, it also works from disk, where fetching a JSON file is not allowed.
/// Each item: `t` title, `k` kind, `a` other names, `s` searchable text, `u` page.
pub fn search_index(registry: &Registry) -> String {
    let mut items = Vec::new();
    for t in registry.terms.values() {
        let mut names = vec![t.term.clone()];
        names.extend(t.aliases.iter().cloned());
        items.push(json!({ "t": t.title, "k": super::views::kind_label(t.kind), "a": names, "s": crate::render::markdown::to_text(&t.summary), "u": format!("definitions/{}/index.html", t.id) }));
    }
    for o in registry.obligations.values() {
        items.push(json!({ "t": o.title, "k": "contract obligation", "a": [format!("{} {}", o.contract, o.section), o.section.clone()], "s": crate::render::markdown::to_text(&o.body), "u": format!("obligations/{}/index.html", o.id) }));
    }
    for p in registry.procedures.values() {
        items.push(json!({ "t": p.title, "k": "procedure", "a": [p.owner.clone()], "s": crate::render::markdown::to_text(&p.body), "u": format!("procedures/{}/index.html", p.id) }));
    }
    format!(
        "window.ABUSEDEFS_SEARCH = {};\n",
        script_json(&serde_json::Value::Array(items))
    )
}

fn ics_text(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace('\n', "\\n")
}

/// The revision windows as all-day events (RFC 5545), with CRLF line ends.
pub fn calendar(report: &Report, title: &str, base_url: Option<&str>) -> String {
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_string(),
        "VERSION:2.0".into(),
        "PRODID:-//abusedefs//revision cycle//EN".into(),
        "CALSCALE:GREGORIAN".into(),
    ];
    for w in report.windows.iter().chain(std::iter::once(&report.next)) {
        let end = w.deadline.succ_opt().unwrap_or(w.deadline);
        lines.push("BEGIN:VEVENT".into());
        lines.push(format!("UID:revision-window-{}@abusedefs", w.year));
        lines.push(format!("DTSTAMP:{}T000000Z", w.opens.format("%Y%m%d")));
        lines.push(format!("DTSTART;VALUE=DATE:{}", w.opens.format("%Y%m%d")));
        lines.push(format!("DTEND;VALUE=DATE:{}", end.format("%Y%m%d")));
        lines.push(format!(
            "SUMMARY:{}",
            ics_text(&format!(
                "{title}: {} revision window ({} business days)",
                w.year, report.limit_business_days
            ))
        ));
        if let Some(base) = base_url {
            lines.push(format!("URL:{base}cycle/"));
        }
        lines.push("END:VEVENT".into());
    }
    lines.push("END:VCALENDAR".into());
    lines.join("\r\n") + "\r\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_when_needed() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a, b"), "\"a, b\"");
        assert_eq!(csv_field("say \"x\""), "\"say \"\"x\"\"\"");
    }

    #[test]
    fn json_ld_cannot_close_its_script_element() {
        let s = script_json(&json!({ "name": "</script><script>alert(1)</script>" }));
        assert!(!s.contains('<'), "{s}");
    }
}
