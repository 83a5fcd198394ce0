//! The semantic diff of two APIs: every difference a client can observe,
//! found by walking each route's request and response shapes in both
//! versions side by side, and named by a rule of the catalogue.
//!
//! Types are compared where routes reach them, not by name: a type that no
//! route reaches is not part of the contract, a renamed type with the same
//! shape is no change, and a type reached from both a request and a response
//! is judged once for each side, by that side's rules.

use std::collections::BTreeSet;

use gatic_ir::{
    Api, Auth, Bounds, Change, ErrorDef, Field, Param, ParamLocation, PathSegment, Primitive,
    Refinements, Route, Ty, TyKind, TypeDef, TypeDefKind, UnknownFields, Value, Version, display,
    ident,
};

use crate::gati;
use crate::origins::Origins;
use crate::rules::{self, Rule, Side};

/// One difference between two versions of an API.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    /// The rule it breaks or follows.
    pub rule: &'static Rule,
    /// Where: `route get_user`, `User.email`, `User.tags[]`, `error NotFound`,
    /// `route get_user: query limit`.
    pub location: String,
    /// What changed, in a sentence.
    pub message: String,
    /// The `versions` change that records it, when the history can express it.
    pub suggestion: Option<String>,
}

impl Finding {
    /// The identity used to match findings across diffs: rule and location.
    pub fn key(&self) -> (&'static str, &str) {
        (self.rule.id, &self.location)
    }
}

/// Every client-visible difference from `old` to `new`, in a stable order:
/// routes in `new`'s declaration order (each followed by what its shapes
/// reach), then the routes `new` no longer has.
///
/// Suggestions name the record each field is declared in only as far as the
/// IR tells (every record its own); [`diff_api_with`] follows derivations.
pub fn diff_api(old: &Api, new: &Api) -> Vec<Finding> {
    diff_api_with(old, new, &Origins::default())
}

/// [`diff_api`], with suggestions that name the record declaring each field
/// (`origins`: the derivations of the spec the suggestions go into).
pub fn diff_api_with(old: &Api, new: &Api, origins: &Origins) -> Vec<Finding> {
    diff_in(old, new, &Context::new(origins, &[]))
}

/// What the diff knows of the spec beyond two APIs: its records'
/// derivations, for suggestions; the fields its history records as added
/// or removed, which are never paired up as a rename (the author said what
/// happened to them); and the enum values it records as renamed, whose
/// findings need not say how to record a rename.
pub(crate) struct Context<'a> {
    origins: &'a Origins,
    recorded: BTreeSet<&'a str>,
    renamed_values: BTreeSet<(&'a str, &'a str)>,
}

impl<'a> Context<'a> {
    /// The context of a spec with records derived as `origins` says and
    /// the history `versions`.
    pub(crate) fn new(origins: &'a Origins, versions: &'a [Version]) -> Context<'a> {
        let recorded = versions
            .iter()
            .flat_map(|v| &v.changes)
            .filter_map(|c| match c {
                Change::FieldAdded { field, .. } => Some(field.as_str()),
                Change::FieldRemoved { field, .. } => Some(field.name.as_str()),
                Change::FieldRenamed { .. }
                | Change::FieldMadeOptional { .. }
                | Change::FieldMadeRequired { .. }
                | Change::FieldRefined { .. }
                | Change::FieldRetyped { .. }
                | Change::RecordConverted { .. }
                | Change::EnumValueAdded { .. }
                | Change::EnumValueRemoved { .. }
                | Change::EnumValueRenamed { .. }
                | Change::TypeAdded { .. }
                | Change::RouteAdded { .. }
                | Change::RouteRemoved { .. }
                | Change::RouteRenamed { .. }
                | Change::RouteMoved { .. } => None,
            })
            .collect();
        let renamed_values = versions
            .iter()
            .flat_map(|v| &v.changes)
            .filter_map(Change::enum_value_rename)
            .map(|(owner, _, to)| (owner, to))
            .collect();
        Context {
            origins,
            recorded,
            renamed_values,
        }
    }
}

/// [`diff_api`] in a spec's [`Context`].
pub(crate) fn diff_in(old: &Api, new: &Api, cx: &Context<'_>) -> Vec<Finding> {
    let mut d = Differ {
        old,
        new,
        origins: cx.origins,
        recorded: &cx.recorded,
        renamed_values: &cx.renamed_values,
        out: Vec::new(),
        seen: BTreeSet::new(),
        field: None,
    };
    d.routes();
    d.out
}

/// The record field being compared, for suggestions that name it.
#[derive(Clone)]
struct FieldCtx {
    owner: String,
    field: String,
    old_ty: Ty,
    /// Its type now.
    new_ty: Ty,
    /// Whether the comparison is below the field's own type (a list's items).
    nested: bool,
}

struct Differ<'a> {
    old: &'a Api,
    new: &'a Api,
    origins: &'a Origins,
    /// Fields the history records as added or removed, by name.
    recorded: &'a BTreeSet<&'a str>,
    /// Enum values the history records as renamed: (enum, new name).
    renamed_values: &'a BTreeSet<(&'a str, &'a str)>,
    out: Vec<Finding>,
    /// Pairs of named types (old, new, side) and errors already compared.
    seen: BTreeSet<(String, String, Side)>,
    field: Option<FieldCtx>,
}

/// A path with parameter names blanked: `/users/{}`; renaming a path
/// parameter is invisible on the wire.
fn shape(r: &Route) -> String {
    let p: String = r
        .path
        .iter()
        .map(|s| match s {
            PathSegment::Literal(l) => format!("/{l}"),
            PathSegment::Param(_) => "/{}".to_string(),
        })
        .collect();
    format!("{} {p}", r.method.as_str())
}

fn auth_name(a: &Auth) -> String {
    match a {
        Auth::None => "none".to_string(),
        Auth::Bearer => "bearer".to_string(),
        Auth::ApiKey { header } => format!("api_key({header})"),
    }
}

fn location_name(l: ParamLocation) -> &'static str {
    match l {
        ParamLocation::Path => "path",
        ParamLocation::Query => "query",
        ParamLocation::Header => "header",
        ParamLocation::Cookie => "cookie",
    }
}

/// Whether every value of `narrow` is a value of `wide` (and they differ).
fn widens(narrow: Primitive, wide: Primitive) -> bool {
    use Primitive::*;
    matches!(
        (narrow, wide),
        (Int32, Int64 | Float64)
            | (Int64, Float64)
            | (
                Email | Url | Uuid | Date | Datetime | Duration | Decimal,
                String
            )
            | (_, Any)
    ) && narrow != wide
}

/// Whether `wide` accepts every count or number `narrow` accepts.
fn bounds_contain(wide: Option<&Bounds>, narrow: Option<&Bounds>) -> bool {
    let Some(w) = wide else { return true };
    let Some(n) = narrow else {
        return w.min.is_none() && w.max.is_none();
    };
    let lower = match (w.min, n.min) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(a), Some(b)) => {
            a.as_f64() < b.as_f64()
                || (a.as_f64() == b.as_f64() && (!w.min_exclusive || n.min_exclusive))
        }
    };
    let upper = match (w.max, n.max) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(a), Some(b)) => {
            a.as_f64() > b.as_f64()
                || (a.as_f64() == b.as_f64() && (!w.max_exclusive || n.max_exclusive))
        }
    };
    lower && upper
}

/// Whether refinements `wide` accept every value `narrow` accepts.
fn refinements_contain(wide: &Refinements, narrow: &Refinements) -> bool {
    bounds_contain(wide.len.as_ref(), narrow.len.as_ref())
        && bounds_contain(wide.range.as_ref(), narrow.range.as_ref())
        && bounds_contain(wide.items.as_ref(), narrow.items.as_ref())
        && (wide.pattern.is_none() || wide.pattern == narrow.pattern)
        && (wide.format.is_none() || wide.format == narrow.format)
}

/// `t` with aliases followed: the alias's target, its refinements kept
/// unless the use adds its own, nullable if either is.
fn resolve(api: &Api, t: &Ty) -> Ty {
    let mut t = t.clone();
    for _ in 0..64 {
        let TyKind::Named(n) = &t.kind else { break };
        let Some(TypeDefKind::Alias { target }) = api.ty(n).map(|d| &d.kind) else {
            break;
        };
        let refinements = if t.refinements.is_empty() {
            target.refinements.clone()
        } else {
            t.refinements.clone()
        };
        t = Ty {
            kind: target.kind.clone(),
            nullable: t.nullable || target.nullable,
            refinements,
        };
    }
    t
}

fn kind_name(d: &TypeDef) -> &'static str {
    match d.kind {
        TypeDefKind::Record { .. } => "record",
        TypeDefKind::Enum { .. } => "enum",
        TypeDefKind::Union { .. } => "union",
        TypeDefKind::Alias { .. } => "alias",
    }
}

/// Whether a field must be sent (request side) or is always present
/// (response side).
fn required(f: &Field, side: Side) -> bool {
    match side {
        Side::Request => !f.optional && f.default.is_none(),
        Side::Response => !f.optional,
    }
}

/// Whether a field is part of `side` at all: read-only fields are never
/// sent, write-only fields never returned.
fn on_side(f: &Field, side: Side) -> bool {
    match side {
        Side::Request => !f.readonly,
        Side::Response => !f.write_only,
    }
}

fn param_required(p: &Param) -> bool {
    !p.optional && p.default.is_none()
}

fn pick(side: Side, request: Rule, response: Rule) -> Rule {
    match side {
        Side::Request => request,
        Side::Response => response,
    }
}

impl Differ<'_> {
    fn push(&mut self, rule: Rule, location: String, message: String, suggestion: Option<String>) {
        let Some(rule) = rules::lookup(rule.id) else {
            return;
        };
        if self
            .out
            .iter()
            .any(|f| f.rule.id == rule.id && f.location == location)
        {
            return;
        }
        self.out.push(Finding {
            rule,
            location,
            message,
            suggestion,
        });
    }

    /// `change` as a line to suggest, with `default …` after it where
    /// `blank` (a value only the author can choose: `default` comes last
    /// in every change line).
    fn suggest(&self, change: Change, blank: bool) -> Option<String> {
        let line = change.gati(&[self.new, self.old]);
        Some(if blank {
            format!("{line} default …")
        } else {
            line
        })
    }

    /// [`suggest`](Self::suggest) for the change `change` makes of a
    /// default: the obvious value of `ty`, else a blank.
    fn suggest_default(
        &self,
        ty: &Ty,
        change: impl FnOnce(Option<Value>) -> Change,
    ) -> Option<String> {
        let value = gati::placeholder(ty);
        let blank = value.is_none();
        self.suggest(change(value), blank)
    }

    fn routes(&mut self) {
        let old_names: BTreeSet<&str> = self.old.routes.iter().map(|r| r.name.as_str()).collect();
        let new_names: BTreeSet<&str> = self.new.routes.iter().map(|r| r.name.as_str()).collect();
        let mut matched: BTreeSet<String> = BTreeSet::new();
        for n in &self.new.routes {
            let loc = format!("route {}", n.name);
            if let Some(o) = self.old.route(&n.name) {
                matched.insert(o.name.clone());
                self.route(o, n);
                continue;
            }
            // Same method and path under a new name: a rename.
            let renamed = self.old.routes.iter().find(|o| {
                !new_names.contains(o.name.as_str())
                    && shape(o) == shape(n)
                    && !matched.contains(&o.name)
            });
            if let Some(o) = renamed {
                matched.insert(o.name.clone());
                self.push(
                    rules::ROUTE_RENAMED,
                    loc,
                    format!("route `{}` is now called `{}`", o.name, n.name),
                    self.suggest(
                        Change::RouteRenamed {
                            from: o.name.clone(),
                            to: n.name.clone(),
                        },
                        false,
                    ),
                );
                self.route(o, n);
                continue;
            }
            // A new name and a new method or path, but the same parameters,
            // body and responses as exactly one old route that is gone:
            // renamed and moved at once.
            if let Some(o) = renamed_and_moved(self.old, self.new, n, &matched) {
                matched.insert(o.name.clone());
                self.push(
                    rules::ROUTE_RENAMED,
                    loc,
                    format!(
                        "route `{}` is now called `{}` and moved (the only route removed and the only one added with its parameters, body and responses)",
                        o.name, n.name
                    ),
                    self.suggest(
                        Change::RouteRenamed {
                            from: o.name.clone(),
                            to: n.name.clone(),
                        },
                        false,
                    ),
                );
                self.route(o, n);
                continue;
            }
            self.push(
                rules::ROUTE_ADDED,
                loc,
                format!(
                    "route `{}` ({}) was added",
                    n.name,
                    display::route_path(n.method, &n.path)
                ),
                self.suggest(
                    Change::RouteAdded {
                        name: n.name.clone(),
                    },
                    false,
                ),
            );
        }
        for o in &self.old.routes {
            if !matched.contains(&o.name)
                && !new_names.contains(o.name.as_str())
                && old_names.contains(o.name.as_str())
            {
                self.push(
                    rules::ROUTE_REMOVED,
                    format!("route {}", o.name),
                    format!(
                        "route `{}` ({}) was removed; unless a version records the removal, its clients get 404",
                        o.name,
                        display::route_path(o.method, &o.path)
                    ),
                    self.suggest(
                        Change::RouteRemoved {
                            route: Box::new(o.clone()),
                        },
                        false,
                    ),
                );
            }
        }
    }

    /// Compares one route in both versions: where it lives and how it is
    /// guarded, then what it takes, then what it answers.
    fn route(&mut self, o: &Route, n: &Route) {
        let loc = format!("route {}", n.name);
        self.route_place(o, n, &loc);
        self.route_auth(o, n, &loc);
        self.params(o, n);
        self.request_body(o, n, &loc);
        self.response_body(o, n, &loc);
        self.route_errors_added(o, n, &loc);
        self.response_headers(o, n, &loc);
        self.route_errors_removed(o, n, &loc);
    }

    /// Whether the route moved to another method or path, became
    /// deprecated, or had its limits changed.
    fn route_place(&mut self, o: &Route, n: &Route, loc: &str) {
        if shape(o) != shape(n) {
            self.push(
                rules::ROUTE_MOVED,
                loc.to_string(),
                format!(
                    "route `{}` moved from {} to {}",
                    n.name,
                    display::route_path(o.method, &o.path),
                    display::route_path(n.method, &n.path)
                ),
                moved_from(o, n).and_then(|path| {
                    self.suggest(
                        Change::RouteMoved {
                            name: n.name.clone(),
                            method: o.method,
                            path,
                            wire_names: Vec::new(),
                        },
                        false,
                    )
                }),
            );
        }
        if !o.deprecated && n.deprecated {
            self.push(
                rules::ROUTE_DEPRECATED,
                loc.to_string(),
                format!("route `{}` is deprecated", n.name),
                None,
            );
        }
        if o.limits != n.limits {
            self.push(
                rules::ROUTE_LIMITS_CHANGED,
                loc.to_string(),
                format!("route `{}`'s limits changed", n.name),
                None,
            );
        }
    }

    /// Whether the route's authentication was added, removed or replaced by
    /// another scheme.
    fn route_auth(&mut self, o: &Route, n: &Route, loc: &str) {
        match (&o.auth, &n.auth) {
            (a, b) if a == b => {}
            (Auth::None, b) => self.push(
                rules::REQUEST_AUTH_ADDED,
                loc.to_string(),
                format!(
                    "route `{}` now requires {} authentication",
                    n.name,
                    auth_name(b)
                ),
                None,
            ),
            (a, Auth::None) => self.push(
                rules::REQUEST_AUTH_REMOVED,
                loc.to_string(),
                format!(
                    "route `{}` no longer requires {} authentication",
                    n.name,
                    auth_name(a)
                ),
                None,
            ),
            (a, b) => self.push(
                rules::REQUEST_AUTH_CHANGED,
                loc.to_string(),
                format!(
                    "route `{}`'s authentication changed from {} to {}",
                    n.name,
                    auth_name(a),
                    auth_name(b)
                ),
                None,
            ),
        }
    }

    /// Whether the request body was added, removed or sent in another
    /// format; a form's parts are compared part by part, and a body kept in
    /// the same format is compared by type, on the request side.
    fn request_body(&mut self, o: &Route, n: &Route, loc: &str) {
        match (&o.body, &n.body) {
            (None, Some(b)) => self.push(
                rules::REQUEST_BODY_ADDED,
                format!("{loc}: body"),
                format!(
                    "route `{}` now requires a `{}` body",
                    n.name,
                    display::ty_in(&[self.new], b)
                ),
                None,
            ),
            (Some(_), None) => self.push(
                rules::REQUEST_BODY_REMOVED,
                format!("{loc}: body"),
                format!("route `{}` no longer takes a body", n.name),
                None,
            ),
            (Some(_), Some(_))
                if matches!(
                    (&o.body_format, &n.body_format),
                    (
                        gatic_ir::BodyFormat::Multipart { .. },
                        gatic_ir::BodyFormat::Multipart { .. }
                    )
                ) =>
            {
                self.form_parts(o, n, loc)
            }
            (Some(_), Some(_)) if o.body_format != n.body_format => self.push(
                rules::REQUEST_BODY_FORMAT_CHANGED,
                format!("{loc}: body"),
                format!(
                    "route `{}` takes its body as {} instead of {}",
                    n.name,
                    format_name(&n.body_format),
                    format_name(&o.body_format)
                ),
                None,
            ),
            (Some(a), Some(b)) => self.ty(a, b, Side::Request, &format!("{loc}: body")),
            (None, None) => {}
        }
    }

    /// Whether the success status changed, and whether the success body was
    /// added, removed or returned in another format; a body kept in the same
    /// format is compared by type, on the response side.
    fn response_body(&mut self, o: &Route, n: &Route, loc: &str) {
        if o.status != n.status {
            self.push(
                rules::RESPONSE_STATUS_CHANGED,
                loc.to_string(),
                format!(
                    "route `{}` succeeds with {} instead of {}",
                    n.name, n.status, o.status
                ),
                None,
            );
        }
        match (&o.returns, &n.returns) {
            (None, Some(b)) => self.push(
                rules::RESPONSE_BODY_ADDED,
                format!("{loc}: returns"),
                format!(
                    "route `{}` now returns a `{}` body",
                    n.name,
                    display::ty_in(&[self.new], b)
                ),
                None,
            ),
            (Some(a), None) => self.push(
                rules::RESPONSE_BODY_REMOVED,
                format!("{loc}: returns"),
                format!(
                    "route `{}` no longer returns a body; old clients expect `{}`",
                    n.name,
                    display::ty_in(&[self.old], a)
                ),
                None,
            ),
            (Some(_), Some(_)) if o.returns_format != n.returns_format => self.push(
                rules::RESPONSE_BODY_FORMAT_CHANGED,
                format!("{loc}: returns"),
                format!(
                    "route `{}` returns its body as {} instead of {}",
                    n.name,
                    format_name(&n.returns_format),
                    format_name(&o.returns_format)
                ),
                None,
            ),
            (Some(a), Some(b)) => self.ty(a, b, Side::Response, &format!("{loc}: returns")),
            (None, None) => {}
        }
    }

    /// The errors the route may now return: a new one is a finding of its
    /// own, and one it returned before is compared with its old definition.
    fn route_errors_added(&mut self, o: &Route, n: &Route, loc: &str) {
        for e in &n.errors {
            if !o.errors.contains(e) {
                let status = self.new.error(e).map_or(0, |d| d.status);
                self.push(
                    rules::RESPONSE_ERROR_ADDED,
                    format!("{loc}: error {e}"),
                    format!("route `{}` may now return `{e}` ({status})", n.name),
                    None,
                );
            } else if let (Some(a), Some(b)) = (self.old.error(e), self.new.error(e)) {
                self.error(a, b);
            }
        }
    }

    /// The errors the route no longer returns.
    fn route_errors_removed(&mut self, o: &Route, n: &Route, loc: &str) {
        for e in &o.errors {
            if !n.errors.contains(e) {
                self.push(
                    rules::RESPONSE_ERROR_REMOVED,
                    format!("{loc}: error {e}"),
                    format!("route `{}` no longer returns `{e}`", n.name),
                    None,
                );
            }
        }
    }

    /// A multipart form's parts: an optional part added is compatible;
    /// anything else (a part removed, which old clients still send and the
    /// form now refuses; one added that is required; one whose kind, type
    /// or presence changed) breaks old clients.
    fn form_parts(&mut self, o: &Route, n: &Route, loc: &str) {
        let parts = |r: &Route| match &r.body_format {
            gatic_ir::BodyFormat::Multipart { parts } => parts.clone(),
            _ => Vec::new(),
        };
        let (old, new) = (parts(o), parts(n));
        for np in &new {
            let ploc = format!("{loc}: body part {}", np.name);
            match old.iter().find(|p| p.name == np.name) {
                None if np.optional => self.push(
                    rules::REQUEST_OPTIONAL_FIELD_ADDED,
                    ploc,
                    format!("route `{}` accepts a new optional form part `{}`", n.name, np.name),
                    None,
                ),
                None => self.push(
                    rules::REQUEST_BODY_FORMAT_CHANGED,
                    ploc,
                    format!("route `{}` requires a new form part `{}`", n.name, np.name),
                    None,
                ),
                Some(op) if op.kind != np.kind || (op.optional && !np.optional) => self.push(
                    rules::REQUEST_BODY_FORMAT_CHANGED,
                    ploc,
                    format!(
                        "route `{}` takes form part `{}` differently (its kind, type or presence changed)",
                        n.name, np.name
                    ),
                    None,
                ),
                Some(_) => {}
            }
        }
        for op in &old {
            if !new.iter().any(|p| p.name == op.name) {
                self.push(
                    rules::REQUEST_BODY_FORMAT_CHANGED,
                    format!("{loc}: body part {}", op.name),
                    format!(
                        "route `{}` no longer takes form part `{}`, which old clients send (and the form now refuses)",
                        n.name, op.name
                    ),
                    None,
                );
            }
        }
    }

    /// The success response's declared headers, matched by their name on
    /// the wire (any case): what old clients read must stay.
    fn response_headers(&mut self, o: &Route, n: &Route, loc: &str) {
        let find = |route: &Route, name: &str| {
            route
                .response_headers
                .iter()
                .find(|h| h.wire_name.eq_ignore_ascii_case(name))
                .cloned()
        };
        for nh in &n.response_headers {
            let hloc = format!("{loc}: response header {}", nh.wire_name);
            let Some(oh) = find(o, &nh.wire_name) else {
                self.push(
                    rules::RESPONSE_HEADER_ADDED,
                    hloc,
                    format!(
                        "route `{}` now answers with a `{}` header",
                        n.name, nh.wire_name
                    ),
                    None,
                );
                continue;
            };
            match (oh.optional, nh.optional) {
                (false, true) => self.push(
                    rules::RESPONSE_HEADER_BECAME_OPTIONAL,
                    hloc.clone(),
                    format!(
                        "route `{}` may now answer without its `{}` header, which old clients read",
                        n.name, nh.wire_name
                    ),
                    None,
                ),
                (true, false) => self.push(
                    rules::RESPONSE_HEADER_BECAME_REQUIRED,
                    hloc.clone(),
                    format!(
                        "route `{}` now always sends its `{}` header",
                        n.name, nh.wire_name
                    ),
                    None,
                ),
                _ => {}
            }
            self.ty(&oh.ty, &nh.ty, Side::Response, &hloc);
        }
        for oh in &o.response_headers {
            if find(n, &oh.wire_name).is_some() {
                continue;
            }
            let rule = if oh.optional {
                rules::RESPONSE_OPTIONAL_HEADER_REMOVED
            } else {
                rules::RESPONSE_REQUIRED_HEADER_REMOVED
            };
            self.push(
                rule,
                format!("{loc}: response header {}", oh.wire_name),
                format!(
                    "route `{}` no longer answers with its `{}` header, which old clients read",
                    n.name, oh.wire_name
                ),
                None,
            );
        }
    }

    fn params(&mut self, o: &Route, n: &Route) {
        let loc = format!("route {}", n.name);
        let old_path: Vec<&Param> = o
            .params
            .iter()
            .filter(|p| p.location == ParamLocation::Path)
            .collect();
        let new_path: Vec<&Param> = n
            .params
            .iter()
            .filter(|p| p.location == ParamLocation::Path)
            .collect();
        let mut used: BTreeSet<usize> = BTreeSet::new();
        for np in &n.params {
            // Path parameters match by position (their names are not on the
            // wire); the others by name, then by where they are on the wire.
            let found = if np.location == ParamLocation::Path {
                let i = new_path.iter().position(|p| p.name == np.name);
                i.and_then(|i| old_path.get(i))
                    .and_then(|op| o.params.iter().position(|p| std::ptr::eq(p, *op)))
            } else {
                None
            }
            .or_else(|| {
                o.params
                    .iter()
                    .position(|p| p.name == np.name && p.location != ParamLocation::Path)
            })
            .or_else(|| {
                o.params
                    .iter()
                    .position(|p| p.location == np.location && p.wire_name == np.wire_name)
            })
            .filter(|i| !used.contains(i));
            let ploc = format!("{loc}: {} {}", location_name(np.location), np.name);
            let Some(i) = found else {
                if param_required(np) {
                    self.push(
                        rules::REQUEST_REQUIRED_PARAM_ADDED,
                        ploc,
                        format!(
                            "route `{}` requires a new {} parameter `{}`",
                            n.name,
                            location_name(np.location),
                            np.wire_name
                        ),
                        None,
                    );
                } else {
                    self.push(
                        rules::REQUEST_OPTIONAL_PARAM_ADDED,
                        ploc,
                        format!(
                            "route `{}` accepts a new optional {} parameter `{}`",
                            n.name,
                            location_name(np.location),
                            np.wire_name
                        ),
                        None,
                    );
                }
                continue;
            };
            used.insert(i);
            let Some(op) = o.params.get(i) else { continue };
            if op.location != np.location {
                self.push(
                    rules::REQUEST_PARAM_LOCATION_CHANGED,
                    ploc.clone(),
                    format!(
                        "parameter `{}` moved from the {} to the {}",
                        np.name,
                        location_name(op.location),
                        location_name(np.location)
                    ),
                    None,
                );
            } else if op.wire_name != np.wire_name && np.location != ParamLocation::Path {
                self.push(
                    rules::REQUEST_PARAM_WIRE_NAME_CHANGED,
                    ploc.clone(),
                    format!(
                        "{} parameter `{}` is sent as `{}` instead of `{}`",
                        location_name(np.location),
                        np.name,
                        np.wire_name,
                        op.wire_name
                    ),
                    None,
                );
            }
            match (param_required(op), param_required(np)) {
                (false, true) => self.push(
                    rules::REQUEST_PARAM_BECAME_REQUIRED,
                    ploc.clone(),
                    format!("parameter `{}` is now required", np.name),
                    None,
                ),
                (true, false) => self.push(
                    rules::REQUEST_PARAM_BECAME_OPTIONAL,
                    ploc.clone(),
                    format!("parameter `{}` is now optional", np.name),
                    None,
                ),
                _ => {}
            }
            self.ty(&op.ty, &np.ty, Side::Request, &ploc);
        }
        for (i, op) in o.params.iter().enumerate() {
            if !used.contains(&i) {
                self.push(
                    rules::REQUEST_PARAM_REMOVED,
                    format!("{loc}: {} {}", location_name(op.location), op.name),
                    format!(
                        "route `{}` no longer reads the {} parameter `{}`",
                        n.name,
                        location_name(op.location),
                        op.wire_name
                    ),
                    None,
                );
            }
        }
    }

    fn error(&mut self, o: &ErrorDef, n: &ErrorDef) {
        if !self
            .seen
            .insert((format!("error {}", o.name), n.name.clone(), Side::Response))
        {
            return;
        }
        if o.status != n.status {
            self.push(
                rules::RESPONSE_ERROR_STATUS_CHANGED,
                format!("error {}", n.name),
                format!(
                    "error `{}` is sent with status {} instead of {}",
                    n.name, n.status, o.status
                ),
                None,
            );
        }
        self.fields(&o.fields, &n.fields, &n.name, Side::Response);
    }

    /// Suggests recording a change to the whole field being compared.
    fn retype_suggestion(&self) -> Option<String> {
        let f = self.field.as_ref()?;
        let from = match &f.old_ty.kind {
            TyKind::Primitive(p) => p.name().to_string(),
            TyKind::Named(n) => ident::snake(n),
            TyKind::List(_) => "list".to_string(),
            TyKind::Map(_) => "map".to_string(),
            TyKind::Const(_) => "constant".to_string(),
        };
        // A constant that held another string needs no converter: each
        // version answers with its own value and accepts its own.
        let via = match (&f.old_ty.kind, &f.new_ty.kind) {
            (TyKind::Const(_), TyKind::Const(_)) => None,
            _ => Some(format!(
                "{}_{}_from_{from}",
                ident::snake(&f.owner),
                ident::snake(&f.field)
            )),
        };
        // The old type's refinements follow it (`changed from int64
        // @range(0..) via f`), so that the version is rebuilt as it was; a
        // map's key refinements belong to its key type, an alias of
        // `string`, and its own are left out.
        let old = match f.old_ty.kind {
            TyKind::Map(_) => Ty {
                refinements: display::key_refinements(&f.old_ty),
                ..f.old_ty.clone()
            },
            _ => f.old_ty.clone(),
        };
        self.suggest(
            Change::FieldRetyped {
                owner: f.owner.clone(),
                field: f.field.clone(),
                from: old,
                via,
            },
            false,
        )
    }

    fn type_changed(&mut self, old: &Ty, new: &Ty, side: Side, loc: &str, widened: Option<bool>) {
        let (rule, how) = match (side, widened) {
            (Side::Request, Some(true)) => (rules::REQUEST_TYPE_WIDENED, "widened"),
            (Side::Response, Some(false)) => (rules::RESPONSE_TYPE_NARROWED, "narrowed"),
            (Side::Response, Some(true)) => (rules::RESPONSE_TYPE_CHANGED, "widened"),
            (Side::Request, Some(false)) => (rules::REQUEST_TYPE_CHANGED, "narrowed"),
            _ => (
                pick(
                    side,
                    rules::REQUEST_TYPE_CHANGED,
                    rules::RESPONSE_TYPE_CHANGED,
                ),
                "changed",
            ),
        };
        let suggestion = self.retype_suggestion();
        self.push(
            rule,
            loc.to_string(),
            format!(
                "type {how} from `{}` to `{}`",
                display::ty_in(&[self.old], old),
                display::ty_in(&[self.new], new)
            ),
            suggestion,
        );
    }

    /// Compares two type uses on one side of the exchange.
    fn ty(&mut self, old: &Ty, new: &Ty, side: Side, loc: &str) {
        let o = resolve(self.old, old);
        let n = resolve(self.new, new);
        if o.nullable != n.nullable {
            let rule = match (side, n.nullable) {
                (Side::Request, false) => rules::REQUEST_FIELD_BECAME_NON_NULLABLE,
                (Side::Request, true) => rules::REQUEST_FIELD_BECAME_NULLABLE,
                (Side::Response, true) => rules::RESPONSE_FIELD_BECAME_NULLABLE,
                (Side::Response, false) => rules::RESPONSE_FIELD_BECAME_NON_NULLABLE,
            };
            let suggestion = self.retype_suggestion();
            self.push(
                rule,
                loc.to_string(),
                if n.nullable {
                    format!("`{loc}` may now be `null`")
                } else {
                    format!("`{loc}` may no longer be `null`")
                },
                suggestion,
            );
        }
        match (&o.kind, &n.kind) {
            (TyKind::Primitive(a), TyKind::Primitive(b)) => {
                if a != b {
                    let widened = if widens(*a, *b) {
                        Some(true)
                    } else if widens(*b, *a) {
                        Some(false)
                    } else {
                        None
                    };
                    self.type_changed(&o, &n, side, loc, widened);
                } else {
                    self.refinements(&o, &n, side, loc);
                }
            }
            (TyKind::List(a), TyKind::List(b)) | (TyKind::Map(a), TyKind::Map(b)) => {
                self.refinements(&o, &n, side, loc);
                let suffix = if matches!(o.kind, TyKind::List(_)) {
                    "[]"
                } else {
                    "{}"
                };
                let saved = self.field.clone();
                if let Some(f) = &mut self.field {
                    f.nested = true;
                }
                self.ty(a, b, side, &format!("{loc}{suffix}"));
                self.field = saved;
            }
            (TyKind::Const(a), TyKind::Const(b)) if a == b => {}
            (TyKind::Named(a), TyKind::Named(b)) => {
                let (Some(da), Some(db)) = (self.old.ty(a), self.new.ty(b)) else {
                    return;
                };
                if kind_name(da) != kind_name(db) {
                    self.type_changed(&o, &n, side, loc, None);
                    return;
                }
                self.refinements(&o, &n, side, loc);
                if !self.seen.insert((a.clone(), b.clone(), side)) {
                    return;
                }
                let saved = self.field.take();
                self.typedef(da, db, side);
                self.field = saved;
            }
            _ => self.type_changed(&o, &n, side, loc, None),
        }
    }

    fn refinements(&mut self, o: &Ty, n: &Ty, side: Side, loc: &str) {
        let (ro, rn) = (&o.refinements, &n.refinements);
        if ro == rn {
            return;
        }
        let narrowed = !refinements_contain(rn, ro);
        let widened = !refinements_contain(ro, rn);
        let (from, to) = (
            display::refinements(&display::own_refinements(o)),
            display::refinements(&display::own_refinements(n)),
        );
        let show = |s: String| {
            if s.is_empty() {
                "none".to_string()
            } else {
                format!("`{s}`")
            }
        };
        let message = format!(
            "refinements changed from {} to {}",
            show(from.clone()),
            show(to)
        );
        let suggestion = match &self.field {
            Some(f) if !f.nested => self.suggest(
                Change::FieldRefined {
                    owner: f.owner.clone(),
                    field: f.field.clone(),
                    from: ro.clone(),
                },
                false,
            ),
            Some(_) => self.retype_suggestion(),
            None => None,
        };
        if narrowed {
            self.push(
                pick(
                    side,
                    rules::REQUEST_REFINEMENT_NARROWED,
                    rules::RESPONSE_REFINEMENT_NARROWED,
                ),
                loc.to_string(),
                message.clone(),
                suggestion.clone(),
            );
        }
        if widened {
            self.push(
                pick(
                    side,
                    rules::REQUEST_REFINEMENT_WIDENED,
                    rules::RESPONSE_REFINEMENT_WIDENED,
                ),
                loc.to_string(),
                message,
                suggestion,
            );
        }
    }

    /// Compares the policies of a record clients send for members it does
    /// not declare. Responses stay tolerant whatever the policy says, so
    /// only the request side has a rule. The history cannot record the
    /// change (no change line sets a version's policy, and the rebuilt
    /// versions take the head's), so there is no suggestion.
    fn unknown_fields(&mut self, o: &TypeDef, n: &TypeDef) {
        match (o.unknown_fields, n.unknown_fields) {
            (UnknownFields::Ignore, UnknownFields::Reject) => self.push(
                rules::REQUEST_UNKNOWN_FIELDS_REJECTED,
                n.name.clone(),
                format!(
                    "`{}` now rejects members it does not declare (`unknown_fields reject`): an old client that sends one gets a 400 where it was ignored; to keep old clients working, keep `@unknown_fields(ignore)` on `{}` and reject on records that only new routes take, or accept the break knowingly",
                    n.name, n.name
                ),
                None,
            ),
            (UnknownFields::Reject, UnknownFields::Ignore) => self.push(
                rules::REQUEST_UNKNOWN_FIELDS_IGNORED,
                n.name.clone(),
                format!(
                    "`{}` now ignores members it does not declare (`unknown_fields ignore`) instead of rejecting them",
                    n.name
                ),
                None,
            ),
            (UnknownFields::Ignore, UnknownFields::Ignore)
            | (UnknownFields::Reject, UnknownFields::Reject) => {}
        }
    }

    fn typedef(&mut self, o: &TypeDef, n: &TypeDef, side: Side) {
        match (&o.kind, &n.kind) {
            (TypeDefKind::Record { fields: a }, TypeDefKind::Record { fields: b }) => {
                if side == Side::Request {
                    self.unknown_fields(o, n);
                }
                self.fields(a, b, &n.name, side);
            }
            (TypeDefKind::Enum { values: a }, TypeDefKind::Enum { values: b }) => {
                // One value gone and one come may be a rename, which only
                // the author can tell: the messages say how to record one.
                let gone: Vec<&str> = a
                    .iter()
                    .filter(|v| !b.iter().any(|x| x.name == v.name))
                    .map(|v| v.name.as_str())
                    .collect();
                let come: Vec<&str> = b
                    .iter()
                    .filter(|v| !a.iter().any(|x| x.name == v.name))
                    .map(|v| v.name.as_str())
                    .collect();
                let rename = match (gone.as_slice(), come.as_slice()) {
                    ([from], [to]) if !self.renamed_values.contains(&(n.name.as_str(), *to)) => {
                        format!(
                            "; if `{to}` is `{from}` renamed, record `{}.{to} renamed from {from}` instead, which converts it both ways",
                            n.name
                        )
                    }
                    _ => String::new(),
                };
                for v in b.iter().filter(|v| !a.iter().any(|x| x.name == v.name)) {
                    let suggestion = self.suggest(
                        Change::EnumValueAdded {
                            owner: n.name.clone(),
                            value: v.name.clone(),
                            fallback: a.first().map(|f| f.name.clone()),
                        },
                        false,
                    );
                    self.push(
                        pick(
                            side,
                            rules::REQUEST_ENUM_VALUE_ADDED,
                            rules::RESPONSE_ENUM_VALUE_ADDED,
                        ),
                        format!("{}.{}", n.name, v.name),
                        format!("enum `{}` gained the value `{}`{rename}", n.name, v.name),
                        suggestion,
                    );
                }
                for v in a.iter().filter(|v| !b.iter().any(|x| x.name == v.name)) {
                    let suggestion = self.suggest(
                        Change::EnumValueRemoved {
                            owner: n.name.clone(),
                            value: v.name.clone(),
                            map: b.first().map(|f| f.name.clone()),
                            doc: v.doc.clone(),
                        },
                        false,
                    );
                    self.push(
                        pick(
                            side,
                            rules::REQUEST_ENUM_VALUE_REMOVED,
                            rules::RESPONSE_ENUM_VALUE_REMOVED,
                        ),
                        format!("{}.{}", n.name, v.name),
                        format!("enum `{}` lost the value `{}`{rename}", n.name, v.name),
                        suggestion,
                    );
                }
            }
            (
                TypeDefKind::Union {
                    tag: ta,
                    variants: a,
                },
                TypeDefKind::Union {
                    tag: tb,
                    variants: b,
                },
            ) => {
                if ta != tb {
                    let show = |t: &Option<String>| {
                        t.as_ref()
                            .map_or_else(|| "untagged".to_string(), |t| format!("tagged by `{t}`"))
                    };
                    self.push(
                        pick(
                            side,
                            rules::REQUEST_UNION_TAG_CHANGED,
                            rules::RESPONSE_UNION_TAG_CHANGED,
                        ),
                        n.name.clone(),
                        format!(
                            "union `{}` was {} and is now {}",
                            n.name,
                            show(ta),
                            show(tb)
                        ),
                        None,
                    );
                }
                for v in b {
                    match a.iter().find(|x| x.name == v.name) {
                        Some(ov) => self.ty(&ov.ty, &v.ty, side, &format!("{}.{}", n.name, v.name)),
                        None => self.push(
                            pick(
                                side,
                                rules::REQUEST_UNION_VARIANT_ADDED,
                                rules::RESPONSE_UNION_VARIANT_ADDED,
                            ),
                            format!("{}.{}", n.name, v.name),
                            format!("union `{}` gained the variant `{}`", n.name, v.name),
                            None,
                        ),
                    }
                }
                for v in a.iter().filter(|v| !b.iter().any(|x| x.name == v.name)) {
                    self.push(
                        pick(
                            side,
                            rules::REQUEST_UNION_VARIANT_REMOVED,
                            rules::RESPONSE_UNION_VARIANT_REMOVED,
                        ),
                        format!("{}.{}", n.name, v.name),
                        format!("union `{}` lost the variant `{}`", n.name, v.name),
                        None,
                    );
                }
            }
            // Aliases were resolved before; other pairs differ in kind, which
            // the caller reported.
            _ => {}
        }
    }

    /// The record that declares `owner`'s field `field` in `api`, for
    /// suggestions (see [`Origins`]).
    fn declaring(&self, owner: &str, field: &str, api: &Api) -> String {
        self.origins.declaring(owner, field, api)
    }

    fn fields(&mut self, a: &[Field], b: &[Field], owner: &str, side: Side) {
        let a: Vec<&Field> = a.iter().filter(|f| on_side(f, side)).collect();
        let b: Vec<&Field> = b.iter().filter(|f| on_side(f, side)).collect();
        let removed: Vec<&Field> = a
            .iter()
            .copied()
            .filter(|f| !b.iter().any(|x| x.name == f.name))
            .collect();
        let added: Vec<&Field> = b
            .iter()
            .copied()
            .filter(|f| !a.iter().any(|x| x.name == f.name))
            .collect();
        let renames: Vec<(&Field, &Field)> = renames(&removed, &added)
            .into_iter()
            .filter(|(o, n)| {
                !self.recorded.contains(o.name.as_str()) && !self.recorded.contains(n.name.as_str())
            })
            .collect();
        for nf in &b {
            let loc = format!("{owner}.{}", nf.name);
            let renamed_from = renames
                .iter()
                .find(|(_, n)| n.name == nf.name)
                .map(|(o, _)| *o);
            if let Some(of) = renamed_from {
                self.renamed(of, nf, owner, side);
                continue;
            }
            let Some(of) = a.iter().find(|f| f.name == nf.name) else {
                self.added(nf, owner, side, &removed, &renames);
                continue;
            };
            let decl = self.declaring(owner, &nf.name, self.new);
            match (required(of, side), required(nf, side), side) {
                (false, true, Side::Request) => self.push(
                    rules::REQUEST_FIELD_BECAME_REQUIRED,
                    loc.clone(),
                    format!("`{owner}.{}` must now be sent", nf.name),
                    self.suggest_default(&nf.ty, |default| Change::FieldMadeRequired {
                        owner: decl.clone(),
                        field: nf.name.clone(),
                        default,
                    }),
                ),
                (true, false, Side::Request) => self.push(
                    rules::REQUEST_FIELD_BECAME_OPTIONAL,
                    loc.clone(),
                    format!("`{owner}.{}` may now be left out", nf.name),
                    self.suggest_default(&nf.ty, |default| Change::FieldMadeOptional {
                        owner: decl.clone(),
                        field: nf.name.clone(),
                        default,
                    }),
                ),
                (true, false, Side::Response) => self.push(
                    rules::RESPONSE_FIELD_BECAME_OPTIONAL,
                    loc.clone(),
                    format!("`{owner}.{}` may now be absent from responses", nf.name),
                    self.suggest_default(&nf.ty, |default| Change::FieldMadeOptional {
                        owner: decl.clone(),
                        field: nf.name.clone(),
                        default,
                    }),
                ),
                (false, true, Side::Response) => self.push(
                    rules::RESPONSE_FIELD_BECAME_REQUIRED,
                    loc.clone(),
                    format!("`{owner}.{}` is now always present", nf.name),
                    self.suggest_default(&nf.ty, |default| Change::FieldMadeRequired {
                        owner: decl.clone(),
                        field: nf.name.clone(),
                        default,
                    }),
                ),
                (false, false, _) | (true, true, _) => {}
            }
            self.field_types(of, nf, &decl, side, &loc);
        }
        for of in removed
            .iter()
            .filter(|f| !renames.iter().any(|(o, _)| o.name == f.name))
        {
            self.removed(of, owner, side, &added, &renames);
        }
    }

    /// Compares the types of a field present in both versions (under
    /// `decl`'s name for suggestions).
    fn field_types(&mut self, of: &Field, nf: &Field, decl: &str, side: Side, loc: &str) {
        let saved = self.field.replace(FieldCtx {
            owner: decl.to_string(),
            field: nf.name.clone(),
            old_ty: of.ty.clone(),
            new_ty: nf.ty.clone(),
            nested: false,
        });
        self.ty(&of.ty, &nf.ty, side, loc);
        self.field = saved;
    }

    /// A field that is the only one of its shape removed, renamed to the
    /// only one of that shape added.
    fn renamed(&mut self, of: &Field, nf: &Field, owner: &str, side: Side) {
        let loc = format!("{owner}.{}", nf.name);
        let decl = self.declaring(owner, &nf.name, self.new);
        let (rule, consequence) = match side {
            Side::Request => (
                rules::REQUEST_FIELD_RENAMED,
                format!(
                    "old clients still send `{}`, which would be ignored",
                    of.name
                ),
            ),
            Side::Response => (
                rules::RESPONSE_FIELD_RENAMED,
                format!("old clients expect `{}`", of.name),
            ),
        };
        self.push(
            rule,
            loc.clone(),
            format!(
                "`{owner}.{}` looks renamed to `{}` (the only field removed and the only one added with its type and flags); {consequence}; if it is not a rename, record the addition and the removal instead",
                of.name, nf.name
            ),
            self.suggest(
                Change::FieldRenamed {
                    owner: decl.clone(),
                    from: of.name.clone(),
                    to: nf.name.clone(),
                },
                false,
            ),
        );
        self.field_types(of, nf, &decl, side, &loc);
    }

    /// A field only the new version has.
    fn added(
        &mut self,
        nf: &Field,
        owner: &str,
        side: Side,
        removed: &[&Field],
        renames: &[(&Field, &Field)],
    ) {
        let loc = format!("{owner}.{}", nf.name);
        let decl = self.declaring(owner, &nf.name, self.new);
        let req = required(nf, side);
        let added = |default| Change::FieldAdded {
            owner: decl.clone(),
            field: nf.name.clone(),
            default,
        };
        let suggestion = if side == Side::Request && req {
            self.suggest_default(&nf.ty, added)
        } else {
            self.suggest(added(None), false)
        };
        let note = alike(nf, removed, renames, self.recorded).map_or_else(String::new, |list| {
            format!(
                "; it has the same type and flags as {list}, removed too: if it is a rename, record `{decl}.{} renamed from <old name>` instead, or old clients' values are lost",
                nf.name
            )
        });
        match side {
            Side::Request if req => self.push(
                rules::REQUEST_REQUIRED_FIELD_ADDED,
                loc,
                format!(
                    "`{owner}` has a new required field `{}`; old clients do not send it{note}",
                    nf.name
                ),
                suggestion,
            ),
            Side::Request => self.push(
                rules::REQUEST_OPTIONAL_FIELD_ADDED,
                loc,
                format!("`{owner}` has a new optional field `{}`{note}", nf.name),
                suggestion,
            ),
            Side::Response => self.push(
                rules::RESPONSE_FIELD_ADDED,
                loc,
                format!("`{owner}` has a new field `{}`{note}", nf.name),
                suggestion,
            ),
        }
    }

    /// A field only the old version has.
    fn removed(
        &mut self,
        of: &Field,
        owner: &str,
        side: Side,
        added: &[&Field],
        renames: &[(&Field, &Field)],
    ) {
        let loc = format!("{owner}.{}", of.name);
        let decl = self.declaring(owner, &of.name, self.old);
        // The field as it was, with the default old clients' responses get
        // (none for a field that may be null; a constant's value is its
        // default) and its flags, so the rebuilt version matches the
        // released one.
        let field = Field {
            default: match of.ty.kind {
                _ if of.ty.nullable => None,
                TyKind::Const(_) => of.default.clone(),
                _ => of.default.clone().or_else(|| gati::placeholder(&of.ty)),
            },
            ..of.clone()
        };
        let blank = field.default.is_none() && !of.ty.nullable;
        let suggestion = self.suggest(
            Change::FieldRemoved {
                owner: decl.clone(),
                field,
                via: None,
            },
            blank,
        );
        let note = alike(of, added, renames, self.recorded).map_or_else(String::new, |list| {
            format!(
                "; it has the same type and flags as {list}, added too: if it is a rename, record `{decl}.<new name> renamed from {}` instead, or old clients' values are lost",
                of.name
            )
        });
        match side {
            Side::Request => self.push(
                rules::REQUEST_FIELD_REMOVED,
                loc,
                format!("`{owner}` no longer has the field `{}`{note}", of.name),
                suggestion,
            ),
            Side::Response if required(of, side) => self.push(
                rules::RESPONSE_REQUIRED_FIELD_REMOVED,
                loc,
                format!(
                    "`{owner}` no longer has the field `{}`; old clients expect it{note}",
                    of.name
                ),
                suggestion,
            ),
            Side::Response => self.push(
                rules::RESPONSE_OPTIONAL_FIELD_REMOVED,
                loc,
                format!(
                    "`{owner}` no longer has the optional field `{}`{note}",
                    of.name
                ),
                suggestion,
            ),
        }
    }
}

/// The old route that new route `n` is, renamed and moved at once: the
/// only old route gone by name, unmatched and not renamed in place (a new
/// route under its method and path) with `n`'s [`signature`], when `n` is
/// the only such new route with it (several would make the pairing a
/// guess). `None` when a move could not record it (a
/// different number of path parameters).
fn renamed_and_moved<'a>(
    old: &'a Api,
    new: &Api,
    n: &Route,
    matched: &BTreeSet<String>,
) -> Option<&'a Route> {
    let sig = signature(n);
    let gone: Vec<&Route> = unpaired(old, new, &sig)
        .into_iter()
        .filter(|o| !matched.contains(&o.name))
        .collect();
    let [o] = gone[..] else {
        return None;
    };
    (unpaired(new, old, &sig).len() == 1 && moved_from(o, n).is_some()).then_some(o)
}

/// The routes of `these` with signature `sig` that `others` has neither by
/// name nor renamed in place (a route of `others` missing from `these` by
/// name, under the same method and path).
fn unpaired<'a>(these: &'a Api, others: &Api, sig: &Route) -> Vec<&'a Route> {
    these
        .routes
        .iter()
        .filter(|r| {
            others.route(&r.name).is_none()
                && !others
                    .routes
                    .iter()
                    .any(|x| these.route(&x.name).is_none() && shape(x) == shape(r))
                && signature(r) == *sig
        })
        .collect()
}

/// What a route takes and answers, for pairing a route renamed and moved at
/// once: everything but its name, method, path, docs, deprecation and
/// limits, with path parameters named by their position in the path (their
/// names are not on the wire) and parameters in a fixed order.
fn signature(r: &Route) -> Route {
    let path_params: Vec<&str> = r
        .path
        .iter()
        .filter_map(|s| match s {
            PathSegment::Param(p) => Some(p.as_str()),
            PathSegment::Literal(_) => None,
        })
        .collect();
    let mut s = Route {
        name: String::new(),
        doc: None,
        deprecated: false,
        method: gatic_ir::Method::Get,
        path: Vec::new(),
        body_doc: None,
        returns_doc: None,
        limits: gatic_ir::Limits::default(),
        ..r.clone()
    };
    for p in &mut s.params {
        p.doc = None;
        p.deprecated = false;
        if p.location == ParamLocation::Path {
            let at = path_params.iter().position(|x| *x == p.name);
            p.name = at.map_or_else(String::new, |i| i.to_string());
            p.wire_name.clone_from(&p.name);
        }
    }
    s.params
        .sort_by(|a, b| (a.location, &a.name).cmp(&(b.location, &b.name)));
    s
}

/// Whether `b` could be `a` under another name: a `renamed from` line
/// changes only the name, so everything else on the wire must be equal (the
/// type with its refinements and nullability, optionality, the default, and
/// the read-only and write-only flags, which decide the sides the field is
/// on). Docs and `@deprecated` are not on the wire and do not count.
fn same_shape(a: &Field, b: &Field) -> bool {
    a.ty == b.ty
        && a.optional == b.optional
        && a.default == b.default
        && a.readonly == b.readonly
        && a.write_only == b.write_only
}

/// The renames among one record's removed and added fields: a removed field
/// and an added one of the same shape pair up when neither has another
/// candidate. With several candidates of one shape the pairing would be a
/// guess, so they stay an addition and a removal (with a note, see
/// [`alike`]).
fn renames<'f>(removed: &[&'f Field], added: &[&'f Field]) -> Vec<(&'f Field, &'f Field)> {
    let mut out = Vec::new();
    for of in removed {
        let mut news = added.iter().filter(|nf| same_shape(of, nf));
        let (Some(nf), None) = (news.next(), news.next()) else {
            continue;
        };
        if removed.iter().filter(|o| same_shape(o, nf)).count() == 1 {
            out.push((*of, *nf));
        }
    }
    out
}

/// The fields of `others` (removed or added) with `field`'s shape that did
/// not pair up as renames (`paired`), as a list for a note: when `field` is
/// one of them renamed, a `renamed from` line keeps old clients' values,
/// which an addition and a removal would lose, but with several candidates
/// only the author can tell which. Nothing when the history records `field`
/// (its author said what happened to it).
fn alike(
    field: &Field,
    others: &[&Field],
    paired: &[(&Field, &Field)],
    recorded: &BTreeSet<&str>,
) -> Option<String> {
    if recorded.contains(field.name.as_str()) {
        return None;
    }
    let names: Vec<String> = others
        .iter()
        .filter(|o| same_shape(field, o) && !recorded.contains(o.name.as_str()))
        .filter(|o| {
            !paired
                .iter()
                .any(|(a, b)| a.name == o.name || b.name == o.name)
        })
        .map(|o| format!("`{}`", o.name))
        .collect();
    (!names.is_empty()).then(|| names.join(", "))
}

/// The old method and path of a moved route as `route r moved from …` writes
/// them: with the route's current path parameter names, which is how the
/// history tells which old segment fills which parameter. Parameters keep
/// their names when every old name is still a parameter; otherwise they are
/// matched by position. `None` when the two paths have different numbers of
/// parameters, which a move cannot express.
fn moved_from(o: &Route, n: &Route) -> Option<Vec<PathSegment>> {
    let params = |r: &Route| -> Vec<String> {
        r.path
            .iter()
            .filter_map(|s| match s {
                PathSegment::Param(p) => Some(p.clone()),
                PathSegment::Literal(_) => None,
            })
            .collect()
    };
    let (old, new) = (params(o), params(n));
    if old.len() != new.len() {
        return None;
    }
    if old.iter().all(|p| new.contains(p)) {
        return Some(o.path.clone());
    }
    let mut next = new.iter();
    let path: Vec<PathSegment> = o
        .path
        .iter()
        .map(|s| match s {
            PathSegment::Param(_) => PathSegment::Param(next.next().cloned().unwrap_or_default()),
            PathSegment::Literal(l) => PathSegment::Literal(l.clone()),
        })
        .collect();
    Some(path)
}

/// A body format in words: `JSON`, `bytes (image/png)`, `text (text/plain)`.
fn format_name(format: &gatic_ir::BodyFormat) -> String {
    match format {
        gatic_ir::BodyFormat::Json => "JSON".to_string(),
        gatic_ir::BodyFormat::Multipart { .. } => "a multipart form".to_string(),
        gatic_ir::BodyFormat::EventStream => "server-sent events".to_string(),
        gatic_ir::BodyFormat::Bytes { media } => format!("bytes ({media})"),
        gatic_ir::BodyFormat::Text { media } => format!("text ({media})"),
    }
}
