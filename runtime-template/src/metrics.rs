//! Request counters and latency histograms, rendered as Prometheus text.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

/// Upper bounds of the latency buckets, in microseconds, and as written in
/// the `le` label.
const BUCKETS: [(u64, &str); 14] = [
    (500, "0.0005"),
    (1_000, "0.001"),
    (2_500, "0.0025"),
    (5_000, "0.005"),
    (10_000, "0.01"),
    (25_000, "0.025"),
    (50_000, "0.05"),
    (100_000, "0.1"),
    (250_000, "0.25"),
    (500_000, "0.5"),
    (1_000_000, "1"),
    (2_500_000, "2.5"),
    (5_000_000, "5"),
    (10_000_000, "10"),
];

/// A latency histogram: non-cumulative counts per bucket of [`BUCKETS`]
/// (the last is +Inf) and the total, each one atomic add per observation.
#[derive(Debug, Default)]
pub(super) struct Histogram {
    buckets: [AtomicU64; BUCKETS.len() + 1],
    /// The sum of the observations, in nanoseconds.
    sum_nanos: AtomicU64,
}

impl Histogram {
    /// Records one observation.
    pub(super) fn observe(&self, elapsed: Duration) {
        let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        let bucket = BUCKETS
            .iter()
            .position(|&(le, _)| micros <= le)
            .unwrap_or(BUCKETS.len());
        self.buckets[bucket].fetch_add(1, Relaxed);
        let nanos = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
        self.sum_nanos.fetch_add(nanos, Relaxed);
    }

    /// Observations so far.
    pub(super) fn count(&self) -> u64 {
        self.buckets.iter().map(|b| b.load(Relaxed)).sum()
    }

    /// The non-cumulative bucket counts, +Inf last.
    pub(super) fn counts(&self) -> Vec<u64> {
        self.buckets.iter().map(|b| b.load(Relaxed)).collect()
    }

    /// The sum of the observations, in seconds.
    pub(super) fn sum_seconds(&self) -> f64 {
        self.sum_nanos.load(Relaxed) as f64 / 1e9
    }

    /// Writes the `_bucket`, `_sum` and `_count` series of `name`, each with
    /// `labels` (already escaped, without braces; may be empty).
    fn render(&self, w: &mut String, name: &str, labels: &str) {
        let sep = if labels.is_empty() { "" } else { "," };
        let mut cumulative = 0;
        for (i, bucket) in self.buckets.iter().enumerate() {
            cumulative += bucket.load(Relaxed);
            let le = BUCKETS.get(i).map_or("+Inf", |&(_, le)| le);
            let _ = writeln!(w, "{name}_bucket{{{labels}{sep}le=\"{le}\"}} {cumulative}");
        }
        let braced = if labels.is_empty() {
            String::new()
        } else {
            format!("{{{labels}}}")
        };
        let _ = writeln!(w, "{name}_sum{braced} {}", self.sum_seconds());
        let _ = writeln!(w, "{name}_count{braced} {cumulative}");
    }
}

/// The upper bounds of the latency buckets in seconds, as the `le` labels
/// write them (the control panel estimates percentiles from them).
pub(super) fn bucket_bounds() -> impl Iterator<Item = &'static str> {
    BUCKETS.iter().map(|&(_, le)| le)
}

/// Counters for one route (or for requests that matched no route).
#[derive(Debug, Default)]
pub(super) struct RouteMetrics {
    /// Responses by status class: 1xx to 5xx.
    classes: [AtomicU64; 5],
    /// Latency by the API version the request was served at, indexed like
    /// `Service::versions`; the last is for requests without a version
    /// (an unversioned service, or a request answered before one was
    /// chosen). Its counts are also the requests per version.
    latency: Box<[Histogram]>,
    /// Requests turned away by admission control.
    shed: AtomicU64,
    /// Requests answered 429: per-client limits.
    limited: AtomicU64,
    /// Credentials rejected.
    auth_failures: AtomicU64,
    /// Requests holding an admission slot now (reading the body or in the
    /// handler).
    in_flight: AtomicU64,
}

/// A request counted in its route's `in_flight` until dropped.
pub(super) struct InFlight<'a>(&'a AtomicU64);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Relaxed);
    }
}

impl RouteMetrics {
    /// Counters for a service with `versions` API versions.
    pub(super) fn new(versions: usize) -> RouteMetrics {
        RouteMetrics {
            latency: (0..=versions).map(|_| Histogram::default()).collect(),
            ..RouteMetrics::default()
        }
    }

    /// Records one response, served at version `version` (an index into
    /// `Service::versions`) if one was chosen.
    pub(super) fn observe(&self, status: u16, elapsed: Duration, version: Option<usize>) {
        let class = usize::from(status / 100).clamp(1, 5) - 1;
        self.classes[class].fetch_add(1, Relaxed);
        let none = self.latency.len().saturating_sub(1);
        let slot = version.filter(|&v| v < none).unwrap_or(none);
        if let Some(histogram) = self.latency.get(slot) {
            histogram.observe(elapsed);
        }
    }

    /// Responses by status class, 1xx to 5xx.
    pub(super) fn classes(&self) -> [u64; 5] {
        std::array::from_fn(|i| self.classes[i].load(Relaxed))
    }

    /// The latency histogram of each version, oldest first, and last the
    /// one of requests without a version.
    pub(super) fn latency(&self) -> &[Histogram] {
        &self.latency
    }

    /// Counts a request that holds an admission slot, until the guard is
    /// dropped.
    pub(super) fn enter(&self) -> InFlight<'_> {
        self.in_flight.fetch_add(1, Relaxed);
        InFlight(&self.in_flight)
    }

    /// Requests holding an admission slot now.
    pub(super) fn in_flight(&self) -> u64 {
        self.in_flight.load(Relaxed)
    }

    /// Records a request turned away by admission control.
    pub(super) fn shed(&self) {
        self.shed.fetch_add(1, Relaxed);
    }

    /// Records a request turned away by a per-client limit (429).
    pub(super) fn limited(&self) {
        self.limited.fetch_add(1, Relaxed);
    }

    /// Records a rejected credential.
    pub(super) fn auth_failed(&self) {
        self.auth_failures.fetch_add(1, Relaxed);
    }

    /// Requests turned away so far: shed by admission control (503), over a
    /// per-client limit (429), and with a rejected credential.
    pub(super) fn turned_away(&self) -> [u64; 3] {
        [&self.shed, &self.limited, &self.auth_failures].map(|n| n.load(Relaxed))
    }
}

/// Gauges of one admission gate.
#[derive(Clone, Copy, Debug)]
pub(super) struct GateGauges {
    /// Requests holding a slot.
    pub(super) in_flight: u64,
    /// Requests waiting for a slot.
    pub(super) queued: u64,
    /// Requests turned away so far.
    pub(super) shed: u64,
}

/// Everything `/metrics` shows, gathered by the server.
pub(super) struct Snapshot<'a> {
    /// Per route: name, counters, and the route's own gate if it has one.
    pub(super) routes: Vec<(&'a str, &'a RouteMetrics, Option<GateGauges>)>,
    /// The service-wide gate.
    pub(super) service: GateGauges,
    /// Whether the server is draining.
    pub(super) draining: bool,
    /// Connections refused because their address had too many open.
    pub(super) refused: u64,
    /// Entries in the per-client table.
    pub(super) clients: u64,
    /// The API versions' dates, oldest first; empty for unversioned services.
    pub(super) versions: Vec<&'a str>,
    /// Time spent in the admission queue by requests that found no free
    /// slot: the service-wide gate's (route `None`), then each route gate's.
    pub(super) waits: Vec<(Option<&'a str>, &'a Histogram)>,
    /// What built the server: the `gati_build_info` series.
    pub(super) build: BuildInfo,
}

/// What built a server, as `gati_build_info` labels it.
#[derive(Clone, Copy, Debug)]
pub struct BuildInfo {
    /// The version of gatic that generated the crate.
    pub gatic_version: &'static str,
    /// A hash of the spec the crate was generated from (16 hex digits).
    pub spec_hash: &'static str,
}

impl BuildInfo {
    /// For a service that does not say (a hand-written `Service`).
    pub const UNKNOWN: BuildInfo = BuildInfo {
        gatic_version: "unknown",
        spec_hash: "unknown",
    };
}

/// Escapes a label value.
fn label(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

/// Renders the Prometheus text exposition format (version 0.0.4).
pub(super) fn render(snapshot: &Snapshot<'_>) -> String {
    let mut out = String::with_capacity(1024 + snapshot.routes.len() * 2048);
    // Writing to a String cannot fail, so the results of write! are ignored.
    let w = &mut out;
    let head = |w: &mut String, name: &str, kind: &str, help: &str| {
        let _ = writeln!(w, "# HELP {name} {help}\n# TYPE {name} {kind}");
    };
    let series =
        |w: &mut String, name: &str, route: &str, extra: &str, value: &dyn std::fmt::Display| {
            let _ = write!(w, "{name}{{route=\"");
            label(w, route);
            let _ = writeln!(w, "\"{extra}}} {value}");
        };

    head(
        w,
        "gati_requests_total",
        "counter",
        "Responses by route and status class.",
    );
    for (route, m, _) in &snapshot.routes {
        for (i, class) in m.classes.iter().enumerate() {
            let n = class.load(Relaxed);
            if n != 0 {
                series(
                    w,
                    "gati_requests_total",
                    route,
                    &format!(",class=\"{}xx\"", i + 1),
                    &n,
                );
            }
        }
    }

    if !snapshot.versions.is_empty() {
        head(
            w,
            "gati_version_requests_total",
            "counter",
            "Requests by route and the API version they were served at.",
        );
        for (route, m, _) in &snapshot.routes {
            for (date, h) in snapshot.versions.iter().zip(m.latency.iter()) {
                let mut extra = String::from(",version=\"");
                label(&mut extra, date);
                extra.push('"');
                series(w, "gati_version_requests_total", route, &extra, &h.count());
            }
        }
    }

    head(
        w,
        "gati_request_duration_seconds",
        "histogram",
        "Time from request head to response, by route and API version.",
    );
    for (route, m, _) in &snapshot.routes {
        let mut route_label = String::from("route=\"");
        label(&mut route_label, route);
        route_label.push('"');
        let none = m.latency.len().saturating_sub(1);
        for (i, h) in m.latency.iter().enumerate() {
            match snapshot.versions.get(i) {
                Some(date) => {
                    let mut labels = format!("{route_label},version=\"");
                    label(&mut labels, date);
                    labels.push('"');
                    h.render(w, "gati_request_duration_seconds", &labels);
                }
                // Requests without a version: every request of an
                // unversioned service; in a versioned one only those
                // answered before a version was chosen, when there are any.
                None if i == none && (snapshot.versions.is_empty() || h.count() > 0) => {
                    h.render(w, "gati_request_duration_seconds", &route_label);
                }
                None => {}
            }
        }
    }

    head(
        w,
        "gati_queue_wait_seconds",
        "histogram",
        "Time in the admission queue, for requests that found no free slot (admitted or shed); with a route label for a route's own limit.",
    );
    for (route, h) in &snapshot.waits {
        let mut labels = String::new();
        if let Some(route) = route {
            labels.push_str("route=\"");
            label(&mut labels, route);
            labels.push('"');
        }
        h.render(w, "gati_queue_wait_seconds", &labels);
    }

    // Per-route counters of requests turned away, each a family of its own.
    type Count = fn(&RouteMetrics) -> u64;
    let turned_away: [(&str, &str, Count); 3] = [
        (
            "gati_shed_total",
            "Requests answered 503 by admission control, by route.",
            |m| m.shed.load(Relaxed),
        ),
        (
            "gati_limited_total",
            "Requests answered 429 by a per-client limit (requests in flight, rate, rejected credentials), by route.",
            |m| m.limited.load(Relaxed),
        ),
        (
            "gati_auth_failures_total",
            "Credentials presented and not accepted, by route.",
            |m| m.auth_failures.load(Relaxed),
        ),
    ];
    for (name, help, count) in turned_away {
        head(w, name, "counter", help);
        for (route, m, _) in &snapshot.routes {
            series(w, name, route, "", &count(m));
        }
    }

    let gated = || {
        snapshot
            .routes
            .iter()
            .filter_map(|(r, _, g)| g.map(|g| (*r, g)))
    };
    head(
        w,
        "gati_route_in_flight",
        "gauge",
        "Requests holding an admission slot (reading their body or in the handler), by route.",
    );
    for (route, m, _) in &snapshot.routes {
        series(w, "gati_route_in_flight", route, "", &m.in_flight());
    }
    head(
        w,
        "gati_route_queue_depth",
        "gauge",
        "Requests waiting for a slot, for routes with their own limit.",
    );
    for (route, g) in gated() {
        series(w, "gati_route_queue_depth", route, "", &g.queued);
    }

    let s = snapshot.service;
    let singles: [(&str, &str, &str, u64); 6] = [
        (
            "gati_in_flight",
            "gauge",
            "Requests holding a service-wide slot.",
            s.in_flight,
        ),
        (
            "gati_queue_depth",
            "gauge",
            "Requests waiting for a service-wide slot.",
            s.queued,
        ),
        (
            "gati_service_shed_total",
            "counter",
            "Requests shed by the service-wide limit.",
            s.shed,
        ),
        (
            "gati_draining",
            "gauge",
            "1 while shutting down.",
            u64::from(snapshot.draining),
        ),
        (
            "gati_connections_refused_total",
            "counter",
            "Connections closed at once because their address had too many open.",
            snapshot.refused,
        ),
        (
            "gati_clients",
            "gauge",
            "Clients (addresses, credentials and their per-route buckets) the server keeps limits for.",
            snapshot.clients,
        ),
    ];
    for (name, kind, help, value) in singles {
        head(w, name, kind, help);
        let _ = writeln!(w, "{name} {value}");
    }

    head(
        w,
        "gati_build_info",
        "gauge",
        "Always 1: the gatic version that generated the server, a hash of its spec, and the API versions it serves.",
    );
    let mut labels = String::from("gatic_version=\"");
    label(&mut labels, snapshot.build.gatic_version);
    labels.push_str("\",spec_hash=\"");
    label(&mut labels, snapshot.build.spec_hash);
    labels.push_str("\",versions=\"");
    label(&mut labels, &snapshot.versions.join(","));
    let _ = writeln!(w, "gati_build_info{{{labels}\"}} 1");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_prometheus_text() {
        let a = RouteMetrics::new(2);
        // Served at the second version, at an index past the table (counted
        // as without a version), and without a version.
        let cases: &[(u16, u64, Option<usize>)] = &[
            (200, 100, Some(1)),
            (201, 3_000, Some(1)),
            (404, 700_000, Some(7)),
            (503, 20_000_000, None),
            (99, 1, None),
        ];
        for &(status, micros, version) in cases {
            a.observe(status, Duration::from_micros(micros), version);
        }
        a.shed();
        let b = RouteMetrics::new(2);
        let (_one, _two) = (b.enter(), b.enter());
        drop(a.enter());
        let gauges = GateGauges {
            in_flight: 2,
            queued: 1,
            shed: 4,
        };
        let wait = Histogram::default();
        wait.observe(Duration::from_millis(3));
        let route_wait = Histogram::default();
        let snapshot = Snapshot {
            routes: vec![("get_user", &a, None), ("odd\"name", &b, Some(gauges))],
            service: GateGauges {
                in_flight: 3,
                queued: 0,
                shed: 5,
            },
            draining: true,
            refused: 2,
            clients: 4,
            versions: vec!["2024-01-01", "2025-01-01"],
            waits: vec![(None, &wait), (Some("odd\"name"), &route_wait)],
            build: BuildInfo {
                gatic_version: "0.1.0",
                spec_hash: "00ff00ff00ff00ff",
            },
        };
        let text = render(&snapshot);
        let expected = [
            "# TYPE gati_requests_total counter",
            "gati_requests_total{route=\"get_user\",class=\"1xx\"} 1",
            "gati_requests_total{route=\"get_user\",class=\"2xx\"} 2",
            "gati_requests_total{route=\"get_user\",class=\"4xx\"} 1",
            "gati_requests_total{route=\"get_user\",class=\"5xx\"} 1",
            "# TYPE gati_request_duration_seconds histogram",
            "gati_request_duration_seconds_bucket{route=\"get_user\",version=\"2025-01-01\",le=\"0.0005\"} 1",
            "gati_request_duration_seconds_bucket{route=\"get_user\",version=\"2025-01-01\",le=\"0.005\"} 2",
            "gati_request_duration_seconds_count{route=\"get_user\",version=\"2025-01-01\"} 2",
            "gati_request_duration_seconds_sum{route=\"get_user\",version=\"2025-01-01\"} 0.0031",
            "gati_request_duration_seconds_count{route=\"get_user\",version=\"2024-01-01\"} 0",
            "gati_request_duration_seconds_bucket{route=\"get_user\",le=\"0.0005\"} 1",
            "gati_request_duration_seconds_bucket{route=\"get_user\",le=\"1\"} 2",
            "gati_request_duration_seconds_bucket{route=\"get_user\",le=\"+Inf\"} 3",
            "gati_request_duration_seconds_count{route=\"get_user\"} 3",
            "gati_request_duration_seconds_sum{route=\"get_user\"} 20.700001",
            "gati_request_duration_seconds_count{route=\"odd\\\"name\",version=\"2025-01-01\"} 0",
            "# TYPE gati_queue_wait_seconds histogram",
            "gati_queue_wait_seconds_bucket{le=\"0.005\"} 1",
            "gati_queue_wait_seconds_count 1",
            "gati_queue_wait_seconds_count{route=\"odd\\\"name\"} 0",
            "gati_shed_total{route=\"get_user\"} 1",
            "# TYPE gati_version_requests_total counter",
            "gati_version_requests_total{route=\"get_user\",version=\"2024-01-01\"} 0",
            "gati_version_requests_total{route=\"get_user\",version=\"2025-01-01\"} 2",
            "gati_version_requests_total{route=\"odd\\\"name\",version=\"2025-01-01\"} 0",
            "gati_route_in_flight{route=\"odd\\\"name\"} 2",
            "gati_route_queue_depth{route=\"odd\\\"name\"} 1",
            "gati_in_flight 3",
            "gati_queue_depth 0",
            "gati_service_shed_total 5",
            "gati_draining 1",
            "gati_build_info{gatic_version=\"0.1.0\",spec_hash=\"00ff00ff00ff00ff\",versions=\"2024-01-01,2025-01-01\"} 1",
        ];
        let lines: Vec<&str> = text.lines().collect();
        for line in expected {
            assert!(lines.contains(&line), "missing {line:?} in\n{text}");
        }
        // Every route has its in-flight gauge; a finished request left it.
        assert!(lines.contains(&"gati_route_in_flight{route=\"get_user\"} 0"));
        // A versioned route without unversioned requests has no series
        // without a version.
        assert!(!text.contains("gati_request_duration_seconds_count{route=\"odd\\\"name\"}"));
        assert!(!text.contains("class=\"3xx\""));
        // Every sample line is `name{labels} value` or `name value`.
        for line in lines.iter().filter(|l| !l.starts_with('#')) {
            let value = line.rsplit(' ').next().unwrap_or("");
            assert!(value.parse::<f64>().is_ok(), "{line}");
        }
    }
}
