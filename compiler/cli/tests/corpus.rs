//! The spec corpus drives snapshots of diagnostics and IR: every valid spec
//! compiles cleanly and its IR is snapshotted; every invalid spec reports the
//! codes its first line expects, and its rendered diagnostics are snapshotted.

mod common;

use common::{compile, corpus, snapshots};
use gatic_syntax::render::{Format, render};

#[test]
fn valid_specs_compile_and_their_ir_is_stable() {
    let cases = corpus("valid");
    assert!(cases.len() >= 5, "the valid corpus is missing");
    let mut failures = Vec::new();
    for case in &cases {
        let compiled = compile(&case.path);
        let Some(spec) = &compiled.spec else {
            failures.push(format!(
                "{}:\n{}",
                case.path,
                render(&compiled.sources, &compiled.diagnostics, Format::Human)
            ));
            continue;
        };
        insta::with_settings!({snapshot_path => snapshots("ir"), prepend_module_to_snapshot => false, omit_expression => true}, {
            insta::assert_json_snapshot!(case.name.clone(), spec);
        });
    }
    assert!(
        failures.is_empty(),
        "valid specs failed:\n{}",
        failures.join("\n")
    );
}

#[test]
fn invalid_specs_report_their_expected_codes() {
    let cases = corpus("invalid");
    assert!(cases.len() >= 10, "the invalid corpus is missing");
    let mut failures = Vec::new();
    for case in &cases {
        let compiled = compile(&case.path);
        let text = std::fs::read_to_string(common::root().join(&case.path)).unwrap_or_default();
        let expected: Vec<&str> = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("// expect:"))
            .map(|l| {
                l.split(',')
                    .map(str::trim)
                    .filter(|c| !c.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        if expected.is_empty() {
            failures.push(format!(
                "{}: first line must be `// expect: CODE`",
                case.path
            ));
        }
        let found: Vec<&str> = compiled.diagnostics.iter().map(|d| d.code).collect();
        for code in &expected {
            if !found.contains(code) {
                failures.push(format!("{}: expected {code}, found {found:?}", case.path));
            }
        }
        if compiled.spec.is_some() {
            failures.push(format!("{}: compiled without errors", case.path));
        }
        let rendered = render(&compiled.sources, &compiled.diagnostics, Format::Human);
        insta::with_settings!({snapshot_path => snapshots("diagnostics"), prepend_module_to_snapshot => false, omit_expression => true}, {
            insta::assert_snapshot!(case.name.clone(), rendered);
        });
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_render_format_is_stable() {
    let compiled = compile("specs/invalid/syntax_many_errors.gati");
    assert!(compiled.diagnostics.len() >= 3);
    for (name, format) in [("json", Format::Json), ("github", Format::Github)] {
        let rendered = render(&compiled.sources, &compiled.diagnostics, format);
        insta::with_settings!({snapshot_path => snapshots("diagnostics"), prepend_module_to_snapshot => false, omit_expression => true}, {
            insta::assert_snapshot!(format!("format_{name}"), rendered);
        });
    }
}

/// Every ```gati block in the language reference compiles; blocks tagged
/// `gati,invalid=CODE` report that code.
#[test]
fn reference_examples_compile() {
    let reference = std::fs::read_to_string(common::root().join("specs/README.md"))
        .expect("specs/README.md exists");
    let mut blocks = Vec::new();
    let mut current: Option<(String, String, usize)> = None;
    for (n, line) in reference.lines().enumerate() {
        match &mut current {
            None => {
                if let Some(tag) = line.trim_start().strip_prefix("```gati") {
                    current = Some((tag.to_string(), String::new(), n + 1));
                }
            }
            Some((tag, body, start)) => {
                if line.trim_start().starts_with("```") {
                    blocks.push((tag.clone(), std::mem::take(body), *start));
                    current = None;
                } else {
                    body.push_str(line);
                    body.push('\n');
                }
            }
        }
    }
    assert!(blocks.len() >= 10, "the reference has too few examples");
    let mut failures = Vec::new();
    for (tag, body, line) in &blocks {
        let name = format!("README.md:{line}");
        let mut files = std::collections::BTreeMap::new();
        files.insert(name.clone(), body.clone().into_bytes());
        let compiled = gatic_check::compile(&name, &gatic_check::MemoryLoader(files));
        let codes: Vec<&str> = compiled
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| d.code)
            .collect();
        match tag.strip_prefix(",invalid=") {
            Some(code) if !codes.contains(&code) => {
                failures.push(format!("{name}: expected {code}, found {codes:?}"))
            }
            Some(_) => {}
            None if !codes.is_empty() => failures.push(format!(
                "{name}:\n{}",
                render(&compiled.sources, &compiled.diagnostics, Format::Human)
            )),
            None => {}
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every code of the catalogue (`codes::ALL`, so a new code is covered the
/// day it is added) has a failing case: a snapshot of diagnostics or of the
/// CLI's output that shows it, or, for the codes `gatic check` reports from
/// the handler crate rather than the spec, a CLI test that asserts it.
#[test]
fn every_code_has_a_failing_case() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut seen = String::new();
    let mut read = |dir: std::path::PathBuf| {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            seen.push_str(&std::fs::read_to_string(entry.path()).unwrap_or_default());
        }
    };
    for dir in ["check", "diagnostics", "cli", "timescape"] {
        read(root.join("snapshots").join(dir));
    }
    read(root.join("compiler/cli/tests"));
    let missing: Vec<&str> = gatic_syntax::codes::ALL
        .iter()
        .map(|c| c.code)
        .filter(|code| !seen.contains(code))
        .collect();
    assert!(
        missing.is_empty(),
        "codes without a failing case: {missing:?}"
    );
}
