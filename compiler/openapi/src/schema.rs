//! JSON Schemas (OpenAPI 3.1 dialect) for named types, type uses and fields.
//!
//! How the IR's notions are expressed:
//! - a named type is `{"$ref": "#/components/schemas/Name"}`; constraints a
//!   use adds to a named type go next to the reference in an `allOf`, so tools
//!   that drop `$ref` siblings lose only annotations, never constraints;
//! - nullable: `"type": [T, "null"]` for inline schemas, and
//!   `anyOf: [schema, {"type": "null"}]` around a reference;
//! - optional (or defaulted) fields are left out of `required`; nullable
//!   fields without a default stay in it;
//! - a constant field (`object: "charge"`) is a string with that `const`,
//!   and the same string as its `default` (the checker gives it one), so a
//!   record leaves it out of `required`: a request may leave it out, while
//!   every response carries it (so an error's schema, which only describes
//!   responses, requires it);
//! - a field's and an alias's `@example(…)` is the schema's `examples`
//!   (JSON Schema's list; OpenAPI 3.1 deprecates the single `example`), left
//!   out of an older version's document where the field's type there no
//!   longer holds it (a `changed from` keeps the head's example on the field);
//! - a map is an object with `additionalProperties`; its keys' refinements
//!   (the map's own `len`, `pattern` and `format`, from its key type) are
//!   its `propertyNames`;
//! - a tagged union is a `oneOf` of one helper component per variant,
//!   `Union.variant` (the dot keeps it clear of every spec name), which is the
//!   variant's record plus the tag as a `const`, with a `discriminator`;
//! - an untagged union is a `oneOf` when its variants' JSON types are
//!   disjoint, and an `anyOf` otherwise (the server takes the first variant
//!   that parses, so a value matching two variants is still valid);
//! - a record whose `unknown_fields` policy is `reject` says so in its
//!   description, and is closed (`additionalProperties: false`) only where
//!   that describes every use of its one schema: the document has one schema
//!   per record for both directions, and responses must stay open (a client
//!   ignores members it does not know, so adding a response field stays
//!   compatible). So a rejecting record that a response or an error reaches
//!   stays open, and so does a tagged union's variant, whose schema is one
//!   part of an `allOf` with the tag beside it (closing it would refuse the
//!   tag itself).

use std::collections::{BTreeSet, HashMap};

use gatic_ir::{
    Api, Bounds, EnumValue, Field, Format, Instance, Number, Primitive, Refinements, Ty, TyKind,
    TypeDef, TypeDefKind, UnknownFields, Value, Variant,
};

use crate::json::{Json, Obj};

/// The JSON pointer prefix of schema components.
const SCHEMAS: &str = "#/components/schemas/";

/// A `$ref` to the schema component `name`.
pub fn reference(name: &str) -> Obj {
    Obj::new().with("$ref", format!("{SCHEMAS}{name}"))
}

/// The component name of a tagged union's variant helper schema.
pub fn variant_component(union: &str, variant: &str) -> String {
    format!("{union}.{variant}")
}

/// Generates the schemas of one API.
pub struct Schemas<'a> {
    /// The API's types by name.
    defs: HashMap<&'a str, &'a TypeDef>,
    /// The types whose schema also describes something a client reads: those
    /// a response or an error payload reaches, and tagged unions' variants
    /// (see the module's notes on `unknown_fields`).
    open: BTreeSet<String>,
    /// The types a route's body reaches: the only ones a policy on unknown
    /// members applies to.
    requested: BTreeSet<String>,
}

impl<'a> Schemas<'a> {
    /// Schemas for the types of `api`.
    pub fn new(api: &'a Api) -> Schemas<'a> {
        let defs: HashMap<&'a str, &'a TypeDef> =
            api.types.iter().map(|t| (t.name.as_str(), t)).collect();
        let mut stack: Vec<&'a Ty> = api
            .routes
            .iter()
            .filter_map(|r| r.returns.as_ref())
            .collect();
        stack.extend(
            api.errors
                .iter()
                .flat_map(|e| e.fields.iter().map(|f| &f.ty)),
        );
        let mut open = gatic_ir::walk::reached(api, stack);
        let requested = gatic_ir::walk::reached(api, gatic_ir::walk::bodies(api));
        for def in &api.types {
            if let TypeDefKind::Union {
                tag: Some(_),
                variants,
            } = &def.kind
            {
                for variant in variants {
                    if let TyKind::Named(name) = &variant.ty.kind {
                        open.insert(name.clone());
                    }
                }
            }
        }
        Schemas {
            defs,
            open,
            requested,
        }
    }

    /// The type named `name`.
    pub fn def(&self, name: &str) -> Option<&'a TypeDef> {
        self.defs.get(name).copied()
    }

    /// The components for one named type, in order: the type itself, then
    /// any helper components it needs (tagged-union variants).
    pub fn type_def(&self, def: &TypeDef) -> Vec<(String, Obj)> {
        let mut helpers = Vec::new();
        let mut schema = match &def.kind {
            TypeDefKind::Record { fields } => self.record(fields),
            TypeDefKind::Enum { values } => enum_schema(values),
            TypeDefKind::Union {
                tag: Some(tag),
                variants,
            } => {
                let mut one_of = Vec::new();
                let mut mapping = Obj::new();
                for variant in variants {
                    let name = variant_component(&def.name, &variant.name);
                    helpers.push((name.clone(), self.tagged_variant(tag, variant)));
                    one_of.push(Json::from(reference(&name)));
                    mapping.set(&variant.name, format!("{SCHEMAS}{name}"));
                }
                Obj::new().with("oneOf", Json::Array(one_of)).with(
                    "discriminator",
                    Obj::new()
                        .with("propertyName", tag)
                        .with("mapping", mapping),
                )
            }
            TypeDefKind::Union {
                tag: None,
                variants,
            } => self.untagged(variants),
            TypeDefKind::Alias { target } => self.ty(target),
        };
        let mut description = def.doc.clone();
        if let Some(instance) = &def.instance {
            let note = instance_note(instance);
            description = Some(match description {
                Some(doc) => format!("{doc}\n\n{note}"),
                None => note,
            });
        }
        let notes = match &def.kind {
            TypeDefKind::Enum { values } => enum_notes(values),
            TypeDefKind::Record { .. } if !self.requested.contains(def.name.as_str()) => None,
            TypeDefKind::Record { .. } => match def.unknown_fields {
                UnknownFields::Reject if self.open.contains(def.name.as_str()) => Some(
                    "A request that sends a member this record does not declare is \
                     rejected (400, rule `unknown`). The schema stays open because responses \
                     use it too: clients ignore members they do not know."
                        .to_string(),
                ),
                UnknownFields::Reject => Some(
                    "A request that sends a member this record does not declare is \
                     rejected (400, rule `unknown`)."
                        .to_string(),
                ),
                UnknownFields::Ignore => None,
            },
            TypeDefKind::Union { .. } | TypeDefKind::Alias { .. } => None,
        };
        if let Some(notes) = notes {
            description = Some(match description {
                Some(doc) => format!("{doc}\n\n{notes}"),
                None => notes,
            });
        }
        if def.unknown_fields == UnknownFields::Reject
            && matches!(def.kind, TypeDefKind::Record { .. })
            && self.requested.contains(def.name.as_str())
            && !self.open.contains(def.name.as_str())
        {
            schema.set("additionalProperties", false);
        }
        schema = Obj::new()
            .with_opt("description", description)
            .extended(schema);
        if let (TypeDefKind::Alias { target }, Some(example)) = (&def.kind, &def.example)
            && self.holds(target, example, 0)
        {
            schema.set("examples", vec![value(example)]);
        }
        if def.deprecated {
            schema.set("deprecated", true);
        }
        let mut components = vec![(def.name.clone(), schema)];
        components.extend(helpers);
        components
    }

    /// An object schema for `fields` (a record, or an error's payload).
    pub fn record(&self, fields: &[Field]) -> Obj {
        let mut properties = Obj::new();
        let mut required = Vec::new();
        for field in fields {
            properties.set(&field.name, self.field(field));
            if !field.optional && field.default.is_none() {
                required.push(Json::from(field.name.as_str()));
            }
        }
        let mut schema = Obj::new()
            .with("type", "object")
            .with("properties", properties);
        if !required.is_empty() {
            schema.set("required", Json::Array(required));
        }
        schema
    }

    /// The schema of one record field: its type plus its doc, default and flags.
    pub fn field(&self, field: &Field) -> Obj {
        let mut schema = Obj::new()
            .with_opt("description", field.doc.as_deref())
            .extended(self.ty(&field.ty));
        if let Some(default) = &field.default {
            schema.set("default", value(default));
        }
        if let Some(example) = field
            .example
            .as_ref()
            .filter(|e| self.holds(&field.ty, e, 0))
        {
            schema.set("examples", vec![value(example)]);
        }
        if field.readonly {
            schema.set("readOnly", true);
        }
        if field.write_only {
            schema.set("writeOnly", true);
        }
        if field.deprecated {
            schema.set("deprecated", true);
        }
        schema
    }

    /// The schema of a type use, refinements and nullability included.
    pub fn ty(&self, ty: &Ty) -> Obj {
        let mut schema = match &ty.kind {
            TyKind::Primitive(p) => primitive(*p),
            TyKind::Const(value) => Obj::new()
                .with("type", "string")
                .with("const", value.as_str()),
            TyKind::Named(name) if ty.refinements.is_empty() => reference(name),
            TyKind::Named(name) => Obj::new().with("allOf", vec![Json::from(reference(name))]),
            TyKind::List(item) => Obj::new()
                .with("type", "array")
                .with("items", self.ty(item)),
            TyKind::Map(value) => {
                let mut schema = Obj::new().with("type", "object");
                // A map's own `len`, `pattern` and `format` are its keys'.
                let Refinements {
                    len,
                    pattern,
                    format,
                    ..
                } = &ty.refinements;
                if len.is_some() || pattern.is_some() || format.is_some() {
                    let key = Ty {
                        kind: TyKind::Primitive(Primitive::String),
                        nullable: false,
                        refinements: Refinements {
                            len: *len,
                            pattern: pattern.clone(),
                            format: *format,
                            ..Refinements::default()
                        },
                    };
                    schema.set("propertyNames", self.ty(&key));
                }
                schema.with("additionalProperties", self.ty(value))
            }
        };
        self.refine(&mut schema, ty);
        if ty.nullable {
            schema = nullable(schema);
        }
        schema
    }

    /// Adds the refinements of `ty` to its schema (a map's keys' are in
    /// its `propertyNames` already).
    fn refine(&self, schema: &mut Obj, ty: &Ty) {
        let Refinements {
            len,
            range,
            items,
            pattern,
            format,
        } = &ty.refinements;
        let (len, pattern, format) = match ty.kind {
            TyKind::Map(_) => (&None, &None, &None),
            _ => (len, pattern, format),
        };
        if let Some(len) = len {
            set_counts(schema, len, "minLength", "maxLength");
        }
        if let Some(range) = range {
            if let Some(min) = range.min {
                let key = if range.min_exclusive {
                    "exclusiveMinimum"
                } else {
                    "minimum"
                };
                schema.set(key, number(min));
            }
            if let Some(max) = range.max {
                let key = if range.max_exclusive {
                    "exclusiveMaximum"
                } else {
                    "maximum"
                };
                schema.set(key, number(max));
            }
        }
        if let Some(items) = items {
            if self.json_types(ty, 0) & OBJECT != 0 && self.json_types(ty, 0) & ARRAY == 0 {
                set_counts(schema, items, "minProperties", "maxProperties");
            } else {
                set_counts(schema, items, "minItems", "maxItems");
            }
        }
        if let Some(pattern) = pattern {
            add_pattern(schema, pattern);
        }
        if let Some(format) = format {
            match format {
                Format::Email => schema.set("format", "email"),
                Format::Uuid => schema.set("format", "uuid"),
                Format::Url => schema.set("format", "uri"),
                Format::Hostname => schema.set("format", "hostname"),
                Format::Ip => {
                    let either = vec![
                        Obj::new().with("format", "ipv4"),
                        Obj::new().with("format", "ipv6"),
                    ];
                    if schema.contains("anyOf") {
                        all_of(schema, Obj::new().with("anyOf", either));
                    } else {
                        schema.set("anyOf", either);
                    }
                }
            }
        }
    }

    /// A tagged union's variant: its payload plus the tag as a constant.
    fn tagged_variant(&self, tag: &str, variant: &Variant) -> Obj {
        let tag_schema = Obj::new()
            .with("type", "object")
            .with(
                "properties",
                Obj::new().with(
                    tag,
                    Obj::new()
                        .with("type", "string")
                        .with("const", &variant.name),
                ),
            )
            .with("required", vec![tag]);
        Obj::new()
            .with_opt("description", variant.doc.as_deref())
            .with("allOf", vec![self.ty(&variant.ty), tag_schema])
    }

    /// An untagged union: `oneOf` when no JSON value can match two variants.
    fn untagged(&self, variants: &[Variant]) -> Obj {
        let mut seen = 0;
        let mut disjoint = true;
        let mut alternatives = Vec::new();
        for variant in variants {
            let types = self.json_types(&variant.ty, 0);
            disjoint &= seen & types == 0;
            seen |= types;
            let alternative = self
                .ty(&variant.ty)
                .with("title", &variant.name)
                .with_opt("description", variant.doc.as_deref());
            alternatives.push(Json::from(alternative));
        }
        let key = if disjoint { "oneOf" } else { "anyOf" };
        Obj::new().with(key, Json::Array(alternatives))
    }

    /// Whether `example` has the JSON shape of `ty` (refinements aside): the
    /// checker checked every example against the head's types, but an older
    /// version rebuilt from the head may have given its field another type.
    /// `depth` guards against aliases that refer to themselves.
    fn holds(&self, ty: &Ty, example: &Value, depth: usize) -> bool {
        if depth > 32 {
            return true;
        }
        let kind = match &ty.kind {
            TyKind::Named(name) => self.def(name).map(|d| &d.kind),
            _ => None,
        };
        match (example, &ty.kind, kind) {
            (Value::Null, _, _) => {
                ty.nullable || matches!(ty.kind, TyKind::Primitive(Primitive::Any))
            }
            (_, TyKind::Primitive(Primitive::Any), _) => true,
            (_, TyKind::Named(_), Some(TypeDefKind::Alias { target })) => {
                self.holds(target, example, depth + 1)
            }
            // A tagged union's value is a variant's record with the tag
            // beside its fields.
            (Value::Object(_), TyKind::Named(_), Some(TypeDefKind::Union { tag: Some(_), .. })) => {
                true
            }
            (
                _,
                TyKind::Named(_),
                Some(TypeDefKind::Union {
                    tag: None,
                    variants,
                }),
            ) => variants
                .iter()
                .any(|v| self.holds(&v.ty, example, depth + 1)),
            (Value::Bool(_), TyKind::Primitive(Primitive::Bool), _) => true,
            (Value::Int(_), TyKind::Primitive(p), _) => p.is_number(),
            (Value::Float(_), TyKind::Primitive(Primitive::Float64), _) => true,
            (Value::String(_), TyKind::Primitive(p), _) => p.is_string_like(),
            (Value::String(s), TyKind::Const(c), _) => s == c,
            (
                Value::String(s) | Value::Enum(s),
                TyKind::Named(_),
                Some(TypeDefKind::Enum { values }),
            ) => values.iter().any(|v| v.name == *s),
            (Value::List(items), TyKind::List(item), _) => {
                items.iter().all(|v| self.holds(item, v, depth + 1))
            }
            (Value::Object(entries), TyKind::Map(item), _) => {
                entries.iter().all(|(_, v)| self.holds(item, v, depth + 1))
            }
            (Value::Object(entries), TyKind::Named(_), Some(TypeDefKind::Record { fields })) => {
                entries.iter().all(|(k, v)| {
                    fields
                        .iter()
                        .any(|f| f.name == *k && self.holds(&f.ty, v, depth + 1))
                })
            }
            _ => false,
        }
    }

    /// The JSON types values of `ty` can have, as a set of bits. `depth`
    /// guards against aliases and unions that refer to themselves.
    fn json_types(&self, ty: &Ty, depth: usize) -> u8 {
        let null = if ty.nullable { NULL } else { 0 };
        let types = match &ty.kind {
            TyKind::Primitive(Primitive::Bool) => BOOLEAN,
            TyKind::Primitive(Primitive::Int32 | Primitive::Int64) => INTEGER,
            // A float may be written as `1`, which is also an integer.
            TyKind::Primitive(Primitive::Float64) => INTEGER | FRACTION,
            TyKind::Primitive(Primitive::Any) => ALL,
            TyKind::Primitive(_) | TyKind::Const(_) => STRING,
            TyKind::List(_) => ARRAY,
            TyKind::Map(_) => OBJECT,
            TyKind::Named(_) if depth > 32 => ALL,
            TyKind::Named(name) => match self.def(name).map(|d| &d.kind) {
                None => ALL,
                Some(TypeDefKind::Record { .. }) => OBJECT,
                Some(TypeDefKind::Enum { .. }) => STRING,
                Some(TypeDefKind::Union { tag: Some(_), .. }) => OBJECT,
                Some(TypeDefKind::Union {
                    tag: None,
                    variants,
                }) => variants
                    .iter()
                    .fold(0, |acc, v| acc | self.json_types(&v.ty, depth + 1)),
                Some(TypeDefKind::Alias { target }) => self.json_types(target, depth + 1),
            },
        };
        types | null
    }
}

const NULL: u8 = 1;
const BOOLEAN: u8 = 2;
const INTEGER: u8 = 4;
const FRACTION: u8 = 8;
const STRING: u8 = 16;
const ARRAY: u8 = 32;
const OBJECT: u8 = 64;
const ALL: u8 = 127;

/// The schema of a primitive type, as the runtime reads and writes it.
pub fn primitive(p: Primitive) -> Obj {
    let string = || Obj::new().with("type", "string");
    match p {
        Primitive::String => string(),
        Primitive::Bool => Obj::new().with("type", "boolean"),
        Primitive::Int32 => Obj::new().with("type", "integer").with("format", "int32"),
        Primitive::Int64 => Obj::new().with("type", "integer").with("format", "int64"),
        Primitive::Float64 => Obj::new().with("type", "number").with("format", "double"),
        // The runtime's `Decimal` grammar: no exponent, digits on both sides of a point.
        Primitive::Decimal => string()
            .with("format", "decimal")
            .with("pattern", "^[-+]?[0-9]+(\\.[0-9]+)?$"),
        Primitive::Uuid => string().with("format", "uuid"),
        Primitive::Email => string().with("format", "email"),
        Primitive::Url => string().with("format", "uri"),
        Primitive::Date => string().with("format", "date"),
        Primitive::Datetime => string().with("format", "date-time"),
        Primitive::Duration => string().with("format", "duration"),
        Primitive::Bytes => string().with("contentEncoding", "base64"),
        Primitive::Any => Obj::new(),
    }
}

/// The sentence that says which generic record, with which arguments, an
/// instantiated record comes from.
fn instance_note(instance: &Instance) -> String {
    let args: Vec<String> = instance.args.iter().map(spec_type).collect();
    format!(
        "Instantiated from the generic record `{}` as `{}<{}>`.",
        instance.generic,
        instance.generic,
        args.join(", ")
    )
}

/// A type use as the spec writes it, without its refinements (the schema
/// states them).
fn spec_type(ty: &Ty) -> String {
    gatic_ir::display::ty(ty)
}

/// `schema` that also admits `null`.
fn nullable(mut schema: Obj) -> Obj {
    match schema.get("type") {
        // `{}` already admits null.
        None if schema.is_empty() => schema,
        Some(Json::String(t)) => {
            let types = vec![t.clone(), "null".to_string()];
            schema.set("type", types);
            schema
        }
        _ => Obj::new().with("anyOf", vec![schema, Obj::new().with("type", "null")]),
    }
}

/// An enum: a string with a closed set of values.
fn enum_schema(values: &[EnumValue]) -> Obj {
    let names: Vec<&str> = values.iter().map(|v| v.name.as_str()).collect();
    Obj::new().with("type", "string").with("enum", names)
}

/// A Markdown list of the enum values that have docs or are deprecated, for
/// the enum's description: JSON Schema has no place for per-value notes.
fn enum_notes(values: &[EnumValue]) -> Option<String> {
    let notes: Vec<String> = values
        .iter()
        .filter(|v| v.doc.is_some() || v.deprecated)
        .map(|v| {
            let mut line = format!("- `{}`", v.name);
            if v.deprecated {
                line.push_str(" (deprecated)");
            }
            if let Some(doc) = &v.doc {
                line.push_str(": ");
                line.push_str(&doc.replace('\n', " "));
            }
            line
        })
        .collect();
    (!notes.is_empty()).then(|| notes.join("\n"))
}

/// Adds `pattern` (anchored: the whole string must match); a second
/// pattern goes into an `allOf`, since a schema has one `pattern` keyword.
fn add_pattern(schema: &mut Obj, pattern: &str) {
    let anchored = format!("^(?:{pattern})$");
    if schema.contains("pattern") {
        all_of(schema, Obj::new().with("pattern", anchored));
    } else {
        schema.set("pattern", anchored);
    }
}

/// Appends `part` to the schema's `allOf`.
fn all_of(schema: &mut Obj, part: Obj) {
    match schema.get_mut("allOf") {
        Some(Json::Array(parts)) => parts.push(part.into()),
        _ => schema.set("allOf", vec![part]),
    }
}

/// Sets count keywords (lengths, item and property counts) from bounds,
/// turning exclusive bounds into inclusive ones.
fn set_counts(schema: &mut Obj, bounds: &Bounds, min_key: &str, max_key: &str) {
    if let Some(min) = bounds.min {
        let min = match min {
            Number::Int(i) => i.saturating_add(i64::from(bounds.min_exclusive)),
            Number::Float(f) if bounds.min_exclusive => f.floor() as i64 + 1,
            Number::Float(f) => f.ceil() as i64,
        };
        schema.set(min_key, u64::try_from(min).unwrap_or(0));
    }
    if let Some(max) = bounds.max {
        let max = match max {
            Number::Int(i) => i.saturating_sub(i64::from(bounds.max_exclusive)),
            Number::Float(f) if bounds.max_exclusive => f.ceil() as i64 - 1,
            Number::Float(f) => f.floor() as i64,
        };
        schema.set(max_key, u64::try_from(max).unwrap_or(0));
    }
}

/// A bound as a JSON number.
fn number(n: Number) -> Json {
    match n {
        Number::Int(i) => i.into(),
        Number::Float(f) => f.into(),
    }
}

/// A constant value as JSON, object members in source order.
pub fn value(v: &Value) -> Json {
    match v {
        Value::Null => Json::Null,
        Value::Bool(b) => (*b).into(),
        Value::Int(i) => (*i).into(),
        Value::Float(f) => (*f).into(),
        Value::String(s) | Value::Enum(s) => s.as_str().into(),
        Value::List(items) => Json::Array(items.iter().map(value).collect()),
        Value::Object(fields) => {
            let mut o = Obj::new();
            for (k, v) in fields {
                o.set(k, value(v));
            }
            o.into()
        }
    }
}
