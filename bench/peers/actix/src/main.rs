//! The benchmark's routes on actix-web 4, written the idiomatic way: `App`
//! with `web::Data`, `web::Path` and `web::Json`; one worker per available
//! core. `PORT` sets the port.

use actix_web::http::StatusCode;
use actix_web::{App, HttpResponse, HttpServer, web};
use bench_peer_common::{HELLO, NewPerson, PLAINTEXT, Store, problem, validate};

async fn plaintext() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain")
        .body(PLAINTEXT)
}

async fn json() -> HttpResponse {
    HttpResponse::Ok().json(HELLO)
}

async fn create(store: web::Data<Store>, person: web::Json<NewPerson>) -> HttpResponse {
    let person = person.into_inner();
    let violations = validate(&person);
    if !violations.is_empty() {
        return HttpResponse::build(StatusCode::UNPROCESSABLE_ENTITY)
            .content_type("application/json")
            .body(problem(&violations));
    }
    HttpResponse::Created().json(store.create(person))
}

async fn get_person(store: web::Data<Store>, id: web::Path<i64>) -> HttpResponse {
    match store.get(id.into_inner()) {
        Some(person) => HttpResponse::Ok().json(person),
        None => HttpResponse::NotFound().finish(),
    }
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(8080);
    let store = web::Data::new(Store::seeded());
    HttpServer::new(move || {
        App::new()
            .app_data(store.clone())
            .app_data(web::JsonConfig::default().limit(64 * 1024))
            .route("/plaintext", web::get().to(plaintext))
            .route("/json", web::get().to(json))
            .route("/people", web::post().to(create))
            .route("/people/{id}", web::get().to(get_person))
    })
    .bind(("127.0.0.1", port))?
    .run()
    .await
}
