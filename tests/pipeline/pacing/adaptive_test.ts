import assert from "node:assert/strict";
import { FakeClock } from "../../_fixtures/clock.ts";
import {
  AdaptiveController,
  type AdaptiveOptions,
  type AdaptiveReason,
} from "../../../src/pipeline/pacing/adaptive.ts";
import { Limiter } from "../../../src/pipeline/pacing/concurrency_limiter.ts";
import { RateLimiter } from "../../../src/pipeline/pacing/rate_limiter.ts";

function setup(options: Partial<AdaptiveOptions> = {}) {
  const clock = new FakeClock(100_000);
  const limiter = new Limiter(64);
  const rate = new RateLimiter({ clock });
  const reasons: AdaptiveReason[] = [];
  const controller = new AdaptiveController({
    limiter,
    rate,
    maxConcurrency: 64,
    clock,
    onChange: (_state, reason) => reasons.push(reason),
    ...options,
  });
  /** `n` answers with `status` after `latencyMs`, `gapMs` of fake time before each. */
  const answers = async (n: number, o: { status?: number; latencyMs?: number; gapMs?: number } = {}) => {
    for (let i = 0; i < n; i++) {
      if (o.gapMs) await clock.tick(o.gapMs);
      controller.onRequest({ status: o.status ?? 200, latencyMs: o.latencyMs ?? 10 });
    }
  };
  return { clock, limiter, rate, controller, reasons, answers };
}

function near(actual: number, expected: number, message?: string): void {
  assert.ok(Math.abs(actual - expected) < 1e-6, message ?? `${actual} ≈ ${expected}`);
}

Deno.test("AdaptiveController starts at 4 in flight, uncapped, and doubles the limit every other healthy round", async () => {
  const { controller, limiter, rate, answers } = setup();
  assert.equal(limiter.limit, 4);
  assert.equal(rate.rate, Infinity);
  assert.deepEqual(controller.state, {
    limit: 4,
    rate: 0,
    phase: "slow-start",
    throttles: 0,
    decreases: 0,
    bestLatencyMs: 0,
  });
  await answers(4);
  assert.equal(limiter.limit, 8);
  await answers(8); // answers of requests sent at 4 and at 8: not a measure of 8
  assert.equal(limiter.limit, 8);
  await answers(8);
  assert.equal(limiter.limit, 16);
  assert.equal(controller.state.phase, "slow-start");
  assert.equal(controller.state.bestLatencyMs, 10);
});

Deno.test("AdaptiveController with fixedConcurrency leaves the limit alone and adapts only the rate", async () => {
  const { controller, limiter, rate, answers } = setup({ fixedConcurrency: true });
  assert.equal(limiter.limit, 64, "the limiter keeps its own limit");
  await answers(100, { gapMs: 10 });
  controller.onRequest({ status: 503, latencyMs: 1 });
  controller.onRequest({ status: 429, latencyMs: 1 });
  assert.equal(limiter.limit, 64);
  assert.deepEqual(
    { ...controller.state, rate: undefined },
    { limit: 64, rate: undefined, phase: "steady", throttles: 1, decreases: 0, bestLatencyMs: 0 },
  );
  assert.ok(Math.abs(rate.rate - 90) < 0.2, `${rate.rate}`);
});

Deno.test("AdaptiveController never raises the limit above maxConcurrency", async () => {
  const { controller, limiter, answers } = setup({ maxConcurrency: 10 });
  await answers(4);
  assert.equal(limiter.limit, 8);
  await answers(16);
  assert.equal(limiter.limit, 10);
  await answers(200);
  assert.equal(limiter.limit, 10);
  assert.equal(controller.state.limit, 10);
  const high = setup({ maxConcurrency: 3, initialConcurrency: 50 });
  assert.equal(high.limiter.limit, 3);
});

Deno.test("AdaptiveController on a 429 cuts the limit by 0.7 and caps the rate at 0.9 × the accepted rate", async () => {
  const { controller, limiter, rate, reasons, answers } = setup();
  await answers(40, { gapMs: 25 }); // 40 answers/s for one second; slow start reaches 16
  assert.equal(limiter.limit, 16);
  controller.onRequest({ status: 429, latencyMs: 2 });
  assert.equal(limiter.limit, 11);
  near(rate.rate, 36);
  assert.equal(rate.tokens, 0, "the bucket starts empty after a throttle");
  assert.deepEqual(
    { ...controller.state, bestLatencyMs: undefined },
    { limit: 11, rate: 36, phase: "steady", throttles: 1, decreases: 1, bestLatencyMs: undefined },
  );
  assert.equal(reasons.at(-1), "throttle");
});

Deno.test("AdaptiveController treats the 429s of requests already in flight as one episode", async () => {
  const { clock, controller, limiter, answers } = setup();
  await answers(20, { gapMs: 50 });
  controller.onRequest({ status: 429, latencyMs: 3 });
  controller.onRetry({ reason: "429", delayMs: 1000 });
  const afterFirst = controller.state;
  await clock.tick(2);
  for (let i = 0; i < 6; i++) controller.onRequest({ status: 429, latencyMs: 4 }); // sent before the first 429
  controller.onRetry({ reason: "429", delayMs: 1000 });
  assert.deepEqual(controller.state, afterFirst);
  await clock.tick(1000);
  controller.onRequest({ status: 429, latencyMs: 3 }); // sent after the gate opened: a new episode
  assert.equal(controller.state.throttles, 2);
  assert.equal(limiter.limit, Math.floor(afterFirst.limit * 0.7));
});

Deno.test("AdaptiveController counts answers that arrive after the 429 for requests sent before it", async () => {
  // 48 requests sent over 8 ms; the vault rejects at once but takes 50 ms to store the 20 it accepts
  const { clock, controller, rate } = setup({ fixedConcurrency: true });
  await clock.tick(10);
  controller.onRequest({ status: 429, latencyMs: 2 }); // the first answer: sent last
  controller.onRetry({ reason: "429", delayMs: 1000 });
  assert.equal(rate.rate, 0.5, "nothing accepted yet: the floor");
  for (let i = 0; i < 27; i++) controller.onRequest({ status: 429, latencyMs: 4 });
  await clock.tick(40);
  for (let i = 0; i < 20; i++) controller.onRequest({ status: 200, latencyMs: 50 });
  near(rate.rate, 0.9 * 20);
  assert.equal(controller.state.throttles, 1);
});

Deno.test("AdaptiveController measures the accepted rate from the previous throttle to the next", async () => {
  const { clock, controller, rate, answers } = setup();
  await answers(40, { gapMs: 25 });
  controller.onRequest({ status: 429, latencyMs: 2 });
  controller.onRetry({ reason: "429", delayMs: 1000 });
  near(rate.rate, 36);
  await clock.tick(1000);
  await answers(48, { gapMs: 1000 / 48 }); // 48 accepted in the 2 s since the throttle: 24/s
  controller.onRequest({ status: 429, latencyMs: 2 });
  near(rate.rate, 0.9 * 24);
  assert.equal(controller.state.throttles, 2);
});

Deno.test("AdaptiveController never cuts the rate by more than half on one throttle, nor below minRate", async () => {
  const { clock, controller, rate, answers } = setup({ minRate: 0.5 });
  await answers(40, { gapMs: 25 });
  controller.onRequest({ status: 429, latencyMs: 2 });
  near(rate.rate, 36);
  await clock.tick(1500);
  controller.onRequest({ status: 429, latencyMs: 2 }); // nothing accepted since the last throttle
  near(rate.rate, 18);
  for (let i = 0; i < 20; i++) {
    await clock.tick(1500);
    controller.onRequest({ status: 429, latencyMs: 2 });
  }
  near(rate.rate, 0.5);
});

Deno.test("AdaptiveController cuts the limit after three rounds whose latency rose and answers per second did not", async () => {
  const { controller, limiter, reasons, answers } = setup();
  // answers `latency / limit` apart: the limit stays in flight
  await answers(4, { latencyMs: 10, gapMs: 10 / 4 });
  await answers(16, { latencyMs: 10, gapMs: 10 / 8 });
  await answers(16, { latencyMs: 10, gapMs: 10 / 16 });
  await answers(16, { latencyMs: 40, gapMs: 40 / 16 }); // slow start ends at 8
  assert.deepEqual([limiter.limit, reasons.at(-1)], [8, "settle"]);
  await answers(8, { latencyMs: 10, gapMs: 10 / 8 }); // answers of requests sent at 16 and at 8: not judged
  assert.equal(limiter.limit, 8);
  await answers(8, { latencyMs: 10, gapMs: 10 / 8 });
  assert.equal(limiter.limit, 9);
  await answers(9, { latencyMs: 40, gapMs: 40 / 9 }); // the vault slows down: fewer answers per second
  assert.deepEqual([limiter.limit, reasons.at(-1)], [9, "grow"], "one slow round holds the limit");
  await answers(18, { latencyMs: 40, gapMs: 40 / 9 });
  assert.deepEqual([limiter.limit, reasons.at(-1)], [6, "latency"], "the third in a row cuts it");
  assert.equal(controller.state.phase, "steady");
  await answers(12, { latencyMs: 12, gapMs: 12 / 6 }); // the first 6 drain the queue: not judged
  assert.equal(limiter.limit, 7, "then grows by one per healthy round");
});

/**
 * Drives `controller` for `seconds` of fake time against a vault that keeps the limit in flight
 * and answers each request after `latencyMs(limit)`: answers arrive `latency / limit` apart.
 * Returns the limits seen over the last `tailSeconds`.
 */
async function drive(
  s: ReturnType<typeof setup>,
  latencyMs: (limit: number) => number,
  seconds: number,
  tailSeconds: number,
): Promise<number[]> {
  const end = s.clock.monotonic() + seconds * 1000;
  const tail: number[] = [];
  while (s.clock.monotonic() < end) {
    const limit = s.limiter.limit;
    const latency = latencyMs(limit);
    await s.clock.tick(latency / limit);
    s.controller.onRequest({ status: 200, latencyMs: latency });
    if (end - s.clock.monotonic() <= tailSeconds * 1000) tail.push(s.limiter.limit);
  }
  return tail;
}

Deno.test("AdaptiveController keeps growing to the ceiling while a latency rise still buys answers per second", async () => {
  // a vault 100 ms away whose answers queue 2 ms per request in flight on a busy host: 32 in flight
  // answer 195/s at 164 ms, 64 answer 281/s at 228 ms — more than twice the best latency, yet faster
  const s = setup();
  const tail = await drive(s, (limit) => 100 + 2 * limit, 60, 50);
  assert.ok(Math.min(...tail) >= 60, `limits over the last 50 s: ${Math.min(...tail)}–${Math.max(...tail)}`);
  assert.equal(s.limiter.limit, 64);
});

Deno.test("AdaptiveController backs off a full vault whose latency rises with no more answers per second", async () => {
  // a vault that answers 200 requests/s at most (100 ms at 20 in flight), queueing beyond that
  const s = setup();
  const tail = await drive(s, (limit) => Math.max(100, limit * 5), 60, 20);
  assert.ok(Math.max(...tail) <= 45, `limits over the last 20 s: ${Math.min(...tail)}–${Math.max(...tail)}`);
  assert.ok(Math.min(...tail) >= 14, `limits over the last 20 s: ${Math.min(...tail)}–${Math.max(...tail)}`);
  assert.ok(s.controller.state.decreases > 0 || s.reasons.includes("settle"));
});

Deno.test("AdaptiveController ignores sub-millisecond latency noise below the slack", async () => {
  const { limiter, answers } = setup();
  await answers(4, { latencyMs: 0.5 });
  await answers(16, { latencyMs: 3 }); // 6× the best, but only 2.5 ms more
  assert.equal(limiter.limit, 16);
});

Deno.test("AdaptiveController leaves slow start at the previous limit when doubling only raised latency", async () => {
  const { controller, limiter, reasons, answers } = setup();
  // answers `latency / limit` apart: the limit stays in flight
  await answers(4, { latencyMs: 10, gapMs: 10 / 4 });
  await answers(16, { latencyMs: 12, gapMs: 12 / 8 });
  assert.equal(limiter.limit, 16);
  await answers(32, { latencyMs: 20, gapMs: 20 / 16 }); // twice the queue, 1.7× the latency
  assert.equal(limiter.limit, 8);
  assert.equal(reasons.at(-1), "settle");
  assert.equal(controller.state.phase, "steady");
  assert.equal(controller.state.decreases, 0);
  await answers(16, { latencyMs: 12, gapMs: 12 / 8 }); // the first 8 mix 16 and 8: not judged
  assert.equal(limiter.limit, 9);
});

Deno.test("AdaptiveController cuts the limit once per episode of 5xx, 408 or transport errors, not the rate", async () => {
  const { clock, controller, limiter, rate, answers } = setup();
  await answers(20);
  assert.equal(limiter.limit, 16);
  controller.onRequest({ status: 503, latencyMs: 5 });
  assert.equal(limiter.limit, 11);
  controller.onRequest({ status: 0, latencyMs: 5 }); // in flight before the first one came back
  assert.equal(limiter.limit, 11);
  await clock.tick(100);
  controller.onRequest({ status: 408, latencyMs: 5 });
  assert.equal(limiter.limit, 7);
  assert.equal(rate.rate, Infinity);
  assert.equal(controller.state.throttles, 0);
  assert.equal(controller.state.decreases, 2);
});

Deno.test("AdaptiveController probes the rate up ~2%/s only while the rate holds requests back", async () => {
  const { clock, controller, rate, answers } = setup();
  await answers(40, { gapMs: 25 });
  controller.onRequest({ status: 429, latencyMs: 2 });
  near(rate.rate, 36);
  await answers(1, { gapMs: 1000 }); // nobody waited at the bucket: no probe
  near(rate.rate, 36);
  rate.drain(); // the workers have used the burst
  const waiting = [rate.acquire(), rate.acquire()];
  await answers(1, { gapMs: 1000 });
  near(rate.rate, 36 * 1.02);
  await clock.tick(1000);
  await Promise.all(waiting);
});

Deno.test("AdaptiveController with maxRps starts at that rate and never probes above it", async () => {
  const { clock, controller, rate, answers } = setup({ maxRps: 20 });
  assert.equal(rate.rate, 20);
  assert.equal(controller.state.rate, 20);
  await answers(40, { gapMs: 25 });
  controller.onRequest({ status: 429, latencyMs: 2 });
  near(rate.rate, 18);
  for (let i = 0; i < 10; i++) {
    rate.drain();
    const waiting = rate.acquire();
    await answers(1, { gapMs: 1000 });
    await waiting;
  }
  assert.equal(rate.rate, 20);
  await clock.tick(1);
});
