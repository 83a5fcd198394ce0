//! Warnings about how declarations are used: a declaration nothing reaches
//! (`W0002`), and a `@deprecated` type or route used by something that is
//! not itself deprecated (`W0001`).

use std::collections::{BTreeMap, BTreeSet};

use gatic_ir::{self as ir, Ty, TyKind};
use gatic_syntax::ast::{self, Member, RouteClause, Segment, TypeBody};
use gatic_syntax::{Diagnostic, codes};

use crate::attrs::Flags;
use crate::check::{Ctx, DeclKind, type_expr_names};

impl Ctx<'_> {
    /// Warns about each type, enum, union or error that no route of any
    /// version reaches (through fields, variants, aliases, errors, map keys,
    /// or as the base of a derived record that is reached).
    pub(crate) fn check_unused(
        &mut self,
        head: &ir::Api,
        versions: &[ir::Version],
        routes: &[&ast::RouteDecl],
        principal: Option<&str>,
    ) {
        let apis: Vec<&ir::Api> = std::iter::once(head)
            .chain(versions.iter().map(|v| &v.api))
            .collect();
        let mut used: BTreeSet<String> = BTreeSet::new();
        for api in &apis {
            reach(api, &mut used);
        }
        // The principal is used by authentication, and what it reaches with it.
        if let Some(principal) = principal {
            let named = Ty {
                kind: TyKind::Named(principal.to_string()),
                nullable: false,
                refinements: ir::Refinements::default(),
            };
            ir::walk::reach_into(head, [&named], &mut used);
        }
        // The IR keeps a map key's refinements, not its type's name, so the
        // names written as map keys are taken from the source: a key of a
        // reached declaration, or of a route, is used.
        let keys = self.map_key_users(routes);
        loop {
            let before = used.len();
            // A record derived from a base (by spread or `without`) uses the base.
            for (base, derived) in &self.derived {
                if derived.iter().any(|d| used.contains(d)) {
                    used.insert(base.clone());
                }
            }
            for (user, key) in &keys {
                if !used.contains(key) && user.as_ref().is_none_or(|u| used.contains(u)) {
                    let named = Ty {
                        kind: TyKind::Named(key.clone()),
                        nullable: false,
                        refinements: ir::Refinements::default(),
                    };
                    for api in &apis {
                        ir::walk::reach_into(api, [&named], &mut used);
                    }
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

    /// Every name written as a map's key type, with the declaration whose
    /// source writes it (`None` for a route, which is always reached).
    fn map_key_users(&self, routes: &[&ast::RouteDecl]) -> Vec<(Option<String>, String)> {
        let mut exprs: Vec<(Option<String>, &ast::TypeExpr)> = Vec::new();
        for (name, idx) in &self.names {
            let user = Some(name.to_string());
            match self.decls[*idx].kind {
                DeclKind::Type(t) => match &t.body {
                    TypeBody::Record(members) => {
                        exprs.extend(field_types(members).map(|e| (user.clone(), e)));
                    }
                    TypeBody::Alias(e) => exprs.push((user, e)),
                    TypeBody::Without { .. } => {}
                },
                DeclKind::Union(u) => {
                    exprs.extend(u.variants.iter().map(|v| (user.clone(), &v.ty)))
                }
                DeclKind::Error(e) => {
                    exprs.extend(field_types(&e.members).map(|e| (user.clone(), e)))
                }
                DeclKind::Enum(_) => {}
            }
        }
        for r in routes {
            if let Some(a) = &r.arrow {
                exprs.push((None, &a.success));
            }
            for s in &r.path.segments {
                if let Segment::Param { ty: Some(t), .. } = s {
                    exprs.push((None, t));
                }
            }
            for c in &r.clauses {
                match c {
                    RouteClause::Body { ty, .. } => exprs.push((None, ty)),
                    RouteClause::Returns { ty: Some(t), .. } => exprs.push((None, t)),
                    RouteClause::Path(fs, _)
                    | RouteClause::Query(fs, _)
                    | RouteClause::Header(fs, _)
                    | RouteClause::Cookie(fs, _) => {
                        exprs.extend(fs.iter().map(|f| (None, &f.ty)));
                    }
                    _ => {}
                }
            }
        }
        let mut keys = Vec::new();
        for (user, expr) in exprs {
            let mut names = Vec::new();
            map_key_names(expr, &mut names);
            keys.extend(names.into_iter().map(|n| (user.clone(), n.name.clone())));
        }
        keys
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

impl Ctx<'_> {
    /// Warns (`W0003`) about each record whose own `@unknown_fields(reject)`
    /// has no effect because no route's body reaches it at any version, while
    /// some route does reach it (a record nothing reaches is `W0002`).
    pub(crate) fn check_unknown_fields_reach(
        &mut self,
        head: &ir::Api,
        versions: &[ir::Version],
        own: &[(String, ir::UnknownFields, gatic_syntax::Span)],
    ) {
        if own.iter().all(|(_, policy, _)| policy.is_ignore()) {
            return;
        }
        let apis: Vec<&ir::Api> = std::iter::once(head)
            .chain(versions.iter().map(|v| &v.api))
            .collect();
        let mut requested: BTreeSet<String> = BTreeSet::new();
        let mut used: BTreeSet<String> = BTreeSet::new();
        for api in &apis {
            ir::walk::reach_into(api, ir::walk::bodies(api), &mut requested);
            reach(api, &mut used);
        }
        for (name, policy, span) in own {
            if *policy == ir::UnknownFields::Reject
                && !requested.contains(name)
                && used.contains(name)
            {
                self.push(
                    Diagnostic::warning(
                        codes::UNKNOWN_FIELDS_IN_RESPONSE,
                        *span,
                        format!("`{name}` rejects unknown fields, but only responses reach it"),
                    )
                    .with_label("has no effect: no route's body is this record")
                    .with_note(
                        "the policy applies to requests only; clients must stay tolerant of \
                         response members they do not know, so that adding one stays compatible",
                    )
                    .with_note("put it on the record a route's `body` names, or remove it"),
                );
            }
        }
    }
}

/// Adds to `used` every type and error that a route of `api` reaches.
fn reach(api: &ir::Api, used: &mut BTreeSet<String>) {
    let errors: BTreeMap<&str, &ir::ErrorDef> =
        api.errors.iter().map(|e| (e.name.as_str(), e)).collect();
    let mut stack: Vec<&Ty> = Vec::new();
    for r in &api.routes {
        stack.extend(r.params.iter().map(|p| &p.ty));
        stack.extend(r.response_headers.iter().map(|h| &h.ty));
        stack.extend(r.body.iter().chain(r.returns.iter()));
        for e in &r.errors {
            if used.insert(e.clone())
                && let Some(def) = errors.get(e.as_str())
            {
                stack.extend(def.fields.iter().map(|f| &f.ty));
            }
        }
    }
    ir::walk::reach_into(api, stack, used);
}

/// Every name a type expression writes as a map's key type.
fn map_key_names<'e>(e: &'e ast::TypeExpr, out: &mut Vec<&'e ast::Ident>) {
    match &e.kind {
        ast::TypeExprKind::Named(_) | ast::TypeExprKind::Const(_) => {}
        ast::TypeExprKind::List(t, _) | ast::TypeExprKind::Nullable(t) => map_key_names(t, out),
        ast::TypeExprKind::Generic(_, args) => {
            for a in args {
                map_key_names(a, out);
            }
        }
        ast::TypeExprKind::Map(k, v, _) => {
            type_expr_names(k, out);
            map_key_names(v, out);
        }
    }
}

/// The types of a record's or an error's own fields.
fn field_types(members: &[Member]) -> impl Iterator<Item = &ast::TypeExpr> {
    members.iter().filter_map(|m| match m {
        Member::Field(f) => Some(&f.ty),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use crate::{MemoryLoader, compile};

    /// The names `W0002` reports in `source`, and the IR's `Holder.tags`
    /// refinements when it compiles.
    fn unused(source: &str) -> (Vec<String>, Option<gatic_ir::Refinements>) {
        let text = format!("service s {{\n  title \"S\"\n}}\n{source}");
        let compiled = compile(
            "main.gati",
            &MemoryLoader::new([("main.gati", text.as_str())]),
        );
        let names = compiled
            .diagnostics
            .iter()
            .filter(|d| d.code == "W0002")
            .map(|d| d.message.split('`').nth(1).unwrap_or("").to_string())
            .collect();
        let tags = compiled.spec.and_then(|spec| {
            let holder = spec.head.types.iter().find(|t| t.name == "Holder")?.clone();
            match holder.kind {
                gatic_ir::TypeDefKind::Record { fields } => fields
                    .into_iter()
                    .find(|f| f.name == "tags")
                    .map(|f| f.ty.refinements),
                _ => None,
            }
        });
        (names, tags)
    }

    #[test]
    fn map_key_types_are_used_where_their_map_is() {
        let keys = "type Key = Inner @len(1..=40)\ntype Inner = string @pattern(\"[a-z]+\")\n";
        // A reached record's map key, through an alias of an alias: used,
        // and its refinements are the map's own.
        let (names, tags) = unused(&format!(
            "{keys}type Holder {{ tags: map<Key, int32> @items(..=5) }}\nroute get GET /x -> Holder\n"
        ));
        assert!(names.is_empty(), "{names:?}");
        let tags = tags.expect("compiles");
        assert_eq!(tags.pattern.as_deref(), Some("[a-z]+"));
        assert!(tags.len.is_some() && tags.items.is_some());
        // A route's own map type.
        let (names, _) = unused(&format!(
            "{keys}route put PUT /x {{\n  body map<string, [map<Key, int32>]>\n}}\n"
        ));
        assert!(names.is_empty(), "{names:?}");
        // A key of a record nothing reaches is unused with its record.
        let (names, _) = unused(&format!(
            "{keys}type Holder {{ tags: map<Key, int32> }}\ntype Used {{ id: uuid }}\nroute get GET /x -> Used\n"
        ));
        assert_eq!(names, ["Key", "Inner", "Holder"]);
    }
}
