//! Service configuration, read from the environment (12-factor style).

use std::fmt;

/// How the server runs: where it listens and the limits it enforces.
///
/// Every field has an environment variable; see [`Config::from_env`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// The address to listen on (`GATI_HOST`, default `0.0.0.0`).
    pub host: String,
    /// The TCP port (`PORT`, default 8080).
    pub port: u16,
    /// The largest request body accepted, in bytes (`GATI_MAX_BODY`, default 1 MiB).
    pub max_body: u64,
    /// How long a handler may run, in milliseconds (`GATI_TIMEOUT_MS`, default 30000).
    pub timeout_ms: u64,
    /// Service-wide limit of requests in a handler at once (`GATI_CONCURRENCY`, default 1024).
    pub concurrency: u32,
    /// Service-wide limit of requests waiting for a slot (`GATI_QUEUE`, default 1024).
    pub queue: u32,
    /// How long a request may wait for a slot, in milliseconds (`GATI_QUEUE_TIMEOUT_MS`, default 1000).
    pub queue_timeout_ms: u64,
    /// How long shutdown waits for in-flight requests, in milliseconds (`GATI_DRAIN_TIMEOUT_MS`, default 10000).
    pub drain_timeout_ms: u64,
    /// How long a client may take to send a request head, in milliseconds (`GATI_HEADER_TIMEOUT_MS`, default 10000).
    pub header_timeout_ms: u64,
    /// The API version of requests that name none (`GATI_DEFAULT_VERSION`, a
    /// `YYYY-MM-DD` date rounded down to a released version; default: the
    /// head). Ignored by services without versions.
    pub default_version: Option<String>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            host: "0.0.0.0".to_owned(),
            port: 8080,
            max_body: 1024 * 1024,
            timeout_ms: 30_000,
            concurrency: 1024,
            queue: 1024,
            queue_timeout_ms: 1000,
            drain_timeout_ms: 10_000,
            header_timeout_ms: 10_000,
            default_version: None,
        }
    }
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
    /// their defaults.
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
        if let Some(var) = get("GATI_MAX_BODY") {
            config.max_body = parse_size(var)?;
        }
        if let Some(var) = get("GATI_TIMEOUT_MS") {
            config.timeout_ms = parse_int(var, 1)?;
        }
        if let Some(var) = get("GATI_CONCURRENCY") {
            config.concurrency = parse_int(var, 1)?;
        }
        if let Some(var) = get("GATI_QUEUE") {
            config.queue = parse_int(var, 0)?;
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
        // Checked against the service's versions when serving starts.
        if let Some((_, v)) = get("GATI_DEFAULT_VERSION") {
            config.default_version = Some(v);
        }
        Ok(config)
    }
}

/// Every variable [`Config::from_env`] reads.
const VARIABLES: [&str; 10] = [
    "PORT",
    "GATI_HOST",
    "GATI_MAX_BODY",
    "GATI_TIMEOUT_MS",
    "GATI_CONCURRENCY",
    "GATI_QUEUE",
    "GATI_QUEUE_TIMEOUT_MS",
    "GATI_DRAIN_TIMEOUT_MS",
    "GATI_HEADER_TIMEOUT_MS",
    "GATI_DEFAULT_VERSION",
];

fn error(variable: &'static str, value: String, reason: impl Into<String>) -> ConfigError {
    ConfigError {
        variable,
        value,
        reason: reason.into(),
    }
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
        assert_eq!((c.port, c.max_body, c.timeout_ms), (8080, 1 << 20, 30_000));
        assert_eq!(
            (c.concurrency, c.queue, c.queue_timeout_ms),
            (1024, 1024, 1000)
        );
        assert_eq!(
            (c.drain_timeout_ms, c.header_timeout_ms, c.host.as_str()),
            (10_000, 10_000, "0.0.0.0")
        );
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
                Some(n) => assert_eq!(got, Ok(*n), "{text}"),
                None => assert_eq!(got.map_err(|e| e.variable), Err("GATI_MAX_BODY"), "{text}"),
            }
        }
    }

    #[test]
    fn numbers() {
        let ok = from(&[
            ("PORT", "9000"),
            ("GATI_HOST", "127.0.0.1"),
            ("GATI_TIMEOUT_MS", "50"),
            ("GATI_CONCURRENCY", "2"),
            ("GATI_QUEUE", "0"),
            ("GATI_QUEUE_TIMEOUT_MS", "0"),
            ("GATI_DRAIN_TIMEOUT_MS", "5"),
            ("GATI_HEADER_TIMEOUT_MS", "7"),
            ("GATI_DEFAULT_VERSION", " 2024-01-01 "),
        ]);
        let want = Config {
            host: "127.0.0.1".to_owned(),
            port: 9000,
            timeout_ms: 50,
            concurrency: 2,
            queue: 0,
            queue_timeout_ms: 0,
            drain_timeout_ms: 5,
            header_timeout_ms: 7,
            default_version: Some("2024-01-01".to_owned()),
            ..Config::default()
        };
        assert_eq!(ok, Ok(want));
        let bad: &[(&str, &str)] = &[
            ("PORT", "65536"),
            ("PORT", "0"),
            ("PORT", "http"),
            ("GATI_TIMEOUT_MS", "0"),
            ("GATI_TIMEOUT_MS", "1.5"),
            ("GATI_CONCURRENCY", "0"),
            ("GATI_CONCURRENCY", "4294967296"),
            ("GATI_QUEUE", "-1"),
            ("GATI_QUEUE_TIMEOUT_MS", "soon"),
            ("GATI_DRAIN_TIMEOUT_MS", "1e3"),
            ("GATI_HEADER_TIMEOUT_MS", "0"),
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
}
