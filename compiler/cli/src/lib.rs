//! The gatic driver: compiles a spec from disk, runs every target, and writes
//! the outputs, touching only files whose content changed.
//!
//! This crate is the only one that does IO; everything it calls is a pure
//! function from text to data.

use gatic_check::{Compiled, Loader};
use gatic_ir::{OutputFile, Spec};
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

/// Compiles the spec at `path` and every file it uses.
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
    }
    compiled
}

/// Settings for a build that are not part of the spec.
#[derive(Clone, Debug, Default)]
pub struct BuildConfig {
    /// The generated crate's package name; `<service>-api` when `None`.
    pub crate_name: Option<String>,
}

/// Runs every target on `spec`; paths are relative to the output folder.
pub fn generate_all(spec: &Spec, config: &BuildConfig) -> Vec<OutputFile> {
    let mut files = gatic_rust::generate(
        spec,
        &gatic_rust::Config {
            crate_name: config.crate_name.clone(),
        },
    );
    files.sort();
    files
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
const OWNED_DIRS: &[&str] = &["server/src"];

/// Writes `files` under `out`, rewriting a file only when its content
/// changed (so cargo's incremental builds and editors' watchers are not
/// disturbed), and removes stale files from the folders gatic owns.
pub fn write_outputs(out: &Path, files: &[OutputFile]) -> io::Result<WriteStats> {
    let mut stats = WriteStats::default();
    let mut wanted = BTreeSet::new();
    for file in files {
        let path = out.join(&file.path);
        wanted.insert(path.clone());
        if std::fs::read(&path).is_ok_and(|old| old == file.contents.as_bytes()) {
            stats.unchanged += 1;
            continue;
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, &file.contents)?;
        stats.written += 1;
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
