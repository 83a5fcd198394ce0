//! The spec corpus through the checker and this target: every valid spec
//! (`specs/valid/*.gati` and `specs/valid/*/main.gati`) compiles, its
//! documents are snapshotted and pass `openapi-spec-validator`.

mod support;

use gatic_test_support::FsLoader;

#[test]
fn corpus_documents_are_valid() {
    let dir = gatic_test_support::root().join("specs/valid");
    let loader = FsLoader(dir.clone());
    let roots = gatic_test_support::corpus();
    assert!(!roots.is_empty(), "no specs under {}", dir.display());
    let mut failures = Vec::new();
    support::with_snapshots(|| {
        for (name, root) in &roots {
            let compiled = gatic_check::compile(root, &loader);
            let Some(spec) = compiled.spec else {
                failures.push(format!(
                    "{root} does not compile: {:#?}",
                    compiled.diagnostics
                ));
                continue;
            };
            let files = gatic_openapi::generate(&spec);
            for file in &files {
                let file_name = file
                    .path
                    .trim_start_matches("openapi/")
                    .trim_end_matches(".json");
                insta::assert_snapshot!(format!("corpus@{name}@{file_name}"), &file.contents);
            }
            if let Err(e) = support::check_valid(&format!("corpus/{name}"), &files) {
                failures.push(format!("{root}: {e}"));
            }
        }
    });
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
