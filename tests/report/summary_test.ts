import assert from "node:assert/strict";
import { FakeClock } from "../_fixtures/clock.ts";
import { renderSummary } from "../../src/report/summary.ts";
import { RunMetrics } from "../../src/report/run_metrics.ts";
import { batch, result } from "./_fixtures.ts";

/** NAME: 4 batches of 25 in 2 s (one retried after a 429, one partial with 2 failures, 3 skipped rows). */
async function finishedRun(): Promise<RunMetrics> {
  const clock = new FakeClock(1_700_000_000_000);
  const metrics = new RunMetrics({ clock, vaults: ["NAME"] });
  const o = metrics.observer;
  for (const latencyMs of [100, 100, 120, 140, 400]) {
    o.request({ vault: "NAME", kind: "insert", status: 200, latencyMs, records: 25 });
  }
  o.request({ vault: "NAME", kind: "insert", status: 429, latencyMs: 10, records: 25 });
  o.retry({ vault: "NAME", reason: "429", delayMs: 1000 });
  o.replay({ vault: "NAME", path: "readback", records: 5 });
  o.split({ vault: "NAME", reason: "bisect" });
  metrics.batchFinished(batch("NAME", 25), result(25, 0));
  metrics.batchFinished(batch("NAME", 25, { empty_value: 2, null_token: 1 }), result(25, 0));
  metrics.batchFinished(batch("NAME", 25), result(25, 0, true));
  metrics.batchFinished(batch("NAME", 25), result(23, 2));
  metrics.vault("NAME").timing.readMs = 500;
  await clock.tick(2000);
  metrics.finish();
  return metrics;
}

Deno.test("renderSummary() shows the key figures of a vault", async () => {
  const text = renderSummary(await finishedRun(), { exitCode: 3 });
  assert.match(text, /^Vault NAME$/m);
  assert.match(text, /Records {4}103 read \| 98 loaded \| 2 failed \| 3 skipped/);
  assert.match(text, /Skipped {4}empty_value 2, null_token 1/);
  assert.match(text, /Time {7}2\.0s \| 52 rec\/s/);
  assert.match(text, /Batches {4}4 \| 2 immediate \| 1 retried \| 0 failed \| 1 partial \| 75\.0% ok/);
  assert.match(text, /Requests {3}6 \(200: 5, 429: 1\)/);
  assert.match(text, /Retries {4}1 \(429: 1\) \| 429s 1/);
  assert.match(text, /Replays {4}0 upsert \| 5 read-back \| 0 resent/);
  assert.match(text, /Splits {5}1 bisect \| 0 size/);
  assert.match(text, /Latency {4}avg 145ms \| p50 \d+ms \| p99 \d+ms \| min 10\.0ms \| max 400ms/);
  assert.match(text, /Source read +500ms +25\.0%/);
  assert.match(text, /API calls +870ms +43\.5%/);
  assert.match(text, /Retry delays +1\.0s +50\.0%/);
  assert.match(text, /Avg concurrency +0\.4x/);
  assert.doesNotMatch(text, /Overall/);
});

Deno.test("renderSummary() ends with a failure verdict and the caller's extra lines", async () => {
  const text = renderSummary(await finishedRun(), { exitCode: 3, extraLines: ["See: byot failures list"] });
  assert.ok(
    text.endsWith("\nFinished with 2 failed records (exit 3); 98 loaded.\nSee: byot failures list\n"),
  );
});

Deno.test("renderSummary() says every record loaded when the run succeeded", async () => {
  const clock = new FakeClock(0);
  const metrics = new RunMetrics({ clock, vaults: ["NAME"] });
  metrics.vault("NAME").resumed = 1000;
  metrics.vault("NAME").resumedLoaded = 1000;
  metrics.batchFinished(batch("NAME", 400, { empty_token: 1 }), result(400, 0));
  await clock.tick(1000);
  metrics.finish();
  assert.ok(renderSummary(metrics, { exitCode: 0 }).endsWith("\nAll 1,400 records loaded (1 skipped).\n"));
  assert.match(renderSummary(metrics, { exitCode: 0 }), /1,000 done before resume/);
});

Deno.test("renderSummary() counts records a previous run settled in the verdict", async () => {
  const metrics = await finishedRun();
  metrics.vault("NAME").resumed = 50;
  metrics.vault("NAME").resumedLoaded = 45;
  metrics.vault("NAME").resumedFailed = 5;
  assert.ok(
    renderSummary(metrics, { exitCode: 3 }).endsWith(
      "\nFinished with 7 failed records (exit 3); 143 loaded.\n",
    ),
  );
  assert.ok(
    renderSummary(metrics, { exitCode: 130 }).endsWith(
      "\nStopped (exit 130): 143 records loaded, 7 failed.\n",
    ),
  );
});

Deno.test("renderSummary() reports an interrupted run without failures", async () => {
  const metrics = await finishedRun();
  for (const m of metrics.vaults()) m.failed = 0;
  metrics.vault("NAME").total = 400;
  assert.ok(
    renderSummary(metrics, { exitCode: 130 }).endsWith("\nStopped (exit 130): 98 of 400 records loaded.\n"),
  );
});

Deno.test("renderSummary() adds an overall block when several vaults ran", async () => {
  const metrics = await finishedRun();
  metrics.vault("SSN").batchFinished(batch("SSN", 10), result(10, 0));
  const text = renderSummary(metrics, { exitCode: 3 });
  assert.match(text, /^Vault SSN$/m);
  assert.match(text, /^Overall \(2 vaults\)$/m);
  const overall = text.slice(text.indexOf("Overall"));
  assert.match(overall, /Records {4}113 read \| 108 loaded \| 2 failed \| 3 skipped/);
});

Deno.test("renderSummary() never prints NaN or Infinity with zero data", () => {
  const clock = new FakeClock(0);
  const empty = new RunMetrics({ clock });
  const idle = new RunMetrics({ clock, vaults: ["NAME", "SSN"] });
  idle.vault("NAME").total = 0;
  idle.finish();
  for (const metrics of [empty, idle]) {
    const text = renderSummary(metrics, { exitCode: 0 });
    assert.doesNotMatch(text, /NaN|Infinity|undefined/);
    assert.ok(text.endsWith("\nNo records loaded.\n"));
  }
  assert.match(renderSummary(idle, { exitCode: 0 }), /0\.0% ok/);
});

Deno.test("renderSummary() colours the verdict only when asked", async () => {
  const metrics = await finishedRun();
  assert.ok(!renderSummary(metrics, { exitCode: 3 }).includes("\x1b["));
  assert.ok(
    renderSummary(metrics, { exitCode: 3, color: true })
      .includes("\x1b[31mFinished with 2 failed records (exit 3); 98 loaded.\x1b[0m"),
  );
});
