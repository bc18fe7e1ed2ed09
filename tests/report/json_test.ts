import assert from "node:assert/strict";
import { FakeClock } from "../_fixtures/clock.ts";
import type { BatchResult } from "../../src/common/types.ts";
import { summaryJson } from "../../src/report/json.ts";
import { RunMetrics } from "../../src/report/run_metrics.ts";
import { batch } from "./_fixtures.ts";

const ok: BatchResult = {
  loaded: 25,
  failures: [],
  requests: 1,
  retried: true,
  lastStatus: 200,
  replayed: { upsert: 0, readback: 0, resent: 0 },
};

/** Every number in `value` is finite. */
function assertFinite(value: unknown, path = "$"): void {
  if (typeof value === "number") assert.ok(Number.isFinite(value), `${path} = ${value}`);
  else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) assertFinite(v, `${path}.${k}`);
  }
}

Deno.test("summaryJson() has version 1, the run's times, per-vault objects and totals", async () => {
  const clock = new FakeClock(1_700_000_000_000);
  const metrics = new RunMetrics({ clock, vaults: ["NAME", "SSN"] });
  metrics.vault("NAME").total = 26;
  metrics.observer.request({ vault: "NAME", kind: "insert", status: 503, latencyMs: 30, records: 25 });
  metrics.observer.retry({ vault: "NAME", reason: "5xx", delayMs: 250 });
  metrics.observer.request({ vault: "NAME", kind: "insert", status: 200, latencyMs: 70, records: 25 });
  metrics.observer.replay({ vault: "NAME", path: "upsert", records: 25 });
  const b = batch("NAME", 25, { null_value: 1 });
  metrics.batchStarted(b);
  metrics.batchFinished(b, ok);
  metrics.vault("NAME").timing.payloadMs = 1.23456;
  await clock.tick(500);
  metrics.finish();

  const json = summaryJson(metrics, { exitCode: 0, runId: "run-1" });
  assert.deepEqual(Object.keys(json), [
    "version",
    "runId",
    "exitCode",
    "startedAt",
    "finishedAt",
    "elapsedMs",
    "vaults",
    "totals",
  ]);
  assert.equal(json.version, 1);
  assert.equal(json.runId, "run-1");
  assert.equal(json.startedAt, 1_700_000_000_000);
  assert.equal(json.finishedAt, 1_700_000_000_500);
  assert.equal(json.elapsedMs, 500);
  assert.deepEqual(json.vaults.map((v) => v.name), ["NAME", "SSN"]);
  const name = json.vaults[0];
  assert.deepEqual(name, {
    name: "NAME",
    total: 26,
    recordsRead: 26,
    resumed: 0,
    resumedLoaded: 0,
    resumedFailed: 0,
    resumedAlreadyPresent: 0,
    loaded: 25,
    alreadyPresent: 0,
    unsettled: 0,
    unverifiedAnswers: 0,
    failed: 0,
    skipped: 1,
    skippedByReason: { empty_value: 0, empty_token: 0, null_value: 1, null_token: 0 },
    elapsedMs: 500,
    recordsPerSecond: 52,
    batches: { total: 1, immediate: 0, retried: 1, failed: 0, partial: 0 },
    requests: { total: 2, byKind: { insert: 2 }, byStatus: { "200": 1, "503": 1 }, rateLimited: 0 },
    retries: { total: 1, byReason: { "429": 0, "5xx": 1, "408": 0, network: 0, timeout: 0, size: 0 } },
    replays: { upsert: 25, readback: 0, resent: 0 },
    splits: { bisect: 0, size: 0 },
    maxInFlight: 1,
    latencyMs: name.latencyMs,
    timingMs: { read: 0, suffix: 0, payload: 1.235, baseDelay: 0, api: 100, retryDelay: 250 },
    averageConcurrency: 0.2,
  });
  assert.equal(name.latencyMs.count, 2);
  assert.equal(name.latencyMs.mean, 50);
  assert.equal(name.latencyMs.min, 30);
  assert.equal(name.latencyMs.max, 70);
  assert.equal(json.vaults[1].total, null);
  assert.equal(json.totals.total, null);
  assert.equal(json.totals.loaded, 25);
  assert.equal(json.totals.elapsedMs, 500);
  assert.ok(!("name" in json.totals));
});

Deno.test("summaryJson() omits runId when none is given and round-trips through JSON", () => {
  const metrics = new RunMetrics({ clock: new FakeClock(0), vaults: ["NAME"] });
  const json = summaryJson(metrics, { exitCode: 2 });
  assert.ok(!("runId" in json));
  assert.equal(json.exitCode, 2);
  assert.equal(json.finishedAt, null);
  assert.deepEqual(JSON.parse(JSON.stringify(json)), json);
});

Deno.test("summaryJson() holds only finite numbers with zero data", () => {
  const clock = new FakeClock(0);
  for (const metrics of [new RunMetrics({ clock }), new RunMetrics({ clock, vaults: ["NAME"] })]) {
    metrics.finish();
    const json = summaryJson(metrics, { exitCode: 0 });
    assertFinite(json);
    assert.equal(json.totals.recordsPerSecond, 0);
    assert.equal(json.totals.averageConcurrency, 0);
    assert.equal(json.totals.latencyMs.p99, 0);
  }
});
