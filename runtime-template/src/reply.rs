//! `Reply<T, H>`: what a handler answers with on success — a value it owns,
//! or one it shares with other requests; the response headers its route
//! declares (`H`); and any further headers and cookies it sets.

use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use hyper::header::{HeaderMap, HeaderName, HeaderValue, SET_COOKIE};
use serde::Serialize;

use super::problem::Problem;
use super::server::Response;

/// A handler's successful answer: the route's response value, owned or
/// shared, with the headers the route declares (`H`, `()` when it declares
/// none) and any others the handler adds.
///
/// Build one with `.into()` from the value (`Ok(person.into())`), or from an
/// `Arc` of it to answer from shared state — a cache, an in-memory table —
/// without copying the value: the head version serializes it where it lies.
/// Only a client of an older version, whose response is converted from the
/// head's types, takes a copy of a shared value (when no other reference to
/// it is left, not even that).
///
/// A route with `returns 201 Charge headers { location: url }` answers
/// `Reply<Charge, CreateChargeHeaders>`: `Ok(Reply::new(charge).headers(
/// CreateChargeHeaders { location }))`, so the compiler sees that every
/// declared header is set. [`Reply::header`] and [`Reply::cookie`] add
/// headers the spec does not declare (`Cache-Control`, `Set-Cookie`).
pub struct Reply<T, H = ()> {
    value: Value<T>,
    headers: H,
    extra: Extra,
}

/// Where a reply's value lives.
enum Value<T> {
    Owned(T),
    Shared(Arc<T>),
}

impl<T> Reply<T> {
    /// A reply that owns `value`.
    pub fn new(value: T) -> Reply<T> {
        Reply {
            value: Value::Owned(value),
            headers: (),
            extra: Extra::default(),
        }
    }

    /// A reply that shares `value` with whoever else holds it.
    pub fn shared(value: Arc<T>) -> Reply<T> {
        Reply {
            value: Value::Shared(value),
            headers: (),
            extra: Extra::default(),
        }
    }
}

impl<T, H> Reply<T, H> {
    /// The same reply with the route's declared response headers.
    pub fn headers<D>(self, headers: D) -> Reply<T, D> {
        Reply {
            value: self.value,
            headers,
            extra: self.extra,
        }
    }

    /// Adds a header the spec does not declare (`Cache-Control`, say); a
    /// name given twice is sent twice.
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Reply<T, H> {
        self.extra.push(Added::Header(name, value));
        self
    }

    /// Adds a `Set-Cookie` header.
    pub fn cookie(mut self, cookie: SetCookie) -> Reply<T, H> {
        self.extra.push(Added::Cookie(cookie));
        self
    }

    /// The value, the declared headers and the added ones, apart (generated
    /// code serializes the value, then writes the headers).
    pub fn split(self) -> (Reply<T>, H, Extra) {
        let value = Reply {
            value: self.value,
            headers: (),
            extra: Extra::default(),
        };
        (value, self.headers, self.extra)
    }

    /// The declared headers.
    pub fn declared(&self) -> &H {
        &self.headers
    }

    /// The value if the reply owns it, or shares it with no one else.
    pub fn into_owned(self) -> Option<T> {
        match self.value {
            Value::Owned(value) => Some(value),
            Value::Shared(value) => Arc::into_inner(value),
        }
    }

    /// The value, copied only if it is shared and still referenced elsewhere.
    pub fn into_inner(self) -> T
    where
        T: Clone,
    {
        match self.value {
            Value::Owned(value) => value,
            Value::Shared(value) => Arc::unwrap_or_clone(value),
        }
    }
}

/// Headers a handler added to its reply beyond the declared ones; nothing
/// (and no allocation) unless it added some.
#[derive(Clone, Debug, Default)]
pub struct Extra(Vec<Added>);

/// One added header.
#[derive(Clone, Debug)]
enum Added {
    Header(HeaderName, HeaderValue),
    Cookie(SetCookie),
}

impl Extra {
    fn push(&mut self, added: Added) {
        self.0.push(added);
    }

    /// `response` with the added headers; a cookie that cannot be a header
    /// (a name that is not a token) makes it a 500 problem, logged, rather
    /// than a response without it.
    pub fn finish(self, mut response: Response) -> Response {
        if self.0.is_empty() {
            return response;
        }
        let headers = response.headers_mut();
        for added in self.0 {
            match added {
                Added::Header(name, value) => {
                    headers.append(name, value);
                }
                Added::Cookie(cookie) => match cookie.to_header() {
                    Some(value) => {
                        headers.append(SET_COOKIE, value);
                    }
                    None => {
                        return invalid_header("Set-Cookie", &cookie.name);
                    }
                },
            }
        }
        response
    }
}

/// The 500 of a handler that set a header that cannot be sent.
fn invalid_header(header: &str, what: &str) -> Response {
    let line = serde_json::json!({
        "level": "error",
        "msg": "a handler set a header that cannot be sent",
        "header": header,
        "value": what,
    });
    eprintln!("{line}");
    Problem::new(
        500,
        format!("the handler set a {header} header that cannot be sent"),
    )
    .into_response()
}

/// Writes the declared response header `name` with `value` as its text (a
/// string as is; a number, boolean, UUID, date or enum as its JSON text).
/// A value that cannot be a header (a string with a line break) is an
/// error: the handler's answer becomes a 500 problem, never a response
/// without the header.
pub fn put_header<V: Serialize>(
    out: &mut HeaderMap,
    name: &'static str,
    value: &V,
) -> Result<(), Problem> {
    let text = match serde_json::to_value(value) {
        Ok(serde_json::Value::String(text)) => text,
        Ok(serde_json::Value::Number(n)) => n.to_string(),
        Ok(serde_json::Value::Bool(b)) => b.to_string(),
        _ => String::new(),
    };
    match HeaderValue::from_str(&text) {
        Ok(value) if !text.is_empty() => {
            out.insert(HeaderName::from_static(name), value);
            Ok(())
        }
        _ => {
            let line = serde_json::json!({
                "level": "error",
                "msg": "a handler set a header that cannot be sent",
                "header": name,
            });
            eprintln!("{line}");
            Err(Problem::new(
                500,
                format!("the handler set a {name} header that cannot be sent"),
            ))
        }
    }
}

/// `response` as `304 Not Modified` when `request` is a `GET` or `HEAD`
/// whose `If-None-Match` names the response's `ETag` (or is `*`), compared
/// weakly as RFC 9110 §13.1.2 says: the 304 keeps the headers a cache needs
/// (`ETag`, `Cache-Control`, `Vary`, the version headers…) and drops the
/// body. Anything else passes unchanged. Generated for `GET` routes that
/// declare an `ETag` response header.
pub fn not_modified(request: &super::codec::Request, response: Response) -> Response {
    use hyper::header::{CONTENT_LENGTH, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
    let method = &request.parts.method;
    if response.status() != hyper::StatusCode::OK
        || (method != hyper::Method::GET && method != hyper::Method::HEAD)
    {
        return response;
    }
    let Some(etag) = response.headers().get(ETAG).and_then(|v| v.to_str().ok()) else {
        return response;
    };
    let weak = |tag: &str| tag.trim().trim_start_matches("W/").to_owned();
    let ours = weak(etag);
    let matches = request
        .parts
        .headers
        .get_all(IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|tag| tag.trim() == "*" || weak(tag) == ours);
    if !matches {
        return response;
    }
    let (mut parts, _) = response.into_parts();
    parts.status = hyper::StatusCode::NOT_MODIFIED;
    parts.headers.remove(CONTENT_TYPE);
    parts.headers.remove(CONTENT_LENGTH);
    Response::from_parts(parts, super::body::ResponseBody::empty())
}

/// A `Set-Cookie` header (RFC 6265), secure by default: `Path=/`,
/// `Secure`, `HttpOnly` and `SameSite=Lax` unless changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetCookie {
    name: String,
    value: String,
    path: Option<String>,
    domain: Option<String>,
    max_age: Option<Duration>,
    secure: bool,
    http_only: bool,
    same_site: Option<SameSite>,
}

/// A cookie's `SameSite` attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SameSite {
    /// Sent only with same-site requests.
    Strict,
    /// Also sent with top-level navigations from other sites.
    Lax,
    /// Sent with cross-site requests too (needs `Secure`).
    None,
}

impl SetCookie {
    /// Cookie `name` with `value` (bytes a cookie may not carry — spaces,
    /// `;`, `,`, quotes, backslashes, controls, non-ASCII — are
    /// percent-encoded).
    pub fn new(name: impl Into<String>, value: impl AsRef<[u8]>) -> SetCookie {
        let mut encoded = String::new();
        for &b in value.as_ref() {
            let allowed = matches!(b, 0x21 | 0x23..=0x2b | 0x2d..=0x3a | 0x3c..=0x5b | 0x5d..=0x7e)
                && b != b'%';
            if allowed {
                encoded.push(char::from(b));
            } else {
                encoded.push_str(&format!("%{b:02X}"));
            }
        }
        SetCookie {
            name: name.into(),
            value: encoded,
            path: Some("/".to_owned()),
            domain: None,
            max_age: None,
            secure: true,
            http_only: true,
            same_site: Some(SameSite::Lax),
        }
    }

    /// A cookie that removes `name` from the client (`Max-Age=0`).
    pub fn removal(name: impl Into<String>) -> SetCookie {
        SetCookie::new(name, "").max_age(Duration::ZERO)
    }

    /// `Path` (`None`: the request's path decides).
    pub fn path(mut self, path: Option<&str>) -> SetCookie {
        self.path = path.map(str::to_owned);
        self
    }

    /// `Domain`.
    pub fn domain(mut self, domain: &str) -> SetCookie {
        self.domain = Some(domain.to_owned());
        self
    }

    /// `Max-Age`, in whole seconds.
    pub fn max_age(mut self, age: Duration) -> SetCookie {
        self.max_age = Some(age);
        self
    }

    /// `Secure` (on by default).
    pub fn secure(mut self, on: bool) -> SetCookie {
        self.secure = on;
        self
    }

    /// `HttpOnly` (on by default).
    pub fn http_only(mut self, on: bool) -> SetCookie {
        self.http_only = on;
        self
    }

    /// `SameSite` (`Lax` by default; `None` leaves the attribute out).
    pub fn same_site(mut self, same_site: Option<SameSite>) -> SetCookie {
        self.same_site = same_site;
        self
    }

    /// The header's value; `None` when the name is not a token or an
    /// attribute holds a byte a header cannot.
    pub fn to_header(&self) -> Option<HeaderValue> {
        let token = |s: &str| {
            !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
        };
        if !token(&self.name) {
            return None;
        }
        let mut text = format!("{}={}", self.name, self.value);
        if let Some(path) = &self.path {
            text.push_str(&format!("; Path={path}"));
        }
        if let Some(domain) = &self.domain {
            text.push_str(&format!("; Domain={domain}"));
        }
        if let Some(age) = self.max_age {
            text.push_str(&format!("; Max-Age={}", age.as_secs()));
        }
        if self.secure {
            text.push_str("; Secure");
        }
        if self.http_only {
            text.push_str("; HttpOnly");
        }
        match self.same_site {
            Some(SameSite::Strict) => text.push_str("; SameSite=Strict"),
            Some(SameSite::Lax) => text.push_str("; SameSite=Lax"),
            Some(SameSite::None) => text.push_str("; SameSite=None"),
            None => {}
        }
        if text.contains(['\r', '\n']) {
            return None;
        }
        HeaderValue::from_str(&text).ok()
    }
}

impl<T, H> Deref for Reply<T, H> {
    type Target = T;

    fn deref(&self) -> &T {
        match &self.value {
            Value::Owned(value) => value,
            Value::Shared(value) => value,
        }
    }
}

impl<T> From<T> for Reply<T> {
    fn from(value: T) -> Reply<T> {
        Reply::new(value)
    }
}

impl<T> From<Arc<T>> for Reply<T> {
    fn from(value: Arc<T>) -> Reply<T> {
        Reply::shared(value)
    }
}

impl<T: std::fmt::Debug, H> std::fmt::Debug for Reply<T, H> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        (**self).fmt(f)
    }
}

impl<T: Clone, H: Clone> Clone for Reply<T, H> {
    fn clone(&self) -> Reply<T, H> {
        let value = match &self.value {
            Value::Owned(value) => Value::Owned(value.clone()),
            Value::Shared(value) => Value::Shared(Arc::clone(value)),
        };
        Reply {
            value,
            headers: self.headers.clone(),
            extra: self.extra.clone(),
        }
    }
}

impl<T: PartialEq, H> PartialEq for Reply<T, H> {
    fn eq(&self, other: &Reply<T, H>) -> bool {
        **self == **other
    }
}

impl<T: PartialEq, H> PartialEq<T> for Reply<T, H> {
    fn eq(&self, other: &T) -> bool {
        **self == *other
    }
}

#[cfg(test)]
mod tests {
    use super::super::problem::empty_response;
    use super::*;

    #[test]
    fn owned_and_shared_read_alike() {
        let owned: Reply<String> = "a".to_string().into();
        let shared: Reply<String> = Arc::new("a".to_string()).into();
        assert_eq!(&*owned, "a");
        assert_eq!(owned, shared);
        assert_eq!(shared, "a".to_string());
        assert_eq!(format!("{shared:?}"), "\"a\"");
    }

    #[test]
    fn into_inner_copies_only_a_value_still_shared() {
        let table = Arc::new(vec![1, 2, 3]);
        let reply = Reply::shared(Arc::clone(&table));
        let copy = reply.into_inner();
        assert_eq!(copy, [1, 2, 3]);
        assert_eq!(
            Arc::strong_count(&table),
            1,
            "the reply's reference is gone"
        );

        let only = Arc::new(vec![4]);
        let pointer = only.as_ptr();
        let moved = Reply::shared(only).into_inner();
        assert_eq!(moved.as_ptr(), pointer, "the last reference moves out");
    }

    #[test]
    fn added_headers_and_cookies() {
        let reply = Reply::new(1)
            .header(
                hyper::header::CACHE_CONTROL,
                HeaderValue::from_static("max-age=60"),
            )
            .cookie(SetCookie::new("session", "a b;c"))
            .cookie(SetCookie::removal("old").same_site(None).path(None));
        let (_, (), extra) = reply.split();
        let response = extra.finish(empty_response(200));
        let h = response.headers();
        assert_eq!(h["cache-control"], "max-age=60");
        let cookies: Vec<_> = h.get_all(SET_COOKIE).iter().collect();
        assert_eq!(
            cookies,
            [
                "session=a%20b%3Bc; Path=/; Secure; HttpOnly; SameSite=Lax",
                "old=; Max-Age=0; Secure; HttpOnly"
            ]
        );
        let bad = Reply::new(1).cookie(SetCookie::new("a b", "v"));
        let (_, (), extra) = bad.split();
        assert_eq!(extra.finish(empty_response(200)).status().as_u16(), 500);
        let (_, (), nothing) = Reply::new(1).split();
        assert_eq!(nothing.finish(empty_response(204)).headers().len(), 0);
    }

    #[test]
    fn if_none_match_makes_a_304() {
        let request = |method: &str, tag: Option<&str>| {
            let mut builder = hyper::Request::builder().method(method).uri("/a");
            if let Some(tag) = tag {
                builder = builder.header("if-none-match", tag);
            }
            let (parts, ()) = builder.body(()).unwrap_or_default().into_parts();
            super::super::codec::Request {
                parts,
                body: bytes::Bytes::new(),
                params: super::super::codec::PathParams::new(),
            }
        };
        let response = || {
            let mut r = super::super::problem::json_response(200, &1);
            r.headers_mut()
                .insert(hyper::header::ETAG, HeaderValue::from_static("\"v1\""));
            r
        };
        let status = |method, tag| {
            not_modified(&request(method, tag), response())
                .status()
                .as_u16()
        };
        assert_eq!(status("GET", Some("\"v1\"")), 304);
        assert_eq!(status("GET", Some("W/\"v1\", \"v0\"")), 304);
        assert_eq!(status("HEAD", Some("*")), 304);
        assert_eq!(status("GET", Some("\"v2\"")), 200);
        assert_eq!(status("GET", None), 200);
        assert_eq!(status("PUT", Some("\"v1\"")), 200);
        let answer = not_modified(&request("GET", Some("\"v1\"")), response());
        assert!(answer.headers().get("content-type").is_none());
        assert_eq!(answer.headers()["etag"], "\"v1\"");
    }

    #[test]
    fn declared_headers_are_written_as_text() {
        let mut out = HeaderMap::new();
        assert!(put_header(&mut out, "location", &"/charges/1").is_ok());
        assert!(put_header(&mut out, "x-count", &42).is_ok());
        assert_eq!(out["location"], "/charges/1");
        assert_eq!(out["x-count"], "42");
        assert!(put_header(&mut out, "etag", &"a\nb").is_err());
    }
}
