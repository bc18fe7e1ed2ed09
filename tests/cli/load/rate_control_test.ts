import assert from "node:assert/strict";
import { RateLimiter } from "../../../src/pipeline/pacing/rate_limiter.ts";
import { VaultClient } from "../../../src/vault/client.ts";
import { insertBody } from "../../../src/vault/payload.ts";
import { startSimulator } from "../../../src/vault/simulator/mod.ts";
import { StaticTokenProvider } from "../../../src/vault/auth/token_provider.ts";
import { workspace } from "../../_fixtures/workspace.ts";

function loadArgs(ws: { configPath: string; statePath: string }, ...extra: string[]): string[] {
  return ["load", "--config", ws.configPath, "--state", ws.statePath, "--vault", "ssn", "--json", ...extra];
}

Deno.test("byot load --concurrency auto holds a 50 req/s limit with few 429s and stores every record once", async () => {
  await using ws = await workspace({
    count: 45_000,
    columns: ["ssn"],
    simulator: { rateLimit: 50 },
    performance: { batch_size: 300 },
  });
  const run = await ws.byot(loadArgs(ws, "--concurrency", "auto"));
  assert.equal(run.code, 0, run.err);
  ws.assertExact("ssn");
  const summary = JSON.parse(run.out);
  assert.equal(summary.totals.failed, 0);
  const requests = ws.sim.stats.requests.insert;
  assert.ok(ws.sim.stats.rateLimited > 0, "the limit was reached (the controller had something to do)");
  assert.ok(
    ws.sim.stats.rateLimited < requests * 0.05,
    `${ws.sim.stats.rateLimited} 429s of ${requests} requests`,
  );
});

Deno.test("byot load --max-rps 20 never sends more than 20 requests in a second and gets no 429", async () => {
  await using ws = await workspace({
    count: 5_000,
    columns: ["ssn"],
    simulator: { rateLimit: 20 },
    performance: { batch_size: 100, max_concurrency: 8 },
  });
  const run = await ws.byot(loadArgs(ws, "--max-rps", "20"));
  assert.equal(run.code, 0, run.err);
  ws.assertExact("ssn");
  assert.equal(ws.sim.stats.rateLimited, 0);
  const perSecond = [...ws.sim.stats.perSecond.values()];
  // smooth pacing: one request at once, then one per 50 ms (a second may catch one extra at its edge)
  assert.ok(Math.max(...perSecond) <= 21, `per second: ${perSecond.join(", ")}`);
  assert.ok(perSecond.length >= 3, "50 requests at 20/s take more than two seconds");
});

Deno.test("byot load --concurrency auto grows requests in flight but never above --concurrency-max", async () => {
  await using ws = await workspace({
    count: 1_500,
    columns: ["ssn"],
    simulator: { latencyMs: 40 },
    performance: { batch_size: 10 },
  });
  const run = await ws.byot(loadArgs(ws, "--concurrency", "auto", "--concurrency-max", "12"));
  assert.equal(run.code, 0, run.err);
  ws.assertExact("ssn");
  assert.ok(ws.sim.stats.maxInFlight <= 12, `max in flight ${ws.sim.stats.maxInFlight}`);
  assert.ok(
    ws.sim.stats.maxInFlight > 4,
    `slow start grew past 4 (max in flight ${ws.sim.stats.maxInFlight})`,
  );
});

Deno.test("byot load with a fixed concurrency keeps the rate a 429 revealed, so no batch runs out of attempts", async () => {
  await using ws = await workspace({
    count: 8_000,
    columns: ["ssn"],
    simulator: { rateLimit: 20 },
    performance: { batch_size: 100, max_concurrency: 48 },
  });
  // without the kept rate, every reopening of the gate would send 48 requests for 20 places
  const run = await ws.byot(loadArgs(ws, "--concurrency", "48", "--max-attempts", "3"));
  assert.equal(run.code, 0, run.err);
  ws.assertExact("ssn");
  assert.ok(ws.sim.stats.rateLimited > 0);
  assert.ok(ws.sim.stats.rateLimited <= 60, `${ws.sim.stats.rateLimited} 429s: one wave, then paced`);
});

Deno.test("VaultClient.send() takes a rate token before every attempt, retries included", async () => {
  const sim = await startSimulator({ errorRate: 1 });
  try {
    let taken = 0;
    const bucket = new RateLimiter({ rate: 1000 });
    const client = new VaultClient({
      vaultUrl: sim.url,
      vaultName: "SSN",
      tokens: new StaticTokenProvider("test-token"),
      maxAttempts: 3,
      backoffBaseMs: 1,
      backoffCapMs: 2,
      rate: { acquire: (signal) => (taken++, bucket.acquire(signal)) },
    });
    const target = { column: "ssn", table: "ssn", byotMode: "ENABLE" as const };
    const body = insertBody(target, [{ position: 0, value: "v", token: "t" }], false);
    const result = await client.send({
      kind: "insert",
      method: "POST",
      path: "/v1/vaults/v1/ssn",
      body,
      records: 1,
    });
    assert.equal(result.kind, "exhausted");
    assert.equal(result.requests, 3);
    assert.equal(taken, 3);
  } finally {
    await sim.shutdown();
  }
});

Deno.test("byot load by default keeps a full vault within a few times what it works on at once, not the ceiling", async () => {
  // the vault works on 4 requests at a time for 30 ms each: more in flight only wait in its line
  await using ws = await workspace({
    count: 15_000,
    columns: ["ssn"],
    simulator: { latencyMs: 30, capacity: 4 },
    performance: { batch_size: 25, max_concurrency: 64 },
  });
  const run = await ws.byot(loadArgs(ws));
  assert.equal(run.code, 0, run.err);
  ws.assertExact("ssn");
  const pacing = JSON.parse(run.out).pacing.SSN;
  // fixed at the ceiling, 64 would wait in line at all times; auto stays within a few times the capacity
  assert.ok(pacing.limit <= 16, `in-flight limit at the end: ${pacing.limit} (the ceiling is 64)`);
  assert.ok(pacing.decreases > 0, "it backed off");
  assert.ok(ws.sim.stats.maxInFlight <= 24, `max in flight ${ws.sim.stats.maxInFlight}`);
  assert.equal(pacing.throttles, 0);
  assert.ok(pacing.phase === "steady", `slow start ended: ${JSON.stringify(pacing)}`);
});
