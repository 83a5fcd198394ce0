//! The drive: `drive/drive_users.py` calls every route of the users example
//! through the SDK generated from `examples/users/users.gati`, against the
//! server at `GATI_TEST_BASE_URL`. The test is `#[ignore]`d, since it needs
//! that server (the end-to-end script starts it, sets the variable and runs
//! the ignored tests):
//!
//! ```sh
//! GATI_TEST_BASE_URL=http://127.0.0.1:8080 cargo test -p gatic-sdk-python --test drive -- --ignored --nocapture
//! ```

mod support;

use std::process::Command;

#[test]
#[ignore = "needs the running users example: scripts/test starts it and sets GATI_TEST_BASE_URL"]
fn drive_every_users_route_through_the_sdk() {
    let base_url = std::env::var("GATI_TEST_BASE_URL")
        .expect("GATI_TEST_BASE_URL names the users example's server (scripts/test sets it)");
    let files = gatic_sdk_python::generate(&support::users_example());
    let out = support::write("users_drive", &files);
    let drive = support::workspace().join("compiler/sdk-python/drive/drive_users.py");
    let output = support::run(
        Command::new(support::python())
            .arg(&drive)
            .env("GATI_TEST_BASE_URL", base_url)
            .env("PYTHONPATH", out.join("sdk/python"))
            .env("PYTHONDONTWRITEBYTECODE", "1"),
    );
    println!("{output}");
}
