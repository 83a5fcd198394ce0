//! `gatic deploy ENV`: renders an environment's overlay with kustomize (a
//! standalone one on PATH, else kubectl's), and (unless it is a dry run)
//! applies the manifests with kubectl and waits for the rollout. It lives
//! in the CLI, which does the compiler's IO: `gatic-deploy` only turns the
//! IR into files.

use std::fmt;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use gatic_deploy::has_tag;

/// How long `kubectl rollout status` waits for a Deployment.
const ROLLOUT_TIMEOUT: &str = "300s";
/// How long kubectl waits for the cluster to answer the first request.
const REQUEST_TIMEOUT: &str = "10s";

/// Why `gatic deploy` failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeployError {
    /// The output folder has no overlay for the environment.
    NoOverlay {
        /// The environment asked for.
        env: String,
        /// Where its overlay was looked for.
        dir: PathBuf,
        /// The environments that do have an overlay.
        available: Vec<String>,
    },
    /// `--image` is not an image reference or tag.
    BadImage(String),
    /// kubectl could not be run.
    KubectlMissing {
        /// The program looked for.
        program: String,
        /// Why it could not run.
        reason: String,
    },
    /// No cluster answered kubectl.
    NoCluster {
        /// What kubectl said.
        detail: String,
    },
    /// A kubectl command failed.
    Kubectl {
        /// The command, as it would be typed.
        command: String,
        /// What it printed on stderr.
        stderr: String,
    },
    /// Reading the overlay or writing the temporary image override failed.
    Io(String),
}

impl fmt::Display for DeployError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeployError::NoOverlay {
                env,
                dir,
                available,
            } => {
                write!(f, "no overlay for environment {env:?} at {}", dir.display())?;
                if available.is_empty() {
                    write!(f, "; run `gatic build` first")
                } else {
                    write!(
                        f,
                        " (environments: {}); list it in the spec's deploy.environments and run `gatic build`",
                        available.join(", ")
                    )
                }
            }
            DeployError::BadImage(image) => write!(
                f,
                "--image {image:?} is neither a tag (1.2.3) nor an image reference (registry/name:tag or name@sha256:…)"
            ),
            DeployError::KubectlMissing { program, reason } => write!(
                f,
                "kubectl is needed to render and apply the manifests, but `{program}` could not be run ({reason}); install kubectl and put it on PATH"
            ),
            DeployError::NoCluster { detail } => write!(
                f,
                "no Kubernetes cluster answered kubectl: {detail}\npoint kubectl at a cluster (a kubeconfig and `kubectl config use-context NAME`), or pass --dry-run to only render the manifests"
            ),
            DeployError::Kubectl { command, stderr } => {
                write!(f, "`{command}` failed:\n{}", stderr.trim_end())
            }
            DeployError::Io(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for DeployError {}

/// Renders `out_dir/deploy/k8s/overlays/<env>` (with `kustomize build`
/// where kustomize is on PATH, else `kubectl kustomize`). A dry run returns
/// the YAML; otherwise applies it with `kubectl apply -f -`, runs `kubectl
/// rollout status` on each Deployment, and returns what they printed.
/// `image` replaces the overlay's image: a bare tag (`1.2.3`) keeps the
/// name, a reference (`ghcr.io/acme/users:1.2.3`, `…@sha256:…`) replaces both.
pub fn deploy(
    out_dir: &Path,
    env: &str,
    dry_run: bool,
    image: Option<&str>,
) -> Result<String, DeployError> {
    deploy_using("kubectl", out_dir, env, dry_run, image)
}

/// [`deploy`] with another kubectl program (a path or a name on PATH).
pub fn deploy_using(
    kubectl: &str,
    out_dir: &Path,
    env: &str,
    dry_run: bool,
    image: Option<&str>,
) -> Result<String, DeployError> {
    let overlays = out_dir.join("deploy").join("k8s").join("overlays");
    let overlay = overlays.join(env);
    if env.is_empty()
        || env.contains(['/', '\\'])
        || env == ".."
        || !overlay.join("kustomization.yaml").is_file()
    {
        return Err(DeployError::NoOverlay {
            env: env.to_string(),
            dir: overlay,
            available: environments(&overlays),
        });
    }
    let image = image.map(parse_image).transpose()?;
    let kubectl = Kubectl { program: kubectl };
    match image {
        None => run(&kubectl, &overlay, dry_run),
        Some(image) => {
            let wrapper = ImageOverride::create(&overlay, env, &image)?;
            let result = run(&kubectl, &wrapper.dir, dry_run);
            drop(wrapper);
            result
        }
    }
}

fn run(kubectl: &Kubectl<'_>, dir: &Path, dry_run: bool) -> Result<String, DeployError> {
    let yaml = render(kubectl, dir)?;
    if dry_run {
        return Ok(yaml);
    }
    // A cheap request first, so a missing cluster is reported as such.
    kubectl.run(&["version", &format!("--request-timeout={REQUEST_TIMEOUT}")])?;
    // The manifests as rendered are applied, so kubectl's own (possibly
    // older) kustomize never reads the overlay.
    let mut report = kubectl.run_with_input(
        &[
            "apply",
            "-f",
            "-",
            &format!("--request-timeout={REQUEST_TIMEOUT}"),
        ],
        &yaml,
    )?;
    for (name, namespace) in deployments(&yaml)? {
        let target = format!("deployment/{name}");
        let timeout = format!("--timeout={ROLLOUT_TIMEOUT}");
        let mut args = vec!["rollout", "status", target.as_str(), timeout.as_str()];
        if let Some(ns) = &namespace {
            args.extend(["--namespace", ns.as_str()]);
        }
        report.push_str(&kubectl.run(&args)?);
    }
    Ok(report)
}

/// The overlay's manifests: `kustomize build` where a kustomize is on PATH
/// (usually newer than the one kubectl embeds, which an old kubectl cannot
/// read these overlays with), else `kubectl kustomize`.
fn render(kubectl: &Kubectl<'_>, dir: &Path) -> Result<String, DeployError> {
    let dir_arg = dir.to_string_lossy();
    let standalone = Kubectl {
        program: "kustomize",
    };
    match standalone.run(&["build", &dir_arg]) {
        Err(DeployError::KubectlMissing { .. }) => kubectl.run(&["kustomize", &dir_arg]),
        rendered => rendered,
    }
}

/// The environments with an overlay, sorted.
fn environments(overlays: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(overlays)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|e| e.path().join("kustomization.yaml").is_file())
                .filter_map(|e| e.file_name().to_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// The name and namespace of every Deployment in rendered YAML.
fn deployments(yaml: &str) -> Result<Vec<(String, Option<String>)>, DeployError> {
    let docs: Vec<serde_json::Value> = serde_saphyr::from_multiple(yaml).map_err(|e| {
        DeployError::Io(format!(
            "kubectl kustomize printed YAML that could not be read: {e}"
        ))
    })?;
    Ok(docs
        .iter()
        .filter(|d| d["kind"] == "Deployment")
        .filter_map(|d| {
            let name = d["metadata"]["name"].as_str()?.to_string();
            let ns = d["metadata"]["namespace"].as_str().map(str::to_string);
            Some((name, ns))
        })
        .collect())
}

struct Kubectl<'a> {
    program: &'a str,
}

impl Kubectl<'_> {
    /// Runs kubectl with `args`; its stdout on success.
    fn run(&self, args: &[&str]) -> Result<String, DeployError> {
        self.run_with_input(args, "")
    }

    /// Runs kubectl with `args` and `input` on its stdin; its stdout on success.
    fn run_with_input(&self, args: &[&str], input: &str) -> Result<String, DeployError> {
        let missing = |e: std::io::Error| DeployError::KubectlMissing {
            program: self.program.to_string(),
            reason: if e.kind() == ErrorKind::NotFound {
                "not found".to_string()
            } else {
                e.to_string()
            },
        };
        let mut child = Command::new(self.program)
            .args(args)
            .stdin(if input.is_empty() {
                Stdio::null()
            } else {
                Stdio::piped()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(missing)?;
        if let Some(mut stdin) = child.stdin.take() {
            use std::io::Write as _;
            // A kubectl that exits before reading everything reports why on
            // stderr, which is what the error shows.
            let _ = stdin.write_all(input.as_bytes());
        }
        let output = child
            .wait_with_output()
            .map_err(|e| DeployError::KubectlMissing {
                program: self.program.to_string(),
                reason: if e.kind() == ErrorKind::NotFound {
                    "not found".to_string()
                } else {
                    e.to_string()
                },
            })?;
        if output.status.success() {
            return Ok(String::from_utf8_lossy(&output.stdout).into_owned());
        }
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        if is_unreachable(&stderr) {
            return Err(DeployError::NoCluster {
                detail: stderr.trim().to_string(),
            });
        }
        Err(DeployError::Kubectl {
            command: format!("{} {}", self.program, args.join(" ")),
            stderr,
        })
    }
}

/// Whether kubectl's complaint is that no API server answered.
fn is_unreachable(stderr: &str) -> bool {
    [
        "connection to the server",
        "was refused",
        "no configuration has been provided",
        "dial tcp",
        "no such host",
        "i/o timeout",
        "Unable to connect to the server",
        "context deadline exceeded",
    ]
    .iter()
    .any(|needle| stderr.contains(needle))
}

/// What `--image` changes in the overlay's `images:` entry.
#[derive(Debug, PartialEq, Eq)]
struct ImageChange {
    new_name: Option<String>,
    new_tag: Option<String>,
    digest: Option<String>,
}

/// `1.2.3` → a tag; `name:tag`, `registry:5000/name`, `name@sha256:…` → a reference.
fn parse_image(text: &str) -> Result<ImageChange, DeployError> {
    let bad = || DeployError::BadImage(text.to_string());
    if text.is_empty() || text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad());
    }
    let (name, digest) = match text.split_once('@') {
        Some((name, digest)) if digest.contains(':') => (name, Some(digest.to_string())),
        Some(_) => return Err(bad()),
        None => (text, None),
    };
    let (name, tag) = if has_tag(name) {
        match name.rsplit_once(':') {
            Some((n, t)) if !n.is_empty() && !t.is_empty() => (n, Some(t.to_string())),
            _ => return Err(bad()),
        }
    } else {
        (name, None)
    };
    if digest.is_none() && tag.is_none() && !name.contains('/') {
        // A bare word is a tag for the overlay's image.
        return Ok(ImageChange {
            new_name: None,
            new_tag: Some(name.to_string()),
            digest: None,
        });
    }
    Ok(ImageChange {
        new_name: (!name.is_empty()).then(|| name.to_string()),
        new_tag: tag,
        digest,
    })
}

/// A temporary kustomization, `deploy/k8s/.image-<env>-<pid>/`, that wraps
/// an overlay and changes its image; removed when dropped.
struct ImageOverride {
    dir: PathBuf,
}

impl ImageOverride {
    fn create(
        overlay: &Path,
        env: &str,
        change: &ImageChange,
    ) -> Result<ImageOverride, DeployError> {
        let io = |what: &str, e: std::io::Error| DeployError::Io(format!("{what}: {e}"));
        let text = std::fs::read_to_string(overlay.join("kustomization.yaml")).map_err(|e| {
            io(
                &format!("reading {}", overlay.join("kustomization.yaml").display()),
                e,
            )
        })?;
        let kustomization: serde_json::Value = serde_saphyr::from_str(&text).map_err(|e| {
            DeployError::Io(format!(
                "reading {}: {e}",
                overlay.join("kustomization.yaml").display()
            ))
        })?;
        let names: Vec<&str> = kustomization["images"]
            .as_array()
            .map(|images| images.iter().filter_map(|i| i["name"].as_str()).collect())
            .unwrap_or_default();
        if names.is_empty() {
            return Err(DeployError::Io(format!(
                "{} has no `images:` entry for --image to change; run `gatic build` again",
                overlay.join("kustomization.yaml").display()
            )));
        }
        let images: Vec<serde_json::Value> = names
            .iter()
            .map(|name| {
                let mut entry = serde_json::Map::new();
                entry.insert("name".into(), (*name).into());
                if let Some(n) = &change.new_name {
                    entry.insert("newName".into(), n.clone().into());
                }
                if let Some(t) = &change.new_tag {
                    entry.insert("newTag".into(), t.clone().into());
                }
                if let Some(d) = &change.digest {
                    entry.insert("digest".into(), d.clone().into());
                }
                entry.into()
            })
            .collect();
        // Kustomize takes no absolute paths, so the wrapper sits beside
        // `overlays/` and names the overlay relatively.
        let wrapper = serde_json::json!({
            "apiVersion": "kustomize.config.k8s.io/v1beta1",
            "kind": "Kustomization",
            "resources": [format!("../overlays/{env}")],
            "images": images,
        });
        let yaml = serde_saphyr::to_string(&wrapper).map_err(|e| DeployError::Io(e.to_string()))?;
        let k8s = overlay.parent().and_then(Path::parent).unwrap_or(overlay);
        let dir = k8s.join(format!(".image-{env}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| io(&format!("creating {}", dir.display()), e))?;
        let guard = ImageOverride { dir };
        std::fs::write(guard.dir.join("kustomization.yaml"), yaml)
            .map_err(|e| io(&format!("writing {}", guard.dir.display()), e))?;
        Ok(guard)
    }
}

impl Drop for ImageOverride {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(name: Option<&str>, tag: Option<&str>, digest: Option<&str>) -> ImageChange {
        ImageChange {
            new_name: name.map(str::to_string),
            new_tag: tag.map(str::to_string),
            digest: digest.map(str::to_string),
        }
    }

    #[test]
    fn images() {
        assert_eq!(parse_image("1.2.3"), Ok(change(None, Some("1.2.3"), None)));
        assert_eq!(
            parse_image("users:1.2"),
            Ok(change(Some("users"), Some("1.2"), None))
        );
        assert_eq!(
            parse_image("localhost:5000/acme/users"),
            Ok(change(Some("localhost:5000/acme/users"), None, None))
        );
        assert_eq!(
            parse_image("ghcr.io/acme/users:v2"),
            Ok(change(Some("ghcr.io/acme/users"), Some("v2"), None))
        );
        assert_eq!(
            parse_image("ghcr.io/acme/users@sha256:abc"),
            Ok(change(Some("ghcr.io/acme/users"), None, Some("sha256:abc")))
        );
        assert_eq!(
            parse_image("@sha256:abc"),
            Ok(change(None, None, Some("sha256:abc")))
        );
        for bad in ["", "a b", "users@", "users:"] {
            assert!(parse_image(bad).is_err(), "{bad}");
        }
    }
}
