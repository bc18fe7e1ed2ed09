/**
 * Where a resumed run restarts each vault, and the per-vault progress `byot status` shows.
 *
 * @module
 */
import type { SourceCursor } from "../common/types.ts";
import { CheckpointError } from "../common/errors.ts";
import { int, type Store } from "./_store.ts";
import { TERMINAL_SQL } from "./schema.ts";

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
 * source's start.
 */
export function resumePoint(store: Store, runId: string, vault: string): ResumePoint {
  const unsettled = store.get(
    `SELECT min(seq) AS seq FROM batches WHERE run_id = ? AND vault = ? AND status NOT IN ${TERMINAL_SQL}`,
    runId,
    vault,
  )?.seq;
  const gap = firstGap(store, runId, vault);
  const watermarkRecorded = unsettled !== null && unsettled !== undefined && int(unsettled) < gap;
  const watermark = watermarkRecorded ? int(unsettled) : gap;
  let startSeq = 0;
  let cursorJson: unknown;
  if (watermarkRecorded) {
    startSeq = watermark;
    cursorJson = cursorOf(store, runId, vault, watermark);
  } else if (watermark > 0) {
    startSeq = watermark - 1;
    cursorJson = cursorOf(store, runId, vault, startSeq);
  }
  const terminalSeqs = new Set<number>();
  for (
    const row of store.all(
      `SELECT seq FROM batches WHERE run_id = ? AND vault = ? AND seq >= ? AND status IN ${TERMINAL_SQL}`,
      runId,
      vault,
      startSeq,
    )
  ) terminalSeqs.add(int(row.seq));
  const totals = store.get(
    `SELECT count(*) AS batches, total(loaded) AS loaded, total(failed) AS failed,
       total(already_present) AS already_present,
       total(skipped_count) AS skipped, total(end_position - first_position) AS read
     FROM batches WHERE run_id = ? AND vault = ? AND status IN ${TERMINAL_SQL}`,
    runId,
    vault,
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
      read: int(totals.read),
      loaded: int(totals.loaded),
      alreadyPresent: int(totals.already_present),
      failed: int(totals.failed),
      skipped: int(totals.skipped),
      batches: int(totals.batches),
    },
  };
  if (cursorJson !== undefined) point.cursor = cursorJson as SourceCursor;
  return point;
}

/** The lowest seq ≥ 0 with no row. */
function firstGap(store: Store, runId: string, vault: string): number {
  if (!store.get("SELECT 1 AS x FROM batches WHERE run_id = ? AND vault = ? AND seq = 0", runId, vault)) {
    return 0;
  }
  const row = store.get(
    `SELECT min(b.seq) + 1 AS gap FROM batches b WHERE b.run_id = ? AND b.vault = ? AND NOT EXISTS
       (SELECT 1 FROM batches c WHERE c.run_id = b.run_id AND c.vault = b.vault AND c.seq = b.seq + 1)`,
    runId,
    vault,
  );
  return int(row?.gap);
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
    vaults.set(String(row.vault), { ...blank(String(row.vault)), finished: row.finished_at !== null });
  }
  const rows = store.all(
    `SELECT vault, status, count(*) AS n, total(loaded) AS loaded, total(failed) AS failed,
       total(skipped_count) AS skipped, total(end_position - first_position) AS read,
       total(attempts) AS requests, min(started_at) AS first_started, total(already_present) AS present,
       total(unsettled) AS unsettled, total(unverified) AS unverified,
       max(coalesce(finished_at, started_at)) AS last_updated
     FROM batches WHERE run_id = ? GROUP BY vault, status`,
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
