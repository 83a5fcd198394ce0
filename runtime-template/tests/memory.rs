//! Memory under the amplification attack: bodies full of invalid values,
//! many at once. The answers are bounded, so the server's memory peaks
//! low and returns close to where it was once the attack stops. A file of
//! its own, so that no other test's allocations share the process.

use std::time::Duration;

use gati_runtime::{
    Config, Ctx, PathParams, Pointer, Problem, Resolution, Response, RouteInfo, RouteLimits,
    Service, Validate, Violations, check_len, decode_json, serve,
};
use hyper::Method;
use serde::Deserialize;

mod support;
use support::{Client, fetch};

struct Tags;

static ROUTES: [RouteInfo; 1] = [RouteInfo {
    name: "tags",
    method: "POST",
    path: "/tags",
    auth: false,
    limits: RouteLimits::NONE,
}];

#[derive(Deserialize)]
struct Body {
    tags: Vec<String>,
}

impl Service for Tags {
    fn routes(&self) -> &'static [RouteInfo] {
        &ROUTES
    }

    fn resolve(&self, _: &Method, _: &str) -> Resolution {
        Resolution::Route(0, PathParams::new())
    }

    async fn call(&self, _: usize, ctx: &Ctx) -> Response {
        let request = ctx.request();
        let body: Body = match decode_json(request) {
            Ok(body) => body,
            Err(problem) => return problem.into_response(),
        };
        let mut violations = Violations::new();
        let at = Pointer::Root;
        let tags = at.field("tags");
        for (i, tag) in body.tags.iter().enumerate() {
            check_len(tag, Some(1), None, &tags.index(i), &mut violations);
        }
        Problem::invalid(422, violations).into_response()
    }
}

impl Validate for Body {
    fn validate(&self, _: &Pointer<'_>, _: &mut Violations) {}
}

/// A line of `/proc/self/status`, in KiB.
fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix(field))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn amplification_bodies_keep_memory_bounded() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let config = Config {
        host: "127.0.0.1".into(),
        concurrency: Some(256),
        queue: Some(256),
        client_concurrency: Some(0),
        client_connections: 0,
        max_body: Some(256 * 1024),
        ..Config::default()
    };
    tokio::spawn(serve(Tags, config, listener, std::future::pending()));
    // 120 KB: 40,000 empty tags.
    let body = format!("{{\"tags\":[{}\"\"]}}", "\"\",".repeat(39_999));
    let json = [("content-type", "application/json")];
    let warm = fetch(addr, "POST", "/tags", &json, &body).await;
    assert_eq!(warm.status, 422);
    assert!(warm.body.len() < 16 * 1024, "{} bytes", warm.body.len());
    let baseline = status_kib("VmRSS:");

    // Twice, so that a second wave shows whether the first one's memory is
    // reused rather than kept.
    for _ in 0..2 {
        let attack: Vec<_> = (0..160)
            .map(|_| {
                let body = body.clone();
                tokio::spawn(async move {
                    // A debug build on two busy cores takes its time.
                    let mut client = Client::connect(addr).await;
                    client.step = Duration::from_secs(120);
                    client.request("POST", "/tags", &json, &body).await
                })
            })
            .collect();
        for request in attack {
            let reply = request.await.expect("task");
            assert_eq!(reply.status, 422);
            assert!(reply.body.len() < 16 * 1024);
        }
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let peak = status_kib("VmHWM:");
    let after = status_kib("VmRSS:");
    println!("RSS: baseline {baseline} KiB, peak {peak} KiB, after {after} KiB");
    // Before answers were bounded, each such request built an 8 MB answer
    // and 160 at once took the process past 650 MB, where it stayed.
    assert!(
        peak < baseline + 300 * 1024,
        "peak {peak} KiB from {baseline} KiB"
    );
    assert!(
        after < baseline + 100 * 1024,
        "after {after} KiB from {baseline} KiB"
    );
}
