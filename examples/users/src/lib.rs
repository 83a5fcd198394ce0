//! Handlers for the users example: the whole API over an in-memory store.
//!
//! Everything else — routing, parameter parsing, validation, problem
//! responses, limits, health and metrics — is generated from `users.gati`.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::broadcast;
use users_api::runtime::{SetCookie, Bytes, Credential, Denied, Event, Events};
use users_api::time::OffsetDateTime;
use users_api::uuid::Uuid;
use users_api::{
    AddPhotoError, AddPhotoRequest, Api, Caller, CreatePostError, CreatePostRequest, CreateUserError, CreateUserHeaders,
    CreateUserRequest, Ctx, DeleteUserError, DeleteUserRequest, GetAvatarError, GetAvatarRequest,
    GetCardError, GetCardRequest, GetUserError, GetUserHeaders, GetUserRequest, ListPostsError,
    ListPostsRequest, NotFound, Photo, Post, PostPage, PutAvatarError, PutAvatarRequest, Rejected, Reply,
    Role, Taken, UpdateUserError, UpdateUserRequest, User, Change, UserEvent, UserEventsError, UserEventsRequest,
};

/// The bearer token the example accepts unless `USERS_API_TOKEN` says otherwise.
pub const DEFAULT_TOKEN: &str = "example-token";

/// The example's state: the tokens it accepts, users, their posts, and
/// answered idempotency keys.
pub struct App {
    /// Each accepted bearer token and who it stands for.
    tokens: BTreeMap<String, Caller>,
    store: Mutex<Store>,
    /// Users created and deleted, for the streams that follow them.
    changes: broadcast::Sender<(Change, User)>,
}

#[derive(Default)]
struct Store {
    users: BTreeMap<Uuid, User>,
    /// Every post, oldest first.
    posts: Vec<Post>,
    /// The user each `Idempotency-Key` created, shared with every replay of
    /// that request's answer.
    idempotency: BTreeMap<String, Arc<User>>,
    /// Each user's avatar, as uploaded (shared with every download, not copied).
    avatars: BTreeMap<Uuid, Bytes>,
    /// Each user's photos, with their bytes.
    photos: BTreeMap<Uuid, Vec<(Photo, Bytes)>>,
}

impl App {
    /// An empty store that accepts `token` as the operator's bearer token,
    /// with every scope.
    pub fn new(token: impl Into<String>) -> App {
        App {
            tokens: BTreeMap::new(),
            store: Mutex::new(Store::default()),
            // A stream that falls this far behind misses changes (and says so).
            changes: broadcast::channel(256).0,
        }
        .with_token(token, "operator", &["users:write", "users:admin"])
    }

    /// The same store, also accepting `token` for `name` with `scopes`.
    pub fn with_token(mut self, token: impl Into<String>, name: &str, scopes: &[&str]) -> App {
        let caller = Caller {
            name: name.to_owned(),
            scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
        };
        self.tokens.insert(token.into(), caller);
        self
    }

    fn store(&self) -> MutexGuard<'_, Store> {
        // A handler that panicked while holding the lock left consistent data
        // behind (every update is a single insert or remove), so keep going.
        self.store.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Api for App {
    async fn create_user(&self, _ctx: &Ctx, request: CreateUserRequest) -> Result<Reply<User, CreateUserHeaders>, CreateUserError> {
        let mut store = self.store();
        if let Some(user) = request
            .idempotency_key
            .as_ref()
            .and_then(|key| store.idempotency.get(key))
        {
            // A replay answers with the stored user itself, not a copy.
            let location = format!("/users/{}", user.id);
            return Ok(Reply::shared(Arc::clone(user)).headers(CreateUserHeaders { location }));
        }
        let new = request.body;
        for user in store.users.values() {
            if user.handle == new.handle {
                return Err(Taken { field: "handle".into() }.into());
            }
            if user.email.eq_ignore_ascii_case(&new.email) {
                return Err(Taken { field: "email".into() }.into());
            }
        }
        let role = if store.users.is_empty() { Role::Admin } else { Role::Reader };
        let user = User {
            id: new_id(),
            handle: new.handle,
            email: new.email,
            display_name: new.display_name,
            bio: new.bio,
            role,
            website: new.website,
            created_at: OffsetDateTime::now_utc(),
        };
        store.users.insert(user.id, user.clone());
        // Sent under the lock, so a stream that subscribes while listing the
        // store sees each change once: in the list or as an event.
        let _ = self.changes.send((Change::Created, user.clone()));
        if let Some(key) = request.idempotency_key {
            store.idempotency.insert(key, Arc::new(user.clone()));
        }
        let location = format!("/users/{}", user.id);
        // A browser that signs a user up remembers who it made, for a day,
        // in a cookie scripts cannot read (`Secure`, `HttpOnly` and
        // `SameSite=Lax` are the defaults).
        let cookie = SetCookie::new("last_created", user.id.to_string())
            .path(Some("/users"))
            .max_age(std::time::Duration::from_secs(24 * 60 * 60));
        Ok(Reply::new(user).headers(CreateUserHeaders { location }).cookie(cookie))
    }

    async fn get_user(&self, _ctx: &Ctx, request: GetUserRequest) -> Result<Reply<User, GetUserHeaders>, GetUserError> {
        let user = self.store().users.get(&request.id).cloned();
        let user = user.ok_or(NotFound { id: request.id })?;
        // The generated code answers 304 when `If-None-Match` names it.
        let etag = revision(&user);
        Ok(Reply::new(user).headers(GetUserHeaders { etag }))
    }

    async fn update_user(&self, _ctx: &Ctx, request: UpdateUserRequest) -> Result<Reply<User>, UpdateUserError> {
        let mut store = self.store();
        let user = store
            .users
            .get_mut(&request.id)
            .ok_or(NotFound { id: request.id })?;
        if let Some(name) = request.body.display_name {
            user.display_name = name;
        }
        if let Some(bio) = request.body.bio {
            user.bio = bio;
        }
        Ok(user.clone().into())
    }

    async fn delete_user(&self, _ctx: &Ctx, request: DeleteUserRequest) -> Result<(), DeleteUserError> {
        let mut store = self.store();
        let user = store.users.get(&request.id).ok_or(NotFound { id: request.id })?;
        let admins = store.users.values().filter(|u| u.role == Role::Admin).count();
        if user.role == Role::Admin && admins == 1 {
            return Err(Rejected {
                reason: "the last admin cannot be deleted".into(),
            }
            .into());
        }
        if let Some(user) = store.users.remove(&request.id) {
            let _ = self.changes.send((Change::Deleted, user));
        }
        store.avatars.remove(&request.id);
        store.posts.retain(|p| p.author_id != request.id);
        Ok(())
    }

    async fn list_posts(&self, _ctx: &Ctx, request: ListPostsRequest) -> Result<Reply<PostPage>, ListPostsError> {
        let store = self.store();
        if !store.users.contains_key(&request.id) {
            return Err(NotFound { id: request.id }.into());
        }
        // The cursor is the number of matching posts already seen.
        let skip: usize = request
            .cursor
            .as_deref()
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let limit = usize::try_from(request.limit).unwrap_or(20);
        let mut matching = store
            .posts
            .iter()
            .rev()
            .filter(|p| p.author_id == request.id)
            .filter(|p| request.tag.as_ref().is_none_or(|t| p.tags.contains(t)))
            .skip(skip);
        let items: Vec<Post> = matching.by_ref().take(limit).cloned().collect();
        let next_cursor = matching.next().map(|_| (skip + items.len()).to_string());
        Ok(PostPage { items, next_cursor }.into())
    }

    async fn create_post(&self, _ctx: &Ctx, request: CreatePostRequest) -> Result<Reply<Post>, CreatePostError> {
        let mut store = self.store();
        if !store.users.contains_key(&request.id) {
            return Err(NotFound { id: request.id }.into());
        }
        let post = Post {
            id: new_id(),
            author_id: request.id,
            title: request.body.title,
            body: request.body.body,
            tags: request.body.tags,
            published_at: OffsetDateTime::now_utc(),
        };
        store.posts.push(post.clone());
        Ok(post.into())
    }

    async fn put_avatar(&self, _ctx: &Ctx, request: PutAvatarRequest) -> Result<(), PutAvatarError> {
        let mut store = self.store();
        if !store.users.contains_key(&request.id) {
            return Err(NotFound { id: request.id }.into());
        }
        store.avatars.insert(request.id, request.body);
        Ok(())
    }

    async fn get_avatar(&self, _ctx: &Ctx, request: GetAvatarRequest) -> Result<Reply<Bytes>, GetAvatarError> {
        let store = self.store();
        match store.avatars.get(&request.id) {
            Some(avatar) => Ok(avatar.clone().into()),
            None => Err(NotFound { id: request.id }.into()),
        }
    }

    async fn get_card(&self, _ctx: &Ctx, request: GetCardRequest) -> Result<Reply<String>, GetCardError> {
        let store = self.store();
        let user = store.users.get(&request.id).ok_or(NotFound { id: request.id })?;
        Ok(format!("{} (@{})\n", user.display_name, user.handle).into())
    }

    async fn add_photo(&self, _ctx: &Ctx, request: AddPhotoRequest) -> Result<Reply<Photo>, AddPhotoError> {
        let mut store = self.store();
        if !store.users.contains_key(&request.id) {
            return Err(NotFound { id: request.id }.into());
        }
        let form = request.body;
        let photo = Photo {
            id: new_id(),
            filename: form.photo.filename,
            content_type: form.photo.content_type,
            size: i64::try_from(form.photo.bytes.len()).unwrap_or(i64::MAX),
            caption: form.caption,
        };
        store.photos.entry(request.id).or_default().push((photo.clone(), form.photo.bytes));
        Ok(photo.into())
    }

    async fn user_events(&self, _ctx: &Ctx, request: UserEventsRequest) -> Result<Reply<Events<UserEvent>>, UserEventsError> {
        // At most 16 events wait for a slow client; the producer then waits too.
        let (sender, events) = Events::channel(16);
        let (existing, mut changes) = {
            let store = self.store();
            (store.users.values().cloned().collect::<Vec<User>>(), self.changes.subscribe())
        };
        let follow = request.follow;
        tokio::spawn(async move {
            for user in existing {
                if sender.send(user_event(Change::Existing, user)).await.is_err() {
                    return;
                }
            }
            if !follow {
                return;
            }
            loop {
                let change = tokio::select! {
                    () = sender.closed() => return,
                    change = changes.recv() => change,
                };
                match change {
                    Ok((change, user)) => {
                        if sender.send(user_event(change, user)).await.is_err() {
                            return;
                        }
                    }
                    // Fell behind: the client must list again, so end the
                    // stream rather than skip changes silently.
                    Err(_) => return,
                }
            }
        });
        Ok(Reply::new(events))
    }

    async fn authenticate(&self, _ctx: &Ctx, credential: Credential<'_>) -> Result<Caller, Denied> {
        // Routes' scopes (`delete_user` needs `users:admin`) are checked by
        // the generated code against the caller returned here.
        self.tokens
            .get(credential.secret())
            .cloned()
            .ok_or_else(|| Denied::rejected(credential))
    }
}

/// One event of `user_events`, with the user's id as its event id.
fn user_event(change: Change, user: User) -> Event<UserEvent> {
    let id = user.id.to_string();
    // A UUID's text has no line break, so the id is always accepted.
    Event::new(UserEvent { change, user }).with_id(id).unwrap_or_else(|bad| bad.into_event())
}

/// A new random id: the runtime's version 4 UUID, as the `uuid` crate's
/// type that the API's fields use.
fn new_id() -> Uuid {
    Uuid::from(users_api::runtime::Uuid::new_v4())
}

/// A user's revision as an entity tag: a hash of every field, so any change
/// gives a new tag (within this process, which is as long as the store lives).
fn revision(user: &User) -> String {
    use std::hash::{DefaultHasher, Hasher};
    let mut hasher = DefaultHasher::new();
    hasher.write(format!("{user:?}").as_bytes());
    format!("\"{:016x}\"", hasher.finish())
}
