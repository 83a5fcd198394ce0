//! Proves the generated SDKs compile: `tsc --strict` on the SDK of every
//! spec in the corpus, then Node tests of the runtime (retries, timeouts,
//! errors, the version header, reading declared response headers, bodies
//! that are not JSON, multipart forms, constant fields) against a fake
//! `fetch`, and of server-sent event streams against a stand-in server on a
//! local port.
//!
//! Needs Node 18+ and TypeScript; when they are missing the test fails with
//! the command that installs them.

mod common;

use std::process::Command;

#[test]
fn every_sdk_compiles_under_tsc_strict() {
    let tsc = common::tsc();
    common::node();
    for (name, spec) in common::corpus() {
        let dir = common::work_dir().join(&name);
        common::write_sdk(&dir, &gatic_sdk_typescript::generate(&spec));
        common::run(
            Command::new(&tsc)
                .args(["--strict", "--noEmit", "-p"])
                .arg(&dir),
            &format!("tsc --strict on the {name} SDK"),
        );
    }
}

#[test]
fn runtime_behaves_under_node_test() {
    let tsc = common::tsc();
    let node = common::node();
    let spec = common::compile("examples/users/users.gati");
    let dir = common::work_dir().join("runtime-test");
    common::write_sdk(&dir, &gatic_sdk_typescript::generate(&spec));
    common::prepare_tests(&dir, &["runtime.test.ts"]);
    common::run(
        Command::new(&tsc)
            .arg("-p")
            .arg(dir.join("tsconfig.test.json")),
        "tsc on the runtime tests",
    );
    common::run(
        Command::new(node)
            .args(["--test", "out/test/runtime.test.js"])
            .current_dir(&dir),
        "node --test runtime.test.js",
    );
}

#[test]
fn event_streams_are_read_under_node_test() {
    let tsc = common::tsc();
    let node = common::node();
    let spec = common::compile("examples/users/users.gati");
    let dir = common::work_dir().join("stream-test");
    common::write_sdk(&dir, &gatic_sdk_typescript::generate(&spec));
    common::prepare_tests(&dir, &["stream.test.ts"]);
    common::run(
        Command::new(&tsc)
            .arg("-p")
            .arg(dir.join("tsconfig.test.json")),
        "tsc on the event stream tests",
    );
    common::run(
        Command::new(node)
            .args(["--test", "out/test/stream.test.js"])
            .current_dir(&dir),
        "node --test stream.test.js",
    );
}

#[test]
fn response_headers_are_read_under_node_test() {
    let tsc = common::tsc();
    let node = common::node();
    let spec = common::compile(common::HEADERS_FIXTURE);
    let dir = common::work_dir().join("headers-test");
    common::write_sdk(&dir, &gatic_sdk_typescript::generate(&spec));
    common::prepare_tests(&dir, &["headers.test.ts"]);
    common::run(
        Command::new(&tsc)
            .arg("-p")
            .arg(dir.join("tsconfig.test.json")),
        "tsc on the response header tests",
    );
    common::run(
        Command::new(node)
            .args(["--test", "out/test/headers.test.js"])
            .current_dir(&dir),
        "node --test headers.test.js",
    );
}

#[test]
fn raw_bodies_travel_under_node_test() {
    let tsc = common::tsc();
    let node = common::node();
    let spec = common::compile("specs/valid/raw_bodies.gati");
    let dir = common::work_dir().join("raw-test");
    common::write_sdk(&dir, &gatic_sdk_typescript::generate(&spec));
    common::prepare_tests(&dir, &["raw.test.ts"]);
    common::run(
        Command::new(&tsc)
            .arg("-p")
            .arg(dir.join("tsconfig.test.json")),
        "tsc on the raw body tests",
    );
    common::run(
        Command::new(node)
            .args(["--test", "out/test/raw.test.js"])
            .current_dir(&dir),
        "node --test raw.test.js",
    );
}

#[test]
fn multipart_forms_travel_under_node_test() {
    let tsc = common::tsc();
    let node = common::node();
    let spec = common::compile("specs/valid/raw_bodies.gati");
    let dir = common::work_dir().join("form-test");
    common::write_sdk(&dir, &gatic_sdk_typescript::generate(&spec));
    common::prepare_tests(&dir, &["form.test.ts"]);
    common::run(
        Command::new(&tsc)
            .arg("-p")
            .arg(dir.join("tsconfig.test.json")),
        "tsc on the multipart form tests",
    );
    common::run(
        Command::new(node)
            .args(["--test", "out/test/form.test.js"])
            .current_dir(&dir),
        "node --test form.test.js",
    );
}

#[test]
fn constants_travel_under_node_test() {
    let tsc = common::tsc();
    let node = common::node();
    let spec = common::compile("specs/valid/envelopes.gati");
    let dir = common::work_dir().join("constants-test");
    common::write_sdk(&dir, &gatic_sdk_typescript::generate(&spec));
    common::prepare_tests(&dir, &["constants.test.ts"]);
    common::run(
        Command::new(&tsc)
            .arg("-p")
            .arg(dir.join("tsconfig.test.json")),
        "tsc on the constant field tests",
    );
    common::run(
        Command::new(node)
            .args(["--test", "out/test/constants.test.js"])
            .current_dir(&dir),
        "node --test constants.test.js",
    );
}
