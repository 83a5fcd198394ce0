//! The benchmark's routes on raw hyper 1.x, as an expert would write them:
//! HTTP/1.1 with keep-alive, one task per connection, a `match` on method and
//! path, bodies serialized straight into one buffer. `PORT` sets the port.

use std::convert::Infallible;
use std::sync::Arc;

use bench_peer_common::{HELLO, PLAINTEXT, Store, problem, validate};
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

type Reply = Response<Full<Bytes>>;

const JSON: HeaderValue = HeaderValue::from_static("application/json");
const TEXT: HeaderValue = HeaderValue::from_static("text/plain");
const MAX_BODY: usize = 64 * 1024;

fn reply(status: StatusCode, content_type: HeaderValue, body: impl Into<Bytes>) -> Reply {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() = status;
    response.headers_mut().insert(CONTENT_TYPE, content_type);
    response
}

fn json<T: serde::Serialize>(status: StatusCode, value: &T) -> Reply {
    match serde_json::to_vec(value) {
        Ok(body) => reply(status, JSON, body),
        Err(_) => reply(
            StatusCode::INTERNAL_SERVER_ERROR,
            TEXT,
            "serialization failed",
        ),
    }
}

async fn handle(store: Arc<Store>, request: Request<Incoming>) -> Result<Reply, Infallible> {
    let path = request.uri().path();
    let response = match (request.method(), path) {
        (&Method::GET, "/plaintext") => reply(StatusCode::OK, TEXT, PLAINTEXT),
        (&Method::GET, "/json") => json(StatusCode::OK, &HELLO),
        (&Method::POST, "/people") => create(&store, request).await,
        (&Method::GET, _) if path.starts_with("/people/") => {
            match path["/people/".len()..].parse::<i64>() {
                Ok(id) => match store.get(id) {
                    Some(person) => json(StatusCode::OK, person),
                    None => reply(StatusCode::NOT_FOUND, JSON, r#"{"status":404}"#),
                },
                Err(_) => reply(StatusCode::BAD_REQUEST, JSON, r#"{"status":400}"#),
            }
        }
        _ => reply(StatusCode::NOT_FOUND, JSON, r#"{"status":404}"#),
    };
    Ok(response)
}

async fn create(store: &Store, request: Request<Incoming>) -> Reply {
    let is_json = request
        .headers()
        .get(CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !is_json {
        return reply(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            JSON,
            r#"{"status":415}"#,
        );
    }
    let body = match Limited::new(request.into_body(), MAX_BODY).collect().await {
        Ok(body) => body.to_bytes(),
        Err(_) => return reply(StatusCode::PAYLOAD_TOO_LARGE, JSON, r#"{"status":413}"#),
    };
    let person = match serde_json::from_slice(&body) {
        Ok(person) => person,
        Err(_) => return reply(StatusCode::BAD_REQUEST, JSON, r#"{"status":400}"#),
    };
    let violations = validate(&person);
    if !violations.is_empty() {
        return reply(StatusCode::UNPROCESSABLE_ENTITY, JSON, problem(&violations));
    }
    json(StatusCode::CREATED, &store.create(person))
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(8080);
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    let store = Arc::new(Store::seeded());
    loop {
        let (stream, _) = listener.accept().await?;
        let _ = stream.set_nodelay(true);
        let store = store.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request| handle(store.clone(), request));
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
