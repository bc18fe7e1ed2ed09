/**
 * The machine-readable summary of a load (`byot load --json`). Its key names are stable: a
 * change that renames or removes a key bumps `version`. Durations are in ms, rates per second,
 * everything else is a count. No value is ever `NaN` or `Infinity`.
 *
 * @module
 */
import type { RequestKind, RetryReason, SkipReason } from "../common/types.ts";
import { roundTo, safeDiv } from "./format.ts";
import { RETRY_REASONS, SKIP_REASONS, type VaultMetrics } from "./metrics.ts";
import type { RunMetrics } from "./run_metrics.ts";

/** Figures of one vault (or of the run's totals). */
export interface VaultSummaryJson {
  /** Rows the source holds for the vault (in range), or `null` when unknown. */
  total: number | null;
  /** Rows read from the source this run. */
  recordsRead: number;
  /** Records a previous run had settled (skipped on resume). */
  resumed: number;
  /** Of `resumed`: loaded by a previous run. */
  resumedLoaded: number;
  /** Of `resumed`: failed in a previous run (still in the ledger). */
  resumedFailed: number;
  /** Of `resumed`: found already stored as ours by a previous run. */
  resumedAlreadyPresent: number;
  /** Records stored this run. */
  loaded: number;
  /**
   * Of `loaded`: records found already stored under their own token with their own value (a
   * re-run, a resume, another process or loader), by read-back after a rejection.
   */
  alreadyPresent: number;
  /** Records whose outcome is still unknown (transient retries ran out); the same command settles them. */
  unsettled: number;
  /** 2xx answers whose body did not account for every record sent (settled by read-back). */
  unverifiedAnswers: number;
  /** Records that failed for good. */
  failed: number;
  /** Rows skipped (empty or null value or token). */
  skipped: number;
  /** Skipped rows by reason; every reason is present. */
  skippedByReason: Record<SkipReason, number>;
  /** Wall time in ms. */
  elapsedMs: number;
  /** Settled records (loaded + failed + skipped) per second of wall time, 1 decimal. */
  recordsPerSecond: number;
  /** Finished batches with records, by class; `total` is their sum. */
  batches: { total: number; immediate: number; retried: number; failed: number; partial: number };
  /** Requests: `total`, `byKind` (only kinds seen), `byStatus` ("0" = no answer), `rateLimited` (429s). */
  requests: {
    total: number;
    byKind: Partial<Record<RequestKind, number>>;
    byStatus: Record<string, number>;
    rateLimited: number;
  };
  /** Retries: `total` and `byReason` (every reason present). */
  retries: { total: number; byReason: Record<RetryReason, number> };
  /** Records settled through each safe-replay path. */
  replays: { upsert: number; readback: number; resent: number };
  /** Batch splits by reason. */
  splits: { bisect: number; size: number };
  /** Highest number of batches in flight (the sum of the vaults' peaks in `totals`). */
  maxInFlight: number;
  /** Request latency in ms, 3 decimals; all 0 when there were no requests. */
  latencyMs: { count: number; mean: number; min: number; p50: number; p90: number; p99: number; max: number };
  /** Time per activity in ms summed over workers (see the text summary's timing breakdown). */
  timingMs: {
    read: number;
    suffix: number;
    payload: number;
    baseDelay: number;
    api: number;
    retryDelay: number;
  };
  /** `timingMs.api / elapsedMs`: average requests in flight, 2 decimals. */
  averageConcurrency: number;
}

/** Figures of one vault, with its name. */
export interface NamedVaultSummaryJson extends VaultSummaryJson {
  /** The vault's config name. */
  name: string;
}

/** The whole JSON summary. */
export interface SummaryJson {
  /** Schema version of this object. Always 1. */
  version: 1;
  /** The run's ledger id, when there is one. */
  runId?: string;
  /** The command's exit code. */
  exitCode: number;
  /** Run start, ms since the epoch. */
  startedAt: number;
  /** Run end, ms since the epoch, or `null` while running. */
  finishedAt: number | null;
  /** Run wall time in ms. */
  elapsedMs: number;
  /** One entry per vault, in run order. */
  vaults: NamedVaultSummaryJson[];
  /** Sums over every vault, timed over the whole run. */
  totals: VaultSummaryJson;
}

/** Options of {@linkcode summaryJson}. */
export interface SummaryJsonOptions {
  /** The command's exit code. */
  exitCode: number;
  /** The run's ledger id. @default undefined (key omitted) */
  runId?: string;
}

/**
 * Builds the JSON summary object (serialise it with `JSON.stringify`).
 *
 * @example Print the JSON summary on stdout
 * ```ts
 * import { denoIo } from "../common/io.ts";
 * import { RunMetrics } from "./run_metrics.ts";
 *
 * const io = denoIo();
 * const metrics = new RunMetrics({ vaults: ["NAME"] });
 * metrics.finish();
 * io.stdout.write(JSON.stringify(summaryJson(metrics, { exitCode: 0, runId: "r-1" })) + "\n");
 * ```
 */
export function summaryJson(metrics: RunMetrics, options: SummaryJsonOptions): SummaryJson {
  const out: SummaryJson = {
    version: 1,
    ...(options.runId === undefined ? {} : { runId: options.runId }),
    exitCode: options.exitCode,
    startedAt: metrics.startedAt,
    finishedAt: metrics.finishedAt ?? null,
    elapsedMs: roundTo(metrics.elapsedMs(), 3),
    vaults: metrics.vaults().map((m) => ({ name: m.name, ...vaultJson(m) })),
    totals: vaultJson(metrics.totals()),
  };
  return out;
}

function vaultJson(m: VaultMetrics): VaultSummaryJson {
  const elapsed = m.elapsedMs();
  const l = m.latency;
  const t = m.timing;
  const byStatus: Record<string, number> = {};
  for (const [status, n] of [...m.statuses].sort(([a], [b]) => a - b)) byStatus[String(status)] = n;
  return {
    total: m.total ?? null,
    recordsRead: m.recordsRead,
    resumed: m.resumed,
    resumedLoaded: m.resumedLoaded,
    resumedFailed: m.resumedFailed,
    resumedAlreadyPresent: m.resumedAlreadyPresent,
    loaded: m.loaded,
    alreadyPresent: m.alreadyPresent,
    unsettled: m.unsettled,
    unverifiedAnswers: m.unverified,
    failed: m.failed,
    skipped: m.skipped,
    skippedByReason: pick(SKIP_REASONS, m.skippedBy),
    elapsedMs: roundTo(elapsed, 3),
    recordsPerSecond: roundTo(safeDiv(m.loaded + m.failed + m.skipped, elapsed) * 1000, 1),
    batches: { total: m.batchesFinished, ...m.batches },
    requests: {
      total: m.requests,
      byKind: { ...m.requestsByKind },
      byStatus,
      rateLimited: m.rateLimited,
    },
    retries: { total: m.retriesTotal, byReason: pick(RETRY_REASONS, m.retries) },
    replays: { ...m.replays },
    splits: { ...m.splits },
    maxInFlight: m.maxInFlight,
    latencyMs: {
      count: l.count,
      mean: roundTo(l.mean, 3),
      min: roundTo(l.min, 3),
      p50: roundTo(l.percentile(50), 3),
      p90: roundTo(l.percentile(90), 3),
      p99: roundTo(l.percentile(99), 3),
      max: roundTo(l.max, 3),
    },
    timingMs: {
      read: roundTo(t.readMs, 3),
      suffix: roundTo(t.suffixMs, 3),
      payload: roundTo(t.payloadMs, 3),
      baseDelay: roundTo(t.baseDelayMs, 3),
      api: roundTo(t.apiMs, 3),
      retryDelay: roundTo(t.retryDelayMs, 3),
    },
    averageConcurrency: roundTo(safeDiv(t.apiMs, elapsed), 2),
  };
}

function pick<K extends string>(keys: readonly K[], source: Record<K, number>): Record<K, number> {
  const out = {} as Record<K, number>;
  for (const k of keys) out[k] = source[k];
  return out;
}
