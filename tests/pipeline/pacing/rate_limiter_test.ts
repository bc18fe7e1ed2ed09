import assert from "node:assert/strict";
import { type Clock } from "../../../src/common/clock.ts";
import { FakeClock } from "../../_fixtures/clock.ts";
import { RateLimiter } from "../../../src/pipeline/pacing/rate_limiter.ts";

/** Starts `n` acquisitions and records the fake time at which each one is granted. */
function acquireAll(bucket: RateLimiter, clock: Clock, n: number, signal?: AbortSignal) {
  const grantedAt: (number | undefined)[] = Array(n).fill(undefined);
  const done = Array.from(
    { length: n },
    (_, i) => bucket.acquire(signal).then(() => void (grantedAt[i] = clock.now())),
  );
  return { grantedAt, done };
}

/** Lets resolved promises run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

Deno.test("RateLimiter.acquire() lets a full burst through at once, then one request per 1/rate", async () => {
  const clock = new FakeClock(1000);
  const bucket = new RateLimiter({ rate: 10, clock });
  const { grantedAt, done } = acquireAll(bucket, clock, 13);
  await settle();
  assert.equal(grantedAt.filter((t) => t === 1000).length, 10, "the burst is one second of rate");
  assert.equal(bucket.waiting, 3);
  await clock.tick(300);
  await Promise.all(done);
  assert.deepEqual(grantedAt.slice(10), [1100, 1200, 1300]);
  assert.equal(bucket.waited, 3);
});

Deno.test("RateLimiter.acquire() with burstSeconds 0 paces smoothly from the first request", async () => {
  const clock = new FakeClock();
  const bucket = new RateLimiter({ rate: 20, burstSeconds: 0, clock });
  const { grantedAt, done } = acquireAll(bucket, clock, 4);
  await settle();
  assert.deepEqual(grantedAt, [0, undefined, undefined, undefined]);
  await clock.tick(49);
  assert.equal(grantedAt[1], undefined, "not before 50 ms");
  await clock.tick(101);
  await Promise.all(done);
  assert.deepEqual(grantedAt, [0, 50, 100, 150]);
});

Deno.test("RateLimiter.acquire() serves waiters in arrival order", async () => {
  const clock = new FakeClock();
  const bucket = new RateLimiter({ rate: 10, burstSeconds: 0, initialTokens: 0, clock });
  const order: number[] = [];
  const done = [0, 1, 2, 3].map((i) => bucket.acquire().then(() => void order.push(i)));
  await clock.tick(400);
  await Promise.all(done);
  assert.deepEqual(order, [0, 1, 2, 3]);
});

Deno.test("RateLimiter.rate set while callers wait re-times them at the new rate", async () => {
  const clock = new FakeClock();
  const bucket = new RateLimiter({ rate: 10, burstSeconds: 0, initialTokens: 0, clock });
  const { grantedAt, done } = acquireAll(bucket, clock, 2);
  await clock.tick(50);
  bucket.rate = 1; // half a token earned at 10/s is kept; the other half takes 500 ms at 1/s
  await clock.tick(499);
  assert.equal(grantedAt[0], undefined);
  await clock.tick(1);
  await settle();
  assert.equal(grantedAt[0], 550);
  bucket.rate = 100;
  await clock.tick(10);
  await Promise.all(done);
  assert.equal(grantedAt[1], 560);
});

Deno.test("RateLimiter with no rate (Infinity or 0) never waits, and lifting the rate releases waiters", async () => {
  const clock = new FakeClock();
  assert.equal(new RateLimiter({ rate: 0, clock }).rate, Infinity);
  const bucket = new RateLimiter({ clock });
  const { grantedAt } = acquireAll(bucket, clock, 1000);
  await settle();
  assert.ok(grantedAt.every((t) => t === 0));
  const limited = new RateLimiter({ rate: 1, burstSeconds: 0, initialTokens: 0, clock });
  const waiting = acquireAll(limited, clock, 5);
  await settle();
  assert.equal(limited.waiting, 5);
  limited.rate = Infinity;
  await clock.tick(1);
  await Promise.all(waiting.done);
  assert.equal(limited.waiting, 0);
});

Deno.test("RateLimiter.acquire() rejects with the signal's reason on abort and keeps serving the others", async () => {
  const clock = new FakeClock();
  const bucket = new RateLimiter({ rate: 10, burstSeconds: 0, initialTokens: 0, clock });
  const controller = new AbortController();
  const aborted = bucket.acquire(controller.signal);
  const kept = bucket.acquire();
  controller.abort(new Error("stop"));
  await assert.rejects(aborted, /stop/);
  assert.equal(bucket.waiting, 1);
  await clock.tick(100);
  await kept;
  await assert.rejects(bucket.acquire(controller.signal), /stop/, "an aborted signal rejects at once");
});

Deno.test("RateLimiter.drain() empties the bucket so the next request waits one interval", async () => {
  const clock = new FakeClock();
  const bucket = new RateLimiter({ rate: 4, clock });
  assert.equal(bucket.tokens, 4);
  bucket.drain();
  assert.equal(bucket.tokens, 0);
  const { grantedAt, done } = acquireAll(bucket, clock, 1);
  await clock.tick(250);
  await done[0];
  assert.equal(grantedAt[0], 250);
  await clock.tick(10_000);
  assert.equal(bucket.tokens, 4, "refills up to the burst, no further");
});

Deno.test("RateLimiter keeps the tokens a late timer wake-up earned, so the rate holds", async () => {
  // every sleep wakes 60% late, as a busy event loop might
  const fake = new FakeClock();
  const late: Clock = {
    now: () => fake.now(),
    monotonic: () => fake.monotonic(),
    sleep: (ms, signal) => fake.sleep(ms * 1.6, signal),
  };
  const bucket = new RateLimiter({ rate: 10, burstSeconds: 0, initialTokens: 0, clock: late });
  const { grantedAt } = acquireAll(bucket, late, 20);
  await fake.tick(2000);
  const granted = grantedAt.filter((t) => t !== undefined).length;
  assert.ok(granted >= 18, `${granted} of 20 granted in 2 s at 10/s`);
  assert.ok(granted <= 20);
});

Deno.test("RateLimiter.tryAcquire() takes a free token at once, and never one a waiter is owed", async () => {
  const clock = new FakeClock(1000);
  const bucket = new RateLimiter({ rate: 2, clock });
  assert.equal(bucket.tryAcquire(), true);
  assert.equal(bucket.tryAcquire(), true);
  assert.equal(bucket.tryAcquire(), false, "the burst of 2 is spent");
  const waiting = bucket.acquire();
  await clock.tick(500);
  assert.equal(bucket.tryAcquire(), false, "the token earned belongs to the waiter");
  await waiting;
  assert.equal(new RateLimiter({ clock }).tryAcquire(), true, "an unlimited bucket always has one");
});
