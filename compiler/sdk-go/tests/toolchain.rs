//! Every generated SDK passes the Go toolchain: gofmt-clean, `go vet` and
//! `go build` (Go 1.19, standard library only, no module proxy), and the
//! hand-written offline tests of `drive/` pass against the users example's SDK.
//! Fails, with the install command, when Go is missing.

mod collisions;
#[allow(dead_code, reason = "the fixture serves several test crates")]
#[path = "../../rust/tests/fixture/mod.rs"]
mod fixture;
mod support;

use gatic_ir::Spec;

#[test]
fn generated_sdks_vet_and_build() {
    let dir = support::root().join("specs/valid");
    let mut specs: Vec<(String, Spec)> = vec![
        ("fixture-kitchen_sink".into(), fixture::kitchen_sink()),
        ("fixture-minimal".into(), fixture::minimal()),
        ("collisions".into(), collisions::collisions()),
        ("example-users".into(), support::users_example()),
    ];
    for (name, file) in support::corpus() {
        specs.push((format!("corpus-{name}"), support::compile(&dir, &file)));
    }
    let mut failures = Vec::new();
    for (name, spec) in &specs {
        let out = support::sdk_dir(name);
        support::write_sdk(&out, &gatic_sdk_go::generate(spec));
        if let Err(e) = support::check_sdk(&out) {
            failures.push(e);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn offline_drive_tests_pass() {
    let sdk = support::sdk_dir("drive-users");
    support::write_sdk(&sdk, &gatic_sdk_go::generate(&support::users_example()));
    let drive = support::drive_module(&sdk);
    let mut vet = support::go("go", &drive);
    vet.args(["vet", "./..."]);
    if let Err(e) = support::run(vet) {
        panic!("{e}");
    }
    let mut test = support::go("go", &drive);
    test.args(["test", "-count=1", "-run", "Offline", "./..."])
        .env_remove("GATI_TEST_BASE_URL");
    if let Err(e) = support::run(test) {
        panic!("{e}");
    }
}
