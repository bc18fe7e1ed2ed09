import assert from "node:assert/strict";
import { VaultCapacity } from "../../../src/vault/simulator/capacity.ts";
import { startSimulator } from "../../../src/vault/simulator/mod.ts";

Deno.test("VaultCapacity lets N requests of a vault in at once and the next in line when one leaves", async () => {
  const capacity = new VaultCapacity(2);
  const first = await capacity.acquire("v1");
  const second = await capacity.acquire("v1");
  let thirdIn = false;
  const third = capacity.acquire("v1").then((release) => {
    thirdIn = true;
    return release;
  });
  const otherVault = await capacity.acquire("v2"); // each vault has its own slots
  await Promise.resolve();
  assert.equal(thirdIn, false);
  assert.equal(capacity.waiting("v1"), 1);
  first();
  first(); // a second release of the same slot changes nothing
  (await third)();
  assert.equal(thirdIn, true);
  second();
  otherVault();
  const again = [await capacity.acquire("v1"), await capacity.acquire("v1")];
  assert.equal(capacity.waiting("v1"), 0, "both slots are free again");
  again.forEach((release) => release());
});

Deno.test("VaultCapacity with 0 slots never makes a request wait", async () => {
  const capacity = new VaultCapacity(0);
  const releases = await Promise.all(Array.from({ length: 100 }, () => capacity.acquire("v1")));
  assert.equal(capacity.waiting("v1"), 0);
  releases.forEach((release) => release());
});

Deno.test("the simulator with --capacity 2 answers 6 requests at once in three waves of its latency", async () => {
  const sim = await startSimulator({ latencyMs: 60, capacity: 2 });
  try {
    const started = performance.now();
    const answered = await Promise.all(Array.from({ length: 6 }, async (_, i) => {
      const res = await fetch(`${sim.url}/v1/vaults/v1/ssn`, {
        method: "POST",
        headers: { authorization: "Bearer x", "content-type": "application/json" },
        body: JSON.stringify({ records: [{ fields: { ssn: `00${i}` } }] }),
      });
      await res.body?.cancel();
      assert.equal(res.status, 200);
      return performance.now() - started;
    }));
    answered.sort((a, b) => a - b);
    // two at a time: the last two waited for two others to finish first
    assert.ok(answered[5] >= 170, `answers after ${answered.map(Math.round).join(", ")} ms`);
    assert.equal(sim.stats.maxInFlight, 6, "all six were in flight, four of them in line");
  } finally {
    await sim.shutdown();
  }
});
