//! The drive: every route of the users example through the generated Go SDK,
//! against the running server whose base URL is in `GATI_TEST_BASE_URL`
//! (the examples' end-to-end script starts it). The test is `#[ignore]`d:
//! `scripts/test` runs it with `-- --ignored` once the server is up, and
//! without the variable it fails, saying so.

mod support;

#[test]
#[ignore = "needs the running users example: scripts/test starts it and sets GATI_TEST_BASE_URL"]
fn drive_users_example() {
    let base = std::env::var("GATI_TEST_BASE_URL")
        .expect("GATI_TEST_BASE_URL names the users example's server (scripts/test sets it)");
    let sdk = support::sdk_dir("drive-users-live");
    support::write_sdk(&sdk, &gatic_sdk_go::generate(&support::users_example()));
    let drive = support::drive_module(&sdk);
    let mut test = support::go("go", &drive);
    test.args(["test", "-count=1", "-v", "-run", "Drive", "./..."])
        .env("GATI_TEST_BASE_URL", base);
    match support::run(test) {
        Ok(out) => println!("{out}"),
        Err(e) => panic!("{e}"),
    }
}
