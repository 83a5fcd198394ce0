//! The control panel's state (`/_gati/state`) and page (`/_gati/`) on the
//! admin listener, against a real loopback server: the version mix counts
//! what was sent, recent errors carry their problem bodies, the access-log
//! tail holds the lines written, and each setting says where its value came
//! from. The metrics' names and labels and the access-log line's members
//! are snapshots: a change to either is a change to a documented format.

use std::net::SocketAddr;

use gati_runtime::{
    AccessLog, Config, Ctx, PathParams, Problem, Resolution, Response, RouteInfo, RouteLimits,
    Service, VersionInfo, json_response, serve_with_admin,
};
use hyper::Method;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

mod support;
use support::{fetch, is_problem};

/// `GET /items/{id}` answers 200; `GET /gone` answers a 404 problem.
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
        name: "get_gone",
        method: "GET",
        path: "/gone",
        auth: false,
        limits: RouteLimits::NONE,
    },
];

static VERSIONS: [VersionInfo; 2] = [
    VersionInfo {
        date: "2025-01-01",
        deprecation: Some("@1767225600"),
        sunset: Some("Thu, 31 Dec 2099 23:59:59 GMT"),
        sunset_at: Some(4_102_444_799),
    },
    VersionInfo {
        date: "2025-06-01",
        deprecation: None,
        sunset: None,
        sunset_at: None,
    },
];

impl Service for App {
    fn routes(&self) -> &'static [RouteInfo] {
        &ROUTES
    }

    fn resolve(&self, method: &Method, path: &str) -> Resolution {
        match (method, path) {
            (&Method::GET, "/gone") => Resolution::Route(1, PathParams::new()),
            (&Method::GET, p) if p.starts_with("/items/") => {
                Resolution::Route(0, PathParams::new())
            }
            _ => Resolution::NotFound,
        }
    }

    async fn call(&self, route: usize, _ctx: &Ctx) -> Response {
        match route {
            0 => json_response(200, &json!({"id": 7})),
            _ => Problem::new(404, "the item is gone").into_response(),
        }
    }

    fn versions(&self) -> &'static [VersionInfo] {
        &VERSIONS
    }

    fn limits(&self) -> RouteLimits {
        RouteLimits {
            queue: Some(64),
            ..RouteLimits::NONE
        }
    }
}

struct Server {
    api: SocketAddr,
    admin: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
}

impl Server {
    async fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let admin = TcpListener::bind("127.0.0.1:0").await.expect("bind admin");
        let (api, admin_addr) = (
            listener.local_addr().expect("addr"),
            admin.local_addr().expect("admin addr"),
        );
        let config = Config {
            host: "127.0.0.1".into(),
            port: 0,
            concurrency: Some(8),
            client_concurrency: Some(0),
            client_connections: 0,
            // Errors only: the lines go to the test's stdout.
            access_log: AccessLog::Errors,
            ..Config::default()
        };
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(serve_with_admin(
            App,
            config,
            listener,
            Some(admin),
            async move {
                let _ = stopped.await;
            },
        ));
        Server {
            api,
            admin: admin_addr,
            stop: Some(stop),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn state(server: &Server) -> Value {
    let reply = fetch(server.admin, "GET", "/_gati/state", &[], "").await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    reply.json()
}

/// Sends the traffic the assertions count: 7 requests at the old version,
/// 3 at the head, and 2 of the head's that end in a 404 problem.
async fn traffic(server: &Server) {
    for (version, path, times) in [
        ("2025-01-01", "/items/1", 7),
        ("2025-06-01", "/items/2", 3),
        ("2025-06-01", "/gone", 2),
    ] {
        for _ in 0..times {
            let reply = fetch(server.api, "GET", path, &[("Gati-Version", version)], "").await;
            assert!(reply.status == 200 || reply.status == 404, "{reply:?}");
        }
    }
}

#[tokio::test]
async fn state_counts_versions_errors_and_settings() {
    let server = Server::start().await;
    traffic(&server).await;
    let state = state(&server).await;

    let versions = state["versions"].as_array().expect("versions");
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0]["date"], "2025-01-01");
    assert_eq!(versions[0]["last_hour"], 7);
    assert_eq!(versions[0]["deprecation"], 1_767_225_600);
    assert_eq!(versions[0]["sunset"], 4_102_444_799_i64);
    assert_eq!(versions[1]["last_hour"], 5);
    assert_eq!(versions[1]["total"], 5);

    let route = |name: &str| {
        state["routes"]
            .as_array()
            .and_then(|r| r.iter().find(|r| r["name"] == name))
            .cloned()
            .unwrap_or(Value::Null)
    };
    let item = route("get_item");
    assert_eq!(item["method"], "GET");
    assert_eq!(item["path"], "/items/{id}");
    assert_eq!(item["classes"], json!([0, 10, 0, 0, 0]));
    let buckets: u64 = item["buckets"]
        .as_array()
        .map(|b| b.iter().filter_map(Value::as_u64).sum())
        .unwrap_or(0);
    assert_eq!(buckets, 10, "every request is in one latency bucket");
    assert_eq!(route("get_gone")["classes"], json!([0, 0, 0, 2, 0]));

    // The errors, newest first, with their problem bodies.
    let errors = state["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 2);
    assert_eq!(errors[0]["status"], 404);
    assert_eq!(errors[0]["route"], "get_gone");
    assert_eq!(errors[0]["version"], "2025-06-01");
    let problem: Value =
        serde_json::from_str(errors[0]["problem"].as_str().unwrap_or("")).unwrap_or(Value::Null);
    assert_eq!(problem["detail"], "the item is gone");

    // The access log (errors only) reaches the tail.
    assert_eq!(state["log"]["on"], true);
    assert_eq!(state["log"]["errors_only"], true);
    let lines = state["log"]["lines"].as_array().expect("lines");
    assert_eq!(lines.len(), 2);
    assert!(
        lines
            .iter()
            .all(|l| l.as_str().is_some_and(|l| l.contains("\"status\":404"))),
        "{lines:?}"
    );

    // Each setting and where its value came from.
    let setting = |name: &str| {
        state["settings"]
            .as_array()
            .and_then(|s| s.iter().find(|s| s["name"] == name))
            .map(|s| (s["value"].clone(), s["source"].clone()))
            .unwrap_or_default()
    };
    assert_eq!(setting("concurrency"), (json!("8"), json!("env")));
    assert_eq!(setting("queue"), (json!("64"), json!("spec")));
    assert_eq!(setting("max_body"), (json!("1 MiB"), json!("default")));
    assert_eq!(setting("access_log"), (json!("errors"), json!("env")));
    assert_eq!(setting("tracing"), (json!("off"), json!("default")));

    // A new server's mix covers its whole life so far.
    assert!(state["mix"]["window_s"].as_u64().is_some_and(|s| s < 60));
    let history = state["mix"]["history"].as_array().expect("history");
    assert_eq!(history.last(), Some(&json!([7, 5])));

    assert_eq!(state["admission"]["in_flight"], 0);
    assert_eq!(state["admission"]["queued"], 0);
}

#[tokio::test]
async fn the_page_is_served_only_on_the_admin_listener() {
    let server = Server::start().await;
    for path in ["/_gati", "/_gati/"] {
        let reply = fetch(server.admin, "GET", path, &[], "").await;
        assert_eq!(reply.status, 200, "{path}");
        assert_eq!(
            reply.header("content-type"),
            Some("text/html; charset=utf-8")
        );
        let policy = reply.header("content-security-policy").unwrap_or("");
        assert!(policy.contains("default-src 'none'"), "{policy}");
        assert!(policy.contains("connect-src 'self'"), "{policy}");
        assert!(reply.body.contains("/_gati/state"));
        // Nothing is loaded from elsewhere: no script, style or image
        // source, and no address but SVG's namespace.
        for loads in [" src=", "<link", "@import", "https://"] {
            assert!(!reply.body.contains(loads), "{loads}");
        }
        assert_eq!(
            reply.body.matches("http://").count(),
            reply.body.matches("http://www.w3.org/2000/svg").count()
        );
    }
    for path in ["/_gati/", "/_gati/state"] {
        let reply = fetch(server.api, "GET", path, &[], "").await;
        assert_eq!(reply.status, 404, "{path} on the API port");
        assert!(is_problem(&reply), "{reply:?}");
    }
    let reply = fetch(server.admin, "POST", "/_gati/state", &[], "").await;
    assert_eq!(reply.status, 405);
    assert_eq!(reply.header("allow"), Some("GET, HEAD"));
}

#[tokio::test]
async fn metric_names_and_the_access_line_are_stable() {
    let server = Server::start().await;
    traffic(&server).await;
    let metrics = fetch(server.admin, "GET", "/metrics", &[], "").await;
    assert_eq!(metrics.status, 200);
    // Names, types and label sets; values vary with timing, so they go.
    let shape: Vec<String> = metrics
        .body
        .lines()
        .map(|line| match line.strip_prefix('#') {
            Some(_) => line.to_string(),
            None => line
                .rsplit_once(' ')
                .map_or(line, |(series, _)| series)
                .to_string(),
        })
        .collect();
    insta::with_settings!({
        snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/../snapshots/runtime"),
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!("metrics", shape.join("\n"));
    });

    let state = state(&server).await;
    let line = state["log"]["lines"][0].as_str().unwrap_or("");
    let mut line: serde_json::Map<String, Value> =
        serde_json::from_str(line).expect("an access line is one JSON object");
    for varying in ["time", "request_id", "latency_ms", "peer"] {
        let value = line.get_mut(varying).expect(varying);
        *value = json!(format!("<{varying}>"));
    }
    insta::with_settings!({
        snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/../snapshots/runtime"),
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_json_snapshot!("access_line", line);
    });
}
