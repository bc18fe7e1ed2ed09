/**
 * What `byot tune` concludes from its probes: the recommended setting, the projected time of a
 * full load at the measured rate, a config snippet, and the text and JSON forms of it all.
 *
 * The recommendation is the fastest setting (loaded records per second) among those with no failed
 * record and at most {@linkcode MAX_RATE_LIMITED_SHARE} of requests answered 429; among settings
 * within {@linkcode NEAR_BEST} of that rate, `auto` is preferred (it keeps adapting during a long
 * run), then the fewest requests in flight (gentler on the vault).
 *
 * @module
 */
import {
  formatDecimal,
  formatDuration,
  formatInt,
  formatMs,
  formatRate,
  roundTo,
} from "../../report/format.ts";
import { renderTable, type TableColumn } from "../shared/table.ts";
import type { ProbeResult } from "./probe.ts";

/** Settings with more 429 answers than this share are not recommended. */
export const MAX_RATE_LIMITED_SHARE = 0.05;

/** Settings within this fraction of the best rate count as equally fast. */
export const NEAR_BEST = 0.05;

/** The fixed projection size: the legacy loader's 500M-record target. */
export const PROJECTION_RECORDS = 500_000_000;

/** Version of the `byot tune --json` shape. */
export const TUNE_JSON_VERSION = 1;

/** A record count to project, and its label. */
export interface Projection {
  /** What the count is ("source (largest vault file)", "500M"). */
  label: string;
  /** Records. */
  records: number;
}

/** Everything `byot tune` measured. */
export interface TuneReport {
  /** Tune run id (part of every probe value). */
  tuneId: string;
  /** Where the probes went, for people (`simulator http://…`, `NAME (vault id) / table`). */
  target: string;
  /** True with `--simulate`. */
  simulated: boolean;
  /** Records per probe. */
  recordsPerProbe: number;
  /** Simulated probes were sized to two full rounds of each setting (at least `recordsPerProbe`). */
  autoSized?: boolean;
  /** One result per probe, in grid order. */
  results: ProbeResult[];
  /** Counts to project (the source's, when known, then 500M). */
  projections: Projection[];
  /** True when Ctrl-C stopped the probing early. */
  interrupted?: boolean;
}

/** The recommended probe and whether it met the bar (no failures, few 429s). */
export interface Recommendation {
  /** The recommended probe (its `setting` is the recommendation). */
  result: ProbeResult;
  /** False when no setting was clean and the fastest one is shown anyway. */
  clean: boolean;
}

/** True when a probe had no failed record and few 429s. */
export function isClean(r: ProbeResult): boolean {
  return r.fatal === undefined && r.failed === 0 && r.loaded > 0 &&
    r.rateLimitedShare <= MAX_RATE_LIMITED_SHARE;
}

/** The recommended setting, or `undefined` when no probe loaded anything. */
export function recommend(results: readonly ProbeResult[]): Recommendation | undefined {
  const clean = results.filter(isClean);
  const pool = clean.length > 0 ? clean : results.filter((r) => r.loaded > 0);
  if (pool.length === 0) return undefined;
  const best = Math.max(...pool.map((r) => r.recordsPerSecond));
  const near = pool.filter((r) => r.recordsPerSecond >= best * (1 - NEAR_BEST));
  near.sort((a, b) =>
    Number(b.setting.auto) - Number(a.setting.auto) || a.setting.concurrency - b.setting.concurrency ||
    b.recordsPerSecond - a.recordsPerSecond
  );
  return { result: near[0], clean: clean.length > 0 };
}

/** The `performance` section that selects `result`'s setting, as config JSON. */
export function configSnippet(result: ProbeResult): Record<string, unknown> {
  const s = result.setting;
  return s.auto
    ? { performance: { batch_size: s.batchSize, concurrency_auto: true, max_concurrency: s.concurrency } }
    : { performance: { batch_size: s.batchSize, max_concurrency: s.concurrency } };
}

/** The `byot load` flags that select `result`'s setting. */
export function flagSnippet(result: ProbeResult): string {
  const s = result.setting;
  return s.auto
    ? `--batch-size ${s.batchSize} --concurrency auto --concurrency-max ${s.concurrency}`
    : `--batch-size ${s.batchSize} --concurrency ${s.concurrency}`;
}

/** Time to load `records` at `perSecond`; `undefined` when the rate is 0. */
export function projectMs(records: number, perSecond: number): number | undefined {
  return perSecond > 0 ? (records / perSecond) * 1000 : undefined;
}

const COLUMNS: TableColumn[] = [
  { header: "Setting" },
  { header: "Batch", right: true },
  { header: "Conc", right: true },
  { header: "Loaded", right: true },
  { header: "Failed", right: true },
  { header: "Rec/s", right: true },
  { header: "p50", right: true },
  { header: "p99", right: true },
  { header: "429s", right: true },
  { header: "Time", right: true },
  { header: "Note" },
];

/** The text form: the table, notes, projections and the recommended snippet. */
export function renderTune(report: TuneReport): string {
  const lines = [
    `byot tune ${report.tuneId}: ${
      report.autoSized
        ? `at least ${formatInt(report.recordsPerProbe)} (two full rounds of each setting)`
        : formatInt(report.recordsPerProbe)
    } generated records per setting into ${report.target}`,
    "",
  ];
  const rows = report.results.map((r) => [
    r.setting.label,
    String(r.setting.batchSize),
    r.setting.auto ? `≤${r.setting.concurrency}` : String(r.setting.concurrency),
    formatInt(r.loaded),
    formatInt(r.failed),
    formatRate(r.recordsPerSecond),
    formatMs(r.p50Ms),
    formatMs(r.p99Ms),
    `${formatDecimal(r.rateLimitedShare * 100, 1)}%`,
    formatDuration(r.elapsedMs),
    notes(r),
  ]);
  lines.push(renderTable(COLUMNS, rows).trimEnd());
  const underfilled = report.results.filter((r) => r.underfilled);
  if (underfilled.length > 0) {
    const fair = Math.max(...underfilled.map((r) => 2 * r.setting.batchSize * r.setting.concurrency));
    lines.push(
      "",
      "under-filled: fewer batches than requests in flight, so the rate understates the setting;",
      `  for a fair probe of every setting use --records ${fair} (two full rounds of requests)`,
    );
  }
  const failing = report.results.find((r) => r.failed > 0 && r.firstError);
  if (failing) {
    lines.push("", `first failure (${failing.setting.label}): ${failing.firstError}`);
    if (!report.simulated && failing.loaded === 0) {
      lines.push("  every record was rejected: point --table at a test table whose column takes any string");
    }
  }
  if (report.interrupted) lines.push("", "stopped early (Ctrl-C): the settings not probed are missing");
  const rec = recommend(report.results);
  if (!rec) {
    lines.push("", "No setting loaded any record: no recommendation. Check the target and credentials.");
    return lines.join("\n") + "\n";
  }
  const r = rec.result;
  lines.push("", `Projected at ${formatRate(r.recordsPerSecond)} rec/s (${r.setting.label}) per vault:`);
  for (const p of report.projections) {
    lines.push(`  ${p.label.padEnd(28)} ${formatInt(p.records).padStart(13)} records  ${eta(p.records, r)}`);
  }
  lines.push(
    "",
    rec.clean
      ? `Recommended: ${r.setting.label} (batch ${r.setting.batchSize}, ${
        r.setting.auto
          ? `concurrency auto up to ${r.setting.concurrency}`
          : `concurrency ${r.setting.concurrency}`
      })`
      : `No setting ran without failures or with ≤${
        MAX_RATE_LIMITED_SHARE * 100
      }% 429s; the fastest was ${r.setting.label}. Consider --max-rps or a lower concurrency.`,
    `  config.json: ${snippetText(r)}`,
    `  flags:       byot load ${flagSnippet(r)}`,
  );
  if (report.simulated) {
    lines.push("", "These figures come from the local simulator; run against a test table for real ones.");
  }
  return lines.join("\n") + "\n";
}

/** `"performance": {"batch_size": 100, "max_concurrency": 50}` */
function snippetText(r: ProbeResult): string {
  const perf = configSnippet(r).performance as Record<string, unknown>;
  const body = Object.entries(perf).map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(", ");
  return `"performance": {${body}}`;
}

function eta(records: number, r: ProbeResult): string {
  const ms = projectMs(records, r.recordsPerSecond);
  return ms === undefined ? "--" : formatDuration(ms);
}

function notes(r: ProbeResult): string {
  const out: string[] = [];
  if (r.fatal !== undefined) {
    out.push("stopped: " + (r.fatal instanceof Error ? r.fatal.message : String(r.fatal)));
  }
  if (r.capped) out.push("time cap");
  if (r.underfilled) out.push("under-filled");
  return out.join(", ");
}

/** One probe in `tune --json` (a {@linkcode ProbeResult}, rounded). */
export interface ProbeJson {
  /** The setting's label (`32×100`, `auto×100`). */
  setting: string;
  /** Records per request. */
  batchSize: number;
  /** Requests in flight (with `auto`: the ceiling). */
  concurrency: number;
  /** True for `--concurrency auto`. */
  auto: boolean;
  /** Records the probe meant to send. */
  records: number;
  /** Records settled (loaded or failed) before the probe ended. */
  settled: number;
  /** Records stored by the vault. */
  loaded: number;
  /** Records rejected for good (or out of retries). */
  failed: number;
  /** Failed records per HTTP status (`"0"` = network). */
  failuresByStatus: Record<string, number>;
  /** HTTP requests made. */
  requests: number;
  /** Answers with status 429. */
  rateLimited: number;
  /** `rateLimited / requests` (0 when no request), rounded to 4 decimals. */
  rateLimitedShare: number;
  /** Wall time of the probe in ms, rounded to a whole ms. */
  elapsedMs: number;
  /** Loaded records per second of wall time, rounded to 1 decimal. */
  recordsPerSecond: number;
  /** Median request latency in ms, rounded to 2 decimals. */
  p50Ms: number;
  /** 99th percentile request latency in ms, rounded to 2 decimals. */
  p99Ms: number;
  /** The time cap stopped it before every record was sent. */
  capped: boolean;
  /** Fewer batches than requests in flight: the setting could not be filled. */
  underfilled: boolean;
  /** Message of the error that stopped the probe at once, or `null`. */
  error: string | null;
}

/** `byot tune --json`. */
export interface TuneJson {
  /** Shape version ({@linkcode TUNE_JSON_VERSION}). */
  version: number;
  /** Tune run id (part of every probe value). */
  tuneId: string;
  /** Where the probes went, for people. */
  target: string;
  /** True with `--simulate`. */
  simulated: boolean;
  /**
   * Records per probe; with `--simulate` and no `--records`, the minimum (each probe's own count is
   * in `probes[].records`).
   */
  recordsPerProbe: number;
  /** True when Ctrl-C stopped the probing early. */
  interrupted: boolean;
  /** One entry per probe, in grid order. */
  probes: ProbeJson[];
  /**
   * The recommended setting (see {@linkcode recommend}), with its config snippet, `byot load`
   * flags and projected load times (`ms` is `null` when the rate is 0); `null` when no probe
   * loaded anything.
   */
  recommendation: {
    setting: string;
    clean: boolean;
    config: Record<string, unknown>;
    flags: string;
    projections: { label: string; records: number; ms: number | null }[];
  } | null;
}

/** The JSON form of a report. */
export function tuneJson(report: TuneReport): TuneJson {
  const rec = recommend(report.results);
  return {
    version: TUNE_JSON_VERSION,
    tuneId: report.tuneId,
    target: report.target,
    simulated: report.simulated,
    recordsPerProbe: report.recordsPerProbe,
    interrupted: report.interrupted ?? false,
    probes: report.results.map((r) => ({
      setting: r.setting.label,
      batchSize: r.setting.batchSize,
      concurrency: r.setting.concurrency,
      auto: r.setting.auto,
      records: r.records,
      settled: r.settled,
      loaded: r.loaded,
      failed: r.failed,
      failuresByStatus: { ...r.failuresByStatus },
      requests: r.requests,
      rateLimited: r.rateLimited,
      rateLimitedShare: roundTo(r.rateLimitedShare, 4),
      elapsedMs: Math.round(r.elapsedMs),
      recordsPerSecond: roundTo(r.recordsPerSecond, 1),
      p50Ms: roundTo(r.p50Ms, 2),
      p99Ms: roundTo(r.p99Ms, 2),
      capped: r.capped,
      underfilled: r.underfilled,
      error: r.fatal === undefined ? null : r.fatal instanceof Error ? r.fatal.message : String(r.fatal),
    })),
    recommendation: rec
      ? {
        setting: rec.result.setting.label,
        clean: rec.clean,
        config: configSnippet(rec.result),
        flags: flagSnippet(rec.result),
        projections: report.projections.map((p) => {
          const ms = projectMs(p.records, rec.result.recordsPerSecond);
          return { label: p.label, records: p.records, ms: ms === undefined ? null : Math.round(ms) };
        }),
      }
      : null,
  };
}
