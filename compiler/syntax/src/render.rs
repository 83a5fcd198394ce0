//! Rendering diagnostics: like rustc for people, JSON for tools, and GitHub
//! workflow commands for CI annotations. Line and column are computed here
//! and nowhere else. Output has no colour and no absolute paths, so it is
//! stable enough to snapshot.

use crate::diagnostic::{Diagnostic, Severity};
use crate::source::{SourceMap, Span};
use std::fmt::Write as _;

/// The output formats of `gatic check --format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// rustc-style text with source lines and carets.
    Human,
    /// One JSON document: `{"diagnostics": [...]}`.
    Json,
    /// GitHub Actions workflow commands (`::error file=…::message`).
    Github,
}

/// Renders `diagnostics` in `format`.
pub fn render(sources: &SourceMap, diagnostics: &[Diagnostic], format: Format) -> String {
    match format {
        Format::Human => {
            let mut out = String::new();
            for d in diagnostics {
                out.push_str(&human(sources, d));
                out.push('\n');
            }
            out.push_str(&summary(diagnostics));
            out
        }
        Format::Json => json(sources, diagnostics),
        Format::Github => github(sources, diagnostics),
    }
}

/// The closing line: how many errors and warnings there were.
pub fn summary(diagnostics: &[Diagnostic]) -> String {
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.len() - errors;
    let plural = |n: usize, word: &str| {
        if n == 1 {
            format!("1 {word}")
        } else {
            format!("{n} {word}s")
        }
    };
    match (errors, warnings) {
        (0, 0) => String::new(),
        (0, w) => format!("warning: {} emitted\n", plural(w, "warning")),
        (e, 0) => format!("error: aborting due to {}\n", plural(e, "error")),
        (e, w) => format!(
            "error: aborting due to {}; {} emitted\n",
            plural(e, "error"),
            plural(w, "warning")
        ),
    }
}

struct Position {
    line: usize,
    column: usize,
}

fn position(sources: &SourceMap, span: Span, end: bool) -> Position {
    let file = sources.get(span.file);
    let offset = if end { span.end } else { span.start } as usize;
    let (line, column) = file.line_col(offset);
    Position { line, column }
}

/// One diagnostic in rustc style.
pub fn human(sources: &SourceMap, d: &Diagnostic) -> String {
    let mut out = String::new();
    let severity = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let _ = writeln!(out, "{severity}[{}]: {}", d.code, d.message);
    let gutter = [d.span]
        .into_iter()
        .chain(d.labels.iter().map(|l| l.span))
        .map(|s| position(sources, s, false).line.to_string().len())
        .max()
        .unwrap_or(1);
    let pad = " ".repeat(gutter);
    let start = position(sources, d.span, false);
    let _ = writeln!(
        out,
        "{pad}--> {}:{}:{}",
        sources.get(d.span.file).name,
        start.line,
        start.column
    );
    let _ = writeln!(out, "{pad} |");
    snippet(
        &mut out,
        sources,
        d.span,
        '^',
        d.label.as_deref().unwrap_or(""),
        gutter,
    );
    for label in &d.labels {
        if label.span.file != d.span.file {
            let p = position(sources, label.span, false);
            let _ = writeln!(
                out,
                "{pad}::: {}:{}:{}",
                sources.get(label.span.file).name,
                p.line,
                p.column
            );
        }
        let _ = writeln!(out, "{pad} |");
        snippet(&mut out, sources, label.span, '-', &label.message, gutter);
    }
    if !d.notes.is_empty() || d.suggestion.is_some() {
        let _ = writeln!(out, "{pad} |");
    }
    for note in &d.notes {
        let _ = writeln!(
            out,
            "{pad} = note: {}",
            indent_continuation(note, gutter + 9)
        );
    }
    if let Some(s) = &d.suggestion {
        if s.replacement.is_empty() || s.message.contains(&format!("`{}`", s.replacement)) {
            let _ = writeln!(out, "{pad} = help: {}", s.message);
        } else {
            let _ = writeln!(out, "{pad} = help: {}: `{}`", s.message, s.replacement);
        }
    }
    out
}

fn indent_continuation(text: &str, width: usize) -> String {
    text.replace('\n', &format!("\n{}", " ".repeat(width)))
}

/// Prints the line `span` starts on with `mark` under the span (up to the
/// line's end for spans over several lines) and `label` after the marks.
fn snippet(
    out: &mut String,
    sources: &SourceMap,
    span: Span,
    mark: char,
    label: &str,
    gutter: usize,
) {
    let file = sources.get(span.file);
    let start = position(sources, span, false);
    let end = position(sources, span, true);
    let raw = file.line_text(start.line);
    let line: String = raw.replace('\t', "    ");
    // Columns are in characters; tabs widen to four.
    let col_of = |col: usize| -> usize {
        raw.chars()
            .take(col.saturating_sub(1))
            .map(|c| if c == '\t' { 4 } else { 1 })
            .sum()
    };
    let from = col_of(start.column);
    let to = if end.line == start.line {
        col_of(end.column)
    } else {
        line.chars().count()
    };
    let width = to.saturating_sub(from).max(1);
    let _ = writeln!(out, "{:>gutter$} | {}", start.line, line.trim_end());
    let marks: String = std::iter::repeat_n(mark, width).collect();
    let tail = if label.is_empty() {
        String::new()
    } else {
        format!(" {label}")
    };
    let _ = writeln!(
        out,
        "{} | {}{}{}",
        " ".repeat(gutter),
        " ".repeat(from),
        marks,
        tail
    );
}

fn json(sources: &SourceMap, diagnostics: &[Diagnostic]) -> String {
    let location = |span: Span| {
        let s = position(sources, span, false);
        let e = position(sources, span, true);
        serde_json::json!({
            "file": sources.get(span.file).name,
            "start": span.start,
            "end": span.end,
            "line": s.line,
            "column": s.column,
            "end_line": e.line,
            "end_column": e.column,
        })
    };
    let items: Vec<serde_json::Value> = diagnostics
        .iter()
        .map(|d| {
            serde_json::json!({
                "code": d.code,
                "severity": d.severity,
                "message": d.message,
                "location": location(d.span),
                "label": d.label,
                "labels": d.labels.iter().map(|l| serde_json::json!({
                    "location": location(l.span),
                    "message": l.message,
                })).collect::<Vec<_>>(),
                "notes": d.notes,
                "suggestion": d.suggestion.as_ref().map(|s| serde_json::json!({
                    "message": s.message,
                    "location": location(s.span),
                    "replacement": s.replacement,
                })),
                "rendered": human(sources, d),
            })
        })
        .collect();
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let doc = serde_json::json!({
        "diagnostics": items,
        "errors": errors,
        "warnings": diagnostics.len() - errors,
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}

/// Escapes a workflow-command property or message (GitHub's rules).
fn github_escape(text: &str, property: bool) -> String {
    let mut out = text
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    if property {
        out = out.replace(':', "%3A").replace(',', "%2C");
    }
    out
}

fn github(sources: &SourceMap, diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diagnostics {
        let s = position(sources, d.span, false);
        let e = position(sources, d.span, true);
        let kind = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut message = d.message.clone();
        if let Some(s) = &d.suggestion {
            let _ = write!(message, "\nhelp: {}", s.message);
        }
        let _ = writeln!(
            out,
            "::{kind} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            github_escape(&sources.get(d.span.file).name, true),
            s.line,
            s.column,
            e.line,
            e.column,
            github_escape(d.code, true),
            github_escape(&message, false),
        );
    }
    out
}
