//! The syntax tree of one `.gati` file, exactly as written.
//!
//! Nothing here is resolved or checked: names are plain identifiers, and
//! attributes (`@len(…)`, `@readonly`) are kept as written for the checker to
//! classify. Every node carries its [`Span`].

use crate::source::Span;
use serde::Serialize;

/// A name as written, with where it was written.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Ident {
    /// The text of the name.
    pub name: String,
    /// Where it stands.
    pub span: Span,
}

/// A `///` doc comment: the lines joined with `\n`, the leading `/// ` removed.
pub type Doc = Option<String>;

/// One parsed file.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct File {
    /// The `//!` comment at the top of the file, if any.
    pub doc: Doc,
    /// The items, in source order.
    pub items: Vec<Item>,
}

/// A top-level declaration.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Item {
    /// `use "other.gati"`.
    Use(UseDecl),
    /// `service name { … }`.
    Service(ServiceDecl),
    /// `type Name { … }`, `type Name = …`.
    Type(TypeDecl),
    /// `enum Name { a, b }`.
    Enum(EnumDecl),
    /// `union Name @tag(kind) { a: A, b: B }`.
    Union(UnionDecl),
    /// `error Name 404 { … }`.
    Error(ErrorDecl),
    /// `route name GET /path …`.
    Route(RouteDecl),
    /// `versions { … }`.
    Versions(VersionsDecl),
}

/// `use "path"`: pulls in the declarations of another file.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct UseDecl {
    /// The path as written, relative to the file that says `use`.
    pub path: String,
    /// The whole declaration.
    pub span: Span,
}

/// `service name { settings }`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ServiceDecl {
    /// Doc comment.
    pub doc: Doc,
    /// The service's name (crate, image and SDK names derive from it).
    pub name: Ident,
    /// The settings, in source order.
    pub settings: Vec<Setting>,
    /// The whole declaration.
    pub span: Span,
}

/// A `key value` or `key { … }` setting, in a service block or a `limits` clause.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Setting {
    /// The key.
    pub key: Ident,
    /// The value.
    pub value: SettingValue,
    /// The whole setting.
    pub span: Span,
}

/// An `auth` setting or clause as written: `bearer`, `api_key "X-Key"`,
/// `none`, then optionally `-> Principal` and `scopes ["a", "b"]`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AuthSpec {
    /// The scheme and its argument (`bearer`; `api_key "X-Key"`); empty
    /// when the clause names only scopes.
    pub words: Vec<Literal>,
    /// `jwt { issuer "…", … }`: the scheme's settings, and where the block
    /// was written.
    pub settings: Option<(Vec<Setting>, Span)>,
    /// `-> Caller`: the record authentication returns for a caller.
    pub principal: Option<Ident>,
    /// `scopes [...]`: the scopes a caller's principal must hold, and where
    /// the list was written.
    pub scopes: Option<(Vec<Literal>, Span)>,
}

/// The value of a [`Setting`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum SettingValue {
    /// A single literal, identifier, size or duration.
    Literal(Literal),
    /// Several words, as in `auth api_key "X-Api-Key"`.
    Words(Vec<Literal>),
    /// `auth …`: a scheme, a principal and scopes.
    Auth(AuthSpec),
    /// A nested block of settings.
    Block(Vec<Setting>),
    /// `rate N/UNIT burst M per SCOPE`, in a `limits` block.
    Rate(RateValue),
}

/// A rate limit as written: `100/s burst 200 per client`. The parser reads
/// any unit and any values after `burst` and `per`; the checker judges them.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RateValue {
    /// `N`, the requests allowed per unit (a number literal).
    pub requests: Literal,
    /// The unit after the `/`, absent when none is written.
    pub unit: Option<Ident>,
    /// `N/UNIT` as a whole.
    pub amount_span: Span,
    /// `burst M` and `per SCOPE` in source order: the keyword, and its value
    /// when one follows.
    pub options: Vec<(Ident, Option<Literal>)>,
}

/// `type Name …`: a record, an alias, or a record derived from another.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TypeDecl {
    /// Doc comment.
    pub doc: Doc,
    /// The type's name.
    pub name: Ident,
    /// The type parameters of a generic record (`type Page<T> { … }`);
    /// empty for every other type.
    pub params: Vec<Ident>,
    /// Attributes after the name or after an alias's type (`@deprecated`, refinements).
    pub attrs: Vec<Attr>,
    /// What the type is.
    pub body: TypeBody,
    /// The whole declaration.
    pub span: Span,
}

/// The right-hand side of a `type` declaration.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum TypeBody {
    /// `type Name { members }`.
    Record(Vec<Member>),
    /// `type Name = type_expr`.
    Alias(TypeExpr),
    /// `type Name = Base without { a, b }`.
    Without {
        /// The record it derives from.
        base: Ident,
        /// The fields left out.
        fields: Vec<Ident>,
    },
}

/// A record member: a field, or `...Other` spreading another record's fields.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Member {
    /// `name?: type @attrs = default`.
    Field(Field),
    /// `...Other`.
    Spread(Ident),
}

/// A field of a record, error payload, query or header clause.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Field {
    /// Doc comment.
    pub doc: Doc,
    /// The field's name.
    pub name: Ident,
    /// Whether the field may be absent (`name?:`).
    pub optional: bool,
    /// The field's type.
    pub ty: TypeExpr,
    /// Attributes after the type: refinements and field flags.
    pub attrs: Vec<Attr>,
    /// The default, after `=`.
    pub default: Option<Literal>,
    /// The whole field.
    pub span: Span,
}

/// A type as written in a field, alias, parameter or body.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TypeExpr {
    /// What kind of type.
    pub kind: TypeExprKind,
    /// The whole expression.
    pub span: Span,
}

/// The shape of a [`TypeExpr`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum TypeExprKind {
    /// A primitive or a declared type, by name.
    Named(Ident),
    /// `[T @attrs]`: a list; the attributes refine the items.
    List(Box<TypeExpr>, Vec<Attr>),
    /// `map<K, V @attrs>`: a map; the attributes refine the values.
    Map(Box<TypeExpr>, Box<TypeExpr>, Vec<Attr>),
    /// `T | null`.
    Nullable(Box<TypeExpr>),
    /// `Page<Charge>`: a generic record and its type arguments.
    Generic(Ident, Vec<TypeExpr>),
    /// `"charge"`: the one string a constant field holds.
    Const(String),
}

/// A body that is not JSON: `bytes "image/png"`, `text`, `text
/// "text/csv"`, `multipart { photo: file @accept("image/*"), … }`, or
/// `stream NoteEvent` (server-sent events).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RawPayload {
    /// Bytes, text or a multipart form.
    pub kind: RawKind,
    /// The media type as written, if any (`bytes` always has one).
    pub media: Option<Literal>,
    /// A multipart form's parts, as fields.
    pub parts: Vec<Field>,
    /// A stream's event type.
    pub event: Option<TypeExpr>,
    /// The whole payload.
    pub span: Span,
}

/// What a [`RawPayload`] carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum RawKind {
    /// Any bytes.
    Bytes,
    /// UTF-8 text.
    Text,
    /// A `multipart/form-data` form: files and fields.
    Multipart,
    /// Server-sent events (`text/event-stream`), each a JSON value.
    Stream,
}

/// `@name` or `@name(args)`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Attr {
    /// The attribute's name, without `@`.
    pub name: Ident,
    /// The arguments, if parenthesized.
    pub args: Vec<AttrArg>,
    /// The whole attribute.
    pub span: Span,
}

/// One argument of an [`Attr`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum AttrArg {
    /// A literal or a bare word (`email`, `kind`).
    Literal(Literal),
    /// A range such as `1..=100`, `..254`, `0<..1`.
    Range(RangeLit),
}

/// A range of numbers, bounds optional.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RangeLit {
    /// The lower bound.
    pub lo: Option<Number>,
    /// Whether the lower bound is excluded (`0<..`).
    pub lo_exclusive: bool,
    /// The upper bound.
    pub hi: Option<Number>,
    /// Whether the upper bound is included (`..=`).
    pub hi_inclusive: bool,
    /// The whole range.
    pub span: Span,
}

/// A number as written.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub enum Number {
    /// An integer literal.
    Int(i64),
    /// A literal with a fraction or exponent.
    Float(f64),
}

/// A literal value: defaults, attribute arguments, settings.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Literal {
    /// Which literal.
    pub kind: LiteralKind,
    /// The whole literal.
    pub span: Span,
}

/// The value of a [`Literal`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum LiteralKind {
    /// `"text"`, escapes resolved.
    String(String),
    /// `42`, `-1`, `1.5`.
    Number(Number),
    /// `true`, `false`.
    Bool(bool),
    /// `null`.
    Null,
    /// A bare word: an enum value, a format name, a keyword argument.
    Word(String),
    /// `64KiB`, `1MB`: a size in bytes.
    Size(u64),
    /// `2s`, `500ms`, `1m`: a duration in milliseconds.
    Duration(u64),
    /// `2025-01-01`: a calendar date.
    Date(Date),
    /// `[a, b]`.
    List(Vec<Literal>),
    /// `{ key: value }`.
    Object(Vec<(Ident, Literal)>),
}

/// A calendar date, as written (validity is checked by the parser).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Date {
    /// Year.
    pub year: u16,
    /// Month, 1–12.
    pub month: u8,
    /// Day, 1–31.
    pub day: u8,
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// `enum Name { values }`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EnumDecl {
    /// Doc comment.
    pub doc: Doc,
    /// The enum's name.
    pub name: Ident,
    /// Attributes after the name.
    pub attrs: Vec<Attr>,
    /// The values, in source order.
    pub values: Vec<EnumValue>,
    /// The whole declaration.
    pub span: Span,
}

/// One value of an enum.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EnumValue {
    /// Doc comment.
    pub doc: Doc,
    /// The value as sent on the wire.
    pub name: Ident,
    /// Attributes (`@deprecated`).
    pub attrs: Vec<Attr>,
}

/// `union Name @tag(field) { variant: Type, … }`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct UnionDecl {
    /// Doc comment.
    pub doc: Doc,
    /// The union's name.
    pub name: Ident,
    /// Attributes after the name (`@tag(kind)` makes it tagged).
    pub attrs: Vec<Attr>,
    /// The variants, in source order.
    pub variants: Vec<Variant>,
    /// The whole declaration.
    pub span: Span,
}

/// One variant of a union.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Variant {
    /// Doc comment.
    pub doc: Doc,
    /// The variant's name (the tag value of a tagged union).
    pub name: Ident,
    /// The variant's payload type.
    pub ty: TypeExpr,
}

/// `error Name STATUS { fields }`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ErrorDecl {
    /// Doc comment.
    pub doc: Doc,
    /// The error's name.
    pub name: Ident,
    /// The HTTP status, as written.
    pub status: Literal,
    /// The payload's members (may be empty).
    pub members: Vec<Member>,
    /// The whole declaration.
    pub span: Span,
}

/// `route name METHOD /path -> T | E { clauses }`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RouteDecl {
    /// Doc comment.
    pub doc: Doc,
    /// The route's name: handler method and SDK method.
    pub name: Ident,
    /// The HTTP method as written (`GET`).
    pub method: Ident,
    /// The path template.
    pub path: PathTemplate,
    /// Attributes after the path (`@deprecated`).
    pub attrs: Vec<Attr>,
    /// The short form `-> Success | Error1 | Error2`, if written.
    pub arrow: Option<Arrow>,
    /// The block's clauses, in source order.
    pub clauses: Vec<RouteClause>,
    /// The whole declaration.
    pub span: Span,
}

/// `-> Success | Error1 | Error2` on a route.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Arrow {
    /// The success type.
    pub success: TypeExpr,
    /// The error names after it.
    pub errors: Vec<Ident>,
}

/// A path such as `/users/{id: uuid}/posts`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PathTemplate {
    /// The segments between slashes; empty for `/`.
    pub segments: Vec<Segment>,
    /// The whole path.
    pub span: Span,
}

/// One segment of a [`PathTemplate`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Segment {
    /// A fixed segment.
    Literal(Ident),
    /// `{name: type}` (the type may be omitted when a `path` clause declares it).
    Param {
        /// The parameter's name.
        name: Ident,
        /// Its type, if written inline.
        ty: Option<TypeExpr>,
        /// Refinements written inline.
        attrs: Vec<Attr>,
        /// The whole `{…}`.
        span: Span,
    },
}

/// A clause in a route's block.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum RouteClause {
    /// `body Type @attrs`, with the doc comment above it.
    Body {
        /// The body's type (`bytes` or `string` for a raw body).
        ty: TypeExpr,
        /// `bytes "image/png"` or `text`: the body as it is, not JSON.
        raw: Option<RawPayload>,
        /// Refinements of the body as a whole (`body [Tag] @items(1..=100)`).
        attrs: Vec<Attr>,
        /// What the body is, for the API's documentation.
        doc: Doc,
        /// The whole clause.
        span: Span,
    },
    /// `path { fields }`: types and docs for path parameters.
    Path(Vec<Field>, Span),
    /// `query { fields }`.
    Query(Vec<Field>, Span),
    /// `header name?: type @name("X-Name")`, one or a block.
    Header(Vec<Field>, Span),
    /// `cookie name?: type`, one or a block.
    Cookie(Vec<Field>, Span),
    /// `returns [STATUS] [Type] [headers { … }]`.
    Returns {
        /// The success status, if written.
        status: Option<Literal>,
        /// The success type, if any (`bytes` or `string` for a raw one).
        ty: Option<TypeExpr>,
        /// `bytes "image/png"` or `text`: the response as it is, not JSON.
        raw: Option<RawPayload>,
        /// The response headers the handler sets (`headers { location: url }`).
        headers: Vec<Field>,
        /// What the response is, for the API's documentation.
        doc: Doc,
        /// The whole clause.
        span: Span,
    },
    /// `errors A, B`.
    Errors(Vec<Ident>, Span),
    /// `limits { concurrency 64, body 64KiB, timeout 2s }`.
    Limits(Vec<Setting>, Span),
    /// `auth bearer`, `auth api_key "X-Key" -> Caller`, `auth none`,
    /// `auth scopes ["notes:write"]`.
    Auth(AuthSpec, Span),
}

/// `versions { entries }`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VersionsDecl {
    /// The versions, oldest first as written.
    pub entries: Vec<VersionEntry>,
    /// The whole block.
    pub span: Span,
}

/// `2025-06-01 "title" deprecated sunset 2026-01-01 { changes }`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VersionEntry {
    /// Doc comment.
    pub doc: Doc,
    /// The version's date.
    pub date: Literal,
    /// The one-line description.
    pub title: Option<String>,
    /// Modifiers after the title: `deprecated [since DATE]`, `sunset DATE`.
    pub modifiers: Vec<Setting>,
    /// How this version differs from the one before it.
    pub changes: Vec<Change>,
    /// The whole entry.
    pub span: Span,
}

/// One line of a version's change list.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Change {
    /// The `///` comment above a removed field or enum value: its doc at the
    /// versions that still have it. (A removed route's doc is its
    /// declaration's.)
    pub doc: Doc,
    /// What changed.
    pub target: ChangeTarget,
    /// How it changed.
    pub kind: ChangeKind,
    /// The whole line.
    pub span: Span,
}

/// The subject of a [`Change`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum ChangeTarget {
    /// `Type.member`: a record field or an enum value; `ty` is written for removed fields.
    Member {
        /// The record or enum.
        owner: Ident,
        /// The field or value.
        member: Ident,
        /// `Type.member: T`: the member's type (needed for removed fields).
        ty: Option<TypeExpr>,
        /// Attributes after that type: the removed field's refinements and flags.
        attrs: Vec<Attr>,
    },
    /// `type Name`.
    Type(Ident),
    /// `route name`.
    Route(Ident),
}

/// What happened to a [`ChangeTarget`] in a version.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum ChangeKind {
    /// `added [default V] [fallback V]`.
    Added {
        /// The value old clients' requests get.
        default: Option<Literal>,
        /// For enum values: what old clients see instead.
        fallback: Option<Ident>,
    },
    /// `removed [default V] [map V]`, or for a route `removed METHOD /path …`.
    Removed {
        /// The value old clients' responses get.
        default: Option<Literal>,
        /// For enum values: what old clients' requests become.
        map: Option<Ident>,
        /// For fields: the converter that computes old clients' value from
        /// the record (`removed via fee_for`).
        via: Option<Ident>,
        /// For routes: the declaration the route had before it was removed
        /// (its name is the change's target).
        route: Option<Box<RouteDecl>>,
    },
    /// `renamed from old`.
    Renamed {
        /// The previous name.
        from: Ident,
    },
    /// `moved from METHOD /old/path`.
    Moved {
        /// The previous method.
        method: Ident,
        /// The previous path.
        path: PathTemplate,
    },
    /// `made optional [default V]`.
    MadeOptional {
        /// The value old clients' responses get when the field is absent.
        default: Option<Literal>,
    },
    /// `made required [default V]`.
    MadeRequired {
        /// The value old clients' requests get when they leave it out.
        default: Option<Literal>,
    },
    /// `refined from @attrs`: the refinements the member had before.
    Refined {
        /// The old refinements.
        from: Vec<Attr>,
    },
    /// `type T changed via converter`: the whole record, converted by a
    /// hand-written pair of functions.
    Converted {
        /// The hand-written converter's name.
        via: Ident,
    },
    /// `changed from T @attrs via converter`.
    Retyped {
        /// The old type.
        from: TypeExpr,
        /// The old type's refinements (`@len(..=50)`), if it had others.
        attrs: Vec<Attr>,
        /// The hand-written converter's name (none where the version
        /// converts the whole record: `type T changed via f`).
        via: Option<Ident>,
    },
}
