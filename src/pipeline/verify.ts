/**
 * Proof, before a resume sends anything, that the source still holds what the run already read.
 *
 * Every batch's content checksum (positions, values and tokens as read, skipped rows by reason) is
 * stored with the batch. A resume rebuilds a few sent batches from their stored cursors and compares:
 * - the last batches before the resume point: they prove that the place reading restarts at still
 *   lines up with what was sent (a row inserted or removed anywhere before it shifts them), and they
 *   are the rows most likely to be affected by an append-in-place or a truncated copy;
 * - a spread of batches over the whole sent range (rows kept for the purpose, one per 1024 batches,
 *   at a random shift each resume): a re-export in another order, or an edit of a large part, changes
 *   them; a small in-place edit far from the resume point can escape a sample, which is the price of
 *   a start-up that takes milliseconds instead of re-reading every sent byte.
 * Timestamps play no part: a touched or byte-identical copied file resumes.
 *
 * @module
 */
import type { SourceCursor, VaultSource } from "../common/types.ts";
import { batchesOf } from "./batcher.ts";

/** A sent batch to re-check. */
export interface SentBatch {
  /** Batch seq. */
  seq: number;
  /** Cursor it was read from. */
  cursor: SourceCursor;
  /** Checksum stored when it was read. */
  checksum: string;
  /** Exclusive end of the rows it covered. */
  endPosition: number;
}

/** Options of {@linkcode firstChangedBatch}. */
export interface VerifyOptions {
  /** Vault name (stamped on the rebuilt batches). */
  vault: string;
  /** The source, as the load reads it. */
  source: VaultSource;
  /** Records per batch, as the run was started with. */
  batchSize: number;
  /** `--start-record`. @default 0 */
  startRecord?: number;
  /** `--max-records` (0 = all). @default 0 */
  maxRecords?: number;
  /** The batches to re-check. */
  samples: readonly SentBatch[];
  /** Aborts reading. */
  signal?: AbortSignal;
}

/** Rebuilds each sample from its cursor; returns the first whose content differs, or `undefined`. */
export async function firstChangedBatch(options: VerifyOptions): Promise<SentBatch | undefined> {
  for (const sample of options.samples) {
    const batches = batchesOf({
      vault: options.vault,
      source: options.source,
      batchSize: options.batchSize,
      startRecord: options.startRecord,
      maxRecords: options.maxRecords,
      from: sample.cursor,
      startSeq: sample.seq,
      signal: options.signal,
    });
    let rebuilt;
    try {
      rebuilt = (await batches.next()).value;
    } catch {
      return sample; // the cursor no longer fits the source (shorter file, other layout)
    } finally {
      await batches.return(undefined);
    }
    if (!rebuilt || rebuilt.checksum !== sample.checksum || rebuilt.endPosition !== sample.endPosition) {
      return sample;
    }
  }
  return undefined;
}
