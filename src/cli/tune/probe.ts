/**
 * One probe of `byot tune`: a short load of generated records (never the user's data) with one
 * batch size and concurrency, through the real pipeline ({@linkcode runLoad}) into a
 * {@linkcode RunMetrics} sink (no ledger), bounded by a record count and a time cap.
 *
 * Probe values are `byot-tune-<tune id>-<probe>-<i>`, unique per probe, so they never collide with
 * each other or with real data; tokens are UUID-shaped generated tokens seeded per probe.
 *
 * @module
 */
import { type Clock, systemClock } from "../../common/clock.ts";
import type {
  Batch,
  BatchResult,
  OutcomeSink,
  SourceItem,
  VaultSource,
  VaultSpec,
} from "../../common/types.ts";
import type { SendSettings } from "../../config/settings.ts";
import { runLoad } from "../../pipeline/load.ts";
import { RunMetrics } from "../../report/run_metrics.ts";
import { generatedPair } from "../../sources/generator.ts";
import type { TokenProvider } from "../../vault/auth/token_provider.ts";

/** One setting of the grid. */
export interface TuneSetting {
  /** `32×100`, or `auto×100`. */
  label: string;
  /** Records per request. */
  batchSize: number;
  /** Requests in flight (with `auto`: the ceiling). */
  concurrency: number;
  /** `--concurrency auto`. */
  auto: boolean;
}

/** The legacy quick grid, concurrency × batch size. */
export const QUICK_GRID: readonly { concurrency: number; batchSize: number }[] = [
  { concurrency: 32, batchSize: 100 },
  { concurrency: 32, batchSize: 300 },
  { concurrency: 50, batchSize: 100 },
  { concurrency: 100, batchSize: 300 },
  { concurrency: 200, batchSize: 50 },
];

/** A fixed setting of the grid. */
export function fixedSetting(concurrency: number, batchSize: number): TuneSetting {
  return { label: `${concurrency}×${batchSize}`, batchSize, concurrency, auto: false };
}

/** The `auto` setting: adaptive concurrency up to `ceiling`, with `batchSize`. */
export function autoSetting(batchSize: number, ceiling: number): TuneSetting {
  return { label: `auto×${batchSize}`, batchSize, concurrency: ceiling, auto: true };
}

/** Prefix of every value `byot tune` writes. */
export const TUNE_VALUE_PREFIX = "byot-tune-";

/**
 * The value of record `index` of probe `probe` of tune run `tuneId`.
 *
 * @example
 * ```ts
 * probeValue("m1x2y3z4", 2, 17); // "byot-tune-m1x2y3z4-2-17"
 * ```
 */
export function probeValue(tuneId: string, probe: number, index: number): string {
  return `${TUNE_VALUE_PREFIX}${tuneId}-${probe}-${index}`;
}

/** An id for one `byot tune` invocation: base-36 time plus 4 random base-36 digits. */
export function newTuneId(now: number, random: () => number): string {
  const tail = Math.floor(random() * 36 ** 4).toString(36).padStart(4, "0");
  return `${Math.floor(now).toString(36)}${tail}`;
}

/** Options of {@linkcode probeSource}. */
export interface ProbeSourceOptions {
  /** The tune run id. */
  tuneId: string;
  /** Probe number (1-based). */
  probe: number;
  /** Records to produce. */
  count: number;
  /** Records per chunk read. @default 1000 */
  chunk?: number;
}

/** An in-memory source of `count` generated probe records. */
export function probeSource(options: ProbeSourceOptions): VaultSource {
  const { tuneId, probe, count } = options;
  const chunk = options.chunk ?? 1000;
  const seed = `${TUNE_VALUE_PREFIX}${tuneId}-${probe}`;
  return {
    label: `${count} generated records (${seed}-*)`,
    async *read(o = {}) {
      for (let start = o.from?.position ?? 0; start < count; start += chunk) {
        if (o.signal?.aborted) return;
        const items: SourceItem[] = [];
        for (let i = start; i < Math.min(count, start + chunk); i++) {
          items.push({
            position: i,
            value: probeValue(tuneId, probe, i),
            token: generatedPair("id", i, { seed }).token,
            cursor: { position: i },
          });
        }
        yield items;
      }
    },
  };
}

/** What one probe measured. */
export interface ProbeResult {
  /** The setting probed. */
  setting: TuneSetting;
  /** Records the probe meant to send. */
  records: number;
  /** Records settled (loaded or failed) before the probe ended. */
  settled: number;
  /** Records stored by the vault. */
  loaded: number;
  /** Records rejected for good (or out of retries). */
  failed: number;
  /** Failed records per HTTP status (0 = network). */
  failuresByStatus: Record<string, number>;
  /** The first failure's message (about generated data only), for a hint. */
  firstError?: string;
  /** HTTP requests made. */
  requests: number;
  /** Answers with status 429. */
  rateLimited: number;
  /** `rateLimited / requests` (0 when no request). */
  rateLimitedShare: number;
  /** Wall time of the probe in ms. */
  elapsedMs: number;
  /** Loaded records per second of wall time. */
  recordsPerSecond: number;
  /** Median request latency in ms. */
  p50Ms: number;
  /** 99th percentile request latency in ms. */
  p99Ms: number;
  /** The time cap stopped it before every record was sent. */
  capped: boolean;
  /** Fewer batches than requests in flight: the setting could not be filled (raise `--records`). */
  underfilled: boolean;
  /** The error that stopped the probe at once (bad credentials, unknown vault), if any. */
  fatal?: unknown;
}

/** Options of {@linkcode runProbe}. */
export interface ProbeOptions {
  /** Settings of the target (URL, retries, BYOT mode, …); batch size and concurrency are overridden. */
  settings: SendSettings;
  /** The setting to probe. */
  setting: TuneSetting;
  /** The target vault and table. */
  vault: VaultSpec;
  /** The tune run id (part of every value). */
  tuneId: string;
  /** Probe number (1-based, part of every value). */
  probe: number;
  /** Records to send. */
  records: number;
  /** Time cap in ms: intake stops then, in-flight batches finish. */
  maxMs: number;
  /** Extra time in-flight batches get after the cap before they are aborted, in ms. @default 10000 */
  graceMs?: number;
  /** Bearer tokens. */
  tokens: TokenProvider;
  /** Time source for the time cap, the grace period and the measured wall time. @default systemClock */
  clock?: Clock;
  /** HTTP client for the vault requests. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Uniform random in [0, 1), for the retry backoff jitter. @default Math.random */
  random?: () => number;
  /** Stops taking new batches (Ctrl-C). */
  intake?: AbortSignal;
  /** Aborts in-flight requests (second Ctrl-C). */
  signal?: AbortSignal;
}

/** Runs one probe to its end (all records, the time cap, or a stop) and returns what it measured. */
export async function runProbe(o: ProbeOptions): Promise<ProbeResult> {
  const clock = o.clock ?? systemClock;
  const { setting } = o;
  const metrics = new RunMetrics({ clock, vaults: [o.vault.name] });
  const failures = new FailureTally(metrics);
  const done = new AbortController();
  const capped = new AbortController();
  const hard = new AbortController();
  void clock.sleep(o.maxMs, done.signal).then(() => capped.abort(), () => {});
  void clock.sleep(o.maxMs + (o.graceMs ?? 10_000), done.signal).then(() => hard.abort(), () => {});
  const intake = AbortSignal.any([capped.signal, ...(o.intake ? [o.intake] : [])]);
  const signal = AbortSignal.any([hard.signal, ...(o.signal ? [o.signal] : [])]);
  const settings: SendSettings = {
    ...o.settings,
    vaults: [o.vault],
    batchSize: setting.batchSize,
    concurrency: setting.concurrency,
    concurrencyAuto: setting.auto,
    maxRecords: 0,
    startRecord: 0,
    appendSuffix: false,
  };
  metrics.start();
  const started = clock.monotonic();
  let end;
  try {
    end = await runLoad({
      settings,
      vaults: [{
        spec: o.vault,
        source: probeSource({ tuneId: o.tuneId, probe: o.probe, count: o.records }),
      }],
      sink: failures,
      observer: metrics.observer,
      tokens: o.tokens,
      clock,
      random: o.random,
      fetch: o.fetch,
      intake,
      signal,
    });
  } finally {
    done.abort();
  }
  const elapsedMs = Math.max(1, clock.monotonic() - started);
  metrics.finish();
  const m = metrics.vault(o.vault.name);
  const settled = m.loaded + m.failed;
  const result: ProbeResult = {
    setting,
    records: o.records,
    settled,
    loaded: m.loaded,
    failed: m.failed,
    failuresByStatus: failures.byStatus,
    requests: m.requests,
    rateLimited: m.rateLimited,
    rateLimitedShare: m.requests > 0 ? m.rateLimited / m.requests : 0,
    elapsedMs,
    recordsPerSecond: m.loaded / (elapsedMs / 1000),
    p50Ms: m.latency.percentile(50),
    p99Ms: m.latency.percentile(99),
    capped: capped.signal.aborted && settled < o.records,
    underfilled: Math.ceil(o.records / setting.batchSize) < setting.concurrency,
  };
  if (failures.firstError !== undefined) result.firstError = failures.firstError;
  if (end.fatal !== undefined && !(hard.signal.aborted && end.fatal === hard.signal.reason)) {
    result.fatal = end.fatal;
  }
  return result;
}

/** Forwards outcomes to the metrics and counts failed records by status. */
class FailureTally implements OutcomeSink {
  readonly byStatus: Record<string, number> = {};
  firstError?: string;
  readonly #metrics: RunMetrics;

  constructor(metrics: RunMetrics) {
    this.#metrics = metrics;
  }

  batchStarted(batch: Batch): void {
    this.#metrics.batchStarted(batch);
  }

  batchFinished(batch: Batch, result: BatchResult): void {
    this.#metrics.batchFinished(batch, result);
    for (const f of result.failures) {
      this.byStatus[String(f.status)] = (this.byStatus[String(f.status)] ?? 0) + 1;
      this.firstError ??= `${f.status || "network"}: ${f.message}`;
    }
  }

  flush(): void {}
}
