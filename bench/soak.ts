/**
 * The kill -9 soak, {@linkcode killSoak}: starts real `byot load` children against an in-process
 * simulator with latency, SIGKILLs them at seeded random moments, resumes, and checks the exact set,
 * duplicate inserts, the ledger's counts and `PRAGMA integrity_check`. `tests/recovery/
 * kill_soak_test.ts` runs it at 100,000 records; `deno task soak` runs it at any size.
 *
 * Flags (all optional): `--count N` records per vault (100000), `--columns a,b` (ssn), `--kills N`
 * (10), `--seed N` (1), `--max-delay-ms N` (100), `--early-kill-percent N` (20), `--latency-ms N`
 * (10), `--batch-size N` (200), `--concurrency N` (12), `--reject-every N` (997), `--load-arg ARG`
 * (repeatable: extra `byot load` arguments), `--error-percent N` / `--drop-percent N` (0: simulator
 * 5xx answers / applied-then-cut requests). Exit 0 when every check held, 1 otherwise.
 *
 * @module
 */
import assert from "node:assert/strict";
import { denoIo } from "../src/common/io.ts";
import { mulberry32, type SimulatorOptions } from "../src/vault/simulator/mod.ts";
import { rejectedPositions, VAULTS, workspace } from "../tests/_fixtures/workspace.ts";
import { assertLedger, runByot, spawnByot } from "../tests/recovery/_child.ts";

/** Options of {@linkcode killSoak}. */
export interface SoakOptions {
  /** Records per vault. @default 100_000 */
  count?: number;
  /** Vault columns to load. @default ["ssn"] */
  columns?: string[];
  /** SIGKILLs before the final resume. @default 10 */
  kills?: number;
  /** Seed of the PRNG that picks the kill delays. @default 1 */
  seed?: number;
  /**
   * Kill i waits until the simulator holds a seeded random number of records (sorted, so the kills
   * spread over the load, up to 80% of it), then a uniform random `[0, maxDelayMs)` more. @default 100
   */
  maxDelayMs?: number;
  /**
   * Share of the kills that instead land `[0, 400)` ms after the spawn, whatever the child is doing
   * (starting, opening the ledger, creating or reopening the run). @default 0.2
   */
  earlyKillShare?: number;
  /** Simulator latency per request, in ms. @default 10 */
  latencyMs?: number;
  /** Simulator extra random latency, in ms. @default 10 */
  jitterMs?: number;
  /** @default 200 */
  batchSize?: number;
  /** @default 12 */
  concurrency?: number;
  /** Every Nth generated value is rejected by the simulator (0 = none). @default 997 */
  rejectEvery?: number;
  /** More simulator options (faults: `errorRate`, `dropRate`, `rateLimit`, …), over the ones above. @default {} */
  simulator?: SimulatorOptions;
  /** Extra `byot load` arguments, e.g. `["--continue-on-error"]`. @default [] */
  loadArgs?: string[];
  /** Progress lines (one per child). @default none */
  log?: (line: string) => void;
}

/** What {@linkcode killSoak} measured. */
export interface SoakReport {
  /** Records over every vault. */
  records: number;
  /** SIGKILLs delivered (and observed). */
  kills: number;
  /** Children started, the final resume included. */
  runs: number;
  /** Records rejected (stored as failures). */
  failed: number;
  /** Wall time of the children, in ms (data generation and checks excluded). */
  loadMs: number;
  /** Wall time of the final resume, in ms. */
  finalMs: number;
  /** The simulator's counters, one line. */
  simulator: string;
}

const STARTED = /^(run r\w+: checkpoints in|resuming run r\w+)/m;

/**
 * The kill -9 soak: loads `count` records per vault into an in-process simulator with latency,
 * SIGKILLs the child `kills` times at seeded random moments after it began loading (each time the
 * same command resumes), resumes to the end, then asserts the exact set, no duplicate insert, the
 * ledger's counts and failures, and `PRAGMA integrity_check`.
 *
 * @throws {AssertionError} when a check fails, or when the load finished before `kills` kills.
 */
export async function killSoak(o: SoakOptions = {}): Promise<SoakReport> {
  const count = o.count ?? 100_000;
  const columns = o.columns ?? ["ssn"];
  const kills = o.kills ?? 10;
  const rejectEvery = o.rejectEvery ?? 997;
  const random = mulberry32(o.seed ?? 1);
  const log = o.log ?? (() => {});
  await using ws = await workspace({
    count,
    columns,
    rejectEvery,
    simulator: {
      latencyMs: o.latencyMs ?? 10,
      jitterMs: o.jitterMs ?? 10,
      seed: o.seed ?? 1,
      ...o.simulator,
    },
    performance: { batch_size: o.batchSize ?? 200, max_concurrency: o.concurrency ?? 12 },
  });
  const args = ["load", "--config", ws.configPath, "--state", ws.statePath, ...o.loadArgs ?? []];
  const t0 = performance.now();
  // kill i lands a random delay after the simulator holds targets[i] records: spread over the load
  const targets = Array.from({ length: kills }, () => Math.floor(random() * 0.8 * count * columns.length))
    .sort((a, b) => a - b);
  let killed = 0;
  let runs = 0;
  let runCreated = false;
  while (killed < kills) {
    const child = spawnByot(args);
    runs++;
    let exited = false;
    const done = child.done.finally(() => exited = true);
    const early = random() < (o.earlyKillShare ?? 0.2);
    const delay = Math.floor(random() * (early ? 400 : o.maxDelayMs ?? 100));
    if (early) {
      await sleep(delay);
      child.kill();
    } else if (await child.waitFor(STARTED)) {
      while (!exited && ws.sim.store.size < targets[killed]) await sleep(5);
      await sleep(delay);
      child.kill();
    }
    const result = await done;
    assert.ok(
      result.signal === "SIGKILL" || result.code === 137,
      `child ${runs} ended by itself (code ${result.code}) after ${killed} kills\n${result.err}`,
    );
    const started = result.err.match(STARTED)?.[0];
    if (started && runCreated) assert.match(started, /^resuming run/, `child ${runs} resumes the run`);
    runCreated ||= started !== undefined;
    killed++;
    log(
      `kill ${killed}: ${result.ms}ms after spawn, ` +
        (early ? "(early) " : `${delay}ms after ${targets[killed - 1]} stored; `) +
        `${started ? "had started" : "had not started"}; ${ws.sim.store.size} stored`,
    );
  }
  const final = await runByot(args);
  runs++;
  const loadMs = Math.round(performance.now() - t0);
  log(`final resume: exit ${final.code} after ${final.ms}ms`);
  const expected = columns.map((column) => ({
    column,
    vault: vaultOf(column).name,
    rows: count,
    failed: rejectedPositions(column, count, rejectEvery),
  }));
  const failed = expected.reduce((n, e) => n + e.failed.size, 0);
  assert.equal(final.code, failed > 0 ? 3 : 0, final.err);
  if (runCreated) assert.match(final.err, /resuming run r\w+/, "the final run resumes");
  for (const e of expected) ws.assertExact(e.column, { except: e.failed });
  assert.equal(ws.sim.stats.duplicateInserts, 0, "the simulator saw no duplicate insert");
  assertLedger(ws.statePath, expected);
  return {
    records: count * columns.length,
    kills: killed,
    runs,
    failed,
    loadMs,
    finalMs: final.ms,
    simulator: ws.sim.stats.summary(),
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function vaultOf(column: string): { name: string; id: string } {
  const vault = VAULTS.find((v) => v.column === column);
  if (!vault) throw new TypeError(`no vault for column ${column}`);
  return vault;
}

/** Parses `--name value` pairs into soak options. */
export function soakOptions(args: readonly string[]): SoakOptions {
  const o: SoakOptions = {};
  for (let i = 0; i < args.length; i += 2) {
    const name = args[i];
    const value = args[i + 1] ?? "";
    const n = Number(value);
    if (name === "--columns") o.columns = value.split(",");
    else if (name === "--load-arg") o.loadArgs = [...o.loadArgs ?? [], value];
    else if (!Number.isInteger(n) || n < 0) throw new TypeError(`${name}: expected a whole number`);
    else if (name === "--count") o.count = n;
    else if (name === "--kills") o.kills = n;
    else if (name === "--seed") o.seed = n;
    else if (name === "--max-delay-ms") o.maxDelayMs = n;
    else if (name === "--latency-ms") o.latencyMs = n;
    else if (name === "--batch-size") o.batchSize = n;
    else if (name === "--concurrency") o.concurrency = n;
    else if (name === "--reject-every") o.rejectEvery = n;
    else if (name === "--early-kill-percent") o.earlyKillShare = n / 100;
    else if (name === "--error-percent") o.simulator = { ...o.simulator, errorRate: n / 100 };
    else if (name === "--drop-percent") o.simulator = { ...o.simulator, dropRate: n / 100 };
    else throw new TypeError(`unknown flag ${name}`);
  }
  return o;
}

if (import.meta.main) {
  const io = denoIo();
  const t0 = performance.now();
  try {
    const report = await killSoak({ ...soakOptions(Deno.args), log: (line) => io.stderr.write(`${line}\n`) });
    const total = Math.round(performance.now() - t0);
    io.stdout.write(
      `soak ok: ${report.records} records, ${report.kills} SIGKILLs, ${report.runs} runs, ` +
        `${report.failed} rejected records failed once; children ${report.loadMs}ms ` +
        `(final resume ${report.finalMs}ms), total ${total}ms\nsimulator: ${report.simulator}\n`,
    );
  } catch (error) {
    io.stderr.write(`soak FAILED: ${error instanceof Error ? error.message : String(error)}\n`);
    Deno.exit(1);
  }
}
