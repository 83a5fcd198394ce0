//! The template context: every name, type and doc comment of the SDK,
//! computed from the IR as plain data so the templates only lay text out.

use crate::names::{self, Namer};
use crate::shapes::{Shapes, Side, field_on, field_optional};
use gatic_ir::{
    Api, Auth, BodyFormat, Bounds, ErrorDef, Field, Number, Param, ParamLocation, Part, PartKind,
    PathSegment, Primitive, Refinements, Route, Spec, Ty, TyKind, TypeDef, TypeDefKind, ident,
};
use serde::Serialize;
use std::collections::BTreeMap;

/// Everything the templates need.
#[derive(Debug, Serialize)]
pub struct Context {
    /// The "generated, do not edit" sentence.
    pub banner: String,
    /// The spec's file name.
    pub source: String,
    /// The service's name as written.
    pub service: String,
    /// The service's title.
    pub title: String,
    /// The service's doc, as plain text (README).
    pub service_doc: Option<String>,
    /// The client class's doc comment, rendered.
    pub client_doc: String,
    /// The npm package name, as a JSON string.
    pub package_name: String,
    /// The npm package name, bare (README).
    pub package_name_bare: String,
    /// The npm package version, as a JSON string.
    pub package_version: String,
    /// The package description, as a JSON string.
    pub package_description: String,
    /// The banner as a JSON string (package.json's `"//"` member).
    pub banner_json: String,
    /// The client class's name.
    pub client: String,
    /// The API version this SDK sends, as a TypeScript literal (`null` when unversioned).
    pub api_version_literal: String,
    /// The API version, bare.
    pub api_version: Option<String>,
    /// The header the version travels in, as written (`Gati-Version` unless
    /// the service block sets another).
    pub version_header: String,
    /// The same, lowercase, as `Headers` holds it.
    pub version_header_lower: String,
    /// Some route uses bearer auth.
    pub bearer: bool,
    /// Some route uses an API key.
    pub api_key: bool,
    /// The model declarations, in spec order.
    pub models: Vec<Decl>,
    /// The declared errors.
    pub errors: Vec<ErrorCtx>,
    /// The routes.
    pub routes: Vec<RouteCtx>,
    /// Whether `models.ts` must be imported by `client.ts`.
    pub client_uses_models: bool,
    /// Whether `models.ts` must be imported by `errors.ts`.
    pub errors_use_models: bool,
    /// Whether some route has a path parameter.
    pub uses_encode_path: bool,
    /// Whether some route has a cookie parameter.
    pub uses_cookies: bool,
    /// Whether some route declares response headers (its method resolves to an `Answer`).
    pub uses_answer: bool,
    /// Whether some route takes or returns a body that is bytes or text.
    pub uses_raw: bool,
    /// Whether some route takes a multipart form.
    pub uses_form: bool,
    /// Whether some route answers with a stream of server-sent events (its
    /// method resolves to an `EventStream`).
    pub uses_stream: bool,
    /// Whether some route takes bytes of any type of a family (`image/*`).
    pub uses_content_type_arg: bool,
}

/// One declaration of `models.ts`.
#[derive(Debug, Serialize)]
pub struct Decl {
    /// `record`, `enum`, `union` or `alias`.
    pub kind: &'static str,
    /// The TypeScript name.
    pub name: String,
    /// The rendered doc comment (may be empty).
    pub doc: String,
    /// Record fields.
    pub fields: Vec<FieldCtx>,
    /// Enum values and union variants.
    pub members: Vec<MemberCtx>,
    /// The name of the enum's list of known values.
    pub values_name: String,
    /// The union's tag member, as a property key.
    pub tag: Option<String>,
    /// The aliased type.
    pub target: String,
}

/// A record field or an error payload member.
#[derive(Debug, Serialize)]
pub struct FieldCtx {
    /// The rendered doc comment, indented by two spaces.
    pub doc: String,
    /// The property key.
    pub key: String,
    /// May be left out.
    pub optional: bool,
    /// The TypeScript type.
    pub ty: String,
}

/// An enum value or a union variant.
#[derive(Debug, Serialize)]
pub struct MemberCtx {
    /// The rendered doc comment, indented by two spaces.
    pub doc: String,
    /// The value or tag as a string literal.
    pub literal: String,
    /// The variant's TypeScript type.
    pub ty: String,
}

/// A declared error.
#[derive(Debug, Serialize)]
pub struct ErrorCtx {
    /// The spec's name (the problem's `title`).
    pub name: String,
    /// The error class.
    pub class: String,
    /// The problem interface.
    pub problem: String,
    /// The problem `type` URI, as a string literal.
    pub urn: String,
    /// The problem `type` URI, bare.
    pub urn_bare: String,
    /// The HTTP status.
    pub status: u16,
    /// Rendered doc comment for the class.
    pub doc: String,
    /// Rendered doc comment for the problem interface.
    pub problem_doc: String,
    /// The payload members.
    pub fields: Vec<FieldCtx>,
}

/// A route: one client method.
#[derive(Debug, Serialize)]
pub struct RouteCtx {
    /// The spec's name.
    pub name: String,
    /// The method's name.
    pub method_name: String,
    /// The rendered doc comment, indented by two spaces.
    pub doc: String,
    /// The parameter list, as written in the signature.
    pub args: String,
    /// The TypeScript type the method resolves to: the body's type,
    /// `Answer<body, headers>` for a route that declares response headers,
    /// or `EventStream<event>` for a route that answers with events.
    pub returns: String,
    /// The TypeScript type of the success body (`void` without one); for a
    /// stream of events, the type of each event.
    pub body_ty: String,
    /// The result's type for a Markdown table: unqualified, `|` escaped.
    pub returns_md: String,
    /// The HTTP method, as a string literal.
    pub http_method: String,
    /// The HTTP method, bare.
    pub http_method_bare: &'static str,
    /// The path template (`/users/{id}`), for the README.
    pub path_template: String,
    /// The path as a template literal.
    pub path: String,
    /// Query entries: `[wire, expression]`.
    pub query: Vec<(String, String)>,
    /// Header entries.
    pub headers: Vec<(String, String)>,
    /// Cookie entries.
    pub cookies: Vec<(String, String)>,
    /// The body expression, when the route takes one (JSON, bytes or text).
    pub body: Option<String>,
    /// The multipart form, when the route takes one instead of a body.
    pub form: Option<FormCtx>,
    /// The auth expression: `"none"`, `"bearer"` or `{ header: "…" }`.
    pub auth: String,
    /// Safe to repeat (GET, HEAD, PUT, DELETE, OPTIONS).
    pub idempotent: bool,
    /// How the runtime reads a success body: `json`, `blob`, `text`,
    /// `stream` (server-sent events, read as they come) or `none` (no
    /// content, or a `HEAD`).
    pub reads: &'static str,
    /// The expression the body's `Content-Type` comes from when the body is
    /// not JSON: a string literal, or the `contentType` argument.
    pub content_type: Option<String>,
    /// The `Accept` header, as a string literal, when the success body is not JSON.
    pub accept: Option<String>,
    /// The media type of a body that is not JSON (bytes, text or a
    /// multipart form), for the README's table.
    pub body_media: Option<String>,
    /// The media type of a success body that is not JSON, for the README's table.
    pub returns_media: Option<String>,
    /// The success status.
    pub status: u16,
    /// The params interface, when the route has query, header or cookie parameters.
    pub params: Option<ParamsCtx>,
    /// The headers interface, when the route declares response headers.
    pub response_headers: Option<HeadersCtx>,
    /// The declared errors' classes, for the doc comment and README.
    pub errors: Vec<String>,
}

/// The interface holding a route's query, header and cookie parameters.
#[derive(Debug, Serialize)]
pub struct ParamsCtx {
    /// The interface's name.
    pub name: String,
    /// Its rendered doc comment.
    pub doc: String,
    /// Its members.
    pub fields: Vec<FieldCtx>,
    /// Whether the argument may be left out (every member is optional).
    pub optional: bool,
}

/// The interface holding a route's multipart form, and how it is sent.
#[derive(Debug, Serialize)]
pub struct FormCtx {
    /// The interface's name.
    pub name: String,
    /// Its rendered doc comment.
    pub doc: String,
    /// Its members, one per part.
    pub fields: Vec<FieldCtx>,
    /// How the transport sends each part, in declaration order: an object
    /// literal of the runtime's `FormPart` (`{ name: "photo", file: form.photo }`
    /// or `{ name: "caption", value: form.caption }`).
    pub parts: Vec<String>,
}

/// The interface holding a route's declared response headers.
#[derive(Debug, Serialize)]
pub struct HeadersCtx {
    /// The interface's name.
    pub name: String,
    /// Its rendered doc comment.
    pub doc: String,
    /// Its members.
    pub fields: Vec<FieldCtx>,
    /// How the transport reads each header: an object literal of the
    /// runtime's `ResponseHeader` (`{ key: "etag", name: "ETag", type: "string" }`).
    pub reads: Vec<String>,
}

/// Names of the spec's types: the main declaration and the request shape.
struct TypeNames {
    main: BTreeMap<String, String>,
    input: BTreeMap<String, String>,
}

/// Builds the context for `spec`.
pub fn build(spec: &Spec) -> Context {
    let api = &spec.head;
    let shapes = Shapes::of(api);
    let client = format!("{}Client", names::pascal(&spec.service.name));
    let mut namer = Namer::with_reserved(names::SDK_EXPORTS.iter().copied());
    let client = namer.take(&client);
    let tn = type_names(api, &shapes, &mut namer);
    let models = models(api, &shapes, &tn, &mut namer);

    let errors: Vec<ErrorCtx> = api
        .errors
        .iter()
        .map(|e| error_ctx(spec, &tn, &mut namer, e))
        .collect();
    let error_class: BTreeMap<&str, &str> = errors
        .iter()
        .map(|e| (e.name.as_str(), e.class.as_str()))
        .collect();

    let sdk = Sdk {
        client: &client,
        api,
        tn: &tn,
        error_class: &error_class,
    };
    let mut methods = Namer::with_reserved(["constructor"]);
    let routes: Vec<RouteCtx> = api
        .routes
        .iter()
        .map(|r| route_ctx(&sdk, &mut namer, &mut methods, r))
        .collect();

    let api_version = spec.versions.last().map(|v| v.date.clone());
    let banner = format!("Generated by gatic from {}. Do not edit.", spec.source);
    let package = format!("{}-client", ident::kebab(&spec.service.name));
    let version = package_version(api_version.as_deref());
    let client_uses_models = routes.iter().any(route_uses_models);
    let errors_use_models = errors
        .iter()
        .any(|e| e.fields.iter().any(|f| f.ty.contains("models.")));
    Context {
        banner: banner.clone(),
        source: spec.source.clone(),
        service: spec.service.name.clone(),
        title: spec.service.title.clone(),
        service_doc: spec.service.doc.clone(),
        client_doc: jsdoc(&client_doc_lines(spec), ""),
        package_name: names::string(&package),
        package_name_bare: package,
        package_version: names::string(&version),
        package_description: names::string(&format!(
            "TypeScript client for the {} API.",
            spec.service.title
        )),
        banner_json: names::string(&banner),
        client,
        api_version_literal: api_version
            .as_deref()
            .map_or_else(|| "null".to_string(), names::string),
        api_version,
        version_header: spec.service.version_header().to_string(),
        version_header_lower: spec.service.version_header().to_ascii_lowercase(),
        bearer: api.routes.iter().any(|r| r.auth == Auth::Bearer),
        api_key: api
            .routes
            .iter()
            .any(|r| matches!(r.auth, Auth::ApiKey { .. })),
        models,
        errors,
        client_uses_models,
        errors_use_models,
        uses_cookies: routes.iter().any(|r| !r.cookies.is_empty()),
        uses_answer: routes.iter().any(|r| r.response_headers.is_some()),
        uses_raw: api.routes.iter().any(|r| {
            (r.body.is_some() && raw_media(&r.body_format).is_some())
                || (r.returns.is_some()
                    && matches!(
                        r.returns_format,
                        BodyFormat::Bytes { .. } | BodyFormat::Text { .. }
                    ))
        }),
        uses_form: routes.iter().any(|r| r.form.is_some()),
        uses_stream: routes.iter().any(|r| r.reads == "stream"),
        uses_content_type_arg: api.routes.iter().any(wildcard_body),
        uses_encode_path: api
            .routes
            .iter()
            .any(|r| r.path.iter().any(|s| matches!(s, PathSegment::Param(_)))),
        routes,
    }
}

/// The spec's type names, taken in `namer`: every type's own name first,
/// then the request shapes (`UserInput`) of the types that have one, so a
/// derived name never renames a spec's.
fn type_names(api: &Api, shapes: &Shapes, namer: &mut Namer) -> TypeNames {
    let mut main = BTreeMap::new();
    for t in &api.types {
        main.insert(t.name.clone(), namer.take(&names::pascal(&t.name)));
    }
    let mut input = BTreeMap::new();
    for t in &api.types {
        if shapes.has_input(&t.name) {
            input.insert(
                t.name.clone(),
                namer.take(&format!("{}Input", names::pascal(&t.name))),
            );
        }
    }
    TypeNames { main, input }
}

/// The declarations of `models.ts`, in spec order: each type's main
/// declaration, followed by its request shape when it has one.
fn models(api: &Api, shapes: &Shapes, tn: &TypeNames, namer: &mut Namer) -> Vec<Decl> {
    let mut models = Vec::new();
    for t in &api.types {
        let name = tn.main[&t.name].clone();
        let side = shapes.main_side(&t.name);
        let doc_lines = type_doc_lines(tn, t, side);
        models.push(decl(tn, namer, &t.kind, name, &doc_lines, side));
        if let Some(input_name) = tn.input.get(&t.name) {
            let mut lines = doc_lines.clone();
            if !lines.is_empty() {
                lines.push(String::new());
            }
            lines.push(format!(
                "The request shape of {{@link {}}}: what clients send.",
                tn.main[&t.name]
            ));
            models.push(decl(
                tn,
                namer,
                &t.kind,
                input_name.clone(),
                &lines,
                Side::Request,
            ));
        }
    }
    models
}

/// The doc lines of the type `t`'s main declaration (on `side`): its doc,
/// the generic record it was instantiated from, and whether it is
/// deprecated.
fn type_doc_lines(tn: &TypeNames, t: &TypeDef, side: Side) -> Vec<String> {
    let mut lines = doc_lines(t.doc.as_deref());
    if let Some(instance) = &t.instance {
        if !lines.is_empty() {
            lines.push(String::new());
        }
        let args: Vec<String> = instance
            .args
            .iter()
            .map(|a| ts_ty(tn, a, side, ""))
            .collect();
        lines.push(format!(
            "Instantiated from the generic record `{}` as `{}<{}>`.",
            instance.generic,
            instance.generic,
            args.join(", ")
        ));
    }
    if t.deprecated {
        lines.push("@deprecated".into());
    }
    lines
}

/// The npm package version: the API version's date as numbers
/// (`2025-06-01` gives `2025.6.1`), or `0.0.0` when the spec is
/// unversioned.
fn package_version(api_version: Option<&str>) -> String {
    api_version.map_or_else(|| "0.0.0".to_string(), gatic_ir::date_version)
}

/// The client class's doc lines: the service's doc, then what the client
/// is.
fn client_doc_lines(spec: &Spec) -> Vec<String> {
    let mut client_doc = doc_lines(spec.service.doc.as_deref());
    if !client_doc.is_empty() {
        client_doc.push(String::new());
    }
    client_doc.push(format!(
        "The {} API client: one method per route.",
        spec.service.title
    ));
    client_doc
}

/// Whether the method of `r` names a model anywhere `client.ts` writes it:
/// its result, arguments, or the members of its params, response headers
/// or form interfaces.
fn route_uses_models(r: &RouteCtx) -> bool {
    r.returns.contains("models.")
        || r.args.contains("models.")
        || r.params
            .as_ref()
            .is_some_and(|p| p.fields.iter().any(|f| f.ty.contains("models.")))
        || r.response_headers
            .as_ref()
            .is_some_and(|h| h.fields.iter().any(|f| f.ty.contains("models.")))
        || r.form
            .as_ref()
            .is_some_and(|f| f.fields.iter().any(|f| f.ty.contains("models.")))
}

fn decl(
    tn: &TypeNames,
    namer: &mut Namer,
    kind: &TypeDefKind,
    name: String,
    doc: &[String],
    side: Side,
) -> Decl {
    let mut d = Decl {
        kind: "alias",
        doc: jsdoc(doc, ""),
        name,
        fields: Vec::new(),
        members: Vec::new(),
        values_name: String::new(),
        tag: None,
        target: String::new(),
    };
    match kind {
        TypeDefKind::Record { fields } => {
            d.kind = "record";
            d.fields = fields
                .iter()
                .filter(|f| field_on(f, side))
                .map(|f| field_ctx(tn, f, side, ""))
                .collect();
        }
        TypeDefKind::Enum { values } => {
            d.kind = "enum";
            d.values_name = namer.take(&format!("{}_VALUES", ident::screaming(&d.name)));
            d.members = values
                .iter()
                .map(|v| {
                    let mut lines = doc_lines(v.doc.as_deref());
                    if v.deprecated {
                        lines.push("@deprecated".into());
                    }
                    MemberCtx {
                        doc: jsdoc(&lines, "  "),
                        literal: names::string(&v.name),
                        ty: String::new(),
                    }
                })
                .collect();
        }
        TypeDefKind::Union { tag, variants } => {
            d.kind = "union";
            d.tag = tag.as_deref().map(names::property);
            d.members = variants
                .iter()
                .map(|v| {
                    let literal = names::string(&v.name);
                    let payload = ts_ty(tn, &v.ty, side, "");
                    let ty = match &d.tag {
                        Some(tag) => format!("({{ {tag}: {literal} }} & {payload})"),
                        None => payload,
                    };
                    MemberCtx {
                        doc: jsdoc(&doc_lines(v.doc.as_deref()), "  "),
                        literal,
                        ty,
                    }
                })
                .collect();
        }
        TypeDefKind::Alias { target } => {
            d.target = ts_ty(tn, target, side, "");
            if let Some(note) = refinement_note(&target.refinements) {
                let mut lines = doc.to_vec();
                lines.push(note);
                d.doc = jsdoc(&lines, "");
            }
        }
    }
    d
}

fn field_ctx(tn: &TypeNames, f: &Field, side: Side, prefix: &str) -> FieldCtx {
    let mut lines = doc_lines(f.doc.as_deref());
    if let Some(note) = refinement_note(&f.ty.refinements) {
        lines.push(note);
    }
    if side == Side::Request
        && let Some(v) = &f.default
    {
        lines.push(format!("@defaultValue `{}`", v.to_json()));
    }
    if f.deprecated {
        lines.push("@deprecated".into());
    }
    FieldCtx {
        doc: jsdoc(&lines, "  "),
        key: names::property(&f.name),
        optional: field_optional(f, side),
        ty: ts_ty(tn, &f.ty, side, prefix),
    }
}

fn error_ctx(spec: &Spec, tn: &TypeNames, namer: &mut Namer, e: &ErrorDef) -> ErrorCtx {
    let base = names::pascal(&e.name);
    // `NotFound` → `NotFoundError`, `ValidationError` stays, `Error` → `ErrorError`.
    let class = if base.ends_with("Error") && base != "Error" {
        base.clone()
    } else {
        format!("{base}Error")
    };
    let class = namer.take(&class);
    let problem = namer.take(&format!("{base}Problem"));
    let urn = gatic_ir::wire::problem_type(&spec.service.name, &e.name);
    let mut lines = doc_lines(e.doc.as_deref());
    if !lines.is_empty() {
        lines.push(String::new());
    }
    lines.push(format!(
        "Thrown for a `{}` problem (`{urn}`): the declared error `{}`.",
        e.status, e.name
    ));
    ErrorCtx {
        name: e.name.clone(),
        class,
        doc: jsdoc(&lines, ""),
        problem_doc: jsdoc(
            &[format!(
                "The problem+json body of `{}`: the standard members plus the error's payload.",
                e.name
            )],
            "",
        ),
        problem,
        urn: names::string(&urn),
        urn_bare: urn,
        status: e.status,
        fields: e
            .fields
            .iter()
            .map(|f| field_ctx(tn, f, Side::Response, "models."))
            .collect(),
    }
}

/// What every route's method is computed against: the client, the API and
/// the names of its types and errors.
struct Sdk<'a> {
    /// The client class, which docs link methods through.
    client: &'a str,
    /// The API, for response headers' types.
    api: &'a Api,
    /// The types' TypeScript names.
    tn: &'a TypeNames,
    /// Each declared error's class, by spec name.
    error_class: &'a BTreeMap<&'a str, &'a str>,
}

/// One client method: the route, the SDK it belongs to and its name, for
/// the interfaces whose docs link back to it.
struct MethodCx<'a> {
    /// The SDK.
    sdk: &'a Sdk<'a>,
    /// The route.
    r: &'a Route,
    /// The method's name.
    name: &'a str,
}

/// The client method of `r`, its name taken in `methods`; the interfaces of
/// its form, parameters and response headers take theirs in `namer`, in
/// that order.
fn route_ctx(sdk: &Sdk, namer: &mut Namer, methods: &mut Namer, r: &Route) -> RouteCtx {
    let tn = sdk.tn;
    let method_name = methods.take_member(&names::camel(&r.name));
    let m = MethodCx {
        sdk,
        r,
        name: &method_name,
    };
    let wildcard = wildcard_body(r);
    let mut args_namer = args_namer(r, wildcard);
    let mut args = Vec::new();
    let arg_of = path_args(tn, r, &mut args_namer, &mut args);
    let path = path_literal(r, &arg_of);
    // A form is sent from its own argument; the route's body is then only a
    // placeholder.
    let form = match &r.body_format {
        BodyFormat::Multipart { parts } => {
            let name = namer.take(&format!("{}Form", names::pascal(&r.name)));
            args.push(format!("form: {name}"));
            Some(form_ctx(tn, sdk.client, &method_name, name, parts))
        }
        _ => None,
    };
    let body = body_arg(tn, r, form.is_some(), wildcard, &mut args);
    let reads = reads(r);
    let body_media = match &r.body_format {
        BodyFormat::Multipart { .. } => Some(r.body_format.media()),
        other => raw_media(other).filter(|_| r.body.is_some()),
    };
    let returns_media = raw_media(&r.returns_format).filter(|_| r.returns.is_some());
    // Error answers are problem+json whatever the success body is.
    let accept = returns_media.map(|m| names::string(&format!("{m}, application/problem+json")));

    let others: Vec<&Param> = r
        .params
        .iter()
        .filter(|p| p.location != ParamLocation::Path)
        .collect();
    let params = params_ctx(&m, namer, &others, &mut args);
    let response_headers = headers_ctx(&m, namer);
    let object = if params.as_ref().is_some_and(|p| p.optional) {
        "params?"
    } else {
        "params"
    };
    let entries = |loc: ParamLocation| param_entries(&others, loc, object);
    args.push("options?: RequestOptions".to_string());

    let errors: Vec<String> = r
        .errors
        .iter()
        .filter_map(|e| sdk.error_class.get(e.as_str()).map(|c| c.to_string()))
        .collect();
    let mut lines = doc_lines(r.doc.as_deref());
    if !lines.is_empty() {
        lines.push(String::new());
    }
    lines.push(summary_line(r, reads, response_headers.as_ref()));
    lines.extend(body_sentence(r, form.as_ref(), wildcard));
    lines.extend(result_sentences(r, reads));
    lines.extend(doc_tags(
        r,
        form.is_some(),
        body.is_some(),
        wildcard,
        &errors,
    ));
    let body_ty = body_ty(tn, r);
    let returns = match &response_headers {
        // The checker refuses response headers on a stream of events.
        _ if reads == "stream" => format!("EventStream<{body_ty}>"),
        Some(h) => format!("Answer<{body_ty}, {}>", h.name),
        None => body_ty.clone(),
    };
    RouteCtx {
        returns_md: returns.replace("models.", "").replace('|', "\\|"),
        name: r.name.clone(),
        method_name,
        doc: jsdoc(&lines, "  "),
        args: args.join(", "),
        reads,
        content_type: content_type(r, wildcard),
        accept,
        body_media: body_media.map(str::to_string),
        returns_media: returns_media.map(str::to_string),
        returns,
        body_ty,
        http_method: names::string(r.method.as_str()),
        http_method_bare: r.method.as_str(),
        path_template: r.path_template(),
        path,
        query: entries(ParamLocation::Query),
        headers: entries(ParamLocation::Header),
        cookies: entries(ParamLocation::Cookie),
        body,
        form,
        auth: match &r.auth {
            Auth::None => "\"none\"".to_string(),
            Auth::Bearer => "\"bearer\"".to_string(),
            Auth::ApiKey { header } => format!("{{ header: {} }}", names::string(header)),
        },
        idempotent: r.method.is_idempotent(),
        status: r.status,
        params,
        response_headers,
        errors,
    }
}

/// The namer of `r`'s method arguments. The method's own locals and
/// imports are reserved, and so are the arguments a path parameter must not
/// take: `contentType` for a body of a media type family (`wildcard`), and
/// `form` for a multipart form.
fn args_namer(r: &Route, wildcard: bool) -> Namer {
    let mut args_namer = Namer::with_reserved([
        "options",
        "params",
        "body",
        "models",
        "encodePath",
        "arguments",
        "eval",
    ]);
    if wildcard {
        // The body's media type: a path parameter must not take its name.
        args_namer.take("contentType");
    }
    if matches!(r.body_format, BodyFormat::Multipart { .. }) {
        // The form's argument, likewise.
        args_namer.take("form");
    }
    args_namer
}

/// Adds one argument per path parameter of `r` to `args`, in declaration
/// order, and returns each one's argument name by parameter name.
fn path_args(
    tn: &TypeNames,
    r: &Route,
    args_namer: &mut Namer,
    args: &mut Vec<String>,
) -> BTreeMap<String, String> {
    let mut arg_of = BTreeMap::new();
    for p in r
        .params
        .iter()
        .filter(|p| p.location == ParamLocation::Path)
    {
        let arg = args_namer.take(&names::camel(&p.name));
        args.push(format!(
            "{arg}: {}",
            ts_ty(tn, &p.ty, Side::Request, "models.")
        ));
        arg_of.insert(p.name.clone(), arg);
    }
    arg_of
}

/// The request path as a template literal: literal segments escaped, each
/// parameter's argument (`arg_of`) through `encodePath`.
fn path_literal(r: &Route, arg_of: &BTreeMap<String, String>) -> String {
    if r.path.is_empty() {
        return "`/`".to_string();
    }
    let mut s = String::from("`");
    for seg in &r.path {
        s.push('/');
        match seg {
            PathSegment::Literal(l) => s.push_str(&template_escape(l)),
            PathSegment::Param(p) => {
                let arg = arg_of.get(p).cloned().unwrap_or_else(|| names::camel(p));
                s.push_str(&format!("${{encodePath({arg})}}"));
            }
        }
    }
    s.push('`');
    s
}

/// Adds the `body` argument to `args` when `r` takes a body other than a
/// form (`has_form`), typed by its format, followed by `contentType` for a
/// media type family (`wildcard`); returns the body expression.
fn body_arg(
    tn: &TypeNames,
    r: &Route,
    has_form: bool,
    wildcard: bool,
    args: &mut Vec<String>,
) -> Option<String> {
    let b = r.body.as_ref().filter(|_| !has_form)?;
    let ty = match &r.body_format {
        BodyFormat::Bytes { .. } => "Blob | ArrayBuffer | Uint8Array".to_string(),
        BodyFormat::Text { .. } => "string".to_string(),
        // A form never gets here: it has its own argument; the checker
        // refuses an event stream as a request body.
        BodyFormat::Json | BodyFormat::Multipart { .. } | BodyFormat::EventStream => {
            ts_ty(tn, b, Side::Request, "models.")
        }
    };
    args.push(format!("body: {ty}"));
    if wildcard {
        args.push("contentType: string".to_string());
    }
    Some("body".to_string())
}

/// Where the body's `Content-Type` comes from when the body is bytes or
/// text: its media type, or the `contentType` argument for a family
/// (`wildcard`). JSON is the transport's default, and a form's
/// `Content-Type` carries its boundary, which `fetch` sets.
fn content_type(r: &Route, wildcard: bool) -> Option<String> {
    match &r.body_format {
        BodyFormat::Json | BodyFormat::Multipart { .. } | BodyFormat::EventStream => None,
        BodyFormat::Bytes { .. } if wildcard => Some("contentType".to_string()),
        BodyFormat::Bytes { media } => Some(names::string(media)),
        BodyFormat::Text { media } => Some(names::string(&format!("{media}; charset=utf-8"))),
    }
    .filter(|_| r.body.is_some())
}

/// How the runtime reads `r`'s success body: `none` without one (or for a
/// `HEAD`), else `json`, `blob`, `text` or `stream`, by its format.
fn reads(r: &Route) -> &'static str {
    let is_head = r.method == gatic_ir::Method::Head;
    match (&r.returns, &r.returns_format) {
        (None, _) => "none",
        (Some(_), _) if is_head => "none",
        // A response is never a form: the checker allows them in requests only.
        (Some(_), BodyFormat::Json | BodyFormat::Multipart { .. }) => "json",
        (Some(_), BodyFormat::Bytes { .. }) => "blob",
        (Some(_), BodyFormat::Text { .. }) => "text",
        (Some(_), BodyFormat::EventStream) => "stream",
    }
}

/// The interface of the route's query, header and cookie parameters
/// (`others`), when it has any, and its `params` argument, which may be
/// left out when every member is optional.
fn params_ctx(
    m: &MethodCx,
    namer: &mut Namer,
    others: &[&Param],
    args: &mut Vec<String>,
) -> Option<ParamsCtx> {
    if others.is_empty() {
        return None;
    }
    let name = namer.take(&format!("{}Params", names::pascal(&m.r.name)));
    let fields: Vec<FieldCtx> = others.iter().map(|p| param_field(m.sdk.tn, p)).collect();
    let optional = fields.iter().all(|f| f.optional);
    args.push(format!("params{}: {name}", if optional { "?" } else { "" }));
    Some(ParamsCtx {
        doc: jsdoc(
            &[format!(
                "The query, header and cookie parameters of {{@link {}.{}}}.",
                m.sdk.client, m.name
            )],
            "",
        ),
        name,
        fields,
        optional,
    })
}

/// The member of a params interface for the parameter `p`: optional when
/// it is optional or has a default, documented with where it is sent.
fn param_field(tn: &TypeNames, p: &Param) -> FieldCtx {
    let mut lines = doc_lines(p.doc.as_deref());
    let place = match p.location {
        ParamLocation::Query => "query parameter",
        ParamLocation::Header => "header",
        ParamLocation::Cookie => "cookie",
        ParamLocation::Path => "path parameter",
    };
    lines.push(format!("Sent as the `{}` {place}.", p.wire_name));
    if let Some(note) = refinement_note(&p.ty.refinements) {
        lines.push(note);
    }
    if let Some(v) = &p.default {
        lines.push(format!("@defaultValue `{}`", v.to_json()));
    }
    if p.deprecated {
        lines.push("@deprecated".into());
    }
    FieldCtx {
        doc: jsdoc(&lines, "  "),
        key: names::property(&p.name),
        optional: p.optional || p.default.is_some(),
        ty: ts_ty(tn, &p.ty, Side::Request, "models."),
    }
}

/// The `[wire, expression]` entries of the parameters among `others` sent
/// in `loc`, each read from the params argument (`object`).
fn param_entries(others: &[&Param], loc: ParamLocation, object: &str) -> Vec<(String, String)> {
    others
        .iter()
        .filter(|p| p.location == loc)
        .map(|p| (names::string(&p.wire_name), names::access(object, &p.name)))
        .collect()
}

/// The interface of the route's declared response headers, when it has
/// any, with how the transport reads each.
fn headers_ctx(m: &MethodCx, namer: &mut Namer) -> Option<HeadersCtx> {
    let r = m.r;
    if r.response_headers.is_empty() {
        return None;
    }
    let name = namer.take(&format!("{}Headers", names::pascal(&r.name)));
    Some(HeadersCtx {
        doc: jsdoc(
            &[format!(
                "The response headers of {{@link {}.{}}}, read from a success answer.",
                m.sdk.client, m.name
            )],
            "",
        ),
        name,
        fields: r
            .response_headers
            .iter()
            .map(|h| response_header_field(m.sdk.tn, h))
            .collect(),
        reads: r
            .response_headers
            .iter()
            .map(|h| response_header_read(m.sdk.api, h))
            .collect(),
    })
}

/// The doc comment's summary line: method, path and what the success
/// answers with (`reads`), naming the response headers when there are a
/// few and linking their interface when there are more.
fn summary_line(r: &Route, reads: &str, response_headers: Option<&HeadersCtx>) -> String {
    let mut line = format!(
        "`{} {}`{}",
        r.method.as_str(),
        r.path_template(),
        match (&r.returns, r.status) {
            (Some(_), s) if reads == "stream" => format!(": `{s}` with a stream of events"),
            (Some(_), s) => format!(": `{s}` with the result"),
            (None, s) => format!(": `{s}`, no content"),
        }
    );
    if let Some(h) = response_headers {
        let wire: Vec<&str> = r
            .response_headers
            .iter()
            .map(|h| h.wire_name.as_str())
            .collect();
        let and = if r.returns.is_some() {
            " and"
        } else {
            ", with"
        };
        // A few headers are named; more are left to the interface.
        let which = if wire.len() <= 3 {
            header_list(&wire)
        } else {
            format!("the headers of {{@link {}}}", h.name)
        };
        line.push_str(&format!("{and} {which}"));
    }
    line.push('.');
    line
}

/// The doc comment's sentence on how the request body is sent: a form's
/// parts, or bytes or text with their media type (the caller's, for a
/// family: `wildcard`). None for JSON or no body.
fn body_sentence(r: &Route, form: Option<&FormCtx>, wildcard: bool) -> Option<String> {
    if let Some(f) = form {
        return Some(format!(
            "Sends `form` as `multipart/form-data`: the parts of {{@link {}}}, absent optional ones left out.",
            f.name
        ));
    }
    r.body.as_ref()?;
    match &r.body_format {
        BodyFormat::Json | BodyFormat::Multipart { .. } | BodyFormat::EventStream => None,
        BodyFormat::Bytes { media } if wildcard => Some(format!(
            "Sends `body` as it is, with `contentType` (which must match `{media}`) as its `Content-Type`."
        )),
        BodyFormat::Bytes { media } => Some(format!("Sends `body` as it is, as `{media}`.")),
        BodyFormat::Text { media } => Some(format!("Sends `body` as UTF-8 `{media}`.")),
    }
}

/// The doc comment's sentences on a result that is not JSON: bytes as a
/// `Blob`, text, or a stream of events and how to read and end it.
fn result_sentences(r: &Route, reads: &str) -> Vec<String> {
    match reads {
        "blob" => vec![format!(
            "The result is the `{}` bytes, as a `Blob`.",
            r.returns_format.media()
        )],
        "text" => vec![format!(
            "The result is the `{}` text.",
            r.returns_format.media()
        )],
        "stream" => vec![
            "The result is the stream of server-sent events, once the response head arrives: `for await` yields each event's value (leaving the loop early closes the stream), `lastEventId` is the last one's id and `close()` ends the request.".to_string(),
            "An `event: error` from the server is thrown from the loop as an `ApiError`. `timeoutMs` bounds only the wait for the head, and a stream that breaks is never reopened.".to_string(),
        ],
        _ => Vec::new(),
    }
}

/// The doc comment's tags: `@param` for the form (`has_form`) or body
/// argument (`has_body`) and for `contentType` (`wildcard`), `@returns`,
/// `@throws` for each declared error class (`errors`) and for `ApiError`,
/// and `@deprecated`.
fn doc_tags(
    r: &Route,
    has_form: bool,
    has_body: bool,
    wildcard: bool,
    errors: &[String],
) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(d) = &r.body_doc {
        if has_form {
            lines.push(format!("@param form - {}", gatic_ir::doc::one_line(d)));
        } else if has_body {
            lines.push(format!("@param body - {}", gatic_ir::doc::one_line(d)));
        }
    }
    if wildcard {
        lines.push(format!(
            "@param contentType - The body's media type, which must match `{}`.",
            r.body_format.media()
        ));
    }
    if let (Some(d), Some(_)) = (&r.returns_doc, &r.returns) {
        lines.push(format!("@returns {}", gatic_ir::doc::one_line(d)));
    }
    for e in errors {
        lines.push(format!("@throws {{@link {e}}}"));
    }
    lines.push("@throws {@link ApiError} for any other error response.".to_string());
    if r.deprecated {
        lines.push("@deprecated".into());
    }
    lines
}

/// The TypeScript type of `r`'s success body: `void` without one, a `Blob`
/// for bytes, a `string` for text, else the route's type (for a stream,
/// each event's).
fn body_ty(tn: &TypeNames, r: &Route) -> String {
    match (&r.returns, &r.returns_format) {
        (None, _) => "void".to_string(),
        // A stream's events are each one value of the route's type.
        (Some(t), BodyFormat::Json | BodyFormat::Multipart { .. } | BodyFormat::EventStream) => {
            ts_ty(tn, t, Side::Response, "models.")
        }
        (Some(_), BodyFormat::Bytes { .. }) => "Blob".to_string(),
        (Some(_), BodyFormat::Text { .. }) => "string".to_string(),
    }
}

/// The form interface of a route that takes the multipart form `parts`,
/// named `name`, for the method `client.method_name`.
fn form_ctx(
    tn: &TypeNames,
    client: &str,
    method_name: &str,
    name: String,
    parts: &[Part],
) -> FormCtx {
    let fields = parts
        .iter()
        .map(|p| {
            let mut lines = doc_lines(p.doc.as_deref());
            let ty = match &p.kind {
                PartKind::File { accept } => {
                    lines.extend(file_part_doc(accept));
                    "Blob".to_string()
                }
                PartKind::Value { ty } => {
                    if let Some(note) = refinement_note(&ty.refinements) {
                        lines.push(note);
                    }
                    ts_ty(tn, ty, Side::Request, "models.")
                }
            };
            FieldCtx {
                doc: jsdoc(&lines, "  "),
                key: names::property(&p.name),
                optional: p.optional,
                ty,
            }
        })
        .collect();
    let parts = parts
        .iter()
        .map(|p| {
            let member = match p.kind {
                PartKind::File { .. } => "file",
                PartKind::Value { .. } => "value",
            };
            format!(
                "{{ name: {}, {member}: {} }}",
                names::string(&p.name),
                names::access("form", &p.name)
            )
        })
        .collect();
    FormCtx {
        doc: jsdoc(
            &[format!(
                "The multipart form of {{@link {client}.{method_name}}}: one member per part."
            )],
            "",
        ),
        name,
        fields,
        parts,
    }
}

/// The doc lines of a file part that accepts `accept`: which types it takes,
/// and that the Blob's `type` and a `File`'s `name` are what is sent.
fn file_part_doc(accept: &str) -> Vec<String> {
    let which = if accept == "*/*" {
        "A file of any media type.".to_string()
    } else if accept.ends_with("/*") {
        format!("A file of any `{accept}` type.")
    } else {
        format!("A file of type `{accept}`.")
    };
    // A family's example is its most common member.
    let example = match accept {
        "*/*" => Some("application/pdf"),
        "image/*" => Some("image/png"),
        "text/*" => Some("text/plain"),
        "audio/*" => Some("audio/mpeg"),
        "video/*" => Some("video/mp4"),
        "application/*" => Some("application/pdf"),
        family if family.ends_with("/*") => None,
        concrete => Some(concrete),
    };
    let set = match example {
        Some(m) => format!(
            "so set it, as in `new Blob([bytes], {{ type: {} }})`",
            names::string(m)
        ),
        None => "so set it".to_string(),
    };
    // A media type such as `*/*` must not end the comment.
    [
        which,
        format!("The Blob's `type` is sent as the part's `Content-Type`, {set}."),
        "A `File`'s `name` is sent as its file name; a plain Blob is named after the part."
            .to_string(),
    ]
    .into_iter()
    .map(|l| l.replace("*/", "*\\/"))
    .collect()
}

/// The media type of a body that is bytes or text; `None` for JSON and forms.
fn raw_media(format: &BodyFormat) -> Option<&str> {
    match format {
        BodyFormat::Json | BodyFormat::Multipart { .. } => None,
        raw => Some(raw.media()),
    }
}

/// Whether `r` takes bytes of any type of a family (`body bytes "image/*"`):
/// its method then takes the body's media type as an argument.
fn wildcard_body(r: &Route) -> bool {
    r.body.is_some()
        && matches!(&r.body_format, BodyFormat::Bytes { media } if media.ends_with("/*"))
}

/// The member of a headers interface for the declared response header `h`.
fn response_header_field(tn: &TypeNames, h: &Param) -> FieldCtx {
    let mut lines = doc_lines(h.doc.as_deref());
    lines.push(format!("Read from the `{}` header.", h.wire_name));
    if let Some(note) = refinement_note(&h.ty.refinements) {
        lines.push(note);
    }
    if h.deprecated {
        lines.push("@deprecated".into());
    }
    // The server cannot send `null` in a header (it answers 500 instead), so
    // the value never is.
    let ty = Ty {
        nullable: false,
        ..h.ty.clone()
    };
    FieldCtx {
        doc: jsdoc(&lines, "  "),
        key: names::property(&h.name),
        optional: response_header_optional(h),
        ty: ts_ty(tn, &ty, Side::Response, "models."),
    }
}

/// Whether the server may leave the response header `h` out: it always
/// sends a required one and one with a default.
fn response_header_optional(h: &Param) -> bool {
    h.optional && h.default.is_none()
}

/// The runtime's description of how to read the response header `h`: an
/// object literal of its `ResponseHeader` interface.
fn response_header_read(api: &Api, h: &Param) -> String {
    format!(
        "{{ key: {}, name: {}, type: {}{} }}",
        names::string(&h.name),
        names::string(&h.wire_name),
        names::string(header_text_type(api, &h.ty, 0)),
        if response_header_optional(h) {
            ", optional: true"
        } else {
            ""
        }
    )
}

/// How a header's text turns into a value of `ty`: `integer` and `number`
/// are parsed, `boolean` is `true` or `false`, and everything else (strings,
/// UUIDs, dates, decimals, enums) is the text itself. Aliases are followed
/// up to 16 deep (`depth` counts them; the checker rejects cycles anyway).
fn header_text_type(api: &Api, ty: &Ty, depth: usize) -> &'static str {
    match &ty.kind {
        TyKind::Primitive(Primitive::Int32 | Primitive::Int64) => "integer",
        TyKind::Primitive(Primitive::Float64) => "number",
        TyKind::Primitive(Primitive::Bool) => "boolean",
        TyKind::Named(n) if depth < 16 => match api.ty(n).map(|t| &t.kind) {
            Some(TypeDefKind::Alias { target }) => header_text_type(api, target, depth + 1),
            _ => "string",
        },
        _ => "string",
    }
}

/// Header names as prose: the `A` header, the `A` and `B` headers, the `A`,
/// `B` and `C` headers.
fn header_list(wire: &[&str]) -> String {
    let quoted: Vec<String> = wire.iter().map(|w| format!("`{w}`")).collect();
    match quoted.as_slice() {
        [] => String::new(),
        [one] => format!("the {one} header"),
        [init @ .., last] => format!("the {} and {last} headers", init.join(", ")),
    }
}

/// The TypeScript type of `ty` on `side`; `prefix` qualifies model names
/// (`models.` outside `models.ts`).
fn ts_ty(tn: &TypeNames, ty: &Ty, side: Side, prefix: &str) -> String {
    let base = match &ty.kind {
        TyKind::Primitive(p) => match p {
            Primitive::Bool => "boolean".to_string(),
            Primitive::Int32 | Primitive::Float64 => "number".to_string(),
            Primitive::Int64 => format!("{prefix}Int64"),
            Primitive::Decimal => format!("{prefix}Decimal"),
            Primitive::Any => "unknown".to_string(),
            _ => "string".to_string(),
        },
        // A constant is its string literal type; whether it may be left out
        // follows from its default (see `field_optional`).
        TyKind::Const(value) => names::string(value),
        TyKind::Named(n) => {
            let name = match side {
                Side::Request => tn.input.get(n).or_else(|| tn.main.get(n)),
                Side::Response => tn.main.get(n),
            };
            format!(
                "{prefix}{}",
                name.cloned().unwrap_or_else(|| "unknown".into())
            )
        }
        TyKind::List(item) => {
            let inner = ts_ty(tn, item, side, prefix);
            if inner.contains(' ') {
                format!("({inner})[]")
            } else {
                format!("{inner}[]")
            }
        }
        TyKind::Map(value) => format!("{{ [key: string]: {} }}", ts_ty(tn, value, side, prefix)),
    };
    if ty.nullable && base != "unknown" {
        format!("{base} | null")
    } else {
        base
    }
}

/// Escapes text for a template literal.
fn template_escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('`', "\\`")
        .replace("${", "\\${")
}

/// The lines of a doc comment, trailing blank lines dropped.
fn doc_lines(doc: Option<&str>) -> Vec<String> {
    let mut lines: Vec<String> = doc
        .unwrap_or("")
        .lines()
        .map(|l| l.trim_end().replace("*/", "*\\/"))
        .collect();
    while lines.last().is_some_and(String::is_empty) {
        lines.pop();
    }
    while lines.first().is_some_and(String::is_empty) {
        lines.remove(0);
    }
    lines
}

/// Renders a JSDoc comment at `indent`, ending in a newline; empty for no lines.
pub fn jsdoc(lines: &[String], indent: &str) -> String {
    match lines {
        [] => String::new(),
        [one] => format!("{indent}/** {one} */\n"),
        _ => {
            let mut s = format!("{indent}/**\n");
            for l in lines {
                if l.is_empty() {
                    s.push_str(&format!("{indent} *\n"));
                } else {
                    s.push_str(&format!("{indent} * {l}\n"));
                }
            }
            s.push_str(&format!("{indent} */\n"));
            s
        }
    }
}

/// A one-line summary of the server-side checks on a value.
fn refinement_note(r: &Refinements) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(b) = &r.len {
        parts.push(format!("length {}", bounds(b)));
    }
    if let Some(b) = &r.range {
        parts.push(format!("range {}", bounds(b)));
    }
    if let Some(b) = &r.items {
        parts.push(format!("items {}", bounds(b)));
    }
    if let Some(p) = &r.pattern {
        parts.push(format!("pattern `{}`", p.replace('`', "'")));
    }
    if let Some(f) = &r.format {
        let name = gatic_ir::Format::ALL
            .iter()
            .find(|(_, x)| x == f)
            .map_or("?", |(n, _)| n);
        parts.push(format!("format {name}"));
    }
    (!parts.is_empty()).then(|| format!("Checked by the server: {}.", parts.join(", ")))
}

fn bounds(b: &Bounds) -> String {
    let num = |n: Number| match n {
        Number::Int(i) => i.to_string(),
        Number::Float(f) => f.to_string(),
    };
    let min = b.min.map(num).unwrap_or_default();
    let max = b.max.map(num).unwrap_or_default();
    let lo = if b.min_exclusive { "<" } else { "" };
    let hi = if b.max.is_some() && !b.max_exclusive {
        "="
    } else {
        ""
    };
    format!("{min}{lo}..{hi}{max}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The SDK's files for a spec given as text, by path under `src/`.
    fn sdk(text: &str) -> BTreeMap<String, String> {
        let loader = gatic_check::MemoryLoader::new([("api.gati", text)]);
        let compiled = gatic_check::compile("api.gati", &loader);
        let spec = compiled
            .spec
            .unwrap_or_else(|| panic!("the spec compiles: {:#?}", compiled.diagnostics));
        crate::generate(&spec)
            .into_iter()
            .map(|f| (f.path.replace("sdk/typescript/src/", ""), f.contents))
            .collect()
    }

    /// The text of `export interface name … { … }` in `ts`.
    fn interface<'a>(ts: &'a str, name: &str) -> &'a str {
        let start = ts
            .find(&format!("export interface {name} "))
            .unwrap_or_else(|| panic!("no interface {name} in:\n{ts}"));
        let end = ts[start..].find("\n}").expect("the interface ends") + start;
        &ts[start..end]
    }

    #[test]
    fn constants_are_literal_types_required_only_in_responses_and_instances_say_so() {
        let files = sdk(r#"
            service payments {
              title "Payments"
            }

            type Charge {
              object: "charge"
              amount: int64
            }

            error NotFound 404 {
              object: "error"
              id: string
            }

            route create_charge POST /charges {
              body Charge
              returns 201 Charge
            }

            route get_charge GET /charges/{id: string} -> Charge | NotFound

            type Page<T> {
              object: "list"
              data: [T]
            }

            route list_charges GET /charges -> Page<Charge>
        "#);
        let models = &files["models.ts"];
        // A response always carries the constant.
        let charge = interface(models, "Charge");
        assert!(charge.contains("  object: \"charge\";"), "{charge}");
        assert!(charge.contains("  amount: Int64;"), "{charge}");
        // A request may leave it out: the server fills it in.
        let input = interface(models, "ChargeInput");
        assert!(input.contains("  object?: \"charge\";"), "{input}");
        assert!(input.contains("@defaultValue `\"charge\"`"), "{input}");
        // An instance of a generic record: its own constant, and its origin.
        let page = interface(models, "ChargePage");
        assert!(page.contains("  object: \"list\";"), "{page}");
        assert!(page.contains("  data: Charge[];"), "{page}");
        let page_doc = "/** Instantiated from the generic record `Page` as `Page<Charge>`. */\nexport interface ChargePage ";
        assert!(models.contains(page_doc), "{models}");
        let problem = interface(&files["errors.ts"], "NotFoundProblem");
        assert!(problem.contains("  object: \"error\";"), "{problem}");
    }

    #[test]
    fn file_part_docs_name_the_types_and_never_end_the_comment() {
        let any = file_part_doc("*/*").join(" ");
        assert!(any.starts_with("A file of any media type."), "{any}");
        assert!(!any.contains("*/"), "{any}");
        let family = file_part_doc("image/*").join(" ");
        assert!(family.contains("`image/*`"), "{family}");
        assert!(family.contains("{ type: \"image/png\" }"), "{family}");
        let concrete = file_part_doc("application/pdf").join(" ");
        assert!(
            concrete.starts_with("A file of type `application/pdf`."),
            "{concrete}"
        );
        assert!(
            concrete.contains("{ type: \"application/pdf\" }"),
            "{concrete}"
        );
        let unknown = file_part_doc("font/*").join(" ");
        assert!(unknown.contains("`Content-Type`, so set it."), "{unknown}");
    }
}
