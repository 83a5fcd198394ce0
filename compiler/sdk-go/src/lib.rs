//! The Go SDK target: a typed client package, standard library only and
//! `go 1.19` compatible, generated from the IR.
//!
//! [`generate`] returns `sdk/go/{go.mod, client.go, models.go, errors.go,
//! README.md}`. Every Go name and type is computed in [`model`] (with the
//! casing and escaping rules of [`names`]); the minijinja templates under
//! `targets/go/` only lay the text out. Output is deterministic and gofmt-clean.

mod model;
mod names;

use gatic_ir::{OutputFile, Spec};
use minijinja::{AutoEscape, Environment};

const TEMPLATES: &[(&str, &str)] = &[
    ("go.mod", include_str!("../../../targets/go/go.mod.j2")),
    (
        "client.go",
        include_str!("../../../targets/go/client.go.j2"),
    ),
    (
        "models.go",
        include_str!("../../../targets/go/models.go.j2"),
    ),
    (
        "errors.go",
        include_str!("../../../targets/go/errors.go.j2"),
    ),
    (
        "README.md",
        include_str!("../../../targets/go/README.md.j2"),
    ),
];

/// The folder, relative to the output folder, the SDK is written to.
pub const OUT_DIR: &str = "sdk/go";

/// Generates the Go SDK for `spec`.
pub fn generate(spec: &Spec) -> Vec<OutputFile> {
    // Converted to a template value once: every template shares it.
    let context = minijinja::Value::from_serialize(model::context(spec));
    let mut env = Environment::new();
    env.set_keep_trailing_newline(true);
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.set_auto_escape_callback(|_| AutoEscape::None);
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    for (name, source) in TEMPLATES {
        if let Err(e) = env.add_template(name, source) {
            panic!("the Go template {name} does not parse: {e:#}");
        }
    }
    TEMPLATES
        .iter()
        .map(|(name, _)| {
            let template = env
                .get_template(name)
                .unwrap_or_else(|e| panic!("the Go template {name} is missing: {e:#}"));
            let contents = template
                .render(&context)
                .unwrap_or_else(|e| panic!("the Go template {name} does not render: {e:#}"));
            OutputFile {
                path: format!("{OUT_DIR}/{name}"),
                contents,
            }
        })
        .collect()
}
