/**
 * The simulator's fault machinery: a seeded random generator, the per-vault token-bucket rate
 * limiter, and the draw that picks a fault for a data request.
 *
 * @module
 */

/**
 * A tiny seeded PRNG (mulberry32): the same seed gives the same sequence in `[0, 1)`.
 *
 * @example
 * ```ts
 * const random = mulberry32(1);
 * random() === mulberry32(1)(); // true
 * ```
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * A token bucket per key (vault id): burst = rate (at least 1), refilled continuously at `rate` per
 * second.
 *
 * @example
 * ```ts
 * const limiter = new RateLimiter();
 * limiter.take("v1", 10, Date.now()); // 0: allowed
 * ```
 */
export class RateLimiter {
  #buckets = new Map<string, Bucket>();

  /**
   * Takes one token for `key`. Returns 0 when the request is allowed, otherwise the milliseconds
   * until a token is available. A `rate` of 0 or less always allows.
   */
  take(key: string, rate: number, now: number): number {
    if (!(rate > 0)) return 0;
    const burst = Math.max(1, rate);
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      bucket = { tokens: burst, updatedAt: now };
      this.#buckets.set(key, bucket);
    }
    const elapsed = Math.max(0, now - bucket.updatedAt);
    bucket.tokens = Math.min(burst, bucket.tokens + (elapsed * rate) / 1000);
    bucket.updatedAt = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return ((1 - bucket.tokens) * 1000) / rate;
  }

  /** Forgets every bucket. */
  reset(): void {
    this.#buckets.clear();
  }
}

/**
 * The `Retry-After` value for a wait of `waitMs`: whole seconds (at least 1, rounded up) or the
 * HTTP-date that many seconds after `now`.
 *
 * @example
 * ```ts
 * retryAfterValue(1200, "seconds", 0); // "2"
 * ```
 */
export function retryAfterValue(waitMs: number, format: "seconds" | "date", now: number): string {
  const seconds = Math.max(1, Math.ceil(waitMs / 1000));
  return format === "date" ? new Date(now + seconds * 1000).toUTCString() : String(seconds);
}

/** What happens to a data request besides its normal processing. */
export type Fault = "none" | "error" | "drop" | "hang";

/** The fault probabilities, as in the simulator options. */
export interface FaultRates {
  /** Probability of an injected 5xx. */
  errorRate: number;
  /** Probability of apply-then-cut. */
  dropRate: number;
  /** Probability of apply-then-hang. */
  hangRate: number;
}

/**
 * Picks the fault of one data request from a single draw: `error` below `errorRate`, then `drop`
 * for the next `dropRate`, then `hang` for the next `hangRate` (rates summing above 1 leave the
 * later faults the remainder). Draws nothing when every rate is 0, so a fault-free run does not
 * consume the sequence.
 *
 * @example
 * ```ts
 * pickFault({ errorRate: 1, dropRate: 0, hangRate: 0 }, Math.random); // "error"
 * ```
 */
export function pickFault(rates: FaultRates, random: () => number): Fault {
  const { errorRate, dropRate, hangRate } = rates;
  if (errorRate <= 0 && dropRate <= 0 && hangRate <= 0) return "none";
  const u = random();
  if (u < errorRate) return "error";
  if (u < errorRate + dropRate) return "drop";
  if (u < errorRate + dropRate + hangRate) return "hang";
  return "none";
}

/** The 5xx statuses an injected server error answers with. */
export const serverErrorStatuses = [500, 502, 503] as const;
