//! `user_events`, the example's stream of server-sent events: in-process for
//! a stream that ends, and over a real socket for one that follows changes,
//! including a client pinned to the first version, whose events are
//! converted back one by one.

use serde_json::{Value, json};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use users_api::routes::Router;
use users_api::runtime::Config;
use users_example::{App, DEFAULT_TOKEN};

fn new_user(handle: &str) -> Value {
    json!({"handle": handle, "email": format!("{handle}@example.com"), "display_name": handle})
}

/// The events of an event-stream text: (id, data as JSON) each.
fn events(text: &str) -> Vec<(Option<String>, Value)> {
    text.split("\n\n")
        .filter(|block| !block.trim().is_empty() && !block.starts_with(':'))
        .map(|block| {
            let mut id = None;
            let mut data = Value::Null;
            for line in block.lines() {
                if let Some(rest) = line.strip_prefix("id: ") {
                    id = Some(rest.to_owned());
                } else if let Some(rest) = line.strip_prefix("data: ") {
                    data = serde_json::from_str(rest).unwrap_or_else(|e| panic!("{e}: {rest}"));
                }
            }
            (id, data)
        })
        .collect()
}

#[tokio::test]
async fn a_stream_without_follow_lists_every_user_and_ends() {
    let client = users_api::test_client(App::new(DEFAULT_TOKEN));
    let mut ids = Vec::new();
    for handle in ["ada", "bob"] {
        let created = client.post("/users").bearer(DEFAULT_TOKEN).json(&new_user(handle)).send().await;
        ids.push(created.json::<Value>()["id"].as_str().unwrap_or_default().to_owned());
    }
    ids.sort();
    let response = client.get("/users/events").send().await;
    assert_eq!(response.status(), 200, "{}", response.text());
    assert_eq!(response.header("content-type"), Some("text/event-stream"));
    assert_eq!(response.header("cache-control"), Some("no-cache"));
    let got = events(&response.text());
    let got_ids: Vec<&str> = got.iter().map(|(id, _)| id.as_deref().unwrap_or_default()).collect();
    assert_eq!(got_ids, ids);
    for (id, data) in &got {
        assert_eq!(data["change"], "existing");
        assert_eq!(data["user"]["id"].as_str(), id.as_deref());
        assert!(data["user"]["display_name"].is_string(), "{data}");
    }

    // The first version called `display_name` `name`: each event is converted.
    let old = client.get("/users/events").header("Gati-Version", "2025-01-01").send().await;
    assert_eq!(old.header("gati-version"), Some("2025-01-01"));
    for (_, data) in events(&old.text()) {
        assert!(data["user"]["name"].is_string(), "{data}");
        assert!(data["user"].get("display_name").is_none(), "{data}");
    }

    // `/users/events` is a concrete path: matched before `/users/{id}` for
    // every method, as the OpenAPI document says.
    let patch = client.patch("/users/events").bearer(DEFAULT_TOKEN).json(&json!({})).send().await;
    assert_eq!((patch.status(), patch.header("allow")), (405, Some("GET, HEAD")), "{}", patch.text());

    // The query is validated like any other.
    let bad = client.get("/users/events?follow=maybe").send().await;
    assert_eq!(bad.status(), 400, "{}", bad.text());
}

async fn start() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(users_api::runtime::serve(
        Router::new(App::new(DEFAULT_TOKEN)),
        Config::default(),
        listener,
        std::future::pending(),
    ));
    addr
}

/// Sends one request with `Connection: close` and returns the whole answer.
async fn call(addr: SocketAddr, method: &str, path: &str, body: &str) -> String {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\nAuthorization: Bearer {DEFAULT_TOKEN}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.expect("write");
    let mut out = Vec::new();
    stream.read_to_end(&mut out).await.expect("read");
    String::from_utf8_lossy(&out).into_owned()
}

/// Reads from an open stream until `events` complete events have arrived.
async fn read_events(stream: &mut TcpStream, seen: &mut String, events: usize) {
    let mut buf = [0u8; 4096];
    // Each event is one chunk: its blank line, then the chunk's CRLF.
    while seen.matches("data: ").count() < events || !seen.ends_with("\n\n\r\n") {
        let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf))
            .await
            .expect("the next event arrives in time")
            .expect("read");
        assert!(read > 0, "the stream ended early: {seen}");
        seen.push_str(&String::from_utf8_lossy(&buf[..read]));
    }
}

#[tokio::test]
async fn a_following_stream_sends_changes_as_they_happen() {
    let addr = start().await;
    let first = call(addr, "POST", "/users", &new_user("ada").to_string()).await;
    assert!(first.starts_with("HTTP/1.1 201"), "{first}");

    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream
        .write_all(b"GET /users/events?follow=true HTTP/1.1\r\nHost: test\r\nGati-Version: 2025-01-01\r\n\r\n")
        .await
        .expect("write");
    let mut seen = String::new();
    read_events(&mut stream, &mut seen, 1).await;
    assert!(seen.starts_with("HTTP/1.1 200"), "{seen}");
    assert!(seen.contains("transfer-encoding: chunked"), "{seen}");

    // A user created now arrives as an event on the open stream, converted
    // for the first version.
    let created = call(addr, "POST", "/users", &new_user("bob").to_string()).await;
    assert!(created.starts_with("HTTP/1.1 201"), "{created}");
    read_events(&mut stream, &mut seen, 2).await;
    let body = &seen[seen.find("\r\n\r\n").unwrap_or(0)..];
    // Chunk sizes sit between the events on the wire; keep the events.
    let text: String = body.lines().filter(|l| l.starts_with("id: ") || l.starts_with("data: ") || l.is_empty()).map(|l| format!("{l}\n")).collect();
    let got = events(&text);
    assert_eq!(got.len(), 2, "{text}");
    assert_eq!(got[1].1["change"], "created");
    assert_eq!(got[1].1["user"]["name"], "bob");
    assert_eq!(got[1].0.as_deref(), got[1].1["user"]["id"].as_str());
}
