// The page's script: the users example's TypeScript SDK, called from a
// browser page on another origin than the API's (`?api=` names the API).
// What happened goes into `#result` as JSON, and `data-done` marks the end.

import { ApiError, NotFoundError, UsersClient } from "../src/index.js";

type Outcome = Record<string, unknown>;

async function drive(): Promise<Outcome> {
  const baseUrl = new URLSearchParams(location.search).get("api") ?? "";
  const outcome: Outcome = { origin: location.origin };
  // The version header and request id of every answer, as the page can read
  // them: only exposed headers are visible to a cross-origin page.
  const seen: (string | null)[][] = [];
  const client = new UsersClient({
    baseUrl,
    token: "example-token",
    timeoutMs: 5_000,
    fetch: async (input: string, init: RequestInit): Promise<Response> => {
      const response = await fetch(input, init);
      seen.push([response.headers.get("gati-version"), response.headers.get("x-request-id")]);
      return response;
    },
  });
  const run = Math.random().toString(36).slice(2, 10);
  try {
    const created = await client.createUser({
      handle: `web_${run}`,
      email: `web.${run}@example.com`,
      display_name: "From a browser",
    });
    outcome["created"] = created.body.display_name;
    outcome["location"] = created.headers.location === `/users/${created.body.id}`;
    const fetched = await client.getUser(created.body.id);
    outcome["fetched"] = fetched.body.id === created.body.id;
    outcome["etag"] = fetched.headers.etag !== "";
    // Bytes cross origins as they are (a preflighted `image/png` PUT), and
    // come back as a Blob; text comes back as a string.
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    await client.putAvatar(created.body.id, png);
    const avatar = new Uint8Array(await (await client.getAvatar(created.body.id)).arrayBuffer());
    outcome["avatar"] = Array.from(avatar);
    outcome["card"] = await client.getCard(created.body.id);
    // A multipart form crosses origins too: the browser encodes the FormData
    // and sets its Content-Type, boundary and all.
    const photo = await client.addPhoto(created.body.id, {
      photo: new File([png], "dot.png", { type: "image/png" }),
      caption: "From a browser",
    });
    outcome["photo"] = [photo.content_type, photo.size, photo.filename, photo.caption];
    // Server-sent events cross origins too, read from the body's
    // ReadableStream as they arrive; leaving the loop closes the stream.
    const events = await client.userEvents({ follow: true });
    outcome["events"] = "not seen";
    for await (const event of events) {
      if (event.user.id === created.body.id) {
        outcome["events"] = [event.change, events.lastEventId === created.body.id];
        break;
      }
    }
    try {
      await client.getUser("00000000-0000-4000-8000-000000000000");
      outcome["missing"] = "no error";
    } catch (error) {
      outcome["missing"] =
        error instanceof NotFoundError
          ? { status: error.status, requestId: error.requestId !== null }
          : String(error);
    }
    outcome["seen"] = seen;
  } catch (error) {
    outcome["error"] = error instanceof ApiError ? `${error.status} ${error.message}` : String(error);
  }
  return outcome;
}

function report(outcome: Outcome): void {
  const result = document.getElementById("result");
  if (result !== null) {
    result.textContent = JSON.stringify(outcome, null, 2);
  }
  document.body.dataset["done"] = "1";
}

drive().then(report, (error: unknown) => report({ error: String(error) }));
