//! Helpers shared by the integration tests: corpus discovery, compiling, and
//! the workspace's paths.

#![allow(dead_code)] // Each test binary uses a different subset.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs the `gatic` binary with `args` in `dir`.
pub fn gatic(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gatic"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run gatic")
}

/// What a run printed: its stdout, then its stderr.
pub fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The folder snapshots of `kind` live in.
pub fn snapshots(kind: &str) -> String {
    root()
        .join("snapshots")
        .join(kind)
        .to_string_lossy()
        .into_owned()
}

/// One spec of the corpus: a root file and the name its snapshots use.
pub struct Case {
    /// `users`, or `multi` for `multi/main.gati`.
    pub name: String,
    /// The root file, relative to the workspace root (as diagnostics show it).
    pub path: String,
}

/// The root specs in `specs/<dir>`: every `*.gati` directly in it, and the
/// `main.gati` of each subfolder (the other files there are only `use`d).
pub fn corpus(dir: &str) -> Vec<Case> {
    let base = root().join("specs").join(dir);
    let mut cases = Vec::new();
    let Ok(entries) = std::fs::read_dir(&base) else {
        return cases;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir() && path.join("main.gati").is_file() {
            cases.push(Case {
                path: format!("specs/{dir}/{name}/main.gati"),
                name,
            });
        } else if let Some(stem) = name.strip_suffix(".gati") {
            cases.push(Case {
                name: stem.to_string(),
                path: format!("specs/{dir}/{name}"),
            });
        }
    }
    cases.sort_by(|a, b| a.name.cmp(&b.name));
    cases
}

/// Compiles `path` (relative to the workspace root) the way the CLI does.
pub fn compile(path: &str) -> gatic_check::Compiled {
    let _cwd = CwdGuard::enter(&root());
    gatic::compile_path(Path::new(path))
}

/// Tests run in parallel threads but the working directory is per process,
/// so compiling with relative paths holds this lock.
static CWD: std::sync::Mutex<()> = std::sync::Mutex::new(());

struct CwdGuard {
    _lock: std::sync::MutexGuard<'static, ()>,
    previous: PathBuf,
}

impl CwdGuard {
    fn enter(dir: &Path) -> CwdGuard {
        let lock = CWD.lock().unwrap_or_else(|e| e.into_inner());
        let previous = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        std::env::set_current_dir(dir).expect("enter the workspace root");
        CwdGuard {
            _lock: lock,
            previous,
        }
    }
}

impl Drop for CwdGuard {
    fn drop(&mut self) {
        let _ = std::env::set_current_dir(&self.previous);
    }
}
