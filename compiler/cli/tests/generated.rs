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
    cargo(
        &out,
        &[
            "clippy",
            "--quiet",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
    );
}

/// The target folder every generated crate in the tests shares.
fn shared_target() -> String {
    std::env::var("GATIC_GENERATED_TARGET_DIR").unwrap_or_else(|_| {
        common::root()
            .join("target/gatic-generated-target")
            .to_string_lossy()
            .into_owned()
    })
}

/// Runs cargo with `args` in `dir` on the shared target folder; fails the
/// test with cargo's output unless it succeeds.
fn cargo(dir: &Path, args: &[&str]) {
    let output = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", shared_target())
        .env_remove("RUSTFLAGS")
        .output()
        .expect("run cargo");
    assert!(
        output.status.success(),
        "cargo {args:?} failed in {}:\n{}{}",
        dir.display(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn write_if_changed(path: &Path, contents: &str) {
    if std::fs::read_to_string(path).ok().as_deref() != Some(contents) {
        std::fs::write(path, contents).expect("write");
    }
}

/// `gatic new`'s project is a working service as created: its spec builds,
/// its handler crate passes clippy, and the binary answers every route.
#[test]
fn a_new_project_builds_and_serves() {
    let root = common::root();
    let dir = root.join("target/gatic-new-project/notes");
    let _ = std::fs::remove_dir_all(&dir);
    let (spec_path, _) = gatic::new_project::create(&dir, None).expect("create the project");
    let compiled = gatic::compile_path(&spec_path);
    let spec = compiled.spec.expect("the starter spec compiles");
    assert!(
        compiled.diagnostics.is_empty(),
        "{:?}",
        compiled.diagnostics
    );
    let files = gatic::generate_all(&spec, &gatic::BuildConfig::default()).expect("generate");
    gatic::write_outputs(&dir.join("gen"), &files).expect("write gen/");

    cargo(&dir, &["fmt", "--check", "--package", "notes"]);
    cargo(
        &dir,
        &["clippy", "--quiet", "--all-targets", "--", "-D", "warnings"],
    );
    cargo(&dir, &["build", "--quiet"]);

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let mut server = Command::new(Path::new(&shared_target()).join("debug/notes"))
        .env("PORT", port.to_string())
        .env("GATI_HOST", "127.0.0.1")
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start the server");
    let served = std::panic::catch_unwind(|| {
        let send = |method: &str, path: &str, body: &str| -> (u16, String) {
            for _ in 0..100 {
                if let Some(answer) = http(port, method, path, body) {
                    return answer;
                }
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            panic!("the server never answered {method} {path}");
        };
        let (status, created) = send("POST", "/notes", r#"{"text":"milk","tags":["shop"]}"#);
        assert_eq!(status, 201, "{created}");
        let note: serde_json::Value = serde_json::from_str(&created).expect("JSON");
        let id = note["id"].as_str().expect("an id").to_string();
        assert_eq!(
            (&note["text"], &note["tags"][0]),
            (&"milk".into(), &"shop".into())
        );
        let (status, got) = send("GET", &format!("/notes/{id}"), "");
        assert_eq!(
            (status, serde_json::from_str::<serde_json::Value>(&got).ok()),
            (200, Some(note.clone()))
        );
        let (status, all) = send("GET", "/notes", "");
        assert_eq!(
            (status, serde_json::from_str::<serde_json::Value>(&all).ok()),
            (200, Some(serde_json::json!([note])))
        );
        let (status, missing) = send("GET", "/notes/00000000-0000-4000-8000-000000000000", "");
        assert_eq!(status, 404, "{missing}");
        assert!(missing.contains("urn:problem:notes:not-found"), "{missing}");
        let (status, invalid) = send("POST", "/notes", r#"{"text":"","tags":[]}"#);
        assert_eq!(status, 422, "{invalid}");
        assert!(invalid.contains("/text"), "{invalid}");
    });
    let _ = server.kill();
    let _ = server.wait();
    if let Err(panic) = served {
        std::panic::resume_unwind(panic);
    }
}

/// One HTTP/1.1 request over a new connection: the status and the body, or
/// `None` when nothing listens yet.
fn http(port: u16, method: &str, path: &str, body: &str) -> Option<(u16, String)> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let status = response.split(' ').nth(1)?.parse().ok()?;
    let (_, body) = response.split_once("\r\n\r\n")?;
    Some((status, body.to_string()))
}
