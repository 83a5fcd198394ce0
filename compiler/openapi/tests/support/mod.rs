//! Shared test helpers: snapshot settings and the validator.

#![allow(dead_code, reason = "each test file uses a different subset")]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The pip package that provides the validator, as CI installs it.
pub const VALIDATOR_INSTALL: &str = "scripts/setup (openapi-spec-validator in target/gatic-venv)";

/// Runs `openapi-spec-validator` on every file (written under the test's
/// temporary target folder as `<dir>/<path>`); panics with its output when
/// one is invalid, and with the install command when it is missing.
pub fn validate(dir: &str, files: &[gatic_ir::OutputFile]) {
    if let Err(e) = check_valid(dir, files) {
        panic!("{e}");
    }
}

/// Like [`validate`], but returns the validator's complaint instead of
/// panicking (it still panics when the validator is missing).
pub fn check_valid(dir: &str, files: &[gatic_ir::OutputFile]) -> Result<(), String> {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("openapi")
        .join(dir);
    let mut paths: Vec<PathBuf> = Vec::new();
    for file in files {
        let path = root.join(&file.path);
        let parent = path.parent().expect("output paths have a folder");
        std::fs::create_dir_all(parent).expect("create the output folder");
        std::fs::write(&path, &file.contents).expect("write the document");
        paths.push(path);
    }
    let output = match Command::new("openapi-spec-validator").args(&paths).output() {
        Ok(output) => output,
        Err(e) => panic!(
            "openapi-spec-validator could not be run ({e}); install it with `{VALIDATOR_INSTALL}`"
        ),
    };
    if output.status.success() {
        return Ok(());
    }
    // The validator prints the whole document after an error; keep the gist.
    let text = String::from_utf8_lossy(&output.stdout) + String::from_utf8_lossy(&output.stderr);
    let gist: String = text
        .lines()
        .filter(|l| !l.ends_with(": OK"))
        .map(|l| l.chars().take(400).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n");
    Err(format!(
        "openapi-spec-validator rejected {}:\n{gist}",
        root.display()
    ))
}

/// Runs `f` with insta writing to `snapshots/openapi`.
pub fn with_snapshots(f: impl FnOnce()) {
    insta::with_settings!({
        snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/../../snapshots/openapi"),
        prepend_module_to_snapshot => false,
    }, {
        f();
    });
}
