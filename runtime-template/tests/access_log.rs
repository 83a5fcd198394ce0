//! Access logs (`GATI_ACCESS_LOG`): one JSON line per request on stdout,
//! checked in a child process (this test binary again, running one of the
//! `child` scenarios against a real loopback socket) whose stdout is read
//! whole.

use std::net::SocketAddr;

use gati_runtime::{
    AccessLog, Config, Ctx, PathParams, Problem, Resolution, Response, RouteInfo, RouteLimits,
    Service, json_response, serve,
};
use hyper::Method;
use serde_json::{Value, json};
use tokio::sync::oneshot;

mod support;
use support::{Client, STEP};

/// `GET /items/{id}` answers 200 with a small JSON body; `POST /items`
/// answers 201 for the body `ok` and 422 for any other.
struct App;

static ROUTES: [RouteInfo; 2] = [
    RouteInfo {
        name: "get_item",
        method: "GET",
        path: "/items/{id}",
        auth: false,
        limits: RouteLimits::NONE,
    },
    RouteInfo {
        name: "create_item",
        method: "POST",
        path: "/items",
        auth: false,
        limits: RouteLimits::NONE,
    },
];

impl Service for App {
    fn routes(&self) -> &'static [RouteInfo] {
        &ROUTES
    }

    fn resolve(&self, method: &Method, path: &str) -> Resolution {
        match (method, path) {
            (&Method::POST, "/items") => Resolution::Route(1, PathParams::new()),
            (_, "/items") => Resolution::MethodNotAllowed("POST"),
            (&Method::GET, p) if p.starts_with("/items/") => {
                Resolution::Route(0, PathParams::new())
            }
            _ => Resolution::NotFound,
        }
    }

    async fn call(&self, route: usize, ctx: &Ctx) -> Response {
        match route {
            0 => json_response(200, &json!({"id": 7})),
            _ if ctx.request().body.as_ref() == b"ok" => json_response(201, &json!({"id": 8})),
            _ => Problem::new(422, "the body is not ok").into_response(),
        }
    }
}

/// Serves `App` with the access log settings of the environment, runs
/// `scenario` against it, then stops it.
async fn with_server<F: Future<Output = ()>>(scenario: impl FnOnce(SocketAddr) -> F) {
    let from_env = Config::from_env().expect("the child's configuration");
    let config = Config {
        host: "127.0.0.1".into(),
        port: 0,
        client_concurrency: Some(0),
        client_connections: 0,
        access_log: from_env.access_log,
        access_log_sample: from_env.access_log_sample,
        ..Config::default()
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("local addr");
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(serve(App, config, listener, async move {
        let _ = stopped.await;
    }));
    scenario(addr).await;
    let _ = stop.send(());
    let _ = tokio::time::timeout(STEP, task).await;
}

/// Runs the child scenario `name` with the given environment and returns
/// the access lines it wrote on stdout, parsed, and the whole stdout.
fn run_child(name: &str, env: &[(&str, &str)]) -> (Vec<Value>, String) {
    let mut command = std::process::Command::new(std::env::current_exe().expect("test binary"));
    command
        .args(["--exact", "child", "--nocapture", "--test-threads=1"])
        .env("ACCESS_LOG_CHILD", name)
        .env_remove("GATI_ACCESS_LOG")
        .env_remove("GATI_ACCESS_LOG_SAMPLE");
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command.output().expect("run the child");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    // The test harness writes `test child ... ` with no newline before the
    // first line, so a line is read from its opening brace.
    let lines = stdout
        .lines()
        .filter_map(|l| l.find("{\"time\"").map(|at| &l[at..]))
        .map(|l| serde_json::from_str::<Value>(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .filter(|l| l["msg"] == "request")
        .collect();
    (lines, stdout)
}

/// The requests the scenarios make, in one place.
#[test]
fn child() {
    let Ok(scenario) = std::env::var("ACCESS_LOG_CHILD") else {
        return;
    };
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    runtime.block_on(with_server(|addr| async move {
        let mut client = Client::connect(addr).await;
        match scenario.as_str() {
            "basic" => {
                let ok = client
                    .request(
                        "GET",
                        "/items/7?token=secret-q",
                        &[("x-request-id", "req-1")],
                        "",
                    )
                    .await;
                assert_eq!(ok.status, 200);
                let none = client.request("GET", "/nope", &[], "").await;
                assert_eq!(none.status, 404);
                let bad = client
                    .request(
                        "POST",
                        "/items",
                        &[("authorization", "Bearer secret-h")],
                        "secret-b",
                    )
                    .await;
                assert_eq!(bad.status, 422);
                let made = client.request("POST", "/items", &[], "ok").await;
                assert_eq!(made.status, 201);
                let health = client.request("GET", "/healthz", &[], "").await;
                assert_eq!(health.status, 200);
            }
            "hostile" => {
                // Quotes, backslashes and braces reach the server as they
                // are; control characters cannot be in a request line, so
                // they arrive percent-encoded and are logged that way.
                let path = "/items/a\"b\\c\"}{%0A%0D%00%1B\u{e9}";
                let reply = client.request("GET", path, &[], "").await;
                assert_eq!(reply.status, 200, "{path}");
            }
            "errors" => {
                assert_eq!(client.request("GET", "/items/1", &[], "").await.status, 200);
                assert_eq!(client.request("GET", "/nope", &[], "").await.status, 404);
            }
            "sample" => {
                for _ in 0..200 {
                    assert_eq!(client.request("GET", "/items/1", &[], "").await.status, 200);
                }
                for _ in 0..10 {
                    assert_eq!(client.request("GET", "/nope", &[], "").await.status, 404);
                    assert_eq!(
                        client.request("POST", "/items", &[], "no").await.status,
                        422
                    );
                }
            }
            other => panic!("no scenario {other}"),
        }
    }));
}

/// Checks the fields every line has.
fn common(line: &Value) {
    assert_eq!(line["level"], "info", "{line}");
    assert_eq!(line["msg"], "request", "{line}");
    assert_eq!(line["peer"], "127.0.0.1", "{line}");
    let time = line["time"].as_str().unwrap_or_default();
    // RFC 3339, UTC, milliseconds: 2025-03-01T12:34:56.789Z.
    assert_eq!(time.len(), 24, "{time}");
    assert!(time.ends_with('Z') && time.as_bytes()[10] == b'T' && time.as_bytes()[19] == b'.');
    assert!(
        line["latency_ms"].as_f64().is_some_and(|ms| ms >= 0.0),
        "{line}"
    );
    assert!(
        line["request_id"].as_str().is_some_and(|id| !id.is_empty()),
        "{line}"
    );
    assert!(line["status"].is_u64(), "{line}");
    assert!(line["bytes_in"].is_u64(), "{line}");
}

#[test]
fn one_line_per_request() {
    if std::env::var_os("ACCESS_LOG_CHILD").is_some() {
        return;
    }
    let (lines, stdout) = run_child("basic", &[("GATI_ACCESS_LOG", "on")]);
    assert_eq!(lines.len(), 5, "{stdout}");
    for line in &lines {
        common(line);
    }
    let ok = &lines[0];
    assert_eq!(ok["request_id"], "req-1");
    assert_eq!(ok["method"], "GET");
    assert_eq!(ok["path"], "/items/7");
    assert_eq!(ok["route"], "get_item");
    assert_eq!(ok["status"], 200);
    assert_eq!(ok["bytes_in"], 0);
    assert_eq!(ok["bytes_out"], 8);
    assert!(ok.get("version").is_none());
    let none = &lines[1];
    assert_eq!(
        (&none["path"], &none["status"]),
        (&json!("/nope"), &json!(404))
    );
    assert!(none.get("route").is_none(), "{none}");
    assert!(none["bytes_out"].as_u64().is_some_and(|n| n > 0), "{none}");
    let bad = &lines[2];
    assert_eq!(
        (&bad["method"], &bad["route"]),
        (&json!("POST"), &json!("create_item"))
    );
    assert_eq!((&bad["status"], &bad["bytes_in"]), (&json!(422), &json!(8)));
    let made = &lines[3];
    assert_eq!(
        (&made["status"], &made["bytes_in"]),
        (&json!(201), &json!(2))
    );
    let health = &lines[4];
    assert_eq!(
        (&health["path"], &health["status"]),
        (&json!("/healthz"), &json!(200))
    );
    assert!(health.get("route").is_none(), "{health}");
    // Query strings, header values and bodies never reach the log.
    for secret in ["secret-q", "secret-h", "secret-b", "token"] {
        assert!(!stdout.contains(secret), "{secret}: {stdout}");
    }
    // Off (the default): no line at all.
    let (lines, stdout) = run_child("basic", &[]);
    assert!(lines.is_empty(), "{stdout}");
}

#[test]
fn hostile_paths_stay_one_line() {
    if std::env::var_os("ACCESS_LOG_CHILD").is_some() {
        return;
    }
    let (lines, stdout) = run_child("hostile", &[("GATI_ACCESS_LOG", "on")]);
    assert_eq!(lines.len(), 1, "{stdout}");
    common(&lines[0]);
    assert_eq!(lines[0]["path"], "/items/a\"b\\c\"}{%0A%0D%00%1B\u{e9}");
    // Every line of stdout that starts like an access line parses whole.
    let raw: Vec<&str> = stdout
        .lines()
        .filter(|l| l.contains("\"msg\":\"request\""))
        .collect();
    assert_eq!(raw.len(), 1, "{stdout}");
}

#[test]
fn errors_mode_logs_errors_only() {
    if std::env::var_os("ACCESS_LOG_CHILD").is_some() {
        return;
    }
    let (lines, stdout) = run_child("errors", &[("GATI_ACCESS_LOG", "errors")]);
    assert_eq!(lines.len(), 1, "{stdout}");
    assert_eq!(
        (&lines[0]["path"], &lines[0]["status"]),
        (&json!("/nope"), &json!(404))
    );
}

#[test]
fn sampling_keeps_every_error() {
    if std::env::var_os("ACCESS_LOG_CHILD").is_some() {
        return;
    }
    let (lines, stdout) = run_child(
        "sample",
        &[("GATI_ACCESS_LOG", "on"), ("GATI_ACCESS_LOG_SAMPLE", "0.5")],
    );
    let count = |status: u64| lines.iter().filter(|l| l["status"] == status).count();
    assert_eq!(count(200), 100, "{stdout}");
    assert_eq!((count(404), count(422)), (10, 10), "{stdout}");
    assert_eq!(lines.len(), 120);
}

#[test]
fn bad_settings_stop_the_server() {
    let refused = Config::from_vars(|name| (name == "GATI_ACCESS_LOG").then(|| "maybe".to_owned()));
    assert_eq!(
        refused.map_err(|e| e.to_string()),
        Err("GATI_ACCESS_LOG=\"maybe\": expected off, on or errors".to_owned())
    );
    let on = Config::from_vars(|name| (name == "GATI_ACCESS_LOG").then(|| "on".to_owned()));
    assert_eq!(on.map(|c| c.access_log), Ok(AccessLog::On));
}
