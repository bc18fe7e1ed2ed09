import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { FakeClock } from "../_fixtures/clock.ts";
import { CheckpointError } from "../../src/common/errors.ts";
import { Ledger } from "../../src/ledger/mod.ts";
import { SCHEMA_VERSION } from "../../src/ledger/schema.ts";
import type { IntervalSample } from "../../src/report/interval_sampler.ts";

const T0 = Date.UTC(2026, 0, 2, 3, 4, 5);
const VAULTS = [
  { name: "NAME", id: "vault-name", column: "name", table: "name" },
  { name: "SSN", id: "vault-ssn", column: "ssn", table: "ssn" },
];

function sample(vault: string, at: number, loaded: number): IntervalSample {
  return {
    vault,
    at,
    intervalMs: 10_000,
    loaded,
    alreadyPresent: 1,
    failed: 2,
    skipped: 3,
    requests: 40,
    rateLimited: 4,
    retries: 5,
    latencyP50Ms: 12.5,
    latencyP99Ms: 80.25,
    inFlight: 6,
    concurrencyLimit: 8,
  };
}

async function setup() {
  const dir = await Deno.makeTempDir({ prefix: "byot-samples-" });
  const path = `${dir}/s.db`;
  const clock = new FakeClock(T0);
  const ledger = Ledger.open(path, { clock });
  const run = ledger.createRun({ sourceKind: "csv", fingerprint: {}, settings: {}, vaults: VAULTS });
  return {
    dir,
    path,
    clock,
    ledger,
    run,
    async [Symbol.asyncDispose]() {
      ledger.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

Deno.test("samples ride the sink's next group commit and read back by vault, then time", async () => {
  await using s = await setup();
  const sink = s.ledger.sink(s.run.id, { commitIntervalMs: 200 });
  sink.recordSamples([sample("SSN", T0 + 10_000, 7), sample("NAME", T0 + 10_000, 9)]);
  sink.recordSamples([sample("NAME", T0 + 20_000, 11)]);
  const reader = Ledger.open(s.path, { readOnly: true });
  try {
    assert.deepEqual(reader.samples(s.run.id), [], "nothing is committed before the group commit");
    await s.clock.tick(200);
    assert.deepEqual(reader.samples(s.run.id), [
      sample("NAME", T0 + 10_000, 9),
      sample("NAME", T0 + 20_000, 11),
      sample("SSN", T0 + 10_000, 7),
    ]);
  } finally {
    reader.close();
  }
  sink.close();
});

Deno.test("a read-only ledger never creates a file and refuses to write", async () => {
  await using s = await setup();
  assert.throws(() => Ledger.open(`${s.dir}/absent.db`, { readOnly: true }), CheckpointError);
  await assert.rejects(() => Deno.stat(`${s.dir}/absent.db`), Deno.errors.NotFound);
  const reader = Ledger.open(s.path, { readOnly: true });
  try {
    assert.equal(reader.getRun(s.run.id)?.status, "running");
    assert.throws(() => reader.finishRun(s.run.id, "finished"), CheckpointError);
  } finally {
    reader.close();
  }
});

Deno.test("a state file from before samples existed opens read-only unchanged and has no samples", async () => {
  await using s = await setup();
  s.ledger.close();
  const db = new DatabaseSync(s.path);
  db.exec(`DROP TABLE samples; PRAGMA user_version = ${SCHEMA_VERSION - 1}`);
  db.close();
  const reader = Ledger.open(s.path, { readOnly: true });
  try {
    assert.deepEqual(reader.samples(s.run.id), []);
    assert.equal(reader.listRuns().length, 1);
  } finally {
    reader.close();
  }
  const check = new DatabaseSync(s.path, { readOnly: true });
  assert.equal(
    check.prepare("PRAGMA user_version").get()?.user_version,
    SCHEMA_VERSION - 1,
    "read-only open did not migrate",
  );
  check.close();
});
