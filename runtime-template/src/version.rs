//! Timescape at run time: choosing the API version a request is served at,
//! and the headers that tell the client which version answered.
//!
//! The generated crate lists its versions (oldest first, the head last) in a
//! `static` table of [`VersionInfo`]; the server negotiates each request
//! against it before routing, because routes differ between versions.

use hyper::header::{HeaderMap, HeaderName, HeaderValue};
use serde::Serialize;

use super::codec::percent_decode;
use super::problem::{PROBLEM_JSON, Problem, with_body};
use super::server::Response;

/// `Gati-Version`: the version a client asks for, and the version a response
/// was rendered at.
pub const GATI_VERSION: HeaderName = HeaderName::from_static("gati-version");

/// `Deprecation` (RFC 9745): sent to clients on a deprecated version.
pub const DEPRECATION: HeaderName = HeaderName::from_static("deprecation");

/// `Sunset` (RFC 8594): when a version stops being served.
pub const SUNSET: HeaderName = HeaderName::from_static("sunset");

/// One released version of the API, as the generated crate declares it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VersionInfo {
    /// The version's date, `YYYY-MM-DD`; also the `Gati-Version` value.
    pub date: &'static str,
    /// The `Deprecation` header value, an RFC 9745 structured-field date
    /// (`@` and Unix seconds), for deprecated versions.
    pub deprecation: Option<&'static str>,
    /// The `Sunset` header value, an HTTP-date (`Wed, 31 Dec 2025 23:59:59 GMT`).
    pub sunset: Option<&'static str>,
    /// The same instant in Unix seconds: requests after it get 410.
    pub sunset_at: Option<i64>,
}

/// The version a request asked for, as text: the `Gati-Version` header, else
/// the `version` query parameter; `None` when it gave neither.
pub fn requested<'a>(
    headers: &'a HeaderMap,
    query: Option<&'a str>,
) -> Option<std::borrow::Cow<'a, str>> {
    requested_by(headers.get(GATI_VERSION), query)
}

/// [`requested`], given the `Gati-Version` header's value (the server finds
/// it in the same pass over the headers as `X-Request-Id`).
pub(super) fn requested_by<'a>(
    header: Option<&'a HeaderValue>,
    query: Option<&'a str>,
) -> Option<std::borrow::Cow<'a, str>> {
    if let Some(value) = header {
        // A value that is not visible ASCII can name no version.
        return Some(std::borrow::Cow::Borrowed(
            value.to_str().unwrap_or("\u{fffd}"),
        ));
    }
    let query = query?;
    query.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (key == "version").then(|| percent_decode(value, true))
    })
}

/// The index of the version in force on `date` (`YYYY-MM-DD`): the newest
/// version released on or before it. `None` for text that is not a date, or
/// a date before the first version.
pub fn round_down(date: &str, versions: &[VersionInfo]) -> Option<usize> {
    let b = date.as_bytes();
    let shaped = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shaped || date.parse::<super::scalar::Date>().is_err() {
        return None;
    }
    // ISO dates of one width sort as text.
    versions.partition_point(|v| v.date <= date).checked_sub(1)
}

/// Why a request cannot be served at the version it asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VersionError {
    /// The text names no version (400).
    Unknown(String),
    /// The version's sunset has passed (410).
    Sunset(usize),
}

/// Chooses the version of a request: the one it asked for, rounded down to a
/// released version, else `default`; `now` is the current Unix time in
/// seconds, for sunsets.
pub fn negotiate(
    headers: &HeaderMap,
    query: Option<&str>,
    versions: &[VersionInfo],
    default: usize,
    now: impl FnOnce() -> i64,
) -> Result<usize, VersionError> {
    negotiate_by(headers.get(GATI_VERSION), query, versions, default, now)
}

/// [`negotiate`], given the `Gati-Version` header's value.
pub(super) fn negotiate_by(
    header: Option<&HeaderValue>,
    query: Option<&str>,
    versions: &[VersionInfo],
    default: usize,
    now: impl FnOnce() -> i64,
) -> Result<usize, VersionError> {
    let index = match requested_by(header, query) {
        None => default,
        Some(text) => match round_down(&text, versions) {
            Some(index) => index,
            None => return Err(VersionError::Unknown(text.into_owned())),
        },
    };
    match versions.get(index).and_then(|v| v.sunset_at) {
        Some(at) if now() > at => Err(VersionError::Sunset(index)),
        _ => Ok(index),
    }
}

impl VersionError {
    /// The problem response: 400 or 410, listing the supported versions
    /// (those not sunset) in `detail` and in a `supported` member.
    pub fn into_response(self, versions: &[VersionInfo], now: i64) -> Response {
        self.into_response_for("Gati-Version", versions, now)
    }

    /// [`VersionError::into_response`] for a service whose version header
    /// is `header`, which the 400 problem tells the client to send.
    pub fn into_response_for(self, header: &str, versions: &[VersionInfo], now: i64) -> Response {
        #[derive(Serialize)]
        struct Body<'a> {
            #[serde(rename = "type")]
            type_uri: &'static str,
            title: &'static str,
            status: u16,
            detail: String,
            supported: Vec<&'a str>,
        }
        let supported: Vec<&str> = versions
            .iter()
            .filter(|v| v.sunset_at.is_none_or(|at| now <= at))
            .map(|v| v.date)
            .collect();
        let list = supported.join(", ");
        let (status, title, detail) = match self {
            VersionError::Unknown(text) => {
                let shown: String = text.chars().take(40).collect();
                (
                    400,
                    "Bad Request",
                    format!(
                        "unknown API version `{shown}`: send a `{header}` date, one of {list} (a date in between means the version in force then)"
                    ),
                )
            }
            VersionError::Sunset(index) => {
                let v = versions.get(index);
                (
                    410,
                    "Gone",
                    format!(
                        "API version {} was sunset on {}; supported versions: {list}",
                        v.map_or("?", |v| v.date),
                        v.and_then(|v| v.sunset).unwrap_or("?"),
                    ),
                )
            }
        };
        let mut buf = Vec::with_capacity(256);
        let body = Body {
            type_uri: "about:blank",
            title,
            status,
            detail,
            supported,
        };
        // Strings and numbers only: serializing cannot fail.
        let _ = serde_json::to_writer(&mut buf, &body);
        with_body(status, PROBLEM_JSON, buf)
    }
}

/// A value that cannot be carried between two versions: a request value
/// with no counterpart in a newer version (an enum value removed without a
/// `map`), or a response value with none in an older one (an enum value added
/// without a `fallback`). Generated conversions return it; it becomes a 422
/// (request) or 500 (response) problem.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConvertError {
    message: &'static str,
}

impl ConvertError {
    /// An error saying `message`.
    pub const fn new(message: &'static str) -> ConvertError {
        ConvertError { message }
    }

    /// What could not be converted.
    pub fn message(&self) -> &'static str {
        self.message
    }

    /// The 422 problem for a request at version `date` that cannot reach the head.
    pub fn request_problem(self, date: &str) -> Response {
        Problem::new(
            422,
            format!(
                "the request cannot be served at API version {date}: {}",
                self.message
            ),
        )
        .into_response()
    }

    /// The 500 problem for a response that cannot be shown at version `date`.
    pub fn response_problem(self, date: &str) -> Response {
        self.event_problem(date).into_response()
    }

    /// The problem of a response (or one event of a stream) the client's
    /// version cannot represent.
    pub fn event_problem(self, date: &str) -> Problem {
        Problem::new(
            500,
            format!(
                "the response cannot be rendered at API version {date}: {}",
                self.message
            ),
        )
    }
}

impl std::fmt::Display for ConvertError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.message)
    }
}

impl std::error::Error for ConvertError {}

/// Runs `convert`: lets generated route code use `?` across a chain of
/// version conversions without a closure call clippy would flag.
#[inline]
pub fn try_convert<T>(
    convert: impl FnOnce() -> Result<T, ConvertError>,
) -> Result<T, ConvertError> {
    convert()
}

/// The response headers of one version, validated once at startup so that
/// stamping a response neither allocates nor can fail.
#[derive(Clone, Debug)]
pub(super) struct VersionHeaders {
    pub(super) date: &'static str,
    /// The header the version is stamped in.
    name: HeaderName,
    version: Option<HeaderValue>,
    deprecation: Option<HeaderValue>,
    sunset: Option<HeaderValue>,
}

impl VersionHeaders {
    pub(super) fn new(info: &VersionInfo, name: &HeaderName) -> VersionHeaders {
        let header = |text: &'static str| {
            HeaderValue::from_str(text)
                .is_ok()
                .then(|| HeaderValue::from_static(text))
        };
        VersionHeaders {
            date: info.date,
            name: name.clone(),
            version: header(info.date),
            deprecation: info.deprecation.and_then(header),
            sunset: info.sunset.and_then(header),
        }
    }

    /// Adds the version header (`Gati-Version` unless the service names
    /// another), and `Deprecation` / `Sunset` where declared.
    pub(super) fn stamp(&self, headers: &mut HeaderMap) {
        if let Some(v) = &self.version {
            headers.insert(self.name.clone(), v.clone());
        }
        if let Some(v) = &self.deprecation {
            headers.insert(DEPRECATION, v.clone());
        }
        if let Some(v) = &self.sunset {
            headers.insert(SUNSET, v.clone());
        }
    }
}

/// The version header `name` (lowercase, as [`Service::version_header`]
/// returns it) as a [`HeaderName`], once at startup: a static one, so that
/// comparing and stamping it never allocates; an error for text that is not
/// a lowercase header name.
///
/// [`Service::version_header`]: super::server::Service::version_header
pub(super) fn header_name(name: &'static str) -> std::io::Result<HeaderName> {
    match HeaderName::from_bytes(name.as_bytes()) {
        Ok(parsed) if parsed.as_str() == name => Ok(HeaderName::from_static(name)),
        _ => Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("the version header {name:?} is not a lowercase HTTP header name"),
        )),
    }
}

/// The current Unix time in seconds.
pub(super) fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    const VERSIONS: [VersionInfo; 3] = [
        VersionInfo {
            date: "2024-01-01",
            deprecation: Some("@1717200000"),
            sunset: Some("Tue, 31 Dec 2030 23:59:59 GMT"),
            sunset_at: Some(1_925_078_399),
        },
        VersionInfo {
            date: "2024-06-01",
            deprecation: None,
            sunset: None,
            sunset_at: None,
        },
        VersionInfo {
            date: "2025-01-01",
            deprecation: None,
            sunset: None,
            sunset_at: None,
        },
    ];

    #[test]
    fn rounds_down_to_the_version_in_force() {
        let cases: &[(&str, Option<usize>)] = &[
            ("2024-01-01", Some(0)),
            ("2024-03-15", Some(0)),
            ("2024-06-01", Some(1)),
            ("2024-12-31", Some(1)),
            ("2025-01-01", Some(2)),
            ("2099-12-31", Some(2)),
            ("2023-12-31", None),
            ("2024-02-30", None),
            ("2024-1-01", None),
            ("20240101", None),
            ("+024-01-01", None),
            ("", None),
            ("latest", None),
        ];
        for (text, want) in cases {
            assert_eq!(round_down(text, &VERSIONS), *want, "{text}");
        }
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(HeaderName::from_static(k), HeaderValue::from_static(v));
        }
        map
    }

    #[test]
    fn negotiates_from_header_query_or_default() {
        let now = || 1_800_000_000;
        let none = headers(&[]);
        let cases: &[(HeaderMap, Option<&str>, Result<usize, VersionError>)] = &[
            (none.clone(), None, Ok(2)),
            (none.clone(), Some("a=1&b"), Ok(2)),
            (headers(&[("gati-version", "2024-06-01")]), None, Ok(1)),
            (none.clone(), Some("x=1&version=2024-02-01"), Ok(0)),
            (none.clone(), Some("version=2024%2D07%2D01"), Ok(1)),
            // The header wins over the query.
            (
                headers(&[("gati-version", "2025-02-01")]),
                Some("version=2024-01-01"),
                Ok(2),
            ),
            (
                headers(&[("gati-version", "2020-01-01")]),
                None,
                Err(VersionError::Unknown("2020-01-01".into())),
            ),
            (
                none.clone(),
                Some("version="),
                Err(VersionError::Unknown(String::new())),
            ),
        ];
        for (h, q, want) in cases {
            assert_eq!(&negotiate(h, *q, &VERSIONS, 2, now), want, "{h:?} {q:?}");
        }
        assert_eq!(negotiate(&none, None, &VERSIONS, 0, now), Ok(0));
        // After the sunset, the version is gone.
        let late = || 1_925_078_400;
        assert_eq!(
            negotiate(&none, None, &VERSIONS, 0, late),
            Err(VersionError::Sunset(0))
        );
        assert_eq!(negotiate(&none, None, &VERSIONS, 1, late), Ok(1));
    }

    #[test]
    fn problems_list_the_supported_versions() {
        let response = VersionError::Unknown("1999-01-01".into()).into_response(&VERSIONS, 0);
        assert_eq!(response.status().as_u16(), 400);
        let gone = VersionError::Sunset(0).into_response(&VERSIONS, 1_925_078_400);
        assert_eq!(gone.status().as_u16(), 410);
    }

    #[test]
    fn stamps_headers() {
        let mut map = HeaderMap::new();
        VersionHeaders::new(&VERSIONS[0], &GATI_VERSION).stamp(&mut map);
        assert_eq!(
            map.get(GATI_VERSION).map(|v| v.as_bytes()),
            Some(&b"2024-01-01"[..])
        );
        assert_eq!(
            map.get(DEPRECATION).map(|v| v.as_bytes()),
            Some(&b"@1717200000"[..])
        );
        assert!(map.get(SUNSET).is_some());
        let mut map = HeaderMap::new();
        VersionHeaders::new(&VERSIONS[2], &GATI_VERSION).stamp(&mut map);
        assert_eq!(map.len(), 1);
    }
}
