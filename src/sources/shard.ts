/**
 * {@linkcode shardSource}: a source wrapper that keeps only one shard's rows (see `config/shard.ts`
 * for what a shard is and where it comes from).
 *
 * @module
 */
import type { VaultSource } from "../common/types.ts";
import { formatShard, inShard, type Shard } from "../config/shard.ts";
import { filterSource } from "./filter.ts";

/**
 * Wraps a source whose positions are global and stable (CSV, generated data) so that it yields only
 * the rows of `shard`. Positions and cursors are passed through unchanged, so batches, suffixes and
 * resume points keep their meaning; rows of other shards vanish without being counted as skipped.
 * Every shard still reads the whole input (reading is cheap next to sending).
 */
export function shardSource(source: VaultSource, shard: Shard): VaultSource {
  if (shard.count === 1) return source;
  return filterSource(source, `${source.label} (shard ${formatShard(shard)})`, (p) => inShard(p, shard));
}
