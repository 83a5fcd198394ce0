//! OpenTelemetry traces end to end: a server with `OTEL_EXPORTER_OTLP_ENDPOINT`
//! pointing at an OTLP/HTTP receiver in this test (a hyper server on
//! loopback that decodes what the exporter posts with `opentelemetry-proto`),
//! requests with and without a W3C `traceparent`, and assertions on the
//! spans received and their parent links. A second server in the same
//! process, configured without the variables, exports nothing.

#![cfg(feature = "otel")]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;

use gati_runtime::{
    Config, Ctx, PathParams, Problem, Resolution, Response, RouteInfo, RouteLimits, Service,
    VersionInfo, convert_span, decode_span, handler_span, json_response, serve,
};
use http_body_util::BodyExt;
use hyper::Method;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::KeyValue;
use opentelemetry_proto::tonic::common::v1::any_value::Value as AnyValue;
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message;
use serde_json::json;
use tokio::sync::{mpsc, oneshot};

mod support;
use support::fetch;

/// The versions of the test service, oldest first.
const DATES: [&str; 3] = ["2024-01-01", "2024-06-01", "2025-01-01"];

static VERSIONS: [VersionInfo; 3] = [
    VersionInfo {
        date: DATES[0],
        deprecation: None,
        sunset: None,
        sunset_at: None,
    },
    VersionInfo {
        date: DATES[1],
        deprecation: None,
        sunset: None,
        sunset_at: None,
    },
    VersionInfo {
        date: DATES[2],
        deprecation: None,
        sunset: None,
        sunset_at: None,
    },
];

static ROUTES: [RouteInfo; 2] = [
    RouteInfo {
        name: "create_task",
        method: "POST",
        path: "/tasks",
        auth: false,
        limits: RouteLimits::NONE,
    },
    RouteInfo {
        name: "fail",
        method: "GET",
        path: "/fail",
        auth: false,
        limits: RouteLimits::NONE,
    },
];

/// A versioned service whose `create_task` opens the spans generated code
/// does: `decode`, a `convert` per step forward, `handler`, a `convert` per
/// step back. `GET /fail` answers 500.
struct Tasks;

impl Service for Tasks {
    fn routes(&self) -> &'static [RouteInfo] {
        &ROUTES
    }

    fn resolve(&self, method: &Method, path: &str) -> Resolution {
        match (method, path) {
            (&Method::POST, "/tasks") => Resolution::Route(0, PathParams::new()),
            (&Method::GET, "/fail") => Resolution::Route(1, PathParams::new()),
            _ => Resolution::NotFound,
        }
    }

    async fn call(&self, route: usize, ctx: &Ctx) -> Response {
        if route == 1 {
            let handler = handler_span(ctx);
            handler.end();
            return Problem::new(500, "failed on purpose").into_response();
        }
        let decode = decode_span(ctx);
        decode.end();
        let from = ctx.version_index().unwrap_or(DATES.len() - 1);
        for step in DATES[from..].windows(2) {
            let _span = convert_span(ctx, step[0], step[1]);
        }
        let handler = handler_span(ctx);
        tokio::task::yield_now().await;
        handler.end();
        for step in DATES[from..].windows(2).rev() {
            let _span = convert_span(ctx, step[1], step[0]);
        }
        json_response(201, &json!({"ok": true}))
    }

    fn versions(&self) -> &'static [VersionInfo] {
        &VERSIONS
    }
}

/// One span as the receiver got it, with its resource's `service.name`.
#[derive(Clone, Debug)]
struct Received {
    service: String,
    span: Span,
}

/// An OTLP/HTTP receiver on a free loopback port: every span of every
/// `POST /v1/traces` it answers goes to the channel.
async fn receiver() -> (SocketAddr, mpsc::UnboundedReceiver<Received>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the receiver");
    let addr = listener.local_addr().expect("the receiver's address");
    let (sender, received) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let sender = sender.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(
                    move |request: hyper::Request<hyper::body::Incoming>| {
                        let sender = sender.clone();
                        async move {
                            let path_ok = request.uri().path() == "/v1/traces";
                            let type_ok = request
                                .headers()
                                .get("content-type")
                                .is_some_and(|v| v == "application/x-protobuf");
                            let body = request.into_body().collect().await?.to_bytes();
                            let status = match ExportTraceServiceRequest::decode(body) {
                                Ok(export) if path_ok && type_ok => {
                                    for resource in export.resource_spans {
                                        let service = resource
                                            .resource
                                            .as_ref()
                                            .and_then(|r| text(&r.attributes, "service.name"))
                                            .unwrap_or_default();
                                        for scope in resource.scope_spans {
                                            for span in scope.spans {
                                                let service = service.clone();
                                                let _ = sender.send(Received { service, span });
                                            }
                                        }
                                    }
                                    200
                                }
                                _ => 400,
                            };
                            let response = hyper::Response::builder()
                                .status(status)
                                .header("content-type", "application/x-protobuf")
                                .body(http_body_util::Full::new(bytes::Bytes::new()))
                                .expect("a response");
                            Ok::<_, hyper::Error>(response)
                        }
                    },
                );
                let io = hyper_util::rt::TokioIo::new(stream);
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(io, service)
                    .await;
            });
        }
    });
    (addr, received)
}

/// The attribute `key` as text (strings as they are, numbers in decimal).
fn text(attributes: &[KeyValue], key: &str) -> Option<String> {
    let value = attributes.iter().find(|a| a.key == key)?.value.as_ref()?;
    match value.value.as_ref()? {
        AnyValue::StringValue(s) => Some(s.clone()),
        AnyValue::IntValue(n) => Some(n.to_string()),
        other => Some(format!("{other:?}")),
    }
}

fn attr(span: &Span, key: &str) -> Option<String> {
    text(&span.attributes, key)
}

/// Lowercase hex of `bytes`.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A server for `Tasks` with `vars` as its environment; the sender stops it.
async fn start(
    vars: &[(&str, &str)],
) -> (
    SocketAddr,
    oneshot::Sender<()>,
    tokio::task::JoinHandle<std::io::Result<()>>,
) {
    let vars: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let from_vars = Config::from_vars(|name| vars.get(name).cloned()).expect("valid variables");
    let config = Config {
        host: "127.0.0.1".into(),
        port: 0,
        client_concurrency: Some(0),
        client_connections: 0,
        ..from_vars
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("local addr");
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(serve(Tasks, config, listener, async move {
        let _ = stopped.await;
    }));
    (addr, stop, task)
}

const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT: &str = "00f067aa0ba902b7";

/// A `traceparent` for trace `trace` from span `PARENT`.
fn traceparent(trace: &str, flags: &str) -> String {
    format!("00-{trace}-{PARENT}-{flags}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spans_reach_the_collector_with_their_parents() {
    let (collector, mut received) = receiver().await;
    let endpoint = format!("http://{collector}");
    let (addr, stop, task) = start(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
        ("OTEL_SERVICE_NAME", "tasks"),
        ("OTEL_BSP_SCHEDULE_DELAY", "50"),
    ])
    .await;
    // A server of the same process that names no collector.
    let (quiet, stop_quiet, quiet_task) = start(&[]).await;

    let body = r#"{"title":"x"}"#;
    let sampled = traceparent(TRACE, "01");
    let at_oldest = [
        ("gati-version", DATES[0]),
        ("traceparent", sampled.as_str()),
        ("tracestate", "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7"),
    ];
    assert_eq!(
        fetch(addr, "POST", "/tasks", &at_oldest, body).await.status,
        201
    );
    let at_head = [("gati-version", DATES[2])];
    assert_eq!(
        fetch(addr, "POST", "/tasks", &at_head, body).await.status,
        201
    );
    // Malformed (version ff), or sent twice: a new trace.
    let malformed = format!("ff-{TRACE}-{PARENT}-01");
    let bad = [("traceparent", malformed.as_str())];
    assert_eq!(fetch(addr, "GET", "/nowhere", &bad, "").await.status, 404);
    let twice_trace = "11111111111111111111111111111111";
    let twice_value = traceparent(twice_trace, "01");
    let twice = [
        ("traceparent", twice_value.as_str()),
        ("traceparent", twice_value.as_str()),
    ];
    assert_eq!(fetch(addr, "GET", "/fail", &twice, "").await.status, 500);
    // The caller decided not to sample: nothing goes out.
    let unsampled_trace = "22222222222222222222222222222222";
    let unsampled = traceparent(unsampled_trace, "00");
    let not_sampled = [("traceparent", unsampled.as_str())];
    assert_eq!(
        fetch(addr, "POST", "/tasks", &not_sampled, body)
            .await
            .status,
        201
    );
    // Probes are not traced.
    assert_eq!(fetch(addr, "GET", "/healthz", &[], "").await.status, 200);
    // The quiet server exports nothing, whatever the caller sends.
    let quiet_trace = "33333333333333333333333333333333";
    let quiet_value = traceparent(quiet_trace, "01");
    let to_quiet = [
        ("gati-version", DATES[0]),
        ("traceparent", quiet_value.as_str()),
    ];
    assert_eq!(
        fetch(quiet, "POST", "/tasks", &to_quiet, body).await.status,
        201
    );

    // Stopping flushes every span before `serve` returns.
    let _ = stop.send(());
    tokio::time::timeout(Duration::from_secs(20), task)
        .await
        .expect("the server stops in time")
        .expect("join")
        .expect("serve");
    let _ = stop_quiet.send(());
    quiet_task.await.expect("join").expect("serve");
    let mut spans = Vec::new();
    while let Ok(one) = received.try_recv() {
        spans.push(one);
    }
    assert!(spans.iter().all(|r| r.service == "tasks"), "{spans:#?}");
    let spans: Vec<Span> = spans.into_iter().map(|r| r.span).collect();
    let of_trace = |trace: &str| -> Vec<&Span> {
        spans.iter().filter(|s| hex(&s.trace_id) == trace).collect()
    };
    let requests: Vec<&Span> = spans.iter().filter(|s| s.name == "request").collect();
    // One request span each: oldest, head, the 404 and the 500.
    assert_eq!(requests.len(), 4, "{requests:#?}");

    // The request at the oldest version: the caller's span is its parent.
    let tree = of_trace(TRACE);
    let Some(request) = tree.iter().find(|s| s.name == "request") else {
        panic!("no request span in {tree:#?}");
    };
    assert_eq!(hex(&request.parent_span_id), PARENT);
    assert_eq!(request.kind, 2, "SERVER");
    assert_eq!(
        request.trace_state,
        "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7"
    );
    for (key, want) in [
        ("http.request.method", "POST"),
        ("http.route", "/tasks"),
        ("http.response.status_code", "201"),
        ("url.scheme", "http"),
        ("url.path", "/tasks"),
        ("server.address", "test"),
        ("server.port", "80"),
        ("gati.version", DATES[0]),
        ("gati.route", "create_task"),
    ] {
        assert_eq!(attr(request, key).as_deref(), Some(want), "{key}");
    }
    let mut children: Vec<&&Span> = tree.iter().filter(|s| s.name != "request").collect();
    children.sort_by_key(|s| s.start_time_unix_nano);
    let names: Vec<&str> = children.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "decode", "convert", "convert", "handler", "convert", "convert"
        ]
    );
    for child in &children {
        assert_eq!(child.parent_span_id, request.span_id, "{}", child.name);
        assert_eq!(child.kind, 1, "INTERNAL");
        assert!(child.start_time_unix_nano >= request.start_time_unix_nano);
        assert!(child.end_time_unix_nano <= request.end_time_unix_nano);
    }
    let steps: Vec<(String, String, String)> = children
        .iter()
        .filter(|s| s.name == "convert")
        .map(|s| {
            (
                attr(s, "gati.version.from").unwrap_or_default(),
                attr(s, "gati.version.to").unwrap_or_default(),
                attr(s, "gati.convert.direction").unwrap_or_default(),
            )
        })
        .collect();
    let step = |from: &str, to: &str, way: &str| (from.to_owned(), to.to_owned(), way.to_owned());
    assert_eq!(
        steps,
        [
            step(DATES[0], DATES[1], "forward"),
            step(DATES[1], DATES[2], "forward"),
            step(DATES[2], DATES[1], "backward"),
            step(DATES[1], DATES[0], "backward"),
        ]
    );

    // The request at the head: a new trace, no conversions.
    let Some(head) = requests
        .iter()
        .find(|s| attr(s, "gati.version").as_deref() == Some(DATES[2]))
    else {
        panic!("no request span at the head in {requests:#?}");
    };
    assert!(head.parent_span_id.is_empty());
    let mut names: Vec<&str> = of_trace(&hex(&head.trace_id))
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["decode", "handler", "request"]);

    // A malformed `traceparent` starts a new trace; a 404 has no route.
    let Some(lost) = requests
        .iter()
        .find(|s| attr(s, "http.response.status_code").as_deref() == Some("404"))
    else {
        panic!("no 404 in {requests:#?}");
    };
    assert_ne!(hex(&lost.trace_id), TRACE);
    assert!(lost.parent_span_id.is_empty());
    assert_eq!(attr(lost, "http.route"), None);
    assert_eq!(attr(lost, "gati.version").as_deref(), Some(DATES[2]));

    // Two `traceparent`s start a new trace too; a 500 is an error.
    assert!(of_trace(twice_trace).is_empty());
    let Some(failed) = requests
        .iter()
        .find(|s| attr(s, "http.response.status_code").as_deref() == Some("500"))
    else {
        panic!("no 500 in {requests:#?}");
    };
    assert!(failed.parent_span_id.is_empty());
    assert_eq!(attr(failed, "error.type").as_deref(), Some("500"));
    assert_eq!(failed.status.as_ref().map(|s| s.code), Some(2), "ERROR");
    assert_eq!(attr(failed, "http.route").as_deref(), Some("/fail"));

    // Unsampled, probes and the quiet server: nothing.
    assert!(of_trace(unsampled_trace).is_empty());
    assert!(of_trace(quiet_trace).is_empty());
    assert!(
        !spans
            .iter()
            .any(|s| attr(s, "url.path").as_deref() == Some("/healthz"))
    );
}

#[tokio::test]
async fn an_unreachable_collector_costs_the_requests_nothing() {
    // Nothing listens on the collector's port: exports fail (and are
    // logged), requests are answered as ever, and the server still stops.
    let unused = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let endpoint = format!("http://{}", unused.local_addr().expect("addr"));
    drop(unused);
    let (addr, stop, task) = start(&[
        ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", &endpoint),
        ("OTEL_BSP_SCHEDULE_DELAY", "10"),
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "500"),
    ])
    .await;
    for _ in 0..3 {
        let reply = fetch(addr, "POST", "/tasks", &[], r#"{"title":"x"}"#).await;
        assert_eq!(reply.status, 201);
    }
    let _ = stop.send(());
    tokio::time::timeout(Duration::from_secs(20), task)
        .await
        .expect("the server stops in time")
        .expect("join")
        .expect("serve");
}
