/**
 * Where `byot tune` sends its probes, and what it projects: an in-process simulator (`--simulate`),
 * or one configured vault (`--vault`) and table (`--table`, e.g. a test table) resolved like
 * `byot load` does (config file, environment, bearer token or service-account credentials). The
 * source files are never read for probes; only their line count is estimated for the projection.
 *
 * @module
 */
import { ConfigError } from "../../common/errors.ts";
import type { Io } from "../../common/io.ts";
import type { VaultSpec } from "../../common/types.ts";
import { type ConfigFile, readConfigFile } from "../../config/config_file.ts";
import { pipelineDefaults } from "../../config/pipeline_settings.ts";
import { resolveSendSettings } from "../../config/resolve.ts";
import type { PromptSecret } from "../../config/secrets.ts";
import { DEFAULTS, type SendSettings } from "../../config/settings.ts";
import { splitNames } from "../../config/vault_selection.ts";
import { pairedFiles } from "../../sources/csv/paired.ts";
import { estimateDataRows } from "../../sources/csv/row_count.ts";
import { type Simulator, startSimulator } from "../../vault/simulator/mod.ts";
import type { Projection } from "./report.ts";

/** Flags of `byot tune` that pick the target. */
export interface TuneTargetFlags {
  /** `--simulate`: probe an in-process simulator. @default false */
  simulate?: boolean;
  /** `--latency-ms N` of the simulator. @default 0 */
  latencyMs?: number;
  /** `--rate-limit RPS` of the simulator (429 above it; 0 = off). @default 0 */
  rateLimit?: number;
  /** `--config FILE`. @default $BYOT_CONFIG, else config.json */
  config?: string;
  /** `--vault NAME`: the configured vault to probe. @default the only configured vault */
  vault?: string;
  /** `--table NAME`: the table to write into. @default the vault's table */
  table?: string;
  /** `--vault-url URL`. @default from the environment or config */
  vaultUrl?: string;
  /** `--token-file FILE`. @default from the environment or config */
  tokenFile?: string;
  /** `--token TOKEN` (visible in `ps`; warned about). @default from the environment or config */
  token?: string;
  /** `--credentials FILE`: service-account credentials. @default none */
  credentials?: string;
  /** `--role ID[,ID]`. @default none */
  role?: string;
  /** `--data-dir DIR`: for the projection only. @default csv.data_directory of the config */
  dataDir?: string;
  /** `--file FILE`: for the projection only. @default csv.file of the config */
  file?: string;
}

/** A resolved target. */
export interface TuneTarget {
  /** Settings of the target (URL, token, retries, BYOT mode, …). */
  settings: SendSettings;
  /** The vault and table written to. */
  vault: VaultSpec;
  /** For people: `simulator http://…` or `vault NAME (id …), table T at https://…`. */
  label: string;
  /** True with `--simulate`. */
  simulated: boolean;
  /** The simulator the probes go to (with `--simulate`). */
  simulator?: Simulator;
  /** Stops the simulator when this target started it. */
  close(): Promise<void>;
}

/** Collaborators of {@linkcode resolveTuneTarget}. */
export interface TuneTargetDeps {
  /** Hidden prompt for the bearer token. @default the terminal prompt */
  promptSecret?: PromptSecret;
  /** A running simulator to use for `--simulate` instead of starting one (tests). @default none */
  simulator?: Simulator;
}

/** The vault of `--simulate`. */
export const SIMULATED_VAULT: VaultSpec = {
  name: "TUNE",
  id: "byot-tune",
  column: "value",
  table: "byot_tune",
};

/**
 * Resolves the target of the probes.
 *
 * @throws {ConfigError} without `--simulate`, when neither `--vault` nor `--table` names the
 *   target, or when more than one vault would be probed.
 */
export async function resolveTuneTarget(
  flags: TuneTargetFlags,
  io: Io,
  deps: TuneTargetDeps = {},
): Promise<TuneTarget> {
  if (flags.simulate) return await simulatedTarget(flags, deps.simulator);
  if (flags.vault === undefined && flags.table === undefined) {
    throw new ConfigError(
      "tune writes generated test records: name the target with --vault NAME and/or --table TABLE " +
        "(a test table), or use --simulate",
    );
  }
  const settings = await resolveSendSettings({
    flags: {
      config: flags.config,
      vault: flags.vault,
      vaultUrl: flags.vaultUrl,
      tokenFile: flags.tokenFile,
      token: flags.token,
      credentials: flags.credentials,
      role: flags.role,
    },
    io,
    promptSecret: deps.promptSecret,
  });
  if (settings.vaults.length !== 1) {
    throw new ConfigError(
      `tune probes one vault: pick it with --vault NAME (configured: ${
        settings.vaults.map((v) => v.name).join(", ")
      })`,
    );
  }
  const vault = { ...settings.vaults[0], ...(flags.table !== undefined ? { table: flags.table } : {}) };
  return {
    settings,
    vault,
    label:
      `vault ${vault.name} (id ${vault.id}), table ${vault.table}, column ${vault.column} at ${settings.vaultUrl}`,
    simulated: false,
    close: () => Promise.resolve(),
  };
}

async function simulatedTarget(flags: TuneTargetFlags, given: Simulator | undefined): Promise<TuneTarget> {
  const simulator = given ?? await startSimulator({
    latencyMs: flags.latencyMs ?? 0,
    rateLimit: flags.rateLimit ?? 0,
  });
  const vault = { ...SIMULATED_VAULT, ...(flags.table !== undefined ? { table: flags.table } : {}) };
  const faults = [
    flags.latencyMs ? `latency ${flags.latencyMs} ms` : "",
    flags.rateLimit ? `limit ${flags.rateLimit} req/s` : "",
  ].filter((s) => s !== "");
  return {
    settings: simulatedSettings(simulator.url, vault),
    vault,
    label: `the simulator at ${simulator.url}${faults.length ? ` (${faults.join(", ")})` : ""}`,
    simulated: true,
    simulator,
    close: () => given ? Promise.resolve() : simulator.shutdown(),
  };
}

/** Send settings for the in-process simulator (any bearer token is accepted there). */
export function simulatedSettings(vaultUrl: string, vault: VaultSpec): SendSettings {
  return {
    vaultUrl,
    vaults: [vault],
    maxAttempts: DEFAULTS.maxAttempts,
    requestTimeoutMs: DEFAULTS.requestTimeoutMs,
    backoffBaseMs: DEFAULTS.backoffBaseMs,
    backoffCapMs: DEFAULTS.backoffCapMs,
    ...pipelineDefaults(),
    bearerToken: "byot-tune-simulated",
    tokenOrigin: "none",
    roles: [],
    json: false,
  };
}

/** Options of {@linkcode sourceProjection}. */
export interface SourceProjectionOptions {
  /** Counts a CSV file's data rows. @default estimateDataRows */
  countRows?: (path: string) => Promise<number | undefined>;
}

/**
 * The configured CSV source's record count, as the largest vault file's estimated rows (vaults load
 * side by side, so the largest one sets the time), or `undefined` when no CSV source is configured
 * or readable. A missing default config file is not an error here.
 */
export async function sourceProjection(
  flags: TuneTargetFlags,
  io: Io,
  options: SourceProjectionOptions = {},
): Promise<Projection | undefined> {
  const count = options.countRows ?? ((path: string) => estimateDataRows(path));
  const config = await optionalConfig(flags, io);
  const file = flags.file ?? (flags.dataDir === undefined ? config?.csv.file : undefined);
  if (file) {
    const rows = await count(file);
    return rows === undefined ? undefined : { label: `source (${file})`, records: rows };
  }
  const dir = flags.dataDir ?? config?.csv.dataDirectory;
  if (!dir) return undefined;
  const wanted = flags.vault === undefined ? undefined : splitNames(flags.vault).map((s) => s.toLowerCase());
  const vaults = (config?.skyflow.vaults ?? []).filter((v) =>
    !wanted || wanted.includes(v.name.toLowerCase())
  );
  let best: Projection | undefined;
  for (const v of vaults) {
    if (!v.column) continue;
    const rows = await count(pairedFiles(dir, v.column).data);
    if (rows !== undefined && (!best || rows > best.records)) {
      best = { label: `source (${v.name}${vaults.length > 1 ? ", largest vault" : ""})`, records: rows };
    }
  }
  return best;
}

async function optionalConfig(flags: TuneTargetFlags, io: Io): Promise<ConfigFile | undefined> {
  const explicit = flags.config ?? io.env("BYOT_CONFIG");
  try {
    return await readConfigFile(explicit ?? DEFAULTS.configPath);
  } catch (error) {
    if (
      explicit === undefined && error instanceof ConfigError && error.cause instanceof Deno.errors.NotFound
    ) {
      return undefined;
    }
    if (flags.simulate && explicit === undefined) return undefined;
    throw error;
  }
}
