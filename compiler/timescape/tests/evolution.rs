//! The evolution corpus: each `specs/evolution/<case>/` holds an `old.gati`
//! and a `new.gati`; the change list and verdicts between them, as text and
//! JSON, are snapshot-tested. Also checks the rule catalogue against
//! `specs/RULES.md` and the corpus.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use gatic_check::{Loader, compile};
use gatic_ir::Spec;
use gatic_timescape::{Format, Report, compare, render, rules};

struct FsLoader;

impl Loader for FsLoader {
    fn load(&self, path: &str) -> Result<Vec<u8>, String> {
        std::fs::read(path).map_err(|e| e.to_string())
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn spec(path: &Path) -> Spec {
    let compiled = compile(&path.to_string_lossy(), &FsLoader);
    match compiled.spec {
        Some(s) => s,
        None => panic!(
            "{} does not compile: {:#?}",
            path.display(),
            compiled.diagnostics
        ),
    }
}

/// Every case folder, sorted.
fn cases() -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(root().join("specs/evolution"))
        .expect("specs/evolution exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    out.sort();
    out
}

fn report(case: &Path) -> Report {
    compare(&spec(&case.join("old.gati")), &spec(&case.join("new.gati")))
}

#[test]
fn evolution_corpus() {
    let cases = cases();
    assert!(cases.len() >= 15, "the corpus lost cases");
    for case in cases {
        let name = case
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let report = report(&case);
        let snapshot = format!(
            "{}\n--- json ---\n{}",
            render(&report, Format::Text, "new.gati"),
            render(&report, Format::Json, "new.gati")
        );
        insta::with_settings!({
            snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/../../snapshots/timescape"),
            prepend_module_to_snapshot => false,
            description => format!("specs/evolution/{name}"),
        }, {
            insta::assert_snapshot!(name, snapshot);
        });
    }
}

#[test]
fn every_rule_is_documented_and_exercised() {
    let doc = std::fs::read_to_string(root().join("specs/RULES.md")).expect("specs/RULES.md");
    let undocumented: Vec<&str> = rules::ALL
        .iter()
        .map(|r| r.id)
        .filter(|id| !doc.contains(&format!("### `{id}`")))
        .collect();
    assert!(
        undocumented.is_empty(),
        "rules missing from specs/RULES.md: {undocumented:?}"
    );
    let mut seen = BTreeSet::new();
    for case in cases() {
        for c in report(&case).changes {
            seen.insert(c.finding.rule.id);
        }
    }
    let unexercised: Vec<&str> = rules::ALL
        .iter()
        .map(|r| r.id)
        .filter(|id| !seen.contains(id))
        .collect();
    assert!(
        unexercised.is_empty(),
        "rules no evolution case exercises: {unexercised:?}"
    );
    // Every documented rule exists in the code.
    for line in doc.lines() {
        if let Some(id) = line.strip_prefix("### `").and_then(|l| l.strip_suffix('`')) {
            assert!(
                rules::lookup(id).is_some(),
                "specs/RULES.md documents an unknown rule `{id}`"
            );
        }
    }
}

#[test]
fn a_spec_compared_with_itself_has_no_changes() {
    for case in cases() {
        let new = spec(&case.join("new.gati"));
        let report = compare(&new, &new);
        assert!(
            report.changes.is_empty(),
            "{}: {:?}",
            case.display(),
            report.changes
        );
    }
}
