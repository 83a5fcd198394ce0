//! Spec types as Python: annotations, decoder and encoder expressions,
//! default values, literals and docstrings.
//!
//! Every expression is relative to a module: `prefix` is `""` inside
//! `models.py` and `"_m."` where models are imported as `_m`.

use std::collections::{BTreeMap, HashMap};

use gatic_ir::{Api, Primitive, Ty, TyKind, TypeDef, TypeDefKind, Value};

/// The Python names of the spec's types and enum members.
pub struct Types<'a> {
    /// The API's types by name.
    defs: HashMap<&'a str, &'a TypeDef>,
    /// Spec type or error name → Python class name.
    pub classes: BTreeMap<String, String>,
    /// (enum, value) → member name.
    pub members: BTreeMap<(String, String), String>,
}

/// A named type with aliases followed: what a use of it really is.
enum Resolved<'a> {
    Def(&'a TypeDef),
    Other(&'a Ty),
}

impl<'a> Types<'a> {
    /// Types for `api`; fill `classes` and `members` before use.
    pub fn new(api: &'a Api) -> Types<'a> {
        Types {
            defs: api.types.iter().map(|t| (t.name.as_str(), t)).collect(),
            classes: BTreeMap::new(),
            members: BTreeMap::new(),
        }
    }

    /// The type named `name`.
    pub fn def(&self, name: &str) -> Option<&'a TypeDef> {
        self.defs.get(name).copied()
    }

    fn class(&self, name: &str) -> String {
        self.classes
            .get(name)
            .cloned()
            .unwrap_or_else(|| name.to_string())
    }

    /// Follows aliases from a named type to a record, enum or union, or to
    /// the aliased type use (whose own nullability then also applies).
    fn resolve(&self, name: &str) -> Option<Resolved<'a>> {
        let def = self.def(name)?;
        Some(match &def.kind {
            TypeDefKind::Alias { target } => Resolved::Other(target),
            _ => Resolved::Def(def),
        })
    }

    /// The Python annotation of `ty`.
    pub fn annotation(&self, ty: &Ty, prefix: &str) -> String {
        let base = self.annotation_non_null(ty, prefix);
        if ty.nullable {
            format!("_t.Optional[{base}]")
        } else {
            base
        }
    }

    /// The annotation of `ty` ignoring its own `| null`.
    pub fn annotation_non_null(&self, ty: &Ty, prefix: &str) -> String {
        match &ty.kind {
            TyKind::Primitive(p) => primitive_annotation(*p).to_string(),
            TyKind::Named(name) => {
                let class = self.class(name);
                match self.def(name).map(|d| &d.kind) {
                    Some(TypeDefKind::Enum { .. }) => format!("_t.Union[{prefix}{class}, str]"),
                    _ => format!("{prefix}{class}"),
                }
            }
            TyKind::List(item) => format!("_t.List[{}]", self.annotation(item, prefix)),
            TyKind::Map(value) => format!("_t.Dict[str, {}]", self.annotation(value, prefix)),
            TyKind::Const(value) => format!("_t.Literal[{}]", string(value)),
        }
    }

    /// A decoder (`Callable[[object, str], T]`) for `ty`.
    pub fn decoder(&self, ty: &Ty, prefix: &str) -> String {
        let base = self.decoder_non_null(ty, prefix);
        if ty.nullable {
            format!("_rt.decode_nullable({base})")
        } else {
            base
        }
    }

    /// A decoder for `ty` ignoring its own `| null`.
    pub fn decoder_non_null(&self, ty: &Ty, prefix: &str) -> String {
        match &ty.kind {
            TyKind::Primitive(p) => format!("_rt.{}", primitive_decoder(*p)),
            TyKind::Named(name) => match self.resolve(name) {
                Some(Resolved::Other(target)) => self.decoder(target, prefix),
                Some(Resolved::Def(def)) if matches!(def.kind, TypeDefKind::Enum { .. }) => {
                    format!("_rt.decode_enum({prefix}{})", self.class(name))
                }
                _ => format!("{prefix}{}.from_json", self.class(name)),
            },
            TyKind::List(item) => format!("_rt.decode_list({})", self.decoder(item, prefix)),
            TyKind::Map(value) => format!("_rt.decode_map({})", self.decoder(value, prefix)),
            // The runtime has no decoder of one exact string, so the string
            // decoder stands in, typed as the literal: a response's member
            // that is not a string still raises `DecodeError`, while another
            // string is kept as it came (as an enum keeps a value it does
            // not know).
            TyKind::Const(_) => format!(
                "_t.cast(_rt.Decoder[{}], _rt.decode_str)",
                self.annotation_non_null(ty, prefix)
            ),
        }
    }

    /// A decoder for `ty` read from a response header's text, ignoring its
    /// `| null` (an absent header is `None`). Numbers and booleans are
    /// parsed from their text; every other scalar is written as its JSON
    /// string, so the JSON decoder reads it. Types a header cannot have get
    /// their JSON decoder, which rejects the text at run time.
    pub fn header_decoder(&self, ty: &Ty, prefix: &str) -> String {
        match &ty.kind {
            TyKind::Primitive(Primitive::Int32 | Primitive::Int64) => "_rt.header_int".into(),
            TyKind::Primitive(Primitive::Float64) => "_rt.header_float".into(),
            TyKind::Primitive(Primitive::Bool) => "_rt.header_bool".into(),
            TyKind::Named(name) => match self.resolve(name) {
                Some(Resolved::Other(target)) => self.header_decoder(target, prefix),
                _ => self.decoder_non_null(ty, prefix),
            },
            _ => self.decoder_non_null(ty, prefix),
        }
    }

    /// An expression turning `value` (of type `ty`) into JSON, or `None` when
    /// the value already is its JSON form. `depth` numbers loop variables.
    pub fn encoder(&self, ty: &Ty, value: &str, depth: usize) -> Option<String> {
        let base = self.encoder_non_null(ty, value, depth)?;
        Some(if ty.nullable {
            format!("None if {value} is None else {base}")
        } else {
            base
        })
    }

    /// [`Types::encoder`] ignoring `ty`'s own `| null`.
    pub fn encoder_non_null(&self, ty: &Ty, value: &str, depth: usize) -> Option<String> {
        match &ty.kind {
            TyKind::Primitive(p) => primitive_encoder(*p).map(|f| format!("_rt.{f}({value})")),
            TyKind::Named(name) => match self.resolve(name) {
                Some(Resolved::Other(target)) => self.encoder(target, value, depth),
                Some(Resolved::Def(def)) if matches!(def.kind, TypeDefKind::Enum { .. }) => {
                    Some(format!("_rt.encode_enum({value})"))
                }
                _ => Some(format!("{value}.to_json()")),
            },
            TyKind::List(item) => {
                let var = format!("v{depth}");
                let inner = self.encoder(item, &var, depth + 1)?;
                Some(format!("[{inner} for {var} in {value}]"))
            }
            TyKind::Map(item) => {
                let (key, var) = (format!("k{depth}"), format!("v{depth}"));
                let inner = self.encoder(item, &var, depth + 1)?;
                Some(format!(
                    "{{{key}: {inner} for {key}, {var} in {value}.items()}}"
                ))
            }
            // The string is its own JSON.
            TyKind::Const(_) => None,
        }
    }

    /// Whether values of `ty` are plain JSON-shaped Python values (`str`,
    /// `int`, lists and dicts of them), so a JSON literal is a valid value.
    fn is_native(&self, ty: &Ty) -> bool {
        match &ty.kind {
            TyKind::Primitive(p) => primitive_encoder(*p).is_none(),
            TyKind::Named(name) => match self.resolve(name) {
                Some(Resolved::Other(target)) => self.is_native(target),
                _ => false,
            },
            TyKind::List(item) | TyKind::Map(item) => self.is_native(item),
            TyKind::Const(_) => true,
        }
    }

    /// The enum a type use names, through aliases.
    fn enum_of(&self, ty: &Ty) -> Option<&'a str> {
        match &ty.kind {
            TyKind::Named(name) => match self.resolve(name)? {
                Resolved::Other(target) => self.enum_of(target),
                Resolved::Def(def) => {
                    matches!(def.kind, TypeDefKind::Enum { .. }).then_some(def.name.as_str())
                }
            },
            _ => None,
        }
    }

    /// A Python expression for the immutable value `value` of type `ty`, or
    /// `None` when the value is mutable (a list, a dict, a record…).
    pub fn scalar_default(&self, ty: &Ty, value: &Value, prefix: &str) -> Option<String> {
        let json = value.to_json();
        if json.is_null() {
            return Some("None".into());
        }
        if json.is_array() || json.is_object() {
            return None;
        }
        if let (Some(owner), Some(text)) = (self.enum_of(ty), json.as_str()) {
            return Some(
                match self.members.get(&(owner.to_string(), text.to_string())) {
                    Some(member) => format!("{prefix}{}.{member}", self.class(owner)),
                    None => literal(&json),
                },
            );
        }
        if self.is_native(ty) {
            return Some(native_literal(ty, &json));
        }
        Some(format!(
            "{}({}, \"\")",
            self.decoder(ty, prefix),
            literal(&json)
        ))
    }

    /// A dataclass field default for `value`: the value itself when it is
    /// immutable, else a `default_factory`.
    pub fn field_default(&self, ty: &Ty, value: &Value, prefix: &str) -> String {
        if let Some(expr) = self.scalar_default(ty, value, prefix) {
            return expr;
        }
        let json = value.to_json();
        let is_list_or_map = matches!(ty.kind, TyKind::List(_) | TyKind::Map(_));
        match &json {
            serde_json::Value::Array(a) if a.is_empty() && is_list_or_map => {
                return "_dc.field(default_factory=list)".into();
            }
            serde_json::Value::Object(o) if o.is_empty() && is_list_or_map => {
                return "_dc.field(default_factory=dict)".into();
            }
            _ if self.is_native(ty) => {
                return format!("_dc.field(default_factory=lambda: {})", literal(&json));
            }
            _ => {}
        }
        format!(
            "_dc.field(default_factory=lambda: {}({}, \"\"))",
            self.decoder(ty, prefix),
            literal(&json)
        )
    }
}

fn primitive_annotation(p: Primitive) -> &'static str {
    match p {
        Primitive::String | Primitive::Email | Primitive::Url | Primitive::Duration => "str",
        Primitive::Bool => "bool",
        Primitive::Int32 | Primitive::Int64 => "int",
        Primitive::Float64 => "float",
        Primitive::Decimal => "_decimal.Decimal",
        Primitive::Uuid => "_uuid.UUID",
        Primitive::Date => "_dt.date",
        Primitive::Datetime => "_dt.datetime",
        Primitive::Bytes => "bytes",
        Primitive::Any => "_t.Any",
    }
}

fn primitive_decoder(p: Primitive) -> &'static str {
    match p {
        Primitive::String | Primitive::Email | Primitive::Url | Primitive::Duration => "decode_str",
        Primitive::Bool => "decode_bool",
        Primitive::Int32 | Primitive::Int64 => "decode_int",
        Primitive::Float64 => "decode_float",
        Primitive::Decimal => "decode_decimal",
        Primitive::Uuid => "decode_uuid",
        Primitive::Date => "decode_date",
        Primitive::Datetime => "decode_datetime",
        Primitive::Bytes => "decode_bytes",
        Primitive::Any => "decode_any",
    }
}

/// The runtime function encoding a primitive, `None` when its Python value
/// is already its JSON value.
fn primitive_encoder(p: Primitive) -> Option<&'static str> {
    match p {
        Primitive::Decimal => Some("encode_decimal"),
        Primitive::Uuid => Some("encode_uuid"),
        Primitive::Date => Some("encode_date"),
        Primitive::Datetime => Some("encode_datetime"),
        Primitive::Bytes => Some("encode_bytes"),
        _ => None,
    }
}

/// A JSON literal for a native type, with integers written as floats where
/// the type is `float64` (`3.0`).
fn native_literal(ty: &Ty, json: &serde_json::Value) -> String {
    match (&ty.kind, json) {
        (TyKind::Primitive(Primitive::Float64), serde_json::Value::Number(n))
            if n.is_i64() || n.is_u64() =>
        {
            format!("{}.0", n)
        }
        _ => literal(json),
    }
}

/// A Python literal for a JSON value.
pub fn literal(json: &serde_json::Value) -> String {
    match json {
        serde_json::Value::Null => "None".into(),
        serde_json::Value::Bool(true) => "True".into(),
        serde_json::Value::Bool(false) => "False".into(),
        serde_json::Value::Number(n) => n.to_string(),
        // JSON's string escapes (`\"`, `\\`, `\n`, `\u0001`) are valid Python.
        serde_json::Value::String(_) => json.to_string(),
        serde_json::Value::Array(items) => {
            let items: Vec<String> = items.iter().map(literal).collect();
            format!("[{}]", items.join(", "))
        }
        serde_json::Value::Object(members) => {
            let members: Vec<String> = members
                .iter()
                .map(|(k, v)| format!("{}: {}", string(k), literal(v)))
                .collect();
            format!("{{{}}}", members.join(", "))
        }
    }
}

/// A Python string literal.
pub fn string(text: &str) -> String {
    serde_json::Value::String(text.to_string()).to_string()
}

/// A docstring literal for `text`, its continuation lines indented by
/// `indent`. Backslashes and triple quotes in the text are escaped.
pub fn docstring(text: &str, indent: &str) -> String {
    let lines: Vec<String> = text
        .trim()
        .lines()
        .map(|l| {
            l.trim_end()
                .replace('\\', "\\\\")
                .replace("\"\"\"", "\\\"\\\"\\\"")
        })
        .collect();
    let mut out = String::from("\"\"\"");
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            out.push('\n');
            if !line.is_empty() {
                out.push_str(indent);
            }
        }
        out.push_str(line);
    }
    if lines.len() > 1 {
        out.push('\n');
        out.push_str(indent);
    } else if out.ends_with('"') {
        out.pop();
        out.push_str("\\\"");
    }
    out.push_str("\"\"\"");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docstrings_escape_and_indent() {
        assert_eq!(docstring("One line.", "    "), "\"\"\"One line.\"\"\"");
        assert_eq!(docstring("Say \"hi\"", ""), "\"\"\"Say \"hi\\\"\"\"\"");
        assert_eq!(
            docstring("First.\n\nSecond \\ \"\"\".", "    "),
            "\"\"\"First.\n\n    Second \\\\ \\\"\\\"\\\".\n    \"\"\""
        );
    }

    #[test]
    fn constants_are_literals_that_default_to_their_value() {
        let api = Api::default();
        let types = Types::new(&api);
        let ty = Ty {
            kind: TyKind::Const("charge".into()),
            nullable: false,
            refinements: Default::default(),
        };
        assert_eq!(types.annotation(&ty, "_m."), "_t.Literal[\"charge\"]");
        assert_eq!(
            types.decoder(&ty, ""),
            "_t.cast(_rt.Decoder[_t.Literal[\"charge\"]], _rt.decode_str)"
        );
        assert_eq!(types.encoder(&ty, "self.object_", 0), None);
        let value = Value::String("charge".into());
        assert_eq!(types.field_default(&ty, &value, ""), "\"charge\"");
    }

    #[test]
    fn literals_are_python() {
        let json = serde_json::json!({"a": [1, true, null, "x\"y"]});
        assert_eq!(literal(&json), "{\"a\": [1, True, None, \"x\\\"y\"]}");
    }
}
