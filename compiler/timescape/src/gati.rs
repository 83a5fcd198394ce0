//! IR back to `.gati` text: types, refinements, values and paths, as the
//! messages and the suggested `versions` entries write them.

use gatic_ir::{
    Api, Auth, Bounds, Format, Method, Number, ParamLocation, PathSegment, Primitive, Refinements,
    Route, Ty, TyKind, TypeDefKind, Value,
};

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

/// A string literal with escapes.
pub fn string(s: &str) -> String {
    gatic_ir::display::string(s)
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

/// A value of type `t` to put in a suggested `default`, when an obvious one
/// exists (`""`, `0`, `false`, `[]`, `null`); `…` for the user to fill in
/// otherwise.
pub fn placeholder(t: &Ty) -> String {
    if t.nullable {
        return "null".to_string();
    }
    match &t.kind {
        TyKind::Primitive(Primitive::String) if t.refinements.is_empty() => "\"\"".to_string(),
        TyKind::Primitive(Primitive::Bool) => "false".to_string(),
        TyKind::Primitive(Primitive::Int32 | Primitive::Int64 | Primitive::Float64)
            if t.refinements.range.is_none_or(|b| b.contains(0.0)) =>
        {
            "0".to_string()
        }
        TyKind::List(_) if t.refinements.items.is_none_or(|b| b.contains(0.0)) => "[]".to_string(),
        _ => "…".to_string(),
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

/// A route's declaration after its name, on one line, as a `route r removed`
/// change carries it: `GET /users/{id: uuid} { query { full?: bool }, returns 200 User, errors NotFound }`.
/// Limits are left out: the service-wide ones apply to a removed route.
/// Types are written as [`ty_in`] writes them, with `apis`' aliases.
pub fn route_decl(apis: &[&Api], route: &Route) -> String {
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
                    "{}{}: {}",
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
            clauses.push(format!("{keyword} {{ {} }}", fields.join(", ")));
        }
    }
    if let Some(body) = &route.body {
        clauses.push(format!("body {}", ty(body)));
    }
    match &route.returns {
        Some(t) => clauses.push(format!("returns {} {}", route.status, ty(t))),
        None => clauses.push(format!("returns {}", route.status)),
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
        "{} {path} {{ {} }}",
        route.method.as_str(),
        clauses.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use gatic_check::{MemoryLoader, compile};
    use gatic_ir::{Api, Ty, TypeDefKind};

    use super::ty_in;

    /// A spec with an alias of `string` for keys and a record holding
    /// `field_type` as its `labels`.
    fn spec(field_type: &str) -> String {
        format!(
            "service tags {{ title \"Tags\" }}\n\
             /// A key.\n\
             type Key = string @len(1..=40) @pattern(\"^[a-z*/]+$\")\n\
             /// A tagged thing.\n\
             type Thing {{\n  labels: {field_type}\n  key: Key\n}}\n\
             /// Fetch a thing.\n\
             route get_thing GET /things -> Thing\n"
        )
    }

    /// The IR of `source` and the type of `Thing.labels`, failing on any
    /// error.
    fn labels(source: &str) -> (Api, Ty) {
        let compiled = compile("tags.gati", &MemoryLoader::new([("tags.gati", source)]));
        let errors: Vec<_> = compiled
            .diagnostics
            .iter()
            .filter(|d| d.severity == gatic_syntax::Severity::Error)
            .collect();
        assert!(errors.is_empty(), "{source}\n{errors:#?}");
        let api = compiled.spec.expect("compiles").head;
        let ty = match api.ty("Thing").map(|d| &d.kind) {
            Some(TypeDefKind::Record { fields }) => fields
                .iter()
                .find(|f| f.name == "labels")
                .map(|f| f.ty.clone()),
            _ => None,
        }
        .expect("Thing.labels");
        (api, ty)
    }

    /// A map keyed by a refined alias prints with the alias as its key
    /// type, which parses and compiles back to the same type; without an
    /// alias to name, the keys' refinements go into a comment and the text
    /// still compiles (with plain `string` keys).
    #[test]
    fn a_map_with_refined_keys_prints_as_valid_source() {
        let (api, ty) = labels(&spec("map<Key, [int32 @range(0..)]> | null @items(..=10)"));
        assert!(ty.refinements.len.is_some(), "the key's len is the map's");

        let named = ty_in(&[&api], &ty);
        assert_eq!(named, "map<Key, [int32 @range(0..)]> | null @items(..=10)");
        let (_, again) = labels(&spec(&named));
        assert_eq!(again, ty, "printed and parsed back, the type is the same");

        let unnamed = ty_in(&[], &ty);
        assert_eq!(
            unnamed,
            "map<string /* keys @len(1..=40) @pattern(\"^[a-z*\\/]+$\"): only an alias of \
             string carries them */, [int32 @range(0..)]> | null @items(..=10)"
        );
        let (_, plain) = labels(&spec(&unnamed));
        assert!(plain.refinements.len.is_none() && plain.refinements.pattern.is_none());
        assert_eq!(plain.refinements.items, ty.refinements.items);
    }
}
