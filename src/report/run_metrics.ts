/**
 * The metrics of a whole run: one {@linkcode VaultMetrics} per vault, an observer that routes vault
 * client events to the right vault, and an {@linkcode OutcomeSink} face so the pipeline can tee
 * batch outcomes to the ledger and to the metrics alike.
 *
 * @module
 */
import { Stopwatch } from "./stopwatch.ts";
import { type Clock, systemClock } from "../common/clock.ts";
import type { Batch, BatchResult, OutcomeSink, VaultObserver } from "../common/types.ts";
import { VaultMetrics } from "./metrics.ts";

/** Options of {@linkcode RunMetrics}. */
export interface RunMetricsOptions {
  /** Where time comes from. @default systemClock */
  clock?: Clock;
  /** Vaults to create up front, in display order (others are created on their first event). @default [] */
  vaults?: string[];
  /** Window of the live rec/s estimates in ms. @default 10000 */
  rateWindowMs?: number;
}

/**
 * Collects the metrics of every vault of a run.
 *
 * @example Feed vault client events and read them back
 * ```ts
 * import { systemClock } from "../common/clock.ts";
 *
 * const metrics = new RunMetrics({ clock: systemClock, vaults: ["NAME", "SSN"] });
 * // give metrics.observer to the vault client; pass metrics as an OutcomeSink to the pipeline
 * metrics.observer.request({ vault: "SSN", kind: "insert", status: 429, latencyMs: 12, records: 25 });
 * metrics.finish();
 * if (metrics.vault("SSN").rateLimited !== 1) throw new Error("unexpected");
 * ```
 */
export class RunMetrics implements OutcomeSink {
  /** Routes vault client events to the metrics of the vault they name. */
  readonly observer: VaultObserver;
  readonly #clock: Clock;
  readonly #span: Stopwatch;
  readonly #rateWindowMs?: number;
  readonly #vaults = new Map<string, VaultMetrics>();

  /** Creates the collector; `startedAt` is now. */
  constructor(options: RunMetricsOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#rateWindowMs = options.rateWindowMs;
    this.#span = new Stopwatch(this.#clock);
    for (const name of options.vaults ?? []) this.vault(name);
    this.observer = {
      request: (e) => this.vault(e.vault).requestDone(e.kind, e.status, e.latencyMs),
      retry: (e) => this.vault(e.vault).retryPlanned(e.reason, e.delayMs),
      replay: (e) => void (this.vault(e.vault).replays[e.path] += e.records),
      split: (e) => void this.vault(e.vault).splits[e.reason]++,
      build: (e) => void (this.vault(e.vault).timing.payloadMs += e.ms),
    };
  }

  /** The metrics of vault `name`, created on first use. */
  vault(name: string): VaultMetrics {
    let m = this.#vaults.get(name);
    if (m === undefined) {
      m = new VaultMetrics(name, { clock: this.#clock, rateWindowMs: this.#rateWindowMs });
      this.#vaults.set(name, m);
    }
    return m;
  }

  /** Every vault's metrics, in creation order. */
  vaults(): VaultMetrics[] {
    return [...this.#vaults.values()];
  }

  /** The clock the metrics use (for reporters that need the same time). */
  get clock(): Clock {
    return this.#clock;
  }

  /** When the run started, in wall-clock ms since the epoch. */
  get startedAt(): number {
    return this.#span.startedAt;
  }

  /** When the run ended, in wall-clock ms since the epoch; unset while running. */
  get finishedAt(): number | undefined {
    return this.#span.finishedAt;
  }

  /** Marks the start of the run and of every vault known so far, at wall time `at`. */
  start(at: number = this.#clock.now()): void {
    this.#span.start(at);
    for (const m of this.#vaults.values()) m.start(at);
  }

  /** Marks the end of the run, and of every vault not finished yet. */
  finish(at: number = this.#clock.now()): void {
    this.#span.finish(at);
    for (const m of this.#vaults.values()) if (m.finishedAt === undefined) m.finish(at);
  }

  /** Time of the run so far (or in total once finished), in monotonic ms; never negative. */
  elapsedMs(): number {
    return this.#span.elapsedMs();
  }

  /** Settled records per second over the rate window, all vaults together. */
  perSecond(): number {
    let sum = 0;
    for (const m of this.#vaults.values()) sum += m.rate.perSecond();
    return sum;
  }

  /**
   * A snapshot summing every vault (named `"total"`), with the run's start and finish times.
   * `total` is unset unless every vault's is known; `maxInFlight` is the sum of the vaults' peaks.
   * Its `rate` is empty: use {@linkcode perSecond}.
   */
  totals(): VaultMetrics {
    const t = new VaultMetrics("total", { clock: this.#clock, total: 0 });
    for (const m of this.#vaults.values()) t.merge(m);
    t.span.copy(this.#span);
    return t;
  }

  /** {@linkcode OutcomeSink}: counts the batch in flight for its vault. */
  batchStarted(batch: Batch): void {
    this.vault(batch.vault).batchStarted(batch);
  }

  /** {@linkcode OutcomeSink}: counts the batch's outcome for its vault. */
  batchFinished(batch: Batch, result: BatchResult): void {
    this.vault(batch.vault).batchFinished(batch, result);
  }

  /** {@linkcode OutcomeSink}: nothing to make durable. */
  flush(): void {}
}
