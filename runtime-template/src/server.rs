//! The HTTP server: accepting connections, built-in endpoints, the request
//! lifecycle (routing, authentication, per-client limits, admission, body,
//! handler), timeouts, panics, request ids, the admin listener and graceful
//! shutdown.

use std::convert::Infallible;
use std::future::{Future, poll_fn};
use std::net::IpAddr;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::task::Poll;
use std::time::{Duration, Instant};

use bytes::{Buf, Bytes};
use hyper::Method;
use hyper::body::{Body, Incoming};
use hyper::header::{
    ALLOW, CONNECTION, EXPECT, HOST, HeaderMap, HeaderName, HeaderValue, ORIGIN, RETRY_AFTER,
};
use hyper::server::conn::http1;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use super::access_log::{AccessLogger, Entry};
use super::admission::{Gate, Shed};
use super::body::ResponseBody;
use super::clients::{Client, ClientKey, Clients};
use super::codec::{Caller, Denied, PathParams, Request};
use super::config::{Config, RateLimit, defaults};
use super::cors::{Cors, CorsPolicy};
use super::metrics::{self, BuildInfo, GateGauges, RouteMetrics, Snapshot};
use super::panel::{self, Panel};
use super::problem::{Problem, empty_response, set_max_violations, with_body};
use super::version::{self, VersionHeaders, VersionInfo};

/// The response type of every handler: whole bytes, or a stream of
/// server-sent events.
pub type Response = hyper::Response<ResponseBody>;

/// The header carrying the request id, on every response.
pub const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// A service: its routes, its router and its handlers. Generated code
/// implements this for the user's API.
pub trait Service: Send + Sync + 'static {
    /// The routes, indexed by the `usize` in [`Resolution::Route`].
    fn routes(&self) -> &'static [RouteInfo];

    /// Matches a method and a percent-encoded path (no query) to a route.
    fn resolve(&self, method: &Method, path: &str) -> Resolution;

    /// Authenticates a request to route `route` from its head alone
    /// ([`Ctx::request`]), before any body byte is read and before an
    /// admission slot is taken (the request's body is still empty). Called
    /// only for routes whose [`RouteInfo::auth`] is true. The caller's
    /// principal, if it has one, is what [`Ctx::principal_as`] gives the
    /// handler.
    fn authenticate<'a>(
        &'a self,
        route: usize,
        ctx: &'a Ctx,
    ) -> impl Future<Output = Result<Caller<'a>, Denied>> + Send + 'a {
        let _ = (route, ctx);
        std::future::ready(Ok(Caller::ANONYMOUS))
    }

    /// The service-wide limits the spec declares; the environment's values
    /// ([`Config`]) win over them, and a route's own limits refine them.
    fn limits(&self) -> RouteLimits {
        RouteLimits::NONE
    }

    /// Runs route `route` on a request ([`Ctx::request`]) whose body has
    /// been read (within the route's body limit) and whose admission slot
    /// is held.
    ///
    /// The context, request included, is borrowed from the server's own
    /// per-request state, so the future holds a reference rather than a
    /// copy of it.
    fn call(&self, route: usize, ctx: &Ctx) -> impl Future<Output = Response> + Send;

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

    /// The header clients name the version in and responses are stamped
    /// with, lowercase (`version_header "Stripe-Version"` in the spec makes
    /// it `"stripe-version"`); the `version` query parameter works too.
    fn version_header(&self) -> &'static str {
        "gati-version"
    }

    /// Matches a request at version `version` (an index into
    /// [`Service::versions`]): routes that moved, or did not exist yet,
    /// resolve differently at old versions. The default ignores the version.
    fn resolve_at(&self, method: &Method, path: &str, version: usize) -> Resolution {
        let _ = version;
        self.resolve(method, path)
    }

    /// Gets the service ready to serve, once, before the first request:
    /// loads what it needs from outside (the keys that verify bearer tokens,
    /// with `auth jwt`). An error stops the server (or `App::new`) with its
    /// reason. The default has nothing to do.
    fn prepare(&self) -> std::io::Result<()> {
        Ok(())
    }

    /// The CORS policy the spec declares (`cors { origins [...] }`), with
    /// the request and response headers the API uses; `GATI_CORS_ORIGINS`
    /// replaces its origins. The default allows no origin.
    fn cors(&self) -> &'static CorsPolicy {
        &CorsPolicy::OFF
    }

    /// What built the server, for the `gati_build_info` metric and the
    /// control panel: generated crates give gatic's version and their
    /// spec's hash. The default says `unknown`.
    fn build(&self) -> BuildInfo {
        BuildInfo::UNKNOWN
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
    /// Whether the route authenticates its callers ([`Service::authenticate`]).
    pub auth: bool,
    /// Limits that refine the service-wide ones.
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
    /// Requests one client may make (a token bucket per client).
    pub rate: Option<RateLimit>,
}

impl RouteLimits {
    /// No overrides (usable in `static` items, unlike `Default::default`).
    pub const NONE: RouteLimits = RouteLimits {
        concurrency: None,
        queue: None,
        body: None,
        timeout_ms: None,
        rate: None,
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

/// Per-request context handed to handlers: who called (the principal),
/// the request itself (headers, extensions that middleware set), its id,
/// the API version and the deadline.
#[derive(Clone)]
pub struct Ctx {
    request_id: RequestId,
    route: &'static str,
    deadline: Instant,
    /// The negotiated version: its index in `Service::versions` and its date.
    version: Option<(usize, &'static str)>,
    /// The request: its head, its body once read, its path parameters.
    request: Request,
    /// What authentication returned for the caller, if anything.
    principal: Option<Principal>,
    /// The principal's id for the access log, when authentication gave one.
    principal_id: Option<Box<str>>,
}

/// A caller's principal, of the type the spec declares (`auth bearer ->
/// Caller`), shared rather than copied when a context is cloned.
pub type Principal = Arc<dyn std::any::Any + Send + Sync>;

impl std::fmt::Debug for Ctx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ctx")
            .field("request_id", &self.request_id.as_str())
            .field("route", &self.route)
            .field("version", &self.version())
            .field("method", &self.request.parts.method)
            .field("path", &self.request.path())
            .field("principal", &self.principal.is_some())
            .finish_non_exhaustive()
    }
}

impl Ctx {
    /// A context, for calling handlers outside the server (in tests): an
    /// empty `GET /` request, no version, no principal.
    pub fn new(request_id: &str, route: &'static str, deadline: Instant) -> Ctx {
        let request_id = HeaderValue::from_str(request_id).unwrap_or(HeaderValue::from_static("-"));
        let (parts, ()) = hyper::Request::new(()).into_parts();
        Ctx {
            request_id: RequestId::Given(request_id),
            route,
            deadline,
            version: None,
            request: Request {
                parts,
                body: Bytes::new(),
                params: PathParams::new(),
            },
            principal: None,
            principal_id: None,
        }
    }

    /// The same context for `request` (for calling handlers outside the
    /// server).
    pub fn with_request(mut self, request: Request) -> Ctx {
        self.request = request;
        self
    }

    /// The same context with `principal` as the caller's principal (for
    /// calling handlers outside the server).
    pub fn with_principal<P: std::any::Any + Send + Sync>(mut self, principal: P) -> Ctx {
        self.principal = Some(Arc::new(principal));
        self
    }

    /// The request: method, URI, headers, extensions, body, path parameters.
    pub fn request(&self) -> &Request {
        &self.request
    }

    /// The request's headers, declared or not.
    pub fn headers(&self) -> &HeaderMap {
        &self.request.parts.headers
    }

    /// The first value of request header `name` (any case), when it is
    /// visible ASCII text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.request.parts.headers.get(name)?.to_str().ok()
    }

    /// Per-request data that middleware (a `tower` layer in front of the
    /// service, see `serve_with`) put on the request.
    pub fn extensions(&self) -> &hyper::http::Extensions {
        &self.request.parts.extensions
    }

    /// The id of the caller's principal as the access log gives it (the
    /// principal's `sub`, `id` or `name` field), if authentication gave one.
    pub fn principal_id(&self) -> Option<&str> {
        self.principal_id.as_deref()
    }

    /// The caller's principal as authentication returned it, if the route
    /// authenticates and it is a `P`. Generated code offers a typed
    /// `principal()` for the spec's declared type.
    pub fn principal_as<P: std::any::Any>(&self) -> Option<&P> {
        self.principal.as_deref()?.downcast_ref()
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
        self.request_id.as_str()
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

/// Builds a multi-threaded tokio runtime, binds `GATI_HOST:PORT` (and the
/// admin listener on `GATI_ADMIN_PORT`, when set), serves until SIGTERM or
/// SIGINT, then drains.
pub fn run<S: Service>(service: S, config: Config) -> std::io::Result<()> {
    run_with(service, config, Direct)
}

/// [`run`], with every request and response passing through `layer`: any
/// `tower` layer (`tower-http`'s CORS, compression, trace, set-header…, or
/// a stack of them), which sees the runtime's own answers (404, 413, 429,
/// 503…) as well as the handlers'.
pub fn run_with<S: Service, L: Wrap<S>>(
    service: S,
    config: Config,
    layer: L,
) -> std::io::Result<()> {
    // Taken before the runtime's threads start: taking the sockets also
    // removes the protocol's variables from the environment.
    let (inherited, inherited_admin) = inherited_listeners()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let (listener, from) = match inherited {
            Some(listener) => {
                listener.set_nonblocking(true)?;
                (TcpListener::from_std(listener)?, Some("LISTEN_FDS"))
            }
            None => (
                TcpListener::bind((config.host.as_str(), config.port)).await?,
                None,
            ),
        };
        log_listening("listening", &listener, from);
        let admin = admin_listener(&config, inherited_admin).await?;
        serve_layered(service, config, listener, admin, layer, shutdown_signal()).await
    })
}

/// The listening socket this process was handed by the one that started
/// it, by the systemd socket-activation protocol: `LISTEN_FDS` sockets from
/// file descriptor 3 on, meant for this process when `LISTEN_PID` is its id
/// (or is unset, `listenfd`'s extension for launchers that cannot know the
/// id). The first one is taken, and must be a TCP listener; `None` when
/// none was passed. [`run`] serves on it instead of binding
/// `GATI_HOST:PORT`, which is how `gatic dev` and systemd keep one socket
/// open across restarts, so clients never see a refused connection.
///
/// The variables are removed from the environment (so processes this one
/// starts do not take the socket too): call it before starting threads.
/// Without the `listenfd` feature, nothing is ever inherited.
pub fn inherited_listener() -> std::io::Result<Option<std::net::TcpListener>> {
    Ok(inherited_listeners()?.0)
}

/// [`inherited_listener`], and a second socket when one was passed: the
/// admin listener's (`LISTEN_FDS=2`, as `gatic dev` passes them so that the
/// control panel stays at one address across restarts), served in place of
/// binding `GATI_ADMIN_PORT`.
pub fn inherited_listeners()
-> std::io::Result<(Option<std::net::TcpListener>, Option<std::net::TcpListener>)> {
    #[cfg(feature = "listenfd")]
    {
        let mut fds = listenfd::ListenFd::from_env();
        let api = fds.take_tcp_listener(0)?;
        let admin = if fds.len() > 1 {
            fds.take_tcp_listener(1)?
        } else {
            None
        };
        Ok((api, admin))
    }
    #[cfg(not(feature = "listenfd"))]
    {
        if std::env::var_os("LISTEN_FDS").is_some() {
            log(
                "warn",
                "LISTEN_FDS is set, but this server was built without the listenfd feature: binding PORT instead",
                &[],
            );
        }
        Ok((None, None))
    }
}

/// Tells the service manager how the server is doing, by systemd's notify
/// protocol: one datagram (`READY=1` once the server accepts, `STOPPING=1`
/// when it drains) to the Unix socket `NOTIFY_SOCKET` names (a name
/// starting with `@` is an abstract one, on Linux). `gatic dev` waits for
/// `READY=1` before it stops the server being replaced; so does systemd
/// for a `Type=notify` unit. Nothing happens without the variable, and a
/// failed send is logged, never fatal.
fn notify_service_manager(state: &str) {
    #[cfg(unix)]
    {
        let Some(target) = std::env::var_os("NOTIFY_SOCKET") else {
            return;
        };
        let sent = (|| -> std::io::Result<()> {
            let socket = std::os::unix::net::UnixDatagram::unbound()?;
            // A full queue on the other side must not hold the server up.
            socket.set_nonblocking(true)?;
            #[cfg(target_os = "linux")]
            if let Some(name) = target.as_encoded_bytes().strip_prefix(b"@") {
                use std::os::linux::net::SocketAddrExt;
                let address = std::os::unix::net::SocketAddr::from_abstract_name(name)?;
                socket.send_to_addr(state.as_bytes(), &address)?;
                return Ok(());
            }
            socket.send_to(state.as_bytes(), &target)?;
            Ok(())
        })();
        if let Err(error) = sent {
            log(
                "warn",
                "cannot notify the service manager",
                &[
                    ("NOTIFY_SOCKET", &target.to_string_lossy()),
                    ("state", state),
                    ("error", &error.to_string()),
                ],
            );
        }
    }
    #[cfg(not(unix))]
    let _ = state;
}

/// Completes on SIGTERM or SIGINT (never, if signals cannot be watched).
/// On Unix the handlers are installed by this call, not when the future is
/// first polled, so a signal sent as soon as the server says it is ready
/// (`READY=1`, which `gatic dev` waits for) is not missed.
fn shutdown_signal() -> impl Future<Output = ()> + Send {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let term = signal(SignalKind::terminate());
        let interrupt = signal(SignalKind::interrupt());
        async move {
            match (term, interrupt) {
                (Ok(mut term), Ok(mut interrupt)) => {
                    tokio::select! {
                        _ = term.recv() => {}
                        _ = interrupt.recv() => {}
                    }
                }
                (Ok(mut one), Err(_)) | (Err(_), Ok(mut one)) => {
                    one.recv().await;
                }
                (Err(_), Err(_)) => std::future::pending::<()>().await,
            }
        }
    }
    #[cfg(not(unix))]
    async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// Serves on an already bound listener until `shutdown` completes, then
/// drains: stops accepting, fails `/readyz`, lets in-flight requests finish
/// within the drain deadline, and returns. When `config.admin_port` is set,
/// the admin listener is bound on it first.
pub async fn serve<S: Service>(
    service: S,
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(service, config, listener, Direct, shutdown).await
}

/// [`serve`], with every request and response passing through `layer` (see
/// [`run_with`]).
pub async fn serve_with<S: Service, L: Wrap<S>>(
    service: S,
    config: Config,
    listener: TcpListener,
    layer: L,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let admin = admin_listener(&config, None).await?;
    serve_layered(service, config, listener, admin, layer, shutdown).await
}

/// The admin listener: the one `inherited` (handed over by `gatic dev` or
/// systemd), else one bound on `config.admin_port` if set, else none.
async fn admin_listener(
    config: &Config,
    inherited: Option<std::net::TcpListener>,
) -> std::io::Result<Option<TcpListener>> {
    let (admin, from) = match (inherited, config.admin_port) {
        (Some(admin), _) => {
            admin.set_nonblocking(true)?;
            (TcpListener::from_std(admin)?, Some("LISTEN_FDS"))
        }
        (None, Some(port)) => {
            let host = config.admin_host.as_deref().unwrap_or(&config.host);
            (TcpListener::bind((host, port)).await?, None)
        }
        (None, None) => return Ok(None),
    };
    log_listening("admin listening", &admin, from);
    Ok(Some(admin))
}

/// Logs `msg` with the listener's address, and the protocol it was
/// inherited by (`from`), if it was.
fn log_listening(msg: &str, listener: &TcpListener, from: Option<&str>) {
    let address = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    match from {
        Some(from) => log("info", msg, &[("address", &address), ("inherited", from)]),
        None => log("info", msg, &[("address", &address)]),
    }
}

/// [`serve`] with the admin listener bound by the caller (`None`: the
/// built-in endpoints stay on the API listener).
pub async fn serve_with_admin<S: Service>(
    service: S,
    config: Config,
    listener: TcpListener,
    admin: Option<TcpListener>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_layered(service, config, listener, admin, Direct, shutdown).await
}

/// [`serve_with_admin`] through `layer` (see [`run_with`]).
pub async fn serve_layered<S: Service, L: Wrap<S>>(
    service: S,
    config: Config,
    listener: TcpListener,
    admin: Option<TcpListener>,
    layer: L,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    install_panic_hook(config.log_panic_message);
    set_max_violations(config.max_violations);
    let shared = Arc::new(Shared::new(service, &config, admin.is_some())?);
    // No timer for HTTP/1: hyper's header timeout would start a timer per
    // request; `connection` enforces `header_timeout_ms` with one per
    // connection instead.
    let mut http1 = http1::Builder::new();
    http1.header_read_timeout(None).keep_alive(true);
    let mut auto = auto::Builder::new(TokioExecutor::new());
    auto.http1().header_read_timeout(None).keep_alive(true);
    let keepalive = Duration::from_millis(config.h2_keepalive_ms);
    auto.http2()
        .timer(TokioTimer::new())
        .max_concurrent_streams(config.h2_max_streams)
        .max_header_list_size(MAX_HEADER_LIST)
        .keep_alive_interval((config.h2_keepalive_ms > 0).then_some(keepalive))
        .keep_alive_timeout(keepalive);
    let builder = Arc::new(Builders { http1, auto });
    let layer = Arc::new(layer);
    let admin_task = admin.map(|admin| tokio::spawn(admin_loop(admin, shared.clone())));
    let sweeper = {
        let shared = shared.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(SWEEP_EVERY).await;
                shared.clients.sweep();
            }
        })
    };
    let slots = Arc::new(Semaphore::new(max_connections(&config)));
    let mut slot = None;
    let mut accept_errors = Throttled::default();
    let mut refused = Throttled::default();
    let mut backoff = ACCEPT_BACKOFF;
    let mut connections = JoinSet::new();
    let mut shutdown = pin!(shutdown);
    notify_service_manager("READY=1");
    loop {
        tokio::select! {
            biased;
            () = &mut shutdown => break,
            // Past `max_connections`, accepting waits until one closes: new
            // clients wait in the kernel's backlog, and the file descriptors
            // kept in reserve stay free for the admin listener.
            taken = slots.clone().acquire_owned(), if slot.is_none() => slot = taken.ok(),
            accepted = listener.accept(), if slot.is_some() => match accepted {
                Ok((stream, peer)) => {
                    backoff = ACCEPT_BACKOFF;
                    match shared.clients.connect(peer.ip()) {
                        Some(counted) => {
                            let held = slot.take();
                            connections.spawn(connection(stream, counted, held, shared.clone(), builder.clone(), layer.clone(), shared.stop.subscribe()));
                        }
                        None => {
                            shared.refused.fetch_add(1, Relaxed);
                            refused.note(|count| log("warn", "connection refused: too many from one address", &[
                                ("peer", &peer.ip().to_string()),
                                ("refused", &count.to_string()),
                            ]));
                        }
                    }
                }
                // Usually out of file descriptors: back off instead of
                // spinning, and log once a second rather than per failure.
                Err(error) => {
                    accept_errors.note(|count| log("warn", "accept failed", &[
                        ("error", &error.to_string()),
                        ("failures", &count.to_string()),
                    ]));
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(ACCEPT_BACKOFF_MAX);
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    shared.draining.store(true, Relaxed);
    shared.stop.send_replace(true);
    notify_service_manager("STOPPING=1");
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
    sweeper.abort();
    if let Some(admin) = admin_task {
        admin.abort();
    }
    super::trace::shutdown(&shared.tracing).await;
    log("info", "stopped", &[]);
    Ok(())
}

/// How often idle entries leave the per-client table.
const SWEEP_EVERY: Duration = Duration::from_secs(10);

/// The first pause after a failed accept; it doubles while accepts fail.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(10);

/// The longest pause after failed accepts.
const ACCEPT_BACKOFF_MAX: Duration = Duration::from_millis(500);

/// The largest HTTP/2 header block a client may send, in bytes (hyper's
/// HTTP/1 parser has its own, similar bound).
const MAX_HEADER_LIST: u32 = 16 * 1024;

/// File descriptors kept free below the process's limit when the number of
/// connections is not configured: for the admin listener, logs and the
/// handlers' own files and sockets.
const FD_RESERVE: u64 = 64;

/// The most API connections open at once: `GATI_MAX_CONNECTIONS`, else the
/// file descriptor limit less a reserve, else no practical limit.
fn max_connections(config: &Config) -> usize {
    let configured = config.max_connections.map(u64::from);
    let limit = configured.or_else(|| {
        let soft = open_files_limit()?;
        Some(soft.saturating_sub(FD_RESERVE).max(16))
    });
    let limit = limit.unwrap_or(u64::MAX);
    usize::try_from(limit)
        .unwrap_or(usize::MAX)
        .min(Semaphore::MAX_PERMITS)
}

/// The process's soft limit of open files, from `/proc/self/limits` (Linux);
/// `None` elsewhere, or when it is unlimited.
fn open_files_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line["Max open files".len()..]
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// A log line that repeats at most once a second, with the count of
/// occurrences since the last one it wrote.
#[derive(Default)]
struct Throttled {
    last: Option<Instant>,
    count: u64,
}

impl Throttled {
    /// Counts one occurrence, and calls `write` with the count when a second
    /// has passed since the last line.
    fn note(&mut self, write: impl FnOnce(u64)) {
        self.count += 1;
        let now = Instant::now();
        if self
            .last
            .is_none_or(|last| now.duration_since(last) >= Duration::from_secs(1))
        {
            write(self.count);
            self.count = 0;
            self.last = Some(now);
        }
    }
}

/// The same as [`Throttled`], shared between tasks.
#[derive(Default)]
struct SharedThrottle {
    /// Milliseconds since the server's start at the last line, plus one
    /// (0 = never).
    last: AtomicU64,
    /// Occurrences since the last line.
    count: AtomicU64,
}

impl SharedThrottle {
    /// Counts one occurrence, and calls `write` with the count since the
    /// last line when a second has passed since it.
    fn note(&self, since: Instant, write: impl FnOnce(u64)) {
        self.count.fetch_add(1, Relaxed);
        let now = u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX - 1) + 1;
        let last = self.last.load(Relaxed);
        let due = last == 0 || now.saturating_sub(last) >= 1000;
        if due
            && self
                .last
                .compare_exchange(last, now, Relaxed, Relaxed)
                .is_ok()
        {
            write(self.count.swap(0, Relaxed));
        }
    }
}

/// The connection builders: HTTP/1 alone, and hyper-util's `auto` for
/// connections that may be HTTP/2.
struct Builders {
    http1: http1::Builder,
    auto: auto::Builder<TokioExecutor>,
}

/// The first bytes of the HTTP/2 connection preface that tell it from any
/// HTTP/1 request line (no HTTP/1 method starts with them).
const PREFACE_START: &[u8] = b"PRI";

/// Serves one connection until it closes, shutting it down gracefully (the
/// current request finishes, keep-alive ends) when `stop` turns true, and
/// closing it when no request head arrives within the header timeout.
///
/// The connection's first bytes pick the protocol: anything that cannot
/// start the HTTP/2 preface is served by hyper's HTTP/1 connection directly,
/// which spares every request the `auto` wrapper's bookkeeping; the preface
/// (or too few bytes to tell) goes to the `auto` builder, which finds out.
async fn connection<S: Service, L: Wrap<S>>(
    stream: TcpStream,
    counted: super::clients::Connection,
    slot: Option<tokio::sync::OwnedSemaphorePermit>,
    shared: Arc<Shared<S>>,
    builders: Arc<Builders>,
    layer: Arc<L>,
    mut stop: watch::Receiver<bool>,
) {
    let _slot = slot;
    let first_request_by = Instant::now() + FIRST_REQUEST_GRACE;
    let _ = stream.set_nodelay(true);
    let mut head = [0u8; PREFACE_START.len()];
    let peeked = tokio::select! {
        biased;
        _ = stop.wait_for(|stop| *stop) => None,
        peeked = tokio::time::timeout(shared.header_timeout, stream.peek(&mut head)) => Some(peeked),
    };
    let peeked = match peeked {
        Some(peeked) => peeked,
        // Draining already: a connection this fresh still gets its first
        // request served (see `drive`), so it may take until then to send
        // its first bytes.
        None => {
            let by = tokio::time::Instant::from_std(first_request_by);
            tokio::time::timeout_at(by, stream.peek(&mut head)).await
        }
    };
    // Nothing in time, an error or the end of the stream: close.
    let http1 = match peeked {
        Ok(Ok(n)) if n > 0 => !PREFACE_START.starts_with(&head[..n]),
        _ => return,
    };
    let peer = stream
        .peer_addr()
        .map_or(IpAddr::from([0, 0, 0, 0]), |a| a.ip());
    let link = Arc::new(Link {
        shared,
        client: counted,
        peer,
        activity: AtomicU64::new(0),
        http2: AtomicBool::new(false),
    });
    let app = App { link: link.clone() };
    let job = Job {
        stream,
        link,
        builders,
        stop,
        http1,
        first_request_by,
    };
    layer.wrap_into(app, job).await;
}

/// A boxed error, as hyper and tower pass them.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// What the server puts in front of the service on each connection: nothing
/// ([`Direct`]), or any `tower` layer: every `tower_layer::Layer` whose
/// service answers hyper's requests is a `Wrap` (a `tower::ServiceBuilder`
/// stack of `tower-http` layers, say).
pub trait Wrap<S: Service>: Send + Sync + 'static {
    /// Wraps the connection's `app`, and serves the connection with the
    /// result (through `job`, the server's own half).
    #[doc(hidden)]
    fn wrap_into<J: ServeConnection>(&self, app: App<S>, job: J) -> ConnectionFuture;
}

/// The future that serves one connection.
#[doc(hidden)]
pub type ConnectionFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// The server's half of serving a connection: given the service to answer
/// its requests with, the future that serves it. A trait (rather than a
/// function) so that [`Direct`] can hand over a service whose type cannot
/// be named.
#[doc(hidden)]
pub trait ServeConnection {
    /// Serves the connection with `service`.
    fn serve<H, B>(self, service: H) -> ConnectionFuture
    where
        H: hyper::service::Service<hyper::Request<Incoming>, Response = hyper::Response<B>>
            + Send
            + 'static,
        H::Future: Send + 'static,
        H::Error: Into<BoxError>,
        B: Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<BoxError>;
}

/// No layer: the runtime answers hyper directly.
#[derive(Clone, Copy, Debug, Default)]
pub struct Direct;

impl<S: Service> Wrap<S> for Direct {
    fn wrap_into<J: ServeConnection>(&self, app: App<S>, job: J) -> ConnectionFuture {
        job.serve(hyper::service::service_fn(move |request| {
            handle(app.link.clone(), request)
        }))
    }
}

impl<S, L, B> Wrap<S> for L
where
    S: Service,
    L: tower_layer::Layer<App<S>> + Send + Sync + 'static,
    L::Service: tower_service::Service<hyper::Request<Incoming>, Response = hyper::Response<B>>
        + Clone
        + Send
        + 'static,
    <L::Service as tower_service::Service<hyper::Request<Incoming>>>::Future: Send + 'static,
    <L::Service as tower_service::Service<hyper::Request<Incoming>>>::Error: Into<BoxError>,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    fn wrap_into<J: ServeConnection>(&self, app: App<S>, job: J) -> ConnectionFuture {
        job.serve(hyper_util::service::TowerToHyperService::new(
            self.layer(app),
        ))
    }
}

/// One accepted connection, ready to be served by whatever the [`Wrap`]
/// hands it.
struct Job<S> {
    stream: TcpStream,
    link: Arc<Link<S>>,
    builders: Arc<Builders>,
    stop: watch::Receiver<bool>,
    /// Whether the connection's first bytes rule out HTTP/2.
    http1: bool,
    /// Until when a drain waits for the connection's first request.
    first_request_by: Instant,
}

impl<S: Service> ServeConnection for Job<S> {
    fn serve<H, B>(self, service: H) -> ConnectionFuture
    where
        H: hyper::service::Service<hyper::Request<Incoming>, Response = hyper::Response<B>>
            + Send
            + 'static,
        H::Future: Send + 'static,
        H::Error: Into<BoxError>,
        B: Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<BoxError>,
    {
        let Job {
            stream,
            link,
            builders,
            stop,
            http1,
            first_request_by,
        } = self;
        Box::pin(async move {
            if http1 {
                let io = TokioIo::new(ParseErrors::new(stream));
                let conn = pin!(builders.http1.serve_connection(io, service));
                drive(conn, &link, stop, first_request_by, |conn| {
                    conn.graceful_shutdown()
                })
                .await;
            } else {
                let io = TokioIo::new(stream);
                let conn = pin!(builders.auto.serve_connection(io, service));
                drive(conn, &link, stop, first_request_by, |conn| {
                    conn.graceful_shutdown()
                })
                .await;
            }
        })
    }
}

/// The service as a `tower::Service` (`tower_service::Service`), for any
/// request body: to call in-process ([`super::TestClient`] does), or to put
/// behind layers ([`serve_with`] does, one per connection). Requests go
/// through the whole lifecycle, limits and admission included: the service
/// is always ready, and a request that finds no slot is answered 503 like
/// any other.
pub struct App<S> {
    link: Arc<Link<S>>,
}

impl<S> Clone for App<S> {
    fn clone(&self) -> App<S> {
        App {
            link: self.link.clone(),
        }
    }
}

impl<S: Service> App<S> {
    /// The service with `config`, for calling in-process: requests count as
    /// coming from one client at 127.0.0.1 (their credentials, where routes
    /// authenticate, tell clients apart as they do over the network).
    pub fn new(service: S, config: &Config) -> std::io::Result<App<S>> {
        set_max_violations(config.max_violations);
        let shared = Arc::new(Shared::new(service, config, false)?);
        let peer = IpAddr::from([127, 0, 0, 1]);
        let client = shared.clients.attach(peer);
        Ok(App {
            link: Arc::new(Link {
                shared,
                client,
                peer,
                activity: AtomicU64::new(0),
                http2: AtomicBool::new(false),
            }),
        })
    }

    /// The service it runs.
    pub fn service(&self) -> &S {
        &self.link.shared.service
    }
}

impl<S, B> tower_service::Service<hyper::Request<B>> for App<S>
where
    S: Service,
    B: Body + Send + Unpin + 'static,
    B::Data: Send,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _: &mut std::task::Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: hyper::Request<B>) -> Self::Future {
        Box::pin(handle(self.link.clone(), request))
    }
}

/// Polls a connection until it closes, the server drains (then shuts it
/// down with `graceful`) or the header timeout passes. A drain waits until
/// `first_request_by` for a first request that has not started yet.
async fn drive<S: Service, C: Future>(
    mut conn: Pin<&mut C>,
    link: &Link<S>,
    mut stop: watch::Receiver<bool>,
    first_request_by: Instant,
    graceful: impl FnOnce(Pin<&mut C>),
) {
    let mut stopped = pin!(stop.wait_for(|stop| *stop));
    // The header timeout, watched in ticks: one timer per connection rather
    // than one per request (which is what hyper's own header timeout costs).
    let period = (link.shared.header_timeout / WATCH_TICKS).max(Duration::from_millis(1));
    let mut tick = pin!(tokio::time::sleep(period));
    let mut idle_ticks = 0;
    let mut seen = 0;
    let mut registered: Option<std::task::Waker> = None;
    let end = poll_fn(|cx| {
        if conn.as_mut().poll(cx).is_ready() {
            return Poll::Ready(End::Closed);
        }
        // The stop signal and the tick wake the waker they were last polled
        // with; a task's waker rarely changes, so they are polled again
        // only when it does, and otherwise their state is read directly.
        if !registered.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
            registered = Some(cx.waker().clone());
            if stopped.as_mut().poll(cx).is_ready() {
                return Poll::Ready(End::Stop);
            }
            let _ = tick.as_mut().poll(cx);
        }
        if link.shared.draining.load(Relaxed) {
            return Poll::Ready(End::Stop);
        }
        while tick.is_elapsed() {
            let activity = link.activity.load(Relaxed);
            if activity & IN_FLIGHT != 0 || activity != seen {
                idle_ticks = 0;
                seen = activity;
            } else {
                idle_ticks += 1;
                if idle_ticks >= WATCH_TICKS {
                    return Poll::Ready(End::Idle);
                }
            }
            let next = tick.deadline() + period;
            tick.as_mut().reset(next);
            let _ = tick.as_mut().poll(cx);
        }
        Poll::Pending
    })
    .await;
    let http2 = link.http2.load(Relaxed);
    let idle = link.activity.load(Relaxed) & IN_FLIGHT == 0;
    match end {
        End::Closed => {}
        // A connection accepted just before the drain, whose first request
        // has not started: clients send a request right after connecting,
        // so its head is most likely on its way, and closing the connection
        // would fail a request the client had every reason to think
        // accepted (the race a restart that hands its listening socket to
        // the next process must not lose). It gets until `first_request_by`
        // to start one, which is answered before the connection closes.
        End::Stop
            if !http2 && link.activity.load(Relaxed) == 0 && Instant::now() < first_request_by =>
        {
            graceful(conn.as_mut());
            let by = tokio::time::Instant::from_std(first_request_by);
            let started = tokio::time::timeout_at(
                by,
                poll_fn(|cx| match conn.as_mut().poll(cx) {
                    Poll::Ready(_) => Poll::Ready(false),
                    Poll::Pending if link.activity.load(Relaxed) != 0 => Poll::Ready(true),
                    Poll::Pending => Poll::Pending,
                }),
            )
            .await;
            if matches!(started, Ok(true)) {
                let _ = conn.await;
            }
        }
        // An HTTP/1 connection with no request in a handler has nothing to
        // finish: a half-sent head or an idle keep-alive connection is
        // closed at once rather than holding the drain.
        End::Stop | End::Idle if !http2 && idle => {}
        End::Stop => {
            graceful(conn.as_mut());
            let _ = conn.await;
        }
        // An idle HTTP/2 connection gets a GOAWAY, and a short while to
        // read it.
        End::Idle => {
            graceful(conn.as_mut());
            let _ = tokio::time::timeout(Duration::from_secs(1), conn).await;
        }
    }
}

/// How [`connection`] stopped waiting.
enum End {
    /// The connection closed.
    Closed,
    /// The server is draining.
    Stop,
    /// No request head arrived within the header timeout, and no request
    /// is being served.
    Idle,
}

/// How long after its accept a connection that has not started its first
/// request is still waited for by a drain: its head is on its way, one lost
/// packet's retransmission included. Older silent or half-sent connections
/// are closed at once, so they cannot hold a drain up.
const FIRST_REQUEST_GRACE: Duration = Duration::from_millis(500);

/// Ticks per header timeout: a connection with no request in flight and
/// none finished for this many ticks in a row is closed, so a missing head
/// is cut off after 1 to 1.25 times the timeout.
const WATCH_TICKS: u32 = 4;

/// The low half of [`Link::activity`]: requests in a handler.
const IN_FLIGHT: u64 = 0xffff_ffff;

/// One request finished: added to [`Link::activity`] with the in-flight
/// count's decrement.
const FINISHED: u64 = 1 << 32;

/// What one connection's requests share with the task serving it.
struct Link<S> {
    shared: Arc<Shared<S>>,
    /// The connection's peer address, counted as one client.
    client: super::clients::Connection,
    /// The peer's IP address.
    peer: IpAddr,
    /// Requests being served (the low 32 bits) and requests finished (the
    /// high 32 bits, wrapping): the header-timeout watchdog's view.
    activity: AtomicU64,
    /// Whether the connection speaks HTTP/2.
    http2: AtomicBool,
}

/// Ends a request's count as in flight on its connection when dropped
/// (`handle` starts it).
struct Active<'a>(&'a AtomicU64);

impl Drop for Active<'_> {
    fn drop(&mut self) {
        self.0.fetch_add(FINISHED - 1, Relaxed);
    }
}

/// An event stream counted as a request in flight on its connection (so
/// the idle watchdog leaves the connection open, and a drain waits for the
/// stream's end), until dropped.
struct Streaming<S>(Arc<Link<S>>);

impl<S> Streaming<S> {
    fn new(link: &Arc<Link<S>>) -> Streaming<S> {
        link.activity.fetch_add(1, Relaxed);
        Streaming(link.clone())
    }
}

impl<S> Drop for Streaming<S> {
    fn drop(&mut self) {
        self.0.activity.fetch_add(FINISHED - 1, Relaxed);
    }
}

/// State shared by every connection.
struct Shared<S> {
    service: S,
    /// Per version, oldest first: the headers stamped on its responses.
    versions: Box<[VersionHeaders]>,
    /// [`Service::version_header`], parsed once.
    version_header: HeaderName,
    /// The version of requests that name none.
    default_version: usize,
    routes: Box<[RouteState]>,
    /// Counters for 404s and 405s.
    unrouted: RouteMetrics,
    gate: Gate,
    queue_timeout: Duration,
    /// How long a connection may go without a request head.
    header_timeout: Duration,
    /// The slowest a body may arrive after its grace period, in bytes per
    /// second (0 = no minimum).
    body_min_rate: u64,
    body_grace: Duration,
    /// Connections, requests in flight, rate limits and rejected
    /// credentials, per client.
    clients: Clients,
    /// The service-wide rate limit per client, if any.
    rate: Option<RateLimit>,
    /// Whether `/healthz`, `/readyz` and `/metrics` are answered on the API
    /// listener (no admin listener, or `GATI_API_HEALTH`), and whether
    /// `/metrics` is (no admin listener).
    api_health: bool,
    api_metrics: bool,
    /// Whether `/docs` is served (`GATI_DOCS`).
    docs: bool,
    /// Connections refused because their address had too many.
    refused: AtomicU64,
    /// Rejected credentials, logged at most once a second.
    auth_log: SharedThrottle,
    /// The most bytes of an unread body thrown away after an early answer.
    linger_limit: u64,
    /// The CORS policy in effect, if any origin may call.
    cors: Option<Cors>,
    /// Event streams open at once: a slot each (`max_event_streams`).
    event_streams: Arc<Semaphore>,
    /// Turns true when the server drains: connections shut down gracefully
    /// and event streams end.
    stop: watch::Sender<bool>,
    started: Instant,
    draining: AtomicBool,
    /// The access log, when `GATI_ACCESS_LOG` is not `off`.
    access_log: Option<AccessLogger>,
    /// The tracer, when `OTEL_*` names a collector (and the `otel` feature
    /// is built in).
    tracing: Option<super::trace::Tracing>,
    /// The control panel's state, when there is an admin listener to serve
    /// it on.
    panel: Option<Panel>,
}

/// One route's resolved limits, gate and counters.
struct RouteState {
    name: &'static str,
    auth: bool,
    gate: Option<Gate>,
    body_limit: u64,
    timeout: Duration,
    rate: Option<RateLimit>,
    metrics: RouteMetrics,
}

impl<S: Service> Shared<S> {
    fn new(service: S, config: &Config, has_admin: bool) -> std::io::Result<Shared<S>> {
        service.prepare()?;
        let table = service.versions();
        let version_header = version::header_name(service.version_header())?;
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
        // Each setting: the environment's value, else the spec's (the
        // route's own, else the service's), else the built-in default.
        let service_limits = service.limits();
        let concurrency = config
            .concurrency
            .or(service_limits.concurrency)
            .unwrap_or(defaults::CONCURRENCY);
        let queue = config
            .queue
            .or(service_limits.queue)
            .unwrap_or(defaults::QUEUE);
        let routes = service
            .routes()
            .iter()
            .map(|info| {
                let l = info.limits;
                // A route's own gate is a further cap that only the spec
                // sets; the environment sizes the service-wide gate.
                let gate = (l.concurrency.is_some() || l.queue.is_some()).then(|| {
                    Gate::new(
                        l.concurrency.unwrap_or(concurrency),
                        l.queue.unwrap_or(queue),
                    )
                });
                let body_limit = config
                    .max_body
                    .or(l.body)
                    .or(service_limits.body)
                    .unwrap_or(defaults::MAX_BODY);
                let timeout_ms = config
                    .timeout_ms
                    .or(l.timeout_ms)
                    .or(service_limits.timeout_ms)
                    .unwrap_or(defaults::TIMEOUT_MS);
                RouteState {
                    name: info.name,
                    auth: info.auth,
                    gate,
                    body_limit,
                    timeout: Duration::from_millis(timeout_ms),
                    rate: l.rate.filter(|r| !r.is_off()),
                    metrics: RouteMetrics::new(table.len()),
                }
            })
            .collect();
        let client_concurrency = config
            .client_concurrency
            .unwrap_or((concurrency / 4).max(1));
        let cors = Cors::new(service.cors(), config.cors_origins.as_deref());
        Ok(Shared {
            service,
            versions: table
                .iter()
                .map(|info| VersionHeaders::new(info, &version_header))
                .collect(),
            version_header,
            default_version,
            routes,
            unrouted: RouteMetrics::new(table.len()),
            gate: Gate::new(concurrency, queue),
            queue_timeout: Duration::from_millis(config.queue_timeout_ms),
            header_timeout: Duration::from_millis(config.header_timeout_ms),
            body_min_rate: config.body_min_rate,
            body_grace: Duration::from_millis(config.body_grace_ms),
            clients: Clients::new(
                config.client_connections,
                client_concurrency,
                config.auth_failure_rate,
            ),
            rate: config.rate.or(service_limits.rate).filter(|r| !r.is_off()),
            api_health: !has_admin || config.api_health,
            api_metrics: !has_admin,
            docs: config.docs,
            refused: AtomicU64::new(0),
            auth_log: SharedThrottle::default(),
            linger_limit: config
                .max_body
                .or(service_limits.body)
                .unwrap_or(defaults::MAX_BODY),
            cors,
            event_streams: Arc::new(Semaphore::new(config.max_event_streams as usize)),
            stop: watch::Sender::new(false),
            started: Instant::now(),
            draining: AtomicBool::new(false),
            access_log: AccessLogger::new(config),
            tracing: super::trace::Tracing::start(&config.trace)?,
            panel: has_admin.then(|| {
                Panel::new(
                    table.len(),
                    panel::settings(config, &service_limits),
                    config.access_log,
                )
            }),
        })
    }
}

/// Answers one request; never fails and never panics.
///
/// Routing happens here, before the future exists, and the future then does
/// all the rest in one `async` block that uses what it captured in place:
/// nested async functions, and values moved out of captures, would each add
/// their size to the future, which hyper moves (copying it whole) before
/// polling it. Stages that have to wait (authentication, a contended gate, a
/// body still arriving, a handler that returns `Pending`) take their slower
/// paths only then.
///
/// The order is the lifecycle's: everything decided from the head alone
/// (built-ins, `Host`, version, route, declared length, authentication,
/// per-client limits) comes before an admission slot is taken, and the body
/// is read only after that, under a minimum data rate. So a client without
/// a credential never holds a slot, and `100 Continue` (which hyper sends
/// when the body is first read) goes only to accepted credentials.
fn handle<S: Service, B>(
    link: Arc<Link<S>>,
    request: hyper::Request<B>,
) -> impl Future<Output = Result<Response, Infallible>> + Send + 'static
where
    B: Body + Send + Unpin + 'static,
    B::Data: Send,
{
    link.activity.fetch_add(1, Relaxed);
    if request.version() == hyper::Version::HTTP_2 {
        link.http2.store(true, Relaxed);
    }
    let start = Instant::now();
    let (id, asked, head) = RequestId::and_head(request.headers(), &link.shared.version_header);
    let (mut parts, incoming) = request.into_parts();
    // The request's span (when tracing), the caller's `traceparent` its parent.
    let trace = super::trace::RequestTrace::start(&link.shared.tracing, &mut parts);
    // A body the request may still send, unless the client waits for `100
    // Continue` before sending it.
    let pending = !incoming.is_end_stream() && !head.expects_continue;
    // The origin is kept only when CORS is on: the answer is stamped for it.
    let origin = head.origin.filter(|_| link.shared.cors.is_some());
    // The method and path, kept (boxed, so the future grows by a word) only
    // for the access log: routing consumes the request.
    let access = link
        .shared
        .access_log
        .as_ref()
        .map(|_| Box::new((parts.method.clone(), parts.uri.clone())));
    let mut routed = route(
        &link.shared,
        parts,
        &incoming,
        head.hosts,
        origin.as_ref(),
        asked,
        id,
        start,
    );
    let mut incoming = Some(incoming);
    async move {
        let _active = Active(&link.activity);
        let shared = &*link.shared;
        // Whether the body was read (else an answer was given without it).
        let mut body_read = false;
        // Then the body's length as read (0 when unread), and the
        // principal's id when authentication gave one.
        let (mut response, counters, version, id, bytes_in, principal) = match &mut routed {
            Routed::Answer(response, counters, version, id) => {
                let response = response.take().unwrap_or_else(|| empty_response(500));
                (response, *counters, *version, &*id, 0, None)
            }
            Routed::Run(run) => {
                // The deadline counts from the request's arrival, so time
                // spent authenticating and queued for a slot counts against
                // it: the client's wait stays bounded.
                let deadline = run.ctx.deadline;
                // One timer for every stage, created only when a stage has
                // to wait: a body that has already arrived and a handler
                // that answers at once (the common case) cost no timer.
                let mut timer: Option<Pin<Box<tokio::time::Sleep>>> = None;
                let response = 'run: {
                    let route = &shared.routes[run.route];

                    // Authentication, from the head alone.
                    let mut credential_key = None;
                    let by_credential;
                    let client: &Arc<Client> = if route.auth {
                        let wait = shared.clients.failure_wait(link.client.client());
                        if !wait.is_zero() {
                            route.metrics.limited();
                            break 'run too_many(
                                wait,
                                "too many rejected credentials from this address",
                            );
                        }
                        let (principal, principal_id) = {
                            let (service, index) = (&shared.service, run.route);
                            let ctx = &run.ctx;
                            let future = catch_unwind(AssertUnwindSafe(|| {
                                CATCHING.set(true);
                                let future = service.authenticate(index, ctx);
                                CATCHING.set(false);
                                future
                            }));
                            let Ok(future) = future else {
                                CATCHING.set(false);
                                break 'run panicked(route, &ctx.request_id);
                            };
                            let future = pin!(future);
                            let mut caller = match guarded(future, deadline, &mut timer).await {
                                Called::Done(Ok(caller)) => caller,
                                Called::Done(Err(
                                    Denied::Missing(problem) | Denied::Forbidden(problem),
                                )) => {
                                    break 'run problem.into_response();
                                }
                                Called::Done(Err(Denied::Rejected(problem))) => {
                                    shared.clients.failed(link.client.client());
                                    route.metrics.auth_failed();
                                    shared.auth_log.note(shared.started, |count| {
                                        log(
                                            "warn",
                                            "credential rejected",
                                            &[
                                                ("peer", &link.peer.to_string()),
                                                ("route", route.name),
                                                ("request_id", ctx.request_id()),
                                                ("rejected_since_last_line", &count.to_string()),
                                            ],
                                        )
                                    });
                                    break 'run problem.into_response();
                                }
                                Called::Panicked => break 'run panicked(route, &ctx.request_id),
                                Called::TimedOut => break 'run timed_out(route),
                            };
                            // Limits count per credential (hashed) when
                            // there is one, else per address.
                            if let Some(credential) = caller.credential() {
                                credential_key =
                                    Some(shared.clients.credential(credential.secret()));
                            }
                            (caller.take_principal(), caller.take_principal_id())
                        };
                        // The caller's borrow of the request has ended: the
                        // principal moves into the context.
                        run.ctx.principal = principal;
                        run.ctx.principal_id = principal_id;
                        match credential_key {
                            None => link.client.client(),
                            Some(key) => {
                                by_credential = shared.clients.client(key);
                                &by_credential
                            }
                        }
                    } else {
                        link.client.client()
                    };

                    // Per-client fairness: requests in flight, then the
                    // service-wide and the route's rate limits.
                    let Some(_in_flight) = client.enter(shared.clients.in_flight_cap) else {
                        route.metrics.limited();
                        break 'run too_many(
                            Duration::from_secs(1),
                            "this client has too many requests in flight",
                        );
                    };
                    if let Some(Err(wait)) = shared
                        .rate
                        .as_ref()
                        .map(|rate| shared.clients.take(client, rate))
                    {
                        route.metrics.limited();
                        break 'run too_many(wait, "this client is over its rate limit");
                    }
                    if let Some(rate) = &route.rate {
                        let key = credential_key.unwrap_or(ClientKey::address(link.peer));
                        if let Err(wait) = shared.clients.take_route(key, run.route, rate) {
                            route.metrics.limited();
                            break 'run too_many(
                                wait,
                                "this client is over the route's rate limit",
                            );
                        }
                    }

                    // Admission: a free slot is taken at once; waiting in
                    // line (boxed, so that the common path does not carry
                    // its state) only when there is none.
                    let queue_deadline =
                        || tokio::time::Instant::from_std(start + shared.queue_timeout);
                    let _route_slot = match &route.gate {
                        None => None,
                        Some(gate) => match gate.try_enter() {
                            Some(slot) => Some(slot),
                            None => match Box::pin(gate.enter(queue_deadline())).await {
                                Ok(slot) => Some(slot),
                                Err(shed) => break 'run overloaded(route, shed),
                            },
                        },
                    };
                    let _slot = match shared.gate.try_enter() {
                        Some(slot) => slot,
                        None => match Box::pin(shared.gate.enter(queue_deadline())).await {
                            Ok(slot) => slot,
                            Err(shed) => break 'run overloaded(route, shed),
                        },
                    };
                    let _in_flight = route.metrics.enter();

                    // The body, under the route's limit and a minimum data
                    // rate after a grace period (like nginx's
                    // `client_body_timeout`, by rate rather than per read):
                    // a slow body cannot hold its slot until the deadline.
                    body_read = true;
                    let Some(incoming) = incoming.as_mut() else {
                        break 'run empty_response(500);
                    };
                    let read = if incoming.is_end_stream() {
                        Ok(Bytes::new())
                    } else {
                        let mut reader = BodyReader::new(route.body_limit);
                        let (rate, grace) = (shared.body_min_rate, shared.body_grace);
                        // The clock is read only if the body has to be
                        // waited for (it usually came with the head).
                        let mut began = None;
                        let read = poll_fn(|cx| {
                            if let Poll::Ready(read) = reader.poll(Pin::new(&mut *incoming), cx) {
                                return Poll::Ready(Ok(read));
                            }
                            let began = *began.get_or_insert_with(Instant::now);
                            let allowed = match rate {
                                0 => deadline,
                                rate => {
                                    let nanos =
                                        u128::from(reader.total) * 1_000_000_000 / u128::from(rate);
                                    let earned = Duration::from_nanos(
                                        u64::try_from(nanos).unwrap_or(u64::MAX),
                                    );
                                    deadline.min(began + grace + earned)
                                }
                            };
                            let timer = timer.get_or_insert_with(|| {
                                Box::pin(tokio::time::sleep_until(allowed.into()))
                            });
                            if timer.deadline() != allowed.into() {
                                timer.as_mut().reset(allowed.into());
                            }
                            match timer.as_mut().poll(cx) {
                                Poll::Ready(()) => Poll::Ready(Err(allowed < deadline)),
                                Poll::Pending => Poll::Pending,
                            }
                        })
                        .await;
                        match read {
                            Ok(read) => read,
                            Err(too_slow) => {
                                let detail = if too_slow {
                                    "the request body arrived too slowly"
                                } else {
                                    "the request body took too long to arrive"
                                };
                                break 'run Problem::new(408, detail)
                                    .with_header(CONNECTION, HeaderValue::from_static("close"))
                                    .into_response();
                            }
                        }
                    };
                    run.ctx.request.body = match read {
                        Ok(body) => body,
                        Err(BodyError::TooLarge) => break 'run too_large(route.body_limit),
                        Err(BodyError::Broken) => {
                            break 'run Problem::new(400, "the request body could not be read")
                                .into_response();
                        }
                    };

                    // The handler's future, created and polled under
                    // `catch_unwind`: a panic in either is a 500, and no task
                    // is spawned. It borrows the request and the context
                    // from `run`, where they were built when routing.
                    let (service, index) = (&shared.service, run.route);
                    let ctx = &run.ctx;
                    let Ok(future) = catch_unwind(AssertUnwindSafe(|| {
                        CATCHING.set(true);
                        let future = service.call(index, ctx);
                        CATCHING.set(false);
                        future
                    })) else {
                        CATCHING.set(false);
                        break 'run panicked(route, &ctx.request_id);
                    };
                    // Pinned where it lies: the handler's future, often the
                    // largest part of the request's, is never moved.
                    let future = pin!(future);
                    match guarded(future, deadline, &mut timer).await {
                        Called::Done(mut response) => {
                            if response.body().is_stream() {
                                // An event stream goes on after the handler:
                                // it holds a stream slot, counts as in flight
                                // for its client and its connection, and ends
                                // when the server drains. Its admission slot
                                // is given back now.
                                match shared.event_streams.clone().try_acquire_owned() {
                                    Ok(slot) => {
                                        let held = (slot, client.hold(), Streaming::new(&link));
                                        let mut stop = shared.stop.subscribe();
                                        response.body_mut().hold(
                                            async move {
                                                let _ = stop.wait_for(|stop| *stop).await;
                                            },
                                            Box::new(held),
                                        );
                                    }
                                    Err(_) => {
                                        route.metrics.limited();
                                        response = Problem::new(
                                            503,
                                            "too many event streams are open; retry later",
                                        )
                                        .with_header(RETRY_AFTER, HeaderValue::from_static("1"))
                                        .into_response();
                                    }
                                }
                            }
                            response
                        }
                        Called::Panicked => panicked(route, &ctx.request_id),
                        Called::TimedOut => timed_out(route),
                    }
                };
                let version = run.ctx.version_index();
                (
                    response,
                    Counters::Route(run.route),
                    version,
                    &run.ctx.request_id,
                    run.ctx.request.body.len(),
                    run.ctx.principal_id.as_deref(),
                )
            }
        };
        let metrics = match counters {
            Counters::None => None,
            Counters::Unrouted => Some(&shared.unrouted),
            Counters::Route(index) => shared.routes.get(index).map(|r| &r.metrics),
        };
        if let Some(metrics) = metrics {
            metrics.observe(response.status().as_u16(), start.elapsed(), version);
        }
        let headers = response.headers_mut();
        if let Some(stamp) = version.and_then(|i| shared.versions.get(i)) {
            stamp.stamp(headers);
        }
        headers.insert(X_REQUEST_ID, id.to_header());
        if let Some(cors) = &shared.cors {
            cors.stamp(origin.as_ref(), headers);
        }
        let route_name = match counters {
            Counters::Route(index) => shared.routes.get(index).map(|r| r.name),
            Counters::None | Counters::Unrouted => None,
        };
        let date = version.and_then(|i| shared.versions.get(i)).map(|v| v.date);
        if let Some(panel) = &shared.panel
            && response.status().as_u16() >= 400
        {
            let body = response.body().bytes();
            panel.error(
                response.status().as_u16(),
                id.as_str(),
                route_name,
                date,
                &body,
            );
        }
        if let (Some(logger), Some(access)) = (&shared.access_log, &access)
            && logger.wants(response.status().as_u16())
        {
            let route = route_name;
            let line = Entry {
                request_id: id.as_str(),
                method: access.0.as_str(),
                path: access.1.path(),
                route,
                version: date,
                principal,
                status: response.status().as_u16(),
                latency: start.elapsed(),
                bytes_in: bytes_in as u64,
                bytes_out: response.body().size_hint().exact(),
                peer: link.peer,
                trace_id: trace.trace_id(),
                span_id: trace.span_id(),
            }
            .write();
            if let Some(panel) = &shared.panel {
                panel.log_line(line);
            }
        }
        if trace.is_on() {
            let info = match counters {
                Counters::Route(index) => shared.service.routes().get(index),
                Counters::None | Counters::Unrouted => None,
            };
            let date = version.and_then(|i| shared.versions.get(i)).map(|v| v.date);
            trace.end(response.status().as_u16(), info, date);
        }
        if pending
            && !body_read
            && let Some(body) = incoming.take()
        {
            linger(body, shared.linger_limit);
        }
        Ok(response)
    }
}

/// How long an unread body is read and thrown away after an early answer.
const LINGER: Duration = Duration::from_secs(2);

/// Reads and throws away, for at most [`LINGER`] and `limit` bytes, the body
/// of a request answered before its body was read (401, 429, 503, 404…), as
/// nginx's lingering close does: closing a socket with unread data resets
/// it, and the client may then lose the answer before reading it. A body
/// that ends in time leaves the connection usable; any other is cut.
fn linger<B>(mut body: B, limit: u64)
where
    B: Body + Send + Unpin + 'static,
    B::Data: Send,
{
    tokio::spawn(async move {
        let mut read = 0u64;
        let _ = tokio::time::timeout(LINGER, async {
            while let Some(Ok(frame)) = http_body_util::BodyExt::frame(&mut body).await {
                read += frame.data_ref().map_or(0, |d| d.remaining() as u64);
                if read > limit {
                    return;
                }
            }
        })
        .await;
    });
}

/// How a guarded future ended.
enum Called<T> {
    Done(T),
    Panicked,
    TimedOut,
}

/// Polls `future` under `catch_unwind` until it is ready, panics, or
/// `deadline` passes; the timer is created only if the future has to wait,
/// and shared with the other stages of the request.
fn guarded<'f, F: Future>(
    mut future: Pin<&'f mut F>,
    deadline: Instant,
    timer: &'f mut Option<Pin<Box<tokio::time::Sleep>>>,
) -> impl Future<Output = Called<F::Output>> + 'f {
    poll_fn(move |cx| {
        CATCHING.set(true);
        let polled = catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(cx)));
        CATCHING.set(false);
        match polled {
            Ok(Poll::Ready(output)) => return Poll::Ready(Called::Done(output)),
            Ok(Poll::Pending) => {}
            Err(_) => return Poll::Ready(Called::Panicked),
        }
        let timer =
            timer.get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline.into())));
        if timer.deadline() != deadline.into() {
            timer.as_mut().reset(deadline.into());
        }
        match timer.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Called::TimedOut),
            Poll::Pending => Poll::Pending,
        }
    })
}

/// The 504 of a request that ran past its deadline.
fn timed_out(route: &RouteState) -> Response {
    Problem::new(
        504,
        format!(
            "the request did not finish within {} ms",
            route.timeout.as_millis()
        ),
    )
    .into_response()
}

/// A 429 with `Retry-After` in whole seconds (rounded up, at least 1).
fn too_many(wait: Duration, detail: &'static str) -> Response {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let seconds = seconds.max(1);
    let value =
        HeaderValue::from_str(&seconds.to_string()).unwrap_or(HeaderValue::from_static("1"));
    Problem::new(429, detail)
        .with_header(RETRY_AFTER, value)
        .into_response()
}

/// Which counters record a response.
#[derive(Clone, Copy)]
enum Counters {
    /// None: built-in endpoints are not counted.
    None,
    /// Those of requests that matched no route.
    Unrouted,
    /// Those of the route with this index.
    Route(usize),
}

/// What routing decided.
// Boxing `Run` would cost an allocation per request; the enum is built once
// and lives in the request's future, so its size is paid once either way.
#[allow(clippy::large_enum_variant)]
enum Routed {
    /// An answer already (a built-in endpoint, a bad `Host`, a version
    /// problem, 404, 405 or 413), the counters to record it in, the version
    /// and the request id.
    Answer(Option<Response>, Counters, Option<usize>, RequestId),
    /// A route to run.
    Run(Run),
}

/// A routed request, ready for authentication and admission. The handler
/// borrows `ctx` (and the request in it, whose body is filled in once
/// read) from here, so it is not moved or copied after routing.
struct Run {
    /// The route's index in `Service::routes`.
    route: usize,
    ctx: Ctx,
}

/// Built-ins, `Host`, version negotiation, routing and the declared body
/// length: everything decided before authentication, without waiting.
#[allow(clippy::too_many_arguments)]
fn route<S: Service>(
    shared: &Shared<S>,
    request: hyper::http::request::Parts,
    body: &impl Body,
    hosts: u8,
    origin: Option<&HeaderValue>,
    asked: Option<HeaderValue>,
    id: RequestId,
    start: Instant,
) -> Routed {
    let path = request.uri.path();
    let early = Some;
    if let Some(response) = builtin(shared, &request.method, path) {
        return Routed::Answer(early(response), Counters::None, None, id);
    }
    // RFC 9112 §3.2: exactly one Host in HTTP/1.1 (HTTP/2 may carry the
    // authority alone, and HTTP/1.0 may omit it, but never two).
    if hosts > 1 || (hosts == 0 && request.version == hyper::Version::HTTP_11) {
        let detail = if hosts == 0 {
            "an HTTP/1.1 request needs a Host header"
        } else {
            "a request may have only one Host header"
        };
        let response = Problem::new(400, detail)
            .with_header(CONNECTION, HeaderValue::from_static("close"))
            .into_response();
        return Routed::Answer(Some(response), Counters::Unrouted, None, id);
    }
    // A CORS preflight is answered from the policy, before version
    // negotiation (a browser sends no version header with it).
    if request.method == Method::OPTIONS
        && let (Some(cors), Some(origin)) = (&shared.cors, origin)
        && let Some(response) = cors.preflight(origin, &request.headers)
    {
        return Routed::Answer(Some(response), Counters::None, None, id);
    }
    let unrouted = Counters::Unrouted;
    let version = if shared.versions.is_empty() {
        None
    } else {
        let table = shared.service.versions();
        let negotiated = version::negotiate_by(
            asked.as_ref(),
            request.uri.query(),
            table,
            shared.default_version,
            version::unix_now,
        );
        match negotiated {
            Ok(index) => Some(index),
            Err(error) => {
                let response = error.into_response_for(
                    shared.service.version_header(),
                    table,
                    version::unix_now(),
                );
                return Routed::Answer(early(response), unrouted, None, id);
            }
        }
    };
    let resolve = |method: &Method| match version {
        Some(v) => shared.service.resolve_at(method, path, v),
        None => shared.service.resolve(method, path),
    };
    let mut resolution = resolve(&request.method);
    // HEAD is served by every GET route that no HEAD route shadows (hyper
    // sends the head without the body).
    if request.method == Method::HEAD
        && !matches!(resolution, Resolution::Route(..))
        && let found @ Resolution::Route(..) = resolve(&Method::GET)
    {
        resolution = found;
    }
    let (index, params) = match resolution {
        Resolution::Route(index, params) => (index, params),
        Resolution::NotFound => {
            let old = version.filter(|v| v + 1 < shared.versions.len());
            let detail = match old.and_then(|v| shared.versions.get(v)) {
                Some(v) => format!("no route matches this path at API version {}", v.date),
                None => "no route matches this path".to_owned(),
            };
            let response = Problem::new(404, detail).into_response();
            return Routed::Answer(early(response), unrouted, version, id);
        }
        Resolution::MethodNotAllowed(allow) => {
            let mut problem = Problem::new(405, format!("this path allows {allow}"));
            if let Ok(value) = HeaderValue::from_str(allow) {
                problem = problem.with_header(ALLOW, value);
            }
            return Routed::Answer(early(problem.into_response()), unrouted, version, id);
        }
    };
    let Some(route) = shared.routes.get(index) else {
        let problem = Problem::new(500, "the router chose a route that does not exist");
        return Routed::Answer(early(problem.into_response()), unrouted, version, id);
    };
    if body.size_hint().lower() > route.body_limit {
        let response = too_large(route.body_limit);
        return Routed::Answer(early(response), Counters::Route(index), version, id);
    }
    let version = version.and_then(|v| shared.versions.get(v).map(|h| (v, h.date)));
    Routed::Run(Run {
        route: index,
        ctx: Ctx {
            request_id: id,
            route: route.name,
            deadline: start + route.timeout,
            version,
            request: Request {
                parts: request,
                body: Bytes::new(),
                params,
            },
            principal: None,
            principal_id: None,
        },
    })
}

/// Logs a handler's panic as one JSON line (with the panic's message and
/// location, which the panic hook kept, unless `GATI_LOG_PANIC_MESSAGE` is
/// off); the client gets a 500 that says nothing of it.
fn panicked(route: &RouteState, id: &RequestId) -> Response {
    let caught = CAUGHT.take();
    let (message, location) = caught.as_ref().map_or(("", ""), |c| (&c.0, &c.1));
    let mut fields = vec![("route", route.name), ("request_id", id.as_str())];
    if LOG_PANIC_MESSAGE.load(Relaxed) {
        fields.push(("message", message));
    }
    fields.push(("location", location));
    log("error", "handler panicked", &fields);
    Problem::new(500, "the handler failed").into_response()
}

thread_local! {
    /// Set while a handler's future is created or polled: a panic then is
    /// caught and logged by [`panicked`], so the hook only keeps its
    /// message here instead of writing it.
    static CATCHING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// The message and location of the panic being caught.
    static CAUGHT: std::cell::RefCell<Option<(String, String)>> = const { std::cell::RefCell::new(None) };
}

/// Whether panic messages go into log lines (`GATI_LOG_PANIC_MESSAGE`).
static LOG_PANIC_MESSAGE: AtomicBool = AtomicBool::new(true);

/// Replaces the default panic hook, which writes plain text (and maybe a
/// backtrace) to stderr, with one that keeps every panic in the JSON log:
/// a handler's panic is logged once, with its route and request id, where
/// it is caught; any other panic (a task the handler spawned, a thread) is
/// logged here, with a backtrace when `RUST_BACKTRACE` asks for one.
fn install_panic_hook(log_message: bool) {
    LOG_PANIC_MESSAGE.store(log_message, Relaxed);
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            let payload = info.payload();
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "(not text)".to_owned());
            let location = info
                .location()
                .map(|l| format!("{}:{}", l.file(), l.line()))
                .unwrap_or_default();
            if CATCHING.get() {
                CAUGHT.set(Some((message, location)));
                return;
            }
            let thread = std::thread::current();
            let mut fields = vec![("thread", thread.name().unwrap_or("?"))];
            if LOG_PANIC_MESSAGE.load(Relaxed) {
                fields.push(("message", &message));
            }
            fields.push(("location", &location));
            let backtrace = std::backtrace::Backtrace::capture();
            let trace = match backtrace.status() {
                std::backtrace::BacktraceStatus::Captured => backtrace.to_string(),
                _ => String::new(),
            };
            if !trace.is_empty() {
                fields.push(("backtrace", &trace));
            }
            log("error", "panic", &fields);
        }));
    });
}

/// `/healthz`, `/readyz`, `/metrics`, `/openapi.json`, `/docs` and, per
/// version, `/openapi/<date>.json`; `None` lets the path fall through to the
/// service's router. With an admin listener, `/metrics` is served only
/// there, and `/healthz` and `/readyz` too unless `GATI_API_HEALTH` is on.
fn builtin<S: Service>(shared: &Shared<S>, method: &Method, path: &str) -> Option<Response> {
    let openapi = match path {
        "/healthz" | "/readyz" if shared.api_health => None,
        "/metrics" if shared.api_metrics => None,
        "/openapi.json" => Some(shared.service.openapi()?),
        // The page renders the OpenAPI document, so it needs one; an
        // operator may turn it off (`GATI_DOCS=off`).
        "/docs" | "/docs/" if !shared.docs => return None,
        "/docs" | "/docs/" => {
            shared.service.openapi()?;
            None
        }
        _ => {
            let date = path.strip_prefix("/openapi/")?.strip_suffix(".json")?;
            Some(shared.service.openapi_at(date)?)
        }
    };
    Some(answer_builtin(shared, method, path, openapi))
}

/// The answer of a built-in endpoint (`openapi` for the documents).
fn answer_builtin<S: Service>(
    shared: &Shared<S>,
    method: &Method,
    path: &str,
    openapi: Option<&'static str>,
) -> Response {
    if method != Method::GET && method != Method::HEAD {
        let problem = Problem::new(405, "this path allows GET, HEAD");
        return problem
            .with_header(ALLOW, HeaderValue::from_static("GET, HEAD"))
            .into_response();
    }
    let text = "text/plain; charset=utf-8";
    match path {
        "/healthz" => with_body(200, text, b"ok\n".to_vec()),
        "/readyz" if shared.draining.load(Relaxed) => Problem::new(503, "draining").into_response(),
        "/readyz" => with_body(200, text, b"ready\n".to_vec()),
        "/metrics" => with_body(
            200,
            "text/plain; version=0.0.4; charset=utf-8",
            render_metrics(shared).into_bytes(),
        ),
        "/docs" | "/docs/" => super::docs::page(&shared.service),
        _ => {
            let mut response = with_body(200, "application/json", Vec::new());
            *response.body_mut() = ResponseBody::from(openapi.unwrap_or("{}"));
            response
        }
    }
}

/// The most connections the admin listener serves at once; more wait in the
/// kernel's backlog.
const ADMIN_CONNECTIONS: usize = 32;

/// Serves `/healthz`, `/readyz` and `/metrics` on the admin listener,
/// HTTP/1 only, apart from the API's connections and limits: probes and
/// scrapes keep answering while the API port is flooded.
async fn admin_loop<S: Service>(listener: TcpListener, shared: Arc<Shared<S>>) {
    let slots = Arc::new(Semaphore::new(ADMIN_CONNECTIONS));
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(Some(shared.header_timeout))
        .keep_alive(true);
    let builder = Arc::new(builder);
    let mut errors = Throttled::default();
    // The panel's samples of the version mix, taken while the admin
    // listener runs (the sampler stops when this task does).
    let _sampler = AbortOnDrop(tokio::spawn(sample_versions(shared.clone())));
    loop {
        let Ok(slot) = slots.clone().acquire_owned().await else {
            return;
        };
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(error) => {
                errors.note(|count| {
                    log(
                        "warn",
                        "admin accept failed",
                        &[
                            ("error", &error.to_string()),
                            ("failures", &count.to_string()),
                        ],
                    );
                });
                tokio::time::sleep(ACCEPT_BACKOFF_MAX).await;
                continue;
            }
        };
        let (shared, builder) = (shared.clone(), builder.clone());
        tokio::spawn(async move {
            let _slot = slot;
            let service = hyper::service::service_fn(|request: hyper::Request<Incoming>| {
                let path = request.uri().path();
                let mut response = match path {
                    "/healthz" | "/readyz" | "/metrics" => {
                        answer_builtin(&shared, request.method(), path, None)
                    }
                    "/_gati" | "/_gati/" | "/_gati/state" => panel_answer(&shared, request.method(), path),
                    _ => Problem::new(
                        404,
                        "the admin port serves /healthz, /readyz, /metrics and the control panel at /_gati/",
                    )
                    .into_response(),
                };
                let id = RequestId::of(request.headers());
                response.headers_mut().insert(X_REQUEST_ID, id.to_header());
                std::future::ready(Ok::<_, Infallible>(response))
            });
            let _ = builder
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// Aborts a task when dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Samples the requests served at each version every
/// [`panel::SAMPLE_EVERY`], for the panel's version mix.
async fn sample_versions<S: Service>(shared: Arc<Shared<S>>) {
    let Some(panel) = &shared.panel else {
        return;
    };
    let mut every = tokio::time::interval(panel::SAMPLE_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // The first tick is immediate, and the panel starts with a zero sample.
    every.tick().await;
    loop {
        every.tick().await;
        let totals = panel::version_totals(&metrics_snapshot(&shared), shared.versions.len());
        panel.sample(totals);
    }
}

/// The control panel's page (`/_gati/`) and state (`/_gati/state`).
fn panel_answer<S: Service>(shared: &Shared<S>, method: &Method, path: &str) -> Response {
    let Some(panel) = &shared.panel else {
        return Problem::new(404, "no control panel").into_response();
    };
    if method != Method::GET && method != Method::HEAD {
        return Problem::new(405, "this path allows GET, HEAD")
            .with_header(ALLOW, HeaderValue::from_static("GET, HEAD"))
            .into_response();
    }
    if path != "/_gati/state" {
        return Panel::page();
    }
    let state = panel.state(
        &metrics_snapshot(shared),
        shared.service.versions(),
        shared.service.routes(),
        shared.started.elapsed(),
    );
    let mut response = with_body(200, "application/json", state.to_string().into_bytes());
    response.headers_mut().insert(
        hyper::header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    );
    response
}

/// An HTTP/1 connection's socket, which turns hyper's own answer to a
/// request it cannot parse (a bare `400`, `414`, `431` or `505` with no
/// body, written before the connection closes) into a problem+json answer
/// with a request id, like every other error the runtime writes.
///
/// hyper offers no hook for these answers, so they are recognised on the
/// way out: the runtime's own error answers always have a body, and these
/// four statuses never come from a handler without one.
struct ParseErrors {
    stream: TcpStream,
    /// The replacement answer still to write, and how much of it is written.
    pending: Option<(Vec<u8>, usize)>,
}

impl ParseErrors {
    fn new(stream: TcpStream) -> ParseErrors {
        ParseErrors {
            stream,
            pending: None,
        }
    }

    /// The problem+json answer for hyper's bare answer `head`, if it is one.
    fn replacement(head: &[u8]) -> Option<Vec<u8>> {
        // The common case, a success, costs one comparison.
        if !(head.starts_with(b"HTTP/1.1 4") || head.starts_with(b"HTTP/1.1 5")) {
            return None;
        }
        let rest = head.strip_prefix(b"HTTP/1.1 ")?;
        let (status, detail): (u16, &str) = match rest.get(..4)? {
            b"400 " => (400, "the request could not be parsed as HTTP/1.1"),
            b"414 " => (414, "the request target is too long"),
            b"431 " => (431, "the request's header fields are too large"),
            b"505 " => (505, "the HTTP version is not supported"),
            _ => return None,
        };
        let end = head.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
        let bare = end == head.len()
            && head
                .windows(19)
                .any(|w| w.eq_ignore_ascii_case(b"content-length: 0\r\n"));
        if !bare {
            return None;
        }
        let response = Problem::new(status, detail).into_response();
        let reason = response.status().canonical_reason().unwrap_or("Error");
        let body = response.body().bytes();
        let id = RequestId::made();
        let mut out = format!(
            "HTTP/1.1 {status} {reason}\r\ncontent-type: {}\r\ncontent-length: {}\r\ncache-control: no-store\r\nx-content-type-options: nosniff\r\nx-request-id: {}\r\nconnection: close\r\n\r\n",
            super::problem::PROBLEM_JSON,
            body.len(),
            id.as_str()
        )
        .into_bytes();
        out.extend_from_slice(&body);
        Some(out)
    }

    /// Writes what is left of a replacement answer.
    fn poll_pending(&mut self, cx: &mut std::task::Context<'_>) -> Poll<std::io::Result<()>> {
        use tokio::io::AsyncWrite;
        while let Some((bytes, written)) = &mut self.pending {
            if *written == bytes.len() {
                self.pending = None;
                break;
            }
            match Pin::new(&mut self.stream).poll_write(cx, &bytes[*written..]) {
                Poll::Ready(Ok(0)) => {
                    return Poll::Ready(Err(std::io::ErrorKind::WriteZero.into()));
                }
                Poll::Ready(Ok(n)) => *written += n,
                Poll::Ready(Err(error)) => return Poll::Ready(Err(error)),
                Poll::Pending => return Poll::Pending,
            }
        }
        Poll::Ready(Ok(()))
    }
}

impl tokio::io::AsyncRead for ParseErrors {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_read(cx, buf)
    }
}

impl tokio::io::AsyncWrite for ParseErrors {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        if this.poll_pending(cx)?.is_pending() {
            return Poll::Pending;
        }
        if let Some(replacement) = ParseErrors::replacement(buf) {
            this.pending = Some((replacement, 0));
            let _ = this.poll_pending(cx)?;
            return Poll::Ready(Ok(buf.len()));
        }
        Pin::new(&mut this.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        if this.poll_pending(cx)?.is_pending() {
            return Poll::Pending;
        }
        // hyper writes a bare answer as one slice.
        if let [only] = bufs
            && let Some(replacement) = ParseErrors::replacement(only)
        {
            this.pending = Some((replacement, 0));
            let _ = this.poll_pending(cx)?;
            return Poll::Ready(Ok(only.len()));
        }
        Pin::new(&mut this.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(
        self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> Poll<std::io::Result<()>> {
        self.get_mut()
            .after_pending(cx, |stream, cx| stream.poll_flush(cx))
    }

    fn poll_shutdown(
        self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> Poll<std::io::Result<()>> {
        self.get_mut()
            .after_pending(cx, |stream, cx| stream.poll_shutdown(cx))
    }
}

impl ParseErrors {
    /// Writes what is left of a replacement answer, then calls `then` on
    /// the socket.
    fn after_pending(
        &mut self,
        cx: &mut std::task::Context<'_>,
        then: impl FnOnce(Pin<&mut TcpStream>, &mut std::task::Context<'_>) -> Poll<std::io::Result<()>>,
    ) -> Poll<std::io::Result<()>> {
        if self.poll_pending(cx)?.is_pending() {
            return Poll::Pending;
        }
        then(Pin::new(&mut self.stream), cx)
    }
}

fn render_metrics<S: Service>(shared: &Shared<S>) -> String {
    metrics::render(&metrics_snapshot(shared))
}

/// Everything `/metrics` and the control panel show, read now.
fn metrics_snapshot<S: Service>(shared: &Shared<S>) -> Snapshot<'_> {
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
    Snapshot {
        routes,
        service: gauges(&shared.gate),
        draining: shared.draining.load(Relaxed),
        refused: shared.refused.load(Relaxed),
        clients: shared.clients.len() as u64,
        versions: shared.versions.iter().map(|v| v.date).collect(),
        waits: std::iter::once((None, shared.gate.waits()))
            .chain(
                shared
                    .routes
                    .iter()
                    .filter_map(|r| Some((Some(r.name), r.gate.as_ref()?.waits()))),
            )
            .collect(),
        build: shared.service.build(),
    }
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
        .with_header(CONNECTION, HeaderValue::from_static("close"))
        .into_response()
}

enum BodyError {
    TooLarge,
    Broken,
}

/// Reads a whole body, failing as soon as it passes `limit`. A body that
/// arrives in one frame is kept without copying.
struct BodyReader {
    first: Option<Bytes>,
    joined: Vec<u8>,
    total: u64,
    limit: u64,
}

impl BodyReader {
    fn new(limit: u64) -> BodyReader {
        BodyReader {
            first: None,
            joined: Vec::new(),
            total: 0,
            limit,
        }
    }

    /// Reads every frame that is ready; the body once the last has arrived.
    fn poll<B: Body>(
        &mut self,
        mut body: Pin<&mut B>,
        cx: &mut std::task::Context<'_>,
    ) -> Poll<Result<Bytes, BodyError>> {
        loop {
            let frame = match body.as_mut().poll_frame(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => break,
                Poll::Ready(Some(frame)) => frame,
            };
            let Ok(mut data) = frame.map_err(|_| BodyError::Broken)?.into_data() else {
                continue;
            };
            // Hyper's frames are `Bytes` already (taken without a copy); a
            // layer's body may carry any buffer.
            let data = data.copy_to_bytes(data.remaining());
            self.total += data.len() as u64;
            if self.total > self.limit {
                return Poll::Ready(Err(BodyError::TooLarge));
            }
            match self.first.take() {
                None if self.joined.is_empty() => self.first = Some(data),
                None => self.joined.extend_from_slice(&data),
                Some(previous) => {
                    let hint = body.size_hint().lower().min(self.limit);
                    let size = usize::try_from(self.total.max(hint)).unwrap_or(0);
                    self.joined.reserve(size);
                    self.joined.extend_from_slice(&previous);
                    self.joined.extend_from_slice(&data);
                }
            }
        }
        let joined = std::mem::take(&mut self.joined);
        Poll::Ready(Ok(self.first.take().unwrap_or_else(|| Bytes::from(joined))))
    }
}

/// What the lifecycle needs to know of a request's headers, found in the
/// pass that looks for its id.
#[derive(Clone, Default)]
struct Head {
    /// `Host` fields (two or more are an error).
    hosts: u8,
    /// Whether the client sent `Expect` (it then waits for `100 Continue`).
    expects_continue: bool,
    /// The `Origin` a browser sent (for CORS).
    origin: Option<HeaderValue>,
}

/// A request id: the client's `X-Request-Id`, or one made here and kept as
/// text inline, so that making one allocates nothing until it is sent.
#[derive(Clone, Debug)]
enum RequestId {
    /// The client's header value (or the one given to `Ctx::new`).
    Given(HeaderValue),
    /// Made here: the text's bytes and its length.
    Made([u8; 29], u8),
}

impl RequestId {
    /// The client's `X-Request-Id` when it is sane (1 to 128 URL-safe
    /// characters), else a new one: a per-process random prefix and a counter.
    fn of(headers: &HeaderMap) -> RequestId {
        RequestId::from_given(headers.get(X_REQUEST_ID))
    }

    /// [`RequestId::of`], the version header's value, and what the lifecycle needs to know of
    /// the other headers: how many `Host` fields there are and whether the
    /// client waits for `100 Continue`. One pass over the request's (usually
    /// few) headers instead of a hashed look-up each.
    /// `version_header` is the header the version travels in.
    fn and_head(
        headers: &HeaderMap,
        version_header: &HeaderName,
    ) -> (RequestId, Option<HeaderValue>, Head) {
        let (mut given, mut version, mut head) = (None, None, Head::default());
        for (name, value) in headers {
            if *name == HOST {
                head.hosts = head.hosts.saturating_add(1);
            } else if *name == EXPECT {
                head.expects_continue = true;
            } else if *name == ORIGIN {
                head.origin = Some(value.clone());
            } else if given.is_none() && name == X_REQUEST_ID {
                given = Some(value);
            } else if version.is_none() && name == version_header {
                version = Some(value.clone());
            }
        }
        (RequestId::from_given(given), version, head)
    }

    /// The client's id when it is sane, else a new one.
    fn from_given(given: Option<&HeaderValue>) -> RequestId {
        if let Some(id) = given {
            let b = id.as_bytes();
            if (1..=128).contains(&b.len())
                && b.iter()
                    .all(|c| c.is_ascii_alphanumeric() || b"-_.:".contains(c))
            {
                return RequestId::Given(id.clone());
            }
        }
        RequestId::made()
    }

    /// A new id: 12 hex digits of per-process randomness, a dash, and a
    /// counter in hex (up to 16 digits); no formatting machinery.
    fn made() -> RequestId {
        static PREFIX: std::sync::OnceLock<[u8; 13]> = std::sync::OnceLock::new();
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let hex = |v: u64| b"0123456789abcdef"[(v & 0xf) as usize];
        let prefix = PREFIX.get_or_init(|| {
            let random = super::scalar::random_u64();
            let mut prefix = [b'-'; 13];
            for (i, slot) in prefix[..12].iter_mut().enumerate() {
                *slot = hex(random >> (4 * (11 - i)));
            }
            prefix
        });
        let n = COUNTER.fetch_add(1, Relaxed);
        let mut buf = [0u8; 29];
        buf[..13].copy_from_slice(prefix);
        let digits = (16 - (n.leading_zeros() as usize) / 4).max(1);
        for i in 0..digits {
            buf[13 + i] = hex(n >> (4 * (digits - 1 - i)));
        }
        // At most 29, so the length fits.
        RequestId::Made(buf, (13 + digits) as u8)
    }

    /// The id as text.
    fn as_str(&self) -> &str {
        match self {
            RequestId::Given(value) => value.to_str().unwrap_or("-"),
            RequestId::Made(buf, len) => {
                std::str::from_utf8(&buf[..usize::from(*len)]).unwrap_or("-")
            }
        }
    }

    /// The id as the `X-Request-Id` header's value. A made id's bytes are
    /// cut from a per-thread buffer shared by many ids, so sending one costs
    /// a reference count rather than an allocation.
    fn to_header(&self) -> HeaderValue {
        let text = match self {
            RequestId::Given(value) => return value.clone(),
            RequestId::Made(buf, len) => &buf[..usize::from(*len)],
        };
        thread_local! {
            static IDS: std::cell::RefCell<bytes::BytesMut> =
                std::cell::RefCell::new(bytes::BytesMut::new());
        }
        let shared = IDS.with_borrow_mut(|ids| {
            if ids.capacity() < text.len() {
                *ids = bytes::BytesMut::with_capacity(4096);
            }
            ids.extend_from_slice(text);
            ids.split().freeze()
        });
        HeaderValue::from_maybe_shared(shared).unwrap_or(HeaderValue::from_static("-"))
    }
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
        let a = RequestId::of(&headers).to_header();
        let b = RequestId::of(&headers).to_header();
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
            let got = RequestId::of(&headers).to_header();
            assert_eq!(got.as_bytes() == id.as_bytes(), *kept, "{id}");
        }
        headers.insert(X_REQUEST_ID, HeaderValue::from_static(""));
        assert!(!RequestId::of(&headers).to_header().is_empty());
        let long = "a".repeat(129);
        if let Ok(value) = HeaderValue::from_str(&long) {
            headers.insert(X_REQUEST_ID, value);
        }
        assert_ne!(
            RequestId::of(&headers).to_header().as_bytes(),
            long.as_bytes()
        );
    }

    struct Empty;

    impl Service for Empty {
        fn routes(&self) -> &'static [RouteInfo] {
            &[]
        }
        fn resolve(&self, _: &Method, _: &str) -> Resolution {
            Resolution::NotFound
        }
        async fn call(&self, _: usize, _: &Ctx) -> Response {
            super::super::problem::empty_response(204)
        }
    }

    #[test]
    fn builtins_follow_draining() {
        let Ok(shared) = Shared::new(Empty, &Config::default(), false) else {
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
