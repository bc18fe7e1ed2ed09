/**
 * Says so when a config file's `performance.max_records` (the Go loader's `config.json` keeps
 * 100000 there) stopped a load before the end of its input: per vault, the rows left and the
 * command that loads them.
 *
 * @module
 */
import type { LoadSettings } from "../../config/settings.ts";
import { formatInt } from "../../report/format.ts";
import { estimateDataRows } from "../../sources/csv/row_count.ts";
import type { LoadPlan } from "../../sources/plan.ts";
import { againCommand } from "./hints.ts";

/**
 * Rows each vault's input holds beyond the cap; only vaults with rows left. A query source (no
 * files) that read as many rows as the cap allows counts as `NaN`: more rows may be left.
 *
 * @param readRows rows the load read for a vault (a query source's only clue).
 */
export async function rowsLeftByCap(
  settings: LoadSettings,
  plan: LoadPlan,
  readRows: (vault: string) => number = () => 0,
): Promise<Map<string, number>> {
  const left = new Map<string, number>();
  if (settings.maxRecordsFrom === undefined || settings.maxRecords <= 0) return left;
  const end = settings.startRecord + settings.maxRecords;
  for (const v of plan.vaults) {
    if (v.files.length === 0) {
      if (settings.source === "snowflake" && readRows(v.spec.name) >= settings.maxRecords) {
        left.set(v.spec.name, NaN);
      }
      continue;
    }
    const rows = await estimateDataRows(v.files[0]);
    if (rows !== undefined && rows > end) left.set(v.spec.name, rows - end);
  }
  return left;
}

/** The summary lines for {@linkcode rowsLeftByCap}'s result; empty when the cap cut nothing. */
export function capLines(
  settings: LoadSettings,
  left: Map<string, number>,
  command: string,
  statePath: string,
): string[] {
  if (left.size === 0) return [];
  const from = settings.maxRecordsFrom!;
  const lines = [...left].map(([vault, rows]) =>
    `Capped: ${from} = ${formatInt(settings.maxRecords)} stopped vault ${vault}; ` +
    (Number.isNaN(rows) ? "the query may hold more rows." : `${formatInt(rows)} rows were left unloaded.`)
  );
  const next = settings.startRecord + settings.maxRecords;
  const base = againCommand(command, statePath, settings.configPath ?? "config.json")
    .replace(/ --(start-record|max-records)(=| )\S+/g, "");
  lines.push(
    `To load the rest: ${base.replace(/^(byot \S+)/, `$1 --start-record ${next} --max-records 0`)}`,
    `(or remove max_records from the config file, or set it to 0, so every load reads to the end)`,
  );
  return lines;
}

/** The verdict's note for {@linkcode rowsLeftByCap}'s result; undefined when the cap cut nothing. */
export function capNote(left: Map<string, number>): string | undefined {
  if (left.size === 0) return undefined;
  const rows = [...left.values()];
  return `capped by max_records: ${
    rows.some(Number.isNaN)
      ? "more rows may be left"
      : `${formatInt(rows.reduce((a, b) => a + b, 0))} rows left`
  }`;
}
