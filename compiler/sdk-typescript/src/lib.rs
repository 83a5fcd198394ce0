//! The TypeScript SDK target: a typed, dependency-free client generated from the IR.
//!
//! [`generate`] returns the files of an npm package under `sdk/typescript/`:
//! `src/models.ts` (the spec's types), `src/errors.ts` (an `ApiError`
//! subclass per declared error), `src/runtime.ts` (the `fetch` transport:
//! version header, timeouts, retries, and the `EventStream` that reads a
//! route's server-sent events), `src/client.ts` (one method per route),
//! `src/index.ts`, `package.json`, `tsconfig.json` and a README.
//! Names, types and doc comments are computed in [`context`]; the templates
//! under `targets/typescript/` only lay them out.

pub mod context;
pub mod names;
pub mod shapes;

use gatic_ir::{OutputFile, Spec};
use minijinja::{AutoEscape, Environment};

/// Where the SDK goes, relative to the output folder.
pub const PREFIX: &str = "sdk/typescript/";

/// The templates: output path (under [`PREFIX`]) and source.
const TEMPLATES: &[(&str, &str)] = &[
    (
        "README.md",
        include_str!("../../../targets/typescript/README.md.j2"),
    ),
    (
        "package.json",
        include_str!("../../../targets/typescript/package.json.j2"),
    ),
    (
        "tsconfig.json",
        include_str!("../../../targets/typescript/tsconfig.json.j2"),
    ),
    (
        ".gitignore",
        include_str!("../../../targets/typescript/gitignore.j2"),
    ),
    (
        "src/index.ts",
        include_str!("../../../targets/typescript/index.ts.j2"),
    ),
    (
        "src/models.ts",
        include_str!("../../../targets/typescript/models.ts.j2"),
    ),
    (
        "src/errors.ts",
        include_str!("../../../targets/typescript/errors.ts.j2"),
    ),
    (
        "src/runtime.ts",
        include_str!("../../../targets/typescript/runtime.ts.j2"),
    ),
    (
        "src/client.ts",
        include_str!("../../../targets/typescript/client.ts.j2"),
    ),
];

/// Generates the TypeScript SDK for `spec`, files sorted by path.
pub fn generate(spec: &Spec) -> Vec<OutputFile> {
    let ctx = context::build(spec);
    let env = environment();
    // Converted to a template value once: every template shares it.
    let ctx = minijinja::Value::from_serialize(&ctx);
    let mut files: Vec<OutputFile> = TEMPLATES
        .iter()
        .map(|(path, _)| {
            let contents = env
                .get_template(path)
                .and_then(|t| t.render(&ctx))
                .unwrap_or_else(|e| panic!("template {path}: {e:#}"));
            OutputFile {
                path: format!("{PREFIX}{path}"),
                contents: tidy(&contents),
            }
        })
        .collect();
    files.sort();
    files
}

/// The template environment; templates are part of the binary, so a failure
/// to parse one is a bug caught by every test.
fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.set_keep_trailing_newline(true);
    env.set_auto_escape_callback(|_| AutoEscape::None);
    env.add_filter("tojs", |s: String| names::string(&s));
    for (path, source) in TEMPLATES {
        if let Err(e) = env.add_template(path, source) {
            panic!("template {path}: {e:#}");
        }
    }
    env
}

/// Trailing spaces removed, runs of blank lines collapsed to one, and exactly
/// one newline at the end.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = 0;
    for line in text.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank += 1;
            if blank > 1 {
                continue;
            }
        } else {
            blank = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}
