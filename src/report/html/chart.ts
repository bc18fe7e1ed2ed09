/**
 * Inline SVG line charts for the HTML run report: no script, no network, readable without
 * JavaScript. Time runs along x (UTC clock labels), values along y from 0 to a rounded maximum.
 * A series breaks where samples are missing (a run stopped and resumed later), and long series
 * are thinned to at most `maxPoints` points (each kept point is its bucket's largest value, so
 * spikes stay visible).
 *
 * @module
 */
import { escapeHtml } from "./escape.ts";

/** One line of a chart. */
export interface ChartSeries {
  /** Legend label. */
  name: string;
  /** `[time in ms since the epoch, value]`, in time order. */
  points: ReadonlyArray<readonly [number, number]>;
  /** Stroke colour (CSS). */
  color: string;
  /** Draw dashed (second measure of the same vault, e.g. p99 or the limit). @default false */
  dashed?: boolean;
}

/** Options of {@linkcode lineChart}. */
export interface LineChartOptions {
  /** Heading above the chart. */
  title: string;
  /** Unit shown on the y axis (`rec/s`, `ms`). */
  unit: string;
  /** The lines. */
  series: ChartSeries[];
  /** A gap longer than this between two points breaks the line, in ms. */
  gapMs: number;
  /** Width of the drawing in SVG units. @default 880 */
  width?: number;
  /** Height of the drawing in SVG units. @default 240 */
  height?: number;
  /** Points per series at most. @default 1200 */
  maxPoints?: number;
}

const MARGIN = { left: 64, right: 16, top: 26, bottom: 28 };

/**
 * An SVG line chart inside a `<figure>`, with a legend. Each line is a `path.series` element
 * whose `data-points` attribute says how many points it draws.
 *
 * @example
 * ```ts
 * const svg = lineChart({
 *   title: "Records per second",
 *   unit: "rec/s",
 *   gapMs: 30_000,
 *   series: [{ name: "NAME", color: "#1f77b4", points: [[0, 10], [10_000, 12]] }],
 * });
 * ```
 */
export function lineChart(options: LineChartOptions): string {
  const width = options.width ?? 880;
  const height = options.height ?? 240;
  const maxPoints = options.maxPoints ?? 1200;
  const series = options.series.map((s) => ({ ...s, points: thin(s.points, maxPoints) }));
  const all = series.flatMap((s) => s.points);
  const title = `<figcaption>${escapeHtml(options.title)}</figcaption>`;
  if (all.length === 0) {
    return `<figure class="chart">${title}<p class="empty">No samples yet.</p></figure>`;
  }
  let t0 = Math.min(...all.map((p) => p[0]));
  let t1 = Math.max(...all.map((p) => p[0]));
  if (t1 <= t0) {
    t0 -= 5_000;
    t1 += 5_000;
  }
  const yMax = niceCeil(Math.max(...all.map((p) => p[1]), 0));
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  const x = (t: number) => MARGIN.left + ((t - t0) / (t1 - t0)) * plotW;
  const y = (v: number) => MARGIN.top + plotH - (yMax === 0 ? 0 : (v / yMax) * plotH);

  const parts: string[] = [];
  for (const v of yTicks(yMax)) {
    const py = y(v).toFixed(1);
    parts.push(
      `<line class="grid" x1="${MARGIN.left}" x2="${width - MARGIN.right}" y1="${py}" y2="${py}"/>`,
      `<text class="tick" x="${MARGIN.left - 6}" y="${py}" text-anchor="end" dominant-baseline="middle">${
        formatTick(v)
      }</text>`,
    );
  }
  for (const t of timeTicks(t0, t1)) {
    const px = x(t);
    parts.push(
      `<line class="grid" x1="${px.toFixed(1)}" x2="${px.toFixed(1)}" y1="${MARGIN.top}" y2="${
        MARGIN.top + plotH
      }"/>`,
    );
    // a label cut by the edge of the drawing is left out; its grid line stays
    if (px < MARGIN.left + 26 || px > width - 28) continue;
    parts.push(
      `<text class="tick" x="${px.toFixed(1)}" y="${height - 8}" text-anchor="middle">${
        clockLabel(t, t1 - t0)
      }</text>`,
    );
  }
  parts.push(
    `<text class="unit" x="${MARGIN.left - 6}" y="${MARGIN.top - 14}" text-anchor="end">${
      escapeHtml(options.unit)
    }</text>`,
  );
  for (const s of series) {
    if (s.points.length === 0) continue;
    const d: string[] = [];
    let prev: number | undefined;
    for (const [t, v] of s.points) {
      const cmd = prev === undefined || t - prev > options.gapMs ? "M" : "L";
      d.push(`${cmd}${x(t).toFixed(1)},${y(v).toFixed(1)}`);
      prev = t;
    }
    // a lone point still shows: a dot at its place
    const dot = s.points.length === 1
      ? `<circle cx="${x(s.points[0][0]).toFixed(1)}" cy="${
        y(s.points[0][1]).toFixed(1)
      }" r="3" fill="${s.color}"/>`
      : "";
    parts.push(
      `<path class="series" data-points="${s.points.length}" fill="none" stroke="${s.color}" stroke-width="1.6"${
        s.dashed ? ' stroke-dasharray="5 3"' : ""
      } d="${d.join("")}"><title>${escapeHtml(s.name)}</title></path>${dot}`,
    );
  }
  const legend = series.map((s) =>
    `<li><svg width="22" height="8" aria-hidden="true"><line x1="0" x2="22" y1="4" y2="4" stroke="${s.color}" stroke-width="2"${
      s.dashed ? ' stroke-dasharray="5 3"' : ""
    }/></svg>${escapeHtml(s.name)}</li>`
  ).join("");
  return `<figure class="chart">${title}<svg viewBox="0 0 ${width} ${height}" role="img" aria-label="${
    escapeHtml(options.title)
  }">${parts.join("")}</svg><ul class="legend">${legend}</ul></figure>`;
}

/** At most `max` points: consecutive buckets, each represented by its largest value. */
function thin(
  points: ReadonlyArray<readonly [number, number]>,
  max: number,
): Array<readonly [number, number]> {
  if (points.length <= max) return [...points];
  const size = Math.ceil(points.length / max);
  const out: Array<readonly [number, number]> = [];
  for (let i = 0; i < points.length; i += size) {
    let best = points[i];
    for (let j = i + 1; j < Math.min(points.length, i + size); j++) {
      if (points[j][1] > best[1]) best = points[j];
    }
    out.push([points[Math.min(points.length - 1, i + size - 1)][0], best[1]]);
  }
  return out;
}

/** The smallest of 1, 2, 2.5, 5 × 10^k at or above `v` (1 for 0). */
function niceCeil(v: number): number {
  if (!(v > 0)) return 1;
  const k = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * k >= v) return m * k;
  return 10 * k;
}

/** Evenly spaced round values from 0 to `max`: quarters of 1·10^k and 2·10^k, fifths of 2.5·10^k and 5·10^k. */
function yTicks(max: number): number[] {
  const mantissa = max / Math.pow(10, Math.floor(Math.log10(max)));
  const parts = mantissa === 2.5 || mantissa === 5 ? 5 : 4;
  return Array.from({ length: parts + 1 }, (_, i) => (i * max) / parts);
}

function formatTick(v: number): string {
  if (v >= 1_000_000) return `${+(v / 1_000_000).toFixed(2)}M`;
  if (v >= 10_000) return `${+(v / 1000).toFixed(1)}k`;
  return String(+v.toFixed(v < 10 ? 2 : 0));
}

const STEPS_MS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400]
  .map((s) => s * 1000);

/** Round UTC times between t0 and t1, about 6 of them. */
function timeTicks(t0: number, t1: number): number[] {
  const step = STEPS_MS.find((s) => (t1 - t0) / s <= 7) ?? 86_400_000;
  const out: number[] = [];
  for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) out.push(t);
  return out;
}

/** `hh:mm` (UTC), or `hh:mm:ss` when the chart spans under 10 minutes. */
function clockLabel(t: number, spanMs: number): string {
  const iso = new Date(t).toISOString();
  return spanMs < 600_000 ? iso.slice(11, 19) : iso.slice(11, 16);
}
