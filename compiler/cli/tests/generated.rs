//! Generated code is tested by compiling it: every valid corpus spec becomes
//! a crate, and all of them are checked by one `cargo clippy -D warnings` run
//! in one workspace, with one target folder shared by every generated crate
//! in the tests, so dependencies compile once.

mod common;

use std::path::Path;
use std::process::Command;

#[test]
fn every_valid_spec_generates_a_crate_that_passes_clippy() {
    let root = common::root();
    let out = root.join("target/gatic-corpus");
    let mut members = Vec::new();
    for case in common::corpus("valid") {
        let compiled = common::compile(&case.path);
        let spec = compiled
            .spec
            .unwrap_or_else(|| panic!("{} must compile", case.path));
        let config = gatic::BuildConfig {
            crate_name: Some(format!("corpus-{}", case.name.replace('_', "-"))),
            ..gatic::BuildConfig::default()
        };
        let files = gatic::generate_all(&spec, &config).expect("every target accepts the spec");
        // Generation is deterministic.
        assert_eq!(
            files,
            gatic::generate_all(&spec, &config).expect("again"),
            "{}",
            case.path
        );
        let dir = out.join(&case.name);
        gatic::write_outputs(&dir, &files).expect("write the generated crate");
        // Writing the same output again touches nothing.
        let again = gatic::write_outputs(&dir, &files).expect("rewrite");
        assert_eq!(
            again.written, 0,
            "{}: unchanged files were rewritten",
            case.path
        );
        members.push(format!("    \"{}/server\",", case.name));
    }
    let manifest = format!(
        "# Written by the gatic test suite: every generated corpus crate.\n[workspace]\nresolver = \"3\"\nmembers = [\n{}\n]\n",
        members.join("\n")
    );
    write_if_changed(&out.join("Cargo.toml"), &manifest);
    let target = std::env::var("GATIC_GENERATED_TARGET_DIR").unwrap_or_else(|_| {
        root.join("target/gatic-generated-target")
            .to_string_lossy()
            .into_owned()
    });
    let output = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args([
            "clippy",
            "--quiet",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ])
        .current_dir(&out)
        .env("CARGO_TARGET_DIR", target)
        .env_remove("RUSTFLAGS")
        .output()
        .expect("run cargo clippy");
    assert!(
        output.status.success(),
        "clippy failed on generated crates:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn write_if_changed(path: &Path, contents: &str) {
    if std::fs::read_to_string(path).ok().as_deref() != Some(contents) {
        std::fs::write(path, contents).expect("write");
    }
}
