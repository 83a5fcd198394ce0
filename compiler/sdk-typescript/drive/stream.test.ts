// Tests of the generated SDK's server-sent events: the `text/event-stream`
// parser on its own, then `EventStream` through the client against a
// stand-in server on a local port (real `fetch`, real sockets): events in one
// chunk and split across chunks, line endings, multi-line data, comments,
// ids, `event: error`, an error answer before the stream, the timeout,
// retries, closing mid-stream and the bound on one event's size.
// Written against the SDK generated from examples/users/users.gati; the
// toolchain test compiles it with the SDK and runs it under `node --test`.

import { after, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  ApiError,
  EventStream,
  NotFoundError,
  RequestTimeoutError,
  UsersClient,
  type User,
  type UserEvent,
} from "../src/index.js";
import { EventParser, type ParsedEvent } from "../src/runtime.js";

const ada: User = {
  id: "00000000-0000-4000-8000-000000000001",
  handle: "ada",
  email: "ada@example.com",
  display_name: "Ada",
  bio: null,
  role: "admin",
  created_at: "2025-06-01T12:00:00Z",
};
const grace: User = { ...ada, id: "00000000-0000-4000-8000-000000000002", handle: "grace" };
const existing = (user: User): UserEvent => ({ change: "existing", user });

/** One event's frame, as the generated server writes it. */
function frame(event: UserEvent, id?: string): string {
  return (id === undefined ? "" : `id: ${id}\n`) + `data: ${JSON.stringify(event)}\n\n`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** What the stand-in server saw of one request. */
interface Seen {
  url: string;
  headers: IncomingMessage["headers"];
  /** Resolves when the response is over: `true` if the client hung up before the server ended it. */
  closed: Promise<boolean>;
}

/** Every stand-in server still running: a test that fails midway leaves its own for `after` to stop. */
const servers = new Set<Server>();
after(() => {
  for (const server of servers) {
    server.closeAllConnections();
    server.close();
  }
});

type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void | Promise<void>;

/** Starts a stand-in server on a free local port answering with `handler`, and a client for it. */
async function serve(
  handler: Handler,
  options: { timeoutMs?: number; retries?: number; maxEventBytes?: number } = {},
): Promise<{ client: UsersClient; seen: Seen[]; stop: () => Promise<void> }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const closed = new Promise<boolean>((resolve) => {
      res.on("close", () => resolve(!res.writableEnded));
    });
    seen.push({ url: req.url ?? "", headers: req.headers, closed });
    void Promise.resolve(handler(req, res, seen.length)).catch((error: unknown) => {
      res.destroy(error instanceof Error ? error : new Error(String(error)));
    });
  });
  servers.add(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const client = new UsersClient({ baseUrl: `http://127.0.0.1:${port}`, ...options });
  const stop = async (): Promise<void> => {
    servers.delete(server);
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { client, seen, stop };
}

/**
 * Whether the client hung up before the server ended the response to
 * `request`; `undefined` when neither happened within 5 s.
 */
async function hungUp(request: Seen | undefined): Promise<boolean | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), 5_000);
  });
  try {
    return await Promise.race([request?.closed ?? late, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Writes the head of an event stream, as the generated server does. */
function head(res: ServerResponse): void {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  res.flushHeaders();
}

/** Every event of `stream`, read with `for await`. */
async function all<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const event of stream) {
    out.push(event);
  }
  return out;
}

/** Each test against the server fails, rather than hangs, if the client never hangs up. */
const LIMIT = { timeout: 10_000 };

// The parser on its own.

function parse(pieces: string[]): ParsedEvent[] {
  const parser = new EventParser();
  return pieces.flatMap((p) => parser.push(p));
}

test("the parser: fields, comments, line endings and ids, whatever the pieces", () => {
  const text =
    ": a comment\r\n" +
    "retry: 1000\r\n" +
    "id: 1\r\n" +
    "data: {\"a\":\r\n" +
    "data:1}\r\n" +
    "\r\n" +
    "event: other\rdata: x\r\r" +
    "unknown: field\n" +
    "data\n" +
    "\n" +
    "id: 2\n\n" +
    "id: bad\0id\ndata:  two spaces\n\n" +
    ":\n\n" +
    "data: no blank line after me\n";
  const expected: ParsedEvent[] = [
    { type: "message", data: '{"a":\n1}', id: "1" },
    { type: "other", data: "x", id: "1" },
    { type: "message", data: "", id: "1" },
    { type: "", data: undefined, id: "2" },
    { type: "message", data: " two spaces", id: "2" },
  ];
  assert.deepEqual(parse([text]), expected);
  // Every split, down to one character at a time: CR and LF apart included.
  assert.deepEqual(parse([...text]), expected);
  for (let i = 0; i <= text.length; i++) {
    assert.deepEqual(parse([text.slice(0, i), "", text.slice(i)]), expected, `split at ${i}`);
  }
});

test("the parser: a CR ending a piece and an LF starting the next are one line end", () => {
  assert.deepEqual(parse(["data: a\r", "\ndata: b\r", "\n\r", "\n"]), [
    { type: "message", data: "a\nb", id: "" },
  ]);
  // A CR alone, then a blank line made of another CR.
  assert.deepEqual(parse(["data: a\r", "\r"]), [{ type: "message", data: "a", id: "" }]);
});

test("the parser: one event may take maxBytes bytes of UTF-8, its data and the line being read", () => {
  // "data: abcd" is 10 bytes: it fits; so does the event's data and the next line.
  const fits = new EventParser(10);
  assert.deepEqual(fits.push("data: abcd\n\ndata: ab\ndata\n\n"), [
    { type: "message", data: "abcd", id: "" },
    { type: "message", data: "ab\n", id: "" },
  ]);
  assert.equal(fits.error, undefined);
  // A line of 11 bytes, in one piece or cut, the events before it still returned.
  for (const pieces of [["data: 1\n\ndata: abcde\n\n"], ["data: 1\n\ndata: ab", "cde", "\n\n"]]) {
    const parser = new EventParser(10);
    assert.deepEqual(pieces.flatMap((p) => parser.push(p)), [{ type: "message", data: "1", id: "" }]);
    assert.ok(parser.error instanceof SyntaxError);
    assert.equal(parser.error.message, "event stream: an event exceeded 10 bytes");
    // Nothing more is parsed.
    assert.deepEqual(parser.push("data: 2\n\n"), []);
  }
  // "é" is two bytes: "data: éé" is 10, "data: ééé" 12.
  assert.equal(new EventParser(10).push("data: éé\n\n").length, 1);
  const wide = new EventParser(10);
  assert.deepEqual(wide.push("data: ééé"), []);
  assert.ok(wide.error instanceof SyntaxError);
  // Data lines add up: 3 bytes of data ("a\nb") and a line of 8 ("data: cd").
  const lines = new EventParser(10);
  assert.deepEqual(lines.push("data: a\ndata: b\ndata: cd\n"), []);
  assert.ok(lines.error instanceof SyntaxError);
});

// The stream through the client, against a stand-in server.

test("several events in one chunk, with ids, read with for await", LIMIT, async () => {
  const { client, seen, stop } = await serve((_, res) => {
    head(res);
    res.end(frame(existing(ada), ada.id) + frame(existing(grace), grace.id));
  });
  try {
    const stream = await client.userEvents();
    assert.ok(stream instanceof EventStream);
    assert.equal(stream.lastEventId, "");
    assert.equal(stream.headers.get("content-type"), "text/event-stream");
    assert.deepEqual(await all(stream), [existing(ada), existing(grace)]);
    assert.equal(stream.lastEventId, grace.id);
    // The end stays the end.
    assert.deepEqual(await stream.next(), { done: true, value: undefined });
    const request = seen[0];
    assert.ok(request);
    assert.equal(request.url, "/users/events");
    assert.equal(request.headers.accept, "text/event-stream, application/problem+json");
    assert.equal(request.headers["gati-version"], "2025-06-01");
    assert.equal(await hungUp(request), false, "the server ended the stream");
  } finally {
    await stop();
  }
});

test("an event split across chunks, a character at a time, with CRLF and CR", LIMIT, async () => {
  // A two-byte character is split between its bytes, and CRLF between CR and LF.
  const named: User = { ...ada, display_name: "Adé" };
  const wire =
    "id: 1\r\n" + `data: ${JSON.stringify(existing(named))}\r\n\r\n` + "id: 2\r" + `data: ${JSON.stringify(existing(grace))}\r\r`;
  const bytes = Buffer.from(wire, "utf8");
  const { client, stop } = await serve(async (_, res) => {
    head(res);
    for (let i = 0; i < bytes.length; i += 7) {
      res.write(bytes.subarray(i, i + 7));
      await sleep(1);
    }
    res.end();
  });
  try {
    const stream = await client.userEvents();
    const first = await stream.next();
    assert.deepEqual(first, { done: false, value: existing(named) });
    assert.equal(stream.lastEventId, "1");
    assert.deepEqual(await all(stream), [existing(grace)]);
    assert.equal(stream.lastEventId, "2");
  } finally {
    await stop();
  }
});

test("multi-line data, comments, keep-alives, retry and other event types", LIMIT, async () => {
  const json = JSON.stringify(existing(ada), null, 2).split("\n");
  const { client, stop } = await serve((_, res) => {
    head(res);
    res.write(":\n\n");
    res.write("retry: 10\n: just a comment\n");
    res.end(
      json.map((line) => `data:${line}\n`).join("") +
        "\n" +
        "event: ping\ndata: {}\n\n" +
        "id: 7\nevent: message\ndata: " +
        JSON.stringify(existing(grace)) +
        "\n\n" +
        "data: " +
        JSON.stringify(existing(ada)) +
        "\n\n" +
        // Cut off before its blank line: never dispatched.
        "id: 9\ndata: {}\n",
    );
  });
  try {
    const stream = await client.userEvents();
    assert.deepEqual(await all(stream), [existing(ada), existing(grace), existing(ada)]);
    // An event without an id keeps the one before it.
    assert.equal(stream.lastEventId, "7");
  } finally {
    await stop();
  }
});

test("an error event is thrown as a typed ApiError and ends the stream", LIMIT, async () => {
  const { client, stop } = await serve((_, res) => {
    head(res);
    res.end(
      frame(existing(ada), "1") +
        "event: error\ndata: " +
        JSON.stringify({ type: "urn:problem:users:not-found", title: "NotFound", status: 404, id: ada.id }) +
        "\n\n" +
        frame(existing(grace), "2"),
    );
  });
  try {
    const stream = await client.userEvents();
    const seen: UserEvent[] = [];
    const error = await (async () => {
      for await (const event of stream) {
        seen.push(event);
      }
    })().catch((e: unknown) => e);
    assert.deepEqual(seen, [existing(ada)]);
    assert.ok(error instanceof NotFoundError, String(error));
    assert.equal(error.status, 404);
    assert.equal(error.problem.id, ada.id);
    assert.deepEqual(await stream.next(), { done: true, value: undefined });
  } finally {
    await stop();
  }
});

test("an error event that is not a problem is still an ApiError", LIMIT, async () => {
  const { client, stop } = await serve((_, res) => {
    head(res);
    res.end("event: error\ndata: broken\n\n");
  });
  try {
    const stream = await client.userEvents();
    const error = await stream.next().catch((e: unknown) => e);
    assert.ok(error instanceof ApiError, String(error));
    assert.equal(error.status, 500);
    assert.equal(error.problem.detail, "broken");
  } finally {
    await stop();
  }
});

test("data that is not JSON throws a SyntaxError", LIMIT, async () => {
  const { client, seen, stop } = await serve((_, res) => {
    head(res);
    res.write("data: {not json\n\n");
  });
  try {
    const stream = await client.userEvents();
    const error = await stream.next().catch((e: unknown) => e);
    assert.ok(error instanceof SyntaxError, String(error));
    assert.equal(await hungUp(seen[0]), true, "the request was ended");
  } finally {
    await stop();
  }
});

test("a line longer than maxEventBytes ends the stream with a SyntaxError and ends the request", LIMIT, async () => {
  const { client, seen, stop } = await serve(async (_, res) => {
    head(res);
    res.write(frame(existing(ada), "1"));
    // A line that never ends, sent in pieces; the stream stays open.
    for (let i = 0; i < 4; i++) {
      res.write((i === 0 ? "data: " : "") + "x".repeat(400));
      await sleep(5);
    }
  }, { maxEventBytes: 1024 });
  try {
    const stream = await client.userEvents({ follow: true });
    // The event before the one too large is still read.
    assert.deepEqual(await stream.next(), { done: false, value: existing(ada) });
    const error = await stream.next().catch((e: unknown) => e);
    assert.ok(error instanceof SyntaxError, String(error));
    assert.equal(error.message, "event stream: an event exceeded 1024 bytes");
    assert.equal(await hungUp(seen[0]), true, "the request was ended");
    assert.deepEqual(await stream.next(), { done: true, value: undefined });
    assert.equal(stream.lastEventId, "1");
  } finally {
    await stop();
  }
});

test("data lines that add up past maxEventBytes end the stream with a SyntaxError", LIMIT, async () => {
  const { client, seen, stop } = await serve(async (_, res) => {
    head(res);
    // Short lines, never a blank one: the event never ends.
    for (let i = 0; i < 40; i++) {
      res.write("data: 1234567890\n".repeat(10));
      await sleep(2);
    }
  }, { maxEventBytes: 1024 });
  try {
    const stream = await client.userEvents({ follow: true });
    const error = await (async () => {
      for await (const event of stream) {
        assert.fail(`no event is complete, yet one was read: ${JSON.stringify(event)}`);
      }
    })().catch((e: unknown) => e);
    assert.ok(error instanceof SyntaxError, String(error));
    assert.equal(error.message, "event stream: an event exceeded 1024 bytes");
    assert.equal(await hungUp(seen[0]), true, "the request was ended");
  } finally {
    await stop();
  }
});

test("an error answer before the stream is thrown like any method's", LIMIT, async () => {
  const { client, seen, stop } = await serve((_, res) => {
    res.writeHead(404, { "content-type": "application/problem+json", "x-request-id": "r1" });
    res.end(JSON.stringify({ type: "urn:problem:users:not-found", title: "NotFound", status: 404, id: ada.id }));
  });
  try {
    const error = await client.userEvents({ follow: true }).catch((e: unknown) => e);
    assert.ok(error instanceof NotFoundError, String(error));
    assert.equal(error.requestId, "r1");
    assert.equal(seen.length, 1, "a 404 is not retried");
    assert.equal(seen[0]?.url, "/users/events?follow=true");
  } finally {
    await stop();
  }
});

test("the request is retried before the head arrives, as any GET", LIMIT, async () => {
  const { client, seen, stop } = await serve((_, res, n) => {
    if (n === 1) {
      res.writeHead(503, { "content-type": "application/problem+json", "retry-after": "0" });
      res.end(JSON.stringify({ type: "about:blank", title: "Service Unavailable", status: 503 }));
      return;
    }
    head(res);
    res.end(frame(existing(ada)));
  });
  try {
    const stream = await client.userEvents();
    assert.deepEqual(await all(stream), [existing(ada)]);
    assert.equal(seen.length, 2);
  } finally {
    await stop();
  }
});

test("a stream that breaks throws, and is never reopened", LIMIT, async () => {
  const { client, seen, stop } = await serve(async (_, res) => {
    head(res);
    res.write(frame(existing(ada), "1"));
    await sleep(20);
    res.destroy();
  });
  try {
    const stream = await client.userEvents();
    assert.deepEqual(await stream.next(), { done: false, value: existing(ada) });
    const error = await stream.next().catch((e: unknown) => e);
    assert.ok(error instanceof Error, String(error));
    assert.deepEqual(await stream.next(), { done: true, value: undefined });
    await sleep(50);
    assert.equal(seen.length, 1, "no second request");
  } finally {
    await stop();
  }
});

test("close() mid-stream ends the request, and a waiting read finds the end", LIMIT, async () => {
  const { client, seen, stop } = await serve((_, res) => {
    head(res);
    res.write(frame(existing(ada), "1"));
    // The stream stays open, as with `follow`.
  });
  try {
    const stream = await client.userEvents({ follow: true });
    assert.deepEqual(await stream.next(), { done: false, value: existing(ada) });
    const waiting = stream.next();
    await sleep(20);
    stream.close();
    assert.deepEqual(await waiting, { done: true, value: undefined });
    assert.equal(await hungUp(seen[0]), true, "the client hung up");
    stream.close();
    assert.equal(stream.lastEventId, "1");
  } finally {
    await stop();
  }
});

test("leaving a for await loop early closes the stream", LIMIT, async () => {
  const { client, seen, stop } = await serve((_, res) => {
    head(res);
    res.write(frame(existing(ada), "1") + frame(existing(grace), "2"));
  });
  try {
    const stream = await client.userEvents({ follow: true });
    for await (const event of stream) {
      assert.deepEqual(event, existing(ada));
      break;
    }
    assert.equal(await hungUp(seen[0]), true, "the client hung up");
    assert.deepEqual(await stream.next(), { done: true, value: undefined });
  } finally {
    await stop();
  }
});

test("the timeout bounds the wait for the head, not the stream", LIMIT, async () => {
  const { client, stop } = await serve(async (_, res) => {
    head(res);
    for (const user of [ada, grace]) {
      await sleep(150);
      res.write(frame(existing(user)));
    }
    res.end();
  }, { timeoutMs: 50 });
  try {
    const stream = await client.userEvents();
    assert.deepEqual(await all(stream), [existing(ada), existing(grace)]);
  } finally {
    await stop();
  }
});

test("a head that does not come in time times out", LIMIT, async () => {
  const { client, seen, stop } = await serve(async (_, res) => {
    await sleep(300);
    head(res);
    res.end();
  }, { timeoutMs: 50, retries: 1 });
  try {
    const error = await client.userEvents().catch((e: unknown) => e);
    assert.ok(error instanceof RequestTimeoutError, String(error));
    assert.equal(seen.length, 2, "retried once, as any GET");
  } finally {
    await stop();
  }
});

test("the call's signal cancels the open stream", LIMIT, async () => {
  const { client, seen, stop } = await serve((_, res) => {
    head(res);
    res.write(frame(existing(ada)));
  });
  try {
    const controller = new AbortController();
    const stream = await client.userEvents({ follow: true }, { signal: controller.signal });
    assert.deepEqual(await stream.next(), { done: false, value: existing(ada) });
    setTimeout(() => controller.abort(new Error("stop")), 10);
    const error = await stream.next().catch((e: unknown) => e);
    assert.ok(error instanceof Error);
    assert.equal(error.message, "stop");
    assert.equal(await hungUp(seen[0]), true, "the client hung up");
  } finally {
    await stop();
  }
});
