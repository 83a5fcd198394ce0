//! Which record declares a field. The IR expands derived records (`type
//! NewCharge = Charge without { id }`, `type User { ...Timestamps, name:
//! string }`), so a field reached through a derived record looks like its
//! own; but a `versions` change must name the record the field is written
//! in (the history applies it to every record derived from that one), or
//! pasting it fails with `E0106` or leaves the base record unchanged. The
//! derivations are read from the spec's syntax, which the IR does not keep.

use std::collections::BTreeMap;

use gatic_ir::{Api, TypeDefKind};
use gatic_syntax::SourceMap;
use gatic_syntax::ast::{Item, Member, TypeBody};

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
}

impl Origins {
    /// The derivations declared in every file of `sources` (a compiled
    /// spec's files, its `use`d files included).
    pub fn from_sources(sources: &SourceMap) -> Origins {
        let mut decls = BTreeMap::new();
        for (id, file) in sources.files() {
            for item in gatic_syntax::parse(id, &file.text).file.items {
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
        Origins { decls }
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
