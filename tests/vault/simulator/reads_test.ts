import assert from "node:assert/strict";
import { type Simulator, startSimulator } from "../../../src/vault/simulator/mod.ts";

const HEADERS = { authorization: "Bearer test-token", "content-type": "application/json" };

async function call(sim: Simulator, method: string, path: string, body?: unknown) {
  const res = await fetch(`${sim.url}${path}`, {
    method,
    headers: HEADERS,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

async function withRecords(fn: (sim: Simulator, ids: string[]) => Promise<void>) {
  const sim = await startSimulator();
  try {
    const records = ["ANN", "BOB", "CAT"].map((v, i) => ({ fields: { name: v }, tokens: { name: `t${i}` } }));
    const res = await call(sim, "POST", "/v1/vaults/v1/name", { records, byot: "ENABLE" });
    await fn(sim, res.body.records.map((r: { skyflow_id: string }) => r.skyflow_id));
  } finally {
    await sim.shutdown();
  }
}

Deno.test("get by column_values answers the found records and skips missing ones", () =>
  withRecords(async (sim) => {
    const res = await call(
      sim,
      "GET",
      "/v1/vaults/v1/name?column_name=name&column_values=CAT&column_values=NOPE&column_values=ANN&redaction=PLAIN_TEXT",
    );
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.records.map((r: { fields: { name: string } }) => r.fields.name), [
      "CAT",
      "ANN",
    ]);
    assert.equal(typeof res.body.records[0].fields.skyflow_id, "string");
    assert.equal(res.body.records[0].tokens, undefined);
  }));

Deno.test("get by skyflow_ids with tokenization answers tokens in place of values in fields", () =>
  withRecords(async (sim, ids) => {
    const res = await call(sim, "GET", `/v1/vaults/v1/name?skyflow_ids=${ids[1]}&tokenization=true`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.records, [{ fields: { skyflow_id: ids[1], name: "t1" } }]);
  }));

Deno.test("get by skyflow_ids ignores the empty column_name= the v2 SDK sends with them", () =>
  withRecords(async (sim, ids) => {
    const res = await call(
      sim,
      "GET",
      `/v1/vaults/v1/name?skyflow_ids=${ids[0]}&skyflow_ids=${ids[2]}&column_name=&redaction=PLAIN_TEXT`,
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.records.map((r: { fields: { name: string } }) => r.fields.name), [
      "ANN",
      "CAT",
    ]);
  }));

Deno.test("DEFAULT redaction answers a redaction, not the plain text", () =>
  withRecords(async (sim, ids) => {
    const get = await call(sim, "GET", `/v1/vaults/v1/name?skyflow_ids=${ids[1]}&redaction=DEFAULT`);
    assert.deepEqual(get.body.records, [{ fields: { skyflow_id: ids[1], name: "*REDACTED*" } }]);
    const detokenized = await call(sim, "POST", "/v1/vaults/v1/detokenize", {
      detokenizationParameters: [{ token: "t1", redaction: "DEFAULT" }],
    });
    assert.deepEqual(detokenized.body.records, [{ token: "t1", valueType: "STRING", value: "*REDACTED*" }]);
  }));

Deno.test("get answers 400 for limit above 25, tokenization without ids, and ids with column_name", () =>
  withRecords(async (sim, ids) => {
    assert.equal((await call(sim, "GET", "/v1/vaults/v1/name?limit=26")).status, 400);
    assert.equal((await call(sim, "GET", "/v1/vaults/v1/name?limit=-1")).status, 400);
    assert.equal((await call(sim, "GET", "/v1/vaults/v1/name?tokenization=true")).status, 400);
    const both = await call(
      sim,
      "GET",
      `/v1/vaults/v1/name?skyflow_ids=${ids[0]}&column_name=name&column_values=ANN`,
    );
    assert.equal(both.status, 400);
    const many = Array.from({ length: 26 }, (_, i) => `column_values=v${i}`).join("&");
    assert.equal((await call(sim, "GET", `/v1/vaults/v1/name?column_name=name&${many}`)).status, 400);
  }));

Deno.test("get pages the table with offset and limit and answers 404 past the end", () =>
  withRecords(async (sim) => {
    const page = await call(sim, "GET", "/v1/vaults/v1/name?offset=1&limit=1");
    assert.deepEqual(page.body.records.map((r: { fields: { name: string } }) => r.fields.name), ["BOB"]);
    const past = await call(sim, "GET", "/v1/vaults/v1/name?offset=3");
    assert.equal(past.status, 404);
    assert.equal(past.body.error.message, "No Records Found");
  }));

Deno.test('delete by ids and with ["*"] frees values and tokens', () =>
  withRecords(async (sim, ids) => {
    const one = await call(sim, "DELETE", "/v1/vaults/v1/name", { skyflow_ids: [ids[0]] });
    assert.deepEqual(one.body, { RecordIDResponse: [ids[0]] });
    assert.equal(sim.store.count("v1", "name"), 2);
    const all = await call(sim, "DELETE", "/v1/vaults/v1/name", { skyflow_ids: ["*"] });
    assert.deepEqual(all.body, { RecordIDResponse: ["*"] });
    assert.equal(sim.store.count("v1", "name"), 0);
    const again = await call(sim, "POST", "/v1/vaults/v1/name", {
      records: [{ fields: { name: "BOB" }, tokens: { name: "t1" } }],
      byot: "ENABLE",
    });
    assert.equal(again.status, 200, "value and token were freed");
    assert.equal(sim.stats.inserts("v1", "name", "t1"), 2);
    assert.equal(sim.stats.duplicateInserts, 1, "a token inserted again after its delete counts");
    sim.store.clear();
    assert.equal(sim.store.size, 0);
    assert.equal(sim.stats.inserts("v1", "name", "t1"), 0);
    assert.equal((await call(sim, "DELETE", "/v1/vaults/v1/name", { skyflow_ids: [] })).status, 400);
  }));

Deno.test("detokenize answers values for found tokens and 404 for a missing one", () =>
  withRecords(async (sim) => {
    const found = await call(sim, "POST", "/v1/vaults/v1/detokenize", {
      detokenizationParameters: [{ token: "t2", redaction: "PLAIN_TEXT" }, {
        token: "t0",
        redaction: "REDACTED",
      }],
    });
    assert.equal(found.status, 200);
    assert.deepEqual(found.body.records, [
      { token: "t2", valueType: "STRING", value: "CAT" },
      { token: "t0", valueType: "STRING", value: "*REDACTED*" },
    ]);
    const missing = await call(sim, "POST", "/v1/vaults/v1/detokenize", {
      detokenizationParameters: [{ token: "t2" }, { token: "nope" }],
    });
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.message, "Token not found for nope");
  }));

Deno.test("detokenize with continueOnError answers 207 with a per-token error", () =>
  withRecords(async (sim) => {
    const res = await call(sim, "POST", "/v1/vaults/v1/detokenize", {
      detokenizationParameters: [{ token: "t1", redaction: "PLAIN_TEXT" }, {
        token: "nope",
        redaction: "PLAIN_TEXT",
      }],
      continueOnError: true,
    });
    assert.equal(res.status, 207);
    assert.deepEqual(res.body.records, [
      { token: "t1", valueType: "STRING", value: "BOB" },
      { token: "nope", error: "Token not found for nope" },
    ]);
  }));

Deno.test("detokenize with continueOnError answers 404 when every token is unknown", () =>
  withRecords(async (sim) => {
    const res = await call(sim, "POST", "/v1/vaults/v1/detokenize", {
      detokenizationParameters: [{ token: "nope", redaction: "PLAIN_TEXT" }, {
        token: "nada",
        redaction: "PLAIN_TEXT",
      }],
      continueOnError: true,
    });
    assert.equal(res.status, 404);
    assert.equal(res.body.error.message, "Token not found for nope and 1 more");
  }));

Deno.test("an unknown route answers a 404 envelope", () =>
  withRecords(async (sim) => {
    const res = await call(sim, "GET", "/v2/whatever");
    assert.equal(res.status, 404);
    assert.equal(res.body.error.http_code, 404);
    assert.equal(sim.stats.requests.unknown, 1);
  }));
