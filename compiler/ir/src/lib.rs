//! The IR: the checked, resolved model of one API and its version history.
//!
//! Every target generates from this and nothing else: targets never see the
//! AST. The IR is plain ordered data (vectors in declaration order, no hash
//! maps), so everything generated from it is deterministic, and it serializes
//! to stable JSON (the form `gatic release` freezes and snapshots show).

mod change;
pub mod display;
pub mod doc;
pub mod ident;
pub mod walk;
pub mod wire;

use serde::{Deserialize, Serialize};

/// A whole compiled spec: the head API plus its history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Spec {
    /// The spec's file name as given to the compiler, relative (for headers of generated files).
    pub source: String,
    /// The service's identity and service-wide settings.
    pub service: Service,
    /// The API as it is now (the newest version).
    pub head: Api,
    /// Every declared version, oldest first; the last one is the head's date.
    /// Empty when the spec has no `versions` block.
    pub versions: Vec<Version>,
}

impl Spec {
    /// The routes that a version removed, oldest removal first, each with the
    /// index (into [`Spec::versions`]) of the version that removed it. The
    /// generated server still serves each at the versions before that one.
    pub fn retired_routes(&self) -> Vec<(usize, &Route)> {
        let mut out = Vec::new();
        for (j, version) in self.versions.iter().enumerate() {
            for change in &version.changes {
                if let Change::RouteRemoved { route } = change {
                    out.push((j, &**route));
                }
            }
        }
        out
    }
}

/// The service block, with defaults filled in. Every setting the language
/// knows is a field of its own; the checker rejects any other key (E0502),
/// so nothing written in the block is silently ignored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Service {
    /// The name as written (`users`); crate and SDK names derive from it.
    pub name: String,
    /// A human title (`Users`); the name when not given.
    pub title: String,
    /// Doc comment.
    pub doc: Option<String>,
    /// Service-wide limits; routes override them field by field.
    pub limits: Limits,
    /// Service-wide authentication; routes override it.
    pub auth: Auth,
    /// The `deploy { … }` block as written, which the deploy target resolves
    /// and checks (its keys are its own, so it is open here). Left out of
    /// the JSON when absent; IR written before it existed (with a
    /// `settings` list, which nothing read back) still reads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deploy: Option<SettingsBlock>,
    /// What requests' records do with a member they do not declare
    /// (`unknown_fields reject`), unless a record says otherwise. Left out
    /// of the JSON when `ignore`, the default, so IR written before the
    /// setting existed reads the same.
    #[serde(default, skip_serializing_if = "UnknownFields::is_ignore")]
    pub unknown_fields: UnknownFields,
    /// The header clients name the API version in (`version_header
    /// "Stripe-Version"`), as written; `None` means `Gati-Version`. Left out
    /// of the JSON when absent, so IR written before the setting existed
    /// reads the same.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_header: Option<String>,
    /// The record authentication returns for a caller (`auth bearer ->
    /// Caller`), which handlers read from their context; `None` when
    /// authentication only accepts or rejects. Left out of the JSON when
    /// absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal: Option<String>,
    /// Which browser origins may call the API, and how (`cors { … }`).
    /// Left out of the JSON when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cors: Option<Cors>,
    /// How the server verifies bearer tokens itself (`auth jwt { … }`):
    /// every bearer route's token is then a JWT, checked before the
    /// handler. Left out of the JSON when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwt: Option<Jwt>,
}

/// `auth jwt { issuer "…", audience "…", keys env VAR }`: bearer tokens are
/// JSON Web Tokens, verified against a JWKS file's keys.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwt {
    /// The `iss` every token must carry.
    pub issuer: String,
    /// The `aud` every token must carry.
    pub audience: String,
    /// The environment variable holding the JWKS file's path.
    pub keys_env: String,
    /// The signature algorithms accepted; empty: each key's own.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub algorithms: Vec<String>,
    /// Clock skew allowed on `exp` and `nbf`, in seconds (60 when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leeway_s: Option<u64>,
    /// Where clients get tokens (`token_url`), for the documentation: an
    /// OAuth2 client-credentials flow in OpenAPI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_url: Option<String>,
    /// Where people sign in (`authorization_url`), for the documentation:
    /// with `token_url`, an OAuth2 authorization-code flow in OpenAPI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_url: Option<String>,
}

/// The service's CORS policy (`cors { origins [...], … }`): the runtime
/// answers preflights and lets these origins read the answers.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cors {
    /// The origins that may call (`https://app.example.com`), or `*`.
    pub origins: Vec<String>,
    /// The methods a preflight allows, uppercase; empty means the methods
    /// the routes use.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub methods: Vec<String>,
    /// Request headers allowed besides those the API declares or uses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<String>,
    /// Response headers a page may read besides those the API sends.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expose: Vec<String>,
    /// How long a browser may cache a preflight's answer, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_age_s: Option<u64>,
    /// Whether pages may send cookies with their calls and read the answers.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub credentials: bool,
}

impl Service {
    /// The header the API version travels in, as written: the configured
    /// one, else `Gati-Version`.
    pub fn version_header(&self) -> &str {
        self.version_header
            .as_deref()
            .unwrap_or(DEFAULT_VERSION_HEADER)
    }
}

/// The version header when the service block names none.
pub const DEFAULT_VERSION_HEADER: &str = "Gati-Version";

/// What decoding a request does with a JSON object's member that its record
/// does not declare. Responses are always decoded tolerantly: a client
/// ignores members it does not know, so adding a response field stays
/// compatible.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnknownFields {
    /// The member is skipped (serde's default, and the language's).
    #[default]
    Ignore,
    /// The request is answered 400, naming the member.
    Reject,
}

impl UnknownFields {
    /// Whether this is [`UnknownFields::Ignore`] (for serde's `skip_serializing_if`).
    pub fn is_ignore(&self) -> bool {
        *self == UnknownFields::Ignore
    }

    /// The word the language writes for it (`ignore`, `reject`).
    pub fn word(self) -> &'static str {
        match self {
            UnknownFields::Ignore => "ignore",
            UnknownFields::Reject => "reject",
        }
    }
}

/// A block of settings that a target checks itself (`deploy { … }`): its
/// entries as written, in source order, each with where it was written so
/// the target's errors can point at it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SettingsBlock {
    /// Where the block's key was written (`deploy`). Not serialized: spans
    /// would change the JSON whenever unrelated text moves.
    #[serde(skip)]
    pub span: SourceSpan,
    /// The block's settings, in source order (repeats included: the target
    /// reports them).
    pub entries: Vec<SettingEntry>,
}

impl SettingsBlock {
    /// The entries as key and value pairs, in source order.
    pub fn pairs(&self) -> Vec<(String, Value)> {
        self.entries
            .iter()
            .map(|e| (e.key.clone(), e.value.clone()))
            .collect()
    }

    /// Where `key` was first written in this block, else the block's key.
    pub fn span_of(&self, key: &str) -> SourceSpan {
        self.entries
            .iter()
            .find(|e| e.key == key)
            .map_or(self.span, |e| e.span)
    }
}

/// One `key value` entry of a [`SettingsBlock`]. Nested blocks are
/// [`Value::Object`]s, sizes are bytes and durations milliseconds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SettingEntry {
    /// The key as written.
    pub key: String,
    /// Where the key was written. Not serialized, like [`SettingsBlock::span`].
    #[serde(skip)]
    pub span: SourceSpan,
    /// The value.
    pub value: Value,
}

/// A byte range in one of the spec's source files, for targets that report
/// errors about what the spec says (the CLI turns it into a diagnostic's
/// span). The IR carries one only where a target needs it, and never
/// serializes it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct SourceSpan {
    /// The file, as the checker numbered it (the root is 0).
    pub file: u32,
    /// Offset of the first byte.
    pub start: u32,
    /// Offset one past the last byte.
    pub end: u32,
}

/// Admission and resource limits. `None` means "the runtime's default".
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// Requests handled at once.
    pub concurrency: Option<u32>,
    /// Requests waiting for a slot before 503.
    pub queue: Option<u32>,
    /// Largest request body, in bytes.
    pub body: Option<u64>,
    /// Deadline for the handler, in milliseconds.
    pub timeout_ms: Option<u64>,
    /// Requests each client may make: a token bucket per client. The
    /// service's rate is one bucket per client for all routes together. A
    /// route's is its own rate, else the service's (merged like the other
    /// limits); its own is a further bucket per client for that route. An
    /// inherited one needs no bucket of its own: the shared bucket, which
    /// every route draws on, never holds more tokens.
    /// Left out of the JSON when unset, so IR written before rates existed
    /// reads back and serializes byte for byte the same.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate: Option<Rate>,
}

/// A token-bucket rate limit: `requests` per `per_ms` milliseconds on
/// average, up to `burst` at once. `rate 100/s burst 200` is 100 per 1000 ms
/// with a burst of 200; without `burst`, the burst is `requests`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rate {
    /// Requests refilled per period (at least 1).
    pub requests: u32,
    /// The period, in milliseconds (1000, 60000 or 3600000).
    pub per_ms: u64,
    /// The bucket's capacity: requests that may arrive at once (at least 1).
    pub burst: u32,
}

/// How a route's caller is authenticated.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Auth {
    /// Anyone may call.
    #[default]
    None,
    /// `Authorization: Bearer <token>`.
    Bearer,
    /// An API key in a header.
    ApiKey {
        /// The header's name.
        header: String,
    },
}

/// The API at one point in time: its types, errors and routes.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Api {
    /// Named types, in declaration order (files in `use` order, `use`d files first).
    pub types: Vec<TypeDef>,
    /// Declared errors, in declaration order.
    pub errors: Vec<ErrorDef>,
    /// Routes, in declaration order.
    pub routes: Vec<Route>,
}

impl Api {
    /// The type named `name`.
    pub fn ty(&self, name: &str) -> Option<&TypeDef> {
        self.types.iter().find(|t| t.name == name)
    }

    /// The error named `name`.
    pub fn error(&self, name: &str) -> Option<&ErrorDef> {
        self.errors.iter().find(|e| e.name == name)
    }

    /// The route named `name`.
    pub fn route(&self, name: &str) -> Option<&Route> {
        self.routes.iter().find(|r| r.name == name)
    }
}

/// A named type.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TypeDef {
    /// The name as written (PascalCase by convention, not by force).
    pub name: String,
    /// Doc comment.
    pub doc: Option<String>,
    /// Marked `@deprecated`.
    pub deprecated: bool,
    /// For a record instantiated from a generic one (`Page<Charge>`): the
    /// generic record and the type arguments, as written in the spec. Its
    /// fields are already substituted; this is what `.gati` text calls it.
    /// Left out of the JSON when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<Instance>,
    /// A record's policy for unknown request members, resolved: its own
    /// `@unknown_fields(…)`, else the service's. Always `ignore` for other
    /// kinds. Left out of the JSON when `ignore`.
    #[serde(default, skip_serializing_if = "UnknownFields::is_ignore")]
    pub unknown_fields: UnknownFields,
    /// An alias's value to show (`type Slug = string @example("my-post")`),
    /// checked against its type like a default; always `None` for other
    /// kinds. Left out of the JSON when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub example: Option<Value>,
    /// What it is.
    pub kind: TypeDefKind,
}

/// Where an instantiated record comes from: `Page<Charge>` is the generic
/// record `Page` with the argument `Charge`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Instance {
    /// The generic record's name (`Page`).
    pub generic: String,
    /// The type arguments, in order.
    pub args: Vec<Ty>,
}

/// The shape of a [`TypeDef`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TypeDefKind {
    /// A record; derived records (`without`, spreads) are already expanded.
    Record {
        /// The fields, in order.
        fields: Vec<Field>,
    },
    /// A closed set of string values.
    Enum {
        /// The values, in order.
        values: Vec<EnumValue>,
    },
    /// A union of variants.
    Union {
        /// The discriminator field for a tagged union; `None` for untagged.
        tag: Option<String>,
        /// The variants, in order.
        variants: Vec<Variant>,
    },
    /// Another name for a type, with its refinements.
    Alias {
        /// The aliased type.
        target: Ty,
    },
}

/// A record field (also used for error payloads and parameters).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Field {
    /// The name as written and as sent on the wire.
    pub name: String,
    /// Doc comment.
    pub doc: Option<String>,
    /// The field's type, refinements included.
    pub ty: Ty,
    /// May be absent (`name?:`).
    pub optional: bool,
    /// The value a request that leaves the field out gets (checked against `ty`).
    pub default: Option<Value>,
    /// Server-set: never accepted in requests.
    pub readonly: bool,
    /// Accepted in requests, never returned.
    pub write_only: bool,
    /// Marked `@deprecated`.
    pub deprecated: bool,
    /// A value to show for the field (`@example(…)`), checked against `ty`
    /// like a default: documentation shows it and `gatic mock` answers with
    /// it. Left out of the JSON when absent, so IR written before examples
    /// existed reads and serializes the same.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub example: Option<Value>,
}

/// One value of an enum.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EnumValue {
    /// The value as sent on the wire.
    pub name: String,
    /// Doc comment.
    pub doc: Option<String>,
    /// Marked `@deprecated`.
    pub deprecated: bool,
}

/// One variant of a union.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Variant {
    /// The variant's name; the tag value of a tagged union.
    pub name: String,
    /// Doc comment.
    pub doc: Option<String>,
    /// The payload (a record reference for tagged unions).
    pub ty: Ty,
}

/// A type use: what a field, parameter or body holds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ty {
    /// The shape.
    pub kind: TyKind,
    /// May be `null`.
    pub nullable: bool,
    /// Constraints checked at run time.
    #[serde(default, skip_serializing_if = "Refinements::is_empty")]
    pub refinements: Refinements,
}

/// The shape of a [`Ty`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "of", rename_all = "snake_case")]
pub enum TyKind {
    /// A built-in type.
    Primitive(Primitive),
    /// A named type from [`Api::types`].
    Named(String),
    /// A list.
    List(Box<Ty>),
    /// A map from strings to values.
    Map(Box<Ty>),
    /// One string, always the same (`object: "charge"`). Only a record's or
    /// an error payload's field has this type, never nullable or refined,
    /// and the checker gives that field the string as its default: a
    /// request may leave it out (or must send exactly it), and every
    /// response carries it.
    Const(String),
}

/// The built-in types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Primitive {
    /// UTF-8 text.
    String,
    /// `true` or `false`.
    Bool,
    /// 32-bit signed integer.
    Int32,
    /// 64-bit signed integer.
    Int64,
    /// IEEE 754 double.
    Float64,
    /// An exact decimal number, sent as a string.
    Decimal,
    /// A UUID, sent as a hyphenated string.
    Uuid,
    /// An email address (a string with `@format(email)`).
    Email,
    /// An absolute URL (a string with `@format(url)`).
    Url,
    /// A calendar date, `YYYY-MM-DD`.
    Date,
    /// An RFC 3339 timestamp.
    Datetime,
    /// An ISO 8601 duration, `PT1H30M`.
    Duration,
    /// Binary data, sent as base64.
    Bytes,
    /// Any JSON value.
    Any,
}

impl Primitive {
    /// Every primitive with its name in the language.
    pub const ALL: [(&'static str, Primitive); 14] = [
        ("string", Primitive::String),
        ("bool", Primitive::Bool),
        ("int32", Primitive::Int32),
        ("int64", Primitive::Int64),
        ("float64", Primitive::Float64),
        ("decimal", Primitive::Decimal),
        ("uuid", Primitive::Uuid),
        ("email", Primitive::Email),
        ("url", Primitive::Url),
        ("date", Primitive::Date),
        ("datetime", Primitive::Datetime),
        ("duration", Primitive::Duration),
        ("bytes", Primitive::Bytes),
        ("any", Primitive::Any),
    ];

    /// The primitive called `name` in the language.
    pub fn from_name(name: &str) -> Option<Primitive> {
        Primitive::ALL
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, p)| *p)
    }

    /// The name of this primitive in the language.
    pub fn name(self) -> &'static str {
        Primitive::ALL
            .iter()
            .find(|(_, p)| *p == self)
            .map_or("any", |(n, _)| n)
    }

    /// Whether values of this type are JSON strings.
    pub fn is_string_like(self) -> bool {
        !matches!(
            self,
            Primitive::Bool
                | Primitive::Int32
                | Primitive::Int64
                | Primitive::Float64
                | Primitive::Any
        )
    }

    /// Whether values of this type are JSON numbers.
    pub fn is_number(self) -> bool {
        matches!(
            self,
            Primitive::Int32 | Primitive::Int64 | Primitive::Float64
        )
    }
}

/// Run-time constraints on a value.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Refinements {
    /// Length in characters (strings).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub len: Option<Bounds>,
    /// Numeric range (numbers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range: Option<Bounds>,
    /// Number of items (lists and maps).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items: Option<Bounds>,
    /// A regular expression the whole string must match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// A well-known string format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<Format>,
}

impl Refinements {
    /// Whether no constraint is set.
    pub fn is_empty(&self) -> bool {
        *self == Refinements::default()
    }
}

/// Bounds of a range; each end may be open, inclusive or exclusive.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Bounds {
    /// Lower bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<Number>,
    /// Whether `min` itself is excluded.
    #[serde(default, skip_serializing_if = "is_false")]
    pub min_exclusive: bool,
    /// Upper bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<Number>,
    /// Whether `max` itself is excluded.
    #[serde(default, skip_serializing_if = "is_false")]
    pub max_exclusive: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl Bounds {
    /// Whether `x` lies within the bounds.
    pub fn contains(&self, x: f64) -> bool {
        let above = match self.min {
            None => true,
            Some(m) if self.min_exclusive => x > m.as_f64(),
            Some(m) => x >= m.as_f64(),
        };
        let below = match self.max {
            None => true,
            Some(m) if self.max_exclusive => x < m.as_f64(),
            Some(m) => x <= m.as_f64(),
        };
        above && below
    }
}

/// A number in a bound or a default.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Number {
    /// An integer.
    Int(i64),
    /// A number with a fraction.
    Float(f64),
}

impl Number {
    /// The number as a float (exact for integers up to 2^53).
    pub fn as_f64(self) -> f64 {
        match self {
            Number::Int(i) => i as f64,
            Number::Float(f) => f,
        }
    }
}

/// String formats that `@format` checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// An email address.
    Email,
    /// A UUID.
    Uuid,
    /// An absolute URL.
    Url,
    /// A DNS host name.
    Hostname,
    /// An IPv4 or IPv6 address.
    Ip,
}

impl Format {
    /// Every format with its name in the language.
    pub const ALL: [(&'static str, Format); 5] = [
        ("email", Format::Email),
        ("uuid", Format::Uuid),
        ("url", Format::Url),
        ("hostname", Format::Hostname),
        ("ip", Format::Ip),
    ];
}

/// A constant value: defaults and settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Value {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A number with a fraction.
    Float(f64),
    /// A string (also dates, UUIDs and other string-like primitives).
    String(String),
    /// An enum value, by its wire name.
    Enum(String),
    /// A list.
    List(Vec<Value>),
    /// An object, fields in source order.
    Object(Vec<(String, Value)>),
}

impl Value {
    /// The value as JSON.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => (*b).into(),
            Value::Int(i) => (*i).into(),
            Value::Float(f) => serde_json::Number::from_f64(*f)
                .map_or(serde_json::Value::Null, serde_json::Value::Number),
            Value::String(s) | Value::Enum(s) => s.clone().into(),
            Value::List(items) => items.iter().map(Value::to_json).collect(),
            Value::Object(fields) => fields
                .iter()
                .map(|(k, v)| (k.clone(), v.to_json()))
                .collect::<serde_json::Map<_, _>>()
                .into(),
        }
    }
}

/// A declared error: reported as RFC 9457 problem+json with its status.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ErrorDef {
    /// The error's name (the problem's `title`).
    pub name: String,
    /// Doc comment.
    pub doc: Option<String>,
    /// The HTTP status.
    pub status: u16,
    /// The payload's fields, sent as problem extension members.
    pub fields: Vec<Field>,
}

/// An HTTP method.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    /// GET.
    Get,
    /// HEAD.
    Head,
    /// POST.
    Post,
    /// PUT.
    Put,
    /// PATCH.
    Patch,
    /// DELETE.
    Delete,
    /// OPTIONS.
    Options,
}

impl Method {
    /// Every method with its name.
    pub const ALL: [(&'static str, Method); 7] = [
        ("GET", Method::Get),
        ("HEAD", Method::Head),
        ("POST", Method::Post),
        ("PUT", Method::Put),
        ("PATCH", Method::Patch),
        ("DELETE", Method::Delete),
        ("OPTIONS", Method::Options),
    ];

    /// The method's name, upper case.
    pub fn as_str(self) -> &'static str {
        Method::ALL
            .iter()
            .find(|(_, m)| *m == self)
            .map_or("GET", |(n, _)| n)
    }

    /// Whether repeating the request has no further effect (RFC 9110 §9.2.2).
    pub fn is_idempotent(self) -> bool {
        !matches!(self, Method::Post | Method::Patch)
    }
}

/// A route: one operation of the API.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Route {
    /// The route's name: handler method and SDK method.
    pub name: String,
    /// Doc comment.
    pub doc: Option<String>,
    /// Marked `@deprecated`.
    pub deprecated: bool,
    /// The HTTP method.
    pub method: Method,
    /// The path's segments.
    pub path: Vec<PathSegment>,
    /// Path, query, header and cookie parameters, in declaration order
    /// (path parameters first, in path order).
    pub params: Vec<Param>,
    /// The JSON request body's type, if the route takes one.
    pub body: Option<Ty>,
    /// The doc comment above the `body` clause.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_doc: Option<String>,
    /// The success status.
    pub status: u16,
    /// The success body's type; `None` for an empty body.
    pub returns: Option<Ty>,
    /// The doc comment above the `returns` clause.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub returns_doc: Option<String>,
    /// The names of the errors the handler may return, in declaration order.
    pub errors: Vec<String>,
    /// The route's limits, service-wide ones already merged in.
    pub limits: Limits,
    /// The route's authentication, the service-wide one already merged in.
    pub auth: Auth,
    /// The scopes the caller's principal must hold (`auth … scopes
    /// ["notes:write"]`), the service's unless the route names its own; a
    /// caller without one of them is answered 403. Left out of the JSON
    /// when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
    /// The headers the success response carries (`returns 201 Charge
    /// headers { location: url }`), which the handler sets and clients
    /// read; their location is `Header`. Left out of the JSON when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub response_headers: Vec<Param>,
    /// How the request body travels: JSON (the default), or raw bytes or
    /// text of a media type (`body bytes "image/png"`, `body text`), when
    /// `body` is then `bytes` or `string`. Left out of the JSON when JSON.
    #[serde(default, skip_serializing_if = "BodyFormat::is_json")]
    pub body_format: BodyFormat,
    /// How the success body travels (`returns bytes "image/png"`,
    /// `returns text`, `returns stream Event`). Left out of the JSON when
    /// JSON.
    #[serde(default, skip_serializing_if = "BodyFormat::is_json")]
    pub returns_format: BodyFormat,
}

/// How a body travels on the wire.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BodyFormat {
    /// JSON, `application/json`.
    #[default]
    Json,
    /// Bytes as they are, of a media type (`image/png`; a request's may end
    /// in `/*`, such as `image/*`).
    Bytes {
        /// The media type.
        media: String,
    },
    /// UTF-8 text of a media type (`text/plain` unless the spec says).
    Text {
        /// The media type, without parameters.
        media: String,
    },
    /// A `multipart/form-data` form (requests only): files and fields.
    Multipart {
        /// The form's parts, in declaration order.
        parts: Vec<Part>,
    },
    /// Server-sent events, `text/event-stream` (responses only): each
    /// event's data is one JSON value of the route's `returns` type.
    EventStream,
}

/// One part of a multipart form.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Part {
    /// The part's name in the form.
    pub name: String,
    /// Doc comment.
    pub doc: Option<String>,
    /// May be absent.
    pub optional: bool,
    /// A file, or a field's value.
    pub kind: PartKind,
}

/// What a [`Part`] holds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PartKind {
    /// A file: its bytes, with the media types it may have (`image/*`).
    File {
        /// The media type accepted, possibly `type/*` or `*/*`.
        accept: String,
    },
    /// A field's text, read as a scalar or enum like a query parameter.
    Value {
        /// Its type.
        ty: Ty,
    },
}

impl BodyFormat {
    /// Whether this is [`BodyFormat::Json`] (for serde's `skip_serializing_if`).
    pub fn is_json(&self) -> bool {
        *self == BodyFormat::Json
    }

    /// The media type on the wire: `application/json`, or the raw one.
    pub fn media(&self) -> &str {
        match self {
            BodyFormat::Json => "application/json",
            BodyFormat::Bytes { media } | BodyFormat::Text { media } => media,
            BodyFormat::Multipart { .. } => "multipart/form-data",
            BodyFormat::EventStream => "text/event-stream",
        }
    }
}

impl Route {
    /// The path as an OpenAPI-style template: `/users/{id}`. A parameter
    /// is written with its name on the wire, which an old version's path
    /// may have called otherwise (`moved from GET /docs/{id}` for the
    /// head's `{doc_id}`).
    pub fn path_template(&self) -> String {
        if self.path.is_empty() {
            return "/".to_string();
        }
        self.path
            .iter()
            .map(|s| match s {
                PathSegment::Literal(l) => format!("/{l}"),
                PathSegment::Param(p) => {
                    let wire = self
                        .params
                        .iter()
                        .find(|q| q.name == *p && q.location == ParamLocation::Path)
                        .map_or(p.as_str(), |q| q.wire_name.as_str());
                    format!("/{{{wire}}}")
                }
            })
            .collect()
    }
}

/// One segment of a route's path.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum PathSegment {
    /// A fixed segment.
    Literal(String),
    /// A parameter, by name (see [`Route::params`]).
    Param(String),
}

/// Where a parameter comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParamLocation {
    /// A path segment.
    Path,
    /// The query string.
    Query,
    /// A request header.
    Header,
    /// A cookie.
    Cookie,
}

/// A path, query, header or cookie parameter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Param {
    /// The name in code (handler request field, SDK argument).
    pub name: String,
    /// The name on the wire: the header name, cookie name or query key.
    pub wire_name: String,
    /// Where it comes from.
    pub location: ParamLocation,
    /// Doc comment.
    pub doc: Option<String>,
    /// Its type (scalars, or lists of scalars for query parameters).
    pub ty: Ty,
    /// May be absent (never for path parameters).
    pub optional: bool,
    /// The value used when absent.
    pub default: Option<Value>,
    /// Marked `@deprecated`.
    pub deprecated: bool,
}

/// One released version: its metadata, its changes and the API as it was.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Version {
    /// The version's date, `YYYY-MM-DD`.
    pub date: String,
    /// The one-line description.
    pub title: String,
    /// Doc comment.
    pub doc: Option<String>,
    /// Clients on this version get a `Deprecation` header.
    pub deprecated: bool,
    /// The date the deprecation takes effect (`deprecated since DATE`), sent
    /// in the `Deprecation` header; when absent, the next version's date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deprecated_since: Option<String>,
    /// The date after which this version stops being served (`Sunset` header).
    pub sunset: Option<String>,
    /// How this version differs from the previous one.
    pub changes: Vec<Change>,
    /// The API as it looked at this version, rebuilt from the head by
    /// undoing the changes of every later version.
    pub api: Api,
}

/// One change between a version and the one before it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum Change {
    /// A record field was added; old requests get `default`.
    FieldAdded {
        /// The record.
        owner: String,
        /// The field.
        field: String,
        /// What old clients' requests get.
        default: Option<Value>,
    },
    /// A record is converted between this version and the one before by a
    /// hand-written pair (`type T changed via f`): `f` and `f_backward`
    /// see the whole record, and replace the field-by-field conversion.
    RecordConverted {
        /// The record.
        owner: String,
        /// The converter's name.
        via: String,
    },
    /// A record field was removed; old responses get `default`.
    FieldRemoved {
        /// The record.
        owner: String,
        /// The field as it was.
        field: Field,
        /// The hand-written converter that computes old clients' value from
        /// the record (`removed via f`), instead of a default.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        via: Option<String>,
    },
    /// A record field was renamed.
    FieldRenamed {
        /// The record.
        owner: String,
        /// The old name.
        from: String,
        /// The new name.
        to: String,
    },
    /// A field became optional; old responses get `default` when it is absent.
    FieldMadeOptional {
        /// The record.
        owner: String,
        /// The field.
        field: String,
        /// What old clients' responses get when it is absent.
        default: Option<Value>,
    },
    /// A field became required; old requests get `default` when they leave it out.
    FieldMadeRequired {
        /// The record.
        owner: String,
        /// The field.
        field: String,
        /// What old clients' requests get.
        default: Option<Value>,
    },
    /// A field's refinements changed; `from` is what they were.
    FieldRefined {
        /// The record.
        owner: String,
        /// The field.
        field: String,
        /// The old refinements.
        from: Refinements,
    },
    /// A field's type changed; a hand-written converter translates.
    FieldRetyped {
        /// The record.
        owner: String,
        /// The field.
        field: String,
        /// The old type.
        from: Ty,
        /// The converter's name; none when the version converts the whole
        /// record by hand (`type T changed via f`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        via: Option<String>,
    },
    /// An enum value was added; old clients see `fallback` instead.
    EnumValueAdded {
        /// The enum.
        owner: String,
        /// The new value.
        value: String,
        /// What old clients see instead.
        fallback: Option<String>,
    },
    /// An enum value was removed; old requests carrying it get `map`.
    EnumValueRemoved {
        /// The enum.
        owner: String,
        /// The removed value.
        value: String,
        /// What old requests carrying it become.
        map: Option<String>,
        /// The value's doc comment, which the versions that still have it
        /// keep.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        doc: Option<String>,
    },
    /// An enum value was renamed: old clients send and receive `from`,
    /// newer ones `to`.
    EnumValueRenamed {
        /// The enum.
        owner: String,
        /// The old value.
        from: String,
        /// The new value.
        to: String,
    },
    /// A named type was added.
    TypeAdded {
        /// The type.
        name: String,
    },
    /// A route was added.
    RouteAdded {
        /// The route.
        name: String,
    },
    /// A route was removed. Clients of the versions before it are still
    /// served, by a handler written against the head's types.
    RouteRemoved {
        /// The route as it was declared just before its removal.
        route: Box<Route>,
    },
    /// A route was renamed.
    RouteRenamed {
        /// The old name.
        from: String,
        /// The new name.
        to: String,
    },
    /// A route moved to another method or path.
    RouteMoved {
        /// The route.
        name: String,
        /// The old method.
        method: Method,
        /// The old path, each parameter named by its identity (the head's
        /// name).
        path: Vec<PathSegment>,
        /// The path parameters the old path names otherwise: (identity,
        /// name on the wire there).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        wire_names: Vec<(String, String)>,
    },
}

/// A file a target generates: a path relative to the output folder, and its text.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct OutputFile {
    /// Relative path with `/` separators, such as `server/src/types.rs`.
    pub path: String,
    /// The file's complete contents.
    pub contents: String,
}

/// An API version's date as a package version, numbers without leading
/// zeros (`2025-06-01` gives `2025.6.1`), which npm and PyPI both accept:
/// the SDKs' package versions.
pub fn date_version(date: &str) -> String {
    date.split('-')
        .map(|part| part.trim_start_matches('0'))
        .map(|part| if part.is_empty() { "0" } else { part })
        .collect::<Vec<_>>()
        .join(".")
}
