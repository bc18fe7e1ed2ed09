/**
 * What a long-running command (`load`, `failures retry`, later `verify`) shows of itself while it
 * runs, besides the progress line: the Prometheus endpoint (`--metrics-addr`, off by default) and
 * the per-vault interval samples the ledger keeps for `byot report`. One call starts both around a
 * run's {@linkcode RunMetrics}; the returned observer feeds them, `stop()` ends them.
 *
 * @module
 */
import { nullObserver, type VaultObserver } from "../../common/types.ts";
import { formatListenAddress, type ListenAddress } from "../../config/listen_address.ts";
import { DEFAULTS } from "../../config/settings.ts";
import { type IntervalSample, IntervalSampler } from "../../report/interval_sampler.ts";
import { type MetricsServer, serveMetrics } from "../../report/metrics_server.ts";
import type { PrometheusMetrics, RunInfoLabels } from "../../report/prometheus.ts";
import type { RunMetrics } from "../../report/run_metrics.ts";

/** Options of {@linkcode startTelemetry}. */
export interface TelemetryOptions {
  /** The run's metrics (already holding its vaults). */
  metrics: RunMetrics;
  /** `byot_run_info` labels (or a function read at each scrape): no secrets, no URLs. */
  info: RunInfoLabels | (() => RunInfoLabels);
  /** Where to serve `/metrics`; absent = no endpoint. */
  metricsAddr?: ListenAddress;
  /** Where interval samples go (the ledger sink); absent = no samples (e.g. `--no-checkpoint`). */
  samples?: (rows: IntervalSample[]) => void;
  /** Time between samples in ms. @default 10000 */
  sampleIntervalMs?: number;
  /** Told the endpoint's URL once it listens (a line on stderr). @default nothing */
  note?: (line: string) => void;
}

/** Running telemetry of one command. */
export interface Telemetry {
  /** The observer to give the pipeline: the run's own, plus latency for the endpoint and samples. */
  readonly observer: VaultObserver;
  /** The endpoint, when one listens. */
  readonly server?: MetricsServer;
  /** Starts sampling (call when the run's work starts). */
  start(): void;
  /** Writes the last sample and closes the endpoint. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts the endpoint (if asked for) and prepares the sampler (if samples have somewhere to go).
 *
 * @throws {ConfigError} (exit 2) when the metrics address cannot be bound.
 */
export function startTelemetry(options: TelemetryOptions): Telemetry {
  let observer = options.metrics.observer;
  let server: MetricsServer | undefined;
  if (options.metricsAddr) {
    // prom-client (and what it loads) is imported only when an endpoint is asked for: a load without
    // one saves its start-up CPU and its heap (~0.7 MB). Latencies observed before it is loaded are kept
    // and replayed into the histogram, so the endpoint misses none.
    let latency: VaultObserver | undefined;
    const early: Parameters<VaultObserver["request"]>[0][] = [];
    const prom: Promise<PrometheusMetrics> = import("../../report/prometheus.ts").then((m) => {
      const p = new m.PrometheusMetrics({ metrics: options.metrics, info: options.info });
      latency = p.observe(nullObserver); // the histogram alone: the run's observer is called below
      for (const e of early.splice(0)) latency.request(e);
      return p;
    });
    prom.catch(() => {}); // a failed import answers each scrape with 500, it does not stop the run
    const inner = observer;
    observer = {
      ...inner,
      request(e) {
        inner.request(e);
        if (latency) latency.request(e);
        else early.push(e);
      },
    };
    server = serveMetrics({
      ...options.metricsAddr,
      render: async () => (await prom).text(),
      label: `--metrics-addr ${formatListenAddress(options.metricsAddr)}`,
    });
    options.note?.(`Prometheus metrics: ${server.url}`);
  }
  const sampler = options.samples
    ? new IntervalSampler({
      metrics: options.metrics,
      write: options.samples,
      intervalMs: options.sampleIntervalMs ?? DEFAULTS.sampleIntervalMs,
    })
    : undefined;
  if (sampler) observer = sampler.observe(observer);
  let stopped = false;
  return {
    observer,
    server,
    start: () => sampler?.start(),
    async stop() {
      if (stopped) return;
      stopped = true;
      sampler?.stop();
      await server?.close();
    },
  };
}
