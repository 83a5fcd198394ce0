//! Paths and operations: parameters, bodies, responses, problems and security.
//!
//! Every operation documents its success response, its declared errors and
//! every problem the runtime itself can answer with (400, 404, 405, 413, 415
//! for routes with a body, 422, 429, 500, 503, 504, and 401 for routes with
//! auth). A route with a rate limit also carries it as `x-gati-rate-limit`.
//! Runtime problems are shared `components/responses`; a status that both a
//! declared error and the runtime can produce gets a `oneOf` of their
//! schemas, which cannot overlap: declared problems have a `urn:problem:` type
//! and runtime problems `about:blank`.

use std::collections::BTreeMap;

use gatic_ir::{
    Api, Auth, BodyFormat, ErrorDef, Method, Param, ParamLocation, PartKind, PathSegment, Rate,
    Route, Spec, Ty, TyKind,
};

use crate::json::{Json, Obj};
use crate::schema::{Schemas, reference, value};

/// The schema component of a runtime problem (the dot keeps it clear of spec names).
const PROBLEM: &str = "gati.Problem";
/// The schema component of one invalid value in a runtime problem.
const VIOLATION: &str = "gati.Violation";
/// The parameter component of the version header.
const VERSION_PARAM: &str = "GatiVersion";
/// The media type of problems.
const PROBLEM_JSON: &str = "application/problem+json";

/// A problem the runtime answers with by itself: status, response component
/// name, description.
struct RuntimeProblem {
    status: u16,
    component: &'static str,
    description: &'static str,
}

/// Every problem the runtime can answer with, by status.
const RUNTIME_PROBLEMS: [RuntimeProblem; 12] = [
    RuntimeProblem {
        status: 400,
        component: "BadRequest",
        description: "The request is malformed: the body is not JSON, or a parameter does not parse.",
    },
    RuntimeProblem {
        status: 401,
        component: "Unauthorized",
        description: "The request carries no credentials.",
    },
    RuntimeProblem {
        status: 403,
        component: "Forbidden",
        description: "The caller's credential lacks a scope the route requires.",
    },
    RuntimeProblem {
        status: 404,
        component: "NotFound",
        description: "No route matches the path.",
    },
    RuntimeProblem {
        status: 405,
        component: "MethodNotAllowed",
        description: "The path has no route for this method; `Allow` lists the methods it has.",
    },
    RuntimeProblem {
        status: 413,
        component: "ContentTooLarge",
        description: "The body is larger than the route's limit.",
    },
    RuntimeProblem {
        status: 415,
        component: "UnsupportedMediaType",
        description: "The body's `Content-Type` is not the one the route takes (`application/json` unless the spec says otherwise).",
    },
    RuntimeProblem {
        status: 422,
        component: "UnprocessableEntity",
        description: "The request is well-formed but invalid; `violations` lists every invalid value.",
    },
    // On every route, with or without a `rate`: the runtime also answers 429
    // to a client that holds too many of the service's in-flight requests.
    RuntimeProblem {
        status: 429,
        component: "TooManyRequests",
        description: "This client sent more requests than its rate limit or its share of the \
                      service's capacity allows; retry after `Retry-After` seconds.",
    },
    RuntimeProblem {
        status: 500,
        component: "InternalServerError",
        description: "The server failed to handle the request.",
    },
    RuntimeProblem {
        status: 503,
        component: "ServiceUnavailable",
        description: "The service is at capacity; retry after `Retry-After` seconds.",
    },
    RuntimeProblem {
        status: 504,
        component: "GatewayTimeout",
        description: "The handler did not finish within the route's time limit.",
    },
];

/// The runtime problem with `status`.
fn runtime_problem(status: u16) -> Option<&'static RuntimeProblem> {
    RUNTIME_PROBLEMS.iter().find(|p| p.status == status)
}

/// The schema component name of error `name`: its own name, unless a type
/// already has it.
pub fn error_component(schemas: &Schemas, name: &str) -> String {
    if schemas.def(name).is_some() {
        format!("{name}.error")
    } else {
        name.to_string()
    }
}

/// The schemas of runtime problems, as components.
pub fn problem_schemas() -> Vec<(String, Obj)> {
    let string = || Obj::new().with("type", "string");
    let problem = Obj::new()
        .with(
            "description",
            "An RFC 9457 problem the runtime answers with by itself.",
        )
        .with("type", "object")
        .with(
            "properties",
            Obj::new()
                .with("type", string().with("const", "about:blank"))
                .with(
                    "title",
                    string().with("description", "The status's reason phrase."),
                )
                .with("status", Obj::new().with("type", "integer"))
                .with("detail", string())
                .with("request_id", string())
                .with(
                    "violations",
                    Obj::new()
                        .with(
                            "description",
                            "The invalid values found (400 and 422 only): the first 50, or the server's `GATI_MAX_VIOLATIONS`.",
                        )
                        .with("type", "array")
                        .with("items", reference(VIOLATION)),
                )
                .with(
                    "truncated",
                    Obj::new()
                        .with(
                            "description",
                            "Present and true when `violations` lists only the first of more.",
                        )
                        .with("type", "boolean"),
                )
                .with(
                    "total",
                    Obj::new()
                        .with(
                            "description",
                            "How many invalid values were found, when `violations` is truncated.",
                        )
                        .with("type", "integer")
                        .with("minimum", 0u64),
                ),
        )
        .with("required", vec!["type", "title", "status"]);
    let violation = Obj::new()
        .with("description", "One invalid value in a request.")
        .with("type", "object")
        .with(
            "properties",
            Obj::new()
                .with(
                    "location",
                    string().with("enum", vec!["body", "path", "query", "header", "cookie"]),
                )
                .with(
                    "pointer",
                    string().with(
                        "description",
                        "A JSON pointer into the body, or `/name` for a parameter.",
                    ),
                )
                .with(
                    "rule",
                    string().with(
                        "description",
                        "The rule broken: len, range, items, pattern, format, type, required, const (a constant field holding another value) or unknown (a member the record does not declare).",
                    ),
                )
                .with("message", string()),
        )
        .with("required", vec!["location", "pointer", "rule", "message"]);
    vec![
        (PROBLEM.to_string(), problem),
        (VIOLATION.to_string(), violation),
    ]
}

/// Builds the operations of one API, remembering which shared components
/// they use.
pub struct Operations<'a> {
    spec: &'a Spec,
    api: &'a Api,
    schemas: &'a Schemas<'a>,
    /// The document's version date, in versioned specs only.
    version: Option<&'a str>,
    /// Runtime problems some operation refers to.
    used_problems: Vec<u16>,
    /// Security schemes some operation uses, in first-use order.
    security: Vec<(String, Obj)>,
}

impl<'a> Operations<'a> {
    /// Operations for `api`; `version` is the document's date in a versioned spec.
    pub fn new(
        spec: &'a Spec,
        api: &'a Api,
        schemas: &'a Schemas<'a>,
        version: Option<&'a str>,
    ) -> Operations<'a> {
        Operations {
            spec,
            api,
            schemas,
            version,
            used_problems: Vec::new(),
            security: Vec::new(),
        }
    }

    /// Whether `date` is the spec's newest version, which requests without
    /// a version header get.
    fn is_head(&self, date: &str) -> bool {
        self.spec.versions.last().is_none_or(|v| v.date == date)
    }

    /// The `paths` object: one path item per path, operations in route order.
    pub fn paths(&mut self) -> Obj {
        let mut paths = Obj::new();
        for route in &self.api.routes {
            let operation = self.operation(route);
            let method = route.method.as_str().to_ascii_lowercase();
            paths
                .object_mut(&path_template(route))
                .set(method, operation);
        }
        paths
    }

    /// The shared components the operations refer to: `responses`,
    /// `parameters` and `securitySchemes`, each only when used.
    pub fn components(&self) -> Obj {
        let mut components = Obj::new();
        let mut responses = Obj::new();
        for problem in RUNTIME_PROBLEMS
            .iter()
            .filter(|p| self.used_problems.contains(&p.status))
        {
            responses.set(problem.component, runtime_response(problem));
        }
        if !responses.is_empty() {
            components.set("responses", responses);
        }
        if let Some(date) = self.version.filter(|_| !self.api.routes.is_empty()) {
            components.set(
                "parameters",
                Obj::new().with(
                    VERSION_PARAM,
                    version_parameter(self.spec.service.version_header(), date, self.is_head(date)),
                ),
            );
        }
        if !self.security.is_empty() {
            let mut schemes = Obj::new();
            for (name, scheme) in &self.security {
                schemes.set(name, scheme.clone());
            }
            components.set("securitySchemes", schemes);
        }
        components
    }

    /// The schema of a declared error: the problem members, then the payload.
    pub fn error_schema(&self, error: &ErrorDef) -> Obj {
        let string = || Obj::new().with("type", "string");
        let type_uri = gatic_ir::wire::problem_type(&self.spec.service.name, &error.name);
        let mut properties = Obj::new()
            .with("type", string().with("const", type_uri))
            .with("title", string().with("const", error.name.as_str()))
            .with(
                "status",
                Obj::new()
                    .with("type", "integer")
                    .with("const", error.status),
            )
            .with("detail", string())
            .with("request_id", string());
        let mut required = vec![
            "type".to_string(),
            "title".to_string(),
            "status".to_string(),
        ];
        let payload = self.schemas.record(&error.fields);
        if let Some(Json::Object(fields)) = payload.get("properties") {
            properties = properties.extended(fields.clone());
        }
        let payload_required = match payload.get("required") {
            Some(Json::Array(names)) => names.as_slice(),
            _ => &[],
        };
        // This schema only ever describes a response, and every response
        // carries a constant member (`object: "error"`), so it is required
        // here although its default keeps it out of the record's `required`.
        for field in &error.fields {
            let name = Json::from(field.name.as_str());
            if (payload_required.contains(&name) || matches!(field.ty.kind, TyKind::Const(_)))
                && !required.contains(&field.name)
            {
                required.push(field.name.clone());
            }
        }
        Obj::new()
            .with_opt("description", error.doc.as_deref())
            .with("type", "object")
            .with("properties", properties)
            .with("required", required)
    }

    /// One operation.
    fn operation(&mut self, route: &Route) -> Obj {
        let mut op = Obj::new().with("operationId", route.name.as_str());
        if let Some(doc) = &route.doc {
            let (summary, description) = split_doc(doc);
            op.set("summary", summary);
            if let Some(description) = description {
                op.set("description", description);
            }
        }
        if route.deprecated {
            op.set("deprecated", true);
        }
        let mut parameters: Vec<Json> = route
            .params
            .iter()
            .map(|p| self.parameter(p).into())
            .collect();
        if self.version.is_some() {
            parameters.push(
                Obj::new()
                    .with("$ref", format!("#/components/parameters/{VERSION_PARAM}"))
                    .into(),
            );
        }
        if !parameters.is_empty() {
            op.set("parameters", Json::Array(parameters));
        }
        if let Some(body) = &route.body {
            op.set(
                "requestBody",
                Obj::new()
                    .with_opt("description", route.body_doc.as_deref())
                    .with("required", true)
                    .with("content", self.content(&route.body_format, body)),
            );
        }
        op.set("responses", self.responses(route));
        if let Some(scheme) = self.security_scheme(&route.auth) {
            op.set(
                "security",
                vec![
                    Obj::new().with(
                        scheme,
                        Json::Array(
                            route
                                .scopes
                                .iter()
                                .map(|s| Json::from(s.as_str()))
                                .collect(),
                        ),
                    ),
                ],
            );
        }
        if let Some(rate) = &route.limits.rate {
            op.set("x-gati-rate-limit", rate_limit(rate));
        }
        op
    }

    /// A body's `content`: its media type, and the schema of its JSON, or
    /// of raw bytes (`format: binary`) or text. A stream of server-sent
    /// events is described one event at a time, as OpenAPI 3.2's
    /// `itemSchema` does and as tools read a 3.1 `schema` for
    /// `text/event-stream` (schemathesis checks each event against it): an
    /// object whose `data` is JSON of the route's type (`contentSchema`),
    /// with the event's optional `id` and `event` (`error` for a problem).
    fn content(&mut self, format: &BodyFormat, ty: &Ty) -> Obj {
        let schema = match format {
            BodyFormat::Json => self.schemas.ty(ty),
            BodyFormat::EventStream => Obj::new()
                .with("type", "object")
                .with(
                    "description",
                    "One server-sent event: its `data` is one JSON value of `contentSchema`; an `error` event carries a problem and ends the stream.",
                )
                .with(
                    "properties",
                    Obj::new()
                        .with(
                            "data",
                            Obj::new()
                                .with("type", "string")
                                .with("contentMediaType", "application/json")
                                .with("contentSchema", self.schemas.ty(ty)),
                        )
                        .with("id", Obj::new().with("type", "string"))
                        .with(
                            "event",
                            Obj::new()
                                .with("type", "string")
                                .with("enum", Json::Array(vec![Json::from("message"), Json::from("error")])),
                        )
                        .with("retry", Obj::new().with("type", "integer").with("minimum", 0_i64)),
                )
                .with("required", Json::Array(vec![Json::from("data")])),
            BodyFormat::Bytes { .. } => Obj::new().with("type", "string").with("format", "binary"),
            BodyFormat::Text { .. } => Obj::new().with("type", "string"),
            BodyFormat::Multipart { parts } => {
                // An object of the form's parts; each file's media types in
                // `encoding`.
                let mut properties = Obj::new();
                let mut encoding = Obj::new();
                let mut required: Vec<Json> = Vec::new();
                for part in parts {
                    let schema = match &part.kind {
                        PartKind::File { accept } => {
                            encoding.set(
                                part.name.as_str(),
                                Obj::new().with("contentType", accept.as_str()),
                            );
                            Obj::new().with("type", "string").with("format", "binary")
                        }
                        PartKind::Value { ty } => self.schemas.ty(ty),
                    };
                    properties.set(
                        part.name.as_str(),
                        schema.with_opt("description", part.doc.as_deref()),
                    );
                    if !part.optional {
                        required.push(Json::from(part.name.as_str()));
                    }
                }
                // The server refuses a part the form does not declare.
                let mut schema = Obj::new()
                    .with("type", "object")
                    .with("properties", properties)
                    .with("additionalProperties", false);
                if !required.is_empty() {
                    schema.set("required", Json::Array(required));
                }
                let mut media = Obj::new().with("schema", schema);
                if !encoding.is_empty() {
                    media.set("encoding", encoding);
                }
                return Obj::new().with(format.media(), media);
            }
        };
        Obj::new().with(format.media(), Obj::new().with("schema", schema))
    }

    /// One path, query, header or cookie parameter.
    fn parameter(&self, param: &Param) -> Obj {
        let location = match param.location {
            ParamLocation::Path => "path",
            ParamLocation::Query => "query",
            ParamLocation::Header => "header",
            ParamLocation::Cookie => "cookie",
        };
        let required =
            param.location == ParamLocation::Path || (!param.optional && param.default.is_none());
        let mut schema = self.schemas.ty(&param.ty);
        if let Some(default) = &param.default {
            schema.set("default", value(default));
        }
        let mut obj = Obj::new()
            .with("name", param.wire_name.as_str())
            .with("in", location)
            .with_opt("description", param.doc.as_deref())
            .with("required", required);
        if param.deprecated {
            obj.set("deprecated", true);
        }
        if param.location == ParamLocation::Query && matches!(param.ty.kind, TyKind::List(_)) {
            // Lists repeat the key: `?tag=a&tag=b`.
            obj.set("style", "form");
            obj.set("explode", true);
        }
        obj.with("schema", schema)
    }

    /// The responses: success first, then problems by status.
    fn responses(&mut self, route: &Route) -> Obj {
        // HEAD responses never have a body.
        let bodies = route.method != Method::Head;
        let mut responses = Obj::new();
        let description = route.returns_doc.as_deref().unwrap_or(reason(route.status));
        let mut success = Obj::new().with("description", description);
        if let (Some(returns), true) = (&route.returns, bodies) {
            success.set("content", self.content(&route.returns_format, returns));
        }
        if !route.response_headers.is_empty() {
            let mut headers = Obj::new();
            for header in &route.response_headers {
                let mut ty = header.ty.clone();
                ty.nullable = false;
                let mut obj = Obj::new()
                    .with_opt("description", header.doc.as_deref())
                    .with("required", !header.optional);
                if header.deprecated {
                    obj.set("deprecated", true);
                }
                headers.set(
                    header.wire_name.as_str(),
                    obj.with("schema", self.schemas.ty(&ty)),
                );
            }
            success.set("headers", headers);
        }
        responses.set(route.status.to_string(), success);
        // A GET with an ETag answers a matching `If-None-Match` with 304.
        if route.method == Method::Get
            && let Some(etag) = route
                .response_headers
                .iter()
                .find(|h| h.wire_name.eq_ignore_ascii_case("etag"))
        {
            let header = Obj::new()
                .with("required", true)
                .with("schema", Obj::new().with("type", "string"));
            responses.set(
                "304",
                Obj::new()
                    .with(
                        "description",
                        "The client's copy is current (its `If-None-Match` names this ETag); no body.",
                    )
                    .with("headers", Obj::new().with(etag.wire_name.as_str(), header)),
            );
        }

        // Every status a problem can come with, and the declared errors at each.
        let mut statuses: BTreeMap<u16, (Vec<&ErrorDef>, bool)> = BTreeMap::new();
        for name in &route.errors {
            if let Some(error) = self.api.error(name) {
                statuses.entry(error.status).or_default().0.push(error);
            }
        }
        for problem in &RUNTIME_PROBLEMS {
            let applies = match problem.status {
                401 => route.auth != Auth::None,
                403 => route.auth != Auth::None && !route.scopes.is_empty(),
                415 => route.body.is_some(),
                _ => true,
            };
            if applies {
                statuses.entry(problem.status).or_default().1 = true;
            }
        }
        for (status, (declared, runtime)) in statuses {
            let runtime = runtime_problem(status).filter(|_| runtime);
            let response = match (declared.as_slice(), runtime) {
                ([], Some(problem)) if bodies => {
                    if !self.used_problems.contains(&status) {
                        self.used_problems.push(status);
                    }
                    Obj::new().with(
                        "$ref",
                        format!("#/components/responses/{}", problem.component),
                    )
                }
                ([], Some(problem)) => Obj::new()
                    .with("description", problem.description)
                    .with_opt("headers", problem_headers(problem)),
                ([error], None) => {
                    let schema = reference(&error_component(self.schemas, &error.name));
                    let description = error.doc.as_deref().map_or(error.name.clone(), first_line);
                    problem_response(&description, schema, bodies)
                }
                (errors, runtime) => {
                    let mut one_of: Vec<Json> = Vec::new();
                    let mut description = format!("{}, as one of:", reason(status));
                    for error in errors {
                        one_of.push(reference(&error_component(self.schemas, &error.name)).into());
                        description.push_str(&format!("\n- `{}`", error.name));
                        if let Some(doc) = &error.doc {
                            description.push_str(": ");
                            description.push_str(&first_line(doc));
                        }
                    }
                    if let Some(problem) = runtime {
                        one_of.push(reference(PROBLEM).into());
                        description
                            .push_str(&format!("\n- a runtime problem: {}", problem.description));
                    }
                    let schema = Obj::new().with("oneOf", Json::Array(one_of));
                    Obj::new()
                        .with("description", description.as_str())
                        .with_opt("headers", runtime.and_then(problem_headers))
                        .extended(problem_response(&description, schema, bodies))
                }
            };
            responses.set(status.to_string(), response);
        }
        responses
    }

    /// The name of the security scheme for `auth`, registering it on first use.
    fn security_scheme(&mut self, auth: &Auth) -> Option<String> {
        let (name, scheme) = match auth {
            Auth::None => return None,
            Auth::Bearer
                if self
                    .spec
                    .service
                    .jwt
                    .as_ref()
                    .is_some_and(|jwt| jwt.token_url.is_some()) =>
            {
                ("oauth2".to_string(), self.oauth2_scheme())
            }
            Auth::Bearer => {
                let mut scheme = Obj::new().with("type", "http").with("scheme", "bearer");
                // With `auth jwt`, every bearer token is a JSON Web Token.
                if let Some(jwt) = &self.spec.service.jwt {
                    scheme.set("bearerFormat", "JWT");
                    scheme.set(
                        "description",
                        format!(
                            "A JSON Web Token issued by `{}` for the audience `{}`.",
                            jwt.issuer, jwt.audience
                        ),
                    );
                }
                ("bearer".to_string(), scheme)
            }
            Auth::ApiKey { header } => (
                self.api_key_scheme_name(header),
                Obj::new()
                    .with("type", "apiKey")
                    .with("in", "header")
                    .with("name", header),
            ),
        };
        if !self.security.iter().any(|(n, _)| *n == name) {
            self.security.push((name.clone(), scheme));
        }
        Some(name)
    }

    /// The OAuth2 scheme of a service whose JWTs come from a token endpoint
    /// (`token_url`): client credentials, and the authorization code too
    /// with an `authorization_url`; every scope a route requires, listed.
    fn oauth2_scheme(&self) -> Obj {
        let Some(jwt) = &self.spec.service.jwt else {
            return Obj::new();
        };
        let mut scopes: Vec<&str> = Vec::new();
        for route in &self.api.routes {
            for scope in &route.scopes {
                if !scopes.contains(&scope.as_str()) {
                    scopes.push(scope);
                }
            }
        }
        let scope_obj = || {
            let mut obj = Obj::new();
            for scope in &scopes {
                obj.set(
                    *scope,
                    format!("Required by the routes that list `{scope}`."),
                );
            }
            obj
        };
        let mut flows = Obj::new();
        if let Some(token_url) = &jwt.token_url {
            flows.set(
                "clientCredentials",
                Obj::new()
                    .with("tokenUrl", token_url.as_str())
                    .with("scopes", scope_obj()),
            );
            if let Some(authorization_url) = &jwt.authorization_url {
                flows.set(
                    "authorizationCode",
                    Obj::new()
                        .with("authorizationUrl", authorization_url.as_str())
                        .with("tokenUrl", token_url.as_str())
                        .with("scopes", scope_obj()),
                );
            }
        }
        Obj::new()
            .with("type", "oauth2")
            .with(
                "description",
                format!(
                    "JSON Web Tokens issued by `{}` for the audience `{}`, sent as `Authorization: Bearer`.",
                    jwt.issuer, jwt.audience
                ),
            )
            .with("flows", flows)
    }

    /// `apiKey` when every route with an API key reads the same header, else
    /// `apiKey.<header>` (header names are case-insensitive).
    fn api_key_scheme_name(&self, header: &str) -> String {
        let mut headers: Vec<String> = self
            .api
            .routes
            .iter()
            .filter_map(|r| match &r.auth {
                Auth::ApiKey { header } => Some(header.to_ascii_lowercase()),
                _ => None,
            })
            .collect();
        headers.sort();
        headers.dedup();
        if headers.len() <= 1 {
            return "apiKey".to_string();
        }
        let safe: String = header
            .to_ascii_lowercase()
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        format!("apiKey.{safe}")
    }
}

/// A route's doc as an operation's summary (the first line) and description.
///
/// The description is the rest when the first line is a paragraph of its
/// own, and the whole doc otherwise: a first line that runs on into the next
/// is half a sentence, and the description should stand on its own.
fn split_doc(doc: &str) -> (String, Option<String>) {
    let (first, rest) = doc.split_once('\n').unwrap_or((doc, ""));
    let description = match rest.lines().next() {
        _ if rest.trim().is_empty() => None,
        Some(line) if line.trim().is_empty() => Some(rest.trim().to_string()),
        _ => Some(doc.trim().to_string()),
    };
    (first.trim().to_string(), description)
}

/// The first line of a doc comment.
fn first_line(doc: &str) -> String {
    doc.lines().next().unwrap_or_default().trim().to_string()
}

/// The path as an OpenAPI template, path parameters by their wire names.
fn path_template(route: &Route) -> String {
    if route.path.is_empty() {
        return "/".to_string();
    }
    route
        .path
        .iter()
        .map(|segment| match segment {
            PathSegment::Literal(l) => format!("/{l}"),
            PathSegment::Param(name) => {
                let wire = route
                    .params
                    .iter()
                    .find(|p| p.location == ParamLocation::Path && p.name == *name)
                    .map_or(name.as_str(), |p| p.wire_name.as_str());
                format!("/{{{wire}}}")
            }
        })
        .collect()
}

/// A response whose body is a problem with `schema`.
fn problem_response(description: &str, schema: Obj, body: bool) -> Obj {
    let mut response = Obj::new().with("description", description);
    if body {
        response.set(
            "content",
            Obj::new().with(PROBLEM_JSON, Obj::new().with("schema", schema)),
        );
    }
    response
}

/// The headers a runtime problem comes with.
fn problem_headers(problem: &RuntimeProblem) -> Option<Obj> {
    let header = |description: &str, schema: Obj| {
        Obj::new()
            .with("description", description)
            .with("schema", schema)
    };
    match problem.status {
        401 => Some(Obj::new().with(
            "WWW-Authenticate",
            header(
                "`Bearer`, on routes that take a bearer token.",
                Obj::new().with("type", "string"),
            ),
        )),
        403 => Some(Obj::new().with(
            "WWW-Authenticate",
            header(
                "`Bearer error=\"insufficient_scope\", scope=\"…\"`, on routes that take a bearer token: the scopes missing.",
                Obj::new().with("type", "string"),
            ),
        )),
        405 => Some(Obj::new().with(
            "Allow",
            header(
                "The methods the path has, such as `GET, POST`.",
                Obj::new().with("type", "string"),
            ),
        )),
        429 | 503 => Some(Obj::new().with(
            "Retry-After",
            header(
                "Seconds to wait before retrying.",
                Obj::new().with("type", "integer").with("minimum", 0i64),
            ),
        )),
        _ => None,
    }
}

/// A route's rate limit as the `x-gati-rate-limit` extension: `requests`
/// per `per_seconds` for each client, up to `burst` at once.
fn rate_limit(rate: &Rate) -> Obj {
    // The language's units (second, minute, hour) make whole seconds; an IR
    // built otherwise still gets its exact period, as a fraction.
    let per_seconds = if rate.per_ms.is_multiple_of(1000) {
        Json::from(rate.per_ms / 1000)
    } else {
        Json::from(rate.per_ms as f64 / 1000.0)
    };
    Obj::new()
        .with("requests", u64::from(rate.requests))
        .with("per_seconds", per_seconds)
        .with("burst", u64::from(rate.burst))
}

/// The shared response of a runtime problem.
fn runtime_response(problem: &RuntimeProblem) -> Obj {
    let mut response = Obj::new().with("description", problem.description);
    if let Some(headers) = problem_headers(problem) {
        response.set("headers", headers);
    }
    response.extended(problem_response(
        problem.description,
        reference(PROBLEM),
        true,
    ))
}

/// The version header every operation of a versioned spec accepts. Only the
/// head's document may leave it out: without it the server answers at the
/// head (unless its operator configured another default). `name` is the
/// header's name: `Gati-Version` unless the service block sets another.
fn version_parameter(name: &str, date: &str, head: bool) -> Obj {
    Obj::new()
        .with("name", name)
        .with("in", "header")
        .with(
            "description",
            "The API version this document describes. The server also accepts \
             any other released version (or a date between versions, meaning the \
             version in force then), answering in that version's shapes, which \
             that version's own document describes. `?version=` does the same.",
        )
        .with("required", !head)
        .with(
            "schema",
            Obj::new()
                .with("type", "string")
                .with("format", "date")
                .with("enum", vec![date.to_string()])
                .with("default", date),
        )
}

/// The reason phrase of an HTTP status (RFC 9110), for descriptions.
fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        203 => "Non-Authoritative Information",
        204 => "No Content",
        205 => "Reset Content",
        206 => "Partial Content",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        407 => "Proxy Authentication Required",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Content Too Large",
        414 => "URI Too Long",
        415 => "Unsupported Media Type",
        416 => "Range Not Satisfiable",
        417 => "Expectation Failed",
        421 => "Misdirected Request",
        422 => "Unprocessable Content",
        423 => "Locked",
        424 => "Failed Dependency",
        425 => "Too Early",
        426 => "Upgrade Required",
        428 => "Precondition Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        451 => "Unavailable For Legal Reasons",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        _ => "Response",
    }
}
