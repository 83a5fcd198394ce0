//! Which named types need a separate request shape.
//!
//! A record reads differently from how it is written: `@readonly` fields are
//! only in responses, `@write_only` fields only in requests, and a field with
//! a default (a constant field such as `object: "charge"` among them) may be
//! left out of a request but is always in a response. A type whose two shapes
//! differ and that appears on both sides gets a second declaration,
//! `<Name>Input`; a type used only in requests is declared in its request
//! shape under its own name.

use gatic_ir::{Api, Field, Ty, TyKind, TypeDef, TypeDefKind};
use std::collections::{BTreeSet, HashMap};

/// An API's types by name.
type Defs<'a> = HashMap<&'a str, &'a TypeDef>;

/// The side of the wire a type is written for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// What the server returns.
    Response,
    /// What the client sends.
    Request,
}

/// The result of the analysis, by type name.
#[derive(Clone, Debug, Default)]
pub struct Shapes {
    /// Types whose request shape differs from their response shape.
    pub differs: BTreeSet<String>,
    /// Types reachable from a request body.
    pub in_request: BTreeSet<String>,
    /// Types reachable from a response body or an error payload.
    pub in_response: BTreeSet<String>,
}

impl Shapes {
    /// Analyses every type of `api`.
    pub fn of(api: &Api) -> Shapes {
        let defs: Defs = api.types.iter().map(|t| (t.name.as_str(), t)).collect();
        let mut shapes = Shapes::default();
        // A fixpoint: a type differs when a field does, or a type it uses does.
        loop {
            let mut changed = false;
            for t in &api.types {
                if !shapes.differs.contains(&t.name)
                    && type_differs(&defs, &t.kind, &shapes.differs)
                {
                    shapes.differs.insert(t.name.clone());
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        for route in &api.routes {
            if let Some(body) = &route.body {
                reach(&defs, body, Side::Request, &mut shapes.in_request);
            }
            for p in &route.params {
                reach(&defs, &p.ty, Side::Request, &mut shapes.in_request);
            }
            if let Some(ret) = &route.returns {
                reach(&defs, ret, Side::Response, &mut shapes.in_response);
            }
        }
        for e in &api.errors {
            for f in &e.fields {
                reach(&defs, &f.ty, Side::Response, &mut shapes.in_response);
            }
        }
        shapes
    }

    /// Whether `name` gets a separate `<Name>Input` declaration.
    pub fn has_input(&self, name: &str) -> bool {
        self.differs.contains(name)
            && self.in_request.contains(name)
            && self.in_response.contains(name)
    }

    /// The side `name`'s main declaration is written for.
    pub fn main_side(&self, name: &str) -> Side {
        if self.in_request.contains(name) && !self.in_response.contains(name) {
            Side::Request
        } else {
            Side::Response
        }
    }
}

/// Whether a field is part of the shape on `side`.
pub fn field_on(field: &Field, side: Side) -> bool {
    match side {
        Side::Response => !field.write_only,
        Side::Request => !field.readonly,
    }
}

/// Whether a field may be left out on `side`.
pub fn field_optional(field: &Field, side: Side) -> bool {
    match side {
        Side::Response => field.optional,
        Side::Request => field.optional || field.default.is_some(),
    }
}

fn type_differs(api: &Defs, kind: &TypeDefKind, differs: &BTreeSet<String>) -> bool {
    match kind {
        TypeDefKind::Record { fields } => fields.iter().any(|f| {
            f.readonly || f.write_only || f.default.is_some() || ty_differs(api, &f.ty, differs)
        }),
        TypeDefKind::Enum { .. } => false,
        TypeDefKind::Union { variants, .. } => {
            variants.iter().any(|v| ty_differs(api, &v.ty, differs))
        }
        TypeDefKind::Alias { target } => ty_differs(api, target, differs),
    }
}

fn ty_differs(api: &Defs, ty: &Ty, differs: &BTreeSet<String>) -> bool {
    match &ty.kind {
        // A constant's default already makes its record differ.
        TyKind::Primitive(_) | TyKind::Const(_) => false,
        TyKind::Named(n) => differs.contains(n) && api.contains_key(n.as_str()),
        TyKind::List(t) | TyKind::Map(t) => ty_differs(api, t, differs),
    }
}

/// Adds every named type `ty` uses on `side` to `seen`.
fn reach(api: &Defs, ty: &Ty, side: Side, seen: &mut BTreeSet<String>) {
    match &ty.kind {
        TyKind::Primitive(_) | TyKind::Const(_) => {}
        TyKind::List(t) | TyKind::Map(t) => reach(api, t, side, seen),
        TyKind::Named(n) => {
            if !seen.insert(n.clone()) {
                return;
            }
            let Some(def) = api.get(n.as_str()) else {
                return;
            };
            match &def.kind {
                TypeDefKind::Record { fields } => {
                    for f in fields.iter().filter(|f| field_on(f, side)) {
                        reach(api, &f.ty, side, seen);
                    }
                }
                TypeDefKind::Enum { .. } => {}
                TypeDefKind::Union { variants, .. } => {
                    for v in variants {
                        reach(api, &v.ty, side, seen);
                    }
                }
                TypeDefKind::Alias { target } => reach(api, target, side, seen),
            }
        }
    }
}
