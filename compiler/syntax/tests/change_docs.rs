//! Doc comments on change lines: a removed route, field or enum value keeps
//! its doc for the versions that still have it; above anything else a doc
//! comment is an error.

use gatic_syntax::ast::{ChangeKind, ChangeTarget, Item};
use gatic_syntax::{FileId, parse};

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
    let parsed = parse(FileId(0), VERSIONS);
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    let Some(Item::Versions(versions)) = parsed.file.items.first() else {
        panic!("no versions in {:?}", parsed.file.items);
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
        let parsed = parse(FileId(0), &text);
        let messages: Vec<&str> = parsed
            .diagnostics
            .iter()
            .map(|d| d.message.as_str())
            .collect();
        assert_eq!(
            messages,
            ["a doc comment above this change documents nothing"],
            "{change}"
        );
    }
}
