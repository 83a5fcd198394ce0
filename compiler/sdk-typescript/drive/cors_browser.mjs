// Runs the users example's TypeScript SDK in headless Chromium, from a page
// on another loopback origin than the API's: the API allows the page's
// origin (GATI_CORS_ORIGINS), so preflights pass and the page reads answers,
// problems, exposed headers and a stream of events; a page on a third origin
// is refused.
//
// Started by tests/browser.rs from the compiled SDK's folder (`out/`), with
// GATIC_TEST_SERVER_BIN naming the users example's server binary, and
// CHROMIUM the browser. Writes `cors.png`, a screenshot of the allowed page.

import { readFile } from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import assert from "node:assert/strict";
import { freePort, launchChromium, startServer } from "./browser_support.mjs";

const root = process.cwd();
const types = { ".html": "text/html", ".js": "text/javascript" };

/** A static server for `root` on a free loopback port. */
async function serveStatic() {
  const server = http.createServer(async (req, res) => {
    const file = path.join(root, new URL(req.url, "http://x").pathname);
    try {
      const body = await readFile(file);
      res.writeHead(200, { "content-type": types[path.extname(file)] ?? "application/octet-stream" });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((done) => server.listen(0, "127.0.0.1", done));
  return { server, origin: `http://127.0.0.1:${server.address().port}` };
}

const allowed = await serveStatic();
const other = await serveStatic();
const apiPort = await freePort();
const api = `http://127.0.0.1:${apiPort}`;
const server = await startServer({ PORT: String(apiPort), GATI_CORS_ORIGINS: allowed.origin }, `${api}/readyz`);

let browser;
try {
  browser = await launchChromium();
  const run = async (origin) => {
    const page = await browser.newPage();
    await page.goto(`${origin}/index.html?api=${encodeURIComponent(api)}`);
    await page.waitForSelector("body[data-done]", { timeout: 15_000 });
    const outcome = JSON.parse(await page.textContent("#result"));
    return { page, outcome };
  };

  const ok = await run(allowed.origin);
  await ok.page.screenshot({ path: path.join(root, "cors.png") });
  console.log(JSON.stringify(ok.outcome));
  assert.equal(ok.outcome.error, undefined, JSON.stringify(ok.outcome));
  assert.equal(ok.outcome.created, "From a browser");
  assert.equal(ok.outcome.fetched, true);
  // The declared response headers (Location, ETag) are readable cross-origin.
  assert.equal(ok.outcome.location, true);
  assert.equal(ok.outcome.etag, true);
  // Bytes went and came back unchanged; text came back as a string.
  assert.deepEqual(ok.outcome.avatar, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.match(ok.outcome.card, /^From a browser \(@web_[a-z0-9]+\)\n$/);
  // A form went as multipart/form-data, its file with its name and type.
  assert.deepEqual(ok.outcome.photo, ["image/png", 8, "dot.png", "From a browser"]);
  assert.deepEqual(ok.outcome.events, ["existing", true]);
  // The 404's problem and its request id are readable cross-origin.
  assert.deepEqual(ok.outcome.missing, { status: 404, requestId: true });
  // Every answer's exposed version header and request id were readable.
  assert.ok(ok.outcome.seen.length >= 3);
  for (const [version, id] of ok.outcome.seen) {
    assert.equal(version, "2025-06-01");
    assert.ok(id);
  }

  // A page on an origin the API does not allow cannot call it.
  const refused = await run(other.origin);
  console.log(JSON.stringify(refused.outcome));
  assert.match(String(refused.outcome.error), /Failed to fetch|TypeError/);
} finally {
  await browser?.close();
  server.kill("SIGTERM");
  allowed.server.close();
  other.server.close();
}
