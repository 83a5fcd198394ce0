//! What Timescape costs at run time: the same routes served at the oldest
//! version (decode as 2024-01-01, validate, convert forward two steps, call
//! the handler, convert the response back two steps) and at the head.
//!
//! `cargo run --release --example overhead -- [requests per case]`
//!
//! One keep-alive HTTP/1.1 connection over loopback, one request at a time,
//! the cases interleaved in rounds so that drift hits them alike. It prints
//! the median and mean round trip of each case. Not a test: numbers depend on
//! the machine; BENCHMARKS.md records a run.

use std::time::{Duration, Instant};
use timescape_api::routes::Router;
use timescape_api::runtime::Config;
use timescape_example::App;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One open connection and a read buffer.
struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Conn {
    /// Sends `request` and reads one response; returns its status and body.
    async fn round_trip(&mut self, request: &[u8]) -> (u16, Vec<u8>) {
        self.stream.write_all(request).await.expect("write");
        self.buf.clear();
        loop {
            if let Some(end) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&self.buf[..end]).to_ascii_lowercase();
                let length: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(0);
                if self.buf.len() >= end + 4 + length {
                    let status = head.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
                    return (status, self.buf[end + 4..end + 4 + length].to_vec());
                }
            }
            let mut chunk = [0u8; 4096];
            let n = self.stream.read(&mut chunk).await.expect("read");
            assert!(n > 0, "the server closed the connection");
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }
}

fn request(method: &str, path: &str, version: Option<&str>, body: &str) -> Vec<u8> {
    let version = version
        .map(|v| format!("Gati-Version: {v}\r\n"))
        .unwrap_or_default();
    format!(
        "{method} {path} HTTP/1.1\r\nHost: bench\r\n{version}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn main() {
    let per_case: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime");
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(timescape_api::runtime::serve(Router::new(App::new()), Config::default(), listener, std::future::pending()));
        let mut conn = Conn { stream: TcpStream::connect(addr).await.expect("connect"), buf: Vec::new() };
        conn.stream.set_nodelay(true).expect("nodelay");

        // One task to read back.
        let (status, body) = conn
            .round_trip(&request("POST", "/tasks", None, r#"{"title":"Read me","labels":["a","b"],"assignee":"ana"}"#))
            .await;
        assert_eq!(status, 201);
        let id = String::from_utf8_lossy(&body).split('"').nth(3).expect("an id").to_string();

        let head_body = r#"{"title":"Buy milk","priority":"high","labels":["home","errand"],"done":false,"assignee":"ana"}"#;
        let old_body = r#"{"name":"Buy milk","priority":"high","labels":"home,errand","notes":"","assignee":"ana"}"#;
        let cases: Vec<(&str, Vec<u8>, u16)> = vec![
            ("get_task, head, no Gati-Version", request("GET", &format!("/tasks/{id}"), None, ""), 200),
            ("get_task, head (2025-01-01)", request("GET", &format!("/tasks/{id}"), Some("2025-01-01"), ""), 200),
            ("get_task, oldest (2024-01-01)", request("GET", &format!("/task/{id}"), Some("2024-01-01"), ""), 200),
            ("create_task, head (2025-01-01)", request("POST", "/tasks", Some("2025-01-01"), head_body), 201),
            ("create_task, oldest (2024-01-01)", request("POST", "/tasks", Some("2024-01-01"), old_body), 201),
        ];
        // Warm up, then interleave rounds.
        for (_, req, status) in &cases {
            for _ in 0..1000 {
                assert_eq!(conn.round_trip(req).await.0, *status);
            }
        }
        let rounds = 10;
        let mut samples: Vec<Vec<Duration>> = vec![Vec::with_capacity(per_case); cases.len()];
        for _ in 0..rounds {
            for (i, (_, req, status)) in cases.iter().enumerate() {
                for _ in 0..per_case / rounds {
                    let start = Instant::now();
                    let (got, _) = conn.round_trip(req).await;
                    samples[i].push(start.elapsed());
                    assert_eq!(got, *status);
                }
            }
        }
        println!("{:<36} {:>10} {:>10}", "case", "median µs", "mean µs");
        for ((name, _, _), mut s) in cases.iter().zip(samples) {
            s.sort_unstable();
            let median = s[s.len() / 2].as_secs_f64() * 1e6;
            let mean = s.iter().map(Duration::as_secs_f64).sum::<f64>() / s.len() as f64 * 1e6;
            println!("{name:<36} {median:>10.1} {mean:>10.1}");
        }
    });
    in_process(per_case * 10);
}

/// The version work alone, without the network: decoding the body, the
/// conversions and encoding the response, as `create_task` does them.
fn in_process(iterations: usize) {
    use timescape_api::versions::{v2024_01_01 as v1, v2024_06_01 as v2};
    use timescape_api::{NewTask, Task};
    let head_body = br#"{"title":"Buy milk","priority":"high","labels":["home","errand"],"done":false,"assignee":"ana"}"#;
    let old_body = br#"{"name":"Buy milk","priority":"high","labels":"home,errand","notes":"","assignee":"ana"}"#;
    let store = |new: NewTask| Task {
        object: new.object,
        id: timescape_api::uuid::Uuid::from_bytes([7; 16]),
        title: new.title,
        priority: new.priority,
        labels: new.labels,
        done: new.done,
        assignee: new.assignee,
    };
    let time = |f: &dyn Fn() -> usize| {
        let start = Instant::now();
        let mut bytes = 0;
        for _ in 0..iterations {
            bytes += f();
        }
        assert!(bytes > 0);
        start.elapsed().as_secs_f64() * 1e9 / iterations as f64
    };
    let head = time(&|| {
        let new: NewTask = serde_json::from_slice(std::hint::black_box(head_body)).expect("decode");
        serde_json::to_vec(&store(new)).expect("encode").len()
    });
    let old = time(&|| {
        let new: v1::NewTask =
            serde_json::from_slice(std::hint::black_box(old_body)).expect("decode");
        let new = new
            .forward::<App>()
            .and_then(v2::NewTask::forward::<App>)
            .expect("forward");
        let task = v2::Task::backward::<App>(store(new))
            .and_then(v1::Task::backward::<App>)
            .expect("backward");
        serde_json::to_vec(&task).expect("encode").len()
    });
    println!();
    println!("in process, decode + convert + encode of create_task ({iterations} times):");
    println!("  head (2025-01-01)     {head:>8.0} ns");
    println!(
        "  oldest (2024-01-01)   {old:>8.0} ns  (+{:.0} ns)",
        old - head
    );
}
