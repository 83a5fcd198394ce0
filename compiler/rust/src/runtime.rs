//! The runtime's source, embedded from `runtime-template/src` and copied into
//! every generated crate as `src/runtime/` (`lib.rs` becomes `mod.rs`).

/// Every file of `runtime-template/src`, by name, in name order (the list
/// is written by `build.rs` from the folder).
pub(crate) const FILES: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/runtime_files.rs"));

/// Where a runtime file's unit tests start: each file ends with its
/// `#[cfg(test)] mod tests`, if it has one.
const TESTS: &str = "\n#[cfg(test)]\nmod tests {\n";

/// A runtime file as it is copied into a generated crate: without its unit
/// tests, which run in `runtime-template/` and not in every generated crate
/// (they would only lengthen its `cargo test`).
pub(crate) fn without_tests(contents: &str) -> &str {
    match contents.find(TESTS) {
        Some(at) => &contents[..=at],
        None => contents,
    }
}

/// The path of a runtime file inside the generated crate.
pub(crate) fn output_path(name: &str) -> String {
    match name {
        "lib.rs" => "server/src/runtime/mod.rs".to_string(),
        other => format!("server/src/runtime/{other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::{FILES, TESTS, without_tests};

    #[test]
    fn every_runtime_file_is_embedded() {
        let folder = concat!(env!("CARGO_MANIFEST_DIR"), "/../../runtime-template/src");
        let mut on_disk: Vec<String> = std::fs::read_dir(folder)
            .expect("runtime-template/src is readable")
            .filter_map(|entry| entry.ok())
            .map(|entry| entry.file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".rs"))
            .collect();
        on_disk.sort();
        let embedded: Vec<String> = FILES.iter().map(|(name, _)| name.to_string()).collect();
        assert_eq!(embedded, on_disk);
    }

    /// Cutting at the tests is safe only where they come last: nothing
    /// else of the file may be `cfg(test)`, and the tests module must run
    /// to the end of the file.
    #[test]
    fn unit_tests_are_the_last_thing_of_each_file() {
        for (name, contents) in FILES {
            let kept = without_tests(contents);
            assert!(
                !kept.contains("cfg(test)"),
                "{name}: a cfg(test) item outside its tests module"
            );
            if let Some(at) = contents.find(TESTS) {
                let tests = &contents[at..];
                assert!(
                    tests.ends_with("\n}\n"),
                    "{name}: its tests module must end the file"
                );
                assert_eq!(
                    tests.matches("\n}\n").count(),
                    1,
                    "{name}: its tests module must be the last item"
                );
            }
        }
    }
}
