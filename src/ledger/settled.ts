/**
 * The compact record of what a vault of a run has settled: a contiguous watermark (`below_seq`:
 * every batch with a smaller seq is settled) plus the totals of those batches, one `settled` row per
 * run and vault. Batch rows above the watermark are the exceptions (in flight, or settled out of
 * order) and stay as they are.
 *
 * The sink advances the watermark in each group commit ({@linkcode advanceSettled}). A batch row
 * that falls {@linkcode KEEP_BELOW} batches behind the watermark is deleted, unless its seq is a
 * multiple of {@linkcode SAMPLE_EVERY}: those stay for good, so a resume can re-hash a sample of
 * the whole sent range (`verify.ts`); the last {@linkcode KEEP_BELOW} stay so a resume finds its
 * cursor and re-hashes the batches just before the resume point. So a resume reads one `settled`
 * row and a few batch rows whatever the size of the load, and the ledger of a 500M-record load holds
 * about 20k batch rows (one per 1024 batches) instead of 20M.
 *
 * @module
 */
import type { SourceCursor } from "../common/types.ts";
import { int, type Row, type Store } from "./_store.ts";
import { TERMINAL_STATUSES } from "./schema.ts";

/** Settled batch rows kept just below the watermark (the resume cursor and the last re-hashes). */
export const KEEP_BELOW = 8;

/** Batch rows whose seq is a multiple of this are kept for good, as re-hash samples. */
export const SAMPLE_EVERY = 1024;

/** The settled record of one vault of a run. */
export interface Settled {
  /** Every batch with a seq below this is settled and counted in these totals. */
  belowSeq: number;
  /** Settled batches. */
  batches: number;
  /** Of those: fully loaded. */
  doneBatches: number;
  /** Of those: every record failed. */
  failedBatches: number;
  /** Of those: some records failed. */
  partialBatches: number;
  /** Rows they covered. */
  read: number;
  /** Records they loaded. */
  loaded: number;
  /** Of `loaded`: records found already stored as ours (read back after a rejection). */
  alreadyPresent: number;
  /** Records that failed in them. */
  failed: number;
  /** Rows they skipped. */
  skipped: number;
  /** Requests those batches made. */
  requests: number;
  /** When the first of them was sent (ms since the epoch). */
  firstStarted?: number;
  /** When one of them last changed (ms since the epoch). */
  lastUpdated?: number;
}

/** The settled record of `vault` in `runId` (all zero when nothing is folded yet). */
export function settledOf(store: Store, runId: string, vault: string): Settled {
  const row = store.get("SELECT * FROM settled WHERE run_id = ? AND vault = ?", runId, vault);
  return row ? toSettled(row) : blank();
}

/**
 * Folds the settled batches at the watermark of `vault` into its `settled` row and moves the
 * watermark past them, deleting the batch rows that are neither samples nor among the last
 * {@linkcode KEEP_BELOW}. Call inside the write transaction that recorded the outcomes.
 */
export function advanceSettled(store: Store, runId: string, vault: string): void {
  const before = settledOf(store, runId, vault);
  const d = blank();
  let w = before.belowSeq;
  // One ordered range read from the watermark up (in a running load: the few rows of the in-flight
  // window), stopping at the first gap or unsettled batch.
  const rows = store.guard("read", () =>
    store.sql(
      `SELECT seq, status, loaded, already_present, failed, skipped_count, end_position - first_position AS read, attempts,
         started_at, coalesce(finished_at, started_at) AS updated
       FROM batches WHERE run_id = ? AND vault = ? AND seq >= ? ORDER BY seq`,
    ).iterate(runId, vault, w) as Iterable<Row>);
  for (const row of rows) {
    const status = row.status as (typeof TERMINAL_STATUSES)[number];
    if (int(row.seq) !== w || !TERMINAL_STATUSES.includes(status)) break;
    d.batches++;
    if (status === "done") d.doneBatches++;
    else if (status === "failed") d.failedBatches++;
    else d.partialBatches++;
    d.read += int(row.read);
    d.loaded += int(row.loaded);
    d.alreadyPresent += int(row.already_present);
    d.failed += int(row.failed);
    d.skipped += int(row.skipped_count);
    d.requests += int(row.attempts);
    if (row.started_at !== null) d.firstStarted = Math.min(d.firstStarted ?? Infinity, int(row.started_at));
    if (row.updated !== null) d.lastUpdated = Math.max(d.lastUpdated ?? 0, int(row.updated));
    w++;
  }
  // Rows that fell KEEP_BELOW behind the watermark go, samples excepted: one range delete.
  const dropFrom = Math.max(0, before.belowSeq - KEEP_BELOW);
  const dropTo = w - KEEP_BELOW;
  if (dropTo > dropFrom) {
    store.run(
      `DELETE FROM batches WHERE run_id = ? AND vault = ? AND seq >= ? AND seq < ? AND seq % ${SAMPLE_EVERY} <> 0`,
      runId,
      vault,
      dropFrom,
      dropTo,
    );
  }
  if (w === before.belowSeq) return;
  store.run(
    `INSERT INTO settled (run_id, vault, below_seq, batches, done_batches, failed_batches, partial_batches,
       read, loaded, failed, skipped, requests, first_started, last_updated, already_present)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (run_id, vault) DO UPDATE SET below_seq = excluded.below_seq,
       batches = batches + excluded.batches, done_batches = done_batches + excluded.done_batches,
       failed_batches = failed_batches + excluded.failed_batches,
       partial_batches = partial_batches + excluded.partial_batches, read = read + excluded.read,
       loaded = loaded + excluded.loaded, already_present = already_present + excluded.already_present,
       failed = failed + excluded.failed,
       skipped = skipped + excluded.skipped, requests = requests + excluded.requests,
       first_started = coalesce(min(first_started, excluded.first_started), first_started, excluded.first_started),
       last_updated = coalesce(max(last_updated, excluded.last_updated), last_updated, excluded.last_updated)`,
    runId,
    vault,
    w,
    d.batches,
    d.doneBatches,
    d.failedBatches,
    d.partialBatches,
    d.read,
    d.loaded,
    d.failed,
    d.skipped,
    d.requests,
    d.firstStarted ?? null,
    d.lastUpdated ?? null,
    d.alreadyPresent,
  );
}

function blank(): Settled {
  return {
    belowSeq: 0,
    batches: 0,
    doneBatches: 0,
    failedBatches: 0,
    partialBatches: 0,
    read: 0,
    loaded: 0,
    alreadyPresent: 0,
    failed: 0,
    skipped: 0,
    requests: 0,
  };
}

function toSettled(row: Row): Settled {
  const s: Settled = {
    belowSeq: int(row.below_seq),
    batches: int(row.batches),
    doneBatches: int(row.done_batches),
    failedBatches: int(row.failed_batches),
    partialBatches: int(row.partial_batches),
    read: int(row.read),
    loaded: int(row.loaded),
    alreadyPresent: int(row.already_present),
    failed: int(row.failed),
    skipped: int(row.skipped),
    requests: int(row.requests),
  };
  if (row.first_started !== null) s.firstStarted = int(row.first_started);
  if (row.last_updated !== null) s.lastUpdated = int(row.last_updated);
  return s;
}

/** A sent batch whose content checksum a resume re-computes. */
export interface BatchSample {
  /** Batch seq. */
  seq: number;
  /** Cursor to rebuild it. */
  cursor: SourceCursor;
  /** Its rows' content checksum when it was read. */
  checksum: string;
  /** First row it covered. */
  firstPosition: number;
  /** Exclusive end of the rows it covered. */
  endPosition: number;
}

/** Options of {@linkcode resumeSamples}. */
export interface ResumeSampleOptions {
  /** Sample batches spread over `[0, beforeSeq)` (kept sample rows). @default 8 */
  spread?: number;
  /** Batches just before `beforeSeq`. @default {@linkcode KEEP_BELOW} */
  last?: number;
  /** Uniform random in [0, 1): shifts the spread samples, so resumes look at different ones. */
  random?: () => number;
}

/**
 * The sent batches a resume of `vault` re-hashes before it sends anything (see `pipeline/verify.ts`):
 * the last few before `beforeSeq` and a spread of the kept sample rows below it. Each is a point
 * lookup, so this is cheap whatever the ledger's size. Batches recorded without a checksum (by an
 * older byot) are left out.
 */
export function resumeSamples(
  store: Store,
  runId: string,
  vault: string,
  beforeSeq: number,
  options: ResumeSampleOptions = {},
): BatchSample[] {
  const seqs = new Set<number>();
  const last = options.last ?? KEEP_BELOW;
  for (let seq = beforeSeq - 1; seq >= Math.max(0, beforeSeq - last); seq--) seqs.add(seq);
  const kept = Math.ceil(Math.max(0, beforeSeq - last) / SAMPLE_EVERY); // sample seqs below the last ones
  const spread = Math.min(options.spread ?? 8, kept);
  const shift = (options.random ?? Math.random)();
  for (let k = 0; k < spread; k++) seqs.add(Math.floor(((k + shift) / spread) * kept) * SAMPLE_EVERY);
  const out: BatchSample[] = [];
  for (const seq of [...seqs].sort((a, b) => a - b)) {
    const row = store.get(
      `SELECT cursor_json, checksum, first_position, end_position FROM batches
       WHERE run_id = ? AND vault = ? AND seq = ? AND checksum IS NOT NULL`,
      runId,
      vault,
      seq,
    );
    if (!row) continue;
    let cursor: SourceCursor;
    try {
      cursor = JSON.parse(String(row.cursor_json));
    } catch {
      continue;
    }
    out.push({
      seq,
      cursor,
      checksum: String(row.checksum),
      firstPosition: int(row.first_position),
      endPosition: int(row.end_position),
    });
  }
  return out;
}
