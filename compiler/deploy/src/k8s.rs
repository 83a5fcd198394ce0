//! The Kubernetes manifests: a kustomize base (Deployment, Service, HPA,
//! PodDisruptionBudget, and a ConfigMap generated from `config.env`) and one
//! overlay per environment that sets its image tag, replicas and resources.
//!
//! The container has two ports: `http`, the API, which the Service exposes,
//! and `admin`, the runtime's admin listener (`GATI_ADMIN_PORT`), which
//! serves the probes and `/metrics` so that they never compete with API
//! traffic. The admin port is for the kubelet and in-cluster scrapers, never
//! for the public, so the Service leaves it out.

use gatic_ir::OutputFile;

use crate::config::{DeployConfig, Environment, Scale, UID};
use crate::quantity::{format_cpu, format_memory};
use crate::yaml::{Node, map, render, seq};

/// The readiness probe's path: 503 once the runtime drains.
pub(crate) const READINESS: &str = "/readyz";
/// The liveness probe's path: 200 while the process runs.
pub(crate) const LIVENESS: &str = "/healthz";
/// The path Prometheus scrapes on the admin port.
const METRICS: &str = "/metrics";

/// Extra seconds of `terminationGracePeriodSeconds` beyond the preStop delay
/// and the drain deadline, so the kubelet never kills a pod still draining.
const GRACE_MARGIN_S: u64 = 5;

/// Every file under `deploy/k8s/`.
pub(crate) fn files(config: &DeployConfig, header: &str) -> Vec<OutputFile> {
    let base = "deploy/k8s/base";
    let mut out = vec![
        file(
            format!("{base}/kustomization.yaml"),
            header,
            &base_kustomization(config),
        ),
        env_file(format!("{base}/config.env"), header, config),
        file(
            format!("{base}/deployment.yaml"),
            header,
            &deployment(config),
        ),
        file(format!("{base}/service.yaml"), header, &service(config)),
    ];
    if config.autoscale {
        out.push(file(
            format!("{base}/hpa.yaml"),
            header,
            &hpa(config, &config.base),
        ));
    }
    out.push(file(format!("{base}/pdb.yaml"), header, &pdb(config)));
    for env in &config.environments {
        let dir = format!("deploy/k8s/overlays/{}", env.name);
        out.push(file(
            format!("{dir}/kustomization.yaml"),
            header,
            &overlay_kustomization(config, env),
        ));
        out.push(file(
            format!("{dir}/deployment-patch.yaml"),
            header,
            &deployment_patch(config, &env.scale),
        ));
        if config.autoscale {
            out.push(file(
                format!("{dir}/hpa-patch.yaml"),
                header,
                &hpa_patch(config, &env.scale),
            ));
        }
    }
    out
}

fn file(path: String, header: &str, node: &Node) -> OutputFile {
    OutputFile {
        path,
        contents: render(header, node),
    }
}

/// The ConfigMap's data as an env file (`KEY=value` lines): kustomize's
/// `configMapGenerator` reads it, and so can `docker run --env-file`.
fn env_file(path: String, header: &str, config: &DeployConfig) -> OutputFile {
    let mut contents = format!("# {header}\n");
    for (key, value) in crate::runtime_env(config) {
        contents.push_str(&format!("{key}={value}\n"));
    }
    OutputFile { path, contents }
}

/// The name of the generated ConfigMap (kustomize adds a content hash).
fn config_map_name(config: &DeployConfig) -> String {
    format!("{}-config", config.name)
}

/// The labels every resource carries.
fn labels(config: &DeployConfig) -> Node {
    map! {
        "app.kubernetes.io/name" => &config.name,
        "app.kubernetes.io/component" => "api",
        "app.kubernetes.io/part-of" => &config.name,
        "app.kubernetes.io/managed-by" => "gatic",
    }
}

/// The labels that select the service's pods (a subset of [`labels`]; never
/// changed once deployed, as a Deployment's selector is immutable).
fn selector(config: &DeployConfig) -> Node {
    map! {
        "app.kubernetes.io/name" => &config.name,
        "app.kubernetes.io/component" => "api",
    }
}

fn metadata(config: &DeployConfig, name: &str) -> Node {
    map! { "name" => name, "labels" => labels(config) }
}

fn base_kustomization(config: &DeployConfig) -> Node {
    let mut resources = vec![Node::from("deployment.yaml"), Node::from("service.yaml")];
    if config.autoscale {
        resources.push(Node::from("hpa.yaml"));
    }
    resources.push(Node::from("pdb.yaml"));
    resources.extend(
        crate::monitoring::base_resources(config)
            .into_iter()
            .map(Node::from),
    );
    map! {
        "apiVersion" => "kustomize.config.k8s.io/v1beta1",
        "kind" => "Kustomization",
        "resources" => resources,
        "configMapGenerator" => seq![map! {
            "name" => config_map_name(config),
            "envs" => seq!["config.env"],
            "options" => map! { "labels" => labels(config) },
        }],
    }
}

fn resources(scale: &Scale) -> Node {
    let r = &scale.resources;
    map! {
        "requests" => map! {
            "cpu" => format_cpu(r.cpu_request),
            "memory" => format_memory(r.memory_request),
        },
        "limits" => map! {
            "cpu" => format_cpu(r.cpu_limit),
            "memory" => format_memory(r.memory_limit),
        },
    }
}

/// `terminationGracePeriodSeconds`: the preStop delay plus the runtime's
/// drain deadline plus a margin, in whole seconds.
pub(crate) fn grace_period_s(config: &DeployConfig) -> u64 {
    (config.prestop_ms + config.runtime.drain_timeout_ms).div_ceil(1000) + GRACE_MARGIN_S
}

fn deployment(config: &DeployConfig) -> Node {
    let probe = |path: &str, period: u32, failures: u32| {
        map! {
            "httpGet" => map! { "path" => path, "port" => "admin" },
            "periodSeconds" => period,
            "timeoutSeconds" => 2_u32,
            "failureThreshold" => failures,
        }
    };
    let mut container = map! {
        "name" => &config.name,
        "image" => &config.image,
        "ports" => seq![
            map! {
                "name" => "http",
                "containerPort" => config.port,
                "protocol" => "TCP",
            },
            map! {
                "name" => "admin",
                "containerPort" => config.admin_port,
                "protocol" => "TCP",
            },
        ],
        "envFrom" => seq![map! { "configMapRef" => map! { "name" => config_map_name(config) } }],
        "readinessProbe" => probe(READINESS, 5, 2),
        "livenessProbe" => probe(LIVENESS, 10, 3),
    };
    if config.prestop_ms > 0 {
        // Keep serving while endpoints controllers and load balancers stop
        // routing here; only then does SIGTERM start the runtime's drain.
        container.push(
            "lifecycle",
            map! { "preStop" => map! { "sleep" => map! { "seconds" => config.prestop_ms.div_ceil(1000) } } },
        );
    }
    container.push("resources", resources(&config.base));
    container.push(
        "securityContext",
        map! {
            "allowPrivilegeEscalation" => false,
            "readOnlyRootFilesystem" => true,
            "runAsNonRoot" => true,
            "capabilities" => map! { "drop" => seq!["ALL"] },
        },
    );

    let mut spec = map! {};
    if !config.autoscale {
        spec.push("replicas", config.base.replicas);
    }
    spec.push("revisionHistoryLimit", 5_u32);
    spec.push("selector", map! { "matchLabels" => selector(config) });
    spec.push(
        "strategy",
        map! {
            "type" => "RollingUpdate",
            "rollingUpdate" => map! { "maxSurge" => 1_u32, "maxUnavailable" => 0_u32 },
        },
    );
    spec.push(
        "template",
        map! {
            "metadata" => map! {
                "labels" => labels(config),
                // The conventional annotations Prometheus's Kubernetes pod
                // discovery keys on: scrape the admin port, not the API's.
                "annotations" => map! {
                    "prometheus.io/scrape" => "true",
                    "prometheus.io/port" => config.admin_port.to_string(),
                    "prometheus.io/path" => METRICS,
                },
            },
            "spec" => map! {
                "automountServiceAccountToken" => false,
                "enableServiceLinks" => false,
                "terminationGracePeriodSeconds" => grace_period_s(config),
                "securityContext" => map! {
                    "runAsNonRoot" => true,
                    "runAsUser" => UID,
                    "runAsGroup" => UID,
                    "seccompProfile" => map! { "type" => "RuntimeDefault" },
                },
                "containers" => seq![container],
            },
        },
    );
    map! {
        "apiVersion" => "apps/v1",
        "kind" => "Deployment",
        "metadata" => metadata(config, &config.name),
        "spec" => spec,
    }
}

/// The Service exposes the API port only: the admin port (probes and
/// metrics) is reached on the pod's own address by the kubelet and by
/// Prometheus, and is not for the public.
fn service(config: &DeployConfig) -> Node {
    map! {
        "apiVersion" => "v1",
        "kind" => "Service",
        "metadata" => metadata(config, &config.name),
        "spec" => map! {
            "type" => "ClusterIP",
            "selector" => selector(config),
            "ports" => seq![map! {
                "name" => "http",
                "port" => config.service_port,
                "targetPort" => "http",
                "protocol" => "TCP",
            }],
        },
    }
}

fn hpa_spec(config: &DeployConfig, scale: &Scale, full: bool) -> Node {
    let mut spec = map! {};
    if full {
        spec.push(
            "scaleTargetRef",
            map! { "apiVersion" => "apps/v1", "kind" => "Deployment", "name" => &config.name },
        );
    }
    spec.push("minReplicas", scale.replicas);
    spec.push("maxReplicas", scale.max_replicas);
    spec.push(
        "metrics",
        seq![map! {
            "type" => "Resource",
            "resource" => map! {
                "name" => "cpu",
                "target" => map! {
                    "type" => "Utilization",
                    "averageUtilization" => scale.cpu_utilization,
                },
            },
        }],
    );
    spec
}

fn hpa(config: &DeployConfig, scale: &Scale) -> Node {
    map! {
        "apiVersion" => "autoscaling/v2",
        "kind" => "HorizontalPodAutoscaler",
        "metadata" => metadata(config, &config.name),
        "spec" => hpa_spec(config, scale, true),
    }
}

fn pdb(config: &DeployConfig) -> Node {
    map! {
        "apiVersion" => "policy/v1",
        "kind" => "PodDisruptionBudget",
        "metadata" => metadata(config, &config.name),
        "spec" => map! {
            // One at a time, whatever the replica count: a single-replica
            // environment can still be drained.
            "maxUnavailable" => 1_u32,
            "selector" => map! { "matchLabels" => selector(config) },
            "unhealthyPodEvictionPolicy" => "AlwaysAllow",
        },
    }
}

fn overlay_kustomization(config: &DeployConfig, env: &Environment) -> Node {
    let mut k = map! {
        "apiVersion" => "kustomize.config.k8s.io/v1beta1",
        "kind" => "Kustomization",
    };
    if let Some(ns) = &env.namespace {
        k.push("namespace", ns);
    }
    k.push("resources", seq!["../../base"]);
    k.push(
        "images",
        seq![map! { "name" => &config.image, "newTag" => &env.tag }],
    );
    let mut patches = vec![map! { "path" => "deployment-patch.yaml" }];
    if config.autoscale {
        patches.push(map! { "path" => "hpa-patch.yaml" });
    }
    k.push("patches", patches);
    k
}

/// A strategic-merge patch of the Deployment: resources, and the replica
/// count when there is no autoscaler.
fn deployment_patch(config: &DeployConfig, scale: &Scale) -> Node {
    let mut spec = map! {};
    if !config.autoscale {
        spec.push("replicas", scale.replicas);
    }
    spec.push(
        "template",
        map! {
            "spec" => map! {
                "containers" => seq![map! {
                    "name" => &config.name,
                    "resources" => resources(scale),
                }],
            },
        },
    );
    map! {
        "apiVersion" => "apps/v1",
        "kind" => "Deployment",
        "metadata" => map! { "name" => &config.name },
        "spec" => spec,
    }
}

/// A strategic-merge patch of the autoscaler's bounds and target.
fn hpa_patch(config: &DeployConfig, scale: &Scale) -> Node {
    map! {
        "apiVersion" => "autoscaling/v2",
        "kind" => "HorizontalPodAutoscaler",
        "metadata" => map! { "name" => &config.name },
        "spec" => hpa_spec(config, scale, false),
    }
}
