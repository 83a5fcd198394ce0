//! The generated side of the benchmark: the handlers of `bench.gati`, the
//! same work the hand-written peers in `bench/peers/` do. Everything else —
//! routing, decoding, validation, versions, admission — is generated.
//! `PORT` and the `GATI_*` variables configure it.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use bench_api::api::{
    CreatePersonError, CreatePersonRequest, CreatePersonSecureError, CreatePersonSecureRequest,
    GetPersonError, GetPersonRequest, JsonError, JsonRequest, PlaintextError, PlaintextRequest,
    SlowError, SlowRequest,
};
use bench_api::runtime::Credential;
use bench_api::{Address, Api, Ctx, Message, NewPerson, NotFound, Person, Reply};

/// How many people the map starts with (ids `1..=SEED`), as in the peers.
const SEED: i64 = 1000;

/// The one bearer token `create_person_secure` accepts: the harness's
/// authenticated clients send `Authorization: Bearer bench-token`.
const TOKEN: &str = "bench-token";

struct App {
    /// Shared, so that `get_person` answers with the stored person itself
    /// (serialized where it lies), as the hand-written hyper peer does.
    people: HashMap<i64, Arc<Person>>,
    next_id: AtomicI64,
}

impl App {
    fn seeded() -> App {
        let people = (1..=SEED)
            .map(|id| {
                let person = Person {
                    id,
                    name: format!("Person {id}"),
                    email: format!("person{id}@example.com"),
                    age: (id % 100) as i32,
                    address: Address {
                        street: format!("{id} Main Street"),
                        city: "Springfield".to_owned(),
                        country: "US".to_owned(),
                    },
                    tags: vec!["bench".to_owned(), "seed".to_owned()],
                };
                (id, Arc::new(person))
            })
            .collect();
        App {
            people,
            next_id: AtomicI64::new(SEED + 1),
        }
    }

    /// `new` with the next id: what both POST routes answer.
    fn create(&self, new: NewPerson) -> Person {
        Person {
            id: self.next_id.fetch_add(1, Ordering::Relaxed),
            name: new.name,
            email: new.email,
            age: new.age,
            address: new.address,
            tags: new.tags,
        }
    }
}

impl Api for App {
    async fn plaintext(
        &self,
        _: &Ctx,
        _: PlaintextRequest,
    ) -> Result<Reply<String>, PlaintextError> {
        Ok("Hello, World!".to_owned().into())
    }

    async fn json(&self, _: &Ctx, _: JsonRequest) -> Result<Reply<Message>, JsonError> {
        Ok(Message {
            message: "Hello, World!".to_owned(),
        }
        .into())
    }

    async fn create_person(
        &self,
        _: &Ctx,
        request: CreatePersonRequest,
    ) -> Result<Reply<Person>, CreatePersonError> {
        Ok(self.create(request.body).into())
    }

    async fn create_person_secure(
        &self,
        _: &Ctx,
        request: CreatePersonSecureRequest,
    ) -> Result<Reply<Person>, CreatePersonSecureError> {
        Ok(self.create(request.body).into())
    }

    async fn get_person(
        &self,
        _: &Ctx,
        request: GetPersonRequest,
    ) -> Result<Reply<Person>, GetPersonError> {
        self.people
            .get(&request.id)
            .map(|person| Arc::clone(person).into())
            .ok_or_else(|| NotFound { id: request.id }.into())
    }

    async fn slow(&self, _: &Ctx, _: SlowRequest) -> Result<Reply<Message>, SlowError> {
        tokio::time::sleep(Duration::from_millis(10)).await;
        Ok(Message {
            message: "Hello, World!".to_owned(),
        }
        .into())
    }

    async fn authenticate(&self, _: &Ctx, credential: Credential<'_>) -> bool {
        matches!(credential, Credential::Bearer(token) if token == TOKEN)
    }
}

fn main() -> std::io::Result<()> {
    let config = bench_api::Config::from_env().map_err(std::io::Error::other)?;
    bench_api::serve(App::seeded(), config)
}
