//! The users example end to end over real sockets: the generated router,
//! validators, problem responses and limits in front of the handlers.

use serde_json::{Value, json};
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use users_api::runtime::{Config, Credential};
use users_api::{Api, Ctx, routes::Router};
use users_example::{App, DEFAULT_TOKEN};

/// A server on a free loopback port; dropped at the end of the test's runtime.
async fn start<A: Api>(api: A) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let config = Config::default();
    tokio::spawn(users_api::runtime::serve(
        Router::new(api),
        config,
        listener,
        std::future::pending(),
    ));
    addr
}

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body))
        })
    }
}

/// Sends one HTTP/1.1 request with `Connection: close` and reads the reply.
async fn send(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await.expect("write head");
    stream.write_all(body).await.expect("write body");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("read");
    parse_reply(&raw)
}

fn parse_reply(raw: &[u8]) -> Reply {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("a complete head");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    if headers.iter().any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked")) {
        body = dechunk(&body);
    }
    Reply { status, headers, body }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(line_end) = data.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(String::from_utf8_lossy(&data[..line_end]).trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.extend_from_slice(&data[line_end + 2..line_end + 2 + size]);
        data = &data[line_end + 2 + size + 2..];
    }
    out
}

const AUTH: (&str, &str) = ("Authorization", "Bearer example-token");
const JSON: (&str, &str) = ("Content-Type", "application/json");

async fn post_json(addr: SocketAddr, path: &str, body: &Value) -> Reply {
    send(addr, "POST", path, &[AUTH, JSON], body.to_string().as_bytes()).await
}

fn new_user(handle: &str) -> Value {
    json!({ "handle": handle, "email": format!("{handle}@example.com"), "display_name": "Ada" })
}

fn assert_problem(reply: &Reply, status: u16) -> Value {
    assert_eq!(reply.status, status, "{}", String::from_utf8_lossy(&reply.body));
    assert_eq!(reply.header("content-type"), Some("application/problem+json"));
    assert!(reply.header("x-request-id").is_some());
    let problem = reply.json();
    assert_eq!(problem["status"], status);
    assert!(problem["title"].is_string());
    assert!(problem["type"].is_string());
    problem
}

#[tokio::test]
async fn users_and_posts_round_trip() {
    let addr = start(App::new(DEFAULT_TOKEN)).await;

    let created = post_json(addr, "/users", &new_user("ada")).await;
    assert_eq!(created.status, 201, "{}", String::from_utf8_lossy(&created.body));
    assert_eq!(created.header("content-type"), Some("application/json"));
    let ada = created.json();
    assert_eq!(ada["role"], "admin", "the first user is an admin");
    assert_eq!(ada["bio"], Value::Null, "nullable fields are present");
    assert!(ada.get("website").is_none(), "absent optional fields are left out");
    let id = ada["id"].as_str().expect("id").to_string();

    let fetched = send(addr, "GET", &format!("/users/{id}"), &[], b"").await;
    assert_eq!(fetched.status, 200);
    assert_eq!(fetched.json(), ada);

    let patched = send(
        addr,
        "PATCH",
        &format!("/users/{id}"),
        &[AUTH, JSON],
        br#"{"display_name": "Ada L.", "bio": "Counts."}"#,
    )
    .await;
    assert_eq!(patched.status, 200);
    assert_eq!(patched.json()["display_name"], "Ada L.");
    assert_eq!(patched.json()["bio"], "Counts.");
    let cleared = send(addr, "PATCH", &format!("/users/{id}"), &[AUTH, JSON], br#"{"bio": null}"#).await;
    assert_eq!(cleared.json()["bio"], Value::Null);
    assert_eq!(cleared.json()["display_name"], "Ada L.", "absent fields stay");

    for (n, tag) in ["rust", "http", "rust"].iter().enumerate() {
        let post = post_json(
            addr,
            &format!("/users/{id}/posts"),
            &json!({ "title": format!("Post {n}"), "body": { "kind": "text", "markdown": "Hi" }, "tags": [tag] }),
        )
        .await;
        assert_eq!(post.status, 201, "{}", String::from_utf8_lossy(&post.body));
        assert_eq!(post.json()["author_id"], id.as_str());
        assert_eq!(post.json()["body"]["kind"], "text");
    }
    let image = post_json(
        addr,
        &format!("/users/{id}/posts"),
        &json!({ "title": "A picture", "body": { "kind": "image", "image_url": "https://example.com/a.png", "width": 640 } }),
    )
    .await;
    assert_eq!(image.status, 201);
    assert_eq!(image.json()["tags"], json!([]), "tags default to []");

    let page = send(addr, "GET", &format!("/users/{id}/posts?limit=2"), &[], b"").await;
    assert_eq!(page.status, 200);
    let page = page.json();
    assert_eq!(page["items"].as_array().map(Vec::len), Some(2));
    assert_eq!(page["items"][0]["title"], "A picture", "newest first");
    let cursor = page["next_cursor"].as_str().expect("more pages");
    let rest = send(addr, "GET", &format!("/users/{id}/posts?limit=2&cursor={cursor}"), &[], b"").await.json();
    assert_eq!(rest["items"].as_array().map(Vec::len), Some(2));
    assert!(rest.get("next_cursor").is_none(), "the last page has no cursor");
    let tagged = send(addr, "GET", &format!("/users/{id}/posts?tag=rust"), &[], b"").await.json();
    assert_eq!(tagged["items"].as_array().map(Vec::len), Some(2));

    let last_admin = send(addr, "DELETE", &format!("/users/{id}"), &[AUTH], b"").await;
    let problem = assert_problem(&last_admin, 422);
    assert_eq!(problem["type"], "urn:problem:users:rejected");
    assert_eq!(problem["reason"], "the last admin cannot be deleted");

    let bob = post_json(addr, "/users", &new_user("bob")).await.json();
    assert_eq!(bob["role"], "reader");
    let bob_id = bob["id"].as_str().expect("id");
    let deleted = send(addr, "DELETE", &format!("/users/{bob_id}"), &[AUTH], b"").await;
    assert_eq!(deleted.status, 204);
    assert!(deleted.body.is_empty());
    let gone = send(addr, "GET", &format!("/users/{bob_id}"), &[], b"").await;
    let problem = assert_problem(&gone, 404);
    assert_eq!(problem["type"], "urn:problem:users:not-found");
    assert_eq!(problem["title"], "NotFound");
    assert_eq!(problem["id"], bob_id);
}

#[tokio::test]
async fn serves_an_openapi_document_per_version() {
    let addr = start(App::new(DEFAULT_TOKEN)).await;
    let head = send(addr, "GET", "/openapi.json", &[], b"").await;
    assert_eq!(head.status, 200);
    assert_eq!(head.json()["info"]["version"], "2025-06-01");
    for date in ["2025-01-01", "2025-06-01"] {
        let doc = send(addr, "GET", &format!("/openapi/{date}.json"), &[], b"").await;
        assert_eq!(doc.status, 200, "{date}");
        assert_eq!(doc.json()["info"]["version"], date);
    }
    let old = send(addr, "GET", "/openapi/2025-01-01.json", &[], b"").await.json();
    let user = &old["components"]["schemas"]["User"]["properties"];
    assert!(user.get("name").is_some() && user.get("display_name").is_none(), "the old document has the old shapes");
    assert_problem(&send(addr, "GET", "/openapi/1999-01-01.json", &[], b"").await, 404);
}

#[tokio::test]
async fn declared_errors_and_idempotency() {
    let addr = start(App::new(DEFAULT_TOKEN)).await;
    let key = ("Idempotency-Key", "key-1");
    let body = new_user("grace").to_string();
    let first = send(addr, "POST", "/users", &[AUTH, JSON, key], body.as_bytes()).await;
    let again = send(addr, "POST", "/users", &[AUTH, JSON, key], body.as_bytes()).await;
    assert_eq!(first.status, 201);
    assert_eq!(again.status, 201);
    assert_eq!(first.json()["id"], again.json()["id"], "a repeated key returns the first response");

    let taken = post_json(addr, "/users", &new_user("grace")).await;
    let problem = assert_problem(&taken, 409);
    assert_eq!(problem["type"], "urn:problem:users:taken");
    assert_eq!(problem["field"], "handle");
    let mut same_email = new_user("grace2");
    same_email["email"] = json!("GRACE@example.com");
    assert_eq!(assert_problem(&post_json(addr, "/users", &same_email).await, 409)["field"], "email");

    let unknown = "00000000-0000-4000-8000-000000000000";
    let missing = send(addr, "GET", &format!("/users/{unknown}/posts"), &[], b"").await;
    assert_eq!(assert_problem(&missing, 404)["id"], unknown);
}

#[tokio::test]
async fn hostile_requests_get_problems_not_crashes() {
    let addr = start(App::new(DEFAULT_TOKEN)).await;

    // Malformed JSON.
    let reply = send(addr, "POST", "/users", &[AUTH, JSON], b"{\"handle\": ").await;
    assert_problem(&reply, 400);
    // A JSON value of the wrong shape names where.
    let reply = post_json(addr, "/users", &json!({ "handle": 7, "email": "a@b.co", "display_name": "x" })).await;
    let problem = assert_problem(&reply, 422);
    assert_eq!(problem["violations"][0]["pointer"], "/handle");
    // `website?: url` may be absent, never null (it is not nullable).
    let reply = post_json(addr, "/users", &json!({ "handle": "zed", "email": "z@e.co", "display_name": "Z", "website": null })).await;
    assert_eq!(assert_problem(&reply, 422)["violations"][0]["pointer"], "/website");
    // JSON counts 1.0 as an integer.
    let reply = post_json(addr, "/users", &json!({ "handle": "zed", "email": "z@e.co", "display_name": "Z" })).await;
    let zed = reply.json()["id"].as_str().expect("id").to_string();
    let reply = post_json(addr, &format!("/users/{zed}/posts"), &json!({ "title": "t", "body": { "kind": "image", "image_url": "https://x.io/a.png", "width": 640.0 } })).await;
    assert_eq!(reply.status, 201, "{}", String::from_utf8_lossy(&reply.body));
    // A record is a JSON object, never an array of its fields.
    let reply = send(addr, "PATCH", &format!("/users/{zed}"), &[AUTH, JSON], b"[]").await;
    assert_eq!(assert_problem(&reply, 422)["violations"][0]["rule"], "type");
    // Wrong content type.
    let reply = send(addr, "POST", "/users", &[AUTH, ("Content-Type", "text/plain")], b"hello").await;
    assert_problem(&reply, 415);
    // A body over the route's 16 KiB limit.
    let big = vec![b' '; 17 * 1024];
    let reply = send(addr, "POST", "/users", &[AUTH, JSON], &big).await;
    assert_problem(&reply, 413);
    // Unknown path, wrong method.
    assert_problem(&send(addr, "GET", "/nope", &[], b"").await, 404);
    let reply = send(addr, "PUT", "/users", &[AUTH, JSON], b"{}").await;
    assert_problem(&reply, 405);
    assert_eq!(reply.header("allow"), Some("POST"));
    // Every refinement failure is listed.
    let reply = post_json(
        addr,
        "/users",
        &json!({ "handle": "A!", "email": "not-an-email", "display_name": "", "website": "nope" }),
    )
    .await;
    let problem = assert_problem(&reply, 422);
    let pointers: Vec<&str> = problem["violations"]
        .as_array()
        .expect("violations")
        .iter()
        .filter_map(|v| v["pointer"].as_str())
        .collect();
    for expected in ["/handle", "/email", "/display_name", "/website"] {
        assert!(pointers.contains(&expected), "{expected} missing from {pointers:?}");
    }
    // Nested and list items carry their full path.
    let ada = post_json(addr, "/users", &new_user("ada")).await.json();
    let id = ada["id"].as_str().expect("id");
    let reply = post_json(
        addr,
        &format!("/users/{id}/posts"),
        &json!({ "title": "t", "body": { "kind": "image", "image_url": "https://x.io/a.png", "width": 0 }, "tags": ["ok", "Bad Tag"] }),
    )
    .await;
    let problem = assert_problem(&reply, 422);
    let pointers: Vec<&str> = problem["violations"]
        .as_array()
        .expect("violations")
        .iter()
        .filter_map(|v| v["pointer"].as_str())
        .collect();
    assert!(pointers.contains(&"/body/width"), "{pointers:?}");
    assert!(pointers.contains(&"/tags/1"), "{pointers:?}");
    // Parameters: a malformed UUID, a non-number, a value out of range.
    assert_problem(&send(addr, "GET", "/users/not-a-uuid", &[], b"").await, 400);
    assert_problem(&send(addr, "GET", &format!("/users/{id}/posts?limit=ten"), &[], b"").await, 400);
    let reply = send(addr, "GET", &format!("/users/{id}/posts?limit=0"), &[], b"").await;
    assert_eq!(assert_problem(&reply, 422)["violations"][0]["location"], "query");
    // Authentication.
    let reply = send(addr, "POST", "/users", &[JSON], new_user("eve").to_string().as_bytes()).await;
    assert_problem(&reply, 401);
    assert!(reply.header("www-authenticate").is_some_and(|v| v.starts_with("Bearer")));
    let reply = send(addr, "POST", "/users", &[JSON, ("Authorization", "Bearer wrong")], new_user("eve").to_string().as_bytes()).await;
    assert_problem(&reply, 401);
    // Garbage on the wire does not take the server down.
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream.write_all(b"\x00\xff garbage \r\n\r\n").await.expect("write");
    let mut sink = Vec::new();
    let _ = stream.read_to_end(&mut sink).await;
    assert_eq!(send(addr, "GET", "/healthz", &[], b"").await.status, 200);
}

/// Handlers that panic: the server answers 500 and keeps serving.
struct Panicking(App);

impl Api for Panicking {
    async fn create_user(&self, ctx: &Ctx, r: users_api::CreateUserRequest) -> Result<users_api::Reply<users_api::User, users_api::CreateUserHeaders>, users_api::CreateUserError> {
        self.0.create_user(ctx, r).await
    }
    async fn get_user(&self, _: &Ctx, _: users_api::GetUserRequest) -> Result<users_api::Reply<users_api::User, users_api::GetUserHeaders>, users_api::GetUserError> {
        panic!("a bug in a handler")
    }
    async fn update_user(&self, ctx: &Ctx, r: users_api::UpdateUserRequest) -> Result<users_api::Reply<users_api::User>, users_api::UpdateUserError> {
        self.0.update_user(ctx, r).await
    }
    async fn delete_user(&self, ctx: &Ctx, r: users_api::DeleteUserRequest) -> Result<(), users_api::DeleteUserError> {
        self.0.delete_user(ctx, r).await
    }
    async fn list_posts(&self, ctx: &Ctx, r: users_api::ListPostsRequest) -> Result<users_api::Reply<users_api::PostPage>, users_api::ListPostsError> {
        self.0.list_posts(ctx, r).await
    }
    async fn create_post(&self, ctx: &Ctx, r: users_api::CreatePostRequest) -> Result<users_api::Reply<users_api::Post>, users_api::CreatePostError> {
        self.0.create_post(ctx, r).await
    }
    async fn put_avatar(&self, ctx: &Ctx, r: users_api::PutAvatarRequest) -> Result<(), users_api::PutAvatarError> {
        self.0.put_avatar(ctx, r).await
    }
    async fn get_avatar(&self, ctx: &Ctx, r: users_api::GetAvatarRequest) -> Result<users_api::Reply<users_api::runtime::Bytes>, users_api::GetAvatarError> {
        self.0.get_avatar(ctx, r).await
    }
    async fn get_card(&self, ctx: &Ctx, r: users_api::GetCardRequest) -> Result<users_api::Reply<String>, users_api::GetCardError> {
        self.0.get_card(ctx, r).await
    }
    async fn add_photo(&self, ctx: &Ctx, r: users_api::AddPhotoRequest) -> Result<users_api::Reply<users_api::Photo>, users_api::AddPhotoError> {
        self.0.add_photo(ctx, r).await
    }
    async fn user_events(&self, ctx: &Ctx, r: users_api::UserEventsRequest) -> Result<users_api::Reply<users_api::runtime::Events<users_api::UserEvent>>, users_api::UserEventsError> {
        self.0.user_events(ctx, r).await
    }
    async fn authenticate(&self, ctx: &Ctx, credential: Credential<'_>) -> Result<users_api::Caller, users_api::runtime::Denied> {
        self.0.authenticate(ctx, credential).await
    }
}

#[tokio::test]
async fn a_panicking_handler_gets_500_and_the_server_keeps_serving() {
    let addr = start(Panicking(App::new(DEFAULT_TOKEN))).await;
    let id = "00000000-0000-4000-8000-000000000000";
    for _ in 0..3 {
        assert_problem(&send(addr, "GET", &format!("/users/{id}"), &[], b"").await, 500);
    }
    let created = post_json(addr, "/users", &new_user("ada")).await;
    assert_eq!(created.status, 201);
    let metrics = send(addr, "GET", "/metrics", &[], b"").await;
    assert_eq!(metrics.status, 200);
    assert!(String::from_utf8_lossy(&metrics.body).contains("get_user"));
}

#[tokio::test]
async fn clients_on_2025_01_01_see_that_versions_shapes() {
    let addr = start(App::new(DEFAULT_TOKEN)).await;
    let old = ("Gati-Version", "2025-01-01");
    let body = json!({ "handle": "ada", "email": "ada@example.com", "name": "Ada" });
    let created = send(addr, "POST", "/users", &[AUTH, JSON, old], body.to_string().as_bytes()).await;
    assert_eq!(created.status, 201, "{}", String::from_utf8_lossy(&created.body));
    assert_eq!(created.header("gati-version"), Some("2025-01-01"));
    let user = created.json();
    assert_eq!((&user["name"], user.get("display_name")), (&json!("Ada"), None));
    let id = user["id"].as_str().expect("an id").to_string();

    // The head calls the same field `display_name`; no header means the head.
    let head = send(addr, "GET", &format!("/users/{id}"), &[], b"").await;
    assert_eq!(head.header("gati-version"), Some("2025-06-01"));
    assert_eq!(head.json()["display_name"], "Ada");

    // Posts had no tags before 2025-06-01.
    let post = json!({ "title": "Hello", "body": { "kind": "text", "markdown": "hi" } });
    let created = send(addr, "POST", &format!("/users/{id}/posts"), &[AUTH, JSON, old], post.to_string().as_bytes()).await;
    assert_eq!(created.status, 201, "{}", String::from_utf8_lossy(&created.body));
    assert!(created.json().get("tags").is_none());
    let page = send(addr, "GET", &format!("/users/{id}/posts"), &[], b"").await.json();
    assert_eq!(page["items"][0]["tags"], json!([]));
}

#[tokio::test]
async fn a_new_user_comes_with_a_location_and_a_secure_cookie_over_the_wire() {
    let addr = start(App::new(DEFAULT_TOKEN)).await;
    let created = post_json(addr, "/users", &new_user("ada")).await;
    assert_eq!(created.status, 201, "{}", String::from_utf8_lossy(&created.body));
    let id = created.json()["id"].as_str().unwrap_or_default().to_owned();
    assert_eq!(created.header("location"), Some(format!("/users/{id}").as_str()));
    let cookie = created.header("set-cookie").unwrap_or_default();
    assert_eq!(cookie, format!("last_created={id}; Path=/users; Max-Age=86400; Secure; HttpOnly; SameSite=Lax"));
}
