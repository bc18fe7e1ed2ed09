/**
 * A test double of {@linkcode Clock}: time moves only when a test says so.
 *
 * @module
 */
import type { Clock } from "../../src/common/clock.ts";

interface Sleeper {
  until: number;
  resolve: () => void;
  reject: (reason: unknown) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

/**
 * A clock that only moves when told to. `sleep()` resolves once `tick()` has moved time past its
 * deadline. `tick()` moves both readings; `stepWall()` moves only the wall clock, like an NTP step.
 *
 * @example Advance time in a test
 * ```ts
 * import { FakeClock } from "./clock.ts";
 *
 * const clock = new FakeClock(1000);
 * const done = clock.sleep(500);
 * await clock.tick(500);
 * await done;
 * clock.stepWall(-60_000); // the wall clock jumps back a minute; monotonic() does not
 * ```
 */
export class FakeClock implements Clock {
  #now: number;
  #wallOffset = 0;
  #sleepers: Sleeper[] = [];

  /**
   * Creates a clock stopped at `start` (both readings).
   *
   * @param start initial time in ms since the epoch; defaults to 0.
   */
  constructor(start = 0) {
    this.#now = start;
  }

  /** The wall clock: monotonic time plus every {@linkcode FakeClock.stepWall} so far. */
  now(): number {
    return this.#now + this.#wallOffset;
  }

  /** Monotonic time: moved by {@linkcode FakeClock.tick} only. */
  monotonic(): number {
    return this.#now;
  }

  /** Steps the wall clock by `ms` (negative = back) without moving monotonic time or waking sleepers. */
  stepWall(ms: number): void {
    this.#wallOffset += ms;
  }

  /** Number of pending sleeps (useful to wait until code under test is blocked). */
  get pending(): number {
    return this.#sleepers.length;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const sleeper: Sleeper = { until: this.#now + Math.max(0, ms), resolve, reject, signal };
      if (signal) {
        sleeper.onAbort = () => {
          this.#sleepers = this.#sleepers.filter((s) => s !== sleeper);
          reject(signal.reason);
        };
        signal.addEventListener("abort", sleeper.onAbort, { once: true });
      }
      this.#sleepers.push(sleeper);
    });
  }

  /** Moves both readings forward by `ms`, waking sleepers in deadline order and letting their code run. */
  async tick(ms: number): Promise<void> {
    const target = this.#now + ms;
    while (true) {
      const next = this.#sleepers.filter((s) => s.until <= target).sort((a, b) => a.until - b.until)[0];
      if (!next) break;
      this.#now = Math.max(this.#now, next.until);
      this.#sleepers = this.#sleepers.filter((s) => s !== next);
      if (next.onAbort) next.signal?.removeEventListener("abort", next.onAbort);
      next.resolve();
      // let the woken code run and possibly schedule new sleeps before the next one
      for (let i = 0; i < 10; i++) await Promise.resolve();
      await new Promise((r) => setTimeout(r, 0));
    }
    this.#now = target;
  }
}
