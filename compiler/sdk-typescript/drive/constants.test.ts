// Tests of constant fields (`object: "charge"`), against a fake `fetch`: a
// request may leave the constant out (the server fills it in) or send exactly
// it, and nothing else type-checks; every response type carries it, as its
// string literal type, in records, in generic instances and in a declared
// error's problem. Written against the SDK generated from
// specs/valid/envelopes.gati; the toolchain test compiles it with the SDK
// (so the `@ts-expect-error` lines are checked too) and runs it under
// `node --test`.

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  type Charge,
  type ChargePage,
  type NewCharge,
  NotFoundError,
  PaymentsClient,
} from "../src/index.js";

/** A client whose `fetch` answers with `reply`, recording each request body. */
function fake(reply: () => Response): { client: PaymentsClient; bodies: unknown[] } {
  const bodies: unknown[] = [];
  const client = new PaymentsClient({
    baseUrl: "http://api.test",
    fetch: async (_input, init) => {
      const text = typeof init.body === "string" ? init.body : null;
      bodies.push(text === null ? null : JSON.parse(text));
      return reply();
    },
  });
  return { client, bodies };
}

function json(status: number, value: unknown, type = "application/json"): () => Response {
  return () => new Response(JSON.stringify(value), { status, headers: { "content-type": type } });
}

const charge: Charge = { object: "charge", id: "ch_1", amount: 500 };

test("a request may leave the constant out, or send exactly it", async () => {
  const { client, bodies } = fake(json(201, charge));
  await client.createCharge({ amount: 500 });
  await client.createCharge({ object: "charge", amount: 500 });
  assert.deepEqual(bodies, [{ amount: 500 }, { object: "charge", amount: 500 }]);
});

test("only the constant itself type-checks in a request", () => {
  // @ts-expect-error: a constant field holds its one string only.
  const wrong: NewCharge = { object: "refund", amount: 500 };
  assert.equal(wrong.object, "refund");
});

test("a response always carries the constant, as its literal type", async () => {
  const { client } = fake(json(201, charge));
  const created = await client.createCharge({ amount: 500 });
  // Required on the response side: no `undefined` to narrow away.
  const object: "charge" = created.object;
  assert.equal(object, "charge");
  // @ts-expect-error: a response type without its constant is incomplete.
  const incomplete: Charge = { id: "ch_2", amount: 1 };
  assert.equal(incomplete.id, "ch_2");
});

test("a generic envelope carries its own constant and its items' ones", async () => {
  const page: ChargePage = {
    object: "list",
    data: [charge],
    has_more: false,
    url: "/charges",
  };
  const { client } = fake(json(200, page));
  const got = await client.listCharges();
  const objects: ["list", "charge" | undefined] = [got.object, got.data[0]?.object];
  assert.deepEqual(objects, ["list", "charge"]);
  const pages = fake(json(200, { ...page, data: [page] }));
  const nested = await pages.client.pagesOfCharges();
  assert.equal(nested.data[0]?.data[0]?.object, "charge");
});

test("a declared error's problem carries its constant", async () => {
  const problem = {
    type: "urn:problem:payments:not-found",
    title: "NotFound",
    status: 404,
    object: "error",
    id: "ch_9",
  };
  const { client } = fake(json(404, problem, "application/problem+json"));
  await assert.rejects(client.chargeWithCustomer("ch_9"), (e: unknown) => {
    assert.ok(e instanceof NotFoundError);
    const object: "error" = e.problem.object;
    assert.equal(object, "error");
    return true;
  });
});
