/**
 * Scenario (auto): is `--concurrency auto` (the default) as good as the best fixed setting? Two long
 * runs, where the 200k run of (b) is too short to amortise start-up and the last round:
 *
 * - **latency-bound**: 2,000,000 records at 100 ms simulator latency; `auto` (ceiling 64) against the
 *   best of the fixed settings 32 and 64. Criterion: `auto` within 3% of the best fixed rec/s.
 * - **rate-limited**: 600,000 records against `--rate-limit 50`; `auto` must keep goodput at ≥ 95% of
 *   the limit with under 2% of its requests answered 429.
 *
 * Both variants run interleaved (fixed, auto, fixed, auto, …) so that drifting machine load hits each
 * alike.
 *
 * @module
 */
import type { LoadArgs } from "./byot.ts";
import { ensureData, writeConfig } from "./data.ts";
import { loadAverage } from "./proc.ts";
import { fmt, median, pct, type ScenarioReport, type TableRow } from "./report.ts";
import {
  baseRow,
  type BenchContext,
  commandsFor,
  loadNote,
  measureRun,
  medians,
  type RunSpec,
  type Sample,
} from "./sampling.ts";

interface Variant {
  label: string;
  concurrency: LoadArgs["concurrency"];
  extra: string[];
}

async function interleaved(
  ctx: BenchContext,
  base: Omit<RunSpec, "concurrency" | "extra" | "label">,
  variants: readonly Variant[],
): Promise<Sample[][]> {
  const samples: Sample[][] = variants.map(() => []);
  for (let run = 0; run < ctx.runs; run++) {
    for (const [i, v] of variants.entries()) {
      samples[i].push(
        await measureRun(ctx, {
          ...base,
          concurrency: v.concurrency,
          extra: v.extra,
          label: `auto ${v.label} run ${run + 1}/${ctx.runs}`,
        }),
      );
    }
  }
  return samples;
}

const clean = (samples: readonly Sample[]) =>
  medians(samples).allClean
    ? "every run exit 0, all records stored, 0 failed, 0 duplicate inserts"
    : `NOT CLEAN: exit ${samples.map((s) => s.exitCode).join(", ")}; failed ${
      samples.map((s) => s.failed).join(", ")
    }`;

/** Scenario (auto): the two long runs above, one table each. */
export async function autoScenario(ctx: BenchContext): Promise<ScenarioReport> {
  const records = ctx.quick ? 200_000 : 2_000_000;
  const limited = ctx.quick ? 60_000 : 600_000;
  const title = `(auto) --concurrency auto vs fixed: ${records.toLocaleString("en-US")} records at 100 ms; ` +
    `${limited.toLocaleString("en-US")} records at --rate-limit 50`;
  ctx.log(`scenario ${title}`);
  const before = loadAverage();
  const rows: TableRow[] = [];
  const notes: string[] = [];
  const commands: string[] = [];

  // latency-bound
  const data = await ensureData(ctx.dataRoot, records, ctx.log);
  const config = await writeConfig(ctx.workDir, data, "auto-latency");
  const simArgs = ["--latency-ms", "100"];
  const latencyVariants: Variant[] = [
    { label: "fixed 32", concurrency: 32, extra: [] },
    { label: "fixed 64", concurrency: 64, extra: [] },
    { label: "auto (max 64, the default)", concurrency: "auto", extra: ["--concurrency-max", "64"] },
  ];
  const lat = await interleaved(ctx, { records, config, simArgs, timeoutMs: 600_000 }, latencyVariants);
  const rates = lat.map((s) => medians(s).recPerSec);
  const bestFixed = Math.max(rates[0], rates[1]);
  const autoRatio = rates[2] / bestFixed;
  const latencyOk = autoRatio >= 0.97 && lat.every((s) => medians(s).allClean);
  for (const [i, v] of latencyVariants.entries()) {
    const isAuto = v.concurrency === "auto";
    rows.push(baseRow(`latency: ${v.label}`, lat[i], {
      target: isAuto ? "≥ 97% of the best fixed rec/s" : "—",
      result: isAuto ? `${pct(autoRatio)} of best fixed (${fmt(bestFixed, 0)} rec/s)` : "reference",
      ratio: isAuto ? `${fmt(autoRatio / 0.97)}× target` : `${fmt(rates[i] / bestFixed)}× best fixed`,
      verdict: isAuto ? (latencyOk ? "PASS" : "FAIL") : "info",
    }));
    notes.push(
      `latency ${v.label}: ${clean(lat[i])}; mean latency ${fmt(medians(lat[i]).meanLatencyMs, 1)} ms.`,
    );
    commands.push(
      ...commandsFor(records, { simArgs, concurrency: v.concurrency, extra: v.extra }).slice(i === 0 ? 0 : 2),
    );
  }

  // rate-limited
  const rps = 50;
  const limitedData = await ensureData(ctx.dataRoot, limited, ctx.log);
  const limitedConfig = await writeConfig(ctx.workDir, limitedData, "auto-rate");
  const rateArgs = ["--rate-limit", String(rps)];
  const rateVariants: Variant[] = [
    { label: "fixed 32", concurrency: 32, extra: [] },
    { label: "auto (max 64, the default)", concurrency: "auto", extra: ["--concurrency-max", "64"] },
  ];
  const rl = await interleaved(
    ctx,
    { records: limited, config: limitedConfig, simArgs: rateArgs, timeoutMs: 900_000 },
    rateVariants,
  );
  for (const [i, v] of rateVariants.entries()) {
    const goodput = median(rl[i].map((s) => s.ok / s.wallSeconds / rps));
    const share = median(rl[i].map((s) => s.rateLimited / Math.max(1, s.requests)));
    const isAuto = v.concurrency === "auto";
    const ok = goodput >= 0.95 && share < 0.02 && medians(rl[i]).allClean;
    rows.push(baseRow(`rate limit ${rps}: ${v.label}`, rl[i], {
      target: isAuto ? "goodput ≥ 95% of 50 req/s; 429s < 2% of requests" : "—",
      result: `goodput ${pct(goodput)}; 429s ${pct(share)} of ${fmt(medians(rl[i]).requests, 0)} requests`,
      ratio: `goodput ${fmt(goodput / 0.95)}× target; 429 share ${fmt(share / 0.02)}× the 2% cap`,
      verdict: isAuto ? (ok ? "PASS" : "FAIL") : "info",
    }));
    notes.push(`rate limit ${v.label}: ${clean(rl[i])}.`);
    commands.push(
      ...commandsFor(limited, { simArgs: rateArgs, concurrency: v.concurrency, extra: v.extra }).slice(
        i === 0 ? 0 : 2,
      ),
    );
  }
  notes.unshift(
    "Runs alternate between the variants (one of each per round, K rounds), each against a fresh simulator; " +
      "rec/s = records / process wall (spawn to exit). Goodput = requests answered 200 / wall / 50.",
  );
  notes.push(loadNote(before, loadAverage()));
  return { id: "auto", title, rows, notes, commands };
}
