import assert from "node:assert/strict";
import { systemClock } from "../../src/common/clock.ts";
import { FakeClock } from "../_fixtures/clock.ts";

Deno.test("FakeClock.stepWall() moves now() only: monotonic() and pending sleeps keep their pace", async () => {
  const clock = new FakeClock(1_000);
  let woke = false;
  const sleeping = clock.sleep(500).then(() => (woke = true));
  clock.stepWall(-60_000);
  assert.deepEqual({ now: clock.now(), monotonic: clock.monotonic() }, { now: -59_000, monotonic: 1_000 });
  await clock.tick(499);
  assert.equal(woke, false);
  clock.stepWall(86_400_000);
  assert.equal(woke, false, "a forward wall step wakes no sleeper");
  await clock.tick(1);
  await sleeping;
  assert.deepEqual({ now: clock.now(), monotonic: clock.monotonic() }, {
    now: 1_500 - 60_000 + 86_400_000,
    monotonic: 1_500,
  });
});

Deno.test("systemClock.monotonic() never goes back and advances with real sleeps", async () => {
  const a = systemClock.monotonic();
  await systemClock.sleep(20);
  const b = systemClock.monotonic();
  assert.ok(b - a >= 19, `${b - a} ms`);
});
