/**
 * The SQL byot runs against Snowflake, as pure functions of the resolved settings and a vault.
 *
 * Modes (`snowflake.query_mode`):
 * - `simple` (default): the Go loader's per-column query on one table, verbatim. Its
 *   `WHERE <col> IS NOT NULL AND <col>_token IS NOT NULL` filter stays, so in this mode NULL rows are
 *   left out by Snowflake (as before) instead of being counted as skipped. Besides the legacy
 *   `name`/`id`/`dob`/`ssn`, any column named like a plain identifier works with the `id` pattern.
 * - `generic`: the Go loader's CLM/MBR UNION queries, verbatim (`name`, `id`, `dob`, `ssn`).
 * - `union`: the Go loader's UNION queries with the `SKFL_*_DETOK` UDFs, verbatim, with its
 *   hard-coded database, schema, table and UDF names now defaults that config can change.
 * - `custom`: per vault, a table with value and token columns, or a full SQL text.
 *
 * In `generic`, `union` and `custom` mode nothing filters NULLs in SQL: the source yields NULL rows
 * as skipped items (`null_value` / `null_token`), so they are counted instead of aborting a vault.
 *
 * Every query byot runs ends in `ORDER BY 1, 2` (value, token), so running it again yields the same
 * sequence of pairs: rows that tie on both columns are identical pairs. Only with that ORDER BY are
 * `--start-record` / `--max-records` pushed down as `LIMIT <n> OFFSET <s>`; the source then numbers
 * rows from `startRecord`, so positions are the same as without the push-down.
 *
 * @module
 */
import type { Shard } from "../../config/shard.ts";
import { snowflakeShardPredicate } from "./shard_predicate.ts";
import { ConfigError } from "../../common/errors.ts";
import type { VaultSpec } from "../../common/types.ts";
import type { SnowflakeCustomQuery, SnowflakeSettings, SnowflakeUnionNames } from "../../config/settings.ts";
import {
  LEGACY_COLUMNS,
  type LegacyColumn,
  legacyGenericQuery,
  legacySimpleQuery,
  legacyUnionQuery,
} from "./legacy_queries.ts";

/** The query modes byot supports. */
export type SnowflakeQueryMode = "simple" | "generic" | "union" | "custom";

/** Simple mode's table when `snowflake.table` is not set (the Go loader's default). */
export const DEFAULT_SIMPLE_TABLE = "ELEVANCE.PUBLIC.PATIENTS";

/** Union mode's names when config does not set them (the Go loader's hard-coded ones). */
export const DEFAULT_UNION_NAMES: Required<SnowflakeUnionNames> = {
  database: "D01_SKYFLOW_POC",
  schema: "SKYFLOW_POC",
  clmTable: "CLM",
  mbrTable: "MBR",
  udfPrefix: "T01_PROTEGRITY.SCRTY_ACS_CNTRL",
};

/** The record range of a load, as `--start-record` / `--max-records` give it. */
export interface QueryRange {
  /** Rows of the ordered result to skip. @default 0 */
  startRecord?: number;
  /** Rows to read after `startRecord`; 0 = all. @default 0 */
  maxRecords?: number;
  /** Only this shard's rows (after the range): `MOD(ABS(HASH(value, token)), n) = i`. */
  shard?: Shard;
}

const MODES: readonly SnowflakeQueryMode[] = ["simple", "generic", "union", "custom"];

/**
 * The resolved query mode.
 *
 * @throws {ConfigError} for an unknown mode.
 */
export function queryModeOf(settings: SnowflakeSettings): SnowflakeQueryMode {
  const mode = (settings.queryMode ?? "").trim().toLowerCase() || "simple";
  if ((MODES as readonly string[]).includes(mode)) return mode as SnowflakeQueryMode;
  throw new ConfigError(
    `unknown Snowflake query mode "${settings.queryMode}" (expected one of: ${MODES.join(", ")})`,
  );
}

/**
 * Qualifies a table name with the configured database and schema: `T` becomes `DB.SCHEMA.T` and
 * `S.T` becomes `DB.S.T`; a fully qualified name, or a part that is not configured, is left as is
 * (Snowflake then resolves it against the session's database and schema). Dots inside double quotes
 * do not count.
 *
 * @example
 * ```ts
 * qualifyTable("PATIENTS", { database: "DB", schema: "S" }); // "DB.S.PATIENTS"
 * qualifyTable("X.PATIENTS", { database: "DB" }); // "DB.X.PATIENTS"
 * ```
 */
export function qualifyTable(
  table: string,
  settings: Pick<SnowflakeSettings, "database" | "schema">,
): string {
  const name = table.trim();
  const dots = unquotedDots(name);
  const { database, schema } = settings;
  if (dots === 0 && schema) return database ? `${database}.${schema}.${name}` : `${schema}.${name}`;
  if (dots === 1 && database) return `${database}.${name}`;
  return name;
}

function unquotedDots(name: string): number {
  let dots = 0;
  let quoted = false;
  for (const ch of name) {
    if (ch === '"') quoted = !quoted;
    else if (ch === "." && !quoted) dots++;
  }
  return dots;
}

/**
 * The query for one vault without byot's ORDER BY and range: the legacy text verbatim for `simple`,
 * `generic` and `union`, or the custom table/SQL.
 *
 * Simple mode reads `name` as `UPPER(full_name) AS full_name`, exactly as the Go loader did: this
 * changes the values loaded (upper case) and, with DISTINCT, can give one value several tokens.
 *
 * @throws {ConfigError} when the mode cannot serve the vault's column, or custom mode has no query
 *   for the vault.
 */
export function baseQueryText(settings: SnowflakeSettings, vault: VaultSpec): string {
  const mode = queryModeOf(settings);
  switch (mode) {
    case "simple":
      return legacySimpleQuery(qualifyTable(settings.table || DEFAULT_SIMPLE_TABLE, settings), vault.column);
    case "generic":
      return legacyGenericQuery(
        qualifyTable(settings.clmTable || "CLM", settings),
        qualifyTable(settings.mbrTable || "MBR", settings),
        legacyColumn(mode, vault.column),
      );
    case "union":
      return legacyUnionQuery(
        { ...DEFAULT_UNION_NAMES, ...definedOnly(settings.union ?? {}) },
        legacyColumn(mode, vault.column),
      );
    case "custom":
      return customQuery(settings, vault);
  }
}

/**
 * The exact SQL byot runs for a vault: {@linkcode baseQueryText}, then `ORDER BY 1, 2`, then
 * `LIMIT <max|NULL> OFFSET <start>` when a range is set. Also the text to put in the run's
 * fingerprint (no connection needed).
 *
 * @throws {ConfigError} as {@linkcode baseQueryText}, or for a negative or fractional range.
 * @example
 * ```ts ignore
 * snowflakeQueryText({}, vault, { startRecord: 10, maxRecords: 5 });
 * // "SELECT DISTINCT ... FROM ELEVANCE.PUBLIC.PATIENTS ...\nORDER BY 1, 2\nLIMIT 5 OFFSET 10"
 * ```
 */
export function snowflakeQueryText(
  settings: SnowflakeSettings,
  vault: VaultSpec,
  range: QueryRange = {},
): string {
  const ordered = orderedQuery(baseQueryText(settings, vault), range);
  if (!range.shard || range.shard.count <= 1) return ordered;
  return `SELECT * FROM (\n${ordered}\n)\nWHERE ${
    snowflakeShardPredicate("$1", "$2", range.shard)
  }\nORDER BY 1, 2`;
}

/** Appends `ORDER BY 1, 2` and, when a range is set, `LIMIT ... OFFSET ...` to a query. */
export function orderedQuery(base: string, range: QueryRange = {}): string {
  const start = rangeValue(range.startRecord, "start record");
  const max = rangeValue(range.maxRecords, "max records");
  const ordered = `${base}\nORDER BY 1, 2`;
  if (start === 0 && max === 0) return ordered;
  return `${ordered}\nLIMIT ${max > 0 ? max : "NULL"} OFFSET ${start}`;
}

/**
 * The query that re-reads a stored result in byot's order. RESULT_SCAN keeps no order of its own,
 * so the ORDER BY is repeated; on a result that was already ordered by (value, token) it gives the
 * same sequence.
 *
 * @throws {ConfigError} when `queryId` is not a Snowflake query id (letters, digits and dashes).
 */
export function resultScanQuery(queryId: string): string {
  if (!/^[0-9A-Za-z-]{1,100}$/.test(queryId)) throw new ConfigError(`not a Snowflake query id: ${queryId}`);
  return `SELECT * FROM TABLE(RESULT_SCAN('${queryId}'))\nORDER BY 1, 2`;
}

function rangeValue(value: number | undefined, what: string): number {
  const n = value ?? 0;
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new ConfigError(`${what} must be a non-negative integer: ${n}`);
  }
  return n;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== "")) as Partial<
    T
  >;
}

function legacyColumn(mode: SnowflakeQueryMode, column: string): LegacyColumn {
  const lower = column.toLowerCase();
  if ((LEGACY_COLUMNS as readonly string[]).includes(lower)) return lower as LegacyColumn;
  throw new ConfigError(
    `Snowflake query mode "${mode}" has no query for column "${column}" ` +
      `(it serves ${LEGACY_COLUMNS.join(", ")}; use query_mode "custom" for other columns)`,
  );
}

/** The custom query entry of a vault (config keys match vault names case-insensitively). */
function customEntry(settings: SnowflakeSettings, vault: VaultSpec): SnowflakeCustomQuery | undefined {
  const queries = settings.queries ?? {};
  const key = Object.keys(queries).find((k) => k.toLowerCase() === vault.name.toLowerCase());
  return key === undefined ? undefined : queries[key];
}

function customQuery(settings: SnowflakeSettings, vault: VaultSpec): string {
  const entry = customEntry(settings, vault);
  if (entry === undefined) {
    throw new ConfigError(
      `Snowflake query mode "custom" has no query for vault "${vault.name}" (column "${vault.column}"): ` +
        `add snowflake.queries.${vault.name} with a table and columns, or sql`,
    );
  }
  const sql = entry.sql?.trim().replace(/[\s;]+$/, "");
  if (sql) return `SELECT * FROM (\n${sql}\n)`;
  if (!entry.table?.trim()) {
    throw new ConfigError(
      `snowflake.queries.${vault.name}: set "table" (with value and token columns) or "sql"`,
    );
  }
  const value = entry.valueColumn?.trim() || vault.column;
  const token = entry.tokenColumn?.trim() || `${vault.column}_token`;
  return `SELECT ${value}, ${token}\nFROM ${qualifyTable(entry.table, settings)}`;
}
