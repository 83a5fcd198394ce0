//! Every change prints as the language writes it: each history in the
//! corpus (the valid specs, both sides of every evolution case and the
//! examples), with its `versions` block printed back from the IR by
//! `Change::gati`, compiles to the same versions: the same changes, the
//! same rebuilt APIs. Timescape's suggestions are printed by the same
//! method, so this is also what makes them pasteable.

use std::path::{Path, PathBuf};

use gatic_check::{Loader, compile};
use gatic_ir::{Spec, Version, display};
use gatic_syntax::FileId;
use gatic_syntax::ast::Item;
use gatic_test_support::{FsLoader, root};

/// Serves `root` with the text given, and every other file from `dir`.
struct Patched {
    dir: PathBuf,
    root: String,
    text: String,
}

impl Loader for Patched {
    fn load(&self, path: &str) -> Result<Vec<u8>, String> {
        if path == self.root {
            return Ok(self.text.clone().into_bytes());
        }
        FsLoader(self.dir.clone()).load(path)
    }
}

/// Every spec with a history: (folder, root file).
fn histories() -> Vec<(PathBuf, String)> {
    let valid = root().join("specs/valid");
    let mut out: Vec<(PathBuf, String)> = gatic_test_support::corpus()
        .into_iter()
        .map(|(_, file)| (valid.clone(), file))
        .collect();
    for case in gatic_test_support::evolution_cases() {
        out.push((case.clone(), "old.gati".to_string()));
        out.push((case, "new.gati".to_string()));
    }
    for example in ["users", "timescape"] {
        out.push((
            root().join("examples").join(example),
            format!("{example}.gati"),
        ));
    }
    out
}

/// The `versions` block of `spec`, printed from its IR.
fn versions_block(spec: &Spec) -> String {
    // Indented as `gatic fmt` writes it: a line that starts at the first
    // column with `type` or `route` starts a declaration.
    let indent = |text: &str, by: &str| -> String {
        text.lines().map(|line| format!("{by}{line}\n")).collect()
    };
    let mut out = String::from("versions {\n");
    for (i, version) in spec.versions.iter().enumerate() {
        out.push_str(&indent(&display::doc_lines(version.doc.as_deref()), "  "));
        out.push_str(&format!("  {}", entry_header(version)));
        // Aliases are looked up where the change is recorded: the version
        // the changes lead to, then the head.
        let api = spec.versions.get(i).map_or(&spec.head, |v| &v.api);
        if !version.changes.is_empty() {
            out.push_str(" {\n");
            for change in &version.changes {
                out.push_str(&indent(&change.gati(&[api, &spec.head]), "    "));
            }
            out.push_str("  }");
        }
        out.push('\n');
    }
    out.push_str("}\n");
    out
}

/// `DATE "title" [deprecated [since DATE]] [sunset DATE]`.
fn entry_header(version: &Version) -> String {
    let mut out = format!("{} {}", version.date, display::string(&version.title));
    match (&version.deprecated_since, version.deprecated) {
        (Some(since), _) => out.push_str(&format!(" deprecated since {since}")),
        (None, true) => out.push_str(" deprecated"),
        (None, false) => {}
    }
    if let Some(sunset) = &version.sunset {
        out.push_str(&format!(" sunset {sunset}"));
    }
    out
}

/// `text` with its `versions` block replaced by `block`; `None` without one.
fn with_versions(text: &str, block: &str) -> Option<String> {
    let parsed = gatic_syntax::parse(FileId(0), text);
    let span = parsed.file.items.iter().find_map(|item| match item {
        Item::Versions(v) => Some(v.span),
        _ => None,
    })?;
    let (start, end) = (span.start as usize, span.end as usize);
    Some(format!("{}{block}{}", text.get(..start)?, text.get(end..)?))
}

fn compile_with(dir: &Path, file: &str, text: Option<String>) -> Spec {
    let shown = text.clone().unwrap_or_default();
    let compiled = match text {
        Some(text) => compile(
            file,
            &Patched {
                dir: dir.to_path_buf(),
                root: file.to_string(),
                text,
            },
        ),
        None => compile(file, &FsLoader(dir.to_path_buf())),
    };
    compiled.spec.unwrap_or_else(|| {
        panic!(
            "{}/{file} does not compile:\n{shown}\n{:#?}",
            dir.display(),
            compiled
                .diagnostics
                .iter()
                .map(|d| (&d.message, d.span.start))
                .collect::<Vec<_>>()
        )
    })
}

#[test]
fn every_history_prints_back_to_itself() {
    let mut checked = 0;
    let mut failures = Vec::new();
    for (dir, file) in histories() {
        let spec = compile_with(&dir, &file, None);
        if spec.versions.iter().all(|v| v.changes.is_empty()) {
            continue;
        }
        let text = std::fs::read_to_string(dir.join(&file)).expect("readable spec");
        let block = versions_block(&spec);
        let Some(printed) = with_versions(&text, &block) else {
            failures.push(format!("{}/{file}: no versions block", dir.display()));
            continue;
        };
        let again = compile_with(&dir, &file, Some(printed));
        checked += 1;
        for (was, is) in spec.versions.iter().zip(&again.versions) {
            if was != is {
                failures.push(format!(
                    "{}/{file}, version {}: printed as\n{block}\nit compiles to another version:\n{is:#?}\ninstead of\n{was:#?}",
                    dir.display(),
                    was.date
                ));
            }
        }
        assert_eq!(spec.versions.len(), again.versions.len());
    }
    assert!(checked >= 10, "only {checked} histories with changes");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
