//! The users example in-process, through `users_api::test_client`: the whole
//! request lifecycle (authentication, scopes, decoding, validation, version
//! conversion, problems) without a socket.

use serde_json::{Value, json};
use users_example::{App, DEFAULT_TOKEN};

/// The example's store, with a second token that may write but not administer.
fn app() -> App {
    App::new(DEFAULT_TOKEN).with_token("author-token", "author", &["users:write"])
}

fn new_user(handle: &str) -> Value {
    json!({"handle": handle, "email": format!("{handle}@example.com"), "display_name": handle})
}

#[tokio::test]
async fn scopes_decide_who_may_delete() {
    let client = users_api::test_client(app());
    let created = client.post("/users").bearer("author-token").json(&new_user("ada")).send().await;
    assert_eq!(created.status(), 201, "{}", created.text());
    let id = created.json::<Value>()["id"].as_str().unwrap_or_default().to_owned();
    let path = format!("/users/{id}");

    // The author's token is accepted, but lacks `users:admin`: 403, before
    // the handler runs, with the scope it lacks.
    let forbidden = client.delete(&path).bearer("author-token").send().await;
    assert_eq!(forbidden.status(), 403, "{}", forbidden.text());
    assert_eq!(
        forbidden.header("www-authenticate"),
        Some("Bearer error=\"insufficient_scope\", scope=\"users:admin\"")
    );
    assert_eq!(forbidden.header("content-type"), Some("application/problem+json"));
    assert_eq!(forbidden.header("cache-control"), Some("no-store"));
    assert_eq!(client.get(&path).send().await.status(), 200, "still there");

    // A token nobody issued is a 401; no token at all, a 401 with the challenge.
    assert_eq!(client.delete(&path).bearer("forged").send().await.status(), 401);
    let anonymous = client.delete(&path).send().await;
    assert_eq!((anonymous.status(), anonymous.header("www-authenticate")), (401, Some("Bearer")));

    // The operator's token has every scope. (The last admin cannot be
    // deleted, so make a second user first.)
    let second = client.post("/users").bearer(DEFAULT_TOKEN).json(&new_user("bob")).send().await;
    let second = second.json::<Value>()["id"].as_str().unwrap_or_default().to_owned();
    let deleted = client.delete(&format!("/users/{second}")).bearer(DEFAULT_TOKEN).send().await;
    assert_eq!(deleted.status(), 204, "{}", deleted.text());
    assert_eq!(client.get(&format!("/users/{second}")).send().await.status(), 404);
}

#[tokio::test]
async fn old_clients_in_process() {
    let client = users_api::test_client(app());
    // A client pinned to 2025-01-01 still says `name`.
    let old = json!({"handle": "cyd", "email": "cyd@example.com", "name": "Cyd"});
    let created = client.post("/users").version("2025-01-01").bearer(DEFAULT_TOKEN).json(&old).send().await;
    assert_eq!(created.status(), 201, "{}", created.text());
    assert_eq!(created.header("gati-version"), Some("2025-01-01"));
    let body: Value = created.json();
    assert_eq!(body["name"], "Cyd");
    assert!(body.get("display_name").is_none(), "{body}");

    // The head sees the same user under its new field name.
    let id = body["id"].as_str().unwrap_or_default();
    let now: Value = client.get(&format!("/users/{id}")).send().await.json();
    assert_eq!(now["display_name"], "Cyd");

    // A validation failure is a bounded 422 that points at the field.
    let bad = client.post("/users").bearer(DEFAULT_TOKEN).json(&json!({"handle": "x"})).send().await;
    assert_eq!(bad.status(), 422, "{}", bad.text());
    assert!(bad.json::<Value>()["violations"].as_array().is_some_and(|v| !v.is_empty()));
}

#[tokio::test]
async fn location_and_conditional_get() {
    let client = users_api::test_client(app());
    let created = client.post("/users").bearer(DEFAULT_TOKEN).json(&new_user("eve")).send().await;
    assert_eq!(created.status(), 201, "{}", created.text());
    let id = created.json::<Value>()["id"].as_str().unwrap_or_default().to_owned();
    assert_eq!(created.header("location"), Some(format!("/users/{id}").as_str()));

    let path = format!("/users/{id}");
    let first = client.get(&path).send().await;
    assert_eq!(first.status(), 200);
    let etag = first.header("etag").expect("an ETag").to_owned();

    // The copy is current: 304, no body, the same ETag.
    let again = client.get(&path).header("if-none-match", &etag).send().await;
    assert_eq!(again.status(), 304, "{}", again.text());
    assert!(again.bytes().is_empty());
    assert_eq!(again.header("etag"), Some(etag.as_str()));

    // A change gives a new tag, and the old one gets the whole user.
    let patched = client.patch(&path).bearer(DEFAULT_TOKEN).json(&json!({"bio": "hi"})).send().await;
    assert_eq!(patched.status(), 200, "{}", patched.text());
    let stale = client.get(&path).header("if-none-match", &etag).send().await;
    assert_eq!(stale.status(), 200);
    assert_ne!(stale.header("etag"), Some(etag.as_str()));
    assert_eq!(stale.json::<Value>()["bio"], "hi");
}

#[tokio::test]
async fn avatars_and_cards_are_not_json() {
    let client = users_api::test_client(app());
    let created = client.post("/users").bearer(DEFAULT_TOKEN).json(&new_user("pix")).send().await;
    let id = created.json::<Value>()["id"].as_str().unwrap_or_default().to_owned();
    let avatar = format!("/users/{id}/avatar");
    // Eight bytes that are not UTF-8, as a PNG's are.
    let png: &'static [u8] = b"\x89PNG\r\n\x1a\n";

    assert_eq!(client.get(&avatar).send().await.status(), 404);
    let wrong_type = client.put(&avatar).bearer(DEFAULT_TOKEN).header("content-type", "image/jpeg").body(png).send().await;
    assert_eq!(wrong_type.status(), 415, "{}", wrong_type.text());
    let anonymous = client.put(&avatar).header("content-type", "image/png").body(png).send().await;
    assert_eq!(anonymous.status(), 401);
    let stored = client.put(&avatar).bearer(DEFAULT_TOKEN).header("content-type", "image/png").body(png).send().await;
    assert_eq!(stored.status(), 204, "{}", stored.text());

    let fetched = client.get(&avatar).send().await;
    assert_eq!(fetched.status(), 200);
    assert_eq!(fetched.header("content-type"), Some("image/png"));
    assert_eq!(&fetched.bytes()[..], png);

    let card = client.get(&format!("/users/{id}/card")).send().await;
    assert_eq!(card.status(), 200);
    assert_eq!(card.header("content-type"), Some("text/plain; charset=utf-8"));
    assert_eq!(card.text(), "pix (@pix)\n");

    // The body limit holds for raw bodies too: 1 MiB for avatars.
    let huge = vec![0u8; 1024 * 1024 + 1];
    let refused = client.put(&avatar).bearer(DEFAULT_TOKEN).header("content-type", "image/png").body(huge).send().await;
    assert_eq!(refused.status(), 413, "{}", refused.text());
}

/// One part of a hand-made form: its name, its file's name and type if it
/// is a file, and its contents.
type Part<'a> = (&'a str, Option<(&'a str, &'a str)>, &'a [u8]);

#[tokio::test]
async fn a_photo_uploads_as_a_multipart_form() {
    let client = users_api::test_client(app());
    let created = client.post("/users").bearer(DEFAULT_TOKEN).json(&new_user("cam")).send().await;
    let id = created.json::<Value>()["id"].as_str().unwrap_or_default().to_owned();
    let photos = format!("/users/{id}/photos");
    let form = |parts: &[Part<'_>]| {
        let mut body = Vec::new();
        for (name, file, data) in parts {
            body.extend_from_slice(b"--BOUNDARY\r\n");
            match file {
                Some((filename, media)) => body.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: {media}\r\n\r\n").as_bytes(),
                ),
                None => body.extend_from_slice(format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes()),
            }
            body.extend_from_slice(data);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(b"--BOUNDARY--\r\n");
        body
    };
    let png: &[u8] = b"\x89PNG\r\n\x1a\n";
    let post = |body: Vec<u8>| {
        client
            .post(&photos)
            .bearer(DEFAULT_TOKEN)
            .header("content-type", "multipart/form-data; boundary=BOUNDARY")
            .body(body)
            .send()
    };

    let added = post(form(&[("photo", Some(("cat.png", "image/png")), png), ("caption", None, b"A cat")])).await;
    assert_eq!(added.status(), 201, "{}", added.text());
    let photo: Value = added.json();
    assert_eq!(
        (photo["filename"].as_str(), photo["content_type"].as_str(), photo["size"].as_i64(), photo["caption"].as_str()),
        (Some("cat.png"), Some("image/png"), Some(8), Some("A cat"))
    );

    // The caption is optional; the photo is not, and must be an image; a
    // part the form does not declare is refused, never dropped.
    assert_eq!(post(form(&[("photo", Some(("a.png", "image/png")), png)])).await.status(), 201);
    let problems = [
        (form(&[("caption", None, b"no photo")]), "/photo", "required"),
        (form(&[("photo", Some(("a.txt", "text/plain")), b"hi")]), "/photo", "format"),
        (form(&[("photo", Some(("a.png", "image/png")), png), ("extra", None, b"x")]), "/extra", "unknown"),
    ];
    for (body, pointer, rule) in problems {
        let refused = post(body).await;
        assert_eq!(refused.status(), 400, "{}", refused.text());
        let violation = &refused.json::<Value>()["violations"][0];
        assert_eq!((violation["pointer"].as_str(), violation["rule"].as_str()), (Some(pointer), Some(rule)), "{violation}");
    }
    // Not a form at all: 415.
    let json = client.post(&photos).bearer(DEFAULT_TOKEN).json(&json!({"photo": "x"})).send().await;
    assert_eq!(json.status(), 415);
}

#[tokio::test]
async fn typed_requests_and_answers_use_the_generated_types() {
    // The generated records serialize and deserialize exactly as the server
    // does, so a test sends and reads them typed, with no JSON by hand.
    let client = users_api::test_client(app());
    let new = users_api::NewUser {
        handle: "grace".into(),
        email: "grace@example.com".into(),
        display_name: "Grace".into(),
        bio: None,
        website: Some("https://example.com/grace".into()),
    };
    let created = client.post("/users").bearer(DEFAULT_TOKEN).json(&new).send().await;
    assert_eq!(created.status(), 201, "{}", created.text());
    let user: users_api::User = created.json();
    assert_eq!((user.handle.as_str(), user.role), ("grace", users_api::Role::Admin));
    assert_eq!(created.header("location"), Some(format!("/users/{}", user.id).as_str()));

    let fetched: users_api::User = client.get(&format!("/users/{}", user.id)).send().await.json();
    assert_eq!(fetched, user);
}

#[tokio::test]
async fn creating_a_user_sets_a_secure_cookie() {
    let client = users_api::test_client(app());
    let created = client.post("/users").bearer(DEFAULT_TOKEN).json(&new_user("hedy")).send().await;
    assert_eq!(created.status(), 201, "{}", created.text());
    let id = created.json::<Value>()["id"].as_str().unwrap_or_default().to_owned();
    assert_eq!(
        created.header("set-cookie"),
        Some(format!("last_created={id}; Path=/users; Max-Age=86400; Secure; HttpOnly; SameSite=Lax").as_str())
    );
    // An idempotent replay answers with the stored user, without a cookie.
    let key = [("Idempotency-Key", "k1")];
    let first = client.post("/users").bearer(DEFAULT_TOKEN).header(key[0].0, key[0].1).json(&new_user("ida")).send().await;
    assert!(first.header("set-cookie").is_some());
    let replay = client.post("/users").bearer(DEFAULT_TOKEN).header(key[0].0, key[0].1).json(&new_user("ida")).send().await;
    assert_eq!((replay.status(), replay.header("set-cookie")), (201, None));
}
