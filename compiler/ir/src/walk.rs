//! Which types a set of type uses reaches, through records' fields, union
//! variants and aliases: the one walk behind "which types do requests (or
//! responses) use", which the checker, Timescape and the targets ask.

use std::collections::{BTreeMap, BTreeSet};

use crate::{Api, Ty, TyKind, TypeDef, TypeDefKind};

/// The named type `ty` is, or holds as the items of its lists and maps
/// (`[map<string, User>]` names `User`), without following definitions.
pub fn named(ty: &Ty) -> Option<&str> {
    match &ty.kind {
        TyKind::Named(name) => Some(name),
        TyKind::List(item) | TyKind::Map(item) => named(item),
        TyKind::Primitive(_) | TyKind::Const(_) => None,
    }
}

/// Adds to `seen` the name of every named type `roots` reach, the roots'
/// own included, following records' fields, union variants and aliases. A
/// name already in `seen` is not followed again (so a caller may walk in
/// several steps, or mark names it wants left alone); a name `api` does not
/// declare is added and not followed.
pub fn reach_into<'a>(
    api: &'a Api,
    roots: impl IntoIterator<Item = &'a Ty>,
    seen: &mut BTreeSet<String>,
) {
    let types: BTreeMap<&str, &TypeDef> = api.types.iter().map(|t| (t.name.as_str(), t)).collect();
    let mut stack: Vec<&Ty> = roots.into_iter().collect();
    while let Some(ty) = stack.pop() {
        match &ty.kind {
            TyKind::Primitive(_) | TyKind::Const(_) => {}
            TyKind::List(item) | TyKind::Map(item) => stack.push(item),
            TyKind::Named(name) => {
                if !seen.insert(name.clone()) {
                    continue;
                }
                let Some(def) = types.get(name.as_str()) else {
                    continue;
                };
                match &def.kind {
                    TypeDefKind::Record { fields } => stack.extend(fields.iter().map(|f| &f.ty)),
                    TypeDefKind::Union { variants, .. } => {
                        stack.extend(variants.iter().map(|v| &v.ty))
                    }
                    TypeDefKind::Alias { target } => stack.push(target),
                    TypeDefKind::Enum { .. } => {}
                }
            }
        }
    }
}

/// The names of the named types `roots` reach (see [`reach_into`]).
pub fn reached<'a>(api: &'a Api, roots: impl IntoIterator<Item = &'a Ty>) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    reach_into(api, roots, &mut seen);
    seen
}

/// The types of what clients send: every route's parameters and body.
pub fn sent(api: &Api) -> impl Iterator<Item = &Ty> {
    api.routes
        .iter()
        .flat_map(|r| r.params.iter().map(|p| &p.ty).chain(r.body.iter()))
}

/// The types of what clients receive: every route's success type and the
/// payloads of the errors it declares.
pub fn received(api: &Api) -> impl Iterator<Item = &Ty> {
    api.routes.iter().flat_map(|r| {
        r.returns.iter().chain(
            r.errors
                .iter()
                .filter_map(|e| api.error(e))
                .flat_map(|e| e.fields.iter().map(|f| &f.ty)),
        )
    })
}

/// The types of request bodies.
pub fn bodies(api: &Api) -> impl Iterator<Item = &Ty> {
    api.routes.iter().filter_map(|r| r.body.as_ref())
}
