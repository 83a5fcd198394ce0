//! The users example's documentation page, `/docs`, in headless Chromium:
//! `drive/docs_browser.mjs` loads it from the example's server with
//! playwright-core, checks what it renders (versions, routes, schemas,
//! errors, and `User` at the old version), makes calls from its "try it"
//! forms, and leaves screenshots in `target/docs-page/`.
//!
//! Runs only when `GATIC_TEST_SERVER_BIN` names the users example's server
//! binary (the end-to-end script builds it and sets the variable); without
//! it the test says so and does nothing, like the browser test.

mod common;

use std::path::PathBuf;
use std::process::Command;

#[test]
fn docs_page_renders_and_calls_the_users_example() {
    let Some(server) = std::env::var_os("GATIC_TEST_SERVER_BIN") else {
        eprintln!("GATIC_TEST_SERVER_BIN is not set: the docs page test did not run");
        return;
    };
    let chromium = chromium();
    let node = common::node();
    let playwright = common::work_dir().join("node_modules/playwright-core");
    assert!(
        playwright.is_dir(),
        "playwright-core is not installed: run `{}` in the workspace root",
        common::INSTALL
    );
    // The script runs from the work folder, so Node finds playwright-core
    // in its `node_modules`.
    let script = common::work_dir().join("docs_browser.mjs");
    let drive = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("drive");
    std::fs::copy(drive.join("docs_browser.mjs"), &script).expect("copy the script");
    let shots = common::root().join("target/docs-page");
    std::fs::create_dir_all(&shots).expect("create target/docs-page");
    common::run(
        Command::new(node)
            .arg(&script)
            .env("GATIC_TEST_SERVER_BIN", server)
            .env("CHROMIUM", chromium)
            .env("DOCS_SHOTS", &shots)
            .current_dir(common::work_dir()),
        "node docs_browser.mjs (the docs page in Chromium)",
    );
    for name in ["docs-top.png", "docs-try.png", "docs-old-version.png"] {
        assert!(shots.join(name).is_file(), "a screenshot, {name}");
    }
}

/// Debian's Chromium (`$CHROMIUM` overrides); fails with how to install it.
fn chromium() -> PathBuf {
    if let Some(path) = std::env::var_os("CHROMIUM") {
        return PathBuf::from(path);
    }
    let path = PathBuf::from("/usr/bin/chromium");
    assert!(
        path.is_file(),
        "Chromium is not installed: run `apt-get install chromium` (or set CHROMIUM to a Chromium binary)"
    );
    path
}
