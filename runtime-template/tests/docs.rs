//! The documentation page at `/docs` over a real loopback socket: served
//! with its headers and the service's versions written in when the service
//! has an OpenAPI document, like `/openapi.json` for `HEAD` and other
//! methods, and left to the router (a 404 here) when it has none.

use std::net::SocketAddr;

use gati_runtime::{
    Config, Ctx, Resolution, Response, RouteInfo, Service, VersionInfo, empty_response, serve,
};
use hyper::Method;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

mod support;
use support::fetch;

/// A service without routes, with an OpenAPI document or without one.
#[derive(Clone)]
struct App {
    openapi: Option<&'static str>,
}

static VERSIONS: [VersionInfo; 2] = [
    VersionInfo {
        date: "2025-01-01",
        deprecation: Some("@1767225600"),
        sunset: None,
        sunset_at: None,
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
        &[]
    }

    fn resolve(&self, _method: &Method, _path: &str) -> Resolution {
        Resolution::NotFound
    }

    async fn call(&self, _route: usize, _ctx: &Ctx) -> Response {
        empty_response(204)
    }

    fn openapi(&self) -> Option<&'static str> {
        self.openapi
    }

    fn versions(&self) -> &'static [VersionInfo] {
        &VERSIONS
    }

    fn version_header(&self) -> &'static str {
        "stripe-version"
    }
}

struct Server {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

impl Server {
    async fn start(app: App) -> Server {
        Server::start_with(app, true).await
    }

    async fn start_with(app: App, docs: bool) -> Server {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("local addr");
        let (stop, stopped) = oneshot::channel::<()>();
        let config = Config {
            host: "127.0.0.1".into(),
            port: 0,
            client_concurrency: Some(0),
            client_connections: 0,
            docs,
            ..Config::default()
        };
        let task = tokio::spawn(serve(app, config, listener, async move {
            let _ = stopped.await;
        }));
        Server {
            addr,
            stop: Some(stop),
            task,
        }
    }

    async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = self.task.await;
    }
}

#[tokio::test]
async fn docs_page_is_served_with_a_strict_policy() {
    let server = Server::start(App {
        openapi: Some(r#"{"openapi":"3.1.0"}"#),
    })
    .await;
    for path in ["/docs", "/docs/"] {
        let reply = fetch(server.addr, "GET", path, &[], "").await;
        assert_eq!(reply.status, 200, "{path}: {}", reply.body);
        assert_eq!(
            reply.header("content-type"),
            Some("text/html; charset=utf-8")
        );
        assert_eq!(reply.header("cache-control"), Some("no-cache"));
        assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));
        let policy = reply.header("content-security-policy").unwrap_or("");
        assert!(policy.starts_with("default-src 'none';"), "{policy}");
        assert!(policy.contains("connect-src 'self'"), "{policy}");
        assert!(
            !policy.contains('*') && !policy.contains("http"),
            "{policy}"
        );
        assert!(reply.body.contains("<body data-gati-docs>"), "the marker");
        // The versions, newest first, and the version header are written in.
        let config = r#"{"header":"stripe-version","versions":[{"date":"2025-06-01","deprecated":false,"sunset":null},{"date":"2025-01-01","deprecated":true,"sunset":null}]}"#;
        assert!(reply.body.contains(config), "the configuration");
        assert!(
            !reply.body.contains("GATI_DOCS_CONFIG"),
            "the slot is filled"
        );
    }
    let head = fetch(server.addr, "HEAD", "/docs", &[], "").await;
    assert_eq!(head.status, 200);
    assert_eq!(
        head.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    let post = fetch(server.addr, "POST", "/docs", &[], "").await;
    assert_eq!(post.status, 405);
    assert_eq!(post.header("allow"), Some("GET, HEAD"));
    server.stop().await;
}

#[tokio::test]
async fn no_docs_page_without_an_openapi_document() {
    let server = Server::start(App { openapi: None }).await;
    for path in ["/docs", "/docs/", "/openapi.json"] {
        let reply = fetch(server.addr, "GET", path, &[], "").await;
        assert_eq!(reply.status, 404, "{path}");
        assert!(!reply.body.contains("data-gati-docs"), "{path}");
    }
    server.stop().await;
}

#[tokio::test]
async fn an_operator_can_turn_the_page_off() {
    // `GATI_DOCS=off`: the page is gone; the documents it renders stay.
    let server = Server::start_with(
        App {
            openapi: Some(r#"{"openapi":"3.1.0"}"#),
        },
        false,
    )
    .await;
    for path in ["/docs", "/docs/"] {
        let reply = fetch(server.addr, "GET", path, &[], "").await;
        assert_eq!(reply.status, 404, "{path}");
        assert!(!reply.body.contains("data-gati-docs"), "{path}");
    }
    let document = fetch(server.addr, "GET", "/openapi.json", &[], "").await;
    assert_eq!(document.status, 200);
    server.stop().await;
}
