//! The formatter over the whole spec corpus and the examples: every file
//! that parses formats to text that formats to itself, parses to the same
//! syntax tree and keeps every comment, also with comments between any two
//! tokens; a few files' formatted text is snapshotted.

use gatic_syntax::fmt::{FormatError, format};
use gatic_syntax::{FileId, parse};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every `.gati` file below `specs/`, and each example's spec.
fn corpus() -> Vec<(String, String)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "gati") {
                out.push(path);
            }
        }
    }
    let mut paths = Vec::new();
    walk(&root().join("specs"), &mut paths);
    if let Ok(examples) = std::fs::read_dir(root().join("examples")) {
        for example in examples.flatten() {
            if let Ok(files) = std::fs::read_dir(example.path()) {
                paths.extend(
                    files
                        .flatten()
                        .map(|f| f.path())
                        .filter(|p| p.extension().is_some_and(|e| e == "gati")),
                );
            }
        }
    }
    paths.sort();
    let files: Vec<(String, String)> = paths
        .into_iter()
        .map(|p| {
            let name = p
                .strip_prefix(root())
                .unwrap_or(&p)
                .to_string_lossy()
                .into_owned();
            let text = std::fs::read_to_string(&p).unwrap_or_default();
            (name, text)
        })
        .collect();
    assert!(files.len() > 100, "the corpus is missing");
    files
}

/// The syntax tree as JSON without spans.
fn tree(text: &str) -> serde_json::Value {
    fn strip(value: &mut serde_json::Value) {
        match value {
            serde_json::Value::Object(map) => {
                if map.len() == 3 && map.contains_key("start") && map.contains_key("end") {
                    *value = serde_json::Value::Null;
                } else {
                    map.values_mut().for_each(strip);
                }
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut value = serde_json::to_value(parse(FileId(0), text).file).unwrap_or_default();
    strip(&mut value);
    value
}

/// The plain comments of `text` (not doc comments), in order, without
/// trailing spaces: found by a scanner of its own, not the formatter's.
fn plain_comments(text: &str) -> Vec<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                let end = text[i..].find('\n').map_or(text.len(), |n| i + n);
                let comment = text[i..end].trim_end();
                let doc = (comment.starts_with("///") && !comment.starts_with("////"))
                    || comment.starts_with("//!");
                if !doc {
                    out.push(comment.to_string());
                }
                i = end;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let end = text[i + 2..].find("*/").map_or(text.len(), |n| i + n + 4);
                let lines: Vec<&str> = text[i..end].split('\n').map(str::trim_end).collect();
                out.push(lines.join("\n"));
                i = end;
            }
            _ => i += 1,
        }
    }
    out
}

/// Checks the formatter's promises for one text that parses; the
/// formatted text.
fn check(name: &str, text: &str) -> Result<String, String> {
    let once = format(FileId(0), text).map_err(|e| format!("{name}: {e}"))?;
    let twice = format(FileId(0), &once).map_err(|e| format!("{name}, formatted: {e}"))?;
    if twice != once {
        return Err(format!(
            "{name}: formatting is not idempotent:\n{once}\n---\n{twice}"
        ));
    }
    if tree(text) != tree(&once) {
        return Err(format!("{name}: the syntax tree changed:\n{once}"));
    }
    if plain_comments(text) != plain_comments(&once) {
        return Err(format!("{name}: a comment was lost or moved:\n{once}"));
    }
    Ok(once)
}

#[test]
fn every_file_formats_to_a_fixed_point_with_the_same_tree_and_comments() {
    let mut failures = Vec::new();
    let mut formatted = 0;
    for (name, text) in corpus() {
        if parse(FileId(0), &text)
            .diagnostics
            .iter()
            .any(|d| d.is_error())
        {
            match format(FileId(0), &text) {
                Err(FormatError::Syntax(d)) if !d.is_empty() => {}
                other => failures.push(format!("{name}: not refused: {other:?}")),
            }
            continue;
        }
        match check(&name, &text) {
            Ok(_) => formatted += 1,
            Err(e) => failures.push(e),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(formatted > 100, "only {formatted} files formatted");
}

/// The offsets of tokens that follow whitespace, outside strings and
/// comments: where a comment may be put.
fn token_starts(text: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                out.extend((i > 0 && bytes[i - 1].is_ascii_whitespace()).then_some(i));
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'/' if matches!(bytes.get(i + 1), Some(b'/' | b'*')) => {
                let end = if bytes[i + 1] == b'/' {
                    text[i..].find('\n').map_or(text.len(), |n| i + n)
                } else {
                    text[i + 2..].find("*/").map_or(text.len(), |n| i + n + 4)
                };
                i = end;
            }
            c if c.is_ascii_whitespace() => i += 1,
            _ => {
                out.extend((i > 0 && bytes[i - 1].is_ascii_whitespace()).then_some(i));
                i += 1;
            }
        }
    }
    out
}

/// `text` with `comment(n)` put before every `every`-th token.
fn with_comments(text: &str, every: usize, comment: impl Fn(usize) -> String) -> String {
    let mut out = String::new();
    let mut last = 0;
    for (n, at) in token_starts(text).into_iter().enumerate() {
        if n % every == 0 {
            out.push_str(&text[last..at]);
            out.push_str(&comment(n));
            last = at;
        }
    }
    out.push_str(&text[last..]);
    out
}

#[test]
fn comments_between_any_tokens_are_kept_in_place() {
    let mut failures = Vec::new();
    let mut formatted = 0;
    for (name, text) in corpus() {
        let variants = [
            with_comments(&text, 1, |n| format!("/* c{n} */ ")),
            with_comments(&text, 2, |n| format!("/* c{n}\n   over two lines */\n")),
            with_comments(&text, 3, |n| format!("// c{n}\n")),
            with_comments(&text, 5, |n| format!("//// c{n}\n\n")),
        ];
        for (k, variant) in variants.iter().enumerate() {
            // A comment between a doc comment and its item is a syntax error
            // at the top level; those variants say nothing here.
            if parse(FileId(0), variant)
                .diagnostics
                .iter()
                .any(|d| d.is_error())
            {
                continue;
            }
            match check(&format!("{name} (variant {k})"), variant) {
                Ok(_) => formatted += 1,
                Err(e) => failures.push(e),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(formatted > 300, "only {formatted} variants formatted");
}

#[test]
fn formatted_text_is_stable() {
    let files = [
        ("messy", "compiler/syntax/tests/fmt/messy.gati"),
        ("comments", "compiler/syntax/tests/fmt/comments.gati"),
        ("users", "specs/valid/users.gati"),
        ("docs", "specs/valid/docs.gati"),
    ];
    for (name, path) in files {
        let text = std::fs::read_to_string(root().join(path)).unwrap_or_default();
        let formatted = check(path, &text).unwrap_or_else(|e| panic!("{e}"));
        insta::with_settings!({
            snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/../../snapshots/fmt"),
            prepend_module_to_snapshot => false,
            omit_expression => true,
            description => path,
        }, {
            insta::assert_snapshot!(name, formatted);
        });
    }
}
