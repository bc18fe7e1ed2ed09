/**
 * The resume scenario's host process (started by `scenario_resume.ts` with a large V8 heap): it runs
 * the simulator in-process so it can watch the stored count and see the first request of the
 * resumed load, starts `byot load` on the big CSV, SIGKILLs it once the simulator holds the wanted
 * fraction, then starts the same command again and times it. Prints one JSON line on stdout
 * ({@linkcode ResumeHostResult}); progress goes to stderr.
 *
 * Usage: `deno run -A bench/resume_host.ts CONFIG WORK_DIR RECORDS FRACTION`
 *
 * @module
 */
import { join } from "node:path";
import { startSimulator } from "../src/vault/simulator/mod.ts";
import { type LoadFigures, loadFigures, spawnLoad } from "./byot.ts";
import { finishChild, killAllChildren, sleep } from "./children.ts";
import { BENCH_VAULT } from "./data.ts";
import { watchPeakRss } from "./proc.ts";
import { type LedgerFootprint, ledgerFootprint, makeScaleLedger, SCALE_BATCHES } from "./resume_scale.ts";

/** What the host reports. */
export interface ResumeHostResult {
  /** Rows in the CSV. */
  records: number;
  /** Records the simulator held when the first load was killed, and 300 ms later. */
  storedAtKill: number;
  storedAfterKill: number;
  /** Seconds from the first load's spawn to the kill. */
  killAfterSeconds: number;
  /** Size of the ledger (with WAL) after the kill, bytes. */
  ledgerBytes: number;
  /** Milliseconds from the resumed load's spawn to the first request of any kind / the first insert. */
  firstRequestMs: number | null;
  firstInsertMs: number | null;
  /**
   * The resumed load's figures (stderr left out). Its `maxRssMb` (getrusage) is inflated by this
   * host's memory at fork time; `sampledPeakRssMb` (VmHWM) is the real peak.
   */
  resume: Omit<LoadFigures, "stderrTail">;
  /** Records stored at the end, and duplicate inserts seen (must be 0). */
  finalStored: number;
  duplicates: number;
  /** The resumed load's stderr tail, when it did not exit 0. */
  resumeStderr?: string;
  /** The ledger after the kill: batches recorded, batch rows stored, bytes. */
  footprint: LedgerFootprint;
  /** The resume over a synthetic ledger of {@linkcode SCALE_BATCHES} settled batches. */
  scale: {
    batches: number;
    ledgerBytes: number;
    firstRequestMs: number | null;
    exitCode: number;
    /** Records after the restart cursor, and those the simulator held at the end. */
    resend: number;
    stored: number;
    stderr?: string;
  };
}

const log = (line: string) => void Deno.stderr.writeSync(new TextEncoder().encode(`  [resume] ${line}\n`));

function fileSize(path: string): number {
  try {
    return Deno.statSync(path).size;
  } catch {
    return 0;
  }
}

async function main(argv: string[]): Promise<ResumeHostResult> {
  const [config, workDir, recordsText, fractionText] = argv;
  const records = Number(recordsText);
  const fraction = Number(fractionText);
  const sim = await startSimulator({ port: 0 });
  const stored = () => sim.store.count(BENCH_VAULT.id, BENCH_VAULT.column);
  let armed = false;
  let firstInsertAt: number | undefined;
  const dataStarted = sim.stats.dataStarted.bind(sim.stats);
  sim.stats.dataStarted = (now: number) => {
    if (armed && firstInsertAt === undefined) firstInsertAt = performance.now();
    dataStarted(now);
  };
  try {
    const state = join(workDir, "resume-state.db");
    const args = { config, url: sim.url, state };
    log(`first load of ${records.toLocaleString("en-US")} rows; killing it at ${fraction * 100}%`);
    const first = spawnLoad(args, workDir);
    const firstEnd = finishChild(first, 1_800_000);
    let lastLog = performance.now();
    while (stored() < records * fraction) {
      const exited = await Promise.race([firstEnd.then(() => true), sleep(20).then(() => false)]);
      if (exited) throw new Error(`the first load ended before ${fraction * 100}% (stored ${stored()})`);
      if (performance.now() - lastLog > 10_000) {
        lastLog = performance.now();
        log(`stored ${stored().toLocaleString("en-US")}`);
      }
    }
    first.kill("SIGKILL");
    const storedAtKill = stored();
    const killAfterSeconds = (performance.now() - first.spawnedAt) / 1000;
    await firstEnd;
    await sleep(300);
    const storedAfterKill = stored();
    const ledgerBytes = fileSize(state) + fileSize(`${state}-wal`);
    const footprint = ledgerFootprint(state, ledgerBytes);
    log(`killed after ${killAfterSeconds.toFixed(1)} s at ${storedAtKill.toLocaleString("en-US")} stored`);

    const requestsBefore = sim.stats.totalRequests;
    armed = true;
    const resumed = spawnLoad(args, workDir);
    const rssWatch = watchPeakRss(resumed.pid);
    let firstRequestAt: number | undefined;
    const watch = (async () => {
      while (firstRequestAt === undefined && armed) {
        if (sim.stats.totalRequests > requestsBefore) firstRequestAt = performance.now();
        else await sleep(1);
      }
    })();
    const end = await finishChild(resumed, 1_800_000);
    const sampledPeakRssMb = await rssWatch.stop();
    armed = false;
    await watch;
    const { stderrTail, ...figures } = loadFigures(end);
    const since = (t: number | undefined) => t === undefined ? null : t - resumed.spawnedAt;
    const finalStored = stored();
    const duplicates = sim.stats.duplicateInserts;

    log(`resume over a synthetic ledger of ${SCALE_BATCHES.toLocaleString("en-US")} settled batches`);
    const { resend } = makeScaleLedger(state);
    const scaleBytes = fileSize(state) + fileSize(`${state}-wal`);
    sim.store.clear();
    const scaleBefore = sim.stats.totalRequests;
    let scaleFirst: number | undefined;
    let scaleDone = false;
    const scaleChild = spawnLoad(args, workDir);
    const scaleWatch = (async () => {
      while (scaleFirst === undefined && !scaleDone) {
        if (sim.stats.totalRequests > scaleBefore) scaleFirst = performance.now();
        else await sleep(1);
      }
    })();
    const scaleEnd = await finishChild(scaleChild, 600_000);
    scaleDone = true;
    await scaleWatch;
    const scale = {
      batches: SCALE_BATCHES,
      ledgerBytes: scaleBytes,
      firstRequestMs: scaleFirst === undefined ? null : scaleFirst - scaleChild.spawnedAt,
      exitCode: scaleEnd.code,
      resend,
      stored: stored(),
      ...(scaleEnd.code === 0 ? {} : { stderr: scaleEnd.stderrTail }),
    };
    return {
      records,
      storedAtKill,
      storedAfterKill,
      killAfterSeconds,
      ledgerBytes,
      firstRequestMs: since(firstRequestAt),
      firstInsertMs: since(firstInsertAt),
      resume: { ...figures, sampledPeakRssMb },
      finalStored,
      duplicates,
      ...(figures.exitCode === 0 ? {} : { resumeStderr: stderrTail }),
      footprint,
      scale,
    };
  } finally {
    killAllChildren();
    await sim.shutdown();
  }
}

if (import.meta.main) {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(signal, () => {
      killAllChildren("SIGKILL");
      Deno.exit(signal === "SIGINT" ? 130 : 143);
    });
  }
  const result = await main(Deno.args);
  Deno.stdout.writeSync(new TextEncoder().encode(JSON.stringify(result) + "\n"));
  Deno.exit(0);
}
