//! The template context: every Go name, type and statement the templates
//! print, computed from the IR here so the templates only lay text out.

use crate::names::{Scope, exported, package, parameter};
use gatic_ir::{
    Auth, BodyFormat, EnumValue, ErrorDef, Field, Param, ParamLocation, Part, PartKind,
    PathSegment, Primitive, Route, Spec, Ty, TyKind, TypeDef, TypeDefKind, Value, Variant,
};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// Exported names the SDK itself defines, besides the client's; spec names
/// that collide with them get a suffix.
const RUNTIME_NAMES: &[&str] = &[
    "APIVersion",
    "APIError",
    "Problem",
    "Violation",
    "ClientOption",
    "WithHTTPClient",
    "WithBearerToken",
    "WithAPIKey",
    "WithTimeout",
    "WithRetries",
    "WithHeader",
    "Nullable",
    "NullableValue",
    "NullValue",
    "Ptr",
];

/// The exported type of a file in a multipart form, which the SDK defines
/// when a route sends one; a spec name colliding with it then gets a suffix.
const FILE_PART: &str = "FilePart";

/// The exported generic type a stream route's method returns, which the SDK
/// defines when a route returns one; a spec name colliding with it then gets
/// a suffix.
const EVENT_STREAM: &str = "EventStream";

/// Everything the templates need.
#[derive(Debug, Serialize)]
pub struct Context {
    /// The spec's file name, for the header line.
    pub source: String,
    /// The Go package name (`usersclient`).
    pub package: String,
    /// The module path in `go.mod`.
    pub module: String,
    /// The client type (`UsersClient`).
    pub client: String,
    /// Its constructor (`NewUsersClient`).
    pub constructor: String,
    /// The service's title.
    pub title: String,
    /// The service's doc as a Go comment (no trailing newline), or empty.
    pub service_doc: String,
    /// The service's doc as plain text for the README.
    pub service_doc_text: String,
    /// The API version the SDK sends; empty when the spec is unversioned.
    pub version: String,
    /// The header the version travels in (`Gati-Version` unless the service
    /// block sets another).
    pub version_header: String,
    /// Whether `models.go` needs the `time` package.
    pub models_time: bool,
    /// Whether `errors.go` needs the `time` package.
    pub errors_time: bool,
    /// Named types, in declaration order.
    pub types: Vec<TypeItem>,
    /// Declared errors, in declaration order.
    pub errors: Vec<ErrorItem>,
    /// Routes, in declaration order.
    pub routes: Vec<RouteItem>,
    /// The service's kebab-case name, as used in problem type URNs.
    pub service_kebab: String,
    /// Whether any route declares response headers (`client.go` then needs
    /// `readHeader`, and the README says how they come back).
    pub response_headers: bool,
    /// A README line showing a call that returns headers, such as
    /// `user, headers, err := client.CreateUser(ctx, body, nil)`; empty
    /// when no route declares any.
    pub headers_usage: String,
    /// Whether any route streams its request body from an `io.Reader`
    /// (`body bytes "image/png"`): `client.go` then needs the stream helpers.
    pub stream_bodies: bool,
    /// Whether any route sends its request body as text (`body text`).
    pub text_bodies: bool,
    /// Whether any route sends a multipart form (`body multipart { … }`):
    /// `client.go` then defines `FilePart` and the form helpers.
    pub form_bodies: bool,
    /// Whether any request body is read from the caller's readers (a bytes
    /// body or a form): `client.go` then needs the upload helpers.
    pub uploads: bool,
    /// README lines showing a call that sends a form with a file; empty when
    /// no route does.
    pub form_usage: String,
    /// Whether any route returns bytes or text (`returns bytes "image/png"`,
    /// `returns text`) instead of JSON.
    pub raw_results: bool,
    /// Whether any route returns server-sent events (`returns stream
    /// UserEvent`): `client.go` then defines `EventStream` and its reader.
    pub event_streams: bool,
    /// README lines reading the first stream route's events, starting
    /// `stream, err := client.UserEvents(ctx, nil)`; empty when no route
    /// returns a stream.
    pub stream_usage: String,
    /// Whether any route sends or returns a body that is not JSON (the
    /// README then says how).
    pub raw_bodies: bool,
}

/// A named type.
#[derive(Debug, Serialize)]
pub struct TypeItem {
    /// `record`, `enum`, `tagged`, `untagged` or `alias`.
    pub kind: &'static str,
    /// The Go name.
    pub name: String,
    /// The name in the spec.
    pub spec_name: String,
    /// The doc comment, each line ending in a newline; may be empty.
    pub doc: String,
    /// Struct members, laid out as gofmt does (records and unions).
    pub members: String,
    /// The aliased Go type (aliases).
    pub target: String,
    /// The enum's constants.
    pub constants: Vec<Constant>,
    /// The union's variants.
    pub variants: Vec<VariantItem>,
    /// The tag member's name as a Go string literal (tagged unions).
    pub tag: String,
}

/// One enum constant.
#[derive(Debug, Serialize)]
pub struct Constant {
    /// Its doc comment (indented one tab), each line ending in a newline.
    pub doc: String,
    /// The Go name (`RoleAdmin`).
    pub name: String,
    /// The value as a Go string literal.
    pub value: String,
}

/// One union variant.
#[derive(Debug, Serialize)]
pub struct VariantItem {
    /// The struct field holding it.
    pub field: String,
    /// Its Go type (the field is a pointer to it).
    pub ty: String,
    /// The variant's name (the tag value) as a Go string literal.
    pub value: String,
    /// The JSON shape that selects it in an untagged union: `"` string,
    /// `0` number, `t` boolean, `[` array, `{` object, `*` anything.
    pub shape: String,
}

/// A declared error.
#[derive(Debug, Serialize)]
pub struct ErrorItem {
    /// The Go type (`NotFoundError`).
    pub name: String,
    /// The error's name in the spec, as a Go string literal (the problem's title).
    pub title: String,
    /// The spec name, plain.
    pub spec_name: String,
    /// The problem type URN as a Go string literal.
    pub urn: String,
    /// The problem type URN, plain.
    pub urn_text: String,
    /// The HTTP status.
    pub status: u16,
    /// The doc comment.
    pub doc: String,
    /// Struct members (the payload), laid out as gofmt does.
    pub members: String,
}

/// A route: one client method.
#[derive(Debug, Serialize)]
pub struct RouteItem {
    /// The method's Go name.
    pub name: String,
    /// The route's name in the spec.
    pub spec_name: String,
    /// The doc comment.
    pub doc: String,
    /// The parameter list after `ctx context.Context`.
    pub args: String,
    /// The result list: `error`, `(*User, error)` or `(out []Post, err error)`;
    /// with declared response headers `(*GetUserHeaders, error)`,
    /// `(*User, *GetUserHeaders, error)` or `(out []Post, headers
    /// *ListPostsHeaders, err error)`; a raw result is `(out []byte, err
    /// error)` or `(out string, err error)`; a stream's is
    /// `(*EventStream[UserEvent], error)`.
    pub results: String,
    /// `none`, `pointer`, `value` or `stream` (the result is an
    /// `*EventStream` of `out_ty`).
    pub returns: &'static str,
    /// The success type's Go name; a stream's event type.
    pub out_ty: String,
    /// The HTTP method.
    pub method: String,
    /// The path template, for docs.
    pub path_template: String,
    /// A Go expression for the request path.
    pub path: String,
    /// Whether the method is idempotent (retried after failures): `true` or `false`.
    pub idempotent: &'static str,
    /// `authNone`, `authBearer` or `authAPIKey`.
    pub auth: &'static str,
    /// The API key header as a Go string literal (empty string otherwise).
    pub api_key_header: String,
    /// Statements adding required parameters.
    pub required: Vec<String>,
    /// Statements adding optional parameters (inside `if params != nil`).
    pub optional: Vec<String>,
    /// Statements setting a body that is not JSON: `req.streamBody(…)` or
    /// `req.textBody(…)` for the request's, `req.rawResult(…)` for the
    /// response's.
    pub raw: Vec<String>,
    /// The JSON request body argument: `body`, or `nil` when the route has
    /// no body, a raw one or a form.
    pub body: &'static str,
    /// The form struct and its parts, when the request body is a multipart
    /// form.
    pub form: Option<FormItem>,
    /// The request body as a README cell when it is not JSON (`io.Reader`,
    /// `image/png`; `AddPhotoForm`, `multipart/form-data`), else empty.
    pub raw_body: String,
    /// The result as a README cell when it is not JSON (`[]byte`,
    /// `image/png`), else empty.
    pub raw_result: String,
    /// The options struct, when the route has optional parameters.
    pub params: Option<ParamsItem>,
    /// The call as a README line: `GetUser(ctx, id)`.
    pub usage: String,
    /// The route's declared errors, as Go type names.
    pub errors: Vec<String>,
    /// The struct of the route's declared response headers, when it has any.
    pub headers: Option<HeadersItem>,
}

/// The struct holding a route's declared response headers.
#[derive(Debug, Serialize)]
pub struct HeadersItem {
    /// The Go type (`CreateUserHeaders`).
    pub name: String,
    /// The struct's doc comment.
    pub doc: String,
    /// Struct members, laid out as gofmt does.
    pub members: String,
    /// One `readHeader(…)` call per header, each returning an error.
    pub reads: Vec<String>,
    /// The method's local (or named result) holding the struct.
    pub var: String,
    /// The headers as a README cell: `Location`, `ETag` ….
    pub wire_names: String,
}

/// The struct of a route's multipart form, and the parts the method sends.
#[derive(Debug, Serialize)]
pub struct FormItem {
    /// The Go type (`AddPhotoForm`).
    pub name: String,
    /// The struct's doc comment.
    pub doc: String,
    /// Struct members, laid out as gofmt does.
    pub members: String,
    /// One `formPart` literal per part, in declaration order, such as
    /// `{name: "photo", accept: "image/*", file: &form.Photo}`.
    pub parts: Vec<String>,
    /// The first file part's field and a media type it accepts, for the
    /// README's example.
    #[serde(skip)]
    first_file: Option<(String, String)>,
    /// The method's argument holding the form.
    #[serde(skip)]
    var: String,
}

/// The options struct of a route's optional parameters.
#[derive(Debug, Serialize)]
pub struct ParamsItem {
    /// The Go type (`ListPostsParams`).
    pub name: String,
    /// Struct members, laid out as gofmt does.
    pub members: String,
}

/// One struct member before layout.
struct Member {
    doc: String,
    name: String,
    ty: String,
    tag: String,
}

/// Lays members out as gofmt does: a doc comment ends an alignment block,
/// and within a block names and types are padded to a common width.
fn layout(members: &[Member]) -> String {
    let mut out = String::new();
    let mut start = 0;
    while start < members.len() {
        let mut end = start + 1;
        while end < members.len() && members[end].doc.is_empty() {
            end += 1;
        }
        let block = &members[start..end];
        let name_width = block
            .iter()
            .map(|m| m.name.chars().count())
            .max()
            .unwrap_or(0);
        let all_tagged = block.iter().all(|m| !m.tag.is_empty());
        let ty_width = block
            .iter()
            .map(|m| m.ty.chars().count())
            .max()
            .unwrap_or(0);
        for m in block {
            out.push_str(&m.doc);
            out.push('\t');
            out.push_str(&m.name);
            if !m.name.is_empty() {
                out.push_str(&" ".repeat(name_width - m.name.chars().count() + 1));
            }
            out.push_str(&m.ty);
            if !m.tag.is_empty() {
                let pad = if all_tagged {
                    ty_width - m.ty.chars().count() + 1
                } else {
                    1
                };
                out.push_str(&" ".repeat(pad));
                out.push_str(&m.tag);
            }
            out.push('\n');
        }
        start = end;
    }
    out
}

/// A Go comment from paragraphs of text, each line prefixed with `indent// `.
fn comment(paragraphs: &[String], indent: &str) -> String {
    let mut out = String::new();
    let mut first = true;
    for paragraph in paragraphs.iter().filter(|p| !p.trim().is_empty()) {
        if !first {
            out.push_str(indent);
            out.push_str("//\n");
        }
        first = false;
        for line in paragraph.trim().lines() {
            let line = line.trim_end();
            out.push_str(indent);
            if line.is_empty() {
                out.push_str("//\n");
            } else {
                out.push_str("// ");
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}

/// `text` with its words wrapped into lines of at most `width` characters
/// (a longer word gets a line of its own).
fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = 0;
    for word in text.split_whitespace() {
        let len = word.chars().count();
        if line > 0 && line + 1 + len > width {
            out.push('\n');
            line = 0;
        } else if line > 0 {
            out.push(' ');
            line += 1;
        }
        out.push_str(word);
        line += len;
    }
    out
}

/// A Go string literal (JSON's escapes are a subset of Go's).
pub fn go_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_string())
}

fn deprecated(flag: bool) -> Option<String> {
    flag.then(|| "Deprecated: marked deprecated in the spec.".to_string())
}

/// Whether a struct is ever sent in a request.
#[derive(Clone, Copy)]
enum Sent {
    /// A record: it may be a request's body.
    Yes,
    /// An error's payload: it only ever arrives.
    No,
}

/// Builds the context.
pub struct Builder<'a> {
    /// The head's types by name.
    defs: HashMap<&'a str, &'a TypeDef>,
    /// Spec type name → Go type name.
    types: BTreeMap<String, String>,
}

impl<'a> Builder<'a> {
    /// A builder for `spec`'s types, each named in `global` (before any
    /// other spec name, so that types keep theirs).
    fn new(spec: &'a Spec, global: &mut Scope) -> Builder<'a> {
        let mut types = BTreeMap::new();
        for t in &spec.head.types {
            types.insert(t.name.clone(), global.claim(&exported(&t.name)));
        }
        let defs = spec
            .head
            .types
            .iter()
            .map(|t| (t.name.as_str(), t))
            .collect();
        Builder { defs, types }
    }

    fn kind_of(&self, name: &str) -> Option<&'a TypeDefKind> {
        self.defs.get(name).map(|t| &t.kind)
    }

    /// Follows aliases to the type a name stands for.
    fn resolve(&self, ty: &'a Ty) -> &'a Ty {
        let mut ty = ty;
        for _ in 0..64 {
            match &ty.kind {
                TyKind::Named(n) => match self.kind_of(n) {
                    Some(TypeDefKind::Alias { target }) => ty = target,
                    _ => return ty,
                },
                _ => return ty,
            }
        }
        ty
    }

    /// Whether Go's zero value of the type already is JSON `null`
    /// (slices, maps and raw JSON), so it needs no pointer to be nullable.
    fn nilable(&self, ty: &'a Ty) -> bool {
        matches!(
            self.resolve(ty).kind,
            TyKind::List(_) | TyKind::Map(_) | TyKind::Primitive(Primitive::Bytes | Primitive::Any)
        )
    }

    /// Whether the type is a Go struct (a record or a union).
    fn is_struct(&self, ty: &'a Ty) -> bool {
        match &self.resolve(ty).kind {
            TyKind::Named(n) => matches!(
                self.kind_of(n),
                Some(TypeDefKind::Record { .. } | TypeDefKind::Union { .. })
            ),
            _ => false,
        }
    }

    /// The Go type of a type use, ignoring its nullability.
    fn base(&self, ty: &Ty) -> String {
        match &ty.kind {
            TyKind::Primitive(p) => match p {
                Primitive::String
                | Primitive::Decimal
                | Primitive::Uuid
                | Primitive::Email
                | Primitive::Url
                | Primitive::Date
                | Primitive::Duration => "string".into(),
                Primitive::Bool => "bool".into(),
                Primitive::Int32 => "int32".into(),
                Primitive::Int64 => "int64".into(),
                Primitive::Float64 => "float64".into(),
                Primitive::Datetime => "time.Time".into(),
                Primitive::Bytes => "[]byte".into(),
                Primitive::Any => "json.RawMessage".into(),
            },
            TyKind::Named(n) => self
                .types
                .get(n)
                .cloned()
                .unwrap_or_else(|| "json.RawMessage".into()),
            TyKind::List(item) => format!("[]{}", self.nested(item)),
            TyKind::Map(value) => format!("map[string]{}", self.nested(value)),
            // A constant is a plain string: see `member`.
            TyKind::Const(_) => "string".into(),
        }
    }

    /// The Go type of a list item or map value: a pointer when nullable.
    fn nested(&self, ty: &'a Ty) -> String {
        if ty.nullable && !self.nilable(ty) {
            format!("*{}", self.base(ty))
        } else {
            self.base(ty)
        }
    }

    /// A record field (`Sent::Yes`: a record may be a request's body) or an
    /// error payload member (`Sent::No`).
    fn member(&self, field: &'a Field, sent: Sent, scope: &mut Scope) -> Member {
        if let TyKind::Const(value) = &field.ty.kind {
            return self.constant_member(field, value, sent, scope);
        }
        let base = self.base(&field.ty);
        let nilable = self.nilable(&field.ty);
        let may_be_absent = field.optional || field.default.is_some();
        let nullable =
            field.ty.nullable && !matches!(field.ty.kind, TyKind::Primitive(Primitive::Any));
        let absent_is_null = matches!(field.default, Some(Value::Null));
        let (ty, omit) = if nullable && may_be_absent && !absent_is_null {
            (format!("Nullable[{base}]"), true)
        } else if nullable || may_be_absent {
            (
                if nilable { base } else { format!("*{base}") },
                may_be_absent,
            )
        } else {
            (base, false)
        };
        let mut notes = Vec::new();
        if let Some(d) = &field.doc {
            notes.push(d.clone());
        }
        let mut flags = Vec::new();
        if field.readonly {
            flags.push("Read-only: set by the server.".to_string());
        }
        if field.write_only {
            flags.push("Write-only: sent in requests, never returned.".to_string());
        }
        if let Some(v) = &field.default {
            flags.push(format!("Default: {}.", v.to_json()));
        }
        if !flags.is_empty() {
            notes.push(flags.join(" "));
        }
        notes.extend(deprecated(field.deprecated));
        let tag = if omit {
            format!("`json:\"{},omitempty\"`", field.name)
        } else {
            format!("`json:\"{}\"`", field.name)
        };
        Member {
            doc: comment(&notes, "\t"),
            name: scope.claim(&exported(&field.name)),
            ty,
            tag,
        }
    }

    /// A constant field (`object: "charge"`): a plain `string` that is left
    /// out of a request while it is empty.
    ///
    /// Go has no type of one string. A `*string`, as other defaulted fields
    /// get, would make every read a nil check for a value that never varies.
    /// A named type with a constant (`type ChargeObject string`) adds a type
    /// per field and still converts from any string. Filling the value in
    /// when encoding would take a `MarshalJSON` per record, for a member the
    /// server fills in anyway. So the field is a plain `string` with
    /// `omitempty` (as in Stripe's own Go SDK): a caller who never sets it
    /// sends no member, which the server reads as the constant (the field's
    /// default); a value decoded from a response holds the constant and is
    /// sent back as it is; any other string gets the server's 422, as any
    /// invalid request does. Like an enum's value this SDK does not know,
    /// another string from a server is kept as it came.
    fn constant_member(
        &self,
        field: &'a Field,
        value: &str,
        sent: Sent,
        scope: &mut Scope,
    ) -> Member {
        let mut notes: Vec<String> = field.doc.iter().cloned().collect();
        let literal = go_string(value);
        let mut flags = vec![match sent {
            Sent::Yes => format!(
                "Always {literal}: every response carries it, and a request may leave it \
                 empty (it is then left out, which the server reads as {literal})."
            ),
            Sent::No => format!("Always {literal}."),
        }];
        if field.readonly {
            flags.push("Read-only: set by the server.".to_string());
        }
        if field.write_only {
            flags.push("Write-only: sent in requests, never returned.".to_string());
        }
        notes.push(wrap(&flags.join(" "), 76));
        notes.extend(deprecated(field.deprecated));
        Member {
            doc: comment(&notes, "\t"),
            name: scope.claim(&exported(&field.name)),
            ty: self.base(&field.ty),
            tag: format!("`json:\"{},omitempty\"`", field.name),
        }
    }

    /// The JSON shape of a type, for untagged union matching.
    fn shape(&self, ty: &'a Ty) -> &'static str {
        let ty = self.resolve(ty);
        match &ty.kind {
            TyKind::Primitive(Primitive::Any) => "*",
            TyKind::Primitive(Primitive::Bool) => "t",
            TyKind::Primitive(p) if p.is_number() => "0",
            TyKind::Primitive(_) => "\"",
            TyKind::List(_) => "[",
            TyKind::Map(_) => "{",
            TyKind::Const(_) => "\"",
            TyKind::Named(n) => match self.kind_of(n) {
                Some(TypeDefKind::Enum { .. }) => "\"",
                Some(TypeDefKind::Union { tag: None, .. }) => "*",
                _ => "{",
            },
        }
    }
}

/// Computes the whole context for `spec`.
pub fn context(spec: &Spec) -> Context {
    let package = package(&spec.service.name);
    let client = format!("{}Client", exported(&spec.service.name));
    let constructor = format!("New{client}");
    let mut global = Scope::with(RUNTIME_NAMES);
    global.reserve(&client);
    global.reserve(&constructor);
    let form_bodies = spec
        .head
        .routes
        .iter()
        .any(|r| matches!(r.body_format, BodyFormat::Multipart { .. }));
    if form_bodies {
        global.reserve(FILE_PART);
    }
    let event_streams = spec.head.routes.iter().any(is_stream);
    if event_streams {
        global.reserve(EVENT_STREAM);
    }

    let b = Builder::new(spec, &mut global);
    let error_names = claim_error_names(spec, &mut global);
    let params_names = claim_route_names(spec, &mut global, "Params", |r| {
        r.params.iter().any(is_optional_param)
    });
    let items: Vec<TypeItem> = spec
        .head
        .types
        .iter()
        .map(|t| type_item(&b, &mut global, t))
        .collect();
    // Claimed after every other package-level name, so declaring response
    // headers never renames a type, error, options struct or constant.
    let headers_names = claim_route_names(spec, &mut global, "Headers", |r| {
        !r.response_headers.is_empty()
    });
    // Claimed last for the same reason: a form never renames another name.
    let form_names = claim_route_names(spec, &mut global, "Form", |r| {
        matches!(r.body_format, BodyFormat::Multipart { .. })
    });

    let service_kebab = gatic_ir::ident::kebab(&spec.service.name);
    let errors: Vec<ErrorItem> = spec
        .head
        .errors
        .iter()
        .map(|e| error_item(&b, e, &error_names[&e.name], &spec.service.name))
        .collect();

    // Route names colliding after casing get distinct method names.
    let mut methods = Scope::default();
    let routes = spec
        .head
        .routes
        .iter()
        .map(|r| {
            let name = methods.claim(&exported(&r.name));
            route_item(
                &b,
                r,
                name,
                Names {
                    params: params_names.get(&r.name).cloned(),
                    headers: headers_names.get(&r.name).cloned(),
                    form: form_names.get(&r.name).cloned(),
                    errors: &error_names,
                },
            )
        })
        .collect::<Vec<_>>();
    let headers_usage = headers_usage(&routes);
    let form_usage = form_usage(&package, &routes);
    let stream_usage = stream_usage(&package, &routes);
    let uses_time = |s: &str| s.contains("time.Time");
    let models_time = items.iter().any(|t| {
        uses_time(&t.members) || uses_time(&t.target) || t.variants.iter().any(|v| uses_time(&v.ty))
    });
    let errors_time = errors.iter().any(|e| uses_time(&e.members));
    let stream_bodies = spec
        .head
        .routes
        .iter()
        .any(|r| r.body.is_some() && matches!(r.body_format, BodyFormat::Bytes { .. }));

    Context {
        source: spec.source.clone(),
        module: format!("example.com/{package}"),
        package,
        client,
        constructor,
        title: spec.service.title.clone(),
        service_doc: spec
            .service
            .doc
            .as_deref()
            .map(|d| comment(&[d.to_string()], ""))
            .unwrap_or_default()
            .trim_end()
            .to_string(),
        service_doc_text: spec.service.doc.clone().unwrap_or_default(),
        version: spec
            .versions
            .last()
            .map(|v| v.date.clone())
            .unwrap_or_default(),
        version_header: spec.service.version_header().to_string(),
        models_time,
        errors_time,
        types: items,
        errors,
        response_headers: !headers_usage.is_empty(),
        stream_bodies,
        form_bodies,
        uploads: stream_bodies || form_bodies,
        form_usage,
        text_bodies: spec
            .head
            .routes
            .iter()
            .any(|r| r.body.is_some() && matches!(r.body_format, BodyFormat::Text { .. })),
        raw_results: spec
            .head
            .routes
            .iter()
            .any(|r| r.returns.is_some() && !r.returns_format.is_json() && !is_stream(r)),
        event_streams,
        stream_usage,
        raw_bodies: routes
            .iter()
            .any(|r| !r.raw_body.is_empty() || !r.raw_result.is_empty()),
        headers_usage,
        routes,
        service_kebab,
    }
}

/// Each declared error's Go type, by spec name, claimed in `global`: the
/// name with an `Error` suffix, unless it already ends in one.
fn claim_error_names(spec: &Spec, global: &mut Scope) -> BTreeMap<String, String> {
    let mut error_names = BTreeMap::new();
    for e in &spec.head.errors {
        let base = exported(&e.name);
        let want = if base.ends_with("Error") && base != "Error" {
            base
        } else {
            format!("{base}Error")
        };
        error_names.insert(e.name.clone(), global.claim(&want));
    }
    error_names
}

/// A struct name per route that `needs` one (`CreateUserParams` for the
/// suffix `Params`), by route name, claimed in `global` in route order.
fn claim_route_names(
    spec: &Spec,
    global: &mut Scope,
    suffix: &str,
    needs: impl Fn(&Route) -> bool,
) -> BTreeMap<String, String> {
    let mut names = BTreeMap::new();
    for r in &spec.head.routes {
        if needs(r) {
            names.insert(
                r.name.clone(),
                global.claim(&format!("{}{suffix}", exported(&r.name))),
            );
        }
    }
    names
}

/// The declaration of the named type `t`: a struct for a record, string
/// constants for an enum (claimed in `global`), a struct of variant
/// pointers for a union, or an alias.
fn type_item(b: &Builder<'_>, global: &mut Scope, t: &TypeDef) -> TypeItem {
    let name = b.types[&t.name].clone();
    let mut paragraphs: Vec<String> = t.doc.iter().cloned().collect();
    paragraphs.extend(deprecated(t.deprecated));
    let mut item = TypeItem {
        kind: "record",
        name: name.clone(),
        spec_name: t.name.clone(),
        doc: comment(&paragraphs, ""),
        members: String::new(),
        target: String::new(),
        constants: Vec::new(),
        variants: Vec::new(),
        tag: String::new(),
    };
    match &t.kind {
        TypeDefKind::Record { fields } => {
            let mut scope = Scope::default();
            let members: Vec<Member> = fields
                .iter()
                .map(|f| b.member(f, Sent::Yes, &mut scope))
                .collect();
            item.members = layout(&members);
        }
        TypeDefKind::Enum { values } => {
            item.kind = "enum";
            item.constants = enum_constants(global, &name, values);
        }
        TypeDefKind::Union { tag, variants } => {
            item.kind = if tag.is_some() { "tagged" } else { "untagged" };
            item.tag = go_string(tag.as_deref().unwrap_or(""));
            let (members, variants) = union_members(b, variants);
            item.members = members;
            item.variants = variants;
        }
        TypeDefKind::Alias { target } => {
            item.kind = "alias";
            item.target = b.nested(target);
        }
    }
    item
}

/// The constants of the enum `name`, one per value, each claimed in
/// `global` as the enum's name followed by the value's.
fn enum_constants(global: &mut Scope, name: &str, values: &[EnumValue]) -> Vec<Constant> {
    values
        .iter()
        .map(|v| {
            let const_name = global.claim(&format!("{name}{}", exported(&v.name)));
            let mut paragraphs = vec![match &v.doc {
                Some(d) => format!("{const_name}: {d}"),
                None => format!("{const_name} is {}.", go_string(&v.name)),
            }];
            paragraphs.extend(deprecated(v.deprecated));
            Constant {
                doc: comment(&paragraphs, "\t"),
                name: const_name,
                value: go_string(&v.name),
            }
        })
        .collect()
}

/// A union's struct members, laid out (a pointer per variant, then
/// `Unknown` holding a variant this SDK does not know), and its variants.
fn union_members(b: &Builder<'_>, variants: &[Variant]) -> (String, Vec<VariantItem>) {
    let mut scope = Scope::with(&["Unknown", "Tag", "MarshalJSON", "UnmarshalJSON"]);
    let mut members = Vec::new();
    let mut items = Vec::new();
    for v in variants {
        let field = scope.claim(&exported(&v.name));
        let ty = b.base(&v.ty);
        let doc = match &v.doc {
            Some(d) => d.clone(),
            None => format!("The {} variant.", go_string(&v.name)),
        };
        members.push(Member {
            doc: comment(&[doc], "\t"),
            name: field.clone(),
            ty: format!("*{ty}"),
            tag: String::new(),
        });
        items.push(VariantItem {
            field,
            ty,
            value: go_string(&v.name),
            shape: b.shape(&v.ty).to_string(),
        });
    }
    members.push(Member {
        doc: comment(
            &["Unknown holds the JSON of a variant this SDK does not know (sent by a\nnewer server), so it survives a round trip.".to_string()],
            "\t",
        ),
        name: "Unknown".into(),
        ty: "json.RawMessage".into(),
        tag: String::new(),
    });
    (layout(&members), items)
}

/// The variables a README example binds to a call's result before its
/// headers or `err`: none without a body, a variable named after a struct
/// result's type, else `out`.
fn result_vars(r: &RouteItem) -> String {
    match r.returns {
        "none" => String::new(),
        "pointer" => format!("{}, ", parameter(&r.out_ty)),
        _ => "out, ".to_string(),
    }
}

/// The README line calling the first route that declares response headers;
/// empty when none does.
fn headers_usage(routes: &[RouteItem]) -> String {
    routes
        .iter()
        .find(|r| r.headers.is_some())
        .map(|r| {
            let var = r.headers.as_ref().map_or("headers", |h| h.var.as_str());
            format!("{}{var}, err := client.{}", result_vars(r), r.usage)
        })
        .unwrap_or_default()
}

/// The README lines building the form of the first route that sends a
/// file, and calling it; empty when none does.
fn form_usage(package: &str, routes: &[RouteItem]) -> String {
    routes
        .iter()
        .find_map(|r| {
            let form = r.form.as_ref()?;
            let (field, media) = form.first_file.as_ref()?;
            let var = &form.var;
            Some(format!(
                "{var} := {package}.{}{{\n\t{field}: {package}.{FILE_PART}{{Content: file, ContentType: {}}},\n}}\n{}err := client.{}",
                form.name,
                go_string(media),
                result_vars(r),
                r.usage
            ))
        })
        .unwrap_or_default()
}

/// The README lines reading the first stream route's events; empty when no
/// route returns a stream.
fn stream_usage(package: &str, routes: &[RouteItem]) -> String {
    routes
        .iter()
        .find(|r| r.returns == "stream")
        .map(|r| {
            format!(
                "stream, err := client.{}\nif err != nil {{\n\treturn err\n}}\ndefer stream.Close()\nfor stream.Next() {{\n\tevent := stream.Event() // {}\n\tlog.Print(stream.LastEventID(), event)\n}}\nif err := stream.Err(); err != nil {{\n\treturn err\n}}",
                r.usage,
                event_type_text(package, &r.out_ty),
            )
        })
        .unwrap_or_default()
}

/// Whether a route returns server-sent events (`returns stream UserEvent`).
fn is_stream(r: &Route) -> bool {
    r.returns.is_some() && r.returns_format == BodyFormat::EventStream
}

/// A stream's event type as the README's comment names it: `a
/// usersclient.UserEvent`, or the Go type as it is when it is not one of the
/// package's (`[]string`, `*usersclient.User` for a nullable one).
fn event_type_text(package: &str, ty: &str) -> String {
    let (pointer, base) = match ty.strip_prefix('*') {
        Some(base) => ("*", base),
        None => ("", ty),
    };
    if base.starts_with(|c: char| c.is_ascii_uppercase()) {
        format!("a {pointer}{package}.{base}")
    } else {
        format!("a {ty}")
    }
}

/// Whether a non-path parameter goes into the options struct.
fn is_optional_param(p: &Param) -> bool {
    p.location != ParamLocation::Path && (p.optional || p.default.is_some())
}

fn error_item(b: &Builder<'_>, e: &ErrorDef, name: &str, service: &str) -> ErrorItem {
    let mut scope = Scope::with(&["APIError", "Error", "Unwrap"]);
    // An error's payload only ever arrives.
    let mut members: Vec<Member> = e
        .fields
        .iter()
        .map(|f| b.member(f, Sent::No, &mut scope))
        .collect();
    members.push(Member {
        doc: comment(
            &[
                "APIError is the response: its status, problem document, headers and body."
                    .to_string(),
            ],
            "\t",
        ),
        name: String::new(),
        ty: "*APIError".into(),
        tag: "`json:\"-\"`".into(),
    });
    let mut paragraphs = vec![format!(
        "{name} is the {} error (HTTP {}).",
        e.name, e.status
    )];
    paragraphs.extend(e.doc.iter().cloned());
    let urn = gatic_ir::wire::problem_type(service, &e.name);
    ErrorItem {
        name: name.to_string(),
        title: go_string(&e.name),
        spec_name: e.name.clone(),
        urn: go_string(&urn),
        urn_text: urn,
        status: e.status,
        doc: comment(&paragraphs, ""),
        members: layout(&members),
    }
}

/// The package-level names a route's method refers to.
struct Names<'a> {
    /// Its options struct, when it has optional parameters.
    params: Option<String>,
    /// Its response headers struct, when it declares response headers.
    headers: Option<String>,
    /// Its form struct, when its request body is a multipart form.
    form: Option<String>,
    /// Every declared error's Go type, by spec name.
    errors: &'a BTreeMap<String, String>,
}

/// A client method's signature, call summary and docs, as its arguments
/// are added.
struct Call {
    /// The method's local names.
    scope: Scope,
    /// The parameter list, starting with `ctx context.Context`.
    args: Vec<String>,
    /// The arguments of the README's call, starting with `ctx`.
    usage_args: Vec<String>,
    /// Each positional parameter's argument, by parameter name.
    vars: BTreeMap<String, String>,
    /// The doc's lines on the arguments.
    param_docs: Vec<String>,
    /// The doc's paragraphs on how bodies travel.
    wire_docs: Vec<String>,
    /// Statements setting a body that is not JSON.
    raw: Vec<String>,
    /// The request body as a README cell when it is not JSON.
    raw_body: String,
}

/// The method `name` of the route `r`.
fn route_item(b: &Builder<'_>, r: &Route, name: String, names: Names<'_>) -> RouteItem {
    let Names {
        params: params_name,
        headers: headers_name,
        form: form_name,
        errors: error_names,
    } = names;
    let mut call = Call {
        scope: Scope::default(),
        args: vec!["ctx context.Context".to_string()],
        usage_args: vec!["ctx".to_string()],
        vars: BTreeMap::new(),
        param_docs: Vec::new(),
        wire_docs: Vec::new(),
        raw: Vec::new(),
        raw_body: String::new(),
    };
    call.positional_params(b, r);
    let (body, form) = call.request_body(b, r, &name, form_name);
    if let Some(name) = &params_name {
        call.args.push(format!("params *{name}"));
        call.usage_args.push("nil".into());
    }
    // Claimed after the parameters: a parameter named `headers` keeps its
    // name, and the local takes another.
    let headers = headers_name
        .map(|struct_name| headers_item(b, r, &name, struct_name, call.scope.claim("headers")));
    let path = path_expression(r, &call.vars);
    let sent = sent_params(b, r, &call.vars);
    let raw_out = raw_out(r);
    let raw_result = call.result_wire(r, raw_out);
    let (returns, out_ty, results) = results(b, r, raw_out, headers.as_ref());

    let errors: Vec<String> = r
        .errors
        .iter()
        .filter_map(|e| error_names.get(e).cloned())
        .collect();
    let doc = call.method_doc(r, headers.as_ref(), &errors);
    let (auth, api_key_header) = match &r.auth {
        Auth::None => ("authNone", go_string("")),
        Auth::Bearer => ("authBearer", go_string("")),
        Auth::ApiKey { header } => ("authAPIKey", go_string(header)),
    };
    RouteItem {
        usage: format!("{name}({})", call.usage_args.join(", ")),
        name,
        spec_name: r.name.clone(),
        doc,
        args: call.args.join(", "),
        results,
        returns,
        out_ty,
        method: r.method.as_str().to_string(),
        path_template: r.path_template(),
        path,
        idempotent: if r.method.is_idempotent() {
            "true"
        } else {
            "false"
        },
        auth,
        api_key_header,
        required: sent.required,
        optional: sent.optional,
        raw: call.raw,
        body,
        form,
        raw_body: call.raw_body,
        raw_result,
        params: params_name.map(|name| ParamsItem {
            name,
            members: layout(&sent.members),
        }),
        errors,
        headers,
    }
}

impl Call {
    /// Adds the positional arguments: path parameters, then the required
    /// others, in declaration order (optional ones go into the options
    /// struct).
    fn positional_params(&mut self, b: &Builder<'_>, r: &Route) {
        let positional = r
            .params
            .iter()
            .filter(|p| p.location == ParamLocation::Path)
            .chain(
                r.params
                    .iter()
                    .filter(|p| p.location != ParamLocation::Path && !is_optional_param(p)),
            );
        for p in positional {
            let var = self.scope.claim(&parameter(&p.name));
            self.args.push(format!("{var} {}", b.base(&p.ty)));
            self.usage_args.push(var.clone());
            if let Some(d) = &p.doc {
                self.param_docs.push(format!("{var}: {}", d.trim()));
            }
            self.vars.insert(p.name.clone(), var);
        }
    }

    /// Adds the request body's argument, when the route takes one, and
    /// returns the JSON body argument (`body`, or `nil` when the body is
    /// absent, raw or a form) with the form's struct, for a form. The
    /// method `name`'s form struct is `form_name`.
    fn request_body(
        &mut self,
        b: &Builder<'_>,
        r: &Route,
        name: &str,
        form_name: Option<String>,
    ) -> (&'static str, Option<FormItem>) {
        let Some(ty) = &r.body else {
            return ("nil", None);
        };
        let var = self.scope.claim(match r.body_format {
            BodyFormat::Multipart { .. } => "form",
            _ => "body",
        });
        if let Some(d) = &r.body_doc {
            self.param_docs.push(format!("{var}: {}", d.trim()));
        }
        self.usage_args.push(var.clone());
        match &r.body_format {
            // A request body is never an event stream (the checker
            // refuses one), so that arm only completes the match.
            BodyFormat::Json | BodyFormat::EventStream => {
                self.args.push(format!("{var} {}", b.base(ty)));
                ("body", None)
            }
            // The spec's placeholder type is ignored: the form is its
            // own struct, a file part a `FilePart`.
            BodyFormat::Multipart { parts } => {
                let struct_name = form_name.unwrap_or_else(|| format!("{name}Form"));
                let form = self.form_body(b, name, struct_name, &var, parts);
                ("nil", Some(form))
            }
            BodyFormat::Bytes { media } => {
                self.bytes_body(&var, media);
                ("nil", None)
            }
            BodyFormat::Text { media } => {
                self.text_body(&var, media);
                ("nil", None)
            }
        }
    }

    /// Adds a multipart form's argument `var`, of the struct `struct_name`,
    /// and says how its parts, and any files, are sent and retried.
    fn form_body(
        &mut self,
        b: &Builder<'_>,
        method: &str,
        struct_name: String,
        var: &str,
        parts: &[Part],
    ) -> FormItem {
        self.args.push(format!("{var} {struct_name}"));
        self.wire_docs.push(format!(
            "{var} is sent as a multipart/form-data body, its parts in \
             declaration order; an optional part left nil is left out."
        ));
        if parts
            .iter()
            .any(|p| matches!(p.kind, PartKind::File { .. }))
        {
            self.wire_docs.push(
                "Each file is streamed from its Content, which is not closed. The \
                 call is retried only when every file's Content is an io.Seeker, \
                 rewound to where it was when the call began; otherwise the call \
                 is attempted once."
                    .to_string(),
            );
        }
        self.raw_body = format!("`{struct_name}`, `multipart/form-data`");
        form_item(b, method, struct_name, var, parts)
    }

    /// Adds a bytes body's argument `var`, streamed from the caller's
    /// reader (the spec's `bytes` type is ignored), of the declared `media`
    /// type or, for a family (`image/*`), of the one the caller names in an
    /// argument of its own; says when the call is retried.
    fn bytes_body(&mut self, var: &str, media: &str) {
        self.args.push(format!("{var} io.Reader"));
        let content_type = if media.ends_with("/*") {
            let ct = self.scope.claim("contentType");
            self.args.push(format!("{ct} string"));
            self.usage_args.push(ct.clone());
            self.wire_docs.push(format!(
                "The request body is read from {var} and sent with the \
                 Content-Type {ct}, which must match {media}."
            ));
            self.raw_body = format!("`io.Reader`, `{media}` (the type is `{ct}`)");
            ct
        } else {
            self.wire_docs.push(format!(
                "The request body is read from {var} and sent with the \
                 Content-Type {media}."
            ));
            self.raw_body = format!("`io.Reader`, `{media}`");
            go_string(media)
        };
        self.wire_docs.push(format!(
            "{var} is not closed. The call is retried only when {var} is an \
             io.Seeker, rewound to where it was when the call began; any other \
             reader is read once, so the call is attempted once."
        ));
        self.raw
            .push(format!("req.streamBody({var}, {content_type})"));
    }

    /// Adds a text body's argument `var`, a string sent as UTF-8 `media`.
    fn text_body(&mut self, var: &str, media: &str) {
        self.args.push(format!("{var} string"));
        self.wire_docs.push(format!(
            "The request body is {var}, sent with the Content-Type {media}; \
             charset=utf-8."
        ));
        self.raw_body = format!("`string`, `{media}`");
        self.raw
            .push(format!("req.textBody({var}, {})", go_string(media)));
    }

    /// Says how the result travels when it is not JSON: a raw body
    /// (`raw_out`) is read as it is, and a stream is returned once its head
    /// arrives. Returns the raw result as a README cell (empty for JSON).
    fn result_wire(&mut self, r: &Route, raw_out: Option<(&str, &str)>) -> String {
        let mut raw_result = String::new();
        if let Some((go_ty, media)) = raw_out {
            self.raw
                .push(format!("req.rawResult({})", go_string(media)));
            raw_result = format!("`{go_ty}`, `{media}`");
            self.wire_docs
                .push(format!("The result is the {media} response body as it is."));
        }
        if is_stream(r) {
            self.wire_docs.push(
                "The result is a stream of server-sent events, returned once the response \
                 head arrives: read it with Next and Event until Next returns false, then \
                 check Err, and Close it when done (or cancel ctx). The client's timeout \
                 bounds only the wait for the head; a stream that breaks is not \
                 reconnected."
                    .to_string(),
            );
        }
        raw_result
    }

    /// The method's doc comment: the route's doc, its method and path, the
    /// arguments, the result, how bodies travel, where response `headers`
    /// come back, the declared `errors` and whether it is deprecated.
    fn method_doc(&self, r: &Route, headers: Option<&HeadersItem>, errors: &[String]) -> String {
        let mut paragraphs: Vec<String> = r.doc.iter().cloned().collect();
        paragraphs.push(format!("{} {}", r.method.as_str(), r.path_template()));
        if !self.param_docs.is_empty() {
            paragraphs.push(self.param_docs.join("\n"));
        }
        if let (Some(d), Some(_)) = (&r.returns_doc, &r.returns) {
            paragraphs.push(format!("Result: {}", d.trim()));
        }
        paragraphs.extend(self.wire_docs.iter().map(|d| wrap(d, 76)));
        if let Some(h) = headers {
            paragraphs.push(format!(
                "The response's declared headers come back in *{}.",
                h.name
            ));
        }
        if !errors.is_empty() {
            let list: Vec<String> = errors.iter().map(|e| format!("*{e}")).collect();
            paragraphs.push(format!(
                "Declared errors: {}; every error response is also an *APIError.",
                list.join(", ")
            ));
        }
        paragraphs.extend(deprecated(r.deprecated));
        comment(&paragraphs, "")
    }
}

/// A Go expression for the request path: literal runs as string literals,
/// each parameter's argument (`vars`) through `pathParam`, joined with `+`.
fn path_expression(r: &Route, vars: &BTreeMap<String, String>) -> String {
    let mut path = String::new();
    let mut literal = String::new();
    for seg in &r.path {
        match seg {
            PathSegment::Literal(l) => {
                literal.push('/');
                literal.push_str(l);
            }
            PathSegment::Param(p) => {
                literal.push('/');
                if !path.is_empty() {
                    path.push('+');
                }
                path.push_str(&go_string(&literal));
                literal.clear();
                let var = vars.get(p).cloned().unwrap_or_else(|| parameter(p));
                path.push_str(&format!("+pathParam({var})"));
            }
        }
    }
    if !literal.is_empty() || path.is_empty() {
        if !path.is_empty() {
            path.push('+');
        }
        path.push_str(&go_string(if literal.is_empty() { "/" } else { &literal }));
    }
    path
}

/// How a route's query, header and cookie parameters are sent.
struct SentParams {
    /// Statements adding the required ones, from their arguments.
    required: Vec<String>,
    /// Statements adding the optional ones, from the options struct.
    optional: Vec<String>,
    /// The options struct's members.
    members: Vec<Member>,
}

/// How `r`'s parameters other than the path's are sent: a required one
/// from its argument (`vars`), an optional one from its member of the
/// options struct (a pointer unless its type is nilable), documented with
/// where it goes and the server's default.
fn sent_params(b: &Builder<'_>, r: &Route, vars: &BTreeMap<String, String>) -> SentParams {
    let adder = |p: &Param| match p.location {
        ParamLocation::Query => "addQuery",
        ParamLocation::Header => "addHeader",
        ParamLocation::Cookie => "addCookie",
        ParamLocation::Path => "addQuery",
    };
    let mut sent = SentParams {
        required: Vec::new(),
        optional: Vec::new(),
        members: Vec::new(),
    };
    let mut field_scope = Scope::default();
    for p in &r.params {
        if p.location == ParamLocation::Path {
            continue;
        }
        if is_optional_param(p) {
            let field = field_scope.claim(&exported(&p.name));
            let base = b.base(&p.ty);
            let ty = if b.nilable(&p.ty) {
                base
            } else {
                format!("*{base}")
            };
            let mut notes: Vec<String> = p.doc.iter().cloned().collect();
            let mut where_ = format!(
                "Sent as {} {}.",
                location_name(p.location),
                go_string(&p.wire_name)
            );
            if let Some(v) = &p.default {
                where_.push_str(&format!(" The server's default: {}.", v.to_json()));
            }
            notes.push(where_);
            notes.extend(deprecated(p.deprecated));
            sent.members.push(Member {
                doc: comment(&notes, "\t"),
                name: field.clone(),
                ty,
                tag: String::new(),
            });
            sent.optional.push(format!(
                "req.{}({}, params.{field})",
                adder(p),
                go_string(&p.wire_name)
            ));
        } else {
            sent.required.push(format!(
                "req.{}({}, {})",
                adder(p),
                go_string(&p.wire_name),
                vars[&p.name]
            ));
        }
    }
    sent
}

/// The Go type and media type of a raw result: the response body as it is,
/// bytes or text, whatever the spec's type (`bytes` or `string`). `None`
/// for JSON, no body, or a stream, which is decoded event by event.
fn raw_out(r: &Route) -> Option<(&'static str, &str)> {
    match (&r.returns, &r.returns_format) {
        // A response is never a form: the checker refuses one.
        (None, _)
        | (_, BodyFormat::Json | BodyFormat::Multipart { .. } | BodyFormat::EventStream) => None,
        (Some(_), BodyFormat::Bytes { media }) => Some(("[]byte", media)),
        (Some(_), BodyFormat::Text { media }) => Some(("string", media)),
    }
}

/// What the method returns: its kind (`none`, `pointer`, `value` or
/// `stream`), the success type's Go name, and the result list, with the
/// response `headers` struct when the route declares any. A struct comes
/// back as a pointer; a raw result (`raw_out`), a nullable struct or
/// anything else as a named value.
fn results(
    b: &Builder<'_>,
    r: &Route,
    raw_out: Option<(&'static str, &str)>,
    headers: Option<&HeadersItem>,
) -> (&'static str, String, String) {
    match (&r.returns, raw_out, headers) {
        // A stream declares no response headers: the checker refuses them.
        (Some(ty), _, _) if is_stream(r) => {
            let t = b.nested(ty);
            let results = format!("(*{EVENT_STREAM}[{t}], error)");
            ("stream", t, results)
        }
        (None, _, None) => ("none", String::new(), "error".to_string()),
        (None, _, Some(h)) => ("none", String::new(), format!("(*{}, error)", h.name)),
        (Some(_), Some((t, _)), headers) => {
            let results = match headers {
                None => format!("(out {t}, err error)"),
                Some(h) => format!("(out {t}, {} *{}, err error)", h.var, h.name),
            };
            ("value", t.to_string(), results)
        }
        (Some(ty), None, headers) if b.is_struct(ty) && !ty.nullable => {
            let t = b.base(ty);
            let results = match headers {
                None => format!("(*{t}, error)"),
                Some(h) => format!("(*{t}, *{}, error)", h.name),
            };
            ("pointer", t, results)
        }
        (Some(ty), None, headers) => {
            let t = b.nested(ty);
            let results = match headers {
                None => format!("(out {t}, err error)"),
                Some(h) => format!("(out {t}, {} *{}, err error)", h.var, h.name),
            };
            ("value", t, results)
        }
    }
}

/// The struct of a route's declared response headers, named `name`, which
/// the method `method` holds in the local `var`.
fn headers_item(
    b: &Builder<'_>,
    r: &Route,
    method: &str,
    name: String,
    var: String,
) -> HeadersItem {
    let mut scope = Scope::default();
    let mut members = Vec::new();
    let mut reads = Vec::new();
    for p in &r.response_headers {
        let field = scope.claim(&exported(&p.name));
        let base = b.base(&p.ty);
        // Only a header that is optional and has no default may be absent:
        // the server always sends the others.
        let may_be_absent = p.optional && p.default.is_none();
        let ty = if may_be_absent && !b.nilable(&p.ty) {
            format!("*{base}")
        } else {
            base
        };
        let mut notes: Vec<String> = p.doc.iter().cloned().collect();
        let mut where_ = format!("From the response header {}.", go_string(&p.wire_name));
        if may_be_absent {
            where_.push_str(" Nil when the response leaves it out.");
        }
        let fallback = p.default.as_ref().and_then(header_text);
        if let Some(v) = &p.default {
            where_.push_str(&format!(" The server's default: {}.", v.to_json()));
        }
        notes.push(where_);
        notes.extend(deprecated(p.deprecated));
        members.push(Member {
            doc: comment(&notes, "\t"),
            name: field.clone(),
            ty,
            tag: String::new(),
        });
        let required = !p.optional && p.default.is_none();
        reads.push(format!(
            "readHeader(header, {}, {required}, {}, &h.{field})",
            go_string(&p.wire_name),
            go_string(fallback.as_deref().unwrap_or(""))
        ));
    }
    let wire_names: Vec<String> = r
        .response_headers
        .iter()
        .map(|p| format!("`{}`", p.wire_name))
        .collect();
    HeadersItem {
        doc: comment(
            &[format!(
                "{name} holds the headers a {method} response declares."
            )],
            "",
        ),
        name,
        members: layout(&members),
        reads,
        var,
        wire_names: wire_names.join(", "),
    }
}

/// The struct of a route's multipart form, named `name`, which the method
/// `method` takes as `var`, and the `formPart` literals that send it.
fn form_item(b: &Builder<'_>, method: &str, name: String, var: &str, parts: &[Part]) -> FormItem {
    let mut scope = Scope::default();
    let mut members = Vec::new();
    let mut literals = Vec::new();
    let mut first_file = None;
    for p in parts {
        let field = scope.claim(&exported(&p.name));
        let mut notes: Vec<String> = p.doc.iter().cloned().collect();
        let wire = go_string(&p.name);
        let (ty, mut where_, literal) = match &p.kind {
            PartKind::File { accept } => {
                let ty = if p.optional {
                    format!("*{FILE_PART}")
                } else {
                    FILE_PART.to_string()
                };
                let where_ = if accept == "*/*" {
                    format!("Sent as the file part {wire}, of any type.")
                } else if accept.ends_with("/*") {
                    format!("Sent as the file part {wire}; its ContentType must match {accept}.")
                } else {
                    format!("Sent as the file part {wire}; its ContentType must be {accept}.")
                };
                if first_file.is_none() {
                    first_file = Some((field.clone(), example_media(accept)));
                }
                let file = if p.optional {
                    format!("{var}.{field}")
                } else {
                    format!("&{var}.{field}")
                };
                let literal = format!(
                    "{{name: {wire}, accept: {}, file: {file}}}",
                    go_string(accept)
                );
                (ty, where_, literal)
            }
            PartKind::Value { ty } => {
                let base = b.base(ty);
                let ty = if p.optional && !b.nilable(ty) {
                    format!("*{base}")
                } else {
                    base
                };
                let where_ = format!("Sent as the part {wire}.");
                let literal = format!("{{name: {wire}, value: {var}.{field}}}");
                (ty, where_, literal)
            }
        };
        if p.optional {
            where_.push_str(" Nil leaves it out.");
        }
        notes.push(where_);
        members.push(Member {
            doc: comment(&notes, "\t"),
            name: field,
            ty,
            tag: String::new(),
        });
        literals.push(literal);
    }
    FormItem {
        doc: comment(
            &[format!(
                "{name} is the multipart/form-data form {method} sends."
            )],
            "",
        ),
        name,
        members: layout(&members),
        parts: literals,
        first_file,
        var: var.to_string(),
    }
}

/// A media type that `accept` (`image/png`, `image/*` or `*/*`) takes, for
/// examples.
fn example_media(accept: &str) -> String {
    match accept.strip_suffix("/*") {
        None => accept.to_string(),
        Some("*" | "application") => "application/octet-stream".to_string(),
        Some("image") => "image/png".to_string(),
        Some("text") => "text/plain".to_string(),
        Some("audio") => "audio/mpeg".to_string(),
        Some("video") => "video/mp4".to_string(),
        Some(kind) => format!("{kind}/x-example"),
    }
}

/// A default value as header text: strings and enum values as they are,
/// numbers in decimal, booleans as `true`/`false`; `None` for values a
/// header cannot hold.
fn header_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) | Value::Enum(s) => Some(s.clone()),
        Value::Int(i) => Some(i.to_string()),
        Value::Float(_) => Some(value.to_json().to_string()),
        Value::Bool(v) => Some(v.to_string()),
        Value::Null | Value::List(_) | Value::Object(_) => None,
    }
}

fn location_name(l: ParamLocation) -> &'static str {
    match l {
        ParamLocation::Path => "path segment",
        ParamLocation::Query => "query parameter",
        ParamLocation::Header => "header",
        ParamLocation::Cookie => "cookie",
    }
}
