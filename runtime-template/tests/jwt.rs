//! Bearer tokens signed with each asymmetric algorithm `auth jwt` accepts
//! (RS256, ES256, EdDSA), verified against a JWKS file's public keys. The
//! keys and tokens in `fixtures/` were made once with Python's
//! `cryptography` (the private keys were thrown away); the tokens expire in
//! 2100.

#![cfg(feature = "jwt")]

use gati_runtime::{JwtSettings, JwtVerifier};

const SETTINGS: JwtSettings = JwtSettings {
    issuer: "https://auth.example.com/",
    audience: "notes",
    keys_env: "NOTES_JWKS",
    algorithms: &[],
    leeway_s: 60,
};

fn tokens() -> serde_json::Map<String, serde_json::Value> {
    match serde_json::from_str(include_str!("fixtures/jwt_tokens.json")) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => panic!("fixtures/jwt_tokens.json is an object of tokens"),
    }
}

#[test]
fn each_algorithm_verifies_with_its_key_only() {
    let keys = include_str!("fixtures/jwt_keys.json");
    let verifier = match JwtVerifier::from_jwks(keys, SETTINGS) {
        Ok(verifier) => verifier,
        Err(error) => panic!("{error}"),
    };
    for (alg, token) in tokens() {
        let token = token.as_str().unwrap_or_default();
        let claims = verifier.verify(token);
        assert_eq!(
            claims.map(|c| c["sub"].clone()),
            Ok(serde_json::json!("ada")),
            "{alg}"
        );
        // The same token under another key's id is refused.
        let rest = token.split_once('.').map_or("", |(_, rest)| rest);
        let swapped = format!(
            "{}.{rest}",
            "eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6InJzIn0"
        );
        assert!(
            verifier.verify(&swapped).is_err(),
            "{alg} under a wrong header"
        );
    }

    // Restricted to ES256, the RSA and Ed25519 keys verify nothing.
    let es_only = JwtSettings {
        algorithms: &["ES256"],
        ..SETTINGS
    };
    let verifier = match JwtVerifier::from_jwks(keys, es_only) {
        Ok(verifier) => verifier,
        Err(error) => panic!("{error}"),
    };
    for (alg, token) in tokens() {
        let ok = verifier.verify(token.as_str().unwrap_or_default()).is_ok();
        assert_eq!(ok, alg == "ES256", "{alg}");
    }
}

#[test]
fn a_missing_or_unreadable_key_file_stops_the_server_with_a_reason() {
    let missing = JwtSettings {
        keys_env: "GATIC_TEST_NO_SUCH_VARIABLE",
        ..SETTINGS
    };
    let error = JwtVerifier::from_env(missing).err().map(|e| e.to_string());
    assert!(
        error
            .as_deref()
            .is_some_and(|e| e.contains("GATIC_TEST_NO_SUCH_VARIABLE must name the JWKS file")),
        "{error:?}"
    );
}
