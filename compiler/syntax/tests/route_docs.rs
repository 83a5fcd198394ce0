//! Doc comments inside a route: which clauses they document, and the error
//! for one above a block.

use gatic_syntax::ast::{Item, RouteClause};
use gatic_syntax::{FileId, parse};

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
    let parsed = parse(FileId(0), ROUTE);
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    let Some(Item::Route(route)) = parsed.file.items.first() else {
        panic!("no route in {:?}", parsed.file.items);
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
        let parsed = parse(FileId(0), &text);
        let messages: Vec<_> = parsed
            .diagnostics
            .iter()
            .map(|d| d.message.as_str())
            .collect();
        assert_eq!(
            messages,
            [format!("a doc comment above `{keyword}` documents nothing")],
            "{clause}"
        );
    }
}
