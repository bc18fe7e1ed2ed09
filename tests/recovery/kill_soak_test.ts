/**
 * The kill -9 soak in the default suite: a real `byot load` child of 100,000 records is SIGKILLed at
 * ten seeded random moments and resumed each time; the result must be exact (see `killSoak`).
 */
import assert from "node:assert/strict";
import { killSoak } from "../../bench/soak.ts";

Deno.test("byot load killed with SIGKILL ten times mid-load and resumed ends with every pair exactly once", async () => {
  const report = await killSoak({ count: 100_000, kills: 10, seed: 11 });
  assert.equal(report.kills, 10);
  assert.ok(report.failed > 0, "rejected records were part of the load");
});
