import assert from "node:assert/strict";
import { FakeClock } from "../_fixtures/clock.ts";
import { VaultMetrics } from "../../src/report/metrics.ts";
import { batch, result } from "./_fixtures.ts";

Deno.test("VaultMetrics.batchFinished() classes batches as immediate, retried, failed or partial", () => {
  const m = new VaultMetrics("NAME", { clock: new FakeClock() });
  m.batchFinished(batch("NAME", 25), result(25, 0));
  m.batchFinished(batch("NAME", 25), result(25, 0, true));
  m.batchFinished(batch("NAME", 25), result(0, 25, true));
  m.batchFinished(batch("NAME", 25), result(23, 2));
  assert.deepEqual(m.batches, { immediate: 1, retried: 1, failed: 1, partial: 1 });
  assert.equal(m.batchesFinished, 4);
  assert.equal(m.loaded, 73);
  assert.equal(m.failed, 27);
});

Deno.test("VaultMetrics.batchFinished() counts skipped rows by reason and no class for an empty batch", () => {
  const m = new VaultMetrics("NAME", { clock: new FakeClock() });
  m.batchFinished(batch("NAME", 0, { empty_value: 2, null_token: 1 }), result(0, 0));
  m.batchFinished(batch("NAME", 3, { empty_value: 1 }), result(3, 0));
  assert.equal(m.skipped, 4);
  assert.deepEqual(m.skippedBy, { empty_value: 3, empty_token: 0, null_value: 0, null_token: 1 });
  assert.deepEqual(m.batches, { immediate: 1, retried: 0, failed: 0, partial: 0 });
  assert.equal(m.done, 7);
  assert.equal(m.recordsRead, 7, "rows read = loaded + failed + skipped");
});

Deno.test("VaultMetrics.batchFinished() does not count result.requests or result.replayed", () => {
  const m = new VaultMetrics("NAME", { clock: new FakeClock() });
  const r = result(25, 0, true);
  r.replayed.upsert = 25;
  m.batchFinished(batch("NAME", 25), r);
  assert.equal(m.requests, 0);
  assert.equal(m.replays.upsert, 0);
});

Deno.test("VaultMetrics tracks batches in flight and the peak", () => {
  const m = new VaultMetrics("NAME", { clock: new FakeClock() });
  const [a, b, c] = [batch("NAME", 1), batch("NAME", 1), batch("NAME", 1)];
  m.batchStarted(a);
  m.batchStarted(b);
  m.batchStarted(b); // twice: counted once
  assert.equal(m.inFlight, 2);
  m.batchFinished(a, result(1, 0));
  m.batchFinished(c, result(1, 0)); // never started: gauge unchanged
  assert.equal(m.inFlight, 1);
  m.batchStarted(c);
  m.batchFinished(b, result(1, 0));
  m.batchFinished(c, result(1, 0));
  assert.equal(m.inFlight, 0);
  assert.equal(m.maxInFlight, 2);
});

Deno.test("VaultMetrics.requestDone() and retryPlanned() count statuses, 429s, latency and time", () => {
  const m = new VaultMetrics("NAME", { clock: new FakeClock() });
  m.requestDone("insert", 200, 100);
  m.requestDone("insert", 429, 20);
  m.requestDone("get", 0, 0);
  m.retryPlanned("429", 1000);
  m.retryPlanned("network", 500);
  assert.equal(m.requests, 3);
  assert.deepEqual(m.requestsByKind, { insert: 2, get: 1 });
  assert.deepEqual([...m.statuses], [[200, 1], [429, 1], [0, 1]]);
  assert.equal(m.rateLimited, 1);
  assert.equal(m.latency.count, 3);
  assert.equal(m.timing.apiMs, 120);
  assert.equal(m.retriesTotal, 2);
  assert.equal(m.timing.retryDelayMs, 1500);
});

Deno.test("VaultMetrics.elapsedMs() grows until finish() and never goes negative", async () => {
  const clock = new FakeClock(10_000);
  const m = new VaultMetrics("NAME", { clock });
  await clock.tick(1500);
  assert.equal(m.elapsedMs(), 1500);
  m.finish();
  await clock.tick(1000);
  assert.equal(m.elapsedMs(), 1500);
  m.start(clock.now() + 5000);
  assert.equal(m.elapsedMs(), 0);
});

Deno.test("VaultMetrics.rate counts settled records per second", async () => {
  const clock = new FakeClock(0);
  const m = new VaultMetrics("NAME", { clock });
  await clock.tick(2000);
  m.batchFinished(batch("NAME", 10, { empty_token: 2 }), result(8, 2));
  assert.equal(m.rate.perSecond(), 6); // 8 loaded + 2 failed + 2 skipped over 2 s
});

Deno.test("VaultMetrics.merge() sums counters and keeps totals unknown when one is unknown", () => {
  const clock = new FakeClock(0);
  const a = new VaultMetrics("A", { clock, total: 100 });
  const b = new VaultMetrics("B", { clock, total: 50 });
  a.batchFinished(batch("NAME", 10), result(10, 0));
  b.batchFinished(batch("NAME", 10, { null_value: 1 }), result(9, 1));
  a.requestDone("insert", 200, 10);
  b.requestDone("insert", 200, 30);
  b.retryPlanned("5xx", 200);
  const t = new VaultMetrics("total", { clock, total: 0 });
  t.merge(a);
  t.merge(b);
  assert.equal(t.total, 150);
  assert.equal(t.loaded, 19);
  assert.equal(t.failed, 1);
  assert.equal(t.skippedBy.null_value, 1);
  assert.deepEqual(t.batches, { immediate: 1, retried: 0, failed: 0, partial: 1 });
  assert.equal(t.statuses.get(200), 2);
  assert.equal(t.latency.mean, 20);
  assert.equal(t.retries["5xx"], 1);
  assert.equal(t.timing.apiMs, 40);
  t.merge(new VaultMetrics("C", { clock }));
  assert.equal(t.total, undefined);
});
