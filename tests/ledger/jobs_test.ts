import assert from "node:assert/strict";
import { FakeClock } from "../_fixtures/clock.ts";
import { type ClaimInput, jobKeyOf, LEASE_TTL_MS, Ledger } from "../../src/ledger/mod.ts";

const T0 = Date.UTC(2026, 0, 2, 3, 4, 5);
const VAULTS = [{ name: "NAME", id: "vault-name", column: "name", table: "name" }];

function claimant(pid: number, overrides: Partial<ClaimInput> = {}): ClaimInput {
  return {
    host: "host-a",
    pid,
    pidAlive: () => false,
    jobKey: jobKeyOf({ source: "csv", vaults: ["NAME"] }),
    create: { sourceKind: "csv", fingerprint: {}, settings: {}, vaults: VAULTS },
    ...overrides,
  };
}

Deno.test("the job key ignores key order, secrets and the per-run suffix seed, and nothing else", () => {
  const a = jobKeyOf({ source: "csv", batchSize: 25, suffixSeed: "x", bearerToken: "secret" });
  assert.equal(a, jobKeyOf({ batchSize: 25, source: "csv", suffixSeed: "y" }));
  assert.notEqual(a, jobKeyOf({ source: "csv", batchSize: 26 }));
  assert.notEqual(a, jobKeyOf({ source: "csv", batchSize: 25, shard: "0/2" }));
});

Deno.test("claimRun resumes the job's unfinished run, and a live holder on this host makes it busy", () => {
  const clock = new FakeClock(T0);
  const ledger = Ledger.open(":memory:", { clock });
  try {
    const first = ledger.claimRun(claimant(100));
    assert.equal(first.outcome, "created");
    const alive = ledger.claimRun(claimant(200, { pidAlive: (pid) => pid === 100 }));
    assert.equal(alive.outcome, "busy");
    assert.equal(
      ledger.claimRun(claimant(200, { pidAlive: (pid) => pid === 100, restart: true })).outcome,
      "busy",
    );
    const dead = ledger.claimRun(claimant(200));
    assert.equal(dead.outcome, "resumed");
    assert.equal(dead.outcome === "resumed" && dead.run.id, first.outcome === "created" && first.run.id);
    assert.equal(ledger.listRuns().length, 1);
  } finally {
    ledger.close();
  }
});

Deno.test("a run held from another host is live while its lease is fresh, and free once it is stale", () => {
  const clock = new FakeClock(T0);
  const ledger = Ledger.open(":memory:", { clock });
  try {
    ledger.claimRun(claimant(100, { host: "host-b" }));
    clock.tick(LEASE_TTL_MS - 1000);
    assert.equal(ledger.claimRun(claimant(200, { pidAlive: () => true })).outcome, "busy");
    clock.tick(2000);
    assert.equal(ledger.claimRun(claimant(200, { pidAlive: () => true })).outcome, "resumed");
  } finally {
    ledger.close();
  }
});

Deno.test("claimRun leaves other jobs' runs alone and lists them as others", () => {
  const ledger = Ledger.open(":memory:", { clock: new FakeClock(T0) });
  try {
    const name = ledger.claimRun(claimant(100));
    const ssn = ledger.claimRun(claimant(200, { jobKey: jobKeyOf({ source: "csv", vaults: ["SSN"] }) }));
    assert.equal(ssn.outcome, "created");
    assert.deepEqual(ssn.others.map((r) => r.id), [name.outcome === "created" ? name.run.id : ""]);
    const restarted = ledger.claimRun(claimant(300, { restart: true }));
    assert.equal(restarted.outcome, "created");
    assert.equal(
      restarted.outcome === "created" && restarted.abandoned?.id,
      name.outcome === "created" && name.run.id,
    );
    const nothing = ledger.claimRun(claimant(300, { jobKey: "other", resume: true }));
    assert.equal(nothing.outcome, "nothing");
  } finally {
    ledger.close();
  }
});
