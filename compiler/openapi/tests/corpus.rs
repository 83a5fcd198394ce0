//! The spec corpus through the checker and this target: every valid spec
//! (`specs/valid/*.gati` and `specs/valid/*/main.gati`) compiles, its
//! documents are snapshotted and pass `openapi-spec-validator`.

mod support;

use std::path::{Path, PathBuf};

/// Reads spec files under one folder.
struct FsLoader(PathBuf);

impl gatic_check::Loader for FsLoader {
    fn load(&self, path: &str) -> Result<Vec<u8>, String> {
        std::fs::read(self.0.join(path)).map_err(|e| e.to_string())
    }
}

/// The corpus's root specs, relative to `specs/valid`, sorted.
fn corpus(dir: &Path) -> Vec<String> {
    let mut roots = Vec::new();
    let entries = std::fs::read_dir(dir).expect("specs/valid exists");
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        if path.is_dir() {
            if path.join("main.gati").is_file() {
                roots.push(format!("{name}/main.gati"));
            }
        } else if name.ends_with(".gati") {
            roots.push(name);
        }
    }
    roots.sort();
    roots
}

#[test]
fn corpus_documents_are_valid() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs/valid");
    let loader = FsLoader(dir.clone());
    let roots = corpus(&dir);
    assert!(!roots.is_empty(), "no specs under {}", dir.display());
    let mut failures = Vec::new();
    support::with_snapshots(|| {
        for root in &roots {
            let compiled = gatic_check::compile(root, &loader);
            let Some(spec) = compiled.spec else {
                failures.push(format!(
                    "{root} does not compile: {:#?}",
                    compiled.diagnostics
                ));
                continue;
            };
            let files = gatic_openapi::generate(&spec);
            let name = root.trim_end_matches(".gati").trim_end_matches("/main");
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
