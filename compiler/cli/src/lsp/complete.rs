//! Completion: attributes after `@`, settings in the blocks that hold
//! settings (`service { … }`, `limits { … }`, `cors { … }`), clauses at the
//! start of a route block's line, nothing where a new name is written (a
//! field, an enum value), and type names everywhere else.

use gatic_syntax::FileId;
use gatic_syntax::ast::{Item, RouteDecl, TypeBody};
use gatic_syntax::symbols::Declared;
use lsp_types::{
    CompletionItem, CompletionItemKind, CompletionParams, CompletionResponse, Documentation,
    MarkupContent, MarkupKind,
};

use super::navigate::{self, Index, PRIMITIVES};
use super::workspace::{Analysis, Workspace};

/// Every attribute the language knows, with what it does. The checker's
/// own list is `KNOWN` in `compiler/check/src/attrs.rs` (private to the
/// checker); keep the two alike.
const ATTRIBUTES: &[(&str, &str)] = &[
    ("len", "`@len(a..=b)`: a string's length in characters"),
    ("range", "`@range(lo..=hi)`: a number's bounds"),
    (
        "items",
        "`@items(a..=b)`: how many items a list or map holds",
    ),
    ("pattern", "`@pattern(\"regex\")`: the whole string matches"),
    (
        "format",
        "`@format(f)`: `email`, `uuid`, `url`, `hostname` or `ip`",
    ),
    (
        "readonly",
        "set by the server: returned, never accepted in requests",
    ),
    (
        "write_only",
        "accepted in requests, never returned (a password)",
    ),
    (
        "deprecated",
        "still works; marked deprecated in OpenAPI and the SDKs",
    ),
    (
        "name",
        "`@name(\"X-Name\")`: a header's or cookie's name on the wire",
    ),
    (
        "tag",
        "`@tag(field)`: the field that names a tagged union's variant",
    ),
    (
        "unknown_fields",
        "`@unknown_fields(reject)` or `(ignore)`: what a record does with members \
         it does not declare",
    ),
    (
        "example",
        "`@example(value)`: a value to show for a field or an alias, in OpenAPI and `gatic mock`",
    ),
];

/// The settings of a `service` block. The checker's list is
/// `SERVICE_KEYS` in `compiler/check/src/routes.rs`.
const SERVICE_KEYS: &[(&str, &str)] = &[
    ("title", "`title \"…\"`: the human title"),
    ("limits", "`limits { … }`: service-wide limits"),
    ("auth", "`auth …`: service-wide authentication"),
    (
        "unknown_fields",
        "`unknown_fields reject` or `ignore`: what requests' unknown members get",
    ),
    (
        "version_header",
        "`version_header \"Header-Name\"`: the header clients name the version in",
    ),
    (
        "cors",
        "`cors { … }`: which browser origins may call the API",
    ),
    (
        "deploy",
        "`deploy { … }`: the Dockerfile's and Kubernetes manifests' settings",
    ),
];

/// The settings of a `limits` block (`LIMIT_KEYS` in
/// `compiler/check/src/routes.rs`).
const LIMIT_KEYS: &[(&str, &str)] = &[
    ("concurrency", "requests handled at once"),
    ("queue", "requests waiting for a slot"),
    ("body", "the largest request body, such as `64KiB`"),
    ("timeout", "how long a request may take, such as `2s`"),
    (
        "rate",
        "`rate 100/s burst 200 per client`: requests per unit of time",
    ),
];

/// The settings of a `cors` block (`CORS_KEYS` in
/// `compiler/check/src/routes.rs`).
const CORS_KEYS: &[(&str, &str)] = &[
    ("origins", "`origins [\"https://app.example.com\"]`"),
    ("methods", "`methods [GET, POST]`"),
    ("headers", "`headers [\"X-Trace\"]`"),
    ("expose", "`expose [\"X-Total\"]`"),
    ("max_age", "`max_age 10m`"),
    ("credentials", "`credentials true`"),
];

/// The clauses of a route's block.
const CLAUSES: &[(&str, &str)] = &[
    ("body", "`body Type`: the request body"),
    ("path", "`path { … }`: types and docs of path parameters"),
    ("query", "`query { … }`: query parameters"),
    ("header", "`header name: type` or a block: request headers"),
    ("cookie", "`cookie name: type` or a block: cookies"),
    (
        "returns",
        "`returns [STATUS] [Type] [headers { … }]`: the success response",
    ),
    ("errors", "`errors A, B`: the errors the route may answer"),
    ("limits", "`limits { … }`: the route's own limits"),
    ("auth", "`auth …`: the route's own authentication"),
];

/// `textDocument/completion`.
pub fn completion(workspace: &Workspace, params: CompletionParams) -> Option<CompletionResponse> {
    let at = params.text_document_position;
    let (analysis, file, offset) = navigate::locate(workspace, &at.text_document.uri, at.position)?;
    let text = analysis.text(file);
    let before = &text[..offset];
    let word_start = before
        .trim_end_matches(|c: char| c.is_ascii_alphanumeric() || c == '_')
        .len();
    let line = &before[before.rfind('\n').map_or(0, |i| i + 1)..word_start];
    if in_string_or_comment(line) {
        return Some(CompletionResponse::Array(Vec::new()));
    }
    if line.ends_with('@') {
        return Some(list(ATTRIBUTES, CompletionItemKind::PROPERTY, "attribute"));
    }
    // At the start of an entry: after `{`, `,` or a line break.
    let trimmed = line.trim_end();
    let entry_start = trimmed.is_empty() || trimmed.ends_with('{') || trimmed.ends_with(',');
    let block = innermost_block(text, word_start);
    if let Some(open) = block {
        let key = word_before(text, open);
        let in_service = analysis.file(file).is_some_and(|ast| {
            ast.items.iter().any(|item| match item {
                Item::Service(s) => {
                    let start = s.span.start as usize;
                    text.get(start..s.span.end as usize)
                        .and_then(|t| t.find('{'))
                        .map(|i| start + i)
                        == Some(open)
                }
                _ => false,
            })
        });
        let settings = if in_service {
            Some((SERVICE_KEYS, "service setting"))
        } else if key == "limits" {
            Some((LIMIT_KEYS, "limit"))
        } else if key == "cors" {
            Some((CORS_KEYS, "CORS setting"))
        } else if route_block(analysis, file, text, open) {
            Some((CLAUSES, "route clause"))
        } else {
            None
        };
        if entry_start && declaration_body(analysis, file, text, open) {
            // A field, enum value or variant is named here: any name will do.
            return Some(CompletionResponse::Array(Vec::new()));
        }
        if let Some((keys, detail)) = settings {
            return Some(if entry_start {
                list(keys, CompletionItemKind::PROPERTY, detail)
            } else if (in_service || key == "limits" || key == "cors") && !trimmed.ends_with("->") {
                // A setting's value: nothing to offer, except the
                // principal's type after `auth … ->` (below).
                CompletionResponse::Array(Vec::new())
            } else {
                types(analysis, file, offset)
            });
        }
    }
    Some(types(analysis, file, offset))
}

/// Whether the text of a line before the cursor leaves it inside a string
/// or a `//` comment.
fn in_string_or_comment(line: &str) -> bool {
    let mut in_string = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if in_string => {
                chars.next();
            }
            '"' => in_string = !in_string,
            '/' if !in_string && chars.peek() == Some(&'/') => return true,
            _ => {}
        }
    }
    in_string
}

/// The offset of the `{` of the innermost block open at `offset`, skipping
/// strings and comments.
fn innermost_block(text: &str, offset: usize) -> Option<usize> {
    let mut open: Vec<usize> = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < offset.min(bytes.len()) {
        match bytes[i] {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < bytes.len() && !(bytes[i] == b'*' && bytes[i + 1] == b'/') {
                    i += 1;
                }
                i += 1;
            }
            b'{' => open.push(i),
            b'}' => {
                open.pop();
            }
            _ => {}
        }
        i += 1;
    }
    open.pop().filter(|&o| o < offset)
}

/// The word right before `at` (spaces skipped): the key of a block.
fn word_before(text: &str, at: usize) -> &str {
    let before = text.get(..at).unwrap_or("").trim_end();
    let start = before
        .trim_end_matches(|c: char| c.is_ascii_alphanumeric() || c == '_')
        .len();
    &before[start..]
}

/// Whether the `{` at `open` opens the body of a record, error, enum or
/// union, whose entries start with a name of their own.
fn declaration_body(analysis: &Analysis, file: FileId, text: &str, open: usize) -> bool {
    let Some(ast) = analysis.file(file) else {
        return false;
    };
    ast.items.iter().any(|item| {
        let (name, span) = match item {
            Item::Type(t) => (&t.name, t.span),
            Item::Enum(e) => (&e.name, e.span),
            Item::Union(u) => (&u.name, u.span),
            Item::Error(e) => (&e.name, e.span),
            _ => return false,
        };
        let from = name.span.end as usize;
        text.get(from..span.end as usize)
            .and_then(|t| t.find('{'))
            .map(|i| from + i)
            == Some(open)
    })
}

/// Whether the `{` at `open` opens a route's block.
fn route_block(analysis: &Analysis, file: FileId, text: &str, open: usize) -> bool {
    let Some(ast) = analysis.file(file) else {
        return false;
    };
    ast.items.iter().any(|item| match item {
        Item::Route(r) => block_start(text, r) == Some(open),
        _ => false,
    })
}

/// The `{` that opens route `r`'s block: the first after its path, arrow
/// and attributes.
fn block_start(text: &str, r: &RouteDecl) -> Option<usize> {
    let mut end = r.path.span.end;
    for a in &r.attrs {
        end = end.max(a.span.end);
    }
    if let Some(arrow) = &r.arrow {
        end = end.max(arrow.success.span.end);
        for e in &arrow.errors {
            end = end.max(e.span.end);
        }
    }
    let end = end as usize;
    let found = text.get(end..r.span.end as usize)?.find('{')?;
    Some(end + found)
}

/// Items for `entries`, of `kind`, each with its documentation.
fn list(entries: &[(&str, &str)], kind: CompletionItemKind, detail: &str) -> CompletionResponse {
    CompletionResponse::Array(
        entries
            .iter()
            .map(|(label, doc)| CompletionItem {
                label: (*label).to_string(),
                kind: Some(kind),
                detail: Some(detail.to_string()),
                documentation: Some(markdown(doc)),
                ..CompletionItem::default()
            })
            .collect(),
    )
}

/// The type names usable at `offset`: the primitives, every type the spec
/// declares, and the parameters of the generic record around `offset`.
fn types(analysis: &Analysis, file: FileId, offset: usize) -> CompletionResponse {
    let mut items: Vec<CompletionItem> = PRIMITIVES
        .iter()
        .map(|(name, what)| CompletionItem {
            label: (*name).to_string(),
            kind: Some(CompletionItemKind::KEYWORD),
            detail: Some("primitive".to_string()),
            documentation: Some(markdown(what)),
            ..CompletionItem::default()
        })
        .collect();
    let index = Index::new(analysis);
    for (_, d) in index.declarations() {
        let (kind, detail, doc) = match d.declared {
            Declared::Type(t) => (
                CompletionItemKind::STRUCT,
                match &t.body {
                    TypeBody::Alias(_) => "alias",
                    _ if !t.params.is_empty() => "generic record",
                    _ => "record",
                },
                &t.doc,
            ),
            Declared::Enum(e) => (CompletionItemKind::ENUM, "enum", &e.doc),
            Declared::Union(u) => (CompletionItemKind::INTERFACE, "union", &u.doc),
            Declared::Error(e) => (CompletionItemKind::EVENT, "error", &e.doc),
            _ => continue,
        };
        if items.iter().any(|i| i.label == d.name.name) {
            continue;
        }
        items.push(CompletionItem {
            label: d.name.name.clone(),
            kind: Some(kind),
            detail: Some(detail.to_string()),
            documentation: doc.as_deref().map(markdown),
            ..CompletionItem::default()
        });
    }
    if let Some(ast) = analysis.file(file) {
        for item in &ast.items {
            if let Item::Type(t) = item
                && t.span.range().contains(&offset)
            {
                for p in &t.params {
                    items.push(CompletionItem {
                        label: p.name.clone(),
                        kind: Some(CompletionItemKind::TYPE_PARAMETER),
                        detail: Some(format!("type parameter of `{}`", t.name.name)),
                        ..CompletionItem::default()
                    });
                }
            }
        }
    }
    CompletionResponse::Array(items)
}

fn markdown(text: &str) -> Documentation {
    Documentation::MarkupContent(MarkupContent {
        kind: MarkupKind::Markdown,
        value: text.to_string(),
    })
}
