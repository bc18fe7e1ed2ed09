/**
 * Number, duration and rate formatting for progress lines and summaries. Every helper turns
 * `NaN`, `Infinity` and negative durations into something printable, so no report ever shows
 * `NaN%` (the legacy loader did, with 0 batches).
 *
 * @module
 */

/**
 * A non-negative integer below 1e21 with a comma every three digits. Written out instead of
 * `Intl.NumberFormat`, whose first use loads ICU data: ~10 ms of start-up before the first request.
 */
function grouped(n: number): string {
  const digits = String(n);
  let out = digits.slice(Math.max(0, digits.length - 3));
  for (let end = digits.length - 3; end > 0; end -= 3) {
    out = `${digits.slice(Math.max(0, end - 3), end)},${out}`;
  }
  return out;
}

/**
 * Divides, returning 0 when the divisor is 0 or the result is not finite.
 *
 * @example
 * ```ts
 * safeDiv(10, 0); // 0
 * ```
 */
export function safeDiv(numerator: number, divisor: number): number {
  const q = numerator / divisor;
  return Number.isFinite(q) ? q : 0;
}

/** `n` when finite, else 0. */
function finite(n: number): number {
  return Number.isFinite(n) ? n : 0;
}

/**
 * Rounds to an integer and adds thousands separators.
 *
 * @example
 * ```ts
 * formatInt(1234567.4); // "1,234,567"
 * ```
 */
export function formatInt(n: number): string {
  const r = Math.round(finite(n));
  return r < 0 ? `-${grouped(-r)}` : grouped(r === 0 ? 0 : r); // no "-0"
}

/**
 * Formats with a fixed number of decimals and thousands separators.
 *
 * @example
 * ```ts
 * formatDecimal(12345.678, 1); // "12,345.7"
 * ```
 */
export function formatDecimal(n: number, digits: number): string {
  const v = finite(n);
  const fixed = v.toFixed(digits);
  const [int, frac] = fixed.split(".");
  const sign = int.startsWith("-") && Number(fixed) !== 0 ? "-" : "";
  const whole = grouped(Math.abs(Number(int)));
  return frac === undefined ? `${sign}${whole}` : `${sign}${whole}.${frac}`;
}

/**
 * `part / whole` as a percentage with `digits` decimals; `"0.0%"` when `whole` is 0.
 *
 * @example
 * ```ts
 * formatPercent(1, 3); // "33.3%"
 * ```
 */
export function formatPercent(part: number, whole: number, digits = 1): string {
  return `${formatDecimal(safeDiv(part, whole) * 100, digits)}%`;
}

/**
 * A rate (per second) for humans: one decimal below 10, an integer with separators above.
 *
 * @example
 * ```ts
 * formatRate(8450.4); // "8,450"
 * formatRate(2.46); // "2.5"
 * ```
 */
export function formatRate(perSecond: number): string {
  const v = finite(perSecond);
  return Math.abs(v) < 10 && v !== 0 ? formatDecimal(v, 1) : formatInt(v);
}

/**
 * A duration: `850ms` below a second, `12.3s` below a minute, `4m05s` below an hour, else
 * `1h02m03s`. Negative and non-finite durations print as `0ms`.
 *
 * @example
 * ```ts
 * formatDuration(3_723_000); // "1h02m03s"
 * formatDuration(12_345); // "12.3s"
 * ```
 */
export function formatDuration(ms: number): string {
  const v = Math.max(0, finite(ms));
  if (v < 1000) return `${Math.round(v)}ms`;
  if (v < 59_950) return `${(v / 1000).toFixed(1)}s`;
  return formatClock(Math.round(v / 1000));
}

/**
 * A remaining time rounded to whole seconds (`33s`, `4m05s`, `1h02m03s`), or `--` when unknown
 * (`undefined`, negative or not finite).
 *
 * @example
 * ```ts
 * formatEta(32_600); // "33s"
 * formatEta(undefined); // "--"
 * ```
 */
export function formatEta(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return "--";
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : formatClock(s);
}

function formatClock(totalSeconds: number): string {
  const h = Math.floor(totalSeconds / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const s = totalSeconds % 60;
  const pad = (n: number) => String(n).padStart(2, "0");
  return h > 0 ? `${h}h${pad(m)}m${pad(s)}s` : `${m}m${pad(s)}s`;
}

/**
 * A latency in milliseconds with precision that suits its size: `0.42ms`, `12.5ms`, `134ms`;
 * from 10 s on, as {@linkcode formatDuration}.
 *
 * @example
 * ```ts
 * formatMs(134.6); // "135ms"
 * ```
 */
export function formatMs(ms: number): string {
  const v = Math.max(0, finite(ms));
  if (v >= 10_000) return formatDuration(v);
  if (v < 10) return `${v.toFixed(2)}ms`;
  if (v < 100) return `${v.toFixed(1)}ms`;
  return `${Math.round(v)}ms`;
}

/**
 * Cuts `text` to at most `width` characters, ending with `…` when cut.
 *
 * @example
 * ```ts
 * truncate("abcdef", 4); // "abc…"
 * ```
 */
export function truncate(text: string, width: number): string {
  if (text.length <= width) return text;
  if (width <= 0) return "";
  return `${text.slice(0, width - 1)}…`;
}

/**
 * Rounds to `digits` decimals for JSON output; non-finite values become 0.
 *
 * @example
 * ```ts
 * roundTo(1.23456, 2); // 1.23
 * ```
 */
export function roundTo(n: number, digits: number): number {
  const f = 10 ** digits;
  const r = Math.round(finite(n) * f) / f;
  return r === 0 ? 0 : r;
}
