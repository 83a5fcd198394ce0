//! Warnings about how declarations are used: a declaration nothing reaches
//! (`W0002`), and a `@deprecated` type or route used by something that is
//! not itself deprecated (`W0001`).

use std::collections::{BTreeMap, BTreeSet};

use gatic_ir::{self as ir, Ty, TyKind, TypeDefKind};
use gatic_syntax::ast::{self, Member, RouteClause, Segment, TypeBody};
use gatic_syntax::{Diagnostic, codes};

use crate::attrs::Flags;
use crate::check::{Ctx, DeclKind, type_expr_names};

impl Ctx<'_> {
    /// Warns about each type, enum, union or error that no route of any
    /// version reaches (through fields, variants, aliases, errors, or as the
    /// base of a derived record that is reached).
    pub(crate) fn check_unused(&mut self, head: &ir::Api, versions: &[ir::Version]) {
        let mut used: BTreeSet<String> = BTreeSet::new();
        for api in std::iter::once(head).chain(versions.iter().map(|v| &v.api)) {
            reach(api, &mut used);
        }
        // A record derived from a base (by spread or `without`) uses the base.
        loop {
            let before = used.len();
            for (base, derived) in &self.derived {
                if derived.iter().any(|d| used.contains(d)) {
                    used.insert(base.clone());
                }
            }
            if used.len() == before {
                break;
            }
        }
        let mut unused = Vec::new();
        for (name, idx) in &self.names {
            if !used.contains(*name) {
                let decl = self.decls[*idx];
                unused.push((decl.name.span, decl.what(), name.to_string()));
            }
        }
        unused.sort_by_key(|(span, _, _)| (span.file, span.start));
        for (span, what, name) in unused {
            self.push(
                Diagnostic::warning(
                    codes::UNUSED,
                    span,
                    format!("{what} `{name}` is never used: no route reaches it"),
                )
                .with_label("declared here")
                .with_note("use it in a route, or remove it"),
            );
        }
    }

    /// Warns where a `@deprecated` type, enum or union is named by a field,
    /// variant, alias or route that is not deprecated itself, and where a
    /// `@deprecated` route's types are fine but the route is not: only the
    /// user of a deprecated thing is reported.
    pub(crate) fn check_deprecated_uses(&mut self, routes: &[&ast::RouteDecl]) {
        let deprecated = |cx: &Self, name: &str| -> bool {
            cx.lookup(name).is_some_and(|idx| match cx.decls[idx].kind {
                DeclKind::Type(t) => Flags::scan(&t.attrs).deprecated,
                DeclKind::Enum(e) => Flags::scan(&e.attrs).deprecated,
                DeclKind::Union(u) => Flags::scan(&u.attrs).deprecated,
                DeclKind::Error(_) => false,
            })
        };
        // Every type expression written by a user that is not deprecated,
        // with what that user is, for the message.
        let mut uses: Vec<(&ast::TypeExpr, String)> = Vec::new();
        for idx in self.names.values() {
            let decl = self.decls[*idx];
            match decl.kind {
                DeclKind::Type(t) if !Flags::scan(&t.attrs).deprecated => match &t.body {
                    TypeBody::Record(members) => {
                        for m in members {
                            if let Member::Field(f) = m
                                && !Flags::scan(&f.attrs).deprecated
                            {
                                uses.push((
                                    &f.ty,
                                    format!("field `{}.{}`", t.name.name, f.name.name),
                                ));
                            }
                        }
                    }
                    TypeBody::Alias(e) => uses.push((e, format!("alias `{}`", t.name.name))),
                    TypeBody::Without { .. } => {}
                },
                DeclKind::Union(u) if !Flags::scan(&u.attrs).deprecated => {
                    for v in &u.variants {
                        uses.push((&v.ty, format!("variant `{}.{}`", u.name.name, v.name.name)));
                    }
                }
                DeclKind::Error(e) => {
                    for m in &e.members {
                        if let Member::Field(f) = m
                            && !Flags::scan(&f.attrs).deprecated
                        {
                            uses.push((&f.ty, format!("field `{}.{}`", e.name.name, f.name.name)));
                        }
                    }
                }
                _ => {}
            }
        }
        for r in routes {
            if Flags::scan(&r.attrs).deprecated {
                continue;
            }
            let user = format!("route `{}`", r.name.name);
            if let Some(a) = &r.arrow {
                uses.push((&a.success, user.clone()));
            }
            for s in &r.path.segments {
                if let Segment::Param { ty: Some(t), .. } = s {
                    uses.push((t, user.clone()));
                }
            }
            for c in &r.clauses {
                match c {
                    RouteClause::Body { ty, .. } => uses.push((ty, user.clone())),
                    RouteClause::Returns { ty: Some(t), .. } => uses.push((t, user.clone())),
                    RouteClause::Path(fields, _)
                    | RouteClause::Query(fields, _)
                    | RouteClause::Header(fields, _)
                    | RouteClause::Cookie(fields, _) => {
                        for f in fields {
                            if !Flags::scan(&f.attrs).deprecated {
                                uses.push((&f.ty, user.clone()));
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        let mut found = Vec::new();
        for (expr, user) in uses {
            let mut names = Vec::new();
            type_expr_names(expr, &mut names);
            for id in names {
                if deprecated(self, &id.name) {
                    found.push((id.span, id.name.clone(), user.clone()));
                }
            }
        }
        found.sort_by_key(|(span, _, _)| (span.file, span.start));
        found.dedup();
        for (span, name, user) in found {
            self.push(
                Diagnostic::warning(
                    codes::DEPRECATED_USE,
                    span,
                    format!("{user} uses `{name}`, which is deprecated"),
                )
                .with_label("deprecated")
                .with_note(format!(
                    "mark {user} `@deprecated` too, or move it off `{name}`"
                )),
            );
        }
    }
}

/// Adds to `used` every type and error that a route of `api` reaches.
fn reach(api: &ir::Api, used: &mut BTreeSet<String>) {
    let types: BTreeMap<&str, &ir::TypeDef> =
        api.types.iter().map(|t| (t.name.as_str(), t)).collect();
    let errors: BTreeMap<&str, &ir::ErrorDef> =
        api.errors.iter().map(|e| (e.name.as_str(), e)).collect();
    let mut stack: Vec<&Ty> = Vec::new();
    for r in &api.routes {
        stack.extend(r.params.iter().map(|p| &p.ty));
        stack.extend(r.body.iter().chain(r.returns.iter()));
        for e in &r.errors {
            if used.insert(e.clone())
                && let Some(def) = errors.get(e.as_str())
            {
                stack.extend(def.fields.iter().map(|f| &f.ty));
            }
        }
    }
    while let Some(ty) = stack.pop() {
        match &ty.kind {
            TyKind::Primitive(_) => {}
            TyKind::List(t) | TyKind::Map(t) => stack.push(t),
            TyKind::Named(n) => {
                if !used.insert(n.clone()) {
                    continue;
                }
                let Some(def) = types.get(n.as_str()) else {
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
