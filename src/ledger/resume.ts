/**
 * Where a resumed run restarts each vault, and the per-vault progress `byot status` shows.
 *
 * @module
 */
import type { SourceCursor } from "../common/types.ts";
import { CheckpointError } from "../common/errors.ts";
import { int, type Store } from "./_store.ts";
import { type BatchStatus, TERMINAL_SQL, TERMINAL_STATUSES } from "./schema.ts";
import { settledOf } from "./settled.ts";

/** Totals of the batches a run already settled, so a resumed run's totals add up. */
export interface SettledCounts {
  /** Rows covered (loaded + failed + skipped). */
  read: number;
  /** Records loaded. */
  loaded: number;
  /** Of `loaded`: records found already stored as ours (read back after a rejection). */
  alreadyPresent: number;
  /** Records failed. */
  failed: number;
  /** Rows skipped. */
  skipped: number;
  /** Settled batches. */
  batches: number;
}

/** Where a vault of a resumed run restarts. */
export interface ResumePoint {
  /** Seq of the batch reading restarts at; the batcher numbers from here. */
  startSeq: number;
  /** Cursor to rebuild batch `startSeq`; `undefined` = the source's start. */
  cursor?: SourceCursor;
  /** Settled batches with seq ≥ `startSeq`: rebuilt but not sent. */
  terminalSeqs: Set<number>;
  /**
   * Unsettled batches with a seq below this may have been sent before the crash: send them through
   * the safe-replay path. Batches at or above it were never sent.
   */
  replayBelowSeq: number;
  /** Totals of every settled batch of the vault (including those in `terminalSeqs`). */
  counts: SettledCounts;
}

/**
 * The resume point of `vault` in `runId`. The watermark W is the lowest seq that is not settled
 * (a seq never recorded counts as not settled). Reading restarts at batch W's cursor when W has a
 * row, else at the highest recorded batch below W (settled, so rebuilt then skipped), else at the
 * source's start. Only the vault's `settled` row and the batch rows from its watermark on are read
 * (`settled.ts`), so the cost does not grow with the number of batches already settled.
 */
export function resumePoint(store: Store, runId: string, vault: string): ResumePoint {
  const settled = settledOf(store, runId, vault);
  const from = Math.max(0, settled.belowSeq - 1);
  const statuses = new Map<number, string>();
  for (
    const row of store.all(
      "SELECT seq, status FROM batches WHERE run_id = ? AND vault = ? AND seq >= ? ORDER BY seq",
      runId,
      vault,
      from,
    )
  ) statuses.set(int(row.seq), String(row.status));
  const terminal = (seq: number) => TERMINAL_STATUSES.includes(statuses.get(seq) as BatchStatus);
  let watermark = settled.belowSeq;
  while (terminal(watermark)) watermark++;
  let startSeq = 0;
  let cursorJson: unknown;
  if (statuses.has(watermark)) {
    startSeq = watermark;
    cursorJson = cursorOf(store, runId, vault, watermark);
  } else if (watermark > 0) {
    startSeq = watermark - 1;
    cursorJson = cursorOf(store, runId, vault, startSeq);
  }
  const terminalSeqs = new Set<number>();
  for (const seq of statuses.keys()) if (seq >= startSeq && terminal(seq)) terminalSeqs.add(seq);
  const above = store.get(
    `SELECT count(*) AS batches, total(loaded) AS loaded, total(failed) AS failed,
       total(already_present) AS already_present,
       total(skipped_count) AS skipped, total(end_position - first_position) AS read
     FROM batches WHERE run_id = ? AND vault = ? AND seq >= ? AND status IN ${TERMINAL_SQL}`,
    runId,
    vault,
    settled.belowSeq,
  ) ?? {};
  const reserved = store.get(
    "SELECT reserved_seq FROM run_vaults WHERE run_id = ? AND vault = ?",
    runId,
    vault,
  );
  const point: ResumePoint = {
    startSeq,
    terminalSeqs,
    replayBelowSeq: int(reserved?.reserved_seq),
    counts: {
      read: settled.read + int(above.read),
      loaded: settled.loaded + int(above.loaded),
      alreadyPresent: settled.alreadyPresent + int(above.already_present),
      failed: settled.failed + int(above.failed),
      skipped: settled.skipped + int(above.skipped),
      batches: settled.batches + int(above.batches),
    },
  };
  if (cursorJson !== undefined) point.cursor = cursorJson as SourceCursor;
  return point;
}

function cursorOf(store: Store, runId: string, vault: string, seq: number): unknown {
  const row = store.get(
    "SELECT cursor_json FROM batches WHERE run_id = ? AND vault = ? AND seq = ?",
    runId,
    vault,
    seq,
  );
  try {
    const cursor = JSON.parse(String(row?.cursor_json));
    if (typeof cursor?.position !== "number") throw new TypeError("no position");
    return cursor;
  } catch (cause) {
    throw new CheckpointError(
      `state file ${store.path}: batch ${seq} of vault ${vault} in run ${runId} has no usable cursor`,
      { cause },
    );
  }
}

/** Progress of one vault of a run. */
export interface VaultSummary {
  /** Vault name. */
  vault: string;
  /** Rows covered by settled batches. */
  read: number;
  /** Records loaded. */
  loaded: number;
  /** Of `loaded`: records found already stored as ours (a re-run, a resume, another process). */
  alreadyPresent: number;
  /** Records of unsettled batches whose outcome is still unknown (transient retries ran out). */
  unsettled: number;
  /** 2xx answers whose body did not account for the records sent (settled by read-back). */
  unverified: number;
  /** Records that failed when sent (see `unresolvedFailures` for what is still failing). */
  failed: number;
  /** Rows skipped. */
  skipped: number;
  /** Stored failures not resolved by a retry (nor purged). */
  unresolvedFailures: number;
  /** Batches recorded but not sent. */
  pendingBatches: number;
  /** Batches sent but not settled. */
  inFlightBatches: number;
  /** Batches fully loaded. */
  doneBatches: number;
  /** Batches whose every record failed. */
  failedBatches: number;
  /** Batches with some failed records. */
  partiallyFailedBatches: number;
  /** Requests made, over every batch. */
  requests: number;
  /** When the first batch was sent (ms since the epoch). */
  firstStartedAt?: number;
  /** When a batch last changed (ms since the epoch). */
  lastUpdatedAt?: number;
  /** Every batch of the vault is settled (the run marked the vault finished). */
  finished: boolean;
}

/** Per-vault progress of a run, in the run's vault order (plus any vault only batches name). */
export function runSummary(store: Store, runId: string): VaultSummary[] {
  const vaults = new Map<string, VaultSummary>();
  const blank = (vault: string): VaultSummary => ({
    vault,
    read: 0,
    loaded: 0,
    alreadyPresent: 0,
    unsettled: 0,
    unverified: 0,
    failed: 0,
    skipped: 0,
    unresolvedFailures: 0,
    pendingBatches: 0,
    inFlightBatches: 0,
    doneBatches: 0,
    failedBatches: 0,
    partiallyFailedBatches: 0,
    requests: 0,
    finished: false,
  });
  for (
    const row of store.all("SELECT vault, finished_at FROM run_vaults WHERE run_id = ? ORDER BY rowid", runId)
  ) {
    const name = String(row.vault);
    const s = settledOf(store, runId, name);
    vaults.set(name, {
      ...blank(name),
      finished: row.finished_at !== null,
      read: s.read,
      loaded: s.loaded,
      alreadyPresent: s.alreadyPresent,
      failed: s.failed,
      skipped: s.skipped,
      doneBatches: s.doneBatches,
      failedBatches: s.failedBatches,
      partiallyFailedBatches: s.partialBatches,
      requests: s.requests,
      ...(s.firstStarted !== undefined ? { firstStartedAt: s.firstStarted } : {}),
      ...(s.lastUpdated !== undefined ? { lastUpdatedAt: s.lastUpdated } : {}),
    });
  }
  // Batch rows below a vault's watermark are already counted in its settled row.
  const rows = store.all(
    `SELECT b.vault AS vault, b.status AS status, count(*) AS n, total(b.loaded) AS loaded,
       total(b.failed) AS failed, total(b.skipped_count) AS skipped,
       total(b.end_position - b.first_position) AS read, total(b.attempts) AS requests,
       total(b.already_present) AS present, total(b.unsettled) AS unsettled,
       total(b.unverified) AS unverified,
       min(b.started_at) AS first_started, max(coalesce(b.finished_at, b.started_at)) AS last_updated
     FROM batches b LEFT JOIN settled s ON s.run_id = b.run_id AND s.vault = b.vault
     WHERE b.run_id = ? AND b.seq >= coalesce(s.below_seq, 0) GROUP BY b.vault, b.status`,
    runId,
  );
  for (const row of rows) {
    const name = String(row.vault);
    const s = vaults.get(name) ?? blank(name);
    vaults.set(name, s);
    const n = int(row.n);
    const status = String(row.status);
    s.unverified += int(row.unverified);
    if (status === "pending") s.pendingBatches += n;
    else if (status === "in_flight") {
      s.inFlightBatches += n;
      s.unsettled += int(row.unsettled);
    } else {
      s.alreadyPresent += int(row.present);
      if (status === "done") s.doneBatches += n;
      else if (status === "failed") s.failedBatches += n;
      else s.partiallyFailedBatches += n;
      s.read += int(row.read);
      s.loaded += int(row.loaded);
      s.failed += int(row.failed);
      s.skipped += int(row.skipped);
    }
    s.requests += int(row.requests);
    if (row.first_started !== null) {
      s.firstStartedAt = Math.min(s.firstStartedAt ?? Infinity, int(row.first_started));
    }
    if (row.last_updated !== null) s.lastUpdatedAt = Math.max(s.lastUpdatedAt ?? 0, int(row.last_updated));
  }
  for (
    const row of store.all(
      "SELECT vault, count(*) AS n FROM failed_records WHERE run_id = ? AND resolved_at IS NULL " +
        "AND purged_at IS NULL GROUP BY vault",
      runId,
    )
  ) {
    const s = vaults.get(String(row.vault));
    if (s) s.unresolvedFailures = int(row.n);
  }
  return [...vaults.values()];
}
