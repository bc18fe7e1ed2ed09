/**
 * Per-interval samples of every vault of a run (one row per vault every 10 s by default), kept in
 * the ledger so `byot report` can chart a run over time. The sampler reads the run's
 * {@linkcode RunMetrics} once per interval and takes differences, so the hot path pays only one
 * histogram update per request (for the interval's latency percentiles).
 *
 * Size stays bounded: after `maxSamplesPerVault` rows the interval doubles (a 10-hour run at 10 s
 * is 3,600 rows per vault, far below the default budget of 8,640).
 *
 * @module
 */
import type { Clock } from "../common/clock.ts";
import type { VaultObserver } from "../common/types.ts";
import { LatencyHistogram } from "./histogram.ts";
import type { VaultMetrics } from "./metrics.ts";
import { alreadyPresentOf } from "./outcomes.ts";
import type { RunMetrics } from "./run_metrics.ts";

/** One vault's activity during one interval. Counts are of that interval only. */
export interface IntervalSample {
  /** Vault name. */
  vault: string;
  /** End of the interval, in ms since the epoch. */
  at: number;
  /** Length of the interval in ms. */
  intervalMs: number;
  /** Records the vault stored (already-present ones excluded). */
  loaded: number;
  /** Records the vault already held under their own token. */
  alreadyPresent: number;
  /** Records that failed for good. */
  failed: number;
  /** Rows skipped (empty or null value/token). */
  skipped: number;
  /** Requests answered (or failed without an answer). */
  requests: number;
  /** 429 answers. */
  rateLimited: number;
  /** Retries of any reason. */
  retries: number;
  /** Median request latency in ms (0 without requests). */
  latencyP50Ms: number;
  /** 99th-percentile request latency in ms (0 without requests). */
  latencyP99Ms: number;
  /** Requests in flight when the interval ended. */
  inFlight: number;
  /** Concurrency limit when the interval ended (0 when unknown). */
  concurrencyLimit: number;
}

/** Options of {@linkcode IntervalSampler}. */
export interface IntervalSamplerOptions {
  /** The run's metrics. */
  metrics: RunMetrics;
  /** Receives each round of samples (one per vault); the ledger buffers them for its next group commit. */
  write(samples: IntervalSample[]): void;
  /** Time between samples in ms. @default 10000 */
  intervalMs?: number;
  /** Rows per vault before the interval doubles. @default 8640 */
  maxSamplesPerVault?: number;
  /** Where time comes from. @default metrics.clock */
  clock?: Clock;
}

/** The counters of a sample, as read at the start of its interval. */
type Baseline = Pick<
  IntervalSample,
  "loaded" | "alreadyPresent" | "failed" | "skipped" | "requests" | "rateLimited" | "retries"
>;

/**
 * Samples a run at a fixed interval.
 *
 * @example Sample a run into an array
 * ```ts
 * import { RunMetrics } from "./run_metrics.ts";
 *
 * const metrics = new RunMetrics({ vaults: ["NAME"] });
 * const rows: IntervalSample[] = [];
 * const sampler = new IntervalSampler({ metrics, write: (s) => rows.push(...s) });
 * const observer = sampler.observe(metrics.observer); // give this to the vault client
 * sampler.start();
 * // ... run the load ...
 * sampler.stop(); // writes the last, partial interval
 * ```
 */
export class IntervalSampler {
  readonly #metrics: RunMetrics;
  readonly #write: (samples: IntervalSample[]) => void;
  readonly #clock: Clock;
  readonly #budget: number;
  #intervalMs: number;
  #written = 0;
  /** Monotonic time of the last sample (or of start). */
  #lastAt = 0;
  /** Wall timestamp of the last sample: the next one is later, so (run, vault, at) stays unique. */
  #lastWall = -Infinity;
  #latency = new Map<string, LatencyHistogram>();
  #baseline = new Map<string, Baseline>();
  #timer?: AbortController;

  /** Creates a stopped sampler. */
  constructor(options: IntervalSamplerOptions) {
    this.#metrics = options.metrics;
    this.#write = options.write;
    this.#clock = options.clock ?? options.metrics.clock;
    this.#intervalMs = Math.max(1, options.intervalMs ?? 10_000);
    this.#budget = Math.max(1, options.maxSamplesPerVault ?? 8640);
  }

  /** The current interval in ms (doubles each time the budget is spent). */
  get intervalMs(): number {
    return this.#intervalMs;
  }

  /** Wraps `inner` so each answered request's latency also lands in the current interval. */
  observe(inner: VaultObserver): VaultObserver {
    return {
      ...inner,
      request: (e) => {
        inner.request(e);
        let h = this.#latency.get(e.vault);
        if (h === undefined) {
          h = new LatencyHistogram();
          this.#latency.set(e.vault, h);
        }
        h.record(e.latencyMs);
      },
    };
  }

  /** Starts the timer; counts from now on (what happened before is not in the first sample). */
  start(): void {
    if (this.#timer) return;
    this.#lastAt = this.#clock.monotonic();
    for (const m of this.#metrics.vaults()) this.#baseline.set(m.name, snapshot(m));
    this.#latency.clear();
    const timer = new AbortController();
    this.#timer = timer;
    void this.#loop(timer.signal);
  }

  /** Stops the timer and writes the last (partial) interval when time has passed. Safe to call twice. */
  stop(): void {
    if (!this.#timer) return;
    this.#timer.abort();
    this.#timer = undefined;
    if (this.#clock.monotonic() - this.#lastAt >= 1) this.sample();
  }

  /** Takes one round of samples now (one per vault) and hands it to `write`. */
  sample(): IntervalSample[] {
    // the sample's timestamp (never before the last one's, even after a wall-clock step back);
    // its interval is monotonic time
    const at = Math.max(this.#clock.now(), this.#lastWall + 1);
    this.#lastWall = at;
    const mono = this.#clock.monotonic();
    const intervalMs = Math.max(1, Math.round(mono - this.#lastAt)); // whole ms: the ledger column is INTEGER
    this.#lastAt = mono;
    const rows: IntervalSample[] = [];
    for (const m of this.#metrics.vaults()) {
      const now = snapshot(m);
      const before = this.#baseline.get(m.name) ?? zero();
      this.#baseline.set(m.name, now);
      const h = this.#latency.get(m.name);
      this.#latency.delete(m.name);
      rows.push({
        vault: m.name,
        at,
        intervalMs,
        loaded: now.loaded - before.loaded,
        alreadyPresent: now.alreadyPresent - before.alreadyPresent,
        failed: now.failed - before.failed,
        skipped: now.skipped - before.skipped,
        requests: now.requests - before.requests,
        rateLimited: now.rateLimited - before.rateLimited,
        retries: now.retries - before.retries,
        latencyP50Ms: h ? h.percentile(50) : 0,
        latencyP99Ms: h ? h.percentile(99) : 0,
        inFlight: m.limiter?.active ?? m.inFlight,
        concurrencyLimit: m.limiter?.limit ?? 0,
      });
    }
    if (rows.length > 0) this.#write(rows);
    if (++this.#written >= this.#budget) {
      this.#written = 0;
      this.#intervalMs *= 2;
    }
    return rows;
  }

  async #loop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const wait = this.#lastAt + this.#intervalMs - this.#clock.monotonic();
      try {
        await this.#clock.sleep(Math.max(0, wait), signal);
      } catch {
        return;
      }
      if (signal.aborted) return;
      try {
        this.sample();
      } catch {
        // a ledger that cannot record is reported by the load's next batch; samples are best effort
      }
    }
  }
}

function snapshot(m: VaultMetrics): Baseline {
  const present = alreadyPresentOf(m);
  return {
    loaded: Math.max(0, m.loaded - present),
    alreadyPresent: present,
    failed: m.failed,
    skipped: m.skipped,
    requests: m.requests,
    rateLimited: m.rateLimited,
    retries: m.retriesTotal,
  };
}

function zero(): Baseline {
  return { loaded: 0, alreadyPresent: 0, failed: 0, skipped: 0, requests: 0, rateLimited: 0, retries: 0 };
}
