/**
 * One measured run (a fresh simulator child, one `byot load` child, the simulator stopped) and the
 * medians over K such runs.
 *
 * @module
 */
import { join } from "node:path";
import { type LoadArgs, loadArgv, type LoadFigures, runLoad, startSimulatorChild } from "./byot.ts";
import { generateArgv } from "./data.ts";
import { fmt, median, medianWithRange, type TableRow, type Verdict } from "./report.ts";

/** What every scenario gets from the runner. */
export interface BenchContext {
  /** Cache directory of generated data. */
  dataRoot: string;
  /** Scratch directory of this bench run (configs, ledgers); removed at the end. */
  workDir: string;
  /** Runs per scenario (K). */
  runs: number;
  /** Smoke mode: smaller sizes, one run. */
  quick: boolean;
  /** Writes one progress line to stderr. */
  log: (line: string) => void;
}

/** One run's figures: the load's and the simulator's. */
export interface Sample extends LoadFigures {
  /** Records the run was to load. */
  records: number;
  /** CPU seconds of the simulator child. */
  simCpuSeconds?: number;
  /** Records the simulator stored. */
  stored?: number;
  /** Duplicate inserts the simulator saw (must be 0). */
  duplicates?: number;
}

/** One run: the load's arguments (config and state filled in) and the simulator's flags. */
export interface RunSpec {
  /** Records in the data. */
  records: number;
  /** Config file. */
  config: string;
  /** Flags of `byot simulate`. @default [] */
  simArgs?: string[];
  /** Use a fresh ledger in the work dir (else `--no-checkpoint`). @default true */
  ledger?: boolean;
  /** Concurrency flag (`null` = leave out). @default 32 */
  concurrency?: LoadArgs["concurrency"];
  /** More load flags. @default [] */
  extra?: string[];
  /** Load timeout, ms. */
  timeoutMs: number;
  /** Label for progress lines. */
  label: string;
}

let runCounter = 0;

/**
 * Runs one load against a fresh simulator child and returns its figures.
 *
 * @throws {Error} when the simulator does not start or the load prints no summary.
 */
export async function measureRun(ctx: BenchContext, spec: RunSpec): Promise<Sample> {
  const sim = await startSimulatorChild(spec.simArgs ?? []);
  let stopped: Awaited<ReturnType<typeof sim.stop>> | undefined;
  try {
    const state = spec.ledger === false ? undefined : join(ctx.workDir, `state-${++runCounter}.db`);
    const load = await runLoad(
      { config: spec.config, url: sim.url, state, concurrency: spec.concurrency, extra: spec.extra },
      ctx.workDir,
      spec.timeoutMs,
    );
    stopped = await sim.stop();
    const sample: Sample = {
      ...load,
      records: spec.records,
      simCpuSeconds: stopped.cpuSeconds,
      stored: stopped.stored,
      duplicates: stopped.duplicates,
    };
    ctx.log(
      `  ${spec.label}: wall ${fmt(load.wallSeconds)} s, loaded ${load.loaded}, failed ${load.failed}, ` +
        `cpu ${fmt(load.cpuSeconds)} s, rss ${load.maxRssMb} MiB, 429s ${load.rateLimited}, ` +
        `requests ${load.requests}, exit ${load.exitCode}${load.timedOut ? " (TIMED OUT)" : ""}`,
    );
    return sample;
  } finally {
    if (!stopped) await sim.stop();
  }
}

/**
 * Runs `spec` `runs` times, each against a fresh simulator.
 *
 * @example
 * ```ts
 * const samples = await measureRuns(ctx, spec, ctx.runs);
 * ```
 */
export async function measureRuns(ctx: BenchContext, spec: RunSpec, runs: number): Promise<Sample[]> {
  const samples: Sample[] = [];
  for (let i = 0; i < runs; i++) {
    samples.push(await measureRun(ctx, { ...spec, label: `${spec.label} run ${i + 1}/${runs}` }));
  }
  return samples;
}

/** Medians of the figures the tables show. */
export interface Medians {
  runs: number;
  wall: number;
  recPerSec: number;
  cpu: number;
  rss: number;
  /** Median of the VmHWM-sampled peaks (cross-check of `rss`). */
  rssSampled: number;
  rateLimited: number;
  requests: number;
  meanLatencyMs: number;
  simCpu: number;
  /** The worst run's failed records (any failure counts). */
  failedMax: number;
  /** The worst run's stored records, and whether every run was clean (exit 0, all stored, no dups). */
  storedMin: number;
  allClean: boolean;
}

/**
 * Medians over `samples`.
 *
 * @example
 * ```ts
 * const m = medians(samples); // m.cpu, m.rss, ...
 * ```
 */
export function medians(samples: readonly Sample[]): Medians {
  const of = (f: (s: Sample) => number) => median(samples.map(f));
  return {
    runs: samples.length,
    wall: of((s) => s.wallSeconds),
    recPerSec: of((s) => s.loaded / s.wallSeconds),
    cpu: of((s) => s.cpuSeconds),
    rss: of((s) => s.maxRssMb),
    rssSampled: of((s) => s.sampledPeakRssMb ?? NaN),
    rateLimited: of((s) => s.rateLimited),
    requests: of((s) => s.requests),
    meanLatencyMs: of((s) => s.meanLatencyMs),
    simCpu: of((s) => s.simCpuSeconds ?? NaN),
    failedMax: Math.max(...samples.map((s) => s.failed)),
    storedMin: Math.min(...samples.map((s) => s.stored ?? NaN)),
    allClean: samples.every((s) =>
      s.exitCode === 0 && !s.timedOut && s.failed === 0 && s.stored === s.records && s.duplicates === 0
    ),
  };
}

/**
 * A table row with the common cells filled from `samples`; the caller adds target, result, ratio
 * and verdict.
 */
export function baseRow(
  variant: string,
  samples: readonly Sample[],
  scored: { target: string; result: string; ratio: string; verdict: Verdict },
): TableRow {
  const m = medians(samples);
  return {
    variant,
    runs: String(m.runs),
    wall: medianWithRange(samples.map((s) => s.wallSeconds)),
    recPerSec: fmt(m.recPerSec, 0),
    cpu: fmt(m.cpu),
    rss: fmt(m.rss, 0),
    rateLimited: fmt(m.rateLimited, 0),
    failed: fmt(m.failedMax, 0),
    ...scored,
  };
}

/** The legacy loader's row (§12 of the legacy notes). */
export function legacyRow(cells: Partial<TableRow> & { runs: string; wall: string }): TableRow {
  return {
    variant: "legacy Go (§12)",
    recPerSec: "—",
    cpu: "—",
    rss: "—",
    rateLimited: "—",
    failed: "—",
    target: "—",
    result: "—",
    ratio: "—",
    verdict: "info",
    ...cells,
  };
}

/** The exact commands of a fresh-simulator scenario, with `$DATA`, `$URL`, `$WORK` placeholders. */
export function commandsFor(
  records: number,
  spec: Omit<RunSpec, "config" | "records" | "timeoutMs" | "label">,
): string[] {
  const load = loadArgv({
    config: "$WORK/config.json",
    url: "$URL",
    state: spec.ledger === false ? undefined : "$WORK/state-N.db",
    concurrency: spec.concurrency,
    extra: spec.extra,
  });
  return [
    `deno task byot ${generateArgv(records, "$DATA").join(" ")}   # once, cached`,
    `DENO_DIR=$SIMCACHE deno run -A main.ts simulate --port 0 ${(spec.simArgs ?? []).join(" ")}`.trimEnd() +
    "   # fresh per run; prints $URL",
    `SKYFLOW_BEARER_TOKEN=bench deno task byot ${load.join(" ")}`,
  ];
}

/** A note about machine load: the 1-minute load average before and after. */
export function loadNote(before: string, after: string): string {
  return `Machine load (/proc/loadavg: 1, 5, 15 min, tasks) before: ${before}; after: ${after}.`;
}

/** A note comparing byot's getrusage peak RSS with the bench's VmHWM samples. */
export function rssNote(samples: readonly Sample[]): string {
  const m = medians(samples);
  return `Peak RSS is byot's own \`process.maxRssMb\` (getrusage ru_maxrss); cross-check from ` +
    `/proc/<pid>/status VmHWM sampled every 50 ms: median ${fmt(m.rssSampled, 0)} MiB.`;
}
