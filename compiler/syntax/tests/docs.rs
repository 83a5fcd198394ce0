//! Doc comments where an item's parts are declared: inside a route (which
//! clauses they document, and the error for one above a block) and on
//! change lines (a removed route, field or enum value keeps its doc for the
//! versions that still have it; above anything else a doc comment is an
//! error).

use gatic_syntax::ast::{ChangeKind, ChangeTarget, Item, RouteClause};
use gatic_syntax::{FileId, parse};

/// The one item `text` declares, which must parse without a diagnostic.
fn only_item(text: &str) -> Item {
    let parsed = parse(FileId(0), text);
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    parsed
        .file
        .items
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("nothing declared in {text}"))
}

/// The messages of the diagnostics parsing `text` reports.
fn messages(text: &str) -> Vec<String> {
    parse(FileId(0), text)
        .diagnostics
        .into_iter()
        .map(|d| d.message)
        .collect()
}

const ROUTE: &str = r#"
route create POST /things {
  /// The new thing.
  body NewThing
  /// Above the keyword.
  header
  /// Below it.
  key?: string @name("Idempotency-Key")
  /// A session.
  cookie session: string
  /// The stored thing.
  returns 201 Thing
}
"#;

#[test]
fn docs_reach_the_body_the_response_and_single_parameters() {
    let Item::Route(route) = only_item(ROUTE) else {
        panic!("no route");
    };
    let mut docs = Vec::new();
    for clause in &route.clauses {
        match clause {
            RouteClause::Body { doc, .. } => docs.push(("body", doc.clone())),
            RouteClause::Returns { doc, .. } => docs.push(("returns", doc.clone())),
            RouteClause::Header(fields, _) => docs.push(("header", fields[0].doc.clone())),
            RouteClause::Cookie(fields, _) => docs.push(("cookie", fields[0].doc.clone())),
            _ => {}
        }
    }
    let text = |s: &str| Some(s.to_string());
    assert_eq!(
        docs,
        [
            ("body", text("The new thing.")),
            ("header", text("Above the keyword.\nBelow it.")),
            ("cookie", text("A session.")),
            ("returns", text("The stored thing.")),
        ]
    );
}

#[test]
fn a_doc_above_a_block_is_an_error_that_names_the_clause() {
    for (clause, keyword) in [
        ("query { limit?: int32 }", "query"),
        ("header { a: string, b: string }", "header"),
        ("errors NotFound", "errors"),
        ("limits { timeout 2s }", "limits"),
        ("auth bearer", "auth"),
    ] {
        let text = format!("route r GET /r {{\n  /// Lost.\n  {clause}\n  returns 204\n}}\n");
        assert_eq!(
            messages(&text),
            [format!("a doc comment above `{keyword}` documents nothing")],
            "{clause}"
        );
    }
}

const VERSIONS: &str = r#"
versions {
  2024-01-01 "First"
  2025-01-01 "Second" {
    /// What it weighed,
    /// in grams.
    Thing.weight: int32 removed default 0
    /// A blue thing.
    Colour.blue removed map green
    /// Finds things.
    route find_things removed GET /things -> [Thing]
  }
}
"#;

#[test]
fn removed_items_keep_their_docs() {
    let Item::Versions(versions) = only_item(VERSIONS) else {
        panic!("no versions");
    };
    let changes = &versions.entries[1].changes;
    let docs: Vec<Option<&str>> = changes
        .iter()
        .map(|c| match (&c.target, &c.kind) {
            (ChangeTarget::Route(_), ChangeKind::Removed { route: Some(r), .. }) => {
                assert!(c.doc.is_none(), "the route's declaration holds its doc");
                r.doc.as_deref()
            }
            _ => c.doc.as_deref(),
        })
        .collect();
    assert_eq!(
        docs,
        [
            Some("What it weighed,\nin grams."),
            Some("A blue thing."),
            Some("Finds things.")
        ]
    );
    // A change's span starts at the change, not at its doc.
    let first = &changes[0].span;
    assert!(VERSIONS[first.start as usize..].starts_with("Thing.weight"));
}

#[test]
fn a_doc_above_any_other_change_documents_nothing() {
    for change in [
        "Thing.weight added default 0",
        "Thing.name renamed from title",
        "type Thing added",
        "route old removed",
        "route r moved from GET /old",
    ] {
        let text = format!(
            "versions {{\n  2025-01-01 \"Second\" {{\n    /// Says nothing.\n    {change}\n  }}\n}}\n"
        );
        assert_eq!(
            messages(&text),
            ["a doc comment above this change documents nothing"],
            "{change}"
        );
    }
}

/// A doc comment that nothing follows, wherever it is, is one error of its
/// own; above a line that does not parse, only that line's error is
/// reported, and brackets in the doc's prose are not taken for syntax.
#[test]
fn a_doc_that_nothing_follows_is_one_clear_error() {
    let dangling = [
        "versions {\n  2025-01-01 \"Second\" {\n    /// Dangling,\n    /// on two lines.\n  }\n}\n",
        "type T {\n  a: string\n  /// Dangling.\n}\n",
        "route r GET /r {\n  returns 204\n  /// Dangling.\n}\n",
    ];
    for text in dangling {
        assert_eq!(
            messages(text),
            ["this doc comment documents nothing"],
            "{text}"
        );
    }
    let broken = [
        (
            "versions {\n  2025-01-01 \"Second\" {\n    /// Documents a typo.\n    Thing.name bogus\n  }\n}\n",
            "found `bogus`",
        ),
        (
            "type T {\n  /// Its name (see below.\n  a string\n}\n",
            "found `string`",
        ),
        (
            "route r GET /r {\n  /// The answer [sic.\n  returns 204 204\n}\n",
            "found",
        ),
    ];
    for (text, says) in broken {
        let found = messages(text);
        assert_eq!(found.len(), 1, "{text}: {found:?}");
        assert!(found[0].contains(says), "{text}: {found:?}");
    }
}
