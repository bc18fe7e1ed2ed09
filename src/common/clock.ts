/**
 * Time as an injectable dependency. Production code uses {@linkcode systemClock}; tests pass
 * a fake clock (`tests/_fixtures/clock.ts`) and advance it, so backoff and rate math is checked
 * without real sleeps.
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
