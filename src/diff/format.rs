//! Writing a [`RegistryDiff`] for people: plain text for a terminal (coloured only when
//! asked) and Markdown for a pull-request comment. JSON is the serde form of the diff.

use std::io::{self, Write};

use super::{Class, FieldChange, Op, RegistryDiff, Segment, Side, Status};

/// Equal runs longer than this are shortened in redlines, keeping context at both ends.
const MAX_EQUAL: usize = 240;
const CONTEXT: usize = 80;

fn describe(side: &Side) -> String {
    if side.label == side.version {
        format!("{} (published {})", side.version, side.published)
    } else {
        format!(
            "{} (version {}, dated {})",
            side.label, side.version, side.published
        )
    }
}

fn summary_line(diff: &RegistryDiff) -> String {
    if diff.unchanged {
        return "no changes: the content is the same (a \"reviewed, no change\" release)"
            .to_string();
    }
    let s = &diff.summary;
    let mut parts = Vec::new();
    for (n, word) in [
        (s.added, "added"),
        (s.retired, "retired"),
        (s.superseded, "superseded"),
        (s.changed, "changed"),
    ] {
        if n > 0 {
            parts.push(format!("{n} {word}"));
        }
    }
    let mut classes = Vec::new();
    for (n, word) in [
        (s.scope, "scope"),
        (s.substantive, "substantive"),
        (s.editorial, "editorial"),
    ] {
        if n > 0 {
            classes.push(format!("{n} {word}"));
        }
    }
    let entries = diff.entries.len();
    let mut line = format!(
        "{entries} entr{} changed",
        if entries == 1 { "y" } else { "ies" }
    );
    if !parts.is_empty() {
        line.push_str(&format!(": {} ({})", parts.join(", "), classes.join(", ")));
    }
    if !diff.registry.is_empty() {
        line.push_str(&format!(
            "; {} registry setting{} changed",
            diff.registry.len(),
            if diff.registry.len() == 1 { "" } else { "s" }
        ));
    }
    line
}

/// Shortens long unchanged runs so that a one-word edit in a long body stays readable.
fn shorten(segments: &[Segment]) -> Vec<Segment> {
    let last = segments.len().saturating_sub(1);
    segments
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let chars = s.text.chars().count();
            if s.op != Op::Equal || chars <= MAX_EQUAL {
                return s.clone();
            }
            let head: String = if i == 0 {
                String::new()
            } else {
                s.text.chars().take(CONTEXT).collect()
            };
            let tail: String = if i == last {
                String::new()
            } else {
                s.text.chars().skip(chars - CONTEXT).collect()
            };
            Segment {
                op: Op::Equal,
                text: format!("{head} … {tail}").trim().to_string()
                    + if i == last { "" } else { " " },
            }
        })
        .collect()
}

/// Terminal colours, or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Colour {
    Never,
    Always,
}

fn paint(colour: Colour, code: &str, text: &str) -> String {
    match colour {
        Colour::Never => text.to_string(),
        Colour::Always => format!("\x1b[{code}m{text}\x1b[0m"),
    }
}

fn text_redline(segments: &[Segment], colour: Colour) -> String {
    shorten(segments)
        .iter()
        .map(|s| match (s.op, colour) {
            (Op::Equal, _) => s.text.clone(),
            (Op::Delete, Colour::Never) => format!("[-{}-]", s.text),
            (Op::Insert, Colour::Never) => format!("{{+{}+}}", s.text),
            (Op::Delete, Colour::Always) => paint(colour, "9;31", &s.text),
            (Op::Insert, Colour::Always) => paint(colour, "4;32", &s.text),
        })
        .collect()
}

fn or_none(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("(none)")
}

fn write_text_field(out: &mut dyn Write, f: &FieldChange, colour: Colour) -> io::Result<()> {
    let flag = if f.class() == Class::Scope {
        paint(colour, "1;33", "  [scope change]")
    } else {
        String::new()
    };
    match f {
        FieldChange::Value {
            field, old, new, ..
        } => writeln!(
            out,
            "    {field}: {} → {}{flag}",
            or_none(old),
            or_none(new)
        ),
        FieldChange::List {
            field,
            added,
            removed,
            ..
        } => {
            let mut items: Vec<String> = added
                .iter()
                .map(|a| paint(colour, "32", &format!("+{a}")))
                .collect();
            items.extend(
                removed
                    .iter()
                    .map(|r| paint(colour, "31", &format!("-{r}"))),
            );
            writeln!(out, "    {field}: {}{flag}", items.join("  "))
        }
        FieldChange::Text { field, redline, .. } => {
            writeln!(out, "    {field}:")?;
            for line in text_redline(redline, colour).lines() {
                writeln!(out, "      {line}")?;
            }
            Ok(())
        }
    }
}

/// Plain text for a terminal. Without colour, deletions read `[-old-]` and insertions
/// `{+new+}` (wdiff's notation), so the redline does not depend on colour.
pub fn write_text(out: &mut dyn Write, diff: &RegistryDiff, colour: Colour) -> io::Result<()> {
    writeln!(
        out,
        "Changes from {} to {}",
        describe(&diff.from),
        describe(&diff.to)
    )?;
    writeln!(out, "{}", summary_line(diff))?;
    if !diff.registry.is_empty() {
        writeln!(out, "\n  registry.yaml")?;
        for f in &diff.registry {
            write_text_field(out, f, colour)?;
        }
    }
    for e in &diff.entries {
        let mark = match e.status {
            Status::Added => paint(colour, "32", "+"),
            Status::Retired => paint(colour, "31", "-"),
            Status::Superseded => paint(colour, "36", ">"),
            Status::Changed => paint(colour, "33", "~"),
        };
        let was = e
            .previous_id
            .as_ref()
            .map(|p| format!(" (replaces {p})"))
            .unwrap_or_default();
        writeln!(
            out,
            "\n{mark} {} {}{was} — {} [{}, {}]",
            e.entry_type.name(),
            e.id,
            e.title,
            e.status.as_str(),
            e.class.as_str()
        )?;
        for f in &e.fields {
            write_text_field(out, f, colour)?;
        }
    }
    Ok(())
}

fn md_code(s: &str) -> String {
    format!("`{}`", s.replace('`', "'"))
}

/// A redline as Markdown lines inside a block quote: `<del>`/`<ins>` (which code forges
/// render with strike-through and underline), closed and reopened at line breaks.
fn md_redline(segments: &[Segment]) -> String {
    let mut lines = vec![String::new()];
    for s in shorten(segments) {
        let (open, close) = match s.op {
            Op::Equal => ("", ""),
            Op::Delete => ("<del>", "</del>"),
            Op::Insert => ("<ins>", "</ins>"),
        };
        for (i, piece) in s.text.split('\n').enumerate() {
            if i > 0 {
                lines.push(String::new());
            }
            if !piece.is_empty() {
                let current = lines.last_mut().expect("at least one line");
                current.push_str(open);
                current.push_str(&crate::render::escape_markdown(piece));
                current.push_str(close);
            }
        }
    }
    while lines.last().is_some_and(|l| l.trim().is_empty()) && lines.len() > 1 {
        lines.pop();
    }
    while lines.first().is_some_and(|l| l.trim().is_empty()) && lines.len() > 1 {
        lines.remove(0);
    }
    lines
        .iter()
        .map(|l| {
            if l.trim().is_empty() {
                ">".to_string()
            } else {
                format!("> {l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn write_md_field(out: &mut dyn Write, f: &FieldChange) -> io::Result<()> {
    let flag = if f.class() == Class::Scope {
        " — **scope change**"
    } else {
        ""
    };
    match f {
        FieldChange::Value {
            field, old, new, ..
        } => {
            let show = |v: &Option<String>| {
                v.as_deref()
                    .map(md_code)
                    .unwrap_or_else(|| "*(none)*".into())
            };
            writeln!(out, "- **{field}**: {} → {}{flag}", show(old), show(new))
        }
        FieldChange::List {
            field,
            added,
            removed,
            ..
        } => {
            let mut parts = Vec::new();
            if !added.is_empty() {
                parts.push(format!(
                    "added {}",
                    added
                        .iter()
                        .map(|a| md_code(a))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            if !removed.is_empty() {
                parts.push(format!(
                    "removed {}",
                    removed
                        .iter()
                        .map(|a| md_code(a))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            writeln!(out, "- **{field}**: {}{flag}", parts.join("; "))
        }
        FieldChange::Text {
            field,
            redline,
            class,
            ..
        } => {
            let note = if *class == Class::Editorial {
                " *(editorial)*"
            } else {
                ""
            };
            writeln!(out, "- **{field}**{note}:\n")?;
            for line in md_redline(redline).lines() {
                writeln!(out, "  {line}")?;
            }
            writeln!(out)
        }
    }
}

/// Markdown for a pull-request comment: a summary line, then one section per entry.
pub fn write_markdown(out: &mut dyn Write, diff: &RegistryDiff) -> io::Result<()> {
    writeln!(
        out,
        "## Definitions redline: {} → {}\n",
        crate::render::escape_markdown(&diff.from.label),
        crate::render::escape_markdown(&diff.to.label)
    )?;
    writeln!(
        out,
        "**{}** — from {} to {}.\n",
        summary_line(diff),
        crate::render::escape_markdown(&describe(&diff.from)),
        crate::render::escape_markdown(&describe(&diff.to))
    )?;
    if diff.summary.scope > 0 {
        writeln!(
            out,
            "> **Scope change:** this changes what counts as DNS abuse or what is within the remit. Check it with the working group.\n"
        )?;
    }
    if !diff.registry.is_empty() {
        writeln!(out, "### Registry settings (`registry.yaml`)\n")?;
        for f in &diff.registry {
            write_md_field(out, f)?;
        }
        writeln!(out)?;
    }
    for e in &diff.entries {
        let was = e
            .previous_id
            .as_ref()
            .map(|p| format!(", replaces {}", md_code(p)))
            .unwrap_or_default();
        writeln!(
            out,
            "### {} {} — {}\n",
            capitalise(e.entry_type.name()),
            md_code(&e.id),
            crate::render::escape_markdown(&e.title)
        )?;
        writeln!(out, "*{}{was} · {}*\n", e.status.as_str(), e.class.as_str())?;
        for f in &e.fields {
            write_md_field(out, f)?;
        }
        writeln!(out)?;
    }
    writeln!(
        out,
        "<sub>Deletions are struck through (<del>like this</del>), insertions underlined (<ins>like this</ins>). Generated by abusedefs.</sub>"
    )
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}
