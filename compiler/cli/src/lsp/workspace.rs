//! The documents the editor holds open, the specs they belong to, and each
//! spec's analysis: its diagnostics (what `gatic check` reports), the syntax
//! trees of its files, and the version entry the frozen check suggests.
//!
//! A spec is checked through its root. An open document is a root unless
//! another open document `use`s it (directly or not); a root without a
//! `service` block, which is usually a file meant to be `use`d, is checked
//! through a file beside it that uses it, when one is found on disk. Open
//! documents are read from memory, every other file from disk.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use gatic_check::{Loader, uses};
use gatic_syntax::ast::{self, Item};
use gatic_syntax::{Diagnostic, FileId, Severity, SourceFile, SourceMap, Span, codes};
use lsp_types::{
    DiagnosticRelatedInformation, DiagnosticSeverity, DiagnosticTag, Location, NumberOrString,
    Range, Uri,
};

use super::text;

/// At most this many `.gati` files beside a document are read when looking
/// for the root that uses it.
const MAX_SIBLINGS: usize = 64;

/// A document the editor holds open.
pub struct Document {
    /// The URI the editor names it by (answers use the same text).
    pub uri: Uri,
    /// The text, as of the last change.
    pub text: String,
    /// The editor's version of the text.
    pub version: i32,
}

/// Reads open documents from memory and every other file from disk.
struct Overlay<'a>(&'a BTreeMap<String, Document>);

impl Loader for Overlay<'_> {
    fn load(&self, path: &str) -> Result<Vec<u8>, String> {
        match self.0.get(path) {
            Some(doc) => Ok(doc.text.as_bytes().to_vec()),
            None => gatic::FsLoader.load(path),
        }
    }
}

/// The version entry that records the changes the frozen check found: an
/// insertion into the root file's `versions` block.
pub struct RecordEdit {
    /// Where in the root file the entry goes.
    pub offset: usize,
    /// The entry, laid out for that place.
    pub text: String,
}

/// One spec, checked.
pub struct Analysis {
    /// Every file the spec reads, as checked.
    pub sources: SourceMap,
    /// Every diagnostic, sorted by file and position.
    pub diagnostics: Vec<Diagnostic>,
    /// Each file's syntax tree.
    pub files: Vec<(FileId, ast::File)>,
    /// The new version entry the frozen check suggests, if any.
    pub record: Option<RecordEdit>,
}

impl Analysis {
    /// The file with id `id`, if the spec has one.
    pub fn source(&self, id: FileId) -> Option<&SourceFile> {
        self.sources.files().find(|(i, _)| *i == id).map(|(_, f)| f)
    }

    /// The text of file `id`; empty for an unknown id.
    pub fn text(&self, id: FileId) -> &str {
        self.source(id).map_or("", |f| f.text.as_str())
    }

    /// The LSP range of `span`.
    pub fn range(&self, span: Span) -> Range {
        text::range(self.text(span.file), span.start as usize, span.end as usize)
    }

    /// The syntax tree of file `id`.
    pub fn file(&self, id: FileId) -> Option<&ast::File> {
        self.files.iter().find(|(i, _)| *i == id).map(|(_, f)| f)
    }
}

/// The open documents and the analyses of their specs.
#[derive(Default)]
pub struct Workspace {
    /// Open documents by path.
    pub docs: BTreeMap<String, Document>,
    /// For an open document without a `service` block: the file on disk
    /// that uses it, if one was found. Found when first needed, and looked
    /// for again after documents open, close or are saved.
    hints: BTreeMap<String, Option<String>>,
    /// One analysis per root.
    pub analyses: Vec<Analysis>,
    /// Every file of every analysis: the analysis (index) it is checked in.
    owners: BTreeMap<String, usize>,
    /// The diagnostics last published, by path.
    published: BTreeMap<String, Vec<lsp_types::Diagnostic>>,
}

impl Workspace {
    /// Opens (or replaces) a document.
    pub fn open(&mut self, path: String, doc: Document) {
        self.docs.insert(path, doc);
        self.hints.clear();
    }

    /// Closes a document.
    pub fn close(&mut self, path: &str) {
        self.docs.remove(path);
        self.hints.clear();
    }

    /// Notes that files on disk may have changed.
    pub fn saved(&mut self) {
        self.hints.clear();
    }

    /// The analysis that checks the file at `path`.
    pub fn analysis(&self, path: &str) -> Option<(&Analysis, FileId)> {
        let analysis = self.analyses.get(*self.owners.get(path)?)?;
        Some((analysis, analysis.sources.find(path)?))
    }

    /// The URI of the file at `path`: an open document's own, else its
    /// `file:` URI (`None` for a relative path).
    pub fn uri(&self, path: &str) -> Option<Uri> {
        match self.docs.get(path) {
            Some(doc) => Some(doc.uri.clone()),
            None => text::path_to_uri(path),
        }
    }

    /// The URI of file `id` of `analysis`.
    pub fn file_uri(&self, analysis: &Analysis, id: FileId) -> Option<Uri> {
        self.uri(&analysis.source(id)?.name)
    }

    /// A `.gati` file beside `path` (read from memory when it is open) that
    /// has a `service` block and whose spec reads `path`: the root to check
    /// `path` through. The first in name order, of at most
    /// [`MAX_SIBLINGS`].
    fn root_on_disk(&self, path: &str) -> Option<String> {
        let dir = Path::new(path).parent()?;
        let mut siblings: Vec<String> = std::fs::read_dir(dir)
            .ok()?
            .flatten()
            .map(|e| e.path().to_string_lossy().replace('\\', "/"))
            .filter(|p| p.ends_with(".gati") && p != path)
            .collect();
        siblings.sort();
        siblings.truncate(MAX_SIBLINGS);
        let loader = Overlay(&self.docs);
        siblings.into_iter().find(|candidate| {
            let reached = uses::closure(candidate, &loader);
            let is_root = reached
                .first()
                .and_then(|(_, f)| f.as_ref())
                .is_some_and(has_service);
            is_root && reached.iter().any(|(p, _)| p == path)
        })
    }

    /// The roots to check: every open document that no other open
    /// document uses (in a cycle of open documents, the first), or, when it
    /// has no `service` block, the file beside it that uses it.
    fn roots(&mut self) -> Vec<String> {
        let loader = Overlay(&self.docs);
        let reached: BTreeMap<&String, Vec<String>> = self
            .docs
            .keys()
            .map(|p| {
                let files = uses::closure(p, &loader).into_iter().map(|(f, _)| f);
                (p, files.skip(1).collect())
            })
            .collect();
        let mut roots: Vec<&String> = self
            .docs
            .keys()
            .filter(|p| !reached.iter().any(|(q, files)| q != p && files.contains(p)))
            .collect();
        for p in self.docs.keys() {
            if !roots.iter().any(|r| *r == p || reached[r].contains(p)) {
                roots.push(p);
            }
        }
        let roots: Vec<String> = roots.into_iter().cloned().collect();
        let mut out: Vec<String> = Vec::new();
        for root in roots {
            let root = self.hint(&root).unwrap_or(root);
            if !out.contains(&root) {
                out.push(root);
            }
        }
        out
    }

    /// The root on disk to check the open document at `path` through, when
    /// it has no `service` block of its own.
    fn hint(&mut self, path: &str) -> Option<String> {
        if let Some(found) = self.hints.get(path) {
            return found.clone();
        }
        let standalone = self
            .docs
            .get(path)
            .is_some_and(|d| has_service(&gatic_syntax::parse(FileId(0), &d.text).file));
        let found = if standalone {
            None
        } else {
            self.root_on_disk(path)
        };
        self.hints.insert(path.to_string(), found.clone());
        found
    }

    /// Checks every spec again. Returns the diagnostics to publish: for
    /// each file whose diagnostics changed, its URI, the document's version
    /// when it is open, and the new list (empty to clear it).
    pub fn analyse(&mut self) -> Vec<(Uri, Option<i32>, Vec<lsp_types::Diagnostic>)> {
        let roots = self.roots();
        let loader = Overlay(&self.docs);
        self.analyses = roots.iter().map(|root| analyse(root, &loader)).collect();
        self.owners.clear();
        for (i, analysis) in self.analyses.iter().enumerate() {
            for (_, file) in analysis.sources.files() {
                self.owners.entry(file.name.clone()).or_insert(i);
            }
        }
        let mut now: BTreeMap<String, Vec<lsp_types::Diagnostic>> = BTreeMap::new();
        for analysis in &self.analyses {
            for (_, file) in analysis.sources.files() {
                now.entry(file.name.clone()).or_default();
            }
            for d in &analysis.diagnostics {
                let Some(file) = analysis.source(d.span.file) else {
                    continue;
                };
                let converted = self.diagnostic(analysis, d);
                let list = now.entry(file.name.clone()).or_default();
                if !list.contains(&converted) {
                    list.push(converted);
                }
            }
        }
        let mut out = Vec::new();
        let paths: BTreeSet<String> = now.keys().chain(self.published.keys()).cloned().collect();
        for path in paths {
            let new = now.remove(&path).unwrap_or_default();
            let old = self.published.remove(&path).unwrap_or_default();
            if new != old
                && let Some(uri) = self.uri(&path)
            {
                let version = self.docs.get(&path).map(|d| d.version);
                out.push((uri, version, new.clone()));
            }
            if !new.is_empty() {
                self.published.insert(path, new);
            }
        }
        out
    }

    /// `d` as the protocol carries it: the message, then the label under
    /// the caret, the notes and the suggestion's message on lines of their
    /// own (as `gatic check` prints them); the secondary labels as related
    /// information.
    pub fn diagnostic(&self, analysis: &Analysis, d: &Diagnostic) -> lsp_types::Diagnostic {
        let mut message = d.message.clone();
        if let Some(label) = &d.label {
            message.push('\n');
            message.push_str(label);
        }
        for note in &d.notes {
            message.push_str("\nnote: ");
            message.push_str(note);
        }
        if let Some(suggestion) = &d.suggestion {
            message.push_str("\nhelp: ");
            message.push_str(&suggestion.message);
        }
        let related: Vec<DiagnosticRelatedInformation> = d
            .labels
            .iter()
            .map(|l| (l.span, &l.message))
            .filter_map(|(span, message)| {
                Some(DiagnosticRelatedInformation {
                    location: Location {
                        uri: self.file_uri(analysis, span.file)?,
                        range: analysis.range(span),
                    },
                    message: message.clone(),
                })
            })
            .collect();
        let tags = match d.code {
            codes::UNUSED => Some(vec![DiagnosticTag::UNNECESSARY]),
            codes::DEPRECATED_USE => Some(vec![DiagnosticTag::DEPRECATED]),
            _ => None,
        };
        lsp_types::Diagnostic {
            range: analysis.range(d.span),
            severity: Some(match d.severity {
                Severity::Error => DiagnosticSeverity::ERROR,
                Severity::Warning => DiagnosticSeverity::WARNING,
            }),
            code: Some(NumberOrString::String(d.code.to_string())),
            code_description: None,
            source: Some("gatic".to_string()),
            message,
            related_information: (!related.is_empty()).then_some(related),
            tags,
            data: None,
        }
    }
}

/// Whether a file declares the service: whether it can be a root.
fn has_service(file: &ast::File) -> bool {
    file.items.iter().any(|i| matches!(i, Item::Service(_)))
}

/// Checks the spec rooted at `root` as `gatic check` does: the checker, the
/// deploy settings, the frozen versions beside it and the handler crate.
fn analyse(root: &str, loader: &dyn Loader) -> Analysis {
    let mut compiled = gatic_check::compile(root, loader);
    if let Some(spec) = &mut compiled.spec
        && let Err(errors) = gatic_deploy::config(spec, None)
    {
        // As `gatic::compile_path` does: the deploy crate's errors are
        // diagnostics at the key that holds the setting.
        for error in errors {
            compiled.diagnostics.push(deploy_diagnostic(error));
        }
        compiled.spec = None;
    }
    let mut record = None;
    // Frozen versions and the handler crate are found beside the root,
    // which an unsaved document has not.
    if text::path_to_uri(root).is_some() {
        let path = Path::new(root);
        let frozen = crate::timescape::frozen_check(&compiled, path);
        if !frozen.diagnostics.is_empty() {
            record = suggested_entry(&compiled, path);
        }
        compiled.diagnostics.extend(frozen.diagnostics);
        compiled
            .diagnostics
            .extend(gatic::handler_crate_diagnostics(&compiled, path));
    }
    compiled
        .diagnostics
        .sort_by_key(|d| (d.span.file, d.span.start));
    let files: Vec<(FileId, ast::File)> = compiled
        .sources
        .files()
        .map(|(id, f)| (id, gatic_syntax::parse(id, &f.text).file))
        .collect();
    let record = record.and_then(|entry| {
        let root_file = files.iter().find(|(id, _)| *id == FileId(0))?;
        record_edit(
            compiled.sources.get(FileId(0)).text.as_str(),
            &root_file.1,
            &entry,
        )
    });
    Analysis {
        sources: compiled.sources,
        diagnostics: compiled.diagnostics,
        files,
        record,
    }
}

/// A deploy setting's error as a diagnostic (E0502) at the key that holds
/// it, with the closest key when the key is not a setting; as the CLI
/// reports it.
fn deploy_diagnostic(error: gatic_deploy::ConfigError) -> Diagnostic {
    let at = error.span;
    let span = Span::new(FileId(at.file), at.start as usize, at.end as usize);
    let mut d = Diagnostic::error(codes::UNKNOWN_SETTING, span, error.message)
        .with_label("in this setting");
    if let Some((key, known)) = &error.unknown
        && let Some(best) = gatic_syntax::diagnostic::did_you_mean(key, known.iter().copied())
    {
        d = d.with_suggestion(format!("did you mean `{best}`?"), span, best);
    }
    d
}

/// The version entry that records every breaking difference between the
/// frozen versions beside `spec` and what the history rebuilds: Timescape's
/// suggested change lines under [`gatic_timescape::suggested_entry`], the
/// text `gatic check` prints. `None` when there is nothing to record.
fn suggested_entry(compiled: &gatic_check::Compiled, spec: &Path) -> Option<String> {
    let ir = compiled.spec.as_ref()?;
    let dir = crate::timescape::frozen_dir(spec);
    let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
        .ok()?
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| {
            let text = std::fs::read(e.path()).ok()?;
            Some((
                e.file_name().to_string_lossy().into_owned(),
                String::from_utf8_lossy(&text).into_owned(),
            ))
        })
        .collect();
    files.sort();
    let origins = gatic_timescape::Origins::from_sources(&compiled.sources);
    let mut lines: Vec<String> = Vec::new();
    for drift in gatic_timescape::verify(ir, &files, &origins) {
        if drift.breaks() {
            for line in drift.suggestions() {
                if !lines.contains(&line) {
                    lines.push(line);
                }
            }
        }
    }
    (!lines.is_empty()).then(|| gatic_timescape::suggested_entry(&lines))
}

/// Where and how `entry` goes into the `versions` block of `file` (whose
/// text is `text`): on a line of its own before the block's closing brace,
/// indented one level, dated the day after the last version, or today when
/// that is later.
fn record_edit(text: &str, file: &ast::File, entry: &str) -> Option<RecordEdit> {
    let versions = file.items.iter().find_map(|i| match i {
        Item::Versions(v) => Some(v),
        _ => None,
    })?;
    let close = text.get(..versions.span.end as usize)?.rfind('}')?;
    if close < versions.span.start as usize {
        return None;
    }
    let last = versions
        .entries
        .iter()
        .rev()
        .find_map(|e| match &e.date.kind {
            ast::LiteralKind::Date(d) => Some(*d),
            _ => None,
        });
    let date = next_date(last, today());
    let entry = entry.replacen("YYYY-MM-DD", &date, 1);
    let line_start = text[..close].rfind('\n').map_or(0, |i| i + 1);
    let indented: String = entry.lines().map(|l| format!("  {l}\n")).collect();
    if text[line_start..close].trim().is_empty() {
        // `}` on a line of its own: the entry goes on the lines above it.
        Some(RecordEdit {
            offset: line_start,
            text: indented,
        })
    } else {
        Some(RecordEdit {
            offset: close,
            text: format!("\n{indented}"),
        })
    }
}

/// Today's date in UTC, as days since 1970-01-01.
fn today() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs() / 86_400).unwrap_or(0))
}

/// `YYYY-MM-DD` of the later of `today` (days since the epoch) and the day
/// after `last`.
fn next_date(last: Option<ast::Date>, today: i64) -> String {
    let after = last.map_or(i64::MIN, |d| {
        days_from_civil(i64::from(d.year), i64::from(d.month), i64::from(d.day)) + 1
    });
    let (y, m, d) = civil_from_days(after.max(today));
    format!("{y:04}-{m:02}-{d:02}")
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date `z` days after 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_count_days() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(civil_from_days(days_from_civil(2024, 2, 29)), (2024, 2, 29));
        let new_year = ast::Date {
            year: 2024,
            month: 12,
            day: 31,
        };
        assert_eq!(next_date(Some(new_year), 0), "2025-01-01");
        assert_eq!(
            next_date(Some(new_year), days_from_civil(2026, 3, 1)),
            "2026-03-01"
        );
        assert_eq!(next_date(None, days_from_civil(2026, 3, 1)), "2026-03-01");
    }

    #[test]
    fn the_entry_goes_before_the_closing_brace() {
        let text = "versions {\n  2024-01-01 \"First\"\n}\n";
        let file = gatic_syntax::parse(FileId(0), text).file;
        let edit = record_edit(
            text,
            &file,
            "YYYY-MM-DD \"Describe the change\" {\n  A.b added\n}",
        )
        .expect("an edit");
        assert_eq!(edit.offset, text.rfind('}').expect("brace"));
        assert!(edit.text.starts_with("  20"), "{}", edit.text);
        assert!(
            edit.text
                .ends_with(" \"Describe the change\" {\n    A.b added\n  }\n"),
            "{}",
            edit.text
        );
        let inline = "versions { 2024-01-01 \"First\" }\n";
        let file = gatic_syntax::parse(FileId(0), inline).file;
        let edit =
            record_edit(inline, &file, "YYYY-MM-DD \"D\" {\n  A.b added\n}").expect("an edit");
        assert_eq!(edit.offset, inline.rfind('}').expect("brace"));
        assert!(edit.text.starts_with('\n'));
    }
}
