//! Shared by the tests: the specs to generate from, writing an SDK to disk,
//! and running Python tools with a message that says how to install them.

#![allow(dead_code, reason = "each test binary uses a different part")]

use std::path::{Path, PathBuf};
use std::process::Command;

use gatic_ir::{OutputFile, Spec};

/// The workspace root.
pub fn workspace() -> PathBuf {
    gatic_test_support::root()
}

/// Compiles `root` (relative to `dir`) with the checker.
pub fn compile(dir: &Path, root: &str) -> Spec {
    gatic_test_support::compile_in(dir, root)
}

/// Every spec the tests generate from, by name: this crate's response
/// headers, forms and events specs, then each valid corpus spec
/// (`specs/valid/*.gati` and `specs/valid/*/main.gati`).
pub fn corpus() -> Vec<(String, Spec)> {
    let mut specs = vec![
        ("response_headers".to_string(), response_headers()),
        ("forms".to_string(), forms()),
        ("events".to_string(), events()),
    ];
    let dir = workspace().join("specs/valid");
    for (name, root) in gatic_test_support::corpus() {
        specs.push((format!("corpus_{name}"), compile(&dir, &root)));
    }
    specs
}

/// `tests/specs/headers.gati`: response headers of every type a header can
/// have, required, optional and defaulted, and a route without a body.
pub fn response_headers() -> Spec {
    compile(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/specs"),
        "headers.gati",
    )
}

/// `tests/specs/forms.gati`: multipart forms with every kind of part.
pub fn forms() -> Spec {
    compile(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/specs"),
        "forms.gati",
    )
}

/// `tests/specs/events.gati`: routes that answer with server-sent events.
pub fn events() -> Spec {
    compile(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/specs"),
        "events.gati",
    )
}

/// `specs/valid/kitchen_sink.gati`: every construct, once.
pub fn kitchen_sink() -> Spec {
    compile(&workspace().join("specs/valid"), "kitchen_sink.gati")
}

/// `specs/valid/raw_bodies.gati`: bodies that are not JSON.
pub fn raw_bodies() -> Spec {
    compile(&workspace().join("specs/valid"), "raw_bodies.gati")
}

/// `specs/valid/envelopes.gati`: constant fields and records instantiated
/// from generic ones.
pub fn envelopes() -> Spec {
    compile(&workspace().join("specs/valid"), "envelopes.gati")
}

/// The users example's spec.
pub fn users_example() -> Spec {
    compile(&workspace().join("examples/users"), "users.gati")
}

/// Writes `files` under `target/gatic-sdk/python/<name>/` (emptied first)
/// and returns that folder.
pub fn write(name: &str, files: &[OutputFile]) -> PathBuf {
    let out = workspace().join("target/gatic-sdk/python").join(name);
    let _ = std::fs::remove_dir_all(&out);
    for file in files {
        let path = out.join(&file.path);
        std::fs::create_dir_all(path.parent().expect("files are in folders")).expect("mkdir");
        std::fs::write(&path, &file.contents).expect("write");
    }
    out
}

/// The Python interpreter: `$PYTHON`, else `python3`.
pub fn python() -> String {
    std::env::var("PYTHON").unwrap_or_else(|_| "python3".into())
}

/// Fails, with the install command, unless mypy runs.
pub fn require_mypy() {
    let ok = Command::new(python())
        .args(["-m", "mypy", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "mypy is missing for {}: run scripts/setup (mypy in target/gatic-venv; scripts/test puts it first on PATH)",
        python()
    );
}

/// Runs `cmd`, failing the test with its output unless it succeeds.
pub fn run(cmd: &mut Command) -> String {
    let output = match cmd.output() {
        Ok(o) => o,
        Err(e) => panic!("cannot run {cmd:?}: {e} (is python3 installed?)"),
    };
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{cmd:?} failed:\n{text}");
    text
}

/// `python3 -m mypy --strict`, caching under `target/` rather than in the
/// source tree.
pub fn mypy() -> Command {
    let mut cmd = Command::new(python());
    cmd.args(["-m", "mypy", "--strict", "--no-incremental", "--cache-dir"])
        .arg(workspace().join("target/gatic-sdk/python/.mypy_cache"));
    cmd
}
