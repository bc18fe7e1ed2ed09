/**
 * The writes a {@linkcode import("./sink.ts").LedgerSink} buffers between group commits: a batch
 * started or finished (with its failed records) and interval samples, and how each is applied.
 *
 * @module
 */
import type { Batch, BatchResult } from "../common/types.ts";
import type { IntervalSample } from "../report/interval_sampler.ts";
import type { Store } from "./_store.ts";
import { FAILURE_UPSERT_SQL, FINISHED_SQL, RESOLVE_SQL, STARTED_SQL } from "./_sql.ts";
import { insertSample } from "./samples.ts";
import type { BatchStatus } from "./schema.ts";

/** The batch columns of a started or finished op. */
export interface BatchRow {
  /** Vault name. */
  vault: string;
  /** Batch sequence number. */
  seq: number;
  /** Position of its first record. */
  firstPosition: number;
  /** Position after its last record. */
  endPosition: number;
  /** Records it carries. */
  recordCount: number;
  /** Rows skipped in its range. */
  skippedCount: number;
  /** Skipped rows by reason, as JSON. */
  skippedJson: string;
  /** The source cursor at its start, as JSON. */
  cursorJson: string;
  /** When it started (ms since the epoch). */
  at: number;
  /** Content checksum (resume proof), when known. */
  checksum: string | null;
}

/** One write the sink buffers until its group commit. */
export type Op =
  | { kind: "started"; row: BatchRow }
  | { kind: "samples"; samples: IntervalSample[] }
  | {
    kind: "finished";
    row: BatchRow;
    status: BatchStatus;
    result: BatchResult;
    succeeded: number[];
  };

/** Writes one buffered op (inside the sink's transaction). */
export function applyOp(store: Store, runId: string, recordBatches: boolean, op: Op): void {
  if (op.kind === "samples") {
    for (const sample of op.samples) insertSample(store, runId, sample);
    return;
  }
  const r = op.row;
  if (op.kind === "started") {
    store.run(
      STARTED_SQL,
      runId,
      ...batchColumns(r),
      r.at,
      r.checksum,
    );
    return;
  }
  const { result } = op;
  const now = store.clock.now();
  if (recordBatches) {
    store.run(
      FINISHED_SQL,
      runId,
      ...batchColumns(r),
      op.status,
      result.requests,
      result.lastStatus,
      result.requestId ?? null,
      result.loaded,
      result.failures.length,
      r.at,
      now,
      r.checksum,
      result.alreadyPresent ?? 0,
      result.unverified ?? 0,
      result.unsettled?.length ?? 0,
    );
  }
  for (const position of op.succeeded) store.run(RESOLVE_SQL, now, runId, r.vault, position);
  const failures = recordBatches ? result.failures : [...result.failures, ...(result.unsettled ?? [])];
  for (const f of failures) {
    store.run(
      FAILURE_UPSERT_SQL,
      runId,
      r.vault,
      f.record.position,
      r.seq,
      f.record.value,
      f.record.token,
      f.status,
      f.message,
      f.requestId ?? null,
      f.retryable ? 1 : 0,
      f.attempts,
      now,
      now,
      f.verdict ?? null,
    );
  }
}

/** The columns a started and a finished batch row share, in the order of their statements. */
function batchColumns(r: BatchRow): [string, number, number, number, number, number, string, string] {
  return [
    r.vault,
    r.seq,
    r.firstPosition,
    r.endPosition,
    r.recordCount,
    r.skippedCount,
    r.skippedJson,
    r.cursorJson,
  ];
}

/** The batch columns of `batch`, stamped `at`. */
export function batchRow(batch: Batch, at: number): BatchRow {
  let skippedCount = 0;
  for (const n of Object.values(batch.skipped)) skippedCount += n ?? 0;
  return {
    vault: batch.vault,
    seq: batch.seq,
    firstPosition: batch.firstPosition,
    endPosition: batch.endPosition,
    recordCount: batch.records.length,
    skippedCount,
    skippedJson: JSON.stringify(batch.skipped),
    cursorJson: JSON.stringify(batch.cursor),
    at,
    checksum: batch.checksum ?? null,
  };
}
