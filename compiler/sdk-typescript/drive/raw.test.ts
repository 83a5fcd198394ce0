// Tests of bodies that are not JSON, against a fake `fetch`: bytes sent as
// they are (with the route's media type, or the `contentType` argument for a
// wildcard), text sent as UTF-8, bytes read as a `Blob` and text as a string,
// errors still decoded from problem+json, and retries sending the same bytes.
// Written against the SDK generated from specs/valid/raw_bodies.gati; the
// toolchain test compiles it with the SDK and runs it under `node --test`.

import { test } from "node:test";
import assert from "node:assert/strict";
import { ApiError, GalleryClient, NotFoundError } from "../src/index.js";

interface Seen {
  method: string;
  headers: Headers;
  /** The request's body, as bytes. */
  bytes: Uint8Array;
}

/** A client whose `fetch` answers from `replies`, in order, recording each request. */
function fake(replies: ((seen: Seen) => Response)[]): { client: GalleryClient; seen: Seen[] } {
  const seen: Seen[] = [];
  const client = new GalleryClient({
    baseUrl: "http://api.test",
    fetch: async (_input, init) => {
      // A `Response` reads any body `fetch` takes, whatever its kind.
      const bytes = new Uint8Array(await new Response(init.body ?? null).arrayBuffer());
      const s: Seen = { method: init.method ?? "GET", headers: new Headers(init.headers), bytes };
      seen.push(s);
      const reply = replies[seen.length - 1];
      if (reply === undefined) {
        throw new Error(`unexpected request ${seen.length}`);
      }
      return reply(s);
    },
  });
  return { client, seen };
}

/** Eight bytes that are not UTF-8: the start of every PNG file. */
const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const id = "9b2f8d4e-1c3a-4e5b-8f6a-7d8c9e0f1a2b";

function noContent(): Response {
  return new Response(null, { status: 204 });
}

function notFound(): Response {
  return new Response(
    JSON.stringify({ type: "urn:problem:gallery:not-found", title: "NotFound", status: 404, id }),
    { status: 404, headers: { "content-type": "application/problem+json" } },
  );
}

test("bytes go as they are, with the caller's Content-Type for a wildcard", async () => {
  const { client, seen } = fake([noContent, noContent, noContent]);
  await client.putPicture(id, png, "image/png");
  await client.putPicture(id, png.slice().buffer, "image/webp");
  await client.putPicture(id, new Blob([png], { type: "application/octet-stream" }), "image/gif");
  assert.deepEqual(
    seen.map((s) => [s.method, s.headers.get("content-type"), s.headers.get("accept")]),
    [
      ["PUT", "image/png", "application/json"],
      ["PUT", "image/webp", "application/json"],
      ["PUT", "image/gif", "application/json"],
    ],
  );
  for (const s of seen) {
    assert.deepEqual(s.bytes, png);
  }
});

test("a retried upload sends the same bytes again", async () => {
  const unavailable = (): Response =>
    new Response(JSON.stringify({ type: "about:blank", title: "Service Unavailable", status: 503 }), {
      status: 503,
      headers: { "content-type": "application/problem+json" },
    });
  const { client, seen } = fake([unavailable, noContent]);
  await client.putPicture(id, new Blob([png]), "image/png");
  assert.equal(seen.length, 2);
  assert.deepEqual(seen[1]?.bytes, png);
  assert.deepEqual(seen[0]?.bytes, png);
});

test("text goes as UTF-8 and comes back as a string", async () => {
  const caption = "Café ✓ 🌅";
  const { client, seen } = fake([
    (s) =>
      new Response(new TextDecoder().decode(s.bytes), {
        headers: { "content-type": "text/plain; charset=utf-8" },
      }),
  ]);
  assert.equal(await client.putCaption(id, caption), caption);
  const put = seen[0];
  assert.ok(put);
  assert.equal(put.headers.get("content-type"), "text/plain; charset=utf-8");
  assert.equal(put.headers.get("accept"), "text/plain, application/problem+json");
  assert.deepEqual(put.bytes, new TextEncoder().encode(caption));
});

test("an empty text answer is the empty string", async () => {
  const { client, seen } = fake([() => new Response("", { headers: { "content-type": "text/csv" } })]);
  assert.equal(await client.export(), "");
  assert.equal(seen[0]?.headers.get("accept"), "text/csv, application/problem+json");
});

test("bytes come back as a Blob, with the declared headers", async () => {
  const { client, seen } = fake([
    () => new Response(png, { headers: { "content-type": "image/png", etag: '"p1"' } }),
  ]);
  const answer = await client.getPicture(id);
  assert.ok(answer.body instanceof Blob);
  assert.equal(answer.body.type, "image/png");
  assert.deepEqual(new Uint8Array(await answer.body.arrayBuffer()), png);
  assert.deepEqual(answer.headers, { etag: '"p1"' });
  assert.equal(seen[0]?.headers.get("accept"), "image/png, application/problem+json");
  assert.equal(seen[0]?.headers.get("content-type"), null, "a GET sends no body");
});

test("errors of raw routes are decoded from problem+json", async () => {
  const { client } = fake([notFound, notFound]);
  const download = await client.getPicture(id).catch((e: unknown) => e);
  assert.ok(download instanceof NotFoundError, String(download));
  assert.equal(download.problem.id, id);
  const caption = await client.putCaption(id, "x").catch((e: unknown) => e);
  assert.ok(caption instanceof NotFoundError, String(caption));
  assert.ok(caption instanceof ApiError);
});

test("bytes without a media type are still a base64 JSON string", async () => {
  const { client, seen } = fake([noContent]);
  await client.putThumbnail(id, "iVBORw0KGgo=");
  assert.equal(seen[0]?.headers.get("content-type"), "application/json");
  assert.equal(new TextDecoder().decode(seen[0]?.bytes), '"iVBORw0KGgo="');
});
