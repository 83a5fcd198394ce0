//! The rule catalogue: every kind of change the diff reports, with a stable
//! id, the side of the exchange it affects and how severe it is for clients
//! built against the old version. `specs/RULES.md` documents each rule,
//! and [`recorded_by`] says which rules each kind of change line answers.

use gatic_ir::Change;
use serde::Serialize;

/// Which half of the exchange a change affects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// What clients send: routes, parameters, bodies and the types they reach.
    Request,
    /// What clients receive: statuses, success bodies, errors and the types they reach.
    Response,
}

impl Side {
    /// `request` or `response`.
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Request => "request",
            Side::Response => "response",
        }
    }
}

/// How a change affects clients built against the old version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Old clients may fail: needs a version change that keeps them working.
    Breaking,
    /// Old clients keep working, but probably not as their authors meant.
    Warning,
    /// Old clients keep working.
    Info,
}

impl Severity {
    /// `breaking`, `warning` or `info`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Breaking => "breaking",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// One rule of the catalogue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rule {
    /// The stable id, such as `response-enum-value-added`.
    pub id: &'static str,
    /// The side of the exchange it affects.
    pub side: Side,
    /// How severe it is.
    pub severity: Severity,
    /// Whether the change is visible on the wire. Deprecation and limits are
    /// not: they may change in the head without a version entry, so the
    /// frozen-snapshot check ignores them.
    pub wire: bool,
    /// One line: what the rule detects.
    pub summary: &'static str,
}

macro_rules! catalogue {
    ($($name:ident = $id:literal, $side:ident, $severity:ident, $wire:literal, $summary:literal;)*) => {
        $(
            #[doc = $summary]
            pub const $name: Rule = Rule {
                id: $id,
                side: Side::$side,
                severity: Severity::$severity,
                wire: $wire,
                summary: $summary,
            };
        )*
        /// Every rule, in catalogue order.
        pub const ALL: &[Rule] = &[$($name,)*];
    };
}

catalogue! {
    // The service.
    VERSION_HEADER_CHANGED = "version-header-changed", Request, Breaking, true, "the header clients name the API version in (`version_header`) changed: pinned clients' SDKs send the old one, which the server no longer reads";
    // Routes.
    ROUTE_ADDED = "route-added", Request, Info, true, "a route was added";
    ROUTE_REMOVED = "route-removed", Request, Breaking, true, "a route was removed";
    ROUTE_RENAMED = "route-renamed", Request, Breaking, true, "a route kept its method and path but changed its name (SDK method, operation id)";
    ROUTE_MOVED = "route-moved", Request, Breaking, true, "a route changed its method or path";
    ROUTE_DEPRECATED = "route-deprecated", Request, Info, false, "a route was marked `@deprecated`";
    ROUTE_LIMITS_CHANGED = "route-limits-changed", Request, Info, false, "a route's concurrency, queue, body, timeout or rate limit changed";
    REQUEST_AUTH_ADDED = "request-auth-added", Request, Breaking, true, "a route that anyone could call now requires authentication";
    REQUEST_AUTH_CHANGED = "request-auth-changed", Request, Breaking, true, "a route's authentication scheme changed";
    REQUEST_AUTH_REMOVED = "request-auth-removed", Request, Info, true, "a route no longer requires authentication";
    // Parameters.
    REQUEST_REQUIRED_PARAM_ADDED = "request-required-param-added", Request, Breaking, true, "a required parameter was added";
    REQUEST_OPTIONAL_PARAM_ADDED = "request-optional-param-added", Request, Info, true, "an optional parameter (or one with a default) was added";
    REQUEST_PARAM_REMOVED = "request-param-removed", Request, Warning, true, "a parameter was removed: old clients still send it and it is ignored";
    REQUEST_PARAM_BECAME_REQUIRED = "request-param-became-required", Request, Breaking, true, "an optional parameter became required";
    REQUEST_PARAM_BECAME_OPTIONAL = "request-param-became-optional", Request, Info, true, "a required parameter became optional";
    REQUEST_PARAM_LOCATION_CHANGED = "request-param-location-changed", Request, Breaking, true, "a parameter moved between path, query, header and cookie";
    REQUEST_PARAM_WIRE_NAME_CHANGED = "request-param-wire-name-changed", Request, Breaking, true, "a parameter's name on the wire (query key, header or cookie name) changed";
    // Bodies, statuses and errors.
    REQUEST_BODY_ADDED = "request-body-added", Request, Breaking, true, "a route that took no body now requires one";
    REQUEST_BODY_REMOVED = "request-body-removed", Request, Warning, true, "a route no longer takes a body: old clients' bodies are ignored";
    REQUEST_BODY_FORMAT_CHANGED = "request-body-format-changed", Request, Breaking, true, "a route's body changed between JSON, raw bytes and text, or changed its media type";
    RESPONSE_STATUS_CHANGED = "response-status-changed", Response, Breaking, true, "a route's success status changed";
    RESPONSE_BODY_ADDED = "response-body-added", Response, Info, true, "a route that returned an empty body now returns one";
    RESPONSE_BODY_REMOVED = "response-body-removed", Response, Breaking, true, "a route that returned a body now returns an empty one";
    RESPONSE_BODY_FORMAT_CHANGED = "response-body-format-changed", Response, Breaking, true, "a route's success body changed between JSON, raw bytes and text, or changed its media type";
    RESPONSE_ERROR_ADDED = "response-error-added", Response, Info, true, "a route may return an error it did not declare before";
    RESPONSE_ERROR_REMOVED = "response-error-removed", Response, Info, true, "a route no longer returns an error";
    RESPONSE_ERROR_STATUS_CHANGED = "response-error-status-changed", Response, Breaking, true, "an error's HTTP status changed";
    // Response headers.
    RESPONSE_HEADER_ADDED = "response-header-added", Response, Info, true, "a route's success response declares a new header";
    RESPONSE_REQUIRED_HEADER_REMOVED = "response-required-header-removed", Response, Breaking, true, "a header that every success response carried was removed: old clients read it";
    RESPONSE_OPTIONAL_HEADER_REMOVED = "response-optional-header-removed", Response, Warning, true, "a header that success responses could carry was removed";
    RESPONSE_HEADER_BECAME_OPTIONAL = "response-header-became-optional", Response, Breaking, true, "a header that every success response carried may now be absent";
    RESPONSE_HEADER_BECAME_REQUIRED = "response-header-became-required", Response, Info, true, "a header that success responses could leave out is now always sent";
    // Record fields, request side.
    REQUEST_REQUIRED_FIELD_ADDED = "request-required-field-added", Request, Breaking, true, "a required field without a default was added to a type clients send";
    REQUEST_OPTIONAL_FIELD_ADDED = "request-optional-field-added", Request, Info, true, "an optional field (or one with a default) was added to a type clients send";
    REQUEST_FIELD_REMOVED = "request-field-removed", Request, Warning, true, "a field was removed from a type clients send: old clients still send it";
    REQUEST_FIELD_RENAMED = "request-field-renamed", Request, Breaking, true, "a field clients send was renamed (one field removed and one of the same type, refinements and flags added): old clients still send the old name";
    REQUEST_FIELD_BECAME_REQUIRED = "request-field-became-required", Request, Breaking, true, "a field clients send became required (or lost its default)";
    REQUEST_FIELD_BECAME_OPTIONAL = "request-field-became-optional", Request, Info, true, "a field clients send became optional (or gained a default)";
    REQUEST_FIELD_BECAME_NON_NULLABLE = "request-field-became-non-nullable", Request, Breaking, true, "a value clients send may no longer be `null`";
    REQUEST_FIELD_BECAME_NULLABLE = "request-field-became-nullable", Request, Info, true, "a value clients send may now be `null`";
    REQUEST_TYPE_CHANGED = "request-type-changed", Request, Breaking, true, "a value clients send changed type (or kind: record, enum, union, list, map)";
    REQUEST_TYPE_WIDENED = "request-type-widened", Request, Info, true, "a value clients send now accepts a wider type (int32 to int64, email to string)";
    REQUEST_REFINEMENT_NARROWED = "request-refinement-narrowed", Request, Breaking, true, "a value clients send has a stricter length, range, item count, pattern or format";
    REQUEST_REFINEMENT_WIDENED = "request-refinement-widened", Request, Info, true, "a value clients send has a looser length, range, item count, pattern or format";
    REQUEST_ENUM_VALUE_ADDED = "request-enum-value-added", Request, Info, true, "an enum clients send gained a value";
    REQUEST_ENUM_VALUE_REMOVED = "request-enum-value-removed", Request, Breaking, true, "an enum clients send lost a value: old clients may still send it";
    REQUEST_UNION_VARIANT_ADDED = "request-union-variant-added", Request, Info, true, "a union clients send gained a variant";
    REQUEST_UNION_VARIANT_REMOVED = "request-union-variant-removed", Request, Breaking, true, "a union clients send lost a variant";
    REQUEST_UNION_TAG_CHANGED = "request-union-tag-changed", Request, Breaking, true, "a tagged union clients send changed its discriminator field (or became untagged, or tagged)";
    REQUEST_UNKNOWN_FIELDS_REJECTED = "request-unknown-fields-rejected", Request, Breaking, true, "a record clients send now rejects members it does not declare (`unknown_fields` from `ignore` to `reject`): old clients that send extra members get a 400";
    REQUEST_UNKNOWN_FIELDS_IGNORED = "request-unknown-fields-ignored", Request, Info, true, "a record clients send now ignores members it does not declare (`unknown_fields` from `reject` to `ignore`)";
    // Record fields, response side.
    RESPONSE_FIELD_ADDED = "response-field-added", Response, Info, true, "a field was added to a type clients receive";
    RESPONSE_REQUIRED_FIELD_REMOVED = "response-required-field-removed", Response, Breaking, true, "a field that was always present in a type clients receive was removed";
    RESPONSE_OPTIONAL_FIELD_REMOVED = "response-optional-field-removed", Response, Warning, true, "an optional field was removed from a type clients receive";
    RESPONSE_FIELD_RENAMED = "response-field-renamed", Response, Breaking, true, "a field clients receive was renamed (one field removed and one of the same type, refinements and flags added): old clients read the old name";
    RESPONSE_FIELD_BECAME_OPTIONAL = "response-field-became-optional", Response, Breaking, true, "a field that was always present in responses may now be absent";
    RESPONSE_FIELD_BECAME_REQUIRED = "response-field-became-required", Response, Info, true, "a field that could be absent from responses is now always present";
    RESPONSE_FIELD_BECAME_NULLABLE = "response-field-became-nullable", Response, Breaking, true, "a value clients receive may now be `null`";
    RESPONSE_FIELD_BECAME_NON_NULLABLE = "response-field-became-non-nullable", Response, Info, true, "a value clients receive is no longer `null`";
    RESPONSE_TYPE_CHANGED = "response-type-changed", Response, Breaking, true, "a value clients receive changed type (or kind), or widened (int32 to int64)";
    RESPONSE_TYPE_NARROWED = "response-type-narrowed", Response, Info, true, "a value clients receive now has a narrower type (int64 to int32, string to email)";
    RESPONSE_REFINEMENT_WIDENED = "response-refinement-widened", Response, Breaking, true, "a value clients receive has a looser length, range, item count, pattern or format";
    RESPONSE_REFINEMENT_NARROWED = "response-refinement-narrowed", Response, Info, true, "a value clients receive has a stricter length, range, item count, pattern or format";
    RESPONSE_ENUM_VALUE_ADDED = "response-enum-value-added", Response, Breaking, true, "an enum clients receive gained a value old clients cannot parse";
    RESPONSE_ENUM_VALUE_REMOVED = "response-enum-value-removed", Response, Info, true, "an enum clients receive lost a value";
    RESPONSE_UNION_VARIANT_ADDED = "response-union-variant-added", Response, Breaking, true, "a union clients receive gained a variant old clients cannot parse";
    RESPONSE_UNION_VARIANT_REMOVED = "response-union-variant-removed", Response, Info, true, "a union clients receive lost a variant";
    RESPONSE_UNION_TAG_CHANGED = "response-union-tag-changed", Response, Breaking, true, "a tagged union clients receive changed its discriminator field (or became untagged, or tagged)";
}

/// The rule with id `id`.
pub fn lookup(id: &str) -> Option<&'static Rule> {
    ALL.iter().find(|r| r.id == id)
}

/// The rules whose findings `change` records: what a version line of its
/// kind answers for the clients pinned before it. A record converted by
/// hand answers for every finding inside the record. One exhaustive
/// `match`, so a new kind of change is asked, here, which rules it answers.
pub fn recorded_by(change: &Change) -> &'static [Rule] {
    match change {
        Change::FieldAdded { .. } => &[
            REQUEST_REQUIRED_FIELD_ADDED,
            REQUEST_OPTIONAL_FIELD_ADDED,
            RESPONSE_FIELD_ADDED,
        ],
        Change::FieldRemoved { .. } => &[
            REQUEST_FIELD_REMOVED,
            RESPONSE_REQUIRED_FIELD_REMOVED,
            RESPONSE_OPTIONAL_FIELD_REMOVED,
        ],
        Change::FieldRenamed { .. } => &[REQUEST_FIELD_RENAMED, RESPONSE_FIELD_RENAMED],
        Change::FieldMadeOptional { .. } => &[
            REQUEST_FIELD_BECAME_OPTIONAL,
            RESPONSE_FIELD_BECAME_OPTIONAL,
        ],
        Change::FieldMadeRequired { .. } => &[
            REQUEST_FIELD_BECAME_REQUIRED,
            RESPONSE_FIELD_BECAME_REQUIRED,
        ],
        Change::FieldRefined { .. } => &[
            REQUEST_REFINEMENT_NARROWED,
            REQUEST_REFINEMENT_WIDENED,
            RESPONSE_REFINEMENT_WIDENED,
            RESPONSE_REFINEMENT_NARROWED,
        ],
        // The old type, its refinements and whether it could be null.
        Change::FieldRetyped { .. } => &[
            REQUEST_TYPE_CHANGED,
            REQUEST_TYPE_WIDENED,
            REQUEST_FIELD_BECAME_NON_NULLABLE,
            REQUEST_FIELD_BECAME_NULLABLE,
            REQUEST_REFINEMENT_NARROWED,
            REQUEST_REFINEMENT_WIDENED,
            RESPONSE_TYPE_CHANGED,
            RESPONSE_TYPE_NARROWED,
            RESPONSE_FIELD_BECAME_NULLABLE,
            RESPONSE_FIELD_BECAME_NON_NULLABLE,
            RESPONSE_REFINEMENT_WIDENED,
            RESPONSE_REFINEMENT_NARROWED,
        ],
        Change::RecordConverted { .. } => &[
            REQUEST_REQUIRED_FIELD_ADDED,
            REQUEST_OPTIONAL_FIELD_ADDED,
            REQUEST_FIELD_REMOVED,
            REQUEST_FIELD_RENAMED,
            REQUEST_FIELD_BECAME_REQUIRED,
            REQUEST_FIELD_BECAME_OPTIONAL,
            REQUEST_FIELD_BECAME_NON_NULLABLE,
            REQUEST_FIELD_BECAME_NULLABLE,
            REQUEST_TYPE_CHANGED,
            REQUEST_TYPE_WIDENED,
            REQUEST_REFINEMENT_NARROWED,
            REQUEST_REFINEMENT_WIDENED,
            RESPONSE_FIELD_ADDED,
            RESPONSE_REQUIRED_FIELD_REMOVED,
            RESPONSE_OPTIONAL_FIELD_REMOVED,
            RESPONSE_FIELD_RENAMED,
            RESPONSE_FIELD_BECAME_OPTIONAL,
            RESPONSE_FIELD_BECAME_REQUIRED,
            RESPONSE_FIELD_BECAME_NULLABLE,
            RESPONSE_FIELD_BECAME_NON_NULLABLE,
            RESPONSE_TYPE_CHANGED,
            RESPONSE_TYPE_NARROWED,
            RESPONSE_REFINEMENT_WIDENED,
            RESPONSE_REFINEMENT_NARROWED,
        ],
        Change::EnumValueAdded { .. } => &[REQUEST_ENUM_VALUE_ADDED, RESPONSE_ENUM_VALUE_ADDED],
        Change::EnumValueRemoved { .. } => {
            &[REQUEST_ENUM_VALUE_REMOVED, RESPONSE_ENUM_VALUE_REMOVED]
        }
        // One value gone and another come, converted both ways.
        Change::EnumValueRenamed { .. } => &[
            REQUEST_ENUM_VALUE_ADDED,
            REQUEST_ENUM_VALUE_REMOVED,
            RESPONSE_ENUM_VALUE_ADDED,
            RESPONSE_ENUM_VALUE_REMOVED,
        ],
        // A type is reached only through a route or a field, whose own
        // changes record what clients see.
        Change::TypeAdded { .. } => &[],
        Change::RouteAdded { .. } => &[ROUTE_ADDED],
        Change::RouteRemoved { .. } => &[ROUTE_REMOVED],
        Change::RouteRenamed { .. } => &[ROUTE_RENAMED],
        Change::RouteMoved { .. } => &[ROUTE_MOVED],
    }
}
