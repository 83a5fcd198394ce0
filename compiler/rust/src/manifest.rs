//! `Cargo.toml`: rendered from `targets/rust/Cargo.toml.j2`, with the
//! runtime's dependencies copied from its own manifest so they never drift.

use minijinja::{Environment, context};

use crate::context::Crates;

const TEMPLATE: &str = include_str!("../../../targets/rust/Cargo.toml.j2");
const RUNTIME_MANIFEST: &str = include_str!("../../../runtime-template/Cargo.toml");

/// The runtime's optional dependencies for the ecosystem's scalar types,
/// which a generated crate gets only when its spec uses the scalar.
const SCALAR_CRATES: [&str; 3] = ["rust_decimal", "time", "uuid"];

/// The runtime manifest's `[dependencies]` table, trimmed of blank lines
/// at either end, without the scalar crates' lines (and the comment above
/// them), which [`scalar_dependencies`] gives.
pub(crate) fn runtime_dependencies() -> String {
    let mut lines = Vec::new();
    let mut comment = Vec::new();
    for line in dependency_lines() {
        if line.trim_start().starts_with('#') {
            comment.push(line);
            continue;
        }
        if crate_of(line).is_some_and(|name| SCALAR_CRATES.contains(&name)) {
            comment.clear();
            continue;
        }
        lines.append(&mut comment);
        lines.push(line);
    }
    lines.append(&mut comment);
    while lines.last().is_some_and(|l| l.trim().is_empty()) {
        lines.pop();
    }
    while lines.first().is_some_and(|l| l.trim().is_empty()) {
        lines.remove(0);
    }
    lines.join("\n")
}

/// The runtime manifest's lines for the scalar crates `crates` uses, in the
/// manifest's order.
fn scalar_dependencies(crates: Crates) -> Vec<&'static str> {
    dependency_lines()
        .filter(|line| match crate_of(line) {
            Some("rust_decimal") => crates.rust_decimal,
            Some("time") => crates.time,
            Some("uuid") => crates.uuid,
            _ => false,
        })
        .collect()
}

/// The lines of the runtime manifest's `[dependencies]` table.
fn dependency_lines() -> impl Iterator<Item = &'static str> {
    let mut inside = false;
    RUNTIME_MANIFEST.lines().filter(move |line| {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            inside = trimmed == "[dependencies]";
            return false;
        }
        inside
    })
}

/// The crate a dependency line names (`uuid = { … }` names `uuid`).
fn crate_of(line: &str) -> Option<&str> {
    let (name, _) = line.split_once('=')?;
    let name = name.trim();
    (!name.is_empty() && !name.starts_with('#')).then_some(name)
}

/// The generated crate's manifest.
pub(crate) fn render(
    source: &str,
    name: &str,
    description: &str,
    regex: bool,
    jwt: bool,
    crates: Crates,
) -> String {
    let mut env = Environment::new();
    env.set_keep_trailing_newline(true);
    env.set_trim_blocks(true);
    // The API's types need the scalar crates, so their features are on by
    // default; `rust_decimal` only changes the decimal type, so it is not.
    let defaults: Vec<String> = [("jwt", jwt), ("time", crates.time), ("uuid", crates.uuid)]
        .iter()
        .filter(|(_, on)| *on)
        .map(|(feature, _)| format!("\"{feature}\""))
        .collect();
    let rendered = env.render_str(
        TEMPLATE,
        context! {
            source,
            name,
            description => description.replace('\\', "\\\\").replace('"', "\\\""),
            dependencies => runtime_dependencies(),
            scalars => scalar_dependencies(crates),
            regex,
            defaults => defaults.join(", "),
            time => crates.time,
            uuid => crates.uuid,
            rust_decimal => crates.rust_decimal,
        },
    );
    match rendered {
        Ok(text) => text,
        // The template is part of this crate; a failure is a bug here, not in the spec.
        Err(error) => panic!("targets/rust/Cargo.toml.j2 failed to render: {error}"),
    }
}
