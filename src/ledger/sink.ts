/**
 * The ledger's {@linkcode OutcomeSink}: batch outcomes and failed records are buffered in memory and
 * written in one transaction per group (every `commitIntervalMs`, or sooner when `maxPending` rows
 * wait), so a load pays a few commits per second instead of one per batch.
 *
 * Crash safety: a batch's outcome can be lost only if the process dies within one commit interval
 * of it; such a batch is then re-sent on resume. Because its request may have been applied, every
 * batch that may have been sent is covered by a *send reservation*: before the first batch with
 * `seq ≥ reserved` is sent, `reserved = seq + reserveAhead` is committed synchronously (one small
 * commit per `reserveAhead` batches). On resume, unsettled batches below the reservation are
 * replayed safely; batches above it were certainly never sent. The reservation's commit is the one
 * commit made with `synchronous=FULL` (fsynced), so it survives a power loss even when the group
 * commits (`synchronous=NORMAL`) roll back; and since every rejection is read back, even a lost
 * reservation would cost read-backs, never false failures.
 *
 * A batch with records left unsettled (transient retries ran out) keeps the status `in_flight`: it
 * is not settled, and the same command replays it.
 *
 * @module
 */
import { crashPoint } from "../common/crash_points.ts";
import type { Batch, BatchResult, OutcomeSink } from "../common/types.ts";
import { CheckpointError } from "../common/errors.ts";
import { int, type Store } from "./_store.ts";
import { advanceSettled } from "./settled.ts";
import type { IntervalSample } from "../report/interval_sampler.ts";
import { RESERVE_SQL } from "./_sql.ts";
import type { BatchStatus } from "./schema.ts";
import { applyOp, type BatchRow, batchRow, type Op } from "./sink_ops.ts";

/** Options of {@linkcode LedgerSink}. */
export interface LedgerSinkOptions {
  /** Longest time an outcome waits in memory before its group is committed, in ms. @default 200 */
  commitIntervalMs?: number;
  /** Commit at once when this many rows (batch updates + failed records) are waiting. @default 500 */
  maxPending?: number;
  /** Batches covered by one synchronous send reservation. @default 128 */
  reserveAhead?: number;
  /** Write batch rows (resume state). `false` for `failures retry`, which resumes from the failures. @default true */
  recordBatches?: boolean;
  /**
   * Mark stored failures of the records a batch loaded as resolved (one UPDATE per record): for
   * `failures retry` and error-log reprocessing. @default false
   */
  resolveSucceeded?: boolean;
  /** Called when a timed commit fails (the error is also thrown by the next call). @default none */
  onError?: (error: CheckpointError) => void;
}

/**
 * Records batch outcomes of one run in the ledger with group commits. Create it with
 * `Ledger.sink(runId)`; call {@linkcode LedgerSink.close} when the run ends.
 */
export class LedgerSink implements OutcomeSink {
  /** Run id. */
  readonly runId: string;
  #store: Store;
  #interval: number;
  #maxPending: number;
  #reserveAhead: number;
  #recordBatches: boolean;
  #resolve: boolean;
  #onError?: (error: CheckpointError) => void;
  #ops: Op[] = [];
  #pendingRows = 0;
  /** Rows of batches started and not finished, by `vault\0seq`. */
  #inFlight = new Map<string, BatchRow>();
  /** Index in `#ops` of a started op not yet committed: a finish replaces it (one write, not two). */
  #bufferedStart = new Map<string, number>();
  #reserved = new Map<string, number>();
  /** `PRAGMA synchronous` of the connection (2 = FULL); reservations are raised to FULL. */
  #synchronous: number;
  #timer?: AbortController;
  #error?: CheckpointError;
  #closed = false;

  /** Use `Ledger.sink()`; the store is internal. */
  constructor(store: Store, runId: string, options: LedgerSinkOptions = {}) {
    this.#store = store;
    this.runId = runId;
    this.#interval = options.commitIntervalMs ?? 200;
    this.#maxPending = Math.max(1, options.maxPending ?? 500);
    this.#reserveAhead = Math.max(1, options.reserveAhead ?? 128);
    this.#recordBatches = options.recordBatches ?? true;
    this.#resolve = options.resolveSucceeded ?? false;
    this.#onError = options.onError;
    this.#synchronous = int(store.get("PRAGMA synchronous")?.synchronous, 2);
    for (const row of store.all("SELECT vault, reserved_seq FROM run_vaults WHERE run_id = ?", runId)) {
      this.#reserved.set(String(row.vault), int(row.reserved_seq));
    }
  }

  /** Rows waiting for the next commit. */
  get pending(): number {
    return this.#pendingRows;
  }

  /** Records the batch as in flight; commits a send reservation first when the batch needs one. */
  batchStarted(batch: Batch): void {
    this.#assertOpen();
    if (this.#error) throw this.#error;
    if (!this.#recordBatches) return;
    const row = batchRow(batch, this.#store.clock.now());
    const key = `${batch.vault}\u0000${batch.seq}`;
    this.#inFlight.set(key, row);
    this.#bufferedStart.set(key, this.#ops.length);
    this.#push({ kind: "started", row }, 1);
    const reserved = this.#reserved.get(batch.vault) ?? 0;
    if (batch.seq >= reserved) {
      const upTo = batch.seq + this.#reserveAhead;
      this.#commit(() => this.#store.run(RESERVE_SQL, this.runId, batch.vault, upTo), true);
      this.#reserved.set(batch.vault, upTo);
    }
  }

  /** Buffers the batch's final state and one row per failed record. */
  batchFinished(batch: Batch, result: BatchResult): void {
    this.#assertOpen();
    const key = `${batch.vault}\u0000${batch.seq}`;
    const row = this.#inFlight.get(key) ?? batchRow(batch, this.#store.clock.now());
    this.#inFlight.delete(key);
    const unsettled = result.unsettled ?? [];
    const status: BatchStatus = unsettled.length > 0
      ? "in_flight"
      : result.failures.length === 0
      ? "done"
      : result.loaded === 0
      ? "failed"
      : "partially_failed";
    let succeeded: number[] = [];
    if (this.#resolve) {
      const failed = new Set([...result.failures, ...unsettled].map((f) => f.record.position));
      succeeded = batch.records.map((r) => r.position).filter((p) => !failed.has(p));
    }
    const op: Op = { kind: "finished", row, status, result, succeeded };
    const rows = result.failures.length + succeeded.length + (this.#recordBatches ? 0 : unsettled.length);
    const index = this.#bufferedStart.get(key);
    this.#bufferedStart.delete(key);
    if (index !== undefined) {
      this.#ops[index] = op;
      this.#push(undefined, rows);
    } else {
      this.#push(op, rows + (this.#recordBatches ? 1 : 0));
    }
  }

  /**
   * Buffers interval samples for the next group commit (they never force a commit of their own, so
   * sampling costs the load no extra transaction).
   */
  recordSamples(samples: IntervalSample[]): void {
    this.#assertOpen();
    if (samples.length === 0) return;
    this.#ops.push({ kind: "samples", samples });
    this.#schedule();
  }

  /** Commits everything buffered now. @throws {CheckpointError} when the commit fails. */
  flush(): void {
    if (this.#ops.length === 0) {
      this.#cancelTimer();
      if (this.#error) throw this.#error;
      return;
    }
    this.#commit();
  }

  /** Flushes and stops the timer. Safe to call twice. */
  close(): void {
    if (this.#closed) return;
    try {
      this.flush();
    } finally {
      this.#closed = true;
      this.#cancelTimer();
    }
  }

  #push(op: Op | undefined, rows: number): void {
    if (op) this.#ops.push(op);
    this.#pendingRows += rows;
    if (this.#pendingRows >= this.#maxPending) this.#commit();
    else this.#schedule();
  }

  /** Commits the buffered ops (and `extra`); `durable`: fsynced (`synchronous=FULL`) whatever the default. */
  #commit(extra?: () => void, durable = false): void {
    const ops = this.#ops;
    const store = this.#store;
    const raise = durable && this.#synchronous < 2;
    try {
      if (raise) store.guard("raise synchronous", () => store.db.exec("PRAGMA synchronous = FULL"));
      try {
        store.transaction(() => {
          for (const op of ops) applyOp(this.#store, this.runId, this.#recordBatches, op);
          extra?.();
          if (this.#recordBatches) {
            const settledVaults = new Set(
              ops.filter((op) => op.kind === "finished").map((op) => op.row.vault),
            );
            for (const vault of settledVaults) advanceSettled(store, this.runId, vault);
          }
        });
      } finally {
        if (raise) {
          store.guard(
            "restore synchronous",
            () => store.db.exec(`PRAGMA synchronous = ${this.#synchronous}`),
          );
        }
      }
    } catch (error) {
      this.#error = error instanceof CheckpointError
        ? error
        : new CheckpointError(`state file ${store.path}: could not record outcomes`, { cause: error });
      throw this.#error;
    }
    this.#error = undefined;
    this.#ops = [];
    this.#bufferedStart.clear();
    this.#pendingRows = 0;
    this.#cancelTimer();
    if (ops.length > 0) crashPoint("after-commit");
  }

  #schedule(): void {
    if (this.#timer || this.#closed) return;
    const timer = new AbortController();
    this.#timer = timer;
    this.#store.clock.sleep(this.#interval, timer.signal).then(() => {
      if (this.#timer !== timer) return;
      this.#timer = undefined;
      if (this.#ops.length === 0) return;
      try {
        this.#commit();
      } catch (error) {
        this.#onError?.(error as CheckpointError);
        this.#schedule();
      }
    }, () => {});
  }

  #cancelTimer(): void {
    const timer = this.#timer;
    this.#timer = undefined;
    timer?.abort();
  }

  #assertOpen(): void {
    if (this.#closed) throw new CheckpointError(`ledger sink of run ${this.runId} is closed`);
  }
}
