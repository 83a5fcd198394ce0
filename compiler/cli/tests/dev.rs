//! `gatic dev` end to end: a `gatic new` starter is served, then its spec
//! and its handlers are edited while a client sends requests without a
//! pause; every change must be served, a spec error, a build error and a
//! server that dies on start must leave the last good server answering
//! (with the diagnostics printed), and the client must see no refused
//! connection and no failed request.

#![cfg(unix)]

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The longest the first build may take: it may compile every dependency
/// of the generated crate when no other test has yet.
const FIRST_BUILD: Duration = Duration::from_secs(900);

/// The longest one change may take to be served. Generous: the target
/// folder is shared with other tests, whose builds hold its lock.
const STEP: Duration = Duration::from_secs(300);

#[test]
fn dev_serves_every_change_without_failing_a_request() {
    let dir = common::root().join("target/gatic-dev-test/devloop");
    let _ = std::fs::remove_dir_all(&dir);
    let (spec, _) = gatic::new_project::create(&dir, Some("devloop")).expect("create the starter");
    let mut dev = Dev::start(&dir, Path::new("devloop.gati"));

    let address = dev.address();
    dev.wait_for("gatic dev: serving with pid", 0, FIRST_BUILD);
    let (status, body) = request(address, "GET", "/notes", "").expect("the starter answers");
    assert_eq!((status, body.as_str()), (200, "[]"));
    // The control panel, on the admin listener gatic dev holds.
    let panel = dev.panel_address();
    let (status, state) = request(panel, "GET", "/_gati/state", "").expect("the panel answers");
    assert_eq!(status, 200, "{state}");
    assert!(state.contains("\"routes\""), "{state}");

    let load = Load::start(address);

    // A spec edit: the note's text gets shorter; the new validator serves.
    let hello = r#"{"text":"hello","tags":[]}"#;
    assert_eq!(status_of(address, "POST", "/notes", hello), Some(201));
    edit(
        &spec,
        "text: string @len(1..=1000)",
        "text: string @len(1..=4)",
    );
    dev.until("the shorter text is served", || {
        status_of(address, "POST", "/notes", hello) == Some(422)
    });

    // A new route: the handler crate does not build until it has the
    // route's method, and meanwhile the last good server answers.
    let mark = dev.lines();
    append(
        &spec,
        "\n/// A word back.\ntype Pong {\n  /// The word.\n  word: string\n}\n\n/// Answers with a word.\nroute ping GET /ping -> Pong\n",
    );
    dev.wait_for("gatic dev: the build failed", mark, STEP);
    assert_eq!(status_of(address, "GET", "/ping", ""), Some(404));
    let main = dir.join("src/main.rs");
    edit(
        &main,
        "    async fn list_notes(",
        "    async fn ping(\n        &self,\n        _: &Ctx,\n        _: devloop_api::PingRequest,\n    ) -> Result<Reply<devloop_api::Pong>, devloop_api::PingError> {\n        Ok(devloop_api::Pong { word: \"pong\".into() }.into())\n    }\n\n    async fn list_notes(",
    );
    dev.until("the new route is served", || {
        request(address, "GET", "/ping", "").is_some_and(|(s, b)| s == 200 && b.contains("pong"))
    });

    // A spec error: the diagnostic is printed, the last good server
    // answers, and undoing the error rebuilds nothing.
    let mark = dev.lines();
    append(&spec, "\nroute broken GET /broken -> Missing\n");
    let errors = dev.wait_for("has errors; still serving the last good build", mark, STEP);
    assert!(
        dev.text(mark, errors).contains("Missing"),
        "the diagnostic is printed:\n{}",
        dev.text(mark, errors + 1)
    );
    assert_eq!(status_of(address, "GET", "/ping", ""), Some(200));
    let mark = dev.lines();
    edit(&spec, "\nroute broken GET /broken -> Missing\n", "");
    dev.wait_for("no generated file changed", mark, STEP);

    // A handler-only edit.
    edit(&main, "word: \"pong\"", "word: \"pong again\"");
    dev.until("the handler's change is served", || {
        request(address, "GET", "/ping", "").is_some_and(|(_, b)| b.contains("pong again"))
    });

    // A server that exits before it is ready: the last good one answers.
    let mark = dev.lines();
    edit(
        &main,
        "fn main() -> std::io::Result<()> {\n",
        "fn main() -> std::io::Result<()> {\n    if std::env::var_os(\"PORT\").is_some() {\n        return Err(std::io::Error::other(\"no start\"));\n    }\n",
    );
    dev.wait_for("exited before it was ready", mark, STEP);
    assert!(
        request(address, "GET", "/ping", "").is_some_and(|(_, b)| b.contains("pong again")),
        "the last good server answers"
    );

    let seen = load.stop();
    assert!(seen.ok > 0, "the load ran: {seen:?}");
    assert_eq!(
        (seen.refused, seen.failed),
        (0, 0),
        "no refused connection and no failed request during the swaps: {seen:?}"
    );
    // At least four servers were swapped under that load.
    assert!(
        dev.count("gatic dev: serving with pid") >= 4,
        "{}",
        dev.text(0, usize::MAX)
    );

    // The panel is at the same address after the swaps, served by the
    // latest server (the `ping` route is one of its routes).
    let (status, state) = request(panel, "GET", "/_gati/state", "").expect("the panel answers");
    assert_eq!(status, 200, "{state}");
    assert!(state.contains("\"name\":\"ping\""), "{state}");

    // SIGTERM stops `gatic dev` and its servers.
    dev.terminate();
    assert!(
        request(address, "GET", "/notes", "").is_none(),
        "nothing serves once gatic dev has stopped"
    );
}

/// A running `gatic dev`, in a process group of its own that is killed
/// when this is dropped (a failed test included), and its output (its
/// servers' too) gathered line by line.
struct Dev {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Dev {
    fn start(dir: &Path, spec: &Path) -> Dev {
        let mut child = Command::new(env!("CARGO_BIN_EXE_gatic"))
            .arg("dev")
            .arg(spec)
            .args(["--port", "0"])
            .current_dir(dir)
            .env("CARGO_TARGET_DIR", shared_target())
            .env_remove("RUSTFLAGS")
            .env_remove("PORT")
            .env_remove("GATI_HOST")
            .env("GATI_DRAIN_TIMEOUT_MS", "5000")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()
            .expect("start gatic dev");
        let stderr = child.stderr.take().expect("its stderr");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&lines);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                eprintln!("{line}");
                sink.lock().unwrap_or_else(|e| e.into_inner()).push(line);
            }
        });
        Dev { child, lines }
    }

    /// The address from `gatic dev`'s first line.
    fn address(&self) -> SocketAddr {
        let at = self.wait_for("on http://", 0, STEP);
        let line = self.text(at, at + 1);
        let after = line
            .split("on http://")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .expect("an address");
        after.parse().expect("a socket address")
    }

    /// The control panel's address, from the line that announces it.
    fn panel_address(&self) -> SocketAddr {
        let at = self.wait_for("control panel at http://", 0, STEP);
        let line = self.text(at, at + 1);
        line.split("control panel at http://")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .expect("an address")
            .parse()
            .expect("a socket address")
    }

    /// How many lines have been printed.
    fn lines(&self) -> usize {
        self.lines.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Lines `from..to`, joined.
    fn text(&self, from: usize, to: usize) -> String {
        let lines = self.lines.lock().unwrap_or_else(|e| e.into_inner());
        let to = to.min(lines.len());
        lines[from.min(to)..to].join("\n")
    }

    /// How many lines contain `pattern`.
    fn count(&self, pattern: &str) -> usize {
        let lines = self.lines.lock().unwrap_or_else(|e| e.into_inner());
        lines.iter().filter(|l| l.contains(pattern)).count()
    }

    /// The index of the first line from `from` on that contains `pattern`,
    /// waiting up to `timeout`; fails the test when `gatic dev` exits or
    /// the time runs out.
    fn wait_for(&self, pattern: &str, from: usize, timeout: Duration) -> usize {
        let deadline = Instant::now() + timeout;
        loop {
            {
                let lines = self.lines.lock().unwrap_or_else(|e| e.into_inner());
                if let Some(at) = lines.iter().skip(from).position(|l| l.contains(pattern)) {
                    return from + at;
                }
            }
            assert!(
                Instant::now() < deadline,
                "no line with {pattern:?} in {} s",
                timeout.as_secs()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits up to [`STEP`] for `done`.
    fn until(&mut self, what: &str, mut done: impl FnMut() -> bool) {
        let deadline = Instant::now() + STEP;
        while !done() {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("gatic dev exited ({status}) before {what}");
            }
            assert!(
                Instant::now() < deadline,
                "{what}: not in {} s",
                STEP.as_secs()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Sends SIGTERM and waits for `gatic dev` to stop its servers and
    /// exit.
    fn terminate(&mut self) {
        let pid = rustix::process::Pid::from_child(&self.child);
        rustix::process::kill_process(pid, rustix::process::Signal::TERM).expect("SIGTERM");
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                assert!(status.success(), "gatic dev exited with {status}");
                return;
            }
            assert!(Instant::now() < deadline, "gatic dev did not stop");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Dev {
    fn drop(&mut self) {
        // The whole group: gatic dev, cargo, rustc and every server.
        let group = rustix::process::Pid::from_child(&self.child);
        let _ = rustix::process::kill_process_group(group, rustix::process::Signal::KILL);
        let _ = self.child.wait();
    }
}

/// What the load saw.
#[derive(Debug, Default)]
struct Seen {
    ok: u64,
    refused: u64,
    failed: u64,
    /// The first failures, described.
    failures: Vec<String>,
}

/// A client sending `GET /notes` on a new connection, one after another,
/// until stopped.
struct Load {
    stop: Arc<AtomicBool>,
    worker: std::thread::JoinHandle<Seen>,
}

impl Load {
    fn start(address: SocketAddr) -> Load {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let worker = std::thread::spawn(move || {
            let mut seen = Seen::default();
            while !flag.load(Ordering::Relaxed) {
                match TcpStream::connect_timeout(&address, Duration::from_secs(5)) {
                    Err(e) => {
                        seen.refused += 1;
                        if seen.failures.len() < 5 {
                            seen.failures.push(format!("connect: {e}"));
                        }
                    }
                    Ok(stream) => match exchange(stream, "GET", "/notes", "") {
                        Ok((200, _)) => seen.ok += 1,
                        other => {
                            seen.failed += 1;
                            if seen.failures.len() < 5 {
                                seen.failures.push(format!("{other:?}"));
                            }
                        }
                    },
                }
                // A steady load, not a flood: the builds need the cores.
                std::thread::sleep(Duration::from_millis(2));
            }
            seen
        });
        Load { stop, worker }
    }

    fn stop(self) -> Seen {
        self.stop.store(true, Ordering::Relaxed);
        self.worker.join().expect("the load's thread")
    }
}

/// One request over a new connection: its status and body, or `None` when
/// nothing answered.
fn request(address: SocketAddr, method: &str, path: &str, body: &str) -> Option<(u16, String)> {
    let stream = TcpStream::connect_timeout(&address, Duration::from_secs(5)).ok()?;
    exchange(stream, method, path, body).ok()
}

fn status_of(address: SocketAddr, method: &str, path: &str, body: &str) -> Option<u16> {
    request(address, method, path, body).map(|(status, _)| status)
}

/// Sends one HTTP/1.1 request with `Connection: close` and reads the whole
/// answer, with bounded waits.
fn exchange(
    mut stream: TcpStream,
    method: &str,
    path: &str,
    body: &str,
) -> Result<(u16, String), String> {
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .map_err(|e| e.to_string())?;
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream
        .write_all(request.as_bytes())
        .map_err(|e| format!("write: {e}"))?;
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .map_err(|e| format!("read: {e}"))?;
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("no status in {response:?}"))?;
    let (_, body) = response
        .split_once("\r\n\r\n")
        .ok_or_else(|| format!("no body in {response:?}"))?;
    Ok((status, body.to_string()))
}

/// Replaces the one `from` in `path` with `to`.
fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).expect("read");
    assert_eq!(
        text.matches(from).count(),
        1,
        "{from:?} in {}",
        path.display()
    );
    std::fs::write(path, text.replacen(from, to, 1)).expect("write");
}

fn append(path: &Path, more: &str) {
    let text = std::fs::read_to_string(path).expect("read");
    std::fs::write(path, text + more).expect("write");
}

/// The target folder every generated crate in the tests shares, so their
/// dependencies compile once.
fn shared_target() -> PathBuf {
    std::env::var_os("GATIC_GENERATED_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| common::root().join("target/gatic-generated-target"))
}
