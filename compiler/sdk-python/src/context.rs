//! The data the templates render: every name, annotation and expression is
//! computed here, so the templates only lay code out.

use std::collections::HashSet;

use serde::Serialize;

use gatic_ir::{
    Api, Auth, BodyFormat, EnumValue, ErrorDef, Field, Method, Param, ParamLocation, Part,
    PartKind, PathSegment, Route, Service, Spec, Ty, TypeDefKind, Variant,
};

use crate::names::{self, Scope};
use crate::types::{Types, docstring, string};

/// Names the runtime and client export from the package, which spec types
/// must not take.
const RESERVED_EXPORTS: &[&str] = &[
    "API_VERSION",
    "ApiError",
    "DecodeError",
    "SDK_VERSION",
    "Problem",
    "Response",
    "RetryPolicy",
    "TransportError",
    "UNSET",
    "Unset",
    "Violation",
];

/// The runtime's generic success value of routes that declare response
/// headers, exported (and so reserved) only by SDKs that have such routes:
/// a spec type of that name elsewhere keeps its name.
const ANSWER: &str = "Answer";

/// The runtime's stream of server-sent events, exported (and so reserved)
/// only by SDKs with a route that answers with one.
const EVENT_STREAM: &str = "EventStream";

/// The runtime's file of a multipart form, exported (and so reserved) only
/// by SDKs with a route whose form has a file part.
const FILE_UPLOAD: &str = "FileUpload";

/// Attributes every error has (from `ApiError` and `Exception`).
const RESERVED_ERROR_ATTRS: &[&str] = &[
    "args",
    "with_traceback",
    "add_note",
    "status",
    "problem",
    "response",
    "request_id",
    "violations",
];

/// Everything the templates need.
#[derive(Serialize)]
pub struct Context {
    /// The "generated, do not edit" line, without comment markers.
    pub header: String,
    /// The Python package (`users_client`).
    pub package: String,
    /// The distribution name (`users-client`).
    pub dist: String,
    /// The distribution version, derived from the API version (`2025.6.1`).
    pub version: String,
    /// The service's name as written.
    pub service: String,
    /// The service's title.
    pub title: String,
    /// The service's doc, as Markdown (README).
    pub doc: Option<String>,
    /// The distribution's one-line description, as a TOML string.
    pub description: String,
    /// The package's module docstring.
    pub package_doc: String,
    /// The client class's docstring.
    pub client_doc: String,
    /// The client class (`UsersClient`).
    pub client: String,
    /// The API version the SDK sends, if the spec is versioned.
    pub api_version: Option<String>,
    /// `API_VERSION`'s Python literal.
    pub api_version_literal: String,
    /// The header the version travels in, as written (`Gati-Version` unless
    /// the service block sets another).
    pub version_header: String,
    /// Whether any route uses bearer auth (the client takes `token`).
    pub bearer: bool,
    /// Whether any route uses an API key (the client takes `api_key`).
    pub api_key: bool,
    /// Whether any route declares response headers (the package exports
    /// `Answer`).
    pub answer: bool,
    /// Whether any route's form has a file part (the package exports
    /// `FileUpload`).
    pub file_upload: bool,
    /// Whether any route answers with server-sent events (the package
    /// exports `EventStream`).
    pub event_stream: bool,
    /// Enums, emitted first: record defaults refer to their members.
    pub enums: Vec<EnumCtx>,
    /// Records and unions, in declaration order.
    pub models: Vec<ModelCtx>,
    /// Aliases, emitted after the models, dependencies first.
    pub aliases: Vec<AliasCtx>,
    /// The response headers' dataclasses, emitted last, in route order.
    pub headers: Vec<HeadersCtx>,
    /// The client methods that return an `Answer` (README).
    pub answer_methods: Vec<String>,
    /// The client methods that send or return bytes or text rather than
    /// JSON (README).
    pub raw_methods: Vec<String>,
    /// The client methods that send a multipart form (README).
    pub form_methods: Vec<String>,
    /// The client methods that return an `EventStream` (README).
    pub stream_methods: Vec<String>,
    /// The call summary of the first of them, for the README's example.
    pub stream_example: String,
    /// Declared errors.
    pub errors: Vec<ErrorCtx>,
    /// One client method per route.
    pub routes: Vec<RouteCtx>,
    /// Every public model name, in emission order.
    pub model_exports: Vec<String>,
    /// Every public error name.
    pub error_exports: Vec<String>,
}

/// An enum.
#[derive(Serialize)]
pub struct EnumCtx {
    /// The class.
    pub name: String,
    /// The name in the spec.
    pub spec_name: String,
    /// Class docstring.
    pub doc: String,
    /// Members.
    pub members: Vec<MemberCtx>,
}

/// An enum member.
#[derive(Serialize)]
pub struct MemberCtx {
    /// The member's name.
    pub name: String,
    /// The wire value's Python literal.
    pub value: String,
    /// Attribute docstring.
    pub doc: Option<String>,
}

/// A record or a union.
#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ModelCtx {
    /// A dataclass.
    Record(RecordCtx),
    /// A base class with one dataclass per variant.
    Union(UnionCtx),
}

/// A record.
#[derive(Serialize)]
pub struct RecordCtx {
    /// The class.
    pub name: String,
    /// Class docstring.
    pub doc: String,
    /// Fields in constructor order: without defaults first.
    pub fields: Vec<FieldCtx>,
    /// Fields in spec order, for decoding.
    pub decode: Vec<FieldCtx>,
    /// Fields sent in requests, in spec order.
    pub encode: Vec<FieldCtx>,
}

/// A record field or an error payload field.
#[derive(Clone, Serialize)]
pub struct FieldCtx {
    /// The attribute.
    pub attr: String,
    /// The wire name's literal.
    pub wire: String,
    /// The annotation.
    pub annotation: String,
    /// The constructor default, if any.
    pub default: Option<String>,
    /// Attribute docstring.
    pub doc: Option<String>,
    /// The expression reading it from `obj` at `path`.
    pub decode: String,
    /// The condition under which it is sent, if it may be left out.
    pub guard: Option<String>,
    /// The expression of its JSON value.
    pub encode: String,
}

/// A union.
#[derive(Serialize)]
pub struct UnionCtx {
    /// The base class.
    pub name: String,
    /// Class docstring.
    pub doc: String,
    /// The tag member's literal, for tagged unions.
    pub tag: Option<String>,
    /// The variants.
    pub variants: Vec<VariantCtx>,
    /// The class holding a variant this SDK does not know.
    pub unknown: String,
}

/// A union variant.
#[derive(Serialize)]
pub struct VariantCtx {
    /// The class.
    pub name: String,
    /// Class docstring.
    pub doc: String,
    /// The tag value's literal.
    pub tag_value: String,
    /// The payload's annotation.
    pub annotation: String,
    /// The payload's decoder.
    pub decoder: String,
    /// The payload's JSON value, from `self.value`.
    pub encode: String,
}

/// An alias.
#[derive(Serialize)]
pub struct AliasCtx {
    /// The alias.
    pub name: String,
    /// What it stands for.
    pub annotation: String,
    /// Attribute docstring.
    pub doc: Option<String>,
}

/// The dataclass of one route's response headers.
#[derive(Serialize)]
pub struct HeadersCtx {
    /// The class (`CreateUserHeaders`).
    pub name: String,
    /// Class docstring.
    pub doc: String,
    /// Attributes in constructor order: without defaults first.
    pub fields: Vec<HeaderCtx>,
    /// Attributes in spec order, for reading.
    pub decode: Vec<HeaderCtx>,
}

/// One response header.
#[derive(Clone, Serialize)]
pub struct HeaderCtx {
    /// The attribute.
    pub attr: String,
    /// The annotation.
    pub annotation: String,
    /// The constructor default, if any.
    pub default: Option<String>,
    /// Attribute docstring.
    pub doc: String,
    /// The expression reading it from `response`.
    pub decode: String,
}

/// A declared error.
#[derive(Serialize)]
pub struct ErrorCtx {
    /// The class.
    pub name: String,
    /// Class docstring.
    pub doc: String,
    /// The HTTP status.
    pub status: u16,
    /// The problem `type` literal.
    pub type_uri: String,
    /// The problem `title` literal.
    pub title: String,
    /// Payload fields.
    pub fields: Vec<FieldCtx>,
}

/// A client method.
#[derive(Serialize)]
pub struct RouteCtx {
    /// The method.
    pub name: String,
    /// The method docstring.
    pub doc: String,
    /// The parameter list after `self`.
    pub signature: Vec<String>,
    /// The return annotation.
    pub returns: String,
    /// The HTTP method literal.
    pub method: String,
    /// The path expression.
    pub path: String,
    /// Query, header and cookie parameters.
    pub params: Vec<ParamCtx>,
    /// Whether there are query parameters (and `_query` is built).
    pub has_query: bool,
    /// Whether there are header parameters.
    pub has_headers: bool,
    /// Whether there are cookie parameters.
    pub has_cookies: bool,
    /// The body's JSON expression.
    pub body: Option<String>,
    /// A raw body's expression, as `bytes` (bytes or text of a media type,
    /// or an encoded form).
    pub content: Option<String>,
    /// A raw body's `Content-Type` expression.
    pub content_type: Option<String>,
    /// A multipart form's parts, in declaration order: the method builds
    /// `_form` from them and encodes it. Empty unless the body is a form.
    pub form: Vec<PartCtx>,
    /// The `Accept` literal of a route that answers with a raw body; JSON
    /// routes leave it to the transport.
    pub accept: Option<String>,
    /// Whether the route sends or returns bytes or text rather than JSON.
    pub raw: bool,
    /// The `auth` argument.
    pub auth: String,
    /// The `idempotent` argument.
    pub idempotent: String,
    /// The expression decoding `_response`, if the route returns a body; a
    /// stream's event decoder.
    pub decode: Option<String>,
    /// Whether the route answers with server-sent events: the method returns
    /// the transport's open `EventStream`.
    pub stream: bool,
    /// The headers class (`_m.CreateUserHeaders`), if the route declares
    /// response headers: the method then returns an `Answer`.
    pub headers: Option<String>,
    /// A one-line call summary for the README.
    pub summary: String,
    /// The first line of the route's doc.
    pub summary_doc: String,
}

/// A query, header or cookie parameter.
#[derive(Serialize)]
pub struct ParamCtx {
    /// The list it goes into (`_query`, `_headers`, `_cookies`).
    pub list: String,
    /// The wire name's literal.
    pub wire: String,
    /// The Python argument.
    pub attr: String,
    /// Whether it may be `None` (absent).
    pub guarded: bool,
    /// Its JSON value.
    pub value: String,
}

/// One part of a multipart form.
#[derive(Serialize)]
pub struct PartCtx {
    /// The Python argument.
    pub attr: String,
    /// Whether it may be `None` (absent, then left out of the form).
    pub guarded: bool,
    /// The statement appending it to `_form`.
    pub add: String,
}

/// Builds the context for `spec`.
pub fn build(spec: &Spec) -> Context {
    let api = &spec.head;
    let service = &spec.service;
    let client = format!("{}Client", names::class_name(&service.name));

    // One namespace for everything the package exports.
    let mut exports = Scope::with_reserved(RESERVED_EXPORTS);
    exports.claim(&client);
    let features = Features::of(api);
    features.reserve(&mut exports);
    let mut types = Types::new(api);
    let error_names = claim_spec_names(api, &mut exports, &mut types);
    // Claimed after the spec's own names, which keep theirs.
    let header_classes: Vec<Option<String>> = api
        .routes
        .iter()
        .map(|r| {
            (!r.response_headers.is_empty())
                .then(|| exports.claim(&format!("{}Headers", names::class_name(&r.name))))
        })
        .collect();

    let Models {
        enums,
        models,
        mut model_exports,
    } = models(api, &types, &mut exports);
    let aliases = aliases(spec, &types);
    model_exports.extend(aliases.iter().map(|a| a.name.clone()));

    let errors: Vec<ErrorCtx> = api.errors.iter().map(|e| error(spec, &types, e)).collect();

    let headers: Vec<HeadersCtx> = api
        .routes
        .iter()
        .zip(&header_classes)
        .filter_map(|(r, class)| Some(response_headers(&types, r, class.as_ref()?)))
        .collect();
    model_exports.extend(headers.iter().map(|h| h.name.clone()));

    let routes: Vec<RouteCtx> = api
        .routes
        .iter()
        .zip(&header_classes)
        .map(|(r, class)| route(spec, &types, r, class.as_deref()))
        .collect();

    let api_version = spec.versions.last().map(|v| v.date.clone());
    let package = format!(
        "{}_client",
        names::value_name(&service.name).trim_end_matches('_')
    );
    let version_text = api_version
        .as_deref()
        .map_or("an unversioned API".to_string(), |v| {
            format!("API version {v}")
        });
    Context {
        header: format!("Generated by gatic from {}. Do not edit.", spec.source),
        dist: package.replace('_', "-"),
        package,
        version: dist_version(api_version.as_deref()),
        service: service.name.clone(),
        title: service.title.clone(),
        doc: service.doc.clone(),
        description: string(&format!(
            "A typed Python client for {} ({version_text}).",
            service.title
        )),
        package_doc: docstring(&package_doc(service, &version_text), ""),
        client_doc: docstring(&client_doc(service), "    "),
        client,
        api_version_literal: api_version.as_deref().map_or("None".into(), string),
        version_header: service.version_header().to_string(),
        api_version,
        bearer: api.routes.iter().any(|r| r.auth == Auth::Bearer),
        api_key: api
            .routes
            .iter()
            .any(|r| matches!(r.auth, Auth::ApiKey { .. })),
        answer: features.answer,
        file_upload: features.file_upload,
        event_stream: features.event_stream,
        enums,
        models,
        aliases,
        headers,
        answer_methods: methods_where(&routes, |r| r.headers.is_some()),
        raw_methods: methods_where(&routes, |r| r.raw),
        form_methods: methods_where(&routes, |r| !r.form.is_empty()),
        stream_methods: methods_where(&routes, |r| r.stream),
        stream_example: routes
            .iter()
            .find(|r| r.stream)
            .map_or_else(String::new, |r| r.summary.clone()),
        errors,
        routes,
        model_exports,
        error_exports: error_names,
    }
}

/// The runtime names the package exports only when some route needs them.
struct Features {
    /// Some route declares response headers: `Answer`.
    answer: bool,
    /// Some route's form has a file part: `FileUpload`.
    file_upload: bool,
    /// Some route answers with server-sent events: `EventStream`.
    event_stream: bool,
}

impl Features {
    /// Which of the optional runtime names `api`'s routes need.
    fn of(api: &Api) -> Features {
        Features {
            answer: api.routes.iter().any(|r| !r.response_headers.is_empty()),
            file_upload: api.routes.iter().any(|r| match &r.body_format {
                BodyFormat::Multipart { parts } => parts
                    .iter()
                    .any(|p| matches!(p.kind, PartKind::File { .. })),
                _ => false,
            }),
            event_stream: api
                .routes
                .iter()
                .any(|r| r.returns.is_some() && r.returns_format == BodyFormat::EventStream),
        }
    }

    /// Claims the names the package exports in `exports`, before any spec
    /// name, so that a spec type of the same name is renamed.
    fn reserve(&self, exports: &mut Scope) {
        if self.answer {
            exports.claim(ANSWER);
        }
        if self.file_upload {
            exports.claim(FILE_UPLOAD);
        }
        if self.event_stream {
            exports.claim(EVENT_STREAM);
        }
    }
}

/// Names the spec's types (and their enum members) and errors in `types`,
/// claiming each class in `exports`, and returns the errors' classes in
/// declaration order.
fn claim_spec_names(api: &Api, exports: &mut Scope, types: &mut Types) -> Vec<String> {
    for def in &api.types {
        let name = exports.claim(&names::class_name(&def.name));
        types.classes.insert(def.name.clone(), name);
        if let TypeDefKind::Enum { values } = &def.kind {
            let mut scope = Scope::default();
            for v in values {
                let member = scope.claim(&names::member_name(&v.name));
                types
                    .members
                    .insert((def.name.clone(), v.name.clone()), member);
            }
        }
    }
    let mut error_names = Vec::new();
    for e in &api.errors {
        let name = exports.claim(&names::class_name(&e.name));
        types.classes.insert(e.name.clone(), name.clone());
        error_names.push(name);
    }
    error_names
}

/// The enums and models of `models.py`, and the names they export.
struct Models {
    /// Enums, emitted first.
    enums: Vec<EnumCtx>,
    /// Records and unions, in declaration order.
    models: Vec<ModelCtx>,
    /// Every public name, enums first, then the others in declaration
    /// order (a union followed by its variants' classes).
    model_exports: Vec<String>,
}

/// The enums, records and unions of `api` (aliases are emitted apart),
/// claiming union variants' classes in `exports`.
fn models(api: &Api, types: &Types, exports: &mut Scope) -> Models {
    let mut enums = Vec::new();
    let mut models = Vec::new();
    let mut model_exports = Vec::new();
    for def in &api.types {
        let name = types.classes[&def.name].clone();
        let doc = with_deprecation(def.doc.as_deref(), def.deprecated, &def.name);
        match &def.kind {
            TypeDefKind::Enum { values } => {
                enums.push(enum_model(types, &def.name, name.clone(), &doc, values));
                model_exports.push(name);
            }
            TypeDefKind::Record { fields } => {
                models.push(ModelCtx::Record(record(types, &name, &doc, fields)));
                model_exports.push(name);
            }
            TypeDefKind::Union { tag, variants } => {
                model_exports.push(name.clone());
                let union = union_model(types, exports, name, &doc, tag.as_deref(), variants);
                model_exports.extend(union.variants.iter().map(|v| v.name.clone()));
                model_exports.push(union.unknown.clone());
                models.push(ModelCtx::Union(union));
            }
            TypeDefKind::Alias { .. } => {}
        }
    }
    // Enums come first in models.py, so exports follow the same order.
    model_exports.sort_by_key(|n| !enums.iter().any(|e| &e.name == n));
    Models {
        enums,
        models,
        model_exports,
    }
}

/// The enum `spec_name`, class `name`: its members, and a docstring saying
/// that an unknown value arrives as a plain `str`.
fn enum_model(
    types: &Types,
    spec_name: &str,
    name: String,
    doc: &str,
    values: &[EnumValue],
) -> EnumCtx {
    let doc = format!(
        "{doc}\n\nA value this SDK does not know (added to the API later) arrives as\n\
         a plain `str`: fields are typed `Union[{name}, str]`."
    );
    EnumCtx {
        spec_name: spec_name.to_string(),
        doc: docstring(&doc, "    "),
        members: values
            .iter()
            .map(|v| MemberCtx {
                name: types.members[&(spec_name.to_string(), v.name.clone())].clone(),
                value: string(&v.name),
                doc: doc_of(v.doc.as_deref(), v.deprecated).map(|d| docstring(&d, "    ")),
            })
            .collect(),
        name,
    }
}

/// The union `name`: one class per variant and one for a variant this SDK
/// does not know, each claimed in `exports` after the union's own name.
fn union_model(
    types: &Types,
    exports: &mut Scope,
    name: String,
    doc: &str,
    tag: Option<&str>,
    variants: &[Variant],
) -> UnionCtx {
    let mut vs = Vec::new();
    for v in variants {
        let vname = exports.claim(&format!("{name}{}", names::class_name(&v.name)));
        let vdoc = v
            .doc
            .clone()
            .unwrap_or_else(|| format!("The `{}` variant of `{name}`.", v.name));
        vs.push(VariantCtx {
            name: vname,
            doc: docstring(&vdoc, "    "),
            tag_value: string(&v.name),
            annotation: types.annotation(&v.ty, ""),
            decoder: types.decoder(&v.ty, ""),
            encode: types
                .encoder(&v.ty, "self.value", 0)
                .unwrap_or_else(|| "self.value".into()),
        });
    }
    let unknown = exports.claim(&format!("{name}Unknown"));
    let doc = format!(
        "{doc}\n\nOne of: {}.\nA variant this SDK does not know arrives as `{unknown}`.",
        vs.iter()
            .map(|v| format!("`{}`", v.name))
            .collect::<Vec<_>>()
            .join(", ")
    );
    UnionCtx {
        name,
        doc: docstring(&doc, "    "),
        tag: tag.map(string),
        variants: vs,
        unknown,
    }
}

/// The names of the client methods among `routes` that `pred` picks, for
/// the README's lists.
fn methods_where(routes: &[RouteCtx], pred: impl Fn(&RouteCtx) -> bool) -> Vec<String> {
    routes
        .iter()
        .filter(|r| pred(r))
        .map(|r| r.name.clone())
        .collect()
}

/// The distribution version: the API version's date as numbers
/// (`2025-06-01` gives `2025.6.1`), or `0.1.0` when the spec is
/// unversioned.
fn dist_version(api_version: Option<&str>) -> String {
    api_version.map_or_else(|| "0.1.0".to_string(), gatic_ir::date_version)
}

/// The package's module docstring: what it is and for which API version
/// (`version_text`), then the service's doc.
fn package_doc(service: &Service, version_text: &str) -> String {
    let mut package_doc = format!("{}: a typed Python client ({version_text}).", service.title);
    if let Some(doc) = &service.doc {
        package_doc.push_str("\n\n");
        package_doc.push_str(doc);
    }
    package_doc
}

/// The client class's docstring: what it is, the service's doc, and the
/// version header every request carries.
fn client_doc(service: &Service) -> String {
    let mut client_doc = format!("A client for {}: one method per route.", service.title);
    if let Some(doc) = &service.doc {
        client_doc.push_str("\n\n");
        client_doc.push_str(doc);
    }
    client_doc.push_str(&format!(
        "\n\nEvery request carries `{}: API_VERSION` (when the API is versioned), so the \
         server keeps answering in the shapes this SDK was generated for.",
        service.version_header()
    ));
    client_doc
}

fn doc_of(doc: Option<&str>, deprecated: bool) -> Option<String> {
    match (doc, deprecated) {
        (Some(d), true) => Some(format!("{d}\n\nDeprecated.")),
        (Some(d), false) => Some(d.to_string()),
        (None, true) => Some("Deprecated.".into()),
        (None, false) => None,
    }
}

fn with_deprecation(doc: Option<&str>, deprecated: bool, name: &str) -> String {
    doc_of(doc, deprecated).unwrap_or_else(|| format!("`{name}`."))
}

/// A field's annotation, default, decoder and encoder.
fn field(types: &Types, f: &Field, attr: String, prefix: &str) -> FieldCtx {
    let wire = string(&f.name);
    // A write-only field never comes back, so it may be absent in responses.
    let absent = f.optional || f.write_only;
    let self_attr = format!("self.{attr}");
    let (annotation, default, decode, guard) = if absent && f.ty.nullable {
        (
            format!(
                "_t.Union[{}, None, _rt.Unset]",
                types.annotation_non_null(&f.ty, prefix)
            ),
            Some("_rt.UNSET".to_string()),
            format!(
                "_rt.optional_nullable(obj, {wire}, path, {})",
                types.decoder_non_null(&f.ty, prefix)
            ),
            Some(format!("not isinstance({self_attr}, _rt.Unset)")),
        )
    } else if absent {
        (
            format!("_t.Optional[{}]", types.annotation_non_null(&f.ty, prefix)),
            Some("None".to_string()),
            format!(
                "_rt.optional(obj, {wire}, path, {})",
                types.decoder_non_null(&f.ty, prefix)
            ),
            Some(format!("{self_attr} is not None")),
        )
    } else if let Some(value) = &f.default {
        (
            types.annotation(&f.ty, prefix),
            Some(types.field_default(&f.ty, value, prefix)),
            format!(
                "_rt.defaulted(obj, {wire}, path, {}, {})",
                types.decoder(&f.ty, prefix),
                crate::types::literal(&value.to_json())
            ),
            None,
        )
    } else if f.ty.nullable {
        (
            types.annotation(&f.ty, prefix),
            None,
            format!(
                "_rt.nullable(obj, {wire}, path, {})",
                types.decoder_non_null(&f.ty, prefix)
            ),
            None,
        )
    } else {
        (
            types.annotation(&f.ty, prefix),
            None,
            format!(
                "_rt.required(obj, {wire}, path, {})",
                types.decoder(&f.ty, prefix)
            ),
            None,
        )
    };
    // Inside a guard the value is known not to be absent (and, for an
    // optional non-nullable field, not `None`).
    let encode = if guard.is_some() && !f.ty.nullable {
        types.encoder_non_null(&f.ty, &self_attr, 0)
    } else {
        types.encoder(&f.ty, &self_attr, 0)
    }
    .unwrap_or_else(|| self_attr.clone());
    let mut doc = f.doc.clone();
    if f.readonly {
        doc = Some(
            format!(
                "{}\n\nRead-only: set by the server, never sent.",
                doc.unwrap_or_default()
            )
            .trim()
            .to_string(),
        );
    }
    if f.write_only {
        doc = Some(
            format!(
                "{}\n\nWrite-only: sent, never returned.",
                doc.unwrap_or_default()
            )
            .trim()
            .to_string(),
        );
    }
    FieldCtx {
        attr,
        wire,
        annotation,
        default,
        doc: doc_of(doc.as_deref(), f.deprecated).map(|d| docstring(&d, "    ")),
        decode,
        guard,
        encode,
    }
}

fn record(types: &Types, name: &str, doc: &str, fields: &[Field]) -> RecordCtx {
    let mut scope = Scope::with_reserved(&["from_json", "to_json"]);
    let all: Vec<(FieldCtx, bool)> = fields
        .iter()
        .map(|f| {
            (
                field(types, f, scope.claim(&names::value_name(&f.name)), ""),
                f.readonly,
            )
        })
        .collect();
    let mut ctor: Vec<FieldCtx> = all
        .iter()
        .filter(|(f, _)| f.default.is_none())
        .map(|(f, _)| f.clone())
        .collect();
    ctor.extend(
        all.iter()
            .filter(|(f, _)| f.default.is_some())
            .map(|(f, _)| f.clone()),
    );
    RecordCtx {
        name: name.to_string(),
        doc: docstring(doc, "    "),
        fields: ctor,
        decode: all.iter().map(|(f, _)| f.clone()).collect(),
        encode: all
            .into_iter()
            .filter(|(_, ro)| !ro)
            .map(|(f, _)| f)
            .collect(),
    }
}

/// Aliases in an order where every alias comes after the aliases it uses.
fn aliases<'a>(spec: &'a Spec, types: &Types<'a>) -> Vec<AliasCtx> {
    fn uses<'a>(ty: &'a Ty, out: &mut Vec<&'a str>) {
        match &ty.kind {
            gatic_ir::TyKind::Named(n) => out.push(n),
            gatic_ir::TyKind::List(t) | gatic_ir::TyKind::Map(t) => uses(t, out),
            gatic_ir::TyKind::Primitive(_) | gatic_ir::TyKind::Const(_) => {}
        }
    }
    fn visit<'a>(
        types: &Types<'a>,
        name: &'a str,
        seen: &mut HashSet<&'a str>,
        order: &mut Vec<&'a str>,
    ) {
        if !seen.insert(name) {
            return;
        }
        if let Some(TypeDefKind::Alias { target }) = types.def(name).map(|d| &d.kind) {
            let mut deps = Vec::new();
            uses(target, &mut deps);
            for d in deps {
                visit(types, d, seen, order);
            }
            order.push(name);
        }
    }
    let mut seen = HashSet::new();
    let mut order = Vec::new();
    for def in &spec.head.types {
        visit(types, &def.name, &mut seen, &mut order);
    }
    order
        .into_iter()
        .filter_map(|name| {
            let def = types.def(name)?;
            let TypeDefKind::Alias { target } = &def.kind else {
                return None;
            };
            Some(AliasCtx {
                name: types.classes[name].clone(),
                annotation: types.annotation(target, ""),
                doc: doc_of(def.doc.as_deref(), def.deprecated).map(|d| docstring(&d, "")),
            })
        })
        .collect()
}

fn error(spec: &Spec, types: &Types, e: &ErrorDef) -> ErrorCtx {
    let mut scope = Scope::with_reserved(RESERVED_ERROR_ATTRS);
    let fields = e
        .fields
        .iter()
        .map(|f| field(types, f, scope.claim(&names::value_name(&f.name)), "_m."))
        .collect();
    let doc = e
        .doc
        .clone()
        .unwrap_or_else(|| format!("The `{}` error.", e.name));
    ErrorCtx {
        name: types.classes[&e.name].clone(),
        doc: docstring(
            &format!(
                "{doc}\n\nHTTP {}; the problem+json payload's fields are attributes.",
                e.status
            ),
            "    ",
        ),
        status: e.status,
        type_uri: string(&gatic_ir::wire::problem_type(&spec.service.name, &e.name)),
        title: string(&e.name),
        fields,
    }
}

/// The dataclass of `r`'s response headers, called `class`.
fn response_headers(types: &Types, r: &Route, class: &str) -> HeadersCtx {
    let mut scope = Scope::with_reserved(&["from_response"]);
    let all: Vec<HeaderCtx> = r
        .response_headers
        .iter()
        .map(|p| {
            let attr = scope.claim(&names::value_name(&p.name));
            let wire = string(&p.wire_name);
            let decoder = types.header_decoder(&p.ty, "");
            // A header with a default takes it when absent: the default's
            // header text, read like the header's. One the server may leave
            // out (optional, or `| null`) is `None` when absent; any other
            // must be there.
            let defaulted = p.default.as_ref().and_then(|v| {
                let text = match v.to_json() {
                    serde_json::Value::String(text) => text,
                    serde_json::Value::Number(n) => n.to_string(),
                    serde_json::Value::Bool(b) => b.to_string(),
                    _ => return None,
                };
                Some((types.scalar_default(&p.ty, v, "")?, text))
            });
            let (annotation, default, decode, absent) = match defaulted {
                Some((value, text)) => (
                    types.annotation(&p.ty, ""),
                    Some(value.clone()),
                    format!(
                        "_rt.defaulted_header(response, {wire}, {decoder}, {})",
                        string(&text)
                    ),
                    format!("; `{value}` when absent"),
                ),
                None if p.optional || p.ty.nullable => (
                    format!("_t.Optional[{}]", types.annotation_non_null(&p.ty, "")),
                    Some("None".to_string()),
                    format!("_rt.optional_header(response, {wire}, {decoder})"),
                    "; `None` when absent".to_string(),
                ),
                None => (
                    types.annotation(&p.ty, ""),
                    None,
                    format!("_rt.header(response, {wire}, {decoder})"),
                    String::new(),
                ),
            };
            let source = format!("The `{}` header{absent}.", p.wire_name);
            let doc = match doc_of(p.doc.as_deref(), p.deprecated) {
                Some(d) => format!("{d}\n\n{source}"),
                None => source,
            };
            HeaderCtx {
                attr,
                annotation,
                default,
                doc: docstring(&doc, "    "),
                decode,
            }
        })
        .collect();
    let mut fields: Vec<HeaderCtx> = all
        .iter()
        .filter(|h| h.default.is_none())
        .cloned()
        .collect();
    fields.extend(all.iter().filter(|h| h.default.is_some()).cloned());
    let doc = format!(
        "The headers `{}` declares on its success response (HTTP {}), typed.\n\n\
         Read by `from_response`: a required header that is missing or does not\n\
         parse raises `DecodeError`, like a body that does not match.",
        r.name, r.status
    );
    HeadersCtx {
        name: class.to_string(),
        doc: docstring(&doc, "    "),
        fields,
        decode: all,
    }
}

/// A request body passed in one argument, `body`: JSON, or bytes or text of
/// a media type. A form has none: its parts are arguments of their own.
enum BodyArg<'a> {
    /// A JSON value of the type.
    Json(&'a Ty),
    /// Bytes of the media type (`image/png`, or a family such as `image/*`).
    Bytes(&'a str),
    /// Text of the media type.
    Text(&'a str),
}

/// The client method of `r`; `headers` is its response headers' class, if
/// it declares response headers.
fn route(spec: &Spec, types: &Types, r: &Route, headers: Option<&str>) -> RouteCtx {
    // A route answering with server-sent events returns an open stream.
    let stream = r.returns.is_some()
        && r.method != Method::Head
        && r.returns_format == BodyFormat::EventStream;
    let cx = MethodCx {
        spec,
        types,
        r,
        returns_body: r.returns.as_ref().filter(|_| r.method != Method::Head),
        // The checker refuses response headers on a stream; were some to
        // come, they would be left in `EventStream.response`'s headers.
        headers: headers.filter(|_| !stream),
        stream,
    };
    let args = MethodArgs::of(r);

    let mut sig = Signature::default();
    let params: Vec<ParamCtx> = r
        .params
        .iter()
        .zip(&args.attrs)
        .filter_map(|(p, attr)| param_arg(types, p, attr, &mut sig))
        .collect();
    body_arg_signature(types, r, &args, &mut sig);
    let form = form_part_args(types, &args, &mut sig);
    sig.add_timeout(stream);
    let doc = method_doc(&cx, &form, &sig.docs);
    let RequestBody {
        body,
        content,
        content_type,
    } = request_body(types, &args, !form.is_empty());
    let accept = accept_header(&cx);
    let raw_body = matches!(args.body_arg, Some(BodyArg::Bytes(_) | BodyArg::Text(_)));

    let name = names::value_name(&r.name);
    RouteCtx {
        summary: format!("client.{name}({})", sig.summary.join(", ")),
        summary_doc: r
            .doc
            .as_deref()
            .and_then(|d| d.lines().next())
            .unwrap_or("")
            .replace('|', "\\|"),
        name,
        doc: docstring(&doc, "        "),
        signature: sig.parameter_list(),
        returns: method_returns(&cx),
        method: string(r.method.as_str()),
        path: path_expression(types, r, &args.attrs),
        has_query: params.iter().any(|p| p.list == "_query"),
        has_headers: params.iter().any(|p| p.list == "_headers"),
        has_cookies: params.iter().any(|p| p.list == "_cookies"),
        params,
        body,
        content,
        content_type,
        form,
        raw: raw_body || accept.is_some(),
        accept,
        auth: auth_arg(&r.auth),
        idempotent: idempotent_arg(r, &args.attrs),
        decode: response_decoder(&cx),
        headers: cx.headers.map(|class| format!("_m.{class}")),
        stream,
    }
}

/// What the parts of a client method are computed from: the route, and
/// what it answers with.
struct MethodCx<'a> {
    /// The spec, for the declared errors' docs.
    spec: &'a Spec,
    /// The spec's types, for annotations and codecs.
    types: &'a Types<'a>,
    /// The route.
    r: &'a Route,
    /// The success body the method returns, if any (a `HEAD` returns none).
    returns_body: Option<&'a Ty>,
    /// The response headers' class: the method then returns an `Answer`.
    /// Never set for a stream.
    headers: Option<&'a str>,
    /// Whether the route answers with server-sent events: the method
    /// returns an open `EventStream`.
    stream: bool,
}

/// The names of a client method's arguments, and which body argument it
/// takes.
struct MethodArgs<'a> {
    /// The request body passed in `body`, if any (a form has none).
    body_arg: Option<BodyArg<'a>>,
    /// The body argument's name.
    body_name: Option<String>,
    /// The keyword-only argument naming a bytes body's exact media type, when
    /// the route takes any type of a family (`image/*`).
    content_type_name: Option<String>,
    /// The form's parts, in declaration order; empty unless the body is a
    /// multipart form.
    form_parts: &'a [Part],
    /// Each form part's argument.
    part_attrs: Vec<String>,
    /// Each parameter's argument, in the route's order.
    attrs: Vec<String>,
}

impl<'a> MethodArgs<'a> {
    /// Names the arguments of `r`'s method. The body, a media type family's
    /// `content_type` and a form's parts are claimed before the parameters,
    /// so that they keep their names.
    fn of(r: &'a Route) -> MethodArgs<'a> {
        let mut scope = Scope::with_reserved(&["self", "timeout"]);
        let body_arg = body_arg(r);
        let form_parts: &[Part] = match &r.body_format {
            BodyFormat::Multipart { parts } => parts,
            _ => &[],
        };
        let body_name = body_arg.as_ref().map(|_| scope.claim("body"));
        // A bytes body of a media type family (`image/*`): the caller names
        // the exact type in a keyword-only argument.
        let content_type_name = match &body_arg {
            Some(BodyArg::Bytes(media)) if media.ends_with("/*") => {
                Some(scope.claim("content_type"))
            }
            _ => None,
        };
        let part_attrs: Vec<String> = form_parts
            .iter()
            .map(|p| scope.claim(&names::value_name(&p.name)))
            .collect();
        let attrs: Vec<String> = r
            .params
            .iter()
            .map(|p| scope.claim(&names::value_name(&p.name)))
            .collect();
        MethodArgs {
            body_arg,
            body_name,
            content_type_name,
            form_parts,
            part_attrs,
            attrs,
        }
    }
}

/// The body argument `r`'s method takes: JSON, bytes or text, or none (no
/// body, or a form, whose parts are arguments of their own).
fn body_arg(r: &Route) -> Option<BodyArg<'_>> {
    match (&r.body, &r.body_format) {
        // The checker refuses an event stream as a request body; were one to
        // come, it would be sent as JSON.
        (Some(ty), BodyFormat::Json | BodyFormat::EventStream) => Some(BodyArg::Json(ty)),
        (Some(_), BodyFormat::Bytes { media }) => Some(BodyArg::Bytes(media)),
        (Some(_), BodyFormat::Text { media }) => Some(BodyArg::Text(media)),
        // A form's `body` is only a placeholder.
        (None, _) | (_, BodyFormat::Multipart { .. }) => None,
    }
}

/// A client method's signature, its docstring's `Args:` lines and its
/// README call summary, as the arguments are added.
#[derive(Default)]
struct Signature {
    /// Positional arguments after `self`: path parameters, then the body.
    positional: Vec<String>,
    /// Keyword-only arguments.
    keyword: Vec<String>,
    /// The docstring's `Args:` lines.
    docs: Vec<String>,
    /// How many of `docs` are path parameters' (which come first).
    path_docs: usize,
    /// The call summary's arguments.
    summary: Vec<String>,
}

impl Signature {
    /// Adds the last keyword-only argument, `timeout`, which for a stream
    /// bounds only the wait for the response head.
    fn add_timeout(&mut self, stream: bool) {
        self.keyword
            .push("timeout: _t.Optional[float] = None".into());
        self.docs.push(if stream {
            "timeout: Seconds to wait for each attempt's response head, not for the \
             stream; the client's timeout when `None`."
                .into()
        } else {
            "timeout: Seconds to wait for each attempt; the client's timeout when `None`.".into()
        });
    }

    /// The parameter list after `self`: the positional arguments, then the
    /// keyword-only ones after a `*`.
    fn parameter_list(&self) -> Vec<String> {
        let mut list = self.positional.clone();
        list.push("*".into());
        list.extend(self.keyword.iter().cloned());
        list
    }
}

/// Adds the parameter `p`, named `attr`, to the signature: a path parameter
/// is positional, any other keyword-only (defaulted to `None` when it may be
/// absent, else to its default, if it has one) and is sent from the list
/// the returned entry says.
fn param_arg(types: &Types, p: &Param, attr: &str, sig: &mut Signature) -> Option<ParamCtx> {
    let default = p
        .default
        .as_ref()
        .and_then(|v| types.scalar_default(&p.ty, v, "_m."));
    // A default Python cannot write is left to the server.
    let absent = p.optional || (p.default.is_some() && default.is_none());
    let annotation = if absent {
        format!("_t.Optional[{}]", types.annotation_non_null(&p.ty, "_m."))
    } else {
        types.annotation(&p.ty, "_m.")
    };
    let pdoc = param_doc(p, absent);
    if !pdoc.is_empty() {
        sig.docs.push(format!("{attr}: {pdoc}"));
        if p.location == ParamLocation::Path {
            sig.path_docs += 1;
        }
    }
    let list = match p.location {
        ParamLocation::Path => {
            sig.positional.push(format!("{attr}: {annotation}"));
            sig.summary.push(attr.to_string());
            return None;
        }
        ParamLocation::Query => "_query",
        ParamLocation::Header => "_headers",
        ParamLocation::Cookie => "_cookies",
    };
    let value = if absent || !p.ty.nullable {
        types.encoder_non_null(&p.ty, attr, 0)
    } else {
        types.encoder(&p.ty, attr, 0)
    }
    .unwrap_or_else(|| attr.to_string());
    match (absent, &default) {
        (true, _) => {
            sig.keyword.push(format!("{attr}: {annotation} = None"));
            sig.summary.push(format!("{attr}=None"));
        }
        (false, Some(d)) => {
            sig.keyword.push(format!("{attr}: {annotation} = {d}"));
            sig.summary
                .push(format!("{attr}={}", d.trim_start_matches("_m.")));
        }
        (false, None) => {
            sig.keyword.push(format!("{attr}: {annotation}"));
            sig.summary.push(format!("{attr}=…"));
        }
    }
    Some(ParamCtx {
        list: list.to_string(),
        wire: string(&p.wire_name),
        attr: attr.to_string(),
        guarded: absent,
        value,
    })
}

/// The `Args:` text of the parameter `p`: its doc, else where it is sent;
/// then whether `None` leaves it to the server's default (when it may be
/// `absent` and has one), and whether it is deprecated.
fn param_doc(p: &Param, absent: bool) -> String {
    let location = match p.location {
        ParamLocation::Path => "path",
        ParamLocation::Query => "query",
        ParamLocation::Header => "header",
        ParamLocation::Cookie => "cookie",
    };
    let mut pdoc = p
        .doc
        .clone()
        .unwrap_or_else(|| format!("The `{}` {location} parameter.", p.wire_name));
    if absent && p.default.is_some() {
        pdoc = format!("{pdoc} Left out (the server's default) when `None`.")
            .trim()
            .to_string();
    }
    if p.deprecated {
        pdoc = format!("{pdoc} Deprecated.").trim().to_string();
    }
    pdoc
}

/// Adds the body argument, if the method takes one: positional, after the
/// path parameters, documented first, with how it is sent. A bytes body of
/// a media type family also takes its exact type, first among the
/// keyword-only arguments.
fn body_arg_signature(types: &Types, r: &Route, args: &MethodArgs, sig: &mut Signature) {
    let (Some(arg), Some(name)) = (&args.body_arg, &args.body_name) else {
        return;
    };
    let annotation = match arg {
        BodyArg::Json(ty) => types.annotation(ty, "_m."),
        BodyArg::Bytes(_) => "_t.Union[bytes, bytearray, memoryview]".to_string(),
        BodyArg::Text(_) => "str".to_string(),
    };
    sig.positional.push(format!("{name}: {annotation}"));
    sig.summary.insert(sig.positional.len() - 1, name.clone());
    let about = r
        .body_doc
        .as_deref()
        .map_or("The request body.".to_string(), gatic_ir::doc::one_line);
    let sent = match (arg, &args.content_type_name) {
        (BodyArg::Json(_), _) => String::new(),
        (BodyArg::Bytes(_), Some(ct)) => {
            format!(" Sent as it is, with `{ct}` as its Content-Type.")
        }
        (BodyArg::Bytes(media), None) => format!(" Sent as it is, as `{media}`."),
        (BodyArg::Text(media), _) => format!(" Sent as `{media}`, in UTF-8."),
    };
    sig.docs.insert(0, format!("{name}: {about}{sent}"));
    if let (Some(ct), BodyArg::Bytes(media)) = (&args.content_type_name, arg) {
        sig.keyword.insert(0, format!("{ct}: str"));
        sig.summary.insert(sig.positional.len(), format!("{ct}=…"));
        let example = example_media(media).map_or(String::new(), |m| format!(" (`{m}`)"));
        sig.docs.insert(
            1,
            format!(
                "{ct}: The body's media type{example}, sent as its Content-Type: one \
                 of the `{media}` types (the server answers 415 to any other)."
            ),
        );
    }
}

/// Adds a multipart form's parts to the signature, and returns how each is
/// added to the form. The parts come first among the keyword-only
/// arguments, in declaration order, required ones without a default; their
/// docs follow the path parameters', and their summary arguments the
/// positional ones.
fn form_part_args(types: &Types, args: &MethodArgs, sig: &mut Signature) -> Vec<PartCtx> {
    let mut form = Vec::new();
    let mut part_keyword = Vec::new();
    let mut part_docs = Vec::new();
    let mut part_summary = Vec::new();
    for (p, attr) in args.form_parts.iter().zip(&args.part_attrs) {
        let FormPartArg {
            annotation,
            add,
            about,
        } = form_part_arg(types, p, attr);
        let what = match &p.kind {
            PartKind::File { .. } => "file",
            PartKind::Value { .. } => "field",
        };
        let doc = p.doc.as_deref().map_or_else(
            || format!("The form's `{}` {what}.", p.name),
            gatic_ir::doc::one_line,
        );
        let absent = if p.optional {
            " Left out of the form when `None`."
        } else {
            ""
        };
        part_docs.push(format!("{attr}: {doc}{about}{absent}"));
        if p.optional {
            part_keyword.push(format!("{attr}: {annotation} = None"));
            part_summary.push(format!("{attr}=None"));
        } else {
            part_keyword.push(format!("{attr}: {annotation}"));
            part_summary.push(format!("{attr}=…"));
        }
        form.push(PartCtx {
            attr: attr.clone(),
            guarded: p.optional,
            add,
        });
    }
    // Path parameters come first, then the form's parts, then the other
    // parameters (a form has no `body` argument).
    let path_docs = sig.path_docs;
    sig.docs.splice(path_docs..path_docs, part_docs);
    let path_args = sig.positional.len().min(sig.summary.len());
    sig.summary.splice(path_args..path_args, part_summary);
    sig.keyword.splice(0..0, part_keyword);
    form
}

/// One form part's argument: its annotation, the statement adding it to
/// `_form`, and what its doc says of the values it takes.
struct FormPartArg {
    /// The argument's annotation.
    annotation: String,
    /// The statement appending it to `_form`.
    add: String,
    /// The doc's note on the values it takes (empty for a value part).
    about: String,
}

/// How the part `p`, passed as `attr`, is taken and added to the form: a
/// file is a `FileUpload` whose media type the server checks; a value is
/// encoded like a parameter.
fn form_part_arg(types: &Types, p: &Part, attr: &str) -> FormPartArg {
    let wire = string(&p.name);
    match &p.kind {
        PartKind::File { accept } => FormPartArg {
            annotation: if p.optional {
                "_t.Optional[_rt.FileUpload]".to_string()
            } else {
                "_rt.FileUpload".to_string()
            },
            add: format!("_rt.add_file(_form, {wire}, {attr})"),
            about: file_part_about(accept),
        },
        PartKind::Value { ty } => {
            let annotation = if p.optional {
                format!("_t.Optional[{}]", types.annotation_non_null(ty, "_m."))
            } else {
                types.annotation(ty, "_m.")
            };
            // Inside its guard an optional part is not `None`; a
            // nullable one that is `None` is left out by `add_field`.
            let value = if p.optional || !ty.nullable {
                types.encoder_non_null(ty, attr, 0)
            } else {
                types.encoder(ty, attr, 0)
            }
            .unwrap_or_else(|| attr.to_string());
            FormPartArg {
                annotation,
                add: format!("_rt.add_field(_form, {wire}, {value})"),
                about: String::new(),
            }
        }
    }
}

/// The doc's note on the files a file part that accepts `accept` takes:
/// any, any of a family, or one media type; the server refuses others.
fn file_part_about(accept: &str) -> String {
    match accept {
        "*/*" => " A `FileUpload` of any media type.".to_string(),
        family if family.ends_with("/*") => format!(
            " A `FileUpload` whose `content_type` matches `{family}` (the server \
             answers 400 to any other)."
        ),
        exact => format!(
            " A `FileUpload` whose `content_type` is `{exact}` (the server \
             answers 400 to any other)."
        ),
    }
}

/// The request path as a Python expression: literal segments joined with
/// each path parameter's encoded `_rt.segment(…)`; `attrs` are the
/// parameters' arguments.
fn path_expression(types: &Types, r: &Route, attrs: &[String]) -> String {
    if r.path.is_empty() {
        return string("/");
    }
    let mut parts: Vec<String> = Vec::new();
    let mut literal = String::new();
    for seg in &r.path {
        literal.push('/');
        match seg {
            PathSegment::Literal(l) => literal.push_str(l),
            PathSegment::Param(name) => {
                parts.push(string(&literal));
                literal.clear();
                let (p, attr) = r
                    .params
                    .iter()
                    .zip(attrs)
                    .find(|(p, _)| &p.name == name)
                    .map_or((None, name.clone()), |(p, a)| (Some(p), a.clone()));
                let value = p
                    .and_then(|p| types.encoder(&p.ty, &attr, 0))
                    .unwrap_or_else(|| attr.clone());
                parts.push(format!("_rt.segment({value})"));
            }
        }
    }
    if !literal.is_empty() {
        parts.push(string(&literal));
    }
    parts.join(" + ")
}

/// The `idempotent` argument: `True` for an idempotent method, or when the
/// route takes an `Idempotency-Key` header (as long as the caller passes
/// one, when it is optional); `False` otherwise.
fn idempotent_arg(r: &Route, attrs: &[String]) -> String {
    let idempotency_key = r.params.iter().zip(attrs).find(|(p, _)| {
        p.location == ParamLocation::Header && p.wire_name.eq_ignore_ascii_case("Idempotency-Key")
    });
    if r.method.is_idempotent() {
        "True".to_string()
    } else if let Some((p, attr)) = idempotency_key {
        if p.optional {
            format!("{attr} is not None")
        } else {
            "True".to_string()
        }
    } else {
        "False".to_string()
    }
}

/// The method's docstring (before indenting): the route's doc, whether it
/// is deprecated, its method and path, the form it sends, then the
/// `Args:`, `Returns:` and `Raises:` sections.
fn method_doc(cx: &MethodCx, form: &[PartCtx], args_doc: &[String]) -> String {
    let r = cx.r;
    let mut doc = r
        .doc
        .clone()
        .unwrap_or_else(|| format!("Calls `{}`.", r.name));
    if r.deprecated {
        doc.push_str("\n\nDeprecated.");
    }
    doc.push_str(&format!(
        "\n\n`{} {}`",
        r.method.as_str(),
        r.path_template()
    ));
    doc.push_str(&form_sentence(r, form));
    doc.push_str("\n\nArgs:");
    for a in args_doc {
        doc.push_str(&format!("\n    {a}"));
    }
    doc.push_str(&returns_section(cx));
    doc.push_str(&raises_section(cx));
    doc
}

/// The docstring's paragraph on a multipart form: the arguments it is made
/// of, and the body's doc. Empty when the route sends no form.
fn form_sentence(r: &Route, form: &[PartCtx]) -> String {
    if form.is_empty() {
        return String::new();
    }
    let mut parts: Vec<String> = form.iter().map(|p| format!("`{}`", p.attr)).collect();
    let last = parts.pop().unwrap_or_default();
    let parts = if parts.is_empty() {
        last
    } else {
        format!("{} and {last}", parts.join(", "))
    };
    let about = r.body_doc.as_deref().map_or(String::new(), |d| {
        format!(" {}", gatic_ir::doc::one_line(d))
    });
    format!("\n\nSends a `multipart/form-data` form of {parts}.{about}")
}

/// The docstring's `Returns:` section: the body's type, status and how it
/// arrives, and with response headers the `Answer` holding both. Empty
/// when the method returns `None`.
fn returns_section(cx: &MethodCx) -> String {
    let (r, types) = (cx.r, cx.types);
    // The checker refuses a form as a response; were one to come, it would
    // be returned as its bytes, like any answer of a media type.
    let body_type = cx.returns_body.map(|ty| match &r.returns_format {
        BodyFormat::Json => types.annotation(ty, "").replace("_t.", ""),
        BodyFormat::Bytes { .. } | BodyFormat::Multipart { .. } => "bytes".to_string(),
        BodyFormat::Text { .. } => "str".to_string(),
        BodyFormat::EventStream => format!(
            "EventStream[{}]",
            types.annotation(ty, "").replace("_t.", "")
        ),
    });
    let about = r.returns_doc.as_deref().map_or(String::new(), |d| {
        format!(" {}", gatic_ir::doc::one_line(d))
    });
    let how = body_delivery(r, body_type.as_deref());
    match (&body_type, cx.headers) {
        (Some(body), None) => format!("\n\nReturns:\n    {body} (HTTP {}){how}.{about}", r.status),
        (body, Some(class)) => {
            let wire: Vec<String> = r
                .response_headers
                .iter()
                .map(|p| format!("`{}`", p.wire_name))
                .collect();
            let what = match body {
                Some(body) => format!("`body` is the {body} (HTTP {}){how}.{about}", r.status),
                None => format!("`body` is None (HTTP {}).{about}", r.status),
            };
            format!(
                "\n\nReturns:\n    Answer[{}, {class}]: {what}\n    `headers` holds the \
                 response headers {}.",
                body.as_deref().unwrap_or("None"),
                wire.join(", ")
            )
        }
        (None, None) => String::new(),
    }
}

/// How the `Returns:` section says the body arrives, after its status:
/// nothing for JSON, the raw body as it arrived, text decoded as UTF-8, or
/// an open stream of the events of `body_type`.
fn body_delivery(r: &Route, body_type: Option<&str>) -> String {
    match &r.returns_format {
        BodyFormat::Json => String::new(),
        BodyFormat::Bytes { .. } | BodyFormat::Multipart { .. } => {
            format!(": the `{}` body as it arrived", r.returns_format.media())
        }
        BodyFormat::Text { media } => format!(": the `{media}` body, decoded as UTF-8"),
        BodyFormat::EventStream => format!(
            ", open once the response head arrives: iterating yields each event's \
             `{}` as it arrives. Close it (or use `with`) to end the request",
            body_type
                .and_then(|t| t.strip_prefix("EventStream["))
                .and_then(|t| t.strip_suffix(']'))
                .unwrap_or("")
        ),
    }
}

/// The docstring's `Raises:` section: each declared error with its status,
/// then the runtime's errors, with `DecodeError` when response headers or a
/// stream's media type are checked.
fn raises_section(cx: &MethodCx) -> String {
    let mut doc = String::from("\n\nRaises:");
    for e in &cx.r.errors {
        let def = cx.spec.head.error(e);
        let edoc = def
            .and_then(|d| d.doc.as_deref())
            .and_then(|d| d.lines().next())
            .map_or(String::new(), |d| format!(" {d}"));
        let status = def.map_or(0, |d| d.status);
        let class = cx.types.classes.get(e).map_or(e.as_str(), String::as_str);
        doc.push_str(&format!("\n    {class}: HTTP {status}.{edoc}"));
    }
    doc.push_str("\n    ApiError: Any other error response (validation, auth, overload…).");
    doc.push_str("\n    TransportError: No response arrived (connection failed or timed out).");
    if cx.headers.is_some() {
        doc.push_str("\n    DecodeError: A required response header is missing or does not parse.");
    }
    if cx.stream {
        doc.push_str("\n    DecodeError: The success is not a `text/event-stream`.");
    }
    doc
}

/// The method's return annotation: the body's type (bytes, text, or an
/// `EventStream` of events), `None` without one, wrapped in an `Answer`
/// with the response headers' class when the route declares any.
fn method_returns(cx: &MethodCx) -> String {
    let (r, types) = (cx.r, cx.types);
    let returns = cx.returns_body.map(|ty| match &r.returns_format {
        BodyFormat::Json => types.annotation(ty, "_m."),
        BodyFormat::Bytes { .. } | BodyFormat::Multipart { .. } => "bytes".to_string(),
        BodyFormat::Text { .. } => "str".to_string(),
        BodyFormat::EventStream => format!("_rt.EventStream[{}]", types.annotation(ty, "_m.")),
    });
    match cx.headers {
        Some(class) => format!(
            "_rt.Answer[{}, _m.{class}]",
            returns.as_deref().unwrap_or("None")
        ),
        None => returns.unwrap_or_else(|| "None".into()),
    }
}

/// The expression decoding `_response`, if the method returns a body; for
/// a stream, the decoder of each event's value.
fn response_decoder(cx: &MethodCx) -> Option<String> {
    cx.returns_body.map(|ty| match &cx.r.returns_format {
        BodyFormat::Json => format!("{}(_response.json(), \"\")", cx.types.decoder(ty, "_m.")),
        BodyFormat::Bytes { .. } | BodyFormat::Multipart { .. } => "_response.body".to_string(),
        BodyFormat::Text { .. } => "_response.text()".to_string(),
        // The stream decodes each event's value with it.
        BodyFormat::EventStream => cx.types.decoder(ty, "_m."),
    })
}

/// The `Accept` literal of a route answering with a raw body, which also
/// takes problem+json errors. JSON is the transport's default, and so is a
/// stream's.
fn accept_header(cx: &MethodCx) -> Option<String> {
    match (&cx.r.returns_format, cx.returns_body) {
        (BodyFormat::Json | BodyFormat::EventStream, _) | (_, None) => None,
        (format, Some(_)) => Some(string(&format!(
            "{}, application/problem+json",
            format.media()
        ))),
    }
}

/// How the method sends its request body.
struct RequestBody {
    /// The body's JSON expression.
    body: Option<String>,
    /// A raw body's expression, as `bytes`.
    content: Option<String>,
    /// A raw body's `Content-Type` expression.
    content_type: Option<String>,
}

/// How the method sends its body: JSON is encoded from `body`, bytes and
/// text are sent raw with their media type (or the caller's, for a family),
/// and a form (when `has_form`) is encoded into `_content`, with its
/// boundary in `_content_type`.
fn request_body(types: &Types, args: &MethodArgs, has_form: bool) -> RequestBody {
    let (body, content, content_type) = match (&args.body_arg, &args.body_name) {
        (Some(BodyArg::Json(ty)), Some(name)) => (
            Some(types.encoder(ty, name, 0).unwrap_or_else(|| name.clone())),
            None,
            None,
        ),
        (Some(BodyArg::Bytes(media)), Some(name)) => (
            None,
            Some(format!("_rt.raw_bytes({name})")),
            Some(
                args.content_type_name
                    .clone()
                    .unwrap_or_else(|| string(media)),
            ),
        ),
        (Some(BodyArg::Text(media)), Some(name)) => (
            None,
            Some(format!("_rt.raw_text({name})")),
            Some(string(&format!("{media}; charset=utf-8"))),
        ),
        _ if has_form => (
            None,
            Some("_content".to_string()),
            Some("_content_type".to_string()),
        ),
        _ => (None, None, None),
    };
    RequestBody {
        body,
        content,
        content_type,
    }
}

/// The `auth` argument: `None`, or the scheme and, for an API key, its
/// header.
fn auth_arg(auth: &Auth) -> String {
    match auth {
        Auth::None => "None".into(),
        Auth::Bearer => "(\"bearer\", \"\")".into(),
        Auth::ApiKey { header } => format!("(\"api_key\", {})", string(header)),
    }
}

/// An example member of the media type family `media` (`image/*` gives
/// `image/png`), for a docstring, when the family is a common one.
fn example_media(media: &str) -> Option<&'static str> {
    match media {
        "image/*" => Some("image/png"),
        "audio/*" => Some("audio/mpeg"),
        "video/*" => Some("video/mp4"),
        "text/*" => Some("text/plain"),
        "application/*" => Some("application/octet-stream"),
        _ => None,
    }
}
