/**
 * Deterministic crash points: a real `byot load` child kills itself with SIGKILL at a labelled point
 * (`BYOT_CRASH_AT=<label>:<n>`), the same command is run again without the switch, and the result
 * must be exact: every pair stored once, rejected records failed once, the ledger's counts adding up.
 */
import assert from "node:assert/strict";
import { rejectedPositions, VAULTS, workspace } from "../_fixtures/workspace.ts";
import { assertKilled, assertLedger, runByot } from "./_child.ts";

const COUNT = 1500;
const REJECT_EVERY = 97;
const COLUMNS = ["name", "ssn"];

/**
 * Loads 2 vaults × 1,500 records (some rejected) into a simulator with latency, crashing once per
 * entry of `crashes` (each run resumes the previous one), then resumes to the end and checks.
 * `extraArgs` are added to every `byot load`.
 */
async function crashThenResume(crashes: string[], extraArgs: string[] = []): Promise<void> {
  await using ws = await workspace({
    count: COUNT,
    columns: COLUMNS,
    rejectEvery: REJECT_EVERY,
    simulator: { latencyMs: 5, jitterMs: 10, seed: 3 },
    performance: { batch_size: 50, max_concurrency: 4 },
  });
  const args = ["load", "--config", ws.configPath, "--state", ws.statePath, ...extraArgs];
  for (const [i, crashAt] of crashes.entries()) {
    const crashed = await runByot(args, { env: { BYOT_CRASH_AT: crashAt } });
    assertKilled(crashed, `BYOT_CRASH_AT=${crashAt}`);
    if (i > 0) assert.match(crashed.err, /resuming run r\w+/);
  }
  const resumed = await runByot(args);
  assert.equal(resumed.code, 3, resumed.err);
  assert.match(resumed.err, /resuming run r\w+ .* from /);
  const expected = COLUMNS.map((column) => ({
    column,
    vault: VAULTS.find((v) => v.column === column)!.name,
    rows: COUNT,
    failed: rejectedPositions(column, COUNT, REJECT_EVERY),
  }));
  for (const e of expected) {
    assert.ok(e.failed.size > 10);
    ws.assertExact(e.column, { except: e.failed });
  }
  assert.equal(ws.sim.stats.duplicateInserts, 0);
  assertLedger(ws.statePath, expected);
}

const SINGLE = [
  "after-read:1",
  "after-read:23",
  "after-send:1",
  "after-send:23",
  "after-commit:1",
  "after-commit:3",
  "before-finish:1",
];

for (const crashAt of SINGLE) {
  Deno.test(`byot load killed at ${crashAt} resumes to the exact set with the ledger's counts adding up`, () =>
    crashThenResume([crashAt]));
}

Deno.test("byot load survives three crashes in a row (send, read, commit) and still ends exact", () =>
  crashThenResume(["after-send:9", "after-read:20", "after-commit:1"]));

Deno.test("byot load killed after a resumed run settled everything (before-finish) finishes on the next run", () =>
  crashThenResume(["after-send:7", "before-finish:1"]));

Deno.test("byot load --continue-on-error (Batch endpoint) killed after a send resumes to the exact set", () =>
  crashThenResume(["after-send:23"], ["--continue-on-error"]));
