//! Error responses as RFC 9457 problem details, and the JSON response builders.

use bytes::Bytes;
use hyper::StatusCode;
use hyper::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderName, HeaderValue, X_CONTENT_TYPE_OPTIONS};
use serde::Serialize;
use std::sync::atomic::{AtomicU32, Ordering::Relaxed};

use super::body::ResponseBody;
use super::server::Response;

/// The media type of every error response.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An RFC 9457 problem: the body of every error response the runtime writes.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Problem {
    /// A URI naming the kind of problem; `about:blank` when the status says it all.
    #[serde(rename = "type")]
    pub type_uri: &'static str,
    /// A short summary; the status code's reason phrase for `about:blank`.
    pub title: &'static str,
    /// The HTTP status code.
    pub status: u16,
    /// A human-readable explanation of this occurrence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Every invalid value found in the request (400 and 422 only), up to
    /// the server's `max_violations`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub violations: Vec<Violation>,
    /// Whether `violations` lists only the first of more (then `total`
    /// counts them all).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
    /// How many invalid values were found, when `violations` is truncated
    /// (0 otherwise; at most `u32::MAX`).
    #[serde(skip_serializing_if = "is_zero")]
    pub total: u32,
    /// Extra response headers, such as `Allow`, `Retry-After` or `WWW-Authenticate`.
    #[serde(skip)]
    pub headers: Vec<(HeaderName, HeaderValue)>,
}

/// Where in the request an invalid value was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Location {
    /// The JSON body.
    Body,
    /// A path parameter.
    Path,
    /// A query parameter.
    Query,
    /// A request header.
    Header,
    /// A cookie.
    Cookie,
}

/// One invalid value in a request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// The part of the request holding the value.
    pub location: Location,
    /// An RFC 6901 JSON pointer into the body, or `/name` for a parameter.
    pub pointer: String,
    /// The rule broken: `len`, `range`, `items`, `pattern`, `format`, `type`
    /// or `required`.
    pub rule: &'static str,
    /// What is wrong, for people.
    pub message: String,
}

impl Problem {
    /// A problem of type `about:blank` titled with the status's reason phrase
    /// (a status outside 100 to 999 becomes 500).
    pub fn new(status: u16, detail: impl Into<String>) -> Problem {
        let status = status_code(status).as_u16();
        let detail = detail.into();
        Problem {
            type_uri: "about:blank",
            title: reason(status),
            status,
            detail: (!detail.is_empty()).then_some(detail),
            violations: Vec::new(),
            truncated: false,
            total: 0,
            headers: Vec::new(),
        }
    }

    /// A 400 or 422 listing the violations found (the first
    /// `max_violations` of them, then `truncated` and the `total`).
    pub fn invalid(status: u16, violations: impl Into<Violations>) -> Problem {
        let violations = violations.into();
        let total = violations.total;
        let detail = match total {
            1 => "the request has 1 invalid value".to_owned(),
            n => format!("the request has {n} invalid values"),
        };
        let truncated = total > violations.list.len() as u64;
        Problem {
            violations: violations.list,
            truncated,
            total: if truncated {
                u32::try_from(total).unwrap_or(u32::MAX)
            } else {
                0
            },
            ..Problem::new(status, detail)
        }
    }

    /// Adds a header to the response this problem becomes.
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Problem {
        self.headers.push((name, value));
        self
    }

    /// The problem's JSON, as its response's body carries it.
    pub fn to_json(&self) -> Vec<u8> {
        let mut buf = Vec::with_capacity(160 + 96 * self.violations.len());
        // Serializing this struct cannot fail: every field is a string,
        // a number or a list of those.
        let _ = serde_json::to_writer(&mut buf, self);
        buf
    }

    /// The `application/problem+json` response.
    pub fn into_response(self) -> Response {
        let buf = self.to_json();
        let mut response = with_body(self.status, PROBLEM_JSON, buf);
        for (name, value) in self.headers {
            response.headers_mut().append(name, value);
        }
        response
    }
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// The most violations a [`Violations`] keeps, set once by the server from
/// `Config::max_violations`.
static MAX_VIOLATIONS: AtomicU32 = AtomicU32::new(50);

/// The longest pointer or message a kept violation carries, in bytes: a
/// hostile body's long keys must not make the answer large.
const MAX_VIOLATION_TEXT: usize = 256;

/// Sets how many violations every later [`Violations`] keeps (at least 1).
pub(super) fn set_max_violations(max: u32) {
    MAX_VIOLATIONS.store(max.max(1), Relaxed);
}

/// The violations found in one request: the first `max_violations` kept,
/// all of them counted, so that a hostile body with many bad values costs a
/// bounded amount of memory and gets a bounded answer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Violations {
    list: Vec<Violation>,
    total: u64,
}

impl Violations {
    /// No violations yet.
    pub fn new() -> Violations {
        Violations::default()
    }

    /// Whether another violation would be kept.
    fn keeps_more(&self) -> bool {
        self.list.len() < MAX_VIOLATIONS.load(Relaxed) as usize
    }

    /// Records a violation: kept while there is room, counted always.
    pub fn push(&mut self, mut violation: Violation) {
        self.total += 1;
        if self.keeps_more() {
            cap_text(&mut violation.pointer);
            cap_text(&mut violation.message);
            self.list.push(violation);
        }
    }

    /// Whether none was found.
    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// How many were found, kept or not.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// The ones kept, in the order found.
    pub fn kept(&self) -> &[Violation] {
        &self.list
    }

    /// A mark to pass to [`Violations::relocate`].
    pub fn mark(&self) -> usize {
        self.list.len()
    }

    /// Sets the location of every violation kept since `mark`.
    pub fn relocate(&mut self, mark: usize, location: Location) {
        for violation in self.list.iter_mut().skip(mark) {
            violation.location = location;
        }
    }
}

impl From<Vec<Violation>> for Violations {
    fn from(found: Vec<Violation>) -> Violations {
        let mut violations = Violations::new();
        for violation in found {
            violations.push(violation);
        }
        violations
    }
}

/// Cuts a text to [`MAX_VIOLATION_TEXT`] bytes (at a character boundary),
/// marking the cut with an ellipsis.
fn cap_text(text: &mut String) {
    if text.len() > MAX_VIOLATION_TEXT {
        let end = char_prefix(text, MAX_VIOLATION_TEXT - 3).len();
        text.truncate(end);
        text.push('…');
    }
}

/// The longest prefix of `text` of at most `max` bytes that ends at a
/// character boundary: how every bounded text the runtime writes is cut.
pub(super) fn char_prefix(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

impl From<Problem> for Response {
    fn from(problem: Problem) -> Response {
        problem.into_response()
    }
}

/// A declared error: `{"type": type_uri, "title": title, "status": status,
/// ...payload's fields as extension members}` as `application/problem+json`.
///
/// A payload that does not serialize to a JSON object adds no members.
pub fn declared_problem<T: Serialize>(
    status: u16,
    type_uri: &'static str,
    title: &'static str,
    payload: &T,
) -> Response {
    #[derive(Serialize)]
    struct Head {
        #[serde(rename = "type")]
        type_uri: &'static str,
        title: &'static str,
        status: u16,
    }
    let mut buf = Vec::with_capacity(256);
    if serde_json::to_writer(
        &mut buf,
        &Head {
            type_uri,
            title,
            status,
        },
    )
    .is_err()
    {
        return Problem::new(500, "").into_response();
    }
    // Reopen the head object and splice the payload's members into it, all in
    // the one buffer.
    buf.pop();
    let start = buf.len();
    if serde_json::to_writer(&mut buf, payload).is_err() {
        return Problem::new(500, "the error payload could not be serialized").into_response();
    }
    match buf[start..].first() {
        Some(b'{') if buf.len() - start > 2 => buf[start] = b',',
        _ => {
            buf.truncate(start);
            buf.push(b'}');
        }
    }
    with_body(status, PROBLEM_JSON, buf)
}

/// A raw response (`returns bytes "image/png"`): `body` as it is, with
/// `content_type` (for text, `text/plain; charset=utf-8` and the like).
pub fn raw_response(status: u16, content_type: &'static str, body: Bytes) -> Response {
    let mut response = Response::new(ResponseBody::full(body));
    *response.status_mut() = status_code(status);
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// `value` as an `application/json` response (a 500 problem if it cannot be
/// serialized).
///
/// The value is serialized into a per-thread buffer that stays warm between
/// responses, then copied into a body of exactly its length. That is one
/// allocation per response; a fresh `Vec` would be two or more (its own,
/// each time it grows, and the shared header `Bytes` allocates for a `Vec`
/// whose length is not its capacity).
pub fn json_response<T: Serialize>(status: u16, value: &T) -> Response {
    /// A buffer larger than this after a response is given back, so that one
    /// large answer does not pin its size to the thread.
    const KEEP: usize = 64 * 1024;
    thread_local! {
        static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    let serialize = |buf: &mut Vec<u8>| {
        buf.clear();
        let written = serde_json::to_writer(&mut *buf, value).map(|()| buf.to_vec());
        if buf.capacity() > KEEP {
            *buf = Vec::new();
        }
        written
    };
    // A `Serialize` that itself builds a response on this thread finds the
    // buffer taken and gets a fresh one.
    let written = BUFFER
        .try_with(|cell| match cell.try_borrow_mut() {
            Ok(mut buf) => serialize(&mut buf),
            Err(_) => serialize(&mut Vec::new()),
        })
        .unwrap_or_else(|_| serialize(&mut Vec::new()));
    match written {
        Ok(body) => with_body(status, "application/json", body),
        Err(_) => Problem::new(500, "the response could not be serialized").into_response(),
    }
}

/// A response with no body.
pub fn empty_response(status: u16) -> Response {
    let mut response = Response::new(ResponseBody::empty());
    *response.status_mut() = status_code(status);
    response
}

/// A response with `body` of type `content_type`.
pub(super) fn with_body(status: u16, content_type: &'static str, body: Vec<u8>) -> Response {
    // The common type as a constant: `from_static` on a value known only at
    // run time checks every byte again.
    const JSON: HeaderValue = HeaderValue::from_static("application/json");
    let value = if content_type == "application/json" {
        JSON
    } else {
        HeaderValue::from_static(content_type)
    };
    let mut response = Response::new(ResponseBody::full(body));
    *response.status_mut() = status_code(status);
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, value);
    if content_type == PROBLEM_JSON {
        // A problem describes one request at one moment: no cache may keep
        // it, and no browser may sniff it into something executable. A
        // layer (`serve_with`) may still replace either.
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    }
    response
}

/// The status code, or 500 for a number that is not one.
fn status_code(status: u16) -> StatusCode {
    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// The reason phrase of a status code, for problem titles.
pub(super) fn reason(status: u16) -> &'static str {
    StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error")
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;
    use hyper::header::ALLOW;

    async fn body(response: Response) -> (u16, String, serde_json::Value) {
        let status = response.status().as_u16();
        let ct = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let bytes = response
            .into_body()
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        let json = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
        (status, ct, json)
    }

    #[tokio::test]
    async fn problems() {
        use serde_json::json;
        let v = Violation {
            location: Location::Query,
            pointer: "/limit".into(),
            rule: "range",
            message: "must be at most 100".into(),
        };
        let allow = HeaderValue::from_static("GET, POST");
        let with_allow = Problem::new(405, "")
            .with_header(ALLOW, allow.clone())
            .into_response();
        assert_eq!(with_allow.headers().get(ALLOW), Some(&allow));
        let cases = vec![
            (
                Problem::new(404, "no route for /x").into_response(),
                404,
                json!({"type": "about:blank", "title": "Not Found", "status": 404, "detail": "no route for /x"}),
            ),
            (
                with_allow,
                405,
                json!({"type": "about:blank", "title": "Method Not Allowed", "status": 405}),
            ),
            (
                Problem::invalid(422, vec![v]).into_response(),
                422,
                json!({"type": "about:blank", "title": "Unprocessable Entity", "status": 422,
                    "detail": "the request has 1 invalid value",
                    "violations": [{"location": "query", "pointer": "/limit", "rule": "range", "message": "must be at most 100"}]}),
            ),
            (
                Problem::new(799, "odd").into_response(),
                799,
                json!({"type": "about:blank", "title": "Error", "status": 799, "detail": "odd"}),
            ),
            (
                Problem::new(1000, "").into_response(),
                500,
                json!({"type": "about:blank", "title": "Internal Server Error", "status": 500}),
            ),
        ];
        for (response, status, want) in cases {
            assert_eq!(
                body(response).await,
                (status, PROBLEM_JSON.to_owned(), want)
            );
        }
    }

    #[tokio::test]
    async fn declared() {
        use serde_json::json;
        #[derive(Serialize)]
        struct NotFound {
            id: u32,
            hint: &'static str,
        }
        #[derive(Serialize)]
        struct Empty {}
        let t = "https://example.com/errors/not-found";
        let cases = vec![
            (
                declared_problem(404, t, "User not found", &NotFound { id: 7, hint: "}{" }),
                json!({"type": t, "title": "User not found", "status": 404, "id": 7, "hint": "}{"}),
            ),
            (
                declared_problem(409, t, "Conflict", &Empty {}),
                json!({"type": t, "title": "Conflict", "status": 409}),
            ),
            (
                declared_problem(409, t, "Conflict", &()),
                json!({"type": t, "title": "Conflict", "status": 409}),
            ),
            (
                declared_problem(409, t, "Conflict", &[1, 2]),
                json!({"type": t, "title": "Conflict", "status": 409}),
            ),
        ];
        for (response, want) in cases {
            let (status, ct, json) = body(response).await;
            assert_eq!((ct.as_str(), &json), (PROBLEM_JSON, &want));
            assert_eq!(json["status"], status);
        }
    }

    #[tokio::test]
    async fn json_and_empty() {
        let (status, ct, json) =
            body(json_response(201, &serde_json::json!({"a": [1, "b"]}))).await;
        assert_eq!(
            (status, ct.as_str(), json),
            (201, "application/json", serde_json::json!({"a": [1, "b"]}))
        );
        let mut bad = std::collections::BTreeMap::new();
        bad.insert(vec![1u8], 1);
        let (status, ct, _) = body(json_response(200, &bad)).await;
        assert_eq!((status, ct.as_str()), (500, PROBLEM_JSON));
        let empty = empty_response(204);
        assert_eq!(empty.status(), 204);
        assert!(empty.headers().get(CONTENT_TYPE).is_none());
    }

    /// The per-thread buffer leaves nothing of one response in the next: not
    /// after a large one (whose buffer is given back), nor after a failed one
    /// (which wrote part of its value before failing).
    #[tokio::test]
    async fn json_responses_in_a_row_are_independent() {
        let large = "x".repeat(100_000);
        let mut partial = std::collections::BTreeMap::new();
        partial.insert(vec![1u8], 1);
        let responses = [
            (json_response(200, &large), serde_json::json!(large)),
            (json_response(200, &"small"), serde_json::json!("small")),
            (json_response(200, &[&large]), serde_json::json!([large])),
        ];
        for (response, want) in responses {
            let (status, _, json) = body(response).await;
            assert_eq!((status, json), (200, want));
        }
        let (status, _, _) = body(json_response(200, &(1, partial))).await;
        assert_eq!(status, 500);
        let (status, _, json) = body(json_response(200, &[2])).await;
        assert_eq!((status, json), (200, serde_json::json!([2])));
    }
}
