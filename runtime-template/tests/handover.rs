//! Handing the listening socket from one server process to the next, as
//! `gatic dev` and systemd do: a server started with a socket by the
//! socket-activation protocol (`LISTEN_FDS`, file descriptor 3) serves on it
//! instead of binding `PORT`, says so on `NOTIFY_SOCKET` (`READY=1`, then
//! `STOPPING=1`), and a drain still answers a connection accepted just
//! before it, so no client of the socket sees a failure while one process
//! replaces another.

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use gati_runtime::{
    Config, Ctx, PathParams, Resolution, Response, RouteInfo, RouteLimits, Service, json_response,
    run, serve,
};
use hyper::Method;
use serde_json::json;

mod support;
use support::{Client, STEP};

/// One route, `GET /hello`.
struct Hello;

static ROUTES: [RouteInfo; 1] = [RouteInfo {
    name: "hello",
    method: "GET",
    path: "/hello",
    auth: false,
    limits: RouteLimits::NONE,
}];

impl Service for Hello {
    fn routes(&self) -> &'static [RouteInfo] {
        &ROUTES
    }

    fn resolve(&self, method: &Method, path: &str) -> Resolution {
        match (method, path) {
            (&Method::GET, "/hello") => Resolution::Route(0, PathParams::new()),
            (_, "/hello") => Resolution::MethodNotAllowed("GET"),
            _ => Resolution::NotFound,
        }
    }

    async fn call(&self, _: usize, _: &Ctx) -> Response {
        json_response(200, &json!({"hello": std::process::id()}))
    }
}

/// The child process of [`an_inherited_listener_is_served`]: this test
/// binary again, serving with `run` until SIGTERM. Passes at once when run
/// as an ordinary test.
#[test]
fn inherited_child() {
    if std::env::var_os("HANDOVER_CHILD").is_none() {
        return;
    }
    // The protocol's variables are no `GATI_*` settings.
    let config = Config::from_env().expect("LISTEN_* and NOTIFY_SOCKET pass the settings check");
    run(Hello, config).expect("serve on the inherited socket");
    // Taken from the environment, so processes the server starts do not
    // take the socket too.
    assert!(std::env::var_os("LISTEN_FDS").is_none());
    assert!(std::env::var_os("LISTEN_PID").is_none());
}

/// A server handed a listening socket on file descriptor 3 serves on it,
/// although `PORT` names a port it could not bind, and tells
/// `NOTIFY_SOCKET` when it is ready and when it stops.
#[cfg(unix)]
#[test]
fn an_inherited_listener_is_served() {
    use std::os::fd::OwnedFd;
    use std::os::unix::net::UnixDatagram;

    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = listener.local_addr().expect("an address");
    // Taken: binding `PORT` instead of serving the inherited socket fails.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let taken_port = taken.local_addr().expect("an address").port();
    let folder = std::env::temp_dir().join(format!("gati-handover-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&folder).expect("a temporary folder");
    let notify_path = folder.join("notify");
    let notify = UnixDatagram::bind(&notify_path).expect("bind the notify socket");
    notify
        .set_read_timeout(Some(Duration::from_millis(200)))
        .expect("a read timeout");

    // The shell puts its standard input (the listener) on descriptor 3 and
    // names its own pid, which `exec` hands to the test binary.
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(r#"exec 3<&0 0</dev/null; export LISTEN_FDS=1 LISTEN_PID=$$; exec "$0" "$@""#)
        .arg(std::env::current_exe().expect("the test binary"))
        .args([
            "--exact",
            "inherited_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("HANDOVER_CHILD", "1")
        .env("PORT", taken_port.to_string())
        .env("GATI_HOST", "127.0.0.1")
        .env("LISTEN_FDNAMES", "http")
        .env("NOTIFY_SOCKET", &notify_path)
        .stdin(Stdio::from(OwnedFd::from(
            listener.try_clone().expect("a second descriptor"),
        )))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the child");
    let stderr = child.stderr.take().expect("the child's stderr");
    let log = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::BufReader::new(stderr).read_to_string(&mut text);
        text
    });

    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        assert_eq!(receive(&notify, &mut child), "READY=1");
        let (status, body) = get(address, "/hello").expect("an answer on the inherited socket");
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&body).expect("JSON")["hello"],
            child.id(),
            "answered by the child"
        );
        let term = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(term.success());
        assert_eq!(receive(&notify, &mut child), "STOPPING=1");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = child.try_wait().expect("the child's status") {
                assert!(status.success(), "the child failed: {status}");
                break;
            }
            assert!(Instant::now() < deadline, "the child did not stop");
            std::thread::sleep(Duration::from_millis(20));
        }
    }));
    let _ = child.kill();
    let _ = child.wait();
    let log = log.join().unwrap_or_default();
    let _ = std::fs::remove_dir_all(&folder);
    if let Err(panic) = outcome {
        eprintln!("the child's log:\n{log}");
        std::panic::resume_unwind(panic);
    }
    let listening = log
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .find(|line| line["msg"] == "listening")
        .unwrap_or_else(|| panic!("no listening line: {log}"));
    assert_eq!(listening["address"], address.to_string(), "{log}");
    assert_eq!(listening["inherited"], "LISTEN_FDS", "{log}");
    drop(taken);
}

/// The next datagram on the notify socket, within 30 s; fails the test if
/// the child exits first.
#[cfg(unix)]
fn receive(notify: &std::os::unix::net::UnixDatagram, child: &mut std::process::Child) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut buf = [0u8; 256];
    loop {
        if let Ok(n) = notify.recv(&mut buf) {
            return String::from_utf8_lossy(&buf[..n]).into_owned();
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("the child exited before notifying: {status}");
        }
        assert!(Instant::now() < deadline, "no notification in 30 s");
    }
}

/// One `GET` over a new connection, with bounded waits: the status and the
/// body.
fn get(address: SocketAddr, path: &str) -> Option<(u16, String)> {
    let mut stream = std::net::TcpStream::connect_timeout(&address, STEP).ok()?;
    stream.set_read_timeout(Some(STEP)).ok()?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let status = response.split(' ').nth(1)?.parse().ok()?;
    let (_, body) = response.split_once("\r\n\r\n")?;
    Some((status, body.to_string()))
}

/// A server on 127.0.0.1:0 in this process, and the sender that stops it.
async fn start() -> (
    SocketAddr,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<std::io::Result<()>>,
) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("an address");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let config = Config {
        host: "127.0.0.1".into(),
        port: 0,
        ..Config::default()
    };
    let task = tokio::spawn(serve(Hello, config, listener, async move {
        let _ = stopped.await;
    }));
    (address, stop, task)
}

/// A connection accepted just before the drain whose request had not
/// arrived yet (the race of every restart: the client connected, the old
/// process accepted, then was told to stop) is still answered.
#[tokio::test]
async fn a_drain_answers_a_connection_accepted_just_before_it() {
    let (address, stop, task) = start().await;
    let mut client = Client::connect(address).await;
    // Accepted by now (the accept loop is idle), and still within the
    // grace when the request is sent.
    tokio::time::sleep(Duration::from_millis(150)).await;
    let _ = stop.send(());
    tokio::time::sleep(Duration::from_millis(100)).await;
    let reply = client.request("GET", "/hello", &[], "").await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let stopped = tokio::time::timeout(STEP, task).await;
    assert!(matches!(stopped, Ok(Ok(Ok(())))), "{stopped:?}");
}

/// That wait is bounded: a connection silent for longer than the grace
/// after its accept does not hold a drain up.
#[tokio::test]
async fn a_drain_does_not_wait_for_an_old_silent_connection() {
    let (address, stop, task) = start().await;
    let _silent = Client::connect(address).await;
    // Twice the grace: accepted well over one grace ago.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let started = Instant::now();
    let _ = stop.send(());
    let stopped = tokio::time::timeout(STEP, task).await;
    assert!(matches!(stopped, Ok(Ok(Ok(())))), "{stopped:?}");
    assert!(
        started.elapsed() < Duration::from_millis(400),
        "{:?}",
        started.elapsed()
    );
}
