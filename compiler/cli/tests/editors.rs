//! Editor support for `.gati` files (`editors/`): the VS Code extension's
//! TextMate grammar and the tree-sitter grammar, each checked with its own
//! tool against its own test files and against every valid spec of the
//! project (`specs/valid/`, `specs/evolution/*/`, `examples/*/`).
//!
//! The tests install nothing. What they need, and the command that installs
//! it (from the workspace root):
//!
//! - Node 18 or newer, and vscode-tmgrammar-test, vscode-textmate and
//!   vscode-oniguruma under `target/gatic-editors/node_modules`:
//!   [`NPM_INSTALL`];
//! - the tree-sitter CLI at `target/tools/bin/tree-sitter` ([`TREE_SITTER_INSTALL`],
//!   or `$GATIC_TREE_SITTER`), and a C compiler, which it builds the
//!   generated parser with.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// Installs the grammar test's npm packages, at the versions the tests were
/// written against.
const NPM_INSTALL: &str = "npm install --no-save --no-package-lock --prefix target/gatic-editors vscode-tmgrammar-test@0.1.3 vscode-textmate@9.4.0 vscode-oniguruma@2.0.1";

/// Installs the tree-sitter CLI into `target/tools` (a few minutes on two
/// cores).
const TREE_SITTER_INSTALL: &str =
    "cargo install --locked --root target/tools tree-sitter-cli@0.27.1";

/// The workspace root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("the workspace root exists")
}

/// Where the npm packages and the tree-sitter build live.
fn work_dir() -> PathBuf {
    root().join("target/gatic-editors")
}

/// Every valid spec file, sorted: `specs/valid/**/*.gati`,
/// `specs/evolution/*/*.gati` and `examples/*/*.gati`.
fn valid_specs() -> Vec<PathBuf> {
    fn walk(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                // `examples/users/.gati/` holds released versions, not specs.
                let hidden = entry.file_name().to_string_lossy().starts_with('.');
                if depth > 0 && !hidden {
                    walk(&path, depth - 1, out);
                }
            } else if path.extension().is_some_and(|e| e == "gati") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(&root().join("specs/valid"), usize::MAX, &mut files);
    walk(&root().join("specs/evolution"), 1, &mut files);
    walk(&root().join("examples"), 1, &mut files);
    files.sort();
    assert!(
        files.len() >= 50,
        "expected the valid specs, found {} files",
        files.len()
    );
    files
}

/// A tool that runs longer than this has hung (the checks take seconds).
const TIMEOUT: Duration = Duration::from_secs(120);

/// Runs `command`, failing with its output when it does not succeed or
/// does not finish within [`TIMEOUT`].
fn run(command: &mut Command, what: &str) -> Output {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{what}: cannot run {command:?}: {e}"));
    // Read both pipes while waiting, so a chatty tool never blocks on them.
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut bytes);
            }
            bytes
        })
    };
    let stdout = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let stderr = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the tool") {
            break status;
        }
        if started.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} did not finish in {TIMEOUT:?}: {command:?}");
        }
        thread::sleep(Duration::from_millis(20));
    };
    let output = Output {
        status,
        stdout: stdout.join().expect("read the tool's output"),
        stderr: stderr.join().expect("read the tool's errors"),
    };
    assert!(
        output.status.success(),
        "{what} failed ({}):\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Node, 18 or newer; fails saying how to install it otherwise.
fn node() -> &'static str {
    let version = Command::new("node")
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| {
            panic!(
                "node is not installed: install Node 18+ and npm (apt-get install nodejs npm), then run `{NPM_INSTALL}` in the workspace root"
            )
        });
    let major: u32 = version
        .trim_start_matches('v')
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .unwrap_or(0);
    assert!(
        major >= 18,
        "node {version} is too old: the grammar tests need Node 18+"
    );
    "node"
}

/// The folder the grammar test's npm packages are installed in; fails with
/// the install command when one is missing.
fn node_modules() -> PathBuf {
    let modules = work_dir().join("node_modules");
    for package in [
        "vscode-tmgrammar-test",
        "vscode-textmate",
        "vscode-oniguruma",
    ] {
        assert!(
            modules.join(package).join("package.json").is_file(),
            "{package} is not installed in {}: run `{NPM_INSTALL}` in the workspace root (needs Node 18+ and npm)",
            modules.display()
        );
    }
    modules
}

/// The VS Code extension's folder.
fn vscode_dir() -> PathBuf {
    root().join("editors/vscode")
}

/// The TextMate grammar gives each construct the scopes the test files in
/// `editors/vscode/tests/*.test.gati` assert.
#[test]
fn textmate_grammar_scopes_every_construct() {
    let node = node();
    let modules = node_modules();
    let dir = vscode_dir();
    let mut tests: Vec<String> = fs::read_dir(dir.join("tests"))
        .expect("editors/vscode/tests exists")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".test.gati"))
        .map(|name| format!("tests/{name}"))
        .collect();
    tests.sort();
    assert!(
        tests.len() >= 5,
        "the grammar's test files are missing: {tests:?}"
    );
    let output = run(
        Command::new(node)
            .current_dir(&dir)
            .arg(modules.join("vscode-tmgrammar-test/dist/unit.js"))
            .args(["--compact", "--config", "package.json"])
            .args(&tests),
        "vscode-tmgrammar-test",
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    for test in &tests {
        assert!(
            stdout.contains(&format!("{test} run successfuly")),
            "{test} did not run:\n{stdout}"
        );
    }
}

/// The TextMate grammar scopes every token of every valid spec and closes
/// every block it opens (`editors/vscode/tests/corpus.js`).
#[test]
fn textmate_grammar_tokenizes_every_valid_spec() {
    let node = node();
    let modules = node_modules();
    let dir = vscode_dir();
    let specs = valid_specs();
    let output = run(
        Command::new(node)
            .env("GATI_EDITORS_NODE_MODULES", &modules)
            .arg(dir.join("tests/corpus.js"))
            .arg(dir.join("syntaxes/gati.tmLanguage.json"))
            .args(&specs),
        "tokenizing the valid specs",
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.starts_with(&format!("{} file(s)", specs.len())),
        "not every spec was tokenized: {stdout}"
    );
}

/// The extension starts `gatic lsp` (or `gati.serverPath`) over stdio, and
/// its manifest contributes the language, grammar and settings it uses.
#[test]
fn vscode_extension_starts_the_language_server() {
    let node = node();
    let dir = vscode_dir();
    run(
        Command::new(node).arg(dir.join("tests/extension.js")),
        "editors/vscode/tests/extension.js",
    );

    let manifest = read_json(&dir.join("package.json"));
    let grammar = &manifest["contributes"]["grammars"][0];
    assert_eq!(grammar["language"], "gati");
    assert_eq!(grammar["scopeName"], "source.gati");
    let path = grammar["path"].as_str().expect("a grammar path");
    let textmate = read_json(&dir.join(path));
    assert_eq!(textmate["scopeName"], "source.gati");
    let language = &manifest["contributes"]["languages"][0];
    let config = language["configuration"]
        .as_str()
        .expect("a language configuration");
    let config = read_json(&dir.join(config));
    assert_eq!(config["comments"]["lineComment"], "//");
    assert_eq!(config["comments"]["blockComment"][0], "/*");
    assert!(
        manifest["dependencies"]["vscode-languageclient"].is_string(),
        "the extension depends on vscode-languageclient"
    );
}

/// Both grammars know every keyword of `gati.pest` and every primitive type
/// of the language reference, so a new word in the language fails here
/// until the editors learn it.
#[test]
fn grammars_know_every_keyword_and_primitive() {
    let pest =
        fs::read_to_string(root().join("compiler/syntax/src/gati.pest")).expect("read gati.pest");
    let mut keywords: Vec<String> = Vec::new();
    for line in pest.lines().filter(|l| !l.trim_start().starts_with("//")) {
        for (i, piece) in line.split('"').enumerate() {
            // Odd pieces are inside quotes.
            let word = i % 2 == 1
                && piece.len() >= 2
                && piece.chars().all(|c| c.is_ascii_lowercase())
                && piece != "ms";
            if word && !keywords.iter().any(|k| k == piece) {
                keywords.push(piece.to_string());
            }
        }
    }
    keywords.sort();
    assert!(
        keywords.len() >= 40,
        "expected the keywords of gati.pest, found {keywords:?}"
    );

    let reference =
        fs::read_to_string(root().join("specs/README.md")).expect("read specs/README.md");
    let primitives: Vec<String> = reference
        .split("### Primitives")
        .nth(1)
        .expect("specs/README.md has a Primitives section")
        .lines()
        .take_while(|l| !l.starts_with("```"))
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split('`').next())
        .map(str::to_string)
        .collect();
    assert!(
        primitives.len() >= 10,
        "expected the primitives table, found {primitives:?}"
    );

    // The TextMate grammar's regular expressions, not its scope names.
    let mut textmate = String::new();
    regexes(
        &read_json(&vscode_dir().join("syntaxes/gati.tmLanguage.json")),
        &mut textmate,
    );
    let tree_sitter = fs::read_to_string(root().join("editors/tree-sitter-gati/grammar.js"))
        .expect("read grammar.js");
    let highlights =
        fs::read_to_string(root().join("editors/tree-sitter-gati/queries/highlights.scm"))
            .expect("read highlights.scm");
    let mut missing = Vec::new();
    for word in keywords.iter().chain(&primitives) {
        if !has_word(&textmate, word) {
            missing.push(format!(
                "{word}: editors/vscode/syntaxes/gati.tmLanguage.json"
            ));
        }
        if !tree_sitter.contains(&format!("'{word}'")) {
            missing.push(format!("{word}: editors/tree-sitter-gati/grammar.js"));
        }
    }
    // Literals and primitives are highlighted by their nodes; keywords by
    // their text.
    for word in &keywords {
        let by_node = ["true", "false", "null"].contains(&word.as_str());
        if !by_node && !highlights.contains(&format!("\"{word}\"")) {
            missing.push(format!(
                "{word}: editors/tree-sitter-gati/queries/highlights.scm"
            ));
        }
    }
    assert!(
        missing.is_empty(),
        "words of the language the editor grammars do not know:\n{}",
        missing.join("\n")
    );
}

/// Appends every `match`, `begin` and `end` of a TextMate grammar to `out`.
fn regexes(value: &serde_json::Value, out: &mut String) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, value) in map {
                match value {
                    serde_json::Value::String(regex)
                        if ["match", "begin", "end"].contains(&key.as_str()) =>
                    {
                        // `\bnull\b`: a word boundary is not part of the word.
                        out.push_str(&regex.replace("\\b", " "));
                        out.push('\n');
                    }
                    _ => regexes(value, out),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| regexes(v, out)),
        _ => {}
    }
}

/// Whether `word` occurs in `text` with no letter, digit or `_` on either side.
fn has_word(text: &str, word: &str) -> bool {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        !before.is_some_and(is_word) && !after.is_some_and(is_word)
    })
}

/// The JSON file at `path`.
fn read_json(path: &Path) -> serde_json::Value {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// The tree-sitter CLI: `$GATIC_TREE_SITTER`, else `target/tools/bin/tree-sitter`;
/// fails with the install command when it is missing or too old.
fn tree_sitter() -> PathBuf {
    let binary = std::env::var_os("GATIC_TREE_SITTER").map_or_else(
        || root().join("target/tools/bin/tree-sitter"),
        PathBuf::from,
    );
    let version = Command::new(&binary)
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| {
            panic!(
                "the tree-sitter CLI is not installed at {}: run `{TREE_SITTER_INSTALL}` in the workspace root (or set GATIC_TREE_SITTER)",
                binary.display()
            )
        });
    // `tree-sitter 0.27.1`: 0.25 brought `tree-sitter.json` and
    // `generate --js-runtime native`, which the test uses.
    let number: Vec<u32> = version
        .split_whitespace()
        .nth(1)
        .unwrap_or_default()
        .split('.')
        .map(|n| n.parse().unwrap_or(0))
        .collect();
    assert!(
        number.as_slice() >= [0, 25].as_slice(),
        "{version} is too old (0.25 or newer is needed): run `{TREE_SITTER_INSTALL}` in the workspace root"
    );
    binary
}

/// Copies the folder `from` into `to`, recursively.
fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap_or_else(|e| panic!("create {}: {e}", to.display()));
    for entry in fs::read_dir(from).unwrap_or_else(|e| panic!("read {}: {e}", from.display())) {
        let entry = entry.expect("a readable entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target)
                .unwrap_or_else(|e| panic!("copy {}: {e}", entry.path().display()));
        }
    }
}

/// The tree-sitter grammar generates, passes its corpus and highlight tests
/// (`editors/tree-sitter-gati/test/`), and parses every valid spec with no
/// `ERROR` or `MISSING` node.
#[test]
fn tree_sitter_grammar_parses_every_valid_spec() {
    let tree_sitter = tree_sitter();
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".to_string());
    assert!(
        Command::new(&cc)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success()),
        "tree-sitter builds the generated parser with a C compiler, and `{cc}` is missing: apt-get install gcc (or set CC)"
    );

    // The generated parser is not committed: it is made here, in a copy of
    // the grammar under target/, with tree-sitter's own JavaScript runtime.
    let source = root().join("editors/tree-sitter-gati");
    let grammar = work_dir().join("tree-sitter-gati");
    let _ = fs::remove_dir_all(&grammar);
    for name in ["grammar.js", "tree-sitter.json"] {
        fs::create_dir_all(&grammar).expect("create the grammar's copy");
        fs::copy(source.join(name), grammar.join(name)).expect("copy the grammar");
    }
    copy_dir(&source.join("queries"), &grammar.join("queries"));
    copy_dir(&source.join("test"), &grammar.join("test"));
    // No personal configuration, and the compiled parser stays under target/.
    let config = work_dir().join("tree-sitter-config.json");
    fs::write(&config, "{\"parser-directories\": []}\n").expect("write tree-sitter's config");
    let libdir = work_dir().join("tree-sitter-lib");
    let tool = |args: &[&str]| {
        let mut command = Command::new(&tree_sitter);
        command
            .current_dir(&grammar)
            .env("TREE_SITTER_LIBDIR", &libdir)
            .args(args);
        command
    };

    run(
        &mut tool(&["generate", "--js-runtime", "native"]),
        "tree-sitter generate",
    );
    let config = config.to_string_lossy();
    run(
        &mut tool(&["test", "--config-path", &config]),
        "tree-sitter test (editors/tree-sitter-gati/test/)",
    );

    let specs = valid_specs();
    let output = run(
        tool(&["parse", "--quiet", "--stat", "--config-path", &config]).args(&specs),
        "tree-sitter parse of the valid specs (an ERROR or MISSING node fails it)",
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let all = format!(
        "Total parses: {n}; successful parses: {n}; failed parses: 0",
        n = specs.len()
    );
    assert!(
        stdout.contains(&all),
        "not every spec parsed cleanly:\n{stdout}"
    );
}
