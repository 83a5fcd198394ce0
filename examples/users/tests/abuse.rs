//! The example's real binary under attack, as an operator would see it: a
//! low file descriptor limit with a flood of idle HTTP/2 connections, and
//! bodies built to amplify the validation answer. Loopback only, bounded in
//! time; attackers connect from 127.0.0.2, the probes from 127.0.0.1.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A free loopback port.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// The example server, started by `sh` with a file descriptor limit, its
/// stderr collected line by line.
struct Server {
    child: Child,
    port: u16,
    admin: u16,
    log: Arc<Mutex<Vec<String>>>,
}

impl Server {
    fn start(fd_limit: u32, env: &[(&str, &str)]) -> Server {
        let (port, admin) = (free_port(), free_port());
        let mut command = Command::new("sh");
        command
            .arg("-c")
            .arg(format!("ulimit -n {fd_limit} && exec \"$0\""))
            .arg(env!("CARGO_BIN_EXE_users-example"))
            .env("PORT", port.to_string())
            .env("GATI_HOST", "127.0.0.1")
            .env("GATI_ADMIN_PORT", admin.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (k, v) in env {
            command.env(k, v);
        }
        let mut child = command.spawn().expect("start the example");
        let log = Arc::new(Mutex::new(Vec::new()));
        if let Some(stderr) = child.stderr.take() {
            let log = log.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                    if let Ok(mut log) = log.lock() {
                        log.push(line);
                    }
                }
            });
        }
        let server = Server {
            child,
            port,
            admin,
            log,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while get(server.admin, "/readyz").map(|r| r.0) != Some(200) {
            assert!(
                Instant::now() < deadline,
                "the example did not become ready"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    fn log_lines(&self, msg: &str) -> usize {
        let needle = format!("\"msg\":\"{msg}\"");
        self.log
            .lock()
            .map(|l| l.iter().filter(|l| l.contains(&needle)).count())
            .unwrap_or(0)
    }

    /// A line of `/proc/<pid>/status`, in KiB.
    fn status_kib(&self, field: &str) -> u64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .ok()
            .and_then(|s| {
                s.lines()
                    .find_map(|l| l.strip_prefix(field))
                    .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            })
            .unwrap_or(0)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.1 exchange on a fresh connection: status and body.
///
/// A write that fails is not an error by itself: the server may answer
/// (401, 429…) before reading the whole body, and the answer is still read.
fn exchange(port: u16, raw: &str) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .ok()?;
    let _ = stream.write_all(raw.as_bytes());
    let mut reply = Vec::new();
    if let Err(error) = stream.read_to_end(&mut reply) {
        eprintln!("read: {error} after {} bytes", reply.len());
    }
    let reply = String::from_utf8_lossy(&reply).into_owned();
    let status = reply.split(' ').nth(1)?.parse().ok()?;
    let body = reply.split_once("\r\n\r\n").map(|(_, b)| b.to_owned())?;
    Some((status, body))
}

fn get(port: u16, path: &str) -> Option<(u16, String)> {
    exchange(
        port,
        &format!("GET {path} HTTP/1.1\r\nhost: test\r\nconnection: close\r\n\r\n"),
    )
}

/// A connection from 127.0.0.2 that speaks HTTP/2 with prior knowledge,
/// sends one request (`GET /`) and then says nothing more.
async fn idle_http2(port: u16) -> Option<tokio::net::TcpStream> {
    use tokio::io::AsyncWriteExt;
    let socket = tokio::net::TcpSocket::new_v4().ok()?;
    socket.bind(SocketAddr::from(([127, 0, 0, 2], 0))).ok()?;
    let mut stream = socket
        .connect(SocketAddr::from(([127, 0, 0, 1], port)))
        .await
        .ok()?;
    let mut out = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec();
    // An empty SETTINGS frame.
    out.extend_from_slice(&[0, 0, 0, 0x4, 0, 0, 0, 0, 0]);
    // HEADERS on stream 1, END_STREAM | END_HEADERS: `:method GET`,
    // `:scheme http`, `:path /` from HPACK's static table, and a literal
    // `:authority test`.
    let block = [0x82, 0x86, 0x84, 0x41, 4, b't', b'e', b's', b't'];
    out.extend_from_slice(&[0, 0, block.len() as u8, 0x1, 0x5, 0, 0, 0, 1]);
    out.extend_from_slice(&block);
    stream.write_all(&out).await.ok()?;
    Some(stream)
}

/// With 256 file descriptors, 244 HTTP/2 connections that each sent one
/// request and went silent: the health port keeps answering, the idle
/// connections are closed, the log does not fill with accept failures, and
/// the API answers again afterwards.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_http2_flood_under_a_low_descriptor_limit() {
    use tokio::io::AsyncReadExt;
    let server = Server::start(256, &[("GATI_HEADER_TIMEOUT_MS", "1000")]);
    let mut attackers = Vec::new();
    for _ in 0..244 {
        let port = server.port;
        attackers.push(tokio::spawn(async move {
            let mut stream = idle_http2(port).await?;
            // Read until the server closes the connection.
            let mut sink = [0u8; 4096];
            let started = Instant::now();
            let closed = tokio::time::timeout(Duration::from_secs(30), async {
                while stream.read(&mut sink).await.ok()? > 0 {}
                Some(())
            })
            .await;
            Some((closed.is_ok(), started.elapsed()))
        }));
    }
    // Health from the admin port answers promptly throughout.
    let admin = server.admin;
    let probes = tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        let mut slowest = Duration::ZERO;
        while started.elapsed() < Duration::from_secs(3) {
            let asked = Instant::now();
            let status = get(admin, "/healthz").map(|r| r.0);
            assert_eq!(status, Some(200), "the health probe answers");
            slowest = slowest.max(asked.elapsed());
            std::thread::sleep(Duration::from_millis(100));
        }
        slowest
    })
    .await
    .expect("probes");
    assert!(
        probes < Duration::from_millis(500),
        "slowest probe {probes:?}"
    );
    for attacker in attackers {
        let outcome = attacker.await.expect("task");
        let (closed, _) = outcome.expect("the attacker connected");
        assert!(closed, "the server closes an idle HTTP/2 connection");
    }
    let api = tokio::task::spawn_blocking({
        let port = server.port;
        move || get(port, "/users/00000000-0000-0000-0000-000000000000")
    })
    .await
    .expect("api");
    assert_eq!(api.map(|r| r.0), Some(404), "the API answers again");
    let failures = server.log_lines("accept failed");
    assert!(failures <= 5, "{failures} accept-failure lines");
}

/// 160 bodies of 40,000 empty tags at once: each answer is bounded, and the
/// server's memory stays near where it was.
#[test]
fn amplification_bodies_get_bounded_answers() {
    let server = Server::start(4096, &[]);
    let token = "Authorization: Bearer example-token";
    let user = format!(
        "POST /users HTTP/1.1\r\nhost: test\r\n{token}\r\ncontent-type: application/json\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{}",
        70, r#"{"handle":"amp_user","email":"amp@example.com","display_name":"Amp"}  "#
    );
    let (status, body) = exchange(server.port, &user).expect("create a user");
    assert_eq!(status, 201, "{body}");
    let id = serde_json::from_str::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v["id"].as_str().map(str::to_owned))
        .expect("an id");
    let post = format!(
        r#"{{"title":"t","body":{{"kind":"text","markdown":"m"}},"tags":[{}""]}}"#,
        "\"\",".repeat(39_999)
    );
    let raw = format!(
        "POST /users/{id}/posts HTTP/1.1\r\nhost: test\r\n{token}\r\ncontent-type: application/json\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{post}",
        post.len()
    );
    let baseline = server.status_kib("VmRSS:");
    let raw = Arc::new(raw);
    let attack: Vec<_> = (0..160)
        .map(|_| {
            let (raw, port) = (raw.clone(), server.port);
            std::thread::spawn(move || exchange(port, &raw))
        })
        .collect();
    let mut answered = 0;
    for request in attack {
        let (status, body) = request.join().expect("thread").expect("an answer");
        assert!(body.len() < 16 * 1024, "{} bytes", body.len());
        match status {
            422 => {
                let problem: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
                assert_eq!(problem["truncated"], true);
                assert_eq!(problem["violations"].as_array().map(Vec::len), Some(50));
                answered += 1;
            }
            // One credential may hold a quarter of the service's slots, and
            // a debug build on two cores cannot validate them all in time.
            429 | 503 | 504 => {}
            other => panic!("{other}: {body}"),
        }
    }
    eprintln!("{answered} of 160 answered 422");
    assert!(answered >= 16, "{answered} answered 422");
    std::thread::sleep(Duration::from_millis(300));
    let (peak, after) = (server.status_kib("VmHWM:"), server.status_kib("VmRSS:"));
    eprintln!("RSS: baseline {baseline} KiB, peak {peak} KiB, after {after} KiB");
    assert!(
        peak < baseline + 400 * 1024,
        "peak {peak} KiB from {baseline} KiB"
    );
    assert!(
        after < baseline + 150 * 1024,
        "after {after} KiB from {baseline} KiB"
    );
}

/// A declared header whose value is not visible ASCII is a 400 naming the
/// header, not a request that goes through as if it had none (an
/// `Idempotency-Key` that silently vanished would let a retry create twice).
#[test]
fn non_ascii_declared_headers_are_rejected() {
    let server = Server::start(4096, &[]);
    let body = r#"{"handle":"cafe_user","email":"cafe@example.com","display_name":"Café"}"#;
    let raw = format!(
        "POST /users HTTP/1.1\r\nhost: test\r\nAuthorization: Bearer example-token\r\ncontent-type: application/json\r\nIdempotency-Key: café\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    let (status, answer) = exchange(server.port, &raw).expect("an answer");
    assert_eq!(status, 400, "{answer}");
    let problem: serde_json::Value = serde_json::from_str(&answer).unwrap_or_default();
    assert_eq!(problem["violations"][0]["location"], "header", "{answer}");
    assert_eq!(
        problem["violations"][0]["pointer"], "/Idempotency-Key",
        "{answer}"
    );
}
