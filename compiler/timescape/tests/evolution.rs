//! The evolution corpus: each `specs/evolution/<case>/` holds an `old.gati`
//! and a `new.gati`; the change list and verdicts between them, as text and
//! JSON, are snapshot-tested. Also checks the rule catalogue against
//! `specs/RULES.md` and the corpus.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use gatic_check::compile;
use gatic_ir::Spec;
use gatic_test_support::{FsLoader, root};
use gatic_timescape::{Format, Origins, Report, Verdict, compare, compare_with, render, rules};

fn spec(path: &Path) -> Spec {
    spec_and_origins(path).0
}

/// The spec at `path` and its records' derivations.
fn spec_and_origins(path: &Path) -> (Spec, Origins) {
    let compiled = compile(&path.to_string_lossy(), &FsLoader(PathBuf::new()));
    let origins = Origins::from_sources(&compiled.sources);
    match compiled.spec {
        Some(s) => (s, origins),
        None => panic!(
            "{} does not compile: {:#?}",
            path.display(),
            compiled.diagnostics
        ),
    }
}

/// Every case folder, sorted.
fn cases() -> Vec<PathBuf> {
    gatic_test_support::evolution_cases()
}

/// The case's report, its suggestions naming the records that declare the
/// fields, as `gatic check --against` writes them.
fn report(case: &Path) -> Report {
    let (new, origins) = spec_and_origins(&case.join("new.gati"));
    compare_with(&spec(&case.join("old.gati")), &new, &origins)
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

/// A value of type `ty` that passes its refinements, to fill a suggested
/// `default …` the way a user would.
fn sample(api: &gatic_ir::Api, ty: &gatic_ir::Ty) -> String {
    use gatic_ir::{Primitive, TyKind, TypeDefKind};
    let r = &ty.refinements;
    let min = |b: &Option<gatic_ir::Bounds>| {
        b.as_ref()
            .and_then(|b| b.min)
            .map_or(0, |m| m.as_f64().ceil() as usize)
    };
    match &ty.kind {
        TyKind::Primitive(p) => match p {
            Primitive::String => format!("\"{}\"", "x".repeat(min(&r.len).max(1))),
            Primitive::Bool => "false".to_string(),
            Primitive::Int32 | Primitive::Int64 | Primitive::Float64 => min(&r.range).to_string(),
            Primitive::Decimal => "\"0\"".to_string(),
            Primitive::Uuid => "\"00000000-0000-0000-0000-000000000000\"".to_string(),
            Primitive::Email => "\"someone@example.com\"".to_string(),
            Primitive::Url => "\"https://example.com\"".to_string(),
            Primitive::Date => "\"2024-01-01\"".to_string(),
            Primitive::Datetime => "\"2024-01-01T00:00:00Z\"".to_string(),
            Primitive::Duration => "\"PT1H\"".to_string(),
            Primitive::Bytes => "\"\"".to_string(),
            Primitive::Any => "null".to_string(),
        },
        TyKind::Named(n) => match api.ty(n).map(|t| &t.kind) {
            Some(TypeDefKind::Enum { values }) => {
                values.first().map(|v| v.name.clone()).unwrap_or_default()
            }
            Some(TypeDefKind::Alias { target }) => sample(api, target),
            other => panic!("no sample value for `{n}`: {other:?}"),
        },
        TyKind::List(item) => format!("[{}]", vec![sample(api, item); min(&r.items)].join(", ")),
        TyKind::Map(_) => "{}".to_string(),
        TyKind::Const(text) => format!("{text:?}"),
    }
}

/// `line` with its `…` placeholder filled with a value of the field's type,
/// found in `new` (or, for a removed field, in `old`).
fn fill(line: &str, old: &gatic_ir::Api, new: &gatic_ir::Api) -> String {
    if !line.contains('…') {
        return line.to_string();
    }
    let change = line.lines().last().unwrap_or(line);
    let target = change.split([' ', ':']).next().unwrap_or_default();
    let (owner, field) = target.split_once('.').expect("a field's change");
    let ty = [new, old]
        .iter()
        .find_map(|api| match api.ty(owner).map(|t| &t.kind) {
            Some(gatic_ir::TypeDefKind::Record { fields }) => fields
                .iter()
                .find(|f| f.name == field)
                .map(|f| f.ty.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no field `{target}` for `{line}`"));
    line.replace('…', &sample(new, &ty))
}

/// `text` (a spec) with a version entry dated 2099-01-01 holding `lines`
/// added at the end of its `versions` block; a spec without one gets a
/// block whose first version stands for `first` (the old head's date).
fn paste(text: &str, lines: &[String], first: &str) -> String {
    let entry = format!(
        "  2099-01-01 \"Pasted\" {{\n{}  }}\n",
        lines
            .iter()
            .flat_map(|l| l.lines())
            .map(|l| format!("    {l}\n"))
            .collect::<String>()
    );
    let Some(at) = text.find("\nversions {") else {
        return format!("{text}\nversions {{\n  {first} \"First\"\n{entry}}}\n");
    };
    // The block's closing brace: the one that balances its opening brace.
    let mut depth = 0;
    let mut close = text.len();
    for (i, c) in text[at..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    close = at + i;
                    break;
                }
            }
            _ => {}
        }
    }
    format!("{}{entry}{}", &text[..close], &text[close..])
}

fn compile_text(text: &str) -> (Spec, Origins) {
    let loader = gatic_check::MemoryLoader::new([("new.gati", text)]);
    let compiled = compile("new.gati", &loader);
    let errors: Vec<_> = compiled
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .collect();
    let origins = Origins::from_sources(&compiled.sources);
    match compiled.spec {
        Some(s) if errors.is_empty() => (s, origins),
        _ => panic!("the pasted spec does not check clean: {errors:#?}\n{text}"),
    }
}

/// Every change `gatic check --against` suggests for the corpus, pasted
/// into the new spec as a user would (a version entry after the old head,
/// placeholders filled with a value of the field's type), checks clean and
/// covers the breaks it was suggested for. Cases whose breaks no new entry
/// can cover (an edited released entry, a history that starts after the old
/// head) are left out: their reports say so instead.
#[test]
fn every_suggestion_pasted_covers_its_break() {
    let mut pasted_cases = 0;
    for case in cases() {
        let old = spec(&case.join("old.gati"));
        let report = report(&case);
        let unfixable = report.changes.iter().any(|c| match &c.verdict {
            gatic_timescape::Verdict::Uncovered { reason } => {
                reason.contains("edits the history") || reason.contains("starts at")
            }
            _ => false,
        });
        let suggestions = report.suggestions();
        if suggestions.is_empty() || unfixable {
            continue;
        }
        let text = std::fs::read_to_string(case.join("new.gati")).expect("new.gati");
        let (new, _) = spec_and_origins(&case.join("new.gati"));
        let lines: Vec<String> = suggestions
            .iter()
            .map(|l| fill(l, &old.head, &new.head))
            .collect();
        let first = old
            .versions
            .last()
            .map_or("2000-01-01", |v| v.date.as_str());
        let pasted = paste(&text, &lines, first);
        let (fixed, origins) = compile_text(&pasted);
        let after = compare_with(&old, &fixed, &origins);
        let still: Vec<String> = after
            .changes
            .iter()
            .filter(|c| {
                matches!(c.verdict, gatic_timescape::Verdict::Uncovered { .. })
                    && c.finding.suggestion.is_some()
            })
            .map(|c| format!("{} {}", c.finding.rule.id, c.finding.location))
            .collect();
        assert!(
            still.is_empty(),
            "{}: still uncovered after pasting the suggestions: {still:?}\n{pasted}",
            case.display()
        );
        pasted_cases += 1;
    }
    assert!(
        pasted_cases >= 8,
        "only {pasted_cases} cases had suggestions"
    );
}

/// The entry the frozen-version check (`E0402`) suggests, pasted the same
/// way, makes the history rebuild the released version exactly: for every
/// case whose new spec keeps the old head's date, the old head frozen as
/// that version and checked against the new spec. A new spec that edits
/// the released entries is left out: no new entry undoes an edit.
#[test]
fn every_frozen_check_suggestion_pasted_rebuilds_the_release() {
    let mut checked = 0;
    for case in cases() {
        let old = spec(&case.join("old.gati"));
        let new_text = spec(&case.join("new.gati"));
        let rewritten = old.versions.iter().any(|o| {
            new_text
                .versions
                .iter()
                .any(|n| n.date == o.date && n.changes != o.changes)
        });
        if rewritten {
            continue;
        }
        let Ok(frozen) = gatic_timescape::freeze(&old) else {
            continue;
        };
        let name = frozen
            .path
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_string();
        let files = [(name, frozen.contents)];
        let (new, origins) = spec_and_origins(&case.join("new.gati"));
        let drift = gatic_timescape::verify(&new, &files, &origins);
        let Some(d) = drift.first() else { continue };
        if d.problem.is_some() || d.suggestions().is_empty() {
            continue;
        }
        let text = std::fs::read_to_string(case.join("new.gati")).expect("new.gati");
        let lines: Vec<String> = d
            .suggestions()
            .iter()
            .map(|l| fill(l, &old.head, &new.head))
            .collect();
        let pasted = paste(&text, &lines, &d.date);
        let (fixed, origins) = compile_text(&pasted);
        let left: Vec<String> = gatic_timescape::verify(&fixed, &files, &origins)
            .iter()
            .flat_map(|d| &d.findings)
            .filter(|f| f.suggestion.is_some())
            .map(|f| format!("{} {}", f.rule.id, f.location))
            .collect();
        assert!(
            left.is_empty(),
            "{}: the release still differs after pasting: {left:?}\n{pasted}",
            case.display()
        );
        checked += 1;
    }
    assert!(
        checked >= 4,
        "only {checked} cases drift from their release"
    );
}

/// The frozen check by the rule catalogue, over the corpus: each old head
/// frozen as its version and checked against the new spec. A drift fails
/// exactly when one of its differences breaks a client pinned to the
/// version (a `breaking` or `warning` rule); otherwise `refresh` rewrites
/// the snapshot, after which the check finds nothing and a second refresh
/// writes nothing.
#[test]
fn frozen_check_fails_only_on_breaks_and_refresh_records_the_rest() {
    let mut refreshed = 0;
    let mut refused = 0;
    for case in cases() {
        let old = spec(&case.join("old.gati"));
        let Ok(frozen) = gatic_timescape::freeze(&old) else {
            continue;
        };
        let name = frozen
            .path
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_string();
        let files = vec![(name.clone(), frozen.contents)];
        let (new, origins) = spec_and_origins(&case.join("new.gati"));
        for d in gatic_timescape::verify(&new, &files, &origins) {
            assert!(
                d.findings
                    .iter()
                    .all(|f| f.rule.severity != rules::Severity::Info),
                "{}: a compatible difference fails the check",
                case.display()
            );
            assert!(
                d.compatible
                    .iter()
                    .all(|f| f.rule.severity == rules::Severity::Info),
                "{}: a breaking difference passes the check",
                case.display()
            );
        }
        match gatic_timescape::refresh(&new, &files, &origins) {
            Err(broken) => {
                assert!(broken.iter().all(gatic_timescape::Drift::breaks));
                refused += 1;
            }
            Ok(written) => {
                let after: Vec<(String, String)> = match written.first() {
                    Some(f) => vec![(name, f.contents.clone())],
                    None => files,
                };
                assert!(
                    gatic_timescape::verify(&new, &after, &origins).is_empty(),
                    "{}: the refreshed snapshot still differs",
                    case.display()
                );
                assert_eq!(
                    gatic_timescape::refresh(&new, &after, &origins),
                    Ok(Vec::new()),
                    "{}: a second refresh writes again",
                    case.display()
                );
                refreshed += usize::from(!written.is_empty());
            }
        }
    }
    assert!(
        refreshed >= 1 && refused >= 4,
        "{refreshed} refreshed, {refused} refused"
    );
}

/// Every break a version covers is one its changes say they record
/// (`rules::recorded_by`): a change kind and the rules it answers agree.
#[test]
fn every_covered_break_is_recorded_by_a_change_of_its_version() {
    let mut covered = 0;
    let mut failures = Vec::new();
    for case in cases() {
        let (old, new) = (spec(&case.join("old.gati")), spec(&case.join("new.gati")));
        for c in compare(&old, &new).changes {
            let Verdict::Covered { version } = &c.verdict else {
                continue;
            };
            covered += 1;
            let changes = new
                .versions
                .iter()
                .find(|v| v.date == *version)
                .map_or(&[][..], |v| v.changes.as_slice());
            let recorded = changes
                .iter()
                .any(|change| rules::recorded_by(change).contains(c.finding.rule));
            if !recorded {
                failures.push(format!(
                    "{}: `{}` at {} is covered by {version}, whose changes {changes:?} record no such rule",
                    case.display(),
                    c.finding.rule.id,
                    c.finding.location
                ));
            }
        }
    }
    assert!(covered >= 10, "only {covered} covered breaks in the corpus");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
