//! Access logs: one JSON line per request on stdout (`GATI_ACCESS_LOG`).
//!
//! The server writes a line once a request's answer is decided, where it
//! observes its metrics. Off by default; when off, the server keeps no
//! [`AccessLogger`] and the cost is one branch per request. The line's
//! fields are stable (see the runtime's README): `time`, `level`, `msg`,
//! `request_id`, `method`, `path`, `route`, `version`, `principal` (the
//! authenticated caller's id, where the route authenticates one),
//! `status`, `latency_ms`, `bytes_in`, `bytes_out` and `peer`, and
//! `trace_id` and `span_id` when the request is traced (tracing off,
//! nothing is added).
//! Header values, query strings and bodies never go into it.

use std::io::Write;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, SystemTime};

use super::config::{AccessLog, Config, SAMPLE_ALL};

/// The longest path a line carries, in bytes: a hostile client's long
/// paths must not make the log large.
const MAX_PATH: usize = 256;

/// Which requests get a line, and the count that sampling runs on.
pub(super) struct AccessLogger {
    /// Whether only errors (4xx and 5xx) are logged.
    errors_only: bool,
    /// The share of successes logged, in millionths.
    sample: u32,
    /// Successful requests seen so far, for sampling.
    successes: AtomicU64,
}

impl AccessLogger {
    /// The logger the configuration asks for; `None` when the log is off.
    pub(super) fn new(config: &Config) -> Option<AccessLogger> {
        let errors_only = match config.access_log {
            AccessLog::Off => return None,
            AccessLog::On => false,
            AccessLog::Errors => true,
        };
        Some(AccessLogger {
            errors_only,
            sample: config.access_log_sample.clamp(1, SAMPLE_ALL),
            successes: AtomicU64::new(0),
        })
    }

    /// Whether a request answered with `status` gets a line. Errors always
    /// do; successes are sampled deterministically: of the first `n`, exactly
    /// `floor(n × sample)` are logged, evenly spread, whichever threads
    /// serve them.
    pub(super) fn wants(&self, status: u16) -> bool {
        if status >= 400 {
            return true;
        }
        if self.errors_only {
            return false;
        }
        if self.sample >= SAMPLE_ALL {
            return true;
        }
        let n = u128::from(self.successes.fetch_add(1, Relaxed));
        let sample = u128::from(self.sample);
        let all = u128::from(SAMPLE_ALL);
        (n + 1) * sample / all > n * sample / all
    }
}

/// What one access line says of a request.
pub(super) struct Entry<'a> {
    pub(super) request_id: &'a str,
    pub(super) method: &'a str,
    /// The path, without the query string.
    pub(super) path: &'a str,
    /// The route's name; `None` for 404s, 405s and built-ins.
    pub(super) route: Option<&'a str>,
    /// The API version's date, when one applies.
    pub(super) version: Option<&'a str>,
    /// The caller's principal's id, when the route authenticated one.
    pub(super) principal: Option<&'a str>,
    pub(super) status: u16,
    pub(super) latency: Duration,
    /// The request body's length as read (0 if it was not read).
    pub(super) bytes_in: u64,
    /// The response body's length when known (not for event streams).
    pub(super) bytes_out: Option<u64>,
    pub(super) peer: IpAddr,
    /// The trace id, when the request is traced (32 hex digits).
    pub(super) trace_id: Option<&'a str>,
    /// The id of the request's span, when it is traced (16 hex digits).
    pub(super) span_id: Option<&'a str>,
}

impl Entry<'_> {
    /// Writes the line to stdout in one locked write, and returns it (for
    /// the control panel's tail); errors are ignored (a closed or full
    /// stdout must not fail the request).
    pub(super) fn write(&self) -> Vec<u8> {
        let line = self.line(SystemTime::now());
        let mut stdout = std::io::stdout().lock();
        let _ = stdout.write_all(&line);
        let _ = stdout.flush();
        line
    }

    /// The line, newline included, as of `now`.
    fn line(&self, now: SystemTime) -> Vec<u8> {
        let mut buf = Vec::with_capacity(320);
        buf.extend_from_slice(b"{\"time\":\"");
        rfc3339_millis(&mut buf, now);
        buf.extend_from_slice(b"\",\"level\":\"info\",\"msg\":\"request\",\"request_id\":");
        text(&mut buf, self.request_id);
        if let Some(trace_id) = self.trace_id {
            buf.extend_from_slice(b",\"trace_id\":");
            text(&mut buf, trace_id);
        }
        if let Some(span_id) = self.span_id {
            buf.extend_from_slice(b",\"span_id\":");
            text(&mut buf, span_id);
        }
        buf.extend_from_slice(b",\"method\":");
        text(&mut buf, cut(self.method));
        buf.extend_from_slice(b",\"path\":");
        text(&mut buf, cut(self.path));
        if let Some(route) = self.route {
            buf.extend_from_slice(b",\"route\":");
            text(&mut buf, route);
        }
        if let Some(version) = self.version {
            buf.extend_from_slice(b",\"version\":");
            text(&mut buf, version);
        }
        if let Some(principal) = self.principal {
            buf.extend_from_slice(b",\"principal\":");
            text(&mut buf, cut(principal));
        }
        let micros = self.latency.as_micros();
        let _ = write!(
            buf,
            ",\"status\":{},\"latency_ms\":{}.{:03},\"bytes_in\":{}",
            self.status,
            micros / 1000,
            micros % 1000,
            self.bytes_in
        );
        if let Some(bytes_out) = self.bytes_out {
            let _ = write!(buf, ",\"bytes_out\":{bytes_out}");
        }
        let _ = write!(buf, ",\"peer\":\"{}\"}}", self.peer);
        buf.push(b'\n');
        buf
    }
}

/// Appends `value` as a JSON string, escaped as the other log lines are
/// (by `serde_json`): quotes, backslashes and control characters cannot
/// break the line.
fn text(buf: &mut Vec<u8>, value: &str) {
    if serde_json::to_writer(&mut *buf, value).is_err() {
        buf.extend_from_slice(b"\"\"");
    }
}

/// The first [`MAX_PATH`] bytes of `value`, cut on a character boundary.
fn cut(value: &str) -> &str {
    super::problem::char_prefix(value, MAX_PATH)
}

/// Appends `now` as an RFC 3339 UTC time with milliseconds, such as
/// `2025-03-01T12:34:56.789Z`.
fn rfc3339_millis(buf: &mut Vec<u8>, now: SystemTime) {
    let since = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default();
    let seconds = since.as_secs();
    let days = i64::try_from(seconds / 86_400).unwrap_or(0);
    let of_day = seconds % 86_400;
    let (year, month, day) = super::scalar::Date::from_days_since_epoch(days)
        .map_or((1970, 1, 1), |d| (d.year(), d.month(), d.day()));
    let _ = write!(
        buf,
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        of_day / 3600,
        of_day / 60 % 60,
        of_day % 60,
        since.subsec_millis()
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str) -> Entry<'_> {
        Entry {
            request_id: "abc-1",
            method: "GET",
            path,
            route: Some("get_item"),
            version: Some("2024-01-01"),
            principal: Some("alice"),
            status: 200,
            latency: Duration::from_micros(1_234_567),
            bytes_in: 0,
            bytes_out: Some(17),
            peer: IpAddr::from([127, 0, 0, 1]),
            trace_id: None,
            span_id: None,
        }
    }

    #[test]
    fn lines() {
        let at = SystemTime::UNIX_EPOCH + Duration::from_millis(1_740_832_496_789);
        let line = entry("/items/1").line(at);
        assert_eq!(
            String::from_utf8(line).ok(),
            Some(
                "{\"time\":\"2025-03-01T12:34:56.789Z\",\"level\":\"info\",\"msg\":\"request\",\
                 \"request_id\":\"abc-1\",\"method\":\"GET\",\"path\":\"/items/1\",\
                 \"route\":\"get_item\",\"version\":\"2024-01-01\",\"principal\":\"alice\",\"status\":200,\
                 \"latency_ms\":1234.567,\"bytes_in\":0,\"bytes_out\":17,\"peer\":\"127.0.0.1\"}\n"
                    .to_owned()
            )
        );
        let unrouted = Entry {
            route: None,
            version: None,
            principal: None,
            bytes_out: None,
            latency: Duration::from_micros(5),
            peer: "::1".parse().unwrap_or(IpAddr::from([0, 0, 0, 0])),
            ..entry("/")
        };
        let line = String::from_utf8(unrouted.line(at)).unwrap_or_default();
        assert!(
            line.ends_with("\"path\":\"/\",\"status\":200,\"latency_ms\":0.005,\"bytes_in\":0,\"peer\":\"::1\"}\n"),
            "{line}"
        );
    }

    #[test]
    fn traced_lines_carry_the_trace() {
        let traced = Entry {
            trace_id: Some("4bf92f3577b34da6a3ce929d0e0e4736"),
            span_id: Some("00f067aa0ba902b7"),
            ..entry("/items/1")
        };
        let text = String::from_utf8(traced.line(SystemTime::UNIX_EPOCH)).unwrap_or_default();
        assert!(
            text.contains("\"request_id\":\"abc-1\",\"trace_id\":\"4bf92f3577b34da6a3ce929d0e0e4736\",\"span_id\":\"00f067aa0ba902b7\",\"method\""),
            "{text}"
        );
    }

    #[test]
    fn hostile_paths_stay_one_line() {
        let at = SystemTime::UNIX_EPOCH;
        let hostile = "/a\"b\\c\nd\re\u{0}f\u{1b}[31m\u{2028}é\"}";
        let line = entry(hostile).line(at);
        let text = String::from_utf8(line).unwrap_or_default();
        assert_eq!(text.matches('\n').count(), 1);
        assert!(text.ends_with('\n'));
        let parsed: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        assert_eq!(parsed["path"], hostile);
        assert_eq!(parsed["time"], "1970-01-01T00:00:00.000Z");
        // Long paths are cut to 256 bytes, on a character boundary.
        let long = format!("/{}", "é".repeat(300));
        let text = String::from_utf8(entry(&long).line(at)).unwrap_or_default();
        let parsed: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        let path = parsed["path"].as_str().unwrap_or_default();
        assert_eq!(path.len(), 255);
        assert!(long.starts_with(path));
    }

    #[test]
    fn sampling() {
        let config = |mode, sample| Config {
            access_log: mode,
            access_log_sample: sample,
            ..Config::default()
        };
        assert!(AccessLogger::new(&config(AccessLog::Off, SAMPLE_ALL)).is_none());
        let Some(errors) = AccessLogger::new(&config(AccessLog::Errors, SAMPLE_ALL)) else {
            panic!("errors mode makes a logger");
        };
        assert!(!errors.wants(200) && !errors.wants(304));
        assert!(errors.wants(404) && errors.wants(500));
        let Some(half) = AccessLogger::new(&config(AccessLog::On, 500_000)) else {
            panic!("on makes a logger");
        };
        let logged = (0..200).filter(|_| half.wants(200)).count();
        assert_eq!(logged, 100);
        assert!((0..10).all(|_| half.wants(422)));
        let Some(tenth) = AccessLogger::new(&config(AccessLog::On, 100_000)) else {
            panic!("on makes a logger");
        };
        let picks: Vec<usize> = (0..30).filter(|_| tenth.wants(201)).collect();
        assert_eq!(picks, [9, 19, 29]);
    }
}
