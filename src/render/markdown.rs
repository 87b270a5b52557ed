//! Markdown from pull requests is untrusted: it is rendered with pulldown-cmark and the
//! HTML is sanitised with ammonia, so that no script, event handler, frame, object, style
//! or `javascript:`/`data:` link survives. Headings are shifted down one level so that
//! the page keeps a single `<h1>`, and relative links to folders gain `index.html` so that
//! the site also works when opened from disk.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::LazyLock;

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd, html};

static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    builder
        .url_schemes(HashSet::from(["http", "https", "mailto"]))
        .link_rel(Some("noopener noreferrer"))
        .url_relative(ammonia::UrlRelative::Custom(Box::new(add_index)))
        .rm_tags(["img"])
        .strip_comments(true);
    builder
});

/// `../malware/` → `../malware/index.html`; other relative URLs unchanged.
fn add_index(url: &str) -> Option<Cow<'_, str>> {
    if url.starts_with('#') {
        return Some(Cow::Borrowed(url));
    }
    let (path, fragment) = match url.split_once('#') {
        Some((p, f)) => (p, Some(f)),
        None => (url, None),
    };
    if path.starts_with('/') || path.starts_with("//") {
        // Root-relative links break under a sub-path and on disk: drop them.
        return None;
    }
    let mut out = path.to_string();
    if out.ends_with('/') || out.is_empty() && fragment.is_none() {
        out.push_str("index.html");
    }
    if let Some(f) = fragment {
        out.push('#');
        out.push_str(f);
    }
    Some(Cow::Owned(out))
}

fn shift(level: HeadingLevel) -> HeadingLevel {
    match level {
        HeadingLevel::H1 => HeadingLevel::H2,
        HeadingLevel::H2 => HeadingLevel::H3,
        HeadingLevel::H3 => HeadingLevel::H4,
        HeadingLevel::H4 => HeadingLevel::H5,
        _ => HeadingLevel::H6,
    }
}

/// Renders untrusted Markdown to safe HTML.
pub fn to_html(markdown: &str) -> String {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_FOOTNOTES;
    let events = Parser::new_ext(markdown, options).map(|event| match event {
        Event::Start(Tag::Heading {
            level,
            id,
            classes,
            attrs,
        }) => Event::Start(Tag::Heading {
            level: shift(level),
            id,
            classes,
            attrs,
        }),
        Event::End(TagEnd::Heading(level)) => Event::End(TagEnd::Heading(shift(level))),
        other => other,
    });
    let mut unsafe_html = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut unsafe_html, events);
    SANITIZER.clean(&unsafe_html).to_string()
}

/// Memoised [`to_html`]: a registry's history repeats the same texts across many
/// releases and pages, and each is rendered and sanitised once per build.
#[derive(Debug, Default)]
pub struct Cache {
    memo: std::sync::Mutex<std::collections::HashMap<String, std::sync::Arc<str>>>,
}

impl Cache {
    pub fn html(&self, markdown: &str) -> String {
        if let Ok(memo) = self.memo.lock()
            && let Some(html) = memo.get(markdown)
        {
            return html.to_string();
        }
        let html = to_html(markdown);
        if let Ok(mut memo) = self.memo.lock() {
            memo.insert(markdown.to_string(), std::sync::Arc::from(html.as_str()));
        }
        html
    }
}

/// Plain text of short Markdown (a summary): inline markup removed, for `<title>`,
/// feeds, JSON-LD and citations. Escaping is left to the template.
pub fn to_text(markdown: &str) -> String {
    let mut out = String::new();
    for event in Parser::new(markdown) {
        match event {
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            Event::End(TagEnd::Paragraph) => out.push(' '),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_active_survives() {
        let hostile = r#"<script>alert(1)</script>
<img src=x onerror=alert(1)>
<iframe src="https://evil.example"></iframe>
<object data="x"></object>
<a href="javascript:alert(1)">j</a> <a href="data:text/html,<script>alert(1)</script>">d</a>
<svg><script>alert(1)</script></svg>
<math><mi xlink:href="javascript:alert(1)">m</mi></math>
<style>body{display:none}</style><p style="background:url(javascript:alert(1))" onclick="alert(1)">p</p>

[md](javascript:alert(1)) [vb](vbscript:msgbox) ![i](data:image/png;base64,AAAA) [e](JaVaScRiPt:alert(1))

<form action="https://evil.example"><input></form>"#;
        let html = to_html(hostile).to_lowercase();
        for needle in [
            "<script",
            "onerror",
            "onclick",
            "<iframe",
            "<object",
            "javascript:",
            "data:",
            "vbscript:",
            "<svg",
            "<math",
            "<style",
            "style=",
            "<form",
            "<input",
            "<img",
        ] {
            assert!(!html.contains(needle), "{needle} survived: {html}");
        }
    }

    #[test]
    fn headings_are_shifted_below_the_page_title() {
        let html = to_html("# Top\n\n## Sub\n");
        assert!(
            html.contains("<h2>Top</h2>") && html.contains("<h3>Sub</h3>"),
            "{html}"
        );
    }

    #[test]
    fn relative_folder_links_gain_index_html() {
        let html = to_html(
            "[m](../malware/) [a](#x) [b](../b/#s) [abs](/definitions/x/) [w](https://example.org/)",
        );
        assert!(html.contains(r#"href="../malware/index.html""#), "{html}");
        assert!(html.contains(r##"href="#x""##), "{html}");
        assert!(html.contains(r#"href="../b/index.html#s""#), "{html}");
        assert!(!html.contains(r#"href="/definitions"#), "{html}");
        assert!(
            html.contains(r#"href="https://example.org/" rel="noopener noreferrer""#),
            "{html}"
        );
    }

    #[test]
    fn text_drops_markup() {
        assert_eq!(
            to_text("A *bold* `claim` <b>x</b>\nhere."),
            "A bold claim x here."
        );
    }
}
