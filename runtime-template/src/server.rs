//! The HTTP server: accepting connections, built-in endpoints, admission,
//! body limits, timeouts, panics, request ids and graceful shutdown.

use std::convert::Infallible;
use std::future::{Future, poll_fn};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::task::Poll;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Method;
use hyper::body::{Body, Incoming};
use hyper::header::{ALLOW, HeaderMap, HeaderName, HeaderValue, RETRY_AFTER};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::admission::{Gate, Shed};
use super::codec::{PathParams, Request};
use super::config::Config;
use super::metrics::{self, GateGauges, RouteMetrics, Snapshot};
use super::problem::{Problem, with_body};
use super::version::{self, VersionHeaders, VersionInfo};

/// The response type of every handler.
pub type Response = hyper::Response<Full<Bytes>>;

/// The header carrying the request id, on every response.
pub const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// A service: its routes, its router and its handlers. Generated code
/// implements this for the user's API.
pub trait Service: Send + Sync + 'static {
    /// The routes, indexed by the `usize` in [`Resolution::Route`].
    fn routes(&self) -> &'static [RouteInfo];

    /// Matches a method and a percent-encoded path (no query) to a route.
    fn resolve(&self, method: &Method, path: &str) -> Resolution;

    /// Runs route `route` on a request whose body has been read (within the
    /// route's body limit) and whose admission slot is held.
    fn call(
        &self,
        route: usize,
        request: Request,
        ctx: Ctx,
    ) -> impl Future<Output = Response> + Send;

    /// The OpenAPI document served at `/openapi.json`, if any.
    fn openapi(&self) -> Option<&'static str> {
        None
    }

    /// The OpenAPI document of the version released on `date`
    /// (`YYYY-MM-DD`), served at `/openapi/<date>.json`, if any.
    fn openapi_at(&self, date: &str) -> Option<&'static str> {
        let _ = date;
        None
    }

    /// The API's versions, oldest first, the head last; empty for a service
    /// without versions (which then negotiates nothing and sends no version
    /// headers).
    fn versions(&self) -> &'static [VersionInfo] {
        &[]
    }

    /// Matches a request at version `version` (an index into
    /// [`Service::versions`]): routes that moved, or did not exist yet,
    /// resolve differently at old versions. The default ignores the version.
    fn resolve_at(&self, method: &Method, path: &str, version: usize) -> Resolution {
        let _ = version;
        self.resolve(method, path)
    }
}

/// What the runtime needs to know about a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RouteInfo {
    /// The route's name in the spec; the `route` label in metrics.
    pub name: &'static str,
    /// The method, e.g. `"GET"`.
    pub method: &'static str,
    /// The path template, e.g. `"/users/{id}"`.
    pub path: &'static str,
    /// Limits that override the service-wide configuration.
    pub limits: RouteLimits,
}

/// Per-route limits; `None` means the service-wide [`Config`] value.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RouteLimits {
    /// Requests of this route in a handler at once. Setting this or `queue`
    /// gives the route its own admission gate, in front of the service-wide one.
    pub concurrency: Option<u32>,
    /// Requests of this route waiting for a slot.
    pub queue: Option<u32>,
    /// The largest body, in bytes.
    pub body: Option<u64>,
    /// How long the handler may run, in milliseconds.
    pub timeout_ms: Option<u64>,
}

impl RouteLimits {
    /// No overrides (usable in `static` items, unlike `Default::default`).
    pub const NONE: RouteLimits = RouteLimits {
        concurrency: None,
        queue: None,
        body: None,
        timeout_ms: None,
    };
}

/// The outcome of routing a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resolution {
    /// The index of the route in [`Service::routes`], and its path parameters.
    Route(usize, PathParams),
    /// No route has this path.
    NotFound,
    /// Routes have this path, but not this method; the `Allow` header value,
    /// e.g. `"GET, POST"`.
    MethodNotAllowed(&'static str),
}

/// Per-request context handed to handlers.
#[derive(Clone, Debug)]
pub struct Ctx {
    request_id: HeaderValue,
    route: &'static str,
    deadline: Instant,
    /// The negotiated version: its index in `Service::versions` and its date.
    version: Option<(usize, &'static str)>,
}

impl Ctx {
    /// A context, for calling handlers outside the server (in tests).
    pub fn new(request_id: &str, route: &'static str, deadline: Instant) -> Ctx {
        let request_id = HeaderValue::from_str(request_id).unwrap_or(HeaderValue::from_static("-"));
        Ctx {
            request_id,
            route,
            deadline,
            version: None,
        }
    }

    /// The same context at API version `date`, the `index`-th of
    /// `Service::versions` (for calling handlers outside the server).
    pub fn with_version(mut self, index: usize, date: &'static str) -> Ctx {
        self.version = Some((index, date));
        self
    }

    /// The date of the API version the client is served at; `None` for a
    /// service without versions. Handlers see head types whatever it is.
    pub fn version(&self) -> Option<&'static str> {
        self.version.map(|(_, date)| date)
    }

    /// The index of that version in `Service::versions`.
    pub fn version_index(&self) -> Option<usize> {
        self.version.map(|(index, _)| index)
    }

    /// The request id, also sent back as `X-Request-Id`.
    pub fn request_id(&self) -> &str {
        self.request_id.to_str().unwrap_or("-")
    }

    /// The name of the route being served.
    pub fn route(&self) -> &'static str {
        self.route
    }

    /// When the handler times out (and the client gets a 504).
    pub fn deadline(&self) -> Instant {
        self.deadline
    }
}

/// Builds a multi-threaded tokio runtime, binds `GATI_HOST:PORT`, serves until
/// SIGTERM or SIGINT, then drains.
pub fn run<S: Service>(service: S, config: Config) -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = TcpListener::bind((config.host.as_str(), config.port)).await?;
        let address = listener
            .local_addr()
            .map(|a| a.to_string())
            .unwrap_or_default();
        log("info", "listening", &[("address", &address)]);
        serve(service, config, listener, shutdown_signal()).await
    })
}

/// Completes on SIGTERM or SIGINT (never, if signals cannot be watched).
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    () = ctrl_c => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => ctrl_c.await,
        }
    }
    #[cfg(not(unix))]
    ctrl_c.await;
}

/// Serves on an already bound listener until `shutdown` completes, then
/// drains: stops accepting, fails `/readyz`, lets in-flight requests finish
/// within the drain deadline, and returns.
pub async fn serve<S: Service>(
    service: S,
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let shared = Arc::new(Shared::new(service, &config)?);
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(Duration::from_millis(config.header_timeout_ms))
        .keep_alive(true);
    builder.http2().timer(TokioTimer::new());
    let builder = Arc::new(builder);
    let (stop, stopped) = watch::channel(false);
    let mut connections = JoinSet::new();
    let mut shutdown = pin!(shutdown);
    loop {
        tokio::select! {
            biased;
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(connection(stream, shared.clone(), builder.clone(), stopped.clone()));
                }
                // Usually out of file descriptors: back off instead of spinning.
                Err(error) => {
                    log("warn", "accept failed", &[("error", &error.to_string())]);
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    shared.draining.store(true, Relaxed);
    let _ = stop.send(true);
    log(
        "info",
        "draining",
        &[("connections", &connections.len().to_string())],
    );
    let drain = Duration::from_millis(config.drain_timeout_ms);
    let drained = tokio::time::timeout(drain, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        log(
            "warn",
            "drain deadline passed",
            &[("connections", &connections.len().to_string())],
        );
        connections.abort_all();
    }
    log("info", "stopped", &[]);
    Ok(())
}

/// Serves one connection until it closes, shutting it down gracefully (the
/// current request finishes, keep-alive ends) when `stop` turns true.
async fn connection<S: Service>(
    stream: TcpStream,
    shared: Arc<Shared<S>>,
    builder: Arc<auto::Builder<TokioExecutor>>,
    mut stop: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let service = hyper::service::service_fn(move |request| handle(shared.clone(), request));
    let mut conn = pin!(builder.serve_connection(TokioIo::new(stream), service));
    tokio::select! {
        _ = conn.as_mut() => return,
        _ = stop.wait_for(|stop| *stop) => {}
    }
    conn.as_mut().graceful_shutdown();
    let _ = conn.await;
}

/// State shared by every connection.
struct Shared<S> {
    service: S,
    /// Per version, oldest first: the headers stamped on its responses.
    versions: Box<[VersionHeaders]>,
    /// The version of requests that name none.
    default_version: usize,
    routes: Box<[RouteState]>,
    /// Counters for 404s and 405s.
    unrouted: RouteMetrics,
    gate: Gate,
    queue_timeout: Duration,
    draining: AtomicBool,
}

/// One route's resolved limits, gate and counters.
struct RouteState {
    name: &'static str,
    gate: Option<Gate>,
    body_limit: u64,
    timeout: Duration,
    metrics: RouteMetrics,
}

impl<S: Service> Shared<S> {
    fn new(service: S, config: &Config) -> std::io::Result<Shared<S>> {
        let table = service.versions();
        let default_version = match &config.default_version {
            None => table.len().saturating_sub(1),
            Some(_) if table.is_empty() => 0,
            Some(date) => version::round_down(date, table).ok_or_else(|| {
                let dates: Vec<&str> = table.iter().map(|v| v.date).collect();
                std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    format!(
                        "GATI_DEFAULT_VERSION={date:?} is not a version of this API: expected a date on or after {}",
                        dates.join(", ")
                    ),
                )
            })?,
        };
        let routes = service
            .routes()
            .iter()
            .map(|info| {
                let l = info.limits;
                let gate = (l.concurrency.is_some() || l.queue.is_some()).then(|| {
                    Gate::new(
                        l.concurrency.unwrap_or(config.concurrency),
                        l.queue.unwrap_or(config.queue),
                    )
                });
                RouteState {
                    name: info.name,
                    gate,
                    body_limit: l.body.unwrap_or(config.max_body),
                    timeout: Duration::from_millis(l.timeout_ms.unwrap_or(config.timeout_ms)),
                    metrics: RouteMetrics::new(table.len()),
                }
            })
            .collect();
        Ok(Shared {
            service,
            versions: table.iter().map(VersionHeaders::new).collect(),
            default_version,
            routes,
            unrouted: RouteMetrics::new(table.len()),
            gate: Gate::new(config.concurrency, config.queue),
            queue_timeout: Duration::from_millis(config.queue_timeout_ms),
            draining: AtomicBool::new(false),
        })
    }
}

/// Answers one request; never fails and never panics.
async fn handle<S: Service>(
    shared: Arc<Shared<S>>,
    request: hyper::Request<Incoming>,
) -> Result<Response, Infallible> {
    let start = Instant::now();
    let request_id = request_id(request.headers());
    let (mut response, metrics, version) = dispatch(&shared, request, &request_id, start).await;
    if let Some(metrics) = metrics {
        metrics.observe(response.status().as_u16(), start.elapsed());
        if let Some(index) = version {
            metrics.version(index);
        }
    }
    if let Some(headers) = version.and_then(|i| shared.versions.get(i)) {
        headers.stamp(response.headers_mut());
    }
    response.headers_mut().insert(X_REQUEST_ID, request_id);
    Ok(response)
}

/// Routes a request; returns the response, the counters to record it in
/// (none for built-in endpoints) and the version it was served at (none for
/// unversioned services, built-ins and requests naming no known version).
async fn dispatch<'s, S: Service>(
    shared: &'s Shared<S>,
    request: hyper::Request<Incoming>,
    request_id: &HeaderValue,
    start: Instant,
) -> (Response, Option<&'s RouteMetrics>, Option<usize>) {
    let path = request.uri().path();
    if let Some(response) = builtin(shared, request.method(), path) {
        return (response, None, None);
    }
    let unrouted = Some(&shared.unrouted);
    let version = if shared.versions.is_empty() {
        None
    } else {
        let table = shared.service.versions();
        let negotiated = version::negotiate(
            request.headers(),
            request.uri().query(),
            table,
            shared.default_version,
            version::unix_now,
        );
        match negotiated {
            Ok(index) => Some(index),
            Err(error) => {
                return (
                    error.into_response(table, version::unix_now()),
                    unrouted,
                    None,
                );
            }
        }
    };
    let resolution = match version {
        Some(v) => shared.service.resolve_at(request.method(), path, v),
        None => shared.service.resolve(request.method(), path),
    };
    let (index, params) = match resolution {
        Resolution::Route(index, params) => (index, params),
        Resolution::NotFound => {
            let old = version.filter(|v| v + 1 < shared.versions.len());
            let detail = match old.and_then(|v| shared.versions.get(v)) {
                Some(v) => format!("no route matches this path at API version {}", v.date),
                None => "no route matches this path".to_owned(),
            };
            return (Problem::new(404, detail).into_response(), unrouted, version);
        }
        Resolution::MethodNotAllowed(allow) => {
            let mut problem = Problem::new(405, format!("this path allows {allow}"));
            if let Ok(value) = HeaderValue::from_str(allow) {
                problem = problem.with_header(ALLOW, value);
            }
            return (problem.into_response(), unrouted, version);
        }
    };
    let Some(route) = shared.routes.get(index) else {
        let problem = Problem::new(500, "the router chose a route that does not exist");
        return (problem.into_response(), unrouted, version);
    };
    let version_info = version.and_then(|v| shared.versions.get(v).map(|h| (v, h.date)));
    let response = run_route(
        shared,
        route,
        index,
        request,
        params,
        request_id,
        start,
        version_info,
    )
    .await;
    (response, Some(&route.metrics), version)
}

/// `/healthz`, `/readyz`, `/metrics`, `/openapi.json` and, per version,
/// `/openapi/<date>.json`; `None` lets the path fall through to the
/// service's router.
fn builtin<S: Service>(shared: &Shared<S>, method: &Method, path: &str) -> Option<Response> {
    let openapi = match path {
        "/healthz" | "/readyz" | "/metrics" => None,
        "/openapi.json" => Some(shared.service.openapi()?),
        _ => {
            let date = path.strip_prefix("/openapi/")?.strip_suffix(".json")?;
            Some(shared.service.openapi_at(date)?)
        }
    };
    if method != Method::GET && method != Method::HEAD {
        let problem = Problem::new(405, "this path allows GET, HEAD");
        return Some(
            problem
                .with_header(ALLOW, HeaderValue::from_static("GET, HEAD"))
                .into_response(),
        );
    }
    let text = "text/plain; charset=utf-8";
    Some(match path {
        "/healthz" => with_body(200, text, b"ok\n".to_vec()),
        "/readyz" if shared.draining.load(Relaxed) => Problem::new(503, "draining").into_response(),
        "/readyz" => with_body(200, text, b"ready\n".to_vec()),
        "/metrics" => with_body(
            200,
            "text/plain; version=0.0.4; charset=utf-8",
            render_metrics(shared).into_bytes(),
        ),
        _ => {
            let mut response = with_body(200, "application/json", Vec::new());
            *response.body_mut() =
                Full::new(Bytes::from_static(openapi.unwrap_or("{}").as_bytes()));
            response
        }
    })
}

fn render_metrics<S: Service>(shared: &Shared<S>) -> String {
    let gauges = |gate: &Gate| GateGauges {
        in_flight: gate.in_flight(),
        queued: gate.queued(),
        shed: gate.shed(),
    };
    let mut routes: Vec<_> = shared
        .routes
        .iter()
        .map(|r| (r.name, &r.metrics, r.gate.as_ref().map(gauges)))
        .collect();
    routes.push(("_unrouted", &shared.unrouted, None));
    metrics::render(&Snapshot {
        routes,
        service: gauges(&shared.gate),
        draining: shared.draining.load(Relaxed),
        versions: shared.versions.iter().map(|v| v.date).collect(),
    })
}

/// Admits, reads the body and runs the handler, with every limit enforced.
#[allow(
    clippy::too_many_arguments,
    reason = "one request's pieces, passed once"
)]
async fn run_route<S: Service>(
    shared: &Shared<S>,
    route: &RouteState,
    index: usize,
    request: hyper::Request<Incoming>,
    params: PathParams,
    request_id: &HeaderValue,
    start: Instant,
    version: Option<(usize, &'static str)>,
) -> Response {
    if request.body().size_hint().lower() > route.body_limit {
        return too_large(route.body_limit);
    }
    let queue_deadline = tokio::time::Instant::from_std(start + shared.queue_timeout);
    let _route_slot = match &route.gate {
        Some(gate) => match gate.enter(queue_deadline).await {
            Ok(slot) => Some(slot),
            Err(shed) => return overloaded(route, shed),
        },
        None => None,
    };
    let _slot = match shared.gate.enter(queue_deadline).await {
        Ok(slot) => slot,
        Err(shed) => return overloaded(route, shed),
    };

    // The deadline counts from the request's arrival, so time spent queued
    // for a slot counts against it: the client's wait stays bounded.
    let deadline = start + route.timeout;
    // One timer for both stages, created only when a stage has to wait: a
    // body that has already arrived and a handler that answers at once (the
    // common case) cost no timer at all.
    let mut timer: Option<Pin<Box<tokio::time::Sleep>>> = None;
    let (parts, body) = request.into_parts();
    let mut reading = pin!(read_body(body, route.body_limit));
    let read = match ready_now(reading.as_mut()).await {
        Some(read) => read,
        None => {
            let timer =
                timer.get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline.into())));
            tokio::select! {
                biased;
                read = &mut reading => read,
                () = timer.as_mut() => return Problem::new(408, "the request body took too long to arrive").into_response(),
            }
        }
    };
    let body = match read {
        Ok(body) => body,
        Err(BodyError::TooLarge) => return too_large(route.body_limit),
        Err(BodyError::Broken) => {
            return Problem::new(400, "the request body could not be read").into_response();
        }
    };
    let ctx = Ctx {
        request_id: request_id.clone(),
        route: route.name,
        deadline,
        version,
    };
    let request = Request {
        parts,
        body,
        params,
    };
    let mut calling = pin!(call_guarded(&shared.service, index, request, ctx));
    let called = match ready_now(calling.as_mut()).await {
        Some(called) => called,
        None => {
            let timer =
                timer.get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline.into())));
            tokio::select! {
                biased;
                called = &mut calling => called,
                () = timer.as_mut() => {
                    return Problem::new(504, format!("the handler did not finish within {} ms", route.timeout.as_millis())).into_response();
                }
            }
        }
    };
    match called {
        Some(response) => response,
        None => {
            let id = request_id.to_str().unwrap_or("-");
            log(
                "error",
                "handler panicked",
                &[("route", route.name), ("request_id", id)],
            );
            Problem::new(500, "the handler failed").into_response()
        }
    }
}

/// Polls `future` once: its output if it is ready now, `None` (leaving it
/// to be polled again) if it has to wait.
async fn ready_now<F: Future>(mut future: Pin<&mut F>) -> Option<F::Output> {
    poll_fn(|cx| {
        Poll::Ready(match future.as_mut().poll(cx) {
            Poll::Ready(output) => Some(output),
            Poll::Pending => None,
        })
    })
    .await
}

/// Calls the handler, turning a panic (while creating or polling its future)
/// into `None`. The future is polled in place: no task is spawned.
async fn call_guarded<S: Service>(
    service: &S,
    index: usize,
    request: Request,
    ctx: Ctx,
) -> Option<Response> {
    let future = catch_unwind(AssertUnwindSafe(|| service.call(index, request, ctx))).ok()?;
    let mut future = pin!(future);
    poll_fn(
        |cx| match catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(cx))) {
            Ok(Poll::Ready(response)) => Poll::Ready(Some(response)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(_) => Poll::Ready(None),
        },
    )
    .await
}

fn too_large(limit: u64) -> Response {
    Problem::new(
        413,
        format!("the request body is larger than {limit} bytes"),
    )
    .into_response()
}

fn overloaded(route: &RouteState, shed: Shed) -> Response {
    route.metrics.shed();
    let detail = match shed {
        Shed::QueueFull => "the server is at capacity; retry later",
        Shed::Expired => "the request waited too long for a slot; retry later",
    };
    Problem::new(503, detail)
        .with_header(RETRY_AFTER, HeaderValue::from_static("1"))
        .into_response()
}

enum BodyError {
    TooLarge,
    Broken,
}

/// Reads the whole body, failing as soon as it passes `limit`. A body that
/// arrives in one frame is kept without copying.
async fn read_body(mut body: Incoming, limit: u64) -> Result<Bytes, BodyError> {
    if body.is_end_stream() {
        return Ok(Bytes::new());
    }
    let mut first: Option<Bytes> = None;
    let mut joined: Vec<u8> = Vec::new();
    let mut total: u64 = 0;
    while let Some(frame) = body.frame().await {
        let Ok(data) = frame.map_err(|_| BodyError::Broken)?.into_data() else {
            continue;
        };
        total += data.len() as u64;
        if total > limit {
            return Err(BodyError::TooLarge);
        }
        match first.take() {
            None if joined.is_empty() => first = Some(data),
            None => joined.extend_from_slice(&data),
            Some(previous) => {
                let hint = body.size_hint().lower().min(limit);
                joined.reserve(usize::try_from(total.max(hint)).unwrap_or(0));
                joined.extend_from_slice(&previous);
                joined.extend_from_slice(&data);
            }
        }
    }
    Ok(first.unwrap_or_else(|| Bytes::from(joined)))
}

/// The client's `X-Request-Id` when it is sane (1 to 128 URL-safe
/// characters), else a new one: a per-process random prefix and a counter.
fn request_id(headers: &HeaderMap) -> HeaderValue {
    if let Some(id) = headers.get(X_REQUEST_ID) {
        let b = id.as_bytes();
        if (1..=128).contains(&b.len())
            && b.iter()
                .all(|c| c.is_ascii_alphanumeric() || b"-_.:".contains(c))
        {
            return id.clone();
        }
    }
    static PREFIX: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let prefix = *PREFIX.get_or_init(super::scalar::random_u64) & 0xffff_ffff_ffff;
    let n = COUNTER.fetch_add(1, Relaxed);
    // 12 hex digits, a dash, and up to 16 more: no formatting machinery.
    let mut buf = [0u8; 29];
    let hex = |v: u64| b"0123456789abcdef"[(v & 0xf) as usize];
    for (i, slot) in buf[..12].iter_mut().enumerate() {
        *slot = hex(prefix >> (4 * (11 - i)));
    }
    buf[12] = b'-';
    let digits = (16 - (n.leading_zeros() as usize) / 4).max(1);
    for i in 0..digits {
        buf[13 + i] = hex(n >> (4 * (digits - 1 - i)));
    }
    HeaderValue::from_bytes(&buf[..13 + digits]).unwrap_or(HeaderValue::from_static("-"))
}

/// Writes one structured (JSON) log line to stderr.
fn log(level: &str, message: &str, fields: &[(&str, &str)]) {
    let mut line = serde_json::Map::new();
    line.insert("level".into(), level.into());
    line.insert("msg".into(), message.into());
    for (key, value) in fields {
        line.insert((*key).into(), (*value).into());
    }
    eprintln!("{}", serde_json::Value::Object(line));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids() {
        let mut headers = HeaderMap::new();
        let a = request_id(&headers);
        let b = request_id(&headers);
        assert_ne!(a, b);
        let text = a.to_str().unwrap_or("");
        assert_eq!(text.len(), 14, "{text}");
        assert_eq!(text.as_bytes()[12], b'-');
        let cases: &[(&str, bool)] = &[
            ("abc-123", true),
            ("6f9619ff-8b86-d011-b42d-00c04fc964ff", true),
            ("a:b.c_d", true),
            ("has space", false),
            ("<script>", false),
            ("ünïcode", false),
        ];
        for (id, kept) in cases {
            if let Ok(value) = HeaderValue::from_bytes(id.as_bytes()) {
                headers.insert(X_REQUEST_ID, value);
            }
            let got = request_id(&headers);
            assert_eq!(got.as_bytes() == id.as_bytes(), *kept, "{id}");
        }
        headers.insert(X_REQUEST_ID, HeaderValue::from_static(""));
        assert!(!request_id(&headers).is_empty());
        let long = "a".repeat(129);
        if let Ok(value) = HeaderValue::from_str(&long) {
            headers.insert(X_REQUEST_ID, value);
        }
        assert_ne!(request_id(&headers).as_bytes(), long.as_bytes());
    }

    struct Empty;

    impl Service for Empty {
        fn routes(&self) -> &'static [RouteInfo] {
            &[]
        }
        fn resolve(&self, _: &Method, _: &str) -> Resolution {
            Resolution::NotFound
        }
        async fn call(&self, _: usize, _: Request, _: Ctx) -> Response {
            super::super::problem::empty_response(204)
        }
    }

    #[test]
    fn builtins_follow_draining() {
        let Ok(shared) = Shared::new(Empty, &Config::default()) else {
            panic!("an unversioned service accepts the default configuration");
        };
        let status = |method: Method, path: &str| {
            builtin(&shared, &method, path).map(|r| r.status().as_u16())
        };
        let cases: &[(Method, &str, Option<u16>)] = &[
            (Method::GET, "/healthz", Some(200)),
            (Method::HEAD, "/readyz", Some(200)),
            (Method::GET, "/metrics", Some(200)),
            (Method::PUT, "/metrics", Some(405)),
            (Method::GET, "/openapi.json", None),
            (Method::GET, "/users", None),
        ];
        for (method, path, want) in cases {
            assert_eq!(status(method.clone(), path), *want, "{method} {path}");
        }
        shared.draining.store(true, Relaxed);
        assert_eq!(status(Method::GET, "/readyz"), Some(503));
        assert_eq!(status(Method::GET, "/healthz"), Some(200));
        assert!(render_metrics(&shared).contains("\ngati_draining 1\n"));
    }

    #[test]
    fn ctx() {
        let deadline = Instant::now();
        let ctx = Ctx::new("req-1", "get_user", deadline);
        assert_eq!(
            (ctx.request_id(), ctx.route(), ctx.deadline()),
            ("req-1", "get_user", deadline)
        );
        assert_eq!(Ctx::new("bad\nid", "r", deadline).request_id(), "-");
        assert_eq!(RouteLimits::NONE, RouteLimits::default());
    }
}
