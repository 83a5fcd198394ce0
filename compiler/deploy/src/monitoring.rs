//! Monitoring set up with the deployment: Prometheus alert rules, a Grafana
//! dashboard and, with `monitoring { scrape service_monitor }`, the
//! Prometheus Operator's resources.
//!
//! Every query reads the runtime's own metrics (`runtime-template/src/
//! metrics.rs`) and selects this service's pods by the `pod` label (the
//! Deployment names its pods `<name>-…`), which the Prometheus Operator sets
//! on every target; a Prometheus that scrapes by annotations should relabel
//! `__meta_kubernetes_pod_name` to `pod`. Files:
//!
//! - `deploy/monitoring/rules.yaml`: a Prometheus rule file (what
//!   `promtool check rules` reads): error rate, p99 over budget, sustained
//!   shedding, and traffic on each version the spec deprecates (past its
//!   deprecation date) or sunsets (past its sunset date);
//! - `deploy/monitoring/dashboard.json`: a Grafana dashboard with per-route,
//!   per-version and admission panels, its data source a variable;
//! - with the Operator: `k8s/base/metrics-service.yaml` (a Service for the
//!   admin port alone, for the ServiceMonitor to select: the API's Service
//!   leaves that port out on purpose), `k8s/base/servicemonitor.yaml`,
//!   `k8s/base/prometheusrule.yaml` (the same rules) and a dashboard
//!   ConfigMap labelled for Grafana's sidecar, all in the base's resources.

use gatic_ir::{OutputFile, Spec};
use serde_json::{Value as Json, json};

use crate::config::{DeployConfig, Scrape, WatchedVersion};
use crate::yaml::{Node, map, render, seq};

/// The admin port's metrics path.
const METRICS: &str = "/metrics";

/// Every monitoring file.
pub(crate) fn files(spec: &Spec, config: &DeployConfig, header: &str) -> Vec<OutputFile> {
    let groups = rule_groups(config);
    let dashboard = dashboard(spec, config);
    let dashboard_text = format!(
        "{}\n",
        serde_json::to_string_pretty(&dashboard).unwrap_or_default()
    );
    let mut out = vec![
        OutputFile {
            path: "deploy/monitoring/rules.yaml".to_string(),
            contents: render(header, &map! { "groups" => groups.clone() }),
        },
        OutputFile {
            path: "deploy/monitoring/dashboard.json".to_string(),
            contents: dashboard_text.clone(),
        },
    ];
    if config.monitoring.scrape == Scrape::ServiceMonitor {
        let base = "deploy/k8s/base";
        out.push(OutputFile {
            path: format!("{base}/metrics-service.yaml"),
            contents: render(header, &metrics_service(config)),
        });
        out.push(OutputFile {
            path: format!("{base}/servicemonitor.yaml"),
            contents: render(header, &service_monitor(config)),
        });
        out.push(OutputFile {
            path: format!("{base}/prometheusrule.yaml"),
            contents: render(header, &prometheus_rule(config, groups)),
        });
        out.push(OutputFile {
            path: format!("{base}/grafana-dashboard.yaml"),
            contents: render(header, &dashboard_config_map(config, &dashboard_text)),
        });
    }
    out
}

/// The resources [`files`] adds to the base's kustomization, in order.
pub(crate) fn base_resources(config: &DeployConfig) -> Vec<&'static str> {
    match config.monitoring.scrape {
        Scrape::Annotations => Vec::new(),
        Scrape::ServiceMonitor => vec![
            "metrics-service.yaml",
            "servicemonitor.yaml",
            "prometheusrule.yaml",
            "grafana-dashboard.yaml",
        ],
    }
}

/// The label matcher that selects this service's pods.
fn selector(config: &DeployConfig) -> String {
    format!("pod=~\"{}-.+\"", config.name)
}

/// The labels of the monitoring resources (the service's, plus the part).
fn labels(config: &DeployConfig, component: &str) -> Node {
    map! {
        "app.kubernetes.io/name" => &config.name,
        "app.kubernetes.io/component" => component,
        "app.kubernetes.io/part-of" => &config.name,
        "app.kubernetes.io/managed-by" => "gatic",
    }
}

/// One alerting rule.
fn alert(name: &str, expr: String, for_: &str, severity: &str, summary: String) -> Node {
    map! {
        "alert" => name,
        "expr" => expr,
        "for" => for_,
        "labels" => map! { "severity" => severity },
        "annotations" => map! { "summary" => summary },
    }
}

/// The alert rules, as the `groups` of a rule file.
fn rule_groups(config: &DeployConfig) -> Node {
    let sel = selector(config);
    let m = &config.monitoring;
    let name = &config.name;
    let ratio = f64::from(m.error_percent) / 100.0;
    let budget_s = m.p99_ms as f64 / 1000.0;
    let mut rules = vec![
        alert(
            "GatiHighErrorRate",
            format!(
                "sum(rate(gati_requests_total{{{sel},class=\"5xx\"}}[5m])) / sum(rate(gati_requests_total{{{sel}}}[5m])) > {ratio}"
            ),
            "5m",
            "critical",
            format!(
                "{name}: more than {}% of requests answered 5xx over 5 minutes",
                m.error_percent
            ),
        ),
        alert(
            "GatiLatencyP99OverBudget",
            format!(
                "histogram_quantile(0.99, sum by (le, route) (rate(gati_request_duration_seconds_bucket{{{sel}}}[5m]))) > {budget_s}"
            ),
            "10m",
            "warning",
            format!(
                "{name}: route {{{{ $labels.route }}}} has a p99 latency over {}ms",
                m.p99_ms
            ),
        ),
        alert(
            "GatiSustainedShedding",
            format!(
                "sum(rate(gati_service_shed_total{{{sel}}}[5m])) + sum(rate(gati_shed_total{{{sel}}}[5m])) > 0"
            ),
            "15m",
            "warning",
            format!(
                "{name}: the admission queue has turned requests away (503) for 15 minutes; add replicas or raise the concurrency"
            ),
        ),
    ];
    for v in &m.versions {
        rules.extend(version_alerts(config, v));
    }
    seq![map! {
        "name" => format!("{name}.rules"),
        "rules" => Node::Seq(rules),
    }]
}

/// Alerts on traffic to a version past its deprecation or sunset date.
fn version_alerts(config: &DeployConfig, v: &WatchedVersion) -> Vec<Node> {
    let sel = selector(config);
    let traffic = format!(
        "sum by (route) (rate(gati_version_requests_total{{{sel},version=\"{}\"}}[1h])) > 0",
        v.date
    );
    let mut out = Vec::new();
    if let Some(since) = &v.deprecated_since {
        out.push(alert(
            "GatiDeprecatedVersionInUse",
            format!("({traffic}) and on() (vector(time()) > {})", epoch(since)),
            "1h",
            "info",
            format!(
                "{}: clients still call route {{{{ $labels.route }}}} at API version {}, deprecated since {since}{}",
                config.name,
                v.date,
                v.sunset
                    .as_deref()
                    .map(|s| format!(" (sunset {s})"))
                    .unwrap_or_default()
            ),
        ));
    }
    if let Some(sunset) = &v.sunset {
        out.push(alert(
            "GatiSunsetVersionInUse",
            format!("({traffic}) and on() (vector(time()) > {})", epoch(sunset)),
            "15m",
            "warning",
            format!(
                "{}: clients still call route {{{{ $labels.route }}}} at API version {}, past its sunset ({sunset})",
                config.name, v.date
            ),
        ));
    }
    out
}

/// Seconds since the Unix epoch at the start of a `YYYY-MM-DD` day (UTC);
/// 0 for text that is not a date (the checker has validated every date).
fn epoch(date: &str) -> i64 {
    let mut parts = date.split('-').map(|p| p.parse::<i64>().unwrap_or(0));
    let (y, m, d) = (
        parts.next().unwrap_or(1970),
        parts.next().unwrap_or(1),
        parts.next().unwrap_or(1),
    );
    // Days from civil (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe - 719_468) * 86_400
}

/// A Service for the admin port alone, which the ServiceMonitor selects.
fn metrics_service(config: &DeployConfig) -> Node {
    map! {
        "apiVersion" => "v1",
        "kind" => "Service",
        "metadata" => map! {
            "name" => format!("{}-metrics", config.name),
            "labels" => labels(config, "metrics"),
        },
        "spec" => map! {
            "type" => "ClusterIP",
            "selector" => map! {
                "app.kubernetes.io/name" => &config.name,
                "app.kubernetes.io/component" => "api",
            },
            "ports" => seq![map! {
                "name" => "admin",
                "port" => config.admin_port,
                "targetPort" => "admin",
                "protocol" => "TCP",
            }],
        },
    }
}

fn service_monitor(config: &DeployConfig) -> Node {
    map! {
        "apiVersion" => "monitoring.coreos.com/v1",
        "kind" => "ServiceMonitor",
        "metadata" => map! { "name" => &config.name, "labels" => labels(config, "metrics") },
        "spec" => map! {
            "selector" => map! {
                "matchLabels" => map! {
                    "app.kubernetes.io/name" => &config.name,
                    "app.kubernetes.io/component" => "metrics",
                },
            },
            "endpoints" => seq![map! {
                "port" => "admin",
                "path" => METRICS,
                "interval" => "30s",
            }],
        },
    }
}

fn prometheus_rule(config: &DeployConfig, groups: Node) -> Node {
    map! {
        "apiVersion" => "monitoring.coreos.com/v1",
        "kind" => "PrometheusRule",
        "metadata" => map! { "name" => &config.name, "labels" => labels(config, "alerts") },
        "spec" => map! { "groups" => groups },
    }
}

/// The dashboard as a ConfigMap Grafana's sidecar loads (label
/// `grafana_dashboard: "1"`).
fn dashboard_config_map(config: &DeployConfig, json: &str) -> Node {
    let mut meta_labels = labels(config, "dashboard");
    meta_labels.push("grafana_dashboard", "1");
    map! {
        "apiVersion" => "v1",
        "kind" => "ConfigMap",
        "metadata" => map! {
            "name" => format!("{}-dashboard", config.name),
            "labels" => meta_labels,
        },
        "data" => map! { format!("{}.json", config.name) => json },
    }
}

/// One time-series panel at a grid position.
fn panel(
    id: u32,
    title: &str,
    unit: &str,
    (x, y, w): (u32, u32, u32),
    targets: &[(String, &str)],
) -> Json {
    let targets: Vec<Json> = targets
        .iter()
        .enumerate()
        .map(|(i, (expr, legend))| {
            json!({
                "refId": char::from(b'A' + u8::try_from(i).unwrap_or(0)).to_string(),
                "datasource": { "type": "prometheus", "uid": "${datasource}" },
                "expr": expr,
                "legendFormat": legend,
            })
        })
        .collect();
    json!({
        "id": id,
        "type": "timeseries",
        "title": title,
        "datasource": { "type": "prometheus", "uid": "${datasource}" },
        "gridPos": { "x": x, "y": y, "w": w, "h": 8 },
        "fieldConfig": { "defaults": { "unit": unit }, "overrides": [] },
        "options": { "legend": { "displayMode": "table", "placement": "right" } },
        "targets": targets,
    })
}

/// A row header.
fn row(id: u32, title: &str, y: u32) -> Json {
    json!({
        "id": id,
        "type": "row",
        "title": title,
        "collapsed": false,
        "gridPos": { "x": 0, "y": y, "w": 24, "h": 1 },
        "panels": [],
    })
}

/// The Grafana dashboard: routes, versions, admission.
fn dashboard(spec: &Spec, config: &DeployConfig) -> Json {
    let sel = selector(config);
    let versions_note = versions_note(&config.monitoring.versions);
    let mut panels = route_panels(&sel);
    panels.extend(version_panels(&sel));
    panels.extend(admission_panels(&sel));
    json!({
        "title": format!("{} (gatic)", spec.service.title),
        "uid": format!("gatic-{}", config.name),
        "description": format!(
            "The {} API: per-route traffic and latency, the API versions clients call, and admission. Generated by gatic from {}.{}",
            spec.service.title,
            spec.source,
            if versions_note.is_empty() { String::new() } else { format!("\nVersions watched by the alerts:{versions_note}") }
        ),
        "tags": ["gatic", config.name],
        "timezone": "utc",
        "schemaVersion": 39,
        "version": 1,
        "editable": true,
        "time": { "from": "now-1h", "to": "now" },
        "refresh": "30s",
        "templating": { "list": [{
            "name": "datasource",
            "label": "Data source",
            "type": "datasource",
            "query": "prometheus",
        }] },
        "panels": panels,
    })
}

/// The dashboard description's list of the versions the alerts watch, one
/// `\n- date…` line each with its deprecation and sunset dates; empty when
/// the alerts watch none.
fn versions_note(versions: &[WatchedVersion]) -> String {
    let mut note = String::new();
    for v in versions {
        note.push_str(&format!(
            "\n- {}{}{}",
            v.date,
            v.deprecated_since
                .as_deref()
                .map(|d| format!(", deprecated since {d}"))
                .unwrap_or_default(),
            v.sunset
                .as_deref()
                .map(|d| format!(", sunset {d}"))
                .unwrap_or_default()
        ));
    }
    note
}

/// The per-second rate of `metric` over this service's pods (`sel`), with
/// `extra` label matchers appended, over Grafana's rate interval.
fn dashboard_rate(sel: &str, metric: &str, extra: &str) -> String {
    format!("rate({metric}{{{sel}{extra}}}[$__rate_interval])")
}

/// The "Routes" row: requests, 5xx errors and p99 and p50 latency, each by
/// route.
fn route_panels(sel: &str) -> Vec<Json> {
    let rate = |metric: &str, extra: &str| dashboard_rate(sel, metric, extra);
    vec![
        row(1, "Routes", 0),
        panel(
            2,
            "Requests per second by route",
            "reqps",
            (0, 1, 12),
            &[(
                format!("sum by (route) ({})", rate("gati_requests_total", "")),
                "{{route}}",
            )],
        ),
        panel(
            3,
            "Errors (5xx) per second by route",
            "reqps",
            (12, 1, 12),
            &[(
                format!(
                    "sum by (route) ({})",
                    rate("gati_requests_total", ",class=\"5xx\"")
                ),
                "{{route}}",
            )],
        ),
        panel(
            4,
            "Latency p99 by route",
            "s",
            (0, 9, 12),
            &[(
                format!(
                    "histogram_quantile(0.99, sum by (le, route) ({}))",
                    rate("gati_request_duration_seconds_bucket", "")
                ),
                "{{route}}",
            )],
        ),
        panel(
            5,
            "Latency p50 by route",
            "s",
            (12, 9, 12),
            &[(
                format!(
                    "histogram_quantile(0.5, sum by (le, route) ({}))",
                    rate("gati_request_duration_seconds_bucket", "")
                ),
                "{{route}}",
            )],
        ),
    ]
}

/// The "API versions" row: requests per API version, and each version's
/// share of the traffic.
fn version_panels(sel: &str) -> Vec<Json> {
    let rate = |metric: &str, extra: &str| dashboard_rate(sel, metric, extra);
    vec![
        row(6, "API versions", 17),
        panel(
            7,
            "Requests per second by API version",
            "reqps",
            (0, 18, 12),
            &[(
                format!(
                    "sum by (version) ({})",
                    rate("gati_version_requests_total", "")
                ),
                "{{version}}",
            )],
        ),
        panel(
            8,
            "Share of traffic by API version",
            "percentunit",
            (12, 18, 12),
            &[(
                format!(
                    "sum by (version) ({r}) / ignoring(version) group_left sum({r})",
                    r = rate("gati_version_requests_total", "")
                ),
                "{{version}}",
            )],
        ),
    ]
}

/// The "Admission" row: requests in flight and queued, and the requests
/// turned away (shed, rate-limited, refused by auth).
fn admission_panels(sel: &str) -> Vec<Json> {
    let rate = |metric: &str, extra: &str| dashboard_rate(sel, metric, extra);
    vec![
        row(9, "Admission", 26),
        panel(
            10,
            "In flight and queued",
            "short",
            (0, 27, 12),
            &[
                (format!("sum(gati_in_flight{{{sel}}})"), "in flight"),
                (format!("sum(gati_queue_depth{{{sel}}})"), "queued"),
            ],
        ),
        panel(
            11,
            "Turned away per second",
            "reqps",
            (12, 27, 12),
            &[
                (
                    format!(
                        "sum({}) + sum({})",
                        rate("gati_service_shed_total", ""),
                        rate("gati_shed_total", "")
                    ),
                    "shed (503)",
                ),
                (
                    format!("sum({})", rate("gati_limited_total", "")),
                    "rate-limited (429)",
                ),
                (
                    format!("sum({})", rate("gati_auth_failures_total", "")),
                    "auth failures (401/403)",
                ),
            ],
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::epoch;

    #[test]
    fn dates_become_epoch_seconds() {
        assert_eq!(epoch("1970-01-01"), 0);
        assert_eq!(epoch("2000-03-01"), 951_868_800);
        assert_eq!(epoch("2025-01-01"), 1_735_689_600);
        assert_eq!(epoch("2024-02-29"), 1_709_164_800);
    }
}
