/**
 * Turns a source's rows into batches: applies the record range (`--start-record`,
 * `--max-records`), the optional deterministic suffix, and numbers batches so that the same source
 * and settings always give the same batches (the ledger's resume depends on it).
 *
 * @module
 */
import type { Batch, SkipReason, SourceCursor, SourceRecord, VaultSource } from "../common/types.ts";
import { suffixFor } from "./suffix.ts";
import { ContentHash } from "../common/content_hash.ts";

/** Options of {@linkcode batchesOf}. */
export interface BatcherOptions {
  /** Vault name stamped on each batch. */
  vault: string;
  /** Where the rows come from; read from `from`, or from its start. */
  source: VaultSource;
  /** Records per batch (> 0). */
  batchSize: number;
  /** Rows with a smaller position are not processed. @default 0 */
  startRecord?: number;
  /** Rows to process from `startRecord`; 0 = all. @default 0 */
  maxRecords?: number;
  /** When set, values and tokens get the deterministic suffix of this seed. */
  suffixSeed?: string;
  /** Resume: read from this cursor (the start of batch `startSeq`). */
  from?: SourceCursor;
  /** Sequence number of the first batch produced. @default 0 */
  startSeq?: number;
  /** Passed to the source's `read`: aborts reading. */
  signal?: AbortSignal;
  /** Called with the ms spent waiting for the source, per chunk. */
  onRead?: (ms: number) => void;
  /** Called with the ms spent adding suffixes, per chunk. */
  onSuffix?: (ms: number) => void;
}

/**
 * Yields the batches of one vault in sequence order. The source is pulled only as batches are
 * taken, so memory stays bounded by the consumer's concurrency.
 */
export async function* batchesOf(options: BatcherOptions): AsyncGenerator<Batch> {
  const start = options.startRecord ?? 0;
  const end = (options.maxRecords ?? 0) > 0 ? start + options.maxRecords! : Number.POSITIVE_INFINITY;
  const seed = options.suffixSeed;
  let seq = options.startSeq ?? 0;
  let records: SourceRecord[] = [];
  let skipped: Partial<Record<SkipReason, number>> = {};
  let first: { position: number; cursor: SourceCursor } | undefined;
  let endPosition = 0;
  let hash = new ContentHash();
  const make = (): Batch => {
    const batch: Batch = {
      vault: options.vault,
      seq: seq++,
      firstPosition: first!.position,
      endPosition,
      records,
      skipped,
      cursor: first!.cursor,
      checksum: hash.digest(),
    };
    // suffixed records are not what was hashed: their bodies keep the escape check
    if (seed === undefined) batch.jsonSafe = hash.plain;
    hash = new ContentHash();
    records = [];
    skipped = {};
    first = undefined;
    return batch;
  };

  const iterator = options.source.read({ from: options.from, signal: options.signal })
    [Symbol.asyncIterator]();
  try {
    while (true) {
      const t0 = performance.now();
      const next = await iterator.next();
      options.onRead?.(performance.now() - t0);
      if (next.done) break;
      const t1 = performance.now();
      let reachedEnd = false;
      const ready: Batch[] = [];
      for (const item of next.value) {
        if (item.position < start) continue;
        if (item.position >= end) {
          reachedEnd = true;
          break;
        }
        first ??= { position: item.position, cursor: item.cursor };
        endPosition = item.position + 1;
        hash.addNumber(item.position);
        if (item.skip) {
          hash.add(item.skip);
          skipped[item.skip] = (skipped[item.skip] ?? 0) + 1;
          continue;
        }
        hash.add(item.value);
        hash.add(item.token);
        records.push(
          seed === undefined ? { position: item.position, value: item.value, token: item.token } : {
            position: item.position,
            value: item.value + suffixFor(seed, options.vault, item.position, "value"),
            token: item.token + suffixFor(seed, options.vault, item.position, "token"),
          },
        );
        if (records.length === options.batchSize) ready.push(make());
      }
      if (seed !== undefined) options.onSuffix?.(performance.now() - t1);
      for (const batch of ready) yield batch;
      if (reachedEnd) break;
    }
    if (first) yield make();
  } finally {
    await iterator.return?.();
  }
}
