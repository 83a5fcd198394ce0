//! The control panel: a live page on the admin listener (`/_gati/`) and the
//! JSON it polls (`/_gati/state`).
//!
//! The panel shows what the server is doing now (requests per second and
//! latency per route and per API version, admission, recent errors, a tail
//! of the access log) and what only a versioned API can tell: each
//! version's share of the last hour's traffic beside its deprecation and
//! sunset dates. It is served only on the admin listener
//! (`GATI_ADMIN_PORT`), which is not the port the API is exposed on, so it
//! needs no credential of its own; without an admin listener there is no
//! panel and the server keeps none of its state.
//!
//! What it keeps is bounded and costs the request path at most a `try_lock`
//! and a small copy: the last [`ERRORS`] error answers (their problem bodies
//! cut to [`PROBLEM_BYTES`]), the last [`LOG_LINES`] access-log lines (only
//! when the access log is on), and one sample of the per-version totals
//! every [`SAMPLE_EVERY`] for the last hour, taken by a timer, not by
//! requests. A request that finds a ring locked skips it rather than wait:
//! the panel may miss an entry, the API never waits for the panel. Rates
//! and percentiles are computed by the page from the counters' differences
//! between two polls, so the server does no work for them.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use super::config::{AccessLog, Config, RateLimit, defaults};
use super::metrics::{self, Histogram, Snapshot};
use super::server::{Response, RouteInfo, RouteLimits};
use super::version::VersionInfo;

/// Error answers the panel keeps, newest last.
pub(super) const ERRORS: usize = 50;
/// Access-log lines the panel keeps, newest last.
pub(super) const LOG_LINES: usize = 500;
/// The most bytes of a problem body an error entry keeps.
pub(super) const PROBLEM_BYTES: usize = 2048;
/// How often the per-version totals are sampled for the hour's mix.
pub(super) const SAMPLE_EVERY: Duration = Duration::from_secs(5);
/// The window of the version mix.
const HOUR: Duration = Duration::from_secs(3600);
/// Samples kept: an hour's, and one more as the window's start.
const SAMPLES: usize = (HOUR.as_secs() / SAMPLE_EVERY.as_secs()) as usize + 1;
/// Points of the mix's history sent to the page: one a minute.
const MIX_POINTS: usize = 60;

/// One setting in effect, and where its value came from.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Setting {
    /// The setting's name, as the runtime's README lists it.
    name: &'static str,
    /// The environment variable that sets it.
    variable: &'static str,
    /// The value in effect, as text.
    value: String,
    /// `env` (the operator's `GATI_*` variable or `Config`), `spec` (the
    /// spec's service limits) or `default`.
    source: &'static str,
}

/// One error answer, as the panel lists it.
struct RecentError {
    /// Milliseconds since the Unix epoch.
    at_ms: u64,
    status: u16,
    request_id: Box<str>,
    route: Option<&'static str>,
    version: Option<&'static str>,
    /// The problem body (cut to [`PROBLEM_BYTES`]); empty when the answer
    /// had none or streamed.
    problem: Box<str>,
}

/// One sample of the requests served so far at each version.
struct Sample {
    at: Instant,
    /// Per version, oldest first.
    totals: Box<[u64]>,
}

/// The panel's state, kept by the server when it has an admin listener.
pub(super) struct Panel {
    errors: Mutex<VecDeque<RecentError>>,
    /// Access-log lines as written (newline included): the logger's own
    /// buffers, moved in, so keeping a line copies nothing.
    log: Mutex<VecDeque<Vec<u8>>>,
    samples: Mutex<VecDeque<Sample>>,
    settings: Vec<Setting>,
    /// Whether access-log lines reach the tail.
    access_log: AccessLog,
}

impl Panel {
    /// An empty panel for a service with `versions` API versions.
    pub(super) fn new(versions: usize, settings: Vec<Setting>, access_log: AccessLog) -> Panel {
        let start = Sample {
            at: Instant::now(),
            totals: vec![0; versions].into(),
        };
        Panel {
            errors: Mutex::new(VecDeque::with_capacity(ERRORS)),
            log: Mutex::new(VecDeque::new()),
            samples: Mutex::new(VecDeque::from([start])),
            settings,
            access_log,
        }
    }

    /// Notes an error answer, unless another request is noting one now.
    pub(super) fn error(
        &self,
        status: u16,
        request_id: &str,
        route: Option<&'static str>,
        version: Option<&'static str>,
        problem: &[u8],
    ) {
        let Ok(mut errors) = self.errors.try_lock() else {
            return;
        };
        if errors.len() == ERRORS {
            errors.pop_front();
        }
        let cut = &problem[..problem.len().min(PROBLEM_BYTES)];
        errors.push_back(RecentError {
            at_ms: unix_ms(SystemTime::now()),
            status,
            request_id: request_id.into(),
            route,
            version,
            problem: String::from_utf8_lossy(cut).into(),
        });
    }

    /// Keeps an access-log line (as written to stdout, newline included),
    /// unless another request is noting one now.
    pub(super) fn log_line(&self, line: Vec<u8>) {
        let Ok(mut log) = self.log.try_lock() else {
            return;
        };
        if log.len() == LOG_LINES {
            log.pop_front();
        }
        log.push_back(line);
    }

    /// Records the requests served so far at each version (the timer calls
    /// it every [`SAMPLE_EVERY`]), dropping samples older than the hour.
    pub(super) fn sample(&self, totals: Box<[u64]>) {
        let Ok(mut samples) = self.samples.lock() else {
            return;
        };
        if samples.len() == SAMPLES {
            samples.pop_front();
        }
        samples.push_back(Sample {
            at: Instant::now(),
            totals,
        });
    }

    /// The JSON the page polls: the counters of `snapshot`, the versions'
    /// dates and their mix over the last hour, the rings, and the settings.
    pub(super) fn state(
        &self,
        snapshot: &Snapshot<'_>,
        table: &[VersionInfo],
        routes: &[RouteInfo],
        uptime: Duration,
    ) -> Value {
        let totals = version_totals(snapshot, table.len());
        let mix = self.mix(&totals);
        let waits = snapshot
            .waits
            .first()
            .map(|(_, h)| h.counts())
            .unwrap_or_default();
        json!({
            "now_ms": unix_ms(SystemTime::now()),
            "uptime_s": uptime.as_secs(),
            "build": {
                "gatic_version": snapshot.build.gatic_version,
                "spec_hash": snapshot.build.spec_hash,
            },
            "draining": snapshot.draining,
            "buckets": metrics::bucket_bounds().collect::<Vec<_>>(),
            "routes": route_rows(snapshot, routes),
            "versions": version_rows(snapshot, table, &totals, &mix.start),
            "mix": {
                "window_s": mix.window_s,
                "history": mix.history,
            },
            "admission": {
                "in_flight": snapshot.service.in_flight,
                "queued": snapshot.service.queued,
                "shed": snapshot.service.shed,
                "refused": snapshot.refused,
                "clients": snapshot.clients,
                "waits": waits,
            },
            "errors": self.recent_errors(),
            "log": {
                "on": self.access_log != AccessLog::Off,
                "errors_only": self.access_log == AccessLog::Errors,
                "lines": self.log_tail(),
            },
            "settings": self.settings.iter().map(|s| json!({
                "name": s.name,
                "variable": s.variable,
                "value": s.value,
                "source": s.source,
            })).collect::<Vec<_>>(),
        })
    }

    /// The error answers kept, newest first.
    fn recent_errors(&self) -> Vec<Value> {
        let Ok(errors) = self.errors.lock() else {
            return Vec::new();
        };
        errors
            .iter()
            .rev()
            .map(|e| {
                json!({
                    "at_ms": e.at_ms,
                    "status": e.status,
                    "request_id": &*e.request_id,
                    "route": e.route,
                    "version": e.version,
                    "problem": &*e.problem,
                })
            })
            .collect()
    }

    /// The access-log lines kept, oldest first, without their newlines.
    fn log_tail(&self) -> Vec<String> {
        let Ok(lines) = self.log.lock() else {
            return Vec::new();
        };
        lines
            .iter()
            .map(|l| String::from_utf8_lossy(l.trim_ascii_end()).into_owned())
            .collect()
    }

    /// The hour's window as of `now` (the totals so far per version).
    fn mix(&self, now: &[u64]) -> Mix {
        let Ok(samples) = self.samples.lock() else {
            return Mix::default();
        };
        let (start, window_s) = samples
            .iter()
            .find(|s| s.at.elapsed() <= HOUR + SAMPLE_EVERY)
            .map(|s| (s.totals.to_vec(), s.at.elapsed().as_secs()))
            .unwrap_or_default();
        // Every twelfth sample is a minute's boundary; the last point runs
        // to the totals of now.
        let step = (60 / SAMPLE_EVERY.as_secs()).max(1) as usize;
        let mut points: Vec<&[u64]> = samples.iter().step_by(step).map(|s| &*s.totals).collect();
        points.push(now);
        let history = points
            .windows(2)
            .map(|w| {
                w[1].iter()
                    .zip(w[0].iter())
                    .map(|(b, a)| b.saturating_sub(*a))
                    .collect()
            })
            .collect::<Vec<Vec<u64>>>();
        let skip = history.len().saturating_sub(MIX_POINTS);
        Mix {
            start,
            window_s,
            history: history.into_iter().skip(skip).collect(),
        }
    }

    /// The page.
    pub(super) fn page() -> Response {
        super::docs::html(PAGE.as_bytes().to_vec())
    }
}

/// The version mix over the last hour.
#[derive(Default)]
struct Mix {
    /// The totals per version at the window's start: the oldest sample no
    /// older than an hour, or the server's start.
    start: Vec<u64>,
    /// The seconds the window covers: up to an hour, less while the server
    /// is younger.
    window_s: u64,
    /// Per minute, the requests served at each version in that minute.
    history: Vec<Vec<u64>>,
}

/// Requests served so far at each of `versions` versions, across routes.
pub(super) fn version_totals(snapshot: &Snapshot<'_>, versions: usize) -> Box<[u64]> {
    let mut totals = vec![0u64; versions];
    for (_, m, _) in &snapshot.routes {
        for (total, h) in totals.iter_mut().zip(m.latency()) {
            *total += h.count();
        }
    }
    totals.into()
}

/// Per route: its method and path (from `routes`, by name; none for the
/// unrouted requests' row), its status classes, its latency buckets across
/// versions, what it turned away, and its requests in flight and queued.
fn route_rows(snapshot: &Snapshot<'_>, routes: &[RouteInfo]) -> Vec<Value> {
    snapshot
        .routes
        .iter()
        .map(|(name, m, gate)| {
            let (method, path) = routes
                .iter()
                .find(|r| r.name == *name)
                .map_or(("", ""), |r| (r.method, r.path));
            let [shed, limited, auth_failures] = m.turned_away();
            let (buckets, sum) = summed(m.latency().iter());
            json!({
                "name": name,
                "method": method,
                "path": path,
                "classes": m.classes(),
                "buckets": buckets,
                "sum": sum,
                "shed": shed,
                "limited": limited,
                "auth_failures": auth_failures,
                "in_flight": m.in_flight(),
                "queued": gate.map(|g| g.queued),
            })
        })
        .collect()
}

/// Per version: its dates, its requests in all and in the hour's window
/// (`totals` less `window`'s), and its latency buckets across routes.
fn version_rows(
    snapshot: &Snapshot<'_>,
    table: &[VersionInfo],
    totals: &[u64],
    window: &[u64],
) -> Vec<Value> {
    table
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let total = totals.get(i).copied().unwrap_or(0);
            let (latency, _) = summed(
                snapshot
                    .routes
                    .iter()
                    .filter_map(|(_, m, _)| m.latency().get(i)),
            );
            json!({
                "date": v.date,
                "deprecation": v.deprecation.and_then(|d| d.strip_prefix('@')?.parse::<i64>().ok()),
                "sunset": v.sunset_at,
                "total": total,
                "last_hour": total.saturating_sub(window.get(i).copied().unwrap_or(0)),
                "latency": latency,
            })
        })
        .collect()
}

/// The bucket counts (non-cumulative) and the sum, in seconds, of
/// `histograms` together.
fn summed<'a>(histograms: impl Iterator<Item = &'a Histogram>) -> (Vec<u64>, f64) {
    let mut buckets = vec![0u64; metrics::bucket_bounds().count() + 1];
    let mut sum = 0.0;
    for h in histograms {
        for (total, n) in buckets.iter_mut().zip(h.counts()) {
            *total += n;
        }
        sum += h.sum_seconds();
    }
    (buckets, sum)
}

fn unix_ms(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// The settings in effect: for each, the operator's value (`config`), else
/// the spec's (`spec`, the service's limits), else the runtime's default.
pub(super) fn settings(config: &Config, spec: &RouteLimits) -> Vec<Setting> {
    let default = Config::default();
    let mut out = Vec::new();
    let mut layered =
        |name, variable, env: Option<String>, from_spec: Option<String>, fallback: String| {
            let (value, source) = match (env, from_spec) {
                (Some(v), _) => (v, "env"),
                (None, Some(v)) => (v, "spec"),
                (None, None) => (fallback, "default"),
            };
            out.push(Setting {
                name,
                variable,
                value,
                source,
            });
        };
    let concurrency = config
        .concurrency
        .or(spec.concurrency)
        .unwrap_or(defaults::CONCURRENCY);
    layered(
        "concurrency",
        "GATI_CONCURRENCY",
        config.concurrency.map(|n| n.to_string()),
        spec.concurrency.map(|n| n.to_string()),
        defaults::CONCURRENCY.to_string(),
    );
    layered(
        "queue",
        "GATI_QUEUE",
        config.queue.map(|n| n.to_string()),
        spec.queue.map(|n| n.to_string()),
        defaults::QUEUE.to_string(),
    );
    layered(
        "max_body",
        "GATI_MAX_BODY",
        config.max_body.map(bytes),
        spec.body.map(bytes),
        bytes(defaults::MAX_BODY),
    );
    layered(
        "timeout",
        "GATI_TIMEOUT_MS",
        config.timeout_ms.map(ms),
        spec.timeout_ms.map(ms),
        ms(defaults::TIMEOUT_MS),
    );
    layered(
        "rate",
        "GATI_RATE",
        config.rate.map(rate),
        spec.rate.map(rate),
        "off".into(),
    );
    layered(
        "client_concurrency",
        "GATI_CLIENT_CONCURRENCY",
        config.client_concurrency.map(|n| n.to_string()),
        None,
        format!("{} (a quarter of concurrency)", (concurrency / 4).max(1)),
    );
    layered(
        "max_connections",
        "GATI_MAX_CONNECTIONS",
        config.max_connections.map(|n| n.to_string()),
        None,
        "the file descriptor limit less 64".into(),
    );
    layered(
        "default_version",
        "GATI_DEFAULT_VERSION",
        config.default_version.clone(),
        None,
        "the head".into(),
    );
    layered(
        "cors_origins",
        "GATI_CORS_ORIGINS",
        config.cors_origins.as_ref().map(|o| o.join(", ")),
        None,
        "the spec's".into(),
    );
    // Settings only the environment sets: `env` where the value is not the
    // default.
    let mut plain = |name, variable, value: String, fallback: String| {
        let source = if value == fallback { "default" } else { "env" };
        out.push(Setting {
            name,
            variable,
            value,
            source,
        });
    };
    let pairs: [(&str, &str, String, String); 13] = [
        (
            "queue_timeout",
            "GATI_QUEUE_TIMEOUT_MS",
            ms(config.queue_timeout_ms),
            ms(default.queue_timeout_ms),
        ),
        (
            "header_timeout",
            "GATI_HEADER_TIMEOUT_MS",
            ms(config.header_timeout_ms),
            ms(default.header_timeout_ms),
        ),
        (
            "drain_timeout",
            "GATI_DRAIN_TIMEOUT_MS",
            ms(config.drain_timeout_ms),
            ms(default.drain_timeout_ms),
        ),
        (
            "body_min_rate",
            "GATI_BODY_MIN_RATE",
            format!("{} B/s", config.body_min_rate),
            format!("{} B/s", default.body_min_rate),
        ),
        (
            "body_grace",
            "GATI_BODY_GRACE_MS",
            ms(config.body_grace_ms),
            ms(default.body_grace_ms),
        ),
        (
            "client_connections",
            "GATI_CLIENT_CONNECTIONS",
            config.client_connections.to_string(),
            default.client_connections.to_string(),
        ),
        (
            "auth_failure_rate",
            "GATI_AUTH_FAILURE_RATE",
            rate(config.auth_failure_rate),
            rate(default.auth_failure_rate),
        ),
        (
            "max_violations",
            "GATI_MAX_VIOLATIONS",
            config.max_violations.to_string(),
            default.max_violations.to_string(),
        ),
        (
            "max_event_streams",
            "GATI_MAX_EVENT_STREAMS",
            config.max_event_streams.to_string(),
            default.max_event_streams.to_string(),
        ),
        (
            "access_log",
            "GATI_ACCESS_LOG",
            access_log(config.access_log),
            access_log(default.access_log),
        ),
        (
            "access_log_sample",
            "GATI_ACCESS_LOG_SAMPLE",
            format!("{}", f64::from(config.access_log_sample) / 1e6),
            format!("{}", f64::from(default.access_log_sample) / 1e6),
        ),
        (
            "docs",
            "GATI_DOCS",
            config.docs.to_string(),
            default.docs.to_string(),
        ),
        (
            "tracing",
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            config
                .trace
                .endpoint
                .clone()
                .unwrap_or_else(|| "off".into()),
            "off".into(),
        ),
    ];
    for (name, variable, value, fallback) in pairs {
        plain(name, variable, value, fallback);
    }
    out
}

fn ms(n: u64) -> String {
    format!("{n} ms")
}

fn bytes(n: u64) -> String {
    if n.is_multiple_of(1024 * 1024) {
        format!("{} MiB", n / (1024 * 1024))
    } else if n.is_multiple_of(1024) {
        format!("{} KiB", n / 1024)
    } else {
        format!("{n} B")
    }
}

fn rate(r: RateLimit) -> String {
    if r.is_off() {
        return "off".into();
    }
    format!("{}/{} ms burst {}", r.requests, r.per_ms, r.burst)
}

fn access_log(a: AccessLog) -> String {
    match a {
        AccessLog::Off => "off",
        AccessLog::On => "on",
        AccessLog::Errors => "errors",
    }
    .into()
}

/// The page: its style and script inline, nothing loaded from elsewhere.
/// The script sets text with `textContent` only (problem bodies and log
/// lines come from clients' requests), and draws with SVG elements.
const PAGE: &str = r##"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="gati-panel">
<title>Control panel</title>
<style>
:root { --fg: #1d2330; --muted: #5b6475; --bg: #f3f5f8; --card: #fff; --line: #dde2ea; --accent: #2457c5; --bad: #b3261e; --warn: #a15c00; --ok: #1e7a3c; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e4e8ef; --muted: #9aa4b5; --bg: #12151b; --card: #1c2028; --line: #323946; --accent: #7aa5ff; --bad: #ff8a80; --warn: #ffb74d; --ok: #81c995; }
}
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; align-items: baseline; gap: 16px; padding: 12px 20px; background: var(--card); border-bottom: 1px solid var(--line); }
header h1 { font-size: 18px; margin: 0; }
header .meta { color: var(--muted); font-size: 13px; }
header .live { margin-left: auto; font-size: 13px; color: var(--muted); }
header .live[data-state="ok"]::before { content: "●"; color: var(--ok); margin-right: 6px; }
header .live[data-state="down"]::before { content: "●"; color: var(--bad); margin-right: 6px; }
main { display: grid; grid-template-columns: repeat(12, 1fr); gap: 14px; padding: 14px 20px 40px; }
section { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; min-width: 0; }
section h2 { font-size: 13px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); margin: 0 0 8px; }
.span4 { grid-column: span 4; } .span5 { grid-column: span 5; } .span6 { grid-column: span 6; } .span7 { grid-column: span 7; } .span8 { grid-column: span 8; } .span12 { grid-column: span 12; }
@media (max-width: 1000px) { .span4, .span5, .span6, .span7, .span8 { grid-column: span 12; } }
.tiles { display: grid; grid-template-columns: repeat(6, 1fr); gap: 10px; }
.tile { border-left: 3px solid var(--accent); padding: 2px 10px; }
.tile .value { font-size: 22px; font-variant-numeric: tabular-nums; }
.tile .label { color: var(--muted); font-size: 12px; }
table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 4px 8px 4px 0; border-bottom: 1px solid var(--line); white-space: nowrap; }
th { font-weight: 600; color: var(--muted); font-size: 12px; }
td.num, th.num { text-align: right; }
td.path { font-family: ui-monospace, monospace; font-size: 12px; overflow: hidden; text-overflow: ellipsis; max-width: 260px; }
.bar { position: relative; height: 10px; background: var(--line); border-radius: 5px; min-width: 120px; }
.bar > span { position: absolute; left: 0; top: 0; bottom: 0; border-radius: 5px; }
.badge { display: inline-block; padding: 0 6px; border-radius: 9px; font-size: 11px; border: 1px solid var(--line); color: var(--muted); }
.badge.head { color: var(--ok); border-color: var(--ok); }
.badge.deprecated { color: var(--warn); border-color: var(--warn); }
.badge.sunset { color: var(--bad); border-color: var(--bad); }
.badge.env { color: var(--accent); border-color: var(--accent); }
.badge.spec { color: var(--ok); border-color: var(--ok); }
svg { display: block; width: 100%; }
.legend { display: flex; gap: 12px; flex-wrap: wrap; font-size: 12px; color: var(--muted); margin-top: 6px; }
.legend i { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 4px; vertical-align: -1px; }
.errors { list-style: none; margin: 0; padding: 0; max-height: 360px; overflow: auto; }
.errors li { border-bottom: 1px solid var(--line); padding: 6px 0; }
.errors .head { display: flex; gap: 10px; font-size: 12px; color: var(--muted); }
.errors .status { font-weight: 700; color: var(--bad); }
.errors .status.client { color: var(--warn); }
pre { margin: 4px 0 0; font: 12px/1.4 ui-monospace, monospace; white-space: pre-wrap; word-break: break-all; background: var(--bg); padding: 6px 8px; border-radius: 4px; }
.log { max-height: 360px; overflow: auto; font: 12px/1.5 ui-monospace, monospace; }
.log div { white-space: pre; border-bottom: 1px dotted var(--line); overflow: hidden; text-overflow: ellipsis; }
.log .t { color: var(--muted); } .log .s { font-weight: 700; color: var(--ok); } .log .s.warn { color: var(--warn); } .log .s.bad { color: var(--bad); } .log .p { color: var(--accent); }
input[type=search] { width: 100%; padding: 5px 8px; margin-bottom: 8px; border: 1px solid var(--line); border-radius: 4px; background: var(--bg); color: var(--fg); }
.note { color: var(--muted); font-size: 13px; }
</style>
</head>
<body>
<header>
  <h1>Control panel</h1>
  <span class="meta" id="build"></span>
  <span class="live" id="live" data-state="wait">connecting…</span>
</header>
<main>
  <section class="span12" aria-label="now">
    <div class="tiles">
      <div class="tile"><div class="value" id="rps">–</div><div class="label">requests/s</div></div>
      <div class="tile"><div class="value" id="p50">–</div><div class="label">p50 latency</div></div>
      <div class="tile"><div class="value" id="p99">–</div><div class="label">p99 latency</div></div>
      <div class="tile"><div class="value" id="errors-rate">–</div><div class="label">errors/s (4xx, 5xx)</div></div>
      <div class="tile"><div class="value" id="inflight">–</div><div class="label">in handlers</div></div>
      <div class="tile"><div class="value" id="queued">–</div><div class="label">queued</div></div>
    </div>
    <svg id="rps-chart" viewBox="0 0 600 60" preserveAspectRatio="none" height="60" aria-label="requests per second"></svg>
  </section>
  <section class="span7">
    <h2>API versions · the last hour</h2>
    <table id="versions"><thead><tr><th>version</th><th>status</th><th>deprecated</th><th>sunset</th><th class="num">requests</th><th>share</th><th class="num">req/s</th><th class="num">p99</th></tr></thead><tbody></tbody></table>
    <svg id="mix-chart" viewBox="0 0 600 90" preserveAspectRatio="none" height="90" aria-label="version mix per minute"></svg>
    <div class="legend" id="mix-legend"></div>
  </section>
  <section class="span5">
    <h2>Admission</h2>
    <table id="admission"><tbody></tbody></table>
    <svg id="queue-chart" viewBox="0 0 400 50" preserveAspectRatio="none" height="50" aria-label="queue depth"></svg>
  </section>
  <section class="span12">
    <h2>Routes</h2>
    <table id="routes"><thead><tr><th>route</th><th>method</th><th>path</th><th class="num">req/s</th><th class="num">p50</th><th class="num">p99</th><th class="num">requests</th><th class="num">4xx</th><th class="num">5xx</th><th class="num">shed</th><th class="num">429</th><th class="num">in flight</th></tr></thead><tbody></tbody></table>
  </section>
  <section class="span6">
    <h2>Recent errors</h2>
    <ul class="errors" id="errors"></ul>
  </section>
  <section class="span6">
    <h2>Access log</h2>
    <input type="search" id="log-search" placeholder="filter: a route, a status, a request id, a principal…" aria-label="filter the access log">
    <div class="log" id="log"></div>
  </section>
  <section class="span12">
    <h2>Who still calls older versions</h2>
    <table id="callers"><thead><tr><th>version</th><th>caller</th><th class="num">requests</th><th>routes</th><th>last seen</th></tr></thead><tbody></tbody></table>
    <p class="note" id="callers-note"></p>
  </section>
  <section class="span12">
    <h2>Configuration in effect</h2>
    <table id="settings"><thead><tr><th>setting</th><th>value</th><th>from</th><th>variable</th></tr></thead><tbody></tbody></table>
  </section>
</main>
<script>
"use strict";
const COLORS = ["#2457c5", "#e07b00", "#1e7a3c", "#9c27b0", "#00838f", "#b3261e", "#6d4c41", "#546e7a"];
const $ = (selector) => document.querySelector(selector);
const SVG = "http://www.w3.org/2000/svg";

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null) continue;
    if (key === "class") node.className = value;
    else node.setAttribute(key, String(value));
  }
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}

function svg(tag, attrs) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  return node;
}

function sum(values) { return values.reduce((a, b) => a + b, 0); }
function minus(a, b) { return a.map((v, i) => Math.max(0, v - ((b && b[i]) || 0))); }

// A percentile from non-cumulative bucket counts, interpolated within its
// bucket as Prometheus's histogram_quantile does; null without requests.
function quantile(bounds, counts, q) {
  const total = sum(counts);
  if (!total) return null;
  const target = q * total;
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    if (seen + counts[i] >= target && counts[i] > 0) {
      if (i >= bounds.length) return Infinity;
      const low = i === 0 ? 0 : Number(bounds[i - 1]);
      const high = Number(bounds[i]);
      return low + (high - low) * (target - seen) / counts[i];
    }
    seen += counts[i];
  }
  return Infinity;
}

function seconds(value) {
  if (value === null) return "–";
  if (value === Infinity) return "> 10 s";
  if (value < 0.001) return (value * 1e6).toFixed(0) + " µs";
  if (value < 1) return (value * 1000).toFixed(value < 0.01 ? 2 : 1) + " ms";
  return value.toFixed(2) + " s";
}
function rate(value) { return value === null ? "–" : value < 10 ? value.toFixed(1) : value.toFixed(0); }
function day(unixSeconds) { return unixSeconds ? new Date(unixSeconds * 1000).toISOString().slice(0, 10) : "–"; }
function clock(ms) { return new Date(ms).toISOString().slice(11, 19); }
function duration(s) {
  if (s < 120) return s + " s";
  if (s < 7200) return Math.floor(s / 60) + " min";
  return Math.floor(s / 3600) + " h";
}

let previous = null;
const rpsHistory = [];
const queueHistory = [];

function fill(tbody, rows) {
  tbody.replaceChildren(...rows);
}

function spark(target, values, color) {
  const width = Number(target.viewBox.baseVal.width), height = Number(target.viewBox.baseVal.height);
  const max = Math.max(1, ...values);
  const step = width / Math.max(1, values.length - 1);
  const points = values.map((v, i) => `${(i * step).toFixed(1)},${(height - 2 - (v / max) * (height - 6)).toFixed(1)}`);
  target.replaceChildren(svg("polyline", { points: points.join(" "), fill: "none", stroke: color, "stroke-width": 2, "vector-effect": "non-scaling-stroke" }));
}

function render(state) {
  const dt = previous ? Math.max(0.001, (state.now_ms - previous.now_ms) / 1000) : null;
  const before = (list, key, value) => previous && previous[list].find((x) => x[key] === value);
  const bounds = state.buckets;

  $("#build").textContent = `gatic ${state.build.gatic_version} · spec ${state.build.spec_hash} · up ${duration(state.uptime_s)}` + (state.draining ? " · draining" : "");

  // Routes: rates and percentiles over the last poll's interval.
  let allWindow = new Array(bounds.length + 1).fill(0), totalRps = 0, errorRps = 0;
  const routeRows = state.routes.map((route) => {
    const old = before("routes", "name", route.name);
    const window = old ? minus(route.buckets, old.buckets) : new Array(route.buckets.length).fill(0);
    allWindow = allWindow.map((v, i) => v + window[i]);
    const rps = dt ? sum(window) / dt : null;
    if (rps) totalRps += rps;
    if (old && dt) errorRps += (route.classes[3] + route.classes[4] - old.classes[3] - old.classes[4]) / dt;
    const label = route.name === "_unrouted" ? "(no route: 404, 405)" : route.name;
    return el("tr", { "data-route": route.name },
      el("td", {}, label), el("td", {}, route.method), el("td", { class: "path" }, route.path),
      el("td", { class: "num" }, rate(rps)),
      el("td", { class: "num" }, seconds(quantile(bounds, window, 0.5))),
      el("td", { class: "num" }, seconds(quantile(bounds, window, 0.99))),
      el("td", { class: "num" }, sum(route.buckets)),
      el("td", { class: "num" }, route.classes[3]), el("td", { class: "num" }, route.classes[4]),
      el("td", { class: "num" }, route.shed), el("td", { class: "num" }, route.limited),
      el("td", { class: "num" }, route.in_flight));
  });
  fill($("#routes tbody"), routeRows);
  $("#rps").textContent = rate(dt ? totalRps : null);
  $("#p50").textContent = seconds(quantile(bounds, allWindow, 0.5));
  $("#p99").textContent = seconds(quantile(bounds, allWindow, 0.99));
  $("#errors-rate").textContent = rate(dt ? errorRps : null);
  $("#inflight").textContent = state.admission.in_flight;
  $("#queued").textContent = state.admission.queued;
  if (dt) {
    rpsHistory.push(totalRps);
    if (rpsHistory.length > 120) rpsHistory.shift();
    spark($("#rps-chart"), rpsHistory, COLORS[0]);
  }

  // Versions: the hour's share beside their dates.
  const hour = sum(state.versions.map((v) => v.last_hour));
  const now = Date.now() / 1000;
  const head = state.versions.length ? state.versions[state.versions.length - 1].date : null;
  const versionRows = state.versions.slice().reverse().map((version) => {
    const index = state.versions.indexOf(version);
    const color = COLORS[index % COLORS.length];
    const share = hour ? (100 * version.last_hour) / hour : 0;
    const old = before("versions", "date", version.date);
    const window = old ? minus(version.latency, old.latency) : version.latency.map(() => 0);
    let status = el("span", { class: "badge" }, "older");
    if (version.date === head) status = el("span", { class: "badge head" }, "head");
    if (version.deprecation) status = el("span", { class: "badge deprecated" }, "deprecated");
    if (version.sunset) {
      const days = Math.ceil((version.sunset - now) / 86400);
      status = el("span", { class: "badge sunset" }, days > 0 ? `sunset in ${days} d` : "past sunset");
    }
    return el("tr", { "data-version": version.date, "data-share": share.toFixed(1), "data-requests": version.last_hour },
      el("td", {}, el("i", { style: `display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px;background:${color}` }), version.date),
      el("td", {}, status),
      el("td", {}, day(version.deprecation)), el("td", {}, day(version.sunset)),
      el("td", { class: "num" }, version.last_hour),
      el("td", {}, el("div", { class: "bar", title: share.toFixed(1) + " %" }, el("span", { style: `width:${share.toFixed(1)}%;background:${color}` })), el("small", {}, share.toFixed(1) + " %")),
      el("td", { class: "num" }, rate(dt ? sum(window) / dt : null)),
      el("td", { class: "num" }, seconds(quantile(bounds, window, 0.99))));
  });
  fill($("#versions tbody"), versionRows);
  $("#versions").dataset.window = state.mix.window_s;

  // The mix per minute, stacked.
  const chart = $("#mix-chart");
  const bars = state.mix.history;
  const width = 600 / Math.max(1, bars.length), tallest = Math.max(1, ...bars.map(sum));
  const rects = [];
  bars.forEach((minute, i) => {
    let y = 90;
    minute.forEach((count, v) => {
      const h = (count / tallest) * 86;
      y -= h;
      if (h > 0) rects.push(svg("rect", { x: (i * width + 1).toFixed(1), y: y.toFixed(1), width: Math.max(1, width - 2).toFixed(1), height: h.toFixed(1), fill: COLORS[v % COLORS.length] }));
    });
  });
  chart.replaceChildren(...rects);
  $("#mix-legend").replaceChildren(...state.versions.map((v, i) => el("span", {}, el("i", { style: `background:${COLORS[i % COLORS.length]}` }), v.date)),
    el("span", {}, `one bar a minute, over ${duration(state.mix.window_s)}`));

  // Admission.
  const a = state.admission;
  const oldA = previous && previous.admission;
  const waits = a.waits.length ? a.waits : [0];
  const rows = [
    ["in handlers", a.in_flight], ["waiting for a slot", a.queued],
    ["shed (503)", a.shed + (oldA && dt ? `  (${rate((a.shed - oldA.shed) / dt)}/s)` : "")],
    ["waited for a slot", sum(waits)],
    ["p99 wait of those", seconds(quantile(bounds, waits, 0.99))],
    ["connections refused", a.refused], ["clients tracked", a.clients],
  ];
  fill($("#admission tbody"), rows.map(([k, v]) => el("tr", {}, el("th", {}, k), el("td", { class: "num" }, v))));
  queueHistory.push(a.queued);
  if (queueHistory.length > 120) queueHistory.shift();
  spark($("#queue-chart"), queueHistory, COLORS[1]);

  // Recent errors, newest first.
  fill($("#errors"), state.errors.length ? state.errors.map((e) => {
    let body = e.problem;
    try { body = JSON.stringify(JSON.parse(e.problem), null, 2); } catch (_) {}
    return el("li", { "data-status": e.status },
      el("div", { class: "head" },
        el("span", { class: e.status < 500 ? "status client" : "status" }, e.status),
        el("span", {}, clock(e.at_ms)), el("span", {}, e.route || "(no route)"),
        el("span", {}, e.version || ""), el("span", {}, e.request_id)),
      body ? el("pre", {}, body) : "");
  }) : [el("li", { class: "note" }, "No errors yet.")]);

  renderLog(state);
  renderCallers(state);

  fill($("#settings tbody"), state.settings.map((s) => el("tr", { "data-setting": s.name, "data-source": s.source },
    el("td", {}, s.name), el("td", {}, s.value), el("td", {}, el("span", { class: "badge " + s.source }, s.source)), el("td", {}, s.variable))));

  previous = state;
  document.body.dataset.loaded = String(state.now_ms);
}

// One access line, summed up; the whole line is its tooltip.
function logLine(line) {
  let entry;
  try { entry = JSON.parse(line); } catch (_) { return el("div", { "data-line": line }, line); }
  const at = entry.route ? entry.route + (entry.version ? "@" + entry.version : "") : "";
  return el("div", { "data-line": line, title: line },
    el("span", { class: "t" }, (entry.time || "").slice(11, 23)), " ",
    el("span", { class: entry.status >= 500 ? "s bad" : entry.status >= 400 ? "s warn" : "s" }, entry.status), " ",
    `${entry.method} ${entry.path}  ${at}`,
    entry.principal ? el("span", { class: "p" }, " " + entry.principal) : "",
    el("span", { class: "t" }, `  ${entry.latency_ms} ms  ${entry.request_id}`));
}

// Callers of every version but the head, from the access log's tail: the
// principal where the route authenticates one, else the peer address.
function renderCallers(state) {
  const note = $("#callers-note");
  const head = state.versions.length ? state.versions[state.versions.length - 1].date : null;
  if (!state.log.on || !head) {
    fill($("#callers tbody"), []);
    note.textContent = head
      ? "Needs the access log (GATI_ACCESS_LOG=on): the callers are read from its lines."
      : "This API has no versions.";
    return;
  }
  const callers = new Map();
  for (const line of state.log.lines) {
    let entry;
    try { entry = JSON.parse(line); } catch (_) { continue; }
    if (!entry.version || entry.version === head) continue;
    const who = entry.principal || entry.peer;
    const key = entry.version + " " + who;
    const c = callers.get(key) || { version: entry.version, who, principal: !!entry.principal, requests: 0, routes: new Map(), last: "" };
    c.requests++;
    if (entry.route) c.routes.set(entry.route, (c.routes.get(entry.route) || 0) + 1);
    if (entry.time > c.last) c.last = entry.time;
    callers.set(key, c);
  }
  const rows = [...callers.values()].sort((a, b) => a.version.localeCompare(b.version) || b.requests - a.requests).slice(0, 50);
  fill($("#callers tbody"), rows.map((c) => el("tr", { "data-caller": c.who, "data-version": c.version },
    el("td", {}, c.version),
    el("td", {}, c.who, c.principal ? "" : el("small", { class: "note" }, " (address)")),
    el("td", { class: "num" }, c.requests),
    el("td", { class: "path" }, [...c.routes.entries()].map(([r, n]) => `${r} ×${n}`).join(", ")),
    el("td", {}, c.last.slice(0, 19).replace("T", " ")))));
  note.textContent = (rows.length ? "" : "No request at an older version in the tail. ") +
    `From the last ${state.log.lines.length} access-log lines; gatic sunset-report reads whole logs.`;
}

// The access log's tail, filtered, newest first.
function renderLog(state) {
  const log = $("#log");
  if (!state.log.on) {
    log.replaceChildren(el("p", { class: "note" }, "The access log is off: start the server with GATI_ACCESS_LOG=on (or errors) to see requests here."));
  } else {
    const filter = $("#log-search").value.trim().toLowerCase();
    const lines = state.log.lines.filter((l) => !filter || l.toLowerCase().includes(filter)).reverse().slice(0, 200);
    log.replaceChildren(...(lines.length ? lines.map(logLine) : [el("p", { class: "note" }, filter ? "No line matches." : "No requests yet.")]));
  }
}

let lastState = null;
async function poll() {
  try {
    const response = await fetch("/_gati/state", { cache: "no-store" });
    if (!response.ok) throw new Error(String(response.status));
    lastState = await response.json();
    render(lastState);
    $("#live").dataset.state = "ok";
    $("#live").textContent = "live, every second";
  } catch (error) {
    $("#live").dataset.state = "down";
    $("#live").textContent = "cannot reach the server (" + error.message + "); retrying";
  }
  setTimeout(poll, 1000);
}
$("#log-search").addEventListener("input", () => { if (lastState) renderLog(lastState); });
poll();
</script>
</body>
</html>
"##;
