//! Handlers for the notes example: each caller's notes, in memory.
//!
//! The generated server has verified the caller's JSON Web Token before any
//! handler runs; `ctx.principal()` is its claims, as the spec's `Caller`.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use notes_api::uuid::Uuid;
use notes_api::{
    Api, Caller, CreateNoteError, CreateNoteHeaders, CreateNoteRequest, Ctx, DeleteNoteError,
    DeleteNoteRequest, GetNoteError, GetNoteRequest, Note, NotFound, Reply,
};

/// Every note, with the subject that wrote it.
#[derive(Default)]
pub struct App {
    notes: Mutex<BTreeMap<Uuid, (String, Note)>>,
}

impl App {
    fn notes(&self) -> MutexGuard<'_, BTreeMap<Uuid, (String, Note)>> {
        // Every update is one insert or remove: a panic left nothing half done.
        self.notes.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The caller: every route of this API authenticates, so the generated
/// code has put a principal in the context before the handler runs.
fn caller(ctx: &Ctx) -> &str {
    ctx.principal().map_or("", |caller: &Caller| caller.sub.as_str())
}

impl Api for App {
    async fn create_note(&self, ctx: &Ctx, request: CreateNoteRequest) -> Result<Reply<Note, CreateNoteHeaders>, CreateNoteError> {
        let note = Note { id: notes_api::runtime::Uuid::new_v4().into(), text: request.body.text };
        self.notes().insert(note.id, (caller(ctx).to_owned(), note.clone()));
        let location = format!("/notes/{}", note.id);
        Ok(Reply::new(note).headers(CreateNoteHeaders { location }))
    }

    async fn get_note(&self, ctx: &Ctx, request: GetNoteRequest) -> Result<Reply<Note>, GetNoteError> {
        match self.notes().get(&request.id) {
            // Another subject's note is as absent as one that never was.
            Some((owner, note)) if owner == caller(ctx) => Ok(note.clone().into()),
            _ => Err(NotFound { id: request.id }.into()),
        }
    }

    async fn delete_note(&self, _ctx: &Ctx, request: DeleteNoteRequest) -> Result<(), DeleteNoteError> {
        // Only tokens with `notes:admin` get here: the route's scopes were
        // checked with the token.
        match self.notes().remove(&request.id) {
            Some(_) => Ok(()),
            None => Err(NotFound { id: request.id }.into()),
        }
    }
}
