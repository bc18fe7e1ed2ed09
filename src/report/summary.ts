/**
 * The final text summary of a load: one block per vault (records, throughput, batches, requests,
 * retries, replays, latency and the legacy loader's timing breakdown), an overall block when
 * several vaults ran, and a verdict line. Plain text for stderr; never `NaN` or `Infinity`.
 *
 * @module
 */
import {
  formatDecimal,
  formatDuration,
  formatInt,
  formatMs,
  formatPercent,
  formatRate,
  safeDiv,
} from "./format.ts";
import { RETRY_REASONS, SKIP_REASONS, type VaultMetrics } from "./metrics.ts";
import type { RunMetrics } from "./run_metrics.ts";

/** Options of {@linkcode renderSummary}. */
export interface SummaryOptions {
  /** The exit code the command ends with; chooses the verdict. */
  exitCode: number;
  /** Lines printed after the verdict (hints such as `See: byot failures list`). @default [] */
  extraLines?: string[];
  /** Colour the verdict with ANSI escapes. @default false */
  color?: boolean;
  /** Words appended to the verdict in brackets (e.g. that a cap left rows unloaded). @default none */
  note?: string;
  /**
   * What the two outcomes are called (`byot verify` says "verified" and "unverified").
   * @default { loaded: "loaded", failed: "failed" }
   */
  words?: OutcomeWords;
}

/** Names of the two record outcomes in the summary. */
export interface OutcomeWords {
  /** The records that reached their goal. */
  loaded: string;
  /** The records that did not. */
  failed: string;
}

const LOAD_WORDS: OutcomeWords = { loaded: "loaded", failed: "failed" };

const LABEL_WIDTH = 11;

/**
 * Renders the summary, ending with a newline.
 *
 * @example Print the summary at the end of a run
 * ```ts
 * import { denoIo } from "../common/io.ts";
 * import { RunMetrics } from "./run_metrics.ts";
 *
 * const io = denoIo();
 * const metrics = new RunMetrics({ vaults: ["NAME"] });
 * metrics.finish();
 * io.stderr.write(renderSummary(metrics, { exitCode: 0 }));
 * ```
 */
export function renderSummary(metrics: RunMetrics, options: SummaryOptions): string {
  const lines: string[] = ["", "Summary"];
  const vaults = metrics.vaults();
  const words = options.words ?? LOAD_WORDS;
  for (const m of vaults) lines.push("", `Vault ${m.name}`, ...vaultBlock(m, words));
  const totals = metrics.totals();
  if (vaults.length > 1) lines.push("", `Overall (${vaults.length} vaults)`, ...vaultBlock(totals, words));
  lines.push("", verdict(totals, options), ...(options.extraLines ?? []));
  return lines.join("\n") + "\n";
}

/** The lines of one vault's block (also used for the overall block). */
function vaultBlock(m: VaultMetrics, words: OutcomeWords): string[] {
  const elapsed = m.elapsedMs();
  const settled = m.loaded + m.failed + m.skipped;
  const lines = [
    row(
      "Records",
      (m.recordsRead > 0 ? `${formatInt(m.recordsRead)} read | ` : "") +
        `${formatInt(m.loaded)} ${words.loaded} | ${formatInt(m.failed)} ${words.failed} | ` +
        `${formatInt(m.skipped)} skipped` +
        (m.resumed > 0 ? ` | ${formatInt(m.resumed)} done before resume` : "") +
        (m.total !== undefined ? ` | ${formatInt(m.total)} expected` : ""),
    ),
  ];
  const present = m.alreadyPresent + m.resumedAlreadyPresent;
  if (present > 0 || m.unsettled > 0 || m.unverified > 0) {
    const parts = [`${formatInt(present)} already present (of loaded: stored before, found by read-back)`];
    if (m.unsettled > 0) parts.push(`${formatInt(m.unsettled)} unsettled (outcome unknown)`);
    if (m.unverified > 0) {
      parts.push(`${formatInt(m.unverified)} 2xx answers not accounting for their records`);
    }
    lines.push(row("Settled", parts.join(" | ")));
  }
  const skips = SKIP_REASONS.filter((r) => m.skippedBy[r] > 0).map((r) =>
    `${r} ${formatInt(m.skippedBy[r])}`
  );
  if (skips.length > 0) lines.push(row("Skipped", skips.join(", ")));
  lines.push(
    row("Time", `${formatDuration(elapsed)} | ${formatRate(safeDiv(settled, elapsed) * 1000)} rec/s`),
    row(
      "Batches",
      `${formatInt(m.batchesFinished)} | ${formatInt(m.batches.immediate)} immediate | ` +
        `${formatInt(m.batches.retried)} retried | ${formatInt(m.batches.failed)} failed | ` +
        `${formatInt(m.batches.partial)} partial | ${
          formatPercent(m.batches.immediate + m.batches.retried, m.batchesFinished)
        } ok`,
    ),
    row("Requests", `${formatInt(m.requests)}${statusPart(m)} | peak in-flight ${formatInt(m.maxInFlight)}`),
    row("Retries", retriesPart(m)),
  );
  const replayed = m.replays.upsert + m.replays.readback + m.replays.resent;
  if (replayed > 0) {
    lines.push(
      row(
        "Replays",
        `${formatInt(m.replays.upsert)} upsert | ${formatInt(m.replays.readback)} read-back | ` +
          `${formatInt(m.replays.resent)} resent`,
      ),
    );
  }
  if (m.splits.bisect + m.splits.size > 0) {
    lines.push(row("Splits", `${formatInt(m.splits.bisect)} bisect | ${formatInt(m.splits.size)} size`));
  }
  const l = m.latency;
  lines.push(
    row(
      "Latency",
      l.count === 0 ? "no requests" : `avg ${formatMs(l.mean)} | p50 ${formatMs(l.percentile(50))} | ` +
        `p99 ${formatMs(l.percentile(99))} | min ${formatMs(l.min)} | max ${formatMs(l.max)}`,
    ),
    ...timingLines(m, elapsed),
  );
  return lines;
}

function row(label: string, text: string): string {
  return `  ${label.padEnd(LABEL_WIDTH)}${text}`;
}

function statusPart(m: VaultMetrics): string {
  if (m.statuses.size === 0) return "";
  const parts = [...m.statuses.entries()]
    .sort(([a], [b]) => a - b)
    .map(([status, n]) => `${status === 0 ? "no answer" : status}: ${formatInt(n)}`);
  return ` (${parts.join(", ")})`;
}

function retriesPart(m: VaultMetrics): string {
  const reasons = RETRY_REASONS.filter((r) => m.retries[r] > 0).map((r) =>
    `${r}: ${formatInt(m.retries[r])}`
  );
  const detail = reasons.length > 0 ? ` (${reasons.join(", ")})` : "";
  return `${formatInt(m.retriesTotal)}${detail} | 429s ${formatInt(m.rateLimited)}`;
}

function timingLines(m: VaultMetrics, wallMs: number): string[] {
  const t = m.timing;
  const entries: [string, number][] = [
    ["Source read", t.readMs],
    ["Suffix", t.suffixMs],
    ["Payload+JSON", t.payloadMs],
    ["Base delay", t.baseDelayMs],
    ["API calls", t.apiMs],
    ["Retry delays", t.retryDelayMs],
  ];
  return [
    row("Timing", "(summed over workers; % of wall time)"),
    ...entries.map(([label, ms]) =>
      `    ${label.padEnd(14)}${formatDuration(ms).padStart(10)} ${formatPercent(ms, wallMs).padStart(8)}`
    ),
    `    ${"Avg concurrency".padEnd(14)}${`${formatDecimal(safeDiv(t.apiMs, wallMs), 1)}x`.padStart(10)}`,
  ];
}

function verdict(totals: VaultMetrics, options: SummaryOptions): string {
  const { exitCode } = options;
  const words = options.words ?? LOAD_WORDS;
  const loaded = totals.loaded + totals.resumedLoaded;
  const failed = totals.failed + totals.resumedFailed;
  const records = (n: number) => `${formatInt(n)} ${n === 1 ? "record" : "records"}`;
  let text: string;
  let colour: string;
  if (exitCode === 0) {
    const skipped = totals.skipped > 0 ? ` (${formatInt(totals.skipped)} skipped)` : "";
    const present = totals.alreadyPresent + totals.resumedAlreadyPresent;
    const already = present > 0 ? `, ${formatInt(present)} of them already present` : "";
    text = loaded === 0
      ? `No records ${words.loaded}${skipped}.`
      : `All ${records(loaded)} ${words.loaded}${already}${skipped}.`;
    colour = "\x1b[32m";
  } else if (exitCode === 3) {
    text = `Finished with ${formatInt(failed)} ${words.failed} ${failed === 1 ? "record" : "records"} ` +
      `(exit 3); ${formatInt(loaded)} ${words.loaded}.`;
    colour = "\x1b[31m";
  } else {
    const of = totals.total !== undefined ? ` of ${formatInt(totals.total)}` : "";
    const failures = (failed > 0 ? `, ${formatInt(failed)} ${words.failed}` : "") +
      (totals.unsettled > 0 ? `, ${formatInt(totals.unsettled)} unsettled` : "");
    text = `Stopped (exit ${exitCode}): ${formatInt(loaded)}${of} records ${words.loaded}${failures}.`;
    colour = "\x1b[33m";
  }
  if (options.note) text = `${text.replace(/\.$/, "")} (${options.note}).`;
  return options.color ? `${colour}${text}\x1b[0m` : text;
}
