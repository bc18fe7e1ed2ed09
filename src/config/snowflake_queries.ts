/**
 * The Snowflake query-shape settings byot adds to the Go loader's `snowflake` section: the simple
 * and generic mode tables, the names the legacy union mode hard-coded, and per-vault custom
 * queries. They arrive in `ConfigFile.snowflake.raw` (keys the Go loader did not know).
 *
 * ```json
 * "snowflake": {
 *   "query_mode": "custom",
 *   "table": "PATIENTS", "clm_table": "CLM", "mbr_table": "MBR",
 *   "union": { "database": "D01", "schema": "S", "clm_table": "CLM", "mbr_table": "MBR", "udf_prefix": "T01.X" },
 *   "queries": { "NAME": { "table": "DB.S.PEOPLE", "value_column": "FULL_NAME", "token_column": "NAME_TOKEN" },
 *                "SSN": { "sql": "SELECT ssn, ssn_token FROM DB.S.PEOPLE" } }
 * }
 * ```
 *
 * @module
 */
import { ConfigError } from "../common/errors.ts";
import type { SnowflakeCustomQuery, SnowflakeSettings, SnowflakeUnionNames } from "./settings.ts";

/** A parsed JSON object (a config section), keys not yet checked. */
export type Obj = Record<string, unknown>;

function str(value: unknown, path: string, file: string): string | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value !== "string") throw new ConfigError(`${file}: ${path} must be a string`);
  return value;
}

function obj(value: unknown, path: string, file: string): Obj | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new ConfigError(`${file}: ${path} must be an object`);
  }
  return value as Obj;
}

/** Flags of the legacy loader that name Snowflake tables. */
export interface SnowflakeTableFlags {
  /** `--sf-table`: the simple mode table; wins over `snowflake.table`. */
  sfTable?: string;
  /** `--sf-clm-table`: the generic mode CLM table; wins over `snowflake.clm_table`. */
  sfClmTable?: string;
  /** `--sf-mbr-table`: the generic mode MBR table; wins over `snowflake.mbr_table`. */
  sfMbrTable?: string;
}

/**
 * Reads the query-shape keys from the raw `snowflake` section (flags win for the tables) into
 * `out`.
 *
 * @throws {ConfigError} naming the file and key for a value of the wrong type.
 */
export function resolveSnowflakeQueries(
  raw: Obj,
  flags: SnowflakeTableFlags,
  file: string,
  out: SnowflakeSettings,
): void {
  const table = flags.sfTable ?? str(raw.table, "snowflake.table", file);
  const clm = flags.sfClmTable ?? str(raw.clm_table, "snowflake.clm_table", file);
  const mbr = flags.sfMbrTable ?? str(raw.mbr_table, "snowflake.mbr_table", file);
  if (table) out.table = table;
  if (clm) out.clmTable = clm;
  if (mbr) out.mbrTable = mbr;
  const union = obj(raw.union, "snowflake.union", file);
  if (union) {
    const names: SnowflakeUnionNames = {};
    const keys = [["database", "database"], ["schema", "schema"], ["clm_table", "clmTable"], [
      "mbr_table",
      "mbrTable",
    ], ["udf_prefix", "udfPrefix"]] as const;
    for (const [key, field] of keys) {
      const value = str(union[key], `snowflake.union.${key}`, file);
      if (value) names[field] = value;
    }
    out.union = names;
  }
  const queries = obj(raw.queries, "snowflake.queries", file);
  if (queries) {
    const result: Record<string, SnowflakeCustomQuery> = {};
    for (const [vault, value] of Object.entries(queries)) {
      const q = obj(value, `snowflake.queries.${vault}`, file) ?? {};
      const at = (k: string) => `snowflake.queries.${vault}.${k}`;
      const entry: SnowflakeCustomQuery = {
        table: str(q.table, at("table"), file),
        valueColumn: str(q.value_column, at("value_column"), file),
        tokenColumn: str(q.token_column, at("token_column"), file),
        sql: str(q.sql, at("sql"), file),
      };
      if (!entry.sql && !(entry.table && entry.valueColumn && entry.tokenColumn)) {
        throw new ConfigError(
          `${file}: snowflake.queries.${vault} needs "sql", or "table" with "value_column" and "token_column"`,
        );
      }
      result[vault.toUpperCase()] = entry;
    }
    out.queries = result;
  }
}
