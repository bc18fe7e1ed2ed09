/**
 * Prometheus metrics of a run, in the text exposition format, built with `prom-client` on a
 * registry of its own. Counters and gauges are read from the run's {@linkcode RunMetrics} at scrape
 * time (nothing is added to the hot path); only the request-latency histogram is fed per request,
 * through {@linkcode PrometheusMetrics.observe}. No label or value carries a secret or a URL.
 *
 * @module
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { VaultObserver } from "../common/types.ts";
import { alreadyPresentOf } from "./outcomes.ts";
import { RETRY_REASONS, type VaultMetrics } from "./metrics.ts";
import type { RunMetrics } from "./run_metrics.ts";

/** What `byot_run_info` says about the run. Never put a secret, a URL or a path here. */
export interface RunInfoLabels {
  /** byot's version. */
  version: string;
  /** The ledger's run id (`none` without a ledger). */
  runId: string;
  /** The source kind: `csv`, `snowflake`, `error-log`, or `ledger` for `failures retry`. */
  source: string;
  /** The command: `load`, `failures retry`, `verify`. */
  command: string;
}

/** Options of {@linkcode PrometheusMetrics}. */
export interface PrometheusMetricsOptions {
  /** The run's metrics, read at every scrape. */
  metrics: RunMetrics;
  /** The labels of `byot_run_info`, or a function read at every scrape (a run id known later). */
  info: RunInfoLabels | (() => RunInfoLabels);
  /**
   * Upper bounds of the latency histogram's buckets, in seconds.
   * @default [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]
   */
  latencyBucketsS?: number[];
}

/** The `outcome` label values of `byot_records_total`. */
export const RECORD_OUTCOMES = ["loaded", "already_present", "failed", "skipped"] as const;

const DEFAULT_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * The Prometheus face of a run.
 *
 * @example Expose a run's metrics
 * ```ts
 * import { RunMetrics } from "./run_metrics.ts";
 *
 * const metrics = new RunMetrics({ vaults: ["NAME"] });
 * const prom = new PrometheusMetrics({
 *   metrics,
 *   info: { version: "0.1.0", runId: "r1", source: "csv", command: "load" },
 * });
 * const observer = prom.observe(metrics.observer); // give this to the vault client
 * observer.request({ vault: "NAME", kind: "insert", status: 200, latencyMs: 40, records: 25 });
 * const text = await prom.text(); // byot_requests_total{vault="NAME",status="200"} 1 ...
 * ```
 */
export class PrometheusMetrics {
  /** The `Content-Type` of {@linkcode text}. */
  readonly contentType: string;
  readonly #registry = new Registry();
  readonly #metrics: RunMetrics;
  readonly #latency: Histogram<"vault" | "kind">;

  /** Registers every byot metric on a private registry. */
  constructor(options: PrometheusMetricsOptions) {
    const run = options.metrics;
    this.#metrics = run;
    const registers = [this.#registry];
    this.contentType = this.#registry.contentType;
    const each = (fn: (m: VaultMetrics) => void) => {
      for (const m of run.vaults()) fn(m);
    };

    const infoOf = options.info;
    new Gauge({
      name: "byot_run_info",
      help: "Always 1; the labels describe the run (byot version, run id, source kind, command).",
      labelNames: ["version", "run_id", "source", "command"] as const,
      registers,
      collect() {
        const i = typeof infoOf === "function" ? infoOf() : infoOf;
        this.reset();
        this.set({ version: i.version, run_id: i.runId, source: i.source, command: i.command }, 1);
      },
    });

    const records: Counter<"vault" | "outcome"> = new Counter({
      name: "byot_records_total",
      help:
        "Records settled by this process, by vault and outcome (loaded, already_present, failed, skipped).",
      labelNames: ["vault", "outcome"] as const,
      registers,
      collect() {
        records.reset();
        each((m) => {
          const present = alreadyPresentOf(m);
          const counts = {
            loaded: Math.max(0, m.loaded - present),
            already_present: present,
            failed: m.failed,
            skipped: m.skipped,
          };
          for (const outcome of RECORD_OUTCOMES) records.inc({ vault: m.name, outcome }, counts[outcome]);
        });
      },
    });

    const requests: Counter<"vault" | "status"> = new Counter({
      name: "byot_requests_total",
      help:
        "Vault requests answered, by vault and HTTP status (0: no answer, e.g. a network error or timeout).",
      labelNames: ["vault", "status"] as const,
      registers,
      collect() {
        requests.reset();
        each((m) => {
          for (const [status, n] of m.statuses) requests.inc({ vault: m.name, status: String(status) }, n);
        });
      },
    });

    this.#latency = new Histogram({
      name: "byot_request_duration_seconds",
      help: "Latency of vault requests (any answer, or none), by vault and request kind.",
      labelNames: ["vault", "kind"] as const,
      buckets: options.latencyBucketsS ?? DEFAULT_BUCKETS_S,
      registers,
    });

    const rateLimited: Counter<"vault"> = new Counter({
      name: "byot_rate_limited_total",
      help: "429 Too Many Requests answers, by vault.",
      labelNames: ["vault"] as const,
      registers,
      collect() {
        rateLimited.reset();
        each((m) => rateLimited.inc({ vault: m.name }, m.rateLimited));
      },
    });

    const retries: Counter<"vault" | "reason"> = new Counter({
      name: "byot_retries_total",
      help: "Requests retried, by vault and reason (429, 5xx, 408, network, timeout, size).",
      labelNames: ["vault", "reason"] as const,
      registers,
      collect() {
        retries.reset();
        each((m) => {
          for (const reason of RETRY_REASONS) retries.inc({ vault: m.name, reason }, m.retries[reason]);
        });
      },
    });

    const gauge = (name: string, help: string, value: (m: VaultMetrics) => number | undefined) => {
      const g: Gauge<"vault"> = new Gauge({
        name,
        help,
        labelNames: ["vault"] as const,
        registers,
        collect() {
          g.reset();
          each((m) => {
            const v = value(m);
            if (v !== undefined && Number.isFinite(v)) g.set({ vault: m.name }, v);
          });
        },
      });
    };
    gauge(
      "byot_requests_in_flight",
      "Vault requests in flight now, by vault.",
      (m) => m.limiter?.active ?? m.inFlight,
    );
    gauge(
      "byot_concurrency_limit",
      "Requests allowed in flight now, by vault (adapts with --concurrency auto).",
      (m) => m.limiter?.limit,
    );
    gauge(
      "byot_records_expected",
      "Rows the source holds for the vault in the selected range, when known (includes resumed ones).",
      (m) => m.total,
    );
    gauge(
      "byot_records_done",
      "Rows settled so far, this run or a run it resumed, by vault.",
      (m) => m.done,
    );
    gauge(
      "byot_records_per_second",
      "Rows settled per second over the last 10 s, by vault.",
      (m) => m.finishedAt === undefined ? m.rate.perSecond() : 0,
    );
    gauge(
      "byot_eta_seconds",
      "Estimated seconds until the vault's rows are all settled (absent while unknown).",
      (m) => etaSeconds(m),
    );
  }

  /** Wraps `inner` so every answered request is also observed by the latency histogram. */
  observe(inner: VaultObserver): VaultObserver {
    const latency = this.#latency;
    return {
      ...inner,
      request(e) {
        inner.request(e);
        latency.observe({ vault: e.vault, kind: e.kind }, Math.max(0, e.latencyMs) / 1000);
      },
    };
  }

  /** The metrics in the Prometheus text format. */
  text(): Promise<string> {
    return this.#registry.metrics();
  }

  /** The run's metrics this exporter reads. */
  get metrics(): RunMetrics {
    return this.#metrics;
  }
}

function etaSeconds(m: VaultMetrics): number | undefined {
  if (m.total === undefined) return undefined;
  const remaining = Math.max(0, m.total - m.done);
  if (remaining === 0 || m.finishedAt !== undefined) return 0;
  const rate = m.rate.perSecond();
  return rate > 0 ? remaining / rate : undefined;
}
