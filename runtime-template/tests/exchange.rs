//! The whole exchange as handlers and middleware see it: `tower-http` layers
//! in front of the service (`serve_with`) see every answer, the runtime's own
//! problems included; a handler reads the caller's principal, any request
//! header and what a layer put in the request's extensions; a route's scopes
//! are checked before the body is read; problems carry security headers;
//! and `TestClient` runs all of it in-process.

use std::time::Duration;

use gati_runtime::{
    Caller, Config, CorsPolicy, Ctx, Denied, PathParams, Reply, Resolution, Response, RouteInfo,
    RouteLimits, Service, SetCookie, TestClient, bearer, json_response, serve_with,
};
use hyper::Method;
use hyper::header::{CACHE_CONTROL, HeaderName, HeaderValue};
use serde_json::json;
use tower_http::add_extension::AddExtensionLayer;
use tower_http::compression::CompressionLayer;
use tower_http::set_header::SetResponseHeaderLayer;

mod support;
use support::{fetch, is_problem};

/// Who a token belongs to.
#[derive(Debug)]
struct Account {
    name: String,
    scopes: Vec<&'static str>,
}

/// Set by a layer in front of the service.
#[derive(Clone, Debug)]
struct Tenant(&'static str);

struct Notes;

const WHOAMI: usize = 0;
const BIG: usize = 1;
const ADMIN: usize = 2;

static ROUTES: [RouteInfo; 3] = [
    RouteInfo {
        name: "whoami",
        method: "GET",
        path: "/whoami",
        auth: true,
        limits: RouteLimits::NONE,
    },
    RouteInfo {
        name: "big",
        method: "GET",
        path: "/big",
        auth: false,
        limits: RouteLimits::NONE,
    },
    RouteInfo {
        name: "admin",
        method: "POST",
        path: "/admin",
        auth: true,
        limits: RouteLimits::NONE,
    },
];

impl Service for Notes {
    fn routes(&self) -> &'static [RouteInfo] {
        &ROUTES
    }

    fn resolve(&self, method: &Method, path: &str) -> Resolution {
        let route = match (method, path) {
            (&Method::GET, "/whoami") => WHOAMI,
            (&Method::GET, "/big") => BIG,
            (&Method::POST, "/admin") => ADMIN,
            (_, "/whoami" | "/big" | "/admin") => return Resolution::MethodNotAllowed("GET, POST"),
            _ => return Resolution::NotFound,
        };
        Resolution::Route(route, PathParams::new())
    }

    async fn authenticate<'a>(&'a self, route: usize, ctx: &'a Ctx) -> Result<Caller<'a>, Denied> {
        let credential = bearer(ctx.request())?;
        let account = match credential.secret() {
            "ada" => Account {
                name: "Ada".into(),
                scopes: vec!["notes:read", "notes:admin"],
            },
            "bob" => Account {
                name: "Bob".into(),
                scopes: vec!["notes:read"],
            },
            _ => return Err(Denied::rejected(credential)),
        };
        if route == ADMIN && !account.scopes.contains(&"notes:admin") {
            return Err(Denied::insufficient_scope(credential, &["notes:admin"]));
        }
        Ok(Caller::of(credential).with_principal(account))
    }

    fn cors(&self) -> &'static CorsPolicy {
        static CORS: CorsPolicy = CorsPolicy {
            origins: &["https://app.example.com"],
            methods: "GET, POST",
            headers: "authorization, content-type, x-request-id",
            expose: "x-request-id, retry-after",
            max_age_s: 600,
            credentials: false,
        };
        &CORS
    }

    async fn call(&self, route: usize, ctx: &Ctx) -> Response {
        match route {
            WHOAMI | ADMIN => {
                let account = ctx.principal_as::<Account>();
                json_response(
                    200,
                    &json!({
                        "name": account.map(|a| a.name.as_str()),
                        "scopes": account.map(|a| a.scopes.clone()),
                        "agent": ctx.header("user-agent"),
                        "tenant": ctx.extensions().get::<Tenant>().map(|t| t.0),
                        "body": String::from_utf8_lossy(&ctx.request().body),
                    }),
                )
            }
            // A reply with a cookie and a header the route does not declare,
            // as a handler builds it.
            _ if ctx.request().path() == "/big" && ctx.header("x-want-cookie").is_some() => {
                let (value, (), extra) = Reply::new(json!({"ok": true}))
                    .header(
                        CACHE_CONTROL,
                        HeaderValue::from_static("private, max-age=60"),
                    )
                    .cookie(
                        SetCookie::new("session", "s3cr3t; v=1").max_age(Duration::from_secs(3600)),
                    )
                    .split();
                extra.finish(json_response(200, &*value))
            }
            _ => json_response(200, &json!({ "text": "all work and no play ".repeat(200) })),
        }
    }
}

fn config() -> Config {
    Config {
        host: "127.0.0.1".into(),
        port: 0,
        ..Config::default()
    }
}

#[tokio::test]
async fn tower_http_layers_see_every_answer() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("local addr");
    let layers = tower::ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static("x-served-by"),
            HeaderValue::from_static("notes"),
        ))
        .layer(CompressionLayer::new())
        .layer(AddExtensionLayer::new(Tenant("acme")));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(serve_with(Notes, config(), listener, layers, async move {
        let _ = stopped.await;
    }));

    // The runtime's own answers pass through the layers: 404, 405, 401.
    for (method, target, headers, status) in [
        ("GET", "/nowhere", vec![], 404),
        ("DELETE", "/big", vec![], 405),
        ("GET", "/whoami", vec![], 401),
        ("GET", "/whoami", vec![("authorization", "Bearer eve")], 401),
    ] {
        let reply = fetch(addr, method, target, &headers, "").await;
        assert_eq!(reply.status, status, "{method} {target}: {}", reply.body);
        assert_eq!(
            reply.header("x-served-by"),
            Some("notes"),
            "{method} {target}"
        );
        assert!(is_problem(&reply), "{}", reply.body);
        // Problems are never cached or sniffed.
        assert_eq!(reply.header("cache-control"), Some("no-store"));
        assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));
    }

    // The handler sees the principal, an undeclared header, and what a
    // layer put in the request's extensions.
    let headers = [
        ("authorization", "Bearer ada"),
        ("user-agent", "exchange-test"),
    ];
    let reply = fetch(addr, "GET", "/whoami", &headers, "").await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.header("x-served-by"), Some("notes"));
    assert_eq!(
        reply.json(),
        json!({"name": "Ada", "scopes": ["notes:read", "notes:admin"], "agent": "exchange-test", "tenant": "acme", "body": ""})
    );
    assert!(reply.header("x-request-id").is_some());

    // A missing scope is a 403 before the body is read.
    let headers = [("authorization", "Bearer bob")];
    let reply = fetch(addr, "POST", "/admin", &headers, "{}").await;
    assert_eq!(reply.status, 403, "{}", reply.body);
    assert!(is_problem(&reply), "{}", reply.body);
    assert_eq!(
        reply.header("www-authenticate"),
        Some("Bearer error=\"insufficient_scope\", scope=\"notes:admin\"")
    );
    let headers = [("authorization", "Bearer ada")];
    let reply = fetch(addr, "POST", "/admin", &headers, "{\"go\":1}").await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["body"], "{\"go\":1}");

    // A cookie the handler set, with its secure defaults, over the socket.
    let reply = fetch(addr, "GET", "/big", &[("x-want-cookie", "1")], "").await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        reply.header("set-cookie"),
        Some("session=s3cr3t%3B%20v=1; Path=/; Max-Age=3600; Secure; HttpOnly; SameSite=Lax")
    );
    assert_eq!(reply.header("cache-control"), Some("private, max-age=60"));

    // The compression layer compresses what the handler answered.
    // (Compressed, the body is chunked: the connection's end marks its end.)
    let headers = [("accept-encoding", "gzip"), ("connection", "close")];
    let reply = fetch(addr, "GET", "/big", &headers, "").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-encoding"), Some("gzip"));
    assert!(reply.body.len() < 1000, "{} bytes", reply.body.len());

    let _ = stop.send(());
    tokio::time::timeout(Duration::from_secs(10), task)
        .await
        .expect("drained in time")
        .expect("join")
        .expect("serve");
}

#[tokio::test]
async fn test_client_runs_the_whole_lifecycle_in_process() {
    let client = TestClient::new(Notes);

    let reply = client
        .get("/whoami")
        .bearer("bob")
        .header("user-agent", "in-process")
        .send()
        .await;
    assert_eq!(reply.status(), 200, "{}", reply.text());
    let body: serde_json::Value = reply.json();
    assert_eq!(body["name"], "Bob");
    assert_eq!(body["agent"], "in-process");
    assert_eq!(body["tenant"], serde_json::Value::Null, "no layer here");
    assert!(reply.header("x-request-id").is_some());

    // Problems, limits and authentication as over the network.
    let missing = client.get("/whoami").send().await;
    assert_eq!(missing.status(), 401);
    assert_eq!(missing.header("www-authenticate"), Some("Bearer"));
    assert_eq!(missing.header("cache-control"), Some("no-store"));
    let forbidden = client
        .post("/admin")
        .bearer("bob")
        .json(&json!({}))
        .send()
        .await;
    assert_eq!(forbidden.status(), 403, "{}", forbidden.text());
    let admitted = client
        .post("/admin")
        .bearer("ada")
        .json(&json!({"a": 1}))
        .send()
        .await;
    assert_eq!(admitted.status(), 200, "{}", admitted.text());
    assert_eq!(admitted.json::<serde_json::Value>()["body"], "{\"a\":1}");
    assert_eq!(client.get("/nowhere").send().await.status(), 404);
    let head = client.head("/big").send().await;
    assert_eq!(head.status(), 200);
    assert!(head.bytes().is_empty(), "HEAD has no body, as on the wire");
    let not_allowed = client.delete("/big").send().await;
    assert_eq!(not_allowed.status(), 405);
    assert_eq!(not_allowed.header("allow"), Some("GET, POST"));

    // Built-in endpoints too.
    assert_eq!(client.get("/healthz").send().await.text(), "ok\n");
}

#[test]
fn ctx_for_calling_handlers_directly() {
    let deadline = std::time::Instant::now() + Duration::from_secs(1);
    let ctx = Ctx::new("req-1", "whoami", deadline).with_principal(Account {
        name: "Cy".into(),
        scopes: Vec::new(),
    });
    assert_eq!(
        ctx.principal_as::<Account>().map(|a| a.name.as_str()),
        Some("Cy")
    );
    assert!(
        ctx.principal_as::<Tenant>().is_none(),
        "another type is not the principal"
    );
    assert_eq!(ctx.header("user-agent"), None);
    assert_eq!(ctx.request().path(), "/");
    let shown = format!("{ctx:?}");
    assert!(
        shown.contains("req-1") && shown.contains("principal: true"),
        "{shown}"
    );
}

#[tokio::test]
async fn cors_preflights_and_stamps_answers_problems_included() {
    let client = TestClient::new(Notes);
    let app = "https://app.example.com";

    // A preflight from an allowed origin: 204 with the policy, before
    // routing, authentication or limits.
    let preflight = client
        .options("/admin")
        .header("origin", app)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization, content-type",
        )
        .send()
        .await;
    assert_eq!(preflight.status(), 204, "{}", preflight.text());
    assert_eq!(preflight.header("access-control-allow-origin"), Some(app));
    assert_eq!(
        preflight.header("access-control-allow-methods"),
        Some("GET, POST")
    );
    assert_eq!(
        preflight.header("access-control-allow-headers"),
        Some("authorization, content-type, x-request-id")
    );
    assert_eq!(preflight.header("access-control-max-age"), Some("600"));

    // Another origin's preflight is refused, readably.
    let refused = client
        .options("/admin")
        .header("origin", "https://evil.example")
        .header("access-control-request-method", "POST")
        .send()
        .await;
    assert_eq!(refused.status(), 403);
    assert!(refused.header("access-control-allow-origin").is_none());

    // Answers to the allowed origin carry it, problems too (a page must be
    // able to read why it failed); other origins' answers do not.
    let ok = client
        .get("/whoami")
        .header("origin", app)
        .bearer("ada")
        .send()
        .await;
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.header("access-control-allow-origin"), Some(app));
    assert_eq!(
        ok.header("access-control-expose-headers"),
        Some("x-request-id, retry-after")
    );
    assert_eq!(ok.header("vary"), Some("origin"));
    let problem = client.get("/whoami").header("origin", app).send().await;
    assert_eq!(problem.status(), 401);
    assert_eq!(problem.header("access-control-allow-origin"), Some(app));
    let other = client
        .get("/big")
        .header("origin", "https://evil.example")
        .send()
        .await;
    assert_eq!(other.status(), 200);
    assert!(other.header("access-control-allow-origin").is_none());

    // An OPTIONS that is not a preflight is still a 405.
    assert_eq!(client.options("/big").send().await.status(), 405);

    // The environment replaces the origins; `none` turns CORS off.
    let config = Config::from_vars(|name| (name == "GATI_CORS_ORIGINS").then(|| "*".to_owned()))
        .expect("a valid origin list");
    let any = TestClient::with_config(Notes, &config).expect("a client");
    let stamped = any
        .get("/big")
        .header("origin", "https://anyone.example")
        .send()
        .await;
    assert_eq!(stamped.header("access-control-allow-origin"), Some("*"));
    let config = Config::from_vars(|name| (name == "GATI_CORS_ORIGINS").then(|| "none".to_owned()))
        .expect("none is valid");
    let off = TestClient::with_config(Notes, &config).expect("a client");
    let plain = off.get("/big").header("origin", app).send().await;
    assert!(plain.header("access-control-allow-origin").is_none());
    assert!(plain.header("vary").is_none(), "no CORS, no Vary");
    for bad in [
        "https://app.example.com/",
        "ftp://x",
        "HTTPS://APP.EXAMPLE.COM",
    ] {
        let error = Config::from_vars(|name| (name == "GATI_CORS_ORIGINS").then(|| bad.to_owned()));
        assert_eq!(
            error.map_err(|e| e.variable),
            Err("GATI_CORS_ORIGINS"),
            "{bad}"
        );
    }
}
