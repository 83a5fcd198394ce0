//! `gatic fmt`: formatting never changes what a spec means (the checker's
//! IR, or its diagnostics, are the same for every corpus spec and example
//! with every file formatted), and the command's exit codes, diffs and
//! in-place rewrites.

mod common;

use common::gatic;

use gatic_check::Loader;
use gatic_syntax::FileId;
use std::path::{Path, PathBuf};

/// Reads files from disk and formats those that parse.
struct Formatting;

impl Loader for Formatting {
    fn load(&self, path: &str) -> Result<Vec<u8>, String> {
        let bytes = gatic::FsLoader.load(path)?;
        let Ok(text) = String::from_utf8(bytes.clone()) else {
            return Ok(bytes);
        };
        Ok(gatic_syntax::fmt::format(FileId(0), &text).map_or(bytes, String::into_bytes))
    }
}

/// Every root spec: the valid and invalid corpus, both sides of each
/// evolution pair, and the examples.
fn roots() -> Vec<String> {
    let mut roots: Vec<String> = ["valid", "invalid"]
        .iter()
        .flat_map(|dir| common::corpus(dir))
        .map(|case| case.path)
        .collect();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(common::root().join("specs/evolution"))
        .map(|entries| entries.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    dirs.extend(
        std::fs::read_dir(common::root().join("examples"))
            .map(|entries| entries.flatten().map(|e| e.path()).collect::<Vec<_>>())
            .unwrap_or_default(),
    );
    for dir in dirs {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        for file in ["old.gati", "new.gati", &format!("{name}.gati")] {
            if dir.join(file).is_file() {
                roots.push(dir.join(file).to_string_lossy().into_owned());
            }
        }
    }
    roots.sort();
    roots
}

#[test]
fn formatting_keeps_the_checked_ir_and_the_diagnostics() {
    let roots = roots();
    assert!(roots.len() > 100, "the corpus is missing: {roots:?}");
    let mut failures = Vec::new();
    let mut changed = 0;
    for root in &roots {
        let path = common::root().join(root).to_string_lossy().into_owned();
        let before = gatic_check::compile(&path, &gatic::FsLoader);
        let after = gatic_check::compile(&path, &Formatting);
        changed += before
            .sources
            .files()
            .zip(after.sources.files())
            .filter(|((_, a), (_, b))| a.text != b.text)
            .count();
        let ir = |c: &gatic_check::Compiled| c.spec.as_ref().map(serde_json::to_value);
        if ir(&before).map(Result::ok) != ir(&after).map(Result::ok) {
            failures.push(format!("{root}: the IR changed"));
        }
        let diagnostics = |c: &gatic_check::Compiled| {
            c.diagnostics
                .iter()
                .map(|d| format!("{} {}", d.code, d.message))
                .collect::<Vec<_>>()
        };
        if diagnostics(&before) != diagnostics(&after) {
            failures.push(format!(
                "{root}: the diagnostics changed:\n{:#?}\n{:#?}",
                diagnostics(&before),
                diagnostics(&after)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(changed > 0, "no file changed: the test compares nothing");
}

/// A fresh folder under `target/` holding `files`.
fn folder(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = common::root().join("target/gatic-fmt-test").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    for (path, text) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap_or(&dir)).expect("create the folder");
        std::fs::write(path, text).expect("write a file");
    }
    dir
}

fn read(dir: &Path, path: &str) -> String {
    std::fs::read_to_string(dir.join(path)).unwrap_or_default()
}

const MESSY: &str = "service s{title \"S\"}\ntype A{a:int32 // why\n}\nroute r GET /a ->A\n";
const TIDY: &str =
    "service s { title \"S\" }\n\ntype A {\n  a: int32 // why\n}\n\nroute r GET /a -> A\n";
const BROKEN: &str = "service s { title \"S\" }\ntype A {\n  a int32\n}\n";

#[test]
fn check_exits_1_with_a_diff_and_writes_nothing() {
    let dir = folder("check", &[("messy.gati", MESSY), ("tidy.gati", TIDY)]);
    let ok = gatic(&dir, &["fmt", "--check", "tidy.gati"]);
    assert_eq!(ok.status.code(), Some(0), "{ok:?}");
    assert!(ok.stdout.is_empty());
    let out = gatic(&dir, &["fmt", "--check", "tidy.gati", "messy.gati"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let diff = String::from_utf8_lossy(&out.stdout);
    assert!(
        diff.starts_with("--- messy.gati\n+++ messy.gati (formatted)\n@@ -1,"),
        "{diff}"
    );
    assert!(diff.contains("\n-type A{a:int32 // why\n"), "{diff}");
    assert!(diff.contains("\n+  a: int32 // why\n"), "{diff}");
    assert!(!diff.contains("tidy.gati"), "{diff}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("messy.gati is not formatted"), "{stderr}");
    assert_eq!(read(&dir, "messy.gati"), MESSY);
}

#[test]
fn fmt_rewrites_only_the_files_that_change() {
    let dir = folder("rewrite", &[("messy.gati", MESSY), ("tidy.gati", TIDY)]);
    let tidy_modified = || {
        std::fs::metadata(dir.join("tidy.gati"))
            .and_then(|m| m.modified())
            .expect("tidy.gati")
    };
    let before = tidy_modified();
    std::thread::sleep(std::time::Duration::from_millis(20));
    let out = gatic(&dir, &["fmt", "messy.gati", "tidy.gati"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(read(&dir, "messy.gati"), TIDY);
    assert_eq!(tidy_modified(), before, "an unchanged file was rewritten");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr, "gatic: formatted messy.gati\n");
    let again = gatic(&dir, &["fmt", "messy.gati", "tidy.gati"]);
    assert_eq!(again.status.code(), Some(0));
    assert!(again.stderr.is_empty(), "{again:?}");
    assert_eq!(
        gatic(&dir, &["fmt", "--check", "messy.gati"]).status.code(),
        Some(0)
    );
}

#[test]
fn a_file_that_does_not_parse_is_reported_and_nothing_is_written() {
    let dir = folder("broken", &[("messy.gati", MESSY), ("broken.gati", BROKEN)]);
    for args in [
        &["fmt", "messy.gati", "broken.gati"][..],
        &["fmt", "--check", "messy.gati", "broken.gati"],
    ] {
        let out = gatic(&dir, args);
        assert_eq!(out.status.code(), Some(1), "{out:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("error[E0001]"), "{stderr}");
        assert!(stderr.contains("--> broken.gati:3:"), "{stderr}");
        assert_eq!(read(&dir, "messy.gati"), MESSY);
        assert_eq!(read(&dir, "broken.gati"), BROKEN);
    }
    let missing = gatic(&dir, &["fmt", "--check", "missing.gati"]);
    assert_eq!(missing.status.code(), Some(2), "{missing:?}");
}

#[test]
fn without_files_fmt_formats_the_spec_here_and_the_files_it_uses() {
    let main = "use \"types/common.gati\"\nservice s{title \"S\"}\nroute r GET /a ->A\n";
    let common = "type A{a:int32}\n";
    let dir = folder(
        "default",
        &[
            ("main.gati", main),
            ("types/common.gati", common),
            ("unrelated.gati", common),
        ],
    );
    let check = gatic(&dir, &["fmt", "--check"]);
    assert_eq!(check.status.code(), Some(1), "{check:?}");
    let out = gatic(&dir, &["fmt"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(
        read(&dir, "main.gati"),
        "use \"types/common.gati\"\nservice s { title \"S\" }\nroute r GET /a -> A\n"
    );
    assert_eq!(read(&dir, "types/common.gati"), "type A { a: int32 }\n");
    assert_eq!(read(&dir, "unrelated.gati"), common);
    let empty = folder("default-empty", &[]);
    std::fs::create_dir_all(&empty).expect("create the folder");
    let none = gatic(&empty, &["fmt"]);
    assert_eq!(none.status.code(), Some(2), "{none:?}");
    assert!(String::from_utf8_lossy(&none.stderr).contains("no .gati file"));
}

/// The example in the reference's "Formatting" section is written as `gatic
/// fmt` writes it, and compiles without a diagnostic.
#[test]
fn the_references_formatting_example_is_formatted() {
    let reference = std::fs::read_to_string(common::root().join("specs/README.md"))
        .expect("specs/README.md exists");
    let section = reference
        .split("\n## Formatting\n")
        .nth(1)
        .expect("the reference has a Formatting section");
    let example = section
        .split("```gati\n")
        .nth(1)
        .and_then(|block| block.split("\n```").next())
        .map(|text| format!("{text}\n"))
        .expect("the Formatting section has an example");
    let formatted = gatic_syntax::fmt::format(FileId(0), &example).expect("the example formats");
    assert_eq!(formatted, example);
    let compiled = gatic_check::compile(
        "example.gati",
        &gatic_check::MemoryLoader::new([("example.gati", example.as_str())]),
    );
    assert!(
        compiled.spec.is_some() && compiled.diagnostics.is_empty(),
        "{:?}",
        compiled.diagnostics
    );
}
