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

/// The entry `gatic check --against` suggests for a removed route compiles,
/// and the history it writes rebuilds the route exactly as it was released.
#[test]
fn a_suggested_route_removal_rebuilds_the_released_route() {
    let common = r#"
service shop { title "Shop" }

/// A product.
type Product { id: uuid, name: string }

/// No such product.
error NotFound 404 { id: uuid }

/// Fetch a product.
route get_product GET /products/{id: uuid} -> Product | NotFound
"#;
    let removed = r#"
/// Export products.
route export_products POST /export/{shelf: string @len(1..=8)} {
  query { limit: int32 @range(1..=100) = 10, tags?: [string] }
  header { trace_id?: string @name("X-Trace"), api_version: string }
  cookie session?: string
  body [uuid]
  returns 202 [Product]
  errors NotFound
  auth bearer
}
"#;
    let compile_text = |text: &str| -> Spec {
        let loader = gatic_check::MemoryLoader::new([("api.gati", text)]);
        let compiled = compile("api.gati", &loader);
        compiled
            .spec
            .filter(|_| compiled.diagnostics.is_empty())
            .unwrap_or_else(|| panic!("does not compile: {:#?}\n{text}", compiled.diagnostics))
    };
    let first = "versions {\n  2025-01-01 \"Initial release\"\n";
    let old = compile_text(&format!("{common}{removed}{first}}}\n"));
    let new = compile_text(&format!("{common}{first}}}\n"));
    let report = compare(&old, &new);
    let suggestion = report
        .changes
        .iter()
        .find(|c| c.finding.rule.id == "route-removed")
        .and_then(|c| c.finding.suggestion.clone())
        .expect("a suggested change line for the removed route");
    // Pasted into a version entry, every line indented.
    let pasted = suggestion.replace('\n', "\n    ");
    let covered = compile_text(&format!(
        "{common}{first}  2025-06-01 \"No export\" {{\n    {pasted}\n  }}\n}}\n"
    ));
    // Its doc comment included: the suggestion carries it above the line.
    assert!(suggestion.starts_with("/// Export products.\nroute export_products removed"));
    let released = old.head.route("export_products").expect("released");
    assert_eq!(
        covered.versions[0].api.route("export_products"),
        Some(released),
        "{suggestion}"
    );
    assert!(!compare(&old, &covered).failed());
}

/// Every change line the corpus's reports suggest is valid `.gati` syntax
/// inside a version entry, so it can be pasted as it is.
#[test]
fn every_suggested_change_line_parses() {
    let mut checked = 0;
    for case in cases() {
        for change in report(&case).changes {
            let Some(line) = change.finding.suggestion else {
                continue;
            };
            // `…` stands for a value only the user knows; any literal parses there.
            // Pasted with every line indented (a removed item's doc comment
            // comes first).
            let line = line.replace('…', "0").replace('\n', "\n    ");
            let text = format!(
                "service s {{ title \"S\" }}\nversions {{\n  2099-01-01 \"Suggested\" {{\n    {line}\n  }}\n}}\n"
            );
            let loader = gatic_check::MemoryLoader::new([("api.gati", text.as_str())]);
            let syntax: Vec<_> = compile("api.gati", &loader)
                .diagnostics
                .into_iter()
                .filter(|d| d.code == "E0001")
                .collect();
            assert!(
                syntax.is_empty(),
                "{}: `{line}` does not parse: {syntax:#?}",
                case.display()
            );
            checked += 1;
        }
    }
    assert!(checked > 20, "only {checked} suggestions in the corpus");
}
