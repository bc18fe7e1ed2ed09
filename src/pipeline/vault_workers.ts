/**
 * One vault's share of a load: N workers take batches from the batcher (pulled, never pushed) under a
 * {@linkcode Limiter}, send them, and report each result to the outcome sink as it happens.
 *
 * @module
 */
import type { Clock } from "../common/clock.ts";
import { crashPoint } from "../common/crash_points.ts";
import { VaultUnavailableError } from "../common/errors.ts";
import type { Batch, BatchResult, OutcomeSink, SourceCursor, VaultSource } from "../common/types.ts";
import { batchesOf } from "./batcher.ts";
import { FirstBatchGuard } from "./first_batches.ts";
import { Limiter } from "./pacing/concurrency_limiter.ts";

/**
 * What settles one batch: the insert path ({@linkcode import("../vault/batch_sender.ts").BatchSender})
 * in a load, a read-back ({@linkcode import("../vault/record_checker.ts").RecordChecker}) in `verify`.
 */
export interface BatchHandler {
  /** Settles `batch` and returns how each record ended; rethrows fatal errors and aborts. */
  send(batch: Batch, signal?: AbortSignal): Promise<BatchResult>;
}

/** Where a resumed vault restarts (from the ledger). */
export interface ResumePoint {
  /** Sequence number of the batch whose cursor reading restarts at. */
  startSeq: number;
  /** Cursor of batch `startSeq`; undefined = the source's start. */
  cursor?: SourceCursor;
  /** Batches already settled (done or failed for good) at or above `startSeq`: skipped. */
  terminalSeqs: ReadonlySet<number>;
  /** Unsettled batches below this seq may have been sent before the crash: replay them safely. */
  replayBelowSeq?: number;
}

/** Options of {@linkcode runVault}. */
export interface VaultRunOptions {
  /** Vault name, stamped on each batch and used in messages. */
  vault: string;
  /** Where the records come from (not closed here). */
  source: VaultSource;
  /** Sends one batch with its retries, splits and safe replay. */
  sender: BatchHandler;
  /** Told when each batch starts and with its result when it finishes. */
  sink: OutcomeSink;
  /** Records per batch (> 0). */
  batchSize: number;
  /** Workers (maximum requests in flight). */
  concurrency: number;
  /** Limiter shared with an adaptive controller; @default a fixed one of `concurrency` */
  limiter?: Limiter;
  /** Rows with a smaller position are not processed. @default 0 */
  startRecord?: number;
  /** Rows to process from `startRecord`; 0 = all. @default 0 */
  maxRecords?: number;
  /** When set, values and tokens get the deterministic suffix of this seed; absent = no suffix. */
  suffixSeed?: string;
  /** Delay before each batch, in ms (legacy `base_delay_ms`). @default 0 */
  baseDelayMs?: number;
  /** Where a resumed run restarts (from the ledger); absent = from the source's start. */
  resume?: ResumePoint;
  /** Send every batch through the safe-replay path (a resumed run). @default false */
  replay?: boolean;
  /** Where time comes from (the base delay's sleep). */
  clock: Clock;
  /** Stops taking new batches; in-flight ones finish. */
  intake?: AbortSignal;
  /** Aborts in-flight requests (the batches stay unsettled: replayed on resume). */
  signal?: AbortSignal;
  /** Timing hook for the summary's breakdown: the ms spent waiting for the source, per chunk. */
  onRead?: (ms: number) => void;
  /** Timing hook: the ms spent adding suffixes, per chunk (only with `suffixSeed`). */
  onSuffix?: (ms: number) => void;
  /** Timing hook: the ms slept for `baseDelayMs`, per batch. */
  onBaseDelay?: (ms: number) => void;
  /**
   * Stop with exit 2 when this many first batches are each rejected entirely with one and the same
   * 4xx message (held back unsettled, see {@linkcode FirstBatchGuard}); 0 turns it off. @default 0
   */
  failFastBatches?: number;
  /**
   * Consecutive batches that may exhaust their retries on transient errors before the run stops
   * with {@linkcode VaultUnavailableError} (exit 75). @default 3
   */
  maxExhaustedBatches?: number;
}

/** Sends every batch of one vault. Resolves when the source is exhausted or intake stopped. */
export async function runVault(o: VaultRunOptions): Promise<void> {
  const batches = batchesOf({
    vault: o.vault,
    source: o.source,
    batchSize: o.batchSize,
    startRecord: o.startRecord,
    maxRecords: o.maxRecords,
    suffixSeed: o.suffixSeed,
    from: o.resume?.cursor,
    startSeq: o.resume?.startSeq,
    signal: o.signal,
    onRead: o.onRead,
    onSuffix: o.onSuffix,
  });
  const limiter = o.limiter ?? new Limiter(o.concurrency);
  const terminal = o.resume?.terminalSeqs;
  let failure: { error: unknown } | undefined;
  let exhausted = false;
  let exhaustedInARow = 0;
  const finish = (batch: Batch, result: BatchResult) => o.sink.batchFinished(batch, result);
  const guard = o.failFastBatches
    ? new FirstBatchGuard({ vault: o.vault, finish, threshold: o.failFastBatches })
    : undefined;
  const stopped = () =>
    exhausted || failure !== undefined || o.intake?.aborted === true || o.signal?.aborted === true;

  const worker = async () => {
    while (!stopped()) {
      try {
        await limiter.acquire(o.signal);
      } catch (error) {
        failure ??= { error };
        return;
      }
      try {
        if (stopped()) return;
        const next = await batches.next();
        if (next.done) {
          exhausted = true;
          return;
        }
        const batch = next.value;
        crashPoint("after-read");
        if (terminal?.has(batch.seq)) continue;
        if (o.replay || batch.seq < (o.resume?.replayBelowSeq ?? 0)) batch.replay = true;
        if (o.baseDelayMs) {
          await o.clock.sleep(o.baseDelayMs, o.signal);
          o.onBaseDelay?.(o.baseDelayMs);
        }
        o.sink.batchStarted(batch);
        if (batch.records.length === 0) {
          o.sink.batchFinished(batch, emptyResult());
          continue;
        }
        const result = await o.sender.send(batch, o.signal);
        crashPoint("after-send");
        if (guard) guard.offer(batch, result);
        else o.sink.batchFinished(batch, result);
        exhaustedInARow = exhaustedTransiently(batch, result) ? exhaustedInARow + 1 : 0;
        if (exhaustedInARow >= (o.maxExhaustedBatches ?? 3)) {
          throw new VaultUnavailableError(
            `vault ${o.vault} kept failing after every retry (${exhaustedInARow} batches in a row, last status ` +
              `${result.lastStatus || "network error"}); stopping so the run can be resumed when it is back`,
          );
        }
      } catch (error) {
        failure ??= { error };
        return;
      } finally {
        limiter.release();
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, o.concurrency) }, worker));
  } finally {
    await batches.return(undefined);
  }
  if (failure) throw failure.error;
  guard?.flush();
}

/** True when no record of the batch was settled: every one is left unsettled by exhausted retries. */
function exhaustedTransiently(batch: Batch, result: BatchResult): boolean {
  const unsettled = result.unsettled?.length ?? 0;
  return batch.records.length > 0 && result.loaded === 0 && result.failures.length === 0 &&
    unsettled === batch.records.length;
}

function emptyResult() {
  return {
    loaded: 0,
    failures: [],
    requests: 0,
    retried: false,
    lastStatus: 0,
    replayed: { upsert: 0, readback: 0, resent: 0 },
  };
}
