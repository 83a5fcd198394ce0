//! `Cargo.toml`: rendered from `targets/rust/Cargo.toml.j2`, with the
//! runtime's dependencies copied from its own manifest so they never drift.

use minijinja::{Environment, context};

const TEMPLATE: &str = include_str!("../../../targets/rust/Cargo.toml.j2");
const RUNTIME_MANIFEST: &str = include_str!("../../../runtime-template/Cargo.toml");

/// The lines of the runtime manifest's `[dependencies]` table, trimmed of
/// blank lines at either end.
pub(crate) fn runtime_dependencies() -> String {
    let mut lines = Vec::new();
    let mut inside = false;
    for line in RUNTIME_MANIFEST.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            inside = trimmed == "[dependencies]";
            continue;
        }
        if inside {
            lines.push(line);
        }
    }
    while lines.last().is_some_and(|l| l.trim().is_empty()) {
        lines.pop();
    }
    while lines.first().is_some_and(|l| l.trim().is_empty()) {
        lines.remove(0);
    }
    lines.join("\n")
}

/// The generated crate's manifest.
pub(crate) fn render(
    source: &str,
    name: &str,
    description: &str,
    regex: bool,
    jwt: bool,
) -> String {
    let mut env = Environment::new();
    env.set_keep_trailing_newline(true);
    env.set_trim_blocks(true);
    let rendered = env.render_str(
        TEMPLATE,
        context! {
            source,
            name,
            description => description.replace('\\', "\\\\").replace('"', "\\\""),
            dependencies => runtime_dependencies(),
            regex,
            jwt,
        },
    );
    match rendered {
        Ok(text) => text,
        // The template is part of this crate; a failure is a bug here, not in the spec.
        Err(error) => panic!("targets/rust/Cargo.toml.j2 failed to render: {error}"),
    }
}
