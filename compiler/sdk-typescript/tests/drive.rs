//! The drive: every route of the users example through the generated SDK,
//! against a running server.
//!
//! `#[ignore]`d: it needs `GATI_TEST_BASE_URL` to name the server (the
//! end-to-end script starts it, sets the variable and runs the ignored
//! tests). By hand:
//! `GATI_TEST_BASE_URL=http://127.0.0.1:8080 cargo test -p gatic-sdk-typescript --test drive -- --ignored`.

mod common;

use std::process::Command;

#[test]
#[ignore = "needs the running users example: scripts/test starts it and sets GATI_TEST_BASE_URL"]
fn drive_users_example() {
    let base_url = std::env::var("GATI_TEST_BASE_URL")
        .expect("GATI_TEST_BASE_URL names the users example's server (scripts/test sets it)");
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
