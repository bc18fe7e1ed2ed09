/**
 * What every pipeline command (`load`, `failures retry`, `verify`) shows of a run, wired once: the
 * run's {@linkcode RunMetrics}, the live progress line, the telemetry (Prometheus endpoint and ledger
 * samples), and at the end the text summary on stderr and the `--json` document on stdout.
 *
 * @module
 */
import type { Clock } from "../../common/clock.ts";
import type { Io } from "../../common/io.ts";
import type { VaultObserver } from "../../common/types.ts";
import { summaryJson } from "../../report/json.ts";
import { ProgressReporter } from "../../report/progress.ts";
import { RunMetrics } from "../../report/run_metrics.ts";
import { renderSummary, type SummaryOptions } from "../../report/summary.ts";
import type { IntervalSample } from "../../report/interval_sampler.ts";
import { startTelemetry, type Telemetry } from "./telemetry.ts";
import { VERSION } from "./version.ts";

/** What {@linkcode RunReporting} serves and samples: the run's labels and the command's settings. */
export interface RunTelemetry {
  /** The command, for `byot_run_info` (`load`, `failures retry`, `verify`). */
  command: string;
  /** The source kind, for `byot_run_info` (`csv`, `snowflake`, `error-log`, `ledger`). */
  source: string;
  /** Where to serve `/metrics`; absent = no endpoint. */
  metricsAddr?: Parameters<typeof startTelemetry>[0]["metricsAddr"];
  /** Time between interval samples in ms. @default 10000 */
  sampleIntervalMs?: number;
  /** Keep interval samples (they go to the sink given to {@linkcode RunReporting.sampleInto}). */
  samples: boolean;
}

/** Where interval samples are written (the ledger's sink). */
export interface SampleSink {
  /** Stores samples with the sink's next group commit. */
  recordSamples(rows: IntervalSample[]): void;
}

/** Options of {@linkcode RunReporting}. */
export interface RunReportingOptions {
  /** Where the progress line, notes and the summary go (stderr) and the `--json` document (stdout). */
  io: Io;
  /** Time for the metrics and the progress line. */
  clock: Clock;
  /** Names of the run's vaults. */
  vaults: readonly string[];
  /**
   * The endpoint and samples (see {@linkcode startTelemetry}); the endpoint is bound here, before
   * anything else of the run happens, and serves run id `none` until {@linkcode RunReporting.setRunId}.
   * @default none (no endpoint, no samples: a detached load's parent)
   */
  telemetry?: RunTelemetry;
}

/** How {@linkcode RunReporting.printSummary} ends the run's output. */
export interface SummaryPrint extends Omit<SummaryOptions, "color"> {
  /** Run id for the `--json` document. */
  runId: string;
  /** Print the `--json` document on stdout. */
  json: boolean;
  /** More fields of the `--json` document (after the summary's own). @default {} */
  jsonExtra?: Record<string, unknown>;
}

/** The reporting of one run: metrics, progress, telemetry and the closing summary. */
export class RunReporting {
  /** The run's metrics (the pipeline's sink and observer feed them). */
  readonly metrics: RunMetrics;
  readonly #io: Io;
  readonly #progress: ProgressReporter;
  readonly #telemetry?: Telemetry;
  #runId = "none";
  #samples?: SampleSink;

  /**
   * Creates the metrics and binds the telemetry endpoint (nothing runs until {@linkcode start}).
   *
   * @throws {import("../../common/errors.ts").ConfigError} when the metrics address cannot be bound.
   */
  constructor(options: RunReportingOptions) {
    this.#io = options.io;
    this.metrics = new RunMetrics({ clock: options.clock, vaults: [...options.vaults] });
    this.#progress = new ProgressReporter({
      sink: options.io.stderr,
      metrics: this.metrics,
      clock: options.clock,
    });
    const t = options.telemetry;
    if (t) {
      this.#telemetry = startTelemetry({
        metrics: this.metrics,
        info: () => ({ version: VERSION, runId: this.#runId, source: t.source, command: t.command }),
        metricsAddr: t.metricsAddr,
        samples: t.samples ? (rows) => this.#samples?.recordSamples(rows) : undefined,
        sampleIntervalMs: t.sampleIntervalMs,
        note: (line) => options.io.stderr.write(`${line}\n`),
      });
    }
  }

  /** Names the run in `byot_run_info` once it is known. */
  setRunId(runId: string): void {
    this.#runId = runId;
  }

  /** Where the interval samples go from now on (the run's ledger sink). */
  sampleInto(samples: SampleSink | undefined): void {
    this.#samples = samples;
  }

  /** The observer to give the pipeline (metrics, and latency for the endpoint and samples). */
  get observer(): VaultObserver {
    return this.#telemetry?.observer ?? this.metrics.observer;
  }

  /** Writes a line above the progress line (or on stderr before it started). */
  println(line: string): void {
    this.#progress.println(line);
  }

  /** Starts the clock of the metrics, the samples and the progress line. */
  start(): void {
    this.metrics.start();
    this.#telemetry?.start();
    this.#progress.start();
  }

  /** Stops the progress line, the metrics' clock, the samples and the endpoint. */
  async finish(): Promise<void> {
    this.#progress.stop();
    this.metrics.finish();
    await this.#telemetry?.stop();
  }

  /** Prints the summary (stderr) and, when asked, the `--json` document (stdout). */
  printSummary(o: SummaryPrint): void {
    const { runId, json, jsonExtra, ...summary } = o;
    this.#io.stderr.write(renderSummary(this.metrics, { ...summary, color: this.#io.color }));
    if (json) {
      const doc = { ...summaryJson(this.metrics, { exitCode: o.exitCode, runId }), ...jsonExtra };
      this.#io.stdout.write(JSON.stringify(doc) + "\n");
    }
  }

  /** Stops whatever still runs (the `finally` of a command: safe after {@linkcode finish}). */
  async dispose(): Promise<void> {
    this.#progress.stop();
    await this.#telemetry?.stop();
  }
}
