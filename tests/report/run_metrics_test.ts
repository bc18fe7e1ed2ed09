import assert from "node:assert/strict";
import { FakeClock } from "../_fixtures/clock.ts";
import type { BatchResult } from "../../src/common/types.ts";
import { RunMetrics } from "../../src/report/run_metrics.ts";
import { batch } from "./_fixtures.ts";

function ok(loaded: number): BatchResult {
  return {
    loaded,
    failures: [],
    requests: 1,
    retried: false,
    lastStatus: 200,
    replayed: { upsert: 0, readback: 0, resent: 0 },
  };
}

Deno.test("RunMetrics.observer routes request, retry, replay and split events to their vault", () => {
  const metrics = new RunMetrics({ clock: new FakeClock(), vaults: ["NAME", "SSN"] });
  const o = metrics.observer;
  o.request({ vault: "NAME", kind: "insert", status: 200, latencyMs: 50, records: 25 });
  o.request({ vault: "SSN", kind: "insert", status: 429, latencyMs: 5, records: 25 });
  o.request({ vault: "SSN", kind: "detokenize", status: 200, latencyMs: 15, records: 25 });
  o.retry({ vault: "SSN", reason: "429", delayMs: 1000 });
  o.replay({ vault: "NAME", path: "readback", records: 7 });
  o.replay({ vault: "NAME", path: "upsert", records: 3 });
  o.split({ vault: "SSN", reason: "bisect" });
  o.split({ vault: "SSN", reason: "size" });
  o.split({ vault: "SSN", reason: "bisect" });

  const name = metrics.vault("NAME");
  const ssn = metrics.vault("SSN");
  assert.equal(name.requests, 1);
  assert.equal(name.rateLimited, 0);
  assert.deepEqual(name.replays, { upsert: 3, readback: 7, resent: 0 });
  assert.equal(ssn.requests, 2);
  assert.deepEqual(ssn.requestsByKind, { insert: 1, detokenize: 1 });
  assert.equal(ssn.rateLimited, 1);
  assert.equal(ssn.retries["429"], 1);
  assert.equal(ssn.timing.retryDelayMs, 1000);
  assert.equal(ssn.timing.apiMs, 20);
  assert.deepEqual(ssn.splits, { bisect: 2, size: 1 });
});

Deno.test("RunMetrics.vault() creates vaults on first use, in order", () => {
  const metrics = new RunMetrics({ clock: new FakeClock(), vaults: ["B"] });
  metrics.observer.request({ vault: "A", kind: "insert", status: 200, latencyMs: 1, records: 1 });
  assert.deepEqual(metrics.vaults().map((m) => m.name), ["B", "A"]);
  assert.equal(metrics.vault("A"), metrics.vault("A"));
});

Deno.test("RunMetrics acts as an OutcomeSink routed by batch.vault", () => {
  const metrics = new RunMetrics({ clock: new FakeClock(), vaults: ["NAME", "SSN"] });
  const b = batch("SSN", 25);
  metrics.batchStarted(b);
  assert.equal(metrics.vault("SSN").inFlight, 1);
  metrics.batchFinished(b, ok(25));
  metrics.flush();
  assert.equal(metrics.vault("SSN").inFlight, 0);
  assert.equal(metrics.vault("SSN").loaded, 25);
  assert.equal(metrics.vault("NAME").loaded, 0);
});

Deno.test("RunMetrics.totals() sums vaults over the run's wall time", async () => {
  const clock = new FakeClock(1000);
  const metrics = new RunMetrics({ clock, vaults: ["NAME", "SSN"] });
  metrics.vault("NAME").total = 100;
  metrics.vault("SSN").total = 50;
  await clock.tick(4000);
  metrics.batchFinished(batch("NAME", 25), ok(25));
  metrics.batchFinished(batch("SSN", 25), ok(25));
  metrics.vault("SSN").finish();
  await clock.tick(1000);
  metrics.finish();
  const t = metrics.totals();
  assert.equal(t.name, "total");
  assert.equal(t.loaded, 50);
  assert.equal(t.total, 150);
  assert.equal(t.elapsedMs(), 5000);
  assert.equal(metrics.elapsedMs(), 5000);
  assert.equal(metrics.vault("SSN").elapsedMs(), 4000);
  assert.equal(metrics.vault("NAME").elapsedMs(), 5000);
});

Deno.test("RunMetrics.perSecond() adds the vaults' rates", async () => {
  const clock = new FakeClock(0);
  const metrics = new RunMetrics({ clock, vaults: ["NAME", "SSN"] });
  await clock.tick(1000);
  metrics.batchFinished(batch("NAME", 100), ok(100));
  metrics.batchFinished(batch("SSN", 50), ok(50));
  assert.equal(metrics.perSecond(), 150);
});

Deno.test("RunMetrics.start() restarts the clocks of the run and its vaults", async () => {
  const clock = new FakeClock(0);
  const metrics = new RunMetrics({ clock, vaults: ["NAME"] });
  await clock.tick(10_000);
  metrics.start();
  await clock.tick(2000);
  assert.equal(metrics.elapsedMs(), 2000);
  assert.equal(metrics.vault("NAME").elapsedMs(), 2000);
});
