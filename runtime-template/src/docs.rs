//! The API's documentation page, served at `GET /docs` (and `/docs/`) when
//! the service has an OpenAPI document: one self-contained HTML page, with
//! its style and script inline and nothing loaded from elsewhere, that reads
//! the documents the server already serves (`/openapi.json`,
//! `/openapi/<date>.json`) and shows every route, schema and error of the
//! version chosen, with a form per route that calls the API from the page.
//!
//! The server writes the versions it serves (newest first) and its version
//! header into the page as a JSON data block, so the page learns them
//! without another request. The script sets document text with
//! `textContent` only, so no description can inject markup, and the
//! `Content-Security-Policy` allows the inline script and style and requests
//! to the server itself, nothing else.

use hyper::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, HeaderValue, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS,
};
use serde_json::{Value, json};

use super::problem::with_body;
use super::server::{Response, Service};

/// What the page may do: run its own inline script and style, and fetch
/// from the server that sent it; no images, frames, forms or plugins.
pub const POLICY: &str = "default-src 'none'; script-src 'unsafe-inline'; \
    style-src 'unsafe-inline'; connect-src 'self'; base-uri 'none'; \
    form-action 'none'; frame-ancestors 'none'";

/// The text in the page that the server replaces with its configuration.
const SLOT: &str = "\"GATI_DOCS_CONFIG\"";

/// The page for `service`: the template with the service's versions and
/// version header written in.
pub(super) fn page<S: Service>(service: &S) -> Response {
    let versions: Vec<Value> = service
        .versions()
        .iter()
        .rev()
        .map(|v| {
            json!({
                "date": v.date,
                "deprecated": v.deprecation.is_some(),
                "sunset": v.sunset,
            })
        })
        .collect();
    let config = json!({ "header": service.version_header(), "versions": versions });
    // A `<` in the data block could close the script element early; JSON
    // allows the escaped form anywhere a string holds one.
    let config = config.to_string().replace('<', "\\u003c");
    html(PAGE.replacen(SLOT, &config, 1).into_bytes())
}

/// A self-contained page: not cached without revalidation, not sniffed,
/// under [`POLICY`], sending no referrer (the docs page and the control
/// panel).
pub(super) fn html(body: Vec<u8>) -> Response {
    let mut response = with_body(200, "text/html; charset=utf-8", body);
    let headers = response.headers_mut();
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(POLICY));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    response
}

/// The page's template; `SLOT` marks where the configuration goes.
const PAGE: &str = r##"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="gati-docs">
<title>API documentation</title>
<style>
:root { --fg: #1d2330; --muted: #5b6475; --bg: #fff; --panel: #f5f7fa; --line: #dde2ea; --accent: #2457c5; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e4e8ef; --muted: #9aa4b5; --bg: #161a21; --panel: #1f242d; --line: #323946; --accent: #7aa5ff; }
}
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
code, pre, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 13px; }
header { display: flex; flex-wrap: wrap; gap: 12px 24px; align-items: center; padding: 12px 20px; border-bottom: 1px solid var(--line); background: var(--panel); position: sticky; top: 0; z-index: 1; }
header h1 { font-size: 19px; margin: 0; flex: 1 1 auto; }
header label { color: var(--muted); font-size: 13px; }
select, input, textarea, button { font: inherit; color: var(--fg); background: var(--bg); border: 1px solid var(--line); border-radius: 4px; padding: 3px 6px; }
button { cursor: pointer; background: var(--accent); color: #fff; border-color: var(--accent); padding: 4px 12px; }
button:disabled { opacity: .5; cursor: default; }
.layout { display: flex; align-items: flex-start; }
nav { flex: 0 0 250px; position: sticky; top: 58px; max-height: calc(100vh - 58px); overflow: auto; padding: 12px 16px; border-right: 1px solid var(--line); font-size: 13px; }
nav h2 { font-size: 12px; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); margin: 14px 0 4px; }
nav a { display: block; color: var(--fg); text-decoration: none; padding: 1px 0; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
nav a:hover { color: var(--accent); }
main { flex: 1 1 auto; min-width: 0; padding: 8px 28px 60px; max-width: 1100px; }
main > h2 { margin: 32px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
section.item { scroll-margin-top: 70px; border: 1px solid var(--line); border-radius: 6px; padding: 10px 16px; margin: 14px 0; }
section.item h3 { margin: 0 0 6px; font-size: 16px; display: flex; flex-wrap: wrap; gap: 8px; align-items: baseline; }
h4 { margin: 12px 0 4px; font-size: 13px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
p, ul { margin: 4px 0; }
ul { padding-left: 20px; }
a { color: var(--accent); }
.method { font: 700 12px/1 ui-monospace, monospace; padding: 4px 6px; border-radius: 3px; color: #fff; background: #6b7280; }
.m-get { background: #1f7a4d; } .m-post { background: #2457c5; } .m-put { background: #a05a00; } .m-patch { background: #7b4bc4; } .m-delete { background: #b42318; }
.muted { color: var(--muted); font-weight: normal; font-size: 13px; }
.badge { font-size: 11px; font-weight: 600; padding: 1px 6px; border-radius: 10px; border: 1px solid currentColor; }
.deprecated { color: #b42318; }
table { border-collapse: collapse; width: 100%; font-size: 13px; margin: 4px 0; }
th, td { text-align: left; vertical-align: top; padding: 4px 8px; border-bottom: 1px solid var(--line); }
th { color: var(--muted); font-weight: 600; }
td.name { font-family: ui-monospace, monospace; white-space: nowrap; }
details { margin: 6px 0; }
summary { cursor: pointer; color: var(--accent); }
.try { background: var(--panel); border-radius: 4px; padding: 6px 10px; }
.try .fields { display: grid; grid-template-columns: max-content 1fr; gap: 6px 10px; align-items: center; margin: 8px 0; }
.try textarea { width: 100%; min-height: 120px; }
.try pre { background: var(--bg); border: 1px solid var(--line); border-radius: 4px; padding: 8px; overflow: auto; max-height: 320px; margin: 6px 0; white-space: pre-wrap; word-break: break-word; }
.status-ok { color: #1f7a4d; font-weight: 700; } .status-bad { color: #b42318; font-weight: 700; }
#message { color: var(--muted); }
</style>
</head>
<body data-gati-docs>
<header>
  <h1 id="title">API documentation</h1>
  <label id="version-label">Version <select id="version"></select></label>
  <label>Bearer token <input id="token" type="password" autocomplete="off" size="18"></label>
</header>
<div class="layout">
  <nav id="nav"></nav>
  <main id="main"><p id="message">Loading…</p></main>
</div>
<script type="application/json" id="gati-docs-config">"GATI_DOCS_CONFIG"</script>
<script>
"use strict";
// The server's versions (newest first) and its version header.
const config = JSON.parse(document.getElementById("gati-docs-config").textContent);
const versionSelect = document.getElementById("version");
const main = document.getElementById("main");
const nav = document.getElementById("nav");
const METHODS = ["get", "put", "post", "patch", "delete", "head", "options"];
const PROBLEM_FIELDS = new Set(["type", "title", "status", "detail", "request_id"]);
let doc = {};
let version = null;

// Builds an element; children that are strings become text nodes, so no
// document text is ever parsed as markup.
function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (key === "class") node.className = value;
    else if (key.startsWith("data-")) node.setAttribute(key, value);
    else node[key] = value;
  }
  for (const child of children) {
    if (child !== null && child !== undefined && child !== false) node.append(child);
  }
  return node;
}

// Text with `code` spans, as nodes.
function inline(node, text) {
  text.split("`").forEach((part, i) => node.append(i % 2 ? el("code", {}, part) : part));
  return node;
}

// Text with blank-line paragraphs and `- ` lists, as elements.
function prose(text) {
  const out = document.createDocumentFragment();
  for (const para of String(text || "").split(/\n\s*\n/)) {
    if (!para.trim()) continue;
    const lines = para.trim().split("\n");
    if (lines.every((line) => line.startsWith("- "))) {
      out.append(el("ul", {}, ...lines.map((line) => inline(el("li"), line.slice(2)))));
    } else {
      out.append(inline(el("p"), para));
    }
  }
  return out;
}

// A note under a description, when there is one.
function note(text) {
  return text ? el("div", { class: "muted" }, text) : null;
}

function refName(ref) {
  return decodeURIComponent(ref.split("/").pop());
}

function resolve(ref) {
  let node = doc;
  for (const part of ref.replace(/^#\//, "").split("/")) {
    node = node ? node[part.replace(/~1/g, "/").replace(/~0/g, "~")] : undefined;
  }
  return node || {};
}

function deref(value) {
  return value && value.$ref ? resolve(value.$ref) : value || {};
}

// A schema's type, as text with links to named schemas.
function typeOf(schema) {
  const out = document.createDocumentFragment();
  const s = schema || {};
  const join = (list, sep) => list.forEach((item, i) => out.append(i ? sep : "", typeOf(item)));
  if (s.$ref) {
    const name = refName(s.$ref);
    out.append(el("a", { href: "#schema-" + name }, name));
  } else if (s.oneOf || s.anyOf) {
    join(s.oneOf || s.anyOf, " | ");
  } else if (s.const !== undefined) {
    out.append(JSON.stringify(s.const));
  } else if (s.enum) {
    out.append(s.enum.map((v) => JSON.stringify(v)).join(" | "));
  } else if (s.contentSchema) {
    out.append("JSON ", typeOf(s.contentSchema));
  } else {
    const types = Array.isArray(s.type) ? s.type : [s.type || "any"];
    types.forEach((t, i) => {
      if (i) out.append(" | ");
      if (t === "array") out.append("[", typeOf(s.items), "]");
      else if (t === "object" && s.additionalProperties && typeof s.additionalProperties === "object") {
        out.append("{string: ", typeOf(s.additionalProperties), "}");
      } else out.append(t);
    });
    if (s.format) out.append(" (" + s.format + ")");
  }
  return out;
}

// Constraints, defaults and flags of a schema, as one line of text.
function notes(s) {
  const out = [];
  if (s.readOnly) out.push("read-only");
  if (s.writeOnly) out.push("write-only");
  if (s.deprecated) out.push("deprecated");
  if (s.default !== undefined) out.push("default " + JSON.stringify(s.default));
  if (s.minLength !== undefined || s.maxLength !== undefined) out.push("length " + (s.minLength ?? 0) + ".." + (s.maxLength ?? ""));
  if (s.minimum !== undefined || s.maximum !== undefined) out.push("range " + (s.minimum ?? "") + ".." + (s.maximum ?? ""));
  if (s.minItems !== undefined || s.maxItems !== undefined) out.push("items " + (s.minItems ?? 0) + ".." + (s.maxItems ?? ""));
  if (s.pattern) out.push("pattern " + s.pattern);
  return out.join("; ");
}

function table(head, rows) {
  return el("table", {},
    el("thead", {}, el("tr", {}, ...head.map((h) => el("th", {}, h)))),
    el("tbody", {}, ...rows));
}

// An object's fields as a table; `skip` names fields left out.
function fieldsTable(s, skip) {
  const required = new Set(s.required || []);
  const rows = Object.entries(s.properties || {})
    .filter(([name]) => !(skip && skip.has(name)))
    .map(([name, field]) => el("tr", { "data-field": name },
      el("td", { class: "name" }, name),
      el("td", {}, typeOf(field)),
      el("td", {}, required.has(name) ? "required" : "optional"),
      el("td", {}, prose(field.description), note(notes(field)))));
  return table(["Field", "Type", "", "Description"], rows);
}

// A body's schema: the named type, or an inline object's fields.
function schemaBlock(schema) {
  const s = schema || {};
  if (!s.$ref && s.properties) return fieldsTable(s);
  return el("p", {}, typeOf(s));
}

// A made-up value that fits `schema`, to start a request body from.
function sample(schema, depth) {
  const s = schema && schema.$ref ? resolve(schema.$ref) : schema || {};
  if (depth > 6) return null;
  if (s.default !== undefined) return s.default;
  if (s.const !== undefined) return s.const;
  if (s.enum) return s.enum[0];
  if (s.oneOf || s.anyOf) return sample((s.oneOf || s.anyOf)[0], depth + 1);
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== "null") : s.type;
  switch (type) {
    case "object": {
      const out = {};
      for (const [name, field] of Object.entries(s.properties || {})) {
        if (!deref(field).readOnly && !field.readOnly) out[name] = sample(field, depth + 1);
      }
      return out;
    }
    case "array": return [];
    case "integer": case "number": return s.minimum ?? 0;
    case "boolean": return false;
    case "string": {
      const formats = { email: "user@example.com", uri: "https://example.com", uuid: "00000000-0000-0000-0000-000000000000", date: "2025-01-01", "date-time": new Date().toISOString() };
      return formats[s.format] ?? "x".repeat(Math.max(s.minLength || 0, 6)).replace(/^x{6}/, "string");
    }
    default: return null;
  }
}

function authOf(op) {
  const security = op.security ?? doc.security ?? [];
  if (!security.length) return el("p", { "data-auth": "none" }, "Auth: none");
  const schemes = (doc.components && doc.components.securitySchemes) || {};
  const alternatives = security.map((req) => Object.entries(req).map(([name, scopes]) => {
    const scheme = schemes[name] || {};
    const kind = scheme.type === "http" ? scheme.scheme : scheme.type === "apiKey" ? scheme.in + " " + scheme.name : scheme.type;
    return name + (kind && kind !== name ? " (" + kind + ")" : "") + (scopes.length ? ", scopes " + scopes.join(", ") : "");
  }).join(" and "));
  return el("p", { "data-auth": "required" }, "Auth: " + (alternatives.join(" or ") || "none"));
}

// Whether a parameter is the version header, which the page sends itself.
function isVersionParam(p) {
  return p.in === "header" && p.name.toLowerCase() === config.header;
}

function responsesTable(entries) {
  return table(["Status", "Description", "Body", "Headers"], entries.map(([status, response]) => {
    const r = deref(response);
    const body = el("td");
    for (const [type, media] of Object.entries(r.content || {})) {
      body.append(el("div", {}, el("code", {}, type), " ", typeOf(media.schema)));
    }
    const headers = el("td", {}, ...Object.keys(r.headers || {}).map((h) => el("div", { class: "mono" }, h)));
    return el("tr", { "data-status": status }, el("td", { class: "name" }, status), el("td", {}, prose(r.description)), body, headers);
  }));
}

function routeSection(path, method, op) {
  const id = op.operationId || method + " " + path;
  const params = (op.parameters || []).map(deref).filter((p) => !isVersionParam(p));
  const section = el("section", { class: "item route", id: "route-" + id, "data-route": id },
    el("h3", {}, el("span", { class: "method m-" + method }, method.toUpperCase()), el("code", {}, path),
      el("span", { class: "muted" }, id), op.deprecated ? el("span", { class: "badge deprecated" }, "deprecated") : null),
    op.summary && op.description && !op.description.startsWith(op.summary) ? el("p", {}, el("strong", {}, op.summary)) : null,
    prose(op.description || op.summary), authOf(op));
  if (params.length) {
    section.append(el("h4", {}, "Parameters"), table(["Name", "In", "Type", "", "Description"], params.map((p) =>
      el("tr", { "data-param": p.name }, el("td", { class: "name" }, p.name), el("td", {}, p.in), el("td", {}, typeOf(p.schema)),
        el("td", {}, p.required ? "required" : "optional"), el("td", {}, prose(p.description), note(notes(p.schema || {})))))));
  }
  const body = op.requestBody ? deref(op.requestBody) : null;
  if (body) {
    section.append(el("h4", {}, "Request body" + (body.required ? "" : " (optional)")), prose(body.description));
    for (const [type, media] of Object.entries(body.content || {})) {
      section.append(el("p", {}, el("code", {}, type)), schemaBlock(media.schema));
    }
  }
  const responses = Object.entries(op.responses || {});
  const own = responses.filter(([, r]) => !r.$ref);
  const common = responses.filter(([, r]) => r.$ref);
  section.append(el("h4", {}, "Responses"), responsesTable(own));
  if (common.length) {
    section.append(el("details", {}, el("summary", {}, "Standard responses: " + common.map(([s]) => s).join(", ")), responsesTable(common)));
  }
  section.append(tryIt(path, method, params, body));
  return section;
}

// The form that sends one request to the route and shows the answer.
function tryIt(path, method, params, body) {
  const inputs = params.map((p) => {
    const input = el("input", { type: "text", placeholder: p.schema && p.schema.default !== undefined ? String(p.schema.default) : "", "data-param": p.name });
    return { p, input };
  });
  const fields = el("div", { class: "fields" });
  for (const { p, input } of inputs) fields.append(el("label", { class: "mono" }, p.name + " (" + p.in + ")"), input);
  const types = Object.keys((body && body.content) || {});
  const type = types.find((t) => t === "application/json" || t.startsWith("text/"));
  let area = null;
  if (type) {
    area = el("textarea", { class: "mono", spellcheck: false, "data-body": type });
    const schema = body.content[type].schema;
    area.value = type === "application/json" ? JSON.stringify(sample(schema, 0), null, 2) : "";
    fields.append(el("label", { class: "mono" }, "body (" + type + ")"), area);
  } else if (types.length) {
    fields.append(el("span", { class: "muted" }, "body"), el("span", { class: "muted" }, "A " + types.join(", ") + " body cannot be sent from this page."));
  }
  const send = el("button", { type: "button", "data-send": "" }, "Send");
  const stop = el("button", { type: "button", disabled: true }, "Stop");
  const status = el("pre", { "data-try-status": "" });
  const headers = el("pre", { "data-try-headers": "" });
  const output = el("pre", { "data-try-body": "" });
  const result = el("div", { hidden: true }, el("h4", {}, "Status"), status, el("h4", {}, "Headers"), headers, el("h4", {}, "Body"), output);
  let controller = null;
  stop.addEventListener("click", () => controller && controller.abort());
  send.addEventListener("click", async () => {
    controller = new AbortController();
    send.disabled = true;
    stop.disabled = false;
    result.hidden = false;
    status.className = "";
    status.removeAttribute("data-code");
    status.textContent = "Sending…";
    headers.textContent = "";
    output.textContent = "";
    try {
      const query = new URLSearchParams();
      const sent = new Headers();
      let url = path;
      for (const { p, input } of inputs) {
        const value = input.value;
        if (p.in === "path") url = url.replace("{" + p.name + "}", encodeURIComponent(value));
        else if (value === "") continue;
        else if (p.in === "query") query.append(p.name, value);
        else if (p.in === "header") sent.set(p.name, value);
      }
      if (query.toString()) url += "?" + query;
      if (version) sent.set(config.header, version);
      const token = document.getElementById("token").value.trim();
      if (token) sent.set("Authorization", "Bearer " + token);
      const init = { method: method.toUpperCase(), headers: sent, signal: controller.signal, cache: "no-store" };
      if (area && area.value.trim() !== "") {
        sent.set("Content-Type", area.dataset.body);
        init.body = area.value;
      }
      const response = await fetch(url, init);
      status.textContent = response.status + " " + response.statusText + "  " + init.method + " " + url;
      status.className = response.ok ? "status-ok" : "status-bad";
      status.setAttribute("data-code", String(response.status));
      headers.textContent = [...response.headers].map(([k, v]) => k + ": " + v).join("\n");
      // Streams (server-sent events) show as they arrive.
      let text = "";
      if (response.body) {
        const reader = response.body.getReader();
        const decoder = new TextDecoder();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          text += decoder.decode(value, { stream: true });
          output.textContent = text.length > 200000 ? text.slice(0, 200000) + "\n…" : text;
        }
      }
      if (/json/.test(response.headers.get("content-type") || "")) {
        try { text = JSON.stringify(JSON.parse(text), null, 2); } catch {}
      }
      output.textContent = text.length > 200000 ? text.slice(0, 200000) + "\n…" : text;
    } catch (error) {
      if (!status.hasAttribute("data-code")) status.textContent = "Failed: " + error;
      else output.append("\n(" + error + ")");
      if (!status.className) status.className = "status-bad";
    } finally {
      send.disabled = false;
      stop.disabled = true;
    }
  });
  return el("details", { class: "try" }, el("summary", {}, "Try it"), fields, el("div", {}, send, " ", stop), result);
}

function isError(s) {
  const p = s.properties || {};
  return p.status && typeof p.status.const === "number" && p.type && typeof p.type.const === "string";
}

function schemaSection(name, s) {
  const kind = s.enum ? "enum" : s.oneOf || s.anyOf ? "union" : s.type === "object" ? "type" : "";
  const section = el("section", { class: "item schema", id: "schema-" + name, "data-schema": name },
    el("h3", {}, el("code", {}, name), el("span", { class: "muted" }, kind || el("span", {}, typeOf(s))),
      s.deprecated ? el("span", { class: "badge deprecated" }, "deprecated") : null),
    prose(s.description));
  if (s.properties) section.append(fieldsTable(s));
  else if (s.oneOf || s.anyOf) {
    const tag = s.discriminator && s.discriminator.propertyName;
    section.append(el("p", {}, "One of: ", typeOf(s)), tag ? el("p", {}, "Told apart by ", el("code", {}, tag), ".") : null);
  } else if (s.enum) {
    section.append(el("p", {}, "Values: ", typeOf(s)));
  } else if (kind) {
    section.append(el("p", {}, typeOf(s)));
  }
  return section;
}

function errorSection(name, s) {
  const p = s.properties;
  const section = el("section", { class: "item error", id: "schema-" + name, "data-error": name },
    el("h3", {}, el("code", {}, name), el("span", { class: "muted" }, String(p.status.const)), el("code", { class: "muted" }, p.type.const)),
    prose(s.description));
  const own = Object.keys(p).filter((k) => !PROBLEM_FIELDS.has(k));
  if (own.length) section.append(fieldsTable(s, PROBLEM_FIELDS));
  return section;
}

function render() {
  const info = doc.info || {};
  document.getElementById("title").textContent = info.title || "API documentation";
  document.title = (info.title || "API") + " · docs";
  nav.replaceChildren();
  main.replaceChildren();
  main.append(prose(info.description));
  if (version) {
    main.append(el("p", { class: "muted" }, "Every request is sent with ", el("code", {}, config.header + ": " + version), "."));
  }
  const routes = [];
  for (const [path, item] of Object.entries(doc.paths || {})) {
    for (const method of METHODS) if (item[method]) routes.push([path, method, item[method]]);
  }
  const schemas = Object.entries((doc.components && doc.components.schemas) || {});
  const errors = schemas.filter(([, s]) => isError(s));
  const types = schemas.filter(([, s]) => !isError(s));
  const group = (title, id, items, link, build) => {
    if (!items.length) return;
    nav.append(el("h2", {}, title));
    main.append(el("h2", { id }, title));
    for (const item of items) {
      const section = build(...item);
      nav.append(el("a", { href: "#" + section.id }, link(...item)));
      main.append(section);
    }
  };
  group("Routes", "routes", routes, (path, method, op) => {
    const frag = document.createDocumentFragment();
    frag.append(el("span", { class: "mono" }, method.toUpperCase() + " "), op.operationId || path);
    return frag;
  }, routeSection);
  group("Schemas", "schemas", types, (name) => name, schemaSection);
  group("Errors", "errors", errors, (name, s) => name + " (" + s.properties.status.const + ")", errorSection);
  document.body.setAttribute("data-loaded", version || "");
}

async function load(chosen) {
  version = chosen;
  document.body.removeAttribute("data-loaded");
  const url = version ? "/openapi/" + encodeURIComponent(version) + ".json" : "/openapi.json";
  try {
    const response = await fetch(url, { cache: "no-store" });
    if (!response.ok) throw new Error(url + " answered " + response.status);
    doc = await response.json();
    render();
    if (location.hash) document.getElementById(decodeURIComponent(location.hash.slice(1)))?.scrollIntoView();
  } catch (error) {
    main.replaceChildren(el("p", { id: "message" }, "Could not load the API description: " + error));
  }
}

if (config.versions.length) {
  for (const v of config.versions) {
    const label = v.date + (v.deprecated ? " (deprecated)" : "") + (v.sunset ? " (sunset " + v.sunset + ")" : "");
    versionSelect.append(el("option", { value: v.date }, label));
  }
  const asked = new URLSearchParams(location.search).get("version");
  if (config.versions.some((v) => v.date === asked)) versionSelect.value = asked;
  versionSelect.addEventListener("change", () => {
    const url = new URL(location.href);
    url.searchParams.set("version", versionSelect.value);
    url.hash = "";
    history.replaceState(null, "", url);
    load(versionSelect.value);
  });
  load(versionSelect.value);
} else {
  document.getElementById("version-label").hidden = true;
  load(null);
}
</script>
</body>
</html>
"##;
