/**
 * The CSV source's planner: a single `--file` for one vault, or a `<column>_data.csv` +
 * `<column>_tokens.csv` pair per vault in `--data-dir`, opened (headers checked), sharded with
 * `--shard` by global row position, and fingerprinted by file.
 *
 * @module
 */
import { ConfigError } from "../../common/errors.ts";
import type { LoadPlan, PlannedSource, PlanSettings } from "../planner.ts";
import { shardSource } from "../shard.ts";
import { checkPairedRowCounts, pairedCsvSource } from "./paired.ts";
import { singleCsvSource } from "./single.ts";
import { type CsvVaultSource, fingerprintFile } from "./source.ts";

/** Plans a CSV load (see the module doc). */
export async function planCsv(
  settings: PlanSettings,
  batchSettings: Record<string, unknown>,
): Promise<LoadPlan> {
  const vaults: PlannedSource[] = [];
  if (settings.csv.file) {
    if (settings.vaults.length !== 1) {
      const names = settings.vaults.map((v) => v.name).join(", ");
      throw new ConfigError(`--file loads one vault; choose it with --vault NAME (configured: ${names})`);
    }
    const source = singleCsvSource({
      file: settings.csv.file,
      valueColumn: settings.csv.valueColumn,
      tokenColumn: settings.csv.tokenColumn,
    });
    vaults.push({ spec: settings.vaults[0], source, files: [...source.files], notes: source.notes });
    batchSettings.csv = {
      file: settings.csv.file,
      valueColumn: settings.csv.valueColumn,
      tokenColumn: settings.csv.tokenColumn,
    };
  } else {
    for (const spec of settings.vaults) {
      const source = pairedCsvSource({ dataDir: settings.csv.dataDir!, column: spec.column });
      vaults.push({ spec, source, files: [...source.files], notes: source.notes });
    }
    batchSettings.csv = { dataDir: settings.csv.dataDir };
  }
  for (const v of vaults) await (v.source as CsvVaultSource).open();
  // README: nothing is sent until every source was opened and checked, row counts of pairs included
  if (!settings.csv.file) {
    for (const v of vaults) await checkPairedRowCounts(settings.csv.dataDir!, v.spec.column);
  }
  // CSV shards by global row position (Snowflake shards in its query: its positions are the shard's own).
  const shard = settings.shard;
  if (shard) {
    for (const v of vaults) {
      v.source = shardSource(v.source, shard);
      delete v.notes; // the file's notes would count other shards' rows too
    }
  }
  const fingerprint: Record<string, unknown> = {};
  for (const v of vaults) {
    fingerprint[v.spec.name] = await Promise.all(v.files.map((f) => fingerprintFile(f)));
  }
  return { vaults, fingerprint, batchSettings };
}
