//! CORS (the Fetch standard's cross-origin protocol): answering preflight
//! requests and stamping responses to allowed origins, so that a browser
//! page on another origin may call the API and read its answers, problems
//! included.
//!
//! The policy is the spec's (`cors { origins [...] }`, with the request and
//! response headers the API uses computed by the generator); the
//! environment's `GATI_CORS_ORIGINS` replaces its origins, since they often
//! differ per deployment.

use hyper::header::{
    ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE,
    ACCESS_CONTROL_REQUEST_METHOD, HeaderMap, HeaderValue, VARY,
};

use super::problem::{Problem, empty_response};
use super::server::Response;

/// A service's CORS policy, as generated from its spec.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CorsPolicy {
    /// The origins that may call (`https://app.example.com`, exactly as
    /// browsers send them), or `["*"]` for any; empty: CORS is off unless
    /// `GATI_CORS_ORIGINS` names some.
    pub origins: &'static [&'static str],
    /// The methods a preflight allows: `GET, POST, DELETE`.
    pub methods: &'static str,
    /// The request headers a preflight allows, lowercase: `authorization,
    /// content-type, gati-version, idempotency-key`.
    pub headers: &'static str,
    /// The response headers a page may read besides the safelisted ones:
    /// `gati-version, x-request-id, retry-after`.
    pub expose: &'static str,
    /// How long a browser may cache a preflight's answer, in seconds.
    pub max_age_s: u32,
    /// Whether pages may send cookies and read answers to them
    /// (`Access-Control-Allow-Credentials`); never with any origin.
    pub credentials: bool,
}

impl CorsPolicy {
    /// No origins: CORS off.
    pub const OFF: CorsPolicy = CorsPolicy {
        origins: &[],
        methods: "",
        headers: "",
        expose: "",
        max_age_s: 0,
        credentials: false,
    };
}

/// Which origins may call.
#[derive(Debug)]
enum Origins {
    /// Any (`*`): answers say `*`.
    Any,
    /// These, exactly.
    List(Vec<String>),
}

/// The policy in effect, with its header values made once at startup.
#[derive(Debug)]
pub(super) struct Cors {
    origins: Origins,
    methods: HeaderValue,
    headers: HeaderValue,
    expose: Option<HeaderValue>,
    max_age: HeaderValue,
    credentials: bool,
}

/// `Vary` on every answer of a service with CORS: what an answer depends on.
const VARY_ORIGIN: HeaderValue = HeaderValue::from_static("origin");

/// `Vary` on a preflight's answer.
const VARY_PREFLIGHT: HeaderValue = HeaderValue::from_static(
    "origin, access-control-request-method, access-control-request-headers",
);

impl Cors {
    /// The policy in effect: `policy` with `origins` (from the environment)
    /// in place of its own when given; `None` when no origin may call.
    pub(super) fn new(policy: &CorsPolicy, origins: Option<&[String]>) -> Option<Cors> {
        let list: Vec<String> = match origins {
            Some(origins) => origins.to_vec(),
            None => policy.origins.iter().map(|o| (*o).to_owned()).collect(),
        };
        if list.is_empty() {
            return None;
        }
        let any = list.iter().any(|o| o == "*");
        let value = |text: &str| HeaderValue::from_str(text).ok();
        Some(Cors {
            origins: if any {
                Origins::Any
            } else {
                Origins::List(list)
            },
            methods: value(policy.methods).unwrap_or(HeaderValue::from_static("GET")),
            headers: value(policy.headers).unwrap_or(HeaderValue::from_static("content-type")),
            expose: value(policy.expose).filter(|v| !v.is_empty()),
            max_age: HeaderValue::from(policy.max_age_s),
            // Never with any origin: a credentialed answer must name one.
            credentials: policy.credentials && !any,
        })
    }

    /// Whether `origin` may call.
    fn allows(&self, origin: &HeaderValue) -> bool {
        match &self.origins {
            Origins::Any => true,
            Origins::List(list) => list.iter().any(|o| o.as_bytes() == origin.as_bytes()),
        }
    }

    /// The `Access-Control-Allow-Origin` value for an allowed `origin`.
    fn allow_origin(&self, origin: &HeaderValue) -> HeaderValue {
        match self.origins {
            Origins::Any => HeaderValue::from_static("*"),
            Origins::List(_) => origin.clone(),
        }
    }

    /// The answer to a preflight (`OPTIONS` with `Origin` and
    /// `Access-Control-Request-Method`), or `None` when `headers` are not
    /// one. A disallowed origin gets a 403 problem a developer can read in
    /// the browser's network panel (which the browser then refuses).
    pub(super) fn preflight(&self, origin: &HeaderValue, headers: &HeaderMap) -> Option<Response> {
        headers.get(ACCESS_CONTROL_REQUEST_METHOD)?;
        if !self.allows(origin) {
            let mut response =
                Problem::new(403, "this origin may not call the API").into_response();
            response.headers_mut().insert(VARY, VARY_PREFLIGHT);
            return Some(response);
        }
        let mut response = empty_response(204);
        let out = response.headers_mut();
        out.insert(ACCESS_CONTROL_ALLOW_ORIGIN, self.allow_origin(origin));
        out.insert(ACCESS_CONTROL_ALLOW_METHODS, self.methods.clone());
        out.insert(ACCESS_CONTROL_ALLOW_HEADERS, self.headers.clone());
        out.insert(ACCESS_CONTROL_MAX_AGE, self.max_age.clone());
        if self.credentials {
            out.insert(
                ACCESS_CONTROL_ALLOW_CREDENTIALS,
                HeaderValue::from_static("true"),
            );
        }
        out.insert(VARY, VARY_PREFLIGHT);
        Some(response)
    }

    /// Stamps an answer to a request from `origin` (when it sent one):
    /// the origin, if allowed, may read it, and the headers it exposes.
    /// Every answer varies by origin.
    pub(super) fn stamp(&self, origin: Option<&HeaderValue>, out: &mut HeaderMap) {
        out.append(VARY, VARY_ORIGIN);
        let Some(origin) = origin.filter(|o| self.allows(o)) else {
            return;
        };
        out.insert(ACCESS_CONTROL_ALLOW_ORIGIN, self.allow_origin(origin));
        if self.credentials {
            out.insert(
                ACCESS_CONTROL_ALLOW_CREDENTIALS,
                HeaderValue::from_static("true"),
            );
        }
        if let Some(expose) = &self.expose {
            out.insert(ACCESS_CONTROL_EXPOSE_HEADERS, expose.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: CorsPolicy = CorsPolicy {
        origins: &["https://app.example.com"],
        methods: "GET, POST",
        headers: "authorization, content-type, gati-version",
        expose: "gati-version, x-request-id",
        max_age_s: 600,
        credentials: true,
    };

    fn preflight_headers() -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            ACCESS_CONTROL_REQUEST_METHOD,
            HeaderValue::from_static("POST"),
        );
        headers
    }

    #[test]
    fn preflights() {
        let Some(cors) = Cors::new(&POLICY, None) else {
            panic!("a policy with an origin is on");
        };
        let app = HeaderValue::from_static("https://app.example.com");
        let Some(ok) = cors.preflight(&app, &preflight_headers()) else {
            panic!("a preflight");
        };
        assert_eq!(ok.status().as_u16(), 204);
        let h = ok.headers();
        assert_eq!(h.get(ACCESS_CONTROL_ALLOW_ORIGIN), Some(&app));
        assert_eq!(h[ACCESS_CONTROL_ALLOW_METHODS], "GET, POST");
        assert_eq!(h[ACCESS_CONTROL_MAX_AGE], "600");
        assert_eq!(h[ACCESS_CONTROL_ALLOW_CREDENTIALS], "true");

        let evil = HeaderValue::from_static("https://evil.example");
        let refused = cors.preflight(&evil, &preflight_headers());
        assert_eq!(refused.map(|r| r.status().as_u16()), Some(403));
        // Without Access-Control-Request-Method it is a plain OPTIONS.
        assert!(cors.preflight(&app, &HeaderMap::new()).is_none());
    }

    #[test]
    fn stamps_only_allowed_origins() {
        let Some(cors) = Cors::new(&POLICY, None) else {
            panic!("on");
        };
        let mut out = HeaderMap::new();
        cors.stamp(
            Some(&HeaderValue::from_static("https://app.example.com")),
            &mut out,
        );
        assert_eq!(
            out[ACCESS_CONTROL_EXPOSE_HEADERS],
            "gati-version, x-request-id"
        );
        assert_eq!(out[VARY], "origin");
        let mut out = HeaderMap::new();
        cors.stamp(
            Some(&HeaderValue::from_static("https://evil.example")),
            &mut out,
        );
        assert!(out.get(ACCESS_CONTROL_ALLOW_ORIGIN).is_none());
        assert_eq!(out[VARY], "origin", "caches must still key on the origin");
    }

    #[test]
    fn the_environment_replaces_origins_and_any_origin_drops_credentials() {
        assert!(Cors::new(&CorsPolicy::OFF, None).is_none());
        let any = vec!["*".to_owned()];
        let Some(cors) = Cors::new(&POLICY, Some(&any)) else {
            panic!("on");
        };
        let mut out = HeaderMap::new();
        cors.stamp(
            Some(&HeaderValue::from_static("https://x.example")),
            &mut out,
        );
        assert_eq!(out[ACCESS_CONTROL_ALLOW_ORIGIN], "*");
        assert!(out.get(ACCESS_CONTROL_ALLOW_CREDENTIALS).is_none());
        let none: Vec<String> = Vec::new();
        assert!(
            Cors::new(&POLICY, Some(&none)).is_none(),
            "an empty list turns it off"
        );
    }
}
