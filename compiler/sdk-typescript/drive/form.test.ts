// Tests of multipart forms, against a fake `fetch`: the form goes as
// `FormData` with its parts in order (files with their Blob's type and a
// name, values as their text, absent optional parts left out), the SDK sets
// no `Content-Type` of its own (`fetch` does, with the boundary), a retry
// sends the whole form again, and errors are still decoded from
// problem+json. Written against the SDK generated from
// specs/valid/raw_bodies.gati; the toolchain test compiles it with the SDK
// and runs it under `node --test`.

import { test } from "node:test";
import assert from "node:assert/strict";
import { ApiError, GalleryClient, type Picture } from "../src/index.js";

/** A part as sent: a file's name, type and bytes, or a value's text. */
type SeenPart =
  | { name: string; filename: string; type: string; bytes: number[] }
  | { name: string; value: string };

interface Seen {
  method: string;
  headers: Headers;
  /** Whether the body was a `FormData`. */
  isForm: boolean;
  /** The parts, in order. */
  parts: SeenPart[];
  /** The body as `fetch` encodes it, and the `Content-Type` it gives it. */
  wire: string;
  wireType: string | null;
}

/** A client whose `fetch` answers from `replies`, in order, recording each request. */
function fake(replies: (() => Response)[]): { client: GalleryClient; seen: Seen[] } {
  const seen: Seen[] = [];
  const client = new GalleryClient({
    baseUrl: "http://api.test",
    fetch: async (_input, init) => {
      const body = init.body;
      const parts: SeenPart[] = [];
      if (body instanceof FormData) {
        // `forEach`: the SDK's `lib` has no DOM iterables.
        const entries: [string, FormDataEntryValue][] = [];
        body.forEach((value, name) => entries.push([name, value]));
        for (const [name, value] of entries) {
          if (typeof value === "string") {
            parts.push({ name, value });
          } else {
            const bytes = Array.from(new Uint8Array(await value.arrayBuffer()));
            parts.push({ name, filename: value.name, type: value.type, bytes });
          }
        }
      }
      // A `Response` encodes a FormData as `fetch` does, boundary and all.
      const encoded = new Response(body ?? null);
      seen.push({
        method: init.method ?? "GET",
        headers: new Headers(init.headers),
        isForm: body instanceof FormData,
        parts,
        wire: await encoded.text(),
        wireType: encoded.headers.get("content-type"),
      });
      const reply = replies[seen.length - 1];
      if (reply === undefined) {
        throw new Error(`unexpected request ${seen.length}`);
      }
      return reply();
    },
  });
  return { client, seen };
}

/** Eight bytes that are not UTF-8: the start of every PNG file. */
const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const stored: Picture = { id: "9b2f8d4e-1c3a-4e5b-8f6a-7d8c9e0f1a2b", filename: "file", size: 8 };

function created(): Response {
  return new Response(JSON.stringify(stored), {
    status: 201,
    headers: { "content-type": "application/json" },
  });
}

test("a form goes as FormData: every part in order, values as their text", async () => {
  const { client, seen } = fake([created]);
  const picture = await client.uploadPicture({
    file: new Blob([new Uint8Array(png)], { type: "image/png" }),
    caption: "Café ✓",
    copies: 3,
    public: false,
  });
  assert.deepEqual(picture, stored);
  const post = seen[0];
  assert.ok(post);
  assert.equal(post.method, "POST");
  assert.ok(post.isForm);
  assert.deepEqual(post.parts, [
    // A plain Blob is named after its part.
    { name: "file", filename: "file", type: "image/png", bytes: png },
    { name: "caption", value: "Café ✓" },
    { name: "copies", value: "3" },
    { name: "public", value: "false" },
  ]);
  // The SDK leaves the Content-Type to `fetch`, which names the boundary.
  assert.equal(post.headers.get("content-type"), null);
  assert.equal(post.headers.get("accept"), "application/json");
  const boundary = /^multipart\/form-data; ?boundary=(.+)$/.exec(post.wireType ?? "")?.[1];
  assert.ok(boundary, String(post.wireType));
  assert.ok(post.wire.startsWith(`--${boundary}\r\n`), post.wire);
  assert.ok(post.wire.includes(`--${boundary}--`), post.wire);
  assert.match(post.wire, /Content-Disposition: form-data; name="file"; filename="file"\r\nContent-Type: image\/png\r\n/);
  assert.match(post.wire, /Content-Disposition: form-data; name="public"\r\n\r\nfalse\r\n/);
});

test("absent optional parts are left out", async () => {
  const { client, seen } = fake([created, created]);
  await client.uploadPicture({ file: new Blob([new Uint8Array(png)], { type: "image/png" }), public: true });
  await client.uploadPicture({
    file: new Blob([new Uint8Array(png)], { type: "image/png" }),
    caption: undefined,
    public: true,
  });
  for (const s of seen) {
    assert.deepEqual(
      s.parts.map((p) => p.name),
      ["file", "public"],
    );
    assert.deepEqual(s.parts[1], { name: "public", value: "true" });
    assert.doesNotMatch(s.wire, /name="caption"/);
  }
});

test(
  "a File keeps its name and type",
  { skip: typeof File === "undefined" ? "no global File before Node 20" : false },
  async () => {
    const { client, seen } = fake([created]);
    const file = new File([new Uint8Array(png)], "cat.png", { type: "image/png" });
    await client.uploadPicture({ file, public: true });
    assert.deepEqual(seen[0]?.parts[0], { name: "file", filename: "cat.png", type: "image/png", bytes: png });
    assert.match(seen[0]?.wire ?? "", /name="file"; filename="cat.png"\r\nContent-Type: image\/png\r\n/);
  },
);

test("a Blob without a type goes as application/octet-stream", async () => {
  const { client, seen } = fake([created]);
  await client.uploadPicture({ file: new Blob([new Uint8Array(png)]), public: true });
  assert.match(seen[0]?.wire ?? "", /name="file"; filename="file"\r\nContent-Type: application\/octet-stream\r\n/);
});

test("a form turned away with Retry-After is sent again, whole", async () => {
  const unavailable = (): Response =>
    new Response(JSON.stringify({ type: "about:blank", title: "Service Unavailable", status: 503 }), {
      status: 503,
      headers: { "content-type": "application/problem+json", "retry-after": "0" },
    });
  const { client, seen } = fake([unavailable, created]);
  const picture = await client.uploadPicture({
    file: new Blob([new Uint8Array(png)], { type: "image/png" }),
    caption: "again",
    public: true,
  });
  assert.deepEqual(picture, stored);
  assert.equal(seen.length, 2);
  assert.deepEqual(seen[1]?.parts, seen[0]?.parts);
  assert.equal(seen[1]?.parts.length, 3);
  assert.deepEqual(seen[1]?.parts[0], { name: "file", filename: "file", type: "image/png", bytes: png });
});

test("a form is not retried without Retry-After: a POST is not safe to repeat", async () => {
  const unavailable = (): Response => new Response("", { status: 503 });
  const { client, seen } = fake([unavailable]);
  const error = await client
    .uploadPicture({ file: new Blob([new Uint8Array(png)], { type: "image/png" }), public: true })
    .catch((e: unknown) => e);
  assert.ok(error instanceof ApiError, String(error));
  assert.equal(error.status, 503);
  assert.equal(seen.length, 1);
});

test("a refused part is an ApiError with the problem's violations", async () => {
  const refused = (): Response =>
    new Response(
      JSON.stringify({
        type: "about:blank",
        title: "Bad Request",
        status: 400,
        violations: [{ location: "body", pointer: "/file", rule: "accept", message: "expected image/*" }],
      }),
      { status: 400, headers: { "content-type": "application/problem+json" } },
    );
  const { client } = fake([refused]);
  const error = await client
    .uploadPicture({ file: new Blob(["hello"], { type: "text/plain" }), public: true })
    .catch((e: unknown) => e);
  assert.ok(error instanceof ApiError, String(error));
  assert.equal(error.status, 400);
  assert.equal(error.violations[0]?.pointer, "/file");
});
