//! The drive: `drive/drive_users.py` calls every route of the users example
//! through the SDK generated from `examples/users/users.gati`, against the
//! server at `GATI_TEST_BASE_URL`. Without that variable there is no server
//! to drive, and the test only says so (the end-to-end script starts the
//! server and sets it):
//!
//! ```sh
//! GATI_TEST_BASE_URL=http://127.0.0.1:8080 cargo test -p gatic-sdk-python --test drive -- --nocapture
//! ```

mod support;

use std::process::Command;

#[test]
fn drive_every_users_route_through_the_sdk() {
    let Ok(base_url) = std::env::var("GATI_TEST_BASE_URL") else {
        eprintln!("GATI_TEST_BASE_URL is not set: no users example server to drive");
        return;
    };
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
