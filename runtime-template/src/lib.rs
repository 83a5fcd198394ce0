//! The gati runtime: the HTTP server, admission control, problem responses,
//! request decoding, scalar types and validation that every generated service
//! crate uses.
//!
//! `gatic build` copies these files into each generated crate as
//! `src/runtime/` (this file becomes `runtime/mod.rs`), so files refer to each
//! other through `super::` only, and everything is re-exported here.

// A generated crate uses only the parts of the runtime its spec needs (a spec
// without date fields never touches `Date`), and the crate is built with
// warnings denied, so unused items must not warn.
#![allow(dead_code)]

mod access_log;
mod admission;
mod body;
mod clients;
mod codec;
mod config;
mod constant;
mod cors;
mod docs;
mod events;
mod form;
#[cfg(feature = "jwt")]
mod jwt;
mod metrics;
mod panel;
mod problem;
mod reply;
mod scalar;
mod server;
mod testing;
mod trace;
mod validate;
mod version;

// The re-exports are the runtime's interface; each generated crate uses a
// subset, and a private `mod runtime` would otherwise warn about the rest.
#[allow(unused_imports)]
pub use body::{KEEP_ALIVE, ResponseBody};
/// Raw bodies (`body bytes "…"`, `returns bytes "…"`) are `Bytes`.
#[allow(unused_imports)]
pub use bytes::Bytes;
#[allow(unused_imports)]
pub use codec::{
    Boxed, Caller, Credential, Decode, Denied, Encode, Encoded, FromParam, ListOf, MAX_PATH_PARAMS,
    MapOf, NullOr, PathParams, Plain, Query, Request, Wire, api_key, bearer, cookie, decode,
    decode_bytes, decode_json, decode_json_object, decode_json_shaped, decode_some, decode_text,
    encode, encode_some, header, header_param, param, path_param, percent_decode,
};
#[allow(unused_imports)]
pub use config::{AccessLog, Config, ConfigError, RateLimit};
#[allow(unused_imports)]
pub use constant::decode_constant;
#[allow(unused_imports)]
pub use cors::CorsPolicy;
#[allow(unused_imports)]
pub use events::{BadEventId, Event, EventSender, Events, StreamClosed, event_json, event_stream};
#[allow(unused_imports)]
pub use form::{FilePart, Form, MAX_PART_HEAD, MAX_PARTS, decode_multipart};
#[cfg(feature = "jwt")]
#[allow(unused_imports)]
pub use jwt::{JwtRejected, JwtSettings, JwtVerifier, principal_claims};
#[allow(unused_imports)]
pub use metrics::BuildInfo;
#[allow(unused_imports)]
pub use problem::{
    Location, PROBLEM_JSON, Problem, Violation, Violations, declared_problem, empty_response,
    json_response, raw_response,
};
#[allow(unused_imports)]
pub use reply::{Extra, Reply, SameSite, SetCookie, not_modified, put_header};
#[allow(unused_imports)]
pub use scalar::{
    Base64, Date, DateTime, Decimal, Duration, ExactDecimal, Scalar, ScalarError, Uuid,
    parse_default,
};
#[allow(unused_imports)]
pub use server::{
    App, BoxError, ConnectionFuture, Ctx, Direct, Principal, Resolution, Response, RouteInfo,
    RouteLimits, ServeConnection, Service, Wrap, X_REQUEST_ID, inherited_listener,
    inherited_listeners, run, run_with, serve, serve_layered, serve_with, serve_with_admin,
};
#[allow(unused_imports)]
pub use testing::{TestClient, TestRequest, TestResponse};
#[allow(unused_imports)]
pub use trace::{TraceConfig, TraceSampler, TraceSpan, convert_span, decode_span, handler_span};
#[allow(unused_imports)]
pub use validate::{
    Format, Pointer, Validate, check_format, check_items, check_key, check_len,
    check_range_decimal, check_range_f64, check_range_i64, violation,
};
#[allow(unused_imports)]
pub use version::{
    ConvertError, DEPRECATION, GATI_VERSION, SUNSET, VersionError, VersionInfo, negotiate,
    requested, round_down, try_convert,
};
