//! `types.rs`: records, enums, unions, aliases and error payloads with serde.

use gatic_ir::{Field, Primitive, Ty, TyKind, TypeDef, TypeDefKind, UnknownFields, Value, ident};
use proc_macro2::TokenStream;
use quote::quote;

use crate::context::{
    Context, Scope, docs, float_expr, int_expr, is_wire, needs_rename, type_ident, value_ident,
};

/// The items of `types.rs`, without the file's header.
pub(crate) fn generate(cx: &Context) -> TokenStream {
    let items = items(cx, |_| true);
    // Old versions' types name the head's constant types too.
    let consts = cx.consts().module();
    quote! {
        //! The API's types: records, enums, unions, aliases and error payloads.
        #items
        #consts
    }
}

/// The definitions of the types and errors `keep` accepts, with the serde
/// helpers they use.
pub(crate) fn items(cx: &Context, keep: impl Fn(&str) -> bool) -> TokenStream {
    let mut helpers = Helpers::default();
    let mut items = Vec::new();
    for def in cx.api.types.iter().filter(|d| keep(&d.name)) {
        items.push(type_def(cx, def, &mut helpers));
    }
    for error in cx.api.errors.iter().filter(|e| keep(&e.name)) {
        let name = type_ident(&error.name);
        let doc = docs(error.doc.as_deref(), false, || {
            format!(
                "The payload of the `{}` error ({}).",
                error.name, error.status
            )
        });
        // Error payloads are responses only, which stay tolerant.
        items.push(record(
            cx,
            &error.name,
            &name,
            doc,
            &error.fields,
            UnknownFields::Ignore,
            &mut helpers,
        ));
    }
    let helpers = helpers.items();
    quote! {
        #(#items)*
        #helpers
    }
}

/// Which deserialization helpers the fields use.
#[derive(Default)]
struct Helpers {
    nullable: bool,
    double_option: bool,
    present: bool,
    object: bool,
}

impl Helpers {
    fn items(&self) -> TokenStream {
        let mut items = TokenStream::new();
        if self.nullable {
            items.extend(quote! {
                /// Deserializes a field that must be present but may be `null`
                /// (serde would otherwise take a missing `Option` for `None`).
                fn nullable<'de, D, T>(
                    deserializer: D,
                ) -> ::std::result::Result<::std::option::Option<T>, D::Error>
                where
                    D: ::serde::Deserializer<'de>,
                    T: ::serde::Deserialize<'de>,
                {
                    <::std::option::Option<T> as ::serde::Deserialize>::deserialize(deserializer)
                }
            });
        }
        if self.present {
            items.extend(quote! {
                /// Deserializes a field that may be absent but is never `null`
                /// (serde would otherwise take `null` for `None`).
                fn present<'de, D, T>(
                    deserializer: D,
                ) -> ::std::result::Result<::std::option::Option<T>, D::Error>
                where
                    D: ::serde::Deserializer<'de>,
                    T: ::serde::Deserialize<'de>,
                {
                    T::deserialize(deserializer).map(::std::option::Option::Some)
                }
            });
        }
        if self.object {
            items.extend(quote! {
                /// A record decoded from the map of a JSON object (`Record::deserialize`,
                /// which `#[serde(remote = "Self")]` generates).
                trait FromObject: ::std::marker::Sized {
                    /// Decodes the record from an object's entries.
                    fn from_object<'de, A: ::serde::de::MapAccess<'de>>(
                        map: A,
                    ) -> ::std::result::Result<Self, A::Error>;
                }

                /// Decodes a record from a JSON object only: serde's derive would
                /// also take an array of the fields in order, which is not the
                /// API's JSON.
                struct ObjectOnly<T>(::std::marker::PhantomData<T>);

                impl<'de, T: FromObject> ::serde::de::Visitor<'de> for ObjectOnly<T> {
                    type Value = T;

                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str("a JSON object")
                    }

                    fn visit_map<A: ::serde::de::MapAccess<'de>>(
                        self,
                        map: A,
                    ) -> ::std::result::Result<T, A::Error> {
                        T::from_object(map)
                    }
                }
            });
        }
        if self.double_option {
            items.extend(quote! {
                /// Deserializes a field that may be absent (outer `None`) or `null`
                /// (`Some(None)`).
                fn double_option<'de, D, T>(
                    deserializer: D,
                ) -> ::std::result::Result<
                    ::std::option::Option<::std::option::Option<T>>,
                    D::Error,
                >
                where
                    D: ::serde::Deserializer<'de>,
                    T: ::serde::Deserialize<'de>,
                {
                    <::std::option::Option<T> as ::serde::Deserialize>::deserialize(deserializer)
                        .map(::std::option::Option::Some)
                }
            });
        }
        items
    }
}

/// The item of one named type: its kind decides which Rust item it becomes.
fn type_def(cx: &Context, def: &TypeDef, helpers: &mut Helpers) -> TokenStream {
    let name = type_ident(&def.name);
    match &def.kind {
        TypeDefKind::Record { fields } => record_def(cx, def, &name, fields, helpers),
        TypeDefKind::Enum { values } => enum_def(def, &name, values),
        TypeDefKind::Union { tag, variants } => union_def(cx, def, &name, tag.as_deref(), variants),
        TypeDefKind::Alias { target } => {
            let doc = docs(def.doc.as_deref(), def.deprecated, || {
                format!("The `{}` type.", def.name)
            });
            let ty = cx.ty(target, Scope::Types);
            quote! {
                #doc
                pub type #name = #ty;
            }
        }
    }
}

/// A named record's struct. Its doc says where an instantiated generic
/// record comes from, as the OpenAPI schema does; the rest is [`record`]'s.
fn record_def(
    cx: &Context,
    def: &TypeDef,
    name: &proc_macro2::Ident,
    fields: &[Field],
    helpers: &mut Helpers,
) -> TokenStream {
    let mut doc = docs(def.doc.as_deref(), def.deprecated, || {
        format!("The `{}` record.", def.name)
    });
    if let Some(instance) = &def.instance {
        let args: Vec<String> = instance.args.iter().map(gatic_ir::display::ty).collect();
        let note = format!(
            " Instantiated from the generic record `{}` as `{}<{}>`.",
            instance.generic,
            instance.generic,
            args.join(", ")
        );
        doc.extend(quote!(#[doc = ""] #[doc = #note]));
    }
    record(
        cx,
        &def.name,
        name,
        doc,
        fields,
        def.unknown_fields,
        helpers,
    )
}

/// An enum's Rust enum, with serde names for values that are not valid
/// variant names as written, and `FromParam` so that parameters parse it by
/// the same names (any other text is refused with the list of values).
fn enum_def(
    def: &TypeDef,
    name: &proc_macro2::Ident,
    values: &[gatic_ir::EnumValue],
) -> TokenStream {
    let doc = docs(def.doc.as_deref(), def.deprecated, || {
        format!("The `{}` enum.", def.name)
    });
    let variants = values.iter().map(|v| {
        let variant = type_ident(&v.name);
        let doc = docs(v.doc.as_deref(), v.deprecated, || {
            format!("The `{}` value.", v.name)
        });
        let wire = &v.name;
        let rename = needs_rename(&variant, wire).then(|| quote!(#[serde(rename = #wire)]));
        quote!(#doc #rename #variant,)
    });
    let arms = values.iter().map(|v| {
        let variant = type_ident(&v.name);
        let wire = &v.name;
        quote!(#wire => ::std::result::Result::Ok(#name::#variant),)
    });
    let expected = format!(
        "expected one of: {}",
        values
            .iter()
            .map(|v| v.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    quote! {
        #doc
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ::serde::Serialize, ::serde::Deserialize)]
        pub enum #name {
            #(#variants)*
        }

        impl crate::runtime::FromParam for #name {
            fn from_param(text: &str) -> ::std::result::Result<Self, ::std::string::String> {
                match text {
                    #(#arms)*
                    _ => ::std::result::Result::Err(::std::string::String::from(#expected)),
                }
            }
        }
    }
}

/// A union's Rust enum: internally tagged with a `tag`, untagged without
/// one. Variants that need a decoder of their own get it in an `impl`
/// block after the enum (see [`union_variant`]).
fn union_def(
    cx: &Context,
    def: &TypeDef,
    name: &proc_macro2::Ident,
    tag: Option<&str>,
    variants: &[gatic_ir::Variant],
) -> TokenStream {
    let doc = docs(def.doc.as_deref(), def.deprecated, || {
        format!("The `{}` union.", def.name)
    });
    // The lint only compares variants, so one variant needs no allowance.
    let allow = (variants.len() > 1).then(|| {
        quote! {
            #[allow(
                clippy::large_enum_variant,
                reason = "variants mirror the spec; boxing them would change the API"
            )]
        }
    });
    let serde = match tag {
        Some(tag) => quote!(#[serde(tag = #tag)]),
        None => quote!(#[serde(untagged)]),
    };
    let mut decoders = Vec::new();
    let variants: Vec<TokenStream> = variants
        .iter()
        .map(|v| union_variant(cx, def, name, tag.is_some(), v, &mut decoders))
        .collect();
    let decoders = (!decoders.is_empty()).then(|| {
        quote! {
            impl #name {
                #(#decoders)*
            }
        }
    });
    quote! {
        #doc
        #[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
        #serde
        #allow
        pub enum #name {
            #(#variants)*
        }
        #decoders
    }
}

/// One variant of a union. Only a tagged union's variant names reach the
/// wire (untagged ones are told apart by shape), so only they are renamed.
/// A variant that holds a scalar the runtime reads and writes is decoded
/// and encoded by the runtime's functions directly; one that holds a map
/// gets a decoder, pushed onto `decoders`, that rejects a key an object
/// repeats.
fn union_variant(
    cx: &Context,
    def: &TypeDef,
    name: &proc_macro2::Ident,
    tagged: bool,
    v: &gatic_ir::Variant,
    decoders: &mut Vec<TokenStream>,
) -> TokenStream {
    let variant = type_ident(&v.name);
    let doc = docs(v.doc.as_deref(), false, || {
        format!("The `{}` variant.", v.name)
    });
    let wire = &v.name;
    let rename = (tagged && needs_rename(&variant, wire)).then(|| quote!(#[serde(rename = #wire)]));
    let ty = cx.member_ty(&def.name, &v.ty, Scope::Types);
    let boxed = cx.boxed(&def.name, &v.ty);
    let with = match encode_shape(cx, &v.ty, boxed, Scope::Types) {
        Some(shape) => {
            let decode = path_text(&quote!(crate::runtime::decode::<#shape, _>));
            let encode = path_text(&quote!(crate::runtime::encode::<#shape, _>));
            Some(quote!(#[serde(deserialize_with = #decode, serialize_with = #encode)]))
        }
        None => map_shape(cx, &v.ty, boxed, Scope::Types, 0).map(|shape| {
            let function = value_ident(&format!("decode_{}", ident::snake(&v.name)));
            let path = format!("{name}::{function}");
            let fn_doc = format!(" Decodes `{}`, rejecting a key an object repeats.", v.name);
            decoders.push(quote! {
                #[doc = #fn_doc]
                #[allow(clippy::type_complexity, reason = "the variant's own type, spelt out")]
                fn #function<'de, D: ::serde::Deserializer<'de>>(
                    deserializer: D,
                ) -> ::std::result::Result<#ty, D::Error> {
                    crate::runtime::decode::<#shape, D>(deserializer)
                }
            });
            quote!(#[serde(deserialize_with = #path)])
        }),
    };
    quote!(#doc #rename #with #variant(#ty),)
}

/// The record or error payload whose fields are being generated: the
/// context, the owner's name in the spec (for boxing) and its Rust name
/// (for the paths of its associated functions).
struct Owner<'o, 'a> {
    cx: &'o Context<'a>,
    owner: &'o str,
    name: &'o proc_macro2::Ident,
}

/// A struct for a record or an error payload, with its default functions.
/// Under `UnknownFields::Reject` its derived `Deserialize` denies unknown
/// members. Only requests are decoded by the server (it never reads its own
/// responses back), so this is the request side alone; serializing is
/// unaffected, and the runtime answers such a member with a 400 naming it.
fn record(
    cx: &Context,
    owner: &str,
    name: &proc_macro2::Ident,
    doc: TokenStream,
    fields: &[Field],
    unknown_fields: UnknownFields,
    helpers: &mut Helpers,
) -> TokenStream {
    let record = Owner { cx, owner, name };
    let mut members = Vec::new();
    let mut functions = Vec::new();
    for field in fields {
        members.push(record.member(field, helpers, &mut functions));
    }
    let functions = (!functions.is_empty()).then(|| {
        quote! {
            impl #name {
                #(#functions)*
            }
        }
    });
    helpers.object = true;
    let deny = match unknown_fields {
        UnknownFields::Reject => Some(quote!(#[serde(deny_unknown_fields)])),
        UnknownFields::Ignore => None,
    };
    // `remote = "Self"` makes the derives inherent functions; the trait
    // impls below serialize with them and decode only from JSON objects.
    quote! {
        #doc
        #[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
        #[serde(remote = "Self")]
        #deny
        pub struct #name {
            #(#members)*
        }
        #functions
        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                #name::serialize(self, serializer)
            }
        }
        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<Self, D::Error> {
                deserializer.deserialize_map(ObjectOnly::<#name>(::std::marker::PhantomData))
            }
        }
        impl FromObject for #name {
            fn from_object<'de, A: ::serde::de::MapAccess<'de>>(
                map: A,
            ) -> ::std::result::Result<Self, A::Error> {
                #name::deserialize(::serde::de::value::MapAccessDeserializer::new(map))
            }
        }
    }
}

impl Owner<'_, '_> {
    /// One field's member of the struct, with its serde attributes; the
    /// associated functions it needs (its default, its decoder) are pushed
    /// onto `functions`, and the helpers it uses are marked in `helpers`.
    fn member(
        &self,
        field: &Field,
        helpers: &mut Helpers,
        functions: &mut Vec<TokenStream>,
    ) -> TokenStream {
        let cx = self.cx;
        let id = value_ident(&field.name);
        let doc = field_doc(field);
        let mut serde = Vec::new();
        let wire = &field.name;
        if needs_rename(&id, wire) {
            serde.push(quote!(rename = #wire));
        }
        let mut ty = cx.member_ty(self.owner, &field.ty, Scope::Types);
        if matches!(field.ty.kind, TyKind::Const(_)) {
            // The constant's type is its own default: a request may leave
            // the member out.
            serde.push(quote!(default));
        } else if let Some(value) = &field.default {
            serde.push(self.default_attr(field, value, &ty, functions));
        }
        // A field that holds a map or a scalar the runtime reads decodes
        // through the runtime's shapes, so that a JSON object repeating a
        // key is an error and a scalar is read by the runtime's grammar.
        let boxed = cx.boxed(self.owner, &field.ty);
        let shape = map_shape(cx, &field.ty, boxed, Scope::Types, 0);
        let encode = encode_shape(cx, &field.ty, boxed, Scope::Types);
        let optional = field.optional && field.default.is_none();
        if optional {
            serde.push(quote!(default));
            serde.push(quote!(
                skip_serializing_if = "::std::option::Option::is_none"
            ));
            ty = quote!(::std::option::Option<#ty>);
        }
        if shape.is_none() && field.default.is_none() {
            serde.extend(null_handling(optional, field.ty.nullable, helpers));
        }
        if let Some(shape) = encode {
            serde.extend(wire_attrs(&shape, optional));
        } else if let Some(shape) = shape {
            serde.push(self.decoder_attr(field, &shape, &ty, optional, functions));
        }
        if field.write_only {
            serde.push(quote!(skip_serializing));
        }
        let serde = (!serde.is_empty()).then(|| quote!(#[serde(#(#serde),*)]));
        quote! {
            #doc
            #serde
            pub #id: #ty,
        }
    }

    /// The `default = "…"` attribute of a field with a default, whose
    /// function (returning the field's type `ty`) is pushed onto `functions`.
    fn default_attr(
        &self,
        field: &Field,
        value: &Value,
        ty: &TokenStream,
        functions: &mut Vec<TokenStream>,
    ) -> TokenStream {
        let cx = self.cx;
        let function = default_fn(&field.name);
        let path = format!("{}::{function}", self.name);
        let value = default_value(
            cx,
            value,
            &field.ty,
            cx.boxed(self.owner, &field.ty),
            Scope::Types,
        );
        let fn_doc = format!(" The default of `{}`.", field.name);
        functions.push(quote! {
            #[doc = #fn_doc]
            fn #function() -> #ty {
                #value
            }
        });
        quote!(default = #path)
    }

    /// The `deserialize_with` attribute of a field that holds a map: its
    /// decoder, pushed onto `functions`, decodes through `shape` (inside the
    /// `Option` of an optional field, whose Rust type `ty` already is) and so
    /// rejects a key an object repeats.
    fn decoder_attr(
        &self,
        field: &Field,
        shape: &TokenStream,
        ty: &TokenStream,
        optional: bool,
        functions: &mut Vec<TokenStream>,
    ) -> TokenStream {
        let function = value_ident(&format!("decode_{}", field.name));
        let path = format!("{}::{function}", self.name);
        let decode = if optional {
            quote!(crate::runtime::decode_some::<#shape, D>(deserializer))
        } else {
            quote!(crate::runtime::decode::<#shape, D>(deserializer))
        };
        let fn_doc = format!(
            " Decodes `{}`, rejecting a key an object repeats.",
            field.name
        );
        functions.push(quote! {
            #[doc = #fn_doc]
            #[allow(clippy::type_complexity, reason = "the field's own type, spelt out")]
            fn #function<'de, D: ::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<#ty, D::Error> {
                #decode
            }
        });
        quote!(deserialize_with = #path)
    }
}

/// A field's doc: its own (or a stock sentence), then notes for read-only
/// and write-only fields, and the value of a constant field unless its own
/// doc already names it.
fn field_doc(field: &Field) -> TokenStream {
    let mut doc = docs(field.doc.as_deref(), field.deprecated, || {
        format!("The `{}` field.", field.name)
    });
    if field.readonly {
        doc.extend(quote!(#[doc = ""] #[doc = " Read-only: set by the server."]));
    }
    if field.write_only {
        doc.extend(
            quote!(#[doc = ""] #[doc = " Write-only: accepted in requests, never sent back."]),
        );
    }
    if let TyKind::Const(value) = &field.ty.kind {
        let json = crate::consts::json_text(value);
        let named = field.doc.as_deref().is_some_and(|doc| {
            doc.contains(&format!("`{value}`")) || doc.contains(&format!("`{json}`"))
        });
        if !named {
            let always = format!(" Always `{json}`.");
            doc.extend(quote!(#[doc = ""] #[doc = #always]));
        }
    }
    doc
}

/// How a field decoded by serde itself tells `null` from absence: present
/// but `null` is `None` only where the type is nullable, and an optional
/// field's `None` is its absence. Marks the helper it uses in `helpers`.
fn null_handling(optional: bool, nullable: bool, helpers: &mut Helpers) -> Option<TokenStream> {
    match (optional, nullable) {
        (true, true) => {
            helpers.double_option = true;
            Some(quote!(deserialize_with = "double_option"))
        }
        (true, false) => {
            helpers.present = true;
            Some(quote!(deserialize_with = "present"))
        }
        (false, true) => {
            helpers.nullable = true;
            Some(quote!(deserialize_with = "nullable"))
        }
        (false, false) => None,
    }
}

/// The attributes of a field holding a scalar the runtime reads and writes:
/// the runtime's functions for `shape`, directly (their `_some` forms for
/// an optional field).
fn wire_attrs(shape: &TokenStream, optional: bool) -> [TokenStream; 2] {
    let (decode, encode) = if optional {
        (
            quote!(crate::runtime::decode_some::<#shape, _>),
            quote!(crate::runtime::encode_some::<#shape, _>),
        )
    } else {
        (
            quote!(crate::runtime::decode::<#shape, _>),
            quote!(crate::runtime::encode::<#shape, _>),
        )
    };
    let (decode, encode) = (path_text(&decode), path_text(&encode));
    [
        quote!(deserialize_with = #decode),
        quote!(serialize_with = #encode),
    ]
}

/// A path with generic arguments (`crate::runtime::decode::<…, _>`) as the
/// text of a serde attribute: tokens without the spaces `to_string` puts
/// between them, but after commas.
fn path_text(path: &TokenStream) -> String {
    path.to_string()
        .split_whitespace()
        .collect::<String>()
        .replace(',', ", ")
}

/// An expression of `ty`'s Rust type holding `value` (checked against the
/// type by the compiler before generation).
pub(crate) fn default_value(
    cx: &Context,
    value: &Value,
    ty: &Ty,
    boxed: bool,
    scope: Scope,
) -> TokenStream {
    let resolved = cx.resolve(ty);
    if resolved.options > 0 && *value == Value::Null {
        return quote!(::std::option::Option::None);
    }
    let mut expr = kind_value(cx, value, resolved.kind, ty, scope);
    if boxed {
        expr = quote!(::std::boxed::Box::new(#expr));
    }
    for _ in 0..resolved.options {
        expr = quote!(::std::option::Option::Some(#expr));
    }
    expr
}

fn kind_value(cx: &Context, value: &Value, kind: &TyKind, ty: &Ty, scope: Scope) -> TokenStream {
    let json = || json_value(cx, value, ty);
    match (kind, value) {
        (TyKind::Primitive(p), value) => match (p, value) {
            (Primitive::String | Primitive::Email | Primitive::Url, Value::String(s)) => {
                quote!(::std::string::String::from(#s))
            }
            (Primitive::Bool, Value::Bool(b)) => quote!(#b),
            (Primitive::Int32 | Primitive::Int64, Value::Int(i)) => int_expr(*i),
            (Primitive::Float64, Value::Int(i)) => float_expr(*i as f64),
            (Primitive::Float64, Value::Float(f)) => float_expr(*f),
            (Primitive::Any, value) => {
                let text = value.to_json().to_string();
                match text.parse::<TokenStream>() {
                    Ok(tokens) => quote!(::serde_json::json!(#tokens)),
                    Err(_) => json(),
                }
            }
            // The ecosystem's types are parsed by the runtime's grammar.
            (p, Value::String(s)) if is_wire(*p) => {
                let rust = crate::context::primitive(*p);
                quote!(crate::runtime::parse_default::<#rust>(#s))
            }
            (p, Value::String(s)) if p.is_string_like() => {
                let rust = crate::context::primitive(*p);
                quote!(<#rust as ::std::str::FromStr>::from_str(#s).unwrap_or_default())
            }
            _ => json(),
        },
        // The constant's unit struct, whatever the value (the checker
        // allows only the constant itself).
        (TyKind::Const(value), _) => cx.constant(value, scope),
        (TyKind::List(item), Value::List(values)) => {
            if values.is_empty() {
                quote!(::std::vec::Vec::new())
            } else {
                let values = values
                    .iter()
                    .map(|v| default_value(cx, v, item, false, scope));
                quote!(::std::vec![#(#values),*])
            }
        }
        (TyKind::Map(item), Value::Object(entries)) => {
            if entries.is_empty() {
                quote!(::std::collections::BTreeMap::new())
            } else {
                let entries = entries.iter().map(|(k, v)| {
                    let v = default_value(cx, v, item, false, scope);
                    quote!((::std::string::String::from(#k), #v))
                });
                quote!(::std::collections::BTreeMap::from([#(#entries),*]))
            }
        }
        (TyKind::Named(name), Value::Enum(v) | Value::String(v))
            if matches!(cx.def_kind(name), Some(TypeDefKind::Enum { .. })) =>
        {
            let path = cx.named(name, scope);
            let variant = type_ident(v);
            quote!(#path::#variant)
        }
        (TyKind::Named(name), Value::Object(entries)) => match cx.def_kind(name) {
            Some(TypeDefKind::Record { fields }) => {
                let path = cx.named(name, scope);
                let members = fields.iter().map(|field| {
                    let id = value_ident(&field.name);
                    let given = entries.iter().find(|(k, _)| *k == field.name);
                    let boxed = cx.boxed(name, &field.ty);
                    let expr = match (given, &field.default) {
                        (Some((_, v)), _) => {
                            let v = default_value(cx, v, &field.ty, boxed, scope);
                            if field.optional && field.default.is_none() {
                                quote!(::std::option::Option::Some(#v))
                            } else {
                                v
                            }
                        }
                        // A constant field has no default function: its
                        // type is its value.
                        (None, Some(_)) if matches!(field.ty.kind, TyKind::Const(_)) => {
                            cx.ty(&field.ty, scope)
                        }
                        (None, Some(_)) => {
                            let function = default_fn(&field.name);
                            quote!(#path::#function())
                        }
                        (None, None) => quote!(::std::option::Option::None),
                    };
                    quote!(#id: #expr)
                });
                quote!(#path { #(#members),* })
            }
            _ => json(),
        },
        _ => json(),
    }
}

/// The fallback for defaults no direct expression covers: the value's JSON,
/// deserialized (through its shape, when it has one) when the default is
/// first needed.
fn json_value(cx: &Context, value: &Value, ty: &Ty) -> TokenStream {
    let rust = cx.ty(ty, Scope::Crate);
    let text = value.to_json().to_string();
    match map_shape(cx, ty, false, Scope::Crate, 0) {
        Some(shape) => quote!(crate::runtime::decode::<#shape, _>(
            &mut ::serde_json::Deserializer::from_str(#text)
        )
        .expect("gatic checked this default against its type")),
        None => quote!(::serde_json::from_str::<#rust>(#text)
            .expect("gatic checked this default against its type")),
    }
}

/// The associated function that returns a field's default.
fn default_fn(field: &str) -> proc_macro2::Ident {
    value_ident(&format!("default_{field}"))
}

/// The runtime shape (`runtime::MapOf<…>`, `runtime::Wire<…>` and the
/// like) that decodes `ty`, as `Context::ty` maps it (in a `Box` when
/// `boxed`): a JSON object repeating a key is refused, and the ecosystem's
/// scalars are read by the runtime's grammars. `None` when `ty` holds no map
/// and no such scalar outside a named record or union (which decode their
/// own), so serde's own `Deserialize` is exact.
pub(crate) fn map_shape(
    cx: &Context,
    ty: &Ty,
    boxed: bool,
    scope: Scope,
    depth: usize,
) -> Option<TokenStream> {
    shape(cx, ty, boxed, scope, depth).map(|(shape, _)| shape)
}

/// The shape that encodes `ty` (see [`map_shape`]): `Some` only when `ty`
/// holds a scalar the runtime writes (a `runtime::Wire`) outside a named
/// record or union, since serde writes maps, lists and options as the API
/// does.
pub(crate) fn encode_shape(
    cx: &Context,
    ty: &Ty,
    boxed: bool,
    scope: Scope,
) -> Option<TokenStream> {
    match shape(cx, ty, boxed, scope, 0) {
        Some((shape, true)) => Some(shape),
        _ => None,
    }
}

/// The shape of `ty`, and whether it holds a `runtime::Wire` scalar.
fn shape(
    cx: &Context,
    ty: &Ty,
    boxed: bool,
    scope: Scope,
    depth: usize,
) -> Option<(TokenStream, bool)> {
    let (mut shape, wire) = match &ty.kind {
        TyKind::Primitive(p) if is_wire(*p) => {
            let rust = crate::context::primitive(*p);
            (quote!(crate::runtime::Wire<#rust>), true)
        }
        // A constant decodes and encodes through its own type.
        TyKind::Primitive(_) | TyKind::Const(_) => return None,
        TyKind::List(item) => {
            let (item, wire) = shape(cx, item, false, scope, depth + 1)?;
            (quote!(crate::runtime::ListOf<#item>), wire)
        }
        TyKind::Map(value) => {
            let (value, wire) = shape(cx, value, false, scope, depth + 1).unwrap_or_else(|| {
                let value = cx.ty(value, scope);
                (quote!(crate::runtime::Plain<#value>), false)
            });
            (quote!(crate::runtime::MapOf<#value>), wire)
        }
        // An alias names its target's Rust type. Alias cycles are checker
        // errors; the bound keeps this total anyway.
        TyKind::Named(name) => match cx.def_kind(name) {
            Some(TypeDefKind::Alias { target }) if depth <= cx.api.types.len() => {
                shape(cx, target, false, scope, depth + 1)?
            }
            _ => return None,
        },
    };
    if boxed {
        shape = quote!(crate::runtime::Boxed<#shape>);
    }
    if ty.nullable {
        shape = quote!(crate::runtime::NullOr<#shape>);
    }
    Some((shape, wire))
}
