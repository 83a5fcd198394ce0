//! Service configuration, read from the environment (12-factor style).
//!
//! Every setting has one environment variable. The limits a spec can also
//! declare (`limits { … }`) are `Option`s here: `None` means "not set by the
//! operator", so the spec's value applies, else the built-in default. The
//! precedence is environment > spec > built-in default, setting by setting.

use std::fmt;

/// How the server runs: where it listens and the limits it enforces.
///
/// Every field has an environment variable; see [`Config::from_env`] and
/// the table in the runtime's README.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// The address to listen on (`GATI_HOST`, default `0.0.0.0`). Unused
    /// when the server inherits its listening socket (`LISTEN_FDS`; see
    /// `inherited_listener`).
    pub host: String,
    /// The TCP port (`PORT`, default 8080); unused with an inherited socket.
    pub port: u16,
    /// The admin listener's port (`GATI_ADMIN_PORT`, default none): when set,
    /// `/healthz`, `/readyz` and `/metrics` are served there and not on the
    /// API port.
    pub admin_port: Option<u16>,
    /// The admin listener's address (`GATI_ADMIN_HOST`, default `host`).
    pub admin_host: Option<String>,
    /// Keep `/healthz` and `/readyz` on the API port too when there is an
    /// admin listener (`GATI_API_HEALTH`, default false).
    pub api_health: bool,
    /// Whether `/docs` is served (`GATI_DOCS`, default true): the page shows
    /// what `/openapi.json` already publishes, so turning it off hides the
    /// page, not the API.
    pub docs: bool,
    /// The largest request body accepted, in bytes (`GATI_MAX_BODY`; else
    /// the spec's `body`, else 1 MiB). Applies to every route.
    pub max_body: Option<u64>,
    /// How long a request may take from its arrival to its response, in
    /// milliseconds (`GATI_TIMEOUT_MS`; else the spec's `timeout`, else 30000).
    pub timeout_ms: Option<u64>,
    /// Service-wide limit of requests in a handler at once
    /// (`GATI_CONCURRENCY`; else the service's `concurrency`, else 1024).
    pub concurrency: Option<u32>,
    /// Service-wide limit of requests waiting for a slot (`GATI_QUEUE`; else
    /// the service's `queue`, else 1024).
    pub queue: Option<u32>,
    /// The service-wide per-client rate limit (`GATI_RATE`, such as
    /// `100/s burst 200`, or `off`; else the service's `rate`, else none).
    pub rate: Option<RateLimit>,
    /// How long a request may wait for a slot, in milliseconds (`GATI_QUEUE_TIMEOUT_MS`, default 1000).
    pub queue_timeout_ms: u64,
    /// How long shutdown waits for in-flight requests, in milliseconds (`GATI_DRAIN_TIMEOUT_MS`, default 10000).
    pub drain_timeout_ms: u64,
    /// How long a connection may go without sending a complete request head
    /// while no request of it is being served, in milliseconds
    /// (`GATI_HEADER_TIMEOUT_MS`, default 10000): slow heads and idle
    /// keep-alive connections, HTTP/1 and HTTP/2 alike.
    pub header_timeout_ms: u64,
    /// The slowest a request body may arrive once its grace period is over,
    /// in bytes per second (`GATI_BODY_MIN_RATE`, default 240; 0 = no minimum).
    pub body_min_rate: u64,
    /// How long a body may take before the minimum rate applies, in
    /// milliseconds (`GATI_BODY_GRACE_MS`, default 5000).
    pub body_grace_ms: u64,
    /// Requests one client may have admitted or waiting at once
    /// (`GATI_CLIENT_CONCURRENCY`, default a quarter of the service-wide
    /// concurrency; 0 = no cap). A client is its credential on routes that
    /// authenticate, else its IP address (IPv6: its /64).
    pub client_concurrency: Option<u32>,
    /// Open connections one IP address (IPv6: one /64) may hold
    /// (`GATI_CLIENT_CONNECTIONS`, default 256; 0 = no cap).
    pub client_connections: u32,
    /// Open API connections in all (`GATI_MAX_CONNECTIONS`; default the
    /// process's file descriptor limit less 64, which stay free for the
    /// admin listener, logs and the handlers' own files and sockets).
    pub max_connections: Option<u32>,
    /// Rejected credentials one IP address may present
    /// (`GATI_AUTH_FAILURE_RATE`, default `10/s burst 50`; `off` = no limit).
    /// Past it, its requests to routes that authenticate get 429 without
    /// their credential being tried.
    pub auth_failure_rate: RateLimit,
    /// The most violations a 400 or 422 lists (`GATI_MAX_VIOLATIONS`,
    /// default 50); the problem then says `truncated` and gives the `total`.
    pub max_violations: u32,
    /// Concurrent streams one HTTP/2 connection may open
    /// (`GATI_H2_MAX_STREAMS`, default 100).
    pub h2_max_streams: u32,
    /// Server-sent event streams open at once, across every route
    /// (`GATI_MAX_EVENT_STREAMS`, default 4096); past it, a stream route
    /// answers 503.
    pub max_event_streams: u32,
    /// How often an HTTP/2 connection is pinged, and how long the answer may
    /// take before the connection is closed, in milliseconds
    /// (`GATI_H2_KEEPALIVE_MS`, default 20000; 0 = no pings).
    pub h2_keepalive_ms: u64,
    /// Whether a handler panic's message goes into its log line
    /// (`GATI_LOG_PANIC_MESSAGE`, default true). The response never has it.
    pub log_panic_message: bool,
    /// The API version of requests that name none (`GATI_DEFAULT_VERSION`, a
    /// `YYYY-MM-DD` date rounded down to a released version; default: the
    /// head). Ignored by services without versions.
    pub default_version: Option<String>,
    /// The origins that may call the API from a browser
    /// (`GATI_CORS_ORIGINS`: comma-separated origins such as
    /// `https://app.example.com`, `*` for any, or `none`), in place of the
    /// spec's `cors { origins [...] }`; `None` keeps the spec's.
    pub cors_origins: Option<Vec<String>>,
    /// Which requests get an access log line on stdout (`GATI_ACCESS_LOG`:
    /// `off`, `on` or `errors`; default `off`).
    pub access_log: AccessLog,
    /// The share of successful requests (status below 400) that get an
    /// access log line, in millionths (`GATI_ACCESS_LOG_SAMPLE`, a fraction
    /// in (0, 1]; default 1, that is 1,000,000). Errors are always logged.
    pub access_log_sample: u32,
    /// OpenTelemetry traces: the standard `OTEL_*` variables (they are not
    /// `GATI_*` settings); off unless one names a collector.
    pub trace: super::trace::TraceConfig,
}

/// Which requests get an access log line (`GATI_ACCESS_LOG`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AccessLog {
    /// None: the default.
    #[default]
    Off,
    /// Every request (successes sampled by `GATI_ACCESS_LOG_SAMPLE`).
    On,
    /// Only requests answered with a 4xx or 5xx status.
    Errors,
}

/// The access log sample that keeps every request: one million millionths.
pub(super) const SAMPLE_ALL: u32 = 1_000_000;

/// A token bucket: `requests` per `per_ms` milliseconds on average, and at
/// most `burst` at once. `requests == 0` means no limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests per period.
    pub requests: u32,
    /// The period, in milliseconds.
    pub per_ms: u64,
    /// The most requests at once, after a quiet spell.
    pub burst: u32,
}

impl RateLimit {
    /// No limit.
    pub const OFF: RateLimit = RateLimit {
        requests: 0,
        per_ms: 1000,
        burst: 0,
    };

    /// Whether this limits anything.
    pub fn is_off(&self) -> bool {
        self.requests == 0
    }

    /// Parses `100/s`, `10/min burst 20`, `5000/h` or `off`.
    pub fn parse(text: &str) -> Option<RateLimit> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("off") {
            return Some(RateLimit::OFF);
        }
        let mut words = text.split_whitespace();
        let (count, unit) = words.next()?.split_once('/')?;
        let requests: u32 = count.parse().ok().filter(|n| *n > 0)?;
        let per_ms = match unit {
            "s" => 1000,
            "min" => 60_000,
            "h" => 3_600_000,
            _ => return None,
        };
        let burst = match (words.next(), words.next()) {
            (None, None) => requests,
            (Some("burst"), Some(n)) => n.parse().ok().filter(|n| *n > 0)?,
            _ => return None,
        };
        if words.next().is_some() {
            return None;
        }
        Some(RateLimit {
            requests,
            per_ms,
            burst,
        })
    }

    /// The time between two requests at the sustained rate, in nanoseconds.
    pub(super) fn interval_nanos(&self) -> u64 {
        let per = u128::from(self.per_ms) * 1_000_000;
        u64::try_from(per / u128::from(self.requests.max(1))).unwrap_or(u64::MAX)
    }
}

impl Default for Config {
    fn default() -> Config {
        Config {
            host: "0.0.0.0".to_owned(),
            port: 8080,
            admin_port: None,
            admin_host: None,
            api_health: false,
            docs: true,
            max_body: None,
            timeout_ms: None,
            concurrency: None,
            queue: None,
            rate: None,
            queue_timeout_ms: 1000,
            drain_timeout_ms: 10_000,
            header_timeout_ms: 10_000,
            body_min_rate: 240,
            body_grace_ms: 5000,
            client_concurrency: None,
            client_connections: 256,
            max_connections: None,
            auth_failure_rate: RateLimit {
                requests: 10,
                per_ms: 1000,
                burst: 50,
            },
            max_violations: 50,
            h2_max_streams: 100,
            max_event_streams: 4096,
            h2_keepalive_ms: 20_000,
            log_panic_message: true,
            default_version: None,
            cors_origins: None,
            access_log: AccessLog::Off,
            access_log_sample: SAMPLE_ALL,
            trace: super::trace::TraceConfig::default(),
        }
    }
}

/// The built-in defaults of the settings a spec can declare.
pub(super) mod defaults {
    /// The largest body: 1 MiB.
    pub const MAX_BODY: u64 = 1024 * 1024;
    /// The request timeout: 30 s.
    pub const TIMEOUT_MS: u64 = 30_000;
    /// The service-wide concurrency.
    pub const CONCURRENCY: u32 = 1024;
    /// The service-wide wait queue.
    pub const QUEUE: u32 = 1024;
}

/// A configuration variable with a value that could not be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// The environment variable, e.g. `GATI_MAX_BODY`.
    pub variable: &'static str,
    /// The value it had.
    pub value: String,
    /// Why the value was rejected.
    pub reason: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={:?}: {}", self.variable, self.value, self.reason)
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// Reads `PORT` and the `GATI_*` variables; unset or empty variables keep
    /// their defaults. A `GATI_*` variable this runtime does not know is an
    /// error (a misspelt setting must not silently not apply).
    pub fn from_env() -> Result<Config, ConfigError> {
        let mut non_unicode = None;
        let config = Config::from_vars(|name| match std::env::var(name) {
            Ok(value) => Some(value),
            Err(std::env::VarError::NotPresent) => None,
            Err(std::env::VarError::NotUnicode(_)) => {
                non_unicode.get_or_insert(name.to_owned());
                None
            }
        });
        if let Some(name) = non_unicode {
            let variable = VARIABLES
                .iter()
                .copied()
                .find(|v| *v == name)
                .unwrap_or("?");
            return Err(ConfigError {
                variable,
                value: String::new(),
                reason: "the value is not valid UTF-8".to_owned(),
            });
        }
        for (name, value) in std::env::vars_os() {
            let Some(name) = name.to_str() else { continue };
            if name.starts_with("GATI_") && !VARIABLES.contains(&name) {
                return Err(ConfigError {
                    variable: "GATI_*",
                    value: format!("{name}={}", value.to_string_lossy()),
                    reason: unknown_variable(name),
                });
            }
        }
        config
    }

    /// Builds a configuration from a lookup function instead of the process
    /// environment (for tests and embedding).
    pub fn from_vars(
        mut lookup: impl FnMut(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let mut config = Config::default();
        let mut get = |name: &'static str| -> Option<(&'static str, String)> {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
                .map(|v| (name, v))
        };
        if let Some((_, v)) = get("GATI_HOST") {
            config.host = v;
        }
        if let Some(var) = get("PORT") {
            config.port = parse_int(var, 1)?;
        }
        if let Some(var) = get("GATI_ADMIN_PORT") {
            config.admin_port = Some(parse_int(var, 1)?);
        }
        if let Some((_, v)) = get("GATI_ADMIN_HOST") {
            config.admin_host = Some(v);
        }
        if let Some(var) = get("GATI_API_HEALTH") {
            config.api_health = parse_bool(var)?;
        }
        if let Some(var) = get("GATI_DOCS") {
            config.docs = parse_bool(var)?;
        }
        if let Some(var) = get("GATI_MAX_BODY") {
            config.max_body = Some(parse_size(var)?);
        }
        if let Some(var) = get("GATI_TIMEOUT_MS") {
            config.timeout_ms = Some(parse_int(var, 1)?);
        }
        if let Some(var) = get("GATI_CONCURRENCY") {
            config.concurrency = Some(parse_int(var, 1)?);
        }
        if let Some(var) = get("GATI_QUEUE") {
            config.queue = Some(parse_int(var, 0)?);
        }
        if let Some(var) = get("GATI_RATE") {
            config.rate = Some(parse_rate(var)?);
        }
        if let Some(var) = get("GATI_QUEUE_TIMEOUT_MS") {
            config.queue_timeout_ms = parse_int(var, 0)?;
        }
        if let Some(var) = get("GATI_DRAIN_TIMEOUT_MS") {
            config.drain_timeout_ms = parse_int(var, 0)?;
        }
        if let Some(var) = get("GATI_HEADER_TIMEOUT_MS") {
            config.header_timeout_ms = parse_int(var, 1)?;
        }
        if let Some(var) = get("GATI_BODY_MIN_RATE") {
            config.body_min_rate = parse_int(var, 0)?;
        }
        if let Some(var) = get("GATI_BODY_GRACE_MS") {
            config.body_grace_ms = parse_int(var, 0)?;
        }
        if let Some(var) = get("GATI_CLIENT_CONCURRENCY") {
            config.client_concurrency = Some(parse_int(var, 0)?);
        }
        if let Some(var) = get("GATI_CLIENT_CONNECTIONS") {
            config.client_connections = parse_int(var, 0)?;
        }
        if let Some(var) = get("GATI_MAX_CONNECTIONS") {
            config.max_connections = Some(parse_int(var, 1)?);
        }
        if let Some(var) = get("GATI_AUTH_FAILURE_RATE") {
            config.auth_failure_rate = parse_rate(var)?;
        }
        if let Some(var) = get("GATI_MAX_VIOLATIONS") {
            config.max_violations = parse_int(var, 1)?;
        }
        if let Some(var) = get("GATI_H2_MAX_STREAMS") {
            config.h2_max_streams = parse_int(var, 1)?;
        }
        if let Some(var) = get("GATI_MAX_EVENT_STREAMS") {
            config.max_event_streams = parse_int(var, 1)?;
        }
        if let Some(var) = get("GATI_H2_KEEPALIVE_MS") {
            config.h2_keepalive_ms = parse_int(var, 0)?;
        }
        if let Some(var) = get("GATI_LOG_PANIC_MESSAGE") {
            config.log_panic_message = parse_bool(var)?;
        }
        // Checked against the service's versions when serving starts.
        if let Some((_, v)) = get("GATI_DEFAULT_VERSION") {
            config.default_version = Some(v);
        }
        if let Some(var) = get("GATI_CORS_ORIGINS") {
            config.cors_origins = Some(parse_origins(var)?);
        }
        if let Some(var) = get("GATI_ACCESS_LOG") {
            config.access_log = parse_access_log(var)?;
        }
        if let Some(var) = get("GATI_ACCESS_LOG_SAMPLE") {
            config.access_log_sample = parse_fraction(var)?;
        }
        config.trace = super::trace::TraceConfig::from_vars(&mut lookup)?;
        Ok(config)
    }
}

/// Every variable [`Config::from_env`] reads.
pub(super) const VARIABLES: [&str; 29] = [
    "PORT",
    "GATI_HOST",
    "GATI_ADMIN_PORT",
    "GATI_ADMIN_HOST",
    "GATI_API_HEALTH",
    "GATI_DOCS",
    "GATI_MAX_BODY",
    "GATI_TIMEOUT_MS",
    "GATI_CONCURRENCY",
    "GATI_QUEUE",
    "GATI_RATE",
    "GATI_QUEUE_TIMEOUT_MS",
    "GATI_DRAIN_TIMEOUT_MS",
    "GATI_HEADER_TIMEOUT_MS",
    "GATI_BODY_MIN_RATE",
    "GATI_BODY_GRACE_MS",
    "GATI_CLIENT_CONCURRENCY",
    "GATI_CLIENT_CONNECTIONS",
    "GATI_MAX_CONNECTIONS",
    "GATI_AUTH_FAILURE_RATE",
    "GATI_MAX_VIOLATIONS",
    "GATI_H2_MAX_STREAMS",
    "GATI_MAX_EVENT_STREAMS",
    "GATI_H2_KEEPALIVE_MS",
    "GATI_LOG_PANIC_MESSAGE",
    "GATI_DEFAULT_VERSION",
    "GATI_CORS_ORIGINS",
    "GATI_ACCESS_LOG",
    "GATI_ACCESS_LOG_SAMPLE",
];

/// Why a `GATI_*` name is not a setting, with the closest one.
fn unknown_variable(name: &str) -> String {
    let closest = VARIABLES
        .iter()
        .map(|v| (edit_distance(name, v), *v))
        .min()
        .filter(|(d, _)| *d <= 3);
    match closest {
        Some((_, v)) => format!("not a setting of this server; did you mean {v}?"),
        None => "not a setting of this server".to_owned(),
    }
}

/// The Levenshtein distance between two short ASCII names.
fn edit_distance(a: &str, b: &str) -> usize {
    let b = b.as_bytes();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.bytes().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let next = (diagonal + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(row[j + 1] + 1);
            diagonal = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

fn error(variable: &'static str, value: String, reason: impl Into<String>) -> ConfigError {
    ConfigError {
        variable,
        value,
        reason: reason.into(),
    }
}

/// Parses `true`/`false` (also `1`/`0`, `on`/`off`, `yes`/`no`).
fn parse_bool((variable, value): (&'static str, String)) -> Result<bool, ConfigError> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "1" | "on" | "yes" => Ok(true),
        "false" | "0" | "off" | "no" => Ok(false),
        _ => Err(error(variable, value, "expected true or false")),
    }
}

/// Parses `off`, `on` or `errors`.
fn parse_access_log((variable, value): (&'static str, String)) -> Result<AccessLog, ConfigError> {
    match value.to_ascii_lowercase().as_str() {
        "off" => Ok(AccessLog::Off),
        "on" => Ok(AccessLog::On),
        "errors" => Ok(AccessLog::Errors),
        _ => Err(error(variable, value, "expected off, on or errors")),
    }
}

/// Parses a fraction in (0, 1], such as `0.1` or `1`, into millionths
/// (rounded to the nearest, and at least one).
fn parse_fraction((variable, value): (&'static str, String)) -> Result<u32, ConfigError> {
    const EXPECTED: &str = "expected a fraction greater than 0 and at most 1, such as 0.1";
    let plain = !value.is_empty()
        && value.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && value.bytes().filter(|b| *b == b'.').count() <= 1;
    let Some(fraction) = value.parse::<f64>().ok().filter(|_| plain) else {
        return Err(error(variable, value, EXPECTED));
    };
    if !(fraction > 0.0 && fraction <= 1.0) {
        return Err(error(variable, value, EXPECTED));
    }
    // Within (0, 1], so the product is within (0, 1,000,000].
    let millionths = (fraction * f64::from(SAMPLE_ALL)).round() as u32;
    Ok(millionths.max(1))
}

/// Parses comma-separated origins (`https://app.example.com,
/// http://localhost:5173`), `*` for any, or `none`: each an `http` or
/// `https` origin as browsers send it (lowercase, no path).
fn parse_origins((variable, value): (&'static str, String)) -> Result<Vec<String>, ConfigError> {
    if value.eq_ignore_ascii_case("none") {
        return Ok(Vec::new());
    }
    let mut origins = Vec::new();
    for origin in value.split(',').map(str::trim).filter(|o| !o.is_empty()) {
        if origin != "*" && !is_origin(origin) {
            let reason = format!(
                "{origin:?} is not an origin: expected scheme://host[:port] in lowercase, such as https://app.example.com, or * or none"
            );
            return Err(error(variable, value, reason));
        }
        origins.push(origin.to_owned());
    }
    Ok(origins)
}

/// Whether `text` is a serialized `http` or `https` origin (RFC 6454):
/// lowercase scheme and host, an optional port, nothing after. The checker
/// applies the same rule to the spec's `cors { origins }`.
pub(super) fn is_origin(text: &str) -> bool {
    let Some(rest) = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"))
    else {
        return false;
    };
    let (host, port) = match rest.rsplit_once(':') {
        Some((host, port)) if !port.contains(']') => (host, Some(port)),
        _ => (rest, None),
    };
    let host_ok = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-.[]:".contains(&b));
    let port_ok =
        port.is_none_or(|p| (1..=5).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()));
    host_ok && port_ok
}

/// Parses a rate such as `100/s burst 200`, or `off`.
fn parse_rate((variable, value): (&'static str, String)) -> Result<RateLimit, ConfigError> {
    RateLimit::parse(&value).ok_or_else(|| {
        error(
            variable,
            value,
            "expected a rate such as 100/s, 10/min burst 20, 5000/h, or off",
        )
    })
}

/// Parses a whole number that is at least `min`.
fn parse_int<T>((variable, value): (&'static str, String), min: u64) -> Result<T, ConfigError>
where
    T: TryFrom<u64>,
{
    let n: u64 = match value.parse() {
        Ok(n) => n,
        Err(_) => return Err(error(variable, value, "expected a whole number")),
    };
    if n < min {
        return Err(error(variable, value, format!("must be at least {min}")));
    }
    T::try_from(n).map_err(|_| error(variable, value, "the number is too large"))
}

/// Parses a byte count with an optional unit: `B`, `k`/`KB` (1000),
/// `Ki`/`KiB` (1024), and likewise `M`, `G`.
fn parse_size((variable, value): (&'static str, String)) -> Result<u64, ConfigError> {
    let digits = value.bytes().take_while(u8::is_ascii_digit).count();
    let (number, unit) = value.split_at(digits);
    let unit = unit.trim();
    let multiplier: u64 = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1000,
        "ki" | "kib" => 1 << 10,
        "m" | "mb" => 1_000_000,
        "mi" | "mib" => 1 << 20,
        "g" | "gb" => 1_000_000_000,
        "gi" | "gib" => 1 << 30,
        _ => {
            return Err(error(
                variable,
                value,
                "expected a byte count such as 1048576, 64KiB or 1MiB",
            ));
        }
    };
    let n: u64 = match number.parse() {
        Ok(n) => n,
        Err(_) => {
            return Err(error(
                variable,
                value,
                "expected a byte count such as 1048576, 64KiB or 1MiB",
            ));
        }
    };
    match n.checked_mul(multiplier) {
        Some(0) => Err(error(variable, value, "must be at least 1 byte")),
        Some(bytes) => Ok(bytes),
        None => Err(error(variable, value, "the size is too large")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        Config::from_vars(|name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        })
    }

    #[test]
    fn defaults() {
        assert_eq!(from(&[]), Ok(Config::default()));
        assert_eq!(
            from(&[("PORT", ""), ("GATI_QUEUE", "  ")]),
            Ok(Config::default())
        );
        let c = Config::default();
        assert_eq!((c.port, c.max_body, c.timeout_ms), (8080, None, None));
        assert_eq!(
            (c.concurrency, c.queue, c.queue_timeout_ms),
            (None, None, 1000)
        );
        assert_eq!(
            (c.drain_timeout_ms, c.header_timeout_ms, c.host.as_str()),
            (10_000, 10_000, "0.0.0.0")
        );
        assert_eq!((c.body_min_rate, c.body_grace_ms), (240, 5000));
        assert_eq!((c.max_violations, c.h2_max_streams), (50, 100));
        assert_eq!(c.max_event_streams, 4096);
    }

    #[test]
    fn sizes() {
        let cases: &[(&str, Option<u64>)] = &[
            ("1048576", Some(1 << 20)),
            ("64KiB", Some(64 * 1024)),
            ("64 kib", Some(64 * 1024)),
            ("1MiB", Some(1 << 20)),
            ("2Mi", Some(2 << 20)),
            ("1GiB", Some(1 << 30)),
            ("10KB", Some(10_000)),
            ("10k", Some(10_000)),
            ("3M", Some(3_000_000)),
            ("5B", Some(5)),
            ("0", None),
            ("KiB", None),
            ("-1", None),
            ("1.5MiB", None),
            ("12XB", None),
            ("99999999999999999999", None),
            ("18446744073709551615GiB", None),
        ];
        for (text, want) in cases {
            let got = from(&[("GATI_MAX_BODY", text)]).map(|c| c.max_body);
            match want {
                Some(n) => assert_eq!(got, Ok(Some(*n)), "{text}"),
                None => assert_eq!(got.map_err(|e| e.variable), Err("GATI_MAX_BODY"), "{text}"),
            }
        }
    }

    #[test]
    fn rates() {
        type Want = Option<(u32, u64, u32)>;
        let cases: &[(&str, Want)] = &[
            ("100/s", Some((100, 1000, 100))),
            ("10/min burst 20", Some((10, 60_000, 20))),
            ("5000/h", Some((5000, 3_600_000, 5000))),
            ("off", Some((0, 1000, 0))),
            ("0/s", None),
            ("10/week", None),
            ("10", None),
            ("10/s burst", None),
            ("10/s burst 0", None),
            ("10/s burst 5 more", None),
        ];
        for (text, want) in cases {
            let got = from(&[("GATI_RATE", text)]).map(|c| c.rate);
            match want {
                Some((requests, per_ms, burst)) => assert_eq!(
                    got,
                    Ok(Some(RateLimit {
                        requests: *requests,
                        per_ms: *per_ms,
                        burst: *burst
                    })),
                    "{text}"
                ),
                None => assert_eq!(got.map_err(|e| e.variable), Err("GATI_RATE"), "{text}"),
            }
        }
        let ten = RateLimit::parse("10/s").map(|r| r.interval_nanos());
        assert_eq!(ten, Some(100_000_000));
    }

    #[test]
    fn numbers() {
        let ok = from(&[
            ("PORT", "9000"),
            ("GATI_HOST", "127.0.0.1"),
            ("GATI_ADMIN_PORT", "9090"),
            ("GATI_API_HEALTH", "true"),
            ("GATI_DOCS", "off"),
            ("GATI_TIMEOUT_MS", "50"),
            ("GATI_CONCURRENCY", "2"),
            ("GATI_QUEUE", "0"),
            ("GATI_QUEUE_TIMEOUT_MS", "0"),
            ("GATI_DRAIN_TIMEOUT_MS", "5"),
            ("GATI_HEADER_TIMEOUT_MS", "7"),
            ("GATI_BODY_MIN_RATE", "0"),
            ("GATI_CLIENT_CONCURRENCY", "0"),
            ("GATI_CLIENT_CONNECTIONS", "3"),
            ("GATI_MAX_VIOLATIONS", "4"),
            ("GATI_LOG_PANIC_MESSAGE", "off"),
            ("GATI_DEFAULT_VERSION", " 2024-01-01 "),
        ]);
        let want = Config {
            host: "127.0.0.1".to_owned(),
            port: 9000,
            admin_port: Some(9090),
            api_health: true,
            docs: false,
            timeout_ms: Some(50),
            concurrency: Some(2),
            queue: Some(0),
            queue_timeout_ms: 0,
            drain_timeout_ms: 5,
            header_timeout_ms: 7,
            body_min_rate: 0,
            client_concurrency: Some(0),
            client_connections: 3,
            max_violations: 4,
            log_panic_message: false,
            default_version: Some("2024-01-01".to_owned()),
            ..Config::default()
        };
        assert_eq!(ok, Ok(want));
        let bad: &[(&str, &str)] = &[
            ("PORT", "65536"),
            ("PORT", "0"),
            ("PORT", "http"),
            ("GATI_ADMIN_PORT", "0"),
            ("GATI_API_HEALTH", "maybe"),
            ("GATI_DOCS", "hidden"),
            ("GATI_TIMEOUT_MS", "0"),
            ("GATI_TIMEOUT_MS", "1.5"),
            ("GATI_CONCURRENCY", "0"),
            ("GATI_CONCURRENCY", "4294967296"),
            ("GATI_QUEUE", "-1"),
            ("GATI_QUEUE_TIMEOUT_MS", "soon"),
            ("GATI_DRAIN_TIMEOUT_MS", "1e3"),
            ("GATI_HEADER_TIMEOUT_MS", "0"),
            ("GATI_MAX_VIOLATIONS", "0"),
            ("GATI_MAX_CONNECTIONS", "0"),
            ("GATI_AUTH_FAILURE_RATE", "lots"),
        ];
        for (name, value) in bad {
            let err = from(&[(name, value)]).err();
            assert_eq!(
                err.as_ref().map(|e| e.variable),
                Some(*name),
                "{name}={value}"
            );
            let shown = err.map(|e| e.to_string()).unwrap_or_default();
            assert!(shown.starts_with(name), "{shown}");
        }
    }

    #[test]
    fn access_log() {
        let c = Config::default();
        assert_eq!(
            (c.access_log, c.access_log_sample),
            (AccessLog::Off, 1_000_000)
        );
        let modes = [
            ("off", AccessLog::Off),
            ("on", AccessLog::On),
            ("ON", AccessLog::On),
            (" errors ", AccessLog::Errors),
        ];
        for (text, want) in modes {
            let got = from(&[("GATI_ACCESS_LOG", text)]).map(|c| c.access_log);
            assert_eq!(got, Ok(want), "{text}");
        }
        for text in ["true", "4xx", "all", "yes"] {
            let err = from(&[("GATI_ACCESS_LOG", text)]).map(|c| c.access_log);
            assert_eq!(
                err.map_err(|e| e.to_string()),
                Err(format!(
                    "GATI_ACCESS_LOG={text:?}: expected off, on or errors"
                )),
            );
        }
        let samples: &[(&str, u32)] = &[
            ("1", 1_000_000),
            ("1.0", 1_000_000),
            ("0.5", 500_000),
            (".25", 250_000),
            ("0.001", 1000),
            ("0.0000001", 1),
        ];
        for (text, want) in samples {
            let got = from(&[("GATI_ACCESS_LOG_SAMPLE", text)]).map(|c| c.access_log_sample);
            assert_eq!(got, Ok(*want), "{text}");
        }
        for text in [
            "0", "0.0", "1.5", "2", "-0.5", "half", "50%", "1e-3", "NaN", "inf", ".",
        ] {
            let err = from(&[("GATI_ACCESS_LOG_SAMPLE", text)]).map(|c| c.access_log_sample);
            assert_eq!(
                err.map_err(|e| e.to_string()),
                Err(format!(
                    "GATI_ACCESS_LOG_SAMPLE={text:?}: expected a fraction greater than 0 and at most 1, such as 0.1"
                )),
            );
        }
        assert_eq!(
            unknown_variable("GATI_ACCESS_LOGS"),
            "not a setting of this server; did you mean GATI_ACCESS_LOG?"
        );
    }

    #[test]
    fn unknown_variables_are_named() {
        assert_eq!(
            unknown_variable("GATI_MAX_BODDY"),
            "not a setting of this server; did you mean GATI_MAX_BODY?"
        );
        assert_eq!(
            unknown_variable("GATI_XYZZY_PLUGH_FOO"),
            "not a setting of this server"
        );
    }
}
