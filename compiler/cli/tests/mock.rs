//! `gatic mock`: the mock crate of every valid corpus spec passes clippy,
//! two of them are snapshot, and the mock of the users example, started by
//! the real command on a loopback port, answers every route over HTTP with
//! the real server's validation, at the head and at an older version.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use gatic_ir::{Method, ParamLocation, PathSegment, Primitive, TyKind};

/// The UUID every `uuid` example holds (the mock's own choice).
const UUID: &str = "3fa85f64-5717-4562-b3fc-2c963f66afa6";

/// The target folder every generated crate in the tests shares.
fn shared_target() -> PathBuf {
    std::env::var_os("GATIC_GENERATED_TARGET_DIR").map_or_else(
        || common::root().join("target/gatic-generated-target"),
        PathBuf::from,
    )
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

/// Every valid corpus spec's mock crate builds beside its server crate and
/// passes clippy; generation is deterministic and every example satisfies
/// its refinements (no warning).
#[test]
fn every_valid_spec_has_a_mock_that_passes_clippy() {
    // The same folders and crate names as `generated.rs`, so the server
    // crates it checked are reused from the shared target folder.
    let out = common::root().join("target/gatic-corpus");
    for case in common::corpus("valid") {
        let compiled = common::compile(&case.path);
        let spec = compiled
            .spec
            .unwrap_or_else(|| panic!("{} must compile", case.path));
        let crate_name = format!("corpus-{}", case.name.replace('_', "-"));
        let config = gatic::BuildConfig {
            crate_name: Some(crate_name.clone()),
            ..gatic::BuildConfig::default()
        };
        let rust = gatic_rust::Config {
            crate_name: Some(crate_name),
        };
        let mock = gatic_rust::mock(&spec, &rust);
        assert_eq!(mock, gatic_rust::mock(&spec, &rust), "{}", case.path);
        assert!(
            mock.warnings.is_empty(),
            "{}: {:?}",
            case.path,
            mock.warnings
        );
        let mut files = gatic::generate_all(&spec, &config).expect("every target accepts the spec");
        files.extend(mock.files);
        let dir = out.join(&case.name);
        gatic::write_outputs(&dir, &files).expect("write the generated crates");
        let status = Command::new(cargo())
            .args(["clippy", "--quiet", "--all-targets", "--manifest-path"])
            .arg(dir.join("mock/Cargo.toml"))
            .args(["--", "-D", "warnings"])
            .env("CARGO_TARGET_DIR", shared_target())
            .env_remove("RUSTFLAGS")
            .status()
            .expect("run cargo");
        assert!(
            status.success(),
            "{}: the mock crate fails clippy",
            case.path
        );
    }
}

/// The mock crates of three corpus specs, as snapshots: hand-written
/// converters at several versions; JSON Web Tokens with a principal,
/// scopes and response headers; event streams.
#[test]
fn mock_crates_snapshot() {
    for name in ["converters", "jwt", "streams"] {
        let compiled = common::compile(&format!("specs/valid/{name}.gati"));
        let spec = compiled.spec.expect("the spec compiles");
        let mock = gatic_rust::mock(&spec, &gatic_rust::Config::default());
        for file in &mock.files {
            let snapshot = format!("mock__{name}__{}", file.path.replace('/', "__"));
            insta::with_settings!({
                snapshot_path => common::snapshots("rust"),
                prepend_module_to_snapshot => false,
            }, {
                insta::assert_snapshot!(snapshot, file.contents);
            });
        }
    }
}

/// Kills the mock's process group when the test ends, however it ends:
/// `gatic mock` runs cargo first, then becomes the server.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let group = format!("-{}", self.0.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A port nothing listens on, on loopback.
fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// One HTTP/1.1 exchange: the status, the headers (lowercase names) and the body.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Sends `method path` with `headers` and `body`, and reads the whole
/// answer (the server closes the connection, as asked).
fn send(port: u16, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Answer {
    let mut stream = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut request =
        format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    stream.write_all(request.as_bytes()).expect("send");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read the answer");
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, rest) = text.split_once("\r\n\r\n").expect("a head");
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"));
    let body = if chunked {
        dechunk(rest)
    } else {
        rest.to_string()
    };
    Answer {
        status,
        headers,
        body,
    }
}

/// A chunked body's data.
fn dechunk(mut text: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = text.split_once("\r\n") {
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        text = rest[n..].trim_start_matches("\r\n");
    }
    out
}

/// The path of a GET route with every path parameter an example of its type.
fn example_path(route: &gatic_ir::Route, api: &gatic_ir::Api) -> String {
    let mut path = String::new();
    for segment in &route.path {
        path.push('/');
        match segment {
            PathSegment::Literal(l) => path.push_str(l),
            PathSegment::Param(name) => {
                let param = route
                    .params
                    .iter()
                    .find(|p| p.location == ParamLocation::Path && p.name == *name)
                    .expect("a declared path parameter");
                let value = match &param.ty.kind {
                    TyKind::Primitive(Primitive::Uuid) => UUID.to_string(),
                    TyKind::Primitive(Primitive::Int32 | Primitive::Int64) => "1".to_string(),
                    TyKind::Named(n) => match api.ty(n).map(|t| &t.kind) {
                        Some(gatic_ir::TypeDefKind::Enum { values }) => values[0].name.clone(),
                        _ => "example".to_string(),
                    },
                    _ => "example".to_string(),
                };
                path.push_str(&value);
            }
        }
    }
    if path.is_empty() { "/".into() } else { path }
}

/// `gatic mock` serves the users example on a loopback port: every GET
/// route answers its success status with a body of its type, a request
/// that breaks the spec gets the real server's 422 with the pointer, and an
/// older version answers in its own shape.
#[test]
fn gatic_mock_serves_the_users_example() {
    // A copy of the spec, so the mock's `gen/` is the test's own.
    let dir = common::root().join("target/gatic-mock-test");
    std::fs::create_dir_all(&dir).expect("the test folder");
    let spec_path = dir.join("users.gati");
    let source = std::fs::read_to_string(common::root().join("examples/users/users.gati"))
        .expect("the users example");
    if std::fs::read_to_string(&spec_path).ok().as_deref() != Some(source.as_str()) {
        std::fs::write(&spec_path, &source).expect("copy the spec");
    }
    let spec = gatic::compile_path(&spec_path)
        .spec
        .expect("the users example compiles");

    let port = free_port();
    let mut command = Command::new(env!("CARGO_BIN_EXE_gatic"));
    command
        .arg("mock")
        .arg(&spec_path)
        .args(["--port", &port.to_string()])
        .env("CARGO_TARGET_DIR", shared_target())
        .env("GATI_HOST", "127.0.0.1")
        .env_remove("RUSTFLAGS")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        command.process_group(0);
    }
    let mut guard = Guard(command.spawn().expect("start gatic mock"));
    // cargo's progress and the server's log, kept for a failure's message.
    let stderr = guard.0.stderr.take().expect("stderr");
    let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let sink = std::sync::Arc::clone(&log);
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Ok(mut log) = sink.lock() {
                log.push_str(&line);
                log.push('\n');
            }
        }
    });
    let log_text = || log.lock().map(|l| l.clone()).unwrap_or_default();

    // A cold build compiles the server's dependencies; a warm one takes seconds.
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        if let Ok(Some(status)) = guard.0.try_wait() {
            panic!("gatic mock exited with {status}:\n{}", log_text());
        }
        if TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_ok()
            && send(port, "GET", "/readyz", &[], "").status == 200
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the mock did not start:\n{}",
            log_text()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(
        log_text().contains("gatic mock: every route"),
        "{}",
        log_text()
    );

    // Every GET route of the head answers its success status, with a body
    // of its media type.
    let mut checked = 0;
    for route in spec.head.routes.iter().filter(|r| r.method == Method::Get) {
        let path = example_path(route, &spec.head);
        let answer = send(port, "GET", &path, &[], "");
        assert_eq!(
            answer.status,
            route.status,
            "GET {path}: {}\n{}",
            answer.body,
            log_text()
        );
        let media = answer
            .header("content-type")
            .unwrap_or_default()
            .to_string();
        match &route.returns_format {
            gatic_ir::BodyFormat::Json => {
                assert_eq!(media, "application/json", "GET {path}");
                assert!(answer.json().is_object() || answer.json().is_array());
            }
            gatic_ir::BodyFormat::EventStream => {
                assert!(media.starts_with("text/event-stream"), "GET {path}");
                let events: Vec<&str> = answer
                    .body
                    .lines()
                    .filter_map(|l| l.strip_prefix("data: "))
                    .collect();
                assert_eq!(events.len(), 3, "GET {path}: {}", answer.body);
                for event in events {
                    let event: serde_json::Value = serde_json::from_str(event).expect("JSON data");
                    assert_eq!(event["change"], "existing");
                }
            }
            gatic_ir::BodyFormat::Bytes { media: expected } => {
                assert_eq!(&media, expected, "GET {path}");
                assert!(answer.body.starts_with("\u{fffd}PNG"), "GET {path}");
            }
            gatic_ir::BodyFormat::Text { .. } => {
                assert!(media.starts_with("text/plain"), "GET {path}");
                assert!(!answer.body.is_empty());
            }
            gatic_ir::BodyFormat::Multipart { .. } => {}
        }
        checked += 1;
    }
    assert!(checked >= 5, "only {checked} GET routes");

    // A user satisfies its refinements: `handle` is 3 to 30 of
    // `[a-z0-9_]`, `email` an address, `bio` present (nullable, not null),
    // the optional `website` present; the declared ETag is set.
    let user = send(port, "GET", &format!("/users/{UUID}"), &[], "");
    let body = user.json();
    let handle = body["handle"].as_str().expect("a handle");
    assert!((3..=30).contains(&handle.len()), "{handle}");
    assert!(
        handle
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    );
    assert!(body["email"].as_str().is_some_and(|e| e.contains('@')));
    assert!(body["bio"].is_string() && body["website"].is_string());
    assert_eq!(body["id"], UUID);
    assert_eq!(body["role"], "admin");
    assert!(user.header("etag").is_some_and(|t| t.starts_with('"')));
    // A tagged union's first variant, with its tag.
    let posts = send(port, "GET", &format!("/users/{UUID}/posts"), &[], "").json();
    assert_eq!(posts["items"][0]["body"]["kind"], "text");
    assert!(posts["items"][0]["tags"].is_array());

    // Writes authenticate first: no credential is a 401, any credential
    // passes, and a scoped route (`users:admin`) accepts the mock's
    // principal, which holds every scope.
    let bearer = [("Authorization", "Bearer anything")];
    let delete = format!("/users/{UUID}");
    assert_eq!(send(port, "DELETE", &delete, &[], "").status, 401);
    assert_eq!(send(port, "DELETE", &delete, &bearer, "").status, 204);

    // A body that breaks the refinements: the real 422, every violation
    // with its pointer.
    let json = [
        ("Authorization", "Bearer anything"),
        ("Content-Type", "application/json"),
    ];
    let invalid = r#"{"handle": "No!", "email": "not an address", "display_name": ""}"#;
    let answer = send(port, "POST", "/users", &json, invalid);
    assert_eq!(answer.status, 422, "{}", answer.body);
    assert_eq!(
        answer.header("content-type"),
        Some("application/problem+json")
    );
    let pointers: Vec<String> = answer.json()["violations"]
        .as_array()
        .expect("violations")
        .iter()
        .filter_map(|v| v["pointer"].as_str().map(str::to_string))
        .collect();
    for pointer in ["/handle", "/email", "/display_name"] {
        assert!(
            pointers.iter().any(|p| p == pointer),
            "{pointer} in {pointers:?}"
        );
    }
    // A valid one gets 201 with the example user and its Location.
    let valid = r#"{"handle": "ada", "email": "ada@example.com", "display_name": "Ada"}"#;
    let created = send(port, "POST", "/users", &json, valid);
    assert_eq!(created.status, 201, "{}", created.body);
    assert!(created.header("location").is_some());
    assert_eq!(created.json()["id"], UUID);

    // At 2025-01-01, before `display_name` was renamed and `tags` added, a
    // user has `name` and a post has no `tags`; the old version validates
    // requests in its own shape too.
    let old = [("Gati-Version", "2025-01-01")];
    let user = send(port, "GET", &format!("/users/{UUID}"), &old, "");
    assert_eq!(user.status, 200);
    assert_eq!(user.header("gati-version"), Some("2025-01-01"));
    let body = user.json();
    assert_eq!(body["name"], "example", "{body}");
    assert!(body.get("display_name").is_none(), "{body}");
    let posts = send(port, "GET", &format!("/users/{UUID}/posts"), &old, "").json();
    assert!(posts["items"][0].get("tags").is_none(), "{posts}");
    let old_json = [
        ("Authorization", "Bearer anything"),
        ("Content-Type", "application/json"),
        ("Gati-Version", "2025-01-01"),
    ];
    let answer = send(port, "POST", "/users", &old_json, valid);
    assert_eq!(answer.status, 422, "{}", answer.body);
    assert!(answer.body.contains("/name"), "{}", answer.body);
    let answer = send(
        port,
        "POST",
        "/users",
        &old_json,
        r#"{"handle": "ada", "email": "ada@example.com", "name": "Ada"}"#,
    );
    assert_eq!(answer.status, 201, "{}", answer.body);
    assert_eq!(answer.json()["name"], "example");
    drop(guard);
}

/// `gatic mock` without cargo says what is missing.
#[test]
fn gatic_mock_without_cargo_says_so() {
    let dir = common::root().join("target/gatic-mock-no-cargo");
    std::fs::create_dir_all(&dir).expect("the test folder");
    let spec = dir.join("users.gati");
    std::fs::copy(common::root().join("specs/valid/users.gati"), &spec).expect("copy");
    let output = Command::new(env!("CARGO_BIN_EXE_gatic"))
        .arg("mock")
        .arg(&spec)
        .env("CARGO", dir.join("no-such-cargo"))
        .output()
        .expect("run gatic mock");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("was not found"), "{stderr}");
    assert!(stderr.contains("rustup.rs"), "{stderr}");
    assert!(Path::new(&dir.join("gen/mock/src/main.rs")).is_file());
}
