//! The users example's control panel, `/_gati/` on its admin listener, in
//! headless Chromium: `drive/panel_browser.mjs` starts the example with an
//! admin port and the access log on, loads the panel, sends a bounded load
//! that mixes API versions (seven requests in ten at the old one), and
//! checks that the per-version shares the panel shows match the traffic
//! within 5 points, and the routes, errors, log tail and settings. It
//! leaves screenshots in `target/panel/`.
//!
//! `#[ignore]`d: it needs `GATIC_TEST_SERVER_BIN` to name the users
//! example's server binary (the end-to-end script builds it, sets the
//! variable and runs the ignored tests).

mod common;

#[test]
#[ignore = "needs the users example built: scripts/test builds it and sets GATIC_TEST_SERVER_BIN"]
fn panel_shows_the_version_mix_of_the_users_example() {
    let server = std::env::var_os("GATIC_TEST_SERVER_BIN").expect(
        "GATIC_TEST_SERVER_BIN names the users example's server binary (scripts/test sets it)",
    );
    common::browser_page_test(
        "panel_browser.mjs",
        &server,
        ("PANEL_SHOTS", "panel"),
        &["panel.png", "panel-under-load.png", "panel-log.png"],
    );
}
