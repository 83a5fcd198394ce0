//! The Timescape example end to end over real sockets: clients pinned to each
//! version send and receive that version's shapes, served by one set of
//! handlers written against the head.

use serde_json::{Value, json};
use std::net::SocketAddr;
use timescape_api::routes::Router;
use timescape_api::runtime::Config;
use timescape_example::App;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const V1: &str = "2024-01-01";
const V2: &str = "2024-06-01";
const HEAD: &str = "2025-01-01";

/// A server on a free loopback port; dropped at the end of the test's runtime.
async fn start(config: Config) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(timescape_api::runtime::serve(
        Router::new(App::new()),
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
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    /// The JSON body after checking the status.
    fn expect(&self, status: u16) -> Value {
        assert_eq!(
            self.status,
            status,
            "{}",
            String::from_utf8_lossy(&self.body)
        );
        self.json()
    }
}

/// Sends one HTTP/1.1 request with `Connection: close` and reads the reply.
async fn send(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Reply {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await.expect("write head");
    stream.write_all(body).await.expect("write body");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("read");
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete head");
    let text = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = text.split("\r\n");
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
    if headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"))
    {
        body = dechunk(&body);
    }
    Reply {
        status,
        headers,
        body,
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(line_end) = data.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(String::from_utf8_lossy(&data[..line_end]).trim(), 16)
            .unwrap_or(0);
        if size == 0 {
            break;
        }
        out.extend_from_slice(&data[line_end + 2..line_end + 2 + size]);
        data = &data[line_end + 2 + size + 2..];
    }
    out
}

/// A client pinned to one version, as a generated SDK is.
struct Client {
    addr: SocketAddr,
    version: Option<&'static str>,
}

impl Client {
    fn at(addr: SocketAddr, version: &'static str) -> Client {
        Client {
            addr,
            version: Some(version),
        }
    }

    async fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Reply {
        let mut headers = vec![("Content-Type", "application/json")];
        if let Some(v) = self.version {
            headers.push(("Gati-Version", v));
        }
        let text = body.map(Value::to_string).unwrap_or_default();
        let reply = send(self.addr, method, path, &headers, text.as_bytes()).await;
        if let Some(v) = self.version {
            assert_eq!(reply.header("gati-version"), Some(v), "{method} {path}");
        }
        reply
    }
}

/// The object's keys, sorted.
fn keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default();
    keys.sort_unstable();
    keys
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_pinned_to_each_version_see_their_own_shapes() {
    let addr = start(Config::default()).await;
    let (v1, v2, head) = (
        Client::at(addr, V1),
        Client::at(addr, V2),
        Client::at(addr, HEAD),
    );

    // 2024-01-01: `name`, `notes`, a comma-separated `labels`, `someday`, a required assignee.
    let created = v1
        .call(
            "POST",
            "/tasks",
            Some(&json!({"name": "Buy milk", "notes": "2%", "priority": "someday", "labels": "home,errand", "assignee": "ana"})),
        )
        .await;
    assert_eq!(
        created.header("deprecation"),
        Some("@1717200000"),
        "deprecated since 2024-06-01"
    );
    assert_eq!(
        created.header("sunset"),
        Some("Tue, 31 Dec 2030 23:59:59 GMT")
    );
    let task = created.expect(201);
    let id = task["id"].as_str().expect("an id").to_string();
    assert_eq!(
        keys(&task),
        [
            "assignee", "id", "labels", "name", "notes", "object", "priority"
        ]
    );
    // `notes` was removed: old clients get its default back; `someday` became `low`.
    assert_eq!(
        task,
        json!({"object": "task", "id": id, "name": "Buy milk", "notes": "", "priority": "low", "labels": "home,errand", "assignee": "ana"})
    );

    // The same task at 2024-06-01 and at the head.
    let at_v2 = v2.call("GET", &format!("/tasks/{id}"), None).await;
    assert_eq!(at_v2.header("deprecation"), None);
    assert_eq!(
        at_v2.expect(200),
        json!({"object": "task", "id": id, "title": "Buy milk", "priority": "low", "labels": "home,errand", "done": false, "assignee": "ana"})
    );
    assert_eq!(
        head.call("GET", &format!("/tasks/{id}"), None)
            .await
            .expect(200),
        json!({"object": "task", "id": id, "title": "Buy milk", "priority": "low", "labels": ["home", "errand"], "done": false, "assignee": "ana"})
    );

    // `get_task` moved: 2024-01-01 reads it at `/task/{id}`, and only there.
    assert_eq!(
        v1.call("GET", &format!("/task/{id}"), None)
            .await
            .expect(200)["name"],
        "Buy milk"
    );
    assert_eq!(
        v1.call("GET", &format!("/tasks/{id}"), None).await.status,
        404
    );
    assert_eq!(
        head.call("GET", &format!("/task/{id}"), None).await.status,
        404
    );

    // `complete_task` was added in 2025-01-01: older clients do not have it.
    let complete = format!("/tasks/{id}/complete");
    let missing = v2.call("POST", &complete, None).await;
    assert_eq!(missing.status, 404);
    assert!(
        missing.json()["detail"]
            .as_str()
            .is_some_and(|d| d.contains("2024-06-01"))
    );
    assert_eq!(
        head.call("POST", &complete, None).await.expect(200)["done"],
        true
    );
    assert_eq!(
        v2.call("GET", &format!("/tasks/{id}"), None)
            .await
            .expect(200)["done"],
        true
    );

    // `urgent` was added with a fallback, and the assignee made optional with a default.
    let urgent = head
        .call(
            "POST",
            "/tasks",
            Some(&json!({"title": "Fix the roof", "priority": "urgent"})),
        )
        .await
        .expect(201);
    let urgent_id = urgent["id"].as_str().expect("an id");
    assert_eq!(keys(&urgent), ["done", "id", "object", "priority", "title"]);
    let seen = v2
        .call("GET", &format!("/tasks/{urgent_id}"), None)
        .await
        .expect(200);
    assert_eq!(
        (&seen["priority"], &seen["assignee"]),
        (&json!("high"), &json!("nobody"))
    );
    let seen = v1
        .call("GET", &format!("/task/{urgent_id}"), None)
        .await
        .expect(200);
    assert_eq!(
        seen,
        json!({"object": "task", "id": urgent_id, "name": "Fix the roof", "notes": "", "priority": "high", "assignee": "nobody"})
    );

    // Lists convert item by item.
    let all = v1.call("GET", "/tasks", None).await.expect(200);
    assert_eq!(all.as_array().map(Vec::len), Some(2));
    assert!(
        all.as_array()
            .into_iter()
            .flatten()
            .all(|t| t.get("title").is_none() && t["name"].is_string() && t["object"] == "task")
    );
    let all = head.call("GET", "/tasks", None).await.expect(200);
    assert_eq!(all[0]["labels"], json!(["home", "errand"]));

    // Declared errors go back the same way: `id` was `task_id`.
    let nobody = "00000000-0000-4000-8000-000000000000";
    let problem = v1.call("GET", &format!("/task/{nobody}"), None).await;
    assert_eq!(
        problem.header("content-type"),
        Some("application/problem+json")
    );
    let problem = problem.expect(404);
    assert_eq!(
        (&problem["task_id"], problem.get("id")),
        (&json!(nobody), None)
    );
    let problem = head
        .call("GET", &format!("/tasks/{nobody}"), None)
        .await
        .expect(404);
    assert_eq!(
        (&problem["id"], problem.get("task_id")),
        (&json!(nobody), None)
    );

    // Requests are validated as their version's types: titles were at most 100 characters.
    let long = "x".repeat(150);
    let rejected = v2
        .call(
            "POST",
            "/tasks",
            Some(&json!({"title": long, "assignee": "bo"})),
        )
        .await
        .expect(422);
    assert_eq!(rejected["violations"][0]["pointer"], "/title");
    let rejected = v1
        .call(
            "POST",
            "/tasks",
            Some(&json!({"title": "renamed later", "assignee": "bo"})),
        )
        .await
        .expect(422);
    assert_eq!(
        rejected["violations"][0]["pointer"], "/name",
        "2024-01-01 requires `name`"
    );
    let rejected = v2
        .call(
            "POST",
            "/tasks",
            Some(&json!({"title": "x", "priority": "urgent", "assignee": "bo"})),
        )
        .await;
    assert_eq!(
        rejected.status, 422,
        "`urgent` does not exist at 2024-06-01"
    );
    head.call("POST", "/tasks", Some(&json!({"title": long})))
        .await
        .expect(201);
    // `assignee` is required before 2025-01-01.
    assert_eq!(
        v2.call("POST", "/tasks", Some(&json!({"title": "x"})))
            .await
            .status,
        422
    );
}

/// `normal` was called `medium` before 2024-06-01: 2024-01-01 sends and
/// reads `medium`, and gets it as its default; the head stores `normal`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_renamed_enum_value_is_converted_both_ways() {
    let addr = start(Config::default()).await;
    let (v1, head) = (Client::at(addr, V1), Client::at(addr, HEAD));
    let medium = v1
        .call(
            "POST",
            "/tasks",
            Some(&json!({"name": "Water plants", "priority": "medium", "assignee": "ana"})),
        )
        .await
        .expect(201);
    assert_eq!(medium["priority"], "medium");
    let medium_id = medium["id"].as_str().expect("an id");
    assert_eq!(
        head.call("GET", &format!("/tasks/{medium_id}"), None)
            .await
            .expect(200)["priority"],
        "normal"
    );
    let defaulted = v1
        .call(
            "POST",
            "/tasks",
            Some(&json!({"name": "Call back", "assignee": "ana"})),
        )
        .await
        .expect(201);
    assert_eq!(defaulted["priority"], "medium");
    let normal = head
        .call(
            "POST",
            "/tasks",
            Some(&json!({"title": "Sweep", "priority": "normal"})),
        )
        .await
        .expect(201);
    let normal_id = normal["id"].as_str().expect("an id");
    assert_eq!(
        v1.call("GET", &format!("/task/{normal_id}"), None)
            .await
            .expect(200)["priority"],
        "medium"
    );
    let refused = v1
        .call(
            "POST",
            "/tasks",
            Some(&json!({"name": "x", "priority": "normal", "assignee": "ana"})),
        )
        .await;
    assert_eq!(refused.status, 422, "`normal` is not a value at 2024-01-01");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_version_says_what_a_task_is() {
    let addr = start(Config::default()).await;
    let (v1, v2, head) = (
        Client::at(addr, V1),
        Client::at(addr, V2),
        Client::at(addr, HEAD),
    );
    // A request may send the constant or leave it out.
    let sent = head
        .call(
            "POST",
            "/tasks",
            Some(&json!({"object": "task", "title": "Water plants"})),
        )
        .await
        .expect(201);
    assert_eq!(sent["object"], "task");
    let left_out = head
        .call("POST", "/tasks", Some(&json!({"title": "Feed cat"})))
        .await
        .expect(201);
    assert_eq!(left_out["object"], "task");
    let old = v1
        .call(
            "POST",
            "/tasks",
            Some(&json!({"object": "task", "name": "Mow", "assignee": "ana"})),
        )
        .await
        .expect(201);
    assert_eq!(old["object"], "task");

    // Fetched at every version, the task carries it.
    let id = sent["id"].as_str().expect("an id");
    for (client, path) in [
        (&v1, format!("/task/{id}")),
        (&v2, format!("/tasks/{id}")),
        (&head, format!("/tasks/{id}")),
    ] {
        let task = client.call("GET", &path, None).await.expect(200);
        assert_eq!(task["object"], "task", "{path} at {:?}", client.version);
    }

    // Anything else is a 422 at `/object`, at every version.
    for (client, body) in [
        (&head, json!({"object": "note", "title": "x"})),
        (&head, json!({"object": "Task", "title": "x"})),
        (&head, json!({"object": 1, "title": "x"})),
        (&head, json!({"object": null, "title": "x"})),
        (
            &v2,
            json!({"object": "note", "title": "x", "assignee": "bo"}),
        ),
        (
            &v1,
            json!({"object": "note", "name": "x", "assignee": "bo"}),
        ),
    ] {
        let problem = client.call("POST", "/tasks", Some(&body)).await.expect(422);
        let violations = problem["violations"].as_array().expect("violations");
        assert_eq!(violations.len(), 1, "{problem}");
        assert_eq!(
            (
                &violations[0]["pointer"],
                &violations[0]["rule"],
                &violations[0]["message"]
            ),
            (
                &json!("/object"),
                &json!("const"),
                &json!("expected \"task\"")
            ),
            "{body} at {:?}",
            client.version
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_removed_route_still_serves_the_versions_before_its_removal() {
    let addr = start(Config::default()).await;
    let (v1, v2, head) = (
        Client::at(addr, V1),
        Client::at(addr, V2),
        Client::at(addr, HEAD),
    );
    for (title, labels) in [
        ("Buy milk", json!(["home", "errand"])),
        ("File taxes", json!(["home"])),
        ("Call Bo", json!([])),
    ] {
        head.call(
            "POST",
            "/tasks",
            Some(&json!({"title": title, "labels": labels})),
        )
        .await
        .expect(201);
    }

    // `find_tasks` was removed in 2025-01-01. At 2024-01-01 its `Task`s have
    // `name`, `notes` and comma-separated labels; at 2024-06-01, `title`.
    let found = v1
        .call("GET", "/tasks/search?label=home", None)
        .await
        .expect(200);
    let found = found.as_array().expect("a list");
    assert_eq!(found.len(), 2);
    assert_eq!(found[0]["object"], "task");
    assert_eq!(found[0]["name"], "Buy milk");
    assert_eq!(found[0]["labels"], "home,errand");
    assert_eq!(found[0]["notes"], "");
    assert_eq!(
        found[0]["assignee"], "nobody",
        "made optional with this default"
    );
    assert_eq!(found[1]["name"], "File taxes");
    let found = v2
        .call("GET", "/tasks/search?label=errand", None)
        .await
        .expect(200);
    assert_eq!(found.as_array().map(Vec::len), Some(1));
    assert_eq!(found[0]["title"], "Buy milk");
    assert_eq!(found[0]["labels"], "home,errand");

    // Its parameters are validated as that version declared them.
    let invalid = v2.call("GET", "/tasks/search", None).await;
    assert_eq!(invalid.status, 400, "the label is required");
    let long = "x".repeat(31);
    let invalid = v1
        .call("GET", &format!("/tasks/search?label={long}"), None)
        .await;
    assert_eq!(invalid.status, 422, "at most 30 characters");

    // At the head the route is gone: `/tasks/search` is only `get_task`'s
    // path with an id that is not a UUID.
    let gone = head.call("GET", "/tasks/search?label=home", None).await;
    assert!(
        matches!(gone.status, 400 | 404),
        "{}: {}",
        gone.status,
        String::from_utf8_lossy(&gone.body)
    );
    assert_eq!(
        gone.header("content-type"),
        Some("application/problem+json")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn versions_are_negotiated_from_header_query_or_default() {
    let addr = start(Config::default()).await;
    let version_of = |reply: &Reply| reply.header("gati-version").map(str::to_owned);
    let get = |path: &'static str, headers: Vec<(&'static str, &'static str)>| async move {
        send(addr, "GET", path, &headers, b"").await
    };

    // No version: the head (GATI_DEFAULT_VERSION unset).
    let reply = get("/tasks", vec![]).await;
    assert_eq!(
        (reply.status, version_of(&reply).as_deref()),
        (200, Some(HEAD))
    );
    assert_eq!(reply.header("deprecation"), None);
    // A date between versions is the version in force then.
    let reply = get("/tasks", vec![("Gati-Version", "2024-03-15")]).await;
    assert_eq!(version_of(&reply).as_deref(), Some(V1));
    let reply = get("/tasks?version=2024-07-01", vec![]).await;
    assert_eq!(version_of(&reply).as_deref(), Some(V2));
    let reply = get("/tasks?version=2030-01-01", vec![]).await;
    assert_eq!(version_of(&reply).as_deref(), Some(HEAD));
    // The header wins over the query.
    let reply = get(
        "/tasks?version=2024-01-01",
        vec![("Gati-Version", "2024-06-01")],
    )
    .await;
    assert_eq!(version_of(&reply).as_deref(), Some(V2));

    // An unknown version is a 400 listing the supported ones.
    for bad in ["2023-12-31", "yesterday", "2024-02-30"] {
        let reply = get("/tasks", vec![("Gati-Version", bad)]).await;
        assert_eq!(
            reply.header("content-type"),
            Some("application/problem+json")
        );
        assert_eq!(version_of(&reply), None);
        let problem = reply.expect(400);
        assert_eq!(problem["supported"], json!([V1, V2, HEAD]), "{bad}");
        assert!(problem["detail"].as_str().is_some_and(|d| d.contains(bad)));
    }

    // Every response carries its version, errors and unknown paths included.
    let reply = get("/nowhere", vec![("Gati-Version", V2)]).await;
    assert_eq!(
        (reply.status, version_of(&reply).as_deref()),
        (404, Some(V2))
    );
    // Built-in endpoints are not versioned.
    let reply = get("/healthz", vec![("Gati-Version", "garbage")]).await;
    assert_eq!((reply.status, version_of(&reply)), (200, None));

    // Per-version counts in /metrics.
    let metrics = String::from_utf8(get("/metrics", vec![]).await.body).expect("text");
    for line in [
        "gati_version_requests_total{route=\"list_tasks\",version=\"2024-01-01\"} 1",
        "gati_version_requests_total{route=\"list_tasks\",version=\"2024-06-01\"} 2",
        "gati_version_requests_total{route=\"list_tasks\",version=\"2025-01-01\"} 2",
        "gati_version_requests_total{route=\"_unrouted\",version=\"2024-06-01\"} 1",
    ] {
        assert!(
            metrics.lines().any(|l| l == line),
            "missing {line} in\n{metrics}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_version_is_configurable() {
    let config = Config {
        default_version: Some("2024-02-01".into()),
        ..Config::default()
    };
    let addr = start(config).await;
    let reply = send(addr, "GET", "/tasks", &[], b"").await;
    assert_eq!(
        (reply.status, reply.header("gati-version")),
        (200, Some(V1))
    );
    assert!(reply.header("deprecation").is_some());

    // A default that names no version stops the server from starting.
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let config = Config {
        default_version: Some("1999-01-01".into()),
        ..Config::default()
    };
    let served = timescape_api::runtime::serve(
        Router::new(App::new()),
        config,
        listener,
        std::future::pending(),
    )
    .await;
    let error = served.expect_err("1999-01-01 predates every version");
    assert!(
        error.to_string().contains("GATI_DEFAULT_VERSION"),
        "{error}"
    );
}

/// A deterministic xorshift generator: the same cases on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn word(&mut self, max: u64) -> String {
        let len = 1 + self.below(max);
        (0..len)
            .map(|_| char::from(b'a' + self.below(26) as u8))
            .collect()
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

/// A random valid task body at `version`, carrying no information that a
/// later version removed (`notes` other than its default, `someday`).
fn random_task(rng: &mut Rng, version: &str) -> Value {
    let mut task = serde_json::Map::new();
    let title = rng.word(90);
    task.insert(
        if version == V1 { "name" } else { "title" }.into(),
        title.into(),
    );
    let priorities: &[&str] = match version {
        HEAD => &["low", "normal", "high", "urgent"],
        V2 => &["low", "normal", "high"],
        _ => &["low", "medium", "high"],
    };
    task.insert("priority".into(), rng.pick(priorities).into());
    let labels: Vec<String> = (0..rng.below(4)).map(|_| rng.word(8)).collect();
    if rng.below(3) > 0 {
        let value = if version == HEAD {
            json!(labels)
        } else {
            json!(labels.join(","))
        };
        task.insert("labels".into(), value);
    }
    if version != V1 {
        task.insert("done".into(), (rng.below(2) == 1).into());
    } else {
        task.insert("notes".into(), "".into());
    }
    if version != HEAD || rng.below(2) == 1 {
        task.insert("assignee".into(), rng.word(20).into());
    }
    // The constant may be sent or left out, at every version.
    if rng.below(2) == 1 {
        task.insert("object".into(), "task".into());
    }
    Value::Object(task)
}

/// What a task sent as `sent` reads as: the same, with its constant.
fn with_object(sent: &Value) -> Value {
    let mut task = sent.clone();
    task["object"] = json!("task");
    task
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn old_to_head_to_old_round_trips_without_loss() {
    let addr = start(Config::default()).await;
    let mut rng = Rng(0x5eed_cafe_f00d_d00d);
    for case in 0..150 {
        for version in [V1, V2, HEAD] {
            let client = Client::at(addr, version);
            let sent = random_task(&mut rng, version);
            // Through the head (the store keeps head types) and back.
            let mut created = client.call("POST", "/tasks", Some(&sent)).await.expect(201);
            let id = created
                .as_object_mut()
                .and_then(|o| o.remove("id"))
                .expect("an id");
            let id = id.as_str().expect("a string id");
            let want = with_object(&sent);
            assert_eq!(created, want, "case {case} at {version}");
            let path = if version == V1 {
                format!("/task/{id}")
            } else {
                format!("/tasks/{id}")
            };
            let mut read = client.call("GET", &path, None).await.expect(200);
            read.as_object_mut().map(|o| o.remove("id"));
            assert_eq!(read, want, "case {case} at {version}, read back");
        }
    }
}

/// What the handler does with a new task: the head `Task` it stores.
fn stored(new: timescape_api::NewTask) -> timescape_api::Task {
    timescape_api::Task {
        object: new.object,
        id: timescape_api::uuid::Uuid::from_bytes([7; 16]),
        title: new.title,
        priority: new.priority,
        labels: new.labels,
        done: new.done,
        assignee: new.assignee,
    }
}

#[test]
fn typed_conversions_round_trip_without_loss() {
    use timescape_api::versions::{v2024_01_01 as v1, v2024_06_01 as v2};
    let mut rng = Rng(42);
    for case in 0..2000 {
        // 2024-06-01 → 2025-01-01 → 2024-06-01, through the generated functions alone.
        let body = random_task(&mut rng, V2);
        let old: v2::NewTask =
            serde_json::from_value(body.clone()).expect("a valid 2024-06-01 body");
        let head = stored(old.forward::<App>().expect("forward"));
        let back = v2::Task::backward::<App>(head).expect("backward");
        let mut want = with_object(&body);
        want["id"] = json!("07070707-0707-0707-0707-070707070707");
        assert_eq!(
            serde_json::to_value(&back).expect("serializes"),
            want,
            "case {case}"
        );

        // 2024-01-01 → 2024-06-01 → 2025-01-01 → 2024-06-01 → 2024-01-01.
        let body = random_task(&mut rng, V1);
        let old: v1::NewTask =
            serde_json::from_value(body.clone()).expect("a valid 2024-01-01 body");
        let next = old.forward::<App>().expect("to 2024-06-01");
        let head = stored(next.forward::<App>().expect("to the head"));
        let back = v2::Task::backward::<App>(head).expect("to 2024-06-01");
        let back = v1::Task::backward::<App>(back).expect("to 2024-01-01");
        let mut want = with_object(&body);
        want["id"] = json!("07070707-0707-0707-0707-070707070707");
        assert_eq!(
            serde_json::to_value(&back).expect("serializes"),
            want,
            "case {case}"
        );
    }
}
