//! Reading a document for the linter: its links (text range and URL) and a masked copy of
//! its text in which code, URLs and markup are blanked out, byte for byte, so that term
//! matches keep their positions in the original.

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Markdown,
    Html,
    Text,
}

impl Kind {
    pub fn from_path(path: &str) -> Kind {
        let lower = path.to_lowercase();
        if lower.ends_with(".md") || lower.ends_with(".markdown") {
            Kind::Markdown
        } else if lower.ends_with(".html") || lower.ends_with(".htm") {
            Kind::Html
        } else {
            Kind::Text
        }
    }
}

/// A link: the whole link's byte range, its visible text's range, and its URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub start: usize,
    pub end: usize,
    pub text: Range<usize>,
    pub url: String,
}

#[derive(Debug, Clone)]
pub struct Document {
    pub kind: Kind,
    pub text: String,
    /// `text` with code, URLs and markup replaced by spaces.
    pub masked: String,
    pub links: Vec<Link>,
}

static FENCE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?ms)^[ \t]*(```|~~~).*?^[ \t]*(```|~~~)[ \t]*$").expect("valid regex")
});
static CODE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"`[^`\n]+`").expect("valid regex"));
static MD_LINK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\[([^\]\n]*)\]\(\s*<?([^)\s>]*)>?(?:\s+[^)]*)?\)").expect("valid regex")
});
static AUTOLINK: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"<(https?://[^>\s]+)>").expect("valid regex"));
static BARE_URL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"https?://[^\s<>()\]]+").expect("valid regex"));
static HTML_A: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?is)<a\s[^>]*?href\s*=\s*["']([^"']*)["'][^>]*>(.*?)</a\s*>"#)
        .expect("valid regex")
});
static HTML_SKIP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?is)<(script|style)\b.*?</(script|style)\s*>|<!--.*?-->").expect("valid regex")
});
static TAG: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?s)<[^>]*>").expect("valid regex"));

fn blank(masked: &mut [u8], range: Range<usize>) {
    for b in &mut masked[range] {
        if *b != b'\n' {
            *b = b' ';
        }
    }
}

impl Document {
    pub fn parse(kind: Kind, text: String) -> Document {
        let mut masked = text.clone().into_bytes();
        let mut links = Vec::new();
        match kind {
            Kind::Markdown => {
                for m in FENCE.find_iter(&text) {
                    blank(&mut masked, m.range());
                }
                for m in CODE.find_iter(&text) {
                    blank(&mut masked, m.range());
                }
                for c in MD_LINK.captures_iter(&text) {
                    let (Some(all), Some(label), Some(url)) = (c.get(0), c.get(1), c.get(2)) else {
                        continue;
                    };
                    links.push(Link {
                        start: all.start(),
                        end: all.end(),
                        text: label.range(),
                        url: url.as_str().to_string(),
                    });
                    blank(&mut masked, label.end()..all.end());
                }
                for c in AUTOLINK.captures_iter(&text) {
                    let (Some(all), Some(url)) = (c.get(0), c.get(1)) else {
                        continue;
                    };
                    links.push(Link {
                        start: all.start(),
                        end: all.end(),
                        text: url.range(),
                        url: url.as_str().to_string(),
                    });
                    blank(&mut masked, all.range());
                }
                for m in TAG.find_iter(&text) {
                    blank(&mut masked, m.range());
                }
            }
            Kind::Html => {
                for m in HTML_SKIP.find_iter(&text) {
                    blank(&mut masked, m.range());
                }
                for c in HTML_A.captures_iter(&text) {
                    let (Some(all), Some(url), Some(label)) = (c.get(0), c.get(1), c.get(2)) else {
                        continue;
                    };
                    links.push(Link {
                        start: all.start(),
                        end: all.end(),
                        text: label.range(),
                        url: url.as_str().replace("&amp;", "&"),
                    });
                }
                for m in TAG.find_iter(&text) {
                    blank(&mut masked, m.range());
                }
            }
            Kind::Text => {}
        }
        // Bare URLs anywhere are links too, and never term uses.
        let snapshot = String::from_utf8_lossy(&masked).into_owned();
        for m in BARE_URL.find_iter(&snapshot) {
            if !links
                .iter()
                .any(|l| l.start <= m.start() && m.end() <= l.end)
            {
                links.push(Link {
                    start: m.start(),
                    end: m.end(),
                    text: m.start()..m.start(),
                    url: m.as_str().to_string(),
                });
            }
            blank(&mut masked, m.range());
        }
        links.sort_by_key(|l| l.start);
        // Blanking works on whole ASCII-delimited ranges, so the bytes stay valid UTF-8.
        let masked = String::from_utf8(masked)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        Document {
            kind,
            text,
            masked,
            links,
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn position(&self, offset: usize) -> (u32, u32) {
        let before = &self.text[..offset.min(self.text.len())];
        let line = before.matches('\n').count() + 1;
        let column = before
            .rsplit('\n')
            .next()
            .map(|l| l.chars().count())
            .unwrap_or(0)
            + 1;
        (line as u32, column as u32)
    }

    /// The line containing `offset`.
    pub fn line_text(&self, offset: usize) -> &str {
        let start = self.text[..offset.min(self.text.len())]
            .rfind('\n')
            .map(|i| i + 1)
            .unwrap_or(0);
        let end = self.text[start..]
            .find('\n')
            .map(|i| start + i)
            .unwrap_or(self.text.len());
        &self.text[start..end]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_links_and_code_are_found_and_masked() {
        let doc = Document::parse(Kind::Markdown, "See [phishing](https://x.org/definitions/phishing/) and `malware` here.\n```\nbotnet\n```\n".into());
        assert_eq!(doc.links.len(), 1);
        assert_eq!(&doc.text[doc.links[0].text.clone()], "phishing");
        assert!(
            doc.masked.contains("phishing"),
            "link text stays searchable"
        );
        assert!(
            !doc.masked.contains("malware")
                && !doc.masked.contains("botnet")
                && !doc.masked.contains("x.org")
        );
        assert_eq!(doc.masked.len(), doc.text.len());
    }

    #[test]
    fn html_links_and_tags() {
        let doc = Document::parse(Kind::Html, r#"<p class="phishing">A <a href="https://x.org/definitions/spam/">spam</a> run</p><script>phishing()</script>"#.into());
        assert_eq!(doc.links[0].url, "https://x.org/definitions/spam/");
        assert!(!doc.masked.contains("phishing"));
    }

    #[test]
    fn positions_count_characters() {
        let doc = Document::parse(Kind::Text, "é\nab phishing".into());
        assert_eq!(doc.position(doc.text.find("phishing").unwrap()), (2, 4));
    }
}
