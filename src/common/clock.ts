/**
 * Time as an injectable dependency. Production code uses {@linkcode systemClock}; tests pass a
 * {@linkcode FakeClock} and advance it, so backoff and rate math is checked without real sleeps.
 *
 * Two readings: {@linkcode Clock.now} is the wall clock, for timestamps people read and the ledger
 * stores; {@linkcode Clock.monotonic} never jumps, and is the one for every deadline, pause, timeout,
 * duration and rate (an NTP step or a VM resume moves the wall clock by seconds or days).
 *
 * @module
 */

/** A source of time and a way to wait. */
export interface Clock {
  /** Wall-clock milliseconds since the Unix epoch: for timestamps only, never for durations. */
  now(): number;
  /**
   * Milliseconds from an arbitrary origin that only moves forward at a steady pace: for deadlines,
   * pauses, timeouts, durations and rates.
   */
  monotonic(): number;
  /** Resolves after `ms` milliseconds (of monotonic time), or rejects with the signal's reason when it aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The real clock: `Date.now()`, `performance.now()` and `setTimeout`. */
export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  sleep: (ms, signal) => abortableSleep(ms, signal),
};

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(id);
      reject(signal!.reason);
    };
    const id = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, Math.max(0, ms));
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

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
