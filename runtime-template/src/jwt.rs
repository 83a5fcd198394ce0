//! JSON Web Tokens (`auth jwt`): the keys, loaded once at startup from a
//! JWKS file that an environment variable names, and the verification of a
//! bearer token — signature, expiry, issuer and audience — before its claims
//! become the caller's principal. Only with the `jwt` feature, which a
//! generated crate enables when its spec uses `auth jwt`.

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};

/// What the spec's `auth jwt { … }` says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JwtSettings {
    /// The `iss` every token must carry.
    pub issuer: &'static str,
    /// The `aud` every token must carry (one of its values).
    pub audience: &'static str,
    /// The environment variable holding the path of the JWKS file.
    pub keys_env: &'static str,
    /// The algorithms accepted (`RS256`, `ES256`, `EdDSA`, `HS256`…); empty:
    /// each key's own.
    pub algorithms: &'static [&'static str],
    /// Clock skew allowed on `exp` and `nbf`, in seconds.
    pub leeway_s: u64,
}

/// The keys tokens are verified with, each with the algorithms it may
/// verify: an RSA key never checks an HMAC signature, whatever a token's
/// header claims.
pub struct JwtVerifier {
    keys: Vec<VerifyingKey>,
    settings: JwtSettings,
}

struct VerifyingKey {
    id: Option<String>,
    key: DecodingKey,
    algorithms: Vec<Algorithm>,
}

impl std::fmt::Debug for JwtVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids: Vec<Option<&str>> = self.keys.iter().map(|k| k.id.as_deref()).collect();
        f.debug_struct("JwtVerifier")
            .field("keys", &ids)
            .field("issuer", &self.settings.issuer)
            .finish_non_exhaustive()
    }
}

/// Why a token was not accepted, for tests and for code that verifies
/// tokens itself. The generated router does not pass it on: the client
/// gets a 401 that says only that the credential was not accepted, and the
/// runtime's throttled "credential rejected" line names no reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JwtRejected(pub String);

impl JwtVerifier {
    /// Reads the JWKS file that `settings.keys_env` names: an error that
    /// says what is missing or wrong, so the server does not start without
    /// the keys it needs.
    pub fn from_env(settings: JwtSettings) -> std::io::Result<JwtVerifier> {
        let invalid =
            |message: String| std::io::Error::new(std::io::ErrorKind::InvalidInput, message);
        let path = std::env::var(settings.keys_env).map_err(|_| {
            invalid(format!(
                "{} must name the JWKS file whose keys verify bearer tokens (auth jwt)",
                settings.keys_env
            ))
        })?;
        let text = std::fs::read_to_string(&path).map_err(|error| {
            invalid(format!(
                "{}={path:?}: cannot read the JWKS file: {error}",
                settings.keys_env
            ))
        })?;
        JwtVerifier::from_jwks(&text, settings)
            .map_err(|error| invalid(format!("{}={path:?}: {error}", settings.keys_env)))
    }

    /// Builds the verifier from a JWKS document's text.
    pub fn from_jwks(text: &str, settings: JwtSettings) -> Result<JwtVerifier, String> {
        let set: JwkSet =
            serde_json::from_str(text).map_err(|error| format!("not a JWKS document: {error}"))?;
        let allowed: Vec<Algorithm> = settings
            .algorithms
            .iter()
            .map(|name| {
                name.parse::<Algorithm>()
                    .map_err(|_| format!("{name} is not a JWT algorithm"))
            })
            .collect::<Result<_, _>>()?;
        let mut keys = Vec::new();
        for (i, jwk) in set.keys.iter().enumerate() {
            let own: Vec<Algorithm> = match jwk.common.key_algorithm {
                Some(alg) => vec![
                    Algorithm::try_from(alg)
                        .map_err(|_| format!("key {i} has an algorithm tokens cannot use"))?,
                ],
                None => match &jwk.algorithm {
                    AlgorithmParameters::RSA(_) => vec![Algorithm::RS256],
                    AlgorithmParameters::EllipticCurve(ec) => match ec.curve {
                        EllipticCurve::P256 => vec![Algorithm::ES256],
                        EllipticCurve::P384 => vec![Algorithm::ES384],
                        _ => vec![],
                    },
                    AlgorithmParameters::OctetKeyPair(_) => vec![Algorithm::EdDSA],
                    AlgorithmParameters::OctetKey(_) => vec![Algorithm::HS256],
                    // A kind of key this runtime does not know verifies nothing.
                    _ => vec![],
                },
            };
            let algorithms: Vec<Algorithm> = own
                .into_iter()
                .filter(|a| allowed.is_empty() || allowed.contains(a))
                .collect();
            if algorithms.is_empty() {
                continue;
            }
            let key = DecodingKey::from_jwk(jwk)
                .map_err(|error| format!("key {i} cannot verify tokens: {error}"))?;
            keys.push(VerifyingKey {
                id: jwk.common.key_id.clone(),
                key,
                algorithms,
            });
        }
        if keys.is_empty() {
            return Err("no key in the file can verify tokens with the algorithms allowed".into());
        }
        Ok(JwtVerifier { keys, settings })
    }

    /// Verifies `token` and returns its claims: a known key (by `kid`, or
    /// any key of the token's algorithm when it names none) must have signed
    /// it, with an allowed algorithm; it must not have expired (nor be used
    /// before `nbf`), and its `iss` and `aud` must be the spec's.
    pub fn verify(
        &self,
        token: &str,
    ) -> Result<serde_json::Map<String, serde_json::Value>, JwtRejected> {
        let header = jsonwebtoken::decode_header(token)
            .map_err(|error| JwtRejected(format!("malformed token: {error}")))?;
        let candidates = self.keys.iter().filter(|k| {
            k.algorithms.contains(&header.alg)
                && match (&header.kid, &k.id) {
                    (Some(wanted), Some(id)) => wanted == id,
                    (Some(_), None) => false,
                    (None, _) => true,
                }
        });
        let mut validation = Validation::new(header.alg);
        validation.set_issuer(&[self.settings.issuer]);
        validation.set_audience(&[self.settings.audience]);
        validation.leeway = self.settings.leeway_s;
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        let mut last = JwtRejected("no key verifies tokens of its algorithm or key id".into());
        for key in candidates {
            match jsonwebtoken::decode::<serde_json::Map<String, serde_json::Value>>(
                token,
                &key.key,
                &validation,
            ) {
                Ok(data) => return Ok(data.claims),
                Err(error) => last = JwtRejected(error.to_string()),
            }
        }
        Err(last)
    }
}

/// The principal's JSON from a token's claims: only the principal's own
/// fields (`fields`, as named on the wire), so that a token's other claims
/// never trip a record that rejects unknown members; and, for a principal
/// with `scopes`, the OAuth `scope` claim (space-separated) or `scp` (a list)
/// when the token has no `scopes` claim.
pub fn principal_claims(
    mut claims: serde_json::Map<String, serde_json::Value>,
    fields: &[&str],
) -> serde_json::Value {
    use serde_json::Value;
    if fields.contains(&"scopes") && !claims.contains_key("scopes") {
        let scopes = match (claims.get("scope"), claims.get("scp")) {
            (Some(Value::String(text)), _) => Some(Value::Array(
                text.split_whitespace()
                    .map(|s| Value::String(s.to_owned()))
                    .collect(),
            )),
            (_, Some(Value::Array(list))) => Some(Value::Array(list.clone())),
            (_, Some(Value::String(text))) => Some(Value::Array(vec![Value::String(text.clone())])),
            _ => None,
        };
        if let Some(scopes) = scopes {
            claims.insert("scopes".to_owned(), scopes);
        }
    }
    claims.retain(|name, _| fields.contains(&name.as_str()));
    Value::Object(claims)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{EncodingKey, Header, encode};
    use serde_json::json;

    const SECRET: &[u8] = b"a secret of at least thirty-two bytes!!";

    fn settings() -> JwtSettings {
        JwtSettings {
            issuer: "https://auth.example.com/",
            audience: "notes",
            keys_env: "NOTES_JWKS",
            algorithms: &[],
            leeway_s: 0,
        }
    }

    /// `SECRET`, base64url-encoded, as an `oct` JWK.
    fn jwks() -> String {
        let k = "YSBzZWNyZXQgb2YgYXQgbGVhc3QgdGhpcnR5LXR3byBieXRlcyEh";
        json!({"keys": [{"kty": "oct", "kid": "one", "k": k}]}).to_string()
    }

    fn token(claims: serde_json::Value, kid: Option<&str>) -> String {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = kid.map(str::to_owned);
        let Ok(key) = EncodingKey::from_secret(SECRET) else {
            return String::new();
        };
        encode(&header, &claims, &key).unwrap_or_default()
    }

    fn now() -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    }

    #[test]
    fn verifies_signature_expiry_issuer_and_audience() {
        let verifier = match JwtVerifier::from_jwks(&jwks(), settings()) {
            Ok(v) => v,
            Err(e) => panic!("{e}"),
        };
        let good = json!({"iss": "https://auth.example.com/", "aud": "notes", "exp": now() + 60, "sub": "ada", "scope": "a b"});
        let claims = verifier.verify(&token(good.clone(), Some("one")));
        assert_eq!(claims.as_ref().map(|c| c["sub"].clone()), Ok(json!("ada")));
        assert!(
            verifier.verify(&token(good.clone(), None)).is_ok(),
            "no kid: any key of its algorithm"
        );
        assert!(
            verifier.verify(&token(good.clone(), Some("two"))).is_err(),
            "an unknown kid"
        );
        let mut expired = good.clone();
        expired["exp"] = json!(now() - 10);
        assert!(verifier.verify(&token(expired, None)).is_err());
        let mut foreign = good.clone();
        foreign["iss"] = json!("https://evil.example/");
        assert!(verifier.verify(&token(foreign, None)).is_err());
        let mut other = good.clone();
        other["aud"] = json!("billing");
        assert!(verifier.verify(&token(other, None)).is_err());
        let mut early = good.clone();
        early["nbf"] = json!(now() + 3600);
        assert!(verifier.verify(&token(early, None)).is_err());
        let mut tampered = token(good, None);
        tampered.push('x');
        assert!(verifier.verify(&tampered).is_err());
        assert!(verifier.verify("not.a.token").is_err());
        // `alg: none` is never accepted.
        let none = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZGEifQ.";
        assert!(verifier.verify(none).is_err());
    }

    #[test]
    fn claims_become_the_principal() {
        let claims = json!({"sub": "ada", "scope": "notes:read notes:write", "extra": 1});
        let serde_json::Value::Object(claims) = claims else {
            panic!("an object");
        };
        assert_eq!(
            principal_claims(claims, &["sub", "scopes"]),
            json!({"sub": "ada", "scopes": ["notes:read", "notes:write"]})
        );
    }

    #[test]
    fn bad_key_files_say_why() {
        let error = |text: &str| JwtVerifier::from_jwks(text, settings()).err();
        assert!(error("{").is_some_and(|e| e.contains("not a JWKS")));
        assert!(error(r#"{"keys": []}"#).is_some_and(|e| e.contains("no key")));
        let only_rsa = JwtSettings {
            algorithms: &["RS256"],
            ..settings()
        };
        assert!(
            JwtVerifier::from_jwks(&jwks(), only_rsa).is_err(),
            "an HMAC key is not an RS256 key"
        );
    }
}
