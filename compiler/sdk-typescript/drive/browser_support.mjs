// What the browser scripts share: a free loopback port, the users example
// started with extra environment and waited for, Debian's Chromium
// launched headless, and a page that records every script error, console
// error and failed request (a Content-Security-Policy violation is one).
//
// The Rust tests copy this file next to each script, which imports it.

import { spawn } from "node:child_process";
import http from "node:http";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";

/** A free loopback port. */
export async function freePort() {
  const probe = http.createServer();
  await new Promise((done) => probe.listen(0, "127.0.0.1", done));
  const { port } = probe.address();
  await new Promise((done) => probe.close(done));
  return port;
}

/**
 * Starts GATIC_TEST_SERVER_BIN with `env` added, and waits until
 * `ready` (a URL, its `/readyz`) answers 200. Returns the child process.
 */
export async function startServer(env, ready) {
  const server = spawn(process.env.GATIC_TEST_SERVER_BIN, [], {
    env: { ...process.env, GATI_HOST: "127.0.0.1", ...env },
    stdio: ["ignore", "ignore", "inherit"],
  });
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(ready)).ok) break;
    } catch {}
    assert.ok(i < 100, "the users example did not start");
    await new Promise((done) => setTimeout(done, 100));
  }
  return server;
}

/** Headless Chromium: CHROMIUM, with nothing reaching outside. */
export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

/**
 * A new page of `browser` with `viewport`, and the list that collects its
 * problems: script errors, console errors and failed requests (the
 * favicon, which no page here has, aside).
 */
export async function watchedPage(browser, viewport) {
  const page = await browser.newPage({ viewport });
  const problems = [];
  page.on("pageerror", (error) => problems.push(`page error: ${error}`));
  page.on("console", (message) => {
    if (message.type() === "error" && !/favicon/.test(message.text())) problems.push(`console: ${message.text()}`);
  });
  page.on("requestfailed", (request) => {
    if (!request.url().endsWith("/favicon.ico")) problems.push(`request failed: ${request.url()}`);
  });
  return { page, problems };
}
