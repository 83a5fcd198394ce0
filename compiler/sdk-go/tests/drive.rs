//! The drive: every route of the users example through the generated Go SDK,
//! against the running server whose base URL is in `GATI_TEST_BASE_URL`
//! (the examples' end-to-end script starts it). Without the variable the
//! test has nothing to drive and passes at once, saying so.

mod support;

#[test]
fn drive_users_example() {
    let Ok(base) = std::env::var("GATI_TEST_BASE_URL") else {
        eprintln!("GATI_TEST_BASE_URL is not set: no server to drive");
        return;
    };
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
