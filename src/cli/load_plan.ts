/**
 * From resolved settings to a load plan: one opened, validated source per vault, the source
 * fingerprint and the batch-deciding settings the ledger compares before it resumes a run.
 *
 * @module
 */
import { ConfigError } from "../common/errors.ts";
import type { VaultSource, VaultSpec } from "../common/types.ts";
import type { LoadSettings } from "../config/settings.ts";
import { type CsvVaultSource, fingerprintFile } from "../sources/csv_source.ts";
import { pairedCsvSource } from "../sources/csv_paired.ts";
import { singleCsvSource } from "../sources/csv_single.ts";
import {
  errorLogFingerprint,
  errorLogSource,
  type LegacyErrorLog,
  readLegacyErrorLog,
} from "../sources/error_log.ts";

/** One vault's source, opened and checked. */
export interface PlannedSource {
  spec: VaultSpec;
  source: VaultSource;
  /** Files whose rows make up the source (for the row count shown as the total). */
  files: string[];
}

/** What a load will read. */
export interface LoadPlan {
  vaults: PlannedSource[];
  /** Source fingerprint: a change refuses a resume. */
  fingerprint: unknown;
  /** The settings that decide batch content: a change refuses a resume. */
  batchSettings: Record<string, unknown>;
  /** The legacy error log, for `--source error-log` (imported into the ledger as failed records). */
  errorLog?: LegacyErrorLog;
}

/**
 * Opens the sources of every selected vault and checks them (files exist, headers hold the
 * expected columns) before anything is sent.
 *
 * @throws {ConfigError | SourceError} (exit 2) with one line naming the problem.
 */
export async function planLoad(settings: LoadSettings): Promise<LoadPlan> {
  const batchSettings: Record<string, unknown> = {
    source: settings.source,
    batchSize: settings.batchSize,
    startRecord: settings.startRecord,
    maxRecords: settings.maxRecords,
    appendSuffix: settings.appendSuffix,
    vaults: settings.vaults.map((v) => ({ name: v.name, id: v.id, table: v.table, column: v.column })),
  };
  if (settings.source === "snowflake") {
    throw new ConfigError("--source snowflake is not available in this build yet; export the data to CSV");
  }
  if (settings.source === "error-log") return await planErrorLog(settings, batchSettings);

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
    vaults.push({ spec: settings.vaults[0], source, files: [...source.files] });
    batchSettings.csv = {
      file: settings.csv.file,
      valueColumn: settings.csv.valueColumn,
      tokenColumn: settings.csv.tokenColumn,
    };
  } else {
    for (const spec of settings.vaults) {
      const source = pairedCsvSource({ dataDir: settings.csv.dataDir!, column: spec.column });
      vaults.push({ spec, source, files: [...source.files] });
    }
    batchSettings.csv = { dataDir: settings.csv.dataDir };
  }
  for (const v of vaults) await (v.source as CsvVaultSource).open();
  const fingerprint: Record<string, unknown> = {};
  for (const v of vaults) {
    fingerprint[v.spec.name] = await Promise.all(v.files.map((f) => fingerprintFile(f)));
  }
  return { vaults, fingerprint, batchSettings };
}

async function planErrorLog(
  settings: LoadSettings,
  batchSettings: Record<string, unknown>,
): Promise<LoadPlan> {
  const log = await readLegacyErrorLog(settings.errorLog!);
  const spec = settings.vaults.find((v) => v.name.toLowerCase() === log.vaultName.toLowerCase());
  if (!spec) {
    const names = settings.vaults.map((v) => v.name).join(", ");
    throw new ConfigError(
      `${settings.errorLog}: its vault "${log.vaultName}" is not among the selected vaults (${names})`,
    );
  }
  batchSettings.vaults = [{ name: spec.name, id: spec.id, table: spec.table, column: spec.column }];
  return {
    vaults: [{ spec, source: errorLogSource(log), files: [] }],
    fingerprint: errorLogFingerprint(log),
    batchSettings,
    errorLog: log,
  };
}
