//! Hostile input: the compiler never panics and always explains itself.
//! Every prefix of every corpus spec, deterministic random byte mutations,
//! invalid UTF-8, deep nesting, huge files and `use` cycles.

mod common;

use gatic_check::{MemoryLoader, compile};
use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};

fn compile_bytes(bytes: &[u8]) -> gatic_check::Compiled {
    let mut files = BTreeMap::new();
    files.insert("spec.gati".to_string(), bytes.to_vec());
    compile("spec.gati", &MemoryLoader(files))
}

/// Compiles `bytes`, turning a panic into a test failure that shows the input.
fn must_not_panic(bytes: &[u8], what: &str) -> gatic_check::Compiled {
    match catch_unwind(AssertUnwindSafe(|| compile_bytes(bytes))) {
        Ok(c) => c,
        Err(_) => panic!(
            "the compiler panicked on {what}:\n{}",
            String::from_utf8_lossy(bytes)
        ),
    }
}

fn corpus_texts() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for dir in ["valid", "invalid"] {
        for case in common::corpus(dir) {
            if let Ok(bytes) = std::fs::read(common::root().join(&case.path)) {
                out.push((case.path, bytes));
            }
        }
    }
    out
}

#[test]
fn every_prefix_of_every_corpus_spec() {
    let texts = corpus_texts();
    assert!(!texts.is_empty());
    // A panic hook would print every caught panic; the test reports them itself.
    for (path, bytes) in &texts {
        for end in 0..=bytes.len() {
            let compiled = must_not_panic(&bytes[..end], &format!("{path}[..{end}]"));
            // A cut that leaves the spec invalid must say why.
            if compiled.spec.is_none() {
                assert!(
                    compiled.diagnostics.iter().any(|d| d.is_error()),
                    "{path}[..{end}] failed without an error"
                );
            }
        }
    }
}

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

#[test]
fn random_mutations_of_corpus_specs() {
    const INTERESTING: &[u8] = b"{}[]()<>@:?=|,.\"/\n 0-9azAZ_\xff\xc3";
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for (path, bytes) in corpus_texts() {
        for round in 0..40 {
            let mut mutated = bytes.clone();
            for _ in 0..1 + rng.below(4) {
                if mutated.is_empty() {
                    break;
                }
                let at = rng.below(mutated.len());
                match rng.below(3) {
                    0 => mutated[at] = INTERESTING[rng.below(INTERESTING.len())],
                    1 => {
                        mutated.remove(at);
                    }
                    _ => {
                        let len = rng.below(16).min(mutated.len() - at);
                        let chunk: Vec<u8> = mutated[at..at + len].to_vec();
                        let to = rng.below(mutated.len());
                        mutated.splice(to..to, chunk);
                    }
                }
            }
            let compiled = must_not_panic(&mutated, &format!("{path} mutation {round}"));
            if compiled.spec.is_none() {
                assert!(compiled.diagnostics.iter().any(|d| d.is_error()));
            }
        }
    }
}

fn codes(compiled: &gatic_check::Compiled) -> Vec<&'static str> {
    compiled.diagnostics.iter().map(|d| d.code).collect()
}

#[test]
fn invalid_utf8_is_reported_at_the_first_bad_byte() {
    let mut bytes =
        b"service s { title \"S\" }\ntype A { name: string }\n// \xff\xfe oops\n".to_vec();
    bytes.extend_from_slice(b"type B { x: int32 }\n");
    let compiled = must_not_panic(&bytes, "invalid UTF-8");
    let d = compiled
        .diagnostics
        .iter()
        .find(|d| d.code == "E0002")
        .expect("E0002 reported");
    assert_eq!(
        d.span.start as usize,
        bytes.iter().position(|&b| b == 0xff).unwrap_or(0)
    );
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    for depth in [65usize, 1_000, 100_000] {
        let ty = format!("{}int32{}", "[".repeat(depth), "]".repeat(depth));
        let text = format!("service s {{ title \"S\" }}\ntype A {{ x: {ty} }}\n");
        let compiled = must_not_panic(text.as_bytes(), "deep type nesting");
        assert!(
            codes(&compiled).contains(&"E0003"),
            "depth {depth}: {:?}",
            codes(&compiled)
        );
        let lit = format!(
            "service s {{ title \"S\" }}\ntype A {{ x: any = {}{} }}\n",
            "[".repeat(depth),
            "]".repeat(depth)
        );
        let compiled = must_not_panic(lit.as_bytes(), "deep literal nesting");
        assert!(codes(&compiled).contains(&"E0003"));
    }
    // Unbalanced: only openers.
    let text = format!(
        "service s {{ title \"S\" }}\ntype A {{ x: {} }}\n",
        "[".repeat(10_000)
    );
    let compiled = must_not_panic(text.as_bytes(), "unbalanced nesting");
    assert!(compiled.spec.is_none());
}

#[test]
fn a_large_spec_compiles() {
    let mut text = String::from("service s { title \"S\" }\n");
    for i in 0..3_000 {
        text.push_str(&format!(
            "/// Record {i}.\ntype R{i} {{ id: uuid, name: string @len(1..=10), next?: R{i} }}\nroute get_r{i} GET /r{i}/{{id: uuid}} -> R{i}\n"
        ));
    }
    let compiled = must_not_panic(text.as_bytes(), "a large spec");
    assert!(compiled.spec.is_some(), "{:?}", codes(&compiled));
}

#[test]
fn a_huge_garbage_file_is_rejected_with_diagnostics() {
    let mut rng = Rng(42);
    let bytes: Vec<u8> = (0..200_000).map(|_| (rng.next() % 256) as u8).collect();
    let compiled = must_not_panic(&bytes, "random bytes");
    assert!(compiled.spec.is_none());
    assert!(!compiled.diagnostics.is_empty());
}

#[test]
fn use_cycles_terminate() {
    let mut files = BTreeMap::new();
    files.insert(
        "main.gati".to_string(),
        b"use \"a.gati\"\nservice s { title \"S\" }\n".to_vec(),
    );
    files.insert(
        "a.gati".to_string(),
        b"use \"b.gati\"\ntype A { x: int32 }\n".to_vec(),
    );
    files.insert(
        "b.gati".to_string(),
        b"use \"a.gati\"\nuse \"main.gati\"\ntype B { y: A }\n".to_vec(),
    );
    let compiled = catch_unwind(AssertUnwindSafe(|| {
        compile("main.gati", &MemoryLoader(files))
    }))
    .expect("no panic on use cycles");
    assert!(
        codes(&compiled).contains(&"E0108"),
        "{:?}",
        codes(&compiled)
    );
}
