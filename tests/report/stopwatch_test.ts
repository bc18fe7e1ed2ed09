import assert from "node:assert/strict";
import { FakeClock } from "../_fixtures/clock.ts";
import { RunMetrics } from "../../src/report/run_metrics.ts";
import { Stopwatch } from "../../src/report/stopwatch.ts";

const T0 = 1_700_000_000_000;

Deno.test("Stopwatch measures on the monotonic clock and stamps on the wall clock", async () => {
  const clock = new FakeClock(T0);
  const watch = new Stopwatch(clock);
  await clock.tick(2_000);
  clock.stepWall(-60_000);
  assert.equal(watch.elapsedMs(), 2_000);
  await clock.tick(1_000);
  clock.stepWall(86_400_000);
  watch.finish();
  assert.equal(watch.elapsedMs(), 3_000);
  assert.equal(watch.startedAt, T0);
  assert.equal(
    watch.finishedAt,
    T0 + 3_000 - 60_000 + 86_400_000,
    "timestamps are what a person's clock said",
  );
});

Deno.test("RunMetrics reports its time and rate from monotonic time across wall-clock steps", async () => {
  const clock = new FakeClock(T0);
  const metrics = new RunMetrics({ clock, vaults: ["SSN"] });
  metrics.start();
  await clock.tick(5_000);
  clock.stepWall(86_400_000);
  metrics.vault("SSN").rate.add(1_000);
  await clock.tick(5_000);
  clock.stepWall(-60_000);
  metrics.finish();
  assert.equal(metrics.elapsedMs(), 10_000);
  assert.equal(metrics.totals().elapsedMs(), 10_000);
  assert.equal(metrics.vault("SSN").elapsedMs(), 10_000);
  assert.equal(metrics.perSecond(), 100, "1,000 records over a 10 s window");
});
