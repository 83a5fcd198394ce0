//! A service whose spec sets `version_header "Stripe-Version"`: requests
//! choose their version with that header (or `?version=`), responses are
//! stamped with it, and `Gati-Version` means nothing to it.

use gati_runtime::{
    Config, Ctx, PathParams, Resolution, Response, RouteInfo, RouteLimits, Service, VersionInfo,
    json_response, serve,
};
use hyper::Method;
use serde_json::json;

mod support;
use support::{fetch, is_problem};

struct Payments;

static ROUTES: [RouteInfo; 1] = [RouteInfo {
    name: "get_charge",
    method: "GET",
    path: "/charge",
    auth: false,
    limits: RouteLimits::NONE,
}];

static VERSIONS: [VersionInfo; 2] = [
    VersionInfo {
        date: "2024-01-01",
        deprecation: None,
        sunset: None,
        sunset_at: None,
    },
    VersionInfo {
        date: "2025-01-01",
        deprecation: None,
        sunset: None,
        sunset_at: None,
    },
];

impl Service for Payments {
    fn routes(&self) -> &'static [RouteInfo] {
        &ROUTES
    }

    fn resolve(&self, method: &Method, path: &str) -> Resolution {
        match (path, method) {
            ("/charge", &Method::GET) => Resolution::Route(0, PathParams::new()),
            ("/charge", _) => Resolution::MethodNotAllowed("GET"),
            _ => Resolution::NotFound,
        }
    }

    async fn call(&self, _route: usize, _ctx: &Ctx) -> Response {
        json_response(200, &json!({"ok": true}))
    }

    fn versions(&self) -> &'static [VersionInfo] {
        &VERSIONS
    }

    fn version_header(&self) -> &'static str {
        "stripe-version"
    }
}

#[tokio::test]
async fn negotiates_from_and_stamps_the_configured_header() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("local addr");
    let config = Config {
        host: "127.0.0.1".into(),
        port: 0,
        client_concurrency: Some(0),
        client_connections: 0,
        ..Config::default()
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(serve(Payments, config, listener, async move {
        let _ = stopped.await;
    }));

    // No version: the head, stamped in the configured header only.
    let reply = fetch(addr, "GET", "/charge", &[], "").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("stripe-version"), Some("2025-01-01"));
    assert_eq!(reply.header("gati-version"), None);

    // The configured header chooses the version, in any case.
    let asked = [("Stripe-Version", "2024-06-01")];
    let reply = fetch(addr, "GET", "/charge", &asked, "").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("stripe-version"), Some("2024-01-01"));

    // `Gati-Version` is just another header to this service.
    let ignored = [("Gati-Version", "2024-01-01")];
    let reply = fetch(addr, "GET", "/charge", &ignored, "").await;
    assert_eq!(reply.header("stripe-version"), Some("2025-01-01"));

    // `?version=` still works.
    let reply = fetch(addr, "GET", "/charge?version=2024-02-01", &[], "").await;
    assert_eq!(reply.header("stripe-version"), Some("2024-01-01"));

    // An unknown version is a 400 that names the configured header.
    let bad = [("stripe-version", "yesterday")];
    let reply = fetch(addr, "GET", "/charge", &bad, "").await;
    assert_eq!(reply.status, 400);
    assert!(is_problem(&reply), "{}", reply.body);
    let detail = reply.json()["detail"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(detail.contains("`stripe-version`"), "{detail}");

    let _ = stop.send(());
    task.await.expect("join").expect("serve");
}
