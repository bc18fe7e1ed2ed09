import assert from "node:assert/strict";
import { VAULTS, workspace } from "../../_fixtures/workspace.ts";
import { schemaOf } from "../../../src/vault/simulator/mod.ts";

/** The schema of the workspace's configured vaults (table = column). */
const SCHEMA = schemaOf(VAULTS.map((v) => ({ id: v.id, table: v.column, column: v.column })));

function assertNothingInserted(
  ws: { sim: { stats: { requests: Record<string, number> }; store: { size: number } } },
) {
  assert.equal(ws.sim.stats.requests.insert, 0, "no insert request");
  assert.equal(ws.sim.stats.requests.batch, 0, "no batch request");
  assert.equal(ws.sim.store.size, 0, "nothing stored");
}

async function writeConfig(path: string, edit: (config: Record<string, any>) => void): Promise<void> {
  const config = JSON.parse(await Deno.readTextFile(path));
  edit(config);
  await Deno.writeTextFile(path, JSON.stringify(config));
}

Deno.test("byot check passes a good setup with a ✓ per item and exits 0 without sending a record", async () => {
  await using ws = await workspace({ count: 300, columns: ["name", "ssn"], simulator: { schema: SCHEMA } });
  const run = await ws.byot(["check", "--config", ws.configPath, "--state", ws.statePath, "--json"]);
  assert.equal(run.code, 0, run.err);
  assert.doesNotMatch(run.err, /✗/);
  assert.match(run.err, /✓ credentials: bearer token/);
  assert.match(run.err, /✓ vault URL http:\/\/127\.0\.0\.1:\d+: answering/);
  assert.match(run.err, /✓ vault NAME: table name, column name: exist/);
  assert.match(run.err, /✓ vault SSN: read-back \(detokenize\) allowed/);
  assert.match(run.err, /✓ source of vault NAME: .*300 rows, headers and row counts match/);
  assert.match(run.err, /✓ ledger .*: writable, local disk/);
  assert.match(run.err, /✓ projected duration: /);
  const doc = JSON.parse(run.out);
  assert.equal(doc.ok, true);
  assert.equal(doc.exitCode, 0);
  assert.ok(doc.checks.every((c: { status: string }) => c.status === "ok"));
  assert.equal(doc.projection.records, 600);
  assertNothingInserted(ws);
});
