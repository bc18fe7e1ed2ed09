import assert from "node:assert/strict";
import { LatencyHistogram } from "../../src/report/histogram.ts";

/** Deterministic uniform numbers in [0, 1). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function exactPercentile(sorted: number[], p: number): number {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}

function assertClose(actual: number, expected: number, relative: number, what: string): void {
  const error = Math.abs(actual - expected) / expected;
  assert.ok(error <= relative, `${what}: ${actual} vs ${expected} (${(error * 100).toFixed(2)}%)`);
}

Deno.test("LatencyHistogram.percentile() is within 2% on a uniform distribution", () => {
  const h = new LatencyHistogram();
  for (let ms = 1; ms <= 10_000; ms++) h.record(ms);
  assert.equal(h.count, 10_000);
  assert.equal(h.min, 1);
  assert.equal(h.max, 10_000);
  assert.equal(h.mean, 5000.5);
  assertClose(h.percentile(50), 5000, 0.02, "p50");
  assertClose(h.percentile(90), 9000, 0.02, "p90");
  assertClose(h.percentile(99), 9900, 0.02, "p99");
  assertClose(h.percentile(1), 100, 0.02, "p1");
});

Deno.test("LatencyHistogram.percentile() is within 2% on a long-tailed distribution", () => {
  const random = lcg(42);
  const h = new LatencyHistogram();
  const samples: number[] = [];
  for (let i = 0; i < 50_000; i++) {
    // exponential around 100 ms plus a lognormal-ish tail, from 0.05 ms to minutes
    const ms = 0.05 + -Math.log(1 - random()) * 100 * (random() < 0.01 ? 500 : 1);
    samples.push(ms);
    h.record(ms);
  }
  samples.sort((a, b) => a - b);
  for (const p of [10, 25, 50, 75, 90, 99, 99.9]) {
    assertClose(h.percentile(p), exactPercentile(samples, p), 0.02, `p${p}`);
  }
  assert.equal(h.min, samples[0]);
  assert.equal(h.max, samples[samples.length - 1]);
  assert.equal(h.percentile(0), samples[0]);
  assert.equal(h.percentile(100), samples[samples.length - 1]);
});

Deno.test("LatencyHistogram reports zeros when empty", () => {
  const h = new LatencyHistogram();
  assert.equal(h.count, 0);
  assert.equal(h.mean, 0);
  assert.equal(h.min, 0);
  assert.equal(h.max, 0);
  assert.equal(h.percentile(50), 0);
  assert.equal(h.percentile(99), 0);
});

Deno.test("LatencyHistogram.percentile() is exact for a single repeated value", () => {
  const h = new LatencyHistogram();
  for (let i = 0; i < 10; i++) h.record(134.6);
  assert.equal(h.percentile(50), 134.6);
  assert.equal(h.percentile(99), 134.6);
});

Deno.test("LatencyHistogram.record() clamps out-of-range values but keeps exact min and max", () => {
  const h = new LatencyHistogram();
  h.record(-3);
  h.record(0.001);
  h.record(5_000_000);
  h.record(NaN);
  assert.equal(h.count, 3);
  assert.equal(h.min, 0);
  assert.equal(h.max, 5_000_000);
  assert.equal(h.percentile(100), 5_000_000);
  assert.ok(Number.isFinite(h.percentile(50)));
});

Deno.test("LatencyHistogram.merge() combines the samples of two histograms", () => {
  const a = new LatencyHistogram();
  const b = new LatencyHistogram();
  for (let ms = 1; ms <= 500; ms++) a.record(ms);
  for (let ms = 501; ms <= 1000; ms++) b.record(ms);
  a.merge(b);
  assert.equal(a.count, 1000);
  assert.equal(a.min, 1);
  assert.equal(a.max, 1000);
  assert.equal(a.mean, 500.5);
  assertClose(a.percentile(75), 750, 0.02, "p75");
  assert.throws(() => a.merge(new LatencyHistogram({ bucketGrowth: 0.1 })), RangeError);
});
