/**
 * A token bucket that paces requests per second for one vault, shared by all its workers
 * (`--max-rps`, and the adaptive rate of `--concurrency auto`). The rate may change while the
 * bucket is in use; waiters are served in arrival order.
 *
 * @module
 */
import { type Clock, systemClock } from "../../common/clock.ts";

/** Options of {@linkcode RateLimiter}. */
export interface RateLimiterOptions {
  /** Requests per second; `Infinity` (or 0) lets every request through at once. @default Infinity */
  rate?: number;
  /** Most tokens the bucket holds, in seconds of `rate` (never below 1 token). @default 1 */
  burstSeconds?: number;
  /** Tokens at the start, capped by the burst. @default the full burst */
  initialTokens?: number;
  /** Where time comes from (refills and waits). @default systemClock */
  clock?: Clock;
}

interface Waiter {
  resolve: () => void;
  reject: (reason: unknown) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

const EPSILON = 1e-9;

/**
 * Requests per second as a token bucket: a request takes one token; tokens refill continuously at
 * `rate` up to `rate × burstSeconds`.
 *
 * @example Ten requests per second, no burst beyond one request
 * ```ts
 * const bucket = new RateLimiter({ rate: 10, burstSeconds: 0 });
 * await bucket.acquire(); // at once
 * await bucket.acquire(); // ~100 ms later
 * ```
 */
export class RateLimiter {
  #rate: number;
  #burstSeconds: number;
  #tokens: number;
  #updatedAt: number;
  #queue: Waiter[] = [];
  #pumping = false;
  #wake?: AbortController;
  #waited = 0;
  readonly #clock: Clock;

  /**
   * Creates a bucket holding `initialTokens` (by default full).
   *
   * @param options rate, burst, initial tokens and clock; all optional (no limit by default).
   */
  constructor(options: RateLimiterOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#rate = normalRate(options.rate);
    this.#burstSeconds = Math.max(0, options.burstSeconds ?? 1);
    this.#tokens = Math.min(this.capacity, options.initialTokens ?? Infinity);
    this.#updatedAt = this.#clock.monotonic();
  }

  /** Requests per second (`Infinity` when unlimited). */
  get rate(): number {
    return this.#rate;
  }

  /** Changes the rate; tokens earned so far are kept (capped by the new burst), waiters re-timed. */
  set rate(value: number) {
    this.#refill();
    this.#rate = normalRate(value);
    this.#tokens = Math.min(this.#tokens, this.capacity);
    this.#wake?.abort();
  }

  /** Most tokens the bucket holds. */
  get capacity(): number {
    return this.#rate === Infinity ? Infinity : Math.max(1, this.#rate * this.#burstSeconds);
  }

  /** Tokens available now (fractional). */
  get tokens(): number {
    this.#refill();
    return this.#tokens;
  }

  /** Callers waiting for a token now. */
  get waiting(): number {
    return this.#queue.length;
  }

  /** Acquisitions so far that had to wait for a token (the rate was the bottleneck). */
  get waited(): number {
    return this.#waited;
  }

  /** Empties the bucket, so the next requests wait for freshly earned tokens. */
  drain(): void {
    this.#refill();
    if (this.#rate !== Infinity) this.#tokens = 0;
  }

  /** Takes one token if one is free now and nobody waits; true when taken. */
  tryAcquire(): boolean {
    this.#refill();
    if (this.#queue.length > 0 || this.#tokens < 1 - EPSILON) return false;
    this.#tokens -= 1;
    return true;
  }

  /** Takes one token, waiting for it in arrival order. Rejects with the signal's reason if it aborts first. */
  acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.tryAcquire()) return Promise.resolve();
    this.#waited++;
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, signal };
      if (signal) {
        waiter.onAbort = () => {
          this.#queue = this.#queue.filter((w) => w !== waiter);
          reject(signal.reason);
        };
        signal.addEventListener("abort", waiter.onAbort, { once: true });
      }
      this.#queue.push(waiter);
      void this.#pump();
    });
  }

  /** Hands out tokens to waiters as they are earned; one pump runs at a time. */
  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.#queue.length > 0) {
        this.#refill();
        while (this.#queue.length > 0 && this.#tokens >= 1 - EPSILON) {
          this.#tokens -= 1;
          const waiter = this.#queue.shift()!;
          if (waiter.onAbort) waiter.signal?.removeEventListener("abort", waiter.onAbort);
          waiter.resolve();
        }
        if (this.#queue.length === 0) break;
        const waitMs = Math.max(1, Math.ceil(((1 - this.#tokens) * 1000) / this.#rate));
        this.#wake = new AbortController();
        await this.#clock.sleep(waitMs, this.#wake.signal).catch(() => {});
        this.#wake = undefined;
      }
    } finally {
      this.#pumping = false;
    }
  }

  #refill(): void {
    const now = this.#clock.monotonic();
    const elapsed = Math.max(0, now - this.#updatedAt);
    this.#updatedAt = now;
    if (this.#rate === Infinity) {
      this.#tokens = Infinity;
      return;
    }
    // while callers wait, tokens earned during a late timer wake-up are theirs, not lost to the cap
    const cap = Math.max(this.capacity, this.#queue.length);
    this.#tokens = Math.min(cap, this.#tokens + (elapsed * this.#rate) / 1000);
  }
}

/** `Infinity` for "no limit" (0, negative, NaN, undefined); the rate otherwise. */
function normalRate(rate: number | undefined): number {
  return rate === undefined || !(rate > 0) ? Infinity : rate;
}
