//! Word-level redlines: similar's Unicode word diff on NFC-normalised text, bounded by a
//! deadline so that a pathological pair of texts cannot hang a build or a CI job.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use similar::{ChangeTag, TextDiff};
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

/// How long one redline may search for the smallest diff. Past it, similar falls back
/// to a coarser (still correct) diff; `complete` records that.
pub const DEADLINE: Duration = Duration::from_millis(500);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Op {
    Equal,
    Insert,
    Delete,
}

/// A run of text that is kept, inserted or deleted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Segment {
    pub op: Op,
    pub text: String,
}

/// `s` in Unicode normalisation form C, copied only when it is not already.
fn nfc(s: &str) -> Cow<'_, str> {
    match is_nfc_quick(s.chars()) {
        IsNormalized::Yes => Cow::Borrowed(s),
        _ => Cow::Owned(s.nfc().collect()),
    }
}

/// The comparison of two texts: whether the change is editorial, and the redline.
pub type Compared = Arc<(bool, Vec<Segment>)>;

/// Comparisons of texts already made, shared by the diffs of one build: most releases
/// compared with the latest share their changed texts with other pairs, so each distinct
/// pair of texts is compared once. Keyed by the texts themselves (hashed, then checked).
#[derive(Default)]
pub struct Memo {
    seen: Mutex<HashMap<u64, Vec<Remembered>>>,
}

/// A pair of texts and their comparison.
type Remembered = (String, String, Compared);

impl Memo {
    /// [`is_editorial`] and [`redline`] of `old` → `new`, computed at most once per pair.
    pub fn compare(&self, old: &str, new: &str) -> Compared {
        let mut hasher = std::hash::DefaultHasher::new();
        (old, new).hash(&mut hasher);
        let key = hasher.finish();
        let found = self.seen.lock().ok().and_then(|seen| {
            seen.get(&key)?
                .iter()
                .find(|(o, n, _)| o == old && n == new)
                .map(|(_, _, c)| c.clone())
        });
        if let Some(found) = found {
            return found;
        }
        let compared = Arc::new((is_editorial(old, new), redline(old, new)));
        if let Ok(mut seen) = self.seen.lock() {
            seen.entry(key)
                .or_default()
                .push((old.to_string(), new.to_string(), compared.clone()));
        }
        compared
    }
}

/// Word-level redline of `old` → `new`, with adjacent runs of the same operation merged.
pub fn redline(old: &str, new: &str) -> Vec<Segment> {
    let (old, new) = (nfc(old), nfc(new));
    let diff = TextDiff::configure()
        .timeout(DEADLINE)
        .diff_unicode_words(&*old, &*new);
    let mut segments: Vec<Segment> = Vec::new();
    for change in diff.iter_all_changes() {
        let op = match change.tag() {
            ChangeTag::Equal => Op::Equal,
            ChangeTag::Insert => Op::Insert,
            ChangeTag::Delete => Op::Delete,
        };
        let text = change.value();
        match segments.last_mut() {
            Some(last) if last.op == op => last.text.push_str(text),
            _ => segments.push(Segment {
                op,
                text: text.to_string(),
            }),
        }
    }
    tidy(segments)
}

/// Joins the pieces of one replacement: "[-quick-]{+slow+} [-brown-]{+red+}" becomes
/// "[-quick brown-]{+slow red+}", deletions first. A whitespace run between two
/// replacements belongs to both sides, so both texts can still be rebuilt exactly.
fn tidy(segments: Vec<Segment>) -> Vec<Segment> {
    let mut out = Vec::with_capacity(segments.len());
    let (mut deleted, mut inserted) = (String::new(), String::new());
    for (i, s) in segments.iter().enumerate() {
        match s.op {
            Op::Delete => deleted.push_str(&s.text),
            Op::Insert => inserted.push_str(&s.text),
            Op::Equal => {
                let bridge = !deleted.is_empty()
                    && !inserted.is_empty()
                    && s.text.trim().is_empty()
                    && segments.get(i + 1).is_some_and(|next| next.op != Op::Equal);
                if bridge {
                    deleted.push_str(&s.text);
                    inserted.push_str(&s.text);
                } else {
                    flush(&mut out, &mut deleted, &mut inserted);
                    out.push(s.clone());
                }
            }
        }
    }
    flush(&mut out, &mut deleted, &mut inserted);
    out
}

fn flush(out: &mut Vec<Segment>, deleted: &mut String, inserted: &mut String) {
    if !deleted.is_empty() {
        out.push(Segment {
            op: Op::Delete,
            text: std::mem::take(deleted),
        });
    }
    if !inserted.is_empty() {
        out.push(Segment {
            op: Op::Insert,
            text: std::mem::take(inserted),
        });
    }
}

/// Whether two texts differ only in whitespace, punctuation or letter case: an editorial
/// change, as opposed to a substantive one.
pub fn is_editorial(old: &str, new: &str) -> bool {
    normalise_words(old) == normalise_words(new)
}

fn normalise_words(s: &str) -> Vec<String> {
    nfc(s)
        .split(|c: char| {
            c.is_whitespace()
                || (c.is_ascii_punctuation() && c != '%')
                || c.is_ascii_control()
                || matches!(
                    c,
                    '\u{2018}' | '\u{2019}' | '\u{201c}' | '\u{201d}' | '\u{2013}' | '\u{2014}'
                )
        })
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
        .collect()
}

#[cfg(test)]
mod memo_tests {
    use super::*;

    #[test]
    fn a_memo_gives_what_a_fresh_comparison_gives() {
        let memo = Memo::default();
        for (old, new) in [
            ("a b c", "a x c"),
            ("A b.", "a b"),
            ("a b c", "a x c"),
            ("", "new"),
        ] {
            let compared = memo.compare(old, new);
            assert_eq!(compared.0, is_editorial(old, new));
            assert_eq!(compared.1, redline(old, new));
        }
        assert_eq!(
            memo.seen
                .lock()
                .unwrap()
                .values()
                .map(Vec::len)
                .sum::<usize>(),
            3
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(segments: &[Segment]) -> String {
        segments
            .iter()
            .map(|s| match s.op {
                Op::Equal => s.text.clone(),
                Op::Insert => format!("{{+{}+}}", s.text),
                Op::Delete => format!("[-{}-]", s.text),
            })
            .collect()
    }

    #[test]
    fn marks_changed_words_only() {
        let r = redline(
            "registrars must act promptly",
            "registrars must act within two days",
        );
        assert_eq!(
            render(&r),
            "registrars must act [-promptly-]{+within two days+}"
        );
    }

    #[test]
    fn joins_a_multi_word_replacement() {
        let r = redline("the quick brown fox", "the slow red fox");
        assert_eq!(render(&r), "the [-quick brown-]{+slow red+} fox");
    }

    #[test]
    fn equal_texts_give_one_equal_segment() {
        assert_eq!(
            redline("a b", "a b"),
            vec![Segment {
                op: Op::Equal,
                text: "a b".into()
            }]
        );
    }

    #[test]
    fn nfc_forms_compare_equal() {
        let composed = "caf\u{e9}";
        let decomposed = "cafe\u{301}";
        assert!(
            redline(composed, decomposed)
                .iter()
                .all(|s| s.op == Op::Equal)
        );
    }

    #[test]
    fn reconstructs_both_sides() {
        let (old, new) = ("one two three four", "zero two four five");
        let r = redline(old, new);
        let old_back: String = r
            .iter()
            .filter(|s| s.op != Op::Insert)
            .map(|s| s.text.as_str())
            .collect();
        let new_back: String = r
            .iter()
            .filter(|s| s.op != Op::Delete)
            .map(|s| s.text.as_str())
            .collect();
        assert_eq!((old_back.as_str(), new_back.as_str()), (old, new));
    }

    #[test]
    fn editorial_means_case_punctuation_and_spacing_only() {
        assert!(is_editorial(
            "Malware, botnets and phishing.",
            "malware,  botnets  and phishing"
        ));
        assert!(is_editorial("DNS abuse", "DNS Abuse"));
        assert!(!is_editorial("malware and phishing", "malware or phishing"));
    }
}
