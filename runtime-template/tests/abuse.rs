//! The abuse suite: the attacks an unauthenticated client can make on a
//! generated server, each tried on loopback against a real socket, with the
//! defence asserted. Attackers connect from `127.0.0.2` (another client, as
//! the server sees it), honest clients from `127.0.0.1`. Every wait is
//! bounded; the whole file runs in a few seconds.

use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use gati_runtime::{
    Caller, Config, Ctx, Denied, PathParams, Pointer, Problem, Query, RateLimit, Resolution,
    Response, RouteInfo, RouteLimits, Service, Validate, Violations, api_key, bearer, check_len,
    decode_json, json_response, serve_with_admin,
};
use hyper::Method;
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

mod support;
use support::{Client, STEP, fetch, raw_request, stream_from};

// ---------------------------------------------------------------------------
// The service under attack.

struct Guarded;

const CREATE: usize = 0;
const ECHO: usize = 1;
const GET: usize = 2;
const LIMITED: usize = 3;
const BOOM: usize = 4;
const KEYED: usize = 5;
const SLEEP: usize = 6;

const fn info(
    name: &'static str,
    method: &'static str,
    path: &'static str,
    auth: bool,
) -> RouteInfo {
    RouteInfo {
        name,
        method,
        path,
        auth,
        limits: RouteLimits::NONE,
    }
}

static ROUTES: [RouteInfo; 7] = [
    info("create", "POST", "/items", true),
    RouteInfo {
        // The spec's own limit, which the environment may override.
        limits: RouteLimits {
            body: Some(4096),
            ..RouteLimits::NONE
        },
        ..info("echo", "POST", "/echo", false)
    },
    info("get", "GET", "/items/{id}", false),
    RouteInfo {
        limits: RouteLimits {
            rate: Some(RateLimit {
                requests: 2,
                per_ms: 1000,
                burst: 2,
            }),
            ..RouteLimits::NONE
        },
        ..info("limited", "GET", "/limited", false)
    },
    info("boom", "GET", "/panic", false),
    info("keyed", "DELETE", "/items/{id}", true),
    info("sleep", "GET", "/sleep", false),
];

/// A body with tags that must not be empty.
#[derive(Deserialize)]
struct Item {
    tags: Vec<String>,
}

impl Validate for Item {
    fn validate(&self, at: &Pointer<'_>, out: &mut Violations) {
        let tags = at.field("tags");
        for (i, tag) in self.tags.iter().enumerate() {
            check_len(tag, Some(1), None, &tags.index(i), out);
        }
    }
}

impl Service for Guarded {
    fn routes(&self) -> &'static [RouteInfo] {
        &ROUTES
    }

    fn resolve(&self, method: &Method, path: &str) -> Resolution {
        let only = |route: usize, allowed: Method, allow: &'static str| {
            if method == allowed {
                Resolution::Route(route, PathParams::new())
            } else {
                Resolution::MethodNotAllowed(allow)
            }
        };
        match path {
            "/items" => only(CREATE, Method::POST, "POST"),
            "/echo" => only(ECHO, Method::POST, "POST"),
            "/limited" => only(LIMITED, Method::GET, "GET, HEAD"),
            "/panic" => only(BOOM, Method::GET, "GET, HEAD"),
            "/sleep" => only(SLEEP, Method::GET, "GET, HEAD"),
            _ if path.starts_with("/items/") => {
                let mut params = PathParams::new();
                params.push("/items/".len(), path.len());
                match *method {
                    Method::GET => Resolution::Route(GET, params),
                    Method::DELETE => Resolution::Route(KEYED, params),
                    _ => Resolution::MethodNotAllowed("GET, HEAD, DELETE"),
                }
            }
            _ => Resolution::NotFound,
        }
    }

    async fn authenticate<'a>(&'a self, route: usize, ctx: &'a Ctx) -> Result<Caller<'a>, Denied> {
        let request = ctx.request();
        let credential = match route {
            CREATE => bearer(request)?,
            KEYED => api_key(request, "X-Api-Key")?,
            _ => return Ok(Caller::ANONYMOUS),
        };
        if credential.secret().starts_with("good") {
            Ok(Caller::of(credential))
        } else {
            Err(Denied::rejected(credential))
        }
    }

    async fn call(&self, route: usize, ctx: &Ctx) -> Response {
        let request = ctx.request();
        match route {
            CREATE => match decode_json::<Item>(request) {
                Ok(item) => {
                    let mut violations = Violations::new();
                    item.validate(&Pointer::Root, &mut violations);
                    if violations.is_empty() {
                        json_response(201, &json!({"tags": item.tags.len()}))
                    } else {
                        Problem::invalid(422, violations).into_response()
                    }
                }
                Err(problem) => problem.into_response(),
            },
            ECHO => json_response(200, &json!({"bytes": request.body.len()})),
            BOOM => panic!("the handler blew up holding secret-token-123"),
            SLEEP => {
                let ms: u64 = Query::parse(request)
                    .get("ms")
                    .and_then(|ms| ms.parse().ok())
                    .unwrap_or(0);
                tokio::time::sleep(Duration::from_millis(ms)).await;
                json_response(200, &json!({"slept": ms}))
            }
            _ => json_response(200, &json!({"ok": true})),
        }
    }

    fn limits(&self) -> RouteLimits {
        RouteLimits {
            body: Some(1 << 20),
            timeout_ms: Some(5000),
            ..RouteLimits::NONE
        }
    }
}

// ---------------------------------------------------------------------------
// Harness.

struct Server {
    addr: SocketAddr,
    admin: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

impl Server {
    async fn start(config: Config) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let admin = TcpListener::bind("127.0.0.1:0").await.expect("bind admin");
        let (addr, admin_addr) = (
            listener.local_addr().expect("addr"),
            admin.local_addr().expect("admin addr"),
        );
        let (stop, stopped) = oneshot::channel::<()>();
        let shutdown = async move {
            let _ = stopped.await;
        };
        let task = tokio::spawn(serve_with_admin(
            Guarded,
            config,
            listener,
            Some(admin),
            shutdown,
        ));
        Server {
            addr,
            admin: admin_addr,
            stop: Some(stop),
            task,
        }
    }

    fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }

    /// A metric's value from the admin listener's `/metrics`.
    async fn metric(&self, line_start: &str) -> Option<f64> {
        let metrics = fetch(self.admin, "GET", "/metrics", &[], "").await;
        metrics
            .body
            .lines()
            .find_map(|l| l.strip_prefix(line_start))
            .and_then(|v| v.trim().parse().ok())
    }
}

fn config() -> Config {
    Config {
        host: "127.0.0.1".into(),
        port: 0,
        concurrency: Some(16),
        queue: Some(0),
        header_timeout_ms: 400,
        drain_timeout_ms: 10_000,
        ..Config::default()
    }
}

/// How many attackers a test may open: the process's file descriptor limit
/// allows two per connection (both ends are in this process).
fn attackers(wanted: usize) -> usize {
    let limit = std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|l| {
            l.lines()
                .find(|l| l.starts_with("Max open files"))
                .and_then(|l| {
                    l["Max open files".len()..]
                        .split_whitespace()
                        .next()?
                        .parse()
                        .ok()
                })
        })
        .unwrap_or(1024usize);
    wanted.min(limit.saturating_sub(200) / 2)
}

const GOOD: (&str, &str) = ("authorization", "Bearer good");
const JSON: (&str, &str) = ("content-type", "application/json");

// ---------------------------------------------------------------------------
// Tests.

/// Slow bodies without a credential get their 401 from the head alone, no
/// `100 Continue`, and never hold a slot; slow bodies on a public route are
/// capped per address and cut by the minimum data rate. Authenticated
/// clients keep every request served meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_unauthenticated_bodies_take_no_capacity() {
    let server = Server::start(Config {
        body_grace_ms: 600,
        // The per-address connection cap has its own test; here every
        // attacker stays connected.
        client_connections: 0,
        ..config()
    })
    .await;
    let n = attackers(600);
    let mut held = Vec::new();
    let mut expect_continue = 0;
    for i in 0..n {
        let mut attacker = Client::connect_from([127, 0, 0, 2], server.addr).await;
        let public = i % 2 == 1;
        let target = if public { "/echo" } else { "/items" };
        let expect = if i % 4 == 0 {
            "expect: 100-continue\r\n"
        } else {
            ""
        };
        expect_continue += usize::from(!expect.is_empty());
        let head = format!(
            "POST {target} HTTP/1.1\r\nhost: test\r\ncontent-type: application/json\r\ncontent-length: 4000\r\n{expect}\r\n["
        );
        attacker.send_raw(head.as_bytes()).await;
        held.push((public, attacker));
    }
    assert!(expect_continue > 0);
    // One address holds at most a quarter of the 16 slots at any time.
    let in_flight = server.metric("gati_in_flight ").await.unwrap_or(f64::NAN);
    assert!(in_flight <= 4.0, "in flight: {in_flight}");

    // Authenticated goodput while they are all held open.
    let started = Instant::now();
    for _ in 0..16 {
        let reply = fetch(
            server.addr,
            "POST",
            "/items",
            &[GOOD, JSON],
            r#"{"tags":["a"]}"#,
        )
        .await;
        assert_eq!(reply.status, 201, "{}", reply.body);
    }
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );

    // What the attackers got: 401 at once on the authenticated route, with
    // a challenge and the connection closed, never `100 Continue`; on the
    // public route 429 past the per-address cap, else 408 once the minimum
    // rate cuts them.
    let (mut unauthorized, mut limited, mut slow) = (0, 0, 0);
    for (public, mut attacker) in held {
        let reply = attacker.read_reply().await;
        assert_ne!(reply.status, 100, "no 100 Continue without a credential");
        match (public, reply.status) {
            (false, 401) => {
                assert!(reply.header("www-authenticate").is_some());
                // The unread body is not waited for: the server closes.
                let closed = tokio::time::timeout(STEP, attacker.fill()).await;
                assert_eq!(closed.ok(), Some(0));
                unauthorized += 1;
            }
            (true, 429) => {
                assert!(reply.header("retry-after").is_some());
                limited += 1;
            }
            (true, 408) => slow += 1,
            other => panic!("unexpected {other:?}: {}", reply.body),
        }
    }
    assert_eq!(unauthorized, n - n / 2);
    // Admitted ones are cut by the minimum rate, which frees their places
    // for later attackers: a few waves of at most 4 while they connect.
    assert!(
        slow >= 1 && limited > slow,
        "{slow} cut as too slow, {limited} limited"
    );
    assert_eq!(limited + slow, n / 2);
}

/// HTTP/2 streams with unfinished bodies are capped per connection and per
/// address; another client still gets served.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http2_streams_cannot_fill_a_route() {
    use hyper_util::rt::{TokioExecutor, TokioIo};

    /// One byte of body, then nothing.
    struct Trickle(bool);

    impl hyper::body::Body for Trickle {
        type Data = Bytes;
        type Error = std::convert::Infallible;

        fn poll_frame(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<hyper::body::Frame<Bytes>, Self::Error>>> {
            if self.0 {
                Poll::Pending
            } else {
                self.0 = true;
                Poll::Ready(Some(Ok(hyper::body::Frame::data(Bytes::from_static(b"[")))))
            }
        }
    }

    let server = Server::start(Config {
        concurrency: Some(64),
        body_grace_ms: 5000,
        ..config()
    })
    .await;
    let mut drivers = Vec::new();
    let mut streams = Vec::new();
    for _ in 0..3 {
        let stream = stream_from([127, 0, 0, 2], server.addr).await;
        let (sender, conn) =
            hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
                .await
                .expect("h2 handshake");
        drivers.push(tokio::spawn(conn));
        for _ in 0..200 {
            let mut sender = sender.clone();
            let uri = format!("http://{}/echo", server.addr);
            streams.push(tokio::spawn(async move {
                let request = hyper::Request::post(uri)
                    .header("content-type", "application/json")
                    .body(Trickle(false))
                    .expect("request");
                match sender.send_request(request).await {
                    Ok(response) => response.status().as_u16(),
                    Err(_) => 0,
                }
            }));
        }
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    // A quarter of the 64 slots is all one address may hold.
    let in_flight = server.metric("gati_in_flight ").await.unwrap_or(f64::NAN);
    assert!(in_flight <= 16.0, "in flight: {in_flight}");
    for _ in 0..20 {
        let reply = fetch(server.addr, "POST", "/echo", &[JSON], "[]").await;
        assert_eq!(reply.status, 200, "{}", reply.body);
    }
    let limited = server
        .metric("gati_limited_total{route=\"echo\"} ")
        .await
        .unwrap_or(0.0);
    assert!(
        limited >= 100.0,
        "streams past the cap get 429 at once: {limited}"
    );
    for stream in streams {
        stream.abort();
    }
    for driver in drivers {
        driver.abort();
    }
}

/// Idle HTTP/2 connections are closed; past the connection limit the API
/// listener stops accepting, and the admin listener keeps answering.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_are_closed_and_health_keeps_answering() {
    use http_body_util::Empty;
    use hyper_util::rt::{TokioExecutor, TokioIo};

    let server = Server::start(Config {
        max_connections: Some(40),
        ..config()
    })
    .await;
    let n = attackers(120);
    let mut connections = Vec::new();
    for _ in 0..n {
        let addr = server.addr;
        connections.push(tokio::spawn(async move {
            let stream = stream_from([127, 0, 0, 2], addr).await;
            let (mut sender, conn) =
                hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
                    .await
                    .ok()?;
            let driver = tokio::spawn(conn);
            let request = hyper::Request::get(format!("http://{addr}/items/1"))
                .body(Empty::<Bytes>::new())
                .ok()?;
            let status = sender.send_request(request).await.ok()?.status().as_u16();
            // Now silent: the server must close the connection by itself.
            let closed_at = tokio::time::timeout(Duration::from_secs(20), driver).await;
            Some((status, closed_at.is_ok()))
        }));
    }
    // Health answers at once all along, from the admin listener.
    let started = Instant::now();
    while started.elapsed() < Duration::from_millis(1500) {
        let asked = Instant::now();
        let reply = fetch(server.admin, "GET", "/healthz", &[], "").await;
        assert_eq!(reply.status, 200);
        assert!(
            asked.elapsed() < Duration::from_millis(500),
            "{:?}",
            asked.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for connection in connections {
        let outcome = tokio::time::timeout(Duration::from_secs(25), connection)
            .await
            .expect("every connection ends")
            .expect("task");
        assert_eq!(
            outcome,
            Some((200, true)),
            "served, then closed by the server"
        );
    }
    let reply = fetch(server.addr, "GET", "/items/1", &[], "").await;
    assert_eq!(reply.status, 200);
    // With an admin listener, the API port no longer serves the built-ins.
    assert_eq!(
        fetch(server.addr, "GET", "/healthz", &[], "").await.status,
        404
    );
    assert_eq!(
        fetch(server.addr, "GET", "/metrics", &[], "").await.status,
        404
    );
}

/// Guessing credentials: every 401 carries `WWW-Authenticate`; past the
/// budget the address gets 429 without its credential being tried, and
/// other clients are not affected.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejected_credentials_are_throttled() {
    let server = Server::start(config()).await;
    let mut attacker = Client::connect_from([127, 0, 0, 2], server.addr).await;
    let (mut unauthorized, mut limited) = (0, 0);
    for i in 0..300 {
        let token = format!("Bearer guess-{i}");
        let reply = attacker
            .request("POST", "/items", &[("authorization", &token), JSON], "{}")
            .await;
        match reply.status {
            401 => {
                assert_eq!(
                    reply.header("www-authenticate"),
                    Some(r#"Bearer error="invalid_token""#)
                );
                unauthorized += 1;
            }
            429 => {
                assert!(reply.header("retry-after").is_some());
                limited += 1;
            }
            other => panic!("{other}: {}", reply.body),
        }
    }
    // A burst of 50, then 10 a second for as long as the loop ran.
    assert!(
        (50..=80).contains(&unauthorized),
        "{unauthorized} guesses tried"
    );
    assert_eq!(unauthorized + limited, 300);
    let rejected = server
        .metric("gati_auth_failures_total{route=\"create\"} ")
        .await;
    assert_eq!(rejected, Some(f64::from(unauthorized)));

    // Another address is not throttled.
    let reply = fetch(
        server.addr,
        "POST",
        "/items",
        &[GOOD, JSON],
        r#"{"tags":[]}"#,
    )
    .await;
    assert_eq!(reply.status, 201);
    // Every kind of 401 has a challenge.
    let missing = fetch(server.addr, "POST", "/items", &[JSON], "{}").await;
    assert_eq!(
        (missing.status, missing.header("www-authenticate")),
        (401, Some("Bearer"))
    );
    let no_key = fetch(server.addr, "DELETE", "/items/1", &[], "").await;
    assert_eq!(
        (no_key.status, no_key.header("www-authenticate")),
        (401, Some(r#"ApiKey header="X-Api-Key""#))
    );
    let bad_key = fetch(
        server.addr,
        "DELETE",
        "/items/1",
        &[("x-api-key", "nope")],
        "",
    )
    .await;
    assert_eq!(
        (bad_key.status, bad_key.header("www-authenticate")),
        (401, Some("ApiKey"))
    );
    let good_key = fetch(
        server.addr,
        "DELETE",
        "/items/1",
        &[("x-api-key", "good")],
        "",
    )
    .await;
    assert_eq!(good_key.status, 200);
}

/// A body full of invalid values gets a bounded answer: the first 50
/// violations, `truncated` and the `total`.
#[tokio::test]
async fn violation_lists_are_bounded() {
    let server = Server::start(config()).await;
    let tags = vec![""; 40_000];
    let body = serde_json::to_string(&json!({ "tags": tags })).unwrap_or_default();
    let reply = fetch(server.addr, "POST", "/items", &[GOOD, JSON], &body).await;
    assert_eq!(reply.status, 422);
    assert!(reply.body.len() < 16 * 1024, "{} bytes", reply.body.len());
    let problem = reply.json();
    assert_eq!(problem["violations"].as_array().map(Vec::len), Some(50));
    assert_eq!(problem["truncated"], true);
    assert_eq!(problem["total"], 40_000);
    assert_eq!(problem["detail"], "the request has 40000 invalid values");
}

/// A spec's route-level limits give way to the environment's.
#[tokio::test]
async fn environment_wins_over_spec() {
    let server = Server::start(Config {
        max_body: Some(100),
        timeout_ms: Some(200),
        ..config()
    })
    .await;
    // The route's spec allows 4096 bytes; the environment says 100.
    let body = format!("[{}]", "1,".repeat(100) + "1");
    let reply = fetch(server.addr, "POST", "/echo", &[JSON], &body).await;
    assert_eq!(reply.status, 413, "{}", reply.body);
    // The service's spec allows 5 s; the environment says 200 ms.
    let reply = fetch(server.addr, "GET", "/sleep?ms=1000", &[], "").await;
    assert_eq!(reply.status, 504, "{}", reply.body);

    // Without the environment, the spec's values apply.
    let server = Server::start(config()).await;
    assert_eq!(
        fetch(server.addr, "POST", "/echo", &[JSON], &body)
            .await
            .status,
        200
    );
    let too_big = format!("[{}]", "1,".repeat(2100) + "1");
    assert_eq!(
        fetch(server.addr, "POST", "/echo", &[JSON], &too_big)
            .await
            .status,
        413
    );
}

/// A route's declared rate limit: a token bucket per client.
#[tokio::test]
async fn rate_limits_answer_429_per_client() {
    let server = Server::start(config()).await;
    let mut client = Client::connect(server.addr).await;
    assert_eq!(client.request("GET", "/limited", &[], "").await.status, 200);
    assert_eq!(client.request("GET", "/limited", &[], "").await.status, 200);
    let third = client.request("GET", "/limited", &[], "").await;
    assert_eq!(third.status, 429);
    assert_eq!(third.header("retry-after"), Some("1"));
    let mut other = Client::connect_from([127, 0, 0, 3], server.addr).await;
    assert_eq!(other.request("GET", "/limited", &[], "").await.status, 200);
}

/// One address may hold only so many connections; the rest are closed at
/// once, and other addresses can still connect.
#[tokio::test]
async fn connections_are_capped_per_address() {
    let server = Server::start(Config {
        client_connections: 4,
        ..config()
    })
    .await;
    let mut held = Vec::new();
    for _ in 0..4 {
        let mut client = Client::connect_from([127, 0, 0, 4], server.addr).await;
        assert_eq!(client.request("GET", "/items/1", &[], "").await.status, 200);
        held.push(client);
    }
    let mut fifth = Client::connect_from([127, 0, 0, 4], server.addr).await;
    fifth
        .send_raw(raw_request("GET", "/items/1", &[], "").as_bytes())
        .await;
    let closed = tokio::time::timeout(STEP, fifth.fill()).await;
    assert_eq!(
        closed.ok(),
        Some(0),
        "the fifth connection is closed unanswered"
    );
    assert_eq!(
        fetch(server.addr, "GET", "/items/1", &[], "").await.status,
        200
    );
    assert_eq!(
        server.metric("gati_connections_refused_total ").await,
        Some(1.0)
    );
}

/// HEAD on a GET route; `Host` missing or twice; a request hyper cannot
/// parse still gets problem+json with a request id.
#[tokio::test]
async fn head_host_and_unparsable_requests() {
    let server = Server::start(config()).await;
    let mut client = Client::connect(server.addr).await;
    let head = client.request("HEAD", "/items/1", &[], "").await;
    assert_eq!(head.status, 200);
    assert!(head.header("content-length").is_some());
    let get = client.request("GET", "/items/1", &[], "").await;
    assert_eq!(get.status, 200, "the connection stays usable after HEAD");

    let cases: &[(&str, u16)] = &[
        ("GET /items/1 HTTP/1.1\r\n\r\n", 400),
        ("GET /items/1 HTTP/1.1\r\nhost: a\r\nhost: b\r\n\r\n", 400),
        ("GET /items/1 HTTP/1.0\r\n\r\n", 200),
        (
            "GET /items/1 HTTP/1.1\r\nhost: a\r\nx-bad: a\x01b\r\n\r\n",
            400,
        ),
        (
            "GET /items/1 HTTP/1.1\r\nhost: a\r\nno colon here\r\n\r\n",
            400,
        ),
    ];
    for (raw, status) in cases {
        let mut client = Client::connect(server.addr).await;
        client.send_raw(raw.as_bytes()).await;
        let reply = client.read_reply().await;
        assert_eq!(reply.status, *status, "{raw:?}: {}", reply.body);
        assert!(reply.header("x-request-id").is_some(), "{raw:?}");
        if *status == 400 {
            assert_eq!(
                reply.header("content-type"),
                Some("application/problem+json"),
                "{raw:?}"
            );
            assert_eq!(reply.json()["status"], 400, "{raw:?}");
        }
    }
}

/// Shutdown does not wait for a connection that sent half a request head.
#[tokio::test]
async fn drain_does_not_wait_for_half_heads() {
    let mut server = Server::start(config()).await;
    let mut half = Client::connect(server.addr).await;
    half.send_raw(b"GET /items/1 HTTP/1.1\r\nhost: a\r\n").await;
    let mut idle = Client::connect(server.addr).await;
    assert_eq!(idle.request("GET", "/items/1", &[], "").await.status, 200);
    tokio::time::sleep(Duration::from_millis(50)).await;
    let started = Instant::now();
    server.shutdown();
    let result = tokio::time::timeout(STEP, &mut server.task).await;
    assert!(matches!(result, Ok(Ok(Ok(())))));
    assert!(
        started.elapsed() < Duration::from_millis(1000),
        "{:?}",
        started.elapsed()
    );
}

/// A handler's panic is one JSON log line on stderr, with the route, the
/// request id and the message; the response says nothing of it. Checked in
/// a child process (this test binary again), whose stderr is read whole.
#[test]
fn panics_are_one_json_line() {
    if std::env::var_os("ABUSE_PANIC_CHILD").is_some() {
        return;
    }
    for (setting, shows_message) in [("true", true), ("false", false)] {
        let output = std::process::Command::new(std::env::current_exe().expect("test binary"))
            .args(["--exact", "panic_child", "--nocapture", "--test-threads=1"])
            .env("ABUSE_PANIC_CHILD", "1")
            .env("GATI_LOG_PANIC_MESSAGE", setting)
            .env_remove("RUST_BACKTRACE")
            .output()
            .expect("run the child");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{stderr}");
        let panics: Vec<Value> = stderr
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|l| l["msg"] == "handler panicked")
            .collect();
        assert_eq!(panics.len(), 1, "{stderr}");
        let line = &panics[0];
        assert_eq!(line["level"], "error");
        assert_eq!(line["route"], "boom");
        assert!(line["request_id"].as_str().is_some_and(|id| !id.is_empty()));
        assert!(
            line["location"]
                .as_str()
                .is_some_and(|l| l.contains("abuse.rs"))
        );
        assert_eq!(line["message"].is_string(), shows_message, "{line}");
        assert!(
            !stderr.contains("panicked at") && !stderr.contains("stack backtrace"),
            "no plain-text panic report: {stderr}"
        );
        if !shows_message {
            assert!(!stderr.contains("secret-token-123"), "{stderr}");
        }
    }
}

/// The child of `panics_are_one_json_line`: serves one panicking request.
#[test]
fn panic_child() {
    if std::env::var_os("ABUSE_PANIC_CHILD").is_none() {
        return;
    }
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    runtime.block_on(async {
        let config = Config {
            log_panic_message: Config::from_env().map_or(true, |c| c.log_panic_message),
            ..config()
        };
        let mut server = Server::start(config).await;
        let mut client = Client::connect(server.addr).await;
        client
            .stream
            .write_all(raw_request("GET", "/panic", &[], "").as_bytes())
            .await
            .expect("write");
        let mut reply = vec![0u8; 4096];
        let n = client.stream.read(&mut reply).await.unwrap_or(0);
        let reply = String::from_utf8_lossy(&reply[..n]);
        assert!(reply.starts_with("HTTP/1.1 500"), "{reply}");
        assert!(!reply.contains("secret-token-123"), "{reply}");
        server.shutdown();
        let _ = tokio::time::timeout(STEP, &mut server.task).await;
    });
}
