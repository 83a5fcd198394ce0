//! `gatic mock`: serve a spec from the spec alone.
//!
//! It generates what `gatic build` generates into `gen/` beside the spec,
//! plus the mock handler crate in `gen/mock/` (`gatic_rust::mock`), builds
//! that crate with cargo (debug, into `$CARGO_TARGET_DIR`, else
//! `gen/mock/target`, so that the next run only rebuilds what changed),
//! and runs it: on Unix the server replaces this process, so signals reach
//! it directly and it drains as any generated server does.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

use gatic_syntax::render::{self, Format};

/// Compiles `spec`, writes and builds its mock, and serves it on `port`
/// (else `PORT`, else 8080). Exit 1 when the spec has errors or the build
/// fails, 2 when the output cannot be written or cargo cannot be run.
pub fn run(spec: &Path, port: Option<u16>) -> ExitCode {
    let compiled = gatic::compile_path(spec);
    eprint!(
        "{}",
        render::render(&compiled.sources, &compiled.diagnostics, Format::Human)
    );
    let Some(ir) = &compiled.spec else {
        return ExitCode::from(1);
    };
    let out = spec.parent().unwrap_or(Path::new(".")).join("gen");
    // A server crate that `gatic build --crate-name` named keeps its name,
    // so a handler crate that depends on it still builds afterwards.
    let crate_name = package_name(&out.join("server").join("Cargo.toml"));
    let config = gatic::BuildConfig {
        crate_name: crate_name.clone(),
        ..gatic::BuildConfig::default()
    };
    let mut files = match gatic::generate_all(ir, &config) {
        Ok(files) => files,
        Err(errors) => {
            for e in errors {
                eprintln!("error: {e}");
            }
            return ExitCode::from(1);
        }
    };
    let mock = gatic_rust::mock(ir, &gatic_rust::Config { crate_name });
    for warning in &mock.warnings {
        eprintln!("warning: mock example of {warning}");
    }
    files.extend(mock.files);
    files.sort();
    match gatic::write_outputs(&out, &files) {
        Ok(stats) => eprintln!(
            "gatic: {} written, {} unchanged, {} removed in {}",
            stats.written,
            stats.unchanged,
            stats.removed,
            out.display()
        ),
        Err(e) => {
            eprintln!("error: cannot write {}: {e}", out.display());
            return ExitCode::from(2);
        }
    }
    let manifest = out.join("mock").join("Cargo.toml");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| out.join("mock").join("target"), PathBuf::from);
    let binary = match build(&manifest, &target) {
        Ok(binary) => binary,
        Err(Failure::Cargo(message)) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
        Err(Failure::Build) => {
            eprintln!(
                "error: the mock server did not build; the errors above are in generated code, which is a bug in gatic"
            );
            return ExitCode::from(1);
        }
    };
    serve(&binary, port)
}

/// The package name in the manifest at `path`, if there is one.
fn package_name(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    let mut in_package = false;
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            in_package = line == "[package]";
            continue;
        }
        if let Some(value) = line.strip_prefix("name")
            && in_package
            && let Some(value) = value.trim_start().strip_prefix('=')
        {
            return Some(value.trim().trim_matches('"').to_string());
        }
    }
    None
}

/// Why the mock has no binary.
enum Failure {
    /// Cargo could not be run, or said nothing usable.
    Cargo(String),
    /// Cargo ran and reported the build failed (its errors are printed).
    Build,
}

/// Builds the mock crate at `manifest` into `target`, showing cargo's
/// progress and errors; the path of the binary it built.
fn build(manifest: &Path, target: &Path) -> Result<PathBuf, Failure> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut child = Command::new(&cargo)
        .arg("build")
        .arg("--manifest-path")
        .arg(manifest)
        // Progress and rendered errors go to stderr as usual; stdout
        // carries the messages that name the binary.
        .arg("--message-format=json-render-diagnostics")
        .env("CARGO_TARGET_DIR", target)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| {
            Failure::Cargo(if e.kind() == std::io::ErrorKind::NotFound {
                format!(
                    "`{}` was not found: `gatic mock` builds the mock server with cargo; install Rust (https://rustup.rs) or set CARGO to cargo's path",
                    Path::new(&cargo).display()
                )
            } else {
                format!("cannot run `{}`: {e}", Path::new(&cargo).display())
            })
        })?;
    let mut binary = None;
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Some(path) = executable(&line) {
                binary = Some(path);
            }
        }
    }
    let status = child
        .wait()
        .map_err(|e| Failure::Cargo(format!("cargo did not finish: {e}")))?;
    if !status.success() {
        return Err(Failure::Build);
    }
    binary.ok_or_else(|| Failure::Cargo("cargo built no mock binary".to_string()))
}

/// The executable a cargo JSON message reports having built, if any.
fn executable(line: &str) -> Option<PathBuf> {
    let message: serde_json::Value = serde_json::from_str(line).ok()?;
    if message.get("reason")?.as_str()? != "compiler-artifact" {
        return None;
    }
    let kinds = message.get("target")?.get("kind")?.as_array()?;
    if !kinds.iter().any(|k| k.as_str() == Some("bin")) {
        return None;
    }
    message.get("executable")?.as_str().map(PathBuf::from)
}

/// Runs the mock server at `binary` on `port` (else as `PORT` says).
fn serve(binary: &Path, port: Option<u16>) -> ExitCode {
    let mut command = Command::new(binary);
    if let Some(port) = port {
        command.env("PORT", port.to_string());
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // Only returns on failure.
        let error = command.exec();
        eprintln!("error: cannot run {}: {error}", binary.display());
        ExitCode::from(2)
    }
    #[cfg(not(unix))]
    {
        match command.status() {
            Ok(status) if status.success() => ExitCode::SUCCESS,
            Ok(_) => ExitCode::from(1),
            Err(error) => {
                eprintln!("error: cannot run {}: {error}", binary.display());
                ExitCode::from(2)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The server crate's name is read from its manifest's `[package]`.
    #[test]
    fn reads_the_package_name() {
        let dir = std::env::temp_dir().join(format!("gatic-mock-name-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a folder");
        let manifest = dir.join("Cargo.toml");
        std::fs::write(
            &manifest,
            "# Generated.\n[package]\nnamespace = 1\nname = \"shop-server\"\nversion = \"0.1.0\"\n\n[dependencies]\nname = \"x\"\n",
        )
        .expect("a manifest");
        assert_eq!(package_name(&manifest), Some("shop-server".to_string()));
        assert_eq!(package_name(&dir.join("missing.toml")), None);
        std::fs::remove_dir_all(&dir).ok();
    }

    /// Only a compiler artifact with an executable names the binary.
    #[test]
    fn reads_the_executable_from_cargo_messages() {
        let built = r#"{"reason":"compiler-artifact","package_id":"x","target":{"kind":["bin"]},"executable":"/t/debug/users-mock","fresh":false}"#;
        assert_eq!(
            executable(built),
            Some(PathBuf::from("/t/debug/users-mock"))
        );
        let library = r#"{"reason":"compiler-artifact","package_id":"x","target":{"kind":["lib"]},"executable":null}"#;
        assert_eq!(executable(library), None);
        let script = r#"{"reason":"compiler-artifact","target":{"kind":["custom-build"]},"executable":"/t/build-script-build"}"#;
        assert_eq!(executable(script), None);
        assert_eq!(
            executable(r#"{"reason":"build-finished","success":true}"#),
            None
        );
        assert_eq!(executable("Compiling"), None);
    }
}
