//! What the hand-written peers of the benchmark share: the routes' bodies,
//! the record types with the refinements `bench/service/bench.gati` declares,
//! checked the way an expert would write them by hand, and the in-memory map.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};

use serde::{Deserialize, Serialize};

/// The plaintext route's body (13 bytes).
pub const PLAINTEXT: &str = "Hello, World!";

/// The JSON route's body, as a type.
#[derive(Clone, Debug, Serialize)]
pub struct Message {
    /// Always `Hello, World!`.
    pub message: &'static str,
}

/// The JSON route's value.
pub const HELLO: Message = Message { message: PLAINTEXT };

/// A postal address.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Address {
    /// Street and number, 1–100 characters.
    pub street: String,
    /// The city, 1–60 characters.
    pub city: String,
    /// ISO 3166-1 alpha-2 country code, 2 characters.
    pub country: String,
}

/// What clients send to create a person.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewPerson {
    /// 1–100 characters.
    pub name: String,
    /// An email address, at most 254 characters.
    pub email: String,
    /// 0–150.
    pub age: i32,
    /// Where the person lives.
    pub address: Address,
    /// At most 10 tags of 1–30 characters.
    pub tags: Vec<String>,
}

/// A person as stored: a [`NewPerson`] with an id.
#[derive(Clone, Debug, Serialize)]
pub struct Person {
    /// Assigned by the server.
    pub id: i64,
    /// The full name.
    pub name: String,
    /// Where to write.
    pub email: String,
    /// Age in years.
    pub age: i32,
    /// Where the person lives.
    pub address: Address,
    /// Free-form labels.
    pub tags: Vec<String>,
}

/// Every refinement that `NewPerson` breaks, as `(pointer, message)` pairs;
/// empty when it is valid.
pub fn validate(person: &NewPerson) -> Vec<(String, &'static str)> {
    let mut out = Vec::new();
    let mut len = |pointer: &str, value: &str, min: usize, max: usize| {
        let n = value.chars().count();
        if n < min || n > max {
            out.push((pointer.to_owned(), "length out of bounds"));
        }
    };
    len("/name", &person.name, 1, 100);
    len("/email", &person.email, 0, 254);
    len("/address/street", &person.address.street, 1, 100);
    len("/address/city", &person.address.city, 1, 60);
    len("/address/country", &person.address.country, 2, 2);
    for (i, tag) in person.tags.iter().enumerate() {
        len(&format!("/tags/{i}"), tag, 1, 30);
    }
    if !is_email(&person.email) {
        out.push(("/email".to_owned(), "not an email address"));
    }
    if !(0..=150).contains(&person.age) {
        out.push(("/age".to_owned(), "out of range"));
    }
    if person.tags.len() > 10 {
        out.push(("/tags".to_owned(), "too many items"));
    }
    out
}

/// The body of a 422 answer listing `violations`.
pub fn problem(violations: &[(String, &'static str)]) -> String {
    let list: Vec<_> = violations
        .iter()
        .map(|(pointer, message)| serde_json::json!({"pointer": pointer, "message": message}))
        .collect();
    serde_json::json!({"status": 422, "title": "Unprocessable Entity", "violations": list})
        .to_string()
}

/// The same email check as the generated validators (RFC 5321 shape, a
/// dotted host name).
pub fn is_email(value: &str) -> bool {
    let Some((local, domain)) = value.rsplit_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~.".contains(&b));
    local_ok
        && domain.contains('.')
        && domain.len() <= 253
        && domain.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

/// The state every peer serves: the map behind `GET /people/{id}` and the
/// counter behind the ids `POST /people` assigns.
pub struct Store {
    people: HashMap<i64, Person>,
    next_id: AtomicI64,
}

/// How many people the map starts with (ids `1..=SEED`).
pub const SEED: i64 = 1000;

impl Store {
    /// The map with [`SEED`] people.
    pub fn seeded() -> Store {
        let people = (1..=SEED).map(|id| (id, seed_person(id))).collect();
        Store {
            people,
            next_id: AtomicI64::new(SEED + 1),
        }
    }

    /// The person with this id.
    pub fn get(&self, id: i64) -> Option<&Person> {
        self.people.get(&id)
    }

    /// `person` with a fresh id.
    pub fn create(&self, person: NewPerson) -> Person {
        Person {
            id: self.next_id.fetch_add(1, Ordering::Relaxed),
            name: person.name,
            email: person.email,
            age: person.age,
            address: person.address,
            tags: person.tags,
        }
    }
}

/// The seeded person with this id; the generated service seeds the same.
pub fn seed_person(id: i64) -> Person {
    Person {
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
    }
}
