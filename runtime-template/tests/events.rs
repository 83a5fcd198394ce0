//! Server-sent event streams over a real loopback socket: what an open
//! stream holds (a stream slot, its client's count of requests in flight,
//! its connection), that a quiet stream outlives the header timeout, that a
//! client going away stops the producer, and that a drain ends every stream.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use gati_runtime::{
    Config, Ctx, EventSender, Events, PathParams, Query, Resolution, Response, RouteInfo,
    RouteLimits, Service, event_json, event_stream, serve,
};
use hyper::Method;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{Mutex, oneshot};
use tokio::task::JoinHandle;

mod support;
use support::{STEP, fetch};

/// One route, `GET /events?n=N`: N numbered events at once, then the
/// stream stays open (its sender is kept in `senders`) until the test
/// drops it, the client goes away or the server drains.
#[derive(Clone, Default)]
struct App {
    senders: Arc<Mutex<Vec<EventSender<u32>>>>,
}

static ROUTES: [RouteInfo; 1] = [RouteInfo {
    name: "events",
    method: "GET",
    path: "/events",
    auth: false,
    limits: RouteLimits::NONE,
}];

impl Service for App {
    fn routes(&self) -> &'static [RouteInfo] {
        &ROUTES
    }

    fn resolve(&self, method: &Method, path: &str) -> Resolution {
        match (method, path) {
            (&Method::GET, "/events") => Resolution::Route(0, PathParams::new()),
            (_, "/events") => Resolution::MethodNotAllowed("GET"),
            _ => Resolution::NotFound,
        }
    }

    async fn call(&self, _route: usize, ctx: &Ctx) -> Response {
        let n: u32 = Query::parse(ctx.request())
            .get("n")
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        let (sender, events) = Events::channel(8);
        for i in 0..n {
            let _ = sender.send(i).await;
        }
        self.senders.lock().await.push(sender);
        event_stream(events, |n: u32| event_json(&n))
    }
}

struct Server {
    addr: SocketAddr,
    app: App,
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
        let app = App::default();
        let task = tokio::spawn(serve(app.clone(), config, listener, async move {
            let _ = stopped.await;
        }));
        Server {
            addr,
            app,
            stop: Some(stop),
            task,
        }
    }
}

fn config() -> Config {
    Config {
        host: "127.0.0.1".into(),
        port: 0,
        concurrency: Some(64),
        queue: Some(64),
        header_timeout_ms: 200,
        drain_timeout_ms: 5000,
        client_concurrency: Some(0),
        client_connections: 0,
        ..Config::default()
    }
}

/// Opens `GET /events?n=N` and reads until the head and `n` events have
/// arrived; the stream stays open on the returned socket.
async fn open(addr: SocketAddr, n: u32) -> (TcpStream, String) {
    let mut socket = TcpStream::connect(addr).await.expect("connect");
    let request = format!("GET /events?n={n} HTTP/1.1\r\nhost: test\r\n\r\n");
    socket.write_all(request.as_bytes()).await.expect("write");
    let mut seen = String::new();
    let mut buf = [0u8; 4096];
    let deadline = Instant::now() + STEP;
    let done = |seen: &str| {
        let head = seen.contains("\r\n\r\n");
        // Anything but a stream is answered at once.
        head && (!seen.starts_with("HTTP/1.1 200") || seen.matches("data: ").count() >= n as usize)
    };
    while !done(&seen) {
        let left = deadline.saturating_duration_since(Instant::now());
        let read = tokio::time::timeout(left, socket.read(&mut buf))
            .await
            .expect("the stream's start arrives in time")
            .expect("read");
        assert!(read > 0, "closed early: {seen}");
        seen.push_str(&String::from_utf8_lossy(&buf[..read]));
    }
    (socket, seen)
}

/// Reads what is left until the server closes or ends the stream.
async fn rest(socket: &mut TcpStream) -> String {
    let mut out = Vec::new();
    let read = tokio::time::timeout(STEP, socket.read_to_end(&mut out)).await;
    assert!(read.is_ok(), "the stream did not end in time");
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn events_stream_as_chunks_until_the_producer_ends() {
    let server = Server::start(config()).await;
    let (mut socket, head) = open(server.addr, 3).await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    let lower = head.to_ascii_lowercase();
    assert!(lower.contains("content-type: text/event-stream"), "{head}");
    assert!(lower.contains("transfer-encoding: chunked"), "{head}");
    assert!(lower.contains("x-request-id: "), "{head}");
    for i in 0..3 {
        assert!(head.contains(&format!("data: {i}\n\n")), "{head}");
    }
    // Dropping the producer ends the stream; the connection stays usable.
    server.app.senders.lock().await.clear();
    let mut buf = [0u8; 64];
    let read = tokio::time::timeout(STEP, socket.read(&mut buf))
        .await
        .expect("the last chunk arrives")
        .expect("read");
    assert_eq!(&buf[..read], b"0\r\n\r\n");
    let reply = fetch(server.addr, "GET", "/healthz", &[], "").await;
    assert_eq!(reply.status, 200);
}

#[tokio::test]
async fn a_quiet_stream_outlives_the_header_timeout() {
    let server = Server::start(config()).await;
    let (mut socket, _) = open(server.addr, 1).await;
    // Four header timeouts without a byte: the idle-connection watchdog
    // must count the stream as a request in flight.
    tokio::time::sleep(Duration::from_millis(800)).await;
    let sender = server.app.senders.lock().await[0].clone();
    sender.send(41).await.expect("the stream is still open");
    let mut buf = [0u8; 256];
    let read = tokio::time::timeout(STEP, socket.read(&mut buf))
        .await
        .expect("the event arrives")
        .expect("read");
    let text = String::from_utf8_lossy(&buf[..read]);
    assert!(text.contains("data: 41\n\n"), "{text}");
}

#[tokio::test]
async fn a_client_going_away_stops_the_producer() {
    let server = Server::start(config()).await;
    let (socket, _) = open(server.addr, 1).await;
    let sender = server.app.senders.lock().await[0].clone();
    assert!(!sender.is_closed());
    drop(socket);
    tokio::time::timeout(STEP, sender.closed())
        .await
        .expect("the sender learns that the client left");
    assert!(sender.send(1).await.is_err());
}

#[tokio::test]
async fn streams_past_the_limit_are_refused_and_slots_come_back() {
    let server = Server::start(Config {
        max_event_streams: 2,
        ..config()
    })
    .await;
    let (_first, _) = open(server.addr, 0).await;
    let (_second, _) = open(server.addr, 0).await;
    let (_, third) = open(server.addr, 0).await;
    assert!(third.starts_with("HTTP/1.1 503"), "{third}");
    assert!(
        third.to_ascii_lowercase().contains("retry-after: 1"),
        "{third}"
    );
    assert!(third.contains("too many event streams"), "{third}");
    // A stream that ends gives its slot back.
    drop(_first);
    let deadline = Instant::now() + STEP;
    loop {
        let (_again, head) = open(server.addr, 0).await;
        if head.starts_with("HTTP/1.1 200") {
            break;
        }
        assert!(Instant::now() < deadline, "the slot never came back");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn an_open_stream_counts_as_in_flight_for_its_client() {
    // Concurrency 4 gives each client a cap of one request in flight.
    let server = Server::start(Config {
        concurrency: Some(4),
        client_concurrency: None,
        ..config()
    })
    .await;
    let (stream, head) = open(server.addr, 0).await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    let (_, refused) = open(server.addr, 0).await;
    assert!(refused.starts_with("HTTP/1.1 429"), "{refused}");
    drop(stream);
    let deadline = Instant::now() + STEP;
    loop {
        let (_again, head) = open(server.addr, 0).await;
        if head.starts_with("HTTP/1.1 200") {
            break;
        }
        assert!(Instant::now() < deadline, "the client's count never fell");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_drain_ends_open_streams_at_once() {
    let mut server = Server::start(config()).await;
    let (mut socket, _) = open(server.addr, 1).await;
    let started = Instant::now();
    if let Some(stop) = server.stop.take() {
        let _ = stop.send(());
    }
    let tail = rest(&mut socket).await;
    // The stream ends properly (its last chunk), well before the deadline.
    assert!(tail.ends_with("0\r\n\r\n"), "{tail:?}");
    let result = tokio::time::timeout(STEP, server.task)
        .await
        .expect("serve returns");
    assert!(matches!(result, Ok(Ok(()))));
    assert!(
        started.elapsed() < Duration::from_millis(2000),
        "{:?}",
        started.elapsed()
    );
    // The producer learns that the stream ended.
    let sender = server.app.senders.lock().await[0].clone();
    assert!(sender.send(1).await.is_err());
}
