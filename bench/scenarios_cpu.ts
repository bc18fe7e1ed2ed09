/**
 * The zero-latency scenarios, where byot's own cost shows: (a) 1M records and (d) 3M records (CPU
 * seconds and peak RSS against the legacy loader), and the ledger's throughput overhead.
 *
 * @module
 */
import { ensureData, writeConfig } from "./data.ts";
import { fmt, median, pct, type ScenarioReport } from "./report.ts";
import {
  baseRow,
  type BenchContext,
  commandsFor,
  legacyRow,
  loadNote,
  measureRun,
  measureRuns,
  medians,
  rssNote,
  type Sample,
} from "./sampling.ts";
import { loadAverage } from "./proc.ts";

/** Legacy figures of §12: CPU-s, peak RSS MiB, wall. */
const LEGACY = {
  a: { records: 1_000_000, cpu: 3.37, rss: 294, wall: "5.60 (5.03–7.58)", rps: "178,600", runs: "5" },
  d: { records: 3_000_000, cpu: 10.71, rss: 798, wall: "19.00 (18.38–19.49)", rps: "157,900", runs: "3" },
};

const CPU_TARGET_PER_1M = 3.4;
const RSS_TARGET_MB = 150;
/** "Flat from 1M to 3M": the 3M peak RSS at most this much above the 1M one. */
const FLAT_GROWTH = 0.1;

/** Results the (d) scenario compares with. */
export interface ZeroLatencyOutcome {
  report: ScenarioReport;
  /** Median peak RSS, MiB. */
  rss: number;
}

function cleanNote(samples: readonly Sample[], records: number): string {
  const m = medians(samples);
  const sim = `simulator CPU ${fmt(m.simCpu)} s (median)`;
  return m.allClean
    ? `Every run: exit 0, ${records.toLocaleString("en-US")} records stored by the simulator, ` +
      `0 failed, 0 duplicate inserts; ${sim}.`
    : `NOT CLEAN: some run did not exit 0 or the simulator stored ${m.storedMin} of ${records} ` +
      `(failed up to ${m.failedMax}); ${sim}.`;
}

/**
 * Scenario (a) (`which = "a"`, 1M records) or (d) (`"d"`, 3M records): zero latency, ledger on,
 * batch 300, concurrency 32. `rssAt1M` is (a)'s median peak RSS, for (d)'s flatness check.
 */
export async function zeroLatencyScenario(
  ctx: BenchContext,
  which: "a" | "d",
  rssAt1M?: { records: number; rss: number },
): Promise<ZeroLatencyOutcome> {
  const legacy = LEGACY[which];
  const records = ctx.quick ? legacy.records / 10 : legacy.records;
  const title = `(${which}) ${records.toLocaleString("en-US")} records, zero latency`;
  ctx.log(`scenario ${title}`);
  const before = loadAverage();
  const data = await ensureData(ctx.dataRoot, records, ctx.log);
  const config = await writeConfig(ctx.workDir, data, which);
  const spec = { records, config, timeoutMs: records / 1000 * 200 + 60_000, label: which };
  const samples = await measureRuns(ctx, spec, ctx.runs);
  const m = medians(samples);
  const cpuPer1M = m.cpu / (records / 1e6);
  const legacyPer1M = legacy.cpu / (legacy.records / 1e6);
  const rssOk = m.rss <= RSS_TARGET_MB;
  const notes = [cleanNote(samples, records)];
  let target: string, result: string, ratio: string, ok: boolean;
  if (which === "a") {
    ok = cpuPer1M <= CPU_TARGET_PER_1M && rssOk;
    target = `≤ ${CPU_TARGET_PER_1M} CPU-s/1M; RSS ≤ ${RSS_TARGET_MB} MiB`;
    result = `${fmt(cpuPer1M)} CPU-s/1M; ${fmt(m.rss, 0)} MiB`;
    ratio = `CPU ${fmt(cpuPer1M / CPU_TARGET_PER_1M)}× target, ${fmt(cpuPer1M / legacyPer1M)}× legacy; ` +
      `RSS ${fmt(m.rss / RSS_TARGET_MB)}× target, ${fmt(m.rss / legacy.rss)}× legacy`;
  } else {
    const growth = rssAt1M ? m.rss / rssAt1M.rss - 1 : undefined;
    const flat = growth === undefined ? undefined : growth <= FLAT_GROWTH;
    ok = rssOk && flat !== false;
    target = `RSS ≤ ${RSS_TARGET_MB} MiB and flat vs 1M (≤ +${FLAT_GROWTH * 100}%)`;
    result = `${fmt(m.rss, 0)} MiB; ` +
      (growth === undefined
        ? "1M not run"
        : `${growth >= 0 ? "+" : ""}${pct(growth)} vs ${fmt(rssAt1M!.rss, 0)} MiB at ${
          rssAt1M!.records.toLocaleString("en-US")
        }`) +
      `; ${fmt(cpuPer1M)} CPU-s/1M`;
    ratio = `RSS ${fmt(m.rss / RSS_TARGET_MB)}× target, ${fmt(m.rss / legacy.rss)}× legacy; ` +
      `CPU/1M ${fmt(cpuPer1M / legacyPer1M)}× legacy`;
    if (growth === undefined) {
      notes.push("Flatness not assessed: scenario (a) was not run in this invocation.");
    }
  }
  notes.push(
    `byot runs with its ledger (a fresh SQLite state file per run); wall, CPU and RSS are of the byot ` +
      `process from spawn to exit, start-up and CSV reading included, like the legacy figures.`,
    `Wall time is bound by the single-threaded simulator sharing the 2 cores; compare wall only ` +
      `against the same simulator.`,
    rssNote(samples),
    loadNote(before, loadAverage()),
  );
  return {
    rss: m.rss,
    report: {
      id: which,
      title,
      rows: [
        baseRow("byot", samples, { target, result, ratio, verdict: ok && m.allClean ? "PASS" : "FAIL" }),
        legacyRow({
          runs: legacy.runs,
          wall: legacy.wall,
          recPerSec: legacy.rps,
          cpu: fmt(legacy.cpu),
          rss: String(legacy.rss),
          rateLimited: "0",
          failed: "0",
        }),
      ],
      notes,
      commands: commandsFor(records, { ledger: true }),
    },
  };
}

/**
 * Ledger overhead: 1M records at zero latency with the ledger and with `--no-checkpoint`, alternated,
 * at least 3 runs each; the target is a throughput difference of at most 3%.
 */
export async function ledgerScenario(ctx: BenchContext): Promise<ScenarioReport> {
  const records = ctx.quick ? 100_000 : 1_000_000;
  const runs = ctx.quick ? 1 : Math.max(3, ctx.runs);
  const title = `(ledger) overhead: ${records.toLocaleString("en-US")} records, zero latency, ledger vs ` +
    `--no-checkpoint`;
  ctx.log(`scenario ${title}`);
  const before = loadAverage();
  const data = await ensureData(ctx.dataRoot, records, ctx.log);
  const config = await writeConfig(ctx.workDir, data, "ledger");
  const base = { records, config, timeoutMs: records / 1000 * 200 + 60_000 };
  const withLedger: Sample[] = [];
  const without: Sample[] = [];
  for (let i = 0; i < runs; i++) {
    const order = i % 2 === 0 ? [true, false] : [false, true];
    for (const ledger of order) {
      const label = `${ledger ? "ledger" : "no-checkpoint"} run ${i + 1}/${runs}`;
      (ledger ? withLedger : without).push(await measureRun(ctx, { ...base, ledger, label }));
    }
  }
  const on = medians(withLedger);
  const off = medians(without);
  const diff = 1 - on.recPerSec / off.recPerSec;
  const ok = diff <= 0.03 && on.allClean && off.allClean;
  const cpuDiff = on.cpu / off.cpu - 1;
  const target = "throughput with ledger ≥ 97% of --no-checkpoint";
  return {
    id: "ledger",
    title,
    rows: [
      baseRow("byot (ledger)", withLedger, {
        target,
        result: `${pct(on.recPerSec / off.recPerSec)} of no-checkpoint (${diff >= 0 ? "−" : "+"}${
          pct(Math.abs(diff))
        })`,
        ratio: `difference ${fmt(Math.max(diff, 0) / 0.03)}× the 3% budget`,
        verdict: ok ? "PASS" : "FAIL",
      }),
      baseRow("byot --no-checkpoint", without, { target: "—", result: "—", ratio: "—", verdict: "info" }),
    ],
    notes: [
      `Runs alternate (ledger first on odd rounds, no-checkpoint first on even ones); medians of ${runs} each.`,
      `CPU with the ledger: ${fmt(on.cpu)} s vs ${fmt(off.cpu)} s (${cpuDiff >= 0 ? "+" : ""}${
        pct(cpuDiff)
      }); peak RSS ${fmt(on.rss, 0)} vs ${fmt(off.rss, 0)} MiB; byot's own elapsed medians ${
        fmt(median(withLedger.map((s) => s.elapsedSeconds)))
      } s vs ${fmt(median(without.map((s) => s.elapsedSeconds)))} s.`,
      `Throughput here is bound by the simulator (one core), so a CPU cost of the ledger shows in CPU-s ` +
      `more than in rec/s.`,
      cleanNote([...withLedger, ...without], records),
      `${rssNote(withLedger)} (ledger runs); ${
        fmt(medians(without).rssSampled, 0)
      } MiB (no-checkpoint runs).`,
      loadNote(before, loadAverage()),
    ],
    commands: [
      ...commandsFor(records, { ledger: true }),
      commandsFor(records, { ledger: false })[2],
    ],
  };
}
