/**
 * What a run claims it loaded, per vault: the position ranges of its settled batches minus the
 * records it stored as failed (and not since resolved). `byot verify --run ID` checks exactly those.
 *
 * @module
 */
import { int, type Store } from "./_store.ts";
import { settledOf } from "./settled.ts";

/** The positions a run settled as loaded for one vault. */
export class RunCoverage {
  /** Sorted, disjoint `[first, end)` ranges of settled batches (adjacent ones merged). */
  readonly ranges: readonly (readonly [number, number])[];
  /** Positions inside the ranges that the run stored as failed (still unresolved). */
  readonly failed: ReadonlySet<number>;

  /**
   * Wraps ranges and failures read by {@linkcode runCoverage}.
   *
   * @param ranges sorted, disjoint ranges.
   * @param failed failed positions inside them.
   */
  constructor(ranges: readonly (readonly [number, number])[], failed: ReadonlySet<number>) {
    this.ranges = ranges;
    this.failed = failed;
  }

  /** Records in the ranges, failed ones included (an upper bound of what will be checked). */
  get size(): number {
    return this.ranges.reduce((n, [a, b]) => n + (b - a), 0);
  }

  /** True when the run loaded the record at `position`. */
  has(position: number): boolean {
    if (this.failed.has(position)) return false;
    let lo = 0;
    let hi = this.ranges.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const [first, end] = this.ranges[mid];
      if (position < first) hi = mid - 1;
      else if (position >= end) lo = mid + 1;
      else return true;
    }
    return false;
  }
}

/**
 * Reads the coverage of `vault` in `runId` (batches `done` or `partially_failed`). Batches below the
 * settled watermark (`settled.ts`) are one range, from batch 0's first row to the end of the last
 * batch below it (both rows are always kept); a wholly failed batch inside it is covered by the
 * range, and its records are excluded as stored failures.
 */
export function runCoverage(store: Store, runId: string, vault: string): RunCoverage {
  const ranges: [number, number][] = [];
  const { belowSeq } = settledOf(store, runId, vault);
  if (belowSeq > 0) {
    const first = store.get(
      "SELECT first_position AS p FROM batches WHERE run_id = ? AND vault = ? AND seq = 0",
      runId,
      vault,
    );
    const end = store.get(
      "SELECT end_position AS p FROM batches WHERE run_id = ? AND vault = ? AND seq = ?",
      runId,
      vault,
      belowSeq - 1,
    );
    if (first && end) ranges.push([int(first.p), int(end.p)]);
  }
  for (
    const r of store.all(
      `SELECT first_position, end_position FROM batches
       WHERE run_id = ? AND vault = ? AND seq >= ? AND status IN ('done','partially_failed')
       ORDER BY first_position`,
      runId,
      vault,
      belowSeq,
    )
  ) {
    const first = int(r.first_position);
    const end = int(r.end_position);
    const last = ranges.at(-1);
    if (last && first <= last[1]) last[1] = Math.max(last[1], end);
    else ranges.push([first, end]);
  }
  const failed = new Set(
    store.all(
      "SELECT position FROM failed_records WHERE run_id = ? AND vault = ? AND resolved_at IS NULL",
      runId,
      vault,
    ).map((r) => int(r.position)),
  );
  return new RunCoverage(ranges, failed);
}
