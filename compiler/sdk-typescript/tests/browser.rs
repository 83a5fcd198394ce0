//! CORS in a real browser: the users example's TypeScript SDK, compiled
//! with tsc, runs in headless Chromium from a page on another loopback
//! origin than the API's, which allows it (`GATI_CORS_ORIGINS`); a page on
//! a third origin is refused. `drive/cors_browser.mjs` does the browsing with
//! playwright-core and leaves a screenshot, `cors.png`, in the work folder.
//!
//! `#[ignore]`d: it needs `GATIC_TEST_SERVER_BIN` to name the users
//! example's server binary (the end-to-end script builds it, sets the
//! variable and runs the ignored tests).

mod common;

use std::path::PathBuf;
use std::process::Command;

#[test]
#[ignore = "needs the users example built: scripts/test builds it and sets GATIC_TEST_SERVER_BIN"]
fn users_sdk_calls_cross_origin_from_chromium() {
    let server = std::env::var_os("GATIC_TEST_SERVER_BIN").expect(
        "GATIC_TEST_SERVER_BIN names the users example's server binary (scripts/test sets it)",
    );
    let chromium = common::chromium();
    let tsc = common::tsc();
    let node = common::playwright_node();
    let spec = common::compile("examples/users/users.gati");
    let dir = common::work_dir().join("browser-users");
    common::write_sdk(&dir, &gatic_sdk_typescript::generate(&spec));
    common::prepare_tests(&dir, &["cors_page.ts"]);
    common::run(
        Command::new(&tsc)
            .arg("-p")
            .arg(dir.join("tsconfig.test.json")),
        "tsc on the browser page",
    );
    let drive = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("drive");
    std::fs::copy(drive.join("cors_page.html"), dir.join("out/index.html")).expect("copy the page");
    common::copy_browser_script("cors_browser.mjs", &dir);
    common::run(
        Command::new(node)
            .arg(dir.join("cors_browser.mjs"))
            .env("GATIC_TEST_SERVER_BIN", server)
            .env("CHROMIUM", chromium)
            .current_dir(dir.join("out")),
        "node cors_browser.mjs (the SDK in Chromium, cross-origin)",
    );
    assert!(
        dir.join("out/cors.png").is_file(),
        "a screenshot of the page"
    );
}
