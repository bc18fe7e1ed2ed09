/**
 * Fail fast on a setup error the vault reports record by record: when the first batches of a vault
 * are rejected entirely, every record with the same definite 4xx message (a wrong `--byot-mode`, a
 * table with a required column byot does not send, ...), the load stops with exit 2 and that message
 * instead of running through the whole source. Those batches are held back from the outcome sink
 * until the guard knows: they stay unsettled (not failed), so the fixed command sends them again.
 *
 * @module
 */
import { ConfigError } from "../common/errors.ts";
import type { Batch, BatchResult } from "../common/types.ts";

/** Options of {@linkcode FirstBatchGuard}. */
export interface FirstBatchGuardOptions {
  /** Vault name, for the message. */
  vault: string;
  /** Records a batch's outcome (the outcome sink). */
  finish(batch: Batch, result: BatchResult): void;
  /** Wholly rejected first batches, all with the same message, that stop the load. @default 3 */
  threshold?: number;
}

/** Messages that describe a record's data, not the setup: duplicates are settled by read-back. */
const DATA_CONFLICT = /already exist|duplicate|conflict|different pairing/i;

/**
 * The message every record of the batch was rejected with, when the whole batch (of two records or
 * more) was definitely rejected with one 4xx message; else undefined.
 */
function commonRejection(batch: Batch, result: BatchResult): string | undefined {
  const failures = result.failures;
  if (batch.records.length < 2 || result.loaded > 0 || failures.length !== batch.records.length) {
    return undefined;
  }
  const first = failures[0];
  if (
    first.status < 400 || first.status >= 500 || first.status === 409 || DATA_CONFLICT.test(first.message)
  ) {
    return undefined;
  }
  const same = failures.every((f) =>
    !f.retryable && f.status === first.status && f.message === first.message && f.verdict === undefined
  );
  return same ? `${first.status} ${first.message}` : undefined;
}

/**
 * Watches a vault's first batch results. While every result so far is a whole batch rejected with
 * the same message, results are held back; at `threshold` of them {@linkcode FirstBatchGuard.offer}
 * throws a {@linkcode ConfigError} and the held batches are never recorded. The first other result
 * releases the held ones to the sink and the guard steps aside for the rest of the load.
 *
 * @example
 * ```ts ignore
 * const guard = new FirstBatchGuard({ vault: "SSN", finish: (b, r) => sink.batchFinished(b, r) });
 * guard.offer(batch, await sender.send(batch)); // instead of sink.batchFinished(batch, result)
 * guard.flush(); // when the vault's source is done
 * ```
 */
export class FirstBatchGuard {
  readonly #o: Required<FirstBatchGuardOptions>;
  #watching = true;
  #held: [Batch, BatchResult][] = [];
  #message?: string;
  #stopped = false;

  /**
   * Creates a guard for one vault.
   *
   * @param options the vault, the sink's finish, and the threshold.
   */
  constructor(options: FirstBatchGuardOptions) {
    this.#o = { threshold: 3, ...options };
  }

  /**
   * Records `result` now, holds it back, or throws the configuration error that stops the load.
   *
   * @throws {ConfigError} (exit 2) at the `threshold`-th wholly rejected first batch.
   */
  offer(batch: Batch, result: BatchResult): void {
    if (!this.#watching) return this.#o.finish(batch, result);
    const message = commonRejection(batch, result);
    if (this.#stopped) {
      // batches in flight when the guard stopped the load: the same rejection stays unsettled too
      if (message !== this.#message) this.#o.finish(batch, result);
      return;
    }
    if (message === undefined || (this.#message !== undefined && message !== this.#message)) {
      this.#watching = false;
      this.flush();
      return this.#o.finish(batch, result);
    }
    this.#message = message;
    this.#held.push([batch, result]);
    if (this.#held.length < this.#o.threshold) return;
    this.#stopped = true;
    const records = this.#held.reduce((n, [b]) => n + b.records.length, 0);
    throw new ConfigError(
      `vault ${this.#o.vault} rejected every record of its first ${this.#held.length} batches (${records} ` +
        `records) with the same answer: ${message}; this is a setup problem, not bad data (check the ` +
        "vault's table and column, --byot-mode and the token's role; `byot check` verifies the setup). " +
        "These records are not recorded as failed: fix the setup and run the same command again",
    );
  }

  /** Records the held results (the source ended, or a different result showed the setup works). */
  flush(): void {
    if (this.#stopped) return;
    const held = this.#held;
    this.#held = [];
    for (const [batch, result] of held) this.#o.finish(batch, result);
  }
}
