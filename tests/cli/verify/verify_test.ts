import assert from "node:assert/strict";
import { Ledger } from "../../../src/ledger/mod.ts";
import { generatedPair } from "../../../src/sources/generator.ts";
import { type CliRun, type Workspace, workspace } from "../../_fixtures/workspace.ts";

const VAULT_ID = "vault-name";

interface VerifyJson {
  exitCode: number;
  runId: string;
  sample: number;
  verify: Record<string, { verified: number; missing: number; tokenConflict: number; valueConflict: number }>;
}

function verify(ws: Workspace, ...extra: string[]): Promise<CliRun> {
  return ws.byot(["verify", "--config", ws.configPath, "--state", ws.statePath, "--json", ...extra]);
}

function parse(run: CliRun): VerifyJson {
  return JSON.parse(run.out.trim().split("\n").at(-1)!) as VerifyJson;
}

function pair(position: number) {
  return generatedPair("name", position, { seed: 1 });
}

/** Deletes the stored record of `position` from the simulator. */
function removeRecord(ws: Workspace, position: number): void {
  const record = ws.sim.store.findByValue(VAULT_ID, "name", "name", pair(position).value)!;
  ws.sim.store.delete(VAULT_ID, "name", [record.skyflow_id]);
}

/** Stores `position`'s value under another token (as another loader might have). */
function changeToken(ws: Workspace, position: number): void {
  removeRecord(ws, position);
  ws.sim.store.insert(VAULT_ID, "name", { name: pair(position).value }, { name: `other-token-${position}` });
}

/** Puts another value under `position`'s token. */
function squatToken(ws: Workspace, position: number): void {
  removeRecord(ws, position);
  ws.sim.store.insert(VAULT_ID, "name", { name: `SOMEONE ELSE ${position}` }, { name: pair(position).token });
}

Deno.test("byot verify after an exact load verifies every record, sends no insert and exits 0", async () => {
  await using ws = await workspace({ count: 400, columns: ["name"] });
  assert.equal((await ws.load()).code, 0);
  const inserts = ws.sim.stats.requests.insert;
  const run = await verify(ws);
  assert.equal(run.code, 0, run.err);
  const json = parse(run);
  assert.deepEqual(json.verify.NAME, {
    verified: 400,
    missing: 0,
    tokenConflict: 0,
    valueConflict: 0,
    unchecked: 0,
  });
  assert.equal(ws.sim.stats.requests.insert, inserts, "verify never inserts");
  assert.ok(ws.sim.stats.requests.detokenize >= 400 / 25, "every record was read back");
  assert.match(run.err, /All 400 records verified/);
  ws.assertExact("name");
});

Deno.test("byot verify names missing and mismatched records; failures retry --upsert repairs them and a second verify exits 0", async () => {
  await using ws = await workspace({ count: 300, columns: ["name"] });
  assert.equal((await ws.load()).code, 0);
  removeRecord(ws, 10);
  removeRecord(ws, 11);
  changeToken(ws, 42);
  const first = await verify(ws);
  assert.equal(first.code, 3, first.err);
  const json = parse(first);
  assert.deepEqual(json.verify.NAME, {
    verified: 297,
    missing: 2,
    tokenConflict: 0,
    valueConflict: 1,
    unchecked: 0,
  });
  assert.match(
    first.err,
    /Verify NAME: 297 verified, 2 missing, 1 mismatched \(0 token holds another value, 1 value under another token\)/,
  );
  assert.match(first.err, /byot failures retry .* --upsert --yes/);
  const ledger = Ledger.open(ws.statePath);
  try {
    const found = [...ledger.eachFailure({ runId: json.runId })].map((
      f,
    ) => [f.position, f.verdict, f.statusCode]);
    assert.deepEqual(found, [[10, "missing", 404], [11, "missing", 404], [42, "mismatched", 409]]);
    assert.equal(ledger.countFailures({ runId: json.runId, verdict: "missing" }).total, 2);
  } finally {
    ledger.close();
  }
  const listed = await ws.byot(["failures", "list", "--state", ws.statePath, "--verdict", "missing"]);
  assert.equal(listed.code, 0, listed.err);
  assert.match(listed.out, /missing: the vault holds neither this token nor this value/);
  assert.doesNotMatch(listed.out, /mismatched/);
  const retry = await ws.byot([
    "failures",
    "retry",
    "--config",
    ws.configPath,
    "--state",
    ws.statePath,
    "--run",
    json.runId,
    "--upsert",
    "--yes",
  ]);
  assert.equal(retry.code, 0, retry.err);
  const second = await verify(ws);
  assert.equal(second.code, 0, second.err);
  assert.equal(parse(second).verify.NAME.verified, 300);
  // the vault holds every pair exactly (assertExact would also count the tokens this test freed and
  // the repair re-inserted as duplicate inserts)
  const stored = ws.sim.store.pairs(VAULT_ID, "name", "name");
  assert.equal(stored.size, 300);
  for (let i = 0; i < 300; i++) assert.equal(stored.get(pair(i).value), pair(i).token, `record ${i}`);
});

Deno.test("byot verify reports a token that holds another value as mismatched and exits 3", async () => {
  await using ws = await workspace({ count: 100, columns: ["name"] });
  assert.equal((await ws.load()).code, 0);
  squatToken(ws, 7);
  const run = await verify(ws);
  assert.equal(run.code, 3, run.err);
  assert.deepEqual(parse(run).verify.NAME, {
    verified: 99,
    missing: 0,
    tokenConflict: 1,
    valueConflict: 0,
    unchecked: 0,
  });
  const ledger = Ledger.open(ws.statePath);
  try {
    const [f] = [...ledger.eachFailure({ verdict: "mismatched" })];
    assert.equal(f.position, 7);
    assert.equal(f.message, "mismatched: the token holds a different value");
  } finally {
    ledger.close();
  }
});

Deno.test("byot verify --sample checks the same deterministic share of the records every time", async () => {
  await using ws = await workspace({ count: 2000, columns: ["name"] });
  assert.equal((await ws.load()).code, 0);
  removeRecord(ws, 0);
  const a = parse(await verify(ws, "--sample", "0.1"));
  const b = parse(await verify(ws, "--sample", "10%"));
  const checked = (j: VerifyJson) => j.verify.NAME.verified + j.verify.NAME.missing;
  assert.deepEqual(a.verify, b.verify, "the same rows are picked each time");
  assert.ok(checked(a) > 130 && checked(a) < 270, `about a tenth of 2,000 checked, got ${checked(a)}`);
  assert.equal(a.sample, 0.1);
  const bad = await verify(ws, "--sample", "1.5");
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--sample must be a fraction in \(0, 1\]/);
});

Deno.test("byot verify --run checks only what that load run settled as loaded", async () => {
  await using ws = await workspace({ count: 500, columns: ["name"] });
  const load = await ws.load(["--max-records", "120", "--json"]);
  assert.equal(load.code, 0, load.err);
  const runId = JSON.parse(load.out.trim()).runId as string;
  const run = await verify(ws, "--run", runId);
  assert.equal(run.code, 0, run.err);
  assert.equal(parse(run).verify.NAME.verified, 120);
  const unknown = await verify(ws, "--run", "r-nope");
  assert.equal(unknown.code, 2);
  assert.match(unknown.err, /no run r-nope/);
});

Deno.test("byot verify under 429s waits at the vault's gate and still verifies every record", async () => {
  await using ws = await workspace({ count: 1000, columns: ["name"], simulator: { rateLimit: 25 } });
  assert.equal((await ws.load(["--batch-size", "100"])).code, 0);
  const before = ws.sim.stats.rateLimited;
  const run = await verify(ws, "--batch-size", "100", "--concurrency", "8");
  assert.equal(run.code, 0, run.err);
  assert.equal(parse(run).verify.NAME.verified, 1000);
  assert.ok(ws.sim.stats.rateLimited > before, "the simulator answered some read-backs with 429");
});
