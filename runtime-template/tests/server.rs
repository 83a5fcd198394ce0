//! End-to-end tests: a hand-written `Service` served over a real loopback
//! socket and driven by a minimal HTTP/1.1 client.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use gati_runtime::{
    Config, Ctx, PathParams, Pointer, Problem, Query, Resolution, Response, RouteInfo, RouteLimits,
    Service, Validate, Violations, check_items, check_len, decode_json, json_response, path_param,
    serve,
};
use hyper::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

mod support;
use support::{Client, Reply, STEP, fetch, is_problem, raw_request};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

// ---------------------------------------------------------------------------
// The service under test.

struct App;

const GET_USER: usize = 0;
const ECHO: usize = 1;
const BOOM: usize = 2;
const SLEEP: usize = 3;
const SLOW: usize = 4;

static ROUTES: [RouteInfo; 5] = [
    RouteInfo {
        name: "get_user",
        method: "GET",
        path: "/users/{id}",
        auth: false,
        limits: RouteLimits::NONE,
    },
    RouteInfo {
        name: "echo",
        method: "POST",
        path: "/echo",
        auth: false,
        limits: RouteLimits::NONE,
    },
    RouteInfo {
        name: "boom",
        method: "GET",
        path: "/panic",
        auth: false,
        limits: RouteLimits::NONE,
    },
    RouteInfo {
        name: "sleep",
        method: "GET",
        path: "/sleep",
        auth: false,
        limits: RouteLimits::NONE,
    },
    RouteInfo {
        name: "slow",
        method: "GET",
        path: "/slow",
        auth: false,
        limits: RouteLimits {
            concurrency: Some(1),
            queue: Some(1),
            body: Some(8),
            timeout_ms: Some(600),
            rate: None,
        },
    },
];

#[derive(Serialize, Deserialize)]
struct Echo {
    name: String,
    tags: Vec<String>,
}

impl Validate for Echo {
    fn validate(&self, at: &Pointer<'_>, out: &mut Violations) {
        check_len(&self.name, Some(1), Some(5), &at.field("name"), out);
        let tags = at.field("tags");
        check_items(self.tags.len(), None, Some(2), &tags, out);
        self.tags.validate(&tags, out);
    }
}

impl Service for App {
    fn routes(&self) -> &'static [RouteInfo] {
        &ROUTES
    }

    fn resolve(&self, method: &Method, path: &str) -> Resolution {
        let only = |route: usize, allowed: &Method, allow: &'static str| {
            if method == allowed {
                Resolution::Route(route, PathParams::new())
            } else {
                Resolution::MethodNotAllowed(allow)
            }
        };
        match path {
            "/echo" => only(ECHO, &Method::POST, "POST"),
            "/panic" => only(BOOM, &Method::GET, "GET"),
            "/sleep" => only(SLEEP, &Method::GET, "GET"),
            "/slow" => only(SLOW, &Method::GET, "GET"),
            _ => match path.strip_prefix("/users/") {
                Some(id) if !id.is_empty() && !id.contains('/') => {
                    let mut params = PathParams::new();
                    params.push("/users/".len(), path.len());
                    if method == Method::GET {
                        Resolution::Route(GET_USER, params)
                    } else {
                        Resolution::MethodNotAllowed("GET")
                    }
                }
                _ => Resolution::NotFound,
            },
        }
    }

    async fn call(&self, route: usize, ctx: &Ctx) -> Response {
        let request = ctx.request();
        match route {
            GET_USER => json_response(
                200,
                &json!({"id": path_param(request, 0), "route": ctx.route()}),
            ),
            ECHO => match decode_json::<Echo>(request) {
                Ok(echo) => {
                    let mut violations = Violations::new();
                    echo.validate(&Pointer::Root, &mut violations);
                    if violations.is_empty() {
                        json_response(200, &echo)
                    } else {
                        Problem::invalid(422, violations).into_response()
                    }
                }
                Err(problem) => problem.into_response(),
            },
            BOOM => panic!("the handler blew up"),
            _ => {
                let ms: u64 = Query::parse(request)
                    .get("ms")
                    .and_then(|ms| ms.parse().ok())
                    .unwrap_or(0);
                tokio::time::sleep(Duration::from_millis(ms)).await;
                json_response(200, &json!({"slept": ms}))
            }
        }
    }

    fn openapi(&self) -> Option<&'static str> {
        Some(r#"{"openapi":"3.1.0"}"#)
    }

    fn limits(&self) -> RouteLimits {
        RouteLimits {
            body: Some(1024),
            timeout_ms: Some(2000),
            ..RouteLimits::NONE
        }
    }
}

// ---------------------------------------------------------------------------
// Harness: a server on 127.0.0.1:0 and a minimal HTTP/1.1 client.

struct Server {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

impl Server {
    async fn start(config: Config) -> Server {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("local addr");
        let (stop, stopped) = oneshot::channel::<()>();
        let shutdown = async move {
            let _ = stopped.await;
        };
        let task = tokio::spawn(serve(App, config, listener, shutdown));
        Server {
            addr,
            stop: Some(stop),
            task,
        }
    }

    fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

fn config() -> Config {
    Config {
        host: "127.0.0.1".into(),
        port: 0,
        // The body limit and timeout come from `App::limits`, as a spec's
        // service-wide `limits` would, so the routes' own limits refine them.
        concurrency: Some(64),
        queue: Some(64),
        queue_timeout_ms: 1000,
        drain_timeout_ms: 3000,
        header_timeout_ms: 300,
        // Every test client comes from 127.0.0.1: no per-client cap here
        // (the abuse tests cover it).
        client_concurrency: Some(0),
        client_connections: 0,
        ..Config::default()
    }
}

// ---------------------------------------------------------------------------
// Tests.

#[tokio::test]
async fn routes_errors_and_builtins() {
    let server = Server::start(config()).await;
    let json_ct = [("content-type", "application/json")];
    let big = "x".repeat(2000);
    // (method, target, headers, body, status, expected JSON body or problem detail check)
    type Case<'a> = (
        &'a str,
        &'a str,
        &'a [(&'a str, &'a str)],
        &'a str,
        u16,
        Option<Value>,
    );
    let cases: &[Case] = &[
        (
            "GET",
            "/users/42",
            &[],
            "",
            200,
            Some(json!({"id": "42", "route": "get_user"})),
        ),
        (
            "GET",
            "/users/a%20b%2Fc",
            &[],
            "",
            200,
            Some(json!({"id": "a b/c", "route": "get_user"})),
        ),
        (
            "GET",
            "/users/42?x=1",
            &[],
            "",
            200,
            Some(json!({"id": "42", "route": "get_user"})),
        ),
        ("GET", "/nope", &[], "", 404, None),
        ("GET", "/users/", &[], "", 404, None),
        ("DELETE", "/users/1", &[], "", 405, None),
        ("GET", "/echo", &[], "", 405, None),
        (
            "POST",
            "/echo",
            &json_ct,
            r#"{"name":"ada","tags":["x"]}"#,
            200,
            Some(json!({"name": "ada", "tags": ["x"]})),
        ),
        (
            "POST",
            "/echo",
            &[("content-type", "text/plain")],
            r#"{"name":"ada","tags":[]}"#,
            415,
            None,
        ),
        (
            "POST",
            "/echo",
            &[],
            r#"{"name":"ada","tags":[]}"#,
            415,
            None,
        ),
        ("POST", "/echo", &json_ct, r#"{"name":"ada","#, 400, None),
        ("POST", "/echo", &json_ct, "", 400, None),
        ("POST", "/echo", &json_ct, &big, 413, None),
        ("GET", "/slow", &[], "123456789", 413, None),
        ("GET", "/healthz", &[], "", 200, None),
        ("HEAD", "/healthz", &[], "", 200, None),
        ("GET", "/readyz", &[], "", 200, None),
        ("POST", "/readyz", &[], "", 405, None),
        (
            "GET",
            "/openapi.json",
            &[],
            "",
            200,
            Some(json!({"openapi": "3.1.0"})),
        ),
    ];
    for (method, target, headers, body, status, want) in cases {
        let reply = fetch(server.addr, method, target, headers, body).await;
        let what = format!("{method} {target} {body:.40}");
        assert_eq!(reply.status, *status, "{what}: {reply:?}");
        assert!(
            reply
                .header("x-request-id")
                .is_some_and(|id| !id.is_empty()),
            "{what}: no request id"
        );
        if let Some(want) = want {
            assert_eq!(reply.json(), *want, "{what}");
        }
        if *status >= 400 && *method != "HEAD" {
            assert!(is_problem(&reply), "{what}: not a problem: {reply:?}");
        }
        if *status == 405 {
            let allow = reply.header("allow").unwrap_or("");
            assert!(
                ["GET", "POST", "GET, HEAD"].contains(&allow),
                "{what}: Allow {allow:?}"
            );
        }
    }
}

#[tokio::test]
async fn validation_problems_list_every_violation() {
    let server = Server::start(config()).await;
    let json_ct: &[(&str, &str)] = &[("content-type", "application/json")];
    // (body, [(pointer, rule)])
    let cases: &[(&str, &[(&str, &str)])] = &[
        (
            r#"{"name":"toolong","tags":["a","b","c"]}"#,
            &[("/name", "len"), ("/tags", "items")],
        ),
        (r#"{"name":"","tags":[]}"#, &[("/name", "len")]),
        (r#"{"name":5,"tags":[]}"#, &[("/name", "type")]),
        (r#"{"name":"ok","tags":[1]}"#, &[("/tags/0", "type")]),
        (r#"{"tags":[]}"#, &[("/name", "required")]),
    ];
    for (body, want) in cases {
        let reply = fetch(server.addr, "POST", "/echo", json_ct, body).await;
        assert_eq!(reply.status, 422, "{body}: {reply:?}");
        assert!(is_problem(&reply));
        let json = reply.json();
        let got: Vec<(String, String)> = json["violations"]
            .as_array()
            .map(|vs| {
                vs.iter()
                    .map(|v| {
                        assert_eq!(v["location"], "body");
                        assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()));
                        (
                            v["pointer"].as_str().unwrap_or("?").to_owned(),
                            v["rule"].as_str().unwrap_or("?").to_owned(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        let want: Vec<(String, String)> = want
            .iter()
            .map(|(p, r)| ((*p).to_owned(), (*r).to_owned()))
            .collect();
        assert_eq!(got, want, "{body}");
    }
}

#[tokio::test]
async fn keep_alive_request_ids_and_streamed_limit() {
    let server = Server::start(config()).await;
    let mut client = Client::connect(server.addr).await;
    let a = client
        .request("GET", "/users/1", &[("x-request-id", "trace-123")], "")
        .await;
    assert_eq!(
        (a.status, a.header("x-request-id")),
        (200, Some("trace-123"))
    );
    let b = client
        .request("GET", "/users/2", &[("x-request-id", "bad id!")], "")
        .await;
    let c = client.request("GET", "/users/3", &[], "").await;
    let (b_id, c_id) = (
        b.header("x-request-id").unwrap_or(""),
        c.header("x-request-id").unwrap_or(""),
    );
    assert!(
        !b_id.is_empty() && b_id != "bad id!" && b_id != c_id,
        "{b_id} {c_id}"
    );

    // A chunked body is cut off as soon as it passes the limit.
    let chunk = "y".repeat(600);
    let raw = format!(
        "POST /echo HTTP/1.1\r\nhost: test\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n258\r\n{chunk}\r\n258\r\n{chunk}\r\n0\r\n\r\n"
    );
    let mut client = Client::connect(server.addr).await;
    client.send_raw(raw.as_bytes()).await;
    let reply = client.read_reply().await;
    assert_eq!(reply.status, 413, "{reply:?}");
    assert!(is_problem(&reply));
}

#[tokio::test]
async fn panics_become_500_and_serving_continues() {
    let server = Server::start(config()).await;
    for _ in 0..3 {
        let reply = fetch(server.addr, "GET", "/panic", &[], "").await;
        assert_eq!(reply.status, 500, "{reply:?}");
        assert!(is_problem(&reply));
        assert!(reply.header("x-request-id").is_some());
        let ok = fetch(server.addr, "GET", "/users/7", &[], "").await;
        assert_eq!(ok.status, 200);
    }
}

#[tokio::test]
async fn handler_timeout_is_504() {
    let server = Server::start(config()).await;
    let started = Instant::now();
    let reply = fetch(server.addr, "GET", "/slow?ms=3000", &[], "").await;
    assert_eq!(reply.status, 504, "{reply:?}");
    assert!(is_problem(&reply));
    assert!(
        started.elapsed() < Duration::from_millis(2000),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn slow_clients_are_cut_off() {
    let server = Server::start(config()).await;
    let mut client = Client::connect(server.addr).await;
    let started = Instant::now();
    client.send_raw(b"GET /healthz HTTP/1.1\r\nhost: te").await;
    let outcome = tokio::time::timeout(STEP, async { while client.fill().await > 0 {} }).await;
    assert!(outcome.is_ok(), "the connection stayed open");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    let text = String::from_utf8_lossy(&client.buf);
    assert!(
        text.is_empty() || text.starts_with("HTTP/1.1 408"),
        "{text}"
    );
}

/// Starts a request, then waits until `/metrics` (which admission control
/// never blocks) shows the line `until`, so the server has surely got it.
async fn start_request(
    addr: SocketAddr,
    target: &str,
    until: &str,
) -> JoinHandle<(Reply, Duration)> {
    let target = target.to_owned();
    let handle = tokio::spawn(async move {
        let started = Instant::now();
        let reply = fetch(addr, "GET", &target, &[], "").await;
        (reply, started.elapsed())
    });
    for _ in 0..200 {
        let metrics = fetch(addr, "GET", "/metrics", &[], "").await.body;
        if metrics.lines().any(|line| line == until) {
            return handle;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the server never showed {until:?}");
}

#[tokio::test]
async fn route_admission_queues_then_sheds() {
    let server = Server::start(config()).await;
    // `slow` allows one request in its handler and one waiting.
    let first = start_request(
        server.addr,
        "/slow?ms=400",
        "gati_route_in_flight{route=\"slow\"} 1",
    )
    .await;
    let second = start_request(
        server.addr,
        "/slow?ms=10",
        "gati_route_queue_depth{route=\"slow\"} 1",
    )
    .await;
    // The third comes on a keep-alive connection that has already served a
    // request: it is shed at once, and the connection is closed after the
    // 503, so a client that retries at once reconnects (and may reach
    // another replica) instead of spinning on this one.
    let mut client = Client::connect(server.addr).await;
    assert_eq!(client.request("GET", "/users/1", &[], "").await.status, 200);
    let started = Instant::now();
    let third = client.request("GET", "/slow?ms=10", &[], "").await;
    assert_eq!(third.status, 503, "{third:?}");
    assert_eq!(third.header("retry-after"), Some("1"));
    assert_eq!(third.header("connection"), Some("close"));
    assert!(is_problem(&third));
    assert!(
        started.elapsed() < Duration::from_millis(250),
        "shed late: {:?}",
        started.elapsed()
    );
    assert_eq!(
        tokio::time::timeout(STEP, client.fill())
            .await
            .expect("closed in time"),
        0,
        "the connection stayed open after a shed request"
    );
    let (first, _) = first.await.expect("first");
    let (second, waited) = second.await.expect("second");
    assert_eq!((first.status, second.status), (200, 200));
    assert!(
        waited >= Duration::from_millis(150),
        "the second did not queue: {waited:?}"
    );
    // Other routes are not limited by `slow`'s gate.
    assert_eq!(
        fetch(server.addr, "GET", "/users/1", &[], "").await.status,
        200
    );

    let metrics = fetch(server.addr, "GET", "/metrics", &[], "").await;
    assert_eq!(metrics.status, 200);
    assert!(
        metrics
            .header("content-type")
            .is_some_and(|ct| ct.starts_with("text/plain"))
    );
    let expected = [
        "gati_requests_total{route=\"slow\",class=\"2xx\"} 2",
        "gati_requests_total{route=\"slow\",class=\"5xx\"} 1",
        "gati_requests_total{route=\"get_user\",class=\"2xx\"} 2",
        "gati_shed_total{route=\"slow\"} 1",
        "gati_shed_total{route=\"get_user\"} 0",
        "gati_request_duration_seconds_count{route=\"slow\"} 3",
        "gati_request_duration_seconds_bucket{route=\"slow\",le=\"+Inf\"} 3",
        "gati_route_in_flight{route=\"slow\"} 0",
        "gati_route_queue_depth{route=\"slow\"} 0",
        "gati_in_flight 0",
        "gati_queue_depth 0",
        "gati_service_shed_total 0",
        "gati_draining 0",
        "# TYPE gati_request_duration_seconds histogram",
    ];
    let lines: Vec<&str> = metrics.body.lines().collect();
    for line in expected {
        assert!(
            lines.contains(&line),
            "missing {line:?} in\n{}",
            metrics.body
        );
    }
}

#[tokio::test]
async fn service_admission_sheds_when_full_and_when_waiting_too_long() {
    let server = Server::start(Config {
        concurrency: Some(1),
        queue: Some(1),
        queue_timeout_ms: 300,
        ..config()
    })
    .await;
    let holder = start_request(server.addr, "/sleep?ms=800", "gati_in_flight 1").await;
    let waiter = start_request(server.addr, "/sleep?ms=1", "gati_queue_depth 1").await;
    // The queue holds one: a third request is shed at once.
    let started = Instant::now();
    let full = fetch(server.addr, "GET", "/users/1", &[], "").await;
    assert_eq!(
        (
            full.status,
            full.header("retry-after"),
            full.header("connection")
        ),
        (503, Some("1"), Some("close")),
        "{full:?}"
    );
    assert!(
        started.elapsed() < Duration::from_millis(250),
        "{:?}",
        started.elapsed()
    );
    // The waiter passes its queue deadline before a slot frees up.
    let (waited, elapsed) = waiter.await.expect("waiter");
    assert_eq!(
        (waited.status, waited.header("retry-after")),
        (503, Some("1")),
        "{waited:?}"
    );
    assert!(
        elapsed >= Duration::from_millis(250) && elapsed < Duration::from_millis(750),
        "{elapsed:?}"
    );
    assert!(is_problem(&waited));
    let (held, _) = holder.await.expect("holder");
    assert_eq!(held.status, 200);

    let metrics = fetch(server.addr, "GET", "/metrics", &[], "").await.body;
    assert!(
        metrics.lines().any(|l| l == "gati_service_shed_total 2"),
        "{metrics}"
    );
    assert!(
        metrics
            .lines()
            .any(|l| l == "gati_shed_total{route=\"sleep\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics
            .lines()
            .any(|l| l == "gati_shed_total{route=\"get_user\"} 1"),
        "{metrics}"
    );
}

#[tokio::test]
async fn graceful_shutdown_drains_in_flight_requests() {
    let mut server = Server::start(config()).await;
    let slow = start_request(server.addr, "/sleep?ms=400", "gati_in_flight 1").await;
    server.shutdown();
    tokio::time::sleep(Duration::from_millis(100)).await;
    // New connections are refused while the slow request is still running.
    let refused = TcpStream::connect(server.addr).await;
    assert!(
        refused.is_err(),
        "a new connection was accepted during drain"
    );
    assert!(!server.task.is_finished());
    let (reply, _) = slow.await.expect("slow request");
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.json(), json!({"slept": 400}));
    let result = tokio::time::timeout(STEP, server.task)
        .await
        .expect("serve returns after draining");
    assert!(matches!(result, Ok(Ok(()))));
}

#[tokio::test]
async fn drain_deadline_bounds_shutdown() {
    let mut server = Server::start(Config {
        drain_timeout_ms: 150,
        ..config()
    })
    .await;
    let stuck = start_request(server.addr, "/sleep?ms=5000", "gati_in_flight 1").await;
    let started = Instant::now();
    server.shutdown();
    let result = tokio::time::timeout(STEP, server.task)
        .await
        .expect("serve returns at the drain deadline");
    assert!(matches!(result, Ok(Ok(()))));
    assert!(
        started.elapsed() < Duration::from_millis(1000),
        "{:?}",
        started.elapsed()
    );
    stuck.abort();
}

#[tokio::test]
async fn http2_prior_knowledge_multiplexes() {
    use http_body_util::{BodyExt, Empty};
    use hyper_util::rt::{TokioExecutor, TokioIo};

    let server = Server::start(config()).await;
    let stream = TcpStream::connect(server.addr).await.expect("connect");
    let (sender, conn) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
            .await
            .expect("h2 handshake");
    let driver = tokio::spawn(conn);
    // (path, status, body) — sent at once, on one connection.
    let cases: &[(&str, u16, Value)] = &[
        ("/sleep?ms=100", 200, json!({"slept": 100})),
        ("/users/h2", 200, json!({"id": "h2", "route": "get_user"})),
        ("/missing", 404, json!(null)),
    ];
    let started = Instant::now();
    let tasks: Vec<_> = cases
        .iter()
        .map(|(path, _, _)| {
            let mut sender = sender.clone();
            let uri = format!("http://{}{path}", server.addr);
            tokio::spawn(async move {
                let request = hyper::Request::get(uri)
                    .body(Empty::<bytes::Bytes>::new())
                    .expect("request");
                let response = sender.send_request(request).await.expect("response");
                let status = response.status().as_u16();
                let has_id = response.headers().contains_key("x-request-id");
                let body = response
                    .into_body()
                    .collect()
                    .await
                    .expect("body")
                    .to_bytes();
                (
                    status,
                    has_id,
                    serde_json::from_slice::<Value>(&body).unwrap_or(Value::Null),
                )
            })
        })
        .collect();
    for ((path, status, body), task) in cases.iter().zip(tasks) {
        let (got_status, has_id, got_body) = tokio::time::timeout(STEP, task)
            .await
            .expect("in time")
            .expect("task");
        assert_eq!(got_status, *status, "{path}");
        assert!(has_id, "{path}");
        if !body.is_null() {
            assert_eq!(got_body, *body, "{path}");
        }
    }
    assert!(started.elapsed() < Duration::from_millis(1000));
    driver.abort();
}

#[tokio::test]
async fn first_bytes_pick_the_protocol() {
    let server = Server::start(config()).await;
    // One byte that could start the HTTP/2 preface: the server cannot tell
    // yet, so hyper-util's auto builder serves it, as HTTP/1 once it knows.
    let mut client = Client::connect(server.addr).await;
    client.send_raw(b"P").await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    client
        .send_raw(raw_request("UT", "/users/1", &[], "").as_bytes())
        .await;
    let reply = client.read_reply().await;
    assert_eq!(reply.status, 405, "{reply:?}");
    assert!(is_problem(&reply), "{reply:?}");
    assert!(reply.header("x-request-id").is_some());
    // Keep-alive works on that path too.
    let reply = client.request("GET", "/users/7", &[], "").await;
    assert_eq!(reply.json(), json!({"id": "7", "route": "get_user"}));

    // A connection that never sends a byte is closed within the header
    // timeout, before any protocol is chosen.
    let mut silent = Client::connect(server.addr).await;
    let started = Instant::now();
    let outcome = tokio::time::timeout(STEP, async { while silent.fill().await > 0 {} }).await;
    assert!(outcome.is_ok(), "the silent connection stayed open");
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(silent.buf.is_empty());
}
