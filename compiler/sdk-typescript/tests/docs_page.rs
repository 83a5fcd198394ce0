//! The users example's documentation page, `/docs`, in headless Chromium:
//! `drive/docs_browser.mjs` loads it from the example's server with
//! playwright-core, checks what it renders (versions, routes, schemas,
//! errors, and `User` at the old version), makes calls from its "try it"
//! forms, and leaves screenshots in `target/docs-page/`.
//!
//! `#[ignore]`d: it needs `GATIC_TEST_SERVER_BIN` to name the users
//! example's server binary (the end-to-end script builds it, sets the
//! variable and runs the ignored tests).

mod common;

#[test]
#[ignore = "needs the users example built: scripts/test builds it and sets GATIC_TEST_SERVER_BIN"]
fn docs_page_renders_and_calls_the_users_example() {
    let server = std::env::var_os("GATIC_TEST_SERVER_BIN").expect(
        "GATIC_TEST_SERVER_BIN names the users example's server binary (scripts/test sets it)",
    );
    common::browser_page_test(
        "docs_browser.mjs",
        &server,
        ("DOCS_SHOTS", "docs-page"),
        &["docs-top.png", "docs-try.png", "docs-old-version.png"],
    );
}
