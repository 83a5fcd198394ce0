//! Helpers shared by the tests: the spec corpus, writing an SDK to disk and
//! finding the TypeScript toolchain.

#![allow(dead_code, reason = "each test binary uses a different part")]

use gatic_ir::{OutputFile, Spec};
use std::path::{Path, PathBuf};
use std::process::Command;

pub use gatic_test_support::root;

/// Compiles the spec at `path` (relative to the workspace root) and panics
/// with the diagnostics when it does not compile.
pub fn compile(path: &str) -> Spec {
    gatic_test_support::compile_named(&root(), path)
}

/// The corpus: a snapshot name and a spec, for every valid spec
/// (`specs/valid/*.gati` and `specs/valid/*/main.gati`), the users example
/// and this crate's own `tests/fixtures/headers.gati` (response headers of
/// every type).
pub fn corpus() -> Vec<(String, Spec)> {
    let mut out: Vec<(String, Spec)> = gatic_test_support::corpus()
        .into_iter()
        .map(|(name, path)| {
            (
                format!("valid_{name}"),
                compile(&format!("specs/valid/{path}")),
            )
        })
        .collect();
    out.push((
        "example_users".to_string(),
        compile("examples/users/users.gati"),
    ));
    out.push(("fixture_headers".to_string(), compile(HEADERS_FIXTURE)));
    out
}

/// A spec whose routes declare response headers of every type.
pub const HEADERS_FIXTURE: &str = "compiler/sdk-typescript/tests/fixtures/headers.gati";

/// Writes `files` (paths under `sdk/typescript/`) into `dir`, replacing what was there.
pub fn write_sdk(dir: &Path, files: &[OutputFile]) {
    let _ = std::fs::remove_dir_all(dir.join("src"));
    for f in files {
        let rel = f
            .path
            .strip_prefix(gatic_sdk_typescript::PREFIX)
            .unwrap_or(&f.path);
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("create folder");
        std::fs::write(&path, &f.contents).expect("write file");
    }
}

/// Where the SDKs are written and the TypeScript toolchain is installed.
pub fn work_dir() -> PathBuf {
    root().join("target/gatic-sdk/typescript")
}

/// The command that installs the toolchain the tests need.
pub const INSTALL: &str = "npm install --no-save --no-package-lock --prefix target/gatic-sdk/typescript typescript@5 @types/node@20 playwright-core@1";

/// The TypeScript compiler: `$GATIC_TSC`, else the one installed under
/// `target/gatic-sdk/typescript`; fails with the install command otherwise.
pub fn tsc() -> PathBuf {
    if let Some(p) = std::env::var_os("GATIC_TSC") {
        return PathBuf::from(p);
    }
    let local = work_dir().join("node_modules/.bin/tsc");
    assert!(
        local.is_file() && work_dir().join("node_modules/@types/node").is_dir(),
        "TypeScript is not installed: run `{INSTALL}` in the workspace root (needs Node 18+ and npm)"
    );
    local
}

/// Node, which must be 18 or newer.
pub fn node() -> &'static str {
    let out = Command::new("node").arg("--version").output();
    let version = match out {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).trim().to_string(),
        _ => panic!(
            "node is not installed: install Node 18+ (apt-get install nodejs npm), then run `{INSTALL}`"
        ),
    };
    let major: u32 = version
        .trim_start_matches('v')
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .unwrap_or(0);
    assert!(
        major >= 18,
        "node {version} is too old: the SDK needs Node 18+"
    );
    "node"
}

/// Runs `cmd`, panicking with its output when it fails.
pub fn run(cmd: &mut Command, what: &str) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run: {e}"));
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Copies hand-written tests from `drive/` into `dir/test/`, with a tsconfig
/// that compiles them together with the SDK into `dir/out/`.
pub fn prepare_tests(dir: &Path, tests: &[&str]) {
    let drive = Path::new(env!("CARGO_MANIFEST_DIR")).join("drive");
    let _ = std::fs::remove_dir_all(dir.join("test"));
    let _ = std::fs::remove_dir_all(dir.join("out"));
    std::fs::create_dir_all(dir.join("test")).expect("create test folder");
    for t in tests {
        std::fs::copy(drive.join(t), dir.join("test").join(t)).expect("copy test");
    }
    std::fs::copy(
        drive.join("tsconfig.test.json"),
        dir.join("tsconfig.test.json"),
    )
    .expect("copy tsconfig");
}

/// Debian's Chromium (`$CHROMIUM` overrides); fails with how to install it.
pub fn chromium() -> PathBuf {
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

/// Node, with playwright-core installed in the work folder; fails with the
/// install command otherwise.
pub fn playwright_node() -> &'static str {
    let node = node();
    assert!(
        work_dir().join("node_modules/playwright-core").is_dir(),
        "playwright-core is not installed: run `{INSTALL}` in the workspace root"
    );
    node
}

/// Copies `drive/<script>` and the scripts' shared `browser_support.mjs`
/// into `dir`, for Node to run from there.
pub fn copy_browser_script(script: &str, dir: &Path) -> PathBuf {
    let drive = Path::new(env!("CARGO_MANIFEST_DIR")).join("drive");
    for file in [script, "browser_support.mjs"] {
        std::fs::copy(drive.join(file), dir.join(file))
            .unwrap_or_else(|e| panic!("copy {file}: {e}"));
    }
    dir.join(script)
}

/// Runs the browser script `drive/<script>` against the users example's
/// server binary `server` in Chromium, from the work folder (where Node
/// finds playwright-core), with `shots_variable` naming `target/<shots>`,
/// and checks that it left each of `screenshots` there.
pub fn browser_page_test(
    script: &str,
    server: &std::ffi::OsStr,
    (shots_variable, shots): (&str, &str),
    screenshots: &[&str],
) {
    let chromium = chromium();
    let node = playwright_node();
    let script_path = copy_browser_script(script, &work_dir());
    let shots = root().join("target").join(shots);
    std::fs::create_dir_all(&shots).expect("create the screenshots' folder");
    run(
        Command::new(node)
            .arg(&script_path)
            .env("GATIC_TEST_SERVER_BIN", server)
            .env("CHROMIUM", chromium)
            .env(shots_variable, &shots)
            .current_dir(work_dir()),
        &format!("node {script} in Chromium"),
    );
    for name in screenshots {
        assert!(shots.join(name).is_file(), "a screenshot, {name}");
    }
}
