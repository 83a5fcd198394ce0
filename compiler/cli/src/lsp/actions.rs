//! Code actions and formatting: each diagnostic's suggested fix as a quick
//! fix, the version entry that records what the frozen versions do not
//! explain, and `gatic fmt`'s layout as one whole-document edit.

use std::collections::HashMap;

use gatic_syntax::ast::Item;
use gatic_syntax::{FileId, codes};
use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, CodeActionResponse,
    DocumentFormattingParams, TextEdit, WorkspaceEdit,
};

use super::navigate;
use super::text;
use super::workspace::Workspace;

/// The title of the action that records the frozen check's changes.
pub const RECORD_TITLE: &str = "Record these changes in a new version";

/// `textDocument/codeAction`: the quick fixes for the diagnostics in the
/// requested range, and on the `versions` block, when the frozen versions
/// beside the spec differ from what its history rebuilds, the entry that
/// records the differences.
pub fn code_actions(workspace: &Workspace, params: CodeActionParams) -> Option<CodeActionResponse> {
    let wanted = params.context.only.as_ref().is_none_or(|only| {
        only.iter()
            .any(|k| CodeActionKind::QUICKFIX.as_str().starts_with(k.as_str()))
    });
    if !wanted {
        return Some(Vec::new());
    }
    let uri = &params.text_document.uri;
    let (analysis, file, start) = navigate::locate(workspace, uri, params.range.start)?;
    let end = text::offset(analysis.text(file), params.range.end).max(start);
    let touches = |from: usize, to: usize| from <= end && start <= to;
    let mut out: CodeActionResponse = Vec::new();
    for d in &analysis.diagnostics {
        let Some(suggestion) = &d.suggestion else {
            continue;
        };
        if d.span.file != file || !touches(d.span.start as usize, d.span.end as usize) {
            continue;
        }
        let Some(target) = workspace.file_uri(analysis, suggestion.span.file) else {
            continue;
        };
        let old = analysis
            .text(suggestion.span.file)
            .get(suggestion.span.range())
            .unwrap_or("");
        let short = |s: &str| !s.is_empty() && s.len() <= 40 && !s.contains('\n');
        let title = if short(old) && short(&suggestion.replacement) {
            format!("Replace `{old}` with `{}`", suggestion.replacement)
        } else {
            capitalized(&suggestion.message)
        };
        let edit = TextEdit {
            range: analysis.range(suggestion.span),
            new_text: suggestion.replacement.clone(),
        };
        out.push(CodeActionOrCommand::CodeAction(CodeAction {
            title,
            kind: Some(CodeActionKind::QUICKFIX),
            diagnostics: Some(vec![workspace.diagnostic(analysis, d)]),
            edit: Some(WorkspaceEdit {
                changes: Some(HashMap::from([(target, vec![edit])])),
                ..WorkspaceEdit::default()
            }),
            is_preferred: Some(true),
            ..CodeAction::default()
        }));
    }
    if let Some(record) = &analysis.record
        && file == FileId(0)
    {
        let on_versions = analysis.file(file).is_some_and(|ast| {
            ast.items.iter().any(|item| match item {
                Item::Versions(v) => touches(v.span.start as usize, v.span.end as usize),
                _ => false,
            })
        });
        if on_versions {
            let drift: Vec<lsp_types::Diagnostic> = analysis
                .diagnostics
                .iter()
                .filter(|d| d.code == codes::BAD_CHANGE && d.span.file == file)
                .map(|d| workspace.diagnostic(analysis, d))
                .collect();
            let at = text::position(analysis.text(file), record.offset);
            let edit = TextEdit {
                range: lsp_types::Range { start: at, end: at },
                new_text: record.text.clone(),
            };
            out.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: RECORD_TITLE.to_string(),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: (!drift.is_empty()).then_some(drift),
                edit: Some(WorkspaceEdit {
                    changes: Some(HashMap::from([(uri.clone(), vec![edit])])),
                    ..WorkspaceEdit::default()
                }),
                ..CodeAction::default()
            }));
        }
    }
    Some(out)
}

/// `textDocument/formatting`: the document in `gatic fmt`'s layout, as one
/// edit replacing the whole text; no edit when it is already laid out, and
/// none when it does not parse.
pub fn format(workspace: &Workspace, params: DocumentFormattingParams) -> Option<Vec<TextEdit>> {
    let path = text::uri_to_path(&params.text_document.uri);
    let source = match workspace.docs.get(&path) {
        Some(doc) => doc.text.clone(),
        None => {
            let (analysis, file) = workspace.analysis(&path)?;
            analysis.text(file).to_string()
        }
    };
    let formatted = gatic_syntax::fmt::format(FileId(0), &source).ok()?;
    if formatted == source {
        return Some(Vec::new());
    }
    Some(vec![TextEdit {
        range: text::range(&source, 0, source.len()),
        new_text: formatted,
    }])
}

/// `text` with its first letter upper case.
fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
