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

/** A simulator holding ANN/BOB/CAT (tokens t0..t2) in table `name`, column `name`. */
async function withRecords(fn: (sim: Simulator, ids: string[]) => Promise<void>) {
  const sim = await startSimulator();
  try {
    const records = ["ANN", "BOB", "CAT"].map((v, i) => ({
      fields: { name: v, city: `C${i}` },
      tokens: { name: `t${i}`, city: `c${i}` },
    }));
    const res = await call(sim, "POST", "/v1/vaults/v1/name", { records, byot: "ENABLE" });
    await fn(sim, res.body.records.map((r: { skyflow_id: string }) => r.skyflow_id));
  } finally {
    await sim.shutdown();
  }
}

Deno.test("a single record is read by its id, with redaction or tokens, and 404 for an unknown id", () =>
  withRecords(async (sim, ids) => {
    const plain = await call(sim, "GET", `/v1/vaults/v1/name/${ids[1]}?redaction=PLAIN_TEXT`);
    assert.equal(plain.status, 200);
    assert.deepEqual(plain.body, { fields: { skyflow_id: ids[1], name: "BOB", city: "C1" } });
    const tokens = await call(sim, "GET", `/v1/vaults/v1/name/${ids[1]}?tokenization=true&fields=name`);
    assert.deepEqual(tokens.body, { fields: { skyflow_id: ids[1], name: "t1" } });
    const unknown = await call(sim, "GET", `/v1/vaults/v1/name/${crypto.randomUUID()}`);
    assert.equal(unknown.status, 404);
    assert.equal(sim.stats.requests.unknown, 0);
  }));

Deno.test("a single record is updated by its id: new value and token replace the old, uniqueness holds", () =>
  withRecords(async (sim, ids) => {
    const res = await call(sim, "PUT", `/v1/vaults/v1/name/${ids[0]}`, {
      record: { fields: { name: "ANNE" }, tokens: { name: "t0-new" } },
      tokenization: true,
      byot: "ENABLE",
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body, { skyflow_id: ids[0], tokens: { name: "t0-new" } });
    assert.deepEqual(
      sim.store.pairs("v1", "name", "name"),
      new Map([["ANNE", "t0-new"], ["BOB", "t1"], ["CAT", "t2"]]),
    );
    const detokenized = await call(sim, "POST", "/v1/vaults/v1/detokenize", {
      detokenizationParameters: [{ token: "t0", redaction: "PLAIN_TEXT" }],
    });
    assert.equal(detokenized.status, 404, "the old token is freed");
    const taken = await call(sim, "PUT", `/v1/vaults/v1/name/${ids[0]}`, {
      record: { fields: { name: "BOB" } },
    });
    assert.equal(taken.status, 409, "BOB belongs to another record");
    assert.equal(sim.store.findById("v1", "name", ids[0])?.fields.name, "ANNE");
    const generated = await call(sim, "PUT", `/v1/vaults/v1/name/${ids[2]}`, {
      record: { fields: { name: "KAT" } },
      tokenization: true,
    });
    assert.equal(generated.status, 200);
    assert.notEqual(generated.body.tokens.name, "t2", "a changed value without a token gets a new one");
    assert.equal(
      (await call(sim, "PUT", `/v1/vaults/v1/name/${crypto.randomUUID()}`, {
        record: { fields: { name: "X" } },
      })).status,
      404,
    );
  }));

Deno.test("a single record is deleted by its id, freeing its values and tokens", () =>
  withRecords(async (sim, ids) => {
    const res = await call(sim, "DELETE", `/v1/vaults/v1/name/${ids[1]}`);
    assert.deepEqual(res, { status: 200, body: { skyflow_id: ids[1], deleted: true } });
    assert.deepEqual([...sim.store.records("v1", "name")].map((r) => r.fields.name), ["ANN", "CAT"]);
    assert.equal((await call(sim, "DELETE", `/v1/vaults/v1/name/${ids[1]}`)).status, 404);
  }));

Deno.test("query answers the records a simple SELECT matches and is never an insert", () =>
  withRecords(async (sim, ids) => {
    const one = await call(sim, "POST", "/v1/vaults/v1/query", {
      query: "select * from name where name = 'BOB'",
    });
    assert.equal(one.status, 200, JSON.stringify(one.body));
    assert.deepEqual(one.body.records, [{ fields: { skyflow_id: ids[1], name: "BOB", city: "C1" } }]);
    const some = await call(sim, "POST", "/v1/vaults/v1/query", {
      query: "SELECT name FROM name WHERE name IN ('CAT', 'ANN', 'NOPE') LIMIT 1 OFFSET 1;",
    });
    assert.deepEqual(some.body.records, [{ fields: { name: "CAT" } }]);
    const none = await call(sim, "POST", "/v1/vaults/v1/query", {
      query: "select * from name where city = 'X'",
    });
    assert.deepEqual(none, { status: 200, body: { records: [] } });
    const join = await call(sim, "POST", "/v1/vaults/v1/query", {
      query: "select * from name join other on name.id = other.id",
    });
    assert.equal(join.status, 400);
    assert.match(join.body.error.message, /supports only SELECT/);
    assert.equal(
      (await call(sim, "POST", "/v1/vaults/v1/query", { query: "select * from name limit 26" })).status,
      400,
    );
    assert.equal(sim.store.count("v1", "query"), 0, "no table named query");
    assert.equal(sim.store.size, 3);
    assert.equal(sim.stats.requests.query, 5);
  }));

Deno.test("tokenize answers the tokens of stored values and 404 for a value it does not hold", () =>
  withRecords(async (sim) => {
    const res = await call(sim, "POST", "/v1/vaults/v1/tokenize", {
      tokenizationParameters: [{ value: "CAT", columnGroup: "name" }, { value: "C0" }],
    });
    assert.deepEqual(res, { status: 200, body: { records: [{ token: "t2" }, { token: "c0" }] } });
    const missing = await call(sim, "POST", "/v1/vaults/v1/tokenize", {
      tokenizationParameters: [{ value: "CAT", columnGroup: "city" }],
    });
    assert.equal(missing.status, 404);
    assert.doesNotMatch(missing.body.error.message, /CAT/, "never names the value");
    assert.equal(sim.store.count("v1", "tokenize"), 0, "no table named tokenize");
    assert.equal(sim.store.size, 3);
  }));

Deno.test("with a schema, single-record routes on a table the vault lacks answer 400 naming the table", async () => {
  const sim = await startSimulator({
    schema: { vaults: { v1: { tables: { persons: { columns: { name: { unique: true } } } } } } },
  });
  try {
    const id = crypto.randomUUID();
    for (
      const [method, body] of [["GET"], ["PUT", { record: { fields: { name: "X" } } }], ["DELETE"]] as const
    ) {
      const res = await call(sim, method, `/v1/vaults/v1/persns/${id}`, body);
      assert.equal(res.status, 400, method);
      assert.match(res.body.error.message, /Table name persns is invalid/, method);
    }
    assert.equal(
      (await call(sim, "GET", `/v1/vaults/v1/persons/${id}`)).status,
      404,
      "known table, unknown id",
    );
  } finally {
    await sim.shutdown();
  }
});

Deno.test("with forbidRead, a single-record Get and a Query answer 403 like Get and Detokenize", () =>
  withRecords(async (sim, ids) => {
    sim.options.forbidRead = true;
    assert.equal((await call(sim, "GET", `/v1/vaults/v1/name/${ids[0]}`)).status, 403);
    assert.equal(
      (await call(sim, "POST", "/v1/vaults/v1/query", { query: "select * from name" })).status,
      403,
    );
  }));
