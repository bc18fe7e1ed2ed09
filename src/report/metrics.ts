/**
 * Counters for one vault's load: records, batch classes, requests, retries, replays, splits,
 * latency and the legacy loader's timing breakdown. The pipeline and vault client update it as
 * work happens (through {@linkcode RunMetrics} and its observer); the progress line, the summary
 * and the JSON summary read it. Every update is O(1).
 *
 * @module
 */
import { Stopwatch } from "./stopwatch.ts";
import type { Clock } from "../common/clock.ts";
import type { Batch, BatchResult, RequestKind, RetryReason, SkipReason } from "../common/types.ts";
import { LatencyHistogram } from "./histogram.ts";
import { SlidingRate } from "./rate.ts";

/** Every skip reason, in display order. */
export const SKIP_REASONS: readonly SkipReason[] = ["empty_value", "empty_token", "null_value", "null_token"];

/** Every retry reason, in display order. */
export const RETRY_REASONS: readonly RetryReason[] = ["429", "5xx", "408", "network", "timeout", "size"];

/** How finished batches ended. A batch without records (all rows skipped) is in no class. */
export interface BatchCounts {
  /** Every record stored, and no request of the batch was retried. */
  immediate: number;
  /** Every record stored after at least one retry. */
  retried: number;
  /** Every record failed for good. */
  failed: number;
  /** Some records stored, some failed for good. */
  partial: number;
}

/**
 * Time spent per activity, in ms, summed over all workers (so parallel activities can add up to
 * more than the wall time). The pipeline adds `readMs` … `baseDelayMs`; `apiMs` and `retryDelayMs`
 * come from observer events.
 */
export interface TimingBreakdown {
  /** Reading the source. */
  readMs: number;
  /** Appending suffixes to values and tokens. */
  suffixMs: number;
  /** Building request bodies (records written straight into JSON bytes). */
  payloadMs: number;
  /** The configured pause before each batch. */
  baseDelayMs: number;
  /** Waiting for vault answers (sum of request latencies). */
  apiMs: number;
  /** Backoff sleeps before retries (as planned by the client). */
  retryDelayMs: number;
}

/** Options of {@linkcode VaultMetrics}. */
export interface VaultMetricsOptions {
  /** Where time comes from. */
  clock: Clock;
  /** Window of the live rec/s estimate in ms. @default 10000 */
  rateWindowMs?: number;
  /** Rows the source holds for this vault, for % and ETA. @default undefined (unknown) */
  total?: number;
}

/**
 * The metrics of one vault.
 *
 * @example Count a batch the vault stored on the first request
 * ```ts
 * import { systemClock } from "../common/clock.ts";
 * import type { Batch } from "../common/types.ts";
 *
 * const m = new VaultMetrics("NAME", { clock: systemClock });
 * const batch: Batch = {
 *   vault: "NAME",
 *   seq: 0,
 *   firstPosition: 0,
 *   endPosition: 1,
 *   records: [{ position: 0, value: "v", token: "t" }],
 *   skipped: {},
 *   cursor: { position: 0 },
 * };
 * m.batchStarted(batch);
 * const replayed = { upsert: 0, readback: 0, resent: 0 };
 * m.batchFinished(batch, { loaded: 1, failures: [], requests: 1, retried: false, lastStatus: 200, replayed });
 * if (m.batches.immediate !== 1 || m.inFlight !== 0) throw new Error("unexpected");
 * ```
 */
export class VaultMetrics {
  /** The vault's config name. */
  readonly name: string;
  /**
   * Rows the source holds for this vault (in the selected range), when known, including those a
   * previous run settled (`resumed`); drives % and ETA.
   */
  total?: number;
  /** Rows of the finished batches (records plus skipped rows); read = loaded + failed + skipped. */
  recordsRead = 0;
  /** Records a previous run already settled (skipped on resume); shown in progress, not in rates. */
  resumed = 0;
  /** Of `resumed`: records a previous run loaded. */
  resumedLoaded = 0;
  /** Of `resumed`: records a previous run recorded as failed. */
  resumedFailed = 0;
  /** Of `resumed`: records a previous run found already stored as ours. */
  resumedAlreadyPresent = 0;
  /** Records now stored in the vault. */
  loaded = 0;
  /** Of `loaded`: records found already stored as ours (read back after a rejection). */
  alreadyPresent = 0;
  /** Records whose outcome is still unknown (transient retries ran out): the same command settles them. */
  unsettled = 0;
  /** 2xx answers whose body did not account for the records sent (settled by read-back). */
  unverified = 0;
  /** Records that failed for good. */
  failed = 0;
  /** Rows skipped (empty or null value/token). */
  skipped = 0;
  /** Skipped rows by reason. */
  readonly skippedBy: Record<SkipReason, number> = {
    empty_value: 0,
    empty_token: 0,
    null_value: 0,
    null_token: 0,
  };
  /** Finished batches by class. */
  readonly batches: BatchCounts = { immediate: 0, retried: 0, failed: 0, partial: 0 };
  /** Requests answered (or failed with status 0), any kind. */
  requests = 0;
  /** Requests by kind. */
  readonly requestsByKind: Partial<Record<RequestKind, number>> = {};
  /** Requests by HTTP status (0 = no answer). */
  readonly statuses: Map<number, number> = new Map();
  /** 429 answers. */
  rateLimited = 0;
  /** Retries by reason. */
  readonly retries: Record<RetryReason, number> = {
    "429": 0,
    "5xx": 0,
    "408": 0,
    network: 0,
    timeout: 0,
    size: 0,
  };
  /** Records settled through each safe-replay path. */
  readonly replays: { upsert: number; readback: number; resent: number } = {
    upsert: 0,
    readback: 0,
    resent: 0,
  };
  /** Batch splits by reason. */
  readonly splits: { bisect: number; size: number } = { bisect: 0, size: 0 };
  /** Batches sent and not finished yet. */
  inFlight = 0;
  /** Highest `inFlight` seen. */
  maxInFlight = 0;
  /**
   * The vault's live pacing, when the pipeline shares it: requests holding a concurrency slot now
   * and the current concurrency limit (fixed, or adapted with `--concurrency auto`).
   */
  limiter?: { readonly active: number; readonly limit: number };
  /** Request latencies. */
  readonly latency: LatencyHistogram = new LatencyHistogram();
  /** Time spent per activity. */
  readonly timing: TimingBreakdown = {
    readMs: 0,
    suffixMs: 0,
    payloadMs: 0,
    baseDelayMs: 0,
    apiMs: 0,
    retryDelayMs: 0,
  };
  /** Settled records (loaded + failed + skipped) per second, over a sliding window. */
  readonly rate: SlidingRate;
  /** Start and finish: wall-clock timestamps, monotonic elapsed time. */
  readonly span: Stopwatch;

  readonly #clock: Clock;
  readonly #started = new WeakSet<Batch>();

  /** Creates the metrics of vault `name`; `startedAt` is now. */
  constructor(name: string, options: VaultMetricsOptions) {
    this.name = name;
    this.#clock = options.clock;
    this.total = options.total;
    this.span = new Stopwatch(this.#clock);
    this.rate = new SlidingRate({
      clock: this.#clock,
      windowMs: options.rateWindowMs,
      startedAt: this.span.startMonotonic,
    });
  }

  /** When the vault's work began, in wall-clock ms since the epoch. */
  get startedAt(): number {
    return this.span.startedAt;
  }

  /** When the vault's work ended, in wall-clock ms since the epoch; unset while running. */
  get finishedAt(): number | undefined {
    return this.span.finishedAt;
  }

  /** Marks the start of work at wall time `at` (resets the start time and the rate window). */
  start(at: number = this.#clock.now()): void {
    this.span.start(at);
    this.rate.reset(this.span.startMonotonic);
  }

  /** Marks the end of work; elapsed time stops growing. */
  finish(at: number = this.#clock.now()): void {
    this.span.finish(at);
  }

  /** Time of the vault's work so far (or in total once finished), in monotonic ms; never negative. */
  elapsedMs(): number {
    return this.span.elapsedMs();
  }

  /** Records settled so far, this run or a previous one: resumed + loaded + failed + skipped. */
  get done(): number {
    return this.resumed + this.loaded + this.failed + this.skipped;
  }

  /** Finished batches that had records. */
  get batchesFinished(): number {
    const b = this.batches;
    return b.immediate + b.retried + b.failed + b.partial;
  }

  /** Retries of any reason. */
  get retriesTotal(): number {
    let n = 0;
    for (const r of RETRY_REASONS) n += this.retries[r];
    return n;
  }

  /** The batch was sent: counts it in flight until {@linkcode batchFinished}. */
  batchStarted(batch: Batch): void {
    if (this.#started.has(batch)) return;
    this.#started.add(batch);
    this.inFlight++;
    if (this.inFlight > this.maxInFlight) this.maxInFlight = this.inFlight;
  }

  /**
   * The batch has its final result: counts loaded, failed and skipped records and the batch's
   * class, and ends its in-flight time if {@linkcode batchStarted} was called for it.
   * `result.requests` and `result.replayed` are not counted here: the observer's `request` and
   * `replay` events already count them.
   */
  batchFinished(batch: Batch, result: BatchResult): void {
    if (this.#started.delete(batch) && this.inFlight > 0) this.inFlight--;
    const failed = result.failures.length;
    let skipped = 0;
    for (const reason of SKIP_REASONS) {
      const n = batch.skipped[reason];
      if (n) {
        this.skippedBy[reason] += n;
        skipped += n;
      }
    }
    this.recordsRead += batch.records.length + skipped;
    this.loaded += result.loaded;
    this.alreadyPresent += result.alreadyPresent ?? 0;
    this.unsettled += result.unsettled?.length ?? 0;
    this.unverified += result.unverified ?? 0;
    this.failed += failed;
    this.skipped += skipped;
    this.rate.add(result.loaded + failed + skipped);
    if (batch.records.length === 0) return;
    if (failed === 0) {
      if (result.retried) this.batches.retried++;
      else this.batches.immediate++;
    } else if (result.loaded === 0) this.batches.failed++;
    else this.batches.partial++;
  }

  /** A request got an answer (or none: status 0) after `latencyMs`. */
  requestDone(kind: RequestKind, status: number, latencyMs: number): void {
    this.requests++;
    this.requestsByKind[kind] = (this.requestsByKind[kind] ?? 0) + 1;
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
    if (status === 429) this.rateLimited++;
    this.latency.record(latencyMs);
    if (latencyMs > 0) this.timing.apiMs += latencyMs;
  }

  /** A request will be retried after `delayMs`. */
  retryPlanned(reason: RetryReason, delayMs: number): void {
    this.retries[reason]++;
    if (delayMs > 0) this.timing.retryDelayMs += delayMs;
  }

  /**
   * Adds every counter of `other` into this one (for run totals). Start becomes the earliest,
   * finish the latest (unset if any is unset), total the sum (unset if any is unknown).
   */
  merge(other: VaultMetrics): void {
    this.total = this.total === undefined || other.total === undefined ? undefined : this.total + other.total;
    this.recordsRead += other.recordsRead;
    this.resumed += other.resumed;
    this.resumedLoaded += other.resumedLoaded;
    this.resumedFailed += other.resumedFailed;
    this.resumedAlreadyPresent += other.resumedAlreadyPresent;
    this.loaded += other.loaded;
    this.alreadyPresent += other.alreadyPresent;
    this.unsettled += other.unsettled;
    this.unverified += other.unverified;
    this.failed += other.failed;
    this.skipped += other.skipped;
    addInto(this.skippedBy, other.skippedBy);
    addInto(this.batches, other.batches);
    this.requests += other.requests;
    addInto(this.requestsByKind, other.requestsByKind);
    for (const [status, n] of other.statuses) this.statuses.set(status, (this.statuses.get(status) ?? 0) + n);
    this.rateLimited += other.rateLimited;
    addInto(this.retries, other.retries);
    addInto(this.replays, other.replays);
    addInto(this.splits, other.splits);
    this.inFlight += other.inFlight;
    this.maxInFlight += other.maxInFlight;
    this.latency.merge(other.latency);
    addInto(this.timing, other.timing);
    this.span.merge(other.span);
  }
}

function addInto<K extends string>(
  target: Partial<Record<K, number>>,
  source: Partial<Record<K, number>>,
): void {
  for (const key of Object.keys(source) as K[]) target[key] = (target[key] ?? 0) + (source[key] ?? 0);
}
