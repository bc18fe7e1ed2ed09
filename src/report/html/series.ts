/**
 * The report's charts, built from interval samples: records per second, latency p50/p99,
 * requests in flight against the concurrency limit, and 429s, retries and failures.
 *
 * @module
 */
import type { IntervalSample } from "../interval_sampler.ts";
import { type ChartSeries, lineChart } from "./chart.ts";

/** Vault line colours, in vault order (repeated past eight vaults). */
export const PALETTE = [
  "#1f6fb4",
  "#d1495b",
  "#2e9e5b",
  "#8a5cc2",
  "#e08a1e",
  "#159aa8",
  "#8c564b",
  "#c2578f",
];

/** The four charts of a run, as SVG figures. */
export function runCharts(samples: readonly IntervalSample[], vaults: readonly string[]): string[] {
  const byVault = new Map<string, IntervalSample[]>(vaults.map((v) => [v, []]));
  for (const s of samples) {
    if (!byVault.has(s.vault)) byVault.set(s.vault, []);
    byVault.get(s.vault)!.push(s);
  }
  const names = [...byVault.keys()];
  const color = (i: number) => PALETTE[i % PALETTE.length];
  const longest = samples.reduce((m, s) => Math.max(m, s.intervalMs), 0);
  const gapMs = Math.max(3 * longest, 3_000);
  const perSecond = (s: IntervalSample, n: number) => n / Math.max(0.001, s.intervalMs / 1000);
  const settled = (s: IntervalSample) => s.loaded + s.alreadyPresent + s.failed + s.skipped;
  const line = (name: string, i: number, f: (s: IntervalSample) => number, dashed = false): ChartSeries => ({
    name,
    color: color(i),
    dashed,
    points: byVault.get(names[i])!.map((s) => [s.at, f(s)] as const),
  });

  const rate = names.map((n, i) => line(n, i, (s) => perSecond(s, settled(s))));
  if (names.length > 1) {
    rate.push({
      name: "all vaults",
      color: "#333",
      points: sumByTime(samples, (s) => perSecond(s, settled(s))),
    });
  }
  const latency = names.flatMap((n, i) => [
    line(`${n} p50`, i, (s) => s.latencyP50Ms),
    line(`${n} p99`, i, (s) => s.latencyP99Ms, true),
  ]);
  const pacing = names.flatMap((n, i) => [
    line(`${n} in flight`, i, (s) => s.inFlight),
    line(`${n} limit`, i, (s) => s.concurrencyLimit, true),
  ]);
  const trouble: ChartSeries[] = [
    { name: "429 answers", color: "#e08a1e", points: sumByTime(samples, (s) => perSecond(s, s.rateLimited)) },
    {
      name: "retries",
      color: "#8a5cc2",
      dashed: true,
      points: sumByTime(samples, (s) => perSecond(s, s.retries)),
    },
    { name: "failed records", color: "#d1495b", points: sumByTime(samples, (s) => perSecond(s, s.failed)) },
  ];
  return [
    lineChart({
      title: "Records per second (settled: loaded, already present, failed, skipped)",
      unit: "rec/s",
      series: rate,
      gapMs,
    }),
    lineChart({ title: "Request latency: p50 (solid) and p99 (dashed)", unit: "ms", series: latency, gapMs }),
    lineChart({
      title: "Requests in flight (solid) and concurrency limit (dashed)",
      unit: "requests",
      series: pacing,
      gapMs,
    }),
    lineChart({
      title: "429 answers, retries and failed records, all vaults",
      unit: "per s",
      series: trouble,
      gapMs,
    }),
  ];
}

/** One point per sampling instant: the sum of `f` over the vaults sampled then. */
function sumByTime(
  samples: readonly IntervalSample[],
  f: (s: IntervalSample) => number,
): Array<readonly [number, number]> {
  const sums = new Map<number, number>();
  for (const s of samples) sums.set(s.at, (sums.get(s.at) ?? 0) + f(s));
  return [...sums].sort((a, b) => a[0] - b[0]);
}
