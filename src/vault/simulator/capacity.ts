/**
 * The simulator's `--capacity`: each vault works on at most N requests at a time and queues the
 * rest in arrival order, like a vault whose workers are all busy. Beyond N in flight, more requests
 * only lengthen the queue: answers per second stay at N / latency while latency grows.
 *
 * @module
 */

/** Per-vault slots; `acquire` waits in line for one when all are taken. */
export class VaultCapacity {
  readonly #busy = new Map<string, number>();
  readonly #queues = new Map<string, (() => void)[]>();

  /**
   * Creates the slots.
   *
   * @param slots requests each vault works on at once; 0 = unlimited.
   */
  constructor(readonly slots: number) {}

  /**
   * Takes one of `vaultId`'s slots, waiting in line while all are taken; returns the release.
   *
   * @example
   * ```ts
   * import { VaultCapacity } from "./capacity.ts";
   *
   * const capacity = new VaultCapacity(1);
   * const release = await capacity.acquire("v1");
   * const second = capacity.acquire("v1"); // waits until release()
   * release();
   * (await second)();
   * ```
   */
  async acquire(vaultId: string): Promise<() => void> {
    if (this.slots <= 0) return () => {};
    const busy = this.#busy.get(vaultId) ?? 0;
    if (busy < this.slots) {
      this.#busy.set(vaultId, busy + 1);
    } else {
      // the releasing request hands its slot over: the count stays
      await new Promise<void>((resolve) => {
        const queue = this.#queues.get(vaultId) ?? [];
        queue.push(resolve);
        this.#queues.set(vaultId, queue);
      });
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#queues.get(vaultId)?.shift();
      if (next) next();
      else this.#busy.set(vaultId, (this.#busy.get(vaultId) ?? 1) - 1);
    };
  }

  /** Requests of `vaultId` waiting for a slot now. */
  waiting(vaultId: string): number {
    return this.#queues.get(vaultId)?.length ?? 0;
  }
}
