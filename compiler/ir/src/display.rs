//! IR back to `.gati` text: types (with or without their refinements),
//! refinements, values, paths, routes and change lines, as diagnostics,
//! documents, generated doc comments and Timescape's suggested `versions`
//! entries write them. The one printer every crate uses, so a type reads
//! the same everywhere, and a change line prints as the language parses
//! it ([`Change::gati`](crate::Change::gati)).

use crate::{
    Api, Auth, Bounds, Format, Method, Number, ParamLocation, PathSegment, Primitive, Refinements,
    Route, Ty, TyKind, TypeDefKind, Value,
};

/// A string literal as a spec writes it: in double quotes, with `"`, `\`,
/// newlines, carriage returns and tabs escaped, and other control
/// characters as `\u{…}`.
pub fn string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A type's shape as a spec writes it, without refinements:
/// `[map<string, User>] | null`.
pub fn ty(ty: &Ty) -> String {
    let shape = match &ty.kind {
        TyKind::Primitive(p) => p.name().to_string(),
        TyKind::Named(name) => name.clone(),
        TyKind::List(item) => format!("[{}]", self::ty(item)),
        TyKind::Map(value) => format!("map<string, {}>", self::ty(value)),
        TyKind::Const(text) => string(text),
    };
    if ty.nullable {
        format!("{shape} | null")
    } else {
        shape
    }
}

/// A type as written in a spec: `[string @len(..=10)] | null @items(1..)`.
///
/// A map whose keys are refined (the IR keeps a key type's `len`, `pattern`
/// and `format` as the map's own, and no attribute can set them on a map or
/// inside its key) names its key type as the first alias of `string` with
/// exactly those refinements that `apis` declare, searched in order. With
/// no such alias the keys print as plain `string` followed by a comment
/// that names the refinements: still valid `.gati`, but pasted it leaves
/// the keys unrefined, since only an alias of `string` carries them.
pub fn ty_in(apis: &[&Api], t: &Ty) -> String {
    ty_keyed(t, &|keys| apis.iter().find_map(|api| key_alias(api, keys)))
}

/// The first alias `api` declares whose target is non-nullable `string`
/// with exactly the refinements `keys`.
fn key_alias(api: &Api, keys: &Refinements) -> Option<String> {
    api.types.iter().find_map(|d| match &d.kind {
        TypeDefKind::Alias { target }
            if target.kind == TyKind::Primitive(Primitive::String)
                && !target.nullable
                && target.refinements == *keys =>
        {
            Some(d.name.clone())
        }
        TypeDefKind::Alias { .. }
        | TypeDefKind::Record { .. }
        | TypeDefKind::Enum { .. }
        | TypeDefKind::Union { .. } => None,
    })
}

/// The refinements of a map's keys, as the IR keeps them on the map.
pub fn key_refinements(t: &Ty) -> Refinements {
    match t.kind {
        TyKind::Map(_) => Refinements {
            len: t.refinements.len,
            pattern: t.refinements.pattern.clone(),
            format: t.refinements.format,
            ..Refinements::default()
        },
        TyKind::Primitive(_) | TyKind::Named(_) | TyKind::List(_) | TyKind::Const(_) => {
            Refinements::default()
        }
    }
}

fn ty_keyed(t: &Ty, alias: &dyn Fn(&Refinements) -> Option<String>) -> String {
    let mut own = own_refinements(t);
    let mut out = match &t.kind {
        TyKind::Primitive(p) => p.name().to_string(),
        TyKind::Named(n) => n.clone(),
        TyKind::List(item) => format!("[{}]", ty_keyed(item, alias)),
        TyKind::Const(text) => string(text),
        TyKind::Map(value) => {
            let keys = key_refinements(t);
            own.len = None;
            own.pattern = None;
            own.format = None;
            let key = if keys.is_empty() {
                "string".to_string()
            } else {
                alias(&keys).unwrap_or_else(|| {
                    format!(
                        "string /* keys {}: only an alias of string carries them */",
                        refinements(&keys).replace("*/", "*\\/")
                    )
                })
            };
            format!("map<{key}, {}>", ty_keyed(value, alias))
        }
    };
    if t.nullable {
        out.push_str(" | null");
    }
    let attrs = refinements(&own);
    if !attrs.is_empty() {
        out.push(' ');
        out.push_str(&attrs);
    }
    out
}

/// `t`'s refinements without the format its primitive implies
/// (`email` is a string with `@format(email)`).
pub fn own_refinements(t: &Ty) -> Refinements {
    let mut r = t.refinements.clone();
    let implied = match t.kind {
        TyKind::Primitive(Primitive::Email) => Some(Format::Email),
        TyKind::Primitive(Primitive::Url) => Some(Format::Url),
        TyKind::Primitive(Primitive::Uuid) => Some(Format::Uuid),
        _ => None,
    };
    if implied.is_some() && r.format == implied {
        r.format = None;
    }
    r
}

/// Refinements as attributes: `@len(1..=100) @pattern("[a-z]+")`.
pub fn refinements(r: &Refinements) -> String {
    let mut parts = Vec::new();
    if let Some(b) = &r.len {
        parts.push(format!("@len({})", bounds(b)));
    }
    if let Some(b) = &r.range {
        parts.push(format!("@range({})", bounds(b)));
    }
    if let Some(b) = &r.items {
        parts.push(format!("@items({})", bounds(b)));
    }
    if let Some(p) = &r.pattern {
        parts.push(format!("@pattern({})", string(p)));
    }
    if let Some(f) = r.format {
        let name = Format::ALL
            .iter()
            .find(|(_, x)| *x == f)
            .map_or("email", |(n, _)| n);
        parts.push(format!("@format({name})"));
    }
    parts.join(" ")
}

/// A range: `1..=100`, `0<..1`, `..10`, `1..`.
pub fn bounds(b: &Bounds) -> String {
    let mut out = String::new();
    if let Some(m) = b.min {
        out.push_str(&number(m));
        if b.min_exclusive {
            out.push('<');
        }
    }
    out.push_str("..");
    if let Some(m) = b.max {
        if !b.max_exclusive {
            out.push('=');
        }
        out.push_str(&number(m));
    }
    out
}

fn number(n: Number) -> String {
    match n {
        Number::Int(i) => i.to_string(),
        Number::Float(f) => format!("{f:?}"),
    }
}

/// A constant as written in a default.
pub fn value(v: &Value) -> String {
    match v {
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => format!("{f:?}"),
        Value::String(s) => string(s),
        Value::Enum(e) => e.clone(),
        Value::List(items) => format!(
            "[{}]",
            items.iter().map(value).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(fields) => format!(
            "{{ {} }}",
            fields
                .iter()
                .map(|(k, v)| format!("{k}: {}", value(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// `doc` as `///` lines, each ending in a newline, to go above a suggested
/// change line (a removed route, field or enum value keeps its doc at the
/// versions that still have it); nothing without a doc.
pub fn doc_lines(doc: Option<&str>) -> String {
    doc.map_or_else(String::new, |doc| {
        doc.lines()
            .map(|line| {
                if line.is_empty() {
                    "///\n".to_string()
                } else {
                    format!("/// {line}\n")
                }
            })
            .collect()
    })
}

/// A method and path: `GET /users/{id}`.
pub fn route_path(method: Method, path: &[PathSegment]) -> String {
    let mut p: String = path
        .iter()
        .map(|s| match s {
            PathSegment::Literal(l) => format!("/{l}"),
            PathSegment::Param(p) => format!("/{{{p}}}"),
        })
        .collect();
    if p.is_empty() {
        p.push('/');
    }
    format!("{} {p}", method.as_str())
}

/// A route's declaration after its name, as a `route r removed` change
/// carries it: on one line, `GET /users/{id: uuid} { query { full?: bool },
/// returns 200 User, errors NotFound }`, unless a parameter, the body or
/// the response has a doc comment, which takes lines of its own (then each
/// clause and parameter is a line). Limits are left out: the service-wide
/// ones apply to a removed route. Types are written as [`ty_in`] writes
/// them, with `apis`' aliases.
pub fn route_decl(apis: &[&Api], route: &Route) -> String {
    let documented = route.body_doc.is_some()
        || route.returns_doc.is_some()
        || route
            .params
            .iter()
            .any(|p| p.doc.is_some() && p.location != ParamLocation::Path);
    // One line, or a line per clause and parameter, indented under the route.
    let (open, sep, close, inner) = if documented {
        ("\n  ", "\n  ", "\n", "\n    ")
    } else {
        (" ", ", ", " ", " ")
    };
    let doc = |doc: &Option<String>, indent: &str| match doc {
        Some(doc) if documented => doc_lines(Some(doc))
            .lines()
            .map(|line| format!("{line}{indent}"))
            .collect::<String>(),
        Some(_) | None => String::new(),
    };
    let ty = |t: &Ty| ty_in(apis, t);
    let param = |name: &str| route.params.iter().find(|p| p.name == name);
    let mut path: String = route
        .path
        .iter()
        .map(|s| match s {
            PathSegment::Literal(l) => format!("/{l}"),
            PathSegment::Param(p) => match param(p) {
                Some(p) => format!("/{{{}: {}}}", p.name, ty(&p.ty)),
                None => format!("/{{{p}}}"),
            },
        })
        .collect();
    if path.is_empty() {
        path.push('/');
    }
    let mut clauses = Vec::new();
    for (location, keyword) in [
        (ParamLocation::Query, "query"),
        (ParamLocation::Header, "header"),
        (ParamLocation::Cookie, "cookie"),
    ] {
        let fields: Vec<String> = route
            .params
            .iter()
            .filter(|p| p.location == location)
            .map(|p| {
                let mut f = format!(
                    "{}{}{}: {}",
                    doc(&p.doc, inner),
                    p.name,
                    if p.optional && p.default.is_none() {
                        "?"
                    } else {
                        ""
                    },
                    ty(&p.ty)
                );
                let implied = match location {
                    ParamLocation::Header => p.name.replace('_', "-"),
                    _ => p.name.clone(),
                };
                if p.wire_name != implied {
                    f.push_str(&format!(" @name({})", string(&p.wire_name)));
                }
                if let Some(v) = &p.default {
                    f.push_str(&format!(" = {}", value(v)));
                }
                f
            })
            .collect();
        if !fields.is_empty() {
            let (open, close) = if documented {
                (inner, "\n  ")
            } else {
                (" ", " ")
            };
            let sep = if documented { inner } else { ", " };
            clauses.push(format!("{keyword} {{{open}{}{close}}}", fields.join(sep)));
        }
    }
    if let Some(body) = &route.body {
        clauses.push(format!("{}body {}", doc(&route.body_doc, sep), ty(body)));
    }
    let returns = doc(&route.returns_doc, sep);
    match &route.returns {
        Some(t) => clauses.push(format!("{returns}returns {} {}", route.status, ty(t))),
        None => clauses.push(format!("{returns}returns {}", route.status)),
    }
    match &route.auth {
        Auth::None => {}
        Auth::Bearer => clauses.push("auth bearer".to_string()),
        Auth::ApiKey { header } => clauses.push(format!("auth api_key {}", string(header))),
    }
    // Last: the clause's own commas would take a clause after it for an error name.
    if !route.errors.is_empty() {
        clauses.push(format!("errors {}", route.errors.join(", ")));
    }
    format!(
        "{} {path} {{{open}{}{close}}}",
        route.method.as_str(),
        clauses.join(sep)
    )
}

impl crate::Change {
    /// The change as a line of a `versions` entry, as the language parses
    /// it back to this change: `Customer.display_name renamed from name`,
    /// `Status.suspended added fallback active`. A removed field, enum
    /// value or route brings its doc comment as `///` lines above it (a
    /// removed route, its whole declaration). Types are written as
    /// [`ty_in`] writes them, with `apis`' aliases (the API of the
    /// change's version first).
    pub fn gati(&self, apis: &[&Api]) -> String {
        use crate::Change;
        let default = |v: &Option<Value>| {
            v.as_ref()
                .map_or_else(String::new, |v| format!(" default {}", value(v)))
        };
        match self {
            Change::FieldAdded {
                owner,
                field,
                default: d,
            } => {
                format!("{owner}.{field} added{}", default(d))
            }
            Change::RecordConverted { owner, via } => format!("type {owner} changed via {via}"),
            Change::FieldRemoved { owner, field, via } => {
                let flags: String = [
                    (field.readonly, " @readonly"),
                    (field.write_only, " @write_only"),
                    (field.deprecated, " @deprecated"),
                ]
                .iter()
                .filter(|(set, _)| *set)
                .map(|(_, attr)| *attr)
                .collect();
                let old = match (via, &field.ty.kind) {
                    (Some(via), _) => format!(" via {via}"),
                    // A constant's value is its default, so the line needs none.
                    (None, TyKind::Const(_)) => String::new(),
                    (None, _) => default(&field.default),
                };
                format!(
                    "{}{owner}.{}: {}{flags} removed{old}",
                    doc_lines(field.doc.as_deref()),
                    field.name,
                    ty_in(apis, &field.ty)
                )
            }
            Change::FieldRenamed { owner, from, to } => format!("{owner}.{to} renamed from {from}"),
            Change::FieldMadeOptional {
                owner,
                field,
                default: d,
            } => {
                format!("{owner}.{field} made optional{}", default(d))
            }
            Change::FieldMadeRequired {
                owner,
                field,
                default: d,
            } => {
                format!("{owner}.{field} made required{}", default(d))
            }
            Change::FieldRefined { owner, field, from } => {
                // Without the format the field's primitive implies, which
                // the line need not write.
                let kind = apis
                    .first()
                    .and_then(|api| field_type(api, owner, field))
                    .map(|t| t.kind.clone());
                let from = match kind {
                    Some(kind) => own_refinements(&Ty {
                        kind,
                        nullable: false,
                        refinements: from.clone(),
                    }),
                    None => from.clone(),
                };
                format!("{owner}.{field} refined from {}", refinements(&from))
                    .trim_end()
                    .to_string()
            }
            Change::FieldRetyped {
                owner,
                field,
                from,
                via,
            } => format!(
                "{owner}.{field} changed from {}{}",
                ty_in(apis, from),
                via.as_ref()
                    .map_or_else(String::new, |via| format!(" via {via}"))
            ),
            Change::EnumValueAdded {
                owner,
                value,
                fallback,
            } => format!(
                "{owner}.{value} added{}",
                fallback
                    .as_ref()
                    .map_or_else(String::new, |f| format!(" fallback {f}"))
            ),
            Change::EnumValueRemoved {
                owner,
                value,
                map,
                doc,
            } => format!(
                "{}{owner}.{value} removed{}",
                doc_lines(doc.as_deref()),
                map.as_ref()
                    .map_or_else(String::new, |m| format!(" map {m}"))
            ),
            Change::EnumValueRenamed { owner, from, to } => {
                format!("{owner}.{to} renamed from {from}")
            }
            Change::TypeAdded { name } => format!("type {name} added"),
            Change::RouteAdded { name } => format!("route {name} added"),
            Change::RouteRemoved { route } => format!(
                "{}route {} removed {}",
                doc_lines(route.doc.as_deref()),
                route.name,
                route_decl(apis, route)
            ),
            Change::RouteRenamed { from, to } => format!("route {to} renamed from {from}"),
            Change::RouteMoved {
                name,
                method,
                path,
                wire_names,
            } => {
                // Each parameter under its name in the old path.
                let path: Vec<PathSegment> = path
                    .iter()
                    .map(|s| match s {
                        PathSegment::Param(id) => PathSegment::Param(
                            wire_names
                                .iter()
                                .find(|(i, _)| i == id)
                                .map_or_else(|| id.clone(), |(_, wire)| wire.clone()),
                        ),
                        PathSegment::Literal(l) => PathSegment::Literal(l.clone()),
                    })
                    .collect();
                format!("route {name} moved from {}", route_path(*method, &path))
            }
        }
    }
}

/// The type of record or error `owner`'s field `field` in `api`.
fn field_type<'a>(api: &'a Api, owner: &str, field: &str) -> Option<&'a Ty> {
    let fields = match api.ty(owner).map(|t| &t.kind) {
        Some(TypeDefKind::Record { fields }) => fields,
        _ => &api.error(owner)?.fields,
    };
    fields.iter().find(|f| f.name == field).map(|f| &f.ty)
}

#[cfg(test)]
mod tests {
    use crate::{Primitive, Refinements, Ty, TyKind};

    fn of(kind: TyKind, nullable: bool) -> Ty {
        Ty {
            kind,
            nullable,
            refinements: Refinements::default(),
        }
    }

    #[test]
    fn types_and_strings_print_as_gati() {
        let user = of(TyKind::Named("User".into()), false);
        let map = of(TyKind::Map(Box::new(user)), false);
        let list = of(TyKind::List(Box::new(map)), true);
        assert_eq!(super::ty(&list), "[map<string, User>] | null");
        let int = of(TyKind::Primitive(Primitive::Int64), false);
        assert_eq!(super::ty(&int), "int64");
        let constant = of(TyKind::Const("a\"b\n\u{1}".into()), false);
        assert_eq!(super::ty(&constant), "\"a\\\"b\\n\\u{1}\"");
    }
}
