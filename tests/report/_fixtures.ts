/**
 * Batches and batch results for the report tests.
 *
 * @module
 */
import type { Batch, BatchResult, SkipReason } from "../../src/common/types.ts";

/** A batch of `records` placeholder records for `vault`, with `skipped` rows. */
export function batch(
  vault: string,
  records: number,
  skipped: Partial<Record<SkipReason, number>> = {},
): Batch {
  return {
    vault,
    seq: 0,
    firstPosition: 0,
    endPosition: records,
    records: Array.from({ length: records }, (_, i) => ({ position: i, value: "v", token: "t" })),
    skipped,
    cursor: { position: 0 },
  };
}

/** A result with `loaded` records stored and `failed` rejected with 400; `retried` costs a second request. */
export function result(loaded: number, failed: number, retried = false): BatchResult {
  return {
    loaded,
    failures: Array.from({ length: failed }, (_, i) => ({
      record: { position: i, value: "v", token: "t" },
      status: 400,
      message: "bad",
      retryable: false,
      attempts: 1,
    })),
    requests: retried ? 2 : 1,
    retried,
    lastStatus: 200,
    replayed: { upsert: 0, readback: 0, resent: 0 },
  };
}
