//! `gatic lsp`: the language server, over stdin and stdout.
//!
//! It speaks the Language Server Protocol (JSON-RPC with `Content-Length`
//! framing) through `lsp-server`, and answers from the same compiler the
//! CLI runs:
//!
//! - diagnostics as you type: every open document's spec is checked as
//!   `gatic check` checks it (the checker, the deploy settings, the frozen
//!   versions and the handler crate), open documents read from memory and
//!   the files they `use` from disk, and each diagnostic published to the
//!   file it is in;
//! - hover, go to definition and find references on declared names, across
//!   the files of a spec ([`gatic_syntax::symbols`] indexes them);
//! - completion of type names, attributes and block settings;
//! - code actions: each diagnostic's suggested fix, and the version entry
//!   that records changes the frozen versions do not explain;
//! - formatting with `gatic fmt`'s layout.
//!
//! Positions are UTF-16 code units, the protocol's default. Checking is
//! deferred until no message is waiting (or a request needs it), so a burst
//! of keystrokes costs one check. No input makes it panic: a request about
//! an unknown file or a position past the end is answered with nothing.

mod actions;
mod complete;
mod navigate;
mod text;
mod workspace;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::process::ExitCode;

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, DidSaveTextDocument,
    Notification as _, PublishDiagnostics,
};
use lsp_types::request::{
    CodeActionRequest, Completion, Formatting, GotoDefinition, HoverRequest, References,
    Request as _,
};
use lsp_types::{
    CodeActionKind, CodeActionOptions, CodeActionProviderCapability, CompletionOptions,
    HoverProviderCapability, InitializeResult, OneOf, PositionEncodingKind,
    PublishDiagnosticsParams, SaveOptions, ServerCapabilities, ServerInfo,
    TextDocumentSyncCapability, TextDocumentSyncKind, TextDocumentSyncOptions,
    TextDocumentSyncSaveOptions,
};

use workspace::{Document, Workspace};

/// Serves one editor over stdin and stdout until it sends `exit`: exit
/// status 0 after a `shutdown`, 1 otherwise (as the protocol asks).
pub fn run() -> ExitCode {
    let (connection, io_threads) = Connection::stdio();
    let outcome = serve(&connection);
    drop(connection);
    match outcome {
        Outcome::Exit(code) => {
            // The reader has stopped (at `exit`, or when stdin closed), and
            // joining the writer flushes the last answers.
            if let Err(e) = io_threads.join() {
                eprintln!("gatic lsp: {e}");
            }
            code
        }
        // The client went away mid-answer: nothing is left to flush.
        Outcome::Gone => ExitCode::from(1),
    }
}

/// How serving ended.
enum Outcome {
    /// `exit`, or stdin closed: the status to exit with.
    Exit(ExitCode),
    /// An answer could not be written.
    Gone,
}

/// What the server advertises: exactly what it implements.
fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        position_encoding: Some(PositionEncodingKind::UTF16),
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::FULL),
                save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                    include_text: Some(false),
                })),
                ..TextDocumentSyncOptions::default()
            },
        )),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec!["@".to_string()]),
            ..CompletionOptions::default()
        }),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
            ..CodeActionOptions::default()
        })),
        document_formatting_provider: Some(OneOf::Left(true)),
        ..ServerCapabilities::default()
    }
}

fn serve(connection: &Connection) -> Outcome {
    let send = |message: Message| connection.sender.send(message).is_ok();
    // Before `initialize`, requests are refused and notifications dropped.
    loop {
        let Ok(message) = connection.receiver.recv() else {
            return Outcome::Exit(ExitCode::from(1));
        };
        match message {
            Message::Request(req) if req.method == "initialize" => {
                let result = InitializeResult {
                    capabilities: capabilities(),
                    server_info: Some(ServerInfo {
                        name: "gatic".to_string(),
                        version: Some(env!("CARGO_PKG_VERSION").to_string()),
                    }),
                };
                if !send(Response::new_ok(req.id, result).into()) {
                    return Outcome::Gone;
                }
                break;
            }
            Message::Request(req) => {
                let refused = Response::new_err(
                    req.id,
                    ErrorCode::ServerNotInitialized as i32,
                    "the server is not initialized yet".to_string(),
                );
                if !send(refused.into()) {
                    return Outcome::Gone;
                }
            }
            Message::Notification(n) if n.method == "exit" => {
                return Outcome::Exit(ExitCode::from(1));
            }
            Message::Notification(_) | Message::Response(_) => {}
        }
    }
    let mut server = Server::default();
    let mut shut_down = false;
    loop {
        let message = if server.dirty {
            match connection.receiver.try_recv() {
                Ok(message) => message,
                Err(e) if e.is_empty() => {
                    if !server.refresh(&send) {
                        return Outcome::Gone;
                    }
                    continue;
                }
                Err(_) => return Outcome::Exit(ExitCode::from(1)),
            }
        } else {
            match connection.receiver.recv() {
                Ok(message) => message,
                Err(_) => return Outcome::Exit(ExitCode::from(1)),
            }
        };
        match message {
            Message::Request(req) => {
                let response = if shut_down {
                    Response::new_err(
                        req.id,
                        ErrorCode::InvalidRequest as i32,
                        "the server is shutting down".to_string(),
                    )
                } else if req.method == "shutdown" {
                    shut_down = true;
                    Response::new_ok(req.id, ())
                } else {
                    if server.dirty && !server.refresh(&send) {
                        return Outcome::Gone;
                    }
                    server.request(req)
                };
                if !send(response.into()) {
                    return Outcome::Gone;
                }
            }
            Message::Notification(n) if n.method == "exit" => {
                return Outcome::Exit(if shut_down {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::from(1)
                });
            }
            Message::Notification(n) => server.notify(n),
            Message::Response(_) => {}
        }
    }
}

/// The server's state between messages.
#[derive(Default)]
struct Server {
    workspace: Workspace,
    /// Whether a document changed since the last check.
    dirty: bool,
}

impl Server {
    /// Checks every spec again and publishes the diagnostics that changed;
    /// false when the client is gone.
    fn refresh(&mut self, send: &dyn Fn(Message) -> bool) -> bool {
        self.dirty = false;
        let workspace = &mut self.workspace;
        let published = catch_unwind(AssertUnwindSafe(|| workspace.analyse())).unwrap_or_default();
        published.into_iter().all(|(uri, version, diagnostics)| {
            let params = PublishDiagnosticsParams {
                uri,
                diagnostics,
                version,
            };
            send(Notification::new(PublishDiagnostics::METHOD.to_string(), params).into())
        })
    }

    /// Applies a notification about documents.
    fn notify(&mut self, n: Notification) {
        match n.method.as_str() {
            DidOpenTextDocument::METHOD => {
                if let Ok(p) =
                    n.extract::<lsp_types::DidOpenTextDocumentParams>(DidOpenTextDocument::METHOD)
                {
                    let doc = p.text_document;
                    let path = text::uri_to_path(&doc.uri);
                    if doc.language_id == "gati" || path.ends_with(".gati") {
                        self.workspace.open(
                            path,
                            Document {
                                uri: doc.uri,
                                text: doc.text,
                                version: doc.version,
                            },
                        );
                        self.dirty = true;
                    }
                }
            }
            DidChangeTextDocument::METHOD => {
                if let Ok(p) = n.extract::<lsp_types::DidChangeTextDocumentParams>(
                    DidChangeTextDocument::METHOD,
                ) {
                    let path = text::uri_to_path(&p.text_document.uri);
                    if let Some(doc) = self.workspace.docs.get_mut(&path) {
                        for change in p.content_changes {
                            match change.range {
                                // Whole-document sync is what the server
                                // asks for; ranged changes are applied all
                                // the same.
                                Some(range) => {
                                    let start = text::offset(&doc.text, range.start);
                                    let end = text::offset(&doc.text, range.end).max(start);
                                    doc.text.replace_range(start..end, &change.text);
                                }
                                None => doc.text = change.text,
                            }
                        }
                        doc.version = p.text_document.version;
                        self.dirty = true;
                    }
                }
            }
            DidCloseTextDocument::METHOD => {
                if let Ok(p) =
                    n.extract::<lsp_types::DidCloseTextDocumentParams>(DidCloseTextDocument::METHOD)
                {
                    self.workspace
                        .close(&text::uri_to_path(&p.text_document.uri));
                    self.dirty = true;
                }
            }
            // A saved file may be one that other specs read from disk.
            DidSaveTextDocument::METHOD => {
                self.workspace.saved();
                self.dirty = true;
            }
            _ => {}
        }
    }

    /// Answers a request; an unknown method is `MethodNotFound`, and a
    /// handler that panics answers `InternalError` rather than ending the
    /// server.
    fn request(&mut self, req: Request) -> Response {
        let id = req.id.clone();
        let workspace = &self.workspace;
        catch_unwind(AssertUnwindSafe(|| match req.method.as_str() {
            HoverRequest::METHOD => answer::<HoverRequest>(req, |p| navigate::hover(workspace, p)),
            GotoDefinition::METHOD => {
                answer::<GotoDefinition>(req, |p| navigate::definition(workspace, p))
            }
            References::METHOD => answer::<References>(req, |p| navigate::references(workspace, p)),
            Completion::METHOD => answer::<Completion>(req, |p| complete::completion(workspace, p)),
            CodeActionRequest::METHOD => {
                answer::<CodeActionRequest>(req, |p| actions::code_actions(workspace, p))
            }
            Formatting::METHOD => answer::<Formatting>(req, |p| actions::format(workspace, p)),
            method => Response::new_err(
                req.id,
                ErrorCode::MethodNotFound as i32,
                format!("`{method}` is not supported"),
            ),
        }))
        .unwrap_or_else(|_| {
            Response::new_err(
                id,
                ErrorCode::InternalError as i32,
                "the server failed on this request".to_string(),
            )
        })
    }
}

/// Decodes `req`'s parameters for request type `R` and answers with
/// `handle`'s result; parameters that do not decode are `InvalidParams`.
fn answer<R: lsp_types::request::Request>(
    req: Request,
    handle: impl FnOnce(R::Params) -> R::Result,
) -> Response {
    match serde_json::from_value::<R::Params>(req.params) {
        Ok(params) => Response::new_ok(req.id, handle(params)),
        Err(e) => Response::new_err(
            req.id,
            ErrorCode::InvalidParams as i32,
            format!("invalid parameters for `{}`: {e}", R::METHOD),
        ),
    }
}

#[cfg(test)]
mod tests {
    //! Every request at every few bytes of every corpus spec, whole and cut
    //! in half, answered in-process: nothing may panic.

    use super::*;
    use lsp_types::{
        CodeActionContext, CodeActionParams, CompletionParams, DocumentFormattingParams,
        FormattingOptions, GotoDefinitionParams, HoverParams, PartialResultParams, Position, Range,
        ReferenceContext, ReferenceParams, TextDocumentIdentifier, TextDocumentPositionParams, Uri,
        WorkDoneProgressParams,
    };
    use std::path::Path;

    fn at(uri: &Uri, position: Position) -> TextDocumentPositionParams {
        TextDocumentPositionParams {
            text_document: TextDocumentIdentifier { uri: uri.clone() },
            position,
        }
    }

    /// Asks everything at `positions` of the document at `uri`.
    fn ask_everything(workspace: &Workspace, uri: &Uri, positions: &[Position]) {
        let id = TextDocumentIdentifier { uri: uri.clone() };
        for &position in positions {
            navigate::hover(
                workspace,
                HoverParams {
                    text_document_position_params: at(uri, position),
                    work_done_progress_params: WorkDoneProgressParams::default(),
                },
            );
            navigate::definition(
                workspace,
                GotoDefinitionParams {
                    text_document_position_params: at(uri, position),
                    work_done_progress_params: WorkDoneProgressParams::default(),
                    partial_result_params: PartialResultParams::default(),
                },
            );
            navigate::references(
                workspace,
                ReferenceParams {
                    text_document_position: at(uri, position),
                    work_done_progress_params: WorkDoneProgressParams::default(),
                    partial_result_params: PartialResultParams::default(),
                    context: ReferenceContext {
                        include_declaration: true,
                    },
                },
            );
            complete::completion(
                workspace,
                CompletionParams {
                    text_document_position: at(uri, position),
                    work_done_progress_params: WorkDoneProgressParams::default(),
                    partial_result_params: PartialResultParams::default(),
                    context: None,
                },
            );
        }
        let whole = Range {
            start: Position::default(),
            end: Position {
                line: u32::MAX,
                character: 0,
            },
        };
        actions::code_actions(
            workspace,
            CodeActionParams {
                text_document: id.clone(),
                range: whole,
                context: CodeActionContext::default(),
                work_done_progress_params: WorkDoneProgressParams::default(),
                partial_result_params: PartialResultParams::default(),
            },
        );
        actions::format(
            workspace,
            DocumentFormattingParams {
                text_document: id,
                options: FormattingOptions::default(),
                work_done_progress_params: WorkDoneProgressParams::default(),
            },
        );
    }

    #[test]
    fn no_request_panics_on_the_corpus_whole_or_cut() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs");
        let root = root.canonicalize().expect("the corpus");
        let mut specs = Vec::new();
        for dir in ["valid", "invalid"] {
            for entry in std::fs::read_dir(root.join(dir))
                .expect("a corpus folder")
                .flatten()
            {
                let path = entry.path();
                if path.extension().is_some_and(|e| e == "gati") {
                    specs.push(path);
                } else if path.join("main.gati").is_file() {
                    specs.push(path.join("main.gati"));
                }
            }
        }
        specs.sort();
        assert!(specs.len() > 50, "{specs:?}");
        for spec in specs {
            let full = std::fs::read_to_string(&spec).expect("a spec");
            let path = spec.to_string_lossy().replace('\\', "/");
            let uri = text::path_to_uri(&path).expect("an absolute path");
            for cut in [full.len(), full.len() / 2] {
                let mut cut = cut;
                while !full.is_char_boundary(cut) {
                    cut -= 1;
                }
                let source = &full[..cut];
                let mut workspace = Workspace::default();
                workspace.open(
                    path.clone(),
                    Document {
                        uri: uri.clone(),
                        text: source.to_string(),
                        version: 1,
                    },
                );
                workspace.analyse();
                // Whole, every 7 bytes; cut, every 40; and past the ends.
                let step = if cut == full.len() { 7 } else { 40 };
                let mut positions: Vec<Position> = (0..=source.len())
                    .step_by(step)
                    .map(|o| text::position(source, o))
                    .collect();
                positions.push(Position {
                    line: 0,
                    character: u32::MAX,
                });
                positions.push(text::position(source, source.len()));
                ask_everything(&workspace, &uri, &positions);
            }
        }
    }
}
