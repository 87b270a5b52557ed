//! Diagnostics: problems found in user content (file, line, column, message, hint) and
//! their printing in the three formats `check` offers. Nothing here decides what is a
//! problem; the loader and the history rules do, and report through [`Diagnostics`].

use std::fmt::Write as _;
use std::io::{self, Write};

use serde::Serialize;

/// How serious a finding is: errors fail `check` and `build`, warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One problem in the user's content, located as precisely as the input allows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Path relative to the repository root, with `/` separators; empty when the problem
    /// concerns no single file (a history rule across commits, for instance).
    pub file: String,
    /// 1-based line, 0 when unknown.
    pub line: u32,
    /// 1-based column, 0 when unknown.
    pub column: u32,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(file: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            file: file.into(),
            line: 0,
            column: 0,
            message: message.into(),
            help: None,
        }
    }

    pub fn warning(file: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(file, message)
        }
    }

    pub fn at(mut self, line: u32, column: u32) -> Self {
        self.line = line;
        self.column = column;
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    fn location(&self) -> String {
        match (self.file.is_empty(), self.line, self.column) {
            (true, _, _) => String::new(),
            (false, 0, _) => format!("{}: ", self.file),
            (false, line, 0) => format!("{}:{line}: ", self.file),
            (false, line, col) => format!("{}:{line}:{col}: ", self.file),
        }
    }
}

/// An ordered collection of diagnostics: every problem is collected, then reported once.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }

    pub fn extend(&mut self, other: Diagnostics) {
        self.items.extend(other.items);
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Error)
    }

    pub fn error_count(&self) -> usize {
        self.count(Severity::Error)
    }

    pub fn warning_count(&self) -> usize {
        self.count(Severity::Warning)
    }

    fn count(&self, severity: Severity) -> usize {
        self.items.iter().filter(|d| d.severity == severity).count()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }

    /// Sorts by file, then position, so that output does not depend on the order in which
    /// files were read; diagnostics without a file come last.
    pub fn sort(&mut self) {
        self.items.sort_by(|a, b| {
            (a.file.is_empty(), &a.file, a.line, a.column, &a.message).cmp(&(
                b.file.is_empty(),
                &b.file,
                b.line,
                b.column,
                &b.message,
            ))
        });
        self.items.dedup();
    }

    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.items
    }
}

impl FromIterator<Diagnostic> for Diagnostics {
    fn from_iter<I: IntoIterator<Item = Diagnostic>>(iter: I) -> Self {
        Diagnostics {
            items: iter.into_iter().collect(),
        }
    }
}

/// The output formats of `check` (and of any command that reports diagnostics).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// `path:line:col: error: message`, then indented hint lines, then a summary line.
    #[default]
    Human,
    /// GitHub Actions workflow commands, which become annotations on the pull request.
    Github,
    /// A JSON array of diagnostic objects.
    Json,
}

/// Writes `diagnostics` to `out` in `format`.
pub fn write(out: &mut dyn Write, diagnostics: &Diagnostics, format: Format) -> io::Result<()> {
    match format {
        Format::Human => write_human(out, diagnostics),
        Format::Github => write_github(out, diagnostics),
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, &diagnostics.items)?;
            writeln!(out)
        }
    }
}

fn write_human(out: &mut dyn Write, diagnostics: &Diagnostics) -> io::Result<()> {
    for d in diagnostics.iter() {
        let severity = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        writeln!(out, "{}{severity}: {}", d.location(), d.message)?;
        if let Some(help) = &d.help {
            for line in help.lines() {
                writeln!(out, "  help: {line}")?;
            }
        }
    }
    let (errors, warnings) = (diagnostics.error_count(), diagnostics.warning_count());
    if errors + warnings > 0 {
        writeln!(
            out,
            "{} error{}, {} warning{}",
            errors,
            plural(errors),
            warnings,
            plural(warnings)
        )?;
    }
    Ok(())
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn write_github(out: &mut dyn Write, diagnostics: &Diagnostics) -> io::Result<()> {
    for d in diagnostics.iter() {
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut props = Vec::new();
        if !d.file.is_empty() {
            props.push(format!("file={}", escape_property(&d.file)));
        }
        if d.line > 0 {
            props.push(format!("line={}", d.line));
        }
        if d.column > 0 {
            props.push(format!("col={}", d.column));
        }
        let mut message = d.message.clone();
        if let Some(help) = &d.help {
            let _ = write!(message, "\nhelp: {help}");
        }
        let props = if props.is_empty() {
            String::new()
        } else {
            format!(" {}", props.join(","))
        };
        writeln!(out, "::{command}{props}::{}", escape_data(&message))?;
    }
    Ok(())
}

/// Escaping of workflow-command data, as the Actions runner defines it.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Diagnostics {
        [
            Diagnostic::error("definitions/terms/a.md", "unknown field `remmit`")
                .at(3, 1)
                .with_help("did you mean `remit`?"),
            Diagnostic::warning("", "the latest release is more than a year old"),
        ]
        .into_iter()
        .collect()
    }

    fn render(format: Format) -> String {
        let mut out = Vec::new();
        write(&mut out, &sample(), format).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn human_format_names_file_line_and_column() {
        let text = render(Format::Human);
        assert!(text.starts_with("definitions/terms/a.md:3:1: error: unknown field `remmit`\n"));
        assert!(text.contains("  help: did you mean `remit`?"));
        assert!(text.ends_with("1 error, 1 warning\n"));
    }

    #[test]
    fn github_format_is_a_workflow_command_with_escaped_newlines() {
        let text = render(Format::Github);
        assert!(text.starts_with(
            "::error file=definitions/terms/a.md,line=3,col=1::unknown field `remmit`%0Ahelp:"
        ));
        assert!(text.contains("::warning::the latest release"));
    }

    #[test]
    fn json_format_parses() {
        let value: serde_json::Value = serde_json::from_str(&render(Format::Json)).unwrap();
        assert_eq!(value[0]["line"], 3);
        assert_eq!(value[1]["severity"], "warning");
    }
}
