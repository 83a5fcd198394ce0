// Tests of the generated SDK's runtime against a fake `fetch`: the request it
// builds, the version header, decoding (declared response headers too), typed
// errors, retries and timeouts.
// Written against the SDK generated from examples/users/users.gati; the
// toolchain test compiles it with the SDK and runs it under `node --test`.

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  API_VERSION,
  ApiError,
  NotFoundError,
  RequestTimeoutError,
  TakenError,
  UsersClient,
  type User,
} from "../src/index.js";

interface Seen {
  url: string;
  method: string;
  headers: Headers;
  body: string | undefined;
}

/** A client whose `fetch` answers from `replies`, in order, recording each request. */
function fake(
  replies: ((seen: Seen, signal: AbortSignal | undefined) => Response | Promise<Response>)[],
  options: { retries?: number; timeoutMs?: number } = {},
): { client: UsersClient; seen: Seen[] } {
  const seen: Seen[] = [];
  const client = new UsersClient({
    baseUrl: "http://api.test/v1/",
    token: () => "secret",
    ...options,
    fetch: async (input, init) => {
      const s: Seen = {
        url: input,
        method: init.method ?? "GET",
        headers: new Headers(init.headers),
        body: typeof init.body === "string" ? init.body : undefined,
      };
      seen.push(s);
      const reply = replies[seen.length - 1];
      if (reply === undefined) {
        throw new Error(`unexpected request ${seen.length}`);
      }
      return reply(s, init.signal ?? undefined);
    },
  });
  return { client, seen };
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

function problem(status: number, body: Record<string, unknown>, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify({ status, ...body }), {
    status,
    headers: { "content-type": "application/problem+json", "x-request-id": "req-1", ...headers },
  });
}

const user: User = {
  id: "9b2f8d4e-1c3a-4e5b-8f6a-7d8c9e0f1a2b",
  handle: "ada",
  email: "ada@example.com",
  display_name: "Ada",
  bio: null,
  role: "admin",
  created_at: "2025-06-01T12:00:00Z",
};

/** `create_user`'s answer: 201, the user and its `Location`. */
function created(): Response {
  return json(201, user, { location: `/users/${user.id}` });
}

/** `get_user`'s answer: the user and its `ETag`. */
function fetched(): Response {
  return json(200, user, { etag: '"r1"' });
}

test("sends the version, auth only where the route needs it, and the body", async () => {
  const { client, seen } = fake([created, fetched]);
  const answer = await client.createUser(
    { handle: "ada", email: "ada@example.com", display_name: "Ada" },
    { idempotency_key: "k1" },
  );
  assert.deepEqual(answer, { body: user, headers: { location: `/users/${user.id}` } });
  const post = seen[0];
  assert.ok(post);
  assert.equal(post.url, "http://api.test/v1/users");
  assert.equal(post.method, "POST");
  assert.equal(API_VERSION, "2025-06-01");
  assert.equal(post.headers.get("gati-version"), API_VERSION);
  assert.equal(post.headers.get("authorization"), "Bearer secret");
  assert.equal(post.headers.get("idempotency-key"), "k1");
  assert.equal(post.headers.get("content-type"), "application/json");
  assert.deepEqual(JSON.parse(post.body ?? ""), {
    handle: "ada",
    email: "ada@example.com",
    display_name: "Ada",
  });

  const got = await client.getUser("a/b c");
  assert.deepEqual(got.body, user);
  assert.equal(got.headers.etag, '"r1"');
  const get = seen[1];
  assert.ok(get);
  assert.equal(get.url, "http://api.test/v1/users/a%2Fb%20c");
  assert.equal(get.headers.get("authorization"), null, "get_user has `auth none`");
  assert.equal(get.headers.get("gati-version"), API_VERSION);
  assert.equal(get.body, undefined);
});

test("encodes query parameters and leaves absent ones out", async () => {
  const { client, seen } = fake([() => json(200, { items: [] })]);
  const page = await client.listPosts(user.id, { limit: 5, tag: "a&b" });
  assert.deepEqual(page.items, []);
  assert.equal(seen[0]?.url, `http://api.test/v1/users/${user.id}/posts?limit=5&tag=a%26b`);
});

test("a declared response header that is missing throws a SyntaxError", async () => {
  const { client, seen } = fake([() => json(200, user), fetched]);
  const error = await client.getUser(user.id).catch((e: unknown) => e);
  assert.ok(error instanceof SyntaxError, String(error));
  assert.match(error.message, /ETag/);
  assert.equal(seen.length, 1, "not retried");
});

test("a 204 resolves to undefined", async () => {
  const { client } = fake([() => new Response(null, { status: 204 })]);
  assert.equal(await client.deleteUser(user.id), undefined);
});

test("declared errors are typed, with their payload", async () => {
  const { client } = fake([
    () => problem(404, { type: "urn:problem:users:not-found", title: "NotFound", id: user.id }),
    () => problem(409, { type: "urn:problem:users:taken", title: "Taken", field: "email" }),
  ]);
  const notFound = await client.getUser(user.id).catch((e: unknown) => e);
  assert.ok(notFound instanceof NotFoundError);
  assert.ok(notFound instanceof ApiError);
  assert.equal(notFound.status, 404);
  assert.equal(notFound.problem.id, user.id);
  assert.equal(notFound.requestId, "req-1");
  assert.equal(NotFoundError.type, "urn:problem:users:not-found");

  const taken = await client
    .createUser({ handle: "ada", email: "ada@example.com", display_name: "Ada" })
    .catch((e: unknown) => e);
  assert.ok(taken instanceof TakenError);
  assert.equal(taken.problem.field, "email");
});

test("runtime errors are ApiErrors with their violations", async () => {
  const violations = [{ location: "body", pointer: "/handle", rule: "pattern", message: "bad" }];
  const { client } = fake([
    () => problem(422, { type: "about:blank", title: "Unprocessable Content", violations }),
    () => new Response("<html>bad gateway</html>", { status: 418, statusText: "Teapot" }),
  ]);
  const invalid = await client
    .createUser({ handle: "A!", email: "a@example.com", display_name: "A" })
    .catch((e: unknown) => e);
  assert.ok(invalid instanceof ApiError);
  assert.ok(!(invalid instanceof TakenError));
  assert.equal(invalid.status, 422);
  assert.deepEqual(invalid.violations, violations);

  const odd = await client.getUser(user.id, { retries: 0 }).catch((e: unknown) => e);
  assert.ok(odd instanceof ApiError);
  assert.equal(odd.status, 418);
  assert.equal(odd.problem.type, "about:blank");
  assert.equal(odd.problem.title, "Teapot");
  assert.equal(odd.problem.detail, "<html>bad gateway</html>");
});

test("idempotent requests are retried on 503 and network errors", async () => {
  const { client, seen } = fake([
    () => problem(503, { type: "about:blank", title: "Service Unavailable" }),
    () => {
      throw new TypeError("fetch failed");
    },
    fetched,
  ]);
  assert.deepEqual((await client.getUser(user.id)).body, user);
  assert.equal(seen.length, 3);
});

test("a POST is not retried, unless shed with Retry-After or sent with an idempotency key", async () => {
  const unavailable = (): Response => problem(503, { type: "about:blank", title: "Service Unavailable" });
  const post = fake([unavailable, created]);
  const failed = await post.client
    .createUser({ handle: "ada", email: "ada@example.com", display_name: "Ada" })
    .catch((e: unknown) => e);
  assert.ok(failed instanceof ApiError);
  assert.equal(post.seen.length, 1);

  const shed = fake([
    () => problem(503, { type: "about:blank", title: "Service Unavailable" }, { "retry-after": "0" }),
    created,
  ]);
  await shed.client.createUser({ handle: "ada", email: "ada@example.com", display_name: "Ada" });
  assert.equal(shed.seen.length, 2);

  const keyed = fake([unavailable, created]);
  await keyed.client.createUser(
    { handle: "ada", email: "ada@example.com", display_name: "Ada" },
    { idempotency_key: "k2" },
  );
  assert.equal(keyed.seen.length, 2);
  assert.equal(keyed.seen[1]?.headers.get("idempotency-key"), "k2");
});

test("retries stop after the configured count", async () => {
  const unavailable = (): Response => problem(503, { type: "about:blank", title: "Service Unavailable" });
  const { client, seen } = fake([unavailable, unavailable], { retries: 1 });
  const error = await client.getUser(user.id).catch((e: unknown) => e);
  assert.ok(error instanceof ApiError);
  assert.equal(error.status, 503);
  assert.equal(seen.length, 2);
});

/** A reply that never comes: it only rejects when the request is aborted. */
function hang(_: Seen, signal: AbortSignal | undefined): Promise<Response> {
  return new Promise((_, reject) => {
    signal?.addEventListener("abort", () => reject(new Error("aborted")), { once: true });
  });
}

test("each attempt times out, and idempotent calls retry after a timeout", async () => {
  const { client, seen } = fake([hang, hang], { timeoutMs: 30, retries: 1 });
  const error = await client.getUser(user.id).catch((e: unknown) => e);
  assert.ok(error instanceof RequestTimeoutError);
  assert.equal(error.timeoutMs, 30);
  assert.equal(seen.length, 2);
});

test("a cancelled call is not retried", async () => {
  const { client, seen } = fake([hang, hang]);
  const controller = new AbortController();
  const pending = client.getUser(user.id, { signal: controller.signal }).catch((e: unknown) => e);
  setTimeout(() => controller.abort(new Error("stop")), 10);
  const error = await pending;
  assert.ok(error instanceof Error);
  assert.equal(error.message, "stop");
  assert.equal(seen.length, 1);
});
