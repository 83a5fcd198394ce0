//! Constant fields (`object: "charge"`): one zero-sized type per distinct
//! constant, in the `consts` module of `types.rs`.
//!
//! A field whose type is a string literal holds that string and nothing
//! else, so its Rust type holds nothing at all: a unit struct
//! (`consts::Charge`) that serializes as the string and decodes only from
//! it (through `runtime::decode_constant`), and is `Default`, so that a
//! request may leave the member out. Handlers cannot get the value wrong,
//! and writing it costs one `serialize_str` of a literal.
//!
//! The types are shared by every version of the API (a constant is the same
//! value at every version), so they are collected from the head and from
//! every old version, and old versions' types name them by their full path.

use std::collections::{BTreeMap, BTreeSet};

use gatic_ir::{Spec, Ty, TyKind, TypeDefKind, Value, ident};
use proc_macro2::{Ident, TokenStream};
use quote::quote;

use crate::context::ident as rust_ident;

/// Every constant of a spec with the name of its type.
#[derive(Debug, Default)]
pub(crate) struct Consts {
    /// Each constant's type name, by constant.
    names: BTreeMap<String, String>,
}

impl Consts {
    /// The constants of every version of `spec`: the types of the fields of
    /// its records and error payloads.
    pub fn of(spec: &Spec) -> Consts {
        let mut values = BTreeSet::new();
        let mut add = |ty: &Ty| {
            if let TyKind::Const(value) = &ty.kind {
                values.insert(value.clone());
            }
        };
        let apis = std::iter::once(&spec.head).chain(spec.versions.iter().map(|v| &v.api));
        for api in apis {
            for def in &api.types {
                if let TypeDefKind::Record { fields } = &def.kind {
                    fields.iter().for_each(|f| add(&f.ty));
                }
            }
            for error in &api.errors {
                error.fields.iter().for_each(|f| add(&f.ty));
            }
        }
        Consts {
            names: names(values),
        }
    }

    /// Whether the spec has no constant field.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The type of constant `value` (one [`Consts::of`] collected).
    pub fn ident(&self, value: &str) -> Ident {
        match self.names.get(value) {
            Some(name) => rust_ident(name),
            // Every constant of the spec was collected; naming it anyway
            // keeps this total.
            None => rust_ident(&base_name(value)),
        }
    }

    /// The `consts` module, or nothing when the spec has no constant.
    pub fn module(&self) -> TokenStream {
        if self.names.is_empty() {
            return TokenStream::new();
        }
        // In the order of their names, as a reader looks them up.
        let mut constants: Vec<(&String, &String)> = self.names.iter().collect();
        constants.sort_by_key(|(_, name)| name.as_str());
        let items = constants.into_iter().map(|(value, name)| {
            let id = rust_ident(name);
            let json = json_text(value);
            let doc = format!(" The constant `{json}`: the only value a field of this type holds.");
            let value_doc = format!(" `{json}`.");
            quote! {
                #[doc = #doc]
                ///
                /// It takes no space, serializes as the string, and decodes
                /// from exactly that string only. `Default` gives it, so a
                /// request may leave the field out.
                #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
                pub struct #id;

                impl #id {
                    #[doc = #value_doc]
                    pub const VALUE: &str = #value;

                    #[doc = #value_doc]
                    pub const fn as_str(&self) -> &'static str {
                        #value
                    }
                }

                impl ::std::fmt::Display for #id {
                    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str(#value)
                    }
                }

                impl ::serde::Serialize for #id {
                    fn serialize<S: ::serde::Serializer>(
                        &self,
                        serializer: S,
                    ) -> ::std::result::Result<S::Ok, S::Error> {
                        serializer.serialize_str(#value)
                    }
                }

                impl<'de> ::serde::Deserialize<'de> for #id {
                    fn deserialize<D: ::serde::Deserializer<'de>>(
                        deserializer: D,
                    ) -> ::std::result::Result<Self, D::Error> {
                        crate::runtime::decode_constant(deserializer, #value).map(|()| #id)
                    }
                }
            }
        });
        quote! {
            /// The types of constant fields (`object: "charge"`): one unit
            /// struct per constant, which always holds it.
            pub mod consts {
                #(#items)*
            }
        }
    }
}

/// A constant as JSON text (`"charge"`), for docs.
pub(crate) fn json_text(value: &str) -> String {
    Value::String(value.to_string()).to_json().to_string()
}

/// Type names for `values`, distinct and deterministic: each constant's
/// [`base_name`], and where several constants share one, the first in
/// order keeps it and each other gets the smallest number from 2 that makes
/// a name no other constant has or is based on (after an `_` when the name
/// ends in a digit: `V1_0_2`). The order puts constants in `snake_case`
/// (`payment_intent`) first, then those without capitals (`v1.0`), then the
/// rest, each group by its bytes.
fn names(values: BTreeSet<String>) -> BTreeMap<String, String> {
    let bases: BTreeMap<&str, String> = values.iter().map(|v| (v.as_str(), base_name(v))).collect();
    let reserved: BTreeSet<&str> = bases.values().map(String::as_str).collect();
    let mut order: Vec<&str> = values.iter().map(String::as_str).collect();
    order.sort_by_key(|v| (!is_snake(v), v.chars().any(char::is_uppercase), *v));
    let mut taken: BTreeSet<String> = BTreeSet::new();
    let mut names = BTreeMap::new();
    for value in order {
        let base = &bases[value];
        let name = if taken.contains(base) {
            let separator = if base.ends_with(|c: char| c.is_ascii_digit()) {
                "_"
            } else {
                ""
            };
            (2..)
                .map(|n| format!("{base}{separator}{n}"))
                .find(|name| !taken.contains(name) && !reserved.contains(name.as_str()))
                .unwrap_or_else(|| base.clone())
        } else {
            base.clone()
        };
        taken.insert(name.clone());
        names.insert(value.to_string(), name);
    }
    names
}

/// Whether `value` is in `snake_case` already (`payment_intent`, `v2`).
fn is_snake(value: &str) -> bool {
    !value.is_empty() && value.is_ascii() && ident::snake(value) == value
}

/// The PascalCase type name of a constant, from its ASCII letters and
/// digits: `payment_intent` is `PaymentIntent`, `v1.0` is `V1_0` (digits
/// on both sides of a break keep an underscore between them), `2fa` is
/// `Value2fa` (a name cannot start with a digit), the empty string and one
/// with no ASCII letter or digit `Empty`, and `self` is `SelfValue`.
pub(crate) fn base_name(value: &str) -> String {
    let mut name = String::new();
    for word in ident::words(value) {
        let word: String = word.chars().filter(char::is_ascii_alphanumeric).collect();
        let Some(first) = word.chars().next() else {
            continue;
        };
        if first.is_ascii_digit() && name.ends_with(|c: char| c.is_ascii_digit()) {
            name.push('_');
        }
        name.push(first.to_ascii_uppercase());
        name.push_str(&word[1..]);
    }
    if name.is_empty() {
        return "Empty".to_string();
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert_str(0, "Value");
    }
    if ident::RUST_KEYWORDS.contains(&name.as_str()) {
        name.push_str("Value");
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_names() {
        for (value, name) in [
            ("charge", "Charge"),
            ("payment_intent", "PaymentIntent"),
            ("paymentIntent", "PaymentIntent"),
            ("list", "List"),
            ("v1.0", "V1_0"),
            ("v10", "V10"),
            ("1.2.3", "Value1_2_3"),
            ("2fa", "Value2fa"),
            ("", "Empty"),
            ("...", "Empty"),
            ("café au lait", "CafAuLait"),
            ("日本", "Empty"),
            ("self", "SelfValue"),
            ("Self", "SelfValue"),
            ("HTTPServer", "HttpServer"),
            ("a b-c", "ABC"),
        ] {
            assert_eq!(base_name(value), name, "{value:?}");
        }
    }

    #[test]
    fn names_never_collide() {
        let values: BTreeSet<String> = [
            "payment_intent",
            "PaymentIntent",
            "payment-intent",
            "PaymentIntent2",
            "",
            "日本",
            "list",
            "V1.0",
            "v1.0",
        ]
        .map(String::from)
        .into();
        let names = names(values.clone());
        let expect = [
            ("payment_intent", "PaymentIntent"),
            ("list", "List"),
            ("", "Empty"),
            ("日本", "Empty2"),
            ("v1.0", "V1_0"),
            ("V1.0", "V1_0_2"),
            ("payment-intent", "PaymentIntent3"),
            ("PaymentIntent", "PaymentIntent4"),
            ("PaymentIntent2", "PaymentIntent2"),
        ];
        for (value, name) in expect {
            assert_eq!(names[value], name, "{value:?}");
        }
        let distinct: BTreeSet<&String> = names.values().collect();
        assert_eq!(distinct.len(), values.len());
        // The same input, the same names.
        assert_eq!(names, super::names(values));
    }
}
