//! OpenTelemetry traces of the generated crate (its `otel` feature, on for
//! these tests) end to end: a request at the oldest version, with a W3C
//! `traceparent`, goes through the generated conversions, and the OTLP/HTTP
//! receiver in this test (a loopback socket that decodes the exporter's
//! protobuf with `opentelemetry-proto`) gets the span tree: the request's
//! span as the caller's child, then `decode`, one `convert` per version step
//! forward, `handler`, one `convert` per step back. A request at the head
//! has no `convert` span; a server without the variables exports nothing.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value as AnyValue;
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message;
use timescape_api::routes::Router;
use timescape_api::runtime::Config;
use timescape_example::App;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot};

const V1: &str = "2024-01-01";
const V2: &str = "2024-06-01";
const HEAD: &str = "2025-01-01";

const TRACE: &str = "0af7651916cd43dd8448eb211c80319c";
const CALLER: &str = "b7ad6b7169203331";

/// An OTLP/HTTP receiver on a free loopback port, HTTP/1.1 by hand: each
/// request's body is decoded and its spans go to the channel; the answer is
/// an empty protobuf message.
async fn receiver() -> (SocketAddr, mpsc::UnboundedReceiver<Span>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (sender, spans) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(exports(stream, sender.clone()));
        }
    });
    (addr, spans)
}

/// Serves one connection of the exporter's, request after request.
async fn exports(mut stream: TcpStream, sender: mpsc::UnboundedSender<Span>) {
    let mut buffer = Vec::new();
    loop {
        let head_end = loop {
            if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                break end + 4;
            }
            let mut chunk = [0u8; 4096];
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buffer[..head_end]).to_ascii_lowercase();
        assert!(head.starts_with("post /v1/traces "), "{head}");
        assert!(
            head.contains("content-type: application/x-protobuf"),
            "{head}"
        );
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse().ok())
            .expect("a content-length");
        while buffer.len() < head_end + length {
            let mut chunk = [0u8; 4096];
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            }
        }
        let body: Vec<u8> = buffer.drain(..head_end + length).skip(head_end).collect();
        let export = ExportTraceServiceRequest::decode(body.as_slice()).expect("a trace export");
        for resource in export.resource_spans {
            for scope in resource.scope_spans {
                for span in scope.spans {
                    let _ = sender.send(span);
                }
            }
        }
        let answer =
            "HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: 0\r\n\r\n";
        if stream.write_all(answer.as_bytes()).await.is_err() {
            return;
        }
    }
}

/// A server with `vars` as its environment; the sender stops it.
async fn start(
    vars: &[(&str, String)],
) -> (
    SocketAddr,
    oneshot::Sender<()>,
    tokio::task::JoinHandle<std::io::Result<()>>,
) {
    let vars: HashMap<&str, String> = vars.iter().cloned().collect();
    let config = Config::from_vars(|name| vars.get(name).cloned()).expect("valid variables");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(timescape_api::runtime::serve(
        Router::new(App::new()),
        config,
        listener,
        async move {
            let _ = stopped.await;
        },
    ));
    (addr, stop, task)
}

/// Sends one HTTP/1.1 request (`Connection: close`) and returns its status.
async fn send(addr: SocketAddr, path: &str, headers: &[(&str, &str)], body: &str) -> u16 {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let mut raw = format!(
        "POST {path} HTTP/1.1\r\nHost: tasks.test:8080\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        raw.push_str(&format!("{name}: {value}\r\n"));
    }
    raw.push_str("\r\n");
    raw.push_str(body);
    stream.write_all(raw.as_bytes()).await.expect("write");
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply).await.expect("read");
    String::from_utf8_lossy(&reply)
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status line")
}

fn attr(span: &Span, key: &str) -> Option<String> {
    let value = span
        .attributes
        .iter()
        .find(|a| a.key == key)?
        .value
        .as_ref()?;
    match value.value.as_ref()? {
        AnyValue::StringValue(s) => Some(s.clone()),
        AnyValue::IntValue(n) => Some(n.to_string()),
        other => Some(format!("{other:?}")),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_at_the_oldest_version_traces_every_conversion_step() {
    let (collector, mut received) = receiver().await;
    let (addr, stop, task) = start(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", format!("http://{collector}")),
        ("OTEL_SERVICE_NAME", "timescape".to_owned()),
        ("OTEL_BSP_SCHEDULE_DELAY", "50".to_owned()),
    ])
    .await;
    let (quiet, stop_quiet, quiet_task) = start(&[]).await;

    let traceparent = format!("00-{TRACE}-{CALLER}-01");
    let old_task = r#"{"name": "Buy milk", "notes": "2%", "priority": "someday", "labels": "home,errand", "assignee": "ana"}"#;
    let oldest = [("Gati-Version", V1), ("traceparent", traceparent.as_str())];
    assert_eq!(send(addr, "/tasks", &oldest, old_task).await, 201);
    let head = [("Gati-Version", HEAD)];
    assert_eq!(
        send(addr, "/tasks", &head, r#"{"title": "Feed cat"}"#).await,
        201
    );
    let quiet_trace = "5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e";
    let quiet_parent = format!("00-{quiet_trace}-{CALLER}-01");
    let to_quiet = [("Gati-Version", V1), ("traceparent", quiet_parent.as_str())];
    assert_eq!(send(quiet, "/tasks", &to_quiet, old_task).await, 201);

    // `serve` exports what is left before it returns.
    let _ = stop.send(());
    tokio::time::timeout(Duration::from_secs(20), task)
        .await
        .expect("the server stops in time")
        .expect("join")
        .expect("serve");
    let _ = stop_quiet.send(());
    quiet_task.await.expect("join").expect("serve");
    let mut spans = Vec::new();
    while let Ok(span) = received.try_recv() {
        spans.push(span);
    }

    // The oldest version's request: the caller's child, with the route,
    // the version and the status.
    let mut tree: Vec<&Span> = spans.iter().filter(|s| hex(&s.trace_id) == TRACE).collect();
    tree.sort_by_key(|s| s.start_time_unix_nano);
    let Some(request) = tree.iter().find(|s| s.name == "request") else {
        panic!("no request span in {spans:#?}");
    };
    assert_eq!(hex(&request.parent_span_id), CALLER);
    assert_eq!(request.kind, 2, "SERVER");
    for (key, want) in [
        ("http.request.method", "POST"),
        ("http.route", "/tasks"),
        ("http.response.status_code", "201"),
        ("url.scheme", "http"),
        ("server.address", "tasks.test"),
        ("server.port", "8080"),
        ("gati.route", "create_task"),
        ("gati.version", V1),
    ] {
        assert_eq!(attr(request, key).as_deref(), Some(want), "{key}");
    }
    // Its children, in the order they ran: every one the request span's.
    let children: Vec<&Span> = tree
        .iter()
        .copied()
        .filter(|s| s.name != "request")
        .collect();
    let shape: Vec<(String, Option<String>, Option<String>)> = children
        .iter()
        .map(|s| {
            (
                s.name.clone(),
                attr(s, "gati.version.from"),
                attr(s, "gati.version.to"),
            )
        })
        .collect();
    let plain = |name: &str| (name.to_owned(), None, None);
    let step = |from: &str, to: &str| {
        (
            "convert".to_owned(),
            Some(from.to_owned()),
            Some(to.to_owned()),
        )
    };
    assert_eq!(
        shape,
        [
            plain("decode"),
            step(V1, V2),
            step(V2, HEAD),
            plain("handler"),
            step(HEAD, V2),
            step(V2, V1),
        ]
    );
    for child in &children {
        assert_eq!(child.parent_span_id, request.span_id, "{}", child.name);
        assert!(child.end_time_unix_nano <= request.end_time_unix_nano);
    }

    // The head's request: a trace of its own, no conversion.
    let Some(at_head) = spans
        .iter()
        .find(|s| s.name == "request" && attr(s, "gati.version").as_deref() == Some(HEAD))
    else {
        panic!("no request at the head in {spans:#?}");
    };
    assert!(at_head.parent_span_id.is_empty());
    let mut names: Vec<&str> = spans
        .iter()
        .filter(|s| s.trace_id == at_head.trace_id)
        .map(|s| s.name.as_str())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["decode", "handler", "request"]);

    // The server without the variables sent nothing.
    assert!(!spans.iter().any(|s| hex(&s.trace_id) == quiet_trace));
    assert_eq!(spans.len(), tree.len() + names.len());
}
