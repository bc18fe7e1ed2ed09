/**
 * byot as the benchmark runs it: `byot simulate` and `byot load --json` as separate child processes,
 * `byot generate` for the data, and the parts of the load's JSON summary the tables use.
 *
 * @module
 */
import { denoRunArgs } from "../src/cli/shared/runtime.ts";
import { type Child, finishChild, runChild, sleep, spawnChild } from "./children.ts";
import { cpuSecondsOf, watchPeakRss } from "./proc.ts";

/** Absolute path of byot's `main.ts`. */
export const MAIN_TS: string = new URL("../main.ts", import.meta.url).pathname;

/** Deno's cache directory for the simulator children (see {@linkcode startSimulatorChild}). */
const SIM_DENO_DIR = `${Deno.env.get("TMPDIR") ?? "/tmp"}/byot-bench-sim-deno-dir`;

/** The bearer token the benchmark passes (the simulator accepts any). */
export const BENCH_TOKEN = "bench";

/** A running simulator child. */
export interface SimulatorChild {
  /** Its base URL. */
  readonly url: string;
  /** Its process id. */
  readonly pid: number;
  /** Stops it; returns its CPU seconds (read just before SIGTERM) and the records it stored. */
  stop(): Promise<{ cpuSeconds?: number; stored?: number; duplicates?: number }>;
}

/**
 * Starts `byot simulate --port 0 ...args` and waits for its listening line.
 *
 * @example
 * ```ts
 * const sim = await startSimulatorChild(["--latency-ms", "100"]);
 * await sim.stop();
 * ```
 */
export async function startSimulatorChild(args: string[], timeoutMs = 30_000): Promise<SimulatorChild> {
  // The simulator is a test double that keeps every record: it runs without byot's memory-saving
  // heap flags, which would slow it as its store grows. Deno's V8 code cache is keyed by the V8
  // flags, so it keeps its own DENO_DIR: sharing one, every start of either process would reject
  // and rewrite the other's cache (~100 ms more start-up for the load).
  const child = spawnChild({
    args: ["run", "-A", MAIN_TS, "simulate", "--port", "0", ...args],
    env: { DENO_DIR: SIM_DENO_DIR },
  });
  const line = await Promise.race([child.firstLine, sleep(timeoutMs).then(() => "timeout")]);
  const match = line?.match(/listening on (http:\/\/\S+)/);
  if (!match) {
    child.kill("SIGKILL");
    const tail = await child.stderrTail;
    throw new Error(`byot simulate did not start (${line ?? "no output"}): ${tail.slice(-500)}`);
  }
  return {
    url: match[1],
    pid: child.pid,
    async stop() {
      const cpuSeconds = await cpuSecondsOf(child.pid);
      child.kill("SIGTERM");
      const end = await finishChild(child, 30_000);
      const stats = end.stderrTail.match(/duplicate inserts (\d+); (\d+) records stored/);
      return {
        cpuSeconds,
        duplicates: stats ? Number(stats[1]) : undefined,
        stored: stats ? Number(stats[2]) : undefined,
      };
    },
  };
}

/** What the tables use from `byot load --json` (plus the bench's own wall time). */
export interface LoadFigures {
  /** Exit code of the load. */
  exitCode: number;
  /** True when the bench's timeout killed it. */
  timedOut: boolean;
  /** Spawn to exit, seconds (start-up and CSV open included, like the legacy figures). */
  wallSeconds: number;
  /** byot's own elapsed time, seconds. */
  elapsedSeconds: number;
  /** Records loaded, failed, resumed. */
  loaded: number;
  /** Of `loaded`: records found already stored (read back after a rejection). */
  alreadyPresent: number;
  failed: number;
  resumed: number;
  /** Requests sent, of them answered 200, and 429s. */
  requests: number;
  ok: number;
  rateLimited: number;
  /** Retries of any reason. */
  retries: number;
  /** Mean request latency, ms. */
  meanLatencyMs: number;
  /** CPU seconds (user + system) and peak RSS (MiB, `ru_maxrss`) of the load process, from its JSON. */
  cpuSeconds: number;
  maxRssMb: number;
  /** Peak RSS (MiB) from `/proc/<pid>/status` VmHWM sampled by the bench every 50 ms, if read. */
  sampledPeakRssMb?: number;
  /** The end of stderr, for diagnosis. */
  stderrTail: string;
}

interface SummaryShape {
  exitCode: number;
  elapsedMs: number;
  totals: {
    loaded: number;
    alreadyPresent?: number;
    failed: number;
    resumed: number;
    requests: { total: number; byStatus: Record<string, number>; rateLimited: number };
    retries: { total: number };
    latencyMs: { mean: number };
  };
  process?: { cpuUserMs: number; cpuSystemMs: number; maxRssMb: number };
}

/**
 * Parses the last JSON line of a load's stdout into {@linkcode LoadFigures}.
 *
 * @throws {Error} when stdout holds no summary, or the summary has no `process` figures.
 */
export function loadFigures(
  end: { code: number; timedOut: boolean; wallMs: number; stdout: string; stderrTail: string },
): LoadFigures {
  const line = end.stdout.trim().split("\n").findLast((l) => l.startsWith("{"));
  if (!line) {
    const why = end.timedOut ? "timed out" : `exit ${end.code}`;
    throw new Error(`byot load printed no JSON summary (${why}): ${end.stderrTail.slice(-800)}`);
  }
  const s = JSON.parse(line) as SummaryShape;
  if (!s.process) throw new Error("byot load --json has no `process` figures (cpuUserMs, maxRssMb)");
  const t = s.totals;
  return {
    exitCode: end.code,
    timedOut: end.timedOut,
    wallSeconds: end.wallMs / 1000,
    elapsedSeconds: s.elapsedMs / 1000,
    loaded: t.loaded,
    alreadyPresent: t.alreadyPresent ?? 0,
    failed: t.failed,
    resumed: t.resumed,
    requests: t.requests.total,
    ok: t.requests.byStatus["200"] ?? 0,
    rateLimited: t.requests.rateLimited,
    retries: t.retries.total,
    meanLatencyMs: t.latencyMs.mean,
    cpuSeconds: (s.process.cpuUserMs + s.process.cpuSystemMs) / 1000,
    maxRssMb: s.process.maxRssMb,
    stderrTail: end.stderrTail,
  };
}

/** Arguments of one `byot load`. */
export interface LoadArgs {
  /** Config file. */
  config: string;
  /** Vault URL (the simulator's). */
  url: string;
  /** Ledger file, or `undefined` for `--no-checkpoint`. */
  state?: string;
  /** Records per request. @default 300 */
  batchSize?: number;
  /** Concurrency flag value; `null` leaves the flag out. @default 32 */
  concurrency?: number | string | null;
  /** More flags. @default [] */
  extra?: string[];
}

/** The `byot load` argument list (after `main.ts`) for `args`. */
export function loadArgv(args: LoadArgs): string[] {
  const argv = ["load", "--config", args.config, "--vault-url", args.url];
  argv.push(...(args.state === undefined ? ["--no-checkpoint"] : ["--state", args.state]));
  argv.push("--batch-size", String(args.batchSize ?? 300));
  const concurrency = args.concurrency === undefined ? 32 : args.concurrency;
  if (concurrency !== null) argv.push("--concurrency", String(concurrency));
  return [...argv, ...(args.extra ?? []), "--json"];
}

/**
 * Spawns `byot load` (see {@linkcode loadArgv}) in `cwd`; the caller waits with `finishChild`.
 *
 * @example
 * ```ts
 * const child = spawnLoad({ config: "c.json", url: sim.url }, dir);
 * const figures = loadFigures(await finishChild(child, 60_000));
 * ```
 */
export function spawnLoad(args: LoadArgs, cwd: string): Child {
  return spawnChild({
    args: [...denoRunArgs(MAIN_TS), ...loadArgv(args)],
    cwd,
    env: { SKYFLOW_BEARER_TOKEN: BENCH_TOKEN, NO_COLOR: "1" },
  });
}

/**
 * Runs `byot load` to completion within `timeoutMs` and returns its figures.
 *
 * @example
 * ```ts
 * const figures = await runLoad({ config, url: sim.url, state }, dir, 120_000);
 * ```
 */
export async function runLoad(args: LoadArgs, cwd: string, timeoutMs: number): Promise<LoadFigures> {
  const child = spawnLoad(args, cwd);
  const watch = watchPeakRss(child.pid);
  const end = await finishChild(child, timeoutMs);
  const sampledPeakRssMb = await watch.stop();
  return { ...loadFigures(end), sampledPeakRssMb };
}

/**
 * The text of `byot load --help` (to see which optional flags this build has).
 *
 * @example
 * ```ts
 * (await loadHelp()).includes("--max-rps");
 * ```
 */
export async function loadHelp(): Promise<string> {
  const end = await runChild({ args: [...denoRunArgs(MAIN_TS), "load", "--help"] }, 60_000);
  return end.stdout + end.stderrTail;
}
