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

#[test]
fn docs_page_renders_and_calls_the_users_example() {
    let Some(server) = std::env::var_os("GATIC_TEST_SERVER_BIN") else {
        eprintln!("GATIC_TEST_SERVER_BIN is not set: the docs page test did not run");
        return;
    };
    common::browser_page_test(
        "docs_browser.mjs",
        &server,
        ("DOCS_SHOTS", "docs-page"),
        &["docs-top.png", "docs-try.png", "docs-old-version.png"],
    );
}
