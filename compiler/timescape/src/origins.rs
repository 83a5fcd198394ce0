//! Which record declares a field. The IR expands derived records (`type
//! NewCharge = Charge without { id }`, `type User { ...Timestamps, name:
//! string }`), so a field reached through a derived record looks like its
//! own; but a `versions` change must name the record the field is written
//! in (the history applies it to every record derived from that one), or
//! pasting it fails with `E0106` or leaves the base record unchanged. The
//! derivations are read from the spec's syntax, which the IR does not keep.
//!
//! The same reading records where each type, member, route and error is
//! declared, so CI annotations of a change can point at its line
//! ([`Origins::locate`]).

use std::collections::BTreeMap;

use gatic_ir::{Api, TypeDefKind};
use gatic_syntax::SourceMap;
use gatic_syntax::ast::{Item, Member, TypeBody};
use gatic_syntax::symbols;

/// How a record declaration gets its fields.
#[derive(Clone, Debug, PartialEq)]
enum Decl {
    /// `type T = Base without { … }`: every field comes from `base`.
    Without { base: String },
    /// `type T { … }`: its own fields, and the records it spreads, in order.
    Record {
        own: Vec<String>,
        spreads: Vec<String>,
    },
}

/// The derivations of a spec's records, by record name. Empty (the
/// [`Default`]) means every record declares its own fields.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Origins {
    decls: BTreeMap<String, Decl>,
    /// Where each declaration is written (file name and 1-based line), by
    /// the name a change's location gives it: `Type`, `Type.member`,
    /// `route name`, `error Name`.
    places: BTreeMap<String, (String, usize)>,
}

impl Origins {
    /// The derivations declared in every file of `sources` (a compiled
    /// spec's files, its `use`d files included).
    pub fn from_sources(sources: &SourceMap) -> Origins {
        let mut decls = BTreeMap::new();
        let mut places = BTreeMap::new();
        for (id, file) in sources.files() {
            let parsed = gatic_syntax::parse(id, &file.text).file;
            for d in symbols::index(&parsed).declarations {
                if let Some(key) = d.location_key() {
                    let (line, _) = file.line_col(d.name.span.start as usize);
                    places.entry(key).or_insert((file.name.clone(), line));
                }
            }
            for item in parsed.items {
                let Item::Type(t) = item else { continue };
                let decl = match t.body {
                    TypeBody::Without { base, .. } => Decl::Without { base: base.name },
                    TypeBody::Record(members) => {
                        let mut own = Vec::new();
                        let mut spreads = Vec::new();
                        for m in members {
                            match m {
                                Member::Field(f) => own.push(f.name.name),
                                Member::Spread(s) => spreads.push(s.name),
                            }
                        }
                        Decl::Record { own, spreads }
                    }
                    TypeBody::Alias(_) => continue,
                };
                decls.insert(t.name.name, decl);
            }
        }
        Origins { decls, places }
    }

    /// Where the thing a change's location names is declared: its file and
    /// 1-based line, else its owner's (a field a derived record inherits, a
    /// list's items), else `None` (a removed route, a record no source
    /// declares, such as an instantiation of a generic record).
    pub fn locate(&self, location: &str) -> Option<(String, usize)> {
        // `route r: returns`, `route r: query q` → `route r`.
        let head = location.split(": ").next().unwrap_or(location);
        let head = head.trim_end_matches(['[', ']', '{', '}']);
        if let Some(place) = self.places.get(head) {
            return Some(place.clone());
        }
        let (owner, member) = head.split_once('.').unwrap_or((head, ""));
        if !member.is_empty()
            && let Some(place) = self.inherited(owner, member, 0)
        {
            return Some(place);
        }
        self.places.get(owner).cloned()
    }

    /// Where field `member` of `record` is declared when `record` does not
    /// declare it itself: in the base of a `without`, or in a spread record.
    fn inherited(&self, record: &str, member: &str, depth: usize) -> Option<(String, usize)> {
        // Derivations are acyclic in a spec that compiles; the bound only
        // guards against one that does not.
        if depth > 64 {
            return None;
        }
        if let Some(place) = self.places.get(&format!("{record}.{member}")) {
            return Some(place.clone());
        }
        match self.decls.get(record)? {
            Decl::Without { base } => self.inherited(base, member, depth + 1),
            Decl::Record { spreads, .. } => spreads
                .iter()
                .find_map(|s| self.inherited(s, member, depth + 1)),
        }
    }

    /// The record that declares field `field` of record `record`, in `api`
    /// (the version that has the field): followed through `without` to its
    /// base and through spreads to the spread record that has the field.
    /// `record` itself when it declares the field, or when the derivation is
    /// unknown (an error's payload, a record no source declares).
    pub fn declaring(&self, record: &str, field: &str, api: &Api) -> String {
        let has = |name: &str| {
            matches!(
                api.ty(name).map(|t| &t.kind),
                Some(TypeDefKind::Record { fields }) if fields.iter().any(|f| f.name == field)
            )
        };
        let mut at = record.to_string();
        // Derivations cannot be cyclic in a spec that compiles; the bound
        // only guards against a spec that does not.
        for _ in 0..64 {
            let next = match self.decls.get(&at) {
                Some(Decl::Without { base }) if has(base) => base.clone(),
                Some(Decl::Record { own, spreads }) if !own.iter().any(|f| f == field) => {
                    match spreads.iter().find(|s| has(s)) {
                        Some(s) => s.clone(),
                        None => return at,
                    }
                }
                Some(Decl::Without { .. } | Decl::Record { .. }) | None => return at,
            };
            at = next;
        }
        at
    }
}
