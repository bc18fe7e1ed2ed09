/**
 * Merges flags, environment, config file and defaults into validated {@linkcode LoadSettings}.
 * Precedence is flags > environment > config file > {@linkcode DEFAULTS}; a flag counts only when
 * the user passed it. Every problem is one {@linkcode ConfigError} line naming the setting (as the
 * flag, variable or config key the user wrote) and the bad value, never a secret.
 *
 * @module
 */
import { ConfigError } from "../common/errors.ts";
import type { Io } from "../common/io.ts";
import { type ConfigFile, readConfigFile, type ReadTextFile } from "./config_file.ts";
import { unknownKeyWarning } from "./config_keys.ts";
import type { LoadFlags } from "./load_flags.ts";
import { type PromptSecret, resolveVaultAuth } from "./secrets.ts";
import { type ByotMode, type CsvSettings, DEFAULTS, type LoadSettings, type SourceKind } from "./settings.ts";
import {
  completeSnowflakeLogin,
  resolveSnowflake,
  SNOWFLAKE_DEFAULT_MAX_RECORDS,
} from "./snowflake_settings.ts";
import { selectVaults } from "./vault_selection.ts";
import { resolveTelemetry } from "./telemetry_settings.ts";
import { resolveShard } from "./shard.ts";
import { checkHttpUrl, checkPath, envInt, envString, first, intSetting, quote } from "./rules.ts";

/** Inputs of {@linkcode resolveLoadSettings}. */
export interface ResolveInput {
  /** Flags the user passed (absent fields were not given). */
  flags: LoadFlags;
  /** Environment (`io.env`), stderr for warnings, and whether a prompt is possible. */
  io: Io;
  /** Reads the config and token files. @default Deno.readTextFile */
  readFile?: ReadTextFile;
  /** Hidden prompt for the bearer token. @default promptHidden (`@inquirer/password`) */
  promptSecret?: PromptSecret;
  /** Visible one-line prompt (Snowflake user name). @default a line read from stdin */
  promptLine?: (label: string) => Promise<string>;
  /** Current time in ms, for a fresh suffix seed. @default Date.now */
  now?: () => number;
  /** Uniform random in [0, 1), for the random part of a fresh suffix seed. @default crypto-backed */
  random?: () => number;
}

/**
 * A fresh `--append-suffix` seed: unix seconds followed by 8 random digits, so two runs started in
 * the same second do not share suffixes while the suffix keeps the Go loader's shape
 * (`_<digits>_<16 chars>`). The ledger stores it with the run and a resume reuses it.
 *
 * @example
 * ```ts
 * newSuffixSeed(() => 1_700_000_000_000, () => 0.5); // "170000000055555555"
 * ```
 */
export function newSuffixSeed(now: () => number, random: () => number = cryptoRandom): string {
  let tail = "";
  for (let i = 0; i < 8; i++) tail += String(Math.floor(random() * 10) % 10);
  return `${Math.floor(now() / 1000)}${tail}`;
}

function cryptoRandom(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0] / 2 ** 32;
}

const SOURCES: readonly SourceKind[] = ["csv", "snowflake", "error-log"];
const BYOT_MODES: readonly ByotMode[] = ["DISABLE", "ENABLE", "ENABLE_STRICT"];

/**
 * Resolves and validates the settings of one `byot load`. Reads the config file (`--config` >
 * `BYOT_CONFIG` > `config.json`), checks input paths exist, and resolves the bearer token last (it
 * may prompt), so a bad setting is reported before the user types a secret.
 *
 * @throws {ConfigError} (exit code 2) for any missing, malformed or invalid setting.
 * @example
 * ```ts
 * const settings = await resolveLoadSettings({ flags: { vault: "ssn", batchSize: 50 }, io: denoIo() });
 * ```
 */
export async function resolveLoadSettings(input: ResolveInput): Promise<LoadSettings> {
  const { flags, io } = input;
  const readFile = input.readFile ?? Deno.readTextFile;
  const config = await loadConfig(flags, io, readFile);
  const at = (key: string) => `${config.path}: ${key}`;
  const perf = config.performance;

  if (flags.clear) {
    throw new ConfigError(
      "-clear is no longer part of load: run byot clear --vault NAME first (it asks before deleting), then load",
    );
  }
  const source = resolveSource(flags, io);
  const batchSize = intSetting(
    "positive",
    DEFAULTS.batchSize,
    [flags.batchSize, "--batch-size"],
    [envInt(io, "BYOT_BATCH_SIZE"), "BYOT_BATCH_SIZE"],
    [perf.batchSize, at("performance.batch_size")],
  );
  const envConcurrency = envString(io, "BYOT_CONCURRENCY");
  const concurrencyAuto = flags.concurrency !== undefined
    ? flags.concurrency === "auto"
    : envConcurrency !== undefined
    ? envConcurrency.trim().toLowerCase() === "auto"
    : perf.concurrencyAuto ?? false;
  const concurrency = concurrencyAuto
    ? intSetting(
      "positive",
      DEFAULTS.concurrencyMax,
      [flags.concurrencyMax, "--concurrency-max"],
      [perf.maxConcurrency, at("performance.max_concurrency")],
    )
    : intSetting(
      "positive",
      DEFAULTS.concurrency,
      [flags.concurrency === "auto" ? undefined : flags.concurrency, "--concurrency"],
      [
        envConcurrency?.trim().toLowerCase() === "auto" ? undefined : envInt(io, "BYOT_CONCURRENCY"),
        "BYOT_CONCURRENCY",
      ],
      [perf.maxConcurrency, at("performance.max_concurrency")],
    );
  const maxRps = intSetting(
    "non-negative",
    DEFAULTS.maxRps,
    [flags.maxRps, "--max-rps"],
    [perf.maxRps, at("performance.max_rps")],
  );
  let maxRecords = intSetting(
    "non-negative",
    DEFAULTS.maxRecords,
    [flags.maxRecords, "--max-records"],
    [perf.maxRecords, at("performance.max_records")],
  );
  const startRecord = intSetting("non-negative", DEFAULTS.startRecord, [flags.startRecord, "--start-record"]);
  if (flags.endRecord !== undefined) {
    if (flags.maxRecords !== undefined) throw new ConfigError("use --end-record or --max-records, not both");
    if (flags.endRecord <= startRecord) {
      throw new ConfigError(
        `--end-record must be greater than --start-record (got ${flags.endRecord} and ${startRecord})`,
      );
    }
    maxRecords = flags.endRecord - startRecord;
  }
  const shard = resolveShard({ flag: flags.shard, env: (name) => io.env(name) });
  if (shard && source === "error-log") {
    throw new ConfigError(
      "--shard (or BYOT_SHARD, BYOT_SHARD_COUNT) does not apply to --source error-log: reprocess an error log " +
        "in one process",
    );
  }
  const baseDelayMs = intSetting(
    "non-negative",
    DEFAULTS.baseDelayMs,
    [flags.baseDelayMs, "--base-delay-ms"],
    [perf.baseDelayMs, at("performance.base_delay_ms")],
  );
  const maxAttempts = intSetting(
    "positive",
    DEFAULTS.maxAttempts,
    [flags.maxAttempts, "--max-attempts"],
    [perf.maxAttempts, at("performance.max_attempts")],
  );
  const requestTimeoutMs = intSetting(
    "positive",
    DEFAULTS.requestTimeoutMs,
    [flags.timeoutMs, "--timeout-ms"],
    [perf.requestTimeoutMs, at("performance.request_timeout_ms")],
  );

  const telemetry = resolveTelemetry(flags, io, config);
  const vaultUrl = resolveVaultUrl(flags, io, config);
  const vaults = selectVaults(config.skyflow.vaults, flags.vault, config.path);
  const byotMode = resolveByotMode(flags, config);
  const csv = await resolveCsv(flags, config, source, vaults.length);
  const errorLog = await resolveErrorLog(flags, source);
  const snowflake = resolveSnowflake(flags, io, config);
  let maxRecordsDefaulted = false;
  if (source === "snowflake") {
    const rangeGiven = flags.maxRecords !== undefined || flags.endRecord !== undefined;
    if (!rangeGiven && !(perf.maxRecords && perf.maxRecords > 0)) {
      maxRecords = SNOWFLAKE_DEFAULT_MAX_RECORDS;
      maxRecordsDefaulted = true;
    }
    await completeSnowflakeLogin(snowflake, io, input.promptSecret, input.promptLine);
  }

  const auth = await resolveVaultAuth({
    flags,
    io,
    config: config.skyflow,
    readFile,
    promptSecret: input.promptSecret,
  });

  const settings: LoadSettings = {
    source,
    vaultUrl,
    vaults,
    csv,
    snowflake,
    batchSize,
    concurrency,
    concurrencyAuto,
    maxRps,
    maxRecords,
    startRecord,
    upsert: flags.upsert ?? perf.upsert ?? DEFAULTS.upsert,
    appendSuffix: flags.appendSuffix ?? perf.appendSuffix ?? DEFAULTS.appendSuffix,
    suffixSeed: flags.suffixSeed ?? newSuffixSeed(input.now ?? Date.now, input.random),
    baseDelayMs,
    continueOnError: flags.continueOnError ?? config.skyflow.continueOnError ?? DEFAULTS.continueOnError,
    byotMode,
    maxAttempts,
    requestTimeoutMs,
    backoffBaseMs: DEFAULTS.backoffBaseMs,
    backoffCapMs: DEFAULTS.backoffCapMs,
    ...auth,
    detach: flags.detach ?? false,
    maxRecordsDefaulted,
    json: flags.json ?? false,
    configPath: config.path,
  };
  if (telemetry.metricsAddr) settings.metricsAddr = telemetry.metricsAddr;
  if (telemetry.sampleIntervalMs) settings.sampleIntervalMs = telemetry.sampleIntervalMs;
  if (errorLog !== undefined) settings.errorLog = errorLog;
  const rangeFlag = flags.maxRecords !== undefined || flags.endRecord !== undefined;
  if (!rangeFlag && !maxRecordsDefaulted && maxRecords > 0) {
    settings.maxRecordsFrom = at("performance.max_records");
  }
  if (shard) settings.shard = shard;
  return settings;
}

/**
 * The vault URL: `--vault-url` > `SKYFLOW_VAULT_URL` > `skyflow.vault_url`, checked to be http(s),
 * without trailing slashes.
 *
 * @throws {ConfigError} when none is given or it is not an http(s) URL.
 */
export function resolveVaultUrl(flags: { vaultUrl?: string }, io: Io, config: ConfigFile): string {
  const url = first(
    [flags.vaultUrl, "--vault-url"],
    [envString(io, "SKYFLOW_VAULT_URL"), "SKYFLOW_VAULT_URL"],
    [config.skyflow.vaultUrl || undefined, `${config.path}: skyflow.vault_url`],
  );
  if (!url) {
    throw new ConfigError(
      `no vault URL: pass --vault-url URL, set SKYFLOW_VAULT_URL, or set skyflow.vault_url in ${config.path}`,
    );
  }
  return checkHttpUrl(url.value, url.label);
}

/** Reads the config file named by `--config`, `BYOT_CONFIG`, or the default `config.json`. */
export async function loadConfig(
  flags: { config?: string },
  io: Io,
  readFile: ReadTextFile,
): Promise<ConfigFile> {
  const chosen = first([flags.config, "--config"], [envString(io, "BYOT_CONFIG"), "BYOT_CONFIG"]);
  const path = chosen?.value ?? DEFAULTS.configPath;
  try {
    const config = await readConfigFile(path, readFile);
    for (const key of config.unknownKeys ?? []) io.stderr.write(`${unknownKeyWarning(config.path, key)}\n`);
    return config;
  } catch (error) {
    if (!(error instanceof ConfigError && error.cause instanceof Deno.errors.NotFound)) throw error;
    if (chosen) {
      throw new ConfigError(`${chosen.label} ${quote(path)}: file not found`, { cause: error.cause });
    }
    throw new ConfigError(
      `no config file: ${path} not found (pass --config FILE; see config.example.json)`,
      { cause: error.cause },
    );
  }
}

function resolveSource(flags: LoadFlags, io: Io): SourceKind {
  if (flags.errorLog !== undefined) {
    if (flags.source !== undefined && flags.source !== "error-log") {
      io.stderr.write(`warning: --error-log overrides --source ${flags.source}\n`);
    }
    return "error-log";
  }
  const source = flags.source ?? "csv";
  if (!(SOURCES as readonly string[]).includes(source)) {
    throw new ConfigError(`--source must be one of ${SOURCES.join(", ")} (got ${quote(source)})`);
  }
  return source as SourceKind;
}

function resolveByotMode(flags: LoadFlags, config: ConfigFile): ByotMode {
  const hit = first([flags.byotMode, "--byot-mode"], [
    config.skyflow.byotMode,
    `${config.path}: skyflow.byot_mode`,
  ]);
  if (!hit) return DEFAULTS.byotMode;
  const mode = hit.value.trim().toUpperCase();
  if (!(BYOT_MODES as readonly string[]).includes(mode)) {
    throw new ConfigError(`${hit.label} must be one of ${BYOT_MODES.join(", ")} (got ${quote(hit.value)})`);
  }
  return mode as ByotMode;
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
