import assert from "node:assert/strict";
import { rejectedPositions, VAULTS, workspace } from "../../_fixtures/workspace.ts";

Deno.test("byot load stores every pair of all four vaults exactly once and exits 0", async () => {
  await using ws = await workspace({ count: 2000 });
  const run = await ws.load();
  assert.equal(run.code, 0, run.err);
  for (const v of VAULTS) ws.assertExact(v.column);
  assert.match(run.err, /All 8,000 records loaded\./);
});

Deno.test("byot load isolates rejected records by bisection, loads the rest and exits 3", async () => {
  await using ws = await workspace({ count: 1000, rejectEvery: 97, columns: ["ssn"] });
  const run = await ws.load(["--json"]);
  assert.equal(run.code, 3, run.err);
  const rejected = rejectedPositions("ssn", 1000, 97);
  assert.ok(rejected.size >= 10);
  ws.assertExact("ssn", { except: rejected });
  const summary = JSON.parse(run.out);
  assert.equal(summary.exitCode, 3);
  assert.equal(summary.totals.failed, rejected.size);
  assert.equal(summary.totals.loaded, 1000 - rejected.size);
  assert.equal(summary.totals.recordsRead, 1000, "read = loaded + failed + skipped");
  const timing = summary.vaults[0].timingMs;
  assert.deepEqual(Object.keys(timing), ["read", "suffix", "payload", "baseDelay", "api", "retryDelay"]);
  for (const key of ["read", "payload", "api"]) assert.ok(timing[key] > 0, `timingMs.${key} is measured`);
  assert.match(run.err, /byot failures list/);
});

Deno.test("byot load with --continue-on-error uses the Batch endpoint and records per-record failures", async () => {
  await using ws = await workspace({ count: 600, rejectEvery: 50, columns: ["id"] });
  const run = await ws.load([
    "--continue-on-error",
    "--json",
  ]);
  assert.equal(run.code, 3, run.err);
  const rejected = rejectedPositions("id", 600, 50);
  ws.assertExact("id", { except: rejected });
  assert.equal(ws.sim.stats.requests.insert ?? 0, 0);
  assert.ok((ws.sim.stats.requests.batch ?? 0) > 0);
  assert.equal(JSON.parse(run.out).totals.failed, rejected.size);
});

Deno.test("byot load rides out 429s with Retry-After, 5xx bursts and dropped connections without duplicates", async () => {
  await using ws = await workspace({
    count: 3000,
    columns: ["name", "dob"],
    simulator: { rateLimit: 40, errorRate: 0.05, dropRate: 0.05, seed: 7 },
    performance: { batch_size: 50, max_concurrency: 8 },
  });
  const run = await ws.load([
    "--json",
    "--max-attempts",
    "12",
  ]);
  assert.equal(run.code, 0, run.err);
  ws.assertExact("name");
  ws.assertExact("dob");
  const summary = JSON.parse(run.out);
  assert.ok(ws.sim.stats.rateLimited > 0, "the rate limit was hit");
  assert.ok(ws.sim.stats.dropped > 0, "connections were dropped after applying");
  assert.ok(summary.totals.retries.total > 0);
  assert.ok(summary.totals.replays.readback > 0, "dropped batches were settled by read-back");
});

Deno.test("byot load --max-records and --start-record select a row range", async () => {
  await using ws = await workspace({ count: 500, columns: ["ssn"] });
  const run = await ws.load([
    "--start-record",
    "100",
    "--max-records",
    "250",
  ]);
  assert.equal(run.code, 0, run.err);
  ws.assertExact("ssn", { from: 100, to: 350 });
});

Deno.test("byot load keeps the Go loader's single-dash flags and no-subcommand form working", async () => {
  await using ws = await workspace({ count: 300, columns: ["id", "ssn"] });
  const run = await ws.byot([
    "-config",
    ws.configPath,
    "-source",
    "csv",
    "-vault",
    "id",
    "-concurrency",
    "2",
    "-batch-size",
    "40",
    "--state",
    ws.statePath,
  ]);
  assert.equal(run.code, 0, run.err);
  ws.assertExact("id");
  assert.equal(ws.sim.store.count("vault-ssn", "ssn"), 0);
});

Deno.test("byot load --append-suffix appends a deterministic per-record suffix to values and tokens", async () => {
  await using ws = await workspace({ count: 200, columns: ["name"] });
  const run = await ws.load(["--append-suffix"]);
  assert.equal(run.code, 0, run.err);
  const stored = ws.sim.store.pairs("vault-name", "name", "name");
  assert.equal(stored.size, 200);
  for (const [value, token] of stored) {
    assert.match(value, /_\d+_[0-9a-z]{16}$/);
    assert.match(token, /_\d+_[0-9a-z]{16}$/);
  }
});

Deno.test("byot load keeps the Go loader's -end-record and points -clear to byot clear", async () => {
  await using ws = await workspace({ count: 400, columns: ["dob"] });
  const base = ["-config", ws.configPath, "--state", ws.statePath];
  const clear = await ws.byot([...base, "-clear"]);
  assert.equal(clear.code, 2, clear.err);
  assert.match(clear.err, /byot clear --vault/);
  const bad = await ws.byot([...base, "-start-record", "50", "-end-record", "50"]);
  assert.equal(bad.code, 2, bad.err);
  assert.match(bad.err, /--end-record must be greater than --start-record/);
  const run = await ws.byot([...base, "-start-record", "50", "-end-record", "300"]);
  assert.equal(run.code, 0, run.err);
  ws.assertExact("dob", { from: 50, to: 300 });
});
