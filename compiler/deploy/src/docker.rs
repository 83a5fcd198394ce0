//! The Dockerfile and its ignore file, rendered from the minijinja templates
//! in `targets/deploy/`.

use gatic_ir::OutputFile;
use minijinja::{Environment, context};

use crate::config::{DeployConfig, UID};

const DOCKERFILE: &str = include_str!("../../../targets/deploy/Dockerfile.j2");
const DOCKERIGNORE: &str = include_str!("../../../targets/deploy/dockerignore.j2");

/// The cargo-chef release the Dockerfile installs (a build argument).
const CHEF_VERSION: &str = "0.1.77";
/// The busybox image whose static binary runs the HEALTHCHECK.
const BUSYBOX_VERSION: &str = "1.37.0-musl";

/// `deploy/Dockerfile`, `deploy/.dockerignore` and the BuildKit copy of the
/// latter, `deploy/Dockerfile.dockerignore`.
pub(crate) fn files(config: &DeployConfig, header: &str) -> Vec<OutputFile> {
    let mut env = Environment::new();
    env.set_keep_trailing_newline(true);
    let out_dir = config.out_dir.trim_end_matches('/');
    let ctx = context! {
        header => header,
        dockerfile => format!("{out_dir}/deploy/Dockerfile"),
        out_dir => out_dir,
        image => &config.image,
        tag => &config.tag,
        rust_version => &config.build.rust_version,
        chef_version => CHEF_VERSION,
        busybox_version => BUSYBOX_VERSION,
        crate_dir => &config.build.crate_dir,
        binary => &config.build.binary,
        uid => UID,
        port => config.port,
        admin_port => config.admin_port,
        liveness => crate::k8s::LIVENESS,
    };
    let render = |source: &str| {
        // The templates are fixed and the context is plain data: a failure
        // is a bug in a template, reported in the file instead of a panic.
        env.render_str(source, &ctx)
            .unwrap_or_else(|e| format!("# template error: {e}\n"))
    };
    let ignore = render(DOCKERIGNORE);
    vec![
        OutputFile {
            path: "deploy/Dockerfile".to_string(),
            contents: render(DOCKERFILE),
        },
        OutputFile {
            path: "deploy/.dockerignore".to_string(),
            contents: ignore.clone(),
        },
        OutputFile {
            path: "deploy/Dockerfile.dockerignore".to_string(),
            contents: ignore,
        },
    ]
}
