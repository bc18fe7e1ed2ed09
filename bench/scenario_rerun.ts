/**
 * Re-run cost: the same load run a second time with a fresh ledger (a cron job, an unsure operator,
 * a lost state file) against a vault that already holds every record. Each rejected batch is read
 * back (one detokenize per 25 records) and found already present: the budget is one insert plus
 * the read-backs per batch, no bisection, exit 0.
 *
 * @module
 */
import { join } from "node:path";
import { type LoadFigures, runLoad, startSimulatorChild } from "./byot.ts";
import { ensureData, generateArgv, writeConfig } from "./data.ts";
import { loadAverage } from "./proc.ts";
import { fmt, median, type ScenarioReport } from "./report.ts";
import { type BenchContext, loadNote } from "./sampling.ts";

const BATCH = 100;
const READBACK_CHUNK = 25;

/** Scenario (rerun): a first load, then the identical load with a fresh ledger, K times. */
export async function rerunScenario(ctx: BenchContext): Promise<ScenarioReport> {
  const records = ctx.quick ? 20_000 : 200_000;
  const title = `(rerun) ${
    records.toLocaleString("en-US")
  } records loaded, then the same load with a fresh ledger`;
  ctx.log(`scenario ${title}`);
  const before = loadAverage();
  const data = await ensureData(ctx.dataRoot, records, ctx.log);
  const config = await writeConfig(ctx.workDir, data, "rerun");
  const timeoutMs = records / 1000 * 2000 + 60_000;
  const firsts: LoadFigures[] = [];
  const reruns: LoadFigures[] = [];
  for (let i = 0; i < ctx.runs; i++) {
    const sim = await startSimulatorChild([]);
    try {
      const load = (state: string) =>
        runLoad(
          { config, url: sim.url, state: join(ctx.workDir, state), batchSize: BATCH },
          ctx.workDir,
          timeoutMs,
        );
      const first = await load(`rerun-first-${i}.db`);
      const again = await load(`rerun-again-${i}.db`);
      firsts.push(first);
      reruns.push(again);
      ctx.log(
        `  run ${i + 1}/${ctx.runs}: first ${first.requests} requests ${fmt(first.wallSeconds)} s; re-run ` +
          `${again.requests} requests ${
            fmt(again.wallSeconds)
          } s, already present ${again.alreadyPresent}, ` +
          `failed ${again.failed}, exit ${again.exitCode}`,
      );
    } finally {
      await sim.stop();
    }
  }
  const batches = Math.ceil(records / BATCH);
  const budget = batches * (1 + Math.ceil(BATCH / READBACK_CHUNK));
  const reqFirst = median(firsts.map((f) => f.requests));
  const reqAgain = median(reruns.map((f) => f.requests));
  const wallFirst = median(firsts.map((f) => f.wallSeconds));
  const wallAgain = median(reruns.map((f) => f.wallSeconds));
  const clean = reruns.every((r) => r.exitCode === 0 && r.failed === 0 && r.alreadyPresent === records);
  const ok = clean && reruns.every((r) => r.requests <= budget);
  return {
    id: "rerun",
    title,
    rows: [
      {
        variant: "byot first load",
        runs: String(firsts.length),
        wall: fmt(wallFirst),
        recPerSec: fmt(records / wallFirst, 0),
        cpu: fmt(median(firsts.map((f) => f.cpuSeconds))),
        rss: fmt(median(firsts.map((f) => f.maxRssMb)), 0),
        rateLimited: "0",
        failed: fmt(median(firsts.map((f) => f.failed)), 0),
        target: "—",
        result: `${fmt(reqFirst, 0)} requests`,
        ratio: "—",
        verdict: "info",
      },
      {
        variant: "byot re-run, fresh ledger",
        runs: String(reruns.length),
        wall: fmt(wallAgain),
        recPerSec: fmt(records / wallAgain, 0),
        cpu: fmt(median(reruns.map((f) => f.cpuSeconds))),
        rss: fmt(median(reruns.map((f) => f.maxRssMb)), 0),
        rateLimited: "0",
        failed: fmt(median(reruns.map((f) => f.failed)), 0),
        target: `exit 0, all already present, ≤ ${budget.toLocaleString("en-US")} requests (1 insert + ` +
          `${Math.ceil(BATCH / READBACK_CHUNK)} read-backs per batch)`,
        result: `${fmt(reqAgain, 0)} requests (${fmt(reqAgain / reqFirst)}× the first load), ` +
          `${fmt(wallAgain / wallFirst)}× its wall time`,
        ratio: `${fmt(reqAgain / budget)}× budget`,
        verdict: ok ? "PASS" : "FAIL",
      },
    ],
    notes: [
      `Batch ${BATCH}, concurrency 32, a fresh simulator per round; both loads run against it in turn, ` +
      `each with its own new ledger. Medians of ${ctx.runs}.`,
      `Before read-back, byot answered a re-run by bisecting every batch down to single records and ` +
      `failing them all (issue 12: 39,800 requests and exit 3 for 20,000 records).`,
      loadNote(before, loadAverage()),
    ],
    commands: [
      `deno task byot ${generateArgv(records, "$DATA").join(" ")}   # once, cached`,
      `deno task byot simulate --port 0`,
      `SKYFLOW_BEARER_TOKEN=bench deno task byot load --config $WORK/config.json --vault-url $URL ` +
      `--state $WORK/first.db --batch-size ${BATCH} --concurrency 32 --json`,
      `SKYFLOW_BEARER_TOKEN=bench deno task byot load --config $WORK/config.json --vault-url $URL ` +
      `--state $WORK/again.db --batch-size ${BATCH} --concurrency 32 --json   # the same load, fresh ledger`,
    ],
  };
}
