//! The benchmark's routes on axum 0.8, written the idiomatic way: a
//! `Router` with `State`, `Path` and `Json` extractors. `PORT` sets the port.

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use bench_peer_common::{HELLO, Message, NewPerson, PLAINTEXT, Store, problem, validate};

async fn plaintext() -> &'static str {
    PLAINTEXT
}

async fn json() -> Json<Message> {
    Json(HELLO)
}

async fn create(State(store): State<Arc<Store>>, Json(person): Json<NewPerson>) -> Response {
    let violations = validate(&person);
    if !violations.is_empty() {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            [("content-type", "application/json")],
            problem(&violations),
        )
            .into_response();
    }
    (StatusCode::CREATED, Json(store.create(person))).into_response()
}

/// Serialized straight from the map: `into_response` writes the body at
/// once, so the borrowed person need not be cloned into an owned `Json`.
async fn get_person(State(store): State<Arc<Store>>, Path(id): Path<i64>) -> Response {
    match store.get(id) {
        Some(person) => Json(person).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(8080);
    let app = Router::new()
        .route("/plaintext", get(plaintext))
        .route("/json", get(json))
        .route("/people", post(create))
        .route("/people/{id}", get(get_person))
        .with_state(Arc::new(Store::seeded()));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    axum::serve(listener, app).await
}
