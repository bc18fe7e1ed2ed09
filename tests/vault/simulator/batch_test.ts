import assert from "node:assert/strict";
import type { Simulator } from "../../../src/vault/simulator/mod.ts";
import { withSim } from "../_helpers.ts";

async function batch(sim: Simulator, body: unknown) {
  const res = await fetch(`${sim.url}/v1/vaults/v1`, {
    method: "POST",
    headers: { authorization: "Bearer test-token", "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

const entry = (value: string, token: string, extra: Record<string, unknown> = {}) => ({
  method: "POST",
  tableName: "name",
  fields: { name: value },
  tokens: { name: token },
  tokenization: true,
  ...extra,
});

Deno.test("batch with continueOnError answers 207 with per-record statuses in request order", () =>
  withSim({ duplicateStatus: 409 }, async (sim) => {
    await batch(sim, { records: [entry("TAKEN", "t0")], continueOnError: true, byot: "ENABLE_STRICT" });
    const res = await batch(sim, {
      records: [
        entry("A", "t1"),
        entry("TAKEN", "t9"),
        entry("B__REJECT__", "t2"),
        entry("C", "t0"),
        entry("D", "t4"),
      ],
      continueOnError: true,
      byot: "ENABLE_STRICT",
    });
    assert.equal(res.status, 207);
    assert.equal(res.body.vaultID, "v1");
    assert.deepEqual(res.body.responses.map((r: { Status: number }) => r.Status), [200, 409, 400, 409, 200]);
    assert.deepEqual(res.body.responses[0].Body.records[0].tokens, { name: "t1" });
    assert.equal(typeof res.body.responses[0].Body.records[0].skyflow_id, "string");
    assert.equal(typeof res.body.responses[1].Body.error, "string");
    assert.doesNotMatch(res.body.responses[1].Body.error, /TAKEN/);
    assert.deepEqual(
      [...sim.store.pairs("v1", "name", "name")].sort(),
      [["A", "t1"], ["D", "t4"], ["TAKEN", "t0"]],
    );
  }));

Deno.test("batch with continueOnError answers 200 when every record succeeds", () =>
  withSim({}, async (sim) => {
    const res = await batch(sim, {
      records: [entry("A", "t1"), entry("B", "t2")],
      continueOnError: true,
      byot: "ENABLE",
    });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.responses.map((r: { Status: number }) => r.Status), [200, 200]);
  }));

Deno.test("batch with continueOnError lets a record see the records before it", () =>
  withSim({ duplicateStatus: 409 }, async (sim) => {
    const res = await batch(sim, {
      records: [entry("A", "t1"), entry("A", "t2")],
      continueOnError: true,
      byot: "ENABLE",
    });
    assert.deepEqual(res.body.responses.map((r: { Status: number }) => r.Status), [200, 409]);
    assert.equal(sim.store.count("v1", "name"), 1);
  }));

Deno.test("batch without continueOnError is all-or-nothing and answers the error envelope", () =>
  withSim({}, async (sim) => {
    const bad = await batch(sim, { records: [entry("A", "t1"), entry("B__REJECT__", "t2")], byot: "ENABLE" });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.http_code, 400);
    assert.equal(sim.store.count("v1", "name"), 0);

    const good = await batch(sim, { records: [entry("A", "t1"), entry("B", "t2")], byot: "ENABLE" });
    assert.equal(good.status, 200);
    assert.equal(good.body.responses.length, 2);
    assert.deepEqual(good.body.responses[1].records[0].tokens, { name: "t2" });
    assert.equal(sim.store.count("v1", "name"), 2);
  }));

Deno.test("batch honours per-record upsert and rejects methods other than POST", () =>
  withSim({}, async (sim) => {
    await batch(sim, { records: [entry("A", "t1")], byot: "ENABLE" });
    const res = await batch(sim, {
      records: [entry("A", "t1", { upsert: "name" }), { ...entry("B", "t2"), method: "GET" }],
      continueOnError: true,
      byot: "ENABLE",
    });
    assert.deepEqual(res.body.responses.map((r: { Status: number }) => r.Status), [200, 400]);
    assert.equal(sim.stats.inserts("v1", "name", "t1"), 1);
  }));

Deno.test("batch with continueOnError whose every record failed answers their 4xx, still with responses[]", () =>
  withSim({}, async (sim) => {
    await batch(sim, { records: [entry("TAKEN", "t0")], continueOnError: true, byot: "ENABLE_STRICT" });
    const same = await batch(sim, {
      records: [entry("TAKEN", "t9"), entry("X__REJECT__", "t2")],
      continueOnError: true,
      byot: "ENABLE_STRICT",
    });
    assert.equal(same.status, 400, "duplicates default to 400, like the bad value");
    assert.deepEqual(same.body.responses.map((r: { Status: number }) => r.Status), [400, 400]);
    assert.match(same.body.responses[0].Body.error, /already exists/);
    assert.match(same.body.responses[1].Body.error, /Invalid value/);
    assert.equal(sim.store.count("v1", "name"), 1);
  }));

Deno.test("batch with duplicates answered 409 and a bad record answers 400 with per-record statuses", () =>
  withSim({ duplicateStatus: 409 }, async (sim) => {
    await batch(sim, { records: [entry("TAKEN", "t0")], continueOnError: true, byot: "ENABLE_STRICT" });
    const mixed = await batch(sim, {
      records: [entry("TAKEN", "t9"), entry("X__REJECT__", "t2")],
      continueOnError: true,
      byot: "ENABLE_STRICT",
    });
    assert.equal(mixed.status, 400);
    assert.deepEqual(mixed.body.responses.map((r: { Status: number }) => r.Status), [409, 400]);
    const dup = await batch(sim, {
      records: [entry("TAKEN", "t8")],
      continueOnError: true,
      byot: "ENABLE_STRICT",
    });
    assert.equal(dup.status, 409);
  }));
