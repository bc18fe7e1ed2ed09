import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { VAULTS, workspace } from "../../_fixtures/workspace.ts";
import { schemaOf } from "../../../src/vault/simulator/mod.ts";

const SCHEMA = schemaOf(VAULTS.map((v) => ({ id: v.id, table: v.column, column: v.column })));

async function setTable(configPath: string, table: string | undefined): Promise<void> {
  const config = JSON.parse(await Deno.readTextFile(configPath));
  for (const v of config.skyflow.vaults) {
    if (table === undefined) delete v.table;
    else v.table = table;
  }
  await Deno.writeTextFile(configPath, JSON.stringify(config));
}

function failedRecords(statePath: string): number {
  const db = new DatabaseSync(statePath, { readOnly: true });
  try {
    const row = db.prepare("SELECT count(*) AS n FROM failed_records").get() as { n: number };
    return row.n;
  } finally {
    db.close();
  }
}

Deno.test("byot load with a table the vault lacks stops at the first request with exit 2, no record failed, and the corrected command finishes", async () => {
  await using ws = await workspace({
    count: 2000,
    columns: ["ssn"],
    simulator: { schema: SCHEMA },
    performance: { batch_size: 25, max_concurrency: 4 },
  });
  await setTable(ws.configPath, "ssn_typo");
  const started = performance.now();
  const run = await ws.load(["--no-preflight"]);
  const seconds = (performance.now() - started) / 1000;
  assert.equal(run.code, 2, run.err);
  assert.ok(seconds < 5, `stopped within seconds (took ${seconds.toFixed(1)} s)`);
  assert.match(run.err, /Table name ssn_typo is invalid/);
  assert.match(run.err, /byot check/);
  assert.ok(ws.sim.stats.requests.insert <= 4, `at most a few requests (${ws.sim.stats.requests.insert})`);
  assert.equal(ws.sim.store.size, 0);
  assert.equal(failedRecords(ws.statePath), 0, "no record is stored as failed");

  await setTable(ws.configPath, undefined);
  const fixed = await ws.load();
  assert.equal(fixed.code, 0, fixed.err);
  ws.assertExact("ssn");
});

Deno.test("byot load with a column the vault lacks stops with exit 2 on the Batch endpoint too", async () => {
  await using ws = await workspace({
    count: 500,
    columns: ["id"],
    simulator: {
      schema: { vaults: { "vault-id": { tables: { id: { columns: { member_id: { unique: true } } } } } } },
    },
  });
  const run = await ws.load(["--no-preflight", "--continue-on-error"]);
  assert.equal(run.code, 2, run.err);
  assert.match(run.err, /Invalid field present in JSON id/);
  assert.ok(ws.sim.stats.requests.batch <= 4, `at most a few requests (${ws.sim.stats.requests.batch})`);
  assert.equal(failedRecords(ws.statePath), 0, "no record is stored as failed");
});

Deno.test("byot load with an https URL to a plain-http port stops at the first request with exit 2, not 75", async () => {
  await using ws = await workspace({ count: 200, columns: ["dob"] });
  const config = JSON.parse(await Deno.readTextFile(ws.configPath));
  config.skyflow.vault_url = ws.sim.url.replace("http:", "https:");
  await Deno.writeTextFile(ws.configPath, JSON.stringify(config));
  const started = performance.now();
  const run = await ws.load(["--no-preflight"]);
  assert.equal(run.code, 2, run.err);
  assert.ok(performance.now() - started < 5000, "no retries");
  assert.match(run.err, /does not speak TLS/);
  assert.equal(failedRecords(ws.statePath), 0, "no record is stored as failed");
});

Deno.test("byot load's preflight stops a wrong table before anything is sent, showing only the ✗ line", async () => {
  await using ws = await workspace({ count: 300, columns: ["ssn"], simulator: { schema: SCHEMA } });
  await setTable(ws.configPath, "ssn_typo");
  const run = await ws.load();
  assert.equal(run.code, 2, run.err);
  assert.match(run.err, /✗ vault SSN: the vault has no table ssn_typo/);
  assert.doesNotMatch(run.err, /✓/);
  assert.equal(ws.sim.stats.requests.insert, 0);
  assert.equal(ws.sim.stats.requests.batch, 0);
});

Deno.test("byot load stops with exit 2 when its first batches are rejected record by record with one message, and the fixed command resumes them", async () => {
  await using ws = await workspace({
    count: 3000,
    columns: ["name"],
    simulator: { schema: SCHEMA },
    performance: { batch_size: 20, max_concurrency: 2 },
  });
  const run = await ws.load(["--byot-mode", "DISABLE"]);
  assert.equal(run.code, 2, run.err);
  assert.match(run.err, /rejected every record of its first 3 batches .* Tokens aren't allowed/);
  assert.equal(ws.sim.store.size, 0);
  assert.ok(ws.sim.stats.requests.insert < 400, `stopped early (${ws.sim.stats.requests.insert} inserts)`);
  assert.equal(failedRecords(ws.statePath), 0, "no record is stored as failed");

  const fixed = await ws.load();
  assert.equal(fixed.code, 0, fixed.err);
  assert.match(fixed.err, /resuming run/);
  ws.assertExact("name");
});
