/**
 * A counting semaphore whose limit can change while it is in use (adaptive concurrency lowers and
 * raises it). Waiters are served in arrival order.
 *
 * @module
 */

/** Bounds the number of concurrent holders. */
export class Limiter {
  #limit: number;
  #active = 0;
  #waiters: (() => void)[] = [];

  /**
   * Creates a limiter with no holders.
   *
   * @param limit initial number of holders allowed (floored; at least 1).
   */
  constructor(limit: number) {
    this.#limit = Math.max(1, Math.floor(limit));
  }

  /** Holders right now. */
  get active(): number {
    return this.#active;
  }

  /** Holders allowed now (≥ 1). */
  get limit(): number {
    return this.#limit;
  }

  /** Changes the limit; raising it wakes waiters at once, lowering it takes effect as holders leave. */
  set limit(value: number) {
    this.#limit = Math.max(1, Math.floor(value));
    this.#wake();
  }

  /** Waits for a place. Rejects with the signal's reason if it aborts first. */
  acquire(signal?: AbortSignal): Promise<void> {
    if (this.#active < this.#limit && this.#waiters.length === 0) {
      this.#active++;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const waiter = () => {
        signal?.removeEventListener("abort", onAbort);
        this.#active++;
        resolve();
      };
      const onAbort = () => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(signal!.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  /** Gives a place back. */
  release(): void {
    this.#active--;
    this.#wake();
  }

  #wake(): void {
    while (this.#active < this.#limit && this.#waiters.length > 0) this.#waiters.shift()!();
  }
}
