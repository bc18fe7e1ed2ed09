/**
 * Source wrappers that keep only some rows by position: {@linkcode filterSource} (the mechanism, used
 * by shards and by `byot verify --sample` / `--run`) and {@linkcode sampleFilter} (a deterministic
 * sample).
 *
 * @module
 */
import type { SourceItem, VaultSource } from "../common/types.ts";

/**
 * Wraps a source whose positions are global and stable so that it yields only the rows whose
 * position `keep` accepts. Positions and cursors pass through unchanged, so batches, suffixes and
 * resume points keep their meaning; the other rows vanish without being counted as skipped.
 *
 * @example
 * ```ts ignore
 * const evens = filterSource(source, `${source.label} (even rows)`, (position) => position % 2 === 0);
 * ```
 */
export function filterSource(
  source: VaultSource,
  label: string,
  keep: (position: number) => boolean,
): VaultSource {
  const filtered: VaultSource = {
    label,
    async *read(options) {
      for await (const chunk of source.read(options)) {
        const kept: SourceItem[] = chunk.filter((item) => keep(item.position));
        if (kept.length > 0) yield kept;
      }
    },
  };
  if (source.close) filtered.close = () => source.close!();
  return filtered;
}

/**
 * A deterministic sample of about `rate` (0 < rate ≤ 1) of the positions: a position is in when a
 * 32-bit integer hash of it, mixed with `seed`, falls below `rate` × 2³². The same rate and seed pick
 * the same rows on every run and machine, and the picked rows are spread over the whole source.
 *
 * @example
 * ```ts
 * import { sampleFilter } from "./filter.ts";
 * const inSample = sampleFilter(0.01);
 * const picked = Array.from({ length: 100_000 }, (_, i) => i).filter(inSample).length; // ≈ 1,000
 * ```
 */
export function sampleFilter(rate: number, seed = 0): (position: number) => boolean {
  if (rate >= 1) return () => true;
  const threshold = Math.floor(rate * 2 ** 32);
  return (position) => mix32(position, seed) < threshold;
}

/** A 32-bit avalanche hash of a non-negative integer position (murmur3 finaliser over both halves). */
function mix32(position: number, seed: number): number {
  let h = (Math.floor(position / 2 ** 32) ^ seed ^ 0x9e3779b9) >>> 0;
  h = fmix(h ^ (position >>> 0));
  return fmix(h ^ 0x85ebca6b);
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
