import assert from "node:assert/strict";
import { type Clock, systemClock } from "../../../src/common/clock.ts";
import { workspace } from "../../_fixtures/workspace.ts";

/**
 * The real clock, except that its wall reading jumps: back 60 s during the first 429 pause and
 * forward a day during the second (an NTP step, a VM resumed). Monotonic time is untouched.
 */
function steppingClock(): Clock & { steps: number } {
  let offset = 0;
  const clock = {
    steps: 0,
    now: () => systemClock.now() + offset,
    monotonic: () => systemClock.monotonic(),
    sleep(ms: number, signal?: AbortSignal) {
      // a 429 pause (Retry-After: 1 s): step the wall clock while the load waits
      if (ms >= 500 && clock.steps < 2) offset += clock.steps++ === 0 ? -60_000 : 86_400_000;
      return systemClock.sleep(ms, signal);
    },
  };
  return clock;
}

Deno.test("wall-clock steps during 429 pauses (back 60 s, forward 1 day) neither stall the load nor skew its time and rate", async () => {
  await using ws = await workspace({
    count: 3000,
    columns: ["ssn"],
    simulator: { rateLimit: 10 },
    performance: { batch_size: 50, max_concurrency: 4 },
  });
  const clock = steppingClock();
  const started = performance.now();
  const run = await ws.load(["--json"], { deps: { clock } });
  const tookMs = performance.now() - started;
  assert.equal(run.code, 0, run.err);
  ws.assertExact("ssn");
  assert.ok(ws.sim.stats.rateLimited > 0, "the vault pushed back");
  assert.equal(clock.steps, 2, "both steps happened during 429 pauses");
  // 60 requests at 10/s: ~6 s of work; a wall-clock deadline would stall ~60 s after the backward step
  assert.ok(tookMs < 30_000, `the load took ${Math.round(tookMs)} ms`);
  const summary = JSON.parse(run.out);
  assert.ok(
    summary.elapsedMs <= tookMs && summary.elapsedMs > tookMs * 0.5,
    `reported ${summary.elapsedMs} ms for ${Math.round(tookMs)} ms of work`,
  );
  const rate = summary.totals.recordsPerSecond;
  const realRate = 3000 / (tookMs / 1000);
  assert.ok(rate >= realRate && rate < realRate * 2, `reported ${rate} rec/s, really ${realRate.toFixed(1)}`);
  assert.match(run.err, /Time +\d+(\.\d+)?s \|/, "the summary's time is seconds, not 24h");
});
