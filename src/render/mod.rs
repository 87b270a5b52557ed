//! Rendering: Tera templates (the defaults compiled into the binary, overridden file by
//! file by a registry's own `templates/` folder), typed views in, pages in memory out.
//! Only this module knows Tera.

pub mod markdown;

use std::path::Path;

use anyhow::{Context, Result};
use serde::Serialize;

use crate::embedded;

/// Escapes text for HTML and XML, in element content and quoted attributes alike.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Escapes text for Markdown: HTML-significant characters as entities, Markdown
/// punctuation with backslashes, so that no text can inject markup into a comment.
pub fn escape_markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '|' | '~' | '!' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// A view converted to the template engine's values, ready to render.
pub struct PageContext(tera::Context);

impl PageContext {
    pub fn new<V: Serialize>(view: &V) -> Result<PageContext> {
        tera::Context::from_serialize(view)
            .map(PageContext)
            .map_err(|e| anyhow::anyhow!("{e}"))
            .context("preparing a page")
    }
}

/// The template set for one build.
pub struct Renderer {
    tera: tera::Tera,
    fingerprint: String,
}

impl Renderer {
    /// Loads the built-in templates, then any `*.html`, `*.xml` or `*.ics` file of
    /// `overrides` (a registry's `templates/` folder) in their place. Symlinks are refused.
    pub fn new(overrides: Option<&Path>) -> Result<Renderer> {
        let mut sources: std::collections::BTreeMap<String, String> =
            std::collections::BTreeMap::new();
        for (path, bytes) in embedded::TEMPLATES {
            if path.starts_with("site/") {
                let text =
                    std::str::from_utf8(bytes).context("a built-in template is not UTF-8")?;
                sources.insert(
                    path.trim_start_matches("site/").to_string(),
                    text.to_string(),
                );
            }
        }
        // A registry's templates come from pull requests too: a symlinked folder or file is
        // never followed.
        let real_dir = |d: &&Path| std::fs::symlink_metadata(d).is_ok_and(|m| m.is_dir());
        if let Some(dir) = overrides.filter(real_dir) {
            for entry in walkdir::WalkDir::new(dir)
                .follow_links(false)
                .follow_root_links(false)
                .sort_by_file_name()
            {
                let entry = entry.with_context(|| format!("reading {}", dir.display()))?;
                if !entry.file_type().is_file() {
                    continue;
                }
                let relative = entry
                    .path()
                    .strip_prefix(dir)
                    .unwrap_or(entry.path())
                    .to_string_lossy()
                    .replace('\\', "/");
                let Some(name) = relative.strip_prefix("site/") else {
                    continue;
                };
                let text = std::fs::read_to_string(entry.path())
                    .with_context(|| format!("reading the template {}", entry.path().display()))?;
                sources.insert(name.to_string(), text);
            }
        }
        let mut tera = tera::Tera::new();
        tera.autoescape_on(vec![".html", ".xml", ".ics"]);
        tera.add_raw_templates(sources.iter().map(|(n, t)| (n.as_str(), t.as_str())))
            .map_err(|e| anyhow::anyhow!("{e}"))
            .context("loading the templates")?;
        let fingerprint = crate::cache::key(&sources);
        Ok(Renderer { tera, fingerprint })
    }

    /// A key of the template set (built-in and overrides), for the build cache.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// Renders `template` with the fields of `view` as the context.
    pub fn render<V: Serialize>(&self, template: &str, view: &V) -> Result<String> {
        let context = tera::Context::from_serialize(view)
            .map_err(|e| anyhow::anyhow!("{e}"))
            .with_context(|| format!("preparing {template}"))?;
        self.tera
            .render(template, &context)
            .map_err(|e| anyhow::anyhow!("{e}"))
            .with_context(|| format!("rendering {template}"))
    }

    /// Renders `template` with a context prepared earlier (so that views can be prepared
    /// on one thread and rendered on many).
    pub fn render_context(&self, template: &str, context: &PageContext) -> Result<String> {
        self.tera
            .render(template, &context.0)
            .map_err(|e| anyhow::anyhow!("{e}"))
            .with_context(|| format!("rendering {template}"))
    }

    /// Static files shipped with the templates (`templates/static/…`), as (path, bytes).
    pub fn static_files() -> impl Iterator<Item = (&'static str, &'static [u8])> {
        embedded::TEMPLATES
            .iter()
            .filter_map(|(p, b)| p.strip_prefix("static/").map(|p| (p, *b)))
    }
}
