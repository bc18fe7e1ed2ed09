/**
 * Reporting for byot loads: metrics collected while a load runs ({@linkcode RunMetrics}), live
 * progress on stderr ({@linkcode ProgressReporter}), and the final text and JSON summaries
 * ({@linkcode renderSummary}, {@linkcode summaryJson}).
 *
 * @example Wire reporting around a load
 * ```ts
 * import { captureIo } from "../common/io.ts";
 * import { ProgressReporter, renderSummary, RunMetrics } from "./mod.ts";
 *
 * const io = captureIo();
 * const metrics = new RunMetrics({ vaults: ["NAME", "SSN"] });
 * const progress = new ProgressReporter({ sink: io.stderr, metrics });
 * progress.start();
 * try {
 *   // run the load with `observer: metrics.observer`, teeing batch outcomes to `metrics`
 * } finally {
 *   progress.stop();
 *   metrics.finish();
 * }
 * io.stderr.write(renderSummary(metrics, { exitCode: 0 }));
 * ```
 *
 * @module
 */
export * from "./format.ts";
export * from "./histogram.ts";
export * from "./rate.ts";
export * from "./metrics.ts";
export * from "./run_metrics.ts";
export * from "./progress.ts";
export * from "./summary.ts";
export * from "./json.ts";
