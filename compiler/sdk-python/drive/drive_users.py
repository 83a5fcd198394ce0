"""Drives every route of the users example through the generated Python SDK.

Run against a running example server whose base URL is in GATI_TEST_BASE_URL,
with the SDK generated from examples/users/users.gati on PYTHONPATH (the
`drive` test of gatic-sdk-python does both). Checks typed success values,
typed response headers (`Location`, `ETag`), bodies that are not JSON (an
avatar's bytes, a card's text, a photo's multipart form), server-sent events
(`user_events`, read to its end, then followed while a user is created and
deleted), typed errors with their problem payloads, and the Gati-Version
round trip.
Exits non-zero on the first failed check.
"""

from __future__ import annotations

import os
import sys
import threading
import typing
import uuid

from users_client import (
    API_VERSION,
    Answer,
    ApiError,
    Change,
    CreateUserHeaders,
    EventStream,
    FileUpload,
    GetUserHeaders,
    ImageBody,
    NewPost,
    NewUser,
    NotFound,
    Post,
    Photo,
    PostBodyImage,
    PostBodyText,
    Rejected,
    Response,
    RetryPolicy,
    Role,
    Taken,
    TextBody,
    UserEvent,
    UserPatch,
    UsersClient,
)

TOKEN = "example-token"

T = typing.TypeVar("T")
E = typing.TypeVar("E", bound=BaseException)

checks = 0


def check(condition: bool, what: str) -> None:
    global checks
    if not condition:
        print(f"FAIL: {what}", file=sys.stderr)
        sys.exit(1)
    checks += 1


def raises(kind: typing.Type[E], call: typing.Callable[[], object], what: str) -> E:
    """Runs `call`, which must raise `kind` (and nothing else)."""
    try:
        call()
    except kind as err:
        return err
    except Exception as err:  # noqa: BLE001 - reported as a failed check
        check(False, f"{what}: expected {kind.__name__}, got {type(err).__name__}: {err}")
        raise
    check(False, f"{what}: expected {kind.__name__}, nothing was raised")
    raise AssertionError


def main() -> None:
    base_url = os.environ.get("GATI_TEST_BASE_URL")
    if not base_url:
        sys.exit("set GATI_TEST_BASE_URL to the users example server's URL")
    responses: typing.List[Response] = []
    client = UsersClient(base_url, token=TOKEN, on_response=responses.append)
    anonymous = UsersClient(base_url, retry=RetryPolicy(max_attempts=1))
    run = uuid.uuid4().hex[:8]

    # create_user: 201 User with a Location header; the first user is an
    # admin, later ones readers.
    ada_new = NewUser(
        handle=f"ada_{run}",
        email=f"ada_{run}@example.com",
        display_name="Ada Lovelace",
        website="https://ada.example.com",
    )
    created = client.create_user(ada_new, idempotency_key=f"key-{run}")
    ada = created.body
    check(
        isinstance(created, Answer) and isinstance(created.headers, CreateUserHeaders),
        "create_user answers with its body and headers",
    )
    check(
        created.headers.location == f"/users/{ada.id}",
        f"Location is the new user's path, got {created.headers.location!r}",
    )
    check(ada.handle == ada_new.handle and ada.email == ada_new.email, "create_user echoes the fields")
    check(isinstance(ada.id, uuid.UUID), "User.id is a UUID")
    check(ada.created_at.tzinfo is not None, "User.created_at is timezone-aware")
    check(ada.bio is None and ada.website == "https://ada.example.com", "bio defaults to null; website kept")
    fresh = ada.role == Role.ADMIN
    check(ada.role in (Role.ADMIN, Role.READER), f"role is a known Role, got {ada.role!r}")
    if not fresh:
        print("note: the server was not fresh, so the first user here is not its first user")

    # The Gati-Version header: sent on every request, echoed by the server.
    echoed = responses[-1].header("Gati-Version")
    if echoed is None:
        print("note: the server does not echo Gati-Version; not asserted")
    else:
        check(echoed == API_VERSION, f"server answered at {echoed}, SDK sent {API_VERSION}")

    # A repeated Idempotency-Key returns the first response.
    again = client.create_user(ada_new, idempotency_key=f"key-{run}")
    check(again.body.id == ada.id, "a repeated Idempotency-Key returns the first user")
    check(again.headers.location == created.headers.location, "and the first Location")

    bob_created = client.create_user(
        NewUser(handle=f"bob_{run}", email=f"bob_{run}@example.com", display_name="Bob", bio="Hi.")
    )
    bob = bob_created.body
    check(bob_created.headers.location == f"/users/{bob.id}", "Location names bob")
    check(bob.role == Role.READER, f"later users are readers, got {bob.role!r}")
    check(bob.bio == "Hi." and bob.website is None, "bob's bio set, website absent")

    # user_events without follow: one `existing` event per user, in the
    # store's order (by id), each with the user's id as its event id; the
    # stream then ends by itself.
    with anonymous.user_events() as listed:
        check(isinstance(listed, EventStream), "user_events returns an EventStream")
        check(
            listed.response.header("Content-Type") == "text/event-stream",
            f"user_events answers with text/event-stream, got {listed.response.header('Content-Type')!r}",
        )
        existing: typing.List[UserEvent] = []
        ids: typing.List[str] = []
        for event in listed:
            existing.append(event)
            ids.append(listed.last_event_id)
    check(listed.closed, "the stream without follow ends by itself")
    check(all(e.change == Change.EXISTING for e in existing), "every event is `existing`")
    check(ids == [str(e.user.id) for e in existing], f"each event's id is its user's id: {ids}")
    check(
        [e.user.id for e in existing] == sorted(e.user.id for e in existing),
        "the users come in the store's order, by id",
    )
    by_id = {e.user.id: e.user for e in existing}
    check(by_id.get(ada.id) == ada and by_id.get(bob.id) == bob, "ada and bob are among them, as created")

    # user_events with follow: the existing users, then each change as it
    # happens. A watchdog closes the stream (from its own thread) so that a
    # missing event fails the check instead of hanging.
    followed = anonymous.user_events(follow=True)
    watchdog = threading.Timer(20.0, followed.close)
    watchdog.start()
    try:
        replayed = [next(followed, None) for _ in existing]
        check(
            [e.user.id if e else None for e in replayed] == [e.user.id for e in existing],
            "following starts with the same existing users",
        )
        carol = client.create_user(
            NewUser(handle=f"carol_{run}", email=f"carol_{run}@example.com", display_name="Carol")
        ).body
        created_event = next(followed, None)
        check(
            created_event is not None
            and created_event.change == Change.CREATED
            and created_event.user == carol,
            f"carol's creation arrives as a `created` event, got {created_event!r}",
        )
        check(followed.last_event_id == str(carol.id), f"its event id is carol's id, got {followed.last_event_id!r}")
        client.delete_user(carol.id)
        deleted_event = next(followed, None)
        check(
            deleted_event is not None
            and deleted_event.change == Change.DELETED
            and deleted_event.user.id == carol.id,
            f"carol's deletion arrives as a `deleted` event, got {deleted_event!r}",
        )
    finally:
        watchdog.cancel()
        followed.close()
    check(followed.closed and next(followed, None) is None, "a closed stream yields nothing more")

    # 409 Taken{field}.
    taken = raises(
        Taken,
        lambda: client.create_user(
            NewUser(handle=ada.handle, email=f"other_{run}@example.com", display_name="X")
        ),
        "a taken handle",
    )
    check(taken.status == 409 and taken.field == "handle", f"Taken.field is handle, got {taken.field!r}")
    check(taken.problem.type == "urn:problem:users:taken", f"problem type {taken.problem.type!r}")
    check(taken.problem.title == "Taken", "problem title is the error's name")
    taken = raises(
        Taken,
        lambda: client.create_user(NewUser(handle=f"other_{run}", email=ada.email, display_name="X")),
        "a taken email",
    )
    check(taken.field == "email", f"Taken.field is email, got {taken.field!r}")

    # 422 validation failure, with violations.
    invalid = raises(
        ApiError,
        lambda: client.create_user(NewUser(handle="A!", email=f"v_{run}@example.com", display_name="V")),
        "an invalid handle",
    )
    check(invalid.status == 422 and not isinstance(invalid, Rejected), f"validation is a plain 422, got {invalid!r}")
    check(
        any(v.pointer == "/handle" and v.location == "body" for v in invalid.violations),
        f"a violation points at /handle: {invalid.violations}",
    )

    # 401 without a token on a write route; reads are public.
    unauthorized = raises(
        ApiError,
        lambda: anonymous.create_user(NewUser(handle=f"eve_{run}", email=f"eve_{run}@example.com", display_name="E")),
        "a write without a token",
    )
    check(unauthorized.status == 401, f"no token: 401, got {unauthorized.status}")

    # get_user: User with an ETag, or 404 NotFound{id}.
    fetched = anonymous.get_user(ada.id)
    check(fetched.body == ada, "get_user returns the created user (no token needed)")
    check(isinstance(fetched.headers, GetUserHeaders), "get_user answers with its headers")
    etag = fetched.headers.etag
    check(isinstance(etag, str) and etag != "", f"get_user has a non-empty ETag, got {etag!r}")
    check(anonymous.get_user(ada.id).headers.etag == etag, "the ETag is stable while the user is unchanged")
    missing = uuid.uuid4()
    not_found = raises(NotFound, lambda: client.get_user(missing), "get_user of an unknown id")
    check(not_found.status == 404 and not_found.id == missing, f"NotFound.id is the id asked for, got {not_found.id}")

    # update_user: absent fields unchanged, a null bio removes it.
    updated = client.update_user(ada.id, UserPatch(display_name="Countess Lovelace"))
    check(updated.display_name == "Countess Lovelace" and updated.bio is None, "PATCH changes display_name only")
    check(client.get_user(ada.id).headers.etag != etag, "the ETag changes with the user")
    updated = client.update_user(ada.id, UserPatch(bio="Analyst."))
    check(updated.bio == "Analyst." and updated.display_name == "Countess Lovelace", "PATCH sets bio only")
    updated = client.update_user(ada.id, UserPatch())
    check(updated.bio == "Analyst.", "an empty PATCH changes nothing")
    updated = client.update_user(ada.id, UserPatch(bio=None))
    check(updated.bio is None, "a null bio removes it")
    check(updated.handle == ada.handle and updated.created_at == ada.created_at, "PATCH keeps other fields")
    raises(NotFound, lambda: client.update_user(missing, UserPatch(bio=None)), "update_user of an unknown id")

    # put_avatar / get_avatar: bytes as they are, here not UTF-8; get_card:
    # text. Errors stay problem+json.
    png = b"\x89PNG\r\n\x1a\n"
    raises(NotFound, lambda: anonymous.get_avatar(ada.id), "get_avatar before an upload")
    client.put_avatar(ada.id, png)
    avatar: bytes = client.get_avatar(ada.id)
    check(isinstance(avatar, bytes) and avatar == png, f"get_avatar returns the bytes put, got {avatar!r}")
    content_type = responses[-1].header("Content-Type")
    check(content_type == "image/png", f"the avatar comes back as image/png, got {content_type!r}")
    client.put_avatar(ada.id, bytearray(png[::-1]))
    check(anonymous.get_avatar(ada.id) == png[::-1], "a bytearray is sent as is, and replaces the avatar")
    client.put_avatar(ada.id, memoryview(png))
    check(anonymous.get_avatar(ada.id) == png, "a memoryview is sent as is")
    card: str = anonymous.get_card(ada.id)
    check(
        card == f"{updated.display_name} (@{ada.handle})\n",
        f"get_card is the display name and handle, got {card!r}",
    )
    avatar_missing = raises(NotFound, lambda: client.put_avatar(missing, png), "put_avatar of an unknown user")
    check(avatar_missing.id == missing, "NotFound.id on put_avatar")
    raises(NotFound, lambda: anonymous.get_avatar(missing), "get_avatar of an unknown user")
    card_missing = raises(NotFound, lambda: anonymous.get_card(missing), "get_card of an unknown user")
    check(card_missing.id == missing, "NotFound.id on get_card")
    no_token = raises(ApiError, lambda: anonymous.put_avatar(ada.id, png), "put_avatar without a token")
    check(no_token.status == 401, f"put_avatar without a token: 401, got {no_token.status}")

    # add_photo: a multipart form, the file's own media type checked against
    # `image/*` (a text file is a 400), the caption optional.
    photo = client.add_photo(ada.id, photo=FileUpload(png, "image/png", filename="cat.png"), caption="A cat")
    check(isinstance(photo, Photo) and isinstance(photo.id, uuid.UUID), f"add_photo returns a Photo, got {photo!r}")
    check(
        photo.content_type == "image/png" and photo.size == 8 and photo.caption == "A cat",
        f"the photo is the 8 bytes of image/png with its caption, got {photo!r}",
    )
    check(photo.filename == "cat.png", f"the file name is kept, got {photo.filename!r}")
    bare = client.add_photo(ada.id, photo=FileUpload(png[::-1], "image/webp"))
    check(
        bare.caption is None and bare.filename is None and bare.content_type == "image/webp" and bare.id != photo.id,
        f"a photo without a caption or file name, got {bare!r}",
    )
    refused = raises(
        ApiError,
        lambda: client.add_photo(ada.id, photo=FileUpload(b"not an image", "text/plain"), caption="A cat"),
        "a text/plain photo",
    )
    check(refused.status == 400 and not isinstance(refused, NotFound), f"a text/plain photo: 400, got {refused!r}")
    check(
        any(v.pointer == "/photo" and v.location == "body" for v in refused.violations),
        f"a violation points at the photo part: {refused.violations}",
    )
    photo_missing = raises(
        NotFound, lambda: client.add_photo(missing, photo=FileUpload(png, "image/png")), "add_photo for an unknown user"
    )
    check(photo_missing.id == missing, "NotFound.id on add_photo")
    photo_denied = raises(
        ApiError, lambda: anonymous.add_photo(ada.id, photo=FileUpload(png, "image/png")), "add_photo without a token"
    )
    check(photo_denied.status == 401, f"add_photo without a token: 401, got {photo_denied.status}")

    # create_post: 201 Post; tags default to []; 404 for an unknown user.
    text = client.create_post(
        ada.id,
        NewPost(title="Notes", body=PostBodyText(TextBody(markdown="# Engine")), tags=["math", "engines"]),
    )
    check(text.author_id == ada.id and text.title == "Notes", "create_post sets the author")
    check(isinstance(text.body, PostBodyText) and text.body.value.markdown == "# Engine", "a text body round-trips")
    check(text.tags == ["math", "engines"], "tags kept")
    image = client.create_post(
        ada.id,
        NewPost(
            title="Portrait",
            body=PostBodyImage(ImageBody(image_url="https://img.example.com/ada.png", width=640, caption="Ada")),
        ),
    )
    check(image.tags == [], "tags default to []")
    body = image.body
    check(
        isinstance(body, PostBodyImage) and body.value.width == 640 and body.value.caption == "Ada",
        f"an image body round-trips: {body!r}",
    )
    missing_author = raises(
        NotFound,
        lambda: client.create_post(missing, NewPost(title="X", body=PostBodyText(TextBody(markdown="x")))),
        "create_post for an unknown user",
    )
    check(missing_author.id == missing, "NotFound.id names the unknown user")

    # list_posts: newest first, limit, opaque cursor, tag filter, 404.
    page = anonymous.list_posts(ada.id)
    check([p.id for p in page.items] == [image.id, text.id], "list_posts is newest first")
    check(page.next_cursor is None, "one page: no next_cursor")
    seen: typing.List[Post] = []
    first = client.list_posts(ada.id, limit=1)
    check(len(first.items) == 1 and first.next_cursor is not None, "limit=1 gives one post and a cursor")
    seen.extend(first.items)
    second = client.list_posts(ada.id, limit=1, cursor=first.next_cursor)
    seen.extend(second.items)
    check([p.id for p in seen] == [image.id, text.id], "the cursor continues where the page ended")
    if second.next_cursor is not None:
        check(client.list_posts(ada.id, limit=1, cursor=second.next_cursor).items == [], "nothing after the last post")
    tagged = client.list_posts(ada.id, tag="math")
    check([p.id for p in tagged.items] == [text.id], "the tag filter")
    check(client.list_posts(bob.id).items == [], "bob has no posts")
    raises(NotFound, lambda: client.list_posts(missing), "list_posts of an unknown user")

    # delete_user: 204; 404 when unknown; 422 Rejected for the last admin.
    client.put_avatar(bob.id, png)
    client.delete_user(bob.id)
    raises(NotFound, lambda: client.get_user(bob.id), "a deleted user is gone")
    raises(NotFound, lambda: client.get_avatar(bob.id), "and so is their avatar")
    gone = raises(NotFound, lambda: client.delete_user(bob.id), "deleting an unknown user")
    check(gone.id == bob.id, "NotFound.id on delete")
    if fresh:
        rejected = raises(Rejected, lambda: client.delete_user(ada.id), "deleting the last admin")
        check(rejected.status == 422 and bool(rejected.reason), f"Rejected carries a reason: {rejected.reason!r}")
        check(client.get_user(ada.id).body.id == ada.id, "the last admin is still there")
    else:
        client.delete_user(ada.id)
    check(all(r.header("X-Request-Id") for r in responses), "every response has X-Request-Id")

    print(f"drive: {checks} checks passed against {base_url} (API version {API_VERSION})")


if __name__ == "__main__":
    main()
