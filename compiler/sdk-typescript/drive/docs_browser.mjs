// Loads the users example's documentation page, `/docs`, in headless
// Chromium: the version switcher lists both versions newest first, the
// routes and schemas are rendered, switching to 2025-01-01 shows `User` with
// `name` instead of `display_name`, and one "try it" call (`POST /users`
// with the example's bearer token) succeeds. The page must load without a
// Content-Security-Policy violation or a script error.
//
// Started by tests/docs_page.rs with GATIC_TEST_SERVER_BIN naming the users
// example's server binary, CHROMIUM the browser, and DOCS_SHOTS the folder
// the screenshots (`docs-*.png`) are written to.

import path from "node:path";
import assert from "node:assert/strict";
import { freePort, launchChromium, startServer, watchedPage } from "./browser_support.mjs";

const shots = process.env.DOCS_SHOTS;

const apiPort = await freePort();
const api = `http://127.0.0.1:${apiPort}`;
const server = await startServer({ PORT: String(apiPort) }, `${api}/readyz`);

let browser;
try {
  browser = await launchChromium();
  const { page, problems } = await watchedPage(browser, { width: 1280, height: 900 });

  await page.goto(`${api}/docs`);
  await page.waitForSelector('body[data-loaded="2025-06-01"]', { timeout: 15_000 });
  assert.equal(await page.title(), "Users and Posts · docs");
  const options = await page.$$eval("#version option", (os) => os.map((o) => o.value));
  assert.deepEqual(options, ["2025-06-01", "2025-01-01"]);
  const routes = await page.$$eval("[data-route]", (rs) => rs.map((r) => r.dataset.route));
  for (const name of ["create_user", "get_user", "user_events", "delete_user", "create_post"]) {
    assert.ok(routes.includes(name), `route ${name} in ${routes}`);
  }
  const fields = (schema) => page.$$eval(`[data-schema="${schema}"] tr[data-field]`, (rows) => rows.map((r) => r.dataset.field));
  assert.ok((await fields("User")).includes("display_name"));
  assert.ok(!(await fields("User")).includes("name"));
  assert.ok((await fields("Post")).includes("tags"));
  const errors = await page.$$eval("[data-error]", (es) => es.map((e) => e.dataset.error));
  assert.deepEqual(errors.sort(), ["NotFound", "Rejected", "Taken"]);
  // Auth and scopes, and the route's own statuses, are shown.
  assert.match(await page.textContent('[data-route="delete_user"] [data-auth]'), /bearer.*users:admin/);
  assert.equal(await page.textContent('[data-route="get_user"] [data-auth]'), "Auth: none");
  assert.ok(await page.$('[data-route="create_user"] tr[data-status="201"]'));
  // Descriptions are text, never markup.
  assert.equal(await page.$$eval("main script, main iframe, main img", (n) => n.length), 0);
  await page.screenshot({ path: path.join(shots, "docs-top.png") });

  // One call from the page: create a user with the example's token.
  const route = page.locator('[data-route="create_user"]');
  await route.scrollIntoViewIfNeeded();
  await route.locator("details.try > summary").click();
  await page.fill("#token", "example-token");
  const handle = `docs_${Date.now().toString(36)}`;
  await route.locator("textarea[data-body]").fill(JSON.stringify({
    handle, email: `${handle}@example.com`, display_name: "From the docs page",
  }, null, 2));
  await route.locator("button[data-send]").click();
  const status = route.locator("pre[data-try-status][data-code]");
  await status.waitFor({ timeout: 10_000 });
  assert.equal(await status.getAttribute("data-code"), "201", await route.locator("pre[data-try-body]").textContent());
  assert.match(await route.locator("pre[data-try-headers]").textContent(), /gati-version: 2025-06-01/);
  assert.equal(JSON.parse(await route.locator("pre[data-try-body]").textContent()).handle, handle);
  await route.screenshot({ path: path.join(shots, "docs-try.png") });

  // The event stream route, with no token needed, shows the user created.
  const events = page.locator('[data-route="user_events"]');
  await events.scrollIntoViewIfNeeded();
  await events.locator("details.try > summary").click();
  await events.locator("button[data-send]").click();
  await events.locator("pre[data-try-status][data-code]").waitFor({ timeout: 10_000 });
  assert.equal(await events.locator("pre[data-try-status]").getAttribute("data-code"), "200");
  await page.waitForFunction(
    (h) => document.querySelector('[data-route="user_events"] pre[data-try-body]').textContent.includes(h),
    handle, { timeout: 10_000 });

  // The old version: `User` has `name`, and calls are sent at that version.
  await page.selectOption("#version", "2025-01-01");
  await page.waitForSelector('body[data-loaded="2025-01-01"]', { timeout: 15_000 });
  assert.ok(new URL(page.url()).searchParams.get("version") === "2025-01-01");
  assert.ok((await fields("User")).includes("name"));
  assert.ok(!(await fields("User")).includes("display_name"));
  assert.ok(!(await fields("Post")).includes("tags"));
  await page.locator('[data-schema="User"]').scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(shots, "docs-old-version.png") });
  const get = page.locator('[data-route="get_user"]');
  const created = await (await fetch(`${api}/users/events`)).text();
  const id = created.match(new RegExp(`"id":"([0-9a-f-]{36})"[^\\n]*"handle":"${handle}"`))?.[1];
  assert.ok(id, created);
  await get.locator("details.try > summary").click();
  await get.locator('input[data-param="id"]').fill(id);
  await get.locator("button[data-send]").click();
  await get.locator("pre[data-try-status][data-code]").waitFor({ timeout: 10_000 });
  assert.equal(await get.locator("pre[data-try-status]").getAttribute("data-code"), "200");
  const old = JSON.parse(await get.locator("pre[data-try-body]").textContent());
  assert.equal(old.name, "From the docs page");
  assert.equal(old.display_name, undefined);

  assert.deepEqual(problems, []);
  console.log(JSON.stringify({ options, routes: routes.length, errors }));
} finally {
  await browser?.close();
  server.kill("SIGTERM");
}
