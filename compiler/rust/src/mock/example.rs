//! Example values: for any type of an API, a value that satisfies its
//! refinements, built from the spec alone and the same on every build.
//!
//! A declared `@example` wins (on a field, or on an alias used without
//! refinements of its own). Otherwise a value is synthesized: strings of the
//! length `@len` asks for, or the shortest match of their `@pattern`, or a
//! well-formed address, URL, host name, IP or UUID for their `@format`;
//! numbers inside `@range` (exclusive ends respected); lists with one item,
//! or as many as `@items` demands; maps empty unless `@items` demands
//! entries; the first value of an enum and the first variant of a union;
//! optional and nullable fields present and not `null`; a constant field
//! its constant; scalars in their wire formats. Recursion stops at the
//! first field of a loop that may be left out, be `null` or be empty, so a
//! value is always finite. What cannot be satisfied falls back to something
//! close, with a warning that says so.

use std::collections::{BTreeMap, BTreeSet};

use gatic_ir::{
    Api, Bounds, Field, Format, Number, Primitive, Refinements, Ty, TyKind, TypeDef, TypeDefKind,
    Value,
};

use super::pattern;

/// The UUID every `uuid` example holds.
pub(crate) const UUID: &str = "3fa85f64-5717-4562-b3fc-2c963f66afa6";

/// How deep a value may nest before synthesis stops descending (a loop
/// with no field that may end it, which the checker rules out).
const MAX_DEPTH: usize = 24;

/// Builds example values for the types of one API.
pub(crate) struct Examples<'a> {
    defs: BTreeMap<&'a str, &'a TypeDef>,
    /// For each named type, every named type its values may hold.
    reach: BTreeMap<&'a str, BTreeSet<&'a str>>,
    /// The records and unions whose value is being built, innermost last.
    stack: Vec<&'a str>,
    /// Where synthesis is, for warnings: `User.handle`.
    path: Vec<String>,
    warnings: Vec<String>,
}

impl<'a> Examples<'a> {
    /// Examples of the types of `api`.
    pub(crate) fn new(api: &'a Api) -> Examples<'a> {
        let defs: BTreeMap<&str, &TypeDef> =
            api.types.iter().map(|t| (t.name.as_str(), t)).collect();
        let mut reach = BTreeMap::new();
        for name in defs.keys() {
            let mut seen = BTreeSet::new();
            let mut todo = vec![*name];
            while let Some(n) = todo.pop() {
                let Some(def) = defs.get(n) else { continue };
                for ty in held(def) {
                    if let Some(m) = gatic_ir::walk::named(ty)
                        && let Some((key, _)) = defs.get_key_value(m)
                        && seen.insert(*key)
                    {
                        todo.push(key);
                    }
                }
            }
            reach.insert(*name, seen);
        }
        Examples {
            defs,
            reach,
            stack: Vec::new(),
            path: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// What could not be satisfied so far, each said once, in order.
    pub(crate) fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// An example of `ty`, said to be at `place` in warnings (a route, a
    /// type, a header).
    pub(crate) fn of(&mut self, ty: &'a Ty, place: &str) -> Value {
        self.path = vec![place.to_string()];
        self.value(ty, 0)
    }

    /// An example of the record `name` with `overrides` in place of its
    /// fields' own (the principal's scopes).
    pub(crate) fn record_with(&mut self, name: &'a str, overrides: &[(&str, Value)]) -> Value {
        self.path = vec![name.to_string()];
        let mut value = match self.defs.get(name).map(|d| &d.kind) {
            Some(TypeDefKind::Record { fields }) => self.record(name, fields, 0),
            _ => Value::Object(Vec::new()),
        };
        if let Value::Object(entries) = &mut value {
            for (key, v) in overrides {
                if let Some(entry) = entries.iter_mut().find(|(k, _)| k == key) {
                    entry.1 = v.clone();
                }
            }
        }
        value
    }

    fn warn(&mut self, message: String) {
        let text = format!("`{}`: {message}", self.path.join("."));
        if !self.warnings.contains(&text) {
            self.warnings.push(text);
        }
    }

    /// An example of `ty`, never `null`.
    fn value(&mut self, ty: &'a Ty, depth: usize) -> Value {
        let seen = self.see(ty);
        if let Some(example) = seen.example {
            return example.clone();
        }
        let refs = &seen.refinements;
        match seen.kind {
            TyKind::Primitive(p) => self.primitive(*p, refs),
            TyKind::Const(text) => Value::String(text.clone()),
            TyKind::List(item) => {
                let count = self.count(refs.items.as_ref(), 1, depth, item);
                let items = (0..count).map(|_| self.value(item, depth + 1)).collect();
                Value::List(items)
            }
            TyKind::Map(item) => {
                let count = self.count(refs.items.as_ref(), 0, depth, item);
                // The map's own `len`, `pattern` and `format` are its keys'.
                let keys = Refinements {
                    range: None,
                    items: None,
                    ..refs.clone()
                };
                let mut entries: Vec<(String, Value)> = Vec::new();
                for variant in 0..count {
                    let key = self.string(&keys, variant);
                    if entries.iter().any(|(k, _)| *k == key) {
                        self.warn(format!(
                            "found only {} distinct keys of the {count} `@items` asks for",
                            entries.len()
                        ));
                        break;
                    }
                    let value = self.value(item, depth + 1);
                    entries.push((key, value));
                }
                Value::Object(entries)
            }
            TyKind::Named(name) => self.named(name, depth),
        }
    }

    /// `ty` seen through its aliases: the shape underneath, the refinements
    /// met on the way (the outermost winning), and the example of the
    /// first alias reached before any refinement was added to it.
    fn see(&self, ty: &'a Ty) -> Seen<'a> {
        let mut refinements = ty.refinements.clone();
        let mut example = None;
        let mut current = ty;
        for _ in 0..=self.defs.len() {
            let TyKind::Named(name) = &current.kind else {
                break;
            };
            let Some(def) = self.defs.get(name.as_str()) else {
                break;
            };
            let TypeDefKind::Alias { target } = &def.kind else {
                break;
            };
            if example.is_none() && refinements.is_empty() {
                example = def.example.as_ref();
            }
            merge(&mut refinements, &target.refinements);
            current = target;
        }
        Seen {
            kind: &current.kind,
            refinements,
            example,
        }
    }

    /// How many items a list (at least `preferred`) or map gets: what
    /// `@items` demands, and no more than the fewest it allows where the
    /// items would repeat a type being built.
    fn count(
        &mut self,
        bounds: Option<&Bounds>,
        preferred: usize,
        depth: usize,
        item: &'a Ty,
    ) -> usize {
        let (min, max) = bounds.map_or((0, None), counts);
        let looping = self.loops(item) || depth >= MAX_DEPTH;
        if looping && min > 0 {
            self.warn(format!(
                "`@items` demands {min} items of a type that contains itself; the example stops at them"
            ));
        }
        let wanted = if looping { min } else { min.max(preferred) };
        match max {
            Some(max) if wanted > max => max,
            _ => wanted,
        }
    }

    /// Whether a value of `ty` could hold one of the types being built.
    fn loops(&self, ty: &'a Ty) -> bool {
        gatic_ir::walk::named(ty).is_some_and(|n| {
            self.stack.contains(&n)
                || self
                    .reach
                    .get(n)
                    .is_some_and(|r| self.stack.iter().any(|s| r.contains(s)))
        })
    }

    fn named(&mut self, name: &'a str, depth: usize) -> Value {
        let Some(def) = self.defs.get(name).copied() else {
            return Value::Null;
        };
        match &def.kind {
            TypeDefKind::Record { fields } => self.record(name, fields, depth),
            TypeDefKind::Enum { values } => values
                .first()
                .map_or(Value::Null, |v| Value::Enum(v.name.clone())),
            TypeDefKind::Union { tag, variants } => {
                self.stack.push(name);
                // The first variant that does not lead back to a type being
                // built, else the first.
                let chosen = variants
                    .iter()
                    .find(|v| !self.loops(&v.ty))
                    .or_else(|| variants.first());
                let value = match chosen {
                    None => Value::Null,
                    Some(variant) => {
                        self.path.push(variant.name.clone());
                        let mut value = if depth >= MAX_DEPTH {
                            self.warn("the example nests too deeply; it stops here".to_string());
                            Value::Object(Vec::new())
                        } else {
                            self.value(&variant.ty, depth + 1)
                        };
                        self.path.pop();
                        if let (Some(tag), Value::Object(entries)) = (tag, &mut value) {
                            entries.insert(0, (tag.clone(), Value::String(variant.name.clone())));
                        }
                        value
                    }
                };
                self.stack.pop();
                value
            }
            // Aliases were seen through already.
            TypeDefKind::Alias { target } => self.value(target, depth + 1),
        }
    }

    fn record(&mut self, name: &'a str, fields: &'a [Field], depth: usize) -> Value {
        self.stack.push(name);
        self.path.push(name.to_string());
        let mut entries = Vec::new();
        for field in fields {
            self.path.push(field.name.clone());
            let value = self.field(field, depth);
            self.path.pop();
            if let Some(value) = value {
                entries.push((field.name.clone(), value));
            }
        }
        self.path.pop();
        self.stack.pop();
        Value::Object(entries)
    }

    /// A field's example; `None` leaves an optional field out.
    fn field(&mut self, field: &'a Field, depth: usize) -> Option<Value> {
        if let Some(example) = &field.example {
            return Some(example.clone());
        }
        if let TyKind::Const(text) = &field.ty.kind {
            return Some(Value::String(text.clone()));
        }
        if !self.loops(&field.ty) && depth < MAX_DEPTH {
            return Some(self.value(&field.ty, depth + 1));
        }
        // The field leads back to a type being built: end the loop here if
        // the field allows it.
        let seen = self.see(&field.ty);
        if field.optional {
            return None;
        }
        if field.ty.nullable || self.nullable(&field.ty) {
            return Some(Value::Null);
        }
        match seen.kind {
            TyKind::List(_) | TyKind::Map(_) => Some(self.value(&field.ty, depth + 1)),
            _ if depth >= MAX_DEPTH => {
                self.warn("the example nests too deeply; it stops here".to_string());
                Some(Value::Null)
            }
            // A union can still choose a variant that ends the loop.
            _ => Some(self.value(&field.ty, depth + 1)),
        }
    }

    /// Whether `ty` or an alias it goes through admits `null`.
    fn nullable(&self, ty: &'a Ty) -> bool {
        let mut current = ty;
        for _ in 0..=self.defs.len() {
            if current.nullable {
                return true;
            }
            match &current.kind {
                TyKind::Named(name) => match self.defs.get(name.as_str()).map(|d| &d.kind) {
                    Some(TypeDefKind::Alias { target }) => current = target,
                    _ => return false,
                },
                _ => return false,
            }
        }
        false
    }

    fn primitive(&mut self, p: Primitive, refs: &Refinements) -> Value {
        match p {
            Primitive::String | Primitive::Email | Primitive::Url => {
                Value::String(self.string(refs, 0))
            }
            Primitive::Bool => Value::Bool(true),
            Primitive::Int32 | Primitive::Int64 => {
                let (lo, hi) = match p {
                    Primitive::Int32 => (i64::from(i32::MIN), i64::from(i32::MAX)),
                    _ => (i64::MIN, i64::MAX),
                };
                Value::Int(self.integer(refs.range.as_ref(), lo, hi))
            }
            Primitive::Float64 => Value::Float(self.float(refs.range.as_ref())),
            Primitive::Decimal => {
                let x = self.float(refs.range.as_ref());
                Value::String(decimal_text(x))
            }
            Primitive::Uuid => Value::String(UUID.to_string()),
            Primitive::Date => Value::String("2025-01-01".to_string()),
            Primitive::Datetime => Value::String("2025-01-01T12:00:00Z".to_string()),
            Primitive::Duration => Value::String("PT1H30M".to_string()),
            // "example", in base64.
            Primitive::Bytes => Value::String("ZXhhbXBsZQ==".to_string()),
            Primitive::Any => Value::Object(Vec::new()),
        }
    }

    /// A whole number within `bounds` and `lo..=hi`: 1 when allowed, else
    /// the end nearest to it.
    fn integer(&mut self, bounds: Option<&Bounds>, lo: i64, hi: i64) -> i64 {
        let (mut min, mut max) = (lo, hi);
        if let Some(b) = bounds {
            if let Some(n) = b.min {
                let n = match n {
                    Number::Int(i) => i,
                    Number::Float(f) => f.ceil() as i64,
                };
                min = min.max(if b.min_exclusive {
                    n.saturating_add(1)
                } else {
                    n
                });
            }
            if let Some(n) = b.max {
                let n = match n {
                    Number::Int(i) => i,
                    Number::Float(f) => f.floor() as i64,
                };
                max = max.min(if b.max_exclusive {
                    n.saturating_sub(1)
                } else {
                    n
                });
            }
        }
        if min > max {
            self.warn("no whole number lies within its `@range`".to_string());
            return min;
        }
        1.clamp(min, max)
    }

    /// A number within `bounds`: 1 when allowed, else halfway between the
    /// ends, else one past the only end.
    fn float(&mut self, bounds: Option<&Bounds>) -> f64 {
        let Some(b) = bounds else {
            return 1.0;
        };
        if b.contains(1.0) {
            return 1.0;
        }
        let x = match (b.min, b.max) {
            (Some(lo), Some(hi)) => (lo.as_f64() + hi.as_f64()) / 2.0,
            (Some(lo), None) => lo.as_f64().floor() + 1.0,
            (None, Some(hi)) => hi.as_f64().ceil() - 1.0,
            (None, None) => 1.0,
        };
        if !b.contains(x) {
            self.warn("no number found within its `@range`".to_string());
        }
        x
    }

    /// A string for `refs`: the shortest match of its pattern of the
    /// length allowed, else a well-formed value of its format, else a word,
    /// each of the length `@len` allows. `variant` asks for another one.
    fn string(&mut self, refs: &Refinements, variant: usize) -> String {
        let (min, max) = refs.len.as_ref().map_or((0, None), counts);
        if let Some(p) = &refs.pattern {
            match pattern::generate(p, min, max, variant) {
                Ok(s) => return s,
                Err(why) => {
                    // The pattern is kept over the length, which matters less
                    // to whoever reads the example.
                    match pattern::generate(p, 0, None, variant) {
                        Ok(s) => {
                            self.warn(format!(
                                "`@pattern({p:?})` and `@len` cannot both hold: {why}; the example matches the pattern only"
                            ));
                            return s;
                        }
                        Err(why) => self.warn(format!(
                            "`@pattern({p:?})`: {why}; the example does not match it"
                        )),
                    }
                }
            }
        }
        let text = match refs.format {
            Some(format) => formatted(format, min, max, variant),
            None => Some(word(min, max, variant)),
        };
        match text {
            Some(text) => text,
            None => {
                self.warn("no value of its `@format` has the length `@len` allows".to_string());
                word(min, max, variant)
            }
        }
    }
}

/// A type seen through its aliases.
struct Seen<'a> {
    kind: &'a TyKind,
    refinements: Refinements,
    example: Option<&'a Value>,
}

/// Adds to `outer` the refinements of `inner` it does not set itself.
fn merge(outer: &mut Refinements, inner: &Refinements) {
    if outer.len.is_none() {
        outer.len = inner.len;
    }
    if outer.range.is_none() {
        outer.range = inner.range;
    }
    if outer.items.is_none() {
        outer.items = inner.items;
    }
    if outer.pattern.is_none() {
        outer.pattern.clone_from(&inner.pattern);
    }
    if outer.format.is_none() {
        outer.format = inner.format;
    }
}

/// Count bounds (`@len`, `@items`) as an inclusive range.
fn counts(b: &Bounds) -> (usize, Option<usize>) {
    let whole = |n: Number| match n {
        Number::Int(i) => i,
        Number::Float(f) => f.ceil() as i64,
    };
    let min = b.min.map_or(0, |n| {
        let n = whole(n);
        if b.min_exclusive { n + 1 } else { n }
    });
    let max = b.max.map(|n| {
        let n = whole(n);
        if b.max_exclusive { n - 1 } else { n }
    });
    (
        usize::try_from(min).unwrap_or(0),
        max.map(|m| usize::try_from(m).unwrap_or(0)),
    )
}

/// The types a definition's values hold directly.
fn held(def: &TypeDef) -> Vec<&Ty> {
    match &def.kind {
        TypeDefKind::Record { fields } => fields.iter().map(|f| &f.ty).collect(),
        TypeDefKind::Union { variants, .. } => variants.iter().map(|v| &v.ty).collect(),
        TypeDefKind::Alias { target } => vec![target],
        TypeDefKind::Enum { .. } => Vec::new(),
    }
}

/// A decimal's text: no exponent, as the runtime's grammar wants.
fn decimal_text(x: f64) -> String {
    if x.fract() == 0.0 {
        format!("{x:.0}")
    } else {
        format!("{x}")
    }
}

/// `example`, cut or repeated to a length within `min..=max`; `variant`
/// numbers it (`example1`), its digits kept at the end.
fn word(min: usize, max: Option<usize>, variant: usize) -> String {
    const WORD: &str = "example";
    let digits = if variant > 0 {
        variant.to_string()
    } else {
        String::new()
    };
    let mut length = (WORD.len() + digits.len()).max(min);
    if let Some(max) = max {
        length = length.min(max);
    }
    let head = length.saturating_sub(digits.len());
    let text: String = WORD
        .chars()
        .cycle()
        .take(head)
        .chain(digits.chars())
        .collect();
    text.chars().take(length).collect()
}

/// A well-formed value of `format` within `min..=max` characters.
fn formatted(format: Format, min: usize, max: Option<usize>, variant: usize) -> Option<String> {
    let suffix = if variant > 0 {
        variant.to_string()
    } else {
        String::new()
    };
    let fits = |s: &str| {
        let n = s.chars().count();
        n >= min && max.is_none_or(|m| n <= m)
    };
    let candidates: Vec<String> = match format {
        Format::Email => {
            let mut out = vec![
                format!("user{suffix}@example.com"),
                format!("a{suffix}@b.co"),
            ];
            // Longer: the local part first (at most 64), then the domain's
            // first label (at most 63).
            let base = format!("user{suffix}@example.com").len();
            if min > base {
                let local = (min - base).min(64 - 4 - suffix.len());
                let label = (min - base - local).min(63 - 7);
                out.insert(
                    0,
                    format!(
                        "user{suffix}{}@example{}.com",
                        "x".repeat(local),
                        "x".repeat(label)
                    ),
                );
            }
            out
        }
        Format::Url => {
            let base = format!("https://example.com/{suffix}");
            let mut out = vec![base.clone(), format!("https://a.co/{suffix}")];
            if min > base.len() {
                out.insert(0, format!("{base}{}", "x".repeat(min - base.len())));
            }
            out
        }
        Format::Hostname => {
            let base = format!("example{suffix}.com");
            let mut out = vec![base.clone(), format!("a{suffix}")];
            if min > base.len() {
                // Labels of at most 63 characters, joined by dots.
                let mut host = base.clone();
                while host.len() < min {
                    let room = (min - host.len()).saturating_sub(1).clamp(1, 63);
                    host = format!("{}.{host}", "x".repeat(room));
                }
                out.insert(0, host);
            }
            out
        }
        Format::Ip => vec![
            format!("192.0.2.{}", 1 + variant % 254),
            format!("::{}", 1 + variant % 9),
            format!("2001:0db8:0000:0000:0000:0000:0000:{:04x}", 1 + variant),
        ],
        Format::Uuid => vec![if variant == 0 {
            UUID.to_string()
        } else {
            format!("3fa85f64-5717-4562-b3fc-{:012x}", variant)
        }],
    };
    candidates.into_iter().find(|c| fits(c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use gatic_ir::{EnumValue, UnknownFields, Variant};

    fn ty(kind: TyKind) -> Ty {
        Ty {
            kind,
            nullable: false,
            refinements: Refinements::default(),
        }
    }

    fn prim(p: Primitive) -> Ty {
        let mut t = ty(TyKind::Primitive(p));
        t.refinements.format = match p {
            Primitive::Email => Some(Format::Email),
            Primitive::Url => Some(Format::Url),
            _ => None,
        };
        t
    }

    fn named(name: &str) -> Ty {
        ty(TyKind::Named(name.to_string()))
    }

    fn list(item: Ty) -> Ty {
        ty(TyKind::List(Box::new(item)))
    }

    fn refined(mut t: Ty, f: impl FnOnce(&mut Refinements)) -> Ty {
        f(&mut t.refinements);
        t
    }

    fn bounds(min: Option<Number>, min_ex: bool, max: Option<Number>, max_ex: bool) -> Bounds {
        Bounds {
            min,
            min_exclusive: min_ex,
            max,
            max_exclusive: max_ex,
        }
    }

    fn field(name: &str, t: Ty) -> Field {
        Field {
            name: name.to_string(),
            doc: None,
            ty: t,
            optional: false,
            default: None,
            readonly: false,
            write_only: false,
            deprecated: false,
            example: None,
        }
    }

    fn def(name: &str, kind: TypeDefKind) -> TypeDef {
        TypeDef {
            name: name.to_string(),
            doc: None,
            deprecated: false,
            instance: None,
            unknown_fields: UnknownFields::Ignore,
            example: None,
            kind,
        }
    }

    fn record(name: &str, fields: Vec<Field>) -> TypeDef {
        def(name, TypeDefKind::Record { fields })
    }

    fn api(types: Vec<TypeDef>) -> Api {
        Api {
            types,
            errors: Vec::new(),
            routes: Vec::new(),
        }
    }

    fn example(api: &Api, t: &Ty) -> (serde_json::Value, Vec<String>) {
        let mut examples = Examples::new(api);
        let value = examples.of(t, "test");
        (value.to_json(), examples.warnings().to_vec())
    }

    fn one(t: Ty) -> serde_json::Value {
        let empty = api(Vec::new());
        let (value, warnings) = example(&empty, &t);
        assert!(warnings.is_empty(), "{warnings:?}");
        value
    }

    /// Every primitive in its wire format.
    #[test]
    fn primitives() {
        let all: Vec<serde_json::Value> =
            Primitive::ALL.iter().map(|(_, p)| one(prim(*p))).collect();
        assert_eq!(
            serde_json::Value::from(all),
            serde_json::json!([
                "example",
                true,
                1,
                1,
                1.0,
                "1",
                UUID,
                "user@example.com",
                "https://example.com/",
                "2025-01-01",
                "2025-01-01T12:00:00Z",
                "PT1H30M",
                "ZXhhbXBsZQ==",
                {}
            ])
        );
    }

    /// `@len` cuts or pads; `@format` gives a well-formed value of that length.
    #[test]
    fn lengths_and_formats() {
        let len = |min: i64, max: Option<i64>| {
            refined(prim(Primitive::String), |r| {
                r.len = Some(bounds(
                    Some(Number::Int(min)),
                    false,
                    max.map(Number::Int),
                    false,
                ))
            })
        };
        assert_eq!(one(len(1, Some(3))), "exa");
        assert_eq!(one(len(10, None)), "exampleexa");
        assert_eq!(one(len(0, Some(0))), "");
        let format = |f: Format, min: i64, max: Option<i64>| {
            refined(prim(Primitive::String), |r| {
                r.format = Some(f);
                r.len = Some(bounds(
                    Some(Number::Int(min)),
                    false,
                    max.map(Number::Int),
                    false,
                ));
            })
        };
        assert_eq!(one(format(Format::Email, 0, Some(254))), "user@example.com");
        assert_eq!(one(format(Format::Email, 0, Some(8))), "a@b.co");
        let long = one(format(Format::Email, 40, Some(50)));
        assert_eq!(long.as_str().map(str::len), Some(40));
        assert_eq!(one(format(Format::Url, 0, None)), "https://example.com/");
        assert_eq!(one(format(Format::Hostname, 0, None)), "example.com");
        assert_eq!(one(format(Format::Ip, 0, None)), "192.0.2.1");
        assert_eq!(one(format(Format::Ip, 0, Some(4))), "::1");
        assert_eq!(one(format(Format::Uuid, 0, None)), UUID);
        let host = one(format(Format::Hostname, 100, Some(100)));
        assert_eq!(host.as_str().map(str::len), Some(100));
    }

    /// Numbers lie inside their ranges, exclusive ends excluded.
    #[test]
    fn ranges() {
        let int = |b: Bounds| refined(prim(Primitive::Int32), |r| r.range = Some(b));
        let float = |b: Bounds| refined(prim(Primitive::Float64), |r| r.range = Some(b));
        let decimal = |b: Bounds| refined(prim(Primitive::Decimal), |r| r.range = Some(b));
        let i = |n| Some(Number::Int(n));
        assert_eq!(one(int(bounds(i(0), false, i(100), false))), 1);
        assert_eq!(one(int(bounds(i(1), true, None, false))), 2);
        assert_eq!(one(int(bounds(None, false, i(0), true))), -1);
        assert_eq!(one(int(bounds(i(1000), false, None, false))), 1000);
        assert_eq!(one(int(bounds(i(-5), false, i(-2), false))), -2);
        assert_eq!(one(float(bounds(i(0), true, i(1), false))), 1.0);
        assert_eq!(one(float(bounds(i(0), true, i(1), true))), 0.5);
        assert_eq!(one(float(bounds(i(5), true, None, false))), 6.0);
        assert_eq!(
            one(float(bounds(
                Some(Number::Float(0.25)),
                false,
                Some(Number::Float(0.5)),
                false
            ))),
            0.375
        );
        assert_eq!(one(decimal(bounds(i(10), false, i(20), true))), "15");
        assert_eq!(one(decimal(bounds(i(0), true, i(1), true))), "0.5");
    }

    /// `@items` gives lists and maps as many items as it demands; maps'
    /// keys follow the map's own refinements, each distinct.
    #[test]
    fn items() {
        let string = prim(Primitive::String);
        let items = |min: i64, max: Option<i64>| {
            Some(bounds(
                Some(Number::Int(min)),
                false,
                max.map(Number::Int),
                false,
            ))
        };
        assert_eq!(one(list(string.clone())), serde_json::json!(["example"]));
        assert_eq!(
            one(refined(list(string.clone()), |r| r.items = items(3, None))),
            serde_json::json!(["example", "example", "example"])
        );
        assert_eq!(
            one(refined(list(string.clone()), |r| r.items = items(0, Some(0)))),
            serde_json::json!([])
        );
        let map = ty(TyKind::Map(Box::new(prim(Primitive::Int32))));
        assert_eq!(one(map.clone()), serde_json::json!({}));
        assert_eq!(
            one(refined(map.clone(), |r| r.items = items(2, None))),
            serde_json::json!({"example": 1, "example1": 1})
        );
        assert_eq!(
            one(refined(map, |r| {
                r.items = items(3, None);
                r.pattern = Some("[a-z]{2}".into());
            })),
            serde_json::json!({"aa": 1, "ba": 1, "ca": 1})
        );
    }

    /// Patterns are matched, with `@len`; where both cannot hold, the
    /// pattern wins and a warning says so.
    #[test]
    fn patterns() {
        let pattern = |p: &str, len: Option<Bounds>| {
            refined(prim(Primitive::String), |r| {
                r.pattern = Some(p.into());
                r.len = len;
            })
        };
        let len = |min, max| {
            Some(bounds(
                Some(Number::Int(min)),
                false,
                Some(Number::Int(max)),
                false,
            ))
        };
        assert_eq!(one(pattern("[a-z0-9_]+", len(3, 30))), "aaa");
        assert_eq!(one(pattern("\\d{5}", None)), "00000");
        let empty = api(Vec::new());
        let (value, warnings) = example(&empty, &pattern("[0-9]{4}", len(5, 8)));
        assert_eq!(value, "0000");
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].contains("cannot both hold"), "{warnings:?}");
    }

    /// Enums give their first value, unions their first variant (tagged:
    /// with the tag); optional and nullable fields are present, constants
    /// hold their constant, declared examples win.
    #[test]
    fn records_enums_and_unions() {
        let mut nullable = prim(Primitive::String);
        nullable.nullable = true;
        let mut optional = field("nickname", prim(Primitive::String));
        optional.optional = true;
        let mut described = field("handle", prim(Primitive::String));
        described.example = Some(Value::String("ada".into()));
        let mut slug = def(
            "Slug",
            TypeDefKind::Alias {
                target: refined(prim(Primitive::String), |r| {
                    r.pattern = Some("[a-z-]+".into())
                }),
            },
        );
        slug.example = Some(Value::String("my-post".into()));
        let types = vec![
            def(
                "Role",
                TypeDefKind::Enum {
                    values: ["admin", "member"]
                        .iter()
                        .map(|n| EnumValue {
                            name: n.to_string(),
                            doc: None,
                            deprecated: false,
                        })
                        .collect(),
                },
            ),
            record(
                "Card",
                vec![field(
                    "last4",
                    refined(prim(Primitive::String), |r| {
                        r.pattern = Some("[0-9]{4}".into())
                    }),
                )],
            ),
            record("Bank", vec![field("iban", prim(Primitive::String))]),
            def(
                "Method",
                TypeDefKind::Union {
                    tag: Some("kind".into()),
                    variants: ["card", "bank"]
                        .iter()
                        .map(|n| Variant {
                            name: n.to_string(),
                            doc: None,
                            ty: named(if *n == "card" { "Card" } else { "Bank" }),
                        })
                        .collect(),
                },
            ),
            slug,
            record(
                "User",
                vec![
                    field("object", ty(TyKind::Const("user".into()))),
                    described,
                    optional,
                    field("bio", nullable),
                    field("role", named("Role")),
                    field("method", named("Method")),
                    field("slug", named("Slug")),
                    field(
                        "short_slug",
                        refined(named("Slug"), |r| {
                            r.len = Some(bounds(Some(Number::Int(2)), false, None, false))
                        }),
                    ),
                ],
            ),
        ];
        let api = api(types);
        let (value, warnings) = example(&api, &named("User"));
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(
            value,
            serde_json::json!({
                "object": "user",
                "handle": "ada",
                "nickname": "example",
                "bio": "example",
                "role": "admin",
                "method": {"kind": "card", "last4": "0000"},
                "slug": "my-post",
                "short_slug": "aa",
            })
        );
    }

    /// Recursion ends at the first field of a loop that may be absent,
    /// `null` or empty, through records, lists and unions.
    #[test]
    fn recursion_ends() {
        let mut parent = field("parent", named("Comment"));
        parent.optional = true;
        let mut up = named("Folder");
        up.nullable = true;
        let types = vec![
            record(
                "Comment",
                vec![
                    field("text", prim(Primitive::String)),
                    field("replies", list(named("Comment"))),
                    parent,
                ],
            ),
            record(
                "Folder",
                vec![
                    field("up", up),
                    field("children", ty(TyKind::Map(Box::new(named("Folder"))))),
                    field("files", list(named("File"))),
                ],
            ),
            record("File", vec![field("folder", named("Folder"))]),
            def(
                "Expr",
                TypeDefKind::Union {
                    tag: Some("op".into()),
                    variants: vec![
                        Variant {
                            name: "add".into(),
                            doc: None,
                            ty: named("Add"),
                        },
                        Variant {
                            name: "num".into(),
                            doc: None,
                            ty: named("Num"),
                        },
                    ],
                },
            ),
            record(
                "Add",
                vec![field("left", named("Expr")), field("right", named("Expr"))],
            ),
            record("Num", vec![field("value", prim(Primitive::Int64))]),
        ];
        let api = api(types);
        let (comment, warnings) = example(&api, &named("Comment"));
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(
            comment,
            serde_json::json!({"text": "example", "replies": []})
        );
        let (folder, _) = example(&api, &named("Folder"));
        assert_eq!(
            folder,
            serde_json::json!({"up": null, "children": {}, "files": []})
        );
        let (expr, _) = example(&api, &named("Expr"));
        assert_eq!(expr, serde_json::json!({"op": "num", "value": 1}));
        let (add, _) = example(&api, &named("Add"));
        assert_eq!(
            add,
            serde_json::json!({"left": {"op": "num", "value": 1}, "right": {"op": "num", "value": 1}})
        );
    }
}
