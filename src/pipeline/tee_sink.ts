/**
 * Sends every batch outcome to several sinks (the ledger first, then the metrics).
 *
 * @module
 */
import type { Batch, BatchResult, OutcomeSink } from "../common/types.ts";

/** An {@linkcode OutcomeSink} that forwards to each of `sinks` in order. */
export class TeeSink implements OutcomeSink {
  readonly #sinks: OutcomeSink[];
  /**
   * Creates a sink that forwards every call to each of `sinks`.
   *
   * @param sinks the sinks to forward to, in order (e.g. the ledger, then the metrics).
   */
  constructor(...sinks: OutcomeSink[]) {
    this.#sinks = sinks;
  }
  batchStarted(batch: Batch): void {
    for (const sink of this.#sinks) sink.batchStarted(batch);
  }
  batchFinished(batch: Batch, result: BatchResult): void {
    for (const sink of this.#sinks) sink.batchFinished(batch, result);
  }
  async flush(): Promise<void> {
    for (const sink of this.#sinks) await sink.flush();
  }
}
