//! The catalogue of diagnostic codes: each has a constant, a title and a long
//! explanation for `gatic explain`. Codes are stable: never reuse or renumber.
//!
//! Ranges: `E00xx` syntax, `E01xx` names, `E02xx` types, refinements and
//! defaults, `E03xx` routes, `E04xx` versions, `E05xx` the service block and
//! files, `W…` warnings.

/// A catalogue entry.
#[derive(Clone, Copy, Debug)]
pub struct CodeInfo {
    /// The code, such as `E0102`.
    pub code: &'static str,
    /// A one-line summary.
    pub title: &'static str,
    /// The long form: what is wrong, why, and how to fix it, with an example.
    pub explanation: &'static str,
}

macro_rules! catalogue {
    ($($name:ident = $code:literal, $title:literal, $explanation:literal;)*) => {
        $(
            #[doc = $title]
            pub const $name: &str = $code;
        )*
        /// Every code, in order.
        pub const ALL: &[CodeInfo] = &[
            $(CodeInfo { code: $code, title: $title, explanation: $explanation },)*
        ];
    };
}

/// The catalogue entry for `code` (case-insensitive), if it exists.
pub fn lookup(code: &str) -> Option<&'static CodeInfo> {
    ALL.iter().find(|c| c.code.eq_ignore_ascii_case(code))
}

catalogue! {
    SYNTAX = "E0001", "syntax error",
"The text does not follow the grammar of `.gati` files. The message says what
the parser expected at that point. Every broken item or line is reported; the
rest of the file is still read.

    type User {
      name string      // error: expected `?` or `:`
    }

Fix the text as the message suggests: here, `name: string`.";

    INVALID_UTF8 = "E0002", "the file is not valid UTF-8",
"`.gati` files are UTF-8 text. The file contains a byte sequence that is not
UTF-8; the diagnostic points at the first such byte. Re-save the file as UTF-8.";

    NESTING_TOO_DEEP = "E0003", "brackets nest too deeply",
"Brackets (`{`, `[`, `(`) may nest at most 64 levels deep. Deeper nesting is
almost always a mistake or generated input; the item containing it is skipped.
Give inner types names instead of nesting them.";

    BAD_LITERAL = "E0004", "invalid literal",
"A number, size, duration, date or string escape is out of range or malformed:
a number that does not fit 64 bits, a date like `2025-02-30`, `\\u{110000}`.

    versions { 2025-13-01 \"...\" }   // error: not a calendar date";

    FILE_TOO_LARGE = "E0005", "the file is too large",
"A `.gati` file may be at most 16 MiB. Split a large API into several files
with `use`.";

    UNKNOWN_NAME = "E0101", "unknown name",
"A type, error, enum value or route is used but never declared (in this file
or in a file it `use`s). Check the spelling; the message suggests a close
match when there is one.

    type User { email: Emial }   // error: unknown type `Emial`; did you mean `Email`?";

    DUPLICATE_NAME = "E0102", "duplicate name",
"Two declarations share a name, or a record declares the same field twice.
Types, enums, unions and errors share one namespace; routes have their own;
fields, enum values and parameters must be unique within their owner.

    type User { id: uuid }
    enum User { a, b }        // error: `User` is declared twice";

    CASE_COLLISION = "E0103", "names collide after casing",
"Two names differ only in case or separators, so they become the same
identifier in some target language: `user_id` and `userId` are both `user_id`
in Rust and Python and `userId` in TypeScript. Rename one of them.";

    RESERVED_NAME = "E0104", "reserved name",
"The name is reserved by the language: the primitive types (`string`,
`int32`, …), `null`, `true`, `false`, `map`, and the names the generated code
uses itself (`Api`, `Router`, `Config`, `Ctx`). Choose another name. Keywords
of target languages (`type`, `class`, `func`) are fine: generators escape
them. In a spec with a `versions` block, the query key `version` and the
header `Gati-Version` choose the API version, so no route parameter may use
them.";

    NOT_A_RECORD = "E0105", "a record was expected",
"`without`, a spread (`...Other`) and the variants of a tagged union need a
record type (`type X { … }`), not an enum, union, alias or primitive.";

    UNKNOWN_FIELD = "E0106", "unknown field",
"A `without` list, a version change or a parameter refers to a field the
record does not have.";

    USE_NOT_FOUND = "E0107", "file in `use` not found",
"`use \"path\"` names a file that could not be read. Paths are relative to the
file that says `use`.";

    USE_CYCLE = "E0108", "`use` cycle",
"Files `use` each other in a cycle. Each file is read once, so the cycle is
harmless to the compiler, but it usually means shared types belong in a file
of their own; the cycle is reported so the structure stays a tree.";

    RECURSIVE_ALIAS = "E0109", "alias or spread refers to itself",
"An alias or spread expands to itself (`type A = B`, `type B = A`), so it has
no meaning. Recursive records are fine (`type Comment { replies: [Comment] }`);
only aliases and spreads may not loop.";

    INFINITE_TYPE = "E0110", "record can never be finite",
"A record contains itself through required, non-nullable fields only, so no
finite JSON value has this type. Make one field in the loop optional,
nullable, or a list.

    type Node { next: Node }        // error
    type Node { next?: Node }       // fine";

    TYPE_MISMATCH = "E0201", "default or example does not match the field's type",
"A default value (`= value`) must be a value of the field's type: a string
for `string`, a number within range for `int32`, one of the enum's values, a
list for `[T]`, and so on. So must an example (`@example(value)`).

    age: int32 = \"ten\"   // error";

    DEFAULT_VIOLATES_REFINEMENT = "E0202", "default or example violates a refinement",
"A default value must satisfy the field's own refinements, or every request
that leaves the field out would be rejected. An example (`@example(value)`)
must satisfy them too: documentation and `gatic mock` show it as valid.

    name: string @len(1..=10) = \"\"   // error: shorter than 1";

    REFINEMENT_NOT_APPLICABLE = "E0203", "refinement does not apply to this type",
"Each refinement applies to certain types: `@len`, `@pattern` and `@format`
to strings, `@range` to numbers, `@items` to lists and maps.

    age: int32 @len(1..=3)   // error: use @range";

    BAD_REFINEMENT = "E0204", "invalid refinement arguments",
"A refinement's arguments are malformed: an empty range (`@len(10..=1)`), a
negative length, a missing argument, an unknown format, or an invalid regular
expression in `@pattern`; or an `@unknown_fields` policy other than `reject`
or `ignore`.";

    UNKNOWN_ATTRIBUTE = "E0205", "unknown attribute",
"The attribute is not one the language knows, or not valid in this place.
Fields take refinements (`@len`, `@range`, `@items`, `@pattern`, `@format`)
and flags (`@readonly`, `@write_only`, `@deprecated`), and fields and
aliases take `@example(value)`; headers and cookies
also take `@name(\"Wire-Name\")`; unions take `@tag(field)`; records take
`@unknown_fields(reject)` or `@unknown_fields(ignore)`.";

    BAD_UNION = "E0206", "invalid union",
"A tagged union (`@tag(kind)`) needs record variants that do not already have
a field named like the tag; an untagged union needs variants whose JSON
shapes can be told apart. A union needs at least one variant.";

    BAD_MAP_KEY = "E0207", "map keys must be strings",
"JSON object keys are strings, so `map<K, V>` needs `K` to be `string` (or an
alias of it).";

    READONLY_IN_REQUEST = "E0208", "read-only field in a request body",
"A record with `@readonly` fields is used as (part of) a request body. Read-only
fields are set by the server and never accepted from clients. Derive an input
type without them:

    type NewUser = User without { id, created_at }";

    CONFLICTING_FLAGS = "E0209", "conflicting field flags",
"A field cannot be both `@readonly` and `@write_only`, and an optional field
with a default is simply a field with a default: write one or the other.";

    UNKNOWN_TYPE_USE = "E0210", "this type cannot be used here",
"The type is not allowed in this position: path, query, header and cookie
parameters take scalars (strings, numbers, booleans, UUIDs, dates, enums),
and query parameters also lists of scalars; errors cannot be used as types.";

    EMPTY_ENUM = "E0211", "enum without values",
"An enum is a closed set of values, so it needs at least one. An empty enum
has no value a field of its type could hold.

    enum Role { }                 // error
    enum Role { admin, member }   // fine";

    BAD_CONSTANT = "E0212", "invalid constant field",
"A string written as a field's type makes a constant field: every response
carries it with exactly that value, and a request may leave it out or must
send exactly it. It is always there, so it cannot be optional, nullable or
refined, and its value is its default, so it takes no other. Only record and
error fields can be constants: parameters, headers, list items, map values
and bodies hold real types.

    type Charge {
      object: \"charge\"          // fine
      kind?: \"card\"             // error: a constant cannot be optional
      tags: [\"a\"]               // error: not a field's whole type
    }";

    BAD_GENERIC = "E0213", "invalid generic record",
"A generic record (`type Page<T> { data: [T], has_more: bool }`) is a
template: each use with type arguments (`Page<Charge>`) is a record of its
own, named after its arguments and the template (`ChargePage`), or after the
alias that names it (`type Charges = Page<Charge>`). The use must give one
argument per parameter; a parameter is used only as a type inside the
template and has no arguments of its own; a generic record cannot be used
without arguments, cannot be spread or derived with `without`; and the name
a use gets must not be taken by another declaration (name it with an alias).
Change lines may name the template (`Page.url added`, applied to every
instantiation) or one instantiation (`ChargePage.url added`).

    type Page<T> { data: [T], has_more: bool }
    type Charges = Page<Charge>      // the record `Charges`
    route list GET /customers -> Page<Customer>   // the record `CustomerPage`
    route bad GET /bad -> Page                    // error: arguments missing";

    BAD_PATH = "E0301", "invalid path",
"The route's path is malformed: a parameter in the path without a type and no
`path { … }` clause declaring it, a parameter declared twice, or a `path`
clause field that does not appear in the path.";

    ROUTE_CONFLICT = "E0302", "conflicting routes",
"Two routes have the same method and paths that match the same requests, so
the router could not tell them apart. Literal segments win over parameters,
so `/users/me` and `/users/{id}` do not conflict; `/a/{x}` and `/a/{y}` do.";

    BAD_METHOD = "E0303", "unknown HTTP method",
"Routes use one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS (upper case).";

    BAD_STATUS = "E0304", "invalid status",
"A route's success status must be 2xx; an error's status must be 4xx or 5xx.
Status 204 and 304 responses cannot have a body.";

    NOT_AN_ERROR = "E0305", "not an error",
"A route's `errors` (or the names after the success type in `-> T | E`) must
be declared with `error Name STATUS { … }`.";

    BAD_CLAUSE = "E0306", "invalid route clause",
"A clause is repeated (two `body` or `returns` clauses), or does not fit the
route: GET, HEAD, DELETE and OPTIONS routes take no body; `->` and `returns`
cannot both give the success type.";

    BAD_AUTH = "E0307", "invalid auth scheme",
"`auth` takes `none`, `bearer`, or `api_key \"Header-Name\"`.";

    BAD_PRINCIPAL = "E0308", "invalid principal or scopes",
"`auth bearer -> Caller` names the record that `authenticate` returns for a
caller; handlers read it from their context. It must be a declared record,
and a service has one principal type: every `-> Name` names the same record.

`scopes [\"notes:write\"]` after an auth scheme (or alone, in a route:
`auth scopes [\"notes:write\"]`) lists the scopes a caller must hold, or
the request is answered 403. Scopes need a principal with a field
`scopes: [string]`, a route that authenticates, and scope tokens without
spaces or quotes (RFC 6749 §3.3):

    service notes { auth bearer -> Caller }
    type Caller { id: string, scopes: [string] }
    route delete_note DELETE /notes/{id: uuid} { auth scopes [\"notes:admin\"] }";

    BAD_VERSION_DATE = "E0401", "versions out of order",
"Versions are listed oldest first, each date later than the one before.";

    BAD_CHANGE = "E0402", "change does not match the API",
"A version's change refers to something that does not exist at that point in
the history, or contradicts it: a field `added` that the record does not have,
a field `removed` that is still there, a rename from a name that is still in
use, an enum value `added` with a fallback that is not a value of the enum.";

    MISSING_DEFAULT = "E0403", "change needs a default",
"Old clients must keep working, so some changes need a value for them: a
required field added (what old clients' requests get), a field removed (what
old clients' responses get), a field made required.

    User.role added default member";

    DUPLICATE_CHANGE = "E0404", "the same thing changes twice in one version",
"One version changes the same field, value or route twice. Merge the changes
into one, or spread them over two versions.";

    DUPLICATE_VERSIONS = "E0405", "more than one `versions` block",
"A spec's history is one list: write every version in a single `versions`
block, oldest first. A second block (in the same file or in a `use`d one) is
reported and ignored.";

    MISSING_CONVERTER = "E0406", "hand-written converter not implemented",
"A change the generator cannot derive (`User.age changed from string via
age_from_string`) needs two hand-written functions, which the generated crate
declares in its `Converters` trait: `age_from_string` (old to new, for
requests) and `age_from_string_backward` (new to old, for responses). The
handler crate beside the spec (the `Cargo.toml` in the spec's folder or the
one above it) does not implement them yet, so it would not compile. Add them
with the signatures the message shows:

    impl users_api::Converters for App {
        fn age_from_string(old: String) -> i32 { old.parse().unwrap_or(0) }
        fn age_from_string_backward(new: i32) -> String { new.to_string() }
    }";

    RETIRED_ROUTE = "E0407", "a removed route needs its old declaration",
"Clients of the versions before a route's removal still call it, so the
generated server keeps serving it at those versions, with a handler written
against the head's types. The change line therefore carries the route's
declaration as it was just before the removal, written like a route without
the leading `route name`:

    route export_users removed GET /export -> [User] | NotFound
    route import_users removed POST /import {
      body [NewUser]
      returns 202
    }

The types and errors it names must exist at the versions that served it (a
type used only by a removed route stays declared). Its name stays taken: no
later route, and no other removed route, may reuse it, because the handler
method keeps the name. Like `E0406`, `gatic check` also reads the handler
crate beside the spec and reports a removed route whose method its
`impl Api for …` block lacks.";

    MISSING_SERVICE = "E0501", "no service block",
"Every spec declares exactly one `service name { … }` block, in the root file;
the crate, image and SDK names derive from it.";

    UNKNOWN_SETTING = "E0502", "unknown or invalid setting",
"A setting in a `service` block or `limits` clause is unknown, or its value
has the wrong kind (limits take numbers, sizes like `64KiB`, durations like
`2s` and rates like `100/s burst 200`), or a setting is given twice. A
misspelt setting would otherwise silently not apply, so it is an error, with
the closest valid name. The service block takes `title`, `limits`, `auth`,
`unknown_fields` and `deploy { … }`; the deployment's own settings (`port`,
`replicas`, …) go inside `deploy`. `unknown_fields` is `reject` or `ignore`
(what a request body's unknown members get: a 400 naming the member, or
nothing); any other word is this error.

    limts { body 1MiB }       // error: unknown service setting; did you mean `limits`?
    limits { body 1MiB }
    limits { rate 10/week }   // error: a rate is per `s`, `min` or `h`
    limits { rate 10/min }";

    DEPRECATED_USE = "W0001", "use of something deprecated",
"A type, field or route marked `@deprecated` is used by something that is not
itself deprecated.";

    UNUSED = "W0002", "declared but never used",
"A type, enum, union or error is declared but no route reaches it, so no
target generates anything for it beyond the declaration.";

    UNKNOWN_FIELDS_IN_RESPONSE = "W0003", "`@unknown_fields(reject)` on a record no request reaches",
"A record says `@unknown_fields(reject)`, but only responses (or error
payloads) reach it: no route's body does, at any version. The policy applies
to decoding requests only, so it has no effect here. Responses stay
tolerant on purpose: a client ignores members it does not know, which is
what keeps adding a response field compatible. Put the attribute on the
record requests send (often a derived one, `type NewUser
@unknown_fields(reject) = User without { id }`), or remove it.";
}
