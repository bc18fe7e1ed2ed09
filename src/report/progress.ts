/**
 * Live progress on stderr. On a terminal: one line redrawn in place every ~250 ms, fitted to the
 * terminal width. Elsewhere (CI, files): a plain `progress: …` line every 5 s, so long runs in logs
 * do not look hung and nothing animates.
 *
 * @module
 */
import type { Clock } from "../common/clock.ts";
import type { TextSink } from "../common/io.ts";
import { formatEta, formatInt, formatPercent, formatRate, safeDiv, truncate } from "./format.ts";
import type { VaultMetrics } from "./metrics.ts";
import type { RunMetrics } from "./run_metrics.ts";

/** The timer functions the reporter uses (injectable for tests). */
export interface IntervalTimer {
  /** Calls `fn` every `ms` milliseconds; returns a handle for `clearInterval`. */
  setInterval(fn: () => void, ms: number): unknown;
  /** Stops the timer with handle `id`. */
  clearInterval(id: unknown): void;
}

/** Options of {@linkcode ProgressReporter}. */
export interface ProgressReporterOptions {
  /** Where progress goes (stderr). Its `isTerminal` picks the live line or plain lines. */
  sink: TextSink;
  /** The run's metrics. */
  metrics: RunMetrics;
  /** Time for the plain-line cadence. @default metrics.clock */
  clock?: Clock;
  /** Redraw period of the live line on a terminal, in ms. @default 250 */
  intervalMs?: number;
  /** Period of plain lines off a terminal, in ms. @default 5000 */
  plainIntervalMs?: number;
  /** Timer functions. @default globalThis setInterval/clearInterval (unref'd) */
  timer?: IntervalTimer;
}

const CLEAR_LINE = "\r\x1b[K";
const DEFAULT_COLUMNS = 80;

const defaultTimer: IntervalTimer = {
  setInterval(fn, ms) {
    const id: unknown = setInterval(fn, ms);
    // a forgotten reporter must not keep the process alive
    if (typeof id === "number") Deno.unrefTimer(id);
    else (id as { unref?(): void }).unref?.();
    return id;
  },
  clearInterval: (id) => clearInterval(id as number),
};

interface Segment {
  text: string;
  /** Higher is kept longer when the line must be shortened. */
  keep: number;
}

/**
 * Draws progress while a load runs.
 *
 * @example Show progress around a run
 * ```ts
 * import { denoIo } from "../common/io.ts";
 * import { RunMetrics } from "./run_metrics.ts";
 *
 * const io = denoIo();
 * const metrics = new RunMetrics({ vaults: ["NAME"] });
 * const progress = new ProgressReporter({ sink: io.stderr, metrics });
 * progress.start();
 * try {
 *   // ... run the load ...
 * } finally {
 *   progress.stop();
 * }
 * ```
 */
export class ProgressReporter {
  readonly #sink: TextSink;
  readonly #metrics: RunMetrics;
  readonly #clock: Clock;
  readonly #intervalMs: number;
  readonly #plainIntervalMs: number;
  readonly #timer: IntervalTimer;
  #handle?: unknown;
  #lastFrame = "";
  #lastPlainAt: number;

  /** Creates a stopped reporter. */
  constructor(options: ProgressReporterOptions) {
    this.#sink = options.sink;
    this.#metrics = options.metrics;
    this.#clock = options.clock ?? options.metrics.clock;
    this.#intervalMs = options.intervalMs ?? 250;
    this.#plainIntervalMs = options.plainIntervalMs ?? 5000;
    this.#timer = options.timer ?? defaultTimer;
    this.#lastPlainAt = this.#clock.monotonic();
  }

  /** True between {@linkcode start} and {@linkcode stop}. */
  get running(): boolean {
    return this.#handle !== undefined;
  }

  /** Starts the timer (idempotent). The first plain line comes one plain interval after this. */
  start(): void {
    if (this.#handle !== undefined) return;
    this.#lastPlainAt = this.#clock.monotonic();
    const period = this.#sink.isTerminal
      ? this.#intervalMs
      : Math.min(this.#intervalMs, this.#plainIntervalMs);
    this.#handle = this.#timer.setInterval(() => this.tick(), period);
  }

  /** Stops the timer and clears the live line (idempotent). */
  stop(): void {
    if (this.#handle !== undefined) this.#timer.clearInterval(this.#handle);
    this.#handle = undefined;
    this.#clear();
  }

  /**
   * One timer step: on a terminal, redraws the live line if it changed; elsewhere, writes a plain
   * line when `plainIntervalMs` has passed since the last one (or since start).
   */
  tick(): void {
    if (this.#sink.isTerminal) {
      const frame = this.render();
      if (frame === this.#lastFrame) return;
      this.#sink.write(CLEAR_LINE + frame);
      this.#lastFrame = frame;
      return;
    }
    const now = this.#clock.monotonic();
    if (now - this.#lastPlainAt < this.#plainIntervalMs) return;
    this.#lastPlainAt = now;
    this.#sink.write(this.render() + "\n");
  }

  /**
   * Writes a message line without garbling the live line: clears it, writes `text` and a newline,
   * then redraws it.
   */
  println(text: string): void {
    if (!this.#sink.isTerminal || this.#lastFrame === "") {
      this.#sink.write(text + "\n");
      return;
    }
    this.#sink.write(`${CLEAR_LINE}${text}\n${this.#lastFrame}`);
  }

  /** The current progress line, without control characters or newline. */
  render(): string {
    return this.#sink.isTerminal ? this.#renderLive() : this.#renderPlain();
  }

  #clear(): void {
    if (this.#lastFrame === "") return;
    this.#sink.write(CLEAR_LINE);
    this.#lastFrame = "";
  }

  #renderLive(): string {
    const s = snapshot(this.#metrics);
    const segments: Segment[] = [
      {
        text: s.total === undefined
          ? `${formatInt(s.done)} records`
          : `${formatInt(s.done)}/${formatInt(s.total)} ${formatPercent(s.done, s.total)}`,
        keep: 100,
      },
      { text: `${formatRate(s.rate)} rec/s`, keep: 90 },
    ];
    if (s.total !== undefined) segments.push({ text: `ETA ${formatEta(s.etaMs)}`, keep: 80 });
    segments.push(
      { text: `in-flight ${formatInt(s.inFlight)}`, keep: 50 },
      { text: `retries ${formatInt(s.retries)}`, keep: 40 },
      { text: `429s ${formatInt(s.rateLimited)}`, keep: 60 },
    );
    if (s.failed > 0) segments.push({ text: `failed ${formatInt(s.failed)}`, keep: 70 });
    if (s.vaults.length > 1) segments.push({ text: s.vaults.map(vaultPart).join(" "), keep: 30 });
    return fit(segments, (this.#sink.columns ?? DEFAULT_COLUMNS) - 1);
  }

  #renderPlain(): string {
    const s = snapshot(this.#metrics);
    const head = s.total === undefined
      ? `progress: ${s.done} records ${formatRate(s.rate)} rec/s`
      : `progress: ${s.done}/${s.total} records (${formatPercent(s.done, s.total)}) ${
        formatRate(s.rate)
      } rec/s ETA ${formatEta(s.etaMs)}`;
    const parts = [
      head,
      `in-flight ${s.inFlight}`,
      `retries ${s.retries}`,
      `429s ${s.rateLimited}`,
      `failed ${s.failed}`,
    ];
    if (s.vaults.length > 1) parts.push(s.vaults.map(vaultPart).join(" "));
    return parts.join(" | ");
  }
}

interface Snapshot {
  done: number;
  total?: number;
  rate: number;
  etaMs?: number;
  inFlight: number;
  retries: number;
  rateLimited: number;
  failed: number;
  vaults: VaultMetrics[];
}

function snapshot(metrics: RunMetrics): Snapshot {
  const vaults = metrics.vaults();
  let done = 0, total: number | undefined = 0, inFlight = 0, retries = 0, rateLimited = 0, failed = 0;
  for (const m of vaults) {
    done += m.done;
    total = total === undefined || m.total === undefined ? undefined : total + m.total;
    inFlight += m.inFlight;
    retries += m.retriesTotal;
    rateLimited += m.rateLimited;
    failed += m.failed;
  }
  if (vaults.length === 0) total = undefined;
  const rate = metrics.perSecond();
  let etaMs: number | undefined;
  if (total !== undefined) {
    const remaining = Math.max(0, total - done);
    etaMs = remaining === 0 ? 0 : rate > 0 ? safeDiv(remaining, rate) * 1000 : undefined;
  }
  return { done, total, rate, etaMs, inFlight, retries, rateLimited, failed, vaults };
}

function vaultPart(m: VaultMetrics): string {
  return m.total === undefined
    ? `${m.name} ${formatInt(m.done)}`
    : `${m.name} ${formatPercent(m.done, m.total)}`;
}

/** Joins segments with ` | `, dropping the least important ones until the line fits `width`. */
function fit(segments: Segment[], width: number): string {
  let kept = segments;
  let line = kept.map((s) => s.text).join(" | ");
  while (line.length > width && kept.length > 1) {
    const lowest = kept.reduce((a, b) => (b.keep < a.keep ? b : a));
    kept = kept.filter((s) => s !== lowest);
    line = kept.map((s) => s.text).join(" | ");
  }
  return truncate(line, Math.max(1, width));
}
