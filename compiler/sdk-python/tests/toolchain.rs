//! The generated SDKs under the real tools: each spec's package passes
//! `mypy --strict` and imports; the kitchen sink corpus spec's SDK passes
//! the Python unit tests in `tests/python/` (codecs, unions, errors, retries
//! against a local server), the response headers spec's SDK those in `tests/python_headers/`,
//! the raw bodies corpus spec's SDK those in `tests/python_raw/`, the forms
//! spec's SDK those in `tests/python_forms/`, the events spec's SDK those in
//! `tests/python_events/` (the event stream parser, and streams against a
//! stand-in server), the envelopes corpus spec's SDK those in
//! `tests/python_envelopes/` (constant fields and instantiated generic
//! records, in models and against a stand-in server), and they and the users
//! drive program type-check against their SDKs under `mypy --strict`. Missing
//! tools fail the test with the command that installs them.

mod support;

use std::process::Command;

#[test]
fn every_sdk_passes_mypy_strict_and_imports() {
    support::require_mypy();
    let mut failures = Vec::new();
    for (name, spec) in support::corpus() {
        let files = gatic_sdk_python::generate(&spec);
        let out = support::write(&name, &files);
        let root = out.join("sdk/python");
        let package = files
            .iter()
            .find_map(|f| f.path.strip_suffix("/__init__.py"))
            .and_then(|p| p.rsplit('/').next())
            .expect("a package")
            .to_string();
        let mypy = support::mypy()
            .arg(&package)
            .current_dir(&root)
            .output()
            .expect("mypy runs");
        if !mypy.status.success() {
            failures.push(format!(
                "{name}: mypy --strict failed:\n{}{}",
                String::from_utf8_lossy(&mypy.stdout),
                String::from_utf8_lossy(&mypy.stderr)
            ));
            continue;
        }
        let import = Command::new(support::python())
            .args([
                "-c",
                &format!("import {package}; print({package}.API_VERSION)"),
            ])
            .current_dir(&root)
            .output()
            .expect("python runs");
        if !import.status.success() {
            failures.push(format!(
                "{name}: import failed:\n{}",
                String::from_utf8_lossy(&import.stderr)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Generates `spec`'s SDK into `name`, then type-checks the Python unit
/// tests in `tests/<folder>` against it with mypy and runs them.
fn python_unit_tests(spec: &gatic_ir::Spec, name: &str, folder: &str) {
    support::require_mypy();
    let files = gatic_sdk_python::generate(spec);
    let out = support::write(name, &files);
    let tests = support::workspace()
        .join("compiler/sdk-python/tests")
        .join(folder);
    support::run(
        support::mypy()
            .arg(&tests)
            .env("MYPYPATH", out.join("sdk/python")),
    );
    support::run(
        Command::new(support::python())
            .args(["-m", "unittest", "discover", "-v", "-s"])
            .arg(&tests)
            .env("PYTHONPATH", out.join("sdk/python"))
            .env("PYTHONDONTWRITEBYTECODE", "1"),
    );
}

#[test]
fn kitchen_sink_sdk_passes_python_unit_tests() {
    python_unit_tests(&support::kitchen_sink(), "unit_kitchen_sink", "python");
}

#[test]
fn response_headers_sdk_passes_python_unit_tests() {
    python_unit_tests(
        &support::response_headers(),
        "unit_response_headers",
        "python_headers",
    );
}

#[test]
fn raw_bodies_sdk_passes_python_unit_tests() {
    python_unit_tests(&support::raw_bodies(), "unit_raw_bodies", "python_raw");
}

#[test]
fn forms_sdk_passes_python_unit_tests() {
    python_unit_tests(&support::forms(), "unit_forms", "python_forms");
}

#[test]
fn events_sdk_passes_python_unit_tests() {
    python_unit_tests(&support::events(), "unit_events", "python_events");
}

#[test]
fn envelopes_sdk_passes_python_unit_tests() {
    python_unit_tests(&support::envelopes(), "unit_envelopes", "python_envelopes");
}

#[test]
fn drive_program_type_checks_against_the_users_sdk() {
    support::require_mypy();
    let files = gatic_sdk_python::generate(&support::users_example());
    let out = support::write("users_typecheck", &files);
    let drive = support::workspace().join("compiler/sdk-python/drive/drive_users.py");
    support::run(
        support::mypy()
            .arg(&drive)
            .env("MYPYPATH", out.join("sdk/python")),
    );
}
