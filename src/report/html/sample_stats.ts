/**
 * Per-vault figures the ledger's batch rows do not hold, summed or summarised from the interval
 * samples: already-present records, 429 answers, retries, and latency p50/p99.
 *
 * @module
 */
import type { IntervalSample } from "../interval_sampler.ts";

/** What the samples of one vault (or of all vaults) add up to. */
export interface SampleStats {
  /** Records already present under their own token. */
  alreadyPresent: number;
  /** 429 answers. */
  rateLimited: number;
  /** Retries. */
  retries: number;
  /** Request-weighted median of the samples' p50, in ms; absent without requests. */
  latencyP50Ms?: number;
  /** Largest sampled p99, in ms; absent without requests. */
  latencyP99Ms?: number;
}

/**
 * Sums and latency summary of `samples` (pass one vault's, or all of them for the totals).
 *
 * @example
 * ```ts
 * sampleStats([]); // { alreadyPresent: 0, rateLimited: 0, retries: 0 }
 * ```
 */
export function sampleStats(samples: readonly IntervalSample[]): SampleStats {
  const out: SampleStats = { alreadyPresent: 0, rateLimited: 0, retries: 0 };
  const weighted: Array<[number, number]> = [];
  let requests = 0;
  for (const s of samples) {
    out.alreadyPresent += s.alreadyPresent;
    out.rateLimited += s.rateLimited;
    out.retries += s.retries;
    if (s.requests > 0) {
      weighted.push([s.latencyP50Ms, s.requests]);
      requests += s.requests;
      out.latencyP99Ms = Math.max(out.latencyP99Ms ?? 0, s.latencyP99Ms);
    }
  }
  if (requests > 0) {
    weighted.sort((a, b) => a[0] - b[0]);
    let seen = 0;
    for (const [p50, n] of weighted) {
      seen += n;
      if (seen >= requests / 2) {
        out.latencyP50Ms = p50;
        break;
      }
    }
  }
  return out;
}
