//! OpenTelemetry traces: the W3C trace context of each request in, spans
//! out over OTLP (HTTP/protobuf), through the maintained `opentelemetry`
//! crates.
//!
//! Tracing is off unless the crate is built with its `otel` feature *and*
//! the environment names a collector (`OTEL_EXPORTER_OTLP_ENDPOINT` or
//! `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`; see [`TraceConfig`]). A server
//! built without the feature that finds one of those variables says so in
//! one log line at startup rather than ignoring it.
//!
//! Each traced request gets a `request` span (kind SERVER), the child of the
//! span its `traceparent` names when it sends a valid one, with children
//! that generated code opens: `decode` (parameters, body, validation), one
//! `convert` per version step of an old version's request (old → new) and
//! response (new → old), and `handler`. Probes and scrapes (`/healthz`,
//! `/readyz`, `/metrics`) are not traced.
//!
//! The hooks ([`decode_span`], [`convert_span`], [`handler_span`], and the
//! server's [`RequestTrace`]) have the same signatures in every build.
//! Without the feature they are empty and vanish; with it, while no server
//! of the process traces, each costs one load of a static and a branch: no
//! allocation, no lock and no clock read.

use super::config::ConfigError;
use super::server::{Ctx, RouteInfo};

/// OpenTelemetry settings, from the standard `OTEL_*` variables (the
/// runtime's README lists them). Read with the rest of the configuration
/// ([`super::Config::from_vars`]); without the `otel` feature only whether
/// a collector is named matters (to say that it is ignored), and nothing is
/// checked.
#[derive(Clone, PartialEq, Eq)]
pub struct TraceConfig {
    /// The URL spans are posted to: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` as
    /// it is, else `OTEL_EXPORTER_OTLP_ENDPOINT` with `/v1/traces` appended;
    /// `None` (the default) when neither is set, or `OTEL_SDK_DISABLED=true`,
    /// or `OTEL_TRACES_EXPORTER=none`: tracing is off.
    pub endpoint: Option<String>,
    /// The variable that named the endpoint, for messages.
    pub endpoint_variable: &'static str,
    /// Headers sent with every export (`OTEL_EXPORTER_OTLP_TRACES_HEADERS`,
    /// else `OTEL_EXPORTER_OTLP_HEADERS`: `key=value,key2=value2`, values
    /// percent-encoded). They often carry credentials, so `Debug` hides
    /// their values.
    pub headers: Vec<(String, String)>,
    /// The `service.name` resource attribute (`OTEL_SERVICE_NAME`); `None`
    /// leaves it to `OTEL_RESOURCE_ATTRIBUTES`, else the SDK's
    /// `unknown_service:<executable>`.
    pub service_name: Option<String>,
    /// Which requests are traced (`OTEL_TRACES_SAMPLER`, `OTEL_TRACES_SAMPLER_ARG`).
    pub sampler: TraceSampler,
    /// How long one export may take, in milliseconds
    /// (`OTEL_EXPORTER_OTLP_TRACES_TIMEOUT`, else `OTEL_EXPORTER_OTLP_TIMEOUT`;
    /// default 10000).
    pub timeout_ms: u64,
    /// The longest a finished span waits to be exported, in milliseconds
    /// (`OTEL_BSP_SCHEDULE_DELAY`; `None`: the SDK's default, 5000).
    pub schedule_delay_ms: Option<u64>,
}

/// Which requests are traced (`OTEL_TRACES_SAMPLER`), ratios in millionths
/// (`OTEL_TRACES_SAMPLER_ARG`, a fraction in [0, 1]; default 1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TraceSampler {
    /// `always_on`: every request.
    AlwaysOn,
    /// `always_off`: none.
    AlwaysOff,
    /// `traceidratio`: this share of trace ids, whatever the caller decided.
    TraceIdRatio(u32),
    /// `parentbased_always_on` (the default): what the caller's
    /// `traceparent` decided, else every request.
    #[default]
    ParentBasedAlwaysOn,
    /// `parentbased_always_off`: what the caller decided, else none.
    ParentBasedAlwaysOff,
    /// `parentbased_traceidratio`: what the caller decided, else this share
    /// of trace ids.
    ParentBasedTraceIdRatio(u32),
}

impl TraceSampler {
    /// The sampler's name, as `OTEL_TRACES_SAMPLER` spells it.
    pub fn name(&self) -> &'static str {
        match self {
            TraceSampler::AlwaysOn => "always_on",
            TraceSampler::AlwaysOff => "always_off",
            TraceSampler::TraceIdRatio(_) => "traceidratio",
            TraceSampler::ParentBasedAlwaysOn => "parentbased_always_on",
            TraceSampler::ParentBasedAlwaysOff => "parentbased_always_off",
            TraceSampler::ParentBasedTraceIdRatio(_) => "parentbased_traceidratio",
        }
    }
}

/// A ratio of one: every trace id.
const RATIO_ALL: u32 = 1_000_000;

impl Default for TraceConfig {
    fn default() -> TraceConfig {
        TraceConfig {
            endpoint: None,
            endpoint_variable: "",
            headers: Vec::new(),
            service_name: None,
            sampler: TraceSampler::default(),
            timeout_ms: 10_000,
            schedule_delay_ms: None,
        }
    }
}

impl std::fmt::Debug for TraceConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(name, _)| (name.as_str(), "…"))
            .collect();
        f.debug_struct("TraceConfig")
            .field("endpoint", &self.endpoint)
            .field("endpoint_variable", &self.endpoint_variable)
            .field("headers", &headers)
            .field("service_name", &self.service_name)
            .field("sampler", &self.sampler)
            .field("timeout_ms", &self.timeout_ms)
            .field("schedule_delay_ms", &self.schedule_delay_ms)
            .finish()
    }
}

/// The variables that name a collector, the signal's own first.
const ENDPOINT_VARIABLES: [&str; 2] = [
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
];

impl TraceConfig {
    /// Reads the `OTEL_*` variables through `lookup` (unset and empty ones
    /// keep their defaults). With the `otel` feature and a collector named,
    /// a value this runtime cannot honour is an error naming its variable:
    /// an `https` endpoint (no TLS is built in), a protocol other than
    /// `http/protobuf`, compression, an unknown sampler or exporter.
    pub fn from_vars(
        mut lookup: impl FnMut(&str) -> Option<String>,
    ) -> Result<TraceConfig, ConfigError> {
        let mut get = |name: &'static str| -> Option<(&'static str, String)> {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
                .map(|v| (name, v))
        };
        let mut config = TraceConfig::default();
        let strict = cfg!(feature = "otel");
        let disabled = match get("OTEL_SDK_DISABLED") {
            None => false,
            Some((_, v)) if v.eq_ignore_ascii_case("true") => true,
            Some((_, v)) if v.eq_ignore_ascii_case("false") || !strict => false,
            Some((name, v)) => return Err(invalid(name, v, "expected true or false")),
        };
        let exporter = get("OTEL_TRACES_EXPORTER");
        let none = match exporter {
            None => false,
            Some((_, v)) if v == "none" => true,
            Some((_, v)) if v == "otlp" || !strict => false,
            Some((name, v)) => {
                return Err(invalid(
                    name,
                    v,
                    "expected otlp or none: this server exports OTLP over HTTP only",
                ));
            }
        };
        let endpoint = match (get(ENDPOINT_VARIABLES[0]), get(ENDPOINT_VARIABLES[1])) {
            (Some((name, url)), _) => Some((name, url)),
            (None, Some((name, base))) => {
                let url = format!("{}/v1/traces", base.trim_end_matches('/'));
                Some((name, url))
            }
            (None, None) => None,
        };
        let Some((variable, url)) = endpoint.filter(|_| !disabled && !none) else {
            return Ok(config);
        };
        config.endpoint_variable = variable;
        if strict {
            check_endpoint(variable, &url)?;
        }
        config.endpoint = Some(url);
        if !strict {
            // Nothing else is used: the server only says that tracing is
            // not built in.
            return Ok(config);
        }
        for name in [
            "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
            "OTEL_EXPORTER_OTLP_PROTOCOL",
        ] {
            if let Some((name, v)) = get(name)
                && v != "http/protobuf"
            {
                return Err(invalid(
                    name,
                    v,
                    "expected http/protobuf, the only protocol this server exports with",
                ));
            }
        }
        for name in [
            "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION",
            "OTEL_EXPORTER_OTLP_COMPRESSION",
        ] {
            if let Some((name, v)) = get(name)
                && v != "none"
            {
                return Err(invalid(
                    name,
                    v,
                    "expected none: no compression is built in",
                ));
            }
        }
        let headers =
            get("OTEL_EXPORTER_OTLP_TRACES_HEADERS").or(get("OTEL_EXPORTER_OTLP_HEADERS"));
        if let Some((name, text)) = headers {
            config.headers = parse_headers(&text).map_err(|reason| invalid(name, text, reason))?;
        }
        if let Some((_, name)) = get("OTEL_SERVICE_NAME") {
            config.service_name = Some(name);
        }
        let timeout =
            get("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT").or(get("OTEL_EXPORTER_OTLP_TIMEOUT"));
        if let Some((name, v)) = timeout {
            config.timeout_ms = millis(name, v, 1)?;
        }
        if let Some((name, v)) = get("OTEL_BSP_SCHEDULE_DELAY") {
            config.schedule_delay_ms = Some(millis(name, v, 1)?);
        }
        let ratio = match get("OTEL_TRACES_SAMPLER_ARG") {
            None => RATIO_ALL,
            Some((name, v)) => parse_ratio(&v)
                .ok_or_else(|| invalid(name, v, "expected a fraction from 0 to 1, such as 0.25"))?,
        };
        if let Some((name, v)) = get("OTEL_TRACES_SAMPLER") {
            config.sampler = match v.as_str() {
                "always_on" => TraceSampler::AlwaysOn,
                "always_off" => TraceSampler::AlwaysOff,
                "traceidratio" => TraceSampler::TraceIdRatio(ratio),
                "parentbased_always_on" => TraceSampler::ParentBasedAlwaysOn,
                "parentbased_always_off" => TraceSampler::ParentBasedAlwaysOff,
                "parentbased_traceidratio" => TraceSampler::ParentBasedTraceIdRatio(ratio),
                _ => {
                    return Err(invalid(
                        name,
                        v,
                        "expected always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off or parentbased_traceidratio",
                    ));
                }
            };
        }
        Ok(config)
    }
}

/// A [`ConfigError`] for `variable`'s `value`.
fn invalid(variable: &'static str, value: String, reason: &str) -> ConfigError {
    ConfigError {
        variable,
        value,
        reason: reason.to_owned(),
    }
}

/// Checks that `url` is an `http://` URL this server can post to.
fn check_endpoint(variable: &'static str, url: &str) -> Result<(), ConfigError> {
    let parsed: Result<hyper::Uri, _> = url.parse();
    let reason = match parsed {
        Ok(uri) if uri.scheme_str() == Some("http") && uri.host().is_some() => return Ok(()),
        Ok(uri) if uri.scheme_str() == Some("https") => {
            "https needs TLS, which this server does not build in: send spans to a collector (an agent or sidecar) on http://"
        }
        _ => "expected an http:// URL, such as http://localhost:4318",
    };
    Err(invalid(variable, url.to_owned(), reason))
}

/// A whole number of milliseconds, at least `min`.
fn millis(variable: &'static str, text: String, min: u64) -> Result<u64, ConfigError> {
    match text.parse::<u64>() {
        Ok(n) if n >= min => Ok(n),
        _ => Err(invalid(
            variable,
            text,
            &format!("expected a whole number of milliseconds, at least {min}"),
        )),
    }
}

/// A fraction in [0, 1] in millionths (`0.25` is 250,000).
fn parse_ratio(text: &str) -> Option<u32> {
    let value: f64 = text.parse().ok()?;
    if !(0.0..=1.0).contains(&value) {
        return None;
    }
    // In [0, 1e6] after the check, so the cast is exact enough and in range.
    Some((value * f64::from(RATIO_ALL)).round() as u32)
}

/// `OTEL_EXPORTER_OTLP_HEADERS`: comma-separated `key=value` pairs (the W3C
/// baggage format), values percent-decoded; each must make an HTTP header.
fn parse_headers(text: &str) -> Result<Vec<(String, String)>, &'static str> {
    let mut headers = Vec::new();
    for pair in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (key, value) = pair
            .split_once('=')
            .ok_or("expected comma-separated key=value pairs")?;
        let key = key.trim();
        let value = super::codec::percent_decode(value.trim(), false);
        if hyper::header::HeaderName::from_bytes(key.as_bytes()).is_err() {
            return Err("a key is not an HTTP header name");
        }
        if hyper::header::HeaderValue::from_str(&value).is_err() {
            return Err("a value is not a valid HTTP header value");
        }
        headers.push((key.to_ascii_lowercase(), value.into_owned()));
    }
    Ok(headers)
}

/// A caller's W3C `traceparent`: the trace it belongs to, the span that
/// sent the request, and the sampled flag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct TraceParent {
    pub(super) trace_id: [u8; 16],
    pub(super) parent_id: [u8; 8],
    pub(super) sampled: bool,
}

/// Parses a `traceparent` value strictly (W3C Trace Context): lowercase
/// hex, version `00` exactly 55 characters long, a later version (not `ff`)
/// at least that and a `-` after it, trace and parent ids not all zeros.
/// `None` for anything else, which starts a new trace.
pub(super) fn parse_traceparent(value: &[u8]) -> Option<TraceParent> {
    if value.len() < 55 || value[2] != b'-' || value[35] != b'-' || value[52] != b'-' {
        return None;
    }
    let version = hex_byte(&value[0..2])?;
    match version {
        0 if value.len() != 55 => return None,
        0xff => return None,
        0 => {}
        _ if value.len() > 55 && value[55] != b'-' => return None,
        _ => {}
    }
    let mut trace_id = [0u8; 16];
    for (i, byte) in trace_id.iter_mut().enumerate() {
        *byte = hex_byte(&value[3 + 2 * i..5 + 2 * i])?;
    }
    let mut parent_id = [0u8; 8];
    for (i, byte) in parent_id.iter_mut().enumerate() {
        *byte = hex_byte(&value[36 + 2 * i..38 + 2 * i])?;
    }
    let flags = hex_byte(&value[53..55])?;
    if trace_id == [0; 16] || parent_id == [0; 8] {
        return None;
    }
    Some(TraceParent {
        trace_id,
        parent_id,
        sampled: flags & 1 == 1,
    })
}

/// Two lowercase hex digits as a byte.
fn hex_byte(pair: &[u8]) -> Option<u8> {
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    match pair {
        [high, low] => Some(digit(*high)? << 4 | digit(*low)?),
        _ => None,
    }
}

/// `bytes` as lowercase hex into `out` (twice as long).
fn hex(bytes: &[u8], out: &mut [u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for (i, b) in bytes.iter().enumerate() {
        out[2 * i] = DIGITS[usize::from(b >> 4)];
        out[2 * i + 1] = DIGITS[usize::from(b & 0xf)];
    }
}

/// A span that generated code opened, ended when dropped (or by
/// [`TraceSpan::end`]). Holds nothing when tracing is off.
#[must_use = "a span ends when dropped: keep it for as long as the work it times"]
pub struct TraceSpan {
    #[cfg(feature = "otel")]
    span: Option<Box<opentelemetry_sdk::trace::Span>>,
}

impl TraceSpan {
    /// No span: tracing is off, or the request is not sampled.
    const OFF: TraceSpan = TraceSpan {
        #[cfg(feature = "otel")]
        span: None,
    };

    /// Ends the span now.
    #[inline]
    pub fn end(self) {}

    /// Ends the span and hands `value` on: `match span.end_with(f().await)`
    /// ends it as soon as `f` has answered, and matches the answer in place.
    #[inline(always)]
    pub fn end_with<T>(self, value: T) -> T {
        value
    }
}

impl std::fmt::Debug for TraceSpan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        #[cfg(feature = "otel")]
        let on = self.span.is_some();
        #[cfg(not(feature = "otel"))]
        let on = false;
        f.debug_struct("TraceSpan").field("on", &on).finish()
    }
}

/// The `decode` span of a request: its parameters and body read and
/// validated. A child of the request's span.
#[inline]
pub fn decode_span(ctx: &Ctx) -> TraceSpan {
    #[cfg(feature = "otel")]
    if otel::active() {
        return otel::child(ctx, "decode", Vec::new());
    }
    let _ = ctx;
    TraceSpan::OFF
}

/// The `handler` span of a request: the `Api` method, from its call to its
/// answer. A child of the request's span.
#[inline]
pub fn handler_span(ctx: &Ctx) -> TraceSpan {
    #[cfg(feature = "otel")]
    if otel::active() {
        return otel::child(ctx, "handler", Vec::new());
    }
    let _ = ctx;
    TraceSpan::OFF
}

/// A `convert` span: one version step of an old version's request (`from`
/// the older date `to` the newer) or response (from the newer to the
/// older). A child of the request's span.
#[inline]
pub fn convert_span(ctx: &Ctx, from: &'static str, to: &'static str) -> TraceSpan {
    #[cfg(feature = "otel")]
    if otel::active() {
        return otel::convert(ctx, from, to);
    }
    let _ = (ctx, from, to);
    TraceSpan::OFF
}

/// A server's tracer, when it traces; without the `otel` feature there is
/// none to be had.
#[cfg(feature = "otel")]
pub(super) use otel::Tracing;

/// A server's tracer: none without the `otel` feature.
#[cfg(not(feature = "otel"))]
pub(super) enum Tracing {}

#[cfg(not(feature = "otel"))]
impl Tracing {
    /// Says, in one log line, that `config` names a collector this build
    /// cannot send to.
    pub(super) fn start(config: &TraceConfig) -> std::io::Result<Option<Tracing>> {
        if config.endpoint.is_some() {
            let message = format!(
                "{} is set, but this server was built without the otel feature: no traces are exported",
                config.endpoint_variable
            );
            log_line(
                "warn",
                &message,
                &[("hint", "build the API crate with its `otel` feature")],
            );
        }
        Ok(None)
    }
}

/// Flushes and stops a server's tracer (after the drain): the spans of the
/// last requests are exported before `serve` returns.
pub(super) async fn shutdown(tracing: &Option<Tracing>) {
    #[cfg(feature = "otel")]
    if let Some(tracing) = tracing {
        tracing.shutdown().await;
    }
    #[cfg(not(feature = "otel"))]
    let _ = tracing;
}

/// One request's `request` span while it is served; nothing when tracing
/// is off.
pub(super) struct RequestTrace {
    #[cfg(feature = "otel")]
    active: Option<Box<otel::Active>>,
}

impl RequestTrace {
    /// Starts the span of a request that has just arrived (`parts`, before
    /// routing), the child of the caller's `traceparent` when valid, and
    /// puts what generated code needs for its children in the request's
    /// extensions.
    #[inline]
    pub(super) fn start(
        tracing: &Option<Tracing>,
        parts: &mut hyper::http::request::Parts,
    ) -> RequestTrace {
        #[cfg(feature = "otel")]
        if let Some(tracing) = tracing {
            return RequestTrace {
                active: tracing.begin(parts),
            };
        }
        let _ = (tracing, parts);
        RequestTrace {
            #[cfg(feature = "otel")]
            active: None,
        }
    }

    /// Whether the request is traced.
    #[inline]
    pub(super) fn is_on(&self) -> bool {
        #[cfg(feature = "otel")]
        {
            self.active.is_some()
        }
        #[cfg(not(feature = "otel"))]
        {
            false
        }
    }

    /// The trace id, 32 lowercase hex digits, for the access log.
    pub(super) fn trace_id(&self) -> Option<&str> {
        #[cfg(feature = "otel")]
        {
            self.active.as_deref().map(otel::Active::trace_id)
        }
        #[cfg(not(feature = "otel"))]
        {
            None
        }
    }

    /// The request span's id, 16 lowercase hex digits, for the access log.
    pub(super) fn span_id(&self) -> Option<&str> {
        #[cfg(feature = "otel")]
        {
            self.active.as_deref().map(otel::Active::span_id)
        }
        #[cfg(not(feature = "otel"))]
        {
            None
        }
    }

    /// Ends the span once the answer is decided: its status, the route
    /// (`None` for 404s and 405s) and the version it was served at.
    pub(super) fn end(self, status: u16, route: Option<&RouteInfo>, version: Option<&'static str>) {
        #[cfg(feature = "otel")]
        if let Some(active) = self.active {
            active.end(status, route, version);
        }
        let _ = (status, route, version);
    }
}

/// Writes one log line in the runtime's format (`{"level","msg",...}` on
/// stderr).
fn log_line(level: &str, message: &str, fields: &[(&str, &str)]) {
    let mut line = serde_json::Map::new();
    line.insert("level".into(), level.into());
    line.insert("msg".into(), message.into());
    for (key, value) in fields {
        line.insert((*key).into(), (*value).into());
    }
    eprintln!("{}", serde_json::Value::Object(line));
}

#[cfg(feature = "otel")]
mod otel {
    //! The spans themselves, with `opentelemetry_sdk`, exported by
    //! `opentelemetry-otlp` over HTTP/protobuf.

    use std::collections::HashMap;
    use std::future::Future;
    use std::pin::Pin;
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
    use std::sync::{Mutex, OnceLock};
    use std::time::{Duration, Instant};

    use opentelemetry::trace::{
        Span as _, SpanContext, SpanId, SpanKind, Status, TraceContextExt, TraceFlags, TraceId,
        TraceState, Tracer as _, TracerProvider as _,
    };
    use opentelemetry::{Context, KeyValue};
    use opentelemetry_http::{Bytes, HttpClient, HttpError};
    use opentelemetry_otlp::{Protocol, WithExportConfig, WithHttpConfig};
    use opentelemetry_sdk::Resource;
    use opentelemetry_sdk::error::OTelSdkResult;
    use opentelemetry_sdk::trace::{
        BatchConfigBuilder, BatchSpanProcessor, Sampler, SdkTracer, SdkTracerProvider, SpanData,
        SpanExporter,
    };

    use super::{
        Ctx, RATIO_ALL, RouteInfo, TraceConfig, TraceSampler, TraceSpan, hex, log_line,
        parse_traceparent,
    };

    /// Whether any server of this process traces: the one branch the hooks
    /// of generated code take while none does.
    static ACTIVE: AtomicBool = AtomicBool::new(false);

    /// Whether any server of this process traces.
    #[inline(always)]
    pub(super) fn active() -> bool {
        ACTIVE.load(Relaxed)
    }

    /// A server's tracer and the provider that exports its spans.
    pub(in super::super) struct Tracing {
        provider: SdkTracerProvider,
        tracer: SdkTracer,
    }

    /// What generated code finds in a traced request's extensions: the
    /// tracer and the context of the request's span, its children's parent.
    #[derive(Clone)]
    struct Parent {
        tracer: SdkTracer,
        cx: Context,
    }

    /// A traced request: the context holding its span, and its ids in hex
    /// (32 digits of trace id, then 16 of span id).
    pub(super) struct Active {
        cx: Context,
        ids: [u8; 48],
    }

    impl Tracing {
        /// The tracer `config` asks for: `None` when it names no collector.
        /// Logs one line saying where spans go.
        pub(in super::super) fn start(config: &TraceConfig) -> std::io::Result<Option<Tracing>> {
            let Some(endpoint) = config.endpoint.as_deref() else {
                return Ok(None);
            };
            let timeout = Duration::from_millis(config.timeout_ms);
            let headers: HashMap<String, String> = config.headers.iter().cloned().collect();
            let exporter = opentelemetry_otlp::SpanExporter::builder()
                .with_http()
                .with_http_client(Transport::new(timeout))
                .with_endpoint(endpoint)
                .with_protocol(Protocol::HttpBinary)
                .with_timeout(timeout)
                .with_headers(headers)
                .build()
                .map_err(|error| {
                    std::io::Error::new(
                        std::io::ErrorKind::InvalidInput,
                        format!("{}: {error}", config.endpoint_variable),
                    )
                })?;
            let mut batch = BatchConfigBuilder::default();
            if let Some(ms) = config.schedule_delay_ms {
                batch = batch.with_scheduled_delay(Duration::from_millis(ms));
            }
            let processor = BatchSpanProcessor::builder(Logged::new(exporter))
                .with_batch_config(batch.build())
                .build();
            let mut resource = Resource::builder();
            if let Some(name) = &config.service_name {
                resource = resource.with_service_name(name.clone());
            }
            let provider = SdkTracerProvider::builder()
                .with_span_processor(processor)
                .with_sampler(sampler(config.sampler))
                .with_resource(resource.build())
                .build();
            let tracer = provider.tracer("gati");
            ACTIVE.store(true, Relaxed);
            let ratio = match config.sampler {
                TraceSampler::TraceIdRatio(r) | TraceSampler::ParentBasedTraceIdRatio(r) => {
                    format!("{}", f64::from(r) / f64::from(RATIO_ALL))
                }
                _ => String::new(),
            };
            let mut fields = vec![("endpoint", endpoint), ("sampler", config.sampler.name())];
            if !ratio.is_empty() {
                fields.push(("ratio", &ratio));
            }
            log_line("info", "tracing", &fields);
            Ok(Some(Tracing { provider, tracer }))
        }

        /// Exports what is left and stops, within five seconds, off the
        /// async threads (the SDK blocks while it flushes).
        pub(super) async fn shutdown(&self) {
            let provider = self.provider.clone();
            let _ = tokio::task::spawn_blocking(move || {
                provider.shutdown_with_timeout(Duration::from_secs(5))
            })
            .await;
        }

        /// Starts a request's span (see [`super::RequestTrace::start`]). Out
        /// of line, like every path taken only while tracing: the code of
        /// untraced requests stays as small as it was.
        #[inline(never)]
        pub(super) fn begin(&self, parts: &mut hyper::http::request::Parts) -> Option<Box<Active>> {
            let path = parts.uri.path();
            if matches!(path, "/healthz" | "/readyz" | "/metrics") {
                return None;
            }
            let parent = match remote_parent(&parts.headers) {
                Some(context) => Context::new().with_remote_span_context(context),
                None => Context::new(),
            };
            let mut attributes = Vec::with_capacity(8);
            let method = parts.method.as_str();
            let known = [
                "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH",
            ]
            .into_iter()
            .find(|m| *m == method);
            if let Some(known) = known {
                attributes.push(KeyValue::new("http.request.method", known));
            } else {
                attributes.push(KeyValue::new("http.request.method", "_OTHER"));
                attributes.push(KeyValue::new(
                    "http.request.method_original",
                    method.to_owned(),
                ));
            }
            attributes.push(KeyValue::new("url.scheme", "http"));
            attributes.push(KeyValue::new(
                "url.path",
                path.get(..MAX_PATH).unwrap_or(path).to_owned(),
            ));
            if let Some((host, port)) = authority(parts) {
                attributes.push(KeyValue::new("server.address", host.to_owned()));
                attributes.push(KeyValue::new("server.port", i64::from(port)));
            }
            let protocol = match parts.version {
                hyper::Version::HTTP_10 => "1.0",
                hyper::Version::HTTP_2 => "2",
                _ => "1.1",
            };
            attributes.push(KeyValue::new("network.protocol.version", protocol));
            let span = self
                .tracer
                .span_builder("request")
                .with_kind(SpanKind::Server)
                .with_attributes(attributes)
                .start_with_context(&self.tracer, &parent);
            let context = span.span_context().clone();
            let mut ids = [0u8; 48];
            hex(&context.trace_id().to_bytes(), &mut ids[..32]);
            hex(&context.span_id().to_bytes(), &mut ids[32..]);
            let cx = Context::new().with_span(span);
            // An unsampled request gets no children: nothing would record them.
            if context.is_sampled() {
                parts.extensions.insert(Parent {
                    tracer: self.tracer.clone(),
                    cx: cx.clone(),
                });
            }
            Some(Box::new(Active { cx, ids }))
        }
    }

    /// The longest `url.path` a span carries, in bytes: a hostile client's
    /// long paths must not make spans large.
    const MAX_PATH: usize = 256;

    impl Active {
        /// The trace id in hex.
        pub(super) fn trace_id(&self) -> &str {
            std::str::from_utf8(&self.ids[..32]).unwrap_or("")
        }

        /// The request span's id in hex.
        pub(super) fn span_id(&self) -> &str {
            std::str::from_utf8(&self.ids[32..]).unwrap_or("")
        }

        /// Ends the request's span with what the answer says.
        #[inline(never)]
        pub(super) fn end(
            &self,
            status: u16,
            route: Option<&RouteInfo>,
            version: Option<&'static str>,
        ) {
            let span = self.cx.span();
            if !span.is_recording() {
                return;
            }
            span.set_attribute(KeyValue::new(
                "http.response.status_code",
                i64::from(status),
            ));
            if let Some(route) = route {
                span.set_attribute(KeyValue::new("http.route", route.path));
                span.set_attribute(KeyValue::new("gati.route", route.name));
            }
            if let Some(version) = version {
                span.set_attribute(KeyValue::new("gati.version", version));
            }
            // A server span fails on 5xx only: a 4xx is the client's error.
            if status >= 500 {
                span.set_attribute(KeyValue::new("error.type", status.to_string()));
                span.set_status(Status::error(""));
            }
            span.end();
        }
    }

    /// A child span of the request in `ctx`: none if it is not traced.
    #[inline(never)]
    pub(super) fn child(ctx: &Ctx, name: &'static str, attributes: Vec<KeyValue>) -> TraceSpan {
        let Some(parent) = ctx.extensions().get::<Parent>() else {
            return TraceSpan::OFF;
        };
        let span = parent
            .tracer
            .span_builder(name)
            .with_kind(SpanKind::Internal)
            .with_attributes(attributes)
            .start_with_context(&parent.tracer, &parent.cx);
        TraceSpan {
            span: Some(Box::new(span)),
        }
    }

    /// A `convert` span from version `from` to version `to`.
    #[inline(never)]
    pub(super) fn convert(ctx: &Ctx, from: &'static str, to: &'static str) -> TraceSpan {
        if ctx.extensions().get::<Parent>().is_none() {
            return TraceSpan::OFF;
        }
        // ISO dates of one width sort as text.
        let direction = if from < to { "forward" } else { "backward" };
        child(
            ctx,
            "convert",
            vec![
                KeyValue::new("gati.version.from", from),
                KeyValue::new("gati.version.to", to),
                KeyValue::new("gati.convert.direction", direction),
            ],
        )
    }

    /// The caller's span, from its `traceparent` (exactly one, valid) and
    /// `tracestate` (dropped, not the parent, when invalid).
    fn remote_parent(headers: &hyper::HeaderMap) -> Option<SpanContext> {
        let mut values = headers.get_all("traceparent").iter();
        let value = values.next()?;
        if values.next().is_some() {
            return None;
        }
        let parent = parse_traceparent(value.as_bytes())?;
        let flags = if parent.sampled {
            TraceFlags::SAMPLED
        } else {
            TraceFlags::default()
        };
        Some(SpanContext::new(
            TraceId::from_bytes(parent.trace_id),
            SpanId::from_bytes(parent.parent_id),
            flags,
            true,
            trace_state(headers),
        ))
    }

    /// The longest `tracestate` kept, in bytes (W3C asks for at least 512).
    const MAX_TRACE_STATE: usize = 4096;

    /// The caller's `tracestate` (every field line, joined), or an empty
    /// one when it is missing, too long or invalid.
    fn trace_state(headers: &hyper::HeaderMap) -> TraceState {
        let mut joined = String::new();
        for value in headers.get_all("tracestate") {
            let Ok(text) = value.to_str() else {
                return TraceState::default();
            };
            if !joined.is_empty() {
                joined.push(',');
            }
            joined.push_str(text);
            if joined.len() > MAX_TRACE_STATE {
                return TraceState::default();
            }
        }
        if joined.is_empty() {
            return TraceState::default();
        }
        joined.parse().unwrap_or_default()
    }

    /// The host and port the client addressed (`:authority`, else `Host`;
    /// port 80 when it names none).
    fn authority(parts: &hyper::http::request::Parts) -> Option<(&str, u16)> {
        let text = match parts.uri.authority() {
            Some(authority) => authority.as_str(),
            None => parts.headers.get(hyper::header::HOST)?.to_str().ok()?,
        };
        let authority: hyper::http::uri::Authority = text.parse().ok()?;
        let port = authority.port_u16().unwrap_or(80);
        let host = authority.host();
        // The parsed authority borrows nothing: find the host in `text`.
        let start = text.find(host)?;
        Some((&text[start..start + host.len()], port))
    }

    /// The SDK's sampler for `sampler`.
    fn sampler(sampler: TraceSampler) -> Sampler {
        let ratio = |r: u32| f64::from(r) / f64::from(RATIO_ALL);
        match sampler {
            TraceSampler::AlwaysOn => Sampler::AlwaysOn,
            TraceSampler::AlwaysOff => Sampler::AlwaysOff,
            TraceSampler::TraceIdRatio(r) => Sampler::TraceIdRatioBased(ratio(r)),
            TraceSampler::ParentBasedAlwaysOn => Sampler::ParentBased(Box::new(Sampler::AlwaysOn)),
            TraceSampler::ParentBasedAlwaysOff => {
                Sampler::ParentBased(Box::new(Sampler::AlwaysOff))
            }
            TraceSampler::ParentBasedTraceIdRatio(r) => {
                Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(ratio(r))))
            }
        }
    }

    /// The exporter's HTTP client: `opentelemetry-http`'s hyper client on a
    /// runtime of its own. The SDK exports from a thread of its own with a
    /// plain executor, where hyper (which needs tokio's reactor and timers)
    /// cannot run; the runtime is made there, on first use.
    struct Transport {
        client: opentelemetry_http::hyper::HyperClient,
        runtime: OnceLock<tokio::runtime::Runtime>,
    }

    impl Transport {
        fn new(timeout: Duration) -> Transport {
            Transport {
                client: opentelemetry_http::hyper::HyperClient::with_default_connector(
                    timeout, None,
                ),
                runtime: OnceLock::new(),
            }
        }

        /// Sends `request` on the transport's runtime, blocking this thread.
        fn send(
            &self,
            request: hyper::http::Request<Bytes>,
        ) -> Result<hyper::http::Response<Bytes>, HttpError> {
            if tokio::runtime::Handle::try_current().is_ok() {
                return Err("spans are exported from the SDK's own thread only".into());
            }
            let runtime = match self.runtime.get() {
                Some(runtime) => runtime,
                None => {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()?;
                    self.runtime.get_or_init(|| runtime)
                }
            };
            runtime.block_on(self.client.send_bytes(request))
        }
    }

    impl std::fmt::Debug for Transport {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("Transport")
        }
    }

    impl Drop for Transport {
        fn drop(&mut self) {
            // Dropping a runtime blocks, which an async context forbids;
            // this one has nothing left to wait for.
            if let Some(runtime) = self.runtime.take() {
                runtime.shutdown_background();
            }
        }
    }

    impl HttpClient for Transport {
        fn send_bytes<'a, 'b>(
            &'a self,
            request: hyper::http::Request<Bytes>,
        ) -> Pin<
            Box<dyn Future<Output = Result<hyper::http::Response<Bytes>, HttpError>> + Send + 'b>,
        >
        where
            'a: 'b,
            Self: 'b,
        {
            Box::pin(async move { self.send(request) })
        }
    }

    /// An exporter whose failures go to the log, at most once a minute
    /// with a count (the SDK would otherwise drop them silently).
    #[derive(Debug)]
    struct Logged<E> {
        inner: E,
        failures: AtomicU64,
        last: Mutex<Option<Instant>>,
    }

    impl<E> Logged<E> {
        fn new(inner: E) -> Logged<E> {
            Logged {
                inner,
                failures: AtomicU64::new(0),
                last: Mutex::new(None),
            }
        }

        fn failed(&self, error: &dyn std::fmt::Display) {
            let failures = self.failures.fetch_add(1, Relaxed) + 1;
            let Ok(mut last) = self.last.lock() else {
                return;
            };
            let now = Instant::now();
            if last.is_some_and(|at| now.duration_since(at) < Duration::from_secs(60)) {
                return;
            }
            *last = Some(now);
            self.failures.store(0, Relaxed);
            log_line(
                "warn",
                "trace export failed",
                &[
                    ("error", &error.to_string()),
                    ("failures", &failures.to_string()),
                ],
            );
        }
    }

    impl<E: SpanExporter> SpanExporter for Logged<E> {
        fn export(&self, batch: Vec<SpanData>) -> impl Future<Output = OTelSdkResult> + Send {
            let exported = self.inner.export(batch);
            async move {
                let result = exported.await;
                if let Err(error) = &result {
                    self.failed(error);
                }
                result
            }
        }

        fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
            self.inner.shutdown_with_timeout(timeout)
        }

        fn force_flush(&self) -> OTelSdkResult {
            self.inner.force_flush()
        }

        fn set_resource(&mut self, resource: &Resource) {
            self.inner.set_resource(resource);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALID: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    #[test]
    fn traceparents_are_parsed_strictly() {
        let Some(parent) = parse_traceparent(VALID.as_bytes()) else {
            panic!("a valid traceparent parses");
        };
        assert_eq!(parent.trace_id[0], 0x4b);
        assert_eq!(parent.trace_id[15], 0x36);
        assert_eq!(
            parent.parent_id,
            [0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7]
        );
        assert!(parent.sampled);
        let unsampled = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00";
        assert_eq!(
            parse_traceparent(unsampled.as_bytes()).map(|p| p.sampled),
            Some(false)
        );
        // A later version may carry more after a dash.
        let later = "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-09-extra";
        assert!(parse_traceparent(later.as_bytes()).is_some_and(|p| p.sampled));
        let invalid = [
            "",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-011",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00F067AA0BA902B7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0A",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "0x-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            " 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-+bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e47é-00f067aa0ba902b7-01",
        ];
        for text in invalid {
            assert_eq!(parse_traceparent(text.as_bytes()), None, "{text}");
        }
    }

    fn vars(pairs: &[(&str, &str)]) -> Result<TraceConfig, ConfigError> {
        TraceConfig::from_vars(|name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        })
    }

    #[test]
    fn a_collector_turns_tracing_on() {
        let Ok(off) = vars(&[]) else {
            panic!("no variables is a valid configuration");
        };
        assert_eq!(off, TraceConfig::default());
        assert_eq!(off.endpoint, None);
        let on = vars(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/")]);
        assert_eq!(
            on.map(|c| (c.endpoint, c.endpoint_variable)),
            Ok((
                Some("http://collector:4318/v1/traces".to_owned()),
                "OTEL_EXPORTER_OTLP_ENDPOINT"
            ))
        );
        // The signal's own variable wins, and is used as it is.
        let both = vars(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"),
            (
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                "http://traces:4318/in",
            ),
        ]);
        assert_eq!(
            both.map(|c| c.endpoint),
            Ok(Some("http://traces:4318/in".to_owned()))
        );
        for off in [
            ("OTEL_SDK_DISABLED", "TRUE"),
            ("OTEL_TRACES_EXPORTER", "none"),
        ] {
            let config = vars(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"), off]);
            assert_eq!(config.map(|c| c.endpoint), Ok(None), "{off:?}");
        }
    }

    #[cfg(feature = "otel")]
    #[test]
    fn settings_are_checked_when_tracing_is_on() {
        let endpoint = ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318");
        let Ok(config) = vars(&[
            endpoint,
            ("OTEL_SERVICE_NAME", "tasks"),
            ("OTEL_TRACES_SAMPLER", "parentbased_traceidratio"),
            ("OTEL_TRACES_SAMPLER_ARG", "0.25"),
            (
                "OTEL_EXPORTER_OTLP_HEADERS",
                "api-key=s%3Dcret, X-Tenant = a",
            ),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "2500"),
            ("OTEL_BSP_SCHEDULE_DELAY", "100"),
            ("OTEL_SDK_DISABLED", "false"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
        ]) else {
            panic!("every setting is valid");
        };
        assert_eq!(config.service_name.as_deref(), Some("tasks"));
        assert_eq!(
            config.sampler,
            TraceSampler::ParentBasedTraceIdRatio(250_000)
        );
        assert_eq!(
            config.headers,
            [
                ("api-key".to_owned(), "s=cret".to_owned()),
                ("x-tenant".to_owned(), "a".to_owned())
            ]
        );
        assert!(!format!("{config:?}").contains("s=cret"));
        assert_eq!(
            (config.timeout_ms, config.schedule_delay_ms),
            (2500, Some(100))
        );
        for (name, value) in [
            ("OTEL_TRACES_SAMPLER", "always_on"),
            ("OTEL_TRACES_SAMPLER", "always_off"),
            ("OTEL_TRACES_SAMPLER", "traceidratio"),
        ] {
            assert!(vars(&[endpoint, (name, value)]).is_ok(), "{value}");
        }
        let wrong = [
            ("OTEL_TRACES_SAMPLER", "jaeger_remote"),
            ("OTEL_TRACES_SAMPLER_ARG", "1.5"),
            ("OTEL_TRACES_SAMPLER_ARG", "half"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
            ("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "gzip"),
            ("OTEL_EXPORTER_OTLP_HEADERS", "no-equals-sign"),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "0"),
            ("OTEL_SDK_DISABLED", "yes"),
            ("OTEL_TRACES_EXPORTER", "zipkin"),
        ];
        for (name, value) in wrong {
            let error = vars(&[endpoint, (name, value)]).err();
            assert_eq!(error.map(|e| e.variable), Some(name), "{name}={value}");
        }
        for url in ["https://collector:4318", "collector:4318", "http://"] {
            let error = vars(&[("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", url)]).err();
            assert_eq!(
                error.map(|e| e.variable),
                Some("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"),
                "{url}"
            );
        }
        // Nothing is checked while tracing is off.
        assert!(vars(&[("OTEL_TRACES_SAMPLER", "jaeger_remote")]).is_ok());
    }

    #[cfg(not(feature = "otel"))]
    #[test]
    fn without_the_feature_a_collector_is_only_reported() {
        // Nothing is checked (the values cannot be used), and starting
        // logs one line instead of failing.
        let config = vars(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "https://collector:4318"),
            ("OTEL_TRACES_SAMPLER", "jaeger_remote"),
        ]);
        let Ok(config) = config else {
            panic!("unused settings are not checked");
        };
        assert_eq!(config.endpoint_variable, "OTEL_EXPORTER_OTLP_ENDPOINT");
        assert!(matches!(Tracing::start(&config), Ok(None)));
    }

    #[test]
    fn hooks_do_nothing_without_a_traced_request() {
        let ctx = Ctx::new("r-1", "route", std::time::Instant::now());
        let spans = [
            decode_span(&ctx),
            convert_span(&ctx, "2024-01-01", "2024-06-01"),
            handler_span(&ctx),
        ];
        for span in spans {
            assert_eq!(format!("{span:?}"), "TraceSpan { on: false }");
            span.end();
        }
        let trace = RequestTrace::start(&None, &mut hyper::Request::new(()).into_parts().0);
        assert!(!trace.is_on() && trace.trace_id().is_none() && trace.span_id().is_none());
        trace.end(200, None, None);
    }
}
