import assert from "node:assert/strict";
import { lineChart } from "../../../src/report/html/chart.ts";
import { sampleStats } from "../../../src/report/html/sample_stats.ts";

function paths(svg: string): { points: number; d: string }[] {
  return [...svg.matchAll(/<path class="series" data-points="(\d+)"[^>]* d="([^"]*)"/g)].map((m) => ({
    points: Number(m[1]),
    d: m[2],
  }));
}

Deno.test("a line breaks where samples are missing (a stopped and resumed run)", () => {
  const svg = lineChart({
    title: "t",
    unit: "u",
    gapMs: 30_000,
    series: [{
      name: "NAME",
      color: "#000",
      points: [[0, 1], [10_000, 2], [20_000, 3], [500_000, 4], [510_000, 5]],
    }],
  });
  const [line] = paths(svg);
  assert.equal(line.points, 5);
  assert.equal(line.d.match(/M/g)?.length, 2);
  assert.equal(line.d.match(/L/g)?.length, 3);
});

Deno.test("a 10-hour series is thinned to maxPoints and keeps its spike", () => {
  const points = Array.from({ length: 3600 }, (_, i) => [i * 10_000, i === 1234 ? 999 : 10] as const);
  const svg = lineChart({
    title: "t",
    unit: "u",
    gapMs: 30_000,
    maxPoints: 600,
    series: [{ name: "A", color: "#000", points }],
  });
  const [line] = paths(svg);
  assert.equal(line.points, 600);
  assert.match(svg, />1000</, "the y axis reaches the spike");
  assert.ok(svg.length < 40_000, `the chart stays small (${svg.length} bytes)`);
});

Deno.test("names are escaped and an empty chart says so", () => {
  const svg = lineChart({
    title: "<b>",
    unit: "u",
    gapMs: 1,
    series: [{ name: "a<script>", color: "#000", points: [[0, 1], [1, 2]] }],
  });
  assert.ok(!svg.includes("<script>") && !svg.includes("<b>"));
  assert.match(svg, /a&lt;script&gt;/);
  assert.match(lineChart({ title: "x", unit: "u", gapMs: 1, series: [] }), /No samples yet\./);
});

Deno.test("sampleStats() sums the samples and weights the p50 by requests", () => {
  const base = {
    vault: "A",
    at: 0,
    intervalMs: 1,
    loaded: 0,
    failed: 0,
    skipped: 0,
    inFlight: 0,
    concurrencyLimit: 0,
  };
  const stats = sampleStats([
    {
      ...base,
      alreadyPresent: 1,
      requests: 100,
      rateLimited: 2,
      retries: 3,
      latencyP50Ms: 10,
      latencyP99Ms: 50,
    },
    {
      ...base,
      alreadyPresent: 2,
      requests: 1,
      rateLimited: 0,
      retries: 1,
      latencyP50Ms: 900,
      latencyP99Ms: 950,
    },
    { ...base, alreadyPresent: 0, requests: 0, rateLimited: 0, retries: 0, latencyP50Ms: 0, latencyP99Ms: 0 },
  ]);
  assert.deepEqual(stats, {
    alreadyPresent: 3,
    rateLimited: 2,
    retries: 4,
    latencyP50Ms: 10,
    latencyP99Ms: 950,
  });
});

Deno.test("the y axis is labelled with round values", () => {
  const ticks = (top: number) =>
    [
      ...lineChart({
        title: "t",
        unit: "u",
        gapMs: 1,
        series: [{ name: "A", color: "#000", points: [[0, 0], [1, top]] }],
      })
        .matchAll(/<text class="tick" x="58" [^>]*>([^<]+)</g),
    ].map((m) => m[1]);
  assert.deepEqual(ticks(42), ["0", "10", "20", "30", "40", "50"]);
  assert.deepEqual(ticks(180), ["0", "50", "100", "150", "200"]);
  assert.deepEqual(ticks(0.9), ["0", "0.25", "0.5", "0.75", "1"]);
  assert.deepEqual(ticks(2300), ["0", "500", "1000", "1500", "2000", "2500"]);
});
