//! The gatic driver: compiles a spec from disk, runs every target, and writes
//! the outputs, touching only files whose content changed.
//!
//! This crate is the only one that does IO; everything it calls is a pure
//! function from text to data.

pub mod new_project;

use gatic_check::{Compiled, Loader};
use gatic_ir::{OutputFile, Spec};
use gatic_syntax::{Diagnostic, FileId, Span, codes};
use std::collections::BTreeSet;
use std::io;
use std::path::{Path, PathBuf};

/// Reads spec files from the file system.
pub struct FsLoader;

impl Loader for FsLoader {
    fn load(&self, path: &str) -> Result<Vec<u8>, String> {
        std::fs::read(path).map_err(|e| e.to_string())
    }
}

/// Compiles the spec at `path` and every file it uses, and checks the
/// settings later targets read (the `deploy` block), so `gatic check` reports
/// everything `gatic build` would refuse.
///
/// Diagnostics name files as they were given (relative paths stay relative),
/// and the IR records only the root's file name, so output never depends on
/// where the compiler ran.
pub fn compile_path(path: &Path) -> Compiled {
    let root = path.to_string_lossy().replace('\\', "/");
    let mut compiled = gatic_check::compile(&root, &FsLoader);
    if let Some(spec) = &mut compiled.spec {
        spec.source = path
            .file_name()
            .map_or_else(|| root.clone(), |n| n.to_string_lossy().into_owned());
        if let Err(errors) = gatic_deploy::config(spec, None) {
            for error in errors {
                compiled.diagnostics.push(deploy_diagnostic(error));
            }
            compiled.spec = None;
        }
    }
    compiled
}

/// A deploy setting's error as a diagnostic (E0502) at the key that holds
/// it, with the closest key when the key is not a setting.
fn deploy_diagnostic(error: gatic_deploy::ConfigError) -> Diagnostic {
    let at = error.span;
    let span = Span::new(FileId(at.file), at.start as usize, at.end as usize);
    let mut d = Diagnostic::error(codes::UNKNOWN_SETTING, span, error.message)
        .with_label("in this setting");
    if let Some((key, known)) = &error.unknown
        && let Some(best) = gatic_syntax::diagnostic::did_you_mean(key, known.iter().copied())
    {
        d = d.with_suggestion(format!("did you mean `{best}`?"), span, best);
    }
    d
}

/// What the handler crate beside `spec` does not implement yet, so `gatic
/// check` says so before rustc does: hand-written converters (`E0406`), and
/// the handler methods of routes a version removed (`E0407`), which older
/// versions still call.
///
/// The handler crate is the package whose `Cargo.toml` is in the spec's
/// folder or the folder above it; its `src/` is read (not built) and the
/// methods of every `impl … Converters for …` and `impl … Api for …` block
/// are collected. Without a handler crate there is nothing to check.
pub fn handler_crate_diagnostics(compiled: &Compiled, spec_path: &Path) -> Vec<Diagnostic> {
    let Some(spec) = &compiled.spec else {
        return Vec::new();
    };
    let methods = gatic_rust::converter_methods(spec);
    let retired = spec.retired_routes();
    if methods.is_empty() && retired.is_empty() {
        return Vec::new();
    }
    let Some(handler) = handler_crate(spec_path) else {
        return Vec::new();
    };
    let src = handler.join("src");
    let crate_dir = handler.to_string_lossy().replace('\\', "/");
    let handlers = implemented_methods(&src, "Api");
    let mut out: Vec<Diagnostic> = retired
        .iter()
        .filter(|(_, route)| !handlers.contains(&gatic_ir::ident::snake(&route.name)))
        .map(|(j, route)| {
            let method = gatic_ir::ident::snake(&route.name);
            let date = &spec.versions[*j].date;
            Diagnostic::error(
                codes::RETIRED_ROUTE,
                compiled.spans.route(&route.name).unwrap_or_else(root_start),
                format!(
                    "the handler crate at `{crate_dir}` has no `{method}`, which clients of versions before {date} still call"
                ),
            )
            .with_label("removed from the head, still served to older versions")
            .with_note(format!(
                "keep `async fn {method}` in your `impl Api for …` block, written against the head's types"
            ))
        })
        .collect();
    if methods.is_empty() {
        return out;
    }
    let implemented = implemented_methods(&src, "Converters");
    out.extend(
        methods
            .iter()
            .filter(|m| !implemented.contains(&m.name))
            .map(|m| {
                let span = compiled.spans.converter(&m.via).unwrap_or_else(root_start);
                Diagnostic::error(
                    codes::MISSING_CONVERTER,
                    span,
                    format!(
                        "converter `{}` is not implemented in the handler crate at `{crate_dir}`",
                        m.name
                    ),
                )
                .with_label("this change needs a hand-written conversion")
                .with_note(format!(
                    "add it to your `impl Converters for …` block:\n    {}",
                    m.signature
                ))
            }),
    );
    out
}

/// The folder of the handler crate for `spec_path`: the first `Cargo.toml`
/// with a `[package]` in the spec's folder or its parent.
fn handler_crate(spec_path: &Path) -> Option<PathBuf> {
    let dir = spec_path.parent().unwrap_or(Path::new("."));
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    [Some(dir), dir.parent()]
        .into_iter()
        .flatten()
        .find(|d| {
            std::fs::read_to_string(d.join("Cargo.toml"))
                .is_ok_and(|text| text.lines().any(|l| l.trim() == "[package]"))
        })
        .map(Path::to_path_buf)
}

/// The names of the methods in every `impl … TRAIT for …` block of the Rust
/// files below `src`. Files that do not parse are skipped: rustc will report
/// them.
fn implemented_methods(src: &Path, trait_name: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for path in walk(src).unwrap_or_default() {
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let Ok(file) = syn::parse_file(&text) else {
            continue;
        };
        for item in file.items {
            let syn::Item::Impl(block) = item else {
                continue;
            };
            let implements = block
                .trait_
                .as_ref()
                .and_then(|(path, _)| path.segments.last())
                .is_some_and(|segment| segment.ident == trait_name);
            if implements {
                names.extend(block.items.iter().filter_map(|i| match i {
                    syn::ImplItem::Fn(f) => Some(f.sig.ident.to_string()),
                    _ => None,
                }));
            }
        }
    }
    names
}

/// The root file's first byte: where a diagnostic goes when the span
/// table has no place for what it is about.
fn root_start() -> Span {
    Span::new(FileId(0), 0, 0)
}

/// Settings for a build that are not part of the spec.
#[derive(Clone, Debug, Default)]
pub struct BuildConfig {
    /// The generated crate's package name; `<service>-api` when `None`.
    pub crate_name: Option<String>,
    /// The environments to render deploy overlays for, replacing the spec's list.
    pub environments: Option<Vec<String>>,
    /// The output folder as the user named it, shown in the Dockerfile's usage notes.
    pub out_dir: Option<String>,
}

/// Runs every target on `spec`; paths are relative to the output folder.
/// Fails only on settings a target rejects, which [`compile_path`] reports
/// as diagnostics first.
pub fn generate_all(spec: &Spec, config: &BuildConfig) -> Result<Vec<OutputFile>, Vec<String>> {
    let mut deploy = gatic_deploy::config(spec, config.environments.clone())
        .map_err(|errors| errors.iter().map(ToString::to_string).collect::<Vec<_>>())?;
    if let Some(out) = &config.out_dir {
        deploy.out_dir = out.clone();
    }
    let rust_config = gatic_rust::Config {
        crate_name: config.crate_name.clone(),
    };
    // Targets are independent pure functions, so each runs on its own
    // thread; the Rust target, the largest, formats on more threads.
    let mut files = std::thread::scope(|scope| {
        let rust = scope.spawn(|| gatic_rust::generate_crate(spec, &rust_config));
        let sdks = [
            scope.spawn(|| gatic_sdk_python::generate(spec)),
            scope.spawn(|| gatic_sdk_typescript::generate(spec)),
            scope.spawn(|| gatic_sdk_go::generate(spec)),
        ];
        let openapi = gatic_openapi::generate(spec);
        let mut files = gatic_deploy::generate(spec, &deploy);
        for sdk in sdks {
            files.extend(join(sdk));
        }
        files.extend(join(rust));
        // The server embeds the OpenAPI target's documents, the same text.
        for (index, (embedded, document)) in
            gatic_rust::embedded_documents(spec).into_iter().enumerate()
        {
            let contents = match openapi.iter().find(|f| f.path == document) {
                Some(file) => file.contents.clone(),
                None => {
                    let version = index.checked_sub(1).and_then(|i| spec.versions.get(i));
                    match version {
                        Some(v) => gatic_openapi::document_text(spec, &v.api, Some(&v.date)),
                        None => gatic_openapi::document_text(spec, &spec.head, None),
                    }
                }
            };
            files.push(OutputFile {
                path: embedded,
                contents,
            });
        }
        files.extend(openapi);
        files
    });
    files.sort();
    Ok(files)
}

/// The result of a target's thread, its panic passed on.
fn join<T>(handle: std::thread::ScopedJoinHandle<'_, T>) -> T {
    handle
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// What [`write_outputs`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WriteStats {
    /// Files created or changed.
    pub written: usize,
    /// Files already up to date, left untouched.
    pub unchanged: usize,
    /// Generated files no longer produced, deleted.
    pub removed: usize,
}

/// The folders whose every file gatic generates, so files it no longer
/// produces there are stale and removed. Other folders (such as `server/`
/// itself, which may hold a `Cargo.lock` or `target/`) are never pruned.
const OWNED_DIRS: &[&str] = &[
    "server/src",
    "openapi",
    "deploy/k8s",
    "sdk/typescript/src",
    "sdk/python",
    "sdk/go",
];

/// Writes `files` under `out`, rewriting a file only when its content
/// changed (so cargo's incremental builds and editors' watchers are not
/// disturbed), and removes stale files from the folders gatic owns.
pub fn write_outputs(out: &Path, files: &[OutputFile]) -> io::Result<WriteStats> {
    let mut stats = WriteStats::default();
    let wanted: BTreeSet<PathBuf> = files.iter().map(|f| out.join(&f.path)).collect();
    // Files are written on every core: the largest outputs are many
    // megabytes, and writing them one after another is a visible part of a
    // large build. Each worker takes every n-th file.
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(files.len().max(1));
    let results: Vec<io::Result<(usize, usize)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|worker| {
                scope.spawn(move || {
                    let (mut written, mut unchanged) = (0, 0);
                    for file in files.iter().skip(worker).step_by(workers) {
                        if write_output(out, file)? {
                            written += 1;
                        } else {
                            unchanged += 1;
                        }
                    }
                    Ok((written, unchanged))
                })
            })
            .collect();
        handles.into_iter().map(join).collect()
    });
    for result in results {
        let (written, unchanged) = result?;
        stats.written += written;
        stats.unchanged += unchanged;
    }
    for dir in OWNED_DIRS {
        for path in walk(&out.join(dir))? {
            if !wanted.contains(&path) {
                std::fs::remove_file(&path)?;
                stats.removed += 1;
            }
        }
    }
    Ok(stats)
}

/// Writes one file under `out` unless it already holds the same bytes;
/// whether it wrote.
fn write_output(out: &Path, file: &OutputFile) -> io::Result<bool> {
    let path = out.join(&file.path);
    if std::fs::read(&path).is_ok_and(|old| old == file.contents.as_bytes()) {
        return Ok(false);
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&path, &file.contents)?;
    Ok(true)
}

/// Every file below `dir`, sorted; nothing when `dir` does not exist.
fn walk(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = match std::fs::read_dir(&d) {
            Ok(e) => e,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        for entry in entries {
            let entry = entry?;
            if entry.file_type()?.is_dir() {
                stack.push(entry.path());
            } else {
                out.push(entry.path());
            }
        }
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The deploy target's errors become diagnostics at the key that holds
    /// the setting, and an unknown key gets the closest deploy key.
    #[test]
    fn deploy_errors_point_at_their_keys() {
        let dir = std::env::temp_dir().join(format!("gatic-deploy-spans-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temporary folder");
        let path = dir.join("s.gati");
        let source = "service s {\n  deploy {\n    port 70000\n    replics 2\n  }\n}\n";
        std::fs::write(&path, source).expect("spec written");
        let compiled = compile_path(&path);
        std::fs::remove_dir_all(&dir).ok();
        assert!(compiled.spec.is_none());
        let found: Vec<(&str, Option<&str>)> = compiled
            .diagnostics
            .iter()
            .map(|d| {
                (
                    &source[d.span.range()],
                    d.suggestion.as_ref().map(|s| s.replacement.as_str()),
                )
            })
            .collect();
        assert_eq!(found, [("replics", Some("replicas")), ("port", None)]);
        assert!(
            compiled
                .diagnostics
                .iter()
                .all(|d| d.code == codes::UNKNOWN_SETTING)
        );
    }
}
