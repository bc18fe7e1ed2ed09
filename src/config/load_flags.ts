/**
 * The `byot load` flags as the user typed them, before any merging. A field is `undefined` unless
 * the user passed the flag, so that a flag can override a config value with anything, including 0
 * or `false` (the Go loader could never force 0).
 *
 * @module
 */

/**
 * Flags of `byot load`, camel-cased from their long names (`--data-dir` → `dataDir`). Every field
 * is optional: absent means "not given", and {@linkcode resolveLoadSettings} falls back to the
 * environment, the config file, then the defaults.
 *
 * @example
 * ```ts
 * const flags: LoadFlags = { vault: "name,ssn", batchSize: 100 };
 * ```
 */
export interface LoadFlags {
  /** `--config FILE`: the config file. */
  config?: string;
  /** `--source csv|snowflake|error-log` (validated in resolve). */
  source?: string;
  /** `--data-dir DIR`: directory of `<column>_data.csv` + `<column>_tokens.csv`. */
  dataDir?: string;
  /** `--file FILE`: one CSV with a value and a token column. */
  file?: string;
  /** `--value-column NAME`: header of the value column in `--file`. */
  valueColumn?: string;
  /** `--token-column NAME`: header of the token column in `--file`. */
  tokenColumn?: string;
  /** `--vault NAME[,NAME]`: configured vaults to load, case-insensitive. */
  vault?: string;
  /** `--vault-url URL`. */
  vaultUrl?: string;
  /** `--batch-size N`. */
  batchSize?: number;
  /** `--concurrency N` or `--concurrency auto`. */
  concurrency?: number | "auto";
  /** `--concurrency-max N`: ceiling for `--concurrency auto`. */
  concurrencyMax?: number;
  /** `--max-rps N`: requests per second per vault. */
  maxRps?: number;
  /** `--credentials FILE`: Skyflow service-account credentials.json. */
  credentials?: string;
  /** `--role ID[,ID]`: scope service-account tokens to these roles. */
  role?: string;
  /** `--detach` / `--offline`: run in the background, output to a log file. */
  detach?: boolean;
  /** `--max-records N` (0 = all). */
  maxRecords?: number;
  /** `--start-record N`. */
  startRecord?: number;
  /** `--end-record N` (legacy): exclusive end row, the same as `--max-records N - start`. */
  endRecord?: number;
  /** `--clear` (legacy): refused with a pointer to `byot clear`. */
  clear?: boolean;
  /** `--shard i/n` (0-based) or `--shard auto` (index from the batch platform). */
  shard?: string;
  /** `--upsert` / `--no-upsert`. */
  upsert?: boolean;
  /** `--append-suffix` / `--no-append-suffix`. */
  appendSuffix?: boolean;
  /** `--base-delay-ms N`. */
  baseDelayMs?: number;
  /** `--token-file FILE`: file holding the bearer token. */
  tokenFile?: string;
  /** `--token TOKEN` (discouraged: visible in the process list). */
  token?: string;
  /** `--error-log FILE`: legacy error log to reprocess. */
  errorLog?: string;
  /** `--continue-on-error` / `--no-continue-on-error`. */
  continueOnError?: boolean;
  /** `--byot-mode DISABLE|ENABLE|ENABLE_STRICT`. */
  byotMode?: string;
  /** `--max-attempts N`. */
  maxAttempts?: number;
  /** `--timeout-ms N`: per-request timeout. */
  timeoutMs?: number;
  /** `--json`. */
  json?: boolean;
  /** `--metrics-addr HOST:PORT`: serve Prometheus `/metrics` during the run. */
  metricsAddr?: string;
  /** `--sample-interval S`: seconds between the ledger's per-vault samples. */
  sampleInterval?: number;
  /** `--sf-table` (simple mode table, legacy). */
  sfTable?: string;
  /** `--sf-clm-table` (generic mode, legacy). */
  sfClmTable?: string;
  /** `--sf-mbr-table` (generic mode, legacy). */
  sfMbrTable?: string;
  /** `--sf-user`. */
  sfUser?: string;
  /** `--sf-password` (discouraged: visible in the process list). */
  sfPassword?: string;
  /** `--sf-authenticator`. */
  sfAuthenticator?: string;
  /** `--sf-account`. */
  sfAccount?: string;
  /** `--sf-warehouse`. */
  sfWarehouse?: string;
  /** `--sf-database`. */
  sfDatabase?: string;
  /** `--sf-schema`. */
  sfSchema?: string;
  /** `--sf-role`. */
  sfRole?: string;
  /** `--sf-fetch-size N`. */
  sfFetchSize?: number;
  /** `--sf-query-mode`. */
  sfQueryMode?: string;
  /** `--sf-access-url`. */
  sfAccessUrl?: string;
  /** Not a command-line flag: the suffix seed of the run being resumed (set by the ledger). */
  suffixSeed?: string;
}
