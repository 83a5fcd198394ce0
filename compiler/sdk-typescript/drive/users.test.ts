// The drive: every route of the users example, called through the SDK
// generated from examples/users/users.gati, against a running server whose
// base URL is in GATI_TEST_BASE_URL. It checks typed results and declared
// response headers, bytes and text bodies, multipart forms, server-sent
// event streams, typed errors with their problem payloads, and the
// Gati-Version header on every request.
//
// The server may already hold data (other SDKs' drives share it), so every
// handle and email is unique to this run, and the one check that depends on
// being first (deleting the only admin) runs only when this run's first user
// became the admin.

import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import {
  API_VERSION,
  ApiError,
  NotFoundError,
  RejectedError,
  TakenError,
  UsersClient,
  type NewUser,
  type Post,
  type User,
  type UserEvent,
} from "../src/index.js";

const baseUrl = process.env["GATI_TEST_BASE_URL"];
const run = randomUUID().slice(0, 8);

/** Every request's `Gati-Version` header and every response's. */
const sent: (string | null)[] = [];
const echoed: (string | null)[] = [];

async function recordingFetch(input: string, init: RequestInit): Promise<Response> {
  sent.push(new Headers(init.headers).get("gati-version"));
  const response = await fetch(input, init);
  echoed.push(response.headers.get("gati-version"));
  return response;
}

function client(token?: string): UsersClient {
  assert.ok(baseUrl, "set GATI_TEST_BASE_URL to the users example server's base URL");
  return new UsersClient({
    baseUrl,
    ...(token === undefined ? {} : { token }),
    fetch: recordingFetch,
    timeoutMs: 10_000,
  });
}

const api = client("example-token");
const anonymous = client();

function newUser(name: string): NewUser {
  return {
    handle: `${name}_${run}`,
    email: `${name}.${run}@example.com`,
    display_name: `${name} ${run}`,
  };
}

/** The error a call rejects with. */
async function failure(call: Promise<unknown>): Promise<unknown> {
  try {
    await call;
  } catch (error) {
    return error;
  }
  assert.fail("the call succeeded but should have failed");
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let first: User;
let second: User;
const posts: Post[] = [];

test("create_user: 201 User and Location, roles, defaults and idempotent replays", async () => {
  const key = `key-${run}`;
  const created = await api.createUser(newUser("ada"), { idempotency_key: key });
  first = created.body;
  assert.match(first.id, UUID);
  assert.equal(created.headers.location, "/users/" + first.id);
  assert.equal(first.handle, `ada_${run}`);
  assert.equal(first.email, `ada.${run}@example.com`);
  assert.equal(first.display_name, `ada ${run}`);
  assert.equal(first.bio, null, "bio defaults to null");
  assert.equal(first.website, undefined);
  assert.ok(first.role === "admin" || first.role === "reader", `role ${first.role}`);
  assert.ok(!Number.isNaN(Date.parse(first.created_at)), first.created_at);

  const replay = await api.createUser(newUser("ada"), { idempotency_key: key });
  assert.deepEqual(replay, created, "a repeated Idempotency-Key returns the first response");

  const grace = await api.createUser({
    ...newUser("grace"),
    bio: "Compilers.",
    website: "https://example.com/grace",
  });
  second = grace.body;
  assert.equal(grace.headers.location, "/users/" + second.id);
  assert.equal(second.role, "reader", "only the first user is an admin");
  assert.equal(second.bio, "Compilers.");
  assert.equal(second.website, "https://example.com/grace");
  assert.notEqual(second.id, first.id);
});

test("create_user: 409 Taken names the field", async () => {
  const handle = await failure(api.createUser({ ...newUser("other"), handle: first.handle }));
  assert.ok(handle instanceof TakenError, String(handle));
  assert.equal(handle.status, 409);
  assert.equal(handle.problem.type, "urn:problem:users:taken");
  assert.equal(handle.problem.title, "Taken");
  assert.equal(handle.problem.field, "handle");

  const email = await failure(api.createUser({ ...newUser("other"), email: first.email }));
  assert.ok(email instanceof TakenError, String(email));
  assert.equal(email.problem.field, "email");
});

test("create_user: 422 with violations for an invalid body", async () => {
  const error = await failure(api.createUser({ ...newUser("bad"), handle: "A!" }));
  assert.ok(error instanceof ApiError, String(error));
  assert.ok(!(error instanceof RejectedError), "a validation failure is not the declared Rejected");
  assert.equal(error.status, 422);
  assert.ok(error.violations.length > 0, "lists the violations");
  const handle = error.violations.find((v) => v.pointer === "/handle");
  assert.ok(handle, JSON.stringify(error.problem));
  assert.equal(handle.location, "body");
  assert.equal(typeof handle.rule, "string");
  assert.equal(typeof handle.message, "string");
});

test("writes without a token answer 401", async () => {
  const error = await failure(anonymous.createUser(newUser("nobody")));
  assert.ok(error instanceof ApiError, String(error));
  assert.equal(error.status, 401);
  assert.equal(typeof error.problem.title, "string");

  const patch = await failure(anonymous.updateUser(first.id, { display_name: "x" }));
  assert.ok(patch instanceof ApiError);
  assert.equal(patch.status, 401);
});

test("get_user: User and ETag, or 404 NotFound with the id", async () => {
  const fetched = await anonymous.getUser(first.id);
  assert.deepEqual(fetched.body, first, "get_user needs no token");
  assert.equal(typeof fetched.headers.etag, "string");
  assert.ok(fetched.headers.etag.length > 0, "a non-empty ETag");
  const missing = randomUUID();
  const error = await failure(api.getUser(missing));
  assert.ok(error instanceof NotFoundError, String(error));
  assert.equal(error.status, 404);
  assert.equal(error.problem.type, "urn:problem:users:not-found");
  assert.equal(error.problem.title, "NotFound");
  assert.equal(error.problem.status, 404);
  assert.equal(error.problem.id, missing);
});

test("update_user: absent fields stay, a null bio is removed", async () => {
  const renamed = await api.updateUser(second.id, { display_name: "Grace H." });
  assert.equal(renamed.display_name, "Grace H.");
  assert.equal(renamed.bio, "Compilers.", "an absent bio is unchanged");
  assert.equal(renamed.handle, second.handle);

  const unchanged = await api.updateUser(second.id, {});
  assert.deepEqual(unchanged, renamed);

  const cleared = await api.updateUser(second.id, { bio: null });
  assert.equal(cleared.bio, null);
  assert.equal(cleared.display_name, "Grace H.");
  assert.deepEqual((await api.getUser(second.id)).body, cleared);

  const missing = randomUUID();
  const error = await failure(api.updateUser(missing, { bio: "x" }));
  assert.ok(error instanceof NotFoundError, String(error));
  assert.equal(error.problem.id, missing);
});

test("create_post: 201 Post with default tags, and 404 for an unknown user", async () => {
  const text = await api.createPost(second.id, {
    title: "Hello",
    body: { kind: "text", markdown: "# Hi" },
  });
  assert.match(text.id, UUID);
  assert.equal(text.author_id, second.id);
  assert.deepEqual(text.tags, [], "tags default to []");
  assert.ok(!Number.isNaN(Date.parse(text.published_at)));
  assert.equal(text.body.kind, "text");
  if (text.body.kind === "text") {
    assert.equal(text.body.markdown, "# Hi");
  }
  posts.push(text);

  const image = await api.createPost(second.id, {
    title: "A picture",
    body: { kind: "image", image_url: "https://example.com/a.png", width: 640, caption: "A" },
    tags: ["photo"],
  });
  assert.equal(image.body.kind, "image");
  if (image.body.kind === "image") {
    assert.equal(image.body.width, 640);
    assert.equal(image.body.caption, "A");
  }
  assert.deepEqual(image.tags, ["photo"]);
  posts.push(image);

  posts.push(
    await api.createPost(second.id, {
      title: "Third",
      body: { kind: "text", markdown: "3" },
      tags: ["photo", "late"],
    }),
  );

  const missing = randomUUID();
  const error = await failure(
    api.createPost(missing, { title: "x", body: { kind: "text", markdown: "x" } }),
  );
  assert.ok(error instanceof NotFoundError, String(error));
  assert.equal(error.problem.id, missing);
});

test("list_posts: newest first, limit, cursor, tag, and 404", async () => {
  const newestFirst = [...posts].reverse().map((p) => p.id);
  const all = await anonymous.listPosts(second.id);
  assert.deepEqual(all.items.map((p) => p.id), newestFirst, "default limit 20 fits all");
  assert.equal(all.next_cursor, undefined);
  assert.deepEqual(all.items[0], posts[2]);

  const page1 = await api.listPosts(second.id, { limit: 2 });
  assert.deepEqual(page1.items.map((p) => p.id), newestFirst.slice(0, 2));
  assert.equal(typeof page1.next_cursor, "string");
  const page2 = await api.listPosts(second.id, { limit: 2, cursor: page1.next_cursor });
  assert.deepEqual(page2.items.map((p) => p.id), newestFirst.slice(2));
  assert.equal(page2.next_cursor, undefined);

  const tagged = await api.listPosts(second.id, { tag: "photo" });
  assert.deepEqual(tagged.items.map((p) => p.id), [posts[2]?.id, posts[1]?.id]);

  const empty = await api.listPosts(first.id);
  assert.deepEqual(empty.items, []);

  const invalid = await failure(api.listPosts(second.id, { limit: 0 }));
  assert.ok(invalid instanceof ApiError);
  assert.ok(invalid.status === 400 || invalid.status === 422, `status ${invalid.status}`);

  const missing = randomUUID();
  const error = await failure(api.listPosts(missing));
  assert.ok(error instanceof NotFoundError, String(error));
  assert.equal(error.problem.id, missing);
});

test("put_avatar, get_avatar and get_card: bytes and text as they are", async () => {
  const created = await api.createUser(newUser("avatar"));
  const user = created.body;
  // The start of every PNG file: bytes that are not UTF-8.
  const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

  const none = await failure(anonymous.getAvatar(user.id));
  assert.ok(none instanceof NotFoundError, String(none));
  assert.equal(none.problem.id, user.id);

  assert.equal(await api.putAvatar(user.id, png), undefined);
  const avatar = await anonymous.getAvatar(user.id);
  assert.ok(avatar instanceof Blob, String(avatar));
  assert.equal(avatar.type, "image/png");
  assert.deepEqual(new Uint8Array(await avatar.arrayBuffer()), png);

  // An ArrayBuffer or a Blob goes as well, and replaces the avatar.
  const reversed = png.slice().reverse();
  await api.putAvatar(user.id, new Blob([reversed]));
  assert.deepEqual(new Uint8Array(await (await api.getAvatar(user.id)).arrayBuffer()), reversed);
  await api.putAvatar(user.id, png.slice().buffer);
  assert.deepEqual(new Uint8Array(await (await api.getAvatar(user.id)).arrayBuffer()), png);

  const card = await anonymous.getCard(user.id);
  assert.equal(card, `${user.display_name} (@${user.handle})\n`);

  const unauthorized = await failure(anonymous.putAvatar(user.id, png));
  assert.ok(unauthorized instanceof ApiError, String(unauthorized));
  assert.equal(unauthorized.status, 401);

  const missing = randomUUID();
  const nobody = await failure(api.putAvatar(missing, png));
  assert.ok(nobody instanceof NotFoundError, String(nobody));
  assert.equal(nobody.problem.id, missing);
  const noCard = await failure(anonymous.getCard(missing));
  assert.ok(noCard instanceof NotFoundError, String(noCard));
  assert.equal(noCard.problem.id, missing);
});

test("add_photo: a multipart form with an image and a caption; other types are refused", async () => {
  const created = await api.createUser(newUser("photo"));
  const user = created.body;
  const png = new Blob([new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])], { type: "image/png" });

  const photo = await api.addPhoto(user.id, { photo: png, caption: "A cat" });
  assert.match(photo.id, UUID);
  assert.equal(photo.content_type, "image/png");
  assert.equal(photo.size, 8);
  assert.equal(photo.caption, "A cat");
  // A plain Blob is named after its part.
  assert.equal(photo.filename, "photo");

  // The caption is optional; a File's name is sent as the file name (Node
  // has a global File from version 20 on).
  if (typeof File === "function") {
    const file = new File([new Uint8Array([0xff, 0xd8, 0xff])], "cat.jpg", { type: "image/jpeg" });
    const bare = await api.addPhoto(user.id, { photo: file });
    assert.equal(bare.content_type, "image/jpeg");
    assert.equal(bare.size, 3);
    assert.equal(bare.filename, "cat.jpg");
    assert.equal(bare.caption, undefined);
  }

  // The part accepts `image/*` only.
  const text = new Blob(["not an image"], { type: "text/plain" });
  const refused = await failure(api.addPhoto(user.id, { photo: text, caption: "A cat" }));
  assert.ok(refused instanceof ApiError, String(refused));
  assert.equal(refused.status, 400);

  const missing = randomUUID();
  const nobody = await failure(api.addPhoto(missing, { photo: png }));
  assert.ok(nobody instanceof NotFoundError, String(nobody));
  assert.equal(nobody.problem.id, missing);

  const unauthorized = await failure(anonymous.addPhoto(user.id, { photo: png }));
  assert.ok(unauthorized instanceof ApiError, String(unauthorized));
  assert.equal(unauthorized.status, 401);
});

test("user_events: one existing event per user, in id order, each with its id", async () => {
  const stream = await anonymous.userEvents();
  const events: UserEvent[] = [];
  for await (const event of stream) {
    events.push(event);
    // Each event's id is its user's id.
    assert.equal(stream.lastEventId, event.user.id);
  }
  const ids = events.map((e) => e.user.id);
  assert.ok(ids.includes(first.id) && ids.includes(second.id), `${ids.length} users`);
  for (const event of events) {
    assert.equal(event.change, "existing");
    assert.match(event.user.id, UUID);
  }
  // The store's order: by id, which for UUIDs is the order of their text.
  assert.deepEqual(ids, [...ids].sort());
  const event = events.find((e) => e.user.id === first.id);
  assert.deepEqual(event?.user, (await api.getUser(first.id)).body);
  assert.deepEqual(await stream.next(), { done: true, value: undefined });
});

test("user_events with follow: the existing users, then changes as they happen", { timeout: 30_000 }, async () => {
  // The head arrives once the server has taken the users there now, so a
  // user created after it is a change.
  const stream = await anonymous.userEvents({ follow: true });
  /** The next event about user `id`: other clients' changes are skipped. */
  const about = async (id: string): Promise<UserEvent> => {
    for (;;) {
      const next = await stream.next();
      if (next.done === true) {
        assert.fail("the stream ended, but it should stay open");
      }
      if (next.value.user.id === id) {
        return next.value;
      }
    }
  };
  try {
    assert.equal((await about(first.id)).change, "existing");
    assert.equal(stream.lastEventId, first.id);
    const created = (await api.createUser(newUser("follow"))).body;
    assert.deepEqual(await about(created.id), { change: "created", user: created });
    assert.equal(stream.lastEventId, created.id);

    await api.deleteUser(created.id);
    assert.deepEqual(await about(created.id), { change: "deleted", user: created });
  } finally {
    stream.close();
  }
  assert.deepEqual(await stream.next(), { done: true, value: undefined });
});

test("delete_user: 204, then 404; the last admin is 422 Rejected", async () => {
  assert.equal(await api.deleteUser(second.id), undefined);
  const gone = await failure(api.getUser(second.id));
  assert.ok(gone instanceof NotFoundError);
  const again = await failure(api.deleteUser(second.id));
  assert.ok(again instanceof NotFoundError, String(again));
  assert.equal(again.problem.id, second.id);
  const postsGone = await failure(api.listPosts(second.id));
  assert.ok(postsGone instanceof NotFoundError);

  if (first.role === "admin") {
    const rejected = await failure(api.deleteUser(first.id));
    assert.ok(rejected instanceof RejectedError, String(rejected));
    assert.equal(rejected.status, 422);
    assert.equal(rejected.problem.type, "urn:problem:users:rejected");
    assert.equal(typeof rejected.problem.reason, "string");
    assert.ok(rejected.problem.reason.length > 0);
  } else {
    // Another client created the admin before this run; its id is unknown here.
    const deleted = await api.deleteUser(first.id);
    assert.equal(deleted, undefined);
  }
});

test("every request sent the SDK's Gati-Version", () => {
  assert.equal(API_VERSION, "2025-06-01");
  assert.ok(sent.length > 20, `${sent.length} requests`);
  for (const version of sent) {
    assert.equal(version, API_VERSION);
  }
  if (echoed.some((v) => v !== null)) {
    for (const version of echoed) {
      assert.equal(version, API_VERSION, "the server answers at the SDK's version");
    }
  } else {
    console.log("# the server does not echo Gati-Version; not checked");
  }
});
