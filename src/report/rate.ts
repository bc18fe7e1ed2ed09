/**
 * A per-second rate over a sliding time window, for the live progress line and its ETA. Counts go
 * into fixed time slots in a ring, so memory is constant and `add()` is O(1). The estimate is
 * accurate to about one slot's share of the window (2.5 % with the defaults).
 *
 * @module
 */
import type { Clock } from "../common/clock.ts";

/** Options of {@linkcode SlidingRate}. */
export interface SlidingRateOptions {
  /** Where time comes from. */
  clock: Clock;
  /** Length of the window the rate is averaged over, in ms. @default 10000 */
  windowMs?: number;
  /** Width of one slot in ms; the window is `windowMs / slotMs` slots. @default 250 */
  slotMs?: number;
  /** When counting began, on `clock.monotonic()` (the rate of a young window uses this). @default clock.monotonic() */
  startedAt?: number;
}

/**
 * Counts events and reports how many happened per second over the last `windowMs` of monotonic
 * time (a wall-clock step neither empties the window nor stretches it).
 *
 * @example Rate after a steady second
 * ```ts
 * let now = 0;
 * const clock = { now: () => now, monotonic: () => now, sleep: () => Promise.resolve() };
 * const rate = new SlidingRate({ clock });
 * now = 1000;
 * rate.add(500);
 * rate.perSecond(); // 500
 * ```
 */
export class SlidingRate {
  readonly #clock: Clock;
  readonly #slotMs: number;
  readonly #counts: Float64Array;
  readonly #slotIds: Float64Array;
  #startedAt: number;

  /** Creates an estimator with an empty window. */
  constructor(options: SlidingRateOptions) {
    this.#clock = options.clock;
    this.#slotMs = Math.max(1, options.slotMs ?? 250);
    const slots = Math.max(1, Math.round((options.windowMs ?? 10_000) / this.#slotMs));
    this.#counts = new Float64Array(slots);
    this.#slotIds = new Float64Array(slots).fill(-1);
    this.#startedAt = options.startedAt ?? this.#clock.monotonic();
  }

  /** Restarts counting from monotonic time `at` and forgets everything counted so far. */
  reset(at: number = this.#clock.monotonic()): void {
    this.#startedAt = at;
    this.#counts.fill(0);
    this.#slotIds.fill(-1);
  }

  /** Counts `n` events now. */
  add(n: number): void {
    const id = Math.floor(this.#clock.monotonic() / this.#slotMs);
    const at = id % this.#counts.length;
    if (this.#slotIds[at] !== id) {
      this.#slotIds[at] = id;
      this.#counts[at] = 0;
    }
    this.#counts[at] += n;
  }

  /** Events per second over the window (or since start while the window is not full yet). */
  perSecond(): number {
    const now = this.#clock.monotonic();
    const current = Math.floor(now / this.#slotMs);
    const oldest = current - this.#counts.length + 1;
    let sum = 0;
    for (let i = 0; i < this.#counts.length; i++) {
      const id = this.#slotIds[i];
      if (id >= oldest && id <= current) sum += this.#counts[i];
    }
    // the oldest slot may reach back past the window; treat the window as exactly full
    const span = Math.min(this.#counts.length * this.#slotMs, now - this.#startedAt);
    return span > 0 ? (sum * 1000) / span : 0;
  }
}
