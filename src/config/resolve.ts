/**
 * Merges flags, environment, config file and defaults into validated settings, layer by layer: the
 * vault target (`vault_target.ts`), the credentials (`secrets.ts`), the pipeline
 * (`pipeline_settings.ts`) and, for a load only, the source (`source_settings.ts`).
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
import { resolvePipelineSettings } from "./pipeline_settings.ts";
import { type PromptSecret, resolveVaultAuth } from "./secrets.ts";
import { DEFAULTS, type LoadSettings, type SendSettings } from "./settings.ts";
import { SNOWFLAKE_DEFAULT_MAX_RECORDS } from "./snowflake_settings.ts";

export { newSuffixSeed } from "./pipeline_settings.ts";
import { resolveSourceKind, resolveSourceSettings } from "./source_settings.ts";
import { resolveTelemetry } from "./telemetry_settings.ts";
import { resolveVaultTarget } from "./vault_target.ts";
import { envString, first, quote } from "./rules.ts";

/** Inputs of {@linkcode resolveLoadSettings} and {@linkcode resolveSendSettings}. */
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
 * Resolves and validates the settings of one `byot load`. Reads the config file (`--config` >
 * `BYOT_CONFIG` > `config.json`), checks input paths exist, and resolves the bearer token last (it
 * may prompt), so a bad setting is reported before the user types a secret.
 *
 * @throws {ConfigError} (exit code 2) for any missing, malformed or invalid setting.
 * @example
 * ```ts ignore
 * const settings = await resolveLoadSettings({ flags: { vault: "ssn", batchSize: 50 }, io: denoIo() });
 * ```
 */
export async function resolveLoadSettings(input: ResolveInput): Promise<LoadSettings> {
  const { flags, io } = input;
  const readFile = input.readFile ?? Deno.readTextFile;
  const config = await loadConfig(flags, io, readFile);
  refuseClear(flags);
  const source = resolveSourceKind(flags, io);
  const pipeline = resolvePipelineSettings(flags, io, config, input);
  const target = resolveVaultTarget(flags, io, config);
  const telemetry = resolveTelemetry(flags, io, config);
  const sourceSettings = await resolveSourceSettings({
    flags,
    io,
    config,
    source,
    vaultCount: target.vaults.length,
    promptSecret: input.promptSecret,
    promptLine: input.promptLine,
  });
  if (sourceSettings.maxRecordsDefaulted) pipeline.maxRecords = SNOWFLAKE_DEFAULT_MAX_RECORDS;
  const auth = await resolveVaultAuth({
    flags,
    io,
    config: config.skyflow,
    readFile,
    promptSecret: input.promptSecret,
  });
  return {
    ...target,
    ...pipeline,
    ...sourceSettings,
    ...auth,
    ...telemetry,
    detach: flags.detach ?? false,
    json: flags.json ?? false,
  };
}

/**
 * Resolves the settings of a command that sends records but reads no source (`failures retry`,
 * `tune`): the vault target, the pipeline and the credentials, exactly as `byot load` resolves
 * them. Source settings are neither read nor checked.
 *
 * @throws {ConfigError} (exit code 2) for any missing, malformed or invalid setting.
 * @example
 * ```ts ignore
 * const settings = await resolveSendSettings({ flags: { vault: "ssn" }, io: denoIo() });
 * ```
 */
export async function resolveSendSettings(input: ResolveInput): Promise<SendSettings> {
  const { flags, io } = input;
  const readFile = input.readFile ?? Deno.readTextFile;
  const config = await loadConfig(flags, io, readFile);
  refuseClear(flags);
  const pipeline = resolvePipelineSettings(flags, io, config, input);
  const target = resolveVaultTarget(flags, io, config);
  const telemetry = resolveTelemetry(flags, io, config);
  const auth = await resolveVaultAuth({
    flags,
    io,
    config: config.skyflow,
    readFile,
    promptSecret: input.promptSecret,
  });
  return { ...target, ...pipeline, ...auth, ...telemetry, json: flags.json ?? false };
}

function refuseClear(flags: LoadFlags): void {
  if (flags.clear) {
    throw new ConfigError(
      "-clear is no longer part of load: run byot clear --vault NAME first (it asks before deleting), then load",
    );
  }
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
