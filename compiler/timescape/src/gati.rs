//! What Timescape adds to the IR's printer ([`gatic_ir::display`]): the
//! value a suggested `default` starts from.

use gatic_ir::{Primitive, Ty, TyKind, Value};

/// A value of type `t` to put in a suggested `default`, when an obvious one
/// exists (`""`, `0`, `false`, `[]`, `null`); `None` when only the author
/// can choose one (the suggestion then says `default …`).
pub fn placeholder(t: &Ty) -> Option<Value> {
    if t.nullable {
        return Some(Value::Null);
    }
    match &t.kind {
        TyKind::Primitive(Primitive::String) if t.refinements.is_empty() => {
            Some(Value::String(String::new()))
        }
        TyKind::Primitive(Primitive::Bool) => Some(Value::Bool(false)),
        TyKind::Primitive(Primitive::Int32 | Primitive::Int64 | Primitive::Float64)
            if t.refinements.range.is_none_or(|b| b.contains(0.0)) =>
        {
            Some(Value::Int(0))
        }
        TyKind::List(_) if t.refinements.items.is_none_or(|b| b.contains(0.0)) => {
            Some(Value::List(Vec::new()))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use gatic_check::{MemoryLoader, compile};
    use gatic_ir::{Api, Ty, TypeDefKind};

    use gatic_ir::display::ty_in;

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
