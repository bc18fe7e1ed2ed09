import assert from "node:assert/strict";
import { FakeClock } from "../_fixtures/clock.ts";
import { SlidingRate } from "../../src/report/rate.ts";

Deno.test("SlidingRate.perSecond() matches a steady rate once the window is full", async () => {
  const clock = new FakeClock(1_000_000);
  const rate = new SlidingRate({ clock, windowMs: 10_000, slotMs: 1000 });
  for (let s = 0; s < 30; s++) {
    await clock.tick(1000);
    rate.add(1000);
  }
  assert.equal(rate.perSecond(), 1000);
});

Deno.test("SlidingRate.perSecond() uses the time since start while the window is young", async () => {
  const clock = new FakeClock(0);
  const rate = new SlidingRate({ clock });
  await clock.tick(2000);
  rate.add(1000);
  assert.equal(rate.perSecond(), 500);
});

Deno.test("SlidingRate.perSecond() follows a change of pace and drops to 0 when idle", async () => {
  const clock = new FakeClock(0);
  const rate = new SlidingRate({ clock, windowMs: 10_000, slotMs: 1000 });
  for (let s = 0; s < 20; s++) {
    await clock.tick(1000);
    rate.add(100);
  }
  for (let s = 0; s < 20; s++) {
    await clock.tick(1000);
    rate.add(300);
  }
  assert.equal(rate.perSecond(), 300);
  await clock.tick(11_000);
  assert.equal(rate.perSecond(), 0);
});

Deno.test("SlidingRate.perSecond() is 0 with no elapsed time and after reset()", async () => {
  const clock = new FakeClock(5000);
  const rate = new SlidingRate({ clock });
  rate.add(10);
  assert.equal(rate.perSecond(), 0);
  await clock.tick(1000);
  assert.equal(rate.perSecond(), 10);
  rate.reset();
  await clock.tick(1000);
  assert.equal(rate.perSecond(), 0);
});
