import assert from "node:assert/strict";
import { BatchTally } from "../../src/vault/batch_tally.ts";
import { readBack } from "../../src/vault/readback.ts";
import { makeClient, makeRecords, preInsert, VAULT, withSim } from "./_helpers.ts";

Deno.test("readBack() counts tokens the vault answers 404 for as a whole (every token unknown) as absent", () =>
  withSim({}, async (sim) => {
    const records = makeRecords(60);
    preInsert(sim, records.slice(25, 35)); // chunk 1: 15 unknown; chunk 2: 10 stored, 15 unknown
    const result = await readBack(makeClient(sim), VAULT.id, records, new BatchTally(), { chunk: 25 });
    assert.deepEqual(
      result.present.map((r) => r.token).sort(),
      records.slice(25, 35).map((r) => r.token).sort(),
    );
    assert.deepEqual(
      result.absent.map((r) => r.token).sort(),
      [...records.slice(0, 25), ...records.slice(35)].map((r) => r.token).sort(),
    );
    assert.equal(result.conflicting.length, 0);
    assert.equal(result.unknown.length, 0);
    assert.ok((sim.stats.responses[404] ?? 0) > 0, "the all-unknown chunks were answered 404");
  }));
