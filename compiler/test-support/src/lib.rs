//! What the compiler crates' tests share, so each is written once: the
//! workspace root, a loader that reads spec files from disk, compiling a
//! spec or failing the test with its diagnostics, the corpus of valid
//! specs (`specs/valid/*.gati` and `specs/valid/*/main.gati`) and the
//! evolution corpus's cases.
//!
//! A dev-dependency only; it does IO freely, as tests do.

use std::path::{Path, PathBuf};

use gatic_ir::Spec;

/// The workspace's root folder.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Reads spec files relative to a folder (an absolute path is read as it
/// is).
pub struct FsLoader(pub PathBuf);

impl gatic_check::Loader for FsLoader {
    fn load(&self, path: &str) -> Result<Vec<u8>, String> {
        std::fs::read(self.0.join(path)).map_err(|e| e.to_string())
    }
}

/// Compiles `file` (relative to `dir`), failing the test with the
/// diagnostics when it does not compile. The spec's `source` is `file` as
/// given.
pub fn compile_in(dir: &Path, file: &str) -> Spec {
    let compiled = gatic_check::compile(file, &FsLoader(dir.to_path_buf()));
    match compiled.spec {
        Some(spec) => spec,
        None => panic!("{file} does not compile: {:#?}", compiled.diagnostics),
    }
}

/// [`compile_in`], with the spec's `source` the file's name alone (as
/// `gatic build` run beside the spec has it), so generated headers do not
/// depend on the folder the test read it from.
pub fn compile_named(dir: &Path, file: &str) -> Spec {
    let mut spec = compile_in(dir, file);
    spec.source = Path::new(file)
        .file_name()
        .map_or_else(|| file.to_string(), |n| n.to_string_lossy().into_owned());
    spec
}

/// The corpus's root specs, sorted: each as its name (the file's stem, or
/// the folder's name for `*/main.gati`) and its path relative to
/// `specs/valid`.
pub fn corpus() -> Vec<(String, String)> {
    let dir = root().join("specs/valid");
    let mut roots = Vec::new();
    let entries = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten();
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        if path.is_dir() {
            if path.join("main.gati").is_file() {
                roots.push((name.clone(), format!("{name}/main.gati")));
            }
        } else if let Some(stem) = name.strip_suffix(".gati") {
            roots.push((stem.to_string(), name.clone()));
        }
    }
    roots.sort();
    roots
}

/// The corpus case `name` (`specs/valid/<name>.gati`, or
/// `specs/valid/<name>/main.gati` for a spec in several files), compiled as
/// [`compile_named`] does.
pub fn corpus_case(name: &str) -> Spec {
    let dir = root().join("specs/valid");
    let file = if dir.join(name).join("main.gati").is_file() {
        format!("{name}/main.gati")
    } else {
        format!("{name}.gati")
    };
    compile_named(&dir, &file)
}

/// The evolution corpus's case folders (`specs/evolution/<case>/`, each
/// with an `old.gati` and a `new.gati`), sorted.
pub fn evolution_cases() -> Vec<PathBuf> {
    let dir = root().join("specs/evolution");
    let mut out: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    out.sort();
    out
}

/// The users example's spec, its `source` `users.gati`.
pub fn users_example() -> Spec {
    compile_named(&root().join("examples/users"), "users.gati")
}
