/**
 * The running tally of one batch's outcome while the sender works through splits, retries and
 * replays. Turned into a {@linkcode BatchResult} at the end.
 *
 * @module
 */
import type { BatchResult, FailedRecord, SourceRecord } from "../common/types.ts";
import type { Attempted } from "./client.ts";

/** Mutable per-batch tally. */
export class BatchTally {
  /** Records stored so far (including those an earlier attempt had stored). */
  loaded = 0;
  /** Records failed for good so far. */
  readonly failures: FailedRecord[] = [];
  /** HTTP requests made so far, retries included. */
  requests = 0;
  /** True once any request for the batch was retried. */
  retried = false;
  /** HTTP status of the last answer (0 for none, or a transport failure). */
  lastStatus = 0;
  /** The most recent `X-Request-Id` seen; undefined until an answer carries one. */
  requestId?: string;
  /** Records settled through each safe-replay path. */
  readonly replayed = { upsert: 0, readback: 0, resent: 0 };
  /** Of `loaded`: records a read-back after a rejection found already stored as ours. */
  alreadyPresent = 0;
  /** 2xx answers whose body did not account for every record sent. */
  unverified = 0;
  /** Records whose outcome is still unknown (transient retries ran out): not failed, not loaded. */
  readonly unsettled: FailedRecord[] = [];

  /** Accounts for one request outcome (its retries included). */
  count(attempted: Attempted): void {
    this.requests += attempted.requests;
    if (attempted.requests > 1) this.retried = true;
    if (attempted.kind === "answer") {
      this.lastStatus = attempted.answer.status;
      this.requestId = attempted.answer.requestId ?? this.requestId;
    } else {
      this.lastStatus = attempted.status;
      this.requestId = attempted.requestId ?? this.requestId;
    }
  }

  /** Records `records` as failed for good. */
  fail(
    records: readonly SourceRecord[],
    init: Omit<FailedRecord, "record">,
  ): void {
    for (const record of records) this.failures.push({ record, ...init });
  }

  /** Records `records` as unsettled: their outcome is unknown and a resume settles them. */
  leave(
    records: readonly SourceRecord[],
    init: { status: number; message: string; requestId?: string; attempts: number },
  ): void {
    for (const record of records) this.unsettled.push({ record, ...init, retryable: true });
  }

  /** The final result. */
  result(): BatchResult {
    return {
      loaded: this.loaded,
      failures: this.failures,
      requests: this.requests,
      retried: this.retried,
      lastStatus: this.lastStatus,
      requestId: this.requestId,
      replayed: this.replayed,
      alreadyPresent: this.alreadyPresent,
      unverified: this.unverified,
      unsettled: this.unsettled,
    };
  }
}
