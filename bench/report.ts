/**
 * The benchmark's output: medians, number formats, and one Markdown table per scenario with its
 * notes and the exact commands.
 *
 * @module
 */

/** PASS, FAIL, or a row without a target (the legacy reference, extra variants). */
export type Verdict = "PASS" | "FAIL" | "info";

/** One table row. Every cell is already formatted. */
export interface TableRow {
  /** What ran: `byot`, `byot --max-rps 50`, `legacy Go (§12)`. */
  variant: string;
  runs: string;
  /** Median wall seconds (range). */
  wall: string;
  recPerSec: string;
  cpu: string;
  rss: string;
  rateLimited: string;
  failed: string;
  /** The target, in words. */
  target: string;
  /** The measured figure the target is about. */
  result: string;
  /** Ratio to the target and to the legacy loader. */
  ratio: string;
  verdict: Verdict;
}

/** One scenario's section of the report. */
export interface ScenarioReport {
  /** Short id: `a`, `b`, `c`, `c10`, `d`, `ledger`, `resume`. */
  id: string;
  /** Heading. */
  title: string;
  rows: TableRow[];
  /** Bullet notes under the table (derivations, checks, load average). */
  notes: string[];
  /** The exact commands, shell style. */
  commands: string[];
}

/**
 * The median of `values` (the mean of the middle two for an even count); `NaN` when empty.
 *
 * @example
 * ```ts
 * median([3, 1, 2]); // 2
 * ```
 */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * A number with `digits` decimals and thousands separators; `—` for `NaN`/`undefined`.
 *
 * @example
 * ```ts
 * fmt(178600.4, 0); // "178,600"
 * ```
 */
export function fmt(value: number | undefined, digits = 2): string {
  if (value === undefined || !Number.isFinite(value)) return "—";
  return value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/**
 * A ratio as a percentage with one decimal.
 *
 * @example
 * ```ts
 * pct(0.9712); // "97.1%"
 * ```
 */
export function pct(ratio: number | undefined): string {
  return ratio === undefined || !Number.isFinite(ratio) ? "—" : `${(ratio * 100).toFixed(1)}%`;
}

/**
 * The median of `values` with its range when there is more than one: `5.60 (5.03–7.58)`.
 *
 * @example
 * ```ts
 * medianWithRange([5.6, 5.03, 7.58]); // "5.60 (5.03–7.58)"
 * ```
 */
export function medianWithRange(values: readonly number[], digits = 2): string {
  const m = fmt(median(values), digits);
  if (values.length < 2) return m;
  return `${m} (${fmt(Math.min(...values), digits)}–${fmt(Math.max(...values), digits)})`;
}

const HEADERS = [
  "Variant",
  "Runs",
  "Wall s (range)",
  "rec/s",
  "CPU-s",
  "Peak RSS MiB",
  "429s",
  "Failed",
  "Target",
  "Result",
  "Ratio vs target / legacy",
  "Verdict",
];

function cells(row: TableRow): string[] {
  return [
    row.variant,
    row.runs,
    row.wall,
    row.recPerSec,
    row.cpu,
    row.rss,
    row.rateLimited,
    row.failed,
    row.target,
    row.result,
    row.ratio,
    row.verdict === "info" ? "—" : `**${row.verdict}**`,
  ];
}

const escape = (cell: string) => cell.replaceAll("|", "\\|");

/**
 * One scenario as Markdown: heading, table, notes, commands.
 *
 * @example
 * ```ts
 * renderScenario({ id: "a", title: "(a) 1M", rows: [], notes: [], commands: [] });
 * ```
 */
export function renderScenario(report: ScenarioReport): string {
  const lines = [`### ${report.title}`, ""];
  lines.push(`| ${HEADERS.join(" | ")} |`, `|${HEADERS.map(() => "---").join("|")}|`);
  for (const row of report.rows) lines.push(`| ${cells(row).map(escape).join(" | ")} |`);
  lines.push("");
  for (const note of report.notes) lines.push(`- ${note}`);
  if (report.notes.length > 0) lines.push("");
  if (report.commands.length > 0) {
    lines.push("Commands:", "", "```sh", ...report.commands, "```", "");
  }
  return lines.join("\n");
}

/**
 * The verdict lines of every scored row, for the closing summary.
 *
 * @example
 * ```ts
 * verdictLines(reports); // ["(a) byot: PASS — 2.91 CPU-s/1M; 140 MiB", ...]
 * ```
 */
export function verdictLines(reports: readonly ScenarioReport[]): string[] {
  const out: string[] = [];
  for (const r of reports) {
    for (const row of r.rows) {
      if (row.verdict === "info") continue;
      out.push(`(${r.id}) ${row.variant}: ${row.verdict} — ${row.result} (target ${row.target})`);
    }
  }
  return out;
}
