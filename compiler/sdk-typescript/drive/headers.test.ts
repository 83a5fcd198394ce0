// Tests of how the generated SDK reads declared response headers, against a
// fake `fetch`: each type parsed from the header's text, optional headers
// left out, and a missing or malformed header thrown as a `SyntaxError`, as a
// body that is not JSON is. Written against the SDK generated from
// tests/fixtures/headers.gati; the toolchain test compiles it with the SDK
// under the SDK's strict tsconfig and runs it under `node --test`.

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  HeadersClient,
  type Answer,
  type GetThingHeaders,
  type TouchThingHeaders,
} from "../src/index.js";

/** A thing's id, which `get_thing` answers with as a JSON string. */
const id = "9b2f8d4e-1c3a-4e5b-8f6a-7d8c9e0f1a2b";

/** The headers of a complete `get_thing` answer, as the server writes them. */
const complete: Record<string, string> = {
  etag: '"r1"',
  "x-total": "9007199254740991",
  "x-remaining": "-3",
  "x-ratio": "0.25",
  "x-cached": "true",
  "x-freshness": "stale",
  "x-thing-id": id,
  "x-modified": "2025-06-01T12:00:00Z",
};

/** A client whose `fetch` answers from `replies`, in order, counting requests. */
function fake(replies: (() => Response)[]): { client: HeadersClient; count: () => number } {
  let seen = 0;
  const client = new HeadersClient({
    baseUrl: "http://api.test",
    retries: 2,
    fetch: async () => {
      const reply = replies[seen++];
      if (reply === undefined) {
        throw new Error(`unexpected request ${seen}`);
      }
      return reply();
    },
  });
  return { client, count: () => seen };
}

function json(body: unknown, headers: Record<string, string>): Response {
  return new Response(JSON.stringify(body), {
    status: 200,
    headers: { "content-type": "application/json", ...headers },
  });
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

test("every type is read from its header, by name in any case", async () => {
  const { client } = fake([() => json(id, { ...complete, "X-HINT": "soon", "x-retry-in": "30" })]);
  const answer: Answer<string, GetThingHeaders> = await client.getThing(id);
  assert.equal(answer.body, id);
  const expected: GetThingHeaders = {
    etag: '"r1"',
    total: 9007199254740991,
    remaining: -3,
    ratio: 0.25,
    cached: true,
    freshness: "stale",
    request_uuid: id,
    modified: "2025-06-01T12:00:00Z",
    hint: "soon",
    retry_in: 30,
  };
  assert.deepEqual(answer.headers, expected);
  assert.equal(typeof answer.headers.total, "number");
});

test("absent optional headers are absent properties", async () => {
  const { client } = fake([() => json(id, { ...complete, "x-cached": "false", "x-ratio": "1e3" })]);
  const { headers } = await client.getThing(id);
  assert.equal(headers.cached, false);
  assert.equal(headers.ratio, 1000);
  assert.ok(!("hint" in headers));
  assert.ok(!("retry_in" in headers));
  assert.ok(!("old_total" in headers));
});

test("a route without a body resolves to an undefined body and its headers", async () => {
  const { client } = fake([
    () => new Response(null, { status: 204, headers: { "x-touched-at": "2025-06-01T12:00:00Z" } }),
  ]);
  const answer: Answer<void, TouchThingHeaders> = await client.touchThing(id);
  assert.equal(answer.body, undefined);
  assert.deepEqual(answer.headers, { touched_at: "2025-06-01T12:00:00Z" });
});

test("a route without declared headers resolves to its body", async () => {
  const { client } = fake([() => json([id], {})]);
  const things: string[] = await client.listThings();
  assert.deepEqual(things, [id]);
});

test("a missing required header throws a SyntaxError, without a retry", async () => {
  const { etag: _, ...withoutEtag } = complete;
  const { client, count } = fake([() => json(id, withoutEtag), () => json(id, complete)]);
  const error = await failure(client.getThing(id));
  assert.ok(error instanceof SyntaxError, String(error));
  assert.match(error.message, /ETag/);
  assert.equal(count(), 1, "a response that does not decode is not retried");

  const touch = fake([() => new Response(null, { status: 204 })]);
  const touched = await failure(touch.client.touchThing(id));
  assert.ok(touched instanceof SyntaxError, String(touched));
  assert.match(touched.message, /X-Touched-At/);
});

test("a header that does not parse throws a SyntaxError, optional or not", async () => {
  const malformed: [string, string][] = [
    ["x-total", "12abc"],
    ["x-total", "1.5"],
    ["x-remaining", ""],
    ["x-ratio", "fast"],
    ["x-cached", "yes"],
    ["x-retry-in", "soon"],
  ];
  for (const [name, value] of malformed) {
    const { client } = fake([() => json(id, { ...complete, [name]: value })]);
    const error = await failure(client.getThing(id));
    assert.ok(error instanceof SyntaxError, `${name}: ${value}: ${String(error)}`);
    assert.match(error.message, new RegExp(name, "i"));
  }
});

test("a body that is not JSON throws a SyntaxError too", async () => {
  const { client } = fake([
    () => new Response("<html>", { status: 200, headers: { "content-type": "text/html", ...complete } }),
  ]);
  const error = await failure(client.getThing(id));
  assert.ok(error instanceof SyntaxError, String(error));
});
