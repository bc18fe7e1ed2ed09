/**
 * The resolved settings of a `byot load`, after flags, environment, config file and defaults have
 * been merged and validated. Everything downstream of `src/config/` takes these, never raw flags.
 *
 * @module
 */
import type { VaultSpec } from "../common/types.ts";
import type { ListenAddress } from "./listen_address.ts";

/** Where byot reads records from. */
export type SourceKind = "csv" | "snowflake" | "error-log";

/** Skyflow BYOT mode sent with every insert. */
export type ByotMode = "DISABLE" | "ENABLE" | "ENABLE_STRICT";

/** Where the bearer token came from (for messages; the token itself is never printed). */
export type TokenOrigin = "env" | "file" | "config" | "flag" | "prompt" | "credentials" | "none";

/** A custom Snowflake query for one vault: a table with value and token columns, or full SQL. */
export interface SnowflakeCustomQuery {
  /** Table (`T`, `S.T` or `D.S.T`; unqualified names get the configured database and schema). */
  table?: string;
  /** Column holding the value. */
  valueColumn?: string;
  /** Column holding the token. */
  tokenColumn?: string;
  /** Full SQL returning (value, token) as its first two columns; used instead of table + columns. */
  sql?: string;
}

/** Names the legacy `union` mode hard-coded; config can change them. */
export interface SnowflakeUnionNames {
  /** Database of the union tables. @default "D01_SKYFLOW_POC" */
  database?: string;
  /** Schema of the union tables. @default "SKYFLOW_POC" */
  schema?: string;
  /** The CLM table. @default "CLM" */
  clmTable?: string;
  /** The MBR table. @default "MBR" */
  mbrTable?: string;
  /** Schema-qualified prefix of the `SKFL_*_DETOK` UDFs. @default "T01_PROTEGRITY.SCRTY_ACS_CNTRL" */
  udfPrefix?: string;
}

/** The Go loader's `snowflake` config section plus byot's additions, as resolved. */
export interface SnowflakeSettings {
  /** Login name (`--sf-user`, `SNOWFLAKE_USER`); prompted for on a terminal when absent. */
  user?: string;
  /** Secret: never printed or stored. */
  password?: string;
  /** `snowflake` (password), `programmatic_access_token`, `SNOWFLAKE_JWT` (key pair). @default snowflake */
  authenticator?: string;
  /** Account identifier; needed unless `accessUrl` is set. */
  account?: string;
  /** Warehouse the queries run on; absent = the user's default. */
  warehouse?: string;
  /** Database of the session; also prefixed to simple, generic and custom mode tables that lack one. */
  database?: string;
  /** Schema of the session; also prefixed to unqualified simple, generic and custom mode tables. */
  schema?: string;
  /** Role of the session; absent = the user's default. */
  role?: string;
  /** Rows per driver fetch round (never a result limit, unlike the legacy `ROWS_PER_RESULTSET`). */
  fetchSize?: number;
  /** `simple`, `union`, `generic` or `custom`. @default "simple" */
  queryMode?: string;
  /** The driver's `accessUrl` (PrivateLink, proxies, the local test double). */
  accessUrl?: string;
  /** Key-pair auth: path of the PEM private key. */
  privateKeyPath?: string;
  /** Secret: passphrase of an encrypted private key. */
  privateKeyPassphrase?: string;
  /** Secret: programmatic access token. */
  token?: string;
  /** Simple mode table (`-sf-table`). @default "ELEVANCE.PUBLIC.PATIENTS" */
  table?: string;
  /** Generic mode CLM table (`-sf-clm-table`). @default "CLM" */
  clmTable?: string;
  /** Generic mode MBR table (`-sf-mbr-table`). @default "MBR" */
  mbrTable?: string;
  /** Union mode names. */
  union?: SnowflakeUnionNames;
  /** Custom mode: per vault name (case-insensitive). */
  queries?: Record<string, SnowflakeCustomQuery>;
}

/** CSV source settings. */
export interface CsvSettings {
  /** Directory of `<column>_data.csv` + `<column>_tokens.csv` pairs (Go loader layout). */
  dataDir?: string;
  /** A single CSV holding both columns; used instead of `dataDir` when set. */
  file?: string;
  /** Header of the value column in `file`. @default "value" */
  valueColumn: string;
  /** Header of the token column in `file`. @default "token" */
  tokenColumn: string;
}

/**
 * Where requests go and how they are retried: what every command that talks to a vault resolves,
 * the same way (`resolveVaultTarget`).
 */
export interface VaultTarget {
  /** Base URL of the vault API, e.g. `https://abc.vault.skyflowapis.com`. No trailing slash. */
  vaultUrl: string;
  /** The vaults selected by `--vault` (all configured ones without it), in config order. Never empty. */
  vaults: VaultSpec[];
  /** Attempts per request for transient errors (network, 408, 429, 5xx). @default 8 */
  maxAttempts: number;
  /** Per-request timeout in ms. @default 60000 */
  requestTimeoutMs: number;
  /** First backoff step in ms (full jitter, doubled per attempt). @default 250 */
  backoffBaseMs: number;
  /** Backoff cap in ms. @default 30000 */
  backoffCapMs: number;
  /** Path of the config file that was read, if any. */
  configPath?: string;
}

/** How byot authenticates to the vault: a static bearer token, or service-account credentials. */
export interface VaultAuth {
  /** The bearer token (secret: never printed, logged or stored); empty when credentials are used. */
  bearerToken: string;
  /** Where the bearer token came from; `credentials` when service-account credentials are used. */
  tokenOrigin: TokenOrigin;
  /** Service-account `credentials.json` text (secret), used instead of a bearer token. */
  credentials?: string;
  /** Where the credentials came from (a path, or `SKYFLOW_CREDENTIALS`), for messages. */
  credentialsOrigin?: string;
  /** Role ids to scope service-account tokens to (`--role`). @default [] */
  roles: string[];
}

/** How records are batched, paced and sent: what the pipeline reads besides the target. */
export interface PipelineSettings {
  /** Records per request. @default 25 */
  batchSize: number;
  /** Requests in flight per vault (with `concurrencyAuto`: the ceiling). @default 64 (32 with a fixed `--concurrency`) */
  concurrency: number;
  /** `--concurrency auto`: adapt requests in flight and rate to the vault's answers. @default true */
  concurrencyAuto: boolean;
  /** Requests per second per vault, shared by its workers; 0 = no cap. @default 0 */
  maxRps: number;
  /** Rows to process after `startRecord`; 0 = all. @default 0 */
  maxRecords: number;
  /** Where a non-zero `maxRecords` came from when it was the config file (`config.json: performance.max_records`). */
  maxRecordsFrom?: string;
  /** Rows to skip at the start of each source. @default 0 */
  startRecord: number;
  /** Send `upsert: <column>` so existing values are updated instead of rejected. @default false */
  upsert: boolean;
  /** Append a deterministic per-record suffix to values and tokens (test loads). @default false */
  appendSuffix: boolean;
  /** Seed that makes suffixes differ between runs but not between a run and its resume. */
  suffixSeed: string;
  /** Delay before each request of each worker, in ms (legacy `base_delay_ms`). @default 0 */
  baseDelayMs: number;
  /** Use the Batch endpoint with `continueOnError: true` instead of Insert. @default false */
  continueOnError: boolean;
  /** Skyflow BYOT mode sent with every insert (`--byot-mode`). @default "ENABLE" */
  byotMode: ByotMode;
}

/** Where the records of a load come from: read only by the source planner (`sources/plan.ts`). */
export interface SourceSettings {
  /** Where the records come from (`--source`). */
  source: SourceKind;
  /** CSV source settings (used when `source` is `csv`). */
  csv: CsvSettings;
  /** Legacy error-log JSON to import and reprocess (`--source error-log`). */
  errorLog?: string;
  /** Snowflake source settings (used when `source` is `snowflake`). */
  snowflake: SnowflakeSettings;
  /** True when `maxRecords` is the legacy Snowflake default of 100 because no limit was given. */
  maxRecordsDefaulted?: boolean;
  /**
   * `--shard i/n` (0-based): load only shard `index` of `count` of every source; absent = everything.
   * The record range (`startRecord`, `maxRecords`) is applied first, in global positions.
   */
  shard?: { index: number; count: number };
}

/** What a command that sends records but reads no source resolves (`failures retry`, `tune`). */
export interface SendSettings extends VaultTarget, VaultAuth, PipelineSettings {
  /** Print a machine-readable summary on stdout. @default false */
  json: boolean;
  /** Serve Prometheus `/metrics` here during the run (`--metrics-addr`). @default undefined (off) */
  metricsAddr?: ListenAddress;
  /** Time between the per-vault samples the ledger keeps for `byot report`, in ms. @default 10000 */
  sampleIntervalMs?: number;
}

/** Resolved settings for one `byot load`: the send settings plus the source. */
export interface LoadSettings extends SendSettings, SourceSettings {
  /** Run in the background with output to a log file (`--detach`, legacy `--offline`). @default false */
  detach: boolean;
}

/** Defaults for every optional numeric and boolean setting. */
export const DEFAULTS = {
  batchSize: 25,
  concurrency: 32,
  concurrencyAuto: true,
  concurrencyMax: 64,
  maxRps: 0,
  maxRecords: 0,
  startRecord: 0,
  upsert: false,
  appendSuffix: false,
  baseDelayMs: 0,
  continueOnError: false,
  byotMode: "ENABLE" as ByotMode,
  maxAttempts: 8,
  requestTimeoutMs: 60_000,
  backoffBaseMs: 250,
  backoffCapMs: 30_000,
  valueColumn: "value",
  tokenColumn: "token",
  configPath: "config.json",
  sampleIntervalMs: 10_000,
} as const;

/** Returns a copy of the settings safe to print: secrets replaced by `***`. */
export function redactSettings(settings: LoadSettings): Record<string, unknown> {
  const { bearerToken: _token, credentials: _credentials, snowflake, ...rest } = settings;
  return {
    ...rest,
    bearerToken: settings.bearerToken ? "***" : "",
    credentials: settings.credentials ? "***" : undefined,
    snowflake: {
      ...snowflake,
      password: snowflake.password ? "***" : undefined,
      token: snowflake.token ? "***" : undefined,
      privateKeyPassphrase: snowflake.privateKeyPassphrase ? "***" : undefined,
    },
  };
}
