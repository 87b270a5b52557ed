//! The one loader for every snapshot: lists a [`Source`], checks each file on its own
//! (encoding, size, front matter, fields), then checks the snapshot as a whole (duplicate
//! ids and names, references, the umbrella's forms), and returns a [`Registry`] together
//! with every problem it found. It never stops at the first bad file.

mod convert;
mod frontmatter;
mod schema;
mod schema1;
mod source;
pub mod yaml;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use anyhow::{Context, Result};
use rayon::prelude::*;
use serde::Deserialize;
use serde_saphyr::Spanned;

pub use convert::{FileCheck, ParsedEntry, valid_version};
pub use schema::{Schema1, SchemaReader};
pub use source::{FileKind, MAX_FILE_BYTES, MemorySource, Source, SourceFile, WorkTree};

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::model::{EntryType, Registry, RegistryMeta, TermKind};
use yaml::{Origin, Pos};

/// The registry file inside the registry folder.
pub const REGISTRY_FILE: &str = "registry.yaml";

/// Files tolerated in the registry folder besides entries: notes for editors and the
/// placeholder that keeps an empty folder in git.
const IGNORED_FILES: &[&str] = &["README.md", ".gitkeep"];

/// A loaded snapshot: the registry when it is valid, and every diagnostic either way.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub registry: Option<Registry>,
    pub diagnostics: Diagnostics,
}

/// The result of checking one file on its own; cached by content id.
#[derive(Debug, Clone)]
struct FileResult {
    parsed: Option<ParsedEntry>,
    diagnostics: Vec<Diagnostic>,
}

/// Loads snapshots, parsing each distinct file content once. Keep one `Loader` for all the
/// snapshots of a history: files unchanged between releases are not parsed again.
pub struct Loader {
    /// (schema, path, content id) → result.
    cache: HashMap<(u32, String, String), FileResult>,
    readers: BTreeMap<u32, Arc<dyn SchemaReader>>,
}

impl std::fmt::Debug for Loader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Loader")
            .field("cached", &self.cache.len())
            .field("schemas", &self.readers.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Default for Loader {
    fn default() -> Self {
        let mut readers: BTreeMap<u32, Arc<dyn SchemaReader>> = BTreeMap::new();
        readers.insert(1, Arc::new(schema::Schema1));
        Loader {
            cache: HashMap::new(),
            readers,
        }
    }
}

impl Loader {
    /// A loader with every schema reader this version of abusedefs has.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) the reader of schema `number`.
    pub fn with_reader(mut self, number: u32, reader: Arc<dyn SchemaReader>) -> Self {
        self.readers.insert(number, reader);
        self
    }

    /// Loads the snapshot behind `source`. `prefix` is the registry folder's path from the
    /// repository root, used to name files in diagnostics (e.g. `definitions`).
    pub fn load(&mut self, source: &dyn Source, prefix: &str) -> Result<Loaded> {
        let display = |path: &str| {
            if prefix.is_empty() {
                path.to_string()
            } else {
                format!("{prefix}/{path}")
            }
        };
        let mut diagnostics = Diagnostics::new();
        if !source.exists() {
            diagnostics.push(
                Diagnostic::error(prefix, "there is no registry folder here")
                    .with_help(format!("create `{prefix}/{REGISTRY_FILE}` and `{prefix}/terms/`, or point `--registry` at the registry folder")),
            );
            return Ok(Loaded {
                registry: None,
                diagnostics,
            });
        }

        let mut meta_file = None;
        let mut entry_files = Vec::new();
        let mut refused_dirs: Vec<String> = Vec::new();
        for file in source.list()? {
            if refused_dirs
                .iter()
                .any(|d| file.path.starts_with(&format!("{d}/")))
            {
                continue;
            }
            let shown = display(&file.path);
            match classify(&file) {
                Place::Registry => meta_file = Some(file),
                Place::Entry(entry_type, stem) => entry_files.push((file, entry_type, stem)),
                Place::Folder | Place::Ignored => {}
                Place::Symlink => diagnostics.push(
                    Diagnostic::error(
                        shown,
                        "symbolic links are not allowed in the registry; it was not followed",
                    )
                    .with_help("replace the link with the file itself"),
                ),
                Place::Unexpected => {
                    if file.kind == FileKind::Dir {
                        refused_dirs.push(file.path.clone());
                    }
                    diagnostics.push(Diagnostic::error(shown, unexpected_message(&file)).with_help(
                        "a registry holds `registry.yaml` and Markdown entries in `terms/`, `obligations/` and `procedures/`: move or remove this",
                    ));
                }
            }
        }

        let (meta, schema) = match meta_file {
            Some(file) => self.load_meta(source, &file, &display(&file.path), &mut diagnostics)?,
            None => {
                diagnostics.push(
                    Diagnostic::error(display(REGISTRY_FILE), format!("`{REGISTRY_FILE}` is missing"))
                        .with_help("it holds the title, version, publication date, remit statement and revision cycle"),
                );
                (None, None)
            }
        };
        // Entries are read with the snapshot's schema; when registry.yaml could not say
        // which, with the newest one, so that their own problems are still reported.
        let (schema, reader) =
            match schema.and_then(|n| self.readers.get(&n).map(|r| (n, r.clone()))) {
                Some(found) => found,
                None => match self.readers.iter().next_back() {
                    Some((n, r)) => (*n, r.clone()),
                    None => anyhow::bail!("no schema reader is registered"),
                },
            };

        // Files this loader has not seen (by content id) are read here, one by one (a
        // source need not be shareable between threads), then parsed in parallel.
        let mut results: Vec<Option<FileResult>> = Vec::with_capacity(entry_files.len());
        let mut texts = Vec::new();
        for (index, (file, entry_type, stem)) in entry_files.iter().enumerate() {
            let hit = file.content_id.as_ref().and_then(|id| {
                self.cache
                    .get(&(schema, file.path.clone(), id.clone()))
                    .cloned()
            });
            if hit.is_none() {
                let shown = display(&file.path);
                let mut file_diagnostics = Diagnostics::new();
                let text = read_text(source, file, &shown, &mut file_diagnostics)?;
                texts.push((index, *entry_type, stem, shown, text, file_diagnostics));
            }
            results.push(hit);
        }
        let fresh: Vec<(usize, FileResult)> = texts
            .into_par_iter()
            .map(|(index, entry_type, stem, shown, text, file_diagnostics)| {
                let result = match text {
                    Some(text) => parse_entry_text(
                        &text,
                        entry_type,
                        stem,
                        &shown,
                        reader.as_ref(),
                        file_diagnostics,
                    ),
                    None => FileResult {
                        parsed: None,
                        diagnostics: file_diagnostics.into_vec(),
                    },
                };
                (index, result)
            })
            .collect();
        for (index, result) in fresh {
            let file = &entry_files[index].0;
            if let Some(id) = &file.content_id {
                self.cache
                    .insert((schema, file.path.clone(), id.clone()), result.clone());
            }
            results[index] = Some(result);
        }

        let mut parsed = Vec::new();
        let mut failed = Vec::new();
        for ((file, _, stem), result) in entry_files.into_iter().zip(results) {
            let result = result.context("every entry file has a result")?;
            diagnostics.extend(result.diagnostics.into_iter().collect());
            match result.parsed {
                Some(p) => parsed.push((display(&file.path), p)),
                None => failed.push(stem),
            }
        }

        check_snapshot(&parsed, &failed, &mut diagnostics);
        diagnostics.sort();
        let registry = match meta {
            Some(meta) if !diagnostics.has_errors() => Some(convert::assemble(
                meta,
                parsed.into_iter().map(|(_, p)| p.entry).collect(),
            )),
            _ => None,
        };
        Ok(Loaded {
            registry,
            diagnostics,
        })
    }

    fn load_meta(
        &mut self,
        source: &dyn Source,
        file: &SourceFile,
        shown: &str,
        diagnostics: &mut Diagnostics,
    ) -> Result<(Option<RegistryMeta>, Option<u32>)> {
        let Some(text) = read_text(source, file, shown, diagnostics)? else {
            return Ok((None, None));
        };
        let origin = Origin { first_line: 1 };
        let mut check = FileCheck::new(shown, origin);
        let result = self.meta_from_yaml(&mut check, &text);
        diagnostics.extend(check.diagnostics.into_iter().collect());
        Ok(result)
    }

    /// Parses `registry.yaml`, dispatching on its `schema` so that every schema ever
    /// accepted stays readable. Returns the schema number too, when it is known.
    fn meta_from_yaml(
        &self,
        check: &mut FileCheck,
        text: &str,
    ) -> (Option<RegistryMeta>, Option<u32>) {
        #[derive(Deserialize)]
        struct Probe {
            schema: Option<Spanned<u32>>,
        }
        let probe: Probe = match yaml::parse(text, check.origin) {
            Ok(p) => p,
            Err(e) => {
                check.error(e.pos, e.message, e.help);
                return (None, None);
            }
        };
        let Some(schema) = probe.schema else {
            check.error(
                Pos { line: 1, column: 1 },
                "`schema` is missing",
                Some("add `schema: 1` at the top of the file".into()),
            );
            return (None, None);
        };
        match self.readers.get(&schema.value) {
            Some(reader) => (reader.registry(check, text), Some(schema.value)),
            None => {
                let known: Vec<String> = self.readers.keys().map(u32::to_string).collect();
                check.error(
                    check.origin.of(&schema),
                    format!("schema {} is not supported by this version of abusedefs (it reads schema {})", schema.value, known.join(", ")),
                    Some("upgrade abusedefs, or set the schema this registry was written for".into()),
                );
                (None, None)
            }
        }
    }
}

/// Checks the top-level keys against `fields` (reporting every unknown one), then parses
/// the typed struct.
pub(crate) fn parse_fields<T: for<'de> Deserialize<'de>>(
    check: &mut FileCheck,
    yaml_text: &str,
    fields: &[&str],
) -> Option<T> {
    if yaml_text.trim().is_empty() {
        check.error(
            check.origin.pos(&serde_saphyr::Location::UNKNOWN),
            "the front matter is empty",
            Some("`abusedefs new` writes a complete skeleton".into()),
        );
        return None;
    }
    let keys = match yaml::keys(yaml_text, check.origin) {
        Ok(keys) => keys,
        Err(e) => {
            check.error(e.pos, e.message, e.help);
            return None;
        }
    };
    let mut unknown = false;
    for (key, pos) in &keys {
        if !fields.contains(&key.as_str()) {
            unknown = true;
            let help = yaml::did_you_mean(key, fields)
                .unwrap_or_else(|| format!("known fields: {}", fields.join(", ")));
            check.error(*pos, format!("unknown field `{key}`"), Some(help));
        }
    }
    if unknown {
        return None;
    }
    match yaml::parse::<T>(yaml_text, check.origin) {
        Ok(raw) => Some(raw),
        Err(e) => {
            // Name the field the error sits in: serde-saphyr knows the position, we know
            // which key starts there.
            let field = keys
                .iter()
                .take_while(|(_, pos)| pos.line <= e.pos.line)
                .last()
                .map(|(key, _)| key.as_str());
            let message = match field {
                Some(field) if !e.message.contains('`') => format!("`{field}`: {}", e.message),
                _ => e.message,
            };
            check.error(e.pos, message, e.help);
            None
        }
    }
}

enum Place {
    Registry,
    Entry(EntryType, String),
    Folder,
    Ignored,
    Symlink,
    Unexpected,
}

fn classify(file: &SourceFile) -> Place {
    if file.kind == FileKind::Symlink {
        return Place::Symlink;
    }
    let parts: Vec<&str> = file.path.split('/').collect();
    let is_file = matches!(file.kind, FileKind::File { .. });
    match parts.as_slice() {
        [name] if *name == REGISTRY_FILE && is_file => Place::Registry,
        [name] if IGNORED_FILES.contains(name) && is_file => Place::Ignored,
        [folder]
            if file.kind == FileKind::Dir
                && EntryType::ALL.iter().any(|t| t.folder() == *folder) =>
        {
            Place::Folder
        }
        [folder, name] if is_file => {
            match EntryType::ALL.into_iter().find(|t| t.folder() == *folder) {
                Some(_) if *name == ".gitkeep" => Place::Ignored,
                Some(t) => match name.strip_suffix(".md") {
                    Some(stem) => Place::Entry(t, stem.to_string()),
                    None => Place::Unexpected,
                },
                None => Place::Unexpected,
            }
        }
        _ => Place::Unexpected,
    }
}

fn unexpected_message(file: &SourceFile) -> String {
    match file.kind {
        FileKind::Dir => "unexpected folder in the registry".to_string(),
        FileKind::File { .. } if file.path.contains('/') && !file.path.ends_with(".md") => {
            "unexpected file: entries are Markdown files ending in `.md`".to_string()
        }
        FileKind::File { .. } => "unexpected file in the registry".to_string(),
        _ => "unexpected object in the registry (not a regular file)".to_string(),
    }
}

/// Reads a file as UTF-8 text, reporting (not failing on) size, encoding and emptiness.
fn read_text(
    source: &dyn Source,
    file: &SourceFile,
    shown: &str,
    diagnostics: &mut Diagnostics,
) -> Result<Option<String>> {
    let size = match file.kind {
        FileKind::File { size: Some(size) } => Some(size),
        _ => source.size(&file.path)?,
    };
    if let Some(size) = size
        && size > MAX_FILE_BYTES
    {
        diagnostics.push(
            Diagnostic::error(
                shown,
                format!("the file is {size} bytes; the limit is {MAX_FILE_BYTES} bytes (1 MiB)"),
            )
            .with_help("split the text or link to the full document instead of copying it"),
        );
        return Ok(None);
    }
    let bytes = source.read(&file.path, MAX_FILE_BYTES + 1)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        diagnostics.push(Diagnostic::error(
            shown,
            format!("the file is larger than the limit of {MAX_FILE_BYTES} bytes (1 MiB)"),
        ));
        return Ok(None);
    }
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let line = valid.iter().filter(|b| **b == b'\n').count() + 1;
            let column = valid.iter().rev().take_while(|b| **b != b'\n').count() + 1;
            diagnostics.push(
                Diagnostic::error(shown, "the file is not valid UTF-8 text")
                    .at(line as u32, column as u32)
                    .with_help("save the file as UTF-8"),
            );
            return Ok(None);
        }
    };
    let text = text
        .strip_prefix('\u{feff}')
        .map(str::to_string)
        .unwrap_or(text);
    if text.trim().is_empty() {
        diagnostics.push(
            Diagnostic::error(shown, "the file is empty")
                .with_help("`abusedefs new` writes a complete skeleton"),
        );
        return Ok(None);
    }
    Ok(Some(text))
}

/// Parses an entry file's text: front matter, fields and body.
fn parse_entry_text(
    text: &str,
    entry_type: EntryType,
    stem: &str,
    shown: &str,
    reader: &dyn SchemaReader,
    mut diagnostics: Diagnostics,
) -> FileResult {
    let split = match frontmatter::split(text) {
        Ok(split) => split,
        Err(e) => {
            let (message, line) = match e {
                frontmatter::SplitError::NoOpeningFence => {
                    ("the file does not start with `---` front matter", 1)
                }
                frontmatter::SplitError::NoClosingFence => {
                    ("the front matter is not closed by a `---` line", 1)
                }
            };
            diagnostics.push(Diagnostic::error(shown, message).at(line, 1).with_help(
                "an entry starts with a line `---`, then YAML fields, then a line `---`, then the Markdown body",
            ));
            return FileResult {
                parsed: None,
                diagnostics: diagnostics.into_vec(),
            };
        }
    };
    let mut check = FileCheck::new(
        shown,
        Origin {
            first_line: split.yaml_line,
        },
    );
    let parsed = reader.entry(&mut check, entry_type, split.yaml, stem, split.body);
    diagnostics.extend(check.diagnostics.into_iter().collect());
    FileResult {
        parsed,
        diagnostics: diagnostics.into_vec(),
    }
}

/// Checks that need the whole snapshot: unique ids and names, resolvable references, one
/// umbrella whose forms are abuse types.
/// `failed` holds the stems of entry files that had errors of their own: references to them
/// are not reported again.
fn check_snapshot(
    parsed: &[(String, ParsedEntry)],
    failed: &[String],
    diagnostics: &mut Diagnostics,
) {
    let mut by_id: BTreeMap<&str, (&str, &ParsedEntry)> = BTreeMap::new();
    for (file, p) in parsed {
        let id = p.entry.as_ref().id().as_str();
        if let Some((first, _)) = by_id.get(id) {
            diagnostics.push(
                Diagnostic::error(
                    file.as_str(),
                    format!("the id `{id}` is already used by `{first}`"),
                )
                .at(p.id_pos.line, p.id_pos.column)
                .with_help(
                    "ids are unique across terms, obligations and procedures: choose another id",
                ),
            );
        } else {
            by_id.insert(id, (file, p));
        }
    }

    let mut names: BTreeMap<String, &str> = BTreeMap::new();
    for (file, p) in parsed {
        for (name, pos) in &p.names {
            let key = name.to_lowercase();
            match names.get(&key) {
                Some(owner) if *owner != p.entry.as_ref().id().as_str() => diagnostics.push(
                    Diagnostic::error(
                        file.as_str(),
                        format!("`{name}` is already the term or an alias of `{owner}`"),
                    )
                    .at(pos.line, pos.column)
                    .with_help("a name can point at one definition only: remove it here or there"),
                ),
                _ => {
                    names.insert(key, p.entry.as_ref().id().as_str());
                }
            }
        }
    }

    // Every entry under its id (several when an id is duplicated), so that each reference
    // is one lookup rather than a scan of the snapshot.
    let mut all_by_id: BTreeMap<&str, Vec<crate::model::EntryRef>> = BTreeMap::new();
    for (_, p) in parsed {
        let entry = p.entry.as_ref();
        all_by_id
            .entry(entry.id().as_str())
            .or_default()
            .push(entry);
    }
    for (file, p) in parsed {
        for r in &p.references {
            // With a duplicated id, prefer the entry of the expected type: the duplicate is
            // reported once, above, not again for every reference to it.
            let target = all_by_id.get(r.target.as_str()).and_then(|candidates| {
                candidates
                    .iter()
                    .copied()
                    .max_by_key(|t| t.entry_type() == r.target_type)
            });
            let problem = match target {
                None if failed.iter().any(|f| f == r.target.as_str()) => None,
                None => {
                    let ids: Vec<&str> = by_id
                        .iter()
                        .filter(|(_, (_, t))| t.entry.as_ref().entry_type() == r.target_type)
                        .map(|(id, _)| *id)
                        .collect();
                    let help = yaml::did_you_mean(r.target.as_str(), &ids).unwrap_or_else(|| {
                        format!(
                            "create `{}/{}.md` or remove the reference",
                            r.target_type.folder(),
                            r.target
                        )
                    });
                    Some((
                        format!(
                            "`{}` refers to `{}`, which does not exist in this snapshot",
                            r.field, r.target
                        ),
                        help,
                    ))
                }
                Some(t) if t.entry_type() != r.target_type => Some((
                    format!(
                        "`{}` must list {}s, but `{}` is a {}",
                        r.field,
                        r.target_type.name(),
                        r.target,
                        t.entry_type().name()
                    ),
                    format!(
                        "move `{}` to the field for {}s",
                        r.target,
                        t.entry_type().name()
                    ),
                )),
                Some(crate::model::EntryRef::Term(t))
                    if r.field == "includes" && t.kind != TermKind::AbuseType =>
                {
                    Some((
                        format!(
                            "`includes` lists `{}`, whose kind is `{}`; the forms of DNS abuse must be `abuse-type`",
                            r.target,
                            t.kind.as_str()
                        ),
                        "list only `abuse-type` terms, or change the kind of the included term"
                            .to_string(),
                    ))
                }
                _ => None,
            };
            if let Some((message, help)) = problem {
                diagnostics.push(
                    Diagnostic::error(file.as_str(), message)
                        .at(r.pos.line, r.pos.column)
                        .with_help(help),
                );
            }
        }
    }

    let umbrellas: Vec<&(String, ParsedEntry)> = parsed.iter().filter(|(_, p)| matches!(&p.entry, crate::model::Entry::Term(t) if t.kind == TermKind::DnsAbuse)).collect();
    for (file, p) in umbrellas.iter().skip(1) {
        diagnostics.push(
            Diagnostic::error(file.as_str(), format!("a second `dns-abuse` definition; the first is `{}`", umbrellas[0].0))
                .at(p.id_pos.line, p.id_pos.column)
                .with_help("a registry has one umbrella definition: make this one an `abuse-type` or `related-term`"),
        );
    }
    if let Some((_, umbrella)) = umbrellas.first() {
        let included: Vec<&str> = umbrella
            .references
            .iter()
            .filter(|r| r.field == "includes")
            .map(|r| r.target.as_str())
            .collect();
        for (file, p) in parsed {
            if let crate::model::Entry::Term(t) = &p.entry
                && t.kind == TermKind::AbuseType
                && !included.contains(&t.id.as_str())
            {
                diagnostics.push(
                    Diagnostic::warning(
                        file.as_str(),
                        format!(
                            "the abuse type `{}` is not listed in the `includes` of `{}`",
                            t.id,
                            umbrella.entry.as_ref().id()
                        ),
                    )
                    .at(p.id_pos.line, p.id_pos.column)
                    .with_help("add it to the umbrella's `includes`, or change its kind"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const META: &str = "schema: 1\ntitle: T\npublisher: P\nversion: \"1\"\npublished: 2024-01-01\nremit: r\ncycle: {interval_years: 2, month: 1, first_year: 2024, limit_business_days: 30}\n";

    fn term(id: &str, extra: &str) -> String {
        format!(
            "---\nid: {id}\nterm: {id}\nkind: abuse-type\nremit: within\nsummary: s\n{extra}---\nbody\n"
        )
    }

    fn load(files: &[(&str, &str)]) -> Loaded {
        let mut source = MemorySource::new();
        source.add(REGISTRY_FILE, META, None);
        for (path, text) in files {
            source.add(path, *text, None);
        }
        Loader::new().load(&source, "definitions").unwrap()
    }

    fn messages(loaded: &Loaded) -> Vec<String> {
        loaded
            .diagnostics
            .iter()
            .map(|d| d.message.clone())
            .collect()
    }

    #[test]
    fn a_valid_snapshot_becomes_a_registry() {
        let loaded = load(&[
            ("terms/a.md", &term("a", "see_also: [b]\n")),
            ("terms/b.md", &term("b", "")),
        ]);
        let registry = loaded.registry.expect("valid");
        assert_eq!(registry.terms.len(), 2);
        assert_eq!(registry.terms["a"].see_also[0].as_str(), "b");
        assert_eq!(&*registry.terms["a"].body, "body\n");
    }

    #[test]
    fn references_to_a_broken_file_are_not_reported_twice() {
        let loaded = load(&[
            ("terms/a.md", &term("a", "see_also: [b]\n")),
            ("terms/b.md", "---\nid: b\n---\n"),
        ]);
        let m = messages(&loaded);
        assert_eq!(m.len(), 1, "{m:?}");
        assert!(m[0].contains("missing required field"));
    }

    #[test]
    fn a_second_umbrella_is_an_error() {
        let umbrella = |id: &str| {
            format!(
                "---\nid: {id}\nterm: {id}\nkind: dns-abuse\nremit: within\nsummary: s\nincludes: [a]\n---\nb\n"
            )
        };
        let loaded = load(&[
            ("terms/a.md", &term("a", "")),
            ("terms/u1.md", &umbrella("u1")),
            ("terms/u2.md", &umbrella("u2")),
        ]);
        assert!(
            messages(&loaded)
                .iter()
                .any(|m| m.starts_with("a second `dns-abuse` definition"))
        );
    }

    #[test]
    fn an_abuse_type_outside_the_umbrella_is_a_warning() {
        let umbrella = "---\nid: u\nterm: u\nkind: dns-abuse\nremit: within\nsummary: s\nincludes: [a]\n---\nb\n";
        let loaded = load(&[
            ("terms/a.md", &term("a", "")),
            ("terms/b.md", &term("b", "")),
            ("terms/u.md", umbrella),
        ]);
        assert!(loaded.registry.is_some());
        assert_eq!(loaded.diagnostics.warning_count(), 1);
    }

    /// A simulated schema 2 in which a term's `summary` is called `definition`: its reader
    /// translates and delegates, as a real migration would keep the old reader.
    struct RenamedSummary;

    impl SchemaReader for RenamedSummary {
        fn registry(&self, check: &mut FileCheck, yaml: &str) -> Option<RegistryMeta> {
            Schema1.registry(check, yaml)
        }
        fn entry(
            &self,
            check: &mut FileCheck,
            entry_type: EntryType,
            yaml: &str,
            stem: &str,
            body: &str,
        ) -> Option<ParsedEntry> {
            Schema1.entry(
                check,
                entry_type,
                &yaml.replace("\ndefinition:", "\nsummary:"),
                stem,
                body,
            )
        }
    }

    fn snapshot(schema: u32, summary_field: &str) -> MemorySource {
        let mut source = MemorySource::new();
        source.add(
            REGISTRY_FILE,
            META.replace("schema: 1", &format!("schema: {schema}")),
            Some(&format!("meta-{schema}")),
        );
        let term = format!(
            "---\nid: a\nterm: a\nkind: related-term\n{summary_field}: The same words.\ndistinction: d\n---\nbody\n"
        );
        source.add("terms/a.md", term, Some(&format!("term-{schema}")));
        source
    }

    #[test]
    fn a_schema_1_release_stays_readable_next_to_a_schema_2_release() {
        let (old, new) = (snapshot(1, "summary"), snapshot(2, "definition"));
        let mut loader = Loader::new().with_reader(2, Arc::new(RenamedSummary));
        let old = loader
            .load(&old, "d")
            .unwrap()
            .registry
            .expect("schema 1 still reads");
        let new = loader
            .load(&new, "d")
            .unwrap()
            .registry
            .expect("schema 2 reads");
        assert_eq!(old.terms["a"].summary, new.terms["a"].summary);
        assert_eq!((old.meta.schema, new.meta.schema), (1, 2));

        // Without the schema 2 reader, the newer snapshot is refused, naming the schema.
        let refused = Loader::new().load(&snapshot(2, "definition"), "d").unwrap();
        assert!(refused.registry.is_none());
        assert!(
            messages(&refused)
                .iter()
                .any(|m| m.starts_with("schema 2 is not supported"))
        );
    }

    #[test]
    fn equal_contents_are_parsed_once() {
        let mut loader = Loader::new();
        let mut source = MemorySource::new();
        source.add(REGISTRY_FILE, META, None);
        source.add("terms/a.md", term("a", ""), Some("blob-1"));
        loader.load(&source, "d").unwrap();
        // Same path and content id, different bytes: the cached result is used.
        source.add("terms/a.md", "not even front matter", Some("blob-1"));
        assert!(loader.load(&source, "d").unwrap().registry.is_some());
        assert_eq!(loader.cache.len(), 1);
    }
}
