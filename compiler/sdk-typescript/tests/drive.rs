//! The drive: every route of the users example through the generated SDK,
//! against a running server.
//!
//! Runs only when `GATI_TEST_BASE_URL` names the server (the end-to-end
//! script starts it and sets the variable); without it the test passes
//! without doing anything. Run it with
//! `GATI_TEST_BASE_URL=http://127.0.0.1:8080 cargo test -p gatic-sdk-typescript --test drive`.

mod common;

use std::process::Command;

#[test]
fn drive_users_example() {
    let Ok(base_url) = std::env::var("GATI_TEST_BASE_URL") else {
        eprintln!("GATI_TEST_BASE_URL is not set: the TypeScript drive did not run");
        return;
    };
    let tsc = common::tsc();
    let node = common::node();
    let spec = common::compile("examples/users/users.gati");
    let dir = common::work_dir().join("drive-users");
    common::write_sdk(&dir, &gatic_sdk_typescript::generate(&spec));
    common::prepare_tests(&dir, &["users.test.ts"]);
    common::run(
        Command::new(&tsc)
            .arg("-p")
            .arg(dir.join("tsconfig.test.json")),
        "tsc on the drive",
    );
    common::run(
        Command::new(node)
            .args(["--test", "out/test/users.test.js"])
            .env("GATI_TEST_BASE_URL", base_url)
            .current_dir(&dir),
        "node --test users.test.js (the TypeScript drive)",
    );
}
