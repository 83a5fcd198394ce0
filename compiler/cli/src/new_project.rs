//! `gatic new`: a new project — a starter spec, the handler crate that serves
//! it, a `.gitignore` and a GitHub Actions workflow that runs the API's
//! checks — rendered from the templates in `targets/new/`.
//!
//! The handler crate is named after the service and sits beside the spec,
//! which is where `gatic check` looks for it and what the generated
//! Dockerfile builds by default (`deploy.crate` ".", `deploy.binary` the
//! service's name).

use std::path::{Path, PathBuf};

use gatic_ir::OutputFile;
use minijinja::{Environment, context};

const SPEC: &str = include_str!("../../../targets/new/spec.gati.j2");
const CARGO_TOML: &str = include_str!("../../../targets/new/Cargo.toml.j2");
const MAIN_RS: &str = include_str!("../../../targets/new/main.rs.j2");
const GITIGNORE: &str = include_str!("../../../targets/new/gitignore.j2");
const WORKFLOW: &str = include_str!("../../../targets/new/api.yml.j2");

/// Names cargo refuses for a package, or that would shadow a crate every
/// Rust program sees.
#[rustfmt::skip]
const RESERVED: &[&str] = &[
    "abstract", "alloc", "as", "async", "await", "become", "box", "break", "const", "continue",
    "core", "crate", "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen",
    "if", "impl", "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv",
    "proc_macro", "pub", "ref", "return", "self", "static", "std", "struct", "super", "test",
    "trait", "true", "try", "type", "typeof", "unsafe", "unsized", "use", "virtual", "where",
    "while", "yield",
];

/// The service name for a project: `name` if given, else the folder's name,
/// lower-cased with `-`, `.` and spaces as `_`. It must then be a letter
/// followed by lowercase letters, digits and `_`.
pub fn service_name(dir: &Path, name: Option<&str>) -> Result<String, String> {
    let given = match name {
        Some(name) => name.to_string(),
        // `.` or `..` take the name of the folder they are.
        None => dir
            .file_name()
            .map(std::ffi::OsStr::to_os_string)
            .or_else(|| {
                let absolute = std::path::absolute(dir).ok()?;
                let resolved = absolute.canonicalize().unwrap_or(absolute);
                resolved.file_name().map(std::ffi::OsStr::to_os_string)
            })
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| {
                format!(
                    "`{}` names no folder to take the service's name from: pass --name",
                    dir.display()
                )
            })?,
    };
    let normalized: String = given
        .trim()
        .chars()
        .map(|c| match c {
            '-' | '.' | ' ' => '_',
            c => c.to_ascii_lowercase(),
        })
        .collect();
    let valid = normalized.starts_with(|c: char| c.is_ascii_lowercase())
        && normalized
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !valid {
        return Err(format!(
            "`{given}` cannot name a service: use a letter followed by letters, digits, `_` or `-` (or pass --name)"
        ));
    }
    if RESERVED.contains(&normalized.as_str()) {
        return Err(format!(
            "`{normalized}` is reserved in Rust and cannot name the handler crate: pass another --name"
        ));
    }
    Ok(normalized)
}

/// The project's files for the service `name`, paths relative to its folder.
pub fn files(name: &str) -> Result<Vec<OutputFile>, String> {
    let title = gatic_ir::ident::words(name)
        .iter()
        .map(|w| gatic_ir::ident::pascal(w))
        .collect::<Vec<_>>()
        .join(" ");
    let krate = gatic_rust::default_crate_name(name);
    let mut env = Environment::new();
    env.set_keep_trailing_newline(true);
    let ctx = context! {
        name => name,
        title => title,
        crate => &krate,
        crate_ident => krate.replace('-', "_"),
    };
    let render = |path: &str, source: &str| {
        env.render_str(source, &ctx)
            .map(|contents| OutputFile {
                path: path.to_string(),
                contents,
            })
            .map_err(|e| format!("the `{path}` template failed: {e}"))
    };
    Ok(vec![
        render(&format!("{name}.gati"), SPEC)?,
        render("Cargo.toml", CARGO_TOML)?,
        render("src/main.rs", MAIN_RS)?,
        render(".gitignore", GITIGNORE)?,
        render(".github/workflows/api.yml", WORKFLOW)?,
    ])
}

/// Creates the project in `dir`, which must not exist or be empty: nothing
/// there is ever overwritten. Returns the spec's path and every file written.
pub fn create(dir: &Path, name: Option<&str>) -> Result<(PathBuf, Vec<PathBuf>), String> {
    let name = service_name(dir, name)?;
    let files = files(&name)?;
    // The starter spec must check cleanly under this name (a name the
    // language reserves would not), before anything is written.
    let root = files[0].path.as_str();
    let loader = gatic_check::MemoryLoader::new([(root, files[0].contents.as_str())]);
    let compiled = gatic_check::compile(root, &loader);
    if let Some(problem) = compiled
        .diagnostics
        .iter()
        .find(|d| d.severity == gatic_syntax::Severity::Error)
    {
        return Err(format!(
            "`{name}` cannot name a service: {}",
            problem.message
        ));
    }
    match std::fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(format!(
                    "`{}` already exists and is not empty: `gatic new` only writes into a new or empty folder",
                    dir.display()
                ));
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(format!("cannot read `{}`: {e}", dir.display())),
    }
    let mut written = Vec::new();
    for file in &files {
        let path = dir.join(&file.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create `{}`: {e}", parent.display()))?;
        }
        std::fs::write(&path, &file.contents)
            .map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
        written.push(path);
    }
    Ok((dir.join(&files[0].path), written))
}
