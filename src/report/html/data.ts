/**
 * What the HTML run report shows, as plain data: the command that writes the report gathers it
 * from the ledger; the renderer only lays it out.
 *
 * @module
 */
import type { IntervalSample } from "../interval_sampler.ts";

/** One row of the report's tables: a vault, or the run's totals. */
export interface ReportVault {
  /** Vault name, or `total`. */
  name: string;
  /** Rows the run covers, when known. */
  total?: number;
  /** Records loaded (already-present ones excluded). */
  loaded: number;
  /** Records the vault already held under their own token. */
  alreadyPresent: number;
  /** Records that failed when sent. */
  failed: number;
  /** Rows skipped (empty or null value or token). */
  skipped: number;
  /** Rows not settled yet, when the total is known. */
  pending?: number;
  /** Failed records still failing (what `byot failures retry` sends). */
  unresolvedFailures: number;
  /** Failed records a later retry loaded. */
  resolvedFailures: number;
  /** Requests made. */
  requests: number;
  /** 429 answers (from the samples). */
  rateLimited: number;
  /** Retries of any reason (from the samples). */
  retries: number;
  /** Typical request latency: the request-weighted median of the samples' p50, in ms. */
  latencyP50Ms?: number;
  /** Worst sampled p99 request latency, in ms. */
  latencyP99Ms?: number;
  /** Settled rows per second over the vault's active time. */
  recordsPerSecond: number;
  /** Time from the first batch to the latest activity, in ms. */
  elapsedMs: number;
  /** Time left at the current pace, when known. */
  etaMs?: number;
  /** Every row settled. */
  finished: boolean;
}

/** The run the report is about. */
export interface ReportRun {
  /** Run id. */
  id: string;
  /** `running`, `finished`, `interrupted`, `failed`, `abandoned`. */
  status: string;
  /** `csv`, `snowflake`, `error-log`. */
  sourceKind: string;
  /** Shard `i/n`, when sharded. */
  shard?: string;
  /** The command line that started it (secrets already redacted). */
  command?: string;
  /** Created, ms since the epoch. */
  createdAt: number;
  /** Last status change, ms since the epoch. */
  updatedAt: number;
  /** Finished, ms since the epoch. */
  finishedAt?: number;
}

/** Everything one report shows. */
export interface RunReportData {
  /** byot's version. */
  version: string;
  /** When the report was written, ms since the epoch. */
  generatedAt: number;
  /** The state file's path, as given. */
  stateFile: string;
  /** The run. */
  run: ReportRun;
  /** One row per vault, in the run's order. */
  vaults: ReportVault[];
  /** The sums over the vaults. */
  totals: ReportVault;
  /** Every interval sample of the run, by vault then time. */
  samples: IntervalSample[];
  /** Records still failing (purged ones included), by HTTP status of their last answer (0 = none). */
  failuresByStatus: { status: number; count: number }[];
}
