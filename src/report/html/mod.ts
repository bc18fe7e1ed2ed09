/**
 * The HTML run report of `byot report`: {@linkcode renderRunReport} lays out a
 * {@linkcode RunReportData} (gathered from the ledger) as one self-contained page; the summary
 * helpers turn interval samples into the tables' latency and 429/retry figures.
 *
 * @example Render a report
 * ```ts
 * import { renderRunReport, type RunReportData } from "./mod.ts";
 *
 * declare const data: RunReportData; // gathered from the ledger by the report command
 * const html = renderRunReport(data);
 * ```
 *
 * @module
 */
export * from "./data.ts";
export * from "./page.ts";
export * from "./chart.ts";
export * from "./sample_stats.ts";
