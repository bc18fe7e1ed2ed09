import assert from "node:assert/strict";
import type { Simulator } from "../../../src/vault/simulator/mod.ts";
import { withSim } from "../_helpers.ts";

const AUTH = { authorization: "Bearer test-token", "content-type": "application/json" };

async function insert(sim: Simulator, body: unknown, table = "name", vault = "v1") {
  const res = await fetch(`${sim.url}/v1/vaults/${vault}/${table}`, {
    method: "POST",
    headers: AUTH,
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json(), requestId: res.headers.get("x-request-id") };
}

const rec = (value: string, token?: string) =>
  token === undefined ? { fields: { name: value } } : { fields: { name: value }, tokens: { name: token } };

Deno.test("insert stores records and answers skyflow ids and tokens in request order", () =>
  withSim({}, async (sim) => {
    const res = await insert(sim, {
      records: [rec("MARY", "t1"), rec("JOHN", "t2")],
      tokenization: true,
      byot: "ENABLE",
    });
    assert.equal(res.status, 200);
    assert.equal(res.body.records.length, 2);
    assert.deepEqual(res.body.records.map((r: { tokens: unknown }) => r.tokens), [{ name: "t1" }, {
      name: "t2",
    }]);
    assert.match(res.body.records[0].skyflow_id, /^[0-9a-f-]{36}$/);
    assert.deepEqual([...sim.store.pairs("v1", "name", "name")], [["MARY", "t1"], ["JOHN", "t2"]]);
    assert.equal(sim.store.count("v1", "name"), 2);
    assert.equal(sim.stats.inserts("v1", "name", "t1"), 1);
    assert.deepEqual([...sim.store.records("v1", "name")].map((r) => r.skyflow_id), [
      res.body.records[0].skyflow_id,
      res.body.records[1].skyflow_id,
    ]);
  }));

Deno.test("insert leaves tokens out of the answer when tokenization is not true", () =>
  withSim({}, async (sim) => {
    const res = await insert(sim, { records: [rec("MARY", "t1")], byot: "ENABLE" });
    assert.equal(res.status, 200);
    assert.deepEqual(Object.keys(res.body.records[0]), ["skyflow_id"]);
  }));

Deno.test("insert answers 409 for an existing value and applies nothing of the request", () =>
  withSim({ duplicateStatus: 409 }, async (sim) => {
    await insert(sim, { records: [rec("MARY", "t1")], byot: "ENABLE" });
    const res = await insert(sim, { records: [rec("NEW", "t9"), rec("MARY", "t2")], byot: "ENABLE" });
    assert.equal(res.status, 409);
    assert.deepEqual(res.body, {
      error: {
        grpc_code: 6,
        http_code: 409,
        http_status: "Conflict",
        message: "Insert failed. Value for unique column name already exists.",
      },
    });
    assert.doesNotMatch(res.body.error.message, /MARY/);
    assert.deepEqual([...sim.store.pairs("v1", "name", "name")], [["MARY", "t1"]]);
  }));

Deno.test("insert answers 409 when a token is already used in the vault, even by another table", () =>
  withSim({ duplicateStatus: 409 }, async (sim) => {
    await insert(
      sim,
      { records: [{ fields: { dob: "1990-01-01" }, tokens: { dob: "t1" } }], byot: "ENABLE" },
      "dob",
    );
    const res = await insert(sim, { records: [rec("MARY", "t1")], byot: "ENABLE" });
    assert.equal(res.status, 409);
    assert.match(res.body.error.message, /Token for column name already exists/);
    assert.equal(sim.store.count("v1", "name"), 0);
  }));

Deno.test("insert treats duplicates inside one request as conflicts", () =>
  withSim({ duplicateStatus: 409 }, async (sim) => {
    const sameValue = await insert(sim, { records: [rec("MARY", "t1"), rec("MARY", "t2")], byot: "ENABLE" });
    assert.equal(sameValue.status, 409);
    assert.equal(
      sameValue.body.error.message,
      "Insert failed. Duplicate value for unique column name in the request.",
    );
    const sameToken = await insert(sim, { records: [rec("A", "t1"), rec("B", "t1")], byot: "ENABLE" });
    assert.equal(sameToken.status, 409);
    assert.equal(sim.store.count("v1", "name"), 0);
  }));

Deno.test("insert with upsert and the same value and token is a no-op success", () =>
  withSim({}, async (sim) => {
    const first = await insert(sim, { records: [rec("MARY", "t1")], byot: "ENABLE" });
    const again = await insert(sim, { records: [rec("MARY", "t1")], upsert: "name", byot: "ENABLE_STRICT" });
    assert.equal(again.status, 200);
    assert.equal(again.body.records[0].skyflow_id, first.body.records[0].skyflow_id);
    assert.deepEqual([...sim.store.pairs("v1", "name", "name")], [["MARY", "t1"]]);
    assert.equal(sim.stats.inserts("v1", "name", "t1"), 1);
    assert.equal(sim.stats.duplicateInserts, 0);
  }));

Deno.test("insert with upsert replaces a token only when the new one is free", () =>
  withSim({ duplicateStatus: 409 }, async (sim) => {
    await insert(sim, { records: [rec("MARY", "t1"), rec("JOHN", "t2")], byot: "ENABLE" });
    const taken = await insert(sim, { records: [rec("MARY", "t2")], upsert: "name", byot: "ENABLE" });
    assert.equal(taken.status, 409);
    const free = await insert(sim, { records: [rec("MARY", "t3")], upsert: "name", byot: "ENABLE" });
    assert.equal(free.status, 200);
    assert.deepEqual([...sim.store.pairs("v1", "name", "name")], [["MARY", "t3"], ["JOHN", "t2"]]);
    // the old token is free again
    const reuse = await insert(sim, { records: [rec("ANN", "t1")], byot: "ENABLE" });
    assert.equal(reuse.status, 200);
    assert.equal(sim.stats.duplicateInserts, 1, "t1 was inserted a second time");
  }));

Deno.test("insert answers 400 for a value with the reject marker and applies nothing", () =>
  withSim({}, async (sim) => {
    const res = await insert(sim, { records: [rec("OK", "t1"), rec("BAD__REJECT__", "t2")], byot: "ENABLE" });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.message, "Insert failed. Invalid value for column name.");
    assert.equal(sim.store.count("v1", "name"), 0);
  }));

Deno.test("insert enforces the byot modes", () =>
  withSim({}, async (sim) => {
    const disable = await insert(sim, { records: [rec("A", "t1")], byot: "DISABLE" });
    assert.equal(disable.status, 400);
    const strict = await insert(sim, { records: [rec("A", "t1"), rec("B")], byot: "ENABLE_STRICT" });
    assert.equal(strict.status, 400);
    assert.equal(sim.store.count("v1", "name"), 0);
    const enable = await insert(sim, {
      records: [rec("A", "t1"), rec("B")],
      byot: "ENABLE",
      tokenization: true,
    });
    assert.equal(enable.status, 200);
    assert.equal(enable.body.records[0].tokens.name, "t1");
    assert.match(enable.body.records[1].tokens.name, /^[0-9a-f-]{36}$/);
    const generated = await insert(sim, { records: [rec("C")], tokenization: true });
    assert.equal(generated.status, 200, "no byot means DISABLE, which generates tokens");
  }));

Deno.test("insert answers 400 for malformed JSON, missing records and a bad byot", () =>
  withSim({}, async (sim) => {
    assert.equal((await insert(sim, "{not json")).status, 400);
    assert.equal((await insert(sim, { tokenization: true })).status, 400);
    assert.equal((await insert(sim, { records: [] })).status, 400);
    assert.equal((await insert(sim, { records: [rec("A")], byot: "SOMETIMES" })).status, 400);
    assert.equal((await insert(sim, { records: [{ fields: { name: { nested: 1 } } }] })).status, 400);
    const res = await insert(sim, "{not json");
    assert.equal(res.body.error.http_code, 400);
    assert.equal(res.body.error.grpc_code, 3);
  }));

Deno.test("insert keeps values unique per table, not across tables", () =>
  withSim({}, async (sim) => {
    assert.equal((await insert(sim, { records: [rec("SAME", "t1")], byot: "ENABLE" }, "a")).status, 200);
    assert.equal((await insert(sim, { records: [rec("SAME", "t2")], byot: "ENABLE" }, "b")).status, 200);
    assert.equal(
      (await insert(sim, { records: [rec("SAME", "t1")], byot: "ENABLE" }, "a", "v2")).status,
      200,
    );
    assert.equal(sim.store.size, 3);
  }));

Deno.test("insert answers 413 above maxRecordsPerRequest", () =>
  withSim({ maxRecordsPerRequest: 2 }, async (sim) => {
    const res = await insert(sim, { records: [rec("A"), rec("B"), rec("C")] });
    assert.equal(res.status, 413);
    assert.equal(sim.store.size, 0);
  }));

Deno.test("insert answers 400 for a duplicate value or token by default, as Skyflow's SDKs suggest", () =>
  withSim({}, async (sim) => {
    await insert(sim, { records: [rec("MARY", "t1")], byot: "ENABLE" });
    const value = await insert(sim, { records: [rec("MARY", "t2")], byot: "ENABLE" });
    assert.equal(value.status, 400);
    assert.match(value.body.error.message, /already exists/);
    const token = await insert(sim, { records: [rec("JOHN", "t1")], byot: "ENABLE" });
    assert.equal(token.status, 400);
    assert.equal(sim.store.count("v1", "name"), 1);
  }));
