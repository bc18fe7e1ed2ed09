import assert from "node:assert/strict";
import { FakeClock } from "../_fixtures/clock.ts";
import { type IntervalSample, IntervalSampler } from "../../src/report/interval_sampler.ts";
import { RunMetrics } from "../../src/report/run_metrics.ts";
import { batch, result } from "./_fixtures.ts";

function setup(options: { intervalMs?: number; maxSamplesPerVault?: number } = {}) {
  const clock = new FakeClock(1_000_000);
  const metrics = new RunMetrics({ clock, vaults: ["NAME", "SSN"] });
  const rounds: IntervalSample[][] = [];
  const sampler = new IntervalSampler({ metrics, write: (s) => rounds.push(s), clock, ...options });
  const observer = sampler.observe(metrics.observer);
  return { clock, metrics, rounds, sampler, observer };
}

Deno.test("each interval's sample holds that interval's counts and latency percentiles only", async () => {
  const { clock, metrics, rounds, sampler, observer } = setup();
  metrics.batchFinished(batch("NAME", 10), result(10, 0)); // before start: not counted
  sampler.start();
  for (let i = 1; i <= 100; i++) {
    observer.request({ vault: "NAME", kind: "insert", status: 200, latencyMs: i, records: 10 });
  }
  observer.request({ vault: "NAME", kind: "insert", status: 429, latencyMs: 1, records: 10 });
  observer.retry({ vault: "NAME", reason: "429", delayMs: 5 });
  metrics.batchFinished(batch("NAME", 30, { empty_token: 2 }), result(27, 3));
  metrics.vault("NAME").limiter = { active: 5, limit: 12 };
  await clock.tick(10_000);
  assert.equal(rounds.length, 1);
  const [name, ssn] = rounds[0];
  assert.deepEqual({
    ...name,
    latencyP50Ms: Math.round(name.latencyP50Ms),
    latencyP99Ms: Math.round(name.latencyP99Ms),
  }, {
    vault: "NAME",
    at: 1_010_000,
    intervalMs: 10_000,
    loaded: 27,
    alreadyPresent: 0,
    failed: 3,
    skipped: 2,
    requests: 101,
    rateLimited: 1,
    retries: 1,
    latencyP50Ms: 50,
    latencyP99Ms: 99,
    inFlight: 5,
    concurrencyLimit: 12,
  });
  assert.equal(ssn.requests, 0);
  assert.equal(ssn.latencyP50Ms, 0);

  observer.request({ vault: "NAME", kind: "insert", status: 200, latencyMs: 500, records: 10 });
  await clock.tick(10_000);
  assert.equal(rounds.length, 2);
  assert.equal(rounds[1][0].requests, 1);
  assert.equal(rounds[1][0].loaded, 0);
  assert.equal(Math.round(rounds[1][0].latencyP50Ms), 500, "the previous interval's latencies are gone");
});

Deno.test("stop() writes the last partial interval once and ends the timer", async () => {
  const { clock, rounds, sampler } = setup();
  sampler.start();
  await clock.tick(4_000);
  sampler.stop();
  sampler.stop();
  assert.equal(rounds.length, 1);
  assert.equal(rounds[0][0].intervalMs, 4_000);
  await clock.tick(60_000);
  assert.equal(rounds.length, 1);
});

Deno.test("the interval doubles each time a vault's sample budget is spent, bounding the ledger", async () => {
  const { clock, rounds, sampler } = setup({ intervalMs: 1_000, maxSamplesPerVault: 3 });
  sampler.start();
  await clock.tick(3_000);
  assert.equal(rounds.length, 3);
  assert.equal(sampler.intervalMs, 2_000);
  await clock.tick(6_000);
  assert.equal(rounds.length, 6);
  assert.deepEqual(rounds.slice(3).map((r) => r[0].intervalMs), [2_000, 2_000, 2_000]);
  assert.equal(sampler.intervalMs, 4_000);
  sampler.stop();
});

Deno.test("a wall-clock step neither stretches nor skips a sample interval; samples keep wall timestamps", async () => {
  const { clock, rounds, sampler } = setup();
  sampler.start();
  await clock.tick(4_000);
  clock.stepWall(86_400_000);
  await clock.tick(6_000);
  assert.equal(rounds.length, 1, "sampled once, on time");
  assert.equal(rounds[0][0].intervalMs, 10_000);
  assert.equal(rounds[0][0].at, 1_010_000 + 86_400_000);
  clock.stepWall(-60_000);
  await clock.tick(10_000);
  assert.equal(rounds.length, 2, "a backward step does not hold the next sample back");
  assert.equal(rounds[1][0].intervalMs, 10_000);
  sampler.stop();
});

Deno.test("a sample's interval is whole milliseconds even when the monotonic clock has fractions", async () => {
  const { clock, rounds, sampler } = setup();
  sampler.start();
  await clock.tick(2_500.6);
  sampler.stop(); // the last, partial interval
  assert.equal(rounds[0][0].intervalMs, 2_501);
});
