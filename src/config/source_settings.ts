/**
 * The source layer of the settings: which source a load reads and its settings (CSV input, legacy
 * error log, Snowflake, shard). Only `byot load` resolves it; the commands that read no source
 * (`failures retry`, `clear`, `tune`) never see a source setting, nor are blocked by one.
 *
 * @module
 */
import { ConfigError } from "../common/errors.ts";
import type { Io } from "../common/io.ts";
import type { ConfigFile } from "./config_file.ts";
import type { LoadFlags } from "./load_flags.ts";
import type { PromptSecret } from "./secrets.ts";
import { type CsvSettings, DEFAULTS, type SourceKind, type SourceSettings } from "./settings.ts";
import { completeSnowflakeLogin, resolveSnowflake } from "./snowflake_settings.ts";
import { resolveShard } from "./shard.ts";
import { checkPath, quote } from "./rules.ts";

/** Every source kind, in the order `--source` lists them. */
export const SOURCE_KINDS: readonly SourceKind[] = ["csv", "snowflake", "error-log"];

/** Inputs of {@linkcode resolveSourceSettings}. */
export interface SourceSettingsInput {
  /** The load's flags. */
  flags: LoadFlags;
  /** Environment, stderr for warnings, and whether a prompt is possible. */
  io: Io;
  /** The config file already read. */
  config: ConfigFile;
  /** The source kind ({@linkcode resolveSourceKind}). */
  source: SourceKind;
  /** How many vaults are selected (`--file` holds one). */
  vaultCount: number;
  /** Hidden prompt (Snowflake password). @default promptHidden */
  promptSecret?: PromptSecret;
  /** Visible one-line prompt (Snowflake user name). @default a line read from stdin */
  promptLine?: (label: string) => Promise<string>;
}

/**
 * `--source` (default `csv`); `--error-log FILE` implies `error-log`.
 *
 * @throws {ConfigError} (exit 2) for an unknown source kind.
 */
export function resolveSourceKind(flags: LoadFlags, io: Io): SourceKind {
  if (flags.errorLog !== undefined) {
    if (flags.source !== undefined && flags.source !== "error-log") {
      io.stderr.write(`warning: --error-log overrides --source ${flags.source}\n`);
    }
    return "error-log";
  }
  const source = flags.source ?? "csv";
  if (!(SOURCE_KINDS as readonly string[]).includes(source)) {
    throw new ConfigError(`--source must be one of ${SOURCE_KINDS.join(", ")} (got ${quote(source)})`);
  }
  return source as SourceKind;
}

/**
 * Resolves and checks the settings of the chosen source: its inputs exist, the shard applies, the
 * Snowflake login is complete (prompting on a terminal when a user or password is missing).
 * `maxRecordsDefaulted` is set when a Snowflake load gave no record limit: the caller applies the
 * legacy default.
 *
 * @throws {ConfigError} (exit 2) for a missing input, a shard of an error log, or a bad Snowflake setting.
 */
export async function resolveSourceSettings(input: SourceSettingsInput): Promise<SourceSettings> {
  const { flags, io, config, source } = input;
  const shard = resolveShard({ flag: flags.shard, env: (name) => io.env(name) });
  if (shard && source === "error-log") {
    throw new ConfigError(
      "--shard (or BYOT_SHARD, BYOT_SHARD_COUNT) does not apply to --source error-log: reprocess an error log " +
        "in one process",
    );
  }
  const csv = await resolveCsv(flags, config, source, input.vaultCount);
  const errorLog = await resolveErrorLog(flags, source);
  const snowflake = resolveSnowflake(flags, io, config);
  let maxRecordsDefaulted = false;
  if (source === "snowflake") {
    const rangeGiven = flags.maxRecords !== undefined || flags.endRecord !== undefined;
    const perf = config.performance;
    maxRecordsDefaulted = !rangeGiven && !(perf.maxRecords && perf.maxRecords > 0);
    await completeSnowflakeLogin(snowflake, io, input.promptSecret, input.promptLine);
  }
  const settings: SourceSettings = { source, csv, snowflake, maxRecordsDefaulted };
  if (errorLog !== undefined) settings.errorLog = errorLog;
  if (shard) settings.shard = shard;
  return settings;
}

/** CSV input: `--data-dir`/`--file` as a pair beat `csv.data_directory`/`csv.file`. */
async function resolveCsv(
  flags: LoadFlags,
  config: ConfigFile,
  source: SourceKind,
  vaultCount: number,
): Promise<CsvSettings> {
  const fromFlags = flags.dataDir !== undefined || flags.file !== undefined;
  const dir = fromFlags ? [flags.dataDir, "--data-dir"] as const : [
    config.csv.dataDirectory || undefined,
    `${config.path}: csv.data_directory`,
  ] as const;
  const file = fromFlags ? [flags.file, "--file"] as const : [
    config.csv.file || undefined,
    `${config.path}: csv.file`,
  ] as const;
  const csv: CsvSettings = {
    valueColumn: flags.valueColumn ?? config.csv.valueColumn ?? DEFAULTS.valueColumn,
    tokenColumn: flags.tokenColumn ?? config.csv.tokenColumn ?? DEFAULTS.tokenColumn,
  };
  if (dir[0] !== undefined) csv.dataDir = dir[0];
  if (file[0] !== undefined) csv.file = file[0];
  if (source !== "csv") return csv;
  if (file[0] !== undefined) {
    await checkPath(file[0], file[1], "file");
    if (vaultCount > 1) {
      throw new ConfigError(
        `${file[1]} holds one value column: select one vault with --vault NAME (${vaultCount} selected)`,
      );
    }
  } else if (dir[0] !== undefined) {
    await checkPath(dir[0], dir[1], "directory");
  } else {
    throw new ConfigError(
      `csv source needs input: pass --data-dir DIR or --file FILE, or set csv.data_directory in ${config.path}`,
    );
  }
  return csv;
}

async function resolveErrorLog(flags: LoadFlags, source: SourceKind): Promise<string | undefined> {
  if (source !== "error-log") return undefined;
  if (flags.errorLog === undefined) throw new ConfigError("--source error-log needs --error-log FILE");
  await checkPath(flags.errorLog, "--error-log", "file");
  return flags.errorLog;
}
