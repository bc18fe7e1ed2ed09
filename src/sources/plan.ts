/**
 * From resolved settings to a load plan: one opened, validated source per vault, the source
 * fingerprint and the batch-deciding settings the ledger compares before it resumes a run.
 *
 * @module
 */
import { ConfigError } from "../common/errors.ts";
import { openSnowflake, parseSnowflakeState, snowflakeQueryText, snowflakeStateOf } from "./snowflake/mod.ts";
import type { VaultSource, VaultSpec } from "../common/types.ts";
import type { LoadSettings } from "../config/settings.ts";
import { type CsvVaultSource, fingerprintFile } from "./csv/source.ts";
import { pairedCsvSource } from "./csv/paired.ts";
import { singleCsvSource } from "./csv/single.ts";
import { formatShard } from "../config/shard.ts";
import { shardSource } from "./shard.ts";
import {
  errorLogFingerprint,
  errorLogSource,
  type LegacyErrorLog,
  readLegacyErrorLog,
} from "./error_log/mod.ts";

/** Ledger hooks a source can use to keep read state across resumes (the Snowflake query id). */
export interface SourceStateHooks {
  /** What an earlier attempt of this run stored, if anything. */
  state: unknown;
  /** Stores new state (committed at once). */
  save(state: unknown): void;
  /** Called when the source knows its row count (for progress and ETA). */
  total(rows: number): void;
  /** A line for the user (e.g. which resume path a Snowflake read took). */
  note(line: string): void;
}

/** One vault's source, opened and checked. */
export interface PlannedSource {
  /** The vault the source loads into. */
  spec: VaultSpec;
  /** Where the vault's records are read from (opened and checked; wrapped for the shard with `--shard`). */
  source: VaultSource;
  /** Files whose rows make up the source (for the row count shown as the total). */
  files: string[];
  /** Connects the source to the ledger run once it is chosen (sources with resumable read state). */
  attach?(hooks: SourceStateHooks): void;
}

/** What a load will read. */
export interface LoadPlan {
  /** One entry per selected vault, in the settings' order. */
  vaults: PlannedSource[];
  /** Source fingerprint: a change refuses a resume. */
  fingerprint: unknown;
  /** The settings that decide batch content: a change refuses a resume. */
  batchSettings: Record<string, unknown>;
  /** The legacy error log, for `--source error-log` (imported into the ledger as failed records). */
  errorLog?: LegacyErrorLog;
  /** Releases what the plan opened (the Snowflake session). */
  close?(): Promise<void>;
}

/** Options of {@linkcode planLoad}. */
export interface PlanOptions {
  /** Where the Snowflake driver's error log goes (the state file's directory). */
  logDir?: string;
}

/**
 * Opens the sources of every selected vault and checks them (files exist, headers hold the
 * expected columns) before anything is sent.
 *
 * @throws {ConfigError | SourceError} (exit 2) with one line naming the problem.
 */
export async function planLoad(settings: LoadSettings, options: PlanOptions = {}): Promise<LoadPlan> {
  const batchSettings: Record<string, unknown> = {
    source: settings.source,
    batchSize: settings.batchSize,
    startRecord: settings.startRecord,
    maxRecords: settings.maxRecords,
    appendSuffix: settings.appendSuffix,
    vaults: settings.vaults.map((v) => ({ name: v.name, id: v.id, table: v.table, column: v.column })),
  };
  if (settings.shard) batchSettings.shard = formatShard(settings.shard);
  if (settings.source === "snowflake") return await planSnowflake(settings, batchSettings, options);
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
  // CSV shards by global row position (Snowflake shards in its query: its positions are the shard's own).
  const shard = settings.shard;
  if (shard) {
    for (const v of vaults) v.source = shardSource(v.source, shard);
  }
  const fingerprint: Record<string, unknown> = {};
  for (const v of vaults) {
    fingerprint[v.spec.name] = await Promise.all(v.files.map((f) => fingerprintFile(f)));
  }
  return { vaults, fingerprint, batchSettings };
}

async function planSnowflake(
  settings: LoadSettings,
  batchSettings: Record<string, unknown>,
  options: PlanOptions,
): Promise<LoadPlan> {
  const range = { startRecord: settings.startRecord, maxRecords: settings.maxRecords, shard: settings.shard };
  // Builds every vault's SQL first: a mode that cannot serve a column fails before logging in.
  const queries = Object.fromEntries(
    settings.vaults.map((v) => [v.name, snowflakeQueryText(settings.snowflake, v, range)]),
  );
  const sf = settings.snowflake;
  batchSettings.snowflake = { account: sf.account, accessUrl: sf.accessUrl, queries };
  const session = await openSnowflake(sf, { logDir: options.logDir });
  const vaults = settings.vaults.map((spec): PlannedSource => {
    let hooks: SourceStateHooks | undefined;
    let inner: VaultSource | undefined;
    const source: VaultSource = {
      label: `${session.label}: ${spec.name}`,
      read(readOptions) {
        inner = session.source(spec, {
          ...range,
          resume: parseSnowflakeState(hooks?.state),
          onQuery: (info) => {
            hooks?.save(snowflakeStateOf(info));
            hooks?.total(info.total);
            if (info.path !== "query") {
              const why = info.fallbackReason ? ` (RESULT_SCAN unavailable: ${info.fallbackReason})` : "";
              hooks?.note(
                info.path === "result_scan"
                  ? `Snowflake ${spec.name}: resuming from RESULT_SCAN of the run's query ${info.queryId}`
                  : `Snowflake ${spec.name}: resuming by re-running the ordered query${why}`,
              );
            }
          },
        });
        return inner.read(readOptions);
      },
      close: async () => await inner?.close?.(),
    };
    return { spec, source, files: [], attach: (h) => void (hooks = h) };
  });
  return {
    vaults,
    fingerprint: { kind: "snowflake", account: sf.account, database: sf.database, queries },
    batchSettings,
    close: () => session.close(),
  };
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
