//! Splitting an entry file into its YAML front matter and its Markdown body, keeping the
//! line numbers needed to point diagnostics at the right place in the file.

/// An entry file split at its `---` fences.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split<'a> {
    pub yaml: &'a str,
    /// 1-based line of the file on which the YAML starts (the line after the first fence).
    pub yaml_line: u32,
    pub body: &'a str,
}

/// Why a file has no usable front matter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SplitError {
    /// The first line is not `---`.
    NoOpeningFence,
    /// No closing `---` line follows the opening one.
    NoClosingFence,
}

/// Splits `text` (a UTF-8 file without a byte-order mark) into front matter and body.
/// Fences are lines holding exactly `---` (trailing spaces and `\r` allowed).
pub fn split(text: &str) -> Result<Split<'_>, SplitError> {
    let mut lines = text.split_inclusive('\n');
    let first = lines.next().ok_or(SplitError::NoOpeningFence)?;
    if !is_fence(first) {
        return Err(SplitError::NoOpeningFence);
    }
    let yaml_start = first.len();
    let mut offset = yaml_start;
    for line in lines {
        if is_fence(line) {
            return Ok(Split {
                yaml: &text[yaml_start..offset],
                yaml_line: 2,
                body: &text[offset + line.len()..],
            });
        }
        offset += line.len();
    }
    Err(SplitError::NoClosingFence)
}

fn is_fence(line: &str) -> bool {
    line.trim_end_matches(['\n', '\r', ' ', '\t']) == "---"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_front_matter_and_body() {
        let s = split("---\nid: a\n---\nBody\n").unwrap();
        assert_eq!(s.yaml, "id: a\n");
        assert_eq!(s.body, "Body\n");
        assert_eq!(s.yaml_line, 2);
    }

    #[test]
    fn accepts_crlf_and_empty_body() {
        let s = split("---\r\nid: a\r\n---\r\n").unwrap();
        assert_eq!(s.yaml, "id: a\r\n");
        assert_eq!(s.body, "");
    }

    #[test]
    fn a_horizontal_rule_in_the_body_is_not_a_fence() {
        let s = split("---\nid: a\n---\ntext\n\n---\n\nmore\n").unwrap();
        assert_eq!(s.body, "text\n\n---\n\nmore\n");
    }

    #[test]
    fn reports_missing_fences() {
        assert_eq!(split("id: a\n"), Err(SplitError::NoOpeningFence));
        assert_eq!(split(""), Err(SplitError::NoOpeningFence));
        assert_eq!(split("---\nid: a\n"), Err(SplitError::NoClosingFence));
    }
}
