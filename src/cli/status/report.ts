/**
 * The figures of `byot status`, computed from the ledger alone: per vault, the rows settled
 * (loaded + failed + skipped), what is still pending, what became of the failed records (still
 * failing, resolved by a retry, purged), and throughput, elapsed time and ETA from the batch
 * timestamps. The source row count (for pending and ETA) is estimated only for unfinished runs.
 *
 * @module
 */
import type { Ledger, RunInfo, VaultSummary } from "../../ledger/mod.ts";
import { estimateDataRows } from "../../sources/csv/row_count.ts";

/** What became of a vault's failed records. */
export interface FailureStates {
  /** Still failing, values kept: what `byot failures retry` sends. */
  unresolved: number;
  /** Loaded by a later retry (or error-log reprocessing). */
  resolved: number;
  /** Still failing, values and tokens purged. */
  purged: number;
}

/** Progress of one vault (or of the whole run). */
export interface VaultStatus {
  /** Vault name, or `"total"`. */
  name: string;
  /** Rows the run covers; `undefined` when unknown. */
  total?: number;
  /** Rows in settled batches (`loaded + failed + skipped`). */
  settled: number;
  /** Records loaded by the run's batches. */
  loaded: number;
  /** Of `loaded`: records found already stored as ours (a re-run, a resume, another process). */
  alreadyPresent: number;
  /** Records of unsettled batches whose outcome is unknown (transient retries ran out). */
  unsettled: number;
  /** Records that failed when the run sent them. */
  failed: number;
  /** Rows skipped (empty or null value or token). */
  skipped: number;
  /** Rows not settled yet; `undefined` when the total is unknown. */
  pending?: number;
  /** What became of the failed records. */
  failures: FailureStates;
  /** Batches by state. */
  batches: { done: number; failed: number; partiallyFailed: number; inFlight: number; pending: number };
  /** Requests made. */
  requests: number;
  /** First batch start, ms since the epoch. */
  startedAt?: number;
  /** Latest batch activity, ms since the epoch. */
  lastActivityAt?: number;
  /** `lastActivityAt - startedAt`, in ms. */
  elapsedMs: number;
  /** Settled rows per second of `elapsedMs`. */
  recordsPerSecond: number;
  /** Time to settle `pending` at `recordsPerSecond`; `undefined` when unknown. */
  etaMs?: number;
  /** Every row is settled (the run finished). */
  finished: boolean;
}

/** The whole report. */
export interface StatusReport {
  /** Path of the state file. */
  stateFile: string;
  /** The run. */
  run: RunInfo;
  /** The run finished (`status === "finished"`). */
  finished: boolean;
  /** The command that resumes the run (`byot load …`); unset when the run cannot be resumed. */
  resumeCommand?: string;
  /** One entry per vault, in the run's order. */
  vaults: VaultStatus[];
  /** Sums over the vaults (elapsed over the whole run, ETA of the slowest vault). */
  totals: VaultStatus;
}

/** Options of {@linkcode buildStatus}. */
export interface BuildStatusOptions {
  /** Counts a CSV file's data rows. @default estimateDataRows */
  countRows?: (path: string) => Promise<number | undefined>;
}

const RESUMABLE = new Set(["running", "interrupted", "failed"]);

/** Computes the status of `run`. Reads the source files (line count) only when it is unfinished. */
export async function buildStatus(
  ledger: Ledger,
  run: RunInfo,
  options: BuildStatusOptions = {},
): Promise<StatusReport> {
  const finished = run.status === "finished";
  const totals = finished ? new Map<string, number>() : await sourceTotals(run, options.countRows);
  const states = failureStates(ledger, run.id);
  const vaults = ledger.runSummary(run.id).map((s) =>
    vaultStatus(s, finished ? s.read : totals.get(s.vault), states.get(s.vault), finished)
  );
  const report: StatusReport = {
    stateFile: ledger.path,
    run,
    finished,
    vaults,
    totals: sumStatus(vaults, finished),
  };
  if (RESUMABLE.has(run.status)) {
    report.resumeCommand = run.command ? `byot ${run.command}` : "byot load (with the options of the run)";
  }
  return report;
}

function vaultStatus(
  s: VaultSummary,
  total: number | undefined,
  failures: FailureStates | undefined,
  runFinished: boolean,
): VaultStatus {
  const elapsedMs = s.firstStartedAt !== undefined && s.lastUpdatedAt !== undefined
    ? Math.max(0, s.lastUpdatedAt - s.firstStartedAt)
    : 0;
  const v: VaultStatus = {
    name: s.vault,
    settled: s.read,
    loaded: s.loaded,
    alreadyPresent: s.alreadyPresent,
    unsettled: s.unsettled,
    failed: s.failed,
    skipped: s.skipped,
    failures: failures ?? { unresolved: 0, resolved: 0, purged: 0 },
    batches: {
      done: s.doneBatches,
      failed: s.failedBatches,
      partiallyFailed: s.partiallyFailedBatches,
      inFlight: s.inFlightBatches,
      pending: s.pendingBatches,
    },
    requests: s.requests,
    elapsedMs,
    recordsPerSecond: elapsedMs > 0 ? s.read / (elapsedMs / 1000) : 0,
    finished: runFinished || s.finished,
  };
  if (s.firstStartedAt !== undefined) v.startedAt = s.firstStartedAt;
  if (s.lastUpdatedAt !== undefined) v.lastActivityAt = s.lastUpdatedAt;
  if (total !== undefined) {
    v.total = Math.max(total, s.read);
    v.pending = v.total - s.read;
    if (v.pending === 0) v.etaMs = 0;
    else if (v.recordsPerSecond > 0) v.etaMs = (v.pending / v.recordsPerSecond) * 1000;
  }
  return v;
}

function sumStatus(vaults: VaultStatus[], finished: boolean): VaultStatus {
  const sum = (f: (v: VaultStatus) => number) => vaults.reduce((n, v) => n + f(v), 0);
  const starts = vaults.flatMap((v) => v.startedAt ?? []);
  const ends = vaults.flatMap((v) => v.lastActivityAt ?? []);
  const elapsedMs = starts.length ? Math.max(0, Math.max(...ends) - Math.min(...starts)) : 0;
  const settled = sum((v) => v.settled);
  const t: VaultStatus = {
    name: "total",
    settled,
    loaded: sum((v) => v.loaded),
    alreadyPresent: sum((v) => v.alreadyPresent),
    unsettled: sum((v) => v.unsettled),
    failed: sum((v) => v.failed),
    skipped: sum((v) => v.skipped),
    failures: {
      unresolved: sum((v) => v.failures.unresolved),
      resolved: sum((v) => v.failures.resolved),
      purged: sum((v) => v.failures.purged),
    },
    batches: {
      done: sum((v) => v.batches.done),
      failed: sum((v) => v.batches.failed),
      partiallyFailed: sum((v) => v.batches.partiallyFailed),
      inFlight: sum((v) => v.batches.inFlight),
      pending: sum((v) => v.batches.pending),
    },
    requests: sum((v) => v.requests),
    elapsedMs,
    recordsPerSecond: elapsedMs > 0 ? settled / (elapsedMs / 1000) : 0,
    finished: finished || vaults.every((v) => v.finished),
  };
  if (starts.length) {
    t.startedAt = Math.min(...starts);
    t.lastActivityAt = Math.max(...ends);
  }
  if (vaults.every((v) => v.total !== undefined)) {
    t.total = sum((v) => v.total!);
    t.pending = sum((v) => v.pending!);
    // vaults run side by side: the run ends with its slowest vault
    if (vaults.every((v) => v.etaMs !== undefined)) t.etaMs = Math.max(0, ...vaults.map((v) => v.etaMs!));
  }
  return t;
}

/** Per vault: still failing (kept), resolved, and still failing but purged. */
function failureStates(ledger: Ledger, runId: string): Map<string, FailureStates> {
  const byVault = (filter: { includeResolved?: boolean; includePurged?: boolean }) =>
    new Map(ledger.countFailures({ runId, ...filter }).byRunVault.map((r) => [r.vault, r.count]));
  const kept = byVault({});
  const unresolved = byVault({ includePurged: true });
  const all = byVault({ includeResolved: true, includePurged: true });
  const out = new Map<string, FailureStates>();
  for (const [vault, n] of all) {
    const open = unresolved.get(vault) ?? 0;
    const keptCount = kept.get(vault) ?? 0;
    out.set(vault, { unresolved: keptCount, resolved: n - open, purged: open - keptCount });
  }
  return out;
}

/** Rows per vault of an unfinished run's source, when the source files are still as they were. */
async function sourceTotals(
  run: RunInfo,
  countRows: (path: string) => Promise<number | undefined> = estimateDataRows,
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const fingerprint = run.fingerprint as Record<string, unknown> | null;
  const settings = (run.settings ?? {}) as { startRecord?: number; maxRecords?: number };
  const range = (rows: number) => {
    const inRange = Math.max(0, rows - (settings.startRecord ?? 0));
    return (settings.maxRecords ?? 0) > 0 ? Math.min(inRange, settings.maxRecords!) : inRange;
  };
  if (!fingerprint || typeof fingerprint !== "object") return out;
  if (fingerprint.kind === "error-log" && typeof fingerprint.records === "number") {
    for (const v of run.vaults) out.set(v.name, range(fingerprint.records));
    return out;
  }
  for (const v of run.vaults) {
    const files = fingerprint[v.name];
    const first = Array.isArray(files) ? files[0] as { path?: unknown; size?: unknown } : undefined;
    if (typeof first?.path !== "string" || typeof first.size !== "number") continue;
    try {
      if ((await Deno.stat(first.path)).size !== first.size) continue;
    } catch {
      continue;
    }
    const rows = await countRows(first.path);
    if (rows !== undefined) out.set(v.name, range(rows));
  }
  return out;
}
