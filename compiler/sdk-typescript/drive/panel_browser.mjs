// Loads the control panel, `/_gati/` on the admin listener, of the users
// example in headless Chromium while a bounded load mixes API versions:
// about 70 % of the requests at 2025-01-01 and 30 % at the head,
// 2025-06-01. The per-version shares the panel shows must match the
// traffic sent within 5 percentage points, and its request counts must
// equal it exactly; the routes, recent errors (with their problem bodies),
// the access log's tail (searchable, with the caller's principal) and the
// configuration in effect are checked too. The page must load without a
// Content-Security-Policy violation or a script error.
//
// Started by tests/panel.rs with GATIC_TEST_SERVER_BIN naming the users
// example's server binary, CHROMIUM the browser, and PANEL_SHOTS the folder
// the screenshots (`panel-*.png`) are written to.

import path from "node:path";
import assert from "node:assert/strict";
import { freePort, launchChromium, startServer, watchedPage } from "./browser_support.mjs";

const shots = process.env.PANEL_SHOTS;
const OLD = "2025-01-01", HEAD = "2025-06-01";

const [apiPort, adminPort] = [await freePort(), await freePort()];
const api = `http://127.0.0.1:${apiPort}`;
const admin = `http://127.0.0.1:${adminPort}`;
const server = await startServer({
  PORT: String(apiPort), GATI_ADMIN_PORT: String(adminPort),
  GATI_ACCESS_LOG: "on", GATI_QUEUE_TIMEOUT_MS: "2000",
}, `${admin}/readyz`);

/** Sends `count` requests made by `make(i)`, `workers` at a time. */
async function load(count, workers, make) {
  let next = 0;
  const statuses = [];
  await Promise.all(Array.from({ length: workers }, async () => {
    while (next < count) {
      const i = next++;
      const [url, init] = make(i);
      const response = await fetch(url, init);
      await response.arrayBuffer();
      statuses.push(response.status);
    }
  }));
  return statuses;
}

let browser;
try {
  // Five users, created at the head by the example's token's holder.
  const sent = { [OLD]: 0, [HEAD]: 0 };
  const ids = [];
  for (let i = 0; i < 5; i++) {
    const handle = `panel_${i}_${Date.now().toString(36)}`;
    const response = await fetch(`${api}/users`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer example-token", "gati-version": HEAD },
      body: JSON.stringify({ handle, email: `${handle}@example.com`, display_name: `Panel ${i}` }),
    });
    const text = await response.text();
    assert.equal(response.status, 201, text);
    ids.push(JSON.parse(text).id);
    sent[HEAD]++;
  }

  browser = await launchChromium();
  const { page, problems } = await watchedPage(browser, { width: 1440, height: 1300 });
  await page.goto(`${admin}/_gati/`);
  await page.waitForSelector("body[data-loaded]", { timeout: 15_000 });
  assert.equal(await page.title(), "Control panel");
  // The generated server says what built it (not the runtime's "unknown").
  assert.match(await page.textContent("#build"), /^gatic \d+\.\d+\.\d+ · spec [0-9a-f]{16} · up /);

  // The load, while the page polls: every tenth request asks for a user
  // that does not exist (a 404 with a problem body), the rest for one of
  // the five; seven in ten at the old version.
  // Fewer than the 500 lines the panel's tail keeps, so the creations are
  // still in it.
  const total = 400;
  const statuses = await load(total, 8, (i) => {
    const version = i % 10 < 7 ? OLD : HEAD;
    sent[version]++;
    const id = i % 10 === 9 ? "00000000-0000-4000-8000-000000000000" : ids[i % ids.length];
    return [`${api}/users/${id}`, { headers: { "gati-version": version } }];
  });
  assert.equal(statuses.filter((s) => s === 200).length, total - total / 10, `statuses ${statuses}`);
  assert.equal(statuses.filter((s) => s === 404).length, total / 10);
  await page.screenshot({ path: path.join(shots, "panel-under-load.png") });

  // The panel catches up within a few polls.
  const all = sent[OLD] + sent[HEAD];
  await page.waitForFunction(
    ([old, head]) => {
      const row = (v) => document.querySelector(`#versions tr[data-version="${v}"]`);
      return row(old[0])?.dataset.requests === String(old[1]) && row(head[0])?.dataset.requests === String(head[1]);
    },
    [[OLD, sent[OLD]], [HEAD, sent[HEAD]]], { timeout: 15_000 });
  const shown = await page.$$eval("#versions tr[data-version]", (rows) =>
    Object.fromEntries(rows.map((r) => [r.dataset.version, Number(r.dataset.share)])));
  for (const version of [OLD, HEAD]) {
    const expected = (100 * sent[version]) / all;
    assert.ok(Math.abs(shown[version] - expected) <= 5, `${version}: shown ${shown[version]} %, sent ${expected.toFixed(1)} %`);
  }
  // Newest first, the head marked, the old version's row present.
  const order = await page.$$eval("#versions tr[data-version]", (rows) => rows.map((r) => r.dataset.version));
  assert.deepEqual(order, [HEAD, OLD]);
  assert.equal(await page.textContent(`#versions tr[data-version="${HEAD}"] .badge`), "head");

  // Routes: get_user counted every GET, create_user the five.
  await page.waitForFunction((n) => document.querySelector('#routes tr[data-route="get_user"] td:nth-child(7)')?.textContent === String(n), total, { timeout: 10_000 });
  assert.equal(await page.textContent('#routes tr[data-route="create_user"] td:nth-child(7)'), "5");
  assert.equal(await page.textContent('#routes tr[data-route="get_user"] td:nth-child(8)'), String(total / 10));

  // Recent errors carry the problem body of the 404s.
  const error = page.locator("#errors li[data-status='404']").first();
  await error.waitFor({ timeout: 10_000 });
  assert.match(await error.locator("pre").textContent(), /"status": 404/);

  // The access log's tail: the creations name their principal; the search
  // keeps only matching lines.
  await page.fill("#log-search", "create_user");
  const lines = await page.$$eval("#log div[data-line]", (ls) => ls.map((l) => l.dataset.line));
  assert.equal(lines.length, 5, lines.join("\n"));
  for (const line of lines) {
    const entry = JSON.parse(line);
    assert.equal(entry.route, "create_user");
    assert.equal(entry.status, 201);
    assert.equal(entry.principal, "operator");
  }
  await page.locator("#log").scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(shots, "panel-log.png"), fullPage: true });
  await page.fill("#log-search", "");

  // Who still calls the old version: the tail's GETs came from this
  // address, without a principal (get_user does not authenticate).
  const callers = await page.$$eval("#callers tr[data-caller]", (rows) => rows.map((r) => [r.dataset.version, r.children[2].textContent]));
  assert.equal(callers.length, 1, JSON.stringify(callers));
  assert.equal(callers[0][0], OLD);
  assert.ok(Number(callers[0][1]) > 0);

  // The configuration in effect says where each value came from.
  const setting = (name) => page.$eval(`#settings tr[data-setting="${name}"]`, (r) => [r.children[1].textContent, r.dataset.source]);
  assert.deepEqual(await setting("concurrency"), ["512", "spec"]);
  assert.deepEqual(await setting("queue_timeout"), ["2000 ms", "env"]);
  assert.deepEqual(await setting("access_log"), ["on", "env"]);
  assert.deepEqual(await setting("max_connections"), ["the file descriptor limit less 64", "default"]);

  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(shots, "panel.png") });
  assert.deepEqual(problems, []);
  console.log(JSON.stringify({ sent, shown }));
} finally {
  await browser?.close();
  server.kill("SIGTERM");
}
