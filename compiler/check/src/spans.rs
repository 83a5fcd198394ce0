//! Where the spec writes what the IR names: a side table of spans, built
//! from the checked files, so tools that point at the source (the CLI's
//! diagnostics about the handler crate, CI annotations of change findings)
//! look names up instead of searching the text. The IR itself keeps no
//! spans, so its JSON stays the same when unrelated text moves.

use std::collections::BTreeMap;

use gatic_syntax::ast::{self, ChangeKind, ChangeTarget, Item};
use gatic_syntax::symbols;
use gatic_syntax::{FileId, Span};

/// Spans by the names a change's location gives: `Type`, `Type.member`,
/// `route name`, `error Name`; and where each hand-written converter is
/// first named (`via f`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Spans {
    declarations: BTreeMap<String, Span>,
    converters: BTreeMap<String, Span>,
}

impl Spans {
    /// The table of `files` (after generic records are instantiated). The
    /// first declaration of a name wins; a route a version removed is found
    /// at its `route name removed …` line.
    pub(crate) fn of(files: &[(FileId, ast::File)]) -> Spans {
        let mut spans = Spans::default();
        for (_, file) in files {
            for d in symbols::index(file).declarations {
                if let Some(key) = d.location_key() {
                    spans.declarations.entry(key).or_insert(d.name.span);
                }
            }
            for item in &file.items {
                let Item::Versions(versions) = item else {
                    continue;
                };
                for change in versions.entries.iter().flat_map(|e| &e.changes) {
                    spans.change(change);
                }
            }
        }
        spans
    }

    /// Records what a change line names: a removed route's name, and the
    /// converter after `via`.
    fn change(&mut self, change: &ast::Change) {
        if let (ChangeTarget::Route(name), ChangeKind::Removed { .. }) =
            (&change.target, &change.kind)
        {
            self.declarations
                .entry(format!("route {}", name.name))
                .or_insert(name.span);
        }
        let via = match &change.kind {
            ChangeKind::Removed { via, .. } | ChangeKind::Retyped { via, .. } => via.as_ref(),
            ChangeKind::Converted { via } => Some(via),
            ChangeKind::Added { .. }
            | ChangeKind::Renamed { .. }
            | ChangeKind::Moved { .. }
            | ChangeKind::MadeOptional { .. }
            | ChangeKind::MadeRequired { .. }
            | ChangeKind::Refined { .. } => None,
        };
        if let Some(via) = via {
            self.converters.entry(via.name.clone()).or_insert(via.span);
        }
    }

    /// Where the thing `key` names is declared: `Type`, `Type.member`,
    /// `route name`, `error Name`.
    pub fn declaration(&self, key: &str) -> Option<Span> {
        self.declarations.get(key).copied()
    }

    /// Where route `name` is declared (or, for a removed route, removed).
    pub fn route(&self, name: &str) -> Option<Span> {
        self.declaration(&format!("route {name}"))
    }

    /// Where the converter `name` is first named after `via`.
    pub fn converter(&self, name: &str) -> Option<Span> {
        self.converters.get(name).copied()
    }
}

#[cfg(test)]
mod tests {
    use crate::{MemoryLoader, compile};

    /// The table points at the names themselves: declarations, a removed
    /// route's line, and the first `via` of each converter.
    #[test]
    fn spans_point_at_names() {
        let text = include_str!("../../../specs/valid/versions.gati");
        let compiled = compile(
            "versions.gati",
            &MemoryLoader::new([("versions.gati", text)]),
        );
        assert!(compiled.spec.is_some(), "{:#?}", compiled.diagnostics);
        let at = |span: Option<gatic_syntax::Span>| {
            span.map(|s| &text[s.start as usize..s.end as usize])
        };
        let spans = &compiled.spans;
        assert_eq!(at(spans.declaration("Customer")), Some("Customer"));
        assert_eq!(
            at(spans.declaration("Customer.postal_code")),
            Some("postal_code")
        );
        assert_eq!(
            at(spans.route("export_customers")),
            Some("export_customers")
        );
        assert_eq!(
            at(spans.converter("postal_code_from_int")),
            Some("postal_code_from_int")
        );
        assert_eq!(
            at(spans.converter("customer_has_address")),
            Some("customer_has_address")
        );
        assert_eq!(spans.converter("nowhere"), None);
        assert_eq!(spans.route("nowhere"), None);
    }
}
