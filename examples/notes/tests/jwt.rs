//! The notes example behind JSON Web Tokens: tokens an identity provider
//! would issue (HS256, minted here; RS256, ES256 and EdDSA, made once and
//! kept in the runtime's fixtures) are verified before any handler runs,
//! their claims become the caller, and scopes decide who may delete.

use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use notes_api::routes::{JWT, Router};
use notes_api::runtime::{Config, JwtVerifier, TestClient};
use notes_example::App;
use serde_json::{Value, json};

const JWKS: &str = include_str!("fixtures/jwks.json");
/// The secret of the JWKS's `test-hs256` key.
const SECRET: &[u8] = b"a secret of at least thirty-two bytes!!";

fn client() -> TestClient<Router<App>> {
    let verifier = JwtVerifier::from_jwks(JWKS, JWT).expect("the test keys load");
    TestClient::new(Router::with_jwt(App::default(), verifier))
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// A token as the identity provider would issue it, with `changes` applied.
fn token(sub: &str, scope: &str, changes: Value) -> String {
    let mut claims = json!({
        "iss": "https://auth.example.com/",
        "aud": "notes",
        "exp": now() + 300,
        "sub": sub,
        "scope": scope,
    });
    if let (Some(claims), Some(changes)) = (claims.as_object_mut(), changes.as_object()) {
        for (k, v) in changes {
            claims.insert(k.clone(), v.clone());
        }
    }
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some("test-hs256".into());
    let key = EncodingKey::from_secret(SECRET).expect("an HMAC key");
    encode(&header, &claims, &key).expect("a token")
}

#[tokio::test]
async fn tokens_are_verified_and_claims_become_the_caller() {
    let client = client();
    let ada = token("ada", "notes:read", json!({}));
    let note = json!({"text": "hello"});

    let created = client.post("/notes").bearer(&ada).json(&note).send().await;
    assert_eq!(created.status(), 201, "{}", created.text());
    let id = created.json::<Value>()["id"].as_str().unwrap_or_default().to_owned();
    assert_eq!(created.header("location"), Some(format!("/notes/{id}").as_str()));

    // The owner reads it; another subject's valid token does not see it.
    let path = format!("/notes/{id}");
    assert_eq!(client.get(&path).bearer(&ada).send().await.status(), 200);
    let bob = token("bob", "notes:read", json!({}));
    assert_eq!(client.get(&path).bearer(&bob).send().await.status(), 404);

    // Tokens the server must refuse: 401 with `invalid_token`, before the
    // handler and before the body.
    let refused = [
        ("expired", token("ada", "notes:read", json!({"exp": now() - 120}))),
        ("another audience", token("ada", "notes:read", json!({"aud": "billing"}))),
        ("another issuer", token("ada", "notes:read", json!({"iss": "https://evil.example/"}))),
        ("not yet valid", token("ada", "notes:read", json!({"nbf": now() + 3600}))),
        ("no subject", token("ada", "notes:read", json!({"sub": null}))),
        ("tampered", format!("{ada}x")),
        ("unsigned", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZGEifQ.".to_owned()),
        ("garbage", "not-a-token".to_owned()),
    ];
    for (what, bad) in refused {
        let reply = client.get(&path).bearer(&bad).send().await;
        assert_eq!(reply.status(), 401, "{what}: {}", reply.text());
        assert_eq!(
            reply.header("www-authenticate"),
            Some("Bearer error=\"invalid_token\""),
            "{what}"
        );
    }
    let anonymous = client.get(&path).send().await;
    assert_eq!((anonymous.status(), anonymous.header("www-authenticate")), (401, Some("Bearer")));

    // Scopes: `notes:read` for every route, `notes:admin` to delete.
    let no_scopes = token("ada", "", json!({}));
    assert_eq!(client.get(&path).bearer(&no_scopes).send().await.status(), 403);
    let forbidden = client.delete(&path).bearer(&ada).send().await;
    assert_eq!(forbidden.status(), 403, "{}", forbidden.text());
    assert_eq!(
        forbidden.header("www-authenticate"),
        Some("Bearer error=\"insufficient_scope\", scope=\"notes:admin\"")
    );
    let admin = token("root", "notes:read notes:admin", json!({}));
    assert_eq!(client.delete(&path).bearer(&admin).send().await.status(), 204);
    assert_eq!(client.get(&path).bearer(&ada).send().await.status(), 404);
}

#[tokio::test]
async fn asymmetric_tokens_verify_with_the_jwks_public_keys() {
    let client = client();
    let tokens: Value = serde_json::from_str(include_str!(
        "../../../runtime-template/tests/fixtures/jwt_tokens.json"
    ))
    .expect("the fixture tokens");
    for alg in ["RS256", "ES256", "EdDSA"] {
        let token = tokens[alg].as_str().unwrap_or_default();
        let created = client.post("/notes").bearer(token).json(&json!({"text": alg})).send().await;
        assert_eq!(created.status(), 201, "{alg}: {}", created.text());
    }
}

#[tokio::test]
async fn over_a_socket() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let verifier = JwtVerifier::from_jwks(JWKS, JWT).expect("the test keys load");
    let config = Config { host: "127.0.0.1".into(), port: 0, ..Config::default() };
    tokio::spawn(notes_api::runtime::serve(
        Router::with_jwt(App::default(), verifier),
        config,
        listener,
        std::future::pending(),
    ));
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let ada = token("ada", "notes:read", json!({}));
    let body = r#"{"text":"over the wire"}"#;
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let request = format!(
        "POST /notes HTTP/1.1\r\nHost: test\r\nConnection: close\r\nAuthorization: Bearer {ada}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.expect("read");
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
    assert!(answer.to_ascii_lowercase().contains("\r\nlocation: /notes/"), "{answer}");
}

#[test]
fn the_server_does_not_start_without_its_keys() {
    // `NOTES_JWKS` is not set in the test environment: the service cannot
    // be prepared, and says why.
    let error = TestClient::with_config(Router::new(App::default()), &Config::default()).err();
    let error = error.map(|e| e.to_string()).unwrap_or_default();
    assert!(error.contains("NOTES_JWKS must name the JWKS file"), "{error}");
}
