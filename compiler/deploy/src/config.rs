//! Resolving the spec's `deploy { … }` settings, with defaults, into a
//! [`DeployConfig`]: every value the generators print, already checked.
//!
//! Errors name the setting's path (`deploy.replicas must be …`), point at
//! the key written in the `deploy` block that holds it (the IR carries where
//! each was written), and are all collected, never just the first.

use std::fmt;

use gatic_ir::{SourceSpan, Spec, Value};

use crate::quantity;

/// Every deploy setting, resolved: what the Dockerfile and manifests print.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeployConfig {
    /// The Kubernetes name of every resource (a DNS label): `deploy.name`, else
    /// the service's name lower-cased with `_` turned into `-`.
    pub name: String,
    /// The container image, without a tag (`deploy.image`, default: the name).
    pub image: String,
    /// The image tag overlays deploy unless they set their own (`deploy.tag`,
    /// default `latest`).
    pub tag: String,
    /// The port the server listens on (`deploy.port`, default 8080): `PORT`,
    /// the container port and the Dockerfile's `EXPOSE`.
    pub port: u16,
    /// The port of the runtime's admin listener (`deploy.admin_port`, default
    /// 9090): `GATI_ADMIN_PORT`, the container's `admin` port, which the
    /// probes and Prometheus use, and the Dockerfile's second `EXPOSE`. It
    /// is for the kubelet and in-cluster scrapers only: the Service does not
    /// expose it.
    pub admin_port: u16,
    /// The Service's port (`deploy.service_port`, default 80).
    pub service_port: u16,
    /// Whether a HorizontalPodAutoscaler sizes the Deployment (`deploy.autoscale
    /// false` turns it off, and the Deployment then has a fixed replica count).
    pub autoscale: bool,
    /// The base's scale and resources (the `deploy` block's own values).
    pub base: Scale,
    /// The environments with an overlay, in order (default: dev, prod).
    pub environments: Vec<Environment>,
    /// The runtime's settings: the ConfigMap's data.
    pub runtime: Runtime,
    /// How long a terminating pod keeps serving before the runtime is told
    /// to drain, so load balancers stop sending to it first
    /// (`deploy.prestop`, default 5s; 0 leaves out the preStop hook).
    pub prestop_ms: u64,
    /// How the Dockerfile builds the handler binary.
    pub build: Build,
    /// How Prometheus finds the metrics, and the alerts' thresholds.
    pub monitoring: Monitoring,
    /// The output folder relative to the build context (the spec's folder),
    /// as the Dockerfile's usage comment and `.dockerignore` name it: `gen`
    /// by default; the CLI sets it when `gatic build --out` says otherwise.
    pub out_dir: String,
}

/// Replica bounds and resources of the base or of one environment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scale {
    /// The fewest replicas (the HPA's `minReplicas`), or the fixed count
    /// without autoscaling (`replicas`, or `autoscale.min`).
    pub replicas: u32,
    /// The HPA's `maxReplicas` (`autoscale.max`, default 5 × replicas).
    pub max_replicas: u32,
    /// The HPA's target average CPU utilization, in percent of the request
    /// (`autoscale.cpu`, default 70).
    pub cpu_utilization: u32,
    /// The container's requests and limits.
    pub resources: Resources,
}

/// A container's resource requests and limits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resources {
    /// CPU request in millicores (`cpu`, default 250m).
    pub cpu_request: u64,
    /// CPU limit in millicores (`cpu_limit`, default 4 × the request).
    pub cpu_limit: u64,
    /// Memory request in bytes (`memory`, default 128Mi).
    pub memory_request: u64,
    /// Memory limit in bytes (`memory_limit`, default 2 × the request).
    pub memory_limit: u64,
}

/// One environment's overlay.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Environment {
    /// The overlay's folder name (`dev`).
    pub name: String,
    /// Its scale and resources.
    pub scale: Scale,
    /// The image tag its overlay deploys (`tag`, default `deploy.tag`, whose
    /// default is `latest`); `gatic deploy --image` overrides it.
    pub tag: String,
    /// The namespace its overlay puts everything in (`namespace`); none
    /// leaves it to kubectl's current context.
    pub namespace: Option<String>,
}

/// The runtime's configuration: what the ConfigMap sets (see
/// `runtime-template/src/config.rs`, whose defaults these mirror).
///
/// The service's `limits { … }` are not here: the server is compiled with
/// them, route by route, and the runtime lets its environment override them
/// on every route (`GATI_MAX_BODY` would replace each route's own `body`),
/// so the ConfigMap leaves them out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Runtime {
    /// `GATI_HOST` (`deploy.host`, default `0.0.0.0`).
    pub host: String,
    /// `GATI_QUEUE_TIMEOUT_MS` (`deploy.queue_timeout`, default 1000).
    pub queue_timeout_ms: u64,
    /// `GATI_DRAIN_TIMEOUT_MS` (`deploy.drain_timeout`, default 10000).
    pub drain_timeout_ms: u64,
    /// `GATI_HEADER_TIMEOUT_MS` (`deploy.header_timeout`, default 10000).
    pub header_timeout_ms: u64,
}

/// How the service is monitored: `deploy { monitoring { … } }`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Monitoring {
    /// How Prometheus discovers the admin port's `/metrics`.
    pub scrape: Scrape,
    /// The latency budget the p99 alert fires over, in milliseconds
    /// (`monitoring.p99`, default 500ms).
    pub p99_ms: u64,
    /// The share of 5xx answers, in percent, that the error-rate alert fires
    /// over (`monitoring.error_percent`, default 5).
    pub error_percent: u32,
    /// The versions the alerts watch: each version the spec deprecates or
    /// sunsets, with its dates.
    pub versions: Vec<WatchedVersion>,
}

/// How Prometheus discovers the metrics (`monitoring.scrape`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scrape {
    /// `prometheus.io/*` annotations on the pods, which most Prometheus
    /// setups' `kubernetes_sd` relabelling honours (the default).
    Annotations,
    /// A Prometheus Operator `ServiceMonitor`, with a `PrometheusRule` for
    /// the alerts, in the base (so the cluster needs the Operator's CRDs).
    ServiceMonitor,
}

/// A version the alerts watch for traffic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WatchedVersion {
    /// The version's date, as the `version` label carries it.
    pub date: String,
    /// When its deprecation took effect (`deprecated since`, else the next
    /// version's date); `None` when only a sunset is set.
    pub deprecated_since: Option<String>,
    /// When it stops being served.
    pub sunset: Option<String>,
}

/// What the Dockerfile builds. Each value is the default of a build argument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Build {
    /// The handler crate's folder, relative to the build context, which is
    /// the folder holding the spec (`deploy.crate`, default `.`): `CRATE_DIR`.
    pub crate_dir: String,
    /// The handler crate's binary (`deploy.binary`, default: the service's
    /// name): `BIN`.
    pub binary: String,
    /// The Rust toolchain image's version (`deploy.rust_version`, default
    /// 1.89): `RUST_VERSION`.
    pub rust_version: String,
}

/// The keys a `deploy` block may hold.
const DEPLOY_KEYS: [&str; 23] = [
    "name",
    "image",
    "tag",
    "port",
    "admin_port",
    "service_port",
    "replicas",
    "autoscale",
    "cpu",
    "cpu_limit",
    "memory",
    "memory_limit",
    "environments",
    "host",
    "queue_timeout",
    "drain_timeout",
    "header_timeout",
    "prestop",
    "crate",
    "binary",
    "rust_version",
    "namespace",
    "monitoring",
];

/// The keys a `monitoring` block may hold.
const MONITORING_KEYS: [&str; 3] = ["scrape", "p99", "error_percent"];

/// The keys an environment's block may hold.
const ENV_KEYS: [&str; 9] = [
    "replicas",
    "autoscale",
    "cpu",
    "cpu_limit",
    "memory",
    "memory_limit",
    "tag",
    "namespace",
    "image",
];

/// A `deploy` setting that is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// What is wrong, naming the setting's path (`deploy.port must be …`).
    pub message: String,
    /// Where: the key in the `deploy` block that holds the setting (for a
    /// nested one, such as `deploy.environments.prod.replicas`, the
    /// outermost key, `environments`), or the `deploy` key itself.
    pub span: SourceSpan,
    /// For a key that is not a setting: the key and the keys its block may
    /// hold, so the caller can suggest the closest one.
    pub unknown: Option<(String, &'static [&'static str])>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// The keys an environment's autoscale block may hold.
const AUTOSCALE_KEYS: [&str; 3] = ["min", "max", "cpu"];

/// The user id the image runs as and the pod enforces (distroless `nonroot`).
pub(crate) const UID: u32 = 65532;

/// Resolves the `deploy` setting of `spec`'s service block. `environments`
/// replaces the spec's list of environments (the CLI's choice); each still
/// takes its settings from the spec's `environments` block when it has one.
pub fn config(
    spec: &Spec,
    environments: Option<Vec<String>>,
) -> Result<DeployConfig, Vec<ConfigError>> {
    let mut errors = Vec::new();
    let block = spec.service.deploy.clone().unwrap_or_default();
    let settings = block.pairs();
    let mut s = Settings {
        path: "deploy".to_string(),
        fields: &settings,
        block: Some(&block),
        span: block.span,
        errors: &mut errors,
    };
    s.reject_unknown(&DEPLOY_KEYS);

    let name = resource_name(spec, &mut s);
    let image = image_name(&mut s, &name);
    let tag = s.string("tag").unwrap_or_else(|| "latest".to_string());
    check_tag(&mut s, "tag", &tag);
    let (port, admin_port) = listener_ports(&mut s);
    let service_port = s.port("service_port").unwrap_or(80);
    let namespace = s.string("namespace");
    if let Some(ns) = &namespace {
        check_namespace(&mut s, "namespace", ns);
    }

    let autoscale = !matches!(s.get("autoscale"), Some(Value::Bool(false)));
    let base = s.scale(None);
    let runtime = runtime_settings(&mut s);
    let prestop_ms = s.duration("prestop").unwrap_or(5000);
    let build = build_settings(spec, &mut s);

    let declared = declared_environments(&mut s);
    let names = environment_names(&mut s, environments, &declared);
    let inherited = Inherited {
        base: &base,
        tag: &tag,
        namespace: namespace.as_ref(),
    };
    let envs = resolve_environments(&mut s, &names, &declared, &inherited);
    // Settings of an environment that `environments` (from the CLI) leaves
    // out are simply unused.

    let monitoring = monitoring(spec, &mut s);

    if errors.is_empty() {
        Ok(DeployConfig {
            name,
            image,
            tag,
            port,
            admin_port,
            service_port,
            autoscale,
            base,
            environments: envs,
            runtime,
            prestop_ms,
            build,
            monitoring,
            out_dir: "gen".to_string(),
        })
    } else {
        Err(errors)
    }
}

/// The name of every resource: `deploy.name`, else the service's name
/// lower-cased with `_` turned into `-`. It must be a DNS label.
fn resource_name(spec: &Spec, s: &mut Settings<'_>) -> String {
    let name = match s.string("name") {
        Some(name) => name,
        None => spec.service.name.to_ascii_lowercase().replace('_', "-"),
    };
    if !is_dns_label(&name) {
        s.error_at("name", format!(
            "deploy.name must be a DNS label (lower-case letters, digits and '-', starting with a letter, at most 52 characters), not {name:?}; set deploy.name"
        ));
    }
    name
}

/// The container image: `deploy.image`, else the resources' `name`. It must
/// be an image name with neither a tag (that is `deploy.tag`) nor a digest.
fn image_name(s: &mut Settings<'_>, name: &str) -> String {
    let image = s.string("image").unwrap_or_else(|| name.to_string());
    if image.is_empty()
        || image.contains(char::is_whitespace)
        || image.contains('@')
        || has_tag(&image)
    {
        s.error_at("image", format!("deploy.image must be an image name without a tag or digest (set deploy.tag), not {image:?}"));
    }
    image
}

/// The API's port (`deploy.port`, default 8080) and the admin port
/// (`deploy.admin_port`, default 9090), which must differ. A port that was
/// set but rejected already has its error, so only ports actually read (or
/// defaulted) are compared.
fn listener_ports(s: &mut Settings<'_>) -> (u16, u16) {
    let api_port = s.port("port");
    let admin = s.port("admin_port");
    let port = api_port.unwrap_or(8080);
    let admin_port = admin.unwrap_or(9090);
    let read = |key: &str, value: Option<u16>| value.is_some() || s.get(key).is_none();
    if admin_port == port && read("port", api_port) && read("admin_port", admin) {
        let given = if admin.is_some() { "" } else { " by default" };
        let at = if admin.is_some() {
            "admin_port"
        } else {
            "port"
        };
        s.error_at(at, format!(
            "deploy.admin_port ({admin_port}{given}) must differ from deploy.port ({port}): probes and metrics are served on a port of their own; set another deploy.admin_port"
        ));
    }
    (port, admin_port)
}

/// The runtime's settings (the ConfigMap's data), each defaulted as the
/// runtime defaults it. The header timeout must be at least 1ms.
fn runtime_settings(s: &mut Settings<'_>) -> Runtime {
    let runtime = Runtime {
        host: s.string("host").unwrap_or_else(|| "0.0.0.0".to_string()),
        queue_timeout_ms: s.duration("queue_timeout").unwrap_or(1000),
        drain_timeout_ms: s.duration("drain_timeout").unwrap_or(10_000),
        header_timeout_ms: s.duration("header_timeout").unwrap_or(10_000),
    };
    if runtime.header_timeout_ms == 0 {
        s.error_at(
            "header_timeout",
            "deploy.header_timeout must be at least 1ms".to_string(),
        );
    }
    runtime
}

/// How the Dockerfile builds the handler binary. Each value becomes a build
/// argument, so each must be plain text: the crate a relative path inside
/// the build context, the binary and the Rust version single names.
fn build_settings(spec: &Spec, s: &mut Settings<'_>) -> Build {
    let build = Build {
        crate_dir: s.string("crate").unwrap_or_else(|| ".".to_string()),
        binary: s
            .string("binary")
            .unwrap_or_else(|| spec.service.name.clone()),
        rust_version: s
            .string("rust_version")
            .unwrap_or_else(|| "1.89".to_string()),
    };
    if !is_build_arg(&build.crate_dir)
        || build.crate_dir.starts_with('/')
        || build.crate_dir.split('/').any(|p| p == "..")
    {
        s.error_at(
            "crate",
            format!(
                "deploy.crate must be a relative path inside the build context, not {:?}",
                build.crate_dir
            ),
        );
    }
    if !is_build_arg(&build.binary) || build.binary.contains('/') {
        s.error_at(
            "binary",
            format!(
                "deploy.binary must be a binary's name, not {:?}",
                build.binary
            ),
        );
    }
    if !is_build_arg(&build.rust_version) || build.rust_version.contains('/') {
        s.error_at(
            "rust_version",
            format!(
                "deploy.rust_version must be a Rust version such as \"1.89\", not {:?}",
                build.rust_version
            ),
        );
    }
    build
}

/// Whether `value` is safe as a Dockerfile build argument: not empty, and
/// only ASCII letters, digits, `.`, `_`, `-` and `/`.
fn is_build_arg(value: &str) -> bool {
    !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-/".contains(c))
}

/// The environments the spec declares, each with its settings:
/// `deploy.environments` is a list of names (which have no settings) or a
/// block of named blocks. Anything else is an error and declares none.
fn declared_environments<'a>(s: &mut Settings<'a>) -> Vec<(String, &'a [(String, Value)])> {
    match s.get("environments") {
        None => Vec::new(),
        Some(Value::List(items)) => items
            .iter()
            .filter_map(|item| match item {
                Value::String(n) | Value::Enum(n) => Some((n.clone(), &[][..])),
                _ => {
                    s.error_at(
                        "environments",
                        "deploy.environments must list names, as in [dev, prod]".to_string(),
                    );
                    None
                }
            })
            .collect(),
        Some(Value::Object(envs)) => envs
            .iter()
            .filter_map(|(n, v)| match v {
                Value::Object(fields) => Some((n.clone(), fields.as_slice())),
                _ => {
                    s.error_at(
                        "environments",
                        format!("deploy.environments.{n} must be a block: {n} {{ replicas 1 }}"),
                    );
                    None
                }
            })
            .collect(),
        Some(_) => {
            s.error_at("environments", "deploy.environments must be a list, [dev, prod], or a block, { dev { replicas 1 } prod { replicas 3 } }".to_string());
            Vec::new()
        }
    }
}

/// The environments that get an overlay: the CLI's `chosen` list when it
/// gives one, else the declared ones, else dev and prod. There must be at
/// least one.
fn environment_names(
    s: &mut Settings<'_>,
    chosen: Option<Vec<String>>,
    declared: &[(String, &[(String, Value)])],
) -> Vec<String> {
    let names: Vec<String> = match chosen {
        Some(names) => names,
        None if declared.is_empty() => vec!["dev".to_string(), "prod".to_string()],
        None => declared.iter().map(|(n, _)| n.clone()).collect(),
    };
    if names.is_empty() {
        s.error_at(
            "environments",
            "deploy.environments must name at least one environment".to_string(),
        );
    }
    names
}

/// What an environment takes from the `deploy` block unless it sets its
/// own.
struct Inherited<'b> {
    /// The base's scale and resources.
    base: &'b Scale,
    /// `deploy.tag`, or its default.
    tag: &'b str,
    /// `deploy.namespace`, when set.
    namespace: Option<&'b String>,
}

/// One overlay per name in `names`, in order, each with the settings
/// `declared` gives it. A name that is not a DNS label, or is named twice,
/// is an error and gets no overlay.
fn resolve_environments(
    s: &mut Settings<'_>,
    names: &[String],
    declared: &[(String, &[(String, Value)])],
    inherited: &Inherited<'_>,
) -> Vec<Environment> {
    let mut envs: Vec<Environment> = Vec::new();
    for env in names {
        if !is_dns_label(env) {
            s.error_at("environments", format!("deploy.environments: {env:?} must be a DNS label (lower-case letters, digits and '-')"));
            continue;
        }
        if envs.iter().any(|e| &e.name == env) {
            s.error_at(
                "environments",
                format!("deploy.environments: {env:?} is named twice"),
            );
            continue;
        }
        let fields = declared
            .iter()
            .find(|(n, _)| n == env)
            .map_or(&[][..], |(_, f)| f);
        envs.push(environment(s, env, fields, inherited));
    }
    envs
}

/// The overlay of the environment `env`, from its block's `fields`: its
/// scale starts from the base's, and its tag and namespace default to the
/// `deploy` block's. The image and whether to autoscale are the same in
/// every environment, so setting either is an error.
fn environment(
    s: &mut Settings<'_>,
    env: &str,
    fields: &[(String, Value)],
    inherited: &Inherited<'_>,
) -> Environment {
    let mut e = Settings {
        path: format!("deploy.environments.{env}"),
        fields,
        block: None,
        span: s.span_of("environments"),
        errors: s.errors,
    };
    e.reject_unknown(&ENV_KEYS);
    if e.get("image").is_some() {
        e.error(format!(
            "{}.image cannot differ per environment; set deploy.image, and {}.tag",
            e.path, e.path
        ));
    }
    if matches!(e.get("autoscale"), Some(Value::Bool(_))) {
        e.error(format!(
            "{}.autoscale cannot be turned on or off per environment; set deploy.autoscale",
            e.path
        ));
    }
    let scale = e.scale(Some((inherited.base, env == "dev")));
    let tag = e.string("tag").unwrap_or_else(|| inherited.tag.to_string());
    check_tag(&mut e, "tag", &tag);
    let ns = e
        .string("namespace")
        .or_else(|| inherited.namespace.cloned());
    if let Some(ns) = &ns {
        check_namespace(&mut e, "namespace", ns);
    }
    Environment {
        name: env.to_string(),
        scale,
        tag,
        namespace: ns,
    }
}

/// The `monitoring` block: how metrics are scraped and when alerts fire;
/// the versions the alerts watch come from the spec's history.
fn monitoring(spec: &Spec, s: &mut Settings<'_>) -> Monitoring {
    let fields: &[(String, Value)] = match s.get("monitoring") {
        Some(Value::Object(fields)) => fields,
        None => &[],
        Some(_) => {
            s.error_at(
                "monitoring",
                "deploy.monitoring must be a block, { scrape service_monitor, p99 500ms, error_percent 5 }",
            );
            &[]
        }
    };
    let mut m = Settings {
        path: "deploy.monitoring".to_string(),
        fields,
        block: None,
        span: s.span_of("monitoring"),
        errors: s.errors,
    };
    m.reject_unknown(&MONITORING_KEYS);
    let scrape = match m.string("scrape").as_deref() {
        None | Some("annotations") => Scrape::Annotations,
        Some("service_monitor") => Scrape::ServiceMonitor,
        Some(other) => {
            m.error(format!(
                "deploy.monitoring.scrape must be annotations or service_monitor, not {other:?}"
            ));
            Scrape::Annotations
        }
    };
    let p99_ms = m.duration("p99").unwrap_or(500);
    if p99_ms == 0 {
        m.error("deploy.monitoring.p99 must be at least 1ms".to_string());
    }
    let error_percent = m.count("error_percent", 100, "a percentage").unwrap_or(5);
    let versions = spec
        .versions
        .iter()
        .enumerate()
        .filter(|(_, v)| v.deprecated || v.sunset.is_some())
        .map(|(i, v)| WatchedVersion {
            date: v.date.clone(),
            deprecated_since: v.deprecated.then(|| {
                v.deprecated_since.clone().unwrap_or_else(|| {
                    spec.versions
                        .get(i + 1)
                        .map_or_else(|| v.date.clone(), |next| next.date.clone())
                })
            }),
            sunset: v.sunset.clone(),
        })
        .collect();
    Monitoring {
        scrape,
        p99_ms,
        error_percent,
        versions,
    }
}

/// One block of settings being read, with the path its errors name and
/// where they point.
struct Settings<'a> {
    path: String,
    fields: &'a [(String, Value)],
    /// The `deploy` block itself, whose keys have spans; `None` for a
    /// nested block, whose errors point at [`Settings::span`].
    block: Option<&'a gatic_ir::SettingsBlock>,
    /// Where errors about the block as a whole point.
    span: SourceSpan,
    errors: &'a mut Vec<ConfigError>,
}

impl<'a> Settings<'a> {
    /// An error about the block as a whole.
    fn error(&mut self, message: String) {
        let span = self.span;
        self.push(message, span, None);
    }

    /// An error about `key`: it points at the key when this is the `deploy`
    /// block, else at the block.
    fn error_at(&mut self, key: &str, message: impl Into<String>) {
        let span = self.span_of(key);
        self.push(message.into(), span, None);
    }

    fn push(
        &mut self,
        message: String,
        span: SourceSpan,
        unknown: Option<(String, &'static [&'static str])>,
    ) {
        self.errors.push(ConfigError {
            message,
            span,
            unknown,
        });
    }

    /// Where `key` was written, or the block when that is not known.
    fn span_of(&self, key: &str) -> SourceSpan {
        self.block.map_or(self.span, |b| b.span_of(key))
    }

    fn get(&self, key: &str) -> Option<&'a Value> {
        self.fields.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    fn reject_unknown(&mut self, known: &'static [&'static str]) {
        let mut seen: Vec<&str> = Vec::new();
        for (i, (key, _)) in self.fields.iter().enumerate() {
            // The entry's own span: a repeated key points at its repeat.
            let span = self
                .block
                .and_then(|b| b.entries.get(i))
                .map_or(self.span, |e| e.span);
            if !known.contains(&key.as_str()) {
                let message = format!(
                    "{}.{key} is not a deploy setting (known: {})",
                    self.path,
                    known.join(", ")
                );
                self.push(message, span, Some((key.clone(), known)));
            } else if seen.contains(&key.as_str()) {
                let message = format!("{}.{key} is set twice", self.path);
                self.push(message, span, None);
            }
            seen.push(key);
        }
    }

    fn string(&mut self, key: &str) -> Option<String> {
        match self.get(key)? {
            Value::String(s) | Value::Enum(s) => Some(s.clone()),
            _ => {
                self.error_at(key, format!("{}.{key} must be a string", self.path));
                None
            }
        }
    }

    /// A positive whole number no larger than `max`.
    fn count(&mut self, key: &str, max: u32, what: &str) -> Option<u32> {
        match self.get(key)? {
            Value::Int(n) if *n >= 1 && *n <= i64::from(max) => u32::try_from(*n).ok(),
            _ => {
                self.error_at(
                    key,
                    format!("{}.{key} must be {what} from 1 to {max}", self.path),
                );
                None
            }
        }
    }

    fn port(&mut self, key: &str) -> Option<u16> {
        self.count(key, 65535, "a port number")
            .and_then(|p| u16::try_from(p).ok())
    }

    /// A duration: a duration literal (milliseconds in the IR) or a string
    /// such as "500ms".
    fn duration(&mut self, key: &str) -> Option<u64> {
        let parsed = match self.get(key)? {
            Value::Int(ms) => u64::try_from(*ms).ok(),
            Value::String(text) | Value::Enum(text) => quantity::parse_duration_ms(text),
            _ => None,
        };
        if parsed.is_none() {
            self.error_at(
                key,
                format!(
                    "{}.{key} must be a duration such as 10s or 500ms",
                    self.path
                ),
            );
        }
        parsed
    }

    fn cpu(&mut self, key: &str) -> Option<u64> {
        let parsed = match self.get(key)? {
            // `250m` unquoted is a 250-minute duration, so large integers are
            // rejected with a hint rather than read as millions of cores.
            Value::Int(n) if (1..=1024).contains(n) => u64::try_from(*n).ok().map(|n| n * 1000),
            Value::Float(f) if *f > 0.0 && *f <= 1024.0 && (f * 1000.0).fract() == 0.0 => {
                // Exact: at most three decimals, within range.
                Some((f * 1000.0) as u64)
            }
            Value::String(text) => quantity::parse_cpu(text),
            _ => None,
        };
        if parsed.is_none() {
            self.error_at(key, format!(
                "{}.{key} must be a CPU amount: cores (1, 0.5) or millicores as a string (\"250m\"; unquoted, 250m is a duration)",
                self.path
            ));
        }
        parsed
    }

    fn memory(&mut self, key: &str) -> Option<u64> {
        let parsed = match self.get(key)? {
            Value::Int(n) if *n > 0 => u64::try_from(*n).ok(),
            Value::String(text) => quantity::parse_bytes(text),
            _ => None,
        };
        if parsed.is_none() {
            self.error_at(
                key,
                format!(
                    "{}.{key} must be a memory amount such as \"128Mi\", \"1Gi\" or 128MiB",
                    self.path
                ),
            );
        }
        parsed
    }

    /// The scale of the base (`inherit` is `None`) or of an environment,
    /// which starts from the base's (`dev` defaults to one replica and half
    /// the CPU).
    fn scale(&mut self, inherit: Option<(&Scale, bool)>) -> Scale {
        let path = self.path.clone();
        let replicas = self.count("replicas", 1000, "a positive integer");
        let autoscale: &[(String, Value)] =
            match self.get("autoscale") {
                Some(Value::Object(fields)) => fields,
                Some(Value::Bool(_)) | None => &[],
                Some(_) => {
                    self.error_at("autoscale", format!(
                    "{path}.autoscale must be a block, {{ min 2, max 10, cpu 70 }}, or false"
                ));
                    &[]
                }
            };
        let mut a = Settings {
            path: format!("{path}.autoscale"),
            fields: autoscale,
            block: None,
            span: self.span_of("autoscale"),
            errors: self.errors,
        };
        a.reject_unknown(&AUTOSCALE_KEYS);
        let min = a.count("min", 1000, "a positive integer");
        let max = a.count("max", 1000, "a positive integer");
        let utilization = a.count("cpu", 1000, "a CPU utilization percentage");
        if let (Some(r), Some(m)) = (replicas, min)
            && r != m
        {
            self.error_at(
                "replicas",
                format!("{path}.replicas ({r}) and {path}.autoscale.min ({m}) disagree; set one"),
            );
        }
        let cpu = self.cpu("cpu");
        let cpu_limit = self.cpu("cpu_limit");
        let memory = self.memory("memory");
        let memory_limit = self.memory("memory_limit");

        let (is_dev, base) = match inherit {
            Some((base, dev)) => (dev, Some(base)),
            None => (false, None),
        };
        let replicas = min.or(replicas).unwrap_or(match base {
            Some(_) if is_dev => 1,
            Some(b) => b.replicas,
            None => 2,
        });
        let max_replicas = max.unwrap_or(match base {
            Some(_) if is_dev => replicas.max(2),
            Some(b) => b.max_replicas.max(replicas),
            None => replicas.saturating_mul(5),
        });
        if max_replicas < replicas {
            self.error_at("autoscale", format!(
                "{path}.autoscale.max ({max_replicas}) must be at least the minimum ({replicas})"
            ));
        }
        let cpu_utilization = utilization.unwrap_or(base.map_or(70, |b| b.cpu_utilization));
        let cpu_request = cpu.unwrap_or(match base {
            Some(b) if is_dev => (b.resources.cpu_request / 2).max(10),
            Some(b) => b.resources.cpu_request,
            None => 250,
        });
        let memory_request =
            memory.unwrap_or(base.map_or(128 << 20, |b| b.resources.memory_request));
        // An explicit limit wins; otherwise the base's limit when it still
        // covers the request; otherwise a multiple of the request.
        let cpu_limit = cpu_limit.unwrap_or(match base {
            Some(b) if b.resources.cpu_limit >= cpu_request && cpu.is_none() && !is_dev => {
                b.resources.cpu_limit
            }
            _ => cpu_request.saturating_mul(4),
        });
        let memory_limit = memory_limit.unwrap_or(match base {
            Some(b) if b.resources.memory_limit >= memory_request && memory.is_none() => {
                b.resources.memory_limit
            }
            _ => memory_request.saturating_mul(2),
        });
        if cpu_limit < cpu_request {
            self.error_at(
                "cpu_limit",
                format!("{path}.cpu_limit must be at least {path}.cpu"),
            );
        }
        if memory_limit < memory_request {
            self.error_at(
                "memory_limit",
                format!("{path}.memory_limit must be at least {path}.memory"),
            );
        }
        Scale {
            replicas,
            max_replicas,
            cpu_utilization,
            resources: Resources {
                cpu_request,
                cpu_limit,
                memory_request,
                memory_limit,
            },
        }
    }
}

fn check_tag(s: &mut Settings<'_>, key: &str, tag: &str) {
    let ok = !tag.is_empty()
        && tag.len() <= 128
        && tag
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        && !tag.starts_with(['.', '-']);
    if !ok {
        let message = format!(
            "{}.{key} must be an image tag (letters, digits, '.', '_', '-'), not {tag:?}",
            s.path
        );
        s.error_at(key, message);
    }
}

fn check_namespace(s: &mut Settings<'_>, key: &str, ns: &str) {
    if !is_dns_label(ns) {
        let message = format!("{}.{key} must be a DNS label, not {ns:?}", s.path);
        s.error_at(key, message);
    }
}

/// Whether `text` can name every resource: an RFC 1035 label short enough
/// for the suffixes kustomize and the ReplicaSet controller add.
pub(crate) fn is_dns_label(text: &str) -> bool {
    let bytes = text.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 52
        && bytes[0].is_ascii_lowercase()
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
        && !text.ends_with('-')
}

/// Whether an image reference carries a tag: a `:` after the last `/` (a
/// registry's port comes before it).
pub fn has_tag(image: &str) -> bool {
    let last = image.rsplit('/').next().unwrap_or(image);
    last.contains(':')
}
