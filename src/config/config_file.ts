/**
 * Reads the Go loader's `config.json` unchanged, plus byot's optional additions. Unknown keys are
 * ignored, as the Go loader did, but listed in `unknownKeys` (the caller warns); a known key of the wrong type is a {@linkcode ConfigError} naming
 * the file and the key path. Secret values are never quoted in messages.
 *
 * @module
 */
import { ConfigError } from "../common/errors.ts";
import { locateJsonError } from "./_json_error.ts";
import { unknownConfigKeys, type UnknownKey } from "./config_keys.ts";

/** One entry of `skyflow.vaults`. Missing strings are `""` (validated later, by resolve). */
export interface ConfigVault {
  /** Config name, matched case-insensitively by `--vault`. */
  name: string;
  /** Skyflow vault id. */
  id: string;
  /** Column holding the value and its token. */
  column: string;
  /** byot addition: table to insert into. Absent means the column (Go loader layout). */
  table?: string;
}

/** The `snowflake` section. Parsed and kept for the Snowflake source. */
export interface ConfigSnowflake {
  /** `user`. */
  user?: string;
  /** `password` (secret). */
  password?: string;
  /** `authenticator`. */
  authenticator?: string;
  /** `account`. */
  account?: string;
  /** `warehouse`. */
  warehouse?: string;
  /** `database`. */
  database?: string;
  /** `schema`. */
  schema?: string;
  /** `role`. */
  role?: string;
  /** `fetch_size`. */
  fetchSize?: number;
  /** `query_mode`. */
  queryMode?: string;
  /** `access_url`. */
  accessUrl?: string;
  /** `private_key_path`. */
  privateKeyPath?: string;
  /** `private_key_passphrase` (secret). */
  privateKeyPassphrase?: string;
  /** `token` (secret). */
  token?: string;
  /** Keys of the section byot does not know, as parsed. */
  raw: Record<string, unknown>;
}

/** The `skyflow` section. */
export interface ConfigSkyflow {
  /** `vault_url`. */
  vaultUrl?: string;
  /** `bearer_token` (secret). */
  bearerToken?: string;
  /** `vaults`, in file order; empty when the key is absent. */
  vaults: ConfigVault[];
  /** byot addition: `continue_on_error`. */
  continueOnError?: boolean;
  /** byot addition: `byot_mode`, `DISABLE`, `ENABLE` or `ENABLE_STRICT` (validated by resolve). */
  byotMode?: string;
  /** byot addition: `credentials_file`, a service-account credentials.json. */
  credentialsFile?: string;
  /** byot addition: `roles`, role ids to scope service-account tokens to (comma-separated). */
  roles?: string;
}

/** The `csv` section. */
export interface ConfigCsv {
  /** `data_directory`. */
  dataDirectory?: string;
  /** byot addition: `file`, one CSV with a value and a token column. */
  file?: string;
  /** byot addition: `value_column`. */
  valueColumn?: string;
  /** byot addition: `token_column`. */
  tokenColumn?: string;
}

/** The `performance` section. */
export interface ConfigPerformance {
  /** `batch_size`. */
  batchSize?: number;
  /** `max_concurrency`. */
  maxConcurrency?: number;
  /** `max_records`. */
  maxRecords?: number;
  /** `append_suffix` (ignored by the Go loader, honoured by byot). */
  appendSuffix?: boolean;
  /** `base_delay_ms`. */
  baseDelayMs?: number;
  /** `upsert`. */
  upsert?: boolean;
  /** byot addition: `max_attempts`. */
  maxAttempts?: number;
  /** byot addition: `request_timeout_ms`. */
  requestTimeoutMs?: number;
  /** byot addition: `concurrency_auto` (default true): adapt concurrency, `max_concurrency` is the ceiling; false makes it fixed. */
  concurrencyAuto?: boolean;
  /** byot addition: `max_rps`, requests per second per vault. */
  maxRps?: number;
}

/** byot addition: the `metrics` section (Prometheus endpoint and the ledger's interval samples). */
export interface ConfigMetrics {
  /** `addr`: serve Prometheus `/metrics` on this `HOST:PORT` during a run. */
  addr?: string;
  /** `sample_interval_s`: seconds between the per-vault samples written to the ledger. */
  sampleIntervalS?: number;
}

/** A parsed config file. Every setting is optional; resolve applies precedence and defaults. */
export interface ConfigFile {
  /** The path the file was read from, as given (used in messages). */
  path: string;
  /** `skyflow`. */
  skyflow: ConfigSkyflow;
  /** `csv`. */
  csv: ConfigCsv;
  /** `performance`. */
  performance: ConfigPerformance;
  /** `snowflake`. */
  snowflake: ConfigSnowflake;
  /** `metrics` (byot addition). */
  metrics: ConfigMetrics;
  /** Keys byot does not know (misspelt or obsolete), with the nearest known key. @default [] */
  unknownKeys?: UnknownKey[];
}

/** Reads a file as UTF-8 text. Rejects with the runtime's error (e.g. `Deno.errors.NotFound`). */
export type ReadTextFile = (path: string) => Promise<string>;

/**
 * Reads and parses a config file.
 *
 * @param path the file, used as given in messages.
 * @param readFile @default Deno.readTextFile
 * @throws {ConfigError} when the file is missing or unreadable, is not valid JSON, or has a key of the wrong type.
 * @example
 * ```ts
 * const config = await readConfigFile("config.json");
 * config.skyflow.vaults.map((v) => v.name); // ["NAME", "ID", "DOB", "SSN"]
 * ```
 */
export async function readConfigFile(
  path: string,
  readFile: ReadTextFile = Deno.readTextFile,
): Promise<ConfigFile> {
  let text: string;
  try {
    text = await readFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new ConfigError(`config file "${path}" not found`, { cause: error });
    }
    throw new ConfigError(`cannot read config file "${path}": ${errorText(error)}`, { cause: error });
  }
  return parseConfigText(text, path);
}

/**
 * Parses the text of a config file. `path` only labels messages.
 *
 * @throws {ConfigError} on invalid JSON or a key of the wrong type.
 * @example
 * ```ts
 * parseConfigText('{"performance": {"batch_size": "abc"}}', "config.json");
 * // ConfigError: config.json: performance.batch_size must be a number (got "abc")
 * ```
 */
export function parseConfigText(text: string, path: string): ConfigFile {
  const body = text.replace(/^\uFEFF/, "");
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    const at = locateJsonError(body, error);
    throw new ConfigError(`${path}: invalid JSON at line ${at.line}, column ${at.column}: ${at.reason}`);
  }
  const r = new FieldReader(path);
  const root = r.object(json, "the top level") ?? {};
  const sky = r.section(root, "skyflow");
  const csv = r.section(root, "csv");
  const perf = r.section(root, "performance");
  const sf = r.section(root, "snowflake");
  const metrics = r.section(root, "metrics");
  return {
    path,
    skyflow: {
      vaultUrl: r.string(sky, "skyflow", "vault_url"),
      bearerToken: r.string(sky, "skyflow", "bearer_token", true),
      vaults: r.vaults(sky),
      continueOnError: r.boolean(sky, "skyflow", "continue_on_error"),
      byotMode: r.string(sky, "skyflow", "byot_mode"),
      credentialsFile: r.string(sky, "skyflow", "credentials_file"),
      roles: r.string(sky, "skyflow", "roles"),
    },
    csv: {
      dataDirectory: r.string(csv, "csv", "data_directory"),
      file: r.string(csv, "csv", "file"),
      valueColumn: r.string(csv, "csv", "value_column"),
      tokenColumn: r.string(csv, "csv", "token_column"),
    },
    performance: {
      batchSize: r.number(perf, "performance", "batch_size"),
      maxConcurrency: r.number(perf, "performance", "max_concurrency"),
      maxRecords: r.number(perf, "performance", "max_records"),
      appendSuffix: r.boolean(perf, "performance", "append_suffix"),
      baseDelayMs: r.number(perf, "performance", "base_delay_ms"),
      upsert: r.boolean(perf, "performance", "upsert"),
      maxAttempts: r.number(perf, "performance", "max_attempts"),
      requestTimeoutMs: r.number(perf, "performance", "request_timeout_ms"),
      concurrencyAuto: r.boolean(perf, "performance", "concurrency_auto"),
      maxRps: r.number(perf, "performance", "max_rps"),
    },
    snowflake: r.snowflake(sf),
    metrics: {
      addr: r.string(metrics, "metrics", "addr"),
      sampleIntervalS: r.number(metrics, "metrics", "sample_interval_s"),
    },
    unknownKeys: unknownConfigKeys(root),
  };
}

type Obj = Record<string, unknown>;

const SNOWFLAKE_STRINGS = {
  user: "user",
  password: "password",
  authenticator: "authenticator",
  account: "account",
  warehouse: "warehouse",
  database: "database",
  schema: "schema",
  role: "role",
  query_mode: "queryMode",
  access_url: "accessUrl",
  private_key_path: "privateKeyPath",
  private_key_passphrase: "privateKeyPassphrase",
  token: "token",
} as const;
const SNOWFLAKE_SECRETS = new Set(["password", "private_key_passphrase", "token"]);

/** Type-checked access to JSON fields; every failure names the file and the key path. */
class FieldReader {
  constructor(readonly file: string) {}

  fail(path: string, expected: string, value: unknown, secret = false): never {
    throw new ConfigError(`${this.file}: ${path} must be ${expected} (got ${describe(value, secret)})`);
  }

  object(value: unknown, path: string): Obj | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "object" || Array.isArray(value)) this.fail(path, "an object", value);
    return value as Obj;
  }

  section(root: Obj, key: string): Obj {
    return this.object(root[key], key) ?? {};
  }

  string(obj: Obj, parent: string, key: string, secret = false): string | undefined {
    const value = obj[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "string") this.fail(`${parent}.${key}`, "a string", value, secret);
    return value;
  }

  number(obj: Obj, parent: string, key: string): number | undefined {
    const value = obj[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "number" || !Number.isFinite(value)) {
      this.fail(`${parent}.${key}`, "a number", value);
    }
    return value;
  }

  boolean(obj: Obj, parent: string, key: string): boolean | undefined {
    const value = obj[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "boolean") this.fail(`${parent}.${key}`, "true or false", value);
    return value;
  }

  vaults(sky: Obj): ConfigVault[] {
    const list = sky.vaults;
    if (list === undefined || list === null) return [];
    if (!Array.isArray(list)) this.fail("skyflow.vaults", "an array", list);
    return list.map((item, i) => {
      const path = `skyflow.vaults[${i}]`;
      const entry = this.object(item, path) ?? this.fail(path, "an object", item);
      const vault: ConfigVault = {
        name: this.string(entry, path, "name") ?? "",
        id: this.string(entry, path, "id") ?? "",
        column: this.string(entry, path, "column") ?? "",
      };
      const table = this.string(entry, path, "table");
      if (table !== undefined) vault.table = table;
      return vault;
    });
  }

  snowflake(sf: Obj): ConfigSnowflake {
    const out: ConfigSnowflake = { raw: {} };
    for (const [key, value] of Object.entries(sf)) {
      if (key === "fetch_size") out.fetchSize = this.number(sf, "snowflake", key);
      else if (key in SNOWFLAKE_STRINGS) {
        const field = SNOWFLAKE_STRINGS[key as keyof typeof SNOWFLAKE_STRINGS];
        out[field] = this.string(sf, "snowflake", key, SNOWFLAKE_SECRETS.has(key));
      } else out.raw[key] = value;
    }
    return out;
  }
}

/** A short, safe rendering of a JSON value for messages. */
function describe(value: unknown, secret: boolean): string {
  if (Array.isArray(value)) return secret ? "an array" : clip(JSON.stringify(value));
  if (value === null) return "null";
  if (secret) return typeof value === "object" ? "an object" : `a ${typeof value}`;
  return clip(JSON.stringify(value));
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
