//! The corpus enforces itself: every case of `specs/valid` has snapshots in
//! the snapshot folder of every target that snapshots the corpus, no
//! snapshot there belongs to a case that no longer exists, and every
//! snapshot folder is either such a target's or listed here with the reason
//! it is not.

use std::collections::BTreeSet;

/// Snapshots named after corpus cases: a file of the family starts with
/// `prefix`, then the case's name, then `separator`.
struct Family {
    prefix: &'static str,
    separator: &'static str,
    /// Whether every corpus case must have a file of this family (else the
    /// family covers some cases, and only its orphans are checked).
    every_case: bool,
}

/// A snapshot folder of a target that snapshots the corpus.
struct Target {
    folder: &'static str,
    families: &'static [Family],
    /// The target's own cases, which the corpus does not hold: the file
    /// names' prefixes, each with the reason the case is not in the corpus.
    own: &'static [(&'static str, &'static str)],
    /// Corpus cases the target does not snapshot, each with the reason.
    skips: &'static [(&'static str, &'static str)],
}

const TARGETS: &[Target] = &[
    Target {
        folder: "ir",
        families: &[Family {
            prefix: "",
            separator: ".snap",
            every_case: true,
        }],
        own: &[],
        skips: &[],
    },
    Target {
        folder: "rust",
        families: &[
            Family {
                prefix: "",
                separator: "__server__",
                every_case: true,
            },
            // The CLI's mock crates of a few corpus cases.
            Family {
                prefix: "mock__",
                separator: "__mock__",
                every_case: false,
            },
        ],
        own: &[],
        skips: &[],
    },
    Target {
        folder: "openapi",
        families: &[Family {
            prefix: "corpus@",
            separator: "@",
            every_case: true,
        }],
        own: &[
            (
                "types@",
                "compiler/openapi/tests/specs: the shapes its direct assertions check",
            ),
            (
                "routes@",
                "compiler/openapi/tests/specs: the operations its direct assertions check",
            ),
            (
                "versioned@",
                "compiler/openapi/tests/specs: the smallest history, whose documents it checks one by one",
            ),
            (
                "empty@",
                "compiler/openapi/tests/specs: a service without routes, which no corpus case is",
            ),
        ],
        skips: &[],
    },
    Target {
        folder: "sdk-typescript",
        families: &[Family {
            prefix: "valid_",
            separator: ".snap",
            every_case: true,
        }],
        own: &[
            (
                "example_users.snap",
                "the users example, outside specs/valid",
            ),
            (
                "fixture_headers.snap",
                "compiler/sdk-typescript/tests/fixtures: response headers of every type, for its Node tests",
            ),
        ],
        skips: &[],
    },
    Target {
        folder: "sdk-python",
        families: &[Family {
            prefix: "corpus_",
            separator: "@",
            every_case: true,
        }],
        own: &[
            (
                "response_headers@",
                "compiler/sdk-python/tests/specs: response headers of every type, for its Python tests",
            ),
            (
                "forms@",
                "compiler/sdk-python/tests/specs: multipart forms, for its Python tests",
            ),
            (
                "events@",
                "compiler/sdk-python/tests/specs: event streams, for its Python tests",
            ),
        ],
        skips: &[],
    },
    Target {
        folder: "sdk-go",
        families: &[Family {
            prefix: "corpus@",
            separator: "@",
            every_case: true,
        }],
        own: &[
            ("example_users@", "the users example, outside specs/valid"),
            (
                "collisions@",
                "compiler/sdk-go/tests/specs: names that meet the Go SDK's own",
            ),
            (
                "cased_collisions@",
                "names the checker refuses (E0103), built as IR by compiler/sdk-go/tests/collisions",
            ),
        ],
        skips: &[],
    },
];

/// Snapshot folders that do not snapshot the corpus of valid specs, and why.
const NOT_TARGETS: &[(&str, &str)] = &[
    (
        "check",
        "the checker's own cases, each a few lines of inline spec",
    ),
    ("cli", "the CLI's commands, on specs of their own"),
    (
        "deploy",
        "deploy files depend only on the service block; compiler/deploy/tests has a case per deploy setting",
    ),
    ("diagnostics", "the invalid corpus, specs/invalid"),
    ("fmt", "the formatter, on a few files of its own"),
    ("runtime", "the runtime's own output"),
    ("timescape", "the evolution corpus, specs/evolution"),
];

/// The `.snap` files of `snapshots/<folder>`, by name.
fn snapshots(folder: &str) -> Vec<String> {
    let dir = gatic_test_support::root().join("snapshots").join(folder);
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut names: Vec<String> = entries
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".snap"))
        .collect();
    names.sort();
    names
}

/// The corpus case a file of `family` names, if it is one of the family's.
fn case_of<'a>(family: &Family, file: &'a str) -> Option<&'a str> {
    let rest = file.strip_prefix(family.prefix)?;
    rest.find(family.separator)
        .map(|end| &rest[..end])
        .filter(|case| !case.is_empty())
}

#[test]
fn every_corpus_case_has_every_targets_snapshots_and_no_snapshot_is_orphaned() {
    let cases: BTreeSet<String> = gatic_test_support::corpus()
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    assert!(cases.len() >= 10, "the corpus is missing");
    let mut failures = Vec::new();
    for target in TARGETS {
        for (case, _) in target.skips {
            if !cases.contains(*case) {
                failures.push(format!(
                    "snapshots/{}: skips `{case}`, which is not a corpus case",
                    target.folder
                ));
            }
        }
        let files = snapshots(target.folder);
        for family in target.families.iter().filter(|f| f.every_case) {
            let covered: BTreeSet<&str> = files.iter().filter_map(|f| case_of(family, f)).collect();
            for case in &cases {
                let skipped = target.skips.iter().any(|(s, _)| s == case);
                if !skipped && !covered.contains(case.as_str()) {
                    failures.push(format!(
                        "snapshots/{}: no `{}{case}{}…` snapshot for the corpus case `{case}`",
                        target.folder, family.prefix, family.separator
                    ));
                }
            }
        }
        for file in &files {
            if target
                .own
                .iter()
                .any(|(prefix, _)| file.starts_with(prefix))
            {
                continue;
            }
            let named = target
                .families
                .iter()
                .filter_map(|family| case_of(family, file))
                .find(|case| cases.contains(*case));
            if named.is_none() {
                failures.push(format!(
                    "snapshots/{}/{file}: an orphan, of no corpus case and none of the target's own",
                    target.folder
                ));
            }
        }
    }
    let folders = std::fs::read_dir(gatic_test_support::root().join("snapshots"))
        .expect("snapshots/ exists")
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned());
    for folder in folders {
        let known = TARGETS.iter().any(|t| t.folder == folder)
            || NOT_TARGETS.iter().any(|(f, _)| *f == folder);
        if !known {
            failures.push(format!(
                "snapshots/{folder}: list it as a target of the corpus or say why it is not one"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
