//! `gatic lsp`, driven by a scripted client: the built binary is spawned,
//! spoken to in JSON-RPC with `Content-Length` framing over its stdin and
//! stdout, and its real answers are checked: the lifecycle and the
//! capabilities, diagnostics as a document changes (with UTF-16 columns on
//! a line of non-ASCII text), hover, definition and references across a
//! `use`d file, completion, quick fixes, the version entry for a spec that
//! changed since its release, and formatting. Every wait is bounded, so a
//! hung server fails the test instead of hanging it.

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// How long any answer may take.
const TIMEOUT: Duration = Duration::from_secs(10);

/// A running `gatic lsp` and what it has published.
struct Server {
    child: Child,
    stdin: Option<ChildStdin>,
    messages: Receiver<Value>,
    next_id: i64,
    /// The diagnostics last published for each URI.
    diagnostics: BTreeMap<String, Vec<Value>>,
}

impl Server {
    /// Starts the server in `dir` without initializing it.
    fn spawn(dir: &Path) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_gatic"))
            .arg("lsp")
            .current_dir(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start gatic lsp");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, messages) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(message) = read_message(&mut reader) {
                if tx.send(message).is_err() {
                    break;
                }
            }
        });
        Server {
            stdin: child.stdin.take(),
            child,
            messages,
            next_id: 0,
            diagnostics: BTreeMap::new(),
        }
    }

    /// Starts and initializes the server; the `initialize` result.
    fn start(dir: &Path) -> (Server, Value) {
        let mut server = Server::spawn(dir);
        let result = server.request("initialize", json!({ "capabilities": {} }));
        server.notify("initialized", json!({}));
        (server, result)
    }

    fn send(&mut self, message: &Value) {
        let body = serde_json::to_vec(message).expect("encode");
        let stdin = self.stdin.as_mut().expect("stdin open");
        stdin
            .write_all(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes())
            .and_then(|()| stdin.write_all(&body))
            .and_then(|()| stdin.flush())
            .expect("write to the server");
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    /// The next message, within `deadline`; notes published diagnostics.
    fn next(&mut self, deadline: Instant, waiting_for: &str) -> Value {
        let left = deadline.saturating_duration_since(Instant::now());
        let message = match self.messages.recv_timeout(left) {
            Ok(m) => m,
            Err(RecvTimeoutError::Timeout) => {
                panic!("no answer within {TIMEOUT:?} while waiting for {waiting_for}")
            }
            Err(RecvTimeoutError::Disconnected) => {
                panic!("the server closed its output while waiting for {waiting_for}")
            }
        };
        if message["method"] == "textDocument/publishDiagnostics" {
            let uri = message["params"]["uri"]
                .as_str()
                .expect("a URI")
                .to_string();
            let list = message["params"]["diagnostics"]
                .as_array()
                .cloned()
                .expect("a list");
            self.diagnostics.insert(uri, list);
        }
        message
    }

    /// Sends a request and returns the whole response (result or error).
    fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(&json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let message = self.next(deadline, method);
            if message["id"] == id && message.get("method").is_none() {
                return message;
            }
        }
    }

    /// Sends a request and returns its result, failing on an error.
    fn request(&mut self, method: &str, params: Value) -> Value {
        let response = self.call(method, params);
        assert!(
            response.get("error").is_none(),
            "{method} failed: {response}"
        );
        response["result"].clone()
    }

    /// Waits until the diagnostics last published for `uri` satisfy `done`.
    fn diagnostics_until(&mut self, uri: &str, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(list) = self.diagnostics.get(uri)
                && done(list)
            {
                return list.clone();
            }
            self.next(deadline, &format!("diagnostics for {uri}"));
        }
    }

    fn open(&mut self, uri: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({
                "textDocument": { "uri": uri, "languageId": "gati", "version": 1, "text": text },
            }),
        );
    }

    fn change(&mut self, uri: &str, version: i32, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({
                "textDocument": { "uri": uri, "version": version },
                "contentChanges": [{ "text": text }],
            }),
        );
    }

    /// `shutdown`, then `exit`; the exit status.
    fn stop(mut self) -> Option<i32> {
        assert_eq!(self.request("shutdown", Value::Null), Value::Null);
        self.exit()
    }

    /// `exit`; the exit status.
    fn exit(&mut self) -> Option<i32> {
        self.notify("exit", Value::Null);
        self.stdin = None;
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait for gatic lsp") {
                return status.code();
            }
            assert!(Instant::now() < deadline, "the server did not exit");
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One framed message from `reader`; `None` at the end of the stream.
fn read_message(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

/// A fresh folder under the target directory.
fn temp(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("lsp")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir
}

/// The `file:` URI of `path`, percent-encoded as editors send it.
fn uri(path: &Path) -> String {
    let mut out = String::from("file://");
    for b in path.to_string_lossy().bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The LSP position (line, UTF-16 column) of the `nth` occurrence of
/// `needle` in `text`, plus `shift` characters.
fn position(text: &str, needle: &str, nth: usize, shift: usize) -> Value {
    let at = text
        .match_indices(needle)
        .nth(nth)
        .unwrap_or_else(|| panic!("`{needle}` #{nth} in the text"))
        .0;
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let line = text[..at].matches('\n').count();
    let column = text[line_start..at].encode_utf16().count() + shift;
    json!({ "line": line, "character": column })
}

/// A cursor (an empty range) `shift` characters into the first
/// occurrence of `needle` in `text`.
fn cursor(text: &str, needle: &str, shift: usize) -> Value {
    let at = position(text, needle, 0, shift);
    json!({ "start": at, "end": at })
}

/// The parameters of a request at a position: document `uri`, one
/// character into the `nth` occurrence of `needle` in its `text`.
fn at(uri: &str, text: &str, needle: &str, nth: usize) -> Value {
    json!({ "textDocument": { "uri": uri }, "position": position(text, needle, nth, 1) })
}

/// The range of the `nth` occurrence of `needle`.
fn range_of(text: &str, needle: &str, nth: usize) -> Value {
    json!({
        "start": position(text, needle, nth, 0),
        "end": position(text, needle, nth, needle.encode_utf16().count()),
    })
}

/// The byte offset of an LSP position in `text`.
fn offset(text: &str, position: &Value) -> usize {
    let line = position["line"].as_u64().expect("line") as usize;
    let character = position["character"].as_u64().expect("character") as usize;
    let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
    let mut units = 0;
    for (i, c) in text[start..].char_indices() {
        if units >= character || c == '\n' {
            return start + i;
        }
        units += c.len_utf16();
    }
    text.len()
}

/// `text` with LSP text edits applied.
fn apply(text: &str, edits: &[Value]) -> String {
    let mut edits: Vec<(usize, usize, &str)> = edits
        .iter()
        .map(|e| {
            (
                offset(text, &e["range"]["start"]),
                offset(text, &e["range"]["end"]),
                e["newText"].as_str().expect("new text"),
            )
        })
        .collect();
    edits.sort_by_key(|e| std::cmp::Reverse(e.0));
    let mut out = text.to_string();
    for (start, end, new) in edits {
        out.replace_range(start..end, new);
    }
    out
}

fn codes(diagnostics: &[Value]) -> Vec<&str> {
    diagnostics
        .iter()
        .map(|d| d["code"].as_str().expect("a code"))
        .collect()
}

fn with_snapshots(f: impl FnOnce()) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(common::snapshots("cli"));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(f);
}

/// The lifecycle: nothing is answered before `initialize`, the
/// capabilities are exactly what is implemented, an unknown method or bad
/// parameters are errors that leave the server running, nothing is
/// answered after `shutdown`, and `exit` ends the process with 0 after a
/// shutdown and 1 without.
#[test]
fn lifecycle_and_capabilities() {
    let dir = temp("lifecycle");
    let mut server = Server::spawn(&dir);
    let early = server.call("textDocument/hover", json!({}));
    assert_eq!(early["error"]["code"], -32002, "{early}");
    let mut init = server.request("initialize", json!({ "capabilities": {} }));
    server.notify("initialized", json!({}));
    assert_eq!(init["serverInfo"]["version"], env!("CARGO_PKG_VERSION"));
    init["serverInfo"]["version"] = json!("[version]");
    with_snapshots(|| insta::assert_json_snapshot!("lsp_initialize", init));

    let unknown = server.call("textDocument/rename", json!({}));
    assert_eq!(unknown["error"]["code"], -32601, "{unknown}");
    let bad = server.call("textDocument/hover", json!({ "textDocument": 42 }));
    assert_eq!(bad["error"]["code"], -32602, "{bad}");
    // A file nobody opened, at any position: nothing.
    let nowhere = json!({
        "textDocument": { "uri": "file:///nowhere/missing.gati" },
        "position": { "line": 99, "character": 99 },
    });
    assert_eq!(
        server.request("textDocument/hover", nowhere.clone()),
        Value::Null
    );
    assert_eq!(
        server.request("textDocument/definition", nowhere),
        Value::Null
    );
    assert_eq!(server.request("shutdown", Value::Null), Value::Null);
    let late = server.call("textDocument/hover", json!({}));
    assert_eq!(late["error"]["code"], -32600, "{late}");
    assert_eq!(server.exit(), Some(0));

    let (mut abrupt, _) = Server::start(&dir);
    assert_eq!(abrupt.exit(), Some(1));
}

/// The strings of the list `const NAME: &[&str] = &[…];` in a source file
/// of the checker, which keeps its lists private.
fn checker_list(file: &str, name: &str) -> Vec<String> {
    let path = common::root().join("compiler/check/src").join(file);
    let source = std::fs::read_to_string(&path).expect("the checker's source");
    let start = source
        .find(&format!("const {name}: &[&str] = &["))
        .unwrap_or_else(|| panic!("`{name}` in {}", path.display()));
    let list = &source[start..];
    let list = &list[..list.find("];").expect("the list's end")];
    list.split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// A spec with two errors, one on a line of non-ASCII text.
const BROKEN: &str = r#"//! Notes, with ünïcödé.

service notes { title "Nötes 🎉" }

/// A note.
type Note { id: uuid, title: string = "héllo 🎉", body: Strng }

/// Fetch a note.
route get_note GET /notes/{id: uuid} -> Note | NotFound
"#;

/// Diagnostics follow the text: the checker's codes at UTF-16 ranges (past
/// a two-unit emoji), each with its label, notes and suggestion in the
/// message; the suggestion's quick fix, applied, removes its diagnostic;
/// fixing the rest clears the list; a secondary label is related
/// information.
#[test]
fn diagnostics_follow_the_text_and_quick_fixes_apply() {
    let dir = temp("diagnostics");
    let path = dir.join("api.gati");
    std::fs::write(&path, BROKEN).expect("write spec");
    let uri = uri(&path);
    let (mut server, _) = Server::start(&dir);
    server.open(&uri, BROKEN);
    let diagnostics = server.diagnostics_until(&uri, |d| !d.is_empty());
    assert_eq!(codes(&diagnostics), ["E0101", "E0101"], "{diagnostics:?}");
    let strng = &diagnostics[0];
    assert_eq!(strng["range"], range_of(BROKEN, "Strng", 0), "{strng}");
    // `"héllo 🎉"` before it is 13 bytes but 10 UTF-16 units: `Strng`
    // starts at byte 59 of its line, and at UTF-16 column 56.
    assert_eq!(strng["range"]["start"]["character"], 56);
    assert_eq!(strng["severity"], 1);
    assert_eq!(strng["source"], "gatic");
    assert_eq!(
        strng["message"],
        "unknown type `Strng`\nno type has this name\nhelp: did you mean `string`?"
    );
    assert_eq!(
        diagnostics[1]["range"],
        range_of(BROKEN, "NotFound", 0),
        "{diagnostics:?}"
    );

    // The quick fix for `Strng`, asked for at a cursor inside it.
    let actions = server.request(
        "textDocument/codeAction",
        json!({
            "textDocument": { "uri": uri },
            "range": cursor(BROKEN, "Strng", 2),
            "context": { "diagnostics": [] },
        }),
    );
    let actions = actions.as_array().expect("actions");
    assert_eq!(actions.len(), 1, "{actions:?}");
    assert_eq!(actions[0]["title"], "Replace `Strng` with `string`");
    assert_eq!(actions[0]["kind"], "quickfix");
    assert_eq!(actions[0]["diagnostics"][0]["code"], "E0101");
    let edits = actions[0]["edit"]["changes"][&uri]
        .as_array()
        .expect("edits for the document");
    let fixed = apply(BROKEN, edits);
    assert!(fixed.contains("body: string }"), "{fixed}");
    server.change(&uri, 2, &fixed);
    let diagnostics = server.diagnostics_until(&uri, |d| d.len() == 1);
    assert_eq!(diagnostics[0]["range"], range_of(&fixed, "NotFound", 0));

    // Declaring the error clears the list.
    let complete = format!("{fixed}\n/// No such note.\nerror NotFound 404 {{ id: uuid }}\n");
    server.change(&uri, 3, &complete);
    server.diagnostics_until(&uri, <[Value]>::is_empty);

    // A secondary label is related information at its own place.
    let twice = format!("{complete}type Note = string\n");
    server.change(&uri, 4, &twice);
    let diagnostics = server.diagnostics_until(&uri, |d| !d.is_empty());
    assert_eq!(codes(&diagnostics), ["E0102"], "{diagnostics:?}");
    let name_in = |declaration: &str| {
        json!({
            "start": position(&twice, declaration, 0, 5),
            "end": position(&twice, declaration, 0, 9),
        })
    };
    assert_eq!(diagnostics[0]["range"], name_in("type Note ="));
    assert_eq!(
        diagnostics[0]["relatedInformation"],
        json!([{
            "location": { "uri": uri, "range": name_in("type Note {") },
            "message": "first declared here, as a record",
        }])
    );
    assert_eq!(server.stop(), Some(0));
}

const COMMON: &str = r#"/// A page of results.
type Page<T> {
  /// Always `list`.
  object: "list"
  data: [T] @items(..=100)
  has_more: bool
}

/// No note has this id.
error NotFound 404 { id: uuid }
"#;

const ROOT: &str = r#"use "common.gati"

/// Keeps notes.
service notes { title "Notes" }

/// A note.
type Note {
  id: uuid @readonly
  /// What the note says.
  text: string @len(1..=1000)
}

type NewNote = Note without { id }

/// Fetch a note.
route get_note GET /notes/{id: uuid} -> Note | NotFound

/// List notes.
route list_notes GET /notes -> Page<Note>

/// Create a note.
route create_note POST /notes {
  body NewNote
  returns 201 Note
  errors NotFound
}

versions {
  2025-01-01 "First"
  2025-06-01 "Renamed" {
    route list_notes renamed from all_notes
  }
}
"#;

/// Hover, definition and references across a `use`d file on disk; a
/// diagnostic in the `use`d file is published to its own URI, and the
/// `use`d file opened alone is checked through the root beside it.
#[test]
fn navigation_across_used_files() {
    // A space and a non-ASCII letter in the folder: URIs are percent-encoded.
    let dir = temp("cross files ü");
    // On disk, the `use`d file has a mistake (on a line of its own, so
    // that the positions of its names are those of `COMMON`).
    let broken = COMMON.replace("has_more: bool", "has_more: bool @len(1..)");
    std::fs::write(dir.join("common.gati"), &broken).expect("write common");
    std::fs::write(dir.join("api.gati"), ROOT).expect("write root");
    let root = uri(&dir.join("api.gati"));
    let common = uri(&dir.join("common.gati"));
    let (mut server, _) = Server::start(&dir);
    server.open(&root, ROOT);
    // Its diagnostic goes to its own URI, though only the root is open.
    let diagnostics = server.diagnostics_until(&common, |d| !d.is_empty());
    assert_eq!(codes(&diagnostics), ["E0203"], "{diagnostics:?}");
    assert_eq!(diagnostics[0]["range"], range_of(&broken, "@len(1..)", 0));
    assert!(
        server.diagnostics.get(&root).is_none_or(Vec::is_empty),
        "{:?}",
        server.diagnostics.get(&root)
    );
    // Opened, the `use`d file is read from memory, through the root: fixed
    // there, its diagnostic goes (it is back when broken again, below).
    server.open(&common, COMMON);
    server.diagnostics_until(&common, <[Value]>::is_empty);

    let root_at = |needle: &str, nth: usize| at(&root, ROOT, needle, nth);

    // Hover: a generic record used with an argument shows its fields with it.
    let hover = server.request("textDocument/hover", root_at("Page<Note>", 0));
    assert_eq!(hover["range"], range_of(ROOT, "Page", 0));
    let page = hover["contents"]["value"].as_str().expect("markdown");
    // A derived record shows the fields it keeps; a field its type and doc.
    let derived = server.request("textDocument/hover", root_at("NewNote", 1));
    let field = server.request("textDocument/hover", root_at("text:", 0));
    let route = server.request("textDocument/hover", root_at("list_notes", 1));
    let primitive = server.request("textDocument/hover", root_at("uuid", 0));
    with_snapshots(|| {
        insta::assert_snapshot!(
            "lsp_hover",
            [
                page,
                derived["contents"]["value"].as_str().expect("markdown"),
                field["contents"]["value"].as_str().expect("markdown"),
                route["contents"]["value"].as_str().expect("markdown"),
                primitive["contents"]["value"].as_str().expect("markdown"),
            ]
            .join("\n\n======\n\n")
        );
    });

    // Definition: across the `use`, and from a change line to the route.
    let definition = server.request("textDocument/definition", root_at("NotFound", 0));
    assert_eq!(definition["uri"], common.as_str(), "{definition}");
    assert_eq!(definition["range"], range_of(COMMON, "NotFound", 0));
    let renamed = server.request("textDocument/definition", root_at("list_notes", 1));
    assert_eq!(renamed["uri"], root.as_str());
    assert_eq!(renamed["range"], range_of(ROOT, "list_notes", 0));
    let used = server.request("textDocument/definition", root_at("common.gati", 0));
    assert_eq!(used["uri"], common.as_str(), "{used}");
    // From a derived record's field list to the field.
    let kept = server.request("textDocument/definition", root_at("id }", 0));
    assert_eq!(
        kept["range"],
        json!({
            "start": position(ROOT, "id: uuid @readonly", 0, 0),
            "end": position(ROOT, "id: uuid @readonly", 0, 2),
        })
    );

    // References: every use in both files, the declaration when asked.
    let references = server.request(
        "textDocument/references",
        json!({
            "textDocument": { "uri": root },
            "position": position(ROOT, "NotFound", 1, 1),
            "context": { "includeDeclaration": true },
        }),
    );
    assert_eq!(
        references,
        json!([
            { "uri": root, "range": range_of(ROOT, "NotFound", 0) },
            { "uri": root, "range": range_of(ROOT, "NotFound", 1) },
            { "uri": common, "range": range_of(COMMON, "NotFound", 0) },
        ])
    );
    let without_declaration = server.request(
        "textDocument/references",
        json!({
            "textDocument": { "uri": root },
            "position": position(ROOT, "Note ", 0, 1),
            "context": { "includeDeclaration": false },
        }),
    );
    assert_eq!(
        without_declaration.as_array().map(Vec::len),
        Some(4),
        "{without_declaration}"
    );

    server.change(&common, 2, &broken);
    let diagnostics = server.diagnostics_until(&common, |d| !d.is_empty());
    assert_eq!(codes(&diagnostics), ["E0203"], "{diagnostics:?}");
    // With the root closed, the `use`d file is still checked through it
    // (from disk), not alone: no "no service block".
    server.notify(
        "textDocument/didClose",
        json!({ "textDocument": { "uri": root } }),
    );
    let hover = server.request("textDocument/hover", at(&common, &broken, "NotFound", 0));
    assert!(
        hover["contents"]["value"]
            .as_str()
            .is_some_and(|v| v.contains("error NotFound 404"))
    );
    assert_eq!(codes(&server.diagnostics[&common]), ["E0203"]);
    assert_eq!(server.stop(), Some(0));
}

/// Completion: attributes after `@` and settings in the service and
/// `limits` blocks (exactly the checker's lists), clauses in a route block,
/// type names (declared and primitive, and a generic record's parameters)
/// in a type's place, nothing where a field is named or inside a string.
#[test]
fn completion_offers_what_fits_the_place() {
    let text = r#"service notes {
  title "Notes @"
  limits {
    
  }
  
}

type Page<T> { data: [T], next: S }

/// A note.
type Note { id: uuid @ }

enum Color { red }

route get_note GET /notes/{id: uuid} -> Note {
  
}
"#;
    let dir = temp("completion");
    let path = dir.join("api.gati");
    let uri = uri(&path);
    let (mut server, _) = Server::start(&dir);
    server.open(&uri, text);
    let mut labels = |line: u32, character: u32| -> Vec<String> {
        let items = server.request(
            "textDocument/completion",
            json!({
                "textDocument": { "uri": uri },
                "position": { "line": line, "character": character },
            }),
        );
        items
            .as_array()
            .expect("a list")
            .iter()
            .map(|i| i["label"].as_str().expect("label").to_string())
            .collect()
    };
    // The attributes and settings offered are the checker's own lists.
    let mut attributes = labels(11, 22);
    attributes.sort();
    let mut known = checker_list("attrs.rs", "KNOWN");
    known.sort();
    assert_eq!(attributes, known);
    assert_eq!(labels(5, 2), checker_list("routes.rs", "SERVICE_KEYS"));
    assert_eq!(labels(3, 4), checker_list("routes.rs", "LIMIT_KEYS"));
    let clauses = labels(16, 2);
    assert!(clauses.iter().any(|c| c == "returns"), "{clauses:?}");
    let types = labels(8, 33);
    for name in [
        "string", "uuid", "bytes", "any", "Page", "Note", "Color", "T",
    ] {
        assert!(types.iter().any(|t| t == name), "{name} in {types:?}");
    }
    // Inside a string, and where a field's name goes: nothing.
    assert_eq!(labels(1, 16), Vec::<String>::new());
    assert_eq!(labels(8, 15), Vec::<String>::new());
    // Past the end of a line, and past the end of the file: no failure.
    labels(1, 500);
    labels(500, 0);
    assert_eq!(server.stop(), Some(0));
}

const RELEASED: &str = r#"service users { title "Users" }

/// A user.
type User { id: uuid, name: string, email: string }

/// Fetch a user.
route get_user GET /users/{id: uuid} -> User

versions {
  2025-01-01 "Initial release"
}
"#;

/// A spec changed incompatibly since its release (frozen by `gatic
/// release`) gets `E0402` on its `versions` block and the action that
/// records the change in a new version; applied, the spec checks clean.
#[test]
fn records_unexplained_changes_in_a_new_version() {
    let dir = temp("record");
    let path = dir.join("api.gati");
    std::fs::write(&path, RELEASED).expect("write spec");
    let release = Command::new(env!("CARGO_BIN_EXE_gatic"))
        .args(["release", "api.gati"])
        .current_dir(&dir)
        .output()
        .expect("run gatic release");
    assert!(release.status.success(), "{release:?}");
    let changed = RELEASED.replace(", email: string", "");
    let uri = uri(&path);
    let (mut server, _) = Server::start(&dir);
    server.open(&uri, &changed);
    let diagnostics = server.diagnostics_until(&uri, |d| !d.is_empty());
    assert_eq!(codes(&diagnostics), ["E0402"], "{diagnostics:?}");
    assert_eq!(diagnostics[0]["range"], range_of(&changed, "versions", 0));

    let actions = server.request(
        "textDocument/codeAction",
        json!({
            "textDocument": { "uri": uri },
            "range": cursor(&changed, "versions", 3),
            "context": { "diagnostics": diagnostics },
        }),
    );
    let actions = actions.as_array().expect("actions");
    let record = actions
        .iter()
        .find(|a| a["title"] == "Record these changes in a new version")
        .unwrap_or_else(|| panic!("the record action in {actions:?}"));
    assert_eq!(record["kind"], "quickfix");
    assert_eq!(record["diagnostics"][0]["code"], "E0402");
    let edits = record["edit"]["changes"][&uri].as_array().expect("edits");
    let recorded = apply(&changed, edits);
    assert!(
        recorded.contains("  2025-01-01 \"Initial release\"\n  20")
            && recorded.ends_with(
                " \"Describe the change\" {\n    User.email: string removed default \"\"\n  }\n}\n"
            ),
        "{recorded}"
    );
    // Elsewhere in the file, no such action.
    let elsewhere = server.request(
        "textDocument/codeAction",
        json!({
            "textDocument": { "uri": uri },
            "range": cursor(&changed, "route", 0),
            "context": { "diagnostics": [] },
        }),
    );
    assert_eq!(elsewhere, json!([]));

    server.change(&uri, 2, &recorded);
    server.diagnostics_until(&uri, <[Value]>::is_empty);
    // `gatic check` agrees.
    std::fs::write(&path, &recorded).expect("write the recorded spec");
    let check = Command::new(env!("CARGO_BIN_EXE_gatic"))
        .args(["check", "api.gati"])
        .current_dir(&dir)
        .output()
        .expect("run gatic check");
    assert!(check.status.success(), "{check:?}");
    assert_eq!(server.stop(), Some(0));
}

/// Formatting is `gatic fmt`'s layout as one edit over the whole document,
/// no edit once laid out, and nothing for a file that does not parse.
#[test]
fn formatting_is_gatic_fmt() {
    let messy = concat!(
        "service s {title \"S\"}\n",
        "type   Note {id:uuid,text:string}\n",
        "route get GET /n/{id: uuid} -> Note\n",
    );
    let dir = temp("formatting");
    let path = dir.join("api.gati");
    let uri = uri(&path);
    let (mut server, _) = Server::start(&dir);
    server.open(&uri, messy);
    let format = json!({
        "textDocument": { "uri": uri },
        "options": { "tabSize": 2, "insertSpaces": true },
    });
    let edits = server.request("textDocument/formatting", format.clone());
    let edits = edits.as_array().expect("edits");
    assert_eq!(edits.len(), 1);
    assert_eq!(
        edits[0]["range"],
        json!({ "start": { "line": 0, "character": 0 }, "end": { "line": 3, "character": 0 } })
    );
    let formatted = apply(messy, edits);
    let expected = gatic_syntax::fmt::format(gatic_syntax::FileId(0), messy).expect("formats");
    assert_eq!(formatted, expected);
    server.change(&uri, 2, &formatted);
    assert_eq!(
        server.request("textDocument/formatting", format.clone()),
        json!([])
    );
    server.change(&uri, 3, "type Note {\n  id uuid\n");
    assert_eq!(
        server.request("textDocument/formatting", format),
        Value::Null
    );
    assert_eq!(server.stop(), Some(0));
}

/// No input stops the server: positions past the end, ranges backwards,
/// documents that are not specs, empty and binary-looking text, changes to
/// documents that were never opened.
#[test]
fn odd_requests_are_answered_with_nothing() {
    let dir = temp("odd");
    let path = dir.join("api.gati");
    let uri = uri(&path);
    let (mut server, _) = Server::start(&dir);
    server.open(&uri, "");
    server.change("file:///never/opened.gati", 2, "type A = B");
    server.change(&uri, 2, "\u{0}\u{feff}route 🎉 @@@ {{{{ \"");
    for (line, character) in [(0, 0), (0, 3), (0, 9999), (9999, 0), (u32::MAX, u32::MAX)] {
        let at = json!({
            "textDocument": { "uri": uri },
            "position": { "line": line, "character": character },
        });
        server.request("textDocument/hover", at.clone());
        server.request("textDocument/definition", at.clone());
        server.request("textDocument/completion", at.clone());
        let mut refs = at.clone();
        refs["context"] = json!({ "includeDeclaration": true });
        server.request("textDocument/references", refs);
    }
    server.request(
        "textDocument/codeAction",
        json!({
            "textDocument": { "uri": uri },
            "range": {
                "start": { "line": 5, "character": 0 },
                "end": { "line": 0, "character": 0 },
            },
            "context": { "diagnostics": [] },
        }),
    );
    // A document that is not a spec is not checked.
    server.notify(
        "textDocument/didOpen",
        json!({
            "textDocument": {
                "uri": "file:///x/readme.md",
                "languageId": "markdown",
                "version": 1,
                "text": "# hi",
            },
        }),
    );
    let diagnostics = server.diagnostics_until(&uri, |d| !d.is_empty());
    assert!(!diagnostics.is_empty());
    assert!(!server.diagnostics.contains_key("file:///x/readme.md"));
    assert_eq!(server.stop(), Some(0));
}
