/**
 * Exponential backoff with full jitter, and the per-vault pause gate that a 429 closes for every
 * worker at once.
 *
 * @module
 */
import type { Clock } from "../common/clock.ts";

/** Options of {@linkcode backoffDelay}. */
export interface BackoffOptions {
  /** First step in ms. @default 250 */
  baseMs?: number;
  /** Largest delay in ms. @default 30000 */
  capMs?: number;
  /** Uniform random in [0, 1). @default Math.random */
  random?: () => number;
}

/**
 * Full-jitter delay for the given retry (1 = first retry): uniform in
 * `[0, min(cap, base · 2^(retry-1))]`, never below 1 ms.
 */
export function backoffDelay(retry: number, options: BackoffOptions = {}): number {
  const base = options.baseMs ?? 250;
  const cap = options.capMs ?? 30_000;
  const random = options.random ?? Math.random;
  const ceiling = Math.min(cap, base * 2 ** Math.max(0, retry - 1));
  return Math.max(1, Math.floor(random() * ceiling));
}

/**
 * A gate shared by all workers of one vault. `close(ms)` keeps it shut until that time has passed
 * (a later deadline wins); `wait()` resolves once it is open. After a 429 the vault then sees
 * silence, not a retry storm.
 */
export class PauseGate {
  #openAt = 0;
  readonly #clock: Clock;

  /**
   * Creates an open gate.
   *
   * @param clock the time source for deadlines and waits.
   */
  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Monotonic time (`clock.monotonic()`) when the gate opens (0 when open). */
  get openAt(): number {
    return this.#openAt;
  }

  /** True when requests may go now. */
  get isOpen(): boolean {
    return this.#openAt <= this.#clock.monotonic();
  }

  /** Closes the gate for `ms` from now (never shortens an existing closure). */
  close(ms: number): void {
    this.#openAt = Math.max(this.#openAt, this.#clock.monotonic() + ms);
  }

  /** Waits until the gate is open; returns the time waited in ms. */
  async wait(signal?: AbortSignal): Promise<number> {
    let waited = 0;
    while (true) {
      const remaining = this.#openAt - this.#clock.monotonic();
      if (remaining <= 0) return waited;
      await this.#clock.sleep(remaining, signal);
      waited += remaining;
    }
  }
}
