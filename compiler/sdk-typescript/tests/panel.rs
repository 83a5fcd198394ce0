//! The users example's control panel, `/_gati/` on its admin listener, in
//! headless Chromium: `drive/panel_browser.mjs` starts the example with an
//! admin port and the access log on, loads the panel, sends a bounded load
//! that mixes API versions (seven requests in ten at the old one), and
//! checks that the per-version shares the panel shows match the traffic
//! within 5 points, and the routes, errors, log tail and settings. It
//! leaves screenshots in `target/panel/`.
//!
//! Runs only when `GATIC_TEST_SERVER_BIN` names the users example's server
//! binary (the end-to-end script builds it and sets the variable); without
//! it the test says so and does nothing, like the docs page test.

mod common;

#[test]
fn panel_shows_the_version_mix_of_the_users_example() {
    let Some(server) = std::env::var_os("GATIC_TEST_SERVER_BIN") else {
        eprintln!("GATIC_TEST_SERVER_BIN is not set: the control panel test did not run");
        return;
    };
    common::browser_page_test(
        "panel_browser.mjs",
        &server,
        ("PANEL_SHOTS", "panel"),
        &["panel.png", "panel-under-load.png", "panel-log.png"],
    );
}
